/* recorder_thread.c — the storage thread of one recording: takes packets and
 * control messages off the ring, puts each stream back in order, cuts it into
 * frames, gives them milliseconds on the recording's clock, and writes
 * segments with a chain record each; seals at the stop.
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
 * Gaps written into the chain: packets the ring dropped, packets lost on the
 * way (reorder), frames that could not be completed, timestamp jumps and
 * pauses, time away between a leave and a rejoin, a missing video track.
 *
 * Thread: this file runs only on the recorder's own thread.
 */
#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "clock_sync.h"
#include "atomic_file.h"
#include "depacketize.h"
#include "recorder_private.h"
#include "recording.h"
#include "reorder.h"
#include "segment.h"
#include "ts_unwrap.h"

#define KEYFRAME_LEAD_MS 500
#define IDLE_WAIT_US (100 * 1000)
#define KEYFRAME_RETRY_US (1000 * 1000)
#define MAX_PENDING_AUDIO 250 /* 5 s of Opus waiting for the first video keyframe */

typedef struct {
  WtCodec codec;
  guint8 pt;
  guint32 clock_rate;
  WtReorder *reorder;
  WtDepacketizer *depack;
  WtTsUnwrap unwrap;
  WtClockSyncStream sync;
  guint seg_sync; /* 1 << WtClockSyncState of each frame in the open segment */
  guint32 seg_first_ts, seg_last_ts; /* RTP range in the open segment */
  guint64 lost;                      /* packets lost in the open segment */
  gboolean in_frame;                 /* frame_ts and frame_arrival_us are set */
  guint32 frame_ts;                  /* RTP timestamp of the frame being put together */
  gint64 frame_arrival_us;           /* the earliest arrival among its packets */
} Stream;

typedef struct {
  guint who;
  char *id, *role;
  gboolean present, tracks_set;
  gint64 left_ms; /* recording time of the last leave, -1 when never left */
  WtRecorderTracks tracks;
  Stream streams[WT_SEGMENT_KINDS];
  WtClockSyncParty clock; /* the sender's NTP clock against ours */
  WtSegmentWriter *writer;
  guint index; /* of the next segment */
  gboolean seg_video_started;
  gint64 keyframe_asked_us; /* last keyframe request (monotonic), 0 = none pending */
  gint64 seg_first_pts;
  guint64 drops_seen;
  /* Audio that came before the first video keyframe: a video segment's
   * header needs the keyframe's size, so the audio waits for it. */
  GPtrArray *pending; /* PendingFrame* */
  guint64 pending_dropped;
  guint evidence_files; /* files written with wt_recorder_add_evidence() */
} Part;

typedef struct {
  gint64 pts;
  guint32 rtp_ts;
  WtClockSyncState sync;
  gsize len;
  guint8 data[];
} PendingFrame;

typedef struct {
  WtRecorder *rec;
  Part *parts[WT_RECORDER_MAX_PARTICIPANTS];
  gboolean failed;       /* no more media is written after a failure */
  gboolean chain_failed; /* and no more records after the chain itself failed */
  gboolean sealing, sealed;
  const char *fail_seal_reason; /* the seal's reason after a failure (static) */
  guint64 segments;      /* segment records written, for anchors */
} Thread;

/* ---- Chain records ----------------------------------------------------------------- */

static gint64
now_ms(void)
{
  return g_get_real_time() / 1000;
}

static void fail_recording(Thread *t, const char *what, const GError *error);
static void release_reserve(Thread *t);

static void
append(Thread *t, const char *type, JsonObject *payload)
{
  g_autoptr(GError) error = NULL;
  if (t->sealed) { /* sealed early (a failure): the chain is closed */
    json_object_unref(payload);
    return;
  }
  if (!t->chain_failed && !wt_chain_append(t->rec->chain, type, payload, now_ms(), &error)) {
    /* Most likely a full disk: give back the reserve and try once more, so
     * that a finished segment is not left without its record. */
    g_autoptr(GError) again = NULL;
    release_reserve(t);
    if (!wt_chain_append(t->rec->chain, type, payload, now_ms(), &again)) {
      t->chain_failed = TRUE; /* before fail_recording(): no more records */
      fail_recording(t, "cannot append to the chain", again);
    } else {
      g_autoptr(GError) full = g_error_new(G_IO_ERROR, G_IO_ERROR_NO_SPACE, "%s", error->message);
      fail_recording(t, "the chain took a record only from the reserve", full);
    }
  }
  json_object_unref(payload);
}

