/* signaling.c — creates the libwebsockets context on a GLib main loop, owns
 * the session table, and carries replies and events from other threads onto
 * the signaling thread.
 *
 * One libwebsockets protocol serves both plain HTTP (static files, healthz,
 * /metrics) and the /ws WebSocket; its callback hands each reason to http.c or
 * ws.c. Runs on the signaling thread, except wt_signaling_send_event() and the reply calls,
 * which only post messages to it.
 */
#include "signaling_private.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "wt-build-config.h"

WtSignalingConfig
wt_signaling_config_default(void)
{
  return (WtSignalingConfig){
      .listen_address = "127.0.0.1",
      .port = 8080,
      .max_message_bytes = 64 * 1024,
      .messages_per_second = 20,
      .message_burst = 40,
      .hello_timeout_s = 10,
      .ping_interval_s = 20,
      .idle_timeout_s = 60,
      .max_connections = 1000,
      .max_queued_bytes = 256 * 1024,
  };
}

void
wt_signaling_count(GHashTable *table, const char *label)
{
  guint64 n = GPOINTER_TO_SIZE(g_hash_table_lookup(table, label));
  g_hash_table_insert(table, (gpointer)label, GSIZE_TO_POINTER(n + 1));
}

/* libwebsockets' own log lines join ours, under our domain. */
static void
lws_log_to_glib(int level, const char *line)
{
  g_autofree char *text = g_strchomp(g_strdup(line));
  GLogLevelFlags flags = level == LLL_ERR ? G_LOG_LEVEL_CRITICAL : G_LOG_LEVEL_WARNING;
  if (level != LLL_ERR && level != LLL_WARN)
    flags = G_LOG_LEVEL_DEBUG;
  /* A client that sends more header bytes than we keep is refused (the
   * connection is dropped); that is its problem, not a fault of ours. */
  if (level == LLL_ERR && strstr(text, "Ran out of header data space"))
    flags = G_LOG_LEVEL_WARNING;
  g_log_structured(G_LOG_DOMAIN, flags, "MESSAGE", "lws: %s", text);
}

static int
protocol_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                  size_t len)
{
  WtConnData *conn = user;
  switch (reason) {
  case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
  case LWS_CALLBACK_ESTABLISHED:
  case LWS_CALLBACK_RECEIVE:
  case LWS_CALLBACK_SERVER_WRITEABLE:
  case LWS_CALLBACK_CLOSED:
    return wt_ws_callback(wsi, reason, conn, in, len);
  case LWS_CALLBACK_HTTP:
  case LWS_CALLBACK_HTTP_WRITEABLE:
  case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
  case LWS_CALLBACK_CLOSED_HTTP:
    return wt_http_callback(wsi, reason, conn, in, len);
  default:
    return lws_callback_http_dummy(wsi, reason, user, in, len);
  }
}

static const struct lws_protocol_vhost_options security_headers[] = {
    {&security_headers[1], NULL, "x-content-type-options:", "nosniff"},
    {&security_headers[2], NULL, "referrer-policy:", "no-referrer"},
    {&security_headers[3], NULL, "x-frame-options:", "DENY"},
    /* The web client loads nothing from elsewhere and runs no inline code. */
    {NULL, NULL, "content-security-policy:",
     "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
     "media-src 'self' blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
     "frame-ancestors 'none'"},
};

static void
setup_mounts(WtSignaling *sig)
{
  static const char *const callback_paths[] = {"/healthz", "/metrics", "/api", "/media"};
  for (guint i = 0; i < G_N_ELEMENTS(callback_paths); i++) {
    struct lws_http_mount *m = &sig->mounts[i];
    m->mount_next = &sig->mounts[i + 1];
    m->mountpoint = callback_paths[i];
    m->mountpoint_len = (unsigned char)strlen(callback_paths[i]);
    m->origin_protocol = LWSMPRO_CALLBACK;
    m->protocol = "witness";
    m->origin = "witness";
  }
  struct lws_http_mount *files = &sig->mounts[G_N_ELEMENTS(callback_paths)];
  G_STATIC_ASSERT(G_N_ELEMENTS(callback_paths) + 1 == G_N_ELEMENTS(sig->mounts));
  files->mountpoint = "/";
  files->mountpoint_len = 1;
  files->origin = sig->web_root;
  files->def = "index.html";
  files->origin_protocol = LWSMPRO_FILE;
  files->cache_max_age = 0;
}

