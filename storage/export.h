/* export.h — a recording folder as one POSIX ustar file, for the court.
 *
 * Every regular file under the folder — segments in participant subfolders,
 * chain.jsonl, seal.json, seal.sig/.tst, receipt.json, liveness jpgs — under
 * "<recording id>/<path>", in byte order of that name, mode 0644, each with
 * its own mtime, so that unpacking gives back a folder `witnessctl verify`
 * checks as it is. Names starting with '.' (temporary files, quarantine) are
 * outside the evidence and left out, at any depth.
 *
 * Blocking file I/O (an hour of recording is a few hundred MB): call it from
 * a thread that may block, not the signaling or a media thread.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Writes the archive of @recording_dir (transfer none; its last component is
 * the recording id) to @out_path (transfer none) through a temporary file in
 * the same folder, fsynced and renamed, then the folder fsynced. FALSE with
 * @error (G_IO_ERROR) when a file cannot be read or changes size while it is
 * copied, when something other than a file or folder (a symlink, a fifo) is
 * in the recording, when a name does not fit ustar (100 + 155 bytes), or a
 * file is 8 GiB or more; then @out_path is untouched and no temporary file is
 * left. */
gboolean wt_export_recording_tar(const char *recording_dir, const char *out_path, GError **error);

G_END_DECLS
