/* http.c — the plain HTTP endpoints next to the static files: /healthz,
 * /metrics (Prometheus text format) and GET /api/… (JSON, answered by the
 * daemon's api_get handler once the bearer token, if any, is verified here).
 * /media/ is handed to http_media.c.
 * Each answer is small, built whole, and written when the socket is
 * writable. Signaling thread only.
 */
#include <string.h>

#include "signaling_private.h"
#include "wt-build-config.h"

static void
append_counter_table(GString *out, const char *name, const char *label, const char *help,
                     GHashTable *table)
{
  g_string_append_printf(out, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
  GHashTableIter iter;
  gpointer key, value;
  g_hash_table_iter_init(&iter, table);
  while (g_hash_table_iter_next(&iter, &key, &value))
    g_string_append_printf(out, "%s{%s=\"%s\"} %" G_GSIZE_FORMAT "\n", name, label,
                           (const char *)key, GPOINTER_TO_SIZE(value));
}

static GBytes *
metrics_body(WtSignaling *sig)
{
  GString *out = g_string_new(NULL);
  g_string_append_printf(out,
                         "# HELP witness_build_info Version of this witnessd.\n"
                         "# TYPE witness_build_info gauge\n"
                         "witness_build_info{version=\"%s\"} 1\n",
                         WT_VERSION);
  g_string_append_printf(out,
                         "# HELP witness_ws_connections WebSocket connections open now.\n"
                         "# TYPE witness_ws_connections gauge\n"
                         "witness_ws_connections %u\n",
                         g_hash_table_size(sig->sessions));
  g_string_append_printf(out,
                         "# HELP witness_ws_connections_total WebSocket connections accepted.\n"
                         "# TYPE witness_ws_connections_total counter\n"
                         "witness_ws_connections_total %" G_GUINT64_FORMAT "\n",
                         sig->connections_total);
  g_string_append_printf(out,
                         "# HELP witness_ws_messages_total WebSocket messages received whole.\n"
                         "# TYPE witness_ws_messages_total counter\n"
                         "witness_ws_messages_total %" G_GUINT64_FORMAT "\n",
                         sig->messages_total);
  g_string_append_printf(out,
                         "# HELP witness_http_requests_total Requests to /healthz and /metrics.\n"
                         "# TYPE witness_http_requests_total counter\n"
                         "witness_http_requests_total %" G_GUINT64_FORMAT "\n",
                         sig->http_requests_total);
  append_counter_table(out, "witness_ws_errors_total", "code", "Error replies sent, by code.",
                       sig->errors_by_code);
  append_counter_table(out, "witness_ws_closed_total", "reason",
                       "Connections closed by the server, by reason.", sig->closes_by_reason);
  if (sig->handlers.append_metrics)
    sig->handlers.append_metrics(out, sig->user_data);
  return g_string_free_to_bytes(out);
}

static int
send_headers(struct lws *wsi, unsigned int status, const char *content_type, gsize len)
{
  guint8 buf[LWS_PRE + 512];
  guint8 *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;
  if (lws_add_http_common_headers(wsi, status, content_type, len, &p, end) ||
      lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
                                  (const unsigned char *)"no-store", 8, &p, end) ||
      lws_finalize_write_http_header(wsi, start, &p, end))
    return -1;
  return 0;
}

/* The identity of the request's `Authorization: Bearer` token (transfer
 * full), NULL when there is none or it does not verify. */
static WtIdentity *
bearer_identity(struct lws *wsi, WtSignaling *sig)
{
  static const char prefix[] = "Bearer ";
  int len = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
  if (len <= 0 || len > WT_TOKEN_MAX_LEN + (int)sizeof prefix)
    return NULL;
  g_autofree char *value = g_malloc((gsize)len + 1);
  if (lws_hdr_copy(wsi, value, len + 1, WSI_TOKEN_HTTP_AUTHORIZATION) < 0 ||
      g_ascii_strncasecmp(value, prefix, sizeof prefix - 1) != 0)
    return NULL;
  gsize secret_len = 0;
  const guint8 *secret = g_bytes_get_data(sig->token_secret, &secret_len);
  g_autoptr(GError) error = NULL;
  WtIdentity *who = wt_token_verify(value + sizeof prefix - 1, secret, secret_len,
                                    g_get_real_time() / G_USEC_PER_SEC, &error);
  if (!who)
    g_debug("api: bearer token refused: %s", error->message); /* never the token itself */
  return who;
}

