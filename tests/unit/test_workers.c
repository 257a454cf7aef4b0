/* test_workers.c — the media worker pool: threads, contexts, load, shutdown. */
#include "workers.h"

typedef struct {
  WtWorker *worker;
  GThread *ran_on;
  gboolean was_current;
  gint *destroyed;
  GMutex lock;
  GCond cond;
  gboolean done;
} Probe;

static gboolean
probe_run(gpointer data)
{
  Probe *p = data;
  g_mutex_lock(&p->lock);
  p->ran_on = g_thread_self();
  p->was_current = wt_worker_is_current(p->worker);
  p->done = TRUE;
  g_cond_signal(&p->cond);
  g_mutex_unlock(&p->lock);
  return G_SOURCE_REMOVE;
}

static void
probe_destroyed(gpointer data)
{
  Probe *p = data;
  g_atomic_int_inc(p->destroyed);
}

static void
test_invoke_runs_on_worker(void)
{
  g_autoptr(GError) error = NULL;
  WtWorkerPool *pool = wt_worker_pool_new(3, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(wt_worker_pool_size(pool), ==, 3);
  gint destroyed = 0;
  Probe probes[3] = {0};
  for (guint i = 0; i < 3; i++) {
    probes[i].worker = wt_worker_pool_get(pool, i);
    probes[i].destroyed = &destroyed;
    g_assert_cmpuint(wt_worker_get_index(probes[i].worker), ==, i);
    g_assert_false(wt_worker_is_current(probes[i].worker));
    wt_worker_invoke(probes[i].worker, probe_run, &probes[i], probe_destroyed);
  }
  for (guint i = 0; i < 3; i++) {
    g_mutex_lock(&probes[i].lock);
    while (!probes[i].done)
      g_cond_wait(&probes[i].cond, &probes[i].lock);
    g_mutex_unlock(&probes[i].lock);
    g_assert_true(probes[i].ran_on != g_thread_self());
    g_assert_true(probes[i].was_current);
  }
  g_assert_true(probes[0].ran_on != probes[1].ran_on && probes[1].ran_on != probes[2].ran_on);
  wt_worker_pool_free(pool);
  g_assert_cmpint(destroyed, ==, 3);
}

static void
test_least_loaded(void)
{
  WtWorkerPool *pool = wt_worker_pool_new(3, NULL);
  g_assert_true(wt_worker_pool_pick_least_loaded(pool) == wt_worker_pool_get(pool, 0));
  wt_worker_add_load(wt_worker_pool_get(pool, 0), 2);
  wt_worker_add_load(wt_worker_pool_get(pool, 1), 1);
  g_assert_true(wt_worker_pool_pick_least_loaded(pool) == wt_worker_pool_get(pool, 2));
  wt_worker_add_load(wt_worker_pool_get(pool, 2), 3);
  g_assert_true(wt_worker_pool_pick_least_loaded(pool) == wt_worker_pool_get(pool, 1));
  wt_worker_add_load(wt_worker_pool_get(pool, 0), -2);
  g_assert_cmpint(wt_worker_get_load(wt_worker_pool_get(pool, 0)), ==, 0);
  g_assert_true(wt_worker_pool_pick_least_loaded(pool) == wt_worker_pool_get(pool, 0));
  wt_worker_pool_free(pool);
}

static gboolean
block_until_released(gpointer data)
{
  g_usleep(100 * 1000);
  return G_SOURCE_REMOVE;
}

static gboolean
never_expected(gpointer data)
{
  return G_SOURCE_REMOVE;
}

/* Work posted but not run when the pool stops is dropped, and its destroy still runs. */
static void
test_free_drops_pending_with_destroy(void)
{
  WtWorkerPool *pool = wt_worker_pool_new(1, NULL);
  WtWorker *w = wt_worker_pool_get(pool, 0);
  gint destroyed = 0;
  Probe probe = {.worker = w, .destroyed = &destroyed};
  wt_worker_invoke(w, block_until_released, NULL, NULL);
  for (int i = 0; i < 5; i++)
    wt_worker_invoke(w, never_expected, &probe, probe_destroyed);
  wt_worker_pool_free(pool);
  g_assert_cmpint(destroyed, ==, 5);
}

static void
test_default_size_is_cores(void)
{
  WtWorkerPool *pool = wt_worker_pool_new(0, NULL);
  g_assert_cmpuint(wt_worker_pool_size(pool), ==, g_get_num_processors());
  wt_worker_pool_free(pool);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/workers/invoke-runs-on-worker", test_invoke_runs_on_worker);
  g_test_add_func("/workers/least-loaded", test_least_loaded);
  g_test_add_func("/workers/free-drops-pending-with-destroy", test_free_drops_pending_with_destroy);
  g_test_add_func("/workers/default-size-is-cores", test_default_size_is_cores);
  return g_test_run();
}
