/* recorder_thread.c — the storage thread of one recording: takes packets and
 * control messages off the ring, puts each stream back in order, cuts it into
 * frames, gives them milliseconds on the recording's clock, and writes
 * segments with a chain record each; seals at the stop.
 *
 * The media path (packets, frames, segments) is in recorder_media.c;
 * this file has the chain records, failures, control messages, the seal and
 * the thread's main loop.
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

#include "atomic_file.h"
#include "recorder_thread_private.h"
#include "recording.h"

#define IDLE_WAIT_US (100 * 1000)

/* ---- Chain records ----------------------------------------------------------------- */

static gint64
now_ms(void)
{
  return g_get_real_time() / 1000;
}

static void release_reserve(Thread *t);

void
wt_recorder_thread_append(Thread *t, const char *type, JsonObject *payload)
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
      t->chain_failed = TRUE; /* before wt_recorder_thread_fail_recording(): no more records */
      wt_recorder_thread_fail_recording(t, "cannot append to the chain", again);
    } else {
      g_autoptr(GError) full = g_error_new(G_IO_ERROR, G_IO_ERROR_NO_SPACE, "%s", error->message);
      wt_recorder_thread_fail_recording(t, "the chain took a record only from the reserve", full);
    }
  }
  json_object_unref(payload);
}

/* Every anchor_every segments the chain head goes to the notary, so that a
 * later truncation of the chain is caught even before the seal. */
void
wt_recorder_thread_anchor(Thread *t)
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

JsonObject *
wt_recorder_thread_about(Part *p)
{
  JsonObject *o = json_object_new();
  json_object_set_string_member(o, "participant", p->id);
  return o;
}

void
wt_recorder_thread_gap(Thread *t, Part *p, const char *kind, const char *reason, gint64 count,
                       const char *unit)
{
  JsonObject *o = wt_recorder_thread_about(p);
  if (kind)
    json_object_set_string_member(o, "kind", kind);
  json_object_set_string_member(o, "reason", reason);
  if (unit)
    json_object_set_int_member(o, unit, count);
  g_message("recording %s: %s: gap: %s%s%s", t->rec->id, p->id, kind ? kind : "", kind ? " " : "",
            reason);
  wt_recorder_thread_append(t, "gap", o);
}

static void seal(Thread *t, const char *reason);

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
void
wt_recorder_thread_lose_segment(Thread *t, Part *p, const char *why)
{
  wt_segment_writer_abort(g_steal_pointer(&p->writer));
  JsonObject *o = wt_recorder_thread_about(p);
  json_object_set_string_member(o, "reason", "the open segment was discarded, unfinished");
  json_object_set_string_member(o, "detail", why);
  json_object_set_int_member(o, "index", p->index - 1);
  json_object_set_int_member(o, "from_ms", t->rec->start_wall_ms + p->seg_first_pts);
  json_object_set_int_member(o, "to_ms", now_ms());
  g_warning("recording %s: %s: open segment %05u discarded: %s", t->rec->id, p->id, p->index - 1,
            why);
  wt_recorder_thread_append(t, "gap", o);
}

/* Stops writing for good and seals: on a full disk (ENOSPC, or free space
 * below [recording] min_free_mb at a segment boundary) or another write
 * failure. */
void
wt_recorder_thread_fail_recording(Thread *t, const char *what, const GError *error)
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
    wt_recorder_media_close_segment(t, p);
    if (p->pending->len) {
      wt_recorder_thread_gap(t, p, "audio", "held audio dropped: the recording stopped",
                             (gint64)(p->pending->len + p->pending_dropped), "frames");
      g_ptr_array_set_size(p->pending, 0);
    }
  }
  JsonObject *o = json_object_new();
  json_object_set_string_member(o, "code", code);
  json_object_set_string_member(o, "reason", reason);
  wt_recorder_thread_append(t, "failure", o);
  wt_recorder_post_failed(t->rec, code, reason);
  if (!t->sealing)
    seal(t, t->fail_seal_reason);
}

/* At a segment boundary: is there still the room [recording] min_free_mb asks for? */
gboolean
wt_recorder_thread_room_on_disk(Thread *t)
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
  wt_recorder_thread_fail_recording(t, "disk low", low);
  return FALSE;
}
/* ---- Control messages ---------------------------------------------------------------------- */

