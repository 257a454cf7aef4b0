/* depacketize.h — from RTP payloads, in sequence order, to whole frames for
 * the segment writer: VP8 (RFC 7741), VP9 (RFC 9628), H.264 (RFC 6184,
 * packetization-mode 1, output in Annex-B) and Opus (RFC 7587).
 *
 * The caller feeds every packet of one stream, as released by the reorder
 * buffer (reorder.h), with its extended sequence number. A frame is handed
 * back when its last packet arrives; any frame that cannot be completed is
 * dropped and reported, so that the caller can ask the sender for a keyframe
 * and write a gap into the evidence. Nothing is ever silently lost.
 *
 *   WtDepacketizer *d = wt_depacketizer_new(WT_CODEC_VP8, WT_DEPACKETIZER_MAX_FRAME);
 *   WtFrame f;
 *   int r = wt_depacketizer_push(d, p.seq, p.ts, p.marker, p.data, p.len, &f);
 *   if (r & WT_DEPACK_LOST)
 *     request_keyframe_and_record_gap();
 *   if (r & WT_DEPACK_FRAME)
 *     wt_segment_writer_write(w, WT_SEGMENT_VIDEO, f.data, f.len, pts_ms, f.keyframe, &error);
 *
 * The rules:
 * - A frame is the payload bytes of consecutive packets with one timestamp,
 *   from a packet that starts a frame to the one with the marker bit (VP8,
 *   VP9, H.264). Every Opus packet is a frame.
 * - A start is: VP8, S=1 with partition index 0; VP9, B=1 (the first layer
 *   frame of a picture); H.264, a NAL unit that begins an access unit (SEI,
 *   SPS, PPS, access unit delimiter, or a slice whose first_mb_in_slice is
 *   0), or the first fragment of one.
 * - Lost: a sequence gap, a new start or timestamp before the marker, a
 *   continuation without a start, a malformed packet, or a frame larger than
 *   the limit drop the frame being assembled (or, between frames, whatever
 *   was in the gap) and set WT_DEPACK_LOST. Packets are then discarded
 *   (counted) until the next start. The very first packets of a stream, up to
 *   the first start, are discarded without WT_DEPACK_LOST.
 * - Malformed: a descriptor or aggregation header that runs past the
 *   packet, a forbidden bit or packet type, a fragment with both S and E,
 *   an empty payload. Never read past @len.
 * - Keyframe: VP8, the P bit of the first partition's frame tag is 0; VP9,
 *   the first layer frame has P=0; H.264, the access unit holds an IDR
 *   slice. Opus frames are all keyframes. A VP8 keyframe's size comes from
 *   its frame header, a VP9 keyframe's from the scalability structure or its
 *   uncompressed header, an H.264 keyframe's from the last SPS (cropped).
 * - VP9 pictures of several spatial layers are joined with a superframe
 *   index (VP9 bitstream spec, Annex B), as WebM stores them.
 * - H.264 keeps the last SPS and PPS it saw: an IDR access unit that lacks
 *   them gets them put in front, so every keyframe decodes on its own.
 *
 * Threads: a WtDepacketizer belongs to one thread (a storage thread); no
 * I/O. Memory: the frame buffer grows up to the limit and is then reused.
 */
#pragma once

#include <glib.h>

#include "codec.h"

G_BEGIN_DECLS

#define WT_DEPACKETIZER_MAX_FRAME (8 * 1024 * 1024)

/* Bits of the value wt_depacketizer_push() returns. */
typedef enum {
  WT_DEPACK_FRAME = 1 << 0,     /* *out holds a whole frame */
  WT_DEPACK_LOST = 1 << 1,      /* one frame or more was lost before this packet or with it */
  WT_DEPACK_MALFORMED = 1 << 2, /* this packet was refused as malformed */
} WtDepackResult;

typedef struct {
  const guint8 *data; /* (transfer none) valid until the next call on the depacketizer */
  gsize len;
  guint32 rtp_ts;
  gint64 first_seq, last_seq;
  gboolean keyframe;
  guint16 width, height; /* keyframes: the picture size when the bitstream says it, else 0 */
} WtFrame;

typedef struct {
  guint64 packets;   /* pushed */
  guint64 frames;    /* handed out */
  guint64 lost;      /* times WT_DEPACK_LOST was set (Opus: frames lost) */
  guint64 malformed; /* packets refused as malformed */
  guint64 discarded; /* packets dropped while waiting for a start */
  guint64 oversize;  /* frames dropped for exceeding the limit */
} WtDepacketizerStats;

typedef struct _WtDepacketizer WtDepacketizer;

/* A depacketizer for @codec (not WT_CODEC_NONE) that drops frames larger
 * than @max_frame bytes. Transfer full; free with wt_depacketizer_free(). */
WtDepacketizer *wt_depacketizer_new(WtCodec codec, gsize max_frame);
void wt_depacketizer_free(WtDepacketizer *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtDepacketizer, wt_depacketizer_free)

/* Takes one packet: extended sequence number @seq, RTP @ts and @marker, and
 * @len bytes of RTP payload at @payload (transfer none). Returns a set of
 * WtDepackResult bits (0: taken, no frame yet); with WT_DEPACK_FRAME, *@out
 * is filled. A packet whose @seq is not above the last one is discarded. */
int wt_depacketizer_push(WtDepacketizer *d, gint64 seq, guint32 ts, gboolean marker,
                         const guint8 *payload, gsize len, WtFrame *out);

/* Drops the frame being assembled, e.g. at the end of a stream or when the
 * reorder buffer reports a restart, and waits for the next start. Returns
 * WT_DEPACK_LOST when a frame was dropped, else 0. */
int wt_depacketizer_flush(WtDepacketizer *d);

/* H.264: the last SPS and PPS seen, in Annex-B (each after 00 00 00 01), as
 * the segment writer wants them for the track header. Returns FALSE until
 * both were seen, and for other codecs. *@data is owned by @d, valid until
 * the next push. */
gboolean wt_depacketizer_get_parameter_sets(const WtDepacketizer *d, const guint8 **data,
                                            gsize *len);

const WtDepacketizerStats *wt_depacketizer_get_stats(const WtDepacketizer *d);

G_END_DECLS
