/* test_notary.c — storage/notary.h against the real scripts/notary-backend
 * on 127.0.0.1: every seal and anchor stored exactly once; a backend that is
 * down for a while (WT_NOTARY_DOWN_S, default 60 s as the issue asks) and
 * then comes up gets everything, once; 500 is retried; a lost response is
 * not duplicated; 400 is a permanent failure, not retried; a restarted
 * notary delivers what was pending; the local ledger is a hash chain that
 * verifies and continues across restarts.
 *
 * The notary runs in this process on its own thread, with fast retries.
 */
#include <glib/gstdio.h>
#include <string.h>

#include "chain.h"
#include "harness.h"
#include "notary.h"
#include "notary_backend.h"

#define RETRY_INITIAL_MS 50
#define RETRY_MAX_MS 1000

typedef struct {
  char *dir; /* the test's folder: db, archive, backend data */
  WtDb *db;
  WtNotary *notary;
} Fixture;

static void
open_notary(Fixture *f, const char *url)
{
  g_autofree char *db_path = g_build_filename(f->dir, WT_DB_FILE, NULL);
  g_autofree char *ledger = g_build_filename(f->dir, WT_LEDGER_FILE, NULL);
  g_autoptr(GError) error = NULL;
  f->db = wt_db_open(db_path, &error);
  g_assert_no_error(error);
  WtNotaryConfig config = {.db = f->db,
                           .url = url,
                           .ledger_path = ledger,
                           .retry_initial_ms = RETRY_INITIAL_MS,
                           .retry_max_ms = RETRY_MAX_MS,
                           .timeout_ms = 5000};
  f->notary = wt_notary_new(&config, &error);
  g_assert_no_error(error);
}

static void
close_notary(Fixture *f)
{
  g_clear_pointer(&f->notary, wt_notary_free);
  g_clear_pointer(&f->db, wt_db_close);
}

static void
fixture_set_up(Fixture *f, gconstpointer data)
{
  f->dir = wt_it_make_temp_dir();
}

static void
fixture_tear_down(Fixture *f, gconstpointer data)
{
  close_notary(f);
  wt_it_rm_rf(f->dir);
  g_free(f->dir);
}

static char *
head_of(const char *id, guint n)
{
  g_autofree char *text = g_strdup_printf("%s/%u", id, n);
  return g_compute_checksum_for_string(G_CHECKSUM_SHA256, text, -1);
}

/* A recording folder and its (pretend) seal, as the recorder makes them. */
static char *
seal_recording(Fixture *f, const char *id, guint records)
{
  g_autofree char *dir = g_build_filename(f->dir, "archive", id, NULL);
  g_assert_cmpint(g_mkdir_with_parents(dir, 0750), ==, 0);
  g_autoptr(GError) error = NULL;
  g_assert_true(wt_notary_recording_started(f->notary, id, dir, &error));
  g_autofree char *head = head_of(id, records);
  g_autofree char *seal = g_strdup_printf(
      "{\"version\":1,\"recording\":\"%s\",\"reason\":\"ended\",\"sealed\":%" G_GINT64_FORMAT
      ",\"chain_head\":\"%s\",\"chain_records\":%u,\"key_id\":\"ed25519-test\","
      "\"signature\":\"c2ln\"}",
      id, g_get_real_time() / 1000, head, records);
  g_assert_true(wt_notary_recording_sealed(f->notary, id, dir, "ended", seal, &error));
  g_assert_no_error(error);
  return g_steal_pointer(&dir);
}

static WtNotaryStats
stats(Fixture *f)
{
  WtNotaryStats s;
  g_autoptr(GError) error = NULL;
  g_assert_true(wt_notary_get_stats(f->notary, &s, &error));
  return s;
}

