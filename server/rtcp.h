/* rtcp.h — RTCP (RFC 3550 §6, RFC 5506): walking compound packets, sender
 * and receiver reports, SDES, BYE, NTP time, and building the compound
 * packets the server sends. Feedback messages (generic NACK, PLI, FIR, REMB,
 * transport-wide congestion control) are in rtcp_feedback.h.
 *
 * Pure: bytes in, structs out. No I/O, no allocation, no globals, no GLib main
 * loop; any thread (iterators and builders belong to whoever holds them, in
 * practice the room's worker). Every function is bounded by the length it is
 * given: counts read from a packet (report blocks, SSRCs, chunks) are checked
 * against the bytes that are there and never trusted beyond them, so this can
 * be fuzzed alone (tests/fuzz/fuzz_rtcp.c) and run for every packet.
 *
 * Example, one decrypted compound from a peer:
 *   WtRtcpIter it;
 *   WtRtcpPacket p;
 *   wt_rtcp_iter_init(&it, buf, len);
 *   while (wt_rtcp_iter_next(&it, &p) == 0) {
 *     WtRtcpReport r;
 *     WtRtcpReportBlock b;
 *     if (wt_rtcp_report_parse(&p, &r) == 0)         // SR or RR
 *       for (guint i = 0; wt_rtcp_report_block(&r, i, &b) == 0; i++)
 *         ...;
 *   }
 *
 * Example, building SR + SDES into a buffer with room for the SRTCP trailer:
 *   WtRtcpCompound c;
 *   wt_rtcp_compound_init(&c, buf, sizeof buf - WT_SRTP_MAX_TRAILER);
 *   wt_rtcp_compound_add(&c, wt_rtcp_write_sr(wt_rtcp_compound_tail(&c),
 *                                             wt_rtcp_compound_room(&c), &si, NULL, 0));
 *   wt_rtcp_compound_add(&c, wt_rtcp_write_sdes_cname(wt_rtcp_compound_tail(&c),
 *                                                     wt_rtcp_compound_room(&c), ssrc, cname));
 *   if (c.error == 0)
 *     send(c.buf, c.len);
 *
 * Errors are negative errno values, the same meaning everywhere (rtp.h uses
 * the same ones):
 *   -EMSGSIZE  something the packet declares does not fit in it (truncated:
 *              a count, a length, an item); for builders, @cap is too small
 *   -EBADMSG   a field holds a value the RFC forbids (version, zero padding
 *              count, a reserved symbol)
 *   -EINVAL    not the kind of packet the function reads (type, format, AFB
 *              identifier), or an argument out of its documented range
 *   -ENOENT    nothing (more) there: end of an iteration, index past the end
 *   -ERANGE    a value that cannot be represented (a REMB bitrate over 64 bits)
 * Builders write nothing past @cap and return the bytes written (> 0).
 */
#pragma once

#include <errno.h>
#include <glib.h>

G_BEGIN_DECLS

#define WT_RTCP_VERSION 2
#define WT_RTCP_HEADER_LEN 4        /* V P count/fmt, type, length */
#define WT_RTCP_MAX_LEN (65536 * 4) /* the 16-bit length field counts words minus one */

enum {
  WT_RTCP_SR = 200,
  WT_RTCP_RR = 201,
  WT_RTCP_SDES = 202,
  WT_RTCP_BYE = 203,
  WT_RTCP_APP = 204,
  WT_RTCP_RTPFB = 205, /* transport feedback: NACK (fmt 1), transport-cc (fmt 15) */
  WT_RTCP_PSFB = 206,  /* payload-specific: PLI (fmt 1), FIR (fmt 4), REMB (fmt 15) */
  WT_RTCP_XR = 207,    /* extended reports (RFC 3611): walked over, not read */
};

enum {
  WT_RTCP_PSFB_PLI = 1,
  WT_RTCP_PSFB_FIR = 4,
  WT_RTCP_PSFB_AFB = 15, /* application layer feedback; REMB is one */
  WT_RTCP_RTPFB_NACK = 1,
  WT_RTCP_RTPFB_TWCC = 15,
};

/* ---- Walking a compound packet -------------------------------------------- */

/* One packet of a compound. All pointers point into the buffer given to
 * wt_rtcp_iter_init() (transfer none) and live as long as it does. */
