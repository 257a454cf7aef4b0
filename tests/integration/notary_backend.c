/* notary_backend.c — scripts/notary-backend as a test's child (see
 * notary_backend.h). Main thread of the test only. */
#include "notary_backend.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "harness.h"

struct _WtItBackend {
  GSubprocess *proc;
  guint16 port;
  char *base, *url;
};

static void
die_with_parent(gpointer unused)
{
  prctl(PR_SET_PDEATHSIG, SIGKILL);
}

WtItBackend *
wt_it_backend_start(const char *data_dir, guint16 port)
{
  const char *root = g_getenv("WT_SOURCE_ROOT");
  g_assert_nonnull(root);
  g_autofree char *script = g_build_filename(root, "scripts", "notary-backend", NULL);
  g_autofree char *port_text = g_strdup_printf("%u", port);
  const char *argv[] = {"python3", script, "--data", data_dir, "--port", port_text, NULL};
  g_autoptr(GSubprocessLauncher) launcher =
      g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup(launcher, die_with_parent, NULL, NULL);
  g_autoptr(GError) error = NULL;
  WtItBackend *b = g_new0(WtItBackend, 1);
  b->proc = g_subprocess_launcher_spawnv(launcher, argv, &error);
  g_assert_no_error(error);
  g_autoptr(GDataInputStream) out = g_data_input_stream_new(g_subprocess_get_stdout_pipe(b->proc));
  g_autofree char *line = g_data_input_stream_read_line(out, NULL, NULL, &error);
  g_assert_no_error(error);
  g_assert_nonnull(line);
  const char *colon = strrchr(line, ':');
  g_assert_true(g_str_has_prefix(line, "listening on http://127.0.0.1:") && colon);
  b->port = (guint16)g_ascii_strtoull(colon + 1, NULL, 10);
  g_assert_cmpuint(b->port, >, 0);
  if (port)
    g_assert_cmpuint(b->port, ==, port);
  b->base = g_strdup_printf("http://127.0.0.1:%u", b->port);
  b->url = g_strconcat(b->base, "/seals", NULL);
  return b;
}

void
wt_it_backend_free(WtItBackend *b)
{
  if (!b)
    return;
  g_subprocess_force_exit(b->proc);
  g_subprocess_wait(b->proc, NULL, NULL);
  g_object_unref(b->proc);
  g_free(b->base);
  g_free(b->url);
  g_free(b);
}

guint16
wt_it_backend_port(WtItBackend *b)
{
  return b->port;
}

const char *
wt_it_backend_url(WtItBackend *b)
{
  return b->url;
}

void
wt_it_backend_control(WtItBackend *b, const char *json)
{
  g_autofree char *url = g_strconcat(b->base, "/_control", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new("POST", url);
  g_autoptr(GBytes) body = g_bytes_new(json, strlen(json));
  soup_message_set_request_body_from_bytes(msg, "application/json", body);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) reply = soup_session_send_and_read(wt_it_soup_session(), msg, NULL, &error);
  g_assert_no_error(error);
  g_assert_nonnull(reply);
  g_assert_cmpuint(soup_message_get_status(msg), ==, 200);
}

JsonArray *
wt_it_backend_items(WtItBackend *b)
{
  g_autofree char *body = NULL;
  g_assert_cmpuint(wt_it_http_get(b->base, "/seals", &body, NULL), ==, 200);
  g_autoptr(JsonNode) node = json_from_string(body, NULL);
  g_assert_nonnull(node);
  return json_array_ref(json_object_get_array_member(json_node_get_object(node), "items"));
}

guint
wt_it_backend_count(WtItBackend *b, const char *kind)
{
  g_autoptr(JsonArray) items = wt_it_backend_items(b);
  guint n = 0;
  for (guint i = 0; i < json_array_get_length(items); i++) {
    JsonObject *item =
        json_object_get_object_member(json_array_get_object_element(items, i), "item");
    if (!kind || g_strcmp0(json_object_get_string_member(item, "kind"), kind) == 0)
      n++;
  }
  return n;
}

guint16
wt_it_free_port(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) s =
      g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error(error);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new(lo, 0);
  g_assert_true(g_socket_bind(s, any, TRUE, &error));
  g_autoptr(GSocketAddress) bound = g_socket_get_local_address(s, &error);
  g_assert_no_error(error);
  return g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
}
