/* srtp_gcm.h — libsrtp's AES-128-GCM on OpenSSL instead of the crypto library
 * libsrtp was built with (see srtp_gcm.c for why). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Replaces libsrtp's AES-128-GCM cipher type; call once, after srtp_init()
 * and before any session is created. FALSE when libsrtp refused it (its
 * self-test failed), in which case libsrtp's own implementation stays. */
gboolean wt_srtp_gcm_install(void);

G_END_DECLS
