/* test_sync.c — lip sync of a recording, end to end: staff join a room with
 * a `record` token, witness-load publishes the sync clip (make-sync-clip.sh:
 * a flash and a 1 kHz beep together at every whole second) through witnessd
 * for a few seconds, staff stop the recording. Then the publisher's segments
 * are decoded (avsync.h) and every flash must have its beep within
 * WT_SYNC_TOLERANCE_MS, and every beep its flash: in the middle of segments
 * and where a flash opens a new segment (the segments are 2 s long, cut on
 * the clip's keyframes, which are flashes), with the beep's audio on either
 * side of the cut. Twice: recorded from the publisher's first packet on, and
 * with the recording started while it is already sending (its first video
 * frames then wait for a keyframe, and the audio before it waits too).
 * And without the network, the clip replayed straight into a recorder
 * (replay.h): with a packet of the first keyframe repaired late, as a NACK
 * and retransmission do; with the first video frames held 300 ms by the
 * sender's pacer, which RTCP sender reports put right (and arrival times
 * alone do not); and two parties capturing together, one of whose packets
 * wait in a draining queue, aligned on the wall clock by their reports.
 *
 * Arguments after --tap: the witness-load binary and the folder of sync.ivf
 * and sync.ogg.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#include "../integration/harness.h"
#include "recorded_room.h"
#include "avsync.h"
#include "replay.h"

#define WT_SYNC_TOLERANCE_MS 100
/* Onsets this close to either end of the recording are not judged: the
 * other track may have started or stopped in the middle of the event. */
#define EDGE_US (300 * 1000)

static const char *witness_load, *clip_dir;

static void
child_setup(gpointer data)
{
  prctl(PR_SET_PDEATHSIG, SIGKILL); /* no load peer outlives a failed test */
}

static void
communicated(GObject *source, GAsyncResult *result, gpointer data)
{
  char **out = data;
  g_autoptr(GError) error = NULL;
  if (!g_subprocess_communicate_utf8_finish(G_SUBPROCESS(source), result, out, NULL, &error))
    *out = g_strdup_printf("(no output: %s)", error->message);
}

/* Records a room that witness-load feeds with the sync clip for @seconds;
 * with @late_ms the recording starts that long after witness-load (staff
 * start it), else before it (a `record` token). Returns the sealed
 * recording's folder (transfer full). */
static char *
record_sync_clip(WtItDaemon *d, const char *seconds, guint late_ms)
{
  const char *mint[] = {wt_it_witnessctl(),
                        "token",
                        "--data",
                        wt_it_daemon_data_dir(d),
                        "--role",
                        "staff",
                        "--sub",
                        "witness-1",
                        late_ms ? NULL : "--record",
                        NULL};
  g_autofree char *token = NULL;
  g_assert_cmpint(wt_it_run(mint, NULL, 30000, &token, NULL), ==, 0);
  g_strstrip(token);
  g_autoptr(WtItWs) staff = wt_it_ws_hello(d, token, NULL);
  g_autoptr(JsonObject) joined =
      rr_request(staff, "{\"type\":\"join\",\"id\":2,\"room\":\"load-0\"}");
  JsonObject *rec = json_object_get_object_member(wt_it_assert_result(joined, 2), "recording");
  g_assert_cmpstr(json_object_get_string_member(rec, "state"), ==, late_ms ? "off" : "on");

  g_autofree char *secret =
      g_build_filename(wt_it_daemon_data_dir(d), "secrets", "token.key", NULL);
  g_autofree char *ws_url = g_strdup_printf("ws://127.0.0.1:%u/ws", wt_it_daemon_port(d));
  g_autofree char *video = g_build_filename(clip_dir, "sync.ivf", NULL);
  g_autofree char *audio = g_build_filename(clip_dir, "sync.ogg", NULL);
  const char *argv[] = {witness_load, "--server", "witness", "--url",      ws_url,  "--secret-file",
                        secret,       "--video",  video,     "--audio",    audio,   "--subscribers",
                        "1",          "--warmup", "1",       "--duration", seconds, NULL};
  g_autoptr(GSubprocessLauncher) launcher =
      g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_set_child_setup(launcher, child_setup, NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) load = g_subprocess_launcher_spawnv(launcher, argv, &error);
  g_assert_no_error(error);
  g_autofree char *out = NULL;
  g_subprocess_communicate_utf8_async(load, NULL, NULL, communicated, &out);
  g_autofree char *id = g_strdup(json_object_get_string_member_with_default(rec, "id", ""));
  if (late_ms) {
    wt_it_pump(late_ms);
    g_autoptr(JsonObject) started =
        rr_request(staff, "{\"type\":\"record\",\"id\":3,\"action\":\"start\"}");
    JsonObject *result = wt_it_assert_result(started, 3);
    g_assert_cmpstr(json_object_get_string_member(result, "state"), ==, "on");
    g_free(id);
    id = g_strdup(json_object_get_string_member(result, "recording"));
  }
  for (guint waited = 0; !out && waited < 60000; waited += 100)
    wt_it_pump(100);
  if (!out)
    g_subprocess_force_exit(load);
  g_assert_nonnull(out);
  g_test_message("witness-load said:\n%s", out);
  g_assert_true(g_subprocess_get_if_exited(load));
  g_assert_cmpint(g_subprocess_get_exit_status(load), ==, 0);

  g_autoptr(JsonObject) stopped =
      rr_request(staff, "{\"type\":\"record\",\"id\":4,\"action\":\"stop\"}");
  wt_it_assert_result(stopped, 4);
  g_autoptr(JsonObject) off = rr_wait_event(staff, "recording", "off", 10000);
  g_assert_nonnull(off);
  g_assert_cmpstr(json_object_get_string_member(off, "recording"), ==, id);
  return g_build_filename(wt_it_daemon_data_dir(d), "archive", id, NULL);
}

