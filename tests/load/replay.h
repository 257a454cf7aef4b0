/* replay.h — the load clip (media.h) as one publisher's RTP packets with the
 * times they would arrive, to feed a WtRecorder (storage/recorder.h)
 * directly, faster than real time and with no network: for bench-recorder
 * and for recorder tests that need a given arrival pattern (a late
 * retransmission, say).
 *
 *   g_autoptr(GArray) plan = load_replay_plan(media, 6.0);  // LoadReplayPacket
 *   g_array_index(plan, LoadReplayPacket, 3).at_us += 180000; // a late one
 *   load_replay_sort(plan);
 *   LoadReplayPublisher pub;
 *   load_replay_publisher_init(&pub, wt_recorder_join(rec, "p-1", "applicant", &tracks));
 *   for (guint i = 0; i < plan->len; i++)
 *     load_replay_push(rec, media, &g_array_index(plan, LoadReplayPacket, i), &pub, start_us);
 *
 * Sequence numbers and timestamps are those the packet was sent with, not
 * the order of arrival, so a packet moved later arrives out of order.
 * Single-threaded (the recorder's producer side).
 */
#pragma once

#include "media.h"
#include "recorder.h"

G_BEGIN_DECLS

/* One packet of the clip, from @loop, and when it arrives. */
typedef struct {
  gint64 at_us; /* from the start of the replay */
  LoadKind kind;
  guint index; /* into media->tracks[kind].packets */
  guint loop;
  guint32 order; /* sending order, to keep ties stable */
} LoadReplayPacket;

typedef struct {
  guint who; /* the recorder's handle */
  guint16 seq[LOAD_KINDS];
  guint32 ts_base[LOAD_KINDS], ssrc[LOAD_KINDS];
  gint64 ntp0_us; /* the sender's NTP clock (µs since 1900) at the replay's start */
} LoadReplayPublisher;

/* Every packet of both tracks sent in the first @seconds, looping the clip,
 * each arriving when it is sent (transfer full, sorted). */
GArray *load_replay_plan(const LoadMedia *media, double seconds);
/* Sorts @plan by arrival again after times were changed. */
void load_replay_sort(GArray *plan);

/* Random SSRCs, sequence numbers and timestamp bases, as a browser picks;
 * the NTP clock is our wall clock now. */
void load_replay_publisher_init(LoadReplayPublisher *pub, guint who);

/* Writes @p as @pub's RTP packet and queues it in @rec to arrive at @start_us
 * + p->at_us + @skew_us (monotonic). Waits while the recorder's queue is
 * nearly full rather than dropping. FALSE when the recorder refused it. */
gboolean load_replay_push(WtRecorder *rec, const LoadMedia *media, const LoadReplayPacket *p,
                          const LoadReplayPublisher *pub, gint64 start_us, gint64 skew_us);

/* @pub's RTCP sender report for its @kind stream, sent @sent_us after the
 * replay's start (NTP ntp0_us + @sent_us, the RTP time the clip has then),
 * queued in @rec to arrive at @start_us + @arrival_us (monotonic). */
gboolean load_replay_push_sr(WtRecorder *rec, const LoadMedia *media,
                             const LoadReplayPublisher *pub, LoadKind kind, gint64 sent_us,
                             gint64 start_us, gint64 arrival_us);

G_END_DECLS