static void
finish_part(Thread *t, Part *p)
{
  for (guint k = 0; k < WT_SEGMENT_KINDS; k++)
    wt_recorder_media_release(t, p, k, G_MAXINT64); /* everything still waiting */
  wt_recorder_media_close_segment(t, p);
  if (p->pending->len) { /* audio that never saw a video keyframe */
    wt_recorder_thread_gap(t, p, "audio", "no video keyframe came; audio before it is lost",
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
  wt_recorder_media_stream_reset(&p->streams[WT_SEGMENT_AUDIO], tracks->audio_codec,
                                 tracks->audio_pt);
  wt_recorder_media_stream_reset(&p->streams[WT_SEGMENT_VIDEO], tracks->video_codec,
                                 tracks->video_pt);
  if (tracks->video_codec == WT_CODEC_NONE && tracks->audio_codec != WT_CODEC_NONE)
    wt_recorder_thread_gap(t, p, "video", "the party publishes no video", 0, NULL);
  if (tracks->audio_codec == WT_CODEC_NONE && tracks->video_codec != WT_CODEC_NONE)
    wt_recorder_thread_gap(t, p, "audio", "the party publishes no audio", 0, NULL);
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
  JsonObject *o = wt_recorder_thread_about(p);
  json_object_set_string_member(o, "role", p->role);
  wt_recorder_thread_append(t, "join", o);
  if (p->left_ms >= 0)
    wt_recorder_thread_gap(t, p, NULL, "left and came back", now - p->left_ms, "ms");
  p->present = TRUE;
  /* A new connection: new sequence numbers and clocks. */
  memset(&p->tracks, 0, sizeof p->tracks);
  p->tracks_set = FALSE;
  wt_recorder_media_stream_reset(&p->streams[0], WT_CODEC_NONE, 0);
  wt_recorder_media_stream_reset(&p->streams[1], WT_CODEC_NONE, 0);
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
  JsonObject *o = wt_recorder_thread_about(p);
  json_object_set_string_member(o, "reason", reason ? reason : "left");
  wt_recorder_thread_append(t, "leave", o);
}

/* A record from outside (liveness…), with its file written next to the
 * segments: in the participant's folder, or room/ for a room-level record. */
static void
on_evidence(Thread *t, Part *p, RecorderMessage *m)
{
  gboolean room_level = m->who == WT_RECORDER_ROOM;
  if ((!p && !room_level) || !m->payload)
    return;
  JsonObject *o = g_steal_pointer(&m->payload);
  const char *folder = room_level ? "room" : p->id;
  if (!room_level)
    json_object_set_string_member(o, "participant", p->id);
  if (m->file) {
    gsize len = 0;
    const guint8 *data = g_bytes_get_data(m->file, &len);
    guint n = room_level ? ++t->room_evidence_files : ++p->evidence_files;
    g_autofree char *name = g_strdup_printf("%s-%05u.%s", m->type, n, m->extension);
    g_autofree char *rel = g_build_filename(folder, name, NULL);
    g_autofree char *dir = g_build_filename(t->rec->dir, folder, NULL);
    g_autofree char *path = g_build_filename(t->rec->dir, rel, NULL);
    g_autoptr(GError) error = NULL;
    if (g_mkdir_with_parents(dir, 0750) != 0 ||
        !wt_storage_write_file_atomic(path, data, len, 0640, &error)) {
      g_warning("recording %s: %s: cannot write %s: %s", t->rec->id, folder, rel,
                error ? error->message : g_strerror(errno));
      json_object_set_string_member(o, "file_error", error ? error->message : g_strerror(errno));
    } else {
      g_autofree char *sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256, data, len);
      json_object_set_string_member(o, "file", rel);
      json_object_set_int_member(o, "size", (gint64)len);
      json_object_set_string_member(o, "sha256", sum);
    }
  }
  wt_recorder_thread_append(t, m->type, o);
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
      wt_recorder_thread_gap(t, p, NULL, "recorder queue overflow", (gint64)(drops - p->drops_seen),
                             "packets");
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
    wt_recorder_media_stream_reset(&p->streams[k], WT_CODEC_NONE, 0);
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
        wt_recorder_media_release(t, p, k, now);
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
      wt_recorder_media_on_packet(&t, slot);
      break;
    case RECORDER_SR:
      wt_recorder_media_on_sr(&t, slot);
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
