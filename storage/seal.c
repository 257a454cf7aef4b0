/* seal.c — Ed25519 signing keys (OpenSSL) and signed seals (see seal.h).
 * Any thread: nothing here is shared but immutable keys. */
#include "seal.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <string.h>

#include "atomic_file.h"

#define SIGNATURE_MEMBER ",\"signature\":\""
#define ED25519_RAW 32
#define ED25519_SIG WT_SEAL_SIGNATURE_LEN

G_DEFINE_QUARK(wt - seal - error - quark, wt_seal_error)

G_DEFINE_AUTOPTR_CLEANUP_FUNC(EVP_PKEY, EVP_PKEY_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EVP_MD_CTX, EVP_MD_CTX_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BIO, BIO_free)

struct _WtSigningKey {
  EVP_PKEY *pkey;
  char *id;
};

/* "@what @path" as a key error. */
static gboolean
key_error(GError **error, const char *what, const char *path)
{
  g_set_error(error, WT_SEAL_ERROR, WT_SEAL_ERROR_KEY, "%s %s", what, path);
  return FALSE;
}

/* "ed25519-" + 16 hex digits of SHA-256(raw public key). */
static char *
key_id_for(const guint8 raw[ED25519_RAW])
{
  g_autofree char *hex = g_compute_checksum_for_data(G_CHECKSUM_SHA256, raw, ED25519_RAW);
  return g_strdup_printf("ed25519-%.16s", hex);
}

static gboolean
raw_public(EVP_PKEY *pkey, guint8 raw[ED25519_RAW])
{
  size_t len = ED25519_RAW;
  return EVP_PKEY_get_base_id(pkey) == EVP_PKEY_ED25519 &&
         EVP_PKEY_get_raw_public_key(pkey, raw, &len) == 1 && len == ED25519_RAW;
}

/* Writes what @write_pem puts in a memory BIO to @path atomically. */
static gboolean
write_pem(const char *path, EVP_PKEY *pkey, gboolean private_key, GError **error)
{
  g_autoptr(BIO) bio = BIO_new(BIO_s_mem());
  int ok = private_key ? PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL)
                       : PEM_write_bio_PUBKEY(bio, pkey);
  char *data = NULL;
  long len = BIO_get_mem_data(bio, &data);
  if (!ok || len <= 0)
    return key_error(error, "cannot write the key", path);
  return wt_storage_write_file_atomic(path, data, (gsize)len, private_key ? 0600 : 0644, error);
}

static EVP_PKEY *
read_pem(const char *path, gboolean private_key, GError **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  if (!g_file_get_contents(path, &text, &len, error))
    return NULL;
  g_autoptr(BIO) bio = BIO_new_mem_buf(text, (int)len);
  EVP_PKEY *pkey = private_key ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)
                               : PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
  guint8 raw[ED25519_RAW];
  if (!pkey || !raw_public(pkey, raw)) {
    EVP_PKEY_free(pkey);
    key_error(error, "not an Ed25519 key:", path);
    return NULL;
  }
  return pkey;
}

WtSigningKey *
wt_signing_key_load_or_create(const char *keys_dir, GError **error)
{
  g_autofree char *public_dir = g_build_filename(keys_dir, "public", NULL);
  g_autofree char *path = g_build_filename(keys_dir, "signing.pem", NULL);
  if (g_mkdir_with_parents(public_dir, 0700) != 0) {
    g_set_error(error, WT_SEAL_ERROR, WT_SEAL_ERROR_KEY, "cannot create %s: %s", public_dir,
                g_strerror(errno));
    return NULL;
  }
  g_autoptr(EVP_PKEY) pkey = NULL;
  if (g_file_test(path, G_FILE_TEST_EXISTS)) {
    if (!(pkey = read_pem(path, TRUE, error)))
      return NULL;
  } else {
    if (!(pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"))) {
      key_error(error, "OpenSSL cannot make an Ed25519 key for", path);
      return NULL;
    }
    if (!write_pem(path, pkey, TRUE, error))
      return NULL;
  }
  guint8 raw[ED25519_RAW];
  raw_public(pkey, raw);
  g_autofree char *id = key_id_for(raw);
  g_autofree char *name = g_strconcat(id, ".pem", NULL);
  g_autofree char *public_path = g_build_filename(public_dir, name, NULL);
  if (!g_file_test(public_path, G_FILE_TEST_EXISTS)) {
    if (!write_pem(public_path, pkey, FALSE, error))
      return NULL;
    g_message("signing key %s in %s", id, path);
  }
  WtSigningKey *key = g_new0(WtSigningKey, 1);
  key->pkey = g_steal_pointer(&pkey);
  key->id = g_steal_pointer(&id);
  return key;
}

void
wt_signing_key_free(WtSigningKey *key)
{
  if (!key)
    return;
  EVP_PKEY_free(key->pkey);
  g_free(key->id);
  g_free(key);
}

const char *
wt_signing_key_get_id(const WtSigningKey *key)
{
  return key->id;
}

GHashTable *
wt_signing_keys_list(const char *keys_dir, GError **error)
{
  g_autoptr(GHashTable) keys =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_bytes_unref);
  g_autofree char *public_dir = g_build_filename(keys_dir, "public", NULL);
  g_autoptr(GDir) dir = g_dir_open(public_dir, 0, NULL);
  const char *name;
  while (dir && (name = g_dir_read_name(dir))) {
    if (!g_str_has_suffix(name, ".pem"))
      continue;
    g_autofree char *path = g_build_filename(public_dir, name, NULL);
    g_autoptr(EVP_PKEY) pkey = read_pem(path, FALSE, error);
    if (!pkey)
      return NULL;
    guint8 raw[ED25519_RAW];
    raw_public(pkey, raw);
    /* The id comes from the key itself, never from the file's name. */
    g_hash_table_replace(keys, key_id_for(raw), g_bytes_new(raw, sizeof raw));
  }
  return g_steal_pointer(&keys);
}

