/* test_config.c — defaults, files, overrides and the errors a typo gets. */
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

static char *
write_temp(const char *content)
{
  g_autoptr(GError) error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp("wt-config-XXXXXX.conf", &path, &error);
  g_assert_no_error(error);
  close(fd);
  g_assert_true(g_file_set_contents(path, content, -1, NULL));
  return path;
}

static void
test_defaults(void)
{
  g_autoptr(WtConfig) c = wt_config_new();
  g_assert_cmpstr(c->data_dir, ==, "./var");
  g_assert_cmpstr(c->listen, ==, "127.0.0.1");
  g_assert_cmpuint(c->port, ==, 8080);
  g_assert_cmpuint(c->max_message_bytes, ==, 65536);
  g_assert_cmpuint(c->workers, ==, 0);
  g_assert_cmpfloat(c->messages_per_second, ==, 20);
  g_assert_cmpstr(c->tls_cert, ==, "");
  g_autofree char *secret = wt_config_token_secret_path(c);
  g_assert_cmpstr(secret, ==, "./var/secrets/token.key");
}

static void
test_file_and_override(void)
{
  g_autofree char *path = write_temp("[http]\nport=9000\nlisten=0.0.0.0\n"
                                     "[limits]\nmessages_per_second=2.5\n"
                                     "[tokens]\nsecret_file=/etc/witness/token.key\n");
  g_autoptr(WtConfig) c = wt_config_new();
  g_autoptr(GError) error = NULL;
  g_assert_true(wt_config_load_file(c, path, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(c->port, ==, 9000);
  g_assert_cmpstr(c->listen, ==, "0.0.0.0");
  g_assert_cmpfloat(c->messages_per_second, ==, 2.5);
  g_autofree char *secret = wt_config_token_secret_path(c);
  g_assert_cmpstr(secret, ==, "/etc/witness/token.key");
  g_assert_true(wt_config_set(c, "http", "port", "0", &error));
  g_assert_cmpuint(c->port, ==, 0);
  g_unlink(path);
}

static void
assert_file_refused(const char *content, const char *mention)
{
  g_autofree char *path = write_temp(content);
  g_autoptr(WtConfig) c = wt_config_new();
  g_autoptr(GError) error = NULL;
  g_assert_false(wt_config_load_file(c, path, &error));
  g_assert_nonnull(error);
  g_test_message("%s", error->message);
  g_assert_nonnull(strstr(error->message, mention));
  g_assert_nonnull(strstr(error->message, path));
  g_unlink(path);
}

static void
test_errors(void)
{
  assert_file_refused("[http]\nprot=80\n", "[http] prot");
  assert_file_refused("[htp]\nport=80\n", "[htp] port");
  assert_file_refused("[http]\nport=eighty\n", "[http] port");
  assert_file_refused("[http]\nport=70000\n", "[http] port");
  assert_file_refused("[http]\nport=-1\n", "[http] port");
  assert_file_refused("[limits]\nmessages_per_second=0\n", "messages_per_second");
  assert_file_refused("[notary]\nurl=notaurl\n", "[notary] url");
  assert_file_refused("[notary]\ntsa_url=ftp://tsa.example\n", "[notary] tsa_url");
  assert_file_refused("this is not a key file\n", "");
}

static void
test_print_roundtrip(void)
{
  g_autoptr(WtConfig) c = wt_config_new();
  g_assert_true(wt_config_set(c, "server", "data_dir", "/srv/witness data", NULL));
  g_assert_true(wt_config_set(c, "limits", "idle_timeout", "90", NULL));
  g_autofree char *text = wt_config_to_string(c);
  g_assert_nonnull(strstr(text, "[server]"));
  g_assert_nonnull(strstr(text, "[http]"));
  g_assert_nonnull(strstr(text, "[limits]"));
  g_assert_nonnull(strstr(text, "[tokens]"));
  g_autofree char *path = write_temp(text);
  g_autoptr(WtConfig) back = wt_config_new();
  g_autoptr(GError) error = NULL;
  g_assert_true(wt_config_load_file(back, path, &error));
  g_assert_cmpstr(back->data_dir, ==, "/srv/witness data");
  g_assert_cmpuint(back->idle_timeout, ==, 90);
  g_unlink(path);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/config/defaults", test_defaults);
  g_test_add_func("/config/file-and-override", test_file_and_override);
  g_test_add_func("/config/errors", test_errors);
  g_test_add_func("/config/print-roundtrip", test_print_roundtrip);
  return g_test_run();
}
