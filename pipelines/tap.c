/* tap.c — one party's liveness tap (see tap.h): the ring from the media
 * worker, the feeder thread that gates and pushes packets into appsrc, the
 * pipeline, and the rules fed from the detector's bus messages.
 *
 * Threads: push/check/new/free on the owner's worker; the feeder thread owns
 * the consumer side of the ring and the pipeline's state changes; the bus
 * sync handler and the pad probes run on GStreamer's streaming threads. The
 * rules and the last analysed frame are shared by those and guarded by
 * `lock`. Results cross to the owner's context as idle sources.
 */
#define _GNU_SOURCE /* dl_iterate_phdr, RTLD_NOLOAD */
#include "tap.h"

#include <dlfcn.h>
#include <link.h>
#include <gst/app/gstappsrc.h>
#include <gst/video/video.h>
#include <string.h>

#include "packet_ring.h"
#include "roi.h"
#include "rtp_keyframe.h"

G_DEFINE_QUARK(wt - liveness - tap - error - quark, wt_liveness_tap_error)

enum { KIND_PACKET, KIND_CHECK, KIND_STOP };

#define APPSRC_MAX_BYTES (2 * 1024 * 1024) /* about 2 s of 8 Mbit/s video */
#define TICK_US (200 * 1000)
#define JPEG_TIMEOUT (2 * GST_SECOND)
/* Every analysed frame is scaled to this height (aspect kept): browsers drop
 * their resolution under load (a 640x480 camera arrives as 320x240 or less),
 * and the detector's minimum face and the eye cascade's 20x20 window are
 * tuned for 480 lines; 720p and larger frames cost less once scaled down. */
#define ANALYSIS_HEIGHT 480

/* What posted callbacks need; switched off by wt_liveness_tap_free() on the
 * owner's thread, so a callback queued before the free never runs after it. */
typedef struct {
  gint ref;
  gboolean off;
  WtLivenessTapCallbacks callbacks;
  gpointer user_data;
} Target;

struct _WtLivenessTap {
  WtPacketRing *ring;
  GThread *thread;
  GstElement *pipeline, *appsrc;
  Target *target;
  GMainContext *context;
  char *log_prefix;
  JsonObject *detector_info;
  WtLivenessTapConfig config; /* a copy; its strings are owned by the tap */
  WtLivenessThresholds thresholds;
  guint fps;
  WtCodec codec;
  gint stopping;
  gboolean broken; /* feeder thread: the pipeline could not be built or started */

  /* Producer (worker) */
  guint64 drops;

  /* Feeder thread */
  guint64 seen_drops;
  gboolean waiting_key;

  /* Streaming threads */
  GstClockTime next_pts; /* rate probe */
  guint malformed;

  GMutex lock; /* guards rules, last_frame, trigger, frame size, roi_tracker */
  WtLivenessRules *rules;
  GstSample *last_frame;
  char *trigger;
  gint frame_w, frame_h; /* of the last frame before the crop */
  GstElement *roi;       /* videocrop in front of the detector */
  WtRoiTracker roi_tracker;

  guint64 analysed, skipped, face_frames, multi_face_frames; /* relaxed atomics */
};

typedef enum { POST_RESULT, POST_WARNING, POST_PROMPT, POST_KEYFRAME, POST_FAILED } PostKind;

typedef struct {
  Target *target;
  PostKind kind;
  char *text;
  WtLivenessResult result;
} Posted;

void
wt_liveness_tap_config_init(WtLivenessTapConfig *config)
{
  *config = (WtLivenessTapConfig){.codec = WT_CODEC_VP8,
                                  .pt = 96,
                                  .analysis_fps = 10,
                                  .queue_packets = 512,
                                  .opencv_threads = 1,
                                  .search_near_face = TRUE};
  wt_liveness_thresholds_init(&config->thresholds);
}

/* ---- OpenCV and GStreamer, once ---------------------------------------------------- */

static int
find_opencv_core(struct dl_phdr_info *info, size_t size, void *data)
{
  if (info->dlpi_name && strstr(info->dlpi_name, "/libopencv_core.so")) {
    *(char **)data = g_strdup(info->dlpi_name);
    return 1;
  }
  return 0;
}

