/* packet_ring.h — a bounded single-producer single-consumer queue of copied
 * packets and control messages, from a media worker to a storage thread.
 *
 * The producer (the room's worker) never blocks and never allocates: a push
 * copies the packet into a preallocated slot, or fails at once when the ring
 * is full, and the caller counts the drop. The last WT_PACKET_RING_RESERVE
 * slots are kept for control messages (join, leave, stop…), so a flood of
 * packets can never push out the message that ends a recording.
 *
 * The consumer waits on a condition only when the ring is empty; a producer
 * takes the mutex only to wake a consumer that said it sleeps, so the packet
 * path is one memcpy and two atomic operations.
 *
 * Threads: exactly one producer thread and one consumer thread at a time.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define WT_PACKET_RING_SLOT_BYTES 1600
#define WT_PACKET_RING_RESERVE 64

typedef struct _WtPacketRing WtPacketRing;

typedef struct {
  guint32 kind;      /* the caller's: packet or one of its control messages */
  guint32 stream;    /* the caller's stream handle */
  gint64 arrival_us; /* wall clock (g_get_real_time()) at the producer */
  gpointer message;  /* control messages: the caller's object (ownership passes) */
  guint16 len;       /* packets: bytes in data */
  guint8 data[WT_PACKET_RING_SLOT_BYTES];
} WtPacketRingSlot;

/* A ring of @capacity slots (rounded up to a power of two, at least 2 *
 * WT_PACKET_RING_RESERVE). Transfer full. */
WtPacketRing *wt_packet_ring_new(guint capacity);
/* Frees the ring; control messages still in it are passed to @destroy (may be NULL). */
void wt_packet_ring_free(WtPacketRing *ring, GDestroyNotify destroy);

/* Producer: copies @len bytes of @data (transfer none). FALSE when @len is
 * over WT_PACKET_RING_SLOT_BYTES or the packet part of the ring is full. */
gboolean wt_packet_ring_push_packet(WtPacketRing *ring, guint32 kind, guint32 stream,
                                    const guint8 *data, gsize len, gint64 arrival_us);
/* Producer: queues @message (transfer full on success). FALSE only when even
 * the reserve is full. */
gboolean wt_packet_ring_push_message(WtPacketRing *ring, guint32 kind, guint32 stream,
                                     gpointer message, gint64 arrival_us);

/* Consumer: the oldest slot (transfer none), or NULL when empty. It stays
 * valid until wt_packet_ring_pop(). */
WtPacketRingSlot *wt_packet_ring_peek(WtPacketRing *ring);
void wt_packet_ring_pop(WtPacketRing *ring);
/* Consumer: waits until something is queued or @timeout_us passes. */
void wt_packet_ring_wait(WtPacketRing *ring, gint64 timeout_us);

/* Slots in use, from either side (approximate while the other side runs). */
guint wt_packet_ring_length(WtPacketRing *ring);

G_END_DECLS
