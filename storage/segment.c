/* segment.c — one segment file through libavformat into a hashing,
 * non-seekable AVIOContext; temporary name, fsync, rename, folder fsync.
 * A writer belongs to one storage writer thread. See segment.h. */
#define _GNU_SOURCE /* renameat2() */
#include "segment.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <libavutil/channel_layout.h>
#include <libavutil/mem.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "atomic_file.h"
#include "av_autoptr.h"

#define IO_BUFFER_SIZE (64 * 1024)
#define OPUS_HEAD_LEN 19
#define FILE_MODE 0640

/* The write callback's buffer became const in libavformat 61. */
#if LIBAVFORMAT_VERSION_MAJOR >= 61
#define WT_AVIO_BUF const uint8_t
#else
#define WT_AVIO_BUF uint8_t
#endif

struct _WtSegmentWriter {
  char *dir;
  char *tmp_path;
  char *final_path;
  char file_name[256];
  int fd;           /* the temporary file, -1 once closed */
  gboolean created; /* tmp_path is ours to remove */
  AVFormatContext *fmt;
  AVIOContext *io;
  AVPacket *pkt;
  EVP_MD_CTX *sha;
  guint64 size;
  int io_errno;                 /* the first write(2) failure */
  gboolean broken;              /* a write failed: only abort is left */
  int stream[WT_SEGMENT_KINDS]; /* stream index, -1 without that track */
  guint64 frames[WT_SEGMENT_KINDS];
  gint64 first_pts[WT_SEGMENT_KINDS], last_pts[WT_SEGMENT_KINDS];
};

/* ---- Output: every byte to the file and into the hash ---------------------- */

static int
io_write(void *opaque, WT_AVIO_BUF *buf, int size)
{
  WtSegmentWriter *w = opaque;
  if (w->io_errno)
    return AVERROR(w->io_errno);
  const uint8_t *p = buf;
  gsize left = size > 0 ? (gsize)size : 0;
  while (left > 0) {
    ssize_t n = write(w->fd, p, left);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      w->io_errno = n < 0 ? errno : EIO;
      return AVERROR(w->io_errno);
    }
    EVP_DigestUpdate(w->sha, p, (size_t)n);
    w->size += (guint64)n;
    p += n;
    left -= (gsize)n;
  }
  return size;
}

/* ---- Errors ------------------------------------------------------------------ */

static gboolean
fail_errno(GError **error, int err, const char *what, const char *path)
{
  g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err), "%s %s: %s", what, path,
              g_strerror(err));
  return FALSE;
}

/* A libavformat failure; when our write callback failed first, its errno
 * says more (ENOSPC rather than a generic I/O error). */
static gboolean
fail_av(WtSegmentWriter *w, GError **error, int ret, const char *what)
{
  if (w->io_errno)
    return fail_errno(error, w->io_errno, what, w->tmp_path);
  char msg[AV_ERROR_MAX_STRING_SIZE] = "";
  av_strerror(ret, msg, sizeof msg);
  g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s %s: %s", what, w->tmp_path, msg);
  return FALSE;
}

static gboolean invalid(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static gboolean
invalid(GError **error, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, msg);
  return FALSE;
}

/* ---- Tracks ------------------------------------------------------------------ */

const char *
wt_segment_extension(const WtSegmentTracks *tracks)
{
  return tracks->video == WT_CODEC_H264 ? "mkv" : "webm";
}

static gboolean
check_tracks(const WtSegmentTracks *t, GError **error)
{
  if (t->video != WT_CODEC_NONE && !wt_codec_is_video(t->video))
    return invalid(error, "%s is not a video codec", wt_codec_name(t->video));
  if (t->audio != WT_CODEC_NONE && t->audio != WT_CODEC_OPUS)
    return invalid(error, "%s is not an audio codec", wt_codec_name(t->audio));
  if (t->video == WT_CODEC_NONE && t->audio == WT_CODEC_NONE)
    return invalid(error, "a segment needs a track");
  if (t->video != WT_CODEC_NONE && (t->width == 0 || t->height == 0))
    return invalid(error, "a video track needs its picture size");
  if (t->video == WT_CODEC_H264 && (!t->video_extradata || t->video_extradata_len == 0))
    return invalid(error, "an H.264 track needs its SPS and PPS");
  if (t->video_extradata_len > 64 * 1024)
    return invalid(error, "video extradata of %" G_GSIZE_FORMAT " bytes", t->video_extradata_len);
  if (t->audio == WT_CODEC_OPUS && (t->audio_channels < 1 || t->audio_channels > 2))
    return invalid(error, "Opus with %u channels", t->audio_channels);
  return TRUE;
}

