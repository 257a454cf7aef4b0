/* test_witnessctl.c — the operator's tool against a real witnessd: the
 * tokens and links it prints are accepted with the right claims, bad command
 * lines get exit 2 and a usage message, and it shares (or creates) the same
 * secret as witnessd.
 */
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"

/* Runs witnessctl with @args (NULL-terminated); *@out and *@err may be NULL. */
static int
ctl(const char *const *args, char **out, char **err)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_ptr_array_add(argv, (char *)wt_it_witnessctl());
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add(argv, (char *)args[i]);
  g_ptr_array_add(argv, NULL);
  g_autofree char *dir = wt_it_make_temp_dir();
  int status = wt_it_run((const char *const *)argv->pdata, dir, 30000, out, err);
  wt_it_rm_rf(dir);
  return status;
}

static gint64
now_s(void)
{
  return g_get_real_time() / G_USEC_PER_SEC;
}

static void
test_token_accepted(void)
{
  g_autoptr(WtItDaemon) d = wt_it_daemon_start(NULL);
  const char *data = wt_it_daemon_data_dir(d);
  static const char *const roles[] = {"applicant", "staff", "clerk", "admin"};
  for (guint i = 0; i < G_N_ELEMENTS(roles); i++) {
    g_autofree char *sub = g_strdup_printf("user-%u", i);
    const char *args[] = {"token", "--data", data,     "--role", roles[i], "--sub",
                          sub,     "--room", "room-a", "--ttl",  "120",    NULL};
    g_autofree char *out = NULL, *err = NULL;
    g_assert_cmpint(ctl(args, &out, &err), ==, 0);
    g_assert_cmpstr(err, ==, "");
    g_assert_true(g_str_has_suffix(out, "\n"));
    g_strstrip(out);
    g_assert_true(
        g_regex_match_simple("^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$", out, 0, 0));
    wt_it_daemon_forbid_in_log(d, out);

    g_autoptr(JsonObject) result = NULL;
    g_autoptr(WtItWs) ws = wt_it_ws_hello(d, out, &result);
    (void)ws; /* kept open until the end of the test */
    g_assert_cmpstr(wt_it_get_string(result, "role"), ==, roles[i]);
    g_assert_cmpstr(wt_it_get_string(result, "sub"), ==, sub);
    g_assert_cmpstr(wt_it_get_string(result, "room"), ==, "room-a");
    /* --ttl 120 */
    gint64 expires = json_object_get_int_member_with_default(result, "expires", 0);
    g_assert_cmpint(expires, >=, now_s() + 100);
    g_assert_cmpint(expires, <=, now_s() + 121);
  }
  /* Without --room the token names none. */
  g_autofree char *token = wt_it_mint(d, "staff", "roomless", NULL);
  g_autoptr(JsonObject) result = NULL;
  g_autoptr(WtItWs) ws = wt_it_ws_hello(d, token, &result);
  g_assert_false(json_object_has_member(result, "room"));
  g_clear_pointer(&ws, wt_it_ws_free);
  wt_it_daemon_stop_clean(d);
}

static char *
token_from_link(const char *link, const char *base)
{
  g_autofree char *prefix = g_strdup_printf("%s/#token=", base);
  g_assert_true(g_str_has_prefix(link, prefix));
  return g_strdup(link + strlen(prefix));
}

