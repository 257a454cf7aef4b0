/* codec.h — the codecs the recorder handles, shared by the depacketizers
 * (depacketize.h) and the segment writer (segment.h). storage/ has its own
 * list rather than server/'s WtRtpCodec because it must not include server/.
 * Plain values; any thread. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  WT_CODEC_NONE = 0, /* no track of this kind */
  WT_CODEC_OPUS,     /* RFC 7587: one RTP packet is one Opus packet */
  WT_CODEC_VP8,      /* RFC 7741 */
  WT_CODEC_VP9,      /* RFC 9628 */
  WT_CODEC_H264,     /* RFC 6184, packetization-mode 1 */
} WtCodec;

/* A short lower-case name ("opus", "vp8", "vp9", "h264", "none"); static. */
static inline const char *
wt_codec_name(WtCodec codec)
{
  switch (codec) {
  case WT_CODEC_OPUS:
    return "opus";
  case WT_CODEC_VP8:
    return "vp8";
  case WT_CODEC_VP9:
    return "vp9";
  case WT_CODEC_H264:
    return "h264";
  case WT_CODEC_NONE:
  default:
    return "none";
  }
}

static inline gboolean
wt_codec_is_video(WtCodec codec)
{
  return codec == WT_CODEC_VP8 || codec == WT_CODEC_VP9 || codec == WT_CODEC_H264;
}

G_END_DECLS
