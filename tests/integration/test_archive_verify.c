/* test_archive_verify.c — a clerk's `view` of a long recording is verified off
 * the signaling thread. The recording (WT_BIG_MB MB, default 200, in 4 MB
 * segments; made here with storage/ and sealed with the data folder's key)
 * is checked byte by byte on every view. While the archive module's check
 * runs (the module logs "verifying for a view"), a ping on another connection
 * is answered and the view is not yet: the order, not a time limit, is what
 * is asserted; both times are printed. A second view of the same recording
 * while it is being checked waits for that check (one "verifying" line for
 * both), and a view whose connection closed meanwhile leaves nothing behind.
 * A server stopped during a check answers the view before closing the
 * connection and exits cleanly. */
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "recording.h"

#define ID "r-big"
#define SEGMENT_BYTES (4u << 20)
#define VERIFYING "recording " ID ": verifying for a view"

static guint
big_mb(void)
{
  const char *env = g_getenv("WT_BIG_MB");
  guint mb = env ? (guint)g_ascii_strtoull(env, NULL, 10) : 200;
  return MAX(mb, 8);
}

/* <@data>/archive/r-big: one participant, @n segments of SEGMENT_BYTES each
 * (a random block, each one made distinct by its number), sealed with the key
 * in <@data>/keys; times around now, so that retention keeps it. */
static void
make_big_recording(const char *data, guint n)
{
  g_autofree char *keys_dir = g_build_filename(data, "keys", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(WtSigningKey) key = wt_signing_key_load_or_create(keys_dir, &error);
  g_assert_no_error(error);
  g_autofree char *dir = g_build_filename(data, "archive", ID, NULL);
  g_autofree char *part = g_build_filename(dir, "p-1", NULL);
  g_assert_cmpint(g_mkdir_with_parents(part, 0700), ==, 0);
  g_autofree char *chain_path = g_build_filename(dir, WT_CHAIN_FILE, NULL);
  g_autoptr(WtChain) chain = wt_chain_open(chain_path, NULL, &error);
  g_assert_no_error(error);
  gint64 t0 = g_get_real_time() / 1000 - 3600 * 1000;
  g_autoptr(JsonObject) join = json_object_new();
  json_object_set_string_member(join, "participant", "p-1");
  json_object_set_string_member(join, "role", "applicant");
  g_assert_true(wt_chain_append(chain, "join", join, t0, &error));
  g_autofree guint32 *block = g_malloc(SEGMENT_BYTES);
  for (gsize i = 0; i < SEGMENT_BYTES / 4; i++)
    block[i] = g_random_int();
  for (guint i = 0; i < n; i++) {
    block[0] = i;
    g_autofree char *name = g_strdup_printf("p-1/%05u.webm", i);
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_assert_true(g_file_set_contents(path, (const char *)block, SEGMENT_BYTES, &error));
    g_autofree char *sha =
        g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)block, SEGMENT_BYTES);
    g_autoptr(JsonObject) r = json_object_new();
    json_object_set_string_member(r, "participant", "p-1");
    json_object_set_string_member(r, "file", name);
    json_object_set_int_member(r, "size", SEGMENT_BYTES);
    json_object_set_string_member(r, "sha256", sha);
    json_object_set_int_member(r, "start_ms", t0 + 10000 * i);
    json_object_set_int_member(r, "end_ms", t0 + 10000 * (i + 1));
    g_assert_true(wt_chain_append(chain, "segment", r, t0 + 10000 * (i + 1), &error));
  }
  g_assert_true(wt_chain_append(chain, "leave", join, t0 + 10000 * n, &error));
  g_assert_true(wt_recording_seal(dir, ID, chain, "ended", key, &error));
  g_assert_no_error(error);
}

/* How many times @needle is in @d's log so far. */
static guint
log_count(WtItDaemon *d, const char *needle)
{
  g_autofree char *log = wt_it_daemon_log(d);
  guint n = 0;
  for (const char *p = log; (p = strstr(p, needle)); p += strlen(needle))
    n++;
  return n;
}

/* Serves sockets until @d has logged @needle @n times (at most 60 s). */
static void
wait_log(WtItDaemon *d, const char *needle, guint n)
{
  for (guint i = 0; i < 6000 && log_count(d, needle) < n; i++)
    wt_it_pump(10);
  g_assert_cmpuint(log_count(d, needle), >=, n);
}

static void
send_view(WtItWs *ws, gint64 id)
{
  g_autofree char *text = g_strdup_printf("{\"type\":\"request\",\"id\":%" G_GINT64_FORMAT
                                          ",\"module\":\"archive\",\"action\":\"view\","
                                          "\"recording\":\"" ID "\"}",
                                          id);
  g_assert_true(wt_it_ws_send(ws, text));
}

