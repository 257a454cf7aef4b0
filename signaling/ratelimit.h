/* ratelimit.h — a token bucket: @rate tokens a second, holding at most @burst.
 * Plain struct, no allocation; owned by whoever embeds it (one per connection,
 * used on the signaling thread only). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  double rate;   /* tokens added per second */
  double burst;  /* bucket size */
  double tokens; /* tokens now */
  gint64 last_us; /* monotonic time of the last refill */
} WtRateLimit;

/* Starts full at @now_us (g_get_monotonic_time()). */
void wt_rate_limit_init(WtRateLimit *rl, double rate, double burst, gint64 now_us);

/* Takes one token; FALSE when the bucket is empty (the caller is over the limit). */
gboolean wt_rate_limit_take(WtRateLimit *rl, gint64 now_us);

G_END_DECLS
