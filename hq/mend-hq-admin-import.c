/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-hq"

#include "config.h"

#include "mend-hq-admin-private.h"

#include <string.h>

#include "mend-hq-geojson.h"

/* `site import FILE.geojson --team T` and `person import FILE.csv --team T`. Each file is read
 * whole, turned into manifest rows, and applied in one transaction: one bad feature or line and
 * nothing of the file is kept, and the message names it. */

/* One bound for both kinds of file: the site file's. */
#define MAX_IMPORT_BYTES MEND_HQ_GEOJSON_MAX_BYTES

static char *
read_file (const char *path, gsize *out_length, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, out_length, &local_error))
    {
      g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE, "%s", local_error->message);
      return NULL;
    }
  if (*out_length > MAX_IMPORT_BYTES)
    {
      g_free (contents);
      g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE, "%s is larger than 64 MiB", path);
      return NULL;
    }
  return contents;
}

/* At most @max characters of @text, cut between characters, for quoting in a message. */
static char *
clip (const char *text, glong max)
{
  return g_utf8_substring (text, 0, MIN (max, g_utf8_strlen (text, -1)));
}

gboolean
mend_hq_admin_site_import (PGconn *conn, const char *path, const char *team_arg, GError **error)
{
  g_autofree char *team = NULL;
  g_autofree char *text = NULL;
  g_autoptr (JsonArray) sites = NULL;
  gsize length = 0;

  team = mend_hq_admin_find_team (conn, team_arg, error);
  if (team == NULL)
    return FALSE;
  text = read_file (path, &length, error);
  if (text == NULL)
    return FALSE;
  /* The whole file is checked before the first row is written. */
  sites = mend_hq_geojson_parse_sites (path, text, length, error);
  if (sites == NULL)
    return FALSE;

  if (!mend_hq_db_exec (conn, "BEGIN", error))
    return FALSE;
  for (guint i = 0; i < json_array_get_length (sites); i++)
    {
      g_autoptr (JsonObject) lists = json_object_new ();
      g_autoptr (JsonArray) one = json_array_new ();
      JsonObject *site = json_array_get_object_element (sites, i);

      json_array_add_object_element (one, json_object_ref (site));
      json_object_set_array_member (lists, "sites", g_steal_pointer (&one));
      if (!mend_hq_reference_apply (conn, team, lists, error))
        {
          g_autofree char *label
              = mend_hq_geojson_feature_label (i, json_object_get_string_member (site, "id"), NULL);
          const char *detail = (*error)->message;

          /* "sites[0].boundary is …" becomes "FILE: feature 3 (id …): boundary is …". */
          if (g_str_has_prefix (detail, "sites[0]"))
            detail += strlen ("sites[0]");
          if (*detail == '.' || *detail == ' ')
            detail++;
          {
            g_autofree char *message = g_strdup_printf ("%s: %s: %s", path, label, detail);

            g_free ((*error)->message);
            (*error)->message = g_steal_pointer (&message);
          }
          PQclear (PQexec (conn, "ROLLBACK"));
          return FALSE;
        }
    }
  if (!mend_hq_db_exec (conn, "COMMIT", error))
    {
      PQclear (PQexec (conn, "ROLLBACK"));
      return FALSE;
    }
  g_print ("%u sites\n", json_array_get_length (sites));
  return TRUE;
}

/* The CSV columns of `person import`, named as the manifest names them. */
typedef enum
{
  COLUMN_TEXT,
  COLUMN_OPTIONAL_TEXT, /* empty is null */
  COLUMN_MINUTES,
  COLUMN_OPTIONAL_MINUTES, /* empty is 0 */
  COLUMN_BOOL,             /* true/false, yes/no, 1/0; empty is false */
  COLUMN_TIME,             /* ISO 8601; empty is null */
} ColumnType;

static const struct
{
  const char *name;
  ColumnType type;
  gboolean required;
} columns[] = {
  { "id", COLUMN_TEXT, TRUE },
  { "case_ref", COLUMN_TEXT, TRUE },
  { "display_name", COLUMN_OPTIONAL_TEXT, FALSE },
  { "restricted", COLUMN_BOOL, FALSE },
  { "minutes_ordered", COLUMN_MINUTES, TRUE },
  { "minutes_credited", COLUMN_OPTIONAL_MINUTES, FALSE },
  { "disposal_type", COLUMN_TEXT, TRUE },
  { "disposal_at", COLUMN_TIME, FALSE },
};

