/* token.c — HS256 JWT verification and minting on top of libjwt.
 *
 * Order of checks: shape and header first (our own parse, so an `alg` other
 * than HS256 never reaches libjwt), then the signature (libjwt), then the
 * claims (our own typed parse of the verified payload). Pure; any thread.
 */
#include "token.h"

#include <json-glib/json-glib.h>
#include <jwt.h>
#include <stdlib.h>
#include <string.h>

G_DEFINE_QUARK(wt-token-error-quark, wt_token_error)

static const char *const role_names[] = {"applicant", "staff", "clerk", "admin"};

const char *
wt_role_to_string(WtRole role)
{
  g_return_val_if_fail((guint)role < G_N_ELEMENTS(role_names), "unknown");
  return role_names[role];
}

gboolean
wt_role_from_string(const char *name, WtRole *out)
{
  for (guint i = 0; name && i < G_N_ELEMENTS(role_names); i++) {
    if (strcmp(name, role_names[i]) == 0) {
      *out = (WtRole)i;
      return TRUE;
    }
  }
  return FALSE;
}

const char *
wt_token_error_code(int code)
{
  switch ((WtTokenError)code) {
  case WT_TOKEN_ERROR_EXPIRED:
    return "token-expired";
  case WT_TOKEN_ERROR_MALFORMED:
  case WT_TOKEN_ERROR_ALGORITHM:
  case WT_TOKEN_ERROR_SIGNATURE:
  case WT_TOKEN_ERROR_ROLE:
  case WT_TOKEN_ERROR_CLAIM:
    break;
  }
  return "bad-token";
}

void
wt_identity_free(WtIdentity *identity)
{
  if (!identity)
    return;
  g_free(identity->sub);
  g_free(identity->room);
  g_free(identity);
}

WtIdentity *
wt_identity_copy(const WtIdentity *identity)
{
  WtIdentity *copy = g_new0(WtIdentity, 1);
  *copy = *identity;
  copy->sub = g_strdup(identity->sub);
  copy->room = g_strdup(identity->room);
  return copy;
}

