/* test_depacketize.c — RTP payloads to frames (storage/depacketize.h): VP8
 * descriptors and key frame sizes, Opus, VP9 (scalability structure,
 * uncompressed header, spatial layers and their superframe index), H.264
 * single NAL units, STAP-A and FU-A with parameter sets kept; and every kind
 * of damage: truncated descriptors, gaps, fragments without a start,
 * aggregation lengths beyond the packet, forbidden bits, oversized frames. */
#include <string.h>

#include "depacketize.h"

/* One packet, pushed with a sequence number of its own. */
typedef struct {
  WtDepacketizer *d;
  gint64 seq;
  WtFrame frame;
} Feed;

static int
feed(Feed *f, guint32 ts, gboolean marker, const guint8 *p, gsize len)
{
  /* An exact-size heap copy, so that ASan sees any read past the end. */
  guint8 *copy = g_memdup2(p, len ? len : 1);
  int r = wt_depacketizer_push(f->d, f->seq++, ts, marker, len ? copy : NULL, len, &f->frame);
  g_free(copy);
  return r;
}

#define FEED(f, ts, marker, ...)                                                                   \
  feed((f), (ts), (marker), (const guint8[]){__VA_ARGS__}, sizeof((const guint8[]){__VA_ARGS__}))

static void
assert_frame(const Feed *f, const guint8 *want, gsize len)
{
  g_assert_cmpmem(f->frame.data, f->frame.len, want, len);
}

/* ---- VP8 -------------------------------------------------------------------- */

/* A key frame's first bytes: frame tag (P=0, show_frame), start code, 640x480. */
#define VP8_KEY 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01

static void
test_vp8_single_key(void)
{
  g_autoptr(WtDepacketizer) d = wt_depacketizer_new(WT_CODEC_VP8, 1 << 20);
  Feed f = {.d = d, .seq = 1000};
  g_assert_cmpint(FEED(&f, 90000, TRUE, 0x10, VP8_KEY, 0xaa), ==, WT_DEPACK_FRAME);
  const guint8 want[] = {VP8_KEY, 0xaa};
  assert_frame(&f, want, sizeof want);
  g_assert_true(f.frame.keyframe);
  g_assert_cmpuint(f.frame.width, ==, 640);
  g_assert_cmpuint(f.frame.height, ==, 480);
  g_assert_cmpuint(f.frame.rtp_ts, ==, 90000);
  g_assert_cmpint(f.frame.first_seq, ==, 1000);
  g_assert_cmpint(f.frame.last_seq, ==, 1000);
}

static void
test_vp8_extended_descriptor(void)
{
  g_autoptr(WtDepacketizer) d = wt_depacketizer_new(WT_CODEC_VP8, 1 << 20);
  Feed f = {.d = d, .seq = 7};
  /* X; I (15-bit id), L, T and K; then a delta frame (P=1) in three packets. */
  g_assert_cmpint(FEED(&f, 3000, FALSE, 0x90, 0xf0, 0x81, 0x23, 0x05, 0x40, 0x01, 0x11), ==, 0);
  g_assert_cmpint(FEED(&f, 3000, FALSE, 0x80, 0x80, 0x12, 0x22, 0x33), ==, 0);
  g_assert_cmpint(FEED(&f, 3000, TRUE, 0x00, 0x44), ==, WT_DEPACK_FRAME);
  const guint8 want[] = {0x01, 0x11, 0x22, 0x33, 0x44};
  assert_frame(&f, want, sizeof want);
  g_assert_false(f.frame.keyframe);
  g_assert_cmpuint(f.frame.width, ==, 0);
  g_assert_cmpint(f.frame.first_seq, ==, 7);
  g_assert_cmpint(f.frame.last_seq, ==, 9);
}

