/* actions.c — the clerk's requests to the archive module (clerks and admins;
 * archive.c refuses everyone else): search, view, play, export, hold,
 * release, audit. Each answers exactly once and writes its audit row. Main
 * thread.
 *
 * What leaves the module: parties' names, masked ID numbers and roles; never
 * an ID hash (it is a search key, not something to show) and never a plain
 * ID number (the module never has one beyond the search call). */
#include <gio/gio.h>
#include <string.h>

#include "archive.h"
#include "module_json.h"

#define MAX_REASON 500
#define MAX_CASE_NUMBER 64

/* ---- Transaction bodies --------------------------------------------------------------------- */

typedef struct {
  const WtArchiveQuery *q;
  JsonArray *out;
} Search;

static gboolean
search_body(sqlite3 *sql, gpointer data, GError **error)
{
  Search *s = data;
  return (s->out = wt_archive_store_search(sql, s->q, error)) != NULL;
}

typedef struct {
  const char *id;
  JsonObject *out;
} Get;

static gboolean
get_body(sqlite3 *sql, gpointer data, GError **error)
{
  Get *g = data;
  g->out = wt_archive_store_get(sql, g->id, error);
  return error == NULL || *error == NULL;
}

typedef struct {
  const char *id;
  JsonObject *verify;
} Verify;

static gboolean
verify_body(sqlite3 *sql, gpointer data, GError **error)
{
  Verify *v = data;
  return wt_archive_store_set_verify(sql, v->id, v->verify, g_get_real_time() / 1000, error);
}

typedef struct {
  const char *id, *by, *reason;
  gboolean on;
} Hold;

static gboolean
hold_body(sqlite3 *sql, gpointer data, GError **error)
{
  Hold *h = data;
  return wt_archive_store_set_hold(sql, h->id, h->on, h->by, h->reason, g_get_real_time() / 1000,
                                   error);
}

typedef struct {
  const char *recording;
  guint limit;
  JsonArray *entries;
  gint64 bad_seq;
} Audit;

static gboolean
audit_list_body(sqlite3 *sql, gpointer data, GError **error)
{
  Audit *a = data;
  if (!(a->entries = wt_archive_audit_list(sql, a->recording, a->limit, error)))
    return FALSE;
  return wt_archive_audit_check(sql, &a->bad_seq, error) || a->bad_seq != 0;
}

/* ---- Helpers -------------------------------------------------------------------------------- */

static void
internal(WtArchive *a, WtModuleRequest *req, const GError *error)
{
  g_warning("archive: %s", error->message);
  a->s->reply_error(a->host, req, "internal", "the archive index could not be read");
}

/* A deep copy of @o (transfer full). */
static JsonObject *
copy_object(JsonObject *o)
{
  g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), o);
  g_autoptr(JsonNode) copy = json_node_copy(node);
  return json_node_dup_object(copy);
}

/* The notary's receipt of @id, or nothing. */
static void
add_notary(WtArchive *a, JsonObject *out, const char *id)
{
  g_autoptr(GError) error = NULL;
  JsonObject *n = a->s->recording_lookup(a->host, id, &error);
  if (n)
    json_object_set_object_member(out, "notary", n);
}

/* What a clerk sees of an index entry (transfer full): no ID hashes, and
 * segment counts instead of segment lists. */
static JsonObject *
present(WtArchive *a, JsonObject *entry)
{
  JsonObject *o = copy_object(entry);
  JsonArray *parties = json_object_get_array_member(o, "parties");
  for (guint i = 0; parties && i < json_array_get_length(parties); i++)
    json_object_remove_member(json_array_get_object_element(parties, i), "id_hash");
  JsonArray *people = json_object_get_array_member(o, "participants");
  for (guint i = 0; people && i < json_array_get_length(people); i++) {
    JsonObject *p = json_array_get_object_element(people, i);
    JsonArray *segs = json_object_get_array_member(p, "segments");
    guint n = segs ? json_array_get_length(segs) : 0;
    json_object_set_int_member(p, "segments", n);
  }
  const char *business = json_object_get_string_member_with_default(o, "business", NULL);
  guint days = wt_archive_days_for(a, business);
  gint64 expires = 0;
  WtArchiveFate fate = wt_archive_retention_decide(
      json_object_get_int_member_with_default(o, "end_ms", 0), days,
      json_object_has_member(o, "hold"), json_object_has_member(o, "deleted"),
      a->s->now_ms(a->host), &expires);
  JsonObject *r = json_object_new();
  json_object_set_int_member(r, "days", days);
  json_object_set_int_member(r, "expires_ms", expires);
  json_object_set_string_member(r, "state", wt_archive_fate_name(fate));
  json_object_set_object_member(o, "retention", r);
  return o;
}

