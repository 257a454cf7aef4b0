/* sdp_attr.c — the a= lines of a session description: one function per
 * attribute WebRTC uses, and the table that says where each may appear.
 * Called by sdp.c for every a= line; see sdp.h for the model and the rules.
 *
 * Pure: no I/O, no main loop, no globals; any thread.
 */
#include "sdp_parse.h"

/* ice-char = ALPHA / DIGIT / "+" / "/" (RFC 8839), @min..256 of them. */
static gboolean
valid_ice(const char *s, gsize min)
{
  gsize n = 0;
  for (; s[n]; n++)
    if (!g_ascii_isalnum(s[n]) && s[n] != '+' && s[n] != '/')
      return FALSE;
  return n >= min && n <= 256;
}

/* Stores a copy of @value in *@slot unless something is there already, which
 * is an error: these attributes may appear once per level. */
static gboolean
set_once(WtSdpParser *p, char **slot, const char *value, const char *attr)
{
  if (*slot)
    return wt_sdp_fail(p, WT_SDP_ERROR_INVALID, "a=%s appears twice", attr);
  *slot = g_strdup(value);
  return TRUE;
}

static gboolean
parse_direction(const char *s, WtSdpDirection *out)
{
  for (guint d = WT_SDP_DIRECTION_SENDRECV; d <= WT_SDP_DIRECTION_INACTIVE; d++) {
    if (strcmp(s, wt_sdp_direction_to_string(d)) == 0) {
      *out = d;
      return TRUE;
    }
  }
  return FALSE;
}

static WtSdpCodec *
codec_for_pt(WtSdpMedia *m, guint64 pt)
{
  for (guint i = 0; i < m->codecs->len; i++) {
    WtSdpCodec *c = m->codecs->pdata[i];
    if (c->pt == pt)
      return c;
  }
  return NULL;
}

/* "<pt> <rest>" of rtpmap, fmtp and rtcp-fb: the codec (NULL when the m-line
 * does not list the payload type, and the line is then ignored) and the rest. */
static gboolean
pt_and_rest(WtSdpParser *p, char *value, const char *attr, gboolean wildcard, WtSdpCodec **codec,
            gboolean *all, char **rest)
{
  char *pt_s = next_field(&value);
  *rest = rest_of(value);
  *codec = NULL;
  *all = FALSE;
  if (!pt_s || !*rest)
    return wt_sdp_fail(p, WT_SDP_ERROR_SYNTAX, "a=%s needs a payload type and a value", attr);
  if (wildcard && strcmp(pt_s, "*") == 0) {
    *all = TRUE;
    return TRUE;
  }
  guint64 pt;
  if (!wt_sdp_field_uint(p, pt_s, 127, &pt, "the payload type"))
    return FALSE;
  *codec = codec_for_pt(p->media, pt);
  return TRUE;
}

/* ---- attributes ---------------------------------------------------------- */

typedef gboolean (*AttrFn)(WtSdpParser *p, char *value);

static gboolean
attr_group(WtSdpParser *p, char *value)
{
  char *semantics = next_field(&value); /* not NULL: see need_value */
  /* Only BUNDLE is modelled, and only the first BUNDLE group (browsers write one). */
  if (strcmp(semantics, "BUNDLE") != 0 || p->sdp->bundle->len > 0)
    return TRUE;
  for (char *mid; (mid = next_field(&value));) {
    if (!valid_token(mid))
      return wt_sdp_fail(p, WT_SDP_ERROR_SYNTAX, "a=group:BUNDLE has a mid that is not a token");
    if (p->sdp->bundle->len >= WT_SDP_MAX_MEDIA)
      return wt_sdp_fail(p, WT_SDP_ERROR_LIMIT, "a=group:BUNDLE names more than %d mids",
                         WT_SDP_MAX_MEDIA);
    for (guint i = 0; i < p->sdp->bundle->len; i++)
      if (strcmp(p->sdp->bundle->pdata[i], mid) == 0)
        return wt_sdp_fail(p, WT_SDP_ERROR_INVALID, "a=group:BUNDLE names a mid twice");
    g_ptr_array_add(p->sdp->bundle, g_strdup(mid));
  }
  return TRUE;
}

static gboolean
attr_msid_semantic(WtSdpParser *p, char *value)
{
  /* libwebrtc writes "a=msid-semantic: WMS"; the space is already gone. */
  return set_once(p, &p->sdp->msid_semantic, value, "msid-semantic");
}

