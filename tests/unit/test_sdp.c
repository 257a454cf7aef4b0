/* test_sdp.c — the SDP parser, writer and codec helpers against offers as
 * Chrome, Firefox, Safari and others write them (tests/unit/sdp/), and
 * against broken, hostile and borderline input. */
#include <string.h>

#include "sdp.h"
#include "sdp_codecs.h"
#include "wt-build-config.h"

#define HEADER "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n" /* lines 1-4 */
#define VIDEO_M "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"                 /* line 5 */

static char *
fixture(const char *name, gsize *len)
{
  const char *root = g_getenv("WT_SOURCE_ROOT");
  g_autofree char *path =
      g_build_filename(root ? root : WT_SOURCE_ROOT, "tests", "unit", "sdp", name, NULL);
  char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_assert_true(g_file_get_contents(path, &text, len, &error));
  g_assert_no_error(error);
  return text;
}

static WtSdp *
parse_fixture(const char *name)
{
  gsize len;
  g_autofree char *text = fixture(name, &len);
  g_autoptr(GError) error = NULL;
  WtSdp *sdp = wt_sdp_parse(text, len, &error);
  g_assert_no_error(error);
  g_assert_nonnull(sdp);
  return sdp;
}

static WtSdp *
parse_ok(const char *text)
{
  g_autoptr(GError) error = NULL;
  WtSdp *sdp = wt_sdp_parse(text, strlen(text), &error);
  g_assert_no_error(error);
  return sdp;
}

/* Parsing @len bytes of @text fails with @code, and the message contains @mention. */
static void
assert_refused_len(const char *text, gsize len, WtSdpError code, const char *mention)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WtSdp) sdp = wt_sdp_parse(text, len, &error);
  g_assert_null(sdp);
  g_assert_error(error, WT_SDP_ERROR, (gint)code);
  if (!strstr(error->message, mention))
    g_error("expected \"%s\" in \"%s\"", mention, error->message);
}

static void
assert_refused(const char *text, WtSdpError code, const char *mention)
{
  assert_refused_len(text, strlen(text), code, mention);
}

static WtSdpMedia *
media(const WtSdp *sdp, guint i)
{
  g_assert_cmpuint(i, <, sdp->media->len);
  return sdp->media->pdata[i];
}

static const WtSdpCodec *
codec(const WtSdpMedia *m, guint pt)
{
  const WtSdpCodec *c = wt_sdp_media_find_codec_pt(m, pt);
  g_assert_nonnull(c);
  return c;
}

static gboolean
has_fb(const WtSdpCodec *c, const char *fb)
{
  for (guint i = 0; i < c->rtcp_fb->len; i++)
    if (strcmp(c->rtcp_fb->pdata[i], fb) == 0)
      return TRUE;
  return FALSE;
}

