/* recorder.h — one recording in progress: every participant's audio and video
 * written as hashed segments into <archive>/<id>/, with a chain record for
 * each segment, join, leave and gap, sealed when it stops.
 *
 * The producer side (join, push, leave, stop) is called by one media worker
 * and never blocks: packets are copied into a bounded ring (packet_ring.h); a
 * full ring drops the packet, counts it, and the recorder writes the loss into
 * the chain as a `gap`. A storage thread of the recorder's own does the rest:
 * reorders (reorder.h), depacketizes (depacketize.h), maps RTP time to
 * milliseconds on the recording's wall clock (from the first packet's
 * arrival, or from the sender's clock once its RTCP sender reports come
 * through wt_recorder_push_sr(): clock_sync.h) and writes
 * segments (segment.h) of `segment_s` seconds, each starting on a video
 * keyframe: near a boundary it asks for one through keyframe_wanted().
 *
 *   WtRecorderConfig cfg = {.archive_dir = "var/archive", .id = "r-20261204-…",
 *                           .key = key, .segment_s = 10, .context = worker_ctx};
 *   WtRecorder *rec = wt_recorder_new(&cfg, &callbacks, room, &error);
 *   guint who = wt_recorder_join(rec, "p-3f9a", "applicant", &tracks);
 *   wt_recorder_push(rec, who, rtp, len);          // for every decrypted packet
 *   wt_recorder_push_sr(rec, who, WT_RECORDER_VIDEO, ntp, rtp_ts); // its sender reports
 *   wt_recorder_leave(rec, who, "left");
 *   wt_recorder_stop(rec, "ended");                // sealed() follows
 *   wt_recorder_free(rec);                         // after sealed(), or to stop now
 *
 * On a full disk: each recording keeps a small reserve file (".reserve", 1 MiB,
 * outside the evidence) that it deletes before its last records and seal, so
 * that a recording stopped by ENOSPC can still say why and be sealed.
 *
 * Nothing here knows rooms or peers: participants are ids and a handle.
 * Callbacks run on @context (the producer's worker), never on the storage thread.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "codec.h"
#include "notary.h"
#include "seal.h"

G_BEGIN_DECLS

typedef struct _WtRecorder WtRecorder;

/* What a participant publishes, as the recorder needs it. */
typedef struct {
  WtCodec audio_codec; /* WT_CODEC_NONE when no audio */
  guint8 audio_pt;
  guint8 audio_channels;
  WtCodec video_codec; /* WT_CODEC_NONE when no video */
  guint8 video_pt;
} WtRecorderTracks;

typedef struct {
  const char *archive_dir; /* the recording goes in archive_dir/id (created) */
  const char *id;          /* e.g. "r-20261204T053012Z-3f9a" */
  const WtSigningKey *key; /* borrowed; outlives the recorder */
  guint segment_s;         /* seconds per segment (default 10 when 0) */
  guint queue_packets;     /* ring slots (default 4096 when 0) */
  GMainContext *context;   /* where callbacks run (borrowed) */
  /* Free space the archive's file system must keep: checked at each segment
   * boundary; below it the recording stops as on a full disk. 0: no check. */
  guint64 min_free_bytes;
  /* Borrowed, may be NULL: gets the recording's row, its seal and, every
   * anchor_every_segments segments (0: never), its chain head. */
  WtNotary *notary;
  guint anchor_every_segments;
  const char *tsa_url;  /* RFC 3161 TSA for the seal's timestamp; NULL: none */
  guint tsa_timeout_ms; /* how long sealing waits for it (default 10000 when 0) */
} WtRecorderConfig;

typedef struct {
  /* A segment of @participant ends soon: ask its publisher for a keyframe. */
  void (*keyframe_wanted)(const char *participant, gpointer user_data);
  /* The recorder cannot go on; @code is "disk-full" (ENOSPC, or free space
   * below min_free_bytes at a segment boundary) or "write-failed" (another
   * I/O error), @reason says it for people. It stops writing: open segments
   * are finished when they can be, else discarded and written as a gap (an
   * incomplete segment is never recorded as complete), a `failure` record
   * {code, reason} goes into the chain, and the recording is sealed with
   * reason @code ("failed" for write-failed); sealed() follows. */
  void (*failed)(const char *code, const char *reason, gpointer user_data);
  /* The recording is sealed (or sealing failed: @error set). @dir transfer none. */
  void (*sealed)(const char *dir, const char *reason, const GError *error, gpointer user_data);
  /* A segment of @participant was written and recorded in the chain as @file
   * ("<participant>/<name>"); may be NULL. */
  void (*segment_written)(const char *participant, const char *file, gpointer user_data);
} WtRecorderCallbacks;

