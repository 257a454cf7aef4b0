/* rtcp_feedback.h — RTCP feedback messages (RFC 4585, RFC 5104): generic
 * NACK, PLI, FIR, REMB (draft-alvestrand-rmcat-remb-03) and transport-wide
 * congestion control feedback (draft-holmer-rmcat-transport-wide-cc-
 * extensions-01), parsed from a WtRtcpPacket that wt_rtcp_iter_next() gave,
 * and built from plain numbers.
 *
 * Pure, like rtcp.h (whose error values apply here too): no I/O, no
 * allocation, no globals; any thread. Parsers read only the packet's body
 * (header and padding excluded) and never trust a count beyond it; the
 * iterators live on the caller's stack and point into the packet (transfer
 * none), so the packet must outlive them.
 *
 * Example, answering a subscriber's NACK:
 *   WtRtcpNackIter it;
 *   guint16 seq;
 *   if (wt_rtcp_nack_iter_init(&it, &p) == 0)
 *     while (wt_rtcp_nack_iter_next(&it, &seq) == 0)
 *       resend(p.media_ssrc, seq);
 *
 * Example, telling a publisher what arrived (transport-cc):
 *   gsize done = 0, used;
 *   while (done < n) {
 *     int len = wt_rtcp_write_twcc(buf, cap, 1, media_ssrc, fb_count++, arrivals + done,
 *                                  n - done, &used);
 *     if (len < 0)
 *       break;
 *     send(buf, len);
 *     done += used;
 *   }
 */
#pragma once

#include "rtcp.h"

G_BEGIN_DECLS

/* Every feedback message starts with these 8 bytes of body: the sender's
 * SSRC and the media source's (RFC 4585 §6.1). */
#define WT_RTCP_FB_HEADER_LEN 12 /* common header + the two SSRCs */

/* ---- PLI (RFC 4585 §6.3.1; the builder is wt_rtcp_write_pli() in rtcp.h) ---- */

/* Checks that @p (transfer none) is a PLI and sets *@media_ssrc (may be NULL).
 * Returns 0, -EINVAL (not PSFB fmt 1), -EMSGSIZE (body under 8 bytes). */
int wt_rtcp_pli_parse(const WtRtcpPacket *p, guint32 *media_ssrc);

/* ---- Generic NACK (RFC 4585 §6.2.1) ----------------------------------------- */

/* Walks the lost sequence numbers of a NACK: for each FCI entry, its PID and
 * then PID + 1 + i for every bit i set in its BLP (bit 0 is the least
 * significant), in that order, modulo 2^16. Duplicates across entries are
 * returned as they are. */
typedef struct {
  const guint8 *fci; /* transfer none */
  gsize n_fci;       /* FCI entries in the body: (body_len - 8) / 4 */
  gsize i;           /* current entry */
  gint bit;          /* -1: its PID comes next; else the next BLP bit to look at */
} WtRtcpNackIter;

/* Returns 0, -EINVAL (not RTPFB fmt 1; the iterator is then empty), or
 * -EMSGSIZE (no FCI entry: the body is under 12 bytes; empty too). Bytes
 * after the last whole entry are ignored. */
int wt_rtcp_nack_iter_init(WtRtcpNackIter *it, const WtRtcpPacket *p);

/* The next lost sequence number into *@seq: 0, or -ENOENT at the end. */
int wt_rtcp_nack_iter_next(WtRtcpNackIter *it, guint16 *seq);

/* Writes a NACK for the @n_lost sequence numbers @lost (transfer none), packed
 * into PID + BLP entries: an entry starts at a number and takes each number
 * that follows it within the next 16 (modulo 2^16). When @lost is in
 * ascending serial order (wrapping 65535 → 0 is fine) and has no duplicates,
 * the iterator gives back exactly @lost; otherwise it gives back the same set.
 * Writes as many entries as @cap holds and sets *@consumed (may be NULL) to
 * the numbers they cover, a prefix of @lost: call again with the rest.
 * Returns the length written, -EINVAL (@n_lost is 0), or -EMSGSIZE (@cap
 * holds no entry: under 16 bytes). */
int wt_rtcp_write_nack(guint8 *buf, gsize cap, guint32 sender_ssrc, guint32 media_ssrc,
                       const guint16 *lost, gsize n_lost, gsize *consumed);

/* ---- FIR (RFC 5104 §4.3.1) -------------------------------------------------- */

