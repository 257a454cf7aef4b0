/* daemon.c — wires the parts together and handles start-up and shutdown.
 * Main thread only (which is also the signaling thread). */
#include "daemon.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "db.h"
#include "module_host.h"
#include "notary.h"
#include "rooms.h"
#include "seal.h"
#include "secrets.h"
#include "signaling.h"
#include "signed_url.h"
#include "workers.h"
#include "wt-build-config.h"

struct _WtDaemon {
  const WtConfig *config;
  GMainLoop *loop;
  GBytes *token_secret;
  GBytes *media_key; /* signs /media/ URLs; derived from token_secret */
  WtWorkerPool *workers;
  WtRooms *rooms;
  WtSignaling *signaling;
  WtDb *db;
  WtNotary *notary;
  WtModules *modules;
  gint64 started_us;
  guint authenticated_sessions;
  guint signal_sources[2];
};

char *
wt_daemon_default_web_root(void)
{
  g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
  g_autofree char *exe_dir = exe ? g_path_get_dirname(exe) : NULL;
  g_autofree char *build_server = g_build_filename(WT_BUILD_ROOT, "server", NULL);
  if (exe_dir && g_str_equal(exe_dir, build_server))
    return g_build_filename(WT_SOURCE_ROOT, "signaling", "web", NULL);
  return g_strdup(WT_INSTALLED_WEB_ROOT);
}

static void
on_session_opened(guint64 session, const WtIdentity *who, gpointer user_data)
{
  WtDaemon *daemon = user_data;
  daemon->authenticated_sessions++;
  if (daemon->modules)
    wt_modules_session_opened(daemon->modules, session, who);
}

static void
on_session_closed(guint64 session, gpointer user_data)
{
  WtDaemon *daemon = user_data;
  daemon->authenticated_sessions--;
  if (daemon->rooms)
    wt_rooms_session_closed(daemon->rooms, session);
  if (daemon->modules)
    wt_modules_session_closed(daemon->modules, session);
}

static gboolean
on_request(WtRequest *req, gpointer user_data)
{
  WtDaemon *daemon = user_data;
  if (daemon->rooms && wt_rooms_handle_request(daemon->rooms, req))
    return TRUE;
  return daemon->modules && wt_modules_handle_request(daemon->modules, req);
}

static void
on_room_event(const char *event, JsonObject *fields, gpointer user_data)
{
  WtDaemon *daemon = user_data;
  if (daemon->modules)
    wt_modules_dispatch(daemon->modules, event, fields);
}

/* The workflow modules, with their keys: ID numbers are hashed with a key of
 * their own (<data>/secrets/id-hash.key); media URLs are signed with one
 * derived from the token secret. */
static gboolean
start_modules(WtDaemon *daemon, GError **error)
{
  const WtConfig *config = daemon->config;
  g_autofree char *id_key_path = g_build_filename(config->data_dir, "secrets", "id-hash.key", NULL);
  g_autoptr(GBytes) id_key = wt_secret_load_or_create(id_key_path, error);
  if (!id_key)
    return FALSE;
  g_autofree char *dir =
      *config->modules_dir ? g_strdup(config->modules_dir) : wt_modules_default_dir();
  WtModulesEnv env = {
      .config = config,
      .signaling = daemon->signaling,
      .rooms = daemon->rooms,
      .notary = daemon->notary,
      .db = daemon->db,
      .id_hash_key = id_key,
      .media_key = daemon->media_key,
      .modules_dir = dir,
  };
  if (!(daemon->modules = wt_modules_new(&env, error)))
    return FALSE;
  wt_rooms_set_observer(daemon->rooms, on_room_event, daemon);
  return TRUE;
}

static void
append_notary_metrics(WtDaemon *daemon, GString *out)
{
  WtNotaryStats s;
  g_autoptr(GError) error = NULL;
  if (!daemon->notary || !wt_notary_get_stats(daemon->notary, &s, &error)) {
    if (error)
      g_warning("metrics: cannot read the notary outbox: %s", error->message);
    return;
  }
  g_string_append_printf(
      out,
      "# HELP witness_notary_outbox_pending Seals and anchors not yet acknowledged.\n"
      "# TYPE witness_notary_outbox_pending gauge\n"
      "witness_notary_outbox_pending %" G_GUINT64_FORMAT "\n"
      "# HELP witness_notary_outbox_oldest_pending_seconds Age of the oldest pending item.\n"
      "# TYPE witness_notary_outbox_oldest_pending_seconds gauge\n"
      "witness_notary_outbox_oldest_pending_seconds %" G_GINT64_FORMAT "\n"
      "# HELP witness_notary_outbox_failed Items the backend refused for good (need a person).\n"
      "# TYPE witness_notary_outbox_failed gauge\n"
      "witness_notary_outbox_failed %" G_GUINT64_FORMAT "\n"
      "# HELP witness_notary_outbox_delivered Items acknowledged with a receipt.\n"
      "# TYPE witness_notary_outbox_delivered gauge\n"
      "witness_notary_outbox_delivered %" G_GUINT64_FORMAT "\n"
      "# HELP witness_notary_attempts_total Delivery attempts since start.\n"
      "# TYPE witness_notary_attempts_total counter\n"
      "witness_notary_attempts_total %" G_GUINT64_FORMAT "\n",
      s.pending, s.oldest_pending_age_s, s.failed, s.delivered, s.attempts_total);
}