/* Every anchor_every segments the chain head goes to the notary, so that a
 * later truncation of the chain is caught even before the seal. */
static void
anchor(Thread *t)
{
  WtRecorder *rec = t->rec;
  t->segments++;
  if (!rec->notary || !rec->anchor_every || t->chain_failed || t->segments % rec->anchor_every)
    return;
  g_autoptr(GError) error = NULL;
  if (!wt_notary_add_anchor(rec->notary, rec->id, wt_chain_get_length(rec->chain) - 1,
                            wt_chain_get_head(rec->chain), &error))
    g_warning("recording %s: cannot queue an anchor for the notary: %s", rec->id, error->message);
}

static JsonObject *
about(Part *p)
{
  JsonObject *o = json_object_new();
  json_object_set_string_member(o, "participant", p->id);
  return o;
}

static void
gap(Thread *t, Part *p, const char *kind, const char *reason, gint64 count, const char *unit)
{
  JsonObject *o = about(p);
  if (kind)
    json_object_set_string_member(o, "kind", kind);
  json_object_set_string_member(o, "reason", reason);
  if (unit)
    json_object_set_int_member(o, unit, count);
  g_message("recording %s: %s: gap: %s%s%s", t->rec->id, p->id, kind ? kind : "", kind ? " " : "",
            reason);
  append(t, "gap", o);
}

static void seal(Thread *t, const char *reason);
static void close_segment(Thread *t, Part *p);

static gboolean
disk_is_full(Thread *t, const GError *error)
{
  guint64 free_bytes = 0;
  if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
    return TRUE;
  return wt_recorder_disk_free(t->rec->dir, &free_bytes, NULL) &&
         free_bytes < MAX(t->rec->min_free_bytes, 64 * 1024);
}

/* Gives back the reserve, so that the last records and the seal fit. */
static void
release_reserve(Thread *t)
{
  if (t->rec->reserve_path && g_unlink(t->rec->reserve_path) != 0 && errno != ENOENT)
    g_warning("recording %s: cannot remove %s: %s", t->rec->id, t->rec->reserve_path,
              g_strerror(errno));
}

/* The open segment of @p cannot be finished: it is dropped, and the chain
 * says which stretch of the party's media that was. */
static void
lose_segment(Thread *t, Part *p, const char *why)
{
  wt_segment_writer_abort(g_steal_pointer(&p->writer));
  JsonObject *o = about(p);
  json_object_set_string_member(o, "reason", "the open segment was discarded, unfinished");
  json_object_set_string_member(o, "detail", why);
  json_object_set_int_member(o, "index", p->index - 1);
  json_object_set_int_member(o, "from_ms", t->rec->start_wall_ms + p->seg_first_pts);
  json_object_set_int_member(o, "to_ms", now_ms());
  g_warning("recording %s: %s: open segment %05u discarded: %s", t->rec->id, p->id, p->index - 1,
            why);
  append(t, "gap", o);
}

/* Stops writing for good and seals: on a full disk (ENOSPC, or free space
 * below [recording] min_free_mb at a segment boundary) or another write
 * failure. */