static void
test_vp8_truncated(void)
{
  g_autoptr(WtDepacketizer) d = wt_depacketizer_new(WT_CODEC_VP8, 1 << 20);
  Feed f = {.d = d, .seq = 1};
  static const guint8 bad[][4] = {
      {0x80},             /* X without its byte */
      {0x90, 0x80},       /* I without the picture id */
      {0x90, 0x80, 0x81}, /* M: a 15-bit id cut in half */
      {0x90, 0x40, 0x01}, /* L: TL0PICIDX and nothing after */
      {0x90, 0x30, 0x01}, /* T/K byte and nothing after */
      {0x10},             /* no VP8 payload byte */
  };
  static const gsize lens[] = {1, 2, 3, 3, 3, 1};
  for (guint i = 0; i < G_N_ELEMENTS(lens); i++)
    g_assert_cmpint(feed(&f, 0, TRUE, bad[i], lens[i]) & WT_DEPACK_MALFORMED, !=, 0);
  g_assert_cmpint(feed(&f, 0, TRUE, NULL, 0), ==, WT_DEPACK_MALFORMED);
  g_assert_cmpuint(wt_depacketizer_get_stats(d)->malformed, ==, G_N_ELEMENTS(lens) + 1);
  /* A bad key frame start code in a frame that started. */
  g_assert_cmpint(FEED(&f, 10, TRUE, 0x10, 0x00, 0x00, 0x00, 0x9d, 0x01, 0x2b, 1, 2, 3, 4), ==,
                  WT_DEPACK_MALFORMED | WT_DEPACK_LOST);
  g_assert_cmpint(FEED(&f, 20, TRUE, 0x10, VP8_KEY), ==, WT_DEPACK_FRAME);
}

static void
test_vp8_losses(void)
{
  g_autoptr(WtDepacketizer) d = wt_depacketizer_new(WT_CODEC_VP8, 1 << 20);
  Feed f = {.d = d, .seq = 100};
  /* Before the first start: discarded, not lost. */
  g_assert_cmpint(FEED(&f, 1, TRUE, 0x00, 0x01), ==, 0);
  g_assert_cmpint(FEED(&f, 2, TRUE, 0x10, VP8_KEY), ==, WT_DEPACK_FRAME);
  /* A gap inside a frame: it is dropped. */
  g_assert_cmpint(FEED(&f, 3, FALSE, 0x10, 0x01), ==, 0);
  f.seq++;
  g_assert_cmpint(FEED(&f, 3, TRUE, 0x00, 0x02), ==, WT_DEPACK_LOST);
  /* A gap between frames, then a whole frame: lost, and the frame. */
  f.seq += 3;
  g_assert_cmpint(FEED(&f, 4, TRUE, 0x10, 0x01), ==, WT_DEPACK_LOST | WT_DEPACK_FRAME);
  /* A frame without its marker, then the next start. */
  g_assert_cmpint(FEED(&f, 5, FALSE, 0x10, 0x01), ==, 0);
  g_assert_cmpint(FEED(&f, 6, TRUE, 0x10, 0x03), ==, WT_DEPACK_LOST | WT_DEPACK_FRAME);
  g_assert_cmpuint(f.frame.rtp_ts, ==, 6);
  /* A continuation right after a whole frame, then more of it: lost once. */
  g_assert_cmpint(FEED(&f, 7, FALSE, 0x00, 0x01), ==, WT_DEPACK_LOST);
  g_assert_cmpint(FEED(&f, 7, TRUE, 0x00, 0x01), ==, 0);
  /* A new timestamp in the middle of a frame. */
  g_assert_cmpint(FEED(&f, 8, FALSE, 0x10, 0x01), ==, 0);
  g_assert_cmpint(FEED(&f, 9, TRUE, 0x00, 0x01), ==, WT_DEPACK_LOST);
  /* Old or repeated numbers are dropped. */
  f.seq -= 2;
  g_assert_cmpint(FEED(&f, 9, TRUE, 0x10, 0x01), ==, 0);
  const WtDepacketizerStats *st = wt_depacketizer_get_stats(d);
  g_assert_cmpuint(st->lost, ==, 5);
  g_assert_cmpuint(st->frames, ==, 3);
  g_assert_cmpuint(st->discarded, ==, 6);
  /* flush drops a frame under way. */
  f.seq = 115;
  g_assert_cmpint(FEED(&f, 10, FALSE, 0x10, 0x01), ==, 0);
  g_assert_cmpint(wt_depacketizer_flush(d), ==, WT_DEPACK_LOST);
  g_assert_cmpint(wt_depacketizer_flush(d), ==, 0);
}

