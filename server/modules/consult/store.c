/* store.c — the consultation queue in SQLite (see store.h). Main thread. */
#include <gio/gio.h>

#include "store.h"

static const char *const steps[] = {
    "CREATE TABLE consult_tickets ("
    " ticket INTEGER PRIMARY KEY AUTOINCREMENT,"
    " sub TEXT NOT NULL, topic TEXT NOT NULL, state TEXT NOT NULL,"
    " joined_ms INTEGER NOT NULL, taken_ms INTEGER NOT NULL DEFAULT 0,"
    " started_ms INTEGER NOT NULL DEFAULT 0, ended_ms INTEGER NOT NULL DEFAULT 0,"
    " room TEXT, staff TEXT, reason TEXT)",
    "CREATE INDEX consult_tickets_state ON consult_tickets (state)",
};

static gboolean
sql_failed(sqlite3 *sql, GError **error)
{
  g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "consult store: %s", sqlite3_errmsg(sql));
  return FALSE;
}

gboolean
wt_consult_store_migrate(WtModuleHost *host, const WtModuleServices *s, GError **error)
{
  return s->db_migrate(host, steps, G_N_ELEMENTS(steps), error);
}

static gboolean
insert_tx(sqlite3 *sql, gpointer user_data, GError **error)
{
  WtConsultTicket *t = user_data;
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(sql,
                         "INSERT INTO consult_tickets (sub, topic, state, joined_ms) "
                         "VALUES (?, ?, ?, ?)",
                         -1, &st, NULL) != SQLITE_OK)
    return sql_failed(sql, error);
  sqlite3_bind_text(st, 1, t->sub, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 2, t->topic, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 3, wt_consult_state_name(t->state), -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 4, t->joined_ms);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE)
    return sql_failed(sql, error);
  t->ticket = sqlite3_last_insert_rowid(sql);
  return TRUE;
}

gboolean
wt_consult_store_insert(WtModuleHost *host, const WtModuleServices *s, WtConsultTicket *t,
                        GError **error)
{
  return s->db_transaction(host, insert_tx, t, error);
}

typedef struct {
  const WtConsultTicket *t;
  const char *reason;
  gint64 ended_ms;
} Update;

static gboolean
update_tx(sqlite3 *sql, gpointer user_data, GError **error)
{
  const Update *u = user_data;
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(sql,
                         "UPDATE consult_tickets SET state = ?, taken_ms = ?, started_ms = ?,"
                         " ended_ms = ?, room = ?, staff = ?, reason = ? WHERE ticket = ?",
                         -1, &st, NULL) != SQLITE_OK)
    return sql_failed(sql, error);
  sqlite3_bind_text(st, 1, wt_consult_state_name(u->t->state), -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, u->t->taken_ms);
  sqlite3_bind_int64(st, 3, u->t->started_ms);
  sqlite3_bind_int64(st, 4, u->ended_ms);
  sqlite3_bind_text(st, 5, u->t->room, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 6, u->t->staff, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 7, u->reason, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 8, u->t->ticket);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? TRUE : sql_failed(sql, error);
}

gboolean
wt_consult_store_update(WtModuleHost *host, const WtModuleServices *s, const WtConsultTicket *t,
                        const char *reason, gint64 ended_ms, GError **error)
{
  Update u = {t, reason, ended_ms};
  return s->db_transaction(host, update_tx, &u, error);
}

static gboolean
load_tx(sqlite3 *sql, gpointer user_data, GError **error)
{
  WtConsultQueue *q = user_data;
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(sql,
                         "SELECT ticket, sub, topic, state, joined_ms, taken_ms, started_ms,"
                         " room, staff FROM consult_tickets"
                         " WHERE state IN ('waiting', 'called', 'in-call') ORDER BY ticket",
                         -1, &st, NULL) != SQLITE_OK)
    return sql_failed(sql, error);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    WtConsultTicket *t = wt_consult_ticket_new(
        sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
        (const char *)sqlite3_column_text(st, 2), sqlite3_column_int64(st, 4));
    if (!wt_consult_state_from_name((const char *)sqlite3_column_text(st, 3), &t->state))
      t->state = WT_CONSULT_WAITING;
    t->taken_ms = sqlite3_column_int64(st, 5);
    t->started_ms = sqlite3_column_int64(st, 6);
    wt_consult_ticket_set_call(t, (const char *)sqlite3_column_text(st, 7),
                               (const char *)sqlite3_column_text(st, 8));
    wt_consult_queue_add(q, t);
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE)
    return sql_failed(sql, error);
  /* The recent handling times, oldest first so the newest end up kept. */
  if (sqlite3_prepare_v2(sql,
                         "SELECT d FROM (SELECT ticket, ended_ms - started_ms AS d"
                         " FROM consult_tickets WHERE state = 'done' AND started_ms > 0"
                         " AND ended_ms >= started_ms ORDER BY ticket DESC LIMIT ?)"
                         " ORDER BY ticket",
                         -1, &st, NULL) != SQLITE_OK)
    return sql_failed(sql, error);
  sqlite3_bind_int(st, 1, WT_CONSULT_HISTORY);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    wt_consult_queue_record_handling(q, sqlite3_column_int64(st, 0));
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? TRUE : sql_failed(sql, error);
}

gboolean
wt_consult_store_load(WtModuleHost *host, const WtModuleServices *s, WtConsultQueue *q,
                      GError **error)
{
  return s->db_transaction(host, load_tx, q, error);
}
