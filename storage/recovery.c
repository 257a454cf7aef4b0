/* recovery.c — crash recovery of unsealed recordings (see recovery.h).
 * Runs on the caller's thread (start-up: the main thread); blocking I/O. */
#include "recovery.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "chain.h"
#include "recording.h"
#include "segment_read.h"

#define TMP_SUFFIX ".tmp"
#define CRASHED_SUFFIX ".crashed"
#define LOST_SUFFIX ".lost"
#define RESERVE_FILE ".reserve" /* the recorder's room for its last records (recorder.h) */

/* What the chain says of one party. */
typedef struct {
  gboolean present;   /* joined and not left */
  gint64 last_end_ms; /* end of its last segment, or its last join; 0 when unknown */
} Party;

typedef struct {
  const char *dir;
  char *id;
  WtChain *chain;
  GHashTable *named;   /* files records name (char *) */
  GHashTable *parties; /* participant (char *) -> Party* */
  char *sealed_reason; /* of a seal record the chain ends in */
  gint64 first_time_ms, last_time_ms;
  /* Recording time zero (wall ms): segment pts are relative to it. Found
   * from a closed segment: its start_ms minus its first pts. */
  gint64 origin_ms;
  gboolean origin_known;
  char *origin_probe; /* a closed segment to probe for it (relative) */
  gint64 origin_probe_start_ms;
  const WtSigningKey *key;
  WtRecoveryReport *report;
} Recovery;

void
wt_recovery_report_clear(WtRecoveryReport *report)
{
  g_clear_pointer(&report->id, g_free);
  g_clear_pointer(&report->reason, g_free);
}

gboolean
wt_recording_needs_recovery(const char *dir)
{
  g_autofree char *chain = g_build_filename(dir, WT_CHAIN_FILE, NULL);
  g_autofree char *seal = g_build_filename(dir, WT_SEAL_FILE, NULL);
  return g_file_test(chain, G_FILE_TEST_IS_REGULAR) && !g_file_test(seal, G_FILE_TEST_EXISTS);
}

static char *
sha256_hex(const guint8 *data, gsize len)
{
  return g_compute_checksum_for_data(G_CHECKSUM_SHA256, data, len);
}

/* Size and SHA-256 of a whole file (small enough to read: a segment). */
static gboolean
file_facts(const char *path, gint64 *size, char **sha, GError **error)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  if (!g_file_get_contents(path, &data, &len, error))
    return FALSE;
  *size = (gint64)len;
  *sha = sha256_hex((const guint8 *)data, len);
  return TRUE;
}

static Party *
party(Recovery *r, const char *id)
{
  Party *p = g_hash_table_lookup(r->parties, id);
  if (!p) {
    p = g_new0(Party, 1);
    g_hash_table_insert(r->parties, g_strdup(id), p);
  }
  return p;
}

/* The torn tail of the chain file before wt_chain_open() cuts it. */
static gboolean
measure_torn_tail(Recovery *r, const char *path, char **tail_sha, GError **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  if (!g_file_get_contents(path, &text, &len, error))
    return FALSE;
  if (len == 0 || text[len - 1] == '\n')
    return TRUE;
  const char *nl = g_strrstr_len(text, (gssize)len, "\n");
  gsize start = nl ? (gsize)(nl - text) + 1 : 0;
  r->report->torn_bytes = len - start;
  *tail_sha = sha256_hex((const guint8 *)text + start, len - start);
  return TRUE;
}

