/* test_tsa.c — RFC 3161 requests and replies (storage/tsa.h) against real
 * replies from `openssl ts -reply` (scripts/tsa-reply, run as a child: no
 * network): a request says what it should; a good reply gives a token that
 * verifies with and without the CA; a reply for other data, one with another
 * nonce, a truncated, padded or garbage one, a refusal, a tampered token, a
 * foreign CA and an unreachable TSA are each refused with their own error. */
#include <gio/gio.h>
#include <openssl/evp.h>
#include <openssl/ts.h>
#include <string.h>

#include "tsa.h"

typedef struct {
  char *root;    /* temporary; holds the TSA folders */
  char *tsa_dir; /* scripts/tsa-reply --dir */
  char *ca;      /* tsa_dir/ca.pem */
} Fixture;

static const guint8 data1[] = "the Ed25519 signature of a seal, say";
static const guint8 data2[] = "some other bytes altogether";

static char *
script(void)
{
  const char *root = g_getenv("WT_SOURCE_ROOT");
  g_assert_nonnull(root);
  return g_build_filename(root, "scripts", "tsa-reply", NULL);
}

/* Runs scripts/tsa-reply --dir @dir with @input on stdin; its stdout. */
static GBytes *
tsa_reply(const char *dir, GBytes *input)
{
  g_autofree char *path = script();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) p =
      g_subprocess_new(G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, path,
                       "--dir", dir, NULL);
  g_assert_no_error(error);
  GBytes *out = NULL;
  g_assert_true(g_subprocess_communicate(p, input, NULL, &out, NULL, &error));
  g_assert_no_error(error);
  g_assert_true(g_subprocess_get_if_exited(p));
  g_assert_cmpint(g_subprocess_get_exit_status(p), ==, 0);
  return out;
}

static GBytes *
reply_for(Fixture *f, WtTsaRequest *req)
{
  g_autoptr(GBytes) der = wt_tsa_request_get_der(req);
  return tsa_reply(f->tsa_dir, der);
}

static void
fixture_setup(Fixture *f, gconstpointer unused)
{
  f->root = g_dir_make_tmp("wt-tsa-XXXXXX", NULL);
  f->tsa_dir = g_build_filename(f->root, "tsa", NULL);
  f->ca = g_build_filename(f->tsa_dir, "ca.pem", NULL);
}

static void
fixture_teardown(Fixture *f, gconstpointer unused)
{
  const char *argv[] = {"rm", "-rf", f->root, NULL};
  g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                             NULL, NULL));
  g_free(f->root);
  g_free(f->tsa_dir);
  g_free(f->ca);
}

static WtTsaRequest *
request(const guint8 *data, gsize len)
{
  g_autoptr(GError) error = NULL;
  WtTsaRequest *req = wt_tsa_request_new(data, len, &error);
  g_assert_no_error(error);
  g_assert_nonnull(req);
  return req;
}

/* The request is a v1 TimeStampReq over SHA-256(data), with a nonce and certReq. */
static void
test_request(Fixture *f, gconstpointer unused)
{
  g_autoptr(WtTsaRequest) a = request(data1, sizeof data1);
  g_autoptr(WtTsaRequest) b = request(data1, sizeof data1);
  g_autoptr(GBytes) der = wt_tsa_request_get_der(a);
  gsize len = 0;
  const guint8 *p = g_bytes_get_data(der, &len);
  TS_REQ *req = d2i_TS_REQ(NULL, &p, (long)len);
  g_assert_nonnull(req);
  g_assert_cmpint(TS_REQ_get_version(req), ==, 1);
  g_assert_cmpint(TS_REQ_get_cert_req(req), ==, 1);
  g_assert_nonnull(TS_REQ_get_nonce(req));
  g_assert_cmpint(ASN1_STRING_length(TS_REQ_get_nonce(req)), ==, 8);
  TS_MSG_IMPRINT *imprint = TS_REQ_get_msg_imprint(req);
  g_assert_cmpint(OBJ_obj2nid(TS_MSG_IMPRINT_get_algo(imprint)->algorithm), ==, NID_sha256);
  ASN1_OCTET_STRING *msg = TS_MSG_IMPRINT_get_msg(imprint);
  guint8 digest[32];
  g_assert_true(EVP_Digest(data1, sizeof data1, digest, NULL, EVP_sha256(), NULL));
  g_assert_cmpmem(ASN1_STRING_get0_data(msg), ASN1_STRING_length(msg), digest, sizeof digest);
  TS_REQ_free(req);
  /* Two requests over the same data differ in their nonce. */
  g_autoptr(GBytes) der_b = wt_tsa_request_get_der(b);
  g_assert_false(g_bytes_equal(der, der_b));
}

