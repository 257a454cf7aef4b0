/* peer.h — one WebRTC transport: ICE (libnice), DTLS-SRTP, SRTP.
 *
 * A WtPeer is the network half of a PeerConnection: one bundled, rtcp-muxed
 * ICE component, the DTLS handshake over it, and the SRTP sessions it keys.
 * It knows nothing of rooms or SDP text: the caller passes the remote ICE
 * credentials and DTLS fingerprint, gets local candidates back as
 * "candidate:…" strings, and receives decrypted RTP/RTCP in callbacks.
 *
 * Lifecycle: NEW → (ICE checks) → ICE connected → DTLS → CONNECTED, or FAILED
 * at any point (ICE failure before CONNECTED, DTLS failure or fingerprint
 * mismatch, no connection within the connect timeout, or nothing received for
 * the silence timeout once connected). Once CONNECTED, libnice reporting the
 * pair failed (an unanswered ICE consent check) is logged but does not end the
 * peer: media goes on over the selected pair, and only the silence timeout
 * ends it. DTLS datagrams are accepted only once ICE has a validated pair;
 * earlier ones are held (a few) and replayed then.
 *
 * Threads: a peer lives on one worker for its whole life; every call and
 * callback happens on that worker's GMainContext. Callbacks must not free the
 * peer; failed() is delivered from an idle so the owner may free it there.
 */
#pragma once

#include <glib.h>

#include "dtls.h"

G_BEGIN_DECLS

typedef struct _WtPeer WtPeer;

typedef struct {
  /* The worker context everything runs on (borrowed; must outlive the peer). */
  GMainContext *context;
  WtDtlsIdentity *identity; /* ref taken */
  /* ICE role: TRUE when we made the offer (full ICE: the offerer controls). */
  gboolean controlling;
  WtDtlsRole dtls_role;
  /* Local addresses to gather on; NULL: every interface libnice finds, plus
   * 127.0.0.1 when no other interface is up. Strings borrowed for the call. */
  const char *const *addresses;
  /* Also offer 127.0.0.1 even when other interfaces are up. */
  gboolean loopback;
  /* 1:1 NAT: the public address to announce instead of each host address. */
  const char *public_address;
  guint port_min, port_max; /* 0, 0 for any */
  guint connect_timeout_s;  /* fail if not connected by then */
  guint silence_timeout_s;  /* fail when nothing arrives for this long once connected */
  const char *log_prefix;   /* e.g. "room demo: p-ab12 publish" */
} WtPeerConfig;

typedef struct {
  /* A local candidate, "candidate:…" (transfer none); NULL when gathering is done. */
  void (*local_candidate)(WtPeer *peer, const char *candidate, gpointer user_data);
  /* DTLS is done and SRTP keys are in place: media may flow. */
  void (*connected)(WtPeer *peer, gpointer user_data);
  /* The peer is dead; @reason says why. Called once, from an idle. */
  void (*failed)(WtPeer *peer, const char *reason, gpointer user_data);
  /* Decrypted RTP / RTCP. @buf (transfer none) may be modified in place and
   * holds @len bytes plus WT_SRTP_MAX_TRAILER spare. */
  void (*rtp)(WtPeer *peer, guint8 *buf, gsize len, gpointer user_data);
  void (*rtcp)(WtPeer *peer, guint8 *buf, gsize len, gpointer user_data);
} WtPeerCallbacks;

/* Creates the ICE agent and starts gathering; candidates come through the
 * callback (host candidates usually before this returns). NULL with @error. */
WtPeer *wt_peer_new(const WtPeerConfig *config, const WtPeerCallbacks *callbacks,
                    gpointer user_data, GError **error);
void wt_peer_free(WtPeer *peer);

/* Our ICE credentials for the SDP (owned by @peer; change on ICE restart). */
const char *wt_peer_get_ufrag(WtPeer *peer);
const char *wt_peer_get_pwd(WtPeer *peer);

/* Candidates gathered so far, as "candidate:…" strings (transfer container). */
GPtrArray *wt_peer_get_local_candidates(WtPeer *peer);

/* Sets the remote side from its SDP: ICE credentials and DTLS fingerprint
 * (hash name and value). On the first call ICE checks start; a later call with
 * different credentials is an ICE restart (the local credentials change too,
 * unless wt_peer_restart_ice() already changed them), keeping DTLS and SRTP as
 * they are. A changed fingerprint on a later call is refused. */
gboolean wt_peer_set_remote(WtPeer *peer, const char *ufrag, const char *pwd,
                            const char *fingerprint_hash, const char *fingerprint,
                            GError **error);

/* Chooses the DTLS role when it is only known from the answer (we offered
 * setup:actpass). Only before the first wt_peer_set_remote(). */
void wt_peer_set_dtls_role(WtPeer *peer, WtDtlsRole role);

/* Restarts ICE with fresh local credentials; call before writing the new
 * offer, then wt_peer_set_remote() with the answer's credentials. */
void wt_peer_restart_ice(WtPeer *peer);

/* Adds a trickled remote candidate ("candidate:…" with or without "a=").
 * FALSE with @error when it cannot be parsed (mDNS names are refused). */
gboolean wt_peer_add_remote_candidate(WtPeer *peer, const char *candidate, GError **error);

/* Protects and sends @buf in place; @buf must have WT_SRTP_MAX_TRAILER spare
 * bytes past @len. Returns 0 or a negative errno (-ENOTCONN before connected). */
int wt_peer_send_rtp(WtPeer *peer, guint8 *buf, gsize len);
int wt_peer_send_rtcp(WtPeer *peer, guint8 *buf, gsize len);

gboolean wt_peer_is_connected(const WtPeer *peer);
/* The remote ICE ufrag last set (owned by @peer), NULL before wt_peer_set_remote(). */
const char *wt_peer_get_remote_ufrag(const WtPeer *peer);
/* The SRTP profile DTLS chose (NONE before connected). */
WtSrtpProfile wt_peer_get_srtp_profile(const WtPeer *peer);

/* For receive-only load clients (tests/load): from now on only one RTP packet
 * in @one_in is unprotected (authenticated and decrypted) and given to rtp();
 * the others go to @raw as they arrived (@buf transfer none, read-only: the
 * header is in the clear, the payload encrypted, the auth tag at the end), so
 * they can be counted without the cost of SRTP. @one_in 0 or 1 unprotects
 * every packet again (the default); RTCP is always unprotected. */
typedef void (*WtPeerRawRtpFunc)(WtPeer *peer, const guint8 *buf, gsize len, gpointer user_data);
void wt_peer_set_rtp_sampling(WtPeer *peer, guint one_in, WtPeerRawRtpFunc raw);

G_END_DECLS
