/* bench_liveness.c — witness-liveness-bench: what a liveness check costs.
 * A fixture is encoded once (vp8enc ! rtpvp8pay) into memory; then N taps
 * (parties) are fed those packets at 30 frames a second of wall clock, as a
 * browser sends them, for a number of seconds. Printed: frames analysed,
 * process CPU (all threads: decoding every frame, scaling, detection at the
 * analysis rate), CPU ms per analysed frame, and how many parties one core
 * can check at the analysis rate. Run it on a release build:
 *
 *   witness-liveness-bench --fixture applicant-live.mjpeg --seconds 20 --parties 1
 *   witness-liveness-bench ... --min-face 30 --scale 1.25 --neighbors 3  # stock facedetect
 *
 * Main thread feeds; the taps' own threads decode and detect. */
#include <gst/app/gstappsink.h>
#include <string.h>
#include <sys/resource.h>

#include "tap.h"

static GPtrArray *
encode(const char *fixture)
{
  g_autofree char *desc = g_strdup_printf(
      "filesrc location=%s ! jpegparse ! jpegdec ! videoconvert ! video/x-raw,format=I420 "
      "! vp8enc deadline=1 cpu-used=4 keyframe-max-dist=300 target-bitrate=1500000 "
      "! rtpvp8pay pt=96 mtu=1200 ! appsink name=out sync=false",
      fixture);
  g_autoptr(GError) error = NULL;
  g_autoptr(GstElement) p = gst_parse_launch(desc, &error);
  if (!p)
    g_error("encoder: %s", error->message);
  g_autoptr(GstElement) sink = gst_bin_get_by_name(GST_BIN(p), "out");
  gst_element_set_state(p, GST_STATE_PLAYING);
  GPtrArray *packets = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
  GstSample *s;
  while ((s = gst_app_sink_pull_sample(GST_APP_SINK(sink)))) {
    GstMapInfo map;
    GstBuffer *b = gst_sample_get_buffer(s);
    if (gst_buffer_map(b, &map, GST_MAP_READ)) {
      g_ptr_array_add(packets, g_bytes_new(map.data, map.size));
      gst_buffer_unmap(b, &map);
    }
    gst_sample_unref(s);
  }
  gst_element_set_state(p, GST_STATE_NULL);
  return packets;
}

