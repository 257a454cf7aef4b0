/* test_media.c — witnessd serving files by signed URL under /media/ with range
 * requests: whole files, the three forms of a range, 416, HEAD, content types,
 * every refusal (signature, expiry, missing file, traversal, odd Range
 * headers), the file closed when a client goes away mid-transfer, and the
 * throughput of a 100 MB file over loopback.
 *
 * URLs are signed here with the scheme signaling/PROTOCOL.md documents (the
 * key derived from the daemon's token secret), independently of
 * server/signed_url.c. HTTP with libcurl; odd requests over a raw socket.
 */
#include <curl/curl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define SEGMENT "archive/r-20261204T000000Z-abcdef/p-0123456789ab/00001.webm"
#define SEGMENT_SIZE 6000000
#define BIG "archive/r-20261204T000000Z-abcdef/p-0123456789ab/00002.webm"
#define BIG_SIZE (100 * 1024 * 1024)

/* ---- Signing, as PROTOCOL.md says ----------------------------------------- */

/* "/media/<expiry>/<sig>/<rel>" for @d's token secret (transfer full). */
static char *
sign(WtItDaemon *d, const char *rel, gint64 expiry)
{
  g_autofree char *secret = wt_it_daemon_secret(d);
  guint8 key[32], mac[32];
  gsize len = sizeof key;
  g_autoptr(GHmac) k = g_hmac_new(G_CHECKSUM_SHA256, (const guchar *)secret, strlen(secret));
  g_hmac_update(k, (const guchar *)"witness media URL key v1", -1);
  g_hmac_get_digest(k, key, &len);
  g_autofree char *msg = g_strdup_printf("witness-media-v1\n%" G_GINT64_FORMAT "\n%s", expiry, rel);
  g_autoptr(GHmac) h = g_hmac_new(G_CHECKSUM_SHA256, key, sizeof key);
  g_hmac_update(h, (const guchar *)msg, -1);
  len = sizeof mac;
  g_hmac_get_digest(h, mac, &len);
  g_autofree char *sig = wt_it_base64url(mac, sizeof mac);
  wt_it_daemon_forbid_in_log(d, sig); /* a URL is a key: never logged */
  return g_strdup_printf("/media/%" G_GINT64_FORMAT "/%s/%s", expiry, sig, rel);
}

static gint64
now_s(void)
{
  return g_get_real_time() / G_USEC_PER_SEC;
}

/* ---- Fetching ----------------------------------------------------------------- */

typedef struct {
  long status;
  GHashTable *headers; /* lower-case name -> value */
  GByteArray *body;    /* NULL when only counted */
  guint64 received;
  GChecksum *sha;
} Reply;

static void
reply_free(Reply *r)
{
  g_hash_table_unref(r->headers);
  if (r->body)
    g_byte_array_unref(r->body);
  if (r->sha)
    g_checksum_free(r->sha);
  g_free(r);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Reply, reply_free)

static size_t
on_header(char *data, size_t size, size_t n, void *user)
{
  Reply *r = user;
  g_autofree char *line = g_strndup(data, size * n);
  char *colon = strchr(line, ':');
  if (colon) {
    *colon = '\0';
    g_hash_table_replace(r->headers, g_ascii_strdown(line, -1), g_strdup(g_strstrip(colon + 1)));
  }
  return size * n;
}

static size_t
on_body(char *data, size_t size, size_t n, void *user)
{
  Reply *r = user;
  if (r->body)
    g_byte_array_append(r->body, (const guint8 *)data, (guint)(size * n));
  if (r->sha)
    g_checksum_update(r->sha, (const guchar *)data, (gssize)(size * n));
  r->received += size * n;
  return size * n;
}

typedef enum { KEEP_BODY, HASH_BODY } BodyMode;

/* @method "GET" or "HEAD" (or another, sent as is) on @d + @path with an
 * optional Range header. */
