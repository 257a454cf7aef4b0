/* replay.c — the load clip as arriving RTP packets for a WtRecorder (see
 * replay.h). Runs on the recorder's producer thread. */
#include "replay.h"

#include "clock_sync.h"

#define MAX_PACKET 1500
/* The recorder's queue is bench-recorder's 4096 slots or the default; past
 * this many waiting the producer sleeps instead of dropping. */
#define QUEUE_HIGH 3800

static gint
packet_cmp(gconstpointer a, gconstpointer b)
{
  const LoadReplayPacket *x = a, *y = b;
  if (x->at_us != y->at_us)
    return x->at_us < y->at_us ? -1 : 1;
  return x->order < y->order ? -1 : x->order > y->order;
}

void
load_replay_sort(GArray *plan)
{
  g_array_sort(plan, packet_cmp);
}

GArray *
load_replay_plan(const LoadMedia *media, double seconds)
{
  GArray *plan = g_array_new(FALSE, FALSE, sizeof(LoadReplayPacket));
  gint64 end_us = (gint64)(seconds * G_USEC_PER_SEC);
  for (guint k = 0; k < LOAD_KINDS; k++) {
    const LoadTrack *track = &media->tracks[k];
    for (guint loop = 0; (gint64)loop * track->duration_us < end_us; loop++) {
      for (guint i = 0; i < track->packets->len; i++) {
        gint64 at =
            (gint64)loop * track->duration_us + g_array_index(track->packets, LoadPacket, i).at_us;
        if (at >= end_us)
          break;
        LoadReplayPacket p = {.at_us = at, .kind = k, .index = i, .loop = loop};
        g_array_append_val(plan, p);
      }
    }
  }
  load_replay_sort(plan); /* by time, audio before video at a tie */
  for (guint i = 0; i < plan->len; i++)
    g_array_index(plan, LoadReplayPacket, i).order = i;
  return plan;
}

void
load_replay_publisher_init(LoadReplayPublisher *pub, guint who)
{
  pub->who = who;
  for (guint k = 0; k < LOAD_KINDS; k++) {
    pub->seq[k] = (guint16)g_random_int();
    pub->ts_base[k] = g_random_int();
    pub->ssrc[k] = g_random_int() | 1;
  }
  pub->ntp0_us = g_get_real_time() + WT_CLOCK_SYNC_NTP_UNIX_S * G_USEC_PER_SEC;
}

gboolean
load_replay_push_sr(WtRecorder *rec, const LoadMedia *media, const LoadReplayPublisher *pub,
                    LoadKind kind, gint64 sent_us, gint64 start_us, gint64 arrival_us)
{
  guint32 rtp_ts = pub->ts_base[kind] +
                   (guint32)((guint64)sent_us * media->tracks[kind].clock_rate / G_USEC_PER_SEC);
  return wt_recorder_push_sr_at(
      rec, pub->who, kind == LOAD_VIDEO ? WT_RECORDER_VIDEO : WT_RECORDER_AUDIO,
      wt_clock_sync_us_to_ntp(pub->ntp0_us + sent_us), rtp_ts, start_us + arrival_us);
}

gboolean
load_replay_push(WtRecorder *rec, const LoadMedia *media, const LoadReplayPacket *p,
                 const LoadReplayPublisher *pub, gint64 start_us, gint64 skew_us)
{
  const LoadTrack *track = &media->tracks[p->kind];
  const LoadPacket *lp = &g_array_index(track->packets, LoadPacket, p->index);
  guint32 loop_ticks = (guint32)((guint64)track->duration_us * track->clock_rate / G_USEC_PER_SEC);
  guint32 ts = pub->ts_base[p->kind] + p->loop * loop_ticks + lp->ts;
  /* Numbered in sending order across loops, whatever the arrival order. */
  guint16 seq = (guint16)(pub->seq[p->kind] + p->loop * track->packets->len + p->index);
  guint16 picture_id = (guint16)((p->loop * track->frames + lp->frame) & 0x7fff);
  guint8 pt = p->kind == LOAD_AUDIO ? LOAD_PT_OPUS : LOAD_PT_VP8;
  guint8 buf[MAX_PACKET + 64];
  gsize len = load_media_write_rtp(media, p->kind, lp, pt, seq, ts, pub->ssrc[p->kind], picture_id,
                                   buf, sizeof buf);
  if (len == 0)
    return FALSE;
  while (wt_recorder_get_queued(rec) >= QUEUE_HIGH)
    g_usleep(100);
  return wt_recorder_push_at(rec, pub->who, buf, len, start_us + p->at_us + skew_us);
}
