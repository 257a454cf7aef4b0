/* witness_store.c — cases in SQLite (see witness_store.h). Main thread. */
#include <gio/gio.h>

#include "witness_document.h"
#include "witness_store.h"

static const char *const steps[] = {
    "CREATE TABLE witness_cases ("
    " number TEXT PRIMARY KEY, state TEXT NOT NULL,"
    " filed_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,"
    " principal_sub TEXT NOT NULL, principal_name TEXT NOT NULL,"
    " principal_id_hash TEXT NOT NULL, principal_id_masked TEXT NOT NULL,"
    " principal_liveness TEXT NOT NULL, principal_consent TEXT NOT NULL,"
    " principal_signed TEXT,"
    " agent_sub TEXT, agent_name TEXT NOT NULL,"
    " agent_id_hash TEXT NOT NULL, agent_id_masked TEXT NOT NULL,"
    " agent_liveness TEXT NOT NULL, agent_consent TEXT NOT NULL, agent_signed TEXT,"
    " business TEXT NOT NULL, certificate TEXT NOT NULL, address TEXT NOT NULL, matters TEXT NOT "
    "NULL,"
    " term TEXT NOT NULL, room TEXT, staff TEXT, recording TEXT, case_record TEXT,"
    " reason TEXT, wrong_guesses INTEGER NOT NULL DEFAULT 0,"
    " locked_until_ms INTEGER NOT NULL DEFAULT 0)",
    "CREATE INDEX witness_cases_room ON witness_cases (room)",
    "CREATE INDEX witness_cases_principal ON witness_cases (principal_sub)",
    "CREATE INDEX witness_cases_agent ON witness_cases (agent_sub)",
    "CREATE TABLE witness_days (day TEXT PRIMARY KEY, serial INTEGER NOT NULL)",
};

/* The columns every SELECT reads, in the order row_to_case() expects. */
#define COLUMNS                                                                                    \
  "number, state, filed_ms, updated_ms,"                                                           \
  " principal_sub, principal_name, principal_id_hash, principal_id_masked,"                        \
  " principal_liveness, principal_consent, principal_signed,"                                      \
  " agent_sub, agent_name, agent_id_hash, agent_id_masked,"                                        \
  " agent_liveness, agent_consent, agent_signed,"                                                  \
  " business, certificate, address, matters, term, room, staff, recording, case_record, reason,"   \
  " wrong_guesses, locked_until_ms"
#define PARTY_COLUMNS 7 /* sub, name, id_hash, id_masked, liveness, consent, signed */
#define FINAL_STATES "('approved','rejected','cancelled')"

static gboolean
sql_failed(sqlite3 *sql, GError **error)
{
  g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "witness store: %s", sqlite3_errmsg(sql));
  return FALSE;
}

gboolean
wt_witness_store_migrate(WtModuleHost *host, const WtModuleServices *s, GError **error)
{
  return s->db_migrate(host, steps, G_N_ELEMENTS(steps), error);
}

static char *
column_text(sqlite3_stmt *st, int i)
{
  const unsigned char *t = sqlite3_column_text(st, i);
  return t ? g_strdup((const char *)t) : NULL;
}

static WtWitnessCase *
row_to_case(sqlite3_stmt *st)
{
  WtWitnessCase *c = wt_witness_case_new();
  int i = 0;
  c->number = column_text(st, i++);
  g_autofree char *state = column_text(st, i++);
  if (!wt_witness_state_parse(state, &c->state))
    c->state = WT_WITNESS_CANCELLED;
  c->filed_ms = sqlite3_column_int64(st, i++);
  c->updated_ms = sqlite3_column_int64(st, i++);
  for (int p = 0; p < WT_WITNESS_N_PARTIES; p++) {
    WtWitnessPartyInfo *q = &c->party[p];
    q->sub = column_text(st, i++);
    q->name = column_text(st, i++);
    q->id_hash = column_text(st, i++);
    q->id_masked = column_text(st, i++);
    g_free(q->liveness);
    q->liveness = column_text(st, i++);
    g_autofree char *consent = column_text(st, i++);
    if (!wt_witness_consent_parse(consent, &q->consent))
      q->consent = WT_WITNESS_CONSENT_NONE;
    q->signed_sha256 = column_text(st, i++);
  }
  c->business = column_text(st, i++);
  c->certificate = column_text(st, i++);
  c->address = column_text(st, i++);
  c->matters = column_text(st, i++);
  c->term = column_text(st, i++);
  c->room = column_text(st, i++);
  c->staff = column_text(st, i++);
  c->recording = column_text(st, i++);
  c->case_record = column_text(st, i++);
  c->reason = column_text(st, i++);
  c->wrong_guesses = (guint)sqlite3_column_int64(st, i++);
  c->locked_until_ms = sqlite3_column_int64(st, i++);
  return c;
}

