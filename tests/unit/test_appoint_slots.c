/* test_appoint_slots.c — the appointments module's pure parts
 * (server/modules/appoint/slots.c and store.c): the settings and their
 * refusals, which slots exist, the check-in window at T-16 and T-15 minutes
 * exactly, and capacity enforced by the booking transaction (store.c run on
 * an in-memory SQLite database through a stand-in for the host's services). */
#include <gio/gio.h>

#include "slots.h"
#include "store.h"

#define MIN_MS G_GINT64_CONSTANT(60000)

/* ---- Settings -------------------------------------------------------------------------- */

static const char *
from_table(gpointer user_data, const char *key)
{
  return g_hash_table_lookup(user_data, key);
}

static gboolean
parse(WtAppointConfig *cfg, GError **error, ...)
{
  g_autoptr(GHashTable) t = g_hash_table_new(g_str_hash, g_str_equal);
  va_list ap;
  va_start(ap, error);
  const char *k;
  while ((k = va_arg(ap, const char *)))
    g_hash_table_insert(t, (gpointer)k, va_arg(ap, char *));
  va_end(ap);
  return wt_appoint_config_parse(cfg, from_table, t, error);
}

static void
test_settings(void)
{
  WtAppointConfig cfg;
  g_autoptr(GError) error = NULL;
  g_assert_true(parse(&cfg, &error, NULL));
  g_assert_cmpint(cfg.days, ==, 0x1f);
  g_assert_cmpint(cfg.open_min, ==, 540);
  g_assert_cmpint(cfg.close_min, ==, 1020);
  g_assert_cmpint(cfg.slot_minutes, ==, 30);
  g_assert_cmpint(cfg.checkin_opens_minutes, ==, 15);
  g_assert_cmpint(cfg.utc_offset_minutes, ==, 480);
  for (int i = 0; i < WT_APPOINT_N_TYPES; i++)
    g_assert_cmpint(cfg.capacity[i], ==, 2);

  g_assert_true(parse(&cfg, &error, "days", "sat, sun", "capacity", "3",
                      "capacity_lost-certificate", "1", "open", "08:30", "close", "12:00", NULL));
  g_assert_cmpint(cfg.days, ==, 0x60);
  g_assert_cmpint(cfg.capacity[WT_APPOINT_TRANSFER], ==, 3);
  g_assert_cmpint(cfg.capacity[WT_APPOINT_LOST_CERTIFICATE], ==, 1);
  g_assert_cmpint(cfg.open_min, ==, 510);

  /* Bad values are refused, naming the key. */
  struct {
    const char *key, *value;
  } bad[] = {
      {"days", "funday"},
      {"days", ""},
      {"open", "9am"},
      {"open", "25:00"},
      {"close", "08:00"},
      {"slot_minutes", "0"},
      {"slot_minutes", "x"},
      {"capacity", "-1"},
      {"capacity_transfer", "many"},
      {"checkin_opens_minutes", "-5"},
      {"utc_offset_minutes", "9999"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_clear_error(&error);
    g_assert_false(parse(&cfg, &error, bad[i].key, bad[i].value, NULL));
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    g_autofree char *named = g_strdup_printf("[module.appoint] %s ", bad[i].key);
    if (!g_str_has_prefix(error->message, named))
      g_error("%s=%s: \"%s\" does not name the key", bad[i].key, bad[i].value, error->message);
  }
}

/* ---- Slots ----------------------------------------------------------------------------- */

/* Unix ms of a China (UTC+8) local time. */
static gint64
local_ms(int y, int mo, int d, int h, int mi)
{
  g_autoptr(GDateTime) dt = g_date_time_new_utc(y, mo, d, h, mi, 0);
  return g_date_time_to_unix(dt) * 1000 - 480 * MIN_MS;
}

static void
test_slots(void)
{
  WtAppointConfig cfg;
  g_assert_true(parse(&cfg, NULL, "days_ahead", "0", NULL));
  /* Monday 2026-12-07, 08:00 in China: 16 half-hour slots from 09:00 to 16:30. */
  gint64 monday8 = local_ms(2026, 12, 7, 8, 0);
  g_autoptr(GArray) s = wt_appoint_slots(&cfg, WT_APPOINT_TRANSFER, monday8);
  g_assert_cmpuint(s->len, ==, 16);
  g_assert_cmpint(g_array_index(s, gint64, 0), ==, local_ms(2026, 12, 7, 9, 0));
  g_assert_cmpint(g_array_index(s, gint64, 15), ==, local_ms(2026, 12, 7, 16, 30));
  g_autofree char *label = wt_appoint_local_label(&cfg, g_array_index(s, gint64, 0));
  g_assert_cmpstr(label, ==, "2026-12-07 09:00");
  /* At 10:10 the slots that started are gone. */
  g_autoptr(GArray) later =
      wt_appoint_slots(&cfg, WT_APPOINT_TRANSFER, local_ms(2026, 12, 7, 10, 10));
  g_assert_cmpuint(later->len, ==, 13);
  g_assert_cmpint(g_array_index(later, gint64, 0), ==, local_ms(2026, 12, 7, 10, 30));
  /* Saturday: closed. */
  g_autoptr(GArray) sat = wt_appoint_slots(&cfg, WT_APPOINT_TRANSFER, local_ms(2026, 12, 5, 8, 0));
  g_assert_cmpuint(sat->len, ==, 0);
  /* A week ahead from Saturday: Monday to Friday, 16 each. */
  g_assert_true(parse(&cfg, NULL, "days_ahead", "7", NULL));
  g_autoptr(GArray) week = wt_appoint_slots(&cfg, WT_APPOINT_TRANSFER, local_ms(2026, 12, 5, 8, 0));
  g_assert_cmpuint(week->len, ==, 5 * 16);
  /* A type with no capacity is not offered. */
  g_assert_true(parse(&cfg, NULL, "capacity_transfer-mortgage", "0", NULL));
  g_autoptr(GArray) none = wt_appoint_slots(&cfg, WT_APPOINT_TRANSFER_MORTGAGE, monday8);
  g_assert_cmpuint(none->len, ==, 0);

  g_assert_true(wt_appoint_is_slot(&cfg, local_ms(2026, 12, 7, 9, 0)));
  g_assert_true(wt_appoint_is_slot(&cfg, local_ms(2026, 12, 7, 16, 30)));
  g_assert_false(wt_appoint_is_slot(&cfg, local_ms(2026, 12, 7, 9, 15)));
  /* A client's start_ms may be anything: no overflow (UBSan), no slot. */
  g_assert_false(wt_appoint_is_slot(&cfg, G_MAXINT64));
  g_assert_false(wt_appoint_is_slot(&cfg, G_MININT64));
  g_assert_false(wt_appoint_is_slot(&cfg, local_ms(2026, 12, 7, 17, 0)));
  g_assert_false(wt_appoint_is_slot(&cfg, local_ms(2026, 12, 7, 8, 30)));
  g_assert_false(wt_appoint_is_slot(&cfg, local_ms(2026, 12, 5, 9, 0)));
  g_assert_false(wt_appoint_is_slot(&cfg, local_ms(2026, 12, 7, 9, 0) + 1));
}

/* A booking is taken only for a slot the list offers: days_ahead holds on book too
 * (before, any slot on the grid was booked, years ahead). */
/* At the end of the calendar: no slot is offered that cannot be booked or
 * labelled, and a check-in that closes in the year 10000 is told as "?". */
static void
test_year_9999(void)
{
  WtAppointConfig cfg;
  g_assert_true(parse(&cfg, NULL, "days", "mon,tue,wed,thu,fri,sat,sun", "open", "00:00", "close",
                      "24:00", "checkin_closes_minutes", "60", NULL));
  gint64 last_evening = local_ms(9999, 12, 31, 23, 0);
  g_autoptr(GArray) s = wt_appoint_slots(&cfg, WT_APPOINT_TRANSFER, last_evening);
  g_assert_cmpuint(s->len, >=, 1);
  g_assert_cmpint(g_array_index(s, gint64, 0), ==, local_ms(9999, 12, 31, 23, 30));
  for (guint i = 0; i < s->len; i++) {
    gint64 start = g_array_index(s, gint64, i);
    g_assert_true(wt_appoint_is_slot(&cfg, start));
    g_assert_cmpint(wt_appoint_offer_at(&cfg, start, last_evening), ==, WT_APPOINT_OFFERED);
  }
  gint64 closes = wt_appoint_checkin_closes_ms(&cfg, local_ms(9999, 12, 31, 23, 30));
  g_autofree char *label = wt_appoint_local_label(&cfg, closes);
  g_assert_cmpstr(label, ==, "?");
  g_autofree char *in_time = wt_appoint_local_label(&cfg, local_ms(9999, 12, 31, 23, 30));
  g_assert_cmpstr(in_time, ==, "9999-12-31 23:30");
}

static void
test_offer(void)
{
  WtAppointConfig cfg;
  g_assert_true(parse(&cfg, NULL, "days_ahead", "2", NULL));
  gint64 saturday8 = local_ms(2026, 12, 5, 8, 0);
  /* Today + 2 is Monday: its last slot is offered, Tuesday's first is not. */
  g_assert_cmpint(wt_appoint_offer_at(&cfg, local_ms(2026, 12, 7, 16, 30), saturday8), ==,
                  WT_APPOINT_OFFERED);
  g_assert_cmpint(wt_appoint_offer_at(&cfg, local_ms(2026, 12, 8, 9, 0), saturday8), ==,
                  WT_APPOINT_TOO_FAR_AHEAD);
  g_assert_cmpint(wt_appoint_offer_at(&cfg, local_ms(2027, 12, 6, 9, 0), saturday8), ==,
                  WT_APPOINT_TOO_FAR_AHEAD);
  g_assert_cmpint(wt_appoint_offer_at(&cfg, local_ms(2026, 12, 7, 9, 15), saturday8), ==,
                  WT_APPOINT_NOT_A_SLOT);
  gint64 monday10 = local_ms(2026, 12, 7, 10, 0);
  g_assert_cmpint(wt_appoint_offer_at(&cfg, local_ms(2026, 12, 7, 10, 0), monday10), ==,
                  WT_APPOINT_STARTED);
  g_assert_cmpint(wt_appoint_offer_at(&cfg, local_ms(2026, 12, 7, 10, 30), monday10), ==,
                  WT_APPOINT_OFFERED);
  /* Every slot the list gives is offered. */
  g_autoptr(GArray) s = wt_appoint_slots(&cfg, WT_APPOINT_TRANSFER, saturday8);
  g_assert_cmpuint(s->len, ==, 16);
  for (guint i = 0; i < s->len; i++)
    g_assert_cmpint(wt_appoint_offer_at(&cfg, g_array_index(s, gint64, i), saturday8), ==,
                    WT_APPOINT_OFFERED);
}

static void
test_checkin_window(void)
{
  WtAppointConfig cfg;
  g_assert_true(parse(&cfg, NULL, NULL));
  gint64 start = local_ms(2026, 12, 7, 10, 0);
  g_assert_cmpint(wt_appoint_checkin_at(&cfg, start, start - 16 * MIN_MS), ==,
                  WT_APPOINT_CHECKIN_TOO_EARLY);
  g_assert_cmpint(wt_appoint_checkin_at(&cfg, start, start - 15 * MIN_MS - 1), ==,
                  WT_APPOINT_CHECKIN_TOO_EARLY);
  g_assert_cmpint(wt_appoint_checkin_at(&cfg, start, start - 15 * MIN_MS), ==,
                  WT_APPOINT_CHECKIN_OPEN);
  g_assert_cmpint(wt_appoint_checkin_at(&cfg, start, start), ==, WT_APPOINT_CHECKIN_OPEN);
  g_assert_cmpint(wt_appoint_checkin_at(&cfg, start, start + 15 * MIN_MS), ==,
                  WT_APPOINT_CHECKIN_OPEN);
  g_assert_cmpint(wt_appoint_checkin_at(&cfg, start, start + 15 * MIN_MS + 1), ==,
                  WT_APPOINT_CHECKIN_CLOSED);
  g_assert_cmpint(wt_appoint_checkin_opens_ms(&cfg, start), ==, start - 15 * MIN_MS);
}

/* ---- Capacity, through store.c on an in-memory database -------------------------------- */

static sqlite3 *db;

static gboolean
fake_migrate(WtModuleHost *host, const char *const *steps, guint n, GError **error)
{
  for (guint i = 0; i < n; i++)
    g_assert_cmpint(sqlite3_exec(db, steps[i], NULL, NULL, NULL), ==, SQLITE_OK);
  return TRUE;
}

static gboolean
fake_transaction(WtModuleHost *host, WtModuleDbFunc func, gpointer user_data, GError **error)
{
  g_assert_cmpint(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), ==, SQLITE_OK);
  gboolean ok = func(db, user_data, error);
  g_assert_cmpint(sqlite3_exec(db, ok ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL), ==, SQLITE_OK);
  return ok;
}

