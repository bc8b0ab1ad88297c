/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-sync"

#include "config.h"

#include "mend-wire-private.h"

#include <math.h>
#include <string.h>

/* The events request, PROTOCOL.md section 10. The device writes each event as its canonical
 * bytes (data/mend-canonical.c, the one implementation) with prev_hash and hash added, so the
 * values on the wire are the hashed text itself. HQ reads the values back into
 * MendEventFields and rebuilds the canonical bytes with the same code to check the hash. */

/**
 * mend_wire_encode_events:
 * @device_id: the store's device id
 * @rows: (element-type MendEventRow): 1 to %MEND_WIRE_MAX_EVENTS events, oldest first
 *
 * Each row's hash is recomputed before it is sent: a row whose payload was redacted for
 * display (mend_store_list_events()) or damaged would otherwise reach HQ and be refused
 * there as tampered, which is a far more alarming message than the truth.
 *
 * Returns: (transfer full) (nullable): the request body.
 */
GBytes *
mend_wire_encode_events (const char *device_id, GPtrArray *rows, GError **error)
{
  g_autoptr (GString) out = NULL;

  g_return_val_if_fail (device_id != NULL, NULL);
  g_return_val_if_fail (rows != NULL, NULL);

  if (!mend_wire_is_uuid (device_id))
    {
      g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_INVALID,
                   "device id %s is not a lowercase UUID", device_id);
      return NULL;
    }
  if (rows->len == 0 || rows->len > MEND_WIRE_MAX_EVENTS)
    {
      g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_INVALID,
                   "a batch holds 1 to %d events, not %u", MEND_WIRE_MAX_EVENTS, rows->len);
      return NULL;
    }

  out = g_string_sized_new (512 * rows->len);
  g_string_append_printf (out, "{\"device_id\":\"%s\",\"events\":[", device_id);
  for (guint i = 0; i < rows->len; i++)
    {
      const MendEventRow *row = g_ptr_array_index (rows, i);
      MendEventFields fields;
      g_autoptr (GBytes) canonical = NULL;
      g_autofree char *hash = NULL;
      gsize length;
      const char *data;

      if (!mend_wire_is_hash (row->prev_hash) || !mend_wire_is_hash (row->hash))
        {
          g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_INVALID,
                       "event %" G_GINT64_FORMAT " has no valid hash", row->seq);
          return NULL;
        }
      mend_event_row_get_fields (row, device_id, &fields);
      canonical = mend_canonical_event_bytes (&fields);
      hash = mend_hash_chain_next (row->prev_hash, canonical);
      if (strcmp (hash, row->hash) != 0)
        {
          g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_INVALID,
                       "event %" G_GINT64_FORMAT " (%s) does not match its hash; it may have been "
                       "read redacted",
                       row->seq, row->id);
          return NULL;
        }

      /* The canonical object minus its closing brace, then the two hashes. */
      data = g_bytes_get_data (canonical, &length);
      g_assert (length > 2 && data[length - 1] == '}');
      if (i > 0)
        g_string_append_c (out, ',');
      g_string_append_len (out, data, length - 1);
      g_string_append_printf (out, ",\"hash\":\"%s\",\"prev_hash\":\"%s\"}", row->hash,
                              row->prev_hash);
    }
  g_string_append (out, "]}");

  if (out->len > MEND_WIRE_MAX_REQUEST_BYTES)
    {
      g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_TOO_LARGE,
                   "%u events make %" G_GSIZE_FORMAT " bytes; the limit is %d: send fewer",
                   rows->len, out->len, MEND_WIRE_MAX_REQUEST_BYTES);
      return NULL;
    }
  return g_string_free_to_bytes (g_steal_pointer (&out));
}

/* Positions are sent with the decimals the canonical form prints; more decimals would be
 * hashed as fewer, so HQ would store a value the device never had. */
