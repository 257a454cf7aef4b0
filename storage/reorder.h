/* reorder.h — puts one RTP stream's packets back into sequence order before
 * they are depacketized, and says what went missing.
 *
 * A WtReorder is a ring of preallocated slots (no allocation after
 * wt_reorder_new()): wt_reorder_push() copies a packet into the slot of its
 * extended sequence number, wt_reorder_pop() hands packets back in order.
 * The caller pushes one packet and then pops until pop returns 0; it also
 * pops when the deadline (wt_reorder_deadline()) passes with no packet.
 *
 *   WtReorder *r = wt_reorder_new(WT_REORDER_CAPACITY, 1500, WT_REORDER_LATENCY_US);
 *   wt_reorder_push(r, h.seq, h.ts, h.marker, payload, len, now_us);
 *   WtReorderPacket p;
 *   while (wt_reorder_pop(r, now_us, &p) == 1) {
 *     if (p.gap || p.restart)
 *       record_gap(...);
 *     depacketize(p.seq, p.ts, p.marker, p.data, p.len);
 *   }
 *
 * The rules, exactly:
 *
 * - Extension. The first packet's sequence number is its extended number.
 *   Every later 16-bit number is extended to the 64-bit value nearest to the
 *   highest extended number accepted so far (a difference taken modulo 2^16
 *   in [-32768, 32767]), so 65535 is followed by 65536, not 0.
 * - Release in order. The next number to release starts at the first
 *   packet's. pop releases it as soon as it is there.
 * - Latency bound. When the next number is missing and some packet has
 *   waited latency_us or more (now_us - its arrival_us, both the caller's
 *   clock), pop skips to the lowest number present and releases it with
 *   `gap` = how many numbers were skipped. Pass now_us = G_MAXINT64 to drain
 *   everything at the end of a stream.
 * - Late and duplicate. A number below the next to release (already
 *   released or skipped) is refused with -ESTALE; a number already waiting,
 *   with -EEXIST. Both are counted and the buffer is unchanged.
 * - Too far ahead. A number at or beyond next + capacity cannot get a slot:
 *   it is held aside, and pop then releases everything waiting without
 *   waiting for the latency bound, then that packet, with `gap` counting the
 *   numbers in between. Until it is released, push refuses with -EBUSY (the
 *   caller pops after every push, so this does not happen in practice).
 * - Restart. Two packets in a row that are each more than capacity behind
 *   the next number, and consecutive to each other, mean the sender
 *   restarted its numbering: the first is refused as late, the second is
 *   held aside like a packet too far ahead, and is released after everything
 *   waiting with `restart` set and `gap` 0. From then on extended numbers
 *   continue from there: they stay increasing, but are no longer the 16-bit
 *   numbers plus a multiple of 2^16.
 * - Too big. A packet longer than the slot size is refused with -EMSGSIZE
 *   and counted.
 *
 * Threads: a WtReorder belongs to one thread (a storage thread); it does no
 * I/O and takes no locks.
 */
#pragma once

#include <errno.h>
#include <glib.h>

G_BEGIN_DECLS

#define WT_REORDER_CAPACITY 512
#define WT_REORDER_LATENCY_US (200 * G_TIME_SPAN_MILLISECOND)

typedef struct _WtReorder WtReorder;

/* A released packet. */
typedef struct {
  gint64 seq;        /* extended sequence number, increasing */
  guint16 seq16;     /* the number on the wire */
  guint32 ts;        /* RTP timestamp, as pushed */
  gboolean marker;   /* RTP marker bit, as pushed */
  gint64 arrival_us; /* as pushed */
  const guint8 *data; /* (transfer none) the pushed bytes; valid until the next call on the
                       * WtReorder */
  gsize len;
  guint64 gap;      /* sequence numbers skipped just before this packet (lost) */
  gboolean restart; /* the sender restarted its numbering just before this packet */
} WtReorderPacket;

typedef struct {
  guint64 pushed;     /* accepted by push */
  guint64 released;   /* handed out by pop */
  guint64 late;       /* refused: below the next number (-ESTALE) */
  guint64 duplicates; /* refused: already waiting (-EEXIST) */
  guint64 too_big;    /* refused: longer than a slot (-EMSGSIZE) */
  guint64 lost;       /* sum of the gaps reported */
  guint64 restarts;
} WtReorderStats;

/* A buffer of @capacity slots (1 to 32768) of @max_len bytes each, releasing
 * a missing number's successors after @latency_us. Transfer full; free with
 * wt_reorder_free(). */
WtReorder *wt_reorder_new(guint capacity, gsize max_len, gint64 latency_us);
void wt_reorder_free(WtReorder *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtReorder, wt_reorder_free)

/* Copies @len bytes of @data (transfer none) with the packet's RTP @seq, @ts
 * and @marker, which arrived at @arrival_us. Returns 0 when taken, or
 * -ESTALE, -EEXIST, -EMSGSIZE or -EBUSY as the rules above say. */
int wt_reorder_push(WtReorder *r, guint16 seq, guint32 ts, gboolean marker, const guint8 *data,
                    gsize len, gint64 arrival_us);

/* Releases the next packet into *@out when the rules allow it at @now_us:
 * returns 1 then, 0 when nothing can be released yet. */
int wt_reorder_pop(WtReorder *r, gint64 now_us, WtReorderPacket *out);

/* When to pop at the latest if no packet comes: G_MININT64 when pop would
 * release a packet now, else the oldest waiting packet's arrival_us +
 * latency_us, or G_MAXINT64 when nothing waits. */
gint64 wt_reorder_deadline(const WtReorder *r);

/* Packets waiting (the one held aside included). */
guint wt_reorder_waiting(const WtReorder *r);

const WtReorderStats *wt_reorder_get_stats(const WtReorder *r);

G_END_DECLS
