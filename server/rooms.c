/* rooms.c — admission and bookkeeping on the main thread; the rooms' own work
 * is posted to their workers as RoomOps. The rooms side of the module
 * interface (invitations, closing a room, commands, the observer) is here too:
 * a command is a RoomOp whose answer comes back to the main thread as a
 * message, like every event the observer gets. */
#include "rooms.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "recorder.h"
#include "recovery.h"
#include "room.h"
#include "rooms_private.h"

/* How long shutdown waits for rooms to close before it gives up freeing. */
#define WAIT_FOR_ROOMS_S 30

typedef enum { OP_JOIN, OP_REQUEST, OP_LEAVE, OP_KICK, OP_DESTROY, OP_COMMAND } OpKind;

typedef struct {
  OpKind kind;
  WtRooms *rooms;
  WtRoom *room;
  WtRequest *req; /* may be NULL */
  guint64 session;
  char *reason;
  /* OP_COMMAND */
  JsonObject *command; /* NULL once run */
  WtRoomsDone done;
  gpointer done_data;
  GMainContext *main_context;
  /* OP_DESTROY: the room's id, for `room-closed` */
  char *room_id;
} RoomOp;

static ObserverLink *
link_ref(ObserverLink *link)
{
  g_atomic_int_inc(&link->refs);
  return link;
}

static void
link_unref(ObserverLink *link)
{
  if (g_atomic_int_dec_and_test(&link->refs))
    g_free(link);
}

/* An observed event on its way to the main thread. */
typedef struct {
  ObserverLink *link;
  char *event;
  JsonObject *fields;
} EventMessage;

static gboolean
deliver_event(gpointer data)
{
  EventMessage *m = data;
  if (m->link->observer)
    m->link->observer(m->event, m->fields, m->link->user_data);
  return G_SOURCE_REMOVE;
}

static void
event_message_free(gpointer data)
{
  EventMessage *m = data;
  link_unref(m->link);
  g_free(m->event);
  json_object_unref(m->fields);
  g_free(m);
}

/* env->observe: on a worker; @fields transfer full. */
static void
observe_from_worker(const char *event, JsonObject *fields, gpointer user_data)
{
  WtRooms *rooms = user_data;
  EventMessage *m = g_new0(EventMessage, 1);
  m->link = link_ref(rooms->link);
  m->event = g_strdup(event);
  m->fields = fields;
  g_main_context_invoke_full(rooms->env.main_context, G_PRIORITY_DEFAULT, deliver_event, m,
                             event_message_free);
}

/* A command's answer on its way to the main thread. */
typedef struct {
  WtRoomsDone done;
  gpointer user_data;
  JsonObject *result;
  GError *error;
} CommandReply;

static gboolean
deliver_reply(gpointer data)
{
  CommandReply *r = data;
  r->done(r->result, r->error, r->user_data);
  return G_SOURCE_REMOVE;
}

static void
command_reply_free(gpointer data)
{
  CommandReply *r = data;
  if (r->result)
    json_object_unref(r->result);
  g_clear_error(&r->error);
  g_free(r);
}

/* Answers a command on @context's thread, always later (never from inside
 * the caller's own call): @result and @error transfer full. Any thread. */
static void
reply_later(GMainContext *context, WtRoomsDone done, gpointer user_data, JsonObject *result,
            GError *error)
{
  CommandReply *r = g_new0(CommandReply, 1);
  r->done = done;
  r->user_data = user_data;
  r->result = result;
  r->error = error;
  GSource *source = g_idle_source_new();
  g_source_set_priority(source, G_PRIORITY_DEFAULT);
  g_source_set_callback(source, deliver_reply, r, command_reply_free);
  g_source_attach(source, context);
  g_source_unref(source);
}

