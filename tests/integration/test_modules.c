/* test_modules.c — the module host through a real witnessd: the test module
 * (tests/modules/hello.c) is loaded, reached by requests, sees events, keeps a
 * table, notifies people, hashes ID numbers and is destroyed on shutdown;
 * modules built for another ABI or with a short table are refused. */
#include <stdio.h>
#include <string.h>

#include "harness.h"

/* A configuration loading tests/modules; @marker (may be NULL) is where hello
 * writes "created" and "destroyed". */
static char *
modules_config(const char *marker, const char *extra)
{
  g_autofree char *marker_line = marker ? g_strdup_printf("marker=%s\n", marker) : g_strdup("");
  return g_strdup_printf("[modules]\ndir=%s\n%s\n[module.hello]\n%sgreeting=ni hao\n",
                         g_getenv("WT_TEST_MODULES"), extra ? extra : "", marker_line);
}

/* witnessd with the test modules and @extra in [modules] (may be NULL). */
static WtItDaemon *
start_with_modules(const char *extra)
{
  g_autofree char *config = modules_config(NULL, extra);
  return wt_it_daemon_start(config);
}

static char *
read_marker(const char *path)
{
  char *text = NULL;
  g_file_get_contents(path, &text, NULL, NULL);
  return text;
}

static JsonObject *
request(WtItWs *ws, gint64 id, const char *fields)
{
  g_autofree char *text =
      g_strdup_printf("{\"type\":\"request\",\"id\":%" G_GINT64_FORMAT ",%s}", id, fields);
  return wt_it_ws_request(ws, text);
}

/* Loaded and unloaded: created on start, destroyed on a clean stop; the
 * refused modules are named in the log with why. */
static void
test_load_and_unload(void)
{
  g_autofree char *tmp = wt_it_make_temp_dir();
  g_autofree char *marker = g_build_filename(tmp, "marker", NULL);
  g_autofree char *config = modules_config(marker, NULL);
  g_autoptr(WtItDaemon) d = wt_it_daemon_start(config);
  g_autofree char *created = read_marker(marker);
  g_assert_cmpstr(created, ==, "created");
  g_autofree char *log = wt_it_daemon_log(d);
  g_assert_nonnull(strstr(log, "module hello: loaded"));
  g_assert_nonnull(strstr(log, "wrong_abi.so refused: built for module ABI version 99"));
  g_assert_nonnull(strstr(log, "short_table.so refused: its table is incomplete"));

  g_autofree char *token = wt_it_mint(d, "applicant", "amy", NULL);
  g_autoptr(WtItWs) ws = wt_it_ws_hello(d, token, NULL);
  g_autoptr(JsonObject) r1 = request(ws, 2, "\"module\":\"hello\",\"action\":\"greet\"");
  JsonObject *res = wt_it_assert_result(r1, 2);
  g_assert_cmpstr(wt_it_get_string(res, "hello"), ==, "amy");
  g_assert_cmpstr(wt_it_get_string(res, "greeting"), ==, "ni hao");
  g_assert_cmpint(json_object_get_int_member(res, "greetings"), ==, 1);
  g_autoptr(JsonObject) r2 = request(ws, 3, "\"module\":\"hello\",\"action\":\"greet\"");
  g_assert_cmpint(json_object_get_int_member(wt_it_assert_result(r2, 3), "greetings"), ==, 2);

  wt_it_daemon_stop_clean(d);
  g_autofree char *destroyed = read_marker(marker);
  g_assert_cmpstr(destroyed, ==, "destroyed");

  /* The module's table outlives the process. */
  g_autofree char *config2 = g_strdup_printf("%s", config);
  g_autoptr(WtItDaemon) d2 = wt_it_daemon_restart(d, config2);
  g_autofree char *token2 = wt_it_mint(d2, "applicant", "amy", NULL);
  g_autoptr(WtItWs) ws2 = wt_it_ws_hello(d2, token2, NULL);
  g_autoptr(JsonObject) r3 = request(ws2, 4, "\"module\":\"hello\",\"action\":\"greet\"");
  g_assert_cmpint(json_object_get_int_member(wt_it_assert_result(r3, 4), "greetings"), ==, 3);
  wt_it_daemon_stop_clean(d2);
  wt_it_rm_rf(tmp);
}

