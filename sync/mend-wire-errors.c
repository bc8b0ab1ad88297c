/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-sync"

#include "config.h"

#include "mend-wire-private.h"

#include <string.h>

/* The error object, PROTOCOL.md section 7: {"error": {"code", "message", "request_id"?}}. */

static const struct
{
  const char *code;
  guint status;
} codes[] = {
  { "bad_request", 400 },     { "unauthorized", 401 },       { "forbidden", 403 },
  { "not_found", 404 },       { "method_not_allowed", 405 }, { "conflict", 409 },
  { "offset_mismatch", 409 }, { "payload_too_large", 413 },  { "unsupported_media_type", 415 },
  { "hash_mismatch", 422 },   { "rate_limited", 429 },       { "internal", 500 },
  { "unavailable", 503 },
};

/**
 * mend_wire_error_code_status:
 * @code: an error code of PROTOCOL.md section 7
 *
 * Returns: the HTTP status that goes with @code, or 0 for a code this version does not know
 *   (a client then goes by the status it got).
 */
guint
mend_wire_error_code_status (const char *code)
{
  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    if (g_strcmp0 (codes[i].code, code) == 0)
      return codes[i].status;
  return 0;
}

/**
 * mend_wire_encode_error:
 * @code: a code of the table, e.g. "payload_too_large"
 * @message: one sentence for a person, without personal data
 * @request_id: (nullable): the request's id
 *
 * Returns: (transfer full): the body of a refusal.
 */
GBytes *
mend_wire_encode_error (const char *code, const char *message, const char *request_id)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  g_return_val_if_fail (mend_wire_error_code_status (code) != 0, NULL);
  g_return_val_if_fail (message != NULL && message[0] != '\0', NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, code);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  if (request_id != NULL)
    {
      json_builder_set_member_name (builder, "request_id");
      json_builder_add_string_value (builder, request_id);
    }
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  return mend_wire_node_to_bytes (root);
}

static gboolean
code_is_valid (const char *code)
{
  for (const char *p = code; *p != '\0'; p++)
    if (!g_ascii_islower (*p) && *p != '_')
      return FALSE;
  return TRUE;
}

/**
 * mend_wire_decode_error:
 * @body: the body of a 4xx or 5xx answer
 *
 * An unknown code is kept (newer HQs may add codes); a body that is not an error object is an
 * error, and the caller goes by the HTTP status alone.
 *
 * Returns: (transfer full) (nullable): the refusal.
 */
MendWireRefusal *
mend_wire_decode_error (const char *body, gsize length, GError **error)
{
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (MendWireRefusal) refusal = NULL;
  JsonObject *object;

  root = mend_wire_parse (body, length, MEND_WIRE_MAX_ERROR_BYTES, "the error answer", error);
  if (root == NULL)
    return NULL;
  object = mend_wire_get_object (json_node_get_object (root), "", "error", FALSE, error);
  if (object == NULL)
    return NULL;

  refusal = g_new0 (MendWireRefusal, 1);
  if (!mend_wire_get_string (object, "error", "code", FALSE, 64, &refusal->code, error)
      || !mend_wire_get_string (object, "error", "message", FALSE, MEND_WIRE_MAX_MESSAGE_BYTES,
                                &refusal->message, error))
    return NULL;
  if (!code_is_valid (refusal->code))
    {
      g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED,
                   "error.code may hold only a-z and \"_\"");
      return NULL;
    }
  if (json_object_has_member (object, "request_id")
      && !mend_wire_get_string (object, "error", "request_id", TRUE, 64, &refusal->request_id,
                                error))
    return NULL;
  return g_steal_pointer (&refusal);
}

void
mend_wire_refusal_free (MendWireRefusal *refusal)
{
  if (refusal == NULL)
    return;
  g_free (refusal->code);
  g_free (refusal->message);
  g_free (refusal->request_id);
  g_free (refusal);
}
