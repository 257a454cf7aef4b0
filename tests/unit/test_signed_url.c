/* test_signed_url.c — signed /media/ URLs (server/signed_url.h): the
 * documented scheme byte for byte, expiry, tampering, and every way a path
 * could leave the data folder.
 */
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "signed_url.h"

#define NOW 1800000000

typedef struct {
  char *root; /* temporary folder: data/ inside, outside.txt next to it */
  char *data;
  GBytes *key;
} Fixture;

static void
put(const char *dir, const char *rel, const char *text)
{
  g_autofree char *path = g_build_filename(dir, rel, NULL);
  g_autofree char *parent = g_path_get_dirname(path);
  g_assert_cmpint(g_mkdir_with_parents(parent, 0700), ==, 0);
  g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

static void
fixture_set_up(Fixture *f, gconstpointer data)
{
  f->root = g_dir_make_tmp("wt-signed-url-XXXXXX", NULL);
  g_assert_nonnull(f->root);
  f->data = g_build_filename(f->root, "data", NULL);
  put(f->data, "archive/rec-1/p-0123456789ab/00001.webm", "segment bytes");
  put(f->data, "exports/rec-1.tar", "tar bytes");
  put(f->data, "secrets/token.key", "0123456789abcdef0123456789abcdef");
  put(f->data, "archive/.hidden", "x");
  put(f->data, "archive/with space.webm", "x");
  put(f->root, "outside.txt", "not served");
  static const char secret[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
  f->key = wt_signed_url_derive_key((const guint8 *)secret, sizeof secret - 1);
}

static void
rm_rf(const char *path)
{
  const char *argv[] = {"rm", "-rf", path, NULL};
  g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                             NULL, NULL));
}

static void
fixture_tear_down(Fixture *f, gconstpointer data)
{
  rm_rf(f->root);
  g_free(f->root);
  g_free(f->data);
  g_bytes_unref(f->key);
}

static char *
make(Fixture *f, const char *path, guint ttl_s)
{
  gsize len = 0;
  const guint8 *key = g_bytes_get_data(f->key, &len);
  return wt_signed_url_make(key, len, f->data, path, ttl_s, NOW);
}

static char *
check(Fixture *f, const char *url, gint64 now, GError **error)
{
  gsize len = 0;
  const guint8 *key = g_bytes_get_data(f->key, &len);
  return wt_signed_url_check(key, len, f->data, url, now, error);
}

/* Asserts @url is refused with @code (and the matching HTTP status). */
static void
assert_refused(Fixture *f, const char *url, gint64 now, WtSignedUrlError code, guint status)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = check(f, url, now, &error);
  if (path)
    g_test_message("%s was accepted as %s", url, path);
  g_assert_null(path);
  g_assert_error(error, WT_SIGNED_URL_ERROR, (gint)code);
  g_assert_cmpstr(error->message, !=, "");
  g_assert_cmpuint(wt_signed_url_http_status(error), ==, status);
}

static void
test_key_derivation(void)
{
  static const char secret[] = "a-token-secret-of-at-least-32-characters";
  g_autoptr(GBytes) k1 = wt_signed_url_derive_key((const guint8 *)secret, sizeof secret - 1);
  g_autoptr(GBytes) k2 = wt_signed_url_derive_key((const guint8 *)secret, sizeof secret - 1);
  g_autoptr(GBytes) other = wt_signed_url_derive_key((const guint8 *)secret, sizeof secret - 2);
  g_assert_cmpuint(g_bytes_get_size(k1), ==, WT_SIGNED_URL_KEY_LEN);
  g_assert_true(g_bytes_equal(k1, k2));
  g_assert_false(g_bytes_equal(k1, other));
  /* HMAC-SHA256(secret, label): the integration test and the docs rely on it. */
  g_autofree char *hex = g_compute_hmac_for_string(
      G_CHECKSUM_SHA256, (const guchar *)secret, sizeof secret - 1, "witness media URL key v1", -1);
  GString *got = g_string_new(NULL);
  const guint8 *b = g_bytes_get_data(k1, NULL);
  for (guint i = 0; i < WT_SIGNED_URL_KEY_LEN; i++)
    g_string_append_printf(got, "%02x", b[i]);
  g_assert_cmpstr(got->str, ==, hex);
  g_string_free(got, TRUE);
}

/* base64url without padding, independently of signed_url.c. */
static char *
b64url(const guint8 *data, gsize len)
{
  char *s = g_base64_encode(data, len);
  g_strdelimit(s, "+", '-');
  g_strdelimit(s, "/", '_');
  char *eq = strchr(s, '=');
  if (eq)
    *eq = '\0';
  return s;
}

