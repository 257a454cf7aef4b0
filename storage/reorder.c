/* reorder.c — the sequence-order ring of reorder.h. One slab of capacity + 1
 * slots is allocated up front: slot i of the ring holds extended numbers
 * congruent to i modulo capacity, and the extra slot holds the one packet
 * that is "held aside" (too far ahead, or the start of a restarted
 * numbering). Owned by one thread; no I/O, no locks. */
#include "reorder.h"

#include <string.h>

typedef struct {
  gint64 seq;
  gint64 arrival_us;
  guint32 ts;
  guint16 seq16;
  gboolean marker;
  gboolean used;
  gsize len;
  guint8 *data; /* into the slab */
} Slot;

struct _WtReorder {
  guint capacity;
  gsize max_len;
  gint64 latency_us;
  guint8 *slab;
  Slot *slots; /* capacity ring slots, then the one held aside */

  gboolean started;
  gint64 next;       /* extended number to release next */
  gint64 highest;    /* highest extended number accepted into the ring */
  guint16 highest16; /* its 16-bit number */
  guint waiting;     /* packets in the ring */

  gboolean held;         /* slots[capacity] is in use */
  gboolean held_restart; /* ... and starts a restarted numbering */

  gboolean stray; /* the last packet was far behind: stray16 was its number */
  guint16 stray16;

  WtReorderStats stats;
};

WtReorder *
wt_reorder_new(guint capacity, gsize max_len, gint64 latency_us)
{
  g_return_val_if_fail(capacity >= 1 && capacity <= 32768, NULL);
  g_return_val_if_fail(max_len >= 1 && latency_us >= 0, NULL);
  WtReorder *r = g_new0(WtReorder, 1);
  r->capacity = capacity;
  r->max_len = max_len;
  r->latency_us = latency_us;
  r->slab = g_malloc((gsize)(capacity + 1) * max_len);
  r->slots = g_new0(Slot, capacity + 1);
  for (guint i = 0; i <= capacity; i++)
    r->slots[i].data = r->slab + (gsize)i * max_len;
  return r;
}

void
wt_reorder_free(WtReorder *r)
{
  if (!r)
    return;
  g_free(r->slab);
  g_free(r->slots);
  g_free(r);
}

static Slot *
ring_slot(const WtReorder *r, gint64 seq)
{
  return &r->slots[(guint64)seq % r->capacity];
}

static void
fill(Slot *s, gint64 seq, guint16 seq16, guint32 ts, gboolean marker, const guint8 *data,
     gsize len, gint64 arrival_us)
{
  s->seq = seq;
  s->seq16 = seq16;
  s->ts = ts;
  s->marker = marker;
  s->arrival_us = arrival_us;
  s->len = len;
  if (len)
    memcpy(s->data, data, len);
  s->used = TRUE;
}

static void
accept_highest(WtReorder *r, gint64 seq, guint16 seq16)
{
  if (seq > r->highest) {
    r->highest = seq;
    r->highest16 = seq16;
  }
}

int
wt_reorder_push(WtReorder *r, guint16 seq16, guint32 ts, gboolean marker, const guint8 *data,
                gsize len, gint64 arrival_us)
{
  if (len > r->max_len) {
    r->stats.too_big++;
    return -EMSGSIZE;
  }
  if (!r->started) {
    r->started = TRUE;
    r->next = r->highest = seq16;
    r->highest16 = seq16;
    fill(ring_slot(r, seq16), seq16, seq16, ts, marker, data, len, arrival_us);
    r->waiting = 1;
    r->stats.pushed++;
    return 0;
  }
  if (r->held)
    return -EBUSY;

  gint64 seq = r->highest + (gint16)(guint16)(seq16 - r->highest16);
  if (seq < r->next) {
    if (r->next - seq > (gint64)r->capacity) {
      if (r->stray && seq16 == (guint16)(r->stray16 + 1)) {
        /* Its number is given when it is released, after what waits. */
        fill(&r->slots[r->capacity], 0, seq16, ts, marker, data, len, arrival_us);
        r->held = r->held_restart = TRUE;
        r->stray = FALSE;
        r->stats.pushed++;
        return 0;
      }
      r->stray = TRUE;
      r->stray16 = seq16;
    } else {
      r->stray = FALSE;
    }
    r->stats.late++;
    return -ESTALE;
  }
  r->stray = FALSE;

  if (seq >= r->next + (gint64)r->capacity) {
    fill(&r->slots[r->capacity], seq, seq16, ts, marker, data, len, arrival_us);
    r->held = TRUE;
    r->held_restart = FALSE;
    r->stats.pushed++;
    return 0;
  }
  Slot *s = ring_slot(r, seq);
  if (s->used) {
    g_assert(s->seq == seq); /* the window is never wider than the ring */
    r->stats.duplicates++;
    return -EEXIST;
  }
  fill(s, seq, seq16, ts, marker, data, len, arrival_us);
  r->waiting++;
  accept_highest(r, seq, seq16);
  r->stats.pushed++;
  return 0;
}

