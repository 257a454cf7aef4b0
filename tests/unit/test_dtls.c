/* test_dtls.c — two DTLS endpoints back to back in memory: the handshake,
 * the exported SRTP keys working across, and a fingerprint mismatch that must
 * fail without exporting keys. */
#include <errno.h>
#include <string.h>

#include "dtls.h"
#include "srtp.h"

typedef struct Side Side;
struct Side {
  WtDtls *dtls;
  Side *other;
  GQueue inbox; /* GBytes datagrams waiting for this side */
  gboolean connected;
  char *failure;
  WtSrtpKeys keys;
};

static void
side_send(const guint8 *data, gsize len, gpointer user_data)
{
  Side *side = user_data;
  g_queue_push_tail(&side->other->inbox, g_bytes_new(data, len));
}

static void
side_connected(const WtSrtpKeys *keys, gpointer user_data)
{
  Side *side = user_data;
  side->connected = TRUE;
  side->keys = *keys;
}

static void
side_failed(const char *reason, gpointer user_data)
{
  Side *side = user_data;
  g_free(side->failure);
  side->failure = g_strdup(reason);
}

static const WtDtlsCallbacks callbacks = {side_send, side_connected, side_failed};

/* Delivers queued datagrams both ways until nothing moves. */
static void
pump(Side *a, Side *b)
{
  for (int rounds = 0; rounds < 100; rounds++) {
    gboolean moved = FALSE;
    Side *sides[2] = {a, b};
    for (int i = 0; i < 2; i++) {
      GBytes *d;
      while ((d = g_queue_pop_head(&sides[i]->inbox))) {
        gsize len;
        const guint8 *p = g_bytes_get_data(d, &len);
        wt_dtls_receive(sides[i]->dtls, p, len);
        g_bytes_unref(d);
        moved = TRUE;
      }
    }
    if (!moved)
      return;
  }
}

static void
side_clear(Side *s)
{
  wt_dtls_free(s->dtls);
  g_queue_clear_full(&s->inbox, (GDestroyNotify)g_bytes_unref);
  g_free(s->failure);
}

static void
handshake(WtDtlsIdentity *client_id, WtDtlsIdentity *server_id, const char *fp_of_client,
          const char *fp_of_server, Side *client, Side *server)
{
  g_autoptr(GError) error = NULL;
  client->other = server;
  server->other = client;
  client->dtls = wt_dtls_new(client_id, WT_DTLS_ROLE_CLIENT, "sha-256", fp_of_server, &callbacks,
                             client, g_main_context_default(), &error);
  g_assert_no_error(error);
  server->dtls = wt_dtls_new(server_id, WT_DTLS_ROLE_SERVER, "sha-256", fp_of_client, &callbacks,
                             server, g_main_context_default(), &error);
  g_assert_no_error(error);
  wt_dtls_start(server->dtls);
  wt_dtls_start(client->dtls);
  pump(client, server);
}

static void
test_handshake_and_srtp(void)
{
  g_autoptr(GError) error = NULL;
  WtDtlsIdentity *a = wt_dtls_identity_new(&error);
  g_assert_no_error(error);
  WtDtlsIdentity *b = wt_dtls_identity_new(&error);
  const char *fp = wt_dtls_identity_get_fingerprint(a);
  g_assert_cmpuint(strlen(fp), ==, 32 * 3 - 1); /* "AB:CD:…" for SHA-256 */
  g_assert_cmpstr(fp, !=, wt_dtls_identity_get_fingerprint(b));

  Side client = {0}, server = {0};
  handshake(a, b, wt_dtls_identity_get_fingerprint(a), wt_dtls_identity_get_fingerprint(b),
            &client, &server);
  g_assert_null(client.failure);
  g_assert_null(server.failure);
  g_assert_true(client.connected && server.connected);
  g_assert_true(wt_dtls_is_connected(client.dtls));
  g_assert_cmpint(client.keys.profile, ==, WT_SRTP_PROFILE_AEAD_AES_128_GCM);
  g_assert_cmpmem(client.keys.local, client.keys.key_salt_len, server.keys.remote,
                  server.keys.key_salt_len);
  g_assert_cmpmem(client.keys.remote, client.keys.key_salt_len, server.keys.local,
                  server.keys.key_salt_len);

  /* The keys work: what one side protects, the other unprotects. */
  WtSrtp *tx = wt_srtp_new(&client.keys, &error);
  g_assert_no_error(error);
  WtSrtp *rx = wt_srtp_new(&server.keys, &error);
  guint8 packet[1200 + WT_SRTP_MAX_TRAILER] = {0x80, 96, 0x00, 0x01, 0, 0, 0, 1, 0x11, 0x22, 0x33, 0x44};
  memset(packet + 12, 0xab, 1188);
  gsize len = 1200;
  g_assert_cmpint(wt_srtp_protect_rtp(tx, packet, &len), ==, 0);
  g_assert_cmpuint(len, ==, 1216);
  g_assert_cmpuint(packet[100], !=, 0xab);
  g_assert_cmpint(wt_srtp_unprotect_rtp(rx, packet, &len), ==, 0);
  g_assert_cmpuint(len, ==, 1200);
  g_assert_cmpuint(packet[100], ==, 0xab);
  /* Tampering is caught. */
  len = 1200;
  packet[3] = 2;
  g_assert_cmpint(wt_srtp_protect_rtp(tx, packet, &len), ==, 0);
  packet[50] ^= 1;
  g_assert_cmpint(wt_srtp_unprotect_rtp(rx, packet, &len), ==, -EBADMSG);

  wt_srtp_free(tx);
  wt_srtp_free(rx);
  side_clear(&client);
  side_clear(&server);
  wt_dtls_identity_unref(a);
  wt_dtls_identity_unref(b);
}

/* The client presents certificate A while its SDP said B: the server must
 * refuse, and never export keys. */
static void
test_fingerprint_mismatch(void)
{
  WtDtlsIdentity *a = wt_dtls_identity_new(NULL);
  WtDtlsIdentity *b = wt_dtls_identity_new(NULL);
  WtDtlsIdentity *claimed = wt_dtls_identity_new(NULL);
  Side client = {0}, server = {0};
  handshake(a, b, wt_dtls_identity_get_fingerprint(claimed), wt_dtls_identity_get_fingerprint(b),
            &client, &server);
  g_assert_false(server.connected);
  g_assert_nonnull(server.failure);
  g_assert_nonnull(strstr(server.failure, "fingerprint"));
  g_assert_cmpuint(server.keys.key_salt_len, ==, 0);
  side_clear(&client);
  side_clear(&server);
  wt_dtls_identity_unref(a);
  wt_dtls_identity_unref(b);
  wt_dtls_identity_unref(claimed);
}

static void
test_unknown_hash_refused(void)
{
  WtDtlsIdentity *a = wt_dtls_identity_new(NULL);
  g_autoptr(GError) error = NULL;
  Side s = {0};
  g_assert_null(wt_dtls_new(a, WT_DTLS_ROLE_SERVER, "md5", "AA", &callbacks, &s,
                            g_main_context_default(), &error));
  g_assert_nonnull(error);
  wt_dtls_identity_unref(a);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/dtls/handshake-and-srtp", test_handshake_and_srtp);
  g_test_add_func("/dtls/fingerprint-mismatch", test_fingerprint_mismatch);
  g_test_add_func("/dtls/unknown-hash-refused", test_unknown_hash_refused);
  return g_test_run();
}