/* Decodes the segments of @participant (NULL: all), in the chain's order,
 * into @sync; returns how many there were. */
static guint
add_segments_of(LoadAvSync *sync, const char *dir, const char *participant)
{
  g_autofree char *chain = NULL, *chain_path = g_build_filename(dir, "chain.jsonl", NULL);
  g_assert_true(g_file_get_contents(chain_path, &chain, NULL, NULL));
  g_auto(GStrv) lines = g_strsplit(chain, "\n", -1);
  guint segments = 0;
  for (guint i = 0; lines[i] && *lines[i]; i++) {
    g_autoptr(JsonParser) parser = json_parser_new();
    g_assert_true(json_parser_load_from_data(parser, lines[i], -1, NULL));
    JsonObject *r = json_node_get_object(json_parser_get_root(parser));
    if (!g_str_equal(json_object_get_string_member(r, "type"), "segment") ||
        (participant && g_strcmp0(json_object_get_string_member_with_default(r, "participant", ""),
                                  participant) != 0))
      continue;
    g_autofree char *file = g_build_filename(dir, json_object_get_string_member(r, "file"), NULL);
    g_autoptr(GError) error = NULL;
    if (!load_avsync_add_segment(sync, file, &error))
      g_error("%s", error->message);
    segments++;
  }
  return segments;
}

static guint
add_segments(LoadAvSync *sync, const char *dir)
{
  return add_segments_of(sync, dir, NULL);
}

/* The onset in @onsets nearest to @at_us, or NULL when there is none. */
static const LoadAvSyncOnset *
nearest(GArray *onsets, gint64 at_us)
{
  const LoadAvSyncOnset *best = NULL;
  for (guint i = 0; i < onsets->len; i++) {
    const LoadAvSyncOnset *o = &g_array_index(onsets, LoadAvSyncOnset, i);
    if (!best || ABS(o->at_us - at_us) < ABS(best->at_us - at_us))
      best = o;
  }
  return best;
}

/* Every flash has its beep within the tolerance and the other way round,
 * over @segments decoded into @sync, away from the ends (with @strict; else
 * only measured). Returns the worst flash-to-beep offset, µs. */
