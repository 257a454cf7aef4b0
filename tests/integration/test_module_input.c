/* test_module_input.c — bad input to every action of every workflow module
 * (consult, appoint, witness, archive, and the host's clock) as every role:
 * numbers at and beyond the 64-bit edges, fractions, strings where numbers go,
 * path-ish values, NUL and surrogate escapes, control and bidi characters,
 * objects and arrays, a 40 KB string, unknown actions. Every request must be
 * answered (its own id, or a bad-json error for JSON that would not mean what
 * it says), with a code and a reason, never `internal`; witnessd stays
 * healthy, stops cleanly with no sanitizer report, and never logs the plain
 * ID number sent. Runs witnessd on 127.0.0.1 (scripts/test gives it a
 * network namespace). */
#include <string.h>

#include "harness.h"
#include "module_request.h"

#define CONFIG                                                                                     \
  "[modules]\nadjustable_clock=true\n[liveness]\nenabled=false\n"                                  \
  "[limits]\nmessages_per_second=100000\nmessage_burst=100000\n"
#define ID_NUMBER "11010519491231002X"

typedef struct {
  const char *module;
  const char *actions[16];
  const char *fields[20];
} Module;

static const Module modules[] = {
    {"consult",
     {"join", "leave", "status", "list", "take", "end", "bogus", NULL},
     {"topic", "ticket", "room", NULL}},
    {"appoint",
     {"types", "slots", "book", "list", "cancel", "checkin", "connect", "finish", "bogus", NULL},
     {"business", "start_ms", "appointment", NULL}},
    {"witness",
     {"file", "accept", "list", "get", "document", "cancel", "open", "enter", "status", "recheck",
      "consent", "sign", "decide", "bogus", NULL},
     {"case", "party", "mark", "decision", "reason", "document_sha256", "id_number", "all",
      "business", "principal_name", "principal_id_number", "property_certificate",
      "property_address", "matters", "term", "agent_name", "agent_id_number", NULL}},
    {"archive",
     {"search", "view", "play", "export", "hold", "release", "audit", "overview", "sweep",
      "reindex", "bogus", NULL},
     {"recording", "reason", "limit", "from_ms", "to_ms", "id_number", "case_number",
      "include_deleted", NULL}},
    {"clock", {"get", "set", "bogus", NULL}, {"now_ms", "offset_ms", NULL}},
};

/* Asserts @reply answers request @id: a result, or an error with a code and a
 * reason that is not `internal`; JSON that would not mean what it says is
 * refused before it has an id. */
static void
assert_answered(JsonObject *reply, gint64 id, const char *role, const char *what)
{
  const char *type = wt_it_get_string(reply, "type");
  const char *code = wt_it_get_string(reply, "code");
  if (g_strcmp0(type, "error") == 0) {
    const char *reason = wt_it_get_string(reply, "reason");
    if (!code || !reason || !*reason || g_str_equal(code, "internal"))
      g_error("%s %s: error %s without a reason or internal: %s", role, what, code, reason);
    if (g_str_equal(code, "bad-json"))
      return;
  } else if (g_strcmp0(type, "result") != 0) {
    g_error("%s %s: answered %s", role, what, type);
  }
  g_assert_cmpint(json_object_get_int_member(reply, "id"), ==, id);
}

/* One request of @role's @ws: @m's @action with @fields (JSON members). */
static void
ask(WtItWs *ws, gint64 *id, const char *role, const Module *m, const char *action,
    const char *fields)
{
  g_autoptr(JsonObject) reply = wt_it_module_request(ws, ++*id, m->module, action, fields);
  g_autofree char *what = g_strdup_printf("%s.%s {%.120s}", m->module, action, fields);
  assert_answered(reply, *id, role, what);
}

static void
test_bad_input_every_role(void)
{
  g_autoptr(WtItDaemon) d = wt_it_daemon_start(CONFIG);
  wt_it_daemon_forbid_in_log(d, ID_NUMBER);
  g_autoptr(GString) long_text = g_string_new("\"");
  for (int i = 0; i < 20000; i++)
    g_string_append(long_text, "ab");
  g_string_append_c(long_text, '"');
  /* Sent in every member at once; the first ones also in each member alone. */
  const char *values[] = {"-1",
                          "9223372036854775807",
                          "-9223372036854775808",
                          "18446744073709551617",
                          "1e308",
                          "\"../../etc/passwd\"",
                          "\"a\\u0000b\"",
                          "\"\\ud800x\"",
                          "{\"a\":[1]}",
                          "null",
                          "\"" ID_NUMBER "\"",
                          "0",
                          "-1.5",
                          "\"12\"",
                          "\"/\"",
                          "\"%2e%2e%2f\"",
                          "\"..\"",
                          "\"a..b\"",
                          "\"  \"",
                          "\"\\u202e\\u0007\"",
                          "[1,[2]]",
                          "true",
                          "\"WT-20261204-0001\"",
                          "\"WT-99999999-999999999999\"",
                          long_text->str};
  const guint alone = 11;
  const char *roles[] = {"staff", "clerk", "admin", "applicant"};
  gint64 id = 100;
  for (guint r = 0; r < G_N_ELEMENTS(roles); r++) {
    g_autofree char *sub = g_strdup_printf("%s-1", roles[r]);
    g_autofree char *token = wt_it_mint(d, roles[r], sub, NULL);
    g_autoptr(WtItWs) ws = wt_it_ws_hello(d, token, NULL);
    for (guint m = 0; m < G_N_ELEMENTS(modules); m++) {
      const Module *mod = &modules[m];
      for (guint a = 0; mod->actions[a]; a++) {
        ask(ws, &id, roles[r], mod, mod->actions[a], NULL);
        for (guint v = 0; v < G_N_ELEMENTS(values); v++) {
          g_autoptr(GString) all = g_string_new(NULL);
          for (guint f = 0; mod->fields[f]; f++)
            g_string_append_printf(all, "%s\"%s\":%s", f ? "," : "", mod->fields[f], values[v]);
          if (all->len < 60000) /* under the 64 KiB message limit */
            ask(ws, &id, roles[r], mod, mod->actions[a], all->str);
          for (guint f = 0; v < alone && mod->fields[f]; f++) {
            g_autofree char *one = g_strdup_printf("\"%s\":%s", mod->fields[f], values[v]);
            ask(ws, &id, roles[r], mod, mod->actions[a], one);
          }
        }
      }
    }
  }
  g_test_message("%" G_GINT64_FORMAT " requests answered", id - 100);
  wt_it_assert_healthy(d);
  wt_it_daemon_stop_clean(d);
}

int
main(int argc, char **argv)
{
  wt_it_init(&argc, &argv);
  g_test_add_func("/module-input/bad-input-every-role", test_bad_input_every_role);
  return wt_it_run_tests();
}
