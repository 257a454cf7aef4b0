/* ws.c — one /ws connection: receive, authenticate, dispatch, send, close.
 *
 * Each libwebsockets reason goes to a named function. The rules a client can
 * count on: a message over max_message_bytes closes with 1009, more than the
 * rate limit closes with 1008, every request gets exactly one reply, nothing
 * but hello (and ping) is served before hello succeeds, and a connection that
 * has not said hello within hello_timeout_s is closed with 1008. Writes happen
 * only when libwebsockets says the socket is writable; when a client stops
 * reading, we stop reading from it (backpressure). Signaling thread only.
 */
#include <string.h>

#include "request.h"
#include "signaling_private.h"
#include "wt-build-config.h"

static void
session_free(WtSession *session)
{
  if (session->hello_timer) {
    g_source_destroy(session->hello_timer);
    g_source_unref(session->hello_timer);
  }
  g_queue_clear_full(&session->outq, (GDestroyNotify)g_bytes_unref);
  g_byte_array_unref(session->rx);
  wt_identity_free(session->who);
  g_free(session->close_reason);
  g_free(session);
}

void
wt_session_send(WtSession *session, char *json)
{
  gsize len = strlen(json);
  guint8 *buf = g_malloc(LWS_PRE + len);
  memcpy(buf + LWS_PRE, json, len);
  g_free(json);
  g_queue_push_tail(&session->outq, g_bytes_new_take(buf, LWS_PRE + len));
  session->out_bytes += len;

  const WtSignalingConfig *cfg = &session->sig->config;
  if (session->out_bytes > cfg->max_queued_bytes && !session->rx_paused) {
    session->rx_paused = TRUE;
    lws_rx_flow_control(session->wsi, 0);
  }
  if (session->out_bytes > 8 * (gsize)cfg->max_queued_bytes && !session->close_status) {
    g_message("session %" G_GUINT64_FORMAT ": client is not reading; closing", session->id);
    wt_session_close_later(session, LWS_CLOSE_STATUS_POLICY_VIOLATION,
                           "client is not reading its messages");
  }
  lws_callback_on_writable(session->wsi);
}

void
wt_session_close_later(WtSession *session, int status, const char *reason)
{
  if (session->close_status)
    return;
  session->close_status = status;
  session->close_reason = g_strdup(reason);
  lws_callback_on_writable(session->wsi);
}

static void
reply_error(WtSession *session, JsonNode *id, const char *code, const char *reason)
{
  wt_signaling_count(session->sig->errors_by_code, code);
  wt_session_send(session, wt_protocol_error(id, code, reason));
}

static gboolean
hello_timeout(gpointer data)
{
  WtSession *session = data;
  g_message("session %" G_GUINT64_FORMAT " from %s: no hello within %u s; closing", session->id,
            session->peer, session->sig->config.hello_timeout_s);
  wt_signaling_count(session->sig->closes_by_reason, "hello-timeout");
  g_autofree char *reason =
      g_strdup_printf("no hello within %u s", session->sig->config.hello_timeout_s);
  wt_session_close_later(session, LWS_CLOSE_STATUS_POLICY_VIOLATION, reason);
  g_source_unref(session->hello_timer);
  session->hello_timer = NULL;
  return G_SOURCE_REMOVE;
}

static int
on_filter(struct lws *wsi, WtSignaling *sig)
{
  char uri[64] = "";
  if (lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) < 0 || strcmp(uri, "/ws") != 0)
    return 1; /* refuse the upgrade: WebSocket lives at /ws only */
  if (sig->stopping || g_hash_table_size(sig->sessions) >= sig->config.max_connections) {
    g_warning("refusing WebSocket: %u connections already open (limit %u)",
              g_hash_table_size(sig->sessions), sig->config.max_connections);
    wt_signaling_count(sig->closes_by_reason, "too-many-connections");
    return 1;
  }
  return 0;
}

