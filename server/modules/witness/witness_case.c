/* witness_case.c — the case and its state machine (see witness_case.h). Pure:
 * no I/O. Main thread. */
#include <gio/gio.h>

#include "witness_case.h"

static const char *const state_names[WT_WITNESS_N_STATES] = {
    [WT_WITNESS_CREATED] = "created",       [WT_WITNESS_AGENT_JOINED] = "agent-joined",
    [WT_WITNESS_IN_SESSION] = "in-session", [WT_WITNESS_CONSENT] = "consent",
    [WT_WITNESS_SIGNED] = "signed",         [WT_WITNESS_APPROVED] = "approved",
    [WT_WITNESS_REJECTED] = "rejected",     [WT_WITNESS_CANCELLED] = "cancelled",
};
static const char *const party_names[WT_WITNESS_N_PARTIES] = {"principal", "agent"};
static const char *const consent_names[] = {"none", "started", "ended"};

WtWitnessCase *
wt_witness_case_new(void)
{
  WtWitnessCase *c = g_new0(WtWitnessCase, 1);
  for (int p = 0; p < WT_WITNESS_N_PARTIES; p++)
    c->party[p].liveness = g_strdup("none");
  return c;
}

void
wt_witness_case_free(WtWitnessCase *c)
{
  if (!c)
    return;
  for (int p = 0; p < WT_WITNESS_N_PARTIES; p++) {
    WtWitnessPartyInfo *i = &c->party[p];
    g_free(i->sub);
    g_free(i->name);
    g_free(i->id_hash);
    g_free(i->id_masked);
    g_free(i->liveness);
    g_free(i->signed_sha256);
  }
  g_free(c->number);
  g_free(c->business);
  g_free(c->certificate);
  g_free(c->address);
  g_free(c->matters);
  g_free(c->term);
  g_free(c->room);
  g_free(c->staff);
  g_free(c->recording);
  g_free(c->case_record);
  g_free(c->reason);
  g_free(c);
}

const char *
wt_witness_state_name(WtWitnessState state)
{
  return (guint)state < WT_WITNESS_N_STATES ? state_names[state] : NULL;
}

gboolean
wt_witness_state_parse(const char *name, WtWitnessState *state)
{
  for (guint i = 0; name && i < WT_WITNESS_N_STATES; i++) {
    if (g_str_equal(name, state_names[i])) {
      *state = (WtWitnessState)i;
      return TRUE;
    }
  }
  return FALSE;
}

const char *
wt_witness_party_name(WtWitnessParty party)
{
  return (guint)party < WT_WITNESS_N_PARTIES ? party_names[party] : NULL;
}

gboolean
wt_witness_party_parse(const char *name, WtWitnessParty *party)
{
  for (guint i = 0; name && i < WT_WITNESS_N_PARTIES; i++) {
    if (g_str_equal(name, party_names[i])) {
      *party = (WtWitnessParty)i;
      return TRUE;
    }
  }
  return FALSE;
}

const char *
wt_witness_consent_name(WtWitnessConsent consent)
{
  return (guint)consent < G_N_ELEMENTS(consent_names) ? consent_names[consent] : NULL;
}

gboolean
wt_witness_consent_parse(const char *name, WtWitnessConsent *consent)
{
  for (guint i = 0; name && i < G_N_ELEMENTS(consent_names); i++) {
    if (g_str_equal(name, consent_names[i])) {
      *consent = (WtWitnessConsent)i;
      return TRUE;
    }
  }
  return FALSE;
}

gboolean
wt_witness_state_final(WtWitnessState state)
{
  return state == WT_WITNESS_APPROVED || state == WT_WITNESS_REJECTED ||
         state == WT_WITNESS_CANCELLED;
}

gboolean
wt_witness_state_in_room(WtWitnessState state)
{
  return state == WT_WITNESS_IN_SESSION || state == WT_WITNESS_CONSENT ||
         state == WT_WITNESS_SIGNED;
}

