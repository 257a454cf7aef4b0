/* test_consult_queue.c — the consultation queue's pure logic
 * (server/modules/consult/queue.c): order of arrival, positions, who is
 * taken next (away applicants skipped but keeping their place), and the wait
 * estimate from the recent handling times and the staff serving. */
#include "queue.h"

static WtConsultTicket *
add(WtConsultQueue *q, gint64 n, const char *sub)
{
  WtConsultTicket *t = wt_consult_ticket_new(n, sub, "transfer", 1000 * n);
  wt_consult_queue_add(q, t);
  return t;
}

static void
test_order_and_positions(void)
{
  WtConsultQueue *q = wt_consult_queue_new(300000);
  /* Added out of order (as a restart may load them): kept in ticket order. */
  WtConsultTicket *c = add(q, 7, "c");
  WtConsultTicket *a = add(q, 3, "a");
  WtConsultTicket *b = add(q, 5, "b");
  g_assert_cmpuint(wt_consult_queue_position(q, a), ==, 1);
  g_assert_cmpuint(wt_consult_queue_position(q, b), ==, 2);
  g_assert_cmpuint(wt_consult_queue_position(q, c), ==, 3);
  g_assert_cmpuint(wt_consult_queue_waiting(q), ==, 3);
  g_assert_true(wt_consult_queue_find_sub(q, "b") == b);
  g_assert_true(wt_consult_queue_find_ticket(q, 7) == c);
  g_assert_null(wt_consult_queue_find_sub(q, "nobody"));

  /* Taken: no position any more, and the others move up. */
  a->state = WT_CONSULT_CALLED;
  wt_consult_ticket_set_call(a, "consult-1", "staff-1");
  g_assert_cmpuint(wt_consult_queue_position(q, a), ==, 0);
  g_assert_cmpuint(wt_consult_queue_position(q, b), ==, 1);
  g_assert_cmpuint(wt_consult_queue_position(q, c), ==, 2);
  g_assert_true(wt_consult_queue_find_room(q, "consult-1") == a);

  /* Back in the queue (staff disconnected): its number puts it first again. */
  a->state = WT_CONSULT_WAITING;
  g_assert_cmpuint(wt_consult_queue_position(q, a), ==, 1);

  /* Leaving: the rest move up. */
  wt_consult_queue_remove(q, b);
  g_assert_cmpuint(wt_consult_queue_position(q, c), ==, 2);
  g_assert_cmpuint(wt_consult_queue_waiting(q), ==, 2);
  wt_consult_queue_free(q);
}

static void
test_next_skips_away(void)
{
  WtConsultQueue *q = wt_consult_queue_new(300000);
  WtConsultTicket *a = add(q, 1, "a");
  WtConsultTicket *b = add(q, 2, "b");
  g_assert_true(wt_consult_queue_next(q) == a);
  /* a closed the app: b is taken next, a keeps position 1 for the grace period. */
  a->away_since_us = 42;
  g_assert_true(wt_consult_queue_next(q) == b);
  g_assert_cmpuint(wt_consult_queue_position(q, a), ==, 1);
  b->state = WT_CONSULT_IN_CALL;
  g_assert_null(wt_consult_queue_next(q));
  a->away_since_us = 0;
  g_assert_true(wt_consult_queue_next(q) == a);
  wt_consult_queue_free(q);
  /* Empty queue. */
  q = wt_consult_queue_new(1000);
  g_assert_null(wt_consult_queue_next(q));
  wt_consult_queue_free(q);
}

static void
test_estimate(void)
{
  WtConsultQueue *q = wt_consult_queue_new(300000);
  /* No history: the default (5 min) per round. */
  g_assert_cmpint(wt_consult_queue_average_ms(q), ==, 300000);
  g_assert_cmpint(wt_consult_queue_estimate_s(q, 1, 1), ==, 300);
  g_assert_cmpint(wt_consult_queue_estimate_s(q, 3, 1), ==, 900);
  /* Two staff take two applicants per round; nobody online counts as one. */
  g_assert_cmpint(wt_consult_queue_estimate_s(q, 3, 2), ==, 600);
  g_assert_cmpint(wt_consult_queue_estimate_s(q, 4, 2), ==, 600);
  g_assert_cmpint(wt_consult_queue_estimate_s(q, 2, 0), ==, 600);
  g_assert_cmpint(wt_consult_queue_estimate_s(q, 0, 1), ==, 0);
  /* History replaces the default: average of 60 s and 120 s. */
  wt_consult_queue_record_handling(q, 60000);
  wt_consult_queue_record_handling(q, 120000);
  g_assert_cmpint(wt_consult_queue_average_ms(q), ==, 90000);
  g_assert_cmpint(wt_consult_queue_estimate_s(q, 2, 1), ==, 180);
  /* Only the last WT_CONSULT_HISTORY calls count. */
  for (int i = 0; i < WT_CONSULT_HISTORY; i++)
    wt_consult_queue_record_handling(q, 30000);
  g_assert_cmpint(wt_consult_queue_average_ms(q), ==, 30000);
  /* A negative time (a clock moved back) counts as 0, not less. */
  wt_consult_queue_record_handling(q, -50000);
  g_assert_cmpint(wt_consult_queue_average_ms(q), ==, 27000);
  wt_consult_queue_free(q);
}

static void
test_state_names(void)
{
  WtConsultState s;
  for (int i = WT_CONSULT_WAITING; i <= WT_CONSULT_NO_SHOW; i++) {
    g_assert_true(wt_consult_state_from_name(wt_consult_state_name((WtConsultState)i), &s));
    g_assert_cmpint(s, ==, i);
  }
  g_assert_cmpstr(wt_consult_state_name(WT_CONSULT_IN_CALL), ==, "in-call");
  g_assert_false(wt_consult_state_from_name("nonsense", &s));
  g_assert_false(wt_consult_state_from_name(NULL, &s));
  g_assert_true(wt_consult_state_active(WT_CONSULT_CALLED));
  g_assert_false(wt_consult_state_active(WT_CONSULT_DONE));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/consult/queue/order", test_order_and_positions);
  g_test_add_func("/consult/queue/next", test_next_skips_away);
  g_test_add_func("/consult/queue/estimate", test_estimate);
  g_test_add_func("/consult/queue/state-names", test_state_names);
  return g_test_run();
}
