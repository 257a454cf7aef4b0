/* harness_private.h — what harness.c and harness_net.c share, and the tests
 * do not need. Test main thread only.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef gboolean (*WtItDoneFunc)(gpointer data);

/* Iterates the default context until @done(@data) says so or @timeout_ms
 * pass; returns the last answer of @done. */
gboolean wt_it_wait_until(WtItDoneFunc done, gpointer data, guint timeout_ms);
/* A WtItDoneFunc over a gboolean. */
gboolean wt_it_flag_is_set(gpointer data);

/* An async result parked until the waiter picks it up (and unrefs it). */
typedef struct {
  gboolean done;
  GAsyncResult *result;
} WtItPending;

/* A GAsyncReadyCallback filling the WtItPending in @data. */
void wt_it_pending_complete(GObject *source, GAsyncResult *result, gpointer data);

/* Frees the HTTP session and the trusted certificate (at exit). */
void wt_it_net_shutdown(void);

G_END_DECLS
