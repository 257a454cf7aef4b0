/* log.c — the structured-log writer: UTC timestamp, level, domain, message. */
#include "log.h"

#include <stdio.h>
#include <string.h>

static const struct {
  const char *name;
  GLogLevelFlags flag;
} levels[] = {
    {"error", G_LOG_LEVEL_ERROR},     {"critical", G_LOG_LEVEL_CRITICAL},
    {"warning", G_LOG_LEVEL_WARNING}, {"message", G_LOG_LEVEL_MESSAGE},
    {"info", G_LOG_LEVEL_INFO},       {"debug", G_LOG_LEVEL_DEBUG},
};

/* Records at least this severe are printed (set once at start-up). */
static guint threshold = 3;

static guint
severity_index(GLogLevelFlags flags)
{
  for (guint i = 0; i < G_N_ELEMENTS(levels); i++) {
    if (flags & levels[i].flag)
      return i;
  }
  return G_N_ELEMENTS(levels) - 1;
}

static GLogWriterOutput
write_line(GLogLevelFlags flags, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  guint severity = severity_index(flags);
  if (severity > threshold)
    return G_LOG_WRITER_HANDLED;
  const char *domain = "witness", *message = "";
  for (gsize i = 0; i < n_fields; i++) {
    if (strcmp(fields[i].key, "GLIB_DOMAIN") == 0 && fields[i].value)
      domain = fields[i].value;
    else if (strcmp(fields[i].key, "MESSAGE") == 0 && fields[i].value)
      message = fields[i].value;
  }
  g_autoptr(GDateTime) now = g_date_time_new_now_utc();
  g_autofree char *stamp = g_date_time_format(now, "%Y-%m-%dT%H:%M:%S");
  fprintf(stderr, "%s.%03dZ %s %s: %s\n", stamp, g_date_time_get_microsecond(now) / 1000,
          levels[severity].name, domain, message);
  return G_LOG_WRITER_HANDLED;
}

gboolean
wt_log_init(const char *level, GError **error)
{
  for (guint i = 0; i < G_N_ELEMENTS(levels); i++) {
    if (g_strcmp0(level, levels[i].name) == 0) {
      threshold = i;
      g_log_set_writer_func(write_line, NULL, NULL);
      return TRUE;
    }
  }
  g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
              "[server] log_level = \"%s\": expected error, critical, warning, message, info or "
              "debug",
              level);
  return FALSE;
}
