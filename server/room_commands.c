/* room_commands.c — what a workflow module asks of a room (rooms.h,
 * wt_rooms_command()): its status, starting and stopping its recording, a
 * liveness check of one party, and a room-level record in the recording's
 * chain. The registry checks that the room exists and carries the answer back
 * to the main thread; the work is here.
 *
 * Worker thread only, like the rest of the room.
 */
#include <string.h>

#include "room_private.h"

/* Record types the recorder, the seal and the notary write themselves: a
 * module may not forge them. */
static const char *const reserved_types[] = {
    "segment",      "join", "leave",  "gap",      "failure",
    "sync",         "seal", "anchor", "liveness", "liveness-warning",
    "face-presence"};
/* Members the chain or the recorder set (recorder.h). */
static const char *const reserved_members[] = {"seq",         "type", "time", "prev",  "hash",
                                               "participant", "file", "size", "sha256"};

static JsonObject *
recording_json(WtRoom *room)
{
  JsonObject *o = json_object_new();
  json_object_set_string_member(o, "state", wt_room_recording_state(room));
  if (room->recording_id)
    json_object_set_string_member(o, "id", room->recording_id);
  return o;
}

static JsonObject *
status(WtRoom *room)
{
  JsonObject *result = json_object_new();
  json_object_set_string_member(result, "room", room->id);
  json_object_set_object_member(result, "recording", recording_json(room));
  JsonArray *people = json_array_new();
  for (guint i = 0; i < room->participants->len; i++) {
    Participant *p = g_ptr_array_index(room->participants, i);
    JsonObject *o = wt_room_participant_json(p);
    gboolean audio = FALSE, video = FALSE;
    wt_room_recording_recorded(p, &audio, &video);
    JsonObject *recorded = json_object_new();
    json_object_set_boolean_member(recorded, "audio", audio);
    json_object_set_boolean_member(recorded, "video", video);
    json_object_set_object_member(o, "recorded", recorded);
    json_array_add_object_element(people, o);
  }
  json_object_set_array_member(result, "participants", people);
  return result;
}

static JsonObject *
record(WtRoom *room, JsonObject *command, GError **error)
{
  const char *action = wt_json_get_string(command, "action");
  if (g_strcmp0(action, "start") == 0) {
    if (!wt_room_recording_start(room, "a module", error))
      return NULL;
  } else if (g_strcmp0(action, "stop") == 0) {
    if (room->recorder)
      g_message("room %s: a module stops recording %s", room->id, room->recording_id);
    wt_room_recording_stop(room, "ended");
  } else {
    g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                        "action must be \"start\" or \"stop\"");
    return NULL;
  }
  JsonObject *result = json_object_new();
  json_object_set_string_member(result, "state", wt_room_recording_state(room));
  if (room->recording_id)
    json_object_set_string_member(result, "recording", room->recording_id);
  return result;
}

static JsonObject *
liveness(WtRoom *room, JsonObject *command, GError **error)
{
  const char *sub = wt_json_get_string(command, "sub");
  if (!sub) {
    g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                        "sub (a string) is required");
    return NULL;
  }
  Participant *target = NULL;
  for (guint i = 0; i < room->participants->len && !target; i++) {
    Participant *q = g_ptr_array_index(room->participants, i);
    if (strcmp(q->sub, sub) == 0)
      target = q;
  }
  if (!target) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "%s is not in room %s", sub, room->id);
    return NULL;
  }
  if (!wt_room_liveness_check(target, "module", error))
    return NULL;
  g_message("%s: a module asks for a liveness check", target->log_prefix);
  JsonObject *result = json_object_new();
  json_object_set_string_member(result, "participant", target->id);
  json_object_set_string_member(result, "state", "checking");
  return result;
}

static gboolean
type_valid(const char *type)
{
  gsize n = type ? strlen(type) : 0;
  if (n < 1 || n > 32 || strspn(type, "abcdefghijklmnopqrstuvwxyz0123456789-_") != n)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS(reserved_types); i++) {
    if (strcmp(type, reserved_types[i]) == 0)
      return FALSE;
  }
  return TRUE;
}

static JsonObject *
evidence(WtRoom *room, JsonObject *command, GError **error)
{
  const char *type = wt_json_get_string(command, "type");
  JsonNode *node = json_object_get_member(command, "payload");
  if (!type_valid(type)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "type must be 1 to 32 of a-z 0-9 - _ and not one the recorder writes (\"%s\")",
                type ? type : "");
    return NULL;
  }
  if (!node || !JSON_NODE_HOLDS_OBJECT(node)) {
    g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                        "payload (an object) is required");
    return NULL;
  }
  JsonObject *payload = json_node_get_object(node);
  for (guint i = 0; i < G_N_ELEMENTS(reserved_members); i++) {
    if (json_object_has_member(payload, reserved_members[i])) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                  "the payload may not set \"%s\" (the chain sets it)", reserved_members[i]);
      return NULL;
    }
  }
  if (!json_object_has_member(payload, "module"))
    json_object_set_string_member(
        payload, "module",
        wt_json_get_string(command, "module") ? wt_json_get_string(command, "module") : "unknown");
  /* Taken out of @command: the recorder's thread is its only owner from now on. */
  json_object_ref(payload);
  json_object_remove_member(command, "payload");
  if (!wt_room_recording_add_evidence(room, type, payload, error))
    return NULL;
  JsonObject *result = json_object_new();
  json_object_set_string_member(result, "recording", room->recording_id);
  return result;
}

JsonObject *
wt_room_command(WtRoom *room, JsonObject *command, GError **error)
{
  const char *name = wt_json_get_string(command, "command");
  if (room->participants->len == 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "nobody is in room %s", room->id);
    return NULL;
  }
  if (g_strcmp0(name, "status") == 0)
    return status(room);
  if (g_strcmp0(name, "record") == 0)
    return record(room, command, error);
  if (g_strcmp0(name, "liveness") == 0)
    return liveness(room, command, error);
  if (g_strcmp0(name, "evidence") == 0)
    return evidence(room, command, error);
  g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
              "command must be status, record, liveness or evidence (\"%s\")", name ? name : "");
  return NULL;
}
