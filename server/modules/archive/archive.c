/* archive.c — the archive module (clerk retrieval): its table for the host,
 * its settings, the index kept up to date (at start-up, when a recording is
 * sealed, and before every search), and the two timers: the retention sweep
 * and the pruning of old exports. Requests are in actions.c (clerks and
 * admins) and admin.c (admins). Main thread, as every module call.
 *
 * Settings ([module.archive], all optional):
 *   retention_days               days a recording is kept after it ends (3650)
 *   retention_days_<business>    the same for one business type of case
 *   url_ttl_s                    life of a media or export URL (300)
 *   export_keep_s                how long an export tar is kept (86400)
 *   exports_at_once              exports one person may have being written (2)
 *   sweep_s                      seconds between retention sweeps (3600)
 */
#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "archive.h"

/* Business types of the witness module that a setting may name; a setting
 * for another name is read as well, but only these are checked at start. */
static const char *const known_business[] = {
    "transfer",
    "transfer-mortgage",
    "certificate-replacement",
    "lost-certificate",
};

gboolean
wt_archive_db(WtArchive *a, WtModuleDbFunc func, gpointer data, GError **error)
{
  return a->s->db_transaction(a->host, func, data, error);
}

/* ---- Settings ------------------------------------------------------------------------------ */

static gboolean
read_uint(WtArchive *a, const char *key, guint lo, guint hi, guint def, guint *out, GError **error)
{
  const char *text = a->s->config(a->host, key);
  *out = def;
  if (!text)
    return TRUE;
  guint64 v = 0;
  g_autofree char *t = g_strstrip(g_strdup(text));
  if (!g_ascii_string_to_unsigned(t, 10, lo, hi, &v, NULL)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "[module.archive] %s = \"%s\": expected a whole number from %u to %u", key, text,
                lo, hi);
    return FALSE;
  }
  *out = (guint)v;
  return TRUE;
}

static gboolean
read_days(WtArchive *a, const char *key, GError **error)
{
  const char *text = a->s->config(a->host, key);
  guint days;
  if (text && !wt_archive_retention_parse(text, &days)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "[module.archive] %s = \"%s\": expected days, 1 to 36500", key, text);
    return FALSE;
  }
  return TRUE;
}

guint
wt_archive_days_for(WtArchive *a, const char *business)
{
  guint days;
  if (business) {
    g_autofree char *key = g_strdup_printf("retention_days_%s", business);
    const char *text = a->s->config(a->host, key);
    if (text && wt_archive_retention_parse(text, &days))
      return days;
    if (text)
      g_warning("archive: [module.archive] %s = \"%s\" is not a number of days; using %u", key,
                text, a->default_days);
  }
  return a->default_days;
}

static gboolean
read_settings(WtArchive *a, GError **error)
{
  if (!read_days(a, "retention_days", error))
    return FALSE;
  const char *def = a->s->config(a->host, "retention_days");
  if (!def || !wt_archive_retention_parse(def, &a->default_days))
    a->default_days = WT_ARCHIVE_DEFAULT_RETENTION_DAYS;
  for (guint i = 0; i < G_N_ELEMENTS(known_business); i++) {
    g_autofree char *key = g_strdup_printf("retention_days_%s", known_business[i]);
    if (!read_days(a, key, error))
      return FALSE;
  }
  if (!read_uint(a, "url_ttl_s", 10, 3600, 300, &a->url_ttl_s, error) ||
      !read_uint(a, "export_keep_s", 60, 30 * 86400, 86400, &a->export_keep_s, error) ||
      !read_uint(a, "exports_at_once", 1, 16, 2, &a->exports_at_once, error) ||
      !read_uint(a, "sweep_s", 1, 7 * 86400, 3600, &a->sweep_s, error))
    return FALSE;
  a->archive_dir = g_strdup(a->s->archive_dir(a->host));
  /* The engine writes exports to <data>/exports; the archive is <data>/archive
   * unless configured elsewhere, and then the first export says where. */
  g_autofree char *parent = g_path_get_dirname(a->archive_dir);
  a->export_dir = g_build_filename(parent, "exports", NULL);
  return TRUE;
}

/* ---- Audit ---------------------------------------------------------------------------------- */