static gboolean
check_readable(const char *what, const char *path, GError **error)
{
  if (g_file_test(path, G_FILE_TEST_IS_REGULAR) && g_access(path, R_OK) == 0)
    return TRUE;
  g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "%s %s is not a readable file", what, path);
  return FALSE;
}

static gboolean
tls_enabled(const WtSignaling *sig)
{
  return sig->tls_cert && *sig->tls_cert;
}

WtSignaling *
wt_signaling_new(const WtSignalingConfig *config, const WtSignalingHandlers *handlers,
                 gpointer user_data, GMainLoop *loop, GError **error)
{
  g_return_val_if_fail(config->token_secret && config->token_secret_len > 0, NULL);
  if (config->tls_cert && *config->tls_cert) {
    if (!check_readable("TLS certificate", config->tls_cert, error) ||
        !check_readable("TLS key", config->tls_key ? config->tls_key : "(unset)", error))
      return NULL;
  }
  if (!g_file_test(config->web_root, G_FILE_TEST_IS_DIR)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "web root %s is not a folder",
                config->web_root);
    return NULL;
  }

  WtSignaling *sig = g_new0(WtSignaling, 1);
  sig->config = *config;
  sig->listen_address = g_strdup(config->listen_address);
  sig->web_root = g_strdup(config->web_root);
  sig->tls_cert = g_strdup(config->tls_cert);
  sig->tls_key = g_strdup(config->tls_key);
  sig->token_secret = g_bytes_new(config->token_secret, config->token_secret_len);
  sig->config.listen_address = sig->config.web_root = NULL;
  sig->config.tls_cert = sig->config.tls_key = NULL;
  sig->config.token_secret = NULL;
  sig->handlers = *handlers;
  sig->user_data = user_data;
  sig->loop = g_main_loop_ref(loop);
  sig->context = g_main_loop_get_context(loop);
  sig->sessions = g_hash_table_new(g_int64_hash, g_int64_equal);
  sig->errors_by_code = g_hash_table_new(g_str_hash, g_str_equal);
  sig->closes_by_reason = g_hash_table_new(g_str_hash, g_str_equal);
  sig->next_session_id = 1;
  sig->idle_policy.secs_since_valid_ping = (uint16_t)MIN(config->ping_interval_s, 65535);
  sig->idle_policy.secs_since_valid_hangup = (uint16_t)MIN(config->idle_timeout_s, 65535);

  sig->protocols[0] = (struct lws_protocols){
      .name = "witness",
      .callback = protocol_callback,
      .per_session_data_size = sizeof(WtConnData),
      .rx_buffer_size = 16 * 1024,
  };
  setup_mounts(sig);

  lws_set_log_level(LLL_ERR | LLL_WARN, lws_log_to_glib);

  void *foreign_loops[1] = {loop};
  struct lws_context_creation_info info;
  memset(&info, 0, sizeof info);
  info.options = LWS_SERVER_OPTION_GLIB | LWS_SERVER_OPTION_VALIDATE_UTF8;
  info.foreign_loops = foreign_loops;
  info.pcontext = &sig->lws;
  info.user = sig;
  info.port = config->port;
  gboolean any_address =
      !sig->listen_address || !*sig->listen_address || strcmp(sig->listen_address, "0.0.0.0") == 0;
  if (!any_address)
    info.iface = sig->listen_address;
  if (any_address || !strchr(sig->listen_address, ':'))
    info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
  info.protocols = sig->protocols;
  info.mounts = sig->mounts;
  info.headers = security_headers;
  info.retry_and_idle_policy = &sig->idle_policy;
  info.vhost_name = "witness";
  info.alpn = "http/1.1";
  if (tls_enabled(sig)) {
    info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.ssl_cert_filepath = sig->tls_cert;
    info.ssl_private_key_filepath = sig->tls_key;
  }

  /* The vhost (the listening socket) is made separately, so that when it
   * cannot be (port in use, bad TLS key) the context is still ours to free:
   * libwebsockets leaks parts of a context that fails inside creation. */
  info.options |= LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
  sig->lws = lws_create_context(&info);
  if (!sig->lws) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot start libwebsockets");
    wt_signaling_free(sig, 0);
    return NULL;
  }
  sig->vhost = lws_create_vhost(sig->lws, &info);
  int port = sig->vhost ? lws_get_vhost_listen_port(sig->vhost) : -1;
  if (port <= 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                "cannot listen on %s port %d (is the port in use, the address not local, or the "
                "TLS certificate or key unusable?)",
                any_address ? "0.0.0.0" : sig->listen_address, config->port);
    wt_signaling_free(sig, 1000);
    return NULL;
  }
  const char *host = any_address ? "127.0.0.1" : sig->listen_address;
  gboolean v6 = strchr(host, ':') != NULL;
  sig->url = g_strdup_printf("%s://%s%s%s:%d", tls_enabled(sig) ? "https" : "http", v6 ? "[" : "",
                             host, v6 ? "]" : "", port);
  return sig;
}

