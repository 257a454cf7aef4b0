/* test_witness_restart.c — witnessed-entrustment cases (server/modules/
 * witness) live in the database: after witnessd is killed (SIGKILL, as in a
 * crash) and started again on the same data, every case keeps its number,
 * state, parties and lockout; the day's case numbers go on counting; staff
 * open an opened case again and get the same room, and the agent may enter
 * it. A cancel sent with a decision does not overtake it. Also: bad
 * [module.witness] settings refuse the module, naming the key.
 * Runs witnessd on 127.0.0.1 (scripts/test gives it a network namespace). */
#define _GNU_SOURCE /* memmem */
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "module_request.h"

#define CONFIG                                                                                     \
  "[modules]\nload=witness\n[module.witness]\nmax_guesses=2\nlockout_minutes=30\n"                 \
  "[liveness]\nenabled=false\n"

#define PRINCIPAL_ID "11010519491231002X"
#define AGENT_ID "440304199001011233"
#define FORM                                                                                       \
  "\"business\":\"transfer\",\"principal_name\":\"张三\",\"principal_id_number\":\"" PRINCIPAL_ID  \
  "\",\"property_certificate\":\"C-1\",\"property_address\":\"A road "                             \
  "1\",\"matters\":\"transfer\","                                                                  \
  "\"term\":\"one year\",\"agent_name\":\"李四\",\"agent_id_number\":\"" AGENT_ID "\""

/* A witness request's reply (transfer full). */
static JsonObject *
witness(WtItWs *ws, gint64 id, const char *action, const char *fields)
{
  return wt_it_module_request(ws, id, "witness", action, fields);
}

static WtItWs *
as(WtItDaemon *d, const char *role, const char *sub)
{
  g_autofree char *token = wt_it_mint(d, role, sub, NULL);
  return wt_it_ws_hello(d, token, NULL);
}

/* The case number in a {case: {case: …}} reply (transfer full). */
static char *
number_of(JsonObject *reply, gint64 id)
{
  JsonObject *c = json_object_get_object_member(wt_it_assert_result(reply, id), "case");
  return g_strdup(wt_it_get_string(c, "case"));
}

static const char *
state_of(JsonObject *reply, gint64 id)
{
  JsonObject *c = json_object_get_object_member(wt_it_assert_result(reply, id), "case");
  return wt_it_get_string(c, "state");
}