/* Reads the (now whole) chain's records into @r. */
static gboolean
read_chain(Recovery *r, const char *path, GError **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  if (!g_file_get_contents(path, &text, &len, error))
    return FALSE;
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (guint i = 0; lines[i] && *lines[i]; i++) {
    g_autoptr(JsonParser) parser = json_parser_new_immutable();
    if (!json_parser_load_from_data(parser, lines[i], -1, error))
      return FALSE;
    JsonObject *o = json_node_get_object(json_parser_get_root(parser));
    const char *type = json_object_get_string_member_with_default(o, "type", "");
    const char *who = json_object_get_string_member_with_default(o, "participant", NULL);
    const char *file = json_object_get_string_member_with_default(o, "file", NULL);
    gint64 time = json_object_get_int_member_with_default(o, "time", 0);
    if (i == 0)
      r->first_time_ms = time;
    r->last_time_ms = MAX(r->last_time_ms, time);
    if (file)
      g_hash_table_add(r->named, g_strdup(file));
    g_clear_pointer(&r->sealed_reason, g_free);
    if (strcmp(type, "seal") == 0) {
      r->sealed_reason =
          g_strdup(json_object_get_string_member_with_default(o, "reason", "unknown"));
    } else if (who && strcmp(type, "join") == 0) {
      Party *p = party(r, who);
      p->present = TRUE;
      p->last_end_ms = MAX(p->last_end_ms, time);
    } else if (who && strcmp(type, "leave") == 0) {
      party(r, who)->present = FALSE;
    } else if (who && file && strcmp(type, "segment") == 0) {
      Party *p = party(r, who);
      gint64 start = json_object_get_int_member_with_default(o, "start_ms", 0);
      p->last_end_ms = MAX(p->last_end_ms, json_object_get_int_member_with_default(o, "end_ms", 0));
      r->report->segments_kept++;
      if (!json_object_get_boolean_member_with_default(o, "recovered", FALSE)) {
        g_free(r->origin_probe);
        r->origin_probe = g_strdup(file);
        r->origin_probe_start_ms = start;
      }
    }
  }
  return TRUE;
}

/* Recording time zero, from the last closed segment; else the first record's
 * time (a few ms late at most: the recorder writes it as it starts). */
static void
find_origin(Recovery *r)
{
  if (r->origin_probe) {
    g_autofree char *path = g_build_filename(r->dir, r->origin_probe, NULL);
    gint64 first = 0;
    g_autoptr(GError) error = NULL;
    if (wt_segment_probe_first_pts(path, &first, &error)) {
      r->origin_ms = r->origin_probe_start_ms - first;
      r->origin_known = TRUE;
      return;
    }
    g_message("recording %s: %s: %s", r->id, r->origin_probe, error->message);
  }
  r->origin_ms = r->first_time_ms;
}

static gboolean
append(Recovery *r, const char *type, JsonObject *payload, GError **error)
{
  return wt_chain_append(r->chain, type, payload, g_get_real_time() / 1000, error);
}

static void
add_track(JsonObject *o, const char *kind, WtCodec codec, const WtSegmentInfo *info,
          WtSegmentKind k)
{
  if (!info->frames[k])
    return;
  JsonObject *track = json_object_new();
  json_object_set_string_member(track, "codec", wt_codec_name(codec));
  json_object_set_int_member(track, "frames", (gint64)info->frames[k]);
  json_object_set_object_member(o, kind, track);
}

static gboolean
append_segment(Recovery *r, const char *participant, const char *name, const WtSegmentInfo *info,
               const WtSegmentTracks *tracks, JsonObject *from, GError **error)
{
  g_autoptr(JsonObject) o = json_object_new();
  json_object_set_string_member(o, "participant", participant);
  g_autofree char *file = g_build_filename(participant, info->file_name, NULL);
  GString *hex = g_string_sized_new(64);
  for (guint i = 0; i < WT_SEGMENT_SHA256_LEN; i++)
    g_string_append_printf(hex, "%02x", info->sha256[i]);
  json_object_set_string_member(o, "file", file);
  json_object_set_int_member(o, "size", (gint64)info->size);
  json_object_set_string_member(o, "sha256", hex->str);
  g_string_free(hex, TRUE);
  json_object_set_int_member(o, "index", (gint64)g_ascii_strtoull(name, NULL, 10));
  gint64 first = G_MAXINT64, last = 0;
  for (guint k = 0; k < WT_SEGMENT_KINDS; k++) {
    if (info->frames[k]) {
      first = MIN(first, info->first_pts_ms[k]);
      last = MAX(last, info->last_pts_ms[k]);
    }
  }
  json_object_set_int_member(o, "start_ms", r->origin_ms + first);
  json_object_set_int_member(o, "end_ms", r->origin_ms + last);
  if (!r->origin_known)
    json_object_set_boolean_member(o, "time_approximate", TRUE);
  add_track(o, "video", tracks->video, info, WT_SEGMENT_VIDEO);
  add_track(o, "audio", tracks->audio, info, WT_SEGMENT_AUDIO);
  json_object_set_boolean_member(o, "recovered", TRUE);
  if (from)
    json_object_set_object_member(o, "recovered_from", json_object_ref(from));
  if (!append(r, "segment", o, error))
    return FALSE;
  Party *p = party(r, participant);
  p->last_end_ms = MAX(p->last_end_ms, r->origin_ms + last);
  g_hash_table_add(r->named, g_steal_pointer(&file));
  r->report->segments_recovered++;
  return TRUE;
}

