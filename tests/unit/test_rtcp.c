/* test_rtcp.c — RTCP walking, reports, SDES, BYE, NTP time, compound building
 * and padding, and the feedback messages (NACK, PLI, FIR, REMB,
 * transport-cc): bounds on hostile packets, build → parse round trips, and
 * packets as browsers send them. Buffers handed to parsers are heap copies of
 * exactly the length they are told, so ASan sees a read one byte past it. */
#include <string.h>

#include "rtcp.h"
#include "rtcp_feedback.h"

static guint8 *
copy_exact(const guint8 *src, gsize len)
{
  guint8 *p = g_malloc(len ? len : 1);
  if (len)
    memcpy(p, src, len);
  return p;
}

/* A packet with a body of exactly @body_len bytes, for parsers: the walker
 * only yields whole words, this gives byte-granular truncation. Free
 * p->data. */
static void
fake_packet(WtRtcpPacket *p, guint8 type, guint8 fmt, const guint8 *body, gsize body_len)
{
  memset(p, 0, sizeof *p);
  guint8 *d = g_malloc(4 + body_len);
  d[0] = (guint8)(0x80 | fmt);
  d[1] = type;
  d[2] = d[3] = 0;
  if (body_len)
    memcpy(d + 4, body, body_len);
  p->type = type;
  p->fmt = fmt;
  p->data = d;
  p->len = 4 + body_len;
  p->body = d + 4;
  p->body_len = body_len;
  if (body_len >= 4)
    p->sender_ssrc = (guint32)d[4] << 24 | (guint32)d[5] << 16 | (guint32)d[6] << 8 | d[7];
  if (body_len >= 8)
    p->media_ssrc = (guint32)d[8] << 24 | (guint32)d[9] << 16 | (guint32)d[10] << 8 | d[11];
}

/* Runs every parser over @p, checking only what must hold for any input;
 * returns how many accepted it. */
static guint
parse_all(const WtRtcpPacket *p)
{
  guint ok = 0;
  WtRtcpReport r;
  if (wt_rtcp_report_parse(p, &r) == 0) {
    WtRtcpReportBlock b;
    guint i = 0;
    while (wt_rtcp_report_block(&r, i, &b) == 0)
      i++;
    g_assert_cmpuint(i, ==, r.n_blocks);
    ok++;
  }
  WtRtcpSdesIter si;
  WtRtcpSdesChunk sc;
  if (wt_rtcp_sdes_iter_init(&si, p) == 0) {
    int rc;
    while ((rc = wt_rtcp_sdes_iter_next(&si, &sc)) == 0)
      ;
    g_assert_true(rc == -ENOENT || rc == -EMSGSIZE);
    ok += rc == -ENOENT;
  }
  WtRtcpBye bye;
  if (wt_rtcp_bye_parse(p, &bye) == 0)
    ok++;
  guint32 ssrc;
  if (wt_rtcp_pli_parse(p, &ssrc) == 0)
    ok++;
  WtRtcpNackIter ni;
  guint16 seq;
  if (wt_rtcp_nack_iter_init(&ni, p) == 0) {
    while (wt_rtcp_nack_iter_next(&ni, &seq) == 0)
      ;
    ok++;
  }
  WtRtcpFirIter fi;
  WtRtcpFirEntry fe;
  if (wt_rtcp_fir_iter_init(&fi, p) == 0) {
    while (wt_rtcp_fir_iter_next(&fi, &fe) == 0)
      ;
    ok++;
  }
  WtRtcpRemb remb;
  if (wt_rtcp_remb_parse(p, &remb) == 0)
    ok++;
  WtRtcpTwccIter ti;
  WtRtcpTwccStatus ts;
  if (wt_rtcp_twcc_iter_init(&ti, p) == 0) {
    guint n = 0;
    while (wt_rtcp_twcc_iter_next(&ti, &ts) == 0)
      n++;
    g_assert_cmpuint(n, ==, ti.status_count);
    ok++;
  }
  return ok;
}

/* ---- Packets as browsers send them ------------------------------------------- */

/* Chrome, publishing: SR without report blocks + SDES CNAME (16 characters). */
static const guint8 chrome_sr_sdes[] = {
    0x80, 0xc8, 0x00, 0x06, 0x5a, 0x1b, 0x2c, 0x3d,                       /* SR, SSRC */
    0xe9, 0x7c, 0x6a, 0x1b, 0x4f, 0x5c, 0x28, 0xf5,                       /* NTP */
    0x3a, 0xde, 0x68, 0xb1, 0x00, 0x00, 0x01, 0x36,                       /* RTP ts, packets */
    0x00, 0x03, 0xe2, 0xc9,                                               /* octets */
    0x81, 0xca, 0x00, 0x06, 0x5a, 0x1b, 0x2c, 0x3d,                       /* SDES, one chunk */
    0x01, 0x10, 'p',  '+',  '5',  'L',  '2',  'x',                        /* CNAME, 16 */
    '9',  'x',  'C',  'k',  'u',  'M',  'd',  '9',  'A', '8', 0x00, 0x00, /* END, pad */
};

/* Chrome, receiving: RR with one block + REMB of 1.5 Mbps for that SSRC. */
static const guint8 chrome_rr_remb[] = {
    0x81, 0xc9, 0x00, 0x07, 0x00, 0x00, 0x00, 0x01, /* RR from SSRC 1 */
    0x5a, 0x1b, 0x2c, 0x3d, 0x0a, 0x00, 0x00, 0x03, /* source, 10/256 lost, 3 in all */
    0x00, 0x01, 0x2f, 0x4e, 0x00, 0x00, 0x00, 0x12, /* ext highest seq, jitter */
    0x6a, 0x1b, 0x4f, 0x5c, 0x00, 0x00, 0xc2, 0x8f, /* LSR, DLSR */
    0x8f, 0xce, 0x00, 0x05, 0x00, 0x00, 0x00, 0x01, /* PSFB AFB */
    0x00, 0x00, 0x00, 0x00, 'R',  'E',  'M',  'B',  /* media 0 */
    0x01, 0x0e, 0xdc, 0x6c, 0x5a, 0x1b, 0x2c, 0x3d, /* 1 SSRC, exp 3, mantissa 187500 */
};

/* Transport-cc feedback captured from Chrome (published by pion/rtcp): P set
 * with a 1-byte padding count, a 2-bit vector then a run of 48 not-received
 * of which 2 count, five small deltas and one large. */
static const guint8 chrome_twcc[] = {
    0xaf, 0xcd, 0x00, 0x07, 0x9b, 0x74, 0xf6, 0x1f, 0x93, 0x71, 0xdc, 0xbc, 0x85, 0x3c, 0x00, 0x09,
    0x63, 0xf9, 0x16, 0xb3, 0xd5, 0x52, 0x00, 0x30, 0x9b, 0xaa, 0x6a, 0xaa, 0x7b, 0x01, 0x09, 0x01,
};

/* Another Chrome capture: one received packet, padding count 1. */
static const guint8 chrome_twcc_one[] = {
    0xaf, 0xcd, 0x00, 0x05, 0xfa, 0x17, 0xfa, 0x17, 0x43, 0x03, 0x2f, 0xa0,
    0x00, 0x99, 0x00, 0x01, 0x3d, 0xe8, 0x02, 0x17, 0x20, 0x01, 0x94, 0x01,
};

/* Firefox (from a packet dump published by pion/rtcp): RR, SDES with a
 * 38-byte CNAME, BYE, PLI, RTPFB fmt 5 (RRR), APP. */
static const guint8 firefox_compound[] = {
    0x81, 0xc9, 0x00, 0x07, 0x90, 0x2f, 0x9e, 0x2e, 0xbc, 0x5e, 0x9a, 0x40, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x46, 0xe1, 0x00, 0x00, 0x01, 0x11, 0x09, 0xf3, 0x64, 0x32, 0x00, 0x02,
    0x4a, 0x79, 0x81, 0xca, 0x00, 0x0c, 0x90, 0x2f, 0x9e, 0x2e, 0x01, 0x26, 0x7b, 0x39, 0x63,
    0x30, 0x30, 0x65, 0x62, 0x39, 0x32, 0x2d, 0x31, 0x61, 0x66, 0x62, 0x2d, 0x39, 0x64, 0x34,
    0x39, 0x2d, 0x61, 0x34, 0x37, 0x64, 0x2d, 0x39, 0x31, 0x66, 0x36, 0x34, 0x65, 0x65, 0x65,
    0x36, 0x39, 0x66, 0x35, 0x7d, 0x00, 0x00, 0x00, 0x00, 0x81, 0xcb, 0x00, 0x01, 0x90, 0x2f,
    0x9e, 0x2e, 0x81, 0xce, 0x00, 0x02, 0x90, 0x2f, 0x9e, 0x2e, 0x90, 0x2f, 0x9e, 0x2e, 0x85,
    0xcd, 0x00, 0x02, 0x90, 0x2f, 0x9e, 0x2e, 0x90, 0x2f, 0x9e, 0x2e, 0x80, 0xcc, 0x00, 0x03,
    0x4b, 0xaa, 0xe1, 0xab, 0x4e, 0x41, 0x4d, 0x45, 0x41, 0x42, 0x43, 0x44,
};

static void
test_chrome_sr_sdes(void)
{
  guint8 *buf = copy_exact(chrome_sr_sdes, sizeof chrome_sr_sdes);
  WtRtcpIter it;
  WtRtcpPacket p;
  wt_rtcp_iter_init(&it, buf, sizeof chrome_sr_sdes);

  g_assert_cmpint(wt_rtcp_iter_next(&it, &p), ==, 0);
  g_assert_cmpuint(p.type, ==, WT_RTCP_SR);
  g_assert_cmpuint(p.len, ==, 28);
  g_assert_cmphex(p.sender_ssrc, ==, 0x5a1b2c3d);
  WtRtcpReport r;
  g_assert_cmpint(wt_rtcp_report_parse(&p, &r), ==, 0);
  g_assert_true(r.is_sr);
  g_assert_cmphex(r.ssrc, ==, 0x5a1b2c3d);
  g_assert_cmphex(r.sender.ntp, ==, G_GUINT64_CONSTANT(0xe97c6a1b4f5c28f5));
  g_assert_cmphex(r.sender.rtp_ts, ==, 0x3ade68b1);
  g_assert_cmpuint(r.sender.packet_count, ==, 310);
  g_assert_cmpuint(r.sender.octet_count, ==, 254665);
  g_assert_cmpuint(r.n_blocks, ==, 0);
  g_assert_cmpuint(r.ext_len, ==, 0);
  /* What a receiver will put in LSR for this SR. */
  g_assert_cmphex(wt_rtcp_ntp_mid32(r.sender.ntp), ==, 0x6a1b4f5c);

  g_assert_cmpint(wt_rtcp_iter_next(&it, &p), ==, 0);
  g_assert_cmpuint(p.type, ==, WT_RTCP_SDES);
  WtRtcpSdesIter si;
  WtRtcpSdesChunk c;
  g_assert_cmpint(wt_rtcp_sdes_iter_init(&si, &p), ==, 0);
  g_assert_cmpint(wt_rtcp_sdes_iter_next(&si, &c), ==, 0);
  g_assert_cmphex(c.ssrc, ==, 0x5a1b2c3d);
  g_assert_cmpuint(c.cname_len, ==, 16);
  g_assert_cmpmem(c.cname, c.cname_len, "p+5L2x9xCkuMd9A8", 16);
  g_assert_cmpint(wt_rtcp_sdes_iter_next(&si, &c), ==, -ENOENT);

  g_assert_cmpint(wt_rtcp_iter_next(&it, &p), ==, -ENOENT);

  /* Built from the parsed values, the same bytes come out. */
  guint8 out[64];
  WtRtcpCompound cb;
  wt_rtcp_compound_init(&cb, out, sizeof out);
  wt_rtcp_compound_add(&cb, wt_rtcp_write_sr(wt_rtcp_compound_tail(&cb), wt_rtcp_compound_room(&cb),
                                             &r.sender, NULL, 0));
  wt_rtcp_compound_add(&cb, wt_rtcp_write_sdes_cname(wt_rtcp_compound_tail(&cb),
                                                     wt_rtcp_compound_room(&cb), 0x5a1b2c3d,
                                                     "p+5L2x9xCkuMd9A8"));
  g_assert_cmpint(cb.error, ==, 0);
  g_assert_cmpmem(out, cb.len, chrome_sr_sdes, sizeof chrome_sr_sdes);
  g_free(buf);
}

