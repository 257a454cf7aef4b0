/* test_rtp.c — RTP parsing, header extensions, in-place rewriting, sequence and
 * timestamp arithmetic, the forwarding rewriter, and keyframe detection, all on
 * hand-built packets. */
#include <stdarg.h>
#include <string.h>

#include "rtp.h"
#include "rtp_codecs.h"

/* A plain packet: V=2, PT 96, seq 0x1234, ts 0x11223344, SSRC 0xdeadbeef, then
 * four payload bytes. */
static const guint8 plain[] = {0x80, 0x60, 0x12, 0x34, 0x11, 0x22, 0x33, 0x44,
                               0xde, 0xad, 0xbe, 0xef, 0xa0, 0xa1, 0xa2, 0xa3};

/* Builds V=2 PT 96 with @ext (@ext_len bytes, a multiple of 4) under @profile
 * and @payload_len payload bytes of 0xee. Returns the length. */
static gsize
build_ext(guint8 *buf, guint16 profile, const guint8 *ext, gsize ext_len, gsize payload_len)
{
  memcpy(buf, plain, WT_RTP_HEADER_LEN);
  buf[0] |= 0x10;
  buf[12] = (guint8)(profile >> 8);
  buf[13] = (guint8)profile;
  buf[14] = (guint8)(ext_len / 4 >> 8);
  buf[15] = (guint8)(ext_len / 4);
  memcpy(buf + 16, ext, ext_len);
  memset(buf + 16 + ext_len, 0xee, payload_len);
  return 16 + ext_len + payload_len;
}

static void
test_demux(void)
{
  const guint8 stun[] = {0x00, 0x01}, dtls[] = {22, 0xfe}, rtp[] = {0x80, 0x60};
  const guint8 rtp_marker[] = {0x80, 0xe0}; /* PT 96 with marker: 224 */
  const guint8 sr[] = {0x80, 200}, rr[] = {0x81, 201}, psfb[] = {0x81, 206};
  const guint8 low[] = {0x80, 192}, high[] = {0x80, 223}, zrtp[] = {16}, turn[] = {64, 0};
  g_assert_cmpint(wt_rtp_demux(NULL, 0), ==, WT_RTP_KIND_UNKNOWN);
  g_assert_cmpint(wt_rtp_demux(stun, 2), ==, WT_RTP_KIND_STUN);
  g_assert_cmpint(wt_rtp_demux(dtls, 2), ==, WT_RTP_KIND_DTLS);
  g_assert_cmpint(wt_rtp_demux(rtp, 2), ==, WT_RTP_KIND_RTP);
  g_assert_cmpint(wt_rtp_demux(rtp_marker, 2), ==, WT_RTP_KIND_RTP);
  g_assert_cmpint(wt_rtp_demux(rtp, 1), ==, WT_RTP_KIND_UNKNOWN);
  g_assert_cmpint(wt_rtp_demux(sr, 2), ==, WT_RTP_KIND_RTCP);
  g_assert_cmpint(wt_rtp_demux(rr, 2), ==, WT_RTP_KIND_RTCP);
  g_assert_cmpint(wt_rtp_demux(psfb, 2), ==, WT_RTP_KIND_RTCP);
  g_assert_cmpint(wt_rtp_demux(low, 2), ==, WT_RTP_KIND_RTCP);
  g_assert_cmpint(wt_rtp_demux(high, 2), ==, WT_RTP_KIND_RTCP);
  g_assert_cmpint(wt_rtp_demux(zrtp, 1), ==, WT_RTP_KIND_UNKNOWN);
  g_assert_cmpint(wt_rtp_demux(turn, 2), ==, WT_RTP_KIND_UNKNOWN);
  for (guint b = 0; b < 256; b++) {
    guint8 d[2] = {(guint8)b, 0x60};
    WtRtpKind k = wt_rtp_demux(d, 2);
    if (b <= 3)
      g_assert_cmpint(k, ==, WT_RTP_KIND_STUN);
    else if (b >= 20 && b <= 63)
      g_assert_cmpint(k, ==, WT_RTP_KIND_DTLS);
    else if (b >= 128 && b <= 191)
      g_assert_cmpint(k, ==, WT_RTP_KIND_RTP);
    else
      g_assert_cmpint(k, ==, WT_RTP_KIND_UNKNOWN);
  }
  /* The documented rule: PT 64-95 with marker collides with RTCP, so it is not muxable. */
  for (guint pt = 0; pt < 128; pt++) {
    guint8 d[2] = {0x80, (guint8)(0x80 | pt)};
    gboolean taken_for_rtcp = wt_rtp_demux(d, 2) == WT_RTP_KIND_RTCP;
    g_assert_cmpint(taken_for_rtcp, ==, !wt_rtp_pt_muxable(pt));
  }
  g_assert_false(wt_rtp_pt_muxable(128));
}

static void
test_parse_plain(void)
{
  WtRtpHeader h;
  g_assert_cmpint(wt_rtp_parse(plain, sizeof plain, &h), ==, 0);
  g_assert_false(h.marker);
  g_assert_cmpuint(h.pt, ==, 96);
  g_assert_cmpuint(h.seq, ==, 0x1234);
  g_assert_cmpuint(h.ts, ==, 0x11223344);
  g_assert_cmphex(h.ssrc, ==, 0xdeadbeef);
  g_assert_cmpuint(h.csrc_count, ==, 0);
  g_assert_false(h.has_ext);
  g_assert_cmpuint(h.header_len, ==, 12);
  g_assert_cmpuint(h.payload_offset, ==, 12);
  g_assert_cmpuint(h.payload_len, ==, 4);
  g_assert_cmpuint(h.padding_len, ==, 0);
}

static void
test_parse_truncated(void)
{
  WtRtpHeader h;
  for (gsize len = 0; len < WT_RTP_HEADER_LEN; len++) {
    /* A heap copy of exactly @len bytes, so ASan sees any read past it. */
    guint8 *copy = g_memdup2(plain, len ? len : 1);
    g_assert_cmpint(wt_rtp_parse(copy, len, &h), ==, -EMSGSIZE);
    g_free(copy);
  }
  g_assert_cmpint(wt_rtp_parse(plain, WT_RTP_HEADER_LEN, &h), ==, 0);
  g_assert_cmpuint(h.payload_len, ==, 0);
}

