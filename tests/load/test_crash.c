/* test_crash.c — crash recovery, end to end: a recorded room fed by
 * witness-load, witnessd killed with SIGKILL in the middle, then started
 * again on the same data. The recording must come back sealed as
 * "interrupted", `witnessctl verify` must say OK, every segment closed before
 * the kill must still be there with the same bytes and still be named by the
 * chain, and no more than the open segment per party may be lost.
 *
 * Arguments after --tap: the witness-load binary and the clip folder.
 */
#include <signal.h>

#include "recorded_room.h"

static const char *witness_load, *clip_dir;

#define CONFIG                                                                                     \
  "[rooms]\nmax_participants=20\n[ice]\nloopback=true\n[liveness]\nenabled=false\n[recording]"     \
  "\nsegment_seconds=2\n"

/* Closed segment files under @dir (participant/name -> SHA-256 hex). */
static GHashTable *
closed_segments(const char *dir)
{
  GHashTable *out = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  const char *party;
  while (d && (party = g_dir_read_name(d))) {
    g_autofree char *pdir = g_build_filename(dir, party, NULL);
    g_autoptr(GDir) pd = g_dir_open(pdir, 0, NULL);
    const char *name;
    while (pd && (name = g_dir_read_name(pd))) {
      if (name[0] == '.')
        continue;
      g_autofree char *path = g_build_filename(pdir, name, NULL);
      g_autofree char *data = NULL;
      gsize len = 0;
      g_assert_true(g_file_get_contents(path, &data, &len, NULL));
      g_hash_table_insert(out, g_build_filename(party, name, NULL),
                          g_compute_checksum_for_data(G_CHECKSUM_SHA256, (guint8 *)data, len));
    }
  }
  return out;
}

