/* tsa.c — RFC 3161 requests, reply checks and token verification with
 * OpenSSL's TS functions; the HTTP POST with libcurl (see tsa.h).
 * Any thread; wt_tsa_stamp() blocks on the network. */
#include "tsa.h"

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs7.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <string.h>

G_DEFINE_QUARK(wt - tsa - error - quark, wt_tsa_error)

G_DEFINE_AUTOPTR_CLEANUP_FUNC(TS_REQ, TS_REQ_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TS_RESP, TS_RESP_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TS_MSG_IMPRINT, TS_MSG_IMPRINT_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TS_TST_INFO, TS_TST_INFO_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TS_VERIFY_CTX, TS_VERIFY_CTX_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(X509_ALGOR, X509_ALGOR_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(X509_STORE, X509_STORE_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ASN1_INTEGER, ASN1_INTEGER_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BIGNUM, BN_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PKCS7, PKCS7_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CURL, curl_easy_cleanup)

#define SHA256_LEN 32

struct _WtTsaRequest {
  TS_REQ *req;
  GBytes *der;
};

static gpointer fail(GError **error, WtTsaError code, const char *format, ...) G_GNUC_PRINTF(3, 4);

static gpointer
fail(GError **error, WtTsaError code, const char *format, ...)
{
  va_list args;
  va_start(args, format);
  g_autofree char *message = g_strdup_vprintf(format, args);
  va_end(args);
  g_set_error_literal(error, WT_TSA_ERROR, code, message);
  return NULL;
}

void
wt_tsa_token_info_clear(WtTsaTokenInfo *info)
{
  g_clear_pointer(&info->gen_time, g_free);
  g_clear_pointer(&info->serial, g_free);
  g_clear_pointer(&info->tsa, g_free);
  g_clear_pointer(&info->policy, g_free);
}

/* ---- Requests ------------------------------------------------------------------- */

WtTsaRequest *
wt_tsa_request_new(const guint8 *data, gsize len, GError **error)
{
  guint8 digest[SHA256_LEN], nonce_bytes[8];
  if (EVP_Digest(data, len, digest, NULL, EVP_sha256(), NULL) != 1 ||
      RAND_bytes(nonce_bytes, sizeof nonce_bytes) != 1)
    return fail(error, WT_TSA_ERROR_REQUEST, "OpenSSL cannot hash or draw a nonce");
  nonce_bytes[0] |= 0x40; /* a full 63-bit positive nonce, never a short one */
  nonce_bytes[0] &= 0x7f;
  g_autoptr(TS_REQ) req = TS_REQ_new();
  g_autoptr(TS_MSG_IMPRINT) imprint = TS_MSG_IMPRINT_new();
  g_autoptr(X509_ALGOR) algo = X509_ALGOR_new();
  g_autoptr(BIGNUM) nonce_bn = BN_bin2bn(nonce_bytes, sizeof nonce_bytes, NULL);
  g_autoptr(ASN1_INTEGER) nonce = nonce_bn ? BN_to_ASN1_INTEGER(nonce_bn, NULL) : NULL;
  if (!req || !imprint || !algo || !nonce ||
      !X509_ALGOR_set0(algo, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL) ||
      !TS_MSG_IMPRINT_set_algo(imprint, algo) ||
      !TS_MSG_IMPRINT_set_msg(imprint, digest, sizeof digest) || !TS_REQ_set_version(req, 1) ||
      !TS_REQ_set_msg_imprint(req, imprint) || !TS_REQ_set_nonce(req, nonce) ||
      !TS_REQ_set_cert_req(req, 1))
    return fail(error, WT_TSA_ERROR_REQUEST, "OpenSSL cannot build a TimeStampReq");
  unsigned char *der = NULL;
  int der_len = i2d_TS_REQ(req, &der);
  if (der_len <= 0)
    return fail(error, WT_TSA_ERROR_REQUEST, "OpenSSL cannot encode the TimeStampReq");
  WtTsaRequest *r = g_new0(WtTsaRequest, 1);
  r->req = g_steal_pointer(&req);
  r->der = g_bytes_new(der, (gsize)der_len);
  OPENSSL_free(der);
  return r;
}

void
wt_tsa_request_free(WtTsaRequest *req)
{
  if (!req)
    return;
  TS_REQ_free(req->req);
  g_bytes_unref(req->der);
  g_free(req);
}

GBytes *
wt_tsa_request_get_der(const WtTsaRequest *req)
{
  return g_bytes_ref(req->der);
}

/* ---- Tokens --------------------------------------------------------------------- */

/* OpenSSL's queued errors as one line (and the queue emptied); the first TS
 * reason in *@ts_reason (0 when none). */
static char *
openssl_errors(int *ts_reason)
{
  GString *s = g_string_new(NULL);
  *ts_reason = 0;
  unsigned long e;
  const char *data = NULL;
  int flags = 0;
  while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
    if (ERR_GET_LIB(e) == ERR_LIB_TS && !*ts_reason)
      *ts_reason = ERR_GET_REASON(e);
    const char *reason = ERR_reason_error_string(e);
    g_string_append_printf(s, "%s%s", s->len ? "; " : "", reason ? reason : "unknown error");
    if (data && (flags & ERR_TXT_STRING) && *data)
      g_string_append_printf(s, " (%s)", data);
  }
  return g_string_free(s, FALSE);
}

/* "20261204065626.828Z" -> "2026-12-04T06:56:26.828Z"; the raw text when odd. */
static char *
iso_time(const ASN1_GENERALIZEDTIME *t)
{
  const char *raw = (const char *)ASN1_STRING_get0_data(t);
  int len = ASN1_STRING_length(t);
  gboolean digits = len >= 15;
  for (int i = 0; digits && i < 14; i++)
    digits = g_ascii_isdigit(raw[i]);
  if (!digits || raw[len - 1] != 'Z')
    return g_strndup(raw, (gsize)MAX(len, 0));
  return g_strdup_printf("%.4s-%.2s-%.2sT%.2s:%.2s:%.2s%.*s", raw, raw + 4, raw + 6, raw + 8,
                         raw + 10, raw + 12, len - 14, raw + 14);
}

/* Fills @info from @token, whose signature has been checked. */
static void
token_info(PKCS7 *token, WtTsaTokenInfo *info)
{
  memset(info, 0, sizeof *info);
  g_autoptr(TS_TST_INFO) tst = PKCS7_to_TS_TST_INFO(token);
  if (tst) {
    info->gen_time = iso_time(TS_TST_INFO_get_time(tst));
    g_autoptr(BIGNUM) serial = ASN1_INTEGER_to_BN(TS_TST_INFO_get_serial(tst), NULL);
    char *hex = serial ? BN_bn2hex(serial) : NULL;
    info->serial = g_strdup(hex ? hex : "?");
    OPENSSL_free(hex);
    char oid[128];
    if (OBJ_obj2txt(oid, sizeof oid, TS_TST_INFO_get_policy_id(tst), 1) > 0)
      info->policy = g_strdup(oid);
  }
  STACK_OF(X509) *signers = PKCS7_get0_signers(token, NULL, 0);
  if (signers && sk_X509_num(signers) > 0) {
    BIO *bio = BIO_new(BIO_s_mem());
    X509_NAME_print_ex(bio, X509_get_subject_name(sk_X509_value(signers, 0)), 0, XN_FLAG_RFC2253);
    char *text = NULL;
    long n = BIO_get_mem_data(bio, &text);
    info->tsa = g_strndup(text, (gsize)MAX(n, 0));
    BIO_free(bio);
  }
  sk_X509_free(signers);
  ERR_clear_error();
  if (!info->gen_time)
    info->gen_time = g_strdup("?");
  if (!info->tsa)
    info->tsa = g_strdup("?");
}

/* The trust store for @token: the CAs in @ca_file, or else only the
 * certificate the token is signed with (a partial chain), which proves the
 * token is intact and signed by a timeStamping certificate, not whose it is. */
static X509_STORE *
trust_store(PKCS7 *token, const char *ca_file, GError **error)
{
  g_autoptr(X509_STORE) store = X509_STORE_new();
  if (!store)
    return fail(error, WT_TSA_ERROR_SIGNATURE, "OpenSSL cannot make a certificate store");
  if (ca_file) {
    if (X509_STORE_load_file(store, ca_file) != 1) {
      ERR_clear_error();
      return fail(error, WT_TSA_ERROR_SIGNATURE, "%s: not a readable PEM file of CA certificates",
                  ca_file);
    }
    return g_steal_pointer(&store);
  }
  STACK_OF(X509) *signers = PKCS7_type_is_signed(token) ? PKCS7_get0_signers(token, NULL, 0) : NULL;
  gboolean ok = signers && sk_X509_num(signers) == 1 &&
                X509_STORE_add_cert(store, sk_X509_value(signers, 0)) == 1;
  sk_X509_free(signers);
  if (!ok) {
    ERR_clear_error();
    return fail(error, WT_TSA_ERROR_SIGNATURE,
                "the token carries no certificate of its signer (certReq ignored?)");
  }
  X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
  return g_steal_pointer(&store);
}

/* A clear error for a failed TS_RESP_verify_*(). */
static gpointer
verify_failed(GError **error, const char *ca_file)
{
  int reason = 0;
  g_autofree char *detail = openssl_errors(&reason);
  switch (reason) {
  case TS_R_MESSAGE_IMPRINT_MISMATCH:
  case TS_R_UNSUPPORTED_MD_ALGORITHM:
    return fail(error, WT_TSA_ERROR_MISMATCH,
                "the token's message imprint is not the digest of the timestamped data (%s)",
                detail);
  case TS_R_NONCE_MISMATCH:
  case TS_R_NONCE_NOT_RETURNED:
    return fail(error, WT_TSA_ERROR_MISMATCH,
                "the token's nonce is not the request's: a replayed or foreign reply (%s)", detail);
  case TS_R_UNSUPPORTED_VERSION:
    return fail(error, WT_TSA_ERROR_REPLY, "the token is not version 1 (%s)", detail);
  case TS_R_CERTIFICATE_VERIFY_ERROR:
    if (ca_file)
      return fail(error, WT_TSA_ERROR_SIGNATURE,
                  "the TSA's certificate does not lead to a CA in %s (%s)", ca_file, detail);
    G_GNUC_FALLTHROUGH;
  default:
    return fail(error, WT_TSA_ERROR_SIGNATURE, "the token's signature does not verify (%s)",
                detail);
  }
}

static GBytes *
token_der(PKCS7 *token)
{
  unsigned char *der = NULL;
  int len = i2d_PKCS7(token, &der);
  if (len <= 0)
    return NULL;
  GBytes *bytes = g_bytes_new(der, (gsize)len);
  OPENSSL_free(der);
  return bytes;
}

/* "granted", or what the TSA said when it refused. */
static gboolean
status_granted(TS_RESP *resp, GError **error)
{
  TS_STATUS_INFO *status = TS_RESP_get_status_info(resp);
  long code = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(status));
  if (code == TS_STATUS_GRANTED || code == TS_STATUS_GRANTED_WITH_MODS)
    return TRUE;
  static const char *const names[] = {"granted", "grantedWithMods",   "rejection",
                                      "waiting", "revocationWarning", "revocationNotification"};
  GString *text = g_string_new(NULL);
  const STACK_OF(ASN1_UTF8STRING) *texts = TS_STATUS_INFO_get0_text(status);
  for (int i = 0; texts && i < sk_ASN1_UTF8STRING_num(texts); i++) {
    const ASN1_UTF8STRING *s = sk_ASN1_UTF8STRING_value(texts, i);
    g_autofree char *part =
        g_strndup((const char *)ASN1_STRING_get0_data(s), (gsize)MAX(ASN1_STRING_length(s), 0));
    g_string_append_printf(text, "%s\"%s\"", text->len ? ", " : ": ", part);
  }
  static const char *const failures[] = {"badAlg",
                                         NULL,
                                         "badRequest",
                                         NULL,
                                         NULL,
                                         "badDataFormat",
                                         NULL,
                                         NULL,
                                         NULL,
                                         NULL,
                                         NULL,
                                         NULL,
                                         NULL,
                                         NULL,
                                         "timeNotAvailable",
                                         "unacceptedPolicy",
                                         "unacceptedExtension",
                                         "addInfoNotAvailable",
                                         NULL,
                                         NULL,
                                         NULL,
                                         NULL,
                                         NULL,
                                         NULL,
                                         NULL,
                                         "systemFailure"};
  const ASN1_BIT_STRING *bits = TS_STATUS_INFO_get0_failure_info(status);
  for (guint i = 0; bits && i < G_N_ELEMENTS(failures); i++) {
    if (failures[i] && ASN1_BIT_STRING_get_bit(bits, (int)i))
      g_string_append_printf(text, " (%s)", failures[i]);
  }
  fail(error, WT_TSA_ERROR_REFUSED, "the TSA refused: status %s%s",
       code >= 0 && code < (long)G_N_ELEMENTS(names) ? names[code] : "unknown", text->str);
  g_string_free(text, TRUE);
  return FALSE;
}

