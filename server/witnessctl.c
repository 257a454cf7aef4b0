/* witnessctl.c — the operator's tool.
 *
 *   witnessctl token --data DIR --role R --sub S [--room ID] [--ttl SECONDS] [--record]
 *   witnessctl link  --data DIR --base URL --role R --sub S [--room ID] [--ttl SECONDS] [--record]
 *                    [--page PAGE]
 *   witnessctl verify [--data DIR] [--tsa-ca FILE] RECORDING_DIR
 *
 * `token` prints a signed token; `link` prints a URL that opens the web client
 * as that participant, with the token in the URL fragment (#token=...), which
 * browsers never send to the server, so it stays out of access logs; with
 * `--page hall` (console, clerk, admin…) it opens that page (/hall.html)
 * instead of the room page. Both use
 * (and on first use create) the same secret witnessd uses. `--config FILE`
 * reads data_dir and secret_file from a witnessd configuration instead.
 *
 * `verify` recomputes a recording's evidence (storage/recording.h) against the
 * server's public keys in DATA/keys and prints `OK` with the segment count and
 * duration (exit 0), or `FAIL` and the first file or record that does not
 * match (exit 1). A seal's RFC 3161 timestamp is checked too (over the
 * seal's signature, by the certificate in the token) and its time shown on
 * the OK line; with `--tsa-ca FILE` the TSA's certificate must also lead to
 * a CA in FILE. A seal made while the TSA failed says why on the OK line.
 */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "notary.h"
#include "recording.h"
#include "secrets.h"
#include "token.h"

typedef struct {
  char *config, *data, *role, *sub, *room, *base, *tsa_ca, *page;
  gint ttl;
  gboolean record;
} Options;

/* Every return path frees the option strings (LeakSanitizer checks the usage
 * errors too). */
static void
options_clear(Options *o)
{
  g_free(o->config);
  g_free(o->data);
  g_free(o->role);
  g_free(o->sub);
  g_free(o->room);
  g_free(o->base);
  g_free(o->tsa_ca);
  g_free(o->page);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Options, options_clear)

static int
usage(const char *message)
{
  fprintf(stderr,
          "witnessctl: %s\n"
          "usage: witnessctl token --data DIR --role ROLE --sub SUB [--room ID] [--ttl SECONDS] "
          "[--record]\n"
          "       witnessctl link --data DIR --base URL --role ROLE --sub SUB [--room ID] "
          "[--ttl SECONDS] [--record] [--page PAGE]\n"
          "       witnessctl verify [--data DIR] [--tsa-ca FILE] RECORDING_DIR\n"
          "ROLE is applicant, staff, clerk or admin.\n",
          message);
  return 2;
}

static WtConfig *
load_config(const Options *o, GError **error)
{
  g_autoptr(WtConfig) config = wt_config_new();
  if ((o->config && !wt_config_load_file(config, o->config, error)) ||
      (o->data && !wt_config_set(config, "server", "data_dir", o->data, error)))
    return NULL;
  return g_steal_pointer(&config);
}

static char *
mint(const Options *o, GError **error)
{
  g_autoptr(WtConfig) config = load_config(o, error);
  if (!config)
    return NULL;
  g_autofree char *path = wt_config_token_secret_path(config);
  g_autoptr(GBytes) secret = wt_secret_load_or_create(path, error);
  if (!secret)
    return NULL;
  WtIdentity who = {.sub = o->sub, .room = o->room, .record = o->record};
  wt_role_from_string(o->role, &who.role);
  who.exp = g_get_real_time() / G_USEC_PER_SEC + o->ttl;
  gsize len = 0;
  const guint8 *key = g_bytes_get_data(secret, &len);
  return wt_token_mint(&who, key, len, error);
}

/* One line about DIR/receipt.json, when the notary left one. */
static void
print_receipt(const char *dir)
{
  g_autofree char *path = g_build_filename(dir, WT_RECEIPT_FILE, NULL);
  g_autofree char *text = NULL;
  if (!g_file_get_contents(path, &text, NULL, NULL))
    return;
  g_autoptr(JsonNode) node = json_from_string(text, NULL);
  JsonObject *r = node && JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
  if (r && json_object_has_member(r, "receipt_id")) {
    gint64 at = json_object_get_int_member_with_default(r, "stored_at", 0);
    g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc(at / 1000);
    g_autofree char *iso = when ? g_date_time_format_iso8601(when) : g_strdup("?");
    printf("receipt %s from the notary backend, stored %s\n",
           json_object_get_string_member_with_default(r, "receipt_id", "?"), iso);
  } else if (r && json_object_has_member(r, "hash")) {
    printf("receipt: local ledger entry %" G_GINT64_FORMAT ", hash %s\n",
           json_object_get_int_member_with_default(r, "seq", -1),
           json_object_get_string_member_with_default(r, "hash", "?"));
  } else {
    printf("receipt: %s is not a receipt\n", path);
  }
}

