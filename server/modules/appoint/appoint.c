/* appoint.c — the appointments module: the table witnessd loads, its
 * settings ([module.appoint], parsed by slots.c), and the requests:
 * applicants see slots, book, list, cancel and check in online (from
 * checkin_opens_minutes before the slot); staff see who has checked in and
 * connect them into a room, then finish. Each change is an `appointment`
 * event to the applicant and to staff. A timer marks appointments whose
 * check-in closed as missed. Every time is the workflow clock
 * (services->now_ms). Documented in README.md. Main thread. */
#include <gio/gio.h>

#include "module_json.h"
#include "store.h"

#define MISSED_CHECK_SECONDS 5
#define MAX_SLOTS 400

typedef struct {
  WtModuleHost *host;
  const WtModuleServices *s;
  WtAppointConfig cfg;
  guint timer;
} Appoint;

static const char *
config_get(gpointer user_data, const char *key)
{
  Appoint *a = user_data;
  return a->s->config(a->host, key);
}

static gint64
now(Appoint *a)
{
  return a->s->now_ms(a->host);
}

/* ---- What people are told ------------------------------------------------------------ */

static JsonObject *
appointment_json(Appoint *a, const WtAppointment *ap, gboolean for_staff)
{
  JsonObject *o = json_object_new();
  json_object_set_int_member(o, "appointment", ap->appointment);
  json_object_set_string_member(o, "business", wt_appoint_type_name(ap->type));
  json_object_set_int_member(o, "start_ms", ap->start_ms);
  json_object_set_int_member(o, "end_ms", ap->end_ms);
  g_autofree char *label = wt_appoint_local_label(&a->cfg, ap->start_ms);
  json_object_set_string_member(o, "label", label);
  json_object_set_string_member(o, "state", wt_appoint_state_name(ap->state));
  json_object_set_int_member(o, "checkin_opens_ms",
                             wt_appoint_checkin_opens_ms(&a->cfg, ap->start_ms));
  json_object_set_int_member(o, "checkin_closes_ms",
                             wt_appoint_checkin_closes_ms(&a->cfg, ap->start_ms));
  if (ap->checked_in_ms)
    json_object_set_int_member(o, "checked_in_ms", ap->checked_in_ms);
  if (ap->room) /* in progress, or was: the page leaves it when the state moves on */
    json_object_set_string_member(o, "room", ap->room);
  if (for_staff) {
    json_object_set_string_member(o, "sub", ap->sub);
    g_autofree char *participant = a->s->participant_id(a->host, ap->sub);
    json_object_set_string_member(o, "participant", participant);
    json_object_set_boolean_member(o, "connected", a->s->is_connected(a->host, ap->sub));
    if (ap->staff)
      json_object_set_string_member(o, "staff", ap->staff);
  }
  return o;
}

/* Tells the applicant and every staff console about @ap's new state. */
static void
announce(Appoint *a, const WtAppointment *ap)
{
  a->s->notify(a->host, ap->sub, "appointment", appointment_json(a, ap, FALSE));
  a->s->notify_role(a->host, WT_ROLE_STAFF, "appointment", appointment_json(a, ap, TRUE));
  a->s->notify_role(a->host, WT_ROLE_ADMIN, "appointment", appointment_json(a, ap, TRUE));
}

/* Saves @ap, announces it, and answers @req with it (or the failure). */
static void
save_and_reply(Appoint *a, WtModuleRequest *req, const WtAppointment *ap, gboolean for_staff)
{
  g_autoptr(GError) error = NULL;
  if (!wt_appoint_store_update(a->host, a->s, ap, &error)) {
    a->s->reply_error(a->host, req, "internal", error->message);
    return;
  }
  g_message("appoint: appointment %" G_GINT64_FORMAT " of %s is %s", ap->appointment, ap->sub,
            wt_appoint_state_name(ap->state));
  announce(a, ap);
  a->s->reply(a->host, req, appointment_json(a, ap, for_staff));
}

/* ---- Request helpers ----------------------------------------------------------------- */

