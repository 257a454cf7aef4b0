/* consult.c — the consultation queue module: the table witnessd loads, its
 * settings, and the requests of applicants (join, leave, status) and staff
 * (list, take, end). Events and timers are in lifecycle.c, the queue's logic
 * in queue.c, its storage in store.c. Requests and events are documented in
 * README.md. Main thread (as every module). */
#include <gio/gio.h>
#include <string.h>

#include "consult_private.h"
#include "module_json.h"
#include "store.h"

#define TOPIC_MAX_CHARS 100

/* ---- Settings ------------------------------------------------------------------------ */

static gboolean
setting(Consult *c, const char *key, gint64 fallback, gint64 min, gint64 max, gint64 *out,
        GError **error)
{
  const char *text = c->s->config(c->host, key);
  if (!text) {
    *out = fallback;
    return TRUE;
  }
  gint64 v = 0;
  if (!g_ascii_string_to_signed(text, 10, min, max, &v, NULL)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "[module.consult] %s must be a whole number from %" G_GINT64_FORMAT
                " to %" G_GINT64_FORMAT ", not \"%s\"",
                key, min, max, text);
    return FALSE;
  }
  *out = v;
  return TRUE;
}

/* ---- What applicants and staff are told ------------------------------------------------ */

static guint
staff_count(Consult *c)
{
  return g_hash_table_size(c->staff_online);
}

/* @t as its holder (or staff) sees it; @position and @waiting are the queue's
 * (a publish counts them in one pass instead of once per ticket). */
static JsonObject *
ticket_json_at(Consult *c, const WtConsultTicket *t, guint position, guint waiting,
               gboolean for_staff)
{
  JsonObject *o = json_object_new();
  json_object_set_int_member(o, "ticket", t->ticket);
  json_object_set_string_member(o, "state", wt_consult_state_name(t->state));
  json_object_set_string_member(o, "topic", t->topic);
  json_object_set_int_member(o, "position", position);
  json_object_set_int_member(o, "estimate_s",
                             wt_consult_queue_estimate_s(c->queue, position, staff_count(c)));
  json_object_set_int_member(o, "waiting", waiting);
  json_object_set_int_member(o, "joined_ms", t->joined_ms);
  if (t->room)
    json_object_set_string_member(o, "room", t->room);
  if (for_staff) {
    json_object_set_string_member(o, "sub", t->sub);
    g_autofree char *participant = c->s->participant_id(c->host, t->sub);
    json_object_set_string_member(o, "participant", participant);
    json_object_set_boolean_member(o, "away", t->away_since_us != 0);
    json_object_set_int_member(o, "waited_s",
                               MAX(0, (c->s->now_ms(c->host) - t->joined_ms) / 1000));
    if (t->staff)
      json_object_set_string_member(o, "staff", t->staff);
  }
  return o;
}

static JsonObject *
ticket_json(Consult *c, const WtConsultTicket *t, gboolean for_staff)
{
  return ticket_json_at(c, t, wt_consult_queue_position(c->queue, t),
                        wt_consult_queue_waiting(c->queue), for_staff);
}

/* The position of each ticket in turn: 0 unless it waits. */
static guint
next_position(const WtConsultTicket *t, guint *waiting_before)
{
  return t->state == WT_CONSULT_WAITING ? ++*waiting_before : 0;
}

static JsonObject *
list_json(Consult *c)
{
  JsonObject *o = json_object_new();
  JsonArray *a = json_array_new();
  guint waiting = wt_consult_queue_waiting(c->queue), before = 0;
  for (guint i = 0; i < c->queue->tickets->len; i++) {
    const WtConsultTicket *t = g_ptr_array_index(c->queue->tickets, i);
    json_array_add_object_element(a, ticket_json_at(c, t, next_position(t, &before), waiting, TRUE));
  }
  json_object_set_array_member(o, "queue", a);
  json_object_set_int_member(o, "waiting", waiting);
  json_object_set_int_member(o, "staff_online", staff_count(c));
  json_object_set_int_member(o, "average_s", wt_consult_queue_average_ms(c->queue) / 1000);
  return o;
}

