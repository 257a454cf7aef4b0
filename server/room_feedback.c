/* room_feedback.c — the RTCP a room keeps up with its participants, so that
 * browsers adapt to the network and losses are repaired:
 *
 *  - publishers get transport-wide congestion control feedback (every 100 ms)
 *    about what reached us, receiver reports on each stream (every second),
 *    and REMB = min(room cap, what their subscribers can take);
 *  - subscribers' NACKs are answered from a per-stream packet cache, their
 *    REMB and receiver reports are read, and they get sender reports made from
 *    the publisher's clock mapping and our own counts;
 *  - a recorded publisher's sender reports also go to the recorder, which
 *    places its audio and video on the publisher's clock.
 *
 * Worker thread only, like the rest of the room; nothing here allocates per
 * packet (the caches are made when a track is published).
 */
#include <string.h>

#include "room_private.h"

#define TICK_MS 100
#define REPORT_EVERY_TICKS 10 /* receiver reports and REMB once a second */
#define NACK_CACHE_PACKETS 1024
#define RESEND_SPACING_US (20 * 1000)
#define REMB_FRESH_US (5 * G_USEC_PER_SEC)

/* ---- Tracks ------------------------------------------------------------------ */

PubTrack *
wt_room_pub_track_new(const WtTrack *track)
{
  PubTrack *pt = g_new0(PubTrack, 1);
  pt->track = wt_track_copy(track);
  if (track->kind == WT_SDP_MEDIA_VIDEO)
    pt->cache = wt_packet_cache_new(NACK_CACHE_PACKETS);
  wt_rtp_seq_init(&pt->seq, 1);
  return pt;
}

void
wt_room_pub_track_free(gpointer data)
{
  PubTrack *pt = data;
  wt_track_free(pt->track);
  wt_packet_cache_free(pt->cache);
  g_free(pt);
}

/* ---- From publishers ---------------------------------------------------------- */

void
wt_room_feedback_on_publisher_rtp(Participant *from, PubTrack *track, const guint8 *pkt,
                                  gsize len, const WtRtpHeader *h)
{
  gint64 ext;
  if (wt_rtp_seq_update(&track->seq, h->seq, &ext) >= 0)
    track->seq_started = TRUE;
  if (track->cache)
    wt_packet_cache_put(track->cache, h->seq, pkt, len);

  WtRtpExt e;
  if (!track->track->twcc_ext_id ||
      wt_rtp_ext_find(pkt, h, track->track->twcc_ext_id, &e) < 0 || e.len < 2)
    return;
  guint16 seq = (guint16)(e.data[0] << 8 | e.data[1]);
  /* The feedback must be in ascending order; a reordered packet is left out
   * (the sender then counts it as lost, which errs on the safe side). */
  if (from->twcc_started && !wt_rtp_seq_newer(seq, from->twcc_last_seq))
    return;
  if (from->n_twcc == G_N_ELEMENTS(from->twcc))
    from->n_twcc = 0; /* the timer stalled; start over rather than report stale arrivals */
  from->twcc[from->n_twcc].seq = seq;
  from->twcc[from->n_twcc].arrival_us = g_get_monotonic_time();
  from->n_twcc++;
  from->twcc_last_seq = seq;
  from->twcc_started = TRUE;
}

void
wt_room_feedback_on_sender_report(Participant *from, const WtRtcpPacket *p)
{
  WtRtcpReport report;
  if (wt_rtcp_report_parse(p, &report) < 0 || !report.is_sr)
    return;
  WtRoom *room = from->room;
  for (guint t = 0; t < from->tracks->len; t++) {
    PubTrack *pt = g_ptr_array_index(from->tracks, t);
    if (pt->track->ssrc != report.ssrc)
      continue;
    pt->sr_ntp = report.sender.ntp;
    pt->sr_rtp_ts = report.sender.rtp_ts;
    pt->sr_arrival_us = g_get_monotonic_time();
    /* The recorder places the publisher's audio and video on this clock. */
    if (room->recorder && from->rec_joined &&
        (pt->track->kind == WT_SDP_MEDIA_AUDIO || pt->track->kind == WT_SDP_MEDIA_VIDEO))
      wt_recorder_push_sr(room->recorder, from->rec_who,
                          pt->track->kind == WT_SDP_MEDIA_VIDEO ? WT_RECORDER_VIDEO
                                                                : WT_RECORDER_AUDIO,
                          report.sender.ntp, report.sender.rtp_ts);
  }
  /* The same instant, in the publisher's clocks, with our counts. */
  for (guint i = 0; i < room->participants->len; i++) {
    Participant *to = g_ptr_array_index(room->participants, i);
    if (to == from || !to->subscribe || !wt_peer_is_connected(to->subscribe))
      continue;
    for (guint s = 0; s < to->sub_slots->len; s++) {
      SubSlot *ss = g_ptr_array_index(to->sub_slots, s);
      if (ss->source != from || ss->source_ssrc != report.ssrc || !ss->answered)
        continue;
      WtRtcpSenderInfo si = {
          .ssrc = ss->slot->ssrc,
          .ntp = report.sender.ntp,
          .rtp_ts = report.sender.rtp_ts,
          .packet_count = ss->packets_sent,
          .octet_count = ss->octets_sent,
      };
      guint8 buf[WT_RTCP_SR_LEN + WT_SRTP_MAX_TRAILER];
      int n = wt_rtcp_write_sr(buf, WT_RTCP_SR_LEN, &si, NULL, 0);
      if (n > 0)
        wt_peer_send_rtcp(to->subscribe, buf, (gsize)n);
    }
  }
}

