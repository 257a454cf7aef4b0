/* atomic_file.h — write a whole file so that a crash leaves either the old
 * content or the new one, never a torn mix.
 *
 * The sequence is the one the evidence model needs everywhere: write to a
 * temporary name in the same folder, fsync it, rename it over the target, then
 * fsync the folder so the rename itself is durable. Any thread may call these.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Writes @len bytes of @data to @path with permission @mode (e.g. 0600).
 * @data: (transfer none). On failure the target is untouched, no temporary
 * file is left behind, and @error says which step failed and why. */
gboolean wt_storage_write_file_atomic(const char *path, const void *data, gsize len, int mode,
                                      GError **error);

/* fsyncs the folder @dir so that renames and creations inside it are durable. */
gboolean wt_storage_fsync_dir(const char *dir, GError **error);

G_END_DECLS