static int
on_established(struct lws *wsi, WtSignaling *sig, WtConnData *conn)
{
  WtSession *session = g_new0(WtSession, 1);
  session->id = sig->next_session_id++;
  session->sig = sig;
  session->wsi = wsi;
  session->rx = g_byte_array_new();
  g_queue_init(&session->outq);
  lws_get_peer_simple(wsi, session->peer, sizeof session->peer);
  wt_rate_limit_init(&session->rate, sig->config.messages_per_second, sig->config.message_burst,
                     g_get_monotonic_time());
  /* Milliseconds: the _seconds variant may fire up to a second early. */
  session->hello_timer = g_timeout_source_new(sig->config.hello_timeout_s * 1000);
  g_source_set_callback(session->hello_timer, hello_timeout, session, NULL);
  g_source_attach(session->hello_timer, sig->context);
  conn->session = session;
  g_hash_table_insert(sig->sessions, &session->id, session);
  sig->connections_total++;
  g_debug("session %" G_GUINT64_FORMAT " from %s: connected", session->id, session->peer);
  return 0;
}

static void
handle_hello(WtSession *session, WtMessage *msg)
{
  WtSignaling *sig = session->sig;
  if (session->who) {
    reply_error(session, msg->id, WT_ERR_ALREADY_AUTHENTICATED,
                "this connection has already said hello");
    return;
  }
  g_autofree char *reason = NULL;
  const char *token = wt_message_get_string(msg, "token", WT_TOKEN_MAX_LEN, &reason);
  if (!token) {
    reply_error(session, msg->id, WT_ERR_BAD_MESSAGE, reason);
    return;
  }
  g_autoptr(GError) error = NULL;
  gsize secret_len = 0;
  const guint8 *secret = g_bytes_get_data(sig->token_secret, &secret_len);
  WtIdentity *who = wt_token_verify(token, secret, secret_len, g_get_real_time() / G_USEC_PER_SEC,
                                    &error);
  if (!who) {
    g_message("session %" G_GUINT64_FORMAT " from %s: hello refused: %s", session->id,
              session->peer, error->message);
    reply_error(session, msg->id, wt_token_error_code(error->code), error->message);
    return;
  }
  session->who = who;
  if (session->hello_timer) {
    g_source_destroy(session->hello_timer);
    g_clear_pointer(&session->hello_timer, g_source_unref);
  }
  g_message("session %" G_GUINT64_FORMAT " from %s: hello from %s as %s", session->id,
            session->peer, who->sub, wt_role_to_string(who->role));

  JsonObject *result = json_object_new();
  g_autofree char *participant = wt_signaling_participant_id(sig, who->sub);
  g_autofree char *session_name = g_strdup_printf("s%" G_GUINT64_FORMAT, session->id);
  json_object_set_string_member(result, "participant", participant);
  json_object_set_string_member(result, "session", session_name);
  json_object_set_string_member(result, "sub", who->sub);
  json_object_set_string_member(result, "role", wt_role_to_string(who->role));
  if (who->room)
    json_object_set_string_member(result, "room", who->room);
  json_object_set_int_member(result, "expires", who->exp);
  json_object_set_string_member(result, "server", "witness " WT_VERSION);
  wt_session_send(session, wt_protocol_result(msg->id, result));
  if (sig->handlers.session_opened)
    sig->handlers.session_opened(session->id, who, sig->user_data);
}

static void
handle_message(WtSession *session, const char *data, gsize len)
{
  WtSignaling *sig = session->sig;
  sig->messages_total++;
  const char *code = NULL;
  g_autofree char *reason = NULL;
  g_autoptr(JsonNode) id = NULL;
  WtMessage *msg = wt_protocol_parse(data, len, &code, &reason, &id);
  if (!msg) {
    reply_error(session, id, code, reason);
    return;
  }
  if (strcmp(msg->type, "hello") == 0) {
    handle_hello(session, msg);
  } else if (!session->who) {
    reply_error(session, msg->id, WT_ERR_NOT_AUTHENTICATED,
                "say hello with a token before anything else");
  } else if (strcmp(msg->type, "ping") == 0) {
    JsonObject *result = json_object_new();
    json_object_set_int_member(result, "time", g_get_real_time() / 1000);
    wt_session_send(session, wt_protocol_result(msg->id, result));
  } else if (sig->handlers.request) {
    /* The request owns msg; keep what an unknown-type error needs. */
    g_autoptr(JsonNode) request_id = json_node_copy(msg->id);
    g_autofree char *why = g_strdup_printf("unknown request type `%s`", msg->type);
    WtRequest *req = wt_request_new(session->id, session->who, msg);
    if (!sig->handlers.request(req, sig->user_data)) {
      wt_request_free(req);
      reply_error(session, request_id, WT_ERR_UNKNOWN_TYPE, why);
    }
    return;
  } else {
    g_autofree char *why = g_strdup_printf("unknown request type `%s`", msg->type);
    reply_error(session, msg->id, WT_ERR_UNKNOWN_TYPE, why);
  }
  wt_message_free(msg);
}

