/* rtcp.h — RTCP compound packets (RFC 3550 §6, RFC 4585): walking them and
 * building the few packets the server sends.
 *
 * Pure: bytes in, structs out; no I/O, no allocation, bounded by the length
 * given, so it can be fuzzed alone. Hot path: callers on a worker run these
 * for every RTCP packet.
 *
 *   WtRtcpIter it;
 *   WtRtcpPacket p;
 *   wt_rtcp_iter_init(&it, buf, len);
 *   while (wt_rtcp_iter_next(&it, &p) == 0)
 *     if (p.type == WT_RTCP_PSFB && p.fmt == WT_RTCP_PSFB_PLI) ...
 */
#pragma once

#include <errno.h>
#include <glib.h>

G_BEGIN_DECLS

enum {
  WT_RTCP_SR = 200,
  WT_RTCP_RR = 201,
  WT_RTCP_SDES = 202,
  WT_RTCP_BYE = 203,
  WT_RTCP_APP = 204,
  WT_RTCP_RTPFB = 205, /* transport feedback: NACK (fmt 1), transport-cc (fmt 15) */
  WT_RTCP_PSFB = 206,  /* payload-specific: PLI (fmt 1), FIR (fmt 4), REMB (fmt 15) */
  WT_RTCP_XR = 207,
};

enum {
  WT_RTCP_PSFB_PLI = 1,
  WT_RTCP_PSFB_FIR = 4,
  WT_RTCP_PSFB_AFB = 15,
  WT_RTCP_RTPFB_NACK = 1,
  WT_RTCP_RTPFB_TWCC = 15,
};

/* One packet of a compound. */
typedef struct {
  guint8 type;         /* 200-207 ... */
  guint8 fmt;          /* the count / format field (5 bits) */
  const guint8 *data;  /* the whole packet, header included (transfer none) */
  gsize len;           /* its length in bytes (from its length field) */
  guint32 sender_ssrc; /* first word after the header; 0 when the packet has none */
  guint32 media_ssrc;  /* feedback packets (205, 206): the media source; else 0 */
} WtRtcpPacket;

typedef struct {
  const guint8 *data;
  gsize len, pos;
} WtRtcpIter;

void wt_rtcp_iter_init(WtRtcpIter *it, const guint8 *data, gsize len);

/* The next packet into @out: 0; -ENOENT at the end; -EMSGSIZE or -EBADMSG when
 * the rest is truncated or not RTCP version 2 (iteration stops there). */
int wt_rtcp_iter_next(WtRtcpIter *it, WtRtcpPacket *out);

/* Writes a PLI (RFC 4585 §6.3.1, 12 bytes) into @buf of @cap bytes. Returns
 * its length, or -EMSGSIZE when it does not fit. */
int wt_rtcp_write_pli(guint8 *buf, gsize cap, guint32 sender_ssrc, guint32 media_ssrc);

/* Rewrites the SSRC of the sender in an SR packet at @p (in @buf, which
 * @p points into). Returns 0 or -EINVAL when @p is not an SR. */
int wt_rtcp_sr_set_ssrc(guint8 *sr, gsize len, guint32 ssrc);

G_END_DECLS
