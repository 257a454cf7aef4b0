/* srtp.h — SRTP/SRTCP protection for one peer connection, with libsrtp.
 *
 * Built from the keys DTLS exported: one libsrtp session protects what we
 * send, another unprotects what we receive. Every call works in place on a
 * caller-owned buffer and allocates nothing: these are on the packet path.
 * Thread: the owning peer's worker only.
 */
#pragma once

#include <glib.h>

#include "dtls.h"

G_BEGIN_DECLS

typedef struct _WtSrtp WtSrtp;

/* Bytes protection may add to a packet (auth tag, SRTCP index). Buffers
 * passed to the protect calls need this much room past the packet. */
#define WT_SRTP_MAX_TRAILER 32

/* Creates both directions from @keys (transfer none). NULL with @error. */
WtSrtp *wt_srtp_new(const WtSrtpKeys *keys, GError **error);
void wt_srtp_free(WtSrtp *srtp);

/* Each returns 0 and updates *@len, or a negative errno: -EBADMSG when
 * authentication fails (or a replay), -EINVAL for a malformed packet.
 * Protect calls need @buf to hold *@len + WT_SRTP_MAX_TRAILER bytes. */
int wt_srtp_protect_rtp(WtSrtp *srtp, guint8 *buf, gsize *len);
int wt_srtp_protect_rtcp(WtSrtp *srtp, guint8 *buf, gsize *len);
int wt_srtp_unprotect_rtp(WtSrtp *srtp, guint8 *buf, gsize *len);
int wt_srtp_unprotect_rtcp(WtSrtp *srtp, guint8 *buf, gsize *len);

G_END_DECLS
