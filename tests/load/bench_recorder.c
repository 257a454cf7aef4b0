/* bench_recorder.c — bench-recorder: the recorder's CPU time per recorded
 * stream-second, with no network. The load peer's clip (media.h) is cut into
 * RTP packets for @participants publishers and fed straight into one
 * WtRecorder (storage/recorder.h) as fast as its storage thread takes them,
 * each packet stamped with the arrival time it would have in real time, so
 * the recorder does exactly its live work: reorder, depacketize, mux hashed
 * WebM segments, chain records, and the seal at the end.
 *
 *   build-bench/tests/load/bench-recorder --participants 4 --seconds 60
 *
 * A stream-second is one second of one participant's audio and video (what
 * goes into that participant's segments). The recorder's CPU time is the
 * process's (getrusage RUSAGE_SELF) less this main thread's (RUSAGE_THREAD),
 * which only builds and queues the packets. Prints a few lines, the last
 * ones in the form
 *   BENCH recorder_cpu_ms_per_stream_second=0.52
 * Exit status 0, or 1 when packets were dropped or something failed.
 *
 * Threads: the main thread (producer) and the recorder's storage thread.
 */
#define _GNU_SOURCE /* RUSAGE_THREAD */
#include <glib/gstdio.h>
#include <stdio.h>
#include <sys/resource.h>

#include "replay.h"

#define MAX_PACKET 1200
#define QUEUE_PACKETS 4096

static double
cpu_ms(int who)
{
  struct rusage ru;
  getrusage(who, &ru);
  return (double)ru.ru_utime.tv_sec * 1e3 + (double)ru.ru_utime.tv_usec / 1e3 +
         (double)ru.ru_stime.tv_sec * 1e3 + (double)ru.ru_stime.tv_usec / 1e3;
}

static void
rm_rf(const char *path)
{
  if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK)) {
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    const char *name;
    while (dir && (name = g_dir_read_name(dir))) {
      g_autofree char *child = g_build_filename(path, name, NULL);
      rm_rf(child);
    }
  }
  g_remove(path);
}

static void
on_sealed(const char *dir, const char *reason, const GError *error, gpointer user_data)
{
  if (error)
    *(gboolean *)user_data = FALSE;
}

static void
on_failed(const char *code, const char *reason, gpointer user_data)
{
  g_printerr("bench-recorder: the recorder failed (%s): %s\n", code, reason);
  *(gboolean *)user_data = FALSE;
}

/* Feeds @plan for every publisher; returns packets queued. */
static guint64
feed(WtRecorder *rec, const LoadMedia *media, GArray *plan, const LoadReplayPublisher *pubs,
     guint n)
{
  gint64 start_us = g_get_monotonic_time();
  guint64 queued = 0;
  for (guint i = 0; i < plan->len; i++) {
    /* Publishers a few µs apart, as if they came through one worker. */
    for (guint j = 0; j < n; j++)
      queued += load_replay_push(rec, media, &g_array_index(plan, LoadReplayPacket, i), &pubs[j],
                                 start_us, j);
  }
  return queued;
}

