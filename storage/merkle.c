/* merkle.c — RFC 9162 Merkle tree hash (see merkle.h). Recursion depth is
 * log2(n), so even a long recording needs little stack. */
#include "merkle.h"

#include <openssl/evp.h>

static void
hash_parts(guint8 prefix, const guint8 *a, gsize a_len, const guint8 *b, gsize b_len,
           guint8 out[WT_MERKLE_HASH_LEN])
{
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  g_assert(ctx);
  EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
  EVP_DigestUpdate(ctx, &prefix, 1);
  EVP_DigestUpdate(ctx, a, a_len);
  if (b_len)
    EVP_DigestUpdate(ctx, b, b_len);
  EVP_DigestFinal_ex(ctx, out, NULL);
  EVP_MD_CTX_free(ctx);
}

static void
subtree(const guint8 *leaves, gsize n, guint8 out[WT_MERKLE_HASH_LEN])
{
  if (n == 1) {
    hash_parts(0x00, leaves, WT_MERKLE_HASH_LEN, NULL, 0, out);
    return;
  }
  gsize k = 1;
  while (k * 2 < n)
    k *= 2;
  guint8 left[WT_MERKLE_HASH_LEN], right[WT_MERKLE_HASH_LEN];
  subtree(leaves, k, left);
  subtree(leaves + k * WT_MERKLE_HASH_LEN, n - k, right);
  hash_parts(0x01, left, sizeof left, right, sizeof right, out);
}

void
wt_merkle_root(const guint8 *leaves, gsize n, guint8 root[WT_MERKLE_HASH_LEN])
{
  if (n == 0) {
    unsigned int len = 0;
    EVP_Digest("", 0, root, &len, EVP_sha256(), NULL);
    return;
  }
  subtree(leaves, n, root);
}
