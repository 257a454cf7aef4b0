/* test_appoint.c — the appointments module (server/modules/appoint) through a
 * real witnessd with an adjustable workflow clock: check-in refused at T-16
 * minutes and accepted at T-15, a booked appointment marked missed (and
 * the applicant told) once its check-in has closed, a cancellation freeing
 * its place, and the progress of an appointment after a restart. */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "module_request.h"

#define CONFIG                                                                                     \
  "[modules]\nload=appoint\nadjustable_clock=true\n[module.appoint]\ncapacity=1\n"                 \
  "[liveness]\nenabled=false\n"
#define MIN_MS G_GINT64_CONSTANT(60000)

static JsonObject *
call(WtItWs *ws, gint64 id, const char *module, const char *action, const char *fields)
{
  return wt_it_module_request(ws, id, module, action, fields);
}

/* Waits for an `appointment` event with @state (transfer full). */
static JsonObject *
wait_event(WtItWs *ws, const char *state)
{
  for (int i = 0; i < 50; i++) {
    g_autofree char *text = NULL;
    if (wt_it_ws_next(ws, 10000, &text) != WT_IT_WS_MESSAGE)
      break;
    g_autoptr(JsonParser) p = json_parser_new();
    g_assert_true(json_parser_load_from_data(p, text, -1, NULL));
    JsonObject *m = json_node_get_object(json_parser_get_root(p));
    if (g_strcmp0(wt_it_get_string(m, "event"), "appointment") == 0 &&
        g_strcmp0(wt_it_get_string(m, "state"), state) == 0)
      return json_object_ref(m);
  }
  g_error("no appointment event with state %s", state);
  return NULL;
}

static void
set_clock(WtItWs *admin, gint64 id, gint64 now_ms)
{
  g_autofree char *f = g_strdup_printf("\"now_ms\":%" G_GINT64_FORMAT, now_ms);
  g_autoptr(JsonObject) r = call(admin, id, "clock", "set", f);
  wt_it_assert_result(r, id);
}