static void
test_chrome_rr_remb(void)
{
  guint8 *buf = copy_exact(chrome_rr_remb, sizeof chrome_rr_remb);
  WtRtcpIter it;
  WtRtcpPacket p;
  wt_rtcp_iter_init(&it, buf, sizeof chrome_rr_remb);

  g_assert_cmpint(wt_rtcp_iter_next(&it, &p), ==, 0);
  WtRtcpReport r;
  WtRtcpReportBlock b;
  g_assert_cmpint(wt_rtcp_report_parse(&p, &r), ==, 0);
  g_assert_false(r.is_sr);
  g_assert_cmphex(r.ssrc, ==, 1);
  g_assert_cmpuint(r.n_blocks, ==, 1);
  g_assert_cmpint(wt_rtcp_report_block(&r, 0, &b), ==, 0);
  g_assert_cmphex(b.ssrc, ==, 0x5a1b2c3d);
  g_assert_cmpuint(b.fraction_lost, ==, 10);
  g_assert_cmpint(b.cumulative_lost, ==, 3);
  g_assert_cmphex(b.ext_highest_seq, ==, 0x00012f4e);
  g_assert_cmpuint(b.jitter, ==, 18);
  g_assert_cmphex(b.lsr, ==, 0x6a1b4f5c);
  g_assert_cmphex(b.dlsr, ==, 0xc28f);
  /* The round trip: DLSR 0xc28f is 0.76 s; the block came back 1 s after the SR. */
  gint64 rtt;
  g_assert_cmpint(wt_rtcp_rtt_us(0x6a1b4f5c + 0x10000, b.lsr, b.dlsr, &rtt), ==, 0);
  g_assert_cmpint(rtt, ==, wt_rtcp_ntp_short_to_us(0x10000 - 0xc28f));
  g_assert_cmpint(wt_rtcp_report_block(&r, 1, &b), ==, -ENOENT);

  g_assert_cmpint(wt_rtcp_iter_next(&it, &p), ==, 0);
  g_assert_cmpuint(p.type, ==, WT_RTCP_PSFB);
  g_assert_cmpuint(p.fmt, ==, WT_RTCP_PSFB_AFB);
  WtRtcpRemb remb;
  guint32 ssrc;
  g_assert_cmpint(wt_rtcp_remb_parse(&p, &remb), ==, 0);
  g_assert_cmpuint(remb.bitrate, ==, 1500000);
  g_assert_cmpuint(remb.n_ssrcs, ==, 1);
  g_assert_cmpint(wt_rtcp_remb_ssrc(&remb, 0, &ssrc), ==, 0);
  g_assert_cmphex(ssrc, ==, 0x5a1b2c3d);
  g_assert_cmpint(wt_rtcp_remb_ssrc(&remb, 1, &ssrc), ==, -ENOENT);
  g_assert_cmpint(wt_rtcp_iter_next(&it, &p), ==, -ENOENT);

  /* Rebuilt: identical bytes. */
  guint8 out[64];
  WtRtcpCompound cb;
  wt_rtcp_compound_init(&cb, out, sizeof out);
  wt_rtcp_report_block(&r, 0, &b);
  wt_rtcp_compound_add(
      &cb, wt_rtcp_write_rr(wt_rtcp_compound_tail(&cb), wt_rtcp_compound_room(&cb), 1, &b, 1));
  guint32 media = 0x5a1b2c3d;
  wt_rtcp_compound_add(&cb, wt_rtcp_write_remb(wt_rtcp_compound_tail(&cb),
                                               wt_rtcp_compound_room(&cb), 1, 1500000, &media, 1));
  g_assert_cmpint(cb.error, ==, 0);
  g_assert_cmpmem(out, cb.len, chrome_rr_remb, sizeof chrome_rr_remb);
  g_free(buf);
}

static void
test_chrome_twcc(void)
{
  guint8 *buf = copy_exact(chrome_twcc, sizeof chrome_twcc);
  WtRtcpIter it;
  WtRtcpPacket p;
  wt_rtcp_iter_init(&it, buf, sizeof chrome_twcc);
  g_assert_cmpint(wt_rtcp_iter_next(&it, &p), ==, 0);
  g_assert_cmpuint(p.padding, ==, 1);
  g_assert_cmpuint(p.body_len, ==, 27);
  WtRtcpTwccIter ti;
  WtRtcpTwccStatus s;
  g_assert_cmpint(wt_rtcp_twcc_iter_init(&ti, &p), ==, 0);
  g_assert_cmphex(ti.sender_ssrc, ==, 0x9b74f61f);
  g_assert_cmphex(ti.media_ssrc, ==, 0x9371dcbc);
  g_assert_cmpuint(ti.base_seq, ==, 34108);
  g_assert_cmpuint(ti.status_count, ==, 9);
  g_assert_cmpuint(ti.reference_time, ==, 6551830);
  g_assert_cmpuint(ti.fb_count, ==, 179);
  g_assert_cmpuint(ti.n_received, ==, 6);
  static const struct {
    WtRtcpTwccSymbol status;
    gint32 delta;
  } want[] = {
      {WT_RTCP_TWCC_SMALL_DELTA, 155}, {WT_RTCP_TWCC_SMALL_DELTA, 170},
      {WT_RTCP_TWCC_SMALL_DELTA, 106}, {WT_RTCP_TWCC_SMALL_DELTA, 170},
      {WT_RTCP_TWCC_SMALL_DELTA, 123}, {WT_RTCP_TWCC_NOT_RECEIVED, 0},
      {WT_RTCP_TWCC_LARGE_DELTA, 265}, {WT_RTCP_TWCC_NOT_RECEIVED, 0},
      {WT_RTCP_TWCC_NOT_RECEIVED, 0},
  };
  gint64 t = (gint64)6551830 * 64000;
  for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
    g_assert_cmpint(wt_rtcp_twcc_iter_next(&ti, &s), ==, 0);
    g_assert_cmpuint(s.seq, ==, 34108 + i);
    g_assert_cmpint(s.status, ==, want[i].status);
    g_assert_cmpint(s.delta_ticks, ==, want[i].delta);
    t += want[i].delta * 250;
    g_assert_cmpint(s.arrival_us, ==, want[i].status ? t : 0);
  }
  g_assert_cmpint(wt_rtcp_twcc_iter_next(&ti, &s), ==, -ENOENT);
  g_free(buf);

  buf = copy_exact(chrome_twcc_one, sizeof chrome_twcc_one);
  wt_rtcp_iter_init(&it, buf, sizeof chrome_twcc_one);
  g_assert_cmpint(wt_rtcp_iter_next(&it, &p), ==, 0);
  g_assert_cmpint(wt_rtcp_twcc_iter_init(&ti, &p), ==, 0);
  g_assert_cmpuint(ti.base_seq, ==, 153);
  g_assert_cmpuint(ti.status_count, ==, 1);
  g_assert_cmpuint(ti.fb_count, ==, 23);
  g_assert_cmpint(wt_rtcp_twcc_iter_next(&ti, &s), ==, 0);
  g_assert_cmpint(s.status, ==, WT_RTCP_TWCC_SMALL_DELTA);
  g_assert_cmpint(s.delta_ticks, ==, 148); /* 37 ms */
  g_assert_cmpint(wt_rtcp_twcc_iter_next(&ti, &s), ==, -ENOENT);
  g_free(buf);
}

static void
test_firefox_compound(void)
{
  guint8 *buf = copy_exact(firefox_compound, sizeof firefox_compound);
  WtRtcpIter it;
  WtRtcpPacket p;
  static const guint8 types[] = {WT_RTCP_RR,   WT_RTCP_SDES,  WT_RTCP_BYE,
                                 WT_RTCP_PSFB, WT_RTCP_RTPFB, WT_RTCP_APP};
  wt_rtcp_iter_init(&it, buf, sizeof firefox_compound);
  for (guint i = 0; i < G_N_ELEMENTS(types); i++) {
    g_assert_cmpint(wt_rtcp_iter_next(&it, &p), ==, 0);
    g_assert_cmpuint(p.type, ==, types[i]);
    guint accepted = parse_all(&p);
    /* RRR (RTPFB fmt 5) and APP are walked over: no parser takes them. */
    g_assert_cmpuint(accepted, ==, i >= 4 ? 0 : 1);
  }
  g_assert_cmpint(wt_rtcp_iter_next(&it, &p), ==, -ENOENT);

  wt_rtcp_iter_init(&it, buf, sizeof firefox_compound);
  WtRtcpReport r;
  WtRtcpReportBlock b;
  wt_rtcp_iter_next(&it, &p);
  g_assert_cmpint(wt_rtcp_report_parse(&p, &r), ==, 0);
  g_assert_cmpint(wt_rtcp_report_block(&r, 0, &b), ==, 0);
  g_assert_cmphex(b.ssrc, ==, 0xbc5e9a40);
  g_assert_cmphex(b.ext_highest_seq, ==, 0x46e1);
  g_assert_cmpuint(b.jitter, ==, 273);
  g_assert_cmphex(b.lsr, ==, 0x9f36432);
  g_assert_cmpuint(b.dlsr, ==, 150137);
  wt_rtcp_iter_next(&it, &p);
  WtRtcpSdesIter si;
  WtRtcpSdesChunk c;
  wt_rtcp_sdes_iter_init(&si, &p);
  g_assert_cmpint(wt_rtcp_sdes_iter_next(&si, &c), ==, 0);
  g_assert_cmpmem(c.cname, c.cname_len, "{9c00eb92-1afb-9d49-a47d-91f64eee69f5}", 38);
  wt_rtcp_iter_next(&it, &p);
  WtRtcpBye bye;
  guint32 ssrc;
  g_assert_cmpint(wt_rtcp_bye_parse(&p, &bye), ==, 0);
  g_assert_cmpuint(bye.n_ssrcs, ==, 1);
  g_assert_cmpint(wt_rtcp_bye_ssrc(&bye, 0, &ssrc), ==, 0);
  g_assert_cmphex(ssrc, ==, 0x902f9e2e);
  g_assert_null(bye.reason);
  wt_rtcp_iter_next(&it, &p);
  g_assert_cmpint(wt_rtcp_pli_parse(&p, &ssrc), ==, 0);
  g_assert_cmphex(ssrc, ==, 0x902f9e2e);
  g_free(buf);
}

/* ---- Walking: hostile framing ---------------------------------------------------- */

/* A compound with one of everything, the last packet padded. */
static gsize
build_everything(guint8 *buf, gsize cap, gsize *ends, guint *n_ends)
{
  WtRtcpCompound c;
  wt_rtcp_compound_init(&c, buf, cap);
  WtRtcpSenderInfo si = {0x11111111, G_GUINT64_CONSTANT(0xe97c6a1b4f5c28f5), 90000, 10, 1000};
  WtRtcpReportBlock blocks[2] = {{0x22222222, 5, -7, 70000, 12, 0x6a1b4f5c, 0x8000},
                                 {0x33333333, 0, 0, 5, 0, 0, 0}};
  guint16 lost[] = {65534, 65535, 0, 3, 40};
  WtRtcpFirEntry fir = {0x22222222, 7};
  guint32 ssrcs[] = {0x22222222, 0x33333333};
  WtRtcpTwccArrival arr[] = {{65530, 1000000}, {65531, 1000250}, {2, 1100000}, {3, 1099000}};
  static const guint8 xr[] = {0x80, 0xcf, 0x00, 0x02, 0x11, 0x11,
                              0x11, 0x11, 0x04, 0x00, 0x00, 0x00}; /* XR, one empty block header */
  *n_ends = 0;
#define ADD(expr)                                                                                  \
  do {                                                                                             \
    g_assert_cmpint(wt_rtcp_compound_add(&c, (expr)), ==, 0);                                      \
    ends[(*n_ends)++] = c.len;                                                                     \
  } while (0)
/* Two arguments: where the next packet goes and the room there. */
#define TAIL wt_rtcp_compound_tail(&c), wt_rtcp_compound_room(&c)
  ADD(wt_rtcp_write_sr(TAIL, &si, blocks, 2));
  ADD(wt_rtcp_write_rr(TAIL, 0x11111111, blocks + 1, 1));
  ADD(wt_rtcp_write_sdes_cname(TAIL, 0x11111111, "witness"));
  ADD(wt_rtcp_write_nack(TAIL, 1, 0x22222222, lost, G_N_ELEMENTS(lost), NULL));
  ADD(wt_rtcp_write_pli(TAIL, 1, 0x22222222));
  ADD(wt_rtcp_write_fir(TAIL, 1, &fir, 1));
  ADD(wt_rtcp_write_remb(TAIL, 1, 2500000, ssrcs, 2));
  ADD(wt_rtcp_write_twcc(TAIL, 1, 0x22222222, 9, arr, G_N_ELEMENTS(arr), NULL));
  g_assert_cmpuint(wt_rtcp_compound_room(&c), >=, sizeof xr);
  memcpy(wt_rtcp_compound_tail(&c), xr, sizeof xr);
  ADD((int)sizeof xr);
  ADD(wt_rtcp_write_bye(TAIL, ssrcs, 2));
#undef ADD
#undef TAIL
  g_assert_cmpint(wt_rtcp_compound_pad(&c, 8), ==, 0);
  ends[*n_ends - 1] = c.len;
  g_assert_cmpint(c.error, ==, 0);
  return c.len;
}

