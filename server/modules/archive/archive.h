/* archive.h — the archive module's own functions, shared between its files
 * (not part of the module interface; see README.md beside this file).
 *
 *   index.c      a recording's chain.jsonl read into an index entry (pure)
 *   retention.c  how long a recording is kept, and whether it is due (pure)
 *   audit.c      the append-only audit log: row hashes (pure) and SQL
 *   store.c      the index tables: insert, search, hold, deletion marks (SQL)
 *   archive.c    the module table: create/destroy, events, timers
 *   actions.c    the clerk's requests; admin.c the admin's
 *
 * An index entry is a JsonObject (see wt_archive_index_parse()), kept as text
 * in the index row so that new members need no migration.
 *
 * Threads: the main thread only (as every module call); SQL functions take
 * the sqlite3 handle of a transaction body.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>

#include "module.h"

G_BEGIN_DECLS

#define WT_ARCHIVE_LOG "archive"

/* ---- index.c ------------------------------------------------------------------------- */

/* Reads the records of a chain (@text, @len bytes of chain.jsonl; transfer
 * none) of recording @id into an index entry (transfer full):
 *   {"recording", "start_ms", "end_ms", "duration_ms", "sealed_ms",
 *    "seal_reason", "case_number", "business", "property", "matters", "term",
 *    "participants": [{"participant", "role", "joined_ms", "left_ms",
 *                      "segments": [{"file", "size", "start_ms", "end_ms"}]}],
 *    "parties": [{"role", "name", "id_masked", "id_hash", "participant"}]}
 * Members without a source are left out (no case record: no case members).
 * Hashes are not checked here (recording_verify does that). NULL with @error
 * when a line is not a JSON object with a `type`. */
JsonObject *wt_archive_index_parse(const char *text, gsize len, const char *id, GError **error);

/* Reads <@archive_dir>/<@id>/chain.jsonl and parses it; also takes the seal
 * time from seal.json when the chain has none. NULL with @error. */
JsonObject *wt_archive_index_read(const char *archive_dir, const char *id, GError **error);

/* TRUE when @id can name a folder under the archive (1..128 of A-Z a-z 0-9 - _ .,
 * not starting with a dot). */
gboolean wt_archive_id_valid(const char *id);

/* ---- retention.c --------------------------------------------------------------------- */

#define WT_ARCHIVE_DEFAULT_RETENTION_DAYS 3650

/* Parses a retention value ("30", 1..36500 days). FALSE when it is not one. */
gboolean wt_archive_retention_parse(const char *text, guint *days_out);

/* Why a recording is or is not deleted now. */
typedef enum {
  WT_ARCHIVE_KEEP,    /* within its retention period */
  WT_ARCHIVE_HELD,    /* expired, but a legal hold keeps it */
  WT_ARCHIVE_DELETE,  /* expired and not held: delete it */
  WT_ARCHIVE_DELETED, /* already deleted */
} WtArchiveFate;

/* The fate of a recording that ended at @end_ms, kept @days days, at @now_ms.
 * *@expires_ms (may be NULL) gets when its period ends. */
WtArchiveFate wt_archive_retention_decide(gint64 end_ms, guint days, gboolean held,
                                          gboolean deleted, gint64 now_ms, gint64 *expires_ms);
const char *wt_archive_fate_name(WtArchiveFate fate);

/* ---- audit.c ------------------------------------------------------------------------- */

/* One audit row. Strings transfer none. */
typedef struct {
  gint64 seq;
  gint64 at_ms;
  const char *actor;     /* the token's sub */
  const char *role;      /* clerk, admin, or "system" for the timer */
  const char *action;    /* search, view, play, export, hold, release, delete, audit */
  const char *recording; /* may be NULL */
  const char *detail;    /* JSON text, never a plain ID number */
} WtArchiveAuditRow;

/* The row's hash: SHA-256 hex (transfer full) over @prev_hex and the row's
 * members, each length-prefixed so no two rows hash alike by shifting text. */
char *wt_archive_audit_hash(const WtArchiveAuditRow *row, const char *prev_hex);

/* Appends @row (seq is assigned) inside a transaction body. */
gboolean wt_archive_audit_append(sqlite3 *sql, const WtArchiveAuditRow *row, GError **error);

/* The last @limit rows (for @recording when not NULL), newest first, as
 * [{"seq","at_ms","actor","role","action","recording","detail","hash"}]
 * (transfer full). */
JsonArray *wt_archive_audit_list(sqlite3 *sql, const char *recording, guint limit, GError **error);

/* Recomputes every row's hash and link; FALSE with *@bad_seq the first row
 * that does not match (0 when all do). */
gboolean wt_archive_audit_check(sqlite3 *sql, gint64 *bad_seq, GError **error);

