/* rtcp.c — walking compound RTCP, reports, SDES, BYE, NTP time, and the
 * compound builder. Pure and bounded: no I/O, no allocation, no globals; any
 * thread. See rtcp.h for the contract of every function. Every length check
 * compares against what is left (never computes an offset past the end), so
 * a count read from the wire cannot make a pointer leave the packet. */
#include "rtcp.h"

#include <string.h>

#include "bytes.h"

/* The common header of a packet of @len bytes (a multiple of 4, at least 4). */
static void
wr_header(guint8 *p, guint8 count, guint8 type, gsize len)
{
  p[0] = (guint8)(WT_RTCP_VERSION << 6 | (count & 0x1f));
  p[1] = type;
  wt_wr16(p + 2, (guint16)(len / 4 - 1));
}

/* ---- Walking ---------------------------------------------------------------- */

void
wt_rtcp_iter_init(WtRtcpIter *it, const guint8 *data, gsize len)
{
  it->data = data;
  it->len = data ? len : 0;
  it->pos = 0;
}

static int
iter_stop(WtRtcpIter *it, int err)
{
  it->pos = it->len;
  return err;
}

int
wt_rtcp_iter_next(WtRtcpIter *it, WtRtcpPacket *out)
{
  memset(out, 0, sizeof *out);
  gsize left = it->len - it->pos;
  if (left == 0)
    return -ENOENT;
  const guint8 *p = it->data + it->pos;
  if (left < WT_RTCP_HEADER_LEN)
    return iter_stop(it, -EMSGSIZE);
  if ((p[0] >> 6) != WT_RTCP_VERSION)
    return iter_stop(it, -EBADMSG);
  gsize bytes = 4 * ((gsize)wt_rd16(p + 2) + 1);
  if (bytes > left)
    return iter_stop(it, -EMSGSIZE);
  guint8 padding = 0;
  if (p[0] & 0x20) {
    padding = p[bytes - 1];
    if (padding == 0)
      return iter_stop(it, -EBADMSG);
    if (padding > bytes - WT_RTCP_HEADER_LEN)
      return iter_stop(it, -EMSGSIZE);
  }
  out->type = p[1];
  out->fmt = p[0] & 0x1f;
  out->data = p;
  out->len = bytes;
  out->padding = padding;
  out->body = p + WT_RTCP_HEADER_LEN;
  out->body_len = bytes - WT_RTCP_HEADER_LEN - padding;
  if (out->body_len >= 4)
    out->sender_ssrc = wt_rd32(out->body);
  if ((out->type == WT_RTCP_RTPFB || out->type == WT_RTCP_PSFB) && out->body_len >= 8)
    out->media_ssrc = wt_rd32(out->body + 4);
  it->pos += bytes;
  return 0;
}

/* ---- Building a compound --------------------------------------------------- */

void
wt_rtcp_compound_init(WtRtcpCompound *c, guint8 *buf, gsize cap)
{
  memset(c, 0, sizeof *c);
  c->buf = buf;
  c->cap = buf ? cap : 0;
}

static int
compound_fail(WtRtcpCompound *c, int err)
{
  if (c->error == 0)
    c->error = err;
  return err;
}

int
wt_rtcp_compound_add(WtRtcpCompound *c, int written)
{
  if (c->error)
    return c->error;
  if (written < 0)
    return compound_fail(c, written);
  gsize n = (gsize)written;
  const guint8 *p = c->buf + c->len;
  /* The builder must have written exactly one unpadded packet of n bytes. */
  if (c->padded || n < WT_RTCP_HEADER_LEN || n % 4 != 0 || n > c->cap - c->len ||
      (p[0] >> 6) != WT_RTCP_VERSION || (p[0] & 0x20) || 4 * ((gsize)wt_rd16(p + 2) + 1) != n)
    return compound_fail(c, -EINVAL);
  c->last = c->len;
  c->len += n;
  c->n_packets++;
  return 0;
}

int
wt_rtcp_compound_pad(WtRtcpCompound *c, guint bytes)
{
  if (c->error)
    return c->error;
  if (bytes < 4 || bytes > 252 || bytes % 4 != 0 || c->n_packets == 0 || c->padded)
    return compound_fail(c, -EINVAL);
  guint8 *last = c->buf + c->last;
  gsize last_len = c->len - c->last;
  if (bytes > c->cap - c->len || last_len + bytes > WT_RTCP_MAX_LEN)
    return compound_fail(c, -EMSGSIZE);
  memset(c->buf + c->len, 0, bytes - 1);
  c->buf[c->len + bytes - 1] = (guint8)bytes;
  last[0] |= 0x20;
  wt_wr16(last + 2, (guint16)((last_len + bytes) / 4 - 1));
  c->len += bytes;
  c->padded = TRUE;
  return 0;
}

