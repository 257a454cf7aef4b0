/* test_disk_full.c — a recording on a disk that fills up, on a real small
 * file system: the test enters a mount namespace of its own and mounts a
 * 48 MiB tmpfs as the archive (witnessd, its child, sees the same mounts).
 * Without the privilege for that (not root) the tests are skipped.
 *
 * - Below [recording] min_free_mb: the recorder stops at the next segment
 *   boundary, staff get `recording` "failed" and an `alert`, the recording is
 *   sealed "disk-full" and verifies, /healthz says 503 "degraded: disk low",
 *   /metrics shows the free bytes, and new recorded rooms are refused with
 *   `disk-full` until there is room again.
 * - ENOSPC itself (no threshold): the open segment is discarded and written
 *   as a gap, never recorded as complete; the recording is sealed
 *   "disk-full" all the same (the recorder's reserve leaves room for that)
 *   and verifies.
 * - Workflow modules (the hello test module) hear `recording` "failed" and
 *   the `alert`, are refused a new recording while the disk is low, and see
 *   no party recorded once the recorder failed (what witnessed entrustment's
 *   fail-closed check relies on).
 *
 * Arguments after --tap: the witness-load binary and the clip folder.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "recorded_room.h"

static const char *witness_load, *clip_dir;
static char *mnt; /* the small file system; NULL when it could not be made */

static gboolean
make_small_fs(char **why)
{
  mnt = g_dir_make_tmp("wt-diskfull-XXXXXX", NULL);
  if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
      mount("tmpfs", mnt, "tmpfs", 0, "size=48m,mode=0700") != 0) {
    *why =
        g_strdup_printf("cannot mount a small tmpfs in a mount namespace: %s", g_strerror(errno));
    g_rmdir(mnt);
    g_clear_pointer(&mnt, g_free);
    return FALSE;
  }
  return TRUE;
}

static guint64
free_bytes(void)
{
  struct statvfs st;
  g_assert_cmpint(statvfs(mnt, &st), ==, 0);
  return (guint64)st.f_bavail * st.f_frsize;
}

/* Takes all but @leave bytes of the small file system with a ballast file. */
static void
fill(const char *name, guint64 leave)
{
  g_autofree char *path = g_build_filename(mnt, name, NULL);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  g_assert_cmpint(fd, >=, 0);
  guint64 take = free_bytes() > leave ? free_bytes() - leave : 0;
  static char block[65536];
  while (take > 0) {
    ssize_t n = write(fd, block, MIN(take, sizeof block));
    if (n <= 0)
      break; /* full: what the test wants when @leave is 0 */
    take -= (guint64)n;
  }
  close(fd);
}

static void
empty_fs(void)
{
  g_autofree char *cmd = g_strdup_printf("rm -rf '%s'/*", mnt);
  g_assert_cmpint(system(cmd), ==, 0);
}

static char *
config(guint min_free_mb)
{
  return g_strdup_printf(
      "[rooms]\nmax_participants=20\n[ice]\nloopback=true\n[liveness]\nenabled=false\n"
      "[recording]\nsegment_seconds=2\nmin_free_mb=%u\narchive_dir=%s/archive\n"
      "[modules]\ndir=%s\nload=hello\n",
      min_free_mb, mnt, g_getenv("WT_TEST_MODULES"));
}

/* Staff join room load-0 recording, witness-load publishes; returns the
 * recording id once a segment is in the chain (transfer full). */
static char *
start_recorded_room(WtItDaemon *d, WtItWs **staff, GSubprocess **load)
{
  g_autofree char *token = rr_record_token(d, "witness-1");
  *staff = wt_it_ws_hello(d, token, NULL);
  g_autoptr(JsonObject) joined =
      rr_request(*staff, "{\"type\":\"join\",\"id\":2,\"room\":\"load-0\"}");
  JsonObject *rec = json_object_get_object_member(wt_it_assert_result(joined, 2), "recording");
  g_assert_cmpstr(json_object_get_string_member(rec, "state"), ==, "on");
  char *id = g_strdup(json_object_get_string_member(rec, "id"));
  *load = rr_start_load(d, witness_load, clip_dir, "30");
  g_autofree char *dir = g_build_filename(mnt, "archive", id, NULL);
  gint64 until = g_get_monotonic_time() + 40 * G_USEC_PER_SEC;
  for (gboolean segment = FALSE; !segment && g_get_monotonic_time() < until;) {
    wt_it_pump(200);
    g_autoptr(GPtrArray) chain = rr_chain(dir);
    for (guint i = 0; i < chain->len; i++)
      segment |= g_strcmp0(json_object_get_string_member(chain->pdata[i], "type"), "segment") == 0;
  }
  return id;
}

