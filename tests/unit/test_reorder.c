/* test_reorder.c — the sequence-order buffer of storage/reorder.h: in-order
 * release, wrap at 65535, duplicates, late packets, the latency release and
 * its gaps, packets too far ahead, a restarted numbering, and the limits. */
#include <string.h>

#include "reorder.h"

#define MS G_TIME_SPAN_MILLISECOND

static int
push(WtReorder *r, guint16 seq, gint64 now)
{
  guint8 data[4] = {(guint8)(seq >> 8), (guint8)seq, 0xab, 0xcd};
  return wt_reorder_push(r, seq, (guint32)seq * 10u, seq % 2 == 0, data, sizeof data, now);
}

/* Pops everything that can go at @now into @seqs (16-bit numbers) and the
 * gaps into @gaps; returns the count. */
static guint
drain(WtReorder *r, gint64 now, guint16 *seqs, guint64 *gaps, guint max)
{
  WtReorderPacket p;
  guint n = 0;
  while (wt_reorder_pop(r, now, &p) == 1) {
    g_assert_cmpuint(n, <, max);
    g_assert_cmpuint(p.len, ==, 4);
    g_assert_cmpuint(p.data[0], ==, p.seq16 >> 8);
    g_assert_cmpuint(p.data[1], ==, p.seq16 & 0xff);
    g_assert_cmpuint(p.ts, ==, (guint32)p.seq16 * 10u);
    g_assert_cmpint(p.marker, ==, p.seq16 % 2 == 0);
    seqs[n] = p.seq16;
    gaps[n] = p.gap;
    n++;
  }
  return n;
}

static void
test_in_order(void)
{
  g_autoptr(WtReorder) r = wt_reorder_new(16, 100, 200 * MS);
  guint16 seqs[8];
  guint64 gaps[8];
  for (guint16 s = 100; s < 105; s++) {
    g_assert_cmpint(push(r, s, 0), ==, 0);
    g_assert_cmpuint(drain(r, 0, seqs, gaps, 8), ==, 1);
    g_assert_cmpuint(seqs[0], ==, s);
    g_assert_cmpuint(gaps[0], ==, 0);
  }
  g_assert_cmpuint(wt_reorder_waiting(r), ==, 0);
  g_assert_cmpint(wt_reorder_deadline(r), ==, G_MAXINT64);
  g_assert_cmpuint(wt_reorder_get_stats(r)->released, ==, 5);
}

static void
test_reordered(void)
{
  g_autoptr(WtReorder) r = wt_reorder_new(16, 100, 200 * MS);
  guint16 seqs[8];
  guint64 gaps[8];
  g_assert_cmpint(push(r, 10, 0), ==, 0);
  g_assert_cmpuint(drain(r, 0, seqs, gaps, 8), ==, 1);
  g_assert_cmpint(push(r, 12, 1 * MS), ==, 0);
  g_assert_cmpint(push(r, 13, 2 * MS), ==, 0);
  g_assert_cmpuint(drain(r, 2 * MS, seqs, gaps, 8), ==, 0); /* 11 is missing */
  g_assert_cmpuint(wt_reorder_waiting(r), ==, 2);
  g_assert_cmpint(wt_reorder_deadline(r), ==, 201 * MS);
  g_assert_cmpint(push(r, 11, 3 * MS), ==, 0);
  g_assert_cmpint(wt_reorder_deadline(r), ==, G_MININT64);
  g_assert_cmpuint(drain(r, 3 * MS, seqs, gaps, 8), ==, 3);
  g_assert_cmpuint(seqs[0], ==, 11);
  g_assert_cmpuint(seqs[1], ==, 12);
  g_assert_cmpuint(seqs[2], ==, 13);
  g_assert_cmpuint(gaps[0] + gaps[1] + gaps[2], ==, 0);
}

static void
test_wrap(void)
{
  g_autoptr(WtReorder) r = wt_reorder_new(16, 100, 200 * MS);
  WtReorderPacket p;
  /* 65534, then 0 and 1 before 65535: 65535 is extended to 65535, 0 to 65536. */
  g_assert_cmpint(push(r, 65534, 0), ==, 0);
  g_assert_cmpint(wt_reorder_pop(r, 0, &p), ==, 1);
  g_assert_cmpint(p.seq, ==, 65534);
  g_assert_cmpint(push(r, 0, 0), ==, 0);
  g_assert_cmpint(push(r, 1, 0), ==, 0);
  g_assert_cmpint(wt_reorder_pop(r, 0, &p), ==, 0);
  g_assert_cmpint(push(r, 65535, 0), ==, 0);
  gint64 expect[] = {65535, 65536, 65537};
  for (guint i = 0; i < G_N_ELEMENTS(expect); i++) {
    g_assert_cmpint(wt_reorder_pop(r, 0, &p), ==, 1);
    g_assert_cmpint(p.seq, ==, expect[i]);
    g_assert_cmpuint(p.seq16, ==, (guint16)expect[i]);
    g_assert_cmpuint(p.gap, ==, 0);
  }
  /* Keep going round twice: extended numbers keep rising. */
  gint64 last = p.seq;
  for (guint i = 0; i < 140000; i++) {
    guint16 s = (guint16)(last + 1);
    g_assert_cmpint(push(r, s, 0), ==, 0);
    g_assert_cmpint(wt_reorder_pop(r, 0, &p), ==, 1);
    g_assert_cmpint(p.seq, ==, last + 1);
    last = p.seq;
  }
  g_assert_cmpint(last, ==, 65537 + 140000);
}