/* The recording a request names, from the index (transfer full); answers
 * the request and returns NULL when there is none. */
static JsonObject *
find(WtArchive *a, WtModuleRequest *req, const char **id_out)
{
  JsonObject *body = a->s->request_body(req);
  const char *id = wt_module_json_string(body, "recording", NULL);
  if (!wt_archive_id_valid(id)) {
    a->s->reply_error(a->host, req, "bad-message", "recording: expected a recording id");
    return NULL;
  }
  Get g = {id, NULL};
  g_autoptr(GError) error = NULL;
  if (!wt_archive_db(a, get_body, &g, &error)) {
    internal(a, req, error);
    return NULL;
  }
  if (!g.out) {
    /* Sealed a moment ago, before its event was seen? */
    wt_archive_index_new(a);
    wt_archive_db(a, get_body, &g, NULL);
  }
  if (!g.out) {
    a->s->reply_error(a->host, req, "not-found", "no such recording in the archive");
    return NULL;
  }
  *id_out = id;
  return g.out;
}

/* ---- search --------------------------------------------------------------------------------- */

static gboolean
get_ms(JsonObject *body, const char *name, gint64 *out)
{
  JsonNode *n = json_object_get_member(body, name);
  *out = 0;
  if (!n)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64 ||
      json_node_get_int(n) < 0)
    return FALSE;
  *out = json_node_get_int(n);
  return TRUE;
}

static void
search(WtArchive *a, WtModuleRequest *req)
{
  JsonObject *body = a->s->request_body(req);
  const char *id_number = wt_module_json_string(body, "id_number", NULL);
  const char *case_number = wt_module_json_string(body, "case_number", NULL);
  WtArchiveQuery q = {0};
  if (!get_ms(body, "from_ms", &q.from_ms) || !get_ms(body, "to_ms", &q.to_ms)) {
    a->s->reply_error(a->host, req, "bad-message", "from_ms and to_ms are unix milliseconds");
    return;
  }
  g_autofree char *hash = NULL;
  g_autofree char *case_trim = case_number ? g_strstrip(g_strdup(case_number)) : NULL;
  if (id_number && *id_number) {
    g_autoptr(GError) error = NULL;
    if (!(hash = a->s->id_number_hash(a->host, id_number, &error))) {
      a->s->reply_error(a->host, req, "bad-message", error->message);
      return;
    }
    q.id_hash = hash;
  }
  if (case_trim && strlen(case_trim) > MAX_CASE_NUMBER) {
    /* Searches are audited with what was asked: no 64 KiB rows. */
    a->s->reply_error(a->host, req, "bad-message", "case_number: at most 64 bytes");
    return;
  }
  if (case_trim && *case_trim)
    q.case_number = case_trim;
  if (!q.id_hash && !q.case_number && !q.from_ms && !q.to_ms) {
    a->s->reply_error(a->host, req, "bad-message",
                      "search by id_number, case_number, or from_ms/to_ms");
    return;
  }
  q.include_deleted = wt_module_json_bool(body, "include_deleted", FALSE);
  q.limit = 50;
  wt_archive_index_catch_up(a);
  Search s = {&q, NULL};
  g_autoptr(GError) error = NULL;
  if (!wt_archive_db(a, search_body, &s, &error)) {
    internal(a, req, error);
    return;
  }
  JsonArray *results = json_array_new();
  for (guint i = 0; i < json_array_get_length(s.out); i++) {
    JsonObject *entry = json_array_get_object_element(s.out, i);
    JsonObject *o = present(a, entry);
    add_notary(a, o, json_object_get_string_member(entry, "recording"));
    json_array_add_object_element(results, o);
  }
  guint n = json_array_get_length(s.out);
  json_array_unref(s.out);

  g_autoptr(JsonObject) detail = json_object_new();
  json_object_set_string_member(detail, "by",
                                q.id_hash       ? "id_number"
                                : q.case_number ? "case_number"
                                                : "date");
  if (q.id_hash)
    json_object_set_string_member(detail, "id_hash", q.id_hash);
  if (q.case_number)
    json_object_set_string_member(detail, "case_number", q.case_number);
  if (q.from_ms)
    json_object_set_int_member(detail, "from_ms", q.from_ms);
  if (q.to_ms)
    json_object_set_int_member(detail, "to_ms", q.to_ms);
  json_object_set_int_member(detail, "results", n);
  wt_archive_audit(a, req, "search", NULL, detail);

  JsonObject *r = json_object_new();
  json_object_set_array_member(r, "results", results);
  a->s->reply(a->host, req, r);
}

