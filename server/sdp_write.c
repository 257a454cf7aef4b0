/* sdp_write.c — write WtSdp as text; constructors, destructors and accessors
 * of the model in sdp.h. The parser is sdp.c with sdp_attr.c.
 *
 * Pure: no I/O, no main loop, no globals; any thread. The writer follows the
 * order libwebrtc writes (and so every browser reads without surprise):
 * session lines, then per m-section transport, mid, extmaps, direction, msid,
 * rtcp-mux, codecs, SSRCs, candidates.
 */
#include "sdp.h"

#include <string.h>

/* ---- constructors and destructors ---------------------------------------- */

WtSdp *
wt_sdp_new(void)
{
  WtSdp *sdp = g_new0(WtSdp, 1);
  sdp->bundle = g_ptr_array_new_with_free_func(g_free);
  sdp->media = g_ptr_array_new_with_free_func((GDestroyNotify)wt_sdp_media_free);
  return sdp;
}

static void
fingerprint_clear(WtSdpFingerprint *f)
{
  g_clear_pointer(&f->hash, g_free);
  g_clear_pointer(&f->value, g_free);
}

void
wt_sdp_free(WtSdp *sdp)
{
  if (!sdp)
    return;
  g_free(sdp->origin_username);
  g_free(sdp->session_name);
  g_free(sdp->ice_ufrag);
  g_free(sdp->ice_pwd);
  g_free(sdp->ice_options);
  fingerprint_clear(&sdp->fingerprint);
  g_ptr_array_unref(sdp->bundle);
  g_free(sdp->msid_semantic);
  g_ptr_array_unref(sdp->media);
  g_free(sdp);
}

WtSdpMedia *
wt_sdp_media_new(const char *type, const char *proto)
{
  WtSdpMedia *m = g_new0(WtSdpMedia, 1);
  m->type = g_strdup(type);
  m->proto = g_strdup(proto);
  if (g_strcmp0(type, "audio") == 0)
    m->kind = WT_SDP_MEDIA_AUDIO;
  else if (g_strcmp0(type, "video") == 0)
    m->kind = WT_SDP_MEDIA_VIDEO;
  else if (g_strcmp0(type, "application") == 0)
    m->kind = WT_SDP_MEDIA_APPLICATION;
  else
    m->kind = WT_SDP_MEDIA_OTHER;
  m->formats = g_ptr_array_new_with_free_func(g_free);
  m->codecs = g_ptr_array_new_with_free_func((GDestroyNotify)wt_sdp_codec_free);
  m->extmaps = g_ptr_array_new_with_free_func((GDestroyNotify)wt_sdp_extmap_free);
  m->ssrcs = g_ptr_array_new_with_free_func((GDestroyNotify)wt_sdp_ssrc_free);
  m->ssrc_groups = g_ptr_array_new_with_free_func((GDestroyNotify)wt_sdp_ssrc_group_free);
  m->candidates = g_ptr_array_new_with_free_func(g_free);
  m->rids = g_ptr_array_new_with_free_func(g_free);
  return m;
}

void
wt_sdp_media_free(WtSdpMedia *m)
{
  if (!m)
    return;
  g_free(m->type);
  g_free(m->proto);
  g_ptr_array_unref(m->formats);
  g_ptr_array_unref(m->codecs);
  g_free(m->mid);
  g_free(m->ice_ufrag);
  g_free(m->ice_pwd);
  g_free(m->ice_options);
  fingerprint_clear(&m->fingerprint);
  g_ptr_array_unref(m->extmaps);
  g_free(m->msid_stream);
  g_free(m->msid_track);
  g_ptr_array_unref(m->ssrcs);
  g_ptr_array_unref(m->ssrc_groups);
  g_ptr_array_unref(m->candidates);
  g_ptr_array_unref(m->rids);
  g_free(m->simulcast);
  g_free(m);
}

WtSdpCodec *
wt_sdp_codec_new(guint8 pt, const char *name, guint32 clock_rate, guint8 channels)
{
  WtSdpCodec *c = g_new0(WtSdpCodec, 1);
  c->pt = pt;
  c->name = g_strdup(name);
  c->clock_rate = clock_rate;
  c->channels = channels;
  c->rtcp_fb = g_ptr_array_new_with_free_func(g_free);
  c->apt = -1;
  return c;
}

