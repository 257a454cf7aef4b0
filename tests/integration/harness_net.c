/* harness_net.c — the HTTP and WebSocket clients of the integration tests
 * (libsoup 3) and the assertions on protocol replies (see harness.h). Test
 * main thread only.
 */
#include <string.h>

#include "harness.h"
#include "harness_private.h"

static SoupSession *soup_session;
static GTlsCertificate *trusted_cert;

void
wt_it_net_shutdown(void)
{
  g_clear_object(&soup_session);
  g_clear_object(&trusted_cert);
}

/* ---- HTTP ---------------------------------------------------------------- */

static gboolean
on_accept_certificate(SoupMessage *msg, GTlsCertificate *cert, GTlsCertificateFlags errors,
                      gpointer data)
{
  return trusted_cert && g_tls_certificate_is_same(cert, trusted_cert);
}

void
wt_it_trust_certificate(const char *pem_path)
{
  g_autoptr(GError) error = NULL;
  g_clear_object(&trusted_cert);
  if (!pem_path)
    return;
  trusted_cert = g_tls_certificate_new_from_file(pem_path, &error);
  g_assert_no_error(error);
}

SoupSession *
wt_it_soup_session(void)
{
  if (!soup_session) {
    /* No proxy resolver: tests talk to 127.0.0.1 only, and a desktop proxy
     * setting in the environment must not get in between. */
    soup_session = soup_session_new_with_options("proxy-resolver", NULL, "timeout", 30,
                                                 "idle-timeout", 5, NULL);
  }
  return soup_session;
}

static SoupMessage *
new_message(const char *url)
{
  SoupMessage *msg = soup_message_new("GET", url);
  g_assert_nonnull(msg);
  g_signal_connect(msg, "accept-certificate", G_CALLBACK(on_accept_certificate), NULL);
  return msg;
}

guint
wt_it_http_get(const char *base_url, const char *path, char **body, char **content_type)
{
  g_autofree char *url = g_strconcat(base_url, path, NULL);
  g_autoptr(SoupMessage) msg = new_message(url);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = soup_session_send_and_read(wt_it_soup_session(), msg, NULL, &error);
  if (!bytes) {
    g_test_message("GET %s: %s", url, error->message);
    return 0;
  }
  if (body) {
    gsize len = 0;
    const char *data = g_bytes_get_data(bytes, &len);
    *body = g_strndup(data, len);
  }
  if (content_type)
    *content_type = g_strdup(
        soup_message_headers_get_one(soup_message_get_response_headers(msg), "Content-Type"));
  return soup_message_get_status(msg);
}

void
wt_it_assert_healthy(WtItDaemon *d)
{
  g_autofree char *body = NULL;
  guint status = wt_it_http_get(wt_it_daemon_url(d), "/healthz", &body, NULL);
  g_assert_cmpuint(status, ==, 200);
  g_assert_cmpstr(g_strstrip(body), ==, "ok");
}

char *
wt_it_raw_http(guint16 port, const char *request)
{
  g_autoptr(GSocketClient) client = g_socket_client_new();
  g_socket_client_set_timeout(client, 10);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) conn =
      g_socket_client_connect_to_host(client, "127.0.0.1", port, NULL, &error);
  g_assert_no_error(error);
  GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(conn));
  g_output_stream_write_all(out, request, strlen(request), NULL, NULL, &error);
  g_assert_no_error(error);
  GInputStream *in = g_io_stream_get_input_stream(G_IO_STREAM(conn));
  GString *response = g_string_new(NULL);
  char buf[4096];
  gssize n;
  while ((n = g_input_stream_read(in, buf, sizeof buf, NULL, &error)) > 0)
    g_string_append_len(response, buf, n);
  /* A reset after the answer is fine; what matters is what was served. */
  if (error)
    g_test_message("raw HTTP read ended with: %s", error->message);
  return g_string_free(response, FALSE);
}

/* ---- WebSocket ----------------------------------------------------------- */

struct _WtItWs {
  SoupWebsocketConnection *conn;
  GQueue messages; /* char*, not yet taken */
  guint received;
  gboolean closed;
  gushort close_code;
  char *close_reason;
};

static void
on_ws_message(SoupWebsocketConnection *conn, gint type, GBytes *message, gpointer data)
{
  WtItWs *ws = data;
  gsize len = 0;
  const char *bytes = g_bytes_get_data(message, &len);
  g_queue_push_tail(&ws->messages, g_strndup(bytes, len));
  ws->received++;
}

