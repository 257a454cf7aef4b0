/* notary.c — the notary's tables and the calls that fill and read them (see
 * notary.h). Any thread: every call is one short transaction (db.h). The
 * delivery thread is in notary_deliver.c.
 */
#include "notary_private.h"

#include <string.h>

#include "seal.h"

static const char *const schema[] = {
    /* 1 */
    "CREATE TABLE recordings ("
    " id TEXT PRIMARY KEY,"
    " dir TEXT NOT NULL,"
    " state TEXT NOT NULL CHECK (state IN ('running', 'sealed')),"
    " reason TEXT,"
    " seal TEXT,"
    " receipt TEXT,"
    " started_ms INTEGER NOT NULL,"
    " sealed_ms INTEGER,"
    " receipt_ms INTEGER);"
    "CREATE TABLE outbox ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " kind TEXT NOT NULL CHECK (kind IN ('seal', 'anchor')),"
    " recording TEXT NOT NULL,"
    " seq INTEGER NOT NULL,"
    " chain_head TEXT NOT NULL,"
    " idempotency_key TEXT NOT NULL UNIQUE,"
    " body TEXT NOT NULL,"
    " state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " created_ms INTEGER NOT NULL,"
    " next_attempt_ms INTEGER NOT NULL,"
    " last_error TEXT,"
    " delivered_ms INTEGER,"
    " receipt TEXT);"
    "CREATE INDEX outbox_due ON outbox (state, next_attempt_ms);",
};

static gint64
now_ms(void)
{
  return g_get_real_time() / 1000;
}

static gboolean
select_running(sqlite3 *sql, gpointer user_data, GError **error)
{
  GPtrArray *rows = user_data; /* id, dir, id, dir… */
  g_autoptr(sqlite3_stmt) stmt =
      wt_db_prepare(sql, "SELECT id, dir FROM recordings WHERE state = 'running'", error);
  if (!stmt)
    return FALSE;
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    g_ptr_array_add(rows, g_strdup((const char *)sqlite3_column_text(stmt, 0)));
    g_ptr_array_add(rows, g_strdup((const char *)sqlite3_column_text(stmt, 1)));
  }
  return rc == SQLITE_DONE || wt_db_set_error(error, sql, "reading running recordings");
}

/* Recordings a previous process left `running`: one stopped between writing
 * seal.json and the transaction that hands it over gets handed over now;
 * the others were cut short by a crash and wait for crash recovery to seal
 * them (which then hands them over as usual). */
static void
reconcile(WtNotary *notary)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GError) error = NULL;
  if (!wt_db_transaction(notary->db, select_running, rows, &error)) {
    g_warning("notary: cannot look for unfinished recordings: %s", error->message);
    return;
  }
  guint unsealed = 0;
  for (guint i = 0; i + 1 < rows->len; i += 2) {
    const char *id = rows->pdata[i], *dir = rows->pdata[i + 1];
    g_autofree char *path = g_build_filename(dir, WT_SEAL_FILE, NULL);
    g_autofree char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL)) {
      unsealed++;
      continue;
    }
    g_autoptr(JsonNode) node = json_from_string(text, NULL);
    const char *reason =
        node && JSON_NODE_HOLDS_OBJECT(node)
            ? json_object_get_string_member_with_default(json_node_get_object(node), "reason", NULL)
            : NULL;
    g_clear_error(&error);
    if (wt_notary_recording_sealed(notary, id, dir, reason, g_strchomp(text), &error))
      g_message("notary: recording %s was sealed but not handed over; it is now", id);
    else
      g_warning("notary: recording %s: %s", id, error->message);
  }
  if (unsealed)
    g_warning("notary: %u recordings were left unsealed by an earlier stop", unsealed);
}

WtNotary *
wt_notary_new(const WtNotaryConfig *config, GError **error)
{
  if (!wt_db_migrate(config->db, "notary", schema, G_N_ELEMENTS(schema), error))
    return NULL;
  WtNotary *notary = g_new0(WtNotary, 1);
  notary->db = config->db;
  notary->url = config->url && *config->url ? g_strdup(config->url) : NULL;
  notary->ledger_path = g_strdup(config->ledger_path);
  notary->retry_initial_ms = config->retry_initial_ms ? config->retry_initial_ms : 1000;
  notary->retry_max_ms =
      MAX(config->retry_max_ms ? config->retry_max_ms : 300000, notary->retry_initial_ms);
  notary->timeout_ms = config->timeout_ms ? config->timeout_ms : 30000;
  g_mutex_init(&notary->lock);
  g_cond_init(&notary->cond);
  reconcile(notary);
  /* The URL may carry credentials: never logged. */
  g_message("notary: seals go to %s", notary->url ? "the backend" : notary->ledger_path);
  notary->thread = g_thread_new("notary", wt_notary_thread_main, notary);
  return notary;
}

