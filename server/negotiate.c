/* negotiate.c — building our answers and offers from parsed SDP. Pure. */
#include "negotiate.h"

#include <gio/gio.h>
#include <string.h>

#include "sdp_codecs.h"

static const char *const extension_uris[WT_EXT_COUNT] = {
    [WT_EXT_AUDIO_LEVEL] = "urn:ietf:params:rtp-hdrext:ssrc-audio-level",
    [WT_EXT_ABS_SEND_TIME] = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
    [WT_EXT_VIDEO_ORIENTATION] = "urn:3gpp:video-orientation",
    [WT_EXT_TOFFSET] = "urn:ietf:params:rtp-hdrext:toffset",
};

const char *
wt_extension_uri(WtExtension ext)
{
  return extension_uris[ext];
}

guint8
wt_extension_id(WtExtension ext)
{
  return (guint8)(ext + 1);
}

static gboolean
extension_applies(WtExtension ext, WtSdpMediaKind kind)
{
  return ext == WT_EXT_AUDIO_LEVEL ? kind == WT_SDP_MEDIA_AUDIO : kind == WT_SDP_MEDIA_VIDEO;
}

void
wt_track_free(WtTrack *track)
{
  if (!track)
    return;
  g_free(track->mid);
  wt_sdp_codec_free(track->codec);
  g_free(track->stream_id);
  g_free(track->track_id);
  g_free(track);
}

WtTrack *
wt_track_copy(const WtTrack *track)
{
  WtTrack *copy = g_new0(WtTrack, 1);
  *copy = *track;
  copy->mid = g_strdup(track->mid);
  copy->codec = wt_sdp_codec_copy(track->codec);
  copy->stream_id = g_strdup(track->stream_id);
  copy->track_id = g_strdup(track->track_id);
  return copy;
}

void
wt_slot_free(WtSlot *slot)
{
  if (!slot)
    return;
  g_free(slot->mid);
  wt_sdp_codec_free(slot->codec);
  g_free(slot->stream_id);
  g_free(slot->track_id);
  g_free(slot->cname);
  g_free(slot);
}

/* ---- Shared pieces ---------------------------------------------------------- */

static void
set_transport(WtSdpMedia *m, const WtLocalTransport *local, gboolean with_candidates)
{
  m->port = 9;
  m->rtcp_mux = TRUE;
  m->ice_ufrag = g_strdup(local->ufrag);
  m->ice_pwd = g_strdup(local->pwd);
  m->ice_options = g_strdup("trickle");
  m->fingerprint.hash = g_strdup("sha-256");
  m->fingerprint.value = g_strdup(local->fingerprint);
  m->setup = local->setup;
  for (guint i = 0; with_candidates && local->candidates && i < local->candidates->len; i++)
    g_ptr_array_add(m->candidates, g_strdup(g_ptr_array_index(local->candidates, i)));
}

static WtSdp *
new_description(guint64 session_id, guint64 version)
{
  WtSdp *sdp = wt_sdp_new();
  sdp->origin_username = g_strdup("-");
  sdp->session_id = session_id;
  sdp->session_version = version;
  sdp->session_name = g_strdup("witness");
  sdp->msid_semantic = g_strdup("WMS *");
  return sdp;
}

/* Keeps the feedback in @ours that the other side offered. */
static void
keep_feedback(WtSdpCodec *codec, const char *const *ours, const GPtrArray *offered)
{
  g_ptr_array_set_size(codec->rtcp_fb, 0);
  for (guint i = 0; ours[i]; i++) {
    for (guint j = 0; offered && j < offered->len; j++) {
      if (g_ascii_strcasecmp(g_ptr_array_index(offered, j), ours[i]) == 0) {
        g_ptr_array_add(codec->rtcp_fb, g_strdup(ours[i]));
        break;
      }
    }
  }
}

/* What we act on from publishers, per kind. */
static const char *const publish_video_feedback[] = {"nack pli", "ccm fir", "goog-remb",
                                                     "transport-cc", NULL};
static const char *const publish_audio_feedback[] = {"transport-cc", NULL};
/* What we offer subscribers (video; audio gets none). */
static const char *const subscribe_video_feedback[] = {"nack", "nack pli", "ccm fir", "goog-remb",
                                                       NULL};

/* ---- Publish ------------------------------------------------------------------- */

static const WtSdpCodec *
choose_codec(const WtSdpMedia *m)
{
  if (m->kind == WT_SDP_MEDIA_AUDIO) {
    const WtSdpCodec *opus = wt_sdp_media_find_codec(m, "opus");
    return opus && opus->clock_rate == 48000 ? opus : NULL;
  }
  const WtSdpCodec *c = wt_sdp_media_find_codec(m, "VP8");
  if (c)
    return c;
  static const WtH264Profile profiles[] = {
      WT_H264_PROFILE_CONSTRAINED_BASELINE, WT_H264_PROFILE_BASELINE, WT_H264_PROFILE_MAIN,
      WT_H264_PROFILE_CONSTRAINED_HIGH, WT_H264_PROFILE_HIGH};
  if ((c = wt_sdp_h264_pick(m, profiles, G_N_ELEMENTS(profiles))))
    return c;
  for (guint i = 0; i < m->codecs->len; i++) {
    const WtSdpCodec *v = g_ptr_array_index(m->codecs, i);
    if (v->name && g_ascii_strcasecmp(v->name, "VP9") == 0 && wt_sdp_vp9_profile_id(v->fmtp) == 0)
      return v;
  }
  return wt_sdp_media_find_codec(m, "AV1");
}