static void
on_ws_closed(SoupWebsocketConnection *conn, gpointer data)
{
  WtItWs *ws = data;
  ws->closed = TRUE;
  ws->close_code = soup_websocket_connection_get_close_code(conn);
  ws->close_reason = g_strdup(soup_websocket_connection_get_close_data(conn));
}

static void
on_ws_error(SoupWebsocketConnection *conn, GError *error, gpointer data)
{
  g_test_message("WebSocket error: %s", error->message);
}

WtItWs *
wt_it_ws_open(const char *base_url, const char *path, GError **error)
{
  g_autofree char *url = g_strconcat(base_url, path, NULL);
  g_autoptr(SoupMessage) msg = new_message(url);
  WtItPending p = {0};
  g_autoptr(GCancellable) cancel = g_cancellable_new();
  soup_session_websocket_connect_async(wt_it_soup_session(), msg, NULL, NULL, G_PRIORITY_DEFAULT,
                                       cancel, wt_it_pending_complete, &p);
  if (!wt_it_wait_until(wt_it_flag_is_set, &p.done, WT_IT_REPLY_TIMEOUT_MS)) {
    g_cancellable_cancel(cancel);
    wt_it_wait_until(wt_it_flag_is_set, &p.done, 10000);
    g_assert_true(p.done);
  }
  SoupWebsocketConnection *conn =
      soup_session_websocket_connect_finish(wt_it_soup_session(), p.result, error);
  g_clear_object(&p.result);
  if (!conn)
    return NULL;
  WtItWs *ws = g_new0(WtItWs, 1);
  ws->conn = conn;
  g_queue_init(&ws->messages);
  /* No limit on what we accept: the tests judge the server's sizes themselves. */
  soup_websocket_connection_set_max_incoming_payload_size(conn, 0);
  soup_websocket_connection_set_keepalive_interval(conn, 0);
  g_signal_connect(conn, "message", G_CALLBACK(on_ws_message), ws);
  g_signal_connect(conn, "closed", G_CALLBACK(on_ws_closed), ws);
  g_signal_connect(conn, "error", G_CALLBACK(on_ws_error), ws);
  return ws;
}

WtItWs *
wt_it_ws_connect(WtItDaemon *d)
{
  g_autoptr(GError) error = NULL;
  WtItWs *ws = wt_it_ws_open(wt_it_daemon_url(d), "/ws", &error);
  g_assert_no_error(error);
  return ws;
}

static char *
hello_text(const char *token)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "type");
  json_builder_add_string_value(b, "hello");
  json_builder_set_member_name(b, "id");
  json_builder_add_int_value(b, 1);
  json_builder_set_member_name(b, "token");
  json_builder_add_string_value(b, token);
  json_builder_end_object(b);
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  return json_to_string(root, FALSE);
}

WtItWs *
wt_it_ws_hello(WtItDaemon *d, const char *token, JsonObject **result)
{
  WtItWs *ws = wt_it_ws_connect(d);
  g_autofree char *text = hello_text(token);
  g_autoptr(JsonObject) reply = wt_it_ws_request(ws, text);
  JsonObject *r = wt_it_assert_result(reply, 1);
  if (result)
    *result = json_object_ref(r);
  return ws;
}

static gboolean
ws_closed(gpointer data)
{
  return ((WtItWs *)data)->closed;
}

