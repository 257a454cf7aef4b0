/* rtcp_feedback.c — RTCP feedback messages: NACK, PLI, FIR, REMB and
 * transport-wide congestion control, parsed and built. Pure and bounded: no
 * I/O, no allocation, no globals; any thread. See rtcp_feedback.h for the
 * contract of every function. */
#include "rtcp_feedback.h"

#include <string.h>

#include "bytes.h"

/* Header and the two SSRCs of a feedback message of @len bytes. */
static void
wr_fb_header(guint8 *p, guint8 fmt, guint8 type, gsize len, guint32 sender, guint32 media)
{
  p[0] = (guint8)(WT_RTCP_VERSION << 6 | fmt);
  p[1] = type;
  wt_wr16(p + 2, (guint16)(len / 4 - 1));
  wt_wr32(p + 4, sender);
  wt_wr32(p + 8, media);
}

/* The FCI of feedback @p if it is @type/@fmt: 0, -EINVAL or -EMSGSIZE (no
 * room for @min bytes of FCI). */
static int
fb_fci(const WtRtcpPacket *p, guint8 type, guint8 fmt, gsize min, const guint8 **fci,
       gsize *fci_len)
{
  if (p->type != type || p->fmt != fmt)
    return -EINVAL;
  if (p->body_len < 8 || p->body_len - 8 < min)
    return -EMSGSIZE;
  *fci = p->body + 8;
  *fci_len = p->body_len - 8;
  return 0;
}

/* ---- PLI -------------------------------------------------------------------- */

int
wt_rtcp_pli_parse(const WtRtcpPacket *p, guint32 *media_ssrc)
{
  const guint8 *fci;
  gsize fci_len;
  int rc = fb_fci(p, WT_RTCP_PSFB, WT_RTCP_PSFB_PLI, 0, &fci, &fci_len);
  if (rc == 0 && media_ssrc)
    *media_ssrc = wt_rd32(p->body + 4);
  return rc;
}

/* ---- Generic NACK -------------------------------------------------------------- */

int
wt_rtcp_nack_iter_init(WtRtcpNackIter *it, const WtRtcpPacket *p)
{
  memset(it, 0, sizeof *it);
  it->bit = -1;
  const guint8 *fci;
  gsize fci_len;
  int rc = fb_fci(p, WT_RTCP_RTPFB, WT_RTCP_RTPFB_NACK, 4, &fci, &fci_len);
  if (rc < 0)
    return rc;
  it->fci = fci;
  it->n_fci = fci_len / 4;
  return 0;
}

int
wt_rtcp_nack_iter_next(WtRtcpNackIter *it, guint16 *seq)
{
  while (it->i < it->n_fci) {
    const guint8 *e = it->fci + it->i * 4;
    guint16 pid = wt_rd16(e), blp = wt_rd16(e + 2);
    if (it->bit < 0) {
      it->bit = 0;
      *seq = pid;
      return 0;
    }
    while (it->bit < 16) {
      gint b = it->bit++;
      if (blp & (1u << b)) {
        *seq = (guint16)(pid + b + 1);
        return 0;
      }
    }
    it->i++;
    it->bit = -1;
  }
  return -ENOENT;
}