static void
test_duplicate_and_late(void)
{
  g_autoptr(WtReorder) r = wt_reorder_new(16, 100, 200 * MS);
  guint16 seqs[8];
  guint64 gaps[8];
  g_assert_cmpint(push(r, 5, 0), ==, 0);
  g_assert_cmpuint(drain(r, 0, seqs, gaps, 8), ==, 1);
  g_assert_cmpint(push(r, 5, 0), ==, -ESTALE); /* already released */
  g_assert_cmpint(push(r, 7, 0), ==, 0);
  g_assert_cmpint(push(r, 7, 0), ==, -EEXIST); /* waiting */
  g_assert_cmpint(push(r, 4, 0), ==, -ESTALE);
  const WtReorderStats *st = wt_reorder_get_stats(r);
  g_assert_cmpuint(st->late, ==, 2);
  g_assert_cmpuint(st->duplicates, ==, 1);
  g_assert_cmpuint(wt_reorder_waiting(r), ==, 1);
}

static void
test_latency_release(void)
{
  g_autoptr(WtReorder) r = wt_reorder_new(16, 100, 200 * MS);
  guint16 seqs[8];
  guint64 gaps[8];
  g_assert_cmpint(push(r, 1, 0), ==, 0);
  g_assert_cmpuint(drain(r, 0, seqs, gaps, 8), ==, 1);
  /* 2, 3 lost; 4 waits from 10 ms, 6 from 50 ms; 5 lost too. */
  g_assert_cmpint(push(r, 4, 10 * MS), ==, 0);
  g_assert_cmpint(push(r, 6, 50 * MS), ==, 0);
  g_assert_cmpuint(drain(r, 209 * MS, seqs, gaps, 8), ==, 0);
  g_assert_cmpint(wt_reorder_deadline(r), ==, 210 * MS);
  g_assert_cmpuint(drain(r, 210 * MS, seqs, gaps, 8), ==, 1);
  g_assert_cmpuint(seqs[0], ==, 4);
  g_assert_cmpuint(gaps[0], ==, 2);
  /* 6 has waited only 160 ms: 5 may still come. */
  g_assert_cmpint(wt_reorder_deadline(r), ==, 250 * MS);
  g_assert_cmpuint(drain(r, 249 * MS, seqs, gaps, 8), ==, 0);
  g_assert_cmpuint(drain(r, 250 * MS, seqs, gaps, 8), ==, 1);
  g_assert_cmpuint(seqs[0], ==, 6);
  g_assert_cmpuint(gaps[0], ==, 1);
  g_assert_cmpint(push(r, 5, 260 * MS), ==, -ESTALE); /* too late now */
  g_assert_cmpuint(wt_reorder_get_stats(r)->lost, ==, 3);
}

static void
test_drain_at_end(void)
{
  g_autoptr(WtReorder) r = wt_reorder_new(16, 100, 200 * MS);
  guint16 seqs[8];
  guint64 gaps[8];
  g_assert_cmpint(push(r, 1, 0), ==, 0);
  g_assert_cmpint(push(r, 3, 0), ==, 0);
  g_assert_cmpint(push(r, 5, 0), ==, 0);
  g_assert_cmpuint(drain(r, G_MAXINT64, seqs, gaps, 8), ==, 3);
  g_assert_cmpuint(seqs[2], ==, 5);
  g_assert_cmpuint(gaps[1], ==, 1);
  g_assert_cmpuint(gaps[2], ==, 1);
}

static void
test_far_ahead(void)
{
  g_autoptr(WtReorder) r = wt_reorder_new(16, 100, 200 * MS);
  guint16 seqs[8];
  guint64 gaps[8];
  g_assert_cmpint(push(r, 100, 0), ==, 0);
  g_assert_cmpuint(drain(r, 0, seqs, gaps, 8), ==, 1);
  g_assert_cmpint(push(r, 102, 0), ==, 0);
  /* 101 + 16 does not fit: 102 goes out at once, then the far one. */
  g_assert_cmpint(push(r, 200, 1 * MS), ==, 0);
  g_assert_cmpint(push(r, 201, 1 * MS), ==, -EBUSY);
  g_assert_cmpuint(drain(r, 1 * MS, seqs, gaps, 8), ==, 2);
  g_assert_cmpuint(seqs[0], ==, 102);
  g_assert_cmpuint(gaps[0], ==, 1);
  g_assert_cmpuint(seqs[1], ==, 200);
  g_assert_cmpuint(gaps[1], ==, 97);
  g_assert_cmpint(push(r, 201, 1 * MS), ==, 0);
  g_assert_cmpuint(drain(r, 1 * MS, seqs, gaps, 8), ==, 1);
  g_assert_cmpuint(seqs[0], ==, 201);
}

