/* clock_sync.c — frames placed on the sender's clock through its RTCP sender
 * reports (see clock_sync.h for the rules). Runs on the recorder's storage
 * thread; pure arithmetic.
 */
#include "clock_sync.h"

static gint64
floor_div(gint64 a, gint64 b)
{
  gint64 q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

gint64
wt_clock_sync_ntp_to_us(guint64 ntp)
{
  return (gint64)(ntp >> 32) * G_USEC_PER_SEC +
         (gint64)(((ntp & 0xffffffffu) * G_USEC_PER_SEC) >> 32);
}

guint64
wt_clock_sync_us_to_ntp(gint64 us)
{
  guint64 s = (guint64)(us / G_USEC_PER_SEC), frac = (guint64)(us % G_USEC_PER_SEC);
  /* Rounded up, so that ntp_to_us(us_to_ntp(x)) == x. */
  return s << 32 | (((frac << 32) + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
}

void
wt_clock_sync_party_init(WtClockSyncParty *party)
{
  party->known = FALSE;
  party->offset_us = 0;
}

void
wt_clock_sync_stream_init(WtClockSyncStream *s, guint32 clock_rate)
{
  g_return_if_fail(clock_rate > 0);
  *s = (WtClockSyncStream){.clock_rate = clock_rate};
}

static void
sample(WtClockSyncParty *party, gint64 arrival_rec_us, gint64 ntp_us)
{
  gint64 offset = arrival_rec_us - ntp_us;
  if (!party->known || offset < party->offset_us) {
    party->known = TRUE;
    party->offset_us = offset;
  }
}

void
wt_clock_sync_on_sr(WtClockSyncStream *s, WtClockSyncParty *party, guint64 ntp, guint32 rtp_ts,
                    gint64 arrival_rec_us)
{
  s->sr_new = TRUE;
  s->sr_ntp = ntp;
  s->sr_rtp_ts = rtp_ts;
  sample(party, arrival_rec_us, wt_clock_sync_ntp_to_us(ntp));
}

gint64
wt_clock_sync_place(WtClockSyncStream *s, WtClockSyncParty *party, const WtTsUnwrap *u, gint64 ext,
                    gint64 arrival_rec_us, WtClockSyncPlacement *out)
{
  *out = (WtClockSyncPlacement){.state = WT_CLOCK_SYNC_ARRIVAL};
  if (s->sr_new) { /* the report's RTP time on the timeline the frame is on */
    s->sr_new = FALSE;
    s->mapped = TRUE;
    s->map_ext = wt_ts_unwrap_peek(u, s->sr_rtp_ts);
    s->map_ntp_us = wt_clock_sync_ntp_to_us(s->sr_ntp);
  }
  gboolean have_target = FALSE;
  gint64 target_ms = 0;
  if (s->mapped) {
    gint64 ntp_us = s->map_ntp_us + wt_ts_unwrap_to_us(u, ext - s->map_ext);
    target_ms = floor_div(ntp_us + party->offset_us, 1000);
    have_target = TRUE;
  }
  gboolean first = !s->based;
  gint64 arrival_ms = floor_div(arrival_rec_us, 1000);
  if (first) {
    s->based = TRUE;
    s->base_ext = ext;
    s->base_ms = have_target ? target_ms : arrival_ms;
    s->corr_ms = 0;
    s->last_nominal_ms = s->base_ms;
    s->last_pts = G_MININT64;
  }
  gint64 nominal = s->base_ms + wt_ts_unwrap_to_ms(u, ext - s->base_ext);
  if (have_target) {
    gint64 want = target_ms - nominal, error = want - s->corr_ms;
    if (ABS(error) <= WT_CLOCK_SYNC_MAX_ERROR_MS) {
      if (error >= 0) {
        s->corr_ms = want;
      } else {
        gint64 step = MAX(1, (nominal - s->last_nominal_ms) / WT_CLOCK_SYNC_SLEW_DIV);
        s->corr_ms = MAX(want, s->corr_ms - step);
      }
      out->state = s->corr_ms == want ? WT_CLOCK_SYNC_SR : WT_CLOCK_SYNC_CONVERGING;
      if (!s->on_sr_once) {
        s->on_sr_once = TRUE;
        out->first_sr = TRUE;
        out->error_ms = first ? target_ms - arrival_ms : error;
        out->offset_us = party->offset_us;
      }
    }
  }
  s->last_nominal_ms = nominal;
  gint64 pts = nominal + s->corr_ms;
  if (s->last_pts != G_MININT64 && pts <= s->last_pts)
    pts = s->last_pts + 1;
  s->last_pts = pts;
  return pts;
}
