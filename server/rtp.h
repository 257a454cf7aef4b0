/* rtp.h — RTP packets on the forwarding path: demultiplexing a bundled transport,
 * header parsing, header extensions, in-place rewriting, and sequence/timestamp
 * arithmetic. Codec payload helpers (keyframes) are in rtp_codecs.h.
 *
 * Pure: bytes in, structs out. No I/O, no allocation, no globals, no GLib main
 * loop; any thread (the state structs below belong to whoever holds them, in
 * practice the room's worker). Every function is bounded by the length it is
 * given and never reads or writes past it, so it can be fuzzed alone
 * (tests/fuzz/fuzz_rtp.c) and run for every packet at full rate.
 *
 * Example, one decrypted packet forwarded to one subscriber:
 *   WtRtpHeader h;
 *   if (wt_rtp_parse(buf, len, &h) < 0)
 *     return;                                         // count and drop
 *   if (wt_rtp_ext_rewrite(buf, &h, sub->ext_map) < 0)
 *     return;                                         // ids the subscriber cannot take
 *   guint16 seq;
 *   guint32 ts;
 *   if (wt_rtp_rewriter_map(&sub->rw, h.ssrc, h.seq, h.ts, now_us, &seq, &ts) < 0)
 *     return;                                         // stale or unconfirmed jump
 *   wt_rtp_set_ssrc(buf, sub->ssrc);
 *   wt_rtp_set_seq(buf, seq);
 *   wt_rtp_set_ts(buf, ts);
 *
 * Errors are negative errno values, the same meaning everywhere:
 *   -EMSGSIZE  something the packet declares does not fit in it (truncated)
 *   -EBADMSG   a field holds a value the RFC forbids (version, zero padding count)
 *   -ENOENT    nothing there (no extension block, no element with that id, end)
 *   -ENOTSUP   an extension profile that is neither one-byte nor two-byte
 *   -ERANGE    a value that cannot be represented (id map), or a jump not accepted
 *   -EAGAIN    not decided yet (sequence probation, unconfirmed jump)
 *   -ESTALE    a packet older than the stream it would be mapped onto
 */
#pragma once

#include <errno.h>
#include <glib.h>

G_BEGIN_DECLS

#define WT_RTP_VERSION 2
#define WT_RTP_HEADER_LEN 12 /* fixed header, without CSRCs */

/* ---- Demultiplexing (RFC 7983, RFC 5761) --------------------------------- */

/* What a datagram on a bundled, rtcp-muxed WebRTC transport is. The first byte
 * decides between protocols (RFC 7983 §7):
 *     0–3      STUN
 *    16–19     ZRTP      (not used by WebRTC: UNKNOWN)
 *    20–63     DTLS
 *    64–79     TURN channel data (libnice strips it before us: UNKNOWN)
 *   128–191    RTP or RTCP
 * RTP and RTCP are told apart by the whole second byte (RFC 5761 §4): 192–223
 * is RTCP (packet types 192–223: SR 200, RR 201, SDES, BYE, APP, RTPFB 205,
 * PSFB 206, XR 207...), anything else is RTP. For RTP that second byte is
 * marker<<7 | payload type, so an RTP payload type in 64–95 sent with the
 * marker set would read as RTCP: such payload types must never be used on a
 * muxed transport (RFC 5761 §4), and wt_rtp_pt_muxable() says which are safe.
 * Dynamic payload types (96–127), which WebRTC uses, never collide. */
typedef enum {
  WT_RTP_KIND_UNKNOWN = 0, /* none of the below, or too short to tell: drop */
  WT_RTP_KIND_STUN,        /* ICE connectivity check or consent */
  WT_RTP_KIND_DTLS,        /* DTLS record */
  WT_RTP_KIND_RTP,         /* RTP (SRTP on the wire); at least 2 bytes */
  WT_RTP_KIND_RTCP,        /* RTCP (SRTCP on the wire); at least 2 bytes */
} WtRtpKind;

/* Classifies one datagram of @len bytes. @data (transfer none) may be NULL
 * when @len is 0. Looks at two bytes at most; the parsers check the rest. */
WtRtpKind wt_rtp_demux(const guint8 *data, gsize len);

/* TRUE when payload type @pt can be used for RTP on an rtcp-muxed transport
 * (0–127 outside 64–95). For the SDP side when it picks or accepts types. */
static inline gboolean
wt_rtp_pt_muxable(guint pt)
{
  return pt < 64 || (pt > 95 && pt < 128);
}