/* The open segment @path (".<stem>.<ext>.crashed" by now) of @participant:
 * remuxed, or quarantined and recorded as a gap. */
static gboolean
recover_open_segment(Recovery *r, const char *participant, const char *pdir, const char *path,
                     const char *final_name, GError **error)
{
  g_autofree char *stem = g_strndup(final_name, strcspn(final_name, "."));
  gint64 size = 0;
  g_autofree char *sha = NULL;
  if (!file_facts(path, &size, &sha, error))
    return FALSE;
  WtSegmentInfo info;
  WtSegmentTracks tracks;
  g_autoptr(GError) why = NULL;
  if (wt_segment_remux(path, pdir, stem, &info, &tracks, &why)) {
    g_autoptr(JsonObject) from = json_object_new();
    json_object_set_int_member(from, "size", size);
    json_object_set_string_member(from, "sha256", sha);
    if (!append_segment(r, participant, stem, &info, &tracks, from, error))
      return FALSE;
    r->report->frames_recovered += info.frames[0] + info.frames[1];
    g_message("recording %s: %s/%s: open segment recovered: %" G_GUINT64_FORMAT
              " video and %" G_GUINT64_FORMAT " audio frames",
              r->id, participant, info.file_name, info.frames[WT_SEGMENT_VIDEO],
              info.frames[WT_SEGMENT_AUDIO]);
    if (g_unlink(path) != 0)
      g_message("recording %s: cannot remove %s: %s", r->id, path, g_strerror(errno));
    return TRUE;
  }
  /* Nothing readable: keep the bytes aside for an examiner, say so in the chain. */
  g_autofree char *lost_name = g_strdup_printf(".%s" LOST_SUFFIX, final_name);
  g_autofree char *lost = g_build_filename(pdir, lost_name, NULL);
  GStatBuf st;
  gint64 to_ms = g_stat(path, &st) == 0 ? (gint64)st.st_mtime * 1000 : r->last_time_ms;
  if (g_rename(path, lost) != 0) {
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "cannot move %s aside: %s", path,
                g_strerror(errno));
    return FALSE;
  }
  Party *p = party(r, participant);
  g_autoptr(JsonObject) o = json_object_new();
  json_object_set_string_member(o, "participant", participant);
  json_object_set_string_member(o, "reason",
                                "the segment being written when the server stopped "
                                "could not be read; it is lost");
  if (p->last_end_ms)
    json_object_set_int_member(o, "from_ms", p->last_end_ms);
  json_object_set_int_member(o, "to_ms", MAX(to_ms, p->last_end_ms));
  g_autofree char *rel = g_build_filename(participant, lost_name, NULL);
  json_object_set_string_member(o, "quarantined", rel);
  json_object_set_int_member(o, "quarantined_size", size);
  json_object_set_string_member(o, "quarantined_sha256", sha);
  json_object_set_string_member(o, "detail", why->message);
  if (!append(r, "gap", o, error))
    return FALSE;
  r->report->segments_lost++;
  g_warning("recording %s: %s/%s: open segment lost (%s); kept aside as %s", r->id, participant,
            final_name, why->message, rel);
  return TRUE;
}

/* A finished file no record names: the crash came between its rename and
 * its chain record. */