static gboolean
refuse(WtWitnessState state, const char *what, GError **error)
{
  g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s: the case is %s", what,
              wt_witness_state_name(state));
  return FALSE;
}

gboolean
wt_witness_step_allowed(WtWitnessState state, WtWitnessStep step, gboolean staff,
                        WtWitnessState *next, GError **error)
{
  WtWitnessState to = state;
  gboolean ok = FALSE;
  const char *what = "?";
  switch (step) {
  case WT_WITNESS_STEP_ACCEPT:
    what = "only a case waiting for its agent can be accepted";
    ok = state == WT_WITNESS_CREATED;
    to = WT_WITNESS_AGENT_JOINED;
    break;
  case WT_WITNESS_STEP_OPEN:
    what = "only a case whose agent accepted can be opened";
    ok = state == WT_WITNESS_AGENT_JOINED || wt_witness_state_in_room(state);
    to = state == WT_WITNESS_AGENT_JOINED ? WT_WITNESS_IN_SESSION : state;
    break;
  case WT_WITNESS_STEP_CONSENT:
    what = "consent is marked during the session, before signing";
    ok = state == WT_WITNESS_IN_SESSION || state == WT_WITNESS_CONSENT;
    to = WT_WITNESS_CONSENT;
    break;
  case WT_WITNESS_STEP_SIGN:
    what = "the document is signed after both parties' consent was marked";
    ok = state == WT_WITNESS_CONSENT;
    to = WT_WITNESS_CONSENT; /* SIGNED once both signed: the caller decides */
    break;
  case WT_WITNESS_STEP_APPROVE:
    what = "only a case both parties signed can be approved";
    ok = state == WT_WITNESS_SIGNED;
    to = WT_WITNESS_APPROVED;
    break;
  case WT_WITNESS_STEP_REJECT:
    what = "only an opened session can be rejected (cancel it before)";
    ok = wt_witness_state_in_room(state);
    to = WT_WITNESS_REJECTED;
    break;
  case WT_WITNESS_STEP_CANCEL:
    what = staff ? "a decided case cannot be cancelled"
                 : "only staff can cancel a case once the session is open";
    ok = state == WT_WITNESS_CREATED || state == WT_WITNESS_AGENT_JOINED ||
         (staff && wt_witness_state_in_room(state));
    to = WT_WITNESS_CANCELLED;
    break;
  }
  if (!ok)
    return refuse(state, what, error);
  if (next)
    *next = to;
  return TRUE;
}

gboolean
wt_witness_consent_allowed(const WtWitnessCase *c, WtWitnessParty party, WtWitnessConsent mark,
                           GError **error)
{
  WtWitnessConsent now = c->party[party].consent;
  if ((mark == WT_WITNESS_CONSENT_STARTED && now == WT_WITNESS_CONSENT_NONE) ||
      (mark == WT_WITNESS_CONSENT_ENDED && now == WT_WITNESS_CONSENT_STARTED))
    return TRUE;
  if (mark == WT_WITNESS_CONSENT_ENDED && now == WT_WITNESS_CONSENT_NONE)
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "the %s's consent has not been started", party_names[party]);
  else if (mark == WT_WITNESS_CONSENT_STARTED || mark == WT_WITNESS_CONSENT_ENDED)
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "the %s's consent was already %s",
                party_names[party], mark == WT_WITNESS_CONSENT_STARTED ? "started" : "ended");
  else
    g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                        "a consent mark is start or end");
  return FALSE;
}

gboolean
wt_witness_consent_done(const WtWitnessCase *c)
{
  return c->party[WT_WITNESS_PRINCIPAL].consent == WT_WITNESS_CONSENT_ENDED &&
         c->party[WT_WITNESS_AGENT].consent == WT_WITNESS_CONSENT_ENDED;
}