static void
fail_recording(Thread *t, const char *what, const GError *error)
{
  if (t->failed)
    return;
  t->failed = TRUE;
  gboolean full = disk_is_full(t, error);
  const char *code = full ? "disk-full" : "write-failed";
  t->fail_seal_reason = full ? "disk-full" : "failed";
  g_autofree char *reason = g_strdup_printf("%s: %s", what, error ? error->message : "?");
  g_warning("recording %s: stops writing (%s): %s", t->rec->id, code, reason);
  release_reserve(t);
  /* Finish the open segments where the disk still takes their ends; the
   * others are discarded as gaps (close_segment). Nothing incomplete is
   * recorded as complete. */
  for (guint i = 0; i < WT_RECORDER_MAX_PARTICIPANTS; i++) {
    Part *p = t->parts[i];
    if (!p)
      continue;
    close_segment(t, p);
    if (p->pending->len) {
      gap(t, p, "audio", "held audio dropped: the recording stopped",
          (gint64)(p->pending->len + p->pending_dropped), "frames");
      g_ptr_array_set_size(p->pending, 0);
    }
  }
  JsonObject *o = json_object_new();
  json_object_set_string_member(o, "code", code);
  json_object_set_string_member(o, "reason", reason);
  append(t, "failure", o);
  wt_recorder_post_failed(t->rec, code, reason);
  if (!t->sealing)
    seal(t, t->fail_seal_reason);
}

/* At a segment boundary: is there still the room [recording] min_free_mb asks for? */
static gboolean
room_on_disk(Thread *t)
{
  guint64 free_bytes = 0;
  g_autoptr(GError) error = NULL;
  if (!t->rec->min_free_bytes || !wt_recorder_disk_free(t->rec->dir, &free_bytes, &error) ||
      free_bytes >= t->rec->min_free_bytes)
    return TRUE;
  g_autoptr(GError) low =
      g_error_new(G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                  "%" G_GUINT64_FORMAT " MiB free on the archive's file system, below [recording] "
                  "min_free_mb (%" G_GUINT64_FORMAT ")",
                  free_bytes >> 20, t->rec->min_free_bytes >> 20);
  fail_recording(t, "disk low", low);
  return FALSE;
}

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