typedef struct {
  guint32 ssrc;  /* the media sender asked for a decoder refresh */
  guint8 seq_nr; /* command sequence number: the sender increments it per new request */
} WtRtcpFirEntry;

typedef struct {
  const guint8 *fci; /* transfer none */
  gsize n, i;
} WtRtcpFirIter;

/* Returns 0, -EINVAL (not PSFB fmt 4; empty iterator) or -EMSGSIZE (no whole
 * 8-byte FCI entry; empty). The media SSRC field (0 by RFC 5104) is ignored. */
int wt_rtcp_fir_iter_init(WtRtcpFirIter *it, const WtRtcpPacket *p);

/* The next entry into @out: 0, or -ENOENT at the end. */
int wt_rtcp_fir_iter_next(WtRtcpFirIter *it, WtRtcpFirEntry *out);

/* Writes a FIR with @n (at least 1) entries (transfer none); the media SSRC
 * field is 0. Returns its length (12 + 8 * @n), -EINVAL, -EMSGSIZE. */
int wt_rtcp_write_fir(guint8 *buf, gsize cap, guint32 sender_ssrc, const WtRtcpFirEntry *entries,
                      guint n);

/* ---- REMB (draft-alvestrand-rmcat-remb-03) ---------------------------------- */

#define WT_RTCP_REMB_MAX_MANTISSA 0x3ffff /* 18 bits */
#define WT_RTCP_REMB_MAX_EXP 63           /* 6 bits */

typedef struct {
  guint64 bitrate;     /* bits per second: mantissa << exponent */
  guint n_ssrcs;       /* 0-255, all within the packet */
  const guint8 *ssrcs; /* transfer none: read with wt_rtcp_remb_ssrc() */
} WtRtcpRemb;

/* Parses the REMB @p (transfer none) into @out (always written). Returns 0;
 * -EINVAL when it is not PSFB fmt 15 with the identifier "REMB"; -EMSGSIZE
 * when the body is too short for the identifier and bitrate, or the SSRC
 * count is more than the body holds; -ERANGE when mantissa << exponent does
 * not fit in 64 bits. Bytes after the SSRC list are ignored. */
int wt_rtcp_remb_parse(const WtRtcpPacket *p, WtRtcpRemb *out);

/* SSRC @i of @r into *@ssrc: 0, or -ENOENT when @i >= n_ssrcs. */
int wt_rtcp_remb_ssrc(const WtRtcpRemb *r, guint i, guint32 *ssrc);

/* The wire form of @bitrate: the smallest exponent whose mantissa fits in 18
 * bits, the mantissa rounded down (as libwebrtc does: never more than asked).
 * Every 64-bit value is representable (at most exponent 46). */
void wt_rtcp_remb_encode(guint64 bitrate, guint8 *exp, guint32 *mantissa);

/* @mantissa (18 bits) << @exp (6 bits) into *@bitrate: 0, -EINVAL (a field
 * wider than its bits), or -ERANGE (does not fit in 64 bits). */
int wt_rtcp_remb_decode(guint8 exp, guint32 mantissa, guint64 *bitrate);

/* Writes a REMB from @sender_ssrc about the media senders @ssrcs (transfer
 * none; @n_ssrcs 0-255). Returns its length (20 + 4 * @n_ssrcs), -EINVAL,
 * -EMSGSIZE. */
int wt_rtcp_write_remb(guint8 *buf, gsize cap, guint32 sender_ssrc, guint64 bitrate,
                       const guint32 *ssrcs, guint n_ssrcs);

/* ---- Transport-wide congestion control feedback ------------------------------ */
/*
 * One feedback covers packet_status_count consecutive transport-wide sequence
 * numbers from base_seq. Each has a status; a received one also has a receive
 * delta from the previous received one (the first from the reference time),
 * in 250 µs ticks: 1 byte unsigned for "small" (0-63.75 ms), 2 bytes signed
 * for "large" (±8.192 s). Statuses come in 16-bit chunks:
 *   run length   0 SS LLLLLLLLLLLLL   status SS, L (0-8191) times
 *   vector, 1-bit 1 0 x14            0 not received, 1 small delta
 *   vector, 2-bit 1 1 xx*7           0 not received, 1 small, 2 large, 3 reserved
 * The deltas follow all the chunks; the last chunk may describe more packets
 * than the count, and those are ignored.
 */

