/* depacketize.c — frame assembly common to every codec, and the Opus, VP8
 * and VP9 depacketizers (H.264 is in depacketize_h264.c). Bounded: every
 * read is checked against the payload length first. One thread per
 * depacketizer (a storage thread); no I/O. See depacketize.h. */
#include "depacketize_private.h"

#include <string.h>

WtDepacketizer *
wt_depacketizer_new(WtCodec codec, gsize max_frame)
{
  g_return_val_if_fail(codec != WT_CODEC_NONE && max_frame > 0, NULL);
  WtDepacketizer *d = g_new0(WtDepacketizer, 1);
  d->codec = codec;
  d->max_frame = max_frame;
  d->buf = g_byte_array_new();
  d->discarding = TRUE; /* until the first start */
  if (codec == WT_CODEC_H264) {
    d->sps = g_byte_array_new();
    d->pps = g_byte_array_new();
    d->ps = g_byte_array_new();
  }
  return d;
}

void
wt_depacketizer_free(WtDepacketizer *d)
{
  if (!d)
    return;
  g_byte_array_unref(d->buf);
  if (d->sps) {
    g_byte_array_unref(d->sps);
    g_byte_array_unref(d->pps);
    g_byte_array_unref(d->ps);
  }
  g_free(d);
}

const WtDepacketizerStats *
wt_depacketizer_get_stats(const WtDepacketizer *d)
{
  return &d->stats;
}

gboolean
wt_depacketizer_get_parameter_sets(const WtDepacketizer *d, const guint8 **data, gsize *len)
{
  if (d->codec != WT_CODEC_H264 || d->ps->len == 0)
    return FALSE;
  *data = d->ps->data;
  *len = d->ps->len;
  return TRUE;
}

/* ---- Frame assembly ---------------------------------------------------------- */

void
wt_depack_lose(WtDepacketizer *d, int *flags)
{
  if (d->started) {
    *flags |= WT_DEPACK_LOST;
    d->stats.lost++;
  }
  d->in_frame = FALSE;
  d->in_layer = FALSE;
  d->in_fu = FALSE;
  d->discarding = TRUE;
}

void
wt_depack_malformed(WtDepacketizer *d, int *flags)
{
  d->stats.malformed++;
  *flags |= WT_DEPACK_MALFORMED;
  wt_depack_lose(d, flags);
}

void
wt_depack_discard(WtDepacketizer *d, int *flags)
{
  d->stats.discarded++;
  if (!d->discarding)
    wt_depack_lose(d, flags);
}

void
wt_depack_begin(WtDepacketizer *d, guint32 ts, gint64 seq)
{
  g_byte_array_set_size(d->buf, 0);
  d->started = TRUE;
  d->in_frame = TRUE;
  d->discarding = FALSE;
  d->frame_ts = ts;
  d->first_seq = seq;
  d->keyframe = FALSE;
  d->width = d->height = 0;
  d->in_layer = FALSE;
  d->n_layers = 0;
  d->in_fu = FALSE;
  d->au_sps = d->au_pps = FALSE;
}

gboolean
wt_depack_append(WtDepacketizer *d, const guint8 *data, gsize len, int *flags)
{
  if (len > d->max_frame - d->buf->len) {
    d->stats.oversize++;
    wt_depack_lose(d, flags);
    return FALSE;
  }
  g_byte_array_append(d->buf, data, (guint)len);
  return TRUE;
}

void
wt_depack_emit(WtDepacketizer *d, gint64 seq, WtFrame *out, int *flags)
{
  *out = (WtFrame){
      .data = d->buf->data,
      .len = d->buf->len,
      .rtp_ts = d->frame_ts,
      .first_seq = d->first_seq,
      .last_seq = seq,
      .keyframe = d->keyframe,
      .width = d->width,
      .height = d->height,
  };
  d->in_frame = FALSE;
  d->stats.frames++;
  *flags |= WT_DEPACK_FRAME;
}

int
wt_depacketizer_flush(WtDepacketizer *d)
{
  int flags = 0;
  if (d->in_frame)
    wt_depack_lose(d, &flags);
  d->discarding = TRUE;
  return flags;
}

/* ---- Opus (RFC 7587): one packet, one frame ---------------------------------- */

static void
push_opus(WtDepacketizer *d, gint64 seq, guint32 ts, const guint8 *p, gsize len, WtFrame *out,
          int *flags)
{
  if (len == 0) { /* RFC 6716 §3.1: a packet holds at least its TOC byte */
    wt_depack_malformed(d, flags);
    return;
  }
  wt_depack_begin(d, ts, seq);
  d->keyframe = TRUE;
  if (wt_depack_append(d, p, len, flags))
    wt_depack_emit(d, seq, out, flags);
}

