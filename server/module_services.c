/* module_services.c — what the host offers modules (WtModuleServices in
 * module.h): configuration, the workflow clock, the database, answering
 * requests, notifying people, steering rooms, and the evidence helpers.
 * Each function is a thin, checked step into the engine. Main thread. */
#include <gio/gio.h>
#include <string.h>

#include "module_host_private.h"
#include "protocol.h"
#include "request.h"
#include "signed_url.h"

/* ---- Configuration, clock, database --------------------------------------------------- */

static const char *
svc_config(WtModuleHost *h, const char *key)
{
  return wt_config_module_setting(h->modules->env.config, h->name, key);
}

static gint64
svc_now_ms(WtModuleHost *h)
{
  return g_get_real_time() / 1000 + h->modules->clock_offset_ms;
}

static gboolean
svc_db_migrate(WtModuleHost *h, const char *const *steps, guint n_steps, GError **error)
{
  return wt_db_migrate(h->modules->env.db, h->name, steps, n_steps, error);
}

static gboolean
svc_db_transaction(WtModuleHost *h, WtModuleDbFunc func, gpointer user_data, GError **error)
{
  return wt_db_transaction(h->modules->env.db, (WtDbFunc)func, user_data, error);
}

/* ---- Requests ----------------------------------------------------------------------------------
 */

/* A WtModuleRequest is the signaling layer's WtRequest under another name. */
static const WtIdentity *
svc_request_identity(WtModuleRequest *req)
{
  return wt_request_get_identity((WtRequest *)req);
}

static guint64
svc_request_session(WtModuleRequest *req)
{
  return wt_request_get_session((WtRequest *)req);
}

static JsonObject *
svc_request_body(WtModuleRequest *req)
{
  return wt_request_get_body((WtRequest *)req);
}

/* After the signaling layer is gone (wt_modules_free()), answers are dropped. */
static void
svc_reply(WtModuleHost *h, WtModuleRequest *req, JsonObject *result)
{
  if (h->modules->env.signaling) {
    wt_signaling_reply(h->modules->env.signaling, (WtRequest *)req, result);
  } else {
    if (result)
      json_object_unref(result);
    wt_request_free((WtRequest *)req);
  }
}

static void
svc_reply_error(WtModuleHost *h, WtModuleRequest *req, const char *code, const char *reason)
{
  if (h->modules->env.signaling)
    wt_signaling_reply_error(h->modules->env.signaling, (WtRequest *)req, code, reason);
  else
    wt_request_free((WtRequest *)req);
}

/* ---- People ---------------------------------------------------------------------------------- */

static char *
svc_participant_id(WtModuleHost *h, const char *sub)
{
  return wt_signaling_participant_id(h->modules->env.signaling, sub);
}

/* @fields (transfer full, may be NULL) with the module's name: what notify() sends. */
static JsonObject *
event_fields(WtModuleHost *h, JsonObject *fields)
{
  JsonObject *f = fields ? fields : json_object_new();
  json_object_set_string_member(f, "module", h->name);
  return f;
}

static void
send_event(WtModuleHost *h, guint64 session, const char *event, JsonObject *f)
{
  wt_signaling_send_event(h->modules->env.signaling, session,
                          wt_protocol_event(event, json_object_ref(f)));
}

/* Every connection of @sub, found through the index rather than by going through them all. */
static guint
svc_notify(WtModuleHost *h, const char *sub, const char *event, JsonObject *fields)
{
  g_autoptr(JsonObject) f = event_fields(h, fields);
  GArray *same = sub ? g_hash_table_lookup(h->modules->sessions_by_sub, sub) : NULL;
  if (!h->modules->env.signaling || !same)
    return 0;
  for (guint i = 0; i < same->len; i++)
    send_event(h, g_array_index(same, guint64, i), event, f);
  return same->len;
}

/* Every connection of @role that has sent this module a request. */
static guint
svc_notify_role(WtModuleHost *h, WtRole role, const char *event, JsonObject *fields)
{
  g_autoptr(JsonObject) f = event_fields(h, fields);
  if (!h->modules->env.signaling)
    return 0;
  guint sent = 0;
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init(&it, h->modules->sessions);
  while (g_hash_table_iter_next(&it, &key, &value)) {
    const ModuleSession *s = value;
    if (s->role == role && g_hash_table_contains(s->talked_to, h)) {
      send_event(h, *(guint64 *)key, event, f);
      sent++;
    }
  }
  return sent;
}

static gboolean
svc_is_connected(WtModuleHost *h, const char *sub)
{
  return sub && g_hash_table_contains(h->modules->sessions_by_sub, sub);
}

/* ---- Rooms ---------------------------------------------------------------------------------- */