/* The failed event, the staff alert and the seal, in that order; then the
 * recording verifies, sealed "disk-full", and nothing unfinished is left. */
static GPtrArray *
expect_disk_full_stop(WtItDaemon *d, WtItWs *staff, const char *id)
{
  g_autoptr(JsonObject) failed = rr_wait_event(staff, "recording", "failed", 30000);
  g_assert_nonnull(failed);
  g_test_message("recording failed: %s", json_object_get_string_member(failed, "reason"));
  g_autoptr(JsonObject) alert = rr_wait_event(staff, "alert", NULL, 5000);
  g_assert_nonnull(alert);
  g_assert_cmpstr(json_object_get_string_member(alert, "kind"), ==, "disk-full");
  g_assert_cmpstr(json_object_get_string_member(alert, "recording"), ==, id);
  g_autoptr(JsonObject) off = rr_wait_event(staff, "recording", "off", 10000);
  g_assert_nonnull(off);
  g_assert_cmpstr(json_object_get_string_member(off, "reason"), ==, "disk-full");

  g_autofree char *dir = g_build_filename(mnt, "archive", id, NULL);
  g_autofree char *reason = rr_verify(d, wt_it_daemon_data_dir(d), dir);
  g_assert_cmpstr(reason, ==, "disk-full");
  GPtrArray *chain = rr_chain(dir);
  gboolean said = FALSE;
  for (guint i = 0; i < chain->len; i++) {
    JsonObject *r = chain->pdata[i];
    if (g_str_equal(json_object_get_string_member(r, "type"), "failure")) {
      g_assert_cmpstr(json_object_get_string_member(r, "code"), ==, "disk-full");
      said = TRUE;
    }
  }
  g_assert_true(said);
  /* No temporary segment and no reserve left behind. */
  g_autofree char *cmd = g_strdup_printf("find '%s' -name '.*'", dir);
  g_autofree char *dots = NULL;
  const char *argv[] = {"sh", "-c", cmd, NULL};
  g_assert_cmpint(wt_it_run(argv, NULL, 10000, &dots, NULL), ==, 0);
  g_assert_cmpstr(dots, ==, "");
  return chain;
}

static void
test_below_threshold(void)
{
  if (!mnt)
    return;
  g_autofree char *conf = config(24);
  g_autoptr(WtItDaemon) d = wt_it_daemon_start(conf);
  wt_it_assert_healthy(d);
  WtItWs *staff = NULL;
  g_autoptr(GSubprocess) load = NULL;
  g_autofree char *id = start_recorded_room(d, &staff, &load);

  fill("ballast", 12 << 20); /* 12 MiB free: below min_free_mb = 24, but room to write */
  g_autoptr(GPtrArray) chain = expect_disk_full_stop(d, staff, id);
  /* Stopped at a segment boundary: every segment it began was finished. */
  for (guint i = 0; i < chain->len; i++)
    g_assert_false(json_object_has_member(chain->pdata[i], "quarantined"));

  g_autofree char *body = NULL;
  g_assert_cmpuint(wt_it_http_get(wt_it_daemon_url(d), "/healthz", &body, NULL), ==, 503);
  g_assert_cmpstr(body, ==, "degraded: disk low\n");
  g_autofree char *metrics = NULL;
  g_assert_cmpuint(wt_it_http_get(wt_it_daemon_url(d), "/metrics", &metrics, NULL), ==, 200);
  g_assert_nonnull(strstr(metrics, "\nwitness_archive_free_bytes "));
  g_assert_nonnull(strstr(metrics, "\nwitness_recorder_drops_total "));

  /* No new recording while the disk is low: neither by request... */
  g_autoptr(JsonObject) refused =
      rr_request(staff, "{\"type\":\"record\",\"id\":5,\"action\":\"start\"}");
  wt_it_assert_error(refused, 5, "disk-full");
  /* ...nor by joining with the record claim. */
  g_autofree char *token = rr_record_token(d, "witness-2");
  g_autoptr(WtItWs) other = wt_it_ws_hello(d, token, NULL);
  g_autoptr(JsonObject) join_refused =
      rr_request(other, "{\"type\":\"join\",\"id\":2,\"room\":\"other\"}");
  wt_it_assert_error(join_refused, 2, "disk-full");
  /* ...nor by a module. */
  g_autoptr(JsonObject) module_refused =
      rr_request(staff, "{\"type\":\"request\",\"id\":8,\"module\":\"hello\","
                        "\"action\":\"record\",\"room\":\"load-0\"}");
  wt_it_assert_error(module_refused, 8, "unavailable");
  g_assert_nonnull(strstr(wt_it_get_string(module_refused, "reason"), "nearly full"));

  /* Room again: healthy, and recording starts. */
  g_autofree char *ballast = g_build_filename(mnt, "ballast", NULL);
  g_assert_cmpint(g_unlink(ballast), ==, 0);
  wt_it_assert_healthy(d);
  g_autoptr(JsonObject) started =
      rr_request(staff, "{\"type\":\"record\",\"id\":6,\"action\":\"start\"}");
  wt_it_assert_result(started, 6);
  g_autoptr(JsonObject) stopped =
      rr_request(staff, "{\"type\":\"record\",\"id\":7,\"action\":\"stop\"}");
  wt_it_assert_result(stopped, 7);
  g_autoptr(JsonObject) off = rr_wait_event(staff, "recording", "off", 10000);
  g_assert_nonnull(off);

  g_subprocess_force_exit(load);
  rr_wait_process(load, 10000);
  g_clear_pointer(&staff, wt_it_ws_free);
  g_clear_pointer(&other, wt_it_ws_free);
  wt_it_daemon_stop_clean(d);
  empty_fs();
}

