/* test_rtp_keyframe.c — the tap's keyframe gate (pipelines/rtp_keyframe.h):
 * keyframe starts of VP8, VP9 and H.264 found behind CSRCs, header
 * extensions and padding; continuations and delta frames refused; every
 * truncation of every packet read without crashing. */
#include <string.h>

#include "rtp_keyframe.h"

/* An RTP packet: header (with @csrc CSRCs and a one-word extension when @ext) + payload. */
static gsize
packet(guint8 *out, guint csrc, gboolean ext, const guint8 *payload, gsize n)
{
  gsize i = 12;
  memset(out, 0, 12);
  out[0] = 0x80 | (ext ? 0x10 : 0) | csrc;
  out[1] = 96;
  i += 4 * csrc;
  memset(out + 12, 0xab, 4 * csrc);
  if (ext) {
    const guint8 x[8] = {0xbe, 0xde, 0, 1, 0x10, 0xff, 0, 0};
    memcpy(out + i, x, sizeof x);
    i += sizeof x;
  }
  memcpy(out + i, payload, n);
  return i + n;
}

static gboolean
check(WtCodec codec, const guint8 *payload, gsize n, guint csrc, gboolean ext)
{
  guint8 buf[256];
  gsize len = packet(buf, csrc, ext, payload, n);
  gboolean key = wt_rtp_keyframe_starts(codec, buf, len);
  for (gsize cut = 0; cut < len; cut++) { /* truncated: never read past the end */
    g_autofree guint8 *copy = g_memdup2(buf, cut);
    (void)wt_rtp_keyframe_starts(codec, copy, cut);
  }
  return key;
}

static void
test_vp8(void)
{
  const guint8 key[] = {0x10, 0x50, 0x01, 0x00, 0x9d, 0x01, 0x2a};     /* S, frame tag P=0 */
  const guint8 delta[] = {0x10, 0x51, 0x01, 0x00};                     /* P=1 */
  const guint8 middle[] = {0x00, 0x50, 0x01, 0x00};                    /* not S */
  const guint8 ext_key[] = {0x90, 0xe0, 0x80, 0x01, 0x05, 0x20, 0x50}; /* X: I (15 bit), L, T */
  const guint8 ext_delta[] = {0x90, 0x80, 0x12, 0x51};                 /* X: I (7 bit) */
  g_assert_true(check(WT_CODEC_VP8, key, sizeof key, 0, FALSE));
  g_assert_true(check(WT_CODEC_VP8, key, sizeof key, 2, TRUE));
  g_assert_false(check(WT_CODEC_VP8, delta, sizeof delta, 0, FALSE));
  g_assert_false(check(WT_CODEC_VP8, middle, sizeof middle, 0, FALSE));
  g_assert_true(check(WT_CODEC_VP8, ext_key, sizeof ext_key, 0, TRUE));
  g_assert_false(check(WT_CODEC_VP8, ext_delta, sizeof ext_delta, 1, FALSE));
  /* The wrong codec's packet is not a keyframe of this one. */
  g_assert_false(check(WT_CODEC_NONE, key, sizeof key, 0, FALSE));
}

static void
test_vp9(void)
{
  const guint8 key[] = {0x0c, 0x00};   /* B, E, not P */
  const guint8 delta[] = {0x4c, 0x00}; /* P */
  const guint8 cont[] = {0x04, 0x00};  /* not B */
  g_assert_true(check(WT_CODEC_VP9, key, sizeof key, 0, FALSE));
  g_assert_false(check(WT_CODEC_VP9, delta, sizeof delta, 0, FALSE));
  g_assert_false(check(WT_CODEC_VP9, cont, sizeof cont, 0, TRUE));
}

static void
test_h264(void)
{
  const guint8 idr[] = {0x65, 0x88};
  const guint8 sps[] = {0x67, 0x42};
  const guint8 slice[] = {0x41, 0x9a};
  const guint8 stap[] = {0x18, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0xce};
  const guint8 stap_bad[] = {0x18, 0x00, 0x09, 0x67, 0x42}; /* size past the end */
  const guint8 fu_start[] = {0x7c, 0x85, 0x88};
  const guint8 fu_middle[] = {0x7c, 0x05, 0x88};
  const guint8 fu_delta[] = {0x7c, 0x81, 0x9a};
  g_assert_true(check(WT_CODEC_H264, idr, sizeof idr, 0, FALSE));
  g_assert_true(check(WT_CODEC_H264, sps, sizeof sps, 0, TRUE));
  g_assert_false(check(WT_CODEC_H264, slice, sizeof slice, 0, FALSE));
  g_assert_true(check(WT_CODEC_H264, stap, sizeof stap, 0, FALSE));
  g_assert_false(check(WT_CODEC_H264, stap_bad, sizeof stap_bad, 0, FALSE));
  g_assert_true(check(WT_CODEC_H264, fu_start, sizeof fu_start, 0, FALSE));
  g_assert_false(check(WT_CODEC_H264, fu_middle, sizeof fu_middle, 0, FALSE));
  g_assert_false(check(WT_CODEC_H264, fu_delta, sizeof fu_delta, 0, FALSE));
}

static void
test_padding_and_garbage(void)
{
  guint8 buf[64];
  const guint8 key[] = {0x10, 0x50, 0x01, 0x00, 0x9d};
  gsize len = packet(buf, 0, FALSE, key, sizeof key);
  buf[0] |= 0x20; /* padding: the last byte says how much */
  buf[len] = 0;
  buf[len + 1] = 2;
  g_assert_true(wt_rtp_keyframe_starts(WT_CODEC_VP8, buf, len + 2));
  buf[len + 1] = 200; /* more padding than packet */
  g_assert_false(wt_rtp_keyframe_starts(WT_CODEC_VP8, buf, len + 2));
  buf[0] = 0x40; /* version 1 */
  g_assert_false(wt_rtp_keyframe_starts(WT_CODEC_VP8, buf, len));
  g_assert_false(wt_rtp_keyframe_starts(WT_CODEC_VP8, buf, 0));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/rtp-keyframe/vp8", test_vp8);
  g_test_add_func("/rtp-keyframe/vp9", test_vp9);
  g_test_add_func("/rtp-keyframe/h264", test_h264);
  g_test_add_func("/rtp-keyframe/padding-and-garbage", test_padding_and_garbage);
  return g_test_run();
}
