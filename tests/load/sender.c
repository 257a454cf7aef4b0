/* sender.c — a publisher's paced sending of the clip: each track loops on
 * its own, in real time, with sequence numbers, timestamps and VP8 picture IDs
 * that keep counting across loops, and RTCP sender reports. Main thread. */
#include <string.h>

#include "load.h"

#define MAX_PACKET 1500

void
load_sender_init(LoadSender *s)
{
  memset(s, 0, sizeof *s);
  for (guint k = 0; k < LOAD_KINDS; k++) {
    LoadSendTrack *t = &s->tracks[k];
    t->ssrc = g_random_int() | 1;
    t->seq = (guint16)g_random_int();
    t->ts_base = g_random_int();
    t->pt = k == LOAD_AUDIO ? LOAD_PT_OPUS : LOAD_PT_VP8;
  }
}

/* Clock ticks in one loop of @track. */
static guint32
loop_ticks(const LoadTrack *track)
{
  return (guint32)((guint64)track->duration_us * track->clock_rate / G_USEC_PER_SEC);
}

static gint64
due_us(const LoadSender *s, const LoadTrack *track, const LoadSendTrack *t)
{
  const LoadPacket *p = &g_array_index(track->packets, LoadPacket, t->cursor);
  return s->start_us + (gint64)t->loop * track->duration_us + p->at_us;
}

gint64
load_sender_pump(LoadSender *s, const LoadMedia *media, WtPeer *peer, gint64 now_us)
{
  if (!s->start_us)
    s->start_us = now_us;
  gint64 next = G_MAXINT64;
  guint8 buf[MAX_PACKET + WT_SRTP_MAX_TRAILER];
  for (guint k = 0; k < LOAD_KINDS; k++) {
    const LoadTrack *track = &media->tracks[k];
    LoadSendTrack *t = &s->tracks[k];
    gint64 due;
    while ((due = due_us(s, track, t)) <= now_us) {
      const LoadPacket *p = &g_array_index(track->packets, LoadPacket, t->cursor);
      guint32 ts = t->ts_base + t->loop * loop_ticks(track) + p->ts;
      guint16 picture_id = (guint16)((t->loop * track->frames + p->frame) & 0x7fff);
      gsize len = load_media_write_rtp(media, k, p, t->pt, t->seq, ts, t->ssrc, picture_id, buf,
                                       MAX_PACKET);
      if (len > 0 && wt_peer_send_rtp(peer, buf, len) == 0) {
        t->packets++;
        t->bytes += len;
      }
      t->seq++; /* a packet that could not be sent is a loss, like on a network */
      if (++t->cursor == track->packets->len) {
        t->cursor = 0;
        t->loop++;
      }
    }
    next = MIN(next, due);
  }
  return next;
}

static void
put32(guint8 *p, guint32 v)
{
  p[0] = (guint8)(v >> 24);
  p[1] = (guint8)(v >> 16);
  p[2] = (guint8)(v >> 8);
  p[3] = (guint8)v;
}

gsize
load_sender_write_sr(const LoadSender *s, const LoadMedia *media, LoadKind kind, gint64 now_us,
                     guint8 *buf, gsize cap)
{
  const LoadSendTrack *t = &s->tracks[kind];
  const LoadTrack *track = &media->tracks[kind];
  if (cap < 28 || !s->start_us)
    return 0;
  /* NTP time (seconds since 1900, 32.32 fixed point) of now. */
  gint64 real = g_get_real_time();
  guint64 secs = (guint64)(real / G_USEC_PER_SEC) + 2208988800u;
  guint64 frac = ((guint64)(real % G_USEC_PER_SEC) << 32) / G_USEC_PER_SEC;
  /* Media time runs with the wall clock from the clip's start. */
  guint32 rtp =
      t->ts_base + (guint32)((guint64)(now_us - s->start_us) * track->clock_rate / G_USEC_PER_SEC);
  buf[0] = 0x80;
  buf[1] = 200;
  buf[2] = 0;
  buf[3] = 6;
  put32(buf + 4, t->ssrc);
  put32(buf + 8, (guint32)secs);
  put32(buf + 12, (guint32)frac);
  put32(buf + 16, rtp);
  put32(buf + 20, (guint32)t->packets);
  put32(buf + 24, (guint32)t->bytes);
  return 28;
}
