/* rtc.c — the media connection of a load participant, on WtPeer (the same
 * ICE/DTLS/SRTP code witnessd uses) and the SDP parser and writer of
 * server/sdp.h.
 *
 * A publisher offers one Opus and one VP8 m-section, sendonly and bundled, and
 * controls ICE. A subscriber answers whatever the server offers: for each
 * m-section the first codec that is not RTX, recvonly; data channels and
 * unknown media are rejected. Every connection gathers on 127.0.0.1 only:
 * load traffic never leaves loopback. Main thread.
 */
#include <string.h>

#include "load.h"
#include "sdp.h"

#define PROTO "UDP/TLS/RTP/SAVPF"

static void
on_local_candidate(WtPeer *peer, const char *candidate, gpointer user_data)
{
  LoadParticipant *p = user_data;
  if (p->sdp_sent)
    p->run->protocol->send_candidate(p, candidate);
  else if (!candidate)
    p->gathering_done = TRUE;
}

static void
on_connected(WtPeer *peer, gpointer user_data)
{
  load_participant_connected(user_data);
}

static void
on_failed(WtPeer *peer, const char *reason, gpointer user_data)
{
  load_participant_fail(user_data, "media connection failed: %s", reason);
}

static void
on_rtp(WtPeer *peer, guint8 *buf, gsize len, gpointer user_data)
{
  LoadParticipant *p = user_data;
  if (!p->publisher)
    load_stats_packet(p, buf, len, TRUE);
}

static void
on_raw_rtp(WtPeer *peer, const guint8 *buf, gsize len, gpointer user_data)
{
  load_stats_packet(user_data, buf, len, FALSE);
}

static void
on_rtcp(WtPeer *peer, guint8 *buf, gsize len, gpointer user_data)
{
  /* REMB, receiver reports, keyframe requests: the clip has its own keyframes
   * and the load peer does not adapt, so all of it ends here. */
}

static const WtPeerCallbacks callbacks = {
    on_local_candidate, on_connected, on_failed, on_rtp, on_rtcp,
};

static WtPeer *
new_peer(LoadParticipant *p, gboolean controlling, WtDtlsRole role, GError **error)
{
  static const char *const loopback[] = {"127.0.0.1", NULL};
  WtPeerConfig config = {
      .context = g_main_context_default(),
      .identity = p->run->identity,
      .controlling = controlling,
      .dtls_role = role,
      .addresses = loopback,
      .connect_timeout_s = (guint)MAX(p->run->opt.join_timeout_s, 5),
      .silence_timeout_s = 15,
      .log_prefix = p->name,
  };
  WtPeer *peer = wt_peer_new(&config, &callbacks, p, error);
  if (peer && !p->publisher && p->run->opt.sample > 1)
    wt_peer_set_rtp_sampling(peer, p->run->opt.sample, on_raw_rtp);
  return peer;
}

/* Our transport attributes and the candidates gathered so far. */
static void
set_transport(LoadParticipant *p, WtSdp *sdp, WtSdpMedia *m, WtSdpSetup setup)
{
  m->ice_ufrag = g_strdup(wt_peer_get_ufrag(p->peer));
  m->ice_pwd = g_strdup(wt_peer_get_pwd(p->peer));
  m->ice_options = g_strdup("trickle");
  m->fingerprint.hash = g_strdup("sha-256");
  m->fingerprint.value = g_strdup(wt_dtls_identity_get_fingerprint(p->run->identity));
  m->setup = setup;
  m->rtcp_mux = TRUE;
  if (sdp->bundle->len == 0) { /* the tagged m-section carries the candidates */
    g_autoptr(GPtrArray) candidates = wt_peer_get_local_candidates(p->peer);
    for (guint i = 0; i < candidates->len; i++)
      g_ptr_array_add(m->candidates, g_strdup(candidates->pdata[i]));
    m->end_of_candidates = p->gathering_done;
  }
}

static WtSdp *
new_session(void)
{
  WtSdp *sdp = wt_sdp_new();
  sdp->origin_username = g_strdup("-");
  sdp->session_id = g_random_int() | 1;
  sdp->session_version = 2;
  sdp->session_name = g_strdup("-");
  sdp->msid_semantic = g_strdup("WMS");
  return sdp;
}