static void
test_make_format(Fixture *f, gconstpointer data)
{
  g_autofree char *url = make(f, "archive/rec-1/p-0123456789ab/00001.webm", 300);
  g_assert_nonnull(url);
  g_assert_true(g_regex_match_simple(
      "^/media/1800000300/[A-Za-z0-9_-]{43}/archive/rec-1/p-0123456789ab/00001\\.webm$", url, 0,
      0));
  /* The signature is HMAC-SHA256(key, "witness-media-v1\n<expiry>\n<path>"). */
  gsize key_len = 0;
  const guint8 *key = g_bytes_get_data(f->key, &key_len);
  g_autoptr(GHmac) h = g_hmac_new(G_CHECKSUM_SHA256, key, key_len);
  const char *msg = "witness-media-v1\n1800000300\narchive/rec-1/p-0123456789ab/00001.webm";
  g_hmac_update(h, (const guchar *)msg, -1);
  guint8 digest[32];
  gsize n = sizeof digest;
  g_hmac_get_digest(h, digest, &n);
  g_autofree char *sig = b64url(digest, n);
  g_assert_nonnull(strstr(url, sig));

  /* An absolute path inside the data folder gives the same URL. */
  g_autofree char *abs = g_build_filename(f->data, "archive/rec-1/p-0123456789ab/00001.webm", NULL);
  g_autofree char *url2 = make(f, abs, 300);
  g_assert_cmpstr(url, ==, url2);
}

static void
test_round_trip(Fixture *f, gconstpointer data)
{
  g_autofree char *url = make(f, "exports/rec-1.tar", 60);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = check(f, url, NOW, &error);
  g_assert_no_error(error);
  g_autofree char *want_rel = g_build_filename(f->data, "exports/rec-1.tar", NULL);
  g_autofree char *want = realpath(want_rel, NULL);
  g_assert_cmpstr(path, ==, want);
  /* Still valid in its last second. */
  g_autofree char *last = check(f, url, NOW + 60, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(last, ==, want);
}

static void
test_make_refuses(Fixture *f, gconstpointer data)
{
  g_autofree char *outside = g_build_filename(f->root, "outside.txt", NULL);
  const char *bad[] = {
      outside,
      "../outside.txt",
      "archive/rec-1/../../../outside.txt",
      "/etc/passwd",
      "archive/rec-1",           /* a folder */
      "archive/rec-1/missing",   /* no such file */
      "secrets/token.key",       /* keys are never served */
      "archive/.hidden",         /* dot-names */
      "archive/with space.webm", /* characters the check refuses */
  };
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autofree char *url = make(f, bad[i], 60);
    if (url)
      g_test_message("made %s for %s", url, bad[i]);
    g_assert_null(url);
  }
  /* Dot segments that resolve back inside are fine: the URL names the real path. */
  g_autofree char *url = make(f, "archive/rec-1/../../exports/rec-1.tar", 60);
  g_assert_nonnull(url);
  g_assert_true(g_str_has_suffix(url, "/exports/rec-1.tar"));
}

static void
test_expired(Fixture *f, gconstpointer data)
{
  g_autofree char *url = make(f, "exports/rec-1.tar", 60);
  assert_refused(f, url, NOW + 61, WT_SIGNED_URL_ERROR_EXPIRED, 410);
  assert_refused(f, url, NOW + 100000, WT_SIGNED_URL_ERROR_EXPIRED, 410);
}

/* @url with the first occurrence of @from replaced by @to (transfer full). */
static char *
replace(const char *url, const char *from, const char *to)
{
  const char *at = strstr(url, from);
  g_assert_nonnull(at);
  return g_strdup_printf("%.*s%s%s", (int)(at - url), url, to, at + strlen(from));
}

