/* store.h — appointments in the shared SQLite database (table
 * appoint_appointments). Booking counts and inserts in one transaction, so
 * a slot is never overbooked however requests interleave. Main thread. */
#pragma once

#include "module.h"
#include "slots.h"

G_BEGIN_DECLS

typedef struct {
  gint64 appointment; /* its number */
  char *sub;          /* the applicant */
  WtAppointType type;
  gint64 start_ms, end_ms;
  WtAppointState state;
  gint64 checked_in_ms; /* 0: not checked in */
  char *room;           /* IN_PROGRESS: the room staff connected it in */
  char *staff;          /* who connected it */
} WtAppointment;

void wt_appointment_free(WtAppointment *a);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtAppointment, wt_appointment_free)

/* Booking refusals, in G_IO_ERROR: */
#define WT_APPOINT_ERROR_FULL G_IO_ERROR_NO_SPACE /* the slot is at capacity */
#define WT_APPOINT_ERROR_TWICE G_IO_ERROR_EXISTS  /* this applicant has that slot already */

gboolean wt_appoint_store_migrate(WtModuleHost *host, const WtModuleServices *s, GError **error);
/* Books @a (transfer none; its appointment number and state are set) at
 * @now_ms when fewer than @capacity bookings (not cancelled nor missed) hold
 * that type and slot. */
gboolean wt_appoint_store_book(WtModuleHost *host, const WtModuleServices *s, WtAppointment *a,
                               gint capacity, gint64 now_ms, GError **error);
/* Appointment @n (transfer full), or NULL (not found, or @error). */
WtAppointment *wt_appoint_store_get(WtModuleHost *host, const WtModuleServices *s, gint64 n,
                                    GError **error);
/* Writes @a's state, check-in time, room and staff. */
gboolean wt_appoint_store_update(WtModuleHost *host, const WtModuleServices *s,
                                 const WtAppointment *a, GError **error);
/* Appointments (WtAppointment, transfer full) of @sub, or with @sub NULL
 * every one booked, checked in or in progress; by start time. */
GPtrArray *wt_appoint_store_list(WtModuleHost *host, const WtModuleServices *s, const char *sub,
                                 GError **error);
/* Active bookings of @type per slot start from @from_ms on: start_ms -> count
 * (gint64 keys and values, g_int64_hash; transfer full). */
GHashTable *wt_appoint_store_counts(WtModuleHost *host, const WtModuleServices *s,
                                    WtAppointType type, gint64 from_ms, GError **error);
/* Appointments still only booked that start before @started_before_ms
 * (transfer full): the caller passes now - checkin_closes, so these missed
 * their check-in. */
GPtrArray *wt_appoint_store_overdue(WtModuleHost *host, const WtModuleServices *s,
                                    gint64 started_before_ms, GError **error);

G_END_DECLS
