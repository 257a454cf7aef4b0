/* log.h — one line per log record on stderr:
 *   2026-12-03T19:30:57.123Z MESSAGE witness-server: text
 * Each folder logs under its own domain (witness-server, witness-signaling,
 * witness-storage, witness-pipelines). Thread-safe. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Installs the writer; records less severe than @level ("error", "critical",
 * "warning", "message", "info", "debug") are dropped. FALSE for an unknown level. */
gboolean wt_log_init(const char *level, GError **error);

G_END_DECLS
