/* rtp.c — RTP demultiplexing, header parsing, header extensions and sequence
 * arithmetic for the forwarding path. Pure and bounded: no I/O, no allocation,
 * no globals; any thread. See rtp.h for the contract of every function. */
#include "rtp.h"

#include <string.h>

#include "bytes.h"

WtRtpKind
wt_rtp_demux(const guint8 *data, gsize len)
{
  if (len == 0)
    return WT_RTP_KIND_UNKNOWN;
  guint8 b = data[0];
  if (b <= 3)
    return WT_RTP_KIND_STUN;
  if (b >= 20 && b <= 63)
    return WT_RTP_KIND_DTLS;
  if (b >= 128 && b <= 191 && len >= 2)
    return data[1] >= 192 && data[1] <= 223 ? WT_RTP_KIND_RTCP : WT_RTP_KIND_RTP;
  return WT_RTP_KIND_UNKNOWN;
}

int
wt_rtp_parse(const guint8 *data, gsize len, WtRtpHeader *out)
{
  memset(out, 0, sizeof *out);
  if (len < WT_RTP_HEADER_LEN)
    return -EMSGSIZE;
  if ((data[0] >> 6) != WT_RTP_VERSION)
    return -EBADMSG;

  gboolean padding = (data[0] & 0x20) != 0;
  out->has_ext = (data[0] & 0x10) != 0;
  out->csrc_count = data[0] & 0x0f;
  out->marker = (data[1] & 0x80) != 0;
  out->pt = data[1] & 0x7f;
  out->seq = wt_rd16(data + 2);
  out->ts = wt_rd32(data + 4);
  out->ssrc = wt_rd32(data + 8);

  /* Every step compares against what is left, never computes past len. */
  gsize pos = WT_RTP_HEADER_LEN;
  gsize csrc_bytes = (gsize)out->csrc_count * 4;
  if (csrc_bytes > len - pos)
    return -EMSGSIZE;
  pos += csrc_bytes;

  if (out->has_ext) {
    if (len - pos < 4)
      return -EMSGSIZE;
    out->ext_profile = wt_rd16(data + pos);
    gsize ext_bytes = (gsize)wt_rd16(data + pos + 2) * 4;
    pos += 4;
    if (ext_bytes > len - pos)
      return -EMSGSIZE;
    out->ext_offset = pos;
    out->ext_len = ext_bytes;
    pos += ext_bytes;
  }
  out->header_len = pos;
  out->payload_offset = pos;

  if (padding) {
    guint8 count = data[len - 1];
    if (count == 0)
      return -EBADMSG;
    if (count > len - pos)
      return -EMSGSIZE;
    out->padding_len = count;
  }
  out->payload_len = len - pos - out->padding_len;
  return 0;
}

/* ---- Header extensions ------------------------------------------------------ */

int
wt_rtp_ext_iter_init(WtRtpExtIter *it, const guint8 *packet, const WtRtpHeader *h)
{
  memset(it, 0, sizeof *it);
  if (!h->has_ext)
    return -ENOENT;
  if (h->ext_profile == WT_RTP_EXT_PROFILE_ONE_BYTE)
    it->two_byte = FALSE;
  else if ((h->ext_profile & WT_RTP_EXT_PROFILE_TWO_BYTE_MASK) == WT_RTP_EXT_PROFILE_TWO_BYTE)
    it->two_byte = TRUE;
  else
    return -ENOTSUP;
  it->block = packet + h->ext_offset;
  it->block_offset = h->ext_offset;
  it->len = h->ext_len;
  return 0;
}

int
wt_rtp_ext_iter_next(WtRtpExtIter *it, WtRtpExt *ext)
{
  while (it->pos < it->len) {
    guint8 b = it->block[it->pos];
    if (b == 0) { /* padding, either form */
      it->pos++;
      continue;
    }
    guint id, dlen, hlen;
    if (it->two_byte) {
      if (it->len - it->pos < 2)
        goto overrun;
      id = b;
      dlen = it->block[it->pos + 1];
      hlen = 2;
    } else {
      id = b >> 4;
      dlen = (b & 0x0f) + 1u;
      hlen = 1;
      if (id == 15 || id == 0) /* reserved: stop; or a malformed padding byte */
        break;
    }
    if (dlen > it->len - it->pos - hlen)
      goto overrun;
    ext->id = (guint8)id;
    ext->len = (guint8)dlen;
    ext->data = it->block + it->pos + hlen;
    ext->offset = it->block_offset + it->pos + hlen;
    it->pos += hlen + dlen;
    return 0;
  }
  it->pos = it->len;
  return -ENOENT;

overrun:
  it->pos = it->len;
  return -EMSGSIZE;
}