char *
wt_witness_liveness_missing(const WtWitnessCase *c)
{
  GString *s = NULL;
  for (int p = 0; p < WT_WITNESS_N_PARTIES; p++) {
    const char *l = c->party[p].liveness ? c->party[p].liveness : "none";
    if (g_str_equal(l, "passed"))
      continue;
    if (!s)
      s = g_string_new(NULL);
    else
      g_string_append(s, "; ");
    g_string_append_printf(s, "the %s's liveness is %s", party_names[p], l);
  }
  return s ? g_string_free(s, FALSE) : NULL;
}

gboolean
wt_witness_both_signed(const WtWitnessCase *c)
{
  return c->party[WT_WITNESS_PRINCIPAL].signed_sha256 && c->party[WT_WITNESS_AGENT].signed_sha256;
}

gboolean
wt_witness_case_party_of(const WtWitnessCase *c, const char *sub, WtWitnessParty *party)
{
  for (int p = 0; sub && p < WT_WITNESS_N_PARTIES; p++) {
    if (c->party[p].sub && g_str_equal(c->party[p].sub, sub)) {
      *party = (WtWitnessParty)p;
      return TRUE;
    }
  }
  return FALSE;
}

const char *const wt_witness_business[] = {
    "transfer", "transfer-mortgage", "certificate-replacement", "lost-certificate", NULL,
};

gboolean
wt_witness_business_valid(const char *name)
{
  return name && g_strv_contains(wt_witness_business, name);
}

const char *
wt_witness_business_label(const char *name)
{
  /* The same names as the pages' (signaling/web/panels/appoint-names.js). */
  static const char *const labels[][2] = {
      {"transfer", "存量房转移登记 Transfer of an existing home"},
      {"transfer-mortgage", "存量房转移及抵押登记 Transfer plus mortgage"},
      {"certificate-replacement", "换发不动产权证书 Certificate replacement"},
      {"lost-certificate", "不动产权证书遗失补发 Replacement of a lost certificate"},
  };
  for (guint i = 0; name && i < G_N_ELEMENTS(labels); i++) {
    if (g_str_equal(name, labels[i][0]))
      return labels[i][1];
  }
  return name;
}

static void
set_nullable(JsonObject *o, const char *member, const char *value)
{
  if (value)
    json_object_set_string_member(o, member, value);
  else
    json_object_set_null_member(o, member);
}

JsonObject *
wt_witness_case_to_json(const WtWitnessCase *c)
{
  JsonObject *o = json_object_new();
  json_object_set_string_member(o, "case", c->number);
  json_object_set_string_member(o, "state", wt_witness_state_name(c->state));
  JsonArray *parties = json_array_new();
  for (int p = 0; p < WT_WITNESS_N_PARTIES; p++) {
    const WtWitnessPartyInfo *i = &c->party[p];
    JsonObject *q = json_object_new();
    json_object_set_string_member(q, "role", party_names[p]);
    json_object_set_string_member(q, "name", i->name);
    json_object_set_string_member(q, "id_masked", i->id_masked);
    json_object_set_string_member(q, "id_hash", i->id_hash);
    json_object_set_boolean_member(q, "accepted", i->sub != NULL);
    json_object_set_string_member(q, "liveness", i->liveness ? i->liveness : "none");
    json_object_set_string_member(q, "consent", consent_names[i->consent]);
    json_object_set_boolean_member(q, "signed", i->signed_sha256 != NULL);
    json_array_add_object_element(parties, q);
  }
  json_object_set_array_member(o, "parties", parties);
  json_object_set_string_member(o, "business", c->business);
  JsonObject *property = json_object_new();
  json_object_set_string_member(property, "certificate", c->certificate);
  json_object_set_string_member(property, "address", c->address);
  json_object_set_object_member(o, "property", property);
  json_object_set_string_member(o, "matters", c->matters);
  json_object_set_string_member(o, "term", c->term);
  set_nullable(o, "room", c->room);
  set_nullable(o, "recording", c->recording);
  set_nullable(o, "reason", c->reason);
  json_object_set_int_member(o, "filed_ms", c->filed_ms);
  json_object_set_int_member(o, "updated_ms", c->updated_ms);
  return o;
}
