/* peer.c — ICE with libnice, then DTLS-SRTP, then SRTP, for one transport.
 * Everything runs on the peer's worker context (see peer.h). */
#include "peer.h"

#include <errno.h>
#include <gio/gio.h>
#include <nice/agent.h>
#include <nice/interfaces.h>
#include <string.h>
#include <sys/socket.h>

#include "srtp.h"

#define MAX_HELD_DTLS 8
#define RX_BUFFER 2048

typedef enum {
  PEER_NEW,
  PEER_ICE_CONNECTED,
  PEER_CONNECTED,
  PEER_FAILED,
} PeerState;

struct _WtPeer {
  WtPeerConfig config;
  char *log_prefix;
  char *public_address;
  WtPeerCallbacks callbacks;
  gpointer user_data;
  GMainContext *context;
  WtDtlsIdentity *identity;

  NiceAgent *agent;
  guint stream;
  char *ufrag, *pwd;
  char *remote_ufrag, *remote_pwd;
  gboolean local_restart_pending;
  GPtrArray *local_candidates; /* char* "candidate:…" */
  gboolean gathering_done;

  PeerState state;
  WtDtls *dtls;
  GQueue held_dtls; /* GBytes received before ICE was connected */
  WtSrtp *srtp;
  WtSrtpProfile profile;

  gint64 created_us, last_rx_us;
  /* When libnice last reported FAILED while we were connected (see
   * on_component_state()); 0 while ICE is fine. */
  gint64 consent_lost_us;
  GSource *watchdog;
  GSource *failure_idle;
  char *failure;
  guint64 srtp_errors;
  guint rtp_sample; /* wt_peer_set_rtp_sampling(); 0 = unprotect all */
  guint rtp_sample_count;
  WtPeerRawRtpFunc raw_rtp;

  /* Media goes straight to the selected pair's socket (see refresh_direct()). */
  GSocket *direct_socket; /* ref; NULL: send through nice_agent_send() */
  int direct_fd;
  union {
    struct sockaddr sa;
    struct sockaddr_storage storage;
  } direct_to;
  socklen_t direct_to_len;

  guint8 rx[RX_BUFFER + WT_SRTP_MAX_TRAILER];
};

static void schedule_watchdog(WtPeer *peer);

/* ---- Failure: reported once, from an idle, so the owner may free us ----- */

static gboolean
deliver_failure(gpointer data)
{
  WtPeer *peer = data;
  g_clear_pointer(&peer->failure_idle, g_source_unref);
  peer->callbacks.failed(peer, peer->failure, peer->user_data);
  return G_SOURCE_REMOVE;
}

static void
peer_fail(WtPeer *peer, const char *reason)
{
  if (peer->state == PEER_FAILED)
    return;
  peer->state = PEER_FAILED;
  peer->failure = g_strdup(reason);
  g_message("%s: failed: %s", peer->log_prefix, reason);
  peer->failure_idle = g_idle_source_new();
  g_source_set_callback(peer->failure_idle, deliver_failure, peer, NULL);
  g_source_attach(peer->failure_idle, peer->context);
}

/* ---- DTLS ------------------------------------------------------------------ */

static void
dtls_send(const guint8 *data, gsize len, gpointer user_data)
{
  WtPeer *peer = user_data;
  nice_agent_send(peer->agent, peer->stream, 1, (guint)len, (const gchar *)data);
}

static void
dtls_connected(const WtSrtpKeys *keys, gpointer user_data)
{
  WtPeer *peer = user_data;
  g_autoptr(GError) error = NULL;
  peer->srtp = wt_srtp_new(keys, &error);
  if (!peer->srtp) {
    peer_fail(peer, error->message);
    return;
  }
  peer->profile = keys->profile;
  peer->state = PEER_CONNECTED;
  schedule_watchdog(peer); /* from the connect deadline to the silence deadline */
  g_message("%s: connected (%s) in %" G_GINT64_FORMAT " ms", peer->log_prefix,
            wt_srtp_profile_name(keys->profile),
            (g_get_monotonic_time() - peer->created_us) / 1000);
  peer->callbacks.connected(peer, peer->user_data);
}

static void
dtls_failed(const char *reason, gpointer user_data)
{
  peer_fail(user_data, reason);
}

static const WtDtlsCallbacks dtls_callbacks = {dtls_send, dtls_connected, dtls_failed};