/* ---- VP8 (RFC 7741 §4.2) ------------------------------------------------------ */

/* Reads a picture id (M bit, then 7 or 15 bits) at *@pos: FALSE if it does
 * not fit. Used by VP8 and VP9. */
static gboolean
skip_picture_id(const guint8 *p, gsize len, gsize *pos)
{
  if (*pos >= len)
    return FALSE;
  gsize n = (p[*pos] & 0x80) ? 2 : 1;
  if (len - *pos < n)
    return FALSE;
  *pos += n;
  return TRUE;
}

/*  byte 0:  X R N S R PID(3)
 *  X:       I L T K RSV(4)
 *  I:       M PictureID(7) [PictureID(8) when M]
 *  L:       TL0PICIDX(8)
 *  T or K:  TID(2) Y KEYIDX(5)
 * Returns the descriptor's length, or 0 when it does not fit or leaves no
 * payload byte. */
static gsize
vp8_descriptor(const guint8 *p, gsize len)
{
  if (len < 1)
    return 0;
  gsize pos = 1;
  if (p[0] & 0x80) {
    if (pos >= len)
      return 0;
    guint8 x = p[pos++];
    if ((x & 0x80) && !skip_picture_id(p, len, &pos))
      return 0;
    if (x & 0x40)
      pos++;
    if (x & 0x30)
      pos++;
  }
  return pos < len ? pos : 0;
}

/* A key frame's header (RFC 6386 §9.1): 3-byte frame tag, start code
 * 9d 01 2a, then 14-bit width and height (little-endian, 2 scaling bits on
 * top). Returns FALSE when the start code is wrong. */
static gboolean
vp8_key_header(WtDepacketizer *d, const guint8 *v, gsize n)
{
  if (n < 10)
    return TRUE; /* split before the size: keep it unknown */
  if (v[3] != 0x9d || v[4] != 0x01 || v[5] != 0x2a)
    return FALSE;
  d->width = (guint16)((v[6] | (v[7] << 8)) & 0x3fff);
  d->height = (guint16)((v[8] | (v[9] << 8)) & 0x3fff);
  return TRUE;
}

static void
push_vp8(WtDepacketizer *d, gint64 seq, guint32 ts, gboolean marker, const guint8 *p, gsize len,
         WtFrame *out, int *flags)
{
  gsize hl = vp8_descriptor(p, len);
  if (hl == 0) {
    wt_depack_malformed(d, flags);
    return;
  }
  const guint8 *v = p + hl;
  gsize n = len - hl;
  gboolean start = (p[0] & 0x10) && (p[0] & 0x07) == 0;
  if (start) {
    if (d->in_frame)
      wt_depack_lose(d, flags); /* the previous frame never got its marker */
    gboolean key = (v[0] & 0x01) == 0;
    wt_depack_begin(d, ts, seq);
    d->keyframe = key;
    if (key && !vp8_key_header(d, v, n)) {
      wt_depack_malformed(d, flags);
      return;
    }
  } else if (!d->in_frame) {
    wt_depack_discard(d, flags);
    return;
  } else if (ts != d->frame_ts) {
    wt_depack_lose(d, flags);
    d->stats.discarded++;
    return;
  }
  if (wt_depack_append(d, v, n, flags) && marker)
    wt_depack_emit(d, seq, out, flags);
}

/* ---- VP9 (RFC 9628 §4.2) ------------------------------------------------------ */

typedef struct {
  gboolean inter, begin, end;
  gint sid; /* -1 without L */
  guint16 width, height;
  gsize header_len;
} Vp9Desc;

/* The scalability structure (RFC 9628 §4.2.1):
 *   N_S(3) Y G RSV(3)
 *   Y:  (N_S + 1) x { WIDTH(16) HEIGHT(16) }
 *   G:  N_G(8), then N_G x { TID(3) U R(2) RSV(2), R x P_DIFF(8) } */
static gboolean
vp9_ss(const guint8 *p, gsize len, gsize *pos, Vp9Desc *out)
{
  if (*pos >= len)
    return FALSE;
  guint8 b = p[(*pos)++];
  gsize layers = (b >> 5) + 1u;
  if (b & 0x10) {
    if (len - *pos < layers * 4)
      return FALSE;
    const guint8 *last = p + *pos + (layers - 1) * 4;
    out->width = (guint16)((last[0] << 8) | last[1]);
    out->height = (guint16)((last[2] << 8) | last[3]);
    *pos += layers * 4;
  }
  if (b & 0x08) {
    if (*pos >= len)
      return FALSE;
    guint groups = p[(*pos)++];
    for (guint g = 0; g < groups; g++) {
      if (*pos >= len)
        return FALSE;
      gsize refs = (p[(*pos)++] >> 2) & 0x03;
      if (len - *pos < refs)
        return FALSE;
      *pos += refs;
    }
  }
  return TRUE;
}

