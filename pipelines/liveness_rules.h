/* liveness_rules.h — the liveness rules: a pure state machine fed one
 * observation per analysed frame (faces and eyes, as a detector saw them),
 * deciding whether a live person is on camera. No GStreamer, no clock, no I/O:
 * time comes in with each call, so the unit tests drive it frame by frame.
 *
 * A check runs from wt_liveness_rules_start() for `window_ms`. It passes as
 * soon as, since the start,
 *   - a face was present in at least `min_face_ratio` of the analysed frames
 *     (and at least `min_frames` frames were analysed),
 *   - the eyes blinked at least once: eyes seen in the face for
 *     `blink_open_frames` frames in a row, then not seen for at most
 *     `blink_max_ms` (the face may drop out too: Haar face
 *     cascades often lose a face whose eyes are closed), then seen again in a
 *     face near where it was, and
 *   - the face moved: its centre travelled at least `min_motion` face widths
 *     (the range of its positions between the 10th and 90th percentile, so
 *     neither detector jitter on a still photo nor a stray false face adds
 *     up).
 * At the end of the window it fails, with every reason that applies:
 * `no-face` (face in too few frames; `no-video` when no frame came at all),
 * `still-face` (a photo), `no-blink`. Between checks and after a decision the
 * rules go on watching for warnings: `multiple-faces` (more than one face for
 * `multi_face_frames` frames in a row) and `face-lost` (no face for
 * `face_lost_ms`), each raised once per episode.
 *
 * While a check runs, prompts for the party: `face-camera` when no face has
 * been seen for `prompt_after_ms`, `blink` when a face is there but no blink
 * came in half the window. Each at most once per check.
 *
 *   WtLivenessRules *r = wt_liveness_rules_new(&thresholds);
 *   wt_liveness_rules_start(r, now_us);
 *   WtLivenessUpdate u = wt_liveness_rules_observe(r, &obs);  // each frame
 *   u = wt_liveness_rules_tick(r, now_us);                    // now and then
 *   if (u.verdict != WT_LIVENESS_PENDING) ...
 *
 * Threads: a WtLivenessRules belongs to its caller; no locking inside.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Every threshold of the rules; all in [liveness] of the configuration. */
typedef struct {
  guint window_ms;         /* a check's length (15000) */
  double min_face_ratio;   /* share of analysed frames with a face to pass (0.6) */
  guint min_frames;        /* frames a check must analyse before it may pass (10) */
  guint blink_max_ms;      /* longest eyes-lost gap that still counts as a blink (800) */
  guint blink_open_frames; /* frames in a row with eyes seen before a gap can be a blink (3) */
  double min_motion;       /* face centre travel, in face widths, to pass (0.05) */
  guint multi_face_frames; /* frames in a row with >1 face for a warning (5) */
  guint face_lost_ms;      /* no face this long raises a warning (3000) */
  guint prompt_after_ms;   /* no face this long in a check prompts the party (3000) */
} WtLivenessThresholds;

/* The defaults above. */
void wt_liveness_thresholds_init(WtLivenessThresholds *t);
/* The thresholds as JSON members (transfer full), for the chain record. */
JsonObject *wt_liveness_thresholds_to_json(const WtLivenessThresholds *t);

/* A face box in pixels of the analysed frame. */
typedef struct {
  gint x, y, width, height;
} WtFaceBox;

/* What the detector saw in one analysed frame. */
typedef struct {
  gint64 time_us; /* the frame's time, any monotonic base (µs) */
  guint n_faces;  /* faces found */
  WtFaceBox face; /* the largest face (when n_faces > 0) */
  gboolean eyes;  /* eyes found within that face */
} WtLivenessObservation;

typedef enum {
  WT_LIVENESS_IDLE,    /* no check running (none asked, or decided) */
  WT_LIVENESS_PENDING, /* a check runs, no decision yet */
  WT_LIVENESS_PASSED,  /* this call decided: passed */
  WT_LIVENESS_FAILED,  /* this call decided: failed (reasons say why) */
} WtLivenessVerdict;

/* Reasons (failures) and warnings, as bits. */
typedef enum {
  WT_LIVENESS_REASON_NO_FACE = 1 << 0,
  WT_LIVENESS_REASON_STILL_FACE = 1 << 1,
  WT_LIVENESS_REASON_NO_BLINK = 1 << 2,
  WT_LIVENESS_REASON_NO_VIDEO = 1 << 3,
  WT_LIVENESS_WARN_MULTIPLE_FACES = 1 << 8,
  WT_LIVENESS_WARN_FACE_LOST = 1 << 9,
} WtLivenessFlag;

typedef enum {
  WT_LIVENESS_PROMPT_NONE,
  WT_LIVENESS_PROMPT_FACE_CAMERA, /* "please face the camera" */
  WT_LIVENESS_PROMPT_BLINK,       /* "please blink" */
} WtLivenessPrompt;

/* What one call changed. */
typedef struct {
  WtLivenessVerdict verdict; /* PASSED or FAILED only on the call that decides */
  guint reasons;             /* with FAILED: WT_LIVENESS_REASON_* bits */
  guint warnings;            /* warnings raised by this call: WT_LIVENESS_WARN_* bits */
  WtLivenessPrompt prompt;   /* a prompt to show now, or NONE */
} WtLivenessUpdate;

/* Figures of the current (or last decided) check, for results and records. */
typedef struct {
  guint frames;      /* analysed */
  guint face_frames; /* with at least one face */
  guint blinks;
  double motion;     /* face centre travel so far, in face widths */
  gint64 elapsed_ms; /* from start to the last observation or tick */
} WtLivenessStats;

typedef struct _WtLivenessRules WtLivenessRules;

/* @t copied. Transfer full. */
WtLivenessRules *wt_liveness_rules_new(const WtLivenessThresholds *t);
void wt_liveness_rules_free(WtLivenessRules *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtLivenessRules, wt_liveness_rules_free)

/* Starts (or restarts) a check at @now_us. */
void wt_liveness_rules_start(WtLivenessRules *r, gint64 now_us);
/* One analysed frame. Frames older than the last one are ignored. */
WtLivenessUpdate wt_liveness_rules_observe(WtLivenessRules *r, const WtLivenessObservation *o);
/* Time passes without frames: ends a check whose window is over (`no-video`
 * when no frame came) and raises `face-lost`. */
WtLivenessUpdate wt_liveness_rules_tick(WtLivenessRules *r, gint64 now_us);

gboolean wt_liveness_rules_is_checking(const WtLivenessRules *r);
void wt_liveness_rules_get_stats(const WtLivenessRules *r, WtLivenessStats *out);
const WtLivenessThresholds *wt_liveness_rules_get_thresholds(const WtLivenessRules *r);

/* Names: "no-face", "still-face", "no-blink", "no-video", "multiple-faces",
 * "face-lost" (static; NULL for an unknown bit); "face-camera", "blink". */
const char *wt_liveness_flag_name(WtLivenessFlag flag);
const char *wt_liveness_prompt_name(WtLivenessPrompt prompt);
/* The names of the bits set in @flags, as a JSON array (transfer full). */
JsonArray *wt_liveness_flags_to_json(guint flags);

G_END_DECLS
