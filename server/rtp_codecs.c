/* rtp_codecs.c — VP8/VP9 payload descriptors and keyframe detection for VP8,
 * VP9, H.264 and AV1. Pure and bounded: every read is checked against the
 * payload length first; no allocation; any thread. See rtp_codecs.h. */
#include "rtp_codecs.h"

#include <string.h>

int
wt_rtp_is_keyframe(WtRtpCodec codec, const guint8 *payload, gsize len)
{
  switch (codec) {
  case WT_RTP_CODEC_VP8:
    return wt_rtp_vp8_is_keyframe(payload, len);
  case WT_RTP_CODEC_VP9:
    return wt_rtp_vp9_is_keyframe(payload, len);
  case WT_RTP_CODEC_H264:
    return wt_rtp_h264_is_keyframe(payload, len);
  case WT_RTP_CODEC_AV1:
    return wt_rtp_av1_is_keyframe(payload, len);
  case WT_RTP_CODEC_OTHER:
  default:
    return 0;
  }
}

/* Reads a VP8/VP9 picture id (M bit, then 7 or 15 bits) at *@pos. */
static int
read_picture_id(const guint8 *p, gsize len, gsize *pos, gint32 *id, gboolean *long_id)
{
  if (*pos >= len)
    return -EMSGSIZE;
  if (p[*pos] & 0x80) {
    if (len - *pos < 2)
      return -EMSGSIZE;
    *id = ((p[*pos] & 0x7f) << 8) | p[*pos + 1];
    *long_id = TRUE;
    *pos += 2;
  } else {
    *id = p[*pos];
    *long_id = FALSE;
    *pos += 1;
  }
  return 0;
}

/* ---- VP8 -------------------------------------------------------------------- */

/*  byte 0:  X R N S R PID(3)
 *  X:       I L T K RSV(4)
 *  I:       M PictureID(7) [PictureID(8) when M]
 *  L:       TL0PICIDX(8)
 *  T or K:  TID(2) Y KEYIDX(5) */
int
wt_rtp_vp8_parse(const guint8 *p, gsize len, WtRtpVp8 *out)
{
  memset(out, 0, sizeof *out);
  out->picture_id = -1;
  out->tl0picidx = -1;
  out->tid = -1;
  out->keyidx = -1;
  if (len < 1)
    return -EMSGSIZE;
  out->non_reference = (p[0] & 0x20) != 0;
  out->start = (p[0] & 0x10) != 0;
  out->pid = p[0] & 0x07;
  gsize pos = 1;
  if (p[0] & 0x80) {
    if (pos >= len)
      return -EMSGSIZE;
    guint8 x = p[pos++];
    if (x & 0x80) {
      int r = read_picture_id(p, len, &pos, &out->picture_id, &out->picture_id_15);
      if (r < 0)
        return r;
    }
    if (x & 0x40) {
      if (pos >= len)
        return -EMSGSIZE;
      out->tl0picidx = p[pos++];
    }
    if (x & 0x30) {
      if (pos >= len)
        return -EMSGSIZE;
      guint8 t = p[pos++];
      if (x & 0x20) {
        out->tid = (gint8)(t >> 6);
        out->layer_sync = (t & 0x20) != 0;
      }
      if (x & 0x10)
        out->keyidx = (gint8)(t & 0x1f);
    }
  }
  if (pos >= len)
    return -EMSGSIZE; /* no VP8 payload byte */
  out->header_len = pos;
  return 0;
}

int
wt_rtp_vp8_is_keyframe(const guint8 *payload, gsize len)
{
  WtRtpVp8 d;
  int r = wt_rtp_vp8_parse(payload, len, &d);
  if (r < 0)
    return r;
  if (!d.start || d.pid != 0)
    return 0;
  /* VP8 frame tag (RFC 6386 §9.1): bit 0 is P, 0 for a key frame. */
  return (payload[d.header_len] & 0x01) == 0;
}

/* ---- VP9 -------------------------------------------------------------------- */

/* Skips the scalability structure at *@pos (RFC 9628 §4.2.1):
 *   N_S(3) Y G RSV(3)
 *   Y:  (N_S + 1) x { WIDTH(16) HEIGHT(16) }
 *   G:  N_G(8), then N_G x { TID(3) U R(2) RSV(2), R x P_DIFF(8) } */
static int
vp9_parse_ss(const guint8 *p, gsize len, gsize *pos, WtRtpVp9 *out)
{
  if (*pos >= len)
    return -EMSGSIZE;
  guint8 b = p[(*pos)++];
  guint layers = (b >> 5) + 1u;
  out->ss_layers = (guint8)layers;
  if (b & 0x10) {
    if (len - *pos < (gsize)layers * 4)
      return -EMSGSIZE;
    const guint8 *last = p + *pos + (layers - 1) * 4;
    out->width = (guint16)((last[0] << 8) | last[1]);
    out->height = (guint16)((last[2] << 8) | last[3]);
    *pos += (gsize)layers * 4;
  }
  if (b & 0x08) {
    if (*pos >= len)
      return -EMSGSIZE;
    guint groups = p[(*pos)++];
    for (guint g = 0; g < groups; g++) {
      if (*pos >= len)
        return -EMSGSIZE;
      guint refs = (p[(*pos)++] >> 2) & 0x03;
      if (len - *pos < refs)
        return -EMSGSIZE;
      *pos += refs;
    }
  }
  return 0;
}

