/* workers.c — one thread and one GMainContext per worker. */
#include "workers.h"

struct _WtWorker {
  guint index;
  GMainContext *context;
  GMainLoop *loop;
  GThread *thread;
  gint load; /* atomic */
};

struct _WtWorkerPool {
  guint n;
  WtWorker *workers;
};

static gpointer
worker_main(gpointer data)
{
  WtWorker *worker = data;
  g_main_context_push_thread_default(worker->context);
  g_main_loop_run(worker->loop);
  g_main_context_pop_thread_default(worker->context);
  return NULL;
}

WtWorkerPool *
wt_worker_pool_new(guint n, GError **error)
{
  WtWorkerPool *pool = g_new0(WtWorkerPool, 1);
  pool->n = n ? n : g_get_num_processors();
  pool->workers = g_new0(WtWorker, pool->n);
  for (guint i = 0; i < pool->n; i++) {
    WtWorker *w = &pool->workers[i];
    w->index = i;
    w->context = g_main_context_new();
    w->loop = g_main_loop_new(w->context, FALSE);
    g_autofree char *name = g_strdup_printf("wt-media-%u", i);
    w->thread = g_thread_try_new(name, worker_main, w, error);
    if (!w->thread) {
      wt_worker_pool_free(pool);
      return NULL;
    }
  }
  g_info("started %u media workers", pool->n);
  return pool;
}

static gboolean
quit_loop(gpointer data)
{
  g_main_loop_quit(data);
  return G_SOURCE_REMOVE;
}

void
wt_worker_pool_free(WtWorkerPool *pool)
{
  if (!pool)
    return;
  for (guint i = 0; i < pool->n; i++) {
    WtWorker *w = &pool->workers[i];
    if (w->thread) {
      g_main_context_invoke(w->context, quit_loop, w->loop);
      g_thread_join(w->thread);
    }
    g_main_loop_unref(w->loop);
    /* Sources still attached (posted work not yet run) are destroyed here,
     * which calls their destroy functions. */
    g_main_context_unref(w->context);
  }
  g_free(pool->workers);
  g_free(pool);
}

guint
wt_worker_pool_size(const WtWorkerPool *pool)
{
  return pool->n;
}

WtWorker *
wt_worker_pool_get(WtWorkerPool *pool, guint index)
{
  g_return_val_if_fail(index < pool->n, NULL);
  return &pool->workers[index];
}

WtWorker *
wt_worker_pool_pick_least_loaded(WtWorkerPool *pool)
{
  WtWorker *best = &pool->workers[0];
  for (guint i = 1; i < pool->n; i++) {
    if (wt_worker_get_load(&pool->workers[i]) < wt_worker_get_load(best))
      best = &pool->workers[i];
  }
  return best;
}

void
wt_worker_invoke(WtWorker *worker, GSourceFunc func, gpointer data, GDestroyNotify destroy)
{
  /* Always through an idle source, never inline, so the function runs on the
   * worker's thread even when the caller happens to own the context. */
  GSource *source = g_idle_source_new();
  g_source_set_priority(source, G_PRIORITY_DEFAULT);
  g_source_set_callback(source, func, data, destroy);
  g_source_attach(source, worker->context);
  g_source_unref(source);
}

GMainContext *
wt_worker_get_context(WtWorker *worker)
{
  return worker->context;
}

guint
wt_worker_get_index(const WtWorker *worker)
{
  return worker->index;
}

void
wt_worker_add_load(WtWorker *worker, gint delta)
{
  g_atomic_int_add(&worker->load, delta);
}

gint
wt_worker_get_load(const WtWorker *worker)
{
  return g_atomic_int_get(&((WtWorker *)worker)->load);
}

gboolean
wt_worker_is_current(const WtWorker *worker)
{
  return g_main_context_is_owner(worker->context);
}