static Reply *
fetch_full(WtItDaemon *d, const char *method, const char *path, const char *range, BodyMode mode)
{
  Reply *r = g_new0(Reply, 1);
  r->headers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  if (mode == KEEP_BODY)
    r->body = g_byte_array_new();
  else
    r->sha = g_checksum_new(G_CHECKSUM_SHA256);
  CURL *c = curl_easy_init();
  g_autofree char *url = g_strconcat(wt_it_daemon_url(d), path, NULL);
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
  if (g_str_equal(method, "HEAD"))
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  else if (!g_str_equal(method, "GET"))
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  struct curl_slist *extra = NULL;
  if (range) {
    g_autofree char *h = g_strconcat("Range: ", range, NULL);
    extra = curl_slist_append(extra, h);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, extra);
  }
  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    g_autofree char *log = wt_it_daemon_log(d);
    g_test_message("curl %s %s: %s; witnessd said:\n%s", method, path, curl_easy_strerror(rc), log);
  }
  g_assert_cmpint(rc, ==, CURLE_OK);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
  curl_slist_free_all(extra);
  curl_easy_cleanup(c);
  return r;
}

static Reply *
fetch(WtItDaemon *d, const char *path, const char *range)
{
  return fetch_full(d, "GET", path, range, KEEP_BODY);
}

static const char *
header(Reply *r, const char *name)
{
  return g_hash_table_lookup(r->headers, name);
}

/* Asserts a JSON error body {"error": @code, "reason": "..."} with @status. */
static void
assert_json_error(Reply *r, long status, const char *code)
{
  g_assert_cmpint(r->status, ==, status);
  g_assert_cmpstr(header(r, "content-type"), ==, "application/json");
  g_autoptr(JsonParser) p = json_parser_new();
  g_autoptr(GError) error = NULL;
  g_assert_true(
      json_parser_load_from_data(p, (const char *)r->body->data, (gssize)r->body->len, &error));
  JsonObject *o = json_node_get_object(json_parser_get_root(p));
  g_assert_cmpstr(json_object_get_string_member(o, "error"), ==, code);
  g_assert_cmpstr(json_object_get_string_member(o, "reason"), !=, "");
}

/* ---- Fixture: one daemon, files in its data folder ------------------------------- */

static WtItDaemon *daemon_;
static GBytes *segment;

static GBytes *
random_bytes(gsize len, guint32 seed)
{
  GRand *r = g_rand_new_with_seed(seed);
  guint32 *data = g_malloc(len + 4);
  for (gsize i = 0; i < len / 4 + 1; i++)
    data[i] = g_rand_int(r);
  g_rand_free(r);
  return g_bytes_new_take(data, len);
}

static char *
data_path(const char *rel)
{
  return g_build_filename(wt_it_daemon_data_dir(daemon_), rel, NULL);
}

static void
put(const char *rel, GBytes *bytes)
{
  g_autofree char *path = data_path(rel);
  g_autofree char *dir = g_path_get_dirname(path);
  g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
  g_autoptr(GError) error = NULL;
  g_file_set_contents(path, g_bytes_get_data(bytes, NULL), (gssize)g_bytes_get_size(bytes), &error);
  g_assert_no_error(error);
}

/* ---- Tests --------------------------------------------------------------------- */

static void
test_whole(void)
{
  g_autofree char *url = sign(daemon_, SEGMENT, now_s() + 60);
  g_autoptr(Reply) r = fetch(daemon_, url, NULL);
  g_assert_cmpint(r->status, ==, 200);
  g_assert_cmpstr(header(r, "content-type"), ==, "video/webm");
  g_assert_cmpstr(header(r, "accept-ranges"), ==, "bytes");
  g_assert_cmpstr(header(r, "cache-control"), ==, "private, no-store");
  g_assert_cmpstr(header(r, "content-length"), ==, G_STRINGIFY(SEGMENT_SIZE));
  g_assert_null(header(r, "content-range"));
  g_assert_null(header(r, "content-disposition"));
  g_autoptr(GBytes) got = g_byte_array_free_to_bytes(g_steal_pointer(&r->body));
  g_assert_true(g_bytes_equal(got, segment));
}

