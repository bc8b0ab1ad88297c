/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-wire"

#include "config.h"

#include <math.h>
#include <string.h>

#include "mend-test-wire.h"

/* The wire codec of sync/PROTOCOL.md: what the device encodes, HQ decodes with every hash
 * checked against the canonical bytes of data/; results, refusals, manifests, headers and
 * enrolment read back as they were written. What no decoder may take is in
 * test-wire-hostile.c. */

/* Event 1 of the worked example (PROTOCOL.md section 4) as any JSON encoder might send it:
 * members in another order, spaces, and a member this version does not know. */
#define EXAMPLE_EVENT                                                                              \
  "{\"seq\": 1, \"id\": \"5f0c2c3e-8a41-4d52-9c7e-2b6f1d0e9a13\", \"device\": \"" DEVICE "\", "    \
  "\"kind\": \"attendance.checked_in\", \"session\": \"demo-20251126-spring-rise\", "              \
  "\"participant\": \"demo-p-hart\", \"supervisor\": \"sup-ana\", "                                \
  "\"recorded_at\": 1764147901234, \"occurred_at\": 1764147900000, "                               \
  "\"fix\": {\"state\": \"fix\", \"mode\": 3, \"lat\": 52.4064, \"lon\": -0.7061000, "             \
  "\"alt\": 71.5, \"eph\": 4.2, \"gnss_time\": 1764147900000, \"satellites\": 9, "                 \
  "\"age_ms\": 350, \"note\": null, \"skew_ms\": null}, "                                          \
  "\"payload\": {\"geofence\": {\"verdict\": \"inside\", \"reason\": null, \"distance_m\": 61}}, " \
  "\"prev_hash\": \"0000000000000000000000000000000000000000000000000000000000000000\", "          \
  "\"hash\": \"ce2894341eeafb847fae51cf67bfa0b9e3c01ca7474632494537ae65a3353023\", "               \
  "\"future_member\": {\"x\": [1, 2]}}"

static MendWireBatch *
decode_bytes (GBytes *body, GError **error)
{
  gsize length;
  const char *data = g_bytes_get_data (body, &length);

  return mend_wire_decode_events (data, length, error);
}

static void
test_worked_example (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MendWireBatch) batch = NULL;
  const MendWireEvent *event;

  batch = decode_text ("{\"device_id\": \"" DEVICE "\", \"events\": [" EXAMPLE_EVENT "], "
                       "\"sent_by\": \"a newer device\"}",
                       &error);
  g_assert_no_error (error);
  g_assert_cmpuint (batch->events->len, ==, 1);
  event = g_ptr_array_index (batch->events, 0);
  g_assert_null (event->invalid);
  g_assert_cmpint (event->seq, ==, 1);
  g_assert_cmpstr (event->payload_json, ==,
                   "{\"geofence\":{\"distance_m\":61,\"reason\":null,\"verdict\":\"inside\"}}");
  g_assert_cmpfloat (event->fix.latitude, ==, 52.4064);
  g_assert_cmpint (event->fix.age_ms, ==, 350);
  g_assert_false (event->has_clock_skew);
}

static void
assert_row_equals_event (const MendEventRow *row, const MendWireEvent *event)
{
  g_assert_null (event->invalid);
  g_assert_cmpint (event->seq, ==, row->seq);
  g_assert_cmpstr (event->id, ==, row->id);
  g_assert_cmpstr (event->kind, ==, row->kind);
  g_assert_cmpstr (event->session_id, ==, row->session_id);
  g_assert_cmpstr (event->participant_id, ==, row->participant_id);
  g_assert_cmpstr (event->supervisor_id, ==, row->supervisor_id);
  g_assert_cmpint (event->recorded_at_ms, ==, row->recorded_at_ms);
  g_assert_cmpint (event->occurred_at_ms, ==, row->occurred_at_ms);
  g_assert_cmpstr (event->payload_json, ==, row->payload);
  g_assert_cmpstr (event->prev_hash, ==, row->prev_hash);
  g_assert_cmpstr (event->hash, ==, row->hash);
  g_assert_cmpint (event->fix.state, ==, row->fix.state);
  g_assert_cmpint (event->has_clock_skew, ==, row->has_clock_skew);
  if (event->has_clock_skew)
    g_assert_cmpint (event->clock_skew_ms, ==, row->clock_skew_ms);
  if (mend_fix_has_position (&row->fix))
    {
      g_assert_cmpfloat (event->fix.latitude, ==, row->fix.latitude);
      g_assert_cmpfloat (event->fix.longitude, ==, row->fix.longitude);
    }
  else
    g_assert_true (isnan (event->fix.latitude));
}

