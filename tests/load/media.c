/* media.c — IVF (VP8) and Ogg (Opus) readers and the RTP packetizer of the
 * load peer (see media.h). Runs once at start-up; the send path only calls
 * load_media_write_rtp(). */
#include "media.h"

#include <gio/gio.h>
#include <string.h>

#define RTP_HEADER 12
#define IVF_HEADER 32
#define IVF_FRAME_HEADER 12

static guint16
le16(const guint8 *p)
{
  return (guint16)(p[0] | p[1] << 8);
}

static guint32
le32(const guint8 *p)
{
  return (guint32)p[0] | (guint32)p[1] << 8 | (guint32)p[2] << 16 | (guint32)p[3] << 24;
}

static guint64
le64(const guint8 *p)
{
  return (guint64)le32(p) | (guint64)le32(p + 4) << 32;
}

static void
track_init(LoadTrack *track, guint32 clock_rate)
{
  track->packets = g_array_new(FALSE, TRUE, sizeof(LoadPacket));
  track->clock_rate = clock_rate;
}

/* ---- VP8 in IVF ------------------------------------------------------------ */

static gboolean
read_ivf(LoadMedia *media, const char *path, guint max_packet, GError **error)
{
  g_autofree guint8 *file = NULL;
  gsize size;
  if (!g_file_get_contents(path, (char **)&file, &size, error))
    return FALSE;
  if (size < IVF_HEADER || memcmp(file, "DKIF", 4) != 0 || memcmp(file + 8, "VP80", 4) != 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: not a VP8 IVF file", path);
    return FALSE;
  }
  gsize pos = le16(file + 6);
  media->width = le16(file + 12);
  media->height = le16(file + 14);
  guint64 den = le32(file + 16), num = le32(file + 20);
  if (pos < IVF_HEADER || den == 0 || num == 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: bad IVF header", path);
    return FALSE;
  }
  LoadTrack *track = &media->tracks[LOAD_VIDEO];
  track_init(track, 90000);
  guint max_chunk = max_packet - RTP_HEADER - LOAD_VP8_DESCRIPTOR;
  guint64 first_pts = 0, last_pts = 0, frame_ticks = 1;
  while (pos + IVF_FRAME_HEADER <= size) {
    guint32 len = le32(file + pos);
    guint64 pts = le64(file + pos + 4);
    pos += IVF_FRAME_HEADER;
    if (len == 0 || len > size - pos) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                  "%s: frame %u runs past the end of the file", path, track->frames);
      return FALSE;
    }
    if (track->frames == 0)
      first_pts = pts;
    else if (pts > last_pts)
      frame_ticks = pts - last_pts;
    last_pts = pts;
    guint64 rel = pts - first_pts;
    guint n = (len + max_chunk - 1) / max_chunk;
    guint32 done = 0;
    for (guint i = 0; i < n; i++) {
      /* Chunks of about equal size, as libwebrtc cuts them. */
      guint32 chunk = (len - done) / (n - i);
      LoadPacket p = {
          .at_us = (gint64)(rel * num * G_USEC_PER_SEC / den),
          .ts = (guint32)(rel * num * 90000 / den),
          .offset = media->data->len,
          .len = (guint16)chunk,
          .marker = i == n - 1,
          .start = i == 0,
          .frame = track->frames,
      };
      g_byte_array_append(media->data, file + pos + done, chunk);
      g_array_append_val(track->packets, p);
      done += chunk;
    }
    track->bytes += len;
    track->frames++;
    pos += len;
  }
  if (track->frames == 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: no frames", path);
    return FALSE;
  }
  track->duration_us = (gint64)((last_pts - first_pts + frame_ticks) * num * G_USEC_PER_SEC / den);
  return TRUE;
}

/* ---- Opus in Ogg --------------------------------------------------------------- */

guint
load_opus_samples(const guint8 *data, gsize len)
{
  if (len < 1)
    return 0;
  guint config = data[0] >> 3;
  /* Frame sizes in 1/400 s (2.5 ms) units, RFC 6716 table 2. */
  static const guint silk[] = {4, 8, 16, 24}, hybrid[] = {4, 8}, celt[] = {1, 2, 4, 8};
  guint units = config < 12   ? silk[config % 4]
                : config < 16 ? hybrid[config % 2]
                              : celt[config % 4];
  guint frames;
  switch (data[0] & 3) {
  case 0:
    frames = 1;
    break;
  case 1:
  case 2:
    frames = 2;
    break;
  default:
    if (len < 2)
      return 0;
    frames = data[1] & 0x3f;
  }
  guint samples = frames * units * 120; /* 48000 / 400 */
  return samples <= 5760 ? samples : 0; /* at most 120 ms */
}