static gboolean
is_staff(const WtIdentity *who)
{
  return who->role == WT_ROLE_STAFF || who->role == WT_ROLE_ADMIN;
}

static gboolean
int_field(JsonObject *body, const char *name, gint64 *out)
{
  JsonNode *n = json_object_get_member(body, name);
  if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64)
    return FALSE;
  *out = json_node_get_int(n);
  return TRUE;
}

/* The `business` (type) of @req, or FALSE after answering. (Not "type":
 * that is the protocol's.) */
static gboolean
type_field(Appoint *a, WtModuleRequest *req, WtAppointType *out)
{
  const char *name = wt_module_json_string(a->s->request_body(req), "business", NULL);
  if (!wt_appoint_type_from_name(name, out)) {
    a->s->reply_error(a->host, req, "bad-message",
                      "`business` must be transfer, transfer-mortgage, certificate-replacement or "
                      "lost-certificate");
    return FALSE;
  }
  return TRUE;
}

/* The appointment @req names (transfer full), or NULL after answering. An
 * applicant may only name their own; staff any. */
static WtAppointment *
named(Appoint *a, WtModuleRequest *req, const WtIdentity *who)
{
  gint64 n;
  if (!int_field(a->s->request_body(req), "appointment", &n)) {
    a->s->reply_error(a->host, req, "bad-message", "`appointment` must be an appointment number");
    return NULL;
  }
  g_autoptr(GError) error = NULL;
  WtAppointment *ap = wt_appoint_store_get(a->host, a->s, n, &error);
  if (error) {
    a->s->reply_error(a->host, req, "internal", error->message);
    return NULL;
  }
  if (!ap || (!is_staff(who) && !g_str_equal(ap->sub, who->sub))) {
    wt_appointment_free(ap);
    a->s->reply_error(a->host, req, "not-found", "no such appointment of yours");
    return NULL;
  }
  return ap;
}

static void
refuse_state(Appoint *a, WtModuleRequest *req, const WtAppointment *ap, const char *doing)
{
  g_autofree char *why = g_strdup_printf("appointment %" G_GINT64_FORMAT " is %s: cannot %s",
                                         ap->appointment, wt_appoint_state_name(ap->state), doing);
  a->s->reply_error(a->host, req, "conflict", why);
}

/* ---- Requests ------------------------------------------------------------------------ */

static void
do_types(Appoint *a, WtModuleRequest *req)
{
  JsonObject *o = json_object_new();
  JsonArray *types = json_array_new();
  for (int t = 0; t < WT_APPOINT_N_TYPES; t++) {
    JsonObject *e = json_object_new();
    json_object_set_string_member(e, "business", wt_appoint_type_name((WtAppointType)t));
    json_object_set_int_member(e, "capacity", a->cfg.capacity[t]);
    json_array_add_object_element(types, e);
  }
  json_object_set_array_member(o, "businesses", types);
  json_object_set_int_member(o, "slot_minutes", a->cfg.slot_minutes);
  json_object_set_int_member(o, "checkin_opens_minutes", a->cfg.checkin_opens_minutes);
  json_object_set_int_member(o, "checkin_closes_minutes", a->cfg.checkin_closes_minutes);
  json_object_set_int_member(o, "now_ms", now(a));
  a->s->reply(a->host, req, o);
}

