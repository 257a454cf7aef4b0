/* test_srtp.c — SRTP with AEAD_AES_128_GCM on our OpenSSL cipher (srtp_gcm.c):
 * byte for byte what libsrtp's own implementation and an independent RFC 7714
 * implementation produce, round trips, tampering, retransmissions and SRTCP. */
#include <errno.h>
#include <string.h>

#include "srtp.h"

/* Master key 01..10, master salt a0..ab. */
static void
fill_keys(WtSrtpKeys *keys)
{
  memset(keys, 0, sizeof *keys);
  keys->profile = WT_SRTP_PROFILE_AEAD_AES_128_GCM;
  keys->key_salt_len = 28;
  for (guint i = 0; i < 16; i++)
    keys->local[i] = keys->remote[i] = (guint8)(i + 1);
  for (guint i = 0; i < 12; i++)
    keys->local[16 + i] = keys->remote[16 + i] = (guint8)(0xa0 + i);
}

/* PT 96, seq 0x1234, ts 0x1000, SSRC 0xcafebabe, 40 bytes of 0x42. */
static gsize
fill_packet(guint8 *buf)
{
  static const guint8 header[] = {0x80, 0x60, 0x12, 0x34, 0x00, 0x00,
                                  0x10, 0x00, 0xca, 0xfe, 0xba, 0xbe};
  memcpy(buf, header, sizeof header);
  memset(buf + sizeof header, 0x42, 40);
  return sizeof header + 40;
}

/* The same packet protected by Debian's libsrtp 2.5 (NSS) and by Python's
 * cryptography following RFC 7714 and RFC 3711's key derivation. */
static const guint8 expected[] = {
    0x80, 0x60, 0x12, 0x34, 0x00, 0x00, 0x10, 0x00, 0xca, 0xfe, 0xba, 0xbe, 0x84, 0x0f,
    0xcd, 0xcb, 0x28, 0x03, 0x34, 0xf9, 0x00, 0xdb, 0x98, 0x59, 0x73, 0xc1, 0x86, 0x44,
    0x94, 0xfd, 0xab, 0x3a, 0xd8, 0x94, 0x1c, 0x07, 0x98, 0x5a, 0xd8, 0x79, 0x6b, 0x30,
    0x80, 0x25, 0xea, 0x41, 0x07, 0xe9, 0xfa, 0x05, 0x1c, 0x8d, 0x1c, 0xc9, 0x24, 0xac,
    0x5c, 0x76, 0x24, 0x26, 0xfb, 0x98, 0xae, 0x77, 0xad, 0xa0, 0x0a, 0x37,
};

static void
test_known_answer(void)
{
  WtSrtpKeys keys;
  fill_keys(&keys);
  g_autoptr(GError) error = NULL;
  WtSrtp *tx = wt_srtp_new(&keys, &error);
  g_assert_no_error(error);
  WtSrtp *rx = wt_srtp_new(&keys, &error);
  g_assert_no_error(error);

  guint8 buf[128];
  gsize len = fill_packet(buf);
  g_assert_cmpint(wt_srtp_protect_rtp(tx, buf, &len), ==, 0);
  g_assert_cmpmem(buf, len, expected, sizeof expected);

  g_assert_cmpint(wt_srtp_unprotect_rtp(rx, buf, &len), ==, 0);
  guint8 plain[128];
  gsize plain_len = fill_packet(plain);
  g_assert_cmpmem(buf, len, plain, plain_len);

  /* A retransmission (same sequence number) is protected the same way. */
  len = fill_packet(buf);
  g_assert_cmpint(wt_srtp_protect_rtp(tx, buf, &len), ==, 0);
  g_assert_cmpmem(buf, len, expected, sizeof expected);
  /* ... and refused as a replay by the receiver. */
  g_assert_cmpint(wt_srtp_unprotect_rtp(rx, buf, &len), ==, -EBADMSG);

  wt_srtp_free(tx);
  wt_srtp_free(rx);
}

static void
test_tamper_and_rtcp(void)
{
  WtSrtpKeys keys;
  fill_keys(&keys);
  WtSrtp *tx = wt_srtp_new(&keys, NULL);
  WtSrtp *rx = wt_srtp_new(&keys, NULL);
  g_assert_nonnull(tx);
  g_assert_nonnull(rx);

  guint8 buf[1300 + WT_SRTP_MAX_TRAILER];
  for (guint i = 0; i < 3; i++) {
    gsize len = fill_packet(buf);
    buf[3] = (guint8)(0x40 + i); /* a new sequence number each time */
    g_assert_cmpint(wt_srtp_protect_rtp(tx, buf, &len), ==, 0);
    if (i == 1)
      buf[20] ^= 1; /* payload */
    if (i == 2)
      buf[5] ^= 1; /* header, authenticated but not encrypted */
    g_assert_cmpint(wt_srtp_unprotect_rtp(rx, buf, &len), ==, i == 0 ? 0 : -EBADMSG);
  }

  /* A receiver report with no blocks, SSRC 0x01020304. */
  static const guint8 rr[] = {0x80, 201, 0x00, 0x01, 0x01, 0x02, 0x03, 0x04};
  memcpy(buf, rr, sizeof rr);
  gsize len = sizeof rr;
  g_assert_cmpint(wt_srtp_protect_rtcp(tx, buf, &len), ==, 0);
  g_assert_cmpuint(len, ==, sizeof rr + 16 + 4); /* tag and SRTCP index */
  g_assert_cmpint(wt_srtp_unprotect_rtcp(rx, buf, &len), ==, 0);
  g_assert_cmpmem(buf, len, rr, sizeof rr);

  wt_srtp_free(tx);
  wt_srtp_free(rx);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/srtp/gcm-known-answer", test_known_answer);
  g_test_add_func("/srtp/gcm-tamper-and-rtcp", test_tamper_and_rtcp);
  return g_test_run();
}