void
wt_notary_free(WtNotary *notary)
{
  if (!notary)
    return;
  g_mutex_lock(&notary->lock);
  notary->stopping = TRUE;
  g_atomic_int_set(&notary->stop_flag, 1);
  g_cond_signal(&notary->cond);
  g_mutex_unlock(&notary->lock);
  g_thread_join(notary->thread);
  g_mutex_clear(&notary->lock);
  g_cond_clear(&notary->cond);
  g_free(notary->url);
  g_free(notary->ledger_path);
  g_free(notary);
}

void
wt_notary_kick(WtNotary *notary)
{
  g_mutex_lock(&notary->lock);
  notary->kicked = TRUE;
  g_cond_signal(&notary->cond);
  g_mutex_unlock(&notary->lock);
}

/* ---- Writing ---------------------------------------------------------------------- */

typedef struct {
  const char *id, *dir, *reason, *seal_text;
  const char *kind, *chain_head;
  guint64 seq;
  char *body;
} Change;

static gboolean
insert_started(sqlite3 *sql, gpointer user_data, GError **error)
{
  Change *c = user_data;
  g_autoptr(sqlite3_stmt) stmt = wt_db_prepare(
      sql,
      "INSERT INTO recordings (id, dir, state, started_ms) VALUES (?, ?, 'running', ?)"
      " ON CONFLICT (id) DO NOTHING",
      error);
  if (!stmt)
    return FALSE;
  sqlite3_bind_text(stmt, 1, c->id, -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 2, c->dir, -1, SQLITE_STATIC);
  sqlite3_bind_int64(stmt, 3, now_ms());
  return wt_db_step_done(sql, stmt, error);
}

gboolean
wt_notary_recording_started(WtNotary *notary, const char *id, const char *dir, GError **error)
{
  Change c = {.id = id, .dir = dir};
  return wt_db_transaction(notary->db, insert_started, &c, error);
}

static gboolean
insert_outbox(sqlite3 *sql, Change *c, GError **error)
{
  g_autofree char *key = g_strdup_printf("%s:%s:%s", c->id, c->kind, c->chain_head);
  /* The same item twice (a retried call) is one item. */
  g_autoptr(sqlite3_stmt) stmt =
      wt_db_prepare(sql,
                    "INSERT INTO outbox (kind, recording, seq, chain_head, idempotency_key, body,"
                    " created_ms, next_attempt_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (idempotency_key) DO NOTHING",
                    error);
  if (!stmt)
    return FALSE;
  gint64 now = now_ms();
  sqlite3_bind_text(stmt, 1, c->kind, -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 2, c->id, -1, SQLITE_STATIC);
  sqlite3_bind_int64(stmt, 3, (sqlite3_int64)c->seq);
  sqlite3_bind_text(stmt, 4, c->chain_head, -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 5, key, -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 6, c->body, -1, SQLITE_STATIC);
  sqlite3_bind_int64(stmt, 7, now);
  sqlite3_bind_int64(stmt, 8, now);
  return wt_db_step_done(sql, stmt, error);
}

static gboolean
insert_anchor(sqlite3 *sql, gpointer user_data, GError **error)
{
  return insert_outbox(sql, user_data, error);
}

static char *
object_to_string(JsonObject *o)
{
  g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), o);
  return json_to_string(node, FALSE);
}

gboolean
wt_notary_add_anchor(WtNotary *notary, const char *id, guint64 seq, const char *chain_head,
                     GError **error)
{
  g_autoptr(JsonObject) o = json_object_new();
  json_object_set_string_member(o, "kind", "anchor");
  json_object_set_string_member(o, "recording", id);
  json_object_set_int_member(o, "seq", (gint64)seq);
  json_object_set_string_member(o, "chain_head", chain_head);
  g_autofree char *body = object_to_string(o);
  Change c = {.id = id, .kind = "anchor", .seq = seq, .chain_head = chain_head, .body = body};
  if (!wt_db_transaction(notary->db, insert_anchor, &c, error))
    return FALSE;
  wt_notary_kick(notary);
  return TRUE;
}