/* ---- view ----------------------------------------------------------------------------------- */

/* Answers a view of @id with its index row as it is now (the sweep may have
 * deleted it while it was verified) and @verify (transfer none; NULL: none
 * made, as for a deleted recording). */
static void
view_answer(WtArchive *a, WtModuleRequest *req, const char *id, JsonObject *verify)
{
  Get g = {id, NULL};
  g_autoptr(GError) error = NULL;
  if (!wt_archive_db(a, get_body, &g, &error)) {
    internal(a, req, error);
    return;
  }
  g_autoptr(JsonObject) entry = g.out;
  if (!entry) {
    a->s->reply_error(a->host, req, "not-found", "no such recording in the archive");
    return;
  }
  if (verify && !json_object_has_member(entry, "deleted")) {
    json_object_set_object_member(entry, "verify", json_object_ref(verify));
    json_object_set_int_member(entry, "verified_ms", g_get_real_time() / 1000);
  }
  JsonObject *o = present(a, entry);
  add_notary(a, o, id);
  g_autoptr(JsonObject) detail = json_object_new();
  JsonObject *v = json_object_get_object_member(entry, "verify");
  json_object_set_boolean_member(detail, "verified",
                                 v && json_object_get_boolean_member_with_default(v, "ok", FALSE));
  wt_archive_audit(a, req, "view", id, detail);
  a->s->reply(a->host, req, o);
}

/* A check under way: the module, and the recording's id. */
typedef struct {
  WtArchive *a;
  char *id;
} Verifying;

/* The engine checked recording @data (a Verifying, transfer full) on its own
 * thread; back on the main thread. Every view that waited for it is answered
 * now (the host waits for verifications before destroy(), so @a is alive;
 * a view whose connection closed is answered too, and the reply dropped). */
static void
verified(JsonObject *result, const GError *error, gpointer data)
{
  Verifying *vf = data;
  WtArchive *a = vf->a;
  g_autoptr(JsonObject) v = result ? json_object_ref(result) : json_object_new();
  if (!result) {
    json_object_set_boolean_member(v, "ok", FALSE);
    json_object_set_string_member(v, "problem", error->message);
  }
  Verify vb = {vf->id, v};
  g_autoptr(GError) e = NULL;
  if (!wt_archive_db(a, verify_body, &vb, &e))
    g_warning("archive: recording %s: verification not cached: %s", vf->id, e->message);
  g_autofree char *key = NULL;
  g_autoptr(GPtrArray) waiting = NULL;
  g_hash_table_steal_extended(a->verifying, vf->id, (gpointer *)&key, (gpointer *)&waiting);
  g_message("archive: recording %s %s; answering %u view(s)", vf->id,
            json_object_get_boolean_member_with_default(v, "ok", FALSE) ? "verifies"
                                                                        : "does not verify",
            waiting ? waiting->len : 0);
  for (guint i = 0; waiting && i < waiting->len; i++)
    view_answer(a, g_ptr_array_index(waiting, i), vf->id, v);
  g_free(vf->id);
  g_free(vf);
}

/* Verified again on every view (the cache only serves searches), on the
 * engine's thread: views of a recording already being checked wait for that
 * check rather than read it all again. */
