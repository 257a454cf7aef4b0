/* test_witness_case.c — the witness module's case state machine
 * (server/modules/witness/witness_case.c): which step each state allows,
 * consent marks in order, what signing waits for, and the client view,
 * which never carries a sub. No server. */
#include <gio/gio.h>
#include <string.h>

#include "witness_case.h"

static WtWitnessCase *
make_case(void)
{
  WtWitnessCase *c = wt_witness_case_new();
  c->number = g_strdup("WT-20261204-0001");
  c->business = g_strdup("transfer");
  const char *names[] = {"张三", "李四"};
  for (int p = 0; p < WT_WITNESS_N_PARTIES; p++) {
    c->party[p].name = g_strdup(names[p]);
    c->party[p].id_hash = g_strdup(p ? "bb" : "aa");
    c->party[p].id_masked = g_strdup("110***********1234");
  }
  c->party[WT_WITNESS_PRINCIPAL].sub = g_strdup("principal-sub");
  c->certificate = g_strdup("京(2026)朝阳区不动产权第0000001号");
  c->address = g_strdup("北京市朝阳区某路1号");
  c->matters = g_strdup("办理转移登记");
  c->term = g_strdup("至2027年6月30日");
  return c;
}

static void
test_names(void)
{
  for (guint s = 0; s < WT_WITNESS_N_STATES; s++) {
    WtWitnessState back;
    const char *name = wt_witness_state_name(s);
    g_assert_nonnull(name);
    g_assert_true(wt_witness_state_parse(name, &back));
    g_assert_cmpint(back, ==, s);
  }
  WtWitnessState st;
  g_assert_false(wt_witness_state_parse("opened", &st));
  g_assert_false(wt_witness_state_parse(NULL, &st));
  g_assert_null(wt_witness_state_name(WT_WITNESS_N_STATES));
  WtWitnessParty p;
  g_assert_true(wt_witness_party_parse("agent", &p));
  g_assert_cmpint(p, ==, WT_WITNESS_AGENT);
  g_assert_false(wt_witness_party_parse("staff", &p));
  WtWitnessConsent k;
  g_assert_true(wt_witness_consent_parse("ended", &k));
  g_assert_cmpint(k, ==, WT_WITNESS_CONSENT_ENDED);
  g_assert_true(wt_witness_business_valid("transfer-mortgage"));
  g_assert_false(wt_witness_business_valid("mortgage"));
  g_assert_false(wt_witness_business_valid(NULL));
}

/* Every (state, step) pair: allowed exactly where the diagram says, with the
 * state it leads to. */
