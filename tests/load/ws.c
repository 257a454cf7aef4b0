/* ws.c — one JSON-over-WebSocket connection of the load peer (libsoup 3):
 * witnessd's /ws and Janus's WebSocket transport both carry one JSON object
 * per text frame. Main thread (the default GMainContext). */
#include "load.h"

struct _LoadWs {
  SoupWebsocketConnection *conn;
  GCancellable *cancel;
  const LoadWsCallbacks *callbacks;
  gpointer user_data;
  gulong message_id, closed_id;
};

static void
on_message(SoupWebsocketConnection *conn, gint type, GBytes *bytes, gpointer user_data)
{
  LoadWs *ws = user_data;
  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    return;
  gsize len = 0;
  const char *text = g_bytes_get_data(bytes, &len);
  g_autoptr(JsonParser) parser = json_parser_new_immutable();
  if (!json_parser_load_from_data(parser, text, (gssize)len, NULL))
    return;
  JsonNode *root = json_parser_get_root(parser);
  if (root && JSON_NODE_HOLDS_OBJECT(root))
    ws->callbacks->message(ws, json_node_get_object(root), ws->user_data);
}

static void
on_closed(SoupWebsocketConnection *conn, gpointer user_data)
{
  LoadWs *ws = user_data;
  const char *reason = soup_websocket_connection_get_close_data(conn);
  g_autofree char *why = g_strdup_printf("the WebSocket closed (code %u%s%s)",
                                         soup_websocket_connection_get_close_code(conn),
                                         reason && *reason ? ": " : "", reason ? reason : "");
  ws->callbacks->closed(ws, why, ws->user_data);
}

static void
on_connected(GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  SoupWebsocketConnection *conn =
      soup_session_websocket_connect_finish(SOUP_SESSION(source), result, &error);
  if (!conn) {
    if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      return; /* load_ws_free() ran: @user_data is gone */
    LoadWs *ws = user_data;
    g_autofree char *why = g_strdup_printf("cannot connect the WebSocket: %s", error->message);
    ws->callbacks->closed(ws, why, ws->user_data);
    return;
  }
  LoadWs *ws = user_data;
  ws->conn = conn;
  /* Offers with many m-sections and Janus events can be large. */
  soup_websocket_connection_set_max_incoming_payload_size(conn, 1024 * 1024);
  soup_websocket_connection_set_keepalive_interval(conn, 0);
  ws->message_id = g_signal_connect(conn, "message", G_CALLBACK(on_message), ws);
  ws->closed_id = g_signal_connect(conn, "closed", G_CALLBACK(on_closed), ws);
  ws->callbacks->open(ws, ws->user_data);
}

LoadWs *
load_ws_open(SoupSession *soup, const char *url, const char *protocol,
             const LoadWsCallbacks *callbacks, gpointer user_data)
{
  LoadWs *ws = g_new0(LoadWs, 1);
  ws->callbacks = callbacks;
  ws->user_data = user_data;
  ws->cancel = g_cancellable_new();
  g_autoptr(SoupMessage) msg = soup_message_new(SOUP_METHOD_GET, url);
  const char *protocols[] = {protocol, NULL};
  soup_session_websocket_connect_async(soup, msg, NULL, protocol ? (char **)protocols : NULL,
                                       G_PRIORITY_DEFAULT, ws->cancel, on_connected, ws);
  return ws;
}

void
load_ws_send(LoadWs *ws, JsonObject *msg)
{
  g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), msg);
  json_object_unref(msg);
  if (!ws->conn || soup_websocket_connection_get_state(ws->conn) != SOUP_WEBSOCKET_STATE_OPEN)
    return;
  g_autofree char *text = json_to_string(node, FALSE);
  soup_websocket_connection_send_text(ws->conn, text);
}

void
load_ws_free(LoadWs *ws)
{
  if (!ws)
    return;
  g_cancellable_cancel(ws->cancel);
  g_object_unref(ws->cancel);
  if (ws->conn) {
    g_signal_handler_disconnect(ws->conn, ws->message_id);
    g_signal_handler_disconnect(ws->conn, ws->closed_id);
    if (soup_websocket_connection_get_state(ws->conn) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close(ws->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    g_object_unref(ws->conn);
  }
  g_free(ws);
}
