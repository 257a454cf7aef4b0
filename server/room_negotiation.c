/* room_negotiation.c — the negotiation of a participant's publish and
 * subscribe connections: the subscriber's slots and offers, the peers and
 * their callbacks, and the requests a joined participant sends
 * (publish, subscribe, answer, trickle, ice-restart). Worker thread only
 * (see room.h); participants, join and leave are in room.c.
 */
#include <string.h>

#include "room_private.h"
#include "sdp.h"
#include "sdp_codecs.h"

#define ERR_NOT_JOINED "not-joined"
#define ERR_BAD_SDP "bad-sdp"
#define ERR_NEGOTIATION "negotiation"

/* ---- Subscriptions ---------------------------------------------------------------- */

static gboolean
publishes(Participant *p, guint32 ssrc, guint8 pt)
{
  for (guint t = 0; t < p->tracks->len; t++) {
    const WtTrack *track = ((PubTrack *)g_ptr_array_index(p->tracks, t))->track;
    if (track->ssrc == ssrc && track->codec->pt == pt)
      return TRUE;
  }
  return FALSE;
}

/* A payload type for @codec in @q's session: the publisher's own unless
 * another slot already uses it for a different codec. */
static guint8
choose_pt(Participant *q, const WtSdpCodec *codec)
{
  gboolean used[128] = {FALSE};
  gboolean clash = FALSE;
  for (guint s = 0; s < q->slots->len; s++) {
    const WtSdpCodec *c = ((WtSlot *)g_ptr_array_index(q->slots, s))->codec;
    used[c->pt & 127] = TRUE;
    clash |= c->pt == codec->pt && !wt_sdp_codecs_match(c, codec);
  }
  if (!clash)
    return codec->pt;
  for (guint pt = 96; pt < 128; pt++) {
    if (!used[pt])
      return (guint8)pt;
  }
  return codec->pt;
}

static guint32
choose_ssrc(Participant *q, guint32 wanted)
{
  for (;;) {
    gboolean taken = FALSE;
    for (guint s = 0; s < q->slots->len; s++)
      taken |= ((WtSlot *)g_ptr_array_index(q->slots, s))->ssrc == wanted;
    if (!taken && wanted)
      return wanted;
    wanted = g_random_int();
  }
}

static void
add_slot(Participant *q, Participant *source, const WtTrack *track)
{
  WtSlot *slot = g_new0(WtSlot, 1);
  slot->mid = g_strdup_printf("%u", q->slots->len);
  slot->kind = track->kind;
  slot->active = TRUE;
  slot->codec = wt_sdp_codec_copy(track->codec);
  slot->codec->pt = choose_pt(q, track->codec);
  slot->ssrc = choose_ssrc(q, track->ssrc);
  slot->stream_id = g_strdup(source->id);
  slot->track_id =
      g_strdup_printf("%s-%s", track->kind == WT_SDP_MEDIA_AUDIO ? "audio" : "video", slot->mid);
  slot->cname = g_strdup(source->id);

  SubSlot *ss = g_new0(SubSlot, 1);
  ss->slot = slot;
  ss->source = source;
  ss->source_ssrc = track->ssrc;
  ss->source_pt = track->codec->pt;
  for (guint x = 0; x < WT_EXT_COUNT; x++) {
    if (track->ext_ids[x])
      ss->ext_map[track->ext_ids[x]] = wt_extension_id(x);
  }
  g_ptr_array_add(q->slots, slot);
  g_ptr_array_add(q->sub_slots, ss);
}