static void
test_transitions(void)
{
  enum { N = WT_WITNESS_N_STATES };
  struct {
    WtWitnessStep step;
    gboolean staff;
    int to[N]; /* -1: refused */
  } table[] = {
      {WT_WITNESS_STEP_ACCEPT, FALSE, {WT_WITNESS_AGENT_JOINED, -1, -1, -1, -1, -1, -1, -1}},
      {WT_WITNESS_STEP_OPEN,
       TRUE,
       {-1, WT_WITNESS_IN_SESSION, WT_WITNESS_IN_SESSION, WT_WITNESS_CONSENT, WT_WITNESS_SIGNED, -1,
        -1, -1}},
      {WT_WITNESS_STEP_CONSENT,
       TRUE,
       {-1, -1, WT_WITNESS_CONSENT, WT_WITNESS_CONSENT, -1, -1, -1, -1}},
      {WT_WITNESS_STEP_SIGN, FALSE, {-1, -1, -1, WT_WITNESS_CONSENT, -1, -1, -1, -1}},
      {WT_WITNESS_STEP_APPROVE, TRUE, {-1, -1, -1, -1, WT_WITNESS_APPROVED, -1, -1, -1}},
      {WT_WITNESS_STEP_REJECT,
       TRUE,
       {-1, -1, WT_WITNESS_REJECTED, WT_WITNESS_REJECTED, WT_WITNESS_REJECTED, -1, -1, -1}},
      {WT_WITNESS_STEP_CANCEL,
       FALSE,
       {WT_WITNESS_CANCELLED, WT_WITNESS_CANCELLED, -1, -1, -1, -1, -1, -1}},
      {WT_WITNESS_STEP_CANCEL,
       TRUE,
       {WT_WITNESS_CANCELLED, WT_WITNESS_CANCELLED, WT_WITNESS_CANCELLED, WT_WITNESS_CANCELLED,
        WT_WITNESS_CANCELLED, -1, -1, -1}},
  };
  for (guint i = 0; i < G_N_ELEMENTS(table); i++) {
    for (int s = 0; s < N; s++) {
      g_autoptr(GError) error = NULL;
      WtWitnessState next = 99;
      gboolean ok = wt_witness_step_allowed(s, table[i].step, table[i].staff, &next, &error);
      if (table[i].to[s] < 0) {
        g_assert_false(ok);
        g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
        /* The reason names the state the case is in. */
        g_assert_nonnull(strstr(error->message, wt_witness_state_name(s)));
        g_assert_cmpint(next, ==, 99);
      } else {
        g_assert_true(ok);
        g_assert_no_error(error);
        g_assert_cmpint(next, ==, table[i].to[s]);
      }
    }
  }
  for (int s = 0; s < N; s++) {
    gboolean final =
        s == WT_WITNESS_APPROVED || s == WT_WITNESS_REJECTED || s == WT_WITNESS_CANCELLED;
    g_assert_cmpint(wt_witness_state_final(s), ==, final);
  }
}

static void
test_consent_order(void)
{
  g_autoptr(WtWitnessCase) c = make_case();
  g_autoptr(GError) error = NULL;
  g_assert_false(wt_witness_consent_allowed(c, WT_WITNESS_AGENT, WT_WITNESS_CONSENT_ENDED, &error));
  g_assert_nonnull(strstr(error->message, "agent's consent has not been started"));
  g_clear_error(&error);
  g_assert_true(wt_witness_consent_allowed(c, WT_WITNESS_AGENT, WT_WITNESS_CONSENT_STARTED, NULL));
  c->party[WT_WITNESS_AGENT].consent = WT_WITNESS_CONSENT_STARTED;
  g_assert_false(
      wt_witness_consent_allowed(c, WT_WITNESS_AGENT, WT_WITNESS_CONSENT_STARTED, &error));
  g_assert_nonnull(strstr(error->message, "already started"));
  g_clear_error(&error);
  g_assert_true(wt_witness_consent_allowed(c, WT_WITNESS_AGENT, WT_WITNESS_CONSENT_ENDED, NULL));
  c->party[WT_WITNESS_AGENT].consent = WT_WITNESS_CONSENT_ENDED;
  g_assert_false(wt_witness_consent_allowed(c, WT_WITNESS_AGENT, WT_WITNESS_CONSENT_ENDED, &error));
  g_assert_false(wt_witness_consent_allowed(c, WT_WITNESS_AGENT, WT_WITNESS_CONSENT_NONE, NULL));
  g_assert_false(wt_witness_consent_done(c));
  c->party[WT_WITNESS_PRINCIPAL].consent = WT_WITNESS_CONSENT_ENDED;
  g_assert_true(wt_witness_consent_done(c));
}