static gboolean
book(const WtModuleServices *s, const char *sub, gint64 start, GError **error)
{
  g_autoptr(WtAppointment) a = g_new0(WtAppointment, 1);
  a->sub = g_strdup(sub);
  a->type = WT_APPOINT_TRANSFER;
  a->start_ms = start;
  a->end_ms = start + 30 * MIN_MS;
  return wt_appoint_store_book(NULL, s, a, 2, 0, error);
}

static void
test_capacity(void)
{
  WtModuleServices s = {.db_migrate = fake_migrate, .db_transaction = fake_transaction};
  g_assert_cmpint(sqlite3_open(":memory:", &db), ==, SQLITE_OK);
  g_assert_true(wt_appoint_store_migrate(NULL, &s, NULL));
  gint64 start = local_ms(2026, 12, 7, 10, 0);
  g_autoptr(GError) error = NULL;
  g_assert_true(book(&s, "a", start, &error));
  /* The same applicant twice: refused. */
  g_assert_false(book(&s, "a", start, &error));
  g_assert_error(error, G_IO_ERROR, WT_APPOINT_ERROR_TWICE);
  g_clear_error(&error);
  g_assert_true(book(&s, "b", start, &error));
  /* Capacity 2: the third is refused, and nothing was written for it. */
  g_assert_false(book(&s, "c", start, &error));
  g_assert_error(error, G_IO_ERROR, WT_APPOINT_ERROR_FULL);
  g_clear_error(&error);
  g_autoptr(GPtrArray) all = wt_appoint_store_list(NULL, &s, NULL, NULL);
  g_assert_cmpuint(all->len, ==, 2);
  /* Another slot is free. */
  g_assert_true(book(&s, "c", start + 30 * MIN_MS, NULL));
  /* A cancellation frees a place. */
  WtAppointment *first = g_ptr_array_index(all, 0);
  first->state = WT_APPOINT_CANCELLED;
  g_assert_true(wt_appoint_store_update(NULL, &s, first, NULL));
  g_assert_true(book(&s, "c", start, &error));
  g_autoptr(GHashTable) counts = wt_appoint_store_counts(NULL, &s, WT_APPOINT_TRANSFER, 0, NULL);
  gint64 *n = g_hash_table_lookup(counts, &start);
  g_assert_nonnull(n);
  g_assert_cmpint(*n, ==, 2);
  /* Mine: c has two. */
  g_autoptr(GPtrArray) mine = wt_appoint_store_list(NULL, &s, "c", NULL);
  g_assert_cmpuint(mine->len, ==, 2);
  /* Missed: only booked ones that started before the time given. */
  g_autoptr(GPtrArray) overdue = wt_appoint_store_overdue(NULL, &s, start + 1, NULL);
  g_assert_cmpuint(overdue->len, ==, 2); /* b and c at start; a is cancelled */
  sqlite3_close(db);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/appoint/settings", test_settings);
  g_test_add_func("/appoint/slots", test_slots);
  g_test_add_func("/appoint/offer", test_offer);
  g_test_add_func("/appoint/year-9999", test_year_9999);
  g_test_add_func("/appoint/checkin-window", test_checkin_window);
  g_test_add_func("/appoint/capacity", test_capacity);
  return g_test_run();
}
