/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-store"

#include "config.h"

#include <string.h>

#include "mend-store-private.h"

/* Reference data arrives as a manifest (data/README.md, "Manifest"), today from `mendctl demo`
 * and later from HQ. One table describes how each list maps to its table, so every list is
 * validated and upserted by the same code. */

typedef enum
{
  FIELD_TEXT,
  FIELD_OPTIONAL_TEXT,
  FIELD_TEXT_OR_EMPTY,
  FIELD_INT,
  FIELD_OPTIONAL_INT,
  FIELD_BOOL,
  FIELD_OPTIONAL_REAL,
  FIELD_GEOJSON,
} FieldType;

typedef struct
{
  const char *member;
  const char *column;
  FieldType type;
} Field;

typedef struct
{
  const char *list;
  const char *table;
  const char *conflict; /* the key columns */
  Field fields[10];
} TableSpec;

/* In dependency order: a session names its site and supervisor, an assignment its session. */
static const TableSpec specs[] = {
  { "supervisors",
    "supervisors",
    "id",
    { { "id", "id", FIELD_TEXT },
      { "name", "name", FIELD_TEXT },
      { "pin_hash", "pin_hash", FIELD_OPTIONAL_TEXT } } },
  { "sites",
    "sites",
    "id",
    { { "id", "id", FIELD_TEXT },
      { "name", "name", FIELD_TEXT },
      { "address", "address", FIELD_OPTIONAL_TEXT },
      { "boundary", "boundary", FIELD_GEOJSON },
      { "centre_lat", "centre_lat", FIELD_OPTIONAL_REAL },
      { "centre_lon", "centre_lon", FIELD_OPTIONAL_REAL },
      { "demo", "demo", FIELD_BOOL } } },
  { "participants",
    "participants",
    "id",
    { { "id", "id", FIELD_TEXT },
      { "case_ref", "case_ref", FIELD_TEXT },
      { "display_name", "display_name", FIELD_OPTIONAL_TEXT },
      { "restricted", "restricted", FIELD_BOOL },
      { "minutes_ordered", "minutes_ordered", FIELD_INT },
      { "minutes_credited", "minutes_credited_hq", FIELD_INT },
      { "disposal_type", "disposal_type", FIELD_TEXT },
      { "disposal_at", "disposal_at", FIELD_OPTIONAL_INT } } },
  { "sessions",
    "sessions",
    "id",
    { { "id", "id", FIELD_TEXT },
      { "site", "site_id", FIELD_TEXT },
      { "supervisor", "supervisor_id", FIELD_OPTIONAL_TEXT },
      { "starts_at", "starts_at", FIELD_INT },
      { "ends_at", "ends_at", FIELD_INT } } },
  { "assignments",
    "assignments",
    "session_id, participant_id",
    { { "session", "session_id", FIELD_TEXT }, { "participant", "participant_id", FIELD_TEXT } } },
  { "outcome_codes",
    "outcome_codes",
    "code",
    { { "code", "code", FIELD_TEXT },
      { "label", "label", FIELD_TEXT },
      { "hint", "hint", FIELD_TEXT_OR_EMPTY },
      { "attended", "attended", FIELD_BOOL },
      { "credits_time", "credits_time", FIELD_BOOL },
      { "alerts_referrer", "alerts_referrer", FIELD_BOOL } } },
  { "tally_categories",
    "tally_categories",
    "id",
    { { "id", "id", FIELD_TEXT },
      { "label", "label", FIELD_TEXT },
      { "unit", "unit", FIELD_TEXT },
      { "position", "position", FIELD_OPTIONAL_INT } } },
};

static char *
build_upsert (const TableSpec *spec)
{
  g_autoptr (GString) sql = g_string_new (NULL);
  g_autoptr (GString) updates = g_string_new (NULL);
  guint n = 0;

  g_string_append_printf (sql, "INSERT INTO %s (", spec->table);
  for (; n < G_N_ELEMENTS (spec->fields) && spec->fields[n].member != NULL; n++)
    {
      const char *column = spec->fields[n].column;

      g_string_append_printf (sql, "%s%s", n ? ", " : "", column);
      if (strstr (spec->conflict, column) == NULL)
        g_string_append_printf (updates, "%s%s = excluded.%s", updates->len ? ", " : "", column,
                                column);
    }
  g_string_append (sql, ") VALUES (");
  for (guint i = 0; i < n; i++)
    g_string_append_printf (sql, "%s?%u", i ? ", " : "", i + 1);
  g_string_append_printf (sql, ") ON CONFLICT (%s) DO ", spec->conflict);
  if (updates->len > 0)
    g_string_append_printf (sql, "UPDATE SET %s", updates->str);
  else
    g_string_append (sql, "NOTHING");
  return g_string_free (g_steal_pointer (&sql), FALSE);
}

