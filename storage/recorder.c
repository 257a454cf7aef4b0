/* recorder.c — the producer side of a recording (see recorder.h): handles,
 * the ring, drops, and the callbacks back on the producer's context. The
 * storage thread's work is in recorder_thread.c.
 *
 * Producer calls run on one media worker; the storage thread only reads
 * what the ring carries and the drop counters, so the two share nothing else.
 */
#include "recorder_private.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

G_DEFINE_QUARK(wt - recorder - error - quark, wt_recorder_error)

/* ---- Callbacks on the producer's context ----------------------------------------- */

/* What callbacks need, shared by the recorder and the closures it posts, so
 * that a closure that runs after wt_recorder_free() finds it switched off. */
struct _RecorderTarget {
  gint ref;
  gboolean off; /* set on the context's thread by wt_recorder_free() */
  WtRecorderCallbacks callbacks;
  gpointer user_data;
};

typedef struct {
  RecorderTarget *target;
  int what; /* 0 keyframe, 1 failed, 2 sealed, 3 segment written */
  char *text, *dir, *code;
  GError *error;
} Posted;

static void
target_unref(RecorderTarget *t)
{
  if (g_atomic_int_dec_and_test(&t->ref))
    g_free(t);
}

static void
posted_free(gpointer data)
{
  Posted *p = data;
  target_unref(p->target);
  g_free(p->text);
  g_free(p->dir);
  g_free(p->code);
  g_clear_error(&p->error);
  g_free(p);
}

static gboolean
deliver(gpointer data)
{
  Posted *p = data;
  RecorderTarget *t = p->target;
  if (t->off)
    return G_SOURCE_REMOVE;
  if (p->what == 0 && t->callbacks.keyframe_wanted)
    t->callbacks.keyframe_wanted(p->text, t->user_data);
  else if (p->what == 1 && t->callbacks.failed)
    t->callbacks.failed(p->code, p->text, t->user_data);
  else if (p->what == 2 && t->callbacks.sealed)
    t->callbacks.sealed(p->dir, p->text, p->error, t->user_data);
  else if (p->what == 3 && t->callbacks.segment_written) {
    g_autofree char *participant = g_strdup(p->text);
    char *slash = strchr(participant, '/');
    if (slash)
      *slash = '\0';
    t->callbacks.segment_written(participant, p->text, t->user_data);
  }
  return G_SOURCE_REMOVE;
}

void
wt_recorder_post(WtRecorder *rec, int what, const char *text, const GError *error)
{
  Posted *p = g_new0(Posted, 1);
  g_atomic_int_inc(&rec->target->ref);
  p->target = rec->target;
  p->what = what;
  p->text = g_strdup(text);
  p->dir = g_strdup(rec->dir);
  p->error = error ? g_error_copy(error) : NULL;
  GSource *source = g_idle_source_new();
  g_source_set_callback(source, deliver, p, posted_free);
  g_source_attach(source, rec->context);
  g_source_unref(source);
}

void
wt_recorder_post_failed(WtRecorder *rec, const char *code, const char *reason)
{
  Posted *p = g_new0(Posted, 1);
  g_atomic_int_inc(&rec->target->ref);
  p->target = rec->target;
  p->what = 1;
  p->code = g_strdup(code);
  p->text = g_strdup(reason);
  GSource *source = g_idle_source_new();
  g_source_set_callback(source, deliver, p, posted_free);
  g_source_attach(source, rec->context);
  g_source_unref(source);
}

gboolean
wt_recorder_disk_free(const char *path, guint64 *free_bytes, GError **error)
{
  struct statvfs st;
  if (statvfs(path, &st) != 0) {
    int err = errno;
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err), "statvfs %s: %s", path,
                g_strerror(err));
    return FALSE;
  }
  *free_bytes = (guint64)st.f_bavail * (guint64)st.f_frsize;
  return TRUE;
}

/* The room a full disk leaves for the last records and the seal. */
static char *
make_reserve(const char *dir)
{
  char *path = g_build_filename(dir, WT_RECORDER_RESERVE_FILE, NULL);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int err = fd < 0 ? errno : posix_fallocate(fd, 0, WT_RECORDER_RESERVE_BYTES);
  if (fd >= 0)
    close(fd);
  if (err == 0)
    return path;
  g_warning("%s: cannot reserve room for the last records on a full disk: %s", path,
            g_strerror(err));
  g_unlink(path);
  g_free(path);
  return NULL;
}

