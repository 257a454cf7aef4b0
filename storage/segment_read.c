/* segment_read.c — segment files read back with libavformat (see
 * segment_read.h). Any thread; blocking file I/O. */
#include "segment_read.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "av_autoptr.h"

static gboolean
fail_av(GError **error, int ret, const char *what, const char *path)
{
  char msg[AV_ERROR_MAX_STRING_SIZE] = "";
  av_strerror(ret, msg, sizeof msg);
  g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s %s: %s", what, path, msg);
  return FALSE;
}

static WtAvInput *
open_input(const char *path, GError **error)
{
  WtAvInput *in = NULL;
  int ret = avformat_open_input(&in, path, NULL, NULL);
  if (ret < 0) {
    fail_av(error, ret, "cannot read", path);
    return NULL;
  }
  return in;
}

gboolean
wt_segment_probe_first_pts(const char *path, gint64 *first_ms, GError **error)
{
  g_autoptr(WtAvInput) in = open_input(path, error);
  if (!in)
    return FALSE;
  g_autoptr(AVPacket) pkt = av_packet_alloc();
  guint seen = 0, want = MIN(in->nb_streams, 8u);
  gboolean stream_seen[8] = {FALSE};
  gint64 first = G_MAXINT64;
  /* The first packet of each track; a bounded look. */
  for (guint n = 0; seen < want && n < 1000 && av_read_frame(in, pkt) >= 0; n++) {
    guint s = (guint)pkt->stream_index;
    if (s < want && !stream_seen[s] && pkt->pts != AV_NOPTS_VALUE) {
      stream_seen[s] = TRUE;
      seen++;
      first = MIN(first, av_rescale_q(pkt->pts, in->streams[s]->time_base, (AVRational){1, 1000}));
    }
    av_packet_unref(pkt);
  }
  if (first == G_MAXINT64) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s holds no frame", path);
    return FALSE;
  }
  *first_ms = first;
  return TRUE;
}

static WtCodec
codec_of(enum AVCodecID id)
{
  switch (id) {
  case AV_CODEC_ID_VP8:
    return WT_CODEC_VP8;
  case AV_CODEC_ID_VP9:
    return WT_CODEC_VP9;
  case AV_CODEC_ID_H264:
    return WT_CODEC_H264;
  case AV_CODEC_ID_OPUS:
    return WT_CODEC_OPUS;
  default:
    return WT_CODEC_NONE;
  }
}

/* The tracks of @in as the writer wants them; @index gets each kind's stream. */
static gboolean
tracks_of(WtAvInput *in, const char *path, WtSegmentTracks *t, int index[WT_SEGMENT_KINDS],
          GError **error)
{
  memset(t, 0, sizeof *t);
  index[WT_SEGMENT_AUDIO] = index[WT_SEGMENT_VIDEO] = -1;
  for (guint i = 0; i < in->nb_streams; i++) {
    AVCodecParameters *par = in->streams[i]->codecpar;
    WtCodec codec = codec_of(par->codec_id);
    if (par->codec_type == AVMEDIA_TYPE_VIDEO && wt_codec_is_video(codec) &&
        index[WT_SEGMENT_VIDEO] < 0) {
      index[WT_SEGMENT_VIDEO] = (int)i;
      t->video = codec;
      t->width = (guint16)par->width;
      t->height = (guint16)par->height;
      t->video_extradata = par->extradata;
      t->video_extradata_len = par->extradata_size > 0 ? (gsize)par->extradata_size : 0;
    } else if (par->codec_type == AVMEDIA_TYPE_AUDIO && codec == WT_CODEC_OPUS &&
               index[WT_SEGMENT_AUDIO] < 0) {
      index[WT_SEGMENT_AUDIO] = (int)i;
      t->audio = codec;
      t->audio_channels = par->ch_layout.nb_channels > 0 ? (guint)par->ch_layout.nb_channels : 2;
      if (par->extradata_size >= 16) /* OpusHead: input sample rate, little-endian */
        t->audio_clock_rate = (guint)par->extradata[12] | (guint)par->extradata[13] << 8 |
                              (guint)par->extradata[14] << 16 | (guint)par->extradata[15] << 24;
    }
  }
  if (t->video == WT_CODEC_NONE && t->audio == WT_CODEC_NONE) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s has no track to recover", path);
    return FALSE;
  }
  return TRUE;
}

gboolean
wt_segment_remux(const char *src, const char *dir, const char *name, WtSegmentInfo *info,
                 WtSegmentTracks *tracks, GError **error)
{
  memset(info, 0, sizeof *info);
  GStatBuf st;
  if (g_stat(src, &st) != 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "cannot read %s", src);
    return FALSE;
  }
  g_autoptr(WtAvInput) in = open_input(src, error);
  if (!in)
    return FALSE;
  int index[WT_SEGMENT_KINDS];
  if (!tracks_of(in, src, tracks, index, error))
    return FALSE;
  g_autoptr(WtSegmentWriter) w = wt_segment_writer_new(dir, name, tracks, error);
  tracks->video_extradata = NULL; /* they point into @in */
  tracks->video_extradata_len = 0;
  if (!w)
    return FALSE;
  g_autoptr(AVPacket) pkt = av_packet_alloc();
  gboolean video_started = FALSE;
  guint64 frames = 0;
  int ret;
  while ((ret = av_read_frame(in, pkt)) >= 0) {
    WtSegmentKind kind = pkt->stream_index == index[WT_SEGMENT_VIDEO]   ? WT_SEGMENT_VIDEO
                         : pkt->stream_index == index[WT_SEGMENT_AUDIO] ? WT_SEGMENT_AUDIO
                                                                        : WT_SEGMENT_KINDS;
    /* A frame the crash cut: its bytes run past the end of the file. */
    gboolean cut = pkt->pos >= 0 && pkt->pos + pkt->size > (gint64)st.st_size;
    gboolean key = (pkt->flags & AV_PKT_FLAG_KEY) != 0;
    if (cut) {
      av_packet_unref(pkt);
      break;
    }
    if (kind != WT_SEGMENT_KINDS && pkt->size > 0 && pkt->pts != AV_NOPTS_VALUE &&
        !(pkt->flags & AV_PKT_FLAG_CORRUPT) && (kind == WT_SEGMENT_AUDIO || key || video_started)) {
      gint64 pts =
          av_rescale_q(pkt->pts, in->streams[pkt->stream_index]->time_base, (AVRational){1, 1000});
      g_autoptr(GError) local = NULL;
      if (wt_segment_writer_write(w, kind, pkt->data, (gsize)pkt->size, pts, key, &local)) {
        frames++;
        video_started |= kind == WT_SEGMENT_VIDEO;
      } else if (!g_error_matches(local, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT)) {
        g_propagate_error(error, g_steal_pointer(&local)); /* the disk, not the frame */
        return FALSE;
      }
    }
    av_packet_unref(pkt);
  }
  if (frames == 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s holds no readable frame", src);
    return FALSE;
  }
  return wt_segment_writer_finish(g_steal_pointer(&w), info, error);
}
