/* test_archive.c — the archive module (server/modules/archive) through a real
 * witnessd with a real recording: staff record room load-0 while witness-load
 * publishes into it, and the test module `hello` writes a `case` record into
 * the chain as the witness module does. Then a clerk finds the recording by
 * the principal's ID number typed in full-width digits, by case number and by
 * date; views it (verified, notary state); plays it (signed URLs answered
 * with 206 to a range request); exports it (the engine's tar, its SHA-256,
 * a signed URL; `tar` lists it); an
 * applicant is refused and a clerk may not use admin actions. A legal hold
 * keeps the recording past its retention (the workflow clock moved 61 days),
 * and once lifted the sweep deletes it. Every step is in the audit log, which
 * verifies, and no plain ID number is in the log or the audit rows.
 *
 * Arguments after --tap: witness-load, the clip folder, the modules build folder.
 */
#include <stdio.h>
#include <string.h>

#include "../integration/harness.h"
#include "recorded_room.h"

static const char *witness_load, *clip_dir, *modules_build_dir;

#define ID_PRINCIPAL "11010119900101123X"
/* The same number as a clerk may type it: full-width digits, a small x, spaces. */
#define ID_PRINCIPAL_WIDE " １１０１０１１９９００１０１１２３ｘ "
#define ID_AGENT "310101198502020021"
#define CASE "WT-IT-0001"

static gint64 next_id = 10;

/* Sends a module request (fields after "module") and returns the reply (transfer full). */
static JsonObject *
module_request(WtItWs *ws, gint64 *id, const char *fields)
{
  *id = next_id++;
  g_autofree char *text =
      g_strdup_printf("{\"type\":\"request\",\"id\":%" G_GINT64_FORMAT ",%s}", *id, fields);
  return rr_request(ws, text);
}

/* The result of a module request that must succeed (transfer full). */
static JsonObject *
ok(WtItWs *ws, const char *fields)
{
  gint64 id;
  g_autoptr(JsonObject) reply = module_request(ws, &id, fields);
  return json_object_ref(wt_it_assert_result(reply, id));
}

static void
refused(WtItWs *ws, const char *fields, const char *code)
{
  gint64 id;
  g_autoptr(JsonObject) reply = module_request(ws, &id, fields);
  wt_it_assert_error(reply, id, code);
}

static char *
to_text(JsonObject *o)
{
  g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), o);
  return json_to_string(node, FALSE);
}

/* A folder holding only the modules this test loads. */
static char *
modules_dir(void)
{
  char *dir = wt_it_make_temp_dir();
  const char *mods[][2] = {{modules_build_dir, "archive.so"},
                           {g_getenv("WT_TEST_MODULES"), "hello.so"}};
  for (guint i = 0; i < G_N_ELEMENTS(mods); i++) {
    g_autofree char *from = g_build_filename(mods[i][0], mods[i][1], NULL);
    g_autofree char *to = g_build_filename(dir, mods[i][1], NULL);
    g_assert_true(g_file_test(from, G_FILE_TEST_EXISTS));
    g_assert_cmpint(symlink(from, to), ==, 0);
  }
  return dir;
}

/* Staff write the case record while the room is recorded. */
static void
write_case(WtItWs *staff)
{
  g_autoptr(JsonObject) h1 =
      ok(staff, "\"module\":\"hello\",\"action\":\"id-hash\",\"id_number\":\"" ID_PRINCIPAL "\"");
  g_autoptr(JsonObject) h2 =
      ok(staff, "\"module\":\"hello\",\"action\":\"id-hash\",\"id_number\":\"" ID_AGENT "\"");
  g_autofree char *fields = g_strdup_printf(
      "\"module\":\"hello\",\"action\":\"evidence\",\"room\":\"load-0\",\"record\":\"case\","
      "\"payload\":{\"case\":\"" CASE "\",\"business\":\"transfer\",\"parties\":["
      "{\"role\":\"principal\",\"name\":\"张三\",\"id_hash\":\"%s\","
      "\"id_masked\":\"1101**********123X\"},"
      "{\"role\":\"agent\",\"name\":\"李四\",\"id_hash\":\"%s\","
      "\"id_masked\":\"3101**********0021\"}],"
      "\"property\":{\"certificate\":\"京(2026)0001\",\"address\":\"朝阳路1号\"},"
      "\"matters\":\"sale of the home\",\"term\":\"90 days\"}",
      wt_it_get_string(h1, "hash"), wt_it_get_string(h2, "hash"));
  g_autoptr(JsonObject) r = ok(staff, fields);
  g_autofree char *text = to_text(r);
  g_test_message("case record: %s", text);
}