/* ---- Seals ------------------------------------------------------------------- */

static char *
hex(const guint8 *data, gsize len)
{
  GString *s = g_string_sized_new(len * 2);
  for (gsize i = 0; i < len; i++)
    g_string_append_printf(s, "%02x", data[i]);
  return g_string_free(s, FALSE);
}

char *
wt_seal_sign(const WtSealFacts *facts, const WtSigningKey *key, GError **error)
{
  g_autofree char *root = hex(facts->merkle_root, WT_MERKLE_HASH_LEN);
  g_autoptr(JsonObject) seal = json_object_new();
  json_object_set_int_member(seal, "version", WT_SEAL_VERSION);
  json_object_set_string_member(seal, "recording", facts->recording);
  json_object_set_string_member(seal, "reason", facts->reason);
  json_object_set_int_member(seal, "sealed", facts->sealed_ms);
  json_object_set_string_member(seal, "chain_head", facts->chain_head);
  json_object_set_int_member(seal, "chain_records", (gint64)facts->chain_records);
  json_object_set_int_member(seal, "segments", (gint64)facts->segments);
  json_object_set_int_member(seal, "duration_ms", facts->duration_ms);
  json_object_set_string_member(seal, "merkle_root", root);
  json_object_set_string_member(seal, "key_id", key->id);
  g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), seal);
  g_autofree char *signed_text = json_to_string(node, FALSE);
  gsize len = strlen(signed_text);

  guint8 sig[ED25519_SIG];
  size_t sig_len = sizeof sig;
  g_autoptr(EVP_MD_CTX) ctx = EVP_MD_CTX_new();
  if (!ctx || EVP_DigestSignInit(ctx, NULL, NULL, NULL, key->pkey) != 1 ||
      EVP_DigestSign(ctx, sig, &sig_len, (const guint8 *)signed_text, len) != 1) {
    g_set_error(error, WT_SEAL_ERROR, WT_SEAL_ERROR_KEY, "OpenSSL cannot sign with %s", key->id);
    return NULL;
  }
  g_autofree char *b64 = g_base64_encode(sig, sig_len);
  return g_strdup_printf("%.*s" SIGNATURE_MEMBER "%s\"}", (int)(len - 1), signed_text, b64);
}

/* What may follow the signature's closing quote: `}`, or one unsigned
 * member, `timestamp` or `timestamp_error`, as a string, then `}`. Checked on
 * its own so that an appended member can never repeat (and so override) a
 * signed one. */
static gboolean
unsigned_tail_ok(const char *tail, gsize len)
{
  if (len == 1 && tail[0] == '}')
    return TRUE;
  if (len < 3 || tail[0] != ',')
    return FALSE;
  g_autofree char *object = g_strdup_printf("{%.*s", (int)(len - 1), tail + 1);
  g_autoptr(JsonParser) parser = json_parser_new_immutable();
  JsonNode *root = NULL;
  if (!json_parser_load_from_data(parser, object, -1, NULL) ||
      !(root = json_parser_get_root(parser)) || !JSON_NODE_HOLDS_OBJECT(root))
    return FALSE;
  JsonObject *o = json_node_get_object(root);
  if (json_object_get_size(o) != 1)
    return FALSE;
  const char *name =
      json_object_has_member(o, WT_SEAL_TIMESTAMP) ? WT_SEAL_TIMESTAMP : WT_SEAL_TIMESTAMP_ERROR;
  JsonNode *value = json_object_get_member(o, name);
  return value && JSON_NODE_HOLDS_VALUE(value) && json_node_get_value_type(value) == G_TYPE_STRING;
}

