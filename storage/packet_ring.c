/* packet_ring.c — the SPSC ring of copied packets (see packet_ring.h).
 * head is written only by the consumer, tail only by the producer; each reads
 * the other's with acquire ordering, so a slot's bytes are visible before its
 * index is. */
#include "packet_ring.h"

#include <string.h>

struct _WtPacketRing {
  WtPacketRingSlot *slots;
  guint mask;
  guint head; /* next slot to read (consumer) */
  guint tail; /* next slot to write (producer) */
  gint sleeping;
  GMutex mutex;
  GCond cond;
};

WtPacketRing *
wt_packet_ring_new(guint capacity)
{
  guint n = 2 * WT_PACKET_RING_RESERVE;
  while (n < capacity)
    n *= 2;
  WtPacketRing *ring = g_new0(WtPacketRing, 1);
  ring->slots = g_new0(WtPacketRingSlot, n);
  ring->mask = n - 1;
  g_mutex_init(&ring->mutex);
  g_cond_init(&ring->cond);
  return ring;
}

void
wt_packet_ring_free(WtPacketRing *ring, GDestroyNotify destroy)
{
  if (!ring)
    return;
  WtPacketRingSlot *slot;
  while ((slot = wt_packet_ring_peek(ring))) {
    if (slot->message && destroy)
      destroy(slot->message);
    wt_packet_ring_pop(ring);
  }
  g_mutex_clear(&ring->mutex);
  g_cond_clear(&ring->cond);
  g_free(ring->slots);
  g_free(ring);
}

guint
wt_packet_ring_length(WtPacketRing *ring)
{
  guint tail = __atomic_load_n(&ring->tail, __ATOMIC_ACQUIRE);
  guint head = __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE);
  return tail - head;
}

/* A free slot when fewer than @limit are in use, else NULL. Producer only. */
static WtPacketRingSlot *
claim(WtPacketRing *ring, guint limit)
{
  guint head = __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE);
  if (ring->tail - head >= limit)
    return NULL;
  return &ring->slots[ring->tail & ring->mask];
}

static void
publish(WtPacketRing *ring)
{
  /* seq_cst, paired with the consumer's sleeping flag (a Dekker handshake). */
  __atomic_store_n(&ring->tail, ring->tail + 1, __ATOMIC_SEQ_CST);
  if (__atomic_load_n(&ring->sleeping, __ATOMIC_SEQ_CST)) {
    g_mutex_lock(&ring->mutex);
    g_cond_signal(&ring->cond);
    g_mutex_unlock(&ring->mutex);
  }
}

gboolean
wt_packet_ring_push_packet(WtPacketRing *ring, guint32 kind, guint32 stream, const guint8 *data,
                           gsize len, gint64 arrival_us)
{
  WtPacketRingSlot *slot;
  if (len > WT_PACKET_RING_SLOT_BYTES ||
      !(slot = claim(ring, ring->mask + 1 - WT_PACKET_RING_RESERVE)))
    return FALSE;
  slot->kind = kind;
  slot->stream = stream;
  slot->arrival_us = arrival_us;
  slot->message = NULL;
  slot->len = (guint16)len;
  memcpy(slot->data, data, len);
  publish(ring);
  return TRUE;
}

gboolean
wt_packet_ring_push_message(WtPacketRing *ring, guint32 kind, guint32 stream, gpointer message,
                            gint64 arrival_us)
{
  WtPacketRingSlot *slot = claim(ring, ring->mask + 1);
  if (!slot)
    return FALSE;
  slot->kind = kind;
  slot->stream = stream;
  slot->arrival_us = arrival_us;
  slot->message = message;
  slot->len = 0;
  publish(ring);
  return TRUE;
}

WtPacketRingSlot *
wt_packet_ring_peek(WtPacketRing *ring)
{
  guint tail = __atomic_load_n(&ring->tail, __ATOMIC_ACQUIRE);
  if (tail == ring->head)
    return NULL;
  return &ring->slots[ring->head & ring->mask];
}

void
wt_packet_ring_pop(WtPacketRing *ring)
{
  __atomic_store_n(&ring->head, ring->head + 1, __ATOMIC_RELEASE);
}

void
wt_packet_ring_wait(WtPacketRing *ring, gint64 timeout_us)
{
  gint64 until = g_get_monotonic_time() + timeout_us;
  g_mutex_lock(&ring->mutex);
  __atomic_store_n(&ring->sleeping, 1, __ATOMIC_SEQ_CST);
  /* Re-check after saying we sleep: a push in between has seen the flag. */
  while (__atomic_load_n(&ring->tail, __ATOMIC_SEQ_CST) == ring->head) {
    if (!g_cond_wait_until(&ring->cond, &ring->mutex, until))
      break;
  }
  __atomic_store_n(&ring->sleeping, 0, __ATOMIC_SEQ_CST);
  g_mutex_unlock(&ring->mutex);
}