static double
cpu_seconds(void)
{
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void
on_result(const WtLivenessResult *r, gpointer data)
{
  g_print("  decision: %s after %" G_GINT64_FORMAT " ms\n", r->passed ? "passed" : "failed",
          r->stats.elapsed_ms);
}

int
main(int argc, char **argv)
{
  g_autofree char *fixture = NULL;
  gint seconds = 20, parties = 1, min_face = 80, neighbors = 5, fps = 10, threads = 1;
  double scale = 1.3;
  gboolean whole_frames = FALSE;
  GOptionEntry entries[] = {
      {"fixture", 0, 0, G_OPTION_ARG_FILENAME, &fixture, "MJPEG clip (the camera)", "FILE"},
      {"seconds", 0, 0, G_OPTION_ARG_INT, &seconds, "how long to feed (20)", "N"},
      {"parties", 0, 0, G_OPTION_ARG_INT, &parties, "taps at once (1)", "N"},
      {"min-face", 0, 0, G_OPTION_ARG_INT, &min_face, "facedetect minimum face (80)", "PX"},
      {"neighbors", 0, 0, G_OPTION_ARG_INT, &neighbors, "facedetect min-neighbors (5)", "N"},
      {"scale", 0, 0, G_OPTION_ARG_DOUBLE, &scale, "facedetect scale-factor (1.3)", "X"},
      {"whole-frames", 0, 0, G_OPTION_ARG_NONE, &whole_frames,
       "always search the whole frame (not near the last face)", NULL},
      {"fps", 0, 0, G_OPTION_ARG_INT, &fps, "analysis rate (10)", "N"},
      {"opencv-threads", 0, 0, G_OPTION_ARG_INT, &threads, "OpenCV threads (1; 0: per core)", "N"},
      G_OPTION_ENTRY_NULL,
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new("- what a liveness check costs");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_autoptr(GError) error = NULL;
  if (!g_option_context_parse(ctx, &argc, &argv, &error) || !fixture || parties < 1 ||
      parties > 64) {
    g_printerr("%s\n", error ? error->message : "--fixture FILE is required; --parties 1..64");
    return 2;
  }
  wt_liveness_init((guint)threads);
  g_autoptr(GPtrArray) packets = encode(fixture);
  g_print("witness-liveness-bench: %s, %u packets; %d party(ies), %d s, analysis %d fps, "
          "min face %d px, scale %.2f, min-neighbors %d, OpenCV threads %d, %s\n",
          fixture, packets->len, parties, seconds, fps, min_face, scale, neighbors, threads,
          whole_frames ? "whole frames" : "near the last face");

  WtLivenessTapConfig cfg;
  wt_liveness_tap_config_init(&cfg);
  cfg.analysis_fps = (guint)fps;
  cfg.detector.min_face = (guint)min_face;
  cfg.detector.min_neighbors = (guint)neighbors;
  cfg.detector.scale_factor = scale;
  cfg.search_near_face = !whole_frames;
  cfg.thresholds.window_ms = (guint)seconds * 1000;
  cfg.log_prefix = "bench";
  const WtLivenessTapCallbacks cb = {.result = on_result};
  WtLivenessTap *taps[64];
  for (gint i = 0; i < parties; i++) {
    taps[i] = wt_liveness_tap_new(&cfg, &cb, NULL, &error);
    g_assert_no_error(error);
    wt_liveness_tap_check(taps[i], "bench");
  }
  g_usleep(G_USEC_PER_SEC); /* pipelines built; GStreamer and cascades loaded */
  double cpu0 = cpu_seconds();
  gint64 start = g_get_monotonic_time(), end = start + (gint64)seconds * G_USEC_PER_SEC;
  guint64 frames = 0;
  guint16 seq = 0;
  guint32 ts = 0;
  for (guint i = 0; g_get_monotonic_time() < end; i = (i + 1) % packets->len) {
    gsize len = 0;
    const guint8 *data = g_bytes_get_data(g_ptr_array_index(packets, i), &len);
    guint8 pkt[1600];
    len = MIN(len, sizeof pkt);
    memcpy(pkt, data, len);
    pkt[2] = seq >> 8;
    pkt[3] = seq & 0xff;
    seq++;
    guint32 be = GUINT32_TO_BE(ts);
    memcpy(pkt + 4, &be, 4);
    for (gint p = 0; p < parties; p++)
      wt_liveness_tap_push(taps[p], pkt, len);
    if (pkt[1] & 0x80) { /* the last packet of a frame */
      frames++;
      ts += 3000;
      gint64 due = start + (gint64)frames * G_USEC_PER_SEC / 30;
      gint64 now = g_get_monotonic_time();
      if (due > now)
        g_usleep(due - now);
      while (g_main_context_iteration(NULL, FALSE))
        ;
    }
  }
  double cpu = cpu_seconds() - cpu0;
  guint threads_now = 0;
  g_autoptr(GDir) tasks = g_dir_open("/proc/self/task", 0, NULL);
  while (tasks && g_dir_read_name(tasks))
    threads_now++;
  double wall = (g_get_monotonic_time() - start) / 1e6;
  guint64 analysed = 0, drops = 0;
  for (gint p = 0; p < parties; p++) {
    analysed += wt_liveness_tap_get_analysed(taps[p]);
    drops += wt_liveness_tap_get_drops(taps[p]);
  }
  double per_frame_ms = analysed ? cpu * 1000 / analysed : 0;
  double core_per_party = cpu / wall / parties; /* of one core, at the rate achieved */
  double achieved_fps = analysed / wall / parties;
  g_print("frames sent %" G_GUINT64_FORMAT " per party (%.1f fps); analysed %" G_GUINT64_FORMAT
          " (%.1f fps per party); queue drops %" G_GUINT64_FORMAT "\n",
          frames, frames / wall, analysed, achieved_fps, drops);
  g_print("CPU %.2f s in %.1f s: %.1f ms per analysed frame (decode 30 fps + scale + detect); "
          "%.0f %% of a core per party; parties per core at %d fps: %.1f\n",
          cpu, wall, per_frame_ms, core_per_party * 100, fps,
          achieved_fps > 0 ? 1.0 / (core_per_party * fps / achieved_fps) : 0.0);
  g_print("threads in the process: %u; CPU %.2f of wall time (with one party, above about 0.25 "
          "means OpenCV spreads a detection over several cores)\n",
          threads_now, cpu / wall);
  for (gint p = 0; p < parties; p++)
    wt_liveness_tap_free(taps[p]);
  return 0;
}
