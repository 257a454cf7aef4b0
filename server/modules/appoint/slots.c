/* slots.c — appointment slots and the check-in window (see slots.h). Main thread. */
#include <gio/gio.h>
#include <string.h>

#include "slots.h"

#define MINUTE_MS G_GINT64_CONSTANT(60000)
#define DAY_MS (24 * 60 * MINUTE_MS)

static const char *const type_names[] = {
    [WT_APPOINT_TRANSFER] = "transfer",
    [WT_APPOINT_TRANSFER_MORTGAGE] = "transfer-mortgage",
    [WT_APPOINT_CERTIFICATE_REPLACEMENT] = "certificate-replacement",
    [WT_APPOINT_LOST_CERTIFICATE] = "lost-certificate",
};

static const char *const state_names[] = {
    [WT_APPOINT_BOOKED] = "booked",           [WT_APPOINT_CHECKED_IN] = "checked-in",
    [WT_APPOINT_IN_PROGRESS] = "in-progress", [WT_APPOINT_DONE] = "done",
    [WT_APPOINT_CANCELLED] = "cancelled",     [WT_APPOINT_MISSED] = "missed",
};

static const char *const day_names[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

static gboolean
lookup(const char *const *names, guint n, const char *name, int *out)
{
  for (guint i = 0; name && i < n; i++) {
    if (g_str_equal(name, names[i])) {
      *out = (int)i;
      return TRUE;
    }
  }
  return FALSE;
}

const char *
wt_appoint_type_name(WtAppointType type)
{
  return (guint)type < G_N_ELEMENTS(type_names) ? type_names[type] : "unknown";
}

gboolean
wt_appoint_type_from_name(const char *name, WtAppointType *out)
{
  int i;
  if (!lookup(type_names, G_N_ELEMENTS(type_names), name, &i))
    return FALSE;
  *out = (WtAppointType)i;
  return TRUE;
}

const char *
wt_appoint_state_name(WtAppointState state)
{
  return (guint)state < G_N_ELEMENTS(state_names) ? state_names[state] : "unknown";
}

gboolean
wt_appoint_state_from_name(const char *name, WtAppointState *out)
{
  int i;
  if (!lookup(state_names, G_N_ELEMENTS(state_names), name, &i))
    return FALSE;
  *out = (WtAppointState)i;
  return TRUE;
}

/* ---- Settings ------------------------------------------------------------------------ */

static gboolean
bad(GError **error, const char *key, const char *what, const char *value)
{
  g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
              "[module.appoint] %s must be %s, not \"%s\"", key, what, value);
  return FALSE;
}

static gboolean
int_key(const char *value, const char *key, gint def, gint min, gint max, gint *out, GError **error)
{
  if (!value) {
    *out = def;
    return TRUE;
  }
  gint64 v;
  if (!g_ascii_string_to_signed(value, 10, min, max, &v, NULL)) {
    g_autofree char *what = g_strdup_printf("a whole number from %d to %d", min, max);
    return bad(error, key, what, value);
  }
  *out = (gint)v;
  return TRUE;
}

/* "HH:MM" → minutes after midnight (24:00 allowed, for a closing time). */
static gboolean
time_key(const char *value, const char *key, gint def, gint *out, GError **error)
{
  if (!value) {
    *out = def;
    return TRUE;
  }
  gboolean shape = strlen(value) == 5 && value[2] == ':' && g_ascii_isdigit(value[0]) &&
                   g_ascii_isdigit(value[1]) && g_ascii_isdigit(value[3]) &&
                   g_ascii_isdigit(value[4]);
  guint h = shape ? (guint)((value[0] - '0') * 10 + (value[1] - '0')) : 0;
  guint m = shape ? (guint)((value[3] - '0') * 10 + (value[4] - '0')) : 0;
  if (!shape || m > 59 || h * 60 + m > 24 * 60)
    return bad(error, key, "a time HH:MM", value);
  *out = (gint)(h * 60 + m);
  return TRUE;
}

static gboolean
days_key(const char *value, guint8 *out, GError **error)
{
  if (!value) {
    *out = 0x1f; /* Monday to Friday */
    return TRUE;
  }
  guint8 days = 0;
  g_auto(GStrv) parts = g_strsplit(value, ",", -1);
  for (guint i = 0; parts[i]; i++) {
    int d;
    char *name = g_strstrip(parts[i]);
    if (!lookup(day_names, G_N_ELEMENTS(day_names), name, &d))
      return bad(error, "days", "a list of mon, tue, wed, thu, fri, sat, sun", value);
    days |= (guint8)(1u << d);
  }
  if (!days)
    return bad(error, "days", "a list of mon, tue, wed, thu, fri, sat, sun", value);
  *out = days;
  return TRUE;
}

