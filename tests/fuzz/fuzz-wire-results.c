/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-fuzz"

#include "config.h"

#include "mend-fuzz.h"

#include "mend-wire.h"

/* HQ's answer to a batch as the device decodes it (sync/PROTOCOL.md section 10). What the
 * decoder takes, the encoder must be able to write again, and that must decode to the same. */

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
  g_autoptr (MendWireResults) results = mend_wire_decode_results ((const char *)data, size, &error);
  g_autoptr (MendWireResults) again = NULL;
  g_autoptr (GBytes) encoded = NULL;
  gsize length = 0;
  const char *text;

  if (results == NULL)
    {
      g_assert (error != NULL && error->domain == MEND_WIRE_ERROR);
      return 0;
    }
  for (guint i = 0; i < results->results->len; i++)
    {
      const MendWireResult *result = g_ptr_array_index (results->results, i);

      g_assert (mend_wire_status_acknowledges (result->status) || result->message != NULL);
    }
  encoded = mend_wire_encode_results (results);
  g_assert (encoded != NULL);
  text = g_bytes_get_data (encoded, &length);
  again = mend_wire_decode_results (text, length, &error);
  g_assert_no_error (error);
  g_assert (again->results->len == results->results->len);
  g_assert (again->chain_ok == results->chain_ok);
  g_assert (again->head_seq == results->head_seq);
  return 0;
}
