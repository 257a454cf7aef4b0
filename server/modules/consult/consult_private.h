/* consult_private.h — the consult module's instance, shared by consult.c
 * (requests) and lifecycle.c (events and timers). Main thread. */
#pragma once

#include "module.h"
#include "queue.h"

G_BEGIN_DECLS

typedef struct {
  WtModuleHost *host;
  const WtModuleServices *s;
  WtConsultQueue *queue;
  /* [module.consult] settings, in seconds */
  gint64 grace_s;           /* an applicant gone this long loses their place */
  gint64 arrive_s;          /* a taken applicant must be in the room by then */
  gint64 staff_grace_s;     /* staff gone this long: the applicant goes back to the front */
  GHashTable *staff_online; /* sub -> GUINT_TO_POINTER(connections), role staff only */
  guint timer;
} Consult;

/* Sends every active applicant their state and staff the queue. */
void consult_publish(Consult *c);
/* Ends @t (which leaves the queue and is freed): @state is the ending,
 * @reason (transfer none) why; closes its room when it has one. */
void consult_finish(Consult *c, WtConsultTicket *t, WtConsultState state, const char *reason);
/* Writes @t to the database, logging a failure. */
void consult_save(Consult *c, const WtConsultTicket *t);
/* Puts a taken ticket back in the queue (its number keeps it at the front)
 * and closes its room with @reason. */
void consult_requeue(Consult *c, WtConsultTicket *t, const char *reason);

/* lifecycle.c */
void consult_event(gpointer instance, const char *event, JsonObject *fields);
gboolean consult_tick(gpointer instance);
/* After a restart: every loaded applicant starts away, taken tickets go back to waiting. */
void consult_restore(Consult *c);

G_END_DECLS