static void
test_parse_bad_version(void)
{
  WtRtpHeader h;
  guint8 p[sizeof plain];
  for (guint v = 0; v < 4; v++) {
    memcpy(p, plain, sizeof p);
    p[0] = (guint8)((v << 6) | (p[0] & 0x3f));
    g_assert_cmpint(wt_rtp_parse(p, sizeof p, &h), ==, v == 2 ? 0 : -EBADMSG);
  }
}

static void
test_parse_csrc(void)
{
  WtRtpHeader h;
  guint8 p[12 + 8 + 2];
  memcpy(p, plain, 12);
  p[0] |= 2; /* two CSRCs */
  memset(p + 12, 0x55, sizeof p - 12);
  g_assert_cmpint(wt_rtp_parse(p, sizeof p, &h), ==, 0);
  g_assert_cmpuint(h.csrc_count, ==, 2);
  g_assert_cmpuint(h.payload_offset, ==, 20);
  g_assert_cmpuint(h.payload_len, ==, 2);
  g_assert_cmpint(wt_rtp_parse(p, 20, &h), ==, 0);
  g_assert_cmpint(wt_rtp_parse(p, 19, &h), ==, -EMSGSIZE);
  p[0] |= 0x0f; /* fifteen CSRCs: 60 bytes, beyond the packet */
  g_assert_cmpint(wt_rtp_parse(p, sizeof p, &h), ==, -EMSGSIZE);
}

static void
test_parse_extension_bounds(void)
{
  WtRtpHeader h;
  guint8 buf[64];
  const guint8 ext[] = {0x10, 0xaa, 0x00, 0x00};
  gsize len = build_ext(buf, WT_RTP_EXT_PROFILE_ONE_BYTE, ext, sizeof ext, 3);
  g_assert_cmpint(wt_rtp_parse(buf, len, &h), ==, 0);
  g_assert_true(h.has_ext);
  g_assert_cmphex(h.ext_profile, ==, 0xBEDE);
  g_assert_cmpuint(h.ext_offset, ==, 16);
  g_assert_cmpuint(h.ext_len, ==, 4);
  g_assert_cmpuint(h.header_len, ==, 20);
  g_assert_cmpuint(h.payload_len, ==, 3);
  /* Every cut inside the extension header or data is refused. */
  for (gsize cut = 12; cut < 20; cut++) {
    guint8 *copy = g_memdup2(buf, cut);
    g_assert_cmpint(wt_rtp_parse(copy, cut, &h), ==, -EMSGSIZE);
    g_free(copy);
  }
  /* A length field of 0xffff words in a short packet. */
  buf[14] = buf[15] = 0xff;
  g_assert_cmpint(wt_rtp_parse(buf, len, &h), ==, -EMSGSIZE);
  /* Declaring exactly what is there, with no payload, is fine. */
  buf[14] = 0;
  buf[15] = 1;
  g_assert_cmpint(wt_rtp_parse(buf, 20, &h), ==, 0);
  g_assert_cmpuint(h.payload_len, ==, 0);
  buf[15] = 2; /* one word too many */
  g_assert_cmpint(wt_rtp_parse(buf, 20 + 3, &h), ==, -EMSGSIZE);
}

static void
test_parse_padding(void)
{
  WtRtpHeader h;
  guint8 p[20];
  memcpy(p, plain, 12);
  p[0] |= 0x20;
  memset(p + 12, 0, sizeof p - 12);
  p[19] = 3; /* 5 payload bytes + 3 of padding */
  g_assert_cmpint(wt_rtp_parse(p, sizeof p, &h), ==, 0);
  g_assert_cmpuint(h.padding_len, ==, 3);
  g_assert_cmpuint(h.payload_len, ==, 5);
  p[19] = 8; /* all of the payload area is padding: a padding-only probe */
  g_assert_cmpint(wt_rtp_parse(p, sizeof p, &h), ==, 0);
  g_assert_cmpuint(h.payload_len, ==, 0);
  p[19] = 9; /* eats into the header */
  g_assert_cmpint(wt_rtp_parse(p, sizeof p, &h), ==, -EMSGSIZE);
  p[19] = 255;
  g_assert_cmpint(wt_rtp_parse(p, sizeof p, &h), ==, -EMSGSIZE);
  p[19] = 0; /* a count of zero is forbidden */
  g_assert_cmpint(wt_rtp_parse(p, sizeof p, &h), ==, -EBADMSG);
  /* P with nothing after the header: the count byte would be header. */
  guint8 bare[12];
  memcpy(bare, plain, 12);
  bare[0] |= 0x20;
  bare[11] = 1;
  g_assert_cmpint(wt_rtp_parse(bare, 12, &h), ==, -EMSGSIZE);
}

/* Asserts that the extension elements of @buf are exactly @n (id, len) pairs,
 * given as varargs, and that iteration ends with @end. */
static void
assert_elems(const guint8 *buf, gsize len, int end, guint n, ...)
{
  WtRtpHeader h;
  g_assert_cmpint(wt_rtp_parse(buf, len, &h), ==, 0);
  WtRtpExtIter it;
  g_assert_cmpint(wt_rtp_ext_iter_init(&it, buf, &h), ==, 0);
  WtRtpExt e;
  va_list ap;
  va_start(ap, n);
  guint i = 0;
  int r;
  while ((r = wt_rtp_ext_iter_next(&it, &e)) == 0) {
    g_assert_true(e.data == buf + e.offset);
    g_assert_cmpuint(e.offset + e.len, <=, h.ext_offset + h.ext_len);
    g_assert_cmpuint(++i, <=, n);
    g_assert_cmpuint(e.id, ==, va_arg(ap, guint));
    g_assert_cmpuint(e.len, ==, va_arg(ap, guint));
  }
  va_end(ap);
  g_assert_cmpuint(i, ==, n);
  g_assert_cmpint(r, ==, end);
}

