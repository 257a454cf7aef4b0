/* detector.c — the detector hook (see detector.h and HOOK.md): making the
 * element, describing it for the evidence, and reading its messages.
 * Construction on the caller's thread; parsing on a GStreamer thread.
 */
#include "detector.h"

#include <gio/gio.h>
#include <string.h>

#define DEFAULT_MIN_FACE 80
#define DEFAULT_MIN_NEIGHBORS 5
#define DEFAULT_SCALE 1.3
#define NO_CASCADE "/nonexistent/none.xml"

char *
wt_detector_file_sha256(const char *path, GError **error)
{
  g_autoptr(GMappedFile) map = g_mapped_file_new(path, FALSE, error);
  if (!map)
    return NULL;
  return g_compute_checksum_for_data(G_CHECKSUM_SHA256,
                                     (const guchar *)g_mapped_file_get_contents(map),
                                     g_mapped_file_get_length(map));
}

/* Every readable string property of @element that names an existing file is
 * evidence of what ran: hash it. */
static void
describe_element(GstElement *element, JsonArray *names, JsonArray *files)
{
  GstElementFactory *factory = gst_element_get_factory(element);
  if (!factory)
    return;
  g_autoptr(GstPlugin) plugin = gst_plugin_feature_get_plugin(GST_PLUGIN_FEATURE(factory));
  g_autofree char *name = g_strdup_printf(
      "%s (%s %s)", gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(factory)),
      plugin ? gst_plugin_get_name(plugin) : "?", plugin ? gst_plugin_get_version(plugin) : "?");
  json_array_add_string_element(names, name);
  guint n = 0;
  g_autofree GParamSpec **specs = g_object_class_list_properties(G_OBJECT_GET_CLASS(element), &n);
  for (guint i = 0; i < n; i++) {
    if (specs[i]->value_type != G_TYPE_STRING || !(specs[i]->flags & G_PARAM_READABLE) ||
        strcmp(specs[i]->name, "name") == 0)
      continue;
    g_autofree char *value = NULL;
    g_object_get(element, specs[i]->name, &value, NULL);
    if (!value || !g_path_is_absolute(value) || !g_file_test(value, G_FILE_TEST_IS_REGULAR))
      continue;
    g_autoptr(GError) error = NULL;
    g_autofree char *sum = wt_detector_file_sha256(value, &error);
    JsonObject *f = json_object_new();
    json_object_set_string_member(f, "element", GST_OBJECT_NAME(element));
    json_object_set_string_member(f, "property", specs[i]->name);
    json_object_set_string_member(f, "path", value);
    if (sum)
      json_object_set_string_member(f, "sha256", sum);
    else
      json_object_set_string_member(f, "error", error->message);
    json_array_add_object_element(files, f);
  }
}

static JsonObject *
describe(GstElement *detector, const WtDetectorConfig *config, JsonObject *settings)
{
  JsonObject *info = json_object_new();
  JsonArray *names = json_array_new();
  JsonArray *files = json_array_new();
  if (GST_IS_BIN(detector)) {
    g_autoptr(GstIterator) it = gst_bin_iterate_recurse(GST_BIN(detector));
    GValue item = G_VALUE_INIT;
    while (gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
      describe_element(g_value_get_object(&item), names, files);
      g_value_reset(&item);
    }
    g_value_unset(&item);
  } else {
    describe_element(detector, names, files);
  }
  json_object_set_array_member(info, "elements", names);
  g_autofree char *version = gst_version_string();
  json_object_set_string_member(info, "gstreamer", version);
  json_object_set_string_member(info, "description",
                                config->description && *config->description ? config->description
                                                                            : "facedetect");
  if (settings)
    json_object_set_object_member(info, "settings", settings);
  json_object_set_array_member(info, "files", files);
  return info;
}

static gboolean
readable_file(const char *path, GError **error)
{
  g_autoptr(GFile) file = g_file_new_for_path(path);
  g_autoptr(GFileInputStream) in = g_file_read(file, NULL, error);
  if (!in) {
    g_prefix_error(error, "cascade %s: ", path);
    return FALSE;
  }
  return TRUE;
}

