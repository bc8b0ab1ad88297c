/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mendctl"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "mend-time.h"
#include "mendctl-private.h"

/* `mendctl export`: one row per person per session (or per tally category per session), for
 * quarterly returns. Rows are built once as JSON objects; CSV is written from them in column
 * order, so both formats always carry the same fields. */

static const char *const attendance_columns[] = {
  "session_id",   "session_start",
  "site",         "participant_id",
  "case_ref",     "name",
  "state",        "arrived_at",
  "finished_at",  "penalty_minutes",
  "outcome",      "minutes_credited",
  "minutes_owed", NULL,
};

static const char *const tally_columns[] = {
  "session_id", "session_start", "site", "category", "label", "unit", "total", NULL,
};

static void
set_time (JsonObject *row, const char *name, gint64 ms)
{
  if (ms == 0)
    json_object_set_null_member (row, name);
  else
    {
      g_autofree char *text = mend_time_format_ms (ms);
      json_object_set_string_member (row, name, text);
    }
}

static void
set_string (JsonObject *row, const char *name, const char *value)
{
  if (value == NULL)
    json_object_set_null_member (row, name);
  else
    json_object_set_string_member (row, name, value);
}

static JsonObject *
session_row (MendSessionRow *s)
{
  JsonObject *row = json_object_new ();

  set_string (row, "session_id", s->id);
  set_time (row, "session_start", s->starts_at_ms);
  set_string (row, "site", s->site_name);
  return row;
}

static gboolean
add_attendance_rows (MendStore *store, MendSessionRow *s, JsonArray *rows, GError **error)
{
  g_autoptr (GPtrArray) roster = mend_store_list_roster (store, s->id, error);

  if (roster == NULL)
    return FALSE;
  for (guint i = 0; i < roster->len; i++)
    {
      MendRosterRow *r = g_ptr_array_index (roster, i);
      JsonObject *row = session_row (s);

      set_string (row, "participant_id", r->participant_id);
      set_string (row, "case_ref", r->case_ref);
      set_string (row, "name", r->name);
      set_string (row, "state", mend_attendance_state_to_string (r->state));
      set_time (row, "arrived_at", r->arrived_at_ms);
      set_time (row, "finished_at", r->finished_at_ms);
      json_object_set_int_member (row, "penalty_minutes", r->penalty_minutes);
      set_string (row, "outcome", r->outcome);
      json_object_set_int_member (row, "minutes_credited", r->minutes_credited);
      json_object_set_int_member (row, "minutes_owed", r->minutes_owed);
      json_array_add_object_element (rows, row);
    }
  return TRUE;
}

static gboolean
add_tally_rows (MendStore *store, MendSessionRow *s, JsonArray *rows, GError **error)
{
  g_autoptr (GPtrArray) tallies = mend_store_list_tallies (store, s->id, error);

  if (tallies == NULL)
    return FALSE;
  for (guint i = 0; i < tallies->len; i++)
    {
      MendTallyRow *t = g_ptr_array_index (tallies, i);
      JsonObject *row = session_row (s);

      set_string (row, "category", t->id);
      set_string (row, "label", t->label);
      set_string (row, "unit", t->unit);
      json_object_set_int_member (row, "total", t->total);
      json_array_add_object_element (rows, row);
    }
  return TRUE;
}

/* RFC 4180 quoting, and a leading quote mark on anything a spreadsheet would run as a
 * formula, because these files are opened in spreadsheets at HQ. */
static void
append_csv_field (GString *line, const char *value)
{
  gboolean formula = value[0] != '\0' && strchr ("=+-@", value[0]) != NULL;

  if (!formula && strpbrk (value, ",\"\r\n") == NULL)
    {
      g_string_append (line, value);
      return;
    }
  g_string_append_c (line, '"');
  if (formula)
    g_string_append_c (line, '\'');
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (line, '"');
      g_string_append_c (line, *p);
    }
  g_string_append_c (line, '"');
}

static void
print_csv (JsonArray *rows, const char *const *columns)
{
  g_autoptr (GString) line = g_string_new (NULL);
  g_autofree char *header = g_strjoinv (",", (char **)columns);

  printf ("%s\r\n", header);
  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonObject *row = json_array_get_object_element (rows, i);

      g_string_truncate (line, 0);
      for (guint c = 0; columns[c] != NULL; c++)
        {
          JsonNode *node = json_object_get_member (row, columns[c]);

          if (c > 0)
            g_string_append_c (line, ',');
          if (JSON_NODE_HOLDS_NULL (node))
            continue;
          if (json_node_get_value_type (node) == G_TYPE_INT64)
            g_string_append_printf (line, "%" G_GINT64_FORMAT, json_node_get_int (node));
          else
            append_csv_field (line, json_node_get_string (node));
        }
      printf ("%s\r\n", line->str);
    }
}

int
mendctl_export (MendctlContext *ctx, int argc, char **argv)
{
  g_autofree char *format = NULL;
  g_autofree char *what = NULL;
  g_autofree char *salvage = NULL;
  GOptionEntry entries[] = {
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, "csv or json (required)", "F" },
    { "what", 0, 0, G_OPTION_ARG_STRING, &what, "attendance (default) or tallies", "W" },
    { "salvage", 0, 0, G_OPTION_ARG_FILENAME, &salvage,
      "write what a damaged store still holds into the new folder OUT", "OUT" },
    { NULL },
  };
  g_autoptr (GPtrArray) sessions = NULL;
  g_autoptr (JsonArray) rows = json_array_new ();
  gboolean tallies;
  GError *error = NULL;
  int status;

  if (!mendctl_parse_options ("export", "", entries, NULL, &argc, &argv, 0, 0, &status))
    return status;
  /* A damaged store is read, never opened as a store (app/mendctl-salvage.c). */
  if (salvage != NULL)
    return format != NULL || what != NULL
               ? mendctl_usage_error ("export", "--salvage takes no --format or --what")
               : mendctl_export_salvage (ctx, salvage);
  if (g_strcmp0 (format, "csv") != 0 && g_strcmp0 (format, "json") != 0)
    return mendctl_usage_error ("export", "--format must be csv or json");
  if (what != NULL && g_strcmp0 (what, "attendance") != 0 && g_strcmp0 (what, "tallies") != 0)
    return mendctl_usage_error ("export", "--what must be attendance or tallies");
  tallies = g_strcmp0 (what, "tallies") == 0;

  if (mendctl_open_store (ctx, &error) == NULL
      || (sessions = mend_store_list_sessions (ctx->store, G_MININT64, G_MAXINT64, &error)) == NULL)
    return mendctl_fail (error);
  for (guint i = 0; i < sessions->len; i++)
    {
      MendSessionRow *s = g_ptr_array_index (sessions, i);

      if (!(tallies ? add_tally_rows : add_attendance_rows) (ctx->store, s, rows, &error))
        return mendctl_fail (error);
    }

  if (g_str_equal (format, "csv"))
    print_csv (rows, tallies ? tally_columns : attendance_columns);
  else
    {
      g_autoptr (JsonNode) root = json_node_init_array (json_node_alloc (), rows);
      mendctl_print_json (root);
    }
  return MENDCTL_EXIT_OK;
}
