/* witness_client.c — the load peer's side of witnessd's protocol
 * (signaling/PROTOCOL.md): hello with a token it mints from the server's
 * secret, join, then publish (the publisher) or subscribe (everyone else),
 * trickle both ways. Main thread.
 *
 * Request ids name what they answer ("hello", "join", "publish",
 * "subscribe", "answer", "trickle"), so no table of pending requests is kept.
 */
#include <string.h>

#include "load.h"
#include "token.h"

typedef struct {
  LoadWs *ws;
} WitnessState;

static void
send_request(LoadParticipant *p, const char *type, JsonObject *msg)
{
  WitnessState *st = p->proto;
  json_object_set_string_member(msg, "type", type);
  json_object_set_string_member(msg, "id", type);
  load_ws_send(st->ws, msg);
}

static void
on_open(LoadWs *ws, gpointer user_data)
{
  LoadParticipant *p = user_data;
  LoadRun *run = p->run;
  WtIdentity identity = {
      .sub = p->name,
      .role = p->publisher ? WT_ROLE_APPLICANT : WT_ROLE_STAFF,
      .room = p->room->name,
      .exp = g_get_real_time() / G_USEC_PER_SEC + 24 * 3600,
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *token =
      wt_token_mint(&identity, (const guint8 *)run->opt.secret, strlen(run->opt.secret), &error);
  if (!token) {
    load_participant_fail(p, "cannot mint a token: %s", error->message);
    return;
  }
  JsonObject *msg = json_object_new();
  json_object_set_string_member(msg, "token", token);
  send_request(p, "hello", msg);
}

static void
send_sdp(LoadParticipant *p, const char *type, const char *sdp)
{
  JsonObject *msg = json_object_new();
  json_object_set_string_member(msg, "sdp", sdp);
  send_request(p, type, msg);
}

static void
answer_offer(LoadParticipant *p, const char *offer)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *answer = load_rtc_subscribe_answer(p, offer, &error);
  if (!answer) {
    load_participant_fail(p, "cannot answer the subscribe offer: %s", error->message);
    return;
  }
  send_sdp(p, "answer", answer);
}

static void
on_result(LoadParticipant *p, const char *id, JsonObject *result)
{
  g_autoptr(GError) error = NULL;
  if (g_strcmp0(id, "hello") == 0) {
    JsonObject *msg = json_object_new();
    json_object_set_string_member(msg, "room", p->room->name);
    send_request(p, "join", msg);
  } else if (g_strcmp0(id, "join") == 0 && p->publisher) {
    g_autofree char *offer = load_rtc_publish_offer(p, &error);
    if (!offer)
      load_participant_fail(p, "cannot make the publish offer: %s", error->message);
    else
      send_sdp(p, "publish", offer);
  } else if (g_strcmp0(id, "join") == 0) {
    send_request(p, "subscribe", json_object_new());
  } else if (g_strcmp0(id, "publish") == 0) {
    const char *sdp =
        result ? json_object_get_string_member_with_default(result, "sdp", NULL) : NULL;
    if (!sdp || !load_rtc_publish_answer(p, sdp, &error))
      load_participant_fail(p, "unusable publish answer: %s", error ? error->message : "no sdp");
    else
      load_room_ready(p->room);
  } else if (g_strcmp0(id, "subscribe") == 0) {
    const char *sdp =
        result ? json_object_get_string_member_with_default(result, "sdp", NULL) : NULL;
    if (sdp) /* else an offer event comes once the publisher's tracks are there */
      answer_offer(p, sdp);
  }
}

static void
on_event(LoadParticipant *p, const char *event, JsonObject *msg)
{
  if (g_strcmp0(event, "offer") == 0) {
    const char *sdp = json_object_get_string_member_with_default(msg, "sdp", NULL);
    if (sdp)
      answer_offer(p, sdp);
  } else if (g_strcmp0(event, "candidate") == 0) {
    load_rtc_add_candidate(p, json_object_get_string_member_with_default(msg, "candidate", NULL));
  } else if (g_strcmp0(event, "left") == 0) {
    load_participant_fail(p, "the server put us out of the room: %s",
                          json_object_get_string_member_with_default(msg, "reason", "?"));
  }
}

static void
on_message(LoadWs *ws, JsonObject *msg, gpointer user_data)
{
  LoadParticipant *p = user_data;
  const char *type = json_object_get_string_member_with_default(msg, "type", "");
  const char *id = json_object_has_member(msg, "id") && !json_object_get_null_member(msg, "id")
                       ? json_object_get_string_member_with_default(msg, "id", NULL)
                       : NULL;
  if (p->run->opt.verbose) {
    g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), msg);
    g_autofree char *text = json_to_string(node, FALSE);
    g_message("%s <- %.300s", p->name, text);
  }
  if (g_strcmp0(type, "result") == 0) {
    JsonNode *result = json_object_get_member(msg, "result");
    on_result(p, id,
              result && JSON_NODE_HOLDS_OBJECT(result) ? json_node_get_object(result) : NULL);
  } else if (g_strcmp0(type, "event") == 0) {
    on_event(p, json_object_get_string_member_with_default(msg, "event", ""), msg);
  } else if (g_strcmp0(type, "error") == 0 && g_strcmp0(id, "trickle") != 0) {
    load_participant_fail(p, "%s refused: %s: %s", id ? id : "a request",
                          json_object_get_string_member_with_default(msg, "code", "?"),
                          json_object_get_string_member_with_default(msg, "reason", "?"));
  }
}

static void
on_closed(LoadWs *ws, const char *why, gpointer user_data)
{
  load_participant_fail(user_data, "%s", why);
}

static const LoadWsCallbacks ws_callbacks = {on_open, on_message, on_closed};

static void
witness_start(LoadParticipant *p)
{
  WitnessState *st = g_new0(WitnessState, 1);
  p->proto = st;
  st->ws = load_ws_open(p->run->soup, p->run->opt.url, NULL, &ws_callbacks, p);
}

static void
witness_send_candidate(LoadParticipant *p, const char *candidate)
{
  JsonObject *msg = json_object_new();
  json_object_set_string_member(msg, "pc", p->publisher ? "publish" : "subscribe");
  if (candidate)
    json_object_set_string_member(msg, "candidate", candidate);
  else
    json_object_set_null_member(msg, "candidate");
  send_request(p, "trickle", msg);
}

static void
witness_free(LoadParticipant *p)
{
  WitnessState *st = p->proto;
  if (!st)
    return;
  load_ws_free(st->ws);
  g_free(st);
  p->proto = NULL;
}

const LoadProtocol load_witness_protocol = {
    .name = "witnessd",
    .start = witness_start,
    .send_candidate = witness_send_candidate,
    .free = witness_free,
};
