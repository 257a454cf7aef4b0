/* config.h — witnessd's configuration: a GLib key file where every key has a
 * default. Precedence: built-in defaults, then the --config file, then command
 * line options. Unknown groups or keys, wrong types and out-of-range values
 * are errors that name the file, group and key, so a typo never passes
 * silently. `witnessd --print-config` prints every key with its help text.
 * Loaded once on the main thread, read-only afterwards.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  /* [server] */
  char *data_dir;
  guint workers;
  char *log_level;
  /* [http] */
  char *listen;
  guint port;
  char *web_root;
  char *tls_cert;
  char *tls_key;
  /* [limits] */
  guint max_message_bytes;
  double messages_per_second;
  guint message_burst;
  guint hello_timeout;
  guint ping_interval;
  guint idle_timeout;
  guint max_connections;
  /* [tokens] */
  char *token_secret_file;
  /* [ice] */
  char *ice_addresses;
  gboolean ice_loopback;
  char *ice_public_address;
  guint ice_port_min;
  guint ice_port_max;
  char *stun_url;
  char *turn_url;
  char *turn_username;
  char *turn_password;
  /* [rooms] */
  guint max_participants;
  guint connect_timeout;
  guint silence_timeout;
  guint max_bitrate_kbps;
  /* [recording] */
  char *archive_dir;
  guint segment_seconds;
  guint recorder_queue_packets;
  guint min_free_mb;
  /* [notary] */
  char *notary_url;
  guint notary_anchor_every_segments;
  guint notary_retry_initial_ms;
  guint notary_retry_max_ms;
  guint notary_timeout_ms;
  guint notary_stuck_after_seconds;
  char *tsa_url;
  guint tsa_timeout_ms;
  /* [liveness] */
  gboolean liveness_enabled;
  guint liveness_fps;
  guint liveness_window_seconds;
  double liveness_min_face_ratio;
  guint liveness_min_frames;
  guint liveness_blink_max_ms;
  guint liveness_blink_open_frames;
  double liveness_min_motion;
  guint liveness_multi_face_frames;
  guint liveness_face_lost_ms;
  guint liveness_prompt_after_ms;
  guint liveness_queue_packets;
  char *liveness_detector;
  char *liveness_face_cascade;
  char *liveness_eye_cascade;
  guint liveness_min_face;
  guint liveness_min_neighbors;
  double liveness_scale_factor;
  guint liveness_opencv_threads;
  gboolean liveness_search_near_face;
  /* [modules] */
  char *modules_dir;
  char *modules_load;
  gboolean modules_adjustable_clock;
  /* [testing] */
  guint drop_to_subscribers_percent;
  /* [module.<name>] groups, kept as text for the modules to read:
   * "<name>" -> (key -> value), both strings. */
  GHashTable *module_settings;
} WtConfig;

/* A config holding every default (transfer full). */
WtConfig *wt_config_new(void);
void wt_config_free(WtConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtConfig, wt_config_free)

/* Applies the key file at @path over @config. */
gboolean wt_config_load_file(WtConfig *config, const char *path, GError **error);

/* Sets one key from its text form, as a file would. */
gboolean wt_config_set(WtConfig *config, const char *group, const char *key, const char *value,
                       GError **error);

/* The value of @key in [module.@module] (transfer none), NULL when unset. */
const char *wt_config_module_setting(const WtConfig *config, const char *module, const char *key);

/* The whole configuration as a commented key file (transfer full). */
char *wt_config_to_string(const WtConfig *config);

/* Where the token secret lives: token_secret_file, or <data_dir>/secrets/token.key. */
char *wt_config_token_secret_path(const WtConfig *config);
/* Where recordings go: archive_dir, or <data_dir>/archive (transfer full). */
char *wt_config_archive_dir(const WtConfig *config);
/* Where the seal signing keys live: <data_dir>/keys (transfer full). */
char *wt_config_keys_dir(const WtConfig *config);

G_END_DECLS
