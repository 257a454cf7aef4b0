/* merkle.h — the Merkle tree hash of RFC 9162 §2.1.1 over a recording's
 * segment digests, so that one root in the seal commits to every segment in
 * order, and a single segment can later be proven with an audit path.
 *
 *   MTH({})       = SHA-256()
 *   MTH({d0})     = SHA-256(0x00 || d0)
 *   MTH(D[n])     = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])),
 *                   k the largest power of two smaller than n
 *
 * Leaves are the raw 32-byte SHA-256 digests of the segment files, in the
 * chain's seq order. Pure; any thread.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define WT_MERKLE_HASH_LEN 32

/* Writes the root over @n leaves (@leaves: n * 32 bytes, transfer none) to @root. */
void wt_merkle_root(const guint8 *leaves, gsize n, guint8 root[WT_MERKLE_HASH_LEN]);

G_END_DECLS