static gboolean
cell_refused (GError **error, const char *path, guint line, const char *column, const char *what)
{
  g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE, "%s line %u, column %s: %s", path, line,
               column, what);
  return FALSE;
}

static gboolean
set_cell (JsonObject *row,
          guint column,
          const char *cell,
          const char *path,
          guint line,
          GError **error)
{
  const char *name = columns[column].name;
  g_autofree char *what = NULL;
  g_autofree char *shown = clip (cell, 40);

  switch (columns[column].type)
    {
    case COLUMN_TEXT:
      json_object_set_string_member (row, name, cell);
      return TRUE;
    case COLUMN_OPTIONAL_TEXT:
      if (*cell != '\0')
        json_object_set_string_member (row, name, cell);
      return TRUE;
    case COLUMN_OPTIONAL_MINUTES:
      if (*cell == '\0')
        return TRUE;
      G_GNUC_FALLTHROUGH;
    case COLUMN_MINUTES:
      {
        guint64 minutes;

        if (!g_ascii_string_to_unsigned (cell, 10, 0, 1000000, &minutes, NULL))
          {
            what
                = g_strdup_printf ("\"%s\" is not a whole number of minutes (0 to 1000000)", shown);
            return cell_refused (error, path, line, name, what);
          }
        json_object_set_int_member (row, name, (gint64)minutes);
      }
      return TRUE;
    case COLUMN_BOOL:
      if (*cell == '\0' || g_ascii_strcasecmp (cell, "false") == 0
          || g_ascii_strcasecmp (cell, "no") == 0 || strcmp (cell, "0") == 0)
        json_object_set_boolean_member (row, name, FALSE);
      else if (g_ascii_strcasecmp (cell, "true") == 0 || g_ascii_strcasecmp (cell, "yes") == 0
               || strcmp (cell, "1") == 0)
        json_object_set_boolean_member (row, name, TRUE);
      else
        {
          what = g_strdup_printf ("\"%s\" is not true or false", shown);
          return cell_refused (error, path, line, name, what);
        }
      return TRUE;
    case COLUMN_TIME:
      if (*cell == '\0')
        return TRUE;
      {
        g_autoptr (GTimeZone) local = g_time_zone_new_local ();
        g_autoptr (GDateTime) when = g_date_time_new_from_iso8601 (cell, local);

        if (when == NULL)
          {
            what = g_strdup_printf ("\"%s\" is not an ISO 8601 time like 2026-11-25T16:30:00Z",
                                    shown);
            return cell_refused (error, path, line, name, what);
          }
        json_object_set_int_member (row, name,
                                    g_date_time_to_unix (when) * 1000
                                        + g_date_time_get_microsecond (when) / 1000);
      }
      return TRUE;
    default:
      g_assert_not_reached ();
    }
}

/* Which column of the file each known column is, from the header. */
static gboolean
read_header (const MendHqCsvRecord *header, int *positions, const char *path, GError **error)
{
  for (guint c = 0; c < G_N_ELEMENTS (columns); c++)
    positions[c] = -1;
  for (guint f = 0; f < header->fields->len; f++)
    {
      const char *name = g_ptr_array_index (header->fields, f);
      gboolean known = FALSE;

      for (guint c = 0; c < G_N_ELEMENTS (columns); c++)
        if (strcmp (name, columns[c].name) == 0)
          {
            if (positions[c] >= 0)
              return cell_refused (error, path, header->line, name, "appears twice in the header");
            positions[c] = (int)f;
            known = TRUE;
          }
      if (!known)
        {
          g_autofree char *shown = clip (name, 60);

          g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE,
                       "%s line %u: unknown column \"%s\"; the columns are id, case_ref,"
                       " display_name, restricted, minutes_ordered, minutes_credited,"
                       " disposal_type, disposal_at",
                       path, header->line, shown);
          return FALSE;
        }
    }
  for (guint c = 0; c < G_N_ELEMENTS (columns); c++)
    if (columns[c].required && positions[c] < 0)
      {
        g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE,
                     "%s line %u: the header has no column %s", path, header->line,
                     columns[c].name);
        return FALSE;
      }
  return TRUE;
}

