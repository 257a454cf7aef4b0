/* tsa_server.h — tests/integration/tsa_server.py, a test RFC 3161 TSA over
 * HTTP (scripts/tsa-reply behind Python's http.server), as a child process.
 *
 *   WtItTsaServer *tsa = wt_it_tsa_server_start(dir);  // CA made in dir
 *   ... "[notary]\ntsa_url=" + wt_it_tsa_server_url(tsa) ...
 *   ... witnessctl verify --tsa-ca dir/ca.pem ...
 *   wt_it_tsa_server_stop(tsa);
 *
 * Paths on the server: / answers, /garbage sends junk, /slow answers after 5 s,
 * /late after 2 s.
 * Test's main thread; the child dies with the test (PR_SET_PDEATHSIG).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _WtItTsaServer WtItTsaServer;

/* Starts it with its CA folder @tsa_dir (created on first use) and waits
 * until it listens; fails the test when it does not. */
WtItTsaServer *wt_it_tsa_server_start(const char *tsa_dir);
/* "http://127.0.0.1:PORT/" (owned by @s). */
const char *wt_it_tsa_server_url(const WtItTsaServer *s);
/* Stops it (SIGTERM, waits) and frees @s. */
void wt_it_tsa_server_stop(WtItTsaServer *s);

G_END_DECLS
