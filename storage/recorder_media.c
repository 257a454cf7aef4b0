/* recorder_media.c — the media path of the recorder's storage thread:
 * packets off the ring are put back in order, cut into frames, given
 * milliseconds on the recording's clock and written into segments, each
 * closed with a chain record (recorder_thread.c has the records, failures,
 * control messages and the main loop).
 *
 * Time: until the publisher's RTCP sender reports (pushed through the same
 * ring) map a stream to the sender's clock, a stream's first frame is placed
 * at its arrival (wall clock, ms since the recording started), that is the
 * arrival of its earliest packet: a sender sends a frame's packets together,
 * so a packet that comes late (a retransmission, the end of a big keyframe
 * paced out on a slow uplink) says when the frame was complete, not when it
 * was sent, and anchoring on it would put a whole track late; later frames
 * follow its RTP clock as unwrapped by ts_unwrap.h, whose jumps and pauses
 * re-base on arrival and are written as gaps. Once a stream has a sender
 * report, its frames go where the sender captured them, on its NTP clock
 * mapped to ours with one offset per participant (clock_sync.h has the
 * rules): a later placement is taken at once, an earlier one is reached
 * gradually (the track runs at most 10% fast), so frames of one track never
 * go back (a tie moves 1 ms on). The first frame a report places writes a
 * `sync` record (how far off arrival placement was, the sender's clock
 * offset); each track of a segment record says `sync`: "rtcp-sr" (every
 * frame on the sender's clock), "arrival" (none) or "partial" (some).
 *
 * Segments: a participant's first frame opens one; a video frame before the
 * first keyframe of a segment is dropped (it could not be decoded). From
 * segment_ms - 500 ms on the recorder asks for a keyframe, and it cuts at the
 * first keyframe once segment_ms have passed; audio-only parties are cut on
 * time. Leaving, new tracks and the stop close the open segment.
 *
 * Thread: this file runs only on the recorder's own thread.
 */
#include <errno.h>
#include <string.h>

#include "recorder_thread_private.h"

#define KEYFRAME_LEAD_MS 500
#define KEYFRAME_RETRY_US (1000 * 1000)
#define MAX_PENDING_AUDIO 250 /* 5 s of Opus waiting for the first video keyframe */

typedef struct {
  gint64 pts;
  guint32 rtp_ts;
  WtClockSyncState sync;
  gsize len;
  guint8 data[];
} PendingFrame;

/* ---- Segments ------------------------------------------------------------------------ */

static const char *
kind_name(WtSegmentKind kind)
{
  return kind == WT_SEGMENT_VIDEO ? "video" : "audio";
}

/* How a segment's track was placed in time, from the states of its frames. */
static const char *
sync_name(guint states)
{
  if (states == 1u << WT_CLOCK_SYNC_SR)
    return "rtcp-sr";
  return states == 1u << WT_CLOCK_SYNC_ARRIVAL ? "arrival" : "partial";
}

