/* dtls.c — DTLS-SRTP handshakes with OpenSSL over datagrams we carry.
 *
 * OpenSSL reads from a memory BIO that holds the one datagram just received,
 * and writes through a small BIO of ours that hands each record straight to
 * the send callback (one BIO write is one datagram for DTLS). The handshake's
 * retransmission timer is a GLib timeout on the peer's worker context.
 */
#include "dtls.h"

#include <gio/gio.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <string.h>

/* Keep DTLS records under a typical path MTU minus IP/UDP/TURN overhead. */
#define WT_DTLS_MTU 1200

struct _WtDtlsIdentity {
  gint refs;
  SSL_CTX *ctx;
  char fingerprint[3 * EVP_MAX_MD_SIZE];
};

typedef enum {
  DTLS_NEW,
  DTLS_HANDSHAKING,
  DTLS_CONNECTED,
  DTLS_FAILED,
} DtlsState;

struct _WtDtls {
  WtDtlsIdentity *identity;
  SSL *ssl;
  BIO *rbio; /* owned by ssl */
  WtDtlsRole role;
  DtlsState state;
  const EVP_MD *remote_md;
  char *remote_fp;
  WtDtlsCallbacks callbacks;
  gpointer user_data;
  GMainContext *context;
  GSource *timer;
};

const char *
wt_srtp_profile_name(WtSrtpProfile profile)
{
  switch (profile) {
  case WT_SRTP_PROFILE_AEAD_AES_128_GCM:
    return "AEAD_AES_128_GCM";
  case WT_SRTP_PROFILE_AES128_CM_SHA1_80:
    return "AES_CM_128_HMAC_SHA1_80";
  case WT_SRTP_PROFILE_NONE:
    break;
  }
  return "none";
}

/* ---- The write BIO: every record goes straight to the send callback ------ */

static int
send_bio_write(BIO *bio, const char *data, int len)
{
  WtDtls *dtls = BIO_get_data(bio);
  if (dtls && len > 0)
    dtls->callbacks.send((const guint8 *)data, (gsize)len, dtls->user_data);
  return len;
}

static long
send_bio_ctrl(BIO *bio, int cmd, long num, void *ptr)
{
  switch (cmd) {
  case BIO_CTRL_FLUSH:
    return 1;
  case BIO_CTRL_DGRAM_QUERY_MTU:
  case BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
    return WT_DTLS_MTU;
  default:
    return 0;
  }
}

static int
send_bio_create(BIO *bio)
{
  BIO_set_init(bio, 1);
  return 1;
}

static BIO_METHOD *
send_bio_method(void)
{
  static gsize once = 0;
  static BIO_METHOD *method;
  if (g_once_init_enter(&once)) {
    method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "witness dtls send");
    BIO_meth_set_write(method, send_bio_write);
    BIO_meth_set_ctrl(method, send_bio_ctrl);
    BIO_meth_set_create(method, send_bio_create);
    g_once_init_leave(&once, 1);
  }
  return method;
}

/* ---- Identity ------------------------------------------------------------- */

static int
accept_any_certificate(int preverify_ok, X509_STORE_CTX *store)
{
  /* Self-signed certificates are the norm in WebRTC; what authenticates the
   * peer is the fingerprint check after the handshake. */
  return 1;
}

static gboolean
openssl_error(GError **error, const char *what)
{
  char buf[256];
  ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
  g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", what, buf);
  return FALSE;
}

static void
format_fingerprint(const guint8 *md, guint len, char *out)
{
  for (guint i = 0; i < len; i++)
    g_snprintf(out + 3 * i, 4, i + 1 < len ? "%02X:" : "%02X", md[i]);
}

static X509 *
make_certificate(EVP_PKEY *key)
{
  X509 *cert = X509_new();
  guint8 serial[8];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM *bn = BN_bin2bn(serial, sizeof serial, NULL);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert));
  BN_free(bn);
  X509_set_version(cert, 2);
  X509_gmtime_adj(X509_getm_notBefore(cert), -24 * 3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 30L * 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME *name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"witness", -1, -1,
                             0);
  X509_set_issuer_name(cert, name);
  if (!X509_sign(cert, key, EVP_sha256())) {
    X509_free(cert);
    return NULL;
  }
  return cert;
}

WtDtlsIdentity *
wt_dtls_identity_new(GError **error)
{
  EVP_PKEY *key = EVP_EC_gen("P-256");
  X509 *cert = key ? make_certificate(key) : NULL;
  SSL_CTX *ctx = cert ? SSL_CTX_new(DTLS_method()) : NULL;
  gboolean ok = ctx && SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) &&
                SSL_CTX_use_certificate(ctx, cert) && SSL_CTX_use_PrivateKey(ctx, key) &&
                SSL_CTX_check_private_key(ctx) &&
                /* returns 0 on success */
                SSL_CTX_set_tlsext_use_srtp(ctx, "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80") == 0;
  if (!ok) {
    openssl_error(error, "cannot create the DTLS certificate");
    SSL_CTX_free(ctx);
    X509_free(cert);
    EVP_PKEY_free(key);
    return NULL;
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                     accept_any_certificate);
  SSL_CTX_set_read_ahead(ctx, 1);
  SSL_CTX_set_options(ctx, SSL_OP_NO_QUERY_MTU);

  WtDtlsIdentity *identity = g_new0(WtDtlsIdentity, 1);
  identity->refs = 1;
  identity->ctx = ctx;
  guint8 md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  X509_digest(cert, EVP_sha256(), md, &md_len);
  format_fingerprint(md, md_len, identity->fingerprint);
  X509_free(cert);
  EVP_PKEY_free(key);
  return identity;
}

