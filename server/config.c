/* config.c — one table describes every key: its group, type, default, range
 * and help. Loading, printing and validation all walk that table, so a key is
 * added in exactly one place. Main thread, at start-up.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

typedef enum { KEY_STRING, KEY_UINT, KEY_DOUBLE, KEY_BOOL } KeyType;

typedef struct {
  const char *group;
  const char *key;
  KeyType type;
  size_t offset;
  const char *def;
  double min, max;
  const char *help;
} KeySpec;

#define FIELD(f) offsetof(WtConfig, f)

static const KeySpec keys[] = {
    {"server", "data_dir", KEY_STRING, FIELD(data_dir), "./var", 0, 0,
     "Folder for recordings, the database, keys and the token secret."},
    {"server", "workers", KEY_UINT, FIELD(workers), "0", 0, 256,
     "Media worker threads; 0 means one per CPU core."},
    {"server", "log_level", KEY_STRING, FIELD(log_level), "message", 0, 0,
     "Least severe log level printed: error, critical, warning, message, info or debug."},
    {"http", "listen", KEY_STRING, FIELD(listen), "127.0.0.1", 0, 0,
     "Address for HTTP and WebSocket; 0.0.0.0 for every interface."},
    {"http", "port", KEY_UINT, FIELD(port), "8080", 0, 65535,
     "TCP port for HTTP and WebSocket; 0 picks a free one (printed at start)."},
    {"http", "web_root", KEY_STRING, FIELD(web_root), "", 0, 0,
     "Folder of the web client; empty means the one built or installed with witnessd."},
    {"http", "tls_cert", KEY_STRING, FIELD(tls_cert), "", 0, 0,
     "PEM certificate chain; when set, the server speaks HTTPS and WSS only."},
    {"http", "tls_key", KEY_STRING, FIELD(tls_key), "", 0, 0, "PEM private key for tls_cert."},
    {"limits", "max_message_bytes", KEY_UINT, FIELD(max_message_bytes), "65536", 256, 16777216,
     "Largest WebSocket message; a larger one closes the connection (1009)."},
    {"limits", "messages_per_second", KEY_DOUBLE, FIELD(messages_per_second), "20", 0.1, 100000,
     "Sustained WebSocket requests a second per connection; more closes it (1008)."},
    {"limits", "message_burst", KEY_UINT, FIELD(message_burst), "40", 1, 100000,
     "Requests a connection may send at once before messages_per_second applies."},
    {"limits", "hello_timeout", KEY_UINT, FIELD(hello_timeout), "10", 1, 3600,
     "Seconds a new WebSocket has to say hello before it is closed."},
    {"limits", "ping_interval", KEY_UINT, FIELD(ping_interval), "20", 1, 3600,
     "Seconds of silence after which the server pings a WebSocket."},
    {"limits", "idle_timeout", KEY_UINT, FIELD(idle_timeout), "60", 2, 65535,
     "Seconds of silence (no message, no pong) after which a WebSocket is closed."},
    {"limits", "max_connections", KEY_UINT, FIELD(max_connections), "1000", 1, 1000000,
     "WebSocket connections open at once; more are refused."},
    {"tokens", "secret_file", KEY_STRING, FIELD(token_secret_file), "", 0, 0,
     "HS256 token secret; empty means <data_dir>/secrets/token.key, created on first start."},
    {"ice", "addresses", KEY_STRING, FIELD(ice_addresses), "", 0, 0,
     "Local IP addresses for media, comma-separated; empty means every interface that is up "
     "(and 127.0.0.1 when no other is)."},
    {"ice", "loopback", KEY_BOOL, FIELD(ice_loopback), "false", 0, 0,
     "Also offer 127.0.0.1 when other interfaces are up (for a browser on this machine)."},
    {"ice", "public_address", KEY_STRING, FIELD(ice_public_address), "", 0, 0,
     "1:1 NAT: the public IP announced instead of the host addresses."},
    {"ice", "port_min", KEY_UINT, FIELD(ice_port_min), "0", 0, 65535,
     "Lowest UDP port for media; 0 with port_max 0 means any."},
    {"ice", "port_max", KEY_UINT, FIELD(ice_port_max), "0", 0, 65535,
     "Highest UDP port for media."},
    {"ice", "stun_url", KEY_STRING, FIELD(stun_url), "", 0, 0,
     "STUN server handed to clients, e.g. stun:stun.example.org:3478."},
    {"ice", "turn_url", KEY_STRING, FIELD(turn_url), "", 0, 0,
     "TURN server handed to clients, e.g. turn:turn.example.org:3478?transport=udp."},
    {"ice", "turn_username", KEY_STRING, FIELD(turn_username), "", 0, 0, "TURN user name."},
    {"ice", "turn_password", KEY_STRING, FIELD(turn_password), "", 0, 0, "TURN password."},
    {"rooms", "max_participants", KEY_UINT, FIELD(max_participants), "6", 2, 1000,
     "People in one room at once (a witnessing has three; the load benchmark raises it)."},
    {"rooms", "connect_timeout", KEY_UINT, FIELD(connect_timeout), "30", 5, 600,
     "Seconds a media connection has to connect before it is given up."},
    {"rooms", "silence_timeout", KEY_UINT, FIELD(silence_timeout), "10", 3, 600,
     "Seconds without any media or RTCP after which a participant is gone."},
    {"rooms", "max_bitrate_kbps", KEY_UINT, FIELD(max_bitrate_kbps), "2500", 0, 100000,
     "Most each published video may send, kbit/s (told to browsers by REMB); 0 for no cap."},
    {"recording", "archive_dir", KEY_STRING, FIELD(archive_dir), "", 0, 0,
     "Folder of recordings; empty means <data_dir>/archive."},
    {"recording", "segment_seconds", KEY_UINT, FIELD(segment_seconds), "10", 2, 600,
     "Seconds per segment file; each starts on a video keyframe."},
    {"recording", "queue_packets", KEY_UINT, FIELD(recorder_queue_packets), "4096", 256, 1048576,
     "Packets a recording may have waiting for its writer; beyond that they are dropped, counted "
     "and written into the chain as a gap."},
    {"recording", "min_free_mb", KEY_UINT, FIELD(min_free_mb), "512", 0, 1048576,
     "MiB the archive's file system must keep free: below it recordings stop and are sealed "
     "(disk-full), new ones are refused and /healthz says degraded; 0 turns the check off."},
    {"notary", "url", KEY_STRING, FIELD(notary_url), "", 0, 0,
     "Registration backend that takes seals and anchors (POST, JSON, Idempotency-Key), e.g. "
     "https://backend.example/seals; empty means the local hash-chained ledger "
     "<data_dir>/ledger.jsonl."},
    {"notary", "anchor_every_segments", KEY_UINT, FIELD(notary_anchor_every_segments), "6", 0,
     1000000,
     "While recording, the chain head goes to the notary every this many segments, so a "
     "later truncation is caught; 0 sends only the seal."},
    {"notary", "retry_initial_ms", KEY_UINT, FIELD(notary_retry_initial_ms), "1000", 10, 3600000,
     "Wait before the first retry of a failed delivery; it doubles each time, with jitter."},
    {"notary", "retry_max_ms", KEY_UINT, FIELD(notary_retry_max_ms), "300000", 10, 86400000,
     "Longest wait between two delivery attempts."},
    {"notary", "timeout_ms", KEY_UINT, FIELD(notary_timeout_ms), "30000", 100, 600000,
     "Longest one delivery request may take, connection included."},
    {"notary", "stuck_after_seconds", KEY_UINT, FIELD(notary_stuck_after_seconds), "600", 1,
     31536000, "/healthz answers 503 (degraded) when an item has waited in the outbox longer."},
    {"notary", "tsa_url", KEY_STRING, FIELD(tsa_url), "", 0, 0,
     "RFC 3161 time-stamping authority (http or https) asked for a token over each seal's "
     "signature, kept in seal.json; empty means seals carry no timestamp. A TSA that fails "
     "never costs the seal: it says why in timestamp_error instead."},
    {"notary", "tsa_timeout_ms", KEY_UINT, FIELD(tsa_timeout_ms), "10000", 100, 600000,
     "Longest the TSA may take to answer, connection included; sealing waits that long."},
    {"liveness", "enabled", KEY_BOOL, FIELD(liveness_enabled), "true", 0, 0,
     "Check that applicants are live people on camera (when they publish video, and on request)."},
    {"liveness", "analysis_fps", KEY_UINT, FIELD(liveness_fps), "10", 1, 30,
     "Frames a second given to the detector; fewer when the machine is busy."},
    {"liveness", "window_seconds", KEY_UINT, FIELD(liveness_window_seconds), "15", 2, 300,
     "Seconds a check may take before it fails."},
    {"liveness", "min_face_ratio", KEY_DOUBLE, FIELD(liveness_min_face_ratio), "0.6", 0.05, 1,
     "Share of analysed frames that must show a face to pass."},
    {"liveness", "min_frames", KEY_UINT, FIELD(liveness_min_frames), "10", 1, 1000,
     "Frames a check must analyse before it may pass."},
    {"liveness", "blink_max_ms", KEY_UINT, FIELD(liveness_blink_max_ms), "800", 50, 5000,
     "Longest time the eyes may be lost for it to count as a blink."},
    {"liveness", "blink_open_frames", KEY_UINT, FIELD(liveness_blink_open_frames), "3", 1, 100,
     "Frames in a row with the eyes seen before a blink counts (detector flicker is no blink)."},
    {"liveness", "min_motion", KEY_DOUBLE, FIELD(liveness_min_motion), "0.05", 0, 10,
     "Head movement needed to pass, in face widths (a photo held still does not move)."},
    {"liveness", "multi_face_frames", KEY_UINT, FIELD(liveness_multi_face_frames), "5", 1, 1000,
     "Frames in a row with more than one face before staff are warned."},
    {"liveness", "face_lost_ms", KEY_UINT, FIELD(liveness_face_lost_ms), "3000", 100, 600000,
     "No face for this long warns staff."},
    {"liveness", "prompt_after_ms", KEY_UINT, FIELD(liveness_prompt_after_ms), "3000", 100, 600000,
     "No face for this long during a check asks the party to face the camera."},
    {"liveness", "queue_packets", KEY_UINT, FIELD(liveness_queue_packets), "512", 128, 65536,
     "Video packets waiting for the decoder per party; beyond that they are dropped until the "
     "next keyframe."},
    {"liveness", "detector", KEY_STRING, FIELD(liveness_detector), "", 0, 0,
     "GStreamer element (gst-launch syntax) that finds faces and eyes; empty means OpenCV's "
     "facedetect with the cascades below (see pipelines/HOOK.md)."},
    {"liveness", "face_cascade", KEY_STRING, FIELD(liveness_face_cascade),
     "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml", 0, 0,
     "facedetect's face cascade."},
    {"liveness", "eye_cascade", KEY_STRING, FIELD(liveness_eye_cascade),
     "/usr/share/opencv4/haarcascades/haarcascade_eye.xml", 0, 0,
     "facedetect's eye cascade (searched inside each face, at the frame's resolution)."},
    {"liveness", "min_face", KEY_UINT, FIELD(liveness_min_face), "80", 20, 2000,
     "facedetect: smallest face looked for, pixels (smaller costs more)."},
    {"liveness", "min_neighbors", KEY_UINT, FIELD(liveness_min_neighbors), "5", 1, 50,
     "facedetect: detections needed to accept a face (3 reports false second faces)."},
    {"liveness", "scale_factor", KEY_DOUBLE, FIELD(liveness_scale_factor), "1.3", 1.1, 2,
     "facedetect: step between the sizes searched (larger is faster, coarser)."},
    {"liveness", "opencv_threads", KEY_UINT, FIELD(liveness_opencv_threads), "1", 0, 256,
     "Threads OpenCV may use; 1 keeps each detection on its own GStreamer thread, off the media "
     "workers' cores; 0 means one per core."},
    {"liveness", "search_near_face", KEY_BOOL, FIELD(liveness_search_near_face), "true", 0, 0,
     "Search a square around the last face found (the whole frame every second and when it is "
     "lost): about half the detector's cost."},
    {"modules", "dir", KEY_STRING, FIELD(modules_dir), "", 0, 0,
     "Folder of workflow modules (*.so); empty means the one built or installed with witnessd. "
     "Each module's own settings are the group [module.<name>] (see its README)."},
    {"modules", "load", KEY_STRING, FIELD(modules_load), "", 0, 0,
     "Modules to load, comma-separated (e.g. consult,appoint); empty means every one in dir."},
    {"modules", "adjustable_clock", KEY_BOOL, FIELD(modules_adjustable_clock), "false", 0, 0,
     "Tests and rehearsals only: admins may move the workflow clock (appointment times); token "
     "expiry keeps real time."},
    {"testing", "drop_to_subscribers_percent", KEY_UINT, FIELD(drop_to_subscribers_percent), "0", 0,
     50, "Tests only: drop this share of media packets toward subscribers, to exercise NACK."},
};

static const char *const groups_help[][2] = {
    {"server", "The daemon."},
    {"http", "The front door: web client, /ws, /healthz, /metrics."},
    {"limits", "What one client may do."},
    {"tokens", "Signed tokens (JWT, HS256) that say who a client is."},
    {"ice", "Media transport: ICE addresses and the STUN/TURN servers clients use."},
    {"rooms", "Video rooms."},
    {"recording", "Dual recording: segments, hash chain and seal."},
    {"notary", "Handing seals to the registration backend (or the local ledger)."},
    {"liveness", "Liveness checks on applicants' video."},
    {"modules", "Workflow modules: queue, appointments, entrustment, archive."},
    {"testing", "Switches for tests; leave them alone in production."},
};

static gpointer
slot(WtConfig *config, const KeySpec *spec)
{
  return (char *)config + spec->offset;
}

static const KeySpec *
find_key(const char *group, const char *key)
{
  for (guint i = 0; i < G_N_ELEMENTS(keys); i++) {
    if (g_str_equal(keys[i].group, group) && g_str_equal(keys[i].key, key))
      return &keys[i];
  }
  return NULL;
}

static gboolean
set_value(WtConfig *config, const KeySpec *spec, const char *value, GError **error)
{
  const char *text = value;
  while (g_ascii_isspace(*text))
    text++;
  if (spec->type == KEY_STRING) {
    char **s = slot(config, spec);
    g_free(*s);
    *s = g_strdup(text);
    return TRUE;
  }
  if (spec->type == KEY_BOOL) {
    gboolean value_true = g_ascii_strcasecmp(text, "true") == 0;
    if (!value_true && g_ascii_strcasecmp(text, "false") != 0) {
      g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                  "[%s] %s = \"%s\": expected true or false", spec->group, spec->key, value);
      return FALSE;
    }
    *(gboolean *)slot(config, spec) = value_true;
    return TRUE;
  }
  char *end = NULL;
  errno = 0;
  double number = spec->type == KEY_UINT ? (double)g_ascii_strtoull(text, &end, 10)
                                         : g_ascii_strtod(text, &end);
  while (end && g_ascii_isspace(*end))
    end++;
  if (errno || end == text || *end || *text == '-' || number < spec->min || number > spec->max) {
    g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                "[%s] %s = \"%s\": expected %s from %.15g to %.15g", spec->group, spec->key, value,
                spec->type == KEY_UINT ? "a whole number" : "a number", spec->min, spec->max);
    return FALSE;
  }
  if (spec->type == KEY_UINT)
    *(guint *)slot(config, spec) = (guint)number;
  else
    *(double *)slot(config, spec) = number;
  return TRUE;
}

WtConfig *
wt_config_new(void)
{
  WtConfig *config = g_new0(WtConfig, 1);
  for (guint i = 0; i < G_N_ELEMENTS(keys); i++) {
    gboolean ok = set_value(config, &keys[i], keys[i].def, NULL);
    g_assert(ok);
  }
  config->module_settings =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_hash_table_unref);
  return config;
}

const char *
wt_config_module_setting(const WtConfig *config, const char *module, const char *key)
{
  GHashTable *settings = g_hash_table_lookup(config->module_settings, module);
  return settings ? g_hash_table_lookup(settings, key) : NULL;
}

void
wt_config_free(WtConfig *config)
{
  if (!config)
    return;
  for (guint i = 0; i < G_N_ELEMENTS(keys); i++) {
    if (keys[i].type == KEY_STRING)
      g_free(*(char **)slot(config, &keys[i]));
  }
  g_clear_pointer(&config->module_settings, g_hash_table_unref);
  g_free(config);
}

/* The keys that name an HTTP endpoint witnessd calls: empty, or http(s)://. */
static gboolean
url_ok(const KeySpec *spec, const char *value)
{
  if (!g_str_equal(spec->group, "notary") ||
      !(g_str_equal(spec->key, "url") || g_str_equal(spec->key, "tsa_url")))
    return TRUE;
  g_autofree char *v = g_strstrip(g_strdup(value));
  return !*v || g_ascii_strncasecmp(v, "http://", 7) == 0 ||
         g_ascii_strncasecmp(v, "https://", 8) == 0;
}