static gboolean
run_op(gpointer data)
{
  RoomOp *op = data;
  switch (op->kind) {
  case OP_JOIN:
    wt_room_join(op->room, g_steal_pointer(&op->req));
    break;
  case OP_REQUEST:
    wt_room_handle(op->room, g_steal_pointer(&op->req));
    break;
  case OP_LEAVE:
    wt_room_leave(op->room, op->session, op->reason);
    if (op->req)
      wt_signaling_reply(op->rooms->env.signaling, g_steal_pointer(&op->req), NULL);
    break;
  case OP_KICK:
    wt_room_kick(op->room, op->session, op->reason);
    break;
  case OP_COMMAND: {
    GError *error = NULL;
    g_autoptr(JsonObject) command = g_steal_pointer(&op->command);
    JsonObject *result = wt_room_command(op->room, command, &error);
    reply_later(op->main_context, op->done, op->done_data, result, error);
    break;
  }
  case OP_DESTROY:
    wt_room_free(op->room);
    if (op->room_id && op->rooms->env.observe) {
      JsonObject *fields = json_object_new();
      json_object_set_string_member(fields, "room", op->room_id);
      op->rooms->env.observe("room-closed", fields, op->rooms->env.user_data);
    }
    g_mutex_lock(&op->rooms->lock);
    op->rooms->rooms_alive--;
    g_cond_signal(&op->rooms->cond);
    g_mutex_unlock(&op->rooms->lock);
    break;
  }
  return G_SOURCE_REMOVE;
}

static void
op_free(gpointer data)
{
  RoomOp *op = data;
  if (op->req) /* never ran: the worker stopped first */
    wt_signaling_reply_error(op->rooms->env.signaling, op->req, WT_ERR_INTERNAL,
                             "the server is stopping");
  if (op->command) { /* the same */
    json_object_unref(op->command);
    reply_later(op->main_context, op->done, op->done_data, NULL,
                g_error_new_literal(G_IO_ERROR, G_IO_ERROR_CANCELLED, "the server is stopping"));
  }
  g_free(op->room_id);
  g_free(op->reason);
  g_free(op);
}

static RoomOp *
op_new(WtRooms *rooms, RoomEntry *entry, OpKind kind, WtRequest *req, guint64 session,
       const char *reason)
{
  RoomOp *op = g_new0(RoomOp, 1);
  op->kind = kind;
  op->rooms = rooms;
  op->room = entry->room;
  op->req = req;
  op->session = session;
  op->reason = g_strdup(reason);
  return op;
}

static void
post(WtRooms *rooms, RoomEntry *entry, OpKind kind, WtRequest *req, guint64 session,
     const char *reason)
{
  wt_worker_invoke(entry->worker, run_op, op_new(rooms, entry, kind, req, session, reason),
                   op_free);
}

static void
room_entry_free(gpointer data)
{
  RoomEntry *entry = data;
  g_hash_table_unref(entry->members);
  g_free(entry->id);
  g_free(entry);
}

static void
session_entry_free(gpointer data)
{
  SessionEntry *se = data;
  g_free(se->room);
  g_free(se->sub);
  g_free(se);
}

static RoomEntry *
create_room(WtRooms *rooms, const char *id)
{
  RoomEntry *entry = g_new0(RoomEntry, 1);
  entry->id = g_strdup(id);
  entry->worker = wt_worker_pool_pick_least_loaded(rooms->pool);
  wt_worker_add_load(entry->worker, 1);
  entry->room = wt_room_new(id, entry->worker, &rooms->env);
  entry->members = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert(rooms->rooms, entry->id, entry);
  g_mutex_lock(&rooms->lock);
  rooms->rooms_alive++;
  g_mutex_unlock(&rooms->lock);
  g_message("room %s: created on worker %u", id, wt_worker_get_index(entry->worker));
  return entry;
}

static void
destroy_room_if_empty(WtRooms *rooms, RoomEntry *entry)
{
  if (g_hash_table_size(entry->members) > 0)
    return;
  g_message("room %s: empty; closing", entry->id);
  RoomOp *op = op_new(rooms, entry, OP_DESTROY, NULL, 0, NULL);
  op->room_id = g_strdup(entry->id); /* modules hear `room-closed` once it is gone */
  wt_worker_invoke(entry->worker, run_op, op, op_free);
  wt_worker_add_load(entry->worker, -1);
  g_hash_table_remove(rooms->rooms, entry->id);
}

/* Forgets @session's membership; tells the room unless it already knows. */
static void
forget_session(WtRooms *rooms, guint64 session, const char *reason, WtRequest *req,
               gboolean tell_room)
{
  SessionEntry *se = g_hash_table_lookup(rooms->sessions, &session);
  if (!se) {
    if (req)
      wt_signaling_reply_error(rooms->env.signaling, req, "not-joined", "you are in no room");
    return;
  }
  RoomEntry *entry = g_hash_table_lookup(rooms->rooms, se->room);
  if (entry) {
    guint64 *member = g_hash_table_lookup(entry->members, se->sub);
    if (member && *member == session)
      g_hash_table_remove(entry->members, se->sub);
    if (tell_room)
      post(rooms, entry, OP_LEAVE, g_steal_pointer(&req), session, reason);
    destroy_room_if_empty(rooms, entry);
  }
  if (req)
    wt_signaling_reply(rooms->env.signaling, req, NULL);
  g_hash_table_remove(rooms->sessions, &session);
}

