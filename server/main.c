/* main.c — witnessd: parse the command line, load the configuration, run.
 *
 *   witnessd [--config FILE] [--data DIR] [--http-port N] [--print-config]
 *
 * Prints "listening on http://127.0.0.1:PORT" on stdout once it accepts
 * connections; SIGINT or SIGTERM stop it within about a second. Exit codes:
 * 0 after a clean stop, 1 when it cannot start, 2 for a bad command line or
 * configuration.
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "daemon.h"
#include "log.h"
#include "wt-build-config.h"

int
main(int argc, char **argv)
{
  setlocale(LC_ALL, "");
  g_autofree char *config_path = NULL, *data_dir = NULL, *port = NULL;
  gboolean print_config = FALSE, version = FALSE;
  GOptionEntry entries[] = {
      {"config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, "Configuration key file", "FILE"},
      {"data", 'd', 0, G_OPTION_ARG_FILENAME, &data_dir, "Data folder ([server] data_dir)", "DIR"},
      {"http-port", 'p', 0, G_OPTION_ARG_STRING, &port, "HTTP port, 0 for any free one", "N"},
      {"print-config", 0, 0, G_OPTION_ARG_NONE, &print_config,
       "Print the configuration in force and exit", NULL},
      {"version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL},
      {NULL, 0, 0, 0, NULL, NULL, NULL},
  };
  g_autoptr(GOptionContext) options = g_option_context_new("- Witness media server");
  g_option_context_add_main_entries(options, entries, NULL);
  g_autoptr(GError) error = NULL;
  if (!g_option_context_parse(options, &argc, &argv, &error)) {
    fprintf(stderr, "witnessd: %s (try --help)\n", error->message);
    return 2;
  }
  if (version) {
    printf("witnessd %s\n", WT_VERSION);
    return 0;
  }

  g_autoptr(WtConfig) config = wt_config_new();
  if ((config_path && !wt_config_load_file(config, config_path, &error)) ||
      (data_dir && !wt_config_set(config, "server", "data_dir", data_dir, &error)) ||
      (port && !wt_config_set(config, "http", "port", port, &error)) ||
      !wt_log_init(config->log_level, &error)) {
    fprintf(stderr, "witnessd: %s\n", error->message);
    return 2;
  }
  g_autofree char *absolute = g_canonicalize_filename(config->data_dir, NULL);
  wt_config_set(config, "server", "data_dir", absolute, NULL);

  if (print_config) {
    g_autofree char *text = wt_config_to_string(config);
    fputs(text, stdout);
    return 0;
  }

  WtDaemon *daemon = wt_daemon_new(config, &error);
  if (!daemon) {
    g_critical("cannot start: %s", error->message);
    return 1;
  }
  printf("listening on %s\n", wt_daemon_get_url(daemon));
  fflush(stdout);
  wt_daemon_run(daemon);
  wt_daemon_free(daemon);
  return 0;
}
