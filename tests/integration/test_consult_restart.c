/* test_consult_restart.c — the consultation queue (server/modules/consult)
 * survives a restart of witnessd: tickets keep their numbers and order, a
 * call that was under way goes back to the front of the queue (its room did
 * not survive), and after the restart an applicant who does not come back
 * within [module.consult] grace_seconds loses their place while one who did
 * keeps it. The first witnessd is killed (SIGKILL), as in a crash: every
 * change was already committed. Also: a taken applicant who never comes into
 * the room is a no-show after arrive_seconds, and when staff disconnect for
 * staff_grace_seconds their applicant goes back to the front of the queue. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "module_request.h"

#define CONFIG(grace)                                                                              \
  "[modules]\nload=consult\n[module.consult]\ngrace_seconds=" grace                                \
  "\ndefault_handle_seconds=100\n[liveness]\nenabled=false\n"

static JsonObject *
consult(WtItWs *ws, gint64 id, const char *action, const char *fields)
{
  return wt_it_module_request(ws, id, "consult", action, fields);
}

static WtItWs *
applicant(WtItDaemon *d, const char *sub)
{
  g_autofree char *token = wt_it_mint(d, "applicant", sub, NULL);
  return wt_it_ws_hello(d, token, NULL);
}

/* {"ticket", "position", "state"} of @sub's status. */
static void
expect_status(WtItWs *ws, gint64 id, gint64 ticket, gint64 position, const char *state)
{
  g_autoptr(JsonObject) r = consult(ws, id, "status", NULL);
  JsonObject *res = wt_it_assert_result(r, id);
  g_assert_cmpstr(wt_it_get_string(res, "state"), ==, state);
  if (ticket)
    g_assert_cmpint(json_object_get_int_member(res, "ticket"), ==, ticket);
  g_assert_cmpint(json_object_get_int_member_with_default(res, "position", 0), ==, position);
}

static void
test_queue_survives_restart(void)
{
  g_autoptr(WtItDaemon) d = wt_it_daemon_start(CONFIG("60"));
  g_autoptr(WtItWs) a = applicant(d, "amy");
  g_autoptr(WtItWs) b = applicant(d, "bob");
  g_autoptr(WtItWs) c = applicant(d, "cat");
  g_autoptr(WtItWs) e = applicant(d, "eve");
  g_autofree char *staff_token = wt_it_mint(d, "staff", "sam", NULL);
  g_autoptr(WtItWs) sam = wt_it_ws_hello(d, staff_token, NULL);

  gint64 tickets[4];
  WtItWs *all[] = {a, b, c, e};
  for (int i = 0; i < 4; i++) {
    g_autoptr(JsonObject) r = consult(all[i], 2, "join", "\"topic\":\"transfer\"");
    JsonObject *res = wt_it_assert_result(r, 2);
    g_assert_cmpint(json_object_get_int_member(res, "position"), ==, i + 1);
    tickets[i] = json_object_get_int_member(res, "ticket");
  }
  /* bob leaves; staff take amy (a call under way at the crash). */
  g_autoptr(JsonObject) left = consult(b, 3, "leave", NULL);
  wt_it_assert_result(left, 3);
  g_autoptr(JsonObject) taken = consult(sam, 2, "take", NULL);
  JsonObject *take = wt_it_assert_result(taken, 2);
  g_assert_cmpint(json_object_get_int_member(take, "ticket"), ==, tickets[0]);
  g_assert_nonnull(strstr(wt_it_get_string(take, "room"), "consult-"));
  expect_status(c, 4, tickets[2], 1, "waiting");
  expect_status(e, 4, tickets[3], 2, "waiting");

  /* A crash: nothing gets a chance to be written on the way out. */
  g_assert_cmpint(wt_it_daemon_stop_signal(d, SIGKILL, NULL), ==, 128 + SIGKILL);
  wt_it_ws_free(g_steal_pointer(&a));
  wt_it_ws_free(g_steal_pointer(&b));
  wt_it_ws_free(g_steal_pointer(&c));
  wt_it_ws_free(g_steal_pointer(&e));
  wt_it_ws_free(g_steal_pointer(&sam));

  /* Same data, a short grace period this time. */
  g_autoptr(WtItDaemon) d2 = wt_it_daemon_restart(d, CONFIG("8"));

  /* cat and eve come back at once: amy's call went back to the front. */
  g_autoptr(WtItWs) c2 = applicant(d2, "cat");
  g_autoptr(WtItWs) e2 = applicant(d2, "eve");
  expect_status(c2, 2, tickets[2], 2, "waiting");
  expect_status(e2, 2, tickets[3], 3, "waiting");
  g_autofree char *staff2 = wt_it_mint(d2, "staff", "sam", NULL);
  g_autoptr(WtItWs) sam2 = wt_it_ws_hello(d2, staff2, NULL);
  g_autoptr(JsonObject) listed = consult(sam2, 2, "list", NULL);
  JsonArray *queue = json_object_get_array_member(wt_it_assert_result(listed, 2), "queue");
  g_assert_cmpuint(json_array_get_length(queue), ==, 3);
  const char *order[] = {"amy", "cat", "eve"};
  for (guint i = 0; i < 3; i++) {
    JsonObject *t = json_array_get_object_element(queue, i);
    g_assert_cmpstr(wt_it_get_string(t, "sub"), ==, order[i]);
    g_assert_cmpstr(wt_it_get_string(t, "state"), ==, "waiting");
    /* amy has not come back: away, place kept for now. */
    g_assert_cmpint(json_object_get_boolean_member(t, "away"), ==, i == 0);
  }
  /* Taking "the next" skips amy while she is away. */
  g_autoptr(JsonObject) next = consult(sam2, 3, "take", NULL);
  g_assert_cmpint(json_object_get_int_member(wt_it_assert_result(next, 3), "ticket"), ==,
                  tickets[2]);

  /* amy stays away beyond the grace period: dropped; eve moves up to 1. */
  wt_it_pump(9000); /* beyond the 8 s grace counted from the start */
  expect_status(e2, 3, tickets[3], 1, "waiting");
  g_autoptr(WtItWs) a2 = applicant(d2, "amy");
  expect_status(a2, 2, 0, 0, "none");
  g_autofree char *log = wt_it_daemon_log(d2);
  g_assert_nonnull(strstr(log, "did not come back in time"));
  wt_it_daemon_stop_clean(d2);
}

