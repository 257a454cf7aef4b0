/* fuzz_rtcp.c — libFuzzer target for the pure RTCP code (server/rtcp.c,
 * server/rtcp_feedback.c). The input is walked as a compound packet and
 * every parser runs on every packet, checking that what they return lies
 * within the packet; what parses is rebuilt and parsed again (REMB,
 * transport-cc, reports). Then the same bytes are read as numbers for build
 * → parse round trips that must agree: NACK from a lost list, transport-cc
 * from arrivals, SR/RR, REMB bitrates, NTP times, and a padded compound.
 * Every buffer handed to the code under test is a heap copy of exactly the
 * length it is told, so ASan catches a read one byte past the end. */
#include <stdint.h>
#include <string.h>

#include "rtcp.h"
#include "rtcp_feedback.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_LIST 2048

static guint8 *
exact_copy(const guint8 *src, gsize len)
{
  guint8 *p = g_malloc(len ? len : 1);
  if (len)
    memcpy(p, src, len);
  return p;
}

static gboolean
within(const guint8 *p, gsize len, const guint8 *lo, gsize lo_len)
{
  return p >= lo && len <= lo_len && (gsize)(p - lo) <= lo_len - len;
}

static gint64
floor_div(gint64 a, gint64 b)
{
  gint64 q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Numbers taken from the input, zeros once it runs out. */
typedef struct {
  const guint8 *d;
  gsize n, pos;
} Src;

static guint8
take8(Src *s)
{
  return s->pos < s->n ? s->d[s->pos++] : 0;
}

static guint16
take16(Src *s)
{
  return (guint16)(take8(s) << 8 | take8(s));
}

static guint32
take32(Src *s)
{
  return (guint32)take16(s) << 16 | take16(s);
}

static guint64
take64(Src *s)
{
  return (guint64)take32(s) << 32 | take32(s);
}

/* Parses one packet built by the code under test: exactly one. */
static void
reparse(const guint8 *buf, gsize len, WtRtcpPacket *p, guint8 **copy)
{
  *copy = exact_copy(buf, len);
  WtRtcpIter it;
  wt_rtcp_iter_init(&it, *copy, len);
  g_assert(wt_rtcp_iter_next(&it, p) == 0);
  g_assert(p->len == len);
}

/* ---- Every parser on one walked packet ----------------------------------------- */

static void
check_report(const WtRtcpPacket *p)
{
  WtRtcpReport r;
  int rc = wt_rtcp_report_parse(p, &r);
  g_assert(rc == 0 || rc == -EINVAL || rc == -EMSGSIZE);
  if (rc < 0)
    return;
  gsize head = r.is_sr ? 24 : 4;
  g_assert(head + r.n_blocks * 24 + r.ext_len == p->body_len);
  g_assert(within(r.ext, r.ext_len, p->body, p->body_len));
  WtRtcpReportBlock blocks[WT_RTCP_MAX_REPORT_BLOCKS], b;
  guint n = 0;
  while (wt_rtcp_report_block(&r, n, &b) == 0) {
    g_assert(b.cumulative_lost >= -0x800000 && b.cumulative_lost <= 0x7fffff);
    blocks[n++] = b;
  }
  g_assert(n == r.n_blocks);
  /* Rebuilt from the parsed values: the same packet without extension. */
  guint8 buf[28 + 31 * 24];
  int len = r.is_sr ? wt_rtcp_write_sr(buf, sizeof buf, &r.sender, blocks, n)
                    : wt_rtcp_write_rr(buf, sizeof buf, r.ssrc, blocks, n);
  g_assert(len == (int)(head + 4 + n * 24));
  g_assert(memcmp(buf + 4, p->body, (gsize)len - 4) == 0);
}

static void
check_sdes(const WtRtcpPacket *p)
{
  WtRtcpSdesIter it;
  WtRtcpSdesChunk c;
  if (wt_rtcp_sdes_iter_init(&it, p) < 0)
    return;
  guint n = 0;
  int rc;
  while ((rc = wt_rtcp_sdes_iter_next(&it, &c)) == 0) {
    g_assert(!c.cname || within(c.cname, c.cname_len, p->body, p->body_len));
    n++;
  }
  g_assert(rc == -ENOENT || rc == -EMSGSIZE);
  g_assert(n <= p->fmt);
}

static void
check_bye(const WtRtcpPacket *p)
{
  WtRtcpBye b;
  int rc = wt_rtcp_bye_parse(p, &b);
  g_assert(rc == 0 || rc == -EINVAL || rc == -EMSGSIZE);
  if (rc < 0)
    return;
  g_assert(within(b.ssrcs, b.n_ssrcs * 4, p->body, p->body_len));
  g_assert(!b.reason || within(b.reason, b.reason_len, p->body, p->body_len));
  guint32 ssrc;
  for (guint i = 0; i < b.n_ssrcs; i++)
    g_assert(wt_rtcp_bye_ssrc(&b, i, &ssrc) == 0);
  g_assert(wt_rtcp_bye_ssrc(&b, b.n_ssrcs, &ssrc) == -ENOENT);
}

static void
check_simple_feedback(const WtRtcpPacket *p)
{
  guint32 media;
  int rc = wt_rtcp_pli_parse(p, &media);
  g_assert(rc == 0 || rc == -EINVAL || rc == -EMSGSIZE);
  if (rc == 0)
    g_assert(media == p->media_ssrc);

  WtRtcpNackIter ni;
  guint16 seq;
  rc = wt_rtcp_nack_iter_init(&ni, p);
  g_assert(rc == 0 || rc == -EINVAL || rc == -EMSGSIZE);
  gsize n = 0;
  while (wt_rtcp_nack_iter_next(&ni, &seq) == 0)
    n++;
  g_assert(rc == 0 ? n >= ni.n_fci && n <= 17 * ni.n_fci : n == 0);

  WtRtcpFirIter fi;
  WtRtcpFirEntry fe;
  rc = wt_rtcp_fir_iter_init(&fi, p);
  g_assert(rc == 0 || rc == -EINVAL || rc == -EMSGSIZE);
  n = 0;
  while (wt_rtcp_fir_iter_next(&fi, &fe) == 0)
    n++;
  g_assert(rc == 0 ? n == (p->body_len - 8) / 8 && n > 0 : n == 0);
}

static void
check_remb(const WtRtcpPacket *p)
{
  WtRtcpRemb r;
  int rc = wt_rtcp_remb_parse(p, &r);
  g_assert(rc == 0 || rc == -EINVAL || rc == -EMSGSIZE || rc == -ERANGE);
  if (rc < 0)
    return;
  g_assert(within(r.ssrcs, r.n_ssrcs * 4, p->body, p->body_len));
  guint32 ssrcs[255];
  for (guint i = 0; i < r.n_ssrcs; i++)
    g_assert(wt_rtcp_remb_ssrc(&r, i, &ssrcs[i]) == 0);
  /* A parsed bitrate has at most 18 significant bits: it survives exactly. */
  guint8 buf[20 + 255 * 4], *copy;
  int len = wt_rtcp_write_remb(buf, sizeof buf, p->sender_ssrc, r.bitrate, ssrcs, r.n_ssrcs);
  g_assert(len == (int)(20 + 4 * r.n_ssrcs));
  WtRtcpPacket q;
  WtRtcpRemb r2;
  reparse(buf, (gsize)len, &q, &copy);
  g_assert(wt_rtcp_remb_parse(&q, &r2) == 0);
  g_assert(r2.bitrate == r.bitrate && r2.n_ssrcs == r.n_ssrcs);
  g_assert(memcmp(r2.ssrcs, r.ssrcs, r.n_ssrcs * 4) == 0);
  g_free(copy);
}

/* Parses transport-cc feedback; its received packets, rebuilt, must come
 * back the same. */
static void
check_twcc(const WtRtcpPacket *p)
{
  WtRtcpTwccIter it;
  int rc = wt_rtcp_twcc_iter_init(&it, p);
  g_assert(rc == 0 || rc == -EINVAL || rc == -EMSGSIZE || rc == -EBADMSG);
  if (rc < 0) {
    WtRtcpTwccStatus s;
    g_assert(wt_rtcp_twcc_iter_next(&it, &s) == -ENOENT);
    return;
  }
  WtRtcpTwccArrival *got = g_new(WtRtcpTwccArrival, it.n_received ? it.n_received : 1);
  WtRtcpTwccStatus s;
  guint n = 0, received = 0;
  while (wt_rtcp_twcc_iter_next(&it, &s) == 0) {
    g_assert(s.seq == (guint16)(it.base_seq + n));
    g_assert(s.status <= WT_RTCP_TWCC_LARGE_DELTA);
    if (s.status == WT_RTCP_TWCC_SMALL_DELTA)
      g_assert(s.delta_ticks >= 0 && s.delta_ticks <= 255);
    if (s.status != WT_RTCP_TWCC_NOT_RECEIVED) {
      g_assert(received < it.n_received);
      got[received++] = (WtRtcpTwccArrival){s.seq, s.arrival_us};
    }
    n++;
  }
  g_assert(n == it.status_count && received == it.n_received);
  g_assert(it.delta_pos <= p->body_len && within(it.deltas, it.delta_pos, p->body, p->body_len));
  if (received > 0) {
    /* Consecutive deltas were 16-bit and the span under 65536: one packet. */
    gsize cap = WT_RTCP_TWCC_HEADER_LEN + 2 * (gsize)it.status_count + 2 * received + 4;
    guint8 *buf = g_malloc(cap), *copy;
    gsize used = 0;
    int len = wt_rtcp_write_twcc(buf, cap, it.sender_ssrc, it.media_ssrc, it.fb_count, got,
                                 received, &used);
    g_assert(len > 0 && used == received);
    WtRtcpPacket q;
    WtRtcpTwccIter it2;
    reparse(buf, (gsize)len, &q, &copy);
    g_assert(wt_rtcp_twcc_iter_init(&it2, &q) == 0);
    g_assert(it2.base_seq == got[0].seq && it2.n_received == received);
    guint j = 0;
    gint64 first = 0;
    while (wt_rtcp_twcc_iter_next(&it2, &s) == 0) {
      if (s.status == WT_RTCP_TWCC_NOT_RECEIVED)
        continue;
      g_assert(j < received && s.seq == got[j].seq);
      if (j == 0)
        first = s.arrival_us;
      g_assert(s.arrival_us - first == got[j].arrival_us - got[0].arrival_us);
      j++;
    }
    g_assert(j == received);
    g_free(copy);
    g_free(buf);
  }
  g_free(got);
}

static void
walk(const guint8 *buf, gsize size)
{
  WtRtcpIter it;
  WtRtcpPacket p;
  wt_rtcp_iter_init(&it, buf, size);
  gsize pos = 0;
  int rc;
  while ((rc = wt_rtcp_iter_next(&it, &p)) == 0) {
    g_assert(p.data == buf + pos && within(p.data, p.len, buf, size));
    g_assert(p.len >= 4 && p.len % 4 == 0);
    g_assert(p.body == p.data + 4 && p.body_len + 4 + p.padding == p.len);
    pos += p.len;
    check_report(&p);
    check_sdes(&p);
    check_bye(&p);
    check_simple_feedback(&p);
    check_remb(&p);
    check_twcc(&p);
  }
  g_assert(rc == -ENOENT || rc == -EMSGSIZE || rc == -EBADMSG);
  g_assert(rc != -ENOENT || pos == size);
  g_assert(wt_rtcp_iter_next(&it, &p) == -ENOENT);
}

/* ---- Round trips with numbers from the input ----------------------------------- */

static void
round_trip_nack(Src *s)
{
  gsize n = take8(s) * 8 + 1;
  guint16 *lost = g_new(guint16, n);
  guint16 seq = take16(s);
  guint8 spread = take8(s) % 40 + 1;
  for (gsize i = 0; i < n; i++) {
    lost[i] = seq;
    seq = (guint16)(seq + 1 + take8(s) % spread);
  }
  gsize cap = 16 + take8(s) * 4;
  guint8 *buf = g_malloc(cap), *copy;
  gsize done = 0, back = 0;
  while (done < n) {
    gsize used = 0;
    int len = wt_rtcp_write_nack(buf, cap, 1, 2, lost + done, n - done, &used);
    g_assert(len > 0 && (gsize)len <= cap && used > 0 && used <= n - done);
    WtRtcpPacket p;
    WtRtcpNackIter ni;
    guint16 got;
    reparse(buf, (gsize)len, &p, &copy);
    g_assert(wt_rtcp_nack_iter_init(&ni, &p) == 0);
    while (wt_rtcp_nack_iter_next(&ni, &got) == 0) {
      g_assert(back < done + used && got == lost[back]);
      back++;
    }
    g_assert(back == done + used);
    done += used;
    g_free(copy);
  }
  g_free(buf);
  g_free(lost);
}

static void
round_trip_twcc(Src *s)
{
  gsize n = take8(s) * 8 + 1;
  WtRtcpTwccArrival *a = g_new(WtRtcpTwccArrival, n);
  guint16 seq = take16(s);
  /* Any start within ±2^59 µs, so the steps below cannot overflow. */
  gint64 t = (gint64)(take64(s) >> 4 >> take8(s) % 60) - (G_GINT64_CONSTANT(1) << 59);
  for (gsize i = 0; i < n; i++) {
    a[i] = (WtRtcpTwccArrival){seq, t};
    guint8 step = take8(s);
    seq = (guint16)(seq + 1 + (step & 0x80 ? take16(s) % 0x7fff : step % 4));
    gint16 dt = (gint16)take16(s);
    t += step & 0x40 ? (gint64)dt * 1000 : dt % 2000; /* up to ±32 s: forces splits */
  }
  gsize cap = 24 + take8(s) * 4;
  guint8 *buf = g_malloc(cap), *copy;
  gsize done = 0;
  while (done < n) {
    gsize used = 0;
    int len = wt_rtcp_write_twcc(buf, cap, 1, 2, 0, a + done, n - done, &used);
    g_assert(len > 0 && (gsize)len <= cap && len % 4 == 0 && used > 0 && used <= n - done);
    WtRtcpPacket p;
    WtRtcpTwccIter it;
    WtRtcpTwccStatus st;
    reparse(buf, (gsize)len, &p, &copy);
    g_assert(wt_rtcp_twcc_iter_init(&it, &p) == 0);
    g_assert(it.n_received == used);
    gsize j = done;
    gint64 first_got = 0, first_want = 0;
    while (wt_rtcp_twcc_iter_next(&it, &st) == 0) {
      g_assert(j < done + used);
      if (st.seq != a[j].seq) {
        g_assert(st.status == WT_RTCP_TWCC_NOT_RECEIVED);
        continue;
      }
      g_assert(st.status != WT_RTCP_TWCC_NOT_RECEIVED);
      gint64 want = floor_div(a[j].arrival_us, 250) * 250;
      if (j == done) {
        first_got = st.arrival_us;
        first_want = want;
        g_assert((first_got - first_want) % WT_RTCP_TWCC_WRAP_US == 0);
      }
      g_assert(st.arrival_us - first_got == want - first_want);
      j++;
    }
    g_assert(j == done + used);
    done += used;
    g_free(copy);
  }
  g_free(buf);
  g_free(a);
}

static void
round_trip_reports(Src *s)
{
  WtRtcpSenderInfo si = {take32(s), take64(s), take32(s), take32(s), take32(s)};
  guint n = take8(s) % 32;
  WtRtcpReportBlock in[31];
  for (guint i = 0; i < n; i++)
    in[i] = (WtRtcpReportBlock){take32(s), take8(s),  (gint32)take32(s), take32(s),
                                take32(s), take32(s), take32(s)};
  guint8 buf[28 + 31 * 24], *copy;
  for (guint sr = 0; sr < 2; sr++) {
    int len = sr ? wt_rtcp_write_sr(buf, sizeof buf, &si, in, n)
                 : wt_rtcp_write_rr(buf, sizeof buf, si.ssrc, in, n);
    g_assert(len == (int)((sr ? 28 : 8) + 24 * n));
    WtRtcpPacket p;
    WtRtcpReport r;
    reparse(buf, (gsize)len, &p, &copy);
    g_assert(wt_rtcp_report_parse(&p, &r) == 0);
    g_assert(r.ssrc == si.ssrc && r.n_blocks == n && r.ext_len == 0);
    if (sr)
      g_assert(r.sender.ntp == si.ntp && r.sender.rtp_ts == si.rtp_ts &&
               r.sender.packet_count == si.packet_count && r.sender.octet_count == si.octet_count);
    for (guint i = 0; i < n; i++) {
      WtRtcpReportBlock b;
      g_assert(wt_rtcp_report_block(&r, i, &b) == 0);
      g_assert(b.ssrc == in[i].ssrc && b.fraction_lost == in[i].fraction_lost);
      g_assert(b.cumulative_lost == CLAMP(in[i].cumulative_lost, -0x800000, 0x7fffff));
      g_assert(b.ext_highest_seq == in[i].ext_highest_seq && b.jitter == in[i].jitter);
      g_assert(b.lsr == in[i].lsr && b.dlsr == in[i].dlsr);
    }
    g_free(copy);
  }
}

static void
round_trip_numbers(Src *s)
{
  /* REMB: never more than asked, less by under 2^exp, smallest exponent. */
  guint64 bitrate = take64(s) >> take8(s) % 64;
  guint8 exp;
  guint32 mantissa;
  guint64 back;
  wt_rtcp_remb_encode(bitrate, &exp, &mantissa);
  g_assert(exp <= 46 && mantissa <= WT_RTCP_REMB_MAX_MANTISSA);
  g_assert(wt_rtcp_remb_decode(exp, mantissa, &back) == 0);
  g_assert(back <= bitrate && bitrate - back < (G_GUINT64_CONSTANT(1) << exp));
  g_assert(exp == 0 || mantissa >= 0x20000);
  guint8 e2 = take8(s);
  guint32 m2 = take32(s) & 0x7ffff;
  int rc = wt_rtcp_remb_decode(e2, m2, &back);
  if (e2 > 63 || m2 > 0x3ffff)
    g_assert(rc == -EINVAL);
  else
    g_assert(rc == 0 || rc == -ERANGE);
  if (rc == 0)
    g_assert(m2 == 0 || back >> e2 == m2);

  /* NTP: exact at microsecond resolution from 1968-01-20 to 2104. */
  gint64 lo = G_GINT64_CONSTANT(-61505152) * 1000000; /* 2^31 s after 1900, in unix us */
  gint64 span = G_GINT64_CONSTANT(4294967295) * 1000000;
  gint64 us = lo + (gint64)(take64(s) % (guint64)span);
  g_assert(wt_rtcp_ntp_to_unix_us(wt_rtcp_ntp_from_unix_us(us)) == us);
  guint32 short_v = take32(s);
  gint64 short_us = wt_rtcp_ntp_short_to_us(short_v);
  g_assert(wt_rtcp_ntp_short_from_us(short_us) == short_v);
  gint64 rtt;
  guint32 lsr = take32(s), dlsr = take32(s), arrival = take32(s);
  rc = wt_rtcp_rtt_us(arrival, lsr, dlsr, &rtt);
  g_assert(lsr == 0 ? rc == -ENOENT
                    : rc == 0 && rtt >= 0 && rtt <= 32768 * G_GINT64_CONSTANT(1000000));
}

/* A compound of packets the input picks, padded as it says; walked back. */
static void
round_trip_compound(Src *s)
{
  guint8 buf[1500];
  gsize cap = 4 + take16(s) % (sizeof buf - 4);
  WtRtcpCompound c;
  wt_rtcp_compound_init(&c, buf, cap);
  guint want = 0;
  for (guint i = 0; i < 8; i++) {
    guint8 kind = take8(s);
    guint8 *t = wt_rtcp_compound_tail(&c);
    gsize room = wt_rtcp_compound_room(&c);
    int len;
    WtRtcpSenderInfo si = {.ssrc = take32(s)};
    WtRtcpFirEntry fe = {take32(s), take8(s)};
    guint16 lost = take16(s);
    guint32 ssrc = take32(s);
    switch (kind % 6) {
    case 0:
      len = wt_rtcp_write_sr(t, room, &si, NULL, 0);
      break;
    case 1:
      len = wt_rtcp_write_rr(t, room, si.ssrc, NULL, 0);
      break;
    case 2:
      len = wt_rtcp_write_pli(t, room, 1, ssrc);
      break;
    case 3:
      len = wt_rtcp_write_fir(t, room, 1, &fe, 1);
      break;
    case 4:
      len = wt_rtcp_write_nack(t, room, 1, ssrc, &lost, 1, NULL);
      break;
    default:
      len = wt_rtcp_write_bye(t, room, &ssrc, 1);
      break;
    }
    if (wt_rtcp_compound_add(&c, len) == 0)
      want++;
    else
      break;
  }
  guint pad = take8(s);
  gboolean padded = c.error == 0 && wt_rtcp_compound_pad(&c, pad) == 0;
  g_assert(!padded || (pad >= 4 && pad <= 252 && pad % 4 == 0));
  g_assert(c.len <= cap && c.n_packets == want);
  guint8 *copy = exact_copy(buf, c.len);
  WtRtcpIter it;
  WtRtcpPacket p;
  wt_rtcp_iter_init(&it, copy, c.len);
  guint n = 0;
  while (wt_rtcp_iter_next(&it, &p) == 0) {
    n++;
    g_assert(p.padding == (padded && n == want ? pad : 0));
  }
  g_assert(n == want);
  g_free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  guint8 *pkt = exact_copy(data, size);
  walk(pkt, size);
  Src s = {pkt, size, 0};
  round_trip_nack(&s);
  round_trip_twcc(&s);
  round_trip_reports(&s);
  round_trip_numbers(&s);
  round_trip_compound(&s);
  g_free(pkt);
  return 0;
}
