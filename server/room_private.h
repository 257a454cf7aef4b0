/* room_private.h — the room's state, shared by room.c (participants and
 * negotiation) and room_media.c (forwarding and RTCP). Worker thread only. */
#pragma once

#include "negotiate.h"
#include "peer.h"
#include "room.h"
#include "srtp.h"
#include "token.h"

typedef struct _Participant Participant;

/* A track someone publishes, as this room forwards it. */
typedef struct {
  WtTrack *track;
  gint64 last_pli_us; /* rate limit for keyframe requests toward the publisher */
} PubTrack;

/* One m-section of a subscriber's connection and where its media comes from. */
typedef struct {
  WtSlot *slot;          /* owned by Participant.slots */
  Participant *source;   /* NULL once the track is gone */
  guint32 source_ssrc;   /* the publisher's SSRC */
  guint8 source_pt;      /* the publisher's payload type */
  gboolean answered;     /* the subscriber's answer covered this slot */
  guint8 ext_map[256];   /* publisher's extension id -> ours (0 = drop) */
} SubSlot;

typedef enum {
  SUBSCRIBE_OFF,     /* the client has not asked for media yet */
  SUBSCRIBE_STABLE,  /* our last offer was answered */
  SUBSCRIBE_OFFERED, /* waiting for the answer to our offer */
} SubscribeState;

struct _Participant {
  WtRoom *room;
  char *id, *sub;
  WtRole role;
  guint64 session;
  char *log_prefix;

  WtPeer *publish;
  GPtrArray *tracks; /* PubTrack* */

  WtPeer *subscribe;
  GPtrArray *slots;     /* WtSlot*, in m-section order (for negotiate.c) */
  GPtrArray *sub_slots; /* SubSlot*, same order */
  SubscribeState subscribe_state;
  gboolean offer_pending; /* tracks changed while an offer was out */
  guint64 sdp_session_id, sdp_version;
};

struct _WtRoom {
  char *id;
  WtWorker *worker;
  const WtRoomEnv *env;
  GPtrArray *participants; /* Participant* */
  WtRoomCounters counters;
  guint next_mid;
  guint8 scratch[2048 + WT_SRTP_MAX_TRAILER];
};

/* room_media.c */
void wt_room_on_rtp(WtPeer *peer, guint8 *buf, gsize len, gpointer user_data);
void wt_room_on_publisher_rtcp(WtPeer *peer, guint8 *buf, gsize len, gpointer user_data);
void wt_room_on_subscriber_rtcp(WtPeer *peer, guint8 *buf, gsize len, gpointer user_data);
/* Asks @publisher for a keyframe on @track, at most every 500 ms. */
void wt_room_request_keyframe(Participant *publisher, PubTrack *track);
/* Counter helper: relaxed atomic add, single writer (the worker). */
static inline void
wt_room_count(guint64 *counter, guint64 n)
{
  __atomic_store_n(counter, __atomic_load_n(counter, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
}
