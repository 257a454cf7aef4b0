/* witness_gate.c — the fail-closed rule of the session (see witness_gate.h).
 * Pure: reads a room_status result. Main thread. */
#include "witness_document.h"
#include "witness_gate.h"

/* @name of @o when it is an object (an array), else NULL: room_status comes
 * from the engine, but a missing member must not be a critical warning. */
static JsonObject *
object_member(JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member(o, name) : NULL;
  return n && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

static JsonArray *
array_member(JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member(o, name) : NULL;
  return n && JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : NULL;
}

/* @sub's entry in a room_status result's participants (transfer none), or NULL. */
static JsonObject *
participant_in(JsonObject *status, const char *sub)
{
  JsonArray *people = array_member(status, "participants");
  for (guint i = 0; sub && people && i < json_array_get_length(people); i++) {
    JsonNode *n = json_array_get_element(people, i);
    JsonObject *o = JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
    if (o && g_str_equal(wt_module_json_string(o, "sub", ""), sub))
      return o;
  }
  return NULL;
}

static gboolean
recording_on(JsonObject *status)
{
  JsonObject *rec = object_member(status, "recording");
  return rec && g_str_equal(wt_module_json_string(rec, "state", ""), "on");
}

/* {"principal": {present, audio, video}, "agent": {…}} from a room_status
 * result (@status transfer none, may be NULL): audio (video) is true when the
 * running recording receives it (transfer full). */
JsonObject *
wt_witness_gate_recorded(const WtWitnessCase *c, JsonObject *status)
{
  JsonObject *out = json_object_new();
  gboolean on = recording_on(status);
  for (int p = 0; p < WT_WITNESS_N_PARTIES; p++) {
    JsonObject *found = participant_in(status, c->party[p].sub);
    JsonObject *r = object_member(found, "recorded");
    JsonObject *q = json_object_new();
    json_object_set_boolean_member(q, "present", found != NULL);
    json_object_set_boolean_member(q, "audio", on && r && wt_module_json_bool(r, "audio", FALSE));
    json_object_set_boolean_member(q, "video", on && r && wt_module_json_bool(r, "video", FALSE));
    json_object_set_object_member(out, wt_witness_party_name(p), q);
  }
  return out;
}

/* What keeps @status (a room_status result) from proving that both parties'
 * audio and video are recorded, for people (transfer full); NULL when
 * nothing does. */
char *
wt_witness_gate_missing(const WtWitnessCase *c, JsonObject *status)
{
  if (!recording_on(status)) {
    JsonObject *rec = object_member(status, "recording");
    return g_strdup_printf("the room is not being recorded (recording %s)",
                           rec ? wt_module_json_string(rec, "state", "off") : "off");
  }
  g_autoptr(JsonObject) by_party = wt_witness_gate_recorded(c, status);
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
  for (int p = 0; p < WT_WITNESS_N_PARTIES; p++) {
    const char *who = wt_witness_party_name(p);
    JsonObject *q = json_object_get_object_member(by_party, who);
    gboolean audio = json_object_get_boolean_member(q, "audio");
    gboolean video = json_object_get_boolean_member(q, "video");
    if (!json_object_get_boolean_member(q, "present"))
      g_ptr_array_add(problems, g_strdup_printf("the %s is not in the room", who));
    else if (!audio || !video)
      g_ptr_array_add(problems, g_strdup_printf("the %s's %s not being recorded", who,
                                                !audio && !video ? "audio and video are"
                                                : !audio         ? "audio is"
                                                                 : "video is"));
  }
  if (problems->len == 0)
    return NULL;
  g_ptr_array_add(problems, NULL);
  return g_strjoinv("; ", (char **)problems->pdata);
}
