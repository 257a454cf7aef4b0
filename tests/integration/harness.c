/* harness.c — waiting, child processes (witnessd, witnessctl), temporary
 * folders and tokens for the integration tests (see harness.h); the HTTP and
 * WebSocket clients are in harness_net.c. Test main thread only; every wait
 * iterates the default main context with a deadline, never forever.
 */
#include "harness.h"
#include "harness_private.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* All temporary folders of this process live under one root, so that even
 * an aborting test (a failed g_assert) can remove them in one go. */
static char *temp_root;

/* ---- Waiting ------------------------------------------------------------- */

static gboolean
on_deadline(gpointer data)
{
  *(gboolean *)data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the default context until @done says so or @timeout_ms pass. */
gboolean
wt_it_wait_until(WtItDoneFunc done, gpointer data, guint timeout_ms)
{
  gboolean timed_out = FALSE;
  GSource *timer = g_timeout_source_new(timeout_ms);
  g_source_set_callback(timer, on_deadline, &timed_out, NULL);
  g_source_attach(timer, NULL);
  while (!done(data) && !timed_out)
    g_main_context_iteration(NULL, TRUE);
  g_source_destroy(timer);
  g_source_unref(timer);
  return done(data);
}

gboolean
wt_it_flag_is_set(gpointer data)
{
  return *(gboolean *)data;
}

static gboolean
never(gpointer data)
{
  return FALSE;
}

void
wt_it_pump(guint ms)
{
  while (g_main_context_iteration(NULL, FALSE))
    ;
  wt_it_wait_until(never, NULL, ms);
}

void
wt_it_pending_complete(GObject *source, GAsyncResult *result, gpointer data)
{
  WtItPending *p = data;
  p->result = g_object_ref(result);
  p->done = TRUE;
}

/* ---- Processes and folders ----------------------------------------------- */

static void
child_setup(gpointer data)
{
  /* Die with the test: a failed assertion must not leave a server running. */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/* Under the sanitizers, a report must not pass for one of our own exit codes
 * (1 = cannot start, 2 = bad configuration): children exit with
 * WT_IT_SANITIZER_EXIT instead. @slow_unwind makes leak stacks complete
 * through libraries built without frame pointers, so lsan.supp can name their
 * frames; it doubles the run time, so only short runs ask for it. */
static void
set_sanitizer_env(GSubprocessLauncher *launcher, const char *name, gboolean slow_unwind)
{
  const char *options = g_getenv(name);
  if (!options)
    return;
  g_autofree char *value =
      g_strdup_printf("%s%sexitcode=%d%s", options, *options ? ":" : "", WT_IT_SANITIZER_EXIT,
                      slow_unwind ? ":fast_unwind_on_malloc=0" : "");
  g_subprocess_launcher_setenv(launcher, name, value, TRUE);
}

static GSubprocessLauncher *
new_launcher(GSubprocessFlags flags, const char *cwd, gboolean slow_unwind)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new(flags);
  g_subprocess_launcher_set_child_setup(launcher, child_setup, NULL, NULL);
  if (cwd)
    g_subprocess_launcher_set_cwd(launcher, cwd);
  set_sanitizer_env(launcher, "ASAN_OPTIONS", slow_unwind);
  set_sanitizer_env(launcher, "UBSAN_OPTIONS", slow_unwind);
  return launcher;
}

static int
exit_code(GSubprocess *proc)
{
  if (g_subprocess_get_if_exited(proc))
    return g_subprocess_get_exit_status(proc);
  if (g_subprocess_get_if_signaled(proc))
    return 128 + g_subprocess_get_term_sig(proc);
  return -1;
}

int
wt_it_run(const char *const *argv, const char *cwd, guint timeout_ms, char **out, char **err)
{
  g_autoptr(GSubprocessLauncher) launcher =
      new_launcher(G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                       G_SUBPROCESS_FLAGS_STDERR_PIPE,
                   cwd, TRUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) proc = g_subprocess_launcher_spawnv(launcher, argv, &error);
  g_assert_no_error(error);

  WtItPending p = {0};
  g_subprocess_communicate_utf8_async(proc, NULL, NULL, wt_it_pending_complete, &p);
  gboolean killed = FALSE;
  if (!wt_it_wait_until(wt_it_flag_is_set, &p.done, timeout_ms)) {
    g_test_message("%s did not finish within %u ms; killing it", argv[0], timeout_ms);
    g_subprocess_force_exit(proc);
    killed = TRUE;
    wt_it_wait_until(wt_it_flag_is_set, &p.done, 10000);
    g_assert_true(p.done);
  }
  char *stdout_text = NULL, *stderr_text = NULL;
  g_subprocess_communicate_utf8_finish(proc, p.result, &stdout_text, &stderr_text, &error);
  g_clear_object(&p.result);
  g_assert_no_error(error);
  g_subprocess_wait(proc, NULL, NULL);
  if (out)
    *out = stdout_text;
  else
    g_free(stdout_text);
  if (err)
    *err = stderr_text;
  else
    g_free(stderr_text);
  return killed ? -1 : exit_code(proc);
}

/* The daemon runs in its temporary folder, so a relative path is resolved
 * here, once. */
static const char *
env_program(const char *name)
{
  const char *path = g_getenv(name);
  if (!path || !*path)
    g_error("%s is not set: run the integration tests through `meson test`", name);
  if (!g_path_is_absolute(path)) {
    g_autofree char *absolute = g_canonicalize_filename(path, NULL);
    g_setenv(name, absolute, TRUE);
    path = g_getenv(name);
  }
  return path;
}

const char *
wt_it_witnessd(void)
{
  return env_program("WITNESSD");
}

const char *
wt_it_witnessctl(void)
{
  return env_program("WITNESSCTL");
}

char *
wt_it_make_temp_dir(void)
{
  g_assert_nonnull(temp_root);
  g_autofree char *template = g_build_filename(temp_root, "t-XXXXXX", NULL);
  char *dir = g_mkdtemp(g_steal_pointer(&template));
  g_assert_nonnull(dir);
  return dir;
}

void
wt_it_rm_rf(const char *path)
{
  GStatBuf st;
  if (g_lstat(path, &st) != 0)
    return;
  if (S_ISDIR(st.st_mode)) {
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    const char *name;
    while (dir && (name = g_dir_read_name(dir))) {
      g_autofree char *child = g_build_filename(path, name, NULL);
      wt_it_rm_rf(child);
    }
    g_rmdir(path);
  } else {
    g_unlink(path);
  }
}

/* A failed assertion ends in SIGABRT, a fatal GLib log message in SIGTRAP:
 * remove the temporary root then, with async-signal-safe calls only. */
static void
on_abort(int signo)
{
  if (temp_root) {
    pid_t pid = fork();
    if (pid == 0) {
      execl("/bin/rm", "rm", "-rf", temp_root, (char *)NULL);
      _exit(127);
    }
    if (pid > 0)
      waitpid(pid, NULL, 0);
  }
  signal(signo, SIG_DFL);
  raise(signo);
}

static GLogFunc test_log_handler;

static void
quiet_log_handler(const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
  if (level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO))
    return;
  test_log_handler(domain, level, message, data);
}

