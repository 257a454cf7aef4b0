/* signaling.h — the front door: HTTP and the /ws WebSocket (libwebsockets).
 *
 * This is the one header the daemon uses. The signaling layer includes nothing
 * from server/: the daemon fills in a WtSignalingHandlers table with what
 * should happen on each command, and calls wt_signaling_send_event() to push
 * events out.
 *
 * Threads: everything here runs on the thread that owns the GMainContext the
 * signaling object was created on (the "signaling thread"). Handlers are
 * called there. wt_signaling_send_event() and wt_signaling_reply*() may be
 * called from any thread: they post a message to that context.
 *
 * Example:
 *   WtSignalingConfig cfg = wt_signaling_config_default();
 *   cfg.port = 0;
 *   WtSignaling *sig = wt_signaling_new(&cfg, &handlers, daemon, loop, &error);
 *   g_print("listening on %s\n", wt_signaling_get_url(sig));
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "protocol.h"
#include "token.h"

G_BEGIN_DECLS

typedef struct _WtSignaling WtSignaling;

/* Everything the front door needs to know; strings are borrowed for the
 * duration of wt_signaling_new() only. */
typedef struct {
  const char *listen_address; /* "127.0.0.1"; "0.0.0.0" for all interfaces */
  int port;                   /* 0 picks a free port */
  const char *web_root;       /* folder served at / */
  const char *tls_cert;       /* PEM file; NULL or "" for plain HTTP */
  const char *tls_key;        /* PEM file; required with tls_cert */
  const guint8 *token_secret; /* HS256 secret */
  gsize token_secret_len;
  guint max_message_bytes;    /* larger WebSocket messages close the connection (1009) */
  double messages_per_second; /* sustained request rate per connection */
  guint message_burst;        /* requests allowed at once before the rate applies */
  guint hello_timeout_s;      /* connections that have not said hello by then are closed */
  guint ping_interval_s;      /* idle connections are pinged after this long */
  guint idle_timeout_s;       /* and closed when nothing (not even a pong) came for this long */
  guint max_connections;      /* WebSocket connections at once */
  guint max_queued_bytes;     /* unsent bytes per connection before reading pauses */
} WtSignalingConfig;

/* The defaults documented in README.md (port 8080 on 127.0.0.1, 64 KiB messages...). */
WtSignalingConfig wt_signaling_config_default(void);

/* A request the daemon handles. The handler owns it (transfer full) and must
 * answer it exactly once with wt_signaling_reply() or wt_signaling_reply_error(),
 * now or later, from any thread. */
typedef struct _WtRequest WtRequest;

guint64 wt_request_get_session(const WtRequest *req);
const WtIdentity *wt_request_get_identity(const WtRequest *req);
const char *wt_request_get_type(const WtRequest *req);
/* The whole request object (transfer none; valid while the request lives). */
JsonObject *wt_request_get_body(const WtRequest *req);

typedef struct {
  /* A connection said hello with a valid token. @who (transfer none). */
  void (*session_opened)(guint64 session, const WtIdentity *who, gpointer user_data);
  /* A request that is neither hello nor ping. Return FALSE, without taking
   * @req, if the type is unknown: signaling answers `unknown-type`. Return
   * TRUE after taking ownership of @req. */
  gboolean (*request)(WtRequest *req, gpointer user_data);
  /* An authenticated connection is gone (closed, timed out or shut down). */
  void (*session_closed)(guint64 session, gpointer user_data);
  /* Adds the daemon's lines to /metrics (Prometheus text format). */
  void (*append_metrics)(GString *out, gpointer user_data);
  /* A GET under /api/ (NULL: 404). @path (transfer none) is the path without
   * query, e.g. "/api/keys"; @who (transfer none) the identity of a valid
   * `Authorization: Bearer <token>`, NULL when there is none or it does not
   * verify. Sets *@status and returns the JSON body (transfer full). */
  char *(*api_get)(const char *path, const WtIdentity *who, guint *status, gpointer user_data);
  /* /healthz (NULL: always ok). FALSE with *@why (transfer full, e.g.
   * "disk low", "notary outbox stuck") answers 503 "degraded: <why>". */
  gboolean (*healthy)(char **why, gpointer user_data);
  /* A GET or HEAD under /media/ (NULL: 404). @url_path (transfer none) is the
   * path without query, e.g. "/media/<expiry>/<signature>/<path>". Returns
   * the absolute path of the file to serve (transfer full), or NULL with
   * *@status 403, 404 or 410 and *@reason (transfer full) saying why. The
   * signaling layer serves the file with range requests (http_media.c). */
  char *(*media_file)(const char *url_path, guint *status, char **reason, gpointer user_data);
} WtSignalingHandlers;

/* Starts listening on @loop's context. @handlers (transfer none, copied),
 * @user_data (transfer none; must outlive the object). Returns NULL with
 * @error when the port cannot be bound or TLS files cannot be loaded. */
WtSignaling *wt_signaling_new(const WtSignalingConfig *config, const WtSignalingHandlers *handlers,
                              gpointer user_data, GMainLoop *loop, GError **error);

/* "http://127.0.0.1:PORT" (or https); owned by @sig. */
const char *wt_signaling_get_url(WtSignaling *sig);

/* Closes every connection (1001, "server shutting down") and frees @sig.
 * Runs @sig's loop until libwebsockets has let go of its sockets, at most
 * @timeout_ms. Call on the signaling thread. */
void wt_signaling_free(WtSignaling *sig, guint timeout_ms);

/* The participant id of @sub, as hello reported it: stable for a `sub`, and
 * revealing nothing of it (transfer full). Any thread. */
char *wt_signaling_participant_id(WtSignaling *sig, const char *sub);

/* Sends @json (transfer full) to @session if it is still connected. Any thread. */
void wt_signaling_send_event(WtSignaling *sig, guint64 session, char *json);

/* Answers @req (transfer full) with @result (transfer full, may be NULL). Any thread. */
void wt_signaling_reply(WtSignaling *sig, WtRequest *req, JsonObject *result);

/* Answers @req (transfer full) with an error. Any thread. */
void wt_signaling_reply_error(WtSignaling *sig, WtRequest *req, const char *code,
                              const char *reason);

G_END_DECLS
