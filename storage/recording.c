/* recording.c — scan, seal and verify a recording folder (see recording.h).
 * Blocking file I/O on the caller's thread. */
#include "recording.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "atomic_file.h"

G_DEFINE_QUARK(wt - recording - error - quark, wt_recording_error)

static gboolean fail(GError **error, WtRecordingError code, const char *format, ...)
    G_GNUC_PRINTF(3, 4);

static gboolean
fail(GError **error, WtRecordingError code, const char *format, ...)
{
  va_list args;
  va_start(args, format);
  g_autofree char *message = g_strdup_vprintf(format, args);
  va_end(args);
  g_set_error_literal(error, WT_RECORDING_ERROR, code, message);
  return FALSE;
}

/* A path a record may name: relative, inside the folder, no odd bytes. */
static gboolean
safe_relative_path(const char *path)
{
  if (!*path || path[0] == '/' || strlen(path) > 255)
    return FALSE;
  g_auto(GStrv) parts = g_strsplit(path, "/", -1);
  for (guint i = 0; parts[i]; i++) {
    if (!*parts[i] || strcmp(parts[i], ".") == 0 || strcmp(parts[i], "..") == 0 ||
        parts[i][0] == '.')
      return FALSE;
  }
  for (const char *p = path; *p; p++) {
    if ((guchar)*p < 0x20 || *p == '\\')
      return FALSE;
  }
  return TRUE;
}

static gboolean
hex_to_digest(const char *hex, guint8 out[WT_MERKLE_HASH_LEN])
{
  if (!hex || strlen(hex) != 2 * WT_MERKLE_HASH_LEN)
    return FALSE;
  for (guint i = 0; i < WT_MERKLE_HASH_LEN; i++) {
    int hi = g_ascii_xdigit_value(hex[2 * i]), lo = g_ascii_xdigit_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0 || g_ascii_isupper(hex[2 * i]) || g_ascii_isupper(hex[2 * i + 1]))
      return FALSE;
    out[i] = (guint8)(hi << 4 | lo);
  }
  return TRUE;
}

/* Size and SHA-256 of the file at @path, read in blocks. */
static gboolean
file_digest(const char *path, goffset *size, char hex[WT_CHAIN_HASH_HEX + 1])
{
  FILE *f = fopen(path, "rb");
  if (!f)
    return FALSE;
  g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
  guint8 buf[65536];
  size_t n;
  *size = 0;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
    g_checksum_update(sum, buf, (gssize)n);
    *size += (goffset)n;
  }
  gboolean ok = !ferror(f);
  fclose(f);
  memcpy(hex, g_checksum_get_string(sum), WT_CHAIN_HASH_HEX + 1);
  return ok;
}

/* Checks the file record @r (seq @seq) names, and remembers it in @named. */
static gboolean
check_named_file(const char *dir, JsonObject *r, guint64 seq, gboolean check_files,
                 GHashTable *named, GError **error)
{
  const char *file = json_object_get_string_member_with_default(r, "file", NULL);
  const char *sha256 = json_object_get_string_member_with_default(r, "sha256", NULL);
  gint64 size = json_object_get_int_member_with_default(r, "size", -1);
  guint8 digest[WT_MERKLE_HASH_LEN];
  if (!file || !safe_relative_path(file) || size < 0 || !hex_to_digest(sha256, digest))
    return fail(error, WT_RECORDING_ERROR_RECORD,
                "record %" G_GUINT64_FORMAT ": file, size or sha256 is missing or unusable", seq);
  if (g_hash_table_contains(named, file))
    return fail(error, WT_RECORDING_ERROR_RECORD, "record %" G_GUINT64_FORMAT ": %s is named twice",
                seq, file);
  g_hash_table_add(named, g_strdup(file));
  if (!check_files)
    return TRUE;
  g_autofree char *path = g_build_filename(dir, file, NULL);
  goffset actual_size = 0;
  char actual[WT_CHAIN_HASH_HEX + 1];
  if (!file_digest(path, &actual_size, actual))
    return fail(error, WT_RECORDING_ERROR_FILE,
                "%s: missing or unreadable (record %" G_GUINT64_FORMAT ")", file, seq);
  if (actual_size != size)
    return fail(error, WT_RECORDING_ERROR_FILE,
                "%s: %" G_GOFFSET_FORMAT " bytes, but record %" G_GUINT64_FORMAT
                " says %" G_GINT64_FORMAT,
                file, actual_size, seq, size);
  if (strcmp(actual, sha256) != 0)
    return fail(error, WT_RECORDING_ERROR_FILE,
                "%s: its SHA-256 is not the one record %" G_GUINT64_FORMAT " gives", file, seq);
  return TRUE;
}

