/* test_tsa.c — a seal's RFC 3161 timestamp end to end: recordings sealed
 * (with storage/) against tests/integration/tsa_server.py, a TSA over HTTP
 * that answers with `openssl ts -reply` (scripts/tsa-reply).
 *
 * - A stamped seal: the openssl CLI itself says `Verification: OK` for the
 *   token over the seal's signature with the test CA, as README tells a third
 *   party to do; `witnessctl verify` shows the token's time, with --tsa-ca
 *   "chain verified"; with another CA, or a flipped byte in the token, FAIL.
 * - The TSA down, answering garbage, or too slow: the seal is made all the
 *   same, without a token, and says why (seal.json, the log, witnessctl).
 */
#include <glib/gstdio.h>
#include <string.h>

#include "harness.h"
#include "recording.h"
#include "tsa_server.h"

/* "sealed WITHOUT a timestamp" warnings are expected here: kept, not fatal. */
static GString *warnings;

static GLogWriterOutput
log_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  for (gsize i = 0; i < n_fields; i++) {
    if (g_str_equal(fields[i].key, "MESSAGE") && (level & G_LOG_LEVEL_WARNING) &&
        strstr(fields[i].value, "sealed WITHOUT a timestamp")) {
      g_string_append_printf(warnings, "%s\n", (const char *)fields[i].value);
      return G_LOG_WRITER_HANDLED;
    }
  }
  return g_log_writer_default(level, fields, n_fields, user_data);
}

/* A recording in @root/@name with two segments, sealed with the key in
 * @data/keys and a timestamp from @tsa_url (may be NULL). */
static char *
make_recording(const char *root, const char *name, const char *data, const char *tsa_url,
               guint timeout_ms)
{
  g_autofree char *keys_dir = g_build_filename(data, "keys", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(WtSigningKey) key = wt_signing_key_load_or_create(keys_dir, &error);
  g_assert_no_error(error);
  char *dir = g_build_filename(root, name, NULL);
  g_autofree char *part = g_build_filename(dir, "p-1", NULL);
  g_mkdir_with_parents(part, 0700);
  g_autofree char *chain_path = g_build_filename(dir, WT_CHAIN_FILE, NULL);
  g_autoptr(WtChain) chain = wt_chain_open(chain_path, NULL, &error);
  g_assert_no_error(error);
  for (guint i = 0; i < 2; i++) {
    g_autofree char *file = g_strdup_printf("p-1/%05u.webm", i);
    g_autofree char *path = g_build_filename(dir, file, NULL);
    g_autofree char *body = g_strdup_printf("segment %u of %s", i, name);
    g_assert_true(g_file_set_contents(path, body, -1, NULL));
    g_autofree char *sha =
        g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)body, strlen(body));
    g_autoptr(JsonObject) r = json_object_new();
    json_object_set_string_member(r, "file", file);
    json_object_set_int_member(r, "size", (gint64)strlen(body));
    json_object_set_string_member(r, "sha256", sha);
    json_object_set_int_member(r, "start_ms", 1000000 + 10000 * i);
    json_object_set_int_member(r, "end_ms", 1010000 + 10000 * i);
    g_assert_true(wt_chain_append(chain, "segment", r, 1010000 + 10000 * i, &error));
  }
  WtTsaConfig tsa = {.url = tsa_url, .timeout_ms = timeout_ms};
  g_assert_true(wt_recording_seal_full(dir, name, chain, "ended", key, &tsa, &error));
  g_assert_no_error(error);
  return dir;
}

static JsonObject *
read_seal(const char *dir)
{
  g_autofree char *path = g_build_filename(dir, WT_SEAL_FILE, NULL);
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  g_assert_true(g_str_has_suffix(text, "}\n"));
  g_autoptr(JsonNode) node = json_from_string(text, NULL);
  g_assert_nonnull(node);
  return json_object_ref(json_node_get_object(node));
}