static void
test_vp8_oversize(void)
{
  g_autoptr(WtDepacketizer) d = wt_depacketizer_new(WT_CODEC_VP8, 4);
  Feed f = {.d = d, .seq = 1};
  g_assert_cmpint(FEED(&f, 1, FALSE, 0x10, 0x01, 0x02, 0x03), ==, 0);
  g_assert_cmpint(FEED(&f, 1, TRUE, 0x00, 0x04, 0x05), ==, WT_DEPACK_LOST);
  g_assert_cmpuint(wt_depacketizer_get_stats(d)->oversize, ==, 1);
  g_assert_cmpint(FEED(&f, 2, TRUE, 0x10, 0x01, 0x02, 0x03, 0x04), ==, WT_DEPACK_FRAME);
}

/* ---- Opus ------------------------------------------------------------------- */

static void
test_opus(void)
{
  g_autoptr(WtDepacketizer) d = wt_depacketizer_new(WT_CODEC_OPUS, 1 << 16);
  Feed f = {.d = d, .seq = 50};
  g_assert_cmpint(FEED(&f, 960, FALSE, 0x78, 0x01, 0x02), ==, WT_DEPACK_FRAME);
  g_assert_true(f.frame.keyframe);
  g_assert_cmpuint(f.frame.len, ==, 3);
  f.seq += 2;
  g_assert_cmpint(FEED(&f, 3840, TRUE, 0x78), ==, WT_DEPACK_FRAME | WT_DEPACK_LOST);
  g_assert_cmpuint(wt_depacketizer_get_stats(d)->lost, ==, 2);
  g_assert_cmpint(feed(&f, 4800, FALSE, NULL, 0), ==, WT_DEPACK_MALFORMED | WT_DEPACK_LOST);
  g_assert_false(wt_depacketizer_get_parameter_sets(d, &f.frame.data, &f.frame.len));
}

/* ---- VP9 -------------------------------------------------------------------- */

typedef struct {
  guint8 bytes[32];
  gsize bit;
} Bits;

static void
put_bits(Bits *b, guint32 v, guint n)
{
  for (guint i = n; i-- > 0; b->bit++)
    if ((v >> i) & 1)
      b->bytes[b->bit / 8] |= (guint8)(0x80 >> (b->bit % 8));
}

/* A profile 0 key frame's uncompressed header for @w x @h. */
static gsize
vp9_key_header(guint8 *out, guint w, guint h)
{
  Bits b = {{0}, 0};
  put_bits(&b, 2, 2);         /* frame_marker */
  put_bits(&b, 0, 2);         /* profile 0 */
  put_bits(&b, 0, 1);         /* show_existing_frame */
  put_bits(&b, 0, 1);         /* frame_type: key */
  put_bits(&b, 1, 1);         /* show_frame */
  put_bits(&b, 0, 1);         /* error_resilient_mode */
  put_bits(&b, 0x498342, 24); /* sync code */
  put_bits(&b, 1, 3);         /* color_space BT.601 */
  put_bits(&b, 0, 1);         /* color_range */
  put_bits(&b, w - 1, 16);
  put_bits(&b, h - 1, 16);
  gsize n = (b.bit + 7) / 8;
  memcpy(out, b.bytes, n);
  return n;
}

static void
test_vp9_key_with_ss(void)
{
  g_autoptr(WtDepacketizer) d = wt_depacketizer_new(WT_CODEC_VP9, 1 << 20);
  Feed f = {.d = d, .seq = 1};
  /* I B E V, picture id 5, SS: one layer with its size, 1280x720. */
  g_assert_cmpint(FEED(&f, 9000, TRUE, 0x8e, 0x05, 0x10, 0x05, 0x00, 0x02, 0xd0, 0xaa, 0xbb), ==,
                  WT_DEPACK_FRAME);
  const guint8 want[] = {0xaa, 0xbb};
  assert_frame(&f, want, sizeof want);
  g_assert_true(f.frame.keyframe);
  g_assert_cmpuint(f.frame.width, ==, 1280);
  g_assert_cmpuint(f.frame.height, ==, 720);
}

