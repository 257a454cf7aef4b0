/* test_export.c — a recording folder as a ustar file (storage/export.h),
 * read back by other tar readers (python3's tarfile, GNU tar): names, order,
 * mode, mtime and bytes; dot-names left out; failures leave no output.
 */
#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

#include "export.h"

#define ID "r-20261204T000000Z-abcdef"

typedef struct {
  char *root;           /* temporary folder */
  char *rec;            /* root/archive/ID */
  char *out;            /* root/out/export.tar */
  GHashTable *expected; /* "ID/path" -> GBytes */
} Fixture;

static void
put(Fixture *f, const char *rel, GBytes *bytes, gint64 mtime)
{
  g_autofree char *path = g_build_filename(f->rec, rel, NULL);
  g_autofree char *parent = g_path_get_dirname(path);
  g_assert_cmpint(g_mkdir_with_parents(parent, 0700), ==, 0);
  gsize len = 0;
  const char *data = g_bytes_get_data(bytes, &len);
  g_assert_true(g_file_set_contents(path, data ? data : "", (gssize)len, NULL));
  struct utimbuf t = {.actime = mtime, .modtime = mtime};
  g_assert_cmpint(utime(path, &t), ==, 0);
  if (rel[0] != '.' && !strstr(rel, "/."))
    g_hash_table_insert(f->expected, g_strconcat(ID "/", rel, NULL), g_bytes_ref(bytes));
}

static GBytes *
random_bytes(gsize len, guint32 seed)
{
  GRand *r = g_rand_new_with_seed(seed);
  guint8 *data = g_malloc(len + 1);
  for (gsize i = 0; i < len; i++)
    data[i] = (guint8)g_rand_int(r);
  g_rand_free(r);
  return g_bytes_new_take(data, len);
}

static void
fixture_set_up(Fixture *f, gconstpointer data)
{
  f->root = g_dir_make_tmp("wt-export-XXXXXX", NULL);
  f->rec = g_build_filename(f->root, "archive", ID, NULL);
  g_autofree char *out_dir = g_build_filename(f->root, "out", NULL);
  g_assert_cmpint(g_mkdir_with_parents(out_dir, 0700), ==, 0);
  f->out = g_build_filename(out_dir, "export.tar", NULL);
  f->expected =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_bytes_unref);

  g_autoptr(GBytes) seg1 = random_bytes(300000, 1);
  g_autoptr(GBytes) seg2 = random_bytes(512, 2); /* exactly one block: no padding */
  g_autoptr(GBytes) empty = g_bytes_new(NULL, 0);
  g_autoptr(GBytes) chain = g_bytes_new_static("{\"seq\":0}\n{\"seq\":1}\n", 20);
  g_autoptr(GBytes) seal = g_bytes_new_static("{\"root\":\"ab\"}\n", 14);
  g_autoptr(GBytes) jpg = random_bytes(1000, 3);
  put(f, "p-0123456789ab/00001.webm", seg1, 1780000001);
  put(f, "p-0123456789ab/00002.webm", seg2, 1780000002);
  put(f, "p-ba9876543210/00001.mkv", empty, 1780000003);
  put(f, "chain.jsonl", chain, 1780000004);
  put(f, "seal.json", seal, 1780000005);
  put(f, "seal.sig", jpg, 1780000006);
  put(f, "receipt.json", seal, 1780000007);
  put(f, "liveness/p-0123456789ab-0001.jpg", jpg, 1780000008);
  /* Longer than 100 bytes with the id: needs the ustar prefix. */
  put(f,
      "liveness/a-rather-long-folder-name-for-the-prefix-field/"
      "and-a-file-name-that-is-long-as-well-0000000001.jpg",
      jpg, 1780000009);
  /* Outside the evidence: never exported. */
  put(f, ".tmp-chain", chain, 1780000010);
  put(f, "p-0123456789ab/.00003.webm.partial", seg2, 1780000011);
  put(f, ".quarantine/00003.webm", seg2, 1780000012);
}

static void
rm_rf(const char *path)
{
  const char *argv[] = {"rm", "-rf", path, NULL};
  g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                             NULL, NULL));
}

static void
fixture_tear_down(Fixture *f, gconstpointer data)
{
  g_chmod(f->rec, 0700);
  rm_rf(f->root);
  g_free(f->root);
  g_free(f->rec);
  g_free(f->out);
  g_hash_table_unref(f->expected);
}