/* A module someone asked for by name that cannot be served stops the start. */
static void
test_wrong_abi_named_is_fatal(void)
{
  g_autofree char *tmp = wt_it_make_temp_dir();
  g_autofree char *marker = g_build_filename(tmp, "marker", NULL);
  g_autofree char *config = modules_config(marker, "load=hello,wrong_abi");
  g_autoptr(WtItDaemon) d = wt_it_daemon_new(config);
  g_autofree char *log = NULL;
  int code = wt_it_daemon_expect_failure(d, &log);
  g_assert_cmpint(code, !=, 0);
  g_assert_nonnull(strstr(log, "wrong_abi.so: built for module ABI version 99"));
  /* hello was loaded first and is destroyed again, not leaked. */
  g_autofree char *state = read_marker(marker);
  g_assert_cmpstr(state, ==, "destroyed");
  wt_it_rm_rf(tmp);
}

/* Requests reach the module named; bad ones are refused by the host. */
static void
test_requests_and_events(void)
{
  g_autoptr(WtItDaemon) d = start_with_modules(NULL);
  g_autofree char *amy_token = wt_it_mint(d, "applicant", "amy", NULL);
  g_autofree char *sam_token = wt_it_mint(d, "staff", "sam", NULL);
  g_autoptr(WtItWs) amy = wt_it_ws_hello(d, amy_token, NULL);
  g_autoptr(WtItWs) sam = wt_it_ws_hello(d, sam_token, NULL);

  g_autoptr(JsonObject) e1 = request(amy, 2, "\"module\":\"nope\",\"action\":\"x\"");
  wt_it_assert_error(e1, 2, "not-found");
  g_autoptr(JsonObject) e2 = request(amy, 3, "\"module\":\"hello\"");
  wt_it_assert_error(e2, 3, "bad-message");
  g_autoptr(JsonObject) e3 = request(amy, 4, "\"action\":\"greet\"");
  wt_it_assert_error(e3, 4, "bad-message");
  g_autoptr(JsonObject) e4 = request(amy, 5, "\"module\":7,\"action\":\"greet\"");
  wt_it_assert_error(e4, 5, "bad-message");
  g_autoptr(JsonObject) e5 = request(amy, 6,
                                     "\"module\":\"hello\",\"action\":\"status\","
                                     "\"room\":\"x\"");
  wt_it_assert_error(e5, 6, "forbidden");

  /* notify reaches every connection of a sub, with the module's name. */
  g_autoptr(JsonObject) n = request(sam, 7,
                                    "\"module\":\"hello\",\"action\":\"notify\","
                                    "\"to\":\"amy\"");
  JsonObject *nr = wt_it_assert_result(n, 7);
  g_assert_cmpint(json_object_get_int_member(nr, "connections"), ==, 1);
  g_assert_true(json_object_get_boolean_member(nr, "connected"));
  g_autoptr(JsonObject) ev = wt_it_ws_recv(amy);
  g_assert_cmpstr(wt_it_get_string(ev, "type"), ==, "event");
  g_assert_cmpstr(wt_it_get_string(ev, "event"), ==, "greeting");
  g_assert_cmpstr(wt_it_get_string(ev, "module"), ==, "hello");
  g_assert_cmpstr(wt_it_get_string(ev, "from"), ==, "sam");
  g_autoptr(JsonObject) n2 = request(sam, 8,
                                     "\"module\":\"hello\",\"action\":\"notify\","
                                     "\"to\":\"nobody\"");
  g_assert_cmpint(json_object_get_int_member(wt_it_assert_result(n2, 8), "connections"), ==, 0);

  /* A second connection of amy's (another tab) hears it too; once it closes,
   * the first still does; once both are gone amy is not connected. */
  g_autoptr(WtItWs) amy2 = wt_it_ws_hello(d, amy_token, NULL);
  g_autoptr(JsonObject) n3 = request(sam, 12, "\"module\":\"hello\",\"action\":\"notify\","
                                              "\"to\":\"amy\"");
  g_assert_cmpint(json_object_get_int_member(wt_it_assert_result(n3, 12), "connections"), ==, 2);
  g_autoptr(JsonObject) ev1 = wt_it_ws_recv(amy);
  g_autoptr(JsonObject) ev2 = wt_it_ws_recv(amy2);
  g_assert_cmpstr(wt_it_get_string(ev1, "event"), ==, "greeting");
  g_assert_cmpstr(wt_it_get_string(ev2, "event"), ==, "greeting");
  wt_it_ws_free(g_steal_pointer(&amy2));
  wt_it_pump(300);
  g_autoptr(JsonObject) n4 = request(sam, 13, "\"module\":\"hello\",\"action\":\"notify\","
                                              "\"to\":\"amy\"");
  JsonObject *n4r = wt_it_assert_result(n4, 13);
  g_assert_cmpint(json_object_get_int_member(n4r, "connections"), ==, 1);
  g_assert_true(json_object_get_boolean_member(n4r, "connected"));
  g_autoptr(JsonObject) ev3 = wt_it_ws_recv(amy);
  g_assert_cmpstr(wt_it_get_string(ev3, "event"), ==, "greeting");

  /* Role broadcasts reach only the consoles that use the module: sam has
   * talked to hello, tom (staff too) has not, so tom's first message is the
   * reply to his ping (a plain room client is never sent module events). */
  g_autofree char *tom_token = wt_it_mint(d, "staff", "tom", NULL);
  g_autoptr(WtItWs) tom = wt_it_ws_hello(d, tom_token, NULL);
  g_autoptr(JsonObject) b1 = request(sam, 10, "\"module\":\"hello\",\"action\":\"broadcast\"");
  g_autoptr(JsonObject) b2 = wt_it_ws_recv(sam); /* the event and the reply, in either order */
  JsonObject *reply = g_str_equal(wt_it_get_string(b1, "type"), "result") ? b1 : b2;
  JsonObject *bev = reply == b1 ? b2 : b1;
  g_assert_cmpint(json_object_get_int_member(wt_it_assert_result(reply, 10), "connections"), ==, 1);
  g_assert_cmpstr(wt_it_get_string(bev, "event"), ==, "greeting");
  g_autoptr(JsonObject) pong = wt_it_ws_request(tom, "{\"type\":\"ping\",\"id\":11}");
  wt_it_assert_result(pong, 11);

  /* The module saw every session open, and amy's two close. */
  wt_it_ws_free(g_steal_pointer(&amy));
  wt_it_pump(300);
  g_autoptr(JsonObject) evs = request(sam, 9, "\"module\":\"hello\",\"action\":\"events\"");
  JsonArray *seen = json_object_get_array_member(wt_it_assert_result(evs, 9), "events");
  guint opened = 0, closed_amy = 0;
  for (guint i = 0; i < json_array_get_length(seen); i++) {
    JsonObject *o = json_array_get_object_element(seen, i);
    if (g_str_equal(wt_it_get_string(o, "event"), "session-opened"))
      opened++;
    if (g_str_equal(wt_it_get_string(o, "event"), "session-closed") &&
        g_strcmp0(wt_it_get_string(o, "sub"), "amy") == 0) {
      closed_amy++;
      g_assert_cmpstr(wt_it_get_string(o, "role"), ==, "applicant");
      g_assert_true(g_str_has_prefix(wt_it_get_string(o, "participant"), "p-"));
    }
  }
  g_assert_cmpuint(opened, ==, 4);
  g_assert_cmpuint(closed_amy, ==, 2);
  g_autoptr(JsonObject) n5 = request(sam, 14, "\"module\":\"hello\",\"action\":\"notify\","
                                              "\"to\":\"amy\"");
  JsonObject *n5r = wt_it_assert_result(n5, 14);
  g_assert_cmpint(json_object_get_int_member(n5r, "connections"), ==, 0);
  g_assert_false(json_object_get_boolean_member(n5r, "connected"));
  wt_it_daemon_stop_clean(d);
}