/* Binds every column of @c in COLUMNS order, from parameter 1. */
static void
bind_case(sqlite3_stmt *st, const WtWitnessCase *c)
{
  int i = 1;
  sqlite3_bind_text(st, i++, c->number, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, i++, wt_witness_state_name(c->state), -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, i++, c->filed_ms);
  sqlite3_bind_int64(st, i++, c->updated_ms);
  for (int p = 0; p < WT_WITNESS_N_PARTIES; p++) {
    const WtWitnessPartyInfo *q = &c->party[p];
    sqlite3_bind_text(st, i++, q->sub, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, i++, q->name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, i++, q->id_hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, i++, q->id_masked, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, i++, q->liveness ? q->liveness : "none", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, i++, wt_witness_consent_name(q->consent), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, i++, q->signed_sha256, -1, SQLITE_TRANSIENT);
  }
  sqlite3_bind_text(st, i++, c->business, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, i++, c->certificate, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, i++, c->address, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, i++, c->matters, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, i++, c->term, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, i++, c->room, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, i++, c->staff, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, i++, c->recording, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, i++, c->case_record, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, i++, c->reason, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, i++, c->wrong_guesses);
  sqlite3_bind_int64(st, i++, c->locked_until_ms);
  g_assert(i == 4 + 2 * PARTY_COLUMNS + 12 + 1);
}

/* @verb (INSERT or REPLACE) every column of @c. */
static gboolean
write_case(sqlite3 *sql, const char *verb, const WtWitnessCase *c, GError **error)
{
  g_autofree char *text =
      g_strdup_printf("%s INTO witness_cases (" COLUMNS ") VALUES"
                      " (?,?,?,?, ?,?,?,?,?,?,?, ?,?,?,?,?,?,?, ?,?,?,?,?,?,?,?,?,?, ?,?)",
                      verb);
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(sql, text, -1, &st, NULL) != SQLITE_OK)
    return sql_failed(sql, error);
  bind_case(st, c);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE || sql_failed(sql, error);
}

typedef struct {
  WtWitnessCase *c;
  int utc_offset_minutes;
} Insert;

static gboolean
insert_tx(sqlite3 *sql, gpointer user_data, GError **error)
{
  Insert *in = user_data;
  WtWitnessCase *c = in->c;
  g_autofree char *day = wt_witness_case_day(c->filed_ms, in->utc_offset_minutes);
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(sql,
                         "INSERT INTO witness_days (day, serial) VALUES (?, 1)"
                         " ON CONFLICT (day) DO UPDATE SET serial = serial + 1"
                         " RETURNING serial",
                         -1, &st, NULL) != SQLITE_OK)
    return sql_failed(sql, error);
  sqlite3_bind_text(st, 1, day, -1, SQLITE_TRANSIENT);
  gint64 serial = 0;
  if (sqlite3_step(st) == SQLITE_ROW)
    serial = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  if (serial <= 0)
    return sql_failed(sql, error);
  g_free(c->number);
  c->number = wt_witness_case_number(day, (guint)serial);
  return write_case(sql, "INSERT", c, error);
}

gboolean
wt_witness_store_insert(WtModuleHost *host, const WtModuleServices *s, WtWitnessCase *c,
                        int utc_offset_minutes, GError **error)
{
  Insert in = {c, utc_offset_minutes};
  return s->db_transaction(host, insert_tx, &in, error);
}

static gboolean
save_tx(sqlite3 *sql, gpointer user_data, GError **error)
{
  return write_case(sql, "REPLACE", user_data, error);
}

