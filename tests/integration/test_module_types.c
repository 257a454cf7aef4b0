/* test_module_types.c — a client sending an array, an object or a number
 * where a module expects a string (or an integer) gets `bad-message` or a
 * plain answer, never a GLib critical (which G_DEBUG=fatal-criticals, set for
 * every test, turns into an abort of witnessd). Runs witnessd on 127.0.0.1. */
#include "harness.h"
#include "module_request.h"

#define CONFIG "[liveness]\nenabled=false\n"

static void
expect(WtItWs *ws, gint64 id, const char *module, const char *action, const char *fields,
       const char *code)
{
  g_autoptr(JsonObject) r = wt_it_module_request(ws, id, module, action, fields);
  if (code)
    wt_it_assert_error(r, id, code);
  else
    wt_it_assert_result(r, id);
}

static void
test_wrong_types(void)
{
  g_autoptr(WtItDaemon) d = wt_it_daemon_start(CONFIG);
  g_autofree char *ta = wt_it_mint(d, "applicant", "amy", NULL);
  g_autofree char *ts = wt_it_mint(d, "staff", "sam", NULL);
  g_autofree char *tc = wt_it_mint(d, "clerk", "cal", NULL);
  g_autoptr(WtItWs) amy = wt_it_ws_hello(d, ta, NULL);
  g_autoptr(WtItWs) sam = wt_it_ws_hello(d, ts, NULL);
  g_autoptr(WtItWs) cal = wt_it_ws_hello(d, tc, NULL);
  gint64 id = 10;
  expect(amy, id++, "consult", "join", "\"topic\":[]", "bad-message");
  expect(amy, id++, "consult", "join", "\"topic\":{\"a\":1}", "bad-message");
  expect(amy, id++, "consult", "join", "\"topic\":7", "bad-message");
  expect(sam, id++, "consult", "end", "\"room\":[\"x\"]", "bad-message");
  expect(amy, id++, "appoint", "slots", "\"business\":{}", "bad-message");
  expect(amy, id++, "appoint", "book", "\"business\":[],\"start_ms\":1", "bad-message");
  expect(cal, id++, "archive", "search", "\"id_number\":[],\"case_number\":{}", "bad-message");
  expect(cal, id++, "archive", "search", "\"case_number\":\"WT-1\",\"include_deleted\":[]", NULL);
  expect(cal, id++, "archive", "view", "\"recording\":{}", "bad-message");
  expect(cal, id++, "archive", "hold", "\"recording\":\"r-1\",\"reason\":[]", "bad-message");
  expect(cal, id++, "archive", "audit", "\"recording\":[]", "bad-message");
  expect(cal, id++, "archive", "audit", "\"limit\":{}", "bad-message");
  expect(cal, id++, "archive", "audit", "\"limit\":\"5\"", "bad-message");
  wt_it_assert_healthy(d);
  wt_it_daemon_stop_clean(d);
}

int
main(int argc, char **argv)
{
  wt_it_init(&argc, &argv);
  g_test_add_func("/modules/wrong-types", test_wrong_types);
  return wt_it_run_tests();
}
