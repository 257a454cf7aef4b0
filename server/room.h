/* room.h — one room on one media worker: its participants, their publish and
 * subscribe connections, and the forwarding between them.
 *
 * A room is created by the room registry (rooms.h) on the main thread and then
 * belongs to its worker: every function below runs on that worker, reached
 * through wt_worker_invoke(). Requests arrive whole (WtRequest) and are
 * answered from here with wt_signaling_reply*(); events go out with
 * wt_signaling_send_event(). Both are safe from a worker.
 *
 * Forwarding: RTP from a publisher is decrypted once, then for each subscriber
 * of that track copied into one scratch buffer, rewritten (payload type,
 * extension ids, SSRC where they differ) and encrypted for that subscriber.
 * No allocation and no lock on that path.
 */
#pragma once

#include <glib.h>

#include "dtls.h"
#include "notary.h"
#include "seal.h"
#include "signaling.h"
#include "tap.h"
#include "workers.h"

G_BEGIN_DECLS

typedef struct _WtRoom WtRoom;

/* Counters a room keeps for /metrics: written by its worker, read by the
 * main thread with relaxed atomics (no lock). */
typedef struct {
  guint64 packets_in, bytes_in;    /* RTP received from publishers */
  guint64 packets_out, bytes_out;  /* RTP sent to subscribers */
  guint64 drops;                   /* packets not forwarded: unknown SSRC, bad header, send error */
  guint64 plis;                    /* keyframe requests sent to publishers */
  guint64 nacks;                   /* NACK packets received from subscribers */
  guint64 nack_seqs;               /* sequence numbers they asked for */
  guint64 retransmissions;         /* packets resent from the cache */
  guint64 bitrate_in, bitrate_out; /* bits per second over the last second (gauges) */
  guint loss_permille;             /* worst loss subscribers report, 1/1000 (gauge) */
  guint participants;
} WtRoomCounters;

/* Everything rooms share; owned by the registry, read-only once rooms run. */
typedef struct {
  WtSignaling *signaling;
  WtDtlsIdentity *identity;
  char **ice_addresses; /* NULL: automatic (see peer.h) */
  gboolean ice_loopback;
  char *public_address;
  guint port_min, port_max;
  guint connect_timeout_s, silence_timeout_s;
  guint max_participants;
  guint64 max_bitrate;    /* REMB cap per published video stream, bit/s; 0 = none */
  guint drop_percent;     /* test only: drop this share of packets toward subscribers */
  char *ice_servers_json; /* what clients get as iceServers, a JSON array */
  /* Recording: NULL key or folder means rooms cannot be recorded. */
  WtSigningKey *signing_key;
  char *archive_dir;
  guint segment_s;
  guint recorder_queue_packets;
  guint64 min_free_bytes;        /* [recording] min_free_mb; 0: no check */
  guint64 *recorder_drops_total; /* the registry's counter (relaxed atomics) */
  WtNotary *notary;              /* borrowed; NULL: seals go nowhere (tests) */
  guint anchor_every_segments;
  char *tsa_url; /* NULL: seals carry no RFC 3161 timestamp */
  guint tsa_timeout_ms;
  /* Liveness: checks run on applicants' video when @liveness (config's
   * strings owned by the registry). */
  gboolean liveness;
  WtLivenessTapConfig liveness_config;
  /* Called on the main thread when a participant leaves by itself (its
   * connection failed or went silent), so the registry forgets it. */
  void (*participant_gone)(const char *room, const char *sub, guint64 session, gpointer user_data);
  /* Called on the room's worker with an event for workflow modules and
   * @fields (transfer full, the room's own copy); the registry takes it to
   * the main thread. NULL: nobody observes. */
  void (*observe)(const char *event, JsonObject *fields, gpointer user_data);
  gpointer user_data;
  GMainContext *main_context;
} WtRoomEnv;

/* When the archive's free space is below env->min_free_bytes, why, for
 * people (transfer full); else NULL. A statvfs() call; any thread. */
char *wt_room_disk_low(const WtRoomEnv *env);

/* @id copied; @env borrowed (outlives the room). Call on any thread; the room
 * belongs to @worker from then on. */
WtRoom *wt_room_new(const char *id, WtWorker *worker, const WtRoomEnv *env);
/* Frees the room and every participant's connections. On its worker. */
void wt_room_free(WtRoom *room);
const char *wt_room_get_id(const WtRoom *room);
WtWorker *wt_room_get_worker(WtRoom *room);
/* The counters (owned by the room; valid until wt_room_free()). */
const WtRoomCounters *wt_room_get_counters(const WtRoom *room);

/* Adds the requester (or takes over their participant when the same `sub` is
 * already here) and answers @req (transfer full). On the room's worker. */
void wt_room_join(WtRoom *room, WtRequest *req);
/* Removes the participant of @session, telling the others why. On the worker. */
void wt_room_leave(WtRoom *room, guint64 session, const char *reason);
/* The same, and the participant gets `left` {room, reason} first: the room
 * was closed under them (their connection stays open). On the worker. */
void wt_room_kick(WtRoom *room, guint64 session, const char *reason);
/* Runs a command from a workflow module (rooms.h, wt_rooms_command()) on the
 * worker: @command transfer none (members may be taken). Returns the result
 * (transfer full) or NULL with @error (G_IO_ERROR domain). */
JsonObject *wt_room_command(WtRoom *room, JsonObject *command, GError **error);
/* publish, subscribe, answer, trickle, ice-restart, leave; @req (transfer full). */
void wt_room_handle(WtRoom *room, WtRequest *req);

G_END_DECLS
