/* notary_backend.h — scripts/notary-backend (the reference registration
 * backend) as a child process of an integration test, and what it stored.
 *
 *   WtItBackend *b = wt_it_backend_start(dir, 0);   // any free port
 *   wt_it_backend_control(b, "{\"fail_next\":2,\"status\":500}");
 *   ... witnessd or a WtNotary POSTs to wt_it_backend_url(b) ...
 *   g_assert_cmpuint(wt_it_backend_count(b, "seal"), ==, 1);
 *   wt_it_backend_free(b);
 *
 * Main thread of the test only; the helpers block (libsoup's sync calls).
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct _WtItBackend WtItBackend;

/* Starts the backend storing under @data_dir on 127.0.0.1:@port (0: any)
 * and waits for its "listening on" line; fails the test when it does not come. */
WtItBackend *wt_it_backend_start(const char *data_dir, guint16 port);
/* Kills it (SIGKILL) and waits. Stored items stay in @data_dir. */
void wt_it_backend_free(WtItBackend *b);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtItBackend, wt_it_backend_free)

guint16 wt_it_backend_port(WtItBackend *b);
/* "http://127.0.0.1:PORT/seals" (owned by @b). */
const char *wt_it_backend_url(WtItBackend *b);
/* POST /_control with @json; asserts 200. */
void wt_it_backend_control(WtItBackend *b, const char *json);
/* GET /seals: every stored {receipt, item} (transfer full). */
JsonArray *wt_it_backend_items(WtItBackend *b);
/* Stored items of @kind ("seal", "anchor"; NULL: all). */
guint wt_it_backend_count(WtItBackend *b, const char *kind);

/* A TCP port on 127.0.0.1 that was free a moment ago (for a backend started later). */
guint16 wt_it_free_port(void);

G_END_DECLS
