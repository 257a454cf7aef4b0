/* room_recording.c — a room's recording: when it starts and stops, who is in
 * it, and telling every party that it is being recorded. The recording itself
 * is storage/recorder.h, fed a copy of every decrypted packet from
 * room_media.c.
 *
 * A recording starts when staff (or an admin) join with a token whose
 * `record` claim is true, or send `record` {"action":"start"}; it ends on
 * `record` {"action":"stop"} or when the room empties, and is then sealed.
 * Every participant gets a `recording` event on each change, and the join
 * result says whether the room is being recorded. When the recorder fails (a
 * full disk), everyone gets `recording` "failed" and staff an `alert`; while
 * the archive's free space is below [recording] min_free_mb no recording
 * starts (`disk-full`).
 *
 * Worker thread only, like the rest of the room.
 */
#include <string.h>

#include "room_private.h"

#define ERR_FORBIDDEN "forbidden"
#define ERR_BAD_MESSAGE "bad-message"
#define WT_ERR_DISK_FULL "disk-full"

static gboolean
may_record(WtRole role)
{
  return role == WT_ROLE_STAFF || role == WT_ROLE_ADMIN;
}

static JsonObject *
state_fields(WtRoom *room, const char *state, const char *reason)
{
  JsonObject *fields = json_object_new();
  json_object_set_string_member(fields, "room", room->id);
  json_object_set_string_member(fields, "state", state);
  if (room->recording_id)
    json_object_set_string_member(fields, "recording", room->recording_id);
  if (reason)
    json_object_set_string_member(fields, "reason", reason);
  return fields;
}

static void
broadcast_state(WtRoom *room, const char *state, const char *reason)
{
  wt_room_broadcast(room, NULL, "recording", state_fields(room, state, reason));
}

static WtCodec
codec_of(const WtTrack *track)
{
  const char *name = track->codec->name;
  if (!name)
    return WT_CODEC_NONE;
  if (g_ascii_strcasecmp(name, "opus") == 0)
    return WT_CODEC_OPUS;
  if (g_ascii_strcasecmp(name, "VP8") == 0)
    return WT_CODEC_VP8;
  if (g_ascii_strcasecmp(name, "VP9") == 0)
    return WT_CODEC_VP9;
  if (g_ascii_strcasecmp(name, "H264") == 0)
    return WT_CODEC_H264;
  return WT_CODEC_NONE; /* AV1: not recorded yet; the chain says so (no video) */
}

static WtRecorderTracks
tracks_of(Participant *p)
{
  WtRecorderTracks t = {.audio_codec = WT_CODEC_NONE, .video_codec = WT_CODEC_NONE};
  for (guint i = 0; i < p->tracks->len; i++) {
    const WtTrack *track = ((PubTrack *)g_ptr_array_index(p->tracks, i))->track;
    WtCodec codec = codec_of(track);
    if (track->kind == WT_SDP_MEDIA_AUDIO && codec == WT_CODEC_OPUS &&
        t.audio_codec == WT_CODEC_NONE) {
      t.audio_codec = codec;
      t.audio_pt = track->codec->pt;
      t.audio_channels = track->codec->channels ? track->codec->channels : 2;
    } else if (track->kind == WT_SDP_MEDIA_VIDEO && codec != WT_CODEC_NONE &&
               t.video_codec == WT_CODEC_NONE) {
      t.video_codec = codec;
      t.video_pt = track->codec->pt;
    }
  }
  return t;
}

static void
join_recorder(Participant *p)
{
  p->rec_tracks = tracks_of(p);
  p->rec_who =
      wt_recorder_join(p->room->recorder, p->id, wt_role_to_string(p->role), &p->rec_tracks);
  p->rec_joined = TRUE;
  p->rec_pushed_us[0] = p->rec_pushed_us[1] = 0;
}

/* ---- Callbacks from the recorder (on this worker) ------------------------------------ */

static void
on_keyframe_wanted(const char *participant, gpointer user_data)
{
  WtRoom *room = user_data;
  for (guint i = 0; i < room->participants->len; i++) {
    Participant *p = g_ptr_array_index(room->participants, i);
    if (strcmp(p->id, participant) != 0)
      continue;
    for (guint t = 0; t < p->tracks->len; t++)
      wt_room_request_keyframe(p, g_ptr_array_index(p->tracks, t));
  }
}

/* An `alert` to the staff and admins in @room: something they must act on. */
static void
alert_staff(WtRoom *room, const char *kind, const char *reason)
{
  JsonObject *fields = json_object_new();
  json_object_set_string_member(fields, "room", room->id);
  json_object_set_string_member(fields, "kind", kind);
  if (room->recording_id)
    json_object_set_string_member(fields, "recording", room->recording_id);
  json_object_set_string_member(fields, "reason", reason);
  wt_room_tell_staff(room, "alert", fields);
}