/* The device encodes its own log; HQ decodes it and recomputes every hash. */
static void
test_store_batch (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MendWireBatch) batch = decode_bytes (f->body, &error);
  gboolean saw_skew = FALSE, saw_stale = FALSE, saw_no_gpsd = FALSE;

  g_assert_no_error (error);
  g_assert_cmpstr (batch->device_id, ==, mend_store_get_device_id (f->store.store));
  g_assert_cmpuint (batch->events->len, ==, f->rows->len);
  for (guint i = 0; i < f->rows->len; i++)
    {
      const MendEventRow *row = g_ptr_array_index (f->rows, i);
      const MendWireEvent *event = g_ptr_array_index (batch->events, i);
      MendEventFields fields;
      g_autofree char *hash = NULL;

      assert_row_equals_event (row, event);
      mend_wire_event_get_fields (event, &fields);
      hash = mend_event_hash (event->prev_hash, &fields);
      g_assert_cmpstr (hash, ==, row->hash);
      if (i > 0)
        g_assert_cmpstr (event->prev_hash, ==,
                         ((MendWireEvent *)g_ptr_array_index (batch->events, i - 1))->hash);
      saw_skew |= event->has_clock_skew;
      saw_stale |= event->fix.state == MEND_FIX_STATE_STALE;
      saw_no_gpsd |= event->fix.state == MEND_FIX_STATE_NO_GPSD;
    }
  g_assert_true (saw_skew && saw_stale && saw_no_gpsd);
}

/* A changed value anywhere in one event makes that event invalid and only that one. */
static void
test_tampered (Fixture *f, gconstpointer data)
{
  static const struct
  {
    const char *from, *to;
  } edits[] = {
    { "\"delta\":3", "\"delta\":4" },
    { "\"kind\":\"tally.adjusted\"", "\"kind\":\"tally.adjusted_\"" },
    { "\"lat\":0.5000000", "\"lat\":0.5000001" },
    { "\"state\":\"no_gpsd\"", "\"state\":\"off\"" },
    { "\"reason\":\"counted twice\"", "\"reason\":\"counted thrice\"" },
  };
  gsize length;
  const char *body = g_bytes_get_data (f->body, &length);

  for (guint i = 0; i < G_N_ELEMENTS (edits); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (MendWireBatch) batch = NULL;
      g_autofree char *text = g_strndup (body, length);
      char *at = strstr (text, edits[i].from);
      GString *edited;
      guint n_invalid = 0;

      g_assert_nonnull (at);
      edited = g_string_new_len (text, at - text);
      g_string_append (edited, edits[i].to);
      g_string_append (edited, at + strlen (edits[i].from));
      batch = decode_text (edited->str, &error);
      g_string_free (edited, TRUE);
      g_assert_no_error (error);
      for (guint j = 0; j < batch->events->len; j++)
        {
          const MendWireEvent *event = g_ptr_array_index (batch->events, j);

          if (event->invalid != NULL)
            {
              g_test_message ("%s: %s", edits[i].to, event->invalid);
              g_assert_nonnull (strstr (event->invalid, "hash does not match"));
              n_invalid++;
            }
        }
      g_assert_cmpuint (n_invalid, ==, 1);
    }
}

/* The device refuses to send a row that does not match its own hash, such as one listed for
 * display with a sensitive note redacted. */