gboolean
mend_hq_admin_person_import (PGconn *conn, const char *path, const char *team_arg, GError **error)
{
  g_autofree char *team = NULL;
  g_autofree char *text = NULL;
  g_autoptr (GPtrArray) records = NULL;
  g_autoptr (GError) csv_error = NULL;
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  int positions[G_N_ELEMENTS (columns)];
  gsize length = 0;
  guint imported = 0;

  team = mend_hq_admin_find_team (conn, team_arg, error);
  if (team == NULL)
    return FALSE;
  text = read_file (path, &length, error);
  if (text == NULL)
    return FALSE;
  records = mend_hq_csv_parse (text, length, &csv_error);
  if (records == NULL)
    {
      g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE, "%s %s", path, csv_error->message);
      return FALSE;
    }
  if (records->len == 0 || !read_header (g_ptr_array_index (records, 0), positions, path, error))
    {
      if (records->len == 0)
        g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE,
                     "%s needs a header line and at least one person", path);
      return FALSE;
    }
  if (records->len < 2)
    {
      g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE,
                   "%s needs a header line and at least one person", path);
      return FALSE;
    }

  if (!mend_hq_db_exec (conn, "BEGIN", error))
    return FALSE;
  for (guint r = 1; r < records->len; r++)
    {
      const MendHqCsvRecord *record = g_ptr_array_index (records, r);
      const MendHqCsvRecord *header = g_ptr_array_index (records, 0);
      g_autoptr (JsonObject) lists = json_object_new ();
      g_autoptr (JsonArray) one = json_array_new ();
      JsonObject *row = json_object_new ();

      json_array_add_object_element (one, row);
      json_object_set_array_member (lists, "participants", g_steal_pointer (&one));
      json_object_set_int_member (row, "minutes_credited", 0);
      if (record->fields->len != header->fields->len)
        {
          g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE,
                       "%s line %u: %u fields where the header has %u", path, record->line,
                       record->fields->len, header->fields->len);
          goto fail;
        }
      for (guint c = 0; c < G_N_ELEMENTS (columns); c++)
        if (positions[c] >= 0
            && !set_cell (row, c, g_ptr_array_index (record->fields, positions[c]), path,
                          record->line, error))
          goto fail;
      /* A second line for one id would quietly overwrite the first. */
      {
        const char *id = json_object_get_string_member (row, "id");
        gpointer first_line = g_hash_table_lookup (seen, id);

        if (first_line != NULL)
          {
            g_autofree char *shown = clip (id, 60);

            g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE,
                         "%s line %u, column id: \"%s\" is already on line %u", path, record->line,
                         shown, GPOINTER_TO_UINT (first_line));
            goto fail;
          }
        g_hash_table_insert (seen, g_strdup (id), GUINT_TO_POINTER (record->line));
      }
      if (!mend_hq_reference_apply (conn, team, lists, error))
        {
          const char *detail = (*error)->message;
          g_autofree char *message = NULL;

          /* "participants[0].display_name must …" becomes "FILE line 4, column display_name:
           * must …". */
          if (g_str_has_prefix (detail, "participants[0].") && strchr (detail, ' ') != NULL)
            {
              const char *member = detail + strlen ("participants[0].");
              const char *space = strchr (member, ' ');

              message = g_strdup_printf ("%s line %u, column %.*s: %s", path, record->line,
                                         (int)(space - member), member, space + 1);
            }
          else if (g_str_has_prefix (detail, "participants[0] "))
            message = g_strdup_printf ("%s line %u: %s", path, record->line,
                                       detail + strlen ("participants[0] "));
          else
            message = g_strdup_printf ("%s line %u: %s", path, record->line, detail);
          g_free ((*error)->message);
          (*error)->message = g_steal_pointer (&message);
          goto fail;
        }
      imported++;
    }
  if (!mend_hq_db_exec (conn, "COMMIT", error))
    goto fail;
  g_print ("%u people\n", imported);
  return TRUE;

fail:
  PQclear (PQexec (conn, "ROLLBACK"));
  return FALSE;
}
