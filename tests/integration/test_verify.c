/* test_verify.c — `witnessctl verify` as an operator runs it: a sealed
 * recording (made here with storage/, signed with the data folder's key)
 * prints OK with its segment count and duration and exits 0; a flipped byte
 * prints FAIL naming the file and exits 1; so does a folder that is not a
 * recording, and a seal by a key the data folder does not list. */
#include <glib/gstdio.h>
#include <string.h>

#include "harness.h"
#include "recording.h"

/* A recording in @root/rec with two 10 s segments, sealed with the key in @data/keys. */
static char *
make_recording(const char *root, const char *data)
{
  g_autofree char *keys_dir = g_build_filename(data, "keys", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(WtSigningKey) key = wt_signing_key_load_or_create(keys_dir, &error);
  g_assert_no_error(error);
  char *dir = g_build_filename(root, "rec", NULL);
  g_autofree char *part = g_build_filename(dir, "p-1", NULL);
  g_mkdir_with_parents(part, 0700);
  g_autofree char *chain_path = g_build_filename(dir, WT_CHAIN_FILE, NULL);
  g_autoptr(WtChain) chain = wt_chain_open(chain_path, NULL, &error);
  g_assert_no_error(error);
  for (guint i = 0; i < 2; i++) {
    g_autofree char *name = g_strdup_printf("p-1/%05u.webm", i);
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autofree char *body = g_strdup_printf("segment %u of the recording", i);
    g_assert_true(g_file_set_contents(path, body, -1, NULL));
    g_autofree char *sha =
        g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)body, strlen(body));
    g_autoptr(JsonObject) r = json_object_new();
    json_object_set_string_member(r, "file", name);
    json_object_set_int_member(r, "size", (gint64)strlen(body));
    json_object_set_string_member(r, "sha256", sha);
    json_object_set_int_member(r, "start_ms", 1000000 + 10000 * i);
    json_object_set_int_member(r, "end_ms", 1010000 + 10000 * i);
    g_assert_true(wt_chain_append(chain, "segment", r, 1010000 + 10000 * i, &error));
  }
  g_assert_true(wt_recording_seal(dir, "r-1", chain, "ended", key, &error));
  g_assert_no_error(error);
  return dir;
}

static int
run_verify(const char *data, const char *dir, char **out)
{
  const char *argv[] = {wt_it_witnessctl(), "verify", "--data", data, dir, NULL};
  g_autofree char *err = NULL;
  int status = wt_it_run(argv, NULL, 30000, out, &err);
  g_assert_cmpstr(err, ==, "");
  return status;
}

static void
test_verify_ok_and_fail(void)
{
  g_autofree char *root = wt_it_make_temp_dir();
  g_autofree char *data = g_build_filename(root, "data", NULL);
  g_autofree char *dir = make_recording(root, data);

  g_autofree char *out = NULL;
  g_assert_cmpint(run_verify(data, dir, &out), ==, 0);
  g_assert_true(g_str_has_prefix(
      out, "OK 2 segments, 00:00:20 (20.0 s), 3 records, sealed (ended) by ed25519-"));

  g_autofree char *seg = g_build_filename(dir, "p-1", "00001.webm", NULL);
  g_assert_true(g_file_set_contents(seg, "segment 1 of the recordinG", -1, NULL));
  g_autofree char *out2 = NULL;
  g_assert_cmpint(run_verify(data, dir, &out2), ==, 1);
  g_assert_cmpstr(out2, ==, "FAIL p-1/00001.webm: its SHA-256 is not the one record 1 gives\n");
  wt_it_rm_rf(root);
}

static void
test_verify_refuses_what_is_not_evidence(void)
{
  g_autofree char *root = wt_it_make_temp_dir();
  g_autofree char *data = g_build_filename(root, "data", NULL);
  g_autofree char *dir = make_recording(root, data);
  g_autofree char *out = NULL;
  g_assert_cmpint(run_verify(data, root, &out), ==, 1);
  g_assert_cmpstr(out, ==, "FAIL chain.jsonl: missing or unreadable\n");
  /* A data folder with no keys (a wrong --data) is named as such. */
  g_autofree char *nowhere = g_build_filename(root, "nowhere", NULL);
  g_autofree char *out1 = NULL;
  g_assert_cmpint(run_verify(nowhere, dir, &out1), ==, 1);
  g_assert_true(g_str_has_prefix(out1, "FAIL no signing keys in "));
  /* Another server's data folder does not know the key. */
  g_autofree char *root2 = wt_it_make_temp_dir();
  g_autofree char *other = g_build_filename(root2, "data", NULL);
  g_free(make_recording(root2, other));
  g_autofree char *out2 = NULL;
  g_assert_cmpint(run_verify(other, dir, &out2), ==, 1);
  g_assert_true(g_str_has_prefix(out2, "FAIL seal: signed by ed25519-"));
  g_assert_nonnull(strstr(out2, "which is not one of this server's keys"));
  wt_it_rm_rf(root);
  wt_it_rm_rf(root2);
}

int
main(int argc, char **argv)
{
  wt_it_init(&argc, &argv);
  g_test_add_func("/verify/ok-and-fail", test_verify_ok_and_fail);
  g_test_add_func("/verify/refuses-what-is-not-evidence", test_verify_refuses_what_is_not_evidence);
  return wt_it_run_tests();
}