static void
test_restart(void)
{
  g_autoptr(WtReorder) r = wt_reorder_new(16, 100, 200 * MS);
  WtReorderPacket p;
  g_assert_cmpint(push(r, 30000, 0), ==, 0);
  g_assert_cmpint(wt_reorder_pop(r, 0, &p), ==, 1);
  g_assert_cmpint(push(r, 30001, 0), ==, 0);
  g_assert_cmpint(wt_reorder_pop(r, 0, &p), ==, 1);
  gint64 before = p.seq;
  g_assert_cmpint(push(r, 30003, 0), ==, 0); /* waits for 30002 */
  /* The sender starts again at 10: far behind, twice in a row, consecutive. */
  g_assert_cmpint(push(r, 10, 1 * MS), ==, -ESTALE);
  g_assert_cmpint(push(r, 11, 2 * MS), ==, 0);
  g_assert_cmpint(wt_reorder_pop(r, 2 * MS, &p), ==, 1);
  g_assert_cmpuint(p.seq16, ==, 30003);
  g_assert_cmpuint(p.gap, ==, 1);
  g_assert_cmpint(wt_reorder_pop(r, 2 * MS, &p), ==, 1);
  g_assert_cmpuint(p.seq16, ==, 11);
  g_assert_true(p.restart);
  g_assert_cmpuint(p.gap, ==, 0);
  g_assert_cmpint(p.seq, ==, before + 3);
  g_assert_cmpint(push(r, 12, 3 * MS), ==, 0);
  g_assert_cmpint(wt_reorder_pop(r, 3 * MS, &p), ==, 1);
  g_assert_cmpuint(p.seq16, ==, 12);
  g_assert_cmpint(p.seq, ==, before + 4);
  g_assert_false(p.restart);
  g_assert_cmpuint(wt_reorder_get_stats(r)->restarts, ==, 1);
  /* Two far-behind packets that are not consecutive are just late. */
  g_assert_cmpint(push(r, 40000, 4 * MS), ==, -ESTALE);
  g_assert_cmpint(push(r, 40002, 4 * MS), ==, -ESTALE);
}

static void
test_too_big_and_full_ring(void)
{
  g_autoptr(WtReorder) r = wt_reorder_new(4, 8, 200 * MS);
  guint8 big[9] = {0};
  g_assert_cmpint(wt_reorder_push(r, 1, 0, FALSE, big, sizeof big, 0), ==, -EMSGSIZE);
  g_assert_cmpint(wt_reorder_push(r, 1, 0, FALSE, big, 8, 0), ==, 0);
  g_assert_cmpint(wt_reorder_push(r, 2, 0, FALSE, NULL, 0, 0), ==, 0); /* empty is fine */
  WtReorderPacket p;
  g_assert_cmpint(wt_reorder_pop(r, 0, &p), ==, 1);
  g_assert_cmpint(wt_reorder_pop(r, 0, &p), ==, 1);
  g_assert_cmpuint(p.len, ==, 0);
  /* 3 missing; 4, 5, 6 fill the ring's window (3..6); 7 is held aside. */
  for (guint16 s = 4; s <= 6; s++)
    g_assert_cmpint(wt_reorder_push(r, s, 0, FALSE, big, 1, 0), ==, 0);
  g_assert_cmpint(wt_reorder_push(r, 7, 0, FALSE, big, 1, 0), ==, 0);
  g_assert_cmpuint(wt_reorder_waiting(r), ==, 4);
  for (guint16 s = 4; s <= 7; s++) {
    g_assert_cmpint(wt_reorder_pop(r, 0, &p), ==, 1);
    g_assert_cmpuint(p.seq16, ==, s);
    g_assert_cmpuint(p.gap, ==, s == 4 ? 1 : 0);
  }
  g_assert_cmpint(wt_reorder_pop(r, 0, &p), ==, 0);
  g_assert_cmpuint(wt_reorder_get_stats(r)->too_big, ==, 1);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/reorder/in-order", test_in_order);
  g_test_add_func("/reorder/reordered", test_reordered);
  g_test_add_func("/reorder/wrap", test_wrap);
  g_test_add_func("/reorder/duplicate-and-late", test_duplicate_and_late);
  g_test_add_func("/reorder/latency-release", test_latency_release);
  g_test_add_func("/reorder/drain-at-end", test_drain_at_end);
  g_test_add_func("/reorder/far-ahead", test_far_ahead);
  g_test_add_func("/reorder/restart", test_restart);
  g_test_add_func("/reorder/too-big-and-full-ring", test_too_big_and_full_ring);
  return g_test_run();
}
