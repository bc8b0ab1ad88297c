/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-sync"

#include "config.h"

#include "mend-wire-private.h"

#include <string.h>

/* Enrolment, PROTOCOL.md section 9: a one-time code and the device's id in, a bearer token
 * out. */

#define CODE_MIN_LENGTH  10
#define CODE_MAX_LENGTH  64
#define NAME_MAX_CHARS   100
#define NAME_MAX_BYTES   (NAME_MAX_CHARS * 4)
#define TOKEN_PREFIX     "mnd_"
#define TOKEN_MAX_LENGTH 128

static gboolean
code_is_valid (const char *code)
{
  gsize length = strlen (code);

  if (length < CODE_MIN_LENGTH || length > CODE_MAX_LENGTH)
    return FALSE;
  for (const char *p = code; *p != '\0'; p++)
    if (!g_ascii_isupper (*p) && !g_ascii_isdigit (*p))
      return FALSE;
  return TRUE;
}

/* A token goes into an Authorization header as it is: only base64url characters, so it can
 * never smuggle a line break into a request. */
static gboolean
token_is_valid (const char *token)
{
  if (!g_str_has_prefix (token, TOKEN_PREFIX) || strlen (token) <= strlen (TOKEN_PREFIX))
    return FALSE;
  for (const char *p = token + strlen (TOKEN_PREFIX); *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;
  return TRUE;
}

static void
add_string_member (JsonBuilder *builder, const char *name, const char *value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

/**
 * mend_wire_encode_enrol_request:
 * @name: (nullable): what HQ's staff see the device as
 *
 * Returns: (transfer full): the body of POST /api/v1/devices/enrol.
 */
GBytes *
mend_wire_encode_enrol_request (const char *code, const char *device_id, const char *name)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  g_return_val_if_fail (code != NULL && device_id != NULL, NULL);

  json_builder_begin_object (builder);
  add_string_member (builder, "code", code);
  add_string_member (builder, "device_id", device_id);
  if (name != NULL)
    add_string_member (builder, "name", name);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return mend_wire_node_to_bytes (root);
}

/**
 * mend_wire_decode_enrol_request:
 *
 * HQ's reading of an enrolment request. A code of the wrong form is refused here, before
 * any lookup.
 *
 * Returns: (transfer full) (nullable): the request.
 */
MendWireEnrolRequest *
mend_wire_decode_enrol_request (const char *body, gsize length, GError **error)
{
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (MendWireEnrolRequest) request = NULL;
  JsonObject *object;

  root = mend_wire_parse (body, length, MEND_WIRE_MAX_ENROL_BYTES, "the enrolment request", error);
  if (root == NULL)
    return NULL;
  object = json_node_get_object (root);
  request = g_new0 (MendWireEnrolRequest, 1);
  if (!mend_wire_get_string (object, "", "code", FALSE, CODE_MAX_LENGTH, &request->code, error)
      || !mend_wire_get_string (object, "", "device_id", FALSE, 36, &request->device_id, error))
    return NULL;
  if (!code_is_valid (request->code) || !mend_wire_is_uuid (request->device_id))
    {
      g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED,
                   "code must be %d–%d characters of A–Z and 0–9, device_id a lowercase UUID",
                   CODE_MIN_LENGTH, CODE_MAX_LENGTH);
      return NULL;
    }
  if (json_object_has_member (object, "name")
      && !mend_wire_get_string (object, "", "name", TRUE, NAME_MAX_BYTES, &request->name, error))
    return NULL;
  if (request->name != NULL && g_utf8_strlen (request->name, -1) > NAME_MAX_CHARS)
    {
      g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED,
                   "name is longer than %d characters", NAME_MAX_CHARS);
      return NULL;
    }
  return g_steal_pointer (&request);
}

void
mend_wire_enrol_request_free (MendWireEnrolRequest *request)
{
  if (request == NULL)
    return;
  g_free (request->code);
  g_free (request->device_id);
  g_free (request->name);
  g_free (request);
}

/**
 * mend_wire_encode_enrolment:
 *
 * Returns: (transfer full): the body of HQ's 201 answer.
 */
GBytes *
mend_wire_encode_enrolment (const MendWireEnrolment *enrolment)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  g_return_val_if_fail (enrolment != NULL, NULL);

  json_builder_begin_object (builder);
  add_string_member (builder, "device_id", enrolment->device_id);
  json_builder_set_member_name (builder, "team");
  json_builder_begin_object (builder);
  add_string_member (builder, "id", enrolment->team_id);
  add_string_member (builder, "name", enrolment->team_name);
  json_builder_end_object (builder);
  add_string_member (builder, "token", enrolment->token);
  if (enrolment->hq_public_key != NULL)
    add_string_member (builder, "hq_public_key", enrolment->hq_public_key);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return mend_wire_node_to_bytes (root);
}

/**
 * mend_wire_decode_enrolment:
 * @body: the body of HQ's 201 answer
 *
 * Returns: (transfer full) (nullable): the device's identity at HQ and its token.
 */
MendWireEnrolment *
mend_wire_decode_enrolment (const char *body, gsize length, GError **error)
{
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (MendWireEnrolment) enrolment = NULL;
  JsonObject *object;
  JsonObject *team;

  root = mend_wire_parse (body, length, MEND_WIRE_MAX_ENROL_BYTES, "the enrolment answer", error);
  if (root == NULL)
    return NULL;
  object = json_node_get_object (root);
  enrolment = g_new0 (MendWireEnrolment, 1);
  if (!mend_wire_get_string (object, "", "device_id", FALSE, 36, &enrolment->device_id, error)
      || (team = mend_wire_get_object (object, "", "team", FALSE, error)) == NULL
      || !mend_wire_get_string (team, "team", "id", FALSE, MEND_WIRE_MAX_ID_BYTES,
                                &enrolment->team_id, error)
      || !mend_wire_get_string (team, "team", "name", FALSE, 200, &enrolment->team_name, error)
      || !mend_wire_get_string (object, "", "token", FALSE, TOKEN_MAX_LENGTH, &enrolment->token,
                                error))
    return NULL;
  if (!token_is_valid (enrolment->token))
    {
      g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED,
                   "token must be \"%s\" and base64url characters", TOKEN_PREFIX);
      return NULL;
    }
  if (json_object_has_member (object, "hq_public_key")
      && !mend_wire_get_string (object, "", "hq_public_key", TRUE, 44, &enrolment->hq_public_key,
                                error))
    return NULL;
  if (enrolment->hq_public_key != NULL && !mend_wire_is_public_key (enrolment->hq_public_key))
    {
      g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED,
                   "hq_public_key must be 32 bytes in standard base64");
      return NULL;
    }
  return g_steal_pointer (&enrolment);
}

void
mend_wire_enrolment_free (MendWireEnrolment *enrolment)
{
  if (enrolment == NULL)
    return;
  g_free (enrolment->device_id);
  g_free (enrolment->team_id);
  g_free (enrolment->team_name);
  g_free (enrolment->token);
  g_free (enrolment->hq_public_key);
  g_free (enrolment);
}
