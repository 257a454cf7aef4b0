/* test_liveness_tap.c — the liveness tap end to end without a browser: each
 * fixture is encoded `vp8enc ! rtpvp8pay` and pushed into the tap's appsrc,
 * looped until the rules decide, with the default detector (OpenCV
 * facedetect and Debian's Haar cascades):
 *   applicant-live.mjpeg passes; applicant-photo.mjpeg fails as a still face;
 *   videotestsrc (no face) fails as no face.
 * Also: the decision carries a JPEG key frame and a record naming the
 * detector and the cascades' hashes; an overflowing queue drops, asks for a
 * keyframe and recovers. */
#include <string.h>

#include "liveness_feed.h"

static const char *
fixture(const char *name)
{
  static char path[4096];
  const char *dir = g_getenv("WT_FIXTURES");
  g_snprintf(path, sizeof path, "%s/%s", dir ? dir : "../shared/fixtures", name);
  if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
    g_error("fixture %s missing (set WT_FIXTURES)", path);
  return path;
}

static WtLivenessTap *
tap_new(guint window_ms, LivenessOutcome *out)
{
  WtLivenessTapConfig cfg;
  wt_liveness_tap_config_init(&cfg);
  cfg.thresholds.window_ms = window_ms;
  cfg.log_prefix = "test";
  g_autoptr(GError) error = NULL;
  WtLivenessTap *tap = wt_liveness_tap_new(&cfg, &liveness_outcome_callbacks, out, &error);
  g_assert_no_error(error);
  return tap;
}

static void
run(const char *source, guint window_ms, LivenessOutcome *out)
{
  WtLivenessTap *tap = tap_new(window_ms, out);
  LivenessFeed *feed = liveness_feed_start(tap, source);
  gboolean decided = liveness_outcome_wait(out, window_ms / 1000 + 30);
  guint64 pushed = liveness_feed_stop(feed);
  g_test_message("%s: %" G_GUINT64_FORMAT " packets, %" G_GUINT64_FORMAT " frames analysed, "
                 "%" G_GUINT64_FORMAT " dropped",
                 source, pushed, wt_liveness_tap_get_analysed(tap), wt_liveness_tap_get_drops(tap));
  if (out->record) {
    g_autoptr(JsonNode) n = json_node_init_object(json_node_alloc(), out->record);
    g_autofree char *s = json_to_string(n, FALSE);
    g_test_message("record: %s", s);
  }
  g_assert_true(decided);
  g_assert_false(out->failed);
  g_assert_cmpuint(out->keyframes_wanted, >=, 1); /* at start */
  wt_liveness_tap_free(tap);
}

static void
test_live_passes(void)
{
  LivenessOutcome out = {0};
  g_autofree char *src =
      g_strdup_printf("filesrc location=%s ! jpegparse ! jpegdec", fixture("applicant-live.mjpeg"));
  run(src, 15000, &out);
  g_assert_true(out.passed);
  g_assert_cmpstr(json_object_get_string_member(out.record, "result"), ==, "passed");
  g_assert_cmpint(json_object_get_int_member(out.record, "blinks"), >=, 1);
  /* The key frame is a JPEG of the analysed frame. */
  g_assert_nonnull(out.jpeg);
  gsize n = 0;
  const guint8 *j = g_bytes_get_data(out.jpeg, &n);
  g_assert_cmpuint(n, >, 1000);
  g_assert_cmpuint(j[0], ==, 0xff);
  g_assert_cmpuint(j[1], ==, 0xd8);
  /* The detector and its cascades, hashed. */
  JsonObject *det = json_object_get_object_member(out.record, "detector");
  JsonArray *files = json_object_get_array_member(det, "files");
  g_assert_cmpuint(json_array_get_length(files), ==, 2);
  for (guint i = 0; i < 2; i++) {
    JsonObject *f = json_array_get_object_element(files, i);
    const char *path = json_object_get_string_member(f, "path");
    g_assert_true(g_str_has_suffix(path, "haarcascade_frontalface_default.xml") ||
                  g_str_has_suffix(path, "haarcascade_eye.xml"));
    g_autofree char *sum = wt_detector_file_sha256(path, NULL);
    g_assert_cmpstr(json_object_get_string_member(f, "sha256"), ==, sum);
  }
  g_assert_nonnull(json_object_get_object_member(out.record, "thresholds"));
  liveness_outcome_clear(&out);
}

static void
test_live_passes_at_low_resolution(void)
{
  /* Browsers send less than their camera gives when the machine or the
   * network is busy: the tap scales what it analyses back to 480 lines. */
  LivenessOutcome out = {0};
  g_autofree char *src = g_strdup_printf(
      "filesrc location=%s ! jpegparse ! jpegdec ! videoscale ! video/x-raw,width=320,height=240",
      fixture("applicant-live.mjpeg"));
  run(src, 15000, &out);
  g_assert_true(out.passed);
  liveness_outcome_clear(&out);
}

static void
test_photo_fails_still(void)
{
  LivenessOutcome out = {0};
  g_autofree char *src = g_strdup_printf("filesrc location=%s ! jpegparse ! jpegdec",
                                         fixture("applicant-photo.mjpeg"));
  run(src, 10000, &out);
  g_assert_false(out.passed);
  g_assert_true(out.reasons & WT_LIVENESS_REASON_STILL_FACE);
  g_assert_false(out.reasons & WT_LIVENESS_REASON_NO_FACE);
  g_assert_nonnull(out.jpeg);
  liveness_outcome_clear(&out);
}