typedef struct {
  guint8 type;         /* 200-207 ...; anything else is reported as it is */
  guint8 fmt;          /* the count / format field (5 bits) */
  const guint8 *data;  /* the whole packet, header included */
  gsize len;           /* its length in bytes (from its length field), padding included */
  guint8 padding;      /* padding bytes at the end, count byte included; 0 without P */
  const guint8 *body;  /* what follows the 4-byte header */
  gsize body_len;      /* len - 4 - padding; what every parser below reads */
  guint32 sender_ssrc; /* first word of the body; 0 when the body is shorter */
  guint32 media_ssrc;  /* feedback packets (205, 206): the media source; else 0 */
} WtRtcpPacket;

typedef struct {
  const guint8 *data; /* transfer none */
  gsize len, pos;
} WtRtcpIter;

/* @data (transfer none) may be NULL when @len is 0. */
void wt_rtcp_iter_init(WtRtcpIter *it, const guint8 *data, gsize len);

/* The next packet into @out (always written). Returns 0; -ENOENT at the end;
 * -EMSGSIZE when the rest is shorter than a header, its length field runs past
 * the end, or its padding count is larger than its body; -EBADMSG when the
 * version is not 2 or P is set with a padding count of 0. After an error the
 * iteration is over (the next call returns -ENOENT): a length that lies leaves
 * no way to find the next packet. A packet of length 0 (just a header) is
 * returned: it is framing-valid, and the parsers below refuse it. Padding is
 * accepted on any packet (RFC 3550 puts it on the last only; libwebrtc
 * accepts it anywhere too) and in any count, multiple of 4 or not (Chrome pads
 * transport-cc feedback by 1-3 bytes). */
int wt_rtcp_iter_next(WtRtcpIter *it, WtRtcpPacket *out);

/* ---- Building a compound packet ------------------------------------------- */

/* Packets written back to back into one buffer. The builders below take
 * (wt_rtcp_compound_tail(), wt_rtcp_compound_room()) and their result goes
 * to wt_rtcp_compound_add(); the first error sticks, so a sequence of adds
 * can be checked once at the end. */
typedef struct {
  guint8 *buf;     /* transfer none: the caller's buffer */
  gsize cap;       /* its size */
  gsize len;       /* bytes of complete packets so far */
  gsize last;      /* offset of the last packet added */
  guint n_packets; /* packets added */
  gboolean padded; /* the last packet carries padding: nothing may follow */
  int error;       /* first error of an add or pad; 0 when none */
} WtRtcpCompound;

/* @buf (transfer none) of @cap bytes must outlive @c. */
void wt_rtcp_compound_init(WtRtcpCompound *c, guint8 *buf, gsize cap);

/* Where the next packet goes (transfer none: points into c->buf). */
static inline guint8 *
wt_rtcp_compound_tail(const WtRtcpCompound *c)
{
  return c->buf + c->len;
}

/* Bytes left for the next packet; 0 once padded or after an error. */
static inline gsize
wt_rtcp_compound_room(const WtRtcpCompound *c)
{
  return c->padded || c->error ? 0 : c->cap - c->len;
}

/* Appends the packet a builder just wrote at the tail: @written is its
 * return value. Returns 0, @written itself when it is negative, or -EINVAL
 * when the bytes at the tail are not one well-formed unpadded packet of
 * @written bytes (or the compound is already padded). Errors stick in
 * c->error and leave c->len as it was. */
int wt_rtcp_compound_add(WtRtcpCompound *c, int written);

/* Pads the last packet with @bytes (4-252, a multiple of 4) as RFC 3550
 * §6.4.1 says: zeros, then the count in the last byte, P set and the length
 * field grown. Padding belongs to the last packet of a compound only, so
 * nothing can be added after it. Returns 0, -EINVAL (@bytes out of range, no
 * packet yet, already padded, an earlier error) or -EMSGSIZE (no room).
 * Errors stick in c->error. */
int wt_rtcp_compound_pad(WtRtcpCompound *c, guint bytes);

/* ---- Sender and receiver reports (RFC 3550 §6.4) --------------------------- */

#define WT_RTCP_MAX_REPORT_BLOCKS 31 /* the 5-bit count */
#define WT_RTCP_REPORT_BLOCK_LEN 24
#define WT_RTCP_SR_LEN 28 /* an SR without report blocks */
#define WT_RTCP_RR_LEN 8  /* an RR without report blocks */

