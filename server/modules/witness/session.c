/* session.c — the witnessed session of a case: staff open it (a room, both
 * parties invited), the recording starts when the first party arrives and
 * the `case` record goes into its chain, liveness follows the engine's
 * events (staff may ask for a re-check), staff mark each party's consent,
 * each party signs the document, staff decide and the room closes, which
 * seals the recording for the notary.
 *
 * Fail closed: a consent mark or a signature first asks the room for its
 * status and goes on only when the recording is on and receives both
 * parties' audio and video; otherwise it is refused (`not-recorded`, the
 * reason names whose audio or video is missing) and staff get an
 * `attention` event. Every step that waits for the engine reloads the case
 * afterwards and checks again, since it may have moved meanwhile. Main
 * thread. */
#include <gio/gio.h>
#include <string.h>

#include "witness_document.h"
#include "witness_gate.h"
#include "witness_private.h"
#include "witness_store.h"

typedef struct _Step Step;
/* Runs once the gate passed, with the case as it is now (transfer none). */
typedef void (*StepFunc)(Step *st, WtWitnessCase *c);
/* Applies a step's effect to the reloaded case after its chain record went
 * in; @result (transfer none) may be NULL (a rejection with no recording). */
typedef void (*ApplyFunc)(Step *st, WtWitnessCase *c, JsonObject *result);

struct _Step {
  Witness *w;
  WtModuleRequest *req; /* answered exactly once, then NULL */
  char *number;
  WtWitnessParty party;
  WtWitnessConsent mark;
  char *sha256;
  gboolean approve;
  char *reason;
  gboolean chain_optional; /* a rejection goes on when nothing is recorded */
  char *busy;              /* the key it holds in w->busy, or NULL */
  StepFunc next;
  ApplyFunc apply;
};

static Step *
step_new(Witness *w, WtModuleRequest *req, const WtWitnessCase *c)
{
  Step *st = g_new0(Step, 1);
  st->w = w;
  st->req = req;
  st->number = g_strdup(c->number);
  return st;
}

static void
step_free(Step *st)
{
  if (st->busy)
    g_hash_table_remove(st->w->busy, st->busy);
  g_free(st->busy);
  g_free(st->number);
  g_free(st->sha256);
  g_free(st->reason);
  g_free(st);
}

static void
step_refuse(Step *st, const char *code, const char *reason)
{
  st->w->s->reply_error(st->w->host, st->req, code, reason);
  step_free(st);
}

#define DECISION "a decision" /* the step_claim() of witness_decide() */

static char *
busy_key(const char *number, const char *what)
{
  return g_strdup_printf("%s/%s", number, what);
}

/* Holds "<case>/@what" while @st waits for the engine, so that a second
 * click cannot put the same mark into the chain twice. FALSE after refusing
 * when another one holds it. */
static gboolean
step_claim(Step *st, const char *what)
{
  g_autofree char *key = busy_key(st->number, what);
  if (g_hash_table_contains(st->w->busy, key)) {
    g_autofree char *why = g_strdup_printf("%s is already under way", what);
    step_refuse(st, WT_WITNESS_E_STATE, why);
    return FALSE;
  }
  g_hash_table_add(st->w->busy, g_strdup(key));
  st->busy = g_steal_pointer(&key);
  return TRUE;
}

/* The case again after a wait; NULL after refusing when it is gone or decided. */
static WtWitnessCase *
step_reload(Step *st)
{
  g_autoptr(GError) error = NULL;
  WtWitnessCase *c = wt_witness_store_get(st->w->host, st->w->s, st->number, &error);
  if (!c) {
    step_refuse(st, "internal", error ? error->message : "the case is gone");
    return NULL;
  }
  if (!wt_witness_state_in_room(c->state)) {
    g_autofree char *why =
        g_strdup_printf("the case became %s meanwhile", wt_witness_state_name(c->state));
    step_refuse(st, WT_WITNESS_E_STATE, why);
    wt_witness_case_free(c);
    return NULL;
  }
  return c;
}

static gboolean
require_staff(Witness *w, WtModuleRequest *req)
{
  if (witness_is_staff(w->s->request_identity(req)))
    return TRUE;
  w->s->reply_error(w->host, req, "forbidden", "staff only");
  return FALSE;
}