/* Every applicant in the queue hears their ticket, staff and admins the whole list:
 * one pass over the queue (benchmarked by witness-consult-bench). */
void
consult_publish(Consult *c)
{
  guint waiting = wt_consult_queue_waiting(c->queue), before = 0;
  for (guint i = 0; i < c->queue->tickets->len; i++) {
    const WtConsultTicket *t = g_ptr_array_index(c->queue->tickets, i);
    c->s->notify(c->host, t->sub, "queue",
                 ticket_json_at(c, t, next_position(t, &before), waiting, FALSE));
  }
  JsonObject *list = list_json(c);
  c->s->notify_role(c->host, WT_ROLE_STAFF, "queue-list", json_object_ref(list));
  c->s->notify_role(c->host, WT_ROLE_ADMIN, "queue-list", list);
}

void
consult_save(Consult *c, const WtConsultTicket *t)
{
  g_autoptr(GError) error = NULL;
  gint64 ended = wt_consult_state_active(t->state) ? 0 : c->s->now_ms(c->host);
  if (!wt_consult_store_update(c->host, c->s, t, NULL, ended, &error))
    g_warning("consult: ticket %" G_GINT64_FORMAT ": %s", t->ticket, error->message);
}

void
consult_finish(Consult *c, WtConsultTicket *t, WtConsultState state, const char *reason)
{
  gint64 now = c->s->now_ms(c->host);
  if (state == WT_CONSULT_DONE && t->started_ms > 0)
    wt_consult_queue_record_handling(c->queue, now - t->started_ms);
  t->state = state;
  g_autoptr(GError) error = NULL;
  if (!wt_consult_store_update(c->host, c->s, t, reason, now, &error))
    g_warning("consult: ticket %" G_GINT64_FORMAT ": %s", t->ticket, error->message);
  g_message("consult: ticket %" G_GINT64_FORMAT " of %s %s (%s)", t->ticket, t->sub,
            wt_consult_state_name(state), reason);
  JsonObject *o = json_object_new();
  json_object_set_int_member(o, "ticket", t->ticket);
  json_object_set_string_member(o, "state", wt_consult_state_name(state));
  json_object_set_string_member(o, "topic", t->topic);
  json_object_set_string_member(o, "reason", reason);
  g_autofree char *sub = g_strdup(t->sub);
  g_autofree char *room = g_strdup(t->room);
  /* Out of the queue before the room closes, so its room-closed event finds nothing. */
  wt_consult_queue_remove(c->queue, t);
  if (room)
    c->s->room_close(c->host, room, reason);
  c->s->notify(c->host, sub, "queue", o);
  consult_publish(c);
}

void
consult_requeue(Consult *c, WtConsultTicket *t, const char *reason)
{
  g_autofree char *room = g_strdup(t->room);
  g_message("consult: ticket %" G_GINT64_FORMAT " of %s back in the queue (%s)", t->ticket, t->sub,
            reason);
  t->state = WT_CONSULT_WAITING;
  t->taken_ms = t->started_ms = 0;
  t->called_at_us = t->staff_away_since_us = 0;
  wt_consult_ticket_set_call(t, NULL, NULL);
  consult_save(c, t);
  if (room)
    c->s->room_close(c->host, room, reason);
}

/* ---- Requests ------------------------------------------------------------------------ */

static gboolean
is_staff(const WtIdentity *who)
{
  return who->role == WT_ROLE_STAFF || who->role == WT_ROLE_ADMIN;
}