static char *
svc_room_new_id(WtModuleHost *h, const char *prefix)
{
  gsize n = prefix ? strlen(prefix) : 0;
  if (n < 1 || n > 16 || strspn(prefix, "abcdefghijklmnopqrstuvwxyz0123456789") != n) {
    g_warning("module %s: room prefix \"%s\" is not 1 to 16 of a-z 0-9; using \"room\"", h->name,
              prefix ? prefix : "");
    prefix = "room";
  }
  for (;;) {
    char *id = g_strdup_printf("%s-%08x%04x", prefix, g_random_int(), g_random_int() & 0xffff);
    if (!h->modules->env.rooms || !wt_rooms_known(h->modules->env.rooms, id))
      return id;
    g_free(id);
  }
}

static void
svc_room_invite(WtModuleHost *h, const char *room, const char *sub)
{
  g_message("module %s: invites %s to room %s", h->name, sub, room);
  if (h->modules->env.rooms)
    wt_rooms_invite(h->modules->env.rooms, room, sub);
}

static void
svc_room_close(WtModuleHost *h, const char *room, const char *reason)
{
  g_message("module %s: closes room %s (%s)", h->name, room, reason);
  if (h->modules->env.rooms)
    wt_rooms_close(h->modules->env.rooms, room, reason);
}

/* A room operation refused because the server is stopping, answered from an
 * idle so that the module is never called back from inside its own call. */
typedef struct {
  WtModuleDone done;
  gpointer user_data;
} Refusal;

static gboolean
refuse_later(gpointer data)
{
  Refusal *r = data;
  g_autoptr(GError) error =
      g_error_new_literal(G_IO_ERROR, G_IO_ERROR_CANCELLED, "the server is stopping");
  r->done(NULL, error, r->user_data);
  g_free(r);
  return G_SOURCE_REMOVE;
}

static void
command(WtModuleHost *h, const char *room, JsonObject *cmd, WtModuleDone done, gpointer user_data)
{
  if (!h->modules->env.rooms) {
    json_object_unref(cmd);
    Refusal *r = g_new0(Refusal, 1);
    r->done = done;
    r->user_data = user_data;
    g_idle_add(refuse_later, r);
    return;
  }
  wt_rooms_command(h->modules->env.rooms, room, cmd, (WtRoomsDone)done, user_data);
}

static void
svc_room_status(WtModuleHost *h, const char *room, WtModuleDone done, gpointer user_data)
{
  JsonObject *cmd = json_object_new();
  json_object_set_string_member(cmd, "command", "status");
  command(h, room, cmd, done, user_data);
}

static void
svc_room_record(WtModuleHost *h, const char *room, gboolean start, WtModuleDone done,
                gpointer user_data)
{
  g_message("module %s: %s recording room %s", h->name, start ? "starts" : "stops", room);
  JsonObject *cmd = json_object_new();
  json_object_set_string_member(cmd, "command", "record");
  json_object_set_string_member(cmd, "action", start ? "start" : "stop");
  command(h, room, cmd, done, user_data);
}

static void
svc_room_check_liveness(WtModuleHost *h, const char *room, const char *sub, WtModuleDone done,
                        gpointer user_data)
{
  JsonObject *cmd = json_object_new();
  json_object_set_string_member(cmd, "command", "liveness");
  json_object_set_string_member(cmd, "sub", sub);
  command(h, room, cmd, done, user_data);
}

static void
svc_room_add_evidence(WtModuleHost *h, const char *room, const char *type, JsonObject *payload,
                      WtModuleDone done, gpointer user_data)
{
  /* A copy, so the module's object is never shared with the worker. */
  g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), payload);
  g_autofree char *text = json_to_string(node, FALSE);
  g_autoptr(JsonNode) parsed = json_from_string(text, NULL);
  JsonObject *p = json_node_dup_object(parsed);
  json_object_set_string_member(p, "module", h->name);
  JsonObject *cmd = json_object_new();
  json_object_set_string_member(cmd, "command", "evidence");
  json_object_set_string_member(cmd, "type", type);
  json_object_set_object_member(cmd, "payload", p);
  command(h, room, cmd, done, user_data);
}

/* ---- Evidence and archive ------------------------------------------------------------------ */

