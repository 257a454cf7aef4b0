/* load.h — what the parts of witness-load share: the run, its rooms and its
 * participants, and the table each signaling protocol fills in.
 *
 * witness-load publishes a pre-encoded clip into each room and subscribes many
 * receivers to it, through witnessd (our protocol, witness_client.c) or Janus
 * (VideoRoom over its WebSocket transport, janus_client.c). A participant is
 * one WebRTC connection: a WtPeer (server/peer.h) negotiated over its own
 * WebSocket. Subscribers do not decode: they count packets from the RTP
 * header and authenticate and decrypt only one packet in --sample.
 *
 * Threads: one. Everything runs on the default GMainContext of the main
 * thread, so that the load peer uses one core; nothing here locks.
 */
#pragma once

#include <libsoup/soup.h>
#include <json-glib/json-glib.h>

#include "media.h"
#include "peer.h"
#include "srtp.h"

G_BEGIN_DECLS

typedef struct _LoadRun LoadRun;
typedef struct _LoadRoom LoadRoom;
typedef struct _LoadParticipant LoadParticipant;

typedef enum {
  LOAD_SERVER_WITNESS,
  LOAD_SERVER_JANUS,
} LoadServer;

typedef struct {
  LoadServer server;
  char *url;         /* ws://127.0.0.1:PORT/ws (witnessd) or ws://127.0.0.1:8188/ (Janus) */
  char *secret;      /* witnessd: the token HMAC key (token.key without white space) */
  char *video_path;  /* VP8 IVF */
  char *audio_path;  /* Opus Ogg */
  guint subscribers; /* in all rooms together */
  guint room_size;   /* subscribers per room (one publisher each); 0 = all in one */
  guint sample;      /* unprotect one RTP packet in this many (1 = all) */
  guint parallel;    /* subscribers connecting at once */
  double warmup_s, duration_s, join_timeout_s;
  int server_pid;     /* 0, or the server process to measure (/proc) */
  gboolean details;   /* one line per subscriber as well */
  gboolean verbose;   /* log the peers' messages too */
  char *room_prefix;  /* witnessd room names: PREFIX-0, PREFIX-1... */
  guint64 janus_room; /* first Janus room number */
} LoadOptions;

typedef enum {
  LOAD_SIGNALING,  /* talking to the server, no media connection yet */
  LOAD_CONNECTING, /* ICE and DTLS running */
  LOAD_CONNECTED,  /* SRTP keys in place: media flows */
  LOAD_FAILED,
} LoadState;

/* ---- Publisher: paced sending of the clip (sender.c) ----------------------- */

typedef struct {
  guint32 ssrc;
  guint8 pt;
  guint16 seq;
  guint32 ts_base;
  guint cursor; /* next packet of the loop */
  guint loop;   /* loops done */
  guint64 packets, bytes;
} LoadSendTrack;

typedef struct {
  LoadSendTrack tracks[LOAD_KINDS];
  gint64 start_us; /* monotonic time of the clip's start; 0 = not started */
} LoadSender;

/* Picks SSRCs, sequence numbers and timestamp bases at random. */
void load_sender_init(LoadSender *s);
/* Sends, through @peer, every packet due by @now_us (monotonic); starts the
 * clip on the first call. Returns when the next packet is due. */
gint64 load_sender_pump(LoadSender *s, const LoadMedia *media, WtPeer *peer, gint64 now_us);
/* Writes an RTCP sender report for track @kind into @buf; returns its length. */
gsize load_sender_write_sr(const LoadSender *s, const LoadMedia *media, LoadKind kind,
                           gint64 now_us, guint8 *buf, gsize cap);

/* ---- Subscriber: what arrived (stats.c) -------------------------------------- */

#define LOAD_MAX_STREAMS 8

typedef struct {
  guint32 ssrc;
  LoadKind kind;
  guint64 base;     /* extended sequence number of the first packet */
  guint64 ext_max;  /* highest extended sequence number */
  guint64 received; /* packets, duplicates included */
  guint64 bytes;    /* as received (SRTP) */
  guint64 verified; /* authenticated and decrypted, with a payload that checks */
  guint64 bad;      /* decrypted, but the payload is not what was sent */
} LoadStream;

typedef struct {
  guint64 received[LOAD_KINDS], expected[LOAD_KINDS], bytes[LOAD_KINDS], verified[LOAD_KINDS],
      bad[LOAD_KINDS];
} LoadCounts;

/* Counts one packet: @verified when WtPeer unprotected it (then @buf is plain
 * RTP), else @buf is SRTP as received. */
void load_stats_packet(LoadParticipant *p, const guint8 *buf, gsize len, gboolean verified);
/* Adds @p's totals so far to @out. */
void load_stats_add(const LoadParticipant *p, LoadCounts *out);
/* Writes an RTCP receiver report about @p's streams; returns its length. */
gsize load_stats_write_rr(const LoadParticipant *p, guint8 *buf, gsize cap);

/* ---- Signaling protocols ------------------------------------------------------ */

