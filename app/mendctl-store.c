/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mendctl"

#include "config.h"

#include <stdio.h>

#include "mend-demo.h"
#include "mend-time.h"
#include "mendctl-private.h"

/* Commands about the store as a whole. */

int
mendctl_init (MendctlContext *ctx, int argc, char **argv)
{
  GError *error = NULL;
  int status;

  if (!mendctl_parse_options ("init", "", NULL, &argc, &argv, 0, 0, &status))
    return status;
  if (mendctl_open_store (ctx, &error) == NULL)
    return mendctl_fail (error);
  printf ("Store ready: %s (device %s, schema %d)\n", mend_store_get_path (ctx->store),
          mend_store_get_device_id (ctx->store), MEND_STORE_SCHEMA_VERSION);
  return MENDCTL_EXIT_OK;
}

int
mendctl_demo (MendctlContext *ctx, int argc, char **argv)
{
  g_autoptr (GPtrArray) sessions = NULL;
  const MendDemoSupervisor *supervisors;
  GError *error = NULL;
  gint64 from, to;
  guint n;
  int status;

  if (!mendctl_parse_options ("demo", "", NULL, &argc, &argv, 0, 0, &status))
    return status;
  if (mendctl_open_store (ctx, &error) == NULL || !mend_store_load_demo (ctx->store, &error)
      || !mend_time_local_day_bounds ("today", &from, &to, &error)
      || (sessions = mend_store_list_sessions (ctx->store, from, to, &error)) == NULL)
    return mendctl_fail (error);

  printf ("Demo data loaded into %s (approximate outlines, invented people).\n\n"
          "Supervisors and their PINs:\n",
          mend_store_get_path (ctx->store));
  supervisors = mend_demo_supervisors (&n);
  for (guint i = 0; i < n; i++)
    printf ("  %-8s %-16s PIN %s\n", supervisors[i].id, supervisors[i].name, supervisors[i].pin);
  printf ("\nToday's sessions:\n");
  for (guint i = 0; i < sessions->len; i++)
    {
      MendSessionRow *s = g_ptr_array_index (sessions, i);
      g_autofree char *starts = mend_time_format_hh_mm (s->starts_at_ms);
      g_autofree char *ends = mend_time_format_hh_mm (s->ends_at_ms);

      printf ("  %s  %s–%s  %s\n", s->id, starts, ends, s->site_name);
    }
  return MENDCTL_EXIT_OK;
}

int
mendctl_verify (MendctlContext *ctx, int argc, char **argv)
{
  GError *error = NULL;
  gint64 n_events = 0;
  int status;

  if (!mendctl_parse_options ("verify", "", NULL, &argc, &argv, 0, 0, &status))
    return status;
  if (mendctl_open_store (ctx, &error) == NULL
      || !mend_store_verify (ctx->store, &n_events, &error))
    return mendctl_fail (error);
  printf ("OK: store intact, hash chain of %" G_GINT64_FORMAT " events verified\n", n_events);
  return MENDCTL_EXIT_OK;
}

int
mendctl_rebuild (MendctlContext *ctx, int argc, char **argv)
{
  GError *error = NULL;
  int status;

  if (!mendctl_parse_options ("rebuild", "", NULL, &argc, &argv, 0, 0, &status))
    return status;
  if (mendctl_open_store (ctx, &error) == NULL
      || !mend_store_rebuild_projections (ctx->store, &error))
    return mendctl_fail (error);
  printf ("Projections rebuilt from the event log\n");
  return MENDCTL_EXIT_OK;
}

static void
csv_field (GString *line, const char *value)
{
  if (line->len > 0)
    g_string_append_c (line, ',');
  if (value == NULL)
    return;
  /* Quote what could split a field, and anything a spreadsheet would run as a formula. */
  if (strpbrk (value, ",\"\r\n") != NULL || strchr ("=+-@", value[0]) != NULL)
    {
      g_string_append_c (line, '"');
      if (strchr ("=+-@", value[0]) != NULL && value[0] != '\0')
        g_string_append_c (line, '\'');
      for (const char *p = value; *p; p++)
        {
          if (*p == '"')
            g_string_append_c (line, '"');
          g_string_append_c (line, *p);
        }
      g_string_append_c (line, '"');
    }
  else
    g_string_append (line, value);
}

static void
emit_row (GString *line,
          JsonBuilder *b,
          const char *const *names,
          const char *const *values,
          gboolean json)
{
  if (json)
    {
      json_builder_begin_object (b);
      for (guint i = 0; names[i] != NULL; i++)
        mendctl_builder_add_string (b, names[i], values[i]);
      json_builder_end_object (b);
      return;
    }
  g_string_truncate (line, 0);
  for (guint i = 0; names[i] != NULL; i++)
    csv_field (line, values[i] ? values[i] : "");
  printf ("%s\r\n", line->str);
}

static void
emit_header (const char *const *names, gboolean json)
{
  g_autofree char *header = NULL;

  if (json)
    return;
  header = g_strjoinv (",", (char **)names);
  printf ("%s\r\n", header);
}