int
wt_rtcp_write_nack(guint8 *buf, gsize cap, guint32 sender_ssrc, guint32 media_ssrc,
                   const guint16 *lost, gsize n_lost, gsize *consumed)
{
  if (consumed)
    *consumed = 0;
  if (n_lost == 0 || !lost)
    return -EINVAL;
  if (cap < WT_RTCP_FB_HEADER_LEN + 4)
    return -EMSGSIZE;
  /* Entries that fit in @cap and in the length field (2 + entries words). */
  gsize max_fci = MIN((cap - WT_RTCP_FB_HEADER_LEN) / 4, (gsize)G_MAXUINT16 - 2);
  gsize i = 0, n_fci = 0;
  while (i < n_lost && n_fci < max_fci) {
    guint16 pid = lost[i++], blp = 0;
    for (; i < n_lost; i++) {
      guint16 d = (guint16)(lost[i] - pid - 1);
      if (d > 15)
        break;
      blp |= (guint16)(1u << d);
    }
    guint8 *e = buf + WT_RTCP_FB_HEADER_LEN + n_fci * 4;
    wt_wr16(e, pid);
    wt_wr16(e + 2, blp);
    n_fci++;
  }
  gsize len = WT_RTCP_FB_HEADER_LEN + n_fci * 4;
  wr_fb_header(buf, WT_RTCP_RTPFB_NACK, WT_RTCP_RTPFB, len, sender_ssrc, media_ssrc);
  if (consumed)
    *consumed = i;
  return (int)len;
}

/* ---- FIR -------------------------------------------------------------------- */

int
wt_rtcp_fir_iter_init(WtRtcpFirIter *it, const WtRtcpPacket *p)
{
  memset(it, 0, sizeof *it);
  const guint8 *fci;
  gsize fci_len;
  int rc = fb_fci(p, WT_RTCP_PSFB, WT_RTCP_PSFB_FIR, 8, &fci, &fci_len);
  if (rc < 0)
    return rc;
  it->fci = fci;
  it->n = fci_len / 8;
  return 0;
}

int
wt_rtcp_fir_iter_next(WtRtcpFirIter *it, WtRtcpFirEntry *out)
{
  if (it->i >= it->n)
    return -ENOENT;
  const guint8 *e = it->fci + it->i++ * 8;
  out->ssrc = wt_rd32(e);
  out->seq_nr = e[4];
  return 0;
}

int
wt_rtcp_write_fir(guint8 *buf, gsize cap, guint32 sender_ssrc, const WtRtcpFirEntry *entries,
                  guint n)
{
  if (n == 0 || !entries || n > (G_MAXUINT16 - 2) / 2)
    return -EINVAL;
  gsize len = WT_RTCP_FB_HEADER_LEN + (gsize)n * 8;
  if (cap < len)
    return -EMSGSIZE;
  wr_fb_header(buf, WT_RTCP_PSFB_FIR, WT_RTCP_PSFB, len, sender_ssrc, 0);
  for (guint i = 0; i < n; i++) {
    guint8 *e = buf + WT_RTCP_FB_HEADER_LEN + (gsize)i * 8;
    wt_wr32(e, entries[i].ssrc);
    e[4] = entries[i].seq_nr;
    e[5] = e[6] = e[7] = 0;
  }
  return (int)len;
}

/* ---- REMB ------------------------------------------------------------------- */

static const guint8 remb_id[4] = {'R', 'E', 'M', 'B'};

void
wt_rtcp_remb_encode(guint64 bitrate, guint8 *exp, guint32 *mantissa)
{
  guint8 e = 0;
  while (bitrate > WT_RTCP_REMB_MAX_MANTISSA) {
    bitrate >>= 1;
    e++;
  }
  *exp = e;
  *mantissa = (guint32)bitrate;
}

int
wt_rtcp_remb_decode(guint8 exp, guint32 mantissa, guint64 *bitrate)
{
  if (exp > WT_RTCP_REMB_MAX_EXP || mantissa > WT_RTCP_REMB_MAX_MANTISSA)
    return -EINVAL;
  if (exp > 0 && ((guint64)mantissa >> (64 - exp)) != 0)
    return -ERANGE;
  *bitrate = (guint64)mantissa << exp;
  return 0;
}