/* Brings @q's slots in line with what the others publish; TRUE if anything changed. */
static gboolean
refresh_slots(Participant *q)
{
  gboolean changed = FALSE;
  for (guint s = 0; s < q->sub_slots->len; s++) {
    SubSlot *ss = g_ptr_array_index(q->sub_slots, s);
    if (ss->source && !publishes(ss->source, ss->source_ssrc, ss->source_pt)) {
      ss->source = NULL;
      ss->slot->active = FALSE;
      changed = TRUE;
    }
  }
  WtRoom *room = q->room;
  for (guint i = 0; i < room->participants->len; i++) {
    Participant *p = g_ptr_array_index(room->participants, i);
    for (guint t = 0; p != q && t < p->tracks->len; t++) {
      const WtTrack *track = ((PubTrack *)g_ptr_array_index(p->tracks, t))->track;
      gboolean present = !track->ssrc;
      for (guint s = 0; s < q->sub_slots->len && !present; s++) {
        SubSlot *ss = g_ptr_array_index(q->sub_slots, s);
        present = ss->source == p && ss->source_ssrc == track->ssrc;
      }
      if (!present) {
        add_slot(q, p, track);
        changed = TRUE;
      }
    }
  }
  return changed;
}

static void subscribe_candidate(WtPeer *peer, const char *candidate, gpointer user_data);
static void subscribe_connected(WtPeer *peer, gpointer user_data);
static void peer_failed(WtPeer *peer, const char *reason, gpointer user_data);

static const WtPeerCallbacks subscribe_callbacks = {
    subscribe_candidate, subscribe_connected,        peer_failed,
    wt_room_on_rtp,      wt_room_on_subscriber_rtcp,
};

static WtPeer *
new_peer(Participant *p, gboolean controlling, WtDtlsRole role, const char *which,
         const WtPeerCallbacks *callbacks, GError **error)
{
  const WtRoomEnv *env = p->room->env;
  g_autofree char *prefix = g_strdup_printf("%s %s", p->log_prefix, which);
  WtPeerConfig config = {
      .context = wt_worker_get_context(p->room->worker),
      .identity = env->identity,
      .controlling = controlling,
      .dtls_role = role,
      .addresses = (const char *const *)env->ice_addresses,
      .loopback = env->ice_loopback,
      .public_address = env->public_address,
      .port_min = env->port_min,
      .port_max = env->port_max,
      .connect_timeout_s = env->connect_timeout_s,
      .silence_timeout_s = env->silence_timeout_s,
      .log_prefix = prefix,
  };
  return wt_peer_new(&config, callbacks, p, error);
}

static WtLocalTransport
local_transport(WtRoom *room, WtPeer *peer, WtSdpSetup setup, GPtrArray *candidates)
{
  return (WtLocalTransport){
      .ufrag = wt_peer_get_ufrag(peer),
      .pwd = wt_peer_get_pwd(peer),
      .fingerprint = wt_dtls_identity_get_fingerprint(room->env->identity),
      .setup = setup,
      .candidates = candidates,
  };
}

static JsonObject *
streams_json(Participant *q)
{
  JsonObject *streams = json_object_new();
  for (guint s = 0; s < q->sub_slots->len; s++) {
    SubSlot *ss = g_ptr_array_index(q->sub_slots, s);
    if (ss->source && ss->slot->active && !json_object_has_member(streams, ss->source->id)) {
      JsonObject *o = wt_room_participant_json(ss->source);
      json_object_remove_member(o, "tracks");
      json_object_set_object_member(streams, ss->source->id, o);
    }
  }
  return streams;
}

/* Sends @q a new subscribe offer: as the answer to @req, or as an event. */
static void
offer_subscription(Participant *q, WtRequest *req)
{
  WtSignaling *sig = q->room->env->signaling;
  if (q->slots->len == 0) {
    if (req) {
      JsonObject *result = json_object_new();
      json_object_set_null_member(result, "sdp");
      wt_signaling_reply(sig, req, result);
    }
    return;
  }
  g_autoptr(GError) error = NULL;
  if (!q->subscribe && !(q->subscribe = new_peer(q, TRUE, WT_DTLS_ROLE_SERVER, "subscribe",
                                                 &subscribe_callbacks, &error))) {
    if (req)
      wt_signaling_reply_error(sig, req, WT_ERR_INTERNAL, error->message);
    return;
  }
  g_autoptr(GPtrArray) candidates = wt_peer_get_local_candidates(q->subscribe);
  WtLocalTransport local = local_transport(q->room, q->subscribe, WT_SDP_SETUP_ACTPASS, candidates);
  g_autoptr(WtSdp) offer =
      wt_negotiate_subscribe_offer(q->slots, &local, q->sdp_session_id, ++q->sdp_version);
  g_autofree char *text = wt_sdp_write(offer);
  JsonObject *fields = json_object_new();
  json_object_set_string_member(fields, "sdp", text);
  json_object_set_object_member(fields, "streams", streams_json(q));
  q->subscribe_state = SUBSCRIBE_OFFERED;
  q->offer_pending = FALSE;
  if (req)
    wt_signaling_reply(sig, req, fields);
  else
    wt_room_send_event(q, "offer", fields);
}