/* ---- From subscribers ---------------------------------------------------------- */

static SubSlot *
slot_by_ssrc(Participant *to, guint32 ssrc)
{
  for (guint s = 0; s < to->sub_slots->len; s++) {
    SubSlot *ss = g_ptr_array_index(to->sub_slots, s);
    if (ss->slot->ssrc == ssrc)
      return ss;
  }
  return NULL;
}

static PubTrack *
source_track(const SubSlot *ss)
{
  for (guint t = 0; ss->source && t < ss->source->tracks->len; t++) {
    PubTrack *pt = g_ptr_array_index(ss->source->tracks, t);
    if (pt->track->ssrc == ss->source_ssrc)
      return pt;
  }
  return NULL;
}

static void
answer_nack(Participant *to, const WtRtcpPacket *p)
{
  WtRoom *room = to->room;
  wt_room_count(&room->counters.nacks, 1);
  SubSlot *ss = slot_by_ssrc(to, p->media_ssrc);
  PubTrack *pt = ss ? source_track(ss) : NULL;
  WtRtcpNackIter it;
  guint16 seq;
  if (wt_rtcp_nack_iter_init(&it, p) < 0)
    return;
  gint64 now = g_get_monotonic_time();
  while (wt_rtcp_nack_iter_next(&it, &seq) == 0) {
    wt_room_count(&room->counters.nack_seqs, 1);
    gsize len = 0;
    const guint8 *pkt =
        pt && pt->cache ? wt_packet_cache_get(pt->cache, seq, &len, now, RESEND_SPACING_US) : NULL;
    WtRtpHeader h;
    if (!pkt || wt_rtp_parse(pkt, len, &h) < 0)
      continue;
    wt_room_forward(room, to, ss, pkt, len, &h, TRUE);
    wt_room_count(&room->counters.retransmissions, 1);
  }
}

void
wt_room_feedback_on_subscriber_rtcp(Participant *to, const WtRtcpPacket *p)
{
  if (p->type == WT_RTCP_RTPFB && p->fmt == WT_RTCP_RTPFB_NACK) {
    answer_nack(to, p);
  } else if (p->type == WT_RTCP_PSFB && p->fmt == WT_RTCP_PSFB_AFB) {
    WtRtcpRemb remb;
    if (wt_rtcp_remb_parse(p, &remb) == 0) {
      to->remb_bps = remb.bitrate;
      to->remb_us = g_get_monotonic_time();
    }
  } else if (p->type == WT_RTCP_RR || p->type == WT_RTCP_SR) {
    WtRtcpReport report;
    WtRtcpReportBlock block;
    if (wt_rtcp_report_parse(p, &report) < 0)
      return;
    guint8 worst = 0;
    for (guint i = 0; i < report.n_blocks; i++) {
      if (wt_rtcp_report_block(&report, i, &block) == 0 && slot_by_ssrc(to, block.ssrc))
        worst = MAX(worst, block.fraction_lost);
    }
    to->fraction_lost = worst;
  }
}

/* ---- What we send, on the room's timer ------------------------------------------ */

static void
send_twcc(Participant *p)
{
  guint8 buf[1200 + WT_SRTP_MAX_TRAILER];
  gsize done = 0;
  guint32 media_ssrc = 0;
  for (guint t = 0; t < p->tracks->len && !media_ssrc; t++)
    media_ssrc = ((PubTrack *)g_ptr_array_index(p->tracks, t))->track->ssrc;
  while (done < p->n_twcc) {
    gsize consumed = 0;
    int n = wt_rtcp_write_twcc(buf, 1200, p->rtcp_ssrc, media_ssrc, p->twcc_fb_count++,
                               p->twcc + done, p->n_twcc - done, &consumed);
    if (n <= 0 || consumed == 0)
      break;
    wt_peer_send_rtcp(p->publish, buf, (gsize)n);
    done += consumed;
  }
  p->n_twcc = 0;
}

/* What @publisher's video may use: the room cap, and each subscriber's REMB
 * shared among the video streams it receives. 0 when nobody says. */
