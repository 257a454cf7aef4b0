/* fuzz_sdp.c — libFuzzer target: arbitrary bytes through the SDP parser; what
 * parses is written, parsed again (which must succeed) and written again
 * (which must give the same text), and every accessor and codec helper is run
 * over it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdp.h"
#include "sdp_codecs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
exercise(const WtSdp *sdp)
{
  WtSdpMedia *tag = wt_sdp_bundle_tag(sdp);
  g_assert(!tag || wt_sdp_media_is_bundled(sdp, tag));
  static const WtH264Profile wanted[] = {WT_H264_PROFILE_CONSTRAINED_BASELINE, WT_H264_PROFILE_HIGH,
                                         WT_H264_PROFILE_MAIN};
  for (guint i = 0; i < sdp->media->len; i++) {
    const WtSdpMedia *m = sdp->media->pdata[i];
    g_assert(!m->mid || wt_sdp_find_media(sdp, m->mid) == m);
    (void)wt_sdp_media_get_ice_ufrag(sdp, m);
    (void)wt_sdp_media_get_ice_pwd(sdp, m);
    (void)wt_sdp_media_get_fingerprint(sdp, m);
    (void)wt_sdp_media_get_setup(sdp, m);
    (void)wt_sdp_media_has_ice_option(sdp, m, "trickle");
    (void)wt_sdp_media_get_extmap_allow_mixed(sdp, m);
    (void)wt_sdp_media_is_rejected(sdp, m);
    (void)wt_sdp_media_find_codec(m, "H264");
    const WtSdpCodec *h264 = wt_sdp_h264_pick(m, wanted, G_N_ELEMENTS(wanted));
    g_assert(!h264 || wt_sdp_h264_packetization_mode(h264->fmtp) == 1);
    for (guint j = 0; j < m->extmaps->len; j++) {
      const WtSdpExtmap *e = m->extmaps->pdata[j];
      g_assert(e->id >= 1 && e->id <= 255 && e->id != 15);
      WtSdpExtmap *copy = wt_sdp_extmap_copy(e);
      g_assert(copy->id == e->id && strcmp(copy->uri, e->uri) == 0);
      wt_sdp_extmap_free(copy);
      g_assert(wt_sdp_media_find_extmap_id(m, e->id) == e);
      (void)wt_sdp_media_find_extmap(m, e->uri);
    }
    for (guint j = 0; j < m->codecs->len; j++) {
      const WtSdpCodec *c = m->codecs->pdata[j];
      g_assert(wt_sdp_media_find_codec_pt(m, c->pt) == c);
      g_assert(c->rtcp_fb->len <= WT_SDP_MAX_RTCP_FB);
      const WtSdpCodec *rtx = wt_sdp_media_find_rtx(m, c->pt);
      g_assert(!rtx || rtx->apt == c->pt);
      WtH264ProfileLevel pl;
      if (wt_sdp_h264_profile_level(c->fmtp, &pl))
        g_assert(strcmp(wt_sdp_h264_profile_name(pl.profile), "unknown") != 0);
      (void)wt_sdp_h264_same_profile(c->fmtp, ((WtSdpCodec *)m->codecs->pdata[0])->fmtp);
      (void)wt_sdp_vp9_profile_id(c->fmtp);
      (void)wt_sdp_av1_profile(c->fmtp);
      (void)wt_sdp_codecs_match(c, m->codecs->pdata[0]);
      g_free(wt_sdp_fmtp_get(c->fmtp, "profile-level-id"));
      if (c->name)
        g_assert(wt_sdp_media_find_codec(m, c->name) != NULL);
      g_autoptr(WtSdpCodec) copy = wt_sdp_codec_copy(c);
      g_assert(copy->pt == c->pt && copy->rtcp_fb->len == c->rtcp_fb->len);
    }
    for (guint j = 0; j < m->ssrcs->len; j++) {
      const WtSdpSsrc *s = m->ssrcs->pdata[j];
      g_assert(wt_sdp_media_find_ssrc(m, s->ssrc) == s);
    }
  }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  /* An exact-size copy, so ASan sees any read past the input. */
  char *input = g_memdup2(data, size);
  GError *error = NULL;
  WtSdp *sdp = wt_sdp_parse(input, size, &error);
  g_free(input);
  if (!sdp) {
    g_assert(error && error->domain == WT_SDP_ERROR && error->message[0]);
    g_error_free(error);
    return 0;
  }
  exercise(sdp);

  char *text = wt_sdp_write(sdp);
  WtSdp *again = wt_sdp_parse(text, strlen(text), &error);
  if (!again) {
    /* Writing may only grow a description past the size limit (CRLF for LF,
     * a=rtcp-fb:* spelled out per payload type); nothing else may fail. */
    if (strlen(text) > WT_SDP_MAX_LEN && g_error_matches(error, WT_SDP_ERROR, WT_SDP_ERROR_LIMIT)) {
      g_error_free(error);
      g_free(text);
      wt_sdp_free(sdp);
      return 0;
    }
    fprintf(stderr, "re-parse failed: %s\n--- written:\n%s", error->message, text);
    abort();
  }
  char *text2 = wt_sdp_write(again);
  if (strcmp(text, text2) != 0) {
    fprintf(stderr, "--- first write:\n%s--- second write:\n%s", text, text2);
    abort();
  }
  g_free(text2);
  g_free(text);
  wt_sdp_free(again);
  wt_sdp_free(sdp);
  return 0;
}
