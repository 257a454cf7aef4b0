/* retention.c — how long a recording is kept and what happens to it when
 * that time is over. Pure: the clock and the hold come from the caller, so
 * the rules are tested without a server. Any thread.
 *
 * A recording's period runs from its end (the last segment's end) for the
 * days its business type is kept. When it is over the recording is deleted,
 * unless a legal hold is on it: a hold always wins, however old the
 * recording. */
#include <stdlib.h>

#include "archive.h"

#define DAY_MS ((gint64)24 * 3600 * 1000)
#define MAX_DAYS 36500

gboolean
wt_archive_retention_parse(const char *text, guint *days_out)
{
  if (!text)
    return FALSE;
  g_autofree char *t = g_strstrip(g_strdup(text));
  guint64 v = 0;
  if (!g_ascii_string_to_unsigned(t, 10, 1, MAX_DAYS, &v, NULL))
    return FALSE;
  *days_out = (guint)v;
  return TRUE;
}

WtArchiveFate
wt_archive_retention_decide(gint64 end_ms, guint days, gboolean held, gboolean deleted,
                            gint64 now_ms, gint64 *expires_ms)
{
  gint64 expires = end_ms + (gint64)days * DAY_MS;
  if (expires_ms)
    *expires_ms = expires;
  if (deleted)
    return WT_ARCHIVE_DELETED;
  if (now_ms < expires)
    return WT_ARCHIVE_KEEP;
  return held ? WT_ARCHIVE_HELD : WT_ARCHIVE_DELETE;
}

const char *
wt_archive_fate_name(WtArchiveFate fate)
{
  switch (fate) {
  case WT_ARCHIVE_KEEP:
    return "keep";
  case WT_ARCHIVE_HELD:
    return "held";
  case WT_ARCHIVE_DELETE:
    return "delete";
  case WT_ARCHIVE_DELETED:
    return "deleted";
  }
  return "keep";
}
