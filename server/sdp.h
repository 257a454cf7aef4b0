/* sdp.h — session descriptions as WebRTC writes them: parse text into structs,
 * write structs back as text.
 *
 * Pure code: bytes in, structs out, no I/O and no main loop, so it can be fuzzed
 * alone and called from any thread. Only what WebRTC uses is modelled: BUNDLE
 * (incl. bundle-only with port 0), rtcp-mux, mid, msid, ssrc and ssrc-group,
 * rtpmap/fmtp/rtcp-fb, extmap (incl. directions and extmap-allow-mixed),
 * direction, ICE credentials, fingerprint, setup and candidates. Unknown
 * attributes are ignored; anything we model that is malformed is an error that
 * names the line, e.g. "line 12: a=extmap id 256 is outside 1-255".
 *
 *   g_autoptr(GError) error = NULL;
 *   g_autoptr(WtSdp) offer = wt_sdp_parse(text, len, &error);
 *   if (!offer) return refuse(error->message);
 *   for (guint i = 0; i < offer->media->len; i++) { WtSdpMedia *m = offer->media->pdata[i]; ... }
 *   g_autofree char *answer_text = wt_sdp_write(answer);
 *
 * Extension ids (RFC 8285), decided here once for every caller:
 *   - 1-14 are one-byte-header ids; 16-255 need the two-byte form (a sender
 *     mixing both needs a=extmap-allow-mixed) and are kept as offered.
 *   - 0 and anything above 255 (incl. the 4096-4351 negotiation range) can
 *     never be used in a packet: the offer is refused (WT_SDP_ERROR_INVALID).
 *   - 15 is reserved in the one-byte form; libwebrtc never offers it. The line
 *     is dropped, so the extension is simply not negotiated.
 *   - The same id twice in one m-section: with the same URI the repeat is
 *     dropped; with a different URI the offer is refused. In one BUNDLE group
 *     an id must mean the same URI in every m-section (RFC 8843 §9.2), since
 *     packets of all of them share one transport: a conflict is refused.
 *
 * Leniency: CRLF and LF line endings, blank lines and trailing spaces are
 * accepted; unknown attributes and the i/u/e/p/c/z/r/k lines are ignored, as
 * are a=extmap and direction at session level (no browser writes them) and
 * lines about payload types the m-line does not list. Unknown line types,
 * control characters and invalid UTF-8 are errors.
 *
 * Limits (anything past them is refused with WT_SDP_ERROR_LIMIT) are the
 * WT_SDP_MAX_* macros below. Strings in the structs are NUL-terminated,
 * valid UTF-8 and free of control characters when they come from the parser;
 * code that fills structs itself must keep it that way (no CR or LF).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define WT_SDP_MAX_LEN (128 * 1024) /* whole description, bytes */
#define WT_SDP_MAX_LINE 4096        /* one line, bytes, without its line ending */
#define WT_SDP_MAX_MEDIA 64         /* m-sections */
#define WT_SDP_MAX_FORMATS 128      /* formats on one m-line (RTP payload types are 0-127) */
#define WT_SDP_MAX_RTCP_FB 16       /* a=rtcp-fb per payload type */
#define WT_SDP_MAX_EXTMAPS 32       /* a=extmap per m-section */
#define WT_SDP_MAX_SSRCS 32         /* distinct SSRCs per m-section */
#define WT_SDP_MAX_SSRC_GROUPS 16   /* a=ssrc-group per m-section */
#define WT_SDP_MAX_GROUP_SSRCS 16   /* SSRCs in one a=ssrc-group */
#define WT_SDP_MAX_CANDIDATES 64    /* a=candidate per m-section */
#define WT_SDP_MAX_RIDS 16          /* a=rid per m-section */
#define WT_SDP_MAX_TOKEN 256        /* mid, msid ids, cname, ICE credentials, URIs */

#define WT_SDP_ERROR (wt_sdp_error_quark())
GQuark wt_sdp_error_quark(void);

