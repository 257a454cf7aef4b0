/* harness.h — helpers for the integration tests: run witnessd and witnessctl
 * as child processes and talk to them over HTTP and WebSocket (libsoup 3).
 *
 * Every helper blocks: it iterates the thread-default main context until its
 * answer arrives or a timeout passes, so a test reads top to bottom. Call them
 * from the test's main thread only.
 *
 * The binaries come from the environment that tests/meson.build sets up:
 * WITNESSD and WITNESSCTL. Each daemon gets its own temporary folder (data,
 * config, stderr log), removed by wt_it_daemon_free(). Children get SIGKILL
 * when the test process dies, so a failed assertion leaves no server behind.
 *
 * Example:
 *   g_autoptr(WtItDaemon) d = wt_it_daemon_start(NULL);
 *   g_autofree char *token = wt_it_mint(d, "staff", "alice", NULL);
 *   g_autoptr(WtItWs) ws = wt_it_ws_hello(d, token, NULL);
 *   g_autoptr(JsonObject) reply = wt_it_ws_request(ws, "{\"type\":\"ping\",\"id\":2}");
 *   wt_it_assert_result(reply, 2);
 *   wt_it_daemon_stop_clean(d);
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* Generous, because the suite also runs under AddressSanitizer on busy machines. */
#define WT_IT_START_TIMEOUT_MS 30000
#define WT_IT_REPLY_TIMEOUT_MS 10000
/* Exit code of a child whose sanitizer reported something (set through
 * ASAN_OPTIONS/UBSAN_OPTIONS), so it never passes for exit 1 or 2. */
#define WT_IT_SANITIZER_EXIT 86

/* ---- Processes ----------------------------------------------------------- */

/* Runs @argv (transfer none) to completion, at most @timeout_ms, with @cwd
 * (may be NULL) as working folder. Returns its exit code (WT_IT_SANITIZER_EXIT
 * after a sanitizer report); 128 + N when killed by signal N; -1 when it had
 * to be killed after the timeout. *@out and *@err (may be NULL) receive its
 * stdout and stderr (transfer full). */
int wt_it_run(const char *const *argv, const char *cwd, guint timeout_ms, char **out, char **err);

/* Runs the default main context for @ms milliseconds (sockets keep being served). */
void wt_it_pump(guint ms);

/* The path of WITNESSD / WITNESSCTL from the environment (fails the test when unset). */
const char *wt_it_witnessd(void);
const char *wt_it_witnessctl(void);

/* A fresh temporary folder (transfer full); remove it with wt_it_rm_rf(). */
char *wt_it_make_temp_dir(void);
/* Removes @path and everything under it; fine if it is missing. */
void wt_it_rm_rf(const char *path);

/* ---- witnessd ------------------------------------------------------------ */

typedef struct _WtItDaemon WtItDaemon;

/* Prepares (does not start) a witnessd with a new temporary folder holding
 * data/ and, when @config (may be NULL) is given, witness.conf with that key
 * file text. It will run as: witnessd --data DIR/data --http-port 0
 * [--config DIR/witness.conf] [extra args]. */
WtItDaemon *wt_it_daemon_new(const char *config);
/* Appends one command-line argument (copied). Before wt_it_daemon_spawn() only. */
void wt_it_daemon_add_arg(WtItDaemon *d, const char *arg);
/* Starts it and waits for "listening on URL" on its stdout. FALSE with @error
 * when it exits first or does not say it within WT_IT_START_TIMEOUT_MS; its
 * stderr is in the error message. */
gboolean wt_it_daemon_spawn(WtItDaemon *d, GError **error);
/* wt_it_daemon_new() + wt_it_daemon_spawn(), failing the test when it does not start. */
WtItDaemon *wt_it_daemon_start(const char *config);
/* A restart: a new witnessd with @config started on @old's data folder (moved
 * into the new one's place; @old must have stopped), failing the test when it
 * does not start. */
WtItDaemon *wt_it_daemon_restart(WtItDaemon *old, const char *config);

