/* room_private.h — the room's state, shared by room.c (participants),
 * room_negotiation.c (their connections) and room_media.c (forwarding and
 * RTCP). Worker thread only. */
#pragma once

#include "negotiate.h"
#include "packet_cache.h"
#include "recorder.h"
#include "peer.h"
#include "rtcp_feedback.h"
#include "rtp.h"
#include "room.h"
#include "srtp.h"
#include "tap.h"
#include "token.h"

typedef struct _Participant Participant;

/* A party's audio (video) counts as recorded while its packets reached the
 * recorder this recently. */
#define WT_ROOM_RECORDED_WITHIN_US (3 * G_USEC_PER_SEC)

/* A track someone publishes, as this room forwards it. */
typedef struct {
  WtTrack *track;
  gint64 last_pli_us;   /* rate limit for keyframe requests toward the publisher */
  WtPacketCache *cache; /* video: recent packets, to answer NACKs; NULL for audio */
  WtRtpSeq seq;         /* reception statistics for our receiver reports */
  gboolean seq_started;
  guint64 sr_ntp; /* the publisher's last sender report (0: none yet) */
  guint32 sr_rtp_ts;
  gint64 sr_arrival_us;
} PubTrack;

/* One m-section of a subscriber's connection and where its media comes from. */
typedef struct {
  WtSlot *slot;                      /* owned by Participant.slots */
  Participant *source;               /* NULL once the track is gone */
  guint32 source_ssrc;               /* the publisher's SSRC */
  guint8 source_pt;                  /* the publisher's payload type */
  gboolean answered;                 /* the subscriber's answer covered this slot */
  guint8 ext_map[256];               /* publisher's extension id -> ours (0 = drop) */
  guint32 packets_sent, octets_sent; /* for the sender reports we make */
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

  /* Feedback (room_feedback.c). */
  guint32 rtcp_ssrc;           /* ours, in the RTCP we send this participant */
  WtRtcpTwccArrival twcc[512]; /* publish: arrivals not yet reported */
  guint n_twcc;
  guint16 twcc_last_seq;
  gboolean twcc_started;
  guint8 twcc_fb_count;
  guint64 remb_bps; /* subscribe: what this subscriber says it can take */
  gint64 remb_us;
  guint8 fraction_lost; /* subscribe: the worst of its last report blocks */

  /* Recording (room_recording.c). */
  guint rec_who;               /* the recorder's handle */
  gboolean rec_joined;         /* the recorder knows this participant */
  WtRecorderTracks rec_tracks; /* what the recorder was told this participant publishes */
  /* When a packet of the recorded audio (0) and video (1) track last reached
   * the recorder (monotonic µs; 0: never). Set on the packet path. */
  gint64 rec_pushed_us[2];

  /* Liveness (room_liveness.c): applicants who publish video. */
  WtLivenessTap *tap; /* NULL: not checked */
  WtCodec tap_codec;
  guint8 tap_pt;
  char *liveness_state; /* NULL, "checking", "passed", "failed", "error" */
  char *liveness_trigger;
  JsonArray *liveness_reasons;
  WtLivenessPresence presence_seen; /* the tap's counters at the last segment */
};

struct _WtRoom {
  char *id;
  WtWorker *worker;
  const WtRoomEnv *env;
  GPtrArray *participants; /* Participant* */
  WtRoomCounters counters;
  GSource *feedback_timer; /* room_feedback.c */
  guint feedback_ticks;
  guint64 last_bytes_in, last_bytes_out;
  guint next_mid;
  WtRecorder *recorder; /* NULL when the room is not recorded */
  char *recording_id;
  gboolean recording_stopping; /* stopped, waiting for the seal */
  gboolean recording_failed;   /* the recorder failed: it records nothing more */
  guint8 scratch[2048 + WT_SRTP_MAX_TRAILER];
};

/* room.c: participants and the events sent to them. */
void wt_room_send_event(Participant *p, const char *event, JsonObject *fields);
/* To everyone in @room but @except (may be NULL); @fields transfer full.
 * Workflow modules see the events they know (wt_room_observe()). */
void wt_room_broadcast(WtRoom *room, Participant *except, const char *event, JsonObject *fields);
/* To the staff and admins in @room; @fields transfer full. Modules see it too. */
void wt_room_tell_staff(WtRoom *room, const char *event, JsonObject *fields);
/* Hands a copy of @fields (transfer none) to the registry's observer, when
 * @event is one modules know (module.h) and an observer is set. */
void wt_room_observe(WtRoom *room, const char *event, JsonObject *fields);
JsonObject *wt_room_participant_json(Participant *p);
JsonArray *wt_room_tracks_json(Participant *p);
/* @p leaves the room and is freed. */
void wt_room_remove_participant(Participant *p, const char *reason);
Participant *wt_room_find_by_session(WtRoom *room, guint64 session);

/* room_negotiation.c: publish and subscribe connections, room requests. */
/* Everyone who subscribed gets an updated offer when what they see changed. */
void wt_room_update_subscriptions(WtRoom *room);

