/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-fuzz"

#include "config.h"

#include "mend-fuzz.h"

#include "mend-wire.h"

/* A manifest (sync/PROTOCOL.md section 12) as the device decodes it. What the decoder takes
 * must encode again and decode to the same cursor, key and lists. */

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
  g_autoptr (MendWireManifest) manifest
      = mend_wire_decode_manifest ((const char *)data, size, &error);
  g_autoptr (MendWireManifest) again = NULL;
  g_autoptr (GBytes) encoded = NULL;
  gsize length = 0;
  const char *text;

  if (manifest == NULL)
    {
      g_assert (error != NULL && error->domain == MEND_WIRE_ERROR);
      return 0;
    }
  g_assert (manifest->cursor != NULL && manifest->reference != NULL);
  g_assert (manifest->deleted != NULL);
  encoded = mend_wire_encode_manifest (manifest);
  g_assert (encoded != NULL);
  text = g_bytes_get_data (encoded, &length);
  again = mend_wire_decode_manifest (text, length, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again->cursor, ==, manifest->cursor);
  g_assert_cmpstr (again->hq_public_key, ==, manifest->hq_public_key);
  g_assert (again->full == manifest->full);
  g_assert (json_object_get_size (again->reference) == json_object_get_size (manifest->reference));
  return 0;
}
