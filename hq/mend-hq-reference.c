/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-hq"

#include "config.h"

#include "mend-hq-private.h"

#include <string.h>

#include "mend-geofence.h"

/* Writing a team's reference data. Every way in (the admin imports, `session add`, `assign`,
 * the demo) hands over lists shaped as a manifest (data/README.md, "Manifest"), so one table
 * below says how each member is checked and where it goes, and the errors name the row the way
 * the device's applier does ("participants[3].minutes_ordered must be an integer"). Rows are
 * upserts by id inside the caller's transaction; a row whose id belongs to another team is
 * refused, never moved. */

typedef enum
{
  FIELD_ID,            /* 1–128 bytes, no control characters */
  FIELD_OPTIONAL_ID,   /* the same, or null */
  FIELD_TEXT,          /* non-empty, one line, at most max characters */
  FIELD_OPTIONAL_TEXT, /* the same, or null */
  FIELD_TEXT_OR_EMPTY, /* possibly empty, newlines allowed */
  FIELD_INT,           /* 0 … max */
  FIELD_OPTIONAL_INT,
  FIELD_BOOL, /* absent is false */
  FIELD_OPTIONAL_LAT,
  FIELD_OPTIONAL_LON,
  FIELD_GEOJSON,
  FIELD_MS, /* UTC milliseconds, stored as timestamptz */
  FIELD_OPTIONAL_MS,
} FieldType;

typedef struct
{
  const char *member;
  const char *column;
  FieldType type;
  int max;
} Field;

typedef struct
{
  const char *list;
  const char *table;
  const char *key; /* the conflict target */
  gboolean per_team;
  Field fields[9];
} Spec;

/* In dependency order, as the device applies them. */
static const Spec specs[] = {
  { "supervisors",
    "supervisors",
    "id",
    TRUE,
    { { "id", "id", FIELD_ID, 0 },
      { "name", "name", FIELD_TEXT, 200 },
      { "pin_hash", "pin_hash", FIELD_TEXT, 200 } } },
  { "sites",
    "sites",
    "id",
    TRUE,
    { { "id", "id", FIELD_ID, 0 },
      { "name", "name", FIELD_TEXT, 200 },
      { "address", "address", FIELD_OPTIONAL_TEXT, 500 },
      { "boundary", "boundary", FIELD_GEOJSON, 0 },
      { "centre_lat", "centre_lat", FIELD_OPTIONAL_LAT, 0 },
      { "centre_lon", "centre_lon", FIELD_OPTIONAL_LON, 0 },
      { "demo", "demo", FIELD_BOOL, 0 } } },
  { "participants",
    "participants",
    "id",
    TRUE,
    { { "id", "id", FIELD_ID, 0 },
      { "case_ref", "case_ref", FIELD_TEXT, 100 },
      { "display_name", "display_name", FIELD_OPTIONAL_TEXT, 200 },
      { "restricted", "restricted", FIELD_BOOL, 0 },
      { "minutes_ordered", "minutes_ordered", FIELD_INT, 1000000 },
      { "minutes_credited", "minutes_credited", FIELD_INT, 1000000 },
      { "disposal_type", "disposal_type", FIELD_TEXT, 100 },
      { "disposal_at", "disposal_at", FIELD_OPTIONAL_MS, 0 } } },
  { "sessions",
    "sessions",
    "id",
    TRUE,
    { { "id", "id", FIELD_ID, 0 },
      { "site", "site", FIELD_ID, 0 },
      { "supervisor", "supervisor", FIELD_OPTIONAL_ID, 0 },
      { "starts_at", "starts_at", FIELD_MS, 0 },
      { "ends_at", "ends_at", FIELD_MS, 0 } } },
  { "assignments",
    "assignments",
    "session, participant",
    TRUE,
    { { "session", "session", FIELD_ID, 0 }, { "participant", "participant", FIELD_ID, 0 } } },
  { "outcome_codes",
    "outcome_codes",
    "code",
    FALSE,
    { { "code", "code", FIELD_ID, 0 },
      { "label", "label", FIELD_TEXT, 200 },
      { "hint", "hint", FIELD_TEXT_OR_EMPTY, 1000 },
      { "attended", "attended", FIELD_BOOL, 0 },
      { "credits_time", "credits_time", FIELD_BOOL, 0 },
      { "alerts_referrer", "alerts_referrer", FIELD_BOOL, 0 } } },
  { "tally_categories",
    "tally_categories",
    "id",
    FALSE,
    { { "id", "id", FIELD_ID, 0 },
      { "label", "label", FIELD_TEXT, 200 },
      { "unit", "unit", FIELD_TEXT, 50 },
      { "position", "position", FIELD_OPTIONAL_INT, 1000000 } } },
};