static void
start_dtls_if_ready(WtPeer *peer)
{
  if (peer->state != PEER_ICE_CONNECTED || !peer->dtls)
    return;
  wt_dtls_start(peer->dtls);
  GBytes *held;
  while ((held = g_queue_pop_head(&peer->held_dtls))) {
    gsize len;
    const guint8 *data = g_bytes_get_data(held, &len);
    if (peer->state != PEER_FAILED)
      wt_dtls_receive(peer->dtls, data, len);
    g_bytes_unref(held);
  }
}

/* ---- Receiving ------------------------------------------------------------- */

static void
receive_srtp(WtPeer *peer, const guint8 *data, gsize len)
{
  if (!peer->srtp || len > RX_BUFFER || len < 12)
    return;
  gboolean rtcp = data[1] >= 192 && data[1] <= 223; /* RFC 5761 */
  if (!rtcp && peer->rtp_sample > 1 && peer->rtp_sample_count++ % peer->rtp_sample != 0) {
    peer->raw_rtp(peer, data, len, peer->user_data);
    return;
  }
  memcpy(peer->rx, data, len);
  int rc = rtcp ? wt_srtp_unprotect_rtcp(peer->srtp, peer->rx, &len)
                : wt_srtp_unprotect_rtp(peer->srtp, peer->rx, &len);
  if (rc != 0) {
    /* Replays and stray packets happen; say so only now and then. */
    if (peer->srtp_errors++ % 100 == 0)
      g_debug("%s: dropped an SRTP packet that did not unprotect (%d), %" G_GUINT64_FORMAT
              " so far",
              peer->log_prefix, rc, peer->srtp_errors);
    return;
  }
  if (rtcp)
    peer->callbacks.rtcp(peer, peer->rx, len, peer->user_data);
  else
    peer->callbacks.rtp(peer, peer->rx, len, peer->user_data);
}

static void
on_receive(NiceAgent *agent, guint stream, guint component, guint len, gchar *buf,
           gpointer user_data)
{
  WtPeer *peer = user_data;
  if (peer->state == PEER_FAILED || len == 0)
    return;
  peer->last_rx_us = g_get_monotonic_time();
  guint8 first = (guint8)buf[0];
  if (first >= 20 && first <= 63) { /* DTLS (RFC 7983) */
    if (peer->state == PEER_NEW || !peer->dtls) {
      if (g_queue_get_length(&peer->held_dtls) < MAX_HELD_DTLS)
        g_queue_push_tail(&peer->held_dtls, g_bytes_new(buf, len));
    } else {
      wt_dtls_receive(peer->dtls, (const guint8 *)buf, len);
    }
  } else if (first >= 128 && first <= 191) { /* RTP or RTCP */
    receive_srtp(peer, (const guint8 *)buf, len);
  }
}

/* ---- Sending ---------------------------------------------------------------- */

/* nice_agent_send() takes the agent's lock and goes through GSocket for every
 * datagram; on the packet path that cost as much as the send itself. Once ICE
 * has selected a pair whose local side is a plain UDP socket (not a relay),
 * SRTP goes to that socket's fd directly. libnice still owns the socket, answers
 * and sends the checks, consent and keepalives, and tells us (state change, new
 * pair, restart) when the pair changes, whereupon this runs again. DTLS and
 * relayed or TCP pairs keep going through the agent. */
static void
refresh_direct(WtPeer *peer, guint ice_state)
{
  /* After a consent loss libnice refuses to send ("consent revoked"), but the
   * pair's socket is still there: keep using it until ICE is back. (A relayed
   * or TCP pair has no direct path, so sending to it stops meanwhile.) */
  if (peer->consent_lost_us && ice_state != NICE_COMPONENT_STATE_CONNECTED &&
      ice_state != NICE_COMPONENT_STATE_READY)
    return;
  g_clear_object(&peer->direct_socket);
  peer->direct_fd = -1;
  if (ice_state != NICE_COMPONENT_STATE_CONNECTED && ice_state != NICE_COMPONENT_STATE_READY)
    return;
  NiceCandidate *local = NULL, *remote = NULL;
  if (!nice_agent_get_selected_pair(peer->agent, peer->stream, 1, &local, &remote) ||
      local->type == NICE_CANDIDATE_TYPE_RELAYED ||
      local->transport != NICE_CANDIDATE_TRANSPORT_UDP ||
      remote->transport != NICE_CANDIDATE_TRANSPORT_UDP)
    return;
  GSocket *socket = nice_agent_get_selected_socket(peer->agent, peer->stream, 1);
  if (!socket)
    return;
  if (g_socket_get_family(socket) !=
      (nice_address_ip_version(&remote->addr) == 6 ? G_SOCKET_FAMILY_IPV6 : G_SOCKET_FAMILY_IPV4)) {
    g_object_unref(socket);
    return;
  }
  memset(&peer->direct_to, 0, sizeof peer->direct_to);
  nice_address_copy_to_sockaddr(&remote->addr, &peer->direct_to.sa);
  peer->direct_to_len = nice_address_ip_version(&remote->addr) == 6 ? sizeof(struct sockaddr_in6)
                                                                    : sizeof(struct sockaddr_in);
  peer->direct_socket = socket;
  peer->direct_fd = g_socket_get_fd(socket);
}