/* OpenCV's C entry points, from the copy facedetect loaded (whatever its
 * soname), so that we link neither OpenCV nor C++. */
static void
limit_opencv_threads(guint threads)
{
  g_autofree char *path = NULL;
  dl_iterate_phdr(find_opencv_core, &path);
  void *core = path ? dlopen(path, RTLD_LAZY | RTLD_NOLOAD) : NULL;
  void (*set_threads)(int) = NULL;
  int (*get_threads)(void) = NULL;
  if (core) {
    *(void **)&set_threads = dlsym(core, "cvSetNumThreads");
    *(void **)&get_threads = dlsym(core, "cvGetNumThreads");
  }
  if (!set_threads || !get_threads) {
    g_message("cannot limit OpenCV's threads: %s not loaded", path ? path : "libopencv_core");
  } else {
    set_threads((int)threads);
    g_info("OpenCV (%s) limited to %d thread(s)", path, get_threads());
  }
  if (core)
    dlclose(core);
}

void
wt_liveness_init(guint opencv_threads)
{
  static gsize once = 0;
  if (!g_once_init_enter(&once))
    return;
  /* facedetect loads its default cascades (which Debian does not ship) in
   * every instance before we set ours, and OpenCV prints an [ERROR] line for
   * each on stderr. wt_detector_new() checks the cascades we use itself. An
   * operator's own OPENCV_LOG_LEVEL wins. */
  g_setenv("OPENCV_LOG_LEVEL", "FATAL", FALSE);
  gst_init(NULL, NULL);
  /* Loading facedetect's plugin loads OpenCV; then cvSetNumThreads() sizes
   * its pool (Debian builds it on TBB, which ignores OPENCV_FOR_THREADS_NUM).
   * With 1, each detection runs on its own GStreamer thread alone. */
  GstElementFactory *factory = gst_element_factory_find("facedetect");
  if (factory) {
    GstPluginFeature *loaded = gst_plugin_feature_load(GST_PLUGIN_FEATURE(factory));
    if (opencv_threads)
      limit_opencv_threads(opencv_threads);
    g_clear_object(&loaded);
    gst_object_unref(factory);
  }
  g_once_init_leave(&once, 1);
}

/* ---- Callbacks on the owner's context ------------------------------------------------ */

static void
target_unref(Target *t)
{
  if (g_atomic_int_dec_and_test(&t->ref))
    g_free(t);
}

static void
posted_free(gpointer data)
{
  Posted *p = data;
  target_unref(p->target);
  g_free(p->text);
  g_clear_pointer(&p->result.record, json_object_unref);
  g_clear_pointer(&p->result.jpeg, g_bytes_unref);
  g_free((char *)p->result.trigger);
  g_free(p);
}

static gboolean
deliver(gpointer data)
{
  Posted *p = data;
  const WtLivenessTapCallbacks *cb = &p->target->callbacks;
  gpointer ud = p->target->user_data;
  if (p->target->off)
    return G_SOURCE_REMOVE;
  switch (p->kind) {
  case POST_RESULT:
    if (cb->result)
      cb->result(&p->result, ud);
    break;
  case POST_WARNING:
    if (cb->warning)
      cb->warning(p->text, ud);
    break;
  case POST_PROMPT:
    if (cb->prompt)
      cb->prompt(p->text, ud);
    break;
  case POST_KEYFRAME:
    if (cb->keyframe_wanted)
      cb->keyframe_wanted(ud);
    break;
  case POST_FAILED:
    if (cb->failed)
      cb->failed(p->text, ud);
    break;
  }
  return G_SOURCE_REMOVE;
}

/* Queues a callback; @p's members are owned by it from here. */
static void
post(WtLivenessTap *tap, Posted *p)
{
  g_atomic_int_inc(&tap->target->ref);
  p->target = tap->target;
  GSource *source = g_idle_source_new();
  g_source_set_priority(source, G_PRIORITY_DEFAULT);
  g_source_set_callback(source, deliver, p, posted_free);
  g_source_attach(source, tap->context);
  g_source_unref(source);
}