static void
test_tampered(Fixture *f, gconstpointer data)
{
  put(f->data, "exports/rec-2.tar", "another");
  g_autofree char *url = make(f, "exports/rec-1.tar", 60);
  /* Each character of the signature matters. */
  char *sig = url + strlen("/media/1800000060/");
  for (guint i = 0; i < 43; i++) {
    g_autofree char *copy = g_strdup(url);
    char *c = copy + (sig - url) + i;
    *c = *c == 'A' ? 'B' : 'A';
    assert_refused(f, copy, NOW, WT_SIGNED_URL_ERROR_SIGNATURE, 403);
  }
  g_autofree char *other_file = replace(url, "rec-1.tar", "rec-2.tar");
  assert_refused(f, other_file, NOW, WT_SIGNED_URL_ERROR_SIGNATURE, 403);
  g_autofree char *later = replace(url, "1800000060", "1900000060");
  assert_refused(f, later, NOW, WT_SIGNED_URL_ERROR_SIGNATURE, 403);
  g_autofree char *zero = replace(url, "1800000060", "01800000060");
  assert_refused(f, zero, NOW, WT_SIGNED_URL_ERROR_SIGNATURE, 403);

  /* Another key (another deployment's token secret) does not verify. */
  static const char secret[] = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";
  g_autoptr(GBytes) key = wt_signed_url_derive_key((const guint8 *)secret, sizeof secret - 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = wt_signed_url_check(g_bytes_get_data(key, NULL), g_bytes_get_size(key),
                                              f->data, url, NOW, &error);
  g_assert_null(path);
  g_assert_error(error, WT_SIGNED_URL_ERROR, WT_SIGNED_URL_ERROR_SIGNATURE);
}

static void
test_malformed(Fixture *f, gconstpointer data)
{
  const char *sig = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
  g_assert_cmpuint(strlen(sig), ==, 43);
  const char *paths[] = {
      "archive/../outside.txt",
      "../outside.txt",
      "archive//rec-1",
      "/etc/passwd",
      "archive\\rec-1",
      "archive/%2e%2e/x",
      "archive/./rec-1",
      "exports/rec-1.tar/",
      ".",
      "",
      "secrets/token.key",
      "archive/.hidden",
      "archive/a b",
      "exports/rec-1.tar?x=1",
      "archive/\xc3\xa9",
  };
  for (guint i = 0; i < G_N_ELEMENTS(paths); i++) {
    g_autofree char *url = g_strdup_printf("/media/1800000060/%s/%s", sig, paths[i]);
    assert_refused(f, url, NOW, WT_SIGNED_URL_ERROR_MALFORMED, 404);
  }
  const char *urls[] = {
      "/media/",
      "/media/1800000060",
      "/media/1800000060/exports/rec-1.tar", /* no signature */
      "/media//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/exports/rec-1.tar",
      "/media/-1/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/exports/rec-1.tar",
      "/media/1800000060000/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/exports/rec-1.tar",
      "/media/1800000060/AAAA/exports/rec-1.tar",
      "/media/1800000060/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=/exports/rec-1.tar",
      "/media/1800000060/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+A/exports/rec-1.tar",
      "/api/1800000060/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/exports/rec-1.tar",
  };
  for (guint i = 0; i < G_N_ELEMENTS(urls); i++)
    assert_refused(f, urls[i], NOW, WT_SIGNED_URL_ERROR_MALFORMED, 404);
  /* Longer than WT_SIGNED_URL_MAX_PATH. */
  g_autofree char *name = g_strnfill(WT_SIGNED_URL_MAX_PATH + 1, 'a');
  g_autofree char *url = g_strdup_printf("/media/1800000060/%s/%s", sig, name);
  assert_refused(f, url, NOW, WT_SIGNED_URL_ERROR_MALFORMED, 404);
}

static void
test_symlink_out(Fixture *f, gconstpointer data)
{
  /* Signed for a file, which is then replaced by a link out of the folder. */
  g_autoptr(GError) error = NULL;
  g_autofree char *outside = g_build_filename(f->root, "outside.txt", NULL);
  g_autofree char *real_url = make(f, "exports/rec-1.tar", 60);
  g_assert_nonnull(real_url);
  g_autofree char *target = g_build_filename(f->data, "exports", "rec-1.tar", NULL);
  g_assert_cmpint(g_unlink(target), ==, 0);
  g_assert_cmpint(symlink(outside, target), ==, 0);
  assert_refused(f, real_url, NOW, WT_SIGNED_URL_ERROR_OUTSIDE, 403);
  /* A link that stays inside is followed. */
  g_assert_cmpint(g_unlink(target), ==, 0);
  g_assert_cmpint(symlink("../archive/rec-1/p-0123456789ab/00001.webm", target), ==, 0);
  g_autofree char *inside = check(f, real_url, NOW, &error);
  g_assert_no_error(error);
  g_assert_true(g_str_has_suffix(inside, "/archive/rec-1/p-0123456789ab/00001.webm"));
}

static void
test_not_a_file(Fixture *f, gconstpointer data)
{
  g_autofree char *url = make(f, "exports/rec-1.tar", 60);
  g_autofree char *path = g_build_filename(f->data, "exports", "rec-1.tar", NULL);
  g_assert_cmpint(g_unlink(path), ==, 0);
  assert_refused(f, url, NOW, WT_SIGNED_URL_ERROR_NOT_FOUND, 404);
  g_assert_cmpint(g_mkdir(path, 0700), ==, 0);
  assert_refused(f, url, NOW, WT_SIGNED_URL_ERROR_NOT_FOUND, 404);
  g_assert_cmpint(g_rmdir(path), ==, 0);
  g_assert_cmpint(mkfifo(path, 0600), ==, 0);
  assert_refused(f, url, NOW, WT_SIGNED_URL_ERROR_NOT_FOUND, 404);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/signed-url/key-derivation", test_key_derivation);
#define ADD(name, fn)                                                                              \
  g_test_add("/signed-url/" name, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD("make-format", test_make_format);
  ADD("round-trip", test_round_trip);
  ADD("make-refuses", test_make_refuses);
  ADD("expired", test_expired);
  ADD("tampered", test_tampered);
  ADD("malformed", test_malformed);
  ADD("symlink-out", test_symlink_out);
  ADD("not-a-file", test_not_a_file);
#undef ADD
  return g_test_run();
}
