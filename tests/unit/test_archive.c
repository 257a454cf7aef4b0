/* test_archive.c — the pure parts of the archive module
 * (server/modules/archive/): a chain read into an index entry, the
 * retention rules, the audit log's hash chain and its refusal of UPDATE and
 * DELETE, and the index's searches. SQLite runs in memory with the module's
 * own migration steps. */
#include <gio/gio.h>
#include <string.h>

#include "archive.h"

/* A chain as the recorder and the witness module write it (hashes are not
 * read by the index, so they are left short here). */
static const char chain_text[] =
    "{\"seq\":0,\"type\":\"join\",\"time\":1000,\"participant\":\"p-staff\",\"role\":\"staff\","
    "\"prev\":\"0\",\"hash\":\"a\"}\n"
    "{\"seq\":1,\"type\":\"join\",\"time\":1100,\"participant\":\"p-prin\",\"role\":\"applicant\","
    "\"prev\":\"a\",\"hash\":\"b\"}\n"
    "{\"seq\":2,\"type\":\"join\",\"time\":1200,\"participant\":\"p-agent\","
    "\"role\":\"applicant\",\"prev\":\"b\",\"hash\":\"c\"}\n"
    "{\"seq\":3,\"type\":\"case\",\"time\":1300,\"case\":\"WT-2026-0007\",\"business\":"
    "\"transfer\",\"parties\":[{\"role\":\"principal\",\"name\":\"张三\",\"id_hash\":\"h1\","
    "\"id_masked\":\"1101**********123X\",\"participant\":\"p-prin\",\"id_number\":"
    "\"11010119900101123X\"},{\"role\":\"agent\",\"name\":\"李四\",\"id_hash\":\"h2\","
    "\"id_masked\":\"3101**********0021\",\"participant\":\"p-agent\"}],\"property\":{"
    "\"certificate\":\"京(2020)0001\",\"address\":\"朝阳路1号\"},\"matters\":\"sale\",\"term\":"
    "\"90 days\",\"module\":\"witness\",\"prev\":\"c\",\"hash\":\"d\"}\n"
    "{\"seq\":4,\"type\":\"segment\",\"time\":12000,\"participant\":\"p-prin\",\"file\":"
    "\"p-prin/00000.webm\",\"size\":100,\"sha256\":\"x\",\"index\":0,\"start_ms\":1500,"
    "\"end_ms\":11500,\"prev\":\"d\",\"hash\":\"e\"}\n"
    "{\"seq\":5,\"type\":\"segment\",\"time\":12100,\"participant\":\"p-agent\",\"file\":"
    "\"p-agent/00000.webm\",\"size\":90,\"sha256\":\"y\",\"index\":0,\"start_ms\":1600,"
    "\"end_ms\":11600,\"prev\":\"e\",\"hash\":\"f\"}\n"
    "{\"seq\":6,\"type\":\"segment\",\"time\":15000,\"participant\":\"p-prin\",\"file\":"
    "\"p-prin/00001.webm\",\"size\":50,\"sha256\":\"z\",\"index\":1,\"start_ms\":11500,"
    "\"end_ms\":14500,\"prev\":\"f\",\"hash\":\"g\"}\n"
    "{\"seq\":7,\"type\":\"leave\",\"time\":15100,\"participant\":\"p-prin\",\"reason\":\"left\","
    "\"prev\":\"g\",\"hash\":\"h\"}\n"
    "{\"seq\":8,\"type\":\"seal\",\"time\":15200,\"reason\":\"ended\",\"prev\":\"h\",\"hash\":"
    "\"i\"}\n";

static JsonObject *
participant(JsonObject *entry, const char *pid)
{
  JsonArray *list = json_object_get_array_member(entry, "participants");
  for (guint i = 0; i < json_array_get_length(list); i++) {
    JsonObject *p = json_array_get_object_element(list, i);
    if (g_str_equal(json_object_get_string_member(p, "participant"), pid))
      return p;
  }
  return NULL;
}

