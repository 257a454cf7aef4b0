/* depacketize_h264.c — H.264 access units from RFC 6184 packetization-mode 1
 * payloads (single NAL unit, STAP-A, FU-A), written out in Annex-B with a
 * 4-byte start code before every NAL unit. Keeps the last SPS and PPS, puts
 * them in front of an IDR access unit that lacks them, and gives key frames
 * the SPS's picture size. Bounded like the rest
 * of depacketize.c; one thread per depacketizer. */
#include "depacketize_private.h"

#include <string.h>

enum {
  NAL_SLICE = 1,
  NAL_PARTITION_A = 2,
  NAL_IDR = 5,
  NAL_SEI = 6,
  NAL_SPS = 7,
  NAL_PPS = 8,
  NAL_AUD = 9,
  STAP_A = 24,
  FU_A = 28,
};

static const guint8 start_code[4] = {0, 0, 0, 1};

/* Whether a NAL unit of @type, whose first byte after the header is @next
 * (when @has_next), begins an access unit (H.264 §7.4.1.2.3): SEI, SPS, PPS
 * and AUD come before the first slice; a slice begins a picture when its
 * first_mb_in_slice (ue(v), first in the slice header) is 0, i.e. its first
 * bit is 1. */
static gboolean
begins_access_unit(guint type, gboolean has_next, guint8 next)
{
  switch (type) {
  case NAL_SEI:
  case NAL_SPS:
  case NAL_PPS:
  case NAL_AUD:
    return TRUE;
  case NAL_SLICE:
  case NAL_PARTITION_A:
  case NAL_IDR:
    return has_next && (next & 0x80);
  default:
    return FALSE;
  }
}

static void
rebuild_parameter_sets(WtDepacketizer *d)
{
  g_byte_array_set_size(d->ps, 0);
  if (d->sps->len == 0 || d->pps->len == 0)
    return;
  g_byte_array_append(d->ps, start_code, 4);
  g_byte_array_append(d->ps, d->sps->data, d->sps->len);
  g_byte_array_append(d->ps, start_code, 4);
  g_byte_array_append(d->ps, d->pps->data, d->pps->len);
}

static void
keep_parameter_set(WtDepacketizer *d, GByteArray *to, const guint8 *nal, gsize len)
{
  if (len > WT_H264_MAX_PARAMETER_SET)
    return;
  if (to->len == len && memcmp(to->data, nal, len) == 0)
    return;
  g_byte_array_set_size(to, 0);
  g_byte_array_append(to, nal, (guint)len);
  rebuild_parameter_sets(d);
  if (to == d->sps && !wt_h264_sps_size(nal, len, &d->sps_width, &d->sps_height))
    d->sps_width = d->sps_height = 0;
}

/* Opens a NAL unit of @type whose header byte is @header: decides whether it
 * begins or continues the access unit at @ts, then writes a start code and
 * the header. FALSE when the packet is to be dropped (flags say why). */
static gboolean
open_nal(WtDepacketizer *d, gint64 seq, guint32 ts, guint8 header, gboolean has_next, guint8 next,
         int *flags)
{
  guint type = header & 0x1f;
  gboolean begins = begins_access_unit(type, has_next, next);
  if (d->in_frame && ts != d->frame_ts)
    wt_depack_lose(d, flags); /* the previous access unit never got its marker */
  if (!d->in_frame) {
    if (!begins) {
      wt_depack_discard(d, flags);
      return FALSE;
    }
    wt_depack_begin(d, ts, seq);
  }
  if (type == NAL_IDR)
    d->keyframe = TRUE;
  d->au_sps |= type == NAL_SPS;
  d->au_pps |= type == NAL_PPS;
  return wt_depack_append(d, start_code, 4, flags) && wt_depack_append(d, &header, 1, flags);
}

/* A whole NAL unit (single packet, or one unit of a STAP-A). */
static gboolean
whole_nal(WtDepacketizer *d, gint64 seq, guint32 ts, const guint8 *nal, gsize len, int *flags)
{
  if (!open_nal(d, seq, ts, nal[0], len > 1, len > 1 ? nal[1] : 0, flags))
    return FALSE;
  guint type = nal[0] & 0x1f;
  if (type == NAL_SPS)
    keep_parameter_set(d, d->sps, nal, len);
  else if (type == NAL_PPS)
    keep_parameter_set(d, d->pps, nal, len);
  return wt_depack_append(d, nal + 1, len - 1, flags);
}

/* STAP-A (RFC 6184 §5.7.1): { size(16), NAL unit } repeated to the end. The
 * whole packet is checked before any of it is used. */
