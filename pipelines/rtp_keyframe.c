/* rtp_keyframe.c — keyframe starts in RTP video payloads (see rtp_keyframe.h).
 * Bounded reads only; any thread. */
#include "rtp_keyframe.h"

/* The payload of an RTP packet, or NULL when the header does not fit. */
static const guint8 *
payload_of(const guint8 *rtp, gsize len, gsize *out_len)
{
  if (len < 12 || (rtp[0] >> 6) != 2)
    return NULL;
  gsize off = 12 + 4u * (rtp[0] & 0x0f);
  if (rtp[0] & 0x10) { /* header extension */
    if (len < off + 4)
      return NULL;
    off += 4 + 4u * ((rtp[off + 2] << 8) | rtp[off + 3]);
  }
  gsize end = len;
  if (rtp[0] & 0x20) { /* padding */
    guint8 pad = rtp[len - 1];
    if (pad == 0 || pad > len)
      return NULL;
    end -= pad;
  }
  if (off >= end)
    return NULL;
  *out_len = end - off;
  return rtp + off;
}

static gboolean
vp8_key(const guint8 *p, gsize n)
{
  gsize i = 1;
  if (n < 2 || !(p[0] & 0x10) || (p[0] & 0x0f) != 0) /* S bit, partition 0 */
    return FALSE;
  if (p[0] & 0x80) { /* X: extension bits I, L, T, K */
    guint8 x = p[1];
    i = 2;
    if (x & 0x80) { /* I: picture id, 7 or 15 bits */
      if (i >= n)
        return FALSE;
      i += (p[i] & 0x80) ? 2 : 1;
    }
    if (x & 0x40) /* L: TL0PICIDX */
      i++;
    if (x & 0x30) /* T or K: one byte */
      i++;
  }
  return i < n && (p[i] & 0x01) == 0; /* the VP8 frame tag's P bit: 0 is a keyframe */
}

static gboolean
vp9_key(const guint8 *p, gsize n)
{
  /* I P L F B E V Z: a frame's first packet (B) that is not inter-predicted (P). */
  return n >= 1 && (p[0] & 0x08) && !(p[0] & 0x40);
}

static gboolean
h264_key_nal(guint8 type)
{
  return type == 5 || type == 7; /* IDR slice or SPS (browsers send SPS, PPS, IDR) */
}

static gboolean
h264_key(const guint8 *p, gsize n)
{
  if (n < 1)
    return FALSE;
  guint8 type = p[0] & 0x1f;
  if (type >= 1 && type <= 23)
    return h264_key_nal(type);
  if (type == 24) { /* STAP-A: 16-bit sizes and NAL units */
    gsize i = 1;
    while (i + 2 < n) {
      gsize size = ((gsize)p[i] << 8) | p[i + 1];
      if (size == 0 || i + 2 + size > n)
        return FALSE;
      if (h264_key_nal(p[i + 2] & 0x1f))
        return TRUE;
      i += 2 + size;
    }
    return FALSE;
  }
  if (type == 28) /* FU-A: start bit and the fragmented unit's type */
    return n >= 2 && (p[1] & 0x80) && h264_key_nal(p[1] & 0x1f);
  return FALSE;
}

gboolean
wt_rtp_keyframe_starts(WtCodec codec, const guint8 *rtp, gsize len)
{
  gsize n = 0;
  const guint8 *p = payload_of(rtp, len, &n);
  if (!p)
    return FALSE;
  switch (codec) {
  case WT_CODEC_VP8:
    return vp8_key(p, n);
  case WT_CODEC_VP9:
    return vp9_key(p, n);
  case WT_CODEC_H264:
    return h264_key(p, n);
  default:
    return FALSE;
  }
}
