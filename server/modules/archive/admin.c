/* admin.c — the admin's requests to the archive module (admins only; clerks
 * get `forbidden`): an overview for the admin page (rooms open now, notary
 * outbox entries waiting, how many recordings the index holds), a retention
 * sweep run now, and a re-index of the archive folder. Main thread. */
#include <gio/gio.h>

#include "archive.h"

typedef struct {
  gint64 total, deleted;
} Count;

static gboolean
count_body(sqlite3 *sql, gpointer data, GError **error)
{
  Count *c = data;
  return wt_archive_store_count(sql, &c->total, &c->deleted, error);
}

static void
overview(WtArchive *a, WtModuleRequest *req)
{
  wt_archive_index_catch_up(a);
  JsonObject *r = json_object_new();
  json_object_set_array_member(r, "rooms", a->s->rooms_list(a->host));
  g_autoptr(GError) error = NULL;
  JsonArray *outbox = a->s->outbox_pending(a->host, &error);
  if (outbox) {
    json_object_set_array_member(r, "outbox", outbox);
  } else {
    json_object_set_array_member(r, "outbox", json_array_new());
    json_object_set_string_member(r, "outbox_error", error ? error->message : "unknown");
  }
  Count c = {0, 0};
  g_autoptr(GError) e = NULL;
  if (wt_archive_db(a, count_body, &c, &e)) {
    JsonObject *rec = json_object_new();
    json_object_set_int_member(rec, "total", c.total);
    json_object_set_int_member(rec, "deleted", c.deleted);
    json_object_set_object_member(r, "recordings", rec);
  }
  a->s->reply(a->host, req, r);
}

static void
sweep(WtArchive *a, WtModuleRequest *req)
{
  g_autoptr(GPtrArray) deleted = wt_archive_sweep(a);
  JsonArray *ids = json_array_new();
  for (guint i = 0; i < deleted->len; i++)
    json_array_add_string_element(ids, g_ptr_array_index(deleted, i));
  JsonObject *r = json_object_new();
  json_object_set_array_member(r, "deleted", ids);
  json_object_set_int_member(r, "exports_removed", wt_archive_exports_prune(a));
  a->s->reply(a->host, req, r);
}

static void
reindex(WtArchive *a, WtModuleRequest *req)
{
  JsonObject *r = json_object_new();
  json_object_set_int_member(r, "added", wt_archive_index_new(a));
  a->s->reply(a->host, req, r);
}

gboolean
wt_archive_admin_request(WtArchive *a, WtModuleRequest *req, const char *action)
{
  void (*handler)(WtArchive *, WtModuleRequest *) = NULL;
  if (g_str_equal(action, "overview"))
    handler = overview;
  else if (g_str_equal(action, "sweep"))
    handler = sweep;
  else if (g_str_equal(action, "reindex"))
    handler = reindex;
  else
    return FALSE;
  if (a->s->request_identity(req)->role != WT_ROLE_ADMIN)
    a->s->reply_error(a->host, req, "forbidden", "admins only");
  else
    handler(a, req);
  return TRUE;
}
