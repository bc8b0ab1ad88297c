/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-hq"

#include "config.h"

#include "mend-hq-private.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* `mend-hq admin user add NAME [--password P]`: HQ staff who log in to the dashboard. The
 * password is read from standard input (one line) unless --password gives it, because a
 * password on a command line shows in the process list and the shell's history. Only its
 * Argon2id hash is stored. */

#define PASSWORD_MIN_CHARS 10
#define PASSWORD_MAX_BYTES 1024

/* One line of standard input, without its line end. */
static char *
read_password (GError **error)
{
  char buffer[PASSWORD_MAX_BYTES + 2];
  size_t length;

  if (fgets (buffer, sizeof buffer, stdin) == NULL)
    {
      g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE,
                   "the password is read from standard input, which was empty");
      return NULL;
    }
  length = strcspn (buffer, "\r\n");
  if (length == strlen (buffer) && !feof (stdin))
    {
      sodium_memzero (buffer, sizeof buffer);
      g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE,
                   "the password is longer than %d bytes", PASSWORD_MAX_BYTES);
      return NULL;
    }
  buffer[length] = '\0';
  {
    char *password = g_strdup (buffer);

    sodium_memzero (buffer, sizeof buffer);
    return password;
  }
}

static gboolean
check_name (const char *name, GError **error)
{
  if (!g_utf8_validate (name, -1, NULL) || g_utf8_strlen (name, -1) < 1
      || g_utf8_strlen (name, -1) > 100)
    {
      g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE,
                   "a user name is 1 to 100 characters of UTF-8");
      return FALSE;
    }
  for (const char *p = name; *p != '\0'; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f)
      {
        g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE,
                     "a user name cannot hold control characters");
        return FALSE;
      }
  return TRUE;
}

static gboolean
check_password (const char *password, GError **error)
{
  if (!g_utf8_validate (password, -1, NULL) || strlen (password) > PASSWORD_MAX_BYTES
      || g_utf8_strlen (password, -1) < PASSWORD_MIN_CHARS)
    {
      g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE,
                   "a password is %d characters or more of UTF-8, at most %d bytes",
                   PASSWORD_MIN_CHARS, PASSWORD_MAX_BYTES);
      return FALSE;
    }
  return TRUE;
}

/**
 * password_hash:
 *
 * Argon2id through libsodium, with its "interactive" limits (about 0.1 s and 64 MiB): the same
 * limits a login pays, so the dashboard stays quick while a stolen database stays slow to
 * search.
 *
 * Returns: (transfer full) (nullable): the self-describing hash string.
 */
static char *
password_hash (const char *password, GError **error)
{
  char encoded[crypto_pwhash_STRBYTES];

  if (crypto_pwhash_str (encoded, password, strlen (password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                         crypto_pwhash_MEMLIMIT_INTERACTIVE)
      != 0)
    {
      g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_DATABASE,
                   "not enough memory to hash the password");
      return NULL;
    }
  return g_strdup (encoded);
}

static gboolean
user_add (PGconn *conn, const char *name, const char *given_password, GError **error)
{
  g_autofree char *read = NULL;
  g_autofree char *hash = NULL;
  const char *password = given_password;
  g_autoptr (PGresult) result = NULL;
  gboolean ok = FALSE;

  if (!check_name (name, error))
    return FALSE;
  if (password == NULL)
    password = read = read_password (error);
  if (password == NULL || !check_password (password, error))
    goto out;
  hash = password_hash (password, error);
  if (hash == NULL)
    goto out;
  {
    const char *params[] = { name, hash };

    result = PQexecParams (conn,
                           "INSERT INTO staff_users (name, password_hash) VALUES ($1, $2)"
                           " ON CONFLICT (name) DO NOTHING",
                           2, NULL, params, NULL, NULL, 0);
  }
  if (!mend_hq_db_check (result, PGRES_COMMAND_OK, error))
    goto out;
  if (strcmp (PQcmdTuples (result), "1") != 0)
    g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE, "there is a user %s already", name);
  else
    ok = TRUE;

out:
  if (read != NULL)
    sodium_memzero (read, strlen (read));
  return ok;
}

/* `user add NAME [--password P]`; FALSE with @error set when the words are not a user
 * command this file knows. */
gboolean
mend_hq_admin_users (PGconn *conn, int argc, char **argv, GError **error)
{
  if (argc == 3 && strcmp (argv[1], "add") == 0)
    return user_add (conn, argv[2], NULL, error);
  if (argc == 5 && strcmp (argv[1], "add") == 0 && strcmp (argv[3], "--password") == 0)
    return user_add (conn, argv[2], argv[4], error);
  g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE,
               "usage: mend-hq admin --database CONNINFO user add NAME [--password PASSWORD]"
               " (without --password, one line of standard input)");
  return FALSE;
}
