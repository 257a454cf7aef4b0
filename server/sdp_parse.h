/* sdp_parse.h — private to the SDP parser (sdp.c frames lines, sdp_attr.c
 * reads attributes): the parser state and the lexical helpers both share.
 * Pure; see sdp.h. Not for use outside server/sdp*.c.
 */
#pragma once

#include "sdp.h"

#include <string.h>

typedef struct {
  WtSdp *sdp;        /* being built (owned by wt_sdp_parse) */
  WtSdpMedia *media; /* the current m-section (owned by sdp); NULL at session level */
  guint line;        /* 1-based number of the line being parsed; 0 at the end */
  gboolean seen_v, seen_o, seen_s, seen_t;
  guint64 rtpmap_seen[2], fmtp_seen[2]; /* per payload type, current m-section */
  GError **error;
  char buf[WT_SDP_MAX_LINE + 1]; /* the current line, cut up in place */
} WtSdpParser;

/* Sets p->error to "line N: <message>" (or "end of input: ...") in
 * WT_SDP_ERROR with @code; returns FALSE so callers can `return wt_sdp_fail()`. */
gboolean wt_sdp_fail(WtSdpParser *p, WtSdpError code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
/* A decimal number in 0..@max from @s (transfer none), into *@out; @what names
 * it in the error. SYNTAX when not digits, LIMIT when too big. */
gboolean wt_sdp_field_uint(WtSdpParser *p, const char *s, guint64 max, guint64 *out,
                           const char *what);
/* One a= line's text after "a=" (cut up in place). Unknown attributes are
 * ignored; TRUE unless the line is malformed. */
gboolean wt_sdp_parse_attribute(WtSdpParser *p, char *text);

/* Next space-separated field of *@s, NUL-terminated in place; NULL at the end. */
static inline char *
next_field(char **s)
{
  char *c = *s;
  while (*c == ' ')
    c++;
  if (!*c) {
    *s = c;
    return NULL;
  }
  char *start = c;
  while (*c && *c != ' ')
    c++;
  if (*c)
    *c++ = '\0';
  *s = c;
  return start;
}

/* What is left of *@s after leading spaces; NULL when nothing. */
static inline char *
rest_of(char *s)
{
  while (s && *s == ' ')
    s++;
  return s && *s ? s : NULL;
}

/* RFC 4566 token-char: visible ASCII except the specials. */
static inline gboolean
is_token_char(guchar c)
{
  return c > 0x20 && c < 0x7f && !strchr("\"(),/:;<=>?@[\\]", c);
}

static inline gboolean
valid_token(const char *s)
{
  gsize n = 0;
  for (; s[n]; n++)
    if (!is_token_char((guchar)s[n]))
      return FALSE;
  return n > 0 && n <= WT_SDP_MAX_TOKEN;
}

/* Visible ASCII, no spaces, 1..WT_SDP_MAX_TOKEN bytes: URIs, cnames. */
static inline gboolean
valid_visible(const char *s)
{
  gsize n = 0;
  for (; s[n]; n++)
    if ((guchar)s[n] <= 0x20 || (guchar)s[n] >= 0x7f)
      return FALSE;
  return n > 0 && n <= WT_SDP_MAX_TOKEN;
}

/* Marks payload type @pt in the bitset @seen; TRUE if it was marked already. */
static inline gboolean
seen_before(guint64 seen[2], guint pt)
{
  gboolean was = (seen[pt / 64] >> (pt % 64)) & 1;
  seen[pt / 64] |= (guint64)1 << (pt % 64);
  return was;
}