/* Starts @d expecting it to refuse to start: asserts it never printed its
 * listening line and left no sanitizer report, and returns its exit code.
 * *@log (may be NULL) gets its stderr. Leak stacks are unwound slowly here so
 * that lsan.supp can name third-party frames. */
int wt_it_daemon_expect_failure(WtItDaemon *d, char **log);
/* Asserts @log holds no AddressSanitizer, LeakSanitizer or UBSan report. */
void wt_it_assert_no_sanitizer_report(const char *log);

/* "http://127.0.0.1:PORT" or https (owned by @d; NULL before it started). */
const char *wt_it_daemon_url(WtItDaemon *d);
/* The line it printed, without the newline ("listening on http://..."). */
const char *wt_it_daemon_listening_line(WtItDaemon *d);
guint16 wt_it_daemon_port(WtItDaemon *d);
/* The running daemon's process id (0 when not running). */
int wt_it_daemon_pid(WtItDaemon *d);
const char *wt_it_daemon_data_dir(WtItDaemon *d);
/* The temporary folder of @d (for more files a test wants to put there). */
const char *wt_it_daemon_dir(WtItDaemon *d);
/* Everything it wrote to stderr so far (transfer full). */
char *wt_it_daemon_log(WtItDaemon *d);
/* The HMAC key of its tokens: <data>/secrets/token.key stripped of white space. */
char *wt_it_daemon_secret(WtItDaemon *d);
/* Remembers @text (copied) as something that must never appear in the log;
 * wt_it_daemon_stop_clean() checks. Tokens minted here are remembered already. */
void wt_it_daemon_forbid_in_log(WtItDaemon *d, const char *text);

/* Sends SIGTERM and waits for the exit, at most 10 s, then SIGKILL. Returns
 * the exit code (128 + N if killed by signal N, -1 if it had to be killed);
 * *@elapsed_s (may be NULL) gets the seconds from the signal to the exit. */
int wt_it_daemon_stop(WtItDaemon *d, double *elapsed_s);
/* Same with signal @signo instead of SIGTERM. */
int wt_it_daemon_stop_signal(WtItDaemon *d, int signo, double *elapsed_s);
/* Stops @d and asserts a clean shutdown: exit code 0, no sanitizer report,
 * and none of the forbidden texts, nor the token secret, in its log. */
void wt_it_daemon_stop_clean(WtItDaemon *d);
/* Kills it if still running and removes its temporary folder. */
void wt_it_daemon_free(WtItDaemon *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtItDaemon, wt_it_daemon_free)

/* ---- Tokens -------------------------------------------------------------- */

/* Runs `witnessctl token --data <d's data> --role @role --sub @sub [--room
 * @room]` and returns the token (transfer full), failing the test when
 * witnessctl fails. The token is remembered as forbidden in @d's log. */
char *wt_it_mint(WtItDaemon *d, const char *role, const char *sub, const char *room);

/* A JWT with header {"alg":@alg,"typ":"JWT"} and @payload_json, signed with
 * HMAC-@checksum over @key (G_CHECKSUM_SHA256 for HS256, _SHA512 for HS512);
 * @checksum < 0 leaves the signature empty (as `alg: none` does). */
char *wt_it_jwt_sign(const char *alg, int checksum, const char *payload_json, const char *key);
/* base64url without padding, as JWTs use it (transfer full). */
char *wt_it_base64url(const guint8 *data, gsize len);

/* ---- HTTP ---------------------------------------------------------------- */

/* GET @base_url + @path. Returns the status (0 on a transport error); *@body
 * and *@content_type (may be NULL) receive copies. */
guint wt_it_http_get(const char *base_url, const char *path, char **body, char **content_type);
/* Asserts that GET /healthz on @d answers 200 "ok". */
void wt_it_assert_healthy(WtItDaemon *d);
/* Sends @request verbatim over plain TCP to 127.0.0.1:@port and returns what
 * came back until the server closed (transfer full), for requests libsoup
 * would normalise first (dot segments, odd paths). */
char *wt_it_raw_http(guint16 port, const char *request);

/* Certificates equal to the one in @pem_path are accepted for https/wss from
 * now on (self-signed test certificates); everything else is still refused.
 * NULL trusts none again. */