/* ---- Reports ----------------------------------------------------------------- */

int
wt_rtcp_report_parse(const WtRtcpPacket *p, WtRtcpReport *out)
{
  memset(out, 0, sizeof *out);
  if (p->type != WT_RTCP_SR && p->type != WT_RTCP_RR)
    return -EINVAL;
  gsize head = p->type == WT_RTCP_SR ? WT_RTCP_SR_LEN - 4 : WT_RTCP_RR_LEN - 4;
  if (p->body_len < head)
    return -EMSGSIZE;
  gsize blocks = (gsize)p->fmt * WT_RTCP_REPORT_BLOCK_LEN;
  if (blocks > p->body_len - head)
    return -EMSGSIZE;
  const guint8 *b = p->body;
  out->ssrc = wt_rd32(b);
  if (p->type == WT_RTCP_SR) {
    out->is_sr = TRUE;
    out->sender.ssrc = out->ssrc;
    out->sender.ntp = (guint64)wt_rd32(b + 4) << 32 | wt_rd32(b + 8);
    out->sender.rtp_ts = wt_rd32(b + 12);
    out->sender.packet_count = wt_rd32(b + 16);
    out->sender.octet_count = wt_rd32(b + 20);
  }
  out->n_blocks = p->fmt;
  out->blocks = b + head;
  out->ext = b + head + blocks;
  out->ext_len = p->body_len - head - blocks;
  return 0;
}

int
wt_rtcp_report_block(const WtRtcpReport *r, guint i, WtRtcpReportBlock *out)
{
  memset(out, 0, sizeof *out);
  if (i >= r->n_blocks)
    return -ENOENT;
  const guint8 *b = r->blocks + (gsize)i * WT_RTCP_REPORT_BLOCK_LEN;
  out->ssrc = wt_rd32(b);
  out->fraction_lost = b[4];
  guint32 lost = (guint32)b[5] << 16 | (guint32)b[6] << 8 | b[7];
  out->cumulative_lost = (gint32)(lost ^ 0x800000) - 0x800000; /* sign-extend 24 bits */
  out->ext_highest_seq = wt_rd32(b + 8);
  out->jitter = wt_rd32(b + 12);
  out->lsr = wt_rd32(b + 16);
  out->dlsr = wt_rd32(b + 20);
  return 0;
}

static void
write_blocks(guint8 *p, const WtRtcpReportBlock *blocks, guint n)
{
  for (guint i = 0; i < n; i++, p += WT_RTCP_REPORT_BLOCK_LEN) {
    const WtRtcpReportBlock *b = &blocks[i];
    gint32 lost = CLAMP(b->cumulative_lost, -0x800000, 0x7fffff);
    wt_wr32(p, b->ssrc);
    wt_wr32(p + 4, (guint32)b->fraction_lost << 24 | ((guint32)lost & 0xffffff));
    wt_wr32(p + 8, b->ext_highest_seq);
    wt_wr32(p + 12, b->jitter);
    wt_wr32(p + 16, b->lsr);
    wt_wr32(p + 20, b->dlsr);
  }
}

int
wt_rtcp_write_sr(guint8 *buf, gsize cap, const WtRtcpSenderInfo *si,
                 const WtRtcpReportBlock *blocks, guint n_blocks)
{
  if (n_blocks > WT_RTCP_MAX_REPORT_BLOCKS || (n_blocks && !blocks))
    return -EINVAL;
  gsize len = WT_RTCP_SR_LEN + (gsize)n_blocks * WT_RTCP_REPORT_BLOCK_LEN;
  if (cap < len)
    return -EMSGSIZE;
  wr_header(buf, (guint8)n_blocks, WT_RTCP_SR, len);
  wt_wr32(buf + 4, si->ssrc);
  wt_wr32(buf + 8, (guint32)(si->ntp >> 32));
  wt_wr32(buf + 12, (guint32)si->ntp);
  wt_wr32(buf + 16, si->rtp_ts);
  wt_wr32(buf + 20, si->packet_count);
  wt_wr32(buf + 24, si->octet_count);
  write_blocks(buf + WT_RTCP_SR_LEN, blocks, n_blocks);
  return (int)len;
}

