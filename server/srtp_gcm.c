/* srtp_gcm.c — AES-128-GCM for libsrtp, on OpenSSL.
 *
 * Debian's libsrtp2 is built on NSS, whose PK11_Encrypt() sets up and tears
 * down a context (with locks) for every packet: measured here it cost more
 * than the encryption and about a fifth of witnessd's CPU when forwarding.
 * libsrtp lets an application replace the implementation of a cipher type
 * (srtp_replace_cipher_type()), so this registers one that keeps an
 * EVP_CIPHER_CTX per libsrtp cipher and only changes its IV per packet.
 * Everything SRTP itself does (key derivation, the IV from salt, SSRC, ROC and
 * sequence number, replay windows, rollover) stays in libsrtp; only the
 * AES-GCM primitive changes. libsrtp runs the known-answer test below (GCM
 * test case 4) and a random round trip before it accepts the replacement.
 *
 * Threads: installed once (wt_srtp_gcm_install() from srtp.c's one-time
 * start); each cipher is used by the thread that owns its SRTP session.
 */
#include "srtp_gcm.h"

#include <openssl/evp.h>
#include <srtp2/cipher.h>
#include <srtp2/srtp.h>
#include <stdlib.h>

typedef struct {
  EVP_CIPHER_CTX *ctx;
  int tag_len;
  srtp_cipher_direction_t dir;
} GcmState;

static const srtp_cipher_type_t gcm_type;

static srtp_err_status_t
gcm_dealloc(srtp_cipher_pointer_t c)
{
  GcmState *s = c->state;
  if (s) {
    EVP_CIPHER_CTX_free(s->ctx);
    free(s);
  }
  free(c);
  return srtp_err_status_ok;
}

static srtp_err_status_t
gcm_alloc(srtp_cipher_pointer_t *cp, int key_len, int tag_len)
{
  *cp = NULL;
  if (key_len != SRTP_AES_GCM_128_KEY_LEN_WSALT || (tag_len != 16 && tag_len != 8))
    return srtp_err_status_bad_param;
  srtp_cipher_t *c = calloc(1, sizeof *c);
  GcmState *s = calloc(1, sizeof *s);
  if (!c || !s) {
    free(c);
    free(s);
    return srtp_err_status_alloc_fail;
  }
  c->state = s;
  s->ctx = EVP_CIPHER_CTX_new();
  if (!s->ctx) {
    gcm_dealloc(c);
    return srtp_err_status_alloc_fail;
  }
  s->tag_len = tag_len;
  s->dir = srtp_direction_any;
  c->type = &gcm_type;
  c->algorithm = SRTP_AES_GCM_128;
  c->key_len = key_len;
  *cp = c;
  return srtp_err_status_ok;
}

/* @key is the 16-byte key followed by the salt, which libsrtp applies itself. */
static srtp_err_status_t
gcm_init(void *state, const uint8_t *key)
{
  GcmState *s = state;
  s->dir = srtp_direction_any;
  if (!EVP_CIPHER_CTX_reset(s->ctx) ||
      !EVP_CipherInit_ex(s->ctx, EVP_aes_128_gcm(), NULL, key, NULL, 0))
    return srtp_err_status_init_fail;
  return srtp_err_status_ok;
}

static srtp_err_status_t
gcm_set_iv(void *state, uint8_t *iv, srtp_cipher_direction_t dir)
{
  GcmState *s = state;
  if (dir != srtp_direction_encrypt && dir != srtp_direction_decrypt)
    return srtp_err_status_bad_param;
  s->dir = dir;
  if (!EVP_CipherInit_ex(s->ctx, NULL, NULL, NULL, iv, dir == srtp_direction_encrypt))
    return srtp_err_status_init_fail;
  return srtp_err_status_ok;
}

static srtp_err_status_t
gcm_set_aad(void *state, const uint8_t *aad, uint32_t aad_len)
{
  GcmState *s = state;
  if (s->dir != srtp_direction_encrypt && s->dir != srtp_direction_decrypt)
    return srtp_err_status_bad_param;
  if (aad_len > 0 && EVP_Cipher(s->ctx, NULL, aad, aad_len) != (int)aad_len)
    return srtp_err_status_algo_fail;
  return srtp_err_status_ok;
}

/* In place; the tag comes from get_tag(). */
static srtp_err_status_t
gcm_encrypt(void *state, uint8_t *buf, unsigned int *len)
{
  GcmState *s = state;
  if (s->dir != srtp_direction_encrypt)
    return srtp_err_status_bad_param;
  if (*len > 0 && EVP_Cipher(s->ctx, buf, buf, *len) != (int)*len)
    return srtp_err_status_algo_fail;
  return srtp_err_status_ok;
}

static srtp_err_status_t
gcm_get_tag(void *state, uint8_t *tag, uint32_t *len)
{
  GcmState *s = state;
  if (EVP_Cipher(s->ctx, NULL, NULL, 0) < 0 ||
      !EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_GCM_GET_TAG, s->tag_len, tag))
    return srtp_err_status_algo_fail;
  *len = (uint32_t)s->tag_len;
  return srtp_err_status_ok;
}