static gboolean
insert_sealed(sqlite3 *sql, gpointer user_data, GError **error)
{
  Change *c = user_data;
  g_autoptr(sqlite3_stmt) stmt = wt_db_prepare(
      sql,
      "INSERT INTO recordings (id, dir, state, reason, seal, started_ms, sealed_ms)"
      " VALUES (?1, ?2, 'sealed', ?3, ?4, ?5, ?5)"
      " ON CONFLICT (id) DO UPDATE SET state = 'sealed', reason = ?3, seal = ?4, sealed_ms = ?5",
      error);
  if (!stmt)
    return FALSE;
  sqlite3_bind_text(stmt, 1, c->id, -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 2, c->dir, -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 3, c->reason, -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 4, c->seal_text, -1, SQLITE_STATIC);
  sqlite3_bind_int64(stmt, 5, now_ms());
  return wt_db_step_done(sql, stmt, error) && insert_outbox(sql, c, error);
}

gboolean
wt_notary_recording_sealed(WtNotary *notary, const char *id, const char *dir, const char *reason,
                           const char *seal_text, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  JsonNode *root = NULL;
  if (!json_parser_load_from_data(parser, seal_text, -1, NULL) ||
      !(root = json_parser_get_root(parser)) || !JSON_NODE_HOLDS_OBJECT(root)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                "recording %s: the seal is not a JSON object", id);
    return FALSE;
  }
  JsonObject *seal = json_node_get_object(root);
  const char *head = json_object_get_string_member_with_default(seal, "chain_head", NULL);
  gint64 records = json_object_get_int_member_with_default(seal, "chain_records", 0);
  if (!head || records <= 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                "recording %s: the seal has no chain_head or chain_records", id);
    return FALSE;
  }
  g_autoptr(JsonObject) o = json_object_new();
  json_object_set_string_member(o, "kind", "seal");
  json_object_set_string_member(o, "recording", id);
  json_object_set_int_member(o, "seq", records - 1);
  json_object_set_string_member(o, "chain_head", head);
  json_object_set_object_member(o, "seal", json_object_ref(seal));
  g_autofree char *body = object_to_string(o);
  Change c = {.id = id,
              .dir = dir,
              .reason = reason,
              .seal_text = seal_text,
              .kind = "seal",
              .seq = (guint64)(records - 1),
              .chain_head = head,
              .body = body};
  if (!wt_db_transaction(notary->db, insert_sealed, &c, error))
    return FALSE;
  wt_notary_kick(notary);
  return TRUE;
}

/* ---- The delivery thread's rows ------------------------------------------------------ */

void
wt_outbox_item_free(WtOutboxItem *item)
{
  if (!item)
    return;
  g_free(item->kind);
  g_free(item->recording);
  g_free(item->chain_head);
  g_free(item->idempotency_key);
  g_free(item->body);
  g_free(item->dir);
  g_free(item);
}

static char *
column_text(sqlite3_stmt *stmt, int i)
{
  const unsigned char *text = sqlite3_column_text(stmt, i);
  return text ? g_strdup((const char *)text) : NULL;
}

static gboolean
select_next(sqlite3 *sql, gpointer user_data, GError **error)
{
  WtOutboxItem **out = user_data;
  g_autoptr(sqlite3_stmt) stmt = wt_db_prepare(
      sql,
      "SELECT o.id, o.kind, o.recording, o.seq, o.chain_head, o.idempotency_key, o.body,"
      " o.attempts, o.next_attempt_ms, r.dir FROM outbox o"
      " LEFT JOIN recordings r ON r.id = o.recording"
      " WHERE o.state = 'pending' ORDER BY o.next_attempt_ms, o.id LIMIT 1",
      error);
  if (!stmt)
    return FALSE;
  int rc = sqlite3_step(stmt);
  if (rc == SQLITE_DONE)
    return TRUE;
  if (rc != SQLITE_ROW)
    return wt_db_set_error(error, sql, "reading the outbox");
  WtOutboxItem *item = g_new0(WtOutboxItem, 1);
  item->id = sqlite3_column_int64(stmt, 0);
  item->kind = column_text(stmt, 1);
  item->recording = column_text(stmt, 2);
  item->seq = (guint64)sqlite3_column_int64(stmt, 3);
  item->chain_head = column_text(stmt, 4);
  item->idempotency_key = column_text(stmt, 5);
  item->body = column_text(stmt, 6);
  item->attempts = (guint)sqlite3_column_int64(stmt, 7);
  item->next_attempt_ms = sqlite3_column_int64(stmt, 8);
  item->dir = column_text(stmt, 9);
  *out = item;
  return TRUE;
}

