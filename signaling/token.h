/* token.h — the signed tokens that say who a connection is.
 *
 * Tokens are JWTs signed with HMAC-SHA256 (HS256) and a shared secret; the
 * registration backend issues them, `witnessctl token` mints them for
 * development. Claims: `sub` (who), `role` (applicant, staff, clerk, admin),
 * `exp` (unix seconds, required), optional `room` and `record`.
 *
 * libjwt 1.10 verifies the signature with whatever algorithm the header names
 * and never looks at `exp`, so verification here pins the header to exactly
 * HS256 before libjwt sees the token, and checks `exp` itself.
 * Pure functions: callable from any thread.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  WT_ROLE_APPLICANT,
  WT_ROLE_STAFF,
  WT_ROLE_CLERK,
  WT_ROLE_ADMIN,
} WtRole;

/* Longest token accepted, in bytes. */
#define WT_TOKEN_MAX_LEN 4096
/* Longest `sub` and `room`, in bytes. */
#define WT_TOKEN_MAX_SUB 128
#define WT_TOKEN_MAX_ROOM 64

/* Why a token was refused. Each has a stable protocol code (wt_token_error_code). */
typedef enum {
  WT_TOKEN_ERROR_MALFORMED, /* not a JWT, bad base64, bad JSON, missing claims */
  WT_TOKEN_ERROR_ALGORITHM, /* header `alg` is not HS256 */
  WT_TOKEN_ERROR_SIGNATURE, /* signature does not match the secret */
  WT_TOKEN_ERROR_EXPIRED,   /* `exp` is in the past */
  WT_TOKEN_ERROR_ROLE,      /* `role` is not one we know */
  WT_TOKEN_ERROR_CLAIM,     /* `sub` or `room` empty, too long or with odd characters */
} WtTokenError;

#define WT_TOKEN_ERROR (wt_token_error_quark())
GQuark wt_token_error_quark(void);

/* The verified claims of a token. */
typedef struct {
  char *sub;
  WtRole role;
  char *room; /* NULL when the token names no room */
  gint64 exp; /* unix seconds */
  gboolean record;
} WtIdentity;

void wt_identity_free(WtIdentity *identity);
WtIdentity *wt_identity_copy(const WtIdentity *identity);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtIdentity, wt_identity_free)

/* "applicant", "staff", ... ; the name of a role as it appears in tokens. */
const char *wt_role_to_string(WtRole role);
/* Parses a role name; FALSE for anything else. */
gboolean wt_role_from_string(const char *name, WtRole *out);

/* Checks @token against @secret (of @secret_len bytes) at time @now (unix
 * seconds). Returns the claims (transfer full) or NULL with @error in
 * WT_TOKEN_ERROR; the message never contains the token or the secret. */
WtIdentity *wt_token_verify(const char *token, const guint8 *secret, gsize secret_len, gint64 now,
                            GError **error);

/* Mints an HS256 token for @identity (transfer none). Returns a newly
 * allocated string, or NULL with @error. */
char *wt_token_mint(const WtIdentity *identity, const guint8 *secret, gsize secret_len,
                    GError **error);

/* TRUE if @s is a usable room id: 1..64 of [A-Za-z0-9._-]. */
gboolean wt_token_room_id_valid(const char *s);

/* Stable protocol code for a token error, e.g. "token-expired". */
const char *wt_token_error_code(int code);

G_END_DECLS
