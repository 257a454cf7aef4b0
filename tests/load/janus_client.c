/* janus_client.c — the load peer's side of Janus 1.1.x: the VideoRoom plugin
 * (janus.plugin.videoroom) over the WebSocket transport (subprotocol
 * "janus-protocol"), so that scripts/bench can load Janus exactly as it loads
 * witnessd. Main thread.
 *
 * Each participant has its own WebSocket and Janus session:
 *
 *   publisher:  create → attach → join {ptype: publisher} → "joined" (feed id)
 *               → configure {audio, video} + our offer → "configured" + answer
 *               → "webrtcup": the room is ready for subscribers
 *   subscriber: create → attach → join {ptype: subscriber, streams: [{feed}]}
 *               → "attached" + Janus's offer → start + our answer
 *
 * Janus only lets a subscriber join a feed whose PeerConnection is up, so the
 * room is made ready on the publisher's "webrtcup", not on "joined". Janus puts
 * its own candidates in its SDP (half-trickle); ours are trickled, ending with
 * {completed: true}. A keepalive every 25 s keeps the session inside Janus's
 * 60 s session_timeout.
 *
 * Transactions are "<request>.<n>": the request they answer, then a counter
 * that makes each unique, so no table of pending requests is kept. Any
 * "janus": "error" (but for a trickle), any plugin error, a hangup, a detach
 * or a session timeout fails the participant with Janus's reason.
 */
#include <string.h>

#include "load.h"

#define JANUS_SUBPROTOCOL "janus-protocol"
#define JANUS_PLUGIN "janus.plugin.videoroom"
#define KEEPALIVE_S 25

typedef struct {
  LoadWs *ws;
  guint64 session_id; /* 0 until "create" succeeds */
  guint64 handle_id;  /* 0 until "attach" succeeds */
  guint next_transaction;
  guint keepalive; /* GSource id, 0 when none */
} JanusState;

/* ---- Requests ----------------------------------------------------------------- */

static void
send_json(LoadParticipant *p, JsonObject *msg)
{
  JanusState *st = p->proto;
  if (p->run->opt.verbose) {
    g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), msg);
    g_autofree char *text = json_to_string(node, FALSE);
    g_message("%s -> %.300s", p->name, text);
  }
  load_ws_send(st->ws, msg);
}

/* A Janus API request (transfer full) with a fresh transaction naming
 * @request, and the session and handle once we have them. */
static JsonObject *
new_request(LoadParticipant *p, const char *janus, const char *request)
{
  JanusState *st = p->proto;
  JsonObject *msg = json_object_new();
  g_autofree char *transaction = g_strdup_printf("%s.%u", request, ++st->next_transaction);
  json_object_set_string_member(msg, "janus", janus);
  json_object_set_string_member(msg, "transaction", transaction);
  if (st->session_id)
    json_object_set_int_member(msg, "session_id", (gint64)st->session_id);
  if (st->handle_id)
    json_object_set_int_member(msg, "handle_id", (gint64)st->handle_id);
  return msg;
}

/* Sends @body (transfer full) to the plugin, with a JSEP of @type and @sdp
 * when @sdp is not NULL. */
static void
send_plugin_message(LoadParticipant *p, JsonObject *body, const char *type, const char *sdp)
{
  const char *request = json_object_get_string_member_with_default(body, "request", "message");
  JsonObject *msg = new_request(p, "message", request);
  json_object_set_object_member(msg, "body", body);
  if (sdp) {
    JsonObject *jsep = json_object_new();
    json_object_set_string_member(jsep, "type", type);
    json_object_set_string_member(jsep, "sdp", sdp);
    json_object_set_object_member(msg, "jsep", jsep);
  }
  send_json(p, msg);
}

static gboolean
send_keepalive(gpointer data)
{
  LoadParticipant *p = data;
  send_json(p, new_request(p, "keepalive", "keepalive"));
  return G_SOURCE_CONTINUE;
}

static void
send_join(LoadParticipant *p)
{
  LoadRoom *room = p->room;
  JsonObject *body = json_object_new();
  json_object_set_string_member(body, "request", "join");
  json_object_set_int_member(body, "room", (gint64)room->janus_room);
  json_object_set_string_member(body, "ptype", p->publisher ? "publisher" : "subscriber");
  if (p->publisher) {
    json_object_set_string_member(body, "display", p->name);
  } else {
    /* 1.x: a subscription is a list of streams; a feed alone means all of them. */
    JsonObject *stream = json_object_new();
    json_object_set_int_member(stream, "feed", (gint64)room->janus_feed);
    JsonArray *streams = json_array_new();
    json_array_add_object_element(streams, stream);
    json_object_set_array_member(body, "streams", streams);
  }
  send_plugin_message(p, body, NULL, NULL);
}

/* ---- Reading Janus's messages ----------------------------------------------------- */

