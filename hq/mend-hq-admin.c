/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-hq"

#include "config.h"

#include "mend-hq-admin-private.h"

#include <stdio.h>
#include <string.h>

/* `mend-hq admin …`: what an HQ administrator does from a shell. Each command is one
 * statement or one transaction, so a failure leaves nothing half done. */

/* A team's id from its name: lowercase letters and digits, runs of anything else as one '-'. */
static char *
team_id_from_name (const char *name)
{
  GString *id = g_string_new ("team-");
  gboolean dash = TRUE;

  for (const char *p = name; *p != '\0'; p++)
    {
      if (g_ascii_isalnum (*p))
        {
          g_string_append_c (id, g_ascii_tolower (*p));
          dash = FALSE;
        }
      else if (!dash)
        {
          g_string_append_c (id, '-');
          dash = TRUE;
        }
    }
  if (id->len > 0 && id->str[id->len - 1] == '-')
    g_string_truncate (id, id->len - 1);
  return g_string_free (id, FALSE);
}

static gboolean
team_add (PGconn *conn, const char *name, GError **error)
{
  g_autofree char *id = team_id_from_name (name);
  const char *params[] = { id, name };
  g_autoptr (PGresult) result = NULL;

  if (strcmp (id, "team") == 0 || g_utf8_strlen (name, -1) > 100)
    {
      g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE,
                   "a team name needs a letter or digit and at most 100 characters");
      return FALSE;
    }
  result = PQexecParams (conn, "INSERT INTO teams (id, name) VALUES ($1, $2)", 2, NULL, params,
                         NULL, NULL, 0);
  if (!mend_hq_db_check (result, PGRES_COMMAND_OK, error))
    return FALSE;
  g_print ("%s\n", id);
  return TRUE;
}

/* Prints a new code once; only its SHA-256 is stored, so it cannot be shown again. */
static gboolean
enrolment_code (PGconn *conn, const char *team, int ttl_minutes, GError **error)
{
  g_autofree char *code = mend_hq_random_code ();
  g_autofree char *ttl = g_strdup_printf ("%d", ttl_minutes);
  guint8 digest[32];
  const char *params[] = { (const char *)digest, team, ttl };
  const int lengths[] = { sizeof digest, 0, 0 };
  const int formats[] = { 1, 0, 0 };
  g_autoptr (PGresult) result = NULL;

  mend_hq_sha256 (code, digest);
  result = PQexecParams (conn,
                         "INSERT INTO enrolment_codes (code_sha256, team, expires_at)"
                         " SELECT $1, id, now() + make_interval(mins => $3::int)"
                         " FROM teams WHERE id = $2 OR name = $2 LIMIT 1",
                         3, NULL, params, lengths, formats, 0);
  if (!mend_hq_db_check (result, PGRES_COMMAND_OK, error))
    return FALSE;
  if (strcmp (PQcmdTuples (result), "1") != 0)
    {
      g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_NOT_FOUND, "no team %s", team);
      return FALSE;
    }
  g_print ("%s\n", code);
  return TRUE;
}

static gboolean
run (PGconn *conn, int argc, char **argv, GError **error)
{
  const char *command = argv[0];

  if (strcmp (command, "init") == 0 && argc == 1)
    return mend_hq_db_migrate (conn, error) && mend_hq_keys_ensure (conn, error);

  /* Every other command needs the schema; it never migrates behind the administrator's back. */
  if (mend_hq_db_schema_version (conn, NULL) <= 0)
    {
      g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE,
                   "the database is not initialised: run mend-hq admin init first");
      return FALSE;
    }
  if (strcmp (command, "user") == 0)
    return mend_hq_admin_users (conn, argc, argv, error);
  if (strcmp (command, "team") == 0 && argc == 3 && strcmp (argv[1], "add") == 0)
    return team_add (conn, argv[2], error);
  if (strcmp (command, "revoke") == 0 && argc == 2)
    return mend_hq_admin_device_revoke (conn, argv[1], error);
  if (strcmp (command, "keys") == 0 && argc == 2)
    return mend_hq_admin_keys (conn, argv[1], error);
  if (strcmp (command, "device") == 0 && argc == 3 && strcmp (argv[1], "report") == 0)
    return mend_hq_admin_device_report (conn, argv[2], error);
  {
    gboolean handled = FALSE;
    gboolean ok = mend_hq_admin_reference_main (conn, argc, argv, &handled, error);

    if (handled)
      return ok;
  }
  /* enrol-code --team TEAM [--ttl MINUTES] is enrolment-code TEAM [--ttl MINUTES]: dropping
   * the first word puts TEAM where enrolment-code reads it. */
  if (strcmp (command, "enrol-code") == 0 && argc >= 3 && strcmp (argv[1], "--team") == 0)
    {
      argv++;
      argc--;
      command = "enrolment-code";
    }
  if (strcmp (command, "enrolment-code") == 0 && (argc == 2 || argc == 4))
    {
      gint64 ttl = 24 * 60;

      if (argc == 4
          && (strcmp (argv[2], "--ttl") != 0
              || !g_ascii_string_to_signed (argv[3], 10, 1, 365 * 24 * 60, &ttl, NULL)))
        {
          g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE,
                       "--ttl takes whole minutes, 1 to 525600");
          return FALSE;
        }
      return enrolment_code (conn, argv[1], (int)ttl, error);
    }
  g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE,
               "usage: mend-hq admin --database CONNINFO init | team add NAME"
               " | enrolment-code TEAM [--ttl MINUTES] | revoke DEVICE"
               " | enrol-code --team TEAM [--ttl MINUTES] | device list | device revoke DEVICE"
               " | supervisor add --team TEAM --name NAME (--pin-stdin | --pin PIN)"
               " | site import FILE.geojson --team TEAM | person import FILE.csv --team TEAM"
               " | reference import FILE.json --team TEAM"
               " | session add --team TEAM --site SITE [--supervisor SUP] --starts WHEN --ends WHEN"
               " | assign --session SESSION --person PERSON [--remove] | demo [--team NAME]"
               " | (supervisor | site | person | session) remove ID"
               " | keys (list | rotate) | device report DEVICE"
               " | user add NAME [--password PASSWORD]");
  return FALSE;
}

int
mend_hq_admin_main (const char *conninfo, int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PGconn) conn = NULL;

  if (argc < 1)
    {
      g_printerr ("mend-hq admin: a command is needed: init, team add, enrolment-code, revoke\n");
      return 2;
    }
  conn = mend_hq_db_connect (conninfo, &error);
  if (conn == NULL || !run (conn, argc, argv, &error))
    {
      g_printerr ("mend-hq admin: %s\n", error->message);
      return error->domain == MEND_HQ_ERROR && error->code == MEND_HQ_ERROR_USAGE ? 2 : 1;
    }
  return 0;
}