static void
post_text(WtLivenessTap *tap, PostKind kind, const char *text)
{
  Posted *p = g_new0(Posted, 1);
  p->kind = kind;
  p->text = g_strdup(text);
  post(tap, p);
}

/* ---- Decisions (any thread; called without the lock) ---------------------------------- */

static GBytes *
encode_jpeg(WtLivenessTap *tap, GstSample *frame)
{
  if (!frame)
    return NULL;
  g_autoptr(GstCaps) caps = gst_caps_new_empty_simple("image/jpeg");
  g_autoptr(GError) error = NULL;
  g_autoptr(GstSample) jpeg = gst_video_convert_sample(frame, caps, JPEG_TIMEOUT, &error);
  if (!jpeg) {
    g_warning("%s: liveness key frame not encoded: %s", tap->log_prefix,
              error ? error->message : "no sample");
    return NULL;
  }
  GstBuffer *buf = gst_sample_get_buffer(jpeg);
  GstMapInfo map;
  if (!buf || !gst_buffer_map(buf, &map, GST_MAP_READ))
    return NULL;
  GBytes *bytes = g_bytes_new(map.data, map.size);
  gst_buffer_unmap(buf, &map);
  return bytes;
}

static JsonObject *
make_record(WtLivenessTap *tap, const WtLivenessUpdate *u, const WtLivenessStats *s,
            const char *trigger)
{
  JsonObject *o = json_object_new();
  json_object_set_string_member(o, "result",
                                u->verdict == WT_LIVENESS_PASSED ? "passed" : "failed");
  json_object_set_array_member(o, "reasons", wt_liveness_flags_to_json(u->reasons));
  json_object_set_string_member(o, "trigger", trigger ? trigger : "");
  json_object_set_int_member(o, "frames", s->frames);
  json_object_set_int_member(o, "face_frames", s->face_frames);
  json_object_set_int_member(o, "blinks", s->blinks);
  json_object_set_double_member(o, "motion", s->motion);
  json_object_set_int_member(o, "elapsed_ms", s->elapsed_ms);
  json_object_set_int_member(o, "analysis_fps", tap->fps);
  json_object_set_string_member(o, "codec", wt_codec_name(tap->codec));
  json_object_set_object_member(o, "thresholds", wt_liveness_thresholds_to_json(&tap->thresholds));
  json_object_set_object_member(o, "detector", json_object_ref(tap->detector_info));
  return o;
}

/* Posts what @u says. @frame (transfer full) is the frame of a decision. */
static void
deliver_update(WtLivenessTap *tap, const WtLivenessUpdate *u, const WtLivenessStats *s,
               char *trigger, GstSample *frame)
{
  for (guint bit = 8; bit < 16; bit++) {
    if (u->warnings & (1u << bit)) {
      const char *name = wt_liveness_flag_name(1u << bit);
      g_message("%s: liveness warning: %s", tap->log_prefix, name);
      post_text(tap, POST_WARNING, name);
    }
  }
  if (u->prompt != WT_LIVENESS_PROMPT_NONE)
    post_text(tap, POST_PROMPT, wt_liveness_prompt_name(u->prompt));
  if (u->verdict == WT_LIVENESS_PASSED || u->verdict == WT_LIVENESS_FAILED) {
    Posted *p = g_new0(Posted, 1);
    p->kind = POST_RESULT;
    p->result.passed = u->verdict == WT_LIVENESS_PASSED;
    p->result.reasons = u->reasons;
    p->result.stats = *s;
    p->result.record = make_record(tap, u, s, trigger);
    p->result.jpeg = encode_jpeg(tap, frame);
    p->result.trigger = g_strdup(trigger);
    g_autoptr(JsonArray) reasons = wt_liveness_flags_to_json(u->reasons);
    g_autoptr(JsonNode) rn = json_node_init_array(json_node_alloc(), reasons);
    g_autofree char *rs = json_to_string(rn, FALSE);
    g_message("%s: liveness %s (%s) after %" G_GINT64_FORMAT " ms: %u frames, %u with a face, "
              "%u blink(s), motion %.3f, reasons %s",
              tap->log_prefix, p->result.passed ? "passed" : "failed", trigger ? trigger : "",
              s->elapsed_ms, s->frames, s->face_frames, s->blinks, s->motion, rs);
    post(tap, p);
  }
  g_free(trigger);
  if (frame)
    gst_sample_unref(frame);
}