const char *
wt_signaling_get_url(WtSignaling *sig)
{
  return sig->url;
}

/* Iterates @sig's context until @done or @timeout_ms pass. */
static void
iterate_until(WtSignaling *sig, gboolean (*done)(WtSignaling *), guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
  while (!done(sig) && g_get_monotonic_time() < deadline) {
    if (!g_main_context_iteration(sig->context, FALSE))
      g_usleep(1000);
  }
}

static gboolean
no_sessions(WtSignaling *sig)
{
  return g_hash_table_size(sig->sessions) == 0;
}

static gboolean
lws_gone(WtSignaling *sig)
{
  return sig->lws == NULL;
}

/* Tells every client why it is being closed (1001) before the sockets go. */
static void
close_sessions_gracefully(WtSignaling *sig, guint timeout_ms)
{
  GHashTableIter iter;
  gpointer session;
  g_hash_table_iter_init(&iter, sig->sessions);
  while (g_hash_table_iter_next(&iter, NULL, &session))
    wt_session_close_later(session, LWS_CLOSE_STATUS_GOINGAWAY, "server shutting down");
  iterate_until(sig, no_sessions, timeout_ms);
}

void
wt_signaling_free(WtSignaling *sig, guint timeout_ms)
{
  if (!sig)
    return;
  sig->stopping = TRUE;
  if (sig->lws)
    close_sessions_gracefully(sig, timeout_ms / 2);
  if (sig->lws) {
    lws_context_destroy(sig->lws);
    /* With a foreign loop, libwebsockets finishes closing its handles from
     * the loop; it clears sig->lws (pcontext) when done. */
    iterate_until(sig, lws_gone, timeout_ms / 2);
    if (sig->lws)
      g_warning("libwebsockets did not finish closing within %u ms", timeout_ms);
  }
  g_assert(g_hash_table_size(sig->sessions) == 0 || sig->lws);
  g_hash_table_unref(sig->sessions);
  g_hash_table_unref(sig->errors_by_code);
  g_hash_table_unref(sig->closes_by_reason);
  g_bytes_unref(sig->token_secret);
  g_main_loop_unref(sig->loop);
  g_free(sig->listen_address);
  g_free(sig->web_root);
  g_free(sig->tls_cert);
  g_free(sig->tls_key);
  g_free(sig->url);
  g_free(sig);
}

/* A participant id is stable for a `sub` (rejoining keeps it) and does not
 * reveal the `sub`: "p-" and 12 hex digits of HMAC-SHA256(secret, sub). */
char *
wt_signaling_participant_id(WtSignaling *sig, const char *sub)
{
  gsize secret_len = 0;
  const guint8 *secret = g_bytes_get_data(sig->token_secret, &secret_len);
  g_autofree char *mac = g_compute_hmac_for_string(G_CHECKSUM_SHA256, secret, secret_len, sub, -1);
  return g_strdup_printf("p-%.12s", mac);
}

/* ---- Crossing onto the signaling thread ---------------------------------- */

typedef struct {
  WtSignaling *sig;
  guint64 session;
  char *json;
} WtOutgoing;

static void
outgoing_free(gpointer data)
{
  WtOutgoing *out = data;
  g_free(out->json);
  g_free(out);
}

static gboolean
deliver_outgoing(gpointer data)
{
  WtOutgoing *out = data;
  WtSession *session = g_hash_table_lookup(out->sig->sessions, &out->session);
  if (session && !out->sig->stopping) {
    wt_session_send(session, out->json);
    out->json = NULL;
  }
  return G_SOURCE_REMOVE;
}

void
wt_signaling_send_event(WtSignaling *sig, guint64 session, char *json)
{
  WtOutgoing *out = g_new0(WtOutgoing, 1);
  out->sig = sig;
  out->session = session;
  out->json = json;
  g_main_context_invoke_full(sig->context, G_PRIORITY_DEFAULT, deliver_outgoing, out,
                             outgoing_free);
}
