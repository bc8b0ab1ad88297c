/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mendctl"

#include "config.h"

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mend-gps-source.h"
#include "mend-rules.h"
#include "mend-time.h"
#include "mendctl-private.h"

static const MendctlCommand commands[] = {
  { "init", "", "Create the store (or check an existing one opens)", mendctl_init },
  { "demo", "", "Load demo reference data with today's sessions; prints the PINs", mendctl_demo },
  { "status", "[--json]", "Device, schema and what waits to sync", mendctl_status },
  { "sites", "[--json]", "Sites with their boundaries", mendctl_sites },
  { "sessions", "[--date D|--all] [--json]", "Sessions of a day (today by default)",
    mendctl_sessions },
  { "roster", "SESSION [--json]", "Everyone expected at a session and their state",
    mendctl_roster },
  { "start", "SESSION [--at TIME]", "Start a session", mendctl_start },
  { "check-in", "SESSION PERSON [--at TIME]", "Check a person in", mendctl_check_in },
  { "brief", "SESSION PERSON", "Record that a person had the safety briefing", mendctl_brief },
  { "check-out", "SESSION PERSON --outcome CODE [options]", "Check a person out",
    mendctl_check_out },
  { "absent", "SESSION PERSON [--notes TEXT]", "Mark a person as not attending", mendctl_absent },
  { "tally", "SESSION CATEGORY DELTA", "Add to (or take from) a tally", mendctl_tally },
  { "tallies", "SESSION [--json]", "Tally totals of a session", mendctl_tallies },
  { "end", "SESSION [--at TIME]", "End a session", mendctl_end },
  { "void", "EVENT --reason TEXT", "Void a record, with the reason", mendctl_void },
  { "events", "[--session S] [--json]", "The event log", mendctl_events },
  { "verify", "", "Check the store's integrity and the whole hash chain", mendctl_verify },
  { "rebuild", "", "Derive the projections again from the event log", mendctl_rebuild },
  { "export", "--format csv|json [--what attendance|tallies]",
    "Export for returns; --salvage OUT: what a damaged store still holds", mendctl_export },
  { "gps", "[--gpsd HOST:PORT] [--wait-fix S] [--json]", "The position from gpsd", mendctl_gps },
  { "photo", "add SESSION FILE|capture SESSION --role R", "Add a photo from a file or the camera",
    mendctl_photo },
  { "photos", "[--session S] [--json]", "Photos taken", mendctl_photos },
  { "geofence", "SITE --lat LAT --lon LON [--accuracy M]", "Where a point is, for a site",
    mendctl_geofence },
  { "enrol", "--hq URL --code CODE [--name N] [--ca-file F]", "Enrol this device with HQ",
    mendctl_enrol },
  { "sync", "[--json]", "One sync pass: push events, photos, pull reference data", mendctl_sync },
  { "purge", "[--days N] [--dry-run] [--json]", "Purge what HQ has held for N days (default 7)",
    mendctl_purge },
};

static void
print_help (FILE *out)
{
  fprintf (out, "Usage: mendctl [--db PATH] [--supervisor ID] [--gpsd HOST:PORT|--no-gps] COMMAND "
                "[ARGUMENTS…]\n\n"
                "The Mend store from the command line: the same records as the app, for scripts,\n"
                "depot automation and diagnostics. PERSON is a participant id or case reference.\n"
                "TIME is HH:MM (on the session's day) or an ISO 8601 date and time.\n\n"
                "Commands:\n");
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-10s %-45s %s\n", commands[i].name, commands[i].arguments,
             commands[i].summary);
  fprintf (out, "\nOptions:\n"
                "  --db PATH         the store (default $XDG_DATA_HOME/mend/mend.db)\n"
                "  --supervisor ID   record under this supervisor (default: the session's)\n"
                "  --gpsd HOST:PORT  take each record's fix from this gpsd (default "
                "localhost:2947)\n"
                "  --no-gps          record without asking gpsd\n"
                "  --version         print the version\n\n"
                "Recording commands also take --gpsd, --no-gps, --wait-fix SECONDS and, for a\n"
                "session start or check-in outside the site's boundary, --reason TEXT.\n\n"
                "Exit codes: 0 done, 1 refused by a rule, 2 usage, 3 store error;\n"
                "gps: 3 no fix in time, 4 gpsd not reachable; photo: 1 not a usable image,\n"
                "4 camera missing or failing; sync: 5 something still waits (network),\n"
                "6 HQ refused something, 7 the device must be enrolled again.\n");
}

MendStore *
mendctl_open_store (MendctlContext *ctx, GError **error)
{
  if (ctx->store == NULL)
    {
      ctx->store = mend_store_open (ctx->db_path, MEND_STORE_OPEN_DEFAULT, error);
      /* Said once, before anything else, so a script's log tells why a record is refused. */
      if (ctx->store != NULL && mend_store_is_read_only (ctx->store))
        fprintf (stderr,
                 "mendctl: note: the store %s is on read-only storage: it can be read and "
                 "exported, nothing can be recorded\n",
                 mend_store_get_path (ctx->store));
    }
  return ctx->store;
}

