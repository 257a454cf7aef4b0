/* test_recording.c — sealing and verifying a recording folder: a good one
 * verifies; a flipped byte, a deleted segment, two swapped, an added file, a
 * cut chain, an edited record, an edited seal and an unknown key each fail
 * and name what does not match; only a `timestamp` or `timestamp_error` may
 * follow the signature, and a TSA that is down leaves a seal that says why.
 * Signing keys: created once, reloaded, listed. */
#include <glib/gstdio.h>
#include <string.h>

#include "recording.h"

typedef struct {
  char *root; /* holds keys/ and rec/ */
  char *keys, *dir;
  WtSigningKey *key;
  GHashTable *public_keys;
} Fixture;

static void
rm_rf(const char *path)
{
  if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
    g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name(d))) {
      g_autofree char *child = g_build_filename(path, name, NULL);
      rm_rf(child);
    }
    g_rmdir(path);
  } else {
    g_unlink(path);
  }
}

static char *
hex_digest(const guint8 *data, gsize len)
{
  return g_compute_checksum_for_data(G_CHECKSUM_SHA256, data, len);
}

/* Writes @file with @len pseudo-random bytes and appends its segment record. */
static void
add_segment(Fixture *f, WtChain *chain, const char *file, gsize len, gint64 start_ms)
{
  g_autofree guint8 *data = g_malloc(len);
  for (gsize i = 0; i < len; i++)
    data[i] = (guint8)g_random_int();
  g_autofree char *path = g_build_filename(f->dir, file, NULL);
  g_autofree char *folder = g_path_get_dirname(path);
  g_mkdir_with_parents(folder, 0700);
  g_assert_true(g_file_set_contents(path, (const char *)data, (gssize)len, NULL));
  g_autofree char *sha = hex_digest(data, len);
  g_autoptr(JsonObject) r = json_object_new();
  json_object_set_string_member(r, "participant", "p-1");
  json_object_set_string_member(r, "file", file);
  json_object_set_int_member(r, "size", (gint64)len);
  json_object_set_string_member(r, "sha256", sha);
  json_object_set_int_member(r, "start_ms", start_ms);
  json_object_set_int_member(r, "end_ms", start_ms + 10000);
  g_autoptr(GError) error = NULL;
  g_assert_true(wt_chain_append(chain, "segment", r, start_ms + 10000, &error));
  g_assert_no_error(error);
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
  f->root = g_dir_make_tmp("wt-rec-XXXXXX", NULL);
  f->keys = g_build_filename(f->root, "keys", NULL);
  f->dir = g_build_filename(f->root, "rec", NULL);
  g_mkdir(f->dir, 0700);
  g_autoptr(GError) error = NULL;
  f->key = wt_signing_key_load_or_create(f->keys, &error);
  g_assert_no_error(error);
  f->public_keys = wt_signing_keys_list(f->keys, &error);
  g_assert_no_error(error);

  g_autofree char *path = g_build_filename(f->dir, WT_CHAIN_FILE, NULL);
  g_autoptr(WtChain) chain = wt_chain_open(path, NULL, &error);
  g_autoptr(JsonObject) join = json_object_new();
  json_object_set_string_member(join, "participant", "p-1");
  g_assert_true(wt_chain_append(chain, "join", join, 1000000, &error));
  add_segment(f, chain, "p-1/00000.webm", 3000, 1000000);
  add_segment(f, chain, "p-1/00001.webm", 2500, 1010000);
  add_segment(f, chain, "p-1/00002.webm", 1200, 1020000);
  g_assert_true(wt_chain_append(chain, "leave", join, 1030000, &error));
  g_assert_true(wt_recording_seal(f->dir, "r-test", chain, "ended", f->key, &error));
  g_assert_no_error(error);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
  rm_rf(f->root);
  g_free(f->root);
  g_free(f->keys);
  g_free(f->dir);
  wt_signing_key_free(f->key);
  g_hash_table_unref(f->public_keys);
}

/* Verifies and expects @code with @what in the message. */
static void
assert_verify_fails(Fixture *f, GQuark domain, gint code, const char *what)
{
  WtVerifyReport report;
  g_autoptr(GError) error = NULL;
  g_assert_false(wt_recording_verify(f->dir, f->public_keys, &report, &error));
  g_assert_error(error, domain, code);
  if (!strstr(error->message, what))
    g_error("expected \"%s\" in: %s", what, error->message);
  wt_verify_report_clear(&report);
}