static void
test_sigkill_mid_recording(void)
{
  g_autoptr(WtItDaemon) d = wt_it_daemon_start(CONFIG);
  g_autofree char *token = rr_record_token(d, "witness-1");
  g_autoptr(WtItWs) staff = wt_it_ws_hello(d, token, NULL);
  g_autofree char *id = rr_join_recorded(staff);
  g_autofree char *data_dir = g_strdup(wt_it_daemon_data_dir(d));
  g_autofree char *dir = g_build_filename(data_dir, "archive", id, NULL);

  /* Publish for long enough to close a few 2 s segments, then kill it mid-segment. */
  g_autoptr(GSubprocess) load = rr_start_load(d, witness_load, clip_dir, "20");
  gint64 until = g_get_monotonic_time() + 40 * G_USEC_PER_SEC;
  guint segments = 0;
  while (g_get_monotonic_time() < until && segments < 3) {
    wt_it_pump(200);
    g_autoptr(GPtrArray) chain = rr_chain(dir);
    segments = 0;
    for (guint i = 0; i < chain->len; i++)
      segments += g_strcmp0(json_object_get_string_member(chain->pdata[i], "type"), "segment") == 0;
  }
  g_assert_cmpuint(segments, >=, 3);
  wt_it_pump(900); /* into the next segment */
  g_assert_cmpint(wt_it_daemon_stop_signal(d, SIGKILL, NULL), ==, 128 + SIGKILL);
  g_clear_pointer(&staff, wt_it_ws_free);
  rr_wait_process(load, 30000);

  g_autoptr(GHashTable) before = closed_segments(dir);
  g_autofree char *seal = g_build_filename(dir, "seal.json", NULL);
  g_assert_false(g_file_test(seal, G_FILE_TEST_EXISTS));
  g_test_message("killed with %u closed segments on disk", g_hash_table_size(before));

  /* Start again on the same data: recovery runs before it listens. */
  g_autoptr(WtItDaemon) again = wt_it_daemon_new(CONFIG);
  wt_it_daemon_add_arg(again, "--data");
  wt_it_daemon_add_arg(again, data_dir);
  g_autoptr(GError) error = NULL;
  g_assert_true(wt_it_daemon_spawn(again, &error));
  g_autofree char *log = wt_it_daemon_log(again);
  g_autofree char *line = g_strdup_printf("recording %s: found unsealed after a crash; recovered "
                                          "and sealed (interrupted)",
                                          id);
  if (!strstr(log, line))
    g_test_message("log:\n%s", log);
  g_assert_nonnull(strstr(log, line));
  g_autofree char *said = g_strndup(strstr(log, line), strcspn(strstr(log, line), "\n"));
  g_test_message("witnessd said: %s", said);

  g_autofree char *reason = rr_verify(again, data_dir, dir);
  g_assert_cmpstr(reason, ==, "interrupted");

  /* The interrupted seal is handed to the notary like any other: with no [notary] url,
   * the local ledger's entry is its receipt. */
  g_autofree char *receipt = g_build_filename(dir, "receipt.json", NULL);
  for (guint i = 0; i < 100 && !g_file_test(receipt, G_FILE_TEST_EXISTS); i++)
    wt_it_pump(100);
  g_assert_true(g_file_test(receipt, G_FILE_TEST_EXISTS));

  /* Every segment closed before the kill: same bytes, named by the chain. */
  g_autoptr(GHashTable) after = closed_segments(dir);
  g_autoptr(GPtrArray) chain = rr_chain(dir);
  g_autoptr(GHashTable) named = g_hash_table_new(g_str_hash, g_str_equal);
  g_autoptr(GHashTable) lost = g_hash_table_new(g_str_hash, g_str_equal);
  guint recovered = 0;
  for (guint i = 0; i < chain->len; i++) {
    JsonObject *r = chain->pdata[i];
    const char *type = json_object_get_string_member(r, "type");
    if (json_object_has_member(r, "file"))
      g_hash_table_add(named, (gpointer)json_object_get_string_member(r, "file"));
    if (g_str_equal(type, "segment") &&
        json_object_get_boolean_member_with_default(r, "recovered", FALSE)) {
      /* The recovered segment is a proper file: ffprobe reads all of it. */
      g_autofree char *path = g_build_filename(dir, json_object_get_string_member(r, "file"), NULL);
      const char *argv[] = {"ffprobe", "-v", "error", "-show_entries", "packet=pts_time", "-of",
                            "csv=p=0", path, NULL};
      g_autofree char *err = NULL;
      g_assert_cmpint(wt_it_run(argv, NULL, 30000, NULL, &err), ==, 0);
      g_assert_cmpstr(err, ==, "");
      recovered++;
    }
    if (g_str_equal(type, "gap") && json_object_has_member(r, "quarantined")) {
      const char *who = json_object_get_string_member(r, "participant");
      g_assert_false(g_hash_table_contains(lost, who)); /* one open segment each, at most */
      g_hash_table_add(lost, (gpointer)who);
    }
  }
  GHashTableIter iter;
  gpointer file, sha;
  g_hash_table_iter_init(&iter, before);
  while (g_hash_table_iter_next(&iter, &file, &sha)) {
    g_assert_cmpstr(g_hash_table_lookup(after, file), ==, sha);
    g_assert_true(g_hash_table_contains(named, file));
  }
  g_test_message("%u segments recovered from the open ones, %u lost", recovered,
                 g_hash_table_size(lost));
  g_assert_cmpuint(recovered + g_hash_table_size(lost), >=, 1); /* the publisher's open one */
  g_assert_cmpuint(g_hash_table_size(after), >=, g_hash_table_size(before));
  wt_it_assert_healthy(again);
  wt_it_daemon_stop_clean(again);
}

int
main(int argc, char **argv)
{
  wt_it_init(&argc, &argv);
  if (argc < 3)
    g_error("usage: test_crash --tap WITNESS_LOAD CLIP_DIR");
  witness_load = argv[1];
  clip_dir = argv[2];
  g_test_add_func("/record/crash/sigkill-mid-recording", test_sigkill_mid_recording);
  return wt_it_run_tests();
}