/* Creates the folder and its chain and starts the storage thread. Strings in
 * @config are copied. NULL with @error. */
WtRecorder *wt_recorder_new(const WtRecorderConfig *config, const WtRecorderCallbacks *callbacks,
                            gpointer user_data, GError **error);
/* Stops (as @reason "shutdown" when still running), waits for the seal, frees. */
void wt_recorder_free(WtRecorder *rec);

const char *wt_recorder_get_id(const WtRecorder *rec);
const char *wt_recorder_get_dir(const WtRecorder *rec);

/* A participant joins (or comes back: the same @participant gets its old
 * handle, and the time away is a gap). @tracks copied. Returns the handle. */
guint wt_recorder_join(WtRecorder *rec, const char *participant, const char *role,
                       const WtRecorderTracks *tracks);
/* What the participant publishes changed (renegotiation). */
void wt_recorder_set_tracks(WtRecorder *rec, guint who, const WtRecorderTracks *tracks);
/* A decrypted RTP packet (transfer none). Never blocks; FALSE when dropped. */
gboolean wt_recorder_push(WtRecorder *rec, guint who, const guint8 *rtp, gsize len);
/* The same with the packet's arrival time given (monotonic µs, never going
 * back), for replays and benchmarks that feed recorded or simulated traffic
 * faster than real time. */
gboolean wt_recorder_push_at(WtRecorder *rec, guint who, const guint8 *rtp, gsize len,
                             gint64 arrival_us);
/* Which of a participant's streams a sender report is about. */
typedef enum {
  WT_RECORDER_AUDIO,
  WT_RECORDER_VIDEO,
} WtRecorderKind;

/* The publisher's RTCP sender report for its @kind stream: NTP time @ntp
 * (64-bit, RFC 3550) is RTP time @rtp_ts. Copied through the ring like a
 * packet, never blocks; FALSE when dropped (harmless: the next one will
 * do, and it is not a gap). It lets the storage thread place the stream's
 * frames on the sender's capture clock instead of their arrival (see
 * clock_sync.h), for lip sync and alignment across parties. */
gboolean wt_recorder_push_sr(WtRecorder *rec, guint who, WtRecorderKind kind, guint64 ntp,
                             guint32 rtp_ts);
/* The same, arrived at @arrival_us (monotonic, as wt_recorder_push_at()). */
gboolean wt_recorder_push_sr_at(WtRecorder *rec, guint who, WtRecorderKind kind, guint64 ntp,
                                guint32 rtp_ts, gint64 arrival_us);
/* Packets and messages waiting for the storage thread (producer side;
 * approximate), so a replay can wait for room instead of dropping. */
guint wt_recorder_get_queued(WtRecorder *rec);
void wt_recorder_leave(WtRecorder *rec, guint who, const char *reason);
/* @who for a record about the recording as a whole (a workflow module's
 * consent mark, decision…): it carries no "participant", and its file (if
 * any) is written as room/<type>-<n>.<extension>. */
#define WT_RECORDER_ROOM (G_MAXUINT - 1)

/* A record of @type (e.g. "liveness") about participant @who (or the whole
 * recording: WT_RECORDER_ROOM) with @payload
 * (transfer full; must not use seq, type, time, prev, hash, participant, file,
 * size or sha256), and optionally a file that goes with it (@file transfer
 * none, copied by reference): written atomically as
 * <participant>/<type>-<n>.<extension> in the recording's folder, and named,
 * sized and hashed in the record, so witnessctl verify checks it. Never
 * blocks; the storage thread writes it in order with the packets. */
void wt_recorder_add_evidence(WtRecorder *rec, guint who, const char *type, JsonObject *payload,
                              GBytes *file, const char *extension);
/* Ends the recording: open segments are closed, then it is sealed with
 * @reason ("ended", "shutdown"); sealed() follows on the context. */
void wt_recorder_stop(WtRecorder *rec, const char *reason);

/* Bytes free for unprivileged writers on the file system of @path (which
 * must exist). FALSE with @error (GIOError) when statvfs() fails. Any thread. */
gboolean wt_recorder_disk_free(const char *path, guint64 *free_bytes, GError **error);

/* Packets dropped because the ring was full (any thread, relaxed). */
guint64 wt_recorder_get_drops(const WtRecorder *rec);

G_END_DECLS
