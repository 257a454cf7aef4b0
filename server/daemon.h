/* daemon.h — witnessd put together: configuration, the worker pool and the
 * signaling front door, with the handlers that connect them.
 *
 * Threads: created, run and freed on the main thread, which is also the
 * signaling thread (its GMainLoop runs libwebsockets). Workers are separate.
 */
#pragma once

#include <glib.h>

#include "config.h"

G_BEGIN_DECLS

typedef struct _WtDaemon WtDaemon;

/* Prepares the data folder, the token secret, the workers and the listener.
 * @config (transfer none; must outlive the daemon). NULL with @error when any
 * of them cannot start. */
WtDaemon *wt_daemon_new(const WtConfig *config, GError **error);

/* "http://127.0.0.1:PORT" as actually bound (owned by @daemon). */
const char *wt_daemon_get_url(WtDaemon *daemon);

/* Runs until SIGINT or SIGTERM, then returns. */
void wt_daemon_run(WtDaemon *daemon);

/* Closes connections, stops workers and frees everything, within about 1 s. */
void wt_daemon_free(WtDaemon *daemon);

/* The web client folder to serve when [http] web_root is empty: the source
 * tree's signaling/web for a witnessd run from its build folder, else the
 * installed copy (transfer full). */
char *wt_daemon_default_web_root(void);

G_END_DECLS