static void
assert_pts(const WtSdpMedia *m, const guint *pts, guint n)
{
  g_assert_cmpuint(m->codecs->len, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpuint(((WtSdpCodec *)m->codecs->pdata[i])->pt, ==, pts[i]);
}

/* ---- browser offers ------------------------------------------------------ */

static void
test_chrome(void)
{
  g_autoptr(WtSdp) sdp = parse_fixture("chrome.sdp");
  g_assert_cmpstr(sdp->origin_username, ==, "-");
  g_assert_cmpuint(sdp->session_id, ==, G_GUINT64_CONSTANT(4611731400430051336));
  g_assert_cmpuint(sdp->session_version, ==, 2);
  g_assert_cmpstr(sdp->session_name, ==, "-");
  g_assert_cmpuint(sdp->bundle->len, ==, 2);
  g_assert_cmpstr(sdp->bundle->pdata[0], ==, "0");
  g_assert_cmpstr(sdp->bundle->pdata[1], ==, "1");
  g_assert_true(sdp->extmap_allow_mixed);
  g_assert_cmpstr(sdp->msid_semantic, ==, "WMS 7f0b5f24-1f4a-4c4e-9b0d-3a8f2f4b1c11");
  g_assert_null(sdp->ice_ufrag);
  g_assert_cmpuint(sdp->media->len, ==, 2);

  WtSdpMedia *a = media(sdp, 0);
  g_assert_cmpint(a->kind, ==, WT_SDP_MEDIA_AUDIO);
  g_assert_cmpuint(a->port, ==, 9);
  g_assert_cmpstr(a->proto, ==, "UDP/TLS/RTP/SAVPF");
  g_assert_true(wt_sdp_media_is_rtp(a));
  static const guint audio_pts[] = {111, 63, 9, 0, 8, 13, 110, 126};
  assert_pts(a, audio_pts, G_N_ELEMENTS(audio_pts));
  const WtSdpCodec *opus = wt_sdp_media_find_codec(a, "OPUS");
  g_assert_nonnull(opus);
  g_assert_cmpuint(opus->pt, ==, 111);
  g_assert_cmpstr(opus->name, ==, "opus");
  g_assert_cmpuint(opus->clock_rate, ==, 48000);
  g_assert_cmpuint(opus->channels, ==, 2);
  g_assert_cmpstr(opus->fmtp, ==, "minptime=10;useinbandfec=1");
  g_assert_true(has_fb(opus, "transport-cc"));
  g_assert_cmpint(opus->apt, ==, -1);
  g_assert_cmpstr(codec(a, 63)->fmtp, ==, "111/111");
  g_assert_cmpuint(codec(a, 9)->channels, ==, 0);
  g_assert_cmpstr(a->mid, ==, "0");
  g_assert_cmpint(a->direction, ==, WT_SDP_DIRECTION_SENDRECV);
  g_assert_true(a->rtcp_mux);
  g_assert_true(a->rtcp_rsize);
  g_assert_cmpstr(a->ice_ufrag, ==, "Vx3K");
  g_assert_cmpstr(wt_sdp_media_get_ice_pwd(sdp, a), ==, "5c4S3gE+uG3cDzVPJs0WHJnD");
  g_assert_cmpstr(wt_sdp_media_get_fingerprint(sdp, a)->hash, ==, "sha-256");
  g_assert_true(g_str_has_prefix(a->fingerprint.value, "5B:9C:FE"));
  g_assert_cmpint(wt_sdp_media_get_setup(sdp, a), ==, WT_SDP_SETUP_ACTPASS);
  g_assert_true(wt_sdp_media_has_ice_option(sdp, a, "trickle"));
  g_assert_false(wt_sdp_media_has_ice_option(sdp, a, "renomination"));
  g_assert_true(wt_sdp_media_get_extmap_allow_mixed(sdp, a));
  g_assert_cmpuint(a->extmaps->len, ==, 4);
  g_assert_cmpuint(wt_sdp_media_find_extmap(a, "urn:ietf:params:rtp-hdrext:sdes:mid")->id, ==, 4);
  g_assert_false(wt_sdp_media_find_extmap_id(a, 1)->has_direction);
  g_assert_cmpstr(a->msid_stream, ==, "7f0b5f24-1f4a-4c4e-9b0d-3a8f2f4b1c11");
  g_assert_cmpstr(a->msid_track, ==, "0c3b6f2e-8d3e-4c1a-a4b5-2f1e9d8c7b6a");
  g_assert_cmpuint(a->ssrcs->len, ==, 1);
  WtSdpSsrc *s = wt_sdp_media_find_ssrc(a, 3735928559u);
  g_assert_cmpstr(s->cname, ==, "Yq0tVJ3mq9Hk+7Ft");
  g_assert_cmpstr(s->msid_track, ==, a->msid_track);
  g_assert_cmpuint(a->candidates->len, ==, 0);
  g_assert_false(a->end_of_candidates);
  g_assert_true(wt_sdp_media_is_bundled(sdp, a));
  g_assert_false(wt_sdp_media_is_rejected(sdp, a));
  g_assert_true(wt_sdp_bundle_tag(sdp) == a);

  WtSdpMedia *v = media(sdp, 1);
  g_assert_cmpint(v->kind, ==, WT_SDP_MEDIA_VIDEO);
  g_assert_cmpuint(v->codecs->len, ==, 25);
  g_assert_cmpuint(v->extmaps->len, ==, 11);
  g_assert_cmpstr(wt_sdp_media_find_extmap_id(v, 14)->uri, ==,
                  "urn:ietf:params:rtp-hdrext:toffset");
  g_assert_cmpint(codec(v, 97)->apt, ==, 96);
  g_assert_cmpuint(wt_sdp_media_find_rtx(v, 102)->pt, ==, 103);
  g_assert_cmpuint(wt_sdp_media_find_rtx(v, 45)->pt, ==, 46);
  g_assert_null(wt_sdp_media_find_rtx(v, 118));
  g_assert_cmpuint(codec(v, 96)->rtcp_fb->len, ==, 5);
  g_assert_true(has_fb(codec(v, 96), "nack pli"));
  g_assert_true(has_fb(codec(v, 96), "ccm fir"));
  g_assert_cmpuint(v->ssrc_groups->len, ==, 1);
  WtSdpSsrcGroup *fid = v->ssrc_groups->pdata[0];
  g_assert_cmpstr(fid->semantics, ==, "FID");
  g_assert_cmpuint(fid->ssrcs->len, ==, 2);
  g_assert_cmpuint(g_array_index(fid->ssrcs, guint32, 0), ==, 2271139745u);
  g_assert_cmpuint(g_array_index(fid->ssrcs, guint32, 1), ==, 3163287041u);
  g_assert_cmpuint(v->ssrcs->len, ==, 2);
  g_assert_cmpstr(wt_sdp_find_media(sdp, "1")->mid, ==, "1");
  g_assert_null(wt_sdp_find_media(sdp, "2"));
}

static void
test_chrome_h264(void)
{
  g_autoptr(WtSdp) sdp = parse_fixture("chrome.sdp");
  WtSdpMedia *v = media(sdp, 1);
  /* 42001f is baseline, 42e01f constrained baseline: never the same codec. */
  WtH264ProfileLevel pl;
  g_assert_true(wt_sdp_h264_profile_level(codec(v, 102)->fmtp, &pl));
  g_assert_cmpint(pl.profile, ==, WT_H264_PROFILE_BASELINE);
  g_assert_cmpuint(pl.level, ==, 31);
  g_assert_true(wt_sdp_h264_profile_level(codec(v, 106)->fmtp, &pl));
  g_assert_cmpint(pl.profile, ==, WT_H264_PROFILE_CONSTRAINED_BASELINE);
  g_assert_false(wt_sdp_h264_same_profile(codec(v, 102)->fmtp, codec(v, 106)->fmtp));
  g_assert_true(wt_sdp_h264_same_profile(codec(v, 106)->fmtp, codec(v, 108)->fmtp));
  g_assert_false(wt_sdp_h264_fmtp_match(codec(v, 106)->fmtp, codec(v, 108)->fmtp)); /* mode */

  WtH264Profile cb[] = {WT_H264_PROFILE_CONSTRAINED_BASELINE};
  g_assert_cmpuint(wt_sdp_h264_pick(v, cb, 1)->pt, ==, 106); /* not 108: mode 0 */
  WtH264Profile high_first[] = {WT_H264_PROFILE_HIGH, WT_H264_PROFILE_CONSTRAINED_BASELINE};
  g_assert_cmpuint(wt_sdp_h264_pick(v, high_first, 2)->pt, ==, 112);
  WtH264Profile main_only[] = {WT_H264_PROFILE_MAIN};
  g_assert_cmpuint(wt_sdp_h264_pick(v, main_only, 1)->pt, ==, 127);
  WtH264Profile ch[] = {WT_H264_PROFILE_CONSTRAINED_HIGH};
  g_assert_null(wt_sdp_h264_pick(v, ch, 1));
  g_assert_null(wt_sdp_h264_pick(v, NULL, 0));
  g_assert_cmpuint(wt_sdp_media_find_codec(v, "h264")->pt, ==, 102);
  g_assert_cmpint(wt_sdp_vp9_profile_id(codec(v, 100)->fmtp), ==, 2);
  g_assert_cmpint(wt_sdp_av1_profile(codec(v, 45)->fmtp), ==, 0);
  g_assert_false(wt_sdp_codecs_match(codec(v, 98), codec(v, 100))); /* VP9 profile 0 vs 2 */
  g_assert_true(wt_sdp_codecs_match(codec(v, 106), codec(v, 106)));
  g_assert_false(wt_sdp_codecs_match(codec(v, 102), codec(v, 106)));
}

static void
test_firefox(void)
{
  g_autoptr(WtSdp) sdp = parse_fixture("firefox.sdp");
  g_assert_cmpstr(sdp->origin_username, ==, "mozilla...THIS_IS_SDPARTA-120.0");
  g_assert_cmpuint(sdp->session_version, ==, 0);
  g_assert_cmpstr(sdp->fingerprint.hash, ==, "sha-256");
  g_assert_cmpstr(sdp->ice_options, ==, "trickle");
  g_assert_cmpstr(sdp->msid_semantic, ==, "WMS *");
  g_assert_false(sdp->extmap_allow_mixed);

  WtSdpMedia *a = media(sdp, 0), *v = media(sdp, 1);
  g_assert_cmpuint(a->port, ==, 54321);
  g_assert_cmpuint(a->candidates->len, ==, 2);
  g_assert_cmpstr(a->candidates->pdata[0], ==,
                  "candidate:0 1 UDP 2122252543 192.168.1.20 54321 typ host");
  g_assert_true(a->end_of_candidates);
  WtSdpExtmap *csrc = wt_sdp_media_find_extmap_id(a, 2);
  g_assert_true(csrc->has_direction);
  g_assert_cmpint(csrc->direction, ==, WT_SDP_DIRECTION_RECVONLY);
  g_assert_cmpstr(codec(a, 109)->name, ==, "opus"); /* fmtp came before rtpmap */
  g_assert_cmpstr(codec(a, 109)->fmtp, ==, "maxplaybackrate=48000;stereo=1;useinbandfec=1");
  g_assert_cmpuint(codec(a, 9)->channels, ==, 1);
  g_assert_cmpstr(a->msid_stream, ==, "{8c9a4f3e-2b1d-4e6f-a7c8-9d0e1f2a3b4c}");
  WtSdpSsrc *s = a->ssrcs->pdata[0];
  g_assert_nonnull(s->cname);
  g_assert_null(s->msid_stream);                                 /* Firefox writes no ssrc msid */
  g_assert_true(wt_sdp_media_has_ice_option(sdp, a, "trickle")); /* from session level */
  g_assert_false(wt_sdp_media_get_extmap_allow_mixed(sdp, a));

  /* max-bundle: video is bundle-only with port 0, and takes its transport
   * from the tagged (first) m-section. */
  g_assert_cmpuint(v->port, ==, 0);
  g_assert_true(v->bundle_only);
  g_assert_false(wt_sdp_media_is_rejected(sdp, v));
  g_assert_null(v->ice_ufrag);
  g_assert_cmpstr(wt_sdp_media_get_ice_ufrag(sdp, v), ==, "8f2a9c1e");
  g_assert_cmpstr(wt_sdp_media_get_ice_pwd(sdp, v), ==, "ca6ce2c3d0f4b5e8a1b2c3d4e5f60718");
  g_assert_cmpint(wt_sdp_media_get_setup(sdp, v), ==, WT_SDP_SETUP_ACTPASS);
  g_assert_true(wt_sdp_media_get_fingerprint(sdp, v) == &sdp->fingerprint);
  g_assert_true(wt_sdp_media_find_extmap_id(v, 6)->has_direction);
  g_assert_cmpuint(v->ssrc_groups->len, ==, 1);
  g_assert_cmpuint(v->ssrcs->len, ==, 2);
  g_assert_cmpint(codec(v, 119)->apt, ==, 122);
  g_assert_cmpuint(wt_sdp_media_find_rtx(v, 120)->pt, ==, 124);
  g_assert_true(has_fb(codec(v, 126), "transport-cc"));

  /* 97 has no packetization-mode (so 0), 126 has mode 1; both 42e01f. */
  g_assert_cmpint(wt_sdp_h264_packetization_mode(codec(v, 97)->fmtp), ==, 0);
  g_assert_true(wt_sdp_h264_same_profile(codec(v, 97)->fmtp, codec(v, 126)->fmtp));
  g_assert_false(wt_sdp_codecs_match(codec(v, 97), codec(v, 126)));
  WtH264Profile cb[] = {WT_H264_PROFILE_CONSTRAINED_BASELINE};
  g_assert_cmpuint(wt_sdp_h264_pick(v, cb, 1)->pt, ==, 126);
}

static void
test_safari(void)
{
  g_autoptr(WtSdp) sdp = parse_fixture("safari.sdp");
  WtSdpMedia *v = media(sdp, 1);
  const WtSdpCodec *first = v->codecs->pdata[0];
  g_assert_cmpstr(first->name, ==, "H264"); /* H.264 first, constrained high before CB */
  WtH264ProfileLevel pl;
  g_assert_true(wt_sdp_h264_profile_level(first->fmtp, &pl));
  g_assert_cmpint(pl.profile, ==, WT_H264_PROFILE_CONSTRAINED_HIGH);
  WtH264Profile cb_first[] = {WT_H264_PROFILE_CONSTRAINED_BASELINE,
                              WT_H264_PROFILE_CONSTRAINED_HIGH};
  g_assert_cmpuint(wt_sdp_h264_pick(v, cb_first, 2)->pt, ==, 98);
  g_assert_cmpuint(wt_sdp_h264_pick(v, cb_first + 1, 1)->pt, ==, 96);
  g_assert_cmpuint(wt_sdp_media_find_rtx(v, 98)->pt, ==, 99);
  g_assert_cmpuint(wt_sdp_media_find_codec(v, "vp8")->pt, ==, 104);
  g_assert_null(wt_sdp_media_find_codec(v, "VP9"));
  g_assert_cmpstr(wt_sdp_media_find_codec(media(sdp, 0), "ilbc")->name, ==, "ILBC");
}

static void
test_chromium_simulcast_lf(void)
{
  g_autoptr(WtSdp) sdp = parse_fixture("chromium_simulcast_lf.sdp"); /* LF line endings */
  g_assert_cmpstr(sdp->msid_semantic, ==, "WMS");
  WtSdpMedia *v = media(sdp, 0), *dc = media(sdp, 1);
  g_assert_null(wt_sdp_media_find_codec(v, "H264")); /* an open-source build: no H.264 */
  WtH264Profile cb[] = {WT_H264_PROFILE_CONSTRAINED_BASELINE};
  g_assert_null(wt_sdp_h264_pick(v, cb, 1));
  g_assert_cmpint(v->direction, ==, WT_SDP_DIRECTION_SENDONLY);
  g_assert_cmpstr(v->msid_stream, ==, "-");
  g_assert_cmpuint(wt_sdp_media_find_extmap(v, "http://www.webrtc.org/experiments/rtp-hdrext/"
                                               "video-layers-allocation00")
                       ->id,
                   ==, 17); /* a two-byte id, allowed by extmap-allow-mixed */
  g_assert_cmpuint(v->rids->len, ==, 3);
  g_assert_cmpstr(v->rids->pdata[2], ==, "l send");
  g_assert_cmpstr(v->simulcast, ==, "send h;m;l");
  g_assert_cmpint(wt_sdp_av1_profile(codec(v, 35)->fmtp), ==, 0);
  g_assert_cmpuint(wt_sdp_media_find_rtx(v, 35)->pt, ==, 36);

  g_assert_cmpint(dc->kind, ==, WT_SDP_MEDIA_APPLICATION);
  g_assert_false(wt_sdp_media_is_rtp(dc));
  g_assert_cmpuint(dc->codecs->len, ==, 0);
  g_assert_cmpuint(dc->formats->len, ==, 1);
  g_assert_cmpstr(dc->formats->pdata[0], ==, "webrtc-datachannel");
  g_assert_cmpuint(dc->sctp_port, ==, 5000);
  g_assert_cmpuint(dc->max_message_size, ==, 262144);
}

static void
test_legacy_no_mid(void)
{
  g_autoptr(WtSdp) sdp = parse_fixture("legacy_no_mid.sdp");
  g_assert_cmpstr(sdp->session_name, ==, "SIP Call");
  g_assert_cmpuint(sdp->bundle->len, ==, 0);
  g_assert_null(wt_sdp_bundle_tag(sdp));
  WtSdpMedia *a = media(sdp, 0), *v = media(sdp, 1);
  g_assert_null(a->mid);
  g_assert_null(v->mid);
  g_assert_false(wt_sdp_media_is_bundled(sdp, a));
  g_assert_cmpstr(a->proto, ==, "RTP/SAVPF");
  g_assert_cmpstr(wt_sdp_media_get_ice_ufrag(sdp, v), ==, "Ab12"); /* session level */
  g_assert_cmpint(wt_sdp_media_get_setup(sdp, v), ==, WT_SDP_SETUP_PASSIVE);
  g_assert_cmpstr(wt_sdp_media_get_fingerprint(sdp, a)->hash, ==, "SHA-256");
  g_assert_false(wt_sdp_media_has_ice_option(sdp, a, "trickle"));
  g_assert_cmpstr(codec(a, 0)->name, ==, "PCMU"); /* static payload types, no rtpmap */
  g_assert_cmpuint(codec(a, 8)->clock_rate, ==, 8000);
  g_assert_cmpint(v->direction, ==, WT_SDP_DIRECTION_RECVONLY);
  g_assert_cmpuint(v->bandwidth_as, ==, 1500);
  g_assert_cmpuint(v->bandwidth_tias, ==, 1500000);
  /* a=rtcp-fb:* applies to every payload type */
  g_assert_true(has_fb(codec(v, 98), "nack pli") && has_fb(codec(v, 98), "ccm fir"));
  g_assert_true(has_fb(codec(v, 99), "nack"));
  g_assert_false(has_fb(codec(v, 99), "ccm fir"));
  /* No profile-level-id: libwebrtc's default, constrained baseline 3.1. */
  WtH264ProfileLevel pl;
  g_assert_true(wt_sdp_h264_profile_level(codec(v, 99)->fmtp, &pl));
  g_assert_cmpint(pl.profile, ==, WT_H264_PROFILE_CONSTRAINED_BASELINE);
  g_assert_cmpuint(pl.level, ==, 31);
  WtH264Profile cb[] = {WT_H264_PROFILE_CONSTRAINED_BASELINE};
  g_assert_cmpuint(wt_sdp_h264_pick(v, cb, 1)->pt, ==, 98); /* 99 is mode 0 */
}

/* ---- writer -------------------------------------------------------------- */

static const char *const fixtures[] = {"chrome.sdp", "firefox.sdp", "safari.sdp",
                                       "chromium_simulcast_lf.sdp", "legacy_no_mid.sdp"};

/* Writing, parsing and writing again gives the same text: what was parsed is
 * what was written. */
static void
assert_round_trip(const WtSdp *sdp)
{
  g_autofree char *text = wt_sdp_write(sdp);
  g_autoptr(GError) error = NULL;
  g_autoptr(WtSdp) again = wt_sdp_parse(text, strlen(text), &error);
  g_assert_no_error(error);
  g_autofree char *text2 = wt_sdp_write(again);
  g_assert_cmpstr(text, ==, text2);
  for (const char *nl = strchr(text, '\n'); nl; nl = strchr(nl + 1, '\n'))
    g_assert_true(nl > text && nl[-1] == '\r');
}

static void
test_round_trip(void)
{
  for (guint f = 0; f < G_N_ELEMENTS(fixtures); f++) {
    g_autoptr(WtSdp) sdp = parse_fixture(fixtures[f]);
    assert_round_trip(sdp);
    g_autofree char *text = wt_sdp_write(sdp);
    g_autoptr(WtSdp) again = parse_ok(text);
    g_assert_cmpuint(again->media->len, ==, sdp->media->len);
    g_assert_cmpuint(again->session_id, ==, sdp->session_id);
    g_assert_cmpuint(again->bundle->len, ==, sdp->bundle->len);
    for (guint i = 0; i < sdp->media->len; i++) {
      WtSdpMedia *m = media(sdp, i), *n = media(again, i);
      g_assert_cmpstr(m->mid, ==, n->mid);
      g_assert_cmpuint(m->port, ==, n->port);
      g_assert_cmpint(m->bundle_only, ==, n->bundle_only);
      g_assert_cmpint(m->direction, ==, n->direction);
      g_assert_cmpuint(m->codecs->len, ==, n->codecs->len);
      for (guint j = 0; j < m->codecs->len; j++) {
        const WtSdpCodec *c = m->codecs->pdata[j], *d = n->codecs->pdata[j];
        g_assert_cmpuint(c->pt, ==, d->pt);
        g_assert_cmpstr(c->name, ==, d->name);
        g_assert_cmpstr(c->fmtp, ==, d->fmtp);
        g_assert_cmpint(c->apt, ==, d->apt);
        g_assert_cmpuint(c->rtcp_fb->len, ==, d->rtcp_fb->len);
      }
      g_assert_cmpuint(m->extmaps->len, ==, n->extmaps->len);
      g_assert_cmpuint(m->ssrcs->len, ==, n->ssrcs->len);
      g_assert_cmpuint(m->candidates->len, ==, n->candidates->len);
      g_assert_cmpint(m->end_of_candidates, ==, n->end_of_candidates);
      g_assert_cmpstr(wt_sdp_media_get_ice_ufrag(sdp, m), ==, wt_sdp_media_get_ice_ufrag(again, n));
    }
  }
}

/* An answer built by hand comes out in libwebrtc's order. */
static void
test_write_built(void)
{
  g_autoptr(WtSdp) sdp = wt_sdp_new();
  sdp->session_id = 42;
  sdp->session_version = 3;
  sdp->ice_lite = TRUE;
  sdp->fingerprint.hash = g_strdup("sha-256");
  sdp->fingerprint.value = g_strdup("AB:CD");
  sdp->msid_semantic = g_strdup("WMS *");
  g_ptr_array_add(sdp->bundle, g_strdup("0"));
  WtSdpMedia *m = wt_sdp_media_new("video", "UDP/TLS/RTP/SAVPF");
  g_ptr_array_add(sdp->media, m);
  m->port = 9;
  m->mid = g_strdup("0");
  m->ice_ufrag = g_strdup("abcd");
  m->ice_pwd = g_strdup("0123456789012345678901");
  m->setup = WT_SDP_SETUP_PASSIVE;
  m->direction = WT_SDP_DIRECTION_SENDONLY;
  m->rtcp_mux = m->rtcp_rsize = TRUE;
  WtSdpExtmap *e = wt_sdp_extmap_new(4, "urn:ietf:params:rtp-hdrext:sdes:mid");
  g_ptr_array_add(m->extmaps, e);
  e = wt_sdp_extmap_new(5, "urn:x");
  e->has_direction = TRUE;
  e->direction = WT_SDP_DIRECTION_RECVONLY;
  g_ptr_array_add(m->extmaps, e);
  WtSdpCodec *c = wt_sdp_codec_new(96, "VP8", 90000, 0);
  g_ptr_array_add(c->rtcp_fb, g_strdup("nack pli"));
  g_ptr_array_add(m->codecs, c);
  c = wt_sdp_codec_new(97, "rtx", 90000, 0);
  c->apt = 96;
  g_ptr_array_add(m->codecs, c);
  WtSdpSsrcGroup *g = wt_sdp_ssrc_group_new("FID");
  guint32 ssrcs[] = {1, 2};
  g_array_append_vals(g->ssrcs, ssrcs, 2);
  g_ptr_array_add(m->ssrc_groups, g);
  WtSdpSsrc *s = wt_sdp_ssrc_new(1);
  s->cname = g_strdup("witness");
  s->msid_stream = g_strdup("alice");
  s->msid_track = g_strdup("video");
  g_ptr_array_add(m->ssrcs, s);
  g_ptr_array_add(m->candidates, g_strdup("candidate:1 1 udp 2130706431 127.0.0.1 4000 typ host"));
  m->end_of_candidates = TRUE;

  g_autofree char *text = wt_sdp_write(sdp);
  g_assert_cmpstr(text, ==,
                  "v=0\r\no=- 42 3 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
                  "a=ice-lite\r\na=fingerprint:sha-256 AB:CD\r\na=group:BUNDLE 0\r\n"
                  "a=msid-semantic:WMS *\r\n"
                  "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\nc=IN IP4 0.0.0.0\r\n"
                  "a=rtcp:9 IN IP4 0.0.0.0\r\na=ice-ufrag:abcd\r\n"
                  "a=ice-pwd:0123456789012345678901\r\na=setup:passive\r\na=mid:0\r\n"
                  "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
                  "a=extmap:5/recvonly urn:x\r\na=sendonly\r\na=rtcp-mux\r\na=rtcp-rsize\r\n"
                  "a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack pli\r\n"
                  "a=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n"
                  "a=ssrc-group:FID 1 2\r\na=ssrc:1 cname:witness\r\n"
                  "a=ssrc:1 msid:alice video\r\n"
                  "a=candidate:1 1 udp 2130706431 127.0.0.1 4000 typ host\r\n"
                  "a=end-of-candidates\r\n");
  g_autoptr(WtSdp) back = parse_ok(text);
  g_assert_cmpint(codec(media(back, 0), 97)->apt, ==, 96);
  g_assert_cmpint(wt_sdp_media_get_setup(back, media(back, 0)), ==, WT_SDP_SETUP_PASSIVE);
  assert_round_trip(sdp);

  g_autoptr(WtSdpCodec) copy = wt_sdp_codec_copy(media(back, 0)->codecs->pdata[0]);
  g_assert_cmpstr(copy->name, ==, "VP8");
  g_assert_cmpuint(copy->rtcp_fb->len, ==, 1);
}

/* ---- extension ids ------------------------------------------------------- */

static void
test_extmap_ids(void)
{
  /* Line 6 is the extmap. */
  assert_refused(HEADER VIDEO_M "a=extmap:0 urn:a\r\n", WT_SDP_ERROR_INVALID,
                 "line 6: a=extmap id 0 is outside 1-255");
  assert_refused(HEADER VIDEO_M "a=extmap:256 urn:a\r\n", WT_SDP_ERROR_INVALID, "line 6");
  assert_refused(HEADER VIDEO_M "a=extmap:4096/sendonly urn:a\r\n", WT_SDP_ERROR_INVALID,
                 "outside 1-255");
  assert_refused(HEADER VIDEO_M "a=extmap:99999999 urn:a\r\n", WT_SDP_ERROR_LIMIT, "line 6");
  assert_refused(HEADER VIDEO_M "a=extmap:-1 urn:a\r\n", WT_SDP_ERROR_SYNTAX, "line 6");
  assert_refused(HEADER VIDEO_M "a=extmap:3/sideways urn:a\r\n", WT_SDP_ERROR_SYNTAX, "direction");
  assert_refused(HEADER VIDEO_M "a=extmap:3\r\n", WT_SDP_ERROR_SYNTAX, "needs an id and a URI");
  /* The same id for two URIs in one section. */
  assert_refused(HEADER VIDEO_M "a=extmap:3 urn:a\r\na=extmap:3 urn:b\r\n", WT_SDP_ERROR_INVALID,
                 "line 7: a=extmap id 3 is given to two different URIs");

  /* 15 is dropped (not negotiated); 1, 14, 16 and 255 are kept; a repeat of
   * the same mapping is dropped. */
  g_autoptr(WtSdp) sdp =
      parse_ok(HEADER VIDEO_M "a=extmap:15 urn:fifteen\r\n"
                              "a=extmap:1 urn:one\r\na=extmap:14 urn:14\r\n"
                              "a=extmap:16 urn:16\r\na=extmap:255 urn:255 x y\r\n"
                              "a=extmap:1 urn:one\r\n");
  WtSdpMedia *m = media(sdp, 0);
  g_assert_cmpuint(m->extmaps->len, ==, 4);
  g_assert_null(wt_sdp_media_find_extmap_id(m, 15));
  g_assert_null(wt_sdp_media_find_extmap(m, "urn:fifteen"));
  g_assert_cmpstr(wt_sdp_media_find_extmap_id(m, 255)->attributes, ==, "x y");
  g_assert_cmpstr(wt_sdp_media_find_extmap_id(m, 16)->uri, ==, "urn:16");
  g_autofree char *text = wt_sdp_write(sdp);
  g_assert_null(strstr(text, "fifteen"));
  g_assert_nonnull(strstr(text, "a=extmap:255 urn:255 x y\r\n"));

  /* One id, two URIs, in two bundled sections: refused; unbundled: fine. */
  const char *two = "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:a\r\na=extmap:3 urn:a\r\n"
                    "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:v\r\na=extmap:3 urn:b\r\n";
  g_autofree char *bundled = g_strconcat(HEADER "a=group:BUNDLE a v\r\n", two, NULL);
  assert_refused(bundled, WT_SDP_ERROR_INVALID, "extmap id 3 means different URIs");
  g_autofree char *apart = g_strconcat(HEADER, two, NULL);
  g_autoptr(WtSdp) ok = parse_ok(apart);
  g_assert_cmpuint(ok->media->len, ==, 2);
}

static void
test_bundle(void)
{
  g_autoptr(WtSdp) sdp =
      parse_ok(HEADER "a=group:BUNDLE v a\r\n"
                      "m=audio 0 UDP/TLS/RTP/SAVPF 111\r\na=mid:a\r\na=bundle-only\r\n"
                      "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:v\r\n"
                      "m=video 0 UDP/TLS/RTP/SAVPF 96\r\na=mid:x\r\n"
                      "m=video 0 UDP/TLS/RTP/SAVPF 96\r\na=mid:y\r\na=bundle-only\r\n");
  g_assert_true(wt_sdp_bundle_tag(sdp) == media(sdp, 1));       /* the first mid of the group */
  g_assert_false(wt_sdp_media_is_rejected(sdp, media(sdp, 0))); /* bundle-only, bundled */
  g_assert_false(wt_sdp_media_is_rejected(sdp, media(sdp, 1)));
  g_assert_true(wt_sdp_media_is_rejected(sdp, media(sdp, 2))); /* port 0, plain */
  g_assert_true(wt_sdp_media_is_rejected(sdp, media(sdp, 3))); /* bundle-only, not bundled */
  assert_refused(HEADER "a=group:BUNDLE 0 1\r\nm=audio 9 RTP/AVP 0\r\na=mid:0\r\n",
                 WT_SDP_ERROR_INVALID, "names mid 1, which no m-section has");
  assert_refused(HEADER "a=group:BUNDLE 0 0\r\n", WT_SDP_ERROR_INVALID, "line 5");
  assert_refused(HEADER "m=audio 9 RTP/AVP 0\r\na=mid:0\r\nm=audio 9 RTP/AVP 0\r\na=mid:0\r\n",
                 WT_SDP_ERROR_INVALID, "line 8: a=mid:0 is used by two m-sections");
  assert_refused(HEADER "m=audio 9 RTP/AVP 0\r\na=mid:0\r\na=mid:1\r\n", WT_SDP_ERROR_INVALID,
                 "line 7: a=mid appears twice");
  /* Other group semantics and a second BUNDLE group are ignored. */
  g_autoptr(WtSdp) lip = parse_ok(HEADER "a=group:LS 0\r\na=group:BUNDLE 0\r\n"
                                         "a=group:BUNDLE 9\r\nm=audio 9 RTP/AVP 0\r\na=mid:0\r\n");
  g_assert_cmpuint(lip->bundle->len, ==, 1);
}

/* ---- broken and hostile input -------------------------------------------- */

static void
test_malformed(void)
{
  assert_refused("", WT_SDP_ERROR_SYNTAX, "end of input: empty description");
  assert_refused("\r\n\n", WT_SDP_ERROR_SYNTAX, "empty description");
  assert_refused("v=1\r\n", WT_SDP_ERROR_SYNTAX, "line 1");
  assert_refused("o=- 1 1 IN IP4 0.0.0.0\r\n", WT_SDP_ERROR_SYNTAX, "line 1: the first line");
  assert_refused(HEADER "v=0\r\n", WT_SDP_ERROR_SYNTAX, "line 5");
  assert_refused("v=0\r\no=- 1 1 IN IP4\r\n", WT_SDP_ERROR_SYNTAX, "line 2: o= must be");
  assert_refused("v=0\r\no=- x 1 IN IP4 a\r\n", WT_SDP_ERROR_SYNTAX, "session id");
  assert_refused("v=0\r\no=- 18446744073709551616 1 IN IP4 a\r\n", WT_SDP_ERROR_LIMIT, "line 2");
  assert_refused("v=0\r\no=- 1 1 IN IP4 a\r\ns=-\r\n", WT_SDP_ERROR_SYNTAX,
                 "end of input: no o=, s= or t= line");
  assert_refused("v=0\r\no=- 1 1 IN IP4 a\r\ns=-\r\nm=audio 9 RTP/AVP 0\r\n", WT_SDP_ERROR_SYNTAX,
                 "line 4: m= before");
  assert_refused(HEADER "hello world\r\n", WT_SDP_ERROR_SYNTAX, "line 5: not a <type>=<value>");
  assert_refused(HEADER "x=1\r\n", WT_SDP_ERROR_SYNTAX, "line 5: unknown line type 'x'");
  assert_refused(HEADER "=\r\n", WT_SDP_ERROR_SYNTAX, "line 5");
  assert_refused(HEADER "a=setup:maybe\r\n", WT_SDP_ERROR_SYNTAX, "line 5");
  assert_refused(HEADER "a=setup:active\r\na=setup:active\r\n", WT_SDP_ERROR_INVALID, "line 6");
  assert_refused(HEADER "a=ice-ufrag:abc\r\n", WT_SDP_ERROR_SYNTAX, "ice-ufrag");
  assert_refused(HEADER "a=ice-pwd:short\r\n", WT_SDP_ERROR_SYNTAX, "ice-pwd");
  assert_refused(HEADER "a=ice-ufrag:ab_cd\r\n", WT_SDP_ERROR_SYNTAX, "ice-ufrag");
  assert_refused(HEADER "a=fingerprint:sha-256\r\n", WT_SDP_ERROR_SYNTAX, "fingerprint");
  assert_refused(HEADER "a=fingerprint:sha-256 AB:C\r\n", WT_SDP_ERROR_SYNTAX, "fingerprint");
  assert_refused(HEADER "a=fingerprint:sha-256 AB:\r\n", WT_SDP_ERROR_SYNTAX, "fingerprint");
  assert_refused(HEADER "a=fingerprint:sha-256 ZZ\r\n", WT_SDP_ERROR_SYNTAX, "fingerprint");
  assert_refused(HEADER "m=audio\r\n", WT_SDP_ERROR_SYNTAX, "line 5: m= must be");
  assert_refused(HEADER "m=audio 9 RTP/AVP\r\n", WT_SDP_ERROR_SYNTAX, "line 5");
  assert_refused(HEADER "m=audio 65536 RTP/AVP 0\r\n", WT_SDP_ERROR_LIMIT, "port");
  assert_refused(HEADER "m=audio 9 RTP/AVP 128\r\n", WT_SDP_ERROR_LIMIT, "payload type");
  assert_refused(HEADER "m=audio 9 RTP/AVP opus\r\n", WT_SDP_ERROR_SYNTAX, "payload type");
  assert_refused(HEADER "m=audio 9 RTP/AVP 0 8 0\r\n", WT_SDP_ERROR_INVALID, "twice");
  assert_refused(HEADER VIDEO_M "o=- 1 1 IN IP4 a\r\n", WT_SDP_ERROR_SYNTAX, "line 6: o= inside");
  assert_refused(HEADER VIDEO_M "a=rtpmap:96 VP8\r\n", WT_SDP_ERROR_SYNTAX, "line 6");
  assert_refused(HEADER VIDEO_M "a=rtpmap:96 VP8/0\r\n", WT_SDP_ERROR_INVALID, "clock rate");
  assert_refused(HEADER VIDEO_M "a=rtpmap:96 VP8/4294967296\r\n", WT_SDP_ERROR_LIMIT, "clock");
  assert_refused(HEADER VIDEO_M "a=rtpmap:96 opus/48000/256\r\n", WT_SDP_ERROR_LIMIT, "channel");
  assert_refused(HEADER VIDEO_M "a=rtpmap:96 VP8/90000\r\na=rtpmap:96 VP9/90000\r\n",
                 WT_SDP_ERROR_INVALID, "line 7: a second a=rtpmap");
  assert_refused(HEADER VIDEO_M "a=fmtp:96 a=1\r\na=fmtp:96 a=2\r\n", WT_SDP_ERROR_INVALID,
                 "line 7");
  assert_refused(HEADER VIDEO_M "a=fmtp:96\r\n", WT_SDP_ERROR_SYNTAX, "line 6");
  assert_refused(HEADER VIDEO_M "a=rtcp-fb:x nack\r\n", WT_SDP_ERROR_SYNTAX, "line 6");
  assert_refused(HEADER VIDEO_M "a=ssrc:4294967296 cname:x\r\n", WT_SDP_ERROR_LIMIT, "SSRC");
  assert_refused(HEADER VIDEO_M "a=ssrc:1 cname:\r\n", WT_SDP_ERROR_SYNTAX, "cname");
  assert_refused(HEADER VIDEO_M "a=ssrc:1\r\n", WT_SDP_ERROR_SYNTAX, "line 6");
  assert_refused(HEADER VIDEO_M "a=ssrc:1 msid\r\n", WT_SDP_ERROR_SYNTAX, "msid"); /* was a crash */
  assert_refused(HEADER VIDEO_M "a=ssrc-group:FID\r\n", WT_SDP_ERROR_SYNTAX, "line 6");
  assert_refused(HEADER VIDEO_M "a=ssrc-group:FID 1 x\r\n", WT_SDP_ERROR_SYNTAX, "line 6");
  assert_refused(HEADER VIDEO_M "a=msid:a b:c\r\n", WT_SDP_ERROR_SYNTAX, "msid");
  assert_refused(HEADER VIDEO_M "a=candidate:1 1 udp 1 1.2.3.4 9 typ\r\n", WT_SDP_ERROR_SYNTAX,
                 "8 fields");
  assert_refused(HEADER VIDEO_M "a=sctp-port:70000\r\n", WT_SDP_ERROR_LIMIT, "sctp-port");
  assert_refused(HEADER "b=AS\r\n", WT_SDP_ERROR_SYNTAX, "line 5: b= must be");
  assert_refused(HEADER "a=mid\x01:0\r\n", WT_SDP_ERROR_SYNTAX, "line 5: control character");
  assert_refused(HEADER "a=mid:0\r\r\n", WT_SDP_ERROR_SYNTAX, "control character 0x0d");
  assert_refused_len(HEADER "a=x\0y\r\n", sizeof(HEADER "a=x\0y\r\n") - 1, WT_SDP_ERROR_SYNTAX,
                     "line 5: control character 0x00");
  assert_refused(HEADER "s=\xff\xfe\r\n", WT_SDP_ERROR_SYNTAX, "line 5: not valid UTF-8");
}

static void
test_lenient(void)
{
  /* LF only, mixed endings, blank lines, trailing spaces, no final newline,
   * unknown attributes and line types that are not modelled. */
  g_autoptr(WtSdp) sdp = parse_ok("v=0\no=- 7 1 IN IP4 0.0.0.0\r\ns=\n\nt=0 0  \n"
                                  "i=information\r\nu=http://example.com/\ne=a@example.com\n"
                                  "a=x-google-flag:conference\na=unknown\n"
                                  "m=audio 9/2 UDP/TLS/RTP/SAVPF 111\r\ni=audio\n"
                                  "a=mid:audio-1 \r\na=rtcp-mux:ignored\na=sendonly\n"
                                  "a=rtpmap:111 opus/48000/2\na=rtpmap:112 unused/90000\n"
                                  "a=fmtp:113 apt=9\na=rtcp-fb:114 nack\n"
                                  "a=ssrc:5 mslabel:ignored\na=ssrc:6 cname:c\n"
                                  "a=ptime:20\na=rtcp:9 IN IP4 0.0.0.0");
  g_assert_cmpuint(sdp->session_id, ==, 7);
  g_assert_cmpstr(sdp->session_name, ==, "-");
  WtSdpMedia *m = media(sdp, 0);
  g_assert_cmpstr(m->mid, ==, "audio-1");
  g_assert_true(m->rtcp_mux);
  g_assert_cmpint(m->direction, ==, WT_SDP_DIRECTION_SENDONLY);
  g_assert_cmpuint(m->codecs->len, ==, 1); /* lines for payload types not on the m-line: ignored */
  g_assert_cmpuint(m->ssrcs->len, ==, 1);  /* an SSRC with only unmodelled attributes: not kept */
  g_assert_cmpuint(((WtSdpSsrc *)m->ssrcs->pdata[0])->ssrc, ==, 6);
  g_assert_cmpstr(wt_sdp_direction_to_string(m->direction), ==, "sendonly");
  g_assert_null(wt_sdp_setup_to_string(WT_SDP_SETUP_UNSET));
}

static void
test_limits(void)
{
  /* A line one byte too long; the whole description too long. */
  g_autofree char *pad = g_strnfill(WT_SDP_MAX_LINE - 2, 'x');
  g_autofree char *ok_line = g_strconcat(HEADER "a=", pad, "\r\n", NULL);
  g_autoptr(WtSdp) fits = parse_ok(ok_line);
  g_assert_nonnull(fits);
  g_autofree char *long_line = g_strconcat(HEADER "a=x", pad, "\n", NULL);
  assert_refused(long_line, WT_SDP_ERROR_LIMIT, "line 5: longer than 4096 bytes");
  g_autofree char *huge = g_strnfill(WT_SDP_MAX_LEN + 1, '\n');
  assert_refused(huge, WT_SDP_ERROR_LIMIT, "longer than");

  GString *s = g_string_new(HEADER);
  for (guint i = 0; i <= WT_SDP_MAX_MEDIA; i++)
    g_string_append(s, "m=audio 9 RTP/AVP 0\r\n");
  assert_refused(s->str, WT_SDP_ERROR_LIMIT, "more than 64 m-sections");

  g_string_assign(s, HEADER "m=application 9 UDP/DTLS/SCTP");
  for (guint i = 0; i <= WT_SDP_MAX_FORMATS; i++)
    g_string_append_printf(s, " f%u", i);
  g_string_append(s, "\r\n");
  assert_refused(s->str, WT_SDP_ERROR_LIMIT, "formats");

  /* Each line is prefix, a number (from 101, so extmap ids skip 15), suffix. */
  struct {
    const char *prefix, *suffix;
    guint max;
    const char *mention;
  } counted[] = {
      {"a=candidate:", " 1 udp 1 10.0.0.1 9 typ host", WT_SDP_MAX_CANDIDATES, "a=candidate"},
      {"a=ssrc:", " cname:x", WT_SDP_MAX_SSRCS, "SSRCs"},
      {"a=extmap:", " urn:x", WT_SDP_MAX_EXTMAPS, "a=extmap"},
      {"a=ssrc-group:FID ", "", WT_SDP_MAX_SSRC_GROUPS, "a=ssrc-group"},
      {"a=rid:", " send", WT_SDP_MAX_RIDS, "a=rid"},
      {"a=rtcp-fb:96 x", "", WT_SDP_MAX_RTCP_FB, "a=rtcp-fb"},
  };
  for (guint c = 0; c < G_N_ELEMENTS(counted); c++) {
    g_string_assign(s, HEADER VIDEO_M);
    for (guint i = 1; i <= counted[c].max; i++)
      g_string_append_printf(s, "%s%u%s\r\n", counted[c].prefix, 100 + i, counted[c].suffix);
    g_autoptr(WtSdp) at_limit = parse_ok(s->str);
    g_assert_nonnull(at_limit);
    g_string_append_printf(s, "%s%u%s\r\n", counted[c].prefix, 101 + counted[c].max,
                           counted[c].suffix);
    assert_refused(s->str, WT_SDP_ERROR_LIMIT, counted[c].mention);
  }
  g_string_assign(s, HEADER VIDEO_M "a=ssrc-group:SIM");
  for (guint i = 0; i <= WT_SDP_MAX_GROUP_SSRCS; i++)
    g_string_append_printf(s, " %u", i);
  assert_refused(s->str, WT_SDP_ERROR_LIMIT, "SSRCs in one a=ssrc-group");
  g_string_free(s, TRUE);
}

/* Every prefix of every fixture (truncated input) parses or fails cleanly, and
 * whatever parses round-trips. */
static void
test_truncated(void)
{
  for (guint f = 0; f < G_N_ELEMENTS(fixtures); f++) {
    gsize len;
    g_autofree char *text = fixture(fixtures[f], &len);
    for (gsize n = 0; n <= len; n++) {
      g_autofree char *copy = g_memdup2(text, n); /* exactly n bytes: ASan sees overreads */
      g_autoptr(GError) error = NULL;
      g_autoptr(WtSdp) sdp = wt_sdp_parse(copy, n, &error);
      if (sdp)
        assert_round_trip(sdp);
      else
        g_assert_true(error && error->domain == WT_SDP_ERROR);
    }
  }
}

/* ---- codec helpers ------------------------------------------------------- */

static void
test_h264_profile_level_id(void)
{
  const struct {
    const char *id;
    WtH264Profile profile;
    guint level;
  } good[] = {
      {"42e01f", WT_H264_PROFILE_CONSTRAINED_BASELINE, 31},
      {"42E01F", WT_H264_PROFILE_CONSTRAINED_BASELINE, 31},
      {"42c02a", WT_H264_PROFILE_CONSTRAINED_BASELINE, 42},
      {"4de01f", WT_H264_PROFILE_CONSTRAINED_BASELINE, 31},
      {"58c01f", WT_H264_PROFILE_CONSTRAINED_BASELINE, 31},
      {"42001f", WT_H264_PROFILE_BASELINE, 31},
      {"42a01e", WT_H264_PROFILE_BASELINE, 30},
      {"58801f", WT_H264_PROFILE_BASELINE, 31},
      {"4d001f", WT_H264_PROFILE_MAIN, 31},
      {"4d0028", WT_H264_PROFILE_MAIN, 40},
      {"4d401f", WT_H264_PROFILE_MAIN, 31}, /* constraint_set1 is an x for main */
      {"64001f", WT_H264_PROFILE_HIGH, 31},
      {"640c1f", WT_H264_PROFILE_CONSTRAINED_HIGH, 31},
      {"640c34", WT_H264_PROFILE_CONSTRAINED_HIGH, 52},
      {"f4001f", WT_H264_PROFILE_PREDICTIVE_HIGH_444, 31},
      {"42f00b", WT_H264_PROFILE_CONSTRAINED_BASELINE, WT_H264_LEVEL_1B},
      {"42100b", WT_H264_PROFILE_BASELINE, WT_H264_LEVEL_1B},
      {"4d100b", WT_H264_PROFILE_MAIN, WT_H264_LEVEL_1B},
      {"42e00b", WT_H264_PROFILE_CONSTRAINED_BASELINE, 11},
      {"42e00a", WT_H264_PROFILE_CONSTRAINED_BASELINE, 10},
  };
  for (guint i = 0; i < G_N_ELEMENTS(good); i++) {
    WtH264ProfileLevel pl = {0};
    if (!wt_sdp_h264_parse_profile_level_id(good[i].id, &pl))
      g_error("%s did not parse", good[i].id);
    g_assert_cmpint(pl.profile, ==, good[i].profile);
    g_assert_cmpuint(pl.level, ==, good[i].level);
  }
  const char *const bad[] = {"",       "42e01",  "42e01f0", "zz001f", "000000", "42e000",
                             "42e0ff", "6400ff", "650c1f",  "640e1f", "42e81f", "4d2028",
                             "58401f", "64101f", " 42e01",  "0x42e0"};
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    WtH264ProfileLevel pl;
    if (wt_sdp_h264_parse_profile_level_id(bad[i], &pl))
      g_error("%s parsed", bad[i]);
  }
  g_assert_false(wt_sdp_h264_parse_profile_level_id(NULL, NULL));
  g_assert_cmpstr(wt_sdp_h264_profile_name(WT_H264_PROFILE_CONSTRAINED_BASELINE), ==,
                  "constrained-baseline");
}