GBytes *
wt_tsa_reply_check(const WtTsaRequest *req, const guint8 *der, gsize len, WtTsaTokenInfo *info,
                   GError **error)
{
  ERR_clear_error();
  const unsigned char *p = der;
  g_autoptr(TS_RESP) resp = len <= G_MAXINT ? d2i_TS_RESP(NULL, &p, (long)len) : NULL;
  if (!resp || p != der + len) {
    ERR_clear_error();
    return fail(error, WT_TSA_ERROR_REPLY,
                "the reply is not one DER TimeStampResp (%" G_GSIZE_FORMAT " bytes%s)", len,
                resp ? ", with bytes after it" : "");
  }
  if (!status_granted(resp, error))
    return NULL;
  PKCS7 *token = TS_RESP_get_token(resp);
  if (!token || !TS_RESP_get_tst_info(resp))
    return fail(error, WT_TSA_ERROR_REPLY, "the TSA granted but sent no token");
  g_autoptr(X509_STORE) store = trust_store(token, NULL, error);
  if (!store)
    return NULL;
  g_autoptr(TS_VERIFY_CTX) ctx = TS_REQ_to_TS_VERIFY_CTX(req->req, NULL);
  if (!ctx)
    return fail(error, WT_TSA_ERROR_REQUEST, "OpenSSL cannot make a verify context");
  TS_VERIFY_CTX_add_flags(ctx, TS_VFY_SIGNATURE);
  TS_VERIFY_CTX_set_store(ctx, g_steal_pointer(&store)); /* the context owns it */
  if (TS_RESP_verify_response(ctx, resp) != 1)
    return verify_failed(error, NULL);
  GBytes *bytes = token_der(token);
  if (!bytes)
    return fail(error, WT_TSA_ERROR_REPLY, "OpenSSL cannot encode the token");
  if (info)
    token_info(token, info);
  return bytes;
}