static void
on_failed(const char *code, const char *reason, gpointer user_data)
{
  WtRoom *room = user_data;
  g_warning("room %s: recording %s failed (%s): %s", room->id, room->recording_id, code, reason);
  room->recording_failed = TRUE;
  broadcast_state(room, "failed", reason);
  alert_staff(room, code, reason);
}

static void
forget_recorder(WtRoom *room)
{
  for (guint i = 0; i < room->participants->len; i++)
    ((Participant *)g_ptr_array_index(room->participants, i))->rec_joined = FALSE;
  g_clear_pointer(&room->recorder, wt_recorder_free);
  g_clear_pointer(&room->recording_id, g_free);
  room->recording_stopping = FALSE;
  room->recording_failed = FALSE;
}

static void
on_sealed(const char *dir, const char *reason, const GError *error, gpointer user_data)
{
  WtRoom *room = user_data;
  if (error)
    g_warning("room %s: recording %s could not be sealed: %s", room->id, room->recording_id,
              error->message);
  else
    g_message("room %s: recording %s sealed (%s) in %s", room->id, room->recording_id, reason, dir);
  broadcast_state(room, "off", error ? error->message : reason);
  forget_recorder(room);
}

char *
wt_room_disk_low(const WtRoomEnv *env)
{
  guint64 free_bytes = 0;
  g_autoptr(GError) error = NULL;
  if (!env->min_free_bytes || !env->archive_dir)
    return NULL;
  if (!wt_recorder_disk_free(env->archive_dir, &free_bytes, &error)) {
    g_warning("recording: %s", error->message);
    return NULL; /* the recorder's own checks still apply */
  }
  if (free_bytes >= env->min_free_bytes)
    return NULL;
  return g_strdup_printf("the archive's disk is nearly full: %" G_GUINT64_FORMAT
                         " MiB free, below [recording] min_free_mb (%" G_GUINT64_FORMAT ")",
                         free_bytes >> 20, env->min_free_bytes >> 20);
}

static void
on_segment_written(const char *participant, const char *file, gpointer user_data)
{
  WtRoom *room = user_data;
  for (guint i = 0; i < room->participants->len; i++) {
    Participant *p = g_ptr_array_index(room->participants, i);
    if (strcmp(p->id, participant) == 0)
      wt_room_liveness_on_segment(p, file);
  }
}

/* ---- Start and stop ---------------------------------------------------------------------- */

static char *
new_recording_id(void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc();
  g_autofree char *when = g_date_time_format(now, "%Y%m%dT%H%M%SZ");
  return g_strdup_printf("r-%s-%06x", when, g_random_int() & 0xffffff);
}

gboolean
wt_room_recording_start(WtRoom *room, const char *by, GError **error)
{
  static const WtRecorderCallbacks callbacks = {on_keyframe_wanted, on_failed, on_sealed,
                                                on_segment_written};
  const WtRoomEnv *env = room->env;
  if (room->recorder)
    return TRUE;
  if (!env->signing_key || !env->archive_dir) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "recording is not set up");
    return FALSE;
  }
  g_autofree char *low = wt_room_disk_low(env);
  if (low) {
    g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, low);
    return FALSE;
  }
  g_autofree char *id = new_recording_id();
  WtRecorderConfig config = {
      .archive_dir = env->archive_dir,
      .id = id,
      .key = env->signing_key,
      .segment_s = env->segment_s,
      .queue_packets = env->recorder_queue_packets,
      .tsa_url = env->tsa_url,
      .tsa_timeout_ms = env->tsa_timeout_ms,
      .context = wt_worker_get_context(room->worker),
      .min_free_bytes = env->min_free_bytes,
      .notary = env->notary,
      .anchor_every_segments = env->anchor_every_segments,
  };
  room->recorder = wt_recorder_new(&config, &callbacks, room, error);
  if (!room->recorder)
    return FALSE;
  room->recording_id = g_steal_pointer(&id);
  g_message("room %s: %s starts recording %s", room->id, by, room->recording_id);
  for (guint i = 0; i < room->participants->len; i++)
    join_recorder(g_ptr_array_index(room->participants, i));
  broadcast_state(room, "on", NULL);
  return TRUE;
}

void
wt_room_recording_stop(WtRoom *room, const char *reason)
{
  if (!room->recorder || room->recording_stopping)
    return;
  room->recording_stopping = TRUE;
  wt_recorder_stop(room->recorder, reason);
}

/* ---- What the room tells us ---------------------------------------------------------------- */

void
wt_room_recording_on_join(Participant *p, const WtIdentity *who, gboolean rejoin)
{
  WtRoom *room = p->room;
  if (room->recorder && !room->recording_stopping) {
    if (rejoin && p->rec_joined)
      wt_recorder_leave(room->recorder, p->rec_who, "reconnected");
    join_recorder(p);
  } else if (!room->recorder && who->record && may_record(who->role)) {
    g_autoptr(GError) error = NULL;
    if (!wt_room_recording_start(room, p->id, &error))
      g_warning("%s: cannot start recording: %s", p->log_prefix, error->message);
  }
}

