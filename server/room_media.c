/* room_media.c — the packet path of a room: RTP from publishers forwarded to
 * subscribers, RTCP that matters (keyframe requests, sender reports), and
 * keyframe requests of our own. Worker thread only; no allocation per packet.
 */
#include <string.h>

#include "room_private.h"
#include "rtcp.h"
#include "rtp.h"

#define KEYFRAME_REQUEST_INTERVAL_US (500 * 1000)

static void
forward_to(WtRoom *room, Participant *to, const SubSlot *ss, const guint8 *pkt, gsize len,
           const WtRtpHeader *h)
{
  guint8 *buf = room->scratch;
  memcpy(buf, pkt, len);
  if (ss->slot->codec->pt != h->pt)
    wt_rtp_set_pt(buf, ss->slot->codec->pt);
  if (ss->slot->ssrc != h->ssrc)
    wt_rtp_set_ssrc(buf, ss->slot->ssrc);
  if (wt_rtp_ext_rewrite(buf, h, ss->ext_map) < 0 || wt_peer_send_rtp(to->subscribe, buf, len) < 0) {
    wt_room_count(&room->counters.drops, 1);
    return;
  }
  wt_room_count(&room->counters.packets_out, 1);
  wt_room_count(&room->counters.bytes_out, len);
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
  gboolean known = FALSE;
  for (guint t = 0; t < from->tracks->len && !known; t++) {
    const PubTrack *pt = g_ptr_array_index(from->tracks, t);
    known = pt->track->ssrc == h.ssrc && pt->track->codec->pt == h.pt;
  }
  if (!known) {
    /* RTX, FEC, padding probes or an SSRC the offer did not announce. */
    wt_room_count(&room->counters.drops, 1);
    return;
  }
  for (guint i = 0; i < room->participants->len; i++) {
    Participant *to = g_ptr_array_index(room->participants, i);
    if (to == from || !to->subscribe || !wt_peer_is_connected(to->subscribe))
      continue;
    for (guint s = 0; s < to->sub_slots->len; s++) {
      const SubSlot *ss = g_ptr_array_index(to->sub_slots, s);
      if (ss->source == from && ss->source_ssrc == h.ssrc && ss->answered && ss->slot->active)
        forward_to(room, to, ss, buf, len, &h);
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
    if (p.type == WT_RTCP_PSFB && (p.fmt == WT_RTCP_PSFB_PLI || p.fmt == WT_RTCP_PSFB_FIR)) {
      /* FIR names its target in the FCI; PLI in the media SSRC field. */
      guint32 target = p.media_ssrc;
      if (p.fmt == WT_RTCP_PSFB_FIR && p.len >= 16)
        target = (guint32)p.data[12] << 24 | (guint32)p.data[13] << 16 |
                 (guint32)p.data[14] << 8 | p.data[15];
      keyframe_wanted(subscriber, target);
    }
  }
}

/* Sender reports let receivers line audio up with video: pass them on to the
 * subscribers of that SSRC (with their SSRC where it differs). */
void
wt_room_on_publisher_rtcp(WtPeer *peer, guint8 *buf, gsize len, gpointer user_data)
{
  Participant *from = user_data;
  WtRoom *room = from->room;
  WtRtcpIter it;
  WtRtcpPacket p;
  wt_rtcp_iter_init(&it, buf, len);
  while (wt_rtcp_iter_next(&it, &p) == 0) {
    if (p.type != WT_RTCP_SR || p.len > sizeof room->scratch - WT_SRTP_MAX_TRAILER)
      continue;
    for (guint i = 0; i < room->participants->len; i++) {
      Participant *to = g_ptr_array_index(room->participants, i);
      if (to == from || !to->subscribe || !wt_peer_is_connected(to->subscribe))
        continue;
      for (guint s = 0; s < to->sub_slots->len; s++) {
        const SubSlot *ss = g_ptr_array_index(to->sub_slots, s);
        if (ss->source != from || ss->source_ssrc != p.sender_ssrc || !ss->answered)
          continue;
        memcpy(room->scratch, p.data, p.len);
        /* Only the SR itself; its report blocks describe what the publisher
         * received, which means nothing to this subscriber. */
        room->scratch[0] &= 0xe0;
        room->scratch[2] = 0;
        room->scratch[3] = 6;
        wt_rtcp_sr_set_ssrc(room->scratch, 28, ss->slot->ssrc);
        if (p.len >= 28)
          wt_peer_send_rtcp(to->subscribe, room->scratch, 28);
      }
    }
  }
}