void
wt_it_init(int *argc, char ***argv)
{
  g_test_init(argc, argv, NULL);
  /* g_test's log handler prints debug lines too; libsoup's per-frame lines
   * would bury the test's own messages. G_MESSAGES_DEBUG=all brings them back. */
  if (!g_getenv("G_MESSAGES_DEBUG"))
    test_log_handler = g_log_set_default_handler(quiet_log_handler, NULL);
  g_autoptr(GError) error = NULL;
  temp_root = g_dir_make_tmp("witness-it-XXXXXX", &error);
  g_assert_no_error(error);
  signal(SIGABRT, on_abort);
  signal(SIGTRAP, on_abort);
  /* A daemon that dies mid-test must fail the test, not kill it with SIGPIPE. */
  signal(SIGPIPE, SIG_IGN);
}

/* GTask's worker threads (TLS handshakes, for one) outlive their tasks and
 * hold dynamic TLS of the gnutls module. LeakSanitizer's exit-time scan of
 * such a thread's DTLS crashes now and then with the GCC 12 runtime
 * ("Tracer caught signal 11", google/sanitizers#1353), so let them end first:
 * an idle worker of a shared pool becomes "unused" after half a second, and
 * unused threads are stopped here. */
static void
retire_pool_threads(void)
{
  g_thread_pool_set_max_unused_threads(0);
  g_usleep(600 * 1000);
  g_thread_pool_stop_unused_threads();
  for (int i = 0; i < 20 && g_thread_pool_get_num_unused_threads() > 0; i++)
    g_usleep(50 * 1000);
  g_usleep(50 * 1000);
}