static void
test_cases_survive_restart(void)
{
  g_autoptr(WtItDaemon) d = wt_it_daemon_start(CONFIG);
  g_autoptr(WtItWs) pam = as(d, "applicant", "pam");
  g_autoptr(WtItWs) al = as(d, "applicant", "al");
  g_autoptr(WtItWs) sam = as(d, "staff", "sam");

  g_autoptr(JsonObject) f1 = witness(pam, 1, "file", FORM);
  g_autoptr(JsonObject) f2 = witness(pam, 2, "file", FORM);
  g_autofree char *locked = number_of(f1, 1);
  g_autofree char *opened = number_of(f2, 2);
  g_assert_cmpint(atoi(opened + 12), ==, atoi(locked + 12) + 1);

  /* Two wrong ID numbers lock the first case (max_guesses = 2). */
  g_autofree char *wrong = g_strdup_printf("\"case\":\"%s\",\"id_number\":\"E12345678\"", locked);
  g_autofree char *right =
      g_strdup_printf("\"case\":\"%s\",\"id_number\":\"" AGENT_ID "\"", locked);
  g_autoptr(JsonObject) w1 = witness(al, 3, "accept", wrong);
  wt_it_assert_error(w1, 3, "not-found");
  g_autoptr(JsonObject) w2 = witness(al, 4, "accept", wrong);
  wt_it_assert_error(w2, 4, "not-found");
  g_autoptr(JsonObject) w3 = witness(al, 5, "accept", right);
  wt_it_assert_error(w3, 5, "rate-limited");

  /* The second: accepted (full-width digits and a small x are the same number), then opened. */
  g_autofree char *accept = g_strdup_printf(
      "\"case\":\"%s\",\"id_number\":\" ４４０３０４１９９００１０１１２３３ \"", opened);
  g_autoptr(JsonObject) a = witness(al, 6, "accept", accept);
  g_assert_cmpstr(state_of(a, 6), ==, "agent-joined");
  g_autofree char *which = g_strdup_printf("\"case\":\"%s\"", opened);
  g_autoptr(JsonObject) o = witness(sam, 7, "open", which);
  g_assert_cmpstr(state_of(o, 7), ==, "in-session");
  g_autofree char *room = g_strdup(wt_it_get_string(wt_it_assert_result(o, 7), "room"));
  g_assert_true(g_str_has_prefix(room, "witness-"));

  g_assert_cmpint(wt_it_daemon_stop_signal(d, SIGKILL, NULL), ==, 128 + SIGKILL);
  wt_it_ws_free(g_steal_pointer(&pam));
  wt_it_ws_free(g_steal_pointer(&al));
  wt_it_ws_free(g_steal_pointer(&sam));

  g_autoptr(WtItDaemon) d2 = wt_it_daemon_restart(d, CONFIG);

  g_autoptr(WtItWs) pam2 = as(d2, "applicant", "pam");
  g_autoptr(WtItWs) al2 = as(d2, "applicant", "al");
  g_autoptr(WtItWs) sam2 = as(d2, "staff", "sam");
  /* The principal still has both, newest first. */
  g_autoptr(JsonObject) l = witness(pam2, 1, "list", NULL);
  JsonArray *cases = json_object_get_array_member(wt_it_assert_result(l, 1), "cases");
  g_assert_cmpuint(json_array_get_length(cases), ==, 2);
  JsonObject *c0 = json_array_get_object_element(cases, 0);
  JsonObject *c1 = json_array_get_object_element(cases, 1);
  g_assert_cmpstr(wt_it_get_string(c0, "case"), ==, opened);
  g_assert_cmpstr(wt_it_get_string(c0, "state"), ==, "in-session");
  g_assert_cmpstr(wt_it_get_string(c0, "room"), ==, room);
  g_assert_cmpstr(wt_it_get_string(c0, "you"), ==, "principal");
  g_assert_cmpstr(wt_it_get_string(c1, "case"), ==, locked);
  g_assert_cmpstr(wt_it_get_string(c1, "state"), ==, "created");
  JsonObject *agent = json_array_get_object_element(json_object_get_array_member(c0, "parties"), 1);
  g_assert_cmpstr(wt_it_get_string(agent, "id_masked"), ==, "440***********1233");
  g_assert_true(json_object_get_boolean_member(agent, "accepted"));

  /* The lockout outlived the crash. */
  g_autoptr(JsonObject) w4 = witness(al2, 2, "accept", right);
  wt_it_assert_error(w4, 2, "rate-limited");

  /* Numbers go on counting. */
  g_autoptr(JsonObject) f3 = witness(pam2, 3, "file", FORM);
  g_autofree char *third = number_of(f3, 3);
  g_assert_cmpint(atoi(third + 12), ==, atoi(opened + 12) + 1);

  /* The room did not survive, its case did: open again gives the same room, the agent enters. */
  g_autoptr(JsonObject) o2 = witness(sam2, 4, "open", which);
  g_assert_cmpstr(wt_it_get_string(wt_it_assert_result(o2, 4), "room"), ==, room);
  g_autoptr(JsonObject) e = witness(al2, 5, "enter", which);
  g_assert_cmpstr(wt_it_get_string(wt_it_assert_result(e, 5), "room"), ==, room);
  /* Someone who is not a party learns nothing of it. */
  g_autoptr(WtItWs) eve = as(d2, "applicant", "eve");
  g_autoptr(JsonObject) e2 = witness(eve, 1, "enter", which);
  wt_it_assert_error(e2, 1, "not-found");

  /* Nothing in plain in the database (nor its write-ahead log); the masked number is there. */
  gboolean masked = FALSE;
  for (guint i = 0; i < 2; i++) {
    g_autofree char *db_path =
        g_build_filename(wt_it_daemon_data_dir(d2), i ? "witness.db-wal" : "witness.db", NULL);
    g_autofree char *db = NULL;
    gsize db_len = 0;
    if (!g_file_get_contents(db_path, &db, &db_len, NULL))
      continue;
    g_assert_null(memmem(db, db_len, AGENT_ID, strlen(AGENT_ID)));
    g_assert_null(memmem(db, db_len, PRINCIPAL_ID, strlen(PRINCIPAL_ID)));
    masked = masked || memmem(db, db_len, "440***********1233", 18);
  }
  g_assert_true(masked);
  wt_it_daemon_stop_clean(d2);
}

/* The reply to request @id among what @ws receives next (transfer full), events skipped;
 * replies to other ids are kept in @others (id -> reply). */