WtSdpCodec *
wt_sdp_codec_copy(const WtSdpCodec *codec)
{
  WtSdpCodec *c = wt_sdp_codec_new(codec->pt, codec->name, codec->clock_rate, codec->channels);
  c->fmtp = g_strdup(codec->fmtp);
  c->apt = codec->apt;
  for (guint i = 0; i < codec->rtcp_fb->len; i++)
    g_ptr_array_add(c->rtcp_fb, g_strdup(codec->rtcp_fb->pdata[i]));
  return c;
}

void
wt_sdp_codec_free(WtSdpCodec *c)
{
  if (!c)
    return;
  g_free(c->name);
  g_free(c->fmtp);
  g_ptr_array_unref(c->rtcp_fb);
  g_free(c);
}

WtSdpExtmap *
wt_sdp_extmap_new(guint16 id, const char *uri)
{
  WtSdpExtmap *e = g_new0(WtSdpExtmap, 1);
  e->id = id;
  e->uri = g_strdup(uri);
  return e;
}

WtSdpExtmap *
wt_sdp_extmap_copy(const WtSdpExtmap *extmap)
{
  WtSdpExtmap *e = wt_sdp_extmap_new(extmap->id, extmap->uri);
  e->has_direction = extmap->has_direction;
  e->direction = extmap->direction;
  e->attributes = g_strdup(extmap->attributes);
  return e;
}

void
wt_sdp_extmap_free(WtSdpExtmap *e)
{
  if (!e)
    return;
  g_free(e->uri);
  g_free(e->attributes);
  g_free(e);
}

WtSdpSsrc *
wt_sdp_ssrc_new(guint32 ssrc)
{
  WtSdpSsrc *s = g_new0(WtSdpSsrc, 1);
  s->ssrc = ssrc;
  return s;
}

void
wt_sdp_ssrc_free(WtSdpSsrc *s)
{
  if (!s)
    return;
  g_free(s->cname);
  g_free(s->msid_stream);
  g_free(s->msid_track);
  g_free(s);
}

WtSdpSsrcGroup *
wt_sdp_ssrc_group_new(const char *semantics)
{
  WtSdpSsrcGroup *g = g_new0(WtSdpSsrcGroup, 1);
  g->semantics = g_strdup(semantics);
  g->ssrcs = g_array_new(FALSE, FALSE, sizeof(guint32));
  return g;
}

void
wt_sdp_ssrc_group_free(WtSdpSsrcGroup *g)
{
  if (!g)
    return;
  g_free(g->semantics);
  g_array_unref(g->ssrcs);
  g_free(g);
}

/* ---- names and lookups --------------------------------------------------- */

const char *
wt_sdp_setup_to_string(WtSdpSetup setup)
{
  switch (setup) {
  case WT_SDP_SETUP_ACTPASS:
    return "actpass";
  case WT_SDP_SETUP_ACTIVE:
    return "active";
  case WT_SDP_SETUP_PASSIVE:
    return "passive";
  case WT_SDP_SETUP_HOLDCONN:
    return "holdconn";
  case WT_SDP_SETUP_UNSET:
    break;
  }
  return NULL;
}

const char *
wt_sdp_direction_to_string(WtSdpDirection direction)
{
  switch (direction) {
  case WT_SDP_DIRECTION_SENDONLY:
    return "sendonly";
  case WT_SDP_DIRECTION_RECVONLY:
    return "recvonly";
  case WT_SDP_DIRECTION_INACTIVE:
    return "inactive";
  case WT_SDP_DIRECTION_SENDRECV:
    break;
  }
  return "sendrecv";
}

WtSdpMedia *
wt_sdp_find_media(const WtSdp *sdp, const char *mid)
{
  for (guint i = 0; mid && i < sdp->media->len; i++) {
    WtSdpMedia *m = sdp->media->pdata[i];
    if (m->mid && strcmp(m->mid, mid) == 0)
      return m;
  }
  return NULL;
}

