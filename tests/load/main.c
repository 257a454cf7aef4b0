/* main.c — witness-load: one publisher per room sending a pre-encoded
 * VP8 + Opus clip, and many subscribers that count what arrives, against
 * witnessd or Janus's VideoRoom. It prints what was forwarded, the loss, and
 * (with --server-pid) the server's CPU time per forwarded packet and memory.
 *
 *   witness-load --server witness --url ws://127.0.0.1:8080/ws \
 *       --secret-file var/secrets/token.key --video clip.ivf --audio clip.ogg \
 *       --subscribers 100 --server-pid $(pidof witnessd)
 *
 * Exit status: 0 when every subscriber connected and received good audio and
 * video during the window, 1 when some did not, 2 when the run could not start.
 * Main thread only (see load.h).
 */
#include <stdio.h>
#include <string.h>

#include "load.h"

#define MAX_PACKET 1200

static gboolean
log_quietly(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  return level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
}

static GLogWriterOutput
log_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  gboolean verbose = GPOINTER_TO_INT(user_data);
  if (!verbose && !log_quietly(level, fields, n_fields, NULL))
    return G_LOG_WRITER_HANDLED;
  return g_log_writer_standard_streams(level, fields, n_fields, NULL);
}

typedef struct {
  char *server, *url, *secret_file, *video, *audio, *room_prefix;
  int subscribers, room_size, sample, parallel, server_pid;
  double warmup, duration, join_timeout;
  gint64 janus_room;
  gboolean details, verbose;
} Args;

static gboolean
parse_args(int *argc, char ***argv, Args *a, GError **error)
{
  *a = (Args){
      .subscribers = 10,
      .sample = 10,
      .parallel = 10,
      .warmup = 3,
      .duration = 10,
      .join_timeout = 30,
      .janus_room = 1000,
  };
  GOptionEntry entries[] = {
      {"server", 0, 0, G_OPTION_ARG_STRING, &a->server, "witness or janus", "KIND"},
      {"url", 0, 0, G_OPTION_ARG_STRING, &a->url, "The server's WebSocket", "URL"},
      {"secret-file", 0, 0, G_OPTION_ARG_FILENAME, &a->secret_file,
       "witnessd's token secret (DATA/secrets/token.key)", "FILE"},
      {"video", 0, 0, G_OPTION_ARG_FILENAME, &a->video, "VP8 clip (IVF)", "FILE"},
      {"audio", 0, 0, G_OPTION_ARG_FILENAME, &a->audio, "Opus clip (Ogg)", "FILE"},
      {"subscribers", 'n', 0, G_OPTION_ARG_INT, &a->subscribers, "Subscribers in all (10)", "N"},
      {"room-size", 0, 0, G_OPTION_ARG_INT, &a->room_size,
       "Subscribers per room, each room with its own publisher (0: one room)", "N"},
      {"sample", 0, 0, G_OPTION_ARG_INT, &a->sample,
       "Authenticate and decrypt one packet in N (10)", "N"},
      {"parallel", 0, 0, G_OPTION_ARG_INT, &a->parallel, "Subscribers connecting at once (10)",
       "N"},
      {"warmup", 0, 0, G_OPTION_ARG_DOUBLE, &a->warmup, "Seconds after the last join (3)", "S"},
      {"duration", 0, 0, G_OPTION_ARG_DOUBLE, &a->duration, "Seconds measured (10)", "S"},
      {"join-timeout", 0, 0, G_OPTION_ARG_DOUBLE, &a->join_timeout,
       "Seconds one participant may take to connect (30)", "S"},
      {"server-pid", 0, 0, G_OPTION_ARG_INT, &a->server_pid, "Measure this process", "PID"},
      {"room-prefix", 0, 0, G_OPTION_ARG_STRING, &a->room_prefix, "witnessd room names (load)",
       "NAME"},
      {"janus-room", 0, 0, G_OPTION_ARG_INT64, &a->janus_room, "First Janus room (1000)", "N"},
      {"details", 0, 0, G_OPTION_ARG_NONE, &a->details, "A line per subscriber", NULL},
      {"verbose", 'v', 0, G_OPTION_ARG_NONE, &a->verbose, "Log signaling and peers", NULL},
      G_OPTION_ENTRY_NULL,
  };
  g_autoptr(GOptionContext) context = g_option_context_new("- load witnessd or Janus");
  g_option_context_add_main_entries(context, entries, NULL);
  gboolean parsed = g_option_context_parse(context, argc, argv, error);
  /* String defaults after parsing: GOption does not free a default it replaces. */
  if (!a->server)
    a->server = g_strdup("witness");
  if (!a->room_prefix)
    a->room_prefix = g_strdup("load");
  if (!parsed)
    return FALSE;
  const char *missing = !a->url ? "--url" : !a->video ? "--video" : !a->audio ? "--audio" : NULL;
  if (!missing && g_strcmp0(a->server, "witness") == 0 && !a->secret_file)
    missing = "--secret-file";
  if (missing) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, "%s is required", missing);
    return FALSE;
  }
  if (g_strcmp0(a->server, "witness") != 0 && g_strcmp0(a->server, "janus") != 0) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "--server is witness or janus, not %s", a->server);
    return FALSE;
  }
  if (a->subscribers < 1 || a->room_size < 0 || a->sample < 1 || a->parallel < 1 ||
      a->duration <= 0 || a->warmup < 0 || a->join_timeout <= 0) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "counts must be positive (--room-size may be 0), times too");
    return FALSE;
  }
  return TRUE;
}

