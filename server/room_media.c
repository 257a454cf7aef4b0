/* room_media.c — the packet path of a room: RTP from publishers forwarded to
 * subscribers, keyframe requests (theirs and ours), and the hand-off of other
 * RTCP to room_feedback.c. Worker thread only; no allocation per packet.
 */
#include <string.h>

#include "room_private.h"
#include "rtcp.h"
#include "rtp.h"

#define KEYFRAME_REQUEST_INTERVAL_US (500 * 1000)

void
wt_room_forward(WtRoom *room, Participant *to, SubSlot *ss, const guint8 *pkt, gsize len,
                const WtRtpHeader *h, gboolean retransmission)
{
  guint drop = room->env->drop_percent;
  if (drop && !retransmission && (guint)g_random_int_range(0, 100) < drop) {
    wt_room_count(&room->counters.drops, 1); /* the test-only loss switch */
    return;
  }
  guint8 *buf = room->scratch;
  memcpy(buf, pkt, len);
  if (ss->slot->codec->pt != h->pt)
    wt_rtp_set_pt(buf, ss->slot->codec->pt);
  if (ss->slot->ssrc != h->ssrc)
    wt_rtp_set_ssrc(buf, ss->slot->ssrc);
  if (wt_rtp_ext_rewrite(buf, h, ss->ext_map) < 0 ||
      wt_peer_send_rtp(to->subscribe, buf, len) < 0) {
    wt_room_count(&room->counters.drops, 1);
    return;
  }
  ss->packets_sent++;
  ss->octets_sent += (guint32)h->payload_len;
  wt_room_count(&room->counters.packets_out, 1);
  wt_room_count(&room->counters.bytes_out, len);
}

/* A packet of the track the recorder records for @from reached it: the
 * status a module asks for says that party's audio (video) is recorded. */
static void
note_recorded(Participant *from, const PubTrack *track, const WtRtpHeader *h)
{
  const WtRecorderTracks *t = &from->rec_tracks;
  if (track->track->kind == WT_SDP_MEDIA_AUDIO && t->audio_codec != WT_CODEC_NONE &&
      h->pt == t->audio_pt)
    from->rec_pushed_us[0] = g_get_monotonic_time();
  else if (track->track->kind == WT_SDP_MEDIA_VIDEO && t->video_codec != WT_CODEC_NONE &&
           h->pt == t->video_pt)
    from->rec_pushed_us[1] = g_get_monotonic_time();
}

void
wt_room_on_rtp(WtPeer *peer, guint8 *buf, gsize len, gpointer user_data)
{
  Participant *from = user_data;
  WtRoom *room = from->room;
  WtRtpHeader h;
  wt_room_count(&room->counters.packets_in, 1);
  wt_room_count(&room->counters.bytes_in, len);
  if (wt_rtp_parse(buf, len, &h) < 0 || len > sizeof room->scratch - WT_SRTP_MAX_TRAILER) {
    wt_room_count(&room->counters.drops, 1);
    return;
  }
  PubTrack *track = NULL;
  for (guint t = 0; t < from->tracks->len && !track; t++) {
    PubTrack *pt = g_ptr_array_index(from->tracks, t);
    if (pt->track->ssrc == h.ssrc && pt->track->codec->pt == h.pt)
      track = pt;
  }
  if (!track) {
    /* RTX, FEC, padding probes or an SSRC the offer did not announce. */
    wt_room_count(&room->counters.drops, 1);
    return;
  }
  wt_room_feedback_on_publisher_rtp(from, track, buf, len, &h);
  if (room->recorder && from->rec_joined) {
    if (wt_recorder_push(room->recorder, from->rec_who, buf, len)) /* a copy; never blocks */
      note_recorded(from, track, &h);
    else if (!room->recording_stopping && room->env->recorder_drops_total)
      __atomic_add_fetch(room->env->recorder_drops_total, 1, __ATOMIC_RELAXED);
  }
  if (from->tap && h.pt == from->tap_pt && track->track->kind == WT_SDP_MEDIA_VIDEO)
    wt_liveness_tap_push(from->tap, buf, len); /* a copy; never blocks */
  for (guint i = 0; i < room->participants->len; i++) {
    Participant *to = g_ptr_array_index(room->participants, i);
    if (to == from || !to->subscribe || !wt_peer_is_connected(to->subscribe))
      continue;
    for (guint s = 0; s < to->sub_slots->len; s++) {
      SubSlot *ss = g_ptr_array_index(to->sub_slots, s);
      if (ss->source == from && ss->source_ssrc == h.ssrc && ss->answered && ss->slot->active)
        wt_room_forward(room, to, ss, buf, len, &h, FALSE);
    }
  }
}