/* Everyone who subscribed gets an updated offer when what they see changed. */
void
wt_room_update_subscriptions(WtRoom *room)
{
  for (guint i = 0; i < room->participants->len; i++) {
    Participant *q = g_ptr_array_index(room->participants, i);
    if (q->subscribe_state == SUBSCRIBE_OFF)
      continue;
    if (q->subscribe_state == SUBSCRIBE_OFFERED) {
      /* The slots stay as offered until the answer comes (it is checked
       * against them); handle_answer() then offers what changed. */
      q->offer_pending = TRUE;
      continue;
    }
    if (refresh_slots(q) || q->offer_pending)
      offer_subscription(q, NULL);
  }
}

/* Asks every publisher @q receives video from for a keyframe. */
static void
request_keyframes_for(Participant *q)
{
  for (guint s = 0; s < q->sub_slots->len; s++) {
    SubSlot *ss = g_ptr_array_index(q->sub_slots, s);
    for (guint t = 0; ss->source && ss->answered && t < ss->source->tracks->len; t++) {
      PubTrack *pt = g_ptr_array_index(ss->source->tracks, t);
      if (pt->track->ssrc == ss->source_ssrc)
        wt_room_request_keyframe(ss->source, pt);
    }
  }
}

/* ---- Peer callbacks ---------------------------------------------------------------- */

static void
send_candidate(Participant *p, const char *pc, const char *candidate)
{
  JsonObject *fields = json_object_new();
  json_object_set_string_member(fields, "pc", pc);
  if (candidate)
    json_object_set_string_member(fields, "candidate", candidate);
  else
    json_object_set_null_member(fields, "candidate");
  wt_room_send_event(p, "candidate", fields);
}

static void
publish_candidate(WtPeer *peer, const char *candidate, gpointer user_data)
{
  Participant *p = user_data;
  if (p->publish == peer) /* not while creating: those go into the answer */
    send_candidate(p, "publish", candidate);
}

static void
subscribe_candidate(WtPeer *peer, const char *candidate, gpointer user_data)
{
  Participant *p = user_data;
  if (p->subscribe == peer && p->sdp_version > 0)
    send_candidate(p, "subscribe", candidate);
}

static void
publish_connected(WtPeer *peer, gpointer user_data)
{
}

static void
subscribe_connected(WtPeer *peer, gpointer user_data)
{
  request_keyframes_for(user_data);
}

typedef struct {
  WtRoomEnv env;
  char *room, *sub;
  guint64 session;
} GoneMessage;

static gboolean
deliver_gone(gpointer data)
{
  GoneMessage *m = data;
  m->env.participant_gone(m->room, m->sub, m->session, m->env.user_data);
  return G_SOURCE_REMOVE;
}

static void
gone_message_free(gpointer data)
{
  GoneMessage *m = data;
  g_free(m->room);
  g_free(m->sub);
  g_free(m);
}

/* A connection died (ICE, DTLS, silence): the participant has left. */
static void
peer_failed(WtPeer *peer, const char *reason, gpointer user_data)
{
  Participant *p = user_data;
  WtRoom *room = p->room;
  g_message("%s: leaves: %s connection failed: %s", p->log_prefix,
            peer == p->publish ? "publish" : "subscribe", reason);
  JsonObject *fields = json_object_new();
  json_object_set_string_member(fields, "room", room->id);
  json_object_set_string_member(fields, "reason", reason);
  wt_room_send_event(p, "left", fields);

  GoneMessage *m = g_new0(GoneMessage, 1);
  m->env = *room->env;
  m->room = g_strdup(room->id);
  m->sub = g_strdup(p->sub);
  m->session = p->session;
  g_main_context_invoke_full(room->env->main_context, G_PRIORITY_DEFAULT, deliver_gone, m,
                             gone_message_free);
  wt_room_remove_participant(p, reason);
}

