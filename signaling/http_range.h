/* http_range.h — the Range header of a GET (RFC 9110 §14), for one range.
 *
 * We serve a single byte range, which is what <video> elements and download
 * managers ask for. Anything else — another unit, several ranges, a syntax
 * error, last < first — is answered with the whole file: RFC 9110 §14.2 lets
 * a server ignore Range, and a client that sent a bad one still gets correct
 * bytes. Pure functions, any thread.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  WT_HTTP_RANGE_WHOLE,         /* no (usable) Range: 200 with the whole file */
  WT_HTTP_RANGE_PARTIAL,       /* 206 with bytes *first..*last (inclusive) */
  WT_HTTP_RANGE_UNSATISFIABLE, /* 416 with Content-Range: bytes * / size */
} WtHttpRange;

/* Parses @header (transfer none; NULL when the request had none) for a file
 * of @size bytes: "bytes=a-b", "bytes=a-" or "bytes=-n", white space around
 * the range allowed. *@first and *@last are set for WT_HTTP_RANGE_PARTIAL
 * only; @last is clamped to @size - 1. */
WtHttpRange wt_http_range_parse(const char *header, guint64 size, guint64 *first, guint64 *last);

G_END_DECLS