gboolean
wt_appoint_config_parse(WtAppointConfig *cfg, const char *(*get)(gpointer, const char *),
                        gpointer user_data, GError **error)
{
  memset(cfg, 0, sizeof *cfg);
  gint capacity = 0;
  if (!days_key(get(user_data, "days"), &cfg->days, error) ||
      !time_key(get(user_data, "open"), "open", 9 * 60, &cfg->open_min, error) ||
      !time_key(get(user_data, "close"), "close", 17 * 60, &cfg->close_min, error) ||
      !int_key(get(user_data, "slot_minutes"), "slot_minutes", 30, 5, 24 * 60, &cfg->slot_minutes,
               error) ||
      !int_key(get(user_data, "utc_offset_minutes"), "utc_offset_minutes", 480, -720, 840,
               &cfg->utc_offset_minutes, error) ||
      !int_key(get(user_data, "days_ahead"), "days_ahead", 14, 0, 366, &cfg->days_ahead, error) ||
      !int_key(get(user_data, "checkin_opens_minutes"), "checkin_opens_minutes", 15, 0, 24 * 60,
               &cfg->checkin_opens_minutes, error) ||
      !int_key(get(user_data, "checkin_closes_minutes"), "checkin_closes_minutes", 15, 0, 24 * 60,
               &cfg->checkin_closes_minutes, error) ||
      !int_key(get(user_data, "capacity"), "capacity", 2, 0, 1000, &capacity, error))
    return FALSE;
  if (cfg->close_min < cfg->open_min + cfg->slot_minutes) {
    g_autofree char *v = g_strdup_printf("%02d:%02d", cfg->close_min / 60, cfg->close_min % 60);
    return bad(error, "close", "at least one slot_minutes after open", v);
  }
  for (int t = 0; t < WT_APPOINT_N_TYPES; t++) {
    g_autofree char *key = g_strdup_printf("capacity_%s", type_names[t]);
    if (!int_key(get(user_data, key), key, capacity, 0, 1000, &cfg->capacity[t], error))
      return FALSE;
  }
  return TRUE;
}

/* ---- Slots --------------------------------------------------------------------------- */

/* The last slot start offered or taken: 10000-01-01 UTC. Years 1970 to 9999
 * are plenty, and the arithmetic stays far from overflow. */
#define LAST_START_MS G_GINT64_CONSTANT(253402300800000)

static gint64
floor_div(gint64 a, gint64 b)
{
  return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Monday 0 … Sunday 6 of local day number @day (days since 1970-01-01, a Thursday). */
static int
weekday(gint64 day)
{
  return (int)(((day + 3) % 7 + 7) % 7);
}

GArray *
wt_appoint_slots(const WtAppointConfig *cfg, WtAppointType type, gint64 now_ms)
{
  GArray *out = g_array_new(FALSE, FALSE, sizeof(gint64));
  if ((guint)type >= WT_APPOINT_N_TYPES || cfg->capacity[type] == 0)
    return out;
  gint64 offset = cfg->utc_offset_minutes * MINUTE_MS;
  gint64 today = floor_div(now_ms + offset, DAY_MS);
  for (gint64 day = today; day <= today + cfg->days_ahead; day++) {
    if (!(cfg->days & (1u << weekday(day))))
      continue;
    for (gint m = cfg->open_min; m + cfg->slot_minutes <= cfg->close_min; m += cfg->slot_minutes) {
      gint64 start = day * DAY_MS + m * MINUTE_MS - offset;
      if (start > now_ms && start <= LAST_START_MS)
        g_array_append_val(out, start);
    }
  }
  return out;
}

gboolean
wt_appoint_is_slot(const WtAppointConfig *cfg, gint64 start_ms)
{
  /* start_ms comes from a client: keep the arithmetic below far from overflow. */
  if (start_ms < 0 || start_ms > LAST_START_MS)
    return FALSE;
  gint64 local = start_ms + cfg->utc_offset_minutes * MINUTE_MS;
  gint64 day = floor_div(local, DAY_MS);
  gint64 into = local - day * DAY_MS;
  if (into % MINUTE_MS != 0 || !(cfg->days & (1u << weekday(day))))
    return FALSE;
  gint64 m = into / MINUTE_MS;
  return m >= cfg->open_min && m + cfg->slot_minutes <= cfg->close_min &&
         (m - cfg->open_min) % cfg->slot_minutes == 0;
}

WtAppointOffer
wt_appoint_offer_at(const WtAppointConfig *cfg, gint64 start_ms, gint64 now_ms)
{
  if (!wt_appoint_is_slot(cfg, start_ms))
    return WT_APPOINT_NOT_A_SLOT;
  if (start_ms <= now_ms)
    return WT_APPOINT_STARTED;
  gint64 offset = cfg->utc_offset_minutes * MINUTE_MS;
  gint64 today = floor_div(now_ms + offset, DAY_MS);
  if (floor_div(start_ms + offset, DAY_MS) > today + cfg->days_ahead)
    return WT_APPOINT_TOO_FAR_AHEAD;
  return WT_APPOINT_OFFERED;
}

gint64
wt_appoint_checkin_opens_ms(const WtAppointConfig *cfg, gint64 start_ms)
{
  return start_ms - cfg->checkin_opens_minutes * MINUTE_MS;
}

gint64
wt_appoint_checkin_closes_ms(const WtAppointConfig *cfg, gint64 start_ms)
{
  return start_ms + cfg->checkin_closes_minutes * MINUTE_MS;
}

WtAppointCheckin
wt_appoint_checkin_at(const WtAppointConfig *cfg, gint64 start_ms, gint64 now_ms)
{
  if (now_ms < wt_appoint_checkin_opens_ms(cfg, start_ms))
    return WT_APPOINT_CHECKIN_TOO_EARLY;
  if (now_ms > wt_appoint_checkin_closes_ms(cfg, start_ms))
    return WT_APPOINT_CHECKIN_CLOSED;
  return WT_APPOINT_CHECKIN_OPEN;
}

char *
wt_appoint_local_label(const WtAppointConfig *cfg, gint64 ms)
{
  gint64 local_s = floor_div(ms + cfg->utc_offset_minutes * MINUTE_MS, 1000);
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(local_s);
  return dt ? g_date_time_format(dt, "%Y-%m-%d %H:%M") : g_strdup("?");
}
