/* test_peer.c — two WtPeers connect over real UDP on 127.0.0.1: libnice ICE,
 * then DTLS-SRTP, then SRTP media in both directions. Addresses are pinned to
 * loopback so no test traffic leaves it. The consent and silence tests put a
 * relay between the two (udp_filter.h) that can drop STUN or everything. */
#include <string.h>

#include "peer.h"
#include "srtp.h"
#include "udp_filter.h"

typedef struct Side Side;
struct Side {
  WtPeer *peer;
  Side *other;
  GPtrArray *pending_candidates; /* until the other side exists */
  gboolean connected;
  char *failure;
  guint rtp_received, rtcp_received;
  guint8 last_payload;
};

static void
on_candidate(WtPeer *peer, const char *candidate, gpointer user_data)
{
  Side *side = user_data;
  if (candidate)
    g_ptr_array_add(side->pending_candidates, g_strdup(candidate));
}

static void
on_connected(WtPeer *peer, gpointer user_data)
{
  ((Side *)user_data)->connected = TRUE;
}

static void
on_failed(WtPeer *peer, const char *reason, gpointer user_data)
{
  Side *side = user_data;
  g_free(side->failure);
  side->failure = g_strdup(reason);
}

static void
on_rtp(WtPeer *peer, guint8 *buf, gsize len, gpointer user_data)
{
  Side *side = user_data;
  side->rtp_received++;
  side->last_payload = buf[len - 1];
}

static void
on_rtcp(WtPeer *peer, guint8 *buf, gsize len, gpointer user_data)
{
  ((Side *)user_data)->rtcp_received++;
}

static const WtPeerCallbacks callbacks = {on_candidate, on_connected, on_failed, on_rtp, on_rtcp};
static const char *const loopback_only[] = {"127.0.0.1", NULL};

typedef struct {
  guint connect_timeout_s, silence_timeout_s;
  gboolean via_filter; /* connect through a WtUdpFilter (returned by connect_pair_with()) */
} PairOptions;

static const PairOptions default_options = {10, 10, FALSE};

static void
make_side(Side *side, WtDtlsIdentity *identity, gboolean controlling, WtDtlsRole role,
          const char *name, const PairOptions *options)
{
  WtPeerConfig config = {
      .context = g_main_context_default(),
      .identity = identity,
      .controlling = controlling,
      .dtls_role = role,
      .addresses = loopback_only,
      .connect_timeout_s = options->connect_timeout_s,
      .silence_timeout_s = options->silence_timeout_s,
      .log_prefix = name,
  };
  side->pending_candidates = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GError) error = NULL;
  side->peer = wt_peer_new(&config, &callbacks, side, &error);
  g_assert_no_error(error);
  g_assert_nonnull(side->peer);
}

static void
iterate_until(gboolean *flag_a, gboolean *flag_b, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time() + timeout_ms * 1000;
  while (!(*flag_a && *flag_b) && g_get_monotonic_time() < deadline)
    g_main_context_iteration(NULL, FALSE) || (g_usleep(1000), TRUE);
}

/* The port of a "candidate:…" line, and the line with another port. */
static guint16
candidate_port(const char *candidate)
{
  g_auto(GStrv) fields = g_strsplit(candidate, " ", -1);
  g_assert_cmpuint(g_strv_length(fields), >, 5);
  return (guint16)g_ascii_strtoull(fields[5], NULL, 10);
}

static char *
candidate_with_port(const char *candidate, guint16 port)
{
  g_auto(GStrv) fields = g_strsplit(candidate, " ", -1);
  g_free(fields[5]);
  fields[5] = g_strdup_printf("%u", port);
  return g_strjoinv(" ", fields);
}

/* Trickles @from's candidates to @to; through @filter, each names the relay's
 * stand-in port for @from instead. Loopback gives each side one candidate. */
