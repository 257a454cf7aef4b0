/* recorder_thread_private.h — the storage thread's state, shared by
 * recorder_thread.c (chain records, failures, control messages, the seal,
 * the main loop) and recorder_media.c (packets, frames, segments). Nothing
 * else includes it. Recorder's own thread only. */
#pragma once

#include "clock_sync.h"
#include "depacketize.h"
#include "recorder_private.h"
#include "reorder.h"
#include "segment.h"
#include "ts_unwrap.h"

typedef struct {
  WtCodec codec;
  guint8 pt;
  guint32 clock_rate;
  WtReorder *reorder;
  WtDepacketizer *depack;
  WtTsUnwrap unwrap;
  WtClockSyncStream sync;
  guint seg_sync;                    /* 1 << WtClockSyncState of each frame in the open segment */
  guint32 seg_first_ts, seg_last_ts; /* RTP range in the open segment */
  guint64 lost;                      /* packets lost in the open segment */
  gboolean in_frame;                 /* frame_ts and frame_arrival_us are set */
  guint32 frame_ts;                  /* RTP timestamp of the frame being put together */
  gint64 frame_arrival_us;           /* the earliest arrival among its packets */
} Stream;

typedef struct {
  guint who;
  char *id, *role;
  gboolean present, tracks_set;
  gint64 left_ms; /* recording time of the last leave, -1 when never left */
  WtRecorderTracks tracks;
  Stream streams[WT_SEGMENT_KINDS];
  WtClockSyncParty clock; /* the sender's NTP clock against ours */
  WtSegmentWriter *writer;
  guint index; /* of the next segment */
  gboolean seg_video_started;
  gint64 keyframe_asked_us; /* last keyframe request (monotonic), 0 = none pending */
  gint64 seg_first_pts;
  guint64 drops_seen;
  /* Audio that came before the first video keyframe: a video segment's
   * header needs the keyframe's size, so the audio waits for it. */
  GPtrArray *pending; /* PendingFrame* */
  guint64 pending_dropped;
  guint evidence_files; /* files written with wt_recorder_add_evidence() */
} Part;

typedef struct {
  WtRecorder *rec;
  Part *parts[WT_RECORDER_MAX_PARTICIPANTS];
  gboolean failed;       /* no more media is written after a failure */
  gboolean chain_failed; /* and no more records after the chain itself failed */
  gboolean sealing, sealed;
  const char *fail_seal_reason; /* the seal's reason after a failure (static) */
  guint64 segments;             /* segment records written, for anchors */
  guint room_evidence_files;    /* room-level files (WT_RECORDER_ROOM evidence) */
} Thread;

/* recorder_thread.c: chain records and failures. */
void wt_recorder_thread_append(Thread *t, const char *type, JsonObject *payload);
void wt_recorder_thread_anchor(Thread *t);
JsonObject *wt_recorder_thread_about(Part *p);
void wt_recorder_thread_gap(Thread *t, Part *p, const char *kind, const char *reason, gint64 count,
                            const char *unit);
void wt_recorder_thread_lose_segment(Thread *t, Part *p, const char *why);
void wt_recorder_thread_fail_recording(Thread *t, const char *what, const GError *error);
gboolean wt_recorder_thread_room_on_disk(Thread *t);

/* recorder_media.c: packets, frames, segments. */
void wt_recorder_media_close_segment(Thread *t, Part *p);
void wt_recorder_media_release(Thread *t, Part *p, WtSegmentKind kind, gint64 now_us);
void wt_recorder_media_stream_reset(Stream *s, WtCodec codec, guint8 pt);
void wt_recorder_media_on_packet(Thread *t, WtPacketRingSlot *slot);
void wt_recorder_media_on_sr(Thread *t, WtPacketRingSlot *slot);
