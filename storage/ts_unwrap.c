/* ts_unwrap.c — the timestamp rules of ts_unwrap.h. Pure arithmetic on a
 * caller-owned struct; any thread, one stream per struct. */
#include "ts_unwrap.h"

#define MAX_ARRIVAL_GAP_US ((gint64)1 << 40) /* about 12.7 days: keeps ticks in range */

void
wt_ts_unwrap_init(WtTsUnwrap *u, guint32 clock_rate)
{
  g_return_if_fail(clock_rate > 0);
  *u = (WtTsUnwrap){
      .clock_rate = clock_rate,
      .max_ahead_ms = WT_TS_MAX_AHEAD_MS,
      .pause_ms = WT_TS_PAUSE_MS,
  };
}

static gint64
us_to_ticks(const WtTsUnwrap *u, gint64 us)
{
  return us / G_USEC_PER_SEC * u->clock_rate + us % G_USEC_PER_SEC * u->clock_rate / G_USEC_PER_SEC;
}

static gint64
ms_to_ticks(const WtTsUnwrap *u, gint64 ms)
{
  return ms / 1000 * u->clock_rate + ms % 1000 * u->clock_rate / 1000;
}

gint64
wt_ts_unwrap_to_us(const WtTsUnwrap *u, gint64 ticks)
{
  return ticks / u->clock_rate * G_USEC_PER_SEC + ticks % u->clock_rate * G_USEC_PER_SEC / u->clock_rate;
}

gint64
wt_ts_unwrap_to_ms(const WtTsUnwrap *u, gint64 ticks)
{
  return ticks / u->clock_rate * 1000 + ticks % u->clock_rate * 1000 / u->clock_rate;
}

gint64
wt_ts_unwrap_update(WtTsUnwrap *u, guint32 ts, gint64 arrival_us, WtTsResult *result)
{
  WtTsResult r = {WT_TS_OK, 0};
  gint64 ext;
  if (!u->started) {
    u->started = TRUE;
    ext = ts;
    r.event = WT_TS_FIRST;
  } else {
    gint64 d = (gint32)(ts - u->last_ts);
    gint64 w = 0;
    if (arrival_us > u->last_arrival_us) /* unsigned: the difference may not fit a gint64 */
      w = (gint64)MIN((guint64)arrival_us - (guint64)u->last_arrival_us,
                      (guint64)MAX_ARRIVAL_GAP_US);
    gint64 wt = us_to_ticks(u, w);
    if (d < 0 || d - wt > ms_to_ticks(u, u->max_ahead_ms)) {
      r = (WtTsResult){WT_TS_JUMP, w};
      u->jumps++;
    } else if (wt - d > ms_to_ticks(u, u->pause_ms)) {
      r = (WtTsResult){WT_TS_PAUSE, w - wt_ts_unwrap_to_us(u, d)};
      u->pauses++;
    }
    if (r.event == WT_TS_OK) {
      ext = u->last_ext + d;
    } else {
      ext = u->last_ext + wt;
      u->offset += wt - d;
    }
  }
  u->last_ts = ts;
  u->last_ext = ext;
  u->last_arrival_us = arrival_us;
  if (result)
    *result = r;
  return ext;
}

gint64
wt_ts_unwrap_peek(const WtTsUnwrap *u, guint32 ts)
{
  if (!u->started)
    return 0;
  return u->last_ext + (gint32)(ts - u->last_ts);
}