static gboolean
get_rounded (JsonObject *fix,
             const char *where,
             const char *member,
             gboolean nullable,
             double (*round_fn) (double),
             double *out,
             GError **error)
{
  if (!mend_wire_get_number (fix, where, member, nullable, out, error))
    return FALSE;
  if (!isnan (*out) && round_fn (*out) != *out)
    {
      g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED,
                   "%s.%s has more decimals than the canonical form", where, member);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_fix (JsonObject *event, const char *where, MendWireEvent *out, GError **error)
{
  g_autofree char *fix_where = g_strdup_printf ("%s.fix", where);
  g_autofree char *state_text = NULL;
  g_autofree char *note = NULL;
  JsonObject *fix = mend_wire_get_object (event, where, "fix", FALSE, error);
  MendFixState state;
  gboolean position;
  gboolean present;
  gint64 value;
  double lat, lon, alt, eph;

  if (fix == NULL)
    return FALSE;
  if (!mend_wire_get_string (fix, fix_where, "state", FALSE, 16, &state_text, error))
    return FALSE;
  if (!mend_fix_state_from_string (state_text, &state))
    {
      g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED,
                   "%s.state \"%s\" is not a fix state", fix_where, state_text);
      return FALSE;
    }
  if (!mend_wire_get_string (fix, fix_where, "note", TRUE, MEND_FIX_NOTE_MAX - 1, &note, error))
    return FALSE;
  mend_fix_init (&out->fix, state, note);

  if (!get_rounded (fix, fix_where, "lat", TRUE, mend_canonical_round_degrees, &lat, error)
      || !get_rounded (fix, fix_where, "lon", TRUE, mend_canonical_round_degrees, &lon, error)
      || !get_rounded (fix, fix_where, "alt", TRUE, mend_canonical_round_metres, &alt, error)
      || !get_rounded (fix, fix_where, "eph", TRUE, mend_canonical_round_metres, &eph, error))
    return FALSE;
  if (!mend_wire_get_int (fix, fix_where, "mode", FALSE, NULL, &value, error))
    return FALSE;
  out->fix.mode = (int)CLAMP (value, -1, 4);

  /* The canonical form writes the position only for a fix or a stale fix with a 2D or 3D
   * mode, and nulls otherwise; anything else could not have come from a device. */
  position = !isnan (lat);
  if (position != !isnan (lon)
      || (position
          && ((state != MEND_FIX_STATE_FIX && state != MEND_FIX_STATE_STALE)
              || (value != 2 && value != 3)))
      || (!position && (value != 0 || !isnan (alt) || !isnan (eph)))
      || (position && (fabs (lat) > 90.0 || fabs (lon) > 180.0)))
    {
      g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED,
                   "%s does not describe a position the canonical form can hold", fix_where);
      return FALSE;
    }
  out->fix.latitude = lat;
  out->fix.longitude = lon;
  out->fix.altitude = alt;
  out->fix.horizontal_error = eph;

  if (!mend_wire_get_int (fix, fix_where, "age_ms", TRUE, &present, &value, error))
    return FALSE;
  if (present && (!position || value < 0))
    goto out_of_place;
  out->fix.age_ms = present ? value : -1;

  if (!mend_wire_get_int (fix, fix_where, "gnss_time", TRUE, &present, &value, error))
    return FALSE;
  if (present && (!position || value <= 0))
    goto out_of_place;
  out->fix.gnss_time_ms = present ? value : 0;

  if (!mend_wire_get_int (fix, fix_where, "satellites", TRUE, &present, &value, error))
    return FALSE;
  if (present && (!position || value < 0 || value > G_MAXINT))
    goto out_of_place;
  out->fix.satellites = present ? (int)value : -1;

  return mend_wire_get_int (fix, fix_where, "skew_ms", TRUE, &out->has_clock_skew,
                            &out->clock_skew_ms, error);

out_of_place:
  g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED,
               "%s holds a value out of range or without a position", fix_where);
  return FALSE;
}

static gboolean
kind_is_valid (const char *kind)
{
  for (const char *p = kind; *p != '\0'; p++)
    if (!g_ascii_islower (*p) && *p != '.' && *p != '_')
      return FALSE;
  return TRUE;
}