/* A recording of load-0 with a case record; returns its id (transfer full). */
static char *
record_case(WtItDaemon *d)
{
  g_autofree char *token = rr_record_token(d, "witness-1");
  g_autoptr(WtItWs) staff = wt_it_ws_hello(d, token, NULL);
  char *id = rr_join_recorded(staff);
  g_autoptr(GSubprocess) load = rr_start_load(d, witness_load, clip_dir, "5");
  wt_it_pump(2500); /* the publisher is in and recorded */
  write_case(staff);
  rr_wait_process(load, 60000);
  g_autoptr(JsonObject) stopped =
      rr_request(staff, "{\"type\":\"record\",\"id\":3,\"action\":\"stop\"}");
  wt_it_assert_result(stopped, 3);
  g_autoptr(JsonObject) off = rr_wait_event(staff, "recording", "off", 10000);
  g_assert_nonnull(off);
  return id;
}

static JsonObject *
only_result(JsonObject *search)
{
  JsonArray *results = json_object_get_array_member(search, "results");
  g_assert_cmpuint(json_array_get_length(results), ==, 1);
  return json_array_get_object_element(results, 0);
}

static void
check_found(JsonObject *r, const char *id)
{
  g_assert_cmpstr(wt_it_get_string(r, "recording"), ==, id);
  g_assert_cmpstr(wt_it_get_string(r, "case_number"), ==, CASE);
  g_assert_cmpstr(wt_it_get_string(r, "business"), ==, "transfer");
  g_assert_cmpint(json_object_get_int_member(r, "duration_ms"), >, 2000);
  JsonArray *parties = json_object_get_array_member(r, "parties");
  g_assert_cmpuint(json_array_get_length(parties), ==, 2);
  JsonObject *p = json_array_get_object_element(parties, 0);
  g_assert_cmpstr(wt_it_get_string(p, "name"), ==, "张三");
  g_assert_cmpstr(wt_it_get_string(p, "role"), ==, "principal");
  g_assert_cmpstr(wt_it_get_string(p, "id_masked"), ==, "1101**********123X");
  g_assert_false(json_object_has_member(p, "id_hash"));
}

/* GET @path with a Range header from @d: the status line and the body's length. */
static void
range_get(WtItDaemon *d, const char *path, char **status_line)
{
  g_autofree char *req = g_strdup_printf("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                         "Range: bytes=0-99\r\nConnection: close\r\n\r\n",
                                         path);
  g_autofree char *resp = wt_it_raw_http(wt_it_daemon_port(d), req);
  g_assert_nonnull(resp);
  const char *eol = strstr(resp, "\r\n");
  *status_line = g_strndup(resp, eol ? (gsize)(eol - resp) : strlen(resp));
}

