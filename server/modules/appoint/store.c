/* store.c — appointments in SQLite (see store.h). Main thread. */
#include <gio/gio.h>

#include "store.h"

static const char *const steps[] = {
    "CREATE TABLE appoint_appointments ("
    " appointment INTEGER PRIMARY KEY AUTOINCREMENT,"
    " sub TEXT NOT NULL, type TEXT NOT NULL, start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL,"
    " state TEXT NOT NULL, booked_ms INTEGER NOT NULL, checked_in_ms INTEGER NOT NULL DEFAULT 0,"
    " room TEXT, staff TEXT)",
    "CREATE INDEX appoint_slot ON appoint_appointments (type, start_ms, state)",
    "CREATE INDEX appoint_sub ON appoint_appointments (sub)",
};

#define COLUMNS "appointment, sub, type, start_ms, end_ms, state, checked_in_ms, room, staff"

void
wt_appointment_free(WtAppointment *a)
{
  if (!a)
    return;
  g_free(a->sub);
  g_free(a->room);
  g_free(a->staff);
  g_free(a);
}

static gboolean
sql_failed(sqlite3 *sql, GError **error)
{
  g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "appoint store: %s", sqlite3_errmsg(sql));
  return FALSE;
}

static WtAppointment *
row(sqlite3_stmt *st)
{
  WtAppointment *a = g_new0(WtAppointment, 1);
  a->appointment = sqlite3_column_int64(st, 0);
  a->sub = g_strdup((const char *)sqlite3_column_text(st, 1));
  if (!wt_appoint_type_from_name((const char *)sqlite3_column_text(st, 2), &a->type))
    a->type = WT_APPOINT_TRANSFER;
  a->start_ms = sqlite3_column_int64(st, 3);
  a->end_ms = sqlite3_column_int64(st, 4);
  if (!wt_appoint_state_from_name((const char *)sqlite3_column_text(st, 5), &a->state))
    a->state = WT_APPOINT_CANCELLED;
  a->checked_in_ms = sqlite3_column_int64(st, 6);
  a->room = g_strdup((const char *)sqlite3_column_text(st, 7));
  a->staff = g_strdup((const char *)sqlite3_column_text(st, 8));
  return a;
}

gboolean
wt_appoint_store_migrate(WtModuleHost *host, const WtModuleServices *s, GError **error)
{
  return s->db_migrate(host, steps, G_N_ELEMENTS(steps), error);
}

/* ---- Booking ------------------------------------------------------------------------- */

typedef struct {
  WtAppointment *a;
  gint capacity;
  gint64 now_ms;
} Book;

static gint64
count(sqlite3 *sql, const char *query, const WtAppointment *a, gboolean *ok)
{
  sqlite3_stmt *st = NULL;
  *ok = sqlite3_prepare_v2(sql, query, -1, &st, NULL) == SQLITE_OK;
  if (!*ok)
    return 0;
  sqlite3_bind_text(st, 1, wt_appoint_type_name(a->type), -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, a->start_ms);
  if (sqlite3_bind_parameter_count(st) >= 3)
    sqlite3_bind_text(st, 3, a->sub, -1, SQLITE_TRANSIENT);
  gint64 n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
  sqlite3_finalize(st);
  *ok = n >= 0;
  return n;
}

static gboolean
book_tx(sqlite3 *sql, gpointer user_data, GError **error)
{
  Book *b = user_data;
  WtAppointment *a = b->a;
  gboolean ok;
  gint64 mine = count(sql,
                      "SELECT count(*) FROM appoint_appointments WHERE type = ?1 AND start_ms = ?2"
                      " AND sub = ?3 AND state IN ('booked', 'checked-in', 'in-progress')",
                      a, &ok);
  if (!ok)
    return sql_failed(sql, error);
  if (mine > 0) {
    g_set_error_literal(error, G_IO_ERROR, WT_APPOINT_ERROR_TWICE,
                        "you have already booked this slot");
    return FALSE;
  }
  gint64 taken = count(sql,
                       "SELECT count(*) FROM appoint_appointments WHERE type = ?1 AND start_ms = ?2"
                       " AND state IN ('booked', 'checked-in', 'in-progress', 'done')",
                       a, &ok);
  if (!ok)
    return sql_failed(sql, error);
  if (taken >= b->capacity) {
    g_set_error(error, G_IO_ERROR, WT_APPOINT_ERROR_FULL, "this slot is full (%d booked of %d)",
                (int)taken, b->capacity);
    return FALSE;
  }
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(sql,
                         "INSERT INTO appoint_appointments (sub, type, start_ms, end_ms, state,"
                         " booked_ms) VALUES (?, ?, ?, ?, 'booked', ?)",
                         -1, &st, NULL) != SQLITE_OK)
    return sql_failed(sql, error);
  sqlite3_bind_text(st, 1, a->sub, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 2, wt_appoint_type_name(a->type), -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, a->start_ms);
  sqlite3_bind_int64(st, 4, a->end_ms);
  sqlite3_bind_int64(st, 5, b->now_ms);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE)
    return sql_failed(sql, error);
  a->appointment = sqlite3_last_insert_rowid(sql);
  a->state = WT_APPOINT_BOOKED;
  return TRUE;
}

