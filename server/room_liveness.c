/* room_liveness.c — liveness checks on a room's applicants: a tap
 * (pipelines/tap.h) per applicant who publishes video, a check when they
 * first publish and whenever staff send `liveness`, and the results: a
 * `liveness` event to staff (and admins), `liveness-prompt` events to the
 * party while a check runs and a `liveness-prompt` "none" when it ends (their
 * page drops the prompt; the result itself goes only to staff), and in a
 * recorded room a `liveness` chain record with the key frame stored next to
 * the segments (storage/recorder.h), plus a `face-presence`
 * record after each of the applicant's segments.
 *
 * Worker thread only, like the rest of the room. The tap copies packets on
 * this thread (never blocking) and decodes and detects on its own threads;
 * its callbacks come back here.
 */
#include <string.h>

#include "room_private.h"

#define ERR_FORBIDDEN "forbidden"
#define ERR_BAD_MESSAGE "bad-message"
#define ERR_NOT_FOUND "not-found"
#define ERR_UNAVAILABLE "unavailable"

static gboolean
is_staff(WtRole role)
{
  return role == WT_ROLE_STAFF || role == WT_ROLE_ADMIN;
}

static JsonObject *
state_json(Participant *p)
{
  JsonObject *o = json_object_new();
  json_object_set_string_member(o, "state", p->liveness_state ? p->liveness_state : "none");
  json_object_set_array_member(
      o, "reasons", p->liveness_reasons ? json_array_ref(p->liveness_reasons) : json_array_new());
  if (p->liveness_trigger)
    json_object_set_string_member(o, "trigger", p->liveness_trigger);
  return o;
}

/* Sets the state and tells staff: {room, participant, sub, state, reasons, trigger}. */
static void
set_state(Participant *p, const char *state, JsonArray *reasons, const char *trigger)
{
  g_free(p->liveness_state);
  p->liveness_state = g_strdup(state);
  g_clear_pointer(&p->liveness_reasons, json_array_unref);
  p->liveness_reasons = reasons;
  if (trigger) {
    g_free(p->liveness_trigger);
    p->liveness_trigger = g_strdup(trigger);
  }
  JsonObject *fields = state_json(p);
  json_object_set_string_member(fields, "room", p->room->id);
  json_object_set_string_member(fields, "participant", p->id);
  json_object_set_string_member(fields, "sub", p->sub);
  wt_room_tell_staff(p->room, "liveness", fields);
}

static PubTrack *
video_track(Participant *p, WtCodec *codec)
{
  for (guint i = 0; i < p->tracks->len; i++) {
    PubTrack *pt = g_ptr_array_index(p->tracks, i);
    const char *name = pt->track->codec->name;
    if (pt->track->kind != WT_SDP_MEDIA_VIDEO || !name)
      continue;
    *codec = g_ascii_strcasecmp(name, "VP8") == 0    ? WT_CODEC_VP8
             : g_ascii_strcasecmp(name, "VP9") == 0  ? WT_CODEC_VP9
             : g_ascii_strcasecmp(name, "H264") == 0 ? WT_CODEC_H264
                                                     : WT_CODEC_NONE;
    if (*codec != WT_CODEC_NONE)
      return pt;
  }
  return NULL;
}

/* A deep copy: the recorder's thread adds members to what it is given. */
static JsonObject *
copy_object(JsonObject *o)
{
  g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), o);
  g_autofree char *text = json_to_string(node, FALSE);
  g_autoptr(JsonNode) back = json_from_string(text, NULL);
  return back ? json_object_ref(json_node_get_object(back)) : json_object_new();
}

/* ---- The tap's callbacks (on this worker) --------------------------------------------- */

/* Tells the applicant what to do ("blink", "face-camera"), or "none" when the check is over. */
static void
send_prompt(Participant *p, const char *prompt)
{
  JsonObject *fields = json_object_new();
  json_object_set_string_member(fields, "room", p->room->id);
  json_object_set_string_member(fields, "prompt", prompt);
  wt_signaling_send_event(p->room->env->signaling, p->session,
                          wt_protocol_event("liveness-prompt", fields));
}

static void
on_result(const WtLivenessResult *r, gpointer user_data)
{
  Participant *p = user_data;
  WtRoom *room = p->room;
  g_message("%s: liveness %s (%s)", p->log_prefix, r->passed ? "passed" : "failed", r->trigger);
  set_state(p, r->passed ? "passed" : "failed", wt_liveness_flags_to_json(r->reasons), r->trigger);
  send_prompt(p, "none");
  if (room->recorder && p->rec_joined && !room->recording_stopping)
    wt_recorder_add_evidence(room->recorder, p->rec_who, "liveness", copy_object(r->record),
                             r->jpeg, "jpg");
}

static void
on_warning(const char *warning, gpointer user_data)
{
  Participant *p = user_data;
  WtRoom *room = p->room;
  JsonObject *fields = json_object_new();
  json_object_set_string_member(fields, "room", room->id);
  json_object_set_string_member(fields, "participant", p->id);
  json_object_set_string_member(fields, "warning", warning);
  wt_room_tell_staff(room, "liveness-warning", fields);
  if (room->recorder && p->rec_joined && !room->recording_stopping) {
    JsonObject *o = json_object_new();
    json_object_set_string_member(o, "warning", warning);
    wt_recorder_add_evidence(room->recorder, p->rec_who, "liveness-warning", o, NULL, NULL);
  }
}

static void
on_prompt(const char *prompt, gpointer user_data)
{
  send_prompt(user_data, prompt);
}