/* Waits until @delivered items are delivered and none pending. */
static void
wait_delivered(Fixture *f, guint64 delivered, guint timeout_ms)
{
  gint64 until = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
  WtNotaryStats s;
  do {
    s = stats(f);
    if (s.delivered == delivered && s.pending == 0)
      return;
    g_usleep(20 * 1000);
  } while (g_get_monotonic_time() < until);
  g_error("after %u ms: %" G_GUINT64_FORMAT " delivered (want %" G_GUINT64_FORMAT
          "), %" G_GUINT64_FORMAT " pending, %" G_GUINT64_FORMAT " failed",
          timeout_ms, s.delivered, delivered, s.pending, s.failed);
}

static JsonObject *
read_json_file(const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename(dir, name, NULL);
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  g_autoptr(JsonNode) node = json_from_string(text, NULL);
  g_assert_nonnull(node);
  return json_object_ref(json_node_get_object(node));
}

/* The receipt the backend stored for @recording's seal. */
static const char *
stored_receipt_id(JsonArray *items, const char *recording, const char *kind)
{
  const char *found = NULL;
  for (guint i = 0; i < json_array_get_length(items); i++) {
    JsonObject *e = json_array_get_object_element(items, i);
    JsonObject *item = json_object_get_object_member(e, "item");
    if (g_str_equal(json_object_get_string_member(item, "recording"), recording) &&
        g_str_equal(json_object_get_string_member(item, "kind"), kind)) {
      g_assert_null(found); /* stored once */
      found =
          json_object_get_string_member(json_object_get_object_member(e, "receipt"), "receipt_id");
    }
  }
  g_assert_nonnull(found);
  return found;
}

static void
test_exactly_once(Fixture *f, gconstpointer data)
{
  g_autofree char *be_dir = g_build_filename(f->dir, "backend", NULL);
  g_autoptr(WtItBackend) b = wt_it_backend_start(be_dir, 0);
  open_notary(f, wt_it_backend_url(b));
  g_autoptr(GPtrArray) dirs = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GError) error = NULL;
  for (guint i = 0; i < 5; i++) {
    g_autofree char *id = g_strdup_printf("r-once-%u", i);
    g_autofree char *head = head_of(id, 3);
    g_assert_true(wt_notary_add_anchor(f->notary, id, 3, head, &error));
    /* The same anchor again (a retried call) is still one item. */
    g_assert_true(wt_notary_add_anchor(f->notary, id, 3, head, &error));
    g_ptr_array_add(dirs, seal_recording(f, id, 9));
  }
  wait_delivered(f, 10, 10000);
  g_assert_cmpuint(wt_it_backend_count(b, "seal"), ==, 5);
  g_assert_cmpuint(wt_it_backend_count(b, "anchor"), ==, 5);
  g_autoptr(JsonArray) items = wt_it_backend_items(b);
  for (guint i = 0; i < 5; i++) {
    g_autofree char *id = g_strdup_printf("r-once-%u", i);
    /* receipt.json beside the seal is the backend's receipt for it. */
    g_autoptr(JsonObject) receipt = read_json_file(dirs->pdata[i], WT_RECEIPT_FILE);
    g_assert_cmpstr(json_object_get_string_member(receipt, "receipt_id"), ==,
                    stored_receipt_id(items, id, "seal"));
    g_autofree char *head = head_of(id, 9);
    g_assert_cmpstr(json_object_get_string_member(receipt, "chain_head"), ==, head);
    /* And the database says so. */
    g_autoptr(JsonObject) row = wt_notary_lookup(f->notary, id, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(json_object_get_string_member(row, "state"), ==, "sealed");
    g_assert_cmpstr(json_object_get_string_member(row, "reason"), ==, "ended");
    g_assert_cmpstr(
        json_object_get_string_member(json_object_get_object_member(row, "seal"), "chain_head"), ==,
        head);
    g_assert_cmpstr(
        json_object_get_string_member(json_object_get_object_member(row, "receipt"), "receipt_id"),
        ==, stored_receipt_id(items, id, "seal"));
  }
  g_assert_null(wt_notary_lookup(f->notary, "r-unknown", &error));
  g_assert_no_error(error);
  g_assert_cmpuint(stats(f).attempts_total, ==, 10);
}