static GstElement *
make_facedetect(const WtDetectorConfig *config, JsonObject **settings, GError **error)
{
  g_autofree char *face =
      g_build_filename(WT_DETECTOR_CASCADE_DIR, "haarcascade_frontalface_default.xml", NULL);
  g_autofree char *eye = g_build_filename(WT_DETECTOR_CASCADE_DIR, "haarcascade_eye.xml", NULL);
  const char *face_path =
      config->face_cascade && *config->face_cascade ? config->face_cascade : face;
  const char *eye_path = config->eye_cascade && *config->eye_cascade ? config->eye_cascade : eye;
  if (!readable_file(face_path, error) || !readable_file(eye_path, error))
    return NULL;
  GstElement *fd = gst_element_factory_make("facedetect", NULL);
  if (!fd) {
    g_set_error(error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN,
                "no facedetect element (install gstreamer1.0-opencv)");
    return NULL;
  }
  guint min_face = config->min_face ? config->min_face : DEFAULT_MIN_FACE;
  guint neighbors = config->min_neighbors ? config->min_neighbors : DEFAULT_MIN_NEIGHBORS;
  double scale = config->scale_factor >= 1.1 ? config->scale_factor : DEFAULT_SCALE;
  /* Nose and mouth profiles (Debian ships neither) are switched off by
   * naming no file: a cascade that does not load is none ("" would make
   * OpenCV throw). Eyes are searched inside the face found, at the frame's
   * own resolution. */
  g_object_set(fd, "display", FALSE, "profile", face_path, "eyes-profile", eye_path, "nose-profile",
               NO_CASCADE, "mouth-profile", NO_CASCADE, "min-size-width", (gint)min_face,
               "min-size-height", (gint)min_face, "min-neighbors", (gint)neighbors, "scale-factor",
               scale, "updates", 0 /* every_frame */, NULL);
  JsonObject *s = json_object_new();
  json_object_set_int_member(s, "min_face", min_face);
  json_object_set_int_member(s, "min_neighbors", neighbors);
  json_object_set_double_member(s, "scale_factor", scale);
  *settings = s;
  return fd;
}

GstElement *
wt_detector_new(const WtDetectorConfig *config, JsonObject **info, GError **error)
{
  GstElement *detector;
  JsonObject *settings = NULL;
  if (config->description && *config->description) {
    detector = gst_parse_bin_from_description(config->description, TRUE, error);
    if (!detector) {
      g_prefix_error(error, "detector \"%s\": ", config->description);
      return NULL;
    }
  } else {
    detector = make_facedetect(config, &settings, error);
    if (!detector)
      return NULL;
  }
  *info = describe(detector, config, settings);
  return detector;
}

static gboolean
get_int(const GstStructure *s, const char *field, gint *out)
{
  const GValue *v = gst_structure_get_value(s, field);
  if (!v)
    return FALSE;
  if (G_VALUE_HOLDS_UINT(v) && g_value_get_uint(v) <= G_MAXINT)
    *out = (gint)g_value_get_uint(v);
  else if (G_VALUE_HOLDS_INT(v))
    *out = g_value_get_int(v);
  else
    return FALSE;
  return TRUE;
}

gboolean
wt_detector_parse_message(const GstStructure *s, WtLivenessObservation *o)
{
  if (!s || !gst_structure_has_name(s, WT_DETECTOR_MESSAGE))
    return FALSE;
  const GValue *faces = gst_structure_get_value(s, "faces");
  o->n_faces = 0;
  o->eyes = FALSE;
  o->face = (WtFaceBox){0};
  if (!faces)
    return TRUE; /* no faces field: none found (older facedetect, or a vendor's shorthand) */
  if (!GST_VALUE_HOLDS_LIST(faces))
    return FALSE;
  guint n = gst_value_list_get_size(faces);
  for (guint i = 0; i < n; i++) {
    const GValue *fv = gst_value_list_get_value(faces, i);
    if (!GST_VALUE_HOLDS_STRUCTURE(fv))
      return FALSE;
    const GstStructure *f = gst_value_get_structure(fv);
    WtFaceBox box;
    if (!get_int(f, "x", &box.x) || !get_int(f, "y", &box.y) || !get_int(f, "width", &box.width) ||
        !get_int(f, "height", &box.height) || box.width <= 0 || box.height <= 0)
      return FALSE;
    o->n_faces++;
    if (box.width * (gint64)box.height <= o->face.width * (gint64)o->face.height)
      continue;
    o->face = box;
    gint ew = 0;
    gboolean flag = FALSE;
    o->eyes = (get_int(f, "eyes->width", &ew) && ew > 0) ||
              (gst_structure_get_boolean(f, "eyes", &flag) && flag);
  }
  return TRUE;
}
