/* recording.h — one recording folder as evidence: read its chain, seal it,
 * verify it.
 *
 *   <data>/archive/<recording-id>/
 *     chain.jsonl                    the hash chain (chain.h)
 *     <participant>/<nnnnn>.webm     segments (.mkv for H.264), and other
 *                                    files records name (key frames…)
 *     seal.json                      the signed seal (seal.h), once sealed
 *
 * A record that names a file carries `file` (a path relative to the folder,
 * without "..", e.g. "p-3f9a/00003.webm"), `size` (bytes) and `sha256` (hex
 * of the file's bytes). `segment` records also carry `start_ms` and `end_ms`
 * (wall clock, unix ms); their digests, in seq order, are the Merkle leaves.
 * Each track of a segment record says in `sync` how its frames were placed
 * in time: "rtcp-sr" (on the sender's capture clock, through its RTCP
 * sender reports), "arrival" (by arrival; no report yet) or "partial" (some
 * frames by arrival or still moving to the sender's clock); a `sync` record
 * marks a stream's first frame on its sender's clock (recorder_thread.c,
 * clock_sync.h).
 *
 * Sealing appends a `seal` record {"reason":…} to the chain, then signs a
 * seal over the chain's head, its length, the Merkle root and the segments'
 * span, written atomically as seal.json. With a TSA, the seal is then
 * timestamped (RFC 3161, seal.h) and rewritten with the token, or with the
 * reason there is none.
 *
 * Verifying recomputes all of it: every line's hash and link, every named
 * file's size and SHA-256, that no file is there that no record names, the
 * Merkle root, the seal's signature by one of the server's keys, and its
 * timestamp token when it has one. It stops at the first thing that does not
 * match and names it.
 *
 * Threads: any (a storage thread, or witnessctl). Blocking file I/O.
 */
#pragma once

#include <glib.h>

#include "chain.h"
#include "seal.h"
#include "tsa.h"

G_BEGIN_DECLS

#define WT_RECORDING_ERROR (wt_recording_error_quark())
GQuark wt_recording_error_quark(void);

typedef enum {
  WT_RECORDING_ERROR_FILE,     /* a named file is missing, of another size, or another hash */
  WT_RECORDING_ERROR_EXTRA,    /* a file no record names */
  WT_RECORDING_ERROR_RECORD,   /* a record's members are unusable */
  WT_RECORDING_ERROR_UNSEALED, /* no seal.json */
  WT_RECORDING_ERROR_SEAL,     /* the seal does not match the chain */
} WtRecordingError;

/* What a recording's chain says. */
typedef struct {
  guint64 records;
  char head[WT_CHAIN_HASH_HEX + 1];
  GArray *leaves; /* guint8[WT_MERKLE_HASH_LEN] per segment, in seq order */
  guint64 segments;
  gint64 start_ms, end_ms; /* the segments' wall-clock span; 0, 0 when none */
  char *sealed_reason;     /* the seal record's reason; NULL when unsealed */
} WtRecordingScan;

/* Reads and checks @dir's chain (every hash and link; with @check_files also
 * every named file). Fills @out (clear it with wt_recording_scan_clear(),
 * also after a failure). FALSE with @error naming the first problem. */
gboolean wt_recording_scan(const char *dir, gboolean check_files, WtRecordingScan *out,
                           GError **error);
void wt_recording_scan_clear(WtRecordingScan *scan);

/* Seals @dir as recording @id for @reason with @key: appends the seal record
 * to @chain (the recording's open chain, transfer none) and writes seal.json. */
gboolean wt_recording_seal(const char *dir, const char *id, WtChain *chain, const char *reason,
                           const WtSigningKey *key, GError **error);
/* The same, then, when @tsa (may be NULL) has a URL, asks it for a
 * timestamp over the signature (blocking, up to its timeout) and rewrites
 * seal.json with `timestamp`, or `timestamp_error` and a warning when the TSA
 * failed: a TSA never costs the seal. FALSE only when the seal itself cannot
 * be made. */
gboolean wt_recording_seal_full(const char *dir, const char *id, WtChain *chain, const char *reason,
                                const WtSigningKey *key, const WtTsaConfig *tsa, GError **error);
/* Writes seal.json for @dir, whose chain already ends in its seal record
 * (the second half of wt_recording_seal(); crash recovery calls it alone
 * when a crash came between the two). @head (may be NULL): the chain head
 * the caller expects. */
gboolean wt_recording_write_seal(const char *dir, const char *id, const char *head,
                                 const WtSigningKey *key, GError **error);
/* wt_recording_write_seal() with a timestamp from @tsa (may be NULL), as
 * wt_recording_seal_full() says. */
gboolean wt_recording_write_seal_full(const char *dir, const char *id, const char *head,
                                      const WtSigningKey *key, const WtTsaConfig *tsa,
                                      GError **error);

/* What a successful verification found. */
typedef struct {
  guint64 segments;
  gint64 duration_ms;
  guint64 records;
  char *reason; /* the seal's */
  char *key_id;
  /* The seal's timestamp: all NULL when it has none. */
  char *timestamp_time;  /* the token's genTime (ISO 8601 UTC) when it verifies */
  char *timestamp_tsa;   /* the subject of the TSA certificate that signed it */
  gboolean timestamp_ca; /* its chain was checked against a CA file */
  char *timestamp_error; /* the seal's `timestamp_error`: why it has no token */
} WtVerifyReport;

void wt_verify_report_clear(WtVerifyReport *report);

/* Verifies @dir against @public_keys (key id -> raw key, as from
 * wt_signing_keys_list(); transfer none). Fills @report on success (clear
 * it with wt_verify_report_clear()). FALSE with @error naming the first
 * file or record that does not match. */
gboolean wt_recording_verify(const char *dir, GHashTable *public_keys, WtVerifyReport *report,
                             GError **error);
/* The same; a timestamp token's TSA certificate must also lead to a CA in
 * @tsa_ca_file (PEM; NULL: the token's signature is checked against the
 * certificate it carries, whose owner nothing vouches for). */
gboolean wt_recording_verify_full(const char *dir, GHashTable *public_keys, const char *tsa_ca_file,
                                  WtVerifyReport *report, GError **error);

G_END_DECLS