/* Taken, never arrives: no-show, and the ticket is gone. Staff gone: back to the front. */
static void
test_no_show_and_staff_gone(void)
{
  g_autoptr(WtItDaemon) d = wt_it_daemon_start(
      "[modules]\nload=consult\n[module.consult]\narrive_seconds=5\nstaff_grace_seconds=1\n"
      "[liveness]\nenabled=false\n");
  g_autoptr(WtItWs) a = applicant(d, "amy");
  g_autoptr(WtItWs) b = applicant(d, "bob");
  g_autofree char *staff_token = wt_it_mint(d, "staff", "sam", NULL);
  g_autoptr(WtItWs) sam = wt_it_ws_hello(d, staff_token, NULL);
  g_autoptr(JsonObject) j1 = consult(a, 2, "join", "\"topic\":\"x\"");
  gint64 amy = json_object_get_int_member(wt_it_assert_result(j1, 2), "ticket");
  g_autoptr(JsonObject) j2 = consult(b, 2, "join", "\"topic\":\"y\"");
  gint64 bob = json_object_get_int_member(wt_it_assert_result(j2, 2), "ticket");

  /* Staff take bob by number, then disconnect: after staff_grace_seconds he
   * is back in the queue, in his old place behind amy. */
  g_autofree char *take_bob = g_strdup_printf("\"ticket\":%" G_GINT64_FORMAT, bob);
  g_autoptr(JsonObject) t1 = consult(sam, 2, "take", take_bob);
  g_assert_cmpstr(wt_it_get_string(wt_it_assert_result(t1, 2), "state"), ==, "called");
  expect_status(b, 3, bob, 0, "called");
  wt_it_ws_free(g_steal_pointer(&sam));
  wt_it_pump(2500);
  expect_status(b, 4, bob, 2, "waiting");

  /* Another staff member takes amy; she never comes into the room. */
  g_autofree char *staff2 = wt_it_mint(d, "staff", "sue", NULL);
  g_autoptr(WtItWs) sue = wt_it_ws_hello(d, staff2, NULL);
  g_autoptr(JsonObject) t2 = consult(sue, 2, "take", NULL);
  g_assert_cmpint(json_object_get_int_member(wt_it_assert_result(t2, 2), "ticket"), ==, amy);
  expect_status(a, 3, amy, 0, "called");
  wt_it_pump(6000);
  expect_status(a, 4, 0, 0, "none");
  expect_status(b, 5, bob, 1, "waiting");
  g_autofree char *log = wt_it_daemon_log(d);
  g_assert_nonnull(strstr(log, "did not come into the room"));
  g_assert_nonnull(strstr(log, "back in the queue (the staff member disconnected)"));
  wt_it_daemon_stop_clean(d);
}

/* A bad setting refuses the module, naming the key; named in load, witnessd does not start. */
static void
test_bad_settings_refused(void)
{
  struct {
    const char *config, *expect;
  } cases[] = {
      {"[modules]\nload=consult\n[module.consult]\ngrace_seconds=soon\n",
       "[module.consult] grace_seconds must be a whole number from 0 to 86400, not \"soon\""},
      {"[modules]\nload=appoint\n[module.appoint]\nopen=9am\n",
       "[module.appoint] open must be a time HH:MM, not \"9am\""},
      {"[modules]\nload=appoint\n[module.appoint]\ncapacity_transfer=-2\n",
       "[module.appoint] capacity_transfer must be a whole number from 0 to 1000"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(WtItDaemon) d = wt_it_daemon_new(cases[i].config);
    g_autofree char *log = NULL;
    g_assert_cmpint(wt_it_daemon_expect_failure(d, &log), !=, 0);
    if (!strstr(log, cases[i].expect))
      g_error("expected \"%s\" in:\n%s", cases[i].expect, log);
  }
}

int
main(int argc, char **argv)
{
  wt_it_init(&argc, &argv);
  g_test_add_func("/consult/queue-survives-restart", test_queue_survives_restart);
  g_test_add_func("/consult/no-show-and-staff-gone", test_no_show_and_staff_gone);
  g_test_add_func("/modules/bad-settings-refused", test_bad_settings_refused);
  return wt_it_run_tests();
}