/* ---- store.c ------------------------------------------------------------------------- */

/* All migration steps of the module, in order. */
extern const char *const wt_archive_steps[];
extern const guint wt_archive_n_steps;

/* TRUE when @id has an index row. */
gboolean wt_archive_store_has(sqlite3 *sql, const char *id);
/* Inserts (or replaces) the index row of @entry (transfer none), and its
 * parties' ID hashes. */
gboolean wt_archive_store_put(sqlite3 *sql, JsonObject *entry, gint64 now_ms, GError **error);

/* Search criteria; unset members are NULL / 0. */
typedef struct {
  const char *id_hash;
  const char *case_number;
  gint64 from_ms, to_ms; /* recordings that overlap [from, to) */
  gboolean include_deleted;
  guint limit;
} WtArchiveQuery;

/* The rows that match (transfer full): each the entry with the row's state
 * ("verify", "verified_ms", "hold", "deleted"). */
JsonArray *wt_archive_store_search(sqlite3 *sql, const WtArchiveQuery *q, GError **error);
/* One row (transfer full) or NULL (not found, @error unset) . */
JsonObject *wt_archive_store_get(sqlite3 *sql, const char *id, GError **error);
/* Caches a verification result (transfer none). */
gboolean wt_archive_store_set_verify(sqlite3 *sql, const char *id, JsonObject *verify,
                                     gint64 now_ms, GError **error);
/* Sets (@on) or lifts a legal hold. */
gboolean wt_archive_store_set_hold(sqlite3 *sql, const char *id, gboolean on, const char *by,
                                   const char *reason, gint64 now_ms, GError **error);
/* Marks the row deleted, with when and why. */
gboolean wt_archive_store_mark_deleted(sqlite3 *sql, const char *id, const char *reason,
                                       gint64 now_ms, GError **error);
/* Ids and state of every row not deleted, for the retention sweep (transfer
 * full): [{"recording","business","end_ms","hold"}]. */
JsonArray *wt_archive_store_live(sqlite3 *sql, GError **error);
/* Number of rows, and of rows deleted. */
gboolean wt_archive_store_count(sqlite3 *sql, gint64 *total, gint64 *deleted, GError **error);

/* ---- archive.c, actions.c, admin.c ----------------------------------------------------- */

typedef struct _WtArchive WtArchive;
struct _WtArchive {
  WtModuleHost *host;
  const WtModuleServices *s;
  char *archive_dir;
  gboolean index_stale; /* a sealed recording could not be indexed from its event */
  char *export_dir;     /* where the engine writes exports (pruned by the sweep) */
  guint default_days;
  guint url_ttl_s;
  guint export_keep_s;
  guint sweep_s;
  guint sweep_source;
  guint startup_source;
  /* Recordings being verified for views (actions.c): id -> GPtrArray of the
   * WtModuleRequest* waiting for the result. */
  GHashTable *verifying;
  /* Exports being written (actions.c): the token's sub -> how many
   * (GUINT_TO_POINTER); at most exports_at_once each. */
  GHashTable *exporting;
  guint exports_at_once;
};

/* The retention of @business in days: [module.archive] retention_days_<business>,
 * else retention_days, else the built-in default. */
guint wt_archive_days_for(WtArchive *a, const char *business);

/* Indexes every sealed recording under the archive that has no row yet;
 * returns how many it added. */
guint wt_archive_index_new(WtArchive *a);
/* wt_archive_index_new() only when an event's indexing failed since the
 * last look (recordings are indexed from their `recording` off events and
 * at start-up, so a search need not list the whole archive each time). */
void wt_archive_index_catch_up(WtArchive *a);
/* Indexes recording @id now (after its seal). */
gboolean wt_archive_index_one(WtArchive *a, const char *id, GError **error);
/* Deletes what is due; returns the ids deleted (transfer full). */
GPtrArray *wt_archive_sweep(WtArchive *a);
/* Removes exports older than export_keep_s; returns how many. */
guint wt_archive_exports_prune(WtArchive *a);

/* Runs @func in a module transaction. */
gboolean wt_archive_db(WtArchive *a, WtModuleDbFunc func, gpointer data, GError **error);
/* Appends an audit row for @req's sender (transfer none; NULL for the system). */
void wt_archive_audit(WtArchive *a, WtModuleRequest *req, const char *action, const char *recording,
                      JsonObject *detail);

/* Clerk requests (actions.c); FALSE when @action is not one of them. */
gboolean wt_archive_clerk_request(WtArchive *a, WtModuleRequest *req, const char *action);
/* Admin requests (admin.c); FALSE when @action is not one of them. */
gboolean wt_archive_admin_request(WtArchive *a, WtModuleRequest *req, const char *action);

G_END_DECLS
