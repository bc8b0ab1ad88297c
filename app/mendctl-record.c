/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mendctl"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "mend-time.h"
#include "mendctl-private.h"

/* Commands that record one event. Each prints the new event's id, and only after the commit. */

static int
record (MendctlContext *ctx, MendCommand *command)
{
  g_autoptr (MendCommand) owned = command;
  g_autofree char *event_id = NULL;
  GError *error = NULL;

  MendFix fix;

  if (ctx->supervisor_id != NULL)
    mend_command_set_supervisor (command, ctx->supervisor_id);
  if (!mendctl_take_fix (ctx, &fix, &error))
    return mendctl_fail (error);
  mend_command_set_fix (command, &fix);
  mend_command_set_geofence_reason (command, ctx->reason);
  event_id = mend_store_record (ctx->store, command, &error);
  if (event_id == NULL)
    return mendctl_fail (error);
  printf ("%s\n", event_id);
  return MENDCTL_EXIT_OK;
}

/* Times given as HH:MM are on the session's day, so a record can be entered later. */
static gboolean
parse_session_time (MendctlContext *ctx,
                    const char *session_id,
                    const char *text,
                    gint64 *out_ms,
                    GError **error)
{
  g_autoptr (MendSessionRow) session = NULL;

  if (text == NULL)
    {
      *out_ms = 0;
      return TRUE;
    }
  session = mend_store_get_session (ctx->store, session_id, error);
  if (session == NULL)
    return FALSE;
  return mend_time_parse (text, session->starts_at_ms, out_ms, error);
}

static int
record_session_event (MendctlContext *ctx, int argc, char **argv, gboolean start)
{
  const char *name = start ? "start" : "end";
  g_autofree char *at = NULL;
  GOptionEntry entries[] = {
    { "at", 0, 0, G_OPTION_ARG_STRING, &at, "When it happened (default: now)", "TIME" },
    { NULL },
  };
  MendCommand *command;
  GError *error = NULL;
  gint64 at_ms = 0;
  int status;

  if (!mendctl_parse_options (name, "SESSION", entries, mendctl_gps_entries (ctx, TRUE), &argc,
                              &argv, 1, 1, &status))
    return status;
  if (mendctl_open_store (ctx, &error) == NULL
      || !parse_session_time (ctx, argv[1], at, &at_ms, &error))
    return mendctl_fail (error);

  command = start ? mend_command_start_session (argv[1]) : mend_command_end_session (argv[1]);
  mend_command_set_occurred_at (command, at_ms);
  return record (ctx, command);
}

int
mendctl_start (MendctlContext *ctx, int argc, char **argv)
{
  return record_session_event (ctx, argc, argv, TRUE);
}

int
mendctl_end (MendctlContext *ctx, int argc, char **argv)
{
  return record_session_event (ctx, argc, argv, FALSE);
}

int
mendctl_check_in (MendctlContext *ctx, int argc, char **argv)
{
  g_autofree char *at = NULL;
  g_autofree char *person = NULL;
  GOptionEntry entries[] = {
    { "at", 0, 0, G_OPTION_ARG_STRING, &at, "Arrival time (default: now)", "TIME" },
    { NULL },
  };
  MendCommand *command;
  GError *error = NULL;
  gint64 at_ms = 0;
  int status;

  if (!mendctl_parse_options ("check-in", "SESSION PERSON", entries,
                              mendctl_gps_entries (ctx, TRUE), &argc, &argv, 2, 2, &status))
    return status;
  if (mendctl_open_store (ctx, &error) == NULL
      || !parse_session_time (ctx, argv[1], at, &at_ms, &error))
    return mendctl_fail (error);

  person = mendctl_resolve_person (ctx, argv[1], argv[2]);
  command = mend_command_check_in (argv[1], person);
  mend_command_set_occurred_at (command, at_ms);
  return record (ctx, command);
}

int
mendctl_brief (MendctlContext *ctx, int argc, char **argv)
{
  g_autofree char *person = NULL;
  GError *error = NULL;
  int status;

  if (!mendctl_parse_options ("brief", "SESSION PERSON", NULL, mendctl_gps_entries (ctx, TRUE),
                              &argc, &argv, 2, 2, &status))
    return status;
  if (mendctl_open_store (ctx, &error) == NULL)
    return mendctl_fail (error);

  person = mendctl_resolve_person (ctx, argv[1], argv[2]);
  return record (ctx, mend_command_brief (argv[1], person));
}

static gboolean
parse_minutes (const char *text, int *out_minutes, GError **error)
{
  char *end = NULL;
  gint64 value;

  if (text == NULL)
    {
      *out_minutes = 0;
      return TRUE;
    }
  value = g_ascii_strtoll (text, &end, 10);
  if (end == text || *end != '\0' || value < G_MININT || value > G_MAXINT)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "“%s” is not a whole number of minutes", text);
      return FALSE;
    }
  *out_minutes = (int)value;
  return TRUE;
}