int
main(int argc, char **argv)
{
  /* By default the clip built next to this program. */
  g_autofree char *video_path = NULL, *audio_path = NULL;
  int participants = 4, segment_s = 10;
  double seconds = 60;
  gboolean keep = FALSE;
  GOptionEntry entries[] = {
      {"video", 0, 0, G_OPTION_ARG_FILENAME, &video_path, "VP8 IVF clip", "FILE"},
      {"audio", 0, 0, G_OPTION_ARG_FILENAME, &audio_path, "Opus Ogg clip", "FILE"},
      {"participants", 'k', 0, G_OPTION_ARG_INT, &participants, "publishers (1-64)", "K"},
      {"seconds", 'n', 0, G_OPTION_ARG_DOUBLE, &seconds, "media seconds each", "N"},
      {"segment-seconds", 0, 0, G_OPTION_ARG_INT, &segment_s, "seconds per segment", "S"},
      {"keep", 0, 0, G_OPTION_ARG_NONE, &keep, "keep the recording (its folder is printed)", NULL},
      G_OPTION_ENTRY_NULL,
  };
  g_autoptr(GOptionContext) octx = g_option_context_new("— the recorder's CPU per stream-second");
  g_option_context_add_main_entries(octx, entries, NULL);
  g_autoptr(GError) error = NULL;
  if (!g_option_context_parse(octx, &argc, &argv, &error) || participants < 1 ||
      participants > 64 || seconds <= 0 || segment_s < 1) {
    g_printerr("bench-recorder: %s\n", error ? error->message : "bad arguments");
    return 2;
  }
  g_autofree char *here = g_path_get_dirname(argv[0]);
  if (!video_path)
    video_path = g_build_filename(here, "clip.ivf", NULL);
  if (!audio_path)
    audio_path = g_build_filename(here, "clip.ogg", NULL);
  g_autoptr(LoadMedia) media = load_media_new(video_path, audio_path, MAX_PACKET, &error);
  if (!media) {
    g_printerr("bench-recorder: %s\n", error->message);
    return 2;
  }
  g_autofree char *tmp = g_dir_make_tmp("bench-recorder-XXXXXX", &error);
  g_autofree char *keys = g_build_filename(tmp, "keys", NULL);
  g_autofree char *archive = g_build_filename(tmp, "archive", NULL);
  g_autoptr(WtSigningKey) key = wt_signing_key_load_or_create(keys, &error);
  if (!key) {
    g_printerr("bench-recorder: %s\n", error->message);
    return 2;
  }
  /* Callbacks are posted here and never run, but for the seal and a failure. */
  GMainContext *context = g_main_context_new();
  gboolean ok = TRUE;
  WtRecorderConfig config = {.archive_dir = archive,
                             .id = "r-bench",
                             .key = key,
                             .segment_s = (guint)segment_s,
                             .queue_packets = QUEUE_PACKETS,
                             .context = context};
  WtRecorderCallbacks callbacks = {.failed = on_failed, .sealed = on_sealed};

  double cpu0 = cpu_ms(RUSAGE_SELF), own0 = cpu_ms(RUSAGE_THREAD);
  gint64 wall0 = g_get_monotonic_time();
  WtRecorder *rec = wt_recorder_new(&config, &callbacks, &ok, &error);
  if (!rec) {
    g_printerr("bench-recorder: %s\n", error->message);
    return 2;
  }
  LoadReplayPublisher pubs[64];
  for (int j = 0; j < participants; j++) {
    g_autofree char *id = g_strdup_printf("p-%02d", j);
    WtRecorderTracks tracks = {.audio_codec = WT_CODEC_OPUS,
                               .audio_pt = LOAD_PT_OPUS,
                               .audio_channels = 2,
                               .video_codec = WT_CODEC_VP8,
                               .video_pt = LOAD_PT_VP8};
    load_replay_publisher_init(&pubs[j], wt_recorder_join(rec, id, "applicant", &tracks));
  }
  g_autoptr(GArray) plan = load_replay_plan(media, seconds);
  guint64 packets = feed(rec, media, plan, pubs, (guint)participants);
  for (int j = 0; j < participants; j++)
    wt_recorder_leave(rec, pubs[j].who, "left");
  guint64 drops = wt_recorder_get_drops(rec);
  wt_recorder_stop(rec, "ended");
  while (g_main_context_iteration(context, FALSE))
    ;                    /* nothing runs before the seal; this only keeps the context tidy */
  wt_recorder_free(rec); /* waits for the seal */
  while (g_main_context_iteration(context, FALSE))
    ;
  double wall_s = (double)(g_get_monotonic_time() - wall0) / G_USEC_PER_SEC;
  double own = cpu_ms(RUSAGE_THREAD) - own0;
  double recorder = cpu_ms(RUSAGE_SELF) - cpu0 - own;
  double stream_s = seconds * participants;

  printf("bench-recorder: %d participant(s) x %.1f s of %ux%u VP8 %.0f kbit/s + Opus, "
         "%d s segments: %" G_GUINT64_FORMAT " packets in %.2f s wall (%.1fx real time), "
         "%" G_GUINT64_FORMAT " dropped\n",
         participants, seconds, media->width, media->height,
         (double)(media->tracks[LOAD_VIDEO].bytes + media->tracks[LOAD_AUDIO].bytes) * 8 /
             ((double)media->tracks[LOAD_VIDEO].duration_us / 1e3),
         segment_s, packets, wall_s, stream_s / wall_s, drops);
  printf("bench-recorder: recorder %.0f ms CPU, producer %.0f ms CPU\n", recorder, own);
  printf("BENCH recorder_cpu_ms_per_stream_second=%.3f\n", recorder / stream_s);
  printf("BENCH recorder_cpu_us_per_packet=%.2f\n", recorder * 1e3 / (double)packets);
  g_main_context_unref(context);
  if (keep)
    printf("bench-recorder: the recording is in %s/r-bench\n", archive);
  else
    rm_rf(tmp);
  return ok && drops == 0 ? 0 : 1;
}
