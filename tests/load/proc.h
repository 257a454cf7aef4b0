/* proc.h — what /proc says of a process: CPU time used and resident memory,
 * for the server the load peer measures and for the load peer itself. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* User + system CPU time of every thread of @pid (0: this process), in µs;
 * 0 when it cannot be read. */
guint64 load_proc_cpu_us(int pid);
/* VmRSS of @pid (0: this process) in KiB; 0 when it cannot be read. */
guint64 load_proc_rss_kib(int pid);

G_END_DECLS
