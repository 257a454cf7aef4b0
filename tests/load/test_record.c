/* test_record.c — a recorded room, end to end without a browser: staff join
 * with a `record` token, witness-load publishes its VP8+Opus clip into the
 * room for a few seconds, staff stop the recording. Then the recording must
 * be sealed, `witnessctl verify` must say OK, ffprobe must read every segment
 * without error, and the publisher's segments together must last as long as
 * it was in the room, within 1 s. The seal carries an RFC 3161 timestamp from
 * tsa_server.py ([notary] tsa_url), which `witnessctl verify --tsa-ca` checks.
 *
 * Arguments after --tap: the witness-load binary and the clip folder.
 */
#include <stdio.h>
#include <string.h>

#include "../integration/harness.h"
#include "recorded_room.h"
#include "../integration/tsa_server.h"

static const char *witness_load, *clip_dir;

/* First and last presentation time (s) of @file's packets, by ffprobe. */
static gboolean
probe_span(const char *file, double *first, double *last)
{
  const char *argv[] = {
      "ffprobe", "-v", "error", "-show_entries", "packet=pts_time,duration_time", "-of",
      "csv=p=0", file, NULL};
  g_autofree char *out = NULL, *err = NULL;
  int status = wt_it_run(argv, NULL, 30000, &out, &err);
  if (status != 0 || (err && *err)) {
    g_test_message("ffprobe %s: status %d: %s", file, status, err);
    return FALSE;
  }
  *first = G_MAXDOUBLE;
  *last = 0;
  g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
  for (guint i = 0; lines[i]; i++) {
    double pts, dur = 0;
    if (sscanf(lines[i], "%lf,%lf", &pts, &dur) < 1)
      continue;
    *first = MIN(*first, pts);
    *last = MAX(*last, pts + dur);
  }
  return *first < G_MAXDOUBLE;
}