int
wt_rtcp_write_rr(guint8 *buf, gsize cap, guint32 ssrc, const WtRtcpReportBlock *blocks,
                 guint n_blocks)
{
  if (n_blocks > WT_RTCP_MAX_REPORT_BLOCKS || (n_blocks && !blocks))
    return -EINVAL;
  gsize len = WT_RTCP_RR_LEN + (gsize)n_blocks * WT_RTCP_REPORT_BLOCK_LEN;
  if (cap < len)
    return -EMSGSIZE;
  wr_header(buf, (guint8)n_blocks, WT_RTCP_RR, len);
  wt_wr32(buf + 4, ssrc);
  write_blocks(buf + WT_RTCP_RR_LEN, blocks, n_blocks);
  return (int)len;
}

int
wt_rtcp_sr_set_ssrc(guint8 *sr, gsize len, guint32 ssrc)
{
  if (len < 8 || sr[1] != WT_RTCP_SR)
    return -EINVAL;
  wt_wr32(sr + 4, ssrc);
  return 0;
}

/* ---- SDES ------------------------------------------------------------------- */

int
wt_rtcp_sdes_iter_init(WtRtcpSdesIter *it, const WtRtcpPacket *p)
{
  memset(it, 0, sizeof *it);
  if (p->type != WT_RTCP_SDES)
    return -EINVAL;
  it->body = p->body;
  it->len = p->body_len;
  it->left = p->fmt;
  return 0;
}

int
wt_rtcp_sdes_iter_next(WtRtcpSdesIter *it, WtRtcpSdesChunk *out)
{
  memset(out, 0, sizeof *out);
  if (it->left == 0)
    return -ENOENT;
  /* Chunks start on a 32-bit boundary: pos is always a multiple of 4 here. */
  gsize pos = it->pos;
  if (it->len - pos < 4)
    goto truncated;
  out->ssrc = wt_rd32(it->body + pos);
  pos += 4;
  for (;;) {
    if (pos >= it->len)
      goto truncated; /* no END octet */
    guint8 type = it->body[pos];
    if (type == WT_RTCP_SDES_END) {
      pos++;
      break;
    }
    if (it->len - pos < 2)
      goto truncated;
    guint8 len = it->body[pos + 1];
    if (len > it->len - pos - 2)
      goto truncated;
    if (type == WT_RTCP_SDES_CNAME && !out->cname) {
      out->cname = it->body + pos + 2;
      out->cname_len = len;
    }
    out->n_items++;
    pos += 2 + (gsize)len;
  }
  /* Null octets up to the next 32-bit boundary; their value is not checked
   * (RFC 3550 says null, but nothing depends on it). */
  gsize pad = (4 - pos % 4) % 4;
  if (pad > it->len - pos)
    goto truncated;
  it->pos = pos + pad;
  it->left--;
  return 0;

truncated:
  it->left = 0;
  out->cname = NULL;
  out->cname_len = 0;
  return -EMSGSIZE;
}

int
wt_rtcp_write_sdes_cname(guint8 *buf, gsize cap, guint32 ssrc, const char *cname)
{
  gsize n = cname ? strlen(cname) : 0;
  if (n == 0 || n > 255)
    return -EINVAL;
  /* SSRC, type, length, text, END, then nulls to a 32-bit boundary. */
  gsize chunk = (4 + 2 + n + 1 + 3) / 4 * 4;
  gsize len = WT_RTCP_HEADER_LEN + chunk;
  if (cap < len)
    return -EMSGSIZE;
  wr_header(buf, 1, WT_RTCP_SDES, len);
  wt_wr32(buf + 4, ssrc);
  buf[8] = WT_RTCP_SDES_CNAME;
  buf[9] = (guint8)n;
  memcpy(buf + 10, cname, n);
  memset(buf + 10 + n, 0, len - 10 - n);
  return (int)len;
}

/* ---- BYE ------------------------------------------------------------------- */

int
wt_rtcp_bye_parse(const WtRtcpPacket *p, WtRtcpBye *out)
{
  memset(out, 0, sizeof *out);
  if (p->type != WT_RTCP_BYE)
    return -EINVAL;
  gsize list = (gsize)p->fmt * 4;
  if (list > p->body_len)
    return -EMSGSIZE;
  out->n_ssrcs = p->fmt;
  out->ssrcs = p->body;
  gsize rest = p->body_len - list;
  if (rest > 0) {
    guint8 n = p->body[list];
    if (n > rest - 1) {
      memset(out, 0, sizeof *out);
      return -EMSGSIZE;
    }
    out->reason = p->body + list + 1;
    out->reason_len = n;
  }
  return 0;
}