static void
add_publish_section(LoadParticipant *p, WtSdp *sdp, LoadKind kind)
{
  const LoadSendTrack *t = &p->sender.tracks[kind];
  gboolean audio = kind == LOAD_AUDIO;
  WtSdpMedia *m = wt_sdp_media_new(audio ? "audio" : "video", PROTO);
  m->port = 9;
  m->mid = g_strdup(audio ? "0" : "1");
  m->direction = WT_SDP_DIRECTION_SENDONLY;
  set_transport(p, sdp, m, WT_SDP_SETUP_ACTPASS);
  WtSdpCodec *c = audio ? wt_sdp_codec_new(LOAD_PT_OPUS, "opus", 48000, 2)
                        : wt_sdp_codec_new(LOAD_PT_VP8, "VP8", 90000, 0);
  if (audio) {
    c->fmtp = g_strdup("minptime=10;useinbandfec=1");
  } else {
    g_ptr_array_add(c->rtcp_fb, g_strdup("nack"));
    g_ptr_array_add(c->rtcp_fb, g_strdup("nack pli"));
    g_ptr_array_add(c->rtcp_fb, g_strdup("ccm fir"));
  }
  g_ptr_array_add(m->codecs, c);
  m->msid_stream = g_strdup(p->name);
  m->msid_track = g_strdup(audio ? "audio" : "video");
  WtSdpSsrc *s = wt_sdp_ssrc_new(t->ssrc);
  s->cname = g_strdup(p->name);
  s->msid_stream = g_strdup(m->msid_stream);
  s->msid_track = g_strdup(m->msid_track);
  g_ptr_array_add(m->ssrcs, s);
  g_ptr_array_add(sdp->bundle, g_strdup(m->mid));
  g_ptr_array_add(sdp->media, m);
}

char *
load_rtc_publish_offer(LoadParticipant *p, GError **error)
{
  /* The role is settled by the answer's a=setup (wt_peer_set_dtls_role). */
  if (!p->peer && !(p->peer = new_peer(p, TRUE, WT_DTLS_ROLE_CLIENT, error)))
    return NULL;
  g_autoptr(WtSdp) sdp = new_session();
  add_publish_section(p, sdp, LOAD_AUDIO);
  add_publish_section(p, sdp, LOAD_VIDEO);
  p->sdp_sent = TRUE;
  return wt_sdp_write(sdp);
}

/* The ICE credentials, fingerprint and candidates of @sdp, which is already
 * parsed; the DTLS role must have been settled. */
static gboolean
apply_remote(LoadParticipant *p, const WtSdp *sdp, GError **error)
{
  const WtSdpMedia *tag = wt_sdp_bundle_tag(sdp);
  if (!tag && sdp->media->len)
    tag = sdp->media->pdata[0];
  if (!tag) {
    g_set_error(error, WT_SDP_ERROR, WT_SDP_ERROR_INVALID, "the SDP has no m-section");
    return FALSE;
  }
  const WtSdpFingerprint *fp = wt_sdp_media_get_fingerprint(sdp, tag);
  const char *ufrag = wt_sdp_media_get_ice_ufrag(sdp, tag);
  const char *pwd = wt_sdp_media_get_ice_pwd(sdp, tag);
  if (!fp || !fp->hash || !ufrag || !pwd) {
    g_set_error(error, WT_SDP_ERROR, WT_SDP_ERROR_INVALID,
                "the SDP lacks ICE credentials or a fingerprint");
    return FALSE;
  }
  if (!wt_peer_set_remote(p->peer, ufrag, pwd, fp->hash, fp->value, error))
    return FALSE;
  for (guint i = 0; i < sdp->media->len; i++) {
    const WtSdpMedia *m = sdp->media->pdata[i];
    for (guint c = 0; c < m->candidates->len; c++)
      load_rtc_add_candidate(p, m->candidates->pdata[c]);
  }
  return TRUE;
}

gboolean
load_rtc_publish_answer(LoadParticipant *p, const char *text, GError **error)
{
  g_autoptr(WtSdp) sdp = wt_sdp_parse(text, strlen(text), error);
  if (!sdp)
    return FALSE;
  const WtSdpMedia *tag = wt_sdp_bundle_tag(sdp);
  if (!tag && sdp->media->len)
    tag = sdp->media->pdata[0];
  if (tag && !wt_peer_get_remote_ufrag(p->peer))
    wt_peer_set_dtls_role(p->peer, wt_sdp_media_get_setup(sdp, tag) == WT_SDP_SETUP_ACTIVE
                                       ? WT_DTLS_ROLE_SERVER
                                       : WT_DTLS_ROLE_CLIENT);
  for (guint i = 0; i < sdp->media->len; i++) {
    if (wt_sdp_media_is_rejected(sdp, sdp->media->pdata[i])) {
      g_set_error(error, WT_SDP_ERROR, WT_SDP_ERROR_INVALID, "the server rejected m-section %u", i);
      return FALSE;
    }
  }
  return apply_remote(p, sdp, error);
}