static void
test_retry_500(Fixture *f, gconstpointer data)
{
  g_autofree char *be_dir = g_build_filename(f->dir, "backend", NULL);
  g_autoptr(WtItBackend) b = wt_it_backend_start(be_dir, 0);
  wt_it_backend_control(b, "{\"fail_next\":3,\"status\":500}");
  open_notary(f, wt_it_backend_url(b));
  g_autofree char *dir = seal_recording(f, "r-500", 4);
  wait_delivered(f, 1, 15000);
  g_assert_cmpuint(stats(f).attempts_total, ==, 4);
  g_assert_cmpuint(wt_it_backend_count(b, NULL), ==, 1);
  g_assert_true(g_file_test(dir, G_FILE_TEST_IS_DIR));
  g_autoptr(JsonObject) receipt = read_json_file(dir, WT_RECEIPT_FILE);
  g_assert_true(json_object_has_member(receipt, "receipt_id"));
}

static void
test_retry_429(Fixture *f, gconstpointer data)
{
  g_autofree char *be_dir = g_build_filename(f->dir, "backend", NULL);
  g_autoptr(WtItBackend) b = wt_it_backend_start(be_dir, 0);
  wt_it_backend_control(b, "{\"fail_next\":1,\"status\":429}");
  open_notary(f, wt_it_backend_url(b));
  g_autofree char *dir = seal_recording(f, "r-429", 4);
  wait_delivered(f, 1, 15000);
  g_assert_cmpuint(stats(f).attempts_total, ==, 2);
  g_assert_cmpuint(wt_it_backend_count(b, NULL), ==, 1);
  g_autoptr(JsonObject) receipt = read_json_file(dir, WT_RECEIPT_FILE);
  g_assert_cmpstr(json_object_get_string_member(receipt, "recording"), ==, "r-429");
}

static void
test_lost_response(Fixture *f, gconstpointer data)
{
  g_autofree char *be_dir = g_build_filename(f->dir, "backend", NULL);
  g_autoptr(WtItBackend) b = wt_it_backend_start(be_dir, 0);
  wt_it_backend_control(b, "{\"drop_response_next\":1}");
  open_notary(f, wt_it_backend_url(b));
  g_autofree char *dir = seal_recording(f, "r-lost", 4);
  wait_delivered(f, 1, 15000);
  /* Stored on the first attempt, whose answer was lost; the retry got the
   * original receipt and stored nothing new. */
  g_assert_cmpuint(stats(f).attempts_total, ==, 2);
  g_autoptr(JsonArray) items = wt_it_backend_items(b);
  g_assert_cmpuint(json_array_get_length(items), ==, 1);
  g_autoptr(JsonObject) receipt = read_json_file(dir, WT_RECEIPT_FILE);
  g_assert_cmpstr(json_object_get_string_member(receipt, "receipt_id"), ==,
                  stored_receipt_id(items, "r-lost", "seal"));
}

static void
test_permanent_400(Fixture *f, gconstpointer data)
{
  g_autofree char *be_dir = g_build_filename(f->dir, "backend", NULL);
  g_autoptr(WtItBackend) b = wt_it_backend_start(be_dir, 0);
  wt_it_backend_control(b, "{\"fail_next\":1,\"status\":400}");
  open_notary(f, wt_it_backend_url(b));
  g_autofree char *dir = seal_recording(f, "r-400", 4);
  gint64 until = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (stats(f).failed == 0 && g_get_monotonic_time() < until)
    g_usleep(20 * 1000);
  /* Kept as failed and left alone: no retries, however long we wait. */
  g_usleep(RETRY_MAX_MS * 2 * 1000);
  WtNotaryStats s = stats(f);
  g_assert_cmpuint(s.failed, ==, 1);
  g_assert_cmpuint(s.pending, ==, 0);
  g_assert_cmpuint(s.attempts_total, ==, 1);
  g_assert_cmpuint(wt_it_backend_count(b, NULL), ==, 0);
  g_autofree char *receipt = g_build_filename(dir, WT_RECEIPT_FILE, NULL);
  g_assert_false(g_file_test(receipt, G_FILE_TEST_EXISTS));
  /* Other items still go through. */
  g_autofree char *dir2 = seal_recording(f, "r-after-400", 4);
  until = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (stats(f).delivered == 0 && g_get_monotonic_time() < until)
    g_usleep(20 * 1000);
  g_assert_cmpuint(wt_it_backend_count(b, NULL), ==, 1);
  g_autoptr(JsonObject) receipt2 = read_json_file(dir2, WT_RECEIPT_FILE);
  g_assert_cmpstr(json_object_get_string_member(receipt2, "recording"), ==, "r-after-400");
}