static void
do_slots(Appoint *a, WtModuleRequest *req)
{
  WtAppointType type;
  if (!type_field(a, req, &type))
    return;
  gint64 t = now(a);
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) counts = wt_appoint_store_counts(a->host, a->s, type, t, &error);
  if (!counts) {
    a->s->reply_error(a->host, req, "internal", error->message);
    return;
  }
  g_autoptr(GArray) starts = wt_appoint_slots(&a->cfg, type, t);
  JsonArray *slots = json_array_new();
  for (guint i = 0; i < starts->len && i < MAX_SLOTS; i++) {
    gint64 start = g_array_index(starts, gint64, i);
    gint64 *booked = g_hash_table_lookup(counts, &start);
    JsonObject *e = json_object_new();
    json_object_set_int_member(e, "start_ms", start);
    json_object_set_int_member(e, "end_ms", start + a->cfg.slot_minutes * G_GINT64_CONSTANT(60000));
    g_autofree char *label = wt_appoint_local_label(&a->cfg, start);
    json_object_set_string_member(e, "label", label);
    json_object_set_int_member(e, "capacity", a->cfg.capacity[type]);
    json_object_set_int_member(e, "free", MAX(0, a->cfg.capacity[type] - (booked ? *booked : 0)));
    json_array_add_object_element(slots, e);
  }
  JsonObject *o = json_object_new();
  json_object_set_string_member(o, "business", wt_appoint_type_name(type));
  json_object_set_array_member(o, "slots", slots);
  a->s->reply(a->host, req, o);
}

static void
do_book(Appoint *a, WtModuleRequest *req, const WtIdentity *who)
{
  WtAppointType type;
  if (!type_field(a, req, &type))
    return;
  gint64 start;
  if (!int_field(a->s->request_body(req), "start_ms", &start)) {
    a->s->reply_error(a->host, req, "bad-message", "`start_ms` must be a slot's start time");
    return;
  }
  gint64 t = now(a);
  if (a->cfg.capacity[type] == 0) {
    a->s->reply_error(a->host, req, "unavailable", "this business type takes no appointments");
    return;
  }
  switch (wt_appoint_offer_at(&a->cfg, start, t)) {
  case WT_APPOINT_NOT_A_SLOT:
    a->s->reply_error(a->host, req, "not-found", "no slot starts at that time");
    return;
  case WT_APPOINT_STARTED:
    a->s->reply_error(a->host, req, "too-late", "that slot has started already");
    return;
  case WT_APPOINT_TOO_FAR_AHEAD: {
    g_autofree char *why =
        g_strdup_printf("slots are booked at most %d days ahead", a->cfg.days_ahead);
    a->s->reply_error(a->host, req, "too-early", why);
    return;
  }
  case WT_APPOINT_OFFERED:
    break;
  }
  g_autoptr(WtAppointment) ap = g_new0(WtAppointment, 1);
  ap->sub = g_strdup(who->sub);
  ap->type = type;
  ap->start_ms = start;
  ap->end_ms = start + a->cfg.slot_minutes * G_GINT64_CONSTANT(60000);
  g_autoptr(GError) error = NULL;
  if (!wt_appoint_store_book(a->host, a->s, ap, a->cfg.capacity[type], t, &error)) {
    const char *code = g_error_matches(error, G_IO_ERROR, WT_APPOINT_ERROR_FULL)    ? "full"
                       : g_error_matches(error, G_IO_ERROR, WT_APPOINT_ERROR_TWICE) ? "conflict"
                                                                                    : "internal";
    a->s->reply_error(a->host, req, code, error->message);
    return;
  }
  g_message("appoint: %s booked appointment %" G_GINT64_FORMAT " (%s)", who->sub, ap->appointment,
            wt_appoint_type_name(type));
  announce(a, ap);
  a->s->reply(a->host, req, appointment_json(a, ap, FALSE));
}

static void
do_list(Appoint *a, WtModuleRequest *req, const WtIdentity *who)
{
  g_autoptr(GError) error = NULL;
  gboolean staff = is_staff(who);
  g_autoptr(GPtrArray) rows = wt_appoint_store_list(a->host, a->s, staff ? NULL : who->sub, &error);
  if (!rows) {
    a->s->reply_error(a->host, req, "internal", error->message);
    return;
  }
  JsonArray *list = json_array_new();
  for (guint i = 0; i < rows->len; i++)
    json_array_add_object_element(list, appointment_json(a, g_ptr_array_index(rows, i), staff));
  JsonObject *o = json_object_new();
  json_object_set_array_member(o, "appointments", list);
  json_object_set_int_member(o, "now_ms", now(a));
  a->s->reply(a->host, req, o);
}