static char *
path_in(Fixture *f, const char *file)
{
  return g_build_filename(f->dir, file, NULL);
}

static void
test_good_recording_verifies(Fixture *f, gconstpointer data)
{
  WtVerifyReport report;
  g_autoptr(GError) error = NULL;
  g_assert_true(wt_recording_verify(f->dir, f->public_keys, &report, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(report.segments, ==, 3);
  g_assert_cmpint(report.duration_ms, ==, 30000);
  g_assert_cmpuint(report.records, ==, 6); /* join, 3 segments, leave, seal */
  g_assert_cmpstr(report.reason, ==, "ended");
  g_assert_cmpstr(report.key_id, ==, wt_signing_key_get_id(f->key));
  wt_verify_report_clear(&report);
}

static void
test_flipped_byte(Fixture *f, gconstpointer data)
{
  g_autofree char *path = path_in(f, "p-1/00001.webm");
  g_autofree char *bytes = NULL;
  gsize len = 0;
  g_assert_true(g_file_get_contents(path, &bytes, &len, NULL));
  bytes[len / 2] ^= 0x01;
  g_assert_true(g_file_set_contents(path, bytes, (gssize)len, NULL));
  assert_verify_fails(f, WT_RECORDING_ERROR, WT_RECORDING_ERROR_FILE,
                      "p-1/00001.webm: its SHA-256");
}

static void
test_deleted_segment(Fixture *f, gconstpointer data)
{
  g_autofree char *path = path_in(f, "p-1/00002.webm");
  g_assert_cmpint(g_unlink(path), ==, 0);
  assert_verify_fails(f, WT_RECORDING_ERROR, WT_RECORDING_ERROR_FILE, "p-1/00002.webm: missing");
}

static void
test_swapped_segments(Fixture *f, gconstpointer data)
{
  g_autofree char *a = path_in(f, "p-1/00000.webm");
  g_autofree char *b = path_in(f, "p-1/00001.webm");
  g_autofree char *t = path_in(f, "p-1/swap");
  g_assert_cmpint(g_rename(a, t), ==, 0);
  g_assert_cmpint(g_rename(b, a), ==, 0);
  g_assert_cmpint(g_rename(t, b), ==, 0);
  assert_verify_fails(f, WT_RECORDING_ERROR, WT_RECORDING_ERROR_FILE, "p-1/00000.webm");
}

static void
test_added_file(Fixture *f, gconstpointer data)
{
  g_autofree char *path = path_in(f, "p-1/00003.webm");
  g_assert_true(g_file_set_contents(path, "extra", 5, NULL));
  assert_verify_fails(f, WT_RECORDING_ERROR, WT_RECORDING_ERROR_EXTRA, "p-1/00003.webm");
}

/* Keeps the first @keep lines of chain.jsonl. */
static void
cut_chain(Fixture *f, guint keep)
{
  g_autofree char *path = path_in(f, WT_CHAIN_FILE);
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  char *p = text;
  for (guint i = 0; i < keep; i++)
    p = strchr(p, '\n') + 1;
  *p = '\0';
  g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

static void
test_cut_chain(Fixture *f, gconstpointer data)
{
  /* Without the seal record: it no longer says it was sealed. */
  cut_chain(f, 5);
  assert_verify_fails(f, WT_RECORDING_ERROR, WT_RECORDING_ERROR_UNSEALED, "not sealed");
}

static void
test_cut_chain_with_segment_files_gone(Fixture *f, gconstpointer data)
{
  /* Cut to the first segment and remove the later files: the seal catches it. */
  cut_chain(f, 2);
  g_autoptr(WtChain) chain = NULL;
  g_autofree char *b = path_in(f, "p-1/00001.webm");
  g_autofree char *c = path_in(f, "p-1/00002.webm");
  g_unlink(b);
  g_unlink(c);
  g_autofree char *path = path_in(f, WT_CHAIN_FILE);
  g_autoptr(GError) error = NULL;
  chain = wt_chain_open(path, NULL, &error);
  g_autoptr(JsonObject) seal = json_object_new();
  json_object_set_string_member(seal, "reason", "ended");
  g_assert_true(wt_chain_append(chain, "seal", seal, 2000000, &error));
  assert_verify_fails(f, WT_RECORDING_ERROR, WT_RECORDING_ERROR_SEAL, "cut short");
}

static void
test_edited_record(Fixture *f, gconstpointer data)
{
  g_autofree char *path = path_in(f, WT_CHAIN_FILE);
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  char *leave = strstr(text, "\"leave\"");
  g_assert_nonnull(leave);
  memcpy(leave, "\"LEAVE\"", 7);
  g_assert_true(g_file_set_contents(path, text, -1, NULL));
  assert_verify_fails(f, WT_CHAIN_ERROR, WT_CHAIN_ERROR_HASH, "record 4");
}

static void
test_edited_seal(Fixture *f, gconstpointer data)
{
  g_autofree char *path = path_in(f, WT_SEAL_FILE);
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  char *segments = strstr(text, "\"segments\":3");
  g_assert_nonnull(segments);
  segments[11] = '4';
  g_assert_true(g_file_set_contents(path, text, -1, NULL));
  assert_verify_fails(f, WT_SEAL_ERROR, WT_SEAL_ERROR_SIGNATURE, "does not verify");
}

/* seal.json with @tail (e.g. `,"x":"y"}`) in place of its closing brace. */
static void
set_seal_tail(Fixture *f, const char *tail)
{
  g_autofree char *path = path_in(f, WT_SEAL_FILE);
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  char *end = strrchr(text, '}');
  *end = '\0';
  g_autofree char *edited = g_strconcat(text, tail, "\n", NULL);
  g_assert_true(g_file_set_contents(path, edited, -1, NULL));
}

/* One unsigned `timestamp` or `timestamp_error` string may follow the
 * signature; nothing else may, above all not a signed member again. */
static void
test_seal_unsigned_members(Fixture *f, gconstpointer data)
{
  g_autofree char *path = path_in(f, WT_SEAL_FILE);
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  g_autofree char *with_error =
      wt_seal_add_unsigned(text, WT_SEAL_TIMESTAMP_ERROR, "tsa.example: \"timed out\"");
  g_assert_true(g_str_has_suffix(with_error, ",\"timestamp_error\":\"tsa.example: "
                                             "\\\"timed out\\\"\"}"));
  g_assert_true(g_file_set_contents(path, with_error, -1, NULL));
  WtVerifyReport report;
  g_autoptr(GError) error = NULL;
  g_assert_true(wt_recording_verify(f->dir, f->public_keys, &report, &error));
  g_assert_no_error(error);
  g_assert_cmpstr(report.timestamp_error, ==, "tsa.example: \"timed out\"");
  g_assert_null(report.timestamp_time);
  wt_verify_report_clear(&report);

  g_assert_true(g_file_set_contents(path, text, -1, NULL));
  set_seal_tail(f, ",\"reason\":\"shutdown\"}");
  assert_verify_fails(f, WT_SEAL_ERROR, WT_SEAL_ERROR_MALFORMED, "not the last one");
  g_assert_true(g_file_set_contents(path, text, -1, NULL));
  set_seal_tail(f, ",\"timestamp\":\"AAAA\",\"timestamp_error\":\"x\"}");
  assert_verify_fails(f, WT_SEAL_ERROR, WT_SEAL_ERROR_MALFORMED, "not the last one");
  g_assert_true(g_file_set_contents(path, text, -1, NULL));
  set_seal_tail(f, ",\"timestamp\":42}");
  assert_verify_fails(f, WT_SEAL_ERROR, WT_SEAL_ERROR_MALFORMED, "not the last one");
  /* A timestamp that is no token fails the verification, naming it. */
  g_assert_true(g_file_set_contents(path, text, -1, NULL));
  set_seal_tail(f, ",\"timestamp\":\"AAAA\"}");
  assert_verify_fails(f, WT_RECORDING_ERROR, WT_RECORDING_ERROR_SEAL,
                      "seal.json: timestamp: the timestamp is not one DER");
}

/* The last "sealed WITHOUT a timestamp" warning (expected where a TSA is
 * down); every other message goes on to GLib's writer, fatal as usual. */
static char *no_timestamp_warning;

static GLogWriterOutput
log_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  for (gsize i = 0; i < n_fields; i++) {
    if (g_str_equal(fields[i].key, "MESSAGE") && (level & G_LOG_LEVEL_WARNING) &&
        strstr(fields[i].value, "sealed WITHOUT a timestamp")) {
      g_free(no_timestamp_warning);
      no_timestamp_warning = g_strdup(fields[i].value);
      return G_LOG_WRITER_HANDLED;
    }
  }
  return g_log_writer_default(level, fields, n_fields, user_data);
}

/* A TSA that cannot be reached costs the timestamp, never the seal. */
static void
test_seal_with_tsa_down(Fixture *f, gconstpointer data)
{
  cut_chain(f, 5);
  g_autofree char *seal_path = path_in(f, WT_SEAL_FILE);
  g_unlink(seal_path);
  g_autofree char *path = path_in(f, WT_CHAIN_FILE);
  g_autoptr(GError) error = NULL;
  g_autoptr(WtChain) chain = wt_chain_open(path, NULL, &error);
  g_assert_no_error(error);
  WtTsaConfig tsa = {.url = "http://127.0.0.1:1/", .timeout_ms = 3000};
  g_assert_true(wt_recording_seal_full(f->dir, "r-test", chain, "ended", f->key, &tsa, &error));
  g_assert_no_error(error);
  WtVerifyReport report;
  g_assert_true(wt_recording_verify(f->dir, f->public_keys, &report, &error));
  g_assert_no_error(error);
  g_assert_nonnull(report.timestamp_error);
  g_assert_true(g_str_has_prefix(report.timestamp_error, "http://127.0.0.1:1/: "));
  g_assert_null(report.timestamp_time);
  wt_verify_report_clear(&report);
  g_assert_nonnull(no_timestamp_warning);
  g_assert_nonnull(strstr(no_timestamp_warning, "recording r-test: sealed WITHOUT a timestamp: "
                                                "http://127.0.0.1:1/: "));
  g_clear_pointer(&no_timestamp_warning, g_free);
}

static void
test_unknown_key(Fixture *f, gconstpointer data)
{
  g_hash_table_remove_all(f->public_keys);
  assert_verify_fails(f, WT_SEAL_ERROR, WT_SEAL_ERROR_KEY, "not one of this server's keys");
}

static void
test_key_is_kept_and_listed(void)
{
  g_autofree char *root = g_dir_make_tmp("wt-keys-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(WtSigningKey) first = wt_signing_key_load_or_create(root, &error);
  g_assert_no_error(error);
  g_autoptr(WtSigningKey) again = wt_signing_key_load_or_create(root, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(wt_signing_key_get_id(first), ==, wt_signing_key_get_id(again));
  g_assert_true(g_str_has_prefix(wt_signing_key_get_id(first), "ed25519-"));
  g_assert_cmpuint(strlen(wt_signing_key_get_id(first)), ==, 8 + 16);
  /* Rotation: a new signing key; the old public key stays listed. */
  g_autofree char *signing = g_build_filename(root, "signing.pem", NULL);
  g_assert_cmpint(g_unlink(signing), ==, 0);
  g_autoptr(WtSigningKey) rotated = wt_signing_key_load_or_create(root, &error);
  g_assert_cmpstr(wt_signing_key_get_id(rotated), !=, wt_signing_key_get_id(first));
  g_autoptr(GHashTable) keys = wt_signing_keys_list(root, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(g_hash_table_size(keys), ==, 2);
  g_assert_true(g_hash_table_contains(keys, wt_signing_key_get_id(first)));
  g_assert_true(g_hash_table_contains(keys, wt_signing_key_get_id(rotated)));
  rm_rf(root);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_log_set_writer_func(log_writer, NULL, NULL);
#define ADD(name, fn) g_test_add(name, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD("/recording/good-recording-verifies", test_good_recording_verifies);
  ADD("/recording/flipped-byte", test_flipped_byte);
  ADD("/recording/deleted-segment", test_deleted_segment);
  ADD("/recording/swapped-segments", test_swapped_segments);
  ADD("/recording/added-file", test_added_file);
  ADD("/recording/cut-chain", test_cut_chain);
  ADD("/recording/cut-chain-resealed-without-key", test_cut_chain_with_segment_files_gone);
  ADD("/recording/edited-record", test_edited_record);
  ADD("/recording/edited-seal", test_edited_seal);
  ADD("/recording/unknown-key", test_unknown_key);
  ADD("/recording/seal-unsigned-members", test_seal_unsigned_members);
  ADD("/recording/seal-with-tsa-down", test_seal_with_tsa_down);
#undef ADD
  g_test_add_func("/keys/kept-and-listed", test_key_is_kept_and_listed);
  return g_test_run();
}