static const WtPeerCallbacks publish_callbacks = {
    publish_candidate, publish_connected, peer_failed, wt_room_on_rtp, wt_room_on_publisher_rtcp,
};

/* ---- Requests ------------------------------------------------------------------------ */

static WtSdp *
parse_sdp_field(WtSignaling *sig, WtRequest *req, const char *name)
{
  JsonObject *body = wt_request_get_body(req);
  JsonNode *n = json_object_get_member(body, name);
  if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING) {
    g_autofree char *why = g_strdup_printf("`%s` must be an SDP string", name);
    wt_signaling_reply_error(sig, req, WT_ERR_BAD_MESSAGE, why);
    return NULL;
  }
  const char *text = json_node_get_string(n);
  g_autoptr(GError) error = NULL;
  WtSdp *sdp = wt_sdp_parse(text, strlen(text), &error);
  if (!sdp)
    wt_signaling_reply_error(sig, req, ERR_BAD_SDP, error->message);
  return sdp;
}

/* Applies the remote transport of @sdp to @peer; replies with an error and
 * returns FALSE when it cannot. */
static gboolean
apply_remote(WtSignaling *sig, WtRequest *req, WtPeer *peer, const WtSdp *sdp)
{
  const WtSdpMedia *tag = wt_sdp_bundle_tag(sdp);
  if (!tag && sdp->media->len)
    tag = g_ptr_array_index(sdp->media, 0);
  const WtSdpFingerprint *fp = tag ? wt_sdp_media_get_fingerprint(sdp, tag) : NULL;
  g_autoptr(GError) error = NULL;
  if (!tag || !fp ||
      !wt_peer_set_remote(peer, wt_sdp_media_get_ice_ufrag(sdp, tag),
                          wt_sdp_media_get_ice_pwd(sdp, tag), fp->hash, fp->value, &error)) {
    wt_signaling_reply_error(sig, req, ERR_BAD_SDP,
                             error ? error->message : "SDP has no fingerprint or ICE credentials");
    return FALSE;
  }
  for (guint i = 0; i < tag->candidates->len; i++)
    wt_peer_add_remote_candidate(peer, g_ptr_array_index(tag->candidates, i), NULL);
  return TRUE;
}

static gboolean
same_tracks(GPtrArray *old, GPtrArray *fresh)
{
  if (old->len != fresh->len)
    return FALSE;
  for (guint i = 0; i < old->len; i++) {
    const WtTrack *a = ((PubTrack *)g_ptr_array_index(old, i))->track;
    const WtTrack *b = g_ptr_array_index(fresh, i);
    if (a->ssrc != b->ssrc || a->codec->pt != b->codec->pt)
      return FALSE;
  }
  return TRUE;
}

