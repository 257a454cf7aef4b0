/* protocol.c — parse requests, serialise replies and events. Pure; any thread. */
#include "protocol.h"

#include <string.h>

void
wt_message_free(WtMessage *msg)
{
  if (!msg)
    return;
  json_node_unref(msg->root);
  g_free(msg);
}

/* TRUE when the integer whose digits are @digits (@n of them, no sign) fits
 * a gint64 with that sign. */
static gboolean
integer_fits(const char *digits, gsize n, gboolean negative)
{
  while (n > 1 && *digits == '0') {
    digits++;
    n--;
  }
  static const char max[] = "9223372036854775807", min[] = "9223372036854775808";
  if (n != sizeof max - 1)
    return n < sizeof max - 1;
  return strncmp(digits, negative ? min : max, n) <= 0;
}

/* Reads the number literal at @data[*@i] and moves *@i to its last byte.
 * FALSE when it is an integer that does not fit a gint64: json-glib wraps
 * those without a word (18446744073709551617 reads as -1,
 * -9223372036854775809 as the largest positive), so a request would name
 * another ticket or time than the one its sender wrote. */
static gboolean
number_fits(const char *data, gsize len, gsize *i)
{
  gboolean negative = data[*i] == '-';
  gsize start = negative ? *i + 1 : *i, end = start;
  while (end < len && g_ascii_isdigit(data[end]))
    end++;
  gboolean fraction = end < len && (data[end] == '.' || data[end] == 'e' || data[end] == 'E');
  gboolean fits = fraction || integer_fits(data + start, end - start, negative);
  /* The rest of the literal (fraction, exponent) holds no integer of its own. */
  while (end < len && data[end] && (g_ascii_isdigit(data[end]) || strchr(".eE+-", data[end])))
    end++;
  *i = MAX(end, *i + 1) - 1;
  return fits;
}

/* Looks at the text before json-glib does: *@deepest gets the deepest
 * bracket nesting outside strings (counting stops past @limit). Returns what
 * json-glib would quietly turn into something else (transfer none), or NULL:
 * an integer literal beyond 64 bits, or a "\u0000" escape, which ends the
 * C string there ("court order\u0000 of 3 May" would be read as "court
 * order"). */