static void
test_recorded_room(void)
{
  /* Liveness off: its checks start GStreamer, whose leak suppression needs slow
   * unwinding (lsan.supp); they have their own tests (test_liveness_*, e2e). */
  g_autofree char *tsa_root = wt_it_make_temp_dir();
  WtItTsaServer *tsa = wt_it_tsa_server_start(tsa_root);
  g_autofree char *tsa_ca = g_build_filename(tsa_root, "ca.pem", NULL);
  g_autofree char *config = g_strdup_printf("[rooms]\nmax_participants=20\n"
                                            "[ice]\nloopback=true\n"
                                            "[liveness]\nenabled=false\n"
                                            "[recording]\nsegment_seconds=2\n"
                                            "[notary]\ntsa_url=%s\n",
                                            wt_it_tsa_server_url(tsa));
  g_autoptr(WtItDaemon) d = wt_it_daemon_start(config);
  const char *mint[] = {wt_it_witnessctl(), "token", "--data", wt_it_daemon_data_dir(d),
                        "--role",           "staff", "--sub",  "witness-1",
                        "--record",         NULL};
  g_autofree char *token = NULL;
  g_assert_cmpint(wt_it_run(mint, NULL, 30000, &token, NULL), ==, 0);
  g_strstrip(token);
  g_autoptr(WtItWs) staff = wt_it_ws_hello(d, token, NULL);
  g_autofree char *id = rr_join_recorded(staff);

  g_autofree char *secret =
      g_build_filename(wt_it_daemon_data_dir(d), "secrets", "token.key", NULL);
  g_autofree char *ws_url = g_strdup_printf("ws://127.0.0.1:%u/ws", wt_it_daemon_port(d));
  g_autofree char *video = g_build_filename(clip_dir, "clip.ivf", NULL);
  g_autofree char *audio = g_build_filename(clip_dir, "clip.ogg", NULL);
  const char *argv[] = {witness_load, "--server", "witness", "--url",      ws_url, "--secret-file",
                        secret,       "--video",  video,     "--audio",    audio,  "--subscribers",
                        "2",          "--warmup", "1",       "--duration", "5",    NULL};
  g_autofree char *out = NULL, *err = NULL;
  int status = wt_it_run(argv, NULL, 60000, &out, &err);
  g_test_message("witness-load said:\n%s%s", out, err);
  g_assert_cmpint(status, ==, 0);

  g_autoptr(JsonObject) stopped =
      rr_request(staff, "{\"type\":\"record\",\"id\":3,\"action\":\"stop\"}");
  wt_it_assert_result(stopped, 3);
  g_autoptr(JsonObject) off = rr_wait_event(staff, "recording", "off", 10000);
  g_assert_nonnull(off);
  g_assert_cmpstr(json_object_get_string_member(off, "recording"), ==, id);

  /* Sealed, and it verifies. */
  g_autofree char *dir = g_build_filename(wt_it_daemon_data_dir(d), "archive", id, NULL);
  const char *verify[] = {wt_it_witnessctl(), "verify", "--data", wt_it_daemon_data_dir(d),
                          "--tsa-ca",         tsa_ca,   dir,      NULL};
  g_autofree char *verdict = NULL;
  g_assert_cmpint(wt_it_run(verify, NULL, 30000, &verdict, NULL), ==, 0);
  g_test_message("witnessctl verify: %s", verdict);
  g_assert_true(g_str_has_prefix(verdict, "OK "));
  g_assert_nonnull(strstr(verdict, "by CN=Witness test TSA (TSA certificate chain verified)"));
  wt_it_tsa_server_stop(tsa);
  wt_it_rm_rf(tsa_root);

  /* The publisher's segments: each readable, together as long as its stay. */
  g_autofree char *chain = NULL;
  g_autofree char *chain_path = g_build_filename(dir, "chain.jsonl", NULL);
  g_assert_true(g_file_get_contents(chain_path, &chain, NULL, NULL));
  g_auto(GStrv) lines = g_strsplit(chain, "\n", -1);
  char *publisher = NULL;
  gint64 joined_ms = 0, left_ms = 0, first_media_ms = 0;
  double recorded = 0;
  guint segments = 0, syncs = 0;
  for (guint i = 0; lines[i] && *lines[i]; i++) {
    g_autoptr(JsonParser) parser = json_parser_new();
    g_assert_true(json_parser_load_from_data(parser, lines[i], -1, NULL));
    JsonObject *r = json_node_get_object(json_parser_get_root(parser));
    const char *type = json_object_get_string_member(r, "type");
    const char *who = json_object_get_string_member_with_default(r, "participant", "");
    if (g_str_equal(type, "join") &&
        g_strcmp0(json_object_get_string_member(r, "role"), "applicant") == 0) {
      g_free(publisher);
      publisher = g_strdup(who);
      joined_ms = json_object_get_int_member(r, "time");
    } else if (g_str_equal(type, "leave") && g_strcmp0(who, publisher) == 0) {
      left_ms = json_object_get_int_member(r, "time");
    } else if (g_str_equal(type, "sync") && g_strcmp0(who, publisher) == 0) {
      g_test_message("%s on the sender's clock: %+" G_GINT64_FORMAT " ms",
                     json_object_get_string_member(r, "kind"),
                     json_object_get_int_member(r, "correction_ms"));
      syncs++;
    } else if (g_str_equal(type, "segment")) {
      g_assert_cmpstr(who, ==, publisher); /* only the publisher sends media */
      g_autofree char *file = g_build_filename(dir, json_object_get_string_member(r, "file"), NULL);
      double first = 0, last = 0;
      g_assert_true(probe_span(file, &first, &last));
      recorded += last - first;
      if (!segments++)
        first_media_ms = json_object_get_int_member(r, "start_ms");
      JsonObject *v = json_object_get_object_member(r, "video");
      g_assert_nonnull(v);
      g_test_message("segment %.3f-%.3f s, audio %s, video %s", first, last,
                     json_object_get_string_member_with_default(
                         json_object_get_object_member(r, "audio"), "sync", "?"),
                     json_object_get_string_member_with_default(v, "sync", "?"));
      g_assert_cmpint(json_object_get_int_member(v, "frames"), >, 0);
      g_assert_nonnull(json_object_get_object_member(r, "audio"));
    }
  }
  /* Recording starts with the first packet: the time the publisher took to connect after
   * joining (long on a loaded machine) is in its stay but has no media. */
  double stayed = (double)(left_ms - joined_ms) / 1000;
  double sent = (double)(left_ms - first_media_ms) / 1000;
  g_test_message("%u segments, %.2f s recorded, the publisher stayed %.2f s and sent media for "
                 "%.2f s",
                 segments, recorded, stayed, sent);
  /* 2 s segments over about 6 s of a clip with a keyframe every 2 s that ignores keyframe
   * requests: a cut waits for the clip's next keyframe, so 2 or 3 segments. */
  g_assert_cmpuint(segments, >=, 2);
  g_assert_cmpint(first_media_ms, >=, joined_ms);
  g_assert_cmpfloat(recorded, <=, stayed + 0.2);
  g_assert_cmpfloat(ABS(recorded - sent), <, 1.0);
  /* witness-load's sender reports reached the recorder through the room. */
  g_assert_cmpuint(syncs, ==, 2);
  g_free(publisher);
  g_clear_pointer(&staff, wt_it_ws_free);
  wt_it_daemon_stop_clean(d);
}

int
main(int argc, char **argv)
{
  wt_it_init(&argc, &argv);
  if (argc < 3)
    g_error("usage: test_record --tap WITNESS_LOAD CLIP_DIR");
  witness_load = argv[1];
  clip_dir = argv[2];
  g_test_add_func("/record/recorded-room", test_recorded_room);
  return wt_it_run_tests();
}
