/* module_json.h — typed reads of a request's members for the workflow
 * modules. A client may send any JSON in any member; json-glib's
 * json_object_get_*_member[_with_default]() answer an array or an object
 * where a value belongs with a critical warning (an abort under
 * G_DEBUG=fatal-criticals), so modules read client fields only through
 * these, which treat a member of the wrong type as missing. Header-only
 * (each module is its own shared object). Any thread. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* @name of @o (may be NULL) when it holds a value of @type, else NULL
 * (transfer none). */
static inline JsonNode *
wt_module_json_value(JsonObject *o, const char *name, GType type)
{
  JsonNode *n = o ? json_object_get_member(o, name) : NULL;
  return n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == type ? n : NULL;
}

/* The string @name of @o (transfer none), or @def when it is missing or not
 * a string. */
static inline const char *
wt_module_json_string(JsonObject *o, const char *name, const char *def)
{
  JsonNode *n = wt_module_json_value(o, name, G_TYPE_STRING);
  return n ? json_node_get_string(n) : def;
}

/* TRUE and *@out when @name of @o is an integer; FALSE (and *@out untouched)
 * when it is missing or anything else (a fraction, a string, null...). */
static inline gboolean
wt_module_json_int(JsonObject *o, const char *name, gint64 *out)
{
  JsonNode *n = wt_module_json_value(o, name, G_TYPE_INT64);
  if (n)
    *out = json_node_get_int(n);
  return n != NULL;
}

/* TRUE when @text is UTF-8 on one line without control or format characters.
 * Text that staff, clerks or a signed document show must read as its bytes
 * do: a bell, an escape sequence, a line separator or a right-to-left
 * override (U+202E) would make it look like something else. */
static inline gboolean
wt_module_text_one_line(const char *text)
{
  if (!g_utf8_validate(text, -1, NULL))
    return FALSE;
  for (const char *p = text; *p; p = g_utf8_next_char(p)) {
    gunichar u = g_utf8_get_char(p);
    if (g_unichar_iscntrl(u) || g_unichar_type(u) == G_UNICODE_FORMAT ||
        g_unichar_type(u) == G_UNICODE_LINE_SEPARATOR ||
        g_unichar_type(u) == G_UNICODE_PARAGRAPH_SEPARATOR)
      return FALSE;
  }
  return TRUE;
}

/* The boolean @name of @o, or @def when it is missing or not a boolean. */
static inline gboolean
wt_module_json_bool(JsonObject *o, const char *name, gboolean def)
{
  JsonNode *n = wt_module_json_value(o, name, G_TYPE_BOOLEAN);
  return n ? json_node_get_boolean(n) : def;
}

G_END_DECLS
