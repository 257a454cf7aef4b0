/* packet_cache.c — a ring of packets indexed by sequence number. */
#include "packet_cache.h"

#include <string.h>

typedef struct {
  guint16 seq;
  guint16 len; /* 0: empty */
  gint64 last_sent_us;
  guint8 data[WT_PACKET_CACHE_MAX_PACKET];
} Slot;

struct _WtPacketCache {
  guint mask;
  Slot *slots;
};

WtPacketCache *
wt_packet_cache_new(guint capacity)
{
  guint size = 16;
  while (size < capacity && size < 32768)
    size <<= 1;
  WtPacketCache *cache = g_new0(WtPacketCache, 1);
  cache->mask = size - 1;
  cache->slots = g_new0(Slot, size);
  return cache;
}

void
wt_packet_cache_free(WtPacketCache *cache)
{
  if (!cache)
    return;
  g_free(cache->slots);
  g_free(cache);
}

void
wt_packet_cache_put(WtPacketCache *cache, guint16 seq, const guint8 *packet, gsize len)
{
  Slot *slot = &cache->slots[seq & cache->mask];
  if (len == 0 || len > WT_PACKET_CACHE_MAX_PACKET) {
    slot->len = 0;
    return;
  }
  slot->seq = seq;
  slot->len = (guint16)len;
  slot->last_sent_us = 0;
  memcpy(slot->data, packet, len);
}

const guint8 *
wt_packet_cache_get(WtPacketCache *cache, guint16 seq, gsize *len, gint64 now_us,
                    gint64 min_interval_us)
{
  Slot *slot = &cache->slots[seq & cache->mask];
  if (slot->len == 0 || slot->seq != seq)
    return NULL;
  if (now_us && slot->last_sent_us && now_us - slot->last_sent_us < min_interval_us)
    return NULL;
  slot->last_sent_us = now_us;
  *len = slot->len;
  return slot->data;
}
