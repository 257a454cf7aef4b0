/* secrets.c — load or create a secret key file (the token secret, the ID-hash key). */
#include "secrets.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <openssl/rand.h>
#include <sys/stat.h>

#include "atomic_file.h"

#define MIN_SECRET_CHARS 32

static gboolean
create_secret(const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname(path);
  if (g_mkdir_with_parents(dir, 0700) != 0) {
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "cannot create %s: %s", dir,
                g_strerror(errno));
    return FALSE;
  }
  guint8 raw[32];
  if (RAND_bytes(raw, sizeof raw) != 1) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "no random bytes from OpenSSL");
    return FALSE;
  }
  GString *hex = g_string_sized_new(2 * sizeof raw + 1);
  for (guint i = 0; i < sizeof raw; i++)
    g_string_append_printf(hex, "%02x", raw[i]);
  g_string_append_c(hex, '\n');
  gboolean ok = wt_storage_write_file_atomic(path, hex->str, hex->len, 0600, error);
  g_string_free(hex, TRUE);
  if (ok)
    g_message("created a new secret key in %s", path);
  return ok;
}

GBytes *
wt_secret_load_or_create(const char *path, GError **error)
{
  if (!g_file_test(path, G_FILE_TEST_EXISTS) && !create_secret(path, error))
    return NULL;
  char *text = NULL;
  gsize len = 0;
  if (!g_file_get_contents(path, &text, &len, error))
    return NULL;
  g_strstrip(text);
  len = strlen(text);
  if (len < MIN_SECRET_CHARS) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                "token secret %s is shorter than %d characters", path, MIN_SECRET_CHARS);
    g_free(text);
    return NULL;
  }
  GStatBuf st;
  if (g_stat(path, &st) == 0 && (st.st_mode & 077))
    g_warning("token secret %s is readable by others (mode %o); chmod 600 it", path,
              st.st_mode & 0777);
  return g_bytes_new_take(text, len);
}