void
wt_room_request_keyframe(Participant *publisher, PubTrack *track)
{
  gint64 now = g_get_monotonic_time();
  if (!publisher->publish || !wt_peer_is_connected(publisher->publish) ||
      track->track->kind != WT_SDP_MEDIA_VIDEO || !track->track->ssrc ||
      now - track->last_pli_us < KEYFRAME_REQUEST_INTERVAL_US)
    return;
  track->last_pli_us = now;
  guint8 pli[12 + WT_SRTP_MAX_TRAILER];
  int n = wt_rtcp_write_pli(pli, sizeof pli, 1, track->track->ssrc);
  if (n > 0 && wt_peer_send_rtcp(publisher->publish, pli, (gsize)n) == 0)
    wt_room_count(&publisher->room->counters.plis, 1);
}

/* A subscriber asks for a keyframe on one of its slots: ask the publisher. */
static void
keyframe_wanted(Participant *subscriber, guint32 media_ssrc)
{
  for (guint s = 0; s < subscriber->sub_slots->len; s++) {
    SubSlot *ss = g_ptr_array_index(subscriber->sub_slots, s);
    if (ss->slot->ssrc != media_ssrc || !ss->source)
      continue;
    for (guint t = 0; t < ss->source->tracks->len; t++) {
      PubTrack *pt = g_ptr_array_index(ss->source->tracks, t);
      if (pt->track->ssrc == ss->source_ssrc)
        wt_room_request_keyframe(ss->source, pt);
    }
  }
}

void
wt_room_on_subscriber_rtcp(WtPeer *peer, guint8 *buf, gsize len, gpointer user_data)
{
  Participant *subscriber = user_data;
  WtRtcpIter it;
  WtRtcpPacket p;
  wt_rtcp_iter_init(&it, buf, len);
  while (wt_rtcp_iter_next(&it, &p) == 0) {
    if (p.type == WT_RTCP_PSFB && p.fmt == WT_RTCP_PSFB_PLI) {
      keyframe_wanted(subscriber, p.media_ssrc);
    } else if (p.type == WT_RTCP_PSFB && p.fmt == WT_RTCP_PSFB_FIR) {
      WtRtcpFirIter fir;
      WtRtcpFirEntry entry;
      if (wt_rtcp_fir_iter_init(&fir, &p) == 0) {
        while (wt_rtcp_fir_iter_next(&fir, &entry) == 0)
          keyframe_wanted(subscriber, entry.ssrc);
      }
    } else {
      wt_room_feedback_on_subscriber_rtcp(subscriber, &p);
    }
  }
}

/* Publishers' RTCP is terminated here: sender reports are remembered and
 * regenerated for each subscriber (room_feedback.c); the rest (their receiver
 * reports on nothing, SDES) ends here. */
void
wt_room_on_publisher_rtcp(WtPeer *peer, guint8 *buf, gsize len, gpointer user_data)
{
  Participant *from = user_data;
  WtRtcpIter it;
  WtRtcpPacket p;
  wt_rtcp_iter_init(&it, buf, len);
  while (wt_rtcp_iter_next(&it, &p) == 0) {
    if (p.type == WT_RTCP_SR)
      wt_room_feedback_on_sender_report(from, &p);
  }
}
