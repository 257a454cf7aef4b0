/* module_host.c — loading workflow modules, routing their requests and the
 * engine's events to them. The services they call are module_services.c.
 * Main thread only. */
#include "module_host.h"

#include <dlfcn.h>
#include <string.h>

#include "module_host_private.h"
#include "protocol.h"
#include "wt-build-config.h"

/* The first version's table ends with event(); anything smaller is not a module. */
#define WT_MODULE_V1_SIZE (offsetof(WtModule, event) + sizeof(((WtModule *)NULL)->event))

char *
wt_modules_default_dir(void)
{
  g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
  g_autofree char *exe_dir = exe ? g_path_get_dirname(exe) : NULL;
  g_autofree char *build_dir = g_build_filename(WT_BUILD_ROOT, NULL);
  if (exe_dir && g_str_has_prefix(exe_dir, build_dir))
    return g_build_filename(WT_BUILD_ROOT, "server", "modules", NULL);
  return g_strdup(WT_INSTALLED_MODULES_DIR);
}

static gboolean
module_name_valid(const char *name)
{
  gsize n = name ? strlen(name) : 0;
  return n >= 1 && n <= 32 && strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-") == n &&
         !g_str_equal(name, "clock");
}

static WtModuleHost *
find_host(WtModules *modules, const char *name)
{
  for (guint i = 0; i < modules->hosts->len; i++) {
    WtModuleHost *h = g_ptr_array_index(modules->hosts, i);
    if (g_str_equal(h->name, name))
      return h;
  }
  return NULL;
}

static void
host_free(WtModuleHost *h)
{
  if (h->instance && h->table->destroy)
    h->table->destroy(h->instance);
  if (h->handle)
    dlclose(h->handle);
  g_free(h->name);
  g_free(h->path);
  g_free(h);
}

/* Opens @path and checks its table; creates the instance. NULL with @error
 * saying what is wrong with the file. */
static WtModuleHost *
load_one(WtModules *modules, const char *path, GError **error)
{
  void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot open: %s", dlerror());
    return NULL;
  }
  WtModuleEntryFunc entry = NULL;
  *(void **)&entry = dlsym(handle, WT_MODULE_ENTRY_SYMBOL); /* POSIX's way to take a function */
  const WtModule *table = entry ? entry() : NULL;
  const char *why = NULL;
  if (!entry)
    why = "it exports no " WT_MODULE_ENTRY_SYMBOL "()";
  else if (!table)
    why = WT_MODULE_ENTRY_SYMBOL "() returned no table";
  if (why) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: not a Witness module", why);
    dlclose(handle);
    return NULL;
  }
  if (table->abi_version != WT_MODULE_ABI_VERSION) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                "built for module ABI version %u; this witnessd serves version %u (rebuild the "
                "module against this server's module.h)",
                table->abi_version, WT_MODULE_ABI_VERSION);
    dlclose(handle);
    return NULL;
  }
  if (table->struct_size < WT_MODULE_V1_SIZE || !table->create || !table->request) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                "its table is incomplete (%u bytes, create or request missing)",
                table->struct_size);
    dlclose(handle);
    return NULL;
  }
  if (!module_name_valid(table->name) || find_host(modules, table->name)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                "its name \"%s\" is not 1 to 32 of a-z 0-9 -, is reserved or already loaded",
                table->name ? table->name : "");
    dlclose(handle);
    return NULL;
  }
  WtModuleHost *h = g_new0(WtModuleHost, 1);
  h->modules = modules;
  h->name = g_strdup(table->name);
  h->path = g_strdup(path);
  h->handle = handle;
  h->table = table;
  g_autoptr(GError) local = NULL;
  h->instance = table->create(h, &wt_module_services, &local);
  if (!h->instance) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "module %s refused to start: %s", h->name,
                local ? local->message : "(no reason given)");
    host_free(h);
    return NULL;
  }
  return h;
}

static gint
compare_paths(gconstpointer a, gconstpointer b)
{
  return g_strcmp0(*(char *const *)a, *(char *const *)b);
}

