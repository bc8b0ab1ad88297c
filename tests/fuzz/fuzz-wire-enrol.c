/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-fuzz"

#include "config.h"

#include "mend-fuzz.h"

#include "mend-wire.h"

/* Enrolment (sync/PROTOCOL.md section 9): the request as HQ decodes it, and HQ's answer as the
 * device decodes it. Both decoders see every input; what either takes must encode again and
 * decode to the same. */

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  mend_fuzz_init_logging ();
  return 0;
}

static void
request (const char *body, gsize size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MendWireEnrolRequest) request = mend_wire_decode_enrol_request (body, size, &error);
  g_autoptr (MendWireEnrolRequest) again = NULL;
  g_autoptr (GBytes) encoded = NULL;
  gsize length = 0;
  const char *text;

  if (request == NULL)
    {
      g_assert (error != NULL && error->domain == MEND_WIRE_ERROR);
      return;
    }
  encoded = mend_wire_encode_enrol_request (request->code, request->device_id, request->name);
  g_assert (encoded != NULL);
  text = g_bytes_get_data (encoded, &length);
  again = mend_wire_decode_enrol_request (text, length, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again->code, ==, request->code);
  g_assert_cmpstr (again->device_id, ==, request->device_id);
  g_assert_cmpstr (again->name, ==, request->name);
}

static void
answer (const char *body, gsize size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MendWireEnrolment) enrolment = mend_wire_decode_enrolment (body, size, &error);
  g_autoptr (MendWireEnrolment) again = NULL;
  g_autoptr (GBytes) encoded = NULL;
  gsize length = 0;
  const char *text;

  if (enrolment == NULL)
    {
      g_assert (error != NULL && error->domain == MEND_WIRE_ERROR);
      return;
    }
  encoded = mend_wire_encode_enrolment (enrolment);
  g_assert (encoded != NULL);
  text = g_bytes_get_data (encoded, &length);
  again = mend_wire_decode_enrolment (text, length, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again->device_id, ==, enrolment->device_id);
  g_assert_cmpstr (again->token, ==, enrolment->token);
  g_assert_cmpstr (again->hq_public_key, ==, enrolment->hq_public_key);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  request ((const char *)data, size);
  answer ((const char *)data, size);
  return 0;
}