static gint64
judge_full(LoadAvSync *sync, guint segments, gboolean strict)
{
  g_assert_cmpuint(segments, >=, 2);

  gint64 from, to, a_first, a_last;
  g_assert_true(load_avsync_span(sync, LOAD_AVSYNC_VIDEO, &from, &to));
  g_assert_true(load_avsync_span(sync, LOAD_AVSYNC_AUDIO, &a_first, &a_last));
  g_test_message("%u segments; video %.3f-%.3f s, audio %.3f-%.3f s", segments, from / 1e6,
                 to / 1e6, a_first / 1e6, a_last / 1e6);
  from = MAX(from, a_first) + EDGE_US;
  to = MIN(to, a_last) - EDGE_US;

  g_autoptr(GArray) flashes = load_avsync_onsets(sync, LOAD_AVSYNC_VIDEO);
  g_autoptr(GArray) beeps = load_avsync_onsets(sync, LOAD_AVSYNC_AUDIO);
  guint judged = 0, openings = 0;
  GHashTable *in_segments = g_hash_table_new(NULL, NULL);
  gint64 worst = 0;
  for (guint i = 0; i < flashes->len; i++) {
    const LoadAvSyncOnset *f = &g_array_index(flashes, LoadAvSyncOnset, i);
    if (f->at_us < from || f->at_us > to)
      continue;
    const LoadAvSyncOnset *b = nearest(beeps, f->at_us);
    g_assert_nonnull(b);
    gint64 off = b->at_us - f->at_us;
    g_test_message("flash at %.3f s (segment %u%s), beep %+.1f ms (segment %u)", f->at_us / 1e6,
                   f->segment, f->opening ? ", opens it" : "", off / 1e3, b->segment);
    judged++;
    openings += f->opening && f->segment > 0;
    g_hash_table_add(in_segments, GUINT_TO_POINTER(f->segment + 1));
    worst = MAX(worst, ABS(off));
    if (strict)
      g_assert_cmpint(ABS(off), <, WT_SYNC_TOLERANCE_MS * 1000);
  }
  /* And no beep without its flash (a beep far off any flash is a finding too). */
  for (guint i = 0; i < beeps->len; i++) {
    const LoadAvSyncOnset *b = &g_array_index(beeps, LoadAvSyncOnset, i);
    if (b->at_us < from || b->at_us > to)
      continue;
    const LoadAvSyncOnset *f = nearest(flashes, b->at_us);
    g_assert_nonnull(f);
    if (strict)
      g_assert_cmpint(ABS(f->at_us - b->at_us), <, WT_SYNC_TOLERANCE_MS * 1000);
  }
  g_test_message("%u flashes judged in %u segments, %u opening a segment; worst %.1f ms", judged,
                 g_hash_table_size(in_segments), openings, worst / 1e3);
  /* About one event a second was recorded, and they cover the boundaries. */
  g_assert_cmpuint(judged, >=, 4);
  g_assert_cmpuint(g_hash_table_size(in_segments), >=, 2);
  g_assert_cmpuint(openings, >=, 1);
  g_hash_table_unref(in_segments);
  return worst;
}

static void
judge(LoadAvSync *sync, guint segments)
{
  judge_full(sync, segments, TRUE);
}

/* Records the sync clip (@late_ms: see record_sync_clip()) and judges it. */
static void
check_sync(const char *seconds, guint late_ms)
{
  g_autoptr(WtItDaemon) d = wt_it_daemon_start("[rooms]\nmax_participants=4\n"
                                               "[ice]\nloopback=true\n[liveness]\nenabled=false\n"
                                               "[recording]\nsegment_seconds=2\n");
  g_autofree char *dir = record_sync_clip(d, seconds, late_ms);
  g_autoptr(LoadAvSync) sync = load_avsync_new();
  judge(sync, add_segments(sync, dir));
  wt_it_daemon_stop_clean(d);
}

static void
test_recorded_from_the_start(void)
{
  check_sync("6", 0);
}

/* 2.5 s after witness-load starts it has connected (about 1 s) and sends,
 * in the middle of a keyframe interval. */
static void
test_recording_started_late(void)
{
  check_sync("9", 2500);
}

/* The last packet of the publisher's first frame (a keyframe) was lost and
 * came again one round trip later, within the reorder buffer's wait: the
 * frame is complete only then, but it was sent, and its other packets came,
 * on time. The audio must not end up a round trip ahead of the video for the
 * rest of the recording. */
