/* workers.h — the pool of media worker threads.
 *
 * Each worker is one thread running its own GMainContext. A room and all its
 * peers live on one worker for their whole life, so nothing on the forwarding
 * path needs a lock: other threads reach a worker only by posting a function
 * to it with wt_worker_invoke().
 *
 * Example:
 *   WtWorkerPool *pool = wt_worker_pool_new(0, &error);   // one per core
 *   WtWorker *w = wt_worker_pool_pick_least_loaded(pool);
 *   wt_worker_add_load(w, 1);                              // a room moved in
 *   wt_worker_invoke(w, create_room, room, room_unref);
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _WtWorkerPool WtWorkerPool;
typedef struct _WtWorker WtWorker;

/* Starts @n workers (0: one per CPU core). Returns NULL with @error if a
 * thread cannot be started. */
WtWorkerPool *wt_worker_pool_new(guint n, GError **error);

/* Stops every worker and joins its thread. Functions posted but not yet run
 * are dropped and their destroy functions called on the worker's thread. Call
 * from outside the pool. */
void wt_worker_pool_free(WtWorkerPool *pool);

guint wt_worker_pool_size(const WtWorkerPool *pool);

/* The @index-th worker (transfer none). */
WtWorker *wt_worker_pool_get(WtWorkerPool *pool, guint index);

/* The worker with the least load; the lowest index wins a tie (transfer none). */
WtWorker *wt_worker_pool_pick_least_loaded(WtWorkerPool *pool);

/* Runs @func(@data) on @worker's thread; @destroy(@data) runs there afterwards
 * (or when the pool stops first). @func returns G_SOURCE_REMOVE to run once.
 * Any thread. */
void wt_worker_invoke(WtWorker *worker, GSourceFunc func, gpointer data, GDestroyNotify destroy);

/* @worker's context (transfer none), for sources that belong on it. */
GMainContext *wt_worker_get_context(WtWorker *worker);

guint wt_worker_get_index(const WtWorker *worker);

/* Adjusts the load figure (e.g. rooms or peers) used to pick a worker. Any thread. */
void wt_worker_add_load(WtWorker *worker, gint delta);
gint wt_worker_get_load(const WtWorker *worker);

/* TRUE when called on @worker's own thread. */
gboolean wt_worker_is_current(const WtWorker *worker);

G_END_DECLS
