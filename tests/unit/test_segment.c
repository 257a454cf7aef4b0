/* test_segment.c — segment files (storage/segment.h): frames encoded here
 * with libavcodec (libvpx, libx264, libopus) are muxed into WebM and
 * Matroska, read back and decoded with libavformat/libavcodec; the SHA-256
 * the writer reports is the file's; no temporary file is left; pts that go
 * back, missing tracks, bad names and existing files are refused. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libavutil/opt.h>
#include <math.h>
#include <string.h>

#include "av_autoptr.h"
#include "segment.h"

typedef struct {
  GBytes *data;
  gint64 pts_ms;
  gboolean key;
} Pkt;

static void
pkt_free(gpointer p)
{
  Pkt *k = p;
  g_bytes_unref(k->data);
  g_free(k);
}

/* Moves every packet the encoder has ready into @out, pts converted to ms. */
static void
drain_encoder(AVCodecContext *ctx, GPtrArray *out)
{
  g_autoptr(AVPacket) pkt = av_packet_alloc();
  while (avcodec_receive_packet(ctx, pkt) == 0) {
    Pkt *k = g_new0(Pkt, 1);
    k->data = g_bytes_new(pkt->data, (gsize)pkt->size);
    k->pts_ms = av_rescale_q(pkt->pts, ctx->time_base, (AVRational){1, 1000});
    k->key = (pkt->flags & AV_PKT_FLAG_KEY) != 0;
    g_ptr_array_add(out, k);
    av_packet_unref(pkt);
  }
}

/* @n frames of 320x240 at 30 fps from @encoder, or NULL (and the test
 * skipped) when libavcodec lacks it. H.264's SPS and PPS go to @extradata. */
static GPtrArray *
encode_video(const char *encoder, int n, GBytes **extradata)
{
  const AVCodec *codec = avcodec_find_encoder_by_name(encoder);
  if (!codec) {
    g_autofree char *why = g_strdup_printf("libavcodec has no %s encoder", encoder);
    g_test_skip(why);
    return NULL;
  }
  g_autoptr(AVCodecContext) ctx = avcodec_alloc_context3(codec);
  ctx->width = 320;
  ctx->height = 240;
  ctx->pix_fmt = AV_PIX_FMT_YUV420P;
  ctx->time_base = (AVRational){1, 30};
  ctx->framerate = (AVRational){30, 1};
  ctx->gop_size = 10;
  ctx->max_b_frames = 0;
  ctx->bit_rate = 300000;
  if (extradata)
    ctx->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  if (strcmp(encoder, "libx264") == 0) {
    av_opt_set(ctx->priv_data, "preset", "ultrafast", 0);
    av_opt_set(ctx->priv_data, "tune", "zerolatency", 0);
  } else {
    av_opt_set(ctx->priv_data, "deadline", "realtime", 0);
    av_opt_set_int(ctx->priv_data, "cpu-used", 8, 0);
    av_opt_set_int(ctx->priv_data, "lag-in-frames", 0, 0);
  }
  g_assert_cmpint(avcodec_open2(ctx, codec, NULL), ==, 0);
  if (extradata)
    *extradata = g_bytes_new(ctx->extradata, (gsize)ctx->extradata_size);

  g_autoptr(AVFrame) frame = av_frame_alloc();
  frame->format = ctx->pix_fmt;
  frame->width = ctx->width;
  frame->height = ctx->height;
  g_assert_cmpint(av_frame_get_buffer(frame, 0), ==, 0);
  GPtrArray *out = g_ptr_array_new_with_free_func(pkt_free);
  for (int i = 0; i < n; i++) {
    g_assert_cmpint(av_frame_make_writable(frame), ==, 0);
    for (int y = 0; y < ctx->height; y++)
      for (int x = 0; x < ctx->width; x++)
        frame->data[0][y * frame->linesize[0] + x] = (guint8)(x + y + i * 3);
    for (int p = 1; p <= 2; p++)
      for (int y = 0; y < ctx->height / 2; y++)
        memset(frame->data[p] + y * frame->linesize[p], 128 + p * i, (gsize)ctx->width / 2);
    frame->pts = i;
    g_assert_cmpint(avcodec_send_frame(ctx, frame), ==, 0);
    drain_encoder(ctx, out);
  }
  g_assert_cmpint(avcodec_send_frame(ctx, NULL), ==, 0);
  drain_encoder(ctx, out);
  g_assert_cmpuint(out->len, ==, (guint)n);
  g_assert_true(((Pkt *)out->pdata[0])->key);
  return out;
}

