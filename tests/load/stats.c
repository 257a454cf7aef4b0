/* stats.c — what a subscriber received: per stream (SSRC) the packets, bytes
 * and extended sequence numbers read from the RTP header, which SRTP leaves
 * in the clear, and the packets that were authenticated and decrypted; and
 * the receiver reports that describe them. Main thread. */
#include <string.h>

#include "load.h"
#include "rtp.h"

static LoadStream *
find_stream(LoadParticipant *p, guint32 ssrc, guint8 pt)
{
  for (guint i = 0; i < p->n_streams; i++) {
    if (p->streams[i].ssrc == ssrc)
      return &p->streams[i];
  }
  /* Only payload types the offer gave us: not RTX, not probes. */
  if (p->n_streams == LOAD_MAX_STREAMS || !p->pt_kind[pt])
    return NULL;
  LoadStream *s = &p->streams[p->n_streams++];
  memset(s, 0, sizeof *s);
  s->ssrc = ssrc;
  s->kind = (LoadKind)(p->pt_kind[pt] - 1);
  return s;
}

/* A decrypted payload is what a publisher sends: a VP8 payload descriptor
 * with a 15-bit picture ID (media.c), or an Opus packet whose TOC parses. */
static gboolean
payload_checks(LoadKind kind, const guint8 *buf, gsize len)
{
  WtRtpHeader h;
  if (wt_rtp_parse(buf, len, &h) < 0)
    return FALSE;
  const guint8 *payload = buf + h.payload_offset;
  if (kind == LOAD_VIDEO)
    return h.payload_len > LOAD_VP8_DESCRIPTOR && (payload[0] & 0x80) && payload[1] == 0x80 &&
           (payload[2] & 0x80);
  return load_opus_samples(payload, h.payload_len) > 0;
}

void
load_stats_packet(LoadParticipant *p, const guint8 *buf, gsize len, gboolean verified)
{
  if (len < 12 || (buf[0] & 0xc0) != 0x80)
    return;
  guint8 pt = buf[1] & 0x7f;
  guint16 seq = (guint16)(buf[2] << 8 | buf[3]);
  guint32 ssrc = (guint32)buf[8] << 24 | (guint32)buf[9] << 16 | (guint32)buf[10] << 8 | buf[11];
  LoadStream *s = find_stream(p, ssrc, pt);
  if (!s)
    return;
  if (s->received == 0) {
    s->base = s->ext_max = (guint64)seq + 65536; /* room for reordering before the first */
  } else {
    gint16 delta = (gint16)(seq - (guint16)s->ext_max);
    if (delta > 0)
      s->ext_max += (guint64)delta;
    else if ((gint64)s->ext_max + delta < (gint64)s->base)
      s->base = s->ext_max + delta; /* reordered ahead of the first one */
  }
  s->received++;
  s->bytes += len;
  if (verified) {
    if (payload_checks(s->kind, buf, len))
      s->verified++;
    else
      s->bad++;
  }
}

void
load_stats_add(const LoadParticipant *p, LoadCounts *out)
{
  for (guint i = 0; i < p->n_streams; i++) {
    const LoadStream *s = &p->streams[i];
    out->received[s->kind] += s->received;
    out->expected[s->kind] += s->received ? s->ext_max - s->base + 1 : 0;
    out->bytes[s->kind] += s->bytes;
    out->verified[s->kind] += s->verified;
    out->bad[s->kind] += s->bad;
  }
}

static void
put32(guint8 *p, guint32 v)
{
  p[0] = (guint8)(v >> 24);
  p[1] = (guint8)(v >> 16);
  p[2] = (guint8)(v >> 8);
  p[3] = (guint8)v;
}

gsize
load_stats_write_rr(const LoadParticipant *p, guint8 *buf, gsize cap)
{
  guint n = 0;
  for (guint i = 0; i < p->n_streams && n < 31; i++)
    n += p->streams[i].received > 0;
  gsize len = 8 + 24 * (gsize)n;
  if (cap < len)
    return 0;
  memset(buf, 0, len);
  buf[0] = (guint8)(0x80 | n);
  buf[1] = 201;
  buf[2] = (guint8)((len / 4 - 1) >> 8);
  buf[3] = (guint8)(len / 4 - 1);
  put32(buf + 4, p->rtcp_ssrc);
  guint8 *b = buf + 8;
  for (guint i = 0; i < p->n_streams && b < buf + len; i++) {
    const LoadStream *s = &p->streams[i];
    if (!s->received)
      continue;
    guint64 expected = s->ext_max - s->base + 1;
    gint64 lost = (gint64)expected - (gint64)s->received;
    lost = CLAMP(lost, -0x800000, 0x7fffff);
    put32(b, s->ssrc);
    put32(b + 4, (guint32)lost & 0xffffff); /* fraction lost 0: reported cumulatively */
    put32(b + 8, (guint32)(s->ext_max - 65536));
    b += 24; /* jitter, LSR and DLSR stay 0 */
  }
  return len;
}