/* ID numbers are normalised (spaces anywhere dropped), then hashed with the server's key;
 * garbage refused. */
static void
test_id_number_hash(void)
{
  g_autoptr(WtItDaemon) d = start_with_modules(NULL);
  g_autofree char *token = wt_it_mint(d, "clerk", "cleo", NULL);
  g_autoptr(WtItWs) ws = wt_it_ws_hello(d, token, NULL);
  static const char *const same[] = {
      "11010519900307123X",
      "  11010519900307123x\\t",
      "\\uff11\\uff11\\uff10\\uff11\\uff10\\uff15\\uff11\\uff19\\uff19\\uff10\\uff10\\uff13"
      "\\uff10\\uff17\\uff11\\uff12\\uff13\\uff58",
      "\\u300011010519900307123X\\u3000",
      "110105 19900307 123x",                /* grouped as people write it */
      "110105\\u300019900307\\u3000123X",
  };
  g_autofree char *first = NULL;
  for (guint i = 0; i < G_N_ELEMENTS(same); i++) {
    g_autofree char *f = g_strdup_printf(
        "\"module\":\"hello\",\"action\":\"id-hash\",\"id_number\":\"%s\"", same[i]);
    g_autoptr(JsonObject) r = request(ws, 10 + i, f);
    const char *hash = wt_it_get_string(wt_it_assert_result(r, 10 + i), "hash");
    g_assert_cmpuint(strlen(hash), ==, 64);
    g_assert_null(strstr(hash, "110105"));
    if (!first)
      first = g_strdup(hash);
    g_assert_cmpstr(hash, ==, first);
  }
  g_autoptr(JsonObject) other = request(ws, 20,
                                        "\"module\":\"hello\",\"action\":\"id-hash\","
                                        "\"id_number\":\"110105199003071234\"");
  g_assert_cmpstr(wt_it_get_string(wt_it_assert_result(other, 20), "hash"), !=, first);
  static const char *const bad[] = {"", "   ", "12", "1 2", "1101-0519", "110105<script>", "x\\u00e9x1"};
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autofree char *f =
        g_strdup_printf("\"module\":\"hello\",\"action\":\"id-hash\",\"id_number\":\"%s\"", bad[i]);
    g_autoptr(JsonObject) r = request(ws, 30 + i, f);
    wt_it_assert_error(r, 30 + i, "bad-message");
  }
  wt_it_daemon_stop_clean(d);
}