/* Reads one event; FALSE means the event is invalid and @error says why. The id comes first
 * so that even a refused event can be answered by its id. */
static gboolean
read_event (JsonNode *node,
            guint index,
            const char *batch_device,
            MendWireEvent *out,
            GError **error)
{
  g_autofree char *where = g_strdup_printf ("events[%u]", index);
  g_autofree char *computed = NULL;
  JsonObject *event;
  JsonObject *payload;
  MendEventFields fields;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED, "%s must be an object",
                   where);
      return FALSE;
    }
  event = json_node_get_object (node);

  /* An id of the wrong form is still echoed in the result, so the device can park that
   * event instead of finding the whole answer about something else. */
  if (!mend_wire_get_string (event, where, "id", FALSE, MEND_WIRE_MAX_ID_BYTES, &out->id, error))
    return FALSE;
  if (!mend_wire_is_uuid (out->id))
    {
      g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED,
                   "%s.id must be a lowercase UUID", where);
      return FALSE;
    }
  if (!mend_wire_get_int (event, where, "seq", FALSE, NULL, &out->seq, error))
    return FALSE;
  if (out->seq < 1)
    {
      g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED, "%s.seq must be 1 or more",
                   where);
      out->seq = 0;
      return FALSE;
    }
  if (!mend_wire_get_string (event, where, "device", FALSE, 36, &out->device_id, error))
    return FALSE;
  if (strcmp (out->device_id, batch_device) != 0)
    {
      g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MISMATCH,
                   "%s.device is not the batch's device_id", where);
      return FALSE;
    }
  if (!mend_wire_get_string (event, where, "kind", FALSE, 64, &out->kind, error))
    return FALSE;
  if (!kind_is_valid (out->kind))
    {
      g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED,
                   "%s.kind may hold only a-z, \".\" and \"_\"", where);
      return FALSE;
    }
  if (!mend_wire_get_string (event, where, "session", TRUE, MEND_WIRE_MAX_ID_BYTES,
                             &out->session_id, error)
      || !mend_wire_get_string (event, where, "participant", TRUE, MEND_WIRE_MAX_ID_BYTES,
                                &out->participant_id, error)
      || !mend_wire_get_string (event, where, "supervisor", TRUE, MEND_WIRE_MAX_ID_BYTES,
                                &out->supervisor_id, error)
      || !mend_wire_get_int (event, where, "recorded_at", FALSE, NULL, &out->recorded_at_ms, error)
      || !mend_wire_get_int (event, where, "occurred_at", FALSE, NULL, &out->occurred_at_ms, error)
      || !read_fix (event, where, out, error))
    return FALSE;

  payload = mend_wire_get_object (event, where, "payload", FALSE, error);
  if (payload == NULL)
    return FALSE;
  out->payload_json = mend_canonical_json (json_object_get_member (event, "payload"), error);
  if (out->payload_json == NULL)
    {
      g_prefix_error (error, "%s.payload: ", where);
      return FALSE;
    }
  if (strlen (out->payload_json) > MEND_WIRE_MAX_PAYLOAD_BYTES)
    {
      g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_TOO_LARGE, "%s.payload is over %d bytes",
                   where, MEND_WIRE_MAX_PAYLOAD_BYTES);
      return FALSE;
    }

  if (!mend_wire_get_string (event, where, "prev_hash", FALSE, 64, &out->prev_hash, error)
      || !mend_wire_get_string (event, where, "hash", FALSE, 64, &out->hash, error))
    return FALSE;
  if (!mend_wire_is_hash (out->prev_hash) || !mend_wire_is_hash (out->hash))
    {
      g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED,
                   "%s: hashes are 64 lowercase hex digits", where);
      return FALSE;
    }

  mend_wire_event_get_fields (out, &fields);
  computed = mend_event_hash (out->prev_hash, &fields);
  if (strcmp (computed, out->hash) != 0)
    {
      g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MISMATCH,
                   "%s: hash does not match the event", where);
      return FALSE;
    }
  return TRUE;
}

