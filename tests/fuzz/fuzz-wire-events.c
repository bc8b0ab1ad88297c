/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-fuzz"

#include "config.h"

#include "mend-fuzz.h"

#include "mend-wire-payload.h"
#include "mend-wire.h"

/* An events batch as HQ decodes it (sync/PROTOCOL.md section 10): the body, then for every
 * event the decoder found valid, its fields and the section 5 payload check HQ applies next. An
 * event without an `invalid` message must be whole: that is what HQ stores. */

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
  g_autoptr (MendWireBatch) batch = mend_wire_decode_events ((const char *)data, size, &error);

  if (batch == NULL)
    {
      g_assert (error != NULL && error->domain == MEND_WIRE_ERROR);
      return 0;
    }
  g_assert (error == NULL);
  g_assert (batch->device_id != NULL && batch->events != NULL);
  g_assert (batch->events->len >= 1 && batch->events->len <= MEND_WIRE_MAX_EVENTS);
  for (guint i = 0; i < batch->events->len; i++)
    {
      const MendWireEvent *event = g_ptr_array_index (batch->events, i);
      g_autoptr (GError) payload_error = NULL;
      MendEventFields fields;

      if (event->invalid != NULL)
        continue;
      g_assert (event->id != NULL && event->kind != NULL && event->payload_json != NULL);
      g_assert (event->hash != NULL && event->prev_hash != NULL);
      mend_wire_event_get_fields (event, &fields);
      if (!mend_wire_check_payload (event->kind, event->session_id, event->participant_id,
                                    event->payload_json, &payload_error))
        g_assert (payload_error != NULL);
    }
  return 0;
}