static void
test_truncated_every_length(void)
{
  guint8 full[1024];
  gsize ends[16];
  guint n_ends;
  gsize len = build_everything(full, sizeof full, ends, &n_ends);
  g_assert_cmpuint(n_ends, ==, 10);

  /* Whole: every packet parses with exactly one parser (XR with none). */
  WtRtcpIter it;
  WtRtcpPacket p;
  wt_rtcp_iter_init(&it, full, len);
  for (guint i = 0; i < n_ends; i++) {
    g_assert_cmpint(wt_rtcp_iter_next(&it, &p), ==, 0);
    g_assert_cmpuint(parse_all(&p), ==, p.type == WT_RTCP_XR ? 0 : 1);
  }
  g_assert_cmpuint(p.padding, ==, 8);
  g_assert_cmpint(wt_rtcp_iter_next(&it, &p), ==, -ENOENT);

  for (gsize cut = 0; cut < len; cut++) {
    guint8 *buf = copy_exact(full, cut);
    wt_rtcp_iter_init(&it, buf, cut);
    guint n = 0;
    int rc;
    while ((rc = wt_rtcp_iter_next(&it, &p)) == 0) {
      g_assert_cmpuint(n, <, n_ends);
      g_assert_true(p.data + p.len <= buf + cut);
      g_assert_cmpuint((gsize)(p.data + p.len - buf), ==, ends[n]);
      parse_all(&p);
      n++;
    }
    /* Exactly the packets that end within the cut came out. */
    guint whole = 0;
    while (whole < n_ends && ends[whole] <= cut)
      whole++;
    g_assert_cmpuint(n, ==, whole);
    gboolean on_boundary = cut == 0 || (whole > 0 && ends[whole - 1] == cut);
    g_assert_cmpint(rc, ==, on_boundary ? -ENOENT : -EMSGSIZE);
    g_assert_cmpint(wt_rtcp_iter_next(&it, &p), ==, -ENOENT);
    g_free(buf);
  }
}

static void
test_zero_lengths(void)
{
  WtRtcpIter it;
  WtRtcpPacket p;
  wt_rtcp_iter_init(&it, NULL, 0);
  g_assert_cmpint(wt_rtcp_iter_next(&it, &p), ==, -ENOENT);
  wt_rtcp_iter_init(&it, NULL, 100); /* no data: nothing, not a crash */
  g_assert_cmpint(wt_rtcp_iter_next(&it, &p), ==, -ENOENT);

  /* Header-only packets of every type, then a PLI: each is walked over, no
   * parser accepts one (a BYE with no SSRC is the exception: it is valid). */
  static const guint8 types[] = {WT_RTCP_SR,    WT_RTCP_RR,   WT_RTCP_SDES, WT_RTCP_BYE,
                                 WT_RTCP_RTPFB, WT_RTCP_PSFB, WT_RTCP_XR};
  static const guint8 fmts[] = {0, 1, 4, 15};
  for (guint t = 0; t < G_N_ELEMENTS(types); t++) {
    for (guint f = 0; f < G_N_ELEMENTS(fmts); f++) {
      guint8 pkt[16] = {(guint8)(0x80 | fmts[f]), types[t], 0, 0};
      wt_rtcp_write_pli(pkt + 4, 12, 1, 2);
      guint8 *buf = copy_exact(pkt, sizeof pkt);
      wt_rtcp_iter_init(&it, buf, sizeof pkt);
      g_assert_cmpint(wt_rtcp_iter_next(&it, &p), ==, 0);
      g_assert_cmpuint(p.len, ==, 4);
      g_assert_cmpuint(p.body_len, ==, 0);
      g_assert_cmphex(p.sender_ssrc, ==, 0);
      guint accepted = parse_all(&p);
      gboolean empty_ok =
          (types[t] == WT_RTCP_BYE && fmts[f] == 0) || (types[t] == WT_RTCP_SDES && fmts[f] == 0);
      g_assert_cmpuint(accepted, ==, empty_ok ? 1 : 0);
      g_assert_cmpint(wt_rtcp_iter_next(&it, &p), ==, 0);
      g_assert_cmpuint(p.type, ==, WT_RTCP_PSFB);
      g_assert_cmpint(wt_rtcp_iter_next(&it, &p), ==, -ENOENT);
      g_free(buf);
    }
  }
  /* The empty SDES has nothing to iterate; a count of 1 with no bytes is truncated. */
  guint8 sdes[4] = {0x80, WT_RTCP_SDES, 0, 0};
  wt_rtcp_iter_init(&it, sdes, 4);
  wt_rtcp_iter_next(&it, &p);
  WtRtcpSdesIter si;
  WtRtcpSdesChunk c;
  wt_rtcp_sdes_iter_init(&si, &p);
  g_assert_cmpint(wt_rtcp_sdes_iter_next(&si, &c), ==, -ENOENT);
  p.fmt = 1;
  wt_rtcp_sdes_iter_init(&si, &p);
  g_assert_cmpint(wt_rtcp_sdes_iter_next(&si, &c), ==, -EMSGSIZE);
  g_assert_cmpint(wt_rtcp_sdes_iter_next(&si, &c), ==, -ENOENT);

  /* Zero-length builds are refused. */
  guint8 out[64];
  guint16 none16 = 0;
  WtRtcpFirEntry fir = {0};
  guint32 none32 = 0;
  g_assert_cmpint(wt_rtcp_write_nack(out, sizeof out, 1, 2, &none16, 0, NULL), ==, -EINVAL);
  g_assert_cmpint(wt_rtcp_write_fir(out, sizeof out, 1, &fir, 0), ==, -EINVAL);
  g_assert_cmpint(wt_rtcp_write_bye(out, sizeof out, &none32, 0), ==, -EINVAL);
  g_assert_cmpint(wt_rtcp_write_sdes_cname(out, sizeof out, 1, ""), ==, -EINVAL);
  g_assert_cmpint(wt_rtcp_write_twcc(out, sizeof out, 1, 2, 0, NULL, 0, NULL), ==, -EINVAL);
  /* A REMB about no SSRC is allowed (20 bytes) and parses back. */
  int n = wt_rtcp_write_remb(out, sizeof out, 1, 1000, NULL, 0);
  g_assert_cmpint(n, ==, 20);
  wt_rtcp_iter_init(&it, out, (gsize)n);
  wt_rtcp_iter_next(&it, &p);
  WtRtcpRemb remb;
  g_assert_cmpint(wt_rtcp_remb_parse(&p, &remb), ==, 0);
  g_assert_cmpuint(remb.n_ssrcs, ==, 0);
  g_assert_cmpuint(remb.bitrate, ==, 1000);
}

static void
test_bad_version(void)
{
  guint8 pkt[24];
  g_assert_cmpint(wt_rtcp_write_pli(pkt, 12, 1, 2), ==, 12);
  g_assert_cmpint(wt_rtcp_write_pli(pkt + 12, 12, 3, 4), ==, 12);
  WtRtcpIter it;
  WtRtcpPacket p;
  for (guint v = 0; v < 4; v++) {
    pkt[12] = (guint8)((v << 6) | (pkt[12] & 0x3f));
    wt_rtcp_iter_init(&it, pkt, sizeof pkt);
    g_assert_cmpint(wt_rtcp_iter_next(&it, &p), ==, 0);
    g_assert_cmpint(wt_rtcp_iter_next(&it, &p), ==, v == 2 ? 0 : -EBADMSG);
    g_assert_cmpint(wt_rtcp_iter_next(&it, &p), ==, -ENOENT);
  }
}

static void
test_padding(void)
{
  /* An RR of 8 bytes plus 8 of padding. */
  guint8 pkt[16] = {0xa0, WT_RTCP_RR, 0x00, 0x03, 0x12, 0x34, 0x56, 0x78};
  WtRtcpIter it;
  WtRtcpPacket p;
  WtRtcpReport r;
  for (guint count = 0; count <= 255; count++) {
    pkt[15] = (guint8)count;
    wt_rtcp_iter_init(&it, pkt, sizeof pkt);
    int rc = wt_rtcp_iter_next(&it, &p);
    if (count == 0) {
      g_assert_cmpint(rc, ==, -EBADMSG);
    } else if (count > 12) {
      /* Padding longer than the packet's body. */
      g_assert_cmpint(rc, ==, -EMSGSIZE);
    } else {
      g_assert_cmpint(rc, ==, 0);
      g_assert_cmpuint(p.padding, ==, count);
      g_assert_cmpuint(p.body_len, ==, 12 - count);
      g_assert_cmpint(wt_rtcp_report_parse(&p, &r), ==, count <= 8 ? 0 : -EMSGSIZE);
      if (count <= 8)
        g_assert_cmpuint(r.ext_len, ==, 8 - count);
    }
    g_assert_cmpint(wt_rtcp_iter_next(&it, &p), ==, -ENOENT);
  }
  /* P on a header-only packet: the count would be the length byte. */
  guint8 bare[4] = {0xa0, WT_RTCP_RR, 0, 0};
  wt_rtcp_iter_init(&it, bare, 4);
  g_assert_cmpint(wt_rtcp_iter_next(&it, &p), ==, -EBADMSG);
  /* Padding eating into the report blocks makes the count too large. */
  guint8 rr[40];
  WtRtcpReportBlock b = {.ssrc = 9};
  g_assert_cmpint(wt_rtcp_write_rr(rr, sizeof rr, 1, &b, 1), ==, 32);
  WtRtcpCompound c;
  wt_rtcp_compound_init(&c, rr, sizeof rr);
  g_assert_cmpint(wt_rtcp_compound_add(&c, 32), ==, 0);
  g_assert_cmpint(wt_rtcp_compound_pad(&c, 8), ==, 0);
  g_assert_cmpuint(c.len, ==, 40);
  wt_rtcp_iter_init(&it, rr, 40);
  g_assert_cmpint(wt_rtcp_iter_next(&it, &p), ==, 0);
  g_assert_cmpint(wt_rtcp_report_parse(&p, &r), ==, 0);
  g_assert_cmpuint(r.ext_len, ==, 0);
  rr[39] = 12; /* now the padding covers part of the block */
  wt_rtcp_iter_init(&it, rr, 40);
  g_assert_cmpint(wt_rtcp_iter_next(&it, &p), ==, 0);
  g_assert_cmpint(wt_rtcp_report_parse(&p, &r), ==, -EMSGSIZE);
}

/* ---- Reports ------------------------------------------------------------------- */

