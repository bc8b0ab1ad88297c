/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-hq"

#include "config.h"

#include "mend-hq-admin-private.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "mend-demo.h"
#include "mend-pin.h"
#include "mend-time.h"

/* `mend-hq admin` commands for a team's reference data: supervisor add, session add, assign,
 * the imports, the demo team, and the device commands. Every change goes through
 * mend_hq_reference_apply() in one transaction, so a refused row leaves nothing half done. */

#define PIN_MAX_BYTES 64

gboolean
mend_hq_admin_parse_options (int argc,
                             char **argv,
                             const MendHqOption *options,
                             const char **out_positional,
                             GError **error)
{
  for (int i = 0; i < argc; i++)
    {
      const MendHqOption *option = NULL;

      for (const MendHqOption *o = options; o->name != NULL; o++)
        if (strcmp (argv[i], o->name) == 0)
          option = o;
      if (option != NULL && i + 1 < argc)
        {
          *option->value = argv[++i];
          continue;
        }
      if (option == NULL && argv[i][0] != '-' && out_positional != NULL && *out_positional == NULL)
        {
          *out_positional = argv[i];
          continue;
        }
      g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE,
                   option != NULL ? "%s needs a value" : "unexpected argument %s", argv[i]);
      return FALSE;
    }
  return TRUE;
}

/* A team's id, from its id or its name. */
char *
mend_hq_admin_find_team (PGconn *conn, const char *team, GError **error)
{
  const char *params[] = { team };
  g_autoptr (PGresult) result = NULL;

  result = PQexecParams (conn, "SELECT id FROM teams WHERE id = $1 OR name = $1 LIMIT 1", 1, NULL,
                         params, NULL, NULL, 0);
  if (!mend_hq_db_check (result, PGRES_TUPLES_OK, error))
    return NULL;
  if (PQntuples (result) != 1)
    {
      g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_NOT_FOUND, "no team %s", team);
      return NULL;
    }
  return g_strdup (PQgetvalue (result, 0, 0));
}

gboolean
mend_hq_admin_apply (PGconn *conn, const char *team, JsonObject *lists, GError **error)
{
  if (!mend_hq_db_exec (conn, "BEGIN", error))
    return FALSE;
  if (!mend_hq_reference_apply (conn, team, lists, error)
      || !mend_hq_db_exec (conn, "COMMIT", error))
    {
      PQclear (PQexec (conn, "ROLLBACK"));
      return FALSE;
    }
  return TRUE;
}

static JsonObject *
one_row_list (const char *list, JsonObject *row)
{
  JsonObject *lists = json_object_new ();
  JsonArray *array = json_array_new ();

  json_array_add_object_element (array, row);
  json_object_set_array_member (lists, list, array);
  return lists;
}

/* The PIN from standard input (one line), so it never shows in the process list. */
static char *
read_pin (GError **error)
{
  char buffer[PIN_MAX_BYTES + 2];
  size_t length;
  char *pin;

  if (fgets (buffer, sizeof buffer, stdin) == NULL)
    {
      g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE,
                   "--pin-stdin reads the PIN from standard input, which was empty");
      return NULL;
    }
  length = strcspn (buffer, "\r\n");
  buffer[length] = '\0';
  pin = g_strdup (buffer);
  sodium_memzero (buffer, sizeof buffer);
  return pin;
}

/* Four to twelve digits: what the device's PIN pad can type. */
static gboolean
check_pin (const char *pin, GError **error)
{
  size_t length = strlen (pin);

  for (size_t i = 0; i < length; i++)
    if (!g_ascii_isdigit (pin[i]))
      length = 0;
  if (length < 4 || length > 12)
    {
      g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE, "a PIN is 4 to 12 digits");
      return FALSE;
    }
  return TRUE;
}