static gboolean
set_extradata(AVCodecParameters *par, const guint8 *data, gsize len)
{
  par->extradata = av_mallocz(len + AV_INPUT_BUFFER_PADDING_SIZE);
  if (!par->extradata)
    return FALSE;
  memcpy(par->extradata, data, len);
  par->extradata_size = (int)len;
  return TRUE;
}

/* The Opus identification header (RFC 7845 §5.1), which Matroska stores as
 * the track's CodecPrivate. Pre-skip is 0: the remote encoder's delay is
 * unknown, and every sample it sent is kept. */
static void
opus_head(guint8 out[OPUS_HEAD_LEN], guint channels, guint32 input_rate)
{
  memcpy(out, "OpusHead", 8);
  out[8] = 1; /* version */
  out[9] = (guint8)channels;
  out[10] = out[11] = 0; /* pre-skip, little-endian */
  out[12] = (guint8)input_rate;
  out[13] = (guint8)(input_rate >> 8);
  out[14] = (guint8)(input_rate >> 16);
  out[15] = (guint8)(input_rate >> 24);
  out[16] = out[17] = 0; /* output gain */
  out[18] = 0;           /* channel mapping family 0: mono or stereo */
}

static enum AVCodecID
av_codec_id(WtCodec codec)
{
  switch (codec) {
  case WT_CODEC_VP8:
    return AV_CODEC_ID_VP8;
  case WT_CODEC_VP9:
    return AV_CODEC_ID_VP9;
  case WT_CODEC_H264:
    return AV_CODEC_ID_H264;
  case WT_CODEC_OPUS:
    return AV_CODEC_ID_OPUS;
  case WT_CODEC_NONE:
  default:
    return AV_CODEC_ID_NONE;
  }
}

static gboolean
add_streams(WtSegmentWriter *w, const WtSegmentTracks *t, GError **error)
{
  w->stream[WT_SEGMENT_AUDIO] = w->stream[WT_SEGMENT_VIDEO] = -1;
  if (t->video != WT_CODEC_NONE) {
    AVStream *st = avformat_new_stream(w->fmt, NULL);
    if (!st)
      return invalid(error, "cannot add a video stream");
    st->time_base = (AVRational){1, 1000};
    st->codecpar->codec_type = AVMEDIA_TYPE_VIDEO;
    st->codecpar->codec_id = av_codec_id(t->video);
    st->codecpar->width = t->width;
    st->codecpar->height = t->height;
    if (t->video_extradata_len &&
        !set_extradata(st->codecpar, t->video_extradata, t->video_extradata_len))
      return invalid(error, "out of memory for extradata");
    w->stream[WT_SEGMENT_VIDEO] = st->index;
  }
  if (t->audio != WT_CODEC_NONE) {
    AVStream *st = avformat_new_stream(w->fmt, NULL);
    if (!st)
      return invalid(error, "cannot add an audio stream");
    st->time_base = (AVRational){1, 1000};
    st->codecpar->codec_type = AVMEDIA_TYPE_AUDIO;
    st->codecpar->codec_id = AV_CODEC_ID_OPUS;
    st->codecpar->sample_rate = 48000; /* Opus in Matroska always decodes at 48 kHz */
    av_channel_layout_default(&st->codecpar->ch_layout, (int)t->audio_channels);
    guint8 head[OPUS_HEAD_LEN];
    opus_head(head, t->audio_channels, t->audio_clock_rate ? t->audio_clock_rate : 48000);
    if (!set_extradata(st->codecpar, head, sizeof head))
      return invalid(error, "out of memory for extradata");
    w->stream[WT_SEGMENT_AUDIO] = st->index;
  }
  return TRUE;
}

/* ---- Life cycle -------------------------------------------------------------- */

static gboolean
check_name(const char *name, GError **error)
{
  if (!name || !*name || name[0] == '.' || strchr(name, '/') || strlen(name) > 200)
    return invalid(error, "bad segment name \"%s\"", name ? name : "");
  return TRUE;
}

