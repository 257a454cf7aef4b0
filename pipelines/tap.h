/* tap.h — the liveness tap of one party: copies of their decrypted video RTP
 * packets go into a bounded queue, and a GStreamer pipeline depayloads and
 * decodes every frame, drops to the analysis rate, and runs the detector
 * (detector.h) whose observations feed the rules (liveness_rules.h).
 *
 *   appsrc ! rtpvp8depay ! vp8dec ! [rate probe] queue(leaky, 1 frame)
 *          ! videoscale (to 480 lines) ! videoconvert ! videocrop (around the last
 *          face, roi.h) ! <detector> ! fakesink
 *
 * The producer side (push) is called by one media worker and never blocks
 * or allocates: packets are copied into a ring (storage/packet_ring.h). When
 * the ring is full the packet is dropped and counted; the tap's feeder thread
 * then skips packets until the next keyframe and asks for one through
 * keyframe_wanted(). The leaky queue before the detector drops decoded frames
 * when detection falls behind: under load the analysis rate drops, the delay
 * does not grow.
 *
 *   WtLivenessTapConfig cfg = {.codec = WT_CODEC_VP8, .pt = 96, .context = worker_ctx, ...};
 *   wt_liveness_tap_config_init(&cfg);   // defaults first, then set what differs
 *   WtLivenessTap *tap = wt_liveness_tap_new(&cfg, &callbacks, room, &error);
 *   wt_liveness_tap_check(tap, "join");      // a check runs for the window
 *   wt_liveness_tap_push(tap, rtp, len);     // every decrypted video packet
 *   wt_liveness_tap_free(tap);
 *
 * Threads: new, check, push and free on the owner's thread (one media worker);
 * the feeder thread and GStreamer's streaming threads do the rest. Callbacks
 * run on @context, never after wt_liveness_tap_free().
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "codec.h"
#include "detector.h"
#include "liveness_rules.h"

G_BEGIN_DECLS

#define WT_LIVENESS_TAP_ERROR (wt_liveness_tap_error_quark())
GQuark wt_liveness_tap_error_quark(void);

typedef struct _WtLivenessTap WtLivenessTap;

typedef struct {
  WtCodec codec;             /* VP8, VP9 or H264 */
  guint8 pt;                 /* the RTP payload type of that codec */
  guint analysis_fps;        /* frames a second given to the detector (10) */
  guint queue_packets;       /* ring slots (512) */
  guint opencv_threads;      /* for wt_liveness_init() by the process's first tap (1) */
  gboolean search_near_face; /* crop around the last face (roi.h); default detector only (TRUE) */
  WtDetectorConfig detector;
  WtLivenessThresholds thresholds;
  const char *log_prefix; /* e.g. "room demo: p-3f9a" (copied) */
  GMainContext *context;  /* where callbacks run (borrowed; NULL: the default) */
} WtLivenessTapConfig;

/* Fills every member with its default (codec VP8, pt 96, no context). */
void wt_liveness_tap_config_init(WtLivenessTapConfig *config);

/* A decided check. */
typedef struct {
  gboolean passed;
  guint reasons;       /* WT_LIVENESS_REASON_* when failed */
  const char *trigger; /* why the check ran ("join", "staff", ...) */
  WtLivenessStats stats;
  JsonObject *record; /* result, reasons, trigger, figures, thresholds, detector */
  GBytes *jpeg;       /* the frame analysed at the decision; NULL when none */
} WtLivenessResult;

typedef struct {
  /* A check decided; @result and what it holds are borrowed for the call. */
  void (*result)(const WtLivenessResult *result, gpointer user_data);
  /* A warning was raised ("multiple-faces", "face-lost"). */
  void (*warning)(const char *warning, gpointer user_data);
  /* Something to show the party ("blink", "face-camera"). */
  void (*prompt)(const char *prompt, gpointer user_data);
  /* The decoder needs a keyframe (at start, and after drops): ask the publisher. */
  void (*keyframe_wanted)(gpointer user_data);
  /* The pipeline stopped with an error; no more results will come. */
  void (*failed)(const char *reason, gpointer user_data);
} WtLivenessTapCallbacks;

/* Once per process, before any tap: initialises GStreamer and bounds
 * OpenCV's worker threads to @opencv_threads (0 leaves OpenCV's default, one
 * per core; 1 runs detection on the calling GStreamer thread alone). */
void wt_liveness_init(guint opencv_threads);

/* Starts the tap. The pipeline is built and started on the tap's own thread
 * (the first one also initialises GStreamer), so this returns at once; a
 * missing element or cascade comes back through failed(). Strings in @config
 * are copied; @callbacks is copied; @user_data is borrowed (outlives the
 * tap). NULL with @error only when the codec is not one the tap decodes. */
WtLivenessTap *wt_liveness_tap_new(const WtLivenessTapConfig *config,
                                   const WtLivenessTapCallbacks *callbacks, gpointer user_data,
                                   GError **error);
/* Stops the pipeline and waits for the feeder thread (at most one frame's
 * detection). Pending callbacks are dropped. */
void wt_liveness_tap_free(WtLivenessTap *tap);

/* A decrypted RTP packet of the video track (transfer none). Never blocks;
 * FALSE when dropped (queue full, or too big). */
gboolean wt_liveness_tap_push(WtLivenessTap *tap, const guint8 *rtp, gsize len);
/* Starts a check now (a running one starts over); @trigger copied. */
void wt_liveness_tap_check(WtLivenessTap *tap, const char *trigger);

/* Face presence since the tap started: analysed frames, with a face, with more than one. */
typedef struct {
  guint64 frames, face_frames, multi_face_frames;
} WtLivenessPresence;
void wt_liveness_tap_get_presence(const WtLivenessTap *tap, WtLivenessPresence *out);

/* Counters, any thread (relaxed). */
guint64 wt_liveness_tap_get_drops(const WtLivenessTap *tap);    /* packets lost in the queue */
guint64 wt_liveness_tap_get_analysed(const WtLivenessTap *tap); /* frames the detector saw */

G_END_DECLS
