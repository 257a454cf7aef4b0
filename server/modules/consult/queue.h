/* queue.h — the consultation queue as plain data: tickets in order of
 * arrival, positions, who is next, and the wait estimate. No I/O, no GLib
 * main loop, no database: consult.c drives it and store.c keeps it, so this
 * part is unit-tested alone (tests/unit/test_consult_queue.c). Main thread. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A ticket's life. Only the first three are kept in the queue (active);
 * the rest are endings, written to the database and dropped from memory. */
typedef enum {
  WT_CONSULT_WAITING, /* in the queue, has a position */
  WT_CONSULT_CALLED,  /* taken by staff: room made, applicant invited, not there yet */
  WT_CONSULT_IN_CALL, /* the applicant is in the room with staff */
  WT_CONSULT_DONE,    /* staff ended the call (or the room emptied) */
  WT_CONSULT_LEFT,    /* the applicant left the queue */
  WT_CONSULT_DROPPED, /* the applicant was gone longer than the grace period */
  WT_CONSULT_NO_SHOW, /* taken, but never came into the room */
} WtConsultState;

typedef struct {
  gint64 ticket; /* number given on joining; the order of arrival */
  char *sub;     /* the applicant */
  char *topic;   /* what they want to talk about */
  WtConsultState state;
  gint64 joined_ms;  /* workflow clock */
  gint64 taken_ms;   /* when staff took it (0: not yet) */
  gint64 started_ms; /* when the applicant arrived in the room (0: not yet) */
  char *room;        /* CALLED and IN_CALL: the room made for the call */
  char *staff;       /* CALLED and IN_CALL: the sub of the staff member */
  /* Monotonic microseconds since the applicant (staff) has had no connection;
   * 0 while connected. Not stored: after a restart everyone starts away. */
  gint64 away_since_us;
  gint64 staff_away_since_us;
  gint64 called_at_us; /* monotonic: when it was taken (for the no-show limit) */
} WtConsultTicket;

/* Recent handling times kept for the estimate. */
#define WT_CONSULT_HISTORY 10

typedef struct {
  GPtrArray *tickets; /* WtConsultTicket, active only, ordered by ticket number */
  gint64 history_ms[WT_CONSULT_HISTORY];
  guint n_history; /* how many of history_ms are filled */
  guint next_history;
  gint64 default_handle_ms; /* the estimate's average before there is any history */
} WtConsultQueue;

/* "waiting", "called", …; NULL-safe reverse (FALSE for an unknown name). */
const char *wt_consult_state_name(WtConsultState state);
gboolean wt_consult_state_from_name(const char *name, WtConsultState *out);
/* TRUE for WAITING, CALLED and IN_CALL. */
gboolean wt_consult_state_active(WtConsultState state);

/* A ticket (transfer full) with copies of @sub and @topic (transfer none). */
WtConsultTicket *wt_consult_ticket_new(gint64 ticket, const char *sub, const char *topic,
                                       gint64 joined_ms);
void wt_consult_ticket_free(WtConsultTicket *t);
/* Replaces t->room and t->staff with copies (NULL clears). */
void wt_consult_ticket_set_call(WtConsultTicket *t, const char *room, const char *staff);

WtConsultQueue *wt_consult_queue_new(gint64 default_handle_ms);
void wt_consult_queue_free(WtConsultQueue *q);

/* Adds @t (transfer full) in ticket-number order. */
void wt_consult_queue_add(WtConsultQueue *q, WtConsultTicket *t);
/* Removes and frees @t (which must be in @q). */
void wt_consult_queue_remove(WtConsultQueue *q, WtConsultTicket *t);
/* The active ticket of @sub, of @ticket, or of @room (transfer none), or NULL. */
WtConsultTicket *wt_consult_queue_find_sub(WtConsultQueue *q, const char *sub);
WtConsultTicket *wt_consult_queue_find_ticket(WtConsultQueue *q, gint64 ticket);
WtConsultTicket *wt_consult_queue_find_room(WtConsultQueue *q, const char *room);

/* 1 for the first waiting ticket, 2 for the next…; 0 when @t is not waiting.
 * An applicant who is away keeps their place (and their position). */
guint wt_consult_queue_position(const WtConsultQueue *q, const WtConsultTicket *t);
/* How many tickets wait. */
guint wt_consult_queue_waiting(const WtConsultQueue *q);
/* The ticket staff get when they take "the next": the first waiting one
 * whose applicant is connected (an away applicant is skipped, not dropped).
 * NULL when there is none. (transfer none) */
WtConsultTicket *wt_consult_queue_next(const WtConsultQueue *q);

/* Remembers one call's handling time (from arrival in the room to its end). */
void wt_consult_queue_record_handling(WtConsultQueue *q, gint64 ms);
/* The average of the recent handling times, or default_handle_ms without any. */
gint64 wt_consult_queue_average_ms(const WtConsultQueue *q);
/* Seconds the applicant at @position will wait, about: each of @staff people
 * serving takes one applicant per average handling time, so the wait is
 * ceil(position / staff) averages (staff 0 counts as 1: someone will come).
 * 0 for position 0. */
gint64 wt_consult_queue_estimate_s(const WtConsultQueue *q, guint position, guint staff);

G_END_DECLS
