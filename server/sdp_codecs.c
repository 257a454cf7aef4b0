/* sdp_codecs.c — codec negotiation helpers over parsed SDP (see sdp_codecs.h).
 *
 * Pure: no I/O, no main loop, no state; any thread.
 */
#include "sdp_codecs.h"

#include <string.h>

/* ---- fmtp parameters ----------------------------------------------------- */

/* Finds @key in "k1=v1;k2=v2..." and gives the bounds of its value. */
static gboolean
fmtp_find(const char *fmtp, const char *key, const char **value, gsize *len)
{
  if (!fmtp || !key)
    return FALSE;
  gsize key_len = strlen(key);
  for (const char *p = fmtp; *p;) {
    while (*p == ' ' || *p == ';')
      p++;
    const char *end = strchr(p, ';');
    if (!end)
      end = p + strlen(p);
    const char *eq = memchr(p, '=', (gsize)(end - p));
    const char *key_end = eq ? eq : end;
    while (key_end > p && key_end[-1] == ' ')
      key_end--;
    if (key_end > p && (gsize)(key_end - p) == key_len &&
        g_ascii_strncasecmp(p, key, key_len) == 0) {
      const char *v = eq ? eq + 1 : end;
      while (v < end && *v == ' ')
        v++;
      const char *v_end = end;
      while (v_end > v && v_end[-1] == ' ')
        v_end--;
      *value = v;
      *len = (gsize)(v_end - v);
      return TRUE;
    }
    p = end;
  }
  return FALSE;
}

char *
wt_sdp_fmtp_get(const char *fmtp, const char *key)
{
  const char *v;
  gsize len;
  return fmtp_find(fmtp, key, &v, &len) ? g_strndup(v, len) : NULL;
}

gboolean
wt_sdp_fmtp_get_uint(const char *fmtp, const char *key, guint max, guint *out)
{
  const char *v;
  gsize len;
  if (!fmtp_find(fmtp, key, &v, &len) || len == 0)
    return FALSE;
  guint64 n = 0;
  for (gsize i = 0; i < len; i++) {
    if (!g_ascii_isdigit(v[i]))
      return FALSE;
    n = n * 10 + (guint)(v[i] - '0');
    if (n > max)
      return FALSE;
  }
  *out = (guint)n;
  return TRUE;
}

/* ---- finding codecs ------------------------------------------------------ */

static gboolean
is(const WtSdpCodec *c, const char *name)
{
  return c->name && g_ascii_strcasecmp(c->name, name) == 0;
}

const WtSdpCodec *
wt_sdp_media_find_codec(const WtSdpMedia *media, const char *name)
{
  for (guint i = 0; i < media->codecs->len; i++)
    if (is(media->codecs->pdata[i], name))
      return media->codecs->pdata[i];
  return NULL;
}

const WtSdpCodec *
wt_sdp_media_find_codec_pt(const WtSdpMedia *media, guint pt)
{
  for (guint i = 0; i < media->codecs->len; i++)
    if (((WtSdpCodec *)media->codecs->pdata[i])->pt == pt)
      return media->codecs->pdata[i];
  return NULL;
}

const WtSdpCodec *
wt_sdp_media_find_rtx(const WtSdpMedia *media, guint pt)
{
  for (guint i = 0; i < media->codecs->len; i++) {
    const WtSdpCodec *c = media->codecs->pdata[i];
    if (is(c, "rtx") && c->apt >= 0 && (guint)c->apt == pt)
      return c;
  }
  return NULL;
}

/* ---- H.264 profile-level-id ---------------------------------------------- */

/* RFC 6184 §8.1, table 5: profile_idc and a pattern over the eight profile-iop
 * bits (constraint_set0..5 and two reserved zero bits), most significant
 * first; 'x' matches either bit. The first row that matches names the profile,
 * so constrained baseline (constraint_set1 set) is tried before baseline. */
static const struct {
  guint8 profile_idc;
  const char *iop;
  WtH264Profile profile;
} profiles[] = {
    {0x42, "x1xx0000", WT_H264_PROFILE_CONSTRAINED_BASELINE},
    {0x4d, "1xxx0000", WT_H264_PROFILE_CONSTRAINED_BASELINE},
    {0x58, "11xx0000", WT_H264_PROFILE_CONSTRAINED_BASELINE},
    {0x42, "x0xx0000", WT_H264_PROFILE_BASELINE},
    {0x58, "10xx0000", WT_H264_PROFILE_BASELINE},
    {0x4d, "0x0x0000", WT_H264_PROFILE_MAIN},
    {0x64, "00000000", WT_H264_PROFILE_HIGH},
    {0x64, "00001100", WT_H264_PROFILE_CONSTRAINED_HIGH},
    {0xf4, "00000000", WT_H264_PROFILE_PREDICTIVE_HIGH_444},
};

static gboolean
iop_matches(const char *pattern, guint8 iop)
{
  for (guint bit = 0; bit < 8; bit++) {
    gboolean set = (iop >> (7 - bit)) & 1;
    if ((pattern[bit] == '1' && !set) || (pattern[bit] == '0' && set))
      return FALSE;
  }
  return TRUE;
}

static gint
hex_byte(const char *s)
{
  gint hi = g_ascii_xdigit_value(s[0]);
  gint lo = hi < 0 ? -1 : g_ascii_xdigit_value(s[1]);
  return lo < 0 ? -1 : hi * 16 + lo;
}