static void
test_h264_matching(void)
{
  g_assert_true(wt_sdp_h264_same_profile("profile-level-id=42e01f", "profile-level-id=4de01f"));
  g_assert_false(wt_sdp_h264_same_profile("profile-level-id=42e01f", "profile-level-id=42001f"));
  g_assert_true(wt_sdp_h264_same_profile("profile-level-id=42e01f", "profile-level-id=42e034"));
  g_assert_true(wt_sdp_h264_same_profile(NULL, "profile-level-id=42e01f")); /* default CB */
  g_assert_true(wt_sdp_h264_same_profile("packetization-mode=1", NULL));
  g_assert_false(wt_sdp_h264_same_profile(NULL, "profile-level-id=42001f"));
  g_assert_false(
      wt_sdp_h264_same_profile("profile-level-id=nonsense", "profile-level-id=nonsense"));
  g_assert_cmpint(wt_sdp_h264_packetization_mode(NULL), ==, 0);
  g_assert_cmpint(wt_sdp_h264_packetization_mode("packetization-mode=1"), ==, 1);
  g_assert_cmpint(wt_sdp_h264_packetization_mode("packetization-mode=3"), ==, -1);
  g_assert_cmpint(wt_sdp_h264_packetization_mode("packetization-mode="), ==, -1);
  g_assert_true(wt_sdp_h264_fmtp_match("profile-level-id=42e01f",
                                       "packetization-mode=0;profile-level-id=42e01f"));
  g_assert_false(wt_sdp_h264_fmtp_match("profile-level-id=42e01f;packetization-mode=1",
                                        "packetization-mode=0;profile-level-id=42e01f"));
  g_assert_false(wt_sdp_h264_fmtp_match("packetization-mode=7", "packetization-mode=7"));
}

