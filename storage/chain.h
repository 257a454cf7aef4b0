/* chain.h — the hash chain of one recording: `chain.jsonl`, append-only.
 *
 * Every line is one JSON object, its members in this order:
 *
 *   {"seq":3,"type":"segment","time":1796325057123, <payload members>,
 *    "prev":"<64 hex>","hash":"<64 hex>"}
 *
 * - `seq` counts from 0; `time` is the wall clock of the record in unix ms.
 * - `hash` is the SHA-256 (lower-case hex) of the line's exact bytes without
 *   its `hash` member: the line as written up to `"prev":"…"` and then `}`.
 *   `hash` is always the last member, so a reader finds those bytes by
 *   cutting `,"hash":"<64 hex>"` out of the line.
 * - `prev` is the previous record's `hash`; the first record's is 64 zeros.
 *
 * Records are written with one write() each and fdatasync()ed before the
 * append returns: a crash leaves whole records, plus at most one torn last
 * line, which wt_chain_open() cuts off and reports.
 *
 *   g_autoptr(WtChain) chain = wt_chain_open("archive/r-1/chain.jsonl", NULL, &error);
 *   g_autoptr(JsonObject) join = json_object_new();
 *   json_object_set_string_member(join, "participant", "p-3f9a");
 *   wt_chain_append(chain, "join", join, g_get_real_time() / 1000, &error);
 *
 * Threads: a WtChain belongs to the thread that opened it (a storage
 * thread); the line functions are pure and may be called from anywhere.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define WT_CHAIN_FILE "chain.jsonl"
#define WT_CHAIN_HASH_HEX 64
#define WT_CHAIN_MAX_LINE (256 * 1024)

#define WT_CHAIN_ERROR (wt_chain_error_quark())
GQuark wt_chain_error_quark(void);

typedef enum {
  WT_CHAIN_ERROR_MALFORMED, /* not a record: bad JSON, members missing or out of order */
  WT_CHAIN_ERROR_HASH,      /* the hash member does not match the line's bytes */
  WT_CHAIN_ERROR_LINK,      /* seq or prev does not follow the previous record */
  WT_CHAIN_ERROR_IO,        /* reading or writing the file failed */
} WtChainError;

typedef struct _WtChain WtChain;

/* Opens the chain at @path for appending, creating it if missing. Existing
 * records are checked line by line; a torn last line (no newline at the end
 * of the file) is cut off, and then *@torn (may be NULL) is set TRUE. Any
 * other defect is an error: a damaged chain is never appended to. Returns the
 * chain (transfer full) or NULL with @error. */
WtChain *wt_chain_open(const char *path, gboolean *torn, GError **error);
void wt_chain_free(WtChain *chain);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtChain, wt_chain_free)

/* Appends a record of @type with the members of @payload (transfer none;
 * must not use the names seq, type, time, prev or hash) at @time_ms, and
 * makes it durable. On failure nothing is appended (a partial write is cut
 * off again) and @error says why. */
gboolean wt_chain_append(WtChain *chain, const char *type, JsonObject *payload, gint64 time_ms,
                         GError **error);

/* The last record's hash (owned by @chain; 64 zeros when empty) and the
 * number of records. */
const char *wt_chain_get_head(const WtChain *chain);
guint64 wt_chain_get_length(const WtChain *chain);

/* ---- Lines (pure) ---------------------------------------------------------- */

/* The first record's prev: 64 '0'. */
extern const char wt_chain_genesis[WT_CHAIN_HASH_HEX + 1];

/* Writes the line (without newline, transfer full) for a record that follows
 * @prev_hex with number @seq, and puts its hash in @hash_out. */
char *wt_chain_line_new(guint64 seq, const char *type, JsonObject *payload, gint64 time_ms,
                        const char *prev_hex, char hash_out[WT_CHAIN_HASH_HEX + 1]);

/* Checks one line (@len bytes, without newline) as record @seq following
 * @prev_hex: its hash, seq and prev. Returns the parsed record (transfer
 * full) and its hash in @hash_out, or NULL with @error saying what is wrong. */
JsonObject *wt_chain_line_check(const char *line, gsize len, guint64 seq, const char *prev_hex,
                                char hash_out[WT_CHAIN_HASH_HEX + 1], GError **error);

G_END_DECLS