static void
play_and_export(WtItDaemon *d, WtItWs *clerk, const char *id)
{
  g_autofree char *play_req =
      g_strdup_printf("\"module\":\"archive\",\"action\":\"play\",\"recording\":\"%s\"", id);
  g_autoptr(JsonObject) play = ok(clerk, play_req);
  JsonArray *parties = json_object_get_array_member(play, "parties");
  g_assert_cmpuint(json_array_get_length(parties), ==, 1); /* only the publisher sent media */
  JsonObject *p = json_array_get_object_element(parties, 0);
  g_assert_cmpstr(wt_it_get_string(p, "role"), ==, "applicant");
  JsonArray *segs = json_object_get_array_member(p, "segments");
  g_assert_cmpuint(json_array_get_length(segs), >=, 2);
  gint64 prev_end = json_object_get_int_member(play, "start_ms");
  for (guint i = 0; i < json_array_get_length(segs); i++) {
    JsonObject *s = json_array_get_object_element(segs, i);
    g_assert_cmpint(json_object_get_int_member(s, "start_ms"), >=, prev_end - 100);
    prev_end = json_object_get_int_member(s, "end_ms");
    const char *url = wt_it_get_string(s, "url");
    g_assert_true(g_str_has_prefix(url, "/media/"));
    g_autofree char *status = NULL;
    range_get(d, url, &status);
    g_assert_true(g_str_has_prefix(status, "HTTP/1.1 206"));
  }
  g_assert_cmpint(prev_end, <=, json_object_get_int_member(play, "end_ms"));

  /* The export: the engine's tar of the whole folder, its digest, a signed URL. */
  g_autofree char *export_req =
      g_strdup_printf("\"module\":\"archive\",\"action\":\"export\",\"recording\":\"%s\"", id);
  g_autoptr(JsonObject) r = ok(clerk, export_req);
  g_assert_cmpint(json_object_get_int_member(r, "size"), >, 10000);
  g_autofree char *status = NULL;
  range_get(d, wt_it_get_string(r, "url"), &status);
  g_assert_true(g_str_has_prefix(status, "HTTP/1.1 206"));
  g_autofree char *tar =
      g_build_filename(wt_it_daemon_data_dir(d), "exports", wt_it_get_string(r, "file"), NULL);
  g_autofree char *bytes = NULL;
  gsize len = 0;
  g_assert_true(g_file_get_contents(tar, &bytes, &len, NULL));
  g_assert_cmpint((gint64)len, ==, json_object_get_int_member(r, "size"));
  g_autofree char *sha = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (guchar *)bytes, len);
  g_assert_cmpstr(sha, ==, wt_it_get_string(r, "sha256"));
  const char *argv[] = {"tar", "-tf", tar, NULL};
  g_autofree char *listing = NULL;
  g_assert_cmpint(wt_it_run(argv, NULL, 30000, &listing, NULL), ==, 0);
  g_test_message("export:\n%s", listing);
  g_autofree char *chain = g_strdup_printf("%s/chain.jsonl\n", id);
  g_autofree char *seal = g_strdup_printf("%s/seal.json\n", id);
  g_assert_nonnull(strstr(listing, chain));
  g_assert_nonnull(strstr(listing, seal));
  g_assert_nonnull(strstr(listing, ".webm\n"));
}

/* Six exports asked at once by one clerk: at most exports_at_once (2) are
 * written at a time; the rest are refused `busy` (before, all six were
 * written, each a full copy of the recording). Every request is answered. */
static void
exports_at_once(WtItWs *clerk, const char *id)
{
  enum { ASKED = 6 };
  for (int i = 0; i < ASKED; i++) {
    g_autofree char *text = g_strdup_printf(
        "{\"type\":\"request\",\"id\":%d,\"module\":\"archive\",\"action\":\"export\","
        "\"recording\":\"%s\"}",
        900 + i, id);
    g_assert_true(wt_it_ws_send(clerk, text));
  }
  guint written = 0, busy = 0;
  while (written + busy < ASKED) {
    g_autoptr(JsonObject) o = wt_it_ws_recv(clerk);
    const char *type = wt_it_get_string(o, "type");
    if (g_strcmp0(type, "result") == 0) {
      written++;
    } else if (g_strcmp0(type, "error") == 0) {
      g_assert_cmpstr(wt_it_get_string(o, "code"), ==, "busy");
      g_assert_nonnull(strstr(wt_it_get_string(o, "reason"), "2 exports of yours"));
      busy++;
    }
  }
  g_test_message("exports asked at once: %d, written %u, refused busy %u", ASKED, written, busy);
  g_assert_cmpuint(written, >=, 2);
  g_assert_cmpuint(busy, >=, 1);
}

