/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-sync"

#include "config.h"

#include "mend-wire.h"

#include "mend-wire-private.h"

/* Purge reports, sync/PROTOCOL.md section 14: the device tells HQ which of its events it has
 * purged and when, as runs of seqs; HQ answers with what it holds. */

static gboolean
malformed (GError **error, const char *message)
{
  g_set_error_literal (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED, message);
  return FALSE;
}

/**
 * mend_wire_encode_purges:
 * @ranges: (element-type MendPurgeRange): 1 to MEND_WIRE_MAX_PURGE_RANGES runs in seq order
 * @first: the index of the first run to send
 * @n: how many to send
 *
 * Returns: (transfer full): the body of `POST /api/v1/purges`.
 */
GBytes *
mend_wire_encode_purges (const char *device_id, GArray *ranges, guint first, guint n)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  g_return_val_if_fail (device_id != NULL && ranges != NULL, NULL);
  g_return_val_if_fail (n > 0 && n <= MEND_WIRE_MAX_PURGE_RANGES && first + n <= ranges->len, NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "device_id");
  json_builder_add_string_value (builder, device_id);
  json_builder_set_member_name (builder, "purged");
  json_builder_begin_array (builder);
  for (guint i = first; i < first + n; i++)
    {
      const MendPurgeRange *range = &g_array_index (ranges, MendPurgeRange, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "first_seq");
      json_builder_add_int_value (builder, range->first_seq);
      json_builder_set_member_name (builder, "last_seq");
      json_builder_add_int_value (builder, range->last_seq);
      json_builder_set_member_name (builder, "purged_at");
      json_builder_add_int_value (builder, range->purged_at_ms);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return mend_wire_node_to_bytes (root);
}

/**
 * mend_wire_decode_purges:
 *
 * HQ's reading of a purge report: 1 to MEND_WIRE_MAX_PURGE_RANGES runs, each with
 * 1 ≤ first_seq ≤ last_seq and a positive purged_at, in increasing seq order without overlap.
 * Whether HQ holds those events is for HQ to check.
 *
 * Returns: (transfer full) (nullable): the report.
 */
MendWirePurges *
mend_wire_decode_purges (const char *body, gsize length, GError **error)
{
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (MendWirePurges) purges = NULL;
  JsonObject *object;
  JsonArray *list;
  gint64 previous_last = 0;

  root = mend_wire_parse (body, length, MEND_WIRE_MAX_REQUEST_BYTES, "the purge report", error);
  if (root == NULL)
    return NULL;
  object = json_node_get_object (root);
  purges = g_new0 (MendWirePurges, 1);
  purges->ranges = g_array_new (FALSE, FALSE, sizeof (MendPurgeRange));
  if (!mend_wire_get_string (object, "", "device_id", FALSE, 36, &purges->device_id, error))
    return NULL;
  if (!mend_wire_is_uuid (purges->device_id))
    {
      malformed (error, "device_id must be a lowercase UUID");
      return NULL;
    }
  list = mend_wire_get_array (object, "", "purged", FALSE, error);
  if (list == NULL)
    return NULL;
  if (json_array_get_length (list) == 0
      || json_array_get_length (list) > MEND_WIRE_MAX_PURGE_RANGES)
    {
      g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_TOO_LARGE,
                   "purged must hold 1 to %d runs", MEND_WIRE_MAX_PURGE_RANGES);
      return NULL;
    }
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonNode *node = json_array_get_element (list, i);
      g_autofree char *where = g_strdup_printf ("purged[%u]", i);
      MendPurgeRange range;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED, "%s must be an object",
                       where);
          return NULL;
        }
      if (!mend_wire_get_int (json_node_get_object (node), where, "first_seq", FALSE, NULL,
                              &range.first_seq, error)
          || !mend_wire_get_int (json_node_get_object (node), where, "last_seq", FALSE, NULL,
                                 &range.last_seq, error)
          || !mend_wire_get_int (json_node_get_object (node), where, "purged_at", FALSE, NULL,
                                 &range.purged_at_ms, error))
        return NULL;
      if (range.first_seq < 1 || range.last_seq < range.first_seq || range.purged_at_ms <= 0)
        {
          g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED,
                       "%s needs 1 ≤ first_seq ≤ last_seq and a purged_at after 1970", where);
          return NULL;
        }
      if (range.first_seq <= previous_last)
        {
          g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED,
                       "%s overlaps or comes before the run before it", where);
          return NULL;
        }
      previous_last = range.last_seq;
      g_array_append_val (purges->ranges, range);
    }
  return g_steal_pointer (&purges);
}

void
mend_wire_purges_free (MendWirePurges *purges)
{
  if (purges == NULL)
    return;
  g_free (purges->device_id);
  g_clear_pointer (&purges->ranges, g_array_unref);
  g_free (purges);
}

/**
 * mend_wire_encode_purge_state:
 * @events_purged: how many of the device's events HQ knows to be purged
 * @last_purged_at_ms: the latest purge HQ holds, or 0 for none
 *
 * Returns: (transfer full): the answer to `GET` and `POST /api/v1/purges`.
 */
GBytes *
mend_wire_encode_purge_state (gint64 events_purged, gint64 last_purged_at_ms)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "events_purged");
  json_builder_add_int_value (builder, events_purged);
  json_builder_set_member_name (builder, "last_purged_at");
  if (last_purged_at_ms > 0)
    json_builder_add_int_value (builder, last_purged_at_ms);
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return mend_wire_node_to_bytes (root);
}

/**
 * mend_wire_decode_purge_state:
 *
 * The device's reading of HQ's answer. A body that is not this shape (a captive portal's page)
 * is an error, and the device then reports nothing on this pass.
 */
gboolean
mend_wire_decode_purge_state (const char *body,
                              gsize length,
                              gint64 *out_events_purged,
                              gint64 *out_last_purged_at_ms,
                              GError **error)
{
  g_autoptr (JsonNode) root = NULL;
  gboolean present = FALSE;

  root = mend_wire_parse (body, length, MEND_WIRE_MAX_ERROR_BYTES, "the purge state", error);
  if (root == NULL)
    return FALSE;
  if (!mend_wire_get_int (json_node_get_object (root), "", "events_purged", FALSE, NULL,
                          out_events_purged, error)
      || !mend_wire_get_int (json_node_get_object (root), "", "last_purged_at", TRUE, &present,
                             out_last_purged_at_ms, error))
    return FALSE;
  if (!present)
    *out_last_purged_at_ms = 0;
  if (*out_events_purged < 0)
    return malformed (error, "events_purged must not be negative");
  return TRUE;
}