WtSegmentWriter *
wt_segment_writer_new(const char *dir, const char *name, const WtSegmentTracks *tracks,
                      GError **error)
{
  if (!check_name(name, error) || !check_tracks(tracks, error))
    return NULL;
  g_autoptr(WtSegmentWriter) w = g_new0(WtSegmentWriter, 1);
  w->fd = -1;
  w->dir = g_strdup(dir);
  const char *ext = wt_segment_extension(tracks);
  g_snprintf(w->file_name, sizeof w->file_name, "%s.%s", name, ext);
  w->final_path = g_build_filename(dir, w->file_name, NULL);
  g_autofree char *tmp_name = g_strdup_printf(".%s.tmp", w->file_name);
  w->tmp_path = g_build_filename(dir, tmp_name, NULL);

  w->fd = open(w->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, FILE_MODE);
  if (w->fd < 0) {
    fail_errno(error, errno, "cannot create", w->tmp_path);
    return NULL;
  }
  w->created = TRUE;

  w->sha = EVP_MD_CTX_new();
  if (!w->sha || !EVP_DigestInit_ex(w->sha, EVP_sha256(), NULL)) {
    invalid(error, "cannot start SHA-256");
    return NULL;
  }
  const char *format = tracks->video == WT_CODEC_H264 ? "matroska" : "webm";
  int ret = avformat_alloc_output_context2(&w->fmt, NULL, format, NULL);
  if (ret < 0 || !w->fmt) {
    fail_av(w, error, ret, "cannot make a muxer for");
    return NULL;
  }
  guint8 *buffer = av_malloc(IO_BUFFER_SIZE);
  if (buffer)
    w->io = avio_alloc_context(buffer, IO_BUFFER_SIZE, 1, w, NULL, io_write, NULL);
  if (!w->io) {
    av_free(buffer);
    invalid(error, "out of memory for the output of %s", w->tmp_path);
    return NULL;
  }
  w->io->seekable = 0; /* no seek callback either: the muxer never goes back */
  w->fmt->pb = w->io;
  w->fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
  if (!add_streams(w, tracks, error))
    return NULL;
  if ((ret = avformat_write_header(w->fmt, NULL)) < 0) {
    fail_av(w, error, ret, "cannot write the header of");
    return NULL;
  }
  w->pkt = av_packet_alloc();
  if (!w->pkt) {
    invalid(error, "out of memory for a packet");
    return NULL;
  }
  g_debug("segment %s: started (%s, video %s, audio %s)", w->tmp_path, format,
          wt_codec_name(tracks->video), wt_codec_name(tracks->audio));
  return g_steal_pointer(&w);
}

void
wt_segment_writer_abort(WtSegmentWriter *w)
{
  if (!w)
    return;
  if (w->fmt)
    avformat_free_context(w->fmt); /* no trailer: the file is dropped */
  if (w->io) {
    av_freep(&w->io->buffer);
    avio_context_free(&w->io);
  }
  av_packet_free(&w->pkt);
  if (w->fd >= 0)
    close(w->fd);
  if (w->created && unlink(w->tmp_path) != 0 && errno != ENOENT)
    g_message("segment %s: cannot remove: %s", w->tmp_path, g_strerror(errno));
  EVP_MD_CTX_free(w->sha);
  g_free(w->dir);
  g_free(w->tmp_path);
  g_free(w->final_path);
  g_free(w);
}

const char *
wt_segment_writer_get_temp_path(const WtSegmentWriter *w)
{
  return w->tmp_path;
}

