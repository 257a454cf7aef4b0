/* test_http_range.c — the Range header of /media/ (signaling/http_range.h):
 * the three forms of one range, what is unsatisfiable, and everything that is
 * ignored (answered with the whole file).
 */
#include "http_range.h"

typedef struct {
  const char *header;
  guint64 size;
  WtHttpRange want;
  guint64 first, last;
} Case;

static void
test_cases(void)
{
  const Case cases[] = {
      {NULL, 1000, WT_HTTP_RANGE_WHOLE, 0, 0},
      {"bytes=100-199", 1000, WT_HTTP_RANGE_PARTIAL, 100, 199},
      {"bytes=0-0", 1000, WT_HTTP_RANGE_PARTIAL, 0, 0},
      {"bytes=0-", 1000, WT_HTTP_RANGE_PARTIAL, 0, 999},
      {"bytes=999-", 1000, WT_HTTP_RANGE_PARTIAL, 999, 999},
      {"bytes=500-5000", 1000, WT_HTTP_RANGE_PARTIAL, 500, 999}, /* last clamped */
      {"bytes=-10", 1000, WT_HTTP_RANGE_PARTIAL, 990, 999},
      {"bytes=-1000", 1000, WT_HTTP_RANGE_PARTIAL, 0, 999},
      {"bytes=-5000", 1000, WT_HTTP_RANGE_PARTIAL, 0, 999}, /* more than there is: all */
      {" Bytes= 1-2 ", 1000, WT_HTTP_RANGE_PARTIAL, 1, 2},
      {"bytes=0-99999999999999999999999", 1000, WT_HTTP_RANGE_PARTIAL, 0, 999}, /* saturates */
      {"bytes=1000-", 1000, WT_HTTP_RANGE_UNSATISFIABLE, 0, 0},
      {"bytes=1000-2000", 1000, WT_HTTP_RANGE_UNSATISFIABLE, 0, 0},
      {"bytes=99999999999999999999999-", 1000, WT_HTTP_RANGE_UNSATISFIABLE, 0, 0},
      {"bytes=-0", 1000, WT_HTTP_RANGE_UNSATISFIABLE, 0, 0},
      {"bytes=0-", 0, WT_HTTP_RANGE_UNSATISFIABLE, 0, 0},
      {"bytes=-10", 0, WT_HTTP_RANGE_UNSATISFIABLE, 0, 0},
      /* Ignored: the whole file. */
      {"", 1000, WT_HTTP_RANGE_WHOLE, 0, 0},
      {"bytes=", 1000, WT_HTTP_RANGE_WHOLE, 0, 0},
      {"bytes=-", 1000, WT_HTTP_RANGE_WHOLE, 0, 0},
      {"bytes=a-b", 1000, WT_HTTP_RANGE_WHOLE, 0, 0},
      {"bytes=200-100", 1000, WT_HTTP_RANGE_WHOLE, 0, 0},
      {"bytes=0-1,5-6", 1000, WT_HTTP_RANGE_WHOLE, 0, 0},
      {"bytes=0-1, 5-6", 1000, WT_HTTP_RANGE_WHOLE, 0, 0},
      {"bytes=1-2x", 1000, WT_HTTP_RANGE_WHOLE, 0, 0},
      {"bytes=--1", 1000, WT_HTTP_RANGE_WHOLE, 0, 0},
      {"bytes=+1-2", 1000, WT_HTTP_RANGE_WHOLE, 0, 0},
      {"bytes 1-2", 1000, WT_HTTP_RANGE_WHOLE, 0, 0},
      {"items=1-2", 1000, WT_HTTP_RANGE_WHOLE, 0, 0},
      {"bytes=1-2\r\n", 1000, WT_HTTP_RANGE_WHOLE, 0, 0},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    const Case *c = &cases[i];
    guint64 first = 77, last = 77;
    WtHttpRange got = wt_http_range_parse(c->header, c->size, &first, &last);
    g_test_message("%s (size %" G_GUINT64_FORMAT ")", c->header ? c->header : "(none)", c->size);
    g_assert_cmpint(got, ==, c->want);
    if (got == WT_HTTP_RANGE_PARTIAL) {
      g_assert_cmpuint(first, ==, c->first);
      g_assert_cmpuint(last, ==, c->last);
    } else {
      /* Untouched unless a range is returned. */
      g_assert_cmpuint(first, ==, 77);
      g_assert_cmpuint(last, ==, 77);
    }
  }
}

/* Random bytes never crash the parser and a partial answer is always in the file. */
static void
test_random(void)
{
  GRand *rand = g_rand_new_with_seed(7);
  const char alphabet[] = "bytes=-0123456789, \t";
  for (guint i = 0; i < 20000; i++) {
    char header[24];
    guint len = (guint)g_rand_int_range(rand, 0, sizeof header);
    for (guint k = 0; k < len; k++)
      header[k] = alphabet[g_rand_int_range(rand, 0, sizeof alphabet - 1)];
    header[len] = '\0';
    guint64 size = (guint64)g_rand_int_range(rand, 0, 5000);
    guint64 first = 0, last = 0;
    if (wt_http_range_parse(header, size, &first, &last) == WT_HTTP_RANGE_PARTIAL) {
      g_assert_cmpuint(first, <=, last);
      g_assert_cmpuint(last, <, size);
    }
  }
  g_rand_free(rand);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/http-range/cases", test_cases);
  g_test_add_func("/http-range/random", test_random);
  return g_test_run();
}