static gboolean
recover_unrecorded(Recovery *r, const char *participant, const char *pdir, const char *name,
                   GError **error)
{
  g_autofree char *path = g_build_filename(pdir, name, NULL);
  g_autofree char *aside_name = g_strdup_printf(".%s" CRASHED_SUFFIX, name);
  g_autofree char *aside = g_build_filename(pdir, aside_name, NULL);
  /* Remux it like an open segment: same checks, same record, and a file
   * the writer hashed. */
  if (g_rename(path, aside) != 0) {
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "cannot move %s aside: %s", path,
                g_strerror(errno));
    return FALSE;
  }
  return recover_open_segment(r, participant, pdir, aside, name, error);
}

static gint
compare_names(gconstpointer a, gconstpointer b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Open, crashed-during-recovery and unrecorded files of one party. */
static gboolean
recover_party_folder(Recovery *r, const char *participant, GError **error)
{
  g_autofree char *pdir = g_build_filename(r->dir, participant, NULL);
  g_autoptr(GDir) d = g_dir_open(pdir, 0, error);
  if (!d)
    return FALSE;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  const char *name;
  while ((name = g_dir_read_name(d)))
    g_ptr_array_add(names, g_strdup(name));
  g_ptr_array_sort(names, compare_names);
  for (guint i = 0; i < names->len; i++) {
    name = names->pdata[i];
    g_autofree char *path = g_build_filename(pdir, name, NULL);
    if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
      continue;
    gboolean tmp = g_str_has_suffix(name, TMP_SUFFIX);
    gboolean crashed = g_str_has_suffix(name, CRASHED_SUFFIX);
    if (name[0] == '.' && (tmp || crashed)) {
      const char *suffix = tmp ? TMP_SUFFIX : CRASHED_SUFFIX;
      g_autofree char *final_name = g_strndup(name + 1, strlen(name) - 1 - strlen(suffix));
      g_autofree char *final_path = g_build_filename(pdir, final_name, NULL);
      g_autofree char *rel = g_build_filename(participant, final_name, NULL);
      if (crashed && g_hash_table_contains(r->named, rel)) {
        g_unlink(path); /* an earlier recovery got this far */
        continue;
      }
      g_autofree char *aside = g_strdup_printf("%s/.%s" CRASHED_SUFFIX, pdir, final_name);
      if (tmp && g_rename(path, aside) != 0) {
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "cannot move %s aside: %s",
                    path, g_strerror(errno));
        return FALSE;
      }
      if (g_file_test(final_path, G_FILE_TEST_EXISTS) && !g_hash_table_contains(r->named, rel)) {
        /* An earlier recovery remuxed it but died before its record. */
        g_unlink(final_path);
      }
      if (!recover_open_segment(r, participant, pdir, aside, final_name, error))
        return FALSE;
    } else if (name[0] != '.') {
      g_autofree char *rel = g_build_filename(participant, name, NULL);
      if (!g_hash_table_contains(r->named, rel) &&
          !recover_unrecorded(r, participant, pdir, name, error))
        return FALSE;
    }
  }
  return TRUE;
}

static gboolean
recover_files(Recovery *r, GError **error)
{
  g_autoptr(GDir) d = g_dir_open(r->dir, 0, error);
  if (!d)
    return FALSE;
  g_autoptr(GPtrArray) parties = g_ptr_array_new_with_free_func(g_free);
  const char *name;
  while ((name = g_dir_read_name(d))) {
    g_autofree char *path = g_build_filename(r->dir, name, NULL);
    if (name[0] != '.' && g_file_test(path, G_FILE_TEST_IS_DIR))
      g_ptr_array_add(parties, g_strdup(name));
  }
  g_ptr_array_sort(parties, compare_names);
  for (guint i = 0; i < parties->len; i++) {
    if (!recover_party_folder(r, parties->pdata[i], error))
      return FALSE;
  }
  return TRUE;
}