static void
test_first_keyframe_repaired(void)
{
  g_autofree char *video = g_build_filename(clip_dir, "sync.ivf", NULL);
  g_autofree char *audio = g_build_filename(clip_dir, "sync.ogg", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(LoadMedia) media = load_media_new(video, audio, 1200, &error);
  g_assert_no_error(error);
  g_autoptr(GArray) plan = load_replay_plan(media, 6.0);
  guint moved = 0;
  for (guint i = 0; i < plan->len && !moved; i++) {
    LoadReplayPacket *p = &g_array_index(plan, LoadReplayPacket, i);
    const LoadPacket *lp = &g_array_index(media->tracks[LOAD_VIDEO].packets, LoadPacket, p->index);
    if (p->kind == LOAD_VIDEO && lp->marker) { /* the keyframe's last packet */
      g_assert_cmpuint(lp->frame, ==, 0);
      p->at_us += 180 * 1000;
      moved++;
    }
  }
  g_assert_cmpuint(moved, ==, 1);
  load_replay_sort(plan);

  g_autofree char *tmp = wt_it_make_temp_dir();
  g_autofree char *keys = g_build_filename(tmp, "keys", NULL);
  g_autofree char *archive = g_build_filename(tmp, "archive", NULL);
  g_autoptr(WtSigningKey) key = wt_signing_key_load_or_create(keys, &error);
  g_assert_no_error(error);
  GMainContext *context = g_main_context_new();
  WtRecorderConfig config = {
      .archive_dir = archive, .id = "r-sync", .key = key, .segment_s = 2, .context = context};
  WtRecorder *rec = wt_recorder_new(&config, NULL, NULL, &error);
  g_assert_no_error(error);
  WtRecorderTracks tracks = {.audio_codec = WT_CODEC_OPUS,
                             .audio_pt = LOAD_PT_OPUS,
                             .audio_channels = 2,
                             .video_codec = WT_CODEC_VP8,
                             .video_pt = LOAD_PT_VP8};
  LoadReplayPublisher pub;
  load_replay_publisher_init(&pub, wt_recorder_join(rec, "p-1", "applicant", &tracks));
  gint64 start_us = g_get_monotonic_time();
  for (guint i = 0; i < plan->len; i++)
    g_assert_true(
        load_replay_push(rec, media, &g_array_index(plan, LoadReplayPacket, i), &pub, start_us, 0));
  wt_recorder_leave(rec, pub.who, "left");
  wt_recorder_stop(rec, "ended");
  g_autofree char *dir = g_strdup(wt_recorder_get_dir(rec));
  wt_recorder_free(rec); /* waits for the seal */
  while (g_main_context_iteration(context, FALSE))
    ;
  g_main_context_unref(context);

  g_autoptr(LoadAvSync) sync = load_avsync_new();
  judge(sync, add_segments(sync, dir));
  wt_it_rm_rf(tmp);
}

/* ---- Sender reports ----------------------------------------------------------------- */

/* A publisher replayed into a recorder: when its packets arrive, and whether
 * it sends RTCP sender reports (every 500 ms from the start, each arriving
 * when it is sent: RTCP does not wait in the sender's pacer). */
typedef struct {
  const char *id;
  GArray *plan; /* LoadReplayPacket, sorted by arrival */
  gboolean reports;
  LoadReplayPublisher pub;
} Sender;

typedef struct {
  gint64 at_us;
  guint rank; /* at a tie, reports before packets, then in plan order */
  guint sender;
  int kind; /* a report's LoadKind; -1 for a packet */
  guint index;
} Event;

static gint
event_cmp(gconstpointer a, gconstpointer b)
{
  const Event *x = a, *y = b;
  if (x->at_us != y->at_us)
    return x->at_us < y->at_us ? -1 : 1;
  return x->rank < y->rank ? -1 : x->rank > y->rank;
}

/* Replays @n @senders (the same sender NTP clock for all) into a new
 * recording under @archive with 2 s segments; returns its sealed folder
 * (transfer full). */
static char *
replay_senders(const LoadMedia *media, const char *archive, const WtSigningKey *key,
               Sender *senders, guint n, double seconds)
{
  g_autoptr(GError) error = NULL;
  GMainContext *context = g_main_context_new();
  WtRecorderConfig config = {
      .archive_dir = archive, .id = "r-sync", .key = key, .segment_s = 2, .context = context};
  WtRecorder *rec = wt_recorder_new(&config, NULL, NULL, &error);
  g_assert_no_error(error);
  WtRecorderTracks tracks = {.audio_codec = WT_CODEC_OPUS,
                             .audio_pt = LOAD_PT_OPUS,
                             .audio_channels = 2,
                             .video_codec = WT_CODEC_VP8,
                             .video_pt = LOAD_PT_VP8};
  g_autoptr(GArray) events = g_array_new(FALSE, FALSE, sizeof(Event));
  gint64 ntp0 = 0;
  guint rank = 0;
  for (guint i = 0; i < n; i++) {
    load_replay_publisher_init(&senders[i].pub,
                               wt_recorder_join(rec, senders[i].id, "applicant", &tracks));
    if (i == 0)
      ntp0 = senders[i].pub.ntp0_us;
    senders[i].pub.ntp0_us = ntp0; /* they capture on one clock */
    for (gint64 t = 0; senders[i].reports && t < (gint64)(seconds * G_USEC_PER_SEC); t += 500000) {
      for (int k = 0; k < LOAD_KINDS; k++) {
        Event e = {.at_us = t, .rank = rank++, .sender = i, .kind = k, .index = 0};
        g_array_append_val(events, e);
      }
    }
    for (guint j = 0; j < senders[i].plan->len; j++) {
      Event e = {.at_us = g_array_index(senders[i].plan, LoadReplayPacket, j).at_us,
                 .rank = rank++,
                 .sender = i,
                 .kind = -1,
                 .index = j};
      g_array_append_val(events, e);
    }
  }
  g_array_sort(events, event_cmp);
  gint64 start_us = g_get_monotonic_time();
  for (guint i = 0; i < events->len; i++) {
    const Event *e = &g_array_index(events, Event, i);
    Sender *s = &senders[e->sender];
    if (e->kind >= 0)
      g_assert_true(load_replay_push_sr(rec, media, &s->pub, (LoadKind)e->kind, e->at_us, start_us,
                                        e->at_us));
    else
      g_assert_true(load_replay_push(
          rec, media, &g_array_index(s->plan, LoadReplayPacket, e->index), &s->pub, start_us, 0));
  }
  for (guint i = 0; i < n; i++)
    wt_recorder_leave(rec, senders[i].pub.who, "left");
  wt_recorder_stop(rec, "ended");
  char *dir = g_strdup(wt_recorder_get_dir(rec));
  wt_recorder_free(rec); /* waits for the seal */
  while (g_main_context_iteration(context, FALSE))
    ;
  g_main_context_unref(context);
  return dir;
}

/* The chain's records of @type (and @participant, when given), in order
 * (transfer full: JsonObject*). */
static GPtrArray *
chain_records(const char *dir, const char *type, const char *participant)
{
  g_autofree char *chain = NULL, *chain_path = g_build_filename(dir, "chain.jsonl", NULL);
  g_assert_true(g_file_get_contents(chain_path, &chain, NULL, NULL));
  g_auto(GStrv) lines = g_strsplit(chain, "\n", -1);
  GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)json_object_unref);
  for (guint i = 0; lines[i] && *lines[i]; i++) {
    g_autoptr(JsonParser) parser = json_parser_new();
    g_assert_true(json_parser_load_from_data(parser, lines[i], -1, NULL));
    JsonObject *r = json_node_get_object(json_parser_get_root(parser));
    if (g_str_equal(json_object_get_string_member(r, "type"), type) &&
        (!participant || g_strcmp0(json_object_get_string_member_with_default(r, "participant", ""),
                                   participant) == 0))
      g_ptr_array_add(out, json_object_ref(r));
  }
  return out;
}