static void
test_reply_ok(Fixture *f, gconstpointer unused)
{
  g_autoptr(WtTsaRequest) req = request(data1, sizeof data1);
  g_autoptr(GBytes) reply = reply_for(f, req);
  g_autoptr(GError) error = NULL;
  WtTsaTokenInfo info = {0};
  gsize len = 0;
  const guint8 *der = g_bytes_get_data(reply, &len);
  g_autoptr(GBytes) token = wt_tsa_reply_check(req, der, len, &info, &error);
  g_assert_no_error(error);
  g_assert_nonnull(token);
  g_assert_cmpstr(info.tsa, ==, "CN=Witness test TSA");
  g_assert_cmpstr(info.policy, ==, "1.3.6.1.4.1.99999.3161.1");
  /* genTime is now, in ISO 8601 UTC. */
  g_autoptr(GDateTime) when = g_date_time_new_from_iso8601(info.gen_time, NULL);
  g_assert_nonnull(when);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc();
  g_assert_cmpint(ABS(g_date_time_difference(now, when)), <, 120 * G_TIME_SPAN_SECOND);
  wt_tsa_token_info_clear(&info);

  gsize token_len = 0;
  const guint8 *token_der = g_bytes_get_data(token, &token_len);
  g_assert_true(
      wt_tsa_token_verify(token_der, token_len, data1, sizeof data1, f->ca, &info, &error));
  g_assert_no_error(error);
  g_assert_cmpstr(info.tsa, ==, "CN=Witness test TSA");
  wt_tsa_token_info_clear(&info);
  g_assert_true(wt_tsa_token_verify(token_der, token_len, data1, sizeof data1, NULL, NULL, &error));
  g_assert_no_error(error);

  /* The token is over data1 only. */
  g_assert_false(
      wt_tsa_token_verify(token_der, token_len, data2, sizeof data2, f->ca, NULL, &error));
  g_assert_error(error, WT_TSA_ERROR, WT_TSA_ERROR_MISMATCH);
  g_assert_nonnull(strstr(error->message, "imprint"));
  g_clear_error(&error);

  /* A flipped byte in its signature (the end of the SignedData). */
  g_autofree guint8 *bad = g_memdup2(token_der, token_len);
  bad[token_len - 2] ^= 0x01;
  g_assert_false(wt_tsa_token_verify(bad, token_len, data1, sizeof data1, f->ca, NULL, &error));
  g_assert_error(error, WT_TSA_ERROR, WT_TSA_ERROR_SIGNATURE);
  g_clear_error(&error);
  /* Not a token at all. */
  g_assert_false(wt_tsa_token_verify(bad, token_len / 2, data1, sizeof data1, NULL, NULL, &error));
  g_assert_error(error, WT_TSA_ERROR, WT_TSA_ERROR_REPLY);
  g_clear_error(&error);

  /* Another TSA's CA does not vouch for this one. */
  g_autofree char *other = g_build_filename(f->root, "other", NULL);
  g_autoptr(WtTsaRequest) req2 = request(data1, sizeof data1);
  g_autoptr(GBytes) der2 = wt_tsa_request_get_der(req2);
  g_autoptr(GBytes) other_reply = tsa_reply(other, der2); /* makes its CA */
  g_assert_cmpuint(g_bytes_get_size(other_reply), >, 0);
  g_autofree char *other_ca = g_build_filename(other, "ca.pem", NULL);
  g_assert_false(
      wt_tsa_token_verify(token_der, token_len, data1, sizeof data1, other_ca, NULL, &error));
  g_assert_error(error, WT_TSA_ERROR, WT_TSA_ERROR_SIGNATURE);
  g_assert_nonnull(strstr(error->message, "does not lead to a CA in"));
  g_clear_error(&error);
  /* A CA file that is not one. */
  g_assert_false(wt_tsa_token_verify(token_der, token_len, data1, sizeof data1,
                                     "/nonexistent/ca.pem", NULL, &error));
  g_assert_error(error, WT_TSA_ERROR, WT_TSA_ERROR_SIGNATURE);
  g_assert_nonnull(strstr(error->message, "not a readable PEM file"));
}

/* A valid reply, but for a request over other data. */
static void
test_reply_bad_imprint(Fixture *f, gconstpointer unused)
{
  g_autoptr(WtTsaRequest) mine = request(data1, sizeof data1);
  g_autoptr(WtTsaRequest) theirs = request(data2, sizeof data2);
  g_autoptr(GBytes) reply = reply_for(f, theirs);
  g_autoptr(GError) error = NULL;
  gsize len = 0;
  const guint8 *der = g_bytes_get_data(reply, &len);
  g_assert_null(wt_tsa_reply_check(mine, der, len, NULL, &error));
  g_assert_error(error, WT_TSA_ERROR, WT_TSA_ERROR_MISMATCH);
  g_assert_nonnull(strstr(error->message, "message imprint"));
}

/* A valid reply over the same data, but to another request (a replay). */
static void
test_reply_wrong_nonce(Fixture *f, gconstpointer unused)
{
  g_autoptr(WtTsaRequest) mine = request(data1, sizeof data1);
  g_autoptr(WtTsaRequest) earlier = request(data1, sizeof data1);
  g_autoptr(GBytes) reply = reply_for(f, earlier);
  g_autoptr(GError) error = NULL;
  gsize len = 0;
  const guint8 *der = g_bytes_get_data(reply, &len);
  g_assert_null(wt_tsa_reply_check(mine, der, len, NULL, &error));
  g_assert_error(error, WT_TSA_ERROR, WT_TSA_ERROR_MISMATCH);
  g_assert_nonnull(strstr(error->message, "nonce"));
}

