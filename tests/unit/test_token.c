/* test_token.c — HS256 JWTs: what verifies and what is refused, and why. */
#include <jwt.h>
#include <stdlib.h>
#include <string.h>

#include "token.h"

static const guint8 secret[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
#define SECRET_LEN (sizeof secret - 1)
#define NOW ((gint64)1800000000)

static char *
mint_ok(const char *sub, WtRole role, const char *room, gint64 exp)
{
  WtIdentity who = {.sub = (char *)sub, .role = role, .room = (char *)room, .exp = exp};
  g_autoptr(GError) error = NULL;
  char *token = wt_token_mint(&who, secret, SECRET_LEN, &error);
  g_assert_no_error(error);
  return token;
}

/* Signs arbitrary claims with libjwt directly, for tokens ours would not mint. */
static char *
sign_raw(jwt_alg_t alg, const guint8 *key, gsize key_len, const char *claims_json)
{
  jwt_t *jwt = NULL;
  g_assert_cmpint(jwt_new(&jwt), ==, 0);
  g_assert_cmpint(jwt_add_grants_json(jwt, claims_json), ==, 0);
  g_assert_cmpint(jwt_set_alg(jwt, alg, key, (int)key_len), ==, 0);
  char *encoded = jwt_encode_str(jwt);
  jwt_free(jwt);
  char *out = g_strdup(encoded);
  free(encoded);
  return out;
}

static void
assert_refused(const char *token, WtTokenError expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WtIdentity) who = wt_token_verify(token, secret, SECRET_LEN, NOW, &error);
  g_assert_null(who);
  g_assert_error(error, WT_TOKEN_ERROR, (gint)expected);
  g_assert_null(strstr(error->message, (const char *)secret));
}

static void
test_roundtrip(void)
{
  g_autofree char *token = mint_ok("alice", WT_ROLE_STAFF, "room-1", NOW + 60);
  g_autoptr(GError) error = NULL;
  g_autoptr(WtIdentity) who = wt_token_verify(token, secret, SECRET_LEN, NOW, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(who->sub, ==, "alice");
  g_assert_cmpint(who->role, ==, WT_ROLE_STAFF);
  g_assert_cmpstr(who->room, ==, "room-1");
  g_assert_cmpint(who->exp, ==, NOW + 60);
  g_assert_false(who->record);
}

static void
test_no_room_and_record(void)
{
  WtIdentity in = {.sub = "bob", .role = WT_ROLE_CLERK, .exp = NOW + 5, .record = TRUE};
  g_autofree char *token = wt_token_mint(&in, secret, SECRET_LEN, NULL);
  g_autoptr(WtIdentity) who = wt_token_verify(token, secret, SECRET_LEN, NOW, NULL);
  g_assert_nonnull(who);
  g_assert_null(who->room);
  g_assert_true(who->record);
  g_assert_cmpint(who->role, ==, WT_ROLE_CLERK);
}

static void
test_expired(void)
{
  g_autofree char *token = mint_ok("alice", WT_ROLE_APPLICANT, NULL, NOW);
  assert_refused(token, WT_TOKEN_ERROR_EXPIRED); /* exp == now is already expired */
  g_autofree char *old = mint_ok("alice", WT_ROLE_APPLICANT, NULL, NOW - 3600);
  assert_refused(old, WT_TOKEN_ERROR_EXPIRED);
  g_assert_cmpstr(wt_token_error_code(WT_TOKEN_ERROR_EXPIRED), ==, "token-expired");
}

static void
test_missing_exp(void)
{
  g_autofree char *token =
      sign_raw(JWT_ALG_HS256, secret, SECRET_LEN, "{\"sub\":\"a\",\"role\":\"staff\"}");
  assert_refused(token, WT_TOKEN_ERROR_MALFORMED);
  g_autofree char *text_exp = sign_raw(JWT_ALG_HS256, secret, SECRET_LEN,
                                       "{\"sub\":\"a\",\"role\":\"staff\",\"exp\":\"2100000000\"}");
  assert_refused(text_exp, WT_TOKEN_ERROR_MALFORMED);
}

static void
test_wrong_secret(void)
{
  static const guint8 other[] = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
  g_autofree char *claims = g_strdup_printf(
      "{\"sub\":\"a\",\"role\":\"staff\",\"exp\":%" G_GINT64_FORMAT "}", NOW + 60);
  g_autofree char *token = sign_raw(JWT_ALG_HS256, other, sizeof other - 1, claims);
  assert_refused(token, WT_TOKEN_ERROR_SIGNATURE);
  g_assert_cmpstr(wt_token_error_code(WT_TOKEN_ERROR_SIGNATURE), ==, "bad-token");
}

/* libjwt alone would accept an HS512 token signed with our secret. */
static void
test_hs512_same_secret_refused(void)
{
  g_autofree char *claims = g_strdup_printf(
      "{\"sub\":\"a\",\"role\":\"admin\",\"exp\":%" G_GINT64_FORMAT "}", NOW + 60);
  g_autofree char *token = sign_raw(JWT_ALG_HS512, secret, SECRET_LEN, claims);
  jwt_t *jwt = NULL;
  g_assert_cmpint(jwt_decode(&jwt, token, secret, (int)SECRET_LEN), ==, 0); /* the trap */
  jwt_free(jwt);
  assert_refused(token, WT_TOKEN_ERROR_ALGORITHM);
}

static void
test_alg_none_refused(void)
{
  g_autofree char *claims = g_strdup_printf(
      "{\"sub\":\"a\",\"role\":\"admin\",\"exp\":%" G_GINT64_FORMAT "}", NOW + 60);
  g_autofree char *token = sign_raw(JWT_ALG_NONE, NULL, 0, claims);
  assert_refused(token, WT_TOKEN_ERROR_MALFORMED); /* "header.payload." has no signature */
  g_autofree char *with_sig = g_strconcat(token, "AAAA", NULL);
  assert_refused(with_sig, WT_TOKEN_ERROR_ALGORITHM);
}

static void
test_unknown_role(void)
{
  g_autofree char *claims = g_strdup_printf(
      "{\"sub\":\"a\",\"role\":\"root\",\"exp\":%" G_GINT64_FORMAT "}", NOW + 60);
  g_autofree char *token = sign_raw(JWT_ALG_HS256, secret, SECRET_LEN, claims);
  assert_refused(token, WT_TOKEN_ERROR_ROLE);
}

static void
test_bad_claims(void)
{
  const char *const bad[] = {
      "\"sub\":\"\",\"role\":\"staff\"",
      "\"sub\":7,\"role\":\"staff\"",
      "\"sub\":\"a\\nb\",\"role\":\"staff\"",
      "\"sub\":\"a\",\"role\":\"staff\",\"room\":\"../x\"",
      "\"sub\":\"a\",\"role\":\"staff\",\"room\":5",
      "\"sub\":\"a\",\"role\":\"staff\",\"record\":\"yes\"",
  };
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autofree char *claims = g_strdup_printf("{\"exp\":%" G_GINT64_FORMAT ",%s}", NOW + 60, bad[i]);
    g_autofree char *token = sign_raw(JWT_ALG_HS256, secret, SECRET_LEN, claims);
    assert_refused(token, WT_TOKEN_ERROR_CLAIM);
  }
}

