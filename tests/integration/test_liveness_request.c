/* test_liveness_request.c — the `liveness` request over /ws against a real
 * witnessd, without media: only staff may ask; a missing or unknown
 * participant, a participant who is not an applicant, and an applicant who
 * publishes no video are each refused with their own code; the join result
 * shows an applicant's liveness state ("none" before any check); and with
 * `[liveness] enabled=false` no state is shown and the request says so.
 * (Checks on real video: test_liveness_tap, and the e2e liveness test.) */
#include <string.h>

#include "harness.h"

/* Sends @text and returns the reply, skipping events that come first. */
static JsonObject *
request(WtItWs *ws, const char *text)
{
  JsonObject *r = wt_it_ws_request(ws, text);
  while (r && g_strcmp0(wt_it_get_string(r, "type"), "event") == 0) {
    json_object_unref(r);
    r = wt_it_ws_recv(ws);
  }
  return r;
}

static JsonObject *
join(WtItWs *ws, gint64 id, const char *room)
{
  g_autofree char *text =
      g_strdup_printf("{\"type\":\"join\",\"id\":%" G_GINT64_FORMAT ",\"room\":\"%s\"}", id, room);
  return request(ws, text);
}

/* The applicant's entry in a join result's participants. */
static JsonObject *
entry_of(JsonObject *result, const char *participant)
{
  JsonArray *others = json_object_get_array_member(result, "participants");
  for (guint i = 0; i < json_array_get_length(others); i++) {
    JsonObject *o = json_array_get_object_element(others, i);
    if (g_strcmp0(wt_it_get_string(o, "participant"), participant) == 0)
      return o;
  }
  return NULL;
}

static void
test_requests_refused_with_reasons(void)
{
  g_autoptr(WtItDaemon) d = wt_it_daemon_start(NULL);
  g_autofree char *at = wt_it_mint(d, "applicant", "ann", "r1");
  g_autofree char *st = wt_it_mint(d, "staff", "sam", NULL);
  g_autoptr(JsonObject) ah = NULL, sh = NULL;
  g_autoptr(WtItWs) a = wt_it_ws_hello(d, at, &ah);
  g_autoptr(WtItWs) s = wt_it_ws_hello(d, st, &sh);
  const char *ann = wt_it_get_string(ah, "participant");
  const char *sam = wt_it_get_string(sh, "participant");
  g_autoptr(JsonObject) aj = join(a, 2, "r1");
  wt_it_assert_result(aj, 2);
  g_autoptr(JsonObject) sj = join(s, 2, "r1");
  JsonObject *result = wt_it_assert_result(sj, 2);
  /* The applicant's entry says no check has run yet; staff's has no liveness. */
  JsonObject *entry = entry_of(result, ann);
  g_assert_nonnull(entry);
  JsonObject *lv = json_object_get_object_member(entry, "liveness");
  g_assert_nonnull(lv);
  g_assert_cmpstr(wt_it_get_string(lv, "state"), ==, "none");

  /* The applicant may not ask. */
  g_autofree char *q1 =
      g_strdup_printf("{\"type\":\"liveness\",\"id\":3,\"participant\":\"%s\"}", ann);
  g_autoptr(JsonObject) r1 = request(a, q1);
  wt_it_assert_error(r1, 3, "forbidden");
  /* Staff: no participant, an unknown one, a staff member, an applicant without video. */
  g_autoptr(JsonObject) r2 = request(s, "{\"type\":\"liveness\",\"id\":4}");
  wt_it_assert_error(r2, 4, "bad-message");
  g_autoptr(JsonObject) r3 =
      request(s, "{\"type\":\"liveness\",\"id\":5,\"participant\":\"p-000000000000\"}");
  wt_it_assert_error(r3, 5, "not-found");
  g_autofree char *q4 =
      g_strdup_printf("{\"type\":\"liveness\",\"id\":6,\"participant\":\"%s\"}", sam);
  g_autoptr(JsonObject) r4 = request(s, q4);
  wt_it_assert_error(r4, 6, "unavailable");
  g_autofree char *q5 =
      g_strdup_printf("{\"type\":\"liveness\",\"id\":7,\"participant\":\"%s\"}", ann);
  g_autoptr(JsonObject) r5 = request(s, q5);
  wt_it_assert_error(r5, 7, "unavailable");
  g_assert_nonnull(strstr(wt_it_get_string(r5, "reason"), "no video"));
  /* Wrong type for participant. */
  g_autoptr(JsonObject) r6 = request(s, "{\"type\":\"liveness\",\"id\":8,\"participant\":42}");
  wt_it_assert_error(r6, 8, "bad-message");
  wt_it_daemon_stop_clean(d);
}

static void
test_switched_off(void)
{
  g_autoptr(WtItDaemon) d = wt_it_daemon_start("[liveness]\nenabled=false\n");
  g_autofree char *at = wt_it_mint(d, "applicant", "ann", "r1");
  g_autofree char *st = wt_it_mint(d, "staff", "sam", NULL);
  g_autoptr(JsonObject) ah = NULL;
  g_autoptr(WtItWs) a = wt_it_ws_hello(d, at, &ah);
  g_autoptr(WtItWs) s = wt_it_ws_hello(d, st, NULL);
  const char *ann = wt_it_get_string(ah, "participant");
  g_autoptr(JsonObject) aj = join(a, 2, "r1");
  wt_it_assert_result(aj, 2);
  g_autoptr(JsonObject) sj = join(s, 2, "r1");
  JsonObject *entry = entry_of(wt_it_assert_result(sj, 2), ann);
  g_assert_nonnull(entry);
  g_assert_false(json_object_has_member(entry, "liveness"));
  g_autofree char *q =
      g_strdup_printf("{\"type\":\"liveness\",\"id\":3,\"participant\":\"%s\"}", ann);
  g_autoptr(JsonObject) r = request(s, q);
  wt_it_assert_error(r, 3, "unavailable");
  g_assert_nonnull(strstr(wt_it_get_string(r, "reason"), "off"));
  wt_it_daemon_stop_clean(d);
}

int
main(int argc, char **argv)
{
  wt_it_init(&argc, &argv);
  g_test_add_func("/liveness-request/refused-with-reasons", test_requests_refused_with_reasons);
  g_test_add_func("/liveness-request/switched-off", test_switched_off);
  return wt_it_run_tests();
}