static gboolean
attr_ice_lite(WtSdpParser *p, char *value)
{
  p->sdp->ice_lite = TRUE;
  return TRUE;
}

static gboolean
attr_ice_ufrag(WtSdpParser *p, char *value)
{
  if (!value || !valid_ice(value, 4))
    return wt_sdp_fail(p, WT_SDP_ERROR_SYNTAX, "a=ice-ufrag must be 4 to 256 ice-chars");
  return set_once(p, p->media ? &p->media->ice_ufrag : &p->sdp->ice_ufrag, value, "ice-ufrag");
}

static gboolean
attr_ice_pwd(WtSdpParser *p, char *value)
{
  if (!value || !valid_ice(value, 22))
    return wt_sdp_fail(p, WT_SDP_ERROR_SYNTAX, "a=ice-pwd must be 22 to 256 ice-chars");
  return set_once(p, p->media ? &p->media->ice_pwd : &p->sdp->ice_pwd, value, "ice-pwd");
}

static gboolean
attr_ice_options(WtSdpParser *p, char *value)
{
  g_autofree char *copy = g_strdup(value);
  char *walk = copy;
  for (char *opt; (opt = next_field(&walk));)
    if (!valid_token(opt))
      return wt_sdp_fail(p, WT_SDP_ERROR_SYNTAX, "a=ice-options has an option that is not a token");
  return set_once(p, p->media ? &p->media->ice_options : &p->sdp->ice_options, value,
                  "ice-options");
}

static gboolean
valid_fingerprint(const char *hash, const char *fp)
{
  gsize n = strlen(hash);
  if (n == 0 || n > 16 ||
      strspn(hash, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123"
                   "456789-") != n)
    return FALSE;
  guint pairs = 0;
  for (const char *c = fp;; c += 3) {
    if (!g_ascii_isxdigit(c[0]) || !g_ascii_isxdigit(c[1]) || ++pairs > 64)
      return FALSE;
    if (c[2] == '\0')
      return TRUE;
    if (c[2] != ':')
      return FALSE;
  }
}

static gboolean
attr_fingerprint(WtSdpParser *p, char *value)
{
  char *hash = next_field(&value);
  char *fp = next_field(&value);
  if (!hash || !fp || next_field(&value) || !valid_fingerprint(hash, fp))
    return wt_sdp_fail(p, WT_SDP_ERROR_SYNTAX,
                       "a=fingerprint must be a hash name and 1 to 64 hex pairs joined by ':'");
  WtSdpFingerprint *f = p->media ? &p->media->fingerprint : &p->sdp->fingerprint;
  if (!f->hash) { /* only the first one is kept */
    f->hash = g_strdup(hash);
    f->value = g_strdup(fp);
  }
  return TRUE;
}

static gboolean
attr_setup(WtSdpParser *p, char *value)
{
  WtSdpSetup *slot = p->media ? &p->media->setup : &p->sdp->setup;
  for (guint s = WT_SDP_SETUP_ACTPASS; s <= WT_SDP_SETUP_HOLDCONN; s++) {
    if (value && strcmp(value, wt_sdp_setup_to_string(s)) == 0) {
      if (*slot != WT_SDP_SETUP_UNSET)
        return wt_sdp_fail(p, WT_SDP_ERROR_INVALID, "a=setup appears twice");
      *slot = s;
      return TRUE;
    }
  }
  return wt_sdp_fail(p, WT_SDP_ERROR_SYNTAX,
                     "a=setup must be actpass, active, passive or holdconn");
}

static gboolean
attr_extmap_allow_mixed(WtSdpParser *p, char *value)
{
  *(p->media ? &p->media->extmap_allow_mixed : &p->sdp->extmap_allow_mixed) = TRUE;
  return TRUE;
}

static gboolean
attr_mid(WtSdpParser *p, char *value)
{
  if (!value || !valid_token(value))
    return wt_sdp_fail(p, WT_SDP_ERROR_SYNTAX, "a=mid must be a token of 1 to %d bytes",
                       WT_SDP_MAX_TOKEN);
  if (p->media->mid)
    return wt_sdp_fail(p, WT_SDP_ERROR_INVALID, "a=mid appears twice");
  if (wt_sdp_find_media(p->sdp, value))
    return wt_sdp_fail(p, WT_SDP_ERROR_INVALID, "a=mid:%s is used by two m-sections", value);
  p->media->mid = g_strdup(value);
  return TRUE;
}

