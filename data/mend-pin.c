/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-pin"

#include "config.h"

#include "mend-pin.h"

#include <gio/gio.h>
#include <sodium.h>
#include <string.h>

static gboolean
ensure_sodium (GError **error)
{
  if (sodium_init () < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "libsodium could not start");
      return FALSE;
    }
  return TRUE;
}

/**
 * mend_pin_hash:
 * @pin: the PIN, digits
 *
 * A four-digit PIN has only 10,000 values, so the hash must be slow to make a stolen store
 * expensive to search: Argon2id with libsodium's "interactive" limits (about 0.1 s and 64 MiB
 * here), with a random salt, in libsodium's self-describing string form.
 *
 * Returns: (transfer full) (nullable): the encoded hash.
 */
char *
mend_pin_hash (const char *pin, GError **error)
{
  char encoded[crypto_pwhash_STRBYTES];

  g_return_val_if_fail (pin != NULL, NULL);

  if (!ensure_sodium (error))
    return NULL;
  if (crypto_pwhash_str (encoded, pin, strlen (pin), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                         crypto_pwhash_MEMLIMIT_INTERACTIVE)
      != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "Not enough memory to hash the PIN");
      return NULL;
    }
  return g_strdup (encoded);
}

/**
 * mend_pin_verify:
 * @hash: (nullable): from mend_pin_hash()
 * @pin: what was typed
 *
 * Returns: whether @pin matches; %FALSE for a missing or damaged hash.
 */
gboolean
mend_pin_verify (const char *hash, const char *pin)
{
  if (hash == NULL || pin == NULL || !ensure_sodium (NULL))
    return FALSE;
  if (strlen (hash) >= crypto_pwhash_STRBYTES)
    return FALSE;
  return crypto_pwhash_str_verify (hash, pin, strlen (pin)) == 0;
}