static LoadParticipant *
participant_new(LoadRun *run, LoadRoom *room, gboolean publisher, guint index)
{
  LoadParticipant *p = g_new0(LoadParticipant, 1);
  p->run = run;
  p->room = room;
  p->publisher = publisher;
  p->index = index;
  p->name = g_strdup_printf(publisher ? "pub-%u" : "sub-%u", index);
  p->rtcp_ssrc = g_random_int() | 1;
  if (publisher)
    load_sender_init(&p->sender);
  return p;
}

static void
participant_free(gpointer data)
{
  LoadParticipant *p = data;
  if (p->proto)
    p->run->protocol->free(p);
  g_clear_pointer(&p->peer, wt_peer_free);
  g_free(p->failure);
  g_free(p->name);
  g_free(p);
}

static void
room_free(gpointer data)
{
  LoadRoom *room = data;
  participant_free(room->publisher);
  g_free(room->name);
  g_free(room);
}

static void
make_rooms(LoadRun *run)
{
  guint n = run->opt.subscribers;
  guint per_room = run->opt.room_size ? run->opt.room_size : n;
  guint n_rooms = (n + per_room - 1) / per_room;
  run->rooms = g_ptr_array_new_with_free_func(room_free);
  run->subscribers = g_ptr_array_new_with_free_func(participant_free);
  for (guint r = 0; r < n_rooms; r++) {
    LoadRoom *room = g_new0(LoadRoom, 1);
    room->run = run;
    room->index = r;
    room->name = g_strdup_printf("%s-%u", run->opt.room_prefix, r);
    room->janus_room = run->opt.janus_room + r;
    room->publisher = participant_new(run, room, TRUE, r);
    g_ptr_array_add(run->rooms, room);
  }
  for (guint i = 0; i < n; i++)
    g_ptr_array_add(run->subscribers,
                    participant_new(run, run->rooms->pdata[i / per_room], FALSE, i));
}

static char *
read_secret(const char *path, GError **error)
{
  char *text = NULL;
  if (!g_file_get_contents(path, &text, NULL, error))
    return NULL;
  return g_strstrip(text);
}