static gboolean
invalid (GError **error, const TableSpec *spec, guint index, const char *member, const char *what)
{
  g_set_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_INVALID,
               "Reference data refused: %s[%u].%s %s; nothing was changed", spec->list, index,
               member, what);
  return FALSE;
}

static gboolean
geojson_is_area (JsonNode *node)
{
  JsonObject *object;
  const char *type;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return FALSE;
  object = json_node_get_object (node);
  type = json_object_get_string_member_with_default (object, "type", "");
  return (g_str_equal (type, "Polygon") || g_str_equal (type, "MultiPolygon"))
         && json_object_has_member (object, "coordinates")
         && JSON_NODE_HOLDS_ARRAY (json_object_get_member (object, "coordinates"));
}

static gboolean
bind_field (MendStmt *stmt,
            int position,
            const Field *field,
            JsonObject *item,
            const TableSpec *spec,
            guint index,
            GError **error)
{
  JsonNode *node = json_object_get_member (item, field->member);
  gboolean absent = node == NULL || JSON_NODE_HOLDS_NULL (node);
  gboolean is_value = node != NULL && JSON_NODE_HOLDS_VALUE (node);
  GType value_type = is_value ? json_node_get_value_type (node) : G_TYPE_INVALID;

  switch (field->type)
    {
    case FIELD_OPTIONAL_TEXT:
      if (absent)
        {
          sqlite3_bind_null (stmt, position);
          return TRUE;
        }
      G_GNUC_FALLTHROUGH;
    case FIELD_TEXT:
      if (value_type != G_TYPE_STRING || *json_node_get_string (node) == '\0')
        return invalid (error, spec, index, field->member, "must be a non-empty string");
      mend_stmt_bind_text (stmt, position, json_node_get_string (node));
      return TRUE;

    case FIELD_TEXT_OR_EMPTY:
      if (absent)
        mend_stmt_bind_text (stmt, position, "");
      else if (value_type == G_TYPE_STRING)
        mend_stmt_bind_text (stmt, position, json_node_get_string (node));
      else
        return invalid (error, spec, index, field->member, "must be a string");
      return TRUE;

    case FIELD_OPTIONAL_INT:
      if (absent)
        {
          sqlite3_bind_null (stmt, position);
          return TRUE;
        }
      G_GNUC_FALLTHROUGH;
    case FIELD_INT:
      if (value_type != G_TYPE_INT64)
        return invalid (error, spec, index, field->member, "must be an integer");
      sqlite3_bind_int64 (stmt, position, json_node_get_int (node));
      return TRUE;

    case FIELD_BOOL:
      if (absent)
        sqlite3_bind_int (stmt, position, 0);
      else if (value_type == G_TYPE_BOOLEAN)
        sqlite3_bind_int (stmt, position, json_node_get_boolean (node));
      else
        return invalid (error, spec, index, field->member, "must be true or false");
      return TRUE;

    case FIELD_OPTIONAL_REAL:
      if (absent)
        sqlite3_bind_null (stmt, position);
      else if (value_type == G_TYPE_DOUBLE || value_type == G_TYPE_INT64)
        sqlite3_bind_double (stmt, position, json_node_get_double (node));
      else
        return invalid (error, spec, index, field->member, "must be a number");
      return TRUE;

    case FIELD_GEOJSON:
      if (absent || !geojson_is_area (node))
        return invalid (error, spec, index, field->member,
                        "must be a GeoJSON Polygon or MultiPolygon");
      {
        g_autofree char *text = json_to_string (node, FALSE);
        mend_stmt_bind_text (stmt, position, text);
      }
      return TRUE;

    default:
      g_assert_not_reached ();
    }
}

