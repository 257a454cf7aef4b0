/* store.c — the archive index in the shared database: one row per recording
 * (its index entry as JSON text, plus the columns searches and the retention
 * sweep use), one row per party's ID hash, and the audit table (audit.c).
 * Every function runs inside a transaction body (archive.c's wt_archive_db).
 * Main thread. */
#include <gio/gio.h>

#include "archive.h"

const char *const wt_archive_steps[] = {
    /* 1: the index */
    "CREATE TABLE archive_recordings ("
    " id TEXT PRIMARY KEY,"
    " start_ms INTEGER NOT NULL,"
    " end_ms INTEGER NOT NULL,"
    " sealed_ms INTEGER,"
    " business TEXT,"
    " case_number TEXT,"
    " entry TEXT NOT NULL,"
    " indexed_ms INTEGER NOT NULL,"
    " verify TEXT,"
    " verified_ms INTEGER,"
    " hold INTEGER NOT NULL DEFAULT 0,"
    " hold_reason TEXT,"
    " hold_by TEXT,"
    " hold_ms INTEGER,"
    " deleted_ms INTEGER,"
    " deleted_reason TEXT);"
    "CREATE INDEX archive_recordings_case ON archive_recordings (case_number COLLATE NOCASE);"
    "CREATE INDEX archive_recordings_time ON archive_recordings (start_ms);"
    "CREATE TABLE archive_parties ("
    " recording TEXT NOT NULL REFERENCES archive_recordings (id) ON DELETE CASCADE,"
    " id_hash TEXT NOT NULL,"
    " role TEXT);"
    "CREATE INDEX archive_parties_hash ON archive_parties (id_hash);",
    /* 2: the audit log, append-only */
    "CREATE TABLE archive_audit ("
    " seq INTEGER PRIMARY KEY,"
    " at_ms INTEGER NOT NULL,"
    " actor TEXT NOT NULL,"
    " role TEXT NOT NULL,"
    " action TEXT NOT NULL,"
    " recording TEXT,"
    " detail TEXT NOT NULL,"
    " prev TEXT NOT NULL,"
    " hash TEXT NOT NULL);"
    "CREATE INDEX archive_audit_recording ON archive_audit (recording);"
    "CREATE TRIGGER archive_audit_no_update BEFORE UPDATE ON archive_audit"
    " BEGIN SELECT RAISE(ABORT, 'the archive audit log is append-only'); END;"
    "CREATE TRIGGER archive_audit_no_delete BEFORE DELETE ON archive_audit"
    " BEGIN SELECT RAISE(ABORT, 'the archive audit log is append-only'); END;",
};
const guint wt_archive_n_steps = G_N_ELEMENTS(wt_archive_steps);

static gboolean
sql_error(GError **error, sqlite3 *sql, const char *what)
{
  g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "archive index, %s: %s", what,
              sqlite3_errmsg(sql));
  return FALSE;
}

static sqlite3_stmt *
prepare(sqlite3 *sql, const char *text, GError **error)
{
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(sql, text, -1, &st, NULL) != SQLITE_OK) {
    sql_error(error, sql, text);
    return NULL;
  }
  return st;
}

/* Steps @st to the end and finalizes it. */
static gboolean
finish(sqlite3 *sql, sqlite3_stmt *st, const char *what, GError **error)
{
  int rc = sqlite3_step(st);
  gboolean ok = rc == SQLITE_DONE || rc == SQLITE_ROW;
  if (!ok)
    sql_error(error, sql, what);
  sqlite3_finalize(st);
  return ok;
}

static void
bind_text_or_null(sqlite3_stmt *st, int i, const char *text)
{
  if (text)
    sqlite3_bind_text(st, i, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null(st, i);
}

static char *
to_text(JsonObject *o)
{
  g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), o);
  return json_to_string(node, FALSE);
}

gboolean
wt_archive_store_has(sqlite3 *sql, const char *id)
{
  sqlite3_stmt *st = prepare(sql, "SELECT 1 FROM archive_recordings WHERE id = ?", NULL);
  if (!st)
    return FALSE;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
  gboolean has = sqlite3_step(st) == SQLITE_ROW;
  sqlite3_finalize(st);
  return has;
}