static void
test_link(void)
{
  g_autoptr(WtItDaemon) d = wt_it_daemon_start(NULL);
  const char *data = wt_it_daemon_data_dir(d);

  /* The exact shape asked for: base, "/#token=", the token; no query string. */
  const char *args[] = {"link",   "--data", data,    "--base", "http://127.0.0.1:1234",
                        "--role", "staff",  "--sub", "linda",  NULL};
  g_autofree char *out = NULL, *err = NULL;
  g_assert_cmpint(ctl(args, &out, &err), ==, 0);
  g_assert_true(g_regex_match_simple(
      "^http://127\\.0\\.0\\.1:1234/#token=[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\n$",
      out, 0, 0));
  g_assert_null(strchr(out, '?'));
  g_strstrip(out);
  g_autofree char *token = token_from_link(out, "http://127.0.0.1:1234");
  wt_it_daemon_forbid_in_log(d, token);
  /* The token in the fragment is a working one. */
  g_autoptr(JsonObject) result = NULL;
  g_autoptr(WtItWs) ws = wt_it_ws_hello(d, token, &result);
  g_assert_cmpstr(wt_it_get_string(result, "sub"), ==, "linda");
  g_assert_cmpstr(wt_it_get_string(result, "role"), ==, "staff");

  /* A base with a trailing slash does not double it; https is fine. */
  const char *https[] = {"link",   "--data",    data,    "--base", "https://example.test:8443/",
                         "--role", "applicant", "--sub", "ann",    "--room",
                         "r-1",    NULL};
  g_autofree char *out2 = NULL;
  g_assert_cmpint(ctl(https, &out2, NULL), ==, 0);
  g_assert_true(g_str_has_prefix(out2, "https://example.test:8443/#token="));
  g_assert_null(strchr(out2, '?'));
  g_strstrip(out2);
  g_autofree char *token2 = token_from_link(out2, "https://example.test:8443");
  wt_it_daemon_forbid_in_log(d, token2);
  g_autoptr(JsonObject) r2 = NULL;
  g_autoptr(WtItWs) ws2 = wt_it_ws_hello(d, token2, &r2);
  g_assert_cmpstr(wt_it_get_string(r2, "room"), ==, "r-1");

  /* Opening the link's page sends no token to the server: the fragment
   * stays in the browser. Here: the page itself is served without it. */
  g_autofree char *page = NULL;
  g_assert_cmpuint(wt_it_http_get(wt_it_daemon_url(d), "/", &page, NULL), ==, 200);

  /* --page opens another page of the web client, which the server has. */
  const char *hall[] = {"link",   "--data",    data,    "--base", "http://127.0.0.1:1234",
                        "--role", "applicant", "--sub", "hana",   "--page",
                        "hall",   NULL};
  g_autofree char *out3 = NULL;
  g_assert_cmpint(ctl(hall, &out3, NULL), ==, 0);
  g_assert_true(g_str_has_prefix(out3, "http://127.0.0.1:1234/hall.html#token="));
  g_strstrip(out3);
  wt_it_daemon_forbid_in_log(d, strstr(out3, "#token=") + strlen("#token="));
  g_autofree char *hall_page = NULL;
  g_assert_cmpuint(wt_it_http_get(wt_it_daemon_url(d), "/hall.html", &hall_page, NULL), ==, 200);
  g_autofree char *console_page = NULL;
  g_assert_cmpuint(wt_it_http_get(wt_it_daemon_url(d), "/console.html", &console_page, NULL), ==,
                   200);

  g_clear_pointer(&ws, wt_it_ws_free);
  g_clear_pointer(&ws2, wt_it_ws_free);
  wt_it_daemon_stop_clean(d);
}

/* Asserts witnessctl @args exits 2 with a usage message on stderr, mentioning
 * @mention when not NULL, and prints nothing on stdout. */
static void
assert_usage(const char *const *args, const char *mention)
{
  g_autofree char *out = NULL, *err = NULL;
  int status = ctl(args, &out, &err);
  g_test_message("witnessctl %s ... -> %d: %s", args[0] ? args[0] : "", status, err);
  g_assert_cmpint(status, ==, 2);
  g_assert_cmpstr(out, ==, "");
  g_assert_nonnull(strstr(err, "usage:"));
  if (mention)
    g_assert_nonnull(strstr(err, mention));
}