int
wt_it_run_tests(void)
{
  int rc = g_test_run();
  wt_it_net_shutdown();
  while (g_main_context_iteration(NULL, FALSE))
    ;
  retire_pool_threads();
  wt_it_rm_rf(temp_root);
  g_clear_pointer(&temp_root, g_free);
  return rc;
}

/* ---- witnessd ------------------------------------------------------------ */

struct _WtItDaemon {
  char *dir, *data_dir, *config_path, *log_path;
  GPtrArray *args;      /* extra arguments */
  GPtrArray *forbidden; /* texts that must not appear in the log */
  GSubprocess *proc;
  GDataInputStream *out;
  char *line, *url;
  guint16 port;
  gboolean expect_failure; /* a short run: slow unwinding for complete leak stacks */
  gboolean exited;
  int status;
};

WtItDaemon *
wt_it_daemon_new(const char *config)
{
  WtItDaemon *d = g_new0(WtItDaemon, 1);
  d->dir = wt_it_make_temp_dir();
  d->data_dir = g_build_filename(d->dir, "data", NULL);
  d->log_path = g_build_filename(d->dir, "stderr.log", NULL);
  d->args = g_ptr_array_new_with_free_func(g_free);
  d->forbidden = g_ptr_array_new_with_free_func(g_free);
  if (config) {
    d->config_path = g_build_filename(d->dir, "witness.conf", NULL);
    g_autoptr(GError) error = NULL;
    g_file_set_contents(d->config_path, config, -1, &error);
    g_assert_no_error(error);
  }
  return d;
}

void
wt_it_daemon_add_arg(WtItDaemon *d, const char *arg)
{
  g_assert_null(d->proc);
  g_ptr_array_add(d->args, g_strdup(arg));
}

static void
wait_done(GObject *source, GAsyncResult *result, gpointer data)
{
  *(gboolean *)data = TRUE;
}

/* Waits for the process to exit, at most @timeout_ms. */
static gboolean
wait_exit(WtItDaemon *d, guint timeout_ms)
{
  if (d->exited)
    return TRUE;
  gboolean done = FALSE;
  g_subprocess_wait_async(d->proc, NULL, wait_done, &done);
  wt_it_wait_until(wt_it_flag_is_set, &done, timeout_ms);
  if (!done) {
    /* Let the pending wait finish against the kill, so its callback does not
     * outlive `done`. */
    g_subprocess_force_exit(d->proc);
    wt_it_wait_until(wt_it_flag_is_set, &done, 10000);
    g_assert_true(done);
    d->exited = TRUE;
    d->status = -1;
    return FALSE;
  }
  d->exited = TRUE;
  d->status = exit_code(d->proc);
  return TRUE;
}

gboolean
wt_it_daemon_spawn(WtItDaemon *d, GError **error)
{
  g_assert_null(d->proc);
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_ptr_array_add(argv, (char *)wt_it_witnessd());
  g_ptr_array_add(argv, "--data");
  g_ptr_array_add(argv, d->data_dir);
  g_ptr_array_add(argv, "--http-port");
  g_ptr_array_add(argv, "0");
  if (d->config_path) {
    g_ptr_array_add(argv, "--config");
    g_ptr_array_add(argv, d->config_path);
  }
  for (guint i = 0; i < d->args->len; i++)
    g_ptr_array_add(argv, d->args->pdata[i]);
  g_ptr_array_add(argv, NULL);

  g_autoptr(GSubprocessLauncher) launcher =
      new_launcher(G_SUBPROCESS_FLAGS_STDOUT_PIPE, d->dir, d->expect_failure);
  g_subprocess_launcher_set_stderr_file_path(launcher, d->log_path);
  d->proc = g_subprocess_launcher_spawnv(launcher, (const char *const *)argv->pdata, error);
  if (!d->proc)
    return FALSE;
  d->out = g_data_input_stream_new(g_subprocess_get_stdout_pipe(d->proc));

  WtItPending p = {0};
  g_autoptr(GCancellable) cancel = g_cancellable_new();
  g_data_input_stream_read_line_async(d->out, G_PRIORITY_DEFAULT, cancel, wt_it_pending_complete,
                                      &p);
  if (!wt_it_wait_until(wt_it_flag_is_set, &p.done, WT_IT_START_TIMEOUT_MS)) {
    g_cancellable_cancel(cancel);
    wt_it_wait_until(wt_it_flag_is_set, &p.done, 10000);
  }
  g_autoptr(GError) local = NULL;
  d->line = g_data_input_stream_read_line_finish(d->out, p.result, NULL, &local);
  g_clear_object(&p.result);
  if (d->line && g_str_has_prefix(d->line, "listening on ")) {
    d->url = g_strdup(d->line + strlen("listening on "));
    g_autoptr(GUri) uri = g_uri_parse(d->url, G_URI_FLAGS_NONE, &local);
    if (uri && g_uri_get_port(uri) > 0 && g_uri_get_port(uri) < 65536) {
      d->port = (guint16)g_uri_get_port(uri);
      return TRUE;
    }
  }
  /* It failed: give it a moment to exit, then report what it said. */
  wait_exit(d, 5000);
  g_autofree char *log = wt_it_daemon_log(d);
  g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
              "witnessd did not start (first line %s%s%s, exit %d): %s\n--- stderr ---\n%s",
              d->line ? "\"" : "", d->line ? d->line : "none", d->line ? "\"" : "", d->status,
              local ? local->message : "no listening line", log);
  return FALSE;
}