static const char *
role_name(WtRole role)
{
  switch (role) {
  case WT_ROLE_APPLICANT:
    return "applicant";
  case WT_ROLE_STAFF:
    return "staff";
  case WT_ROLE_CLERK:
    return "clerk";
  case WT_ROLE_ADMIN:
    return "admin";
  }
  return "unknown";
}

static gboolean
audit_body(sqlite3 *sql, gpointer data, GError **error)
{
  return wt_archive_audit_append(sql, data, error);
}

void
wt_archive_audit(WtArchive *a, WtModuleRequest *req, const char *action, const char *recording,
                 JsonObject *detail)
{
  const WtIdentity *who = req ? a->s->request_identity(req) : NULL;
  g_autofree char *text = NULL;
  if (detail) {
    g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), detail);
    text = json_to_string(node, FALSE);
  }
  WtArchiveAuditRow row = {
      .at_ms = g_get_real_time() / 1000,
      .actor = who ? who->sub : "witnessd",
      .role = who ? role_name(who->role) : "system",
      .action = action,
      .recording = recording,
      .detail = text,
  };
  g_autoptr(GError) error = NULL;
  if (!wt_archive_db(a, audit_body, &row, &error))
    g_warning("archive: the audit log refused a %s row (recording %s): %s", action,
              recording ? recording : "-", error->message);
}

/* ---- Index ---------------------------------------------------------------------------------- */

typedef struct {
  JsonObject *entry;
  gint64 now_ms;
} Put;

static gboolean
put_body(sqlite3 *sql, gpointer data, GError **error)
{
  Put *p = data;
  return wt_archive_store_put(sql, p->entry, p->now_ms, error);
}

gboolean
wt_archive_index_one(WtArchive *a, const char *id, GError **error)
{
  g_autoptr(JsonObject) entry = wt_archive_index_read(a->archive_dir, id, error);
  if (!entry)
    return FALSE;
  Put p = {entry, g_get_real_time() / 1000};
  if (!wt_archive_db(a, put_body, &p, error))
    return FALSE;
  g_message("archive: recording %s indexed (case %s, %u participants)", id,
            json_object_get_string_member_with_default(entry, "case_number", "none"),
            json_array_get_length(json_object_get_array_member(entry, "participants")));
  return TRUE;
}

typedef struct {
  GPtrArray *ids;
  GPtrArray *missing;
} Known;

static gboolean
missing_body(sqlite3 *sql, gpointer data, GError **error)
{
  Known *k = data;
  for (guint i = 0; i < k->ids->len; i++) {
    if (!wt_archive_store_has(sql, g_ptr_array_index(k->ids, i)))
      g_ptr_array_add(k->missing, g_strdup(g_ptr_array_index(k->ids, i)));
  }
  return TRUE;
}

guint
wt_archive_index_new(WtArchive *a)
{
  g_autoptr(GDir) dir = g_dir_open(a->archive_dir, 0, NULL);
  if (!dir)
    return 0;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
  const char *name;
  while ((name = g_dir_read_name(dir))) {
    if (!wt_archive_id_valid(name))
      continue;
    /* Only sealed recordings: an open one is still being written. */
    g_autofree char *seal = g_build_filename(a->archive_dir, name, "seal.json", NULL);
    if (g_file_test(seal, G_FILE_TEST_IS_REGULAR))
      g_ptr_array_add(ids, g_strdup(name));
  }
  g_autoptr(GPtrArray) missing = g_ptr_array_new_with_free_func(g_free);
  Known k = {ids, missing};
  g_autoptr(GError) error = NULL;
  if (!wt_archive_db(a, missing_body, &k, &error)) {
    g_warning("archive: cannot read the index: %s", error->message);
    return 0;
  }
  guint added = 0;
  for (guint i = 0; i < missing->len; i++) {
    g_autoptr(GError) e = NULL;
    if (wt_archive_index_one(a, g_ptr_array_index(missing, i), &e))
      added++;
    else
      g_warning("archive: recording %s not indexed: %s", (char *)g_ptr_array_index(missing, i),
                e->message);
  }
  return added;
}

void
wt_archive_index_catch_up(WtArchive *a)
{
  if (!a->index_stale)
    return;
  a->index_stale = FALSE;
  wt_archive_index_new(a);
}