#define WT_RTCP_TWCC_TICK_US 250
#define WT_RTCP_TWCC_REF_US 64000                             /* reference time unit */
#define WT_RTCP_TWCC_WRAP_US (G_GINT64_CONSTANT(64000) << 24) /* ≈ 12.4 days */
#define WT_RTCP_TWCC_HEADER_LEN (WT_RTCP_FB_HEADER_LEN + 8)   /* up to the first chunk */

typedef enum {
  WT_RTCP_TWCC_NOT_RECEIVED = 0,
  WT_RTCP_TWCC_SMALL_DELTA = 1, /* received, delta 0-255 ticks */
  WT_RTCP_TWCC_LARGE_DELTA = 2, /* received, delta -32768-32767 ticks */
} WtRtcpTwccSymbol;

/* One transport-wide sequence number. */
typedef struct {
  guint16 seq;
  WtRtcpTwccSymbol status;
  gint32 delta_ticks; /* from the previous received packet, 250 µs each; 0 when not received */
  gint64 arrival_us;  /* reference time + the deltas so far; the sender's time base modulo
                       * WT_RTCP_TWCC_WRAP_US, so only differences mean something; 0 when
                       * not received */
} WtRtcpTwccStatus;

typedef struct {
  guint32 sender_ssrc, media_ssrc;
  guint16 base_seq;
  guint16 status_count;   /* 1-65535 */
  guint32 reference_time; /* 24 bits, in 64 ms (read unsigned, as libwebrtc does) */
  guint8 fb_count;        /* feedback packet count, for the sender to spot lost feedback */
  guint n_received;       /* statuses with a delta */
  /* private: the walk */
  const guint8 *chunks; /* transfer none */
  gsize n_chunks;
  const guint8 *deltas; /* transfer none */
  gsize chunk_i;        /* current chunk */
  guint in_chunk;       /* statuses already taken from it */
  guint done;           /* statuses returned */
  gsize delta_pos;
  gint64 time_us;
} WtRtcpTwccIter;

/* Reads the header of a transport-cc feedback @p (transfer none) and checks
 * all of it before anything is returned: the chunks needed for the status
 * count and the deltas they announce must all be in the body. Returns 0,
 * -EINVAL (not RTPFB fmt 15; empty iterator), -EMSGSIZE (body shorter than
 * the fixed part, more chunks or deltas announced than bytes), or -EBADMSG (a
 * status count of 0, or a reserved status symbol within the count). libwebrtc
 * takes feedback whose deltas are all missing as "without timestamps"; here
 * it is -EMSGSIZE, as the server has no use for it. Bytes after the deltas
 * (zero padding) are ignored. */
int wt_rtcp_twcc_iter_init(WtRtcpTwccIter *it, const WtRtcpPacket *p);

/* The next status, in sequence order, into @out: 0, or -ENOENT after
 * status_count of them. Never fails otherwise: init checked the bounds. */
int wt_rtcp_twcc_iter_next(WtRtcpTwccIter *it, WtRtcpTwccStatus *out);

/* A packet the server received, for building feedback. */
typedef struct {
  guint16 seq;       /* transport-wide sequence number */
  gint64 arrival_us; /* receive time, any monotonic microsecond clock */
} WtRtcpTwccArrival;

/* Writes a transport-cc feedback about @arrivals (transfer none; @n at least
 * 1, strictly ascending in serial order: each seq 1-32767 after the one
 * before, wrapping 65535 → 0 included; checked as far as this call reads).
 * Missing numbers between them are "not received". Statuses are chunked as
 * libwebrtc does (runs, 1-bit and 2-bit vectors), in one pass: O(arrivals +
 * chunks). The reference time is the first arrival rounded down to 64 ms
 * (modulo 2^24 of those); each delta is the arrival rounded down to 250 µs
 * minus the previous one so rounded, so errors do not add up. Padded to 32
 * bits with zero bytes, P clear, so the packet can sit anywhere in a compound.
 * Takes the longest prefix of @arrivals that fits: in @cap, in 65535
 * statuses, and in deltas of ±8.192 s; *@consumed (may be NULL) says how
 * many; call again with the rest (and @fb_count + 1). Returns the length,
 * -EINVAL (@n is 0, or not ascending; nothing is written), -EMSGSIZE (not
 * even one arrival fits: @cap under 24). */
int wt_rtcp_write_twcc(guint8 *buf, gsize cap, guint32 sender_ssrc, guint32 media_ssrc,
                       guint8 fb_count, const WtRtcpTwccArrival *arrivals, gsize n,
                       gsize *consumed);

G_END_DECLS
