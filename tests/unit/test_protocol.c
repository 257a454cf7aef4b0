/* test_protocol.c — request parsing and reply serialisation. */
#include <string.h>

#include "protocol.h"

typedef struct {
  const char *input;
  const char *code;
  gboolean has_id;
} BadCase;

static WtMessage *
parse(const char *text, const char **code, char **reason, JsonNode **id)
{
  return wt_protocol_parse(text, strlen(text), code, reason, id);
}

static void
test_valid(void)
{
  const char *code = NULL;
  g_autofree char *reason = NULL;
  g_autoptr(JsonNode) id = NULL;
  g_autoptr(WtMessage) msg =
      parse("{\"type\":\"hello\",\"id\":7,\"token\":\"x\"}", &code, &reason, &id);
  g_assert_nonnull(msg);
  g_assert_cmpstr(msg->type, ==, "hello");
  g_assert_cmpint(json_node_get_int(msg->id), ==, 7);
  g_autofree char *why = NULL;
  g_assert_cmpstr(wt_message_get_string(msg, "token", 10, &why), ==, "x");
  g_assert_null(wt_message_get_string(msg, "token", 0, &why));
  g_assert_nonnull(strstr(why, "longer"));
  g_clear_pointer(&why, g_free);
  g_assert_null(wt_message_get_string(msg, "missing", 10, &why));
  g_assert_nonnull(strstr(why, "must be a string"));
}

/* Integers at the edges of 64 bits, fractions and exponents of any size, and
 * digits inside strings are all fine. */
static void
test_integer_edges(void)
{
  const char *text = "{\"type\":\"x\",\"id\":-9223372036854775808,\"a\":9223372036854775807,"
                     "\"b\":1e999,\"c\":123456789012345678901234567890.5,\"d\":-0,"
                     "\"e\":\"99999999999999999999\",\"g\":\"\\\\u0000\",\"f\":[0,-1,1.5e-400]}";
  const char *code = NULL;
  g_autofree char *reason = NULL;
  g_autoptr(JsonNode) id = NULL;
  g_autoptr(WtMessage) msg = parse(text, &code, &reason, &id);
  g_assert_nonnull(msg);
  g_assert_cmpint(json_node_get_int(msg->id), ==, G_MININT64);
  g_assert_cmpint(json_object_get_int_member(msg->obj, "a"), ==, G_MAXINT64);
  g_assert_cmpstr(json_object_get_string_member(msg->obj, "g"), ==, "\\u0000");
}

static void
test_string_id(void)
{
  const char *code = NULL;
  g_autofree char *reason = NULL;
  g_autoptr(JsonNode) id = NULL;
  g_autoptr(WtMessage) msg = parse("{\"type\":\"ping\",\"id\":\"abc\"}", &code, &reason, &id);
  g_assert_nonnull(msg);
  g_assert_cmpstr(json_node_get_string(msg->id), ==, "abc");
}

