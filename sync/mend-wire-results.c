/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-sync"

#include "config.h"

#include "mend-wire-private.h"

#include <string.h>

/* HQ's answer to a batch, PROTOCOL.md section 10. The device moves an event to acknowledged
 * only on this answer, so its decoder is strict: anything short of one well-formed result per
 * event sent, in order, is treated as no answer at all. */

static const char *const status_names[] = {
  [MEND_WIRE_STATUS_STORED] = "stored",
  [MEND_WIRE_STATUS_DUPLICATE] = "duplicate",
  [MEND_WIRE_STATUS_CONFLICT] = "conflict",
  [MEND_WIRE_STATUS_INVALID] = "invalid",
};

const char *
mend_wire_status_to_string (MendWireStatus status)
{
  g_return_val_if_fail (status <= MEND_WIRE_STATUS_INVALID, "invalid");
  return status_names[status];
}

gboolean
mend_wire_status_from_string (const char *text, MendWireStatus *out_status)
{
  for (guint i = 0; i < G_N_ELEMENTS (status_names); i++)
    if (g_strcmp0 (status_names[i], text) == 0)
      {
        *out_status = i;
        return TRUE;
      }
  return FALSE;
}

/**
 * mend_wire_status_acknowledges:
 *
 * Returns: %TRUE when HQ holds the event (stored now or before), %FALSE when the event is to
 *   be parked with HQ's message.
 */
gboolean
mend_wire_status_acknowledges (MendWireStatus status)
{
  return status == MEND_WIRE_STATUS_STORED || status == MEND_WIRE_STATUS_DUPLICATE;
}

static void
result_free (MendWireResult *result)
{
  g_free (result->id);
  g_free (result->message);
  g_free (result);
}

/**
 * mend_wire_results_new:
 *
 * Returns: (transfer full): an empty answer with an intact chain at the genesis; HQ adds one
 *   result per event and sets the chain.
 */
MendWireResults *
mend_wire_results_new (void)
{
  MendWireResults *results = g_new0 (MendWireResults, 1);

  results->results = g_ptr_array_new_with_free_func ((GDestroyNotify)result_free);
  results->chain_ok = TRUE;
  results->head_hash = g_strdup (MEND_HASH_GENESIS);
  return results;
}

/**
 * mend_wire_results_add:
 * @id: (nullable): the event's id, %NULL when it had none readable
 * @message: (nullable): required for conflict and invalid
 */
void
mend_wire_results_add (MendWireResults *results,
                       const char *id,
                       MendWireStatus status,
                       const char *message)
{
  MendWireResult *result;

  g_return_if_fail (results != NULL);
  g_return_if_fail (mend_wire_status_acknowledges (status) || message != NULL);

  result = g_new0 (MendWireResult, 1);
  result->id = g_strdup (id);
  result->status = status;
  /* The limit is in bytes, so a long message is cut at a character boundary. */
  if (message != NULL)
    {
      const char *end = message + MIN (strlen (message), MEND_WIRE_MAX_MESSAGE_BYTES);

      if (*end != '\0')
        end = g_utf8_find_prev_char (message, end + 1);
      result->message = g_strndup (message, end - message);
    }
  g_ptr_array_add (results->results, result);
}

/**
 * mend_wire_encode_results:
 *
 * Returns: (transfer full): the body of HQ's 200 answer.
 */
GBytes *
mend_wire_encode_results (const MendWireResults *results)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  g_return_val_if_fail (results != NULL, NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "results");
  json_builder_begin_array (builder);
  for (guint i = 0; i < results->results->len; i++)
    {
      const MendWireResult *result = g_ptr_array_index (results->results, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      if (result->id != NULL)
        json_builder_add_string_value (builder, result->id);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "status");
      json_builder_add_string_value (builder, mend_wire_status_to_string (result->status));
      if (result->message != NULL)
        {
          json_builder_set_member_name (builder, "message");
          json_builder_add_string_value (builder, result->message);
        }
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "chain");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "ok");
  json_builder_add_boolean_value (builder, results->chain_ok);
  json_builder_set_member_name (builder, "head_seq");
  json_builder_add_int_value (builder, results->head_seq);
  json_builder_set_member_name (builder, "head_hash");
  json_builder_add_string_value (builder, results->head_hash);
  if (!results->chain_ok)
    {
      json_builder_set_member_name (builder, "first_bad_seq");
      json_builder_add_int_value (builder, results->first_bad_seq);
      json_builder_set_member_name (builder, "message");
      json_builder_add_string_value (
          builder, results->chain_message != NULL ? results->chain_message : "the chain is broken");
    }
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  return mend_wire_node_to_bytes (root);
}