static gboolean
scan_record(const char *dir, JsonObject *r, guint64 seq, gboolean check_files, GHashTable *named,
            WtRecordingScan *out, GError **error)
{
  const char *type = json_object_get_string_member(r, "type");
  if (out->sealed_reason)
    return fail(error, WT_RECORDING_ERROR_RECORD,
                "record %" G_GUINT64_FORMAT " (%s) comes after the seal record", seq, type);
  if (json_object_has_member(r, "file") &&
      !check_named_file(dir, r, seq, check_files, named, error))
    return FALSE;
  if (strcmp(type, "segment") == 0) {
    gint64 start = json_object_get_int_member_with_default(r, "start_ms", -1);
    gint64 end = json_object_get_int_member_with_default(r, "end_ms", -1);
    guint8 digest[WT_MERKLE_HASH_LEN];
    if (!json_object_has_member(r, "file") || start < 0 || end < start ||
        !hex_to_digest(json_object_get_string_member(r, "sha256"), digest))
      return fail(error, WT_RECORDING_ERROR_RECORD,
                  "record %" G_GUINT64_FORMAT ": a segment needs file, sha256, start_ms and end_ms",
                  seq);
    g_array_append_vals(out->leaves, digest, 1);
    out->start_ms = out->segments ? MIN(out->start_ms, start) : start;
    out->end_ms = out->segments ? MAX(out->end_ms, end) : end;
    out->segments++;
  } else if (strcmp(type, "seal") == 0) {
    out->sealed_reason =
        g_strdup(json_object_get_string_member_with_default(r, "reason", "unknown"));
  }
  return TRUE;
}

/* Files under @dir (relative names) that no record names. */
static gboolean
check_no_extra_files(const char *dir, const char *relative, GHashTable *named, GError **error)
{
  g_autofree char *path = relative ? g_build_filename(dir, relative, NULL) : g_strdup(dir);
  g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name(d))) {
    if (name[0] == '.') /* temporary names of files being written */
      continue;
    g_autofree char *rel = relative ? g_build_filename(relative, name, NULL) : g_strdup(name);
    if (!relative && (strcmp(name, WT_CHAIN_FILE) == 0 || strcmp(name, WT_SEAL_FILE) == 0 ||
                      strcmp(name, "receipt.json") == 0))
      continue;
    g_autofree char *full = g_build_filename(dir, rel, NULL);
    if (g_file_test(full, G_FILE_TEST_IS_DIR)) {
      if (!check_no_extra_files(dir, rel, named, error))
        return FALSE;
    } else if (!g_hash_table_contains(named, rel)) {
      return fail(error, WT_RECORDING_ERROR_EXTRA, "%s: no record in the chain names this file",
                  rel);
    }
  }
  return TRUE;
}