WtSdpMedia *
wt_sdp_bundle_tag(const WtSdp *sdp)
{
  return sdp->bundle->len ? wt_sdp_find_media(sdp, sdp->bundle->pdata[0]) : NULL;
}

WtSdpExtmap *
wt_sdp_media_find_extmap(const WtSdpMedia *media, const char *uri)
{
  for (guint i = 0; i < media->extmaps->len; i++) {
    WtSdpExtmap *e = media->extmaps->pdata[i];
    if (strcmp(e->uri, uri) == 0)
      return e;
  }
  return NULL;
}

WtSdpExtmap *
wt_sdp_media_find_extmap_id(const WtSdpMedia *media, guint id)
{
  for (guint i = 0; i < media->extmaps->len; i++) {
    WtSdpExtmap *e = media->extmaps->pdata[i];
    if (e->id == id)
      return e;
  }
  return NULL;
}

WtSdpSsrc *
wt_sdp_media_find_ssrc(const WtSdpMedia *media, guint32 ssrc)
{
  for (guint i = 0; i < media->ssrcs->len; i++) {
    WtSdpSsrc *s = media->ssrcs->pdata[i];
    if (s->ssrc == ssrc)
      return s;
  }
  return NULL;
}

gboolean
wt_sdp_media_is_rtp(const WtSdpMedia *media)
{
  return media->proto && strstr(media->proto, "RTP/") != NULL;
}

gboolean
wt_sdp_media_is_bundled(const WtSdp *sdp, const WtSdpMedia *media)
{
  for (guint i = 0; media->mid && i < sdp->bundle->len; i++)
    if (strcmp(sdp->bundle->pdata[i], media->mid) == 0)
      return TRUE;
  return FALSE;
}

gboolean
wt_sdp_media_is_rejected(const WtSdp *sdp, const WtSdpMedia *media)
{
  return media->port == 0 && !(media->bundle_only && wt_sdp_media_is_bundled(sdp, media));
}

/* Where a bundled section without its own transport values takes them from. */
static const WtSdpMedia *
bundle_source(const WtSdp *sdp, const WtSdpMedia *media)
{
  const WtSdpMedia *tag = wt_sdp_bundle_tag(sdp);
  return tag && tag != media && wt_sdp_media_is_bundled(sdp, media) ? tag : NULL;
}

#define EFFECTIVE(sdp, media, field)                                                               \
  const WtSdpMedia *tag = bundle_source(sdp, media);                                               \
  return media->field ? media->field : sdp->field ? sdp->field : tag ? tag->field : NULL

const char *
wt_sdp_media_get_ice_ufrag(const WtSdp *sdp, const WtSdpMedia *media)
{
  EFFECTIVE(sdp, media, ice_ufrag);
}

const char *
wt_sdp_media_get_ice_pwd(const WtSdp *sdp, const WtSdpMedia *media)
{
  EFFECTIVE(sdp, media, ice_pwd);
}

const WtSdpFingerprint *
wt_sdp_media_get_fingerprint(const WtSdp *sdp, const WtSdpMedia *media)
{
  const WtSdpMedia *tag = bundle_source(sdp, media);
  if (media->fingerprint.hash)
    return &media->fingerprint;
  if (sdp->fingerprint.hash)
    return &sdp->fingerprint;
  return tag && tag->fingerprint.hash ? &tag->fingerprint : NULL;
}

WtSdpSetup
wt_sdp_media_get_setup(const WtSdp *sdp, const WtSdpMedia *media)
{
  const WtSdpMedia *tag = bundle_source(sdp, media);
  if (media->setup != WT_SDP_SETUP_UNSET)
    return media->setup;
  if (sdp->setup != WT_SDP_SETUP_UNSET)
    return sdp->setup;
  return tag ? tag->setup : WT_SDP_SETUP_UNSET;
}

gboolean
wt_sdp_media_has_ice_option(const WtSdp *sdp, const WtSdpMedia *media, const char *option)
{
  const char *options = media->ice_options ? media->ice_options : sdp->ice_options;
  g_auto(GStrv) list = options ? g_strsplit(options, " ", -1) : NULL;
  return list && g_strv_contains((const char *const *)list, option);
}