static void
test_vp9_key_header_and_inter(void)
{
  g_autoptr(WtDepacketizer) d = wt_depacketizer_new(WT_CODEC_VP9, 1 << 20);
  Feed f = {.d = d, .seq = 1};
  guint8 pkt[64] = {0x88, 0x05}; /* I B */
  gsize n = 2 + vp9_key_header(pkt + 2, 320, 180);
  g_assert_cmpint(feed(&f, 100, FALSE, pkt, n), ==, 0);
  g_assert_cmpint(FEED(&f, 100, TRUE, 0x84, 0x05, 0xee), ==, WT_DEPACK_FRAME); /* I E */
  g_assert_true(f.frame.keyframe);
  g_assert_cmpuint(f.frame.width, ==, 320);
  g_assert_cmpuint(f.frame.height, ==, 180);
  g_assert_cmpuint(f.frame.len, ==, n - 2 + 1);
  /* P B E: an inter frame. */
  g_assert_cmpint(FEED(&f, 200, TRUE, 0x4c, 0x11), ==, WT_DEPACK_FRAME);
  g_assert_false(f.frame.keyframe);
  /* Flexible mode with P: P_DIFFs are skipped. */
  g_assert_cmpint(FEED(&f, 300, TRUE, 0x5c, 0x03, 0x02, 0x22), ==, WT_DEPACK_FRAME);
  const guint8 want[] = {0x22};
  assert_frame(&f, want, sizeof want);
}

static void
test_vp9_spatial_layers(void)
{
  g_autoptr(WtDepacketizer) d = wt_depacketizer_new(WT_CODEC_VP9, 1 << 20);
  Feed f = {.d = d, .seq = 1};
  /* L (non-flexible): TID U SID D, TL0PICIDX. Layer 0 in two packets, layer 1 in one. */
  g_assert_cmpint(FEED(&f, 500, FALSE, 0x28, 0x00, 0x07, 0x01, 0x02), ==, 0);
  g_assert_cmpint(FEED(&f, 500, FALSE, 0x24, 0x00, 0x07, 0x03), ==, 0);
  g_assert_cmpint(FEED(&f, 500, TRUE, 0x2c, 0x03, 0x07, 0x04, 0x05), ==, WT_DEPACK_FRAME);
  /* 3 + 2 bytes, then the index: marker 0b11000001, sizes 3 and 2, marker. */
  const guint8 want[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0xc1, 0x03, 0x02, 0xc1};
  assert_frame(&f, want, sizeof want);
  g_assert_true(f.frame.keyframe);
  /* An upper layer without its base is not a start: its picture is lost. */
  g_assert_cmpint(FEED(&f, 600, TRUE, 0x2c, 0x03, 0x08, 0x04), ==, WT_DEPACK_LOST);
  g_assert_cmpint(FEED(&f, 700, TRUE, 0x6c, 0x02, 0x08, 0x04), ==, 0);
  g_assert_cmpuint(wt_depacketizer_get_stats(d)->discarded, ==, 2);
}

static void
test_vp9_truncated(void)
{
  g_autoptr(WtDepacketizer) d = wt_depacketizer_new(WT_CODEC_VP9, 1 << 20);
  Feed f = {.d = d, .seq = 1};
  static const guint8 bad[][8] = {
      {0x88},                         /* no payload */
      {0x88, 0x85},                   /* 15-bit id cut */
      {0xa8, 0x01},                   /* L without its byte (after the id) */
      {0x2c, 0x00},                   /* L without TL0PICIDX */
      {0x5c, 0x03, 0x03, 0x03, 0x01}, /* a fourth P_DIFF asked for */
      {0x0a},                         /* V without the SS */
      {0x0a, 0x30, 0x00, 0x01},       /* SS size cut */
      {0x0a, 0x08, 0x02, 0x04},       /* SS group with a reference it lacks */
  };
  static const gsize lens[] = {1, 2, 2, 2, 5, 1, 4, 4};
  for (guint i = 0; i < G_N_ELEMENTS(lens); i++)
    g_assert_cmpint(feed(&f, 0, TRUE, bad[i], lens[i]), ==, WT_DEPACK_MALFORMED);
}

/* ---- H.264 ------------------------------------------------------------------ */

