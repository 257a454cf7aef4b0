/* packet_cache.h — the last packets of one RTP stream, by sequence number,
 * so that a receiver's NACK can be answered with the packet itself.
 *
 * A fixed ring allocated once (capacity a power of two); storing and looking
 * up never allocate. The cache holds packets as the publisher sent them,
 * decrypted, before any per-receiver rewriting. Thread: the room's worker.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _WtPacketCache WtPacketCache;

/* Largest packet kept; bigger ones are not cached. */
#define WT_PACKET_CACHE_MAX_PACKET 1500

/* @capacity packets (rounded up to a power of two, at least 16). */
WtPacketCache *wt_packet_cache_new(guint capacity);
void wt_packet_cache_free(WtPacketCache *cache);

/* Stores a copy of @packet (@len bytes, transfer none) under @seq. */
void wt_packet_cache_put(WtPacketCache *cache, guint16 seq, const guint8 *packet, gsize len);

/* The packet stored under @seq (transfer none, valid until the next put), or
 * NULL when it is gone or was never there. *@len gets its length. When
 * @now_us is given, a packet handed out less than @min_interval_us ago is
 * refused too (NULL), so a burst of NACKs for one packet sends it once. */
const guint8 *wt_packet_cache_get(WtPacketCache *cache, guint16 seq, gsize *len, gint64 now_us,
                                  gint64 min_interval_us);

G_END_DECLS