WtDtlsIdentity *
wt_dtls_identity_ref(WtDtlsIdentity *identity)
{
  g_atomic_int_inc(&identity->refs);
  return identity;
}

void
wt_dtls_identity_unref(WtDtlsIdentity *identity)
{
  if (identity && g_atomic_int_dec_and_test(&identity->refs)) {
    SSL_CTX_free(identity->ctx);
    g_free(identity);
  }
}

const char *
wt_dtls_identity_get_fingerprint(WtDtlsIdentity *identity)
{
  return identity->fingerprint;
}

/* ---- One handshake -------------------------------------------------------- */

/* "sha-256" (SDP) → OpenSSL's digest. */
static const EVP_MD *
digest_for_sdp_hash(const char *hash)
{
  static const struct {
    const char *sdp;
    const char *openssl;
  } names[] = {{"sha-1", "SHA1"}, {"sha-256", "SHA256"}, {"sha-384", "SHA384"},
               {"sha-512", "SHA512"}};
  for (guint i = 0; hash && i < G_N_ELEMENTS(names); i++) {
    if (g_ascii_strcasecmp(hash, names[i].sdp) == 0)
      return EVP_get_digestbyname(names[i].openssl);
  }
  return NULL;
}

static void
fail(WtDtls *dtls, const char *reason)
{
  if (dtls->state == DTLS_FAILED)
    return;
  dtls->state = DTLS_FAILED;
  dtls->callbacks.failed(reason, dtls->user_data);
}

static void schedule_timer(WtDtls *dtls);

static gboolean
on_timer(gpointer data)
{
  WtDtls *dtls = data;
  g_source_unref(dtls->timer);
  dtls->timer = NULL;
  if (dtls->state != DTLS_HANDSHAKING)
    return G_SOURCE_REMOVE;
  if (DTLSv1_handle_timeout(dtls->ssl) < 0) {
    fail(dtls, "DTLS handshake timed out");
    return G_SOURCE_REMOVE;
  }
  schedule_timer(dtls);
  return G_SOURCE_REMOVE;
}

static void
schedule_timer(WtDtls *dtls)
{
  if (dtls->timer) {
    g_source_destroy(dtls->timer);
    g_clear_pointer(&dtls->timer, g_source_unref);
  }
  struct timeval tv;
  if (dtls->state != DTLS_HANDSHAKING || !DTLSv1_get_timeout(dtls->ssl, &tv))
    return;
  guint ms = (guint)(tv.tv_sec * 1000 + tv.tv_usec / 1000);
  dtls->timer = g_timeout_source_new(MAX(ms, 1));
  g_source_set_callback(dtls->timer, on_timer, dtls, NULL);
  g_source_attach(dtls->timer, dtls->context);
}

static gboolean
fingerprint_matches(WtDtls *dtls)
{
  X509 *peer = SSL_get1_peer_certificate(dtls->ssl);
  if (!peer)
    return FALSE;
  guint8 md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  char fp[3 * EVP_MAX_MD_SIZE];
  gboolean ok = X509_digest(peer, dtls->remote_md, md, &md_len) == 1;
  X509_free(peer);
  if (!ok)
    return FALSE;
  format_fingerprint(md, md_len, fp);
  return g_ascii_strcasecmp(fp, dtls->remote_fp) == 0;
}

static gboolean
export_keys(WtDtls *dtls, WtSrtpKeys *keys)
{
  const SRTP_PROTECTION_PROFILE *p = SSL_get_selected_srtp_profile(dtls->ssl);
  guint key_len = 16, salt_len;
  if (p && p->id == SRTP_AEAD_AES_128_GCM) {
    keys->profile = WT_SRTP_PROFILE_AEAD_AES_128_GCM;
    salt_len = 12;
  } else if (p && p->id == SRTP_AES128_CM_SHA1_80) {
    keys->profile = WT_SRTP_PROFILE_AES128_CM_SHA1_80;
    salt_len = 14;
  } else {
    return FALSE;
  }
  guint8 material[2 * WT_SRTP_MAX_KEY_SALT];
  static const char label[] = "EXTRACTOR-dtls_srtp";
  if (SSL_export_keying_material(dtls->ssl, material, 2 * (key_len + salt_len), label,
                                 sizeof label - 1, NULL, 0, 0) != 1)
    return FALSE;
  /* Layout (RFC 5764 4.2): client key, server key, client salt, server salt. */
  const guint8 *client_key = material, *server_key = material + key_len;
  const guint8 *client_salt = material + 2 * key_len;
  const guint8 *server_salt = client_salt + salt_len;
  gboolean we_are_client = dtls->role == WT_DTLS_ROLE_CLIENT;
  memcpy(keys->local, we_are_client ? client_key : server_key, key_len);
  memcpy(keys->local + key_len, we_are_client ? client_salt : server_salt, salt_len);
  memcpy(keys->remote, we_are_client ? server_key : client_key, key_len);
  memcpy(keys->remote + key_len, we_are_client ? server_salt : client_salt, salt_len);
  keys->key_salt_len = key_len + salt_len;
  OPENSSL_cleanse(material, sizeof material);
  return TRUE;
}