int
wt_rtcp_bye_ssrc(const WtRtcpBye *b, guint i, guint32 *ssrc)
{
  if (i >= b->n_ssrcs)
    return -ENOENT;
  *ssrc = wt_rd32(b->ssrcs + (gsize)i * 4);
  return 0;
}

int
wt_rtcp_write_bye(guint8 *buf, gsize cap, const guint32 *ssrcs, guint n_ssrcs)
{
  if (n_ssrcs == 0 || n_ssrcs > 31 || !ssrcs)
    return -EINVAL;
  gsize len = WT_RTCP_HEADER_LEN + (gsize)n_ssrcs * 4;
  if (cap < len)
    return -EMSGSIZE;
  wr_header(buf, (guint8)n_ssrcs, WT_RTCP_BYE, len);
  for (guint i = 0; i < n_ssrcs; i++)
    wt_wr32(buf + 4 + 4 * i, ssrcs[i]);
  return (int)len;
}

/* ---- NTP time --------------------------------------------------------------- */

#define US_PER_S G_GINT64_CONSTANT(1000000)

guint64
wt_rtcp_ntp_from_unix_us(gint64 unix_us)
{
  /* Floor division, so times before 1970 keep a fraction in [0, 1 s). */
  gint64 s = unix_us / US_PER_S, us = unix_us % US_PER_S;
  if (us < 0) {
    s--;
    us += US_PER_S;
  }
  guint32 secs = (guint32)(guint64)(s + WT_RTCP_NTP_UNIX_OFFSET);
  guint64 frac = (((guint64)us << 32) + (guint64)US_PER_S / 2) / (guint64)US_PER_S;
  return (guint64)secs << 32 | frac;
}

gint64
wt_rtcp_ntp_to_unix_us(guint64 ntp)
{
  guint32 secs = (guint32)(ntp >> 32);
  guint64 frac = (guint32)ntp;
  gint64 s = secs & 0x80000000u ? (gint64)secs : (gint64)secs + (G_GINT64_CONSTANT(1) << 32);
  s -= WT_RTCP_NTP_UNIX_OFFSET;
  return s * US_PER_S + (gint64)((frac * (guint64)US_PER_S + (G_GUINT64_CONSTANT(1) << 31)) >> 32);
}

guint32
wt_rtcp_ntp_short_from_us(gint64 us)
{
  if (us <= 0)
    return 0;
  /* 2^32 units of 1/65536 s are 65536 s: anything at or past that saturates. */
  if (us >= G_GINT64_CONSTANT(65536) * US_PER_S)
    return G_MAXUINT32;
  guint64 v = (((guint64)us << 16) + (guint64)US_PER_S / 2) / (guint64)US_PER_S;
  return v > G_MAXUINT32 ? G_MAXUINT32 : (guint32)v;
}

gint64
wt_rtcp_ntp_short_to_us(guint32 v)
{
  return (gint64)(((guint64)v * (guint64)US_PER_S + 0x8000) >> 16);
}

int
wt_rtcp_rtt_us(guint32 arrival_mid32, guint32 lsr, guint32 dlsr, gint64 *rtt_us)
{
  if (lsr == 0)
    return -ENOENT;
  /* Modulo 2^32: the 16.16 clock wraps every 18 hours. */
  guint32 rtt = arrival_mid32 - lsr - dlsr;
  *rtt_us = (gint32)rtt < 0 ? 0 : wt_rtcp_ntp_short_to_us(rtt);
  return 0;
}

/* ---- PLI -------------------------------------------------------------------- */

int
wt_rtcp_write_pli(guint8 *buf, gsize cap, guint32 sender_ssrc, guint32 media_ssrc)
{
  if (cap < WT_RTCP_PLI_LEN)
    return -EMSGSIZE;
  wr_header(buf, WT_RTCP_PSFB_PLI, WT_RTCP_PSFB, WT_RTCP_PLI_LEN);
  wt_wr32(buf + 4, sender_ssrc);
  wt_wr32(buf + 8, media_ssrc);
  return WT_RTCP_PLI_LEN;
}