/* Decodes the base64 member @name of @seal into @root/@file. */
static char *
write_member(JsonObject *seal, const char *name, const char *root, const char *file)
{
  gsize len = 0;
  g_autofree guint8 *bytes = g_base64_decode(json_object_get_string_member(seal, name), &len);
  char *path = g_build_filename(root, file, NULL);
  g_assert_true(g_file_set_contents(path, (const char *)bytes, (gssize)len, NULL));
  return path;
}

static int
run_verify(const char *data, const char *ca, const char *dir, char **out)
{
  const char *argv[] = {wt_it_witnessctl(), "verify", "--data", data, dir, NULL, NULL, NULL};
  if (ca) {
    argv[4] = "--tsa-ca";
    argv[5] = ca;
    argv[6] = dir;
  }
  g_autofree char *err = NULL;
  int status = wt_it_run(argv, NULL, 30000, out, &err);
  g_assert_cmpstr(err, ==, "");
  return status;
}

static void
assert_contains(const char *text, const char *part)
{
  if (!strstr(text, part))
    g_error("expected \"%s\" in: %s", part, text);
}

static void
test_stamped_seal_verifies(void)
{
  g_autofree char *root = wt_it_make_temp_dir();
  g_autofree char *data = g_build_filename(root, "data", NULL);
  g_autofree char *tsa_dir = g_build_filename(root, "tsa", NULL);
  g_autofree char *ca = g_build_filename(tsa_dir, "ca.pem", NULL);
  WtItTsaServer *tsa = wt_it_tsa_server_start(tsa_dir);
  g_autofree char *dir = make_recording(root, "r-stamped", data, wt_it_tsa_server_url(tsa), 10000);
  wt_it_tsa_server_stop(tsa);

  g_autoptr(JsonObject) seal = read_seal(dir);
  g_assert_true(json_object_has_member(seal, WT_SEAL_TIMESTAMP));
  g_assert_false(json_object_has_member(seal, WT_SEAL_TIMESTAMP_ERROR));

  /* What README tells a third party: openssl alone, over the raw signature. */
  g_autofree char *sig = write_member(seal, "signature", root, "seal.sig");
  g_autofree char *tst = write_member(seal, WT_SEAL_TIMESTAMP, root, "seal.tst");
  const char *openssl[] = {"openssl", "ts",        "-verify", "-data", sig, "-in",
                           tst,       "-token_in", "-CAfile", ca,      NULL};
  g_autofree char *out = NULL, *err = NULL;
  g_assert_cmpint(wt_it_run(openssl, NULL, 30000, &out, &err), ==, 0);
  assert_contains(out, "Verification: OK");
  /* ... and not over anything else: the seal's text is not what was stamped. */
  g_autofree char *seal_path = g_build_filename(dir, WT_SEAL_FILE, NULL);
  openssl[4] = seal_path;
  g_autofree char *out2 = NULL, *err2 = NULL;
  g_assert_cmpint(wt_it_run(openssl, NULL, 30000, &out2, &err2), !=, 0);
  assert_contains(out2, "Verification: FAILED");

  g_autofree char *v1 = NULL, *v2 = NULL;
  g_assert_cmpint(run_verify(data, ca, dir, &v1), ==, 0);
  g_assert_true(g_str_has_prefix(v1, "OK 2 segments, 00:00:20 (20.0 s), 3 records, sealed "
                                     "(ended) by ed25519-"));
  assert_contains(v1, ", timestamped 20");
  assert_contains(v1, "Z by CN=Witness test TSA (TSA certificate chain verified)\n");
  g_assert_cmpint(run_verify(data, NULL, dir, &v2), ==, 0);
  assert_contains(v2, "Z by CN=Witness test TSA (TSA not checked: no --tsa-ca)\n");

  /* Another TSA's CA does not vouch for this token. */
  g_autofree char *other_dir = g_build_filename(root, "other-tsa", NULL);
  g_autofree char *script =
      g_build_filename(g_getenv("WT_SOURCE_ROOT"), "scripts", "tsa-reply", NULL);
  const char *make_ca[] = {script, "--dir", other_dir, "--init", NULL};
  g_autofree char *ca_line = NULL;
  g_assert_cmpint(wt_it_run(make_ca, NULL, 30000, &ca_line, NULL), ==, 0);
  g_autofree char *other_ca = g_build_filename(other_dir, "ca.pem", NULL);
  g_autofree char *v3 = NULL;
  g_assert_cmpint(run_verify(data, other_ca, dir, &v3), ==, 1);
  g_assert_true(g_str_has_prefix(
      v3, "FAIL seal.json: timestamp: the TSA's certificate does not lead to a CA in"));

  /* A flipped byte in the token (its signature, at the end): FAIL. */
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(seal_path, &text, NULL, NULL));
  char *end = strstr(text, "\"}\n");
  g_assert_nonnull(end);
  end[-3] = end[-3] == 'A' ? 'B' : 'A';
  g_assert_true(g_file_set_contents(seal_path, text, -1, NULL));
  g_autofree char *v4 = NULL;
  g_assert_cmpint(run_verify(data, ca, dir, &v4), ==, 1);
  g_assert_true(g_str_has_prefix(v4, "FAIL seal.json: timestamp: "));
  wt_it_rm_rf(root);
}