/* Every track of every segment of @participant says it was placed by @sync
 * ("partial" also passes for "rtcp-sr" in a party's first segment). */
static void
assert_segments_sync(const char *dir, const char *participant, const char *sync)
{
  g_autoptr(GPtrArray) segments = chain_records(dir, "segment", participant);
  g_assert_cmpuint(segments->len, >=, 2);
  for (guint i = 0; i < segments->len; i++) {
    JsonObject *r = g_ptr_array_index(segments, i);
    for (guint k = 0; k < 2; k++) {
      JsonObject *track = json_object_get_object_member(r, k ? "video" : "audio");
      g_assert_nonnull(track);
      const char *got = json_object_get_string_member(track, "sync");
      if (!(i == 0 && g_str_equal(sync, "rtcp-sr") && g_str_equal(got, "partial")))
        g_assert_cmpstr(got, ==, sync);
    }
  }
}

typedef struct {
  char *tmp, *archive;
  WtSigningKey *key;
  LoadMedia *media;
} Fixture;

static void
fixture_init(Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *video = g_build_filename(clip_dir, "sync.ivf", NULL);
  g_autofree char *audio = g_build_filename(clip_dir, "sync.ogg", NULL);
  f->media = load_media_new(video, audio, 1200, &error);
  g_assert_no_error(error);
  f->tmp = wt_it_make_temp_dir();
  f->archive = g_build_filename(f->tmp, "archive", NULL);
  g_autofree char *keys = g_build_filename(f->tmp, "keys", NULL);
  f->key = wt_signing_key_load_or_create(keys, &error);
  g_assert_no_error(error);
}

