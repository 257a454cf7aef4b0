/* test_clock_sync.c — placing frames on the sender's clock through RTCP
 * sender reports (storage/clock_sync.h): arrival placement before a report,
 * a late first frame put back where it was captured, a report that comes
 * late reached gradually without a step back, and a report not believed.
 * Single-threaded; no I/O.
 */
#include "storage/clock_sync.h"

#define VIDEO_RATE 90000
#define AUDIO_RATE 48000
#define NTP0_US (G_GINT64_CONSTANT(3900000000) * G_USEC_PER_SEC) /* some NTP time, µs */
#define TS0 0xfffff000u                                          /* wraps soon */

/* A stream fed frames captured every @frame_us from the sender's time 0. */
typedef struct {
  WtTsUnwrap u;
  WtClockSyncStream s;
  guint32 rate;
} Feed;

static void
feed_init(Feed *f, guint32 rate)
{
  f->rate = rate;
  wt_ts_unwrap_init(&f->u, rate);
  wt_clock_sync_stream_init(&f->s, rate);
}

static guint32
ts_at(const Feed *f, gint64 captured_us)
{
  return TS0 + (guint32)(captured_us * f->rate / G_USEC_PER_SEC);
}

/* The sender's report for the instant @sent_us, arriving at @arrival_us. */
static void
feed_sr(Feed *f, WtClockSyncParty *party, gint64 sent_us, gint64 arrival_us)
{
  wt_clock_sync_on_sr(&f->s, party, wt_clock_sync_us_to_ntp(NTP0_US + sent_us), ts_at(f, sent_us),
                      arrival_us);
}

static gint64
feed_frame(Feed *f, WtClockSyncParty *party, gint64 captured_us, gint64 arrival_us,
           WtClockSyncPlacement *where)
{
  gint64 ext = wt_ts_unwrap_update(&f->u, ts_at(f, captured_us), arrival_us, NULL);
  return wt_clock_sync_place(&f->s, party, &f->u, ext, arrival_us, where);
}

static void
test_ntp(void)
{
  for (gint64 us = NTP0_US; us < NTP0_US + 3 * G_USEC_PER_SEC; us += 123457)
    g_assert_cmpint(wt_clock_sync_ntp_to_us(wt_clock_sync_us_to_ntp(us)), ==, us);
  g_assert_cmpint(wt_clock_sync_ntp_to_us(G_GUINT64_CONSTANT(5) << 32 | 0x80000000u), ==, 5500000);
}

/* No report: the first frame at its arrival, the rest on the RTP clock. */
static void
test_arrival(void)
{
  WtClockSyncParty party;
  wt_clock_sync_party_init(&party);
  Feed v;
  feed_init(&v, VIDEO_RATE);
  WtClockSyncPlacement w;
  g_assert_cmpint(feed_frame(&v, &party, 0, 300000, &w), ==, 300);
  g_assert_cmpint(w.state, ==, WT_CLOCK_SYNC_ARRIVAL);
  g_assert_cmpint(feed_frame(&v, &party, 100000, 310000, &w), ==, 400);
  g_assert_cmpint(w.state, ==, WT_CLOCK_SYNC_ARRIVAL);
  g_assert_false(party.known);
}

/* Reports come first; the video's first frames are held 300 ms by the
 * sender's pacer while audio flows: video still goes where it was captured. */
