/* queue.c — the consultation queue as plain data (see queue.h). Main thread. */
#include "queue.h"

static const char *const state_names[] = {
    [WT_CONSULT_WAITING] = "waiting", [WT_CONSULT_CALLED] = "called",
    [WT_CONSULT_IN_CALL] = "in-call", [WT_CONSULT_DONE] = "done",
    [WT_CONSULT_LEFT] = "left",       [WT_CONSULT_DROPPED] = "dropped",
    [WT_CONSULT_NO_SHOW] = "no-show",
};

const char *
wt_consult_state_name(WtConsultState state)
{
  return (guint)state < G_N_ELEMENTS(state_names) ? state_names[state] : "unknown";
}

gboolean
wt_consult_state_from_name(const char *name, WtConsultState *out)
{
  for (guint i = 0; name && i < G_N_ELEMENTS(state_names); i++) {
    if (g_str_equal(name, state_names[i])) {
      *out = (WtConsultState)i;
      return TRUE;
    }
  }
  return FALSE;
}

gboolean
wt_consult_state_active(WtConsultState state)
{
  return state == WT_CONSULT_WAITING || state == WT_CONSULT_CALLED || state == WT_CONSULT_IN_CALL;
}

WtConsultTicket *
wt_consult_ticket_new(gint64 ticket, const char *sub, const char *topic, gint64 joined_ms)
{
  WtConsultTicket *t = g_new0(WtConsultTicket, 1);
  t->ticket = ticket;
  t->sub = g_strdup(sub);
  t->topic = g_strdup(topic);
  t->joined_ms = joined_ms;
  t->state = WT_CONSULT_WAITING;
  return t;
}

void
wt_consult_ticket_free(WtConsultTicket *t)
{
  if (!t)
    return;
  g_free(t->sub);
  g_free(t->topic);
  g_free(t->room);
  g_free(t->staff);
  g_free(t);
}

void
wt_consult_ticket_set_call(WtConsultTicket *t, const char *room, const char *staff)
{
  g_free(t->room);
  g_free(t->staff);
  t->room = g_strdup(room);
  t->staff = g_strdup(staff);
}

WtConsultQueue *
wt_consult_queue_new(gint64 default_handle_ms)
{
  WtConsultQueue *q = g_new0(WtConsultQueue, 1);
  q->tickets = g_ptr_array_new_with_free_func((GDestroyNotify)wt_consult_ticket_free);
  q->default_handle_ms = default_handle_ms;
  return q;
}

void
wt_consult_queue_free(WtConsultQueue *q)
{
  if (!q)
    return;
  g_ptr_array_unref(q->tickets);
  g_free(q);
}

void
wt_consult_queue_add(WtConsultQueue *q, WtConsultTicket *t)
{
  guint i = q->tickets->len;
  while (i > 0 && ((WtConsultTicket *)g_ptr_array_index(q->tickets, i - 1))->ticket > t->ticket)
    i--;
  g_ptr_array_insert(q->tickets, (gint)i, t);
}

void
wt_consult_queue_remove(WtConsultQueue *q, WtConsultTicket *t)
{
  gboolean found = g_ptr_array_remove(q->tickets, t);
  g_assert(found);
}

WtConsultTicket *
wt_consult_queue_find_sub(WtConsultQueue *q, const char *sub)
{
  for (guint i = 0; sub && i < q->tickets->len; i++) {
    WtConsultTicket *t = g_ptr_array_index(q->tickets, i);
    if (g_str_equal(t->sub, sub))
      return t;
  }
  return NULL;
}

WtConsultTicket *
wt_consult_queue_find_ticket(WtConsultQueue *q, gint64 ticket)
{
  for (guint i = 0; i < q->tickets->len; i++) {
    WtConsultTicket *t = g_ptr_array_index(q->tickets, i);
    if (t->ticket == ticket)
      return t;
  }
  return NULL;
}

WtConsultTicket *
wt_consult_queue_find_room(WtConsultQueue *q, const char *room)
{
  for (guint i = 0; room && i < q->tickets->len; i++) {
    WtConsultTicket *t = g_ptr_array_index(q->tickets, i);
    if (t->room && g_str_equal(t->room, room))
      return t;
  }
  return NULL;
}

guint
wt_consult_queue_position(const WtConsultQueue *q, const WtConsultTicket *t)
{
  if (t->state != WT_CONSULT_WAITING)
    return 0;
  guint position = 0;
  for (guint i = 0; i < q->tickets->len; i++) {
    const WtConsultTicket *o = g_ptr_array_index(q->tickets, i);
    if (o->state == WT_CONSULT_WAITING)
      position++;
    if (o == t)
      return position;
  }
  return 0;
}

guint
wt_consult_queue_waiting(const WtConsultQueue *q)
{
  guint n = 0;
  for (guint i = 0; i < q->tickets->len; i++)
    n += ((WtConsultTicket *)g_ptr_array_index(q->tickets, i))->state == WT_CONSULT_WAITING;
  return n;
}

WtConsultTicket *
wt_consult_queue_next(const WtConsultQueue *q)
{
  for (guint i = 0; i < q->tickets->len; i++) {
    WtConsultTicket *t = g_ptr_array_index(q->tickets, i);
    if (t->state == WT_CONSULT_WAITING && t->away_since_us == 0)
      return t;
  }
  return NULL;
}

void
wt_consult_queue_record_handling(WtConsultQueue *q, gint64 ms)
{
  q->history_ms[q->next_history] = MAX(ms, 0);
  q->next_history = (q->next_history + 1) % WT_CONSULT_HISTORY;
  if (q->n_history < WT_CONSULT_HISTORY)
    q->n_history++;
}

gint64
wt_consult_queue_average_ms(const WtConsultQueue *q)
{
  if (q->n_history == 0)
    return q->default_handle_ms;
  gint64 sum = 0;
  for (guint i = 0; i < q->n_history; i++)
    sum += q->history_ms[i];
  return sum / q->n_history;
}

gint64
wt_consult_queue_estimate_s(const WtConsultQueue *q, guint position, guint staff)
{
  if (position == 0)
    return 0;
  if (staff == 0)
    staff = 1;
  gint64 rounds = (position + staff - 1) / staff;
  return (rounds * wt_consult_queue_average_ms(q) + 999) / 1000;
}