/* Asserts GET @range answers 206 with bytes @first..@last of the segment. */
static void
assert_partial(const char *url, const char *range, guint64 first, guint64 last)
{
  g_autoptr(Reply) r = fetch(daemon_, url, range);
  g_test_message("Range: %s", range);
  g_assert_cmpint(r->status, ==, 206);
  g_autofree char *cr = g_strdup_printf("bytes %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT "/%d",
                                        first, last, SEGMENT_SIZE);
  g_assert_cmpstr(header(r, "content-range"), ==, cr);
  g_assert_cmpstr(header(r, "accept-ranges"), ==, "bytes");
  g_assert_cmpuint(r->body->len, ==, last - first + 1);
  const guint8 *all = g_bytes_get_data(segment, NULL);
  g_assert_cmpmem(r->body->data, r->body->len, all + first, last - first + 1);
}

static void
test_ranges(void)
{
  g_autofree char *url = sign(daemon_, SEGMENT, now_s() + 60);
  assert_partial(url, "bytes=100-199", 100, 199);
  assert_partial(url, "bytes=-10", SEGMENT_SIZE - 10, SEGMENT_SIZE - 1);
  assert_partial(url, "bytes=5000000-", 5000000, SEGMENT_SIZE - 1);
  assert_partial(url, "bytes=5999999-9999999999", SEGMENT_SIZE - 1, SEGMENT_SIZE - 1);
  assert_partial(url, "bytes=0-0", 0, 0);

  /* Past the end: 416 with the size. */
  g_autoptr(Reply) past = fetch(daemon_, url, "bytes=6000000-");
  assert_json_error(past, 416, "bad-range");
  g_assert_cmpstr(header(past, "content-range"), ==, "bytes */" G_STRINGIFY(SEGMENT_SIZE));

  /* Several ranges, or a malformed one: the whole file (RFC 9110 lets us ignore Range). */
  const char *ignored[] = {"bytes=0-1,5-6", "bytes=9-3", "bytes=abc", "lines=1-2"};
  for (guint i = 0; i < G_N_ELEMENTS(ignored); i++) {
    g_autoptr(Reply) r = fetch(daemon_, url, ignored[i]);
    g_assert_cmpint(r->status, ==, 200);
    g_assert_cmpuint(r->body->len, ==, SEGMENT_SIZE);
    g_assert_null(header(r, "content-range"));
  }
}

static void
test_head(void)
{
  g_autofree char *url = sign(daemon_, SEGMENT, now_s() + 60);
  g_autoptr(Reply) r = fetch_full(daemon_, "HEAD", url, NULL, KEEP_BODY);
  g_assert_cmpint(r->status, ==, 200);
  g_assert_cmpstr(header(r, "content-length"), ==, G_STRINGIFY(SEGMENT_SIZE));
  g_assert_cmpstr(header(r, "accept-ranges"), ==, "bytes");
  g_assert_cmpuint(r->body->len, ==, 0);
  g_autoptr(Reply) part = fetch_full(daemon_, "HEAD", url, "bytes=10-19", KEEP_BODY);
  g_assert_cmpint(part->status, ==, 206);
  g_assert_cmpstr(header(part, "content-length"), ==, "10");
  g_assert_cmpuint(part->body->len, ==, 0);

  /* HEAD, then GET on the same kept-alive connection: nothing of a body in
   * between to confuse the second answer. */
  g_autofree char *req = g_strdup_printf("HEAD %s HTTP/1.1\r\nHost: x\r\n\r\n"
                                         "GET %s HTTP/1.1\r\nHost: x\r\nRange: bytes=0-3\r\n"
                                         "Connection: close\r\n\r\n",
                                         url, url);
  g_autofree char *raw = wt_it_raw_http(wt_it_daemon_port(daemon_), req);
  g_assert_true(g_str_has_prefix(raw, "HTTP/1.1 200"));
  const char *second = strstr(raw + 1, "HTTP/1.1 206");
  g_assert_nonnull(second);
  /* The first answer ends with its headers: the second starts right after. */
  g_autofree char *first = g_strndup(raw, (gsize)(second - raw));
  g_assert_true(g_str_has_suffix(first, "\r\n\r\n"));
  g_assert_nonnull(strstr(second, "content-range: bytes 0-3/" G_STRINGIFY(SEGMENT_SIZE)));

  /* Two ranges asked for at once on one connection (pipelined): both answered, in order. */
  g_autofree char *two =
      g_strdup_printf("GET %s HTTP/1.1\r\nHost: x\r\nRange: bytes=0-99999\r\n\r\n"
                      "GET %s HTTP/1.1\r\nHost: x\r\nRange: bytes=-5\r\n"
                      "Connection: close\r\n\r\n",
                      url, url);
  g_autofree char *raw2 = wt_it_raw_http(wt_it_daemon_port(daemon_), two);
  g_assert_true(g_str_has_prefix(raw2, "HTTP/1.1 206"));
  g_assert_nonnull(strstr(raw2, "content-range: bytes 0-99999/" G_STRINGIFY(SEGMENT_SIZE)));
  const char *head2 = strstr(raw2, "\r\n\r\n");
  g_assert_nonnull(head2);
  const char *next = head2 + 4 + 100000;
  g_assert_true(g_str_has_prefix(next, "HTTP/1.1 206"));
  g_assert_nonnull(strstr(next, "content-range: bytes 5999995-5999999/" G_STRINGIFY(SEGMENT_SIZE)));
}