static void
test_report_counts_beyond_length(void)
{
  WtRtcpReportBlock blocks[WT_RTCP_MAX_REPORT_BLOCKS];
  for (guint i = 0; i < G_N_ELEMENTS(blocks); i++)
    blocks[i] = (WtRtcpReportBlock){.ssrc = i + 1, .cumulative_lost = (gint32)i};
  guint8 buf[28 + 31 * 24];
  WtRtcpSenderInfo si = {.ssrc = 7};
  for (guint type = WT_RTCP_SR; type <= WT_RTCP_RR; type++) {
    for (guint n = 0; n <= 3; n++) {
      int len = type == WT_RTCP_SR ? wt_rtcp_write_sr(buf, sizeof buf, &si, blocks, n)
                                   : wt_rtcp_write_rr(buf, sizeof buf, 7, blocks, n);
      g_assert_cmpint(len, ==, (type == WT_RTCP_SR ? 28 : 8) + 24 * (int)n);
      /* Claim every count from n + 1 to 31: always too many for the bytes. */
      for (guint claim = 0; claim <= 31; claim++) {
        buf[0] = (guint8)(0x80 | claim);
        guint8 *copy = copy_exact(buf, (gsize)len);
        WtRtcpIter it;
        WtRtcpPacket p;
        WtRtcpReport r;
        wt_rtcp_iter_init(&it, copy, (gsize)len);
        g_assert_cmpint(wt_rtcp_iter_next(&it, &p), ==, 0);
        int rc = wt_rtcp_report_parse(&p, &r);
        if (claim <= n) {
          g_assert_cmpint(rc, ==, 0);
          g_assert_cmpuint(r.n_blocks, ==, claim);
          g_assert_cmpuint(r.ext_len, ==, 24 * (n - claim)); /* the rest is "extension" */
        } else {
          g_assert_cmpint(rc, ==, -EMSGSIZE);
          g_assert_cmpuint(r.n_blocks, ==, 0);
        }
        g_free(copy);
      }
    }
  }
  /* Below the fixed part. */
  guint8 sr[28];
  wt_rtcp_write_sr(sr, sizeof sr, &si, NULL, 0);
  for (gsize body = 0; body < 24; body++) {
    WtRtcpPacket p;
    WtRtcpReport r;
    fake_packet(&p, WT_RTCP_SR, 0, sr + 4, body);
    g_assert_cmpint(wt_rtcp_report_parse(&p, &r), ==, -EMSGSIZE);
    p.type = WT_RTCP_RR;
    g_assert_cmpint(wt_rtcp_report_parse(&p, &r), ==, body < 4 ? -EMSGSIZE : 0);
    p.type = WT_RTCP_SDES;
    g_assert_cmpint(wt_rtcp_report_parse(&p, &r), ==, -EINVAL);
    g_free((gpointer)p.data);
  }
}

static void
test_report_round_trip(void)
{
  WtRtcpSenderInfo si = {0xdeadbeef, G_GUINT64_CONSTANT(0x0123456789abcdef), 0xfedcba98, 0xffffffff,
                         12345};
  WtRtcpReportBlock in[WT_RTCP_MAX_REPORT_BLOCKS + 1];
  for (guint i = 0; i < G_N_ELEMENTS(in); i++)
    in[i] = (WtRtcpReportBlock){0x1000 + i,     (guint8)(i * 8), (gint32)i * 1000 - 15000,
                                0x00010000 + i, i * 3,           0xabcd0000 + i,
                                0x10000 * i};
  /* Values beyond 24 bits are clamped, not wrapped. */
  in[1].cumulative_lost = -0x800000;
  in[2].cumulative_lost = 0x7fffff;
  in[3].cumulative_lost = G_MININT32;
  in[4].cumulative_lost = G_MAXINT32;
  guint8 buf[28 + 31 * 24];
  for (guint n = 0; n <= WT_RTCP_MAX_REPORT_BLOCKS; n += 5) {
    for (guint sr = 0; sr < 2; sr++) {
      gsize want = (sr ? 28 : 8) + 24 * (gsize)n;
      /* Every smaller buffer is refused, and nothing is written past it. */
      for (gsize cap = 0; cap < want; cap += 7) {
        guint8 *small = g_malloc(cap ? cap : 1);
        int rc = sr ? wt_rtcp_write_sr(small, cap, &si, in, n)
                    : wt_rtcp_write_rr(small, cap, si.ssrc, in, n);
        g_assert_cmpint(rc, ==, -EMSGSIZE);
        g_free(small);
      }
      int len = sr ? wt_rtcp_write_sr(buf, want, &si, in, n)
                   : wt_rtcp_write_rr(buf, want, si.ssrc, in, n);
      g_assert_cmpint(len, ==, (int)want);
      WtRtcpIter it;
      WtRtcpPacket p;
      WtRtcpReport r;
      wt_rtcp_iter_init(&it, buf, (gsize)len);
      g_assert_cmpint(wt_rtcp_iter_next(&it, &p), ==, 0);
      g_assert_cmpuint(p.type, ==, sr ? WT_RTCP_SR : WT_RTCP_RR);
      g_assert_cmpint(wt_rtcp_report_parse(&p, &r), ==, 0);
      g_assert_cmpint(r.is_sr, ==, sr);
      g_assert_cmphex(r.ssrc, ==, si.ssrc);
      if (sr) {
        g_assert_cmphex(r.sender.ntp, ==, si.ntp);
        g_assert_cmphex(r.sender.rtp_ts, ==, si.rtp_ts);
        g_assert_cmpuint(r.sender.packet_count, ==, si.packet_count);
        g_assert_cmpuint(r.sender.octet_count, ==, si.octet_count);
      }
      g_assert_cmpuint(r.n_blocks, ==, n);
      for (guint i = 0; i < n; i++) {
        WtRtcpReportBlock b;
        g_assert_cmpint(wt_rtcp_report_block(&r, i, &b), ==, 0);
        g_assert_cmphex(b.ssrc, ==, in[i].ssrc);
        g_assert_cmpuint(b.fraction_lost, ==, in[i].fraction_lost);
        g_assert_cmpint(b.cumulative_lost, ==, CLAMP(in[i].cumulative_lost, -0x800000, 0x7fffff));
        g_assert_cmphex(b.ext_highest_seq, ==, in[i].ext_highest_seq);
        g_assert_cmpuint(b.jitter, ==, in[i].jitter);
        g_assert_cmphex(b.lsr, ==, in[i].lsr);
        g_assert_cmphex(b.dlsr, ==, in[i].dlsr);
      }
    }
  }
  g_assert_cmpint(wt_rtcp_write_sr(buf, sizeof buf, &si, in, 32), ==, -EINVAL);
  g_assert_cmpint(wt_rtcp_write_rr(buf, sizeof buf, 1, in, 32), ==, -EINVAL);
  g_assert_cmpint(wt_rtcp_write_rr(buf, sizeof buf, 1, NULL, 1), ==, -EINVAL);

  /* The in-place SSRC rewrite the room uses when forwarding SRs. */
  int len = wt_rtcp_write_sr(buf, sizeof buf, &si, NULL, 0);
  g_assert_cmpint(wt_rtcp_sr_set_ssrc(buf, (gsize)len, 0x01020304), ==, 0);
  WtRtcpIter it;
  WtRtcpPacket p;
  wt_rtcp_iter_init(&it, buf, (gsize)len);
  wt_rtcp_iter_next(&it, &p);
  g_assert_cmphex(p.sender_ssrc, ==, 0x01020304);
  g_assert_cmpint(wt_rtcp_sr_set_ssrc(buf, 7, 1), ==, -EINVAL);
  wt_rtcp_write_rr(buf, sizeof buf, 1, NULL, 0);
  g_assert_cmpint(wt_rtcp_sr_set_ssrc(buf, 8, 1), ==, -EINVAL);
}

/* ---- SDES and BYE ----------------------------------------------------------------- */

static void
test_sdes(void)
{
  /* Two chunks: one with NAME then CNAME, one with no items at all. */
  static const guint8 two[] = {
      0x82, 0xca, 0x00, 0x06, 0x00, 0x00, 0x00, 0x01, 0x02, 0x01, 'n',  0x01, 0x03, 'a',
      'b',  'c',  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
  };
  WtRtcpPacket p;
  WtRtcpSdesIter si;
  WtRtcpSdesChunk c;
  fake_packet(&p, WT_RTCP_SDES, 2, two + 4, sizeof two - 4);
  g_assert_cmpint(wt_rtcp_sdes_iter_init(&si, &p), ==, 0);
  g_assert_cmpint(wt_rtcp_sdes_iter_next(&si, &c), ==, 0);
  g_assert_cmphex(c.ssrc, ==, 1);
  g_assert_cmpuint(c.n_items, ==, 2);
  g_assert_cmpmem(c.cname, c.cname_len, "abc", 3);
  g_assert_cmpint(wt_rtcp_sdes_iter_next(&si, &c), ==, 0);
  g_assert_cmphex(c.ssrc, ==, 2);
  g_assert_cmpuint(c.n_items, ==, 0);
  g_assert_null(c.cname);
  g_assert_cmpint(wt_rtcp_sdes_iter_next(&si, &c), ==, -ENOENT);
  g_free((gpointer)p.data);

  /* Every shorter body: the second chunk (or the first) runs out. */
  for (gsize body = 0; body < sizeof two - 4; body++) {
    fake_packet(&p, WT_RTCP_SDES, 2, two + 4, body);
    wt_rtcp_sdes_iter_init(&si, &p);
    int rc1 = wt_rtcp_sdes_iter_next(&si, &c);
    int rc2 = rc1 == 0 ? wt_rtcp_sdes_iter_next(&si, &c) : rc1;
    g_assert_cmpint(rc1, ==, body >= 16 ? 0 : -EMSGSIZE);
    g_assert_cmpint(rc2, ==, -EMSGSIZE);
    g_assert_cmpint(wt_rtcp_sdes_iter_next(&si, &c), ==, -ENOENT);
    g_free((gpointer)p.data);
  }
  /* An item whose length runs past the packet. */
  guint8 bad[12] = {0, 0, 0, 1, 0x01, 0xff, 'x', 'y', 0, 0, 0, 0};
  fake_packet(&p, WT_RTCP_SDES, 1, bad, sizeof bad);
  wt_rtcp_sdes_iter_init(&si, &p);
  g_assert_cmpint(wt_rtcp_sdes_iter_next(&si, &c), ==, -EMSGSIZE);
  g_assert_null(c.cname);
  g_free((gpointer)p.data);
  /* Items that never END within the packet. */
  guint8 noend[8] = {0, 0, 0, 1, 0x01, 0x02, 'x', 'y'};
  fake_packet(&p, WT_RTCP_SDES, 1, noend, sizeof noend);
  wt_rtcp_sdes_iter_init(&si, &p);
  g_assert_cmpint(wt_rtcp_sdes_iter_next(&si, &c), ==, -EMSGSIZE);
  g_free((gpointer)p.data);
  /* Not SDES. */
  fake_packet(&p, WT_RTCP_BYE, 1, two + 4, sizeof two - 4);
  g_assert_cmpint(wt_rtcp_sdes_iter_init(&si, &p), ==, -EINVAL);
  g_assert_cmpint(wt_rtcp_sdes_iter_next(&si, &c), ==, -ENOENT);
  g_free((gpointer)p.data);

  /* Building: every CNAME length 1-255 comes back, padded to 32 bits. */
  char name[257];
  guint8 buf[4 + 4 + 2 + 255 + 4];
  for (guint n = 1; n <= 256; n++) {
    memset(name, 'a' + n % 26, n);
    name[n] = 0;
    int len = wt_rtcp_write_sdes_cname(buf, sizeof buf, 0xabc, name);
    if (n > 255) {
      g_assert_cmpint(len, ==, -EINVAL);
      break;
    }
    g_assert_cmpint(len, ==, (int)((8 + 2 + n + 1 + 3) / 4 * 4));
    g_assert_cmpint(wt_rtcp_write_sdes_cname(buf, (gsize)len - 1, 0xabc, name), ==, -EMSGSIZE);
    WtRtcpIter it;
    wt_rtcp_iter_init(&it, buf, (gsize)len);
    g_assert_cmpint(wt_rtcp_iter_next(&it, &p), ==, 0);
    wt_rtcp_sdes_iter_init(&si, &p);
    g_assert_cmpint(wt_rtcp_sdes_iter_next(&si, &c), ==, 0);
    g_assert_cmpmem(c.cname, c.cname_len, name, n);
    g_assert_cmpint(wt_rtcp_sdes_iter_next(&si, &c), ==, -ENOENT);
  }
}