gboolean
wt_archive_store_put(sqlite3 *sql, JsonObject *entry, gint64 now_ms, GError **error)
{
  const char *id = json_object_get_string_member(entry, "recording");
  g_autofree char *text = to_text(entry);
  sqlite3_stmt *st = prepare(sql,
                             "INSERT INTO archive_recordings (id, start_ms, end_ms, sealed_ms,"
                             " business, case_number, entry, indexed_ms) VALUES (?,?,?,?,?,?,?,?)"
                             " ON CONFLICT (id) DO UPDATE SET start_ms = excluded.start_ms,"
                             " end_ms = excluded.end_ms, sealed_ms = excluded.sealed_ms,"
                             " business = excluded.business, case_number = excluded.case_number,"
                             " entry = excluded.entry, indexed_ms = excluded.indexed_ms",
                             error);
  if (!st)
    return FALSE;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 2, json_object_get_int_member_with_default(entry, "start_ms", 0));
  sqlite3_bind_int64(st, 3, json_object_get_int_member_with_default(entry, "end_ms", 0));
  sqlite3_bind_int64(st, 4, json_object_get_int_member_with_default(entry, "sealed_ms", 0));
  bind_text_or_null(st, 5, json_object_get_string_member_with_default(entry, "business", NULL));
  bind_text_or_null(st, 6, json_object_get_string_member_with_default(entry, "case_number", NULL));
  sqlite3_bind_text(st, 7, text, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 8, now_ms);
  if (!finish(sql, st, "storing an entry", error))
    return FALSE;

  st = prepare(sql, "DELETE FROM archive_parties WHERE recording = ?", error);
  if (!st)
    return FALSE;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
  if (!finish(sql, st, "storing parties", error))
    return FALSE;
  JsonArray *parties = json_object_get_array_member(entry, "parties");
  for (guint i = 0; parties && i < json_array_get_length(parties); i++) {
    JsonObject *p = json_array_get_object_element(parties, i);
    const char *hash = json_object_get_string_member_with_default(p, "id_hash", NULL);
    if (!hash)
      continue;
    st = prepare(sql, "INSERT INTO archive_parties (recording, id_hash, role) VALUES (?,?,?)",
                 error);
    if (!st)
      return FALSE;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, hash, -1, SQLITE_TRANSIENT);
    bind_text_or_null(st, 3, json_object_get_string_member_with_default(p, "role", NULL));
    if (!finish(sql, st, "storing parties", error))
      return FALSE;
  }
  return TRUE;
}

#define ROW_COLUMNS                                                                                \
  "r.entry, r.verify, r.verified_ms, r.hold, r.hold_reason, r.hold_by, r.hold_ms, r.deleted_ms,"   \
  " r.deleted_reason"

/* The entry of the current row with its state members (transfer full). */
static JsonObject *
row_entry(sqlite3_stmt *st)
{
  g_autoptr(JsonNode) node = json_from_string((const char *)sqlite3_column_text(st, 0), NULL);
  if (!node || !JSON_NODE_HOLDS_OBJECT(node))
    return NULL;
  JsonObject *o = json_node_dup_object(node);
  if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
    g_autoptr(JsonNode) v = json_from_string((const char *)sqlite3_column_text(st, 1), NULL);
    if (v)
      json_object_set_member(o, "verify", g_steal_pointer(&v));
    json_object_set_int_member(o, "verified_ms", sqlite3_column_int64(st, 2));
  }
  if (sqlite3_column_int(st, 3)) {
    JsonObject *h = json_object_new();
    json_object_set_string_member(h, "reason", (const char *)sqlite3_column_text(st, 4));
    json_object_set_string_member(h, "by", (const char *)sqlite3_column_text(st, 5));
    json_object_set_int_member(h, "at_ms", sqlite3_column_int64(st, 6));
    json_object_set_object_member(o, "hold", h);
  }
  if (sqlite3_column_type(st, 7) != SQLITE_NULL) {
    JsonObject *d = json_object_new();
    json_object_set_int_member(d, "at_ms", sqlite3_column_int64(st, 7));
    json_object_set_string_member(d, "reason", (const char *)sqlite3_column_text(st, 8));
    json_object_set_object_member(o, "deleted", d);
  }
  return o;
}

JsonArray *
wt_archive_store_search(sqlite3 *sql, const WtArchiveQuery *q, GError **error)
{
  sqlite3_stmt *st = prepare(
      sql,
      "SELECT " ROW_COLUMNS " FROM archive_recordings r"
      " WHERE (?1 IS NULL OR r.id IN (SELECT recording FROM archive_parties WHERE id_hash = ?1))"
      " AND (?2 IS NULL OR r.case_number = ?2 COLLATE NOCASE)"
      " AND (?3 = 0 OR r.end_ms >= ?3) AND (?4 = 0 OR r.start_ms < ?4)"
      " AND (?5 OR r.deleted_ms IS NULL)"
      " ORDER BY r.start_ms DESC LIMIT ?6",
      error);
  if (!st)
    return NULL;
  bind_text_or_null(st, 1, q->id_hash);
  bind_text_or_null(st, 2, q->case_number);
  sqlite3_bind_int64(st, 3, q->from_ms);
  sqlite3_bind_int64(st, 4, q->to_ms);
  sqlite3_bind_int(st, 5, q->include_deleted ? 1 : 0);
  sqlite3_bind_int64(st, 6, q->limit ? q->limit : 50);
  JsonArray *out = json_array_new();
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    JsonObject *o = row_entry(st);
    if (o)
      json_array_add_object_element(out, o);
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) {
    json_array_unref(out);
    sql_error(error, sql, "searching");
    return NULL;
  }
  return out;
}

