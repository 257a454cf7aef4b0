/* fuzz_rtp.c — libFuzzer target for the pure RTP code (server/rtp.c,
 * server/rtp_codecs.c): demux, parse, extension iteration and lookup, id
 * rewriting on a copy, the setters, keyframe detection for every codec, and
 * the sequence/timestamp state machines fed with numbers taken from the input.
 * Every buffer handed to the code under test is a heap copy of exactly the
 * length it is told, so ASan catches a read one byte past the end. */
#include <stdint.h>
#include <string.h>

#include "rtp.h"
#include "rtp_codecs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ELEMS 256 /* more than a 64 KiB block of 1-byte elements could not fit */

typedef struct {
  guint8 id, len;
  gsize offset;
} Elem;

/* The map used for rewriting: some ids dropped, id 13 out of the one-byte
 * range (so -ERANGE is reached), the rest shuffled within 1–14. */
static void
fill_map(guint8 map[256])
{
  for (guint id = 0; id < 256; id++) {
    if (id % 5 == 0)
      map[id] = 0;
    else if (id == 13)
      map[id] = 200;
    else
      map[id] = (guint8)((id * 3) % 14 + 1);
  }
}

/* A heap copy of exactly @len bytes (one byte is allocated for @len 0, never
 * read from @src). */
static guint8 *
exact_copy(const guint8 *src, gsize len)
{
  guint8 *p = g_malloc(len ? len : 1);
  if (len)
    memcpy(p, src, len);
  return p;
}

static guint
collect(const guint8 *pkt, const WtRtpHeader *h, Elem *out)
{
  WtRtpExtIter it;
  WtRtpExt e;
  guint n = 0;
  wt_rtp_ext_iter_init(&it, pkt, h);
  while (wt_rtp_ext_iter_next(&it, &e) == 0) {
    g_assert(n < MAX_ELEMS);
    g_assert(e.id != 0);
    g_assert(e.data == pkt + e.offset);
    g_assert(e.offset >= h->ext_offset && e.offset + e.len <= h->ext_offset + h->ext_len);
    out[n++] = (Elem){e.id, e.len, e.offset};
  }
  return n;
}

static void
check_extensions(const guint8 *pkt, gsize size, const WtRtpHeader *h)
{
  static Elem before[MAX_ELEMS], after[MAX_ELEMS];
  guint n = collect(pkt, h, before);

  for (guint i = 0; i < n; i++) {
    WtRtpExt e;
    g_assert(wt_rtp_ext_find(pkt, h, before[i].id, &e) == 0);
    g_assert(e.id == before[i].id && e.offset <= before[i].offset);
  }

  guint8 map[256];
  fill_map(map);
  guint8 *copy = exact_copy(pkt, size);
  int r = wt_rtp_ext_rewrite(copy, h, map);
  g_assert(r == 0 || r == -ENOTSUP || r == -ERANGE);
  if (r < 0) {
    g_assert(memcmp(copy, pkt, size) == 0); /* refused: untouched */
    g_free(copy);
    return;
  }
  /* Only extension bytes may change, and the layout must not. */
  g_assert(memcmp(copy, pkt, h->ext_offset ? h->ext_offset : size) == 0);
  g_assert(memcmp(copy + h->header_len, pkt + h->header_len, size - h->header_len) == 0);
  WtRtpHeader h2;
  g_assert(wt_rtp_parse(copy, size, &h2) == 0);
  g_assert(h2.header_len == h->header_len && h2.payload_len == h->payload_len);
  guint m = collect(copy, &h2, after);
  guint j = 0;
  for (guint i = 0; i < n; i++) {
    if (map[before[i].id] == 0)
      continue;
    g_assert(j < m);
    g_assert(after[j].id == map[before[i].id]);
    g_assert(after[j].len == before[i].len && after[j].offset == before[i].offset);
    j++;
  }
  g_assert(j == m);

  /* Setters touch their field only. */
  wt_rtp_set_ssrc(copy, ~h->ssrc);
  wt_rtp_set_seq(copy, (guint16)(h->seq + 1));
  wt_rtp_set_ts(copy, h->ts + 1);
  wt_rtp_set_pt(copy, (guint8)(h->pt + 1));
  wt_rtp_set_marker(copy, !h->marker);
  g_assert(wt_rtp_parse(copy, size, &h2) == 0);
  g_assert(h2.ssrc == ~h->ssrc && h2.seq == (guint16)(h->seq + 1) && h2.ts == h->ts + 1);
  g_assert(h2.pt == ((h->pt + 1) & 0x7f) && h2.marker == !h->marker);
  g_assert(h2.header_len == h->header_len && h2.padding_len == h->padding_len);
  g_free(copy);
}

