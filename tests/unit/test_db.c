/* test_db.c — storage/db.h: WAL mode, per-module migrations (applied once,
 * resumed, refused when the file is newer), transactions that roll back. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "db.h"

typedef struct {
  char *dir, *path;
} Fixture;

static void
fixture_set_up(Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp("wt-db-XXXXXX", NULL);
  f->path = g_build_filename(f->dir, WT_DB_FILE, NULL);
}

static void
fixture_tear_down(Fixture *f, gconstpointer data)
{
  const char *suffixes[] = {"", "-wal", "-shm"};
  for (guint i = 0; i < G_N_ELEMENTS(suffixes); i++) {
    g_autofree char *p = g_strconcat(f->path, suffixes[i], NULL);
    g_unlink(p);
  }
  g_rmdir(f->dir);
  g_free(f->path);
  g_free(f->dir);
}

typedef struct {
  const char *sql;
  gint64 value;
} Query;

static gboolean
query_int(sqlite3 *sql, gpointer user_data, GError **error)
{
  Query *q = user_data;
  g_autoptr(sqlite3_stmt) stmt = wt_db_prepare(sql, q->sql, error);
  if (!stmt)
    return FALSE;
  if (sqlite3_step(stmt) != SQLITE_ROW)
    return wt_db_set_error(error, sql, "no row");
  q->value = sqlite3_column_int64(stmt, 0);
  return TRUE;
}

static gint64
scalar(WtDb *db, const char *text)
{
  Query q = {.sql = text};
  g_autoptr(GError) error = NULL;
  g_assert_true(wt_db_transaction(db, query_int, &q, &error));
  g_assert_no_error(error);
  return q.value;
}

static const char *const steps_v2[] = {
    "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
    "ALTER TABLE items ADD COLUMN note TEXT; INSERT INTO items (name, note) VALUES ('a', 'b')",
};

static void
test_migrations(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  {
    g_autoptr(WtDb) db = wt_db_open(f->path, &error);
    g_assert_no_error(error);
    /* The first step only, as an older build would. */
    g_assert_true(wt_db_migrate(db, "items", steps_v2, 1, &error));
    g_assert_no_error(error);
    g_assert_cmpint(scalar(db, "SELECT version FROM schema_versions WHERE module='items'"), ==, 1);
  }
  g_autoptr(WtDb) db = wt_db_open(f->path, &error);
  g_assert_no_error(error);
  /* Resumes at step 2, then is a no-op. */
  g_assert_true(wt_db_migrate(db, "items", steps_v2, 2, &error));
  g_assert_true(wt_db_migrate(db, "items", steps_v2, 2, &error));
  g_assert_no_error(error);
  g_assert_cmpint(scalar(db, "SELECT count(*) FROM items WHERE note = 'b'"), ==, 1);
  /* Another module's numbers are its own. */
  static const char *const other[] = {"CREATE TABLE other (x INTEGER)"};
  g_assert_true(wt_db_migrate(db, "other", other, 1, &error));
  g_assert_cmpint(scalar(db, "SELECT count(*) FROM schema_versions"), ==, 2);
  /* A build that knows fewer steps than the file holds refuses it. */
  g_assert_false(wt_db_migrate(db, "items", steps_v2, 1, &error));
  g_assert_error(error, WT_DB_ERROR, WT_DB_ERROR_NEWER);
  g_test_message("%s", error->message);
}

static void
test_wal(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WtDb) db = wt_db_open(f->path, &error);
  g_assert_no_error(error);
  g_autofree char *wal = g_strconcat(f->path, "-wal", NULL);
  g_assert_true(wt_db_migrate(db, "items", steps_v2, 1, &error));
  g_assert_true(g_file_test(wal, G_FILE_TEST_EXISTS));
}

static gboolean
insert_then_fail(sqlite3 *sql, gpointer user_data, GError **error)
{
  if (!wt_db_exec(sql, "INSERT INTO items (name) VALUES ('x')", error))
    return FALSE;
  if (GPOINTER_TO_INT(user_data) == 1) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "the body failed");
    return FALSE;
  }
  if (GPOINTER_TO_INT(user_data) == 2)
    return wt_db_exec(sql, "INSERT INTO no_such_table VALUES (1)", error);
  return TRUE;
}

static void
test_transaction_rolls_back(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WtDb) db = wt_db_open(f->path, &error);
  g_assert_true(wt_db_migrate(db, "items", steps_v2, 1, &error));
  g_assert_true(wt_db_transaction(db, insert_then_fail, GINT_TO_POINTER(0), &error));
  g_assert_false(wt_db_transaction(db, insert_then_fail, GINT_TO_POINTER(1), &error));
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_clear_error(&error);
  g_assert_false(wt_db_transaction(db, insert_then_fail, GINT_TO_POINTER(2), &error));
  g_assert_error(error, WT_DB_ERROR, WT_DB_ERROR_SQL);
  g_assert_nonnull(strstr(error->message, "no_such_table"));
  /* Only the committed row is there; the connection still works. */
  g_assert_cmpint(scalar(db, "SELECT count(*) FROM items"), ==, 1);
}

static void
test_open_fails_clearly(void)
{
  g_autoptr(GError) error = NULL;
  g_assert_null(wt_db_open("/nonexistent-wt-folder/witness.db", &error));
  g_assert_error(error, WT_DB_ERROR, WT_DB_ERROR_OPEN);
  g_assert_nonnull(strstr(error->message, "/nonexistent-wt-folder/witness.db"));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add("/db/migrations", Fixture, NULL, fixture_set_up, test_migrations, fixture_tear_down);
  g_test_add("/db/wal", Fixture, NULL, fixture_set_up, test_wal, fixture_tear_down);
  g_test_add("/db/transaction-rolls-back", Fixture, NULL, fixture_set_up,
             test_transaction_rolls_back, fixture_tear_down);
  g_test_add_func("/db/open-fails-clearly", test_open_fails_clearly);
  return g_test_run();
}
