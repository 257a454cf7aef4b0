/* run.c — the course of a load run: publishers first, then subscribers a few
 * at a time as their room's publisher is ready; once every subscriber has
 * connected or failed, a warm-up, then a measured window, and the report.
 *
 * Every second each publisher sends sender reports and each subscriber a
 * receiver report (as browsers do, so the server sees live peers), and
 * participants that take longer than --join-timeout to connect are failed.
 * Main thread.
 */
#include <stdio.h>
#include <string.h>

#include "load.h"
#include "proc.h"

#define PACE_MS 1

static void start_more(LoadRun *run);

/* ---- Progress of participants ------------------------------------------------ */

static gboolean
release_failed(gpointer data)
{
  LoadParticipant *p = data;
  /* Not from the peer's or the WebSocket's own callback: safe to free them. */
  if (p->proto)
    p->run->protocol->free(p);
  g_clear_pointer(&p->peer, wt_peer_free);
  return G_SOURCE_REMOVE;
}

void
load_participant_fail(LoadParticipant *p, const char *format, ...)
{
  if (p->state == LOAD_FAILED)
    return;
  LoadRun *run = p->run;
  gboolean was_pending = p->state != LOAD_CONNECTED && p->started_us;
  va_list args;
  va_start(args, format);
  p->failure = g_strdup_vprintf(format, args);
  va_end(args);
  p->state = LOAD_FAILED;
  g_printerr("witness-load: %s failed: %s\n", p->name, p->failure);
  g_idle_add(release_failed, p);
  if (p->publisher) {
    if (run->window_open || run->next_subscriber == run->subscribers->len)
      return;
    /* Its subscribers have nothing to subscribe to. */
    for (guint i = run->next_subscriber; i < run->subscribers->len; i++) {
      LoadParticipant *s = run->subscribers->pdata[i];
      if (s->room == p->room && s->state != LOAD_FAILED) {
        s->state = LOAD_FAILED;
        s->failure = g_strdup("the room's publisher failed");
        run->failed++;
      }
    }
  } else {
    run->failed++;
    if (was_pending)
      run->in_flight--;
  }
  start_more(run);
}

void
load_participant_connected(LoadParticipant *p)
{
  LoadRun *run = p->run;
  if (p->state != LOAD_SIGNALING && p->state != LOAD_CONNECTING)
    return;
  p->state = LOAD_CONNECTED;
  p->connected_us = g_get_monotonic_time();
  if (run->opt.verbose)
    g_printerr("witness-load: %s connected in %.0f ms (%s)\n", p->name,
               (double)(p->connected_us - p->started_us) / 1000,
               wt_srtp_profile_name(wt_peer_get_srtp_profile(p->peer)));
  if (!p->publisher) {
    run->in_flight--;
    run->connected++;
    start_more(run);
  }
}

void
load_room_ready(LoadRoom *room)
{
  if (room->ready)
    return;
  room->ready = TRUE;
  start_more(room->run);
}

static void
start_participant(LoadParticipant *p)
{
  p->state = LOAD_SIGNALING;
  p->started_us = g_get_monotonic_time();
  p->run->protocol->start(p);
}

/* ---- The measured window ------------------------------------------------------ */

typedef struct {
  gint64 at_us;
  guint64 cpu_us;  /* the server's user + system time */
  guint64 rss_kib; /* the server's resident set */
  guint64 own_cpu_us;
  LoadCounts total;
  LoadCounts *each; /* per subscriber, in run->subscribers order */
} Snapshot;

static Snapshot window_start, window_end;

static void
take_snapshot(LoadRun *run, Snapshot *s)
{
  s->at_us = g_get_monotonic_time();
  s->cpu_us = run->opt.server_pid ? load_proc_cpu_us(run->opt.server_pid) : 0;
  s->rss_kib = run->opt.server_pid ? load_proc_rss_kib(run->opt.server_pid) : 0;
  s->own_cpu_us = load_proc_cpu_us(0);
  memset(&s->total, 0, sizeof s->total);
  s->each = g_new0(LoadCounts, run->subscribers->len);
  for (guint i = 0; i < run->subscribers->len; i++) {
    load_stats_add(run->subscribers->pdata[i], &s->each[i]);
    load_stats_add(run->subscribers->pdata[i], &s->total);
  }
}