static gboolean
healthy(char **why, gpointer user_data)
{
  WtDaemon *daemon = user_data;
  WtNotaryStats s;
  g_autoptr(GError) error = NULL;
  char *rooms_trouble = daemon->rooms ? wt_rooms_health(daemon->rooms) : NULL;
  if (rooms_trouble) {
    *why = rooms_trouble;
    return FALSE;
  }
  if (!daemon->notary)
    return TRUE;
  if (!wt_notary_get_stats(daemon->notary, &s, &error)) {
    g_warning("healthz: cannot read the notary outbox: %s", error->message);
    *why = g_strdup("database unreadable");
    return FALSE;
  }
  if (s.pending && s.oldest_pending_age_s > (gint64)daemon->config->notary_stuck_after_seconds) {
    *why = g_strdup("notary outbox stuck");
    return FALSE;
  }
  return TRUE;
}

static char *
api_error(guint *status, guint code, const char *error, const char *reason)
{
  *status = code;
  g_autoptr(JsonObject) o = json_object_new();
  json_object_set_string_member(o, "error", error);
  json_object_set_string_member(o, "reason", reason);
  g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), o);
  return json_to_string(node, FALSE);
}

static char *
api_json(guint *status, JsonObject *o)
{
  *status = 200;
  g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), o);
  return json_to_string(node, FALSE);
}

/* GET /api/keys: every signing key ever used, oldest seals included. */
static char *
api_keys(WtDaemon *daemon, guint *status)
{
  g_autofree char *keys_dir = wt_config_keys_dir(daemon->config);
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) keys = wt_signing_keys_list(keys_dir, &error);
  if (!keys) {
    g_warning("api: cannot list the signing keys: %s", error->message);
    return api_error(status, 500, "internal", "the signing keys cannot be read");
  }
  g_autoptr(GList) ids = g_list_sort(g_hash_table_get_keys(keys), (GCompareFunc)g_strcmp0);
  JsonArray *list = json_array_new();
  for (GList *l = ids; l; l = l->next) {
    gsize len = 0;
    const guint8 *raw = g_bytes_get_data(g_hash_table_lookup(keys, l->data), &len);
    g_autofree char *b64 = g_base64_encode(raw, len);
    JsonObject *k = json_object_new();
    json_object_set_string_member(k, "id", l->data);
    json_object_set_string_member(k, "algorithm", "ed25519");
    json_object_set_string_member(k, "public_key", b64);
    json_array_add_object_element(list, k);
  }
  g_autoptr(JsonObject) o = json_object_new();
  json_object_set_array_member(o, "keys", list);
  return api_json(status, o);
}

static gboolean
recording_id_valid(const char *id)
{
  gsize n = strlen(id);
  if (n == 0 || n > 128)
    return FALSE;
  for (const char *c = id; *c; c++) {
    if (!g_ascii_isalnum(*c) && *c != '-' && *c != '_' && *c != '.')
      return FALSE;
  }
  return TRUE;
}

/* GET /api/recordings/<id>: staff, clerks and admins only. */
static char *
api_recording(WtDaemon *daemon, const char *id, const WtIdentity *who, guint *status)
{
  if (!who)
    return api_error(status, 401, "unauthorized", "a valid bearer token is required");
  if (who->role != WT_ROLE_STAFF && who->role != WT_ROLE_CLERK && who->role != WT_ROLE_ADMIN)
    return api_error(status, 403, "forbidden", "only staff, clerks and admins see recordings");
  if (!recording_id_valid(id) || !daemon->notary)
    return api_error(status, 404, "not-found", "no such recording");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) o = wt_notary_lookup(daemon->notary, id, &error);
  if (error) {
    g_warning("api: cannot read recording %s: %s", id, error->message);
    return api_error(status, 500, "internal", "the database cannot be read");
  }
  if (!o)
    return api_error(status, 404, "not-found", "no such recording");
  return api_json(status, o);
}

