/* witness_private.h — the witness module's instance and what its files
 * share: witness.c (the table, settings, dispatch, publishing), intake.c
 * (filing, the agent's acceptance, lists, the document, cancelling) and
 * session.c (the witnessed session: room, recording, liveness, consent,
 * signatures, the decision, and the engine's events). Main thread. */
#pragma once

#include "module.h"
#include "witness_case.h"

G_BEGIN_DECLS

typedef struct {
  WtModuleHost *host;
  const WtModuleServices *s;
  /* [module.witness] settings */
  guint max_guesses;        /* wrong agent ID numbers per case before a lockout (5) */
  gint64 lockout_ms;        /* how long the lockout lasts (15 min) */
  guint max_open_cases;     /* undecided cases one principal may have (5) */
  int utc_offset_minutes;   /* the centre's time, for case days and the document (480) */
  GHashTable *recording_on; /* room -> recording id (transfer full both) while on */
  GHashTable *starting;     /* rooms whose room_record(start) is pending (set) */
  GHashTable *case_adding;  /* recordings whose `case` record is being added (set) */
  GHashTable *busy;         /* "<case>/<step>" while a consent mark, signature or decision
                             * waits for the engine (set): one at a time */
} Witness;

/* Errors this module adds to the protocol's (README.md). */
#define WT_WITNESS_E_STATE "bad-state"
#define WT_WITNESS_E_NOT_RECORDED "not-recorded"
#define WT_WITNESS_E_LIVENESS "liveness-pending"
#define WT_WITNESS_E_CONSENT "consent-pending"
#define WT_WITNESS_E_RATE "rate-limited"

/* witness.c */
/* TRUE for staff and admins. */
gboolean witness_is_staff(const WtIdentity *who);
/* The case as parties and staff see it (wt_witness_case_to_json), each party
 * with the `participant` id their room tiles carry (null before they accept). */
JsonObject *witness_case_json(Witness *w, const WtWitnessCase *c);
/* Sends the case to both parties (the agent once accepted) and to staff and
 * admins as a `case` event. @c (transfer none). */
void witness_publish(Witness *w, const WtWitnessCase *c);
/* Tells staff and admins that a step waits: an `attention` event {case,
 * room, kind, reason}. @c, @kind, @reason (transfer none). */
void witness_attention(Witness *w, const WtWitnessCase *c, const char *kind, const char *reason);
/* Stamps @c's updated_ms and saves it; FALSE after logging on failure. */
gboolean witness_save(Witness *w, WtWitnessCase *c);
/* Answers @req (transfer full) with {"case": view of @c, …@extra} (@extra
 * transfer full, may be NULL). */
void witness_reply_case(Witness *w, WtModuleRequest *req, const WtWitnessCase *c,
                        JsonObject *extra);
/* The case named by the request's "case" member that its sender may see
 * (transfer full); NULL after answering @req (not-found, forbidden). */
WtWitnessCase *witness_load_for(Witness *w, WtModuleRequest *req);

/* intake.c: applicants' and staff's requests outside the room */
void witness_file(Witness *w, WtModuleRequest *req);
void witness_accept(Witness *w, WtModuleRequest *req);
void witness_list(Witness *w, WtModuleRequest *req);
void witness_get(Witness *w, WtModuleRequest *req);
void witness_document_request(Witness *w, WtModuleRequest *req);
void witness_cancel(Witness *w, WtModuleRequest *req);

/* session.c: the witnessed session */
void witness_open(Witness *w, WtModuleRequest *req);
void witness_enter(Witness *w, WtModuleRequest *req);
void witness_status(Witness *w, WtModuleRequest *req);
void witness_recheck(Witness *w, WtModuleRequest *req);
void witness_consent(Witness *w, WtModuleRequest *req);
void witness_sign(Witness *w, WtModuleRequest *req);
void witness_decide(Witness *w, WtModuleRequest *req);
/* TRUE while case @number's decision waits for the engine (its record on the
 * way into the chain). */
gboolean witness_deciding(Witness *w, const char *number);
void witness_event(gpointer instance, const char *event, JsonObject *fields);

G_END_DECLS