static const char *
prescan(const char *data, gsize len, guint limit, guint *deepest)
{
  guint depth = 0;
  gboolean in_string = FALSE;
  *deepest = 0;
  for (gsize i = 0; i < len && *deepest <= limit; i++) {
    char c = data[i];
    if (in_string) {
      if (c == '\\' && len - i >= 6 && strncmp(data + i + 1, "u0000", 5) == 0)
        return "message holds a string with a NUL character (\\u0000)";
      if (c == '\\')
        i++;
      else if (c == '"')
        in_string = FALSE;
    } else if (c == '"') {
      in_string = TRUE;
    } else if (c == '[' || c == '{') {
      *deepest = MAX(*deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      depth--;
    } else if ((c == '-' || g_ascii_isdigit(c)) && !number_fits(data, len, &i)) {
      return "message holds an integer beyond 64 bits (-2^63 to 2^63-1)";
    }
  }
  return NULL;
}

static gboolean
id_usable(JsonNode *id)
{
  if (!id || !JSON_NODE_HOLDS_VALUE(id))
    return FALSE;
  GType t = json_node_get_value_type(id);
  if (t == G_TYPE_INT64)
    return TRUE;
  if (t == G_TYPE_STRING) {
    gsize n = strlen(json_node_get_string(id));
    return n > 0 && n <= WT_PROTOCOL_MAX_ID_LEN;
  }
  return FALSE;
}

/* TRUE when every string and member name under @node is valid UTF-8. The
 * text was checked before parsing, but json-glib turns an unpaired surrogate
 * escape ("\ud800x") into bytes that are not UTF-8; such a string would go on
 * into modules, the database and replies, and a reply that is not UTF-8
 * fails the receiving browser's whole connection (1007). */
static gboolean
strings_valid(JsonNode *node)
{
  if (JSON_NODE_HOLDS_VALUE(node))
    return json_node_get_value_type(node) != G_TYPE_STRING ||
           g_utf8_validate(json_node_get_string(node), -1, NULL);
  if (JSON_NODE_HOLDS_ARRAY(node)) {
    JsonArray *a = json_node_get_array(node);
    for (guint i = 0; i < json_array_get_length(a); i++) {
      if (!strings_valid(json_array_get_element(a, i)))
        return FALSE;
    }
  } else if (JSON_NODE_HOLDS_OBJECT(node)) {
    JsonObjectIter iter;
    const char *name;
    JsonNode *member;
    json_object_iter_init(&iter, json_node_get_object(node));
    while (json_object_iter_next(&iter, &name, &member)) {
      if (!g_utf8_validate(name, -1, NULL) || !strings_valid(member))
        return FALSE;
    }
  }
  return TRUE;
}

static WtMessage *
refuse(const char **code, char **reason, const char *c, char *r)
{
  *code = c;
  *reason = r;
  return NULL;
}

WtMessage *
wt_protocol_parse(const char *data, gsize len, const char **code, char **reason, JsonNode **id_out)
{
  *id_out = NULL;
  if (!g_utf8_validate_len(data, len, NULL))
    return refuse(code, reason, WT_ERR_BAD_JSON, g_strdup("message is not valid UTF-8"));
  guint deepest = 0;
  const char *altered = prescan(data, len, WT_PROTOCOL_MAX_DEPTH, &deepest);
  if (deepest > WT_PROTOCOL_MAX_DEPTH)
    return refuse(code, reason, WT_ERR_BAD_JSON,
                  g_strdup_printf("message nests deeper than %d levels", WT_PROTOCOL_MAX_DEPTH));

  if (altered)
    return refuse(code, reason, WT_ERR_BAD_JSON, g_strdup(altered));

  g_autoptr(JsonParser) parser = json_parser_new_immutable();
  g_autoptr(GError) err = NULL;
  if (len == 0 || !json_parser_load_from_data(parser, data, (gssize)len, &err)) {
    /* json-glib quotes the text it stopped at, which may be a decoded
     * unpaired surrogate: not UTF-8, so not something a reply may carry. */
    g_autofree char *why = g_utf8_make_valid(err ? err->message : "empty", -1);
    return refuse(code, reason, WT_ERR_BAD_JSON, g_strdup_printf("message is not JSON: %s", why));
  }
  JsonNode *root = json_parser_get_root(parser);
  if (root && !strings_valid(root))
    return refuse(code, reason, WT_ERR_BAD_JSON,
                  g_strdup("a string in the message is not valid UTF-8 (an unpaired surrogate "
                           "escape?)"));
  if (!root || !JSON_NODE_HOLDS_OBJECT(root))
    return refuse(code, reason, WT_ERR_BAD_MESSAGE, g_strdup("message must be a JSON object"));

  JsonObject *obj = json_node_get_object(root);
  JsonNode *id = json_object_get_member(obj, "id");
  if (!id_usable(id))
    return refuse(code, reason, WT_ERR_BAD_MESSAGE,
                  g_strdup_printf("every request needs an `id`: an integer or a string of 1 to %d "
                                  "bytes",
                                  WT_PROTOCOL_MAX_ID_LEN));
  *id_out = json_node_copy(id);

  JsonNode *type = json_object_get_member(obj, "type");
  if (!type || !JSON_NODE_HOLDS_VALUE(type) || json_node_get_value_type(type) != G_TYPE_STRING ||
      strlen(json_node_get_string(type)) == 0 ||
      strlen(json_node_get_string(type)) > WT_PROTOCOL_MAX_TYPE_LEN)
    return refuse(code, reason, WT_ERR_BAD_MESSAGE,
                  g_strdup("every request needs a `type`: a non-empty string"));

  WtMessage *msg = g_new0(WtMessage, 1);
  msg->root = json_node_ref(root);
  msg->obj = obj;
  msg->type = json_node_get_string(type);
  msg->id = id;
  return msg;
}

const char *
wt_message_get_string(const WtMessage *msg, const char *name, gsize max_len, char **reason)
{
  JsonNode *n = json_object_get_member(msg->obj, name);
  if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING) {
    *reason = g_strdup_printf("`%s` must be a string", name);
    return NULL;
  }
  const char *s = json_node_get_string(n);
  if (strlen(s) > max_len) {
    *reason = g_strdup_printf("`%s` is longer than %" G_GSIZE_FORMAT " bytes", name, max_len);
    return NULL;
  }
  return s;
}

const char *
wt_json_get_string(JsonObject *obj, const char *name)
{
  JsonNode *n = json_object_get_member(obj, name);
  return n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING
             ? json_node_get_string(n)
             : NULL;
}

static char *
serialise(JsonObject *obj)
{
  g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), obj);
  return json_to_string(node, FALSE);
}

static void
set_id(JsonObject *obj, JsonNode *id)
{
  if (id)
    json_object_set_member(obj, "id", json_node_copy(id));
  else
    json_object_set_null_member(obj, "id");
}

char *
wt_protocol_result(JsonNode *id, JsonObject *result)
{
  g_autoptr(JsonObject) obj = json_object_new();
  json_object_set_string_member(obj, "type", "result");
  set_id(obj, id);
  json_object_set_object_member(obj, "result", result ? result : json_object_new());
  return serialise(obj);
}

char *
wt_protocol_error(JsonNode *id, const char *code, const char *reason)
{
  g_autoptr(JsonObject) obj = json_object_new();
  json_object_set_string_member(obj, "type", "error");
  set_id(obj, id);
  json_object_set_string_member(obj, "code", code);
  json_object_set_string_member(obj, "reason", reason);
  return serialise(obj);
}

char *
wt_protocol_event(const char *event, JsonObject *fields)
{
  g_autoptr(JsonObject) obj = fields ? fields : json_object_new();
  json_object_set_string_member(obj, "type", "event");
  json_object_set_string_member(obj, "event", event);
  return serialise(obj);
}
