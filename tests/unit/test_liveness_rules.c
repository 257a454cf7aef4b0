/* test_liveness_rules.c — the liveness rules (pipelines/liveness_rules.h) fed
 * scripted observations at 10 frames a second: a live face passes, a photo
 * fails as a still face, no face and no video fail, blinks that are too long
 * do not count, warnings and prompts come once per episode, and every
 * threshold changes the decision it should. */
#include <math.h>

#include "liveness_rules.h"

#define FRAME_US 100000 /* 10 fps */

typedef enum { FACE_NONE, FACE_STILL, FACE_MOVING } FaceKind;

typedef struct {
  FaceKind face;
  gboolean eyes;
  guint faces; /* 0: 1 when face != NONE */
} Script;

static WtLivenessObservation
frame(guint i, const Script *s)
{
  WtLivenessObservation o = {.time_us = 1000000 + (gint64)i * FRAME_US};
  if (s->face == FACE_NONE)
    return o;
  o.n_faces = s->faces ? s->faces : 1;
  /* A 120 px face; moving: 40 px side to side over 4 s (like the live fixture),
   * still: one pixel of detector jitter. */
  double dx = s->face == FACE_MOVING ? 20 * sin(2 * G_PI * i / 40.0) : (i % 2);
  o.face = (WtFaceBox){.x = 260 + (gint)dx, .y = 100, .width = 120, .height = 120};
  o.eyes = s->eyes;
  return o;
}

/* Feeds frames [from, to) with @s; returns the first decision (or the last update). */
static WtLivenessUpdate
feed(WtLivenessRules *r, guint from, guint to, Script s, guint *decided_at)
{
  WtLivenessUpdate last = {0};
  for (guint i = from; i < to; i++) {
    WtLivenessObservation o = frame(i, &s);
    last = wt_liveness_rules_observe(r, &o);
    if (last.verdict == WT_LIVENESS_PASSED || last.verdict == WT_LIVENESS_FAILED) {
      if (decided_at)
        *decided_at = i;
      return last;
    }
  }
  return last;
}

static WtLivenessRules *
rules_started(const WtLivenessThresholds *t)
{
  WtLivenessThresholds d;
  wt_liveness_thresholds_init(&d);
  WtLivenessRules *r = wt_liveness_rules_new(t ? t : &d);
  wt_liveness_rules_start(r, 1000000);
  return r;
}

static void
test_live_passes_after_blink(void)
{
  g_autoptr(WtLivenessRules) r = rules_started(NULL);
  guint at = 0;
  WtLivenessUpdate u = feed(r, 0, 26, (Script){FACE_MOVING, TRUE, 0}, &at);
  g_assert_cmpint(u.verdict, ==, WT_LIVENESS_PENDING);       /* moving, but no blink yet */
  u = feed(r, 26, 29, (Script){FACE_MOVING, FALSE, 0}, &at); /* eyes closed 300 ms */
  g_assert_cmpint(u.verdict, ==, WT_LIVENESS_PENDING);
  u = feed(r, 29, 150, (Script){FACE_MOVING, TRUE, 0}, &at);
  g_assert_cmpint(u.verdict, ==, WT_LIVENESS_PASSED);
  g_assert_cmpuint(at, ==, 29); /* the frame the eyes came back */
  WtLivenessStats s;
  wt_liveness_rules_get_stats(r, &s);
  g_assert_cmpuint(s.blinks, ==, 1);
  g_assert_cmpuint(s.frames, ==, 30);
  g_assert_cmpfloat(s.motion, >=, 0.05);
  g_assert_false(wt_liveness_rules_is_checking(r));
  /* Decided: more frames change nothing. */
  u = feed(r, 150, 160, (Script){FACE_MOVING, TRUE, 0}, NULL);
  g_assert_cmpint(u.verdict, ==, WT_LIVENESS_IDLE);
}