char *
wt_module_normalise_id_number(const char *text)
{
  if (!text || !g_utf8_validate(text, -1, NULL))
    return NULL;
  GString *out = g_string_new(NULL);
  for (const char *c = text; *c; c = g_utf8_next_char(c)) {
    gunichar u = g_utf8_get_char(c);
    if (u >= 0xFF10 && u <= 0xFF19) /* full-width digits */
      u = '0' + (u - 0xFF10);
    else if (u >= 0xFF21 && u <= 0xFF3A) /* full-width capitals */
      u = 'A' + (u - 0xFF21);
    else if (u >= 0xFF41 && u <= 0xFF5A) /* full-width small letters */
      u = 'a' + (u - 0xFF41);
    if (g_unichar_isspace(u)) /* spaces anywhere, ideographic too: "110105 19491231 002X" */
      continue;
    g_string_append_unichar(out, u);
  }
  if (out->len > 0 && out->str[out->len - 1] == 'x')
    out->str[out->len - 1] = 'X';
  gboolean ok = out->len >= 4 && out->len <= 32;
  for (gsize i = 0; ok && i < out->len; i++)
    ok = g_ascii_isalnum(out->str[i]);
  if (!ok) {
    g_string_free(out, TRUE);
    return NULL;
  }
  return g_string_free(out, FALSE);
}

static char *
svc_id_number_hash(WtModuleHost *h, const char *id_number, GError **error)
{
  g_autofree char *normal = wt_module_normalise_id_number(id_number);
  if (!normal) {
    g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        "an ID number is 4 to 32 letters and digits");
    return NULL;
  }
  gsize key_len = 0;
  const guint8 *key = g_bytes_get_data(h->modules->env.id_hash_key, &key_len);
  return g_compute_hmac_for_string(G_CHECKSUM_SHA256, key, key_len, normal, -1);
}

static char *
svc_id_number_normalise(WtModuleHost *h, const char *id_number)
{
  return wt_module_normalise_id_number(id_number);
}

static const char *
svc_archive_dir(WtModuleHost *h)
{
  return h->modules->archive_dir;
}

gboolean
wt_module_recording_id_ok(const char *id, GError **error)
{
  gsize n = id ? strlen(id) : 0;
  gboolean ok = n >= 1 && n <= 128 && id[0] != '.';
  for (gsize i = 0; ok && i < n; i++)
    ok = g_ascii_isalnum(id[i]) || id[i] == '-' || id[i] == '_' || id[i] == '.';
  if (!ok)
    g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                        "a recording id is 1 to 128 of A-Z a-z 0-9 - _ .");
  return ok;
}

static JsonObject *
svc_recording_lookup(WtModuleHost *h, const char *id, GError **error)
{
  if (!wt_module_recording_id_ok(id, error) || !h->modules->env.notary)
    return NULL;
  return wt_notary_lookup(h->modules->env.notary, id, error);
}

static char *
svc_signed_url(WtModuleHost *h, const char *path, guint ttl_s)
{
  GBytes *key = h->modules->env.media_key;
  char *url = key ? wt_signed_url_make(g_bytes_get_data(key, NULL), g_bytes_get_size(key),
                                       h->modules->env.config->data_dir, path, ttl_s,
                                       g_get_real_time() / G_USEC_PER_SEC)
                  : NULL;
  if (!url)
    g_warning("module %s: no media URL for %s (not a file we serve in the data folder)", h->name,
              path);
  return url;
}

/* ---- Administration -----------------------------------------------------------------------------
 */

static JsonArray *
svc_rooms_list(WtModuleHost *h)
{
  return h->modules->env.rooms ? wt_rooms_list(h->modules->env.rooms) : json_array_new();
}

static JsonArray *
svc_outbox_pending(WtModuleHost *h, GError **error)
{
  if (!h->modules->env.notary)
    return json_array_new();
  return wt_notary_list_waiting(h->modules->env.notary, error);
}

const WtModuleServices wt_module_services = {
    .abi_version = WT_MODULE_ABI_VERSION,
    .struct_size = sizeof(WtModuleServices),
    .config = svc_config,
    .now_ms = svc_now_ms,
    .db_migrate = svc_db_migrate,
    .db_transaction = svc_db_transaction,
    .request_identity = svc_request_identity,
    .request_session = svc_request_session,
    .request_body = svc_request_body,
    .reply = svc_reply,
    .reply_error = svc_reply_error,
    .participant_id = svc_participant_id,
    .notify = svc_notify,
    .notify_role = svc_notify_role,
    .is_connected = svc_is_connected,
    .room_new_id = svc_room_new_id,
    .room_invite = svc_room_invite,
    .room_close = svc_room_close,
    .room_status = svc_room_status,
    .room_record = svc_room_record,
    .room_check_liveness = svc_room_check_liveness,
    .room_add_evidence = svc_room_add_evidence,
    .id_number_hash = svc_id_number_hash,
    .archive_dir = svc_archive_dir,
    .recording_lookup = svc_recording_lookup,
    .signed_url = svc_signed_url,
    .recording_verify = wt_module_svc_recording_verify,
    .rooms_list = svc_rooms_list,
    .outbox_pending = svc_outbox_pending,
    .export_recording = wt_module_svc_export_recording,
    .id_number_normalise = svc_id_number_normalise,
    .recording_verify_async = wt_module_svc_recording_verify_async,
};
