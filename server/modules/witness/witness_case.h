/* witness_case.h — one witnessed-entrustment case and its state machine:
 * pure data and rules, no I/O, so tests/unit/test_witness_case.c checks them
 * without a server. Main thread (as the whole module), but nothing here
 * cares.
 *
 *   created ──accept──▶ agent-joined ──open──▶ in-session ──consent──▶ consent
 *                                                                        │ sign (both)
 *   approved ◀──approve── signed ◀───────────────────────────────────────┘
 *   rejected ◀──reject── in-session | consent | signed
 *   cancelled ◀──cancel── created | agent-joined (principal or staff),
 *                         in-session | consent | signed (staff)
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum {
  WT_WITNESS_CREATED,      /* the principal filed the form; the agent has not accepted yet */
  WT_WITNESS_AGENT_JOINED, /* the agent proved their ID number; waiting for staff to open it */
  WT_WITNESS_IN_SESSION,   /* staff opened it: the room exists, both parties are invited */
  WT_WITNESS_CONSENT,      /* staff marked at least one party's spoken consent */
  WT_WITNESS_SIGNED,       /* both parties confirmed the document; staff decide next */
  WT_WITNESS_APPROVED,     /* final: staff approved; the room closed and the recording sealed */
  WT_WITNESS_REJECTED,     /* final: staff rejected, with a reason */
  WT_WITNESS_CANCELLED,    /* final: withdrawn before a decision, with a reason */
  WT_WITNESS_N_STATES
} WtWitnessState;

/* What moves a case on. */
typedef enum {
  WT_WITNESS_STEP_ACCEPT,  /* the agent proves their ID number */
  WT_WITNESS_STEP_OPEN,    /* staff open the session (again, after a restart: same state) */
  WT_WITNESS_STEP_CONSENT, /* staff mark a party's consent start or end */
  WT_WITNESS_STEP_SIGN,    /* a party confirms the document */
  WT_WITNESS_STEP_APPROVE, /* staff approve */
  WT_WITNESS_STEP_REJECT,  /* staff reject */
  WT_WITNESS_STEP_CANCEL,  /* the principal (before the session) or staff withdraw it */
} WtWitnessStep;

typedef enum { WT_WITNESS_PRINCIPAL, WT_WITNESS_AGENT, WT_WITNESS_N_PARTIES } WtWitnessParty;

typedef enum {
  WT_WITNESS_CONSENT_NONE,    /* not marked */
  WT_WITNESS_CONSENT_STARTED, /* staff marked the start of the party's spoken consent */
  WT_WITNESS_CONSENT_ENDED,   /* and its end */
} WtWitnessConsent;

typedef struct {
  char *sub;       /* who they are on the wire; NULL for the agent until they accept */
  char *name;      /* as the principal wrote it */
  char *id_hash;   /* the server's keyed hash of the normalised ID number (hex) */
  char *id_masked; /* first 3 and last 4 characters, the rest '*' */
  char *liveness;  /* the last liveness state seen in the room: none|checking|passed|failed|error */
  WtWitnessConsent consent;
  char *signed_sha256; /* the document they confirmed, NULL until they sign */
} WtWitnessPartyInfo;

typedef struct {
  char *number; /* "WT-20261204-0007" */
  WtWitnessState state;
  gint64 filed_ms;   /* workflow clock */
  gint64 updated_ms; /* workflow clock */
  WtWitnessPartyInfo party[WT_WITNESS_N_PARTIES];
  char *business;         /* the registration matter: transfer, transfer-mortgage, …
                           * (WT_WITNESS_BUSINESS) */
  char *certificate;      /* property certificate number */
  char *address;          /* property address */
  char *matters;          /* what the agent may do */
  char *term;             /* for how long */
  char *room;             /* NULL until opened */
  char *staff;            /* sub of the staff member who opened it */
  char *recording;        /* the recording the session went into, once known */
  char *case_record;      /* the recording that holds this case's `case` record, NULL before */
  char *reason;           /* why it was rejected or cancelled */
  guint wrong_guesses;    /* failed agent acceptances in the current window */
  gint64 locked_until_ms; /* acceptance refused until then (workflow clock) */
} WtWitnessCase;

/* A new empty case (transfer full). */
WtWitnessCase *wt_witness_case_new(void);
void wt_witness_case_free(WtWitnessCase *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtWitnessCase, wt_witness_case_free)

/* "created", "agent-joined", … (transfer none); NULL for a bad value. */
const char *wt_witness_state_name(WtWitnessState state);
/* The inverse; FALSE for an unknown name. @name (transfer none). */
gboolean wt_witness_state_parse(const char *name, WtWitnessState *state);
/* "principal" / "agent" (transfer none), and the inverse. */
const char *wt_witness_party_name(WtWitnessParty party);
gboolean wt_witness_party_parse(const char *name, WtWitnessParty *party);
/* "none" / "started" / "ended" (transfer none), and the inverse. */
const char *wt_witness_consent_name(WtWitnessConsent consent);
gboolean wt_witness_consent_parse(const char *name, WtWitnessConsent *consent);

/* TRUE when @state is approved, rejected or cancelled. */
gboolean wt_witness_state_final(WtWitnessState state);
/* TRUE while the session room is (or may be) open: in-session, consent, signed. */
gboolean wt_witness_state_in_room(WtWitnessState state);

/* Whether @step may happen to a case in @state: FALSE with @error
 * (G_IO_ERROR_INVALID_ARGUMENT, a reason for people naming the state) when
 * not. @staff: the step is taken by staff (only staff cancel a session). On
 * TRUE, @next (may be NULL) gets the state after the step; for CONSENT and
 * SIGN it is the state after one mark or one signature, see below. */
gboolean wt_witness_step_allowed(WtWitnessState state, WtWitnessStep step, gboolean staff,
                                 WtWitnessState *next, GError **error);

/* The consent mark @mark (STARTED or ENDED) for @party: allowed from NONE to
 * STARTED and from STARTED to ENDED only. FALSE with @error otherwise. */
gboolean wt_witness_consent_allowed(const WtWitnessCase *c, WtWitnessParty party,
                                    WtWitnessConsent mark, GError **error);
/* TRUE when both parties' consent is ENDED. */
gboolean wt_witness_consent_done(const WtWitnessCase *c);
/* NULL when both parties passed liveness, else which one(s) did not, for
 * people ("the agent's liveness is failed") (transfer full). */
char *wt_witness_liveness_missing(const WtWitnessCase *c);
/* TRUE when both parties signed. */
gboolean wt_witness_both_signed(const WtWitnessCase *c);

/* Which party @sub is in @c; FALSE when neither. @sub (transfer none). */
gboolean wt_witness_case_party_of(const WtWitnessCase *c, const char *sub, WtWitnessParty *party);

/* The case as clients see it (transfer full): number, state, parties (name,
 * id_masked, id_hash, role, liveness, consent, signed, accepted), property,
 * matters, term, room, recording, reason, filed_ms, updated_ms. Never a sub
 * of the other party, never a plain ID number (the module never has one
 * after filing). */
/* The registration matters an entrustment may be for (the appointment
 * module's business types; the archive keeps recordings per type). */
extern const char *const wt_witness_business[];
/* TRUE when @name (transfer none, may be NULL) is one of them. */
gboolean wt_witness_business_valid(const char *name);
/* "存量房转移登记 Transfer of an existing home" for "transfer" (transfer
 * none); @name itself when it is not one of them. */
const char *wt_witness_business_label(const char *name);

JsonObject *wt_witness_case_to_json(const WtWitnessCase *c);

G_END_DECLS
