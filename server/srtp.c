/* srtp.c — libsrtp sessions from DTLS-SRTP keys. */
#include "srtp.h"

#include "srtp_gcm.h"

#include <errno.h>
#include <gio/gio.h>
#include <srtp2/srtp.h>
#include <string.h>

struct _WtSrtp {
  srtp_t outbound;
  srtp_t inbound;
};

static gboolean
library_ready(void)
{
  static gsize once = 0;
  static gboolean ok;
  if (g_once_init_enter(&once)) {
    ok = srtp_init() == srtp_err_status_ok;
    if (ok && !wt_srtp_gcm_install())
      g_warning("SRTP: AES-GCM on OpenSSL failed its self-test; using libsrtp's own");
    g_once_init_leave(&once, 1);
  }
  return ok;
}

static srtp_t
make_session(WtSrtpProfile profile, const guint8 *key_salt, gboolean outbound)
{
  srtp_policy_t policy;
  memset(&policy, 0, sizeof policy);
  if (profile == WT_SRTP_PROFILE_AEAD_AES_128_GCM) {
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
  } else {
    srtp_crypto_policy_set_rtp_default(&policy.rtp);
    srtp_crypto_policy_set_rtcp_default(&policy.rtcp);
  }
  policy.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
  policy.key = (unsigned char *)key_salt;
  policy.window_size = 1024;
  /* Retransmissions (answers to NACK) reuse sequence numbers. */
  policy.allow_repeat_tx = 1;
  srtp_t session = NULL;
  if (srtp_create(&session, &policy) != srtp_err_status_ok)
    return NULL;
  return session;
}

WtSrtp *
wt_srtp_new(const WtSrtpKeys *keys, GError **error)
{
  if (!library_ready() || keys->profile == WT_SRTP_PROFILE_NONE) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "libsrtp cannot start");
    return NULL;
  }
  WtSrtp *srtp = g_new0(WtSrtp, 1);
  srtp->outbound = make_session(keys->profile, keys->local, TRUE);
  srtp->inbound = make_session(keys->profile, keys->remote, FALSE);
  if (!srtp->outbound || !srtp->inbound) {
    wt_srtp_free(srtp);
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot create SRTP sessions (%s)",
                wt_srtp_profile_name(keys->profile));
    return NULL;
  }
  return srtp;
}

void
wt_srtp_free(WtSrtp *srtp)
{
  if (!srtp)
    return;
  if (srtp->outbound)
    srtp_dealloc(srtp->outbound);
  if (srtp->inbound)
    srtp_dealloc(srtp->inbound);
  g_free(srtp);
}

static int
to_errno(srtp_err_status_t status)
{
  switch (status) {
  case srtp_err_status_ok:
    return 0;
  case srtp_err_status_auth_fail:
  case srtp_err_status_replay_fail:
  case srtp_err_status_replay_old:
    return -EBADMSG;
  default:
    return -EINVAL;
  }
}

int
wt_srtp_protect_rtp(WtSrtp *srtp, guint8 *buf, gsize *len)
{
  int n = (int)*len;
  int rc = to_errno(srtp_protect(srtp->outbound, buf, &n));
  *len = (gsize)n;
  return rc;
}

int
wt_srtp_protect_rtcp(WtSrtp *srtp, guint8 *buf, gsize *len)
{
  int n = (int)*len;
  int rc = to_errno(srtp_protect_rtcp(srtp->outbound, buf, &n));
  *len = (gsize)n;
  return rc;
}

int
wt_srtp_unprotect_rtp(WtSrtp *srtp, guint8 *buf, gsize *len)
{
  int n = (int)*len;
  int rc = to_errno(srtp_unprotect(srtp->inbound, buf, &n));
  *len = (gsize)n;
  return rc;
}

int
wt_srtp_unprotect_rtcp(WtSrtp *srtp, guint8 *buf, gsize *len)
{
  int n = (int)*len;
  int rc = to_errno(srtp_unprotect_rtcp(srtp->inbound, buf, &n));
  *len = (gsize)n;
  return rc;
}
