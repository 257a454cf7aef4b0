/* bench_consult.c — witness-consult-bench: what the consultation queue
 * (server/modules/consult) costs witnessd as it grows. For each queue size N
 * it starts witnessd with the consult module, connects two staff and N
 * applicants over /ws (and a third staff member who only watches the queue
 * list), and has the applicants join the queue one after
 * another; then staff take ten applicants. Every change sends each waiting
 * applicant their position and each staff member the whole queue, so the
 * figures show how that fan-out grows with N. Printed, not asserted:
 *
 *   BENCH consult n=… join_ms_p50=… join_ms_p99=… cpu_us_per_join=…
 *         take_ms=… update_all_ms=… cpu_us_per_take=… staff_bytes_per_change=…
 *
 * join_ms: an applicant's join request to its result (client included);
 * cpu_us_per_*: witnessd's user+system CPU per request (/proc/<pid>/stat);
 * update_all_ms: a take until every waiting applicant has its new position.
 * Run it on a release build: meson test -C build-bench --benchmark --verbose
 * consult (sizes from WT_BENCH_SIZES, default "50 200 500"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "module_request.h"

#define CONFIG                                                                                     \
  "[modules]\nload=consult\n[liveness]\nenabled=false\n"                                           \
  "[limits]\nmax_connections=2000\n"
#define TAKES 10

/* witnessd's user + system CPU time in microseconds. */
static gint64
cpu_us(int pid)
{
  g_autofree char *path = g_strdup_printf("/proc/%d/stat", pid);
  g_autofree char *text = NULL;
  if (!g_file_get_contents(path, &text, NULL, NULL))
    return 0;
  const char *p = strrchr(text, ')'); /* the command name may hold spaces */
  unsigned long utime = 0, stime = 0;
  /* After ")": state, then fields 4..13, then utime (14) and stime (15). */
  if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime,
                   &stime) != 2)
    return 0;
  return (gint64)(utime + stime) * G_USEC_PER_SEC / sysconf(_SC_CLK_TCK);
}

/* Takes every queued message off @ws; returns their total size in bytes. */
static gsize
drain(WtItWs *ws)
{
  gsize bytes = 0;
  char *text = NULL;
  while (wt_it_ws_next(ws, 0, &text) == WT_IT_WS_MESSAGE) {
    bytes += strlen(text);
    g_clear_pointer(&text, g_free);
  }
  return bytes;
}

static int
compare_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double
percentile(double *sorted, guint n, double q)
{
  guint i = (guint)(q * (n - 1) + 0.5);
  return sorted[MIN(i, n - 1)];
}

static WtItWs *
connect_as(WtItDaemon *d, const char *role, const char *sub)
{
  g_autofree char *token = wt_it_mint(d, role, sub, NULL);
  return wt_it_ws_hello(d, token, NULL);
}

static void
bench_size(guint n)
{
  g_autoptr(WtItDaemon) d = wt_it_daemon_start(CONFIG);
  int pid = wt_it_daemon_pid(d);
  WtItWs *staff[2] = {connect_as(d, "staff", "sam"), connect_as(d, "staff", "sue")};
  g_autoptr(WtItWs) watcher = connect_as(d, "staff", "sid");
  g_autoptr(JsonObject) listed = wt_it_module_request(watcher, 2, "consult", "list", NULL);
  wt_it_assert_result(listed, 2);
  WtItWs **applicants = g_new0(WtItWs *, n);
  for (guint i = 0; i < n; i++) {
    g_autofree char *sub = g_strdup_printf("applicant-%04u", i);
    applicants[i] = connect_as(d, "applicant", sub);
  }

  /* N joins, one after another. */
  double *join_ms = g_new(double, n);
  gint64 cpu0 = cpu_us(pid);
  for (guint i = 0; i < n; i++) {
    gint64 t0 = g_get_monotonic_time();
    g_autoptr(JsonObject) r = wt_it_module_request(applicants[i], 2, "consult", "join",
                                                   "\"topic\":\"transfer\"");
    JsonObject *res = wt_it_assert_result(r, 2);
    g_assert_cmpint(json_object_get_int_member(res, "position"), ==, i + 1);
    join_ms[i] = (g_get_monotonic_time() - t0) / 1000.0;
  }
  gint64 cpu_joins = cpu_us(pid) - cpu0;
  qsort(join_ms, n, sizeof *join_ms, compare_double);

  /* Staff take TAKES applicants; after each, every one still waiting hears its new place. */
  for (guint i = 0; i < n; i++)
    drain(applicants[i]);
  drain(watcher);
  double take_ms = 0, update_all_ms = 0;
  cpu0 = cpu_us(pid);
  for (guint k = 0; k < TAKES; k++) {
    guint *before = g_new(guint, n);
    for (guint i = 0; i < n; i++)
      before[i] = wt_it_ws_received_count(applicants[i]);
    gint64 t0 = g_get_monotonic_time();
    g_autoptr(JsonObject) r = wt_it_module_request(staff[k % 2], 3 + k, "consult", "take", NULL);
    wt_it_assert_result(r, 3 + k);
    take_ms += (g_get_monotonic_time() - t0) / 1000.0;
    for (guint i = k + 1; i < n; i++)
      while (wt_it_ws_received_count(applicants[i]) == before[i])
        wt_it_pump(1);
    update_all_ms += (g_get_monotonic_time() - t0) / 1000.0;
    g_free(before);
  }
  gint64 cpu_takes = cpu_us(pid) - cpu0;
  wt_it_pump(200);
  gsize staff_bytes = drain(watcher); /* every change's queue list */

  printf("BENCH consult n=%u join_ms_p50=%.2f join_ms_p99=%.2f cpu_us_per_join=%" G_GINT64_FORMAT
         " take_ms=%.2f update_all_ms=%.2f cpu_us_per_take=%" G_GINT64_FORMAT
         " staff_bytes_per_change=%" G_GSIZE_FORMAT "\n",
         n, percentile(join_ms, n, 0.5), percentile(join_ms, n, 0.99), cpu_joins / n,
         take_ms / TAKES, update_all_ms / TAKES, cpu_takes / TAKES, staff_bytes / TAKES);
  fflush(stdout);

  for (guint i = 0; i < n; i++)
    wt_it_ws_free(applicants[i]);
  g_free(applicants);
  g_free(join_ms);
  wt_it_ws_free(staff[0]);
  wt_it_ws_free(staff[1]);
  wt_it_daemon_stop_clean(d);
}

static void
bench(void)
{
  const char *sizes = g_getenv("WT_BENCH_SIZES");
  g_auto(GStrv) list = g_strsplit(sizes && *sizes ? sizes : "50 200 500", " ", -1);
  for (guint i = 0; list[i]; i++)
    if (*list[i])
      bench_size((guint)g_ascii_strtoull(list[i], NULL, 10));
}

int
main(int argc, char **argv)
{
  wt_it_init(&argc, &argv);
  g_test_add_func("/bench/consult", bench);
  return wt_it_run_tests();
}