static gboolean
recover(Recovery *r, GError **error)
{
  g_autofree char *path = g_build_filename(r->dir, WT_CHAIN_FILE, NULL);
  g_autofree char *tail_sha = NULL;
  if (!measure_torn_tail(r, path, &tail_sha, error))
    return FALSE;
  gboolean torn = FALSE;
  r->chain = wt_chain_open(path, &torn, error);
  if (!r->chain || !read_chain(r, path, error))
    return FALSE;
  g_autofree char *reserve = g_build_filename(r->dir, RESERVE_FILE, NULL);
  g_unlink(reserve);
  if (r->sealed_reason) { /* the crash came between the seal record and seal.json */
    r->report->reason = g_strdup(r->sealed_reason);
    return wt_recording_write_seal(r->dir, r->id, wt_chain_get_head(r->chain), r->key, error);
  }
  if (torn) {
    g_autoptr(JsonObject) o = json_object_new();
    json_object_set_string_member(o, "what", WT_CHAIN_FILE);
    json_object_set_string_member(o, "reason",
                                  "its last line was cut short by the crash and is not a record; "
                                  "it was removed");
    json_object_set_int_member(o, "bytes", (gint64)r->report->torn_bytes);
    json_object_set_string_member(o, "sha256", tail_sha);
    if (!append(r, "repair", o, error))
      return FALSE;
  }
  find_origin(r);
  if (!recover_files(r, error))
    return FALSE;
  GHashTableIter iter;
  gpointer key, value;
  g_autoptr(GPtrArray) present = g_ptr_array_new();
  g_hash_table_iter_init(&iter, r->parties);
  while (g_hash_table_iter_next(&iter, &key, &value)) {
    if (((Party *)value)->present)
      g_ptr_array_add(present, key);
  }
  g_ptr_array_sort(present, compare_names);
  for (guint i = 0; i < present->len; i++) {
    g_autoptr(JsonObject) o = json_object_new();
    json_object_set_string_member(o, "participant", present->pdata[i]);
    json_object_set_string_member(o, "reason", "interrupted");
    if (!append(r, "leave", o, error))
      return FALSE;
  }
  r->report->reason = g_strdup("interrupted");
  return TRUE;
}

gboolean
wt_recording_recover(const char *dir, const WtSigningKey *key, WtRecoveryReport *report,
                     GError **error)
{
  memset(report, 0, sizeof *report);
  report->id = g_path_get_basename(dir);
  Recovery r = {
      .dir = dir,
      .id = report->id,
      .key = key,
      .report = report,
      .named = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
      .parties = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
  };
  gboolean ok = recover(&r, error);
  gboolean sealed_already = ok && r.sealed_reason;
  if (ok && !sealed_already)
    ok = wt_recording_seal(dir, r.id, r.chain, "interrupted", key, error);
  g_clear_pointer(&r.chain, wt_chain_free);
  g_hash_table_unref(r.named);
  g_hash_table_unref(r.parties);
  g_free(r.sealed_reason);
  g_free(r.origin_probe);
  return ok;
}

guint
wt_recovery_run(const char *archive_dir, const WtSigningKey *key)
{
  g_autoptr(GDir) d = g_dir_open(archive_dir, 0, NULL);
  if (!d)
    return 0;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
  const char *name;
  while ((name = g_dir_read_name(d)))
    g_ptr_array_add(ids, g_strdup(name));
  g_ptr_array_sort(ids, compare_names);
  guint recovered = 0;
  for (guint i = 0; i < ids->len; i++) {
    g_autofree char *dir = g_build_filename(archive_dir, ids->pdata[i], NULL);
    if (((char *)ids->pdata[i])[0] == '.' || !wt_recording_needs_recovery(dir))
      continue;
    gint64 t0 = g_get_monotonic_time();
    WtRecoveryReport report;
    g_autoptr(GError) error = NULL;
    if (wt_recording_recover(dir, key, &report, &error)) {
      recovered++;
      g_message("recording %s: found unsealed after a crash; recovered and sealed (%s) in %.0f ms: "
                "%u closed segments kept, %u recovered (%" G_GUINT64_FORMAT
                " frames), %u lost, %" G_GSIZE_FORMAT " torn chain bytes cut",
                report.id, report.reason, (double)(g_get_monotonic_time() - t0) / 1000,
                report.segments_kept, report.segments_recovered, report.frames_recovered,
                report.segments_lost, report.torn_bytes);
    } else {
      g_warning("recording %s: found unsealed after a crash but cannot recover it (left as it "
                "is for an examiner): %s",
                report.id, error->message);
    }
    wt_recovery_report_clear(&report);
  }
  return recovered;
}