static void
test_ext_one_byte(void)
{
  /* id 1 len 1, two padding bytes, id 3 len 3, one padding byte, id 14 len 1, pad. */
  const guint8 ext[] = {0x10, 0xaa, 0x00, 0x00, 0x32, 0x01, 0x02, 0x03, 0x00, 0xe0, 0x77, 0x00};
  guint8 buf[64];
  gsize len = build_ext(buf, WT_RTP_EXT_PROFILE_ONE_BYTE, ext, sizeof ext, 2);
  assert_elems(buf, len, -ENOENT, 3, 1, 1, 3, 3, 14, 1);

  WtRtpHeader h;
  WtRtpExt e;
  g_assert_cmpint(wt_rtp_parse(buf, len, &h), ==, 0);
  g_assert_cmpint(wt_rtp_ext_find(buf, &h, 3, &e), ==, 0);
  g_assert_cmpuint(e.len, ==, 3);
  g_assert_cmpuint(e.data[0], ==, 1);
  g_assert_cmpuint(e.data[2], ==, 3);
  g_assert_cmpint(wt_rtp_ext_find(buf, &h, 2, &e), ==, -ENOENT);
  g_assert_cmpint(wt_rtp_ext_find(buf, &h, 0, &e), ==, -ENOENT);
  WtRtpHeader hp;
  g_assert_cmpint(wt_rtp_parse(plain, sizeof plain, &hp), ==, 0);
  g_assert_cmpint(wt_rtp_ext_find(plain, &hp, 1, &e), ==, -ENOENT);
}

static void
test_ext_one_byte_id15(void)
{
  /* id 2, then id 15 (stop, its length ignored), then what would be id 4. */
  const guint8 ext[] = {0x20, 0x11, 0xf3, 0x40, 0x22, 0x00, 0x00, 0x00};
  guint8 buf[64];
  gsize len = build_ext(buf, WT_RTP_EXT_PROFILE_ONE_BYTE, ext, sizeof ext, 0);
  assert_elems(buf, len, -ENOENT, 1, 2, 1);
  WtRtpHeader h;
  WtRtpExt e;
  g_assert_cmpint(wt_rtp_parse(buf, len, &h), ==, 0);
  g_assert_cmpint(wt_rtp_ext_find(buf, &h, 4, &e), ==, -ENOENT);

  /* id 0 with a non-zero length nibble is neither padding nor an element: stop. */
  const guint8 bad_pad[] = {0x10, 0x11, 0x05, 0x20, 0x22, 0x00, 0x00, 0x00};
  len = build_ext(buf, WT_RTP_EXT_PROFILE_ONE_BYTE, bad_pad, sizeof bad_pad, 0);
  assert_elems(buf, len, -ENOENT, 1, 1, 1);
}

static void
test_ext_overrun(void)
{
  /* id 1 declaring 16 bytes in a 4-byte block. */
  const guint8 ext[] = {0x1f, 0x00, 0x00, 0x00};
  guint8 buf[64];
  gsize len = build_ext(buf, WT_RTP_EXT_PROFILE_ONE_BYTE, ext, sizeof ext, 20);
  assert_elems(buf, len, -EMSGSIZE, 0);
  /* Two-byte form: id 5 declaring 200 bytes, after a good element. */
  const guint8 ext2[] = {0x01, 0x01, 0x99, 0x05, 200, 0x00, 0x00, 0x00};
  len = build_ext(buf, WT_RTP_EXT_PROFILE_TWO_BYTE, ext2, sizeof ext2, 20);
  assert_elems(buf, len, -EMSGSIZE, 1, 1, 1);
  /* Two-byte form: a lone id byte at the very end of the block. */
  const guint8 ext3[] = {0x00, 0x00, 0x00, 0x07};
  len = build_ext(buf, WT_RTP_EXT_PROFILE_TWO_BYTE, ext3, sizeof ext3, 0);
  assert_elems(buf, len, -EMSGSIZE, 0);
}

static void
test_ext_two_byte(void)
{
  /* id 1 len 0, padding, id 200 len 3, padding x2, id 15 len 2 (fine here). */
  const guint8 ext[] = {0x01, 0x00, 0x00, 0xc8, 0x03, 0x0a, 0x0b, 0x0c,
                        0x00, 0x00, 0x0f, 0x02, 0x55, 0x66, 0x00, 0x00};
  guint8 buf[64];
  gsize len = build_ext(buf, 0x1003, ext, sizeof ext, 1); /* appbits 3 */
  assert_elems(buf, len, -ENOENT, 3, 1, 0, 200, 3, 15, 2);

  WtRtpHeader h;
  WtRtpExt e;
  g_assert_cmpint(wt_rtp_parse(buf, len, &h), ==, 0);
  g_assert_cmpint(wt_rtp_ext_find(buf, &h, 200, &e), ==, 0);
  g_assert_cmpuint(e.data[0], ==, 0x0a);
  g_assert_cmpuint(e.offset, ==, 16 + 5);
}

static void
test_ext_unknown_profile(void)
{
  const guint8 ext[] = {0x10, 0xaa, 0x00, 0x00};
  guint8 buf[64];
  gsize len = build_ext(buf, 0x1234, ext, sizeof ext, 0);
  WtRtpHeader h;
  WtRtpExtIter it;
  WtRtpExt e;
  g_assert_cmpint(wt_rtp_parse(buf, len, &h), ==, 0);
  g_assert_cmpint(wt_rtp_ext_iter_init(&it, buf, &h), ==, -ENOTSUP);
  g_assert_cmpint(wt_rtp_ext_iter_next(&it, &e), ==, -ENOENT);
  guint8 map[256] = {0};
  guint8 before[64];
  memcpy(before, buf, len);
  g_assert_cmpint(wt_rtp_ext_rewrite(buf, &h, map), ==, -ENOTSUP);
  g_assert_cmpmem(buf, len, before, len);
  /* No extension at all: nothing to do, success. */
  guint8 p[sizeof plain];
  memcpy(p, plain, sizeof p);
  g_assert_cmpint(wt_rtp_parse(p, sizeof p, &h), ==, 0);
  g_assert_cmpint(wt_rtp_ext_iter_init(&it, p, &h), ==, -ENOENT);
  g_assert_cmpint(wt_rtp_ext_rewrite(p, &h, map), ==, 0);
}

