/* bytes.h — big-endian (network order) reads and writes of 16- and 32-bit
 * values at an unaligned position, for the RTP and RTCP parsers and writers.
 * The caller has checked that the bytes are there. */
#pragma once

#include <glib.h>

static inline guint16
wt_rd16(const guint8 *p)
{
  return (guint16)((p[0] << 8) | p[1]);
}

static inline guint32
wt_rd32(const guint8 *p)
{
  return ((guint32)p[0] << 24) | ((guint32)p[1] << 16) | ((guint32)p[2] << 8) | p[3];
}

static inline void
wt_wr16(guint8 *p, guint16 v)
{
  p[0] = (guint8)(v >> 8);
  p[1] = (guint8)v;
}

static inline void
wt_wr32(guint8 *p, guint32 v)
{
  p[0] = (guint8)(v >> 24);
  p[1] = (guint8)(v >> 16);
  p[2] = (guint8)(v >> 8);
  p[3] = (guint8)v;
}
