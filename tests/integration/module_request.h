/* module_request.h — a workflow-module request for the integration tests:
 * {"type":"request","id":…,"module":…,"action":…, fields…} sent on a harness
 * WebSocket, answered with the reply while the module's events that come
 * first are skipped. Blocks like the rest of the harness; main thread. */
#pragma once

#include "harness.h"

G_BEGIN_DECLS

/* Sends the request (@fields: JSON members without braces, or NULL) and
 * returns the result or error object (transfer full), skipping events. */
JsonObject *wt_it_module_request(WtItWs *ws, gint64 id, const char *module, const char *action,
                                 const char *fields);

G_END_DECLS
