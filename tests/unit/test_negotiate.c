/* test_negotiate.c — our publish answers to real browser offers, and the
 * subscribe offers we make, checked by parsing what we wrote. */
#include <string.h>

#include "negotiate.h"
#include "sdp.h"
#include "sdp_codecs.h"
#include "wt-build-config.h"

#define HEADER "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
#define HEADER_NO_BUNDLE "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
#define TRANSPORT                                                                                  \
  "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"                                     \
  "a=fingerprint:sha-256 "                                                                         \
  "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:"        \
  "77:88:99\r\na=setup:actpass\r\na=mid:0\r\na=rtcp-mux\r\n"

static WtSdp *
parse_text(const char *text)
{
  g_autoptr(GError) error = NULL;
  WtSdp *sdp = wt_sdp_parse(text, strlen(text), &error);
  g_assert_no_error(error);
  return sdp;
}

static WtSdp *
parse_fixture(const char *name)
{
  const char *root = g_getenv("WT_SOURCE_ROOT");
  g_autofree char *path =
      g_build_filename(root ? root : WT_SOURCE_ROOT, "tests", "unit", "sdp", name, NULL);
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  return parse_text(text);
}

static const char *const our_candidates[] = {
    "candidate:1 1 UDP 2015363327 127.0.0.1 40000 typ host"};

static WtLocalTransport
local(WtSdpSetup setup, GPtrArray *candidates)
{
  return (WtLocalTransport){.ufrag = "srv1",
                            .pwd = "serverpasswordserverpass",
                            .fingerprint = "11:22:33",
                            .setup = setup,
                            .candidates = candidates};
}

/* Writes and re-parses, so every check below is on what a browser would read. */
static WtSdp *
answer_for(const WtSdp *offer, GPtrArray *tracks, GError **error)
{
  g_autoptr(GPtrArray) candidates = g_ptr_array_new();
  g_ptr_array_add(candidates, (gpointer)our_candidates[0]);
  WtLocalTransport l = local(WT_SDP_SETUP_ACTIVE, candidates);
  g_autoptr(WtSdp) answer = wt_negotiate_publish_answer(offer, &l, tracks, error);
  if (!answer)
    return NULL;
  g_autofree char *text = wt_sdp_write(answer);
  return parse_text(text);
}