WtItDaemon *
wt_it_daemon_start(const char *config)
{
  WtItDaemon *d = wt_it_daemon_new(config);
  g_autoptr(GError) error = NULL;
  wt_it_daemon_spawn(d, &error);
  g_assert_no_error(error);
  return d;
}

WtItDaemon *
wt_it_daemon_restart(WtItDaemon *old, const char *config)
{
  WtItDaemon *d = wt_it_daemon_new(config);
  wt_it_rm_rf(wt_it_daemon_data_dir(d));
  g_assert_cmpint(rename(wt_it_daemon_data_dir(old), wt_it_daemon_data_dir(d)), ==, 0);
  g_autoptr(GError) error = NULL;
  wt_it_daemon_spawn(d, &error);
  g_assert_no_error(error);
  return d;
}

int
wt_it_daemon_expect_failure(WtItDaemon *d, char **log)
{
  d->expect_failure = TRUE;
  g_autoptr(GError) error = NULL;
  gboolean started = wt_it_daemon_spawn(d, &error);
  int status = wt_it_daemon_stop(d, NULL);
  char *text = wt_it_daemon_log(d);
  if (started)
    g_test_message("witnessd started although it should not have:\n%s", text);
  g_assert_false(started);
  g_assert_null(d->url);
  wt_it_assert_no_sanitizer_report(text);
  if (log)
    *log = text;
  else
    g_free(text);
  return status;
}

void
wt_it_assert_no_sanitizer_report(const char *log)
{
  static const char *const marks[] = {"LeakSanitizer", "AddressSanitizer",
                                      "runtime error:", "UndefinedBehaviorSanitizer"};
  for (guint i = 0; i < G_N_ELEMENTS(marks); i++) {
    if (strstr(log, marks[i]))
      g_test_message("sanitizer report:\n%s", log);
    g_assert_null(strstr(log, marks[i]));
  }
}

const char *
wt_it_daemon_url(WtItDaemon *d)
{
  return d->url;
}

const char *
wt_it_daemon_listening_line(WtItDaemon *d)
{
  return d->line;
}

guint16
wt_it_daemon_port(WtItDaemon *d)
{
  return d->port;
}

int
wt_it_daemon_pid(WtItDaemon *d)
{
  const char *id = d->proc ? g_subprocess_get_identifier(d->proc) : NULL;
  return id ? atoi(id) : 0;
}

const char *
wt_it_daemon_data_dir(WtItDaemon *d)
{
  return d->data_dir;
}

const char *
wt_it_daemon_dir(WtItDaemon *d)
{
  return d->dir;
}

char *
wt_it_daemon_log(WtItDaemon *d)
{
  char *text = NULL;
  if (!g_file_get_contents(d->log_path, &text, NULL, NULL))
    return g_strdup("");
  return text;
}

char *
wt_it_daemon_secret(WtItDaemon *d)
{
  g_autofree char *path = g_build_filename(d->data_dir, "secrets", "token.key", NULL);
  char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_file_get_contents(path, &text, NULL, &error);
  g_assert_no_error(error);
  return g_strstrip(text);
}

void
wt_it_daemon_forbid_in_log(WtItDaemon *d, const char *text)
{
  g_ptr_array_add(d->forbidden, g_strdup(text));
}