static void
test_bye(void)
{
  guint32 ssrcs[31];
  for (guint i = 0; i < 31; i++)
    ssrcs[i] = 0x100 + i;
  guint8 buf[4 + 31 * 4 + 8];
  for (guint n = 1; n <= 31; n++) {
    int len = wt_rtcp_write_bye(buf, sizeof buf, ssrcs, n);
    g_assert_cmpint(len, ==, 4 + 4 * (int)n);
    g_assert_cmpint(wt_rtcp_write_bye(buf, (gsize)len - 1, ssrcs, n), ==, -EMSGSIZE);
    WtRtcpIter it;
    WtRtcpPacket p;
    WtRtcpBye b;
    guint32 s;
    wt_rtcp_iter_init(&it, buf, (gsize)len);
    g_assert_cmpint(wt_rtcp_iter_next(&it, &p), ==, 0);
    g_assert_cmpint(wt_rtcp_bye_parse(&p, &b), ==, 0);
    g_assert_cmpuint(b.n_ssrcs, ==, n);
    for (guint i = 0; i < n; i++) {
      g_assert_cmpint(wt_rtcp_bye_ssrc(&b, i, &s), ==, 0);
      g_assert_cmphex(s, ==, ssrcs[i]);
    }
    g_assert_cmpint(wt_rtcp_bye_ssrc(&b, n, &s), ==, -ENOENT);
  }
  g_assert_cmpint(wt_rtcp_write_bye(buf, sizeof buf, ssrcs, 32), ==, -EINVAL);

  /* A count beyond the list, and a reason. */
  guint8 body[12] = {0, 0, 0, 1, 0, 0, 0, 2, 3, 'b', 'y', 'e'};
  WtRtcpPacket p;
  WtRtcpBye b;
  for (guint claim = 0; claim <= 31; claim++) {
    fake_packet(&p, WT_RTCP_BYE, (guint8)claim, body, 8);
    /* Fewer SSRCs than there are: the rest reads as a reason of length 0. */
    g_assert_cmpint(wt_rtcp_bye_parse(&p, &b), ==, claim <= 2 ? 0 : -EMSGSIZE);
    g_free((gpointer)p.data);
  }
  fake_packet(&p, WT_RTCP_BYE, 2, body, sizeof body);
  g_assert_cmpint(wt_rtcp_bye_parse(&p, &b), ==, 0);
  g_assert_cmpmem(b.reason, b.reason_len, "bye", 3);
  g_free((gpointer)p.data);
  fake_packet(&p, WT_RTCP_BYE, 2, body, sizeof body - 1); /* reason one byte short */
  g_assert_cmpint(wt_rtcp_bye_parse(&p, &b), ==, -EMSGSIZE);
  g_assert_cmpuint(b.n_ssrcs, ==, 0);
  g_free((gpointer)p.data);
  fake_packet(&p, WT_RTCP_BYE, 1, body, 4);
  g_assert_cmpint(wt_rtcp_bye_parse(&p, &b), ==, 0);
  g_free((gpointer)p.data);
}

/* ---- NTP ------------------------------------------------------------------------ */

static void
test_ntp(void)
{
  g_assert_cmphex(wt_rtcp_ntp_from_unix_us(0), ==, G_GUINT64_CONSTANT(2208988800) << 32);
  g_assert_cmpint(wt_rtcp_ntp_to_unix_us(G_GUINT64_CONSTANT(2208988800) << 32), ==, 0);
  /* Half a second is 0x80000000 of fraction. */
  g_assert_cmphex(wt_rtcp_ntp_from_unix_us(500000) & 0xffffffff, ==, 0x80000000);
  /* 2036-02-07 06:28:16 UTC: NTP seconds wrap to 0 (era 1). */
  gint64 wrap_us = (G_GINT64_CONSTANT(4294967296) - 2208988800) * 1000000;
  g_assert_cmphex(wt_rtcp_ntp_from_unix_us(wrap_us), ==, 0);
  g_assert_cmpint(wt_rtcp_ntp_to_unix_us(0), ==, wrap_us);
  g_assert_cmpint(wt_rtcp_ntp_to_unix_us(wt_rtcp_ntp_from_unix_us(wrap_us - 1)), ==, wrap_us - 1);
  /* Exact round trips at microsecond resolution, 1968 to 2104. */
  const gint64 samples[] = {
      0,
      1,
      999999,
      1000000,
      -1,
      -1000000,
      1700000000123456,
      1712345678999999,
      G_GINT64_CONSTANT(-31536000000000), /* 1969 */
      wrap_us + 1,
      G_GINT64_CONSTANT(4102444800000000), /* 2100 */
  };
  for (guint i = 0; i < G_N_ELEMENTS(samples); i++)
    g_assert_cmpint(wt_rtcp_ntp_to_unix_us(wt_rtcp_ntp_from_unix_us(samples[i])), ==, samples[i]);
  for (gint64 us = 1700000000000000; us < 1700000000000000 + 2000000; us += 997)
    g_assert_cmpint(wt_rtcp_ntp_to_unix_us(wt_rtcp_ntp_from_unix_us(us)), ==, us);

  g_assert_cmphex(wt_rtcp_ntp_mid32(G_GUINT64_CONSTANT(0x0123456789abcdef)), ==, 0x456789ab);
  g_assert_cmpuint(wt_rtcp_ntp_short_from_us(0), ==, 0);
  g_assert_cmpuint(wt_rtcp_ntp_short_from_us(-5), ==, 0);
  g_assert_cmpuint(wt_rtcp_ntp_short_from_us(1000000), ==, 0x10000);
  g_assert_cmpuint(wt_rtcp_ntp_short_from_us(5250000), ==, 0x54000);
  g_assert_cmpuint(wt_rtcp_ntp_short_from_us(8), ==, 1); /* 7.6 µs rounds up */
  g_assert_cmpuint(wt_rtcp_ntp_short_from_us(7), ==, 0); /* 7 rounds down: 0.46 units */
  g_assert_cmphex(wt_rtcp_ntp_short_from_us(G_GINT64_CONSTANT(65536) * 1000000), ==, 0xffffffff);
  g_assert_cmphex(wt_rtcp_ntp_short_from_us(G_MAXINT64), ==, 0xffffffff);
  g_assert_cmpint(wt_rtcp_ntp_short_to_us(0x10000), ==, 1000000);
  g_assert_cmpint(wt_rtcp_ntp_short_to_us(0x54000), ==, 5250000);

  /* RFC 3550 §6.4.1's worked example: A 46864.500 s, LSR 46853.125 s,
   * DLSR 5.250 s: the round trip is 6.125 s. */
  gint64 rtt = -1;
  g_assert_cmpint(wt_rtcp_rtt_us(0xb7108000, 0xb7052000, 0x00054000, &rtt), ==, 0);
  g_assert_cmpint(rtt, ==, 6125000);
  /* Across the 16.16 wrap. */
  g_assert_cmpint(wt_rtcp_rtt_us(0x00008000, 0xffff0000, 0x00004000, &rtt), ==, 0);
  g_assert_cmpint(rtt, ==, wt_rtcp_ntp_short_to_us(0x14000));
  /* No SR yet, and a DLSR larger than the time elapsed. */
  g_assert_cmpint(wt_rtcp_rtt_us(0xb7108000, 0, 0, &rtt), ==, -ENOENT);
  g_assert_cmpint(wt_rtcp_rtt_us(0xb7108000, 0xb7100000, 0x00010000, &rtt), ==, 0);
  g_assert_cmpint(rtt, ==, 0);
}

/* ---- Compound building ------------------------------------------------------------- */

static void
test_compound_build(void)
{
  guint8 buf[128];
  WtRtcpCompound c;
  WtRtcpSenderInfo si = {.ssrc = 5};
  wt_rtcp_compound_init(&c, buf, sizeof buf);
  g_assert_cmpint(wt_rtcp_compound_pad(&c, 4), ==, -EINVAL); /* nothing to pad yet */
  wt_rtcp_compound_init(&c, buf, sizeof buf);
  g_assert_cmpint(
      wt_rtcp_compound_add(
          &c, wt_rtcp_write_sr(wt_rtcp_compound_tail(&c), wt_rtcp_compound_room(&c), &si, NULL, 0)),
      ==, 0);
  g_assert_cmpint(
      wt_rtcp_compound_add(&c, wt_rtcp_write_sdes_cname(wt_rtcp_compound_tail(&c),
                                                        wt_rtcp_compound_room(&c), 5, "abcdef")),
      ==, 0);
  g_assert_cmpuint(c.n_packets, ==, 2);
  g_assert_cmpuint(c.len, ==, 28 + 20);
  for (guint bad = 0; bad <= 256; bad++) {
    if (bad >= 4 && bad <= 252 && bad % 4 == 0)
      continue;
    WtRtcpCompound copy = c;
    g_assert_cmpint(wt_rtcp_compound_pad(&copy, bad), ==, -EINVAL);
  }
  WtRtcpCompound tight = c;
  tight.cap = tight.len + 8;
  g_assert_cmpint(wt_rtcp_compound_pad(&tight, 12), ==, -EMSGSIZE);
  g_assert_cmpint(tight.error, ==, -EMSGSIZE);
  g_assert_cmpint(wt_rtcp_compound_pad(&tight, 8), ==, -EMSGSIZE); /* the error sticks */

  g_assert_cmpint(wt_rtcp_compound_pad(&c, 12), ==, 0);
  g_assert_cmpuint(c.len, ==, 28 + 20 + 12);
  g_assert_true(c.padded);
  g_assert_cmpuint(wt_rtcp_compound_room(&c), ==, 0);
  /* Nothing after the padded packet. */
  g_assert_cmpint(wt_rtcp_compound_add(&c, wt_rtcp_write_pli(wt_rtcp_compound_tail(&c),
                                                             wt_rtcp_compound_room(&c), 1, 2)),
                  ==, -EMSGSIZE);
  g_assert_cmpint(c.error, ==, -EMSGSIZE);
  g_assert_cmpuint(c.len, ==, 60);

  WtRtcpIter it;
  WtRtcpPacket p;
  wt_rtcp_iter_init(&it, buf, 60);
  g_assert_cmpint(wt_rtcp_iter_next(&it, &p), ==, 0);
  g_assert_cmpuint(p.padding, ==, 0);
  g_assert_cmpint(wt_rtcp_iter_next(&it, &p), ==, 0);
  g_assert_cmpuint(p.type, ==, WT_RTCP_SDES);
  g_assert_cmpuint(p.len, ==, 32);
  g_assert_cmpuint(p.padding, ==, 12);
  g_assert_cmpuint(p.body_len, ==, 16);
  g_assert_cmphex(p.data[0] & 0x20, ==, 0x20);
  g_assert_cmpuint(p.data[31], ==, 12);
  WtRtcpSdesIter si2;
  WtRtcpSdesChunk ch;
  wt_rtcp_sdes_iter_init(&si2, &p);
  g_assert_cmpint(wt_rtcp_sdes_iter_next(&si2, &ch), ==, 0);
  g_assert_cmpmem(ch.cname, ch.cname_len, "abcdef", 6);
  g_assert_cmpint(wt_rtcp_iter_next(&it, &p), ==, -ENOENT);

  /* A builder's error is kept, and what it says it wrote is checked. */
  wt_rtcp_compound_init(&c, buf, 20);
  g_assert_cmpint(
      wt_rtcp_compound_add(
          &c, wt_rtcp_write_sr(wt_rtcp_compound_tail(&c), wt_rtcp_compound_room(&c), &si, NULL, 0)),
      ==, -EMSGSIZE);
  g_assert_cmpint(wt_rtcp_compound_add(&c, 12), ==, -EMSGSIZE);
  g_assert_cmpuint(c.len, ==, 0);
  wt_rtcp_compound_init(&c, buf, sizeof buf);
  wt_rtcp_write_pli(buf, sizeof buf, 1, 2);
  g_assert_cmpint(wt_rtcp_compound_add(&c, 16), ==, -EINVAL); /* its length field says 12 */
  wt_rtcp_compound_init(&c, buf, sizeof buf);
  g_assert_cmpint(wt_rtcp_compound_add(&c, 12), ==, 0);
  g_assert_cmpint(wt_rtcp_compound_add(&c, 3), ==, -EINVAL);
}

/* ---- NACK, PLI, FIR ------------------------------------------------------------------ */

/* Builds NACKs for @lost in buffers of @cap bytes until all are consumed and
 * checks that parsing them gives @lost back. Returns the packets needed. */
static guint
nack_round_trip(const guint16 *lost, gsize n, gsize cap)
{
  guint8 *buf = g_malloc(cap);
  gsize done = 0, got = 0;
  guint packets = 0;
  while (done < n) {
    gsize used = 0;
    int len = wt_rtcp_write_nack(buf, cap, 0x11, 0x22, lost + done, n - done, &used);
    g_assert_cmpint(len, >, 0);
    g_assert_cmpuint((gsize)len, <=, cap);
    g_assert_cmpuint(used, >, 0);
    guint8 *copy = copy_exact(buf, (gsize)len);
    WtRtcpIter it;
    WtRtcpPacket p;
    WtRtcpNackIter ni;
    guint16 seq;
    wt_rtcp_iter_init(&it, copy, (gsize)len);
    g_assert_cmpint(wt_rtcp_iter_next(&it, &p), ==, 0);
    g_assert_cmphex(p.sender_ssrc, ==, 0x11);
    g_assert_cmphex(p.media_ssrc, ==, 0x22);
    g_assert_cmpint(wt_rtcp_nack_iter_init(&ni, &p), ==, 0);
    gsize from = done;
    while (wt_rtcp_nack_iter_next(&ni, &seq) == 0) {
      g_assert_cmpuint(got, <, done + used);
      g_assert_cmpuint(seq, ==, lost[got]);
      got++;
    }
    g_assert_cmpuint(got, ==, from + used);
    done += used;
    packets++;
    g_free(copy);
  }
  g_free(buf);
  return packets;
}