/* What a receiver says about one source. */
typedef struct {
  guint32 ssrc;            /* the source reported on */
  guint8 fraction_lost;    /* since the previous report, in 1/256 */
  gint32 cumulative_lost;  /* signed 24 bits on the wire; builders clamp to them */
  guint32 ext_highest_seq; /* cycles << 16 | highest sequence number received */
  guint32 jitter;          /* interarrival jitter, RTP timestamp units */
  guint32 lsr;             /* middle 32 bits of the NTP time of the last SR; 0: none yet */
  guint32 dlsr;            /* delay since that SR, 1/65536 s */
} WtRtcpReportBlock;

/* What a sender says about itself. */
typedef struct {
  guint32 ssrc;
  guint64 ntp;          /* wall clock, 64-bit NTP (see wt_rtcp_ntp_from_unix_us()) */
  guint32 rtp_ts;       /* the same instant on the RTP clock */
  guint32 packet_count; /* sent since the start */
  guint32 octet_count;  /* payload bytes sent since the start */
} WtRtcpSenderInfo;

/* A parsed SR or RR. */
typedef struct {
  guint32 ssrc;            /* of the reporter */
  gboolean is_sr;          /* sender info present */
  WtRtcpSenderInfo sender; /* SR only (sender.ssrc == ssrc); zeros for an RR */
  guint n_blocks;          /* report blocks, 0-31, all within the packet */
  const guint8 *blocks;    /* transfer none: the first; read with wt_rtcp_report_block() */
  const guint8 *ext;       /* transfer none: profile-specific extension after the blocks */
  gsize ext_len;           /* its length; 0 when none */
} WtRtcpReport;

/* Parses an SR or RR @p (transfer none) into @out (always written). Returns 0,
 * -EINVAL (neither SR nor RR), or -EMSGSIZE (the sender info or the report
 * count does not fit in the body). Bytes after the blocks are the extension. */
int wt_rtcp_report_parse(const WtRtcpPacket *p, WtRtcpReport *out);

/* Report block @i of @r into @out: 0, or -ENOENT when @i >= n_blocks. */
int wt_rtcp_report_block(const WtRtcpReport *r, guint i, WtRtcpReportBlock *out);

/* Writes an SR with @n_blocks report blocks (@blocks: transfer none, may be
 * NULL when @n_blocks is 0) into @buf of @cap bytes. Returns its length
 * (28 + 24 * @n_blocks), -EINVAL for more than 31 blocks, -EMSGSIZE. */
int wt_rtcp_write_sr(guint8 *buf, gsize cap, const WtRtcpSenderInfo *si,
                     const WtRtcpReportBlock *blocks, guint n_blocks);

/* Writes an RR from @ssrc; otherwise as wt_rtcp_write_sr() (8 + 24 * n). */
int wt_rtcp_write_rr(guint8 *buf, gsize cap, guint32 ssrc, const WtRtcpReportBlock *blocks,
                     guint n_blocks);

/* Rewrites the SSRC of the sender in the SR @sr of @len bytes (transfer
 * none). Returns 0 or -EINVAL when @sr is not an SR of at least 8 bytes. */
int wt_rtcp_sr_set_ssrc(guint8 *sr, gsize len, guint32 ssrc);

/* ---- SDES (RFC 3550 §6.5): validated and skipped; CNAME is kept ----------- */

#define WT_RTCP_SDES_END 0
#define WT_RTCP_SDES_CNAME 1

/* One chunk: an SSRC and its items. */
typedef struct {
  guint32 ssrc;
  const guint8 *cname; /* transfer none: the CNAME text, not NUL-terminated; NULL if none */
  guint8 cname_len;
  guint n_items; /* items before END, CNAME included */
} WtRtcpSdesChunk;

typedef struct {
  const guint8 *body; /* transfer none */
  gsize len, pos;
  guint left; /* chunks still announced by the count */
} WtRtcpSdesIter;

/* Starts on the chunks of the SDES @p (transfer none): 0, or -EINVAL when it
 * is not SDES (the iterator is then empty). */
int wt_rtcp_sdes_iter_init(WtRtcpSdesIter *it, const WtRtcpPacket *p);

/* The next chunk into @out: 0; -ENOENT after the count's last chunk;
 * -EMSGSIZE when a chunk, an item or the END octet is not within the body
 * (the iteration is then over). Iterating to -ENOENT validates the packet.
 * Bytes after the last chunk are ignored. */
