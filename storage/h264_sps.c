/* h264_sps.c — the picture size from an H.264 sequence parameter set (H.264
 * §7.3.2.1.1), so that a Matroska track header can say it: the only fields
 * read are those that come before and make up the size. Bounded bit reading
 * over an unescaped copy; pure; any thread. */
#include "depacketize_private.h"

#include <string.h>

typedef struct {
  const guint8 *p;
  gsize bits; /* available */
  gsize pos;
  gboolean bad; /* read past the end, or an exp-Golomb code too long */
} BitReader;

static guint32
u(BitReader *b, guint n)
{
  guint32 v = 0;
  for (guint i = 0; i < n; i++) {
    if (b->pos >= b->bits) {
      b->bad = TRUE;
      return 0;
    }
    v = (v << 1) | ((b->p[b->pos / 8] >> (7 - b->pos % 8)) & 1);
    b->pos++;
  }
  return v;
}

/* ue(v) (§9.1), limited to 31 leading zeros. */
static guint32
ue(BitReader *b)
{
  guint zeros = 0;
  while (!b->bad && u(b, 1) == 0) {
    if (++zeros > 31) {
      b->bad = TRUE;
      return 0;
    }
  }
  if (b->bad)
    return 0;
  return (guint32)(((guint64)1 << zeros) - 1 + u(b, zeros));
}

static gint32
se(BitReader *b)
{
  guint32 k = ue(b);
  return (k & 1) ? (gint32)((k + 1) / 2) : -(gint32)(k / 2);
}

static void
skip_scaling_list(BitReader *b, guint size)
{
  gint32 last = 8, next = 8;
  for (guint j = 0; j < size && !b->bad; j++) {
    if (next != 0)
      next = (last + se(b) + 256) % 256;
    last = next == 0 ? last : next;
  }
}

static gboolean
high_profile(guint32 profile)
{
  static const guint8 profiles[] = {100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135};
  return memchr(profiles, (int)profile, sizeof profiles) != NULL; /* profile is 8 bits */
}

gboolean
wt_h264_sps_size(const guint8 *nal, gsize len, guint16 *width, guint16 *height)
{
  if (len < 2 || len > WT_H264_MAX_PARAMETER_SET || (nal[0] & 0x1f) != 7)
    return FALSE;
  /* The RBSP: drop emulation prevention bytes (00 00 03 -> 00 00). */
  guint8 rbsp[WT_H264_MAX_PARAMETER_SET];
  gsize n = 0, zeros = 0;
  for (gsize i = 1; i < len; i++) {
    if (zeros >= 2 && nal[i] == 3) {
      zeros = 0;
      continue;
    }
    zeros = nal[i] == 0 ? zeros + 1 : 0;
    rbsp[n++] = nal[i];
  }
  BitReader b = {rbsp, n * 8, 0, FALSE};
  guint32 profile = u(&b, 8);
  u(&b, 16); /* constraint flags, level_idc */
  ue(&b);    /* seq_parameter_set_id */
  guint32 chroma = 1, separate = 0;
  if (high_profile(profile)) {
    chroma = ue(&b);
    if (chroma > 3)
      return FALSE;
    if (chroma == 3)
      separate = u(&b, 1);
    ue(&b);         /* bit_depth_luma_minus8 */
    ue(&b);         /* bit_depth_chroma_minus8 */
    u(&b, 1);       /* qpprime_y_zero_transform_bypass_flag */
    if (u(&b, 1)) { /* seq_scaling_matrix_present_flag */
      for (guint i = 0; i < (chroma != 3 ? 8u : 12u); i++)
        if (u(&b, 1))
          skip_scaling_list(&b, i < 6 ? 16 : 64);
    }
  }
  ue(&b); /* log2_max_frame_num_minus4 */
  guint32 poc_type = ue(&b);
  if (poc_type == 0) {
    ue(&b); /* log2_max_pic_order_cnt_lsb_minus4 */
  } else if (poc_type == 1) {
    u(&b, 1); /* delta_pic_order_always_zero_flag */
    se(&b);   /* offset_for_non_ref_pic */
    se(&b);   /* offset_for_top_to_bottom_field */
    guint32 cycle = ue(&b);
    if (cycle > 255)
      return FALSE;
    for (guint32 i = 0; i < cycle && !b.bad; i++)
      se(&b);
  } else if (poc_type != 2) {
    return FALSE;
  }
  ue(&b);   /* max_num_ref_frames */
  u(&b, 1); /* gaps_in_frame_num_value_allowed_flag */
  guint64 w_mbs = (guint64)ue(&b) + 1;
  guint64 h_units = (guint64)ue(&b) + 1;
  guint32 frame_mbs_only = u(&b, 1);
  if (!frame_mbs_only)
    u(&b, 1);                     /* mb_adaptive_frame_field_flag */
  u(&b, 1);                       /* direct_8x8_inference_flag */
  guint64 crop[4] = {0, 0, 0, 0}; /* left, right, top, bottom */
  if (u(&b, 1))
    for (guint i = 0; i < 4; i++)
      crop[i] = ue(&b);
  if (b.bad)
    return FALSE;
  /* §7.4.2.1.1: crop units depend on the chroma format. */
  guint64 unit_x = 1, unit_y = 2 - frame_mbs_only;
  if (!separate && chroma != 0) {
    unit_x = chroma == 3 ? 1 : 2;
    unit_y *= chroma == 1 ? 2 : 1;
  }
  guint64 w = w_mbs * 16, h = h_units * 16 * (2 - frame_mbs_only);
  guint64 cx = (crop[0] + crop[1]) * unit_x, cy = (crop[2] + crop[3]) * unit_y;
  if (w > G_MAXUINT16 || h > G_MAXUINT16 || cx >= w || cy >= h)
    return FALSE;
  *width = (guint16)(w - cx);
  *height = (guint16)(h - cy);
  return TRUE;
}