static guint
ice_state(WtPeer *peer)
{
  return nice_agent_get_component_state(peer->agent, peer->stream, 1);
}

static void
on_selected_pair(NiceAgent *agent, guint stream, guint component, NiceCandidate *local,
                 NiceCandidate *remote, gpointer user_data)
{
  WtPeer *peer = user_data;
  refresh_direct(peer, ice_state(peer));
}

static int
send_datagram(WtPeer *peer, const guint8 *buf, gsize len)
{
  /* libnice closes a pair's socket only when the stream or the agent goes,
   * neither of which happens while the peer lives. */
  if (peer->direct_fd >= 0) {
    ssize_t sent;
    do
      sent =
          sendto(peer->direct_fd, buf, len, MSG_DONTWAIT, &peer->direct_to.sa, peer->direct_to_len);
    while (sent < 0 && errno == EINTR);
    return sent < 0 ? -errno : 0;
  }
  if (nice_agent_send(peer->agent, peer->stream, 1, (guint)len, (const gchar *)buf) < 0)
    return -EAGAIN;
  return 0;
}

/* ---- ICE --------------------------------------------------------------------- */

static char *
candidate_to_string(WtPeer *peer, NiceCandidate *candidate)
{
  NiceCandidate *announced = candidate;
  NiceCandidate *copy = NULL;
  if (peer->public_address && candidate->type == NICE_CANDIDATE_TYPE_HOST) {
    copy = nice_candidate_copy(candidate);
    guint port = nice_address_get_port(&copy->addr);
    nice_address_set_from_string(&copy->addr, peer->public_address);
    nice_address_set_port(&copy->addr, port);
    announced = copy;
  }
  g_autofree char *line = nice_agent_generate_local_candidate_sdp(peer->agent, announced);
  if (copy)
    nice_candidate_free(copy);
  if (!line)
    return NULL;
  return g_strdup(g_str_has_prefix(line, "a=") ? line + 2 : line);
}

static void
on_new_candidate(NiceAgent *agent, NiceCandidate *candidate, gpointer user_data)
{
  WtPeer *peer = user_data;
  char *text = candidate_to_string(peer, candidate);
  if (!text)
    return;
  g_ptr_array_add(peer->local_candidates, text);
  peer->callbacks.local_candidate(peer, text, peer->user_data);
}

static void
on_gathering_done(NiceAgent *agent, guint stream, gpointer user_data)
{
  WtPeer *peer = user_data;
  peer->gathering_done = TRUE;
  peer->callbacks.local_candidate(peer, NULL, peer->user_data);
}

/* libnice (0.1.21) checks consent every ~5 s and reports FAILED on the
 * selected pair when no answer has come for 10 s (50 s without the consent
 * freshness option), where RFC 7675 allows 30 s; a client whose CPU stalls
 * for a few seconds gets there while its media still arrives. libnice then
 * still delivers what arrives on the pair but refuses to send on it, and may
 * or may not report the pair working again once checks are answered (the
 * controlled side does when the other's check comes; the controlling side
 * stays FAILED). Once connected, that alone does not end the peer: media
 * keeps going both ways on the selected pair (refresh_direct()), and the
 * silence watchdog ends a peer from which nothing arrives any more. */
static void
consent_lost(WtPeer *peer)
{
  if (peer->consent_lost_us)
    return;
  peer->consent_lost_us = g_get_monotonic_time();
  g_warning("%s: ICE consent lost: libnice reports the pair failed (a consent check "
            "unanswered for about 10 s); keeping the peer on that pair while its media "
            "arrives, it ends after %u s with nothing from it",
            peer->log_prefix, peer->config.silence_timeout_s);
}