int
wt_rtcp_remb_parse(const WtRtcpPacket *p, WtRtcpRemb *out)
{
  memset(out, 0, sizeof *out);
  const guint8 *fci;
  gsize fci_len;
  int rc = fb_fci(p, WT_RTCP_PSFB, WT_RTCP_PSFB_AFB, 4, &fci, &fci_len);
  if (rc < 0)
    return rc;
  if (memcmp(fci, remb_id, 4) != 0)
    return -EINVAL; /* some other application's feedback */
  if (fci_len < 8)
    return -EMSGSIZE;
  guint n = fci[4];
  if ((gsize)n * 4 > fci_len - 8)
    return -EMSGSIZE;
  guint64 bitrate;
  rc = wt_rtcp_remb_decode(fci[5] >> 2, (guint32)(fci[5] & 3) << 16 | wt_rd16(fci + 6), &bitrate);
  if (rc < 0)
    return rc;
  out->bitrate = bitrate;
  out->n_ssrcs = n;
  out->ssrcs = fci + 8;
  return 0;
}

int
wt_rtcp_remb_ssrc(const WtRtcpRemb *r, guint i, guint32 *ssrc)
{
  if (i >= r->n_ssrcs)
    return -ENOENT;
  *ssrc = wt_rd32(r->ssrcs + (gsize)i * 4);
  return 0;
}

int
wt_rtcp_write_remb(guint8 *buf, gsize cap, guint32 sender_ssrc, guint64 bitrate,
                   const guint32 *ssrcs, guint n_ssrcs)
{
  if (n_ssrcs > 255 || (n_ssrcs && !ssrcs))
    return -EINVAL;
  gsize len = WT_RTCP_FB_HEADER_LEN + 8 + (gsize)n_ssrcs * 4;
  if (cap < len)
    return -EMSGSIZE;
  guint8 exp;
  guint32 mantissa;
  wt_rtcp_remb_encode(bitrate, &exp, &mantissa);
  /* RFC 4585 §6.4: the media source of application feedback is 0. */
  wr_fb_header(buf, WT_RTCP_PSFB_AFB, WT_RTCP_PSFB, len, sender_ssrc, 0);
  guint8 *f = buf + WT_RTCP_FB_HEADER_LEN;
  memcpy(f, remb_id, 4);
  f[4] = (guint8)n_ssrcs;
  f[5] = (guint8)(exp << 2 | mantissa >> 16);
  wt_wr16(f + 6, (guint16)mantissa);
  for (guint i = 0; i < n_ssrcs; i++)
    wt_wr32(f + 8 + 4 * i, ssrcs[i]);
  return (int)len;
}

/* ---- Transport-wide congestion control: parsing ---------------------------------- */

#define TWCC_MAX_RUN 0x1fff

/* Statuses a chunk describes. */
static guint
chunk_size(guint16 c)
{
  if (!(c & 0x8000))
    return c & TWCC_MAX_RUN;
  return c & 0x4000 ? 7 : 14;
}

/* Status @k (< chunk_size(c)) of chunk @c: 0-3. */
static guint
chunk_symbol(guint16 c, guint k)
{
  if (!(c & 0x8000))
    return (c >> 13) & 3;
  if (c & 0x4000)
    return (c >> (12 - 2 * k)) & 3;
  return (c >> (13 - k)) & 1;
}

