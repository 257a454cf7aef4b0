/* test_roi.c — searching near the last face (pipelines/roi.h): after a face
 * is found the next frame is cropped around it, what is found in a crop is
 * translated back to the whole frame, the whole frame is searched again every
 * N frames and as soon as the face is lost, crops stay inside the frame, and
 * a second face seen in the whole frame is not forgotten while cropping. */
#include "roi.h"

static WtLivenessObservation
face_at(gint x, gint y, gint w, guint n)
{
  return (WtLivenessObservation){.n_faces = n, .face = {x, y, w, w}, .eyes = TRUE};
}

static void
test_crop_translate_refresh(void)
{
  WtRoiTracker t;
  wt_roi_tracker_reset(&t, 640, 480);
  WtLivenessObservation o = face_at(260, 100, 120, 1);
  g_assert_true(wt_roi_tracker_update(&t, &o, 10));
  g_assert_cmpint(o.face.x, ==, 260); /* found in the whole frame: unchanged */
  /* A square of 2.4 face widths around the face, aligned to 8 px. */
  g_assert_cmpint(t.next.width, ==, 288);
  g_assert_cmpint(t.next.height, ==, 288);
  g_assert_cmpint(t.next.left, ==, 176);
  g_assert_cmpint(t.next.top, ==, 16);
  /* Found at (84,84) in that crop: (260,100) in the frame. */
  o = face_at(84, 84, 120, 1);
  wt_roi_tracker_update(&t, &o, 10);
  g_assert_cmpint(o.face.x, ==, 260);
  g_assert_cmpint(o.face.y, ==, 100);
  /* Every 10th frame is a whole-frame search. */
  guint whole = 0;
  for (guint i = 0; i < 30; i++) {
    gboolean was_whole = t.next.width == 640;
    whole += was_whole;
    WtLivenessObservation f = was_whole ? face_at(260, 100, 120, 1) : face_at(84, 84, 120, 1);
    wt_roi_tracker_update(&t, &f, 10);
    g_assert_cmpint(f.face.x, ==, 260);
  }
  g_assert_cmpuint(whole, ==, 3);
}

static void
test_lost_and_edges(void)
{
  WtRoiTracker t;
  wt_roi_tracker_reset(&t, 640, 480);
  WtLivenessObservation o = face_at(0, 0, 100, 1); /* in the corner: the crop stays inside */
  wt_roi_tracker_update(&t, &o, 10);
  g_assert_cmpint(t.next.left, ==, 0);
  g_assert_cmpint(t.next.top, ==, 0);
  o = face_at(600, 400, 100, 1);
  wt_roi_tracker_reset(&t, 640, 480);
  wt_roi_tracker_update(&t, &o, 10);
  g_assert_cmpint(t.next.left + t.next.width, <=, 640);
  g_assert_cmpint(t.next.top + t.next.height, <=, 480);
  /* Lost in the crop: the whole frame next. */
  WtLivenessObservation none = {0};
  g_assert_true(wt_roi_tracker_update(&t, &none, 10));
  g_assert_cmpint(t.next.width, ==, 640);
  g_assert_cmpint(none.n_faces, ==, 0);
  /* A face too big to save anything by cropping: whole frames. */
  o = face_at(100, 50, 300, 1);
  wt_roi_tracker_update(&t, &o, 10);
  g_assert_cmpint(t.next.width, ==, 640);
}

static void
test_second_face_remembered(void)
{
  WtRoiTracker t;
  wt_roi_tracker_reset(&t, 640, 480);
  WtLivenessObservation o = face_at(100, 100, 100, 2); /* two faces in the whole frame */
  wt_roi_tracker_update(&t, &o, 10);
  WtLivenessObservation in_crop = face_at(60, 60, 100, 1);
  wt_roi_tracker_update(&t, &in_crop, 10);
  g_assert_cmpuint(in_crop.n_faces, ==, 2);
  /* ...until a whole-frame search sees one only. */
  wt_roi_tracker_reset(&t, 640, 480);
  o = face_at(100, 100, 100, 1);
  wt_roi_tracker_update(&t, &o, 10);
  in_crop = face_at(60, 60, 100, 1);
  wt_roi_tracker_update(&t, &in_crop, 10);
  g_assert_cmpuint(in_crop.n_faces, ==, 1);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/roi/crop-translate-refresh", test_crop_translate_refresh);
  g_test_add_func("/roi/lost-and-edges", test_lost_and_edges);
  g_test_add_func("/roi/second-face-remembered", test_second_face_remembered);
  return g_test_run();
}
