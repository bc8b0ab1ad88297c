/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-hq"

#include "config.h"

#include "mend-hq-private.h"

#include <sodium.h>
#include <string.h>

/* PostgreSQL through libpq: connections, migrations, and the digests and random secrets HQ
 * hands out. */

G_DEFINE_QUARK (mend - hq - error - quark, mend_hq_error)

/* The migrations, in order; each is applied in one transaction with its schema_version row. */
static const char *const migrations[] = {
  "/org/mendapp/hq/migrations/0001-initial.sql", "/org/mendapp/hq/migrations/0002-reference.sql",
  "/org/mendapp/hq/migrations/0003-blobs.sql",   "/org/mendapp/hq/migrations/0004-staff.sql",
  "/org/mendapp/hq/migrations/0005-keys.sql",   /* key ids and rotation, device disclosures */
  "/org/mendapp/hq/migrations/0006-credit.sql", /* the transaction that stored each event */
  "/org/mendapp/hq/migrations/0007-purges.sql", /* what devices report they have purged */
};

/* Connections HQ opens never leave a statement running forever. */
PGconn *
mend_hq_db_connect (const char *conninfo, GError **error)
{
  g_autoptr (PGconn) conn = PQconnectdb (conninfo);
  g_autoptr (PGresult) result = NULL;

  if (PQstatus (conn) != CONNECTION_OK)
    {
      g_autofree char *message = g_strchomp (g_strdup (PQerrorMessage (conn)));

      g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_DATABASE, "cannot connect: %s", message);
      return NULL;
    }
  result = PQexec (conn, "SET statement_timeout = '30s'; SET client_min_messages = warning");
  if (!mend_hq_db_check (result, PGRES_COMMAND_OK, error))
    return NULL;
  return g_steal_pointer (&conn);
}

/**
 * mend_hq_db_error_text:
 *
 * What went wrong in @result, in words that may be logged: PostgreSQL's primary message, its
 * error code, and the table, column and constraint it names. Its full message is not, because
 * the detail quotes the data of the row it refused ("Key (case_ref)=(…) already exists",
 * "Failing row contains (…)"), and HQ's errors reach its log, admin's standard error and the
 * devices; a data exception's primary message quotes the input too, and is cut before it.
 *
 * Returns: (transfer full): the text
 */
char *
mend_hq_db_error_text (const PGresult *result)
{
  const int fields[] = { PG_DIAG_TABLE_NAME, PG_DIAG_COLUMN_NAME, PG_DIAG_CONSTRAINT_NAME };
  const char *const labels[] = { "table", "column", "constraint" };
  const char *primary, *state, *quote;
  GString *text;

  if (result == NULL)
    return g_strdup ("out of memory");
  primary = PQresultErrorField (result, PG_DIAG_MESSAGE_PRIMARY);
  state = PQresultErrorField (result, PG_DIAG_SQLSTATE);
  /* No primary message: libpq's own failure (a lost connection), which quotes no data. */
  if (primary == NULL)
    return g_strchomp (g_strdup (PQresultErrorMessage (result)));
  text = g_string_new (primary);
  if (state != NULL && g_str_has_prefix (state, "22") && (quote = strchr (primary, '"')) != NULL)
    {
      gsize end = (gsize)(quote - primary);

      /* "invalid input syntax for type uuid: \"…\"" keeps its words before the colon. */
      while (end > 0 && (primary[end - 1] == ' ' || primary[end - 1] == ':'))
        end--;
      g_string_truncate (text, end);
    }
  g_string_append_printf (text, " (SQLSTATE %s", state != NULL ? state : "unknown");
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      const char *value = PQresultErrorField (result, fields[i]);

      if (value != NULL)
        g_string_append_printf (text, ", %s %s", labels[i], value);
    }
  g_string_append_c (text, ')');
  return g_string_free (text, FALSE);
}

gboolean
mend_hq_db_check (PGresult *result, ExecStatusType expected, GError **error)
{
  g_autofree char *text = NULL;

  if (PQresultStatus (result) == expected)
    return TRUE;
  text = mend_hq_db_error_text (result);
  g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_DATABASE, "%s", text);
  return FALSE;
}

gboolean
mend_hq_db_exec (PGconn *conn, const char *sql, GError **error)
{
  g_autoptr (PGresult) result = PQexec (conn, sql);

  return mend_hq_db_check (result, PGRES_COMMAND_OK, error);
}

/**
 * mend_hq_db_pipeline:
 * @statements: (array length=n): what to run, in order
 * @out_results: (array length=n) (out): each statement's result, to be PQclear()ed; a
 *   statement after a failed one is answered PGRES_PIPELINE_ABORTED
 *
 * Sends @n statements at once and reads their answers together (libpq's pipeline mode), so a
 * transaction of several statements costs one round trip to PostgreSQL rather than one each.
 * The connection is back in its ordinary mode on return, whatever happened.
 *
 * Returns: %FALSE when the statements could not be sent or their answers read (@error is set
 *   and every result is %NULL or what arrived); a statement's own failure is in its result.
 */