gboolean
wt_tsa_token_verify(const guint8 *token, gsize token_len, const guint8 *data, gsize len,
                    const char *ca_file, WtTsaTokenInfo *info, GError **error)
{
  ERR_clear_error();
  const unsigned char *p = token;
  g_autoptr(PKCS7) p7 = token_len <= G_MAXINT ? d2i_PKCS7(NULL, &p, (long)token_len) : NULL;
  g_autoptr(TS_TST_INFO) tst = p7 ? PKCS7_to_TS_TST_INFO(p7) : NULL;
  if (!p7 || p != token + token_len || !tst) {
    ERR_clear_error();
    fail(error, WT_TSA_ERROR_REPLY, "the timestamp is not one DER RFC 3161 TimeStampToken");
    return FALSE;
  }
  g_autoptr(X509_STORE) store = trust_store(p7, ca_file, error);
  if (!store)
    return FALSE;
  g_autoptr(TS_VERIFY_CTX) ctx = TS_VERIFY_CTX_new();
  BIO *bio = BIO_new_mem_buf(data, (int)len);
  if (!ctx || !bio || len > G_MAXINT) {
    BIO_free(bio);
    fail(error, WT_TSA_ERROR_SIGNATURE, "OpenSSL cannot make a verify context");
    return FALSE;
  }
  TS_VERIFY_CTX_set_flags(ctx, TS_VFY_VERSION | TS_VFY_SIGNATURE | TS_VFY_DATA);
  TS_VERIFY_CTX_set_data(ctx, bio); /* the context owns both */
  TS_VERIFY_CTX_set_store(ctx, g_steal_pointer(&store));
  if (TS_RESP_verify_token(ctx, p7) != 1) {
    verify_failed(error, ca_file);
    return FALSE;
  }
  if (info)
    token_info(p7, info);
  return TRUE;
}