static void
test_late_first_frame(void)
{
  WtClockSyncParty party;
  wt_clock_sync_party_init(&party);
  Feed a, v;
  feed_init(&a, AUDIO_RATE);
  feed_init(&v, VIDEO_RATE);
  const gint64 delay = 20000; /* network, µs */
  feed_sr(&a, &party, 0, 1000000 + delay);
  feed_sr(&v, &party, 0, 1000000 + delay);
  WtClockSyncPlacement w;
  for (gint64 c = 0; c < 400000; c += 20000) {
    g_assert_cmpint(feed_frame(&a, &party, c, 1000000 + c + delay, &w), ==,
                    (1000000 + c + delay) / 1000);
    g_assert_cmpint(w.state, ==, WT_CLOCK_SYNC_SR);
    g_assert_cmpint(w.first_sr, ==, c == 0);
  }
  /* Captured at 0, 33 ms, ... 299 ms; all arrive at 320 ms. */
  for (gint64 c = 0; c < 300000; c += 33333) {
    gint64 pts = feed_frame(&v, &party, c, 1320000, &w);
    g_assert_cmpint(ABS(pts - (1000000 + c + delay) / 1000), <=, 1);
    g_assert_cmpint(w.state, ==, WT_CLOCK_SYNC_SR);
  }
  g_assert_cmpint(party.offset_us, ==, 1000000 + delay - NTP0_US);
}

/* The video was placed by arrival, 300 ms late; its first report comes a
 * second later: it is pulled back 10% of each frame's time, never going back. */
static void
test_report_comes_late(void)
{
  WtClockSyncParty party;
  wt_clock_sync_party_init(&party);
  Feed v;
  feed_init(&v, VIDEO_RATE);
  WtClockSyncPlacement w;
  gint64 c = 0, last = feed_frame(&v, &party, c, 300000, &w);
  g_assert_cmpint(last, ==, 300);
  for (c = 33333; c < 1000000; c += 33333) {
    gint64 pts = feed_frame(&v, &party, c, c, &w);
    g_assert_cmpint(pts, >, last);
    last = pts;
  }
  feed_sr(&v, &party, c, c); /* no delay */
  gboolean first = TRUE;
  guint converging = 0;
  for (; c < 10000000; c += 33333) {
    gint64 pts = feed_frame(&v, &party, c, c, &w);
    g_assert_cmpint(w.first_sr, ==, first);
    if (first)
      g_assert_cmpint(ABS(w.error_ms + 300), <=, 1);
    first = FALSE;
    g_assert_cmpint(pts, >, last);
    g_assert_cmpint(pts - last, >=, 33 - 33 / WT_CLOCK_SYNC_SLEW_DIV - 1);
    converging += w.state == WT_CLOCK_SYNC_CONVERGING;
    last = pts;
  }
  g_assert_cmpint(w.state, ==, WT_CLOCK_SYNC_SR);
  g_assert_cmpint(ABS(last - c / 1000), <=, 34);
  g_assert_cmpuint(converging, >=, 80); /* 300 ms at 3 ms a frame */
  g_assert_cmpuint(converging, <=, 110);
}

/* A report that says a stream is 10 s off is not believed. */
static void
test_not_believed(void)
{
  WtClockSyncParty party;
  wt_clock_sync_party_init(&party);
  Feed a, v;
  feed_init(&a, AUDIO_RATE);
  feed_init(&v, VIDEO_RATE);
  feed_sr(&a, &party, 0, 0);
  WtClockSyncPlacement w;
  feed_frame(&a, &party, 0, 0, &w);
  g_assert_cmpint(w.state, ==, WT_CLOCK_SYNC_SR);
  feed_frame(&v, &party, 0, 0, &w); /* placed by arrival */
  /* The video's report maps its RTP time 10 s away from the truth. */
  wt_clock_sync_on_sr(&v.s, &party, wt_clock_sync_us_to_ntp(NTP0_US + 10 * G_USEC_PER_SEC),
                      ts_at(&v, 40000), 40000 + 10 * G_USEC_PER_SEC);
  gint64 pts = feed_frame(&v, &party, 33333, 33333, &w);
  g_assert_cmpint(w.state, ==, WT_CLOCK_SYNC_ARRIVAL);
  g_assert_cmpint(pts, ==, 33);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/clock-sync/ntp", test_ntp);
  g_test_add_func("/clock-sync/arrival", test_arrival);
  g_test_add_func("/clock-sync/late-first-frame", test_late_first_frame);
  g_test_add_func("/clock-sync/report-comes-late", test_report_comes_late);
  g_test_add_func("/clock-sync/not-believed", test_not_believed);
  return g_test_run();
}