static void
test_encode_refuses (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) none = g_ptr_array_new ();
  g_autoptr (GPtrArray) many = g_ptr_array_new ();
  const char *device_id = mend_store_get_device_id (f->store.store);
  MendEventRow *row = g_ptr_array_index (f->rows, 3);
  GBytes *body;

  g_free (row->payload);
  row->payload = g_strdup ("{\"category\":\"bags\",\"delta\":30}");
  body = mend_wire_encode_events (device_id, f->rows, &error);
  g_assert_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_INVALID);
  g_assert_null (body);
  g_clear_error (&error);

  g_assert_null (mend_wire_encode_events (device_id, none, &error));
  g_assert_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_INVALID);
  g_clear_error (&error);

  for (guint i = 0; i <= MEND_WIRE_MAX_EVENTS; i++)
    g_ptr_array_add (many, g_ptr_array_index (f->rows, 0));
  g_assert_null (mend_wire_encode_events (device_id, many, &error));
  g_assert_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_null (mend_wire_encode_events ("NOT-A-UUID", f->rows, &error));
  g_assert_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_INVALID);
}

/* Each of these changes to the example event makes it invalid with a message naming the
 * member; the batch itself is still read. */
static void
test_invalid_events (void)
{
  static const struct
  {
    const char *member; /* a path of one or two levels: "fix.lat" */
    const char *json;   /* the new value, or NULL to remove it */
    const char *message;
  } cases[] = {
    { "seq", "\"1\"", "events[0].seq must be an integer" },
    { "seq", "1.5", "events[0].seq must be an integer" },
    { "seq", "0", "events[0].seq must be 1 or more" },
    { "id", "\"5F0C2C3E-8A41-4D52-9C7E-2B6F1D0E9A13\"", "lowercase UUID" },
    { "id", NULL, "events[0].id is missing" },
    { "device", "\"1b7c6a52-7d7e-4c1e-9b1a-3f4e5d6c7b8a\"", "not the batch's device_id" },
    { "kind", "\"Attendance\"", "events[0].kind may hold only" },
    { "session", "42", "events[0].session must be a string or null" },
    { "session", "\"\"", "events[0].session must not be empty" },
    { "occurred_at", "null", "events[0].occurred_at must be an integer" },
    { "fix", "[]", "events[0].fix must be an object" },
    { "fix.state", "\"great\"", "is not a fix state" },
    { "fix.lat", "52.40640001", "events[0].fix.lat has more decimals" },
    { "fix.alt", "71.505", "events[0].fix.alt has more decimals" },
    { "fix.lat", "null", "does not describe a position" },
    { "fix.lat", "152.4064", "does not describe a position" },
    { "fix.mode", "0", "does not describe a position" },
    { "fix.state", "\"no_gpsd\"", "does not describe a position" },
    { "fix.satellites", "-1", "out of range" },
    { "fix.note", "\"\"", "events[0].fix.note must not be empty" },
    { "payload", "[]", "events[0].payload must be an object" },
    { "payload", "{\"x\": 1.5}", "events[0].payload: " },
    { "prev_hash", "\"00\"", "hashes are 64 lowercase hex" },
    { "hash", NULL, "events[0].hash is missing" },
    { "recorded_at", "1764147901235", "hash does not match" },
    { "participant", "null", "hash does not match" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonNode) event = json_from_string (EXAMPLE_EVENT, &error);
      g_autoptr (MendWireBatch) batch = NULL;
      g_auto (GStrv) path = g_strsplit (cases[i].member, ".", 2);
      JsonObject *target = json_node_get_object (event);
      const char *member = path[0];
      g_autofree char *text = NULL;
      g_autofree char *body = NULL;
      const MendWireEvent *decoded;

      g_assert_no_error (error);
      if (path[1] != NULL)
        {
          target = json_object_get_object_member (target, path[0]);
          member = path[1];
        }
      json_object_remove_member (target, member);
      if (cases[i].json != NULL)
        json_object_set_member (target, member, json_from_string (cases[i].json, NULL));
      text = json_to_string (event, FALSE);
      body = g_strdup_printf ("{\"device_id\":\"" DEVICE "\",\"events\":[%s," EXAMPLE_EVENT "]}",
                              text);
      batch = decode_text (body, &error);
      g_assert_no_error (error);
      decoded = g_ptr_array_index (batch->events, 0);
      g_test_message ("%s = %s: %s", cases[i].member, cases[i].json, decoded->invalid);
      g_assert_nonnull (decoded->invalid);
      g_assert_nonnull (strstr (decoded->invalid, cases[i].message));
      /* A bad id is still echoed, so the device can park the event it sent. */
      if (g_str_equal (cases[i].member, "id") && cases[i].json != NULL)
        g_assert_cmpstr (decoded->id, ==, "5F0C2C3E-8A41-4D52-9C7E-2B6F1D0E9A13");
      /* The good event after it is still read. */
      g_assert_null (((MendWireEvent *)g_ptr_array_index (batch->events, 1))->invalid);
    }
}