static void
test_blink_with_face_lost(void)
{
  /* Haar face cascades lose a face whose eyes are closed: still a blink. */
  g_autoptr(WtLivenessRules) r = rules_started(NULL);
  feed(r, 0, 20, (Script){FACE_MOVING, TRUE, 0}, NULL);
  feed(r, 20, 22, (Script){FACE_NONE, FALSE, 0}, NULL);
  guint at = 0;
  WtLivenessUpdate u = feed(r, 22, 150, (Script){FACE_MOVING, TRUE, 0}, &at);
  g_assert_cmpint(u.verdict, ==, WT_LIVENESS_PASSED);
  g_assert_cmpuint(at, ==, 22);
}

static void
test_photo_fails_still(void)
{
  g_autoptr(WtLivenessRules) r = rules_started(NULL);
  guint at = 0;
  WtLivenessUpdate u = feed(r, 0, 1000, (Script){FACE_STILL, TRUE, 0}, &at);
  g_assert_cmpint(u.verdict, ==, WT_LIVENESS_FAILED);
  g_assert_cmpuint(at, ==, 150); /* 15 s window at 10 fps */
  g_assert_true(u.reasons & WT_LIVENESS_REASON_STILL_FACE);
  g_assert_true(u.reasons & WT_LIVENESS_REASON_NO_BLINK);
  g_assert_false(u.reasons & WT_LIVENESS_REASON_NO_FACE);
}

static void
test_still_face_with_blink_fails(void)
{
  /* A photo with the eyes covered now and then: blinks, but does not move. */
  g_autoptr(WtLivenessRules) r = rules_started(NULL);
  feed(r, 0, 20, (Script){FACE_STILL, TRUE, 0}, NULL);
  feed(r, 20, 22, (Script){FACE_STILL, FALSE, 0}, NULL);
  WtLivenessUpdate u = feed(r, 22, 1000, (Script){FACE_STILL, TRUE, 0}, NULL);
  g_assert_cmpint(u.verdict, ==, WT_LIVENESS_FAILED);
  g_assert_cmpuint(u.reasons, ==, WT_LIVENESS_REASON_STILL_FACE);
}

static void
test_no_face_fails_and_prompts(void)
{
  g_autoptr(WtLivenessRules) r = rules_started(NULL);
  guint prompts = 0, prompt_frame = 0;
  WtLivenessUpdate u = {0};
  for (guint i = 0; i < 1000; i++) {
    Script s = {FACE_NONE, FALSE, 0};
    WtLivenessObservation o = frame(i, &s);
    u = wt_liveness_rules_observe(r, &o);
    if (u.prompt == WT_LIVENESS_PROMPT_FACE_CAMERA) {
      prompts++;
      prompt_frame = i;
    }
    if (u.verdict == WT_LIVENESS_FAILED)
      break;
  }
  g_assert_cmpint(u.verdict, ==, WT_LIVENESS_FAILED);
  g_assert_cmpuint(u.reasons, ==, WT_LIVENESS_REASON_NO_FACE);
  g_assert_cmpuint(prompts, ==, 1);
  g_assert_cmpuint(prompt_frame, ==, 30);
}

static void
test_face_in_too_few_frames(void)
{
  /* Face in half the frames (min_face_ratio 0.6): no face, even though it blinked and moved. */
  g_autoptr(WtLivenessRules) r = rules_started(NULL);
  WtLivenessUpdate u = {0};
  for (guint i = 0; i < 200 && u.verdict != WT_LIVENESS_FAILED && u.verdict != WT_LIVENESS_PASSED;
       i++) {
    Script s = {(i / 10) % 2 ? FACE_NONE : FACE_MOVING, TRUE, 0};
    WtLivenessObservation o = frame(i, &s);
    u = wt_liveness_rules_observe(r, &o);
  }
  g_assert_cmpint(u.verdict, ==, WT_LIVENESS_FAILED);
  g_assert_cmpuint(u.reasons, ==, WT_LIVENESS_REASON_NO_FACE);
}