static void
test_index_parse(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) e = wt_archive_index_parse(chain_text, strlen(chain_text), "r-1", &error);
  g_assert_no_error(error);
  g_assert_cmpstr(json_object_get_string_member(e, "recording"), ==, "r-1");
  /* The span is the segments' wall-clock span, not the records' times. */
  g_assert_cmpint(json_object_get_int_member(e, "start_ms"), ==, 1500);
  g_assert_cmpint(json_object_get_int_member(e, "end_ms"), ==, 14500);
  g_assert_cmpint(json_object_get_int_member(e, "duration_ms"), ==, 13000);
  g_assert_cmpint(json_object_get_int_member(e, "sealed_ms"), ==, 15200);
  g_assert_cmpstr(json_object_get_string_member(e, "seal_reason"), ==, "ended");
  g_assert_cmpstr(json_object_get_string_member(e, "case_number"), ==, "WT-2026-0007");
  g_assert_cmpstr(json_object_get_string_member(e, "business"), ==, "transfer");
  g_assert_cmpstr(json_object_get_string_member(e, "matters"), ==, "sale");
  g_assert_true(json_object_has_member(e, "property"));

  JsonArray *parties = json_object_get_array_member(e, "parties");
  g_assert_cmpuint(json_array_get_length(parties), ==, 2);
  JsonObject *prin = json_array_get_object_element(parties, 0);
  g_assert_cmpstr(json_object_get_string_member(prin, "role"), ==, "principal");
  g_assert_cmpstr(json_object_get_string_member(prin, "name"), ==, "张三");
  g_assert_cmpstr(json_object_get_string_member(prin, "id_hash"), ==, "h1");
  g_assert_cmpstr(json_object_get_string_member(prin, "id_masked"), ==, "1101**********123X");
  g_assert_cmpstr(json_object_get_string_member(prin, "participant"), ==, "p-prin");
  /* A plain ID number that slipped into the record is not indexed. */
  g_assert_false(json_object_has_member(prin, "id_number"));
  g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), e);
  g_autofree char *text = json_to_string(node, FALSE);
  g_assert_null(strstr(text, "11010119900101123X"));

  JsonArray *people = json_object_get_array_member(e, "participants");
  g_assert_cmpuint(json_array_get_length(people), ==, 3);
  JsonObject *p = participant(e, "p-prin");
  g_assert_cmpstr(json_object_get_string_member(p, "role"), ==, "applicant");
  g_assert_cmpint(json_object_get_int_member(p, "joined_ms"), ==, 1100);
  g_assert_cmpint(json_object_get_int_member(p, "left_ms"), ==, 15100);
  JsonArray *segs = json_object_get_array_member(p, "segments");
  g_assert_cmpuint(json_array_get_length(segs), ==, 2);
  JsonObject *s1 = json_array_get_object_element(segs, 1);
  g_assert_cmpstr(json_object_get_string_member(s1, "file"), ==, "p-prin/00001.webm");
  g_assert_cmpint(json_object_get_int_member(s1, "start_ms"), ==, 11500);
  g_assert_cmpint(json_object_get_int_member(s1, "end_ms"), ==, 14500);
  g_assert_cmpuint(
      json_array_get_length(json_object_get_array_member(participant(e, "p-staff"), "segments")),
      ==, 0);
}

static void
test_index_without_case(void)
{
  const char text[] = "{\"seq\":0,\"type\":\"join\",\"time\":500,\"participant\":\"p-a\","
                      "\"role\":\"staff\"}\n"
                      "{\"seq\":1,\"type\":\"seal\",\"time\":900,\"reason\":\"ended\"}";
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) e = wt_archive_index_parse(text, strlen(text), "r-2", &error);
  g_assert_no_error(error);
  g_assert_false(json_object_has_member(e, "case_number"));
  g_assert_cmpuint(json_array_get_length(json_object_get_array_member(e, "parties")), ==, 0);
  /* No segments: the records' times make the span. */
  g_assert_cmpint(json_object_get_int_member(e, "start_ms"), ==, 500);
  g_assert_cmpint(json_object_get_int_member(e, "duration_ms"), ==, 400);
}

static void
test_index_malformed(void)
{
  const char *bad[] = {
      "{\"seq\":0,\"type\":\"join\"}\nnot json\n",
      "{\"seq\":0,\"time\":3}\n",
      "[1,2]\n",
  };
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) error = NULL;
    JsonObject *e = wt_archive_index_parse(bad[i], strlen(bad[i]), "r-3", &error);
    g_assert_null(e);
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    g_assert_nonnull(strstr(error->message, "r-3"));
  }
  g_assert_true(wt_archive_id_valid("r-20261204T084143Z-61e3b3"));
  g_assert_false(wt_archive_id_valid("../etc"));
  g_assert_false(wt_archive_id_valid(".hidden"));
  g_assert_false(wt_archive_id_valid("a/b"));
  g_assert_false(wt_archive_id_valid(""));
  g_assert_false(wt_archive_id_valid(NULL));
}