/* Per-event results, as HQ writes them and the device reads them. */
static void
test_results (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MendWireResults) results = mend_wire_results_new ();
  g_autoptr (MendWireResults) decoded = NULL;
  g_autoptr (GBytes) body = NULL;
  g_autofree char *long_message = g_strnfill (MEND_WIRE_MAX_MESSAGE_BYTES + 50, 'x');
  const char *data_bytes;
  gsize length;

  for (guint i = 0; i < f->rows->len; i++)
    {
      const MendEventRow *row = g_ptr_array_index (f->rows, i);
      MendWireStatus status = i % 4;

      mend_wire_results_add (results, row->id, status,
                             mend_wire_status_acknowledges (status)
                                 ? NULL
                                 : (i == 2 ? long_message : "session s9 is not your team's"));
    }
  results->chain_ok = FALSE;
  results->head_seq = 2;
  g_free (results->head_hash);
  results->head_hash = g_strdup (((MendEventRow *)g_ptr_array_index (f->rows, 1))->hash);
  results->first_bad_seq = 3;
  results->chain_message = g_strdup ("chain break: expected seq 3");

  body = mend_wire_encode_results (results);
  data_bytes = g_bytes_get_data (body, &length);
  decoded = mend_wire_decode_results (data_bytes, length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (decoded->results->len, ==, f->rows->len);
  for (guint i = 0; i < f->rows->len; i++)
    {
      const MendWireResult *a = g_ptr_array_index (results->results, i);
      const MendWireResult *b = g_ptr_array_index (decoded->results, i);

      g_assert_cmpstr (a->id, ==, b->id);
      g_assert_cmpint (a->status, ==, b->status);
      g_assert_cmpstr (a->message, ==, b->message);
    }
  g_assert_cmpuint (strlen (((MendWireResult *)g_ptr_array_index (decoded->results, 2))->message),
                    ==, MEND_WIRE_MAX_MESSAGE_BYTES);
  g_assert_false (decoded->chain_ok);
  g_assert_cmpint (decoded->head_seq, ==, 2);
  g_assert_cmpstr (decoded->head_hash, ==, results->head_hash);
  g_assert_cmpint (decoded->first_bad_seq, ==, 3);
  g_assert_cmpstr (decoded->chain_message, ==, results->chain_message);

  mend_wire_results_check (decoded, f->rows, &error);
  g_assert_no_error (error);

  /* An answer about other events, or too few, acknowledges nothing. */
  g_ptr_array_remove_index (decoded->results, decoded->results->len - 1);
  g_assert_false (mend_wire_results_check (decoded, f->rows, &error));
  g_assert_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MISMATCH);
  g_clear_error (&error);
  g_ptr_array_remove_index (results->results, 0);
  mend_wire_results_add (results, "5f0c2c3e-8a41-4d52-9c7e-2b6f1d0e9a13", MEND_WIRE_STATUS_STORED,
                         NULL);
  g_assert_false (mend_wire_results_check (results, f->rows, &error));
  g_assert_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MISMATCH);
}

