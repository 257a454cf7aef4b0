/* test_chain.c — the hash chain (lines, appending, reopening, torn and damaged
 * files) and the RFC 9162 Merkle root, against hashes computed here by hand. */
#include <glib/gstdio.h>
#include <string.h>

#include "chain.h"
#include "merkle.h"

static char *
sha256_hex(const char *data, gsize len)
{
  return g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)data, len);
}

static void
test_line_format(void)
{
  g_autoptr(JsonObject) payload = json_object_new();
  json_object_set_string_member(payload, "participant", "p-1");
  char hash[WT_CHAIN_HASH_HEX + 1];
  g_autofree char *line = wt_chain_line_new(0, "join", payload, 1000, wt_chain_genesis, hash);
  /* The members in order, hash last; hash = SHA-256 of the line without it. */
  g_autofree char *hashed = g_strdup_printf(
      "{\"seq\":0,\"type\":\"join\",\"time\":1000,\"participant\":\"p-1\",\"prev\":\"%s\"}",
      wt_chain_genesis);
  g_autofree char *want_hash = sha256_hex(hashed, strlen(hashed));
  g_assert_cmpstr(hash, ==, want_hash);
  g_autofree char *want =
      g_strdup_printf("%.*s,\"hash\":\"%s\"}", (int)strlen(hashed) - 1, hashed, want_hash);
  g_assert_cmpstr(line, ==, want);

  char checked[WT_CHAIN_HASH_HEX + 1];
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) r =
      wt_chain_line_check(line, strlen(line), 0, wt_chain_genesis, checked, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(checked, ==, hash);
  g_assert_cmpstr(json_object_get_string_member(r, "participant"), ==, "p-1");
}

static void
assert_line_refused(const char *line, guint64 seq, const char *prev, WtChainError code)
{
  char hash[WT_CHAIN_HASH_HEX + 1];
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) r = wt_chain_line_check(line, strlen(line), seq, prev, hash, &error);
  g_assert_null(r);
  g_assert_error(error, WT_CHAIN_ERROR, (gint)code);
}

static void
test_line_refusals(void)
{
  char hash[WT_CHAIN_HASH_HEX + 1];
  g_autofree char *line = wt_chain_line_new(4, "leave", NULL, 5, wt_chain_genesis, hash);
  /* Wrong place in the chain. */
  assert_line_refused(line, 3, wt_chain_genesis, WT_CHAIN_ERROR_LINK);
  assert_line_refused(line, 4, hash, WT_CHAIN_ERROR_LINK);
  /* One byte changed anywhere. */
  g_autofree char *edited = g_strdup(line);
  *strstr(edited, "leave") = 'L';
  assert_line_refused(edited, 4, wt_chain_genesis, WT_CHAIN_ERROR_HASH);
  /* No hash member, a cut line, nothing, upper-case hex, not JSON. */
  assert_line_refused("{\"seq\":4}", 4, wt_chain_genesis, WT_CHAIN_ERROR_MALFORMED);
  g_autofree char *cut = g_strndup(line, strlen(line) - 3);
  assert_line_refused(cut, 4, wt_chain_genesis, WT_CHAIN_ERROR_MALFORMED);
  assert_line_refused("", 4, wt_chain_genesis, WT_CHAIN_ERROR_MALFORMED);
  g_autofree char *upper = g_strdup(line);
  char *h = strstr(upper, ",\"hash\":\"") + 9;
  for (guint i = 0; i < WT_CHAIN_HASH_HEX; i++)
    h[i] = g_ascii_toupper(h[i]);
  assert_line_refused(upper, 4, wt_chain_genesis, WT_CHAIN_ERROR_MALFORMED);
  /* Valid hash over bytes that are not a record. */
  g_autofree char *junk_hash = sha256_hex("[1,2}", 5);
  g_autofree char *junk_line = g_strdup_printf("[1,2,\"hash\":\"%s\"}", junk_hash);
  assert_line_refused(junk_line, 4, wt_chain_genesis, WT_CHAIN_ERROR_MALFORMED);
}

static char *
temp_chain(char **dir)
{
  *dir = g_dir_make_tmp("wt-chain-XXXXXX", NULL);
  return g_build_filename(*dir, WT_CHAIN_FILE, NULL);
}

static void
remove_dir(const char *dir, const char *path)
{
  g_unlink(path);
  g_rmdir(dir);
}