void
wt_room_recording_on_tracks(Participant *p)
{
  if (p->room->recorder && p->rec_joined) {
    p->rec_tracks = tracks_of(p);
    wt_recorder_set_tracks(p->room->recorder, p->rec_who, &p->rec_tracks);
  }
}

void
wt_room_recording_on_leave(Participant *p, const char *reason)
{
  WtRoom *room = p->room;
  if (room->recorder && p->rec_joined) {
    wt_room_liveness_on_segment(p, NULL); /* the segment the leave closes */
    wt_recorder_leave(room->recorder, p->rec_who, reason);
  }
  p->rec_joined = FALSE;
  if (room->participants->len == 0)
    wt_room_recording_stop(room, "ended");
}

void
wt_room_recording_add_state(WtRoom *room, JsonObject *result)
{
  JsonObject *o = json_object_new();
  json_object_set_string_member(o, "state", room->recorder ? "on" : "off");
  if (room->recording_id)
    json_object_set_string_member(o, "id", room->recording_id);
  json_object_set_object_member(result, "recording", o);
}

void
wt_room_recording_free(WtRoom *room)
{
  /* Still running when the room goes: the server is stopping. Blocks until sealed. */
  if (!room->recorder)
    return;
  const char *reason = room->recording_stopping ? "ended" : "shutdown";
  wt_room_recording_stop(room, reason);
  g_clear_pointer(&room->recorder, wt_recorder_free);
  /* Nobody is left to tell, but modules learn that the recording is sealed. */
  g_autoptr(JsonObject) fields = state_fields(room, "off", reason);
  wt_room_observe(room, "recording", fields);
  g_clear_pointer(&room->recording_id, g_free);
}

void
wt_room_recording_handle(Participant *p, WtRequest *req)
{
  WtRoom *room = p->room;
  WtSignaling *sig = room->env->signaling;
  JsonObject *body = wt_request_get_body(req);
  const char *action = json_object_get_string_member_with_default(body, "action", NULL);
  if (!may_record(p->role)) {
    wt_signaling_reply_error(sig, req, ERR_FORBIDDEN, "only staff may start or stop recording");
    return;
  }
  if (g_strcmp0(action, "start") == 0) {
    g_autoptr(GError) error = NULL;
    if (!wt_room_recording_start(room, p->id, &error)) {
      wt_signaling_reply_error(sig, req,
                               g_error_matches(error, G_IO_ERROR, G_IO_ERROR_NO_SPACE)
                                   ? WT_ERR_DISK_FULL
                                   : WT_ERR_INTERNAL,
                               error->message);
      return;
    }
  } else if (g_strcmp0(action, "stop") == 0) {
    wt_room_recording_stop(room, "ended");
  } else {
    wt_signaling_reply_error(sig, req, ERR_BAD_MESSAGE, "action must be \"start\" or \"stop\"");
    return;
  }
  JsonObject *result = json_object_new();
  json_object_set_string_member(result, "state",
                                room->recorder && !room->recording_stopping ? "on" : "stopping");
  if (room->recording_id)
    json_object_set_string_member(result, "recording", room->recording_id);
  wt_signaling_reply(sig, req, result);
}

const char *
wt_room_recording_state(WtRoom *room)
{
  return !room->recorder ? "off" : room->recording_stopping ? "stopping" : "on";
}

void
wt_room_recording_recorded(Participant *p, gboolean *audio, gboolean *video)
{
  WtRoom *room = p->room;
  gboolean running =
      room->recorder && !room->recording_stopping && !room->recording_failed && p->rec_joined;
  gint64 now = g_get_monotonic_time();
  *audio = running && p->rec_tracks.audio_codec == WT_CODEC_OPUS && p->rec_pushed_us[0] &&
           now - p->rec_pushed_us[0] < WT_ROOM_RECORDED_WITHIN_US;
  *video = running && p->rec_tracks.video_codec != WT_CODEC_NONE && p->rec_pushed_us[1] &&
           now - p->rec_pushed_us[1] < WT_ROOM_RECORDED_WITHIN_US;
}

gboolean
wt_room_recording_add_evidence(WtRoom *room, const char *type, JsonObject *payload, GError **error)
{
  if (!room->recorder || room->recording_stopping || room->recording_failed) {
    json_object_unref(payload);
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, "room %s: %s", room->id,
                !room->recorder            ? "nothing is being recorded"
                : room->recording_stopping ? "the recording is stopping"
                                           : "the recording has failed");
    return FALSE;
  }
  g_message("room %s: a %s record goes into recording %s", room->id, type, room->recording_id);
  wt_recorder_add_evidence(room->recorder, WT_RECORDER_ROOM, type, payload, NULL, NULL);
  return TRUE;
}
