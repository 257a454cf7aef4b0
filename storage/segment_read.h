/* segment_read.h — reads segment files back with libavformat, for crash
 * recovery (recovery.h): the first timestamp of a finished segment, and the
 * readable frames of a segment cut short by a crash, remuxed into a proper
 * segment file through the segment writer (segment.h), hashed as it writes.
 *
 * A file cut short ends mid-frame more often than not: a frame whose bytes
 * run past the end of the file is left out, and so is anything the demuxer
 * flags as corrupt; video before the first keyframe is left out too (it
 * could not be decoded).
 *
 *   WtSegmentInfo info;
 *   WtSegmentTracks tracks;
 *   if (wt_segment_remux(".00003.webm.crashed", "rec/p-1", "00003", &info, &tracks, &error))
 *     ... "rec/p-1/00003.webm" is a finished segment of info.frames[] frames ...
 *
 * Threads: any; blocking file I/O.
 */
#pragma once

#include <glib.h>

#include "segment.h"

G_BEGIN_DECLS

/* The smallest pts (ms) of the first frames of @path's tracks. FALSE with
 * @error when the file cannot be read or holds no frame. */
gboolean wt_segment_probe_first_pts(const char *path, gint64 *first_ms, GError **error);

/* Remuxes the readable frames of @src into segment @name in @dir (see
 * wt_segment_writer_new(); the file is "<name>.<ext>" with the extension of
 * @src's tracks). Fills *@info (as wt_segment_writer_finish() does) and
 * *@tracks (codecs and sizes; extradata pointers are NULL). FALSE with
 * @error when @src is not a readable segment or holds no usable frame; then
 * no file is left in @dir. @src is only read. */
gboolean wt_segment_remux(const char *src, const char *dir, const char *name, WtSegmentInfo *info,
                          WtSegmentTracks *tracks, GError **error);

G_END_DECLS
