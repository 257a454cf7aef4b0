/* avsync.h — finds flashes and beeps in recorded segments, for the lip-sync
 * test (test_sync.c): decodes each segment with libavformat/libavcodec and
 * keeps, on the segments' own clock (ms since the recording started), one
 * bright/dark mark per video frame (mean luma) and one loud/quiet mark per
 * millisecond of audio (peak level). An onset is a dark-to-bright or
 * quiet-to-loud change, found over all the segments added so far, so an
 * event whose first bright frame opens a new segment is still seen, and
 * still timed against the audio that may sit in the segment before.
 *
 *   g_autoptr(LoadAvSync) s = load_avsync_new();
 *   load_avsync_add_segment(s, "p-1/00000.webm", &error);
 *   load_avsync_add_segment(s, "p-1/00001.webm", &error);
 *   g_autoptr(GArray) flashes = load_avsync_onsets(s, LOAD_AVSYNC_VIDEO);
 *
 * Single-threaded; blocking file reads.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  LOAD_AVSYNC_AUDIO,
  LOAD_AVSYNC_VIDEO,
  LOAD_AVSYNC_KINDS,
} LoadAvSyncKind;

/* Where something changed from dark to bright (quiet to loud). */
typedef struct {
  gint64 at_us;     /* on the segments' clock */
  guint segment;    /* which added segment (0, 1, ...) holds the bright or loud part */
  gboolean opening; /* it is the segment's first video frame (video only) */
} LoadAvSyncOnset;

typedef struct _LoadAvSync LoadAvSync;

LoadAvSync *load_avsync_new(void);
void load_avsync_free(LoadAvSync *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LoadAvSync, load_avsync_free)

/* Decodes every frame of the segment file @path (transfer none), in the
 * order the segments were recorded. FALSE with @error when it cannot be read
 * or decoded. */
gboolean load_avsync_add_segment(LoadAvSync *s, const char *path, GError **error);

/* The onsets of @kind so far, in time order (transfer full, LoadAvSyncOnset). */
GArray *load_avsync_onsets(const LoadAvSync *s, LoadAvSyncKind kind);

/* The first and last time (µs) with a mark of @kind; FALSE when there is none. */
gboolean load_avsync_span(const LoadAvSync *s, LoadAvSyncKind kind, gint64 *first, gint64 *last);

G_END_DECLS
