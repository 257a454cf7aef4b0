/* rtcp.c — bounded walking of compound RTCP, and the packets we build. Pure. */
#include "rtcp.h"

#include <string.h>

static guint32
read32(const guint8 *p)
{
  return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
}

static void
write32(guint8 *p, guint32 v)
{
  p[0] = (guint8)(v >> 24);
  p[1] = (guint8)(v >> 16);
  p[2] = (guint8)(v >> 8);
  p[3] = (guint8)v;
}

void
wt_rtcp_iter_init(WtRtcpIter *it, const guint8 *data, gsize len)
{
  it->data = data;
  it->len = data ? len : 0;
  it->pos = 0;
}

int
wt_rtcp_iter_next(WtRtcpIter *it, WtRtcpPacket *out)
{
  memset(out, 0, sizeof *out);
  gsize left = it->len - it->pos;
  if (left == 0)
    return -ENOENT;
  const guint8 *p = it->data + it->pos;
  if (left < 4) {
    it->pos = it->len;
    return -EMSGSIZE;
  }
  if ((p[0] >> 6) != 2) {
    it->pos = it->len;
    return -EBADMSG;
  }
  gsize bytes = 4 * ((gsize)((p[2] << 8) | p[3]) + 1);
  if (bytes > left) {
    it->pos = it->len;
    return -EMSGSIZE;
  }
  out->type = p[1];
  out->fmt = p[0] & 0x1f;
  out->data = p;
  out->len = bytes;
  if (bytes >= 8)
    out->sender_ssrc = read32(p + 4);
  if ((out->type == WT_RTCP_RTPFB || out->type == WT_RTCP_PSFB) && bytes >= 12)
    out->media_ssrc = read32(p + 8);
  it->pos += bytes;
  return 0;
}

int
wt_rtcp_write_pli(guint8 *buf, gsize cap, guint32 sender_ssrc, guint32 media_ssrc)
{
  if (cap < 12)
    return -EMSGSIZE;
  buf[0] = 0x80 | WT_RTCP_PSFB_PLI;
  buf[1] = WT_RTCP_PSFB;
  buf[2] = 0;
  buf[3] = 2; /* length in words minus one */
  write32(buf + 4, sender_ssrc);
  write32(buf + 8, media_ssrc);
  return 12;
}

int
wt_rtcp_sr_set_ssrc(guint8 *sr, gsize len, guint32 ssrc)
{
  if (len < 8 || sr[1] != WT_RTCP_SR)
    return -EINVAL;
  write32(sr + 4, ssrc);
  return 0;
}