static void
trickle(Side *from, Side *to, WtUdpFilter *filter, gboolean from_is_a)
{
  g_autoptr(GError) error = NULL;
  g_assert_cmpuint(from->pending_candidates->len, >, 0);
  for (guint i = 0; i < from->pending_candidates->len; i++) {
    const char *c = g_ptr_array_index(from->pending_candidates, i);
    g_assert_nonnull(strstr(c, "127.0.0.1"));
    g_autofree char *rewritten =
        filter ? candidate_with_port(c, from_is_a ? wt_udp_filter_port_for_b(filter)
                                                  : wt_udp_filter_port_for_a(filter))
               : g_strdup(c);
    g_assert_true(wt_peer_add_remote_candidate(to->peer, rewritten, &error));
  }
}

/* A (controlling, DTLS client) and B; through a relay when @options say so. */
static WtUdpFilter *
connect_pair_with(Side *a, Side *b, WtDtlsIdentity *ida, WtDtlsIdentity *idb,
                  const char *fp_a_claims, const PairOptions *options)
{
  make_side(a, ida, TRUE, WT_DTLS_ROLE_CLIENT, "test a", options);
  make_side(b, idb, FALSE, WT_DTLS_ROLE_SERVER, "test b", options);
  a->other = b;
  b->other = a;
  g_autoptr(GError) error = NULL;
  g_assert_true(wt_peer_set_remote(a->peer, wt_peer_get_ufrag(b->peer), wt_peer_get_pwd(b->peer),
                                   "sha-256", wt_dtls_identity_get_fingerprint(idb), &error));
  g_assert_true(wt_peer_set_remote(b->peer, wt_peer_get_ufrag(a->peer), wt_peer_get_pwd(a->peer),
                                   "sha-256", fp_a_claims, &error));
  /* Let gathering finish, then trickle both ways. */
  for (int i = 0; i < 50; i++)
    g_main_context_iteration(NULL, FALSE);
  WtUdpFilter *filter = NULL;
  if (options->via_filter) {
    g_assert_cmpuint(a->pending_candidates->len, ==, 1);
    g_assert_cmpuint(b->pending_candidates->len, ==, 1);
    filter = wt_udp_filter_new(candidate_port(g_ptr_array_index(a->pending_candidates, 0)),
                               candidate_port(g_ptr_array_index(b->pending_candidates, 0)), &error);
    g_assert_no_error(error);
  }
  trickle(a, b, filter, TRUE);
  trickle(b, a, filter, FALSE);
  return filter;
}

static void
connect_pair(Side *a, Side *b, WtDtlsIdentity *ida, WtDtlsIdentity *idb, const char *fp_a_claims)
{
  connect_pair_with(a, b, ida, idb, fp_a_claims, &default_options);
}

static void
side_clear(Side *s)
{
  wt_peer_free(s->peer);
  g_ptr_array_unref(s->pending_candidates);
  g_free(s->failure);
}

static void
send_rtp(Side *from, guint8 payload_byte, guint16 seq)
{
  guint8 packet[200 + WT_SRTP_MAX_TRAILER] = {0x80, 111, (guint8)(seq >> 8), (guint8)seq, 0, 0, 0,
                                              1,    0xaa, 0xbb, 0xcc, 0xdd};
  memset(packet + 12, payload_byte, 188);
  g_assert_cmpint(wt_peer_send_rtp(from->peer, packet, 200), ==, 0);
}

