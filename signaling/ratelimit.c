/* ratelimit.c — token bucket for per-connection message rates. */
#include "ratelimit.h"

void
wt_rate_limit_init(WtRateLimit *rl, double rate, double burst, gint64 now_us)
{
  g_assert(rate > 0 && burst >= 1);
  rl->rate = rate;
  rl->burst = burst;
  rl->tokens = burst;
  rl->last_us = now_us;
}

gboolean
wt_rate_limit_take(WtRateLimit *rl, gint64 now_us)
{
  if (now_us > rl->last_us) {
    rl->tokens = MIN(rl->burst, rl->tokens + (double)(now_us - rl->last_us) * rl->rate / 1e6);
    rl->last_us = now_us;
  }
  if (rl->tokens < 1.0)
    return FALSE;
  rl->tokens -= 1.0;
  return TRUE;
}