static void
test_content_types(void)
{
  const struct {
    const char *rel, *type;
  } files[] = {
      {"archive/r-20261204T000000Z-abcdef/p-0123456789ab/00001.mkv", "video/x-matroska"},
      {"archive/r-20261204T000000Z-abcdef/chain.jsonl", "application/x-ndjson"},
      {"archive/r-20261204T000000Z-abcdef/seal.json", "application/json"},
      {"archive/r-20261204T000000Z-abcdef/liveness/0001.jpg", "image/jpeg"},
      {"archive/r-20261204T000000Z-abcdef/seal.sig", "application/octet-stream"},
      {"exports/r-20261204T000000Z-abcdef-x.tar", "application/x-tar"},
  };
  g_autoptr(GBytes) bytes = random_bytes(1500, 9);
  for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
    put(files[i].rel, bytes);
    g_autofree char *url = sign(daemon_, files[i].rel, now_s() + 60);
    g_autoptr(Reply) r = fetch(daemon_, url, NULL);
    g_assert_cmpint(r->status, ==, 200);
    g_assert_cmpstr(header(r, "content-type"), ==, files[i].type);
    g_assert_cmpuint(r->body->len, ==, 1500);
    const char *disposition = header(r, "content-disposition");
    if (g_str_has_suffix(files[i].rel, ".tar"))
      g_assert_cmpstr(disposition, ==, "attachment; filename=\"r-20261204T000000Z-abcdef-x.tar\"");
    else
      g_assert_null(disposition);
  }
  /* An empty file: 200 with nothing, and any range of it is unsatisfiable. */
  g_autoptr(GBytes) empty = g_bytes_new(NULL, 0);
  put("archive/r-20261204T000000Z-abcdef/empty.json", empty);
  g_autofree char *url =
      sign(daemon_, "archive/r-20261204T000000Z-abcdef/empty.json", now_s() + 60);
  g_autoptr(Reply) r = fetch(daemon_, url, NULL);
  g_assert_cmpint(r->status, ==, 200);
  g_assert_cmpuint(r->body->len, ==, 0);
  g_autoptr(Reply) ranged = fetch(daemon_, url, "bytes=0-");
  assert_json_error(ranged, 416, "bad-range");
}