int
wt_rtcp_twcc_iter_init(WtRtcpTwccIter *it, const WtRtcpPacket *p)
{
  memset(it, 0, sizeof *it);
  const guint8 *fci;
  gsize fci_len;
  int rc = fb_fci(p, WT_RTCP_RTPFB, WT_RTCP_RTPFB_TWCC, 8, &fci, &fci_len);
  if (rc < 0)
    return rc;
  guint16 count = wt_rd16(fci + 2);
  if (count == 0)
    return -EBADMSG;
  /* Walk the chunks the count needs, adding up the delta bytes they announce
   * (a symbol's value is its delta's size: 0, 1 or 2 bytes). */
  gsize pos = 8, delta_bytes = 0;
  guint covered = 0, received = 0;
  while (covered < count) {
    if (fci_len - pos < 2)
      return -EMSGSIZE;
    guint16 c = wt_rd16(fci + pos);
    pos += 2;
    guint take = MIN(chunk_size(c), (guint)count - covered);
    if (!(c & 0x8000)) {
      guint sym = chunk_symbol(c, 0);
      if (take > 0 && sym == 3)
        return -EBADMSG;
      delta_bytes += (gsize)take * sym;
      received += sym ? take : 0;
    } else {
      for (guint k = 0; k < take; k++) {
        guint sym = chunk_symbol(c, k);
        if (sym == 3)
          return -EBADMSG;
        delta_bytes += sym;
        received += sym != 0;
      }
    }
    covered += take;
  }
  if (delta_bytes > fci_len - pos)
    return -EMSGSIZE;
  it->sender_ssrc = p->sender_ssrc;
  it->media_ssrc = p->media_ssrc;
  it->base_seq = wt_rd16(fci);
  it->status_count = count;
  it->reference_time = (guint32)fci[4] << 16 | (guint32)fci[5] << 8 | fci[6];
  it->fb_count = fci[7];
  it->n_received = received;
  it->chunks = fci + 8;
  it->n_chunks = (pos - 8) / 2;
  it->deltas = fci + pos;
  it->time_us = (gint64)it->reference_time * WT_RTCP_TWCC_REF_US;
  return 0;
}

int
wt_rtcp_twcc_iter_next(WtRtcpTwccIter *it, WtRtcpTwccStatus *out)
{
  memset(out, 0, sizeof *out);
  if (it->done >= it->status_count)
    return -ENOENT;
  guint16 c;
  for (;;) {
    if (it->chunk_i >= it->n_chunks)
      return -ENOENT; /* cannot happen after a successful init */
    c = wt_rd16(it->chunks + it->chunk_i * 2);
    if (it->in_chunk < chunk_size(c))
      break;
    it->chunk_i++;
    it->in_chunk = 0;
  }
  guint sym = chunk_symbol(c, it->in_chunk++);
  out->seq = (guint16)(it->base_seq + it->done);
  out->status = (WtRtcpTwccSymbol)sym;
  it->done++;
  if (sym == WT_RTCP_TWCC_SMALL_DELTA) {
    out->delta_ticks = it->deltas[it->delta_pos];
    it->delta_pos += 1;
  } else if (sym == WT_RTCP_TWCC_LARGE_DELTA) {
    out->delta_ticks = (gint16)wt_rd16(it->deltas + it->delta_pos);
    it->delta_pos += 2;
  } else {
    return 0;
  }
  it->time_us += (gint64)out->delta_ticks * WT_RTCP_TWCC_TICK_US;
  out->arrival_us = it->time_us;
  return 0;
}

/* ---- Transport-wide congestion control: building ----------------------------------- */

static gint64
floor_div(gint64 a, gint64 b)
{
  gint64 q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Statuses waiting to become a chunk, added one at a time with the rules
 * libwebrtc's encoder uses, so the size is known after every arrival (which
 * is how a prefix is fitted to @cap in one pass): up to 7 of any kind fit a
 * 2-bit vector, up to 14 without a large delta a 1-bit vector, and up to 8191
 * of one kind a run. A chunk is written out when the next status does not
 * fit the pending ones. */
typedef struct {
  guint8 sym[14]; /* the first 14 pending statuses (a run keeps only its kind) */
  guint size;     /* pending statuses */
  gboolean all_same, has_large;
  gsize n_chunks; /* written out */
  guint8 *out;    /* where chunks go; NULL: counted only */
} TwccEncoder;

static void
enc_put(TwccEncoder *e, guint16 chunk)
{
  if (e->out)
    wt_wr16(e->out + e->n_chunks * 2, chunk);
  e->n_chunks++;
}

static void
enc_reset(TwccEncoder *e)
{
  e->size = 0;
  e->all_same = TRUE;
  e->has_large = FALSE;
}

static gboolean
enc_can_add(const TwccEncoder *e, guint s)
{
  if (e->size < 7)
    return TRUE;
  if (e->size < 14 && !e->has_large && s != WT_RTCP_TWCC_LARGE_DELTA)
    return TRUE;
  return e->size < TWCC_MAX_RUN && e->all_same && e->sym[0] == s;
}