static guint
n_fields (const Spec *spec)
{
  guint n = 0;

  while (n < G_N_ELEMENTS (spec->fields) && spec->fields[n].member != NULL)
    n++;
  return n;
}

static gboolean
is_ms (const Field *field)
{
  return field->type == FIELD_MS || field->type == FIELD_OPTIONAL_MS;
}

static gboolean
is_key (const Spec *spec, const char *column)
{
  g_auto (GStrv) keys = g_strsplit (spec->key, ", ", 0);

  return g_strv_contains ((const char *const *)keys, column);
}

/* INSERT … ON CONFLICT (key) DO UPDATE … WHERE the row is the same team's, RETURNING, so a
 * row of another team is left alone and the caller sees that nothing came back. */
static char *
build_upsert (const Spec *spec)
{
  g_autoptr (GString) sql = g_string_new (NULL);
  g_autoptr (GString) values = g_string_new (NULL);
  g_autoptr (GString) updates = g_string_new (NULL);
  guint n = n_fields (spec);

  g_string_append_printf (sql, "INSERT INTO %s (", spec->table);
  for (guint i = 0; i < n; i++)
    {
      const Field *field = &spec->fields[i];

      g_string_append_printf (sql, "%s%s", i ? ", " : "", field->column);
      if (is_ms (field))
        g_string_append_printf (values,
                                "%s'epoch'::timestamptz + $%u::bigint * interval '1 millisecond'",
                                i ? ", " : "", i + 1);
      else if (field->type == FIELD_GEOJSON)
        g_string_append_printf (values, "%s$%u::jsonb", i ? ", " : "", i + 1);
      else
        g_string_append_printf (values, "%s$%u", i ? ", " : "", i + 1);
      if (!is_key (spec, field->column))
        g_string_append_printf (updates, "%s%s = excluded.%s", updates->len ? ", " : "",
                                field->column, field->column);
    }
  if (spec->per_team)
    {
      g_string_append (sql, ", team");
      g_string_append_printf (values, ", $%u", n + 1);
    }
  g_string_append_printf (sql, ") VALUES (%s) ON CONFLICT (%s) DO UPDATE SET ", values->str,
                          spec->key);
  /* An assignment has nothing but its key: it is "updated" to itself so RETURNING still
   * tells a row of this team from one of another. */
  g_string_append (sql, updates->len > 0 ? updates->str : "team = excluded.team");
  if (spec->per_team)
    g_string_append_printf (sql, " WHERE %s.team = excluded.team", spec->table);
  g_string_append (sql, " RETURNING 1");
  return g_string_free (g_steal_pointer (&sql), FALSE);
}

static gboolean
refuse (GError **error, const Spec *spec, guint index, const char *member, const char *what)
{
  g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE, "%s[%u]%s%s %s", spec->list, index,
               *member ? "." : "", member, what);
  return FALSE;
}

/* Text that fits a column: valid UTF-8 (json-glib made sure), no control characters (a
 * newline only where @multi_line), at most @max characters. */
static gboolean
text_is_clean (const char *text, gboolean multi_line)
{
  for (const guchar *p = (const guchar *)text; *p != '\0'; p++)
    if ((*p < 0x20 && !(multi_line && (*p == '\n' || *p == '\t'))) || *p == 0x7f)
      return FALSE;
  return TRUE;
}

/* Checks one member and turns it into the text parameter PostgreSQL reads (NULL for SQL
 * null). */