gboolean
wt_recording_scan(const char *dir, gboolean check_files, WtRecordingScan *out, GError **error)
{
  memset(out, 0, sizeof *out);
  out->leaves = g_array_new(FALSE, FALSE, WT_MERKLE_HASH_LEN);
  memcpy(out->head, wt_chain_genesis, sizeof out->head);
  g_autofree char *path = g_build_filename(dir, WT_CHAIN_FILE, NULL);
  g_autofree char *text = NULL;
  gsize len = 0;
  if (!g_file_get_contents(path, &text, &len, NULL))
    return fail(error, WT_RECORDING_ERROR_FILE, "%s: missing or unreadable", WT_CHAIN_FILE);
  g_autoptr(GHashTable) named = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  const char *p = text, *end = text + len;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl)
      return fail(error, WT_RECORDING_ERROR_RECORD,
                  "%s: record %" G_GUINT64_FORMAT " is torn (no end of line)", WT_CHAIN_FILE,
                  out->records);
    char hash[WT_CHAIN_HASH_HEX + 1];
    g_autoptr(GError) line_error = NULL;
    g_autoptr(JsonObject) r =
        wt_chain_line_check(p, (gsize)(nl - p), out->records, out->head, hash, &line_error);
    if (!r) {
      g_set_error(error, WT_CHAIN_ERROR, line_error->code, "%s: %s", WT_CHAIN_FILE,
                  line_error->message);
      return FALSE;
    }
    if (!scan_record(dir, r, out->records, check_files, named, out, error))
      return FALSE;
    memcpy(out->head, hash, sizeof hash);
    out->records++;
    p = nl + 1;
  }
  return !check_files || check_no_extra_files(dir, NULL, named, error);
}

void
wt_recording_scan_clear(WtRecordingScan *scan)
{
  g_clear_pointer(&scan->leaves, g_array_unref);
  g_clear_pointer(&scan->sealed_reason, g_free);
}

/* Asks @tsa for a token over @text's signature and rewrites seal.json at
 * @path with it, or with why there is none. The seal on disk stays valid
 * whatever happens here. */
static void
timestamp_seal(const char *path, const char *id, const char *text, const WtTsaConfig *tsa)
{
  guint8 sig[WT_SEAL_SIGNATURE_LEN];
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) token = NULL;
  WtTsaTokenInfo info = {0};
  gint64 started = g_get_monotonic_time();
  if (!wt_seal_get_signature(text, sig))
    g_set_error_literal(&error, WT_TSA_ERROR, WT_TSA_ERROR_REQUEST, "the seal has no signature");
  else
    token = wt_tsa_stamp(tsa->url, tsa->timeout_ms, sig, sizeof sig, &info, &error);
  double ms = (double)(g_get_monotonic_time() - started) / 1000;
  g_autofree char *stamped = NULL;
  if (token) {
    g_autofree char *b64 = g_base64_encode(g_bytes_get_data(token, NULL), g_bytes_get_size(token));
    stamped = wt_seal_add_unsigned(text, WT_SEAL_TIMESTAMP, b64);
    g_message("recording %s: seal timestamped %s by %s (serial %s) in %.1f ms", id, info.gen_time,
              info.tsa, info.serial, ms);
  } else {
    g_autofree char *why = g_strdup_printf("%s (after %.0f ms)", error->message, ms);
    stamped = wt_seal_add_unsigned(text, WT_SEAL_TIMESTAMP_ERROR, why);
    g_warning("recording %s: sealed WITHOUT a timestamp: %s", id, why);
  }
  wt_tsa_token_info_clear(&info);
  g_autofree char *line = g_strconcat(stamped, "\n", NULL);
  g_autoptr(GError) write_error = NULL;
  if (!wt_storage_write_file_atomic(path, line, strlen(line), 0644, &write_error))
    g_warning("recording %s: the seal stays without its timestamp: %s", id, write_error->message);
}

gboolean
wt_recording_seal(const char *dir, const char *id, WtChain *chain, const char *reason,
                  const WtSigningKey *key, GError **error)
{
  return wt_recording_seal_full(dir, id, chain, reason, key, NULL, error);
}