static guint16
enc_vector(const TwccEncoder *e, guint n, gboolean two_bit)
{
  guint16 c = two_bit ? 0xc000 : 0x8000;
  for (guint i = 0; i < n; i++)
    c |= (guint16)(two_bit ? e->sym[i] << (12 - 2 * i) : e->sym[i] << (13 - i));
  return c;
}

/* Writes out a chunk from the pending statuses because the next does not fit. */
static void
enc_emit(TwccEncoder *e)
{
  if (e->all_same) {
    enc_put(e, (guint16)(e->sym[0] << 13 | e->size));
    enc_reset(e);
  } else if (e->size == 14) {
    enc_put(e, enc_vector(e, 14, FALSE));
    enc_reset(e);
  } else {
    /* 7-13 of a 1-bit vector and a large delta next: 7 go in a 2-bit
     * vector, the rest stay. */
    enc_put(e, enc_vector(e, 7, TRUE));
    guint rest = e->size - 7;
    enc_reset(e);
    for (guint i = 0; i < rest; i++) {
      guint8 s = e->sym[7 + i];
      e->sym[i] = s;
      e->all_same = e->all_same && s == e->sym[0];
      e->has_large |= s == WT_RTCP_TWCC_LARGE_DELTA;
    }
    e->size = rest;
  }
}

static void
enc_add(TwccEncoder *e, guint s)
{
  if (!enc_can_add(e, s))
    enc_emit(e);
  if (e->size < 14)
    e->sym[e->size] = (guint8)s;
  e->all_same = e->size == 0 || (e->all_same && s == e->sym[0]);
  e->has_large |= s == WT_RTCP_TWCC_LARGE_DELTA;
  e->size++;
}

/* @n not-received statuses, as enc_add() would take them one by one, but a
 * run of them costs O(1) per chunk, not per status. */
static void
enc_add_lost(TwccEncoder *e, guint32 n)
{
  while (n > 0) {
    if (e->size == 0 || (e->all_same && e->sym[0] == WT_RTCP_TWCC_NOT_RECEIVED)) {
      guint32 take = MIN(n, TWCC_MAX_RUN - e->size);
      for (guint i = e->size; i < 14 && i < e->size + take; i++)
        e->sym[i] = WT_RTCP_TWCC_NOT_RECEIVED;
      e->all_same = TRUE;
      e->size += take;
      n -= take;
      if (n > 0)
        enc_emit(e); /* a full run */
    } else {
      enc_add(e, WT_RTCP_TWCC_NOT_RECEIVED);
      n--;
    }
  }
}

/* Chunks so far, the pending ones counted as one. */
static gsize
enc_chunks(const TwccEncoder *e)
{
  return e->n_chunks + (e->size > 0);
}

static void
enc_finish(TwccEncoder *e)
{
  if (e->size == 0)
    return;
  if (e->all_same)
    enc_put(e, (guint16)(e->sym[0] << 13 | e->size));
  else
    enc_put(e, enc_vector(e, e->size, e->size <= 7));
  enc_reset(e);
}

static gsize
twcc_len(const TwccEncoder *e, gsize delta_bytes)
{
  return (WT_RTCP_TWCC_HEADER_LEN + enc_chunks(e) * 2 + delta_bytes + 3) / 4 * 4;
}