static gboolean
read_party(Witness *w, WtModuleRequest *req, WtWitnessParty *party)
{
  const char *name = wt_module_json_string(w->s->request_body(req), "party", NULL);
  if (wt_witness_party_parse(name, party))
    return TRUE;
  w->s->reply_error(w->host, req, "bad-message", "party: principal or agent");
  return FALSE;
}

static gboolean
require_room(Witness *w, WtModuleRequest *req, const WtWitnessCase *c)
{
  if (wt_witness_state_in_room(c->state) && c->room)
    return TRUE;
  g_autofree char *why =
      g_strdup_printf("the session is not open: the case is %s", wt_witness_state_name(c->state));
  w->s->reply_error(w->host, req, WT_WITNESS_E_STATE, why);
  return FALSE;
}

/* ---- The recording gate ---------------------------------------------------------------------- */

static void
gate_done(JsonObject *result, const GError *error, gpointer user_data)
{
  Step *st = user_data;
  Witness *w = st->w;
  g_autoptr(WtWitnessCase) c = step_reload(st);
  if (!c)
    return;
  g_autofree char *missing =
      error ? g_strdup_printf("nobody is in the session room (%s)", error->message)
            : wt_witness_gate_missing(c, result);
  if (missing) {
    witness_attention(w, c, WT_WITNESS_E_NOT_RECORDED, missing);
    step_refuse(st, WT_WITNESS_E_NOT_RECORDED, missing);
    return;
  }
  st->next(st, c);
}

/* Checks the recording, then runs @st->next. */
static void
gate(Step *st, const WtWitnessCase *c)
{
  st->w->s->room_status(st->w->host, c->room, gate_done, st);
}

/* ---- Chain records ----------------------------------------------------------------------------
 */

static void
evidence_done(JsonObject *result, const GError *error, gpointer user_data)
{
  Step *st = user_data;
  Witness *w = st->w;
  if (error && !st->chain_optional) {
    gboolean off = g_error_matches(error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);
    step_refuse(st, off ? WT_WITNESS_E_NOT_RECORDED : "internal", error->message);
    return;
  }
  g_autoptr(WtWitnessCase) c = step_reload(st);
  if (!c)
    return;
  if (error)
    g_warning("%s: the rejection is not in any chain: %s", c->number, error->message);
  const char *recording = result ? wt_module_json_string(result, "recording", NULL) : NULL;
  if (recording && !c->recording)
    c->recording = g_strdup(recording);
  st->apply(st, c, result);
  if (!witness_save(w, c)) {
    step_refuse(st, "internal", "the case could not be saved");
    return;
  }
  witness_publish(w, c);
  JsonObject *extra = json_object_new();
  if (result && json_object_has_member(result, "seq"))
    json_object_set_int_member(extra, "seq", json_object_get_int_member(result, "seq"));
  witness_reply_case(w, st->req, c, extra);
  step_free(st);
}

static JsonObject *
record_base(Witness *w, const WtWitnessCase *c)
{
  JsonObject *o = json_object_new();
  json_object_set_string_member(o, "case", c->number);
  json_object_set_int_member(o, "workflow_ms", w->s->now_ms(w->host));
  json_object_set_int_member(o, "server_ms", g_get_real_time() / 1000);
  return o;
}

static void
add_party(Witness *w, JsonObject *o, const WtWitnessCase *c, WtWitnessParty party)
{
  json_object_set_string_member(o, "party", wt_witness_party_name(party));
  g_autofree char *pid = w->s->participant_id(w->host, c->party[party].sub);
  /* "participant" is the chain's own member (a per-participant record); ours is room-level. */
  json_object_set_string_member(o, "party_participant", pid);
}

static void
add_evidence(Step *st, const WtWitnessCase *c, const char *type, JsonObject *payload)
{
  st->w->s->room_add_evidence(st->w->host, c->room, type, payload, evidence_done, st);
  json_object_unref(payload);
}

/* The `case` record the archive indexes recordings by: exactly these
 * members (server/modules/archive reads them). */
