/* tsa_server.c — runs tests/integration/tsa_server.py for a test (see
 * tsa_server.h). Test's main thread. */
#include "tsa_server.h"

#include <gio/gio.h>
#include <signal.h>
#include <sys/prctl.h>

struct _WtItTsaServer {
  GSubprocess *process;
  char *url;
};

static void
child_setup(gpointer unused)
{
  (void)unused;
  prctl(PR_SET_PDEATHSIG, SIGKILL); /* a failed assertion leaves no server behind */
}

WtItTsaServer *
wt_it_tsa_server_start(const char *tsa_dir)
{
  const char *root = g_getenv("WT_SOURCE_ROOT");
  g_assert_nonnull(root);
  g_autofree char *script = g_build_filename(root, "tests", "integration", "tsa_server.py", NULL);
  g_autoptr(GSubprocessLauncher) launcher =
      g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup(launcher, child_setup, NULL, NULL);
  g_autoptr(GError) error = NULL;
  WtItTsaServer *s = g_new0(WtItTsaServer, 1);
  s->process = g_subprocess_launcher_spawn(launcher, &error, "python3", script, "--dir", tsa_dir,
                                           "--port", "0", NULL);
  g_assert_no_error(error);
  /* Its first line, once it listens: "port N". */
  g_autoptr(GDataInputStream) out =
      g_data_input_stream_new(g_subprocess_get_stdout_pipe(s->process));
  g_autofree char *line = g_data_input_stream_read_line(out, NULL, NULL, &error);
  g_assert_no_error(error);
  if (!line || !g_str_has_prefix(line, "port "))
    g_error("tsa_server.py did not start (said \"%s\")", line ? line : "nothing");
  s->url = g_strdup_printf("http://127.0.0.1:%s/", line + 5);
  return s;
}

const char *
wt_it_tsa_server_url(const WtItTsaServer *s)
{
  return s->url;
}

void
wt_it_tsa_server_stop(WtItTsaServer *s)
{
  g_subprocess_send_signal(s->process, SIGTERM);
  g_subprocess_wait(s->process, NULL, NULL);
  g_object_unref(s->process);
  g_free(s->url);
  g_free(s);
}