static gboolean
close_window(gpointer data)
{
  LoadRun *run = data;
  take_snapshot(run, &window_end);
  g_main_loop_quit(run->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
open_window(gpointer data)
{
  LoadRun *run = data;
  run->window_open = TRUE;
  take_snapshot(run, &window_start);
  g_timeout_add((guint)(run->opt.duration_s * 1000), close_window, run);
  return G_SOURCE_REMOVE;
}

static void
start_more(LoadRun *run)
{
  while (run->in_flight < run->opt.parallel && run->next_subscriber < run->subscribers->len) {
    LoadParticipant *s = run->subscribers->pdata[run->next_subscriber];
    if (s->state == LOAD_FAILED) { /* its publisher failed */
      run->next_subscriber++;
      continue;
    }
    if (!s->room->ready)
      return;
    run->next_subscriber++;
    run->in_flight++;
    start_participant(s);
  }
  if (run->next_subscriber == run->subscribers->len && run->in_flight == 0 &&
      !run->window_scheduled) {
    run->window_scheduled = TRUE;
    run->all_resolved_us = g_get_monotonic_time();
    g_timeout_add((guint)(run->opt.warmup_s * 1000), open_window, run);
  }
}

/* ---- Timers -------------------------------------------------------------------- */

static gboolean
pace(gpointer data)
{
  LoadRun *run = data;
  gint64 now = g_get_monotonic_time();
  for (guint r = 0; r < run->rooms->len; r++) {
    LoadParticipant *pub = ((LoadRoom *)run->rooms->pdata[r])->publisher;
    if (pub->state == LOAD_CONNECTED)
      load_sender_pump(&pub->sender, run->media, pub->peer, now);
  }
  return G_SOURCE_CONTINUE;
}

static void
send_reports(LoadParticipant *p, gint64 now)
{
  guint8 buf[8 + 24 * 31 + WT_SRTP_MAX_TRAILER];
  if (p->publisher) {
    for (guint k = 0; k < LOAD_KINDS; k++) {
      gsize len = load_sender_write_sr(&p->sender, p->run->media, k, now, buf,
                                       sizeof buf - WT_SRTP_MAX_TRAILER);
      if (len)
        wt_peer_send_rtcp(p->peer, buf, len);
    }
  } else {
    gsize len = load_stats_write_rr(p, buf, sizeof buf - WT_SRTP_MAX_TRAILER);
    if (len > 8)
      wt_peer_send_rtcp(p->peer, buf, len);
  }
}

static void
tick_participant(LoadParticipant *p, gint64 now)
{
  if (p->state == LOAD_CONNECTED)
    send_reports(p, now);
  else if ((p->state == LOAD_SIGNALING || p->state == LOAD_CONNECTING) && p->started_us &&
           now - p->started_us > (gint64)(p->run->opt.join_timeout_s * G_USEC_PER_SEC))
    load_participant_fail(p, "not connected within %.0f s", p->run->opt.join_timeout_s);
}

static gboolean
tick(gpointer data)
{
  LoadRun *run = data;
  gint64 now = g_get_monotonic_time();
  for (guint r = 0; r < run->rooms->len; r++)
    tick_participant(((LoadRoom *)run->rooms->pdata[r])->publisher, now);
  for (guint i = 0; i < run->subscribers->len; i++)
    tick_participant(run->subscribers->pdata[i], now);
  return G_SOURCE_CONTINUE;
}

void
load_run_start(LoadRun *run)
{
  run->started_us = g_get_monotonic_time();
  run->rss_before_kib = run->opt.server_pid ? load_proc_rss_kib(run->opt.server_pid) : 0;
  for (guint r = 0; r < run->rooms->len; r++)
    start_participant(((LoadRoom *)run->rooms->pdata[r])->publisher);
  GSource *pacer = g_timeout_source_new(PACE_MS);
  g_source_set_callback(pacer, pace, run, NULL);
  g_source_set_priority(pacer, G_PRIORITY_HIGH);
  g_source_attach(pacer, NULL);
  run->pacer = pacer;
  run->ticker = g_timeout_add_seconds(1, tick, run);
}

/* ---- The report ------------------------------------------------------------------ */

static int
compare_gint64(gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;
  return x < y ? -1 : x > y;
}

/* Median time from start to connected, ms; 0 when none connected. */
static double
median_join_ms(LoadRun *run)
{
  g_autoptr(GArray) times = g_array_new(FALSE, FALSE, sizeof(gint64));
  for (guint i = 0; i < run->subscribers->len; i++) {
    LoadParticipant *s = run->subscribers->pdata[i];
    if (s->connected_us) {
      gint64 t = s->connected_us - s->started_us;
      g_array_append_val(times, t);
    }
  }
  if (!times->len)
    return 0;
  g_array_sort(times, compare_gint64);
  return (double)g_array_index(times, gint64, times->len / 2) / 1000;
}

/* Subscribers that got no audio or no video in the window, or bad payloads. */
static guint
check_subscribers(LoadRun *run)
{
  guint short_of_media = 0;
  for (guint i = 0; i < run->subscribers->len; i++) {
    LoadParticipant *s = run->subscribers->pdata[i];
    const LoadCounts *a = &window_start.each[i], *b = &window_end.each[i];
    guint64 audio = b->received[LOAD_AUDIO] - a->received[LOAD_AUDIO];
    guint64 video = b->received[LOAD_VIDEO] - a->received[LOAD_VIDEO];
    guint64 verified = b->verified[LOAD_AUDIO] + b->verified[LOAD_VIDEO];
    guint64 bad = b->bad[LOAD_AUDIO] + b->bad[LOAD_VIDEO];
    gboolean ok = s->state == LOAD_CONNECTED && audio && video && verified && !bad;
    if (!ok) {
      short_of_media++;
      g_printerr("witness-load: %s: %s, %" G_GUINT64_FORMAT " audio and %" G_GUINT64_FORMAT
                 " video packets in the window, %" G_GUINT64_FORMAT " verified, %" G_GUINT64_FORMAT
                 " bad%s%s\n",
                 s->name, s->state == LOAD_CONNECTED ? "connected" : "not connected", audio, video,
                 verified, bad, s->failure ? ": " : "", s->failure ? s->failure : "");
    } else if (run->opt.details) {
      g_print("  %s: %" G_GUINT64_FORMAT " audio, %" G_GUINT64_FORMAT
              " video packets, %" G_GUINT64_FORMAT " verified, joined in %.0f ms\n",
              s->name, audio, video, verified, (double)(s->connected_us - s->started_us) / 1000);
    }
  }
  return short_of_media;
}

static const char *
srtp_profile(LoadRun *run)
{
  for (guint i = 0; i < run->subscribers->len; i++) {
    LoadParticipant *s = run->subscribers->pdata[i];
    if (s->state == LOAD_CONNECTED)
      return wt_srtp_profile_name(wt_peer_get_srtp_profile(s->peer));
  }
  return "none";
}

gboolean
load_run_report(LoadRun *run)
{
  guint n = run->subscribers->len;
  double window_s = (double)(window_end.at_us - window_start.at_us) / G_USEC_PER_SEC;
  guint64 received = 0, expected = 0;
  for (guint k = 0; k < LOAD_KINDS; k++) {
    received += window_end.total.received[k] - window_start.total.received[k];
    expected += window_end.total.expected[k] - window_start.total.expected[k];
  }
  double pps = window_s > 0 ? (double)received / window_s : 0;
  double loss = expected > received ? 100.0 * (double)(expected - received) / (double)expected : 0;
  double cpu_us = (double)(window_end.cpu_us - window_start.cpu_us);
  double own_cpu_us = (double)(window_end.own_cpu_us - window_start.own_cpu_us);
  guint participants = run->connected + run->rooms->len;
  double rss_per = window_end.rss_kib > run->rss_before_kib && participants
                       ? (double)(window_end.rss_kib - run->rss_before_kib) / participants
                       : 0;
  guint short_of_media = check_subscribers(run);

  g_print("connected %u of %u subscribers (%u failed) in %.1f s, median join %.0f ms\n",
          run->connected, n, run->failed,
          (double)(run->all_resolved_us - run->started_us) / G_USEC_PER_SEC, median_join_ms(run));
  g_print("window %.1f s: %" G_GUINT64_FORMAT " packets received (%" G_GUINT64_FORMAT
          " video, %" G_GUINT64_FORMAT " audio), %.1f packets/s, loss %.3f %%\n",
          window_s, received,
          window_end.total.received[LOAD_VIDEO] - window_start.total.received[LOAD_VIDEO],
          window_end.total.received[LOAD_AUDIO] - window_start.total.received[LOAD_AUDIO], pps,
          loss);
  if (run->opt.server_pid)
    g_print("server (pid %d): cpu %.1f %%, %.2f us per forwarded packet; rss %" G_GUINT64_FORMAT
            " KiB, %.1f KiB per participant\n",
            run->opt.server_pid, 100 * cpu_us / (window_s * 1e6),
            received ? cpu_us / (double)received : 0, window_end.rss_kib, rss_per);
  g_print("load peer: cpu %.1f %%; %u subscribers short of media\n",
          100 * own_cpu_us / (window_s * 1e6), short_of_media);
  g_print("RESULT server=%s subscribers=%u connected=%u failed=%u window_s=%.1f forwarded_pps=%.1f "
          "loss_pct=%.3f cpu_us_per_packet=%.2f server_cpu_pct=%.1f rss_kib_per_participant=%.1f "
          "load_cpu_pct=%.1f short=%u srtp=%s\n",
          run->protocol->name, n, run->connected, run->failed, window_s, pps, loss,
          received ? cpu_us / (double)received : 0, 100 * cpu_us / (window_s * 1e6), rss_per,
          100 * own_cpu_us / (window_s * 1e6), short_of_media, srtp_profile(run));
  g_free(window_start.each);
  g_free(window_end.each);
  return short_of_media == 0 && run->failed == 0;
}
