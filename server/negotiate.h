/* negotiate.h — what the server says in SDP: the answer to a publisher's
 * offer, and the offers it makes to subscribers.
 *
 * Pure (no I/O, no main loop): parsed descriptions in, descriptions and track
 * lists out, so it is unit-tested with browser offers alone.
 *
 * Publish: the client offers what it sends; we accept one codec per m-section
 * (Opus; VP8, then H.264 packetization-mode 1 by profile, VP9, AV1), keep the
 * client's payload types and extension ids, answer recvonly, and describe each
 * accepted m-section as a WtTrack. Data channels and unknown media are
 * rejected (port 0), as is an offer without rtcp-mux or an RTP m-section
 * without a=mid.
 *
 * Feedback: publishers get transport-cc (we answer with transport-wide
 * feedback), REMB (the room's cap and what subscribers can take), PLI and FIR;
 * subscribers are offered NACK (answered from our packet cache), PLI, FIR and
 * REMB (their estimate of what they can receive).
 *
 * Subscribe: we offer one sendonly m-section per slot (a track of someone
 * else), with the track's codec and SSRC and one extension id per URI for the
 * whole session (wt_extension_id()); a slot whose track went away stays as an
 * inactive m-section, so mids are never reused for something else.
 */
#pragma once

#include <glib.h>

#include "sdp.h"

G_BEGIN_DECLS

/* The header extensions we forward, each with a fixed id in our offers. */
typedef enum {
  WT_EXT_AUDIO_LEVEL,
  WT_EXT_ABS_SEND_TIME,
  WT_EXT_VIDEO_ORIENTATION,
  WT_EXT_TOFFSET,
  WT_EXT_COUNT
} WtExtension;

const char *wt_extension_uri(WtExtension ext);
/* The id the extension has in every subscribe offer (1..WT_EXT_COUNT). */
guint8 wt_extension_id(WtExtension ext);

/* Our side of a transport, for the SDP we write. Strings borrowed. */
typedef struct {
  const char *ufrag, *pwd;
  const char *fingerprint; /* sha-256 value */
  WtSdpSetup setup;
  GPtrArray *candidates; /* of "candidate:…" strings; may be NULL */
} WtLocalTransport;

/* One track a publisher sends, as its publish connection negotiated it. */
typedef struct {
  char *mid; /* the publisher's mid */
  WtSdpMediaKind kind;
  WtSdpCodec *codec; /* with the publisher's payload type */
  guint32 ssrc;      /* 0 when the offer did not say */
  char *stream_id, *track_id;
  guint8 ext_ids[WT_EXT_COUNT]; /* the publisher's id of each forwarded extension, 0 = none */
  guint8 twcc_ext_id; /* the publisher's transport-wide sequence number id, 0 = none */
} WtTrack;

/* The transport-wide congestion control extension: negotiated on publish
 * connections (we send the feedback), never forwarded. */
#define WT_TWCC_URI "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"

void wt_track_free(WtTrack *track);
WtTrack *wt_track_copy(const WtTrack *track);

/* Answers @offer (transfer none). Appends one WtTrack (transfer full) per
 * accepted sending m-section to @tracks. Returns the answer (transfer full),
 * or NULL with @error saying what in the offer we cannot accept. */
WtSdp *wt_negotiate_publish_answer(const WtSdp *offer, const WtLocalTransport *local,
                                   GPtrArray *tracks, GError **error);

/* One m-section of a subscriber's connection. */
typedef struct {
  char *mid; /* ours, "0", "1"... */
  WtSdpMediaKind kind;
  gboolean active;   /* FALSE: the track is gone; the section stays, inactive */
  WtSdpCodec *codec; /* payload type as this subscriber receives it */
  guint32 ssrc;      /* as this subscriber receives it */
  char *stream_id, *track_id, *cname;
} WtSlot;

void wt_slot_free(WtSlot *slot);

/* Builds an offer for @slots (WtSlot*, transfer none); NULL when there are none. */
WtSdp *wt_negotiate_subscribe_offer(GPtrArray *slots, const WtLocalTransport *local,
                                    guint64 session_id, guint64 version);

/* Checks the subscriber's @answer against @slots: every m-section answered, in
 * order, with a recvonly (or inactive) direction. Slots the answer rejected
 * (port 0) become inactive. FALSE with @error when the answer does not fit. */
gboolean wt_negotiate_subscribe_answer(const WtSdp *answer, GPtrArray *slots, GError **error);

G_END_DECLS