static void
test_ext_rewrite_one_byte(void)
{
  const guint8 ext[] = {0x10, 0xaa, 0x00, 0x32, 0x01, 0x02, 0x03, 0x51, 0xb1, 0xb2, 0x00, 0x00};
  guint8 buf[64];
  gsize len = build_ext(buf, WT_RTP_EXT_PROFILE_ONE_BYTE, ext, sizeof ext, 4);
  WtRtpHeader h;
  g_assert_cmpint(wt_rtp_parse(buf, len, &h), ==, 0);
  guint8 map[256] = {0};
  map[1] = 9; /* 1 -> 9 */
  map[3] = 0; /* 3 dropped */
  map[5] = 5; /* kept */
  g_assert_cmpint(wt_rtp_ext_rewrite(buf, &h, map), ==, 0);
  const guint8 want[] = {0x90, 0xaa, 0x00, 0x00, 0x00, 0x00, 0x00, 0x51, 0xb1, 0xb2, 0x00, 0x00};
  g_assert_cmpmem(buf + 16, sizeof want, want, sizeof want);
  /* The payload did not move, and the dropped element reads as padding. */
  WtRtpHeader h2;
  g_assert_cmpint(wt_rtp_parse(buf, len, &h2), ==, 0);
  g_assert_cmpuint(h2.payload_offset, ==, h.payload_offset);
  assert_elems(buf, len, -ENOENT, 2, 9, 1, 5, 2);

  /* An id the one-byte form cannot carry: refused, packet untouched. */
  len = build_ext(buf, WT_RTP_EXT_PROFILE_ONE_BYTE, ext, sizeof ext, 4);
  guint8 before[64];
  memcpy(before, buf, len);
  map[5] = 15;
  g_assert_cmpint(wt_rtp_ext_rewrite(buf, &h, map), ==, -ERANGE);
  map[5] = 20;
  g_assert_cmpint(wt_rtp_ext_rewrite(buf, &h, map), ==, -ERANGE);
  g_assert_cmpmem(buf, len, before, len);
}

static void
test_ext_rewrite_two_byte(void)
{
  const guint8 ext[] = {0x01, 0x00, 0x00, 0xc8, 0x03, 0x0a, 0x0b, 0x0c, 0x07, 0x01, 0x42, 0x00};
  guint8 buf[64];
  gsize len = build_ext(buf, WT_RTP_EXT_PROFILE_TWO_BYTE, ext, sizeof ext, 0);
  WtRtpHeader h;
  g_assert_cmpint(wt_rtp_parse(buf, len, &h), ==, 0);
  guint8 map[256] = {0};
  map[1] = 250;
  map[200] = 0;
  map[7] = 3;
  g_assert_cmpint(wt_rtp_ext_rewrite(buf, &h, map), ==, 0);
  const guint8 want[] = {0xfa, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x01, 0x42, 0x00};
  g_assert_cmpmem(buf + 16, sizeof want, want, sizeof want);
  assert_elems(buf, len, -ENOENT, 2, 250, 0, 3, 1);
}

static void
test_setters(void)
{
  guint8 p[sizeof plain];
  memcpy(p, plain, sizeof p);
  wt_rtp_set_ssrc(p, 0x01020304);
  wt_rtp_set_seq(p, 0xfffe);
  wt_rtp_set_ts(p, 0xa0b0c0d0);
  wt_rtp_set_marker(p, TRUE);
  wt_rtp_set_pt(p, 111);
  WtRtpHeader h;
  g_assert_cmpint(wt_rtp_parse(p, sizeof p, &h), ==, 0);
  g_assert_cmphex(h.ssrc, ==, 0x01020304);
  g_assert_cmpuint(h.seq, ==, 0xfffe);
  g_assert_cmphex(h.ts, ==, 0xa0b0c0d0);
  g_assert_true(h.marker);
  g_assert_cmpuint(h.pt, ==, 111);
  wt_rtp_set_pt(p, 96);
  g_assert_true(p[1] & 0x80); /* the marker survives a payload type change */
  wt_rtp_set_marker(p, FALSE);
  g_assert_cmpuint(p[1], ==, 96);
  g_assert_cmpmem(p + 12, 4, plain + 12, 4);
  g_assert_cmpuint(p[0], ==, plain[0]);
}

static void
test_serial_order(void)
{
  g_assert_true(wt_rtp_seq_newer(0, 65535));
  g_assert_false(wt_rtp_seq_newer(65535, 0));
  g_assert_false(wt_rtp_seq_newer(7, 7));
  g_assert_true(wt_rtp_seq_newer(100, 99));
  g_assert_true(wt_rtp_ts_newer(0, 0xffffffffu));
  g_assert_false(wt_rtp_ts_newer(0xffffffffu, 0));
  g_assert_true(wt_rtp_ts_newer(0x7fffffffu, 0));
  g_assert_false(wt_rtp_ts_newer(0x80000000u, 0));
}

static void
test_unwrap(void)
{
  WtRtpUnwrap u;
  wt_rtp_unwrap_init(&u);
  g_assert_cmpint(wt_rtp_unwrap_seq(&u, 65534), ==, 65534);
  g_assert_cmpint(wt_rtp_unwrap_seq(&u, 65535), ==, 65535);
  g_assert_cmpint(wt_rtp_unwrap_seq(&u, 0), ==, 65536);
  g_assert_cmpint(wt_rtp_unwrap_seq(&u, 65535), ==, 65535); /* late, before the wrap */
  g_assert_cmpint(wt_rtp_unwrap_seq(&u, 2), ==, 65538);
  g_assert_cmpint(wt_rtp_unwrap_seq(&u, 1), ==, 65537);
  /* A large forward jump (less than half the range) and many wraps. */
  g_assert_cmpint(wt_rtp_unwrap_seq(&u, 30000), ==, 65536 + 30000);
  gint64 last = 0;
  for (guint i = 0; i < 5 * 65536; i += 1000)
    last = wt_rtp_unwrap_seq(&u, (guint16)(30000 + i));
  g_assert_cmpint(last, ==, 65536 + 30000 + 327000);
  /* Reordered across the first wrap: negative. */
  wt_rtp_unwrap_init(&u);
  g_assert_cmpint(wt_rtp_unwrap_seq(&u, 0), ==, 0);
  g_assert_cmpint(wt_rtp_unwrap_seq(&u, 65535), ==, -1);

  wt_rtp_unwrap_init(&u);
  g_assert_cmpint(wt_rtp_unwrap_ts(&u, 0xfffffff0u), ==, 0xfffffff0);
  g_assert_cmpint(wt_rtp_unwrap_ts(&u, 0xffffffffu), ==, 0xffffffff);
  g_assert_cmpint(wt_rtp_unwrap_ts(&u, 0), ==, G_GINT64_CONSTANT(0x100000000));
  g_assert_cmpint(wt_rtp_unwrap_ts(&u, 0xfffffff8u), ==, 0xfffffff8); /* late */
  g_assert_cmpint(wt_rtp_unwrap_ts(&u, 3000), ==, G_GINT64_CONSTANT(0x100000000) + 3000);
  /* Three more wraps in steps of a quarter of the range. */
  gint64 ts = 0;
  for (guint i = 1; i <= 12; i++)
    ts = wt_rtp_unwrap_ts(&u, (guint32)(3000 + i * 0x40000000u));
  g_assert_cmpint(ts, ==, G_GINT64_CONSTANT(4) * 0x100000000 + 3000);
}

