/* test_witness_document.c — the witness module's words
 * (server/modules/witness/witness_document.c): form fields refused with
 * the field's name, ID numbers normalised, checked and masked, case
 * numbers, and the canonical entrustment document: the same case gives the
 * same bytes, it holds the masked numbers and hashes and never a plain ID
 * number. No server. */
#include <gio/gio.h>
#include <string.h>

#include "witness_document.h"

static JsonObject *
parse(const char *text)
{
  g_autoptr(JsonNode) node = json_from_string(text, NULL);
  g_assert_nonnull(node);
  return json_node_dup_object(node);
}

static void
expect_refused(JsonObject *body, const char *member, guint max, const char *why)
{
  char *out = NULL;
  g_autoptr(GError) error = NULL;
  g_assert_false(wt_witness_form_text(body, member, max, &out, &error));
  g_assert_null(out);
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_autofree char *expected = g_strdup_printf("%s: %s", member, why);
  g_assert_cmpstr(error->message, ==, expected);
}

static void
test_form_text(void)
{
  g_autoptr(JsonObject) body =
      parse("{\"name\":\"  张三 \", \"n\": 5, \"empty\": \"  \","
            " \"nl\": \"a\\nb\", \"nul\": null, \"long\": \"一二三四五\","
            " \"rlo\": \"李四\\u202e五王\", \"ls\": \"a\\u2028b\", \"zw\": \"a\\u200bb\"}");
  g_autofree char *name = NULL;
  g_assert_true(wt_witness_form_text(body, "name", 2, &name, NULL));
  g_assert_cmpstr(name, ==, "张三"); /* trimmed; two characters, six bytes, fits 2 */
  expect_refused(body, "missing", 10, "missing");
  expect_refused(body, "nul", 10, "missing");
  expect_refused(body, "n", 10, "not a string");
  expect_refused(body, "empty", 10, "empty");
  expect_refused(body, "nl", 10, "one line without control or format characters");
  /* A right-to-left override shows 李四王五 for the bytes 李四 U+202E 五王: what a
   * party signs must read as its bytes do. Line separators and invisible
   * format characters likewise. */
  expect_refused(body, "rlo", 10, "one line without control or format characters");
  expect_refused(body, "ls", 10, "one line without control or format characters");
  expect_refused(body, "zw", 10, "one line without control or format characters");
  expect_refused(body, "long", 4, "longer than 4 characters");
  g_autofree char *five = NULL;
  g_assert_true(wt_witness_form_text(body, "long", 5, &five, NULL));
}

static void
test_json_members(void)
{
  g_autoptr(JsonObject) o = parse("{\"s\":\"x\",\"n\":5,\"o\":{},\"a\":[],\"b\":true,\"z\":null}");
  g_assert_cmpstr(wt_module_json_string(o, "s", "d"), ==, "x");
  for (const char *const *m = (const char *const[]){"n", "o", "a", "b", "z", "missing", NULL}; *m;
       m++) {
    g_assert_cmpstr(wt_module_json_string(o, *m, "d"), ==, "d");
    g_assert_false(wt_module_json_bool(o, *m, FALSE) && !g_str_equal(*m, "b"));
  }
  g_assert_true(wt_module_json_bool(o, "b", FALSE));
  g_assert_true(wt_module_json_bool(o, "s", TRUE));
  g_assert_cmpstr(wt_module_json_string(NULL, "s", "d"), ==, "d");
}

static void
test_id_numbers(void)
{
  /* Normalising is the host's (services->id_number_normalise; test_modules). */
  g_assert_true(wt_witness_id_check("11010519491231002X", NULL));
  g_assert_true(wt_witness_id_check("440304199001011233", NULL));
  g_assert_true(wt_witness_id_check("E12345678", NULL)); /* a passport: no check digit */
  g_autoptr(GError) error = NULL;
  g_assert_false(wt_witness_id_check("440304199001011234", &error));
  g_assert_nonnull(strstr(error->message, "check digit"));
  g_clear_error(&error);
  g_assert_false(wt_witness_id_check("1234567", &error));
  g_assert_nonnull(strstr(error->message, "at least 8"));

  g_autofree char *m18 = wt_witness_id_mask("11010519491231002X");
  g_assert_cmpstr(m18, ==, "110***********002X");
  g_autofree char *m9 = wt_witness_id_mask("E12345678");
  g_assert_cmpstr(m9, ==, "E12**5678");
}