static void
release(WtReorder *r, Slot *s, guint64 gap, gboolean restart, WtReorderPacket *out)
{
  *out = (WtReorderPacket){
      .seq = s->seq,
      .seq16 = s->seq16,
      .ts = s->ts,
      .marker = s->marker,
      .arrival_us = s->arrival_us,
      .data = s->data,
      .len = s->len,
      .gap = gap,
      .restart = restart,
  };
  s->used = FALSE;
  r->next = s->seq + 1;
  r->stats.released++;
  r->stats.lost += gap;
  if (restart)
    r->stats.restarts++;
}

/* The lowest waiting number above r->next (which is missing) and the oldest
 * arrival among the waiting packets. Only called when some packet waits. */
static Slot *
scan(const WtReorder *r, gint64 *oldest)
{
  Slot *lowest = NULL;
  guint seen = 0;
  *oldest = G_MAXINT64;
  for (gint64 seq = r->next; seq <= r->highest && seen < r->waiting; seq++) {
    Slot *s = ring_slot(r, seq);
    if (!s->used)
      continue;
    g_assert(s->seq == seq);
    if (!lowest)
      lowest = s;
    *oldest = MIN(*oldest, s->arrival_us);
    seen++;
  }
  g_assert(lowest && seen == r->waiting);
  return lowest;
}

static gboolean
waited_enough(const WtReorder *r, gint64 oldest, gint64 now_us)
{
  if (oldest > G_MAXINT64 - r->latency_us)
    return now_us == G_MAXINT64;
  return now_us >= oldest + r->latency_us;
}

/* Moves the packet held aside into the ring as the next number and releases
 * it. Called once nothing else waits. */
static void
release_held(WtReorder *r, WtReorderPacket *out)
{
  Slot *h = &r->slots[r->capacity];
  guint64 gap = 0;
  if (r->held_restart) {
    h->seq = r->next;
  } else {
    g_assert(h->seq >= r->next);
    gap = (guint64)(h->seq - r->next);
  }
  r->highest = h->seq;
  r->highest16 = h->seq16;
  Slot *s = ring_slot(r, h->seq);
  fill(s, h->seq, h->seq16, h->ts, h->marker, h->data, h->len, h->arrival_us);
  h->used = FALSE;
  gboolean restart = r->held_restart;
  r->held = r->held_restart = FALSE;
  release(r, s, gap, restart, out);
}

int
wt_reorder_pop(WtReorder *r, gint64 now_us, WtReorderPacket *out)
{
  if (r->waiting == 0) {
    if (!r->held)
      return 0;
    release_held(r, out);
    return 1;
  }
  Slot *head = ring_slot(r, r->next);
  if (head->used && head->seq == r->next) {
    r->waiting--;
    release(r, head, 0, FALSE, out);
    return 1;
  }
  gint64 oldest;
  Slot *lowest = scan(r, &oldest);
  if (!r->held && !waited_enough(r, oldest, now_us))
    return 0;
  r->waiting--;
  release(r, lowest, (guint64)(lowest->seq - r->next), FALSE, out);
  return 1;
}

gint64
wt_reorder_deadline(const WtReorder *r)
{
  if (r->held)
    return G_MININT64;
  if (r->waiting == 0)
    return G_MAXINT64;
  const Slot *head = ring_slot(r, r->next);
  if (head->used && head->seq == r->next)
    return G_MININT64;
  gint64 oldest;
  scan(r, &oldest);
  return oldest > G_MAXINT64 - r->latency_us ? G_MAXINT64 : oldest + r->latency_us;
}

guint
wt_reorder_waiting(const WtReorder *r)
{
  return r->waiting + (r->held ? 1 : 0);
}

const WtReorderStats *
wt_reorder_get_stats(const WtReorder *r)
{
  return &r->stats;
}