static void
handshake_done(WtDtls *dtls)
{
  if (!fingerprint_matches(dtls)) {
    fail(dtls, "peer certificate does not match the fingerprint in its SDP");
    return;
  }
  WtSrtpKeys keys = {0};
  if (!export_keys(dtls, &keys)) {
    fail(dtls, "no SRTP profile was negotiated in DTLS");
    return;
  }
  dtls->state = DTLS_CONNECTED;
  dtls->callbacks.connected(&keys, dtls->user_data);
  OPENSSL_cleanse(&keys, sizeof keys);
}

static void
drive_handshake(WtDtls *dtls)
{
  ERR_clear_error();
  int rc = SSL_do_handshake(dtls->ssl);
  if (rc == 1) {
    handshake_done(dtls);
  } else {
    int err = SSL_get_error(dtls->ssl, rc);
    if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
      char buf[200];
      ERR_error_string_n(ERR_peek_last_error(), buf, sizeof buf);
      g_autofree char *reason = g_strdup_printf("DTLS handshake failed: %s", buf);
      fail(dtls, reason);
    }
  }
  schedule_timer(dtls);
}

WtDtls *
wt_dtls_new(WtDtlsIdentity *identity, WtDtlsRole role, const char *remote_hash,
            const char *remote_fp, const WtDtlsCallbacks *callbacks, gpointer user_data,
            GMainContext *context, GError **error)
{
  const EVP_MD *md = digest_for_sdp_hash(remote_hash);
  if (!md || !remote_fp || !*remote_fp) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "unsupported or missing DTLS fingerprint hash `%s`", remote_hash ? remote_hash : "");
    return NULL;
  }
  WtDtls *dtls = g_new0(WtDtls, 1);
  dtls->identity = wt_dtls_identity_ref(identity);
  dtls->role = role;
  dtls->remote_md = md;
  dtls->remote_fp = g_strdup(remote_fp);
  dtls->callbacks = *callbacks;
  dtls->user_data = user_data;
  dtls->context = g_main_context_ref(context);
  dtls->ssl = SSL_new(identity->ctx);
  dtls->rbio = BIO_new(BIO_s_mem());
  BIO_set_mem_eof_return(dtls->rbio, -1);
  BIO *wbio = BIO_new(send_bio_method());
  BIO_set_data(wbio, dtls);
  SSL_set_bio(dtls->ssl, dtls->rbio, wbio);
  DTLS_set_link_mtu(dtls->ssl, WT_DTLS_MTU);
  if (role == WT_DTLS_ROLE_CLIENT)
    SSL_set_connect_state(dtls->ssl);
  else
    SSL_set_accept_state(dtls->ssl);
  return dtls;
}

void
wt_dtls_start(WtDtls *dtls)
{
  if (dtls->state != DTLS_NEW)
    return;
  dtls->state = DTLS_HANDSHAKING;
  if (dtls->role == WT_DTLS_ROLE_CLIENT)
    drive_handshake(dtls);
}

void
wt_dtls_receive(WtDtls *dtls, const guint8 *data, gsize len)
{
  if (dtls->state == DTLS_FAILED || len == 0 || len > G_MAXINT)
    return;
  if (dtls->state == DTLS_NEW)
    dtls->state = DTLS_HANDSHAKING; /* the peer started first */
  BIO_write(dtls->rbio, data, (int)len);
  if (dtls->state == DTLS_HANDSHAKING) {
    drive_handshake(dtls);
    return;
  }
  /* Connected: records now are alerts (close_notify) or stray retransmits. */
  guint8 sink[2048];
  ERR_clear_error();
  int rc = SSL_read(dtls->ssl, sink, sizeof sink);
  if (rc <= 0 && SSL_get_error(dtls->ssl, rc) == SSL_ERROR_ZERO_RETURN)
    fail(dtls, "peer closed DTLS");
  BIO_reset(dtls->rbio);
}

gboolean
wt_dtls_is_connected(const WtDtls *dtls)
{
  return dtls->state == DTLS_CONNECTED;
}

void
wt_dtls_free(WtDtls *dtls)
{
  if (!dtls)
    return;
  if (dtls->timer) {
    g_source_destroy(dtls->timer);
    g_source_unref(dtls->timer);
  }
  if (dtls->state == DTLS_CONNECTED)
    SSL_shutdown(dtls->ssl);
  SSL_free(dtls->ssl);
  wt_dtls_identity_unref(dtls->identity);
  g_main_context_unref(dtls->context);
  g_free(dtls->remote_fp);
  g_free(dtls);
}