static void
test_seq_wrap_and_reorder(void)
{
  WtRtpSeq s;
  gint64 ext;
  wt_rtp_seq_init(&s, 0);
  g_assert_cmpint(wt_rtp_seq_update(&s, 65533, &ext), ==, 0);
  g_assert_cmpint(ext, ==, 65533);
  g_assert_cmpint(wt_rtp_seq_update(&s, 65535, &ext), ==, 0); /* 65534 lost for now */
  g_assert_cmpint(wt_rtp_seq_update(&s, 1, &ext), ==, 0);     /* 0 too; wrapped */
  g_assert_cmpint(ext, ==, 65537);
  g_assert_cmpint(wt_rtp_seq_update(&s, 65534, &ext), ==, 0); /* late, before the wrap */
  g_assert_cmpint(ext, ==, 65534);
  g_assert_cmpint(wt_rtp_seq_update(&s, 0, &ext), ==, 0); /* late, after it */
  g_assert_cmpint(ext, ==, 65536);
  g_assert_cmpint(wt_rtp_seq_update(&s, 1, &ext), ==, 0); /* duplicate */
  g_assert_cmpint(ext, ==, 65537);
  g_assert_cmpuint(wt_rtp_seq_ext_max(&s), ==, 65537);
  g_assert_cmpuint(wt_rtp_seq_expected(&s), ==, 5);
  g_assert_cmpuint(s.received, ==, 6);
  g_assert_cmpuint((guint32)wt_rtp_seq_ext_max(&s) >> 16, ==, 1); /* one cycle in an RR */
  /* A gap within MAX_DROPOUT is just loss. */
  g_assert_cmpint(wt_rtp_seq_update(&s, 2500, &ext), ==, 0);
  g_assert_cmpint(ext, ==, 65536 + 2500);
}

static void
test_seq_probation_and_jumps(void)
{
  WtRtpSeq s;
  gint64 ext = -99;
  wt_rtp_seq_init(&s, 2);
  g_assert_cmpint(wt_rtp_seq_update(&s, 65535, &ext), ==, -EAGAIN);
  g_assert_cmpuint(wt_rtp_seq_expected(&s), ==, 0);
  g_assert_cmpint(wt_rtp_seq_update(&s, 0, &ext), ==, 0); /* in sequence across the wrap */
  g_assert_cmpint(ext, ==, 0);
  g_assert_cmpuint(s.received, ==, 1);
  /* Probation restarts on a packet out of sequence. */
  wt_rtp_seq_init(&s, 3);
  g_assert_cmpint(wt_rtp_seq_update(&s, 10, NULL), ==, -EAGAIN);
  g_assert_cmpint(wt_rtp_seq_update(&s, 20, NULL), ==, -EAGAIN);
  g_assert_cmpint(wt_rtp_seq_update(&s, 21, NULL), ==, -EAGAIN);
  g_assert_cmpint(wt_rtp_seq_update(&s, 22, &ext), ==, 0);
  g_assert_cmpint(ext, ==, 22);

  /* A large jump counts only when the next packet follows it. */
  wt_rtp_seq_init(&s, 0);
  g_assert_cmpint(wt_rtp_seq_update(&s, 100, NULL), ==, 0);
  g_assert_cmpint(wt_rtp_seq_update(&s, 40000, NULL), ==, -ERANGE);
  g_assert_cmpint(wt_rtp_seq_update(&s, 101, &ext), ==, 0);
  g_assert_cmpint(ext, ==, 101);
  g_assert_cmpint(wt_rtp_seq_update(&s, 50000, NULL), ==, -ERANGE);
  g_assert_cmpint(wt_rtp_seq_update(&s, 50001, &ext), ==, 1); /* restarted */
  g_assert_cmpint(ext, ==, 50001);
  g_assert_cmpuint(s.restarts, ==, 1);
  g_assert_cmpuint(wt_rtp_seq_expected(&s), ==, 1);
  /* Reordering just inside MAX_MISORDER is fine; just outside is a jump. */
  g_assert_cmpint(wt_rtp_seq_update(&s, 50001 - 99, &ext), ==, 0);
  g_assert_cmpint(ext, ==, 50001 - 99);
  g_assert_cmpint(wt_rtp_seq_update(&s, 50001 - 101, NULL), ==, -ERANGE);
  /* Jumps of MAX_DROPOUT - 1 are in order; of MAX_DROPOUT are not. */
  g_assert_cmpint(wt_rtp_seq_update(&s, 50001 + 2999, &ext), ==, 0);
  g_assert_cmpint(wt_rtp_seq_update(&s, (guint16)(53000 + 3000), NULL), ==, -ERANGE);
}

static void
test_seq_report(void)
{
  WtRtpSeq s;
  gint32 lost = -1;
  wt_rtp_seq_init(&s, 0);
  g_assert_cmpuint(wt_rtp_seq_report(&s, &lost), ==, 0); /* nothing yet */
  g_assert_cmpint(lost, ==, 0);
  for (guint16 i = 1; i <= 10; i++)
    if (i != 4 && i != 7)
      g_assert_cmpint(wt_rtp_seq_update(&s, i, NULL), ==, 0);
  g_assert_cmpuint(wt_rtp_seq_report(&s, &lost), ==, (2 << 8) / 10);
  g_assert_cmpint(lost, ==, 2);
  for (guint16 i = 11; i <= 20; i++)
    wt_rtp_seq_update(&s, i, NULL);
  wt_rtp_seq_update(&s, 20, NULL); /* a duplicate outweighs no loss */
  g_assert_cmpuint(wt_rtp_seq_report(&s, &lost), ==, 0);
  g_assert_cmpint(lost, ==, 1);
  wt_rtp_seq_update(&s, 41, NULL);
  g_assert_cmpuint(wt_rtp_seq_report(&s, &lost), ==, (20 << 8) / 21);
  g_assert_cmpint(lost, ==, 21);
  /* A restart begins the counts again. */
  g_assert_cmpint(wt_rtp_seq_update(&s, 50000, NULL), ==, -ERANGE);
  g_assert_cmpint(wt_rtp_seq_update(&s, 50001, NULL), ==, 1);
  g_assert_cmpuint(s.received, ==, 1);
  g_assert_cmpuint(wt_rtp_seq_report(&s, &lost), ==, 0);
  g_assert_cmpint(lost, ==, 0);
}