int
wt_rtp_ext_find(const guint8 *packet, const WtRtpHeader *h, guint id, WtRtpExt *ext)
{
  WtRtpExtIter it;
  if (id == 0 || wt_rtp_ext_iter_init(&it, packet, h) < 0)
    return -ENOENT;
  WtRtpExt e;
  while (wt_rtp_ext_iter_next(&it, &e) == 0) {
    if (e.id == id) {
      *ext = e;
      return 0;
    }
  }
  return -ENOENT;
}

int
wt_rtp_ext_rewrite(guint8 *packet, const WtRtpHeader *h, const guint8 map[256])
{
  WtRtpExtIter it;
  int r = wt_rtp_ext_iter_init(&it, packet, h);
  if (r == -ENOENT)
    return 0;
  if (r < 0)
    return r;

  /* First pass: refuse before writing anything, so an error leaves the packet whole. */
  WtRtpExt e;
  if (!it.two_byte) {
    while (wt_rtp_ext_iter_next(&it, &e) == 0) {
      guint to = map[e.id];
      if (to > WT_RTP_EXT_ONE_BYTE_MAX_ID)
        return -ERANGE;
    }
    wt_rtp_ext_iter_init(&it, packet, h);
  }

  while (wt_rtp_ext_iter_next(&it, &e) == 0) {
    guint8 to = map[e.id];
    guint hlen = it.two_byte ? 2 : 1;
    guint8 *elem = packet + e.offset - hlen;
    if (to == 0)
      memset(elem, 0, hlen + e.len);
    else if (it.two_byte)
      elem[0] = to;
    else
      elem[0] = (guint8)((to << 4) | (elem[0] & 0x0f));
  }
  return 0;
}

/* ---- Sequence numbers and timestamps ---------------------------------------- */

void
wt_rtp_unwrap_init(WtRtpUnwrap *u)
{
  u->max = 0;
  u->started = FALSE;
}

gint64
wt_rtp_unwrap_seq(WtRtpUnwrap *u, guint16 seq)
{
  if (!u->started) {
    u->started = TRUE;
    u->max = seq;
    return seq;
  }
  gint64 v = u->max + (gint16)(guint16)(seq - (guint16)u->max);
  if (v > u->max)
    u->max = v;
  return v;
}

gint64
wt_rtp_unwrap_ts(WtRtpUnwrap *u, guint32 ts)
{
  if (!u->started) {
    u->started = TRUE;
    u->max = ts;
    return ts;
  }
  gint64 v = u->max + (gint32)(guint32)(ts - (guint32)u->max);
  if (v > u->max)
    u->max = v;
  return v;
}

#define SEQ_MOD 65536u
#define SEQ_NONE (SEQ_MOD + 1) /* never equal to a 16-bit value */

/* init_seq() of RFC 3550 A.1: a new numbering that begins at @seq. */
static void
seq_restart(WtRtpSeq *s, guint16 seq)
{
  s->base_seq = seq;
  s->max_seq = seq;
  s->bad_seq = SEQ_NONE;
  s->cycles = 0;
  s->received = 0;
  s->received_prior = 0;
  s->expected_prior = 0;
}

void
wt_rtp_seq_init(WtRtpSeq *s, guint min_sequential)
{
  memset(s, 0, sizeof *s);
  s->min_sequential = min_sequential;
  s->bad_seq = SEQ_NONE;
}

int
wt_rtp_seq_update(WtRtpSeq *s, guint16 seq, gint64 *ext_seq)
{
  gint64 ext_dummy;
  if (!ext_seq)
    ext_seq = &ext_dummy;

  if (!s->started) {
    s->started = TRUE;
    seq_restart(s, seq);
    s->max_seq = (guint16)(seq - 1); /* so that @seq itself is "in sequence" */
    s->probation = s->min_sequential;
    if (s->probation <= 1) {
      s->probation = 0;
      seq_restart(s, seq);
      s->received++;
      *ext_seq = seq;
      return 0;
    }
  }

  if (s->probation) {
    if (seq == (guint16)(s->max_seq + 1)) {
      s->probation--;
      s->max_seq = seq;
      if (s->probation == 0) {
        seq_restart(s, seq);
        s->received++;
        *ext_seq = seq;
        return 0;
      }
    } else {
      s->probation = s->min_sequential - 1;
      s->max_seq = seq;
    }
    return -EAGAIN;
  }

  guint16 udelta = (guint16)(seq - s->max_seq);
  if (udelta < WT_RTP_SEQ_MAX_DROPOUT) {
    /* In order, possibly with a gap. */
    if (seq < s->max_seq)
      s->cycles += SEQ_MOD;
    s->max_seq = seq;
  } else if (udelta <= SEQ_MOD - WT_RTP_SEQ_MAX_MISORDER) {
    /* A very large jump: believe it only when the next packet follows it. */
    if (seq != s->bad_seq) {
      s->bad_seq = (guint16)(seq + 1);
      return -ERANGE;
    }
    seq_restart(s, seq);
    s->restarts++;
    s->received++;
    *ext_seq = seq;
    return 1;
  } else {
    /* Duplicate or reordered: belongs to the previous cycle if above max. */
    s->received++;
    *ext_seq = (gint64)s->cycles + seq - (seq > s->max_seq ? (gint64)SEQ_MOD : 0);
    return 0;
  }
  s->received++;
  *ext_seq = (gint64)(s->cycles + s->max_seq);
  return 0;
}