/* Called on the main thread when a worker saw a participant go by itself. */
static void
participant_gone(const char *room, const char *sub, guint64 session, gpointer user_data)
{
  WtRooms *rooms = user_data;
  SessionEntry *se = g_hash_table_lookup(rooms->sessions, &session);
  if (se && g_str_equal(se->room, room) && g_str_equal(se->sub, sub))
    forget_session(rooms, session, NULL, NULL, FALSE);
}

static gboolean
invited(WtRooms *rooms, const char *room, const char *sub)
{
  GHashTable *subs = g_hash_table_lookup(rooms->invitations, room);
  return subs && g_hash_table_contains(subs, sub);
}

static gboolean
admit(WtRooms *rooms, WtRequest *req, const char **room_id)
{
  WtSignaling *sig = rooms->env.signaling;
  const WtIdentity *who = wt_request_get_identity(req);
  JsonObject *body = wt_request_get_body(req);
  const char *id = wt_json_get_string(body, "room");
  if (!id || !wt_token_room_id_valid(id)) {
    wt_signaling_reply_error(sig, req, WT_ERR_BAD_MESSAGE,
                             "`room` must be 1 to 64 of A-Z a-z 0-9 . _ -");
    return FALSE;
  }
  if (who->role == WT_ROLE_CLERK) {
    wt_signaling_reply_error(sig, req, WT_ERR_FORBIDDEN, "clerks do not join rooms");
    return FALSE;
  }
  g_autofree char *low = NULL;
  if (who->record && (who->role == WT_ROLE_STAFF || who->role == WT_ROLE_ADMIN) &&
      (low = wt_room_disk_low(&rooms->env))) {
    g_message("session %" G_GUINT64_FORMAT ": recorded room %s refused: %s",
              wt_request_get_session(req), id, low);
    wt_signaling_reply_error(sig, req, "disk-full", low);
    return FALSE;
  }
  if (who->role == WT_ROLE_APPLICANT && g_strcmp0(who->room, id) != 0 &&
      !invited(rooms, id, who->sub)) {
    g_autofree char *why = who->room
                               ? g_strdup_printf("your token admits you to room %s only", who->room)
                               : g_strdup("your token admits you to no room");
    wt_signaling_reply_error(sig, req, WT_ERR_FORBIDDEN, why);
    return FALSE;
  }
  *room_id = id;
  return TRUE;
}

static void
handle_join(WtRooms *rooms, WtRequest *req)
{
  const char *id = NULL;
  if (!admit(rooms, req, &id))
    return;
  guint64 session = wt_request_get_session(req);
  const char *sub = wt_request_get_identity(req)->sub;
  SessionEntry *se = g_hash_table_lookup(rooms->sessions, &session);
  if (se && !g_str_equal(se->room, id)) {
    g_autofree char *why =
        g_strdup_printf("this connection is in room %s; leave it first", se->room);
    wt_signaling_reply_error(rooms->env.signaling, req, "already-joined", why);
    return;
  }
  RoomEntry *entry = g_hash_table_lookup(rooms->rooms, id);
  if (!entry)
    entry = create_room(rooms, id);
  guint64 *member = g_hash_table_lookup(entry->members, sub);
  if (member && *member != session) {
    /* The same person from another connection takes their place. */
    g_hash_table_remove(rooms->sessions, member);
  } else if (!member && g_hash_table_size(entry->members) >= rooms->env.max_participants) {
    wt_signaling_reply_error(rooms->env.signaling, req, "room-full",
                             "the room already has its most participants");
    destroy_room_if_empty(rooms, entry);
    return;
  }
  g_hash_table_insert(entry->members, g_strdup(sub), g_memdup2(&session, sizeof session));
  SessionEntry *fresh = g_new0(SessionEntry, 1);
  fresh->room = g_strdup(id);
  fresh->sub = g_strdup(sub);
  g_hash_table_insert(rooms->sessions, g_memdup2(&session, sizeof session), fresh);
  post(rooms, entry, OP_JOIN, req, session, NULL);
}