static void
test_rewriter_passthrough_and_wrap(void)
{
  WtRtpRewriter rw;
  guint16 seq;
  guint32 ts;
  wt_rtp_rewriter_init(&rw, 90000);
  g_assert_cmpint(wt_rtp_rewriter_map(&rw, 1, 65534, 0xfffff000u, 0, &seq, &ts), ==, 0);
  g_assert_cmpuint(seq, ==, 65534);
  g_assert_cmphex(ts, ==, 0xfffff000u);
  g_assert_cmpint(wt_rtp_rewriter_map(&rw, 1, 65535, 0xfffff000u, 10, &seq, &ts), ==, 0);
  g_assert_cmpint(wt_rtp_rewriter_map(&rw, 1, 1, 0x00000400u, 33000, &seq, &ts), ==, 0);
  g_assert_cmpuint(seq, ==, 1);
  g_assert_cmphex(ts, ==, 0x400);
  g_assert_cmpint(wt_rtp_rewriter_map(&rw, 1, 0, 0x00000400u, 34000, &seq, &ts), ==, 0);
  g_assert_cmpuint(seq, ==, 0); /* reordered across the wrap */
  g_assert_cmpuint(rw.rebases, ==, 0);
}

static void
test_rewriter_switch(void)
{
  WtRtpRewriter rw;
  guint16 seq;
  guint32 ts;
  wt_rtp_rewriter_init(&rw, 90000);
  for (guint i = 0; i < 10; i++)
    g_assert_cmpint(wt_rtp_rewriter_map(&rw, 0xaaaa, (guint16)(65530 + i), 0xffffff00u + i * 3000,
                                        i * 33333, &seq, &ts),
                    ==, 0);
  g_assert_cmpuint(seq, ==, 3);
  guint32 last_ts = ts;
  /* Another source, far away in both numbers, 100 ms later: continues at seq 4
   * and 9000 ticks on. */
  gint64 t = 9 * 33333 + 100000;
  g_assert_cmpint(wt_rtp_rewriter_map(&rw, 0xbbbb, 20000, 123456789, t, &seq, &ts), ==, 1);
  g_assert_cmpuint(seq, ==, 4);
  g_assert_cmpuint(ts - last_ts, ==, 9000);
  g_assert_cmpint(wt_rtp_rewriter_map(&rw, 0xbbbb, 20001, 123456789, t, &seq, &ts), ==, 0);
  g_assert_cmpuint(seq, ==, 5);
  g_assert_cmpuint(ts - last_ts, ==, 9000);
  g_assert_cmpint(wt_rtp_rewriter_map(&rw, 0xbbbb, 20003, 123456789 + 3000, t, &seq, &ts), ==, 0);
  g_assert_cmpuint(seq, ==, 7);
  g_assert_cmpint(wt_rtp_rewriter_map(&rw, 0xbbbb, 20002, 123456789 + 3000, t, &seq, &ts), ==, 0);
  g_assert_cmpuint(seq, ==, 6); /* a reordered packet keeps its place */
  /* A packet from before the switch point is stale. */
  g_assert_cmpint(wt_rtp_rewriter_map(&rw, 0xbbbb, 19999, 123456789, t, &seq, &ts), ==, -ESTALE);
  /* Same SSRC, explicit switch, no time passed: the timestamp still moves on by 1. */
  wt_rtp_rewriter_switch(&rw);
  g_assert_cmpint(wt_rtp_rewriter_map(&rw, 0xbbbb, 5, 77, t, &seq, &ts), ==, 1);
  g_assert_cmpuint(seq, ==, 8);
  g_assert_cmpuint(ts - last_ts, ==, 9000 + 3000 + 1);
  g_assert_cmpuint(rw.rebases, ==, 2);
  /* The clock going backwards also moves it by 1. */
  wt_rtp_rewriter_switch(&rw);
  guint32 before = ts;
  g_assert_cmpint(wt_rtp_rewriter_map(&rw, 0xcccc, 5, 77, t - 5000, &seq, &ts), ==, 1);
  g_assert_cmpuint(ts - before, ==, 1);
  /* Hours of silence: the gap is capped below half the range. */
  g_assert_cmpint(wt_rtp_rewriter_map(&rw, 0xdddd, 9, 0,
                                      t + G_GINT64_CONSTANT(24) * 3600 * G_USEC_PER_SEC, &seq, &ts),
                  ==, 1);
  g_assert_true(wt_rtp_ts_newer(ts, before));
}

static void
test_rewriter_restart(void)
{
  WtRtpRewriter rw;
  guint16 seq;
  guint32 ts;
  wt_rtp_rewriter_init(&rw, 48000);
  g_assert_cmpint(wt_rtp_rewriter_map(&rw, 7, 1000, 960, 0, &seq, &ts), ==, 0);
  g_assert_cmpint(wt_rtp_rewriter_map(&rw, 7, 1001, 1920, 20000, &seq, &ts), ==, 0);
  /* Same SSRC jumps far ahead: a restart, rebased at once. */
  g_assert_cmpint(wt_rtp_rewriter_map(&rw, 7, 9000, 5, 40000, &seq, &ts), ==, 1);
  g_assert_cmpuint(seq, ==, 1002);
  g_assert_cmpuint(ts, ==, 1920 + 960);
  /* Far behind: refused once, accepted when the next one follows. */
  g_assert_cmpint(wt_rtp_rewriter_map(&rw, 7, 100, 50, 60000, &seq, &ts), ==, -EAGAIN);
  g_assert_cmpint(wt_rtp_rewriter_map(&rw, 7, 101, 50, 60000, &seq, &ts), ==, 1);
  g_assert_cmpuint(seq, ==, 1003);
  g_assert_cmpuint(ts, ==, 1920 + 960 + 960);
  /* Within MAX_MISORDER behind but before the rebase: stale. */
  g_assert_cmpint(wt_rtp_rewriter_map(&rw, 7, 99, 50, 60000, &seq, &ts), ==, -ESTALE);
  g_assert_cmpint(wt_rtp_rewriter_map(&rw, 7, 102, 1010, 80000, &seq, &ts), ==, 0);
  g_assert_cmpuint(seq, ==, 1004);
  g_assert_cmpuint(rw.rebases, ==, 2);
}

/* ---- Keyframes ---------------------------------------------------------------- */