static void
close_segment(Thread *t, Part *p)
{
  if (!p->writer)
    return;
  WtSegmentInfo info;
  g_autoptr(GError) error = NULL;
  if (!wt_segment_writer_finish(g_steal_pointer(&p->writer), &info, &error)) {
    lose_segment(t, p, error->message); /* finish removed it; the gap says so */
    fail_recording(t, "cannot finish a segment", error);
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
  JsonObject *o = about(p);
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
  append(t, "segment", o);
  anchor(t);
  wt_recorder_post(t->rec, 3, file, NULL);
}

static gboolean
open_segment(Thread *t, Part *p, gint64 pts, const WtFrame *video_keyframe)
{
  if (!room_on_disk(t))
    return FALSE;
  g_autofree char *dir = g_build_filename(t->rec->dir, p->id, NULL);
  if (g_mkdir_with_parents(dir, 0750) != 0) {
    g_autoptr(GError) error =
        g_error_new(G_IO_ERROR, g_io_error_from_errno(errno), "%s: %s", dir, g_strerror(errno));
    fail_recording(t, "cannot create a participant folder", error);
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
    fail_recording(t, "cannot start a segment", error);
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
    lose_segment(t, p, error->message);
    fail_recording(t, "cannot write a segment", error);
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
    gap(t, p, "audio", "no video keyframe came for a while; audio before it is lost",
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
  JsonObject *o = about(p);
  json_object_set_string_member(o, "kind", kind_name(kind));
  json_object_set_string_member(o, "sync", "rtcp-sr");
  json_object_set_int_member(o, "correction_ms", where->error_ms);
  /* Our wall clock minus the sender's NTP clock (as Unix time), network delay included. */
  json_object_set_int_member(o, "clock_offset_ms",
                             (where->offset_us + WT_CLOCK_SYNC_NTP_UNIX_S * G_USEC_PER_SEC) / 1000 +
                                 t->rec->start_wall_ms);
  g_message("recording %s: %s: %s on the sender's clock (%+" G_GINT64_FORMAT " ms)", t->rec->id,
            p->id, kind_name(kind), where->error_ms);
  append(t, "sync", o);
}

/* The frame's place on the recording's clock, ms; how it was placed in *@sync. */
static gint64
frame_pts(Thread *t, Part *p, Stream *s, WtSegmentKind kind, const WtFrame *f, gint64 arrival_us,
          WtClockSyncState *sync)
{
  WtTsResult r;
  gint64 ext = wt_ts_unwrap_update(&s->unwrap, f->rtp_ts, arrival_us, &r);
  if (s->sync.based && (r.event == WT_TS_JUMP || r.event == WT_TS_PAUSE))
    gap(t, p, kind_name(kind), r.event == WT_TS_JUMP ? "timestamp jump" : "sender paused",
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
      close_segment(t, p);
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
static void
release(Thread *t, Part *p, WtSegmentKind kind, gint64 now_us)
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

static void
stream_reset(Stream *s, WtCodec codec, guint8 pt)
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

static void
on_packet(Thread *t, WtPacketRingSlot *slot)
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
      release(t, p, k, slot->arrival_us);
      return;
    }
  }
}

/* A sender report for one of @p's streams (WtRecorderSr in the slot). */
static void
on_sr(Thread *t, WtPacketRingSlot *slot)
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

/* ---- Control messages ---------------------------------------------------------------------- */

static void
finish_part(Thread *t, Part *p)
{
  for (guint k = 0; k < WT_SEGMENT_KINDS; k++)
    release(t, p, k, G_MAXINT64); /* everything still waiting */
  close_segment(t, p);
  if (p->pending->len) { /* audio that never saw a video keyframe */
    gap(t, p, "audio", "no video keyframe came; audio before it is lost",
        (gint64)(p->pending->len + p->pending_dropped), "frames");
    g_ptr_array_set_size(p->pending, 0);
    p->pending_dropped = 0;
  }
}

static void
set_tracks(Thread *t, Part *p, const WtRecorderTracks *tracks)
{
  if (p->tracks_set && p->tracks.audio_codec == tracks->audio_codec &&
      p->tracks.audio_pt == tracks->audio_pt && p->tracks.video_codec == tracks->video_codec &&
      p->tracks.video_pt == tracks->video_pt)
    return;
  finish_part(t, p);
  p->tracks = *tracks;
  p->tracks_set = TRUE;
  stream_reset(&p->streams[WT_SEGMENT_AUDIO], tracks->audio_codec, tracks->audio_pt);
  stream_reset(&p->streams[WT_SEGMENT_VIDEO], tracks->video_codec, tracks->video_pt);
  if (tracks->video_codec == WT_CODEC_NONE && tracks->audio_codec != WT_CODEC_NONE)
    gap(t, p, "video", "the party publishes no video", 0, NULL);
  if (tracks->audio_codec == WT_CODEC_NONE && tracks->video_codec != WT_CODEC_NONE)
    gap(t, p, "audio", "the party publishes no audio", 0, NULL);
}

static void
on_join(Thread *t, RecorderMessage *m)
{
  Part *p = t->parts[m->who];
  gint64 now = now_ms() - t->rec->start_wall_ms;
  if (!p) {
    p = t->parts[m->who] = g_new0(Part, 1);
    p->who = m->who;
    p->id = g_strdup(m->participant);
    p->role = g_strdup(m->role);
    p->left_ms = -1;
    p->pending = g_ptr_array_new_with_free_func(g_free);
  }
  JsonObject *o = about(p);
  json_object_set_string_member(o, "role", p->role);
  append(t, "join", o);
  if (p->left_ms >= 0)
    gap(t, p, NULL, "left and came back", now - p->left_ms, "ms");
  p->present = TRUE;
  /* A new connection: new sequence numbers and clocks. */
  memset(&p->tracks, 0, sizeof p->tracks);
  p->tracks_set = FALSE;
  stream_reset(&p->streams[0], WT_CODEC_NONE, 0);
  stream_reset(&p->streams[1], WT_CODEC_NONE, 0);
  wt_clock_sync_party_init(&p->clock);
  if (m->tracks.audio_codec != WT_CODEC_NONE || m->tracks.video_codec != WT_CODEC_NONE)
    set_tracks(t, p, &m->tracks);
}

static void
on_leave(Thread *t, Part *p, const char *reason)
{
  if (!p || !p->present)
    return;
  finish_part(t, p);
  p->present = FALSE;
  p->left_ms = now_ms() - t->rec->start_wall_ms;
  JsonObject *o = about(p);
  json_object_set_string_member(o, "reason", reason ? reason : "left");
  append(t, "leave", o);
}

/* A record from outside (liveness…), with its file written next to the segments. */
static void
on_evidence(Thread *t, Part *p, RecorderMessage *m)
{
  if (!p || !m->payload)
    return;
  JsonObject *o = g_steal_pointer(&m->payload);
  json_object_set_string_member(o, "participant", p->id);
  if (m->file) {
    gsize len = 0;
    const guint8 *data = g_bytes_get_data(m->file, &len);
    g_autofree char *name =
        g_strdup_printf("%s-%05u.%s", m->type, ++p->evidence_files, m->extension);
    g_autofree char *rel = g_build_filename(p->id, name, NULL);
    g_autofree char *dir = g_build_filename(t->rec->dir, p->id, NULL);
    g_autofree char *path = g_build_filename(t->rec->dir, rel, NULL);
    g_autoptr(GError) error = NULL;
    if (g_mkdir_with_parents(dir, 0750) != 0 ||
        !wt_storage_write_file_atomic(path, data, len, 0640, &error)) {
      g_warning("recording %s: %s: cannot write %s: %s", t->rec->id, p->id, rel,
                error ? error->message : g_strerror(errno));
      json_object_set_string_member(o, "file_error", error ? error->message : g_strerror(errno));
    } else {
      g_autofree char *sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256, data, len);
      json_object_set_string_member(o, "file", rel);
      json_object_set_int_member(o, "size", (gint64)len);
      json_object_set_string_member(o, "sha256", sum);
    }
  }
  append(t, m->type, o);
}

/* Packets the ring dropped since last time, as gaps. */
static void
note_drops(Thread *t)
{
  for (guint i = 0; i < WT_RECORDER_MAX_PARTICIPANTS; i++) {
    Part *p = t->parts[i];
    if (!p)
      continue;
    guint64 drops = __atomic_load_n(&t->rec->drops[i], __ATOMIC_RELAXED);
    if (drops > p->drops_seen) {
      gap(t, p, NULL, "recorder queue overflow", (gint64)(drops - p->drops_seen), "packets");
      p->drops_seen = drops;
    }
  }
}

/* The seal goes into the notary's outbox (in the transaction that marks the
 * recording sealed). A failure here is loud but leaves the evidence whole:
 * seal.json is on disk and the recording's row says `running`. */
static void
hand_to_notary(Thread *t, const char *reason)
{
  WtRecorder *rec = t->rec;
  if (!rec->notary)
    return;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename(rec->dir, WT_SEAL_FILE, NULL);
  g_autofree char *text = NULL;
  if (!g_file_get_contents(path, &text, NULL, &error) ||
      !wt_notary_recording_sealed(rec->notary, rec->id, rec->dir, reason, g_strchomp(text), &error))
    g_warning("recording %s: sealed but not handed to the notary: %s", rec->id, error->message);
}

static void
seal(Thread *t, const char *reason)
{
  if (t->sealing)
    return;
  t->sealing = TRUE;
  for (guint i = 0; i < WT_RECORDER_MAX_PARTICIPANTS; i++) {
    if (t->parts[i])
      finish_part(t, t->parts[i]);
  }
  note_drops(t);
  if (t->fail_seal_reason) /* a failure while finishing */
    reason = t->fail_seal_reason;
  release_reserve(t);
  g_autoptr(GError) error = NULL;
  gint64 started = g_get_monotonic_time();
  WtTsaConfig tsa = {.url = t->rec->tsa_url, .timeout_ms = t->rec->tsa_timeout_ms};
  if (t->chain_failed) {
    /* A seal over a chain that misses records would not verify: leave it
     * unsealed; the next start recovers and seals it (recovery.h). */
    g_set_error(&error, G_IO_ERROR, G_IO_ERROR_FAILED,
                "the chain could not be written; left unsealed for recovery at the next start");
    g_warning("recording %s: %s", t->rec->id, error->message);
  } else if (wt_recording_seal_full(t->rec->dir, t->rec->id, t->rec->chain, reason, t->rec->key,
                                    &tsa, &error))
    g_message("recording %s: sealed (%s) in %.1f ms", t->rec->id, reason,
              (double)(g_get_monotonic_time() - started) / 1000);
  else
    g_warning("recording %s: cannot seal: %s", t->rec->id, error->message);
  t->sealed = TRUE;
  if (!error)
    hand_to_notary(t, reason);
  wt_recorder_post(t->rec, 2, reason, error);
}

static void
part_free(Part *p)
{
  for (guint k = 0; k < WT_SEGMENT_KINDS; k++)
    stream_reset(&p->streams[k], WT_CODEC_NONE, 0);
  wt_segment_writer_abort(p->writer);
  g_ptr_array_unref(p->pending);
  g_free(p->id);
  g_free(p->role);
  g_free(p);
}

/* Releases what waited past its latency bound; returns when to look again. */
static gint64
release_due(Thread *t)
{
  gint64 now = g_get_monotonic_time(), next = now + IDLE_WAIT_US;
  for (guint i = 0; i < WT_RECORDER_MAX_PARTICIPANTS; i++) {
    Part *p = t->parts[i];
    for (guint k = 0; p && p->present && k < WT_SEGMENT_KINDS; k++) {
      if (!p->streams[k].reorder)
        continue;
      gint64 due = wt_reorder_deadline(p->streams[k].reorder);
      if (due <= now)
        release(t, p, k, now);
      else
        next = MIN(next, due);
    }
  }
  return next;
}

gpointer
wt_recorder_thread_main(gpointer data)
{
  Thread t = {.rec = data};
  if (t.rec->notary) {
    g_autoptr(GError) error = NULL;
    if (!wt_notary_recording_started(t.rec->notary, t.rec->id, t.rec->dir, &error))
      g_warning("recording %s: cannot enter it in the database: %s", t.rec->id, error->message);
  }
  for (;;) {
    WtPacketRingSlot *slot = wt_packet_ring_peek(t.rec->ring);
    if (!slot) {
      note_drops(&t);
      gint64 next = release_due(&t);
      wt_packet_ring_wait(t.rec->ring, MAX(next - g_get_monotonic_time(), 1000));
      continue;
    }
    RecorderMessage *m = slot->message;
    Part *p = m && m->who < WT_RECORDER_MAX_PARTICIPANTS ? t.parts[m->who] : NULL;
    gboolean stop = FALSE;
    switch ((RecorderKind)slot->kind) {
    case RECORDER_PACKET:
      on_packet(&t, slot);
      break;
    case RECORDER_SR:
      on_sr(&t, slot);
      break;
    case RECORDER_JOIN:
      on_join(&t, m);
      break;
    case RECORDER_TRACKS:
      if (p && p->present)
        set_tracks(&t, p, &m->tracks);
      break;
    case RECORDER_LEAVE:
      on_leave(&t, p, m->reason);
      break;
    case RECORDER_EVIDENCE:
      on_evidence(&t, p, m);
      break;
    case RECORDER_STOP:
      seal(&t, m->reason); /* nothing when a failure sealed it already */
      stop = TRUE;
      break;
    }
    if (m)
      wt_recorder_message_free(m);
    wt_packet_ring_pop(t.rec->ring);
    if (stop)
      break;
  }
  for (guint i = 0; i < WT_RECORDER_MAX_PARTICIPANTS; i++) {
    if (t.parts[i])
      part_free(t.parts[i]);
  }
  return NULL;
}