static void
test_refused(void)
{
  g_autofree char *deep = g_strnfill(10000, '[');
  g_autofree char *long_id = g_strdup_printf("{\"type\":\"x\",\"id\":\"%0*d\"}", 65, 0);
  const BadCase cases[] = {
      {"", WT_ERR_BAD_JSON, FALSE},
      {"{", WT_ERR_BAD_JSON, FALSE},
      {"not json", WT_ERR_BAD_JSON, FALSE},
      {"\xff\xfe{}", WT_ERR_BAD_JSON, FALSE},
      {deep, WT_ERR_BAD_JSON, FALSE},
      {"[1,2]", WT_ERR_BAD_MESSAGE, FALSE},
      {"\"hello\"", WT_ERR_BAD_MESSAGE, FALSE},
      {"{\"type\":\"hello\"}", WT_ERR_BAD_MESSAGE, FALSE},
      {"{\"type\":\"hello\",\"id\":{}}", WT_ERR_BAD_MESSAGE, FALSE},
      {"{\"type\":\"hello\",\"id\":1.5}", WT_ERR_BAD_MESSAGE, FALSE},
      {"{\"type\":\"hello\",\"id\":\"\"}", WT_ERR_BAD_MESSAGE, FALSE},
      {"{\"type\":\"hello\",\"id\":null}", WT_ERR_BAD_MESSAGE, FALSE},
      {long_id, WT_ERR_BAD_MESSAGE, FALSE},
      {"{\"id\":3}", WT_ERR_BAD_MESSAGE, TRUE},
      {"{\"id\":3,\"type\":5}", WT_ERR_BAD_MESSAGE, TRUE},
      {"{\"id\":3,\"type\":\"\"}", WT_ERR_BAD_MESSAGE, TRUE},
      /* Unpaired surrogate escapes: json-glib decodes them into bytes that are
       * not UTF-8, and quotes them in its parse errors. */
      {"{\"id\":3,\"type\":\"x\",\"topic\":\"\\ud800x\"}", WT_ERR_BAD_JSON, FALSE},
      {"{\"id\":3,\"type\":\"x\",\"a\":[{\"b\":[\"\\udc00z\"]}]}", WT_ERR_BAD_JSON, FALSE},
      {"{\"id\":3,\"type\":\"x\",\"\\ud800k\":1}", WT_ERR_BAD_JSON, FALSE},
      {"{\"id\":\"\\ud800i\",\"type\":\"x\"}", WT_ERR_BAD_JSON, FALSE},
      {"{\"id\":3,\"type\":\"x\",\"a\":\"\\ud800\",\"b\":1}", WT_ERR_BAD_JSON, FALSE},
      /* Integers beyond 64 bits: json-glib wraps them into other numbers. */
      {"{\"id\":3,\"type\":\"x\",\"ticket\":18446744073709551617}", WT_ERR_BAD_JSON, FALSE},
      {"{\"id\":3,\"type\":\"x\",\"t\":9223372036854775808}", WT_ERR_BAD_JSON, FALSE},
      {"{\"id\":3,\"type\":\"x\",\"t\":[1,-9223372036854775809]}", WT_ERR_BAD_JSON, FALSE},
      {"{\"id\":99999999999999999999,\"type\":\"x\"}", WT_ERR_BAD_JSON, FALSE},
      /* A NUL escape: json-glib's C string ends there, and the rest is lost. */
      {"{\"id\":3,\"type\":\"x\",\"reason\":\"court order\\u0000 of 3 May\"}", WT_ERR_BAD_JSON,
       FALSE},
      {"{\"id\":3,\"type\":\"x\",\"a\\u0000b\":1}", WT_ERR_BAD_JSON, FALSE},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    const char *code = NULL;
    g_autofree char *reason = NULL;
    g_autoptr(JsonNode) id = NULL;
    g_test_message("case %u: %.40s", i, cases[i].input);
    g_assert_null(parse(cases[i].input, &code, &reason, &id));
    g_assert_cmpstr(code, ==, cases[i].code);
    g_assert_nonnull(reason);
    g_assert_cmpuint(strlen(reason), >, 5);
    g_assert_true(g_utf8_validate(reason, -1, NULL)); /* it goes into a text frame */
    g_assert_true(cases[i].has_id == (id != NULL));
  }
}

/* Depth is counted outside strings only: brackets inside a string are data. */
static void
test_depth_ignores_strings(void)
{
  g_autofree char *brackets = g_strnfill(100, '[');
  g_autofree char *text = g_strdup_printf("{\"type\":\"x\",\"id\":1,\"s\":\"%s\\\"\"}", brackets);
  const char *code = NULL;
  g_autofree char *reason = NULL;
  g_autoptr(JsonNode) id = NULL;
  g_autoptr(WtMessage) msg = parse(text, &code, &reason, &id);
  g_assert_nonnull(msg);
}

static void
test_not_nul_terminated(void)
{
  const char text[] = "{\"type\":\"ping\",\"id\":1}GARBAGE";
  const char *code = NULL;
  g_autofree char *reason = NULL;
  g_autoptr(JsonNode) id = NULL;
  g_autoptr(WtMessage) msg = wt_protocol_parse(text, 22, &code, &reason, &id);
  g_assert_nonnull(msg);
  g_assert_cmpstr(msg->type, ==, "ping");
}

static void
test_replies(void)
{
  g_autoptr(JsonNode) id = json_node_new(JSON_NODE_VALUE);
  json_node_set_int(id, 42);
  JsonObject *result = json_object_new();
  json_object_set_string_member(result, "role", "staff");
  g_autofree char *ok = wt_protocol_result(id, result);
  g_assert_cmpstr(ok, ==, "{\"type\":\"result\",\"id\":42,\"result\":{\"role\":\"staff\"}}");
  g_autofree char *err = wt_protocol_error(NULL, WT_ERR_BAD_JSON, "message is \"odd\"");
  g_assert_cmpstr(err, ==,
                  "{\"type\":\"error\",\"id\":null,\"code\":\"bad-json\",\"reason\":\"message is "
                  "\\\"odd\\\"\"}");
  g_autofree char *event = wt_protocol_event("participant-joined", NULL);
  g_assert_cmpstr(event, ==, "{\"type\":\"event\",\"event\":\"participant-joined\"}");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/protocol/valid", test_valid);
  g_test_add_func("/protocol/string-id", test_string_id);
  g_test_add_func("/protocol/integer-edges", test_integer_edges);
  g_test_add_func("/protocol/refused", test_refused);
  g_test_add_func("/protocol/depth-ignores-strings", test_depth_ignores_strings);
  g_test_add_func("/protocol/not-nul-terminated", test_not_nul_terminated);
  g_test_add_func("/protocol/replies", test_replies);
  return g_test_run();
}