void
wt_recorder_media_close_segment(Thread *t, Part *p)
{
  if (!p->writer)
    return;
  WtSegmentInfo info;
  g_autoptr(GError) error = NULL;
  if (!wt_segment_writer_finish(g_steal_pointer(&p->writer), &info, &error)) {
    wt_recorder_thread_lose_segment(t, p, error->message); /* finish removed it; the gap says so */
    wt_recorder_thread_fail_recording(t, "cannot finish a segment", error);
    return;
  }
  g_autofree char *file = g_build_filename(p->id, info.file_name, NULL);
  g_autofree char *sha = NULL;
  {
    GString *s = g_string_sized_new(64);
    for (guint i = 0; i < WT_SEGMENT_SHA256_LEN; i++)
      g_string_append_printf(s, "%02x", info.sha256[i]);
    sha = g_string_free(s, FALSE);
  }
  gint64 first = G_MAXINT64, last = 0;
  JsonObject *o = wt_recorder_thread_about(p);
  json_object_set_string_member(o, "file", file);
  json_object_set_int_member(o, "size", (gint64)info.size);
  json_object_set_string_member(o, "sha256", sha);
  json_object_set_int_member(o, "index", p->index - 1);
  for (guint k = 0; k < WT_SEGMENT_KINDS; k++) {
    Stream *s = &p->streams[k];
    if (!info.frames[k])
      continue;
    first = MIN(first, info.first_pts_ms[k]);
    last = MAX(last, info.last_pts_ms[k]);
    JsonObject *track = json_object_new();
    json_object_set_string_member(track, "codec", wt_codec_name(s->codec));
    json_object_set_int_member(track, "frames", (gint64)info.frames[k]);
    json_object_set_int_member(track, "rtp_first", s->seg_first_ts);
    json_object_set_int_member(track, "rtp_last", s->seg_last_ts);
    json_object_set_int_member(track, "lost_packets", (gint64)s->lost);
    json_object_set_string_member(track, "sync", sync_name(s->seg_sync));
    json_object_set_object_member(o, kind_name(k), track);
    s->lost = 0;
    s->seg_sync = 0;
  }
  if (first == G_MAXINT64)
    first = last = p->seg_first_pts;
  json_object_set_int_member(o, "start_ms", t->rec->start_wall_ms + first);
  json_object_set_int_member(o, "end_ms", t->rec->start_wall_ms + last);
  wt_recorder_thread_append(t, "segment", o);
  wt_recorder_thread_anchor(t);
  wt_recorder_post(t->rec, 3, file, NULL);
}

static gboolean
open_segment(Thread *t, Part *p, gint64 pts, const WtFrame *video_keyframe)
{
  if (!wt_recorder_thread_room_on_disk(t))
    return FALSE;
  g_autofree char *dir = g_build_filename(t->rec->dir, p->id, NULL);
  if (g_mkdir_with_parents(dir, 0750) != 0) {
    g_autoptr(GError) error =
        g_error_new(G_IO_ERROR, g_io_error_from_errno(errno), "%s: %s", dir, g_strerror(errno));
    wt_recorder_thread_fail_recording(t, "cannot create a participant folder", error);
    return FALSE;
  }
  Stream *video = &p->streams[WT_SEGMENT_VIDEO];
  WtSegmentTracks tracks = {
      .video = p->tracks.video_codec,
      .width = video_keyframe ? video_keyframe->width : 0,
      .height = video_keyframe ? video_keyframe->height : 0,
      .audio = p->tracks.audio_codec,
      .audio_channels = p->tracks.audio_channels ? p->tracks.audio_channels : 2,
  };
  if (tracks.video == WT_CODEC_H264 && video->depack)
    wt_depacketizer_get_parameter_sets(video->depack, &tracks.video_extradata,
                                       &tracks.video_extradata_len);
  g_autofree char *name = g_strdup_printf("%05u", p->index);
  g_autoptr(GError) error = NULL;
  p->writer = wt_segment_writer_new(dir, name, &tracks, &error);
  if (!p->writer) {
    wt_recorder_thread_fail_recording(t, "cannot start a segment", error);
    return FALSE;
  }
  p->index++;
  p->seg_first_pts = pts;
  p->seg_video_started = FALSE;
  p->keyframe_asked_us = 0;
  for (guint k = 0; k < WT_SEGMENT_KINDS; k++) {
    p->streams[k].seg_first_ts = p->streams[k].seg_last_ts = 0;
    p->streams[k].seg_sync = 0;
  }
  return TRUE;
}

/* ---- Frames ---------------------------------------------------------------------------- */

/* Asks the publisher for a keyframe, again every second until one comes
 * (a request may be lost, or rate-limited on the way). */
static void
ask_keyframe(Thread *t, Part *p)
{
  gint64 now = g_get_monotonic_time();
  if (p->keyframe_asked_us && now - p->keyframe_asked_us < KEYFRAME_RETRY_US)
    return;
  p->keyframe_asked_us = now;
  wt_recorder_post(t->rec, 0, p->id, NULL);
}