static gboolean
read_result (JsonNode *node, guint index, MendWireResult *out, GError **error)
{
  g_autofree char *where = g_strdup_printf ("results[%u]", index);
  g_autofree char *status = NULL;
  JsonObject *object;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED, "%s must be an object",
                   where);
      return FALSE;
    }
  object = json_node_get_object (node);
  if (!mend_wire_get_string (object, where, "id", TRUE, MEND_WIRE_MAX_ID_BYTES, &out->id, error)
      || !mend_wire_get_string (object, where, "status", FALSE, 16, &status, error))
    return FALSE;
  /* A status this code does not know cannot be acted on safely: no answer at all. */
  if (!mend_wire_status_from_string (status, &out->status))
    {
      g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED,
                   "%s.status \"%s\" is not a result", where, status);
      return FALSE;
    }
  if (mend_wire_status_acknowledges (out->status) && !json_object_has_member (object, "message"))
    return TRUE;
  return mend_wire_get_string (object, where, "message",
                               mend_wire_status_acknowledges (out->status),
                               MEND_WIRE_MAX_MESSAGE_BYTES, &out->message, error);
}

static gboolean
read_chain (JsonObject *root, MendWireResults *out, GError **error)
{
  JsonObject *chain = mend_wire_get_object (root, "", "chain", FALSE, error);

  g_clear_pointer (&out->head_hash, g_free);
  if (chain == NULL || !mend_wire_get_bool (chain, "chain", "ok", FALSE, &out->chain_ok, error)
      || !mend_wire_get_int (chain, "chain", "head_seq", FALSE, NULL, &out->head_seq, error)
      || !mend_wire_get_string (chain, "chain", "head_hash", FALSE, 64, &out->head_hash, error))
    return FALSE;
  if (out->head_seq < 0 || !mend_wire_is_hash (out->head_hash))
    {
      g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED,
                   "chain.head_seq or chain.head_hash is not a chain head");
      return FALSE;
    }
  if (out->chain_ok)
    return TRUE;
  if (!mend_wire_get_int (chain, "chain", "first_bad_seq", FALSE, NULL, &out->first_bad_seq, error)
      || !mend_wire_get_string (chain, "chain", "message", FALSE, MEND_WIRE_MAX_MESSAGE_BYTES,
                                &out->chain_message, error))
    return FALSE;
  if (out->first_bad_seq < 1)
    {
      g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED,
                   "chain.first_bad_seq must be 1 or more");
      return FALSE;
    }
  return TRUE;
}

/**
 * mend_wire_decode_results:
 * @body: the body of a 200 answer to POST /api/v1/events
 *
 * Returns: (transfer full) (nullable): the answer, or %NULL when the body is not one (a
 *   captive portal's page, a cut body): then nothing is acknowledged.
 */
MendWireResults *
mend_wire_decode_results (const char *body, gsize length, GError **error)
{
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (MendWireResults) results = NULL;
  JsonObject *object;
  JsonArray *array;
  guint n;

  root = mend_wire_parse (body, length, MEND_WIRE_MAX_RESULTS_BYTES, "HQ's answer to the events",
                          error);
  if (root == NULL)
    return NULL;
  object = json_node_get_object (root);
  results = mend_wire_results_new ();

  array = mend_wire_get_array (object, "", "results", FALSE, error);
  if (array == NULL)
    return NULL;
  n = json_array_get_length (array);
  if (n > MEND_WIRE_MAX_EVENTS)
    {
      g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_TOO_LARGE,
                   "HQ answered %u results; a batch holds at most %d", n, MEND_WIRE_MAX_EVENTS);
      return NULL;
    }
  for (guint i = 0; i < n; i++)
    {
      MendWireResult *result = g_new0 (MendWireResult, 1);

      g_ptr_array_add (results->results, result);
      if (!read_result (json_array_get_element (array, i), i, result, error))
        return NULL;
    }
  if (!read_chain (object, results, error))
    return NULL;
  return g_steal_pointer (&results);
}

/**
 * mend_wire_results_check:
 * @rows: (element-type MendEventRow): the events that were sent, in the order sent
 *
 * The device's check that an answer is about what it sent: one result per event, each
 * naming that event. Only then may any of them be acknowledged.
 */
gboolean
mend_wire_results_check (const MendWireResults *results, GPtrArray *rows, GError **error)
{
  g_return_val_if_fail (results != NULL && rows != NULL, FALSE);

  if (results->results->len != rows->len)
    {
      g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MISMATCH,
                   "HQ answered %u results for %u events", results->results->len, rows->len);
      return FALSE;
    }
  for (guint i = 0; i < rows->len; i++)
    {
      const MendWireResult *result = g_ptr_array_index (results->results, i);
      const MendEventRow *row = g_ptr_array_index (rows, i);

      if (g_strcmp0 (result->id, row->id) != 0)
        {
          g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MISMATCH,
                       "HQ's result %u is about %s, not event %s", i,
                       result->id != NULL ? result->id : "no event", row->id);
          return FALSE;
        }
    }
  return TRUE;
}

void
mend_wire_results_free (MendWireResults *results)
{
  if (results == NULL)
    return;
  g_clear_pointer (&results->results, g_ptr_array_unref);
  g_free (results->head_hash);
  g_free (results->chain_message);
  g_free (results);
}