/* The TSA at @url fails: the seal is made without a token and says @why. */
static void
assert_sealed_without_token(const char *root, const char *data, const char *name, const char *url,
                            guint timeout_ms, const char *why)
{
  g_string_truncate(warnings, 0);
  gint64 started = g_get_monotonic_time();
  g_autofree char *dir = make_recording(root, name, data, url, timeout_ms);
  g_assert_cmpint(g_get_monotonic_time() - started, <, (gint64)timeout_ms * 1000 + 3000000);
  g_autoptr(JsonObject) seal = read_seal(dir);
  g_assert_false(json_object_has_member(seal, WT_SEAL_TIMESTAMP));
  const char *error = json_object_get_string_member(seal, WT_SEAL_TIMESTAMP_ERROR);
  g_assert_true(g_str_has_prefix(error, url));
  assert_contains(error, why);
  g_autofree char *logged =
      g_strdup_printf("recording %s: sealed WITHOUT a timestamp: %s", name, url);
  assert_contains(warnings->str, logged);
  g_autofree char *out = NULL;
  g_assert_cmpint(run_verify(data, NULL, dir, &out), ==, 0);
  g_assert_true(g_str_has_prefix(out, "OK 2 segments"));
  g_autofree char *said = g_strdup_printf(", no timestamp: %s", error);
  assert_contains(out, said);
}

static void
test_tsa_failures_keep_the_seal(void)
{
  g_autofree char *root = wt_it_make_temp_dir();
  g_autofree char *data = g_build_filename(root, "data", NULL);
  g_autofree char *tsa_dir = g_build_filename(root, "tsa", NULL);
  WtItTsaServer *tsa = wt_it_tsa_server_start(tsa_dir);
  g_autofree char *garbage = g_strconcat(wt_it_tsa_server_url(tsa), "garbage", NULL);
  assert_sealed_without_token(root, data, "r-garbage", garbage, 10000,
                              "the reply is not one DER TimeStampResp");
  g_autofree char *missing = g_strconcat(wt_it_tsa_server_url(tsa), "nothing-here", NULL);
  assert_sealed_without_token(root, data, "r-404", missing, 10000, "HTTP status 404");
  g_autofree char *slow = g_strconcat(wt_it_tsa_server_url(tsa), "slow", NULL);
  assert_sealed_without_token(root, data, "r-slow", slow, 700, "Operation timed out after ");
  g_autofree char *down = g_strdup(wt_it_tsa_server_url(tsa));
  wt_it_tsa_server_stop(tsa);
  assert_sealed_without_token(root, data, "r-down", down, 10000, "Couldn't connect to server");
  wt_it_rm_rf(root);
}

int
main(int argc, char **argv)
{
  wt_it_init(&argc, &argv);
  warnings = g_string_new(NULL);
  g_log_set_writer_func(log_writer, NULL, NULL);
  g_test_add_func("/tsa/stamped-seal-verifies", test_stamped_seal_verifies);
  g_test_add_func("/tsa/failures-keep-the-seal", test_tsa_failures_keep_the_seal);
  int status = wt_it_run_tests();
  g_string_free(warnings, TRUE);
  return status;
}