/* Writes one frame into the open segment; a failure ends the media. */
static gboolean
put_frame(Thread *t, Part *p, WtSegmentKind kind, const guint8 *data, gsize len, gint64 pts,
          gboolean keyframe, guint32 rtp_ts, WtClockSyncState sync)
{
  Stream *s = &p->streams[kind];
  g_autoptr(GError) error = NULL;
  if (!wt_segment_writer_write(p->writer, kind, data, len, pts, keyframe, &error)) {
    wt_recorder_thread_lose_segment(t, p, error->message);
    wt_recorder_thread_fail_recording(t, "cannot write a segment", error);
    return FALSE;
  }
  s->seg_sync |= 1u << sync;
  if (!s->seg_first_ts)
    s->seg_first_ts = rtp_ts ? rtp_ts : 1;
  s->seg_last_ts = rtp_ts;
  return TRUE;
}

static void
hold_audio(Part *p, const WtFrame *f, gint64 pts, WtClockSyncState sync)
{
  if (p->pending->len == MAX_PENDING_AUDIO) {
    g_ptr_array_remove_index(p->pending, 0);
    p->pending_dropped++;
  }
  PendingFrame *pf = g_malloc(sizeof *pf + f->len);
  pf->pts = pts;
  pf->rtp_ts = f->rtp_ts;
  pf->sync = sync;
  pf->len = f->len;
  memcpy(pf->data, f->data, f->len);
  g_ptr_array_add(p->pending, pf);
}

/* The first video keyframe opened the segment: the audio that waited goes in. */
static gboolean
write_held_audio(Thread *t, Part *p)
{
  if (p->pending_dropped) {
    wt_recorder_thread_gap(t, p, "audio",
                           "no video keyframe came for a while; audio before it is lost",
                           (gint64)p->pending_dropped, "frames");
    p->pending_dropped = 0;
  }
  gboolean ok = TRUE;
  for (guint i = 0; ok && i < p->pending->len; i++) {
    PendingFrame *pf = g_ptr_array_index(p->pending, i);
    ok = put_frame(t, p, WT_SEGMENT_AUDIO, pf->data, pf->len, pf->pts, TRUE, pf->rtp_ts, pf->sync);
  }
  g_ptr_array_set_size(p->pending, 0);
  return ok;
}

/* A monotonic arrival time in µs since the recording started (wall clock). */
static gint64
recording_us(Thread *t, gint64 arrival_us)
{
  return arrival_us + t->rec->wall_minus_mono_us - t->rec->start_wall_ms * 1000;
}

/* The first frame a sender report placed: the evidence says how. */
static void
note_sync(Thread *t, Part *p, WtSegmentKind kind, const WtClockSyncPlacement *where)
{
  JsonObject *o = wt_recorder_thread_about(p);
  json_object_set_string_member(o, "kind", kind_name(kind));
  json_object_set_string_member(o, "sync", "rtcp-sr");
  json_object_set_int_member(o, "correction_ms", where->error_ms);
  /* Our wall clock minus the sender's NTP clock (as Unix time), network delay included. */
  json_object_set_int_member(o, "clock_offset_ms",
                             (where->offset_us + WT_CLOCK_SYNC_NTP_UNIX_S * G_USEC_PER_SEC) / 1000 +
                                 t->rec->start_wall_ms);
  g_message("recording %s: %s: %s on the sender's clock (%+" G_GINT64_FORMAT " ms)", t->rec->id,
            p->id, kind_name(kind), where->error_ms);
  wt_recorder_thread_append(t, "sync", o);
}