int
mendctl_check_out (MendctlContext *ctx, int argc, char **argv)
{
  g_autofree char *outcome = NULL;
  g_autofree char *arrived = NULL;
  g_autofree char *finished = NULL;
  g_autofree char *penalty = NULL;
  g_autofree char *quality = NULL;
  g_autofree char *behaviour = NULL;
  g_autofree char *notes = NULL;
  g_autofree char *person = NULL;
  gboolean sensitive = FALSE;
  gboolean alert = FALSE;
  GOptionEntry entries[] = {
    { "outcome", 0, 0, G_OPTION_ARG_STRING, &outcome, "Outcome code (required)", "CODE" },
    { "arrived", 0, 0, G_OPTION_ARG_STRING, &arrived, "Arrival (default: check-in time)", "HH:MM" },
    { "finished", 0, 0, G_OPTION_ARG_STRING, &finished, "Finish (default: now)", "HH:MM" },
    { "penalty", 0, 0, G_OPTION_ARG_STRING, &penalty, "Penalty minutes (default 0)", "MIN" },
    { "quality", 0, 0, G_OPTION_ARG_STRING, &quality,
      "Work quality: excellent, good, satisfactory, unsatisfactory, poor, not_applicable", "R" },
    { "behaviour", 0, 0, G_OPTION_ARG_STRING, &behaviour, "Behaviour, on the same scale", "R" },
    { "notes", 0, 0, G_OPTION_ARG_STRING, &notes, "Notes (up to 4,000 characters)", "TEXT" },
    { "sensitive", 0, 0, G_OPTION_ARG_NONE, &sensitive, "The notes are sensitive", NULL },
    { "alert", 0, 0, G_OPTION_ARG_NONE, &alert, "Tell the referrer", NULL },
    { NULL },
  };
  MendCheckOut details = { 0 };
  GError *error = NULL;
  int status;

  if (!mendctl_parse_options ("check-out", "SESSION PERSON", entries,
                              mendctl_gps_entries (ctx, TRUE), &argc, &argv, 2, 2, &status))
    return status;
  if (outcome == NULL)
    return mendctl_usage_error ("check-out", "--outcome CODE is required");
  if (mendctl_open_store (ctx, &error) == NULL
      || !parse_session_time (ctx, argv[1], arrived, &details.arrived_at_ms, &error)
      || !parse_session_time (ctx, argv[1], finished, &details.finished_at_ms, &error)
      || !parse_minutes (penalty, &details.penalty_minutes, &error))
    return mendctl_fail (error);

  details.outcome = outcome;
  details.quality = quality;
  details.behaviour = behaviour;
  details.notes = notes;
  details.sensitive = sensitive;
  details.alert_referrer = alert;
  person = mendctl_resolve_person (ctx, argv[1], argv[2]);
  return record (ctx, mend_command_check_out (argv[1], person, &details));
}

int
mendctl_absent (MendctlContext *ctx, int argc, char **argv)
{
  g_autofree char *notes = NULL;
  g_autofree char *person = NULL;
  GOptionEntry entries[] = {
    { "notes", 0, 0, G_OPTION_ARG_STRING, &notes, "Why, if known", "TEXT" },
    { NULL },
  };
  GError *error = NULL;
  int status;

  if (!mendctl_parse_options ("absent", "SESSION PERSON", entries, mendctl_gps_entries (ctx, TRUE),
                              &argc, &argv, 2, 2, &status))
    return status;
  if (mendctl_open_store (ctx, &error) == NULL)
    return mendctl_fail (error);

  person = mendctl_resolve_person (ctx, argv[1], argv[2]);
  return record (ctx, mend_command_absent (argv[1], person, notes));
}

int
mendctl_tally (MendctlContext *ctx, int argc, char **argv)
{
  GError *error = NULL;
  int delta = 0;
  int status;

  if (!mendctl_parse_options ("tally", "SESSION CATEGORY DELTA", NULL,
                              mendctl_gps_entries (ctx, TRUE), &argc, &argv, 3, 3, &status))
    return status;
  if (!parse_minutes (argv[3][0] == '+' ? argv[3] + 1 : argv[3], &delta, &error))
    {
      g_error_free (error);
      return mendctl_usage_error ("tally", "DELTA must be a whole number such as 3 or -1");
    }
  if (mendctl_open_store (ctx, &error) == NULL)
    return mendctl_fail (error);
  return record (ctx, mend_command_tally (argv[1], argv[2], delta));
}

int
mendctl_void (MendctlContext *ctx, int argc, char **argv)
{
  g_autofree char *reason = NULL;
  GOptionEntry entries[] = {
    { "reason", 0, 0, G_OPTION_ARG_STRING, &reason, "Why the record is wrong (required)", "TEXT" },
    { NULL },
  };
  GError *error = NULL;
  int status;

  if (!mendctl_parse_options ("void", "EVENT", entries, mendctl_gps_entries (ctx, FALSE), &argc,
                              &argv, 1, 1, &status))
    return status;
  if (mendctl_open_store (ctx, &error) == NULL)
    return mendctl_fail (error);
  return record (ctx, mend_command_void (argv[1], reason));
}
