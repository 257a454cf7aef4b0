/* sdp_codecs.h — codec negotiation helpers over parsed SDP: find codecs, read
 * fmtp parameters, match H.264 profiles, find RTX.
 *
 * Pure code (no I/O, no main loop, no state): callable from any thread and
 * fuzzable alone. Nothing here allocates except wt_sdp_fmtp_get().
 *
 * H.264 profiles follow RFC 6184 §8.1 table 5: a profile is profile_idc plus a
 * bit pattern over profile-iop (the constraint_set flags), so 42e01f
 * (constrained baseline) and 42001f (baseline) are different profiles, while
 * 42e01f and 4de01f are both constrained baseline. The level is not part of the
 * profile: two fmtp lines of one profile but different levels match (the level
 * is negotiated separately, as libwebrtc does with level-asymmetry-allowed).
 *
 * A missing profile-level-id means, per RFC 6184, baseline level 1 (42000a).
 * libwebrtc instead treats it as constrained baseline level 3.1 (42e01f) "for
 * backwards compatibility" (webrtc:6337), and since every browser we talk to is
 * or interoperates with libwebrtc, so do we: WT_H264_DEFAULT_PROFILE_LEVEL_ID.
 *
 *   WtH264Profile want[] = {WT_H264_PROFILE_CONSTRAINED_BASELINE};
 *   const WtSdpCodec *h264 = wt_sdp_h264_pick(media, want, G_N_ELEMENTS(want));
 *   const WtSdpCodec *rtx = h264 ? wt_sdp_media_find_rtx(media, h264->pt) : NULL;
 */
#pragma once

#include "sdp.h"

G_BEGIN_DECLS

typedef enum {
  WT_H264_PROFILE_CONSTRAINED_BASELINE,
  WT_H264_PROFILE_BASELINE,
  WT_H264_PROFILE_MAIN,
  WT_H264_PROFILE_CONSTRAINED_HIGH,
  WT_H264_PROFILE_HIGH,
  WT_H264_PROFILE_PREDICTIVE_HIGH_444,
} WtH264Profile;

/* Levels are level_idc (10 = 1, 11 = 1.1, ... 52 = 5.2), except level 1b, which
 * has no level_idc of its own (it is 11 with constraint_set3 in the baseline
 * and main profiles) and is WT_H264_LEVEL_1B here. */
#define WT_H264_LEVEL_1B 0

typedef struct {
  WtH264Profile profile;
  guint8 level;
} WtH264ProfileLevel;

/* What a missing profile-level-id means (see above). */
#define WT_H264_DEFAULT_PROFILE_LEVEL_ID "42e01f"

/* The value of fmtp parameter @key (case-insensitive) in @fmtp (transfer none,
 * may be NULL), e.g. "42e01f" for "profile-level-id" in
 * "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f".
 * Returns a new string (transfer full) or NULL when absent. A parameter
 * without '=' is a key with the value "". */
char *wt_sdp_fmtp_get(const char *fmtp, const char *key);
/* Parameter @key as a decimal number in 0..@max; FALSE when absent or not such
 * a number (then *@out is untouched). */
gboolean wt_sdp_fmtp_get_uint(const char *fmtp, const char *key, guint max, guint *out);

/* The first codec of @media (transfer none) in m-line order whose encoding
 * name is @name, ignoring case ("h264" finds "H264"). Returns a codec owned by
 * @media, or NULL. */
const WtSdpCodec *wt_sdp_media_find_codec(const WtSdpMedia *media, const char *name);
/* The codec with payload type @pt, or NULL. Owned by @media. */
const WtSdpCodec *wt_sdp_media_find_codec_pt(const WtSdpMedia *media, guint pt);
/* The rtx codec whose apt is @pt, or NULL. Owned by @media. */
const WtSdpCodec *wt_sdp_media_find_rtx(const WtSdpMedia *media, guint pt);

/* Parses a profile-level-id of exactly six hex digits (e.g. "42e01f"). FALSE
 * for anything else, an unknown profile_idc/profile-iop combination or an
 * unknown level. */
gboolean wt_sdp_h264_parse_profile_level_id(const char *str, WtH264ProfileLevel *out);
/* The profile and level an H.264 fmtp (transfer none, NULL = no fmtp) says, with
 * the default above when it has no profile-level-id; FALSE when it has one we
 * cannot parse. */
gboolean wt_sdp_h264_profile_level(const char *fmtp, WtH264ProfileLevel *out);
/* packetization-mode of an H.264 fmtp: 0 when absent (RFC 6184), 0-2; -1 when
 * present but not one of those. */
gint wt_sdp_h264_packetization_mode(const char *fmtp);
/* TRUE if both fmtps (transfer none, NULL allowed) parse and name the same
 * profile; levels may differ. */
gboolean wt_sdp_h264_same_profile(const char *fmtp_a, const char *fmtp_b);
/* TRUE if two H.264 fmtps can be the same negotiated codec: same profile and
 * same packetization-mode (libwebrtc's rule). */
gboolean wt_sdp_h264_fmtp_match(const char *fmtp_a, const char *fmtp_b);
/* Among the H.264 codecs of @media with packetization-mode=1, the first (in
 * m-line order) whose profile is @wanted[0]; else @wanted[1]; and so on.
 * @wanted (transfer none) is in our order of preference. Returns a codec owned
 * by @media, or NULL. */
const WtSdpCodec *wt_sdp_h264_pick(const WtSdpMedia *media, const WtH264Profile *wanted,
                                   gsize n_wanted);
/* A static name, e.g. "constrained-baseline". */
const char *wt_sdp_h264_profile_name(WtH264Profile profile);

/* VP9 profile-id and AV1 profile from their fmtp; 0 when absent, -1 when bad. */
gint wt_sdp_vp9_profile_id(const char *fmtp);
gint wt_sdp_av1_profile(const char *fmtp);

/* TRUE if @a and @b (transfer none) are the same codec for negotiation: same
 * name (ignoring case) and clock rate, same channel count (absent = 1), and for
 * H.264 the same profile and packetization-mode, for VP9 the same profile-id,
 * for AV1 the same profile. Payload types and other fmtp parameters may differ. */
gboolean wt_sdp_codecs_match(const WtSdpCodec *a, const WtSdpCodec *b);

G_END_DECLS
