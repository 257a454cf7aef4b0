/* ts_unwrap.h — turns one stream's 32-bit RTP timestamps into a 64-bit,
 * never decreasing timeline, and says where that timeline had to leave the
 * sender's clock.
 *
 * The recorder needs timestamps that only go forward, across wrap-around and
 * across whatever a sender does: timestamps that jump by 2^31 or more, that go
 * back, or that stand still while the sender pauses. The arrival time of
 * each packet (the caller's monotonic clock) is the referee.
 *
 *   WtTsUnwrap u;
 *   wt_ts_unwrap_init(&u, 90000);
 *   WtTsResult r;
 *   gint64 ext = wt_ts_unwrap_update(&u, pkt.ts, pkt.arrival_us, &r);
 *   if (r.event == WT_TS_JUMP || r.event == WT_TS_PAUSE)
 *     record_gap(r.gap_us);
 *
 * The rules, exactly. For each timestamp after the first, let
 *   d  = the difference from the previous timestamp, modulo 2^32, as a
 *        signed number in [-2^31, 2^31);
 *   w  = the arrival time since the previous packet, clamped to
 *        [0, 2^40] µs, and wt = w in clock ticks (w * clock_rate / 10^6).
 * Then, the first rule that applies:
 *   1. d < 0, or d - wt > max_ahead_ms (in ticks): a discontinuity (JUMP).
 *      The sender's clock went back, or forward by far more than the time
 *      that passed; a jump forward of 2^31 or more reads as d < 0 and lands
 *      here too. The timeline is re-based on the wall clock:
 *      ext = previous ext + wt, and gap_us = w.
 *   2. wt - d > pause_ms (in ticks): the sender paused without its clock
 *      moving (PAUSE). Re-based the same way, ext = previous ext + wt, and
 *      gap_us = w - d in µs: the time with no media.
 *   3. Otherwise (OK): ext = previous ext + d, which carries the wrap-around
 *      from 2^32 - 1 to 0 over as 2^32.
 * The first timestamp gives ext = ts (FIRST). So ext never decreases, and
 * until the first re-base ext modulo 2^32 is the RTP timestamp.
 *
 * `offset` = ext minus the timestamp unwrapped without re-basing, so
 * wt_ts_unwrap_peek() can map another timestamp near the current one (an
 * RTCP sender report's) onto the same timeline.
 *
 * Threads: a plain struct, owned by whoever owns the stream; no I/O.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define WT_TS_MAX_AHEAD_MS 1000
#define WT_TS_PAUSE_MS 1000

typedef enum {
  WT_TS_FIRST, /* the first timestamp */
  WT_TS_OK,    /* continues the sender's clock (wrap-around included) */
  WT_TS_JUMP,  /* the sender's clock jumped: re-based on the arrival time */
  WT_TS_PAUSE, /* the arrival gap far exceeds the timestamp gap: re-based */
} WtTsEvent;

typedef struct {
  WtTsEvent event;
  gint64 gap_us; /* JUMP: the arrival gap; PAUSE: the arrival gap less the timestamp gap;
                  * else 0 */
} WtTsResult;

typedef struct {
  /* Settings: wt_ts_unwrap_init() sets the defaults; change them before the
   * first update. */
  guint32 clock_rate; /* ticks per second, e.g. 90000 or 48000 */
  gint64 max_ahead_ms;
  gint64 pause_ms;

  /* State. */
  gboolean started;
  guint32 last_ts;
  gint64 last_ext;
  gint64 last_arrival_us;
  gint64 offset; /* sum of the re-bases, in ticks */
  guint64 jumps, pauses;
} WtTsUnwrap;

/* Resets @u for a stream clocked at @clock_rate (> 0) with the default
 * settings. */
void wt_ts_unwrap_init(WtTsUnwrap *u, guint32 clock_rate);

/* Extends @ts, which arrived at @arrival_us, by the rules above; fills
 * *@result (may be NULL) and returns the 64-bit timestamp. */
gint64 wt_ts_unwrap_update(WtTsUnwrap *u, guint32 ts, gint64 arrival_us, WtTsResult *result);

/* Where @ts falls on the timeline if it is within 2^31 of the last one,
 * without changing @u (for RTCP sender reports). 0 before the first update. */
gint64 wt_ts_unwrap_peek(const WtTsUnwrap *u, guint32 ts);

/* @ticks of @u's clock in milliseconds (floor), or µs. */
gint64 wt_ts_unwrap_to_ms(const WtTsUnwrap *u, gint64 ticks);
gint64 wt_ts_unwrap_to_us(const WtTsUnwrap *u, gint64 ticks);

G_END_DECLS
