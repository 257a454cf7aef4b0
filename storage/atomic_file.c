/* atomic_file.c — temporary name, fsync, rename, fsync the folder.
 * Callable from any thread; holds no state of its own. */
#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static gboolean
fail_errno(GError **error, int err, const char *what, const char *path)
{
  g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err), "%s %s: %s", what, path,
              g_strerror(err));
  return FALSE;
}

gboolean
wt_storage_fsync_dir(const char *dir, GError **error)
{
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return fail_errno(error, errno, "cannot open folder", dir);
  if (fsync(fd) != 0) {
    int err = errno;
    close(fd);
    return fail_errno(error, err, "cannot fsync folder", dir);
  }
  close(fd);
  return TRUE;
}

static gboolean
write_all(int fd, const guint8 *data, gsize len)
{
  while (len > 0) {
    ssize_t n = write(fd, data, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return FALSE;
    data += n;
    len -= (gsize)n;
  }
  return TRUE;
}

gboolean
wt_storage_write_file_atomic(const char *path, const void *data, gsize len, int mode,
                             GError **error)
{
  g_autofree char *dir = g_path_get_dirname(path);
  g_autofree char *base = g_path_get_basename(path);
  g_autofree char *tmp = g_strdup_printf("%s/.%s.tmp-XXXXXX", dir, base);

  int fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, mode);
  if (fd < 0)
    return fail_errno(error, errno, "cannot create temporary file for", path);

  int err = 0;
  const char *step = NULL;
  if (fchmod(fd, (mode_t)mode) != 0) {
    err = errno;
    step = "cannot set mode of";
  } else if (!write_all(fd, data, len)) {
    err = errno ? errno : EIO;
    step = "cannot write";
  } else if (fsync(fd) != 0) {
    err = errno;
    step = "cannot fsync";
  }
  if (close(fd) != 0 && !step) {
    err = errno;
    step = "cannot close";
  }
  if (!step && rename(tmp, path) != 0) {
    err = errno;
    step = "cannot rename into place";
  }
  if (step) {
    unlink(tmp);
    return fail_errno(error, err, step, path);
  }
  return wt_storage_fsync_dir(dir, error);
}