static void
test_nack_round_trip(void)
{
  guint16 one[] = {100};
  g_assert_cmpuint(nack_round_trip(one, 1, 16), ==, 1);
  /* PID and all 16 BLP bits: one entry; the 18th number needs a second. */
  guint16 run[18];
  for (guint i = 0; i < 18; i++)
    run[i] = (guint16)(500 + i);
  guint8 buf[64];
  gsize used;
  g_assert_cmpint(wt_rtcp_write_nack(buf, sizeof buf, 1, 2, run, 17, &used), ==, 16);
  g_assert_cmpuint(used, ==, 17);
  g_assert_cmphex(buf[14] << 8 | buf[15], ==, 0xffff);
  g_assert_cmpint(wt_rtcp_write_nack(buf, sizeof buf, 1, 2, run, 18, &used), ==, 20);
  nack_round_trip(run, 18, 64);
  /* Wrap 65535 → 0 inside one entry and across entries. */
  guint16 wrap[] = {65530, 65533, 65535, 0, 1, 9, 10, 30, 31};
  g_assert_cmpint(wt_rtcp_write_nack(buf, sizeof buf, 1, 2, wrap, 7, &used), ==, 16);
  g_assert_cmpuint(used, ==, 7);
  nack_round_trip(wrap, G_N_ELEMENTS(wrap), 64);
  guint16 edge[] = {65535, 0, 15};
  g_assert_cmpint(wt_rtcp_write_nack(buf, sizeof buf, 1, 2, edge, 3, &used), ==, 16);
  g_assert_cmphex(buf[12] << 8 | buf[13], ==, 65535);
  g_assert_cmphex(buf[14] << 8 | buf[15], ==, 0x8001); /* +1 and +16 */
  nack_round_trip(edge, 3, 16);
  /* Duplicates and disorder: the same set comes back, not the same list. */
  guint16 dup[] = {7, 7, 8, 8, 3, 5, 4};
  int dlen = wt_rtcp_write_nack(buf, sizeof buf, 1, 2, dup, G_N_ELEMENTS(dup), &used);
  g_assert_cmpuint(used, ==, G_N_ELEMENTS(dup));
  {
    static const guint16 back[] = {7, 7, 8, 3, 4, 5};
    WtRtcpIter dit;
    WtRtcpPacket dp;
    WtRtcpNackIter dni;
    guint16 dseq;
    wt_rtcp_iter_init(&dit, buf, (gsize)dlen);
    g_assert_cmpint(wt_rtcp_iter_next(&dit, &dp), ==, 0);
    g_assert_cmpint(wt_rtcp_nack_iter_init(&dni, &dp), ==, 0);
    for (guint i = 0; i < G_N_ELEMENTS(back); i++) {
      g_assert_cmpint(wt_rtcp_nack_iter_next(&dni, &dseq), ==, 0);
      g_assert_cmpuint(dseq, ==, back[i]);
    }
    g_assert_cmpint(wt_rtcp_nack_iter_next(&dni, &dseq), ==, -ENOENT);
  }
  /* A known packet: PID 0x1234, BLP 0x8001 lose 0x1234, 0x1235 and 0x1244. */
  static const guint8 known[] = {0x81, 0xcd, 0x00, 0x03, 0,    0,    0,    1,
                                 0,    0,    0,    2,    0x12, 0x34, 0x80, 0x01};
  WtRtcpIter it;
  WtRtcpPacket p;
  WtRtcpNackIter ni;
  guint16 seq;
  wt_rtcp_iter_init(&it, known, sizeof known);
  wt_rtcp_iter_next(&it, &p);
  g_assert_cmpint(wt_rtcp_nack_iter_init(&ni, &p), ==, 0);
  static const guint16 want[] = {0x1234, 0x1235, 0x1244};
  for (guint i = 0; i < 3; i++) {
    g_assert_cmpint(wt_rtcp_nack_iter_next(&ni, &seq), ==, 0);
    g_assert_cmphex(seq, ==, want[i]);
  }
  g_assert_cmpint(wt_rtcp_nack_iter_next(&ni, &seq), ==, -ENOENT);

  /* Many losses, small buffers: split over several packets, nothing lost. */
  guint16 many[3000];
  guint16 s = 60000;
  for (guint i = 0; i < G_N_ELEMENTS(many); i++) {
    many[i] = s;
    s = (guint16)(s + 1 + (i * 7919) % 23);
  }
  g_assert_cmpuint(nack_round_trip(many, G_N_ELEMENTS(many), 16), >, 100);
  g_assert_cmpuint(nack_round_trip(many, G_N_ELEMENTS(many), 1200), >=, 2);
  g_assert_cmpuint(nack_round_trip(many, G_N_ELEMENTS(many), 1 << 20), ==, 1);
  g_assert_cmpint(wt_rtcp_write_nack(buf, 15, 1, 2, many, 1, &used), ==, -EMSGSIZE);
  g_assert_cmpuint(used, ==, 0);
}

static void
test_nack_bounds(void)
{
  guint8 body[16] = {0, 0, 0, 1, 0, 0, 0, 2, 0x00, 0x10, 0x00, 0x03, 0x00, 0x40};
  WtRtcpPacket p;
  WtRtcpNackIter ni;
  guint16 seq;
  for (gsize len = 0; len <= sizeof body; len++) {
    fake_packet(&p, WT_RTCP_RTPFB, WT_RTCP_RTPFB_NACK, body, len);
    int rc = wt_rtcp_nack_iter_init(&ni, &p);
    g_assert_cmpint(rc, ==, len < 12 ? -EMSGSIZE : 0);
    guint n = 0;
    while (wt_rtcp_nack_iter_next(&ni, &seq) == 0)
      n++;
    /* Only whole entries count: 3 numbers from the first, 1 from the second. */
    g_assert_cmpuint(n, ==, len < 12 ? 0 : len < 16 ? 3 : 4);
    g_free((gpointer)p.data);
  }
  fake_packet(&p, WT_RTCP_PSFB, WT_RTCP_RTPFB_NACK, body, sizeof body);
  g_assert_cmpint(wt_rtcp_nack_iter_init(&ni, &p), ==, -EINVAL);
  g_assert_cmpint(wt_rtcp_nack_iter_next(&ni, &seq), ==, -ENOENT);
  g_free((gpointer)p.data);
}

static void
test_pli_fir(void)
{
  guint8 buf[12 + 8 * 4];
  WtRtcpIter it;
  WtRtcpPacket p;
  guint32 media = 0;
  g_assert_cmpint(wt_rtcp_write_pli(buf, 11, 1, 2), ==, -EMSGSIZE);
  g_assert_cmpint(wt_rtcp_write_pli(buf, sizeof buf, 0xaa, 0xbb), ==, 12);
  wt_rtcp_iter_init(&it, buf, 12);
  g_assert_cmpint(wt_rtcp_iter_next(&it, &p), ==, 0);
  g_assert_cmpint(wt_rtcp_pli_parse(&p, &media), ==, 0);
  g_assert_cmphex(media, ==, 0xbb);
  g_assert_cmphex(p.media_ssrc, ==, 0xbb);
  for (gsize len = 0; len < 8; len++) {
    fake_packet(&p, WT_RTCP_PSFB, WT_RTCP_PSFB_PLI, buf + 4, len);
    g_assert_cmpint(wt_rtcp_pli_parse(&p, NULL), ==, -EMSGSIZE);
    g_free((gpointer)p.data);
  }

  WtRtcpFirEntry in[4] = {{0x10, 0}, {0x20, 1}, {0x30, 255}, {0x40, 128}};
  for (guint n = 1; n <= 4; n++) {
    int len = wt_rtcp_write_fir(buf, sizeof buf, 0xaa, in, n);
    g_assert_cmpint(len, ==, 12 + 8 * (int)n);
    g_assert_cmpint(wt_rtcp_write_fir(buf, (gsize)len - 1, 0xaa, in, n), ==, -EMSGSIZE);
    wt_rtcp_iter_init(&it, buf, (gsize)len);
    g_assert_cmpint(wt_rtcp_iter_next(&it, &p), ==, 0);
    g_assert_cmphex(p.media_ssrc, ==, 0);
    /* The room reads the first FCI's SSRC straight from bytes 12-15. */
    g_assert_cmphex((guint32)p.data[12] << 24 | p.data[13] << 16 | p.data[14] << 8 | p.data[15], ==,
                    0x10);
    WtRtcpFirIter fi;
    WtRtcpFirEntry e;
    g_assert_cmpint(wt_rtcp_fir_iter_init(&fi, &p), ==, 0);
    for (guint i = 0; i < n; i++) {
      g_assert_cmpint(wt_rtcp_fir_iter_next(&fi, &e), ==, 0);
      g_assert_cmphex(e.ssrc, ==, in[i].ssrc);
      g_assert_cmpuint(e.seq_nr, ==, in[i].seq_nr);
    }
    g_assert_cmpint(wt_rtcp_fir_iter_next(&fi, &e), ==, -ENOENT);
    /* Truncated FCI: only whole entries. */
    for (gsize body = 0; body < p.body_len; body++) {
      WtRtcpPacket q;
      fake_packet(&q, WT_RTCP_PSFB, WT_RTCP_PSFB_FIR, p.body, body);
      int rc = wt_rtcp_fir_iter_init(&fi, &q);
      g_assert_cmpint(rc, ==, body < 16 ? -EMSGSIZE : 0);
      guint k = 0;
      while (wt_rtcp_fir_iter_next(&fi, &e) == 0)
        k++;
      g_assert_cmpuint(k, ==, body < 16 ? 0 : (body - 8) / 8);
      g_free((gpointer)q.data);
    }
  }
}

/* ---- REMB ----------------------------------------------------------------------- */

static void
test_remb_bitrate(void)
{
  static const struct {
    guint64 bitrate;
    guint8 exp;
    guint32 mantissa;
    guint64 decoded;
  } cases[] = {
      {0, 0, 0, 0},
      {1, 0, 1, 1},
      {0x3ffff, 0, 0x3ffff, 0x3ffff},
      {0x40000, 1, 0x20000, 0x40000},
      {0x40001, 1, 0x20000, 0x40000}, /* rounded down */
      {0x7ffff, 1, 0x3ffff, 0x7fffe},
      {0x80000, 2, 0x20000, 0x80000},
      {1500000, 3, 187500, 1500000},
      {G_GUINT64_CONSTANT(1) << 63, 46, 0x20000, G_GUINT64_CONSTANT(1) << 63},
      {G_MAXUINT64, 46, 0x3ffff, G_GUINT64_CONSTANT(0x3ffff) << 46},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    guint8 exp;
    guint32 mantissa;
    guint64 out;
    wt_rtcp_remb_encode(cases[i].bitrate, &exp, &mantissa);
    g_assert_cmpuint(exp, ==, cases[i].exp);
    g_assert_cmphex(mantissa, ==, cases[i].mantissa);
    g_assert_cmpint(wt_rtcp_remb_decode(exp, mantissa, &out), ==, 0);
    g_assert_cmpuint(out, ==, cases[i].decoded);
  }
  guint64 out;
  /* The largest shifts that fit, and the first that do not. */
  g_assert_cmpint(wt_rtcp_remb_decode(46, 0x3ffff, &out), ==, 0);
  g_assert_cmpint(wt_rtcp_remb_decode(47, 0x3ffff, &out), ==, -ERANGE);
  g_assert_cmpint(wt_rtcp_remb_decode(63, 1, &out), ==, 0);
  g_assert_cmpuint(out, ==, G_GUINT64_CONSTANT(1) << 63);
  g_assert_cmpint(wt_rtcp_remb_decode(63, 2, &out), ==, -ERANGE);
  g_assert_cmpint(wt_rtcp_remb_decode(63, 0, &out), ==, 0);
  g_assert_cmpuint(out, ==, 0);
  g_assert_cmpint(wt_rtcp_remb_decode(64, 1, &out), ==, -EINVAL);
  g_assert_cmpint(wt_rtcp_remb_decode(0, 0x40000, &out), ==, -EINVAL);
  /* Around every power of two: never more than asked, less by under 2^exp,
   * and the smallest exponent (a full mantissa when the exponent is > 0). */
  for (guint bit = 0; bit < 64; bit++) {
    for (gint d = -2; d <= 2; d++) {
      guint64 v = (G_GUINT64_CONSTANT(1) << bit) + (guint64)(gint64)d;
      guint8 exp;
      guint32 m;
      wt_rtcp_remb_encode(v, &exp, &m);
      g_assert_cmpint(wt_rtcp_remb_decode(exp, m, &out), ==, 0);
      g_assert_cmpuint(out, <=, v);
      g_assert_cmpuint(v - out, <, G_GUINT64_CONSTANT(1) << exp);
      g_assert_true(exp == 0 || m >= 0x20000);
    }
  }
}

