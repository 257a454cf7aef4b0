/* liveness_rules.c — the liveness state machine (see liveness_rules.h).
 * Pure: no clock, no GStreamer. Runs on whichever thread owns the rules (the
 * tap calls it under its lock from a GStreamer streaming thread).
 */
#include "liveness_rules.h"

#include <math.h>

struct _WtLivenessRules {
  WtLivenessThresholds t;
  gboolean checking;
  gint64 start_us;
  gint64 last_us; /* the latest time seen (observation or tick) */
  gint64 last_obs_us;
  WtLivenessStats stats;

  /* Motion: face centres and widths of the check (at most window × fps entries). */
  GArray *cx, *cy, *w; /* double */

  /* Blinks: eyes seen, then gone since gap_start_us, then back. */
  guint open_run;      /* frames in a row with eyes seen */
  gboolean gap_counts; /* the open gap followed open_run >= blink_open_frames */
  gint64 gap_start_us; /* -1: no gap open */
  WtFaceBox eye_face;  /* the face the eyes were last seen in */

  gboolean prompted_face, prompted_blink;

  /* Warnings (also between checks). */
  gint64 last_face_us; /* -1: no face seen yet */
  gboolean lost_raised;
  guint multi_run;
  gboolean multi_raised;
};

void
wt_liveness_thresholds_init(WtLivenessThresholds *t)
{
  *t = (WtLivenessThresholds){
      .window_ms = 15000,
      .min_face_ratio = 0.6,
      .min_frames = 10,
      .blink_max_ms = 800,
      .blink_open_frames = 3,
      .min_motion = 0.05,
      .multi_face_frames = 5,
      .face_lost_ms = 3000,
      .prompt_after_ms = 3000,
  };
}

JsonObject *
wt_liveness_thresholds_to_json(const WtLivenessThresholds *t)
{
  JsonObject *o = json_object_new();
  json_object_set_int_member(o, "window_ms", t->window_ms);
  json_object_set_double_member(o, "min_face_ratio", t->min_face_ratio);
  json_object_set_int_member(o, "min_frames", t->min_frames);
  json_object_set_int_member(o, "blink_max_ms", t->blink_max_ms);
  json_object_set_int_member(o, "blink_open_frames", t->blink_open_frames);
  json_object_set_double_member(o, "min_motion", t->min_motion);
  json_object_set_int_member(o, "multi_face_frames", t->multi_face_frames);
  json_object_set_int_member(o, "face_lost_ms", t->face_lost_ms);
  return o;
}

WtLivenessRules *
wt_liveness_rules_new(const WtLivenessThresholds *t)
{
  WtLivenessRules *r = g_new0(WtLivenessRules, 1);
  r->t = *t;
  r->last_face_us = -1;
  r->gap_start_us = -1;
  r->last_us = G_MININT64;
  r->last_obs_us = G_MININT64;
  r->cx = g_array_new(FALSE, FALSE, sizeof(double));
  r->cy = g_array_new(FALSE, FALSE, sizeof(double));
  r->w = g_array_new(FALSE, FALSE, sizeof(double));
  return r;
}

void
wt_liveness_rules_free(WtLivenessRules *r)
{
  g_array_unref(r->cx);
  g_array_unref(r->cy);
  g_array_unref(r->w);
  g_free(r);
}

void
wt_liveness_rules_start(WtLivenessRules *r, gint64 now_us)
{
  r->checking = TRUE;
  r->start_us = now_us;
  r->stats = (WtLivenessStats){0};
  g_array_set_size(r->cx, 0);
  g_array_set_size(r->cy, 0);
  g_array_set_size(r->w, 0);
  r->open_run = 0;
  r->gap_counts = FALSE;
  r->gap_start_us = -1;
  r->prompted_face = r->prompted_blink = FALSE;
}

gboolean
wt_liveness_rules_is_checking(const WtLivenessRules *r)
{
  return r->checking;
}

void
wt_liveness_rules_get_stats(const WtLivenessRules *r, WtLivenessStats *out)
{
  *out = r->stats;
}

const WtLivenessThresholds *
wt_liveness_rules_get_thresholds(const WtLivenessRules *r)
{
  return &r->t;
}

static double
centre_x(const WtFaceBox *b)
{
  return b->x + b->width / 2.0;
}