/* Runs @u's consequences after taking what a decision needs under the lock. */
static void
update_locked_then_deliver(WtLivenessTap *tap, WtLivenessUpdate u)
{
  WtLivenessStats s;
  wt_liveness_rules_get_stats(tap->rules, &s);
  gboolean decided = u.verdict == WT_LIVENESS_PASSED || u.verdict == WT_LIVENESS_FAILED;
  GstSample *frame = decided && tap->last_frame ? gst_sample_ref(tap->last_frame) : NULL;
  char *trigger = decided ? g_strdup(tap->trigger) : NULL;
  g_mutex_unlock(&tap->lock);
  if (decided || u.warnings || u.prompt != WT_LIVENESS_PROMPT_NONE)
    deliver_update(tap, &u, &s, trigger, frame);
  else
    g_free(trigger);
}

/* ---- Streaming threads ---------------------------------------------------------------- */

/* Translates @o out of the crop it was found in and sets the next crop (see
 * roi.h). Under the lock, on the detector's streaming thread, between two
 * frames: videocrop applies new values to the next buffer. TRUE when @o came
 * from a crop. */
static gboolean
search_near_face(WtLivenessTap *tap, WtLivenessObservation *o)
{
  WtRoiTracker *t = &tap->roi_tracker;
  if (!tap->config.search_near_face || tap->frame_w <= 0 || tap->frame_h <= 0)
    return FALSE;
  if (t->frame_w != tap->frame_w || t->frame_h != tap->frame_h) {
    wt_roi_tracker_reset(t, tap->frame_w, tap->frame_h);
    g_object_set(tap->roi, "left", 0, "top", 0, "right", 0, "bottom", 0, NULL);
    return FALSE; /* whatever crop this frame had, its size changed: start over */
  }
  gboolean cropped = t->next.width != t->frame_w || t->next.height != t->frame_h;
  if (wt_roi_tracker_update(t, o, tap->fps)) {
    const WtRoi *n = &t->next;
    g_object_set(tap->roi, "left", n->left, "top", n->top, "right", t->frame_w - n->left - n->width,
                 "bottom", t->frame_h - n->top - n->height, NULL);
  }
  return cropped;
}

static GstBusSyncReply
on_bus_message(GstBus *bus, GstMessage *msg, gpointer data)
{
  WtLivenessTap *tap = data;
  switch (GST_MESSAGE_TYPE(msg)) {
  case GST_MESSAGE_ELEMENT: {
    WtLivenessObservation o = {0};
    const GstStructure *s = gst_message_get_structure(msg);
    if (!s || !gst_structure_has_name(s, WT_DETECTOR_MESSAGE))
      break;
    if (!wt_detector_parse_message(s, &o)) {
      if (tap->malformed++ % 100 == 0)
        g_warning("%s: detector message malformed (%u so far), ignored", tap->log_prefix,
                  tap->malformed);
      break;
    }
    o.time_us = g_get_monotonic_time();
    g_mutex_lock(&tap->lock);
    gboolean cropped = search_near_face(tap, &o);
    g_mutex_unlock(&tap->lock);
    g_debug("%s: faces %u, largest %dx%d at %d,%d, eyes %s%s", tap->log_prefix, o.n_faces,
            o.face.width, o.face.height, o.face.x, o.face.y, o.eyes ? "yes" : "no",
            cropped ? " (in the crop)" : "");
    __atomic_add_fetch(&tap->analysed, 1, __ATOMIC_RELAXED);
    if (o.n_faces > 0)
      __atomic_add_fetch(&tap->face_frames, 1, __ATOMIC_RELAXED);
    if (o.n_faces > 1)
      __atomic_add_fetch(&tap->multi_face_frames, 1, __ATOMIC_RELAXED);
    g_mutex_lock(&tap->lock);
    update_locked_then_deliver(tap, wt_liveness_rules_observe(tap->rules, &o));
    break;
  }
  case GST_MESSAGE_ERROR: {
    g_autoptr(GError) error = NULL;
    g_autofree char *debug = NULL;
    gst_message_parse_error(msg, &error, &debug);
    g_warning("%s: liveness pipeline error from %s: %s (%s)", tap->log_prefix,
              GST_OBJECT_NAME(GST_MESSAGE_SRC(msg)), error->message, debug ? debug : "");
    post_text(tap, POST_FAILED, error->message);
    break;
  }
  case GST_MESSAGE_WARNING: {
    g_autoptr(GError) error = NULL;
    gst_message_parse_warning(msg, &error, NULL);
    g_message("%s: liveness pipeline warning from %s: %s", tap->log_prefix,
              GST_OBJECT_NAME(GST_MESSAGE_SRC(msg)), error->message);
    break;
  }
  default:
    break;
  }
  return GST_BUS_DROP;
}