typedef struct {
  const char *name;
  /* Connects to the server and sets up @p's media connection: publish for a
   * publisher, subscribe to the room's publisher for a subscriber. Progress
   * comes back through load_rtc_*() and load_participant_fail(). */
  void (*start)(LoadParticipant *p);
  /* Trickles a local candidate ("candidate:…"), NULL for the end of them. */
  void (*send_candidate)(LoadParticipant *p, const char *candidate);
  /* Frees the protocol state of @p (closes its WebSocket). */
  void (*free)(LoadParticipant *p);
} LoadProtocol;

extern const LoadProtocol load_witness_protocol;
extern const LoadProtocol load_janus_protocol;

/* ---- Participants, rooms, the run ---------------------------------------------- */

struct _LoadParticipant {
  LoadRun *run;
  LoadRoom *room;
  gboolean publisher;
  guint index; /* subscriber number in the run, or the room's number */
  char *name;  /* "pub-0", "sub-17" */
  LoadState state;
  char *failure;
  gint64 started_us, connected_us;

  WtPeer *peer;
  gboolean sdp_sent;       /* later local candidates are trickled */
  gboolean gathering_done; /* before the SDP was written */

  /* Subscriber. */
  guint8 pt_kind[128]; /* 0 unknown, else 1 + LoadKind, from the offer */
  LoadStream streams[LOAD_MAX_STREAMS];
  guint n_streams;
  guint32 rtcp_ssrc;

  /* Publisher. */
  LoadSender sender;

  gpointer proto; /* the protocol's state */
};

struct _LoadRoom {
  LoadRun *run;
  guint index;
  char *name;         /* witnessd room */
  guint64 janus_room; /* Janus room number */
  guint64 janus_feed; /* the publisher's feed id, once it joined */
  LoadParticipant *publisher;
  gboolean ready; /* load_room_ready() was called: subscribers may start */
};

struct _LoadRun {
  LoadOptions opt;
  const LoadProtocol *protocol;
  LoadMedia *media;
  WtDtlsIdentity *identity;
  SoupSession *soup;
  GMainLoop *loop;
  GPtrArray *rooms;       /* LoadRoom* */
  GPtrArray *subscribers; /* LoadParticipant* */
  guint next_subscriber;  /* the next one to start */
  guint in_flight;        /* subscribers started, neither connected nor failed */
  guint connected, failed;
  gboolean window_scheduled, window_open;
  gint64 started_us, all_resolved_us; /* monotonic */
  guint64 rss_before_kib;             /* the server's, before anyone joined */
  GSource *pacer;
  guint ticker; /* the 1 s tick (reports, join timeouts); removed before freeing */
};

/* run.c: the course of the run. */

/* Starts the publishers and the timers; the rest follows from the main loop,
 * which is quit when the measured window closes. */
void load_run_start(LoadRun *run);
/* Prints the report (its last line "RESULT key=value ..."); TRUE when every
 * subscriber connected and received good audio and video in the window. */
gboolean load_run_report(LoadRun *run);

/* rtc.c: the media connection of a participant, on WtPeer. */

/* Creates @p's WtPeer (publisher: we offer and control ICE) and returns our
 * offer (transfer full), or NULL with @error. */
char *load_rtc_publish_offer(LoadParticipant *p, GError **error);
/* Applies the server's answer to our publish offer. */
gboolean load_rtc_publish_answer(LoadParticipant *p, const char *sdp, GError **error);
/* Answers a subscribe offer (creating the WtPeer on the first one); returns
 * the answer (transfer full) or NULL with @error. */
char *load_rtc_subscribe_answer(LoadParticipant *p, const char *sdp, GError **error);
/* A remote candidate ("candidate:…"; "a=" allowed). Unusable ones are ignored. */
void load_rtc_add_candidate(LoadParticipant *p, const char *candidate);

/* main.c: progress of a participant. */

/* Marks @p failed (once) with a reason, and moves the run on. */
void load_participant_fail(LoadParticipant *p, const char *format, ...) G_GNUC_PRINTF(2, 3);
/* @p's media connection is up. */
void load_participant_connected(LoadParticipant *p);
/* A Janus publisher has its feed id: subscribers of its room may start. */
void load_room_ready(LoadRoom *room);

/* ws.c: a JSON-over-WebSocket connection (libsoup). */

typedef struct _LoadWs LoadWs;
typedef struct {
  void (*open)(LoadWs *ws, gpointer user_data);
  /* A message that is a JSON object (transfer none). */
  void (*message)(LoadWs *ws, JsonObject *msg, gpointer user_data);
  /* The connection failed or closed; @why says how. Not called after load_ws_free(). */
  void (*closed)(LoadWs *ws, const char *why, gpointer user_data);
} LoadWsCallbacks;

/* Opens @url with subprotocol @protocol (may be NULL); callbacks borrowed. */
LoadWs *load_ws_open(SoupSession *soup, const char *url, const char *protocol,
                     const LoadWsCallbacks *callbacks, gpointer user_data);
/* Sends @msg (transfer full) as one text frame; dropped when not open. */
void load_ws_send(LoadWs *ws, JsonObject *msg);
void load_ws_free(LoadWs *ws);

G_END_DECLS