static void
test_usage_errors(void)
{
  g_autofree char *dir = wt_it_make_temp_dir();
  g_autofree char *data = g_build_filename(dir, "data", NULL);
  const char *no_role[] = {"token", "--data", data, "--sub", "s", NULL};
  assert_usage(no_role, "--role");
  const char *bad_role[] = {"token", "--data", data, "--role", "superuser", "--sub", "s", NULL};
  assert_usage(bad_role, "--role");
  const char *no_sub[] = {"token", "--data", data, "--role", "staff", NULL};
  assert_usage(no_sub, "--sub");
  const char *empty_sub[] = {"token", "--data", data, "--role", "staff", "--sub", "", NULL};
  assert_usage(empty_sub, "--sub");
  const char *no_command[] = {"--data", data, "--role", "staff", "--sub", "s", NULL};
  assert_usage(no_command, NULL);
  const char *bad_command[] = {"mint", "--data", data, "--role", "staff", "--sub", "s", NULL};
  assert_usage(bad_command, NULL);
  const char *bad_ttl[] = {"token", "--data", data,    "--role", "staff",
                           "--sub", "s",      "--ttl", "0",      NULL};
  assert_usage(bad_ttl, "--ttl");
  const char *bad_option[] = {"token", "--data", data,      "--role", "staff",
                              "--sub", "s",      "--bogus", NULL};
  assert_usage(bad_option, NULL);
  const char *no_base[] = {"link", "--data", data, "--role", "staff", "--sub", "s", NULL};
  assert_usage(no_base, "--base");
  const char *bad_base[] = {"link",   "--data", data,    "--base", "127.0.0.1:8080",
                            "--role", "staff",  "--sub", "s",      NULL};
  assert_usage(bad_base, "--base");
  const char *bad_page[] = {"link",   "--data", data,    "--base", "http://127.0.0.1:8080",
                            "--role", "staff",  "--sub", "s",      "--page",
                            "../etc", NULL};
  assert_usage(bad_page, "--page");
  /* None of that created a secret. */
  g_assert_false(g_file_test(data, G_FILE_TEST_EXISTS));
  wt_it_rm_rf(dir);
}

static void
test_creates_secret(void)
{
  /* A data folder with no secret yet: witnessctl creates it... */
  g_autoptr(WtItDaemon) d = wt_it_daemon_new(NULL);
  const char *data = wt_it_daemon_data_dir(d);
  g_autofree char *key_path = g_build_filename(data, "secrets", "token.key", NULL);
  g_assert_false(g_file_test(key_path, G_FILE_TEST_EXISTS));
  const char *args[] = {"token", "--data", data, "--role", "admin", "--sub", "first", NULL};
  g_autofree char *token = NULL;
  g_assert_cmpint(ctl(args, &token, NULL), ==, 0);
  g_strstrip(token);
  g_assert_true(g_file_test(key_path, G_FILE_TEST_IS_REGULAR));
  /* ... readable by its owner only ... */
  GStatBuf st;
  g_assert_cmpint(g_stat(key_path, &st), ==, 0);
  g_assert_cmpint(st.st_mode & 0777, ==, 0600);
  g_autofree char *before = NULL;
  g_assert_true(g_file_get_contents(key_path, &before, NULL, NULL));

  /* ... and witnessd, started afterwards, uses that one. */
  g_autoptr(GError) error = NULL;
  wt_it_daemon_spawn(d, &error);
  g_assert_no_error(error);
  wt_it_daemon_forbid_in_log(d, token);
  g_autoptr(JsonObject) result = NULL;
  g_autoptr(WtItWs) ws = wt_it_ws_hello(d, token, &result);
  g_assert_cmpstr(wt_it_get_string(result, "sub"), ==, "first");
  g_assert_cmpstr(wt_it_get_string(result, "role"), ==, "admin");
  g_autofree char *after = NULL;
  g_assert_true(g_file_get_contents(key_path, &after, NULL, NULL));
  g_assert_cmpstr(before, ==, after);
  /* A second token minted while witnessd runs is accepted too. */
  g_autofree char *second = wt_it_mint(d, "staff", "second", NULL);
  g_autoptr(WtItWs) ws2 = wt_it_ws_hello(d, second, NULL);

  /* A token minted for another data folder (another secret) is not. */
  g_autofree char *other_dir = wt_it_make_temp_dir();
  const char *other[] = {"token", "--data", other_dir, "--role", "admin", "--sub", "first", NULL};
  g_autofree char *foreign = NULL;
  g_assert_cmpint(ctl(other, &foreign, NULL), ==, 0);
  g_strstrip(foreign);
  wt_it_daemon_forbid_in_log(d, foreign);
  g_autoptr(WtItWs) ws3 = wt_it_ws_connect(d);
  g_autofree char *hello =
      g_strdup_printf("{\"type\":\"hello\",\"id\":1,\"token\":\"%s\"}", foreign);
  g_autoptr(JsonObject) refused = wt_it_ws_request(ws3, hello);
  wt_it_assert_error(refused, 1, "bad-token");

  g_clear_pointer(&ws, wt_it_ws_free);
  g_clear_pointer(&ws2, wt_it_ws_free);
  g_clear_pointer(&ws3, wt_it_ws_free);
  wt_it_daemon_stop_clean(d);
  wt_it_rm_rf(other_dir);
}