/* The frame's place on the recording's clock, ms; how it was placed in *@sync. */
static gint64
frame_pts(Thread *t, Part *p, Stream *s, WtSegmentKind kind, const WtFrame *f, gint64 arrival_us,
          WtClockSyncState *sync)
{
  WtTsResult r;
  gint64 ext = wt_ts_unwrap_update(&s->unwrap, f->rtp_ts, arrival_us, &r);
  if (s->sync.based && (r.event == WT_TS_JUMP || r.event == WT_TS_PAUSE))
    wt_recorder_thread_gap(t, p, kind_name(kind),
                           r.event == WT_TS_JUMP ? "timestamp jump" : "sender paused",
                           r.gap_us / 1000, "ms");
  WtClockSyncPlacement where;
  gint64 pts = wt_clock_sync_place(&s->sync, &p->clock, &s->unwrap, ext,
                                   recording_us(t, arrival_us), &where);
  if (where.first_sr)
    note_sync(t, p, kind, &where);
  *sync = where.state;
  return pts;
}

static void
write_frame(Thread *t, Part *p, WtSegmentKind kind, const WtFrame *f, gint64 arrival_us)
{
  Stream *s = &p->streams[kind];
  WtClockSyncState sync;
  gint64 pts = frame_pts(t, p, s, kind, f, arrival_us, &sync);
  gboolean has_video = p->tracks.video_codec != WT_CODEC_NONE;
  if (p->writer) {
    gint64 elapsed = pts - p->seg_first_pts;
    if (has_video && kind == WT_SEGMENT_VIDEO && elapsed >= t->rec->segment_ms - KEYFRAME_LEAD_MS)
      ask_keyframe(t, p);
    gboolean cut = has_video
                       ? kind == WT_SEGMENT_VIDEO && f->keyframe && elapsed >= t->rec->segment_ms
                       : elapsed >= t->rec->segment_ms;
    if (cut)
      wt_recorder_media_close_segment(t, p);
  }
  if (t->failed)
    return;
  if (kind == WT_SEGMENT_VIDEO && !f->keyframe && (!p->writer || !p->seg_video_started)) {
    ask_keyframe(t, p); /* undecodable until a keyframe */
    return;
  }
  if (!p->writer && has_video && kind == WT_SEGMENT_AUDIO) {
    hold_audio(p, f, pts, sync);
    return;
  }
  if (!p->writer && !open_segment(t, p, pts, kind == WT_SEGMENT_VIDEO ? f : NULL))
    return;
  if (kind == WT_SEGMENT_VIDEO)
    p->seg_video_started = TRUE;
  if (kind == WT_SEGMENT_VIDEO && p->pending->len && !write_held_audio(t, p))
    return;
  put_frame(t, p, kind, f->data, f->len, pts, f->keyframe, f->rtp_ts, sync);
}

/* ---- Packets ---------------------------------------------------------------------------- */

/* The RTP header's fields the recorder needs, bounded by @len. */
static gboolean
parse_rtp(const guint8 *buf, gsize len, guint8 *pt, guint16 *seq, guint32 *ts, gboolean *marker,
          gsize *offset, gsize *payload_len)
{
  if (len < 12 || (buf[0] >> 6) != 2)
    return FALSE;
  gsize off = 12 + 4 * (gsize)(buf[0] & 0x0f);
  if (buf[0] & 0x10) { /* header extension */
    if (off + 4 > len)
      return FALSE;
    off += 4 + 4 * (gsize)(buf[off + 2] << 8 | buf[off + 3]);
  }
  gsize end = len;
  if (buf[0] & 0x20) { /* padding */
    guint8 pad = buf[len - 1];
    if (pad == 0 || pad > len)
      return FALSE;
    end = len - pad;
  }
  if (off >= end)
    return FALSE;
  *pt = buf[1] & 0x7f;
  *marker = (buf[1] & 0x80) != 0;
  *seq = (guint16)(buf[2] << 8 | buf[3]);
  *ts = (guint32)buf[4] << 24 | (guint32)buf[5] << 16 | (guint32)buf[6] << 8 | buf[7];
  *offset = off;
  *payload_len = end - off;
  return TRUE;
}