gboolean
wt_token_room_id_valid(const char *s)
{
  gsize n = s ? strlen(s) : 0;
  if (n == 0 || n > WT_TOKEN_MAX_ROOM)
    return FALSE;
  for (gsize i = 0; i < n; i++) {
    if (!g_ascii_isalnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
      return FALSE;
  }
  return TRUE;
}

static gboolean
sub_valid(const char *s)
{
  gsize n = strlen(s);
  if (n == 0 || n > WT_TOKEN_MAX_SUB || !g_utf8_validate(s, (gssize)n, NULL))
    return FALSE;
  for (const char *p = s; *p; p = g_utf8_next_char(p)) {
    if (g_unichar_iscntrl(g_utf8_get_char(p)))
      return FALSE;
  }
  return TRUE;
}

/* Decodes one base64url JWT part (no padding) into a NUL-terminated buffer. */
static guint8 *
base64url_decode(const char *part, gsize part_len, gsize *out_len)
{
  if (part_len == 0 || part_len % 4 == 1)
    return NULL;
  GString *b64 = g_string_sized_new(part_len + 3);
  for (gsize i = 0; i < part_len; i++) {
    char c = part[i];
    if (c == '-')
      c = '+';
    else if (c == '_')
      c = '/';
    else if (!g_ascii_isalnum(c))
      return (g_string_free(b64, TRUE), NULL);
    g_string_append_c(b64, c);
  }
  while (b64->len % 4)
    g_string_append_c(b64, '=');
  guint8 *raw = g_base64_decode(b64->str, out_len);
  g_string_free(b64, TRUE);
  guint8 *terminated = g_malloc(*out_len + 1);
  memcpy(terminated, raw, *out_len);
  terminated[*out_len] = 0;
  g_free(raw);
  return terminated;
}

/* Parses @json as an object; NULL unless it is one. Caller unrefs the parser. */
static JsonObject *
parse_object(const char *json, gsize len, JsonParser **parser_out)
{
  if (!g_utf8_validate(json, (gssize)len, NULL))
    return NULL;
  JsonParser *parser = json_parser_new_immutable();
  JsonNode *root = NULL;
  if (!json_parser_load_from_data(parser, json, (gssize)len, NULL) ||
      !(root = json_parser_get_root(parser)) || !JSON_NODE_HOLDS_OBJECT(root)) {
    g_object_unref(parser);
    return NULL;
  }
  *parser_out = parser;
  return json_node_get_object(root);
}

static gboolean
header_is_hs256(const char *token, gsize header_len, GError **error)
{
  gsize len = 0;
  g_autofree guint8 *raw = base64url_decode(token, header_len, &len);
  JsonParser *parser = NULL;
  JsonObject *header = raw ? parse_object((const char *)raw, len, &parser) : NULL;
  if (!header) {
    g_set_error(error, WT_TOKEN_ERROR, WT_TOKEN_ERROR_MALFORMED, "token header is not JSON");
    return FALSE;
  }
  JsonNode *alg = json_object_get_member(header, "alg");
  gboolean ok = alg && JSON_NODE_HOLDS_VALUE(alg) && json_node_get_value_type(alg) == G_TYPE_STRING &&
                strcmp(json_node_get_string(alg), "HS256") == 0;
  g_object_unref(parser);
  if (!ok)
    g_set_error(error, WT_TOKEN_ERROR, WT_TOKEN_ERROR_ALGORITHM,
                "token algorithm must be HS256");
  return ok;
}

static const char *
member_string(JsonObject *obj, const char *name)
{
  JsonNode *n = json_object_get_member(obj, name);
  if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string(n);
}

static WtIdentity *
identity_from_claims(JsonObject *claims, gint64 now, GError **error)
{
  JsonNode *exp = json_object_get_member(claims, "exp");
  if (!exp || !JSON_NODE_HOLDS_VALUE(exp) || json_node_get_value_type(exp) != G_TYPE_INT64) {
    g_set_error(error, WT_TOKEN_ERROR, WT_TOKEN_ERROR_MALFORMED,
                "token has no integer `exp` claim");
    return NULL;
  }
  gint64 exp_s = json_node_get_int(exp);
  if (now >= exp_s) {
    g_set_error(error, WT_TOKEN_ERROR, WT_TOKEN_ERROR_EXPIRED,
                "token expired %" G_GINT64_FORMAT " s ago", now - exp_s);
    return NULL;
  }
  const char *sub = member_string(claims, "sub");
  if (!sub || !sub_valid(sub)) {
    g_set_error(error, WT_TOKEN_ERROR, WT_TOKEN_ERROR_CLAIM,
                "token `sub` must be a string of 1 to %d printable bytes", WT_TOKEN_MAX_SUB);
    return NULL;
  }
  WtRole role;
  if (!wt_role_from_string(member_string(claims, "role"), &role)) {
    g_set_error(error, WT_TOKEN_ERROR, WT_TOKEN_ERROR_ROLE,
                "token `role` must be applicant, staff, clerk or admin");
    return NULL;
  }
  JsonNode *room = json_object_get_member(claims, "room");
  const char *room_s = NULL;
  if (room && !JSON_NODE_HOLDS_NULL(room)) {
    room_s = member_string(claims, "room");
    if (!room_s || !wt_token_room_id_valid(room_s)) {
      g_set_error(error, WT_TOKEN_ERROR, WT_TOKEN_ERROR_CLAIM,
                  "token `room` must be 1 to %d of A-Z a-z 0-9 . _ -", WT_TOKEN_MAX_ROOM);
      return NULL;
    }
  }
  JsonNode *record = json_object_get_member(claims, "record");
  if (record && (!JSON_NODE_HOLDS_VALUE(record) ||
                 json_node_get_value_type(record) != G_TYPE_BOOLEAN)) {
    g_set_error(error, WT_TOKEN_ERROR, WT_TOKEN_ERROR_CLAIM, "token `record` must be a boolean");
    return NULL;
  }

  WtIdentity *identity = g_new0(WtIdentity, 1);
  identity->sub = g_strdup(sub);
  identity->role = role;
  identity->room = g_strdup(room_s);
  identity->exp = exp_s;
  identity->record = record && json_node_get_boolean(record);
  return identity;
}

WtIdentity *
wt_token_verify(const char *token, const guint8 *secret, gsize secret_len, gint64 now,
                GError **error)
{
  gsize len = token ? strnlen(token, WT_TOKEN_MAX_LEN + 1) : 0;
  if (len == 0 || len > WT_TOKEN_MAX_LEN) {
    g_set_error(error, WT_TOKEN_ERROR, WT_TOKEN_ERROR_MALFORMED,
                "token must be 1 to %d bytes", WT_TOKEN_MAX_LEN);
    return NULL;
  }
  const char *dot1 = strchr(token, '.');
  const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
  if (!dot1 || !dot2 || strchr(dot2 + 1, '.') || dot2[1] == 0) {
    g_set_error(error, WT_TOKEN_ERROR, WT_TOKEN_ERROR_MALFORMED,
                "token is not a signed JWT (header.payload.signature)");
    return NULL;
  }
  if (!header_is_hs256(token, (gsize)(dot1 - token), error))
    return NULL;

  jwt_t *jwt = NULL;
  if (jwt_decode(&jwt, token, secret, (int)secret_len) != 0 || !jwt ||
      jwt_get_alg(jwt) != JWT_ALG_HS256) {
    if (jwt)
      jwt_free(jwt);
    g_set_error(error, WT_TOKEN_ERROR, WT_TOKEN_ERROR_SIGNATURE,
                "token signature does not verify");
    return NULL;
  }
  char *claims_json = jwt_get_grants_json(jwt, NULL);
  jwt_free(jwt);

  JsonParser *parser = NULL;
  JsonObject *claims = claims_json ? parse_object(claims_json, strlen(claims_json), &parser) : NULL;
  free(claims_json);
  if (!claims) {
    g_set_error(error, WT_TOKEN_ERROR, WT_TOKEN_ERROR_MALFORMED, "token claims are not JSON");
    return NULL;
  }
  WtIdentity *identity = identity_from_claims(claims, now, error);
  g_object_unref(parser);
  return identity;
}

char *
wt_token_mint(const WtIdentity *identity, const guint8 *secret, gsize secret_len, GError **error)
{
  if (!sub_valid(identity->sub) || (identity->room && !wt_token_room_id_valid(identity->room))) {
    g_set_error(error, WT_TOKEN_ERROR, WT_TOKEN_ERROR_CLAIM,
                "sub must be 1 to %d printable bytes; room 1 to %d of A-Z a-z 0-9 . _ -",
                WT_TOKEN_MAX_SUB, WT_TOKEN_MAX_ROOM);
    return NULL;
  }
  jwt_t *jwt = NULL;
  if (jwt_new(&jwt) != 0) {
    g_set_error(error, WT_TOKEN_ERROR, WT_TOKEN_ERROR_MALFORMED, "cannot allocate a JWT");
    return NULL;
  }
  int rc = jwt_set_alg(jwt, JWT_ALG_HS256, secret, (int)secret_len);
  rc = rc ? rc : jwt_add_grant(jwt, "sub", identity->sub);
  rc = rc ? rc : jwt_add_grant(jwt, "role", wt_role_to_string(identity->role));
  rc = rc ? rc : jwt_add_grant_int(jwt, "exp", (long)identity->exp);
  if (!rc && identity->room)
    rc = jwt_add_grant(jwt, "room", identity->room);
  if (!rc && identity->record)
    rc = jwt_add_grant_bool(jwt, "record", 1);
  char *encoded = rc ? NULL : jwt_encode_str(jwt);
  jwt_free(jwt);
  if (!encoded) {
    g_set_error(error, WT_TOKEN_ERROR, WT_TOKEN_ERROR_MALFORMED, "cannot encode the JWT");
    return NULL;
  }
  char *out = g_strdup(encoded);
  free(encoded);
  return out;
}
