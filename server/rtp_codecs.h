/* rtp_codecs.h — what the forwarding and recording paths need to know about a
 * video RTP payload: the VP8 and VP9 payload descriptors, and whether a packet
 * starts a keyframe (VP8, VP9, H.264, AV1), e.g. to end a wait after a PLI or
 * to start a recording segment.
 *
 * Pure and bounded like rtp.h: the payload is the bytes wt_rtp_parse() reports
 * (payload_offset, payload_len), nothing is read outside them, nothing is
 * allocated; any thread.
 *
 * Example:
 *   const guint8 *pl = buf + h.payload_offset;
 *   if (wt_rtp_is_keyframe(WT_RTP_CODEC_VP8, pl, h.payload_len) == 1)
 *     stream->waiting_for_keyframe = FALSE;
 *
 * The keyframe functions return 1 (this packet starts a keyframe), 0 (it does
 * not), or a negative errno when the payload is malformed: -EMSGSIZE when a
 * declared field runs past the end, -EBADMSG when a field has a forbidden
 * value. Callers on the forwarding path treat an error as "not a keyframe".
 */
#pragma once

#include <errno.h>
#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  WT_RTP_CODEC_OTHER = 0, /* audio or anything else: never a keyframe */
  WT_RTP_CODEC_VP8,
  WT_RTP_CODEC_VP9,
  WT_RTP_CODEC_H264,
  WT_RTP_CODEC_AV1,
} WtRtpCodec;

/* Dispatches to the function for @codec; 0 for WT_RTP_CODEC_OTHER. */
int wt_rtp_is_keyframe(WtRtpCodec codec, const guint8 *payload, gsize len);

/* ---- VP8 (RFC 7741 §4.2) ---------------------------------------------------- */

/* The VP8 payload descriptor. Absent optional fields are -1. */
typedef struct {
  gboolean non_reference; /* N: the frame can be discarded */
  gboolean start;         /* S: first packet of a partition */
  guint8 pid;             /* partition index, 0–7 */
  gint32 picture_id;      /* 7 or 15 bits, or -1 */
  gboolean picture_id_15; /* M: picture_id has 15 bits */
  gint16 tl0picidx;       /* or -1 */
  gint8 tid;              /* temporal layer, or -1 */
  gboolean layer_sync;    /* Y */
  gint8 keyidx;           /* or -1 */
  gsize header_len;       /* descriptor length: the VP8 payload starts here */
} WtRtpVp8;

/* Parses the descriptor at the start of @payload (transfer none, @len bytes)
 * into @out (always written). Returns 0, or -EMSGSIZE when the descriptor does
 * not fit or leaves no VP8 payload byte after it. */
int wt_rtp_vp8_parse(const guint8 *payload, gsize len, WtRtpVp8 *out);

/* 1 when S=1, PID=0 and the frame header's P bit (inverse key frame) is 0. */
int wt_rtp_vp8_is_keyframe(const guint8 *payload, gsize len);

/* ---- VP9 (RFC 9628 §4.2) ---------------------------------------------------- */

/* The VP9 payload descriptor. Absent optional fields are -1. */
typedef struct {
  gboolean inter_picture; /* P: predicted from an earlier picture */
  gboolean flexible;      /* F: flexible mode (P_DIFFs instead of TL0PICIDX) */
  gboolean begin;         /* B: first packet of a (layer) frame */
  gboolean end;           /* E: last packet of a (layer) frame */
  gboolean has_ss;        /* V: a scalability structure is present */
  gboolean not_ref_upper; /* Z */
  gint32 picture_id;      /* 7 or 15 bits, or -1 */
  gint8 tid;              /* temporal layer id, or -1 without L */
  gint8 sid;              /* spatial layer id, or -1 without L */
  gboolean switching_up;  /* U */
  gboolean inter_layer;   /* D: depends on the spatial layer below */
  gint16 tl0picidx;       /* non-flexible mode with L, or -1 */
  guint8 n_pdiff;         /* reference P_DIFFs (flexible mode with P), 0–3 */
  guint8 pdiff[3];
  guint8 ss_layers;      /* spatial layers in the SS, 0 without V */
  guint16 width, height; /* of the highest spatial layer in the SS, 0 if absent */
  gsize header_len;      /* descriptor length: the VP9 payload starts here */
} WtRtpVp9;

/* Parses the descriptor at the start of @payload (transfer none, @len bytes)
 * into @out (always written), scalability structure included. Returns 0,
 * -EMSGSIZE when any part of it runs past the end, or -EBADMSG when the N bit
 * of a third P_DIFF asks for a fourth. */
int wt_rtp_vp9_parse(const guint8 *payload, gsize len, WtRtpVp9 *out);

/* 1 when P=0 and B=1 at the base spatial layer (no L, or SID 0). */
int wt_rtp_vp9_is_keyframe(const guint8 *payload, gsize len);

/* ---- H.264 (RFC 6184 §5) ---------------------------------------------------- */

/* 1 for a single NAL unit of type 5 (IDR slice) or 7 (SPS); a STAP-A holding
 * one of those before anything malformed; an FU-A with the start bit set
 * whose original type is 5 or 7. 0 for other types (including STAP-B, MTAPs
 * and FU-B, which packetization-mode 1 does not use). In a STAP-A a zero-size
 * unit is -EBADMSG and a size past the end is -EMSGSIZE; a forbidden_zero_bit
 * of 1 is -EBADMSG. */
int wt_rtp_h264_is_keyframe(const guint8 *payload, gsize len);

/* ---- AV1 (AV1 RTP payload format, §4.4 aggregation header) ------------------ */

/* 1 when the aggregation header's N bit is set (first packet of a coded video
 * sequence). -EBADMSG when N is set together with Z (a sequence cannot start
 * with a continued OBU); -EMSGSIZE without any OBU byte after the header. */
int wt_rtp_av1_is_keyframe(const guint8 *payload, gsize len);

G_END_DECLS