static void
test_enospc(void)
{
  if (!mnt)
    return;
  g_autofree char *conf = config(0);
  g_autoptr(WtItDaemon) d = wt_it_daemon_start(conf);
  WtItWs *staff = NULL;
  g_autoptr(GSubprocess) load = NULL;
  g_autofree char *id = start_recorded_room(d, &staff, &load);

  fill("ballast", 0);
  g_autoptr(GPtrArray) chain = expect_disk_full_stop(d, staff, id);
  /* The segment being written when the disk filled is a gap, not a segment. */
  gboolean discarded = FALSE;
  for (guint i = 0; i < chain->len; i++) {
    JsonObject *r = chain->pdata[i];
    const char *reason = json_object_get_string_member_with_default(r, "reason", "");
    if (g_str_equal(json_object_get_string_member(r, "type"), "gap") &&
        strstr(reason, "open segment was discarded"))
      discarded = TRUE;
  }
  g_assert_true(discarded);

  /* What a module saw and sees: the failure and the alert before the seal, and
   * no party recorded now (a new recording is not running). */
  g_autoptr(JsonObject) status =
      rr_request(staff, "{\"type\":\"request\",\"id\":5,\"module\":\"hello\","
                        "\"action\":\"status\",\"room\":\"load-0\"}");
  JsonArray *people = json_object_get_array_member(wt_it_assert_result(status, 5), "participants");
  g_assert_cmpuint(json_array_get_length(people), >=, 2);
  for (guint i = 0; i < json_array_get_length(people); i++) {
    JsonObject *rec =
        json_object_get_object_member(json_array_get_object_element(people, i), "recorded");
    g_assert_false(json_object_get_boolean_member(rec, "audio"));
    g_assert_false(json_object_get_boolean_member(rec, "video"));
  }
  g_autoptr(JsonObject) events = rr_request(
      staff, "{\"type\":\"request\",\"id\":6,\"module\":\"hello\",\"action\":\"events\"}");
  JsonArray *seen = json_object_get_array_member(wt_it_assert_result(events, 6), "events");
  GString *order = g_string_new(NULL);
  for (guint i = 0; i < json_array_get_length(seen); i++) {
    JsonObject *e = json_array_get_object_element(seen, i);
    const char *name = wt_it_get_string(e, "event");
    if (g_str_equal(name, "recording"))
      g_string_append_printf(order, "recording:%s ", wt_it_get_string(e, "state"));
    else if (g_str_equal(name, "alert"))
      g_string_append_printf(order, "alert:%s ", wt_it_get_string(e, "kind"));
  }
  g_autofree char *said = g_string_free(order, FALSE);
  g_assert_cmpstr(said, ==, "recording:on recording:failed alert:disk-full recording:off ");

  g_subprocess_force_exit(load);
  rr_wait_process(load, 10000);
  g_clear_pointer(&staff, wt_it_ws_free);
  wt_it_daemon_stop_clean(d);
  empty_fs();
}

int
main(int argc, char **argv)
{
  wt_it_init(&argc, &argv);
  if (argc < 3)
    g_error("usage: test_disk_full --tap WITNESS_LOAD CLIP_DIR");
  witness_load = argv[1];
  clip_dir = argv[2];
  g_autofree char *why = NULL;
  if (!make_small_fs(&why)) {
    g_test_message("%s", why);
    g_test_add_data_func("/record/disk-full/skipped", why, (GTestDataFunc)g_test_skip);
  } else {
    g_test_add_func("/record/disk-full/below-threshold", test_below_threshold);
    g_test_add_func("/record/disk-full/enospc", test_enospc);
  }
  int status = wt_it_run_tests();
  if (mnt) {
    umount2(mnt, MNT_DETACH);
    g_rmdir(mnt);
    g_free(mnt);
  }
  return status;
}
