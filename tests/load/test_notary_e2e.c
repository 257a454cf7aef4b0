/* test_notary_e2e.c — the notary handoff end to end: a real witnessd records
 * a room fed by witness-load, and its seal reaches the real
 * scripts/notary-backend once, with anchors on the way; receipt.json is
 * written beside seal.json and `witnessctl verify` shows it; GET
 * /api/recordings/<id> answers by role; GET /api/keys lists the key that
 * signed; /metrics and /healthz report the outbox. A second case seals with
 * the backend down (healthz degraded), restarts witnessd after the backend
 * came up, and the pending seal is delivered. A third has no backend: the
 * seal goes to the local ledger.
 *
 * Prints `BENCH seal_to_receipt_ms=N`: from the staff's stop request to the
 * receipt stored beside the seal.
 *
 * Arguments after --tap: the witness-load binary and the clip folder.
 */
#include <stdio.h>
#include <string.h>

#include "../integration/harness.h"
#include "recorded_room.h"
#include "../integration/notary_backend.h"

static const char *witness_load, *clip_dir;

/* Records a room for a few seconds with witness-load publishing, stops it,
 * waits for the seal and returns the recording id (transfer full); *@stopped_us
 * gets the monotonic time of the stop request. */
static char *
record_room(WtItDaemon *d, gint64 *stopped_us)
{
  const char *mint[] = {wt_it_witnessctl(), "token", "--data", wt_it_daemon_data_dir(d),
                        "--role",           "staff", "--sub",  "witness-1",
                        "--record",         NULL};
  g_autofree char *token = NULL;
  g_assert_cmpint(wt_it_run(mint, NULL, 30000, &token, NULL), ==, 0);
  g_strstrip(token);
  wt_it_daemon_forbid_in_log(d, token);
  g_autoptr(WtItWs) staff = wt_it_ws_hello(d, token, NULL);
  char *id = rr_join_recorded(staff);

  g_autofree char *secret =
      g_build_filename(wt_it_daemon_data_dir(d), "secrets", "token.key", NULL);
  g_autofree char *ws_url = g_strdup_printf("ws://127.0.0.1:%u/ws", wt_it_daemon_port(d));
  g_autofree char *video = g_build_filename(clip_dir, "clip.ivf", NULL);
  g_autofree char *audio = g_build_filename(clip_dir, "clip.ogg", NULL);
  const char *argv[] = {witness_load, "--server", "witness", "--url",      ws_url, "--secret-file",
                        secret,       "--video",  video,     "--audio",    audio,  "--subscribers",
                        "1",          "--warmup", "1",       "--duration", "5",    NULL};
  g_autofree char *out = NULL, *err = NULL;
  int status = wt_it_run(argv, NULL, 60000, &out, &err);
  if (status != 0)
    g_test_message("witness-load said:\n%s%s", out, err);
  g_assert_cmpint(status, ==, 0);

  *stopped_us = g_get_monotonic_time();
  g_autoptr(JsonObject) stopped =
      rr_request(staff, "{\"type\":\"record\",\"id\":3,\"action\":\"stop\"}");
  wt_it_assert_result(stopped, 3);
  g_autoptr(JsonObject) off = rr_wait_event(staff, "recording", "off", 10000);
  g_assert_nonnull(off);
  g_assert_cmpstr(json_object_get_string_member(off, "recording"), ==, id);
  return id;
}

/* Waits for DIR/receipt.json; FALSE after @timeout_ms. */
static gboolean
wait_receipt(const char *dir, guint timeout_ms)
{
  g_autofree char *path = g_build_filename(dir, "receipt.json", NULL);
  gint64 until = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
  while (!g_file_test(path, G_FILE_TEST_EXISTS)) {
    if (g_get_monotonic_time() > until)
      return FALSE;
    g_usleep(5 * 1000);
  }
  return TRUE;
}

