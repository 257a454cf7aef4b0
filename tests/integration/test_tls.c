/* test_tls.c — witnessd with [http] tls_cert and tls_key: it serves HTTPS and
 * WSS only, with the certificate it was given. A self-signed certificate is
 * made with the openssl command for each run.
 */
#include <string.h>

#include "harness.h"

typedef struct {
  char *dir, *cert, *key;
} Certs;

/* A self-signed certificate for 127.0.0.1 in a new temporary folder; FALSE
 * (and the test skipped) when there is no openssl command. */
static gboolean
make_certs(Certs *c)
{
  g_autofree char *openssl = g_find_program_in_path("openssl");
  if (!openssl) {
    g_test_skip("no openssl command to make a test certificate");
    return FALSE;
  }
  c->dir = wt_it_make_temp_dir();
  c->cert = g_build_filename(c->dir, "cert.pem", NULL);
  c->key = g_build_filename(c->dir, "key.pem", NULL);
  const char *argv[] = {openssl,
                        "req",
                        "-x509",
                        "-newkey",
                        "ec",
                        "-pkeyopt",
                        "ec_paramgen_curve:prime256v1",
                        "-nodes",
                        "-keyout",
                        c->key,
                        "-out",
                        c->cert,
                        "-days",
                        "2",
                        "-subj",
                        "/CN=127.0.0.1",
                        "-addext",
                        "subjectAltName=IP:127.0.0.1,DNS:localhost",
                        NULL};
  g_autofree char *err = NULL;
  int status = wt_it_run(argv, c->dir, 30000, NULL, &err);
  if (status != 0)
    g_test_message("openssl failed: %s", err);
  g_assert_cmpint(status, ==, 0);
  g_assert_true(g_file_test(c->cert, G_FILE_TEST_IS_REGULAR));
  return TRUE;
}

static void
free_certs(Certs *c)
{
  if (c->dir)
    wt_it_rm_rf(c->dir);
  g_free(c->dir);
  g_free(c->cert);
  g_free(c->key);
}

static char *
tls_config(const char *cert, const char *key)
{
  return g_strdup_printf("[http]\ntls_cert=%s\ntls_key=%s\n", cert, key);
}

static void
test_https_and_wss(void)
{
  Certs c = {0};
  if (!make_certs(&c))
    return;
  g_autofree char *config = tls_config(c.cert, c.key);
  g_autoptr(WtItDaemon) d = wt_it_daemon_start(config);
  const char *url = wt_it_daemon_url(d);
  g_assert_true(g_regex_match_simple("^listening on https://127\\.0\\.0\\.1:[0-9]+$",
                                     wt_it_daemon_listening_line(d), 0, 0));

  /* Not trusted yet: the client refuses the self-signed certificate, which
   * shows the check below is about this certificate. */
  wt_it_trust_certificate(NULL);
  g_assert_cmpuint(wt_it_http_get(url, "/healthz", NULL, NULL), ==, 0);

  wt_it_trust_certificate(c.cert);
  g_autofree char *body = NULL;
  g_assert_cmpuint(wt_it_http_get(url, "/healthz", &body, NULL), ==, 200);
  g_assert_cmpstr(body, ==, "ok\n");
  g_autofree char *metrics = NULL;
  g_assert_cmpuint(wt_it_http_get(url, "/metrics", &metrics, NULL), ==, 200);
  g_assert_nonnull(strstr(metrics, "witness_ws_connections "));
  g_autofree char *index = NULL, *type = NULL;
  g_assert_cmpuint(wt_it_http_get(url, "/", &index, &type), ==, 200);
  g_assert_true(g_str_has_prefix(type, "text/html"));

  /* hello over wss. */
  g_autofree char *token = wt_it_mint(d, "clerk", "tls-user", "room-9");
  g_autoptr(JsonObject) result = NULL;
  g_autoptr(WtItWs) ws = wt_it_ws_hello(d, token, &result);
  g_assert_cmpstr(wt_it_get_string(result, "sub"), ==, "tls-user");
  g_assert_cmpstr(wt_it_get_string(result, "role"), ==, "clerk");
  g_assert_cmpstr(wt_it_get_string(result, "room"), ==, "room-9");
  g_autoptr(JsonObject) pong = wt_it_ws_request(ws, "{\"type\":\"ping\",\"id\":2}");
  wt_it_assert_result(pong, 2);

  /* Plain HTTP on the TLS port is not served. */
  g_autofree char *plain_url = g_strdup_printf("http://127.0.0.1:%u", wt_it_daemon_port(d));
  g_autofree char *plain = NULL;
  guint status = wt_it_http_get(plain_url, "/healthz", &plain, NULL);
  g_test_message("plain HTTP on the TLS port: %u", status);
  g_assert_false(status == 200 && g_strcmp0(plain, "ok\n") == 0);
  wt_it_assert_healthy(d);

  g_clear_pointer(&ws, wt_it_ws_free);
  wt_it_daemon_stop_clean(d);
  wt_it_trust_certificate(NULL);
  free_certs(&c);
}

/* witnessd --config with TLS files it cannot use: exit 1, naming @named. */
static void
assert_tls_refused(const char *config, const char *named)
{
  g_autoptr(WtItDaemon) d = wt_it_daemon_new(config);
  g_autofree char *log = NULL;
  int status = wt_it_daemon_expect_failure(d, &log);
  g_test_message("%s -> exit %d: %s", config, status, log);
  g_assert_cmpint(status, ==, 1);
  if (named)
    g_assert_nonnull(strstr(log, named));
}

static void
test_bad_tls_files(void)
{
  Certs c = {0};
  if (!make_certs(&c))
    return;
  g_autofree char *missing = g_build_filename(c.dir, "missing.pem", NULL);
  g_autofree char *no_cert = tls_config(missing, c.key);
  assert_tls_refused(no_cert, "missing.pem");
  g_autofree char *no_key = tls_config(c.cert, missing);
  assert_tls_refused(no_key, "missing.pem");
  /* A key that is not a key: libwebsockets refuses it. */
  g_autofree char *junk = g_build_filename(c.dir, "junk.pem", NULL);
  g_assert_true(g_file_set_contents(junk, "not a key\n", -1, NULL));
  g_autofree char *bad_key = tls_config(c.cert, junk);
  assert_tls_refused(bad_key, "junk.pem");
  free_certs(&c);
}

int
main(int argc, char **argv)
{
  wt_it_init(&argc, &argv);
  g_test_add_func("/tls/https-and-wss", test_https_and_wss);
  g_test_add_func("/tls/bad-files", test_bad_tls_files);
  return wt_it_run_tests();
}