static char *
time_or_null (gint64 ms)
{
  return ms == 0 ? NULL : mend_time_format_ms (ms);
}

static gboolean
export_attendance (MendctlContext *ctx,
                   MendSessionRow *s,
                   GString *line,
                   JsonBuilder *b,
                   gboolean json,
                   GError **error)
{
  static const char *const names[] = {
    "session_id",   "session_start",
    "site",         "participant_id",
    "case_ref",     "name",
    "state",        "arrived_at",
    "finished_at",  "penalty_minutes",
    "outcome",      "minutes_credited",
    "minutes_owed", NULL,
  };
  g_autoptr (GPtrArray) roster = mend_store_list_roster (ctx->store, s->id, error);
  g_autofree char *start = mend_time_format_ms (s->starts_at_ms);

  if (roster == NULL)
    return FALSE;
  if (b == NULL && line == NULL)
    {
      emit_header (names, json);
      return TRUE;
    }
  for (guint i = 0; i < roster->len; i++)
    {
      MendRosterRow *r = g_ptr_array_index (roster, i);
      g_autofree char *arrived = time_or_null (r->arrived_at_ms);
      g_autofree char *finished = time_or_null (r->finished_at_ms);
      g_autofree char *penalty = g_strdup_printf ("%d", r->penalty_minutes);
      g_autofree char *credited = g_strdup_printf ("%d", r->minutes_credited);
      g_autofree char *owed = g_strdup_printf ("%d", r->minutes_owed);
      const char *values[] = {
        s->id,
        start,
        s->site_name,
        r->participant_id,
        r->case_ref,
        r->name,
        mend_attendance_state_to_string (r->state),
        arrived,
        finished,
        penalty,
        r->outcome,
        credited,
        owed,
      };

      emit_row (line, b, names, values, json);
    }
  return TRUE;
}

static gboolean
export_tallies (MendctlContext *ctx,
                MendSessionRow *s,
                GString *line,
                JsonBuilder *b,
                gboolean json,
                GError **error)
{
  static const char *const names[] = {
    "session_id", "session_start", "site", "category", "label", "unit", "total", NULL,
  };
  g_autoptr (GPtrArray) tallies = mend_store_list_tallies (ctx->store, s->id, error);
  g_autofree char *start = mend_time_format_ms (s->starts_at_ms);

  if (tallies == NULL)
    return FALSE;
  if (b == NULL && line == NULL)
    {
      emit_header (names, json);
      return TRUE;
    }
  for (guint i = 0; i < tallies->len; i++)
    {
      MendTallyRow *t = g_ptr_array_index (tallies, i);
      g_autofree char *total = g_strdup_printf ("%" G_GINT64_FORMAT, t->total);
      const char *values[] = { s->id, start, s->site_name, t->id, t->label, t->unit, total };

      emit_row (line, b, names, values, json);
    }
  return TRUE;
}

int
mendctl_export (MendctlContext *ctx, int argc, char **argv)
{
  g_autofree char *format = NULL;
  g_autofree char *what = NULL;
  GOptionEntry entries[] = {
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, "csv or json (required)", "F" },
    { "what", 0, 0, G_OPTION_ARG_STRING, &what, "attendance (default) or tallies", "W" },
    { NULL },
  };
  gboolean (*export_session) (MendctlContext *, MendSessionRow *, GString *, JsonBuilder *,
                              gboolean, GError **);
  g_autoptr (GPtrArray) sessions = NULL;
  g_autoptr (JsonBuilder) b = NULL;
  g_autoptr (GString) line = g_string_new (NULL);
  GError *error = NULL;
  gboolean json;
  int status;

  if (!mendctl_parse_options ("export", "", entries, &argc, &argv, 0, 0, &status))
    return status;
  if (g_strcmp0 (format, "csv") != 0 && g_strcmp0 (format, "json") != 0)
    return mendctl_usage_error ("export", "--format must be csv or json");
  if (what != NULL && g_strcmp0 (what, "attendance") != 0 && g_strcmp0 (what, "tallies") != 0)
    return mendctl_usage_error ("export", "--what must be attendance or tallies");
  json = g_str_equal (format, "json");
  export_session = g_strcmp0 (what, "tallies") == 0 ? export_tallies : export_attendance;

  if (mendctl_open_store (ctx, &error) == NULL
      || (sessions = mend_store_list_sessions (ctx->store, G_MININT64, G_MAXINT64, &error)) == NULL)
    return mendctl_fail (error);

  if (json)
    {
      b = json_builder_new ();
      json_builder_begin_array (b);
    }
  else if (sessions->len > 0
           && !export_session (ctx, g_ptr_array_index (sessions, 0), NULL, NULL, FALSE, &error))
    return mendctl_fail (error);

  for (guint i = 0; i < sessions->len; i++)
    if (!export_session (ctx, g_ptr_array_index (sessions, i), line, b, json, &error))
      return mendctl_fail (error);

  if (json)
    {
      g_autoptr (JsonNode) root = NULL;

      json_builder_end_array (b);
      root = json_builder_get_root (b);
      mendctl_print_json (root);
    }
  return MENDCTL_EXIT_OK;
}