guint8
wt_rtp_seq_report(WtRtpSeq *s, gint32 *cumulative_lost)
{
  guint64 expected = wt_rtp_seq_expected(s);
  gint64 lost = (gint64)expected - (gint64)s->received;
  if (cumulative_lost)
    *cumulative_lost = (gint32)CLAMP(lost, -0x800000, 0x7fffff);
  guint64 expected_interval = expected - s->expected_prior;
  guint64 received_interval = s->received - s->received_prior;
  s->expected_prior = expected;
  s->received_prior = s->received;
  if (expected_interval == 0 || received_interval >= expected_interval)
    return 0;
  return (guint8)(((expected_interval - received_interval) << 8) / expected_interval);
}

/* ---- Forwarding rewriter ----------------------------------------------------- */

/* Output timestamps never jump more than this on a rebase (about 3 hours at
 * 90 kHz), so a receiver never sees them run backwards in serial order. */
#define REWRITER_MAX_TS_GAP 0x40000000u

void
wt_rtp_rewriter_init(WtRtpRewriter *rw, guint32 clock_rate)
{
  memset(rw, 0, sizeof *rw);
  rw->clock_rate = clock_rate ? clock_rate : 90000;
  rw->bad_seq = SEQ_NONE;
}

void
wt_rtp_rewriter_switch(WtRtpRewriter *rw)
{
  rw->switch_pending = TRUE;
}

static void
rewriter_rebase(WtRtpRewriter *rw, guint32 ssrc, guint16 seq, guint32 ts, gint64 now_us)
{
  if (rw->started) {
    guint64 gap = 1;
    if (now_us > rw->out_us) {
      gap = (guint64)(now_us - rw->out_us) * rw->clock_rate / G_USEC_PER_SEC;
      gap = CLAMP(gap, 1, REWRITER_MAX_TS_GAP);
    }
    rw->seq_offset = (guint16)(rw->out_seq + 1u - seq);
    rw->ts_offset = (guint32)(rw->out_ts + (guint32)gap - ts);
    rw->rebases++;
  }
  rw->started = TRUE;
  rw->switch_pending = FALSE;
  rw->ssrc = ssrc;
  rw->in_max_seq = seq;
  rw->in_max_ext = seq;
  rw->in_base_ext = seq;
  rw->bad_seq = SEQ_NONE;
  rw->out_seq = (guint16)(seq + rw->seq_offset);
  rw->out_ts = ts + rw->ts_offset;
  rw->out_us = now_us;
}

int
wt_rtp_rewriter_map(WtRtpRewriter *rw, guint32 ssrc, guint16 seq, guint32 ts, gint64 now_us,
                    guint16 *out_seq, guint32 *out_ts)
{
  int ret = 0;
  gint16 d = (gint16)(guint16)(seq - rw->in_max_seq);

  if (!rw->started || rw->switch_pending || ssrc != rw->ssrc || d > WT_RTP_SEQ_MAX_DROPOUT) {
    ret = rw->started ? 1 : 0;
    rewriter_rebase(rw, ssrc, seq, ts, now_us);
  } else if (d > 0) {
    rw->in_max_seq = seq;
    rw->in_max_ext += d;
    rw->out_seq = (guint16)(seq + rw->seq_offset);
    rw->out_ts = ts + rw->ts_offset;
    rw->out_us = now_us;
  } else if (d < -WT_RTP_SEQ_MAX_MISORDER) {
    if (seq != rw->bad_seq) {
      rw->bad_seq = (guint16)(seq + 1);
      return -EAGAIN;
    }
    ret = 1;
    rewriter_rebase(rw, ssrc, seq, ts, now_us);
  } else if (rw->in_max_ext + d < rw->in_base_ext) {
    return -ESTALE; /* its output number would belong to the previous mapping */
  }
  /* Reordered and duplicate packets (d <= 0) map with the current offsets and
   * leave the "last output" untouched. */
  *out_seq = (guint16)(seq + rw->seq_offset);
  *out_ts = ts + rw->ts_offset;
  return ret;
}