static void
test_connect_and_exchange(void)
{
  WtDtlsIdentity *ida = wt_dtls_identity_new(NULL), *idb = wt_dtls_identity_new(NULL);
  Side a = {0}, b = {0};
  connect_pair(&a, &b, ida, idb, wt_dtls_identity_get_fingerprint(ida));
  iterate_until(&a.connected, &b.connected, 10000);
  g_assert_null(a.failure);
  g_assert_null(b.failure);
  g_assert_true(a.connected && b.connected);
  g_assert_cmpint(wt_peer_get_srtp_profile(a.peer), ==, WT_SRTP_PROFILE_AEAD_AES_128_GCM);

  for (guint16 i = 0; i < 20; i++) {
    send_rtp(&a, 0x42, i);
    send_rtp(&b, 0x24, i);
  }
  gint64 deadline = g_get_monotonic_time() + 3 * G_USEC_PER_SEC;
  while ((a.rtp_received < 20 || b.rtp_received < 20) && g_get_monotonic_time() < deadline)
    g_main_context_iteration(NULL, FALSE) || (g_usleep(1000), TRUE);
  g_assert_cmpuint(b.rtp_received, ==, 20);
  g_assert_cmpuint(a.rtp_received, ==, 20);
  g_assert_cmpuint(b.last_payload, ==, 0x42);
  g_assert_cmpuint(a.last_payload, ==, 0x24);

  /* An RTCP receiver report goes through the RTCP path. */
  guint8 rr[8 + WT_SRTP_MAX_TRAILER] = {0x80, 201, 0, 1, 0, 0, 0, 9};
  g_assert_cmpint(wt_peer_send_rtcp(a.peer, rr, 8), ==, 0);
  deadline = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
  while (b.rtcp_received < 1 && g_get_monotonic_time() < deadline)
    g_main_context_iteration(NULL, FALSE) || (g_usleep(1000), TRUE);
  g_assert_cmpuint(b.rtcp_received, ==, 1);

  side_clear(&a);
  side_clear(&b);
  wt_dtls_identity_unref(ida);
  wt_dtls_identity_unref(idb);
}

/* A's SDP claimed another certificate: B must fail the peer and never get media. */
static void
test_fingerprint_mismatch_gets_no_media(void)
{
  WtDtlsIdentity *ida = wt_dtls_identity_new(NULL), *idb = wt_dtls_identity_new(NULL);
  WtDtlsIdentity *other = wt_dtls_identity_new(NULL);
  Side a = {0}, b = {0};
  connect_pair(&a, &b, ida, idb, wt_dtls_identity_get_fingerprint(other));
  gboolean failed = FALSE;
  gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (!failed && g_get_monotonic_time() < deadline) {
    g_main_context_iteration(NULL, FALSE) || (g_usleep(1000), TRUE);
    failed = b.failure != NULL;
  }
  g_assert_nonnull(b.failure);
  g_assert_nonnull(strstr(b.failure, "fingerprint"));
  g_assert_false(b.connected);
  guint8 packet[64 + WT_SRTP_MAX_TRAILER] = {0x80, 111};
  g_assert_cmpint(wt_peer_send_rtp(b.peer, packet, 64), <, 0);
  g_assert_cmpuint(b.rtp_received, ==, 0);
  side_clear(&a);
  side_clear(&b);
  wt_dtls_identity_unref(ida);
  wt_dtls_identity_unref(idb);
  wt_dtls_identity_unref(other);
}

static void
test_bad_candidates_refused(void)
{
  WtDtlsIdentity *ida = wt_dtls_identity_new(NULL);
  Side a = {0};
  make_side(&a, ida, TRUE, WT_DTLS_ROLE_CLIENT, "test bad", &default_options);
  const char *const bad[] = {
      "nonsense",
      "candidate:1 1 udp 2122260223 0b1e2f.local 54321 typ host",
      "candidate:garbage",
  };
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) error = NULL;
    g_assert_false(wt_peer_add_remote_candidate(a.peer, bad[i], &error));
    g_assert_nonnull(error);
  }
  side_clear(&a);
  wt_dtls_identity_unref(ida);
}

/* ---- Consent and silence, through a relay ---------------------------------- */

/* peer.c's warnings and messages about ICE consent, in order. */
static GPtrArray *consent_lines;

static GLogWriterOutput
log_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  for (gsize i = 0; i < n_fields; i++) {
    if (g_str_equal(fields[i].key, "MESSAGE") && fields[i].length < 0 &&
        strstr(fields[i].value, "consent")) {
      g_ptr_array_add(consent_lines, g_strdup(fields[i].value));
      g_printerr("%s\n", (const char *)fields[i].value);
      return G_LOG_WRITER_HANDLED; /* expected here; a warning would abort the test */
    }
  }
  return g_log_writer_default(level, fields, n_fields, user_data);
}

static int
try_send_rtp(Side *from, guint16 seq)
{
  guint8 packet[200 + WT_SRTP_MAX_TRAILER] = {0x80, 111, (guint8)(seq >> 8), (guint8)seq, 0, 0, 0,
                                              1,    0xaa, 0xbb, 0xcc, 0xdd};
  memset(packet + 12, 0x33, 188);
  return wt_peer_send_rtp(from->peer, packet, 200);
}

