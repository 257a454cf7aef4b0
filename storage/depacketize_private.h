/* depacketize_private.h — the state shared by depacketize.c (the common
 * frame assembly, Opus, VP8, VP9) and depacketize_h264.c. Not for other
 * files: use depacketize.h. Same thread rules as depacketize.h. */
#pragma once

#include "depacketize.h"

#define WT_VP9_MAX_LAYERS 8
#define WT_H264_MAX_PARAMETER_SET 1024

struct _WtDepacketizer {
  WtCodec codec;
  gsize max_frame;
  GByteArray *buf; /* the frame being assembled, then the frame handed out */

  gboolean have_seq;
  gint64 last_seq;
  gboolean started;    /* a start was seen: losses are reported from then on */
  gboolean in_frame;   /* buf holds the beginning of a frame */
  gboolean discarding; /* after a loss: drop packets until a start */

  guint32 frame_ts;
  gint64 first_seq;
  gboolean keyframe;
  guint16 width, height;

  /* VP9: layer frames of the picture being assembled. */
  gboolean in_layer;
  guint n_layers;
  gsize layer_begin;
  guint32 layer_size[WT_VP9_MAX_LAYERS];

  /* H.264 */
  gboolean in_fu; /* the last NAL unit is a fragment still waiting for its end */
  gboolean au_sps, au_pps;
  GByteArray *sps, *pps;         /* the last ones seen, NAL header included */
  GByteArray *ps;                /* both in Annex-B, for wt_depacketizer_get_parameter_sets() */
  guint16 sps_width, sps_height; /* the kept SPS's picture size, 0 if unreadable */

  WtDepacketizerStats stats;
};

/* Drops the frame being assembled (if any), sets WT_DEPACK_LOST in *@flags
 * once a start was seen, and discards until the next start. */
void wt_depack_lose(WtDepacketizer *d, int *flags);

/* Counts a malformed packet, sets WT_DEPACK_MALFORMED and loses the frame. */
void wt_depack_malformed(WtDepacketizer *d, int *flags);

/* Counts a packet dropped while waiting for a start; when no loss was
 * reported for it yet (a continuation right after a complete frame), this is
 * a loss. */
void wt_depack_discard(WtDepacketizer *d, int *flags);

/* Starts a new frame at @ts with the packet @seq. */
void wt_depack_begin(WtDepacketizer *d, guint32 ts, gint64 seq);

/* Appends @len bytes, or loses the frame when it would exceed the limit
 * (returns FALSE then). */
gboolean wt_depack_append(WtDepacketizer *d, const guint8 *data, gsize len, int *flags);

/* Hands out the assembled frame, which ends with packet @seq. */
void wt_depack_emit(WtDepacketizer *d, gint64 seq, WtFrame *out, int *flags);

/* The picture size that the SPS NAL unit @nal (header included, escaped)
 * says, cropping applied. FALSE when it is not an SPS or cannot be read
 * (h264_sps.c). */
gboolean wt_h264_sps_size(const guint8 *nal, gsize len, guint16 *width, guint16 *height);

/* H.264 (depacketize_h264.c). */
void wt_depack_h264(WtDepacketizer *d, gint64 seq, guint32 ts, gboolean marker, const guint8 *p,
                    gsize len, WtFrame *out, int *flags);
