/* signed_url.c — making and checking the signed /media/ URLs described in
 * signed_url.h. Pure functions (file system reads only), any thread.
 */
#include "signed_url.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

G_DEFINE_QUARK(wt - signed - url - error - quark, wt_signed_url_error)

#define SIG_CHARS 43 /* base64url of 32 bytes, no padding */
#define MAX_EXPIRY_DIGITS 12
static const char key_label[] = "witness media URL key v1";
static const char mac_label[] = "witness-media-v1";

GBytes *
wt_signed_url_derive_key(const guint8 *secret, gsize secret_len)
{
  g_autoptr(GHmac) hmac = g_hmac_new(G_CHECKSUM_SHA256, secret, secret_len);
  g_hmac_update(hmac, (const guchar *)key_label, sizeof key_label - 1);
  guint8 digest[WT_SIGNED_URL_KEY_LEN];
  gsize len = sizeof digest;
  g_hmac_get_digest(hmac, digest, &len);
  g_assert(len == sizeof digest);
  GBytes *key = g_bytes_new(digest, sizeof digest);
  OPENSSL_cleanse(digest, sizeof digest);
  return key;
}

/* base64url (no padding) of HMAC-SHA256(@key, label "\n" expiry "\n" rel),
 * with @expiry the @expiry_len digits as they appear in the URL. */
static void
sign(const guint8 *key, gsize key_len, const char *expiry, gsize expiry_len, const char *rel,
     char out[SIG_CHARS + 1])
{
  g_autoptr(GHmac) hmac = g_hmac_new(G_CHECKSUM_SHA256, key, key_len);
  g_hmac_update(hmac, (const guchar *)mac_label, sizeof mac_label - 1);
  g_hmac_update(hmac, (const guchar *)"\n", 1);
  g_hmac_update(hmac, (const guchar *)expiry, (gssize)expiry_len);
  g_hmac_update(hmac, (const guchar *)"\n", 1);
  g_hmac_update(hmac, (const guchar *)rel, -1);
  guint8 digest[32];
  gsize len = sizeof digest;
  g_hmac_get_digest(hmac, digest, &len);
  g_autofree char *b64 = g_base64_encode(digest, sizeof digest);
  for (char *c = b64; *c; c++) {
    if (*c == '+')
      *c = '-';
    else if (*c == '/')
      *c = '_';
  }
  g_assert(strlen(b64) == SIG_CHARS + 1 && b64[SIG_CHARS] == '=');
  memcpy(out, b64, SIG_CHARS);
  out[SIG_CHARS] = '\0';
}

static gboolean
is_path_char(char c)
{
  return g_ascii_isalnum(c) || c == '.' || c == '_' || c == '-';
}

/* TRUE when @rel is a relative path we serve: components of [A-Za-z0-9._-]
 * separated by single '/', none empty or starting with '.', not under
 * secrets/ (the token and signing keys live there). */
static gboolean
path_allowed(const char *rel)
{
  gsize len = strlen(rel);
  if (len == 0 || len > WT_SIGNED_URL_MAX_PATH)
    return FALSE;
  const char *component = rel;
  for (const char *c = rel;; c++) {
    if (*c == '/' || *c == '\0') {
      if (c == component || *component == '.')
        return FALSE;
      if (component == rel && c - component == 7 && strncmp(component, "secrets", 7) == 0)
        return FALSE;
      if (*c == '\0')
        return TRUE;
      component = c + 1;
    } else if (!is_path_char(*c)) {
      return FALSE;
    }
  }
}

/* @real relative to @root (both absolute and symlink-free), or NULL when it
 * is not strictly inside. Points into @real. */
static const char *
relative_to(const char *root, const char *real)
{
  gsize n = strlen(root);
  if (n == 1 && root[0] == '/')
    return real[1] ? real + 1 : NULL;
  if (strncmp(real, root, n) != 0 || real[n] != '/' || !real[n + 1])
    return NULL;
  return real + n + 1;
}

