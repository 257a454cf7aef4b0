/* test_shutdown_seal.c — SIGTERM while a room records, with a TSA that takes
 * 2 s to answer: closing the room (sealing, which waits for the timestamp)
 * outlasts the first second of shutdown. witnessd must wait for it, exit 0
 * with no sanitizer report, and leave the recording sealed for "shutdown"
 * with its timestamp, verifying OK.
 *
 * A regression test: shutdown used to wait only 1 s for rooms, then free the
 * registry (its lock, cond and env) while the worker was still sealing, and the
 * worker used them afterwards (use after free, seen as a hang).
 *
 * Arguments after --tap: the witness-load binary and the clip folder.
 */
#include "../integration/tsa_server.h"
#include "recorded_room.h"

static const char *witness_load, *clip_dir;

/* tsa_server.py's /late path answers after this long. */
#define TSA_DELAY_S 2

static void
test_sigterm_while_sealing_slowly(void)
{
  g_autofree char *tsa_root = wt_it_make_temp_dir();
  WtItTsaServer *tsa = wt_it_tsa_server_start(tsa_root);
  g_autofree char *tsa_ca = g_build_filename(tsa_root, "ca.pem", NULL);
  g_autofree char *config = g_strdup_printf("[rooms]\nmax_participants=20\n"
                                            "[ice]\nloopback=true\n[liveness]\nenabled=false\n"
                                            "[recording]\nsegment_seconds=2\n"
                                            "[notary]\ntsa_url=%slate\ntsa_timeout_ms=10000\n",
                                            wt_it_tsa_server_url(tsa));
  g_autoptr(WtItDaemon) d = wt_it_daemon_start(config);
  g_autofree char *token = rr_record_token(d, "witness-1");
  g_autoptr(WtItWs) staff = wt_it_ws_hello(d, token, NULL);
  g_autofree char *id = rr_join_recorded(staff);
  g_autofree char *data_dir = g_strdup(wt_it_daemon_data_dir(d));
  g_autofree char *dir = g_build_filename(data_dir, "archive", id, NULL);

  /* Record until the publisher's first segment is in the chain. */
  g_autoptr(GSubprocess) load = rr_start_load(d, witness_load, clip_dir, "30");
  gint64 until = g_get_monotonic_time() + 40 * G_USEC_PER_SEC;
  gboolean media = FALSE;
  while (g_get_monotonic_time() < until && !media) {
    wt_it_pump(200);
    g_autoptr(GPtrArray) chain = rr_chain(dir);
    for (guint i = 0; i < chain->len; i++)
      media |= g_strcmp0(json_object_get_string_member(chain->pdata[i], "type"), "segment") == 0;
  }
  g_assert_true(media);

  /* Stop it while the room still records: the seal waits TSA_DELAY_S for its timestamp. */
  double elapsed = 0;
  int status = wt_it_daemon_stop(d, &elapsed);
  g_test_message("witnessd exited with %d, %.1f s after SIGTERM", status, elapsed);
  wt_it_daemon_stop_clean(d); /* already stopped: asserts exit 0, no sanitizer report */
  g_assert_cmpfloat(elapsed, <, TSA_DELAY_S + 5);
  g_clear_pointer(&staff, wt_it_ws_free);
  g_subprocess_force_exit(load); /* it would go on trying to reach witnessd until --duration */
  g_subprocess_wait(load, NULL, NULL);

  /* The test covered what it is for: the room took more than the old 1 s to close. */
  g_autofree char *log = wt_it_daemon_log(d);
  g_assert_nonnull(strstr(log, "shutdown: waiting for 1 rooms to finish closing"));

  g_autofree char *reason = rr_verify(d, data_dir, dir);
  g_assert_cmpstr(reason, ==, "shutdown");
  g_autofree char *seal_path = g_build_filename(dir, "seal.json", NULL);
  g_autofree char *seal_text = NULL;
  g_assert_true(g_file_get_contents(seal_path, &seal_text, NULL, NULL));
  g_autoptr(JsonNode) seal = json_from_string(seal_text, NULL);
  g_assert_nonnull(seal);
  g_assert_true(json_object_has_member(json_node_get_object(seal), "timestamp"));
  const char *verify[] = {wt_it_witnessctl(), "verify", "--data", data_dir,
                          "--tsa-ca",         tsa_ca,   dir,      NULL};
  g_autofree char *verdict = NULL;
  g_assert_cmpint(wt_it_run(verify, NULL, 30000, &verdict, NULL), ==, 0);
  g_test_message("witnessctl verify --tsa-ca: %s", verdict);
  g_assert_nonnull(strstr(verdict, "(TSA certificate chain verified)"));
  wt_it_tsa_server_stop(tsa);
  wt_it_rm_rf(tsa_root);
}

int
main(int argc, char **argv)
{
  wt_it_init(&argc, &argv);
  if (argc < 3)
    g_error("usage: test_shutdown_seal --tap WITNESS_LOAD CLIP_DIR");
  witness_load = argv[1];
  clip_dir = argv[2];
  g_test_add_func("/record/shutdown/sigterm-while-sealing-slowly",
                  test_sigterm_while_sealing_slowly);
  return wt_it_run_tests();
}