static gboolean
read_field (const Field *field,
            JsonObject *row,
            const Spec *spec,
            guint index,
            char **out_value,
            GError **error)
{
  JsonNode *node = json_object_get_member (row, field->member);
  gboolean absent = node == NULL || JSON_NODE_HOLDS_NULL (node);
  GType type = node != NULL && JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node)
                                                            : G_TYPE_INVALID;
  const char *text = type == G_TYPE_STRING ? json_node_get_string (node) : NULL;
  g_autofree char *reason = NULL;

  *out_value = NULL;
  switch (field->type)
    {
    case FIELD_OPTIONAL_ID:
      if (absent)
        return TRUE;
      G_GNUC_FALLTHROUGH;
    case FIELD_ID:
      if (text == NULL || text[0] == '\0' || strlen (text) > MEND_WIRE_MAX_ID_BYTES
          || !text_is_clean (text, FALSE))
        return refuse (error, spec, index, field->member,
                       "must be an id: 1 to 128 bytes without control characters");
      *out_value = g_strdup (text);
      return TRUE;

    case FIELD_OPTIONAL_TEXT:
      if (absent)
        return TRUE;
      G_GNUC_FALLTHROUGH;
    case FIELD_TEXT:
      if (text == NULL || text[0] == '\0' || !text_is_clean (text, FALSE)
          || g_utf8_strlen (text, -1) > field->max)
        {
          reason = g_strdup_printf ("must be a non-empty line of text of at most %d characters",
                                    field->max);
          return refuse (error, spec, index, field->member, reason);
        }
      *out_value = g_strdup (text);
      return TRUE;

    case FIELD_TEXT_OR_EMPTY:
      if (absent)
        text = "";
      if (text == NULL || !text_is_clean (text, TRUE) || g_utf8_strlen (text, -1) > field->max)
        {
          reason = g_strdup_printf ("must be text of at most %d characters", field->max);
          return refuse (error, spec, index, field->member, reason);
        }
      *out_value = g_strdup (text);
      return TRUE;

    case FIELD_OPTIONAL_INT:
      if (absent)
        return TRUE;
      G_GNUC_FALLTHROUGH;
    case FIELD_INT:
      if (type != G_TYPE_INT64 || json_node_get_int (node) < 0
          || json_node_get_int (node) > field->max)
        {
          reason = g_strdup_printf ("must be a whole number from 0 to %d", field->max);
          return refuse (error, spec, index, field->member, reason);
        }
      *out_value = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
      return TRUE;

    case FIELD_BOOL:
      if (!absent && type != G_TYPE_BOOLEAN)
        return refuse (error, spec, index, field->member, "must be true or false");
      *out_value = g_strdup (!absent && json_node_get_boolean (node) ? "true" : "false");
      return TRUE;

    case FIELD_OPTIONAL_LAT:
    case FIELD_OPTIONAL_LON:
      if (absent)
        return TRUE;
      {
        double limit = field->type == FIELD_OPTIONAL_LAT ? 90 : 180;
        double value;
        char buffer[G_ASCII_DTOSTR_BUF_SIZE];

        if (type != G_TYPE_DOUBLE && type != G_TYPE_INT64)
          return refuse (error, spec, index, field->member, "must be a number");
        value = json_node_get_double (node);
        if (!(value >= -limit && value <= limit))
          return refuse (error, spec, index, field->member, "is out of range");
        *out_value = g_strdup (g_ascii_dtostr (buffer, sizeof buffer, value));
      }
      return TRUE;

    case FIELD_GEOJSON:
      {
        g_autofree char *json = NULL;
        g_autoptr (MendGeofence) fence = NULL;
        g_autoptr (GError) fence_error = NULL;

        if (absent || !JSON_NODE_HOLDS_OBJECT (node))
          return refuse (error, spec, index, field->member,
                         "must be a GeoJSON Polygon or MultiPolygon");
        json = json_to_string (node, FALSE);
        /* The device's own parser: what it would refuse is refused here, before any device
         * has to meet it. */
        fence = mend_geofence_new_from_geojson (json, &fence_error);
        if (fence == NULL)
          {
            reason = g_strdup_printf ("is not a usable boundary: %s", fence_error->message);
            return refuse (error, spec, index, field->member, reason);
          }
        *out_value = g_steal_pointer (&json);
      }
      return TRUE;

    case FIELD_OPTIONAL_MS:
      if (absent)
        return TRUE;
      G_GNUC_FALLTHROUGH;
    case FIELD_MS:
      /* Years 1970 to 9999, which PostgreSQL and every device can represent. */
      if (type != G_TYPE_INT64 || json_node_get_int (node) < 0
          || json_node_get_int (node) > G_GINT64_CONSTANT (253402300799999))
        return refuse (error, spec, index, field->member,
                       "must be a time in UTC milliseconds since 1970");
      *out_value = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
      return TRUE;

    default:
      g_assert_not_reached ();
    }
}