/* ---- Life ------------------------------------------------------------------------ */

WtRecorder *
wt_recorder_new(const WtRecorderConfig *config, const WtRecorderCallbacks *callbacks,
                gpointer user_data, GError **error)
{
  g_autofree char *dir = g_build_filename(config->archive_dir, config->id, NULL);
  if (g_mkdir_with_parents(dir, 0750) != 0) {
    g_set_error(error, WT_RECORDER_ERROR, 0, "cannot create %s: %s", dir, g_strerror(errno));
    return NULL;
  }
  g_autofree char *chain_path = g_build_filename(dir, WT_CHAIN_FILE, NULL);
  if (g_file_test(chain_path, G_FILE_TEST_EXISTS)) {
    g_set_error(error, WT_RECORDER_ERROR, 0, "recording %s exists already", config->id);
    return NULL;
  }
  WtChain *chain = wt_chain_open(chain_path, NULL, error);
  if (!chain)
    return NULL;
  WtRecorder *rec = g_new0(WtRecorder, 1);
  rec->id = g_strdup(config->id);
  rec->dir = g_steal_pointer(&dir);
  rec->key = config->key;
  rec->segment_ms = (gint64)(config->segment_s ? config->segment_s : 10) * 1000;
  rec->context = config->context ? g_main_context_ref(config->context) : NULL;
  rec->notary = config->notary;
  rec->anchor_every = config->anchor_every_segments;
  rec->tsa_url = config->tsa_url && *config->tsa_url ? g_strdup(config->tsa_url) : NULL;
  rec->tsa_timeout_ms = config->tsa_timeout_ms ? config->tsa_timeout_ms : 10000;
  rec->ring = wt_packet_ring_new(config->queue_packets ? config->queue_packets : 4096);
  rec->handles = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  rec->chain = chain;
  rec->start_wall_ms = g_get_real_time() / 1000;
  rec->wall_minus_mono_us = g_get_real_time() - g_get_monotonic_time();
  rec->min_free_bytes = config->min_free_bytes;
  rec->reserve_path = make_reserve(rec->dir);
  rec->target = g_new0(RecorderTarget, 1);
  rec->target->ref = 1;
  if (callbacks)
    rec->target->callbacks = *callbacks;
  rec->target->user_data = user_data;
  rec->thread = g_thread_new("recorder", wt_recorder_thread_main, rec);
  g_message("recording %s: started in %s", rec->id, rec->dir);
  return rec;
}

static void
message_free(gpointer data)
{
  RecorderMessage *m = data;
  g_free(m->participant);
  g_free(m->role);
  g_free(m->reason);
  g_free(m->type);
  g_free(m->extension);
  g_clear_pointer(&m->payload, json_object_unref);
  g_clear_pointer(&m->file, g_bytes_unref);
  g_free(m);
}

void
wt_recorder_message_free(RecorderMessage *m)
{
  message_free(m);
}

/* Control messages must get through: the ring keeps a reserve for them. */
static void
send_message(WtRecorder *rec, RecorderKind kind, RecorderMessage *m)
{
  if (!wt_packet_ring_push_message(rec->ring, kind, m->who, m, g_get_monotonic_time())) {
    g_critical("recording %s: the recorder queue is full even for control messages", rec->id);
    message_free(m);
  }
}

void
wt_recorder_stop(WtRecorder *rec, const char *reason)
{
  if (rec->stopped)
    return;
  rec->stopped = TRUE;
  RecorderMessage *m = g_new0(RecorderMessage, 1);
  m->reason = g_strdup(reason);
  send_message(rec, RECORDER_STOP, m);
}

void
wt_recorder_free(WtRecorder *rec)
{
  if (!rec)
    return;
  rec->target->off = TRUE; /* this runs on the context: no callback after this */
  wt_recorder_stop(rec, "shutdown");
  g_thread_join(rec->thread);
  wt_packet_ring_free(rec->ring, message_free);
  wt_chain_free(rec->chain);
  target_unref(rec->target);
  g_hash_table_unref(rec->handles);
  if (rec->context)
    g_main_context_unref(rec->context);
  g_free(rec->id);
  g_free(rec->dir);
  g_free(rec->reserve_path);
  g_free(rec->tsa_url);
  g_free(rec);
}

const char *
wt_recorder_get_id(const WtRecorder *rec)
{
  return rec->id;
}

const char *
wt_recorder_get_dir(const WtRecorder *rec)
{
  return rec->dir;
}