static JsonObject *
get_json(WtItDaemon *d, const char *path, const char *token, guint *status)
{
  g_autofree char *url = g_strconcat(wt_it_daemon_url(d), path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new("GET", url);
  if (token) {
    g_autofree char *value = g_strconcat("Bearer ", token, NULL);
    soup_message_headers_replace(soup_message_get_request_headers(msg), "Authorization", value);
  }
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read(wt_it_soup_session(), msg, NULL, &error);
  g_assert_no_error(error);
  *status = soup_message_get_status(msg);
  g_assert_cmpstr(
      soup_message_headers_get_content_type(soup_message_get_response_headers(msg), NULL), ==,
      "application/json");
  gsize len = 0;
  const char *data = g_bytes_get_data(body, &len);
  g_autofree char *text = g_strndup(data, len);
  g_autoptr(JsonNode) node = json_from_string(text, NULL);
  g_assert_nonnull(node);
  return json_object_ref(json_node_get_object(node));
}

/* The value of metric @name in /metrics. */
static double
metric(WtItDaemon *d, const char *name)
{
  g_autofree char *body = NULL;
  g_assert_cmpuint(wt_it_http_get(wt_it_daemon_url(d), "/metrics", &body, NULL), ==, 200);
  g_autofree char *prefix = g_strconcat("\n", name, " ", NULL);
  const char *at = strstr(body, prefix);
  g_assert_nonnull(at);
  return g_ascii_strtod(at + strlen(prefix), NULL);
}

static char *
config_for(const char *url, guint stuck_s)
{
  return g_strdup_printf("[rooms]\nmax_participants=20\n"
                         "[ice]\nloopback=true\n[liveness]\nenabled=false\n"
                         "[recording]\nsegment_seconds=2\n"
                         "[notary]\nurl=%s\nanchor_every_segments=1\nretry_initial_ms=50\n"
                         "retry_max_ms=500\nstuck_after_seconds=%u\n",
                         url, stuck_s);
}

static void
test_delivered(void)
{
  g_autofree char *be_dir = wt_it_make_temp_dir();
  g_autoptr(WtItBackend) b = wt_it_backend_start(be_dir, 0);
  g_autofree char *config = config_for(wt_it_backend_url(b), 600);
  g_autoptr(WtItDaemon) d = wt_it_daemon_start(config);
  gint64 stopped_us = 0;
  g_autofree char *id = record_room(d, &stopped_us);
  g_autofree char *dir = g_build_filename(wt_it_daemon_data_dir(d), "archive", id, NULL);
  g_assert_true(wait_receipt(dir, 10000));
  double ms = (double)(g_get_monotonic_time() - stopped_us) / 1000;
  g_test_message("BENCH seal_to_receipt_ms=%.0f", ms);

  /* Stored once; anchors came while it ran. */
  g_assert_cmpuint(wt_it_backend_count(b, "seal"), ==, 1);
  guint anchors = wt_it_backend_count(b, "anchor");
  g_test_message("%u anchors", anchors);
  g_assert_cmpuint(anchors, >=, 1);

  /* verify is OK and shows the receipt. */
  const char *verify[] = {wt_it_witnessctl(),       "verify", "--data",
                          wt_it_daemon_data_dir(d), dir,      NULL};
  g_autofree char *verdict = NULL;
  g_assert_cmpint(wt_it_run(verify, NULL, 30000, &verdict, NULL), ==, 0);
  g_test_message("witnessctl verify: %s", verdict);
  g_assert_true(g_str_has_prefix(verdict, "OK "));
  g_autoptr(JsonArray) items = wt_it_backend_items(b);
  const char *receipt_id = NULL;
  for (guint i = 0; i < json_array_get_length(items); i++) {
    JsonObject *r =
        json_object_get_object_member(json_array_get_object_element(items, i), "receipt");
    if (g_str_equal(json_object_get_string_member(r, "kind"), "seal"))
      receipt_id = json_object_get_string_member(r, "receipt_id");
  }
  g_autofree char *line = g_strdup_printf("\nreceipt %s from the notary backend", receipt_id);
  g_assert_nonnull(strstr(verdict, line));

  /* GET /api/recordings/<id>, by role. */
  g_autofree char *staff = wt_it_mint(d, "staff", "s-1", NULL);
  g_autofree char *clerk = wt_it_mint(d, "clerk", "c-1", NULL);
  g_autofree char *applicant = wt_it_mint(d, "applicant", "a-1", "load-0");
  g_autofree char *path = g_strconcat("/api/recordings/", id, NULL);
  guint status = 0;
  g_autoptr(JsonObject) none = get_json(d, path, NULL, &status);
  g_assert_cmpuint(status, ==, 401);
  g_assert_cmpstr(json_object_get_string_member(none, "error"), ==, "unauthorized");
  g_autofree char *forged = g_strconcat(staff, "x", NULL);
  g_autoptr(JsonObject) bad = get_json(d, path, forged, &status);
  g_assert_cmpuint(status, ==, 401);
  g_assert_cmpstr(json_object_get_string_member(bad, "error"), ==, "unauthorized");
  g_autoptr(JsonObject) denied = get_json(d, path, applicant, &status);
  g_assert_cmpuint(status, ==, 403);
  g_assert_cmpstr(json_object_get_string_member(denied, "error"), ==, "forbidden");
  g_autoptr(JsonObject) unknown = get_json(d, "/api/recordings/r-nope", staff, &status);
  g_assert_cmpuint(status, ==, 404);
  g_assert_cmpstr(json_object_get_string_member(unknown, "error"), ==, "not-found");
  /* A path that climbs out: libwebsockets folds it away from /api/; still 404. */
  g_assert_cmpuint(
      wt_it_http_get(wt_it_daemon_url(d), "/api/recordings/..%2f..%2fetc%2fpasswd", NULL, NULL), ==,
      404);
  g_autoptr(JsonObject) by_clerk = get_json(d, path, clerk, &status);
  g_assert_cmpuint(status, ==, 200);
  g_assert_cmpstr(json_object_get_string_member(by_clerk, "id"), ==, id);
  g_autoptr(JsonObject) rec = get_json(d, path, staff, &status);
  g_assert_cmpuint(status, ==, 200);
  g_assert_cmpstr(json_object_get_string_member(rec, "id"), ==, id);
  g_assert_cmpstr(json_object_get_string_member(rec, "state"), ==, "sealed");
  g_assert_cmpstr(json_object_get_string_member(rec, "reason"), ==, "ended");
  JsonObject *seal = json_object_get_object_member(rec, "seal");
  g_assert_cmpstr(json_object_get_string_member(seal, "recording"), ==, id);
  g_assert_cmpstr(
      json_object_get_string_member(json_object_get_object_member(rec, "receipt"), "receipt_id"),
      ==, receipt_id);

  /* GET /api/keys (no token needed) lists the key that signed. */
  g_autoptr(JsonObject) keys = get_json(d, "/api/keys", NULL, &status);
  g_assert_cmpuint(status, ==, 200);
  JsonArray *list = json_object_get_array_member(keys, "keys");
  g_assert_cmpuint(json_array_get_length(list), ==, 1);
  JsonObject *key = json_array_get_object_element(list, 0);
  g_assert_cmpstr(json_object_get_string_member(key, "id"), ==,
                  json_object_get_string_member(seal, "key_id"));
  gsize raw_len = 0;
  g_autofree guchar *raw =
      g_base64_decode(json_object_get_string_member(key, "public_key"), &raw_len);
  g_assert_nonnull(raw);
  g_assert_cmpuint(raw_len, ==, 32);

  g_assert_cmpfloat(metric(d, "witness_notary_outbox_pending"), ==, 0);
  g_assert_cmpfloat(metric(d, "witness_notary_outbox_delivered"), ==, 1 + anchors);
  wt_it_assert_healthy(d);
  wt_it_daemon_stop_clean(d);
  g_assert_cmpuint(wt_it_backend_count(b, "seal"), ==, 1);
  wt_it_rm_rf(be_dir);
}

static void
test_restart_delivers(void)
{
  guint16 port = wt_it_free_port();
  g_autofree char *url = g_strdup_printf("http://127.0.0.1:%u/seals", port);
  g_autofree char *config = config_for(url, 1);
  g_autoptr(WtItDaemon) d = wt_it_daemon_start(config);
  gint64 stopped_us = 0;
  g_autofree char *id = record_room(d, &stopped_us);
  g_autofree char *dir = g_build_filename(wt_it_daemon_data_dir(d), "archive", id, NULL);
  /* Nobody to take it: it waits in the outbox, and after 1 s the health says so. */
  g_usleep(2500 * 1000);
  g_assert_cmpfloat(metric(d, "witness_notary_outbox_pending"), >=, 1);
  g_assert_cmpfloat(metric(d, "witness_notary_outbox_oldest_pending_seconds"), >=, 2);
  g_autofree char *health = NULL;
  g_assert_cmpuint(wt_it_http_get(wt_it_daemon_url(d), "/healthz", &health, NULL), ==, 503);
  g_assert_cmpstr(health, ==, "degraded: notary outbox stuck\n");
  wt_it_daemon_stop_clean(d);
  g_autofree char *receipt = g_build_filename(dir, "receipt.json", NULL);
  g_assert_false(g_file_test(receipt, G_FILE_TEST_EXISTS));

  /* The backend comes up; witnessd starts again on the same data. */
  g_autofree char *be_dir = wt_it_make_temp_dir();
  g_autoptr(WtItBackend) b = wt_it_backend_start(be_dir, port);
  g_autoptr(WtItDaemon) again = wt_it_daemon_new(config);
  wt_it_daemon_add_arg(again, "--data");
  wt_it_daemon_add_arg(again, wt_it_daemon_data_dir(d));
  g_autoptr(GError) error = NULL;
  g_assert_true(wt_it_daemon_spawn(again, &error));
  g_assert_no_error(error);
  g_assert_true(wait_receipt(dir, 10000));
  /* The anchors queued during the outage follow; then health is back. */
  gint64 until = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (metric(again, "witness_notary_outbox_pending") > 0 && g_get_monotonic_time() < until)
    g_usleep(20 * 1000);
  g_assert_cmpfloat(metric(again, "witness_notary_outbox_pending"), ==, 0);
  g_assert_cmpuint(wt_it_backend_count(b, "seal"), ==, 1);
  g_assert_cmpuint(wt_it_backend_count(b, "anchor"), >=, 1);
  wt_it_assert_healthy(again);
  wt_it_daemon_stop_clean(again);
  wt_it_rm_rf(be_dir);
}

/* No [notary] url: the seal goes to <data>/ledger.jsonl, and verify shows the entry. */
static void
test_local_ledger(void)
{
  g_autoptr(WtItDaemon) d = wt_it_daemon_start("[rooms]\nmax_participants=20\n"
                                               "[ice]\nloopback=true\n[liveness]\nenabled=false\n"
                                               "[recording]\nsegment_seconds=2\n"
                                               "[notary]\nanchor_every_segments=2\n");
  gint64 stopped_us = 0;
  g_autofree char *id = record_room(d, &stopped_us);
  g_autofree char *dir = g_build_filename(wt_it_daemon_data_dir(d), "archive", id, NULL);
  g_assert_true(wait_receipt(dir, 10000));
  g_test_message("ledger receipt %.0f ms after the stop",
                 (double)(g_get_monotonic_time() - stopped_us) / 1000);
  const char *verify[] = {wt_it_witnessctl(),       "verify", "--data",
                          wt_it_daemon_data_dir(d), dir,      NULL};
  g_autofree char *verdict = NULL;
  g_assert_cmpint(wt_it_run(verify, NULL, 30000, &verdict, NULL), ==, 0);
  g_test_message("witnessctl verify: %s", verdict);
  g_assert_true(g_str_has_prefix(verdict, "OK "));
  g_assert_nonnull(strstr(verdict, "\nreceipt: local ledger entry "));
  /* The ledger: an anchor or two, then the seal, each line linked to the one before. */
  g_autofree char *ledger_path = g_build_filename(wt_it_daemon_data_dir(d), "ledger.jsonl", NULL);
  g_autofree char *ledger = NULL;
  g_assert_true(g_file_get_contents(ledger_path, &ledger, NULL, NULL));
  g_auto(GStrv) lines = g_strsplit(g_strchomp(ledger), "\n", -1);
  g_assert_cmpuint(g_strv_length(lines), >=, 2);
  g_autofree char *prev = g_strnfill(64, '0');
  for (guint i = 0; lines[i]; i++) {
    g_autoptr(JsonNode) node = json_from_string(lines[i], NULL);
    JsonObject *o = json_node_get_object(node);
    g_assert_cmpint(json_object_get_int_member(o, "seq"), ==, i);
    g_assert_cmpstr(json_object_get_string_member(o, "prev"), ==, prev);
    g_free(prev);
    prev = g_strdup(json_object_get_string_member(o, "hash"));
    g_assert_cmpstr(json_object_get_string_member(o, "type"), ==, lines[i + 1] ? "anchor" : "seal");
  }
  g_assert_cmpfloat(metric(d, "witness_notary_outbox_pending"), ==, 0);
  wt_it_daemon_stop_clean(d);
}

int
main(int argc, char **argv)
{
  wt_it_init(&argc, &argv);
  if (argc < 3)
    g_error("usage: test_notary_e2e --tap WITNESS_LOAD CLIP_DIR");
  witness_load = argv[1];
  clip_dir = argv[2];
  g_test_add_func("/notary-e2e/delivered", test_delivered);
  g_test_add_func("/notary-e2e/restart-delivers", test_restart_delivers);
  g_test_add_func("/notary-e2e/local-ledger", test_local_ledger);
  return wt_it_run_tests();
}