static void
test_no_video_times_out(void)
{
  g_autoptr(WtLivenessRules) r = rules_started(NULL);
  WtLivenessUpdate u = wt_liveness_rules_tick(r, 1000000 + 14900000);
  g_assert_cmpint(u.verdict, ==, WT_LIVENESS_PENDING);
  u = wt_liveness_rules_tick(r, 1000000 + 15000000);
  g_assert_cmpint(u.verdict, ==, WT_LIVENESS_FAILED);
  g_assert_cmpuint(u.reasons, ==, WT_LIVENESS_REASON_NO_VIDEO);
  u = wt_liveness_rules_tick(r, 1000000 + 16000000);
  g_assert_cmpint(u.verdict, ==, WT_LIVENESS_IDLE);
}

static void
test_long_eyes_gap_is_no_blink(void)
{
  g_autoptr(WtLivenessRules) r = rules_started(NULL);
  feed(r, 0, 20, (Script){FACE_MOVING, TRUE, 0}, NULL);
  feed(r, 20, 30, (Script){FACE_MOVING, FALSE, 0}, NULL); /* 1 s > blink_max_ms */
  guint prompts = 0;
  WtLivenessUpdate u = {0};
  for (guint i = 30; i < 1000; i++) {
    Script s = {FACE_MOVING, TRUE, 0};
    WtLivenessObservation o = frame(i, &s);
    u = wt_liveness_rules_observe(r, &o);
    prompts += u.prompt == WT_LIVENESS_PROMPT_BLINK;
    if (u.verdict == WT_LIVENESS_FAILED)
      break;
  }
  g_assert_cmpint(u.verdict, ==, WT_LIVENESS_FAILED);
  g_assert_cmpuint(u.reasons, ==, WT_LIVENESS_REASON_NO_BLINK);
  g_assert_cmpuint(prompts, ==, 1);
}

static void
test_thresholds_matter(void)
{
  WtLivenessThresholds t;
  wt_liveness_thresholds_init(&t);
  t.min_motion = 0.5; /* 40 px of travel on a 120 px face is 0.33 */
  t.window_ms = 5000;
  g_autoptr(WtLivenessRules) r = rules_started(&t);
  feed(r, 0, 20, (Script){FACE_MOVING, TRUE, 0}, NULL);
  feed(r, 20, 22, (Script){FACE_MOVING, FALSE, 0}, NULL);
  guint at = 0;
  WtLivenessUpdate u = feed(r, 22, 1000, (Script){FACE_MOVING, TRUE, 0}, &at);
  g_assert_cmpint(u.verdict, ==, WT_LIVENESS_FAILED);
  g_assert_cmpuint(u.reasons, ==, WT_LIVENESS_REASON_STILL_FACE);
  g_assert_cmpuint(at, ==, 50);

  /* blink_max_ms 100: a 200 ms gap no longer counts. */
  wt_liveness_thresholds_init(&t);
  t.blink_max_ms = 100;
  g_autoptr(WtLivenessRules) r2 = rules_started(&t);
  feed(r2, 0, 20, (Script){FACE_MOVING, TRUE, 0}, NULL);
  feed(r2, 20, 22, (Script){FACE_MOVING, FALSE, 0}, NULL);
  u = feed(r2, 22, 1000, (Script){FACE_MOVING, TRUE, 0}, NULL);
  g_assert_cmpint(u.verdict, ==, WT_LIVENESS_FAILED);
  g_assert_cmpuint(u.reasons, ==, WT_LIVENESS_REASON_NO_BLINK);

  /* min_frames: a blink in the first frames cannot pass before it. */
  wt_liveness_thresholds_init(&t);
  t.min_frames = 40;
  g_autoptr(WtLivenessRules) r3 = rules_started(&t);
  feed(r3, 0, 5, (Script){FACE_MOVING, TRUE, 0}, NULL);
  feed(r3, 5, 7, (Script){FACE_MOVING, FALSE, 0}, NULL);
  u = feed(r3, 7, 1000, (Script){FACE_MOVING, TRUE, 0}, &at);
  g_assert_cmpint(u.verdict, ==, WT_LIVENESS_PASSED);
  g_assert_cmpuint(at, ==, 39);

  g_autoptr(JsonObject) j = wt_liveness_thresholds_to_json(&t);
  g_assert_cmpint(json_object_get_int_member(j, "min_frames"), ==, 40);
  g_assert_cmpint(json_object_get_int_member(j, "window_ms"), ==, 15000);
}

