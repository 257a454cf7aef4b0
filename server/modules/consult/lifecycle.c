/* lifecycle.c — what happens to tickets when people come and go: applicants
 * closing the app (kept for [module.consult] grace_seconds, then dropped),
 * a taken applicant arriving in the room or never arriving (arrive_seconds),
 * staff disconnecting (staff_grace_seconds, then the applicant goes back to
 * the front of the queue), the room emptying, and a restart of witnessd.
 * Grace periods run on the monotonic clock: they measure connections, not
 * workflow time, so moving the workflow clock drops nobody. Main thread. */
#include <string.h>

#include "consult_private.h"

static gboolean
role_is(JsonObject *fields, const char *role)
{
  const char *r = json_object_get_string_member_with_default(fields, "role", "");
  return g_str_equal(r, role);
}

static void
session_opened(Consult *c, JsonObject *fields)
{
  const char *sub = json_object_get_string_member_with_default(fields, "sub", "");
  if (role_is(fields, "applicant")) {
    WtConsultTicket *t = wt_consult_queue_find_sub(c->queue, sub);
    if (t && t->away_since_us) {
      t->away_since_us = 0;
      g_message("consult: ticket %" G_GINT64_FORMAT ": %s is back", t->ticket, sub);
    }
  } else if (role_is(fields, "staff")) {
    guint n = GPOINTER_TO_UINT(g_hash_table_lookup(c->staff_online, sub));
    g_hash_table_replace(c->staff_online, g_strdup(sub), GUINT_TO_POINTER(n + 1));
  }
  for (guint i = 0; i < c->queue->tickets->len; i++) {
    WtConsultTicket *t = g_ptr_array_index(c->queue->tickets, i);
    if (t->staff && g_str_equal(t->staff, sub))
      t->staff_away_since_us = 0;
  }
  consult_publish(c);
}

static void
session_closed(Consult *c, JsonObject *fields)
{
  const char *sub = json_object_get_string_member_with_default(fields, "sub", "");
  if (c->s->is_connected(c->host, sub))
    return; /* another tab is still open */
  gint64 now = g_get_monotonic_time();
  if (role_is(fields, "applicant")) {
    WtConsultTicket *t = wt_consult_queue_find_sub(c->queue, sub);
    if (t) {
      t->away_since_us = now;
      g_message("consult: ticket %" G_GINT64_FORMAT ": %s is gone; kept for %" G_GINT64_FORMAT " s",
                t->ticket, sub, c->grace_s);
    }
  } else {
    g_hash_table_remove(c->staff_online, sub);
  }
  for (guint i = 0; i < c->queue->tickets->len; i++) {
    WtConsultTicket *t = g_ptr_array_index(c->queue->tickets, i);
    if (t->staff && g_str_equal(t->staff, sub))
      t->staff_away_since_us = now;
  }
  consult_publish(c);
}

static void
participant_joined(Consult *c, JsonObject *fields)
{
  WtConsultTicket *t = wt_consult_queue_find_room(
      c->queue, json_object_get_string_member_with_default(fields, "room", NULL));
  const char *sub = json_object_get_string_member_with_default(fields, "sub", "");
  if (!t || t->state != WT_CONSULT_CALLED || !g_str_equal(t->sub, sub))
    return;
  t->state = WT_CONSULT_IN_CALL;
  t->started_ms = c->s->now_ms(c->host);
  consult_save(c, t);
  g_message("consult: room %s: %s arrived, ticket %" G_GINT64_FORMAT " in call", t->room, sub,
            t->ticket);
  consult_publish(c);
}

static void
room_closed(Consult *c, JsonObject *fields)
{
  WtConsultTicket *t = wt_consult_queue_find_room(
      c->queue, json_object_get_string_member_with_default(fields, "room", NULL));
  /* A taken applicant who has not arrived yet keeps the invitation: staff
   * may have reloaded. An emptied call is over. */
  if (t && t->state == WT_CONSULT_IN_CALL)
    consult_finish(c, t, WT_CONSULT_DONE, "everyone left the room");
}

void
consult_event(gpointer instance, const char *event, JsonObject *fields)
{
  Consult *c = instance;
  if (g_str_equal(event, "session-opened"))
    session_opened(c, fields);
  else if (g_str_equal(event, "session-closed"))
    session_closed(c, fields);
  else if (g_str_equal(event, "participant-joined"))
    participant_joined(c, fields);
  else if (g_str_equal(event, "room-closed"))
    room_closed(c, fields);
}

/* What is overdue for @t at @now (monotonic µs): an ending, a requeue, or nothing. */
static gboolean
overdue(Consult *c, WtConsultTicket *t, gint64 now)
{
  if (t->away_since_us && now - t->away_since_us >= c->grace_s * G_USEC_PER_SEC) {
    consult_finish(c, t, WT_CONSULT_DROPPED, "the applicant did not come back in time");
    return TRUE;
  }
  if (t->state == WT_CONSULT_CALLED && t->called_at_us &&
      now - t->called_at_us >= c->arrive_s * G_USEC_PER_SEC) {
    consult_finish(c, t, WT_CONSULT_NO_SHOW, "the applicant did not come into the room");
    return TRUE;
  }
  if (t->state != WT_CONSULT_WAITING && t->staff_away_since_us &&
      now - t->staff_away_since_us >= c->staff_grace_s * G_USEC_PER_SEC) {
    consult_requeue(c, t, "the staff member disconnected");
    consult_publish(c);
    return TRUE;
  }
  return FALSE;
}

gboolean
consult_tick(gpointer instance)
{
  Consult *c = instance;
  gint64 now = g_get_monotonic_time();
  /* One change per pass over the list at most, restarting after each: an
   * ending removes the ticket. */
  for (gboolean again = TRUE; again;) {
    again = FALSE;
    for (guint i = 0; i < c->queue->tickets->len && !again; i++)
      again = overdue(c, g_ptr_array_index(c->queue->tickets, i), now);
  }
  return G_SOURCE_CONTINUE;
}

void
consult_restore(Consult *c)
{
  gint64 now = g_get_monotonic_time();
  for (guint i = 0; i < c->queue->tickets->len; i++) {
    WtConsultTicket *t = g_ptr_array_index(c->queue->tickets, i);
    t->away_since_us = now;
    if (t->state != WT_CONSULT_WAITING) {
      wt_consult_ticket_set_call(t, NULL, NULL); /* rooms do not outlive witnessd */
      consult_requeue(c, t, "witnessd restarted");
    }
  }
  if (c->queue->tickets->len)
    g_message("consult: %u tickets back in the queue after a restart", c->queue->tickets->len);
}