void
wt_it_ws_free(WtItWs *ws)
{
  if (!ws)
    return;
  if (!ws->closed && soup_websocket_connection_get_state(ws->conn) == SOUP_WEBSOCKET_STATE_OPEN) {
    soup_websocket_connection_close(ws->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    wt_it_wait_until(ws_closed, ws, 5000);
  }
  g_signal_handlers_disconnect_by_data(ws->conn, ws);
  g_object_unref(ws->conn);
  g_queue_clear_full(&ws->messages, g_free);
  g_free(ws->close_reason);
  g_free(ws);
}

gboolean
wt_it_ws_send(WtItWs *ws, const char *text)
{
  if (soup_websocket_connection_get_state(ws->conn) != SOUP_WEBSOCKET_STATE_OPEN)
    return FALSE;
  soup_websocket_connection_send_text(ws->conn, text);
  return TRUE;
}

void
wt_it_ws_send_binary(WtItWs *ws, gconstpointer data, gsize len)
{
  g_assert_false(ws->closed);
  soup_websocket_connection_send_binary(ws->conn, data, len);
}

static gboolean
ws_has_news(gpointer data)
{
  WtItWs *ws = data;
  return ws->closed || !g_queue_is_empty(&ws->messages);
}

WtItWsEvent
wt_it_ws_next(WtItWs *ws, guint timeout_ms, char **text)
{
  wt_it_wait_until(ws_has_news, ws, timeout_ms);
  if (!g_queue_is_empty(&ws->messages)) {
    char *head = g_queue_pop_head(&ws->messages);
    if (text)
      *text = head;
    else
      g_free(head);
    return WT_IT_WS_MESSAGE;
  }
  return ws->closed ? WT_IT_WS_CLOSED : WT_IT_WS_TIMEOUT;
}

JsonObject *
wt_it_ws_recv(WtItWs *ws)
{
  g_autofree char *text = NULL;
  WtItWsEvent ev = wt_it_ws_next(ws, WT_IT_REPLY_TIMEOUT_MS, &text);
  if (ev == WT_IT_WS_CLOSED)
    g_test_message("connection closed instead of a reply: %u %s", ws->close_code, ws->close_reason);
  g_assert_cmpint(ev, ==, WT_IT_WS_MESSAGE);
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) error = NULL;
  json_parser_load_from_data(parser, text, -1, &error);
  g_assert_no_error(error);
  JsonNode *root = json_parser_get_root(parser);
  g_assert_true(root && JSON_NODE_HOLDS_OBJECT(root));
  return json_object_ref(json_node_get_object(root));
}

JsonObject *
wt_it_ws_request(WtItWs *ws, const char *text)
{
  wt_it_ws_send(ws, text);
  return wt_it_ws_recv(ws);
}

gboolean
wt_it_ws_wait_closed(WtItWs *ws, guint timeout_ms)
{
  wt_it_wait_until(ws_closed, ws, timeout_ms);
  return ws->closed;
}

gboolean
wt_it_ws_is_closed(WtItWs *ws)
{
  return ws->closed;
}

gushort
wt_it_ws_close_code(WtItWs *ws)
{
  return ws->close_code;
}

const char *
wt_it_ws_close_reason(WtItWs *ws)
{
  return ws->close_reason ? ws->close_reason : "";
}

guint
wt_it_ws_received_count(WtItWs *ws)
{
  return ws->received;
}

/* ---- Assertions ---------------------------------------------------------- */

const char *
wt_it_get_string(JsonObject *obj, const char *name)
{
  JsonNode *n = json_object_get_member(obj, name);
  if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string(n);
}

static char *
to_text(JsonObject *obj)
{
  g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), obj);
  return json_to_string(node, FALSE);
}

static void
fail(const char *file, int line, const char *func, JsonObject *reply, const char *what)
{
  g_autofree char *text = to_text(reply);
  g_autofree char *message = g_strdup_printf("%s, got %s", what, text);
  g_assertion_message(G_LOG_DOMAIN, file, line, func, message);
}

static gboolean
id_matches(JsonObject *reply, gint64 id)
{
  JsonNode *n = json_object_get_member(reply, "id");
  if (id < 0)
    return n && JSON_NODE_HOLDS_NULL(n);
  return n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_INT64 &&
         json_node_get_int(n) == id;
}

JsonObject *
wt_it_check_result(JsonObject *reply, gint64 id, const char *file, int line, const char *func)
{
  g_autofree char *what = g_strdup_printf("expected a result for id %" G_GINT64_FORMAT, id);
  JsonNode *result = json_object_get_member(reply, "result");
  if (g_strcmp0(wt_it_get_string(reply, "type"), "result") != 0 || !id_matches(reply, id) ||
      !result || !JSON_NODE_HOLDS_OBJECT(result))
    fail(file, line, func, reply, what);
  return json_node_get_object(result);
}

void
wt_it_check_error(JsonObject *reply, gint64 id, const char *code, const char *file, int line,
                  const char *func)
{
  g_autofree char *what = g_strdup_printf("expected error `%s` for id %" G_GINT64_FORMAT, code, id);
  const char *reason = wt_it_get_string(reply, "reason");
  if (g_strcmp0(wt_it_get_string(reply, "type"), "error") != 0 || !id_matches(reply, id) ||
      g_strcmp0(wt_it_get_string(reply, "code"), code) != 0 || !reason || !*reason)
    fail(file, line, func, reply, what);
}
