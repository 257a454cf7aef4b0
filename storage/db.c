/* db.c — the SQLite file behind db.h: opening it, per-module migrations and
 * the transaction helper. Any thread; one mutex around the one connection.
 */
#include "db.h"

G_DEFINE_QUARK(wt - db - error - quark, wt_db_error)

struct _WtDb {
  GMutex lock;
  sqlite3 *sql;
  char *path;
};

gboolean
wt_db_set_error(GError **error, sqlite3 *sql, const char *what)
{
  g_set_error(error, WT_DB_ERROR, WT_DB_ERROR_SQL, "%s: %s", what, sqlite3_errmsg(sql));
  return FALSE;
}

gboolean
wt_db_exec(sqlite3 *sql, const char *text, GError **error)
{
  char *message = NULL;
  if (sqlite3_exec(sql, text, NULL, NULL, &message) == SQLITE_OK)
    return TRUE;
  g_set_error(error, WT_DB_ERROR, WT_DB_ERROR_SQL, "%s", message ? message : "unknown error");
  sqlite3_free(message);
  return FALSE;
}

sqlite3_stmt *
wt_db_prepare(sqlite3 *sql, const char *text, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  if (sqlite3_prepare_v2(sql, text, -1, &stmt, NULL) != SQLITE_OK) {
    wt_db_set_error(error, sql, "preparing a statement");
    sqlite3_finalize(stmt);
    return NULL;
  }
  return stmt;
}

gboolean
wt_db_step_done(sqlite3 *sql, sqlite3_stmt *stmt, GError **error)
{
  int rc = sqlite3_step(stmt);
  if (rc == SQLITE_DONE || rc == SQLITE_ROW)
    return TRUE;
  return wt_db_set_error(error, sql, "running a statement");
}

WtDb *
wt_db_open(const char *path, GError **error)
{
  sqlite3 *sql = NULL;
  int rc = sqlite3_open_v2(path, &sql,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK) {
    g_set_error(error, WT_DB_ERROR, WT_DB_ERROR_OPEN, "cannot open database %s: %s", path,
                sql ? sqlite3_errmsg(sql) : sqlite3_errstr(rc));
    sqlite3_close(sql);
    return NULL;
  }
  sqlite3_busy_timeout(sql, 5000);
  g_autoptr(GError) local = NULL;
  /* WAL: readers (witnessctl) never block the writer; synchronous=FULL
   * because an outbox row is the promise that a seal will be handed over. */
  if (!wt_db_exec(sql,
                  "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                  "CREATE TABLE IF NOT EXISTS schema_versions ("
                  " module TEXT PRIMARY KEY, version INTEGER NOT NULL);",
                  &local)) {
    g_set_error(error, WT_DB_ERROR, WT_DB_ERROR_OPEN, "cannot set up database %s: %s", path,
                local->message);
    sqlite3_close(sql);
    return NULL;
  }
  WtDb *db = g_new0(WtDb, 1);
  g_mutex_init(&db->lock);
  db->sql = sql;
  db->path = g_strdup(path);
  return db;
}

void
wt_db_close(WtDb *db)
{
  if (!db)
    return;
  sqlite3_close(db->sql);
  g_mutex_clear(&db->lock);
  g_free(db->path);
  g_free(db);
}

gboolean
wt_db_transaction(WtDb *db, WtDbFunc func, gpointer user_data, GError **error)
{
  g_mutex_lock(&db->lock);
  GError *local = NULL;
  gboolean ok = wt_db_exec(db->sql, "BEGIN IMMEDIATE", &local);
  if (ok) {
    ok = func(db->sql, user_data, &local);
    if (ok)
      ok = wt_db_exec(db->sql, "COMMIT", &local);
    if (!ok) {
      if (!local)
        g_set_error(&local, WT_DB_ERROR, WT_DB_ERROR_ABORTED, "transaction aborted");
      if (!sqlite3_get_autocommit(db->sql))
        wt_db_exec(db->sql, "ROLLBACK", NULL);
    }
  }
  g_mutex_unlock(&db->lock);
  if (local)
    g_propagate_error(error, local);
  return ok;
}

/* ---- Migrations ----------------------------------------------------------------- */

typedef struct {
  const char *module;
  const char *step; /* NULL: only read the version */
  guint version;    /* in: the version @step brings; out: the current one */
} Migration;

static gboolean
read_version(sqlite3 *sql, const char *module, guint *out, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt =
      wt_db_prepare(sql, "SELECT version FROM schema_versions WHERE module = ?", error);
  if (!stmt)
    return FALSE;
  sqlite3_bind_text(stmt, 1, module, -1, SQLITE_STATIC);
  int rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW)
    *out = (guint)sqlite3_column_int64(stmt, 0);
  else if (rc == SQLITE_DONE)
    *out = 0;
  else
    return wt_db_set_error(error, sql, "reading the schema version");
  return TRUE;
}

static gboolean
apply_step(sqlite3 *sql, gpointer user_data, GError **error)
{
  Migration *m = user_data;
  guint current = 0;
  if (!read_version(sql, m->module, &current, error))
    return FALSE;
  if (current >= m->version) /* another process got there first */
    return TRUE;
  if (!wt_db_exec(sql, m->step, error))
    return FALSE;
  g_autoptr(sqlite3_stmt) stmt = wt_db_prepare(
      sql, "INSERT OR REPLACE INTO schema_versions (module, version) VALUES (?, ?)", error);
  if (!stmt)
    return FALSE;
  sqlite3_bind_text(stmt, 1, m->module, -1, SQLITE_STATIC);
  sqlite3_bind_int64(stmt, 2, m->version);
  return wt_db_step_done(sql, stmt, error);
}

static gboolean
get_version(sqlite3 *sql, gpointer user_data, GError **error)
{
  Migration *m = user_data;
  return read_version(sql, m->module, &m->version, error);
}

gboolean
wt_db_migrate(WtDb *db, const char *module, const char *const *steps, guint n_steps, GError **error)
{
  Migration m = {.module = module};
  if (!wt_db_transaction(db, get_version, &m, error))
    return FALSE;
  if (m.version > n_steps) {
    g_set_error(error, WT_DB_ERROR, WT_DB_ERROR_NEWER,
                "database %s holds version %u of the %s tables; this build knows up to %u",
                db->path, m.version, module, n_steps);
    return FALSE;
  }
  for (guint v = m.version; v < n_steps; v++) {
    Migration step = {.module = module, .step = steps[v], .version = v + 1};
    g_autoptr(GError) local = NULL;
    if (!wt_db_transaction(db, apply_step, &step, &local)) {
      g_set_error(error, WT_DB_ERROR, WT_DB_ERROR_SQL, "database %s: %s step %u: %s", db->path,
                  module, v + 1, local->message);
      return FALSE;
    }
    g_message("database: %s tables at version %u", module, v + 1);
  }
  return TRUE;
}
