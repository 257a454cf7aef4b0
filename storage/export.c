/* export.c — a recording folder written as one POSIX ustar archive (see
 * export.h). Any thread that may block.
 *
 * ustar in brief: per file a 512-byte header (name split into prefix and
 * name, numbers in octal, a checksum over the header with the checksum field
 * read as spaces), the bytes padded with zeros to 512, and two zero blocks at
 * the end.
 */
#include "export.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"

#define BLOCK 512
#define COPY_BYTES (256 * 1024)
/* 11 octal digits: the largest size a plain ustar header holds. */
#define MAX_SIZE ((G_GUINT64_CONSTANT(1) << 33) - 1)

/* The header fields, at their POSIX offsets. */
typedef struct {
  char name[100];
  char mode[8];
  char uid[8];
  char gid[8];
  char size[12];
  char mtime[12];
  char chksum[8];
  char typeflag;
  char linkname[100];
  char magic[6];
  char version[2];
  char uname[32];
  char gname[32];
  char devmajor[8];
  char devminor[8];
  char prefix[155];
  char pad[12];
} UstarHeader;
G_STATIC_ASSERT(sizeof(UstarHeader) == BLOCK);

static gboolean
fail(GError **error, int err, const char *what, const char *path)
{
  g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err), "%s %s: %s", what, path,
              g_strerror(err));
  return FALSE;
}

static gint
compare_paths(gconstpointer a, gconstpointer b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds every regular file under @root/@rel (relative paths, transfer full) to
 * @out. Dot-names are skipped; anything else that is not a file or folder is
 * an error. */
static gboolean
list_files(const char *root, const char *rel, GPtrArray *out, GError **error)
{
  g_autofree char *dir = rel ? g_build_filename(root, rel, NULL) : g_strdup(root);
  g_autoptr(GDir) d = g_dir_open(dir, 0, error);
  if (!d)
    return FALSE;
  const char *name;
  while ((name = g_dir_read_name(d))) {
    if (name[0] == '.')
      continue;
    g_autofree char *child_rel = rel ? g_build_filename(rel, name, NULL) : g_strdup(name);
    g_autofree char *child = g_build_filename(root, child_rel, NULL);
    struct stat st;
    if (lstat(child, &st) != 0)
      return fail(error, errno, "cannot stat", child);
    if (S_ISDIR(st.st_mode)) {
      if (!list_files(root, child_rel, out, error))
        return FALSE;
    } else if (S_ISREG(st.st_mode)) {
      g_ptr_array_add(out, g_steal_pointer(&child_rel));
    } else {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE,
                  "%s is neither a file nor a folder (a link?): not exported", child);
      return FALSE;
    }
  }
  return TRUE;
}

static void
octal(char *field, gsize width, guint64 value)
{
  /* width - 1 digits, then NUL, as POSIX and every tar reader expect. */
  g_snprintf(field, width, "%0*" G_GINT64_MODIFIER "o", (int)(width - 1), value);
}

/* Fills @h for @name; FALSE when the name does not fit prefix + name. */
static gboolean
fill_header(UstarHeader *h, const char *name, guint64 size, gint64 mtime)
{
  memset(h, 0, sizeof *h);
  gsize len = strlen(name);
  if (len <= sizeof h->name) {
    memcpy(h->name, name, len);
  } else {
    /* Split at the first '/' that leaves at most 100 bytes of name: the
     * shortest prefix, which must fit in 155. */
    const char *split = NULL;
    for (const char *c = strchr(name, '/'); c && !split; c = strchr(c + 1, '/')) {
      if ((gsize)(name + len - (c + 1)) <= sizeof h->name)
        split = c;
    }
    if (!split || split == name || (gsize)(split - name) > sizeof h->prefix || !split[1])
      return FALSE;
    memcpy(h->prefix, name, (gsize)(split - name));
    memcpy(h->name, split + 1, len - (gsize)(split + 1 - name));
  }
  octal(h->mode, sizeof h->mode, 0644);
  octal(h->uid, sizeof h->uid, 0);
  octal(h->gid, sizeof h->gid, 0);
  octal(h->size, sizeof h->size, size);
  octal(h->mtime, sizeof h->mtime, (guint64)MAX(mtime, 0));
  h->typeflag = '0';
  memcpy(h->magic, "ustar", 6); /* with its NUL */
  memcpy(h->version, "00", 2);
  memset(h->chksum, ' ', sizeof h->chksum);
  guint sum = 0;
  const guint8 *bytes = (const guint8 *)h;
  for (gsize i = 0; i < sizeof *h; i++)
    sum += bytes[i];
  /* Six digits, NUL, space: the form tar itself writes. */
  g_snprintf(h->chksum, 7, "%06o", sum);
  h->chksum[7] = ' ';
  return TRUE;
}