static void
test_backend_down(Fixture *f, gconstpointer data)
{
  guint down_s = 60;
  const char *env = g_getenv("WT_NOTARY_DOWN_S");
  if (env)
    down_s = (guint)g_ascii_strtoull(env, NULL, 10);
  guint16 port = wt_it_free_port();
  g_autofree char *url = g_strdup_printf("http://127.0.0.1:%u/seals", port);
  open_notary(f, url);
  gint64 t0 = g_get_monotonic_time();
  g_autofree char *d1 = seal_recording(f, "r-down-1", 5);
  g_autoptr(GError) error = NULL;
  g_autofree char *head = head_of("r-down-2", 2);
  g_assert_true(wt_notary_add_anchor(f->notary, "r-down-2", 2, head, &error));
  g_usleep((gulong)down_s * G_USEC_PER_SEC / 2);
  g_autofree char *d2 = seal_recording(f, "r-down-2", 6);
  while (g_get_monotonic_time() < t0 + (gint64)down_s * G_USEC_PER_SEC)
    g_usleep(100 * 1000);
  WtNotaryStats s = stats(f);
  g_test_message("backend down %u s: %" G_GUINT64_FORMAT " attempts, %" G_GUINT64_FORMAT
                 " pending, oldest %" G_GINT64_FORMAT " s",
                 down_s, s.attempts_total, s.pending, s.oldest_pending_age_s);
  g_assert_cmpuint(s.pending, ==, 3);
  g_assert_cmpuint(s.delivered, ==, 0);
  g_assert_cmpint(s.oldest_pending_age_s, >=, (gint64)down_s - 1);
  /* Backoff is capped: retries went on through the outage, but not in a hot loop. */
  g_assert_cmpuint(s.attempts_total, >=, 3);
  g_assert_cmpuint(s.attempts_total, <=, 3 * (down_s * 1000 / (RETRY_MAX_MS / 2) + 8));

  g_autofree char *be_dir = g_build_filename(f->dir, "backend", NULL);
  g_autoptr(WtItBackend) b = wt_it_backend_start(be_dir, port);
  gint64 up = g_get_monotonic_time();
  wait_delivered(f, 3, RETRY_MAX_MS * 3 + 5000);
  g_test_message("delivered %.2f s after the backend came up",
                 (double)(g_get_monotonic_time() - up) / G_USEC_PER_SEC);
  g_assert_cmpuint(wt_it_backend_count(b, "seal"), ==, 2);
  g_assert_cmpuint(wt_it_backend_count(b, "anchor"), ==, 1);
  g_autoptr(JsonObject) r1 = read_json_file(d1, WT_RECEIPT_FILE);
  g_autoptr(JsonObject) r2 = read_json_file(d2, WT_RECEIPT_FILE);
  g_assert_cmpstr(json_object_get_string_member(r1, "recording"), ==, "r-down-1");
  g_assert_cmpstr(json_object_get_string_member(r2, "recording"), ==, "r-down-2");
}

