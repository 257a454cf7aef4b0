/* seal.h — the server's Ed25519 signing keys and the signed seal of a
 * recording (`seal.json`).
 *
 * Keys live in a folder (DATA/keys): `signing.pem` is the key in use (PKCS#8,
 * mode 0600), created on first start; `public/<key id>.pem` keeps the public
 * half of every key ever used, so seals made before a rotation still verify
 * and /api/keys can list them. A key id is "ed25519-" and the first 16 hex
 * digits of the SHA-256 of the raw 32-byte public key.
 *
 * A seal is one JSON object, its members in this order, `signature` last:
 *
 *   {"version":1,"recording":"r-…","reason":"ended","sealed":1796325057123,
 *    "chain_head":"<hex>","chain_records":42,"segments":12,"duration_ms":118400,
 *    "merkle_root":"<hex>","key_id":"ed25519-…","signature":"<base64>"}
 *
 * `signature` is the Ed25519 signature of the seal's exact bytes without its
 * `signature` member (cut `,"signature":"…"` out and the rest is what was
 * signed), as in chain.h. Reasons: "ended" (staff stopped it or the room
 * emptied), "shutdown" (the server stopped), "interrupted" (found unsealed
 * after a crash; recovery.h), "disk-full" (stopped on ENOSPC or below
 * [recording] min_free_mb), "failed" (stopped by another write failure).
 *
 * Timestamp. When a TSA is configured ([notary] tsa_url), one more member
 * follows `signature`, outside the signed bytes (the signature covers what
 * comes before it, so appending it never breaks the signature):
 *
 *   …,"signature":"<base64>","timestamp":"<base64>"}
 *   …,"signature":"<base64>","timestamp_error":"<why there is no token>"}
 *
 * `timestamp` is the base64 of the DER RFC 3161 TimeStampToken (a CMS
 * SignedData, not the whole TimeStampResp) whose message imprint is the
 * SHA-256 of the 64 raw bytes of the Ed25519 signature (the base64-decoded
 * `signature` member). Stamping the signature, as RFC 3161 appendix A does
 * for CMS signatures, proves that this signature, and so the signed seal,
 * existed at the token's genTime. A third party checks it with:
 *
 *   jq -r .signature seal.json | base64 -d > seal.sig
 *   jq -r .timestamp seal.json | base64 -d > seal.tst
 *   openssl ts -verify -data seal.sig -in seal.tst -token_in -CAfile tsa-ca.pem
 *
 * `timestamp_error` is there instead when the TSA could not be reached or
 * its reply was refused (never lose a seal for a timestamp): the seal stands,
 * without the proof of time. Neither member is signed: the token carries the
 * TSA's own signature, and taking it away takes away only that proof.
 * seal.json is written first without either and rewritten atomically with
 * one once the TSA has answered, so a crash meanwhile leaves a plain seal.
 *
 * Threads: any; a WtSigningKey is immutable once loaded.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "merkle.h"

G_BEGIN_DECLS

#define WT_SEAL_FILE "seal.json"
#define WT_SEAL_VERSION 1
/* The unsigned members that may follow `signature` (one of them at most). */
#define WT_SEAL_TIMESTAMP "timestamp"
#define WT_SEAL_TIMESTAMP_ERROR "timestamp_error"
#define WT_SEAL_SIGNATURE_LEN 64 /* Ed25519 */

#define WT_SEAL_ERROR (wt_seal_error_quark())
GQuark wt_seal_error_quark(void);

typedef enum {
  WT_SEAL_ERROR_KEY,       /* a key cannot be made, read or found */
  WT_SEAL_ERROR_MALFORMED, /* a seal that is not one */
  WT_SEAL_ERROR_SIGNATURE, /* the signature does not verify */
} WtSealError;

typedef struct _WtSigningKey WtSigningKey;

/* Loads @keys_dir/signing.pem, creating the folder and a new key when there
 * is none, and makes sure its public half is in @keys_dir/public/. Returns
 * the key (transfer full) or NULL with @error. */
WtSigningKey *wt_signing_key_load_or_create(const char *keys_dir, GError **error);
void wt_signing_key_free(WtSigningKey *key);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtSigningKey, wt_signing_key_free)
/* The key id (owned by @key). */
const char *wt_signing_key_get_id(const WtSigningKey *key);

/* Every public key in @keys_dir/public: key id (char *) -> raw 32-byte key
 * (GBytes *) (transfer full; empty when the folder is missing). NULL with
 * @error when a file there is not a usable Ed25519 public key. */
GHashTable *wt_signing_keys_list(const char *keys_dir, GError **error);

/* What a seal says. Strings borrowed. */
typedef struct {
  const char *recording;
  const char *reason;
  gint64 sealed_ms; /* unix ms */
  const char *chain_head;
  guint64 chain_records;
  guint64 segments;
  gint64 duration_ms;
  guint8 merkle_root[WT_MERKLE_HASH_LEN];
} WtSealFacts;

/* The signed seal for @facts, as text without a trailing newline (transfer
 * full), or NULL with @error. */
char *wt_seal_sign(const WtSealFacts *facts, const WtSigningKey *key, GError **error);

/* @text (a seal, a trailing newline allowed) with the unsigned @member
 * (WT_SEAL_TIMESTAMP or WT_SEAL_TIMESTAMP_ERROR) = the string @value appended
 * after its signature (transfer full). @text must not have one already. */
char *wt_seal_add_unsigned(const char *text, const char *member, const char *value);

/* The raw Ed25519 signature of the seal @text (what its timestamp is over).
 * FALSE when it has no usable `signature` member. */
gboolean wt_seal_get_signature(const char *text, guint8 signature[WT_SEAL_SIGNATURE_LEN]);

/* Checks the seal text @text (@len bytes, a trailing newline allowed): its
 * form (at most one unsigned `timestamp` or `timestamp_error` string after
 * the signature, nothing else), and its signature by the key it names,
 * looked up in @public_keys (as from wt_signing_keys_list(), transfer none).
 * Returns the seal (transfer full) or NULL with @error. The timestamp itself
 * is not checked here (see wt_recording_verify()). */
JsonObject *wt_seal_check(const char *text, gsize len, GHashTable *public_keys, GError **error);

G_END_DECLS
