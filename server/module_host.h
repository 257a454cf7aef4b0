/* module_host.h — loads the workflow modules (module.h) and connects them to
 * the engine: client requests of type "request" go to the module they name,
 * engine events go to every module, and each module gets the services table.
 *
 * Loading: every *.so in [modules] dir (or those in [modules] load), each
 * checked before use: the entry symbol must exist, the table's ABI version
 * must be one this host serves and its size at least version 1's, the name
 * must be valid and not taken. A module that fails any check, or whose
 * create() fails, is refused with a warning naming the file and why; the
 * server goes on without it. A module named in [modules] load that cannot be
 * loaded is an error at start-up (someone asked for it).
 *
 * Threads: the main (signaling) thread only.
 */
#pragma once

#include <glib.h>

#include "config.h"
#include "db.h"
#include "notary.h"
#include "rooms.h"
#include "signaling.h"

G_BEGIN_DECLS

typedef struct _WtModules WtModules;

/* What the host needs from the daemon (all borrowed; they outlive the host). */
typedef struct {
  const WtConfig *config;
  WtSignaling *signaling;
  WtRooms *rooms;
  WtNotary *notary; /* may be NULL (recording_lookup then finds nothing) */
  WtDb *db;
  GBytes *id_hash_key; /* the keyed hash of ID numbers (the host takes a reference) */
  GBytes *media_key;   /* signs media URLs (the host takes a reference) */
  const char *modules_dir;
} WtModulesEnv;

/* Loads the modules. NULL with @error only when a module named in
 * [modules] load cannot be loaded; other refusals are logged. */
WtModules *wt_modules_new(const WtModulesEnv *env, GError **error);
/* The engine is shutting down: from now on the room services answer
 * "the server is stopping" and the notary is no longer asked. */
void wt_modules_engine_stopping(WtModules *modules);
/* Iterates the default main context until no export or verification the
 * modules started is running, so that their answers still reach the
 * connections. Call before the signaling layer goes. */
void wt_modules_wait_tasks(WtModules *modules);
/* Destroys every instance (in reverse load order) and unloads them, after
 * waiting for their tasks; the signaling layer may be gone by now: replies
 * and notifications are dropped from here on. */
void wt_modules_free(WtModules *modules);

/* Names of the loaded modules, in load order (transfer container). */
GPtrArray *wt_modules_names(WtModules *modules);

/* Takes @req (transfer full) when its type is "request" and returns TRUE. */
gboolean wt_modules_handle_request(WtModules *modules, WtRequest *req);
void wt_modules_session_opened(WtModules *modules, guint64 session, const WtIdentity *who);
void wt_modules_session_closed(WtModules *modules, guint64 session);
/* An engine event (rooms.h observer): to every module. */
void wt_modules_dispatch(WtModules *modules, const char *event, JsonObject *fields);

/* Normalises an ID number as module.h says (transfer full), NULL when what is
 * left is not one. Exposed for tests. */
char *wt_module_normalise_id_number(const char *text);

/* Where modules are looked for by default: the build tree's server/modules
 * when witnessd runs from it, else the installed folder (transfer full). */
char *wt_modules_default_dir(void);

G_END_DECLS
