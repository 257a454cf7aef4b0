/* clock_sync.h — where a participant's frames go on the recording's clock
 * (ms since the recording started): by arrival until the sender's RTCP
 * sender reports say better, then on the sender's own capture clock, so that
 * a participant's audio and video are in sync whatever their arrival skew,
 * and parties stay aligned to our wall clock.
 *
 *   WtClockSyncParty party;            // one per participant (connection)
 *   WtClockSyncStream audio, video;    // one per stream
 *   wt_clock_sync_party_init(&party);
 *   wt_clock_sync_stream_init(&video, 90000);
 *   wt_clock_sync_on_sr(&video, &party, sr_ntp, sr_rtp_ts, sr_arrival_rec_us);
 *   gint64 ext = wt_ts_unwrap_update(&u, frame_ts, arrival, NULL);
 *   WtClockSyncPlacement where;
 *   gint64 pts_ms = wt_clock_sync_place(&video, &party, &u, ext, arrival_rec_us, &where);
 *
 * The rules, exactly ("recording µs": µs since the recording started, on our
 * wall clock):
 *  1. A sender report (NTP time N, RTP time R) maps the stream's RTP timeline
 *     to the sender's NTP clock: R is placed on the unwrapped timeline
 *     (wt_ts_unwrap_peek()) at the stream's next frame, and a frame at
 *     timeline position E was captured at N + (E - ext(R)) / clock rate. The
 *     latest report wins; audio and video of one sender share its NTP clock.
 *  2. The sender's NTP clock maps to ours with one offset per participant:
 *     the least (arrival - NTP time) over its sender reports, of audio and
 *     video alike (the shortest trip; RTCP does not wait in the sender's
 *     pacer as media does, and frames are not sampled, so that one report
 *     that does not match its stream cannot move the other stream). The
 *     offset only ever goes down. A constant network delay cannot be told
 *     from a clock offset: it stays in, as it does with arrival placement.
 *  3. A stream's first frame is placed on its target (offset + its NTP time)
 *     when both the stream's mapping and the offset are known, else at its
 *     arrival (as before sender reports were read). Later frames follow the
 *     RTP clock from there (nominal), plus a correction that moves toward the
 *     target: forward at once (a short hole, never a step back), backward by
 *     at most 1/WT_CLOCK_SYNC_SLEW_DIV of each frame's duration (the track
 *     plays slightly fast until it is on target). A target more than
 *     WT_CLOCK_SYNC_MAX_ERROR_MS from where the frame would go is not
 *     believed (a sender report that does not match its stream): the frame
 *     follows the nominal clock and counts as arrival-placed.
 *  4. Whatever the above, a stream's times strictly increase (a tie moves
 *     1 ms on): segments stay valid.
 *
 * Threads: plain structs owned by the recorder's storage thread; no I/O.
 */
#pragma once

#include <glib.h>

#include "ts_unwrap.h"

G_BEGIN_DECLS

#define WT_CLOCK_SYNC_SLEW_DIV 10
#define WT_CLOCK_SYNC_MAX_ERROR_MS 5000

/* Seconds from the NTP epoch (1900) to the Unix epoch (1970). */
#define WT_CLOCK_SYNC_NTP_UNIX_S G_GINT64_CONSTANT(2208988800)

/* How a frame was placed. */
typedef enum {
  WT_CLOCK_SYNC_ARRIVAL,    /* by arrival: no sender report yet (or not believed) */
  WT_CLOCK_SYNC_CONVERGING, /* a sender report says earlier: moving back toward it */
  WT_CLOCK_SYNC_SR,         /* on the sender's clock, as its reports map it */
} WtClockSyncState;

/* One participant's sender clock against ours. */
typedef struct {
  gboolean known;
  gint64 offset_us; /* recording µs minus the sender's NTP µs: the least seen */
} WtClockSyncParty;

/* One stream's mapping and placement. */
typedef struct {
  guint32 clock_rate;
  gboolean sr_new; /* a report not yet placed on the timeline */
  guint64 sr_ntp;  /* its NTP time (64-bit, RFC 3550 format) */
  guint32 sr_rtp_ts;
  gboolean mapped; /* map_ext was captured at map_ntp_us */
  gint64 map_ntp_us, map_ext;
  gboolean based;
  gint64 base_ext, base_ms; /* the first frame: the nominal clock's origin */
  gint64 corr_ms;           /* the correction added to the nominal clock */
  gint64 last_nominal_ms, last_pts;
  gboolean on_sr_once; /* some frame was placed from a sender report */
} WtClockSyncStream;

typedef struct {
  WtClockSyncState state;
  /* TRUE on the first frame a sender report placed (state != ARRIVAL):
   * error_ms is then its target less where it would have gone without the
   * report (its arrival when it is the stream's first frame; negative: the
   * stream was late), and offset_us the party's. */
  gboolean first_sr;
  gint64 error_ms;
  gint64 offset_us;
} WtClockSyncPlacement;

void wt_clock_sync_party_init(WtClockSyncParty *party);
/* Resets @s for a stream clocked at @clock_rate (> 0). */
void wt_clock_sync_stream_init(WtClockSyncStream *s, guint32 clock_rate);

/* A sender report for @s (NTP @ntp, RTP @rtp_ts) arrived at @arrival_rec_us:
 * remembered for the next frame, and a sample of @party's offset. */
void wt_clock_sync_on_sr(WtClockSyncStream *s, WtClockSyncParty *party, guint64 ntp, guint32 rtp_ts,
                         gint64 arrival_rec_us);

/* Places the frame at @ext on @u's timeline (@u just updated with it; transfer
 * none), which arrived at @arrival_rec_us, by the rules above. Returns its
 * time in ms, strictly after the stream's previous one; fills *@out. */
gint64 wt_clock_sync_place(WtClockSyncStream *s, WtClockSyncParty *party, const WtTsUnwrap *u,
                           gint64 ext, gint64 arrival_rec_us, WtClockSyncPlacement *out);

/* A 64-bit NTP time in µs since 1900. */
gint64 wt_clock_sync_ntp_to_us(guint64 ntp);
/* µs since 1900 as a 64-bit NTP time. */
guint64 wt_clock_sync_us_to_ntp(gint64 us);

G_END_DECLS
