/* tar.c — a recording folder written as one POSIX ustar file for the court:
 * every file (segments, chain.jsonl, seal.json, receipt.json) under the
 * folder's name, so that unpacking it gives back a folder `witnessctl verify`
 * checks as it is.
 *
 * This is the module's own writer until the engine offers its export
 * (storage's wt_export_recording_tar) through the services table; the one
 * caller is actions.c's export, so switching is one line there. Main thread
 * (blocking file I/O: a recording of an hour is a few hundred MB).
 *
 * ustar: a 512-byte header per file (name split into prefix and name, sizes
 * in octal, a checksum over the header), the bytes padded to 512, and two
 * zero blocks at the end. */
#include <gio/gio.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive.h"

#define BLOCK 512

static gboolean
header(FILE *out, const char *prefix, const char *name, guint64 size, gint64 mtime, GError **error)
{
  if (strlen(name) > 99 || strlen(prefix) > 154) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FILENAME_TOO_LONG, "%s/%s: name too long for tar",
                prefix, name);
    return FALSE;
  }
  char h[BLOCK];
  memset(h, 0, sizeof h);
  memcpy(h, name, strlen(name));
  memcpy(h + 100, "0000644", 7);
  memcpy(h + 108, "0000000", 7);
  memcpy(h + 116, "0000000", 7);
  g_snprintf(h + 124, 12, "%011" G_GINT64_MODIFIER "o", size);
  g_snprintf(h + 136, 12, "%011" G_GINT64_MODIFIER "o", (guint64)MAX(mtime, 0));
  memset(h + 148, ' ', 8);
  h[156] = '0';
  memcpy(h + 257, "ustar", 6);
  memcpy(h + 263, "00", 2);
  memcpy(h + 265, "witness", 7);
  memcpy(h + 297, "witness", 7);
  memcpy(h + 345, prefix, strlen(prefix));
  guint sum = 0;
  for (gsize i = 0; i < sizeof h; i++)
    sum += (guchar)h[i];
  g_snprintf(h + 148, 8, "%06o", sum);
  h[155] = ' ';
  if (fwrite(h, 1, sizeof h, out) != sizeof h) {
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "writing the tar: %s",
                g_strerror(errno));
    return FALSE;
  }
  return TRUE;
}

static gboolean
copy_file(FILE *out, const char *dir, const char *prefix, const char *rel, GError **error)
{
  g_autofree char *path = g_build_filename(dir, rel, NULL);
  FILE *in = fopen(path, "rb");
  struct stat st;
  if (!in || fstat(fileno(in), &st) != 0) {
    int e = errno;
    if (in)
      fclose(in);
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), "%s: %s", path, g_strerror(e));
    return FALSE;
  }
  gboolean ok = header(out, prefix, rel, (guint64)st.st_size, st.st_mtime, error);
  guint64 copied = 0;
  char buf[65536];
  size_t n;
  while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0) {
    if (fwrite(buf, 1, n, out) != n)
      ok = FALSE;
    copied += n;
  }
  fclose(in);
  if (ok && copied != (guint64)st.st_size) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s changed while it was exported", path);
    return FALSE;
  }
  static const char zeros[BLOCK];
  size_t pad = (BLOCK - copied % BLOCK) % BLOCK;
  if (ok && pad && fwrite(zeros, 1, pad, out) != pad)
    ok = FALSE;
  if (!ok && error && !*error)
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "writing the tar: %s", g_strerror(errno));
  return ok;
}

gboolean
wt_archive_tar_write(const char *dir, const char *prefix, GPtrArray *files, const char *out_path,
                     GError **error)
{
  g_autofree char *tmp = g_strconcat(out_path, ".part", NULL);
  FILE *out = fopen(tmp, "wb");
  if (!out) {
    int e = errno;
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), "%s: %s", tmp, g_strerror(e));
    return FALSE;
  }
  gboolean ok = TRUE;
  for (guint i = 0; ok && i < files->len; i++)
    ok = copy_file(out, dir, prefix, g_ptr_array_index(files, i), error);
  static const char end[2 * BLOCK];
  if (ok && fwrite(end, 1, sizeof end, out) != sizeof end) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "writing the tar: %s", g_strerror(errno));
    ok = FALSE;
  }
  if (fflush(out) != 0 || fsync(fileno(out)) != 0) {
    if (ok)
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "writing the tar: %s", g_strerror(errno));
    ok = FALSE;
  }
  fclose(out);
  if (ok && rename(tmp, out_path) != 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", out_path, g_strerror(errno));
    ok = FALSE;
  }
  if (!ok)
    unlink(tmp);
  return ok;
}