typedef enum {
  WT_SDP_ERROR_SYNTAX,  /* a line is not what its type says it must be */
  WT_SDP_ERROR_LIMIT,   /* too long, too many of something, a number too big */
  WT_SDP_ERROR_INVALID, /* well-formed but unusable: duplicate mid, conflicting extmap ids... */
} WtSdpError;

typedef enum {
  WT_SDP_SETUP_UNSET, /* no a=setup */
  WT_SDP_SETUP_ACTPASS,
  WT_SDP_SETUP_ACTIVE,
  WT_SDP_SETUP_PASSIVE,
  WT_SDP_SETUP_HOLDCONN,
} WtSdpSetup;

typedef enum {
  WT_SDP_DIRECTION_SENDRECV, /* also the default when a section says nothing */
  WT_SDP_DIRECTION_SENDONLY,
  WT_SDP_DIRECTION_RECVONLY,
  WT_SDP_DIRECTION_INACTIVE,
} WtSdpDirection;

typedef enum {
  WT_SDP_MEDIA_AUDIO,
  WT_SDP_MEDIA_VIDEO,
  WT_SDP_MEDIA_APPLICATION, /* data channels */
  WT_SDP_MEDIA_OTHER,       /* text, message, image...: see WtSdpMedia.type */
} WtSdpMediaKind;

/* a=fingerprint:<hash> <value>; both NULL when absent. Only the first
 * a=fingerprint of a level is kept. */
typedef struct {
  char *hash;  /* e.g. "sha-256", as written */
  char *value; /* e.g. "AB:CD:...", as written (hex pairs joined by ':') */
} WtSdpFingerprint;

/* One payload type of an RTP m-section. */
typedef struct {
  guint8 pt;          /* 0-127 */
  char *name;         /* encoding name as written ("H264", "opus"); NULL when unknown */
  guint32 clock_rate; /* 0 when unknown */
  guint8 channels;    /* 0 when a=rtpmap gave none */
  char *fmtp;         /* the a=fmtp parameters, e.g. "apt=96"; NULL when none */
  GPtrArray *rtcp_fb; /* of char *: "nack", "nack pli", "transport-cc"...; never NULL */
  gint apt;           /* rtx only: the payload type it repairs (fmtp apt=); otherwise -1 */
} WtSdpCodec;

/* a=extmap:<id>[/<direction>] <uri> [<attributes>] */
typedef struct {
  guint16 id;               /* 1-14 or 16-255 */
  gboolean has_direction;   /* FALSE: none written (means sendrecv) */
  WtSdpDirection direction; /* only when has_direction */
  char *uri;
  char *attributes; /* anything after the URI; NULL when none */
} WtSdpExtmap;

/* The a=ssrc:<ssrc> lines of one SSRC. Attributes other than cname and msid are
 * ignored; the first value of each attribute is kept. */
typedef struct {
  guint32 ssrc;
  char *cname;       /* NULL when none */
  char *msid_stream; /* a=ssrc:<n> msid:<stream> [<track>]; NULL when none */
  char *msid_track;  /* NULL when none */
} WtSdpSsrc;

/* a=ssrc-group:<semantics> <ssrc>... e.g. FID (RTX), SIM (simulcast). */
typedef struct {
  char *semantics;
  GArray *ssrcs; /* of guint32, in the order written; never NULL */
} WtSdpSsrcGroup;

/* One m-section. Values that may also be written at session level (ICE
 * credentials, fingerprint, setup, ice-options, extmap-allow-mixed) hold only
 * what this section says; use the wt_sdp_media_get_*() accessors for the
 * effective value. */