static void
test_archive(void)
{
  g_autofree char *mods = modules_dir();
  g_autofree char *config = g_strdup_printf("[rooms]\nmax_participants=20\n"
                                            "[ice]\nloopback=true\n"
                                            "[liveness]\nenabled=false\n"
                                            "[recording]\nsegment_seconds=2\n"
                                            "[modules]\ndir=%s\nadjustable_clock=true\n"
                                            "[module.archive]\nretention_days=30\n"
                                            "retention_days_transfer=60\n",
                                            mods);
  g_autoptr(WtItDaemon) d = wt_it_daemon_start(config);
  wt_it_daemon_forbid_in_log(d, ID_PRINCIPAL);
  wt_it_daemon_forbid_in_log(d, ID_AGENT);
  wt_it_daemon_forbid_in_log(d, "１１０１０１");
  g_autofree char *id = record_case(d);

  g_autofree char *clerk_token = wt_it_mint(d, "clerk", "clerk-1", NULL);
  g_autofree char *admin_token = wt_it_mint(d, "admin", "admin-1", NULL);
  g_autofree char *amy_token = wt_it_mint(d, "applicant", "amy", NULL);
  g_autoptr(WtItWs) clerk = wt_it_ws_hello(d, clerk_token, NULL);
  g_autoptr(WtItWs) admin = wt_it_ws_hello(d, admin_token, NULL);
  g_autoptr(WtItWs) amy = wt_it_ws_hello(d, amy_token, NULL);

  /* Only clerks and admins. */
  refused(amy, "\"module\":\"archive\",\"action\":\"search\",\"case_number\":\"" CASE "\"",
          "forbidden");
  refused(clerk, "\"module\":\"archive\",\"action\":\"overview\"", "forbidden");
  refused(clerk, "\"module\":\"archive\",\"action\":\"search\"", "bad-message");
  refused(clerk, "\"module\":\"archive\",\"action\":\"search\",\"id_number\":\"12\"",
          "bad-message");
  /* A case number longer than any would be audited as asked: refused. */
  g_autofree char *long_case = g_strdup_printf(
      "\"module\":\"archive\",\"action\":\"search\",\"case_number\":\"%0*d\"", 65, 0);
  refused(clerk, long_case, "bad-message");
  refused(clerk, "\"module\":\"archive\",\"action\":\"nope\"", "bad-message");
  refused(clerk, "\"module\":\"archive\",\"action\":\"view\",\"recording\":\"../x\"",
          "bad-message");
  refused(clerk, "\"module\":\"archive\",\"action\":\"view\",\"recording\":\"r-none\"",
          "not-found");

  /* Found by the principal's ID number as typed at the counter, by case, by date. */
  g_autoptr(JsonObject) by_id =
      ok(clerk,
         "\"module\":\"archive\",\"action\":\"search\",\"id_number\":\"" ID_PRINCIPAL_WIDE "\"");
  check_found(only_result(by_id), id);
  g_autoptr(JsonObject) by_agent =
      ok(clerk, "\"module\":\"archive\",\"action\":\"search\",\"id_number\":\"" ID_AGENT "\"");
  check_found(only_result(by_agent), id);
  g_autoptr(JsonObject) by_case =
      ok(clerk, "\"module\":\"archive\",\"action\":\"search\",\"case_number\":\"wt-it-0001\"");
  check_found(only_result(by_case), id);
  gint64 now_ms = g_get_real_time() / 1000;
  g_autofree char *by_date_req =
      g_strdup_printf("\"module\":\"archive\",\"action\":\"search\",\"from_ms\":%" G_GINT64_FORMAT
                      ",\"to_ms\":%" G_GINT64_FORMAT,
                      now_ms - 600000, now_ms + 1000);
  g_autoptr(JsonObject) by_date = ok(clerk, by_date_req);
  check_found(only_result(by_date), id);
  g_autoptr(JsonObject) before = ok(clerk, "\"module\":\"archive\",\"action\":\"search\","
                                           "\"from_ms\":1000,\"to_ms\":2000");
  g_assert_cmpuint(json_array_get_length(json_object_get_array_member(before, "results")), ==, 0);
  g_autoptr(JsonObject) other = ok(
      clerk, "\"module\":\"archive\",\"action\":\"search\",\"id_number\":\"110101199001011234\"");
  g_assert_cmpuint(json_array_get_length(json_object_get_array_member(other, "results")), ==, 0);

  /* View: verified now, and the notary's state. */
  g_autofree char *view_req =
      g_strdup_printf("\"module\":\"archive\",\"action\":\"view\",\"recording\":\"%s\"", id);
  g_autoptr(JsonObject) view = ok(clerk, view_req);
  check_found(view, id);
  JsonObject *verify = json_object_get_object_member(view, "verify");
  g_assert_nonnull(verify);
  g_assert_true(json_object_get_boolean_member(verify, "ok"));
  g_assert_cmpint(json_object_get_int_member(view, "verified_ms"), >=, now_ms - 1000);
  g_autofree char *notary = to_text(json_object_get_object_member(view, "notary"));
  g_test_message("notary: %s", notary);
  g_assert_nonnull(json_object_get_object_member(view, "notary"));
  JsonObject *retention = json_object_get_object_member(view, "retention");
  g_assert_cmpint(json_object_get_int_member(retention, "days"), ==, 60);
  g_assert_cmpstr(wt_it_get_string(retention, "state"), ==, "keep");
  /* Searches show the cached result. */
  g_autoptr(JsonObject) again =
      ok(clerk, "\"module\":\"archive\",\"action\":\"search\",\"case_number\":\"" CASE "\"");
  g_assert_true(json_object_get_boolean_member(
      json_object_get_object_member(only_result(again), "verify"), "ok"));

  play_and_export(d, clerk, id);
  exports_at_once(clerk, id);

  /* The admin's overview. */
  g_autoptr(JsonObject) overview = ok(admin, "\"module\":\"archive\",\"action\":\"overview\"");
  g_assert_nonnull(json_object_get_array_member(overview, "rooms"));
  g_assert_nonnull(json_object_get_array_member(overview, "outbox"));
  g_assert_cmpint(
      json_object_get_int_member(json_object_get_object_member(overview, "recordings"), "total"),
      ==, 1);

  /* A hold outlives the retention period; lifted, the sweep deletes. */
  g_autofree char *hold_bare =
      g_strdup_printf("\"module\":\"archive\",\"action\":\"hold\",\"recording\":\"%s\"", id);
  refused(clerk, hold_bare, "bad-message");
  /* Reasons are one line of text: no bell, no right-to-left override. */
  g_autofree char *hold_ctrl = g_strdup_printf("%s,\"reason\":\"order\\u0007 2026\"", hold_bare);
  refused(clerk, hold_ctrl, "bad-message");
  g_autofree char *hold_rlo = g_strdup_printf("%s,\"reason\":\"order \\u202e7102\"", hold_bare);
  refused(clerk, hold_rlo, "bad-message");
  g_autofree char *hold = g_strdup_printf("%s,\"reason\":\"court order 2026-17\"", hold_bare);
  g_autoptr(JsonObject) held = ok(clerk, hold);
  g_assert_true(json_object_get_boolean_member(held, "hold"));
  refused(clerk, hold, "conflict");
  g_autoptr(JsonObject) clock = ok(admin, "\"module\":\"clock\",\"action\":\"set\","
                                          "\"offset_ms\":5270400000"); /* 61 days */
  g_assert_cmpint(json_object_get_int_member(clock, "offset_ms"), ==, 5270400000);
  g_autoptr(JsonObject) sweep1 = ok(admin, "\"module\":\"archive\",\"action\":\"sweep\"");
  g_assert_cmpuint(json_array_get_length(json_object_get_array_member(sweep1, "deleted")), ==, 0);
  g_autofree char *dir = g_build_filename(wt_it_daemon_data_dir(d), "archive", id, NULL);
  g_assert_true(g_file_test(dir, G_FILE_TEST_IS_DIR));
  g_autofree char *release = g_strdup_printf(
      "\"module\":\"archive\",\"action\":\"release\",\"recording\":\"%s\",\"reason\":\"case "
      "closed\"",
      id);
  g_autoptr(JsonObject) released = ok(clerk, release);
  g_assert_false(json_object_get_boolean_member(released, "hold"));
  g_autoptr(JsonObject) sweep2 = ok(admin, "\"module\":\"archive\",\"action\":\"sweep\"");
  JsonArray *deleted = json_object_get_array_member(sweep2, "deleted");
  g_assert_cmpuint(json_array_get_length(deleted), ==, 1);
  g_assert_cmpstr(json_array_get_string_element(deleted, 0), ==, id);
  g_assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
  g_autoptr(JsonObject) gone = ok(clerk, "\"module\":\"archive\",\"action\":\"search\","
                                         "\"case_number\":\"" CASE "\",\"include_deleted\":true");
  JsonObject *del = json_object_get_object_member(only_result(gone), "deleted");
  g_assert_nonnull(del);
  g_assert_nonnull(strstr(wt_it_get_string(del, "reason"), "60 days"));
  g_autoptr(JsonObject) hidden =
      ok(clerk, "\"module\":\"archive\",\"action\":\"search\",\"case_number\":\"" CASE "\"");
  g_assert_cmpuint(json_array_get_length(json_object_get_array_member(hidden, "results")), ==, 0);
  g_autofree char *play_req =
      g_strdup_printf("\"module\":\"archive\",\"action\":\"play\",\"recording\":\"%s\"", id);
  refused(clerk, play_req, "not-found");

  /* The audit log: every step, intact, and no ID number in plain. */
  g_autoptr(JsonObject) audit =
      ok(clerk, "\"module\":\"archive\",\"action\":\"audit\",\"limit\":1000");
  /* A recording that is not an id, or a limit out of range, is refused, not
   * read as "the whole log" or clamped. */
  refused(clerk, "\"module\":\"archive\",\"action\":\"audit\",\"recording\":5", "bad-message");
  refused(clerk, "\"module\":\"archive\",\"action\":\"audit\",\"recording\":null", "bad-message");
  refused(clerk, "\"module\":\"archive\",\"action\":\"audit\",\"limit\":0", "bad-message");
  refused(clerk, "\"module\":\"archive\",\"action\":\"audit\",\"limit\":1001", "bad-message");
  g_assert_true(json_object_get_boolean_member(audit, "intact"));
  JsonArray *entries = json_object_get_array_member(audit, "entries");
  g_autoptr(GHashTable) actions = g_hash_table_new(g_str_hash, g_str_equal);
  for (guint i = 0; i < json_array_get_length(entries); i++)
    g_hash_table_add(
        actions, (gpointer)wt_it_get_string(json_array_get_object_element(entries, i), "action"));
  const char *expected[] = {"search", "view", "play", "export", "hold", "release", "delete"};
  for (guint i = 0; i < G_N_ELEMENTS(expected); i++)
    g_assert_true(g_hash_table_contains(actions, expected[i]));
  g_autofree char *audit_text = to_text(audit);
  g_assert_null(strstr(audit_text, ID_PRINCIPAL));
  g_assert_null(strstr(audit_text, ID_AGENT));

  g_clear_pointer(&clerk, wt_it_ws_free);
  g_clear_pointer(&admin, wt_it_ws_free);
  g_clear_pointer(&amy, wt_it_ws_free);
  wt_it_daemon_stop_clean(d);
  wt_it_rm_rf(mods);
}

