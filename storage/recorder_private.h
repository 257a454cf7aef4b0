/* recorder_private.h — what recorder.c (the producer side) and
 * recorder_thread.c (the storage thread) share. Nothing else includes it. */
#pragma once

#include "chain.h"
#include "packet_ring.h"
#include "recorder.h"

#define WT_RECORDER_MAX_PARTICIPANTS 64
#define WT_RECORDER_NO_HANDLE G_MAXUINT
#define WT_RECORDER_RESERVE_FILE ".reserve"
#define WT_RECORDER_RESERVE_BYTES (1024 * 1024)

#define WT_RECORDER_ERROR (wt_recorder_error_quark())
GQuark wt_recorder_error_quark(void);

/* Ring slot kinds. */
typedef enum {
  RECORDER_PACKET,
  RECORDER_SR, /* a WtRecorderSr copied into the slot like a packet */
  RECORDER_JOIN,
  RECORDER_TRACKS,
  RECORDER_LEAVE,
  RECORDER_STOP,
  RECORDER_EVIDENCE,
} RecorderKind;

/* A control message (heap; the ring passes ownership to the storage thread). */
typedef struct {
  guint who;
  char *participant, *role; /* JOIN */
  WtRecorderTracks tracks;  /* JOIN, TRACKS */
  char *reason;             /* LEAVE, STOP */
  char *type, *extension;   /* EVIDENCE: the record's type, the file's extension */
  JsonObject *payload;      /* EVIDENCE */
  GBytes *file;             /* EVIDENCE: NULL when no file goes with the record */
} RecorderMessage;

/* A sender report as the ring carries it. */
typedef struct {
  guint64 ntp;
  guint32 rtp_ts;
  guint32 kind; /* WtRecorderKind */
} WtRecorderSr;

typedef struct _RecorderTarget RecorderTarget;

struct _WtRecorder {
  char *id, *dir;
  const WtSigningKey *key;
  gint64 segment_ms;
  GMainContext *context;
  WtNotary *notary; /* borrowed; NULL when seals go nowhere */
  guint anchor_every;
  char *tsa_url; /* NULL: no timestamp */
  guint tsa_timeout_ms;
  RecorderTarget *target;
  WtPacketRing *ring;
  GThread *thread;
  WtChain *chain;            /* the storage thread's once it runs */
  gint64 start_wall_ms;      /* the recording's time zero */
  gint64 wall_minus_mono_us; /* maps the ring's monotonic times to the wall clock */
  guint64 min_free_bytes;
  char *reserve_path; /* WT_RECORDER_RESERVE_FILE, or NULL when it could not be made */

  /* Producer side only. */
  GHashTable *handles; /* participant id -> handle */
  gboolean stopped;
  guint64 drops[WT_RECORDER_MAX_PARTICIPANTS]; /* written by the producer, read by the thread */
};

gpointer wt_recorder_thread_main(gpointer rec);
/* From the storage thread: runs a callback on the context. @what: 0
 * keyframe_wanted(@text), 1 failed(@text), 2 sealed(reason @text, @error),
 * 3 segment_written(file @text, "<participant>/<name>"). */
void wt_recorder_post(WtRecorder *rec, int what, const char *text, const GError *error);
void wt_recorder_message_free(RecorderMessage *m);
/* From the storage thread: failed(@code, @reason) on the context. */
void wt_recorder_post_failed(WtRecorder *rec, const char *code, const char *reason);
