/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-sync"

#include "config.h"

#include "mend-wire-private.h"

#include <string.h>

/* The manifest answer, PROTOCOL.md section 12. The rows of each list are checked by
 * mend_store_apply_reference(), which names a bad row and applies nothing; here only the
 * envelope is checked: the cursor, the key, that each list is a list of objects, and the
 * deletions, which the store does not read. */

const char *const mend_wire_manifest_lists[7] = {
  "supervisors", "sites",         "participants",     "sessions",
  "assignments", "outcome_codes", "tally_categories",
};

static void
copy_members (JsonObject *from, JsonObject *to)
{
  g_autoptr (GList) members = json_object_get_members (from);

  for (GList *l = members; l != NULL; l = l->next)
    json_object_set_member (to, l->data, json_node_copy (json_object_get_member (from, l->data)));
}

/**
 * mend_wire_encode_manifest:
 * @manifest: what HQ sends: @reference holds the changed lists, @deleted (nullable) the ids
 *
 * Returns: (transfer full): the body of HQ's 200 answer to GET /api/v1/manifest.
 */
GBytes *
mend_wire_encode_manifest (const MendWireManifest *manifest)
{
  g_autoptr (JsonObject) root = json_object_new ();
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  g_return_val_if_fail (manifest != NULL && manifest->cursor != NULL, NULL);
  g_return_val_if_fail (mend_wire_is_public_key (manifest->hq_public_key), NULL);
  g_return_val_if_fail ((manifest->team_id == NULL) == (manifest->team_name == NULL), NULL);

  if (manifest->reference != NULL)
    for (guint i = 0; i < G_N_ELEMENTS (mend_wire_manifest_lists); i++)
      {
        JsonNode *list = json_object_get_member (manifest->reference, mend_wire_manifest_lists[i]);

        if (list != NULL)
          json_object_set_member (root, mend_wire_manifest_lists[i], json_node_copy (list));
      }
  if (manifest->deleted != NULL)
    {
      JsonObject *deleted = json_object_new ();

      copy_members (manifest->deleted, deleted);
      json_object_set_object_member (root, "deleted", deleted);
    }
  json_object_set_string_member (root, "cursor", manifest->cursor);
  json_object_set_boolean_member (root, "full", manifest->full);
  if (manifest->generated_at_ms != 0)
    json_object_set_int_member (root, "generated_at", manifest->generated_at_ms);
  json_object_set_string_member (root, "hq_public_key", manifest->hq_public_key);
  if (manifest->team_id != NULL)
    {
      JsonObject *team = json_object_new ();

      json_object_set_string_member (team, "id", manifest->team_id);
      json_object_set_string_member (team, "name", manifest->team_name);
      json_object_set_object_member (root, "team", team);
    }
  json_node_set_object (node, root);
  return mend_wire_node_to_bytes (node);
}

static gboolean
copy_lists (JsonObject *root, JsonObject *reference, GError **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (mend_wire_manifest_lists); i++)
    {
      const char *name = mend_wire_manifest_lists[i];
      g_autoptr (GError) local_error = NULL;
      JsonArray *list = mend_wire_get_array (root, "", name, TRUE, &local_error);
      guint n;

      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (list == NULL)
        continue;
      n = json_array_get_length (list);
      for (guint j = 0; j < n; j++)
        if (!JSON_NODE_HOLDS_OBJECT (json_array_get_element (list, j)))
          {
            g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED,
                         "%s[%u] must be an object", name, j);
            return FALSE;
          }
      json_object_set_array_member (reference, name, json_array_ref (list));
    }
  return TRUE;
}

static gboolean
copy_deleted_ids (JsonArray *list, const char *name, JsonArray *out, GError **error)
{
  guint n = json_array_get_length (list);

  for (guint j = 0; j < n; j++)
    {
      JsonNode *node = json_array_get_element (list, j);
      const char *id
          = JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING
                ? json_node_get_string (node)
                : NULL;

      if (id == NULL || id[0] == '\0' || strlen (id) > MEND_WIRE_MAX_ID_BYTES)
        {
          g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED,
                       "deleted.%s[%u] must be an id", name, j);
          return FALSE;
        }
      json_array_add_string_element (out, id);
    }
  return TRUE;
}

