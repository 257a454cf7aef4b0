/* test_liveness_hook.c — the detector hook's contract (pipelines/HOOK.md): the
 * default facedetect is replaced, through the detector description, by
 * `wtscripted`, a tiny element defined here that posts scripted
 * "facedetect" observations for each frame. The rules must decide from them
 * alone: a scripted live face passes, a still one fails as still, no face
 * fails as no face, several faces raise the warning, and malformed messages
 * are ignored without harm. Video: videotestsrc through vp8enc ! rtpvp8pay. */
#include <gst/base/gstbasetransform.h>

#include "liveness_feed.h"

/* ---- wtscripted: posts what its script says, one message per frame ---------------- */

typedef struct {
  GstBaseTransform parent;
  char *script;
  guint frame;
} WtScripted;
typedef struct {
  GstBaseTransformClass parent_class;
} WtScriptedClass;

GType wt_scripted_get_type(void);
G_DEFINE_TYPE(WtScripted, wt_scripted, GST_TYPE_BASE_TRANSFORM)

static GstStructure *
face(gint x, gint y, gint w, gboolean eyes)
{
  GstStructure *f =
      gst_structure_new("face", "x", G_TYPE_UINT, (guint)x, "y", G_TYPE_UINT, (guint)y, "width",
                        G_TYPE_UINT, (guint)w, "height", G_TYPE_UINT, (guint)w, NULL);
  if (eyes)
    gst_structure_set(f, "eyes->x", G_TYPE_UINT, (guint)x + w / 5, "eyes->y", G_TYPE_UINT,
                      (guint)y + w / 4, "eyes->width", G_TYPE_UINT, (guint)w / 5, "eyes->height",
                      G_TYPE_UINT, (guint)w / 5, NULL);
  return f;
}

static void
add_face(GValue *list, GstStructure *f)
{
  GValue v = G_VALUE_INIT;
  g_value_init(&v, GST_TYPE_STRUCTURE);
  gst_value_set_structure(&v, f);
  gst_structure_free(f);
  gst_value_list_append_and_take_value(list, &v);
}

static GstFlowReturn
scripted_transform_ip(GstBaseTransform *bt, GstBuffer *buf)
{
  WtScripted *self = (WtScripted *)bt;
  guint n = self->frame++;
  GstStructure *s =
      gst_structure_new("facedetect", "timestamp", G_TYPE_UINT64, GST_BUFFER_PTS(buf), NULL);
  GValue list = G_VALUE_INIT;
  g_value_init(&list, GST_TYPE_LIST);
  gint dx = (gint)((n % 20) < 10 ? (n % 20) * 4 : (20 - n % 20) * 4); /* 0..40 px and back */
  if (g_strcmp0(self->script, "live") == 0) {
    add_face(&list, face(200 + dx, 100, 160, n % 15 != 14)); /* a blink every 15 frames */
  } else if (g_strcmp0(self->script, "still") == 0) {
    add_face(&list, face(200, 100, 160, TRUE));
  } else if (g_strcmp0(self->script, "multi") == 0) {
    add_face(&list, face(100 + dx, 100, 160, n % 15 != 14));
    add_face(&list, face(400, 100, 100, TRUE));
  } else if (g_strcmp0(self->script, "malformed") == 0) {
    gst_structure_set(s, "faces", G_TYPE_STRING, "not a list", NULL);
  }
  /* "none": an empty list. */
  if (g_strcmp0(self->script, "malformed") != 0)
    gst_structure_take_value(s, "faces", &list);
  else
    g_value_unset(&list);
  gst_element_post_message(GST_ELEMENT(bt), gst_message_new_element(GST_OBJECT(bt), s));
  return GST_FLOW_OK;
}

static void
scripted_set_property(GObject *o, guint id, const GValue *v, GParamSpec *pspec)
{
  WtScripted *self = (WtScripted *)o;
  g_free(self->script);
  self->script = g_value_dup_string(v);
}

static void
scripted_get_property(GObject *o, guint id, GValue *v, GParamSpec *pspec)
{
  g_value_set_string(v, ((WtScripted *)o)->script);
}

static void
scripted_finalize(GObject *o)
{
  g_free(((WtScripted *)o)->script);
  G_OBJECT_CLASS(wt_scripted_parent_class)->finalize(o);
}

