/* test_ts_unwrap.c — RTP timestamps to a monotonic 64-bit timeline
 * (storage/ts_unwrap.h): steady streams, wrap-around, jumps of 2^31 and more
 * either way, a sender's pause without a timestamp jump, and the helpers. */
#include "ts_unwrap.h"

#define MS G_TIME_SPAN_MILLISECOND

static void
test_steady_and_wrap(void)
{
  WtTsUnwrap u;
  wt_ts_unwrap_init(&u, 90000);
  WtTsResult r;
  /* 30 fps video starting 10 frames before the wrap. */
  guint32 ts = G_MAXUINT32 - 3000 * 10 + 1;
  gint64 first = wt_ts_unwrap_update(&u, ts, 0, &r);
  g_assert_cmpint(r.event, ==, WT_TS_FIRST);
  g_assert_cmpint(first, ==, ts);
  for (guint i = 1; i <= 30; i++) {
    ts += 3000;
    gint64 ext = wt_ts_unwrap_update(&u, ts, i * 33 * MS, &r);
    g_assert_cmpint(r.event, ==, WT_TS_OK);
    g_assert_cmpint(ext, ==, first + i * 3000);
    g_assert_cmpuint((guint32)ext, ==, ts);
  }
  g_assert_cmpint(u.last_ext, >, G_MAXUINT32);
  /* Packets of one frame share a timestamp. */
  gint64 same = wt_ts_unwrap_update(&u, ts, 30 * 33 * MS + 1, &r);
  g_assert_cmpint(r.event, ==, WT_TS_OK);
  g_assert_cmpint(same, ==, u.last_ext);
  g_assert_cmpint(u.jumps + u.pauses, ==, 0);
  g_assert_cmpint(u.offset, ==, 0);
}

static void
test_jump_forward_beyond_2_31(void)
{
  WtTsUnwrap u;
  wt_ts_unwrap_init(&u, 48000);
  WtTsResult r;
  wt_ts_unwrap_update(&u, 1000, 0, &r);
  gint64 a = wt_ts_unwrap_update(&u, 1960, 20 * MS, &r);
  /* Forward by 2^31 + 5 reads as a step back: re-based on the 20 ms that passed. */
  gint64 b = wt_ts_unwrap_update(&u, 1960u + 0x80000005u, 40 * MS, &r);
  g_assert_cmpint(r.event, ==, WT_TS_JUMP);
  g_assert_cmpint(r.gap_us, ==, 20 * MS);
  g_assert_cmpint(b, ==, a + 960);
  /* And continues from there. */
  gint64 c = wt_ts_unwrap_update(&u, 1960u + 0x80000005u + 960, 60 * MS, &r);
  g_assert_cmpint(r.event, ==, WT_TS_OK);
  g_assert_cmpint(c, ==, b + 960);
  g_assert_cmpint(wt_ts_unwrap_peek(&u, 1960u + 0x80000005u + 1920), ==, c + 960);
  g_assert_cmpuint(u.jumps, ==, 1);
}

static void
test_jump_forward_below_2_31(void)
{
  WtTsUnwrap u;
  wt_ts_unwrap_init(&u, 90000);
  WtTsResult r;
  wt_ts_unwrap_update(&u, 5000, 0, &r);
  /* An hour ahead of a 33 ms step: not believed. */
  gint64 ext = wt_ts_unwrap_update(&u, 5000 + 90000u * 3600, 33 * MS, &r);
  g_assert_cmpint(r.event, ==, WT_TS_JUMP);
  g_assert_cmpint(ext, ==, 5000 + 2970);
  /* Within max_ahead_ms of the wall clock is fine (a delayed previous packet). */
  guint32 base = 5000 + 90000u * 3600;
  ext = wt_ts_unwrap_update(&u, base + 90000 / 2, 40 * MS, &r);
  g_assert_cmpint(r.event, ==, WT_TS_OK);
  g_assert_cmpint(ext, ==, 5000 + 2970 + 45000);
}