gboolean
wt_rooms_handle_request(WtRooms *rooms, WtRequest *req)
{
  static const char *const forwarded[] = {"publish",     "subscribe", "answer",  "trickle",
                                          "ice-restart", "record",    "liveness"};
  const char *type = wt_request_get_type(req);
  guint64 session = wt_request_get_session(req);
  if (g_str_equal(type, "join")) {
    handle_join(rooms, req);
    return TRUE;
  }
  if (g_str_equal(type, "leave")) {
    forget_session(rooms, session, "left", req, TRUE);
    return TRUE;
  }
  for (guint i = 0; i < G_N_ELEMENTS(forwarded); i++) {
    if (!g_str_equal(type, forwarded[i]))
      continue;
    SessionEntry *se = g_hash_table_lookup(rooms->sessions, &session);
    RoomEntry *entry = se ? g_hash_table_lookup(rooms->rooms, se->room) : NULL;
    if (!entry)
      wt_signaling_reply_error(rooms->env.signaling, req, "not-joined", "join a room first");
    else
      post(rooms, entry, OP_REQUEST, req, session, NULL);
    return TRUE;
  }
  return FALSE;
}

void
wt_rooms_session_closed(WtRooms *rooms, guint64 session)
{
  forget_session(rooms, session, "connection closed", NULL, TRUE);
}

static char *
ice_servers_json(const WtConfig *config)
{
  g_autoptr(JsonArray) servers = json_array_new();
  if (*config->stun_url) {
    JsonObject *o = json_object_new();
    json_object_set_string_member(o, "urls", config->stun_url);
    json_array_add_object_element(servers, o);
  }
  if (*config->turn_url) {
    JsonObject *o = json_object_new();
    json_object_set_string_member(o, "urls", config->turn_url);
    json_object_set_string_member(o, "username", config->turn_username);
    json_object_set_string_member(o, "credential", config->turn_password);
    json_array_add_object_element(servers, o);
  }
  g_autoptr(JsonNode) node = json_node_init_array(json_node_alloc(), servers);
  return json_to_string(node, FALSE);
}

static char **
split_addresses(const char *list)
{
  if (!list || !*list)
    return NULL;
  char **parts = g_strsplit(list, ",", -1);
  guint n = 0;
  for (guint i = 0; parts[i]; i++) {
    g_strstrip(parts[i]);
    if (*parts[i])
      parts[n++] = parts[i];
    else
      g_free(parts[i]);
  }
  parts[n] = NULL;
  return parts;
}