/* Before the leaky queue: only one decoded frame per 1/fps goes on. */
static GstPadProbeReturn
rate_probe(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  WtLivenessTap *tap = data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);
  GstClockTime pts = GST_BUFFER_PTS(buf);
  GstClockTime step = GST_SECOND / MAX(tap->fps, 1);
  if (!GST_CLOCK_TIME_IS_VALID(pts))
    return GST_PAD_PROBE_OK;
  if (GST_CLOCK_TIME_IS_VALID(tap->next_pts) && pts < tap->next_pts &&
      tap->next_pts - pts < 10 * GST_SECOND) {
    __atomic_add_fetch(&tap->skipped, 1, __ATOMIC_RELAXED);
    return GST_PAD_PROBE_DROP;
  }
  /* Keep the grid unless we fell more than a step behind it. */
  tap->next_pts = GST_CLOCK_TIME_IS_VALID(tap->next_pts) && pts < tap->next_pts + step
                      ? tap->next_pts + step
                      : pts + step;
  return GST_PAD_PROBE_OK;
}

/* At the detector's input: the frame it is about to analyse, for the key frame. */
static GstPadProbeReturn
frame_probe(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  WtLivenessTap *tap = data;
  g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad);
  if (!caps)
    return GST_PAD_PROBE_OK;
  GstSample *sample = gst_sample_new(GST_PAD_PROBE_INFO_BUFFER(info), caps, NULL, NULL);
  g_mutex_lock(&tap->lock);
  GstSample *old = tap->last_frame;
  tap->last_frame = sample;
  GstVideoInfo vi;
  if (gst_video_info_from_caps(&vi, caps)) {
    tap->frame_w = GST_VIDEO_INFO_WIDTH(&vi);
    tap->frame_h = GST_VIDEO_INFO_HEIGHT(&vi);
  }
  g_mutex_unlock(&tap->lock);
  if (old)
    gst_sample_unref(old);
  return GST_PAD_PROBE_OK;
}

static gboolean build_pipeline(WtLivenessTap *tap, const WtLivenessTapConfig *config,
                               GError **error);

/* ---- The feeder thread ------------------------------------------------------------------ */

static void
tick(WtLivenessTap *tap)
{
  g_mutex_lock(&tap->lock);
  update_locked_then_deliver(tap, wt_liveness_rules_tick(tap->rules, g_get_monotonic_time()));
}