/* An id from a name: "sup-" and its letters and digits, lowercase, dashes between words. */
static char *
id_from_name (const char *prefix, const char *name)
{
  GString *id = g_string_new (prefix);
  gboolean dash = TRUE;

  for (const char *p = name; *p != '\0' && id->len < 100; p++)
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
  if (id->len > strlen (prefix) && id->str[id->len - 1] == '-')
    g_string_truncate (id, id->len - 1);
  return g_string_free (id, FALSE);
}

/* supervisor add --team T --name N [--id ID] (--pin-stdin | --pin PIN) */
static gboolean
supervisor_add (PGconn *conn, int argc, char **argv, GError **error)
{
  const char *team_arg = NULL, *name = NULL, *id_arg = NULL, *pin_arg = NULL, *stdin_flag = NULL;
  const MendHqOption options[] = {
    { "--team", &team_arg }, { "--name", &name }, { "--id", &id_arg },
    { "--pin", &pin_arg },   { NULL, NULL },
  };
  g_autofree char *team = NULL;
  g_autofree char *id = NULL;
  g_autofree char *pin = NULL;
  g_autofree char *hash = NULL;
  g_autoptr (JsonObject) lists = NULL;
  JsonObject *row;
  g_autoptr (GPtrArray) rest = g_ptr_array_new ();

  /* --pin-stdin takes no value, so it is taken out before the "--name VALUE" options. */
  for (int i = 0; i < argc; i++)
    if (strcmp (argv[i], "--pin-stdin") == 0)
      stdin_flag = argv[i];
    else
      g_ptr_array_add (rest, argv[i]);
  if (!mend_hq_admin_parse_options ((int)rest->len, (char **)rest->pdata, options, NULL, error))
    return FALSE;
  if (team_arg == NULL || name == NULL || (pin_arg == NULL) == (stdin_flag == NULL))
    {
      g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE,
                   "usage: supervisor add --team TEAM --name NAME [--id ID]"
                   " (--pin-stdin | --pin PIN)");
      return FALSE;
    }
  team = mend_hq_admin_find_team (conn, team_arg, error);
  if (team == NULL)
    return FALSE;
  pin = pin_arg != NULL ? g_strdup (pin_arg) : read_pin (error);
  if (pin == NULL || !check_pin (pin, error))
    return FALSE;
  hash = mend_pin_hash (pin, error);
  sodium_memzero (pin, strlen (pin));
  if (hash == NULL)
    return FALSE;
  id = id_arg != NULL ? g_strdup (id_arg) : id_from_name ("sup-", name);

  row = json_object_new ();
  json_object_set_string_member (row, "id", id);
  json_object_set_string_member (row, "name", name);
  json_object_set_string_member (row, "pin_hash", hash);
  lists = one_row_list ("supervisors", row);
  if (!mend_hq_admin_apply (conn, team, lists, error))
    {
      /* Ids are HQ-wide: two teams' "Ana Smith" need ids of their own. */
      if (id_arg == NULL && strstr ((*error)->message, "belongs to another team") != NULL)
        {
          g_autofree char *message
              = g_strdup_printf ("%s; give this supervisor another with --id", (*error)->message);

          g_free ((*error)->message);
          (*error)->message = g_steal_pointer (&message);
        }
      return FALSE;
    }
  g_print ("%s\n", id);
  return TRUE;
}

static gboolean
parse_time (const char *option, const char *text, gint64 day_ms, gint64 *out_ms, GError **error)
{
  g_autoptr (GError) local_error = NULL;

  if (!mend_time_parse (text, day_ms, out_ms, &local_error))
    {
      g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE, "%s: %s", option,
                   local_error->message);
      return FALSE;
    }
  return TRUE;
}

