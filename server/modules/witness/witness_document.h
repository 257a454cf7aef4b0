/* witness_document.h — the words of a case: checking the principal's form,
 * ID numbers (normalised and masked for display; the module stores only
 * their keyed hash), case numbers, and the canonical entrustment document
 * each party confirms (its SHA-256 goes into the chain). Pure: no I/O, unit
 * tested in tests/unit/test_witness_document.c. Main thread.
 *
 *   g_autofree char *name = NULL;
 *   if (!wt_witness_form_text(body, "principal_name", 64, &name, &error)) …
 *   g_autofree char *doc = wt_witness_document(c);
 *   g_autofree char *sha = wt_witness_document_sha256(doc);
 */
#pragma once

#include "module_json.h"

#include <glib.h>
#include <json-glib/json-glib.h>

#include "witness_case.h"

G_BEGIN_DECLS

/* Maximum lengths of the form's fields, in characters. */
#define WT_WITNESS_MAX_NAME 64
#define WT_WITNESS_MAX_CERTIFICATE 64
#define WT_WITNESS_MAX_ADDRESS 200
#define WT_WITNESS_MAX_MATTERS 500
#define WT_WITNESS_MAX_TERM 100

/* @member of @body (transfer none) as a trimmed string of 1 to @max_chars
 * characters without control characters: *@out (transfer full). FALSE with
 * @error (G_IO_ERROR_INVALID_ARGUMENT, "<member>: why") otherwise. */
gboolean wt_witness_form_text(JsonObject *body, const char *member, guint max_chars, char **out,
                              GError **error);

/* Checks a normalised ID number further than the host does: at least 8
 * characters (so that masking hides something), and for an 18-character
 * resident ID (17 digits and a digit or X) the ISO 7064 MOD 11-2 check digit.
 * FALSE with @error (G_IO_ERROR_INVALID_ARGUMENT) naming what is wrong. */
gboolean wt_witness_id_check(const char *normal, GError **error);
/* The first 3 and last 4 characters of @normal, '*' between (transfer full). */
char *wt_witness_id_mask(const char *normal);

/* Client and engine fields are read with module_json.h's typed reads
 * (wt_module_json_string, wt_module_json_bool), whatever their shape. */

/* "20261204": the date of @now_ms in the centre's time, UTC +
 * @utc_offset_minutes (transfer full). */
char *wt_witness_case_day(gint64 now_ms, int utc_offset_minutes);
/* "WT-20261204-0007" from @day (transfer none) and the day's @serial (transfer full). */
char *wt_witness_case_number(const char *day, guint serial);
/* TRUE when @text (transfer none, may be NULL) looks like a case number. */
gboolean wt_witness_case_number_valid(const char *text);

/* The canonical entrustment document of @c (transfer full): UTF-8, one
 * "label: value" line each, LF line ends, a final LF. It names the case,
 * the parties with their masked ID numbers and ID hashes (never a plain
 * number), the business type by its name, the property, the matters and
 * the term, and when the case was filed in UTC and in the centre's time (UTC
 * + @utc_offset_minutes); the same case always gives the same bytes,
 * whatever its state. */
char *wt_witness_document(const WtWitnessCase *c, int utc_offset_minutes);
/* The SHA-256 of @text's bytes, lower-case hex (transfer full). */
char *wt_witness_document_sha256(const char *text);

G_END_DECLS