static void
view(WtArchive *a, WtModuleRequest *req)
{
  const char *id = NULL;
  g_autoptr(JsonObject) entry = find(a, req, &id);
  if (!entry)
    return;
  if (json_object_has_member(entry, "deleted")) {
    view_answer(a, req, id, NULL);
    return;
  }
  GPtrArray *waiting = g_hash_table_lookup(a->verifying, id);
  if (waiting) {
    g_ptr_array_add(waiting, req);
    return;
  }
  waiting = g_ptr_array_new();
  g_ptr_array_add(waiting, req);
  g_hash_table_insert(a->verifying, g_strdup(id), waiting);
  g_message("archive: recording %s: verifying for a view", id);
  Verifying *vf = g_new0(Verifying, 1);
  vf->a = a;
  vf->id = g_strdup(id);
  /* Appended to the services after version 1's first draft: an older host
   * only has the blocking check. */
  gsize needed = G_STRUCT_OFFSET(WtModuleServices, recording_verify_async) + sizeof(gpointer);
  if (a->s->struct_size >= needed && a->s->recording_verify_async) {
    a->s->recording_verify_async(a->host, id, verified, vf);
  } else {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonObject) v = a->s->recording_verify(a->host, id, &error);
    verified(v, error, vf);
  }
}

/* ---- play ----------------------------------------------------------------------------------- */

/* The case party whose participant is @pid, or NULL. */
static JsonObject *
party_of(JsonObject *entry, const char *pid)
{
  JsonArray *parties = json_object_get_array_member(entry, "parties");
  for (guint i = 0; parties && i < json_array_get_length(parties); i++) {
    JsonObject *p = json_array_get_object_element(parties, i);
    if (g_strcmp0(json_object_get_string_member_with_default(p, "participant", NULL), pid) == 0)
      return p;
  }
  return NULL;
}

static void
play(WtArchive *a, WtModuleRequest *req)
{
  const char *id = NULL;
  g_autoptr(JsonObject) entry = find(a, req, &id);
  if (!entry)
    return;
  if (json_object_has_member(entry, "deleted")) {
    a->s->reply_error(a->host, req, "not-found", "the recording was deleted");
    return;
  }
  JsonArray *parties = json_array_new();
  JsonArray *people = json_object_get_array_member(entry, "participants");
  guint urls = 0;
  for (guint i = 0; people && i < json_array_get_length(people); i++) {
    JsonObject *p = json_array_get_object_element(people, i);
    JsonArray *segs = json_object_get_array_member(p, "segments");
    if (!segs || json_array_get_length(segs) == 0)
      continue;
    const char *pid = json_object_get_string_member(p, "participant");
    JsonObject *out = json_object_new();
    json_object_set_string_member(out, "participant", pid);
    json_object_set_string_member(out, "role",
                                  json_object_get_string_member_with_default(p, "role", ""));
    JsonObject *party = party_of(entry, pid);
    if (party) {
      json_object_set_string_member(out, "name",
                                    json_object_get_string_member_with_default(party, "name", ""));
      json_object_set_string_member(out, "party_role",
                                    json_object_get_string_member_with_default(party, "role", ""));
    }
    JsonArray *list = json_array_new();
    for (guint k = 0; k < json_array_get_length(segs); k++) {
      JsonObject *seg = json_array_get_object_element(segs, k);
      const char *file = json_object_get_string_member_with_default(seg, "file", NULL);
      if (!file || strstr(file, ".."))
        continue;
      g_autofree char *path = g_build_filename(a->archive_dir, id, file, NULL);
      g_autofree char *url = a->s->signed_url(a->host, path, a->url_ttl_s);
      if (!url) {
        json_object_unref(out);
        json_array_unref(list);
        json_array_unref(parties);
        a->s->reply_error(a->host, req, "unavailable", "the server cannot serve media URLs");
        return;
      }
      JsonObject *s = json_object_new();
      json_object_set_string_member(s, "url", url);
      json_object_set_int_member(s, "start_ms", json_object_get_int_member(seg, "start_ms"));
      json_object_set_int_member(s, "end_ms", json_object_get_int_member(seg, "end_ms"));
      json_array_add_object_element(list, s);
      urls++;
    }
    json_object_set_array_member(out, "segments", list);
    json_array_add_object_element(parties, out);
  }
  g_autoptr(JsonObject) detail = json_object_new();
  json_object_set_int_member(detail, "urls", urls);
  json_object_set_int_member(detail, "ttl_s", a->url_ttl_s);
  wt_archive_audit(a, req, "play", id, detail);

  JsonObject *r = json_object_new();
  json_object_set_string_member(r, "recording", id);
  json_object_set_int_member(r, "start_ms", json_object_get_int_member(entry, "start_ms"));
  json_object_set_int_member(r, "end_ms", json_object_get_int_member(entry, "end_ms"));
  json_object_set_int_member(r, "expires_ms", g_get_real_time() / 1000 + a->url_ttl_s * 1000);
  json_object_set_array_member(r, "parties", parties);
  a->s->reply(a->host, req, r);
}