int
wt_it_daemon_stop_signal(WtItDaemon *d, int signo, double *elapsed_s)
{
  g_assert_nonnull(d->proc);
  gint64 t0 = g_get_monotonic_time();
  if (!d->exited) {
    g_subprocess_send_signal(d->proc, signo);
    if (!wait_exit(d, 10000))
      g_test_message("witnessd did not stop within 10 s of signal %d; killed it", signo);
  }
  if (elapsed_s)
    *elapsed_s = (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC;
  return d->status;
}

int
wt_it_daemon_stop(WtItDaemon *d, double *elapsed_s)
{
  return wt_it_daemon_stop_signal(d, SIGTERM, elapsed_s);
}

void
wt_it_daemon_stop_clean(WtItDaemon *d)
{
  int status = wt_it_daemon_stop(d, NULL);
  g_autofree char *log = wt_it_daemon_log(d);
  if (status != 0)
    g_test_message("witnessd exited with %d; its stderr:\n%s", status, log);
  g_assert_cmpint(status, ==, 0);
  wt_it_assert_no_sanitizer_report(log);
  for (guint i = 0; i < d->forbidden->len; i++) {
    if (strstr(log, d->forbidden->pdata[i]))
      g_test_message("witnessd's log contains a token or secret:\n%s", log);
    g_assert_null(strstr(log, d->forbidden->pdata[i]));
  }
  g_autofree char *path = g_build_filename(d->data_dir, "secrets", "token.key", NULL);
  if (g_file_test(path, G_FILE_TEST_EXISTS)) {
    g_autofree char *secret = wt_it_daemon_secret(d);
    g_assert_null(strstr(log, secret));
  }
}

void
wt_it_daemon_free(WtItDaemon *d)
{
  if (!d)
    return;
  if (d->proc && !d->exited) {
    g_subprocess_force_exit(d->proc);
    wait_exit(d, 10000);
  }
  g_clear_object(&d->out);
  g_clear_object(&d->proc);
  wt_it_rm_rf(d->dir);
  g_free(d->dir);
  g_free(d->data_dir);
  g_free(d->config_path);
  g_free(d->log_path);
  g_free(d->line);
  g_free(d->url);
  g_ptr_array_unref(d->args);
  g_ptr_array_unref(d->forbidden);
  g_free(d);
}

/* ---- Tokens -------------------------------------------------------------- */

char *
wt_it_mint(WtItDaemon *d, const char *role, const char *sub, const char *room)
{
  const char *argv[] = {
      wt_it_witnessctl(),     "token", "--data", d->data_dir, "--role", role, "--sub", sub,
      room ? "--room" : NULL, room,    NULL};
  g_autofree char *out = NULL, *err = NULL;
  int status = wt_it_run(argv, d->dir, 30000, &out, &err);
  if (status != 0)
    g_test_message("witnessctl token failed (%d): %s", status, err);
  g_assert_cmpint(status, ==, 0);
  g_strstrip(out);
  g_auto(GStrv) parts = g_strsplit(out, ".", -1);
  g_assert_cmpuint(g_strv_length(parts), ==, 3);
  wt_it_daemon_forbid_in_log(d, out);
  return g_steal_pointer(&out);
}

char *
wt_it_base64url(const guint8 *data, gsize len)
{
  char *b64 = g_base64_encode(data, len);
  char *w = b64;
  for (const char *r = b64; *r; r++) {
    if (*r == '=')
      continue;
    *w++ = *r == '+' ? '-' : *r == '/' ? '_' : *r;
  }
  *w = 0;
  return b64;
}

char *
wt_it_jwt_sign(const char *alg, int checksum, const char *payload_json, const char *key)
{
  g_autofree char *header = g_strdup_printf("{\"alg\":\"%s\",\"typ\":\"JWT\"}", alg);
  g_autofree char *h = wt_it_base64url((const guint8 *)header, strlen(header));
  g_autofree char *p = wt_it_base64url((const guint8 *)payload_json, strlen(payload_json));
  g_autofree char *signing_input = g_strdup_printf("%s.%s", h, p);
  if (checksum < 0)
    return g_strdup_printf("%s.", signing_input);
  g_autoptr(GHmac) hmac = g_hmac_new((GChecksumType)checksum, (const guchar *)key, strlen(key));
  g_hmac_update(hmac, (const guchar *)signing_input, -1);
  guint8 digest[64];
  gsize digest_len = sizeof digest;
  g_hmac_get_digest(hmac, digest, &digest_len);
  g_autofree char *s = wt_it_base64url(digest, digest_len);
  return g_strdup_printf("%s.%s", signing_input, s);
}