/* Appends one Opus packet (the first two of the stream are headers). */
static void
add_opus_packet(LoadMedia *media, const guint8 *data, gsize len, guint *index, guint32 *ts)
{
  LoadTrack *track = &media->tracks[LOAD_AUDIO];
  if ((*index)++ < 2 || len == 0 || len > G_MAXUINT16)
    return;
  guint samples = load_opus_samples(data, len);
  if (samples == 0)
    return;
  LoadPacket p = {
      .at_us = (gint64)*ts * G_USEC_PER_SEC / 48000,
      .ts = *ts,
      .offset = media->data->len,
      .len = (guint16)len,
      .marker = FALSE,
      .start = TRUE,
      .frame = track->frames,
  };
  g_byte_array_append(media->data, data, (guint)len);
  g_array_append_val(track->packets, p);
  track->frames++;
  track->bytes += len;
  *ts += samples;
}

static gboolean
read_ogg(LoadMedia *media, const char *path, GError **error)
{
  g_autofree guint8 *file = NULL;
  gsize size;
  if (!g_file_get_contents(path, (char **)&file, &size, error))
    return FALSE;
  LoadTrack *track = &media->tracks[LOAD_AUDIO];
  track_init(track, 48000);
  g_autoptr(GByteArray) partial = g_byte_array_new();
  guint index = 0;
  guint32 ts = 0, serial = 0;
  gsize pos = 0;
  while (pos + 27 <= size) {
    const guint8 *page = file + pos;
    if (memcmp(page, "OggS", 4) != 0) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: no Ogg page at byte %zu", path,
                  pos);
      return FALSE;
    }
    guint nsegs = page[26];
    if (pos == 0)
      serial = le32(page + 14);
    gsize body = pos + 27 + nsegs;
    gsize total = 0;
    for (guint i = 0; i < nsegs && body <= size; i++)
      total += page[27 + i];
    if (body > size || total > size - body) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                  "%s: the page at byte %zu runs past the end", path, pos);
      return FALSE;
    }
    gboolean ours = le32(page + 14) == serial;
    gsize at = body;
    for (guint i = 0; i < nsegs && ours; i++) {
      guint seg = page[27 + i];
      g_byte_array_append(partial, file + at, seg);
      at += seg;
      if (seg < 255) { /* a lacing value under 255 ends the packet */
        add_opus_packet(media, partial->data, partial->len, &index, &ts);
        g_byte_array_set_size(partial, 0);
      }
    }
    pos = body + total;
  }
  if (track->frames == 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: no Opus packets", path);
    return FALSE;
  }
  track->duration_us = (gint64)ts * G_USEC_PER_SEC / 48000;
  return TRUE;
}

/* ---- Public ------------------------------------------------------------------------ */

LoadMedia *
load_media_new(const char *ivf_path, const char *ogg_path, guint max_packet, GError **error)
{
  g_return_val_if_fail(max_packet > RTP_HEADER + LOAD_VP8_DESCRIPTOR + 16, NULL);
  g_autoptr(LoadMedia) media = g_new0(LoadMedia, 1);
  media->data = g_byte_array_new();
  if (!read_ivf(media, ivf_path, max_packet, error) || !read_ogg(media, ogg_path, error))
    return NULL;
  return g_steal_pointer(&media);
}

void
load_media_free(LoadMedia *media)
{
  if (!media)
    return;
  for (guint k = 0; k < LOAD_KINDS; k++) {
    if (media->tracks[k].packets)
      g_array_unref(media->tracks[k].packets);
  }
  if (media->data)
    g_byte_array_unref(media->data);
  g_free(media);
}

gsize
load_media_write_rtp(const LoadMedia *media, LoadKind kind, const LoadPacket *p, guint8 pt,
                     guint16 seq, guint32 ts, guint32 ssrc, guint16 picture_id, guint8 *buf,
                     gsize cap)
{
  gsize descriptor = kind == LOAD_VIDEO ? LOAD_VP8_DESCRIPTOR : 0;
  gsize len = RTP_HEADER + descriptor + p->len;
  if (len > cap)
    return 0;
  buf[0] = 0x80;
  buf[1] = (guint8)((p->marker ? 0x80 : 0) | (pt & 0x7f));
  buf[2] = (guint8)(seq >> 8);
  buf[3] = (guint8)seq;
  buf[4] = (guint8)(ts >> 24);
  buf[5] = (guint8)(ts >> 16);
  buf[6] = (guint8)(ts >> 8);
  buf[7] = (guint8)ts;
  buf[8] = (guint8)(ssrc >> 24);
  buf[9] = (guint8)(ssrc >> 16);
  buf[10] = (guint8)(ssrc >> 8);
  buf[11] = (guint8)ssrc;
  guint8 *out = buf + RTP_HEADER;
  if (kind == LOAD_VIDEO) {
    out[0] = p->start ? 0x90 : 0x80;            /* X, S; partition index 0 */
    out[1] = 0x80;                              /* I: picture ID present */
    out[2] = 0x80 | ((picture_id >> 8) & 0x7f); /* M: 15-bit picture ID */
    out[3] = (guint8)picture_id;
    out += LOAD_VP8_DESCRIPTOR;
  }
  memcpy(out, media->data->data + p->offset, p->len);
  return len;
}