static void
test_fmtp(void)
{
  const char *f = "level-asymmetry-allowed=1; Packetization-Mode = 1 ;profile-level-id=42e01f;0-15";
  g_autofree char *plid = wt_sdp_fmtp_get(f, "profile-level-id");
  g_assert_cmpstr(plid, ==, "42e01f");
  g_autofree char *mode = wt_sdp_fmtp_get(f, "packetization-mode");
  g_assert_cmpstr(mode, ==, "1");
  g_autofree char *bare = wt_sdp_fmtp_get(f, "0-15");
  g_assert_cmpstr(bare, ==, "");
  g_assert_null(wt_sdp_fmtp_get(f, "profile"));
  g_assert_null(wt_sdp_fmtp_get(f, "level"));
  g_assert_null(wt_sdp_fmtp_get(NULL, "apt"));
  g_assert_null(wt_sdp_fmtp_get(";;;", "apt"));
  guint v = 99;
  g_assert_true(wt_sdp_fmtp_get_uint("apt=96", "apt", 127, &v));
  g_assert_cmpuint(v, ==, 96);
  g_assert_false(wt_sdp_fmtp_get_uint("apt=128", "apt", 127, &v));
  g_assert_false(wt_sdp_fmtp_get_uint("apt=99999999999999999999999", "apt", 127, &v));
  g_assert_false(wt_sdp_fmtp_get_uint("apt=-1", "apt", 127, &v));
  g_assert_false(wt_sdp_fmtp_get_uint("apt=", "apt", 127, &v));
  g_assert_cmpuint(v, ==, 96);
  g_assert_cmpint(wt_sdp_vp9_profile_id(NULL), ==, 0);
  g_assert_cmpint(wt_sdp_vp9_profile_id("profile-id=2"), ==, 2);
  g_assert_cmpint(wt_sdp_vp9_profile_id("profile-id=9"), ==, -1);
  g_assert_cmpint(wt_sdp_av1_profile("level-idx=5;profile=1;tier=0"), ==, 1);
}

