/* rtp_keyframe.h — does this RTP packet start a video keyframe? The tap's
 * queue drops packets when it overflows and then waits for the next keyframe
 * before feeding the decoder again (a decoder fed a broken reference chain
 * shows garbage to the detector). Pure functions on bytes; any thread.
 */
#pragma once

#include <glib.h>

#include "codec.h"

G_BEGIN_DECLS

/* TRUE when @rtp (@len bytes, a whole RTP packet, transfer none) carries the
 * first packet of a keyframe of @codec: VP8 (RFC 7741: S bit, partition 0,
 * P bit clear), VP9 (RFC 9628: B bit, P bit clear), H.264 (an SPS or IDR NAL
 * unit, alone, in a STAP-A, or starting an FU-A). Malformed input is FALSE. */
gboolean wt_rtp_keyframe_starts(WtCodec codec, const guint8 *rtp, gsize len);

G_END_DECLS