static void
test_signing_waits(void)
{
  g_autoptr(WtWitnessCase) c = make_case();
  g_autofree char *both = wt_witness_liveness_missing(c);
  g_assert_cmpstr(both, ==, "the principal's liveness is none; the agent's liveness is none");
  g_free(c->party[WT_WITNESS_PRINCIPAL].liveness);
  c->party[WT_WITNESS_PRINCIPAL].liveness = g_strdup("passed");
  g_free(c->party[WT_WITNESS_AGENT].liveness);
  c->party[WT_WITNESS_AGENT].liveness = g_strdup("failed");
  g_autofree char *agent = wt_witness_liveness_missing(c);
  g_assert_cmpstr(agent, ==, "the agent's liveness is failed");
  g_free(c->party[WT_WITNESS_AGENT].liveness);
  c->party[WT_WITNESS_AGENT].liveness = g_strdup("passed");
  g_assert_null(wt_witness_liveness_missing(c));

  g_assert_false(wt_witness_both_signed(c));
  c->party[WT_WITNESS_AGENT].signed_sha256 = g_strdup("ab");
  g_assert_false(wt_witness_both_signed(c));
  c->party[WT_WITNESS_PRINCIPAL].signed_sha256 = g_strdup("ab");
  g_assert_true(wt_witness_both_signed(c));
}

static void
test_party_of(void)
{
  g_autoptr(WtWitnessCase) c = make_case();
  WtWitnessParty p = 99;
  g_assert_true(wt_witness_case_party_of(c, "principal-sub", &p));
  g_assert_cmpint(p, ==, WT_WITNESS_PRINCIPAL);
  /* The agent is nobody until they accept. */
  g_assert_false(wt_witness_case_party_of(c, "agent-sub", &p));
  g_assert_false(wt_witness_case_party_of(c, NULL, &p));
  c->party[WT_WITNESS_AGENT].sub = g_strdup("agent-sub");
  g_assert_true(wt_witness_case_party_of(c, "agent-sub", &p));
  g_assert_cmpint(p, ==, WT_WITNESS_AGENT);
}

static void
test_view(void)
{
  g_autoptr(WtWitnessCase) c = make_case();
  c->state = WT_WITNESS_CONSENT;
  c->party[WT_WITNESS_AGENT].sub = g_strdup("agent-sub");
  c->party[WT_WITNESS_AGENT].consent = WT_WITNESS_CONSENT_STARTED;
  c->party[WT_WITNESS_PRINCIPAL].signed_sha256 = g_strdup("ab");
  g_autoptr(JsonObject) o = wt_witness_case_to_json(c);
  g_assert_cmpstr(json_object_get_string_member(o, "case"), ==, "WT-20261204-0001");
  g_assert_cmpstr(json_object_get_string_member(o, "state"), ==, "consent");
  g_assert_cmpstr(json_object_get_string_member(o, "business"), ==, "transfer");
  g_assert_true(json_object_get_null_member(o, "room"));
  JsonArray *parties = json_object_get_array_member(o, "parties");
  g_assert_cmpuint(json_array_get_length(parties), ==, 2);
  JsonObject *pr = json_array_get_object_element(parties, 0);
  JsonObject *ag = json_array_get_object_element(parties, 1);
  g_assert_cmpstr(json_object_get_string_member(pr, "role"), ==, "principal");
  g_assert_true(json_object_get_boolean_member(pr, "signed"));
  g_assert_cmpstr(json_object_get_string_member(ag, "consent"), ==, "started");
  g_assert_false(json_object_get_boolean_member(ag, "signed"));
  g_assert_true(json_object_get_boolean_member(ag, "accepted"));
  JsonObject *property = json_object_get_object_member(o, "property");
  g_assert_cmpstr(json_object_get_string_member(property, "address"), ==, "北京市朝阳区某路1号");
  /* Nobody's sub is in what parties and staff are sent. */
  g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), o);
  g_autofree char *text = json_to_string(node, FALSE);
  g_assert_null(strstr(text, "principal-sub"));
  g_assert_null(strstr(text, "agent-sub"));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/witness/case/names", test_names);
  g_test_add_func("/witness/case/transitions", test_transitions);
  g_test_add_func("/witness/case/consent-order", test_consent_order);
  g_test_add_func("/witness/case/signing-waits", test_signing_waits);
  g_test_add_func("/witness/case/party-of", test_party_of);
  g_test_add_func("/witness/case/view", test_view);
  return g_test_run();
}