static JsonObject *
case_record(Witness *w, const WtWitnessCase *c)
{
  JsonObject *o = json_object_new();
  json_object_set_string_member(o, "case", c->number);
  json_object_set_string_member(o, "business", c->business);
  JsonArray *parties = json_array_new();
  for (int p = 0; p < WT_WITNESS_N_PARTIES; p++) {
    const WtWitnessPartyInfo *i = &c->party[p];
    JsonObject *q = json_object_new();
    json_object_set_string_member(q, "role", wt_witness_party_name(p));
    json_object_set_string_member(q, "name", i->name);
    json_object_set_string_member(q, "id_hash", i->id_hash);
    json_object_set_string_member(q, "id_masked", i->id_masked);
    g_autofree char *pid = i->sub ? w->s->participant_id(w->host, i->sub) : NULL;
    if (pid)
      json_object_set_string_member(q, "participant", pid);
    else
      json_object_set_null_member(q, "participant");
    json_array_add_object_element(parties, q);
  }
  json_object_set_array_member(o, "parties", parties);
  JsonObject *property = json_object_new();
  json_object_set_string_member(property, "certificate", c->certificate);
  json_object_set_string_member(property, "address", c->address);
  json_object_set_object_member(o, "property", property);
  json_object_set_string_member(o, "matters", c->matters);
  json_object_set_string_member(o, "term", c->term);
  if (c->staff)
    json_object_set_string_member(o, "staff", c->staff);
  else
    json_object_set_null_member(o, "staff");
  return o;
}

typedef struct {
  Witness *w;
  char *number;
  char *recording;
} CaseAdd;

static void
case_added(JsonObject *result, const GError *error, gpointer user_data)
{
  CaseAdd *a = user_data;
  Witness *w = a->w;
  g_hash_table_remove(w->case_adding, a->recording);
  g_autoptr(WtWitnessCase) c = wt_witness_store_get(w->host, w->s, a->number, NULL);
  if (c && error) {
    g_autofree char *why =
        g_strdup_printf("the case record is not in recording %s: %s", a->recording, error->message);
    witness_attention(w, c, "case-record-failed", why);
  } else if (c) {
    const char *rec = wt_module_json_string(result, "recording", NULL);
    g_free(c->case_record);
    c->case_record = g_strdup(rec ? rec : a->recording);
    g_message("%s: case record in recording %s", c->number, c->case_record);
    witness_save(w, c);
  }
  g_free(a->number);
  g_free(a->recording);
  g_free(a);
}

/* Puts the `case` record into @recording (running in @c's room) unless it is there already. */
static void
ensure_case_record(Witness *w, const WtWitnessCase *c, const char *recording)
{
  if ((c->case_record && g_str_equal(c->case_record, recording)) ||
      g_hash_table_contains(w->case_adding, recording))
    return;
  g_hash_table_add(w->case_adding, g_strdup(recording));
  CaseAdd *a = g_new0(CaseAdd, 1);
  a->w = w;
  a->number = g_strdup(c->number);
  a->recording = g_strdup(recording);
  g_autoptr(JsonObject) payload = case_record(w, c);
  w->s->room_add_evidence(w->host, c->room, "case", payload, case_added, a);
}

/* ---- Opening and entering ---------------------------------------------------------------------
 */

void
witness_open(Witness *w, WtModuleRequest *req)
{
  if (!require_staff(w, req))
    return;
  g_autoptr(WtWitnessCase) c = witness_load_for(w, req);
  if (!c)
    return;
  g_autoptr(GError) error = NULL;
  WtWitnessState next;
  if (!wt_witness_step_allowed(c->state, WT_WITNESS_STEP_OPEN, TRUE, &next, &error)) {
    w->s->reply_error(w->host, req, WT_WITNESS_E_STATE, error->message);
    return;
  }
  if (!c->room)
    c->room = w->s->room_new_id(w->host, "witness");
  for (int p = 0; p < WT_WITNESS_N_PARTIES; p++)
    w->s->room_invite(w->host, c->room, c->party[p].sub);
  g_free(c->staff);
  c->staff = g_strdup(w->s->request_identity(req)->sub);
  c->state = next;
  if (!witness_save(w, c)) {
    w->s->reply_error(w->host, req, "internal", "the case could not be saved");
    return;
  }
  g_message("%s: opened by %s in room %s", c->number, c->staff, c->room);
  witness_publish(w, c);
  JsonObject *r = json_object_new();
  json_object_set_string_member(r, "room", c->room);
  witness_reply_case(w, req, c, r);
}

