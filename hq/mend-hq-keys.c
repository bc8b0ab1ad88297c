/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-hq"

#include "config.h"

#include "mend-hq-private.h"

#include <sodium.h>
#include <string.h>

/* HQ's X25519 key pair for libsodium sealed boxes (PROTOCOL.md section 9). It is made once, by
 * `mend-hq admin init`, and kept in hq_keys; devices receive the public half with their
 * enrolment and with every manifest. */

/**
 * mend_hq_keys_ensure:
 *
 * Makes the key pair unless the database has one. Running it again never replaces a key that
 * devices already hold.
 */
gboolean
mend_hq_keys_ensure (PGconn *conn, GError **error)
{
  guint8 public_key[crypto_box_PUBLICKEYBYTES];
  guint8 secret_key[crypto_box_SECRETKEYBYTES];
  const char *params[] = { (const char *)public_key, (const char *)secret_key };
  const int lengths[] = { sizeof public_key, sizeof secret_key };
  const int formats[] = { 1, 1 };
  g_autoptr (PGresult) result = NULL;

  G_STATIC_ASSERT (crypto_box_PUBLICKEYBYTES == 32 && crypto_box_SECRETKEYBYTES == 32);

  crypto_box_keypair (public_key, secret_key);
  result = PQexecParams (conn,
                         "INSERT INTO hq_keys (public_key, secret_key) VALUES ($1, $2)"
                         " ON CONFLICT (singleton) DO NOTHING",
                         2, NULL, params, lengths, formats, 0);
  sodium_memzero (secret_key, sizeof secret_key);
  return mend_hq_db_check (result, PGRES_COMMAND_OK, error);
}

/**
 * mend_hq_keys_dup_public:
 *
 * Returns: (transfer full) (nullable): HQ's public key in standard base64, as the protocol
 *   sends it; %NULL with an error when `admin init` never made one.
 */
char *
mend_hq_keys_dup_public (PGconn *conn, GError **error)
{
  g_autoptr (PGresult) result = NULL;
  char encoded[sodium_base64_ENCODED_LEN (crypto_box_PUBLICKEYBYTES,
                                          sodium_base64_VARIANT_ORIGINAL)];

  result = PQexecParams (conn, "SELECT public_key FROM hq_keys", 0, NULL, NULL, NULL, NULL, 1);
  if (!mend_hq_db_check (result, PGRES_TUPLES_OK, error))
    return NULL;
  if (PQntuples (result) != 1 || PQgetlength (result, 0, 0) != crypto_box_PUBLICKEYBYTES)
    {
      g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_DATABASE,
                   "HQ has no key pair: run mend-hq admin init");
      return NULL;
    }
  sodium_bin2base64 (encoded, sizeof encoded, (const guint8 *)PQgetvalue (result, 0, 0),
                     crypto_box_PUBLICKEYBYTES, sodium_base64_VARIANT_ORIGINAL);
  return g_strdup (encoded);
}
