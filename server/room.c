/* room.c — participants of one room: their lifecycle, the events sent to
 * them, join and leave. Worker thread only (see room.h); the negotiation of
 * their publish and subscribe connections is in room_negotiation.c, the
 * packet path in room_media.c.
 */
#include <string.h>

#include "room_private.h"
#include "sdp.h"
#include "sdp_codecs.h"

/* ---- Events ------------------------------------------------------------------- */

void
wt_room_send_event(Participant *p, const char *event, JsonObject *fields)
{
  wt_signaling_send_event(p->room->env->signaling, p->session, wt_protocol_event(event, fields));
}

/* The events workflow modules are told about (module.h, WtModule.event). */
static gboolean
observed(const char *event)
{
  static const char *const events[] = {
      "participant-joined", "participant-left", "recording", "liveness", "alert", "room-closed"};
  for (guint i = 0; i < G_N_ELEMENTS(events); i++) {
    if (g_str_equal(event, events[i]))
      return TRUE;
  }
  return FALSE;
}

void
wt_room_observe(WtRoom *room, const char *event, JsonObject *fields)
{
  if (!room->env->observe || !observed(event))
    return;
  /* A deep copy: nothing is shared with the main thread. */
  g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), fields);
  g_autofree char *text = json_to_string(node, FALSE);
  g_autoptr(JsonNode) copy = json_from_string(text, NULL);
  if (copy && JSON_NODE_HOLDS_OBJECT(copy))
    room->env->observe(event, json_node_dup_object(copy), room->env->user_data);
}

/* Sends @event to the participants @to_staff_only selects, and tells modules. */
static void
send_to(WtRoom *room, Participant *except, gboolean to_staff_only, const char *event,
        JsonObject *fields)
{
  wt_room_observe(room, event, fields);
  g_autofree char *json = wt_protocol_event(event, fields);
  for (guint i = 0; i < room->participants->len; i++) {
    Participant *q = g_ptr_array_index(room->participants, i);
    if (q == except || (to_staff_only && q->role != WT_ROLE_STAFF && q->role != WT_ROLE_ADMIN))
      continue;
    wt_signaling_send_event(room->env->signaling, q->session, g_strdup(json));
  }
}

void
wt_room_broadcast(WtRoom *room, Participant *except, const char *event, JsonObject *fields)
{
  send_to(room, except, FALSE, event, fields);
}

void
wt_room_tell_staff(WtRoom *room, const char *event, JsonObject *fields)
{
  send_to(room, NULL, TRUE, event, fields);
}

JsonArray *
wt_room_tracks_json(Participant *p)
{
  JsonArray *tracks = json_array_new();
  for (guint t = 0; t < p->tracks->len; t++) {
    const WtTrack *track = ((PubTrack *)g_ptr_array_index(p->tracks, t))->track;
    JsonObject *o = json_object_new();
    json_object_set_string_member(o, "kind", track->kind == WT_SDP_MEDIA_AUDIO ? "audio" : "video");
    json_object_set_string_member(o, "codec", track->codec->name);
    json_array_add_object_element(tracks, o);
  }
  return tracks;
}

JsonObject *
wt_room_participant_json(Participant *p)
{
  JsonObject *o = json_object_new();
  json_object_set_string_member(o, "participant", p->id);
  json_object_set_string_member(o, "sub", p->sub);
  json_object_set_string_member(o, "role", wt_role_to_string(p->role));
  json_object_set_array_member(o, "tracks", wt_room_tracks_json(p));
  wt_room_liveness_add_state(p, o);
  return o;
}

/* ---- Participants --------------------------------------------------------------- */

static void
sub_slot_free(gpointer data)
{
  g_free(data);
}

static Participant *
participant_new(WtRoom *room, const char *id, const WtIdentity *who, guint64 session)
{
  Participant *p = g_new0(Participant, 1);
  p->room = room;
  p->id = g_strdup(id);
  p->sub = g_strdup(who->sub);
  p->role = who->role;
  p->session = session;
  p->log_prefix = g_strdup_printf("room %s: %s (%s)", room->id, id, who->sub);
  p->tracks = g_ptr_array_new_with_free_func(wt_room_pub_track_free);
  p->slots = g_ptr_array_new_with_free_func((GDestroyNotify)wt_slot_free);
  p->sub_slots = g_ptr_array_new_with_free_func(sub_slot_free);
  p->sdp_session_id = g_random_int() & 0x7fffffff;
  p->rtcp_ssrc = g_random_int();
  return p;
}

static void
close_connections(Participant *p)
{
  g_clear_pointer(&p->publish, wt_peer_free);
  g_clear_pointer(&p->subscribe, wt_peer_free);
  g_ptr_array_set_size(p->tracks, 0);
  g_ptr_array_set_size(p->sub_slots, 0);
  g_ptr_array_set_size(p->slots, 0);
  p->subscribe_state = SUBSCRIBE_OFF;
  p->offer_pending = FALSE;
}

static void
participant_free(Participant *p)
{
  wt_room_liveness_free(p);
  close_connections(p);
  g_ptr_array_unref(p->tracks);
  g_ptr_array_unref(p->sub_slots);
  g_ptr_array_unref(p->slots);
  g_free(p->id);
  g_free(p->sub);
  g_free(p->log_prefix);
  g_free(p);
}

Participant *
wt_room_find_by_session(WtRoom *room, guint64 session)
{
  for (guint i = 0; i < room->participants->len; i++) {
    Participant *p = g_ptr_array_index(room->participants, i);
    if (p->session == session)
      return p;
  }
  return NULL;
}