static guint64
allowed_bitrate(WtRoom *room, Participant *publisher, gint64 now)
{
  guint64 allowed = room->env->max_bitrate;
  for (guint i = 0; i < room->participants->len; i++) {
    Participant *q = g_ptr_array_index(room->participants, i);
    if (q == publisher || !q->remb_bps || now - q->remb_us > REMB_FRESH_US)
      continue;
    guint videos = 0;
    gboolean receives = FALSE;
    for (guint s = 0; s < q->sub_slots->len; s++) {
      SubSlot *ss = g_ptr_array_index(q->sub_slots, s);
      if (ss->source && ss->slot->active && ss->slot->kind == WT_SDP_MEDIA_VIDEO) {
        videos++;
        receives |= ss->source == publisher;
      }
    }
    if (!receives)
      continue;
    guint64 share = q->remb_bps / MAX(videos, 1);
    allowed = allowed ? MIN(allowed, share) : share;
  }
  return allowed;
}

static void
send_reports(WtRoom *room, Participant *p, gint64 now)
{
  guint8 buf[1200 + WT_SRTP_MAX_TRAILER];
  WtRtcpCompound c;
  wt_rtcp_compound_init(&c, buf, 1200);
  WtRtcpReportBlock blocks[8];
  guint32 videos[8];
  guint n = 0, n_videos = 0;
  for (guint t = 0; t < p->tracks->len && n < G_N_ELEMENTS(blocks); t++) {
    PubTrack *pt = g_ptr_array_index(p->tracks, t);
    if (!pt->seq_started)
      continue;
    WtRtcpReportBlock *b = &blocks[n++];
    memset(b, 0, sizeof *b);
    b->ssrc = pt->track->ssrc;
    b->fraction_lost = wt_rtp_seq_report(&pt->seq, &b->cumulative_lost);
    b->ext_highest_seq = (guint32)wt_rtp_seq_ext_max(&pt->seq);
    if (pt->sr_ntp) {
      b->lsr = wt_rtcp_ntp_mid32(pt->sr_ntp);
      b->dlsr = (guint32)((now - pt->sr_arrival_us) * 65536 / G_USEC_PER_SEC);
    }
    if (pt->track->kind == WT_SDP_MEDIA_VIDEO)
      videos[n_videos++] = pt->track->ssrc;
  }
  wt_rtcp_compound_add(&c, wt_rtcp_write_rr(wt_rtcp_compound_tail(&c), wt_rtcp_compound_room(&c),
                                            p->rtcp_ssrc, blocks, n));
  guint64 allowed = n_videos ? allowed_bitrate(room, p, now) : 0;
  if (allowed)
    wt_rtcp_compound_add(&c, wt_rtcp_write_remb(wt_rtcp_compound_tail(&c),
                                                wt_rtcp_compound_room(&c), p->rtcp_ssrc, allowed,
                                                videos, n_videos));
  if (c.error == 0)
    wt_peer_send_rtcp(p->publish, buf, c.len);
}

static void
update_gauges(WtRoom *room)
{
  guint64 in = __atomic_load_n(&room->counters.bytes_in, __ATOMIC_RELAXED);
  guint64 out = __atomic_load_n(&room->counters.bytes_out, __ATOMIC_RELAXED);
  __atomic_store_n(&room->counters.bitrate_in, (in - room->last_bytes_in) * 8, __ATOMIC_RELAXED);
  __atomic_store_n(&room->counters.bitrate_out, (out - room->last_bytes_out) * 8,
                   __ATOMIC_RELAXED);
  room->last_bytes_in = in;
  room->last_bytes_out = out;
  guint worst = 0;
  for (guint i = 0; i < room->participants->len; i++)
    worst = MAX(worst, ((Participant *)g_ptr_array_index(room->participants, i))->fraction_lost);
  __atomic_store_n(&room->counters.loss_permille, worst * 1000 / 256, __ATOMIC_RELAXED);
}

static gboolean
on_tick(gpointer data)
{
  WtRoom *room = data;
  gboolean report = ++room->feedback_ticks % REPORT_EVERY_TICKS == 0;
  gint64 now = g_get_monotonic_time();
  for (guint i = 0; i < room->participants->len; i++) {
    Participant *p = g_ptr_array_index(room->participants, i);
    if (!p->publish || !wt_peer_is_connected(p->publish))
      continue;
    if (p->n_twcc)
      send_twcc(p);
    if (report)
      send_reports(room, p, now);
  }
  if (report)
    update_gauges(room);
  return G_SOURCE_CONTINUE;
}

void
wt_room_feedback_start(WtRoom *room)
{
  if (room->feedback_timer)
    return;
  room->feedback_timer = g_timeout_source_new(TICK_MS);
  g_source_set_callback(room->feedback_timer, on_tick, room, NULL);
  g_source_attach(room->feedback_timer, wt_worker_get_context(room->worker));
}

void
wt_room_feedback_stop(WtRoom *room)
{
  if (room->feedback_timer) {
    g_source_destroy(room->feedback_timer);
    g_clear_pointer(&room->feedback_timer, g_source_unref);
  }
}