static gboolean
attr_direction(WtSdpParser *p, char *value)
{
  /* Called with the attribute name itself as @value (see dispatch). */
  parse_direction(value, &p->media->direction);
  return TRUE;
}

static gboolean
attr_rtcp_mux(WtSdpParser *p, char *value)
{
  p->media->rtcp_mux = TRUE;
  return TRUE;
}

static gboolean
attr_rtcp_rsize(WtSdpParser *p, char *value)
{
  p->media->rtcp_rsize = TRUE;
  return TRUE;
}

static gboolean
attr_bundle_only(WtSdpParser *p, char *value)
{
  p->media->bundle_only = TRUE;
  return TRUE;
}

static gboolean
attr_end_of_candidates(WtSdpParser *p, char *value)
{
  p->media->end_of_candidates = TRUE;
  return TRUE;
}

static gboolean
attr_extmap(WtSdpParser *p, char *value)
{
  char *id_s = next_field(&value);
  char *uri = next_field(&value);
  char *attributes = rest_of(value);
  if (!id_s || !uri)
    return wt_sdp_fail(p, WT_SDP_ERROR_SYNTAX, "a=extmap needs an id and a URI");
  char *slash = strchr(id_s, '/');
  WtSdpDirection direction = WT_SDP_DIRECTION_SENDRECV;
  if (slash) {
    *slash = '\0';
    if (!parse_direction(slash + 1, &direction))
      return wt_sdp_fail(p, WT_SDP_ERROR_SYNTAX, "a=extmap has an unknown direction");
  }
  guint64 id;
  if (!wt_sdp_field_uint(p, id_s, 65535, &id, "the a=extmap id"))
    return FALSE;
  if (id == 0 || id > 255)
    return wt_sdp_fail(p, WT_SDP_ERROR_INVALID,
                       "a=extmap id %" G_GUINT64_FORMAT " is outside 1-255", id);
  if (!valid_visible(uri))
    return wt_sdp_fail(p, WT_SDP_ERROR_SYNTAX, "a=extmap URI is not %d visible characters or fewer",
                       WT_SDP_MAX_TOKEN);
  if (id == 15)
    return TRUE; /* reserved in the one-byte form: not negotiated (see sdp.h) */
  WtSdpExtmap *same = wt_sdp_media_find_extmap_id(p->media, (guint)id);
  if (same) {
    if (strcmp(same->uri, uri) != 0)
      return wt_sdp_fail(p, WT_SDP_ERROR_INVALID,
                         "a=extmap id %" G_GUINT64_FORMAT " is given to two different URIs", id);
    return TRUE; /* a harmless repeat */
  }
  if (p->media->extmaps->len >= WT_SDP_MAX_EXTMAPS)
    return wt_sdp_fail(p, WT_SDP_ERROR_LIMIT, "more than %d a=extmap in one m-section",
                       WT_SDP_MAX_EXTMAPS);
  WtSdpExtmap *e = wt_sdp_extmap_new((guint16)id, uri);
  e->has_direction = slash != NULL;
  e->direction = direction;
  e->attributes = g_strdup(attributes);
  g_ptr_array_add(p->media->extmaps, e);
  return TRUE;
}

static gboolean
attr_rtpmap(WtSdpParser *p, char *value)
{
  WtSdpCodec *c;
  gboolean all;
  char *enc;
  if (!pt_and_rest(p, value, "rtpmap", FALSE, &c, &all, &enc))
    return FALSE;
  char *name = enc, *rate = strchr(enc, '/'), *channels = NULL;
  if (!rate)
    return wt_sdp_fail(p, WT_SDP_ERROR_SYNTAX,
                       "a=rtpmap must be <pt> <name>/<clock rate>[/<channels>]");
  *rate++ = '\0';
  if ((channels = strchr(rate, '/')))
    *channels++ = '\0';
  if (!valid_token(name) || strlen(name) > 64)
    return wt_sdp_fail(p, WT_SDP_ERROR_SYNTAX, "a=rtpmap encoding name is not a short token");
  guint64 clock, ch = 0;
  if (!wt_sdp_field_uint(p, rate, G_MAXUINT32, &clock, "the a=rtpmap clock rate") ||
      (channels && !wt_sdp_field_uint(p, channels, 255, &ch, "the a=rtpmap channel count")))
    return FALSE;
  if (clock == 0)
    return wt_sdp_fail(p, WT_SDP_ERROR_INVALID, "a=rtpmap clock rate is 0");
  if (!c)
    return TRUE;
  if (seen_before(p->rtpmap_seen, c->pt))
    return wt_sdp_fail(p, WT_SDP_ERROR_INVALID, "a second a=rtpmap for payload type %u", c->pt);
  g_free(c->name);
  c->name = g_strdup(name);
  c->clock_rate = (guint32)clock;
  c->channels = (guint8)ch;
  return TRUE;
}