/* room_media.c */
void wt_room_on_rtp(WtPeer *peer, guint8 *buf, gsize len, gpointer user_data);
void wt_room_on_publisher_rtcp(WtPeer *peer, guint8 *buf, gsize len, gpointer user_data);
void wt_room_on_subscriber_rtcp(WtPeer *peer, guint8 *buf, gsize len, gpointer user_data);
/* Asks @publisher for a keyframe on @track, at most every 500 ms. */
void wt_room_request_keyframe(Participant *publisher, PubTrack *track);
/* Sends @pkt (decrypted, as the publisher sent it) to @to on slot @ss,
 * rewritten for it; @retransmission skips the test loss switch. */
void wt_room_forward(WtRoom *room, Participant *to, SubSlot *ss, const guint8 *pkt, gsize len,
                     const WtRtpHeader *h, gboolean retransmission);

/* room_feedback.c: RTCP we receive and send beyond keyframe requests. */
void wt_room_feedback_start(WtRoom *room);
void wt_room_feedback_stop(WtRoom *room);
/* Bookkeeping for each packet a publisher sends (cache, stats, transport-cc). */
void wt_room_feedback_on_publisher_rtp(Participant *from, PubTrack *track, const guint8 *pkt,
                                       gsize len, const WtRtpHeader *h);
/* A subscriber's NACK, REMB or receiver report. */
void wt_room_feedback_on_subscriber_rtcp(Participant *to, const WtRtcpPacket *p);
/* A publisher's sender report: remembered, and regenerated for subscribers. */
void wt_room_feedback_on_sender_report(Participant *from, const WtRtcpPacket *p);
PubTrack *wt_room_pub_track_new(const WtTrack *track);
void wt_room_pub_track_free(gpointer track);
/* room_recording.c: when the room is recorded, and who is in the recording. */
void wt_room_recording_on_join(Participant *p, const WtIdentity *who, gboolean rejoin);
void wt_room_recording_on_tracks(Participant *p);
/* After @p left the room's list (the room may now be empty). */
void wt_room_recording_on_leave(Participant *p, const char *reason);
/* Adds "recording": {"state":…, "id":…} to a join result. */
void wt_room_recording_add_state(WtRoom *room, JsonObject *result);
/* `record` {"action":"start"|"stop"}; @req transfer full. */
void wt_room_recording_handle(Participant *p, WtRequest *req);
/* Starts recording @room on behalf of @by (for the log: a participant id or
 * "module"); TRUE at once when it is already recorded. FALSE with @error
 * (G_IO_ERROR_NO_SPACE: disk full; G_IO_ERROR_NOT_SUPPORTED: not set up). */
gboolean wt_room_recording_start(WtRoom *room, const char *by, GError **error);
/* Stops a running recording (sealed with @reason); nothing when none runs. */
void wt_room_recording_stop(WtRoom *room, const char *reason);
/* "on", "stopping" or "off". */
const char *wt_room_recording_state(WtRoom *room);
/* Whether @p's audio and video reach the running recording now. */
void wt_room_recording_recorded(Participant *p, gboolean *audio, gboolean *video);
/* A room-level record of @type with @payload (transfer full) in the running
 * recording's chain. FALSE with G_IO_ERROR_NOT_CONNECTED when nothing is
 * being recorded (or it is stopping or failed). */
gboolean wt_room_recording_add_evidence(WtRoom *room, const char *type, JsonObject *payload,
                                        GError **error);
/* On wt_room_free(): a running recording is sealed as "shutdown" (blocks until done). */
void wt_room_recording_free(WtRoom *room);

/* room_liveness.c: liveness checks on applicants. */
/* What @p publishes changed: starts, replaces or stops their tap. */
void wt_room_liveness_on_tracks(Participant *p);
/* Adds "liveness": {"state", "reasons", "trigger"} for an applicant to @o. */
void wt_room_liveness_add_state(Participant *p, JsonObject *o);
/* `liveness` {"participant": id} from staff; @req transfer full. */
void wt_room_liveness_handle(Participant *p, WtRequest *req);
/* Starts a check of @target now (@trigger: "staff", "module"). FALSE with
 * G_IO_ERROR_NOT_SUPPORTED and why when @target cannot be checked. */
gboolean wt_room_liveness_check(Participant *target, const char *trigger, GError **error);
/* A segment of @p was recorded as @file (NULL: @p leaves, and the leave closes
 * their last segment): a face-presence summary goes into the chain. */
void wt_room_liveness_on_segment(Participant *p, const char *file);
/* On participant_free(): stops the tap (waits for one frame's detection at most). */
void wt_room_liveness_free(Participant *p);

/* Counter helper: relaxed atomic add, single writer (the worker). */
static inline void
wt_room_count(guint64 *counter, guint64 n)
{
  __atomic_store_n(counter, __atomic_load_n(counter, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
}