static gboolean
is_regular(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

char *
wt_signed_url_make(const guint8 *key, gsize key_len, const char *data_dir, const char *path,
                   guint ttl_s, gint64 now)
{
  g_return_val_if_fail(key && key_len > 0 && data_dir && path, NULL);
  g_autofree char *joined =
      g_path_is_absolute(path) ? g_strdup(path) : g_build_filename(data_dir, path, NULL);
  g_autofree char *root = realpath(data_dir, NULL);
  g_autofree char *real = realpath(joined, NULL);
  if (!root || !real || !is_regular(real))
    return NULL;
  const char *rel = relative_to(root, real);
  if (!rel || !path_allowed(rel))
    return NULL;
  g_autofree char *expiry = g_strdup_printf("%" G_GINT64_FORMAT, now + (gint64)ttl_s);
  char sig[SIG_CHARS + 1];
  sign(key, key_len, expiry, strlen(expiry), rel, sig);
  return g_strconcat(WT_SIGNED_URL_PREFIX, expiry, "/", sig, "/", rel, NULL);
}

static gboolean
is_sig_char(char c)
{
  return g_ascii_isalnum(c) || c == '-' || c == '_';
}

/* Splits "/media/<expiry>/<sig>/<rel>" without allocating; FALSE when it is
 * not that shape or @rel is not an allowed path. */
static gboolean
split_url(const char *url_path, const char **expiry, gsize *expiry_len, const char **sig,
          const char **rel)
{
  if (!g_str_has_prefix(url_path, WT_SIGNED_URL_PREFIX))
    return FALSE;
  const char *p = url_path + strlen(WT_SIGNED_URL_PREFIX);
  gsize n = 0;
  while (g_ascii_isdigit(p[n]))
    n++;
  if (n == 0 || n > MAX_EXPIRY_DIGITS || p[n] != '/')
    return FALSE;
  *expiry = p;
  *expiry_len = n;
  p += n + 1;
  for (n = 0; n < SIG_CHARS; n++) {
    if (!is_sig_char(p[n]))
      return FALSE;
  }
  if (p[SIG_CHARS] != '/')
    return FALSE;
  *sig = p;
  *rel = p + SIG_CHARS + 1;
  return path_allowed(*rel);
}

char *
wt_signed_url_check(const guint8 *key, gsize key_len, const char *data_dir, const char *url_path,
                    gint64 now, GError **error)
{
  g_return_val_if_fail(key && key_len > 0 && data_dir && url_path, NULL);
  const char *expiry = NULL, *sig = NULL, *rel = NULL;
  gsize expiry_len = 0;
  if (!split_url(url_path, &expiry, &expiry_len, &sig, &rel)) {
    g_set_error(error, WT_SIGNED_URL_ERROR, WT_SIGNED_URL_ERROR_MALFORMED,
                "not a media URL (expected /media/<expiry>/<signature>/<path> with a path of "
                "[A-Za-z0-9._-] components)");
    return NULL;
  }
  char expected[SIG_CHARS + 1];
  sign(key, key_len, expiry, expiry_len, rel, expected);
  if (CRYPTO_memcmp(expected, sig, SIG_CHARS) != 0) {
    g_set_error(error, WT_SIGNED_URL_ERROR, WT_SIGNED_URL_ERROR_SIGNATURE,
                "the signature does not match");
    return NULL;
  }
  /* Signed by us, so the digits are ours: at most 12 of them fit a gint64. */
  gint64 until = g_ascii_strtoll(expiry, NULL, 10);
  if (now > until) {
    g_set_error(error, WT_SIGNED_URL_ERROR, WT_SIGNED_URL_ERROR_EXPIRED,
                "the link expired %" G_GINT64_FORMAT " s ago; ask for a new one", now - until);
    return NULL;
  }
  g_autofree char *joined = g_build_filename(data_dir, rel, NULL);
  g_autofree char *root = realpath(data_dir, NULL);
  char *real = realpath(joined, NULL);
  int saved = errno;
  if (!root || !real) {
    g_set_error(error, WT_SIGNED_URL_ERROR, WT_SIGNED_URL_ERROR_NOT_FOUND, "no such file (%s)",
                g_strerror(root ? saved : ENOENT));
    g_free(real);
    return NULL;
  }
  if (!relative_to(root, real)) {
    g_set_error(error, WT_SIGNED_URL_ERROR, WT_SIGNED_URL_ERROR_OUTSIDE,
                "the path leads outside the data folder");
    g_free(real);
    return NULL;
  }
  if (!is_regular(real)) {
    g_set_error(error, WT_SIGNED_URL_ERROR, WT_SIGNED_URL_ERROR_NOT_FOUND, "not a file");
    g_free(real);
    return NULL;
  }
  return real;
}

guint
wt_signed_url_http_status(const GError *error)
{
  if (!error || error->domain != WT_SIGNED_URL_ERROR)
    return 500;
  switch ((WtSignedUrlError)error->code) {
  case WT_SIGNED_URL_ERROR_SIGNATURE:
  case WT_SIGNED_URL_ERROR_OUTSIDE:
    return 403;
  case WT_SIGNED_URL_ERROR_EXPIRED:
    return 410;
  case WT_SIGNED_URL_ERROR_MALFORMED:
  case WT_SIGNED_URL_ERROR_NOT_FOUND:
    return 404;
  }
  return 500;
}
