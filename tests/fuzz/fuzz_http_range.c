/* fuzz_http_range.c — libFuzzer target: arbitrary bytes as a Range header
 * (signaling/http_range.h), against files of every size the first bytes
 * pick. A partial answer must always lie inside the file. */
#include <stdint.h>
#include <string.h>

#include "http_range.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  guint64 file_size = 0;
  size_t n = MIN(size, sizeof file_size);
  memcpy(&file_size, data, n);
  char *header = g_strndup((const char *)data + n, size - n);
  const guint64 sizes[] = {0, 1, 1000, file_size, G_MAXUINT64};
  for (guint i = 0; i < G_N_ELEMENTS(sizes); i++) {
    guint64 first = 0, last = 0;
    if (wt_http_range_parse(header, sizes[i], &first, &last) == WT_HTTP_RANGE_PARTIAL) {
      g_assert(first <= last);
      g_assert(last < sizes[i]);
    }
  }
  g_free(header);
  return 0;
}