static void
on_component_state(NiceAgent *agent, guint stream, guint component, guint state, gpointer user_data)
{
  WtPeer *peer = user_data;
  if (state == NICE_COMPONENT_STATE_FAILED && peer->state == PEER_CONNECTED) {
    consent_lost(peer);
    return;
  }
  refresh_direct(peer, state);
  if (peer->state == PEER_FAILED)
    return;
  gboolean up = state == NICE_COMPONENT_STATE_CONNECTED || state == NICE_COMPONENT_STATE_READY;
  if (state == NICE_COMPONENT_STATE_FAILED) {
    peer_fail(peer, "ICE failed: no candidate pair works");
  } else if (up && peer->consent_lost_us) {
    g_message("%s: ICE consent answered again, %.1f s after libnice reported the pair failed",
              peer->log_prefix,
              (g_get_monotonic_time() - peer->consent_lost_us) / (double)G_USEC_PER_SEC);
    peer->consent_lost_us = 0; /* refresh_direct() above took the pair afresh */
  } else if (up && peer->state == PEER_NEW) {
    peer->state = PEER_ICE_CONNECTED;
    g_debug("%s: ICE connected", peer->log_prefix);
    start_dtls_if_ready(peer);
  }
}

static gboolean
add_address(WtPeer *peer, const char *text)
{
  NiceAddress address;
  nice_address_init(&address);
  if (!nice_address_set_from_string(&address, text)) {
    g_warning("%s: ignoring local address `%s`: not an IP address", peer->log_prefix, text);
    return FALSE;
  }
  return nice_agent_add_local_address(peer->agent, &address);
}

/* libnice skips loopback when it enumerates interfaces; tests run in a
 * namespace with only `lo`, so add it ourselves when nothing else is up. */
static void
choose_addresses(WtPeer *peer, const WtPeerConfig *config)
{
  if (config->addresses && config->addresses[0]) {
    for (guint i = 0; config->addresses[i]; i++)
      add_address(peer, config->addresses[i]);
    return;
  }
  GList *ips = nice_interfaces_get_local_ips(FALSE);
  if (!ips || config->loopback) {
    for (GList *l = ips; l; l = l->next)
      add_address(peer, l->data);
    add_address(peer, "127.0.0.1");
  }
  g_list_free_full(ips, g_free);
}

/* The watchdog wakes only at the next deadline (the connect timeout, or the
 * silence timeout counted from the last datagram), not periodically: with
 * hundreds of peers on a worker, a periodic tick per peer meant hundreds of
 * main loop iterations a second, each polling every socket of the worker. */
static void
schedule_watchdog(WtPeer *peer)
{
  gint64 at = -1;
  if (peer->state == PEER_CONNECTED)
    at = peer->last_rx_us + (gint64)peer->config.silence_timeout_s * G_USEC_PER_SEC + 1;
  else if (peer->state != PEER_FAILED)
    at = peer->created_us + (gint64)peer->config.connect_timeout_s * G_USEC_PER_SEC + 1;
  g_source_set_ready_time(peer->watchdog, at);
}

static gboolean
watchdog(gpointer data)
{
  WtPeer *peer = data;
  gint64 now = g_get_monotonic_time();
  if (peer->state != PEER_FAILED && peer->state != PEER_CONNECTED &&
      now - peer->created_us > (gint64)peer->config.connect_timeout_s * G_USEC_PER_SEC) {
    g_autofree char *why =
        g_strdup_printf("not connected within %u s", peer->config.connect_timeout_s);
    peer_fail(peer, why);
  } else if (peer->state == PEER_CONNECTED &&
             now - peer->last_rx_us > (gint64)peer->config.silence_timeout_s * G_USEC_PER_SEC) {
    g_autofree char *why =
        g_strdup_printf("nothing received for %u s", peer->config.silence_timeout_s);
    peer_fail(peer, why);
  }
  schedule_watchdog(peer);
  return G_SOURCE_CONTINUE;
}

static gboolean
watchdog_dispatch(GSource *source, GSourceFunc callback, gpointer data)
{
  return callback(data);
}

static GSourceFuncs watchdog_funcs = {NULL, NULL, watchdog_dispatch, NULL, NULL, NULL};

static void
refresh_credentials(WtPeer *peer)
{
  g_free(peer->ufrag);
  g_free(peer->pwd);
  nice_agent_get_local_credentials(peer->agent, peer->stream, &peer->ufrag, &peer->pwd);
}