/*  byte 0:  I P L F B E V Z
 *  I:       M PictureID(7) [PictureID(8) when M]
 *  L:       TID(3) U SID(3) D, then TL0PICIDX(8) when F = 0
 *  F and P: up to 3 x { P_DIFF(7) N }
 *  V:       scalability structure
 * FALSE when any of it runs past the end, leaves no payload byte, or asks for
 * a fourth P_DIFF. */
static gboolean
vp9_descriptor(const guint8 *p, gsize len, Vp9Desc *out)
{
  memset(out, 0, sizeof *out);
  out->sid = -1;
  if (len < 1)
    return FALSE;
  guint8 b = p[0];
  gboolean flexible = (b & 0x10) != 0;
  out->inter = (b & 0x40) != 0;
  out->begin = (b & 0x08) != 0;
  out->end = (b & 0x04) != 0;
  gsize pos = 1;
  if ((b & 0x80) && !skip_picture_id(p, len, &pos))
    return FALSE;
  if (b & 0x20) {
    if (pos >= len)
      return FALSE;
    out->sid = (p[pos++] >> 1) & 0x07;
    if (!flexible)
      pos++; /* TL0PICIDX */
  }
  if (flexible && out->inter) {
    for (guint i = 0;; i++) {
      if (i == 3 || pos >= len)
        return FALSE;
      if (!(p[pos++] & 0x01))
        break;
    }
  }
  if ((b & 0x02) && !vp9_ss(p, len, &pos, out))
    return FALSE;
  out->header_len = pos;
  return pos < len;
}

/* Reads @n bits (n <= 24) big-endian from @p at bit *@bit; FALSE past @len. */
static gboolean
read_bits(const guint8 *p, gsize len, gsize *bit, guint n, guint32 *v)
{
  if (*bit + n > len * 8)
    return FALSE;
  *v = 0;
  for (guint i = 0; i < n; i++, (*bit)++)
    *v = (*v << 1) | ((p[*bit / 8] >> (7 - *bit % 8)) & 1);
  return TRUE;
}

/* The frame size in a key frame's uncompressed header (VP9 bitstream spec
 * §6.2): frame_marker, profile, show_existing_frame, frame_type,
 * show_frame, error_resilient_mode, sync code, color_config, frame_size.
 * Leaves the size unknown when the header does not say it. */
static void
vp9_key_size(WtDepacketizer *d, const guint8 *p, gsize len)
{
  gsize bit = 0;
  guint32 marker, lo, hi, v, cs;
  if (!read_bits(p, len, &bit, 2, &marker) || marker != 2 || !read_bits(p, len, &bit, 1, &lo) ||
      !read_bits(p, len, &bit, 1, &hi))
    return;
  guint profile = (hi << 1) | lo;
  if (profile == 3 && !read_bits(p, len, &bit, 1, &v))
    return;
  if (!read_bits(p, len, &bit, 1, &v) || v) /* show_existing_frame */
    return;
  if (!read_bits(p, len, &bit, 1, &v) || v) /* frame_type: 0 is a key frame */
    return;
  if (!read_bits(p, len, &bit, 2, &v) || !read_bits(p, len, &bit, 24, &v) || v != 0x498342)
    return;
  if (profile >= 2 && !read_bits(p, len, &bit, 1, &v)) /* ten_or_twelve_bit */
    return;
  if (!read_bits(p, len, &bit, 3, &cs))
    return;
  guint extra = 0;
  if (cs != 7) /* not CS_RGB: color_range, then subsampling and a reserved bit */
    extra = (profile == 1 || profile == 3) ? 4 : 1;
  else if (profile == 1 || profile == 3)
    extra = 1;
  guint32 w, h;
  if (!read_bits(p, len, &bit, extra, &v) || !read_bits(p, len, &bit, 16, &w) ||
      !read_bits(p, len, &bit, 16, &h))
    return;
  d->width = (guint16)(w + 1);
  d->height = (guint16)(h + 1);
}

/* Appends a superframe index (VP9 bitstream spec, Annex B) over the layer
 * frames: marker, sizes in the fewest little-endian bytes, marker. */