gboolean
wt_appoint_store_book(WtModuleHost *host, const WtModuleServices *s, WtAppointment *a,
                      gint capacity, gint64 now_ms, GError **error)
{
  Book b = {a, capacity, now_ms};
  return s->db_transaction(host, book_tx, &b, error);
}

/* ---- Reading and writing ------------------------------------------------------------- */

typedef struct {
  const char *query;
  const char *text; /* bound to ?1 when set */
  gint64 number;    /* bound to ?2 (or ?1 when there is no text) */
  GPtrArray *out;
} Select;

static gboolean
select_tx(sqlite3 *sql, gpointer user_data, GError **error)
{
  Select *q = user_data;
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(sql, q->query, -1, &st, NULL) != SQLITE_OK)
    return sql_failed(sql, error);
  int n = 1;
  if (q->text)
    sqlite3_bind_text(st, n++, q->text, -1, SQLITE_TRANSIENT);
  if (sqlite3_bind_parameter_count(st) >= n)
    sqlite3_bind_int64(st, n, q->number);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    g_ptr_array_add(q->out, row(st));
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? TRUE : sql_failed(sql, error);
}

static GPtrArray *
select_rows(WtModuleHost *host, const WtModuleServices *s, const char *query, const char *text,
            gint64 number, GError **error)
{
  Select q = {query, text, number,
              g_ptr_array_new_with_free_func((GDestroyNotify)wt_appointment_free)};
  if (!s->db_transaction(host, select_tx, &q, error)) {
    g_ptr_array_unref(q.out);
    return NULL;
  }
  return q.out;
}

WtAppointment *
wt_appoint_store_get(WtModuleHost *host, const WtModuleServices *s, gint64 n, GError **error)
{
  g_autoptr(GPtrArray) rows =
      select_rows(host, s, "SELECT " COLUMNS " FROM appoint_appointments WHERE appointment = ?",
                  NULL, n, error);
  if (!rows || rows->len == 0)
    return NULL;
  return g_ptr_array_steal_index(rows, 0);
}

GPtrArray *
wt_appoint_store_list(WtModuleHost *host, const WtModuleServices *s, const char *sub,
                      GError **error)
{
  if (sub)
    return select_rows(host, s,
                       "SELECT " COLUMNS " FROM appoint_appointments WHERE sub = ?"
                       " ORDER BY start_ms, appointment LIMIT 200",
                       sub, 0, error);
  return select_rows(host, s,
                     "SELECT " COLUMNS " FROM appoint_appointments"
                     " WHERE state IN ('booked', 'checked-in', 'in-progress')"
                     " ORDER BY start_ms, appointment LIMIT 500",
                     NULL, 0, error);
}

GPtrArray *
wt_appoint_store_overdue(WtModuleHost *host, const WtModuleServices *s, gint64 started_before_ms,
                         GError **error)
{
  return select_rows(host, s,
                     "SELECT " COLUMNS " FROM appoint_appointments"
                     " WHERE state = 'booked' AND start_ms < ? ORDER BY start_ms",
                     NULL, started_before_ms, error);
}

static gboolean
update_tx(sqlite3 *sql, gpointer user_data, GError **error)
{
  const WtAppointment *a = user_data;
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(sql,
                         "UPDATE appoint_appointments SET state = ?, checked_in_ms = ?, room = ?,"
                         " staff = ? WHERE appointment = ?",
                         -1, &st, NULL) != SQLITE_OK)
    return sql_failed(sql, error);
  sqlite3_bind_text(st, 1, wt_appoint_state_name(a->state), -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, a->checked_in_ms);
  sqlite3_bind_text(st, 3, a->room, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 4, a->staff, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 5, a->appointment);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? TRUE : sql_failed(sql, error);
}

gboolean
wt_appoint_store_update(WtModuleHost *host, const WtModuleServices *s, const WtAppointment *a,
                        GError **error)
{
  return s->db_transaction(host, update_tx, (gpointer)a, error);
}

typedef struct {
  WtAppointType type;
  gint64 from_ms;
  GHashTable *out;
} Counts;

static gboolean
counts_tx(sqlite3 *sql, gpointer user_data, GError **error)
{
  Counts *c = user_data;
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(sql,
                         "SELECT start_ms, count(*) FROM appoint_appointments WHERE type = ?"
                         " AND start_ms >= ? AND state IN ('booked', 'checked-in', 'in-progress',"
                         " 'done') GROUP BY start_ms",
                         -1, &st, NULL) != SQLITE_OK)
    return sql_failed(sql, error);
  sqlite3_bind_text(st, 1, wt_appoint_type_name(c->type), -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, c->from_ms);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    gint64 *k = g_new(gint64, 1), *v = g_new(gint64, 1);
    *k = sqlite3_column_int64(st, 0);
    *v = sqlite3_column_int64(st, 1);
    g_hash_table_replace(c->out, k, v);
  }
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? TRUE : sql_failed(sql, error);
}

GHashTable *
wt_appoint_store_counts(WtModuleHost *host, const WtModuleServices *s, WtAppointType type,
                        gint64 from_ms, GError **error)
{
  Counts c = {type, from_ms, g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free)};
  if (!s->db_transaction(host, counts_tx, &c, error)) {
    g_hash_table_unref(c.out);
    return NULL;
  }
  return c.out;
}