/* The first SSRC of @m that is not an RTX (second member of an FID group). */
static guint32
primary_ssrc(const WtSdpMedia *m)
{
  for (guint i = 0; i < m->ssrcs->len; i++) {
    guint32 ssrc = ((WtSdpSsrc *)g_ptr_array_index(m->ssrcs, i))->ssrc;
    gboolean repair = FALSE;
    for (guint g = 0; g < m->ssrc_groups->len; g++) {
      WtSdpSsrcGroup *group = g_ptr_array_index(m->ssrc_groups, g);
      for (guint k = 1; g_str_equal(group->semantics, "FID") && k < group->ssrcs->len; k++)
        repair |= g_array_index(group->ssrcs, guint32, k) == ssrc;
    }
    if (!repair)
      return ssrc;
  }
  return 0;
}

static void
reject_section(WtSdpMedia *answer, const WtSdpMedia *offer)
{
  answer->port = 0;
  answer->direction = WT_SDP_DIRECTION_INACTIVE;
  for (guint i = 0; i < offer->formats->len; i++)
    g_ptr_array_add(answer->formats, g_strdup(g_ptr_array_index(offer->formats, i)));
  if (offer->codecs->len)
    g_ptr_array_add(answer->codecs, wt_sdp_codec_copy(g_ptr_array_index(offer->codecs, 0)));
}

static WtTrack *
accept_section(WtSdpMedia *answer, const WtSdpMedia *offer, const WtSdpCodec *codec)
{
  WtSdpCodec *chosen = wt_sdp_codec_copy(codec);
  keep_feedback(chosen,
                offer->kind == WT_SDP_MEDIA_VIDEO ? publish_video_feedback : publish_audio_feedback,
                codec->rtcp_fb);
  g_ptr_array_add(answer->codecs, chosen);
  answer->rtcp_rsize = offer->rtcp_rsize;
  gboolean sends = offer->direction == WT_SDP_DIRECTION_SENDONLY ||
                   offer->direction == WT_SDP_DIRECTION_SENDRECV;
  answer->direction = sends ? WT_SDP_DIRECTION_RECVONLY : WT_SDP_DIRECTION_INACTIVE;

  WtTrack *track = g_new0(WtTrack, 1);
  for (guint i = 0; i < offer->extmaps->len; i++) {
    const WtSdpExtmap *e = g_ptr_array_index(offer->extmaps, i);
    if (g_str_equal(e->uri, WT_TWCC_URI) && e->id <= 255) {
      g_ptr_array_add(answer->extmaps, wt_sdp_extmap_new(e->id, e->uri));
      track->twcc_ext_id = (guint8)e->id;
      continue;
    }
    for (guint x = 0; x < WT_EXT_COUNT; x++) {
      if (!extension_applies(x, offer->kind) || !g_str_equal(e->uri, extension_uris[x]))
        continue;
      WtSdpExtmap *copy = wt_sdp_extmap_new(e->id, e->uri);
      if (e->has_direction && e->direction == WT_SDP_DIRECTION_SENDONLY) {
        copy->has_direction = TRUE;
        copy->direction = WT_SDP_DIRECTION_RECVONLY;
      }
      g_ptr_array_add(answer->extmaps, copy);
      track->ext_ids[x] = (guint8)MIN(e->id, 255);
    }
  }
  if (!sends) {
    wt_track_free(track);
    return NULL;
  }
  track->mid = g_strdup(offer->mid);
  track->kind = offer->kind;
  track->codec = wt_sdp_codec_copy(chosen);
  track->ssrc = primary_ssrc(offer);
  WtSdpSsrc *s = wt_sdp_media_find_ssrc(offer, track->ssrc);
  track->stream_id = g_strdup(offer->msid_stream ? offer->msid_stream : s ? s->msid_stream : NULL);
  track->track_id = g_strdup(offer->msid_track ? offer->msid_track : s ? s->msid_track : NULL);
  return track;
}