static void
test_chrome_offer(void)
{
  g_autoptr(WtSdp) offer = parse_fixture("chrome.sdp");
  g_autoptr(GPtrArray) tracks = g_ptr_array_new_with_free_func((GDestroyNotify)wt_track_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(WtSdp) answer = answer_for(offer, tracks, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(answer->media->len, ==, offer->media->len);
  WtSdpMedia *audio = g_ptr_array_index(answer->media, 0);
  WtSdpMedia *video = g_ptr_array_index(answer->media, 1);
  g_assert_cmpstr(audio->mid, ==, "0");
  g_assert_cmpuint(audio->codecs->len, ==, 1);
  g_assert_cmpstr(((WtSdpCodec *)g_ptr_array_index(audio->codecs, 0))->name, ==, "opus");
  g_assert_cmpuint(((WtSdpCodec *)g_ptr_array_index(audio->codecs, 0))->pt, ==, 111);
  WtSdpCodec *vp8 = g_ptr_array_index(video->codecs, 0);
  g_assert_cmpstr(vp8->name, ==, "VP8");
  g_assert_cmpuint(vp8->pt, ==, 96);
  /* Only the feedback we act on: no plain "nack" (we do not ask publishers
   * to retransmit), but transport-cc and REMB for bandwidth. */
  gboolean twcc = FALSE;
  for (guint i = 0; i < vp8->rtcp_fb->len; i++) {
    const char *fb = g_ptr_array_index(vp8->rtcp_fb, i);
    g_assert_true(g_str_equal(fb, "nack pli") || g_str_equal(fb, "ccm fir") ||
                  g_str_equal(fb, "goog-remb") || g_str_equal(fb, "transport-cc"));
    twcc |= g_str_equal(fb, "transport-cc");
  }
  g_assert_true(twcc);
  g_assert_cmpuint(wt_sdp_media_find_extmap(video, WT_TWCC_URI)->id, ==, 3);
  g_assert_cmpint(video->direction, ==, WT_SDP_DIRECTION_RECVONLY);
  g_assert_cmpint(wt_sdp_media_get_setup(answer, video), ==, WT_SDP_SETUP_ACTIVE);
  g_assert_cmpuint(answer->bundle->len, ==, 2);
  g_assert_true(video->rtcp_mux);
  /* Extension ids are the offer's; unsupported ones (transport-cc, mid) are not answered. */
  g_assert_cmpuint(wt_sdp_media_find_extmap(video, wt_extension_uri(WT_EXT_TOFFSET))->id, ==, 14);
  g_assert_null(wt_sdp_media_find_extmap(video, "urn:ietf:params:rtp-hdrext:sdes:mid"));
  g_assert_cmpuint(wt_sdp_media_find_extmap(audio, wt_extension_uri(WT_EXT_AUDIO_LEVEL))->id, ==,
                   1);
  /* Candidates go once, on the first section. */
  g_assert_cmpuint(audio->candidates->len, ==, 1);
  g_assert_cmpuint(video->candidates->len, ==, 0);

  g_assert_cmpuint(tracks->len, ==, 2);
  WtTrack *a = g_ptr_array_index(tracks, 0), *v = g_ptr_array_index(tracks, 1);
  g_assert_cmpuint(a->ssrc, ==, 3735928559u);
  g_assert_cmpuint(v->ssrc, ==, 2271139745u); /* not its RTX (FID second) */
  g_assert_cmpuint(v->ext_ids[WT_EXT_VIDEO_ORIENTATION], ==, 13);
  g_assert_cmpuint(v->ext_ids[WT_EXT_AUDIO_LEVEL], ==, 0);
  g_assert_cmpuint(v->twcc_ext_id, ==, 3);
  g_assert_cmpuint(a->twcc_ext_id, ==, 3);
  g_assert_cmpstr(v->stream_id, ==, "7f0b5f24-1f4a-4c4e-9b0d-3a8f2f4b1c11");
}

static void
test_firefox_and_safari_offers(void)
{
  const char *const names[] = {"firefox.sdp", "safari.sdp"};
  for (guint n = 0; n < G_N_ELEMENTS(names); n++) {
    g_autoptr(WtSdp) offer = parse_fixture(names[n]);
    g_autoptr(GPtrArray) tracks = g_ptr_array_new_with_free_func((GDestroyNotify)wt_track_free);
    g_autoptr(GError) error = NULL;
    g_autoptr(WtSdp) answer = answer_for(offer, tracks, &error);
    (void)answer; /* only its making is checked here */
    g_assert_no_error(error);
    g_assert_cmpuint(tracks->len, >=, 1);
    for (guint i = 0; i < tracks->len; i++) {
      WtTrack *t = g_ptr_array_index(tracks, i);
      if (t->kind == WT_SDP_MEDIA_VIDEO && g_ascii_strcasecmp(t->codec->name, "H264") == 0)
        g_assert_cmpint(wt_sdp_h264_packetization_mode(t->codec->fmtp), ==, 1);
    }
  }
}

static void
test_h264_only_offer(void)
{
  g_autoptr(WtSdp) offer = parse_text(
      HEADER
      "m=video 9 UDP/TLS/RTP/SAVPF 100 102 104\r\n" TRANSPORT "a=sendonly\r\n"
      "a=rtpmap:100 H264/90000\r\na=fmtp:100 packetization-mode=0;profile-level-id=42e01f\r\n"
      "a=rtpmap:102 H264/90000\r\na=fmtp:102 packetization-mode=1;profile-level-id=64001f\r\n"
      "a=rtpmap:104 H264/90000\r\na=fmtp:104 packetization-mode=1;profile-level-id=42e01f\r\n"
      "a=rtcp-fb:104 nack pli\r\na=rtcp-fb:104 transport-cc\r\n"
      "a=ssrc:42 cname:x\r\n");
  g_autoptr(GPtrArray) tracks = g_ptr_array_new_with_free_func((GDestroyNotify)wt_track_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(WtSdp) answer = answer_for(offer, tracks, &error);
  g_assert_no_error(error);
  WtTrack *t = g_ptr_array_index(tracks, 0);
  g_assert_cmpuint(t->codec->pt, ==, 104); /* packetization-mode 1, constrained baseline first */
  g_assert_cmpuint(t->ssrc, ==, 42);
  WtSdpCodec *c = g_ptr_array_index(((WtSdpMedia *)g_ptr_array_index(answer->media, 0))->codecs, 0);
  g_assert_cmpuint(c->rtcp_fb->len, ==, 2); /* nack pli, transport-cc */
}

static void
test_refused_offers(void)
{
  const struct {
    const char *sdp;
    const char *mention;
  } cases[] = {
      {HEADER "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n" TRANSPORT, "nothing"},
      {HEADER "m=video 9 UDP/TLS/RTP/SAVPF 100\r\n" TRANSPORT
              "a=rtpmap:100 H264/90000\r\na=fmtp:100 packetization-mode=0\r\n",
       "nothing"},
      {HEADER_NO_BUNDLE
       "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=ice-ufrag:abcd\r\n"
       "a=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n",
       "a=mid"},
      {HEADER "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=rtpmap:111 opus/48000/2\r\n",
       "rtcp-mux"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(WtSdp) offer = parse_text(cases[i].sdp);
    g_autoptr(GPtrArray) tracks = g_ptr_array_new_with_free_func((GDestroyNotify)wt_track_free);
    g_autoptr(GError) error = NULL;
    g_assert_null(answer_for(offer, tracks, &error));
    g_assert_nonnull(error);
    g_test_message("%s", error->message);
    g_assert_nonnull(strstr(error->message, cases[i].mention));
    g_assert_cmpuint(tracks->len, ==, 0);
  }
  /* A legacy offer without a=mid at all is refused with a reason, not a crash. */
  g_autoptr(WtSdp) legacy = parse_fixture("legacy_no_mid.sdp");
  g_autoptr(GPtrArray) tracks = g_ptr_array_new_with_free_func((GDestroyNotify)wt_track_free);
  g_autoptr(GError) error = NULL;
  g_assert_null(answer_for(legacy, tracks, &error));
  g_assert_nonnull(error);
}

static WtSlot *
slot(const char *mid, WtSdpMediaKind kind, const char *codec, guint8 pt, guint32 ssrc)
{
  WtSlot *s = g_new0(WtSlot, 1);
  s->mid = g_strdup(mid);
  s->kind = kind;
  s->active = TRUE;
  s->codec = wt_sdp_codec_new(pt, codec, kind == WT_SDP_MEDIA_AUDIO ? 48000 : 90000,
                              kind == WT_SDP_MEDIA_AUDIO ? 2 : 0);
  s->ssrc = ssrc;
  s->stream_id = g_strdup("p-1234");
  s->track_id = g_strdup_printf("track-%s", mid);
  s->cname = g_strdup("p-1234");
  return s;
}

static void
test_subscribe_offer_and_answer(void)
{
  g_autoptr(GPtrArray) slots = g_ptr_array_new_with_free_func((GDestroyNotify)wt_slot_free);
  g_ptr_array_add(slots, slot("0", WT_SDP_MEDIA_AUDIO, "opus", 111, 1001));
  g_ptr_array_add(slots, slot("1", WT_SDP_MEDIA_VIDEO, "VP8", 96, 1002));
  g_ptr_array_add(slots, slot("2", WT_SDP_MEDIA_VIDEO, "VP8", 96, 1003));
  ((WtSlot *)g_ptr_array_index(slots, 2))->active = FALSE;
  WtLocalTransport l = local(WT_SDP_SETUP_ACTPASS, NULL);
  g_autoptr(WtSdp) built = wt_negotiate_subscribe_offer(slots, &l, 77, 3);
  g_autofree char *text = wt_sdp_write(built);
  g_autoptr(WtSdp) offer = parse_text(text);
  g_assert_cmpuint(offer->media->len, ==, 3);
  g_assert_cmpuint(offer->session_version, ==, 3);
  WtSdpMedia *v = g_ptr_array_index(offer->media, 1);
  g_assert_cmpint(v->direction, ==, WT_SDP_DIRECTION_SENDONLY);
  g_assert_nonnull(wt_sdp_media_find_ssrc(v, 1002));
  /* Subscribers may NACK (we answer from the cache) and send REMB. */
  const WtSdpCodec *vc = g_ptr_array_index(v->codecs, 0);
  g_assert_cmpuint(vc->rtcp_fb->len, ==, 4);
  g_assert_cmpstr(g_ptr_array_index(vc->rtcp_fb, 0), ==, "nack");
  g_assert_null(wt_sdp_media_find_extmap(v, WT_TWCC_URI));
  g_assert_cmpstr(v->msid_stream, ==, "p-1234");
  g_assert_cmpint(wt_sdp_media_get_setup(offer, v), ==, WT_SDP_SETUP_ACTPASS);
  /* One id per URI across the whole offer. */
  WtSdpExtmap *orientation =
      wt_sdp_media_find_extmap(v, wt_extension_uri(WT_EXT_VIDEO_ORIENTATION));
  g_assert_cmpuint(orientation->id, ==, wt_extension_id(WT_EXT_VIDEO_ORIENTATION));
  WtSdpMedia *gone = g_ptr_array_index(offer->media, 2);
  g_assert_cmpint(gone->direction, ==, WT_SDP_DIRECTION_INACTIVE);
  g_assert_cmpuint(gone->ssrcs->len, ==, 0);
  g_assert_cmpuint(offer->bundle->len, ==, 3);

  /* The browser's answer: recvonly everywhere, the last one rejected. */
  g_autofree char *answer_text = g_strdup(text);
  char *p;
  while ((p = strstr(answer_text, "a=sendonly")))
    memcpy(p, "a=recvonly", 10);
  g_autoptr(WtSdp) answer = parse_text(answer_text);
  ((WtSdpMedia *)g_ptr_array_index(answer->media, 1))->port = 0;
  g_autoptr(GError) error = NULL;
  g_assert_true(wt_negotiate_subscribe_answer(answer, slots, &error));
  g_assert_no_error(error);
  g_assert_true(((WtSlot *)g_ptr_array_index(slots, 0))->active);
  g_assert_false(((WtSlot *)g_ptr_array_index(slots, 1))->active);

  /* An answer that wants to send, or answers other mids, is refused. */
  g_autoptr(WtSdp) sending = parse_text(text);
  g_assert_false(wt_negotiate_subscribe_answer(sending, slots, &error));
  g_clear_error(&error);
  g_ptr_array_remove_index(sending->media, 2);
  g_assert_false(wt_negotiate_subscribe_answer(sending, slots, &error));
  g_assert_nonnull(strstr(error->message, "m-sections"));
}

static void
test_no_slots_no_offer(void)
{
  g_autoptr(GPtrArray) slots = g_ptr_array_new();
  WtLocalTransport l = local(WT_SDP_SETUP_ACTPASS, NULL);
  g_assert_null(wt_negotiate_subscribe_offer(slots, &l, 1, 1));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/negotiate/chrome-offer", test_chrome_offer);
  g_test_add_func("/negotiate/firefox-and-safari-offers", test_firefox_and_safari_offers);
  g_test_add_func("/negotiate/h264-only-offer", test_h264_only_offer);
  g_test_add_func("/negotiate/refused-offers", test_refused_offers);
  g_test_add_func("/negotiate/subscribe-offer-and-answer", test_subscribe_offer_and_answer);
  g_test_add_func("/negotiate/no-slots-no-offer", test_no_slots_no_offer);
  return g_test_run();
}