/* Both sides send an RTP packet every 20 ms for @ms, as a call does; send
 * errors are counted in @errors. */
static void
exchange_for(Side *a, Side *b, guint ms, guint16 *seq, guint *errors)
{
  gint64 now = g_get_monotonic_time(), deadline = now + (gint64)ms * 1000, next = now;
  while ((now = g_get_monotonic_time()) < deadline) {
    if (now >= next) {
      (*seq)++;
      if (!a->failure && try_send_rtp(a, *seq) != 0)
        (*errors)++;
      if (!b->failure && try_send_rtp(b, *seq) != 0)
        (*errors)++;
      next += 20 * 1000;
    }
    g_main_context_iteration(NULL, FALSE) || (g_usleep(1000), TRUE);
  }
}

/* Media arrives both ways within @ms. */
static void
assert_media_flows(Side *a, Side *b, guint ms, guint16 *seq, guint *errors, const char *when)
{
  guint a0 = a->rtp_received, b0 = b->rtp_received;
  exchange_for(a, b, ms, seq, errors);
  g_test_message("%s: a got %u, b got %u RTP packets in %u ms", when, a->rtp_received - a0,
                 b->rtp_received - b0, ms);
  g_assert_cmpuint(a->rtp_received - a0, >, ms / 20 / 4);
  g_assert_cmpuint(b->rtp_received - b0, >, ms / 20 / 4);
}

static gboolean
consent_logged(const char *needle)
{
  for (guint i = 0; i < consent_lines->len; i++)
    if (strstr(g_ptr_array_index(consent_lines, i), needle))
      return TRUE;
  return FALSE;
}

/* Two peers through a relay (udp_filter.h), and the media sent between them. */
typedef struct {
  WtDtlsIdentity *ida, *idb;
  Side a, b;
  WtUdpFilter *filter;
  guint16 seq;
  guint errors; /* failed sends */
} Relayed;

static void
relayed_start(Relayed *r, guint connect_timeout_s, guint silence_timeout_s)
{
  const PairOptions options = {connect_timeout_s, silence_timeout_s, TRUE};
  r->ida = wt_dtls_identity_new(NULL);
  r->idb = wt_dtls_identity_new(NULL);
  r->filter = connect_pair_with(&r->a, &r->b, r->ida, r->idb,
                                wt_dtls_identity_get_fingerprint(r->ida), &options);
}

static void
relayed_connect(Relayed *r, guint silence_timeout_s)
{
  relayed_start(r, 10, silence_timeout_s);
  iterate_until(&r->a.connected, &r->b.connected, 10000);
  g_assert_true(r->a.connected && r->b.connected);
  assert_media_flows(&r->a, &r->b, 1000, &r->seq, &r->errors, "before");
}

static void
relayed_clear(Relayed *r)
{
  side_clear(&r->a);
  side_clear(&r->b);
  wt_udp_filter_free(r->filter);
  wt_dtls_identity_unref(r->ida);
  wt_dtls_identity_unref(r->idb);
}

/* Drops STUN both ways for @ms while media goes on: a client that answers no
 * consent check. libnice gives up on the pair after about 10 s. */
static void
stall_consent(Relayed *r, guint ms)
{
  g_ptr_array_set_size(consent_lines, 0);
  wt_udp_filter_set_drop(r->filter, WT_UDP_DROP_STUN);
  exchange_for(&r->a, &r->b, ms, &r->seq, &r->errors);
  g_test_message("dropped %u STUN datagrams", wt_udp_filter_dropped_stun(r->filter));
  g_assert_cmpuint(wt_udp_filter_dropped_stun(r->filter), >, 0);
}

/* A client that stalls (CPU starved) answers no consent check for 12 s while
 * its media still flows. The peer must live on (RFC 7675 allows 30 s), keep
 * sending, and carry on when the checks are answered again. */