static GBytes *
api_body(struct lws *wsi, WtSignaling *sig, const char *uri, unsigned int *status)
{
  if (!sig->handlers.api_get) {
    *status = HTTP_STATUS_NOT_FOUND;
    return g_bytes_new_static("{\"error\":\"not-found\"}", 21);
  }
  g_autoptr(WtIdentity) who = bearer_identity(wsi, sig);
  guint code = HTTP_STATUS_INTERNAL_SERVER_ERROR;
  char *body = sig->handlers.api_get(uri, who, &code, sig->user_data);
  *status = code;
  return g_bytes_new_take(body, strlen(body));
}

static int
on_http(struct lws *wsi, WtSignaling *sig, WtConnData *conn)
{
  if (wt_http_media_wants(wsi))
    return wt_http_media_begin(wsi, sig, conn);
  char uri[256] = "";
  lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI);
  sig->http_requests_total++;
  unsigned int status = HTTP_STATUS_OK;
  const char *type = "text/plain; charset=utf-8";
  if (!lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI)) {
    status = HTTP_STATUS_METHOD_NOT_ALLOWED;
    conn->http_body = g_bytes_new_static("only GET is served here\n", 24);
  } else if (strcmp(uri, "/healthz") == 0) {
    g_autofree char *why = NULL;
    if (sig->handlers.healthy && !sig->handlers.healthy(&why, sig->user_data)) {
      status = HTTP_STATUS_SERVICE_UNAVAILABLE;
      char *text = g_strdup_printf("degraded: %s\n", why ? why : "unknown");
      conn->http_body = g_bytes_new_take(text, strlen(text));
    } else {
      conn->http_body = g_bytes_new_static("ok\n", 3);
    }
  } else if (g_str_has_prefix(uri, "/api/")) {
    type = "application/json";
    conn->http_body = api_body(wsi, sig, uri, &status);
  } else if (strcmp(uri, "/metrics") == 0) {
    type = "text/plain; version=0.0.4; charset=utf-8";
    conn->http_body = metrics_body(sig);
  } else {
    status = HTTP_STATUS_NOT_FOUND;
    conn->http_body = g_bytes_new_static("not found\n", 10);
  }
  if (send_headers(wsi, status, type, g_bytes_get_size(conn->http_body)))
    return 1;
  lws_callback_on_writable(wsi);
  return 0;
}

static int
on_http_writeable(struct lws *wsi, WtConnData *conn)
{
  if (conn->media)
    return wt_http_media_writeable(wsi, conn);
  if (!conn->http_body)
    return 0;
  gsize len = 0;
  const guint8 *data = g_bytes_get_data(conn->http_body, &len);
  g_autofree guint8 *buf = g_malloc(LWS_PRE + len + 1);
  if (len) /* HEAD answers have an empty body, and no data pointer */
    memcpy(buf + LWS_PRE, data, len);
  g_clear_pointer(&conn->http_body, g_bytes_unref);
  if (lws_write(wsi, buf + LWS_PRE, len, LWS_WRITE_HTTP_FINAL) != (int)len)
    return 1;
  return lws_http_transaction_completed(wsi) ? -1 : 0;
}

int
wt_http_callback(struct lws *wsi, enum lws_callback_reasons reason, WtConnData *conn, void *in,
                 size_t len)
{
  WtSignaling *sig = lws_context_user(lws_get_context(wsi));
  switch (reason) {
  case LWS_CALLBACK_HTTP:
    return on_http(wsi, sig, conn);
  case LWS_CALLBACK_HTTP_WRITEABLE:
    return on_http_writeable(wsi, conn);
  case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
  case LWS_CALLBACK_CLOSED_HTTP:
    if (conn) {
      g_clear_pointer(&conn->http_body, g_bytes_unref);
      wt_http_media_clear(conn);
    }
    return 0;
  default:
    return 0;
  }
}