static gboolean
write_all(int fd, const void *data, gsize len, const char *path, GError **error)
{
  const guint8 *p = data;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return fail(error, n < 0 ? errno : EIO, "cannot write", path);
    p += n;
    len -= (gsize)n;
  }
  return TRUE;
}

/* Appends header, bytes and padding of @root/@rel to @out_fd. */
static gboolean
add_file(int out_fd, const char *tmp, const char *root, const char *id, const char *rel,
         guint8 *buf, GError **error)
{
  g_autofree char *path = g_build_filename(root, rel, NULL);
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return fail(error, errno, "cannot open", path);
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int err = errno;
    close(fd);
    return fail(error, err, "cannot stat", path);
  }
  guint64 size = (guint64)st.st_size;
  g_autofree char *name = g_strconcat(id, "/", rel, NULL);
  UstarHeader h;
  gboolean ok = TRUE;
  if (size > MAX_SIZE) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: 8 GiB or more, too large for ustar",
                path);
    ok = FALSE;
  } else if (!fill_header(&h, name, size, (gint64)st.st_mtime)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FILENAME_TOO_LONG, "%s: name too long for ustar",
                name);
    ok = FALSE;
  } else {
    ok = write_all(out_fd, &h, sizeof h, tmp, error);
  }
  guint64 copied = 0;
  while (ok && copied < size) {
    ssize_t n = read(fd, buf, (gsize)MIN((guint64)COPY_BYTES, size - copied));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      ok = fail(error, errno, "cannot read", path);
    } else if (n == 0) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s shrank while it was exported", path);
      ok = FALSE;
    } else {
      ok = write_all(out_fd, buf, (gsize)n, tmp, error);
      copied += (guint64)n;
    }
  }
  if (ok && read(fd, buf, 1) != 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s grew while it was exported", path);
    ok = FALSE;
  }
  close(fd);
  if (ok && size % BLOCK) {
    static const guint8 zeros[BLOCK];
    ok = write_all(out_fd, zeros, BLOCK - size % BLOCK, tmp, error);
  }
  return ok;
}

static gboolean
write_archive(int fd, const char *tmp, const char *root, const char *id, GPtrArray *files,
              GError **error)
{
  g_autofree guint8 *buf = g_malloc(COPY_BYTES);
  for (guint i = 0; i < files->len; i++) {
    if (!add_file(fd, tmp, root, id, g_ptr_array_index(files, i), buf, error))
      return FALSE;
  }
  static const guint8 end[2 * BLOCK];
  if (!write_all(fd, end, sizeof end, tmp, error))
    return FALSE;
  if (fsync(fd) != 0)
    return fail(error, errno, "cannot fsync", tmp);
  return TRUE;
}

gboolean
wt_export_recording_tar(const char *recording_dir, const char *out_path, GError **error)
{
  g_autofree char *root = g_strdup(recording_dir);
  while (strlen(root) > 1 && g_str_has_suffix(root, "/"))
    root[strlen(root) - 1] = '\0';
  g_autofree char *id = g_path_get_basename(root);
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
  if (!list_files(root, NULL, files, error))
    return FALSE;
  g_ptr_array_sort(files, compare_paths);

  g_autofree char *dir = g_path_get_dirname(out_path);
  g_autofree char *base = g_path_get_basename(out_path);
  g_autofree char *tmp = g_strdup_printf("%s/.%s.tmp-XXXXXX", dir, base);
  int fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0)
    return fail(error, errno, "cannot create a temporary file for", out_path);
  gboolean ok = fchmod(fd, 0644) == 0 || fail(error, errno, "cannot set the mode of", tmp);
  ok = ok && write_archive(fd, tmp, root, id, files, error);
  if (close(fd) != 0 && ok)
    ok = fail(error, errno, "cannot close", tmp);
  if (ok && rename(tmp, out_path) != 0)
    ok = fail(error, errno, "cannot rename into place", out_path);
  if (!ok) {
    unlink(tmp);
    return FALSE;
  }
  g_debug("export: recording %s: %u files to %s", id, files->len, out_path);
  return wt_storage_fsync_dir(dir, error);
}