/* witnessctl --config reads data_dir and secret_file the way witnessd does. */
static void
test_config_file(void)
{
  g_autofree char *dir = wt_it_make_temp_dir();
  g_autofree char *secret = g_build_filename(dir, "elsewhere", "token.key", NULL);
  g_autofree char *config = g_strdup_printf("[tokens]\nsecret_file=%s\n", secret);
  g_autoptr(WtItDaemon) d = wt_it_daemon_start(config);
  g_assert_true(g_file_test(secret, G_FILE_TEST_IS_REGULAR));

  g_autofree char *conf_path = g_build_filename(dir, "ctl.conf", NULL);
  g_autofree char *ctl_conf = g_strdup_printf("[server]\ndata_dir=%s\n[tokens]\nsecret_file=%s\n",
                                              wt_it_daemon_data_dir(d), secret);
  g_assert_true(g_file_set_contents(conf_path, ctl_conf, -1, NULL));
  const char *args[] = {"token", "--config", conf_path, "--role", "clerk", "--sub", "cfg", NULL};
  g_autofree char *token = NULL, *err = NULL;
  int status = ctl(args, &token, &err);
  if (status != 0)
    g_test_message("witnessctl --config: %s", err);
  g_assert_cmpint(status, ==, 0);
  g_strstrip(token);
  wt_it_daemon_forbid_in_log(d, token);
  g_autoptr(JsonObject) result = NULL;
  g_autoptr(WtItWs) ws = wt_it_ws_hello(d, token, &result);
  g_assert_cmpstr(wt_it_get_string(result, "sub"), ==, "cfg");
  g_clear_pointer(&ws, wt_it_ws_free);

  /* The secret there is the one witnessd uses, not one in the data folder. */
  g_autofree char *default_path =
      g_build_filename(wt_it_daemon_data_dir(d), "secrets", "token.key", NULL);
  g_assert_false(g_file_test(default_path, G_FILE_TEST_EXISTS));
  g_autofree char *secret_text = NULL;
  g_assert_true(g_file_get_contents(secret, &secret_text, NULL, NULL));
  wt_it_daemon_forbid_in_log(d, g_strstrip(secret_text));
  wt_it_daemon_stop_clean(d);
  wt_it_rm_rf(dir);
}

int
main(int argc, char **argv)
{
  wt_it_init(&argc, &argv);
  g_test_add_func("/witnessctl/token-accepted", test_token_accepted);
  g_test_add_func("/witnessctl/link", test_link);
  g_test_add_func("/witnessctl/usage-errors", test_usage_errors);
  g_test_add_func("/witnessctl/creates-secret", test_creates_secret);
  g_test_add_func("/witnessctl/config-file", test_config_file);
  return wt_it_run_tests();
}