WtOutboxItem *
wt_notary_next_pending(WtNotary *notary, GError **error)
{
  WtOutboxItem *item = NULL;
  wt_db_transaction(notary->db, select_next, &item, error);
  return item;
}

typedef struct {
  const WtOutboxItem *item;
  const char *text; /* receipt or error */
  gboolean permanent;
  gint64 next_ms;
} Outcome;

static gboolean
update_delivered(sqlite3 *sql, gpointer user_data, GError **error)
{
  Outcome *o = user_data;
  gint64 now = now_ms();
  g_autoptr(sqlite3_stmt) stmt = wt_db_prepare(
      sql,
      "UPDATE outbox SET state = 'delivered', attempts = attempts + 1, delivered_ms = ?,"
      " receipt = ?, last_error = NULL WHERE id = ?",
      error);
  if (!stmt)
    return FALSE;
  sqlite3_bind_int64(stmt, 1, now);
  sqlite3_bind_text(stmt, 2, o->text, -1, SQLITE_STATIC);
  sqlite3_bind_int64(stmt, 3, o->item->id);
  if (!wt_db_step_done(sql, stmt, error))
    return FALSE;
  if (!g_str_equal(o->item->kind, "seal"))
    return TRUE;
  g_autoptr(sqlite3_stmt) rec =
      wt_db_prepare(sql, "UPDATE recordings SET receipt = ?, receipt_ms = ? WHERE id = ?", error);
  if (!rec)
    return FALSE;
  sqlite3_bind_text(rec, 1, o->text, -1, SQLITE_STATIC);
  sqlite3_bind_int64(rec, 2, now);
  sqlite3_bind_text(rec, 3, o->item->recording, -1, SQLITE_STATIC);
  return wt_db_step_done(sql, rec, error);
}

gboolean
wt_notary_mark_delivered(WtNotary *notary, const WtOutboxItem *item, const char *receipt,
                         GError **error)
{
  Outcome o = {.item = item, .text = receipt};
  return wt_db_transaction(notary->db, update_delivered, &o, error);
}

static gboolean
update_failed(sqlite3 *sql, gpointer user_data, GError **error)
{
  Outcome *o = user_data;
  g_autoptr(sqlite3_stmt) stmt =
      wt_db_prepare(sql,
                    "UPDATE outbox SET state = ?, attempts = attempts + 1, last_error = ?,"
                    " next_attempt_ms = ? WHERE id = ?",
                    error);
  if (!stmt)
    return FALSE;
  sqlite3_bind_text(stmt, 1, o->permanent ? "failed" : "pending", -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 2, o->text, -1, SQLITE_STATIC);
  sqlite3_bind_int64(stmt, 3, o->next_ms);
  sqlite3_bind_int64(stmt, 4, o->item->id);
  return wt_db_step_done(sql, stmt, error);
}

gboolean
wt_notary_mark_failed(WtNotary *notary, const WtOutboxItem *item, const char *why,
                      gboolean permanent, gint64 next_ms, GError **error)
{
  Outcome o = {.item = item, .text = why, .permanent = permanent, .next_ms = next_ms};
  return wt_db_transaction(notary->db, update_failed, &o, error);
}

/* ---- Reading ------------------------------------------------------------------------- */

typedef struct {
  const char *id;
  JsonObject *out;
  WtNotaryStats *stats;
} Query;

/* @text parsed as JSON into @o's member @name; null when absent or not JSON. */
static void
set_json_member(JsonObject *o, const char *name, const unsigned char *text)
{
  JsonNode *node = text ? json_from_string((const char *)text, NULL) : NULL;
  if (node)
    json_object_set_member(o, name, node);
  else
    json_object_set_null_member(o, name);
}

