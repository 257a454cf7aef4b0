/* module_export.c — the export_recording service: a recording written as one
 * ustar file (storage/export.h) on a GTask thread, since an hour of recording
 * is hundreds of MB, and answered on the main thread. The host waits for
 * exports still running before it unloads the modules. */
#include <gio/gio.h>

#include "export.h"
#include "module_host_private.h"

typedef struct {
  WtModules *modules;
  char *id, *dir, *out;
  WtModuleDone done;
  gpointer user_data;
} Export;

static void
export_free(gpointer data)
{
  Export *e = data;
  g_free(e->id);
  g_free(e->dir);
  g_free(e->out);
  g_free(e);
}

/* On the task's thread: the tar, then its SHA-256 (read back, as a court would). */
static void
export_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Export *e = data;
  GError *error = NULL;
  g_autofree char *folder = g_path_get_dirname(e->out);
  if (g_mkdir_with_parents(folder, 0750) != 0) {
    g_task_return_new_error(task, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot create %s", folder);
    return;
  }
  if (!wt_export_recording_tar(e->dir, e->out, &error)) {
    g_task_return_error(task, error);
    return;
  }
  g_autoptr(GMappedFile) map = g_mapped_file_new(e->out, FALSE, &error);
  if (!map) {
    g_task_return_error(task, error);
    return;
  }
  JsonObject *o = json_object_new();
  json_object_set_string_member(o, "recording", e->id);
  json_object_set_string_member(o, "path", e->out);
  json_object_set_int_member(o, "bytes", (gint64)g_mapped_file_get_length(map));
  g_autofree char *sha = g_compute_checksum_for_data(
      G_CHECKSUM_SHA256, (const guchar *)g_mapped_file_get_contents(map),
      g_mapped_file_get_length(map));
  json_object_set_string_member(o, "sha256", sha);
  g_task_return_pointer(task, o, (GDestroyNotify)json_object_unref);
}

/* Back on the main thread. */
static void
export_finished(GObject *source, GAsyncResult *result, gpointer data)
{
  Export *e = g_task_get_task_data(G_TASK(result));
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) o = g_task_propagate_pointer(G_TASK(result), &error);
  e->modules->tasks_running--;
  if (o)
    g_message("modules: recording %s exported to %s (%" G_GINT64_FORMAT " bytes)", e->id, e->out,
              json_object_get_int_member(o, "bytes"));
  else
    g_warning("modules: recording %s could not be exported: %s", e->id, error->message);
  e->done(o, error, e->user_data);
}

void
wt_module_svc_export_recording(WtModuleHost *h, const char *id, WtModuleDone done,
                               gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  if (wt_module_recording_id_ok(id, &error)) {
    dir = g_build_filename(h->modules->archive_dir, id, NULL);
    if (!g_file_test(dir, G_FILE_TEST_IS_DIR))
      g_set_error(&error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no recording %s in the archive", id);
  }
  Export *e = g_new0(Export, 1);
  e->modules = h->modules;
  e->id = g_strdup(id);
  e->dir = g_steal_pointer(&dir);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc();
  g_autofree char *stamp = g_date_time_format(now, "%Y%m%dT%H%M%SZ");
  g_autofree char *name =
      g_strdup_printf("%s-%s-%06x.tar", id ? id : "x", stamp, g_random_int() & 0xffffff);
  e->out = g_build_filename(h->modules->env.config->data_dir, "exports", name, NULL);
  e->done = done;
  e->user_data = user_data;
  g_autoptr(GTask) task = g_task_new(NULL, NULL, export_finished, NULL);
  g_task_set_task_data(task, e, export_free);
  h->modules->tasks_running++;
  if (error)
    g_task_return_error(task, g_steal_pointer(&error)); /* answered from the main loop */
  else
    g_task_run_in_thread(task, export_thread);
}