void
witness_enter(Witness *w, WtModuleRequest *req)
{
  g_autoptr(WtWitnessCase) c = witness_load_for(w, req);
  if (!c || !require_room(w, req, c))
    return;
  /* Invitations are the engine's and a restart forgets them: renew. */
  w->s->room_invite(w->host, c->room, w->s->request_identity(req)->sub);
  JsonObject *r = json_object_new();
  json_object_set_string_member(r, "room", c->room);
  witness_reply_case(w, req, c, r);
}

/* ---- Status and liveness ----------------------------------------------------------------------
 */

static void
status_done(JsonObject *result, const GError *error, gpointer user_data)
{
  Step *st = user_data;
  g_autoptr(WtWitnessCase) c = wt_witness_store_get(st->w->host, st->w->s, st->number, NULL);
  if (!c) {
    step_refuse(st, "not-found", "the case is gone");
    return;
  }
  JsonObject *r = json_object_new();
  g_autofree char *missing =
      error ? g_strdup("nobody is in the session room") : wt_witness_gate_missing(c, result);
  if (result)
    json_object_set_object_member(r, "room_status", json_object_ref(result));
  else
    json_object_set_null_member(r, "room_status");
  json_object_set_object_member(r, "recorded", wt_witness_gate_recorded(c, result));
  if (missing)
    json_object_set_string_member(r, "not_recorded", missing);
  else
    json_object_set_null_member(r, "not_recorded");
  witness_reply_case(st->w, st->req, c, r);
  step_free(st);
}

void
witness_status(Witness *w, WtModuleRequest *req)
{
  if (!require_staff(w, req))
    return;
  g_autoptr(WtWitnessCase) c = witness_load_for(w, req);
  if (!c || !require_room(w, req, c))
    return;
  w->s->room_status(w->host, c->room, status_done, step_new(w, req, c));
}

static void
recheck_done(JsonObject *result, const GError *error, gpointer user_data)
{
  Step *st = user_data;
  if (error) {
    step_refuse(st, "unavailable", error->message);
    return;
  }
  st->w->s->reply(st->w->host, st->req, json_object_ref(result));
  step_free(st);
}

void
witness_recheck(Witness *w, WtModuleRequest *req)
{
  WtWitnessParty party;
  if (!require_staff(w, req) || !read_party(w, req, &party))
    return;
  g_autoptr(WtWitnessCase) c = witness_load_for(w, req);
  if (!c || !require_room(w, req, c))
    return;
  g_message("%s: liveness re-check of the %s asked by %s", c->number, wt_witness_party_name(party),
            w->s->request_identity(req)->sub);
  w->s->room_check_liveness(w->host, c->room, c->party[party].sub, recheck_done,
                            step_new(w, req, c));
}

/* ---- Consent ----------------------------------------------------------------------------------
 */

static void
consent_apply(Step *st, WtWitnessCase *c, JsonObject *result)
{
  c->party[st->party].consent = st->mark;
  c->state = WT_WITNESS_CONSENT;
  g_message("%s: the %s's consent %s", c->number, wt_witness_party_name(st->party),
            wt_witness_consent_name(st->mark));
}

static void
consent_next(Step *st, WtWitnessCase *c)
{
  g_autoptr(GError) error = NULL;
  if (!wt_witness_step_allowed(c->state, WT_WITNESS_STEP_CONSENT, TRUE, NULL, &error) ||
      !wt_witness_consent_allowed(c, st->party, st->mark, &error)) {
    step_refuse(st, WT_WITNESS_E_STATE, error->message);
    return;
  }
  JsonObject *o = record_base(st->w, c);
  add_party(st->w, o, c, st->party);
  json_object_set_string_member(o, "mark",
                                st->mark == WT_WITNESS_CONSENT_STARTED ? "start" : "end");
  json_object_set_string_member(o, "staff", st->w->s->request_identity(st->req)->sub);
  add_evidence(st, c, "consent", o);
}

