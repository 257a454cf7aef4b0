/* slots.h — appointment slots as plain arithmetic: the settings of
 * [module.appoint] (parsed and checked), which slots exist, and the online
 * check-in window. Times are unix milliseconds on the workflow clock; slots
 * are laid out in the centre's local time (utc_offset_minutes, China by
 * default), by integer arithmetic so no time-zone database is needed. No I/O:
 * unit-tested alone (tests/unit/test_appoint_slots.c). Main thread. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The business types (their Chinese and English names are the page's). */
typedef enum {
  WT_APPOINT_TRANSFER,                /* "transfer": transfer of an existing home */
  WT_APPOINT_TRANSFER_MORTGAGE,       /* "transfer-mortgage": transfer plus mortgage */
  WT_APPOINT_CERTIFICATE_REPLACEMENT, /* "certificate-replacement" */
  WT_APPOINT_LOST_CERTIFICATE,        /* "lost-certificate": replacing a lost one */
  WT_APPOINT_N_TYPES,
} WtAppointType;

/* An appointment's progress, as the applicant sees it. */
typedef enum {
  WT_APPOINT_BOOKED,      /* booked, not checked in */
  WT_APPOINT_CHECKED_IN,  /* checked in online, waiting for staff */
  WT_APPOINT_IN_PROGRESS, /* staff connected: in a room */
  WT_APPOINT_DONE,        /* staff finished it */
  WT_APPOINT_CANCELLED,   /* cancelled by the applicant or staff */
  WT_APPOINT_MISSED,      /* the check-in window closed without a check-in */
} WtAppointState;

typedef struct {
  guint8 days;              /* bit 0 Monday … bit 6 Sunday */
  gint open_min, close_min; /* local minutes after midnight: first start, last end */
  gint slot_minutes;
  gint utc_offset_minutes;           /* local time = UTC + this */
  gint days_ahead;                   /* slots offered from today to today + days_ahead */
  gint checkin_opens_minutes;        /* check-in opens this long before the start */
  gint checkin_closes_minutes;       /* and closes this long after it */
  gint capacity[WT_APPOINT_N_TYPES]; /* bookings per slot; 0: type not offered */
} WtAppointConfig;

/* Where @now stands against a slot's check-in window. */
typedef enum {
  WT_APPOINT_CHECKIN_TOO_EARLY,
  WT_APPOINT_CHECKIN_OPEN,
  WT_APPOINT_CHECKIN_CLOSED,
} WtAppointCheckin;

const char *wt_appoint_type_name(WtAppointType type);
gboolean wt_appoint_type_from_name(const char *name, WtAppointType *out);
const char *wt_appoint_state_name(WtAppointState state);
gboolean wt_appoint_state_from_name(const char *name, WtAppointState *out);

/* Reads the settings through @get(@user_data, key) (NULL: unset, take the
 * default); FALSE with @error naming the key for a bad value. The keys and
 * defaults are in server/modules/appoint/README.md. */
gboolean wt_appoint_config_parse(WtAppointConfig *cfg,
                                 const char *(*get)(gpointer user_data, const char *key),
                                 gpointer user_data, GError **error);

/* The slot starts of @type after @now_ms, up to the end of local day
 * today + days_ahead, in order (transfer full; gint64 each). Empty when
 * the type is not offered. */
GArray *wt_appoint_slots(const WtAppointConfig *cfg, WtAppointType type, gint64 now_ms);
/* TRUE when @start_ms starts a slot (on an open day, on the grid). */
gboolean wt_appoint_is_slot(const WtAppointConfig *cfg, gint64 start_ms);
/* Where a slot start stands against what is offered at @now_ms: the offer is
 * wt_appoint_slots' (after now, up to the end of local day today + days_ahead). */
typedef enum {
  WT_APPOINT_OFFERED,
  WT_APPOINT_NOT_A_SLOT,
  WT_APPOINT_STARTED,
  WT_APPOINT_TOO_FAR_AHEAD,
} WtAppointOffer;
WtAppointOffer wt_appoint_offer_at(const WtAppointConfig *cfg, gint64 start_ms, gint64 now_ms);
/* When check-in opens and closes for a slot starting at @start_ms. */
gint64 wt_appoint_checkin_opens_ms(const WtAppointConfig *cfg, gint64 start_ms);
gint64 wt_appoint_checkin_closes_ms(const WtAppointConfig *cfg, gint64 start_ms);
/* Opens exactly at start - checkin_opens_minutes (that instant is open) and
 * stays open until start + checkin_closes_minutes (that instant included). */
WtAppointCheckin wt_appoint_checkin_at(const WtAppointConfig *cfg, gint64 start_ms, gint64 now_ms);
/* "YYYY-MM-DD HH:MM" in local time (transfer full); "?" outside years 1 to 9999. */
char *wt_appoint_local_label(const WtAppointConfig *cfg, gint64 ms);

G_END_DECLS