static gboolean
stap_a_valid(const guint8 *p, gsize len)
{
  gsize pos = 1;
  if (pos >= len)
    return FALSE;
  while (pos < len) {
    if (len - pos < 2)
      return FALSE;
    gsize size = ((gsize)p[pos] << 8) | p[pos + 1];
    pos += 2;
    if (size == 0 || size > len - pos || (p[pos] & 0x80))
      return FALSE;
    pos += size;
  }
  return TRUE;
}

static void
stap_a(WtDepacketizer *d, gint64 seq, guint32 ts, const guint8 *p, gsize len, int *flags)
{
  for (gsize pos = 1; pos < len;) {
    gsize size = ((gsize)p[pos] << 8) | p[pos + 1];
    pos += 2;
    if (!whole_nal(d, seq, ts, p + pos, size, flags))
      return;
    pos += size;
  }
}

/* FU-A (RFC 6184 §5.8): indicator (F NRI 28), header (S E R type), then a
 * piece of the NAL unit without its header. */
static void
fu_a(WtDepacketizer *d, gint64 seq, guint32 ts, const guint8 *p, gsize len, int *flags)
{
  if (len < 3 || ((p[1] & 0x80) && (p[1] & 0x40)) || (p[1] & 0x20)) {
    wt_depack_malformed(d, flags); /* too short, S and E together, or R set */
    return;
  }
  gboolean s = (p[1] & 0x80) != 0, e = (p[1] & 0x40) != 0;
  if (s) {
    if (d->in_fu)
      wt_depack_lose(d, flags); /* the previous fragmented unit never ended */
    guint8 header = (guint8)((p[0] & 0xe0) | (p[1] & 0x1f));
    if (!open_nal(d, seq, ts, header, TRUE, p[2], flags))
      return;
    d->in_fu = TRUE;
  } else if (!d->in_fu || !d->in_frame) {
    wt_depack_discard(d, flags);
    return;
  } else if (ts != d->frame_ts) {
    wt_depack_lose(d, flags);
    d->stats.discarded++;
    return;
  }
  if (!wt_depack_append(d, p + 2, len - 2, flags))
    return;
  if (e)
    d->in_fu = FALSE;
}

/* Puts the kept SPS and PPS in front of an IDR access unit that lacks them
 * (after a leading access unit delimiter, which must stay first). */
static gboolean
add_parameter_sets(WtDepacketizer *d, int *flags)
{
  if (!d->keyframe || (d->au_sps && d->au_pps) || d->ps->len == 0)
    return TRUE;
  if (d->ps->len > d->max_frame - d->buf->len) {
    d->stats.oversize++;
    wt_depack_lose(d, flags);
    return FALSE;
  }
  gsize at = 0;
  if (d->buf->len >= 6 && (d->buf->data[4] & 0x1f) == NAL_AUD)
    at = 6; /* start code, header, primary_pic_type */
  gsize tail = d->buf->len - at;
  g_byte_array_set_size(d->buf, d->buf->len + d->ps->len);
  memmove(d->buf->data + at + d->ps->len, d->buf->data + at, tail);
  memcpy(d->buf->data + at, d->ps->data, d->ps->len);
  return TRUE;
}

void
wt_depack_h264(WtDepacketizer *d, gint64 seq, guint32 ts, gboolean marker, const guint8 *p,
               gsize len, WtFrame *out, int *flags)
{
  if (len < 1 || (p[0] & 0x80)) {
    wt_depack_malformed(d, flags); /* empty, or forbidden_zero_bit set */
    return;
  }
  guint type = p[0] & 0x1f;
  if (type >= 1 && type <= 23) {
    if (d->in_fu) /* a whole unit where the rest of a fragment was due */
      wt_depack_lose(d, flags);
    if (!whole_nal(d, seq, ts, p, len, flags))
      return;
  } else if (type == STAP_A) {
    if (!stap_a_valid(p, len)) {
      wt_depack_malformed(d, flags);
      return;
    }
    if (d->in_fu)
      wt_depack_lose(d, flags);
    stap_a(d, seq, ts, p, len, flags);
    if (!d->in_frame)
      return;
  } else if (type == FU_A) {
    fu_a(d, seq, ts, p, len, flags);
    if (!d->in_frame)
      return;
  } else {
    wt_depack_malformed(d, flags); /* 0, 30, 31, or STAP-B, MTAP, FU-B: not mode 1 */
    return;
  }
  if (!marker || !d->in_frame)
    return;
  if (d->in_fu) {
    wt_depack_lose(d, flags); /* the marker came before the fragment's end */
    return;
  }
  if (!add_parameter_sets(d, flags))
    return;
  if (d->keyframe) {
    d->width = d->sps_width;
    d->height = d->sps_height;
  }
  wt_depack_emit(d, seq, out, flags);
}