static int
on_receive(struct lws *wsi, WtSession *session, const void *in, size_t len)
{
  WtSignaling *sig = session->sig;
  if (session->close_status)
    return 0; /* closing: ignore whatever still arrives */
  if (session->rx->len + len > sig->config.max_message_bytes) {
    g_message("session %" G_GUINT64_FORMAT " from %s: message over %u bytes; closing",
              session->id, session->peer, sig->config.max_message_bytes);
    wt_signaling_count(sig->closes_by_reason, "message-too-large");
    char reason[64];
    int n = g_snprintf(reason, sizeof reason, "message exceeds %u bytes",
                       sig->config.max_message_bytes);
    lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, (unsigned char *)reason, (size_t)n);
    return -1;
  }
  g_byte_array_append(session->rx, in, (guint)len);
  if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi) > 0)
    return 0;

  if (!wt_rate_limit_take(&session->rate, g_get_monotonic_time())) {
    g_message("session %" G_GUINT64_FORMAT " from %s: over %g messages/s; closing", session->id,
              session->peer, sig->config.messages_per_second);
    wt_signaling_count(sig->closes_by_reason, "rate-limited");
    g_autofree char *reason =
        g_strdup_printf("rate limit: more than %g messages a second", sig->config.messages_per_second);
    wt_session_close_later(session, LWS_CLOSE_STATUS_POLICY_VIOLATION, reason);
  } else if (lws_frame_is_binary(wsi)) {
    reply_error(session, NULL, WT_ERR_BAD_MESSAGE, "binary messages are not accepted; send JSON text");
  } else {
    handle_message(session, (const char *)session->rx->data, session->rx->len);
  }
  g_byte_array_set_size(session->rx, 0);
  return 0;
}

static int
on_writeable(struct lws *wsi, WtSession *session)
{
  GBytes *next = g_queue_pop_head(&session->outq);
  if (next) {
    gsize size = 0;
    guint8 *buf = (guint8 *)g_bytes_get_data(next, &size);
    size_t len = size - LWS_PRE;
    int written = lws_write(wsi, buf + LWS_PRE, len, LWS_WRITE_TEXT);
    g_bytes_unref(next);
    session->out_bytes -= len;
    if (written < (int)len)
      return -1;
  }
  if (session->rx_paused && session->out_bytes <= session->sig->config.max_queued_bytes / 2) {
    session->rx_paused = FALSE;
    lws_rx_flow_control(wsi, 1);
  }
  if (!g_queue_is_empty(&session->outq)) {
    lws_callback_on_writable(wsi);
  } else if (session->close_status) {
    const char *reason = session->close_reason ? session->close_reason : "";
    lws_close_reason(wsi, (enum lws_close_status)session->close_status, (unsigned char *)reason,
                     MIN(strlen(reason), 120));
    return -1;
  }
  return 0;
}

static void
on_closed(WtSession *session)
{
  WtSignaling *sig = session->sig;
  g_hash_table_remove(sig->sessions, &session->id);
  if (session->who) {
    g_message("session %" G_GUINT64_FORMAT " (%s): closed", session->id, session->who->sub);
    if (sig->handlers.session_closed)
      sig->handlers.session_closed(session->id, sig->user_data);
  }
  session_free(session);
}

int
wt_ws_callback(struct lws *wsi, enum lws_callback_reasons reason, WtConnData *conn, void *in,
               size_t len)
{
  WtSignaling *sig = lws_context_user(lws_get_context(wsi));
  switch (reason) {
  case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
    return on_filter(wsi, sig);
  case LWS_CALLBACK_ESTABLISHED:
    return on_established(wsi, sig, conn);
  case LWS_CALLBACK_RECEIVE:
    return conn->session ? on_receive(wsi, conn->session, in, len) : -1;
  case LWS_CALLBACK_SERVER_WRITEABLE:
    return conn->session ? on_writeable(wsi, conn->session) : 0;
  case LWS_CALLBACK_CLOSED:
    if (conn->session)
      on_closed(g_steal_pointer(&conn->session));
    return 0;
  default:
    return 0;
  }
}