static void
test_refused(void)
{
  g_autofree char *url = sign(daemon_, SEGMENT, now_s() + 60);
  /* A changed signature. */
  g_autofree char *bad = g_strdup(url);
  char *sig = bad + strlen("/media/") + strcspn(bad + strlen("/media/"), "/") + 1;
  sig[5] = sig[5] == 'A' ? 'B' : 'A';
  g_autoptr(Reply) r1 = fetch(daemon_, bad, NULL);
  assert_json_error(r1, 403, "forbidden");
  /* Another file under the same signature. */
  g_autofree char *other = g_strdup(url);
  other[strlen(other) - 6] = '2';
  g_autoptr(Reply) r2 = fetch(daemon_, other, NULL);
  assert_json_error(r2, 403, "forbidden");
  /* Expired. */
  g_autofree char *old = sign(daemon_, SEGMENT, now_s() - 5);
  g_autoptr(Reply) r3 = fetch(daemon_, old, NULL);
  assert_json_error(r3, 410, "expired");
  /* Signed, but no such file. */
  g_autofree char *missing =
      sign(daemon_, "archive/r-20261204T000000Z-abcdef/nope.webm", now_s() + 60);
  g_autoptr(Reply) r4 = fetch(daemon_, missing, NULL);
  assert_json_error(r4, 404, "not-found");
  /* Not a media URL at all. */
  g_autoptr(Reply) r5 = fetch(daemon_, "/media/whatever", NULL);
  assert_json_error(r5, 404, "not-found");
  g_autoptr(Reply) r6 = fetch(daemon_, "/media", NULL);
  assert_json_error(r6, 404, "not-found");
  /* Signed, but a folder. */
  g_autofree char *folder = sign(daemon_, "archive/r-20261204T000000Z-abcdef", now_s() + 60);
  g_autoptr(Reply) r7 = fetch(daemon_, folder, NULL);
  assert_json_error(r7, 404, "not-found");
  /* Another method. */
  g_autoptr(Reply) r8 = fetch_full(daemon_, "DELETE", url, NULL, KEEP_BODY);
  g_assert_cmpint(r8->status, >=, 400);
  g_assert_cmpint(r8->status, <, 500);
  g_autofree char *seg_path = data_path(SEGMENT);
  g_assert_true(g_file_test(seg_path, G_FILE_TEST_IS_REGULAR));
}

/* Asserts @raw is an HTTP answer that serves nothing: a 4xx, or a closed
 * connection; and never the token secret. */
static void
assert_refused_raw(const char *raw, const char *secret)
{
  g_test_message("answer: %.40s", raw);
  if (*raw)
    g_assert_true(g_regex_match_simple("^HTTP/1\\.[01] 4[0-9][0-9]", raw, 0, 0));
  g_assert_null(strstr(raw, secret));
}

static void
test_traversal(void)
{
  g_autofree char *secret = wt_it_daemon_secret(daemon_);
  guint16 port = wt_it_daemon_port(daemon_);
  gint64 exp = now_s() + 60;
  /* Even correctly signed, a path with dot segments, doubled or encoded
   * separators, or under secrets/ is refused. */
  const char *paths[] = {
      "archive/../secrets/token.key",
      "secrets/token.key",
      "archive/r-20261204T000000Z-abcdef/../../secrets/token.key",
      "archive//r-20261204T000000Z-abcdef/seal.json",
      "archive/%2e%2e/secrets/token.key",
      "archive%2f..%2fsecrets%2ftoken.key",
      "archive/..%2fsecrets/token.key",
      "archive\\..\\secrets\\token.key",
      "./secrets/token.key",
      "witness.db",
  };
  for (guint i = 0; i < G_N_ELEMENTS(paths); i++) {
    g_autofree char *url = sign(daemon_, paths[i], exp);
    g_autofree char *req =
        g_strdup_printf("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", url);
    g_autofree char *raw = wt_it_raw_http(port, req);
    g_test_message("%s", paths[i]);
    g_assert_true(*raw);
    assert_refused_raw(raw, secret);
  }
  /* A link in the data folder that leads out of it. */
  g_autofree char *link = data_path("archive/r-20261204T000000Z-abcdef/passwd.json");
  g_assert_cmpint(symlink("/etc/passwd", link), ==, 0);
  g_autofree char *url = sign(daemon_, "archive/r-20261204T000000Z-abcdef/passwd.json", exp);
  g_autoptr(Reply) r = fetch(daemon_, url, NULL);
  assert_json_error(r, 403, "forbidden");
  g_assert_cmpint(g_unlink(link), ==, 0);
}