static void
test_consent_stall_keeps_peer(void)
{
  Relayed r = {0};
  relayed_connect(&r, 10);
  stall_consent(&r, 10000);
  assert_media_flows(&r.a, &r.b, 2000, &r.seq, &r.errors, "end of the 12 s stall");
  /* libnice did report the pair failed, and the peer was kept. */
  g_assert_true(consent_logged("keeping the peer"));
  g_assert_null(r.a.failure);
  g_assert_null(r.b.failure);

  wt_udp_filter_set_drop(r.filter, WT_UDP_DROP_NONE);
  exchange_for(&r.a, &r.b, 4000, &r.seq, &r.errors);
  assert_media_flows(&r.a, &r.b, 2000, &r.seq, &r.errors, "after the stall");
  g_assert_null(r.a.failure);
  g_assert_null(r.b.failure);
  g_assert_cmpuint(r.errors, ==, 0);
  relayed_clear(&r);
}

/* A client that is really gone (nothing arrives, consent or media) is still
 * dropped by the silence timeout: at once, or after its consent checks went
 * unanswered for a while first (@data non-NULL), the peer being kept then. */
static void
test_gone_peer_dropped_by_silence(gconstpointer data)
{
  Relayed r = {0};
  relayed_connect(&r, 4);
  if (data) {
    stall_consent(&r, 12000);
    g_assert_true(consent_logged("keeping the peer"));
    g_assert_null(r.a.failure);
  }
  wt_udp_filter_set_drop(r.filter, WT_UDP_DROP_ALL);
  gint64 cut = g_get_monotonic_time();
  while (!r.a.failure && g_get_monotonic_time() - cut < 15 * G_USEC_PER_SEC)
    exchange_for(&r.a, &r.b, 100, &r.seq, &r.errors);
  gint64 took_ms = (g_get_monotonic_time() - cut) / 1000;
  g_test_message("a failed after %" G_GINT64_FORMAT " ms: %s", took_ms, r.a.failure);
  g_assert_nonnull(r.a.failure);
  g_assert_nonnull(strstr(r.a.failure, "nothing received for 4 s"));
  g_assert_cmpint(took_ms, >=, 4000);
  g_assert_cmpint(took_ms, <, 7000);
  relayed_clear(&r);
}

/* When ICE never connects, its failure still ends the peer at once, well
 * before the connect timeout. */
static void
test_ice_failure_before_connecting_fails(void)
{
  Relayed r = {0};
  gint64 start = g_get_monotonic_time();
  relayed_start(&r, 60, 10);
  wt_udp_filter_set_drop(r.filter, WT_UDP_DROP_ALL);
  while (!r.a.failure && g_get_monotonic_time() - start < 50 * G_USEC_PER_SEC)
    g_main_context_iteration(NULL, FALSE) || (g_usleep(1000), TRUE);
  gint64 took_ms = (g_get_monotonic_time() - start) / 1000;
  g_test_message("a failed after %" G_GINT64_FORMAT " ms: %s", took_ms, r.a.failure);
  g_assert_nonnull(r.a.failure);
  g_assert_nonnull(strstr(r.a.failure, "ICE failed"));
  g_assert_cmpint(took_ms, <, 30000); /* libnice gives up in about 7 s here */
  g_assert_false(r.a.connected);
  relayed_clear(&r);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  consent_lines = g_ptr_array_new_with_free_func(g_free);
  g_log_set_writer_func(log_writer, NULL, NULL);
  g_test_add_func("/peer/connect-and-exchange", test_connect_and_exchange);
  g_test_add_func("/peer/fingerprint-mismatch-gets-no-media", test_fingerprint_mismatch_gets_no_media);
  g_test_add_func("/peer/bad-candidates-refused", test_bad_candidates_refused);
  g_test_add_func("/peer/consent-stall-keeps-peer", test_consent_stall_keeps_peer);
  g_test_add_data_func("/peer/gone-peer-dropped-by-silence", NULL,
                       test_gone_peer_dropped_by_silence);
  g_test_add_data_func("/peer/gone-after-consent-loss-dropped-by-silence", "stall first",
                       test_gone_peer_dropped_by_silence);
  g_test_add_func("/peer/ice-failure-before-connecting-fails",
                  test_ice_failure_before_connecting_fails);
  int rc = g_test_run();
  g_ptr_array_unref(consent_lines);
  return rc;
}