static gboolean
copy_deleted_pairs (JsonArray *list, JsonArray *out, GError **error)
{
  guint n = json_array_get_length (list);

  for (guint j = 0; j < n; j++)
    {
      g_autofree char *where = g_strdup_printf ("deleted.assignments[%u]", j);
      g_autofree char *session = NULL;
      g_autofree char *participant = NULL;
      JsonNode *node = json_array_get_element (list, j);
      JsonObject *pair;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED, "%s must be an object",
                       where);
          return FALSE;
        }
      if (!mend_wire_get_string (json_node_get_object (node), where, "session", FALSE,
                                 MEND_WIRE_MAX_ID_BYTES, &session, error)
          || !mend_wire_get_string (json_node_get_object (node), where, "participant", FALSE,
                                    MEND_WIRE_MAX_ID_BYTES, &participant, error))
        return FALSE;
      pair = json_object_new ();
      json_object_set_string_member (pair, "session", session);
      json_object_set_string_member (pair, "participant", participant);
      json_array_add_object_element (out, pair);
    }
  return TRUE;
}

/* Every list is present in the result, empty when the manifest said nothing, so the sync
 * engine walks the same seven lists every time. */
static JsonObject *
read_deleted (JsonObject *root, GError **error)
{
  g_autoptr (JsonObject) deleted = json_object_new ();
  g_autoptr (GError) local_error = NULL;
  JsonObject *given = mend_wire_get_object (root, "", "deleted", TRUE, &local_error);

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  for (guint i = 0; i < G_N_ELEMENTS (mend_wire_manifest_lists); i++)
    {
      const char *name = mend_wire_manifest_lists[i];
      JsonArray *out = json_array_new ();
      JsonArray *list = NULL;

      json_object_set_array_member (deleted, name, out);
      if (given != NULL)
        list = mend_wire_get_array (given, "deleted", name, TRUE, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      if (list == NULL)
        continue;
      if (g_str_equal (name, "assignments") ? !copy_deleted_pairs (list, out, error)
                                            : !copy_deleted_ids (list, name, out, error))
        return NULL;
    }
  return g_steal_pointer (&deleted);
}

/**
 * mend_wire_decode_manifest:
 * @body: the body of a 200 answer to GET /api/v1/manifest
 *
 * Returns: (transfer full) (nullable): the manifest: its @reference goes to
 *   mend_store_apply_reference(), its @deleted and @cursor to the sync engine, in the same
 *   transaction.
 */
MendWireManifest *
mend_wire_decode_manifest (const char *body, gsize length, GError **error)
{
  g_autoptr (JsonNode) root_node = NULL;
  g_autoptr (MendWireManifest) manifest = NULL;
  g_autoptr (GError) local_error = NULL;
  JsonObject *root;
  JsonObject *team;
  gboolean present;

  root_node = mend_wire_parse (body, length, MEND_WIRE_MAX_MANIFEST_BYTES, "the manifest", error);
  if (root_node == NULL)
    return NULL;
  root = json_node_get_object (root_node);
  manifest = g_new0 (MendWireManifest, 1);

  if (!mend_wire_get_string (root, "", "cursor", FALSE, MEND_WIRE_MAX_CURSOR_BYTES,
                             &manifest->cursor, error)
      || !mend_wire_get_bool (root, "", "full", TRUE, &manifest->full, error)
      || !mend_wire_get_string (root, "", "hq_public_key", FALSE, 44, &manifest->hq_public_key,
                                error))
    return NULL;
  if (!mend_wire_is_public_key (manifest->hq_public_key))
    {
      g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED,
                   "hq_public_key must be 32 bytes in standard base64");
      return NULL;
    }
  if (json_object_has_member (root, "generated_at")
      && !mend_wire_get_int (root, "", "generated_at", TRUE, &present, &manifest->generated_at_ms,
                             error))
    return NULL;

  team = mend_wire_get_object (root, "", "team", TRUE, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (team != NULL
      && (!mend_wire_get_string (team, "team", "id", FALSE, MEND_WIRE_MAX_ID_BYTES,
                                 &manifest->team_id, error)
          || !mend_wire_get_string (team, "team", "name", FALSE, 200, &manifest->team_name, error)))
    return NULL;

  manifest->reference = json_object_new ();
  if (!copy_lists (root, manifest->reference, error))
    return NULL;
  manifest->deleted = read_deleted (root, error);
  if (manifest->deleted == NULL)
    return NULL;
  return g_steal_pointer (&manifest);
}

void
mend_wire_manifest_free (MendWireManifest *manifest)
{
  if (manifest == NULL)
    return;
  g_free (manifest->cursor);
  g_free (manifest->hq_public_key);
  g_free (manifest->team_id);
  g_free (manifest->team_name);
  g_clear_pointer (&manifest->reference, json_object_unref);
  g_clear_pointer (&manifest->deleted, json_object_unref);
  g_free (manifest);
}