gboolean
wt_config_set(WtConfig *config, const char *group, const char *key, const char *value,
              GError **error)
{
  if (g_str_has_prefix(group, "module.")) {
    const char *module = group + strlen("module.");
    if (!*module || strlen(module) > 32 ||
        strspn(module, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(module)) {
      g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND,
                  "[%s]: a module name is 1 to 32 of a-z 0-9 -", group);
      return FALSE;
    }
    GHashTable *settings = g_hash_table_lookup(config->module_settings, module);
    if (!settings) {
      settings = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
      g_hash_table_insert(config->module_settings, g_strdup(module), settings);
    }
    g_hash_table_insert(settings, g_strdup(key), g_strstrip(g_strdup(value)));
    return TRUE; /* the module checks its own keys when it loads */
  }
  const KeySpec *spec = find_key(group, key);
  if (!spec) {
    g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
                "unknown key [%s] %s (witnessd --print-config lists every key)", group, key);
    return FALSE;
  }
  if (!url_ok(spec, value)) {
    g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                "[%s] %s = \"%s\": expected an http:// or https:// URL (or nothing)", group, key,
                value);
    return FALSE;
  }
  return set_value(config, spec, value, error);
}

gboolean
wt_config_load_file(WtConfig *config, const char *path, GError **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new();
  g_autoptr(GError) local = NULL;
  if (!g_key_file_load_from_file(file, path, G_KEY_FILE_NONE, &local)) {
    g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE, "%s: %s", path, local->message);
    return FALSE;
  }
  g_auto(GStrv) groups = g_key_file_get_groups(file, NULL);
  for (guint g = 0; groups[g]; g++) {
    g_auto(GStrv) names = g_key_file_get_keys(file, groups[g], NULL, NULL);
    for (guint k = 0; names && names[k]; k++) {
      g_autofree char *value = g_key_file_get_string(file, groups[g], names[k], &local);
      if (!value || !wt_config_set(config, groups[g], names[k], value, &local)) {
        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, "%s: %s", path,
                    local->message);
        return FALSE;
      }
    }
  }
  return TRUE;
}

