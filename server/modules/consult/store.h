/* store.h — the consultation queue in the shared SQLite database (table
 * consult_tickets), so that it survives a restart with every position kept.
 * Every function runs one transaction through the host's services. Main thread. */
#pragma once

#include "module.h"
#include "queue.h"

G_BEGIN_DECLS

/* Creates or updates the table. */
gboolean wt_consult_store_migrate(WtModuleHost *host, const WtModuleServices *s, GError **error);
/* Stores @t (transfer none) as a new ticket and sets t->ticket to its number. */
gboolean wt_consult_store_insert(WtModuleHost *host, const WtModuleServices *s, WtConsultTicket *t,
                                 GError **error);
/* Writes @t's state, times, room and staff; @reason (transfer none, may be
 * NULL) and @ended_ms (0: not ended) for an ending. */
gboolean wt_consult_store_update(WtModuleHost *host, const WtModuleServices *s,
                                 const WtConsultTicket *t, const char *reason, gint64 ended_ms,
                                 GError **error);
/* Fills @q with the active tickets and the recent handling times. */
gboolean wt_consult_store_load(WtModuleHost *host, const WtModuleServices *s, WtConsultQueue *q,
                               GError **error);

G_END_DECLS
