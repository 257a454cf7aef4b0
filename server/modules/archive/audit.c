/* audit.c — the archive's audit log: one row per search, view, play, export,
 * hold, release and deletion, in a table that SQLite itself keeps
 * append-only (triggers refuse UPDATE and DELETE), each row carrying the
 * hash of the row before it, so that a row changed or removed behind
 * SQLite's back (another tool, the file edited) breaks the chain where it
 * happened. Main thread, inside transaction bodies.
 *
 * A row's hash is SHA-256 over the previous row's hash and the row's members,
 * each written as "<length>:<bytes>" (NULL as "-"), so that no text can move
 * from one member to the next without changing the hash. The first row's
 * previous hash is 64 zeros. The table and its triggers are made by the
 * module's migrations (store.c). */
#include <gio/gio.h>
#include <string.h>

#include "archive.h"

#define GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

static void
put(GChecksum *sum, const char *text)
{
  if (!text) {
    g_checksum_update(sum, (const guchar *)"-", 1);
    return;
  }
  g_autofree char *len = g_strdup_printf("%zu:", strlen(text));
  g_checksum_update(sum, (const guchar *)len, -1);
  g_checksum_update(sum, (const guchar *)text, -1);
}

char *
wt_archive_audit_hash(const WtArchiveAuditRow *row, const char *prev_hex)
{
  g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
  char seq[32], at[32];
  g_snprintf(seq, sizeof seq, "%" G_GINT64_FORMAT, row->seq);
  g_snprintf(at, sizeof at, "%" G_GINT64_FORMAT, row->at_ms);
  put(sum, prev_hex);
  put(sum, seq);
  put(sum, at);
  put(sum, row->actor);
  put(sum, row->role);
  put(sum, row->action);
  put(sum, row->recording);
  put(sum, row->detail);
  return g_strdup(g_checksum_get_string(sum));
}

static gboolean
sql_error(GError **error, sqlite3 *sql, const char *what)
{
  g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", what, sqlite3_errmsg(sql));
  return FALSE;
}

/* The last row's seq and hash (0 and the genesis when empty). */
static gboolean
last_row(sqlite3 *sql, gint64 *seq, char **hash, GError **error)
{
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(sql, "SELECT seq, hash FROM archive_audit ORDER BY seq DESC LIMIT 1", -1,
                         &st, NULL) != SQLITE_OK)
    return sql_error(error, sql, "reading the audit log");
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    *seq = sqlite3_column_int64(st, 0);
    *hash = g_strdup((const char *)sqlite3_column_text(st, 1));
  } else {
    *seq = 0;
    *hash = g_strdup(GENESIS);
  }
  sqlite3_finalize(st);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? TRUE : sql_error(error, sql, "audit log");
}

gboolean
wt_archive_audit_append(sqlite3 *sql, const WtArchiveAuditRow *in, GError **error)
{
  gint64 last = 0;
  g_autofree char *prev = NULL;
  if (!last_row(sql, &last, &prev, error))
    return FALSE;
  WtArchiveAuditRow row = *in;
  row.seq = last + 1;
  if (!row.detail)
    row.detail = "{}";
  g_autofree char *hash = wt_archive_audit_hash(&row, prev);
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(sql,
                         "INSERT INTO archive_audit (seq, at_ms, actor, role, action, recording,"
                         " detail, prev, hash) VALUES (?,?,?,?,?,?,?,?,?)",
                         -1, &st, NULL) != SQLITE_OK)
    return sql_error(error, sql, "appending to the audit log");
  sqlite3_bind_int64(st, 1, row.seq);
  sqlite3_bind_int64(st, 2, row.at_ms);
  sqlite3_bind_text(st, 3, row.actor, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 4, row.role, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 5, row.action, -1, SQLITE_TRANSIENT);
  if (row.recording)
    sqlite3_bind_text(st, 6, row.recording, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 7, row.detail, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 8, prev, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 9, hash, -1, SQLITE_TRANSIENT);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? TRUE : sql_error(error, sql, "appending to the audit log");
}

static const char *
col(sqlite3_stmt *st, int i)
{
  return (const char *)sqlite3_column_text(st, i);
}

static void
read_row(sqlite3_stmt *st, WtArchiveAuditRow *row)
{
  row->seq = sqlite3_column_int64(st, 0);
  row->at_ms = sqlite3_column_int64(st, 1);
  row->actor = col(st, 2);
  row->role = col(st, 3);
  row->action = col(st, 4);
  row->recording = col(st, 5);
  row->detail = col(st, 6);
}

JsonArray *
wt_archive_audit_list(sqlite3 *sql, const char *recording, guint limit, GError **error)
{
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(sql,
                         "SELECT seq, at_ms, actor, role, action, recording, detail, hash"
                         " FROM archive_audit WHERE (?1 IS NULL OR recording = ?1)"
                         " ORDER BY seq DESC LIMIT ?2",
                         -1, &st, NULL) != SQLITE_OK) {
    sql_error(error, sql, "reading the audit log");
    return NULL;
  }
  if (recording)
    sqlite3_bind_text(st, 1, recording, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 2, limit);
  JsonArray *out = json_array_new();
  while (sqlite3_step(st) == SQLITE_ROW) {
    WtArchiveAuditRow row;
    read_row(st, &row);
    JsonObject *o = json_object_new();
    json_object_set_int_member(o, "seq", row.seq);
    json_object_set_int_member(o, "at_ms", row.at_ms);
    json_object_set_string_member(o, "actor", row.actor);
    json_object_set_string_member(o, "role", row.role);
    json_object_set_string_member(o, "action", row.action);
    if (row.recording)
      json_object_set_string_member(o, "recording", row.recording);
    g_autoptr(JsonNode) detail = json_from_string(row.detail, NULL);
    if (detail)
      json_object_set_member(o, "detail", g_steal_pointer(&detail));
    json_object_set_string_member(o, "hash", col(st, 7));
    json_array_add_object_element(out, o);
  }
  sqlite3_finalize(st);
  return out;
}

gboolean
wt_archive_audit_check(sqlite3 *sql, gint64 *bad_seq, GError **error)
{
  *bad_seq = 0;
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(sql,
                         "SELECT seq, at_ms, actor, role, action, recording, detail, prev, hash"
                         " FROM archive_audit ORDER BY seq",
                         -1, &st, NULL) != SQLITE_OK)
    return sql_error(error, sql, "reading the audit log");
  g_autofree char *prev = g_strdup(GENESIS);
  gint64 expect = 1;
  while (sqlite3_step(st) == SQLITE_ROW) {
    WtArchiveAuditRow row;
    read_row(st, &row);
    g_autofree char *hash = wt_archive_audit_hash(&row, prev);
    if (row.seq != expect || g_strcmp0(col(st, 7), prev) != 0 || g_strcmp0(col(st, 8), hash) != 0) {
      *bad_seq = row.seq;
      break;
    }
    g_free(prev);
    prev = g_strdup(col(st, 8));
    expect++;
  }
  sqlite3_finalize(st);
  return *bad_seq == 0;
}
