/* http_media.c — GET and HEAD under /media/: files of the data folder, named
 * by a signed URL, served with single byte ranges (Debian's libwebsockets is
 * built without LWS_WITH_RANGES, so the 206 is ours).
 *
 * The daemon's media_file handler checks the URL and names the file; here it
 * is opened once, the Range header decides what part is sent (http_range.h),
 * and the bytes go out in chunks, one per LWS_CALLBACK_HTTP_WRITEABLE: never
 * a whole segment in memory, and the next chunk is read only when the socket
 * took the last one (libwebsockets holds back WRITEABLE while it still has
 * unsent bytes), so a slow or paused <video> sets the pace. The file
 * descriptor is closed when the last byte is written or the connection ends,
 * whichever comes first. Signaling thread only.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http_range.h"
#include "signaling_private.h"

/* Bytes per write: large enough for loopback throughput, small enough to
 * keep hundreds of players in memory. */
#define CHUNK (128 * 1024)
/* Longest URL path accepted (the path part of a signed URL is at most 1024). */
#define MAX_URI 2048

struct _WtMediaStream {
  int fd;
  guint64 offset;    /* next byte to send */
  guint64 remaining; /* bytes still to send */
  guint8 *buf;       /* LWS_PRE + CHUNK */
};

void
wt_http_media_clear(WtConnData *conn)
{
  if (!conn || !conn->media)
    return;
  WtMediaStream *m = g_steal_pointer(&conn->media);
  close(m->fd);
  g_free(m->buf);
  g_free(m);
}

gboolean
wt_http_media_wants(struct lws *wsi)
{
  char *uri = NULL;
  int len = 0;
  int method = lws_http_get_uri_and_method(wsi, &uri, &len);
  if (method < 0 || !uri || len < 6)
    return FALSE;
  return strncmp(uri, "/media", 6) == 0 && (len == 6 || uri[6] == '/');
}

static const char *
content_type(const char *path)
{
  static const struct {
    const char *ext, *type;
  } types[] = {
      {".webm", "video/webm"},       {".mkv", "video/x-matroska"},
      {".json", "application/json"}, {".jsonl", "application/x-ndjson"},
      {".jpg", "image/jpeg"},        {".tar", "application/x-tar"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(types); i++) {
    if (g_str_has_suffix(path, types[i].ext))
      return types[i].type;
  }
  return "application/octet-stream";
}

static int
add_header(struct lws *wsi, const char *name, const char *value, guint8 **p, guint8 *end)
{
  return lws_add_http_header_by_name(wsi, (const unsigned char *)name, (const unsigned char *)value,
                                     (int)strlen(value), p, end);
}

/* Status line and headers of a media answer; @range (may be NULL) is the
 * Content-Range value, @filename (may be NULL) makes it a download. */
static int
send_headers(struct lws *wsi, guint status, const char *type, guint64 length, const char *range,
             const char *filename)
{
  guint8 buf[LWS_PRE + 1024];
  guint8 *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;
  if (lws_add_http_common_headers(wsi, status, type, length, &p, end) ||
      add_header(wsi, "accept-ranges:", "bytes", &p, end) ||
      add_header(wsi, "cache-control:", "private, no-store", &p, end) ||
      (range && add_header(wsi, "content-range:", range, &p, end)))
    return -1;
  if (filename) {
    g_autofree char *disposition = g_strdup_printf("attachment; filename=\"%s\"", filename);
    if (add_header(wsi, "content-disposition:", disposition, &p, end))
      return -1;
  }
  return lws_finalize_write_http_header(wsi, start, &p, end) ? -1 : 0;
}

/* A JSON error {"error","reason"} as /api/ answers them; no body for HEAD. */
static int
send_error(struct lws *wsi, WtConnData *conn, gboolean head, guint status, const char *code,
           const char *reason, const char *range)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "error");
  json_builder_add_string_value(b, code);
  json_builder_set_member_name(b, "reason");
  json_builder_add_string_value(b, reason);
  json_builder_end_object(b);
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  char *json = json_to_string(root, FALSE);
  gsize len = strlen(json);
  conn->http_body = head ? g_bytes_new(NULL, 0) : g_bytes_new_take(json, len);
  if (head)
    g_free(json);
  guint8 buf[LWS_PRE + 512];
  guint8 *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;
  if (lws_add_http_common_headers(wsi, status, "application/json", len, &p, end) ||
      add_header(wsi, "cache-control:", "no-store", &p, end) ||
      (range && add_header(wsi, "content-range:", range, &p, end)) ||
      lws_finalize_write_http_header(wsi, start, &p, end))
    return 1;
  lws_callback_on_writable(wsi);
  return 0;
}

static const char *
code_for_status(guint status)
{
  switch (status) {
  case 403:
    return "forbidden";
  case 410:
    return "expired";
  case 404:
    return "not-found";
  default:
    return "internal";
  }
}

/* The Range header (transfer full), NULL when absent, or when If-Range is
 * present: we send no validators, so a conditional range is answered whole. */