/* ---- Retention ------------------------------------------------------------------------------ */

static gboolean
live_body(sqlite3 *sql, gpointer data, GError **error)
{
  return (*(JsonArray **)data = wt_archive_store_live(sql, error)) != NULL;
}

typedef struct {
  const char *id;
  const char *reason;
  gint64 now_ms;
} Deletion;

static gboolean
deleted_body(sqlite3 *sql, gpointer data, GError **error)
{
  Deletion *d = data;
  return wt_archive_store_mark_deleted(sql, d->id, d->reason, d->now_ms, error);
}

/* Removes @path and what is under it, never following a symbolic link. */
static gboolean
remove_tree(const char *path, GError **error)
{
  if (!g_file_test(path, G_FILE_TEST_IS_SYMLINK) && g_file_test(path, G_FILE_TEST_IS_DIR)) {
    g_autoptr(GDir) dir = g_dir_open(path, 0, error);
    if (!dir)
      return FALSE;
    const char *name;
    while ((name = g_dir_read_name(dir))) {
      g_autofree char *child = g_build_filename(path, name, NULL);
      if (!remove_tree(child, error))
        return FALSE;
    }
    if (g_rmdir(path) != 0) {
      g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "%s: %s", path,
                  g_strerror(errno));
      return FALSE;
    }
    return TRUE;
  }
  if (g_unlink(path) != 0 && errno != ENOENT) {
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "%s: %s", path, g_strerror(errno));
    return FALSE;
  }
  return TRUE;
}

GPtrArray *
wt_archive_sweep(WtArchive *a)
{
  GPtrArray *deleted = g_ptr_array_new_with_free_func(g_free);
  JsonArray *live = NULL;
  g_autoptr(GError) error = NULL;
  if (!wt_archive_db(a, live_body, &live, &error)) {
    g_warning("archive: retention sweep: %s", error->message);
    return deleted;
  }
  gint64 now = a->s->now_ms(a->host);
  for (guint i = 0; i < json_array_get_length(live); i++) {
    JsonObject *r = json_array_get_object_element(live, i);
    const char *id = json_object_get_string_member(r, "recording");
    const char *business = json_object_get_string_member_with_default(r, "business", NULL);
    guint days = wt_archive_days_for(a, business);
    gint64 expires = 0;
    WtArchiveFate fate = wt_archive_retention_decide(json_object_get_int_member(r, "end_ms"), days,
                                                     json_object_get_boolean_member(r, "hold"),
                                                     FALSE, now, &expires);
    if (fate != WT_ARCHIVE_DELETE)
      continue;
    g_autofree char *dir = g_build_filename(a->archive_dir, id, NULL);
    g_autoptr(GError) e = NULL;
    if (wt_archive_id_valid(id) && !remove_tree(dir, &e)) {
      g_warning("archive: recording %s is due for deletion but cannot be removed: %s", id,
                e->message);
      continue;
    }
    g_autoptr(GDateTime) at = g_date_time_new_from_unix_utc(expires / 1000);
    g_autofree char *when = g_date_time_format_iso8601(at);
    g_autofree char *reason = g_strdup_printf("retention of %u days (%s) ended %s", days,
                                              business ? business : "default", when);
    Deletion d = {id, reason, g_get_real_time() / 1000};
    if (!wt_archive_db(a, deleted_body, &d, &e)) {
      g_warning("archive: recording %s removed but not marked deleted: %s", id, e->message);
      continue;
    }
    g_autoptr(JsonObject) detail = json_object_new();
    json_object_set_string_member(detail, "reason", reason);
    json_object_set_int_member(detail, "days", days);
    wt_archive_audit(a, NULL, "delete", id, detail);
    g_message("archive: recording %s deleted: %s", id, reason);
    g_ptr_array_add(deleted, g_strdup(id));
  }
  json_array_unref(live);
  return deleted;
}