#define SPS 0x67, 0x42, 0xc0, 0x1f, 0x8c
#define PPS 0x68, 0xce, 0x3c, 0x80
#define SC 0x00, 0x00, 0x00, 0x01

static void
test_h264_single_and_kept_sets(void)
{
  g_autoptr(WtDepacketizer) d = wt_depacketizer_new(WT_CODEC_H264, 1 << 20);
  Feed f = {.d = d, .seq = 1};
  const guint8 *ps;
  gsize ps_len;
  g_assert_false(wt_depacketizer_get_parameter_sets(d, &ps, &ps_len));
  g_assert_cmpint(FEED(&f, 10, FALSE, SPS), ==, 0);
  g_assert_cmpint(FEED(&f, 10, FALSE, PPS), ==, 0);
  g_assert_cmpint(FEED(&f, 10, TRUE, 0x65, 0x88, 0x01), ==, WT_DEPACK_FRAME);
  const guint8 want[] = {SC, SPS, SC, PPS, SC, 0x65, 0x88, 0x01};
  assert_frame(&f, want, sizeof want);
  g_assert_true(f.frame.keyframe);
  g_assert_true(wt_depacketizer_get_parameter_sets(d, &ps, &ps_len));
  const guint8 sets[] = {SC, SPS, SC, PPS};
  g_assert_cmpmem(ps, ps_len, sets, sizeof sets);
  /* A non-IDR slice: not a key frame, nothing added. */
  g_assert_cmpint(FEED(&f, 20, TRUE, 0x41, 0x9a, 0x02), ==, WT_DEPACK_FRAME);
  g_assert_false(f.frame.keyframe);
  g_assert_cmpuint(f.frame.len, ==, 7);
  /* An IDR alone gets the kept SPS and PPS in front (after an AUD). */
  g_assert_cmpint(FEED(&f, 30, FALSE, 0x09, 0xf0), ==, 0);
  g_assert_cmpint(FEED(&f, 30, TRUE, 0x65, 0x88, 0x03), ==, WT_DEPACK_FRAME);
  const guint8 want2[] = {SC, 0x09, 0xf0, SC, SPS, SC, PPS, SC, 0x65, 0x88, 0x03};
  assert_frame(&f, want2, sizeof want2);
}

/* SPSs from libx264: 1920x1080 High (1088 cropped), 320x180 Baseline (192
 * cropped), 640x360 High 4:4:4 (crop units of one line). */
static void
test_h264_sps_size(void)
{
  static const guint8 sps_1080[] = {0x67, 0x64, 0x00, 0x28, 0xac, 0xd9, 0x40, 0x78, 0x02,
                                    0x27, 0xe5, 0xc0, 0x44, 0x00, 0x00, 0x03, 0x00, 0x04,
                                    0x00, 0x00, 0x03, 0x00, 0x08, 0x3c, 0x60, 0xc6, 0x58};
  static const guint8 sps_180[] = {0x67, 0x42, 0xc0, 0x0b, 0xd9, 0x01, 0x41, 0x9f, 0x9f,
                                   0x01, 0x10, 0x00, 0x00, 0x03, 0x00, 0x10, 0x00, 0x00,
                                   0x03, 0x00, 0x20, 0xf1, 0x42, 0xa4, 0x80};
  static const guint8 sps_444[] = {0x67, 0xf4, 0x00, 0x16, 0x91, 0x9b, 0x28, 0x14, 0x05,
                                   0xff, 0x13, 0x80, 0x88, 0x00, 0x00, 0x03, 0x00, 0x08,
                                   0x00, 0x00, 0x03, 0x00, 0x10, 0x78, 0xb1, 0x6c, 0xb0};
  static const struct {
    const guint8 *sps;
    gsize len;
    guint16 w, h;
  } cases[] = {
      {sps_1080, sizeof sps_1080, 1920, 1080},
      {sps_180, sizeof sps_180, 320, 180},
      {sps_444, sizeof sps_444, 640, 360},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(WtDepacketizer) d = wt_depacketizer_new(WT_CODEC_H264, 1 << 20);
    Feed f = {.d = d, .seq = 1};
    g_assert_cmpint(feed(&f, 10, FALSE, cases[i].sps, cases[i].len), ==, 0);
    g_assert_cmpint(FEED(&f, 10, TRUE, 0x65, 0x88, 0x01), ==, WT_DEPACK_FRAME);
    g_assert_cmpuint(f.frame.width, ==, cases[i].w);
    g_assert_cmpuint(f.frame.height, ==, cases[i].h);
    /* Every cut of it is read without reading past its end (feed() hands over an
     * exact-size copy for ASan): a size only when the cut still holds it. */
    for (gsize cut = 1; cut < cases[i].len; cut++) {
      g_autoptr(WtDepacketizer) dc = wt_depacketizer_new(WT_CODEC_H264, 1 << 20);
      Feed fc = {.d = dc, .seq = 1};
      feed(&fc, 10, FALSE, cases[i].sps, cut);
      if (FEED(&fc, 10, TRUE, 0x65, 0x88, 0x01) != WT_DEPACK_FRAME)
        continue;
      g_assert_true(fc.frame.width == 0 || fc.frame.width == cases[i].w);
      g_assert_true(fc.frame.height == 0 || fc.frame.height == cases[i].h);
    }
  }
}

