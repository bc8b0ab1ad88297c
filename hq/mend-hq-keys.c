/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-hq"

#include "config.h"

#include "mend-hq-private.h"

#include <sodium.h>
#include <string.h>

#include "mend-seal.h"

/* HQ's X25519 key pairs for libsodium sealed boxes (PROTOCOL.md sections 5 and 9). The first is
 * made by `mend-hq admin init`; `mend-hq admin keys rotate` makes the next and retires the one
 * before, whose secret stays so that the notes sealed to it still open. Devices receive the
 * current public half with their enrolment and with every manifest, and name the key they
 * sealed to by its id (mend_seal_key_id()). */

static gboolean
insert_pair (PGconn *conn, GError **error)
{
  guint8 public_key[crypto_box_PUBLICKEYBYTES];
  guint8 secret_key[crypto_box_SECRETKEYBYTES];
  g_autofree char *key_id = NULL;
  const char *params[3];
  const int lengths[] = { sizeof public_key, sizeof secret_key, 0 };
  const int formats[] = { 1, 1, 0 };
  g_autoptr (PGresult) result = NULL;

  G_STATIC_ASSERT (crypto_box_PUBLICKEYBYTES == 32 && crypto_box_SECRETKEYBYTES == 32);

  crypto_box_keypair (public_key, secret_key);
  key_id = mend_seal_key_id (public_key);
  params[0] = (const char *)public_key;
  params[1] = (const char *)secret_key;
  params[2] = key_id;
  /* Only when no pair is current: running init again never replaces a key devices hold. */
  result = PQexecParams (conn,
                         "INSERT INTO hq_keys (public_key, secret_key, key_id)"
                         " SELECT $1, $2, $3 WHERE NOT EXISTS"
                         " (SELECT 1 FROM hq_keys WHERE retired_at IS NULL)",
                         3, NULL, params, lengths, formats, 0);
  sodium_memzero (secret_key, sizeof secret_key);
  return mend_hq_db_check (result, PGRES_COMMAND_OK, error);
}

/**
 * mend_hq_keys_ensure:
 *
 * Makes a key pair unless the database has a current one. Running it again never replaces a
 * key that devices already hold.
 */
gboolean
mend_hq_keys_ensure (PGconn *conn, GError **error)
{
  return insert_pair (conn, error);
}

/**
 * mend_hq_keys_rotate:
 * @out_key_id: (out) (optional): the new current key's id
 *
 * Retires the current pair and makes a new one, in one transaction. Devices seal to the new
 * key from their next manifest on; notes sealed to older keys still open.
 */
gboolean
mend_hq_keys_rotate (PGconn *conn, char **out_key_id, GError **error)
{
  g_autoptr (PGresult) result = NULL;

  if (!mend_hq_db_exec (conn, "BEGIN", error))
    return FALSE;
  result = PQexec (conn, "UPDATE hq_keys SET retired_at = now() WHERE retired_at IS NULL");
  if (!mend_hq_db_check (result, PGRES_COMMAND_OK, error) || !insert_pair (conn, error))
    {
      PQclear (PQexec (conn, "ROLLBACK"));
      return FALSE;
    }
  g_clear_pointer (&result, PQclear);
  result = PQexec (conn, "SELECT key_id FROM hq_keys WHERE retired_at IS NULL");
  if (!mend_hq_db_check (result, PGRES_TUPLES_OK, error) || PQntuples (result) != 1
      || !mend_hq_db_exec (conn, "COMMIT", error))
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_DATABASE, "the new key was not made");
      PQclear (PQexec (conn, "ROLLBACK"));
      return FALSE;
    }
  if (out_key_id != NULL)
    *out_key_id = g_strdup (PQgetvalue (result, 0, 0));
  return TRUE;
}

/**
 * mend_hq_keys_list:
 *
 * Prints every key pair, newest first: id, made, retired (empty for the current one). Never
 * the secret halves.
 */
gboolean
mend_hq_keys_list (PGconn *conn, GError **error)
{
  g_autoptr (PGresult) result
      = PQexec (conn, "SELECT key_id,"
                      " to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
                      " coalesce(to_char(retired_at AT TIME ZONE 'UTC',"
                      " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '')"
                      " FROM hq_keys ORDER BY created_at DESC, key_id");

  if (!mend_hq_db_check (result, PGRES_TUPLES_OK, error))
    return FALSE;
  g_print ("key_id\tcreated\tretired\n");
  for (int i = 0; i < PQntuples (result); i++)
    g_print ("%s\t%s\t%s\n", PQgetvalue (result, i, 0), PQgetvalue (result, i, 1),
             PQgetvalue (result, i, 2));
  return TRUE;
}

/**
 * mend_hq_keys_dup_public:
 *
 * Returns: (transfer full) (nullable): HQ's current public key in standard base64, as the
 *   protocol sends it; %NULL with an error when `admin init` never made one.
 */
char *
mend_hq_keys_dup_public (PGconn *conn, GError **error)
{
  g_autoptr (PGresult) result = NULL;
  char encoded[sodium_base64_ENCODED_LEN (crypto_box_PUBLICKEYBYTES,
                                          sodium_base64_VARIANT_ORIGINAL)];

  result = PQexecParams (conn, "SELECT public_key FROM hq_keys WHERE retired_at IS NULL", 0, NULL,
                         NULL, NULL, NULL, 1);
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

/* Public half then secret half, wiped when the ring goes. */
typedef struct
{
  guint8 pair[64];
} KeyPair;

static void
key_pair_free (KeyPair *pair)
{
  sodium_memzero (pair->pair, sizeof pair->pair);
  g_free (pair);
}

/**
 * mend_hq_keys_load:
 *
 * Returns: (transfer full) (nullable): every key pair HQ ever had, by id, for
 *   mend_hq_keys_open(); free with g_hash_table_unref(), which wipes the secrets.
 */
GHashTable *
mend_hq_keys_load (PGconn *conn, GError **error)
{
  g_autoptr (PGresult) result = PQexecParams (
      conn, "SELECT key_id, public_key, secret_key FROM hq_keys", 0, NULL, NULL, NULL, NULL, 1);
  g_autoptr (GHashTable) ring
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)key_pair_free);

  if (!mend_hq_db_check (result, PGRES_TUPLES_OK, error))
    return NULL;
  for (int i = 0; i < PQntuples (result); i++)
    {
      KeyPair *pair;

      if (PQgetlength (result, i, 1) != 32 || PQgetlength (result, i, 2) != 32)
        continue;
      pair = g_new0 (KeyPair, 1);
      memcpy (pair->pair, PQgetvalue (result, i, 1), 32);
      memcpy (pair->pair + 32, PQgetvalue (result, i, 2), 32);
      g_hash_table_insert (ring, g_strndup (PQgetvalue (result, i, 0), PQgetlength (result, i, 0)),
                           pair);
    }
  return g_steal_pointer (&ring);
}

/**
 * mend_hq_keys_open:
 * @ring: from mend_hq_keys_load()
 * @key_id: the payload's "notes_key"
 * @sealed: the payload's "notes_sealed"
 *
 * Returns: (transfer full) (nullable): the note, or %NULL with @error when HQ has no such key
 *   or the note does not open with it.
 */
char *
mend_hq_keys_open (GHashTable *ring, const char *key_id, const char *sealed, GError **error)
{
  KeyPair *pair = key_id != NULL ? g_hash_table_lookup (ring, key_id) : NULL;

  if (pair == NULL)
    {
      g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_DATABASE,
                   "the note was sealed to a key HQ does not hold");
      return NULL;
    }
  return mend_seal_open (pair->pair, pair->pair + 32, sealed, error);
}