static gboolean
select_recording(sqlite3 *sql, gpointer user_data, GError **error)
{
  Query *q = user_data;
  g_autoptr(sqlite3_stmt) stmt =
      wt_db_prepare(sql, "SELECT state, reason, seal, receipt FROM recordings WHERE id = ?", error);
  if (!stmt)
    return FALSE;
  sqlite3_bind_text(stmt, 1, q->id, -1, SQLITE_STATIC);
  int rc = sqlite3_step(stmt);
  if (rc == SQLITE_DONE)
    return TRUE;
  if (rc != SQLITE_ROW)
    return wt_db_set_error(error, sql, "reading a recording");
  JsonObject *o = json_object_new();
  json_object_set_string_member(o, "id", q->id);
  json_object_set_string_member(o, "state", (const char *)sqlite3_column_text(stmt, 0));
  const unsigned char *reason = sqlite3_column_text(stmt, 1);
  if (reason)
    json_object_set_string_member(o, "reason", (const char *)reason);
  else
    json_object_set_null_member(o, "reason");
  set_json_member(o, "seal", sqlite3_column_text(stmt, 2));
  set_json_member(o, "receipt", sqlite3_column_text(stmt, 3));
  q->out = o;
  return TRUE;
}

JsonObject *
wt_notary_lookup(WtNotary *notary, const char *id, GError **error)
{
  Query q = {.id = id};
  if (!wt_db_transaction(notary->db, select_recording, &q, error))
    return NULL;
  return q.out;
}

static gboolean
select_stats(sqlite3 *sql, gpointer user_data, GError **error)
{
  WtNotaryStats *s = user_data;
  g_autoptr(sqlite3_stmt) stmt = wt_db_prepare(
      sql, "SELECT state, count(*), min(created_ms) FROM outbox GROUP BY state", error);
  if (!stmt)
    return FALSE;
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    const char *state = (const char *)sqlite3_column_text(stmt, 0);
    guint64 n = (guint64)sqlite3_column_int64(stmt, 1);
    if (g_strcmp0(state, "pending") == 0) {
      s->pending = n;
      s->oldest_pending_age_s = MAX(0, (now_ms() - sqlite3_column_int64(stmt, 2)) / 1000);
    } else if (g_strcmp0(state, "delivered") == 0) {
      s->delivered = n;
    } else if (g_strcmp0(state, "failed") == 0) {
      s->failed = n;
    }
  }
  return rc == SQLITE_DONE || wt_db_set_error(error, sql, "counting the outbox");
}

static gboolean
select_waiting(sqlite3 *sql, gpointer user_data, GError **error)
{
  JsonArray *out = user_data;
  g_autoptr(sqlite3_stmt) stmt =
      wt_db_prepare(sql,
                    "SELECT recording, kind, seq, state, attempts, last_error, created_ms,"
                    " next_attempt_ms FROM outbox WHERE state != 'delivered' ORDER BY id",
                    error);
  if (!stmt)
    return FALSE;
  int rc;
  gint64 now = now_ms();
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    JsonObject *o = json_object_new();
    json_object_set_string_member(o, "recording", (const char *)sqlite3_column_text(stmt, 0));
    json_object_set_string_member(o, "kind", (const char *)sqlite3_column_text(stmt, 1));
    json_object_set_int_member(o, "seq", sqlite3_column_int64(stmt, 2));
    json_object_set_string_member(o, "state", (const char *)sqlite3_column_text(stmt, 3));
    json_object_set_int_member(o, "attempts", sqlite3_column_int64(stmt, 4));
    if (sqlite3_column_type(stmt, 5) == SQLITE_NULL)
      json_object_set_null_member(o, "last_error");
    else
      json_object_set_string_member(o, "last_error", (const char *)sqlite3_column_text(stmt, 5));
    json_object_set_int_member(o, "age_s", MAX(0, (now - sqlite3_column_int64(stmt, 6)) / 1000));
    json_object_set_int_member(o, "next_attempt_in_s",
                               MAX(0, (sqlite3_column_int64(stmt, 7) - now) / 1000));
    json_array_add_object_element(out, o);
  }
  return rc == SQLITE_DONE || wt_db_set_error(error, sql, "listing the outbox");
}

JsonArray *
wt_notary_list_waiting(WtNotary *notary, GError **error)
{
  g_autoptr(JsonArray) out = json_array_new();
  if (!wt_db_transaction(notary->db, select_waiting, out, error))
    return NULL;
  return g_steal_pointer(&out);
}

gboolean
wt_notary_get_stats(WtNotary *notary, WtNotaryStats *out, GError **error)
{
  memset(out, 0, sizeof *out);
  out->attempts_total = __atomic_load_n(&notary->attempts_total, __ATOMIC_RELAXED);
  return wt_db_transaction(notary->db, select_stats, out, error);
}