WtPeer *
wt_peer_new(const WtPeerConfig *config, const WtPeerCallbacks *callbacks, gpointer user_data,
            GError **error)
{
  WtPeer *peer = g_new0(WtPeer, 1);
  peer->config = *config;
  peer->log_prefix = g_strdup(config->log_prefix ? config->log_prefix : "peer");
  peer->public_address =
      config->public_address && *config->public_address ? g_strdup(config->public_address) : NULL;
  peer->config.addresses = NULL;
  peer->config.public_address = NULL;
  peer->config.log_prefix = NULL;
  peer->callbacks = *callbacks;
  peer->user_data = user_data;
  peer->context = g_main_context_ref(config->context);
  peer->identity = wt_dtls_identity_ref(config->identity);
  peer->local_candidates = g_ptr_array_new_with_free_func(g_free);
  g_queue_init(&peer->held_dtls);
  peer->direct_fd = -1;
  peer->created_us = peer->last_rx_us = g_get_monotonic_time();

  peer->agent =
      nice_agent_new_full(peer->context, NICE_COMPATIBILITY_RFC5245,
                          NICE_AGENT_OPTION_ICE_TRICKLE | NICE_AGENT_OPTION_CONSENT_FRESHNESS);
  g_object_set(peer->agent, "controlling-mode", config->controlling, "ice-tcp", FALSE, "upnp",
               FALSE, NULL);
  choose_addresses(peer, config);
  peer->stream = nice_agent_add_stream(peer->agent, 1);
  if (!peer->stream) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: cannot add an ICE stream",
                peer->log_prefix);
    wt_peer_free(peer);
    return NULL;
  }
  if (config->port_min || config->port_max)
    nice_agent_set_port_range(peer->agent, peer->stream, 1, config->port_min, config->port_max);
  g_signal_connect(peer->agent, "new-candidate-full", G_CALLBACK(on_new_candidate), peer);
  g_signal_connect(peer->agent, "candidate-gathering-done", G_CALLBACK(on_gathering_done), peer);
  g_signal_connect(peer->agent, "component-state-changed", G_CALLBACK(on_component_state), peer);
  g_signal_connect(peer->agent, "new-selected-pair-full", G_CALLBACK(on_selected_pair), peer);
  nice_agent_attach_recv(peer->agent, peer->stream, 1, peer->context, on_receive, peer);
  refresh_credentials(peer);
  if (!nice_agent_gather_candidates(peer->agent, peer->stream)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                "%s: cannot gather ICE candidates (no usable address or port)", peer->log_prefix);
    wt_peer_free(peer);
    return NULL;
  }
  peer->watchdog = g_source_new(&watchdog_funcs, sizeof(GSource));
  g_source_set_callback(peer->watchdog, watchdog, peer, NULL);
  schedule_watchdog(peer);
  g_source_attach(peer->watchdog, peer->context);
  return peer;
}

void
wt_peer_free(WtPeer *peer)
{
  if (!peer)
    return;
  if (peer->watchdog) {
    g_source_destroy(peer->watchdog);
    g_source_unref(peer->watchdog);
  }
  if (peer->failure_idle) {
    g_source_destroy(peer->failure_idle);
    g_source_unref(peer->failure_idle);
  }
  if (peer->agent) {
    if (peer->stream)
      nice_agent_attach_recv(peer->agent, peer->stream, 1, peer->context, NULL, NULL);
    g_signal_handlers_disconnect_by_data(peer->agent, peer);
  }
  wt_dtls_free(peer->dtls); /* may send close_notify through the agent */
  wt_srtp_free(peer->srtp);
  g_clear_object(&peer->direct_socket);
  if (peer->agent)
    g_object_unref(peer->agent);
  g_queue_clear_full(&peer->held_dtls, (GDestroyNotify)g_bytes_unref);
  g_ptr_array_unref(peer->local_candidates);
  wt_dtls_identity_unref(peer->identity);
  g_main_context_unref(peer->context);
  g_free(peer->ufrag);
  g_free(peer->pwd);
  g_free(peer->remote_ufrag);
  g_free(peer->remote_pwd);
  g_free(peer->failure);
  g_free(peer->public_address);
  g_free(peer->log_prefix);
  g_free(peer);
}

const char *
wt_peer_get_ufrag(WtPeer *peer)
{
  return peer->ufrag;
}

const char *
wt_peer_get_pwd(WtPeer *peer)
{
  return peer->pwd;
}

GPtrArray *
wt_peer_get_local_candidates(WtPeer *peer)
{
  GPtrArray *copy = g_ptr_array_new();
  for (guint i = 0; i < peer->local_candidates->len; i++)
    g_ptr_array_add(copy, g_ptr_array_index(peer->local_candidates, i));
  return copy;
}

