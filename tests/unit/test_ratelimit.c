/* test_ratelimit.c — the token bucket behind the per-connection message limit. */
#include "ratelimit.h"

static void
test_burst_then_rate(void)
{
  WtRateLimit rl;
  wt_rate_limit_init(&rl, 10, 5, 0);
  for (int i = 0; i < 5; i++)
    g_assert_true(wt_rate_limit_take(&rl, 0));
  g_assert_false(wt_rate_limit_take(&rl, 0));
  g_assert_false(wt_rate_limit_take(&rl, 50000)); /* half a token after 50 ms */
  g_assert_true(wt_rate_limit_take(&rl, 100000)); /* one after 100 ms */
  g_assert_false(wt_rate_limit_take(&rl, 100000));
}

static void
test_refill_capped_at_burst(void)
{
  WtRateLimit rl;
  wt_rate_limit_init(&rl, 10, 3, 0);
  for (int i = 0; i < 3; i++)
    g_assert_true(wt_rate_limit_take(&rl, 0));
  gint64 later = 60 * G_USEC_PER_SEC;
  for (int i = 0; i < 3; i++)
    g_assert_true(wt_rate_limit_take(&rl, later));
  g_assert_false(wt_rate_limit_take(&rl, later));
}

static void
test_flood(void)
{
  WtRateLimit rl;
  wt_rate_limit_init(&rl, 20, 40, 0);
  int accepted = 0;
  for (int i = 0; i < 1000; i++)
    accepted += wt_rate_limit_take(&rl, (gint64)i * 1000); /* 1000 in one second */
  g_assert_cmpint(accepted, >=, 59);
  g_assert_cmpint(accepted, <=, 61);
}

static void
test_clock_going_back(void)
{
  WtRateLimit rl;
  wt_rate_limit_init(&rl, 1, 1, 1000000);
  g_assert_true(wt_rate_limit_take(&rl, 1000000));
  g_assert_false(wt_rate_limit_take(&rl, 0));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/ratelimit/burst-then-rate", test_burst_then_rate);
  g_test_add_func("/ratelimit/refill-capped-at-burst", test_refill_capped_at_burst);
  g_test_add_func("/ratelimit/flood", test_flood);
  g_test_add_func("/ratelimit/clock-going-back", test_clock_going_back);
  return g_test_run();
}