int wt_rtcp_sdes_iter_next(WtRtcpSdesIter *it, WtRtcpSdesChunk *out);

/* Writes an SDES with one chunk holding a CNAME (@cname: transfer none,
 * NUL-terminated, 1-255 bytes). Returns its length, -EINVAL (@cname empty or
 * too long), or -EMSGSIZE. */
int wt_rtcp_write_sdes_cname(guint8 *buf, gsize cap, guint32 ssrc, const char *cname);

/* ---- BYE (RFC 3550 §6.6) ---------------------------------------------------- */

typedef struct {
  guint n_ssrcs;        /* 0-31, all within the packet */
  const guint8 *ssrcs;  /* transfer none: read with wt_rtcp_bye_ssrc() */
  const guint8 *reason; /* transfer none: not NUL-terminated; NULL if none */
  guint8 reason_len;
} WtRtcpBye;

/* Parses the BYE @p (transfer none) into @out (always written). Returns 0,
 * -EINVAL (not a BYE), -EMSGSIZE (the SSRC count or the reason's length
 * runs past the body). */
int wt_rtcp_bye_parse(const WtRtcpPacket *p, WtRtcpBye *out);

/* SSRC @i of @b into *@ssrc: 0, or -ENOENT when @i >= n_ssrcs. */
int wt_rtcp_bye_ssrc(const WtRtcpBye *b, guint i, guint32 *ssrc);

/* Writes a BYE for @n_ssrcs (1-31) SSRCs (@ssrcs: transfer none), without a
 * reason. Returns its length, -EINVAL, -EMSGSIZE. */
int wt_rtcp_write_bye(guint8 *buf, gsize cap, const guint32 *ssrcs, guint n_ssrcs);

/* ---- NTP time (RFC 3550 §4, §6.4.1) ------------------------------------------ */

/* Seconds from 1900-01-01 (NTP era 0) to 1970-01-01. */
#define WT_RTCP_NTP_UNIX_OFFSET G_GINT64_CONSTANT(2208988800)

/* Wall clock in microseconds since 1970 (g_get_real_time()) to 64-bit NTP:
 * seconds since 1900 modulo 2^32 (so 2036 wraps to era 1), and the fraction
 * in 1/2^32 s, rounded to nearest. */
guint64 wt_rtcp_ntp_from_unix_us(gint64 unix_us);

/* The other way. Seconds with the top bit clear are taken as era 1 (after
 * 2036-02-07), as RFC 4330 §3 suggests, so 1968-2104 comes back right.
 * Exact for every microsecond value from wt_rtcp_ntp_from_unix_us(). */
gint64 wt_rtcp_ntp_to_unix_us(guint64 ntp);

/* The middle 32 bits (16.16 fixed point seconds): what LSR carries, and the
 * clock in which a round trip is measured. */
static inline guint32
wt_rtcp_ntp_mid32(guint64 ntp)
{
  return (guint32)(ntp >> 16);
}

/* A duration in microseconds to 1/65536 s, rounded to nearest (DLSR):
 * negative gives 0, more than 2^32 units gives 0xffffffff. */
guint32 wt_rtcp_ntp_short_from_us(gint64 us);

/* 1/65536 s to microseconds, rounded to nearest. */
gint64 wt_rtcp_ntp_short_to_us(guint32 v);

/* Round trip from a report block that came back (RFC 3550 §6.4.1):
 * A - LSR - DLSR, where A is wt_rtcp_ntp_mid32() of the arrival time. Sets
 * *@rtt_us and returns 0; -ENOENT when @lsr is 0 (the receiver has not had an
 * SR yet). A negative result (clock step, a lying DLSR) comes out as 0. */
int wt_rtcp_rtt_us(guint32 arrival_mid32, guint32 lsr, guint32 dlsr, gint64 *rtt_us);

/* ---- Picture loss indication (RFC 4585 §6.3.1) ------------------------------ */
/* Kept here because the room code already includes this header; parsing it
 * and the other feedback messages is in rtcp_feedback.h. */

#define WT_RTCP_PLI_LEN 12

/* Writes a PLI into @buf of @cap bytes. Returns 12, or -EMSGSIZE. */
int wt_rtcp_write_pli(guint8 *buf, gsize cap, guint32 sender_ssrc, guint32 media_ssrc);

G_END_DECLS