/* Member @name of @obj when it is an object, else NULL (transfer none). */
static JsonObject *
get_object(JsonObject *obj, const char *name)
{
  JsonNode *node = obj ? json_object_get_member(obj, name) : NULL;
  return node && JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
}

/* Member @name of @obj when it is a positive integer, else 0. */
static guint64
get_id(JsonObject *obj, const char *name)
{
  JsonNode *node = obj ? json_object_get_member(obj, name) : NULL;
  if (!node || !JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_INT64)
    return 0;
  gint64 id = json_node_get_int(node);
  return id > 0 ? (guint64)id : 0;
}

/* Does the transaction of @msg answer @request? */
static gboolean
answers(JsonObject *msg, const char *request)
{
  const char *transaction = json_object_get_string_member_with_default(msg, "transaction", "");
  gsize len = strlen(request);
  return strncmp(transaction, request, len) == 0 && transaction[len] == '.';
}

/* The JSEP SDP of @msg when it is of @type, else NULL (transfer none). */
static const char *
get_jsep_sdp(JsonObject *msg, const char *type)
{
  JsonObject *jsep = get_object(msg, "jsep");
  if (!jsep || g_strcmp0(json_object_get_string_member_with_default(jsep, "type", ""), type))
    return NULL;
  return json_object_get_string_member_with_default(jsep, "sdp", NULL);
}

/* ---- The course of a participant ------------------------------------------------- */

static void
on_created(LoadParticipant *p, JsonObject *msg)
{
  JanusState *st = p->proto;
  st->session_id = get_id(get_object(msg, "data"), "id");
  if (!st->session_id) {
    load_participant_fail(p, "Janus created a session without an id");
    return;
  }
  st->keepalive = g_timeout_add_seconds(KEEPALIVE_S, send_keepalive, p);
  JsonObject *attach = new_request(p, "attach", "attach");
  json_object_set_string_member(attach, "plugin", JANUS_PLUGIN);
  send_json(p, attach);
}

static void
on_attached(LoadParticipant *p, JsonObject *msg)
{
  JanusState *st = p->proto;
  st->handle_id = get_id(get_object(msg, "data"), "id");
  if (!st->handle_id) {
    load_participant_fail(p, "Janus attached %s without a handle id", JANUS_PLUGIN);
    return;
  }
  send_join(p);
}

static void
on_success(LoadParticipant *p, JsonObject *msg)
{
  if (answers(msg, "create"))
    on_created(p, msg);
  else if (answers(msg, "attach"))
    on_attached(p, msg);
}

/* The publisher is in the room: offer our audio and video. */
static void
on_publisher_joined(LoadParticipant *p, JsonObject *data)
{
  g_autoptr(GError) error = NULL;
  guint64 feed = get_id(data, "id");
  if (!feed) {
    load_participant_fail(p, "Janus's \"joined\" has no feed id");
    return;
  }
  p->room->janus_feed = feed;
  g_autofree char *offer = load_rtc_publish_offer(p, &error);
  if (!offer) {
    load_participant_fail(p, "cannot make the publish offer: %s", error->message);
    return;
  }
  JsonObject *body = json_object_new();
  json_object_set_string_member(body, "request", "configure");
  json_object_set_boolean_member(body, "audio", TRUE);
  json_object_set_boolean_member(body, "video", TRUE);
  send_plugin_message(p, body, "offer", offer);
}

static void
on_publish_answer(LoadParticipant *p, const char *sdp)
{
  g_autoptr(GError) error = NULL;
  if (!load_rtc_publish_answer(p, sdp, &error))
    load_participant_fail(p, "unusable publish answer: %s", error->message);
}

static void
on_subscribe_offer(LoadParticipant *p, const char *sdp)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *answer = load_rtc_subscribe_answer(p, sdp, &error);
  if (!answer) {
    load_participant_fail(p, "cannot answer the subscribe offer: %s", error->message);
    return;
  }
  JsonObject *body = json_object_new();
  json_object_set_string_member(body, "request", "start");
  send_plugin_message(p, body, "answer", answer);
}

/* An event of the VideoRoom plugin: @data is plugindata.data. */
static void
on_plugin_event(LoadParticipant *p, JsonObject *msg, JsonObject *data)
{
  if (json_object_has_member(data, "error_code") || json_object_has_member(data, "error")) {
    load_participant_fail(p, "Janus VideoRoom refused: %" G_GINT64_FORMAT ": %s",
                          json_object_get_int_member_with_default(data, "error_code", 0),
                          json_object_get_string_member_with_default(data, "error", "?"));
    return;
  }
  const char *what = json_object_get_string_member_with_default(data, "videoroom", "");
  if (p->publisher) {
    const char *answer = get_jsep_sdp(msg, "answer");
    if (g_strcmp0(what, "joined") == 0)
      on_publisher_joined(p, data);
    else if (answer)
      on_publish_answer(p, answer);
  } else {
    /* "attached" at first, "updated" if Janus renegotiates. */
    const char *offer = get_jsep_sdp(msg, "offer");
    if (offer)
      on_subscribe_offer(p, offer);
  }
}

