/* roi.c — searching near the last face (see roi.h). Pure; any thread. */
#include "roi.h"

static WtRoi
whole(const WtRoiTracker *t)
{
  return (WtRoi){0, 0, t->frame_w, t->frame_h};
}

void
wt_roi_tracker_reset(WtRoiTracker *t, gint w, gint h)
{
  *t = (WtRoiTracker){.frame_w = w, .frame_h = h};
  t->current = t->next = whole(t);
}

static gint
align_down(gint v)
{
  return v / WT_ROI_ALIGN * WT_ROI_ALIGN;
}

static gboolean
is_whole(const WtRoiTracker *t, const WtRoi *r)
{
  return r->left == 0 && r->top == 0 && r->width == t->frame_w && r->height == t->frame_h;
}

gboolean
wt_roi_tracker_update(WtRoiTracker *t, WtLivenessObservation *o, guint full_every)
{
  t->current = t->next;
  gboolean full = is_whole(t, &t->current);
  if (o->n_faces > 0) {
    o->face.x += t->current.left;
    o->face.y += t->current.top;
  }
  if (full) {
    t->since_full = 0;
    t->full_faces = o->n_faces;
  } else {
    t->since_full++;
    if (o->n_faces > 0 && t->full_faces > o->n_faces)
      o->n_faces = t->full_faces;
  }
  WtRoi next = whole(t);
  if (o->n_faces > 0 && o->face.width > 0 && t->since_full + 1 < MAX(full_every, 1)) {
    gint side = (gint)(o->face.width * WT_ROI_SCALE);
    side = align_down(MIN(side, MIN(t->frame_w, t->frame_h)));
    gint cx = o->face.x + o->face.width / 2, cy = o->face.y + o->face.height / 2;
    gint left = CLAMP(align_down(cx - side / 2), 0, t->frame_w - side);
    gint top = CLAMP(align_down(cy - side / 2), 0, t->frame_h - side);
    /* A crop not much smaller than the frame saves nothing. */
    if (side > 0 && (gint64)side * side * 2 < (gint64)t->frame_w * t->frame_h)
      next = (WtRoi){left, top, side, side};
  }
  gboolean changed = next.left != t->current.left || next.top != t->current.top ||
                     next.width != t->current.width || next.height != t->current.height;
  t->next = next;
  return changed;
}