static void
test_remb_ssrc_count(void)
{
  guint32 ssrcs[3] = {0xa, 0xb, 0xc};
  guint8 buf[32];
  int len = wt_rtcp_write_remb(buf, sizeof buf, 1, 300000, ssrcs, 3);
  g_assert_cmpint(len, ==, 32);
  g_assert_cmpint(wt_rtcp_write_remb(buf, 31, 1, 300000, ssrcs, 3), ==, -EMSGSIZE);
  g_assert_cmpint(wt_rtcp_write_remb(buf, sizeof buf, 1, 300000, ssrcs, 256), ==, -EINVAL);
  WtRtcpPacket p;
  WtRtcpRemb r;
  /* The body holds 3 SSRCs; claim every count. */
  for (guint claim = 0; claim <= 255; claim++) {
    buf[16] = (guint8)claim;
    fake_packet(&p, WT_RTCP_PSFB, WT_RTCP_PSFB_AFB, buf + 4, 28);
    int rc = wt_rtcp_remb_parse(&p, &r);
    g_assert_cmpint(rc, ==, claim <= 3 ? 0 : -EMSGSIZE);
    g_assert_cmpuint(r.n_ssrcs, ==, claim <= 3 ? claim : 0);
    g_free((gpointer)p.data);
  }
  buf[16] = 3;
  /* Every shorter body. */
  for (gsize body = 0; body < 28; body++) {
    fake_packet(&p, WT_RTCP_PSFB, WT_RTCP_PSFB_AFB, buf + 4, body);
    g_assert_cmpint(wt_rtcp_remb_parse(&p, &r), ==, -EMSGSIZE);
    g_free((gpointer)p.data);
  }
  fake_packet(&p, WT_RTCP_PSFB, WT_RTCP_PSFB_AFB, buf + 4, 28);
  g_assert_cmpint(wt_rtcp_remb_parse(&p, &r), ==, 0);
  g_assert_cmpuint(r.bitrate, ==, 300000);
  for (guint i = 0; i < 3; i++) {
    guint32 s;
    g_assert_cmpint(wt_rtcp_remb_ssrc(&r, i, &s), ==, 0);
    g_assert_cmphex(s, ==, ssrcs[i]);
  }
  g_free((gpointer)p.data);
  /* Not REMB: another identifier, another format. */
  buf[12] = 'X';
  fake_packet(&p, WT_RTCP_PSFB, WT_RTCP_PSFB_AFB, buf + 4, 28);
  g_assert_cmpint(wt_rtcp_remb_parse(&p, &r), ==, -EINVAL);
  g_free((gpointer)p.data);
  buf[12] = 'R';
  fake_packet(&p, WT_RTCP_RTPFB, WT_RTCP_PSFB_AFB, buf + 4, 28);
  g_assert_cmpint(wt_rtcp_remb_parse(&p, &r), ==, -EINVAL);
  g_free((gpointer)p.data);
  /* A bitrate over 64 bits: exponent 63, mantissa 0x3ffff. */
  buf[17] = 0xff;
  buf[18] = buf[19] = 0xff;
  fake_packet(&p, WT_RTCP_PSFB, WT_RTCP_PSFB_AFB, buf + 4, 28);
  g_assert_cmpint(wt_rtcp_remb_parse(&p, &r), ==, -ERANGE);
  g_free((gpointer)p.data);
}

/* ---- Transport-cc ---------------------------------------------------------------- */