static void
fixture_clear(Fixture *f)
{
  wt_it_rm_rf(f->tmp);
  g_free(f->tmp);
  g_free(f->archive);
  wt_signing_key_free(f->key);
  load_media_free(f->media);
}

/* Everything of @kind (LOAD_KINDS: both) sent before @hold_us arrives then,
 * together, as a sender's pacer releases what it held back. */
static void
hold_start(GArray *plan, int kind, gint64 hold_us)
{
  for (guint i = 0; i < plan->len; i++) {
    LoadReplayPacket *p = &g_array_index(plan, LoadReplayPacket, i);
    if ((kind == LOAD_KINDS || (int)p->kind == kind) && p->at_us < hold_us)
      p->at_us = hold_us;
  }
  load_replay_sort(plan);
}

/* The publisher's pacer holds its first video frames back 300 ms while its
 * audio flows (its RTCP does not wait). With @reports the recording must be
 * in sync, and say it is on the sender's clock; without, arrival placement
 * puts the video about 300 ms late, which shows the test can fail. */
static void
check_pacer_hold(gboolean reports)
{
  Fixture f;
  fixture_init(&f);
  g_autoptr(GArray) plan = load_replay_plan(f.media, 6.0);
  hold_start(plan, LOAD_VIDEO, 300 * 1000);
  Sender sender = {.id = "p-1", .plan = plan, .reports = reports};
  g_autofree char *dir = replay_senders(f.media, f.archive, f.key, &sender, 1, 6.0);
  g_autoptr(LoadAvSync) sync = load_avsync_new();
  gint64 worst = judge_full(sync, add_segments(sync, dir), reports);
  g_autoptr(GPtrArray) syncs = chain_records(dir, "sync", "p-1");
  if (reports) {
    assert_segments_sync(dir, "p-1", "rtcp-sr");
    g_assert_cmpuint(syncs->len, ==, 2); /* audio and video */
    for (guint i = 0; i < syncs->len; i++) {
      JsonObject *r = g_ptr_array_index(syncs, i);
      gint64 correction = json_object_get_int_member(r, "correction_ms");
      g_test_message("sync record: %s correction %+" G_GINT64_FORMAT
                     " ms, clock offset %" G_GINT64_FORMAT " ms",
                     json_object_get_string_member(r, "kind"), correction,
                     json_object_get_int_member(r, "clock_offset_ms"));
      if (g_str_equal(json_object_get_string_member(r, "kind"), "video"))
        g_assert_cmpint(ABS(correction + 300), <=, 40);
      g_assert_cmpint(ABS(json_object_get_int_member(r, "clock_offset_ms")), <=, 1000);
    }
  } else {
    assert_segments_sync(dir, "p-1", "arrival");
    g_assert_cmpuint(syncs->len, ==, 0);
    g_test_message("without sender reports: worst %.1f ms", worst / 1e3);
    g_assert_cmpint(worst, >=, 250 * 1000);
  }
  fixture_clear(&f);
}

