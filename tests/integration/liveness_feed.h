/* liveness_feed.h — test helper: a video source encoded `vp8enc ! rtpvp8pay`
 * and pushed into a liveness tap at 30 frames a second of wall clock, looped
 * (sequence numbers and timestamps continue across loops), from a thread of
 * its own, which is the tap's one producer (push and check). */
#pragma once

#include "tap.h"

typedef struct _LivenessFeed LivenessFeed;

/* @source: a gst-launch description ending in raw video, e.g.
 * "filesrc location=x.mjpeg ! jpegparse ! jpegdec" (sent at the size it
 * ends with). Starts a check ("test")
 * and feeds until liveness_feed_stop(). */
LivenessFeed *liveness_feed_start(WtLivenessTap *tap, const char *source);
/* Stops and joins the thread; returns the packets pushed. */
guint64 liveness_feed_stop(LivenessFeed *feed);

/* The tap's callbacks, recording into a LivenessOutcome (user_data), and a
 * main-loop wait for the first result. */
typedef struct {
  gboolean decided, passed;
  guint reasons;
  guint warnings; /* WT_LIVENESS_WARN_* seen */
  guint prompts, keyframes_wanted;
  gboolean failed;
  char *failure;      /* what failed() said */
  JsonObject *record; /* ref */
  GBytes *jpeg;       /* ref */
} LivenessOutcome;

extern const WtLivenessTapCallbacks liveness_outcome_callbacks;
/* Iterates the default context until a result or @timeout_s; TRUE on a result. */
gboolean liveness_outcome_wait(LivenessOutcome *out, guint timeout_s);
void liveness_outcome_clear(LivenessOutcome *out);