/* The codec to receive on @offered: the first one that is not a repair format. */
static const WtSdpCodec *
pick_codec(const WtSdpMedia *offered)
{
  for (guint c = 0; c < offered->codecs->len; c++) {
    const WtSdpCodec *codec = offered->codecs->pdata[c];
    if (codec->name && g_ascii_strcasecmp(codec->name, "rtx") != 0 &&
        g_ascii_strcasecmp(codec->name, "red") != 0 && g_ascii_strcasecmp(codec->name, "ulpfec"))
      return codec;
  }
  return NULL;
}

static void
add_answer_section(LoadParticipant *p, const WtSdp *offer, const WtSdpMedia *o, WtSdp *answer)
{
  WtSdpMedia *m = wt_sdp_media_new(o->type, o->proto);
  m->mid = g_strdup(o->mid);
  const WtSdpCodec *codec = wt_sdp_media_is_rtp(o) ? pick_codec(o) : NULL;
  gboolean usable = codec && !wt_sdp_media_is_rejected(offer, o) &&
                    (o->kind == WT_SDP_MEDIA_AUDIO || o->kind == WT_SDP_MEDIA_VIDEO);
  if (!usable) {
    m->port = 0; /* rejected */
    if (codec)
      g_ptr_array_add(m->codecs, wt_sdp_codec_copy(codec));
    else
      g_ptr_array_add(m->formats, g_strdup(o->formats->len ? o->formats->pdata[0] : "0"));
    m->direction = WT_SDP_DIRECTION_INACTIVE;
    g_ptr_array_add(answer->media, m);
    return;
  }
  m->port = 9;
  m->direction = o->direction == WT_SDP_DIRECTION_INACTIVE ? WT_SDP_DIRECTION_INACTIVE
                                                           : WT_SDP_DIRECTION_RECVONLY;
  set_transport(p, answer, m, WT_SDP_SETUP_ACTIVE);
  WtSdpCodec *c = wt_sdp_codec_copy(codec);
  g_ptr_array_set_size(c->rtcp_fb, 0); /* we send no feedback but receiver reports */
  g_ptr_array_add(m->codecs, c);
  p->pt_kind[codec->pt] = (guint8)(1 + (o->kind == WT_SDP_MEDIA_AUDIO ? LOAD_AUDIO : LOAD_VIDEO));
  if (wt_sdp_media_is_bundled(offer, o))
    g_ptr_array_add(answer->bundle, g_strdup(m->mid));
  g_ptr_array_add(answer->media, m);
}

char *
load_rtc_subscribe_answer(LoadParticipant *p, const char *text, GError **error)
{
  g_autoptr(WtSdp) offer = wt_sdp_parse(text, strlen(text), error);
  if (!offer)
    return NULL;
  gboolean first = !p->peer;
  /* We answer setup:active, so we are the DTLS client; the offerer controls ICE. */
  if (first && !(p->peer = new_peer(p, FALSE, WT_DTLS_ROLE_CLIENT, error)))
    return NULL;
  g_autoptr(WtSdp) answer = new_session();
  for (guint i = 0; i < offer->media->len; i++)
    add_answer_section(p, offer, offer->media->pdata[i], answer);
  if (!apply_remote(p, offer, error))
    return NULL;
  p->sdp_sent = TRUE;
  return wt_sdp_write(answer);
}

void
load_rtc_add_candidate(LoadParticipant *p, const char *candidate)
{
  g_autoptr(GError) error = NULL;
  if (!p->peer || !candidate || !*candidate)
    return;
  /* Only loopback candidates are usable: nothing else is reachable here. */
  if (!strstr(candidate, " 127.0.0.1 ") ||
      (!strstr(candidate, " udp ") && !strstr(candidate, " UDP ")))
    return;
  if (!wt_peer_add_remote_candidate(p->peer, candidate, &error) && p->run->opt.verbose)
    g_message("%s: candidate ignored: %s", p->name, error->message);
}
