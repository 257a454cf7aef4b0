/* segment.h — writes one segment file of one participant: WebM for VP8 or
 * VP9 video with Opus audio, Matroska for H.264 with Opus (or either track
 * alone), muxed by FFmpeg's libavformat.
 *
 * The file's SHA-256 is computed on the bytes as libavformat hands them over,
 * never by reading the file back: the output is a custom AVIOContext with a
 * write callback and no seek callback, marked non-seekable, so the muxer
 * never goes back to patch sizes (WebM's trailer would, on a seekable
 * output, and break the running hash); every byte it writes goes to the file
 * and into the hash, in order.
 *
 * The file is written under a temporary name in the target folder,
 * ".<name>.<ext>.tmp"; wt_segment_writer_finish() writes the trailer, fsyncs
 * the file, renames it to "<name>.<ext>" (never over an existing file) and
 * fsyncs the folder. A writer dropped without finishing removes its
 * temporary file.
 *
 *   WtSegmentTracks t = {.video = WT_CODEC_VP8, .width = 640, .height = 480,
 *                        .audio = WT_CODEC_OPUS, .audio_channels = 2};
 *   g_autoptr(WtSegmentWriter) w = wt_segment_writer_new(dir, "00003", &t, &error);
 *   wt_segment_writer_write(w, WT_SEGMENT_VIDEO, frame, len, pts_ms, TRUE, &error);
 *   ...
 *   WtSegmentInfo info;
 *   wt_segment_writer_finish(g_steal_pointer(&w), &info, &error);
 *
 * Timestamps are milliseconds (Matroska's time base) on any origin; within
 * each track they must not go back (equal is allowed). Frames carry no
 * separate decode time: WebRTC video has no B-frames.
 *
 * Threads: a writer belongs to one thread (a storage writer thread); it does
 * blocking file I/O. Errors are GIOError codes (G_IO_ERROR_NO_SPACE for a
 * full disk) or G_IO_ERROR_INVALID_ARGUMENT / G_IO_ERROR_FAILED.
 */
#pragma once

#include <glib.h>

#include "codec.h"

G_BEGIN_DECLS

#define WT_SEGMENT_SHA256_LEN 32

typedef enum {
  WT_SEGMENT_AUDIO = 0,
  WT_SEGMENT_VIDEO = 1,
  WT_SEGMENT_KINDS = 2,
} WtSegmentKind;

/* What the segment holds. At least one track. */
typedef struct {
  WtCodec video;         /* WT_CODEC_VP8, VP9, H264, or NONE for no video */
  guint16 width, height; /* picture size (required with video): the WtFrame size of the
                          * key frame that starts the segment */
  /* H.264 (required there): SPS and PPS in Annex-B, as from
   * wt_depacketizer_get_parameter_sets(). (transfer none), copied. */
  const guint8 *video_extradata;
  gsize video_extradata_len;
  WtCodec audio;          /* WT_CODEC_OPUS, or NONE for no audio */
  guint audio_channels;   /* 1 or 2 */
  guint audio_clock_rate; /* the Opus input rate for the OpusHead; 0 means 48000 */
} WtSegmentTracks;

/* What a finished segment is. */
typedef struct {
  char file_name[256]; /* "<name>.webm" or "<name>.mkv" */
  guint64 size;        /* bytes */
  guint8 sha256[WT_SEGMENT_SHA256_LEN];
  guint64 frames[WT_SEGMENT_KINDS];
  gint64 first_pts_ms[WT_SEGMENT_KINDS]; /* meaningful when frames[kind] > 0 */
  gint64 last_pts_ms[WT_SEGMENT_KINDS];
} WtSegmentInfo;

typedef struct _WtSegmentWriter WtSegmentWriter;

/* The file extension for @tracks, without the dot: "mkv" with H.264 video,
 * "webm" otherwise. Static. */
const char *wt_segment_extension(const WtSegmentTracks *tracks);

/* Creates the temporary file in @dir (which must exist) for segment @name (a
 * plain file name without extension, e.g. "00003"), and writes the header.
 * @tracks: (transfer none). Returns the writer (transfer full) or NULL with
 * @error: bad tracks (G_IO_ERROR_INVALID_ARGUMENT), or the temporary file
 * exists (G_IO_ERROR_EXISTS: a crash left it; recovery decides) or cannot be
 * made. */
WtSegmentWriter *wt_segment_writer_new(const char *dir, const char *name,
                                       const WtSegmentTracks *tracks, GError **error);

/* Writes one frame of @kind: @len bytes at @frame (transfer none; Annex-B for
 * H.264) at @pts_ms. Refuses a track the segment lacks, an empty frame, and
 * a pts below the track's previous one, with G_IO_ERROR_INVALID_ARGUMENT and
 * nothing written. A failed write (disk full…) breaks the writer: every later
 * call fails, and the only thing left is to abort it. */
gboolean wt_segment_writer_write(WtSegmentWriter *w, WtSegmentKind kind, const guint8 *frame,
                                 gsize len, gint64 pts_ms, gboolean keyframe, GError **error);

/* Finishes the file as described above and fills *@out. @w: (transfer full),
 * freed whether or not it succeeds; on failure no file is left behind, the
 * temporary one included. */
gboolean wt_segment_writer_finish(WtSegmentWriter *w, WtSegmentInfo *out, GError **error);

/* Drops an unfinished segment: closes and removes the temporary file, frees
 * @w (transfer full; NULL is fine). */
void wt_segment_writer_abort(WtSegmentWriter *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtSegmentWriter, wt_segment_writer_abort)

/* The temporary file's path (transfer none, owned by @w), e.g. for crash
 * recovery tests. */
const char *wt_segment_writer_get_temp_path(const WtSegmentWriter *w);

G_END_DECLS