static JsonObject *
reply_to(WtItWs *ws, gint64 id, GHashTable *others)
{
  JsonObject *kept = g_hash_table_lookup(others, &id);
  if (kept)
    return json_object_ref(kept);
  for (;;) {
    JsonObject *o = wt_it_ws_recv(ws);
    const char *type = wt_it_get_string(o, "type");
    if (g_strcmp0(type, "result") == 0 || g_strcmp0(type, "error") == 0) {
      gint64 got = json_object_get_int_member(o, "id");
      if (got == id)
        return o;
      g_hash_table_insert(others, g_memdup2(&got, sizeof got), o);
    } else {
      json_object_unref(o);
    }
  }
}

/* Staff reject a case and cancel it at once: the cancel does not overtake the
 * decision on its way into the chain (before, the chain could say rejected
 * while the case said cancelled, and the rejection was answered with an error). */
static void
test_cancel_waits_for_decision(void)
{
  g_autoptr(WtItDaemon) d = wt_it_daemon_start(CONFIG);
  g_autoptr(WtItWs) pam = as(d, "applicant", "pam");
  g_autoptr(WtItWs) al = as(d, "applicant", "al");
  g_autoptr(WtItWs) sam = as(d, "staff", "sam");
  g_autoptr(JsonObject) f = witness(pam, 1, "file", FORM);
  g_autofree char *number = number_of(f, 1);
  g_autofree char *accept =
      g_strdup_printf("\"case\":\"%s\",\"id_number\":\"" AGENT_ID "\"", number);
  g_autoptr(JsonObject) a = witness(al, 2, "accept", accept);
  g_assert_cmpstr(state_of(a, 2), ==, "agent-joined");
  g_autofree char *which = g_strdup_printf("\"case\":\"%s\"", number);
  g_autoptr(JsonObject) o = witness(sam, 3, "open", which);
  g_assert_cmpstr(state_of(o, 3), ==, "in-session");

  /* Both sent before either is answered. */
  g_autofree char *reject =
      g_strdup_printf("{\"type\":\"request\",\"id\":4,\"module\":\"witness\",\"action\":\"decide\","
                      "\"case\":\"%s\",\"decision\":\"reject\",\"reason\":\"papers missing\"}",
                      number);
  g_autofree char *cancel =
      g_strdup_printf("{\"type\":\"request\",\"id\":5,\"module\":\"witness\",\"action\":\"cancel\","
                      "\"case\":\"%s\",\"reason\":\"withdrawn\"}",
                      number);
  g_assert_true(wt_it_ws_send(sam, reject));
  g_assert_true(wt_it_ws_send(sam, cancel));
  g_autoptr(GHashTable) others =
      g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, (GDestroyNotify)json_object_unref);
  g_autoptr(JsonObject) rejected = reply_to(sam, 4, others);
  g_autoptr(JsonObject) refused = reply_to(sam, 5, others);
  g_assert_cmpstr(state_of(rejected, 4), ==, "rejected");
  wt_it_assert_error(refused, 5, "bad-state");
  g_autoptr(JsonObject) got = witness(sam, 6, "get", which);
  g_assert_cmpstr(state_of(got, 6), ==, "rejected");
  wt_it_daemon_stop_clean(d);
}

static void
test_bad_settings_refused(void)
{
  const char *cases[][2] = {
      {"[modules]\nload=witness\n[module.witness]\nmax_guesses=0\n",
       "[module.witness] max_guesses = \"0\": a whole number from 1 to 100"},
      {"[modules]\nload=witness\n[module.witness]\nlockout_minutes=soon\n",
       "[module.witness] lockout_minutes = \"soon\""},
      {"[modules]\nload=witness\n[module.witness]\nutc_offset_minutes=900\n",
       "[module.witness] utc_offset_minutes = \"900\": a whole number from -720 to 840"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(WtItDaemon) d = wt_it_daemon_new(cases[i][0]);
    g_autofree char *log = NULL;
    g_assert_cmpint(wt_it_daemon_expect_failure(d, &log), !=, 0);
    if (!strstr(log, cases[i][1]))
      g_error("expected \"%s\" in:\n%s", cases[i][1], log);
  }
}

int
main(int argc, char **argv)
{
  wt_it_init(&argc, &argv);
  g_test_add_func("/witness/cases-survive-restart", test_cases_survive_restart);
  g_test_add_func("/witness/cancel-waits-for-decision", test_cancel_waits_for_decision);
  g_test_add_func("/witness/bad-settings-refused", test_bad_settings_refused);
  return wt_it_run_tests();
}