/**
 * mend_wire_decode_events:
 * @body: the request body as received
 *
 * HQ's reading of a batch. A body that is not a batch at all (not JSON, no events, too many)
 * is an error for the whole request (HQ answers 400 or 413); an event that cannot be read or
 * whose hash does not match its values is returned with its @invalid message set, so that it
 * is answered `invalid` while the others go on.
 *
 * Returns: (transfer full) (nullable): the batch.
 */
MendWireBatch *
mend_wire_decode_events (const char *body, gsize length, GError **error)
{
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (MendWireBatch) batch = NULL;
  JsonObject *object;
  JsonArray *events;
  guint n;

  root = mend_wire_parse (body, length, MEND_WIRE_MAX_REQUEST_BYTES, "the events request", error);
  if (root == NULL)
    return NULL;
  object = json_node_get_object (root);

  batch = g_new0 (MendWireBatch, 1);
  batch->events = g_ptr_array_new_with_free_func ((GDestroyNotify)mend_wire_event_free);
  if (!mend_wire_get_string (object, "", "device_id", FALSE, 36, &batch->device_id, error))
    return NULL;
  if (!mend_wire_is_uuid (batch->device_id))
    {
      g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED,
                   "device_id must be a lowercase UUID");
      return NULL;
    }
  events = mend_wire_get_array (object, "", "events", FALSE, error);
  if (events == NULL)
    return NULL;
  n = json_array_get_length (events);
  if (n == 0)
    {
      g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED, "events is empty");
      return NULL;
    }
  if (n > MEND_WIRE_MAX_EVENTS)
    {
      g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_TOO_LARGE,
                   "the batch holds %u events; the limit is %d", n, MEND_WIRE_MAX_EVENTS);
      return NULL;
    }

  for (guint i = 0; i < n; i++)
    {
      MendWireEvent *event = g_new0 (MendWireEvent, 1);
      g_autoptr (GError) invalid = NULL;

      mend_fix_init (&event->fix, MEND_FIX_STATE_OFF, NULL);
      if (!read_event (json_array_get_element (events, i), i, batch->device_id, event, &invalid))
        event->invalid = g_strdup (invalid->message);
      g_ptr_array_add (batch->events, event);
    }
  return g_steal_pointer (&batch);
}

/**
 * mend_wire_event_get_fields:
 * @out_fields: (out): pointers into @event, valid while it lives
 *
 * The fields HQ stores and hashes, as data/mend-canonical.h describes them.
 */
void
mend_wire_event_get_fields (const MendWireEvent *event, MendEventFields *out_fields)
{
  g_return_if_fail (event != NULL && out_fields != NULL);

  *out_fields = (MendEventFields){
    .device_id = event->device_id,
    .seq = event->seq,
    .id = event->id,
    .kind = event->kind,
    .session_id = event->session_id,
    .participant_id = event->participant_id,
    .supervisor_id = event->supervisor_id,
    .recorded_at_ms = event->recorded_at_ms,
    .occurred_at_ms = event->occurred_at_ms,
    .fix = &event->fix,
    .has_clock_skew = event->has_clock_skew,
    .clock_skew_ms = event->clock_skew_ms,
    .payload_json = event->payload_json,
  };
}

void
mend_wire_event_free (MendWireEvent *event)
{
  if (event == NULL)
    return;
  g_free (event->device_id);
  g_free (event->id);
  g_free (event->kind);
  g_free (event->session_id);
  g_free (event->participant_id);
  g_free (event->supervisor_id);
  g_free (event->payload_json);
  g_free (event->prev_hash);
  g_free (event->hash);
  g_free (event->invalid);
  g_free (event);
}

void
mend_wire_batch_free (MendWireBatch *batch)
{
  if (batch == NULL)
    return;
  g_free (batch->device_id);
  g_clear_pointer (&batch->events, g_ptr_array_unref);
  g_free (batch);
}