static void
test_errors (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) body = mend_wire_encode_error (
      "payload_too_large", "the batch holds 612 events; the limit is 500", "4f6e0c1d-req");
  g_autoptr (MendWireRefusal) refusal = NULL;
  g_autoptr (MendWireRefusal) newer = NULL;
  const char *data;
  gsize length;
  static const char *const bad[] = {
    "Service Unavailable",
    "{\"error\": \"oops\"}",
    "{\"error\": {\"code\": \"internal\"}}",
    "{\"error\": {\"code\": \"Bad Code\", \"message\": \"x\"}}",
    "{\"error\": {\"code\": \"internal\", \"message\": \"\"}}",
    "{\"code\": \"internal\", \"message\": \"x\"}",
  };
  const char *from_newer = "{\"error\": {\"code\": \"teapot\", \"message\": \"short and stout\", "
                           "\"details\": [1]}}";

  g_assert_cmpuint (mend_wire_error_code_status ("bad_request"), ==, 400);
  g_assert_cmpuint (mend_wire_error_code_status ("unauthorized"), ==, 401);
  g_assert_cmpuint (mend_wire_error_code_status ("offset_mismatch"), ==, 409);
  g_assert_cmpuint (mend_wire_error_code_status ("hash_mismatch"), ==, 422);
  g_assert_cmpuint (mend_wire_error_code_status ("rate_limited"), ==, 429);
  g_assert_cmpuint (mend_wire_error_code_status ("unavailable"), ==, 503);
  g_assert_cmpuint (mend_wire_error_code_status ("teapot"), ==, 0);

  data = g_bytes_get_data (body, &length);
  refusal = mend_wire_decode_error (data, length, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (refusal->code, ==, "payload_too_large");
  g_assert_cmpstr (refusal->message, ==, "the batch holds 612 events; the limit is 500");
  g_assert_cmpstr (refusal->request_id, ==, "4f6e0c1d-req");

  newer = mend_wire_decode_error (from_newer, strlen (from_newer), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (newer->code, ==, "teapot");
  g_assert_null (newer->request_id);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (MendWireRefusal) refused
          = mend_wire_decode_error (bad[i], strlen (bad[i]), &error);

      g_assert_null (refused);
      g_assert_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED);
      g_clear_error (&error);
    }
}

static void
test_manifest (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = mend_test_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "mend.db", NULL);
  g_autoptr (MendStore) store = mend_store_open (path, MEND_STORE_OPEN_DEFAULT, &error);
  g_autofree char *text = manifest_text (
      ",\"deleted\":{\"sessions\":[\"s-99\"],\"assignments\":[{\"session\":\"s-3\","
      "\"participant\":\"p-4\"}],\"widgets\":[1]},\"future\":{\"a\":1}");
  g_autoptr (MendWireManifest) manifest = NULL;
  g_autoptr (GPtrArray) sessions = NULL;
  JsonArray *deleted;

  g_assert_no_error (error);
  manifest = mend_wire_decode_manifest (text, strlen (text), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (manifest->cursor, ==, "c2-000000000001f3a9");
  g_assert_false (manifest->full);
  g_assert_cmpint (manifest->generated_at_ms, ==, 1764147600000);
  g_assert_cmpstr (manifest->hq_public_key, ==, KEY);
  g_assert_cmpstr (manifest->team_id, ==, "team-north");
  g_assert_false (json_object_has_member (manifest->reference, "cursor"));
  g_assert_false (json_object_has_member (manifest->reference, "future"));
  for (guint i = 0; i < G_N_ELEMENTS (mend_wire_manifest_lists); i++)
    g_assert_true (json_object_has_member (manifest->deleted, mend_wire_manifest_lists[i]));
  deleted = json_object_get_array_member (manifest->deleted, "sessions");
  g_assert_cmpuint (json_array_get_length (deleted), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (deleted, 0), ==, "s-99");
  deleted = json_object_get_array_member (manifest->deleted, "assignments");
  g_assert_cmpstr (
      json_object_get_string_member (json_array_get_object_element (deleted, 0), "participant"), ==,
      "p-4");
  g_assert_cmpuint (
      json_array_get_length (json_object_get_array_member (manifest->deleted, "participants")), ==,
      0);

  /* What the decoder hands over is what the store takes. */
  mend_store_apply_reference (store, manifest->reference, &error);
  g_assert_no_error (error);
  sessions = mend_store_list_sessions (store, 0, G_MAXINT64, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sessions->len, ==, 2);

  g_clear_object (&store);
  mend_test_remove_tree (dir);
}