/* Hands everything @s can release by @now_us to the depacketizer and on. */
void
wt_recorder_media_release(Thread *t, Part *p, WtSegmentKind kind, gint64 now_us)
{
  Stream *s = &p->streams[kind];
  WtReorderPacket rp;
  while (s->reorder && wt_reorder_pop(s->reorder, now_us, &rp) == 1) {
    if (rp.gap)
      s->lost += rp.gap;
    if (rp.restart)
      wt_depacketizer_flush(s->depack);
    if (!s->in_frame || rp.ts != s->frame_ts) {
      s->in_frame = TRUE;
      s->frame_ts = rp.ts;
      s->frame_arrival_us = rp.arrival_us;
    } else {
      s->frame_arrival_us = MIN(s->frame_arrival_us, rp.arrival_us);
    }
    WtFrame f;
    int r = wt_depacketizer_push(s->depack, rp.seq, rp.ts, rp.marker, rp.data, rp.len, &f);
    if ((r & WT_DEPACK_LOST) && kind == WT_SEGMENT_VIDEO)
      ask_keyframe(t, p); /* the next frames need a new keyframe */
    /* A frame comes out on its last packet, so f.rtp_ts == s->frame_ts. */
    if (r & WT_DEPACK_FRAME)
      write_frame(t, p, kind, &f, s->frame_arrival_us);
  }
}

void
wt_recorder_media_stream_reset(Stream *s, WtCodec codec, guint8 pt)
{
  g_clear_pointer(&s->reorder, wt_reorder_free);
  g_clear_pointer(&s->depack, wt_depacketizer_free);
  memset(s, 0, sizeof *s);
  s->codec = codec;
  s->pt = pt;
  if (codec == WT_CODEC_NONE)
    return;
  s->clock_rate = codec == WT_CODEC_OPUS ? 48000 : 90000;
  s->reorder =
      wt_reorder_new(WT_REORDER_CAPACITY, WT_PACKET_RING_SLOT_BYTES, WT_REORDER_LATENCY_US);
  s->depack = wt_depacketizer_new(codec, WT_DEPACKETIZER_MAX_FRAME);
  wt_ts_unwrap_init(&s->unwrap, s->clock_rate);
  wt_clock_sync_stream_init(&s->sync, s->clock_rate);
}

void
wt_recorder_media_on_packet(Thread *t, WtPacketRingSlot *slot)
{
  Part *p = slot->stream < WT_RECORDER_MAX_PARTICIPANTS ? t->parts[slot->stream] : NULL;
  guint8 pt;
  guint16 seq;
  guint32 ts;
  gboolean marker;
  gsize offset, len;
  if (!p || !p->present || t->failed ||
      !parse_rtp(slot->data, slot->len, &pt, &seq, &ts, &marker, &offset, &len))
    return;
  for (guint k = 0; k < WT_SEGMENT_KINDS; k++) {
    Stream *s = &p->streams[k];
    if (s->codec != WT_CODEC_NONE && s->pt == pt) {
      wt_reorder_push(s->reorder, seq, ts, marker, slot->data + offset, len, slot->arrival_us);
      wt_recorder_media_release(t, p, k, slot->arrival_us);
      return;
    }
  }
}

/* A sender report for one of @p's streams (WtRecorderSr in the slot). */
void
wt_recorder_media_on_sr(Thread *t, WtPacketRingSlot *slot)
{
  Part *p = slot->stream < WT_RECORDER_MAX_PARTICIPANTS ? t->parts[slot->stream] : NULL;
  WtRecorderSr sr;
  if (!p || !p->present || t->failed || slot->len != sizeof sr)
    return;
  memcpy(&sr, slot->data, sizeof sr);
  Stream *s = &p->streams[sr.kind == WT_RECORDER_VIDEO ? WT_SEGMENT_VIDEO : WT_SEGMENT_AUDIO];
  if (s->codec != WT_CODEC_NONE)
    wt_clock_sync_on_sr(&s->sync, &p->clock, sr.ntp, sr.rtp_ts, recording_us(t, slot->arrival_us));
}