/* In place; *@len counts the tag at the end on entry, not on return. */
static srtp_err_status_t
gcm_decrypt(void *state, uint8_t *buf, unsigned int *len)
{
  GcmState *s = state;
  if (s->dir != srtp_direction_decrypt)
    return srtp_err_status_bad_param;
  if (*len < (unsigned int)s->tag_len)
    return srtp_err_status_bad_param;
  unsigned int n = *len - (unsigned int)s->tag_len;
  if (!EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_GCM_SET_TAG, s->tag_len, buf + n))
    return srtp_err_status_algo_fail;
  if (n > 0 && EVP_Cipher(s->ctx, buf, buf, n) != (int)n)
    return srtp_err_status_auth_fail;
  if (EVP_Cipher(s->ctx, NULL, NULL, 0) < 0)
    return srtp_err_status_auth_fail;
  *len = n;
  return srtp_err_status_ok;
}

/* The GCM specification's test case 4 (key, IV, AAD, plaintext, ciphertext
 * and tag); the 12 bytes after the key are the SRTP salt, unused here. */
static const uint8_t test_key[SRTP_AES_GCM_128_KEY_LEN_WSALT] = {
    0xfe, 0xff, 0xe9, 0x92, 0x86, 0x65, 0x73, 0x1c, 0x6d, 0x6a, 0x8f, 0x94, 0x67, 0x30,
    0x83, 0x08, 0xca, 0xfe, 0xba, 0xbe, 0xfa, 0xce, 0xdb, 0xad, 0xde, 0xca, 0xf8, 0x88,
};
static uint8_t test_iv[12] = {
    0xca, 0xfe, 0xba, 0xbe, 0xfa, 0xce, 0xdb, 0xad, 0xde, 0xca, 0xf8, 0x88,
};
static const uint8_t test_plaintext[60] = {
    0xd9, 0x31, 0x32, 0x25, 0xf8, 0x84, 0x06, 0xe5, 0xa5, 0x59, 0x09, 0xc5, 0xaf, 0xf5, 0x26,
    0x9a, 0x86, 0xa7, 0xa9, 0x53, 0x15, 0x34, 0xf7, 0xda, 0x2e, 0x4c, 0x30, 0x3d, 0x8a, 0x31,
    0x8a, 0x72, 0x1c, 0x3c, 0x0c, 0x95, 0x95, 0x68, 0x09, 0x53, 0x2f, 0xcf, 0x0e, 0x24, 0x49,
    0xa6, 0xb5, 0x25, 0xb1, 0x6a, 0xed, 0xf5, 0xaa, 0x0d, 0xe6, 0x57, 0xba, 0x63, 0x7b, 0x39,
};
static const uint8_t test_ciphertext[76] = {
    0x42, 0x83, 0x1e, 0xc2, 0x21, 0x77, 0x74, 0x24, 0x4b, 0x72, 0x21, 0xb7, 0x84, 0xd0, 0xd4, 0x9c,
    0xe3, 0xaa, 0x21, 0x2f, 0x2c, 0x02, 0xa4, 0xe0, 0x35, 0xc1, 0x7e, 0x23, 0x29, 0xac, 0xa1, 0x2e,
    0x21, 0xd5, 0x14, 0xb2, 0x54, 0x66, 0x93, 0x1c, 0x7d, 0x8f, 0x6a, 0x5a, 0xac, 0x84, 0xaa, 0x05,
    0x1b, 0xa3, 0x0b, 0x39, 0x6a, 0x0a, 0xac, 0x97, 0x3d, 0x58, 0xe0, 0x91, 0x5b, 0xc9, 0x4f, 0xbc,
    0x32, 0x21, 0xa5, 0xdb, 0x94, 0xfa, 0xe9, 0x5a, 0xe7, 0x12, 0x1a, 0x47,
};
static const uint8_t test_aad[20] = {
    0xfe, 0xed, 0xfa, 0xce, 0xde, 0xad, 0xbe, 0xef, 0xfe, 0xed,
    0xfa, 0xce, 0xde, 0xad, 0xbe, 0xef, 0xab, 0xad, 0xda, 0xd2,
};

static const srtp_cipher_test_case_t test_case = {
    SRTP_AES_GCM_128_KEY_LEN_WSALT,
    test_key,
    test_iv,
    sizeof test_plaintext,
    test_plaintext,
    sizeof test_ciphertext,
    test_ciphertext,
    sizeof test_aad,
    test_aad,
    16,
    NULL,
};

static const srtp_cipher_type_t gcm_type = {
    gcm_alloc,   gcm_dealloc,      gcm_init,
    gcm_set_aad, gcm_encrypt,      gcm_decrypt,
    gcm_set_iv,  gcm_get_tag,      "AES-128 GCM using OpenSSL (witness)",
    &test_case,  SRTP_AES_GCM_128,
};

gboolean
wt_srtp_gcm_install(void)
{
  return srtp_replace_cipher_type(&gcm_type, SRTP_AES_GCM_128) == srtp_err_status_ok;
}