WtSdp *
wt_negotiate_publish_answer(const WtSdp *offer, const WtLocalTransport *local, GPtrArray *tracks,
                            GError **error)
{
  g_autoptr(WtSdp) answer = new_description(g_random_int() & 0x7fffffff, 1);
  answer->extmap_allow_mixed = offer->extmap_allow_mixed;
  gboolean candidates_written = FALSE;
  guint first_track = tracks->len;
  for (guint i = 0; i < offer->media->len; i++) {
    const WtSdpMedia *m = g_ptr_array_index(offer->media, i);
    WtSdpMedia *a = wt_sdp_media_new(m->type, m->proto);
    a->mid = g_strdup(m->mid);
    g_ptr_array_add(answer->media, a);
    const WtSdpCodec *codec = NULL;
    gboolean usable = !wt_sdp_media_is_rejected(offer, m) && wt_sdp_media_is_rtp(m) &&
                      (m->kind == WT_SDP_MEDIA_AUDIO || m->kind == WT_SDP_MEDIA_VIDEO) &&
                      (codec = choose_codec(m)) != NULL;
    if (!usable) {
      reject_section(a, m);
      continue;
    }
    if (!m->mid) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                  "m-section %u (%s) has no a=mid; BUNDLE needs one", i, m->type);
      goto fail;
    }
    if (!m->rtcp_mux) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                  "m-section %s does not offer rtcp-mux, which we require", m->mid);
      goto fail;
    }
    set_transport(a, local, !candidates_written);
    candidates_written = TRUE;
    WtTrack *track = accept_section(a, m, codec);
    if (track)
      g_ptr_array_add(tracks, track);
    g_ptr_array_add(answer->bundle, g_strdup(m->mid));
  }
  if (!candidates_written) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                "nothing in the offer can be received: we take Opus audio and VP8, H.264 "
                "(packetization-mode 1), VP9 or AV1 video");
    return NULL;
  }
  return g_steal_pointer(&answer);
fail:
  g_ptr_array_remove_range(tracks, first_track, tracks->len - first_track);
  return NULL;
}

/* ---- Subscribe ----------------------------------------------------------------- */

WtSdp *
wt_negotiate_subscribe_offer(GPtrArray *slots, const WtLocalTransport *local, guint64 session_id,
                             guint64 version)
{
  if (!slots || slots->len == 0)
    return NULL;
  WtSdp *offer = new_description(session_id, version);
  offer->ice_options = g_strdup("trickle");
  for (guint i = 0; i < slots->len; i++) {
    const WtSlot *slot = g_ptr_array_index(slots, i);
    WtSdpMedia *m = wt_sdp_media_new(slot->kind == WT_SDP_MEDIA_AUDIO ? "audio" : "video",
                                     "UDP/TLS/RTP/SAVPF");
    g_ptr_array_add(offer->media, m);
    m->mid = g_strdup(slot->mid);
    set_transport(m, local, i == 0);
    m->rtcp_rsize = TRUE;
    WtSdpCodec *codec = wt_sdp_codec_copy(slot->codec);
    g_ptr_array_set_size(codec->rtcp_fb, 0);
    for (guint f = 0; slot->kind == WT_SDP_MEDIA_VIDEO && subscribe_video_feedback[f]; f++)
      g_ptr_array_add(codec->rtcp_fb, g_strdup(subscribe_video_feedback[f]));
    g_ptr_array_add(m->codecs, codec);
    for (guint x = 0; x < WT_EXT_COUNT; x++) {
      if (extension_applies(x, slot->kind))
        g_ptr_array_add(m->extmaps, wt_sdp_extmap_new(wt_extension_id(x), extension_uris[x]));
    }
    g_ptr_array_add(offer->bundle, g_strdup(slot->mid));
    if (!slot->active) {
      m->direction = WT_SDP_DIRECTION_INACTIVE;
      continue;
    }
    m->direction = WT_SDP_DIRECTION_SENDONLY;
    m->msid_stream = g_strdup(slot->stream_id);
    m->msid_track = g_strdup(slot->track_id);
    WtSdpSsrc *s = wt_sdp_ssrc_new(slot->ssrc);
    s->cname = g_strdup(slot->cname);
    s->msid_stream = g_strdup(slot->stream_id);
    s->msid_track = g_strdup(slot->track_id);
    g_ptr_array_add(m->ssrcs, s);
  }
  return offer;
}

gboolean
wt_negotiate_subscribe_answer(const WtSdp *answer, GPtrArray *slots, GError **error)
{
  if (answer->media->len != slots->len) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                "the answer has %u m-sections; our offer had %u", answer->media->len, slots->len);
    return FALSE;
  }
  for (guint i = 0; i < slots->len; i++) {
    WtSlot *slot = g_ptr_array_index(slots, i);
    const WtSdpMedia *m = g_ptr_array_index(answer->media, i);
    if (g_strcmp0(m->mid, slot->mid) != 0) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                  "answer m-section %u has mid `%s`; we offered `%s`", i, m->mid ? m->mid : "",
                  slot->mid);
      return FALSE;
    }
    if (m->direction == WT_SDP_DIRECTION_SENDONLY || m->direction == WT_SDP_DIRECTION_SENDRECV) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                  "answer m-section %s wants to send; subscribe connections only receive",
                  slot->mid);
      return FALSE;
    }
    if (wt_sdp_media_is_rejected(answer, m) || m->direction == WT_SDP_DIRECTION_INACTIVE)
      slot->active = FALSE;
  }
  return TRUE;
}