void
witness_consent(Witness *w, WtModuleRequest *req)
{
  WtWitnessParty party;
  if (!require_staff(w, req) || !read_party(w, req, &party))
    return;
  const char *mark = wt_module_json_string(w->s->request_body(req), "mark", "");
  if (!g_str_equal(mark, "start") && !g_str_equal(mark, "end")) {
    w->s->reply_error(w->host, req, "bad-message", "mark: start or end");
    return;
  }
  g_autoptr(WtWitnessCase) c = witness_load_for(w, req);
  if (!c || !require_room(w, req, c))
    return;
  Step *st = step_new(w, req, c);
  st->party = party;
  st->mark = g_str_equal(mark, "start") ? WT_WITNESS_CONSENT_STARTED : WT_WITNESS_CONSENT_ENDED;
  g_autoptr(GError) error = NULL;
  if (!wt_witness_step_allowed(c->state, WT_WITNESS_STEP_CONSENT, TRUE, NULL, &error) ||
      !wt_witness_consent_allowed(c, party, st->mark, &error)) {
    step_refuse(st, WT_WITNESS_E_STATE, error->message);
    return;
  }
  if (!step_claim(st, "a consent mark"))
    return;
  st->next = consent_next;
  st->apply = consent_apply;
  gate(st, c);
}

/* ---- Signing ----------------------------------------------------------------------------------
 */

static void
sign_apply(Step *st, WtWitnessCase *c, JsonObject *result)
{
  g_free(c->party[st->party].signed_sha256);
  c->party[st->party].signed_sha256 = g_strdup(st->sha256);
  if (wt_witness_both_signed(c))
    c->state = WT_WITNESS_SIGNED;
  g_message("%s: the %s signed document %s", c->number, wt_witness_party_name(st->party),
            st->sha256);
}

static void
sign_next(Step *st, WtWitnessCase *c)
{
  g_autofree char *liveness = wt_witness_liveness_missing(c);
  if (liveness) {
    witness_attention(st->w, c, WT_WITNESS_E_LIVENESS, liveness);
    step_refuse(st, WT_WITNESS_E_LIVENESS, liveness);
    return;
  }
  if (!wt_witness_consent_done(c) || c->state != WT_WITNESS_CONSENT) {
    step_refuse(st, WT_WITNESS_E_CONSENT,
                "staff mark the start and end of both parties' consent before signing");
    return;
  }
  g_autofree char *text = wt_witness_document(c, st->w->utc_offset_minutes);
  g_autofree char *sha = wt_witness_document_sha256(text);
  if (!g_str_equal(sha, st->sha256)) {
    step_refuse(st, "bad-message",
                "document_sha256: not the document of this case; fetch it again");
    return;
  }
  JsonObject *o = record_base(st->w, c);
  add_party(st->w, o, c, st->party);
  json_object_set_string_member(o, "document_sha256", sha);
  add_evidence(st, c, "signature", o);
}

void
witness_sign(Witness *w, WtModuleRequest *req)
{
  const char *sha = wt_module_json_string(w->s->request_body(req), "document_sha256", "");
  if (strlen(sha) != 64 || strspn(sha, "0123456789abcdef") != 64) {
    w->s->reply_error(w->host, req, "bad-message", "document_sha256: 64 lower-case hex digits");
    return;
  }
  g_autoptr(WtWitnessCase) c = witness_load_for(w, req);
  if (!c)
    return;
  WtWitnessParty party;
  if (!wt_witness_case_party_of(c, w->s->request_identity(req)->sub, &party)) {
    w->s->reply_error(w->host, req, "forbidden", "each party signs for themselves");
    return;
  }
  if (!require_room(w, req, c))
    return;
  if (c->party[party].signed_sha256) {
    witness_reply_case(w, req, c, NULL); /* signed before: the same answer again */
    return;
  }
  Step *st = step_new(w, req, c);
  st->party = party;
  st->sha256 = g_strdup(sha);
  g_autofree char *what = g_strdup_printf("the %s's signature", wt_witness_party_name(party));
  if (!step_claim(st, what))
    return;
  st->next = sign_next;
  st->apply = sign_apply;
  gate(st, c);
}

