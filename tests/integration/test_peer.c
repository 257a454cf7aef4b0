/* test_peer.c — two WtPeers connect over real UDP on 127.0.0.1: libnice ICE,
 * then DTLS-SRTP, then SRTP media in both directions. Addresses are pinned to
 * loopback so no test traffic leaves it. */
#include <string.h>

#include "peer.h"
#include "srtp.h"

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

static void
make_side(Side *side, WtDtlsIdentity *identity, gboolean controlling, WtDtlsRole role,
          const char *name)
{
  WtPeerConfig config = {
      .context = g_main_context_default(),
      .identity = identity,
      .controlling = controlling,
      .dtls_role = role,
      .addresses = loopback_only,
      .connect_timeout_s = 10,
      .silence_timeout_s = 10,
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

static void
connect_pair(Side *a, Side *b, WtDtlsIdentity *ida, WtDtlsIdentity *idb, const char *fp_a_claims)
{
  make_side(a, ida, TRUE, WT_DTLS_ROLE_CLIENT, "test a");
  make_side(b, idb, FALSE, WT_DTLS_ROLE_SERVER, "test b");
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
  g_assert_cmpuint(a->pending_candidates->len, >, 0);
  for (guint i = 0; i < a->pending_candidates->len; i++) {
    const char *c = g_ptr_array_index(a->pending_candidates, i);
    g_assert_nonnull(strstr(c, "127.0.0.1"));
    g_assert_true(wt_peer_add_remote_candidate(b->peer, c, &error));
  }
  for (guint i = 0; i < b->pending_candidates->len; i++)
    g_assert_true(
        wt_peer_add_remote_candidate(a->peer, g_ptr_array_index(b->pending_candidates, i), &error));
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
  make_side(&a, ida, TRUE, WT_DTLS_ROLE_CLIENT, "test bad");
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

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/peer/connect-and-exchange", test_connect_and_exchange);
  g_test_add_func("/peer/fingerprint-mismatch-gets-no-media", test_fingerprint_mismatch_gets_no_media);
  g_test_add_func("/peer/bad-candidates-refused", test_bad_candidates_refused);
  return g_test_run();
}