static gboolean
attr_fmtp(WtSdpParser *p, char *value)
{
  WtSdpCodec *c;
  gboolean all;
  char *params;
  if (!pt_and_rest(p, value, "fmtp", FALSE, &c, &all, &params))
    return FALSE;
  if (!c)
    return TRUE;
  if (seen_before(p->fmtp_seen, c->pt))
    return wt_sdp_fail(p, WT_SDP_ERROR_INVALID, "a second a=fmtp for payload type %u", c->pt);
  c->fmtp = g_strdup(params);
  return TRUE;
}

static gboolean
add_rtcp_fb(WtSdpParser *p, WtSdpCodec *c, const char *fb)
{
  for (guint i = 0; i < c->rtcp_fb->len; i++)
    if (strcmp(c->rtcp_fb->pdata[i], fb) == 0)
      return TRUE;
  if (c->rtcp_fb->len >= WT_SDP_MAX_RTCP_FB)
    return wt_sdp_fail(p, WT_SDP_ERROR_LIMIT, "more than %d a=rtcp-fb for payload type %u",
                       WT_SDP_MAX_RTCP_FB, c->pt);
  g_ptr_array_add(c->rtcp_fb, g_strdup(fb));
  return TRUE;
}

static gboolean
attr_rtcp_fb(WtSdpParser *p, char *value)
{
  WtSdpCodec *c;
  gboolean all;
  char *fb;
  if (!pt_and_rest(p, value, "rtcp-fb", TRUE, &c, &all, &fb))
    return FALSE;
  if (strlen(fb) > WT_SDP_MAX_TOKEN)
    return wt_sdp_fail(p, WT_SDP_ERROR_LIMIT, "a=rtcp-fb value is longer than %d bytes",
                       WT_SDP_MAX_TOKEN);
  if (!all)
    return !c || add_rtcp_fb(p, c, fb);
  for (guint i = 0; i < p->media->codecs->len; i++) /* "*": every payload type */
    if (!add_rtcp_fb(p, p->media->codecs->pdata[i], fb))
      return FALSE;
  return TRUE;
}

/* "<stream> [<track>]" of a=msid and a=ssrc:<n> msid:, into fresh strings. */
static gboolean
parse_msid(WtSdpParser *p, char *value, char **stream, char **track)
{
  char *s = value ? next_field(&value) : NULL;
  char *t = s ? next_field(&value) : NULL;
  if (!s || !valid_token(s) || (t && !valid_token(t)))
    return wt_sdp_fail(p, WT_SDP_ERROR_SYNTAX, "msid must be a stream id and an optional track id");
  *stream = g_strdup(s);
  *track = g_strdup(t);
  return TRUE;
}

static gboolean
attr_msid(WtSdpParser *p, char *value)
{
  g_autofree char *stream = NULL, *track = NULL;
  if (!parse_msid(p, value, &stream, &track))
    return FALSE;
  if (!p->media->msid_stream) { /* only the first stream is kept */
    p->media->msid_stream = g_steal_pointer(&stream);
    p->media->msid_track = g_steal_pointer(&track);
  }
  return TRUE;
}