/*  byte 0:  I P L F B E V Z
 *  I:       M PictureID(7) [PictureID(8) when M]
 *  L:       TID(3) U SID(3) D, then TL0PICIDX(8) when F = 0
 *  F and P: up to 3 x { P_DIFF(7) N }
 *  V:       scalability structure */
int
wt_rtp_vp9_parse(const guint8 *p, gsize len, WtRtpVp9 *out)
{
  memset(out, 0, sizeof *out);
  out->picture_id = -1;
  out->tid = -1;
  out->sid = -1;
  out->tl0picidx = -1;
  if (len < 1)
    return -EMSGSIZE;
  guint8 b = p[0];
  out->inter_picture = (b & 0x40) != 0;
  out->flexible = (b & 0x10) != 0;
  out->begin = (b & 0x08) != 0;
  out->end = (b & 0x04) != 0;
  out->has_ss = (b & 0x02) != 0;
  out->not_ref_upper = (b & 0x01) != 0;
  gsize pos = 1;
  int r;
  if (b & 0x80) {
    gboolean long_id;
    if ((r = read_picture_id(p, len, &pos, &out->picture_id, &long_id)) < 0)
      return r;
  }
  if (b & 0x20) {
    if (pos >= len)
      return -EMSGSIZE;
    guint8 l = p[pos++];
    out->tid = (gint8)(l >> 5);
    out->switching_up = (l & 0x10) != 0;
    out->sid = (gint8)((l >> 1) & 0x07);
    out->inter_layer = (l & 0x01) != 0;
    if (!out->flexible) {
      if (pos >= len)
        return -EMSGSIZE;
      out->tl0picidx = p[pos++];
    }
  }
  if (out->flexible && out->inter_picture) {
    gboolean more = TRUE;
    while (more) {
      if (out->n_pdiff == G_N_ELEMENTS(out->pdiff))
        return -EBADMSG; /* the N bit asks for a fourth reference */
      if (pos >= len)
        return -EMSGSIZE;
      guint8 d = p[pos++];
      out->pdiff[out->n_pdiff++] = d >> 1;
      more = (d & 0x01) != 0;
    }
  }
  if (out->has_ss && (r = vp9_parse_ss(p, len, &pos, out)) < 0)
    return r;
  out->header_len = pos;
  return 0;
}

int
wt_rtp_vp9_is_keyframe(const guint8 *payload, gsize len)
{
  WtRtpVp9 d;
  int r = wt_rtp_vp9_parse(payload, len, &d);
  if (r < 0)
    return r;
  return !d.inter_picture && d.begin && d.sid <= 0;
}

/* ---- H.264 ------------------------------------------------------------------ */

enum {
  H264_NAL_IDR = 5,
  H264_NAL_SPS = 7,
  H264_STAP_A = 24,
  H264_FU_A = 28,
};

static inline gboolean
h264_key_type(guint type)
{
  return type == H264_NAL_IDR || type == H264_NAL_SPS;
}

int
wt_rtp_h264_is_keyframe(const guint8 *p, gsize len)
{
  if (len < 1)
    return -EMSGSIZE;
  if (p[0] & 0x80)
    return -EBADMSG; /* forbidden_zero_bit */
  guint type = p[0] & 0x1f;
  if (type >= 1 && type <= 23)
    return h264_key_type(type);
  if (type == H264_FU_A) {
    if (len < 2)
      return -EMSGSIZE;
    return (p[1] & 0x80) && h264_key_type(p[1] & 0x1f);
  }
  if (type == H264_STAP_A) {
    gsize pos = 1;
    if (pos >= len)
      return -EMSGSIZE; /* a STAP-A holds at least one unit */
    while (pos < len) {
      if (len - pos < 2)
        return -EMSGSIZE;
      gsize size = ((gsize)p[pos] << 8) | p[pos + 1];
      pos += 2;
      if (size == 0)
        return -EBADMSG;
      if (size > len - pos)
        return -EMSGSIZE;
      if (h264_key_type(p[pos] & 0x1f))
        return 1;
      pos += size;
    }
    return 0;
  }
  return 0; /* 0 and 30–31 undefined; STAP-B, MTAPs, FU-B unused in mode 1 */
}

/* ---- AV1 -------------------------------------------------------------------- */

/*  aggregation header:  Z Y W(2) N RSV(3) */
int
wt_rtp_av1_is_keyframe(const guint8 *p, gsize len)
{
  if (len < 2)
    return -EMSGSIZE;
  gboolean z = (p[0] & 0x80) != 0;
  gboolean n = (p[0] & 0x08) != 0;
  if (n && z)
    return -EBADMSG;
  return n;
}