static void
feed_packet(WtLivenessTap *tap, const WtPacketRingSlot *slot)
{
  guint64 drops = __atomic_load_n(&tap->drops, __ATOMIC_RELAXED);
  if (drops != tap->seen_drops) {
    tap->seen_drops = drops;
    if (!tap->waiting_key) {
      g_message("%s: liveness queue overflowed (%" G_GUINT64_FORMAT " packets dropped so far): "
                "waiting for a keyframe",
                tap->log_prefix, drops);
      tap->waiting_key = TRUE;
      post_text(tap, POST_KEYFRAME, NULL);
    }
  }
  gboolean discont = FALSE;
  if (tap->waiting_key) {
    if (!wt_rtp_keyframe_starts(tap->codec, slot->data, slot->len))
      return;
    tap->waiting_key = FALSE;
    discont = TRUE;
  }
  /* Backpressure from the pipeline: wait here (the ring absorbs, then drops). */
  while (gst_app_src_get_current_level_bytes(GST_APP_SRC(tap->appsrc)) > APPSRC_MAX_BYTES &&
         !g_atomic_int_get(&tap->stopping))
    g_usleep(2000);
  GstBuffer *buf = gst_buffer_new_memdup(slot->data, slot->len);
  if (discont)
    GST_BUFFER_FLAG_SET(buf, GST_BUFFER_FLAG_DISCONT);
  gst_app_src_push_buffer(GST_APP_SRC(tap->appsrc), buf); /* takes buf */
}