static void
test_backwards(void)
{
  WtTsUnwrap u;
  wt_ts_unwrap_init(&u, 90000);
  WtTsResult r;
  wt_ts_unwrap_update(&u, 900000, 0, &r);
  gint64 a = wt_ts_unwrap_update(&u, 903000, 33 * MS, &r);
  /* A sender that starts its clock again: never back, re-based on 33 ms. */
  gint64 b = wt_ts_unwrap_update(&u, 100, 66 * MS, &r);
  g_assert_cmpint(r.event, ==, WT_TS_JUMP);
  g_assert_cmpint(b, ==, a + 2970);
  g_assert_cmpint(u.offset, ==, 2970 - (gint64)(100 - 903000));
}

static void
test_pause(void)
{
  WtTsUnwrap u;
  wt_ts_unwrap_init(&u, 90000);
  WtTsResult r;
  wt_ts_unwrap_update(&u, 0, 0, &r);
  gint64 a = wt_ts_unwrap_update(&u, 3000, 33 * MS, &r);
  /* 5 s without packets, and the timestamp moved by one frame only. */
  gint64 b = wt_ts_unwrap_update(&u, 6000, 5033 * MS, &r);
  g_assert_cmpint(r.event, ==, WT_TS_PAUSE);
  g_assert_cmpint(b, ==, a + 5000 * 90);
  g_assert_cmpint(r.gap_us, ==, 5000 * MS - 33333);
  g_assert_cmpuint(u.pauses, ==, 1);
  /* A real gap where the timestamp moved with the clock is not a pause. */
  gint64 c = wt_ts_unwrap_update(&u, 6000 + 90000 * 3, 8033 * MS, &r);
  g_assert_cmpint(r.event, ==, WT_TS_OK);
  g_assert_cmpint(c, ==, b + 270000);
  /* Nor is a late arrival just under the threshold. */
  wt_ts_unwrap_update(&u, 6000 + 90000 * 3 + 3000, 8033 * MS + 1000 * MS, &r);
  g_assert_cmpint(r.event, ==, WT_TS_OK);
}

static void
test_arrival_goes_back(void)
{
  WtTsUnwrap u;
  wt_ts_unwrap_init(&u, 48000);
  WtTsResult r;
  wt_ts_unwrap_update(&u, 0, 100 * MS, &r);
  /* Reordered arrivals: the clock difference counts as zero. */
  gint64 e = wt_ts_unwrap_update(&u, 960, 90 * MS, &r);
  g_assert_cmpint(r.event, ==, WT_TS_OK);
  g_assert_cmpint(e, ==, 960);
  /* Extreme clocks do not overflow. */
  wt_ts_unwrap_update(&u, 1920, G_MININT64, &r);
  wt_ts_unwrap_update(&u, 2880, G_MAXINT64, &r);
  g_assert_cmpint(r.event, ==, WT_TS_PAUSE);
  g_assert_cmpint(u.last_ext, >, 0);
}

static void
test_conversions(void)
{
  WtTsUnwrap u;
  wt_ts_unwrap_init(&u, 90000);
  g_assert_cmpint(wt_ts_unwrap_to_ms(&u, 90000), ==, 1000);
  g_assert_cmpint(wt_ts_unwrap_to_ms(&u, 89), ==, 0);
  g_assert_cmpint(wt_ts_unwrap_to_ms(&u, 90), ==, 1);
  g_assert_cmpint(wt_ts_unwrap_to_us(&u, 9), ==, 100);
  g_assert_cmpint(wt_ts_unwrap_to_ms(&u, G_GINT64_CONSTANT(90000) * 86400 * 365), ==,
                  G_GINT64_CONSTANT(1000) * 86400 * 365);
  g_assert_cmpint(wt_ts_unwrap_peek(&u, 5), ==, 0);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/ts-unwrap/steady-and-wrap", test_steady_and_wrap);
  g_test_add_func("/ts-unwrap/jump-forward-beyond-2^31", test_jump_forward_beyond_2_31);
  g_test_add_func("/ts-unwrap/jump-forward-below-2^31", test_jump_forward_below_2_31);
  g_test_add_func("/ts-unwrap/backwards", test_backwards);
  g_test_add_func("/ts-unwrap/pause", test_pause);
  g_test_add_func("/ts-unwrap/arrival-goes-back", test_arrival_goes_back);
  g_test_add_func("/ts-unwrap/conversions", test_conversions);
  return g_test_run();
}