static void
handle_publish(Participant *p, WtRequest *req)
{
  WtSignaling *sig = p->room->env->signaling;
  g_autoptr(WtSdp) offer = parse_sdp_field(sig, req, "sdp");
  if (!offer)
    return;
  g_autoptr(GError) error = NULL;
  WtPeer *peer = p->publish;
  /* We answer setup:passive (we are the DTLS server): as the client, Chrome
   * offers AEAD_AES_128_GCM first; as the server it picks AES-CM. */
  if (!peer &&
      !(peer = new_peer(p, FALSE, WT_DTLS_ROLE_SERVER, "publish", &publish_callbacks, &error))) {
    wt_signaling_reply_error(sig, req, WT_ERR_INTERNAL, error->message);
    return;
  }
  /* An ICE restart changes our credentials too, before we write the answer. */
  const WtSdpMedia *tag = wt_sdp_bundle_tag(offer);
  const char *remote_ufrag = tag ? wt_sdp_media_get_ice_ufrag(offer, tag) : NULL;
  if (p->publish && wt_peer_get_remote_ufrag(peer) &&
      g_strcmp0(remote_ufrag, wt_peer_get_remote_ufrag(peer)) != 0)
    wt_peer_restart_ice(peer);

  g_autoptr(GPtrArray) tracks = g_ptr_array_new_with_free_func((GDestroyNotify)wt_track_free);
  g_autoptr(GPtrArray) candidates = wt_peer_get_local_candidates(peer);
  WtLocalTransport local = local_transport(p->room, peer, WT_SDP_SETUP_PASSIVE, candidates);
  g_autoptr(WtSdp) answer = wt_negotiate_publish_answer(offer, &local, tracks, &error);
  if (!answer) {
    if (!p->publish)
      wt_peer_free(peer);
    wt_signaling_reply_error(sig, req, ERR_BAD_SDP, error->message);
    return;
  }
  if (!p->publish)
    p->publish = peer; /* candidates from now on are trickled */
  if (!apply_remote(sig, req, peer, offer))
    return;
  g_autofree char *text = wt_sdp_write(answer);
  JsonObject *result = json_object_new();
  json_object_set_string_member(result, "sdp", text);
  wt_signaling_reply(sig, req, result);

  if (same_tracks(p->tracks, tracks))
    return;
  g_ptr_array_set_size(p->tracks, 0);
  for (guint i = 0; i < tracks->len; i++)
    g_ptr_array_add(p->tracks, wt_room_pub_track_new(g_ptr_array_index(tracks, i)));
  g_message("%s: publishes %u tracks", p->log_prefix, p->tracks->len);
  wt_room_recording_on_tracks(p);
  wt_room_liveness_on_tracks(p);
  JsonObject *fields = json_object_new();
  json_object_set_string_member(fields, "room", p->room->id);
  json_object_set_string_member(fields, "participant", p->id);
  json_object_set_array_member(fields, "tracks", wt_room_tracks_json(p));
  wt_room_broadcast(p->room, p, "tracks", fields);
  wt_room_update_subscriptions(p->room);
}

static void
handle_subscribe(Participant *q, WtRequest *req)
{
  if (q->subscribe_state == SUBSCRIBE_OFFERED) {
    wt_signaling_reply_error(q->room->env->signaling, req, ERR_NEGOTIATION,
                             "an offer is waiting for your answer");
    return;
  }
  q->subscribe_state = SUBSCRIBE_STABLE;
  refresh_slots(q);
  offer_subscription(q, req);
}

static void
handle_answer(Participant *q, WtRequest *req)
{
  WtSignaling *sig = q->room->env->signaling;
  if (q->subscribe_state != SUBSCRIBE_OFFERED || !q->subscribe) {
    wt_signaling_reply_error(sig, req, ERR_NEGOTIATION, "no offer is waiting for an answer");
    return;
  }
  g_autoptr(WtSdp) answer = parse_sdp_field(sig, req, "sdp");
  if (!answer)
    return;
  g_autoptr(GError) error = NULL;
  if (!wt_negotiate_subscribe_answer(answer, q->slots, &error)) {
    /* Start over with a fresh offer rather than wait for an answer that
     * cannot come. */
    wt_signaling_reply_error(sig, req, ERR_BAD_SDP, error->message);
    q->subscribe_state = SUBSCRIBE_STABLE;
    refresh_slots(q);
    offer_subscription(q, NULL);
    return;
  }
  const WtSdpMedia *tag = wt_sdp_bundle_tag(answer);
  if (!tag && answer->media->len)
    tag = g_ptr_array_index(answer->media, 0);
  if (!wt_peer_get_remote_ufrag(q->subscribe) && tag)
    wt_peer_set_dtls_role(q->subscribe, wt_sdp_media_get_setup(answer, tag) == WT_SDP_SETUP_PASSIVE
                                            ? WT_DTLS_ROLE_CLIENT
                                            : WT_DTLS_ROLE_SERVER);
  if (!apply_remote(sig, req, q->subscribe, answer))
    return;
  for (guint s = 0; s < q->sub_slots->len; s++)
    ((SubSlot *)g_ptr_array_index(q->sub_slots, s))->answered = TRUE;
  q->subscribe_state = SUBSCRIBE_STABLE;
  wt_signaling_reply(sig, req, NULL);
  if (wt_peer_is_connected(q->subscribe))
    request_keyframes_for(q);
  if (refresh_slots(q) || q->offer_pending)
    offer_subscription(q, NULL);
}