#define DAY ((gint64)86400000)

static void
test_retention(void)
{
  guint days = 0;
  g_assert_true(wt_archive_retention_parse("30", &days));
  g_assert_cmpuint(days, ==, 30);
  g_assert_true(wt_archive_retention_parse(" 7 ", &days));
  g_assert_cmpuint(days, ==, 7);
  g_assert_false(wt_archive_retention_parse("0", &days));
  g_assert_false(wt_archive_retention_parse("-3", &days));
  g_assert_false(wt_archive_retention_parse("ten", &days));
  g_assert_false(wt_archive_retention_parse("36501", &days));
  g_assert_false(wt_archive_retention_parse(NULL, &days));

  gint64 end = 1000 * DAY, expires = 0;
  g_assert_cmpint(wt_archive_retention_decide(end, 30, FALSE, FALSE, end + 30 * DAY - 1, &expires),
                  ==, WT_ARCHIVE_KEEP);
  g_assert_cmpint(expires, ==, end + 30 * DAY);
  g_assert_cmpint(wt_archive_retention_decide(end, 30, FALSE, FALSE, end + 30 * DAY, NULL), ==,
                  WT_ARCHIVE_DELETE);
  /* A hold wins, however long ago the period ended. */
  g_assert_cmpint(wt_archive_retention_decide(end, 30, TRUE, FALSE, end + 3000 * DAY, NULL), ==,
                  WT_ARCHIVE_HELD);
  g_assert_cmpint(wt_archive_retention_decide(end, 30, TRUE, FALSE, end + DAY, NULL), ==,
                  WT_ARCHIVE_KEEP);
  g_assert_cmpint(wt_archive_retention_decide(end, 30, FALSE, TRUE, end + 300 * DAY, NULL), ==,
                  WT_ARCHIVE_DELETED);
  g_assert_cmpstr(wt_archive_fate_name(WT_ARCHIVE_HELD), ==, "held");
  g_assert_cmpstr(wt_archive_fate_name(WT_ARCHIVE_DELETE), ==, "delete");
}

/* ---- SQL ------------------------------------------------------------------------------------ */

static sqlite3 *
open_db(void)
{
  sqlite3 *sql = NULL;
  g_assert_cmpint(sqlite3_open(":memory:", &sql), ==, SQLITE_OK);
  for (guint i = 0; i < wt_archive_n_steps; i++)
    g_assert_cmpint(sqlite3_exec(sql, wt_archive_steps[i], NULL, NULL, NULL), ==, SQLITE_OK);
  return sql;
}

static void
append(sqlite3 *sql, const char *actor, const char *action, const char *recording,
       const char *detail)
{
  WtArchiveAuditRow row = {.at_ms = 1000,
                           .actor = actor,
                           .role = "clerk",
                           .action = action,
                           .recording = recording,
                           .detail = detail};
  g_autoptr(GError) error = NULL;
  g_assert_true(wt_archive_audit_append(sql, &row, &error));
  g_assert_no_error(error);
}