static void
test_vp8(void)
{
  /* Chrome's usual descriptor: X, I with a 15-bit picture id, L, T; then a key frame tag. */
  const guint8 key[] = {0x90, 0xe0, 0x80 | 0x12, 0x34, 0x05, 0x40,
                        0x10, 0x02, 0x00,        0x9d, 0x01, 0x2a};
  WtRtpVp8 d;
  g_assert_cmpint(wt_rtp_vp8_parse(key, sizeof key, &d), ==, 0);
  g_assert_true(d.start);
  g_assert_cmpuint(d.pid, ==, 0);
  g_assert_cmpint(d.picture_id, ==, 0x1234);
  g_assert_true(d.picture_id_15);
  g_assert_cmpint(d.tl0picidx, ==, 5);
  g_assert_cmpint(d.tid, ==, 1);
  g_assert_cmpint(d.keyidx, ==, -1);
  g_assert_cmpuint(d.header_len, ==, 6);
  g_assert_cmpint(wt_rtp_vp8_is_keyframe(key, sizeof key), ==, 1);
  g_assert_cmpint(wt_rtp_is_keyframe(WT_RTP_CODEC_VP8, key, sizeof key), ==, 1);
  guint8 p[sizeof key];
  memcpy(p, key, sizeof p);
  p[6] |= 0x01; /* P = 1: inter frame */
  g_assert_cmpint(wt_rtp_vp8_is_keyframe(p, sizeof p), ==, 0);
  memcpy(p, key, sizeof p);
  p[0] &= ~0x10; /* not the start of a partition */
  g_assert_cmpint(wt_rtp_vp8_is_keyframe(p, sizeof p), ==, 0);
  memcpy(p, key, sizeof p);
  p[0] |= 0x01; /* partition 1 */
  g_assert_cmpint(wt_rtp_vp8_is_keyframe(p, sizeof p), ==, 0);
  /* Minimal descriptor (no X), 7-bit id, K alone. */
  const guint8 small[] = {0x10, 0x00};
  g_assert_cmpint(wt_rtp_vp8_is_keyframe(small, sizeof small), ==, 1);
  const guint8 kidx[] = {0x80, 0x90, 0x11, 0x3f, 0x01};
  g_assert_cmpint(wt_rtp_vp8_parse(kidx, sizeof kidx, &d), ==, 0);
  g_assert_cmpint(d.picture_id, ==, 0x11);
  g_assert_cmpint(d.keyidx, ==, 0x1f);
  g_assert_cmpint(d.tid, ==, -1);
  /* Every truncation of the descriptor is refused. */
  for (gsize len = 0; len <= 6; len++) {
    guint8 *copy = g_memdup2(key, len ? len : 1);
    g_assert_cmpint(wt_rtp_vp8_is_keyframe(copy, len), ==, -EMSGSIZE);
    g_free(copy);
  }
}

static void
test_vp9(void)
{
  /* I (15-bit), P=0, L, non-flexible, B, V with SS: 2 layers with sizes, one group. */
  const guint8 key[] = {0x80 | 0x20 | 0x08 | 0x02,
                        0x81,
                        0x02,
                        0x00,
                        0x07,
                        0x38,
                        0x01,
                        0x40,
                        0x00,
                        0xb4,
                        0x02,
                        0x80,
                        0x01,
                        0x68,
                        0x01,
                        0x04,
                        0x05,
                        0x82,
                        0x49};
  WtRtpVp9 d;
  g_assert_cmpint(wt_rtp_vp9_parse(key, sizeof key, &d), ==, 0);
  g_assert_cmpint(d.picture_id, ==, 0x102);
  g_assert_cmpint(d.sid, ==, 0);
  g_assert_cmpint(d.tid, ==, 0);
  g_assert_cmpint(d.tl0picidx, ==, 7);
  g_assert_cmpuint(d.ss_layers, ==, 2);
  g_assert_cmpuint(d.width, ==, 640);
  g_assert_cmpuint(d.height, ==, 360);
  g_assert_cmpuint(d.header_len, ==, 17);
  g_assert_cmpint(wt_rtp_vp9_is_keyframe(key, sizeof key), ==, 1);
  g_assert_cmpint(wt_rtp_is_keyframe(WT_RTP_CODEC_VP9, key, sizeof key), ==, 1);
  for (gsize len = 0; len < 17; len++) {
    guint8 *copy = g_memdup2(key, len ? len : 1);
    g_assert_cmpint(wt_rtp_vp9_parse(copy, len, &d), ==, -EMSGSIZE);
    g_free(copy);
  }
  guint8 p[sizeof key];
  memcpy(p, key, sizeof p);
  p[3] = 0x02 | 0x01; /* SID 1 with D: an upper spatial layer */
  g_assert_cmpint(wt_rtp_vp9_is_keyframe(p, sizeof p), ==, 0);
  memcpy(p, key, sizeof p);
  p[0] &= ~0x08; /* not the beginning of the frame */
  g_assert_cmpint(wt_rtp_vp9_is_keyframe(p, sizeof p), ==, 0);
  /* Flexible mode, inter picture, two P_DIFFs: never a keyframe. */
  const guint8 flex[] = {0x80 | 0x40 | 0x20 | 0x10 | 0x08, 0x05, 0x00, 0x03, 0x04, 0xaa};
  g_assert_cmpint(wt_rtp_vp9_parse(flex, sizeof flex, &d), ==, 0);
  g_assert_cmpuint(d.n_pdiff, ==, 2);
  g_assert_cmpuint(d.pdiff[0], ==, 1);
  g_assert_cmpuint(d.pdiff[1], ==, 2);
  g_assert_cmpint(d.tl0picidx, ==, -1);
  g_assert_cmpint(wt_rtp_vp9_is_keyframe(flex, sizeof flex), ==, 0);
  const guint8 four[] = {0x50, 0x03, 0x03, 0x03, 0x02};
  g_assert_cmpint(wt_rtp_vp9_parse(four, sizeof four, &d), ==, -EBADMSG);
  /* No L: base layer implied. */
  const guint8 bare[] = {0x08, 0x82};
  g_assert_cmpint(wt_rtp_vp9_is_keyframe(bare, sizeof bare), ==, 1);
}

