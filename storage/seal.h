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
 * Threads: any; a WtSigningKey is immutable once loaded.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "merkle.h"

G_BEGIN_DECLS

#define WT_SEAL_FILE "seal.json"
#define WT_SEAL_VERSION 1

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

/* Checks the seal text @text (@len bytes, a trailing newline allowed): its
 * form, and its signature by the key it names, looked up in @public_keys (as
 * from wt_signing_keys_list(), transfer none). Returns the seal (transfer
 * full) or NULL with @error. */
JsonObject *wt_seal_check(const char *text, gsize len, GHashTable *public_keys, GError **error);

G_END_DECLS