JsonObject *
wt_archive_store_get(sqlite3 *sql, const char *id, GError **error)
{
  sqlite3_stmt *st =
      prepare(sql, "SELECT " ROW_COLUMNS " FROM archive_recordings r WHERE r.id = ?", error);
  if (!st)
    return NULL;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
  JsonObject *o = sqlite3_step(st) == SQLITE_ROW ? row_entry(st) : NULL;
  sqlite3_finalize(st);
  return o;
}

gboolean
wt_archive_store_set_verify(sqlite3 *sql, const char *id, JsonObject *verify, gint64 now_ms,
                            GError **error)
{
  g_autofree char *text = to_text(verify);
  sqlite3_stmt *st =
      prepare(sql, "UPDATE archive_recordings SET verify = ?, verified_ms = ? WHERE id = ?", error);
  if (!st)
    return FALSE;
  sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 2, now_ms);
  sqlite3_bind_text(st, 3, id, -1, SQLITE_TRANSIENT);
  return finish(sql, st, "caching a verification", error);
}

gboolean
wt_archive_store_set_hold(sqlite3 *sql, const char *id, gboolean on, const char *by,
                          const char *reason, gint64 now_ms, GError **error)
{
  sqlite3_stmt *st = prepare(sql,
                             "UPDATE archive_recordings SET hold = ?, hold_reason = ?,"
                             " hold_by = ?, hold_ms = ? WHERE id = ?",
                             error);
  if (!st)
    return FALSE;
  sqlite3_bind_int(st, 1, on ? 1 : 0);
  bind_text_or_null(st, 2, on ? reason : NULL);
  bind_text_or_null(st, 3, on ? by : NULL);
  if (on)
    sqlite3_bind_int64(st, 4, now_ms);
  sqlite3_bind_text(st, 5, id, -1, SQLITE_TRANSIENT);
  return finish(sql, st, "setting a hold", error);
}

gboolean
wt_archive_store_mark_deleted(sqlite3 *sql, const char *id, const char *reason, gint64 now_ms,
                              GError **error)
{
  sqlite3_stmt *st = prepare(
      sql, "UPDATE archive_recordings SET deleted_ms = ?, deleted_reason = ? WHERE id = ?", error);
  if (!st)
    return FALSE;
  sqlite3_bind_int64(st, 1, now_ms);
  sqlite3_bind_text(st, 2, reason, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 3, id, -1, SQLITE_TRANSIENT);
  return finish(sql, st, "marking a deletion", error);
}

JsonArray *
wt_archive_store_live(sqlite3 *sql, GError **error)
{
  sqlite3_stmt *st = prepare(sql,
                             "SELECT id, business, end_ms, hold FROM archive_recordings"
                             " WHERE deleted_ms IS NULL ORDER BY end_ms",
                             error);
  if (!st)
    return NULL;
  JsonArray *out = json_array_new();
  while (sqlite3_step(st) == SQLITE_ROW) {
    JsonObject *o = json_object_new();
    json_object_set_string_member(o, "recording", (const char *)sqlite3_column_text(st, 0));
    if (sqlite3_column_type(st, 1) != SQLITE_NULL)
      json_object_set_string_member(o, "business", (const char *)sqlite3_column_text(st, 1));
    json_object_set_int_member(o, "end_ms", sqlite3_column_int64(st, 2));
    json_object_set_boolean_member(o, "hold", sqlite3_column_int(st, 3) != 0);
    json_array_add_object_element(out, o);
  }
  sqlite3_finalize(st);
  return out;
}

gboolean
wt_archive_store_count(sqlite3 *sql, gint64 *total, gint64 *deleted, GError **error)
{
  sqlite3_stmt *st =
      prepare(sql, "SELECT count(*), count(deleted_ms) FROM archive_recordings", error);
  if (!st)
    return FALSE;
  if (sqlite3_step(st) == SQLITE_ROW) {
    *total = sqlite3_column_int64(st, 0);
    *deleted = sqlite3_column_int64(st, 1);
  }
  sqlite3_finalize(st);
  return TRUE;
}