gboolean
wt_witness_store_save(WtModuleHost *host, const WtModuleServices *s, const WtWitnessCase *c,
                      GError **error)
{
  return s->db_transaction(host, save_tx, (gpointer)c, error);
}

typedef struct {
  const char *sql;
  const char *arg;  /* bound to every ?; may be NULL for none */
  gint64 limit;     /* bound after @arg when > 0 */
  GPtrArray *found; /* of WtWitnessCase */
} Query;

static gboolean
query_tx(sqlite3 *sql, gpointer user_data, GError **error)
{
  Query *q = user_data;
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(sql, q->sql, -1, &st, NULL) != SQLITE_OK)
    return sql_failed(sql, error);
  int n = sqlite3_bind_parameter_count(st);
  for (int i = 1; i <= n; i++) {
    if (i == n && q->limit > 0)
      sqlite3_bind_int64(st, i, q->limit);
    else
      sqlite3_bind_text(st, i, q->arg, -1, SQLITE_TRANSIENT);
  }
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    g_ptr_array_add(q->found, row_to_case(st));
  sqlite3_finalize(st);
  return rc == SQLITE_DONE || sql_failed(sql, error);
}

static GPtrArray *
query(WtModuleHost *host, const WtModuleServices *s, const char *sql, const char *arg, gint64 limit,
      GError **error)
{
  Query q = {sql, arg, limit, g_ptr_array_new_with_free_func((GDestroyNotify)wt_witness_case_free)};
  if (!s->db_transaction(host, query_tx, &q, error)) {
    g_ptr_array_unref(q.found);
    return NULL;
  }
  return q.found;
}

static WtWitnessCase *
query_one(WtModuleHost *host, const WtModuleServices *s, const char *sql, const char *arg,
          GError **error)
{
  g_autoptr(GPtrArray) found = query(host, s, sql, arg, 0, error);
  if (!found || found->len == 0)
    return NULL;
  return g_ptr_array_steal_index(found, 0);
}

WtWitnessCase *
wt_witness_store_get(WtModuleHost *host, const WtModuleServices *s, const char *number,
                     GError **error)
{
  return query_one(host, s, "SELECT " COLUMNS " FROM witness_cases WHERE number = ?", number,
                   error);
}

WtWitnessCase *
wt_witness_store_by_room(WtModuleHost *host, const WtModuleServices *s, const char *room,
                         GError **error)
{
  return query_one(host, s,
                   "SELECT " COLUMNS " FROM witness_cases WHERE room = ?"
                   " AND state NOT IN " FINAL_STATES " ORDER BY filed_ms DESC LIMIT 1",
                   room, error);
}

GPtrArray *
wt_witness_store_list(WtModuleHost *host, const WtModuleServices *s, const char *sub,
                      gboolean active_only, guint limit, GError **error)
{
  const char *active = active_only ? " AND state NOT IN " FINAL_STATES : "";
  g_autofree char *sql = sub ? g_strdup_printf("SELECT " COLUMNS " FROM witness_cases"
                                               " WHERE (principal_sub = ?1 OR agent_sub = ?1)%s"
                                               " ORDER BY filed_ms DESC, number DESC LIMIT ?2",
                                               active)
                             : g_strdup_printf("SELECT " COLUMNS " FROM witness_cases WHERE 1%s"
                                               " ORDER BY filed_ms DESC, number DESC LIMIT ?",
                                               active);
  return query(host, s, sql, sub, limit, error);
}

typedef struct {
  const char *sub;
  gint64 count;
} Count;

static gboolean
count_tx(sqlite3 *sql, gpointer user_data, GError **error)
{
  Count *c = user_data;
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(sql,
                         "SELECT count(*) FROM witness_cases WHERE principal_sub = ?"
                         " AND state NOT IN " FINAL_STATES,
                         -1, &st, NULL) != SQLITE_OK)
    return sql_failed(sql, error);
  sqlite3_bind_text(st, 1, c->sub, -1, SQLITE_TRANSIENT);
  if (sqlite3_step(st) == SQLITE_ROW)
    c->count = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return TRUE;
}

gint64
wt_witness_store_count_open(WtModuleHost *host, const WtModuleServices *s, const char *sub)
{
  Count c = {sub, -1};
  if (!s->db_transaction(host, count_tx, &c, NULL))
    return -1;
  return c.count;
}