static void
do_cancel(Appoint *a, WtModuleRequest *req, const WtIdentity *who)
{
  g_autoptr(WtAppointment) ap = named(a, req, who);
  if (!ap)
    return;
  if (ap->state != WT_APPOINT_BOOKED && ap->state != WT_APPOINT_CHECKED_IN) {
    refuse_state(a, req, ap, "cancel it");
    return;
  }
  ap->state = WT_APPOINT_CANCELLED;
  save_and_reply(a, req, ap, is_staff(who));
}

static void
do_checkin(Appoint *a, WtModuleRequest *req, const WtIdentity *who)
{
  g_autoptr(WtAppointment) ap = named(a, req, who);
  if (!ap)
    return;
  if (ap->state == WT_APPOINT_CHECKED_IN || ap->state == WT_APPOINT_IN_PROGRESS) {
    a->s->reply(a->host, req, appointment_json(a, ap, FALSE)); /* again: no change */
    return;
  }
  if (ap->state != WT_APPOINT_BOOKED) {
    refuse_state(a, req, ap, "check in");
    return;
  }
  gint64 t = now(a);
  switch (wt_appoint_checkin_at(&a->cfg, ap->start_ms, t)) {
  case WT_APPOINT_CHECKIN_TOO_EARLY: {
    g_autofree char *opens =
        wt_appoint_local_label(&a->cfg, wt_appoint_checkin_opens_ms(&a->cfg, ap->start_ms));
    g_autofree char *why =
        g_strdup_printf("check-in opens at %s, %d minutes before the appointment", opens,
                        a->cfg.checkin_opens_minutes);
    a->s->reply_error(a->host, req, "too-early", why);
    return;
  }
  case WT_APPOINT_CHECKIN_CLOSED: {
    g_autofree char *closed =
        wt_appoint_local_label(&a->cfg, wt_appoint_checkin_closes_ms(&a->cfg, ap->start_ms));
    g_autofree char *why = g_strdup_printf("check-in closed at %s", closed);
    a->s->reply_error(a->host, req, "too-late", why);
    return;
  }
  case WT_APPOINT_CHECKIN_OPEN:
    break;
  }
  ap->state = WT_APPOINT_CHECKED_IN;
  ap->checked_in_ms = t;
  save_and_reply(a, req, ap, FALSE);
}

static void
do_connect(Appoint *a, WtModuleRequest *req, const WtIdentity *who)
{
  g_autoptr(WtAppointment) ap = named(a, req, who);
  if (!ap)
    return;
  if (ap->state != WT_APPOINT_CHECKED_IN && ap->state != WT_APPOINT_IN_PROGRESS) {
    refuse_state(a, req, ap, "connect it (the applicant must check in first)");
    return;
  }
  if (ap->state == WT_APPOINT_CHECKED_IN || !ap->room) {
    g_free(ap->room);
    ap->room = a->s->room_new_id(a->host, "appoint");
  }
  /* Again on an appointment in progress: the same room, invited anew. */
  a->s->room_invite(a->host, ap->room, ap->sub);
  ap->state = WT_APPOINT_IN_PROGRESS;
  g_free(ap->staff);
  ap->staff = g_strdup(who->sub);
  g_message("appoint: room %s: %s connects appointment %" G_GINT64_FORMAT " of %s", ap->room,
            who->sub, ap->appointment, ap->sub);
  save_and_reply(a, req, ap, TRUE);
}

static void
do_finish(Appoint *a, WtModuleRequest *req, const WtIdentity *who)
{
  g_autoptr(WtAppointment) ap = named(a, req, who);
  if (!ap)
    return;
  if (ap->state != WT_APPOINT_IN_PROGRESS) {
    refuse_state(a, req, ap, "finish it");
    return;
  }
  ap->state = WT_APPOINT_DONE;
  g_autofree char *room = g_strdup(ap->room);
  save_and_reply(a, req, ap, TRUE);
  if (room)
    a->s->room_close(a->host, room, "the appointment is finished");
}