gboolean
wt_segment_writer_write(WtSegmentWriter *w, WtSegmentKind kind, const guint8 *frame, gsize len,
                        gint64 pts_ms, gboolean keyframe, GError **error)
{
  if (w->broken)
    return invalid(error, "segment %s: an earlier write failed", w->tmp_path);
  if ((guint)kind >= WT_SEGMENT_KINDS || w->stream[kind] < 0)
    return invalid(error, "segment %s has no %s track", w->tmp_path,
                   kind == WT_SEGMENT_VIDEO ? "video" : "audio");
  if (len == 0 || len > G_MAXINT / 2)
    return invalid(error, "segment %s: a frame of %" G_GSIZE_FORMAT " bytes", w->tmp_path, len);
  if (pts_ms < 0 || (w->frames[kind] && pts_ms < w->last_pts[kind]))
    return invalid(error,
                   "segment %s: %s pts %" G_GINT64_FORMAT " ms after %" G_GINT64_FORMAT " ms",
                   w->tmp_path, kind == WT_SEGMENT_VIDEO ? "video" : "audio", pts_ms,
                   w->frames[kind] ? w->last_pts[kind] : 0);

  AVStream *st = w->fmt->streams[w->stream[kind]];
  /* Not reference-counted: libavformat copies what it must keep. */
  w->pkt->data = (uint8_t *)frame;
  w->pkt->size = (int)len;
  w->pkt->pts = w->pkt->dts = av_rescale_q(pts_ms, (AVRational){1, 1000}, st->time_base);
  w->pkt->stream_index = st->index;
  w->pkt->flags = keyframe ? AV_PKT_FLAG_KEY : 0;
  int ret = av_interleaved_write_frame(w->fmt, w->pkt);
  av_packet_unref(w->pkt);
  if (ret < 0) {
    w->broken = TRUE;
    return fail_av(w, error, ret, "cannot write a frame to");
  }
  if (w->frames[kind]++ == 0)
    w->first_pts[kind] = pts_ms;
  w->last_pts[kind] = pts_ms;
  return TRUE;
}

/* rename() that never replaces an existing file: evidence is not overwritten. */
static int
rename_noreplace(const char *from, const char *to)
{
  if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
    return 0;
  if (errno != EINVAL && errno != ENOSYS)
    return -1;
  /* A file system without RENAME_NOREPLACE: the check and the rename are
   * not atomic, but this folder has one writer. */
  if (access(to, F_OK) == 0) {
    errno = EEXIST;
    return -1;
  }
  return rename(from, to);
}

static gboolean
finish_file(WtSegmentWriter *w, GError **error)
{
  if (w->broken)
    return invalid(error, "segment %s: an earlier write failed", w->tmp_path);
  int ret = av_write_trailer(w->fmt);
  if (ret < 0)
    return fail_av(w, error, ret, "cannot write the trailer of");
  avio_flush(w->io);
  if (w->io_errno || w->io->error < 0)
    return fail_av(w, error, w->io->error, "cannot write");
  if (fsync(w->fd) != 0)
    return fail_errno(error, errno, "cannot fsync", w->tmp_path);
  int fd = w->fd;
  w->fd = -1;
  if (close(fd) != 0)
    return fail_errno(error, errno, "cannot close", w->tmp_path);
  if (rename_noreplace(w->tmp_path, w->final_path) != 0)
    return fail_errno(error, errno, "cannot rename into place", w->final_path);
  w->created = FALSE;
  if (!wt_storage_fsync_dir(w->dir, error)) {
    /* Not durable, so not finished: the caller records no such segment. */
    unlink(w->final_path);
    return FALSE;
  }
  return TRUE;
}

gboolean
wt_segment_writer_finish(WtSegmentWriter *w, WtSegmentInfo *out, GError **error)
{
  g_autoptr(WtSegmentWriter) owned = w; /* freed on every return */
  (void)owned;
  memset(out, 0, sizeof *out);
  if (!finish_file(w, error))
    return FALSE;
  unsigned int n = 0;
  if (!EVP_DigestFinal_ex(w->sha, out->sha256, &n) || n != WT_SEGMENT_SHA256_LEN) {
    unlink(w->final_path);
    return invalid(error, "cannot finish SHA-256 of %s", w->final_path);
  }
  g_strlcpy(out->file_name, w->file_name, sizeof out->file_name);
  out->size = w->size;
  for (guint k = 0; k < WT_SEGMENT_KINDS; k++) {
    out->frames[k] = w->frames[k];
    out->first_pts_ms[k] = w->first_pts[k];
    out->last_pts_ms[k] = w->last_pts[k];
  }
  g_debug("segment %s: %" G_GUINT64_FORMAT " bytes, %" G_GUINT64_FORMAT
          " video and %" G_GUINT64_FORMAT " audio frames",
          w->final_path, w->size, w->frames[WT_SEGMENT_VIDEO], w->frames[WT_SEGMENT_AUDIO]);
  return TRUE;
}