/* The workflow clock moves only when configured to, and only for admins. */
static void
test_clock(void)
{
  g_autoptr(WtItDaemon) d = start_with_modules(NULL);
  g_autofree char *admin = wt_it_mint(d, "admin", "ada", NULL);
  g_autoptr(WtItWs) ws = wt_it_ws_hello(d, admin, NULL);
  g_autoptr(JsonObject) r = request(ws, 2,
                                    "\"module\":\"clock\",\"action\":\"set\","
                                    "\"offset_ms\":60000");
  wt_it_assert_error(r, 2, "unavailable");
  /* The centre's zone: the appoint module's default, UTC+8. */
  g_autoptr(JsonObject) z = request(ws, 3, "\"module\":\"clock\",\"action\":\"get\"");
  g_assert_cmpint(json_object_get_int_member(wt_it_assert_result(z, 3), "utc_offset_minutes"), ==,
                  480);
  wt_it_daemon_stop_clean(d);

  /* ... or the zone the appoint module is configured with. */
  g_autoptr(WtItDaemon) d2 =
      start_with_modules("adjustable_clock=true\n[module.appoint]\nutc_offset_minutes=-300\n");
  g_autofree char *admin2 = wt_it_mint(d2, "admin", "ada", NULL);
  g_autofree char *staff2 = wt_it_mint(d2, "staff", "sam", NULL);
  g_autoptr(WtItWs) a = wt_it_ws_hello(d2, admin2, NULL);
  g_autoptr(WtItWs) s = wt_it_ws_hello(d2, staff2, NULL);
  g_autoptr(JsonObject) f = request(s, 3,
                                    "\"module\":\"clock\",\"action\":\"set\","
                                    "\"now_ms\":1800000000000");
  wt_it_assert_error(f, 3, "forbidden");
  g_autoptr(JsonObject) b = request(a, 4,
                                    "\"module\":\"clock\",\"action\":\"set\","
                                    "\"now_ms\":\"soon\"");
  wt_it_assert_error(b, 4, "bad-message");
  g_autoptr(JsonObject) ok = request(a, 5,
                                     "\"module\":\"clock\",\"action\":\"set\","
                                     "\"now_ms\":1800000000000");
  gint64 now = json_object_get_int_member(wt_it_assert_result(ok, 5), "now_ms");
  g_assert_cmpint(now, >=, 1800000000000);
  g_assert_cmpint(now, <, 1800000005000);
  g_assert_cmpint(json_object_get_int_member(wt_it_assert_result(ok, 5), "utc_offset_minutes"), ==,
                  -300);
  /* The module's now_ms follows. */
  g_autoptr(JsonObject) g = request(s, 6, "\"module\":\"hello\",\"action\":\"greet\"");
  gint64 module_now = json_object_get_int_member(wt_it_assert_result(g, 6), "now_ms");
  g_assert_cmpint(module_now, >=, 1800000000000);
  g_assert_cmpint(module_now, <, 1800000010000);
  /* Times modules could not do date arithmetic on (an offset that overflows
   * the clock, before 1970, after 9999) are refused and change nothing. */
  static const char *const out_of_range[] = {
      "\"offset_ms\":9223372036854775807",
      "\"offset_ms\":-9223372036854775808",
      "\"now_ms\":-9223372036854775808",
      "\"now_ms\":9223372036854775807",
      "\"now_ms\":-1",
      "\"now_ms\":253402300800000",
      "\"offset_ms\":253402300799999",
  };
  for (guint i = 0; i < G_N_ELEMENTS(out_of_range); i++) {
    g_autofree char *fields =
        g_strdup_printf("\"module\":\"clock\",\"action\":\"set\",%s", out_of_range[i]);
    g_autoptr(JsonObject) e = request(a, 10 + i, fields);
    wt_it_assert_error(e, 10 + i, "bad-message");
  }
  g_autoptr(JsonObject) g2 = request(s, 30, "\"module\":\"hello\",\"action\":\"greet\"");
  module_now = json_object_get_int_member(wt_it_assert_result(g2, 30), "now_ms");
  g_assert_cmpint(module_now, >=, 1800000000000);
  g_assert_cmpint(module_now, <, 1800000020000);
  wt_it_daemon_stop_clean(d2);
}

int
main(int argc, char **argv)
{
  wt_it_init(&argc, &argv);
  g_test_add_func("/modules/load-and-unload", test_load_and_unload);
  g_test_add_func("/modules/wrong-abi-named-is-fatal", test_wrong_abi_named_is_fatal);
  g_test_add_func("/modules/requests-and-events", test_requests_and_events);
  g_test_add_func("/modules/id-number-hash", test_id_number_hash);
  g_test_add_func("/modules/clock", test_clock);
  return wt_it_run_tests();
}