WtRooms *
wt_rooms_new(const WtConfig *config, WtWorkerPool *pool, GError **error)
{
  WtDtlsIdentity *identity = wt_dtls_identity_new(error);
  if (!identity)
    return NULL;
  WtRooms *rooms = g_new0(WtRooms, 1);
  rooms->pool = pool;
  rooms->rooms = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, room_entry_free);
  rooms->sessions = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, session_entry_free);
  rooms->invitations =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_hash_table_unref);
  rooms->link = g_new0(ObserverLink, 1);
  rooms->link->refs = 1;
  g_mutex_init(&rooms->lock);
  g_cond_init(&rooms->cond);
  WtRoomEnv *env = &rooms->env;
  env->identity = identity;
  env->ice_addresses = split_addresses(config->ice_addresses);
  env->ice_loopback = config->ice_loopback;
  env->public_address = g_strdup(config->ice_public_address);
  env->port_min = config->ice_port_min;
  env->port_max = config->ice_port_max;
  env->connect_timeout_s = config->connect_timeout;
  env->silence_timeout_s = config->silence_timeout;
  env->max_participants = config->max_participants;
  env->max_bitrate = (guint64)config->max_bitrate_kbps * 1000;
  env->drop_percent = config->drop_to_subscribers_percent;
  if (env->drop_percent)
    g_warning("[testing] drop_to_subscribers_percent=%u: dropping media on purpose",
              env->drop_percent);
  env->ice_servers_json = ice_servers_json(config);
  g_autofree char *keys_dir = wt_config_keys_dir(config);
  env->signing_key = wt_signing_key_load_or_create(keys_dir, error);
  if (!env->signing_key) {
    wt_rooms_free(rooms);
    return NULL;
  }
  env->archive_dir = wt_config_archive_dir(config);
  if (g_mkdir_with_parents(env->archive_dir, 0750) != 0)
    g_warning("cannot create the archive folder %s: %s", env->archive_dir, g_strerror(errno));
  /* Before anyone can connect: recordings a crash left unsealed are sealed. */
  wt_recovery_run(env->archive_dir, env->signing_key);
  env->segment_s = config->segment_seconds;
  env->recorder_queue_packets = config->recorder_queue_packets;
  env->min_free_bytes = (guint64)config->min_free_mb << 20;
  env->recorder_drops_total = &rooms->recorder_drops_total;
  env->tsa_url = *config->tsa_url ? g_strdup(config->tsa_url) : NULL;
  env->tsa_timeout_ms = config->tsa_timeout_ms;
  env->liveness = config->liveness_enabled;
  WtLivenessTapConfig *lc = &env->liveness_config;
  wt_liveness_tap_config_init(lc);
  lc->analysis_fps = config->liveness_fps;
  lc->queue_packets = config->liveness_queue_packets;
  lc->thresholds.window_ms = config->liveness_window_seconds * 1000;
  lc->thresholds.min_face_ratio = config->liveness_min_face_ratio;
  lc->thresholds.min_frames = config->liveness_min_frames;
  lc->thresholds.blink_max_ms = config->liveness_blink_max_ms;
  lc->thresholds.blink_open_frames = config->liveness_blink_open_frames;
  lc->thresholds.min_motion = config->liveness_min_motion;
  lc->thresholds.multi_face_frames = config->liveness_multi_face_frames;
  lc->thresholds.face_lost_ms = config->liveness_face_lost_ms;
  lc->thresholds.prompt_after_ms = config->liveness_prompt_after_ms;
  lc->detector.description = rooms->liveness_detector = g_strdup(config->liveness_detector);
  lc->detector.face_cascade = rooms->face_cascade = g_strdup(config->liveness_face_cascade);
  lc->detector.eye_cascade = rooms->eye_cascade = g_strdup(config->liveness_eye_cascade);
  lc->detector.min_face = config->liveness_min_face;
  lc->detector.min_neighbors = config->liveness_min_neighbors;
  lc->detector.scale_factor = config->liveness_scale_factor;
  lc->opencv_threads = config->liveness_opencv_threads;
  lc->search_near_face = config->liveness_search_near_face;
  env->participant_gone = participant_gone;
  env->observe = observe_from_worker;
  env->user_data = rooms;
  env->main_context = g_main_context_default();
  g_message("DTLS certificate fingerprint sha-256 %s", wt_dtls_identity_get_fingerprint(identity));
  return rooms;
}

char *
wt_rooms_health(WtRooms *rooms)
{
  g_autofree char *low = wt_room_disk_low(&rooms->env);
  return low ? g_strdup("disk low") : NULL;
}

void
wt_rooms_set_signaling(WtRooms *rooms, WtSignaling *signaling)
{
  rooms->env.signaling = signaling;
}

void
wt_rooms_set_notary(WtRooms *rooms, WtNotary *notary, guint anchor_every_segments)
{
  rooms->env.notary = notary;
  rooms->env.anchor_every_segments = anchor_every_segments;
}

void
wt_rooms_free(WtRooms *rooms)
{
  if (!rooms)
    return;
  /* Events still on their way find nobody to tell. */
  rooms->link->observer = NULL;
  GHashTableIter iter;
  RoomEntry *entry;
  g_hash_table_iter_init(&iter, rooms->rooms);
  while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&entry)) {
    post(rooms, entry, OP_DESTROY, NULL, 0, NULL);
    wt_worker_add_load(entry->worker, -1);
  }
  g_hash_table_remove_all(rooms->rooms);
  /* Rooms read rooms->env and signal rooms->cond until the last one is gone, so
   * nothing here may be freed before that. Closing is quick (segments closed,
   * recordings sealed); a slow disk or TSA can stretch it, so after a second the
   * wait is logged, and after WAIT_FOR_ROOMS_S the registry is left allocated
   * rather than freed under a worker (the process is about to exit anyway). */
  gint64 started = g_get_monotonic_time();
  gboolean told = FALSE;
  g_mutex_lock(&rooms->lock);
  while (rooms->rooms_alive > 0) {
    gint64 waited = g_get_monotonic_time() - started;
    if (waited >= WAIT_FOR_ROOMS_S * G_USEC_PER_SEC)
      break;
    if (!told && waited >= G_USEC_PER_SEC) {
      g_message("shutdown: waiting for %d rooms to finish closing", rooms->rooms_alive);
      told = TRUE;
    }
    g_cond_wait_until(&rooms->cond, &rooms->lock, g_get_monotonic_time() + G_USEC_PER_SEC / 4);
  }
  int alive = rooms->rooms_alive;
  g_mutex_unlock(&rooms->lock);
  if (alive > 0) {
    g_warning("shutdown: %d rooms still closing after %d s; leaving them their state", alive,
              WAIT_FOR_ROOMS_S);
    return;
  }
  g_hash_table_unref(rooms->rooms);
  g_hash_table_unref(rooms->sessions);
  g_hash_table_unref(rooms->invitations);
  link_unref(rooms->link);
  wt_dtls_identity_unref(rooms->env.identity);
  g_strfreev(rooms->env.ice_addresses);
  g_free(rooms->env.public_address);
  g_free(rooms->env.ice_servers_json);
  wt_signing_key_free(rooms->env.signing_key);
  g_free(rooms->env.archive_dir);
  g_free(rooms->env.tsa_url);
  g_free(rooms->liveness_detector);
  g_free(rooms->face_cascade);
  g_free(rooms->eye_cascade);
  g_mutex_clear(&rooms->lock);
  g_cond_clear(&rooms->cond);
  g_free(rooms);
}