gboolean
wt_sdp_h264_parse_profile_level_id(const char *str, WtH264ProfileLevel *out)
{
  if (!str || strlen(str) != 6)
    return FALSE;
  gint idc = hex_byte(str), iop = hex_byte(str + 2), level = hex_byte(str + 4);
  if (idc < 0 || iop < 0 || level < 0)
    return FALSE;

  guint8 lvl;
  switch (level) {
  case 11: /* constraint_set3 turns 1.1 into 1b in the baseline and main profiles */
    lvl = (iop & 0x10) ? WT_H264_LEVEL_1B : 11;
    break;
  case 10:
  case 12:
  case 13:
  case 20:
  case 21:
  case 22:
  case 30:
  case 31:
  case 32:
  case 40:
  case 41:
  case 42:
  case 50:
  case 51:
  case 52:
  case 60:
  case 61:
  case 62:
    lvl = (guint8)level;
    break;
  default:
    return FALSE;
  }
  for (guint i = 0; i < G_N_ELEMENTS(profiles); i++) {
    if (profiles[i].profile_idc == idc && iop_matches(profiles[i].iop, (guint8)iop)) {
      out->profile = profiles[i].profile;
      out->level = lvl;
      return TRUE;
    }
  }
  return FALSE;
}

gboolean
wt_sdp_h264_profile_level(const char *fmtp, WtH264ProfileLevel *out)
{
  g_autofree char *id = wt_sdp_fmtp_get(fmtp, "profile-level-id");
  return wt_sdp_h264_parse_profile_level_id(id ? id : WT_H264_DEFAULT_PROFILE_LEVEL_ID, out);
}

static gint profile_param(const char *fmtp, const char *key, guint max);

gint
wt_sdp_h264_packetization_mode(const char *fmtp)
{
  return profile_param(fmtp, "packetization-mode", 2);
}

gboolean
wt_sdp_h264_same_profile(const char *fmtp_a, const char *fmtp_b)
{
  WtH264ProfileLevel a, b;
  return wt_sdp_h264_profile_level(fmtp_a, &a) && wt_sdp_h264_profile_level(fmtp_b, &b) &&
         a.profile == b.profile;
}

gboolean
wt_sdp_h264_fmtp_match(const char *fmtp_a, const char *fmtp_b)
{
  gint mode = wt_sdp_h264_packetization_mode(fmtp_a);
  return mode >= 0 && mode == wt_sdp_h264_packetization_mode(fmtp_b) &&
         wt_sdp_h264_same_profile(fmtp_a, fmtp_b);
}

const WtSdpCodec *
wt_sdp_h264_pick(const WtSdpMedia *media, const WtH264Profile *wanted, gsize n_wanted)
{
  for (gsize w = 0; w < n_wanted; w++) {
    for (guint i = 0; i < media->codecs->len; i++) {
      const WtSdpCodec *c = media->codecs->pdata[i];
      WtH264ProfileLevel pl;
      if (is(c, "H264") && wt_sdp_h264_packetization_mode(c->fmtp) == 1 &&
          wt_sdp_h264_profile_level(c->fmtp, &pl) && pl.profile == wanted[w])
        return c;
    }
  }
  return NULL;
}

const char *
wt_sdp_h264_profile_name(WtH264Profile profile)
{
  switch (profile) {
  case WT_H264_PROFILE_CONSTRAINED_BASELINE:
    return "constrained-baseline";
  case WT_H264_PROFILE_BASELINE:
    return "baseline";
  case WT_H264_PROFILE_MAIN:
    return "main";
  case WT_H264_PROFILE_CONSTRAINED_HIGH:
    return "constrained-high";
  case WT_H264_PROFILE_HIGH:
    return "high";
  case WT_H264_PROFILE_PREDICTIVE_HIGH_444:
    return "predictive-high-444";
  }
  return "unknown";
}

/* ---- other codecs -------------------------------------------------------- */

static gint
profile_param(const char *fmtp, const char *key, guint max)
{
  guint v;
  if (wt_sdp_fmtp_get_uint(fmtp, key, max, &v))
    return (gint)v;
  const char *s;
  gsize len;
  return fmtp_find(fmtp, key, &s, &len) ? -1 : 0;
}

gint
wt_sdp_vp9_profile_id(const char *fmtp)
{
  return profile_param(fmtp, "profile-id", 3);
}

gint
wt_sdp_av1_profile(const char *fmtp)
{
  return profile_param(fmtp, "profile", 2);
}

gboolean
wt_sdp_codecs_match(const WtSdpCodec *a, const WtSdpCodec *b)
{
  if (!a->name || !b->name || g_ascii_strcasecmp(a->name, b->name) != 0 ||
      a->clock_rate != b->clock_rate || MAX(a->channels, 1) != MAX(b->channels, 1))
    return FALSE;
  if (is(a, "H264"))
    return wt_sdp_h264_fmtp_match(a->fmtp, b->fmtp);
  if (is(a, "VP9")) {
    gint p = wt_sdp_vp9_profile_id(a->fmtp);
    return p >= 0 && p == wt_sdp_vp9_profile_id(b->fmtp);
  }
  if (is(a, "AV1")) {
    gint p = wt_sdp_av1_profile(a->fmtp);
    return p >= 0 && p == wt_sdp_av1_profile(b->fmtp);
  }
  return TRUE;
}
