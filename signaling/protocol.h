/* protocol.h — the JSON messages on /ws, as bytes in and bytes out.
 *
 * Requests:  {"type": "<name>", "id": <int or string>, ...fields}
 * Replies:   {"type": "result", "id": <same>, "result": {...}}
 *            {"type": "error",  "id": <same or null>, "code": "<stable>", "reason": "<text>"}
 * Events:    {"type": "event",  "event": "<name>", ...fields}
 *
 * Parsing is bounded and pure (no I/O, no main loop), so it can be fuzzed
 * alone: input is checked for size, UTF-8 and nesting depth before json-glib
 * sees it, because json-glib's parser recurses once per nesting level.
 * signaling/PROTOCOL.md is the reference for clients.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Deepest nesting of arrays/objects accepted in one message. */
#define WT_PROTOCOL_MAX_DEPTH 32
/* Longest request id string. */
#define WT_PROTOCOL_MAX_ID_LEN 64
/* Longest type name. */
#define WT_PROTOCOL_MAX_TYPE_LEN 64

/* Stable error codes: clients may switch on these, so never rename one. */
#define WT_ERR_BAD_JSON "bad-json"
#define WT_ERR_BAD_MESSAGE "bad-message"
#define WT_ERR_UNKNOWN_TYPE "unknown-type"
#define WT_ERR_NOT_AUTHENTICATED "not-authenticated"
#define WT_ERR_ALREADY_AUTHENTICATED "already-authenticated"
#define WT_ERR_BAD_TOKEN "bad-token"
#define WT_ERR_TOKEN_EXPIRED "token-expired"
#define WT_ERR_FORBIDDEN "forbidden"
#define WT_ERR_INTERNAL "internal"

/* One parsed request. */
typedef struct {
  JsonNode *root;  /* the whole message, an object */
  JsonObject *obj; /* root's object (owned by root) */
  const char *type;
  JsonNode *id; /* the request id, an int or string value node (owned by root) */
} WtMessage;

void wt_message_free(WtMessage *msg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtMessage, wt_message_free)

/* Parses one request of @len bytes (not NUL-terminated). Returns the message
 * (transfer full) or NULL, with *@code set to a WT_ERR_* code and *@reason
 * (transfer full) to a readable reason. When the message was JSON with a
 * usable id, *@id_out (transfer full) gets a copy of it so the error can still
 * be addressed to the request; otherwise it stays NULL. */
WtMessage *wt_protocol_parse(const char *data, gsize len, const char **code, char **reason,
                             JsonNode **id_out);

/* The string field @name of @msg, or NULL (with *@reason set) when it is
 * missing, not a string, or longer than @max_len bytes. */
const char *wt_message_get_string(const WtMessage *msg, const char *name, gsize max_len,
                                  char **reason);
/* The string member @name of @obj (transfer none), or NULL when it is
 * missing or not a string. */
const char *wt_json_get_string(JsonObject *obj, const char *name);

/* Serialises a result reply. @id (transfer none) may be NULL; @result
 * (transfer full) may be NULL for an empty object. Returns a new string. */
char *wt_protocol_result(JsonNode *id, JsonObject *result);

/* Serialises an error reply. @id (transfer none) may be NULL. */
char *wt_protocol_error(JsonNode *id, const char *code, const char *reason);

/* Serialises an event: @fields (transfer full, may be NULL) gains "type" and
 * "event" members. */
char *wt_protocol_event(const char *event, JsonObject *fields);

G_END_DECLS
