/* liveness_feed.c — see liveness_feed.h. The encoder pipeline runs on
 * GStreamer's threads; the feeder thread pulls its RTP packets, rewrites
 * sequence numbers and timestamps to run on across loops, paces them and
 * pushes them into the tap. */
#include "liveness_feed.h"

#include <gst/app/gstappsink.h>
#include <string.h>

struct _LivenessFeed {
  WtLivenessTap *tap;
  char *source;
  GThread *thread;
  gint stop;
  guint64 pushed;
};

static GstElement *
encoder_new(const char *source)
{
  g_autofree char *desc = g_strdup_printf(
      "%s ! videoconvert ! video/x-raw,format=I420 "
      "! vp8enc deadline=1 cpu-used=8 threads=1 keyframe-max-dist=90 target-bitrate=1500000 "
      "! rtpvp8pay pt=96 mtu=1200 ! appsink name=out sync=false max-buffers=64",
      source);
  g_autoptr(GError) error = NULL;
  GstElement *p = gst_parse_launch(desc, &error);
  g_assert_no_error(error);
  return p;
}

static gpointer
feed_main(gpointer data)
{
  LivenessFeed *f = data;
  wt_liveness_tap_check(f->tap, "test");
  guint16 seq = 1000;
  guint32 ts = 12345;
  guint64 frames = 0;
  gint64 start = g_get_monotonic_time();
  while (!g_atomic_int_get(&f->stop)) {
    GstElement *enc = encoder_new(f->source);
    GstElement *sink = gst_bin_get_by_name(GST_BIN(enc), "out");
    gst_element_set_state(enc, GST_STATE_PLAYING);
    while (!g_atomic_int_get(&f->stop)) {
      GstSample *sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), GST_SECOND);
      if (!sample) {
        if (gst_app_sink_is_eos(GST_APP_SINK(sink)))
          break;
        continue;
      }
      GstBuffer *buf = gst_sample_get_buffer(sample);
      GstMapInfo map;
      g_assert_true(gst_buffer_map(buf, &map, GST_MAP_READ));
      g_assert_cmpuint(map.size, >=, 12);
      guint8 pkt[1600];
      gsize len = MIN(map.size, sizeof pkt);
      memcpy(pkt, map.data, len);
      gst_buffer_unmap(buf, &map);
      gst_sample_unref(sample);
      gboolean marker = (pkt[1] & 0x80) != 0; /* the last packet of a frame */
      pkt[2] = seq >> 8;
      pkt[3] = seq & 0xff;
      seq++;
      guint32 be_ts = GUINT32_TO_BE(ts);
      memcpy(pkt + 4, &be_ts, 4);
      wt_liveness_tap_push(f->tap, pkt, len);
      f->pushed++;
      if (marker) { /* pace to 30 fps of wall clock */
        frames++;
        ts += 3000;
        gint64 due = start + (gint64)frames * G_USEC_PER_SEC / 30;
        gint64 now = g_get_monotonic_time();
        if (due > now)
          g_usleep(due - now);
      }
    }
    gst_element_set_state(enc, GST_STATE_NULL);
    gst_object_unref(sink);
    gst_object_unref(enc);
  }
  return NULL;
}

LivenessFeed *
liveness_feed_start(WtLivenessTap *tap, const char *source)
{
  LivenessFeed *f = g_new0(LivenessFeed, 1);
  f->tap = tap;
  f->source = g_strdup(source);
  f->thread = g_thread_new("feed", feed_main, f);
  return f;
}

guint64
liveness_feed_stop(LivenessFeed *f)
{
  g_atomic_int_set(&f->stop, 1);
  g_thread_join(f->thread);
  guint64 pushed = f->pushed;
  g_free(f->source);
  g_free(f);
  return pushed;
}

static void
on_result(const WtLivenessResult *r, gpointer data)
{
  LivenessOutcome *out = data;
  if (out->decided)
    return;
  out->decided = TRUE;
  out->passed = r->passed;
  out->reasons = r->reasons;
  out->record = json_object_ref(r->record);
  out->jpeg = r->jpeg ? g_bytes_ref(r->jpeg) : NULL;
}

static void
on_warning(const char *warning, gpointer data)
{
  LivenessOutcome *out = data;
  if (g_strcmp0(warning, "multiple-faces") == 0)
    out->warnings |= WT_LIVENESS_WARN_MULTIPLE_FACES;
  else if (g_strcmp0(warning, "face-lost") == 0)
    out->warnings |= WT_LIVENESS_WARN_FACE_LOST;
}

static void
on_prompt(const char *prompt, gpointer data)
{
  ((LivenessOutcome *)data)->prompts++;
}

static void
on_keyframe(gpointer data)
{
  ((LivenessOutcome *)data)->keyframes_wanted++;
}

static void
on_failed(const char *reason, gpointer data)
{
  LivenessOutcome *out = data;
  g_test_message("tap failed: %s", reason);
  out->failed = TRUE;
  g_free(out->failure);
  out->failure = g_strdup(reason);
}

const WtLivenessTapCallbacks liveness_outcome_callbacks = {on_result, on_warning, on_prompt,
                                                           on_keyframe, on_failed};

gboolean
liveness_outcome_wait(LivenessOutcome *out, guint timeout_s)
{
  gint64 end = g_get_monotonic_time() + (gint64)timeout_s * G_USEC_PER_SEC;
  while (!out->decided && !out->failed && g_get_monotonic_time() < end) {
    if (!g_main_context_iteration(NULL, FALSE))
      g_usleep(10000);
  }
  return out->decided;
}

void
liveness_outcome_clear(LivenessOutcome *out)
{
  g_clear_pointer(&out->record, json_object_unref);
  g_clear_pointer(&out->jpeg, g_bytes_unref);
  g_free(out->failure);
  *out = (LivenessOutcome){0};
}