/* @n 20 ms Opus packets of a 440 Hz tone, mono, or NULL (skipped). */
static GPtrArray *
encode_opus(int n)
{
  const AVCodec *codec = avcodec_find_encoder_by_name("libopus");
  if (!codec) {
    g_test_skip("libavcodec has no libopus encoder");
    return NULL;
  }
  g_autoptr(AVCodecContext) ctx = avcodec_alloc_context3(codec);
  ctx->sample_rate = 48000;
  ctx->sample_fmt = AV_SAMPLE_FMT_S16;
  ctx->bit_rate = 32000;
  ctx->time_base = (AVRational){1, 48000};
  av_channel_layout_default(&ctx->ch_layout, 1);
  g_assert_cmpint(avcodec_open2(ctx, codec, NULL), ==, 0);
  g_assert_cmpint(ctx->frame_size, ==, 960);
  g_autoptr(AVFrame) frame = av_frame_alloc();
  frame->format = ctx->sample_fmt;
  frame->nb_samples = ctx->frame_size;
  frame->sample_rate = 48000;
  av_channel_layout_default(&frame->ch_layout, 1);
  g_assert_cmpint(av_frame_get_buffer(frame, 0), ==, 0);
  GPtrArray *out = g_ptr_array_new_with_free_func(pkt_free);
  for (int i = 0; i < n; i++) {
    g_assert_cmpint(av_frame_make_writable(frame), ==, 0);
    gint16 *s = (gint16 *)frame->data[0];
    for (int j = 0; j < frame->nb_samples; j++)
      s[j] = (gint16)(8000 * sin(2 * G_PI * 440 * (i * 960 + j) / 48000.0));
    frame->pts = (gint64)i * 960;
    g_assert_cmpint(avcodec_send_frame(ctx, frame), ==, 0);
    drain_encoder(ctx, out);
  }
  g_assert_cmpint(avcodec_send_frame(ctx, NULL), ==, 0);
  drain_encoder(ctx, out);
  g_assert_cmpuint(out->len, >=, (guint)n);
  /* Shift onto the capture time: the encoder's pts includes its delay. */
  gint64 first = ((Pkt *)out->pdata[0])->pts_ms;
  for (guint i = 0; i < out->len; i++)
    ((Pkt *)out->pdata[i])->pts_ms -= first;
  return out;
}

/* Writes @video and @audio (either may be NULL) interleaved by pts. */
static void
write_all(WtSegmentWriter *w, GPtrArray *video, GPtrArray *audio, gint64 video_offset)
{
  guint v = 0, a = 0;
  while ((video && v < video->len) || (audio && a < audio->len)) {
    Pkt *pv = video && v < video->len ? video->pdata[v] : NULL;
    Pkt *pa = audio && a < audio->len ? audio->pdata[a] : NULL;
    gboolean use_video = pv && (!pa || pv->pts_ms + video_offset <= pa->pts_ms);
    Pkt *p = use_video ? pv : pa;
    gsize len;
    const guint8 *data = g_bytes_get_data(p->data, &len);
    g_autoptr(GError) error = NULL;
    g_assert_true(wt_segment_writer_write(w, use_video ? WT_SEGMENT_VIDEO : WT_SEGMENT_AUDIO, data,
                                          len, p->pts_ms + (use_video ? video_offset : 0), p->key,
                                          &error));
    g_assert_no_error(error);
    if (use_video)
      v++;
    else
      a++;
  }
}

static guint
count_entries(const char *dir)
{
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  guint n = 0;
  while (g_dir_read_name(d))
    n++;
  return n;
}

static void
remove_dir(char *dir)
{
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  const char *name;
  while ((name = g_dir_read_name(d))) {
    g_autofree char *p = g_build_filename(dir, name, NULL);
    g_unlink(p);
  }
  g_rmdir(dir);
  g_free(dir);
}
typedef char char_dir; /* a temporary folder, removed with its files */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(char_dir, remove_dir)