static void
test_warnings_once_per_episode(void)
{
  WtLivenessThresholds t;
  wt_liveness_thresholds_init(&t);
  g_autoptr(WtLivenessRules) r = wt_liveness_rules_new(&t); /* no check: warnings still run */
  guint multi = 0, lost = 0, raised_at = 0;
  for (guint i = 0; i < 100; i++) {
    Script s = {FACE_MOVING, TRUE, (i >= 10 && i < 30) || (i >= 50 && i < 53) ? 2 : 1};
    WtLivenessObservation o = frame(i, &s);
    WtLivenessUpdate u = wt_liveness_rules_observe(r, &o);
    g_assert_cmpint(u.verdict, ==, WT_LIVENESS_IDLE);
    if (u.warnings & WT_LIVENESS_WARN_MULTIPLE_FACES) {
      multi++;
      raised_at = i;
    }
  }
  g_assert_cmpuint(multi, ==, 1); /* 20 frames: once; 3 frames: under multi_face_frames */
  g_assert_cmpuint(raised_at, ==, 14);
  /* Face gone: a warning after face_lost_ms, once, from frames or ticks. */
  for (guint i = 100; i < 200; i++) {
    Script s = {FACE_NONE, FALSE, 0};
    WtLivenessObservation o = frame(i, &s);
    WtLivenessUpdate u = wt_liveness_rules_observe(r, &o);
    if (u.warnings & WT_LIVENESS_WARN_FACE_LOST) {
      lost++;
      raised_at = i;
    }
  }
  g_assert_cmpuint(lost, ==, 1);
  g_assert_cmpuint(raised_at, ==, 129); /* last face at frame 99, 3 s later */
  Script s = {FACE_MOVING, TRUE, 0};
  WtLivenessObservation o = frame(200, &s);
  wt_liveness_rules_observe(r, &o);
  WtLivenessUpdate u = wt_liveness_rules_tick(r, o.time_us + 2900000);
  g_assert_cmpuint(u.warnings, ==, 0);
  u = wt_liveness_rules_tick(r, o.time_us + 3000000);
  g_assert_cmpuint(u.warnings, ==, WT_LIVENESS_WARN_FACE_LOST);
}

static void
test_restart_and_time_order(void)
{
  g_autoptr(WtLivenessRules) r = rules_started(NULL);
  feed(r, 0, 20, (Script){FACE_MOVING, TRUE, 0}, NULL);
  feed(r, 20, 22, (Script){FACE_MOVING, FALSE, 0}, NULL);
  /* A restart forgets the half-seen blink and the frames. */
  wt_liveness_rules_start(r, 1000000 + 22 * FRAME_US);
  WtLivenessStats s;
  wt_liveness_rules_get_stats(r, &s);
  g_assert_cmpuint(s.frames, ==, 0);
  WtLivenessUpdate u = feed(r, 22, 40, (Script){FACE_MOVING, TRUE, 0}, NULL);
  g_assert_cmpint(u.verdict, ==, WT_LIVENESS_PENDING);
  wt_liveness_rules_get_stats(r, &s);
  g_assert_cmpuint(s.blinks, ==, 0);
  /* A frame from the past is ignored. */
  Script still = {FACE_STILL, TRUE, 0};
  WtLivenessObservation o = frame(5, &still);
  u = wt_liveness_rules_observe(r, &o);
  wt_liveness_rules_get_stats(r, &s);
  g_assert_cmpuint(s.frames, ==, 18);
  /* Nonsense boxes are not faces. */
  o = frame(41, &still);
  o.face.width = 0;
  wt_liveness_rules_observe(r, &o);
  wt_liveness_rules_get_stats(r, &s);
  g_assert_cmpuint(s.face_frames, ==, 18);
}