gboolean
mend_hq_db_pipeline (PGconn *conn,
                     const MendHqStatement *statements,
                     guint n,
                     PGresult **out_results,
                     GError **error)
{
  gboolean ok = TRUE;

  memset (out_results, 0, n * sizeof *out_results);
  if (PQenterPipelineMode (conn) != 1)
    goto broken;
  for (guint i = 0; i < n && ok; i++)
    ok = PQsendQueryParams (conn, statements[i].sql, statements[i].n_params, NULL,
                            statements[i].values, statements[i].lengths, statements[i].formats, 0)
         == 1;
  if (!ok || PQpipelineSync (conn) != 1)
    {
      /* The connection is no longer in step with PostgreSQL; it is left in pipeline mode,
       * which makes mend_hq_db_thread_conn() open a new one for the next request. */
      g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_DATABASE, "cannot send: %s",
                   PQerrorMessage (conn));
      return FALSE;
    }
  for (guint i = 0; i < n; i++)
    {
      PGresult *extra;

      out_results[i] = PQgetResult (conn);
      if (out_results[i] == NULL)
        goto broken;
      /* Each statement's answer ends with a NULL. */
      while ((extra = PQgetResult (conn)) != NULL)
        PQclear (extra);
    }
  {
    g_autoptr (PGresult) sync = PQgetResult (conn);

    if (PQresultStatus (sync) != PGRES_PIPELINE_SYNC || PQexitPipelineMode (conn) != 1)
      goto broken;
  }
  return TRUE;

broken:
  g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_DATABASE, "the pipeline broke: %s",
               PQerrorMessage (conn));
  for (guint i = 0; i < n; i++)
    g_clear_pointer (&out_results[i], PQclear);
  return FALSE;
}

/* The newest migration applied, 0 for an empty database. */
int
mend_hq_db_schema_version (PGconn *conn, GError **error)
{
  g_autoptr (PGresult) result = NULL;

  result = PQexec (conn, "SELECT coalesce(max(version), 0) FROM schema_version");
  if (!mend_hq_db_check (result, PGRES_TUPLES_OK, error))
    return -1;
  return atoi (PQgetvalue (result, 0, 0));
}

static gboolean
apply_migration (PGconn *conn, int version, GError **error)
{
  g_autoptr (GBytes) sql = NULL;
  g_autoptr (PGresult) result = NULL;
  g_autofree char *text = NULL;
  g_autofree char *version_text = g_strdup_printf ("%d", version);
  const char *params[] = { version_text };

  sql = g_resources_lookup_data (migrations[version - 1], G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  if (sql == NULL)
    return FALSE;
  text = g_strndup (g_bytes_get_data (sql, NULL), g_bytes_get_size (sql));

  /* The migration and its version row commit together, so a failed migration leaves the
   * database as it was and the next start tries it again. */
  if (!mend_hq_db_exec (conn, "BEGIN", error))
    return FALSE;
  if (!mend_hq_db_exec (conn, text, error))
    goto fail;
  result = PQexecParams (conn, "INSERT INTO schema_version (version) VALUES ($1::int)", 1, NULL,
                         params, NULL, NULL, 0);
  if (!mend_hq_db_check (result, PGRES_COMMAND_OK, error))
    goto fail;
  return mend_hq_db_exec (conn, "COMMIT", error);

fail:
  g_prefix_error (error, "migration %d: ", version);
  PQclear (PQexec (conn, "ROLLBACK"));
  return FALSE;
}

/* The version a database has once every migration of this build is applied. */
int
mend_hq_db_latest_version (void)
{
  return G_N_ELEMENTS (migrations);
}

/* Brings the schema up to date; refuses a database newer than this code. */
gboolean
mend_hq_db_migrate (PGconn *conn, GError **error)
{
  int current;
  int latest = G_N_ELEMENTS (migrations);

  if (!mend_hq_db_exec (conn,
                        "CREATE TABLE IF NOT EXISTS schema_version ("
                        " version int PRIMARY KEY,"
                        " applied_at timestamptz NOT NULL DEFAULT now())",
                        error))
    return FALSE;
  current = mend_hq_db_schema_version (conn, error);
  if (current < 0)
    return FALSE;
  if (current > latest)
    {
      g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_DATABASE,
                   "the database has schema version %d; this mend-hq knows only up to %d", current,
                   latest);
      return FALSE;
    }
  for (int version = current + 1; version <= latest; version++)
    if (!apply_migration (conn, version, error))
      return FALSE;
  return TRUE;
}

static void
conn_free (gpointer conn)
{
  PQfinish (conn);
}

/* libmicrohttpd's worker threads each keep one connection, opened on first use and closed when
 * the thread ends, so no connection is ever shared between threads. */
static GPrivate thread_conn = G_PRIVATE_INIT (conn_free);

PGconn *
mend_hq_db_thread_conn (const char *conninfo, GError **error)
{
  PGconn *conn = g_private_get (&thread_conn);

  /* A connection left in pipeline mode lost step with PostgreSQL (mend_hq_db_pipeline()). */
  if (conn != NULL && PQstatus (conn) == CONNECTION_OK
      && PQpipelineStatus (conn) == PQ_PIPELINE_OFF)
    return conn;
  /* A connection the server dropped is opened again, rather than failing every request the
   * thread serves from now on. */
  conn = mend_hq_db_connect (conninfo, error);
  g_private_replace (&thread_conn, conn);
  return conn;
}

void
mend_hq_sha256 (const char *text, guint8 out_digest[32])
{
  crypto_hash_sha256 (out_digest, (const guint8 *)text, strlen (text));
}

/* An enrolment code: 12 characters of [A-Z0-9], about 62 bits, single use and short-lived. */
char *
mend_hq_random_code (void)
{
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  char *code = g_malloc (13);

  for (int i = 0; i < 12; i++)
    code[i] = alphabet[randombytes_uniform (sizeof alphabet - 1)];
  code[12] = '\0';
  return code;
}

/* A bearer token: "mnd_" and 32 random bytes in base64url without padding (section 9). */
char *
mend_hq_random_token (void)
{
  guint8 bytes[32];
  char encoded[sodium_base64_ENCODED_LEN (32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];

  randombytes_buf (bytes, sizeof bytes);
  sodium_bin2base64 (encoded, sizeof encoded, bytes, sizeof bytes,
                     sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero (bytes, sizeof bytes);
  return g_strconcat ("mnd_", encoded, NULL);
}