guint64
wt_recorder_get_drops(const WtRecorder *rec)
{
  guint64 sum = 0;
  for (guint i = 0; i < WT_RECORDER_MAX_PARTICIPANTS; i++)
    sum += __atomic_load_n(&rec->drops[i], __ATOMIC_RELAXED);
  return sum;
}

/* ---- Participants and packets ------------------------------------------------------ */

guint
wt_recorder_join(WtRecorder *rec, const char *participant, const char *role,
                 const WtRecorderTracks *tracks)
{
  gpointer value;
  guint who;
  if (g_hash_table_lookup_extended(rec->handles, participant, NULL, &value)) {
    who = GPOINTER_TO_UINT(value);
  } else {
    who = g_hash_table_size(rec->handles);
    g_return_val_if_fail(who < WT_RECORDER_MAX_PARTICIPANTS, WT_RECORDER_NO_HANDLE);
    g_hash_table_insert(rec->handles, g_strdup(participant), GUINT_TO_POINTER(who));
  }
  RecorderMessage *m = g_new0(RecorderMessage, 1);
  m->who = who;
  m->participant = g_strdup(participant);
  m->role = g_strdup(role);
  if (tracks)
    m->tracks = *tracks;
  send_message(rec, RECORDER_JOIN, m);
  return who;
}

void
wt_recorder_set_tracks(WtRecorder *rec, guint who, const WtRecorderTracks *tracks)
{
  if (who >= WT_RECORDER_MAX_PARTICIPANTS)
    return;
  RecorderMessage *m = g_new0(RecorderMessage, 1);
  m->who = who;
  m->tracks = *tracks;
  send_message(rec, RECORDER_TRACKS, m);
}

gboolean
wt_recorder_push(WtRecorder *rec, guint who, const guint8 *rtp, gsize len)
{
  return wt_recorder_push_at(rec, who, rtp, len, g_get_monotonic_time());
}

gboolean
wt_recorder_push_at(WtRecorder *rec, guint who, const guint8 *rtp, gsize len, gint64 arrival_us)
{
  if (who >= WT_RECORDER_MAX_PARTICIPANTS || rec->stopped)
    return FALSE;
  if (wt_packet_ring_push_packet(rec->ring, RECORDER_PACKET, who, rtp, len, arrival_us))
    return TRUE;
  /* The storage thread turns these into a gap record. */
  __atomic_add_fetch(&rec->drops[who], 1, __ATOMIC_RELAXED);
  return FALSE;
}

gboolean
wt_recorder_push_sr(WtRecorder *rec, guint who, WtRecorderKind kind, guint64 ntp, guint32 rtp_ts)
{
  return wt_recorder_push_sr_at(rec, who, kind, ntp, rtp_ts, g_get_monotonic_time());
}

gboolean
wt_recorder_push_sr_at(WtRecorder *rec, guint who, WtRecorderKind kind, guint64 ntp, guint32 rtp_ts,
                       gint64 arrival_us)
{
  if (who >= WT_RECORDER_MAX_PARTICIPANTS || rec->stopped)
    return FALSE;
  WtRecorderSr sr = {.ntp = ntp, .rtp_ts = rtp_ts, .kind = kind};
  return wt_packet_ring_push_packet(rec->ring, RECORDER_SR, who, (const guint8 *)&sr, sizeof sr,
                                    arrival_us);
}

guint
wt_recorder_get_queued(WtRecorder *rec)
{
  return wt_packet_ring_length(rec->ring);
}

void
wt_recorder_add_evidence(WtRecorder *rec, guint who, const char *type, JsonObject *payload,
                         GBytes *file, const char *extension)
{
  RecorderMessage *m = g_new0(RecorderMessage, 1);
  m->who = who;
  m->type = g_strdup(type);
  m->payload = payload;
  m->file = file ? g_bytes_ref(file) : NULL;
  m->extension = g_strdup(extension ? extension : "bin");
  if ((who >= WT_RECORDER_MAX_PARTICIPANTS && who != WT_RECORDER_ROOM) || rec->stopped) {
    message_free(m);
    return;
  }
  send_message(rec, RECORDER_EVIDENCE, m);
}

void
wt_recorder_leave(WtRecorder *rec, guint who, const char *reason)
{
  if (who >= WT_RECORDER_MAX_PARTICIPANTS)
    return;
  RecorderMessage *m = g_new0(RecorderMessage, 1);
  m->who = who;
  m->reason = g_strdup(reason);
  send_message(rec, RECORDER_LEAVE, m);
}
