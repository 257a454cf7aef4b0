/* test_load.c — witness-load against a real witnessd: one publisher and ten
 * subscribers in one room, all over loopback. Every subscriber must connect,
 * receive the publisher's audio and video for the whole window (witness-load
 * exits 0 only then), and what they counted must match what witnessd says it
 * forwarded. Also: witness-load refuses a run it cannot start, clearly.
 *
 * Arguments after --tap: the witness-load binary and the clip folder.
 */
#include <string.h>

#include "../integration/harness.h"

static const char *witness_load, *clip_dir;

/* The value of @key in witness-load's "RESULT key=value ..." line, or NULL. */
static char *
result_value(const char *out, const char *key)
{
  const char *line = strstr(out, "\nRESULT ");
  if (!line)
    return NULL;
  g_autofree char *pattern = g_strdup_printf(" %s=", key);
  const char *at = strstr(line, pattern);
  if (!at)
    return NULL;
  at += strlen(pattern);
  return g_strndup(at, strcspn(at, " \n"));
}

static double
metric(WtItDaemon *d, const char *name)
{
  g_autofree char *body = NULL;
  g_assert_cmpuint(wt_it_http_get(wt_it_daemon_url(d), "/metrics", &body, NULL), ==, 200);
  double sum = 0;
  g_auto(GStrv) lines = g_strsplit(body, "\n", -1);
  for (guint i = 0; lines[i]; i++) {
    if (g_str_has_prefix(lines[i], name) &&
        (lines[i][strlen(name)] == '{' || lines[i][strlen(name)] == ' '))
      sum += g_ascii_strtod(strrchr(lines[i], ' ') + 1, NULL);
  }
  return sum;
}

static void
test_one_publisher_ten_subscribers(void)
{
  /* Liveness off: see test_record.c. */
  g_autoptr(WtItDaemon) d = wt_it_daemon_start("[rooms]\nmax_participants=20\n"
                                               "[ice]\nloopback=true\n"
                                               "[liveness]\nenabled=false\n");
  g_autofree char *secret =
      g_build_filename(wt_it_daemon_data_dir(d), "secrets", "token.key", NULL);
  g_autofree char *ws_url = g_strdup_printf("ws://127.0.0.1:%u/ws", wt_it_daemon_port(d));
  g_autofree char *video = g_build_filename(clip_dir, "clip.ivf", NULL);
  g_autofree char *audio = g_build_filename(clip_dir, "clip.ogg", NULL);
  g_autofree char *pid = g_strdup_printf("%d", wt_it_daemon_pid(d));
  /* Someone stays in the room after the load leaves, so that its counters stay in /metrics. */
  g_autofree char *token = wt_it_mint(d, "staff", "observer", NULL);
  g_autoptr(WtItWs) observer = wt_it_ws_hello(d, token, NULL);
  g_autoptr(JsonObject) joined =
      wt_it_ws_request(observer, "{\"type\":\"join\",\"id\":2,\"room\":\"load-0\"}");
  wt_it_assert_result(joined, 2);
  const char *argv[] = {
      witness_load, "--server",     "witness", "--url",      ws_url, "--secret-file",
      secret,       "--video",      video,     "--audio",    audio,  "--subscribers",
      "10",         "--warmup",     "1",       "--duration", "3",    "--sample",
      "5",          "--server-pid", pid,       NULL};
  g_autofree char *out = NULL, *err = NULL;
  int status = wt_it_run(argv, NULL, 90000, &out, &err);
  g_test_message("witness-load said:\n%s%s", out, err);
  g_assert_cmpint(status, ==, 0);

  g_autofree char *connected = result_value(out, "connected");
  g_autofree char *failed = result_value(out, "failed");
  g_autofree char *short_of_media = result_value(out, "short");
  g_autofree char *srtp = result_value(out, "srtp");
  g_autofree char *loss = result_value(out, "loss_pct");
  g_assert_cmpstr(connected, ==, "10");
  g_assert_cmpstr(failed, ==, "0");
  g_assert_cmpstr(short_of_media, ==, "0");
  g_assert_cmpstr(srtp, ==, "AEAD_AES_128_GCM");
  g_assert_cmpfloat(g_ascii_strtod(loss, NULL), <, 1.0);

  /* witnessd forwarded to subscribers at least what they counted in the window. */
  g_autofree char *pps = result_value(out, "forwarded_pps");
  g_autofree char *window = result_value(out, "window_s");
  double counted = g_ascii_strtod(pps, NULL) * g_ascii_strtod(window, NULL);
  double forwarded = metric(d, "witness_room_packets_out_total");
  g_assert_cmpfloat(counted, >, 10 * 3 * 50); /* ten subscribers, 3 s, audio alone is 50/s */
  g_assert_cmpfloat(forwarded, >=, counted);
  g_clear_pointer(&observer, wt_it_ws_free);
  wt_it_daemon_stop_clean(d);
}

static void
test_refuses_what_it_cannot_run(void)
{
  const char *no_url[] = {witness_load, "--server", "witness", "--video",
                          "x",          "--audio",  "y",       NULL};
  g_autofree char *err = NULL;
  g_assert_cmpint(wt_it_run(no_url, NULL, 10000, NULL, &err), ==, 2);
  g_assert_nonnull(strstr(err, "--url is required"));

  const char *bad_clip[] = {witness_load,
                            "--server",
                            "janus",
                            "--url",
                            "ws://127.0.0.1:9/",
                            "--video",
                            "/nonexistent.ivf",
                            "--audio",
                            "/nonexistent.ogg",
                            NULL};
  g_autofree char *err2 = NULL;
  g_assert_cmpint(wt_it_run(bad_clip, NULL, 10000, NULL, &err2), ==, 2);
  g_assert_nonnull(strstr(err2, "/nonexistent.ivf"));
}

int
main(int argc, char **argv)
{
  wt_it_init(&argc, &argv);
  if (argc < 3)
    g_error("usage: test_load --tap WITNESS_LOAD CLIP_DIR");
  witness_load = argv[1];
  clip_dir = argv[2];
  g_test_add_func("/load/one-publisher-ten-subscribers", test_one_publisher_ten_subscribers);
  g_test_add_func("/load/refuses-what-it-cannot-run", test_refuses_what_it_cannot_run);
  return wt_it_run_tests();
}
