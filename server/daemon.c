/* daemon.c — wires the parts together and handles start-up and shutdown.
 * Main thread only (which is also the signaling thread). */
#include "daemon.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <signal.h>

#include "rooms.h"
#include "secrets.h"
#include "signaling.h"
#include "workers.h"
#include "wt-build-config.h"

struct _WtDaemon {
  const WtConfig *config;
  GMainLoop *loop;
  GBytes *token_secret;
  WtWorkerPool *workers;
  WtRooms *rooms;
  WtSignaling *signaling;
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
}

static void
on_session_closed(guint64 session, gpointer user_data)
{
  WtDaemon *daemon = user_data;
  daemon->authenticated_sessions--;
  if (daemon->rooms)
    wt_rooms_session_closed(daemon->rooms, session);
}

static gboolean
on_request(WtRequest *req, gpointer user_data)
{
  WtDaemon *daemon = user_data;
  return daemon->rooms && wt_rooms_handle_request(daemon->rooms, req);
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
}

static char *
health(gpointer user_data)
{
  WtDaemon *daemon = user_data;
  return daemon->rooms ? wt_rooms_health(daemon->rooms) : NULL;
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
      !(daemon->rooms = wt_rooms_new(config, daemon->workers, error))) {
    wt_daemon_free(daemon);
    return NULL;
  }

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
      .health = health,
  };
  daemon->signaling = wt_signaling_new(&sc, &handlers, daemon, daemon->loop, error);
  if (!daemon->signaling) {
    wt_daemon_free(daemon);
    return NULL;
  }
  wt_rooms_set_signaling(daemon->rooms, daemon->signaling);
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
  wt_rooms_free(g_steal_pointer(&daemon->rooms));
  wt_worker_pool_free(daemon->workers);
  wt_signaling_free(daemon->signaling, 1000);
  for (guint i = 0; i < G_N_ELEMENTS(daemon->signal_sources); i++) {
    if (daemon->signal_sources[i])
      g_source_remove(daemon->signal_sources[i]);
  }
  if (daemon->token_secret)
    g_bytes_unref(daemon->token_secret);
  g_main_loop_unref(daemon->loop);
  g_message("stopped in %" G_GINT64_FORMAT " ms", (g_get_monotonic_time() - t0) / 1000);
  g_free(daemon);
}