/* PostgreSQL's words for a broken foreign key or check, turned into the row's name. */
static gboolean
refuse_database (GError **error, const Spec *spec, guint index, PGresult *result)
{
  const char *state = PQresultErrorField (result, PG_DIAG_SQLSTATE);

  if (state != NULL && g_str_equal (state, "23503"))
    return refuse (error, spec, index, "",
                   "names a site, supervisor, session or person that is not of this team");
  /* Without PostgreSQL's detail, which quotes the row: the constraint and column say enough. */
  if (state != NULL && g_str_has_prefix (state, "23"))
    {
      g_autofree char *text = mend_hq_db_error_text (result);
      g_autofree char *what = g_strdup_printf ("was refused: %s", text);

      return refuse (error, spec, index, "", what);
    }
  return mend_hq_db_check (result, PGRES_TUPLES_OK, error);
}

static gboolean
apply_list (PGconn *conn, const char *team, const Spec *spec, JsonArray *list, GError **error)
{
  g_autofree char *sql = build_upsert (spec);
  guint n = n_fields (spec);
  guint length = json_array_get_length (list);

  for (guint i = 0; i < length; i++)
    {
      JsonNode *element = json_array_get_element (list, i);
      g_autoptr (GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
      g_autoptr (PGresult) result = NULL;
      const Field *first = &spec->fields[0];

      if (!JSON_NODE_HOLDS_OBJECT (element))
        return refuse (error, spec, i, "", "must be an object");
      for (guint f = 0; f < n; f++)
        {
          char *value = NULL;

          if (!read_field (&spec->fields[f], json_node_get_object (element), spec, i, &value,
                           error))
            return FALSE;
          g_ptr_array_add (values, value);
        }
      if (spec->per_team)
        g_ptr_array_add (values, g_strdup (team));
      result = PQexecParams (conn, sql, (int)values->len, NULL, (const char *const *)values->pdata,
                             NULL, NULL, 0);
      if (PQresultStatus (result) != PGRES_TUPLES_OK)
        return refuse_database (error, spec, i, result);
      if (PQntuples (result) != 1)
        {
          g_autofree char *what = g_strdup_printf ("%s %s belongs to another team", first->member,
                                                   (const char *)values->pdata[0]);
          return refuse (error, spec, i, "", what);
        }
    }
  return TRUE;
}

/**
 * mend_hq_reference_check_text:
 * @text: a JSON document as read from a file
 *
 * json-glib reads the escape \u0000 into a string that simply ends there, so a name holding
 * one would be cut short without a word. A document with a NUL, raw or escaped, is refused
 * before it is parsed.
 */
gboolean
mend_hq_reference_check_text (const char *path, const char *text, gsize length, GError **error)
{
  for (gsize i = 0; i < length; i++)
    {
      gsize run = 0;

      if (text[i] == '\0')
        goto refuse;
      if (text[i] != '\\')
        continue;
      while (i + run < length && text[i + run] == '\\')
        run++;
      /* An odd run of backslashes escapes what follows; an even one is only backslashes. */
      if (run % 2 == 1 && i + run + 5 <= length && memcmp (text + i + run, "u0000", 5) == 0)
        goto refuse;
      i += run - 1;
    }
  return TRUE;

refuse:
  g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE,
               "%s holds a NUL character, which no text may hold", path);
  return FALSE;
}

/**
 * mend_hq_reference_apply:
 * @team: the team the per-team lists belong to
 * @lists: manifest-shaped lists; each optional
 *
 * Upserts every row inside the caller's transaction; the caller rolls back when this fails, so
 * a bad row changes nothing. The error names the row and member.
 */
gboolean
mend_hq_reference_apply (PGconn *conn, const char *team, JsonObject *lists, GError **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (specs); i++)
    {
      JsonNode *list = json_object_get_member (lists, specs[i].list);

      if (list == NULL || JSON_NODE_HOLDS_NULL (list))
        continue;
      if (!JSON_NODE_HOLDS_ARRAY (list))
        {
          g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE, "%s must be a list",
                       specs[i].list);
          return FALSE;
        }
      if (!apply_list (conn, team, &specs[i], json_node_get_array (list), error))
        return FALSE;
    }
  return TRUE;
}