/* ---- export ------------------------------------------------------------------------------- */

typedef struct {
  WtArchive *a;
  WtModuleRequest *req;
  char *id;
  char *sub; /* who asked: counted in a->exporting until the tar is written */
} Export;

/* One more (@delta 1) or one fewer (-1) export being written for @sub. */
static void
count_export(WtArchive *a, const char *sub, int delta)
{
  guint n = GPOINTER_TO_UINT(g_hash_table_lookup(a->exporting, sub)) + delta;
  if (n == 0)
    g_hash_table_remove(a->exporting, sub);
  else
    g_hash_table_insert(a->exporting, g_strdup(sub), GUINT_TO_POINTER(n));
}

/* The engine wrote the tar (on its own thread); back on the main thread. */
static void
export_done(JsonObject *result, const GError *error, gpointer data)
{
  Export *x = data;
  WtArchive *a = x->a;
  count_export(a, x->sub, -1);
  if (!result) {
    g_warning("archive: recording %s: export failed: %s", x->id, error->message);
    a->s->reply_error(a->host, x->req, "internal", "the export could not be written");
  } else {
    const char *path = json_object_get_string_member_with_default(result, "path", "");
    gint64 size = json_object_get_int_member_with_default(result, "bytes", 0);
    const char *sha = json_object_get_string_member_with_default(result, "sha256", "");
    g_autofree char *name = g_path_get_basename(path);
    g_free(a->export_dir);
    a->export_dir = g_path_get_dirname(path); /* for the sweep's pruning */
    g_autoptr(JsonObject) detail = json_object_new();
    json_object_set_string_member(detail, "file", name);
    json_object_set_int_member(detail, "size", size);
    json_object_set_string_member(detail, "sha256", sha);
    wt_archive_audit(a, x->req, "export", x->id, detail);
    g_autofree char *url = a->s->signed_url(a->host, path, a->url_ttl_s);
    if (!url) {
      a->s->reply_error(a->host, x->req, "unavailable", "the server cannot serve download URLs");
    } else {
      JsonObject *r = json_object_new();
      json_object_set_string_member(r, "recording", x->id);
      json_object_set_string_member(r, "url", url);
      json_object_set_string_member(r, "file", name);
      json_object_set_int_member(r, "size", size);
      json_object_set_string_member(r, "sha256", sha);
      json_object_set_int_member(r, "expires_ms", g_get_real_time() / 1000 + a->url_ttl_s * 1000);
      a->s->reply(a->host, x->req, r);
    }
  }
  g_free(x->id);
  g_free(x->sub);
  g_free(x);
}

/* The engine writes the tar (services->export_recording, appended to the
 * table after version 1's first draft: a host without it cannot export). */
static void export(WtArchive *a, WtModuleRequest *req)
{
  const char *id = NULL;
  g_autoptr(JsonObject) entry = find(a, req, &id);
  if (!entry)
    return;
  if (json_object_has_member(entry, "deleted")) {
    a->s->reply_error(a->host, req, "not-found", "the recording was deleted");
    return;
  }
  gsize needed = G_STRUCT_OFFSET(WtModuleServices, export_recording) + sizeof(gpointer);
  if (a->s->struct_size < needed || !a->s->export_recording) {
    a->s->reply_error(a->host, req, "unavailable", "this server cannot export recordings");
    return;
  }
  /* Each export is a full copy of a recording on disk, written on a thread:
   * one person cannot start them without end. */
  const char *sub = a->s->request_identity(req)->sub;
  if (GPOINTER_TO_UINT(g_hash_table_lookup(a->exporting, sub)) >= a->exports_at_once) {
    g_autofree char *why = g_strdup_printf(
        "%u exports of yours are being written; ask again when one is done", a->exports_at_once);
    a->s->reply_error(a->host, req, "busy", why);
    return;
  }
  Export *x = g_new0(Export, 1);
  x->a = a;
  x->req = req;
  x->id = g_strdup(id);
  x->sub = g_strdup(sub);
  count_export(a, sub, +1);
  a->s->export_recording(a->host, id, export_done, x);
}