/**
 * mendctl_fail:
 * @error: (transfer full): what went wrong
 *
 * Prints @error and maps it to an exit code: rule refusals 1, bad arguments 2, the store 3.
 */
int
mendctl_fail (GError *error)
{
  int code = MENDCTL_EXIT_STORE;

  if (error->domain == MEND_RULE_ERROR)
    code = MENDCTL_EXIT_REFUSED;
  else if (error->domain == G_OPTION_ERROR
           || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT)
           || g_error_matches (error, MEND_GPS_ERROR, MEND_GPS_ERROR_BAD_ADDRESS))
    code = MENDCTL_EXIT_USAGE;
  fprintf (stderr, "mendctl: %s\n", error->message);
  g_error_free (error);
  return code;
}

int
mendctl_usage_error (const char *command, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, "mendctl %s: %s\nTry “mendctl %s --help”.\n", command, message, command);
  return MENDCTL_EXIT_USAGE;
}

static gboolean
is_negative_number (const char *arg)
{
  if (arg[0] != '-' || arg[1] == '\0')
    return FALSE;
  for (const char *p = arg + 1; *p; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  return TRUE;
}

/* Whether @arg is "--name" (without "=value") for an option that takes a value, so the next
 * argument is that value even when it looks like a negative number ("--penalty -5"). */
static gboolean
option_takes_value (const GOptionEntry *entries, const char *arg)
{
  if (entries == NULL || !g_str_has_prefix (arg, "--") || strchr (arg, '=') != NULL)
    return FALSE;
  for (const GOptionEntry *e = entries; e->long_name != NULL; e++)
    if (g_str_equal (arg + 2, e->long_name))
      return e->arg != G_OPTION_ARG_NONE;
  return FALSE;
}

/**
 * mendctl_parse_options:
 * @argv: (inout): the command's arguments, argv[0] being the command; on return the
 *   positional arguments follow argv[0]
 * @out_exit: (out): the exit code when this returns %FALSE (0 after --help)
 *
 * Parses a command's options. Negative numbers ("-3" for a tally) are positional, not
 * options.
 */
gboolean
mendctl_parse_options (const char *command,
                       const char *arguments,
                       GOptionEntry *entries,
                       GOptionEntry *more_entries,
                       int *argc,
                       char ***argv,
                       int min_positional,
                       int max_positional,
                       int *out_exit)
{
  g_autofree char *parameter = g_strdup_printf ("%s", arguments);
  g_autoptr (GOptionContext) context = g_option_context_new (parameter);
  g_autoptr (GPtrArray) kept = g_ptr_array_new ();
  g_autoptr (GPtrArray) numbers = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *summary = NULL;
  int n_positional;

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (commands[i].name, command))
      summary = g_strdup (commands[i].summary);
  g_option_context_set_summary (context, summary);
  g_option_context_set_help_enabled (context, TRUE);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, NULL);
  if (more_entries != NULL)
    g_option_context_add_main_entries (context, more_entries, NULL);

  for (int i = 0; i < *argc; i++)
    {
      gboolean value_of_option = i > 0
                                 && (option_takes_value (entries, (*argv)[i - 1])
                                     || option_takes_value (more_entries, (*argv)[i - 1]));

      g_ptr_array_add (i > 0 && !value_of_option && is_negative_number ((*argv)[i]) ? numbers
                                                                                    : kept,
                       (*argv)[i]);
    }
  *argc = kept->len;
  for (guint i = 0; i < kept->len; i++)
    (*argv)[i] = g_ptr_array_index (kept, i);

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      *out_exit = mendctl_usage_error (command, "%s", error->message);
      return FALSE;
    }
  for (guint i = 0; i < numbers->len; i++)
    (*argv)[(*argc)++] = g_ptr_array_index (numbers, i);
  (*argv)[*argc] = NULL;

  n_positional = *argc - 1;
  if (n_positional < min_positional || n_positional > max_positional)
    {
      *out_exit = mendctl_usage_error (command, "expected %s", arguments);
      return FALSE;
    }
  return TRUE;
}

void
mendctl_print_json (JsonNode *node)
{
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);
  printf ("%s\n", text);
}

void
mendctl_builder_add_time (JsonBuilder *b, const char *name, gint64 ms)
{
  json_builder_set_member_name (b, name);
  if (ms == 0)
    json_builder_add_null_value (b);
  else
    {
      g_autofree char *text = mend_time_format_ms (ms);
      json_builder_add_string_value (b, text);
    }
}

void
mendctl_builder_add_string (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  if (value == NULL)
    json_builder_add_null_value (b);
  else
    json_builder_add_string_value (b, value);
}

