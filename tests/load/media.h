/* media.h — the load peer's media: a pre-encoded VP8 file (IVF) and an Opus
 * file (Ogg), read once into memory and cut into RTP payloads, so that
 * publishing costs no encoder at run time.
 *
 * Video follows RFC 7741: each frame is split into payloads of about equal
 * size under a byte limit; each gets a 4-byte payload descriptor (X=1, S on
 * the first packet of a frame, I=1 with a 15-bit picture ID) written at send
 * time by load_media_write_rtp(), and the marker goes on the last packet of a
 * frame. Audio is one Opus packet per RTP packet (RFC 7587), its duration read
 * from the TOC byte.
 *
 *   g_autoptr(GError) error = NULL;
 *   LoadMedia *media = load_media_new("clip.ivf", "clip.ogg", 1200, &error);
 *   const LoadTrack *video = &media->tracks[LOAD_VIDEO];
 *   for (guint i = 0; i < video->packets->len; i++) ...
 *
 * Pure and single-threaded: nothing here does I/O after load_media_new().
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  LOAD_AUDIO,
  LOAD_VIDEO,
  LOAD_KINDS,
} LoadKind;

#define LOAD_PT_OPUS 111
#define LOAD_PT_VP8 96
#define LOAD_VP8_DESCRIPTOR 4 /* bytes of the VP8 payload descriptor we write */

/* One RTP packet of a track, in sending order. */
typedef struct {
  gint64 at_us;    /* when to send it, from the start of the clip */
  guint32 ts;      /* RTP timestamp from the start of the clip (clock units) */
  guint32 offset;  /* of the payload in LoadMedia.data */
  guint16 len;     /* payload bytes (without the VP8 descriptor) */
  gboolean marker; /* last packet of a video frame */
  gboolean start;  /* first packet of a video frame */
  guint32 frame;   /* video frame index in the clip (for the picture ID) */
} LoadPacket;

typedef struct {
  GArray *packets;    /* LoadPacket */
  gint64 duration_us; /* the clip's length: the track loops after it */
  guint32 clock_rate; /* 48000 or 90000 */
  guint32 frames;     /* video frames (audio: packets) in one loop */
  guint64 bytes;      /* payload bytes in one loop */
} LoadTrack;

typedef struct {
  GByteArray *data; /* every payload, back to back */
  LoadTrack tracks[LOAD_KINDS];
  guint width, height;
} LoadMedia;

/* Reads @ivf_path (VP8 in IVF) and @ogg_path (Opus in Ogg) and packetizes them
 * so that no RTP packet (12-byte header + payload) exceeds @max_packet bytes.
 * Returns the media (transfer full) or NULL with @error naming the file and
 * what is wrong with it. */
LoadMedia *load_media_new(const char *ivf_path, const char *ogg_path, guint max_packet,
                          GError **error);
void load_media_free(LoadMedia *media);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LoadMedia, load_media_free)

/* Writes packet @p of @kind as RTP into @buf (room for @cap bytes): header
 * with @seq, @ts and @ssrc and payload type LOAD_PT_OPUS or @video_pt /
 * @audio_pt, then the payload (VP8: descriptor with @picture_id first).
 * Returns the packet length, or 0 when @cap is too small. */
gsize load_media_write_rtp(const LoadMedia *media, LoadKind kind, const LoadPacket *p, guint8 pt,
                           guint16 seq, guint32 ts, guint32 ssrc, guint16 picture_id, guint8 *buf,
                           gsize cap);

/* Samples (at 48 kHz) in the Opus packet @data of @len bytes, from its TOC
 * (RFC 6716 §3.1); 0 when it is malformed. */
guint load_opus_samples(const guint8 *data, gsize len);

G_END_DECLS