static char *
api_get(const char *path, const WtIdentity *who, guint *status, gpointer user_data)
{
  WtDaemon *daemon = user_data;
  if (strcmp(path, "/api/keys") == 0)
    return api_keys(daemon, status);
  if (g_str_has_prefix(path, "/api/recordings/"))
    return api_recording(daemon, path + strlen("/api/recordings/"), who, status);
  return api_error(status, 404, "not-found", "no such API");
}

/* GET/HEAD /media/...: the file a signed URL names (signed_url.h). */
static char *
media_file(const char *url_path, guint *status, char **reason, gpointer user_data)
{
  WtDaemon *daemon = user_data;
  gsize key_len = 0;
  const guint8 *key = g_bytes_get_data(daemon->media_key, &key_len);
  g_autoptr(GError) error = NULL;
  char *path = wt_signed_url_check(key, key_len, daemon->config->data_dir, url_path,
                                   g_get_real_time() / G_USEC_PER_SEC, &error);
  if (!path) {
    *status = wt_signed_url_http_status(error);
    *reason = g_strdup(error->message);
    /* Never the URL: it is a key. Refusals are the client's doing, except a
     * link in the data folder that leads out of it. */
    if (g_error_matches(error, WT_SIGNED_URL_ERROR, WT_SIGNED_URL_ERROR_OUTSIDE))
      g_warning("media: refused (%u): %s", *status, error->message);
    else
      g_debug("media: refused (%u): %s", *status, error->message);
  }
  return path;
}

static void
append_metrics(GString *out, gpointer user_data)
{
  WtDaemon *daemon = user_data;
  g_string_append_printf(out,
                         "# HELP witness_uptime_seconds Seconds since witnessd started.\n"
                         "# TYPE witness_uptime_seconds gauge\n"
                         "witness_uptime_seconds %" G_GINT64_FORMAT "\n",
                         (g_get_monotonic_time() - daemon->started_us) / G_USEC_PER_SEC);
  g_string_append_printf(out,
                         "# HELP witness_sessions Connections that have said hello.\n"
                         "# TYPE witness_sessions gauge\n"
                         "witness_sessions %u\n",
                         daemon->authenticated_sessions);
  guint n = wt_worker_pool_size(daemon->workers);
  g_string_append_printf(out,
                         "# HELP witness_workers Media worker threads.\n"
                         "# TYPE witness_workers gauge\n"
                         "witness_workers %u\n"
                         "# HELP witness_worker_load Load (rooms) on each media worker.\n"
                         "# TYPE witness_worker_load gauge\n",
                         n);
  for (guint i = 0; i < n; i++)
    g_string_append_printf(out, "witness_worker_load{worker=\"%u\"} %d\n", i,
                           wt_worker_get_load(wt_worker_pool_get(daemon->workers, i)));
  if (daemon->rooms)
    wt_rooms_append_metrics(daemon->rooms, out);
  append_notary_metrics(daemon, out);
}

static gboolean
prepare_data_dir(const char *dir, GError **error)
{
  if (g_mkdir_with_parents(dir, 0750) != 0) {
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "cannot create data folder %s: %s",
                dir, g_strerror(errno));
    return FALSE;
  }
  if (g_access(dir, W_OK) != 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "data folder %s is not writable",
                dir);
    return FALSE;
  }
  return TRUE;
}

static gboolean
on_stop_signal(gpointer user_data)
{
  WtDaemon *daemon = user_data;
  g_message("signal received: shutting down");
  g_main_loop_quit(daemon->loop);
  return G_SOURCE_CONTINUE;
}

/* <data_dir>/witness.db and the notary that empties its outbox. */
static gboolean
start_notary(WtDaemon *daemon, GError **error)
{
  const WtConfig *config = daemon->config;
  g_autofree char *db_path = g_build_filename(config->data_dir, WT_DB_FILE, NULL);
  g_autofree char *ledger = g_build_filename(config->data_dir, WT_LEDGER_FILE, NULL);
  if (!(daemon->db = wt_db_open(db_path, error)))
    return FALSE;
  WtNotaryConfig nc = {
      .db = daemon->db,
      .url = config->notary_url,
      .ledger_path = ledger,
      .retry_initial_ms = config->notary_retry_initial_ms,
      .retry_max_ms = config->notary_retry_max_ms,
      .timeout_ms = config->notary_timeout_ms,
  };
  if (!(daemon->notary = wt_notary_new(&nc, error)))
    return FALSE;
  wt_rooms_set_notary(daemon->rooms, daemon->notary, config->notary_anchor_every_segments);
  return TRUE;
}