void
mendctl_builder_add_int (JsonBuilder *b, const char *name, gint64 value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

static void
add_double_or_null (JsonBuilder *b, const char *name, gboolean present, double value)
{
  json_builder_set_member_name (b, name);
  if (present && !isnan (value))
    json_builder_add_double_value (b, value);
  else
    json_builder_add_null_value (b);
}

static void
add_int_or_null (JsonBuilder *b, const char *name, gboolean present, gint64 value)
{
  json_builder_set_member_name (b, name);
  if (present)
    json_builder_add_int_value (b, value);
  else
    json_builder_add_null_value (b);
}

/**
 * mendctl_builder_add_fix:
 * @time_name: the member for the fix's GNSS time ("time" for `gps`, "gnss_time" in events)
 *
 * The members every JSON view of a fix shares: the position when there is one (else null),
 * its mode, time, satellites and age, and the note saying why there is no current fix. The
 * caller adds the state it reports.
 */
void
mendctl_builder_add_fix (JsonBuilder *b, const MendFix *fix, const char *time_name)
{
  gboolean position = mend_fix_has_position (fix);

  mendctl_builder_add_string (b, "note", fix->note[0] ? fix->note : NULL);
  mendctl_builder_add_int (b, "mode", position ? fix->mode : 0);
  add_double_or_null (b, "lat", position, fix->latitude);
  add_double_or_null (b, "lon", position, fix->longitude);
  add_double_or_null (b, "alt", position, fix->altitude);
  add_double_or_null (b, "eph", position, fix->horizontal_error);
  mendctl_builder_add_time (b, time_name, position ? fix->gnss_time_ms : 0);
  add_int_or_null (b, "satellites", position && fix->satellites >= 0, fix->satellites);
  add_int_or_null (b, "age_ms", position && fix->age_ms >= 0, fix->age_ms);
}

/**
 * mendctl_resolve_person:
 * @person: a participant id or a case reference
 *
 * Returns: (transfer full): the participant id of the person on the session's roster with
 *   that id or case reference, or @person unchanged for the store's rules to judge.
 */
char *
mendctl_resolve_person (MendctlContext *ctx, const char *session_id, const char *person)
{
  g_autoptr (GPtrArray) roster = mend_store_list_roster (ctx->store, session_id, NULL);

  for (guint i = 0; roster != NULL && i < roster->len; i++)
    {
      MendRosterRow *row = g_ptr_array_index (roster, i);

      if (g_str_equal (row->participant_id, person)
          || g_ascii_strcasecmp (row->case_ref, person) == 0)
        return g_strdup (row->participant_id);
    }
  return g_strdup (person);
}

int
main (int argc, char **argv)
{
  MendctlContext ctx = { 0 };
  g_autofree char *db_path = NULL;
  int i = 1;
  int status;

  setlocale (LC_ALL, "");

  /* Global options come before the command; each command parses its own. */
  for (; i < argc && argv[i][0] == '-'; i++)
    {
      const char *arg = argv[i];

      if (g_str_equal (arg, "--version"))
        {
          printf ("mendctl %s (store schema %d)\n", PACKAGE_VERSION, MEND_STORE_SCHEMA_VERSION);
          return MENDCTL_EXIT_OK;
        }
      else if (g_str_equal (arg, "--help") || g_str_equal (arg, "-h"))
        {
          print_help (stdout);
          return MENDCTL_EXIT_OK;
        }
      else if ((g_str_equal (arg, "--db") || g_str_equal (arg, "--supervisor")) && i + 1 < argc)
        {
          char **target = arg[2] == 'd' ? &db_path : &ctx.supervisor_id;

          g_free (*target);
          *target = g_strdup (argv[++i]);
        }
      else if (g_str_equal (arg, "--no-gps"))
        ctx.no_gps = TRUE;
      else if (g_str_equal (arg, "--gpsd") && i + 1 < argc)
        {
          g_free (ctx.gpsd);
          ctx.gpsd = g_strdup (argv[++i]);
        }
      else if (g_str_has_prefix (arg, "--gpsd="))
        {
          g_free (ctx.gpsd);
          ctx.gpsd = g_strdup (arg + strlen ("--gpsd="));
        }
      else if (g_str_has_prefix (arg, "--db="))
        {
          g_free (db_path);
          db_path = g_strdup (arg + strlen ("--db="));
        }
      else if (g_str_has_prefix (arg, "--supervisor="))
        {
          g_free (ctx.supervisor_id);
          ctx.supervisor_id = g_strdup (arg + strlen ("--supervisor="));
        }
      else
        {
          fprintf (stderr, "mendctl: unknown option “%s”\n\n", arg);
          print_help (stderr);
          return MENDCTL_EXIT_USAGE;
        }
    }
  if (i >= argc)
    {
      print_help (stderr);
      return MENDCTL_EXIT_USAGE;
    }

  ctx.db_path = db_path != NULL ? g_steal_pointer (&db_path) : mend_store_default_path ();
  status = -1;
  for (guint c = 0; c < G_N_ELEMENTS (commands); c++)
    if (g_str_equal (commands[c].name, argv[i]))
      {
        status = commands[c].run (&ctx, argc - i, argv + i);
        break;
      }
  if (status < 0)
    {
      fprintf (stderr, "mendctl: unknown command “%s”\n\n", argv[i]);
      print_help (stderr);
      status = MENDCTL_EXIT_USAGE;
    }

  g_clear_object (&ctx.store);
  g_free (ctx.db_path);
  g_free (ctx.supervisor_id);
  g_free (ctx.gpsd);
  g_free (ctx.reason);
  return status;
}