static void
test_bad_range_header(void)
{
  g_autofree char *secret = wt_it_daemon_secret(daemon_);
  g_autofree char *url = sign(daemon_, "archive/r-20261204T000000Z-abcdef/seal.json", now_s() + 60);
  /* 4 KiB of garbage: more than libwebsockets keeps for headers, so the
   * request is dropped (or refused), never served, and the server lives on. */
  g_autofree char *garbage = g_strnfill(4096, 'x');
  g_autofree char *req = g_strdup_printf(
      "GET %s HTTP/1.1\r\nHost: x\r\nRange: %s\r\nConnection: close\r\n\r\n", url, garbage);
  g_autofree char *raw = wt_it_raw_http(wt_it_daemon_port(daemon_), req);
  assert_refused_raw(raw, secret);
  /* 1 KiB of it fits: ignored, so the whole file. */
  garbage[1024] = '\0';
  g_autoptr(Reply) r = fetch(daemon_, url, garbage);
  g_assert_cmpint(r->status, ==, 200);
  g_assert_cmpuint(r->body->len, ==, 1500);
  /* Binary junk in the header. */
  g_autofree char *junk = g_strdup_printf(
      "GET %s HTTP/1.1\r\nHost: x\r\nRange: bytes=\x01\x7f\xff-\xfe\r\nConnection: close\r\n\r\n",
      url);
  g_autofree char *raw2 = wt_it_raw_http(wt_it_daemon_port(daemon_), junk);
  g_assert_true(!*raw2 || g_str_has_prefix(raw2, "HTTP/1.1 200") ||
                g_regex_match_simple("^HTTP/1\\.1 4", raw2, 0, 0));
  wt_it_assert_healthy(daemon_);
}

/* How many of @pid's file descriptors are open on @path. */
static guint
open_count(int pid, const char *path)
{
  g_autofree char *fd_dir = g_strdup_printf("/proc/%d/fd", pid);
  g_autoptr(GDir) d = g_dir_open(fd_dir, 0, NULL);
  g_assert_nonnull(d);
  guint n = 0;
  const char *name;
  while ((name = g_dir_read_name(d))) {
    g_autofree char *fd = g_build_filename(fd_dir, name, NULL);
    g_autofree char *target = g_file_read_link(fd, NULL);
    if (target && g_str_equal(target, path))
      n++;
  }
  return n;
}

/* Asks for the 100 MiB file on a raw connection and reads only the first
 * 64 KiB of the answer; the connection (transfer full) stays open. */
static GSocketConnection *
start_slow_download(void)
{
  g_autofree char *url = sign(daemon_, BIG, now_s() + 60);
  g_autoptr(GSocketClient) client = g_socket_client_new();
  g_autoptr(GError) error = NULL;
  GSocketConnection *conn = g_socket_client_connect_to_host(
      client, "127.0.0.1", wt_it_daemon_port(daemon_), NULL, &error);
  g_assert_no_error(error);
  g_autofree char *req = g_strdup_printf("GET %s HTTP/1.1\r\nHost: x\r\n\r\n", url);
  g_output_stream_write_all(g_io_stream_get_output_stream(G_IO_STREAM(conn)), req, strlen(req),
                            NULL, NULL, &error);
  g_assert_no_error(error);
  char buf[65536];
  gssize n = g_input_stream_read(g_io_stream_get_input_stream(G_IO_STREAM(conn)), buf,
                                 sizeof buf - 1, NULL, &error);
  g_assert_cmpint(n, >, 0);
  buf[n] = '\0';
  g_assert_true(g_str_has_prefix(buf, "HTTP/1.1 200"));
  return conn;
}

static void
test_client_goes_away(void)
{
  g_autofree char *path = data_path(BIG);
  g_autofree char *real = realpath(path, NULL);
  int pid = wt_it_daemon_pid(daemon_);
  GSocketConnection *conn = start_slow_download();
  /* The client reads no more: the server holds the file open, waits for the
   * socket (backpressure) and keeps answering others meanwhile. */
  g_usleep(300 * 1000);
  g_assert_cmpuint(open_count(pid, real), ==, 1);
  wt_it_assert_healthy(daemon_);
  /* The client goes away: the file is closed. */
  g_io_stream_close(G_IO_STREAM(conn), NULL, NULL);
  g_object_unref(conn);
  for (guint i = 0; i < 100 && open_count(pid, real) > 0; i++)
    g_usleep(50 * 1000);
  g_assert_cmpuint(open_count(pid, real), ==, 0);
  wt_it_assert_healthy(daemon_);
}

/* A client that reads steadily but slowly (about 2 MB/s) keeps its download
 * past libwebsockets' own content timeout (10 s here): the timeout is a
 * stall timeout, pushed back by every chunk. */