typedef struct {
  WtSdpMediaKind kind;
  char *type;         /* the m-line's media as written: "audio", "video", "application"... */
  guint16 port;       /* 0 = rejected, unless bundle_only (see wt_sdp_media_is_rejected) */
  char *proto;        /* e.g. "UDP/TLS/RTP/SAVPF", "UDP/DTLS/SCTP" */
  GPtrArray *formats; /* of char *: the m-line formats of a non-RTP proto (e.g.
                       * "webrtc-datachannel"); empty for RTP protos */
  GPtrArray *codecs;  /* of WtSdpCodec *: the m-line payload types of an RTP
                       * proto, in m-line order (preference order) */
  char *mid;          /* NULL when the section has no a=mid */
  WtSdpDirection direction;
  gboolean rtcp_mux;
  gboolean rtcp_rsize;
  gboolean bundle_only;
  gboolean extmap_allow_mixed;
  gboolean end_of_candidates;
  char *ice_ufrag; /* section-level only; NULL when absent */
  char *ice_pwd;
  char *ice_options; /* e.g. "trickle", as written */
  WtSdpFingerprint fingerprint;
  WtSdpSetup setup;
  GPtrArray *extmaps;       /* of WtSdpExtmap *, in the order written */
  char *msid_stream;        /* a=msid:<stream> [<track>]; first a=msid only; NULL when none */
  char *msid_track;         /* NULL when none */
  GPtrArray *ssrcs;         /* of WtSdpSsrc *, in order of first appearance */
  GPtrArray *ssrc_groups;   /* of WtSdpSsrcGroup * */
  GPtrArray *candidates;    /* of char *: "candidate:..." (the attribute without "a=") */
  GPtrArray *rids;          /* of char *: the a=rid values, raw */
  char *simulcast;          /* the a=simulcast value, raw; NULL when none */
  guint16 sctp_port;        /* a=sctp-port; 0 when none */
  guint32 max_message_size; /* a=max-message-size; 0 when none */
  guint32 bandwidth_as;     /* b=AS (kbit/s); 0 when none */
  guint32 bandwidth_tias;   /* b=TIAS (bit/s); 0 when none */
} WtSdpMedia;

/* A whole session description. */
typedef struct {
  char *origin_username; /* o= username, "-" for browsers */
  guint64 session_id;    /* o= sess-id */
  guint64 session_version;
  char *session_name; /* s=; "-" when empty */
  char *ice_ufrag;    /* session-level values; NULL / UNSET when absent */
  char *ice_pwd;
  char *ice_options;
  WtSdpFingerprint fingerprint;
  WtSdpSetup setup;
  gboolean ice_lite;
  gboolean extmap_allow_mixed;
  GPtrArray *bundle;   /* of char *: the mids of the first a=group:BUNDLE; empty when none */
  char *msid_semantic; /* a=msid-semantic value, e.g. "WMS" or "WMS *"; NULL when none */
  GPtrArray *media;    /* of WtSdpMedia *, in order */
} WtSdp;

/* Parses @len bytes of @data (need not be NUL-terminated; CRLF or LF line
 * endings; @data may be NULL when @len is 0). Returns the description
 * (transfer full) or NULL with @error in
 * WT_SDP_ERROR; the message names the line and what is wrong. Never reads
 * outside @data. */
WtSdp *wt_sdp_parse(const char *data, gsize len, GError **error);

/* Writes @sdp (transfer none) as text with CRLF line endings, in the order
 * libwebrtc writes it. Returns a newly allocated string (transfer full).
 * wt_sdp_parse() of the result gives back everything modelled above, and
 * writing that again gives the same text (the fuzz target checks both). A
 * description whose strings break the rules above (e.g. contain CR or LF) is
 * written as is and will not parse: that is the caller's bug. */
char *wt_sdp_write(const WtSdp *sdp);

/* Constructors for code that builds descriptions (answers, server offers).
 * Each returns a new, empty object (transfer full) with arrays allocated; the
 * owner frees it with the matching _free(). Arrays free their elements. */
WtSdp *wt_sdp_new(void);
void wt_sdp_free(WtSdp *sdp);
/* @type: "audio", "video", "application" or another media name; @proto
 * (transfer none) e.g. "UDP/TLS/RTP/SAVPF". */