gboolean
wt_sdp_media_get_extmap_allow_mixed(const WtSdp *sdp, const WtSdpMedia *media)
{
  return media->extmap_allow_mixed || sdp->extmap_allow_mixed;
}

/* ---- writer -------------------------------------------------------------- */

static void
write_transport(GString *out, const char *ufrag, const char *pwd, const char *options,
                const WtSdpFingerprint *fp, WtSdpSetup setup)
{
  if (ufrag)
    g_string_append_printf(out, "a=ice-ufrag:%s\r\n", ufrag);
  if (pwd)
    g_string_append_printf(out, "a=ice-pwd:%s\r\n", pwd);
  if (options)
    g_string_append_printf(out, "a=ice-options:%s\r\n", options);
  if (fp->hash && fp->value)
    g_string_append_printf(out, "a=fingerprint:%s %s\r\n", fp->hash, fp->value);
  if (setup != WT_SDP_SETUP_UNSET)
    g_string_append_printf(out, "a=setup:%s\r\n", wt_sdp_setup_to_string(setup));
}

static void
write_codec(GString *out, const WtSdpCodec *c)
{
  if (c->name) {
    g_string_append_printf(out, "a=rtpmap:%u %s/%u", c->pt, c->name, c->clock_rate);
    if (c->channels)
      g_string_append_printf(out, "/%u", c->channels);
    g_string_append(out, "\r\n");
  }
  for (guint i = 0; i < c->rtcp_fb->len; i++)
    g_string_append_printf(out, "a=rtcp-fb:%u %s\r\n", c->pt, (char *)c->rtcp_fb->pdata[i]);
  if (c->fmtp)
    g_string_append_printf(out, "a=fmtp:%u %s\r\n", c->pt, c->fmtp);
  else if (c->apt >= 0)
    g_string_append_printf(out, "a=fmtp:%u apt=%d\r\n", c->pt, c->apt);
}

static void
write_msid(GString *out, const char *stream, const char *track)
{
  g_string_append(out, stream);
  if (track)
    g_string_append_printf(out, " %s", track);
  g_string_append(out, "\r\n");
}