/* session add --team T --site S [--supervisor SUP] --starts WHEN --ends WHEN [--id ID] */
static gboolean
session_add (PGconn *conn, int argc, char **argv, GError **error)
{
  const char *team_arg = NULL, *site = NULL, *supervisor = NULL, *starts = NULL, *ends = NULL;
  const char *id_arg = NULL;
  const MendHqOption options[] = {
    { "--team", &team_arg }, { "--site", &site }, { "--supervisor", &supervisor },
    { "--starts", &starts }, { "--ends", &ends }, { "--id", &id_arg },
    { NULL, NULL },
  };
  g_autofree char *team = NULL;
  g_autofree char *id = NULL;
  g_autoptr (JsonObject) lists = NULL;
  gint64 starts_ms, ends_ms;
  JsonObject *row;

  if (!mend_hq_admin_parse_options (argc, argv, options, NULL, error))
    return FALSE;
  if (team_arg == NULL || site == NULL || starts == NULL || ends == NULL)
    {
      g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE,
                   "usage: session add --team TEAM --site SITE [--supervisor SUPERVISOR]"
                   " --starts WHEN --ends WHEN [--id ID]; WHEN is an ISO 8601 time, or HH:MM"
                   " (today for --starts, the start's day for --ends)");
      return FALSE;
    }
  if (!parse_time ("--starts", starts, mend_time_now_ms (), &starts_ms, error)
      || !parse_time ("--ends", ends, starts_ms, &ends_ms, error))
    return FALSE;
  if (ends_ms <= starts_ms)
    {
      g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE, "--ends must be after --starts");
      return FALSE;
    }
  team = mend_hq_admin_find_team (conn, team_arg, error);
  if (team == NULL)
    return FALSE;
  if (id_arg != NULL)
    id = g_strdup (id_arg);
  else
    {
      g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (starts_ms / 1000);
      g_autoptr (GDateTime) local = g_date_time_to_local (utc);
      g_autofree char *when = g_date_time_format (local, "%Y%m%d-%H%M");
      g_autofree char *from_site = id_from_name ("", site);

      id = g_strdup_printf ("%s-%s", when, from_site);
    }

  row = json_object_new ();
  json_object_set_string_member (row, "id", id);
  json_object_set_string_member (row, "site", site);
  if (supervisor != NULL)
    json_object_set_string_member (row, "supervisor", supervisor);
  json_object_set_int_member (row, "starts_at", starts_ms);
  json_object_set_int_member (row, "ends_at", ends_ms);
  lists = one_row_list ("sessions", row);
  if (!mend_hq_admin_apply (conn, team, lists, error))
    return FALSE;
  g_print ("%s\n", id);
  return TRUE;
}

/* assign --session S --person P [--remove]: the session's team is the assignment's. */
static gboolean
assign (PGconn *conn, int argc, char **argv, GError **error)
{
  const char *session = NULL, *person = NULL;
  const MendHqOption options[] = {
    { "--session", &session },
    { "--person", &person },
    { NULL, NULL },
  };
  const char *remove_flag = NULL;
  g_autoptr (GPtrArray) rest = g_ptr_array_new ();
  g_autoptr (PGresult) result = NULL;
  g_autoptr (JsonObject) lists = NULL;
  JsonObject *row;

  for (int i = 0; i < argc; i++)
    if (strcmp (argv[i], "--remove") == 0)
      remove_flag = argv[i];
    else
      g_ptr_array_add (rest, argv[i]);
  if (!mend_hq_admin_parse_options ((int)rest->len, (char **)rest->pdata, options, NULL, error))
    return FALSE;
  if (session == NULL || person == NULL)
    {
      g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE,
                   "usage: assign --session SESSION --person PERSON [--remove]");
      return FALSE;
    }
  if (remove_flag != NULL)
    {
      const char *params[] = { session, person };

      result
          = PQexecParams (conn, "DELETE FROM assignments WHERE session = $1 AND participant = $2",
                          2, NULL, params, NULL, NULL, 0);
      if (!mend_hq_db_check (result, PGRES_COMMAND_OK, error))
        return FALSE;
      if (strcmp (PQcmdTuples (result), "1") != 0)
        {
          g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_NOT_FOUND,
                       "%s is not assigned to session %s", person, session);
          return FALSE;
        }
      return TRUE;
    }
  {
    const char *params[] = { session };

    result = PQexecParams (conn, "SELECT team FROM sessions WHERE id = $1", 1, NULL, params, NULL,
                           NULL, 0);
  }
  if (!mend_hq_db_check (result, PGRES_TUPLES_OK, error))
    return FALSE;
  if (PQntuples (result) != 1)
    {
      g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_NOT_FOUND, "no session %s", session);
      return FALSE;
    }
  row = json_object_new ();
  json_object_set_string_member (row, "session", session);
  json_object_set_string_member (row, "participant", person);
  lists = one_row_list ("assignments", row);
  return mend_hq_admin_apply (conn, PQgetvalue (result, 0, 0), lists, error);
}