static void
test_h264_stap_a_and_fu_a(void)
{
  g_autoptr(WtDepacketizer) d = wt_depacketizer_new(WT_CODEC_H264, 1 << 20);
  Feed f = {.d = d, .seq = 65530};
  g_assert_cmpint(FEED(&f, 90, FALSE, 0x78, 0x00, 0x05, SPS, 0x00, 0x04, PPS), ==, 0);
  g_assert_cmpint(FEED(&f, 90, FALSE, 0x7c, 0x85, 0x88, 0x11), ==, 0); /* S, IDR */
  g_assert_cmpint(FEED(&f, 90, FALSE, 0x7c, 0x05, 0x22), ==, 0);
  g_assert_cmpint(FEED(&f, 90, TRUE, 0x7c, 0x45, 0x33), ==, WT_DEPACK_FRAME); /* E */
  const guint8 want[] = {SC, SPS, SC, PPS, SC, 0x65, 0x88, 0x11, 0x22, 0x33};
  assert_frame(&f, want, sizeof want);
  g_assert_true(f.frame.keyframe);
  g_assert_cmpint(f.frame.first_seq, ==, 65530);
  g_assert_cmpint(f.frame.last_seq, ==, 65533);
}

static void
test_h264_malformed(void)
{
  g_autoptr(WtDepacketizer) d = wt_depacketizer_new(WT_CODEC_H264, 1 << 20);
  Feed f = {.d = d, .seq = 1};
  static const guint8 bad[][8] = {
      {0xe5, 0x88},                   /* forbidden_zero_bit */
      {0x78},                         /* STAP-A without units */
      {0x78, 0x00, 0x09, 0x67, 0x42}, /* unit longer than the packet */
      {0x78, 0x00, 0x00, 0x00, 0x01}, /* zero-size unit */
      {0x78, 0x00, 0x01, 0x67, 0x00}, /* a size byte cut */
      {0x78, 0x00, 0x01, 0xe7},       /* unit with forbidden bit */
      {0x7c, 0xc5, 0x88},             /* FU-A with S and E */
      {0x7c, 0x85},                   /* FU-A without payload */
  };
  static const gsize lens[] = {2, 1, 5, 5, 5, 4, 3, 2};
  for (guint i = 0; i < G_N_ELEMENTS(lens); i++)
    g_assert_cmpint(feed(&f, 0, TRUE, bad[i], lens[i]), ==, WT_DEPACK_MALFORMED);
  static const guint8 types[] = {0x00, 0x19, 0x1a, 0x1b, 0x1d, 0x1e, 0x1f};
  for (guint i = 0; i < G_N_ELEMENTS(types); i++)
    g_assert_cmpint(feed(&f, 0, TRUE, &types[i], 1) & WT_DEPACK_MALFORMED, !=, 0);
  g_assert_cmpuint(wt_depacketizer_get_stats(d)->malformed, ==,
                   G_N_ELEMENTS(lens) + G_N_ELEMENTS(types));
}