/* ---- The rooms side of the module interface --------------------------------------------- */

void
wt_rooms_set_observer(WtRooms *rooms, WtRoomsObserver observer, gpointer user_data)
{
  rooms->link->observer = observer;
  rooms->link->user_data = user_data;
}

void
wt_rooms_invite(WtRooms *rooms, const char *room, const char *sub)
{
  g_return_if_fail(room && sub);
  GHashTable *subs = g_hash_table_lookup(rooms->invitations, room);
  if (!subs) {
    subs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_hash_table_insert(rooms->invitations, g_strdup(room), subs);
  }
  g_hash_table_add(subs, g_strdup(sub));
  g_message("room %s: %s is invited", room, sub);
}

gboolean
wt_rooms_known(WtRooms *rooms, const char *room)
{
  return g_hash_table_contains(rooms->rooms, room) ||
         g_hash_table_contains(rooms->invitations, room);
}

void
wt_rooms_close(WtRooms *rooms, const char *room, const char *reason)
{
  g_hash_table_remove(rooms->invitations, room);
  RoomEntry *entry = g_hash_table_lookup(rooms->rooms, room);
  if (!entry) {
    g_message("room %s: closed (%s); nobody was in it", room, reason);
    return;
  }
  g_message("room %s: closed (%s); %u put out", room, reason, g_hash_table_size(entry->members));
  /* As forget_session() does for each member, but the room hears a kick:
   * everyone gets `left` and loses media; the last one out seals the
   * recording ("ended") and the room is destroyed. */
  GHashTableIter iter;
  gpointer key, value;
  g_hash_table_iter_init(&iter, entry->members);
  while (g_hash_table_iter_next(&iter, &key, &value)) {
    guint64 session = *(guint64 *)value;
    post(rooms, entry, OP_KICK, NULL, session, reason);
    SessionEntry *se = g_hash_table_lookup(rooms->sessions, &session);
    if (se && g_str_equal(se->room, room))
      g_hash_table_remove(rooms->sessions, &session);
    g_hash_table_iter_remove(&iter);
  }
  destroy_room_if_empty(rooms, entry);
}

void
wt_rooms_command(WtRooms *rooms, const char *room, JsonObject *command, WtRoomsDone done,
                 gpointer user_data)
{
  RoomEntry *entry = room ? g_hash_table_lookup(rooms->rooms, room) : NULL;
  if (!entry) {
    json_object_unref(command);
    reply_later(rooms->env.main_context, done, user_data, NULL,
                g_error_new(G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "nobody is in room %s",
                            room ? room : "(none)"));
    return;
  }
  RoomOp *op = op_new(rooms, entry, OP_COMMAND, NULL, 0, NULL);
  op->command = command;
  op->done = done;
  op->done_data = user_data;
  op->main_context = rooms->env.main_context;
  wt_worker_invoke(entry->worker, run_op, op, op_free);
}

JsonArray *
wt_rooms_list(WtRooms *rooms)
{
  JsonArray *list = json_array_new();
  GHashTableIter iter;
  RoomEntry *entry;
  g_hash_table_iter_init(&iter, rooms->rooms);
  while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&entry)) {
    JsonObject *o = json_object_new();
    json_object_set_string_member(o, "room", entry->id);
    json_object_set_int_member(o, "participants", g_hash_table_size(entry->members));
    json_object_set_int_member(o, "worker", wt_worker_get_index(entry->worker));
    json_array_add_object_element(list, o);
  }
  return list;
}