static void
on_keyframe_wanted(gpointer user_data)
{
  Participant *p = user_data;
  WtCodec codec;
  PubTrack *pt = video_track(p, &codec);
  if (pt)
    wt_room_request_keyframe(p, pt);
}

static void
on_failed(const char *reason, gpointer user_data)
{
  Participant *p = user_data;
  g_warning("%s: liveness cannot run: %s", p->log_prefix, reason);
  set_state(p, "error", json_array_new(), NULL);
  send_prompt(p, "none");
}

/* ---- What the room tells us ---------------------------------------------------------------- */

static void
start_check(Participant *p, const char *trigger)
{
  wt_liveness_tap_check(p->tap, trigger);
  set_state(p, "checking", json_array_new(), trigger);
}

void
wt_room_liveness_on_tracks(Participant *p)
{
  const WtRoomEnv *env = p->room->env;
  if (!env->liveness || p->role != WT_ROLE_APPLICANT)
    return;
  WtCodec codec = WT_CODEC_NONE;
  PubTrack *pt = video_track(p, &codec);
  if (p->tap && pt && p->tap_codec == codec && p->tap_pt == pt->track->codec->pt)
    return;
  g_clear_pointer(&p->tap, wt_liveness_tap_free);
  if (!pt)
    return;
  WtLivenessTapConfig config = env->liveness_config;
  config.codec = codec;
  config.pt = pt->track->codec->pt;
  config.log_prefix = p->log_prefix;
  config.context = wt_worker_get_context(p->room->worker);
  static const WtLivenessTapCallbacks callbacks = {on_result, on_warning, on_prompt,
                                                   on_keyframe_wanted, on_failed};
  g_autoptr(GError) error = NULL;
  p->tap = wt_liveness_tap_new(&config, &callbacks, p, &error);
  if (!p->tap) {
    g_warning("%s: no liveness check: %s", p->log_prefix, error->message);
    set_state(p, "error", json_array_new(), NULL);
    return;
  }
  p->tap_codec = codec;
  p->tap_pt = config.pt;
  p->presence_seen = (WtLivenessPresence){0};
  if (!p->liveness_state || g_str_equal(p->liveness_state, "checking"))
    start_check(p, "join");
}

void
wt_room_liveness_on_segment(Participant *p, const char *file)
{
  WtRoom *room = p->room;
  if (!p->tap || !room->recorder || !p->rec_joined || room->recording_stopping)
    return;
  WtLivenessPresence now;
  wt_liveness_tap_get_presence(p->tap, &now);
  WtLivenessPresence *was = &p->presence_seen;
  JsonObject *o = json_object_new();
  if (file)
    json_object_set_string_member(o, "segment", file);
  else
    json_object_set_string_member(o, "until", "leave"); /* the segment the leave closes */
  json_object_set_int_member(o, "frames", (gint64)(now.frames - was->frames));
  json_object_set_int_member(o, "face_frames", (gint64)(now.face_frames - was->face_frames));
  json_object_set_int_member(o, "multi_face_frames",
                             (gint64)(now.multi_face_frames - was->multi_face_frames));
  *was = now;
  wt_recorder_add_evidence(room->recorder, p->rec_who, "face-presence", o, NULL, NULL);
}

void
wt_room_liveness_add_state(Participant *p, JsonObject *o)
{
  if (p->role == WT_ROLE_APPLICANT && p->room->env->liveness)
    json_object_set_object_member(o, "liveness", state_json(p));
}

void
wt_room_liveness_free(Participant *p)
{
  g_clear_pointer(&p->tap, wt_liveness_tap_free);
  g_clear_pointer(&p->liveness_state, g_free);
  g_clear_pointer(&p->liveness_trigger, g_free);
  g_clear_pointer(&p->liveness_reasons, json_array_unref);
}

gboolean
wt_room_liveness_check(Participant *target, const char *trigger, GError **error)
{
  if (!target->tap) {
    g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                        !target->room->env->liveness ? "liveness checks are switched off"
                        : target->role != WT_ROLE_APPLICANT
                            ? "only applicants are checked"
                            : "the participant publishes no video that can be checked");
    return FALSE;
  }
  start_check(target, trigger);
  return TRUE;
}

/* `liveness` {"participant": id}: staff ask for a check now. */
void
wt_room_liveness_handle(Participant *p, WtRequest *req)
{
  WtRoom *room = p->room;
  WtSignaling *sig = room->env->signaling;
  JsonObject *body = wt_request_get_body(req);
  const char *id = json_object_get_string_member_with_default(body, "participant", NULL);
  if (!is_staff(p->role)) {
    wt_signaling_reply_error(sig, req, ERR_FORBIDDEN, "only staff may ask for a liveness check");
    return;
  }
  if (!id) {
    wt_signaling_reply_error(sig, req, ERR_BAD_MESSAGE, "participant (a string) is required");
    return;
  }
  Participant *target = NULL;
  for (guint i = 0; i < room->participants->len && !target; i++) {
    Participant *q = g_ptr_array_index(room->participants, i);
    if (strcmp(q->id, id) == 0)
      target = q;
  }
  if (!target) {
    wt_signaling_reply_error(sig, req, ERR_NOT_FOUND, "no such participant in this room");
    return;
  }
  g_autoptr(GError) error = NULL;
  g_message("%s: asks for a liveness check of %s", p->log_prefix, target->id);
  if (!wt_room_liveness_check(target, "staff", &error)) {
    wt_signaling_reply_error(sig, req, ERR_UNAVAILABLE, error->message);
    return;
  }
  JsonObject *result = json_object_new();
  json_object_set_string_member(result, "participant", target->id);
  json_object_set_string_member(result, "state", "checking");
  wt_signaling_reply(sig, req, result);
}
