/* signed_url.h — short-lived signed URLs for the files of the data folder.
 *
 * A <video> element sends no Authorization header, so a recording's segments
 * (and an export for the court) are served to whoever holds a URL the server
 * signed a moment ago:
 *
 *   /media/<expiry>/<signature>/<path>
 *
 * <expiry> is a Unix time in seconds (decimal); <path> is relative to the data
 * folder; <signature> is base64url (no padding, 43 characters) of
 * HMAC-SHA256(media key, "witness-media-v1\n<expiry>\n<path>"). The media key
 * is HMAC-SHA256(token secret, "witness media URL key v1"), so a media
 * signature is never a token signature and the token secret never signs URLs
 * itself.
 *
 * The path part allows only [A-Za-z0-9._-] and '/' between components: no
 * percent-encoding (libwebsockets has decoded it before we see the path, and
 * whatever it decoded to is refused here unless it is one of those), no
 * empty, "." or ".." components, no component starting with '.', nothing
 * under secrets/. A file is served only when its real path (symlinks
 * resolved) is a regular file inside the data folder.
 *
 * Pure functions, any thread.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define WT_SIGNED_URL_PREFIX "/media/"
#define WT_SIGNED_URL_KEY_LEN 32
/* Longest <path> accepted, in bytes. */
#define WT_SIGNED_URL_MAX_PATH 1024

#define WT_SIGNED_URL_ERROR (wt_signed_url_error_quark())
GQuark wt_signed_url_error_quark(void);

typedef enum {
  WT_SIGNED_URL_ERROR_MALFORMED, /* not /media/<expiry>/<sig>/<path> with an allowed path: 404 */
  WT_SIGNED_URL_ERROR_SIGNATURE, /* the signature does not match: 403 */
  WT_SIGNED_URL_ERROR_EXPIRED,   /* signed by us but past its expiry: 410 */
  WT_SIGNED_URL_ERROR_OUTSIDE,   /* resolves outside the data folder (symlink): 403 */
  WT_SIGNED_URL_ERROR_NOT_FOUND, /* no such file, or not a regular file: 404 */
} WtSignedUrlError;

/* The media key for the token secret @secret (@secret_len bytes, transfer
 * none): WT_SIGNED_URL_KEY_LEN bytes (transfer full). */
GBytes *wt_signed_url_derive_key(const guint8 *secret, gsize secret_len);

/* The URL path that serves @path (absolute, or relative to @data_dir; the
 * file must exist) until @now + @ttl_s (Unix seconds). Transfer full; NULL
 * when @path does not resolve to a file inside @data_dir or its relative path
 * has a character or component the check would refuse. @key, @data_dir,
 * @path: transfer none. */
char *wt_signed_url_make(const guint8 *key, gsize key_len, const char *data_dir, const char *path,
                         guint ttl_s, gint64 now);

/* Checks @url_path ("/media/...", without query) at time @now (Unix seconds)
 * and returns the absolute, symlink-free path of the file it names (transfer
 * full), or NULL with @error in WT_SIGNED_URL_ERROR. The signature is
 * compared in constant time and checked before the expiry and before the
 * file system is looked at. @key, @data_dir, @url_path: transfer none. */
char *wt_signed_url_check(const guint8 *key, gsize key_len, const char *data_dir,
                          const char *url_path, gint64 now, GError **error);

/* The HTTP status for an error of wt_signed_url_check(): 403, 404 or 410. */
guint wt_signed_url_http_status(const GError *error);

G_END_DECLS