static void
on_event(LoadParticipant *p, JsonObject *msg)
{
  JsonObject *plugindata = get_object(msg, "plugindata");
  JsonObject *data = get_object(plugindata, "data");
  if (data)
    on_plugin_event(p, msg, data);
}

static void
on_error(LoadParticipant *p, JsonObject *msg)
{
  JsonObject *error = get_object(msg, "error");
  const char *reason =
      error ? json_object_get_string_member_with_default(error, "reason", "?") : "?";
  if (answers(msg, "trickle")) { /* a candidate Janus did not take: not fatal */
    if (p->run->opt.verbose)
      g_message("%s: Janus refused a candidate: %s", p->name, reason);
    return;
  }
  const char *transaction = json_object_get_string_member_with_default(msg, "transaction", "");
  g_autofree char *request = g_strndup(transaction, strcspn(transaction, "."));
  load_participant_fail(
      p, "Janus refused %s: %" G_GINT64_FORMAT ": %s", *request ? request : "a request",
      error ? json_object_get_int_member_with_default(error, "code", 0) : 0, reason);
}

/* A candidate Janus trickles (only with full_trickle on). */
static void
on_trickle(LoadParticipant *p, JsonObject *msg)
{
  JsonObject *candidate = get_object(msg, "candidate");
  if (candidate)
    load_rtc_add_candidate(
        p, json_object_get_string_member_with_default(candidate, "candidate", NULL));
}

static void
on_message(LoadWs *ws, JsonObject *msg, gpointer user_data)
{
  LoadParticipant *p = user_data;
  const char *janus = json_object_get_string_member_with_default(msg, "janus", "");
  if (p->run->opt.verbose) {
    g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), msg);
    g_autofree char *text = json_to_string(node, FALSE);
    g_message("%s <- %.300s", p->name, text);
  }
  if (g_strcmp0(janus, "success") == 0)
    on_success(p, msg);
  else if (g_strcmp0(janus, "event") == 0)
    on_event(p, msg);
  else if (g_strcmp0(janus, "error") == 0)
    on_error(p, msg);
  else if (g_strcmp0(janus, "trickle") == 0)
    on_trickle(p, msg);
  else if (g_strcmp0(janus, "webrtcup") == 0 && p->publisher)
    load_room_ready(p->room); /* now subscribers may join its feed */
  else if (g_strcmp0(janus, "hangup") == 0)
    load_participant_fail(p, "Janus hung up: %s",
                          json_object_get_string_member_with_default(msg, "reason", "?"));
  else if (g_strcmp0(janus, "detached") == 0)
    load_participant_fail(p, "Janus detached the handle");
  else if (g_strcmp0(janus, "timeout") == 0)
    load_participant_fail(p, "the Janus session timed out");
  /* "ack", "media", "slowlink": nothing to do. */
}

static void
on_open(LoadWs *ws, gpointer user_data)
{
  LoadParticipant *p = user_data;
  send_json(p, new_request(p, "create", "create"));
}

static void
on_closed(LoadWs *ws, const char *why, gpointer user_data)
{
  load_participant_fail(user_data, "%s", why);
}

static const LoadWsCallbacks ws_callbacks = {on_open, on_message, on_closed};

/* ---- The protocol table ------------------------------------------------------------ */

static void
janus_start(LoadParticipant *p)
{
  JanusState *st = g_new0(JanusState, 1);
  p->proto = st;
  st->ws = load_ws_open(p->run->soup, p->run->opt.url, JANUS_SUBPROTOCOL, &ws_callbacks, p);
}

static void
janus_send_candidate(LoadParticipant *p, const char *candidate)
{
  JanusState *st = p->proto;
  if (!st || !st->handle_id)
    return;
  JsonObject *msg = new_request(p, "trickle", "trickle");
  JsonObject *c = json_object_new();
  if (candidate) {
    json_object_set_string_member(c, "candidate", candidate);
    /* Everything is bundled on the first m-section. */
    json_object_set_string_member(c, "sdpMid", "0");
    json_object_set_int_member(c, "sdpMLineIndex", 0);
  } else {
    json_object_set_boolean_member(c, "completed", TRUE);
  }
  json_object_set_object_member(msg, "candidate", c);
  send_json(p, msg);
}

static void
janus_free(LoadParticipant *p)
{
  JanusState *st = p->proto;
  if (!st)
    return;
  if (st->keepalive)
    g_source_remove(st->keepalive);
  /* Closing the WebSocket ends the session: reclaim_session_timeout is 0. */
  load_ws_free(st->ws);
  g_free(st);
  p->proto = NULL;
}

const LoadProtocol load_janus_protocol = {
    .name = "janus",
    .start = janus_start,
    .send_candidate = janus_send_candidate,
    .free = janus_free,
};
