/* detector.h — the detector hook: the GStreamer element that finds faces and
 * eyes in the tap's frames, and the reading of its bus messages into
 * observations for the rules (liveness_rules.h). The contract any replacement
 * element must keep is pipelines/HOOK.md.
 *
 * The default is OpenCV's `facedetect` (gst-plugins-bad, Debian's
 * gstreamer1.0-opencv) with the frontal-face and eye Haar cascades of
 * Debian's opencv-data, set up as tuned for video calls: large minimum face,
 * eyes searched only inside the face at source resolution, min-neighbors 5
 * (3 reports false second faces).
 *
 * Threads: wt_detector_new() on any thread before the pipeline runs;
 * wt_detector_parse_message() on whichever thread delivers the message.
 */
#pragma once

#include <gst/gst.h>
#include <json-glib/json-glib.h>

#include "liveness_rules.h"

G_BEGIN_DECLS

#define WT_DETECTOR_MESSAGE "facedetect"
#define WT_DETECTOR_CASCADE_DIR "/usr/share/opencv4/haarcascades"

typedef struct {
  /* A gst-launch description of the element (or elements, linked) to use
   * instead of facedetect, e.g. "vendorface model=/opt/v/m.bin"; NULL or ""
   * for the default. */
  const char *description;
  const char *face_cascade; /* NULL: WT_DETECTOR_CASCADE_DIR/haarcascade_frontalface_default.xml */
  const char *eye_cascade;  /* NULL: WT_DETECTOR_CASCADE_DIR/haarcascade_eye.xml */
  guint min_face;           /* smallest face, pixels (0: 80) */
  guint min_neighbors;      /* 0: 5 */
  double scale_factor;      /* 0: 1.3 */
} WtDetectorConfig;

/* Makes the detector (transfer floating, as GStreamer elements are) and
 * describes it in *@info (transfer full): {"element": factory names,
 * "version": plugin version, "description": what config said,
 * "settings": {...}, "files": [{"path","sha256"}] for every file an element
 * property names (the cascades, a vendor's model). NULL with @error when an
 * element or a cascade file is missing. */
GstElement *wt_detector_new(const WtDetectorConfig *config, JsonObject **info, GError **error);

/* Reads a detector message (HOOK.md) into @o (time_us left alone). FALSE when
 * @s is not one, or is malformed (the caller counts and ignores it). */
gboolean wt_detector_parse_message(const GstStructure *s, WtLivenessObservation *o);

/* SHA-256 of a file's bytes, lower-case hex (transfer full); NULL with @error. */
char *wt_detector_file_sha256(const char *path, GError **error);

G_END_DECLS