char *
wt_seal_add_unsigned(const char *text, const char *member, const char *value)
{
  gsize len = strlen(text);
  while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
    len--;
  g_return_val_if_fail(len >= 2 && text[len - 1] == '}', NULL);
  g_autoptr(JsonNode) node = json_node_init_string(json_node_alloc(), value);
  g_autofree char *quoted = json_to_string(node, FALSE);
  return g_strdup_printf("%.*s,\"%s\":%s}", (int)(len - 1), text, member, quoted);
}

gboolean
wt_seal_get_signature(const char *text, guint8 signature[WT_SEAL_SIGNATURE_LEN])
{
  const char *member = g_strrstr(text, SIGNATURE_MEMBER);
  if (!member)
    return FALSE;
  const char *b64_start = member + sizeof SIGNATURE_MEMBER - 1;
  const char *b64_end = strchr(b64_start, '"');
  if (!b64_end)
    return FALSE;
  g_autofree char *b64 = g_strndup(b64_start, (gsize)(b64_end - b64_start));
  gsize sig_len = 0;
  g_autofree guint8 *sig = g_base64_decode(b64, &sig_len);
  if (sig_len != WT_SEAL_SIGNATURE_LEN)
    return FALSE;
  memcpy(signature, sig, sig_len);
  return TRUE;
}

static JsonObject *
malformed(GError **error, const char *why)
{
  g_set_error(error, WT_SEAL_ERROR, WT_SEAL_ERROR_MALFORMED, "seal: %s", why);
  return NULL;
}

JsonObject *
wt_seal_check(const char *text, gsize len, GHashTable *public_keys, GError **error)
{
  while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
    len--;
  /* Find ,"signature":"…"} at the end; base64 has no quote. */
  const char *member = g_strrstr_len(text, (gssize)len, SIGNATURE_MEMBER);
  if (!member || len < 2 || text[len - 1] != '}')
    return malformed(error, "it does not end with its signature");
  const char *b64_start = member + sizeof SIGNATURE_MEMBER - 1;
  const char *b64_end = memchr(b64_start, '"', (gsize)(text + len - b64_start));
  if (!b64_end || !unsigned_tail_ok(b64_end + 1, (gsize)(text + len - b64_end - 1)))
    return malformed(error, "its signature member is not the last one (but for a timestamp)");
  g_autofree char *b64 = g_strndup(b64_start, (gsize)(b64_end - b64_start));
  gsize sig_len = 0;
  g_autofree guint8 *sig = g_base64_decode(b64, &sig_len);
  if (sig_len != ED25519_SIG)
    return malformed(error, "its signature is not 64 bytes of base64");

  g_autoptr(JsonParser) parser = json_parser_new_immutable();
  JsonNode *root = NULL;
  if (!json_parser_load_from_data(parser, text, (gssize)len, NULL) ||
      !(root = json_parser_get_root(parser)) || !JSON_NODE_HOLDS_OBJECT(root))
    return malformed(error, "it is not a JSON object");
  JsonObject *seal = json_node_get_object(root);
  const char *key_id = json_object_get_string_member_with_default(seal, "key_id", NULL);
  if (json_object_get_int_member_with_default(seal, "version", 0) != WT_SEAL_VERSION || !key_id)
    return malformed(error, "it has no version 1 or no key_id");
  GBytes *raw = public_keys ? g_hash_table_lookup(public_keys, key_id) : NULL;
  if (!raw) {
    g_set_error(error, WT_SEAL_ERROR, WT_SEAL_ERROR_KEY,
                "seal: signed by %s, which is not one of this server's keys", key_id);
    return NULL;
  }
  /* The signed bytes: the seal without ,"signature":"…", closed again. */
  gsize signed_len = (gsize)(member - text) + 1;
  g_autofree char *signed_text = g_malloc(signed_len);
  memcpy(signed_text, text, signed_len - 1);
  signed_text[signed_len - 1] = '}';
  g_autoptr(EVP_PKEY) pkey = EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, NULL, g_bytes_get_data(raw, NULL), g_bytes_get_size(raw));
  g_autoptr(EVP_MD_CTX) ctx = EVP_MD_CTX_new();
  if (!pkey || !ctx || EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) != 1 ||
      EVP_DigestVerify(ctx, sig, sig_len, (const guint8 *)signed_text, signed_len) != 1) {
    g_set_error(error, WT_SEAL_ERROR, WT_SEAL_ERROR_SIGNATURE,
                "seal: the signature by %s does not verify", key_id);
    return NULL;
  }
  return json_object_ref(seal);
}