guint
wt_archive_exports_prune(WtArchive *a)
{
  g_autoptr(GDir) dir = g_dir_open(a->export_dir, 0, NULL);
  if (!dir)
    return 0;
  gint64 now_s = g_get_real_time() / G_USEC_PER_SEC;
  guint removed = 0;
  const char *name;
  while ((name = g_dir_read_name(dir))) {
    g_autofree char *path = g_build_filename(a->export_dir, name, NULL);
    GStatBuf st;
    if (g_lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
      continue;
    if (now_s - (gint64)st.st_mtime >= (gint64)a->export_keep_s && g_unlink(path) == 0) {
      g_message("archive: export %s removed (older than %u s)", name, a->export_keep_s);
      removed++;
    }
  }
  return removed;
}

static gboolean
on_sweep(gpointer data)
{
  WtArchive *a = data;
  g_ptr_array_unref(wt_archive_sweep(a));
  wt_archive_exports_prune(a);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_startup(gpointer data)
{
  WtArchive *a = data;
  a->startup_source = 0;
  guint added = wt_archive_index_new(a);
  if (added)
    g_message("archive: %u recordings indexed at start-up", added);
  on_sweep(a);
  return G_SOURCE_REMOVE;
}

/* ---- The module table ----------------------------------------------------------------------- */

static void archive_destroy(gpointer instance);

static gpointer
archive_create(WtModuleHost *host, const WtModuleServices *s, GError **error)
{
  if (!s->db_migrate(host, wt_archive_steps, wt_archive_n_steps, error))
    return NULL;
  WtArchive *a = g_new0(WtArchive, 1);
  a->host = host;
  a->s = s;
  a->verifying =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_ptr_array_unref);
  a->exporting = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  if (!read_settings(a, error)) {
    archive_destroy(a);
    return NULL;
  }
  a->sweep_source = g_timeout_add_seconds(a->sweep_s, on_sweep, a);
  a->startup_source = g_idle_add(on_startup, a);
  g_message("archive: recordings in %s, exports in %s, kept %u days by default", a->archive_dir,
            a->export_dir, a->default_days);
  return a;
}

static void
archive_destroy(gpointer instance)
{
  WtArchive *a = instance;
  if (a->sweep_source)
    g_source_remove(a->sweep_source);
  if (a->startup_source)
    g_source_remove(a->startup_source);
  /* The host waits for verifications before destroy(): none is waiting. */
  if (g_hash_table_size(a->verifying) > 0)
    g_critical("archive: destroyed with %u recording(s) still being verified",
               g_hash_table_size(a->verifying));
  g_hash_table_unref(a->verifying);
  g_hash_table_unref(a->exporting);
  g_free(a->archive_dir);
  g_free(a->export_dir);
  g_free(a);
}

static void
archive_request(gpointer instance, WtModuleRequest *req, const char *action)
{
  WtArchive *a = instance;
  WtRole role = a->s->request_identity(req)->role;
  if (role != WT_ROLE_CLERK && role != WT_ROLE_ADMIN) {
    a->s->reply_error(a->host, req, "forbidden", "the archive is for clerks and admins");
    return;
  }
  if (wt_archive_clerk_request(a, req, action) || wt_archive_admin_request(a, req, action))
    return;
  a->s->reply_error(a->host, req, "bad-message", "unknown archive action");
}

static void
archive_event(gpointer instance, const char *event, JsonObject *fields)
{
  WtArchive *a = instance;
  if (!g_str_equal(event, "recording"))
    return;
  const char *state = json_object_get_string_member_with_default(fields, "state", "");
  const char *id = json_object_get_string_member_with_default(fields, "recording", NULL);
  if (!g_str_equal(state, "off") || !id)
    return;
  g_autoptr(GError) error = NULL;
  if (!wt_archive_index_one(a, id, &error)) {
    g_warning("archive: recording %s sealed but not indexed yet: %s", id, error->message);
    a->index_stale = TRUE; /* the next search looks through the archive */
  }
}

static const WtModule archive_module = {
    .abi_version = WT_MODULE_ABI_VERSION,
    .struct_size = sizeof(WtModule),
    .name = "archive",
    .description = "clerk retrieval: search, play, verify and export recordings; retention",
    .create = archive_create,
    .destroy = archive_destroy,
    .request = archive_request,
    .event = archive_event,
};

const WtModule *wt_module_entry(void);

const WtModule *
wt_module_entry(void)
{
  return &archive_module;
}