/* ---- Header (RFC 3550 §5.1) ----------------------------------------------- */

/* One parsed RTP header. Offsets are from the first byte of the packet. */
typedef struct {
  gboolean marker;
  guint8 pt; /* payload type, 0–127 */
  guint16 seq;
  guint32 ts;
  guint32 ssrc;
  guint8 csrc_count;    /* CSRCs follow the fixed header, 4 bytes each */
  guint8 padding_len;   /* padding at the end incl. its count byte; 0 without P */
  gboolean has_ext;     /* X: an extension block follows the CSRCs */
  guint16 ext_profile;  /* its "defined by profile" field; 0 without X */
  gsize ext_offset;     /* first byte of the extension elements (after the 4-byte block header) */
  gsize ext_len;        /* bytes of extension elements, a multiple of 4; 0 without X */
  gsize header_len;     /* fixed header + CSRCs + extension block */
  gsize payload_offset; /* == header_len */
  gsize payload_len;    /* without padding; may be 0 (padding-only probes) */
} WtRtpHeader;

/* Parses the RTP packet @data of @len bytes (transfer none) into @out, which is
 * always written. Returns 0, or:
 *   -EMSGSIZE  shorter than 12 bytes, or the CSRC list, the extension block or
 *              the padding runs past the end (padding must also leave the
 *              header intact: header_len + padding_len <= len)
 *   -EBADMSG   version is not 2, or P is set with a padding count of 0
 * Never reads outside [@data, @data + @len). */
int wt_rtp_parse(const guint8 *data, gsize len, WtRtpHeader *out);

/* ---- Header extensions (RFC 8285) ----------------------------------------- */

#define WT_RTP_EXT_PROFILE_ONE_BYTE 0xBEDE
#define WT_RTP_EXT_PROFILE_TWO_BYTE 0x1000 /* the low 4 bits are "appbits", ignored */
#define WT_RTP_EXT_PROFILE_TWO_BYTE_MASK 0xFFF0
#define WT_RTP_EXT_ONE_BYTE_MAX_ID 14 /* 15 is reserved: parsing stops there */

/* One extension element. */
typedef struct {
  guint8 id;          /* 1–14 (one-byte form) or 1–255 (two-byte form) */
  guint8 len;         /* bytes of data: 1–16 (one-byte), 0–255 (two-byte) */
  const guint8 *data; /* transfer none: points into the packet */
  gsize offset;       /* of data, from the first byte of the packet */
} WtRtpExt;

/* Walks the elements of one extension block; lives on the caller's stack. */
typedef struct {
  const guint8 *block; /* the elements (transfer none) */
  gsize block_offset;  /* of block, in the packet */
  gsize len;
  gsize pos;
  gboolean two_byte;
} WtRtpExtIter;

/* Starts iterating the extension block of @packet (transfer none), which
 * wt_rtp_parse() accepted into @h. Returns 0, -ENOENT when there is no block,
 * -ENOTSUP when its profile is neither 0xBEDE nor 0x100X; on error the iterator
 * is empty, so wt_rtp_ext_iter_next() returns -ENOENT at once. */
int wt_rtp_ext_iter_init(WtRtpExtIter *it, const guint8 *packet, const WtRtpHeader *h);

/* The next element into @ext. Returns 0, -ENOENT at the end, or -EMSGSIZE when
 * an element's data runs past the block (iteration ends there). Padding bytes
 * (value 0) between elements are skipped in both forms. In the one-byte form,
 * id 15 ends the block (RFC 8285 §4.2), and so does a byte with id 0 but a
 * non-zero length nibble (not padding, not an element; libwebrtc stops there
 * too). */
int wt_rtp_ext_iter_next(WtRtpExtIter *it, WtRtpExt *ext);

/* Finds the first element with @id (1–255) in @packet (transfer none, parsed
 * into @h). Returns 0 with @ext filled, or -ENOENT (also for a block that is
 * missing, of an unknown profile, or malformed before @id is reached). */
int wt_rtp_ext_find(const guint8 *packet, const WtRtpHeader *h, guint id, WtRtpExt *ext);

/* Rewrites element ids in place: the element with id i gets id @map[i]
 * (@map: 256 entries, transfer none); @map[i] == 0 drops it. A dropped element
 * is zeroed, header and data, which both forms read as padding bytes, so the
 * block keeps its length and the payload does not move; receivers skip it.
 * In the one-byte form the new id must be 1–14: any other value makes the call
 * return -ERANGE before anything is written (converting forms is not done).
 * Elements after the end of what parses (id 15, an element running past the
 * block) are left as they are; a receiver stops at the same byte.
 * Returns 0 (also when there is no block), -ENOTSUP for an unknown profile
 * (packet unchanged), or -ERANGE. */