/* The files to load: [modules] load's names, or every *.so in @dir, sorted. */
static GPtrArray *
module_files(const char *dir, const char *load, gboolean *named)
{
  GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
  g_auto(GStrv) names = g_strsplit(load ? load : "", ",", -1);
  *named = FALSE;
  for (guint i = 0; names[i]; i++) {
    g_strstrip(names[i]);
    if (!*names[i])
      continue;
    *named = TRUE;
    g_autofree char *file = g_strdup_printf("%s.so", names[i]);
    g_ptr_array_add(files, g_build_filename(dir, file, NULL));
  }
  if (*named)
    return files;
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  const char *entry;
  while (d && (entry = g_dir_read_name(d))) {
    if (g_str_has_suffix(entry, ".so"))
      g_ptr_array_add(files, g_build_filename(dir, entry, NULL));
  }
  g_ptr_array_sort(files, compare_paths);
  return files;
}

static void
module_session_free(gpointer data)
{
  ModuleSession *s = data;
  g_free(s->sub);
  g_free(s->participant);
  g_hash_table_unref(s->talked_to);
  g_free(s);
}

WtModules *
wt_modules_new(const WtModulesEnv *env, GError **error)
{
  WtModules *modules = g_new0(WtModules, 1);
  modules->env = *env;
  /* The daemon's key and folder name die with its start-up frame: keep our own. */
  modules->env.id_hash_key = env->id_hash_key ? g_bytes_ref(env->id_hash_key) : NULL;
  modules->env.media_key = env->media_key ? g_bytes_ref(env->media_key) : NULL;
  modules->env.modules_dir = NULL;
  modules->hosts = g_ptr_array_new();
  modules->sessions =
      g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, module_session_free);
  modules->sessions_by_sub =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_array_unref);
  modules->archive_dir = wt_config_archive_dir(env->config);
  modules->keys_dir = wt_config_keys_dir(env->config);
  gboolean named = FALSE;
  g_autoptr(GPtrArray) files = module_files(env->modules_dir, env->config->modules_load, &named);
  if (!named && !g_file_test(env->modules_dir, G_FILE_TEST_IS_DIR))
    g_message("modules: no folder %s; no workflow modules loaded", env->modules_dir);
  for (guint i = 0; i < files->len; i++) {
    const char *path = g_ptr_array_index(files, i);
    g_autoptr(GError) local = NULL;
    WtModuleHost *h = load_one(modules, path, &local);
    if (h) {
      g_ptr_array_add(modules->hosts, h);
      g_message("module %s: loaded from %s (%s)", h->name, path,
                h->table->description ? h->table->description : "no description");
    } else if (named) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "[modules] load: %s: %s", path,
                  local->message);
      wt_modules_free(modules);
      return NULL;
    } else {
      g_warning("module %s refused: %s", path, local->message);
    }
  }
  return modules;
}

void
wt_modules_engine_stopping(WtModules *modules)
{
  modules->env.rooms = NULL;
  modules->env.notary = NULL;
}

void
wt_modules_wait_tasks(WtModules *modules)
{
  while (modules && modules->tasks_running > 0) /* their answers go to the modules */
    g_main_context_iteration(NULL, TRUE);
}

void
wt_modules_free(WtModules *modules)
{
  if (!modules)
    return;
  modules->env.signaling = NULL; /* freed before us by the daemon */
  wt_modules_wait_tasks(modules);
  for (guint i = modules->hosts->len; i > 0; i--) {
    WtModuleHost *h = g_ptr_array_index(modules->hosts, i - 1);
    g_message("module %s: unloaded", h->name);
    host_free(h);
  }
  g_ptr_array_unref(modules->hosts);
  g_hash_table_unref(modules->sessions);
  g_hash_table_unref(modules->sessions_by_sub);
  g_free(modules->archive_dir);
  g_free(modules->keys_dir);
  g_clear_pointer(&modules->env.id_hash_key, g_bytes_unref);
  g_clear_pointer(&modules->env.media_key, g_bytes_unref);
  g_free(modules);
}