/* A bad setting keeps the module out, with the key named. */
static void
test_bad_setting(void)
{
  g_autofree char *mods = modules_dir();
  const char *bad[] = {"retention_days=0", "retention_days_transfer=ten", "url_ttl_s=5",
                       "sweep_s=0", "exports_at_once=0"};
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autofree char *config =
        g_strdup_printf("[modules]\ndir=%s\n[module.archive]\n%s\n", mods, bad[i]);
    g_autoptr(WtItDaemon) d = wt_it_daemon_start(config);
    g_autofree char *token = wt_it_mint(d, "clerk", "clerk-1", NULL);
    g_autoptr(WtItWs) clerk = wt_it_ws_hello(d, token, NULL);
    refused(clerk, "\"module\":\"archive\",\"action\":\"search\",\"case_number\":\"x\"",
            "not-found");
    g_autofree char *log = wt_it_daemon_log(d);
    g_auto(GStrv) kv = g_strsplit(bad[i], "=", 2);
    g_autofree char *named = g_strdup_printf("[module.archive] %s = ", kv[0]);
    g_assert_nonnull(strstr(log, named));
    g_clear_pointer(&clerk, wt_it_ws_free);
    wt_it_daemon_stop_clean(d);
  }
  wt_it_rm_rf(mods);
}

