/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-fuzz"

#include "config.h"

#include "mend-fuzz.h"

#include "mend-wire.h"

/* The header values of sync/PROTOCOL.md sections 6 and 11 (Date, Upload-Offset,
 * Upload-Complete) and the blob path made from a hash, each given the input as one header
 * value. A date that parses must format and parse back to the same second. */

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  mend_fuzz_init_logging ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *value = g_strndup ((const char *)data, size);
  g_autofree char *path = NULL;
  gint64 ms = 0;
  gint64 offset = 0;
  gboolean complete = FALSE;

  if (mend_wire_parse_http_date (value, &ms, NULL))
    {
      g_autofree char *formatted = mend_wire_format_http_date (ms);
      gint64 again = 0;

      g_assert (formatted != NULL);
      g_assert (mend_wire_parse_http_date (formatted, &again, NULL));
      g_assert_cmpint (again / 1000, ==, ms / 1000);
      mend_wire_clock_skew_ms (ms, g_get_real_time () / 1000, &again);
    }
  if (mend_wire_parse_upload_offset (value, &offset, NULL))
    g_assert_cmpint (offset, >=, 0);
  mend_wire_parse_upload_complete (value, &complete, NULL);
  path = mend_wire_blob_path (value);
  return 0;
}