static void
test_slow_reader(void)
{
  GSocketConnection *conn = start_slow_download();
  GInputStream *in = g_io_stream_get_input_stream(G_IO_STREAM(conn));
  g_autoptr(GError) error = NULL;
  char buf[65536];
  guint64 total = 0;
  gint64 t0 = g_get_monotonic_time();
  while (g_get_monotonic_time() - t0 < 13 * G_USEC_PER_SEC) {
    gssize n = g_input_stream_read(in, buf, sizeof buf, NULL, &error);
    g_assert_no_error(error);
    if (n == 0)
      g_test_message("closed after %.1f s and %" G_GUINT64_FORMAT " bytes",
                     (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC, total);
    g_assert_cmpint(n, >, 0);
    total += (guint64)n;
    g_usleep(30 * 1000);
  }
  g_assert_cmpuint(total, <, BIG_SIZE); /* still going: the test measured what it meant to */
  g_io_stream_close(G_IO_STREAM(conn), NULL, NULL);
  g_object_unref(conn);
}

static void
test_throughput(void)
{
  g_autofree char *path = data_path(BIG);
  g_autofree char *contents = NULL;
  gsize len = 0;
  g_assert_true(g_file_get_contents(path, &contents, &len, NULL));
  g_autofree char *want =
      g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)contents, len);
  g_clear_pointer(&contents, g_free);

  g_autofree char *url = sign(daemon_, BIG, now_s() + 60);
  gint64 t0 = g_get_monotonic_time();
  g_autoptr(Reply) r = fetch_full(daemon_, "GET", url, NULL, HASH_BODY);
  double s = (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC;
  g_assert_cmpint(r->status, ==, 200);
  g_assert_cmpuint(r->received, ==, BIG_SIZE);
  g_assert_cmpstr(g_checksum_get_string(r->sha), ==, want);
  double mbps = BIG_SIZE / 1e6 / s;
  g_test_message("throughput: %d MB in %.2f s = %.0f MB/s over loopback", BIG_SIZE / 1000000, s,
                 mbps);
  g_printerr("# /media/ throughput: %.0f MB/s (100 MiB in %.2f s)\n", mbps, s);
  /* The same from the middle, as a seek does. */
  g_autoptr(Reply) tail = fetch_full(daemon_, "GET", url, "bytes=52428800-", HASH_BODY);
  g_assert_cmpint(tail->status, ==, 206);
  g_assert_cmpuint(tail->received, ==, BIG_SIZE - 52428800);
  g_autofree char *real = realpath(path, NULL);
  g_assert_cmpuint(open_count(wt_it_daemon_pid(daemon_), real), ==, 0);
}

/* The tests share one daemon: started first, stopped (and checked clean) last. */
static void
test_start(void)
{
  daemon_ = wt_it_daemon_start(NULL);
  segment = random_bytes(SEGMENT_SIZE, 1);
  put(SEGMENT, segment);
  g_autoptr(GBytes) big = random_bytes(BIG_SIZE, 2);
  put(BIG, big);
}

static void
test_stop(void)
{
  /* A download still going when the server stops: its file and state are
   * freed (LeakSanitizer in the daemon would say otherwise). */
  g_autoptr(GSocketConnection) slow = start_slow_download();
  wt_it_daemon_stop_clean(daemon_);
  g_clear_pointer(&daemon_, wt_it_daemon_free);
  g_clear_pointer(&segment, g_bytes_unref);
}

int
main(int argc, char **argv)
{
  wt_it_init(&argc, &argv);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  g_test_add_func("/media/start", test_start);
  g_test_add_func("/media/whole", test_whole);
  g_test_add_func("/media/ranges", test_ranges);
  g_test_add_func("/media/head", test_head);
  g_test_add_func("/media/content-types", test_content_types);
  g_test_add_func("/media/refused", test_refused);
  g_test_add_func("/media/traversal", test_traversal);
  g_test_add_func("/media/bad-range-header", test_bad_range_header);
  g_test_add_func("/media/client-goes-away", test_client_goes_away);
  g_test_add_func("/media/slow-reader", test_slow_reader);
  g_test_add_func("/media/throughput", test_throughput);
  g_test_add_func("/media/stop", test_stop);
  int rc = wt_it_run_tests();
  curl_global_cleanup();
  return rc;
}