static gboolean
attr_ssrc(WtSdpParser *p, char *value)
{
  char *ssrc_s = next_field(&value);
  char *attr = rest_of(value);
  guint64 n;
  if (!ssrc_s || !attr)
    return wt_sdp_fail(p, WT_SDP_ERROR_SYNTAX, "a=ssrc needs an SSRC and an attribute");
  if (!wt_sdp_field_uint(p, ssrc_s, G_MAXUINT32, &n, "the SSRC"))
    return FALSE;
  char *colon = strchr(attr, ':');
  char *attr_value = colon ? colon + 1 : NULL;
  if (colon)
    *colon = '\0';
  /* Only cname and msid are modelled; an SSRC named only by other attributes
   * (mslabel, label...) is not recorded, so the writer never loses one. */
  if (strcmp(attr, "cname") != 0 && strcmp(attr, "msid") != 0)
    return TRUE;
  WtSdpSsrc *s = wt_sdp_media_find_ssrc(p->media, (guint32)n);
  if (!s) {
    if (p->media->ssrcs->len >= WT_SDP_MAX_SSRCS)
      return wt_sdp_fail(p, WT_SDP_ERROR_LIMIT, "more than %d SSRCs in one m-section",
                         WT_SDP_MAX_SSRCS);
    s = wt_sdp_ssrc_new((guint32)n);
    g_ptr_array_add(p->media->ssrcs, s);
  }
  if (strcmp(attr, "cname") == 0) {
    if (!attr_value || !valid_visible(attr_value))
      return wt_sdp_fail(p, WT_SDP_ERROR_SYNTAX, "a=ssrc cname must be 1 to %d visible characters",
                         WT_SDP_MAX_TOKEN);
    if (!s->cname)
      s->cname = g_strdup(attr_value);
  } else if (strcmp(attr, "msid") == 0) {
    g_autofree char *stream = NULL, *track = NULL;
    if (!parse_msid(p, attr_value, &stream, &track))
      return FALSE;
    if (!s->msid_stream) {
      s->msid_stream = g_steal_pointer(&stream);
      s->msid_track = g_steal_pointer(&track);
    }
  }
  return TRUE;
}

static gboolean
attr_ssrc_group(WtSdpParser *p, char *value)
{
  char *semantics = next_field(&value);
  if (!semantics || !valid_token(semantics))
    return wt_sdp_fail(p, WT_SDP_ERROR_SYNTAX, "a=ssrc-group needs semantics and SSRCs");
  if (p->media->ssrc_groups->len >= WT_SDP_MAX_SSRC_GROUPS)
    return wt_sdp_fail(p, WT_SDP_ERROR_LIMIT, "more than %d a=ssrc-group in one m-section",
                       WT_SDP_MAX_SSRC_GROUPS);
  g_autoptr(GArray) ssrcs = g_array_new(FALSE, FALSE, sizeof(guint32));
  for (char *s; (s = next_field(&value));) {
    guint64 n;
    if (ssrcs->len >= WT_SDP_MAX_GROUP_SSRCS)
      return wt_sdp_fail(p, WT_SDP_ERROR_LIMIT, "more than %d SSRCs in one a=ssrc-group",
                         WT_SDP_MAX_GROUP_SSRCS);
    if (!wt_sdp_field_uint(p, s, G_MAXUINT32, &n, "an a=ssrc-group SSRC"))
      return FALSE;
    guint32 v = (guint32)n;
    g_array_append_val(ssrcs, v);
  }
  if (ssrcs->len == 0)
    return wt_sdp_fail(p, WT_SDP_ERROR_SYNTAX, "a=ssrc-group needs semantics and SSRCs");
  WtSdpSsrcGroup *g = wt_sdp_ssrc_group_new(semantics);
  g_array_append_vals(g->ssrcs, ssrcs->data, ssrcs->len);
  g_ptr_array_add(p->media->ssrc_groups, g);
  return TRUE;
}

static gboolean
attr_candidate(WtSdpParser *p, char *value)
{
  guint fields = 0;
  for (const char *c = value; c && *c; fields++) {
    while (*c && *c != ' ')
      c++;
    while (*c == ' ')
      c++;
  }
  /* foundation component transport priority address port "typ" type */
  if (fields < 8)
    return wt_sdp_fail(p, WT_SDP_ERROR_SYNTAX, "a=candidate has fewer than 8 fields");
  if (p->media->candidates->len >= WT_SDP_MAX_CANDIDATES)
    return wt_sdp_fail(p, WT_SDP_ERROR_LIMIT, "more than %d a=candidate in one m-section",
                       WT_SDP_MAX_CANDIDATES);
  g_ptr_array_add(p->media->candidates, g_strconcat("candidate:", value, NULL));
  return TRUE;
}

static gboolean
attr_rid(WtSdpParser *p, char *value)
{
  if (p->media->rids->len >= WT_SDP_MAX_RIDS)
    return wt_sdp_fail(p, WT_SDP_ERROR_LIMIT, "more than %d a=rid in one m-section",
                       WT_SDP_MAX_RIDS);
  g_ptr_array_add(p->media->rids, g_strdup(value));
  return TRUE;
}