static void
print_value(GString *out, const WtConfig *config, const KeySpec *spec)
{
  gpointer p = slot((WtConfig *)config, spec);
  switch (spec->type) {
  case KEY_STRING: {
    g_autofree char *escaped = g_strescape(*(char **)p ? *(char **)p : "", NULL);
    g_string_append(out, escaped);
    break;
  }
  case KEY_UINT:
    g_string_append_printf(out, "%u", *(guint *)p);
    break;
  case KEY_BOOL:
    g_string_append(out, *(gboolean *)p ? "true" : "false");
    break;
  case KEY_DOUBLE: {
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    g_string_append(out, g_ascii_formatd(buf, sizeof buf, "%g", *(double *)p));
    break;
  }
  }
}

char *
wt_config_to_string(const WtConfig *config)
{
  GString *out = g_string_new("# witnessd configuration (GLib key file). Every key is optional;\n"
                              "# the value shown is the one in force.\n");
  for (guint g = 0; g < G_N_ELEMENTS(groups_help); g++) {
    g_string_append_printf(out, "\n# %s\n[%s]\n", groups_help[g][1], groups_help[g][0]);
    for (guint i = 0; i < G_N_ELEMENTS(keys); i++) {
      if (!g_str_equal(keys[i].group, groups_help[g][0]))
        continue;
      g_string_append_printf(out, "# %s (default: %s)\n%s=", keys[i].help,
                             *keys[i].def ? keys[i].def : "empty", keys[i].key);
      print_value(out, config, &keys[i]);
      g_string_append_c(out, '\n');
    }
  }
  /* Module settings as given (their modules document them). */
  g_autoptr(GList) modules =
      g_list_sort(g_hash_table_get_keys(config->module_settings), (GCompareFunc)g_strcmp0);
  for (GList *m = modules; m; m = m->next) {
    GHashTable *settings = g_hash_table_lookup(config->module_settings, m->data);
    g_string_append_printf(out, "\n[module.%s]\n", (char *)m->data);
    g_autoptr(GList) names = g_list_sort(g_hash_table_get_keys(settings), (GCompareFunc)g_strcmp0);
    for (GList *k = names; k; k = k->next) {
      g_autofree char *escaped = g_strescape(g_hash_table_lookup(settings, k->data), NULL);
      g_string_append_printf(out, "%s=%s\n", (char *)k->data, escaped);
    }
  }
  return g_string_free(out, FALSE);
}

char *
wt_config_token_secret_path(const WtConfig *config)
{
  if (config->token_secret_file && *config->token_secret_file)
    return g_strdup(config->token_secret_file);
  return g_build_filename(config->data_dir, "secrets", "token.key", NULL);
}

char *
wt_config_archive_dir(const WtConfig *config)
{
  if (config->archive_dir && *config->archive_dir)
    return g_strdup(config->archive_dir);
  return g_build_filename(config->data_dir, "archive", NULL);
}

char *
wt_config_keys_dir(const WtConfig *config)
{
  return g_build_filename(config->data_dir, "keys", NULL);
}