void wt_it_trust_certificate(const char *pem_path);

/* The shared SoupSession of the harness (transfer none). */
SoupSession *wt_it_soup_session(void);

/* ---- WebSocket ----------------------------------------------------------- */

typedef struct _WtItWs WtItWs;

typedef enum {
  WT_IT_WS_MESSAGE, /* a text message arrived */
  WT_IT_WS_CLOSED,  /* the connection is closed; see wt_it_ws_close_code() */
  WT_IT_WS_TIMEOUT, /* neither, within the timeout */
} WtItWsEvent;

/* Opens a WebSocket to @base_url (http(s)://...) + @path (ws(s)://...).
 * NULL with @error when the handshake fails. */
WtItWs *wt_it_ws_open(const char *base_url, const char *path, GError **error);
/* Opens @d's /ws, failing the test if it cannot. */
WtItWs *wt_it_ws_connect(WtItDaemon *d);
/* Opens @d's /ws, says hello with @token and asserts a result. *@result (may
 * be NULL) receives the reply's `result` object (transfer full). */
WtItWs *wt_it_ws_hello(WtItDaemon *d, const char *token, JsonObject **result);
void wt_it_ws_free(WtItWs *ws);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtItWs, wt_it_ws_free)

/* Queues a text message; it is sent while the helpers below wait. FALSE
 * (nothing sent) when the connection is no longer open. */
gboolean wt_it_ws_send(WtItWs *ws, const char *text);
/* Same, @len bytes of @data as one binary message. */
void wt_it_ws_send_binary(WtItWs *ws, gconstpointer data, gsize len);
/* Waits for the next message: *@text (transfer full) gets it. Messages that
 * arrived before the close are still returned before WT_IT_WS_CLOSED. */
WtItWsEvent wt_it_ws_next(WtItWs *ws, guint timeout_ms, char **text);
/* Like wt_it_ws_next() but fails the test unless a message arrives, and
 * parses it as a JSON object (transfer full). */
JsonObject *wt_it_ws_recv(WtItWs *ws);
/* Sends @text and returns the next message as an object (transfer full). */
JsonObject *wt_it_ws_request(WtItWs *ws, const char *text);
/* Waits, discarding messages, until the connection closes; FALSE on timeout. */
gboolean wt_it_ws_wait_closed(WtItWs *ws, guint timeout_ms);
gboolean wt_it_ws_is_closed(WtItWs *ws);
/* The close code the server sent (1000, 1008, 1009...), 0 if none arrived. */
gushort wt_it_ws_close_code(WtItWs *ws);
/* The close reason the server sent (owned by @ws; "" if none). */
const char *wt_it_ws_close_reason(WtItWs *ws);
/* Messages received so far (including ones already taken). */
guint wt_it_ws_received_count(WtItWs *ws);

/* ---- Assertions on protocol replies -------------------------------------- */

/* Asserts @reply is {"type":"result","id":@id,"result":{...}} and returns the
 * result object (transfer none). */
#define wt_it_assert_result(reply, id)                                                             \
  wt_it_check_result((reply), (id), __FILE__, __LINE__, G_STRFUNC)
/* Asserts @reply is {"type":"error","id":@id,"code":@code,"reason":"<non-empty>"};
 * @id < 0 means the id must be null. */
#define wt_it_assert_error(reply, id, code)                                                        \
  wt_it_check_error((reply), (id), (code), __FILE__, __LINE__, G_STRFUNC)

JsonObject *wt_it_check_result(JsonObject *reply, gint64 id, const char *file, int line,
                               const char *func);
void wt_it_check_error(JsonObject *reply, gint64 id, const char *code, const char *file, int line,
                       const char *func);
/* The string member @name of @obj or NULL. */
const char *wt_it_get_string(JsonObject *obj, const char *name);

/* g_test_init() plus the harness: a temporary root folder for this process
 * (removed even when an assertion aborts), SIGPIPE ignored. */
void wt_it_init(int *argc, char ***argv);
/* g_test_run(), then frees the harness's session and temporary root. */
int wt_it_run_tests(void);

G_END_DECLS