static gboolean
attr_simulcast(WtSdpParser *p, char *value)
{
  return set_once(p, &p->media->simulcast, value, "simulcast");
}

static gboolean
attr_sctp_port(WtSdpParser *p, char *value)
{
  guint64 n;
  if (!wt_sdp_field_uint(p, value, 65535, &n, "a=sctp-port"))
    return FALSE;
  p->media->sctp_port = (guint16)n;
  return TRUE;
}

static gboolean
attr_max_message_size(WtSdpParser *p, char *value)
{
  guint64 n;
  if (!wt_sdp_field_uint(p, value, G_MAXUINT32, &n, "a=max-message-size"))
    return FALSE;
  p->media->max_message_size = (guint32)n;
  return TRUE;
}

enum { SESSION = 1, MEDIA = 2, BOTH = 3 };

/* need_value: the attribute is "name:value", and its handler gets the value
 * without leading spaces, never NULL or empty; otherwise it is a flag, and any
 * value is ignored. The direction attributes get their own name. */
static const struct {
  const char *name;
  AttrFn fn;
  guint8 where;
  gboolean need_value;
} attributes[] = {
    {"group", attr_group, SESSION, TRUE},
    {"msid-semantic", attr_msid_semantic, SESSION, TRUE},
    {"ice-lite", attr_ice_lite, SESSION, FALSE},
    {"ice-ufrag", attr_ice_ufrag, BOTH, TRUE},
    {"ice-pwd", attr_ice_pwd, BOTH, TRUE},
    {"ice-options", attr_ice_options, BOTH, TRUE},
    {"fingerprint", attr_fingerprint, BOTH, TRUE},
    {"setup", attr_setup, BOTH, TRUE},
    {"extmap-allow-mixed", attr_extmap_allow_mixed, BOTH, FALSE},
    {"mid", attr_mid, MEDIA, TRUE},
    {"sendrecv", attr_direction, MEDIA, FALSE},
    {"sendonly", attr_direction, MEDIA, FALSE},
    {"recvonly", attr_direction, MEDIA, FALSE},
    {"inactive", attr_direction, MEDIA, FALSE},
    {"rtcp-mux", attr_rtcp_mux, MEDIA, FALSE},
    {"rtcp-rsize", attr_rtcp_rsize, MEDIA, FALSE},
    {"bundle-only", attr_bundle_only, MEDIA, FALSE},
    {"end-of-candidates", attr_end_of_candidates, MEDIA, FALSE},
    {"extmap", attr_extmap, MEDIA, TRUE},
    {"rtpmap", attr_rtpmap, MEDIA, TRUE},
    {"fmtp", attr_fmtp, MEDIA, TRUE},
    {"rtcp-fb", attr_rtcp_fb, MEDIA, TRUE},
    {"msid", attr_msid, MEDIA, TRUE},
    {"ssrc", attr_ssrc, MEDIA, TRUE},
    {"ssrc-group", attr_ssrc_group, MEDIA, TRUE},
    {"candidate", attr_candidate, MEDIA, TRUE},
    {"rid", attr_rid, MEDIA, TRUE},
    {"simulcast", attr_simulcast, MEDIA, TRUE},
    {"sctp-port", attr_sctp_port, MEDIA, TRUE},
    {"max-message-size", attr_max_message_size, MEDIA, TRUE},
};

gboolean
wt_sdp_parse_attribute(WtSdpParser *p, char *text)
{
  char *colon = strchr(text, ':');
  char *value = colon ? colon + 1 : NULL;
  if (colon)
    *colon = '\0';
  guint8 level = p->media ? MEDIA : SESSION;
  for (guint i = 0; i < G_N_ELEMENTS(attributes); i++) {
    if (strcmp(text, attributes[i].name) != 0)
      continue;
    if (!(attributes[i].where & level))
      return TRUE; /* e.g. a=mid at session level: not meaningful there, ignored */
    if (attributes[i].fn == attr_direction)
      return attr_direction(p, text);
    if (attributes[i].need_value && !(value = rest_of(value)))
      return wt_sdp_fail(p, WT_SDP_ERROR_SYNTAX, "a=%s needs a value", attributes[i].name);
    return attributes[i].fn(p, value);
  }
  return TRUE; /* unknown attributes are ignored */
}
