/* avsync.c — decodes recorded segments and finds flashes and beeps (see
 * avsync.h). Single-threaded. */
#include "avsync.h"

#include <gio/gio.h>
#include <libavutil/channel_layout.h>

#include "av_autoptr.h"

/* Mean luma (0-255) above which a frame is a flash: the clip's dark pattern
 * averages about 30, a flash 235. */
#define BRIGHT_LUMA 128
/* Peak sample level (full scale 1) above which a millisecond is a beep: the
 * beep peaks at 0.5, the silence decodes to about 0. */
#define LOUD_LEVEL 0.1
#define AUDIO_BLOCK_US 1000

typedef struct {
  gint64 at_us;
  guint segment;
  gboolean on, opening;
} Mark;

struct _LoadAvSync {
  GArray *marks[LOAD_AVSYNC_KINDS]; /* Mark, in decoding order */
  guint segments;
};

LoadAvSync *
load_avsync_new(void)
{
  LoadAvSync *s = g_new0(LoadAvSync, 1);
  for (guint k = 0; k < LOAD_AVSYNC_KINDS; k++)
    s->marks[k] = g_array_new(FALSE, FALSE, sizeof(Mark));
  return s;
}

void
load_avsync_free(LoadAvSync *s)
{
  if (!s)
    return;
  for (guint k = 0; k < LOAD_AVSYNC_KINDS; k++)
    g_array_unref(s->marks[k]);
  g_free(s);
}

static gboolean
av_failed(GError **error, const char *path, const char *what, int err)
{
  char text[AV_ERROR_MAX_STRING_SIZE] = "";
  av_strerror(err, text, sizeof text);
  g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s: %s", path, what, text);
  return FALSE;
}

static void
add_mark(LoadAvSync *s, LoadAvSyncKind kind, gint64 at_us, gboolean on, gboolean opening)
{
  Mark m = {.at_us = at_us, .segment = s->segments, .on = on, .opening = opening};
  g_array_append_val(s->marks[kind], m);
}

static void
mark_video(LoadAvSync *s, const AVFrame *f, gint64 at_us, gboolean opening)
{
  /* Every 4th pixel of every 4th row is plenty for a whole-picture flash. */
  guint64 sum = 0, n = 0;
  for (int y = 0; y < f->height; y += 4) {
    const guint8 *row = f->data[0] + (gsize)y * (gsize)f->linesize[0];
    for (int x = 0; x < f->width; x += 4, n++)
      sum += row[x];
  }
  add_mark(s, LOAD_AVSYNC_VIDEO, at_us, n && sum / n > BRIGHT_LUMA, opening);
}

/* One mark per millisecond of @f, from its first channel. */
static void
mark_audio(LoadAvSync *s, const AVFrame *f, gint64 at_us)
{
  int per_block = f->sample_rate / 1000;
  for (int i = 0; per_block > 0 && i + per_block <= f->nb_samples; i += per_block) {
    float peak = 0;
    for (int j = i; j < i + per_block; j++) {
      float v;
      if (f->format == AV_SAMPLE_FMT_FLTP)
        v = ((const float *)f->extended_data[0])[j];
      else if (f->format == AV_SAMPLE_FMT_FLT)
        v = ((const float *)f->extended_data[0])[j * f->ch_layout.nb_channels];
      else if (f->format == AV_SAMPLE_FMT_S16)
        v = ((const gint16 *)f->extended_data[0])[j * f->ch_layout.nb_channels] / 32768.0f;
      else
        v = 0;
      peak = MAX(peak, v < 0 ? -v : v);
    }
    gint64 t = at_us + (gint64)i * G_USEC_PER_SEC / f->sample_rate;
    add_mark(s, LOAD_AVSYNC_AUDIO, t, peak > LOUD_LEVEL, FALSE);
  }
}

/* Takes every frame @dec has ready. */
static gboolean
drain(LoadAvSync *s, AVCodecContext *dec, AVRational tb, AVFrame *frame, gboolean *first_video,
      const char *path, GError **error)
{
  for (;;) {
    int r = avcodec_receive_frame(dec, frame);
    if (r == AVERROR(EAGAIN) || r == AVERROR_EOF)
      return TRUE;
    if (r < 0)
      return av_failed(error, path, "decoding", r);
    gint64 pts = frame->best_effort_timestamp;
    if (pts == AV_NOPTS_VALUE) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: a frame without a time", path);
      return FALSE;
    }
    gint64 at_us = av_rescale_q(pts, tb, (AVRational){1, G_USEC_PER_SEC});
    if (dec->codec_type == AVMEDIA_TYPE_VIDEO) {
      mark_video(s, frame, at_us, *first_video);
      *first_video = FALSE;
    } else {
      mark_audio(s, frame, at_us);
    }
    av_frame_unref(frame);
  }
}