static void
handle_trickle(Participant *p, WtRequest *req)
{
  WtSignaling *sig = p->room->env->signaling;
  JsonObject *body = wt_request_get_body(req);
  const char *pc = json_object_get_string_member_with_default(body, "pc", "");
  WtPeer *peer = g_str_equal(pc, "publish")     ? p->publish
                 : g_str_equal(pc, "subscribe") ? p->subscribe
                                                : NULL;
  if (!peer) {
    wt_signaling_reply_error(sig, req, ERR_NEGOTIATION,
                             "`pc` must name a connection that exists: publish or subscribe");
    return;
  }
  JsonNode *c = json_object_get_member(body, "candidate");
  if (!c || JSON_NODE_HOLDS_NULL(c)) { /* end of candidates */
    wt_signaling_reply(sig, req, NULL);
    return;
  }
  if (!JSON_NODE_HOLDS_VALUE(c) || json_node_get_value_type(c) != G_TYPE_STRING) {
    wt_signaling_reply_error(sig, req, WT_ERR_BAD_MESSAGE, "`candidate` must be a string or null");
    return;
  }
  g_autoptr(GError) error = NULL;
  JsonObject *result = json_object_new();
  if (!wt_peer_add_remote_candidate(peer, json_node_get_string(c), &error)) {
    if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED)) {
      json_object_unref(result);
      wt_signaling_reply_error(sig, req, WT_ERR_BAD_MESSAGE, error->message);
      return;
    }
    json_object_set_string_member(result, "ignored", error->message);
  }
  wt_signaling_reply(sig, req, result);
}

static void
handle_ice_restart(Participant *q, WtRequest *req)
{
  WtSignaling *sig = q->room->env->signaling;
  JsonObject *body = wt_request_get_body(req);
  const char *pc = json_object_get_string_member_with_default(body, "pc", "subscribe");
  if (!g_str_equal(pc, "subscribe") || !q->subscribe) {
    wt_signaling_reply_error(
        sig, req, ERR_NEGOTIATION,
        "restart the publish connection by sending publish with an offer made "
        "with iceRestart; ice-restart is for an existing subscribe connection");
    return;
  }
  if (q->subscribe_state == SUBSCRIBE_OFFERED) {
    wt_signaling_reply_error(sig, req, ERR_NEGOTIATION, "an offer is waiting for your answer");
    return;
  }
  wt_peer_restart_ice(q->subscribe);
  offer_subscription(q, req);
}

void
wt_room_handle(WtRoom *room, WtRequest *req)
{
  Participant *p = wt_room_find_by_session(room, wt_request_get_session(req));
  const char *type = wt_request_get_type(req);
  if (!p) {
    wt_signaling_reply_error(room->env->signaling, req, ERR_NOT_JOINED,
                             "this connection is not in the room (it left or was replaced)");
  } else if (g_str_equal(type, "publish")) {
    handle_publish(p, req);
  } else if (g_str_equal(type, "subscribe")) {
    handle_subscribe(p, req);
  } else if (g_str_equal(type, "answer")) {
    handle_answer(p, req);
  } else if (g_str_equal(type, "trickle")) {
    handle_trickle(p, req);
  } else if (g_str_equal(type, "ice-restart")) {
    handle_ice_restart(p, req);
  } else if (g_str_equal(type, "record")) {
    wt_room_recording_handle(p, req);
  } else if (g_str_equal(type, "liveness")) {
    wt_room_liveness_handle(p, req);
  } else {
    wt_signaling_reply_error(room->env->signaling, req, WT_ERR_UNKNOWN_TYPE, "not a room request");
  }
}