static void
test_no_face_fails(void)
{
  LivenessOutcome out = {0};
  run("videotestsrc pattern=ball num-buffers=300 ! video/x-raw,width=640,height=480,framerate=30/1",
      8000, &out);
  g_assert_false(out.passed);
  g_assert_cmpuint(out.reasons, ==, WT_LIVENESS_REASON_NO_FACE);
  g_assert_cmpuint(out.prompts, >=, 1); /* "please face the camera" */
  liveness_outcome_clear(&out);
}

static void
test_overflow_asks_for_keyframe(void)
{
  /* A tiny queue that nobody drains fast enough: drops are counted and a keyframe asked for. */
  LivenessOutcome out = {0};
  WtLivenessTapConfig cfg;
  wt_liveness_tap_config_init(&cfg);
  cfg.queue_packets = 16;
  cfg.log_prefix = "test-overflow";
  g_autoptr(GError) error = NULL;
  WtLivenessTap *tap = wt_liveness_tap_new(&cfg, &liveness_outcome_callbacks, &out, &error);
  g_assert_no_error(error);
  guint8 pkt[1200] = {0x80, 96};
  guint dropped = 0;
  for (guint i = 0; i < 5000; i++) {
    pkt[2] = i >> 8;
    pkt[3] = i;
    pkt[12] = 0x10;
    pkt[13] = 0x01; /* VP8, delta frames: never a keyframe */
    dropped += !wt_liveness_tap_push(tap, pkt, sizeof pkt);
  }
  g_assert_cmpuint(dropped, >, 0);
  g_assert_cmpuint(wt_liveness_tap_get_drops(tap), ==, dropped);
  g_assert_false(wt_liveness_tap_push(tap, pkt, 4000)); /* too big: refused */
  gint64 end = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (out.keyframes_wanted < 1 && g_get_monotonic_time() < end)
    g_main_context_iteration(NULL, TRUE);
  g_assert_cmpuint(out.keyframes_wanted, >=, 1);
  g_assert_cmpuint(wt_liveness_tap_get_analysed(tap), ==, 0); /* garbage never decoded */
  wt_liveness_tap_free(tap);
  liveness_outcome_clear(&out);
}

/* A tap that cannot be built says so through failed(), and never blocks or crashes. */
static void
expect_failure(WtLivenessTapConfig *cfg, const char *needle)
{
  LivenessOutcome out = {0};
  g_autoptr(GError) error = NULL;
  GLogLevelFlags fatal = g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  WtLivenessTap *tap = wt_liveness_tap_new(cfg, &liveness_outcome_callbacks, &out, &error);
  g_assert_no_error(error);
  guint8 pkt[100] = {0x80, 96};
  wt_liveness_tap_check(tap, "test");
  for (guint i = 0; i < 1000; i++)
    wt_liveness_tap_push(tap, pkt, sizeof pkt);
  gint64 end = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
  while (!out.failed && g_get_monotonic_time() < end)
    g_main_context_iteration(NULL, TRUE);
  g_assert_true(out.failed);
  g_assert_false(out.decided);
  g_assert_nonnull(strstr(out.failure, needle));
  wt_liveness_tap_free(tap);
  g_log_set_always_fatal(fatal);
  liveness_outcome_clear(&out);
}

static void
test_bad_config(void)
{
  WtLivenessTapConfig cfg;
  wt_liveness_tap_config_init(&cfg);
  cfg.detector.eye_cascade = "/nonexistent/eye.xml";
  expect_failure(&cfg, "/nonexistent/eye.xml");
  wt_liveness_tap_config_init(&cfg);
  cfg.detector.description = "nosuchelement";
  expect_failure(&cfg, "nosuchelement");
  wt_liveness_tap_config_init(&cfg);
  cfg.detector.description = "audioconvert"; /* links no video */
  expect_failure(&cfg, "does not link");
  /* A codec the tap does not decode: refused at once. */
  LivenessOutcome out = {0};
  g_autoptr(GError) error = NULL;
  wt_liveness_tap_config_init(&cfg);
  cfg.codec = WT_CODEC_OPUS;
  g_assert_null(wt_liveness_tap_new(&cfg, &liveness_outcome_callbacks, &out, &error));
  g_assert_error(error, WT_LIVENESS_TAP_ERROR, 0);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  wt_liveness_init(1);
  g_test_add_func("/liveness-tap/live-passes", test_live_passes);
  g_test_add_func("/liveness-tap/live-passes-at-low-resolution",
                  test_live_passes_at_low_resolution);
  g_test_add_func("/liveness-tap/photo-fails-still", test_photo_fails_still);
  g_test_add_func("/liveness-tap/no-face-fails", test_no_face_fails);
  g_test_add_func("/liveness-tap/overflow-asks-for-keyframe", test_overflow_asks_for_keyframe);
  g_test_add_func("/liveness-tap/bad-config", test_bad_config);
  return g_test_run(); /* no gst_deinit(): GStreamer's globals stay reachable for LSan */
}
