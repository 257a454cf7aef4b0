/* notary.h — handing seals to the registration backend: the `recordings`
 * and `outbox` tables (db.h) and the delivery thread that empties the outbox.
 *
 * When a recording is sealed, the seal enters the outbox in the same
 * transaction that marks the recording sealed; while it runs, its chain head
 * is put in the outbox every few segments as an anchor, so that a later
 * truncation of the chain is caught. A delivery thread then hands each item
 * over, oldest first, until the receiver acknowledges it:
 *
 * - With a backend URL: POST <url> with the item as JSON and an
 *   `Idempotency-Key` header that is the same for every attempt of an item
 *   (`<recording>:<kind>:<chain head>`). 2xx with a JSON object body is the
 *   receipt; it is stored in the database and, for a seal, written atomically
 *   as receipt.json beside seal.json. Transport errors, 408, 429 and 5xx are
 *   retried after a backoff that doubles from retry_initial_ms up to
 *   retry_max_ms, with jitter (half fixed, half random). Any other status is a
 *   permanent failure: logged as a warning, kept as `failed`, not retried.
 * - Without one: the item is appended to a local ledger (ledger.jsonl), a
 *   hash chain across recordings in the format of chain.h; the ledger line is
 *   the receipt.
 *
 * Items survive restarts: a new WtNotary on the same database delivers what
 * is still pending. Body POSTed for a seal / an anchor:
 *
 *   {"kind":"seal","recording":"r-…","seq":41,"chain_head":"<hex>","seal":{…seal.json…}}
 *   {"kind":"anchor","recording":"r-…","seq":17,"chain_head":"<hex>"}
 *
 * Threads: the wt_notary_* calls may come from any thread (recorder threads
 * record, the main thread reads); delivery runs on the notary's own thread.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "db.h"

G_BEGIN_DECLS

#define WT_RECEIPT_FILE "receipt.json"
#define WT_LEDGER_FILE "ledger.jsonl"

typedef struct _WtNotary WtNotary;

typedef struct {
  WtDb *db;                /* borrowed; outlives the notary */
  const char *url;         /* backend endpoint; NULL or "" for the local ledger */
  const char *ledger_path; /* <data>/ledger.jsonl; used without url */
  guint retry_initial_ms;  /* first backoff (default 1000 when 0) */
  guint retry_max_ms;      /* backoff cap (default 300000 when 0) */
  guint timeout_ms;        /* one request, connect to last byte (default 30000 when 0) */
} WtNotaryConfig;

/* Creates its tables in @config->db when missing (strings copied) and starts
 * the delivery thread. NULL with @error when the database cannot be set up. */
WtNotary *wt_notary_new(const WtNotaryConfig *config, GError **error);
/* Stops the delivery thread (an HTTP request in flight is abandoned; the
 * item stays pending) and frees. */
void wt_notary_free(WtNotary *notary);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtNotary, wt_notary_free)

/* A recording @id started in @dir: its row, state `running`. */
gboolean wt_notary_recording_started(WtNotary *notary, const char *id, const char *dir,
                                     GError **error);
/* Puts recording @id's chain head @chain_head (record @seq) in the outbox. */
gboolean wt_notary_add_anchor(WtNotary *notary, const char *id, guint64 seq, const char *chain_head,
                              GError **error);
/* Recording @id in @dir is sealed for @reason with @seal_text (seal.json's
 * text): in one transaction the row becomes `sealed` and the seal enters
 * the outbox. FALSE with @error (nothing changed) when the seal is not a
 * JSON object with chain_head and chain_records, or the database fails. */
gboolean wt_notary_recording_sealed(WtNotary *notary, const char *id, const char *dir,
                                    const char *reason, const char *seal_text, GError **error);

/* Recording @id as {id, state, reason, seal, receipt} (seal and receipt as
 * objects, or null) (transfer full); NULL without @error when unknown. */
JsonObject *wt_notary_lookup(WtNotary *notary, const char *id, GError **error);

typedef struct {
  guint64 pending, delivered, failed;
  gint64 oldest_pending_age_s; /* 0 when nothing is pending */
  guint64 attempts_total;      /* delivery attempts by this process */
} WtNotaryStats;

/* Outbox items not yet acknowledged (pending, or failed for good), oldest
 * first: [{recording, kind, seq, state, attempts, last_error, age_s,
 * next_attempt_in_s}] (transfer full); NULL with @error. */
JsonArray *wt_notary_list_waiting(WtNotary *notary, GError **error);

/* Counts of the outbox now. */
gboolean wt_notary_get_stats(WtNotary *notary, WtNotaryStats *out, GError **error);

/* Wakes the delivery thread to look at the outbox again (new items do this
 * themselves); backoff still applies. */
void wt_notary_kick(WtNotary *notary);

G_END_DECLS
