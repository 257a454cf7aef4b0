/* signaling_private.h — state shared by the files of signaling/ only.
 *
 * WtSignaling is the per-vhost state (one per daemon); WtSession is the
 * per-connection state of one /ws client, created when the WebSocket is
 * established and freed when it closes. Both live on the signaling thread.
 */
#pragma once

#include <libwebsockets.h>

#include "ratelimit.h"
#include "signaling.h"

struct _WtSignaling {
  WtSignalingConfig config;
  char *listen_address, *web_root, *tls_cert, *tls_key; /* owned copies of config strings */
  GBytes *token_secret;
  WtSignalingHandlers handlers;
  gpointer user_data;
  GMainLoop *loop;
  GMainContext *context;
  struct lws_context *lws; /* set to NULL by libwebsockets once destroyed */
  struct lws_vhost *vhost;
  lws_retry_bo_t idle_policy;
  struct lws_http_mount mounts[5];
  struct lws_protocols protocols[2];
  char *url;
  gboolean stopping;

  GHashTable *sessions; /* guint64 id -> WtSession*, not owned */
  guint64 next_session_id;

  /* Counters for /metrics. */
  guint64 connections_total;
  guint64 messages_total;
  guint64 http_requests_total;
  GHashTable *errors_by_code;   /* const char* (static) -> guint64 count, in a pointer */
  GHashTable *closes_by_reason; /* const char* (static) -> guint64 count */
};

typedef struct {
  guint64 id;
  WtSignaling *sig;
  struct lws *wsi;
  char peer[64];
  GByteArray *rx; /* fragments of the message being received */
  GQueue outq;    /* GBytes, each LWS_PRE bytes of headroom then the text */
  gsize out_bytes;
  gboolean rx_paused;
  WtIdentity *who; /* NULL until hello */
  WtRateLimit rate;
  GSource *hello_timer;
  int close_status; /* non-zero: close with this status once the queue is sent */
  char *close_reason;
} WtSession;

/* A file being sent under /media/ (http_media.c). */
typedef struct _WtMediaStream WtMediaStream;

/* What libwebsockets keeps per connection for us: one pointer either way. */
typedef struct {
  WtSession *session;   /* WebSocket connections */
  GBytes *http_body;    /* plain HTTP answers (/healthz, /metrics) */
  WtMediaStream *media; /* a /media/ file being streamed, NULL otherwise */
} WtConnData;

/* ws.c: WebSocket reasons of the protocol callback. */
int wt_ws_callback(struct lws *wsi, enum lws_callback_reasons reason, WtConnData *conn, void *in,
                   size_t len);
/* Queues @json (transfer full) to @session. */
void wt_session_send(WtSession *session, char *json);
/* Sends what is queued, then closes with @status and @reason. */
void wt_session_close_later(WtSession *session, int status, const char *reason);

/* http.c: the plain HTTP endpoints. */
int wt_http_callback(struct lws *wsi, enum lws_callback_reasons reason, WtConnData *conn, void *in,
                     size_t len);

/* http_media.c: GET and HEAD under /media/ (files with range requests). */
gboolean wt_http_media_wants(struct lws *wsi);
int wt_http_media_begin(struct lws *wsi, WtSignaling *sig, WtConnData *conn);
/* Sends the next chunk; returns as a WRITEABLE callback does. */
int wt_http_media_writeable(struct lws *wsi, WtConnData *conn);
/* Closes the file of @conn's stream, if any (every way a connection ends). */
void wt_http_media_clear(WtConnData *conn);

/* Counts one more of a (static) label. */
void wt_signaling_count(GHashTable *table, const char *label);