static void
test_h264_losses(void)
{
  g_autoptr(WtDepacketizer) d = wt_depacketizer_new(WT_CODEC_H264, 1 << 20);
  Feed f = {.d = d, .seq = 1};
  /* A stream that starts with the middle of a fragment: discarded silently. */
  g_assert_cmpint(FEED(&f, 5, FALSE, 0x7c, 0x05, 0x22), ==, 0);
  g_assert_cmpint(FEED(&f, 5, TRUE, 0x7c, 0x45, 0x33), ==, 0);
  g_assert_cmpint(FEED(&f, 10, TRUE, 0x65, 0x88, 0x01), ==, WT_DEPACK_FRAME);
  /* FU-A without a start after a whole frame: lost. */
  g_assert_cmpint(FEED(&f, 20, FALSE, 0x7c, 0x01, 0x22), ==, WT_DEPACK_LOST);
  g_assert_cmpint(FEED(&f, 20, TRUE, 0x7c, 0x41, 0x33), ==, 0);
  /* A gap inside a fragmented unit. */
  g_assert_cmpint(FEED(&f, 30, FALSE, 0x7c, 0x81, 0x9a, 0x01), ==, 0);
  f.seq++;
  g_assert_cmpint(FEED(&f, 30, TRUE, 0x7c, 0x41, 0x33), ==, WT_DEPACK_LOST);
  /* A second slice (first_mb_in_slice != 0) cannot start an access unit. */
  g_assert_cmpint(FEED(&f, 40, TRUE, 0x41, 0x40, 0x01), ==, 0);
  g_assert_cmpint(FEED(&f, 50, FALSE, 0x41, 0x9a, 0x01), ==, 0);
  g_assert_cmpint(FEED(&f, 50, TRUE, 0x41, 0x40, 0x02), ==, WT_DEPACK_FRAME);
  const guint8 want[] = {SC, 0x41, 0x9a, 0x01, SC, 0x41, 0x40, 0x02};
  assert_frame(&f, want, sizeof want);
  /* The marker before the fragment's end. */
  g_assert_cmpint(FEED(&f, 60, TRUE, 0x7c, 0x81, 0x9a, 0x01), ==, WT_DEPACK_LOST);
  /* A new timestamp without the previous marker. */
  g_assert_cmpint(FEED(&f, 70, FALSE, 0x41, 0x9a, 0x01), ==, 0);
  g_assert_cmpint(FEED(&f, 80, TRUE, 0x41, 0x9a, 0x02), ==, WT_DEPACK_LOST | WT_DEPACK_FRAME);
  /* A STAP-A whose first unit cannot begin an access unit. */
  g_assert_cmpint(FEED(&f, 90, TRUE, 0x78, 0x00, 0x02, 0x41, 0x40), ==, WT_DEPACK_LOST);
  g_assert_cmpuint(wt_depacketizer_get_stats(d)->frames, ==, 3);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/depacketize/vp8/single-key", test_vp8_single_key);
  g_test_add_func("/depacketize/vp8/extended-descriptor", test_vp8_extended_descriptor);
  g_test_add_func("/depacketize/vp8/truncated", test_vp8_truncated);
  g_test_add_func("/depacketize/vp8/losses", test_vp8_losses);
  g_test_add_func("/depacketize/vp8/oversize", test_vp8_oversize);
  g_test_add_func("/depacketize/opus", test_opus);
  g_test_add_func("/depacketize/vp9/key-with-ss", test_vp9_key_with_ss);
  g_test_add_func("/depacketize/vp9/key-header-and-inter", test_vp9_key_header_and_inter);
  g_test_add_func("/depacketize/vp9/spatial-layers", test_vp9_spatial_layers);
  g_test_add_func("/depacketize/vp9/truncated", test_vp9_truncated);
  g_test_add_func("/depacketize/h264/single-and-kept-sets", test_h264_single_and_kept_sets);
  g_test_add_func("/depacketize/h264/sps-size", test_h264_sps_size);
  g_test_add_func("/depacketize/h264/stap-a-and-fu-a", test_h264_stap_a_and_fu_a);
  g_test_add_func("/depacketize/h264/malformed", test_h264_malformed);
  g_test_add_func("/depacketize/h264/losses", test_h264_losses);
  return g_test_run();
}
