/* module_verify.c — the recording_verify services: a recording checked as
 * `witnessctl verify` does, either at once (recording_verify, on the caller's
 * thread) or on a GTask thread (recording_verify_async), since checking reads
 * every byte of the recording and an hour of it is hundreds of MB. The
 * asynchronous answer comes on the main thread; the host waits for tasks
 * still running before it unloads the modules. */
#include <gio/gio.h>

#include "module_host_private.h"
#include "recording.h"
#include "seal.h"

JsonObject *
wt_module_verify_recording(const char *archive_dir, const char *keys_dir, const char *id,
                           GError **error)
{
  if (!wt_module_recording_id_ok(id, error))
    return NULL;
  g_autofree char *dir = g_build_filename(archive_dir, id, NULL);
  if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no recording %s in the archive", id);
    return NULL;
  }
  g_autoptr(GHashTable) keys = wt_signing_keys_list(keys_dir, error);
  if (!keys)
    return NULL;
  WtVerifyReport report = {0};
  g_autoptr(GError) problem = NULL;
  JsonObject *o = json_object_new();
  json_object_set_string_member(o, "recording", id);
  if (wt_recording_verify(dir, keys, &report, &problem)) {
    json_object_set_boolean_member(o, "ok", TRUE);
    json_object_set_int_member(o, "segments", (gint64)report.segments);
    json_object_set_int_member(o, "records", (gint64)report.records);
    json_object_set_int_member(o, "duration_ms", report.duration_ms);
    json_object_set_string_member(o, "reason", report.reason);
    json_object_set_string_member(o, "key_id", report.key_id);
    if (report.timestamp_time)
      json_object_set_string_member(o, "timestamp", report.timestamp_time);
    wt_verify_report_clear(&report);
  } else {
    json_object_set_boolean_member(o, "ok", FALSE);
    json_object_set_string_member(o, "problem", problem->message);
  }
  json_object_set_int_member(o, "checked_ms", g_get_real_time() / 1000);
  return o;
}

JsonObject *
wt_module_svc_recording_verify(WtModuleHost *h, const char *id, GError **error)
{
  return wt_module_verify_recording(h->modules->archive_dir, h->modules->keys_dir, id, error);
}

/* ---- recording_verify_async ------------------------------------------------------------ */

/* Copies of everything the thread reads: it shares nothing with the host. */
typedef struct {
  WtModules *modules; /* main thread only */
  char *id, *archive_dir, *keys_dir;
  gint64 started_us;
  WtModuleDone done;
  gpointer user_data;
} Verify;

static void
verify_free(gpointer data)
{
  Verify *v = data;
  g_free(v->id);
  g_free(v->archive_dir);
  g_free(v->keys_dir);
  g_free(v);
}

/* On the task's thread. */
static void
verify_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Verify *v = data;
  GError *error = NULL;
  JsonObject *o = wt_module_verify_recording(v->archive_dir, v->keys_dir, v->id, &error);
  if (o)
    g_task_return_pointer(task, o, (GDestroyNotify)json_object_unref);
  else
    g_task_return_error(task, error);
}

/* Back on the main thread. */
static void
verify_finished(GObject *source, GAsyncResult *result, gpointer data)
{
  Verify *v = g_task_get_task_data(G_TASK(result));
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) o = g_task_propagate_pointer(G_TASK(result), &error);
  v->modules->tasks_running--;
  gint64 ms = (g_get_monotonic_time() - v->started_us) / 1000;
  if (o)
    g_message("modules: recording %s verified in %" G_GINT64_FORMAT " ms: %s", v->id, ms,
              json_object_get_boolean_member(o, "ok") ? "ok" : "does not verify");
  else
    g_message("modules: recording %s not verified: %s", v->id, error->message);
  v->done(o, error, v->user_data);
}

void
wt_module_svc_recording_verify_async(WtModuleHost *h, const char *id, WtModuleDone done,
                                     gpointer user_data)
{
  Verify *v = g_new0(Verify, 1);
  v->modules = h->modules;
  v->id = g_strdup(id);
  v->archive_dir = g_strdup(h->modules->archive_dir);
  v->keys_dir = g_strdup(h->modules->keys_dir);
  v->started_us = g_get_monotonic_time();
  v->done = done;
  v->user_data = user_data;
  g_message("module %s: verifying recording %s on a thread", h->name, id ? id : "(null)");
  g_autoptr(GTask) task = g_task_new(NULL, NULL, verify_finished, NULL);
  g_task_set_task_data(task, v, verify_free);
  h->modules->tasks_running++;
  g_task_run_in_thread(task, verify_thread);
}