gboolean
wt_recording_seal_full(const char *dir, const char *id, WtChain *chain, const char *reason,
                       const WtSigningKey *key, const WtTsaConfig *tsa, GError **error)
{
  gint64 now_ms = g_get_real_time() / 1000;
  g_autoptr(JsonObject) payload = json_object_new();
  json_object_set_string_member(payload, "reason", reason);
  if (!wt_chain_append(chain, "seal", payload, now_ms, error))
    return FALSE;
  return wt_recording_write_seal_full(dir, id, wt_chain_get_head(chain), key, tsa, error);
}

gboolean
wt_recording_write_seal(const char *dir, const char *id, const char *head, const WtSigningKey *key,
                        GError **error)
{
  return wt_recording_write_seal_full(dir, id, head, key, NULL, error);
}

gboolean
wt_recording_write_seal_full(const char *dir, const char *id, const char *head,
                             const WtSigningKey *key, const WtTsaConfig *tsa, GError **error)
{
  gint64 now_ms = g_get_real_time() / 1000;
  WtRecordingScan scan;
  gboolean ok = wt_recording_scan(dir, FALSE, &scan, error);
  if (ok && head && strcmp(scan.head, head) != 0)
    ok = fail(error, WT_RECORDING_ERROR_SEAL, "%s changed under the open chain", WT_CHAIN_FILE);
  if (ok && !scan.sealed_reason)
    ok = fail(error, WT_RECORDING_ERROR_UNSEALED, "%s ends in no seal record", WT_CHAIN_FILE);
  const char *reason = scan.sealed_reason;
  g_autofree char *text = NULL;
  if (ok) {
    WtSealFacts facts = {
        .recording = id,
        .reason = reason,
        .sealed_ms = now_ms,
        .chain_head = scan.head,
        .chain_records = scan.records,
        .segments = scan.segments,
        .duration_ms = scan.end_ms - scan.start_ms,
    };
    wt_merkle_root((const guint8 *)scan.leaves->data, scan.leaves->len, facts.merkle_root);
    ok = (text = wt_seal_sign(&facts, key, error)) != NULL;
  }
  wt_recording_scan_clear(&scan);
  if (!ok)
    return FALSE;
  g_autofree char *line = g_strconcat(text, "\n", NULL);
  g_autofree char *path = g_build_filename(dir, WT_SEAL_FILE, NULL);
  if (!wt_storage_write_file_atomic(path, line, strlen(line), 0644, error))
    return FALSE;
  if (tsa && tsa->url && *tsa->url)
    timestamp_seal(path, id, text, tsa);
  return TRUE;
}

void
wt_verify_report_clear(WtVerifyReport *report)
{
  g_clear_pointer(&report->reason, g_free);
  g_clear_pointer(&report->key_id, g_free);
  g_clear_pointer(&report->timestamp_time, g_free);
  g_clear_pointer(&report->timestamp_tsa, g_free);
  g_clear_pointer(&report->timestamp_error, g_free);
}

/* The seal's timestamp token, when it has one, is over its signature. */
static gboolean
check_timestamp(JsonObject *seal, const char *text, const char *tsa_ca_file, WtVerifyReport *report,
                GError **error)
{
  const char *b64 = json_object_get_string_member_with_default(seal, WT_SEAL_TIMESTAMP, NULL);
  if (!b64) {
    report->timestamp_error =
        g_strdup(json_object_get_string_member_with_default(seal, WT_SEAL_TIMESTAMP_ERROR, NULL));
    return TRUE;
  }
  guint8 sig[WT_SEAL_SIGNATURE_LEN];
  gsize token_len = 0;
  g_autofree guint8 *token = g_base64_decode(b64, &token_len);
  g_autoptr(GError) local = NULL;
  WtTsaTokenInfo info = {0};
  if (!wt_seal_get_signature(text, sig) ||
      !wt_tsa_token_verify(token, token_len, sig, sizeof sig, tsa_ca_file, &info, &local))
    return fail(error, WT_RECORDING_ERROR_SEAL, "%s: timestamp: %s", WT_SEAL_FILE,
                local ? local->message : "no signature to check it against");
  report->timestamp_time = g_steal_pointer(&info.gen_time);
  report->timestamp_tsa = g_steal_pointer(&info.tsa);
  report->timestamp_ca = tsa_ca_file != NULL;
  wt_tsa_token_info_clear(&info);
  return TRUE;
}