static void
do_join(Consult *c, WtModuleRequest *req, const WtIdentity *who)
{
  JsonObject *body = c->s->request_body(req);
  const char *topic = wt_module_json_string(body, "topic", NULL);
  g_autofree char *clean = topic ? g_strstrip(g_strdup(topic)) : NULL;
  if (!clean || !*clean || g_utf8_strlen(clean, -1) > TOPIC_MAX_CHARS) {
    c->s->reply_error(c->host, req, "bad-message", "`topic` must be text of 1 to 100 characters");
    return;
  }
  WtConsultTicket *t = wt_consult_queue_find_sub(c->queue, who->sub);
  if (!t) {
    t = wt_consult_ticket_new(0, who->sub, clean, c->s->now_ms(c->host));
    g_autoptr(GError) error = NULL;
    if (!wt_consult_store_insert(c->host, c->s, t, &error)) {
      wt_consult_ticket_free(t);
      c->s->reply_error(c->host, req, "internal", error->message);
      return;
    }
    wt_consult_queue_add(c->queue, t);
    g_message("consult: %s joined the queue, ticket %" G_GINT64_FORMAT, who->sub, t->ticket);
    consult_publish(c);
  }
  c->s->reply(c->host, req, ticket_json(c, t, FALSE));
}

static void
do_leave(Consult *c, WtModuleRequest *req, const WtIdentity *who)
{
  WtConsultTicket *t = wt_consult_queue_find_sub(c->queue, who->sub);
  if (!t) {
    c->s->reply_error(c->host, req, "not-found", "you are not in the queue");
    return;
  }
  consult_finish(c, t, WT_CONSULT_LEFT, "the applicant left");
  c->s->reply(c->host, req, NULL);
}

static void
do_status(Consult *c, WtModuleRequest *req, const WtIdentity *who)
{
  WtConsultTicket *t = wt_consult_queue_find_sub(c->queue, who->sub);
  if (!t) {
    JsonObject *o = json_object_new();
    json_object_set_string_member(o, "state", "none");
    json_object_set_int_member(o, "waiting", wt_consult_queue_waiting(c->queue));
    c->s->reply(c->host, req, o);
    return;
  }
  c->s->reply(c->host, req, ticket_json(c, t, FALSE));
}

/* The ticket a staff request names with `ticket`, or NULL after answering. */
static WtConsultTicket *
named_ticket(Consult *c, WtModuleRequest *req, gboolean *named)
{
  JsonObject *body = c->s->request_body(req);
  JsonNode *node = json_object_get_member(body, "ticket");
  *named = node != NULL;
  if (!node)
    return NULL;
  if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_INT64) {
    c->s->reply_error(c->host, req, "bad-message", "`ticket` must be a ticket number");
    return NULL;
  }
  WtConsultTicket *t = wt_consult_queue_find_ticket(c->queue, json_node_get_int(node));
  if (!t)
    c->s->reply_error(c->host, req, "not-found", "no such ticket in the queue");
  return t;
}

static void
do_take(Consult *c, WtModuleRequest *req, const WtIdentity *who)
{
  gboolean named = FALSE;
  WtConsultTicket *t = named_ticket(c, req, &named);
  if (named && !t)
    return;
  if (!named && !(t = wt_consult_queue_next(c->queue))) {
    c->s->reply_error(c->host, req, "not-found",
                      wt_consult_queue_waiting(c->queue) ? "everyone waiting is away right now"
                                                         : "nobody is waiting");
    return;
  }
  if (t->state != WT_CONSULT_WAITING) {
    c->s->reply_error(c->host, req, "conflict", "that ticket is already taken");
    return;
  }
  g_autofree char *room = c->s->room_new_id(c->host, "consult");
  c->s->room_invite(c->host, room, t->sub);
  t->state = WT_CONSULT_CALLED;
  t->taken_ms = c->s->now_ms(c->host);
  t->called_at_us = g_get_monotonic_time();
  t->staff_away_since_us = 0;
  wt_consult_ticket_set_call(t, room, who->sub);
  consult_save(c, t);
  g_message("consult: room %s: %s takes ticket %" G_GINT64_FORMAT " of %s", room, who->sub,
            t->ticket, t->sub);
  JsonObject *r = ticket_json(c, t, TRUE);
  consult_publish(c);
  c->s->reply(c->host, req, r);
}