static char *
range_header(struct lws *wsi)
{
  int len = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_RANGE);
  if (len <= 0 || lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_IF_RANGE) > 0)
    return NULL;
  char *value = g_malloc((gsize)len + 1);
  if (lws_hdr_copy(wsi, value, len + 1, WSI_TOKEN_HTTP_RANGE) < 0) {
    g_free(value);
    return NULL;
  }
  return value;
}

/* Opens @path for reading; -1 unless it is a regular file. *@size its size. */
static int
open_regular(const char *path, guint64 *size)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return -1;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return -1;
  }
  *size = (guint64)st.st_size;
  return fd;
}

/* Starts the answer for an opened file: headers now, bytes when writable. */
static int
start_stream(struct lws *wsi, WtConnData *conn, gboolean head, const char *path, int fd,
             guint64 size)
{
  g_autofree char *header = range_header(wsi);
  guint64 first = 0, last = size ? size - 1 : 0;
  WtHttpRange r = wt_http_range_parse(header, size, &first, &last);
  if (r == WT_HTTP_RANGE_UNSATISFIABLE) {
    close(fd);
    g_autofree char *cr = g_strdup_printf("bytes */%" G_GUINT64_FORMAT, size);
    return send_error(wsi, conn, head, 416, "bad-range", "the range is beyond the end of the file",
                      cr);
  }
  guint64 length = r == WT_HTTP_RANGE_PARTIAL ? last - first + 1 : size;
  g_autofree char *cr =
      r == WT_HTTP_RANGE_PARTIAL
          ? g_strdup_printf("bytes %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT,
                            first, last, size)
          : NULL;
  g_autofree char *base = g_path_get_basename(path);
  gboolean download = g_str_has_suffix(path, ".tar");
  if (send_headers(wsi, r == WT_HTTP_RANGE_PARTIAL ? 206 : 200, content_type(path), length, cr,
                   download ? base : NULL)) {
    close(fd);
    return 1;
  }
  if (head || length == 0) {
    close(fd);
    conn->http_body = g_bytes_new(NULL, 0); /* http.c ends the transaction */
  } else {
    WtMediaStream *m = g_new0(WtMediaStream, 1);
    m->fd = fd;
    m->offset = first;
    m->remaining = length;
    m->buf = g_malloc(LWS_PRE + CHUNK);
    conn->media = m;
  }
  lws_callback_on_writable(wsi);
  return 0;
}

int
wt_http_media_begin(struct lws *wsi, WtSignaling *sig, WtConnData *conn)
{
  sig->http_requests_total++;
  char *uri_ptr = NULL;
  int uri_len = 0;
  int method = lws_http_get_uri_and_method(wsi, &uri_ptr, &uri_len);
  gboolean head = method == LWSHUMETH_HEAD;
  if (method != LWSHUMETH_GET && !head)
    return send_error(wsi, conn, FALSE, 405, "bad-message", "only GET and HEAD are served here",
                      NULL);
  if (uri_len > MAX_URI)
    return send_error(wsi, conn, head, 414, "bad-message", "the URL is too long", NULL);
  if (!sig->handlers.media_file)
    return send_error(wsi, conn, head, 404, "not-found", "media are not served here", NULL);
  g_autofree char *uri = g_strndup(uri_ptr, (gsize)uri_len);
  guint status = 404;
  g_autofree char *reason = NULL;
  g_autofree char *path = sig->handlers.media_file(uri, &status, &reason, sig->user_data);
  if (!path)
    return send_error(wsi, conn, head, status, code_for_status(status), reason ? reason : "refused",
                      NULL);
  guint64 size = 0;
  int fd = open_regular(path, &size);
  if (fd < 0) {
    g_message("media: cannot open %s: %s", path, g_strerror(errno));
    return send_error(wsi, conn, head, 404, "not-found", "no such file", NULL);
  }
  return start_stream(wsi, conn, head, path, fd, size);
}

int
wt_http_media_writeable(struct lws *wsi, WtConnData *conn)
{
  WtMediaStream *m = conn->media;
  size_t want = (size_t)MIN((guint64)CHUNK, m->remaining);
  ssize_t n = pread(m->fd, m->buf + LWS_PRE, want, (off_t)m->offset);
  if (n <= 0) {
    /* The file shrank or failed under us: the length we promised cannot be
     * kept, so the connection is closed rather than padded. */
    g_warning("media: read failed at byte %" G_GUINT64_FORMAT ": %s", m->offset,
              n < 0 ? g_strerror(errno) : "file shorter than when opened");
    wt_http_media_clear(conn);
    return -1;
  }
  m->offset += (guint64)n;
  m->remaining -= (guint64)n;
  gboolean done = m->remaining == 0;
  if (lws_write(wsi, m->buf + LWS_PRE, (size_t)n, done ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) !=
      (int)n) {
    wt_http_media_clear(conn);
    return -1;
  }
  if (!done) {
    lws_callback_on_writable(wsi);
    return 0;
  }
  wt_http_media_clear(conn);
  return lws_http_transaction_completed(wsi) ? -1 : 0;
}
