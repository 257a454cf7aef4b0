/* test_atomic_file.c — whole-file writes: content, mode, no leftovers, clear errors. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "atomic_file.h"

static void
test_write_and_replace(void)
{
  g_autofree char *dir = g_dir_make_tmp("wt-atomic-XXXXXX", NULL);
  g_autofree char *path = g_build_filename(dir, "secret.key", NULL);
  g_autoptr(GError) error = NULL;
  g_assert_true(wt_storage_write_file_atomic(path, "first", 5, 0600, &error));
  g_assert_no_error(error);
  g_assert_true(wt_storage_write_file_atomic(path, "second!", 7, 0600, &error));
  g_autofree char *content = NULL;
  gsize len = 0;
  g_assert_true(g_file_get_contents(path, &content, &len, NULL));
  g_assert_cmpmem(content, len, "second!", 7);
  GStatBuf st;
  g_assert_cmpint(g_stat(path, &st), ==, 0);
  g_assert_cmpint(st.st_mode & 0777, ==, 0600);
  /* No temporary file is left beside it. */
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  guint entries = 0;
  while (g_dir_read_name(d))
    entries++;
  g_assert_cmpuint(entries, ==, 1);
  g_unlink(path);
  g_rmdir(dir);
}

static void
test_missing_folder(void)
{
  g_autoptr(GError) error = NULL;
  g_assert_false(
      wt_storage_write_file_atomic("/nonexistent-wt-folder/x", "a", 1, 0644, &error));
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull(strstr(error->message, "/nonexistent-wt-folder/x"));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/atomic-file/write-and-replace", test_write_and_replace);
  g_test_add_func("/atomic-file/missing-folder", test_missing_folder);
  return g_test_run();
}