static void
test_malformed(void)
{
  g_autofree char *good = mint_ok("alice", WT_ROLE_STAFF, NULL, NOW + 60);
  g_autofree char *huge = g_strnfill(WT_TOKEN_MAX_LEN + 1, 'a');
  g_autofree char *extra_part = g_strconcat(good, ".x", NULL);
  g_autofree char *tampered = g_strdup(good);
  char *payload = strchr(tampered, '.') + 1;
  payload[2] = payload[2] == 'A' ? 'B' : 'A';
  const char *const inputs[] = {"", "abc", "a.b", "a..c", "!!!.b.c", "e30.e30.", huge, extra_part};
  for (guint i = 0; i < G_N_ELEMENTS(inputs); i++) {
    g_autoptr(GError) error = NULL;
    g_assert_null(wt_token_verify(inputs[i], secret, SECRET_LEN, NOW, &error));
    g_assert_error(error, WT_TOKEN_ERROR, WT_TOKEN_ERROR_MALFORMED);
  }
  g_autoptr(GError) error = NULL;
  g_assert_null(wt_token_verify(tampered, secret, SECRET_LEN, NOW, &error));
  g_assert_nonnull(error);
  g_assert_cmpstr(wt_token_error_code(error->code), ==, "bad-token");
}

static void
test_mint_refuses_bad_claims(void)
{
  WtIdentity who = {.sub = "alice", .role = WT_ROLE_STAFF, .room = "no spaces", .exp = NOW};
  g_autoptr(GError) error = NULL;
  g_assert_null(wt_token_mint(&who, secret, SECRET_LEN, &error));
  g_assert_error(error, WT_TOKEN_ERROR, WT_TOKEN_ERROR_CLAIM);
}

static void
test_roles(void)
{
  const char *const names[] = {"applicant", "staff", "clerk", "admin"};
  for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
    WtRole role;
    g_assert_true(wt_role_from_string(names[i], &role));
    g_assert_cmpstr(wt_role_to_string(role), ==, names[i]);
  }
  WtRole role;
  g_assert_false(wt_role_from_string("Staff", &role));
  g_assert_false(wt_role_from_string(NULL, &role));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/token/roundtrip", test_roundtrip);
  g_test_add_func("/token/no-room-and-record", test_no_room_and_record);
  g_test_add_func("/token/expired", test_expired);
  g_test_add_func("/token/missing-exp", test_missing_exp);
  g_test_add_func("/token/wrong-secret", test_wrong_secret);
  g_test_add_func("/token/hs512-same-secret-refused", test_hs512_same_secret_refused);
  g_test_add_func("/token/alg-none-refused", test_alg_none_refused);
  g_test_add_func("/token/unknown-role", test_unknown_role);
  g_test_add_func("/token/bad-claims", test_bad_claims);
  g_test_add_func("/token/malformed", test_malformed);
  g_test_add_func("/token/mint-refuses-bad-claims", test_mint_refuses_bad_claims);
  g_test_add_func("/token/roles", test_roles);
  return g_test_run();
}