static void
assert_reply_refused(WtTsaRequest *req, const guint8 *der, gsize len, WtTsaError code,
                     const char *words)
{
  g_autoptr(GError) error = NULL;
  g_assert_null(wt_tsa_reply_check(req, der, len, NULL, &error));
  g_assert_error(error, WT_TSA_ERROR, (gint)code);
  if (!strstr(error->message, words))
    g_error("\"%s\" does not say \"%s\"", error->message, words);
}

static void
test_reply_garbage(Fixture *f, gconstpointer unused)
{
  g_autoptr(WtTsaRequest) req = request(data1, sizeof data1);
  g_autoptr(GBytes) reply = reply_for(f, req);
  gsize len = 0;
  const guint8 *der = g_bytes_get_data(reply, &len);
  assert_reply_refused(req, der, len - 1, WT_TSA_ERROR_REPLY, "not one DER TimeStampResp");
  assert_reply_refused(req, der, len / 2, WT_TSA_ERROR_REPLY, "not one DER TimeStampResp");
  assert_reply_refused(req, der, 0, WT_TSA_ERROR_REPLY, "not one DER TimeStampResp");
  g_autofree guint8 *padded = g_malloc(len + 1);
  memcpy(padded, der, len);
  padded[len] = 0;
  assert_reply_refused(req, padded, len + 1, WT_TSA_ERROR_REPLY, "bytes after it");
  guint8 noise[512];
  for (guint i = 0; i < sizeof noise; i++)
    noise[i] = (guint8)g_random_int();
  assert_reply_refused(req, noise, sizeof noise, WT_TSA_ERROR_REPLY, "not one DER");
  const char html[] = "<html><body>502 Bad Gateway</body></html>";
  assert_reply_refused(req, (const guint8 *)html, sizeof html - 1, WT_TSA_ERROR_REPLY,
                       "not one DER");
  /* The TSA's signature over the TSTInfo, broken: still a TimeStampResp. */
  g_autofree guint8 *flipped = g_memdup2(der, len);
  flipped[len - 2] ^= 0x01;
  assert_reply_refused(req, flipped, len, WT_TSA_ERROR_SIGNATURE, "signature does not verify");
}

/* A request the TSA cannot read gets a rejection, which is refused as such. */
static void
test_reply_refused(Fixture *f, gconstpointer unused)
{
  g_autoptr(WtTsaRequest) req = request(data1, sizeof data1);
  g_autoptr(GBytes) junk = g_bytes_new_static("not a request", 13);
  g_autoptr(GBytes) reply = tsa_reply(f->tsa_dir, junk);
  gsize len = 0;
  const guint8 *der = g_bytes_get_data(reply, &len);
  assert_reply_refused(req, der, len, WT_TSA_ERROR_REFUSED, "status rejection");
  assert_reply_refused(req, der, len, WT_TSA_ERROR_REFUSED, "badDataFormat");
}

static void
test_stamp_unreachable(Fixture *f, gconstpointer unused)
{
  g_autoptr(GError) error = NULL;
  gint64 started = g_get_monotonic_time();
  /* Port 1 on loopback: nothing listens, the connection is refused at once. */
  g_assert_null(wt_tsa_stamp("http://127.0.0.1:1/", 5000, data1, sizeof data1, NULL, &error));
  g_assert_error(error, WT_TSA_ERROR, WT_TSA_ERROR_TRANSPORT);
  g_assert_nonnull(strstr(error->message, "http://127.0.0.1:1/"));
  g_assert_cmpint(g_get_monotonic_time() - started, <, 5 * G_USEC_PER_SEC);
  g_clear_error(&error);
  g_assert_null(wt_tsa_stamp("file:///etc/passwd", 5000, data1, sizeof data1, NULL, &error));
  g_assert_error(error, WT_TSA_ERROR, WT_TSA_ERROR_REQUEST);
  g_assert_nonnull(strstr(error->message, "not an http or https URL"));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add("/tsa/request", Fixture, NULL, fixture_setup, test_request, fixture_teardown);
  g_test_add("/tsa/reply-ok", Fixture, NULL, fixture_setup, test_reply_ok, fixture_teardown);
  g_test_add("/tsa/reply-bad-imprint", Fixture, NULL, fixture_setup, test_reply_bad_imprint,
             fixture_teardown);
  g_test_add("/tsa/reply-wrong-nonce", Fixture, NULL, fixture_setup, test_reply_wrong_nonce,
             fixture_teardown);
  g_test_add("/tsa/reply-garbage", Fixture, NULL, fixture_setup, test_reply_garbage,
             fixture_teardown);
  g_test_add("/tsa/reply-refused", Fixture, NULL, fixture_setup, test_reply_refused,
             fixture_teardown);
  g_test_add("/tsa/stamp-unreachable", Fixture, NULL, fixture_setup, test_stamp_unreachable,
             fixture_teardown);
  return g_test_run();
}
