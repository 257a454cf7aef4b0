/* test_packet_ring.c — the recorder's SPSC ring: order, the full ring
 * refusing packets but keeping room for control messages, oversize packets,
 * and a producer and consumer on two threads losing nothing they accepted. */
#include <string.h>

#include "packet_ring.h"

static void
test_order_and_limits(void)
{
  WtPacketRing *ring = wt_packet_ring_new(10); /* rounds up to 2 * reserve */
  guint8 pkt[4] = {1, 2, 3, 4};
  guint pushed = 0;
  while (wt_packet_ring_push_packet(ring, 0, pushed, pkt, sizeof pkt, 7))
    pushed++;
  g_assert_cmpuint(pushed, ==, WT_PACKET_RING_RESERVE); /* the rest is the reserve */
  /* Control messages still get in, up to the whole ring. */
  guint messages = 0;
  for (;;) {
    char *stop = g_strdup("stop");
    if (!wt_packet_ring_push_message(ring, 1, 0, stop, 8)) {
      g_free(stop); /* refused: still ours */
      break;
    }
    messages++;
  }
  g_assert_cmpuint(messages, ==, WT_PACKET_RING_RESERVE);
  g_assert_cmpuint(wt_packet_ring_length(ring), ==, 2 * WT_PACKET_RING_RESERVE);
  /* Oldest first. */
  for (guint i = 0; i < pushed; i++) {
    WtPacketRingSlot *slot = wt_packet_ring_peek(ring);
    g_assert_nonnull(slot);
    g_assert_cmpuint(slot->stream, ==, i);
    g_assert_cmpmem(slot->data, slot->len, pkt, sizeof pkt);
    g_assert_cmpint(slot->arrival_us, ==, 7);
    wt_packet_ring_pop(ring);
  }
  WtPacketRingSlot *slot = wt_packet_ring_peek(ring);
  g_assert_cmpstr(slot->message, ==, "stop");
  /* Freeing hands the messages left to the destroy function (LeakSanitizer checks). */
  wt_packet_ring_free(ring, g_free);
}

static void
test_oversize_refused(void)
{
  WtPacketRing *ring = wt_packet_ring_new(256);
  g_autofree guint8 *big = g_malloc0(WT_PACKET_RING_SLOT_BYTES + 1);
  g_assert_false(wt_packet_ring_push_packet(ring, 0, 0, big, WT_PACKET_RING_SLOT_BYTES + 1, 0));
  g_assert_true(wt_packet_ring_push_packet(ring, 0, 0, big, WT_PACKET_RING_SLOT_BYTES, 0));
  g_assert_cmpuint(wt_packet_ring_length(ring), ==, 1);
  wt_packet_ring_free(ring, NULL);
}

#define N_PACKETS 200000

static gpointer
produce(gpointer data)
{
  WtPacketRing *ring = data;
  guint accepted = 0;
  for (guint32 i = 0; i < N_PACKETS; i++) {
    guint8 pkt[8];
    memcpy(pkt, &i, sizeof i);
    accepted += wt_packet_ring_push_packet(ring, 0, i, pkt, sizeof pkt, 0);
  }
  while (!wt_packet_ring_push_message(ring, 1, 0, GUINT_TO_POINTER(accepted), 0))
    g_usleep(100);
  return NULL;
}

static void
test_two_threads(void)
{
  WtPacketRing *ring = wt_packet_ring_new(1024);
  GThread *producer = g_thread_new("producer", produce, ring);
  guint received = 0, accepted = 0;
  gint64 last = -1;
  for (;;) {
    WtPacketRingSlot *slot = wt_packet_ring_peek(ring);
    if (!slot) {
      wt_packet_ring_wait(ring, 100 * 1000);
      continue;
    }
    if (slot->kind == 1) {
      accepted = GPOINTER_TO_UINT(slot->message);
      wt_packet_ring_pop(ring);
      break;
    }
    guint32 i;
    memcpy(&i, slot->data, sizeof i);
    g_assert_cmpuint(i, ==, slot->stream); /* the bytes arrived with their slot */
    g_assert_cmpint((gint64)i, >, last);   /* in order */
    last = i;
    received++;
    wt_packet_ring_pop(ring);
  }
  g_thread_join(producer);
  g_assert_cmpuint(received, ==, accepted);
  g_assert_cmpuint(received, >, 0);
  g_test_message("%u of %u packets accepted", accepted, N_PACKETS);
  wt_packet_ring_free(ring, NULL);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/packet-ring/order-and-limits", test_order_and_limits);
  g_test_add_func("/packet-ring/oversize-refused", test_oversize_refused);
  g_test_add_func("/packet-ring/two-threads", test_two_threads);
  return g_test_run();
}