/* Runs @argv; asserts exit 0 and returns stdout (transfer full). */
static GBytes *
run(const char *const *argv)
{
  gsize err_len = 0;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) p = g_subprocess_newv(
      argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error(error);
  g_autoptr(GBytes) stdout_bytes = NULL, stderr_bytes = NULL;
  g_assert_true(g_subprocess_communicate(p, NULL, NULL, &stdout_bytes, &stderr_bytes, &error));
  g_assert_no_error(error);
  gint status = g_subprocess_get_exit_status(p);
  if (status != 0)
    g_test_message("%s: %.*s", argv[0], (int)g_bytes_get_size(stderr_bytes),
                   (const char *)g_bytes_get_data(stderr_bytes, &err_len));
  g_assert_cmpint(status, ==, 0);
  return g_steal_pointer(&stdout_bytes);
}

/* What python3's tarfile sees: [{name, type, mode, mtime, size, sha256}] in order. */
static const char read_back_py[] =
    "import hashlib, json, sys, tarfile\n"
    "out = []\n"
    "with tarfile.open(sys.argv[1], 'r:') as t:\n"
    "    for m in t.getmembers():\n"
    "        data = t.extractfile(m).read() if m.isfile() else b''\n"
    "        out.append({'name': m.name, 'type': m.type.decode(), 'mode': m.mode,\n"
    "                    'mtime': m.mtime, 'size': m.size, 'uid': m.uid,\n"
    "                    'sha256': hashlib.sha256(data).hexdigest()})\n"
    "print(json.dumps(out))\n";

static void
test_read_back(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_assert_true(wt_export_recording_tar(f->rec, f->out, &error));
  g_assert_no_error(error);

  const char *py[] = {"python3", "-c", read_back_py, f->out, NULL};
  g_autoptr(GBytes) json = run(py);
  g_autoptr(JsonParser) parser = json_parser_new();
  g_assert_true(json_parser_load_from_data(parser, g_bytes_get_data(json, NULL),
                                           (gssize)g_bytes_get_size(json), &error));
  JsonArray *members = json_node_get_array(json_parser_get_root(parser));
  g_assert_cmpuint(json_array_get_length(members), ==, g_hash_table_size(f->expected));

  g_autoptr(GList) names = g_list_sort(g_hash_table_get_keys(f->expected), (GCompareFunc)strcmp);
  guint i = 0;
  for (GList *l = names; l; l = l->next, i++) {
    JsonObject *m = json_array_get_object_element(members, i);
    const char *name = l->data;
    g_assert_cmpstr(json_object_get_string_member(m, "name"), ==, name); /* sorted */
    g_assert_cmpstr(json_object_get_string_member(m, "type"), ==, "0");
    g_assert_cmpint(json_object_get_int_member(m, "mode"), ==, 0644);
    g_assert_cmpint(json_object_get_int_member(m, "uid"), ==, 0);
    GBytes *want = g_hash_table_lookup(f->expected, name);
    g_assert_cmpint(json_object_get_int_member(m, "size"), ==, (gint64)g_bytes_get_size(want));
    g_autofree char *sha = g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, want);
    g_assert_cmpstr(json_object_get_string_member(m, "sha256"), ==, sha);
    g_autofree char *path = g_build_filename(f->rec, name + strlen(ID "/"), NULL);
    GStatBuf st;
    g_assert_cmpint(g_stat(path, &st), ==, 0);
    g_assert_cmpint(json_object_get_int_member(m, "mtime"), ==, (gint64)st.st_mtime);
  }

  /* GNU tar lists it without complaint and gives back the same bytes. */
  const char *list[] = {"tar", "-tvf", f->out, NULL};
  g_autoptr(GBytes) listing = run(list);
  g_autofree char *text = g_strndup(g_bytes_get_data(listing, NULL), g_bytes_get_size(listing));
  g_assert_nonnull(strstr(text, "-rw-r--r--"));
  g_assert_nonnull(strstr(text, ID "/p-0123456789ab/00001.webm"));
  g_assert_null(strstr(text, "partial"));
  g_assert_null(strstr(text, "quarantine"));
  const char *name = ID "/p-0123456789ab/00001.webm";
  const char *extract[] = {"tar", "-xOf", f->out, name, NULL};
  g_autoptr(GBytes) seg = run(extract);
  g_assert_true(g_bytes_equal(seg, g_hash_table_lookup(f->expected, name)));

  /* The size is whole blocks: headers, padded data, two zero blocks. */
  GStatBuf st;
  g_assert_cmpint(g_stat(f->out, &st), ==, 0);
  g_assert_cmpint(st.st_size % 512, ==, 0);
  g_assert_cmpint(st.st_mode & 0777, ==, 0644);
  g_autofree char *out_dir = g_path_get_dirname(f->out);
  g_autoptr(GDir) d = g_dir_open(out_dir, 0, NULL);
  g_assert_cmpstr(g_dir_read_name(d), ==, "export.tar"); /* no temporary file left */
  g_assert_null(g_dir_read_name(d));
}