/* A tampered audit log is reported to the clerk (intact false, the row it
 * breaks at) and logged as a warning; the server goes on serving. */
static void
test_tampered_audit(void)
{
  g_autofree char *mods = modules_dir();
  g_autofree char *config = g_strdup_printf("[modules]\ndir=%s\n", mods);
  g_autoptr(WtItDaemon) d = wt_it_daemon_start(config);
  g_autofree char *token = wt_it_mint(d, "clerk", "clerk-1", NULL);
  g_autoptr(WtItWs) clerk = wt_it_ws_hello(d, token, NULL);
  for (int i = 0; i < 3; i++) { /* three audit rows */
    g_autoptr(JsonObject) none =
        ok(clerk, "\"module\":\"archive\",\"action\":\"search\",\"case_number\":\"x\"");
  }
  g_clear_pointer(&clerk, wt_it_ws_free);
  wt_it_daemon_stop_clean(d);

  /* Someone with the database file changes the second row behind the triggers. */
  g_autofree char *db = g_build_filename(wt_it_daemon_data_dir(d), "witness.db", NULL);
  const char *argv[] = {"/usr/bin/python3", "-c",
                        "import sqlite3, sys\n"
                        "c = sqlite3.connect(sys.argv[1])\n"
                        "c.execute('DROP TRIGGER archive_audit_no_update')\n"
                        "c.execute(\"UPDATE archive_audit SET actor = 'mallory' WHERE seq = 2\")\n"
                        "c.commit()\n",
                        db, NULL};
  g_autofree char *err = NULL;
  g_assert_cmpint(wt_it_run(argv, NULL, 30000, NULL, &err), ==, 0);

  g_autoptr(WtItDaemon) d2 = wt_it_daemon_restart(d, config);
  g_autofree char *token2 = wt_it_mint(d2, "clerk", "clerk-1", NULL);
  g_autoptr(WtItWs) clerk2 = wt_it_ws_hello(d2, token2, NULL);
  g_autoptr(JsonObject) audit = ok(clerk2, "\"module\":\"archive\",\"action\":\"audit\"");
  g_assert_false(json_object_get_boolean_member(audit, "intact"));
  g_assert_cmpint(json_object_get_int_member(audit, "broken_at"), ==, 2);
  /* Still serving: the next request is answered, and it stops cleanly. */
  g_autoptr(JsonObject) none =
      ok(clerk2, "\"module\":\"archive\",\"action\":\"search\",\"case_number\":\"x\"");
  g_assert_cmpuint(json_array_get_length(json_object_get_array_member(none, "results")), ==, 0);
  g_autofree char *log = wt_it_daemon_log(d2);
  /* A warning: tampering is an alarm for the operators, not a bug in witnessd. */
  g_assert_nonnull(strstr(log, "warning witness-archive: archive: the audit log does not verify "
                               "from row 2"));
  g_clear_pointer(&clerk2, wt_it_ws_free);
  wt_it_daemon_stop_clean(d2);
  wt_it_rm_rf(mods);
}

int
main(int argc, char **argv)
{
  wt_it_init(&argc, &argv);
  if (argc < 4)
    g_error("usage: test_archive --tap WITNESS_LOAD CLIP_DIR MODULES_DIR");
  witness_load = argv[1];
  clip_dir = argv[2];
  modules_build_dir = argv[3];
  g_test_add_func("/archive/bad-setting", test_bad_setting);
  g_test_add_func("/archive/tampered-audit", test_tampered_audit);
  g_test_add_func("/archive/clerk-retrieval", test_archive);
  return wt_it_run_tests();
}