int wt_rtp_ext_rewrite(guint8 *packet, const WtRtpHeader *h, const guint8 map[256]);

/* ---- In-place setters ------------------------------------------------------ */
/* @packet (transfer none) must hold at least WT_RTP_HEADER_LEN bytes, which
 * holds for any packet wt_rtp_parse() accepted. Only the named field changes. */

static inline void
wt_rtp_set_ssrc(guint8 *packet, guint32 ssrc)
{
  packet[8] = (guint8)(ssrc >> 24);
  packet[9] = (guint8)(ssrc >> 16);
  packet[10] = (guint8)(ssrc >> 8);
  packet[11] = (guint8)ssrc;
}

static inline void
wt_rtp_set_seq(guint8 *packet, guint16 seq)
{
  packet[2] = (guint8)(seq >> 8);
  packet[3] = (guint8)seq;
}

static inline void
wt_rtp_set_ts(guint8 *packet, guint32 ts)
{
  packet[4] = (guint8)(ts >> 24);
  packet[5] = (guint8)(ts >> 16);
  packet[6] = (guint8)(ts >> 8);
  packet[7] = (guint8)ts;
}

/* Keeps the marker bit; @pt is taken modulo 128. */
static inline void
wt_rtp_set_pt(guint8 *packet, guint8 pt)
{
  packet[1] = (guint8)((packet[1] & 0x80) | (pt & 0x7f));
}

static inline void
wt_rtp_set_marker(guint8 *packet, gboolean marker)
{
  packet[1] = (guint8)((packet[1] & 0x7f) | (marker ? 0x80 : 0));
}

/* ---- Sequence numbers and timestamps --------------------------------------- */

/* TRUE when @a comes after @b in 16-bit (32-bit) serial-number order: the
 * forward distance from @b to @a is less than half the range. */
static inline gboolean
wt_rtp_seq_newer(guint16 a, guint16 b)
{
  return a != b && (guint16)(a - b) < 0x8000;
}

static inline gboolean
wt_rtp_ts_newer(guint32 a, guint32 b)
{
  return a != b && (guint32)(a - b) < 0x80000000u;
}

/* Unwraps 16-bit sequence numbers or 32-bit timestamps to 64 bits: each value
 * is placed at the distance from the highest value seen so far that is less
 * than half the range, so wrap-around and reordering both come out right. The
 * first value unwraps to itself; a value from before it (reordered across the
 * first wrap) is negative. Use one struct per stream and per width. */
typedef struct {
  gint64 max; /* highest unwrapped value so far */
  gboolean started;
} WtRtpUnwrap;

void wt_rtp_unwrap_init(WtRtpUnwrap *u);
gint64 wt_rtp_unwrap_seq(WtRtpUnwrap *u, guint16 seq);
gint64 wt_rtp_unwrap_ts(WtRtpUnwrap *u, guint32 ts);

/* RFC 3550 appendix A.1: per-source sequence state for reception statistics
 * and validity. A source is valid after @min_sequential packets in sequence
 * (probation); a jump of more than MAX_DROPOUT ahead or MAX_MISORDER behind is
 * accepted only when the next packet follows it (then the source restarted and
 * the extended numbering starts again from it). */
#define WT_RTP_SEQ_MAX_DROPOUT 3000
#define WT_RTP_SEQ_MAX_MISORDER 100

typedef struct {
  guint16 max_seq;        /* highest sequence number seen */
  guint64 cycles;         /* wraps of max_seq, times 65536 */
  guint32 base_seq;       /* first valid sequence number (of the current numbering) */
  guint32 bad_seq;        /* seq + 1 of the last unaccepted jump; 65537 = none */
  guint probation;        /* packets in sequence still needed before valid */
  guint min_sequential;   /* probation a (re)started source goes through */
  guint64 received;       /* valid packets since the numbering began, duplicates included */
  guint64 expected_prior; /* wt_rtp_seq_report() state (RFC 3550 A.3) */
  guint64 received_prior;
  guint32 restarts; /* times the numbering started again after a jump */
  gboolean started; /* a first packet has been seen */
} WtRtpSeq;