/* ---- The decision -----------------------------------------------------------------------------
 */

static void
decide_apply(Step *st, WtWitnessCase *c, JsonObject *result)
{
  c->state = st->approve ? WT_WITNESS_APPROVED : WT_WITNESS_REJECTED;
  g_free(c->reason);
  c->reason = g_strdup(st->reason);
  const char *rec = g_hash_table_lookup(st->w->recording_on, c->room);
  if (rec && !c->recording)
    c->recording = g_strdup(rec);
  g_message("%s: %s by %s%s%s; closing room %s (recording %s)", c->number,
            wt_witness_state_name(c->state), st->w->s->request_identity(st->req)->sub,
            st->reason ? ": " : "", st->reason ? st->reason : "", c->room,
            c->recording ? c->recording : "none");
  /* Closing the room seals the recording; the outbox hands the seal to the notary. */
  st->w->s->room_close(st->w->host, c->room,
                       st->approve ? "the entrustment was approved"
                                   : "the entrustment was rejected");
}

gboolean
witness_deciding(Witness *w, const char *number)
{
  g_autofree char *key = busy_key(number, DECISION);
  return g_hash_table_contains(w->busy, key);
}

void
witness_decide(Witness *w, WtModuleRequest *req)
{
  if (!require_staff(w, req))
    return;
  JsonObject *body = w->s->request_body(req);
  const char *decision = wt_module_json_string(body, "decision", "");
  if (!g_str_equal(decision, "approve") && !g_str_equal(decision, "reject")) {
    w->s->reply_error(w->host, req, "bad-message", "decision: approve or reject");
    return;
  }
  gboolean approve = g_str_equal(decision, "approve");
  g_autofree char *reason = NULL;
  g_autoptr(GError) error = NULL;
  if ((!approve || json_object_has_member(body, "reason")) &&
      !wt_witness_form_text(body, "reason", 500, &reason, &error)) {
    w->s->reply_error(w->host, req, "bad-message", error->message);
    return;
  }
  g_autoptr(WtWitnessCase) c = witness_load_for(w, req);
  if (!c)
    return;
  if (!wt_witness_step_allowed(c->state, approve ? WT_WITNESS_STEP_APPROVE : WT_WITNESS_STEP_REJECT,
                               TRUE, NULL, &error)) {
    w->s->reply_error(w->host, req, WT_WITNESS_E_STATE, error->message);
    return;
  }
  Step *st = step_new(w, req, c);
  st->approve = approve;
  st->chain_optional = !approve;
  st->reason = g_steal_pointer(&reason);
  st->apply = decide_apply;
  if (!step_claim(st, DECISION))
    return;
  JsonObject *o = record_base(w, c);
  json_object_set_string_member(o, "decision", approve ? "approved" : "rejected");
  if (st->reason)
    json_object_set_string_member(o, "reason", st->reason);
  else
    json_object_set_null_member(o, "reason");
  json_object_set_string_member(o, "staff", w->s->request_identity(req)->sub);
  add_evidence(st, c, "decision", o);
}

/* ---- The engine's events ----------------------------------------------------------------------
 */

typedef struct {
  Witness *w;
  char *room;
} RecordStart;

static void
record_started(JsonObject *result, const GError *error, gpointer user_data)
{
  RecordStart *r = user_data;
  Witness *w = r->w;
  g_hash_table_remove(w->starting, r->room);
  g_autoptr(WtWitnessCase) c = wt_witness_store_by_room(w->host, w->s, r->room, NULL);
  if (c && error) {
    g_autofree char *why = g_strdup_printf("the recording did not start: %s", error->message);
    witness_attention(w, c, "recording-failed", why);
  } else if (c) {
    const char *state = wt_module_json_string(result, "state", "");
    const char *rec = wt_module_json_string(result, "recording", NULL);
    if (g_str_equal(state, "on") && rec) {
      g_hash_table_replace(w->recording_on, g_strdup(r->room), g_strdup(rec));
      g_free(c->recording);
      c->recording = g_strdup(rec);
      witness_save(w, c);
      ensure_case_record(w, c, rec);
      witness_publish(w, c);
    }
  }
  g_free(r->room);
  g_free(r);
}