static void
wt_scripted_class_init(WtScriptedClass *klass)
{
  static GstStaticPadTemplate sink =
      GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS("video/x-raw"));
  static GstStaticPadTemplate src =
      GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS("video/x-raw"));
  GObjectClass *oc = G_OBJECT_CLASS(klass);
  GstElementClass *ec = GST_ELEMENT_CLASS(klass);
  oc->set_property = scripted_set_property;
  oc->get_property = scripted_get_property;
  oc->finalize = scripted_finalize;
  g_object_class_install_property(
      oc, 1, g_param_spec_string("script", "script", "what to report", "none", G_PARAM_READWRITE));
  gst_element_class_add_static_pad_template(ec, &sink);
  gst_element_class_add_static_pad_template(ec, &src);
  gst_element_class_set_static_metadata(ec, "Scripted face detector", "Filter/Analyzer/Video",
                                        "Posts scripted facedetect messages", "Witness tests");
  GST_BASE_TRANSFORM_CLASS(klass)->transform_ip = scripted_transform_ip;
  GST_BASE_TRANSFORM_CLASS(klass)->passthrough_on_same_caps = FALSE;
}

static void
wt_scripted_init(WtScripted *self)
{
  self->script = g_strdup("none");
}

/* ---- Tests --------------------------------------------------------------------------- */

static void
run(const char *script, guint window_ms, LivenessOutcome *out)
{
  WtLivenessTapConfig cfg;
  wt_liveness_tap_config_init(&cfg);
  g_autofree char *desc = g_strdup_printf("wtscripted script=%s", script);
  cfg.detector.description = desc;
  cfg.thresholds.window_ms = window_ms;
  cfg.log_prefix = script;
  g_autoptr(GError) error = NULL;
  WtLivenessTap *tap = wt_liveness_tap_new(&cfg, &liveness_outcome_callbacks, out, &error);
  g_assert_no_error(error);
  LivenessFeed *feed = liveness_feed_start(
      tap, "videotestsrc pattern=smpte ! video/x-raw,width=640,height=480,framerate=30/1");
  g_assert_true(liveness_outcome_wait(out, window_ms / 1000 + 30));
  liveness_feed_stop(feed);
  g_assert_false(out->failed);
  g_assert_cmpstr(json_object_get_string_member(out->record, "trigger"), ==, "test");
  JsonObject *info = json_object_get_object_member(out->record, "detector");
  g_assert_cmpstr(json_object_get_string_member(info, "description"), ==, desc);
  wt_liveness_tap_free(tap);
}

static void
test_live(void)
{
  LivenessOutcome out = {0};
  run("live", 6000, &out);
  g_assert_true(out.passed);
  g_assert_cmpuint(out.warnings, ==, 0);
  g_assert_nonnull(out.jpeg);
  liveness_outcome_clear(&out);
}

static void
test_still(void)
{
  LivenessOutcome out = {0};
  run("still", 4000, &out);
  g_assert_false(out.passed);
  g_assert_cmpuint(out.reasons, ==, WT_LIVENESS_REASON_STILL_FACE | WT_LIVENESS_REASON_NO_BLINK);
  liveness_outcome_clear(&out);
}

static void
test_none(void)
{
  LivenessOutcome out = {0};
  run("none", 4000, &out);
  g_assert_false(out.passed);
  g_assert_cmpuint(out.reasons, ==, WT_LIVENESS_REASON_NO_FACE);
  g_assert_cmpuint(out.prompts, >=, 1);
  liveness_outcome_clear(&out);
}

static void
test_multiple_faces(void)
{
  LivenessOutcome out = {0};
  run("multi", 6000, &out);
  g_assert_true(out.passed); /* the largest face is live... */
  /* ...and the warning came first (the rules raise it after 5 frames). */
  g_assert_cmpuint(out.warnings, ==, WT_LIVENESS_WARN_MULTIPLE_FACES);
  liveness_outcome_clear(&out);
}

static void
test_malformed(void)
{
  LivenessOutcome out = {0};
  /* The tap warns about malformed messages (once per 100); that is expected here. */
  GLogLevelFlags fatal = g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  run("malformed", 3000, &out);
  g_log_set_always_fatal(fatal);
  g_assert_false(out.passed);
  /* Nothing usable came: as if no frame was analysed. */
  g_assert_cmpuint(out.reasons, ==, WT_LIVENESS_REASON_NO_VIDEO);
  liveness_outcome_clear(&out);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  wt_liveness_init(1);
  gst_element_register(NULL, "wtscripted", GST_RANK_NONE, wt_scripted_get_type());
  g_test_add_func("/liveness-hook/live", test_live);
  g_test_add_func("/liveness-hook/still", test_still);
  g_test_add_func("/liveness-hook/none", test_none);
  g_test_add_func("/liveness-hook/multiple-faces", test_multiple_faces);
  g_test_add_func("/liveness-hook/malformed", test_malformed);
  return g_test_run(); /* no gst_deinit(): GStreamer's globals stay reachable for LSan */
}