static void
do_end(Consult *c, WtModuleRequest *req)
{
  gboolean named = FALSE;
  WtConsultTicket *t = named_ticket(c, req, &named);
  if (!named && !t) {
    const char *room = wt_module_json_string(c->s->request_body(req), "room", NULL);
    t = room ? wt_consult_queue_find_room(c->queue, room) : NULL;
    if (!t) {
      c->s->reply_error(c->host, req, room ? "not-found" : "bad-message",
                        room ? "no consultation in that room" : "name a `ticket` or a `room`");
      return;
    }
  }
  if (!t)
    return;
  if (t->state == WT_CONSULT_WAITING) {
    c->s->reply_error(c->host, req, "conflict", "that ticket is waiting, not in a call");
    return;
  }
  consult_finish(c, t, WT_CONSULT_DONE, "staff ended the consultation");
  c->s->reply(c->host, req, NULL);
}

static void
consult_request(gpointer instance, WtModuleRequest *req, const char *action)
{
  Consult *c = instance;
  const WtIdentity *who = c->s->request_identity(req);
  static const char *const applicant_actions[] = {"join", "leave", "status", NULL};
  static const char *const staff_actions[] = {"list", "take", "end", NULL};
  if (g_strv_contains(applicant_actions, action)) {
    if (who->role != WT_ROLE_APPLICANT) {
      c->s->reply_error(c->host, req, "forbidden", "only applicants queue for a consultation");
      return;
    }
    if (g_str_equal(action, "join"))
      do_join(c, req, who);
    else if (g_str_equal(action, "leave"))
      do_leave(c, req, who);
    else
      do_status(c, req, who);
  } else if (g_strv_contains(staff_actions, action)) {
    if (!is_staff(who)) {
      c->s->reply_error(c->host, req, "forbidden", "only staff and admins serve the queue");
      return;
    }
    if (g_str_equal(action, "list"))
      c->s->reply(c->host, req, list_json(c));
    else if (g_str_equal(action, "take"))
      do_take(c, req, who);
    else
      do_end(c, req);
  } else {
    c->s->reply_error(c->host, req, "bad-message",
                      "consult knows join, leave, status, list, take and end");
  }
}

/* ---- Life ---------------------------------------------------------------------------- */

static void consult_destroy(gpointer instance);

static gpointer
consult_create(WtModuleHost *host, const WtModuleServices *s, GError **error)
{
  Consult *c = g_new0(Consult, 1);
  c->host = host;
  c->s = s;
  c->staff_online = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  gint64 handle_s = 0;
  if (!setting(c, "grace_seconds", 60, 0, 86400, &c->grace_s, error) ||
      !setting(c, "arrive_seconds", 120, 5, 86400, &c->arrive_s, error) ||
      !setting(c, "staff_grace_seconds", 30, 0, 86400, &c->staff_grace_s, error) ||
      !setting(c, "default_handle_seconds", 300, 1, 86400, &handle_s, error) ||
      !wt_consult_store_migrate(host, s, error)) {
    consult_destroy(c);
    return NULL;
  }
  c->queue = wt_consult_queue_new(handle_s * 1000);
  if (!wt_consult_store_load(host, s, c->queue, error)) {
    consult_destroy(c);
    return NULL;
  }
  consult_restore(c);
  c->timer = g_timeout_add_seconds(1, consult_tick, c);
  return c;
}

static void
consult_destroy(gpointer instance)
{
  Consult *c = instance;
  if (c->timer)
    g_source_remove(c->timer);
  wt_consult_queue_free(c->queue);
  g_hash_table_unref(c->staff_online);
  g_free(c);
}

static const WtModule consult_module = {
    .abi_version = WT_MODULE_ABI_VERSION,
    .struct_size = sizeof(WtModule),
    .name = "consult",
    .description = "video consultation queue",
    .create = consult_create,
    .destroy = consult_destroy,
    .request = consult_request,
    .event = consult_event,
};

const WtModule *wt_module_entry(void);

const WtModule *
wt_module_entry(void)
{
  return &consult_module;
}