/* supervisor|site|person|session remove ID: the row goes, a tombstone tells devices (the
 * manifest's "deleted"), and a session's assignments go with it. A site or supervisor that
 * sessions still name is refused, with what to do instead. */
static gboolean
remove_row (PGconn *conn, const char *command, const char *id, GError **error)
{
  static const struct
  {
    const char *command;
    const char *table;
    const char *in_use;
  } tables[] = {
    { "supervisor", "supervisors", "sessions still name this supervisor: change or remove them" },
    { "site", "sites", "sessions are still at this site: remove them first" },
    { "person", "participants", NULL },
    { "session", "sessions", NULL },
  };
  const char *params[] = { id };
  g_autoptr (PGresult) result = NULL;
  g_autofree char *sql = NULL;
  guint i = 0;

  while (strcmp (tables[i].command, command) != 0)
    i++;
  sql = g_strdup_printf ("DELETE FROM %s WHERE id = $1", tables[i].table);
  result = PQexecParams (conn, sql, 1, NULL, params, NULL, NULL, 0);
  if (PQresultStatus (result) != PGRES_COMMAND_OK && tables[i].in_use != NULL
      && g_strcmp0 (PQresultErrorField (result, PG_DIAG_SQLSTATE), "23503") == 0)
    {
      g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE, "%s %s: %s", command, id,
                   tables[i].in_use);
      return FALSE;
    }
  if (!mend_hq_db_check (result, PGRES_COMMAND_OK, error))
    return FALSE;
  if (strcmp (PQcmdTuples (result), "1") != 0)
    {
      g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_NOT_FOUND, "no %s %s", command, id);
      return FALSE;
    }
  return TRUE;
}

/* The demo story's PINs hashed again only when HQ holds no hash that matches them. */
static char *
hq_hash_pin (const MendDemoSupervisor *supervisor, gpointer user_data, GError **error)
{
  PGconn *conn = user_data;
  const char *params[] = { supervisor->id };
  g_autoptr (PGresult) result = NULL;

  result = PQexecParams (conn, "SELECT pin_hash FROM supervisors WHERE id = $1", 1, NULL, params,
                         NULL, NULL, 0);
  if (PQresultStatus (result) == PGRES_TUPLES_OK && PQntuples (result) == 1
      && mend_pin_verify (PQgetvalue (result, 0, 0), supervisor->pin))
    return g_strdup (PQgetvalue (result, 0, 0));
  return mend_pin_hash (supervisor->pin, error);
}

/* demo [--team NAME]: the same story `mendctl demo` loads on a device (mend_demo_reference()),
 * in a team of its own ("Demo" unless named), made if it is missing. */
static gboolean
demo (PGconn *conn, int argc, char **argv, GError **error)
{
  const char *team_name = "Demo";
  const MendHqOption options[] = { { "--team", &team_name }, { NULL, NULL } };
  g_autoptr (JsonObject) lists = NULL;
  g_autoptr (PGresult) result = NULL;
  g_autofree char *team_id = NULL;

  if (!mend_hq_admin_parse_options (argc, argv, options, NULL, error))
    return FALSE;
  team_id = id_from_name ("team-", team_name);
  {
    const char *params[] = { team_id, team_name };

    result = PQexecParams (conn,
                           "INSERT INTO teams (id, name) VALUES ($1, $2)"
                           " ON CONFLICT DO NOTHING",
                           2, NULL, params, NULL, NULL, 0);
  }
  if (!mend_hq_db_check (result, PGRES_COMMAND_OK, error))
    return FALSE;
  g_free (team_id);
  team_id = mend_hq_admin_find_team (conn, team_name, error);
  if (team_id == NULL)
    return FALSE;
  lists = mend_demo_reference (hq_hash_pin, conn, error);
  if (lists == NULL || !mend_hq_admin_apply (conn, team_id, lists, error))
    return FALSE;
  g_print ("%s\n", team_id);
  return TRUE;
}

