/* roi.h — searching near the last face: which part of the next analysed
 * frame the detector is given. Faces in a video call are large and move
 * little between frames, so after a face is found the detector sees only a
 * square around it (WT_ROI_SCALE face widths); the whole frame is searched
 * again every `full_every` frames, and as soon as the face is lost. What the
 * detector reports in a crop is translated back to the whole frame here.
 * Pure arithmetic; the tap calls it on the detector's streaming thread. */
#pragma once

#include <glib.h>

#include "liveness_rules.h"

G_BEGIN_DECLS

#define WT_ROI_SCALE 2.4 /* the crop's side, in face widths */
#define WT_ROI_ALIGN 8   /* crops move in steps of this many pixels (fewer renegotiations) */

typedef struct {
  gint left, top, width, height;
} WtRoi;

typedef struct {
  gint frame_w, frame_h; /* the whole analysed frame */
  WtRoi current;         /* the crop the last frame was analysed in */
  WtRoi next;            /* the crop for the next frame */
  guint since_full;      /* frames since the last whole-frame search */
  guint full_faces;      /* faces the last whole-frame search found */
} WtRoiTracker;

/* Starts over with whole frames of @w x @h. */
void wt_roi_tracker_reset(WtRoiTracker *t, gint w, gint h);
/* @o was found in the crop chosen by the previous call (the whole frame
 * after a reset). Translates @o's face to whole-frame pixels,
 * keeps the face count of the last whole-frame search while cropping (a
 * second face outside the crop is still there for the warning), and chooses
 * t->next. Returns TRUE when t->next differs from the crop just used. */
gboolean wt_roi_tracker_update(WtRoiTracker *t, WtLivenessObservation *o, guint full_every);

G_END_DECLS