/* The next message on @ws, which may take as long as a check (transfer full). */
static JsonObject *
recv_slow(WtItWs *ws)
{
  g_autofree char *text = NULL;
  g_assert_cmpint(wt_it_ws_next(ws, 120000, &text), ==, WT_IT_WS_MESSAGE);
  g_autoptr(JsonNode) node = json_from_string(text, NULL);
  g_assert_nonnull(node);
  return json_node_dup_object(node);
}

/* Asserts @reply answers view @id with a recording that verifies. */
static void
assert_verified(JsonObject *reply, gint64 id, guint segments)
{
  JsonObject *res = wt_it_assert_result(reply, id);
  g_assert_cmpstr(wt_it_get_string(res, "recording"), ==, ID);
  JsonObject *v = json_object_get_object_member(res, "verify");
  g_assert_nonnull(v);
  if (!json_object_get_boolean_member_with_default(v, "ok", FALSE))
    g_error("the recording does not verify: %s", wt_it_get_string(v, "problem"));
  g_assert_cmpint(json_object_get_int_member(v, "segments"), ==, segments);
}

static void
test_view_does_not_block_ping(void)
{
  guint segments = big_mb() / 4;
  g_autofree char *mods = wt_it_make_temp_dir();
  g_autofree char *from = g_build_filename(WT_WORKFLOW_MODULES_DIR, "archive.so", NULL);
  g_autofree char *to = g_build_filename(mods, "archive.so", NULL);
  g_assert_cmpint(symlink(from, to), ==, 0);
  g_autofree char *config = g_strdup_printf("[modules]\ndir=%s\n", mods);
  g_autoptr(WtItDaemon) d = wt_it_daemon_new(config);
  gint64 t = g_get_monotonic_time();
  make_big_recording(wt_it_daemon_data_dir(d), segments);
  g_test_message("made a %u MB recording in %u segments in %" G_GINT64_FORMAT " ms", segments * 4,
                 segments, (g_get_monotonic_time() - t) / 1000);
  g_autoptr(GError) error = NULL;
  g_assert_true(wt_it_daemon_spawn(d, &error));
  g_autofree char *token = wt_it_mint(d, "clerk", "clara", NULL);
  g_autoptr(WtItWs) viewer = wt_it_ws_hello(d, token, NULL);
  g_autoptr(WtItWs) other = wt_it_ws_hello(d, token, NULL);

  /* A view, and a ping on the other connection while the view's check runs. */
  guint before = wt_it_ws_received_count(viewer);
  t = g_get_monotonic_time();
  send_view(viewer, 2);
  wait_log(d, VERIFYING, 1);
  gint64 t_started = g_get_monotonic_time();
  g_autoptr(JsonObject) pong = wt_it_ws_request(other, "{\"type\":\"ping\",\"id\":3}");
  wt_it_assert_result(pong, 3);
  gint64 t_ping = g_get_monotonic_time();
  /* The ping was answered while the view was still being checked. */
  g_assert_cmpuint(wt_it_ws_received_count(viewer), ==, before);
  g_autoptr(JsonObject) view = recv_slow(viewer);
  gint64 t_view = g_get_monotonic_time();
  assert_verified(view, 2, segments);
  printf("# %u MB: ping answered in %.1f ms during the check; view answered in %.1f ms\n",
         segments * 4, (t_ping - t_started) / 1000.0, (t_view - t) / 1000.0);
  g_assert_cmpuint(log_count(d, VERIFYING), ==, 1);

  /* Two views at once: one check, both answered; the first connection
   * closes before its answer comes (the reply is dropped, nothing leaks). */
  {
    g_autoptr(WtItWs) leaving = wt_it_ws_hello(d, token, NULL);
    send_view(leaving, 4);
    wait_log(d, VERIFYING, 2);
    send_view(viewer, 5);
    wt_it_pump(20);
  }
  g_autoptr(JsonObject) view2 = recv_slow(viewer);
  assert_verified(view2, 5, segments);
  g_assert_cmpuint(log_count(d, VERIFYING), ==, 2);
  g_assert_cmpuint(log_count(d, "answering 2 view(s)"), ==, 1);

  /* Stopped during a check: the view is answered, then the server exits cleanly. */
  send_view(other, 6);
  wait_log(d, VERIFYING, 3);
  wt_it_daemon_stop_clean(d);
  g_autoptr(JsonObject) view3 = recv_slow(other);
  assert_verified(view3, 6, segments);
  wt_it_rm_rf(mods);
}

int
main(int argc, char **argv)
{
  wt_it_init(&argc, &argv);
  g_test_add_func("/archive/view-does-not-block-ping", test_view_does_not_block_ping);
  return wt_it_run_tests();
}
