/* db.h — the metadata database: one SQLite file (<data>/witness.db) in WAL
 * mode, reached through this small interface so that modules add their own
 * tables without knowing each other, and so the engine can change later.
 *
 * Schemas are versioned per module: wt_db_migrate() runs the steps of a
 * numbered list that the file has not seen yet, each in its own
 * transaction, and remembers how far it got in `schema_versions` (like
 * SQLite's `user_version`, but one number per module). Steps are only ever
 * appended; an applied step is never edited.
 *
 *   static const char *const steps[] = {
 *       "CREATE TABLE queue (id INTEGER PRIMARY KEY, ...)",   // version 1
 *       "ALTER TABLE queue ADD COLUMN note TEXT",             // version 2
 *   };
 *   wt_db_migrate(db, "queue", steps, G_N_ELEMENTS(steps), &error);
 *   wt_db_transaction(db, insert_row, &row, &error);
 *
 * Threads: any. One connection, serialised by a mutex: a transaction holds
 * it from BEGIN to COMMIT, so callers never see each other's half-done work.
 * Keep transactions short (no network inside them).
 */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

#define WT_DB_FILE "witness.db"

#define WT_DB_ERROR (wt_db_error_quark())
GQuark wt_db_error_quark(void);

typedef enum {
  WT_DB_ERROR_OPEN,    /* the file cannot be opened or set up */
  WT_DB_ERROR_SQL,     /* a statement failed (message says which and why) */
  WT_DB_ERROR_NEWER,   /* the file holds a newer schema than this build knows */
  WT_DB_ERROR_ABORTED, /* a transaction body returned FALSE without an error */
} WtDbError;

typedef struct _WtDb WtDb;

/* Opens (creating it when missing) the database at @path in WAL mode with
 * foreign keys on and a busy timeout, so witnessctl may read while witnessd
 * writes. Returns it (transfer full) or NULL with @error. */
WtDb *wt_db_open(const char *path, GError **error);
void wt_db_close(WtDb *db);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtDb, wt_db_close)

/* Brings @module's tables to version @n_steps by running @steps[v..n-1]
 * (SQL text, possibly several statements; transfer none), each step with
 * its version bump in one transaction. FALSE with @error (WT_DB_ERROR_NEWER
 * when the file is ahead of @n_steps). */
gboolean wt_db_migrate(WtDb *db, const char *module, const char *const *steps, guint n_steps,
                       GError **error);

/* The body of a transaction: runs with the lock held on @sql (transfer none;
 * valid only during the call). Returns FALSE with @error to roll back. */
typedef gboolean (*WtDbFunc)(sqlite3 *sql, gpointer user_data, GError **error);

/* Runs @func inside BEGIN IMMEDIATE … COMMIT; everything it did is rolled
 * back when it fails or the commit does. Not reentrant: @func must not call
 * wt_db_transaction() itself. */
gboolean wt_db_transaction(WtDb *db, WtDbFunc func, gpointer user_data, GError **error);

/* ---- Helpers for transaction bodies ---------------------------------------- */

/* Runs @text (one or more statements, no results). FALSE with @error. */
gboolean wt_db_exec(sqlite3 *sql, const char *text, GError **error);
/* Prepares @text; NULL with @error naming the statement. */
sqlite3_stmt *wt_db_prepare(sqlite3 *sql, const char *text, GError **error);
/* Steps @stmt to completion (SQLITE_DONE); FALSE with @error otherwise. */
gboolean wt_db_step_done(sqlite3 *sql, sqlite3_stmt *stmt, GError **error);
/* Sets @error from @sql's last error, prefixed with @what. Always FALSE. */
gboolean wt_db_set_error(GError **error, sqlite3 *sql, const char *what);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(sqlite3_stmt, sqlite3_finalize)

G_END_DECLS