static void
check_codecs(const guint8 *payload, gsize len)
{
  /* An exact-size copy: the packet's padding must not hide an overread. */
  guint8 *p = exact_copy(payload, len);
  static const WtRtpCodec codecs[] = {WT_RTP_CODEC_OTHER, WT_RTP_CODEC_VP8, WT_RTP_CODEC_VP9,
                                      WT_RTP_CODEC_H264, WT_RTP_CODEC_AV1};
  for (guint i = 0; i < G_N_ELEMENTS(codecs); i++) {
    int r = wt_rtp_is_keyframe(codecs[i], p, len);
    g_assert(r == 0 || r == 1 || r == -EMSGSIZE || r == -EBADMSG);
  }
  WtRtpVp8 v8;
  if (wt_rtp_vp8_parse(p, len, &v8) == 0)
    g_assert(v8.header_len < len && v8.picture_id < 0x8000);
  WtRtpVp9 v9;
  if (wt_rtp_vp9_parse(p, len, &v9) == 0)
    g_assert(v9.header_len <= len && v9.n_pdiff <= 3 && v9.ss_layers <= 8);
  g_free(p);
}

/* Sequence/timestamp state fed with 7-byte records: seq(2) ts(4) flags(1). */
static void
check_sequences(const guint8 *data, gsize size)
{
  WtRtpSeq seq_state;
  WtRtpUnwrap useq, uts;
  WtRtpRewriter rw;
  wt_rtp_seq_init(&seq_state, size ? data[0] % 4 : 0);
  wt_rtp_unwrap_init(&useq);
  wt_rtp_unwrap_init(&uts);
  wt_rtp_rewriter_init(&rw, 90000);
  gint64 now = 0;
  for (gsize i = 1; i + 7 <= size; i += 7) {
    const guint8 *r = data + i;
    guint16 seq = (guint16)((r[0] << 8) | r[1]);
    guint32 ts = ((guint32)r[2] << 24) | ((guint32)r[3] << 16) | ((guint32)r[4] << 8) | r[5];
    guint8 flags = r[6];

    gint64 ext;
    int s = wt_rtp_seq_update(&seq_state, seq, &ext);
    g_assert(s == 0 || s == 1 || s == -EAGAIN || s == -ERANGE);
    if (s >= 0)
      g_assert((guint16)ext == seq);

    gint64 prev = useq.max;
    gint64 u = wt_rtp_unwrap_seq(&useq, seq);
    g_assert((guint16)u == seq);
    g_assert(i == 1 || (u - prev <= 32767 && prev - u <= 32768));
    gint64 ut = wt_rtp_unwrap_ts(&uts, ts);
    g_assert((guint32)ut == ts);

    now += (flags & 0x0f) * 1000;
    if (flags & 0x80)
      wt_rtp_rewriter_switch(&rw);
    guint16 out_seq;
    guint32 out_ts;
    gboolean started = rw.started;
    guint16 last_seq = rw.out_seq;
    int m = wt_rtp_rewriter_map(&rw, flags & 0x40 ? 2 : 1, seq, ts, now, &out_seq, &out_ts);
    g_assert(m == 0 || m == 1 || m == -EAGAIN || m == -ESTALE);
    if (m == 1)
      g_assert(started && out_seq == (guint16)(last_seq + 1));
    if (m >= 0)
      g_assert(out_seq == (guint16)(seq + rw.seq_offset) && out_ts == ts + rw.ts_offset);
  }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  guint8 *pkt = exact_copy(data, size);
  WtRtpKind kind = wt_rtp_demux(pkt, size);
  g_assert(kind >= WT_RTP_KIND_UNKNOWN && kind <= WT_RTP_KIND_RTCP);

  WtRtpHeader h;
  int r = wt_rtp_parse(pkt, size, &h);
  g_assert(r == 0 || r == -EMSGSIZE || r == -EBADMSG);
  if (r == 0) {
    g_assert(h.header_len + h.payload_len + h.padding_len == size);
    g_assert(h.payload_offset == h.header_len);
    g_assert(!h.has_ext || h.ext_offset + h.ext_len == h.header_len);
    check_extensions(pkt, size, &h);
    check_codecs(pkt + h.payload_offset, h.payload_len);
  } else {
    check_codecs(pkt, size);
  }
  check_sequences(pkt, size);
  g_free(pkt);
  return 0;
}