static void
write_media(GString *out, const WtSdpMedia *m)
{
  gboolean rtp = wt_sdp_media_is_rtp(m);
  g_string_append_printf(out, "m=%s %u %s", m->type ? m->type : "audio", m->port,
                         m->proto ? m->proto : "UDP/TLS/RTP/SAVPF");
  for (guint i = 0; i < m->codecs->len; i++)
    g_string_append_printf(out, " %u", ((WtSdpCodec *)m->codecs->pdata[i])->pt);
  for (guint i = 0; i < m->formats->len; i++)
    g_string_append_printf(out, " %s", (char *)m->formats->pdata[i]);
  if (m->codecs->len + m->formats->len == 0)
    g_string_append(out, " 0"); /* a format is required; rejected sections use 0 */
  g_string_append(out, "\r\nc=IN IP4 0.0.0.0\r\n");
  if (m->bandwidth_as)
    g_string_append_printf(out, "b=AS:%u\r\n", m->bandwidth_as);
  if (m->bandwidth_tias)
    g_string_append_printf(out, "b=TIAS:%u\r\n", m->bandwidth_tias);
  if (rtp)
    g_string_append(out, "a=rtcp:9 IN IP4 0.0.0.0\r\n");
  write_transport(out, m->ice_ufrag, m->ice_pwd, m->ice_options, &m->fingerprint, m->setup);
  if (m->mid)
    g_string_append_printf(out, "a=mid:%s\r\n", m->mid);
  if (m->bundle_only)
    g_string_append(out, "a=bundle-only\r\n");
  if (m->extmap_allow_mixed)
    g_string_append(out, "a=extmap-allow-mixed\r\n");
  for (guint i = 0; i < m->extmaps->len; i++) {
    const WtSdpExtmap *e = m->extmaps->pdata[i];
    g_string_append_printf(out, "a=extmap:%u", e->id);
    if (e->has_direction)
      g_string_append_printf(out, "/%s", wt_sdp_direction_to_string(e->direction));
    g_string_append_printf(out, " %s%s%s\r\n", e->uri, e->attributes ? " " : "",
                           e->attributes ? e->attributes : "");
  }
  if (rtp || m->direction != WT_SDP_DIRECTION_SENDRECV)
    g_string_append_printf(out, "a=%s\r\n", wt_sdp_direction_to_string(m->direction));
  if (m->msid_stream) {
    g_string_append(out, "a=msid:");
    write_msid(out, m->msid_stream, m->msid_track);
  }
  if (m->rtcp_mux)
    g_string_append(out, "a=rtcp-mux\r\n");
  if (m->rtcp_rsize)
    g_string_append(out, "a=rtcp-rsize\r\n");
  for (guint i = 0; i < m->codecs->len; i++)
    write_codec(out, m->codecs->pdata[i]);
  if (m->sctp_port)
    g_string_append_printf(out, "a=sctp-port:%u\r\n", m->sctp_port);
  if (m->max_message_size)
    g_string_append_printf(out, "a=max-message-size:%u\r\n", m->max_message_size);
  for (guint i = 0; i < m->rids->len; i++)
    g_string_append_printf(out, "a=rid:%s\r\n", (char *)m->rids->pdata[i]);
  if (m->simulcast)
    g_string_append_printf(out, "a=simulcast:%s\r\n", m->simulcast);
  for (guint i = 0; i < m->ssrc_groups->len; i++) {
    const WtSdpSsrcGroup *g = m->ssrc_groups->pdata[i];
    g_string_append_printf(out, "a=ssrc-group:%s", g->semantics);
    for (guint j = 0; j < g->ssrcs->len; j++)
      g_string_append_printf(out, " %u", g_array_index(g->ssrcs, guint32, j));
    g_string_append(out, "\r\n");
  }
  for (guint i = 0; i < m->ssrcs->len; i++) {
    const WtSdpSsrc *s = m->ssrcs->pdata[i];
    if (s->cname)
      g_string_append_printf(out, "a=ssrc:%u cname:%s\r\n", s->ssrc, s->cname);
    if (s->msid_stream) {
      g_string_append_printf(out, "a=ssrc:%u msid:", s->ssrc);
      write_msid(out, s->msid_stream, s->msid_track);
    }
  }
  for (guint i = 0; i < m->candidates->len; i++)
    g_string_append_printf(out, "a=%s\r\n", (char *)m->candidates->pdata[i]);
  if (m->end_of_candidates)
    g_string_append(out, "a=end-of-candidates\r\n");
}

char *
wt_sdp_write(const WtSdp *sdp)
{
  GString *out = g_string_sized_new(4096);
  g_string_append_printf(out,
                         "v=0\r\no=%s %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
                         " IN IP4 127.0.0.1\r\ns=%s\r\nt=0 0\r\n",
                         sdp->origin_username ? sdp->origin_username : "-", sdp->session_id,
                         sdp->session_version,
                         sdp->session_name && *sdp->session_name ? sdp->session_name : "-");
  if (sdp->ice_lite)
    g_string_append(out, "a=ice-lite\r\n");
  write_transport(out, sdp->ice_ufrag, sdp->ice_pwd, sdp->ice_options, &sdp->fingerprint,
                  sdp->setup);
  if (sdp->bundle->len) {
    g_string_append(out, "a=group:BUNDLE");
    for (guint i = 0; i < sdp->bundle->len; i++)
      g_string_append_printf(out, " %s", (char *)sdp->bundle->pdata[i]);
    g_string_append(out, "\r\n");
  }
  if (sdp->extmap_allow_mixed)
    g_string_append(out, "a=extmap-allow-mixed\r\n");
  if (sdp->msid_semantic)
    g_string_append_printf(out, "a=msid-semantic:%s\r\n", sdp->msid_semantic);
  for (guint i = 0; i < sdp->media->len; i++)
    write_media(out, sdp->media->pdata[i]);
  return g_string_free(out, FALSE);
}