static Participant *
find_by_sub(WtRoom *room, const char *sub)
{
  for (guint i = 0; i < room->participants->len; i++) {
    Participant *p = g_ptr_array_index(room->participants, i);
    if (g_str_equal(p->sub, sub))
      return p;
  }
  return NULL;
}

/* ---- Join and leave ------------------------------------------------------------------ */

WtRoom *
wt_room_new(const char *id, WtWorker *worker, const WtRoomEnv *env)
{
  WtRoom *room = g_new0(WtRoom, 1);
  room->id = g_strdup(id);
  room->worker = worker;
  room->env = env;
  room->participants = g_ptr_array_new();
  return room;
}

void
wt_room_free(WtRoom *room)
{
  if (!room)
    return;
  wt_room_feedback_stop(room);
  wt_room_recording_free(room);
  for (guint i = 0; i < room->participants->len; i++)
    participant_free(g_ptr_array_index(room->participants, i));
  g_ptr_array_unref(room->participants);
  g_free(room->id);
  g_free(room);
}

const char *
wt_room_get_id(const WtRoom *room)
{
  return room->id;
}

WtWorker *
wt_room_get_worker(WtRoom *room)
{
  return room->worker;
}

const WtRoomCounters *
wt_room_get_counters(const WtRoom *room)
{
  return &room->counters;
}

static void
set_participant_count(WtRoom *room)
{
  __atomic_store_n(&room->counters.participants, room->participants->len, __ATOMIC_RELAXED);
}

/* The participants' pointers to @p go before @p does. */
void
wt_room_remove_participant(Participant *p, const char *reason)
{
  WtRoom *room = p->room;
  g_ptr_array_remove(room->participants, p);
  set_participant_count(room);
  wt_room_recording_on_leave(p, reason);
  for (guint i = 0; i < room->participants->len; i++) {
    Participant *q = g_ptr_array_index(room->participants, i);
    for (guint s = 0; s < q->sub_slots->len; s++) {
      SubSlot *ss = g_ptr_array_index(q->sub_slots, s);
      if (ss->source == p) {
        ss->source = NULL;
        ss->slot->active = FALSE;
        q->offer_pending = TRUE; /* refresh_slots() cannot see this change */
      }
    }
  }
  JsonObject *fields = json_object_new();
  json_object_set_string_member(fields, "room", room->id);
  json_object_set_string_member(fields, "participant", p->id);
  json_object_set_string_member(fields, "sub", p->sub);
  json_object_set_string_member(fields, "reason", reason);
  wt_room_broadcast(room, NULL, "participant-left", fields);
  participant_free(p);
  wt_room_update_subscriptions(room);
}

void
wt_room_leave(WtRoom *room, guint64 session, const char *reason)
{
  Participant *p = wt_room_find_by_session(room, session);
  if (p) {
    g_message("%s: leaves: %s", p->log_prefix, reason);
    wt_room_remove_participant(p, reason);
  }
}

void
wt_room_kick(WtRoom *room, guint64 session, const char *reason)
{
  Participant *p = wt_room_find_by_session(room, session);
  if (!p)
    return;
  g_message("%s: put out: %s", p->log_prefix, reason);
  JsonObject *fields = json_object_new();
  json_object_set_string_member(fields, "room", room->id);
  json_object_set_string_member(fields, "reason", reason);
  wt_room_send_event(p, "left", fields);
  wt_room_remove_participant(p, reason);
}

void
wt_room_join(WtRoom *room, WtRequest *req)
{
  const WtIdentity *who = wt_request_get_identity(req);
  guint64 session = wt_request_get_session(req);
  WtSignaling *sig = room->env->signaling;
  Participant *p = find_by_sub(room, who->sub);
  gboolean rejoin = p != NULL;
  wt_room_feedback_start(room);
  if (rejoin) {
    if (p->session != session) {
      JsonObject *fields = json_object_new();
      json_object_set_string_member(fields, "room", room->id);
      json_object_set_string_member(fields, "reason", "joined again from another connection");
      wt_room_send_event(p, "left", fields);
    }
    close_connections(p);
    p->session = session;
    g_message("%s: rejoins", p->log_prefix);
    wt_room_update_subscriptions(room);
  } else if (room->participants->len >= room->env->max_participants) {
    wt_signaling_reply_error(sig, req, "room-full", "the room already has its most participants");
    return;
  } else {
    g_autofree char *id = wt_signaling_participant_id(sig, who->sub);
    p = participant_new(room, id, who, session);
    g_ptr_array_add(room->participants, p);
    set_participant_count(room);
    g_message("%s: joins as %s", p->log_prefix, wt_role_to_string(who->role));
  }
  wt_room_recording_on_join(p, who, rejoin);

  JsonObject *result = json_object_new();
  json_object_set_string_member(result, "room", room->id);
  json_object_set_string_member(result, "participant", p->id);
  JsonArray *others = json_array_new();
  for (guint i = 0; i < room->participants->len; i++) {
    Participant *q = g_ptr_array_index(room->participants, i);
    if (q != p)
      json_array_add_object_element(others, wt_room_participant_json(q));
  }
  json_object_set_array_member(result, "participants", others);
  JsonNode *servers = json_from_string(room->env->ice_servers_json, NULL);
  json_object_set_member(result, "ice_servers",
                         servers ? servers
                                 : json_node_init_array(json_node_alloc(), json_array_new()));
  wt_room_recording_add_state(room, result);
  wt_signaling_reply(sig, req, result);
  if (!rejoin) {
    JsonObject *fields = wt_room_participant_json(p);
    json_object_set_string_member(fields, "room", room->id);
    wt_room_broadcast(room, p, "participant-joined", fields);
  }
}
