/* av_autoptr.h — g_autoptr() cleanups for FFmpeg handles, for segment.c and
 * whoever else in storage/ or the tests reads or writes media with FFmpeg.
 *
 * An AVFormatContext is freed differently depending on how it was opened, so
 * there is no cleanup for the bare type: use WtAvInput for a context from
 * avformat_open_input() (closed with avformat_close_input()) and WtAvOutput
 * for one from avformat_alloc_output_context2() (freed with
 * avformat_free_context(); its AVIOContext is the caller's to free).
 *
 *   g_autoptr(WtAvInput) in = NULL;
 *   if (avformat_open_input(&in, path, NULL, NULL) < 0) ...
 *
 * Any thread: these only free.
 */
#pragma once

#include <glib.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/frame.h>

typedef AVFormatContext WtAvInput;
typedef AVFormatContext WtAvOutput;

static inline void
wt_av_input_close(WtAvInput *ctx)
{
  avformat_close_input(&ctx);
}

static inline void
wt_av_packet_free(AVPacket *pkt)
{
  av_packet_free(&pkt);
}

static inline void
wt_av_frame_free(AVFrame *frame)
{
  av_frame_free(&frame);
}

static inline void
wt_av_codec_context_free(AVCodecContext *ctx)
{
  avcodec_free_context(&ctx);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtAvInput, wt_av_input_close)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtAvOutput, avformat_free_context)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(AVPacket, wt_av_packet_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(AVFrame, wt_av_frame_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(AVCodecContext, wt_av_codec_context_free)
