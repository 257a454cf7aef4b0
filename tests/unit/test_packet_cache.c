/* test_packet_cache.c — the NACK cache: lookups, overwrites, wrap, resend spacing. */
#include <string.h>

#include "packet_cache.h"

static void
test_put_get_and_overwrite(void)
{
  WtPacketCache *cache = wt_packet_cache_new(20); /* rounds up to 32 */
  guint8 packet[100];
  for (guint i = 0; i < 40; i++) {
    memset(packet, (int)i, sizeof packet);
    wt_packet_cache_put(cache, (guint16)(65530 + i), packet, 50 + i);
  }
  gsize len = 0;
  /* The oldest 8 were overwritten by the newest (32 slots). */
  g_assert_null(wt_packet_cache_get(cache, 65530, &len, 0, 0));
  g_assert_null(wt_packet_cache_get(cache, 1, &len, 0, 0)); /* i = 7, past the wrap */
  const guint8 *p = wt_packet_cache_get(cache, 2, &len, 0, 0); /* i = 8 */
  g_assert_nonnull(p);
  g_assert_cmpuint(len, ==, 58);
  g_assert_cmpuint(p[0], ==, 8);
  /* Across the wrap: 65530 + 39 = 33. */
  p = wt_packet_cache_get(cache, 33, &len, 0, 0);
  g_assert_nonnull(p);
  g_assert_cmpuint(p[0], ==, 39);
  g_assert_null(wt_packet_cache_get(cache, 34, &len, 0, 0));
  wt_packet_cache_free(cache);
}

static void
test_resend_spacing(void)
{
  WtPacketCache *cache = wt_packet_cache_new(16);
  guint8 packet[10] = {1};
  wt_packet_cache_put(cache, 7, packet, sizeof packet);
  gsize len;
  g_assert_nonnull(wt_packet_cache_get(cache, 7, &len, 1000000, 50000));
  g_assert_null(wt_packet_cache_get(cache, 7, &len, 1020000, 50000));
  g_assert_nonnull(wt_packet_cache_get(cache, 7, &len, 1060000, 50000));
  wt_packet_cache_free(cache);
}

static void
test_oversized_not_kept(void)
{
  WtPacketCache *cache = wt_packet_cache_new(16);
  static guint8 big[WT_PACKET_CACHE_MAX_PACKET + 1];
  guint8 small[4] = {9};
  wt_packet_cache_put(cache, 3, small, sizeof small);
  wt_packet_cache_put(cache, 3 + 16, big, sizeof big); /* same slot */
  gsize len;
  g_assert_null(wt_packet_cache_get(cache, 3, &len, 0, 0));
  g_assert_null(wt_packet_cache_get(cache, 19, &len, 0, 0));
  wt_packet_cache_free(cache);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/packet-cache/put-get-and-overwrite", test_put_get_and_overwrite);
  g_test_add_func("/packet-cache/resend-spacing", test_resend_spacing);
  g_test_add_func("/packet-cache/oversized-not-kept", test_oversized_not_kept);
  return g_test_run();
}