/* reference import FILE.json --team T: lists shaped as a manifest (data/README.md), for
 * loading a team from another system; one transaction, the first bad row named. */
static gboolean
reference_import (PGconn *conn, const char *path, const char *team_arg, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) parse_error = NULL;
  g_autofree char *team = mend_hq_admin_find_team (conn, team_arg, error);
  g_autofree char *text = NULL;
  gsize length = 0;
  JsonNode *root;

  if (team == NULL)
    return FALSE;
  if (!g_file_get_contents (path, &text, &length, &parse_error))
    {
      g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE, "%s", parse_error->message);
      return FALSE;
    }
  if (!mend_hq_reference_check_text (path, text, length, error))
    return FALSE;
  if (!json_parser_load_from_data (parser, text, (gssize)length, &parse_error))
    {
      g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE, "%s: %s", path, parse_error->message);
      return FALSE;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE,
                   "%s is not a JSON object of manifest lists", path);
      return FALSE;
    }
  if (!mend_hq_admin_apply (conn, team, json_node_get_object (root), error))
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }
  return TRUE;
}

gboolean
mend_hq_admin_reference_main (PGconn *conn,
                              int argc,
                              char **argv,
                              gboolean *out_handled,
                              GError **error)
{
  const char *command = argv[0];
  const char *sub = argc > 1 ? argv[1] : "";

  *out_handled = TRUE;
  if (strcmp (command, "supervisor") == 0 && strcmp (sub, "add") == 0)
    return supervisor_add (conn, argc - 2, argv + 2, error);
  if (strcmp (command, "session") == 0 && strcmp (sub, "add") == 0)
    return session_add (conn, argc - 2, argv + 2, error);
  if ((strcmp (command, "supervisor") == 0 || strcmp (command, "site") == 0
       || strcmp (command, "person") == 0 || strcmp (command, "session") == 0)
      && strcmp (sub, "remove") == 0 && argc == 3)
    return remove_row (conn, command, argv[2], error);
  if (strcmp (command, "assign") == 0)
    return assign (conn, argc - 1, argv + 1, error);
  if (strcmp (command, "demo") == 0)
    return demo (conn, argc - 1, argv + 1, error);
  if (strcmp (command, "device") == 0 && strcmp (sub, "list") == 0 && argc == 2)
    return mend_hq_admin_device_list (conn, error);
  if (strcmp (command, "device") == 0 && strcmp (sub, "revoke") == 0 && argc == 3)
    return mend_hq_admin_device_revoke (conn, argv[2], error);
  if ((strcmp (command, "site") == 0 || strcmp (command, "person") == 0
       || strcmp (command, "reference") == 0)
      && strcmp (sub, "import") == 0)
    {
      const char *team = NULL;
      const char *path = NULL;
      const MendHqOption options[] = { { "--team", &team }, { NULL, NULL } };

      if (!mend_hq_admin_parse_options (argc - 2, argv + 2, options, &path, error))
        return FALSE;
      if (team == NULL || path == NULL)
        {
          g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE,
                       "usage: %s import FILE --team TEAM", command);
          return FALSE;
        }
      if (command[0] == 'r')
        return reference_import (conn, path, team, error);
      return command[0] == 's' ? mend_hq_admin_site_import (conn, path, team, error)
                               : mend_hq_admin_person_import (conn, path, team, error);
    }
  *out_handled = FALSE;
  return FALSE;
}