static void
args_clear(Args *a)
{
  g_free(a->server);
  g_free(a->url);
  g_free(a->secret_file);
  g_free(a->video);
  g_free(a->audio);
  g_free(a->room_prefix);
}

static int run_load(const Args *a);

int
main(int argc, char **argv)
{
  Args a;
  g_autoptr(GError) error = NULL;
  int status = 2;
  if (parse_args(&argc, &argv, &a, &error))
    status = run_load(&a);
  else
    g_printerr("witness-load: %s\n", error->message);
  args_clear(&a);
  return status;
}

/* Returns the exit status (see the top of the file). */
static int
run_load(const Args *args)
{
  Args a = *args;
  g_autoptr(GError) error = NULL;
  g_log_set_writer_func(log_writer, GINT_TO_POINTER(a.verbose), NULL);
  LoadRun run = {
      .opt =
          {
              .server = g_strcmp0(a.server, "janus") == 0 ? LOAD_SERVER_JANUS : LOAD_SERVER_WITNESS,
              .url = a.url,
              .video_path = a.video,
              .audio_path = a.audio,
              .subscribers = (guint)a.subscribers,
              .room_size = (guint)a.room_size,
              .sample = (guint)a.sample,
              .parallel = (guint)a.parallel,
              .warmup_s = a.warmup,
              .duration_s = a.duration,
              .join_timeout_s = a.join_timeout,
              .server_pid = a.server_pid,
              .details = a.details,
              .verbose = a.verbose,
              .room_prefix = a.room_prefix,
              .janus_room = (guint64)a.janus_room,
          },
  };
  run.protocol =
      run.opt.server == LOAD_SERVER_JANUS ? &load_janus_protocol : &load_witness_protocol;
  if ((a.secret_file && !(run.opt.secret = read_secret(a.secret_file, &error))) ||
      !(run.media = load_media_new(a.video, a.audio, MAX_PACKET, &error)) ||
      !(run.identity = wt_dtls_identity_new(&error))) {
    g_printerr("witness-load: %s\n", error->message);
    g_free(run.opt.secret);
    g_clear_pointer(&run.media, load_media_free);
    return 2;
  }
  const LoadTrack *video = &run.media->tracks[LOAD_VIDEO];
  g_print("witness-load: %s at %s: %u subscriber(s) in %u room(s); clip %ux%u VP8 %.0f kbit/s + "
          "Opus, %.1f s; decrypting 1 packet in %u\n",
          run.protocol->name, a.url, run.opt.subscribers,
          run.opt.room_size ? (run.opt.subscribers + run.opt.room_size - 1) / run.opt.room_size : 1,
          run.media->width, run.media->height,
          (double)video->bytes * 8 / ((double)video->duration_us / 1000),
          (double)video->duration_us / G_USEC_PER_SEC, run.opt.sample);
  run.soup = soup_session_new_with_options("max-conns", 100000, "max-conns-per-host", 100000,
                                           "timeout", 0, "idle-timeout", 0, NULL);
  run.loop = g_main_loop_new(NULL, FALSE);
  make_rooms(&run);
  load_run_start(&run);
  g_main_loop_run(run.loop);
  gboolean ok = load_run_report(&run);

  /* Idle releases of failed participants run before everything is freed. */
  while (g_main_context_iteration(NULL, FALSE))
    ;
  g_source_destroy(run.pacer);
  g_source_unref(run.pacer);
  /* The tick reads every participant: it must not fire while they are freed below. */
  g_source_remove(run.ticker);
  g_ptr_array_unref(run.subscribers);
  g_ptr_array_unref(run.rooms);
  /* Let the WebSockets' close frames go out. */
  while (g_main_context_iteration(NULL, FALSE))
    ;
  g_object_unref(run.soup);
  g_main_loop_unref(run.loop);
  wt_dtls_identity_unref(run.identity);
  load_media_free(run.media);
  g_free(run.opt.secret);
  return ok ? 0 : 1;
}
