/* tsa.h — RFC 3161 trusted timestamps: ask a time-stamping authority (TSA)
 * over HTTP for a token over some bytes, check its reply, and verify a token
 * later (OpenSSL's TS functions, libcurl).
 *
 * A request carries the SHA-256 of the data (the message imprint), a random
 * 64-bit nonce and certReq = TRUE, so the TSA puts its certificate in the
 * token and the token can be checked without asking the TSA again. A reply is
 * accepted only when it is one whole DER TimeStampResp, its status is granted
 * (or grantedWithMods), and its token has version 1, the request's imprint
 * and nonce, and a valid signature by the certificate it carries, which must
 * have extendedKeyUsage critical timeStamping. Without a CA file nothing says
 * that certificate is a TSA anybody trusts; wt_tsa_token_verify() with a CA
 * file checks its chain too, as `openssl ts -verify -CAfile` does.
 *
 *   g_autoptr(GBytes) token = wt_tsa_stamp("http://tsa.example/", 10000, sig, 64, &info, &error);
 *   ...
 *   wt_tsa_token_verify(token_der, len, sig, 64, "tsa-ca.pem", &info, &error);
 *
 * The seal uses this for its `timestamp` member (seal.h says what is stamped).
 *
 * Threads: any. wt_tsa_stamp() blocks for up to its timeout (a storage
 * thread); the rest is CPU only.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define WT_TSA_ERROR (wt_tsa_error_quark())
GQuark wt_tsa_error_quark(void);

typedef enum {
  WT_TSA_ERROR_REQUEST,   /* the request cannot be made (bad URL, no randomness) */
  WT_TSA_ERROR_TRANSPORT, /* the TSA cannot be reached, timed out, or answered HTTP ≠ 200 */
  WT_TSA_ERROR_REPLY,     /* the answer is not one DER TimeStampResp, or the token not a token */
  WT_TSA_ERROR_REFUSED,   /* the TSA answered with a status other than granted */
  WT_TSA_ERROR_MISMATCH,  /* the token is over other data, or carries another nonce */
  WT_TSA_ERROR_SIGNATURE, /* the token's signature or its certificate (chain) does not verify */
} WtTsaError;

/* Largest reply taken from a TSA; a real one is a few kilobytes. */
#define WT_TSA_MAX_REPLY (256 * 1024)

/* What a token says, for people. Strings owned; clear with wt_tsa_token_info_clear(). */
typedef struct {
  char *gen_time; /* the TSA's time, ISO 8601 UTC, e.g. "2026-12-04T06:56:26.828Z" */
  char *serial;   /* the token's serial number, hex */
  char *tsa;      /* the signing certificate's subject, e.g. "CN=Witness test TSA" */
  char *policy;   /* the TSA policy OID */
} WtTsaTokenInfo;

void wt_tsa_token_info_clear(WtTsaTokenInfo *info);

/* Where to ask for timestamps (strings borrowed). */
typedef struct {
  const char *url;  /* e.g. "http://tsa.example/"; NULL or "" means no timestamps */
  guint timeout_ms; /* the whole round trip, connection included */
} WtTsaConfig;

typedef struct _WtTsaRequest WtTsaRequest;

/* A TimeStampReq over the SHA-256 of @data (@len bytes, transfer none), with
 * a fresh random nonce and certReq set. NULL with @error. */
WtTsaRequest *wt_tsa_request_new(const guint8 *data, gsize len, GError **error);
void wt_tsa_request_free(WtTsaRequest *req);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtTsaRequest, wt_tsa_request_free)
/* The request's DER, what is POSTed (transfer full). */
GBytes *wt_tsa_request_get_der(const WtTsaRequest *req);

/* Checks the DER TimeStampResp @der (@len bytes, transfer none) against @req
 * as the header says. Returns the DER TimeStampToken (transfer full) and
 * fills @info (may be NULL), or NULL with @error. */
GBytes *wt_tsa_reply_check(const WtTsaRequest *req, const guint8 *der, gsize len,
                           WtTsaTokenInfo *info, GError **error);

/* The round trip: builds the request over @data, POSTs it to @url
 * (Content-Type: application/timestamp-query; http or https only, no
 * redirects) within @timeout_ms, and checks the reply. Returns the DER
 * TimeStampToken (transfer full) and fills @info (may be NULL), or NULL with
 * @error saying what went wrong, for the seal and the log. */
GBytes *wt_tsa_stamp(const char *url, guint timeout_ms, const guint8 *data, gsize len,
                     WtTsaTokenInfo *info, GError **error);

/* Verifies the DER TimeStampToken @token (@token_len bytes) over @data (@len
 * bytes): it parses, is version 1, its imprint is the digest of @data (in the
 * token's own hash algorithm), and its signature verifies by the certificate
 * it carries (timeStamping key usage). With @ca_file (PEM, may be NULL) the
 * certificate's chain must also lead to a CA in that file. Fills @info (may
 * be NULL). FALSE with @error. */
gboolean wt_tsa_token_verify(const guint8 *token, gsize token_len, const guint8 *data, gsize len,
                             const char *ca_file, WtTsaTokenInfo *info, GError **error);

G_END_DECLS