static void
test_restart(Fixture *f, gconstpointer data)
{
  guint16 port = wt_it_free_port();
  g_autofree char *url = g_strdup_printf("http://127.0.0.1:%u/seals", port);
  open_notary(f, url);
  g_autofree char *dir = seal_recording(f, "r-restart", 7);
  g_usleep(200 * 1000);
  g_assert_cmpuint(stats(f).pending, ==, 1);
  close_notary(f);

  g_autofree char *be_dir = g_build_filename(f->dir, "backend", NULL);
  g_autoptr(WtItBackend) b = wt_it_backend_start(be_dir, port);
  open_notary(f, url);
  wait_delivered(f, 1, 10000);
  g_assert_cmpuint(wt_it_backend_count(b, "seal"), ==, 1);
  g_autoptr(JsonObject) receipt = read_json_file(dir, WT_RECEIPT_FILE);
  g_assert_cmpstr(json_object_get_string_member(receipt, "recording"), ==, "r-restart");
}

/* A process that stopped between writing seal.json and handing it over: the
 * next notary finds the recording `running` with a seal on disk and hands it
 * over then. */
static void
test_sealed_but_not_handed_over(Fixture *f, gconstpointer data)
{
  open_notary(f, NULL);
  g_autofree char *dir = g_build_filename(f->dir, "archive", "r-crash", NULL);
  g_assert_cmpint(g_mkdir_with_parents(dir, 0750), ==, 0);
  g_autoptr(GError) error = NULL;
  g_assert_true(wt_notary_recording_started(f->notary, "r-crash", dir, &error));
  g_assert_true(wt_notary_recording_started(f->notary, "r-cut-short", f->dir, &error));
  close_notary(f);
  g_autofree char *head = head_of("r-crash", 4);
  g_autofree char *seal = g_strdup_printf(
      "{\"version\":1,\"recording\":\"r-crash\",\"reason\":\"shutdown\",\"chain_head\":\"%s\","
      "\"chain_records\":4}\n",
      head);
  g_autofree char *path = g_build_filename(dir, "seal.json", NULL);
  g_assert_true(g_file_set_contents(path, seal, -1, NULL));
  open_notary(f, NULL);
  wait_delivered(f, 1, 10000);
  g_autoptr(JsonObject) row = wt_notary_lookup(f->notary, "r-crash", &error);
  g_assert_cmpstr(json_object_get_string_member(row, "state"), ==, "sealed");
  g_assert_cmpstr(json_object_get_string_member(row, "reason"), ==, "shutdown");
  g_autoptr(JsonObject) receipt = read_json_file(dir, WT_RECEIPT_FILE);
  g_assert_cmpstr(json_object_get_string_member(receipt, "chain_head"), ==, head);
  g_autoptr(JsonObject) other = wt_notary_lookup(f->notary, "r-cut-short", &error);
  g_assert_cmpstr(json_object_get_string_member(other, "state"), ==, "running");
}

static void
test_bad_seal(Fixture *f, gconstpointer data)
{
  open_notary(f, NULL);
  g_autoptr(GError) error = NULL;
  g_assert_false(wt_notary_recording_sealed(f->notary, "r-bad", f->dir, "ended", "{oops", &error));
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error(&error);
  g_assert_false(
      wt_notary_recording_sealed(f->notary, "r-bad", f->dir, "ended", "{\"version\":1}", &error));
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  WtNotaryStats s = stats(f);
  g_assert_cmpuint(s.pending + s.delivered + s.failed, ==, 0);
  g_clear_error(&error);
  g_assert_null(wt_notary_lookup(f->notary, "r-bad", &error));
  g_assert_no_error(error);
}

/* Checks the whole ledger with chain.h's own reader; returns its length. */
static guint64
ledger_length(Fixture *f)
{
  g_autofree char *path = g_build_filename(f->dir, WT_LEDGER_FILE, NULL);
  g_autoptr(GError) error = NULL;
  gboolean torn = FALSE;
  g_autoptr(WtChain) chain = wt_chain_open(path, &torn, &error);
  g_assert_no_error(error);
  g_assert_false(torn);
  return wt_chain_get_length(chain);
}