static void
test_audit_chain(void)
{
  sqlite3 *sql = open_db();
  append(sql, "carol", "search", NULL, "{\"by\":\"id_number\"}");
  append(sql, "carol", "view", "r-1", "{\"verified\":true}");
  append(sql, "dave", "export", "r-1", NULL);
  gint64 bad = -1;
  g_autoptr(GError) error = NULL;
  g_assert_true(wt_archive_audit_check(sql, &bad, &error));
  g_assert_cmpint(bad, ==, 0);

  g_autoptr(JsonArray) all = wt_archive_audit_list(sql, NULL, 10, &error);
  g_assert_cmpuint(json_array_get_length(all), ==, 3);
  JsonObject *newest = json_array_get_object_element(all, 0);
  g_assert_cmpint(json_object_get_int_member(newest, "seq"), ==, 3);
  g_assert_cmpstr(json_object_get_string_member(newest, "actor"), ==, "dave");
  g_autoptr(JsonArray) r1 = wt_archive_audit_list(sql, "r-1", 10, &error);
  g_assert_cmpuint(json_array_get_length(r1), ==, 2);

  /* SQLite refuses to change or remove a row. */
  char *msg = NULL;
  g_assert_cmpint(sqlite3_exec(sql, "UPDATE archive_audit SET actor = 'mallory' WHERE seq = 2",
                               NULL, NULL, &msg),
                  !=, SQLITE_OK);
  g_assert_nonnull(strstr(msg, "append-only"));
  sqlite3_free(msg);
  g_assert_cmpint(sqlite3_exec(sql, "DELETE FROM archive_audit WHERE seq = 1", NULL, NULL, NULL),
                  !=, SQLITE_OK);
  g_autoptr(JsonArray) still = wt_archive_audit_list(sql, NULL, 10, &error);
  g_assert_cmpstr(json_object_get_string_member(json_array_get_object_element(still, 1), "actor"),
                  ==, "carol");

  /* Around the triggers (another tool, the file edited): the chain shows where. */
  g_assert_cmpint(sqlite3_exec(sql,
                               "DROP TRIGGER archive_audit_no_update;"
                               "UPDATE archive_audit SET actor = 'mallory' WHERE seq = 2",
                               NULL, NULL, NULL),
                  ==, SQLITE_OK);
  g_assert_false(wt_archive_audit_check(sql, &bad, &error));
  g_assert_no_error(error);
  g_assert_cmpint(bad, ==, 2);
  sqlite3_close(sql);

  /* A removed row breaks the link of the next one. */
  sql = open_db();
  append(sql, "a", "search", NULL, NULL);
  append(sql, "b", "search", NULL, NULL);
  append(sql, "c", "search", NULL, NULL);
  g_assert_cmpint(sqlite3_exec(sql,
                               "DROP TRIGGER archive_audit_no_delete;"
                               "DELETE FROM archive_audit WHERE seq = 2",
                               NULL, NULL, NULL),
                  ==, SQLITE_OK);
  g_assert_false(wt_archive_audit_check(sql, &bad, &error));
  g_assert_cmpint(bad, ==, 3);
  sqlite3_close(sql);
}

static void
test_audit_hash(void)
{
  WtArchiveAuditRow row = {.seq = 1,
                           .at_ms = 5,
                           .actor = "ab",
                           .role = "clerk",
                           .action = "view",
                           .recording = "r",
                           .detail = "{}"};
  g_autofree char *h1 = wt_archive_audit_hash(&row, "00");
  g_assert_cmpuint(strlen(h1), ==, 64);
  /* Text moved from one member to the next gives another hash. */
  WtArchiveAuditRow moved = row;
  moved.actor = "a";
  moved.role = "bclerk";
  g_autofree char *h2 = wt_archive_audit_hash(&moved, "00");
  g_assert_cmpstr(h1, !=, h2);
  WtArchiveAuditRow no_rec = row;
  no_rec.recording = NULL;
  g_autofree char *h3 = wt_archive_audit_hash(&no_rec, "00");
  g_assert_cmpstr(h1, !=, h3);
  g_autofree char *h4 = wt_archive_audit_hash(&row, "01");
  g_assert_cmpstr(h1, !=, h4);
  g_autofree char *h5 = wt_archive_audit_hash(&row, "00");
  g_assert_cmpstr(h1, ==, h5);
}