/* The file's SHA-256 by GLib, independent of the writer's OpenSSL. */
static void
assert_sha256_of_file(const char *path, const WtSegmentInfo *info)
{
  g_autofree char *content = NULL;
  gsize len = 0;
  g_assert_true(g_file_get_contents(path, &content, &len, NULL));
  g_assert_cmpuint(len, ==, info->size);
  g_autofree char *want = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (guint8 *)content, len);
  char got[2 * WT_SEGMENT_SHA256_LEN + 1];
  for (guint i = 0; i < WT_SEGMENT_SHA256_LEN; i++)
    g_snprintf(got + 2 * i, 3, "%02x", info->sha256[i]);
  g_assert_cmpstr(got, ==, want);
}

/* Reads @path back: its streams' codecs, packets per stream, and how many
 * video frames decode. */
static void
read_back(const char *path, enum AVCodecID video, enum AVCodecID audio, guint video_packets,
          guint audio_packets)
{
  g_autoptr(WtAvInput) in = NULL;
  g_assert_cmpint(avformat_open_input(&in, path, NULL, NULL), ==, 0);
  g_assert_cmpint(avformat_find_stream_info(in, NULL), >=, 0);
  int vs = -1, as = -1;
  for (unsigned i = 0; i < in->nb_streams; i++) {
    AVCodecParameters *par = in->streams[i]->codecpar;
    if (par->codec_type == AVMEDIA_TYPE_VIDEO) {
      g_assert_cmpint(par->codec_id, ==, video);
      vs = (int)i;
    } else if (par->codec_type == AVMEDIA_TYPE_AUDIO) {
      g_assert_cmpint(par->codec_id, ==, audio);
      g_assert_cmpint(par->sample_rate, ==, 48000);
      as = (int)i;
    }
  }
  g_assert_cmpint(vs >= 0, ==, video != AV_CODEC_ID_NONE);
  g_assert_cmpint(as >= 0, ==, audio != AV_CODEC_ID_NONE);
  g_autoptr(AVCodecContext) dec = NULL;
  if (vs >= 0) {
    const AVCodec *codec = avcodec_find_decoder(video);
    dec = avcodec_alloc_context3(codec);
    avcodec_parameters_to_context(dec, in->streams[vs]->codecpar);
    g_assert_cmpint(avcodec_open2(dec, codec, NULL), ==, 0);
  }
  g_autoptr(AVPacket) pkt = av_packet_alloc();
  g_autoptr(AVFrame) frame = av_frame_alloc();
  guint nv = 0, na = 0, decoded = 0;
  gint64 last_v = G_MININT64;
  while (av_read_frame(in, pkt) >= 0) {
    if (pkt->stream_index == vs) {
      g_assert_cmpint(pkt->pts, >=, last_v);
      last_v = pkt->pts;
      nv++;
      g_assert_cmpint(avcodec_send_packet(dec, pkt), ==, 0);
      while (avcodec_receive_frame(dec, frame) == 0) {
        g_assert_cmpint(frame->width, ==, 320);
        decoded++;
      }
    } else if (pkt->stream_index == as) {
      na++;
    }
    av_packet_unref(pkt);
  }
  if (dec) {
    avcodec_send_packet(dec, NULL);
    while (avcodec_receive_frame(dec, frame) == 0)
      decoded++;
  }
  g_assert_cmpuint(nv, ==, video_packets);
  g_assert_cmpuint(decoded, ==, video_packets);
  g_assert_cmpuint(na, ==, audio_packets);
}