static void
test_flicker_and_stray_faces(void)
{
  /* A still face whose eyes flicker out every 3rd frame, and one stray face far
   * away: no blink (never 3 open frames in a row), no motion (a lone outlier). */
  g_autoptr(WtLivenessRules) r = rules_started(NULL);
  WtLivenessUpdate u = {0};
  for (guint i = 0; i < 1000; i++) {
    Script s = {FACE_STILL, i % 3 != 2, 0};
    WtLivenessObservation o = frame(i, &s);
    if (i == 40)
      o.face.x += 300;
    u = wt_liveness_rules_observe(r, &o);
    if (u.verdict == WT_LIVENESS_FAILED || u.verdict == WT_LIVENESS_PASSED)
      break;
  }
  g_assert_cmpint(u.verdict, ==, WT_LIVENESS_FAILED);
  g_assert_cmpuint(u.reasons, ==, WT_LIVENESS_REASON_STILL_FACE | WT_LIVENESS_REASON_NO_BLINK);
  WtLivenessStats st;
  wt_liveness_rules_get_stats(r, &st);
  g_assert_cmpfloat(st.motion, <, 0.02);
}

static void
test_names(void)
{
  g_autoptr(JsonArray) a =
      wt_liveness_flags_to_json(WT_LIVENESS_REASON_STILL_FACE | WT_LIVENESS_REASON_NO_BLINK);
  g_assert_cmpuint(json_array_get_length(a), ==, 2);
  g_assert_cmpstr(json_array_get_string_element(a, 0), ==, "still-face");
  g_assert_cmpstr(json_array_get_string_element(a, 1), ==, "no-blink");
  g_assert_cmpstr(wt_liveness_flag_name(WT_LIVENESS_WARN_FACE_LOST), ==, "face-lost");
  g_assert_null(wt_liveness_flag_name(1 << 5));
  g_assert_cmpstr(wt_liveness_prompt_name(WT_LIVENESS_PROMPT_BLINK), ==, "blink");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/liveness-rules/live-passes-after-blink", test_live_passes_after_blink);
  g_test_add_func("/liveness-rules/blink-with-face-lost", test_blink_with_face_lost);
  g_test_add_func("/liveness-rules/photo-fails-still", test_photo_fails_still);
  g_test_add_func("/liveness-rules/still-face-with-blink-fails", test_still_face_with_blink_fails);
  g_test_add_func("/liveness-rules/no-face-fails-and-prompts", test_no_face_fails_and_prompts);
  g_test_add_func("/liveness-rules/face-in-too-few-frames", test_face_in_too_few_frames);
  g_test_add_func("/liveness-rules/no-video-times-out", test_no_video_times_out);
  g_test_add_func("/liveness-rules/long-eyes-gap-is-no-blink", test_long_eyes_gap_is_no_blink);
  g_test_add_func("/liveness-rules/thresholds-matter", test_thresholds_matter);
  g_test_add_func("/liveness-rules/warnings-once-per-episode", test_warnings_once_per_episode);
  g_test_add_func("/liveness-rules/restart-and-time-order", test_restart_and_time_order);
  g_test_add_func("/liveness-rules/flicker-and-stray-faces", test_flicker_and_stray_faces);
  g_test_add_func("/liveness-rules/names", test_names);
  return g_test_run();
}
