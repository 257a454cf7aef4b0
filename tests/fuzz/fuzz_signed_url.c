/* fuzz_signed_url.c — libFuzzer target: arbitrary bytes as a /media/ URL path
 * (server/signed_url.h). Nothing is accepted without a real signature, and
 * every refusal is one of the documented errors. */
#include <stdint.h>

#include "signed_url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const guint8 key[WT_SIGNED_URL_KEY_LEN] = "fuzz-key-fuzz-key-fuzz-key-0123";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *url = g_strndup((const char *)data, size);
  GError *error = NULL;
  char *path =
      wt_signed_url_check(key, sizeof key, "/nonexistent-fuzz-data", url, 1800000000, &error);
  g_assert(path == NULL);
  g_assert(error && error->domain == WT_SIGNED_URL_ERROR);
  guint status = wt_signed_url_http_status(error);
  g_assert(status == 403 || status == 404 || status == 410);
  g_clear_error(&error);
  g_free(url);
  return 0;
}