static void
check_av_segment(const char *encoder, WtCodec codec, enum AVCodecID av_id, const char *ext)
{
  gboolean h264 = codec == WT_CODEC_H264;
  g_autoptr(GBytes) extradata = NULL;
  g_autoptr(GPtrArray) video = encode_video(encoder, 15, h264 ? &extradata : NULL);
  if (!video)
    return;
  g_autoptr(GPtrArray) audio = encode_opus(25);
  if (!audio)
    return;
  g_autoptr(char_dir) dir = g_dir_make_tmp("wt-segment-XXXXXX", NULL);
  WtSegmentTracks t = {
      .video = codec, .width = 320, .height = 240, .audio = WT_CODEC_OPUS, .audio_channels = 1};
  if (h264)
    t.video_extradata = g_bytes_get_data(extradata, &t.video_extradata_len);
  g_autoptr(GError) error = NULL;
  g_autoptr(WtSegmentWriter) w = wt_segment_writer_new(dir, "00003", &t, &error);
  g_assert_no_error(error);
  g_autofree char *tmp = g_strdup_printf("%s/.00003.%s.tmp", dir, ext);
  g_assert_cmpstr(wt_segment_writer_get_temp_path(w), ==, tmp);
  g_assert_true(g_file_test(tmp, G_FILE_TEST_EXISTS));
  write_all(w, video, audio, 0);
  WtSegmentInfo info;
  g_assert_true(wt_segment_writer_finish(g_steal_pointer(&w), &info, &error));
  g_assert_no_error(error);

  g_autofree char *name = g_strdup_printf("00003.%s", ext);
  g_assert_cmpstr(info.file_name, ==, name);
  g_autofree char *path = g_build_filename(dir, name, NULL);
  g_assert_cmpuint(count_entries(dir), ==, 1); /* no temporary file left */
  assert_sha256_of_file(path, &info);
  g_assert_cmpuint(info.frames[WT_SEGMENT_VIDEO], ==, video->len);
  g_assert_cmpuint(info.frames[WT_SEGMENT_AUDIO], ==, audio->len);
  g_assert_cmpint(info.first_pts_ms[WT_SEGMENT_VIDEO], ==, 0);
  g_assert_cmpint(info.last_pts_ms[WT_SEGMENT_VIDEO], ==, 467); /* frame 14 at 30 fps */
  g_assert_cmpint(info.last_pts_ms[WT_SEGMENT_AUDIO], ==,
                  ((Pkt *)audio->pdata[audio->len - 1])->pts_ms);
  read_back(path, av_id, AV_CODEC_ID_OPUS, video->len, audio->len);
}

static void
test_vp8_opus_webm(void)
{
  check_av_segment("libvpx", WT_CODEC_VP8, AV_CODEC_ID_VP8, "webm");
}

static void
test_vp9_opus_webm(void)
{
  check_av_segment("libvpx-vp9", WT_CODEC_VP9, AV_CODEC_ID_VP9, "webm");
}

static void
test_h264_opus_mkv(void)
{
  check_av_segment("libx264", WT_CODEC_H264, AV_CODEC_ID_H264, "mkv");
}