GPtrArray *
wt_modules_names(WtModules *modules)
{
  GPtrArray *names = g_ptr_array_new();
  for (guint i = 0; i < modules->hosts->len; i++)
    g_ptr_array_add(names, ((WtModuleHost *)g_ptr_array_index(modules->hosts, i))->name);
  return names;
}

/* ---- The built-in "clock" requests ------------------------------------------------------ */

/* 9999-12-31T23:59:59.999Z: the latest workflow time an admin may set. */
#define WT_MODULES_CLOCK_MAX_MS G_GINT64_CONSTANT(253402300799999)

/* The centre's local time as minutes east of UTC, for pages that show the
 * workflow clock and dates as the centre sees them. It is the appointment
 * module's setting ([module.appoint] utc_offset_minutes: its slot grid and
 * labels use it), with the same default and range; the appoint module
 * refuses to load with a bad value, so the fallback only covers a centre
 * that runs without it. */
static gint
clock_utc_offset_minutes(const WtConfig *config)
{
  const char *text = wt_config_module_setting(config, "appoint", "utc_offset_minutes");
  gint64 v = 0;
  if (!text || !g_ascii_string_to_signed(text, 10, -720, 840, &v, NULL))
    return 480;
  return (gint)v;
}

static void
clock_request(WtModules *modules, WtRequest *req, const char *action)
{
  WtSignaling *sig = modules->env.signaling;
  JsonObject *body = wt_request_get_body(req);
  if (g_str_equal(action, "set")) {
    if (!modules->env.config->modules_adjustable_clock) {
      wt_signaling_reply_error(sig, req, "unavailable",
                               "the workflow clock is fixed ([modules] adjustable_clock = false)");
      return;
    }
    if (wt_request_get_identity(req)->role != WT_ROLE_ADMIN) {
      wt_signaling_reply_error(sig, req, WT_ERR_FORBIDDEN, "only admins move the workflow clock");
      return;
    }
    JsonNode *now = json_object_get_member(body, "now_ms");
    JsonNode *offset = json_object_get_member(body, "offset_ms");
    JsonNode *n = now ? now : offset;
    if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64) {
      wt_signaling_reply_error(sig, req, WT_ERR_BAD_MESSAGE,
                               "`now_ms` or `offset_ms` must be an integer (milliseconds)");
      return;
    }
    /* Modules do date arithmetic on the workflow clock (slot grids, labels,
     * case numbers): keep it within years 1970 to 9999, where none of it
     * overflows and every date has a label. */
    gint64 real = g_get_real_time() / 1000, v = json_node_get_int(n);
    if (v < -WT_MODULES_CLOCK_MAX_MS || v > WT_MODULES_CLOCK_MAX_MS || (now ? v : real + v) < 0 ||
        (now ? v : real + v) > WT_MODULES_CLOCK_MAX_MS) {
      wt_signaling_reply_error(sig, req, WT_ERR_BAD_MESSAGE,
                               "the workflow clock stays between 1970 and 9999 (now_ms 0 to "
                               "253402300799999)");
      return;
    }
    modules->clock_offset_ms = now ? v - real : v;
    g_message("modules: workflow clock set to real time %+" G_GINT64_FORMAT " ms by %s",
              modules->clock_offset_ms, wt_request_get_identity(req)->sub);
  } else if (!g_str_equal(action, "get")) {
    wt_signaling_reply_error(sig, req, WT_ERR_BAD_MESSAGE, "clock actions are get and set");
    return;
  }
  JsonObject *result = json_object_new();
  json_object_set_int_member(result, "now_ms", g_get_real_time() / 1000 + modules->clock_offset_ms);
  json_object_set_int_member(result, "offset_ms", modules->clock_offset_ms);
  json_object_set_int_member(result, "utc_offset_minutes",
                             clock_utc_offset_minutes(modules->env.config));
  wt_signaling_reply(sig, req, result);
}