static void
test_codecs_match(void)
{
  g_autoptr(WtSdpCodec) a = wt_sdp_codec_new(111, "opus", 48000, 2);
  g_autoptr(WtSdpCodec) b = wt_sdp_codec_new(109, "OPUS", 48000, 2);
  g_assert_true(wt_sdp_codecs_match(a, b));
  g_autoptr(WtSdpCodec) g1 = wt_sdp_codec_new(9, "G722", 8000, 0);
  g_autoptr(WtSdpCodec) g2 = wt_sdp_codec_new(9, "G722", 8000, 1);
  g_assert_true(wt_sdp_codecs_match(g1, g2)); /* no channel count means one */
  g_assert_false(wt_sdp_codecs_match(a, g1));
  g_autoptr(WtSdpCodec) t1 = wt_sdp_codec_new(110, "telephone-event", 48000, 0);
  g_autoptr(WtSdpCodec) t2 = wt_sdp_codec_new(126, "telephone-event", 8000, 0);
  g_assert_false(wt_sdp_codecs_match(t1, t2));
  g_autoptr(WtSdpCodec) unnamed = wt_sdp_codec_new(96, NULL, 0, 0);
  g_assert_false(wt_sdp_codecs_match(unnamed, unnamed));
  g_autoptr(WtSdpCodec) h1 = wt_sdp_codec_new(102, "H264", 90000, 0);
  g_autoptr(WtSdpCodec) h2 = wt_sdp_codec_new(126, "h264", 90000, 0);
  h1->fmtp = g_strdup("packetization-mode=1;profile-level-id=42e01f");
  h2->fmtp = g_strdup("profile-level-id=4DE01F;packetization-mode=1");
  g_assert_true(wt_sdp_codecs_match(h1, h2));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sdp/chrome", test_chrome);
  g_test_add_func("/sdp/chrome-h264", test_chrome_h264);
  g_test_add_func("/sdp/firefox", test_firefox);
  g_test_add_func("/sdp/safari", test_safari);
  g_test_add_func("/sdp/chromium-simulcast-lf", test_chromium_simulcast_lf);
  g_test_add_func("/sdp/legacy-no-mid", test_legacy_no_mid);
  g_test_add_func("/sdp/round-trip", test_round_trip);
  g_test_add_func("/sdp/write-built", test_write_built);
  g_test_add_func("/sdp/extmap-ids", test_extmap_ids);
  g_test_add_func("/sdp/bundle", test_bundle);
  g_test_add_func("/sdp/malformed", test_malformed);
  g_test_add_func("/sdp/lenient", test_lenient);
  g_test_add_func("/sdp/limits", test_limits);
  g_test_add_func("/sdp/truncated", test_truncated);
  g_test_add_func("/sdp/h264-profile-level-id", test_h264_profile_level_id);
  g_test_add_func("/sdp/h264-matching", test_h264_matching);
  g_test_add_func("/sdp/fmtp", test_fmtp);
  g_test_add_func("/sdp/codecs-match", test_codecs_match);
  return g_test_run();
}