int
wt_rtcp_write_twcc(guint8 *buf, gsize cap, guint32 sender_ssrc, guint32 media_ssrc, guint8 fb_count,
                   const WtRtcpTwccArrival *arrivals, gsize n, gsize *consumed)
{
  if (consumed)
    *consumed = 0;
  if (n == 0 || !arrivals)
    return -EINVAL;
  const gint64 per_ref = WT_RTCP_TWCC_REF_US / WT_RTCP_TWCC_TICK_US;
  gint64 ref = floor_div(arrivals[0].arrival_us, WT_RTCP_TWCC_REF_US);

  /* Pass 1: the longest prefix that fits @cap, 65535 statuses and 16-bit
   * deltas. Each arrival is tried on a copy of the encoder. The first delta
   * is always small: the reference is the first arrival rounded down. */
  TwccEncoder enc;
  enc_reset(&enc);
  enc.n_chunks = 0;
  enc.out = NULL;
  gsize m = 0, delta_bytes = 0;
  guint32 span = 0;
  gint64 prev = ref * per_ref;
  for (gsize i = 0; i < n; i++) {
    guint16 step = 1;
    if (i > 0) {
      step = (guint16)(arrivals[i].seq - arrivals[i - 1].seq);
      if (step == 0 || step >= 0x8000)
        return -EINVAL;
      if (span + step >= G_MAXUINT16)
        break;
    }
    gint64 ticks = floor_div(arrivals[i].arrival_us, WT_RTCP_TWCC_TICK_US);
    gint64 d = ticks - prev;
    if (d < G_MININT16 || d > G_MAXINT16)
      break;
    guint sym = d >= 0 && d <= 255 ? WT_RTCP_TWCC_SMALL_DELTA : WT_RTCP_TWCC_LARGE_DELTA;
    TwccEncoder next = enc;
    enc_add_lost(&next, step - 1u);
    enc_add(&next, sym);
    if (twcc_len(&next, delta_bytes + sym) > cap)
      break;
    enc = next;
    delta_bytes += sym;
    span += i > 0 ? step : 0;
    prev = ticks;
    m = i + 1;
  }
  if (m == 0)
    return -EMSGSIZE; /* the first always fits in 24 bytes */
  gsize len = twcc_len(&enc, delta_bytes);

  /* Pass 2: the same statuses again, now written; then the deltas. */
  wr_fb_header(buf, WT_RTCP_RTPFB_TWCC, WT_RTCP_RTPFB, len, sender_ssrc, media_ssrc);
  guint8 *f = buf + WT_RTCP_FB_HEADER_LEN;
  wt_wr16(f, arrivals[0].seq);
  wt_wr16(f + 2, (guint16)(span + 1));
  guint32 ref24 = (guint32)((guint64)ref & 0xffffff);
  f[4] = (guint8)(ref24 >> 16);
  f[5] = (guint8)(ref24 >> 8);
  f[6] = (guint8)ref24;
  f[7] = fb_count;
  gsize chunks = enc_chunks(&enc);
  guint8 *deltas = buf + WT_RTCP_TWCC_HEADER_LEN + chunks * 2;
  enc_reset(&enc);
  enc.n_chunks = 0;
  enc.out = buf + WT_RTCP_TWCC_HEADER_LEN;
  prev = ref * per_ref;
  gsize pos = 0;
  for (gsize i = 0; i < m; i++) {
    if (i > 0)
      enc_add_lost(&enc, (guint16)(arrivals[i].seq - arrivals[i - 1].seq) - 1u);
    gint64 ticks = floor_div(arrivals[i].arrival_us, WT_RTCP_TWCC_TICK_US);
    gint64 d = ticks - prev;
    prev = ticks;
    if (d >= 0 && d <= 255) {
      enc_add(&enc, WT_RTCP_TWCC_SMALL_DELTA);
      deltas[pos++] = (guint8)d;
    } else {
      enc_add(&enc, WT_RTCP_TWCC_LARGE_DELTA);
      wt_wr16(deltas + pos, (guint16)(gint16)d);
      pos += 2;
    }
  }
  enc_finish(&enc);
  g_assert(enc.n_chunks == chunks && pos == delta_bytes);
  gsize end = WT_RTCP_TWCC_HEADER_LEN + chunks * 2 + pos;
  memset(buf + end, 0, len - end);
  if (consumed)
    *consumed = m;
  return (int)len;
}