static gint64
floor_div(gint64 a, gint64 b)
{
  gint64 q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Builds feedback for @a in buffers of @cap until all is consumed, parsing
 * each back: received numbers must be exactly @a, with arrivals rounded down
 * to 250 µs (modulo the 24-bit reference's wrap), the numbers between them
 * not received. Returns the packets needed. */
static guint
twcc_round_trip(const WtRtcpTwccArrival *a, gsize n, gsize cap)
{
  guint8 *buf = g_malloc(cap);
  gsize done = 0;
  guint packets = 0;
  while (done < n) {
    gsize used = 0;
    int len = wt_rtcp_write_twcc(buf, cap, 0x11, 0x22, (guint8)packets, a + done, n - done, &used);
    g_assert_cmpint(len, >, 0);
    g_assert_cmpuint((gsize)len, <=, cap);
    g_assert_cmpint(len % 4, ==, 0);
    g_assert_cmpuint(used, >=, 1);
    guint8 *copy = copy_exact(buf, (gsize)len);
    WtRtcpIter it;
    WtRtcpPacket p;
    WtRtcpTwccIter ti;
    WtRtcpTwccStatus s;
    wt_rtcp_iter_init(&it, copy, (gsize)len);
    g_assert_cmpint(wt_rtcp_iter_next(&it, &p), ==, 0);
    g_assert_cmpuint(p.padding, ==, 0);
    g_assert_cmpint(wt_rtcp_twcc_iter_init(&ti, &p), ==, 0);
    g_assert_cmpuint(ti.fb_count, ==, (guint8)packets);
    g_assert_cmpuint(ti.base_seq, ==, a[done].seq);
    g_assert_cmpuint(ti.n_received, ==, used);
    gsize j = done;
    gint64 first_parsed = 0, first_want = 0;
    guint count = 0;
    while (wt_rtcp_twcc_iter_next(&ti, &s) == 0) {
      count++;
      g_assert_cmpuint(j, <, done + used);
      if (s.seq != a[j].seq) {
        g_assert_cmpint(s.status, ==, WT_RTCP_TWCC_NOT_RECEIVED);
        continue;
      }
      g_assert_cmpint(s.status, !=, WT_RTCP_TWCC_NOT_RECEIVED);
      gint64 want = floor_div(a[j].arrival_us, 250) * 250;
      if (j == done) {
        first_parsed = s.arrival_us;
        first_want = want;
        g_assert_cmpint(((first_parsed - first_want) % WT_RTCP_TWCC_WRAP_US), ==, 0);
      }
      g_assert_cmpint(s.arrival_us - first_parsed, ==, want - first_want);
      j++;
    }
    g_assert_cmpuint(count, ==, ti.status_count);
    g_assert_cmpuint(j, ==, done + used);
    done += used;
    packets++;
    g_free(copy);
  }
  g_free(buf);
  return packets;
}

static void
test_twcc_round_trip(void)
{
  /* Steady 1 ms spacing, one loss, a 70 ms jump (large delta), packets
   * received out of order (negative delta), and a wrap 65535 → 0. */
  WtRtcpTwccArrival a[] = {
      {65530, 5000000}, {65531, 5001000}, {65533, 5002000}, {65534, 5072000},
      {65535, 5071500}, {0, 5071750},     {1, 5071999},     {2, 5072300},
  };
  g_assert_cmpuint(twcc_round_trip(a, G_N_ELEMENTS(a), 1200), ==, 1);
  guint8 buf[64];
  gsize used;
  int len = wt_rtcp_write_twcc(buf, sizeof buf, 1, 2, 0, a, G_N_ELEMENTS(a), &used);
  /* Statuses 1 1 0 1 2 2 1 | 1 1: a 2-bit vector of 7, a run of 2;
   * deltas 1+1+1+2+2+1+1+1 bytes: 20 + 4 + 10 = 34, padded to 36. */
  g_assert_cmpint(len, ==, 36);
  g_assert_cmphex(buf[20] << 8 | buf[21], ==,
                  0xc000 | 1 << 12 | 1 << 10 | 1 << 6 | 2 << 4 | 2 << 2 | 1);
  g_assert_cmphex(buf[22] << 8 | buf[23], ==, 1 << 13 | 2);
  g_assert_cmpuint(used, ==, G_N_ELEMENTS(a));

  /* Negative arrival times and a reference time that wraps 24 bits. */
  WtRtcpTwccArrival neg[] = {{10, -1000}, {11, -750}, {12, 0}, {13, 249}, {14, 250}};
  twcc_round_trip(neg, G_N_ELEMENTS(neg), 64);
  WtRtcpTwccArrival late[] = {{1, WT_RTCP_TWCC_WRAP_US * 3 + 64000 * 5 + 17},
                              {2, WT_RTCP_TWCC_WRAP_US * 3 + 64000 * 5 + 900}};
  twcc_round_trip(late, 2, 64);

  /* A delta beyond ±8.19 s ends the packet; the rest goes in the next. */
  WtRtcpTwccArrival gap[] = {{1, 0}, {2, 1000}, {3, 9000000}, {4, 9001000}};
  g_assert_cmpint(wt_rtcp_write_twcc(buf, sizeof buf, 1, 2, 0, gap, 4, &used), >, 0);
  g_assert_cmpuint(used, ==, 2);
  g_assert_cmpuint(twcc_round_trip(gap, 4, 1200), ==, 2);

  /* Long loss runs become run-length chunks; more than 65535 statuses split. */
  WtRtcpTwccArrival sparse[8];
  guint16 seq = 100;
  for (guint i = 0; i < G_N_ELEMENTS(sparse); i++) {
    sparse[i] = (WtRtcpTwccArrival){seq, 1000000 + (gint64)i * 20000};
    seq = (guint16)(seq + 20000);
  }
  g_assert_cmpuint(twcc_round_trip(sparse, G_N_ELEMENTS(sparse), 1200), ==, 2);

  /* Many packets, small buffers: split, nothing lost. */
  WtRtcpTwccArrival many[2000];
  seq = 65000;
  gint64 t = 123456789;
  for (guint i = 0; i < G_N_ELEMENTS(many); i++) {
    many[i] = (WtRtcpTwccArrival){seq, t};
    seq = (guint16)(seq + 1 + (i % 37 == 0) * (i % 5));
    t += (gint64)((i * 7919) % 3000) - (i % 11 == 0 ? 4000 : 0);
  }
  g_assert_cmpuint(twcc_round_trip(many, G_N_ELEMENTS(many), 1 << 20), ==, 1);
  g_assert_cmpuint(twcc_round_trip(many, G_N_ELEMENTS(many), 1200), >, 1);
  /* 24 bytes hold two arrivals at most (20 + a chunk + two small deltas). */
  g_assert_cmpuint(twcc_round_trip(many, G_N_ELEMENTS(many), 24), >=, G_N_ELEMENTS(many) / 2);
  g_assert_cmpuint(twcc_round_trip(many, G_N_ELEMENTS(many), 100), >, 10);

  /* Refused: empty, not ascending, duplicates, a buffer under 24 bytes. */
  WtRtcpTwccArrival back[] = {{5, 0}, {4, 10}};
  WtRtcpTwccArrival same[] = {{5, 0}, {5, 10}};
  WtRtcpTwccArrival far[] = {{5, 0}, {5 + 0x8000, 10}};
  g_assert_cmpint(wt_rtcp_write_twcc(buf, sizeof buf, 1, 2, 0, back, 0, &used), ==, -EINVAL);
  g_assert_cmpint(wt_rtcp_write_twcc(buf, sizeof buf, 1, 2, 0, back, 2, &used), ==, -EINVAL);
  g_assert_cmpint(wt_rtcp_write_twcc(buf, sizeof buf, 1, 2, 0, same, 2, &used), ==, -EINVAL);
  g_assert_cmpint(wt_rtcp_write_twcc(buf, sizeof buf, 1, 2, 0, far, 2, &used), ==, -EINVAL);
  g_assert_cmpint(wt_rtcp_write_twcc(buf, 23, 1, 2, 0, a, 1, &used), ==, -EMSGSIZE);
  g_assert_cmpuint(used, ==, 0);
  g_assert_cmpint(wt_rtcp_write_twcc(buf, 24, 1, 2, 0, a, 1, &used), ==, 24);
}

static void
test_twcc_chunks(void)
{
  guint8 buf[256];
  gsize used;
  WtRtcpTwccArrival a[20];
  /* 20 in a row, all small: one run-length chunk of symbol 1. */
  for (guint i = 0; i < 20; i++)
    a[i] = (WtRtcpTwccArrival){(guint16)(i + 1), 64000 + (gint64)i * 1000};
  int len = wt_rtcp_write_twcc(buf, sizeof buf, 1, 2, 0, a, 20, &used);
  g_assert_cmpint(len, ==, (20 + 2 + 20 + 3) / 4 * 4);
  g_assert_cmphex(buf[20] << 8 | buf[21], ==, 0x2000 | 20);
  g_assert_cmpuint(buf[14] << 8 | buf[15], ==, 20);                /* status count */
  g_assert_cmpuint(buf[16] << 16 | buf[17] << 8 | buf[18], ==, 1); /* reference: 64 ms */
  g_assert_cmpuint(buf[19], ==, 0);                                /* fb count */
  g_assert_cmpuint(buf[22], ==, 0);                                /* first delta: 64 ms - 64 ms */
  g_assert_cmpuint(buf[23], ==, 4);                                /* then 1 ms each */
  /* Every other one lost: a 1-bit vector of 14, then 5 in a 2-bit vector. */
  for (guint i = 0; i < 10; i++)
    a[i] = (WtRtcpTwccArrival){(guint16)(2 * i), (gint64)i * 1000};
  len = wt_rtcp_write_twcc(buf, sizeof buf, 1, 2, 0, a, 10, &used);
  g_assert_cmpuint(buf[14] << 8 | buf[15], ==, 19);             /* status count */
  g_assert_cmphex(buf[20] << 8 | buf[21], ==, 0x8000 | 0x2aaa); /* 1 0 1 0 ... */
  g_assert_cmphex(buf[22] << 8 | buf[23], ==, 0xc000 | 1 << 12 | 1 << 8 | 1 << 4); /* the last 5 */
  g_assert_cmpint(len, ==, (20 + 4 + 10 + 3) / 4 * 4);
  /* A large delta among small ones: 2-bit vectors. */
  WtRtcpTwccArrival l[] = {{1, 0}, {2, 100000}, {3, 100250}};
  len = wt_rtcp_write_twcc(buf, sizeof buf, 1, 2, 0, l, 3, &used);
  g_assert_cmphex(buf[20] << 8 | buf[21], ==, 0xc000 | 1 << 12 | 2 << 10 | 1 << 8);
  g_assert_cmpint(len, ==, (20 + 2 + 4 + 3) / 4 * 4);
  g_assert_cmphex(buf[23] << 8 | buf[24], ==, 400); /* 100 ms in 250 µs ticks */

  /* A 1-bit vector of 10 meets a large delta: 7 go out as a 2-bit vector,
   * the other 3 wait with the large one. */
  WtRtcpTwccArrival v[6];
  for (guint i = 0; i < 5; i++)
    v[i] = (WtRtcpTwccArrival){(guint16)(2 * i), (gint64)i * 1000};
  v[5] = (WtRtcpTwccArrival){10, 1000000};
  len = wt_rtcp_write_twcc(buf, sizeof buf, 1, 2, 0, v, 6, &used);
  g_assert_cmpuint(buf[14] << 8 | buf[15], ==, 11);
  g_assert_cmphex(buf[20] << 8 | buf[21], ==, 0xc000 | 1 << 12 | 1 << 8 | 1 << 4 | 1);
  g_assert_cmphex(buf[22] << 8 | buf[23], ==, 0xc000 | 1 << 10 | 2 << 6);
  g_assert_cmpint(len, ==, (20 + 4 + 5 + 2 + 3) / 4 * 4);

  /* 20000 lost between two: a 1-bit vector, two full runs, a run, a run of 1. */
  WtRtcpTwccArrival g[] = {{1, 0}, {20002, 1000}};
  len = wt_rtcp_write_twcc(buf, sizeof buf, 1, 2, 0, g, 2, &used);
  g_assert_cmpuint(buf[14] << 8 | buf[15], ==, 20002);
  static const guint16 want[] = {0xa000, 0x1fff, 0x1fff, 3605, 0x2001};
  for (guint i = 0; i < G_N_ELEMENTS(want); i++)
    g_assert_cmphex(buf[20 + 2 * i] << 8 | buf[21 + 2 * i], ==, want[i]);
  g_assert_cmpint(len, ==, 20 + 10 + 2);
  twcc_round_trip(g, 2, 64);
}

static void
test_twcc_more_chunks_than_bytes(void)
{
  /* Fixed part: SSRCs, base 100, count, reference 1, fb count 0. */
  guint8 body[64] = {0, 0, 0, 1, 0, 0, 0, 2, 0, 100, 0, 0, 0, 0, 1, 0};
  WtRtcpPacket p;
  WtRtcpTwccIter ti;
  WtRtcpTwccStatus s;
#define COUNT(n) (body[10] = (guint8)((n) >> 8), body[11] = (guint8)(n))
  /* Status count 100, one 1-bit vector of 14 and nothing more: -EMSGSIZE. */
  COUNT(100);
  body[16] = 0xbf;
  body[17] = 0xff;
  for (gsize len = 0; len <= 18 + 14; len++) {
    fake_packet(&p, WT_RTCP_RTPFB, WT_RTCP_RTPFB_TWCC, body, len);
    g_assert_cmpint(wt_rtcp_twcc_iter_init(&ti, &p), ==, -EMSGSIZE);
    g_assert_cmpint(wt_rtcp_twcc_iter_next(&ti, &s), ==, -ENOENT);
    g_free((gpointer)p.data);
  }
  /* Count 14: the chunk covers it; its 14 small deltas must all be there. */
  COUNT(14);
  for (gsize len = 0; len <= 18 + 14; len++) {
    fake_packet(&p, WT_RTCP_RTPFB, WT_RTCP_RTPFB_TWCC, body, len);
    g_assert_cmpint(wt_rtcp_twcc_iter_init(&ti, &p), ==, len < 18 + 14 ? -EMSGSIZE : 0);
    g_free((gpointer)p.data);
  }
  /* Count 8191 of run-length "large": 16382 delta bytes announced in 2. */
  COUNT(8191);
  body[16] = 0x5f;
  body[17] = 0xff;
  fake_packet(&p, WT_RTCP_RTPFB, WT_RTCP_RTPFB_TWCC, body, 20);
  g_assert_cmpint(wt_rtcp_twcc_iter_init(&ti, &p), ==, -EMSGSIZE);
  g_free((gpointer)p.data);
  /* Count 65535 of "not received": 9 run-length chunks of 8191 needed. */
  COUNT(65535);
  for (guint i = 0; i < 9; i++) {
    body[16 + 2 * i] = 0x1f;
    body[17 + 2 * i] = 0xff;
  }
  for (gsize len = 16; len <= 34; len++) {
    fake_packet(&p, WT_RTCP_RTPFB, WT_RTCP_RTPFB_TWCC, body, len);
    g_assert_cmpint(wt_rtcp_twcc_iter_init(&ti, &p), ==, len < 34 ? -EMSGSIZE : 0);
    if (len == 34) {
      guint n = 0;
      guint16 last = 0;
      while (wt_rtcp_twcc_iter_next(&ti, &s) == 0) {
        g_assert_cmpint(s.status, ==, WT_RTCP_TWCC_NOT_RECEIVED);
        last = s.seq;
        n++;
      }
      g_assert_cmpuint(n, ==, 65535);
      g_assert_cmpuint(last, ==, (guint16)(100 + 65534));
    }
    g_free((gpointer)p.data);
  }
  /* Run lengths of 0 cover nothing: 4 of them and no real chunk. */
  COUNT(1);
  memset(body + 16, 0, 8);
  fake_packet(&p, WT_RTCP_RTPFB, WT_RTCP_RTPFB_TWCC, body, 24);
  g_assert_cmpint(wt_rtcp_twcc_iter_init(&ti, &p), ==, -EMSGSIZE);
  g_free((gpointer)p.data);
  /* ... then one that covers it, a status 1, and its delta. */
  body[24] = 0x20;
  body[25] = 0x01;
  body[26] = 7;
  fake_packet(&p, WT_RTCP_RTPFB, WT_RTCP_RTPFB_TWCC, body, 27);
  g_assert_cmpint(wt_rtcp_twcc_iter_init(&ti, &p), ==, 0);
  g_assert_cmpint(wt_rtcp_twcc_iter_next(&ti, &s), ==, 0);
  g_assert_cmpint(s.delta_ticks, ==, 7);
  g_assert_cmpint(s.arrival_us, ==, 64000 + 7 * 250);
  g_assert_cmpint(wt_rtcp_twcc_iter_next(&ti, &s), ==, -ENOENT);
  g_free((gpointer)p.data);
  /* Status count 0, reserved symbols within the count. */
  COUNT(0);
  fake_packet(&p, WT_RTCP_RTPFB, WT_RTCP_RTPFB_TWCC, body, 27);
  g_assert_cmpint(wt_rtcp_twcc_iter_init(&ti, &p), ==, -EBADMSG);
  g_free((gpointer)p.data);
  COUNT(2);
  body[16] = 0xdc; /* 2-bit vector: 01 then 11 */
  body[17] = 0x00;
  memset(body + 18, 1, 8);
  fake_packet(&p, WT_RTCP_RTPFB, WT_RTCP_RTPFB_TWCC, body, 26);
  g_assert_cmpint(wt_rtcp_twcc_iter_init(&ti, &p), ==, -EBADMSG);
  COUNT(1); /* the reserved symbol lies beyond the count: ignored */
  g_free((gpointer)p.data);
  fake_packet(&p, WT_RTCP_RTPFB, WT_RTCP_RTPFB_TWCC, body, 26);
  g_assert_cmpint(wt_rtcp_twcc_iter_init(&ti, &p), ==, 0);
  g_free((gpointer)p.data);
  body[16] = 0x60; /* run-length of symbol 3 */
  body[17] = 0x01;
  fake_packet(&p, WT_RTCP_RTPFB, WT_RTCP_RTPFB_TWCC, body, 26);
  g_assert_cmpint(wt_rtcp_twcc_iter_init(&ti, &p), ==, -EBADMSG);
  g_free((gpointer)p.data);
  /* Wrong type and format. */
  fake_packet(&p, WT_RTCP_PSFB, WT_RTCP_RTPFB_TWCC, body, 26);
  g_assert_cmpint(wt_rtcp_twcc_iter_init(&ti, &p), ==, -EINVAL);
  g_free((gpointer)p.data);
#undef COUNT

  /* The Chrome capture cut at every body length. */
  const guint8 *cb = chrome_twcc + 4;
  for (gsize len = 0; len < 27; len++) {
    fake_packet(&p, WT_RTCP_RTPFB, WT_RTCP_RTPFB_TWCC, cb, len);
    g_assert_cmpint(wt_rtcp_twcc_iter_init(&ti, &p), ==, -EMSGSIZE);
    g_free((gpointer)p.data);
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/rtcp/browser/chrome-sr-sdes", test_chrome_sr_sdes);
  g_test_add_func("/rtcp/browser/chrome-rr-remb", test_chrome_rr_remb);
  g_test_add_func("/rtcp/browser/chrome-twcc", test_chrome_twcc);
  g_test_add_func("/rtcp/browser/firefox-compound", test_firefox_compound);
  g_test_add_func("/rtcp/walk/truncated-every-length", test_truncated_every_length);
  g_test_add_func("/rtcp/walk/zero-lengths", test_zero_lengths);
  g_test_add_func("/rtcp/walk/bad-version", test_bad_version);
  g_test_add_func("/rtcp/walk/padding", test_padding);
  g_test_add_func("/rtcp/report/counts-beyond-length", test_report_counts_beyond_length);
  g_test_add_func("/rtcp/report/round-trip", test_report_round_trip);
  g_test_add_func("/rtcp/sdes", test_sdes);
  g_test_add_func("/rtcp/bye", test_bye);
  g_test_add_func("/rtcp/ntp", test_ntp);
  g_test_add_func("/rtcp/compound/build-and-pad", test_compound_build);
  g_test_add_func("/rtcp/nack/round-trip", test_nack_round_trip);
  g_test_add_func("/rtcp/nack/bounds", test_nack_bounds);
  g_test_add_func("/rtcp/pli-fir", test_pli_fir);
  g_test_add_func("/rtcp/remb/bitrate", test_remb_bitrate);
  g_test_add_func("/rtcp/remb/ssrc-count", test_remb_ssrc_count);
  g_test_add_func("/rtcp/twcc/round-trip", test_twcc_round_trip);
  g_test_add_func("/rtcp/twcc/chunks", test_twcc_chunks);
  g_test_add_func("/rtcp/twcc/more-chunks-than-bytes", test_twcc_more_chunks_than_bytes);
  return g_test_run();
}
