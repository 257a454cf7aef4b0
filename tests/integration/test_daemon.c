/* test_daemon.c — witnessd as a process: start-up line, /healthz, /metrics,
 * static files, shutdown on SIGTERM, --print-config, and refusing bad
 * configuration or a busy port with the documented exit codes.
 */
#include <signal.h>
#include <glib/gstdio.h>
#include <string.h>

#include "harness.h"

static void
test_listening_line(void)
{
  g_autoptr(WtItDaemon) d = wt_it_daemon_start(NULL);
  const char *line = wt_it_daemon_listening_line(d);
  g_assert_true(g_regex_match_simple("^listening on http://127\\.0\\.0\\.1:[0-9]+$", line, 0, 0));
  /* --http-port 0 picked a real port, and the URL printed is where it answers. */
  g_assert_cmpuint(wt_it_daemon_port(d), >, 0);
  wt_it_assert_healthy(d);
  wt_it_daemon_stop_clean(d);
}

static void
test_healthz(void)
{
  g_autoptr(WtItDaemon) d = wt_it_daemon_start(NULL);
  g_autofree char *body = NULL, *type = NULL;
  guint status = wt_it_http_get(wt_it_daemon_url(d), "/healthz", &body, &type);
  g_assert_cmpuint(status, ==, 200);
  g_assert_cmpstr(body, ==, "ok\n");
  g_assert_true(g_str_has_prefix(type, "text/plain"));
  wt_it_daemon_stop_clean(d);
}

/* The value of the sample @name (no labels) in @metrics, or -1. */
static double
metric_value(const char *metrics, const char *name)
{
  g_auto(GStrv) lines = g_strsplit(metrics, "\n", -1);
  for (guint i = 0; lines[i]; i++) {
    gsize n = strlen(name);
    if (strncmp(lines[i], name, n) == 0 && lines[i][n] == ' ')
      return g_ascii_strtod(lines[i] + n + 1, NULL);
  }
  return -1;
}

/* Asserts @metrics is Prometheus text exposition: comments are HELP or TYPE,
 * every sample is `name{labels} value`, and every sample has a TYPE. */