/* Asserts the export fails and leaves "old" at the output path and nothing else. */
static void
assert_fails_cleanly(Fixture *f, GQuark domain, gint code)
{
  g_assert_true(g_file_set_contents(f->out, "old", -1, NULL));
  g_autoptr(GError) error = NULL;
  g_assert_false(wt_export_recording_tar(f->rec, f->out, &error));
  g_assert_error(error, domain, code);
  g_test_message("refused: %s", error->message);
  g_autofree char *content = NULL;
  g_assert_true(g_file_get_contents(f->out, &content, NULL, NULL));
  g_assert_cmpstr(content, ==, "old");
  g_autofree char *out_dir = g_path_get_dirname(f->out);
  g_autoptr(GDir) d = g_dir_open(out_dir, 0, NULL);
  g_assert_cmpstr(g_dir_read_name(d), ==, "export.tar");
  g_assert_null(g_dir_read_name(d));
}

static void
test_unreadable(Fixture *f, gconstpointer data)
{
  /* root reads anything whatever its mode; then only the other cases run. */
  if (geteuid() != 0) {
    g_autofree char *seg = g_build_filename(f->rec, "p-0123456789ab", "00002.webm", NULL);
    g_assert_cmpint(g_chmod(seg, 0), ==, 0);
    assert_fails_cleanly(f, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
    g_assert_cmpint(g_chmod(seg, 0600), ==, 0);
  }
  /* A symlink in an evidence folder is refused, not followed. */
  g_autofree char *link = g_build_filename(f->rec, "seal.tst", NULL);
  g_assert_cmpint(symlink("/etc/passwd", link), ==, 0);
  assert_fails_cleanly(f, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE);
  g_assert_cmpint(g_unlink(link), ==, 0);
  /* A fifo would block a reader: refused too. */
  g_assert_cmpint(mkfifo(link, 0600), ==, 0);
  assert_fails_cleanly(f, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE);
  g_assert_cmpint(g_unlink(link), ==, 0);
  /* A name ustar cannot hold (a 120-byte file name has no '/' to split at). */
  g_autofree char *long_name = g_strnfill(120, 'n');
  g_autofree char *long_path = g_build_filename(f->rec, long_name, NULL);
  g_assert_true(g_file_set_contents(long_path, "x", -1, NULL));
  assert_fails_cleanly(f, G_IO_ERROR, G_IO_ERROR_FILENAME_TOO_LONG);
  g_assert_cmpint(g_unlink(long_path), ==, 0);
  /* A missing folder. */
  g_autofree char *rec = g_steal_pointer(&f->rec);
  f->rec = g_strconcat(rec, "-missing", NULL);
  assert_fails_cleanly(f, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  /* And with those gone, the same folder exports. */
  g_free(f->rec);
  f->rec = g_steal_pointer(&rec);
  g_autoptr(GError) error = NULL;
  g_assert_true(wt_export_recording_tar(f->rec, f->out, &error));
  g_assert_no_error(error);
}

static void
test_unwritable(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = g_build_filename(f->root, "no-such-folder", "x.tar", NULL);
  g_assert_false(wt_export_recording_tar(f->rec, out, &error));
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
#define ADD(name, fn)                                                                              \
  g_test_add("/export/" name, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD("read-back", test_read_back);
  ADD("unreadable", test_unreadable);
  ADD("unwritable", test_unwritable);
#undef ADD
  return g_test_run();
}