static gboolean
apply_list (MendDb *db, const TableSpec *spec, JsonArray *list, GError **error)
{
  g_autofree char *sql = build_upsert (spec);
  sqlite3_stmt *stmt = NULL;
  guint n = json_array_get_length (list);
  gboolean ok = TRUE;
  int rc;

  rc = sqlite3_prepare_v2 (db->handle, sql, -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return mend_db_set_error (db, rc, error, "Could not apply the reference data");

  for (guint i = 0; ok && i < n; i++)
    {
      JsonNode *element = json_array_get_element (list, i);

      if (!JSON_NODE_HOLDS_OBJECT (element))
        {
          ok = invalid (error, spec, i, "", "must be an object");
          break;
        }
      for (guint f = 0; ok && f < G_N_ELEMENTS (spec->fields) && spec->fields[f].member; f++)
        ok = bind_field (stmt, f + 1, &spec->fields[f], json_node_get_object (element), spec, i,
                         error);
      if (ok && (rc = sqlite3_step (stmt)) != SQLITE_DONE)
        {
          if ((rc & 0xff) == SQLITE_CONSTRAINT)
            g_set_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_INVALID,
                         "Reference data refused: %s[%u] names something missing or breaks a "
                         "limit (%s); nothing was changed",
                         spec->list, i, sqlite3_errmsg (db->handle));
          else
            mend_db_set_error (db, rc, error, "Could not apply the reference data");
          ok = FALSE;
        }
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
    }
  sqlite3_finalize (stmt);
  return ok;
}

/**
 * mend_store_apply_lists:
 * @db: the writer, inside a transaction the caller owns
 *
 * Upserts every list of @manifest; the caller commits, or rolls back on failure. Shared by
 * mend_store_apply_reference() and the sync engine's manifest pull (mend-store-sync.c), which
 * applies deletions and stores the cursor in the same transaction.
 */
gboolean
mend_store_apply_lists (MendDb *db, JsonObject *manifest, GError **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (specs); i++)
    {
      JsonNode *list = json_object_get_member (manifest, specs[i].list);

      if (list == NULL || JSON_NODE_HOLDS_NULL (list))
        continue;
      if (!JSON_NODE_HOLDS_ARRAY (list))
        {
          g_set_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_INVALID,
                       "Reference data refused: “%s” must be a list; nothing was changed",
                       specs[i].list);
          return FALSE;
        }
      if (!apply_list (db, &specs[i], json_node_get_array (list), error))
        return FALSE;
    }
  return TRUE;
}

/**
 * mend_store_apply_reference:
 * @manifest: lists of reference rows by kind (data/README.md, "Manifest")
 *
 * Inserts or updates every row in one transaction. Events are never touched. A manifest with
 * any bad row changes nothing and says which row was bad.
 */
gboolean
mend_store_apply_reference (MendStore *self, JsonObject *manifest, GError **error)
{
  g_autoptr (GMutexLocker) locker = NULL;
  MendDb *db;

  g_return_val_if_fail (MEND_IS_STORE (self), FALSE);
  g_return_val_if_fail (manifest != NULL, FALSE);

  locker = g_mutex_locker_new (&self->write_lock);
  db = self->writer;
  if (!mend_store_begin (db, error))
    return FALSE;
  if (!mend_store_apply_lists (db, manifest, error) || !mend_store_commit (db, error))
    {
      mend_store_rollback (db);
      return FALSE;
    }
  return TRUE;
}

/**
 * mend_store_dup_pin_hash:
 *
 * Returns: (transfer full) (nullable): the supervisor's stored PIN hash, %NULL if none.
 */
char *
mend_store_dup_pin_hash (MendStore *self, const char *supervisor_id, GError **error)
{
  g_autoptr (MendStmt) stmt = NULL;

  g_return_val_if_fail (MEND_IS_STORE (self), NULL);

  stmt = mend_db_prepare (self->reader, "SELECT pin_hash FROM supervisors WHERE id = ?1", error);
  if (stmt == NULL)
    return NULL;
  mend_stmt_bind_text (stmt, 1, supervisor_id);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return NULL;
  return mend_stmt_dup_text (stmt, 0);
}