static gpointer
feeder_main(gpointer data)
{
  WtLivenessTap *tap = data;
  /* Built here, not in wt_liveness_tap_new(): the first tap initialises
   * GStreamer and every tap loads its cascades, which must not hold up the
   * media worker that asked for it. */
  wt_liveness_init(tap->config.opencv_threads);
  g_autoptr(GError) error = NULL;
  if (!build_pipeline(tap, &tap->config, &error)) {
    g_warning("%s: no liveness check: %s", tap->log_prefix, error->message);
    post_text(tap, POST_FAILED, error->message);
    tap->broken = TRUE;
  } else if (gst_element_set_state(tap->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_warning("%s: liveness pipeline does not start", tap->log_prefix);
    post_text(tap, POST_FAILED, "the liveness pipeline does not start");
    tap->broken = TRUE;
  }
  post_text(tap, POST_KEYFRAME, NULL);
  gint64 next_tick = g_get_monotonic_time() + TICK_US;
  for (;;) {
    gint64 now = g_get_monotonic_time();
    if (now >= next_tick) {
      tick(tap);
      next_tick = now + TICK_US;
    }
    WtPacketRingSlot *slot = wt_packet_ring_peek(tap->ring);
    if (!slot) {
      wt_packet_ring_wait(tap->ring, next_tick - now);
      continue;
    }
    if (slot->kind == KIND_STOP) {
      wt_packet_ring_pop(tap->ring);
      break;
    }
    if (tap->broken) {
      g_free(slot->message); /* a check's trigger; packets go nowhere */
      slot->message = NULL;
    } else if (slot->kind == KIND_CHECK) {
      char *trigger = slot->message;
      slot->message = NULL;
      g_mutex_lock(&tap->lock);
      g_free(tap->trigger);
      tap->trigger = trigger;
      wt_liveness_rules_start(tap->rules, g_get_monotonic_time());
      g_mutex_unlock(&tap->lock);
      g_message("%s: liveness check starts (%s)", tap->log_prefix, trigger);
    } else {
      feed_packet(tap, slot);
    }
    wt_packet_ring_pop(tap->ring);
  }
  if (tap->pipeline)
    gst_element_set_state(tap->pipeline, GST_STATE_NULL);
  return NULL;
}

/* ---- Construction --------------------------------------------------------------------- */

static const char *
decoder_for(WtCodec codec)
{
  switch (codec) {
  case WT_CODEC_VP8:
    return "rtpvp8depay ! vp8dec threads=1";
  case WT_CODEC_VP9:
    return "rtpvp9depay ! vp9dec threads=1";
  case WT_CODEC_H264:
    return "rtph264depay ! h264parse ! avdec_h264 max-threads=1";
  default:
    return NULL;
  }
}

static const char *
encoding_name(WtCodec codec)
{
  return codec == WT_CODEC_VP8 ? "VP8" : codec == WT_CODEC_VP9 ? "VP9" : "H264";
}

static gboolean
build_pipeline(WtLivenessTap *tap, const WtLivenessTapConfig *config, GError **error)
{
  const char *decoder = decoder_for(config->codec);
  if (!decoder) {
    g_set_error(error, WT_LIVENESS_TAP_ERROR, 0, "codec %s cannot be checked",
                wt_codec_name(config->codec));
    return FALSE;
  }
  g_autofree char *desc = g_strdup_printf(
      "appsrc name=src format=time is-live=true do-timestamp=true "
      "caps=application/x-rtp,media=video,clock-rate=90000,encoding-name=%s,payload=%u ! %s "
      "! queue name=frames leaky=downstream max-size-buffers=1 max-size-bytes=0 max-size-time=0 "
      "! videoscale ! video/x-raw,height=%u,pixel-aspect-ratio=1/1 "
      "! videoconvert ! videocrop name=roi  fakesink name=sink sync=false async=false",
      encoding_name(config->codec), config->pt, decoder, ANALYSIS_HEIGHT);
  g_autoptr(GError) parse_error = NULL;
  tap->pipeline = gst_parse_launch_full(desc, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &parse_error);
  if (!tap->pipeline) {
    g_set_error(error, WT_LIVENESS_TAP_ERROR, 0, "liveness pipeline: %s", parse_error->message);
    return FALSE;
  }
  GstElement *detector = wt_detector_new(&config->detector, &tap->detector_info, error);
  if (!detector)
    return FALSE;
  GstBin *bin = GST_BIN(tap->pipeline);
  tap->roi = gst_bin_get_by_name(bin, "roi");
  g_autoptr(GstElement) sink = gst_bin_get_by_name(bin, "sink");
  g_autoptr(GstElement) frames = gst_bin_get_by_name(bin, "frames");
  gst_bin_add(bin, detector);
  if (!gst_element_link_many(tap->roi, detector, sink, NULL)) {
    g_set_error(error, WT_LIVENESS_TAP_ERROR, 0, "the detector does not link (video in and out?)");
    return FALSE;
  }
  tap->appsrc = gst_bin_get_by_name(bin, "src");
  g_object_set(tap->appsrc, "max-bytes", (guint64)APPSRC_MAX_BYTES * 2, "block", FALSE, NULL);
  g_autoptr(GstPad) rate_pad = gst_element_get_static_pad(frames, "sink");
  gst_pad_add_probe(rate_pad, GST_PAD_PROBE_TYPE_BUFFER, rate_probe, tap, NULL);
  /* Before the crop: the key frame and the frame size are the whole frame's. */
  g_autoptr(GstPad) frame_pad = gst_element_get_static_pad(tap->roi, "sink");
  if (frame_pad)
    gst_pad_add_probe(frame_pad, GST_PAD_PROBE_TYPE_BUFFER, frame_probe, tap, NULL);
  g_autoptr(GstBus) bus = gst_element_get_bus(tap->pipeline);
  gst_bus_set_sync_handler(bus, on_bus_message, tap, NULL);
  return TRUE;
}

static void
free_message(gpointer message)
{
  g_free(message); /* KIND_CHECK's trigger; STOP carries none */
}

static void
tap_destroy(WtLivenessTap *tap)
{
  if (tap->pipeline) {
    gst_element_set_state(tap->pipeline, GST_STATE_NULL);
    g_autoptr(GstBus) bus = gst_element_get_bus(tap->pipeline);
    gst_bus_set_sync_handler(bus, NULL, NULL, NULL);
  }
  g_clear_object(&tap->appsrc);
  g_clear_object(&tap->roi);
  g_clear_object(&tap->pipeline);
  if (tap->ring)
    wt_packet_ring_free(tap->ring, free_message);
  g_clear_pointer(&tap->rules, wt_liveness_rules_free);
  g_clear_pointer(&tap->last_frame, gst_sample_unref);
  g_clear_pointer(&tap->detector_info, json_object_unref);
  g_free(tap->trigger);
  g_free(tap->log_prefix);
  g_free((char *)tap->config.detector.description);
  g_free((char *)tap->config.detector.face_cascade);
  g_free((char *)tap->config.detector.eye_cascade);
  g_mutex_clear(&tap->lock);
  tap->target->off = TRUE;
  target_unref(tap->target);
  g_free(tap);
}

WtLivenessTap *
wt_liveness_tap_new(const WtLivenessTapConfig *config, const WtLivenessTapCallbacks *callbacks,
                    gpointer user_data, GError **error)
{
  if (!decoder_for(config->codec)) {
    g_set_error(error, WT_LIVENESS_TAP_ERROR, 0, "codec %s cannot be checked",
                wt_codec_name(config->codec));
    return NULL;
  }
  WtLivenessTap *tap = g_new0(WtLivenessTap, 1);
  g_mutex_init(&tap->lock);
  tap->target = g_new0(Target, 1);
  tap->target->ref = 1;
  tap->target->callbacks = *callbacks;
  tap->target->user_data = user_data;
  tap->context = config->context ? config->context : g_main_context_default();
  tap->log_prefix = g_strdup(config->log_prefix ? config->log_prefix : "liveness");
  tap->thresholds = config->thresholds;
  tap->fps = config->analysis_fps ? config->analysis_fps : 10;
  tap->codec = config->codec;
  tap->next_pts = GST_CLOCK_TIME_NONE;
  tap->waiting_key = TRUE;
  tap->rules = wt_liveness_rules_new(&config->thresholds);
  tap->ring = wt_packet_ring_new(config->queue_packets ? config->queue_packets : 512);
  tap->config = *config;
  tap->config.log_prefix = NULL;
  tap->config.context = NULL;
  tap->config.detector.description = g_strdup(config->detector.description);
  tap->config.detector.face_cascade = g_strdup(config->detector.face_cascade);
  tap->config.detector.eye_cascade = g_strdup(config->detector.eye_cascade);
  /* Only with our facedetect: a vendor's engine sees whole frames (it may
   * track faces itself, or need the context around them). */
  if (config->detector.description && *config->detector.description)
    tap->config.search_near_face = FALSE;
  tap->thread = g_thread_new("wt-liveness", feeder_main, tap);
  return tap;
}

void
wt_liveness_tap_free(WtLivenessTap *tap)
{
  if (!tap)
    return;
  g_atomic_int_set(&tap->stopping, 1);
  while (!wt_packet_ring_push_message(tap->ring, KIND_STOP, 0, NULL, g_get_real_time()))
    g_usleep(1000); /* only when the reserve is full of checks: the feeder drains it */
  g_thread_join(tap->thread);
  tap_destroy(tap);
}

gboolean
wt_liveness_tap_push(WtLivenessTap *tap, const guint8 *rtp, gsize len)
{
  if (wt_packet_ring_push_packet(tap->ring, KIND_PACKET, 0, rtp, len, 0))
    return TRUE;
  __atomic_store_n(&tap->drops, __atomic_load_n(&tap->drops, __ATOMIC_RELAXED) + 1,
                   __ATOMIC_RELAXED);
  return FALSE;
}

void
wt_liveness_tap_check(WtLivenessTap *tap, const char *trigger)
{
  char *copy = g_strdup(trigger ? trigger : "staff");
  if (!wt_packet_ring_push_message(tap->ring, KIND_CHECK, 0, copy, g_get_real_time())) {
    g_warning("%s: liveness check (%s) not queued: too many pending", tap->log_prefix, copy);
    g_free(copy);
  }
}

guint64
wt_liveness_tap_get_drops(const WtLivenessTap *tap)
{
  return __atomic_load_n(&tap->drops, __ATOMIC_RELAXED);
}

guint64
wt_liveness_tap_get_analysed(const WtLivenessTap *tap)
{
  return __atomic_load_n(&tap->analysed, __ATOMIC_RELAXED);
}

void
wt_liveness_tap_get_presence(const WtLivenessTap *tap, WtLivenessPresence *out)
{
  out->frames = __atomic_load_n(&tap->analysed, __ATOMIC_RELAXED);
  out->face_frames = __atomic_load_n(&tap->face_frames, __ATOMIC_RELAXED);
  out->multi_face_frames = __atomic_load_n(&tap->multi_face_frames, __ATOMIC_RELAXED);
}
