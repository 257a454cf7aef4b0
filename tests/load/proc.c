/* proc.c — CPU time and resident memory from /proc (see proc.h). */
#include "proc.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char *
read_proc(int pid, const char *file)
{
  g_autofree char *path =
      pid ? g_strdup_printf("/proc/%d/%s", pid, file) : g_strdup_printf("/proc/self/%s", file);
  char *text = NULL;
  return g_file_get_contents(path, &text, NULL, NULL) ? text : NULL;
}

guint64
load_proc_cpu_us(int pid)
{
  g_autofree char *stat = read_proc(pid, "stat");
  /* The command name may hold spaces and parentheses: fields count from the last ')'. */
  const char *p = stat ? strrchr(stat, ')') : NULL;
  unsigned long long utime = 0, stime = 0;
  if (!p ||
      sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
    return 0;
  long hz = sysconf(_SC_CLK_TCK);
  return (guint64)(utime + stime) * G_USEC_PER_SEC / (guint64)(hz > 0 ? hz : 100);
}

guint64
load_proc_rss_kib(int pid)
{
  g_autofree char *status = read_proc(pid, "status");
  const char *p = status ? strstr(status, "\nVmRSS:") : NULL;
  unsigned long long kib = 0;
  return p && sscanf(p + 7, "%llu", &kib) == 1 ? kib : 0;
}
