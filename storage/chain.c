/* chain.c — the append-only hash chain of a recording (see chain.h).
 * A WtChain is used by one storage thread; the line functions are pure. */
#include "chain.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "atomic_file.h"

#define HASH_MEMBER ",\"hash\":\""
#define HASH_SUFFIX_LEN (sizeof HASH_MEMBER - 1 + WT_CHAIN_HASH_HEX + 2) /* ,"hash":"…"} */

G_DEFINE_QUARK(wt - chain - error - quark, wt_chain_error)

const char wt_chain_genesis[WT_CHAIN_HASH_HEX + 1] =
    "0000000000000000000000000000000000000000000000000000000000000000";

struct _WtChain {
  char *path;
  int fd;
  guint64 length;
  goffset size;
  char head[WT_CHAIN_HASH_HEX + 1];
};

static void
sha256_hex(const char *data, gsize len, char out[WT_CHAIN_HASH_HEX + 1])
{
  g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
  g_checksum_update(sum, (const guchar *)data, (gssize)len);
  memcpy(out, g_checksum_get_string(sum), WT_CHAIN_HASH_HEX + 1);
}

static gboolean
is_reserved(const char *name)
{
  static const char *const reserved[] = {"seq", "type", "time", "prev", "hash"};
  for (guint i = 0; i < G_N_ELEMENTS(reserved); i++) {
    if (strcmp(name, reserved[i]) == 0)
      return TRUE;
  }
  return FALSE;
}

char *
wt_chain_line_new(guint64 seq, const char *type, JsonObject *payload, gint64 time_ms,
                  const char *prev_hex, char hash_out[WT_CHAIN_HASH_HEX + 1])
{
  g_autoptr(JsonObject) record = json_object_new();
  json_object_set_int_member(record, "seq", (gint64)seq);
  json_object_set_string_member(record, "type", type);
  json_object_set_int_member(record, "time", time_ms);
  if (payload) {
    g_autoptr(GList) names = json_object_get_members(payload);
    for (GList *l = names; l; l = l->next) {
      g_return_val_if_fail(!is_reserved(l->data), NULL);
      json_object_set_member(record, l->data,
                             json_node_copy(json_object_get_member(payload, l->data)));
    }
  }
  json_object_set_string_member(record, "prev", prev_hex);
  g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), record);
  g_autofree char *hashed = json_to_string(node, FALSE);
  sha256_hex(hashed, strlen(hashed), hash_out);
  gsize len = strlen(hashed);
  g_assert(len > 2 && hashed[len - 1] == '}');
  return g_strdup_printf("%.*s" HASH_MEMBER "%s\"}", (int)(len - 1), hashed, hash_out);
}

static gboolean
is_hex_hash(const char *s)
{
  for (guint i = 0; i < WT_CHAIN_HASH_HEX; i++) {
    if (!g_ascii_isxdigit(s[i]) || g_ascii_isupper(s[i]))
      return FALSE;
  }
  return TRUE;
}

JsonObject *
wt_chain_line_check(const char *line, gsize len, guint64 seq, const char *prev_hex,
                    char hash_out[WT_CHAIN_HASH_HEX + 1], GError **error)
{
  const char *suffix = len > HASH_SUFFIX_LEN ? line + len - HASH_SUFFIX_LEN : NULL;
  if (!suffix || memcmp(suffix, HASH_MEMBER, sizeof HASH_MEMBER - 1) != 0 ||
      !is_hex_hash(suffix + sizeof HASH_MEMBER - 1) || memcmp(line + len - 2, "\"}", 2) != 0) {
    g_set_error(error, WT_CHAIN_ERROR, WT_CHAIN_ERROR_MALFORMED,
                "record %" G_GUINT64_FORMAT " does not end with its hash member", seq);
    return NULL;
  }
  /* The hashed bytes: the line without ,"hash":"…", closed again. */
  gsize hashed_len = len - HASH_SUFFIX_LEN + 1;
  g_autofree char *hashed = g_malloc(hashed_len + 1);
  memcpy(hashed, line, hashed_len - 1);
  hashed[hashed_len - 1] = '}';
  hashed[hashed_len] = '\0';
  char computed[WT_CHAIN_HASH_HEX + 1];
  sha256_hex(hashed, hashed_len, computed);
  if (memcmp(computed, suffix + sizeof HASH_MEMBER - 1, WT_CHAIN_HASH_HEX) != 0) {
    g_set_error(error, WT_CHAIN_ERROR, WT_CHAIN_ERROR_HASH,
                "record %" G_GUINT64_FORMAT ": its bytes hash to %s, not to the hash it carries",
                seq, computed);
    return NULL;
  }
  g_autoptr(JsonParser) parser = json_parser_new_immutable();
  JsonNode *root = NULL;
  if (!json_parser_load_from_data(parser, line, (gssize)len, NULL) ||
      !(root = json_parser_get_root(parser)) || !JSON_NODE_HOLDS_OBJECT(root)) {
    g_set_error(error, WT_CHAIN_ERROR, WT_CHAIN_ERROR_MALFORMED,
                "record %" G_GUINT64_FORMAT " is not a JSON object", seq);
    return NULL;
  }
  JsonObject *record = json_node_get_object(root);
  JsonNode *seq_node = json_object_get_member(record, "seq");
  const char *type = json_object_get_string_member_with_default(record, "type", NULL);
  const char *prev = json_object_get_string_member_with_default(record, "prev", NULL);
  JsonNode *time_node = json_object_get_member(record, "time");
  if (!seq_node || json_node_get_value_type(seq_node) != G_TYPE_INT64 || !type || !*type || !prev ||
      !time_node || json_node_get_value_type(time_node) != G_TYPE_INT64) {
    g_set_error(error, WT_CHAIN_ERROR, WT_CHAIN_ERROR_MALFORMED,
                "record %" G_GUINT64_FORMAT " lacks seq, type, time or prev", seq);
    return NULL;
  }
  if ((guint64)json_node_get_int(seq_node) != seq) {
    g_set_error(error, WT_CHAIN_ERROR, WT_CHAIN_ERROR_LINK,
                "record %" G_GUINT64_FORMAT " says it is record %" G_GINT64_FORMAT, seq,
                json_node_get_int(seq_node));
    return NULL;
  }
  if (strcmp(prev, prev_hex) != 0) {
    g_set_error(error, WT_CHAIN_ERROR, WT_CHAIN_ERROR_LINK,
                "record %" G_GUINT64_FORMAT ": prev is not the hash of the record before it", seq);
    return NULL;
  }
  memcpy(hash_out, computed, WT_CHAIN_HASH_HEX + 1);
  return json_object_ref(record);
}