static void
test_h264(void)
{
  const guint8 idr[] = {0x65, 0x88}, sps[] = {0x67, 0x42}, slice[] = {0x41, 0x9a};
  g_assert_cmpint(wt_rtp_h264_is_keyframe(idr, sizeof idr), ==, 1);
  g_assert_cmpint(wt_rtp_h264_is_keyframe(sps, sizeof sps), ==, 1);
  g_assert_cmpint(wt_rtp_h264_is_keyframe(slice, sizeof slice), ==, 0);
  g_assert_cmpint(wt_rtp_h264_is_keyframe(NULL, 0), ==, -EMSGSIZE);
  const guint8 forbidden[] = {0xe5, 0x00};
  g_assert_cmpint(wt_rtp_h264_is_keyframe(forbidden, sizeof forbidden), ==, -EBADMSG);
  /* STAP-A: SEI (6) then SPS then PPS. */
  const guint8 stap[] = {0x78, 0x00, 0x02, 0x06, 0x05, 0x00, 0x02, 0x67, 0x42, 0x00, 0x01, 0x68};
  g_assert_cmpint(wt_rtp_h264_is_keyframe(stap, sizeof stap), ==, 1);
  g_assert_cmpint(wt_rtp_is_keyframe(WT_RTP_CODEC_H264, stap, sizeof stap), ==, 1);
  const guint8 stap_p[] = {0x78, 0x00, 0x01, 0x68, 0x00, 0x02, 0x41, 0x00};
  g_assert_cmpint(wt_rtp_h264_is_keyframe(stap_p, sizeof stap_p), ==, 0);
  const guint8 stap_long[] = {0x78, 0x00, 0x01, 0x68, 0x00, 0x09, 0x65, 0x00};
  g_assert_cmpint(wt_rtp_h264_is_keyframe(stap_long, sizeof stap_long), ==, -EMSGSIZE);
  const guint8 stap_zero[] = {0x78, 0x00, 0x00, 0x65};
  g_assert_cmpint(wt_rtp_h264_is_keyframe(stap_zero, sizeof stap_zero), ==, -EBADMSG);
  const guint8 stap_empty[] = {0x78}, stap_half[] = {0x78, 0x00};
  g_assert_cmpint(wt_rtp_h264_is_keyframe(stap_empty, 1), ==, -EMSGSIZE);
  g_assert_cmpint(wt_rtp_h264_is_keyframe(stap_half, 2), ==, -EMSGSIZE);
  /* FU-A: start of an IDR; middle of one; start of a P slice. */
  const guint8 fu_start[] = {0x7c, 0x85, 0xb8}, fu_mid[] = {0x7c, 0x05, 0x00};
  const guint8 fu_p[] = {0x7c, 0x81, 0x9a};
  g_assert_cmpint(wt_rtp_h264_is_keyframe(fu_start, sizeof fu_start), ==, 1);
  g_assert_cmpint(wt_rtp_h264_is_keyframe(fu_mid, sizeof fu_mid), ==, 0);
  g_assert_cmpint(wt_rtp_h264_is_keyframe(fu_p, sizeof fu_p), ==, 0);
  g_assert_cmpint(wt_rtp_h264_is_keyframe(fu_start, 1), ==, -EMSGSIZE);
  const guint8 stap_b[] = {0x79, 0x00, 0x01, 0x00, 0x01, 0x65};
  g_assert_cmpint(wt_rtp_h264_is_keyframe(stap_b, sizeof stap_b), ==, 0);
}

static void
test_av1(void)
{
  const guint8 start[] = {0x18, 0x0a, 0x0b}; /* W=1, N=1; then a sequence header OBU */
  const guint8 inter[] = {0x10, 0x32, 0x00}, cont_n[] = {0x88, 0x00};
  g_assert_cmpint(wt_rtp_av1_is_keyframe(start, sizeof start), ==, 1);
  g_assert_cmpint(wt_rtp_is_keyframe(WT_RTP_CODEC_AV1, start, sizeof start), ==, 1);
  g_assert_cmpint(wt_rtp_av1_is_keyframe(inter, sizeof inter), ==, 0);
  g_assert_cmpint(wt_rtp_av1_is_keyframe(cont_n, sizeof cont_n), ==, -EBADMSG);
  g_assert_cmpint(wt_rtp_av1_is_keyframe(start, 1), ==, -EMSGSIZE);
  g_assert_cmpint(wt_rtp_is_keyframe(WT_RTP_CODEC_OTHER, start, sizeof start), ==, 0);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/rtp/demux", test_demux);
  g_test_add_func("/rtp/parse/plain", test_parse_plain);
  g_test_add_func("/rtp/parse/truncated", test_parse_truncated);
  g_test_add_func("/rtp/parse/bad-version", test_parse_bad_version);
  g_test_add_func("/rtp/parse/csrc", test_parse_csrc);
  g_test_add_func("/rtp/parse/extension-bounds", test_parse_extension_bounds);
  g_test_add_func("/rtp/parse/padding", test_parse_padding);
  g_test_add_func("/rtp/ext/one-byte", test_ext_one_byte);
  g_test_add_func("/rtp/ext/one-byte-id15", test_ext_one_byte_id15);
  g_test_add_func("/rtp/ext/overrun", test_ext_overrun);
  g_test_add_func("/rtp/ext/two-byte", test_ext_two_byte);
  g_test_add_func("/rtp/ext/unknown-profile", test_ext_unknown_profile);
  g_test_add_func("/rtp/ext/rewrite-one-byte", test_ext_rewrite_one_byte);
  g_test_add_func("/rtp/ext/rewrite-two-byte", test_ext_rewrite_two_byte);
  g_test_add_func("/rtp/setters", test_setters);
  g_test_add_func("/rtp/seq/serial-order", test_serial_order);
  g_test_add_func("/rtp/seq/unwrap", test_unwrap);
  g_test_add_func("/rtp/seq/wrap-and-reorder", test_seq_wrap_and_reorder);
  g_test_add_func("/rtp/seq/probation-and-jumps", test_seq_probation_and_jumps);
  g_test_add_func("/rtp/seq/report", test_seq_report);
  g_test_add_func("/rtp/rewriter/passthrough-and-wrap", test_rewriter_passthrough_and_wrap);
  g_test_add_func("/rtp/rewriter/switch", test_rewriter_switch);
  g_test_add_func("/rtp/rewriter/restart", test_rewriter_restart);
  g_test_add_func("/rtp/keyframe/vp8", test_vp8);
  g_test_add_func("/rtp/keyframe/vp9", test_vp9);
  g_test_add_func("/rtp/keyframe/h264", test_h264);
  g_test_add_func("/rtp/keyframe/av1", test_av1);
  return g_test_run();
}