static double
centre_y(const WtFaceBox *b)
{
  return b->y + b->height / 2.0;
}

/* The same face, give or take a blink's worth of movement: centres within half a width. */
static gboolean
near(const WtFaceBox *a, const WtFaceBox *b)
{
  double w = MAX(a->width, b->width);
  return fabs(centre_x(a) - centre_x(b)) <= w / 2 && fabs(centre_y(a) - centre_y(b)) <= w / 2;
}

static int
cmp_double(gconstpointer a, gconstpointer b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The value at quantile @q of @values (sorted in @scratch). */
static double
quantile(GArray *values, GArray *scratch, double q)
{
  g_array_set_size(scratch, 0);
  g_array_append_vals(scratch, values->data, values->len);
  g_array_sort(scratch, cmp_double);
  guint i = (guint)(q * (scratch->len - 1) + 0.5);
  return g_array_index(scratch, double, i);
}

static void
track_motion(WtLivenessRules *r, const WtFaceBox *f)
{
  double cx = centre_x(f), cy = centre_y(f), w = f->width;
  g_array_append_val(r->cx, cx);
  g_array_append_val(r->cy, cy);
  g_array_append_val(r->w, w);
  g_autoptr(GArray) scratch = g_array_sized_new(FALSE, FALSE, sizeof(double), r->cx->len);
  double width = quantile(r->w, scratch, 0.5);
  double range_x = quantile(r->cx, scratch, 0.9) - quantile(r->cx, scratch, 0.1);
  double range_y = quantile(r->cy, scratch, 0.9) - quantile(r->cy, scratch, 0.1);
  if (width > 0)
    r->stats.motion = MAX(range_x, range_y) / width;
}

static void
track_blink(WtLivenessRules *r, const WtLivenessObservation *o)
{
  gboolean open = o->n_faces > 0 && o->eyes && o->face.width > 0;
  if (open) {
    if (r->gap_start_us >= 0 && r->gap_counts &&
        o->time_us - r->gap_start_us <= (gint64)r->t.blink_max_ms * 1000 &&
        near(&r->eye_face, &o->face))
      r->stats.blinks++;
    if (r->gap_start_us >= 0)
      r->open_run = 0;
    r->gap_start_us = -1;
    r->open_run++;
    r->eye_face = o->face;
  } else if (r->open_run > 0 && r->gap_start_us < 0) {
    r->gap_start_us = o->time_us;
    r->gap_counts = r->open_run >= MAX(r->t.blink_open_frames, 1);
  }
}

/* Warnings run whether or not a check does. */
static guint
track_warnings(WtLivenessRules *r, gint64 now_us, const WtLivenessObservation *o)
{
  guint raised = 0;
  if (o) {
    if (o->n_faces > 1) {
      if (++r->multi_run >= MAX(r->t.multi_face_frames, 1) && !r->multi_raised) {
        r->multi_raised = TRUE;
        raised |= WT_LIVENESS_WARN_MULTIPLE_FACES;
      }
    } else {
      r->multi_run = 0;
      r->multi_raised = FALSE;
    }
    if (o->n_faces > 0) {
      r->last_face_us = now_us;
      r->lost_raised = FALSE;
    }
  }
  if (r->last_face_us >= 0 && !r->lost_raised &&
      now_us - r->last_face_us >= (gint64)r->t.face_lost_ms * 1000) {
    r->lost_raised = TRUE;
    raised |= WT_LIVENESS_WARN_FACE_LOST;
  }
  return raised;
}

static gboolean
enough_face(const WtLivenessRules *r)
{
  const WtLivenessStats *s = &r->stats;
  return s->frames >= MAX(r->t.min_frames, 1) && s->face_frames >= r->t.min_face_ratio * s->frames;
}

static guint
failure_reasons(const WtLivenessRules *r)
{
  if (r->stats.frames == 0)
    return WT_LIVENESS_REASON_NO_VIDEO;
  if (!enough_face(r))
    return WT_LIVENESS_REASON_NO_FACE;
  guint reasons = 0;
  if (r->stats.motion < r->t.min_motion)
    reasons |= WT_LIVENESS_REASON_STILL_FACE;
  if (r->stats.blinks == 0)
    reasons |= WT_LIVENESS_REASON_NO_BLINK;
  return reasons ? reasons : WT_LIVENESS_REASON_NO_FACE;
}

static void
decide(WtLivenessRules *r, WtLivenessUpdate *u, gint64 now_us)
{
  if (!r->checking)
    return;
  gint64 elapsed_us = now_us - r->start_us;
  r->stats.elapsed_ms = elapsed_us / 1000;
  if (enough_face(r) && r->stats.blinks > 0 && r->stats.motion >= r->t.min_motion) {
    u->verdict = WT_LIVENESS_PASSED;
    r->checking = FALSE;
    return;
  }
  if (elapsed_us >= (gint64)r->t.window_ms * 1000) {
    u->verdict = WT_LIVENESS_FAILED;
    u->reasons = failure_reasons(r);
    r->checking = FALSE;
    return;
  }
  u->verdict = WT_LIVENESS_PENDING;
  gint64 since_face = r->last_face_us >= r->start_us ? now_us - r->last_face_us : elapsed_us;
  if (!r->prompted_face && since_face >= (gint64)r->t.prompt_after_ms * 1000) {
    r->prompted_face = TRUE;
    u->prompt = WT_LIVENESS_PROMPT_FACE_CAMERA;
  } else if (!r->prompted_blink && r->stats.blinks == 0 && r->stats.face_frames > 0 &&
             elapsed_us >= (gint64)r->t.window_ms * 500) {
    r->prompted_blink = TRUE;
    u->prompt = WT_LIVENESS_PROMPT_BLINK;
  }
}

WtLivenessUpdate
wt_liveness_rules_observe(WtLivenessRules *r, const WtLivenessObservation *o)
{
  WtLivenessUpdate u = {.verdict = r->checking ? WT_LIVENESS_PENDING : WT_LIVENESS_IDLE};
  if (o->time_us < r->last_obs_us)
    return u; /* out of order: the detector went back in time */
  r->last_obs_us = o->time_us;
  r->last_us = MAX(r->last_us, o->time_us);
  u.warnings = track_warnings(r, o->time_us, o);
  if (!r->checking || o->time_us < r->start_us)
    return u;
  r->stats.frames++;
  if (o->n_faces > 0 && o->face.width > 0) {
    r->stats.face_frames++;
    track_motion(r, &o->face);
  }
  track_blink(r, o);
  decide(r, &u, o->time_us);
  return u;
}

WtLivenessUpdate
wt_liveness_rules_tick(WtLivenessRules *r, gint64 now_us)
{
  WtLivenessUpdate u = {.verdict = r->checking ? WT_LIVENESS_PENDING : WT_LIVENESS_IDLE};
  if (now_us < r->last_us)
    return u;
  r->last_us = now_us;
  u.warnings = track_warnings(r, now_us, NULL);
  decide(r, &u, now_us);
  return u;
}

const char *
wt_liveness_flag_name(WtLivenessFlag flag)
{
  switch (flag) {
  case WT_LIVENESS_REASON_NO_FACE:
    return "no-face";
  case WT_LIVENESS_REASON_STILL_FACE:
    return "still-face";
  case WT_LIVENESS_REASON_NO_BLINK:
    return "no-blink";
  case WT_LIVENESS_REASON_NO_VIDEO:
    return "no-video";
  case WT_LIVENESS_WARN_MULTIPLE_FACES:
    return "multiple-faces";
  case WT_LIVENESS_WARN_FACE_LOST:
    return "face-lost";
  default:
    return NULL;
  }
}

const char *
wt_liveness_prompt_name(WtLivenessPrompt prompt)
{
  switch (prompt) {
  case WT_LIVENESS_PROMPT_FACE_CAMERA:
    return "face-camera";
  case WT_LIVENESS_PROMPT_BLINK:
    return "blink";
  case WT_LIVENESS_PROMPT_NONE:
  default:
    return NULL;
  }
}

JsonArray *
wt_liveness_flags_to_json(guint flags)
{
  JsonArray *a = json_array_new();
  for (guint bit = 0; bit < 16; bit++) {
    const char *name = (flags & (1u << bit)) ? wt_liveness_flag_name(1u << bit) : NULL;
    if (name)
      json_array_add_string_element(a, name);
  }
  return a;
}