/* ---- The file ------------------------------------------------------------------ */

static gboolean
io_error(GError **error, const char *what, const char *path)
{
  int err = errno;
  g_set_error(error, WT_CHAIN_ERROR, WT_CHAIN_ERROR_IO, "%s %s: %s", what, path, g_strerror(err));
  return FALSE;
}

/* Checks every whole line of @text; sets chain->length, head and size. */
static gboolean
read_records(WtChain *chain, const char *text, gsize len, gboolean *torn, GError **error)
{
  const char *p = text, *end = text + len;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl) { /* the last write did not finish */
      *torn = TRUE;
      break;
    }
    char hash[WT_CHAIN_HASH_HEX + 1];
    g_autoptr(GError) line_error = NULL;
    g_autoptr(JsonObject) record =
        wt_chain_line_check(p, (gsize)(nl - p), chain->length, chain->head, hash, &line_error);
    if (!record) {
      g_propagate_prefixed_error(error, g_steal_pointer(&line_error), "%s: ", chain->path);
      return FALSE;
    }
    memcpy(chain->head, hash, sizeof hash);
    chain->length++;
    p = nl + 1;
  }
  chain->size = p - text;
  return TRUE;
}

WtChain *
wt_chain_open(const char *path, gboolean *torn, GError **error)
{
  g_autoptr(WtChain) chain = g_new0(WtChain, 1);
  chain->path = g_strdup(path);
  chain->fd = -1;
  memcpy(chain->head, wt_chain_genesis, sizeof chain->head);
  gboolean was_torn = FALSE;
  gboolean existed = g_file_test(path, G_FILE_TEST_EXISTS);
  if (existed) {
    g_autofree char *text = NULL;
    gsize len = 0;
    if (!g_file_get_contents(path, &text, &len, error) ||
        !read_records(chain, text, len, &was_torn, error))
      return NULL;
  }
  chain->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (chain->fd < 0) {
    io_error(error, "cannot open", path);
    return NULL;
  }
  if (was_torn && (ftruncate(chain->fd, chain->size) != 0 || fdatasync(chain->fd) != 0)) {
    io_error(error, "cannot cut the torn last line of", path);
    return NULL;
  }
  if (torn)
    *torn = was_torn;
  if (!existed) {
    g_autofree char *dir = g_path_get_dirname(path);
    if (!wt_storage_fsync_dir(dir, error))
      return NULL;
  }
  return g_steal_pointer(&chain);
}

void
wt_chain_free(WtChain *chain)
{
  if (!chain)
    return;
  if (chain->fd >= 0)
    close(chain->fd);
  g_free(chain->path);
  g_free(chain);
}

gboolean
wt_chain_append(WtChain *chain, const char *type, JsonObject *payload, gint64 time_ms,
                GError **error)
{
  char hash[WT_CHAIN_HASH_HEX + 1];
  g_autofree char *line =
      wt_chain_line_new(chain->length, type, payload, time_ms, chain->head, hash);
  g_return_val_if_fail(line != NULL, FALSE);
  gsize len = strlen(line);
  if (len >= WT_CHAIN_MAX_LINE) {
    g_set_error(error, WT_CHAIN_ERROR, WT_CHAIN_ERROR_MALFORMED,
                "a %s record of %" G_GSIZE_FORMAT " bytes is over the limit", type, len);
    return FALSE;
  }
  line[len++] = '\n'; /* overwrites the NUL: the write is exactly the line */
  gsize done = 0;
  while (done < len) {
    ssize_t n = write(chain->fd, line + done, len - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      int err = n < 0 ? errno : ENOSPC;
      /* Leave whole records only. */
      if (ftruncate(chain->fd, chain->size) != 0)
        g_warning("%s: cannot cut a partial record: %s", chain->path, g_strerror(errno));
      errno = err;
      return io_error(error, "cannot append to", chain->path);
    }
    done += (gsize)n;
  }
  if (fdatasync(chain->fd) != 0)
    return io_error(error, "cannot sync", chain->path);
  chain->size += (goffset)len;
  chain->length++;
  memcpy(chain->head, hash, sizeof hash);
  return TRUE;
}

const char *
wt_chain_get_head(const WtChain *chain)
{
  return chain->head;
}

guint64
wt_chain_get_length(const WtChain *chain)
{
  return chain->length;
}