/* What HQ encodes, the device decodes to the same manifest. */
static void
test_manifest_round_trip (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text
      = manifest_text (",\"deleted\":{\"participants\":[\"p-17\"],\"assignments\":[{\"session\":"
                       "\"s-3\",\"participant\":\"p-4\"}]}");
  g_autoptr (MendWireManifest) first = mend_wire_decode_manifest (text, strlen (text), &error);
  g_autoptr (MendWireManifest) second = NULL;
  g_autoptr (GBytes) body = NULL;
  g_autoptr (JsonNode) a = json_node_new (JSON_NODE_OBJECT);
  g_autoptr (JsonNode) b = json_node_new (JSON_NODE_OBJECT);
  const char *data;
  gsize length;

  g_assert_no_error (error);
  body = mend_wire_encode_manifest (first);
  data = g_bytes_get_data (body, &length);
  second = mend_wire_decode_manifest (data, length, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (second->cursor, ==, first->cursor);
  g_assert_cmpint (second->full, ==, first->full);
  g_assert_cmpint (second->generated_at_ms, ==, first->generated_at_ms);
  g_assert_cmpstr (second->hq_public_key, ==, first->hq_public_key);
  g_assert_cmpstr (second->team_id, ==, first->team_id);
  g_assert_cmpstr (second->team_name, ==, first->team_name);
  json_node_set_object (a, first->reference);
  json_node_set_object (b, second->reference);
  g_assert_true (json_node_equal (a, b));
  json_node_set_object (a, first->deleted);
  json_node_set_object (b, second->deleted);
  g_assert_true (json_node_equal (a, b));
}

static void
test_headers (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *formatted = mend_wire_format_http_date (1764147900999);
  g_autofree char *path = NULL;
  gint64 ms = 0, skew = 0, offset = -1;
  gboolean complete = FALSE;
  static const char *const bad_dates[] = {
    "",
    "Thu, 26 Nov 2025 09:05:00 GMT", /* the 26th was a Wednesday */
    "Wed, 31 Nov 2025 09:05:00 GMT",
    "Wed, 26 Nov 2025 24:05:00 GMT",
    "Wed, 26 Nov 2025 09:05:00 UTC",
    "Wednesday, 26-Nov-25 09:05:00 GMT",
    "Wed Nov 26 09:05:00 2025",
    "Wed, 26 Nov 2025 09:05:0x GMT",
  };
  static const char *const bad_offsets[]
      = { "", "-1", "+1", " 1", "01", "1e3", "1 ", "9999999999999999" };
  static const char *const bad_complete[] = { "", "1", "true", "?2", "?1 " };

  g_assert_true (mend_wire_parse_http_date ("Wed, 26 Nov 2025 09:05:00 GMT", &ms, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ms, ==, 1764147900000);
  g_assert_cmpstr (formatted, ==, "Wed, 26 Nov 2025 09:05:00 GMT");
  for (guint i = 0; i < G_N_ELEMENTS (bad_dates); i++)
    {
      g_assert_false (mend_wire_parse_http_date (bad_dates[i], &ms, &error));
      g_assert_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED);
      g_clear_error (&error);
    }
  g_assert_false (mend_wire_parse_http_date (NULL, &ms, &error));
  g_assert_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED);
  g_clear_error (&error);

  g_assert_false (mend_wire_clock_skew_ms (ms, ms + MEND_CLOCK_SKEW_LIMIT_MS, &skew));
  g_assert_true (mend_wire_clock_skew_ms (ms, ms + MEND_CLOCK_SKEW_LIMIT_MS + 1, &skew));
  g_assert_true (mend_wire_clock_skew_ms (ms, ms - 10 * 60 * 1000, &skew));
  g_assert_cmpint (skew, ==, -10 * 60 * 1000);

  g_assert_true (mend_wire_parse_upload_offset ("0", &offset, &error));
  g_assert_cmpint (offset, ==, 0);
  g_assert_true (mend_wire_parse_upload_offset ("1048576", &offset, &error));
  g_assert_cmpint (offset, ==, 1048576);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (bad_offsets); i++)
    {
      g_assert_false (mend_wire_parse_upload_offset (bad_offsets[i], &offset, &error));
      g_assert_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED);
      g_clear_error (&error);
    }

  g_assert_true (mend_wire_parse_upload_complete ("?1", &complete, &error));
  g_assert_true (complete);
  g_assert_true (mend_wire_parse_upload_complete ("?0", &complete, &error));
  g_assert_false (complete);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (bad_complete); i++)
    {
      g_assert_false (mend_wire_parse_upload_complete (bad_complete[i], &complete, &error));
      g_assert_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED);
      g_clear_error (&error);
    }

  path = mend_wire_blob_path (MEND_HASH_GENESIS);
  g_assert_cmpstr (path, ==, "/api/v1/blobs/" MEND_HASH_GENESIS);
  g_assert_null (mend_wire_blob_path ("../../etc/passwd"));
  g_assert_null (
      mend_wire_blob_path ("CE2894341EEAFB847FAE51CF67BFA0B9E3C01CA7474632494537AE65A3353023"));
}