/* @min_sequential: packets in sequence before a new source is valid; 0 or 1
 * accept the first packet (RFC 3550 suggests 2). */
void wt_rtp_seq_init(WtRtpSeq *s, guint min_sequential);

/* Feeds one sequence number. Returns 0 (valid; *@ext_seq, may be NULL, gets
 * the extended number: cycles + seq, one cycle less for a packet reordered
 * from before the last wrap, so possibly negative), 1 (valid, and the source
 * restarted: numbering begins again at this packet), -EAGAIN (on probation,
 * not counted) or -ERANGE (a large jump, not yet confirmed: drop it). */
int wt_rtp_seq_update(WtRtpSeq *s, guint16 seq, gint64 *ext_seq);

/* Extended highest sequence number, as RTCP receiver reports carry it
 * (cycle count in the upper 16 bits, truncated to 32 bits there). */
static inline guint64
wt_rtp_seq_ext_max(const WtRtpSeq *s)
{
  return s->cycles + s->max_seq;
}

/* Packets expected since the base: ext_max - base + 1 (0 before any). */
static inline guint64
wt_rtp_seq_expected(const WtRtpSeq *s)
{
  return s->started && s->probation == 0 ? wt_rtp_seq_ext_max(s) - s->base_seq + 1 : 0;
}

/* RFC 3550 A.3, for a receiver report block: sets *@cumulative_lost (may be
 * NULL) to expected - received, clamped to the report's signed 24 bits, and
 * returns the fraction lost since the previous call in 1/256 (0 when none or
 * when duplicates outnumber losses). */
guint8 wt_rtp_seq_report(WtRtpSeq *s, gint32 *cumulative_lost);

/* ---- Forwarding: one continuous output stream from changing inputs --------- */

/* Maps the (seq, ts) of whatever source currently feeds a subscriber's track
 * onto one output stream: output = input + offset, modulo 2^16 / 2^32. The
 * offsets are fixed until a rebase, which makes the output continue without a
 * gap: the next output seq is the last one + 1, and the output timestamp
 * advances by the wall-clock time since the last output packet (at least 1).
 * A rebase happens on:
 *   - the first packet (offsets 0: the output keeps the input's numbers),
 *   - a new SSRC, or a packet after wt_rtp_rewriter_switch(),
 *   - a jump of more than WT_RTP_SEQ_MAX_DROPOUT ahead (the source restarted),
 *   - a jump of more than WT_RTP_SEQ_MAX_MISORDER behind once the next packet
 *     follows it (the first such packet alone is refused with -EAGAIN).
 * The caller feeds only packets of the source it chose; a late packet of a
 * previous source would be taken for another switch. */
typedef struct {
  guint32 clock_rate; /* of the output stream, Hz */
  guint32 ssrc;       /* input source of the current mapping */
  guint16 seq_offset;
  guint32 ts_offset;
  guint16 in_max_seq; /* highest input seq since the last rebase */
  gint64 in_max_ext;  /* its unwrapped value */
  gint64 in_base_ext; /* unwrapped input seq at the last rebase */
  guint32 bad_seq;    /* seq + 1 of the last refused backward jump; 65537 = none */
  guint16 out_seq;    /* last output seq (of in_max_seq) */
  guint32 out_ts;     /* its timestamp */
  gint64 out_us;      /* when it was mapped */
  guint32 rebases;    /* count, for stats and tests */
  gboolean started;
  gboolean switch_pending;
} WtRtpRewriter;

/* @clock_rate: the codec's RTP clock (90000 video, 48000 Opus); not 0. */
void wt_rtp_rewriter_init(WtRtpRewriter *rw, guint32 clock_rate);

/* The next packet starts a new mapping, even from the same SSRC (e.g. the
 * caller switched to another publisher that happens to reuse one). */
void wt_rtp_rewriter_switch(WtRtpRewriter *rw);

/* Maps one input packet; @now_us is a monotonic clock in microseconds
 * (g_get_monotonic_time()). Returns 0 with *@out_seq and *@out_ts set, 1 when
 * this packet rebased the mapping (a discontinuity: a good moment to ask the
 * new source for a keyframe), -ESTALE for a packet from before the current
 * mapping began, -EAGAIN for an unconfirmed backward jump. */
int wt_rtp_rewriter_map(WtRtpRewriter *rw, guint32 ssrc, guint16 seq, guint32 ts, gint64 now_us,
                        guint16 *out_seq, guint32 *out_ts);

G_END_DECLS
