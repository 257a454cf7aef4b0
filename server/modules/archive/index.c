/* index.c — a recording's chain.jsonl read into the archive's index entry:
 * its time span, who took part (join records, with their segments), and the
 * case the witness module wrote into it (a `case` record). Pure apart from
 * wt_archive_index_read(), which reads the files. Any thread.
 *
 * Records used (storage/chain.h, storage/recording.h):
 *   join     {participant, role}             leave {participant, reason}
 *   segment  {participant, file, size, start_ms, end_ms}
 *   case     {case, business, parties: [{role, name, id_hash, id_masked,
 *             participant}], property, matters, term}
 *   seal     {reason}
 * Others are skipped. */
#include <gio/gio.h>
#include <string.h>

#include "archive.h"

gboolean
wt_archive_id_valid(const char *id)
{
  gsize n = id ? strlen(id) : 0;
  gboolean ok = n >= 1 && n <= 128 && id[0] != '.';
  for (gsize i = 0; ok && i < n; i++)
    ok = g_ascii_isalnum(id[i]) || id[i] == '-' || id[i] == '_' || id[i] == '.';
  return ok;
}

/* The participant object for @pid in @by_id, made when first seen. */
static JsonObject *
participant_for(JsonArray *list, GHashTable *by_id, const char *pid)
{
  JsonObject *p = g_hash_table_lookup(by_id, pid);
  if (p)
    return p;
  p = json_object_new();
  json_object_set_string_member(p, "participant", pid);
  json_object_set_array_member(p, "segments", json_array_new());
  json_array_add_object_element(list, p);
  g_hash_table_insert(by_id, g_strdup(pid), p);
  return p;
}

static void
copy_string(JsonObject *to, const char *to_name, JsonObject *from, const char *from_name)
{
  JsonNode *n = json_object_get_member(from, from_name);
  if (n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING)
    json_object_set_string_member(to, to_name, json_node_get_string(n));
}

static void
copy_any(JsonObject *to, JsonObject *from, const char *name)
{
  JsonNode *n = json_object_get_member(from, name);
  if (n && !JSON_NODE_HOLDS_NULL(n))
    json_object_set_member(to, name, json_node_copy(n));
}

/* The case record's members that the index keeps; the parties without
 * anything else they may carry (an ID number in plain is never copied). */
static void
take_case(JsonObject *entry, JsonObject *rec)
{
  copy_string(entry, "case_number", rec, "case");
  copy_string(entry, "business", rec, "business");
  copy_any(entry, rec, "property");
  copy_any(entry, rec, "matters");
  copy_any(entry, rec, "term");
  JsonArray *parties = json_array_new();
  JsonNode *pn = json_object_get_member(rec, "parties");
  if (pn && JSON_NODE_HOLDS_ARRAY(pn)) {
    JsonArray *in = json_node_get_array(pn);
    for (guint i = 0; i < json_array_get_length(in); i++) {
      JsonNode *e = json_array_get_element(in, i);
      if (!JSON_NODE_HOLDS_OBJECT(e))
        continue;
      JsonObject *from = json_node_get_object(e);
      JsonObject *to = json_object_new();
      copy_string(to, "role", from, "role");
      copy_string(to, "name", from, "name");
      copy_string(to, "id_masked", from, "id_masked");
      copy_string(to, "id_hash", from, "id_hash");
      copy_string(to, "participant", from, "participant");
      json_array_add_object_element(parties, to);
    }
  }
  json_object_set_array_member(entry, "parties", parties);
}

typedef struct {
  JsonObject *entry;
  JsonArray *participants;
  GHashTable *by_id;
  gint64 start_ms, end_ms;
} Scan;

