/* dtls.h — DTLS 1.2 over ICE for DTLS-SRTP (RFC 5763/5764), with OpenSSL.
 *
 * A WtDtlsIdentity is the server's certificate: ECDSA P-256, generated at
 * start, shared read-only by every peer (its fingerprint goes into our SDP).
 * A WtDtls is one handshake for one peer. Datagrams go in through
 * wt_dtls_receive() and out through the send callback; when the handshake
 * ends, the peer's certificate must match the fingerprint its SDP announced,
 * or the handshake fails and no keys are exported.
 *
 * Threads: a WtDtls lives on one worker and is only touched there; its
 * retransmission timer runs on the GMainContext given at creation. Callbacks
 * run synchronously inside wt_dtls_start(), wt_dtls_receive() or the timer,
 * and must not free the WtDtls (schedule the teardown instead).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _WtDtlsIdentity WtDtlsIdentity;
typedef struct _WtDtls WtDtls;

typedef enum {
  WT_SRTP_PROFILE_NONE,
  WT_SRTP_PROFILE_AES128_CM_SHA1_80,
  WT_SRTP_PROFILE_AEAD_AES_128_GCM,
} WtSrtpProfile;

/* Longest master key + salt of any profile we negotiate. */
#define WT_SRTP_MAX_KEY_SALT 46

/* What DTLS-SRTP exported: one master key+salt per direction. */
typedef struct {
  WtSrtpProfile profile;
  guint8 local[WT_SRTP_MAX_KEY_SALT]; /* protects what we send */
  guint8 remote[WT_SRTP_MAX_KEY_SALT]; /* unprotects what we receive */
  guint key_salt_len;
} WtSrtpKeys;

/* "AEAD_AES_128_GCM" or "AES_CM_128_HMAC_SHA1_80", for logs and metrics. */
const char *wt_srtp_profile_name(WtSrtpProfile profile);

/* Generates a fresh ECDSA P-256 certificate (transfer full), or NULL with @error. */
WtDtlsIdentity *wt_dtls_identity_new(GError **error);
WtDtlsIdentity *wt_dtls_identity_ref(WtDtlsIdentity *identity);
void wt_dtls_identity_unref(WtDtlsIdentity *identity);
/* "AB:CD:…" SHA-256 fingerprint for a=fingerprint:sha-256 (owned by @identity). */
const char *wt_dtls_identity_get_fingerprint(WtDtlsIdentity *identity);

typedef enum {
  WT_DTLS_ROLE_CLIENT, /* we send the ClientHello (our SDP said setup:active) */
  WT_DTLS_ROLE_SERVER, /* we wait for it (setup:passive) */
} WtDtlsRole;

typedef struct {
  /* A datagram to send to the peer over ICE. @data (transfer none). */
  void (*send)(const guint8 *data, gsize len, gpointer user_data);
  /* The handshake finished and the certificate matched. @keys (transfer none). */
  void (*connected)(const WtSrtpKeys *keys, gpointer user_data);
  /* The handshake failed; @reason says why (e.g. fingerprint mismatch). */
  void (*failed)(const char *reason, gpointer user_data);
} WtDtlsCallbacks;

/* @remote_hash is the SDP fingerprint's hash function ("sha-256"), @remote_fp
 * its value ("AB:CD:…"); both copied. @callbacks copied; @user_data borrowed.
 * Timers attach to @context. Returns NULL with @error for an unknown hash. */
WtDtls *wt_dtls_new(WtDtlsIdentity *identity, WtDtlsRole role, const char *remote_hash,
                    const char *remote_fp, const WtDtlsCallbacks *callbacks, gpointer user_data,
                    GMainContext *context, GError **error);

/* Starts the handshake (a client sends its ClientHello now). */
void wt_dtls_start(WtDtls *dtls);

/* Feeds one datagram received from the peer. */
void wt_dtls_receive(WtDtls *dtls, const guint8 *data, gsize len);

/* TRUE once connected() has been called. */
gboolean wt_dtls_is_connected(const WtDtls *dtls);

/* Stops timers and frees; sends a close_notify when connected. */
void wt_dtls_free(WtDtls *dtls);

G_END_DECLS