gboolean
wt_peer_set_remote(WtPeer *peer, const char *ufrag, const char *pwd, const char *fingerprint_hash,
                   const char *fingerprint, GError **error)
{
  if (!ufrag || !pwd || !*ufrag || !*pwd) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "SDP has no ICE credentials");
    return FALSE;
  }
  if (!peer->dtls) {
    WtDtlsRole role = peer->config.dtls_role;
    peer->dtls = wt_dtls_new(peer->identity, role, fingerprint_hash, fingerprint, &dtls_callbacks,
                             peer, peer->context, error);
    if (!peer->dtls)
      return FALSE;
  }
  gboolean restart = peer->remote_ufrag && (g_strcmp0(peer->remote_ufrag, ufrag) != 0 ||
                                            g_strcmp0(peer->remote_pwd, pwd) != 0);
  if (restart && !peer->local_restart_pending)
    wt_peer_restart_ice(peer);
  if (restart)
    g_message("%s: ICE restart", peer->log_prefix);
  peer->local_restart_pending = FALSE;
  g_free(peer->remote_ufrag);
  g_free(peer->remote_pwd);
  peer->remote_ufrag = g_strdup(ufrag);
  peer->remote_pwd = g_strdup(pwd);
  nice_agent_set_remote_credentials(peer->agent, peer->stream, ufrag, pwd);
  start_dtls_if_ready(peer);
  return TRUE;
}

void
wt_peer_set_dtls_role(WtPeer *peer, WtDtlsRole role)
{
  g_return_if_fail(peer->dtls == NULL);
  peer->config.dtls_role = role;
}

void
wt_peer_restart_ice(WtPeer *peer)
{
  nice_agent_restart_stream(peer->agent, peer->stream);
  refresh_direct(peer, ice_state(peer));
  refresh_credentials(peer);
  peer->local_restart_pending = TRUE;
}

gboolean
wt_peer_add_remote_candidate(WtPeer *peer, const char *candidate, GError **error)
{
  const char *text = g_str_has_prefix(candidate, "a=") ? candidate + 2 : candidate;
  if (!g_str_has_prefix(text, "candidate:") || strlen(text) > 512) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "a candidate must start with `candidate:` and be under 512 bytes");
    return FALSE;
  }
  if (strstr(text, ".local ")) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                "mDNS (.local) candidates are not resolved; the peer will be found through "
                "its connectivity checks");
    return FALSE;
  }
  g_autofree char *line = g_strconcat("a=", text, NULL);
  NiceCandidate *parsed = nice_agent_parse_remote_candidate_sdp(peer->agent, peer->stream, line);
  if (!parsed)
    parsed = nice_agent_parse_remote_candidate_sdp(peer->agent, peer->stream, text);
  if (!parsed) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "cannot parse the candidate");
    return FALSE;
  }
  GSList list = {parsed, NULL};
  int added = nice_agent_set_remote_candidates(peer->agent, peer->stream, 1, &list);
  nice_candidate_free(parsed);
  if (added < 1) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "the candidate was not usable");
    return FALSE;
  }
  return TRUE;
}

static int
send_protected(WtPeer *peer, guint8 *buf, gsize len, gboolean rtcp)
{
  if (peer->state != PEER_CONNECTED)
    return -ENOTCONN;
  int rc = rtcp ? wt_srtp_protect_rtcp(peer->srtp, buf, &len)
                : wt_srtp_protect_rtp(peer->srtp, buf, &len);
  if (rc != 0)
    return rc;
  return send_datagram(peer, buf, len);
}

int
wt_peer_send_rtp(WtPeer *peer, guint8 *buf, gsize len)
{
  return send_protected(peer, buf, len, FALSE);
}

int
wt_peer_send_rtcp(WtPeer *peer, guint8 *buf, gsize len)
{
  return send_protected(peer, buf, len, TRUE);
}

const char *
wt_peer_get_remote_ufrag(const WtPeer *peer)
{
  return peer->remote_ufrag;
}

gboolean
wt_peer_is_connected(const WtPeer *peer)
{
  return peer->state == PEER_CONNECTED;
}

WtSrtpProfile
wt_peer_get_srtp_profile(const WtPeer *peer)
{
  return peer->profile;
}

void
wt_peer_set_rtp_sampling(WtPeer *peer, guint one_in, WtPeerRawRtpFunc raw)
{
  g_return_if_fail(one_in <= 1 || raw != NULL);
  peer->rtp_sample = one_in;
  peer->rtp_sample_count = 0;
  peer->raw_rtp = raw;
}