/* ---- HTTP ------------------------------------------------------------------------ */

static size_t
collect(char *data, size_t size, size_t n, void *user_data)
{
  GByteArray *body = user_data;
  if (body->len + size * n > WT_TSA_MAX_REPLY)
    return 0; /* curl fails the transfer with CURLE_WRITE_ERROR */
  g_byte_array_append(body, (const guint8 *)data, (guint)(size * n));
  return size * n;
}

static gpointer
curl_init_once(gpointer unused)
{
  (void)unused;
  return GINT_TO_POINTER(curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK);
}

/* POSTs @request to @url; the body of a 200 answer (transfer full). */
static GBytes *
post(const char *url, guint timeout_ms, GBytes *request, GError **error)
{
  static GOnce once = G_ONCE_INIT;
  if (!GPOINTER_TO_INT(g_once(&once, curl_init_once, NULL)))
    return fail(error, WT_TSA_ERROR_REQUEST, "libcurl cannot initialise");
  g_autoptr(CURL) curl = curl_easy_init();
  if (!curl)
    return fail(error, WT_TSA_ERROR_REQUEST, "libcurl cannot make a handle");
  struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/timestamp-query");
  headers = curl_slist_append(headers, "Accept: application/timestamp-reply");
  g_autoptr(GByteArray) body = g_byte_array_new();
  char message[CURL_ERROR_SIZE] = "";
  gsize request_len = 0;
  const void *request_data = g_bytes_get_data(request, &request_len);
  curl_easy_setopt(curl, CURLOPT_URL, url);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request_data);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)request_len);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, body);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, message);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "witnessd");
  CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL)
    return fail(error, WT_TSA_ERROR_REQUEST, "%s: not an http or https URL", url);
  if (rc == CURLE_WRITE_ERROR)
    return fail(error, WT_TSA_ERROR_REPLY, "%s: the reply is larger than %u bytes", url,
                WT_TSA_MAX_REPLY);
  if (rc != CURLE_OK)
    return fail(error, WT_TSA_ERROR_TRANSPORT, "%s: %s", url,
                *message ? message : curl_easy_strerror(rc));
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200)
    return fail(error, WT_TSA_ERROR_TRANSPORT, "%s: HTTP status %ld", url, status);
  return g_byte_array_free_to_bytes(g_steal_pointer(&body));
}

GBytes *
wt_tsa_stamp(const char *url, guint timeout_ms, const guint8 *data, gsize len, WtTsaTokenInfo *info,
             GError **error)
{
  g_autoptr(WtTsaRequest) req = wt_tsa_request_new(data, len, error);
  if (!req)
    return NULL;
  g_autoptr(GBytes) reply = post(url, timeout_ms, req->der, error);
  if (!reply)
    return NULL;
  gsize reply_len = 0;
  const guint8 *reply_data = g_bytes_get_data(reply, &reply_len);
  GBytes *token = wt_tsa_reply_check(req, reply_data, reply_len, info, error);
  if (!token)
    g_prefix_error(error, "%s: ", url);
  return token;
}
