/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-fuzz"

#include "config.h"

#include "mend-fuzz.h"

#include "mend-wire.h"

/* The error object of sync/PROTOCOL.md section 7, as either side decodes it. A refusal the
 * decoder takes has a code, a message, and can be written again. */

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  mend_fuzz_init_logging ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MendWireRefusal) refusal = mend_wire_decode_error ((const char *)data, size, &error);

  if (refusal == NULL)
    {
      g_assert (error != NULL && error->domain == MEND_WIRE_ERROR);
      return 0;
    }
  g_assert (refusal->code != NULL && refusal->message != NULL);
  /* A code this side does not know is still decoded; only known ones can be written. */
  if (mend_wire_error_code_status (refusal->code) != 0 && refusal->message[0] != '\0')
    {
      g_autoptr (GBytes) encoded
          = mend_wire_encode_error (refusal->code, refusal->message, refusal->request_id);
      g_autoptr (MendWireRefusal) again = NULL;
      gsize length = 0;
      const char *text = g_bytes_get_data (encoded, &length);

      again = mend_wire_decode_error (text, length, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (again->code, ==, refusal->code);
      g_assert_cmpstr (again->message, ==, refusal->message);
    }
  return 0;
}