WtSdpMedia *wt_sdp_media_new(const char *type, const char *proto);
void wt_sdp_media_free(WtSdpMedia *media);
/* @name (transfer none) may be NULL. */
WtSdpCodec *wt_sdp_codec_new(guint8 pt, const char *name, guint32 clock_rate, guint8 channels);
/* Deep copy (transfer full) of @codec (transfer none). */
WtSdpCodec *wt_sdp_codec_copy(const WtSdpCodec *codec);
void wt_sdp_codec_free(WtSdpCodec *codec);
/* @uri (transfer none). */
WtSdpExtmap *wt_sdp_extmap_new(guint16 id, const char *uri);
WtSdpExtmap *wt_sdp_extmap_copy(const WtSdpExtmap *extmap);
void wt_sdp_extmap_free(WtSdpExtmap *extmap);
WtSdpSsrc *wt_sdp_ssrc_new(guint32 ssrc);
void wt_sdp_ssrc_free(WtSdpSsrc *ssrc);
/* @semantics (transfer none), e.g. "FID". */
WtSdpSsrcGroup *wt_sdp_ssrc_group_new(const char *semantics);
void wt_sdp_ssrc_group_free(WtSdpSsrcGroup *group);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtSdp, wt_sdp_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtSdpMedia, wt_sdp_media_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtSdpCodec, wt_sdp_codec_free)

/* Effective values of an m-section: the section's own, else the session's,
 * else (for a section in the BUNDLE group) those of the group's first m-section
 * (the tagged one, RFC 8843), since bundle-only sections may omit them. All
 * take @sdp and @media transfer none; strings returned are owned by @sdp.
 * NULL / WT_SDP_SETUP_UNSET when nobody says. */
const char *wt_sdp_media_get_ice_ufrag(const WtSdp *sdp, const WtSdpMedia *media);
const char *wt_sdp_media_get_ice_pwd(const WtSdp *sdp, const WtSdpMedia *media);
const WtSdpFingerprint *wt_sdp_media_get_fingerprint(const WtSdp *sdp, const WtSdpMedia *media);
WtSdpSetup wt_sdp_media_get_setup(const WtSdp *sdp, const WtSdpMedia *media);
/* TRUE if a=ice-options (section, else session) lists @option, e.g. "trickle". */
gboolean wt_sdp_media_has_ice_option(const WtSdp *sdp, const WtSdpMedia *media, const char *option);
/* Section or session a=extmap-allow-mixed. */
gboolean wt_sdp_media_get_extmap_allow_mixed(const WtSdp *sdp, const WtSdpMedia *media);
/* TRUE if @media has a mid named in the BUNDLE group. */
gboolean wt_sdp_media_is_bundled(const WtSdp *sdp, const WtSdpMedia *media);
/* Port 0 means rejected, except for a bundle-only section in the BUNDLE group. */
gboolean wt_sdp_media_is_rejected(const WtSdp *sdp, const WtSdpMedia *media);
/* TRUE for an RTP proto (one containing "RTP/"), whose formats are payload types. */
gboolean wt_sdp_media_is_rtp(const WtSdpMedia *media);

/* Lookups; results are owned by @sdp / @media (transfer none), NULL when absent. */
WtSdpMedia *wt_sdp_find_media(const WtSdp *sdp, const char *mid);
/* The first m-section of the BUNDLE group (the tagged one), NULL when no group. */
WtSdpMedia *wt_sdp_bundle_tag(const WtSdp *sdp);
WtSdpExtmap *wt_sdp_media_find_extmap(const WtSdpMedia *media, const char *uri);
WtSdpExtmap *wt_sdp_media_find_extmap_id(const WtSdpMedia *media, guint id);
WtSdpSsrc *wt_sdp_media_find_ssrc(const WtSdpMedia *media, guint32 ssrc);

/* Names as written in SDP (static strings): "actpass", "sendrecv", ...;
 * setup UNSET gives NULL. */
const char *wt_sdp_setup_to_string(WtSdpSetup setup);
const char *wt_sdp_direction_to_string(WtSdpDirection direction);

G_END_DECLS