static void
test_case_numbers(void)
{
  g_autofree char *n = wt_witness_case_number("20261204", 7);
  g_assert_cmpstr(n, ==, "WT-20261204-0007");
  g_assert_true(wt_witness_case_number_valid(n));
  g_autofree char *big = wt_witness_case_number("20261204", 12345);
  g_assert_cmpstr(big, ==, "WT-20261204-12345");
  g_assert_true(wt_witness_case_number_valid(big));
  g_assert_false(wt_witness_case_number_valid("WT-2026120-00007"));
  g_assert_false(wt_witness_case_number_valid("WT-20261204-00a7"));
  g_assert_false(wt_witness_case_number_valid("XX-20261204-0007"));
  g_assert_false(wt_witness_case_number_valid("WT-20261204-"));
  g_assert_false(wt_witness_case_number_valid(NULL));
  /* The day is the centre's date of the workflow clock, whatever the
   * server's time zone: 2026-12-04T16:30Z is already the 5th in Beijing
   * (UTC+8), still the 4th in UTC and in New York (UTC-5). */
  gint64 ms = G_GINT64_CONSTANT(1796401800000); /* 2026-12-04T16:30:00Z */
  g_autofree char *beijing = wt_witness_case_day(ms, 480);
  g_assert_cmpstr(beijing, ==, "20261205");
  g_autofree char *utc = wt_witness_case_day(ms, 0);
  g_assert_cmpstr(utc, ==, "20261204");
  g_autofree char *new_york = wt_witness_case_day(ms, -300);
  g_assert_cmpstr(new_york, ==, "20261204");
  g_autofree char *before = wt_witness_case_day(ms - 30 * 60 * 1000 - 1, 480);
  g_assert_cmpstr(before, ==, "20261204"); /* 23:59:59.999 in Beijing */
}

static WtWitnessCase *
make_case(void)
{
  WtWitnessCase *c = wt_witness_case_new();
  c->number = g_strdup("WT-20261204-0007");
  c->business = g_strdup("transfer");
  c->filed_ms = 1796386000123; /* 2026-12-04T12:06:40Z */
  c->party[0].name = g_strdup("张三");
  c->party[0].id_hash = g_strdup("aaaa0000");
  c->party[0].id_masked = g_strdup("110***********002X");
  c->party[1].name = g_strdup("李四");
  c->party[1].id_hash = g_strdup("bbbb1111");
  c->party[1].id_masked = g_strdup("440***********1233");
  c->certificate = g_strdup("京(2026)朝阳区不动产权第0000001号");
  c->address = g_strdup("北京市朝阳区某路1号");
  c->matters = g_strdup("代为办理存量房转移登记");
  c->term = g_strdup("自2026年12月4日至2027年6月30日");
  return c;
}

static void
test_document(void)
{
  g_autoptr(WtWitnessCase) c = make_case();
  g_autofree char *doc = wt_witness_document(c, 480);
  g_assert_true(g_utf8_validate(doc, -1, NULL));
  g_assert_true(g_str_has_suffix(doc, "\n"));
  g_assert_null(strchr(doc, '\r'));
  static const char *const wants[] = {
      "案号 Case: WT-20261204-0007\n",
      "委托人 Principal: 张三\n",
      "Principal's ID number: 110***********002X\n",
      "Principal's ID hash: aaaa0000\n",
      "受托人 Agent: 李四\n",
      "Agent's ID hash: bbbb1111\n",
      "登记事项 Registration: 存量房转移登记 Transfer of an existing home\n",
      "Property address: 北京市朝阳区某路1号\n",
      "委托期限 Term: 自2026年12月4日至2027年6月30日\n",
      "Filed (UTC): 2026-12-04T12:06:40Z\n",
      "立案时间（本地）Filed (UTC+08:00): 2026-12-04 20:06:40\n",
  };
  for (guint i = 0; i < G_N_ELEMENTS(wants); i++) {
    if (!strstr(doc, wants[i]))
      g_error("the document lacks \"%s\":\n%s", wants[i], doc);
  }
  g_autofree char *sha = wt_witness_document_sha256(doc);
  g_assert_cmpuint(strlen(sha), ==, 64);

  /* The state, consent marks, signatures and room do not change the bytes. */
  c->state = WT_WITNESS_SIGNED;
  c->room = g_strdup("witness-1");
  c->party[0].consent = WT_WITNESS_CONSENT_ENDED;
  c->party[1].signed_sha256 = g_strdup(sha);
  g_autofree char *again = wt_witness_document(c, 480);
  g_assert_cmpstr(again, ==, doc);
  /* Anything the parties agree to does. */
  g_free(c->term);
  c->term = g_strdup("自2026年12月4日至2027年6月29日");
  g_autofree char *other = wt_witness_document(c, 480);
  g_autofree char *other_sha = wt_witness_document_sha256(other);
  g_assert_cmpstr(other_sha, !=, sha);
}

static void
test_sha256(void)
{
  g_autofree char *abc = wt_witness_document_sha256("abc");
  g_assert_cmpstr(abc, ==, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/witness/document/form-text", test_form_text);
  g_test_add_func("/witness/document/json-members", test_json_members);
  g_test_add_func("/witness/document/id-numbers", test_id_numbers);
  g_test_add_func("/witness/document/case-numbers", test_case_numbers);
  g_test_add_func("/witness/document/document", test_document);
  g_test_add_func("/witness/document/sha256", test_sha256);
  return g_test_run();
}