static void
assert_prometheus_text(const char *metrics)
{
  g_autoptr(GRegex) sample =
      g_regex_new("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"[^\"]*\""
                  "(,[a-zA-Z_][a-zA-Z0-9_]*=\"[^\"]*\")*\\})? -?[0-9.eE+]+$",
                  0, 0, NULL);
  g_autoptr(GRegex) comment =
      g_regex_new("^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) .+$", 0, 0, NULL);
  g_autoptr(GHashTable) typed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  g_assert_true(g_str_has_suffix(metrics, "\n"));
  g_auto(GStrv) lines = g_strsplit(metrics, "\n", -1);
  guint samples = 0;
  for (guint i = 0; lines[i]; i++) {
    if (!*lines[i]) {
      g_assert_null(lines[i + 1]); /* only the final newline leaves an empty line */
      continue;
    }
    g_autoptr(GMatchInfo) m = NULL;
    if (lines[i][0] == '#') {
      if (!g_regex_match(comment, lines[i], 0, &m))
        g_test_message("bad comment line: %s", lines[i]);
      g_assert_true(g_match_info_matches(m));
      g_autofree char *kind = g_match_info_fetch(m, 1);
      if (g_str_equal(kind, "TYPE"))
        g_hash_table_add(typed, g_match_info_fetch(m, 2));
      continue;
    }
    if (!g_regex_match(sample, lines[i], 0, &m))
      g_test_message("bad sample line: %s", lines[i]);
    g_assert_true(g_match_info_matches(m));
    g_autofree char *name = g_match_info_fetch(m, 1);
    if (!g_hash_table_contains(typed, name))
      g_test_message("sample without # TYPE: %s", lines[i]);
    g_assert_true(g_hash_table_contains(typed, name));
    samples++;
  }
  g_assert_cmpuint(samples, >, 0);
}

static char *
get_metrics(WtItDaemon *d)
{
  char *body = NULL;
  g_autofree char *type = NULL;
  guint status = wt_it_http_get(wt_it_daemon_url(d), "/metrics", &body, &type);
  g_assert_cmpuint(status, ==, 200);
  g_assert_true(g_str_has_prefix(type, "text/plain"));
  g_assert_nonnull(strstr(type, "version=0.0.4"));
  return body;
}

static gboolean
wait_metric(WtItDaemon *d, const char *name, double want)
{
  for (int i = 0; i < 100; i++) {
    g_autofree char *metrics = get_metrics(d);
    if (metric_value(metrics, name) == want)
      return TRUE;
    g_usleep(50 * 1000);
  }
  return FALSE;
}

static void
test_metrics(void)
{
  g_autoptr(WtItDaemon) d = wt_it_daemon_start("[server]\nworkers=3\n");
  g_autofree char *metrics = get_metrics(d);
  assert_prometheus_text(metrics);
  g_assert_cmpfloat(metric_value(metrics, "witness_ws_connections"), ==, 0);
  g_assert_cmpfloat(metric_value(metrics, "witness_workers"), ==, 3);

  /* The connection gauge follows what is open. */
  g_autoptr(WtItWs) ws = wt_it_ws_connect(d);
  g_assert_true(wait_metric(d, "witness_ws_connections", 1));
  g_clear_pointer(&ws, wt_it_ws_free);
  g_assert_true(wait_metric(d, "witness_ws_connections", 0));
  g_autofree char *after = get_metrics(d);
  assert_prometheus_text(after);
  g_assert_cmpfloat(metric_value(after, "witness_ws_connections_total"), ==, 1);
  wt_it_daemon_stop_clean(d);
}

static void
test_sigterm(void)
{
  g_autoptr(WtItDaemon) d = wt_it_daemon_start(NULL);
  g_autofree char *token = wt_it_mint(d, "staff", "sigterm-test", NULL);
  /* Open connections, one authenticated, must not hold the shutdown up. */
  g_autoptr(WtItWs) idle = wt_it_ws_connect(d);
  g_autoptr(WtItWs) ws = wt_it_ws_hello(d, token, NULL);
  double elapsed = 0;
  int status = wt_it_daemon_stop(d, &elapsed);
  g_test_message("stopped with %d in %.3f s", status, elapsed);
  g_assert_cmpint(status, ==, 0);
  g_assert_cmpfloat(elapsed, <, 2.0);
  /* The clients are told the server is going away (1001), not just dropped. */
  g_assert_true(wt_it_ws_wait_closed(ws, 5000));
  g_assert_true(wt_it_ws_wait_closed(idle, 5000));
  g_assert_cmpuint(wt_it_ws_close_code(ws), ==, SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
  g_assert_cmpuint(wt_it_ws_close_code(idle), ==, SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
  g_autofree char *log = wt_it_daemon_log(d);
  g_assert_null(strstr(log, token));
}

static void
test_sigint(void)
{
  /* SIGINT (Ctrl-C under scripts/run) stops it the same way. */
  g_autoptr(WtItDaemon) d = wt_it_daemon_start(NULL);
  g_autoptr(WtItWs) ws = wt_it_ws_connect(d);
  wt_it_assert_healthy(d);
  double elapsed = 0;
  int status = wt_it_daemon_stop_signal(d, SIGINT, &elapsed);
  g_assert_cmpint(status, ==, 0);
  g_assert_cmpfloat(elapsed, <, 2.0);
  g_assert_true(wt_it_ws_wait_closed(ws, 5000));
}

static char *
print_config(const char *data_dir, const char *config_path, int *status)
{
  const char *argv[] = {wt_it_witnessd(),
                        "--print-config",
                        "--data",
                        data_dir,
                        config_path ? "--config" : NULL,
                        config_path,
                        NULL};
  char *out = NULL;
  g_autofree char *err = NULL;
  *status = wt_it_run(argv, NULL, 30000, &out, &err);
  if (*status != 0)
    g_test_message("witnessd --print-config: %s", err);
  return out;
}

static void
test_print_config(void)
{
  g_autofree char *dir = wt_it_make_temp_dir();
  g_autofree char *data = g_build_filename(dir, "data", NULL);
  int status = -1;
  g_autofree char *out = print_config(data, NULL, &status);
  g_assert_cmpint(status, ==, 0);
  static const char *const expected[] = {
      "[server]",
      "[http]",
      "[limits]",
      "[tokens]",
      "\ndata_dir=",
      "\nworkers=",
      "\nlog_level=",
      "\nlisten=",
      "\nport=",
      "\nweb_root=",
      "\ntls_cert=",
      "\ntls_key=",
      "\nmax_message_bytes=",
      "\nmessages_per_second=",
      "\nmessage_burst=",
      "\nhello_timeout=",
      "\nping_interval=",
      "\nidle_timeout=",
      "\nmax_connections=",
      "\nsecret_file=",
  };
  for (guint i = 0; i < G_N_ELEMENTS(expected); i++) {
    if (!strstr(out, expected[i]))
      g_test_message("--print-config lacks %s:\n%s", expected[i], out);
    g_assert_nonnull(strstr(out, expected[i]));
  }
  /* It prints the configuration in force: --data made absolute. */
  g_autofree char *data_line = g_strdup_printf("\ndata_dir=%s\n", data);
  g_assert_nonnull(strstr(out, data_line));
  /* It only prints: no server started, no data folder created. */
  g_assert_null(strstr(out, "listening on"));
  g_assert_false(g_file_test(data, G_FILE_TEST_EXISTS));

  /* What it prints is itself a valid configuration that means the same. */
  g_autofree char *conf = g_build_filename(dir, "printed.conf", NULL);
  g_assert_true(g_file_set_contents(conf, out, -1, NULL));
  g_autofree char *again = print_config(data, conf, &status);
  g_assert_cmpint(status, ==, 0);
  g_assert_cmpstr(again, ==, out);

  /* And a value from a config file shows up. */
  g_autofree char *conf2 = g_build_filename(dir, "two.conf", NULL);
  g_assert_true(g_file_set_contents(conf2, "[limits]\nhello_timeout=7\n", -1, NULL));
  g_autofree char *changed = print_config(data, conf2, &status);
  g_assert_cmpint(status, ==, 0);
  g_assert_nonnull(strstr(changed, "\nhello_timeout=7\n"));
  wt_it_rm_rf(dir);
}

/* Runs witnessd with @config and asserts exit 2 with a message naming @name. */
static void
assert_config_refused(const char *config, const char *name)
{
  g_autoptr(WtItDaemon) d = wt_it_daemon_new(config);
  g_autofree char *log = NULL;
  int status = wt_it_daemon_expect_failure(d, &log);
  g_test_message("config %s -> exit %d: %s", config, status, log);
  g_assert_cmpint(status, ==, 2);
  g_assert_nonnull(strstr(log, name));
}

static void
test_config_unknown_key(void)
{
  assert_config_refused("[limits]\nbogus_key=3\n", "bogus_key");
  assert_config_refused("[nonsense]\nworkers=1\n", "nonsense");
  /* A key from another group is still unknown where it stands. */
  assert_config_refused("[server]\nhello_timeout=3\n", "hello_timeout");
}

static void
test_config_bad_value(void)
{
  assert_config_refused("[limits]\nhello_timeout=abc\n", "hello_timeout");
  assert_config_refused("[http]\nport=70000\n", "port");
  assert_config_refused("[limits]\nmax_message_bytes=-5\n", "max_message_bytes");
  assert_config_refused("[limits]\nmessages_per_second=fast\n", "messages_per_second");
  assert_config_refused("[server]\nlog_level=loud\n", "log_level");
  /* Not a key file at all. */
  assert_config_refused("this is not a key file\n", "witness.conf");
}

static void
test_port_in_use(void)
{
  /* Hold a port ourselves, then ask witnessd for it. */
  g_autoptr(GSocketListener) listener = g_socket_listener_new();
  g_autoptr(GError) error = NULL;
  guint16 port = g_socket_listener_add_any_inet_port(listener, NULL, &error);
  g_assert_no_error(error);
  g_autofree char *port_s = g_strdup_printf("%u", port);
  g_autoptr(WtItDaemon) d = wt_it_daemon_new(NULL);
  wt_it_daemon_add_arg(d, "--http-port"); /* the last --http-port wins */
  wt_it_daemon_add_arg(d, port_s);
  g_autofree char *log = NULL;
  int status = wt_it_daemon_expect_failure(d, &log);
  g_test_message("port %u in use -> exit %d: %s", port, status, log);
  g_assert_cmpint(status, ==, 1);
  g_autofree char *named = g_strdup_printf("port %u", port);
  g_assert_nonnull(strstr(log, named));
  g_assert_nonnull(strstr(log, "in use"));
}

static void
test_static_index(void)
{
  g_autofree char *path =
      g_build_filename(g_getenv("WT_SOURCE_ROOT"), "signaling", "web", "index.html", NULL);
  g_autofree char *expected = NULL;
  g_assert_true(g_file_get_contents(path, &expected, NULL, NULL));

  g_autoptr(WtItDaemon) d = wt_it_daemon_start(NULL);
  const char *paths[] = {"/", "/index.html"};
  for (guint i = 0; i < G_N_ELEMENTS(paths); i++) {
    g_autofree char *body = NULL, *type = NULL;
    guint status = wt_it_http_get(wt_it_daemon_url(d), paths[i], &body, &type);
    g_assert_cmpuint(status, ==, 200);
    g_assert_true(g_str_has_prefix(type, "text/html"));
    g_assert_cmpstr(body, ==, expected);
  }
  g_autofree char *body = NULL;
  g_assert_cmpuint(wt_it_http_get(wt_it_daemon_url(d), "/no-such-file.js", &body, NULL), ==, 404);
  wt_it_daemon_stop_clean(d);
}

/* Raw requests, because libsoup would resolve the dot segments itself. */
static void
test_path_traversal(void)
{
  /* A web root of our own, with a file beside it that must stay private. */
  g_autofree char *web_dir = wt_it_make_temp_dir();
  g_autofree char *web = g_build_filename(web_dir, "web", NULL);
  g_assert_cmpint(g_mkdir(web, 0700), ==, 0);
  g_autofree char *index = g_build_filename(web, "index.html", NULL);
  g_assert_true(g_file_set_contents(index, "<!doctype html><p>test root</p>\n", -1, NULL));
  g_autofree char *private = g_build_filename(web_dir, "private.txt", NULL);
  g_assert_true(g_file_set_contents(private, "PRIVATE-6f1c2a\n", -1, NULL));
  g_autofree char *config = g_strdup_printf("[http]\nweb_root=%s\n", web);
  g_autoptr(WtItDaemon) d = wt_it_daemon_start(config);

  /* The control: the raw client does see files that are served. */
  g_autofree char *ok = wt_it_raw_http(wt_it_daemon_port(d), "GET /index.html HTTP/1.1\r\n"
                                                             "Host: 127.0.0.1\r\n"
                                                             "Connection: close\r\n\r\n");
  g_assert_true(g_str_has_prefix(ok, "HTTP/1.1 200"));
  g_assert_nonnull(strstr(ok, "test root"));

  g_autofree char *passwd = NULL;
  g_assert_true(g_file_get_contents("/etc/passwd", &passwd, NULL, NULL));
  g_auto(GStrv) passwd_lines = g_strsplit(passwd, "\n", 2);
  static const char *const attempts[] = {
      "/../../etc/passwd",
      "/../../../../../../../../etc/passwd",
      "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
      "/..%2f..%2f..%2f..%2fetc%2fpasswd",
      "/....//....//etc/passwd",
      "//etc/passwd",
      "/../private.txt",
      "/%2e%2e/private.txt",
      "/..%2fprivate.txt",
      "/./../private.txt",
  };
  for (guint i = 0; i < G_N_ELEMENTS(attempts); i++) {
    g_autofree char *request = g_strdup_printf(
        "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", attempts[i]);
    g_autofree char *response = wt_it_raw_http(wt_it_daemon_port(d), request);
    g_test_message("GET %s -> %.*s", attempts[i], (int)strcspn(response, "\r\n"), response);
    g_assert_null(strstr(response, passwd_lines[0]));
    g_assert_null(strstr(response, "root:"));
    g_assert_null(strstr(response, "PRIVATE-6f1c2a"));
    wt_it_assert_healthy(d);
  }
  wt_it_daemon_stop_clean(d);
  wt_it_rm_rf(web_dir);
}

int
main(int argc, char **argv)
{
  wt_it_init(&argc, &argv);
  g_test_add_func("/daemon/listening-line", test_listening_line);
  g_test_add_func("/daemon/healthz", test_healthz);
  g_test_add_func("/daemon/metrics", test_metrics);
  g_test_add_func("/daemon/sigterm", test_sigterm);
  g_test_add_func("/daemon/sigint", test_sigint);
  g_test_add_func("/daemon/print-config", test_print_config);
  g_test_add_func("/daemon/config-unknown-key", test_config_unknown_key);
  g_test_add_func("/daemon/config-bad-value", test_config_bad_value);
  g_test_add_func("/daemon/port-in-use", test_port_in_use);
  g_test_add_func("/daemon/static-index", test_static_index);
  g_test_add_func("/daemon/path-traversal", test_path_traversal);
  return wt_it_run_tests();
}
