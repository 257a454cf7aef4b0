/* hello.c — a small workflow module for the tests: it answers requests by
 * calling each host service once, remembers the events it saw, and marks a
 * file when it is created and destroyed, so a test can see the whole life of
 * a module through a real witnessd. Main thread (as every module). */
#include <gio/gio.h>
#include <string.h>

#include "module.h"

typedef struct {
  WtModuleHost *host;
  const WtModuleServices *s;
  char *marker;    /* [module.hello] marker: a file "created"/"destroyed" is written to */
  JsonArray *seen; /* {"event", fields...} */
} Hello;

typedef struct {
  Hello *self;
  WtModuleRequest *req;
} Pending;

static const char *const steps[] = {
    "CREATE TABLE hello_greetings (sub TEXT NOT NULL, at_ms INTEGER NOT NULL)",
};

static void
mark(Hello *h, const char *what)
{
  if (h->marker)
    g_file_set_contents(h->marker, what, -1, NULL);
}

static gpointer
hello_create(WtModuleHost *host, const WtModuleServices *s, GError **error)
{
  if (!s->db_migrate(host, steps, G_N_ELEMENTS(steps), error))
    return NULL;
  const char *refuse = s->config(host, "refuse");
  if (refuse && g_str_equal(refuse, "true")) {
    g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                        "[module.hello] refuse = true");
    return NULL;
  }
  Hello *h = g_new0(Hello, 1);
  h->host = host;
  h->s = s;
  h->marker = g_strdup(s->config(host, "marker"));
  h->seen = json_array_new();
  mark(h, "created");
  return h;
}

static void
hello_destroy(gpointer instance)
{
  Hello *h = instance;
  mark(h, "destroyed");
  json_array_unref(h->seen);
  g_free(h->marker);
  g_free(h);
}

static gboolean
insert_greeting(sqlite3 *sql, gpointer user_data, GError **error)
{
  const char *sub = user_data;
  sqlite3_stmt *stmt = NULL;
  if (sqlite3_prepare_v2(sql, "INSERT INTO hello_greetings VALUES (?, 0)", -1, &stmt, NULL) !=
      SQLITE_OK) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", sqlite3_errmsg(sql));
    return FALSE;
  }
  sqlite3_bind_text(stmt, 1, sub, -1, SQLITE_TRANSIENT);
  int rc = sqlite3_step(stmt);
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE)
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", sqlite3_errmsg(sql));
  return rc == SQLITE_DONE;
}

static gboolean
count_greetings(sqlite3 *sql, gpointer user_data, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  if (sqlite3_prepare_v2(sql, "SELECT count(*) FROM hello_greetings", -1, &stmt, NULL) != SQLITE_OK)
    return FALSE;
  if (sqlite3_step(stmt) == SQLITE_ROW)
    *(gint64 *)user_data = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  return TRUE;
}

/* A room operation's answer goes back to the client as it is. */
static void
room_done(JsonObject *result, const GError *error, gpointer user_data)
{
  Pending *p = user_data;
  if (error)
    p->self->s->reply_error(p->self->host, p->req, "unavailable", error->message);
  else
    p->self->s->reply(p->self->host, p->req, json_object_ref(result));
  g_free(p);
}

static void
greet(Hello *h, WtModuleRequest *req)
{
  const WtIdentity *who = h->s->request_identity(req);
  g_autoptr(GError) error = NULL;
  if (!h->s->db_transaction(h->host, insert_greeting, who->sub, &error)) {
    h->s->reply_error(h->host, req, "internal", error->message);
    return;
  }
  gint64 count = 0;
  h->s->db_transaction(h->host, count_greetings, &count, NULL);
  JsonObject *r = json_object_new();
  json_object_set_string_member(r, "hello", who->sub);
  json_object_set_int_member(r, "greetings", count);
  json_object_set_int_member(r, "now_ms", h->s->now_ms(h->host));
  json_object_set_int_member(r, "session", (gint64)h->s->request_session(req));
  g_autofree char *participant = h->s->participant_id(h->host, who->sub);
  json_object_set_string_member(r, "participant", participant);
  const char *greeting = h->s->config(h->host, "greeting");
  json_object_set_string_member(r, "greeting", greeting ? greeting : "hello");
  h->s->reply(h->host, req, r);
}