/* ---- hold / release ------------------------------------------------------------------------- */

static void
hold(WtArchive *a, WtModuleRequest *req, gboolean on)
{
  JsonObject *body = a->s->request_body(req);
  const char *reason = wt_module_json_string(body, "reason", NULL);
  g_autofree char *why = reason ? g_strstrip(g_strdup(reason)) : NULL;
  if (!why || !*why || strlen(why) > MAX_REASON || !wt_module_text_one_line(why)) {
    a->s->reply_error(a->host, req, "bad-message",
                      "reason: say why, in one line of up to 500 bytes without control characters");
    return;
  }
  const char *id = NULL;
  g_autoptr(JsonObject) entry = find(a, req, &id);
  if (!entry)
    return;
  if (json_object_has_member(entry, "deleted")) {
    a->s->reply_error(a->host, req, "not-found", "the recording was deleted");
    return;
  }
  if (on == json_object_has_member(entry, "hold")) {
    a->s->reply_error(a->host, req, "conflict",
                      on ? "the recording is already held" : "the recording is not held");
    return;
  }
  Hold h = {id, a->s->request_identity(req)->sub, why, on};
  g_autoptr(GError) error = NULL;
  if (!wt_archive_db(a, hold_body, &h, &error)) {
    internal(a, req, error);
    return;
  }
  g_autoptr(JsonObject) detail = json_object_new();
  json_object_set_string_member(detail, "reason", why);
  wt_archive_audit(a, req, on ? "hold" : "release", id, detail);
  g_message("archive: recording %s: legal hold %s by %s", id, on ? "set" : "lifted", h.by);
  JsonObject *r = json_object_new();
  json_object_set_string_member(r, "recording", id);
  json_object_set_boolean_member(r, "hold", on);
  a->s->reply(a->host, req, r);
}

/* ---- audit ---------------------------------------------------------------------------------- */

static void
audit(WtArchive *a, WtModuleRequest *req)
{
  JsonObject *body = a->s->request_body(req);
  /* A recording of another type would list the whole log: refused, not ignored. */
  const char *id = wt_module_json_string(body, "recording", NULL);
  if ((json_object_has_member(body, "recording") && !id) || (id && !wt_archive_id_valid(id))) {
    a->s->reply_error(a->host, req, "bad-message", "recording: expected a recording id");
    return;
  }
  gint64 limit = 100;
  if (json_object_has_member(body, "limit") &&
      (!wt_module_json_int(body, "limit", &limit) || limit < 1 || limit > 1000)) {
    a->s->reply_error(a->host, req, "bad-message", "limit: a number from 1 to 1000");
    return;
  }
  Audit au = {id, (guint)limit, NULL, 0};
  g_autoptr(GError) error = NULL;
  if (!wt_archive_db(a, audit_list_body, &au, &error)) {
    if (au.entries)
      json_array_unref(au.entries);
    internal(a, req, error);
    return;
  }
  if (au.bad_seq)
    g_warning("archive: the audit log does not verify from row %" G_GINT64_FORMAT, au.bad_seq);
  JsonObject *r = json_object_new();
  json_object_set_array_member(r, "entries", au.entries);
  json_object_set_boolean_member(r, "intact", au.bad_seq == 0);
  if (au.bad_seq)
    json_object_set_int_member(r, "broken_at", au.bad_seq);
  a->s->reply(a->host, req, r);
}

gboolean
wt_archive_clerk_request(WtArchive *a, WtModuleRequest *req, const char *action)
{
  if (g_str_equal(action, "search"))
    search(a, req);
  else if (g_str_equal(action, "view"))
    view(a, req);
  else if (g_str_equal(action, "play"))
    play(a, req);
  else if (g_str_equal(action, "export"))
    export(a, req);
  else if (g_str_equal(action, "hold"))
    hold(a, req, TRUE);
  else if (g_str_equal(action, "release"))
    hold(a, req, FALSE);
  else if (g_str_equal(action, "audit"))
    audit(a, req);
  else
    return FALSE;
  return TRUE;
}