static int
verify(const Options *o, const char *dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WtConfig) config = load_config(o, &error);
  g_autofree char *keys_dir = config ? wt_config_keys_dir(config) : NULL;
  g_autoptr(GHashTable) keys = keys_dir ? wt_signing_keys_list(keys_dir, &error) : NULL;
  if (keys && g_hash_table_size(keys) == 0) {
    printf("FAIL no signing keys in %s: give --data the data folder of the witnessd that made "
           "the recording\n",
           keys_dir);
    return 1;
  }
  WtVerifyReport report;
  if (!keys || !wt_recording_verify_full(dir, keys, o->tsa_ca, &report, &error)) {
    printf("FAIL %s\n", error->message);
    return 1;
  }
  gint64 s = report.duration_ms / 1000;
  printf("OK %" G_GUINT64_FORMAT " segments, %02" G_GINT64_FORMAT ":%02" G_GINT64_FORMAT
         ":%02" G_GINT64_FORMAT " (%.1f s), %" G_GUINT64_FORMAT " records, sealed (%s) by %s",
         report.segments, s / 3600, s / 60 % 60, s % 60, (double)report.duration_ms / 1000,
         report.records, report.reason, report.key_id);
  if (report.timestamp_time)
    printf(", timestamped %s by %s (%s)", report.timestamp_time, report.timestamp_tsa,
           report.timestamp_ca ? "TSA certificate chain verified" : "TSA not checked: no --tsa-ca");
  else if (report.timestamp_error)
    printf(", no timestamp: %s", report.timestamp_error);
  printf("\n");
  wt_verify_report_clear(&report);
  print_receipt(dir);
  return 0;
}

int
main(int argc, char **argv)
{
  g_auto(Options) o = {.ttl = 3600};
  GOptionEntry entries[] = {
      {"config", 'c', 0, G_OPTION_ARG_FILENAME, &o.config, "witnessd configuration file", "FILE"},
      {"data", 'd', 0, G_OPTION_ARG_FILENAME, &o.data, "Data folder (default ./var)", "DIR"},
      {"role", 'r', 0, G_OPTION_ARG_STRING, &o.role, "applicant, staff, clerk or admin", "ROLE"},
      {"sub", 's', 0, G_OPTION_ARG_STRING, &o.sub, "Who the token is for", "SUB"},
      {"room", 0, 0, G_OPTION_ARG_STRING, &o.room, "Room the holder may join", "ID"},
      {"ttl", 0, 0, G_OPTION_ARG_INT, &o.ttl, "Seconds until it expires (default 3600)", "SECONDS"},
      {"record", 0, 0, G_OPTION_ARG_NONE, &o.record, "Staff: record the rooms they join", NULL},
      {"base", 'b', 0, G_OPTION_ARG_STRING, &o.base, "link: the server's URL", "URL"},
      {"page", 'p', 0, G_OPTION_ARG_STRING, &o.page,
       "link: the web page to open, e.g. hall or console (default: the room page)", "PAGE"},
      {"tsa-ca", 0, 0, G_OPTION_ARG_FILENAME, &o.tsa_ca,
       "verify: CA certificates (PEM) the seal's timestamp must lead to", "FILE"},
      {NULL, 0, 0, 0, NULL, NULL, NULL},
  };
  g_autoptr(GOptionContext) context =
      g_option_context_new("token|link|verify - Witness tokens, links and evidence");
  g_option_context_add_main_entries(context, entries, NULL);
  g_autoptr(GError) error = NULL;
  if (!g_option_context_parse(context, &argc, &argv, &error))
    return usage(error->message);
  if (argc == 3 && strcmp(argv[1], "verify") == 0) {
    if (!o.data && !o.config)
      o.data = g_strdup("./var");
    return verify(&o, argv[2]);
  }
  if (argc != 2 || (strcmp(argv[1], "token") != 0 && strcmp(argv[1], "link") != 0))
    return usage("say `token`, `link` or `verify RECORDING_DIR`");
  gboolean link = strcmp(argv[1], "link") == 0;
  WtRole role;
  if (!o.role || !wt_role_from_string(o.role, &role))
    return usage("--role must be applicant, staff, clerk or admin");
  if (!o.sub || !*o.sub)
    return usage("--sub is required");
  if (o.ttl <= 0)
    return usage("--ttl must be a positive number of seconds");
  if (link &&
      (!o.base || !(g_str_has_prefix(o.base, "http://") || g_str_has_prefix(o.base, "https://"))))
    return usage("link needs --base http(s)://HOST:PORT");
  if (o.page && (!*o.page || strlen(o.page) > 32 ||
                 strspn(o.page, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(o.page)))
    return usage("--page must be a page name of a-z 0-9 -, e.g. hall or console");
  if (!o.data && !o.config)
    o.data = g_strdup("./var");

  g_autofree char *token = mint(&o, &error);
  if (!token) {
    fprintf(stderr, "witnessctl: %s\n", error->message);
    return 1;
  }
  if (link) {
    gsize n = strlen(o.base);
    while (n > 0 && o.base[n - 1] == '/')
      n--;
    if (o.page)
      printf("%.*s/%s.html#token=%s\n", (int)n, o.base, o.page, token);
    else
      printf("%.*s/#token=%s\n", (int)n, o.base, token);
  } else {
    printf("%s\n", token);
  }
  return 0;
}