static void
test_pacer_hold_reports(void)
{
  check_pacer_hold(TRUE);
}

static void
test_pacer_hold_no_reports(void)
{
  check_pacer_hold(FALSE);
}

/* Two parties capture on one NTP clock; the second's packets wait in a queue
 * that drains over its first second (250 ms at first), its reports do not.
 * With reports their segments start and end at the same wall-clock times;
 * without, the second is about 250 ms late throughout. */
static void
check_parties(gboolean reports)
{
  Fixture f;
  fixture_init(&f);
  g_autoptr(GArray) plan_a = load_replay_plan(f.media, 6.0);
  g_autoptr(GArray) plan_b = load_replay_plan(f.media, 6.0);
  for (guint i = 0; i < plan_b->len; i++) {
    LoadReplayPacket *p = &g_array_index(plan_b, LoadReplayPacket, i);
    p->at_us += MAX(0, 250 * 1000 - p->at_us / 4);
  }
  load_replay_sort(plan_b);
  Sender senders[2] = {{.id = "p-a", .plan = plan_a, .reports = reports},
                       {.id = "p-b", .plan = plan_b, .reports = reports}};
  g_autofree char *dir = replay_senders(f.media, f.archive, f.key, senders, 2, 6.0);
  g_autoptr(GPtrArray) a = chain_records(dir, "segment", "p-a");
  g_autoptr(GPtrArray) b = chain_records(dir, "segment", "p-b");
  g_assert_cmpuint(a->len, >=, 2);
  g_assert_cmpuint(a->len, ==, b->len);
  gint64 worst = 0;
  for (guint i = 0; i < a->len; i++) {
    JsonObject *x = g_ptr_array_index(a, i), *y = g_ptr_array_index(b, i);
    gint64 ds =
        json_object_get_int_member(y, "start_ms") - json_object_get_int_member(x, "start_ms");
    gint64 de = json_object_get_int_member(y, "end_ms") - json_object_get_int_member(x, "end_ms");
    g_test_message("segment %u: p-b starts %+" G_GINT64_FORMAT " ms, ends %+" G_GINT64_FORMAT
                   " ms from p-a",
                   i, ds, de);
    worst = MAX(worst, MAX(ABS(ds), ABS(de)));
  }
  if (reports) {
    g_assert_cmpint(worst, <, WT_SYNC_TOLERANCE_MS);
    for (guint i = 0; i < 2; i++) { /* and each in lip sync */
      g_autoptr(LoadAvSync) sync = load_avsync_new();
      judge(sync, add_segments_of(sync, dir, senders[i].id));
    }
  } else {
    g_assert_cmpint(worst, >=, 200);
  }
  fixture_clear(&f);
}

static void
test_parties_reports(void)
{
  check_parties(TRUE);
}

static void
test_parties_no_reports(void)
{
  check_parties(FALSE);
}

int
main(int argc, char **argv)
{
  wt_it_init(&argc, &argv);
  if (argc < 3)
    g_error("usage: test_sync --tap WITNESS_LOAD CLIP_DIR");
  witness_load = argv[1];
  clip_dir = argv[2];
  g_test_add_func("/record/lip-sync/from-the-start", test_recorded_from_the_start);
  g_test_add_func("/record/lip-sync/started-late", test_recording_started_late);
  g_test_add_func("/record/lip-sync/first-keyframe-repaired", test_first_keyframe_repaired);
  g_test_add_func("/record/lip-sync/pacer-hold/sender-reports", test_pacer_hold_reports);
  g_test_add_func("/record/lip-sync/pacer-hold/arrival-only", test_pacer_hold_no_reports);
  g_test_add_func("/record/parties-aligned/sender-reports", test_parties_reports);
  g_test_add_func("/record/parties-aligned/arrival-only", test_parties_no_reports);
  return wt_it_run_tests();
}