static void
party_arrived(Witness *w, const WtWitnessCase *c)
{
  if (g_hash_table_contains(w->recording_on, c->room) ||
      g_hash_table_contains(w->starting, c->room))
    return;
  g_message("%s: a party arrived in %s: starting the recording", c->number, c->room);
  g_hash_table_add(w->starting, g_strdup(c->room));
  RecordStart *r = g_new0(RecordStart, 1);
  r->w = w;
  r->room = g_strdup(c->room);
  w->s->room_record(w->host, c->room, TRUE, record_started, r);
}

static void
on_recording(Witness *w, WtWitnessCase *c, JsonObject *f)
{
  const char *state = wt_module_json_string(f, "state", "");
  const char *rec = wt_module_json_string(f, "recording", NULL);
  const char *reason = wt_module_json_string(f, "reason", "");
  if (g_str_equal(state, "on") && rec) {
    g_free(c->recording);
    c->recording = g_strdup(rec);
    witness_save(w, c);
    ensure_case_record(w, c, rec);
    witness_publish(w, c);
  } else if (g_str_equal(state, "failed")) {
    g_autofree char *why = g_strdup_printf("the recording failed: %s; the session waits", reason);
    witness_attention(w, c, "recording-failed", why);
  } else if (g_str_equal(state, "off")) {
    g_autofree char *why = g_strdup_printf(
        "the recording stopped (%s) before the decision; the session waits", reason);
    witness_attention(w, c, "recording-stopped", why);
  }
}

static void
on_liveness(Witness *w, WtWitnessCase *c, JsonObject *f)
{
  const char *participant = wt_module_json_string(f, "participant", "");
  const char *state = wt_module_json_string(f, "state", NULL);
  for (int p = 0; state && p < WT_WITNESS_N_PARTIES; p++) {
    if (!c->party[p].sub)
      continue;
    g_autofree char *pid = w->s->participant_id(w->host, c->party[p].sub);
    if (!pid || !g_str_equal(pid, participant))
      continue;
    g_message("%s: the %s's liveness is %s", c->number, wt_witness_party_name(p), state);
    g_free(c->party[p].liveness);
    c->party[p].liveness = g_strdup(state);
    witness_save(w, c);
    witness_publish(w, c);
  }
}

void
witness_event(gpointer instance, const char *event, JsonObject *fields)
{
  Witness *w = instance;
  const char *room = wt_module_json_string(fields, "room", NULL);
  if (!room)
    return;
  if (g_str_equal(event, "recording")) {
    const char *state = wt_module_json_string(fields, "state", "");
    const char *rec = wt_module_json_string(fields, "recording", NULL);
    if (g_str_equal(state, "on") && rec)
      g_hash_table_replace(w->recording_on, g_strdup(room), g_strdup(rec));
    else
      g_hash_table_remove(w->recording_on, room);
  } else if (g_str_equal(event, "room-closed")) {
    g_hash_table_remove(w->recording_on, room);
  }
  if (!g_str_has_prefix(room, "witness-"))
    return;
  g_autoptr(WtWitnessCase) c = wt_witness_store_by_room(w->host, w->s, room, NULL);
  if (!c || !wt_witness_state_in_room(c->state))
    return;
  if (g_str_equal(event, "participant-joined")) {
    const char *sub = wt_module_json_string(fields, "sub", NULL);
    WtWitnessParty party;
    if (wt_witness_case_party_of(c, sub, &party))
      party_arrived(w, c);
  } else if (g_str_equal(event, "recording")) {
    on_recording(w, c, fields);
  } else if (g_str_equal(event, "alert")) {
    const char *kind = wt_module_json_string(fields, "kind", "alert");
    const char *reason = wt_module_json_string(fields, "reason", "");
    g_autofree char *why = g_strdup_printf("%s: %s; the session waits", kind, reason);
    witness_attention(w, c, "recording-failed", why);
  } else if (g_str_equal(event, "liveness")) {
    on_liveness(w, c, fields);
  }
}