static void
take_record(Scan *s, JsonObject *rec, const char *type)
{
  const char *pid = json_object_get_string_member_with_default(rec, "participant", NULL);
  gint64 time = json_object_get_int_member_with_default(rec, "time", 0);
  if (g_str_equal(type, "join") && pid) {
    JsonObject *p = participant_for(s->participants, s->by_id, pid);
    copy_string(p, "role", rec, "role");
    if (!json_object_has_member(p, "joined_ms"))
      json_object_set_int_member(p, "joined_ms", time);
  } else if (g_str_equal(type, "leave") && pid) {
    json_object_set_int_member(participant_for(s->participants, s->by_id, pid), "left_ms", time);
  } else if (g_str_equal(type, "segment") && pid) {
    JsonObject *p = participant_for(s->participants, s->by_id, pid);
    JsonObject *seg = json_object_new();
    copy_string(seg, "file", rec, "file");
    gint64 start = json_object_get_int_member_with_default(rec, "start_ms", 0);
    gint64 end = json_object_get_int_member_with_default(rec, "end_ms", 0);
    json_object_set_int_member(seg, "size",
                               json_object_get_int_member_with_default(rec, "size", 0));
    json_object_set_int_member(seg, "start_ms", start);
    json_object_set_int_member(seg, "end_ms", end);
    json_array_add_object_element(json_object_get_array_member(p, "segments"), seg);
    if (start > 0 && (s->start_ms == 0 || start < s->start_ms))
      s->start_ms = start;
    if (end > s->end_ms)
      s->end_ms = end;
  } else if (g_str_equal(type, "case")) {
    take_case(s->entry, rec);
  } else if (g_str_equal(type, "seal")) {
    json_object_set_int_member(s->entry, "sealed_ms", time);
    copy_string(s->entry, "seal_reason", rec, "reason");
  }
}

JsonObject *
wt_archive_index_parse(const char *text, gsize len, const char *id, GError **error)
{
  Scan s = {0};
  s.entry = json_object_new();
  s.participants = json_array_new();
  s.by_id = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  json_object_set_string_member(s.entry, "recording", id);
  gint64 first_time = 0, last_time = 0;
  guint line_no = 0;
  const char *end = text + len;
  for (const char *line = text; line < end; line_no++) {
    const char *nl = memchr(line, '\n', (gsize)(end - line));
    gsize n = nl ? (gsize)(nl - line) : (gsize)(end - line);
    if (n > 0) {
      g_autoptr(JsonParser) parser = json_parser_new();
      if (!json_parser_load_from_data(parser, line, (gssize)n, NULL) ||
          !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "recording %s: line %u of its chain is not a JSON object", id, line_no + 1);
        goto fail;
      }
      JsonObject *rec = json_node_get_object(json_parser_get_root(parser));
      const char *type = json_object_get_string_member_with_default(rec, "type", NULL);
      if (!type) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "recording %s: line %u of its chain has no type", id, line_no + 1);
        goto fail;
      }
      gint64 time = json_object_get_int_member_with_default(rec, "time", 0);
      if (first_time == 0)
        first_time = time;
      last_time = time;
      take_record(&s, rec, type);
    }
    line = nl ? nl + 1 : end;
  }
  /* A recording without segments still has a span: its records' times. */
  if (s.start_ms == 0) {
    s.start_ms = first_time;
    s.end_ms = last_time;
  }
  json_object_set_int_member(s.entry, "start_ms", s.start_ms);
  json_object_set_int_member(s.entry, "end_ms", s.end_ms);
  json_object_set_int_member(s.entry, "duration_ms", MAX(0, s.end_ms - s.start_ms));
  json_object_set_array_member(s.entry, "participants", s.participants);
  if (!json_object_has_member(s.entry, "parties"))
    json_object_set_array_member(s.entry, "parties", json_array_new());
  g_hash_table_unref(s.by_id);
  return s.entry;
fail:
  g_hash_table_unref(s.by_id);
  json_array_unref(s.participants);
  json_object_unref(s.entry);
  return NULL;
}

JsonObject *
wt_archive_index_read(const char *archive_dir, const char *id, GError **error)
{
  if (!wt_archive_id_valid(id)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "\"%s\" is not a recording id",
                id ? id : "");
    return NULL;
  }
  g_autofree char *path = g_build_filename(archive_dir, id, "chain.jsonl", NULL);
  g_autofree char *text = NULL;
  gsize len = 0;
  if (!g_file_get_contents(path, &text, &len, error))
    return NULL;
  JsonObject *entry = wt_archive_index_parse(text, len, id, error);
  if (!entry || json_object_has_member(entry, "sealed_ms"))
    return entry;
  /* Sealed by an older build without a seal record: seal.json says when. */
  g_autofree char *seal_path = g_build_filename(archive_dir, id, "seal.json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new();
  if (json_parser_load_from_file(parser, seal_path, NULL) &&
      JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
    JsonObject *seal = json_node_get_object(json_parser_get_root(parser));
    json_object_set_int_member(entry, "sealed_ms",
                               json_object_get_int_member_with_default(seal, "sealed", 0));
    copy_string(entry, "seal_reason", seal, "reason");
  }
  return entry;
}