static void
test_append_and_reopen(void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = temp_chain(&dir);
  g_autoptr(GError) error = NULL;
  char head1[WT_CHAIN_HASH_HEX + 1];
  {
    g_autoptr(WtChain) chain = wt_chain_open(path, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(wt_chain_get_head(chain), ==, wt_chain_genesis);
    g_assert_true(wt_chain_append(chain, "join", NULL, 1, &error));
    g_assert_true(wt_chain_append(chain, "leave", NULL, 2, &error));
    g_assert_cmpuint(wt_chain_get_length(chain), ==, 2);
    memcpy(head1, wt_chain_get_head(chain), sizeof head1);
  }
  gboolean torn = TRUE;
  g_autoptr(WtChain) chain = wt_chain_open(path, &torn, &error);
  g_assert_no_error(error);
  g_assert_false(torn);
  g_assert_cmpuint(wt_chain_get_length(chain), ==, 2);
  g_assert_cmpstr(wt_chain_get_head(chain), ==, head1);
  g_assert_true(wt_chain_append(chain, "join", NULL, 3, &error));

  /* Each line links to the one before. */
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  g_assert_cmpuint(g_strv_length(lines), ==, 4); /* three and the empty rest */
  g_assert_nonnull(strstr(lines[2], head1));
  g_assert_cmpstr(lines[3], ==, "");
  remove_dir(dir, path);
}

static void
test_torn_last_line_is_cut(void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = temp_chain(&dir);
  g_autoptr(GError) error = NULL;
  char head[WT_CHAIN_HASH_HEX + 1];
  {
    g_autoptr(WtChain) chain = wt_chain_open(path, NULL, &error);
    g_assert_true(wt_chain_append(chain, "join", NULL, 1, &error));
    memcpy(head, wt_chain_get_head(chain), sizeof head);
  }
  /* A crash in the middle of the next write. */
  FILE *f = fopen(path, "a");
  fputs("{\"seq\":1,\"type\":\"seg", f);
  fclose(f);
  gboolean torn = FALSE;
  g_autoptr(WtChain) chain = wt_chain_open(path, &torn, &error);
  g_assert_no_error(error);
  g_assert_true(torn);
  g_assert_cmpuint(wt_chain_get_length(chain), ==, 1);
  g_assert_cmpstr(wt_chain_get_head(chain), ==, head);
  g_assert_true(wt_chain_append(chain, "leave", NULL, 2, &error));
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  g_assert_null(strstr(text, "\"seg"));
  g_assert_nonnull(strstr(text, "\"seq\":1,\"type\":\"leave\""));
  remove_dir(dir, path);
}

static void
test_damaged_chain_is_not_appended_to(void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = temp_chain(&dir);
  g_autoptr(GError) error = NULL;
  {
    g_autoptr(WtChain) chain = wt_chain_open(path, NULL, &error);
    g_assert_true(wt_chain_append(chain, "join", NULL, 1, &error));
    g_assert_true(wt_chain_append(chain, "leave", NULL, 2, &error));
  }
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  *strstr(text, "join") = 'J';
  g_assert_true(g_file_set_contents(path, text, -1, NULL));
  g_autoptr(WtChain) chain = wt_chain_open(path, NULL, &error);
  g_assert_null(chain);
  g_assert_error(error, WT_CHAIN_ERROR, WT_CHAIN_ERROR_HASH);
  g_assert_nonnull(strstr(error->message, "record 0"));
  remove_dir(dir, path);
}

/* ---- Merkle ------------------------------------------------------------------ */

static void
hash2(guint8 prefix, const guint8 *a, const guint8 *b, guint8 out[32])
{
  g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
  g_checksum_update(sum, &prefix, 1);
  g_checksum_update(sum, a, 32);
  if (b)
    g_checksum_update(sum, b, 32);
  gsize len = 32;
  g_checksum_get_digest(sum, out, &len);
}

static void
test_merkle_root(void)
{
  guint8 leaves[5][32], root[32], want[32];
  for (guint i = 0; i < 5; i++)
    memset(leaves[i], (int)(i + 1), 32);
  /* Empty: SHA-256 of nothing. */
  wt_merkle_root(NULL, 0, root);
  g_autofree char *empty = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)"", 0);
  g_autofree char *got = NULL;
  {
    g_autoptr(GString) s = g_string_new(NULL);
    for (guint i = 0; i < 32; i++)
      g_string_append_printf(s, "%02x", root[i]);
    got = g_strdup(s->str);
  }
  g_assert_cmpstr(got, ==, empty);
  /* One leaf: H(0x00 || d0). */
  hash2(0x00, leaves[0], NULL, want);
  wt_merkle_root(&leaves[0][0], 1, root);
  g_assert_cmpmem(root, 32, want, 32);
  /* Five leaves: k = 4, so H(1 || MTH(d0..d3) || MTH(d4)). */
  guint8 l[5][32], n01[32], n23[32], n0123[32];
  for (guint i = 0; i < 5; i++)
    hash2(0x00, leaves[i], NULL, l[i]);
  hash2(0x01, l[0], l[1], n01);
  hash2(0x01, l[2], l[3], n23);
  hash2(0x01, n01, n23, n0123);
  hash2(0x01, n0123, l[4], want);
  wt_merkle_root(&leaves[0][0], 5, root);
  g_assert_cmpmem(root, 32, want, 32);
  /* Three leaves: H(1 || H(1 || l0 || l1) || l2): not a balanced tree with a copy. */
  hash2(0x01, n01, l[2], want);
  wt_merkle_root(&leaves[0][0], 3, root);
  g_assert_cmpmem(root, 32, want, 32);
  /* Order matters. */
  guint8 swapped[2][32], root_swapped[32];
  memcpy(swapped[0], leaves[1], 32);
  memcpy(swapped[1], leaves[0], 32);
  wt_merkle_root(&leaves[0][0], 2, root);
  wt_merkle_root(&swapped[0][0], 2, root_swapped);
  g_assert_cmpmem(root, 32, n01, 32);
  g_assert_true(memcmp(root, root_swapped, 32) != 0);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/chain/line-format", test_line_format);
  g_test_add_func("/chain/line-refusals", test_line_refusals);
  g_test_add_func("/chain/append-and-reopen", test_append_and_reopen);
  g_test_add_func("/chain/torn-last-line-is-cut", test_torn_last_line_is_cut);
  g_test_add_func("/chain/damaged-chain-is-not-appended-to", test_damaged_chain_is_not_appended_to);
  g_test_add_func("/merkle/root", test_merkle_root);
  return g_test_run();
}