/* Reads and decodes every packet of @in through @dec (index by kind). */
static gboolean
decode_all(LoadAvSync *s, AVFormatContext *in, AVCodecContext *dec[], const int index[],
           const char *path, GError **error)
{
  g_autoptr(AVPacket) pkt = av_packet_alloc();
  g_autoptr(AVFrame) frame = av_frame_alloc();
  gboolean first_video = TRUE, ok = TRUE;
  int r;
  while (ok && (r = av_read_frame(in, pkt)) >= 0) {
    for (guint k = 0; k < LOAD_AVSYNC_KINDS; k++) {
      if (!dec[k] || pkt->stream_index != index[k])
        continue;
      if ((r = avcodec_send_packet(dec[k], pkt)) < 0)
        ok = av_failed(error, path, "decoding", r);
      else
        ok = drain(s, dec[k], in->streams[index[k]]->time_base, frame, &first_video, path, error);
    }
    av_packet_unref(pkt);
  }
  if (ok && r != AVERROR_EOF)
    ok = av_failed(error, path, "reading", r);
  for (guint k = 0; ok && k < LOAD_AVSYNC_KINDS; k++) {
    if (!dec[k])
      continue;
    avcodec_send_packet(dec[k], NULL);
    ok = drain(s, dec[k], in->streams[index[k]]->time_base, frame, &first_video, path, error);
  }
  return ok;
}

gboolean
load_avsync_add_segment(LoadAvSync *s, const char *path, GError **error)
{
  g_autoptr(WtAvInput) in = NULL;
  int r = avformat_open_input(&in, path, NULL, NULL);
  if (r < 0)
    return av_failed(error, path, "cannot open", r);
  if ((r = avformat_find_stream_info(in, NULL)) < 0)
    return av_failed(error, path, "no stream info", r);
  AVCodecContext *dec[LOAD_AVSYNC_KINDS] = {NULL, NULL};
  int index[LOAD_AVSYNC_KINDS] = {-1, -1};
  gboolean ok = TRUE;
  for (guint k = 0; ok && k < LOAD_AVSYNC_KINDS; k++) {
    enum AVMediaType type = k == LOAD_AVSYNC_VIDEO ? AVMEDIA_TYPE_VIDEO : AVMEDIA_TYPE_AUDIO;
    const AVCodec *codec = NULL;
    index[k] = av_find_best_stream(in, type, -1, -1, &codec, 0);
    if (index[k] < 0)
      continue;
    r = AVERROR(ENOMEM);
    dec[k] = avcodec_alloc_context3(codec);
    if (!dec[k] ||
        (r = avcodec_parameters_to_context(dec[k], in->streams[index[k]]->codecpar)) < 0 ||
        (r = avcodec_open2(dec[k], codec, NULL)) < 0)
      ok = av_failed(error, path, "cannot open a decoder", r);
  }
  if (ok)
    ok = decode_all(s, in, dec, index, path, error);
  for (guint k = 0; k < LOAD_AVSYNC_KINDS; k++)
    avcodec_free_context(&dec[k]);
  s->segments++;
  return ok;
}

static gint
mark_cmp(gconstpointer a, gconstpointer b)
{
  const Mark *x = a, *y = b;
  return x->at_us < y->at_us ? -1 : x->at_us > y->at_us;
}

GArray *
load_avsync_onsets(const LoadAvSync *s, LoadAvSyncKind kind)
{
  /* Segments follow each other in time, but sort anyway: a frame that a
   * segment boundary put out of order would be a finding of its own. */
  g_autoptr(GArray) marks = g_array_copy(s->marks[kind]);
  g_array_sort(marks, mark_cmp);
  GArray *onsets = g_array_new(FALSE, FALSE, sizeof(LoadAvSyncOnset));
  for (guint i = 1; i < marks->len; i++) {
    const Mark *prev = &g_array_index(marks, Mark, i - 1), *m = &g_array_index(marks, Mark, i);
    if (m->on && !prev->on) {
      LoadAvSyncOnset o = {.at_us = m->at_us, .segment = m->segment, .opening = m->opening};
      g_array_append_val(onsets, o);
    }
  }
  return onsets;
}

gboolean
load_avsync_span(const LoadAvSync *s, LoadAvSyncKind kind, gint64 *first, gint64 *last)
{
  GArray *marks = s->marks[kind];
  if (marks->len == 0)
    return FALSE;
  *first = G_MAXINT64;
  *last = G_MININT64;
  for (guint i = 0; i < marks->len; i++) {
    *first = MIN(*first, g_array_index(marks, Mark, i).at_us);
    *last = MAX(*last, g_array_index(marks, Mark, i).at_us);
  }
  return TRUE;
}