WtDaemon *
wt_daemon_new(const WtConfig *config, GError **error)
{
  WtDaemon *daemon = g_new0(WtDaemon, 1);
  daemon->config = config;
  daemon->started_us = g_get_monotonic_time();
  daemon->loop = g_main_loop_new(NULL, FALSE);

  g_autofree char *secret_path = wt_config_token_secret_path(config);
  if (!prepare_data_dir(config->data_dir, error) ||
      !(daemon->token_secret = wt_secret_load_or_create(secret_path, error)) ||
      !(daemon->workers = wt_worker_pool_new(config->workers, error)) ||
      !(daemon->rooms = wt_rooms_new(config, daemon->workers, error)) ||
      !start_notary(daemon, error)) {
    wt_daemon_free(daemon);
    return NULL;
  }
  daemon->media_key = wt_signed_url_derive_key(g_bytes_get_data(daemon->token_secret, NULL),
                                               g_bytes_get_size(daemon->token_secret));

  g_autofree char *web_root =
      *config->web_root ? g_strdup(config->web_root) : wt_daemon_default_web_root();
  WtSignalingConfig sc = wt_signaling_config_default();
  sc.listen_address = config->listen;
  sc.port = (int)config->port;
  sc.web_root = web_root;
  sc.tls_cert = config->tls_cert;
  sc.tls_key = config->tls_key;
  sc.token_secret = g_bytes_get_data(daemon->token_secret, &sc.token_secret_len);
  sc.max_message_bytes = config->max_message_bytes;
  sc.messages_per_second = config->messages_per_second;
  sc.message_burst = config->message_burst;
  sc.hello_timeout_s = config->hello_timeout;
  sc.ping_interval_s = config->ping_interval;
  sc.idle_timeout_s = config->idle_timeout;
  sc.max_connections = config->max_connections;

  static const WtSignalingHandlers handlers = {
      .session_opened = on_session_opened,
      .request = on_request,
      .session_closed = on_session_closed,
      .append_metrics = append_metrics,
      .api_get = api_get,
      .healthy = healthy,
      .media_file = media_file,
  };
  daemon->signaling = wt_signaling_new(&sc, &handlers, daemon, daemon->loop, error);
  if (!daemon->signaling) {
    wt_daemon_free(daemon);
    return NULL;
  }
  wt_rooms_set_signaling(daemon->rooms, daemon->signaling);
  if (!start_modules(daemon, error)) {
    wt_daemon_free(daemon);
    return NULL;
  }
  g_message("witnessd %s: data in %s, web client from %s, %u media workers", WT_VERSION,
            config->data_dir, web_root, wt_worker_pool_size(daemon->workers));
  return daemon;
}

const char *
wt_daemon_get_url(WtDaemon *daemon)
{
  return wt_signaling_get_url(daemon->signaling);
}

void
wt_daemon_run(WtDaemon *daemon)
{
  daemon->signal_sources[0] = g_unix_signal_add(SIGINT, on_stop_signal, daemon);
  daemon->signal_sources[1] = g_unix_signal_add(SIGTERM, on_stop_signal, daemon);
  g_main_loop_run(daemon->loop);
}

void
wt_daemon_free(WtDaemon *daemon)
{
  if (!daemon)
    return;
  gint64 t0 = g_get_monotonic_time();
  /* Rooms, then workers, so nothing posts replies to a front door that is
   * gone; the front door last, closing clients with 1001. */
  if (daemon->modules)
    wt_modules_engine_stopping(daemon->modules);
  wt_rooms_free(g_steal_pointer(&daemon->rooms));
  wt_worker_pool_free(daemon->workers);
  /* After the rooms: their last seals are in the outbox, delivered next start. */
  g_clear_pointer(&daemon->notary, wt_notary_free);
  /* Exports and verifications on threads answer while connections are open. */
  wt_modules_wait_tasks(daemon->modules);
  wt_signaling_free(daemon->signaling, 1000);
  /* Modules last: answers to their room operations that were still on the
   * way run first, and the database stays open for them until then. */
  while (g_main_context_iteration(NULL, FALSE))
    ;
  g_clear_pointer(&daemon->modules, wt_modules_free);
  g_clear_pointer(&daemon->db, wt_db_close);
  for (guint i = 0; i < G_N_ELEMENTS(daemon->signal_sources); i++) {
    if (daemon->signal_sources[i])
      g_source_remove(daemon->signal_sources[i]);
  }
  if (daemon->token_secret)
    g_bytes_unref(daemon->token_secret);
  g_clear_pointer(&daemon->media_key, g_bytes_unref);
  g_main_loop_unref(daemon->loop);
  g_message("stopped in %" G_GINT64_FORMAT " ms", (g_get_monotonic_time() - t0) / 1000);
  g_free(daemon);
}