static gboolean
vp9_superframe_index(WtDepacketizer *d, int *flags)
{
  guint32 largest = 0;
  for (guint i = 0; i < d->n_layers; i++)
    largest = MAX(largest, d->layer_size[i]);
  guint mag = largest <= 0xff ? 1 : largest <= 0xffff ? 2 : largest <= 0xffffff ? 3 : 4;
  guint8 index[2 + 4 * WT_VP9_MAX_LAYERS];
  gsize n = 0;
  guint8 marker = (guint8)(0xc0 | ((mag - 1) << 3) | (d->n_layers - 1));
  index[n++] = marker;
  for (guint i = 0; i < d->n_layers; i++)
    for (guint b = 0; b < mag; b++)
      index[n++] = (guint8)(d->layer_size[i] >> (8 * b));
  index[n++] = marker;
  return wt_depack_append(d, index, n, flags);
}

static void
vp9_end_picture(WtDepacketizer *d, gint64 seq, WtFrame *out, int *flags)
{
  if (d->in_layer) { /* the marker closes the layer frame even without E */
    d->layer_size[d->n_layers++] = (guint32)(d->buf->len - d->layer_begin);
    d->in_layer = FALSE;
  }
  if (d->n_layers == 0) {
    wt_depack_lose(d, flags);
    return;
  }
  if (d->keyframe && d->width == 0)
    vp9_key_size(d, d->buf->data, d->layer_size[0]);
  if (d->n_layers > 1 && !vp9_superframe_index(d, flags))
    return;
  wt_depack_emit(d, seq, out, flags);
}

static void
push_vp9(WtDepacketizer *d, gint64 seq, guint32 ts, gboolean marker, const guint8 *p, gsize len,
         WtFrame *out, int *flags)
{
  Vp9Desc v;
  if (!vp9_descriptor(p, len, &v)) {
    wt_depack_malformed(d, flags);
    return;
  }
  gboolean picture_start = v.begin && v.sid <= 0;
  if (picture_start) {
    if (d->in_frame)
      wt_depack_lose(d, flags); /* the previous picture never got its marker */
    wt_depack_begin(d, ts, seq);
    d->keyframe = !v.inter;
    d->width = v.width;
    d->height = v.height;
  } else if (!d->in_frame) {
    wt_depack_discard(d, flags);
    return;
  } else if (ts != d->frame_ts || (v.begin && d->in_layer) || (!v.begin && !d->in_layer)) {
    wt_depack_lose(d, flags); /* a layer frame lost its end or its beginning */
    d->stats.discarded++;
    return;
  }
  if (v.begin) {
    if (d->n_layers == WT_VP9_MAX_LAYERS) {
      wt_depack_malformed(d, flags);
      return;
    }
    d->in_layer = TRUE;
    d->layer_begin = d->buf->len;
  }
  if (!wt_depack_append(d, p + v.header_len, len - v.header_len, flags))
    return;
  if (v.end) {
    d->layer_size[d->n_layers++] = (guint32)(d->buf->len - d->layer_begin);
    d->in_layer = FALSE;
  }
  if (marker)
    vp9_end_picture(d, seq, out, flags);
}

/* ---- Dispatch ------------------------------------------------------------------ */

int
wt_depacketizer_push(WtDepacketizer *d, gint64 seq, guint32 ts, gboolean marker,
                     const guint8 *payload, gsize len, WtFrame *out)
{
  int flags = 0;
  d->stats.packets++;
  if (d->have_seq && seq <= d->last_seq) {
    d->stats.discarded++;
    return 0;
  }
  if (d->have_seq && seq != d->last_seq + 1) {
    if (d->codec == WT_CODEC_OPUS) {
      if (d->started) {
        flags |= WT_DEPACK_LOST;
        d->stats.lost += (guint64)(seq - d->last_seq - 1);
      }
    } else {
      wt_depack_lose(d, &flags);
    }
  }
  d->have_seq = TRUE;
  d->last_seq = seq;

  switch (d->codec) {
  case WT_CODEC_OPUS:
    push_opus(d, seq, ts, payload, len, out, &flags);
    break;
  case WT_CODEC_VP8:
    push_vp8(d, seq, ts, marker, payload, len, out, &flags);
    break;
  case WT_CODEC_VP9:
    push_vp9(d, seq, ts, marker, payload, len, out, &flags);
    break;
  case WT_CODEC_H264:
    wt_depack_h264(d, seq, ts, marker, payload, len, out, &flags);
    break;
  case WT_CODEC_NONE:
  default:
    g_assert_not_reached();
  }
  return flags;
}