static void
hello_request(gpointer instance, WtModuleRequest *req, const char *action)
{
  Hello *h = instance;
  JsonObject *body = h->s->request_body(req);
  const WtIdentity *who = h->s->request_identity(req);
  const char *room = json_object_get_string_member_with_default(body, "room", NULL);
  if (g_str_equal(action, "greet")) {
    greet(h, req);
  } else if (g_str_equal(action, "notify")) {
    const char *to = json_object_get_string_member_with_default(body, "to", who->sub);
    JsonObject *fields = json_object_new();
    json_object_set_string_member(fields, "from", who->sub);
    guint n = h->s->notify(h->host, to, "greeting", fields);
    JsonObject *r = json_object_new();
    json_object_set_int_member(r, "connections", n);
    json_object_set_boolean_member(r, "connected", h->s->is_connected(h->host, to));
    h->s->reply(h->host, req, r);
  } else if (g_str_equal(action, "broadcast")) {
    JsonObject *fields = json_object_new();
    json_object_set_string_member(fields, "from", who->sub);
    JsonObject *r = json_object_new();
    json_object_set_int_member(r, "connections",
                               h->s->notify_role(h->host, WT_ROLE_STAFF, "greeting", fields));
    h->s->reply(h->host, req, r);
  } else if (g_str_equal(action, "id-hash")) {
    g_autoptr(GError) error = NULL;
    char *hash = h->s->id_number_hash(
        h->host, json_object_get_string_member_with_default(body, "id_number", ""), &error);
    if (!hash) {
      h->s->reply_error(h->host, req, "bad-message", error->message);
      return;
    }
    JsonObject *r = json_object_new();
    json_object_set_string_member(r, "hash", hash);
    g_free(hash);
    h->s->reply(h->host, req, r);
  } else if (g_str_equal(action, "events")) {
    JsonObject *r = json_object_new();
    json_object_set_array_member(r, "events", json_array_ref(h->seen));
    h->s->reply(h->host, req, r);
  } else if (g_str_equal(action, "new-room")) {
    char *id = h->s->room_new_id(h->host, "hello");
    JsonObject *r = json_object_new();
    json_object_set_string_member(r, "room", id);
    g_free(id);
    h->s->reply(h->host, req, r);
  } else if (!room) {
    h->s->reply_error(h->host, req, "bad-message", "this action needs a room");
  } else if (g_str_equal(action, "invite")) {
    h->s->room_invite(h->host, room,
                      json_object_get_string_member_with_default(body, "sub", who->sub));
    h->s->reply(h->host, req, NULL);
  } else if (g_str_equal(action, "close")) {
    h->s->room_close(h->host, room, "closed by the hello module");
    h->s->reply(h->host, req, NULL);
  } else if (g_str_equal(action, "status") || g_str_equal(action, "record") ||
             g_str_equal(action, "evidence") || g_str_equal(action, "liveness")) {
    if (who->role != WT_ROLE_STAFF && who->role != WT_ROLE_ADMIN) {
      h->s->reply_error(h->host, req, "forbidden", "staff only");
      return;
    }
    Pending *p = g_new0(Pending, 1);
    p->self = h;
    p->req = req;
    if (g_str_equal(action, "status")) {
      h->s->room_status(h->host, room, room_done, p);
    } else if (g_str_equal(action, "liveness")) {
      h->s->room_check_liveness(
          h->host, room, json_object_get_string_member_with_default(body, "sub", ""), room_done, p);
    } else if (g_str_equal(action, "record")) {
      h->s->room_record(h->host, room,
                        json_object_get_boolean_member_with_default(body, "start", TRUE), room_done,
                        p);
    } else {
      JsonObject *payload = json_object_has_member(body, "payload")
                                ? json_object_get_object_member(body, "payload")
                                : NULL;
      g_autoptr(JsonObject) empty = json_object_new();
      h->s->room_add_evidence(h->host, room,
                              json_object_get_string_member_with_default(body, "record", "note"),
                              payload ? payload : empty, room_done, p);
    }
  } else {
    h->s->reply_error(h->host, req, "bad-message", "unknown action");
  }
}

static void
hello_event(gpointer instance, const char *event, JsonObject *fields)
{
  Hello *h = instance;
  g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), fields);
  g_autofree char *text = json_to_string(node, FALSE);
  g_autoptr(JsonNode) parsed = json_from_string(text, NULL);
  JsonObject *o = json_node_dup_object(parsed);
  json_object_set_string_member(o, "event", event);
  json_array_add_object_element(h->seen, o);
}

static const WtModule hello_module = {
    .abi_version = WT_MODULE_ABI_VERSION,
    .struct_size = sizeof(WtModule),
    .name = "hello",
    .description = "test module: calls each host service",
    .create = hello_create,
    .destroy = hello_destroy,
    .request = hello_request,
    .event = hello_event,
};

const WtModule *wt_module_entry(void);

const WtModule *
wt_module_entry(void)
{
  return &hello_module;
}
