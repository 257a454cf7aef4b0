/* http_range.c — parsing one byte range (see http_range.h). A bounded parser
 * that advances a pointer; numbers saturate instead of overflowing. Pure
 * functions, any thread.
 */
#include "http_range.h"

#include <string.h>

static void
skip_spaces(const char **p)
{
  while (**p == ' ' || **p == '\t')
    (*p)++;
}

/* Reads decimal digits at *@p into *@value (saturating at G_MAXUINT64).
 * FALSE when there is none. */
static gboolean
read_number(const char **p, guint64 *value)
{
  const char *start = *p;
  guint64 v = 0;
  for (; g_ascii_isdigit(**p); (*p)++) {
    guint d = (guint)(**p - '0');
    v = v > (G_MAXUINT64 - d) / 10 ? G_MAXUINT64 : v * 10 + d;
  }
  *value = v;
  return *p != start;
}

WtHttpRange
wt_http_range_parse(const char *header, guint64 size, guint64 *first, guint64 *last)
{
  if (!header)
    return WT_HTTP_RANGE_WHOLE;
  const char *p = header;
  skip_spaces(&p);
  if (g_ascii_strncasecmp(p, "bytes=", 6) != 0)
    return WT_HTTP_RANGE_WHOLE; /* another unit: ignored */
  p += 6;
  skip_spaces(&p);
  guint64 a = 0, b = G_MAXUINT64;
  gboolean suffix = FALSE;
  if (*p == '-') {
    p++;
    suffix = TRUE;
    if (!read_number(&p, &b))
      return WT_HTTP_RANGE_WHOLE;
  } else {
    if (!read_number(&p, &a) || *p++ != '-')
      return WT_HTTP_RANGE_WHOLE;
    if (g_ascii_isdigit(*p) && (!read_number(&p, &b) || b < a))
      return WT_HTTP_RANGE_WHOLE; /* last < first: invalid, so ignored */
  }
  skip_spaces(&p);
  if (*p != '\0')
    return WT_HTTP_RANGE_WHOLE; /* several ranges (a comma) or junk */

  if (suffix) {
    /* The last b bytes; "-0" asks for nothing, which nothing satisfies. */
    if (b == 0 || size == 0)
      return WT_HTTP_RANGE_UNSATISFIABLE;
    *first = b >= size ? 0 : size - b;
    *last = size - 1;
    return WT_HTTP_RANGE_PARTIAL;
  }
  if (a >= size)
    return WT_HTTP_RANGE_UNSATISFIABLE;
  *first = a;
  *last = MIN(b, size - 1);
  return WT_HTTP_RANGE_PARTIAL;
}