static void
appoint_request(gpointer instance, WtModuleRequest *req, const char *action)
{
  Appoint *a = instance;
  const WtIdentity *who = a->s->request_identity(req);
  gboolean staff = is_staff(who);
  gboolean applicant = who->role == WT_ROLE_APPLICANT;
  if (g_str_equal(action, "types") || g_str_equal(action, "slots")) {
    if (!staff && !applicant)
      a->s->reply_error(a->host, req, "forbidden", "applicants and staff only");
    else if (g_str_equal(action, "types"))
      do_types(a, req);
    else
      do_slots(a, req);
  } else if (g_str_equal(action, "book") || g_str_equal(action, "checkin")) {
    if (!applicant)
      a->s->reply_error(a->host, req, "forbidden", "only applicants book and check in");
    else if (g_str_equal(action, "book"))
      do_book(a, req, who);
    else
      do_checkin(a, req, who);
  } else if (g_str_equal(action, "list") || g_str_equal(action, "cancel")) {
    if (!staff && !applicant)
      a->s->reply_error(a->host, req, "forbidden", "applicants and staff only");
    else if (g_str_equal(action, "list"))
      do_list(a, req, who);
    else
      do_cancel(a, req, who);
  } else if (g_str_equal(action, "connect") || g_str_equal(action, "finish")) {
    if (!staff)
      a->s->reply_error(a->host, req, "forbidden", "only staff and admins connect appointments");
    else if (g_str_equal(action, "connect"))
      do_connect(a, req, who);
    else
      do_finish(a, req, who);
  } else {
    a->s->reply_error(a->host, req, "bad-message",
                      "appoint knows types, slots, book, list, cancel, checkin, connect and "
                      "finish");
  }
}

/* ---- Missed check-ins ------------------------------------------------------------------ */

static gboolean
mark_missed(gpointer instance)
{
  Appoint *a = instance;
  gint64 before = now(a) - a->cfg.checkin_closes_minutes * G_GINT64_CONSTANT(60000);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = wt_appoint_store_overdue(a->host, a->s, before, &error);
  if (!rows) {
    g_warning("appoint: cannot look for missed appointments: %s", error->message);
    return G_SOURCE_CONTINUE;
  }
  for (guint i = 0; i < rows->len; i++) {
    WtAppointment *ap = g_ptr_array_index(rows, i);
    ap->state = WT_APPOINT_MISSED;
    g_clear_error(&error);
    if (!wt_appoint_store_update(a->host, a->s, ap, &error)) {
      g_warning("appoint: appointment %" G_GINT64_FORMAT ": %s", ap->appointment, error->message);
      continue;
    }
    g_message("appoint: appointment %" G_GINT64_FORMAT " of %s missed its check-in",
              ap->appointment, ap->sub);
    announce(a, ap);
  }
  return G_SOURCE_CONTINUE;
}

/* ---- Life ---------------------------------------------------------------------------- */

static gpointer
appoint_create(WtModuleHost *host, const WtModuleServices *s, GError **error)
{
  Appoint *a = g_new0(Appoint, 1);
  a->host = host;
  a->s = s;
  if (!wt_appoint_config_parse(&a->cfg, config_get, a, error) ||
      !wt_appoint_store_migrate(host, s, error)) {
    g_free(a);
    return NULL;
  }
  a->timer = g_timeout_add_seconds(MISSED_CHECK_SECONDS, mark_missed, a);
  return a;
}

static void
appoint_destroy(gpointer instance)
{
  Appoint *a = instance;
  if (a->timer)
    g_source_remove(a->timer);
  g_free(a);
}

static const WtModule appoint_module = {
    .abi_version = WT_MODULE_ABI_VERSION,
    .struct_size = sizeof(WtModule),
    .name = "appoint",
    .description = "appointments by business type, with online check-in",
    .create = appoint_create,
    .destroy = appoint_destroy,
    .request = appoint_request,
    .event = NULL,
};

const WtModule *wt_module_entry(void);

const WtModule *
wt_module_entry(void)
{
  return &appoint_module;
}
