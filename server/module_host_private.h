/* module_host_private.h — the host's state, shared by module_host.c (loading,
 * requests, events) and module_services.c (the services table). Main thread. */
#pragma once

#include "module.h"
#include "module_host.h"

/* The host side of one loaded module. */
struct _WtModuleHost {
  WtModules *modules;
  char *name; /* the table's, copied */
  char *path;
  void *handle; /* dlopen() */
  const WtModule *table;
  gpointer instance;
};

/* Who a connection is, for notify() and session events. */
typedef struct {
  char *sub;
  WtRole role;
  char *participant;
  GHashTable *talked_to; /* WtModuleHost* the connection sent a request to (a set) */
} ModuleSession;

struct _WtModules {
  WtModulesEnv env;
  GPtrArray *hosts;     /* WtModuleHost*, in load order */
  GHashTable *sessions; /* guint64* session -> ModuleSession* */
  /* sub -> GArray of guint64 sessions: notify() finds a person's connections
   * without going through every connection (module_host.c keeps it). */
  GHashTable *sessions_by_sub;
  gint64 clock_offset_ms;
  /* Tasks on GTask threads (module_export.c, module_verify.c) whose answer
   * has not come; wt_modules_free() waits for them. */
  guint tasks_running;
  char *archive_dir;
  char *keys_dir;
};

/* TRUE when @id can name a recording folder; else FALSE with @error. */
gboolean wt_module_recording_id_ok(const char *id, GError **error);
/* The export_recording service (module_export.c). */
void wt_module_svc_export_recording(WtModuleHost *h, const char *id, WtModuleDone done,
                                    gpointer user_data);
/* Checks recording @id under @archive_dir against the public keys in @keys_dir
 * (all transfer none): the recording_verify result (transfer full), or NULL
 * with @error. Any thread: it touches nothing but files (module_verify.c). */
JsonObject *wt_module_verify_recording(const char *archive_dir, const char *keys_dir,
                                       const char *id, GError **error);
/* The recording_verify and recording_verify_async services (module_verify.c). */
JsonObject *wt_module_svc_recording_verify(WtModuleHost *h, const char *id, GError **error);
void wt_module_svc_recording_verify_async(WtModuleHost *h, const char *id, WtModuleDone done,
                                          gpointer user_data);

/* The services table every module gets (module_services.c). */
extern const WtModuleServices wt_module_services;