static void
test_window_missed_cancel_restart(void)
{
  g_autoptr(WtItDaemon) d = wt_it_daemon_start(CONFIG);
  g_autofree char *at = wt_it_mint(d, "applicant", "amy", NULL);
  g_autofree char *bt = wt_it_mint(d, "applicant", "bob", NULL);
  g_autofree char *adt = wt_it_mint(d, "admin", "ada", NULL);
  g_autoptr(WtItWs) amy = wt_it_ws_hello(d, at, NULL);
  g_autoptr(WtItWs) bob = wt_it_ws_hello(d, bt, NULL);
  g_autoptr(WtItWs) ada = wt_it_ws_hello(d, adt, NULL);

  g_autoptr(JsonObject) sl = call(amy, 2, "appoint", "slots", "\"business\":\"transfer\"");
  JsonArray *slots = json_object_get_array_member(wt_it_assert_result(sl, 2), "slots");
  g_assert_cmpuint(json_array_get_length(slots), >, 2);
  gint64 first = json_object_get_int_member(json_array_get_object_element(slots, 0), "start_ms");
  gint64 second = json_object_get_int_member(json_array_get_object_element(slots, 1), "start_ms");

  /* amy books the first, bob the second; capacity 1: bob cannot take amy's. */
  g_autofree char *f1 =
      g_strdup_printf("\"business\":\"transfer\",\"start_ms\":%" G_GINT64_FORMAT, first);
  g_autofree char *f2 =
      g_strdup_printf("\"business\":\"transfer\",\"start_ms\":%" G_GINT64_FORMAT, second);
  g_autoptr(JsonObject) b1 = call(amy, 3, "appoint", "book", f1);
  gint64 amys = json_object_get_int_member(wt_it_assert_result(b1, 3), "appointment");
  g_autoptr(JsonObject) full = call(bob, 2, "appoint", "book", f1);
  wt_it_assert_error(full, 2, "full");
  g_autoptr(JsonObject) b2 = call(bob, 3, "appoint", "book", f2);
  gint64 bobs = json_object_get_int_member(wt_it_assert_result(b2, 3), "appointment");
  /* The same weekday and time a year on is on the grid but beyond days_ahead: refused. */
  gint64 last = json_object_get_int_member(
      json_array_get_object_element(slots, json_array_get_length(slots) - 1), "start_ms");
  g_autofree char *far = g_strdup_printf("\"business\":\"transfer\",\"start_ms\":%" G_GINT64_FORMAT,
                                         last + 52 * 7 * 24 * 60 * MIN_MS);
  g_autoptr(JsonObject) too_far = call(bob, 20, "appoint", "book", far);
  wt_it_assert_error(too_far, 20, "too-early");
  g_assert_nonnull(strstr(wt_it_get_string(too_far, "reason"), "days ahead"));

  /* T-16 min: too early, the reason says when it opens. (The workflow clock
   * keeps running after it is set, so the exact millisecond is the unit
   * test's: tests/unit/test_appoint_slots.c.) */
  g_autofree char *amy_n = g_strdup_printf("\"appointment\":%" G_GINT64_FORMAT, amys);
  set_clock(ada, 2, first - 16 * MIN_MS);
  g_autoptr(JsonObject) early = call(amy, 4, "appoint", "checkin", amy_n);
  wt_it_assert_error(early, 4, "too-early");
  g_assert_nonnull(strstr(wt_it_get_string(early, "reason"), "check-in opens at 20"));
  set_clock(ada, 3, first - 15 * MIN_MS);
  g_autoptr(JsonObject) ok = call(amy, 5, "appoint", "checkin", amy_n);
  g_assert_cmpstr(wt_it_get_string(wt_it_assert_result(ok, 5), "state"), ==, "checked-in");

  /* bob never checks in: once his check-in has closed he is told it is missed. */
  set_clock(ada, 4, second + 15 * MIN_MS + 1);
  g_autoptr(JsonObject) missed = wait_event(bob, "missed");
  g_assert_cmpint(json_object_get_int_member(missed, "appointment"), ==, bobs);
  /* amy checked in: not missed. Too late to check in now, too late to book a started slot. */
  g_autoptr(JsonObject) list = call(amy, 6, "appoint", "list", NULL);
  JsonArray *mine = json_object_get_array_member(wt_it_assert_result(list, 6), "appointments");
  g_assert_cmpstr(wt_it_get_string(json_array_get_object_element(mine, 0), "state"), ==,
                  "checked-in");
  g_autofree char *bob_n = g_strdup_printf("\"appointment\":%" G_GINT64_FORMAT, bobs);
  g_autoptr(JsonObject) late = call(bob, 4, "appoint", "checkin", bob_n);
  wt_it_assert_error(late, 4, "conflict");
  g_autoptr(JsonObject) started = call(bob, 5, "appoint", "book", f2);
  wt_it_assert_error(started, 5, "too-late");

  /* amy cancels: her slot's place is free again (back before it). */
  set_clock(ada, 5, first - 60 * MIN_MS);
  g_autoptr(JsonObject) cancel = call(amy, 7, "appoint", "cancel", amy_n);
  g_assert_cmpstr(wt_it_get_string(wt_it_assert_result(cancel, 7), "state"), ==, "cancelled");
  g_autoptr(JsonObject) again = call(bob, 6, "appoint", "book", f1);
  gint64 bob_first = json_object_get_int_member(wt_it_assert_result(again, 6), "appointment");
  wt_it_daemon_stop_clean(d);

  /* After a restart bob's appointment is still booked. */
  g_autoptr(WtItDaemon) d2 = wt_it_daemon_restart(d, CONFIG);
  g_autofree char *bt2 = wt_it_mint(d2, "applicant", "bob", NULL);
  g_autoptr(WtItWs) bob2 = wt_it_ws_hello(d2, bt2, NULL);
  g_autoptr(JsonObject) l2 = call(bob2, 2, "appoint", "list", NULL);
  JsonArray *his = json_object_get_array_member(wt_it_assert_result(l2, 2), "appointments");
  g_assert_cmpuint(json_array_get_length(his), ==, 2);
  gboolean found = FALSE;
  for (guint i = 0; i < json_array_get_length(his); i++) {
    JsonObject *a = json_array_get_object_element(his, i);
    if (json_object_get_int_member(a, "appointment") == bob_first) {
      g_assert_cmpstr(wt_it_get_string(a, "state"), ==, "booked");
      found = TRUE;
    }
  }
  g_assert_true(found);
  wt_it_daemon_stop_clean(d2);
}

int
main(int argc, char **argv)
{
  wt_it_init(&argc, &argv);
  g_test_add_func("/appoint/window-missed-cancel-restart", test_window_missed_cancel_restart);
  return wt_it_run_tests();
}