static void
test_ledger(Fixture *f, gconstpointer data)
{
  open_notary(f, "");
  g_autoptr(GError) error = NULL;
  g_autofree char *head = head_of("r-led-0", 2);
  g_assert_true(wt_notary_add_anchor(f->notary, "r-led-0", 2, head, &error));
  g_autofree char *d0 = seal_recording(f, "r-led-0", 5);
  g_autofree char *d1 = seal_recording(f, "r-led-1", 8);
  wait_delivered(f, 3, 10000);
  close_notary(f);
  g_assert_cmpuint(ledger_length(f), ==, 3);

  /* Each receipt is that recording's ledger entry. */
  g_autoptr(JsonObject) r0 = read_json_file(d0, WT_RECEIPT_FILE);
  g_autoptr(JsonObject) r1 = read_json_file(d1, WT_RECEIPT_FILE);
  g_assert_cmpstr(json_object_get_string_member(r0, "type"), ==, "seal");
  g_assert_cmpint(json_object_get_int_member(r0, "seq"), ==, 1);
  g_assert_cmpint(json_object_get_int_member(r1, "seq"), ==, 2);
  g_assert_cmpstr(json_object_get_string_member(r1, "prev"), ==,
                  json_object_get_string_member(r0, "hash"));
  g_assert_cmpstr(json_object_get_string_member(r0, "recording"), ==, "r-led-0");
  g_assert_cmpstr(
      json_object_get_string_member(json_object_get_object_member(r1, "seal"), "recording"), ==,
      "r-led-1");

  /* After a restart the chain goes on from where it was. */
  open_notary(f, NULL);
  g_autofree char *d2 = seal_recording(f, "r-led-2", 3);
  wait_delivered(f, 4, 10000);
  close_notary(f);
  g_assert_cmpuint(ledger_length(f), ==, 4);
  g_autoptr(JsonObject) r2 = read_json_file(d2, WT_RECEIPT_FILE);
  g_assert_cmpstr(json_object_get_string_member(r2, "prev"), ==,
                  json_object_get_string_member(r1, "hash"));

  /* Tampering with an entry breaks the chain (the test can fail). */
  g_autofree char *path = g_build_filename(f->dir, WT_LEDGER_FILE, NULL);
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  char *at = strstr(text, "r-led-1");
  g_assert_nonnull(at);
  at[6] = '9';
  g_assert_true(g_file_set_contents(path, text, -1, NULL));
  gboolean torn = FALSE;
  g_autoptr(WtChain) chain = wt_chain_open(path, &torn, &error);
  g_assert_null(chain);
  g_assert_error(error, WT_CHAIN_ERROR, WT_CHAIN_ERROR_HASH);
}

int
main(int argc, char **argv)
{
  wt_it_init(&argc, &argv);
  /* The notary warns (as it should) about a refused seal; criticals stay fatal. */
  g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_test_add("/notary/exactly-once", Fixture, NULL, fixture_set_up, test_exactly_once,
             fixture_tear_down);
  g_test_add("/notary/retry-500", Fixture, NULL, fixture_set_up, test_retry_500, fixture_tear_down);
  g_test_add("/notary/retry-429", Fixture, NULL, fixture_set_up, test_retry_429, fixture_tear_down);
  g_test_add("/notary/lost-response", Fixture, NULL, fixture_set_up, test_lost_response,
             fixture_tear_down);
  g_test_add("/notary/permanent-400", Fixture, NULL, fixture_set_up, test_permanent_400,
             fixture_tear_down);
  g_test_add("/notary/restart", Fixture, NULL, fixture_set_up, test_restart, fixture_tear_down);
  g_test_add("/notary/sealed-but-not-handed-over", Fixture, NULL, fixture_set_up,
             test_sealed_but_not_handed_over, fixture_tear_down);
  g_test_add("/notary/bad-seal", Fixture, NULL, fixture_set_up, test_bad_seal, fixture_tear_down);
  g_test_add("/notary/ledger", Fixture, NULL, fixture_set_up, test_ledger, fixture_tear_down);
  g_test_add("/notary/backend-down", Fixture, NULL, fixture_set_up, test_backend_down,
             fixture_tear_down);
  return wt_it_run_tests();
}
