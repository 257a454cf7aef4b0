/* recorded_room.h — what the recording tests (test_record.c, test_crash.c,
 * test_disk_full.c, test_sync.c, test_notary_e2e.c, test_shutdown_seal.c) share: a staff member who
 * opens a recorded room, witness-load publishing into it in the background, events, and the chain
 * read back. Test main thread only, like the harness. */
#pragma once

#include <string.h>

#include "../integration/harness.h"

/* The next event @name (with @state when not NULL) on @ws (transfer full), or
 * NULL after @timeout_ms. Other messages are skipped. */
static inline JsonObject *
rr_wait_event(WtItWs *ws, const char *name, const char *state, guint timeout_ms)
{
  gint64 until = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
  while (g_get_monotonic_time() < until) {
    g_autofree char *text = NULL;
    if (wt_it_ws_next(ws, 500, &text) != WT_IT_WS_MESSAGE)
      continue;
    g_autoptr(JsonNode) node = json_from_string(text, NULL);
    if (!node || !JSON_NODE_HOLDS_OBJECT(node))
      continue;
    JsonObject *o = json_node_get_object(node);
    if (g_strcmp0(json_object_get_string_member_with_default(o, "event", ""), name) == 0 &&
        (!state ||
         g_strcmp0(json_object_get_string_member_with_default(o, "state", ""), state) == 0))
      return json_object_ref(o);
  }
  return NULL;
}

/* Sends @text and returns the reply to it (transfer full), skipping events. */
static inline JsonObject *
rr_request(WtItWs *ws, const char *text)
{
  g_assert_true(wt_it_ws_send(ws, text));
  for (;;) {
    JsonObject *o = wt_it_ws_recv(ws);
    if (g_strcmp0(json_object_get_string_member_with_default(o, "type", ""), "event") != 0)
      return o;
    json_object_unref(o);
  }
}

/* A staff token of @d with the record claim (transfer full). */
static inline char *
rr_record_token(WtItDaemon *d, const char *sub)
{
  const char *mint[] = {wt_it_witnessctl(), "token", "--data", wt_it_daemon_data_dir(d),
                        "--role",           "staff", "--sub",  sub,
                        "--record",         NULL};
  g_autofree char *token = NULL;
  g_assert_cmpint(wt_it_run(mint, NULL, 30000, &token, NULL), ==, 0);
  g_strstrip(token);
  wt_it_daemon_forbid_in_log(d, token);
  return g_steal_pointer(&token);
}

/* @staff (a record-claim connection) joins room load-0, which must start
 * recording; returns the recording id (transfer full). */
static inline char *
rr_join_recorded(WtItWs *staff)
{
  g_autoptr(JsonObject) joined =
      rr_request(staff, "{\"type\":\"join\",\"id\":2,\"room\":\"load-0\"}");
  JsonObject *rec = json_object_get_object_member(wt_it_assert_result(joined, 2), "recording");
  g_assert_cmpstr(json_object_get_string_member(rec, "state"), ==, "on");
  return g_strdup(json_object_get_string_member(rec, "id"));
}

/* witness-load (@load) publishing @clip_dir's clip into room load-0 of @d
 * for @seconds, in the background (transfer full). */
static inline GSubprocess *
rr_start_load(WtItDaemon *d, const char *load, const char *clip_dir, const char *seconds)
{
  g_autofree char *secret =
      g_build_filename(wt_it_daemon_data_dir(d), "secrets", "token.key", NULL);
  g_autofree char *ws_url = g_strdup_printf("ws://127.0.0.1:%u/ws", wt_it_daemon_port(d));
  g_autofree char *video = g_build_filename(clip_dir, "clip.ivf", NULL);
  g_autofree char *audio = g_build_filename(clip_dir, "clip.ogg", NULL);
  const char *argv[] = {load,   "--server", "witness", "--url",      ws_url,  "--secret-file",
                        secret, "--video",  video,     "--audio",    audio,   "--subscribers",
                        "1",    "--warmup", "1",       "--duration", seconds, NULL};
  g_autoptr(GError) error = NULL;
  GSubprocess *proc = g_subprocess_newv(
      argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
  g_assert_no_error(error);
  return proc;
}

/* Waits (serving the main context) until @proc exits, at most @timeout_ms;
 * kills it after that. */
static inline void
rr_wait_process(GSubprocess *proc, guint timeout_ms)
{
  gint64 until = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
  while (g_get_monotonic_time() < until) {
    if (g_subprocess_get_identifier(proc) == NULL)
      return;
    wt_it_pump(100);
  }
  g_subprocess_force_exit(proc);
  g_subprocess_wait(proc, NULL, NULL);
}

/* Every record of @dir's chain, parsed (transfer full). */
static inline GPtrArray *
rr_chain(const char *dir)
{
  g_autofree char *path = g_build_filename(dir, "chain.jsonl", NULL);
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)json_object_unref);
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (guint i = 0; lines[i] && *lines[i]; i++) {
    g_autoptr(JsonNode) node = json_from_string(lines[i], NULL);
    g_assert_nonnull(node);
    g_ptr_array_add(out, json_object_ref(json_node_get_object(node)));
  }
  return out;
}

/* `witnessctl verify` on @dir with @d's keys: asserts OK and returns the
 * seal's reason from seal.json (transfer full). */
static inline char *
rr_verify(WtItDaemon *d, const char *data_dir, const char *dir)
{
  const char *verify[] = {wt_it_witnessctl(), "verify", "--data", data_dir, dir, NULL};
  g_autofree char *verdict = NULL;
  int status = wt_it_run(verify, NULL, 30000, &verdict, NULL);
  g_test_message("witnessctl verify %s: %s", dir, verdict);
  g_assert_cmpint(status, ==, 0);
  g_assert_true(g_str_has_prefix(verdict, "OK "));
  g_autofree char *path = g_build_filename(dir, "seal.json", NULL);
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  g_autoptr(JsonNode) node = json_from_string(text, NULL);
  return g_strdup(json_object_get_string_member(json_node_get_object(node), "reason"));
}