/* The seal must say what the chain says. */
static gboolean
seal_matches(JsonObject *seal, const WtRecordingScan *scan, GError **error)
{
  guint8 root[WT_MERKLE_HASH_LEN], sealed_root[WT_MERKLE_HASH_LEN];
  wt_merkle_root((const guint8 *)scan->leaves->data, scan->leaves->len, root);
  const char *head = json_object_get_string_member_with_default(seal, "chain_head", "");
  if (json_object_get_int_member_with_default(seal, "chain_records", -1) != (gint64)scan->records ||
      strcmp(head, scan->head) != 0)
    return fail(error, WT_RECORDING_ERROR_SEAL,
                "%s: the chain has %" G_GUINT64_FORMAT " records ending in %.16s…, the seal "
                "another chain (cut short or extended?)",
                WT_SEAL_FILE, scan->records, scan->head);
  if (!hex_to_digest(json_object_get_string_member_with_default(seal, "merkle_root", NULL),
                     sealed_root) ||
      memcmp(root, sealed_root, sizeof root) != 0 ||
      json_object_get_int_member_with_default(seal, "segments", -1) != (gint64)scan->segments)
    return fail(error, WT_RECORDING_ERROR_SEAL,
                "%s: the Merkle root over the %" G_GUINT64_FORMAT " segments is not the sealed one",
                WT_SEAL_FILE, scan->segments);
  if (g_strcmp0(json_object_get_string_member_with_default(seal, "reason", NULL),
                scan->sealed_reason) != 0)
    return fail(error, WT_RECORDING_ERROR_SEAL, "%s: its reason is not the seal record's",
                WT_SEAL_FILE);
  return TRUE;
}

gboolean
wt_recording_verify(const char *dir, GHashTable *public_keys, WtVerifyReport *report,
                    GError **error)
{
  return wt_recording_verify_full(dir, public_keys, NULL, report, error);
}

gboolean
wt_recording_verify_full(const char *dir, GHashTable *public_keys, const char *tsa_ca_file,
                         WtVerifyReport *report, GError **error)
{
  memset(report, 0, sizeof *report);
  WtRecordingScan scan;
  gboolean ok = wt_recording_scan(dir, TRUE, &scan, error);
  g_autofree char *path = g_build_filename(dir, WT_SEAL_FILE, NULL);
  g_autofree char *text = NULL;
  gsize len = 0;
  if (ok && (!scan.sealed_reason || !g_file_get_contents(path, &text, &len, NULL)))
    ok = fail(error, WT_RECORDING_ERROR_UNSEALED, "%s: the recording is not sealed",
              scan.sealed_reason ? WT_SEAL_FILE : WT_CHAIN_FILE);
  g_autoptr(JsonObject) seal = ok ? wt_seal_check(text, len, public_keys, error) : NULL;
  if (ok && (!seal || !seal_matches(seal, &scan, error) ||
             !check_timestamp(seal, text, tsa_ca_file, report, error)))
    ok = FALSE;
  if (ok) {
    report->segments = scan.segments;
    report->records = scan.records;
    report->duration_ms = scan.end_ms - scan.start_ms;
    report->reason = g_strdup(scan.sealed_reason);
    report->key_id = g_strdup(json_object_get_string_member(seal, "key_id"));
  } else {
    wt_verify_report_clear(report);
  }
  wt_recording_scan_clear(&scan);
  return ok;
}
