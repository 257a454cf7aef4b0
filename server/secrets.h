/* secrets.h — the token secret in the data folder, created on first use.
 * The file holds 64 hex digits (256 random bits); the HMAC key is that text,
 * so the backend that issues tokens can use the file's content as it is.
 * Main thread (witnessd start-up, witnessctl). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Reads the secret at @path, or creates it (folder 0700, file 0600) when it
 * does not exist. Returns the key bytes (transfer full) or NULL with @error.
 * Refuses a secret shorter than 32 characters. */
GBytes *wt_secret_load_or_create(const char *path, GError **error);

G_END_DECLS