static void
test_enrol (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) request = mend_wire_encode_enrol_request ("K7Q2M9X4TD", DEVICE, "Tablet 3");
  g_autoptr (MendWireEnrolRequest) read = NULL;
  MendWireEnrolment answer = {
    .device_id = (char *)DEVICE,
    .team_id = (char *)"team-north",
    .team_name = (char *)"North Kettering",
    .token = (char *)"mnd_9xk2AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_",
    .hq_public_key = (char *)KEY,
  };
  g_autoptr (GBytes) response = mend_wire_encode_enrolment (&answer);
  g_autoptr (MendWireEnrolment) enrolment = NULL;
  const char *data;
  gsize length;
  static const char *const bad_requests[] = {
    "{\"code\":\"k7q2m9x4td\",\"device_id\":\"" DEVICE "\"}",
    "{\"code\":\"K7Q2\",\"device_id\":\"" DEVICE "\"}",
    "{\"code\":\"K7Q2M9X4TD\"}",
    "{\"code\":\"K7Q2M9X4TD\",\"device_id\":\"tablet\"}",
  };
  static const char *const bad_answers[] = {
    "{\"device_id\":\"" DEVICE "\",\"team\":{\"id\":\"t\",\"name\":\"T\"},\"token\":\"abc\"}",
    "{\"device_id\":\"" DEVICE "\",\"team\":{\"id\":\"t\",\"name\":\"T\"},"
    "\"token\":\"mnd_a\\r\\nX-Evil: 1\"}",
    "{\"device_id\":\"" DEVICE "\",\"team\":\"t\",\"token\":\"mnd_abc\"}",
    "{\"device_id\":\"" DEVICE "\",\"team\":{\"id\":\"t\",\"name\":\"T\"},\"token\":\"mnd_abc\","
    "\"hq_public_key\":\"xyz\"}",
  };

  data = g_bytes_get_data (request, &length);
  read = mend_wire_decode_enrol_request (data, length, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (read->code, ==, "K7Q2M9X4TD");
  g_assert_cmpstr (read->device_id, ==, DEVICE);
  g_assert_cmpstr (read->name, ==, "Tablet 3");

  data = g_bytes_get_data (response, &length);
  enrolment = mend_wire_decode_enrolment (data, length, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (enrolment->token, ==, answer.token);
  g_assert_cmpstr (enrolment->team_name, ==, "North Kettering");
  g_assert_cmpstr (enrolment->hq_public_key, ==, KEY);

  for (guint i = 0; i < G_N_ELEMENTS (bad_requests); i++)
    {
      g_autoptr (MendWireEnrolRequest) refused
          = mend_wire_decode_enrol_request (bad_requests[i], strlen (bad_requests[i]), &error);

      g_assert_null (refused);
      g_assert_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED);
      g_clear_error (&error);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad_answers); i++)
    {
      g_autoptr (MendWireEnrolment) refused
          = mend_wire_decode_enrolment (bad_answers[i], strlen (bad_answers[i]), &error);

      g_assert_null (refused);
      g_assert_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED);
      g_clear_error (&error);
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  g_test_add_func ("/wire/events/worked-example", test_worked_example);
  ADD ("/wire/events/store-batch", test_store_batch);
  ADD ("/wire/events/tampered", test_tampered);
  ADD ("/wire/events/encode-refuses", test_encode_refuses);
  g_test_add_func ("/wire/events/invalid-events", test_invalid_events);
  ADD ("/wire/results/round-trip", test_results);
  g_test_add_func ("/wire/errors", test_errors);
  g_test_add_func ("/wire/manifest/decode-and-apply", test_manifest);
  g_test_add_func ("/wire/manifest/round-trip", test_manifest_round_trip);
  g_test_add_func ("/wire/headers", test_headers);
  g_test_add_func ("/wire/enrol", test_enrol);
#undef ADD

  return g_test_run ();
}