/* ---- Requests, sessions, events ------------------------------------------------------------ */

gboolean
wt_modules_handle_request(WtModules *modules, WtRequest *req)
{
  if (!g_str_equal(wt_request_get_type(req), "request"))
    return FALSE;
  WtSignaling *sig = modules->env.signaling;
  JsonObject *body = wt_request_get_body(req);
  const char *name = wt_json_get_string(body, "module");
  const char *action = wt_json_get_string(body, "action");
  if (!name) {
    wt_signaling_reply_error(sig, req, WT_ERR_BAD_MESSAGE, "`module` must name a module");
    return TRUE;
  }
  if (!action || !*action || strlen(action) > 64) {
    wt_signaling_reply_error(sig, req, WT_ERR_BAD_MESSAGE,
                             "`action` must be a string of 1 to 64 bytes");
    return TRUE;
  }
  if (g_str_equal(name, "clock")) {
    clock_request(modules, req, action);
    return TRUE;
  }
  WtModuleHost *h = find_host(modules, name);
  if (!h) {
    g_autofree char *why = g_strdup_printf("no module named \"%.32s\" is loaded", name);
    wt_signaling_reply_error(sig, req, "not-found", why);
    return TRUE;
  }
  guint64 session = wt_request_get_session(req);
  ModuleSession *s = g_hash_table_lookup(modules->sessions, &session);
  if (s) /* from now on it gets the module's notify_role() events */
    g_hash_table_add(s->talked_to, h);
  h->table->request(h->instance, (WtModuleRequest *)req, action);
  return TRUE;
}

void
wt_modules_dispatch(WtModules *modules, const char *event, JsonObject *fields)
{
  for (guint i = 0; i < modules->hosts->len; i++) {
    WtModuleHost *h = g_ptr_array_index(modules->hosts, i);
    if (h->table->event)
      h->table->event(h->instance, event, fields);
  }
}

static JsonObject *
session_fields(guint64 session, const ModuleSession *s)
{
  JsonObject *o = json_object_new();
  json_object_set_string_member(o, "sub", s->sub);
  json_object_set_string_member(o, "role", wt_role_to_string(s->role));
  json_object_set_int_member(o, "session", (gint64)session);
  json_object_set_string_member(o, "participant", s->participant);
  return o;
}

void
wt_modules_session_opened(WtModules *modules, guint64 session, const WtIdentity *who)
{
  ModuleSession *s = g_new0(ModuleSession, 1);
  s->sub = g_strdup(who->sub);
  s->role = who->role;
  s->participant = wt_signaling_participant_id(modules->env.signaling, who->sub);
  s->talked_to = g_hash_table_new(NULL, NULL);
  g_hash_table_insert(modules->sessions, g_memdup2(&session, sizeof session), s);
  GArray *same = g_hash_table_lookup(modules->sessions_by_sub, who->sub);
  if (!same) {
    same = g_array_new(FALSE, FALSE, sizeof(guint64));
    g_hash_table_insert(modules->sessions_by_sub, g_strdup(who->sub), same);
  }
  g_array_append_val(same, session);
  g_autoptr(JsonObject) fields = session_fields(session, s);
  wt_modules_dispatch(modules, "session-opened", fields);
}

void
wt_modules_session_closed(WtModules *modules, guint64 session)
{
  ModuleSession *s = g_hash_table_lookup(modules->sessions, &session);
  if (!s)
    return;
  g_autoptr(JsonObject) fields = session_fields(session, s);
  GArray *same = g_hash_table_lookup(modules->sessions_by_sub, s->sub);
  for (guint i = 0; same && i < same->len; i++) {
    if (g_array_index(same, guint64, i) == session) {
      g_array_remove_index(same, i);
      break;
    }
  }
  if (same && same->len == 0)
    g_hash_table_remove(modules->sessions_by_sub, s->sub);
  g_hash_table_remove(modules->sessions, &session);
  wt_modules_dispatch(modules, "session-closed", fields);
}