static void
test_store_search(void)
{
  sqlite3 *sql = open_db();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) e = wt_archive_index_parse(chain_text, strlen(chain_text), "r-1", &error);
  g_assert_true(wt_archive_store_put(sql, e, 99, &error));
  const char other[] = "{\"seq\":0,\"type\":\"segment\",\"time\":1,\"participant\":\"p\","
                       "\"file\":\"p/00000.webm\",\"start_ms\":500000,\"end_ms\":600000}";
  g_autoptr(JsonObject) e2 = wt_archive_index_parse(other, strlen(other), "r-2", &error);
  g_assert_true(wt_archive_store_put(sql, e2, 99, &error));
  /* Indexing again replaces, never duplicates. */
  g_assert_true(wt_archive_store_put(sql, e, 100, &error));
  g_assert_true(wt_archive_store_has(sql, "r-1"));
  g_assert_false(wt_archive_store_has(sql, "r-9"));

  WtArchiveQuery q = {.id_hash = "h2"};
  g_autoptr(JsonArray) by_hash = wt_archive_store_search(sql, &q, &error);
  g_assert_cmpuint(json_array_get_length(by_hash), ==, 1);
  g_assert_cmpstr(
      json_object_get_string_member(json_array_get_object_element(by_hash, 0), "recording"), ==,
      "r-1");
  WtArchiveQuery none = {.id_hash = "h9"};
  g_autoptr(JsonArray) nothing = wt_archive_store_search(sql, &none, &error);
  g_assert_cmpuint(json_array_get_length(nothing), ==, 0);
  WtArchiveQuery by_case = {.case_number = "wt-2026-0007"};
  g_autoptr(JsonArray) cases = wt_archive_store_search(sql, &by_case, &error);
  g_assert_cmpuint(json_array_get_length(cases), ==, 1);
  WtArchiveQuery by_date = {.from_ms = 550000, .to_ms = 700000};
  g_autoptr(JsonArray) dates = wt_archive_store_search(sql, &by_date, &error);
  g_assert_cmpuint(json_array_get_length(dates), ==, 1);
  g_assert_cmpstr(
      json_object_get_string_member(json_array_get_object_element(dates, 0), "recording"), ==,
      "r-2");
  WtArchiveQuery early = {.from_ms = 1, .to_ms = 2000};
  g_autoptr(JsonArray) early_r = wt_archive_store_search(sql, &early, &error);
  g_assert_cmpuint(json_array_get_length(early_r), ==, 1);

  /* State: verification cache, hold, deletion. */
  g_autoptr(JsonObject) v = json_object_new();
  json_object_set_boolean_member(v, "ok", TRUE);
  g_assert_true(wt_archive_store_set_verify(sql, "r-1", v, 1234, &error));
  g_assert_true(
      wt_archive_store_set_hold(sql, "r-1", TRUE, "carol", "court order 7", 2000, &error));
  g_autoptr(JsonObject) got = wt_archive_store_get(sql, "r-1", &error);
  g_assert_true(json_object_get_boolean_member(json_object_get_object_member(got, "verify"), "ok"));
  g_assert_cmpint(json_object_get_int_member(got, "verified_ms"), ==, 1234);
  JsonObject *hold = json_object_get_object_member(got, "hold");
  g_assert_cmpstr(json_object_get_string_member(hold, "reason"), ==, "court order 7");
  g_assert_cmpstr(json_object_get_string_member(hold, "by"), ==, "carol");
  g_autoptr(JsonArray) live = wt_archive_store_live(sql, &error);
  g_assert_cmpuint(json_array_get_length(live), ==, 2);

  g_assert_true(wt_archive_store_mark_deleted(sql, "r-2", "retention", 3000, &error));
  g_autoptr(JsonArray) after = wt_archive_store_search(sql, &by_date, &error);
  g_assert_cmpuint(json_array_get_length(after), ==, 0);
  by_date.include_deleted = TRUE;
  g_autoptr(JsonArray) with_deleted = wt_archive_store_search(sql, &by_date, &error);
  JsonObject *d =
      json_object_get_object_member(json_array_get_object_element(with_deleted, 0), "deleted");
  g_assert_cmpstr(json_object_get_string_member(d, "reason"), ==, "retention");
  g_assert_cmpint(json_object_get_int_member(d, "at_ms"), ==, 3000);
  g_autoptr(JsonArray) live2 = wt_archive_store_live(sql, &error);
  g_assert_cmpuint(json_array_get_length(live2), ==, 1);
  gint64 total = 0, deleted = 0;
  g_assert_true(wt_archive_store_count(sql, &total, &deleted, &error));
  g_assert_cmpint(total, ==, 2);
  g_assert_cmpint(deleted, ==, 1);
  g_assert_null(wt_archive_store_get(sql, "r-9", &error));
  g_assert_no_error(error);
  sqlite3_close(sql);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/archive/index/parse", test_index_parse);
  g_test_add_func("/archive/index/without-case", test_index_without_case);
  g_test_add_func("/archive/index/malformed", test_index_malformed);
  g_test_add_func("/archive/retention", test_retention);
  g_test_add_func("/archive/audit/chain", test_audit_chain);
  g_test_add_func("/archive/audit/hash", test_audit_hash);
  g_test_add_func("/archive/store/search", test_store_search);
  return g_test_run();
}
