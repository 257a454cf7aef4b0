/* fuzz_token.c — libFuzzer target: arbitrary bytes as a token. Nothing may
 * verify unless it is a real HS256 signature with the secret. */
#include <stdint.h>
#include <string.h>

#include "token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const guint8 secret[] = "fuzz-secret-fuzz-secret-fuzz-secret-0123";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *token = g_strndup((const char *)data, size);
  GError *error = NULL;
  WtIdentity *who = wt_token_verify(token, secret, sizeof secret - 1, 1800000000, &error);
  g_assert((who == NULL) != (error == NULL));
  if (error)
    g_assert(strstr(error->message, (const char *)secret) == NULL);
  wt_identity_free(who);
  g_clear_error(&error);
  g_free(token);
  return 0;
}