static void
test_audio_only_and_video_only(void)
{
  g_autoptr(GPtrArray) audio = encode_opus(10);
  if (!audio)
    return;
  g_autoptr(GPtrArray) video = encode_video("libvpx", 5, NULL);
  if (!video)
    return;
  g_autoptr(char_dir) dir = g_dir_make_tmp("wt-segment-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;

  WtSegmentTracks ta = {.audio = WT_CODEC_OPUS, .audio_channels = 2};
  WtSegmentWriter *w = wt_segment_writer_new(dir, "a", &ta, &error);
  g_assert_no_error(error);
  write_all(w, NULL, audio, 0);
  WtSegmentInfo info;
  g_assert_true(wt_segment_writer_finish(w, &info, &error));
  g_assert_cmpstr(info.file_name, ==, "a.webm");
  g_autofree char *apath = g_build_filename(dir, "a.webm", NULL);
  assert_sha256_of_file(apath, &info);
  read_back(apath, AV_CODEC_ID_NONE, AV_CODEC_ID_OPUS, 0, audio->len);

  /* Video on a timeline that starts at an hour. */
  WtSegmentTracks tv = {.video = WT_CODEC_VP8, .width = 320, .height = 240};
  w = wt_segment_writer_new(dir, "v", &tv, &error);
  g_assert_no_error(error);
  write_all(w, video, NULL, 3600 * 1000);
  g_assert_true(wt_segment_writer_finish(w, &info, &error));
  g_assert_cmpint(info.first_pts_ms[WT_SEGMENT_VIDEO], ==, 3600 * 1000);
  g_assert_cmpuint(info.frames[WT_SEGMENT_AUDIO], ==, 0);
  g_autofree char *vpath = g_build_filename(dir, "v.webm", NULL);
  assert_sha256_of_file(vpath, &info);
  read_back(vpath, AV_CODEC_ID_VP8, AV_CODEC_ID_NONE, video->len, 0);
  g_assert_cmpuint(count_entries(dir), ==, 2);
}

static void
test_refusals(void)
{
  g_autoptr(GPtrArray) video = encode_video("libvpx", 3, NULL);
  if (!video)
    return;
  g_autoptr(char_dir) dir = g_dir_make_tmp("wt-segment-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  WtSegmentTracks t = {.video = WT_CODEC_VP8, .width = 320, .height = 240};
  g_autoptr(WtSegmentWriter) w = wt_segment_writer_new(dir, "00001", &t, &error);
  g_assert_no_error(error);
  gsize len;
  const guint8 *key = g_bytes_get_data(((Pkt *)video->pdata[0])->data, &len);
  g_assert_true(wt_segment_writer_write(w, WT_SEGMENT_VIDEO, key, len, 1000, TRUE, &error));
  /* Back in time: refused, nothing written, the writer still usable. */
  g_assert_false(wt_segment_writer_write(w, WT_SEGMENT_VIDEO, key, len, 999, TRUE, &error));
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error(&error);
  g_assert_false(wt_segment_writer_write(w, WT_SEGMENT_VIDEO, key, len, -5, TRUE, &error));
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error(&error);
  /* No audio track; an empty frame. */
  g_assert_false(wt_segment_writer_write(w, WT_SEGMENT_AUDIO, key, len, 1000, TRUE, &error));
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error(&error);
  g_assert_false(wt_segment_writer_write(w, WT_SEGMENT_VIDEO, key, 0, 1000, TRUE, &error));
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error(&error);
  /* The same pts again is allowed. */
  g_assert_true(wt_segment_writer_write(w, WT_SEGMENT_VIDEO, key, len, 1000, TRUE, &error));
  g_assert_no_error(error);

  /* A second writer for the same name finds the temporary file. */
  WtSegmentWriter *again = wt_segment_writer_new(dir, "00001", &t, &error);
  g_assert_null(again);
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_clear_error(&error);

  /* The final name taken: finishing fails and leaves only the other file. */
  g_autofree char *final = g_build_filename(dir, "00001.webm", NULL);
  g_assert_true(g_file_set_contents(final, "other", 5, NULL));
  WtSegmentInfo info;
  g_assert_false(wt_segment_writer_finish(g_steal_pointer(&w), &info, &error));
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_clear_error(&error);
  g_assert_cmpuint(count_entries(dir), ==, 1);
  g_autofree char *content = NULL;
  g_assert_true(g_file_get_contents(final, &content, NULL, NULL));
  g_assert_cmpstr(content, ==, "other");
}

static void
test_abort_and_bad_arguments(void)
{
  g_autoptr(char_dir) dir = g_dir_make_tmp("wt-segment-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  WtSegmentTracks t = {.audio = WT_CODEC_OPUS, .audio_channels = 1};
  WtSegmentWriter *w = wt_segment_writer_new(dir, "00007", &t, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(count_entries(dir), ==, 1);
  wt_segment_writer_abort(w);
  g_assert_cmpuint(count_entries(dir), ==, 0);
  {
    g_autoptr(WtSegmentWriter) dropped = wt_segment_writer_new(dir, "00008", &t, &error);
    g_assert_nonnull(dropped);
  }
  g_assert_cmpuint(count_entries(dir), ==, 0);

  static const WtSegmentTracks bad[] = {
      {0},                                                 /* no track */
      {.video = WT_CODEC_VP8},                             /* no size */
      {.video = WT_CODEC_H264, .width = 16, .height = 16}, /* no SPS/PPS */
      {.video = WT_CODEC_OPUS, .width = 16, .height = 16}, /* not video */
      {.audio = WT_CODEC_VP8, .audio_channels = 1},        /* not audio */
      {.audio = WT_CODEC_OPUS, .audio_channels = 3},       /* channels */
  };
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_assert_null(wt_segment_writer_new(dir, "x", &bad[i], &error));
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    g_clear_error(&error);
  }
  static const char *const names[] = {"", ".hidden", "a/b"};
  for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
    g_assert_null(wt_segment_writer_new(dir, names[i], &t, &error));
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    g_clear_error(&error);
  }
  g_assert_null(wt_segment_writer_new("/nonexistent-wt-folder", "x", &t, &error));
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_cmpuint(count_entries(dir), ==, 0);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  av_log_set_level(AV_LOG_ERROR);
  g_test_add_func("/segment/vp8-opus-webm", test_vp8_opus_webm);
  g_test_add_func("/segment/vp9-opus-webm", test_vp9_opus_webm);
  g_test_add_func("/segment/h264-opus-mkv", test_h264_opus_mkv);
  g_test_add_func("/segment/audio-only-and-video-only", test_audio_only_and_video_only);
  g_test_add_func("/segment/refusals", test_refusals);
  g_test_add_func("/segment/abort-and-bad-arguments", test_abort_and_bad_arguments);
  return g_test_run();
}
