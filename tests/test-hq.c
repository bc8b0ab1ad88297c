/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-test"

#include "config.h"

#include <curl/curl.h>
#include <string.h>

#include "mend-pin.h"
#include "mend-test-hq.h"
#include "mend-test-reliability.h"
#include "mend-test-wire.h"
#include "mend-time.h"

/* mend-hq end to end: a real PostgreSQL cluster, the real server on a loopback port, and
 * requests over HTTP with libcurl. One cluster serves every test; each test enrols devices of
 * its own (each store fixture has a fresh device id), so the tests do not see each other. */

static MendTestHq *hq;
static char *team;

#define JSON "application/json"

static char *
new_code (void)
{
  const char *const args[] = { "enrolment-code", team, NULL };

  return mend_test_hq_admin (hq, args);
}

/* A code that lives one minute; the test then moves its expiry into the past. */
static char *
new_short_code (void)
{
  const char *const args[] = { "enrolment-code", team, "--ttl", "1", NULL };

  return mend_test_hq_admin (hq, args);
}

static MendTestHttp *
post_json (const char *path, const char *token, const char *body)
{
  return mend_test_hq_request (hq, "POST", path, token, JSON, body, strlen (body));
}

static void
assert_error (MendTestHttp *http, long status, const char *code)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MendWireRefusal) refusal = NULL;

  g_assert_cmpint (http->status, ==, status);
  g_assert_cmpint (http->n_date, ==, 1);
  refusal = mend_wire_decode_error (http->body->str, http->body->len, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (refusal->code, ==, code);
  g_assert_nonnull (refusal->request_id);
}

/* Enrols @device_id with a fresh code and returns its token. */
static char *
enrol (const char *device_id)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *code = new_code ();
  g_autoptr (GBytes) body = mend_wire_encode_enrol_request (code, device_id, "Tablet 3");
  g_autoptr (MendTestHttp) http = NULL;
  g_autoptr (MendWireEnrolment) enrolment = NULL;

  http = mend_test_hq_request (hq, "POST", "/api/v1/devices/enrol", NULL, JSON,
                               g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_assert_cmpint (http->status, ==, 201);
  g_assert_cmpint (http->n_date, ==, 1);
  enrolment = mend_wire_decode_enrolment (http->body->str, http->body->len, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (enrolment->device_id, ==, device_id);
  g_assert_cmpstr (enrolment->team_id, ==, team);
  g_assert_true (g_str_has_prefix (enrolment->token, "mnd_"));
  g_assert_cmpuint (strlen (enrolment->token), ==, 4 + 43);
  return g_steal_pointer (&enrolment->token);
}

static MendWireResults *
push (const char *token, GBytes *body)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MendTestHttp) http = NULL;
  MendWireResults *results;

  http = mend_test_hq_request (hq, "POST", "/api/v1/events", token, JSON,
                               g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_assert_cmpint (http->status, ==, 200);
  g_assert_cmpint (http->n_date, ==, 1);
  results = mend_wire_decode_results (http->body->str, http->body->len, &error);
  g_assert_no_error (error);
  return results;
}

static void
assert_statuses (MendWireResults *results, const MendWireStatus *expected, guint n)
{
  g_assert_cmpuint (results->results->len, ==, n);
  for (guint i = 0; i < n; i++)
    {
      const MendWireResult *result = g_ptr_array_index (results->results, i);

      if (result->status != expected[i])
        g_error ("result %u is %s (%s), not %s", i, mend_wire_status_to_string (result->status),
                 result->message, mend_wire_status_to_string (expected[i]));
    }
}

static gint64
count_events (const char *device_id)
{
  return mend_test_hq_count (hq, "SELECT count(*) FROM events WHERE device = $1", device_id);
}

static void
test_healthz (void)
{
  g_autoptr (MendTestHttp) http = mend_test_hq_request (hq, "GET", "/healthz", NULL, NULL, NULL, 0);

  g_assert_cmpint (http->status, ==, 200);
  g_assert_cmpint (http->n_date, ==, 1);
  g_assert_true (g_str_has_suffix (http->date, " GMT"));
  g_assert_nonnull (strstr (http->body->str, "\"status\":\"ok\""));
  g_assert_nonnull (strstr (http->body->str, "\"database\":\"ok\""));
}

static void
test_routes (void)
{
  g_autoptr (MendTestHttp) unknown = NULL;
  g_autoptr (MendTestHttp) wrong_method = NULL;
  g_autoptr (MendTestHttp) wrong_type = NULL;

  unknown = mend_test_hq_request (hq, "GET", "/api/v1/nothing", NULL, NULL, NULL, 0);
  assert_error (unknown, 404, "not_found");

  wrong_method = mend_test_hq_request (hq, "GET", "/api/v1/events", NULL, NULL, NULL, 0);
  assert_error (wrong_method, 405, "method_not_allowed");
  g_assert_cmpstr (wrong_method->allow, ==, "POST");

  wrong_type
      = mend_test_hq_request (hq, "POST", "/api/v1/devices/enrol", NULL, "text/plain", "{}", 2);
  assert_error (wrong_type, 415, "unsupported_media_type");
}

static void
test_enrol (void)
{
  const char *device = "1b7c6a52-7d7e-4c1e-9b1a-3f4e5d6c7b8a";
  const char *other = "2b7c6a52-7d7e-4c1e-9b1a-3f4e5d6c7b8a";
  g_autofree char *code = new_code ();
  g_autofree char *expired = new_short_code ();
  g_autofree char *again = new_code ();
  g_autoptr (GBytes) first = mend_wire_encode_enrol_request (code, device, NULL);
  g_autoptr (GBytes) reused = mend_wire_encode_enrol_request (code, other, NULL);
  g_autoptr (GBytes) late = mend_wire_encode_enrol_request (expired, other, NULL);
  g_autoptr (GBytes) twice = mend_wire_encode_enrol_request (again, device, NULL);
  g_autoptr (MendTestHttp) ok = NULL;
  g_autoptr (MendTestHttp) used = NULL;
  g_autoptr (MendTestHttp) too_late = NULL;
  g_autoptr (MendTestHttp) garbage = NULL;
  g_autoptr (MendTestHttp) enrolled = NULL;
  g_autoptr (MendTestHttp) wrong = NULL;

  ok = post_json ("/api/v1/devices/enrol", NULL, g_bytes_get_data (first, NULL));
  g_assert_cmpint (ok->status, ==, 201);
  g_assert_cmpint (ok->n_date, ==, 1);
  /* HQ keeps digests only: neither the code nor the token is in the database. */
  g_assert_cmpint (mend_test_hq_count (hq,
                                       "SELECT count(*) FROM enrolment_codes"
                                       " WHERE used_by = $1 AND used_at IS NOT NULL",
                                       device),
                   ==, 1);

  used = post_json ("/api/v1/devices/enrol", NULL, g_bytes_get_data (reused, NULL));
  assert_error (used, 403, "forbidden");

  g_assert_cmpint (mend_test_hq_count (hq,
                                       "SELECT count(*) FROM enrolment_codes"
                                       " WHERE code_sha256 = sha256(convert_to($1, 'UTF8'))"
                                       " AND expires_at BETWEEN now() + interval '50 seconds'"
                                       " AND now() + interval '1 minute'",
                                       expired),
                   ==, 1);
  mend_test_hq_exec (hq,
                     "UPDATE enrolment_codes SET expires_at = now() - interval '1 minute'"
                     " WHERE used_at IS NULL AND code_sha256 = sha256(convert_to($1, 'UTF8'))",
                     expired);
  too_late = post_json ("/api/v1/devices/enrol", NULL, g_bytes_get_data (late, NULL));
  assert_error (too_late, 403, "forbidden");
  g_assert_cmpstr (strstr (too_late->body->str, "wrong, expired or used"), !=, NULL);

  wrong = post_json ("/api/v1/devices/enrol", NULL,
                     "{\"code\":\"WRONGCODE123\",\"device_id\":\""
                     "3b7c6a52-7d7e-4c1e-9b1a-3f4e5d6c7b8a\"}");
  assert_error (wrong, 403, "forbidden");

  garbage = post_json ("/api/v1/devices/enrol", NULL, "{\"code\": [not json");
  assert_error (garbage, 400, "bad_request");
  /* A used code, an expired one, a wrong one. */
  mend_test_reliability_row ("enrolment with a wrong, used or expired code", 3,
                             MEND_RELIABILITY_REFUSED);

  /* The same device again is a conflict, and the code is not used up by the refusal. */
  enrolled = post_json ("/api/v1/devices/enrol", NULL, g_bytes_get_data (twice, NULL));
  assert_error (enrolled, 409, "conflict");
  g_assert_cmpint (mend_test_hq_count (hq,
                                       "SELECT count(*) FROM enrolment_codes WHERE used_at IS NULL"
                                       " AND code_sha256 = sha256(convert_to($1, 'UTF8'))",
                                       again),
                   ==, 1);
}

static void
test_push (Fixture *f, gconstpointer data)
{
  const char *device = mend_store_get_device_id (f->store.store);
  g_autofree char *token = enrol (device);
  g_autoptr (MendWireResults) first = NULL;
  g_autoptr (MendWireResults) again = NULL;
  g_autoptr (GError) error = NULL;
  const MendEventRow *last = g_ptr_array_index (f->rows, f->rows->len - 1);
  MendWireStatus stored[6], duplicate[6];

  for (guint i = 0; i < 6; i++)
    {
      stored[i] = MEND_WIRE_STATUS_STORED;
      duplicate[i] = MEND_WIRE_STATUS_DUPLICATE;
    }

  first = push (token, f->body);
  assert_statuses (first, stored, 6);
  g_assert_true (mend_wire_results_check (first, f->rows, &error));
  g_assert_no_error (error);
  g_assert_true (first->chain_ok);
  g_assert_cmpint (first->head_seq, ==, 6);
  g_assert_cmpstr (first->head_hash, ==, last->hash);
  g_assert_cmpint (count_events (device), ==, 6);

  /* A lost answer: the device sends the batch again, and nothing is stored twice. */
  again = push (token, f->body);
  assert_statuses (again, duplicate, 6);
  g_assert_true (again->chain_ok);
  g_assert_cmpint (again->head_seq, ==, 6);
  g_assert_cmpint (count_events (device), ==, 6);
  g_assert_cmpint (mend_test_hq_count (hq, "SELECT head_seq FROM devices WHERE id = $1", device),
                   ==, 6);
  /* HQ kept the canonical bytes the hashes cover. */
  g_assert_cmpint (mend_test_hq_count (hq,
                                       "SELECT count(*) FROM events WHERE device = $1"
                                       " AND length(canonical) > 0 AND payload IS NOT NULL",
                                       device),
                   ==, 6);
}

/* The batch with the last event's recorded_at changed after it was hashed. */
static GBytes *
tamper_last (GBytes *body)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  JsonArray *events;
  JsonObject *event;
  gsize length;
  char *text;

  json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                              &error);
  g_assert_no_error (error);
  events = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                         "events");
  event = json_array_get_object_element (events, json_array_get_length (events) - 1);
  json_object_set_int_member (event, "recorded_at",
                              json_object_get_int_member (event, "recorded_at") + 1);
  json_generator_set_root (generator, json_parser_get_root (parser));
  text = json_generator_to_data (generator, &length);
  return g_bytes_new_take (text, length);
}

static void
test_tampered (Fixture *f, gconstpointer data)
{
  const char *device = mend_store_get_device_id (f->store.store);
  g_autofree char *token = enrol (device);
  g_autoptr (GBytes) tampered = tamper_last (f->body);
  g_autoptr (MendWireResults) results = NULL;
  g_autoptr (MendWireResults) honest = NULL;
  const MendWireStatus expected[] = {
    MEND_WIRE_STATUS_STORED, MEND_WIRE_STATUS_STORED, MEND_WIRE_STATUS_STORED,
    MEND_WIRE_STATUS_STORED, MEND_WIRE_STATUS_STORED, MEND_WIRE_STATUS_INVALID,
  };
  const MendWireStatus resent[] = {
    MEND_WIRE_STATUS_DUPLICATE, MEND_WIRE_STATUS_DUPLICATE, MEND_WIRE_STATUS_DUPLICATE,
    MEND_WIRE_STATUS_DUPLICATE, MEND_WIRE_STATUS_DUPLICATE, MEND_WIRE_STATUS_STORED,
  };
  const MendWireResult *bad;

  results = push (token, tampered);
  assert_statuses (results, expected, 6);
  bad = g_ptr_array_index (results->results, 5);
  g_assert_nonnull (strstr (bad->message, "hash"));
  g_assert_false (results->chain_ok);
  g_assert_cmpint (results->first_bad_seq, ==, 6);
  g_assert_cmpint (results->head_seq, ==, 5);
  g_assert_cmpint (count_events (device), ==, 5);

  /* The honest event still joins the chain afterwards. */
  honest = push (token, f->body);
  assert_statuses (honest, resent, 6);
  g_assert_true (honest->chain_ok);
  g_assert_cmpint (count_events (device), ==, 6);
  mend_test_reliability_row ("an event altered after it was hashed", 1, MEND_RELIABILITY_REFUSED);
}

static void
test_conflict (Fixture *f, gconstpointer data)
{
  const char *device = mend_store_get_device_id (f->store.store);
  g_autofree char *token = enrol (device);
  g_autoptr (MendWireResults) first = push (token, f->body);
  g_autoptr (MendWireResults) results = NULL;
  g_autoptr (GPtrArray) rows = g_ptr_array_new ();
  g_autoptr (GBytes) body = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *hash = NULL;
  const MendEventRow *row = g_ptr_array_index (f->rows, 0);
  MendEventRow changed = *row;
  MendEventFields fields = {
    device,
    row->seq,
    row->id,
    row->kind,
    row->session_id,
    row->participant_id,
    row->supervisor_id,
    row->recorded_at_ms + 1,
    row->occurred_at_ms,
    &row->fix,
    row->has_clock_skew,
    row->clock_skew_ms,
    row->payload,
  };
  const MendWireStatus expected[] = { MEND_WIRE_STATUS_CONFLICT };
  const MendWireResult *result;

  g_assert_true (first->chain_ok);
  /* The same id, a correctly hashed but different event. */
  hash = mend_event_hash (row->prev_hash, &fields);
  changed.recorded_at_ms = row->recorded_at_ms + 1;
  changed.hash = hash;
  g_ptr_array_add (rows, &changed);
  body = mend_wire_encode_events (device, rows, &error);
  g_assert_no_error (error);

  results = push (token, body);
  assert_statuses (results, expected, 1);
  result = g_ptr_array_index (results->results, 0);
  g_assert_cmpstr (result->id, ==, row->id);
  g_assert_nonnull (result->message);
  g_assert_false (results->chain_ok);
  g_assert_cmpint (results->head_seq, ==, 6);
  g_assert_cmpint (count_events (device), ==, 6);
  g_assert_cmpint (mend_test_hq_count (hq, "SELECT count(*) FROM events WHERE id = $1", row->id),
                   ==, 1);
  mend_test_reliability_row ("a second, different event under an id HQ holds", 1,
                             MEND_RELIABILITY_REFUSED);
}

/* A batch that starts after a gap: nothing of it joins the chain. */
static void
test_gap (Fixture *f, gconstpointer data)
{
  const char *device = mend_store_get_device_id (f->store.store);
  g_autofree char *token = enrol (device);
  g_autoptr (GPtrArray) rows = g_ptr_array_new ();
  g_autoptr (GBytes) body = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (MendWireResults) results = NULL;
  const MendWireStatus expected[] = {
    MEND_WIRE_STATUS_INVALID,
    MEND_WIRE_STATUS_INVALID,
    MEND_WIRE_STATUS_INVALID,
  };
  const MendWireResult *first;
  const MendWireResult *later;

  for (guint i = 3; i < 6; i++)
    g_ptr_array_add (rows, g_ptr_array_index (f->rows, i));
  body = mend_wire_encode_events (device, rows, &error);
  g_assert_no_error (error);

  results = push (token, body);
  assert_statuses (results, expected, 3);
  first = g_ptr_array_index (results->results, 0);
  later = g_ptr_array_index (results->results, 2);
  g_assert_true (g_str_has_prefix (first->message, "chain break: expected seq 1 after hash"));
  g_assert_cmpstr (later->message, ==, "not stored: the chain is broken at seq 4");
  g_assert_false (results->chain_ok);
  g_assert_cmpint (results->first_bad_seq, ==, 4);
  g_assert_cmpint (results->head_seq, ==, 0);
  g_assert_cmpstr (results->head_hash, ==, MEND_HASH_GENESIS);
  g_assert_cmpint (count_events (device), ==, 0);
  mend_test_reliability_row ("a batch that skips events of the chain", 1, MEND_RELIABILITY_REFUSED);
}

typedef struct
{
  const char *token;
  GBytes *body;
} Pusher;

static gpointer
push_thread (gpointer data)
{
  Pusher *pusher = data;

  return push (pusher->token, pusher->body);
}

/* A retry racing its original: the device's row lock makes one batch wait for the other, so
 * each event is stored once and answered stored or duplicate. */
static void
test_race (Fixture *f, gconstpointer data)
{
  const char *device = mend_store_get_device_id (f->store.store);
  g_autofree char *token = enrol (device);
  Pusher pusher = { token, f->body };
  GThread *threads[4];
  guint stored = 0;

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("push", push_thread, &pusher);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      g_autoptr (MendWireResults) results = g_thread_join (threads[i]);

      g_assert_true (results->chain_ok);
      g_assert_cmpint (results->head_seq, ==, 6);
      for (guint j = 0; j < results->results->len; j++)
        {
          const MendWireResult *result = g_ptr_array_index (results->results, j);

          g_assert_true (mend_wire_status_acknowledges (result->status));
          stored += result->status == MEND_WIRE_STATUS_STORED;
        }
    }
  g_assert_cmpuint (stored, ==, 6);
  g_assert_cmpint (count_events (device), ==, 6);
  mend_test_reliability_row ("the same batch sent four times at once", G_N_ELEMENTS (threads),
                             MEND_RELIABILITY_NOTHING_LOST);
}

static void
test_auth (Fixture *f, gconstpointer data)
{
  const char *device = mend_store_get_device_id (f->store.store);
  g_autofree char *token = enrol (device);
  g_autofree char *wrong = g_strdup (token);
  const char *const revoke[] = { "revoke", device, NULL };
  const char *body = g_bytes_get_data (f->body, NULL);
  g_autofree char *other_token = enrol ("4b7c6a52-7d7e-4c1e-9b1a-3f4e5d6c7b8a");
  g_autoptr (MendTestHttp) other = NULL;
  g_autoptr (MendTestHttp) missing = NULL;
  g_autoptr (MendTestHttp) bad = NULL;
  g_autoptr (MendTestHttp) revoked = NULL;

  /* A token is good only for its own device's batches. */
  other = post_json ("/api/v1/events", other_token, body);
  assert_error (other, 403, "forbidden");

  missing = post_json ("/api/v1/events", NULL, body);
  assert_error (missing, 401, "unauthorized");
  g_assert_true (missing->www_authenticate);

  wrong[10] = wrong[10] == 'A' ? 'B' : 'A';
  bad = post_json ("/api/v1/events", wrong, body);
  assert_error (bad, 401, "unauthorized");

  g_free (mend_test_hq_admin (hq, revoke));
  revoked = post_json ("/api/v1/events", token, body);
  assert_error (revoked, 401, "unauthorized");
  g_assert_true (revoked->www_authenticate);
  g_assert_cmpint (count_events (device), ==, 0);

  /* Enrolled again with a new code of its team, the device gets a new token; the old one
   * stays refused and the new one pushes. */
  {
    g_autofree char *again = enrol (device);
    g_autoptr (MendTestHttp) old_token = post_json ("/api/v1/events", token, body);
    g_autoptr (MendTestHttp) new_token = NULL;

    assert_error (old_token, 401, "unauthorized");
    g_assert_cmpstr (again, !=, token);
    new_token = post_json ("/api/v1/events", again, body);
    g_assert_cmpint (new_token->status, ==, 200);
    g_assert_cmpint (count_events (device), >, 0);
  }
  /* Another device's token, none, a damaged one, a revoked one, an old one. */
  mend_test_reliability_row ("a push with a wrong, missing or revoked device token", 5,
                             MEND_RELIABILITY_REFUSED);
}

static void
test_too_large (Fixture *f, gconstpointer data)
{
  const char *device = mend_store_get_device_id (f->store.store);
  g_autofree char *token = enrol (device);
  gsize length = MEND_WIRE_MAX_REQUEST_BYTES + 1;
  g_autofree char *body = g_malloc (length);
  g_autoptr (MendTestHttp) http = NULL;

  memset (body, ' ', length);
  body[0] = '{';
  body[length - 1] = '}';
  http = mend_test_hq_request (hq, "POST", "/api/v1/events", token, JSON, body, length);
  assert_error (http, 413, "payload_too_large");
  g_assert_cmpint (count_events (device), ==, 0);
  mend_test_reliability_row ("a request body over the size limit", 1, MEND_RELIABILITY_REFUSED);
}

/* The fixture store's reference data, as the team's at HQ, so the events its devices push name
 * sessions and people of their own team (HQ's rules at step 6). */
static void
load_fixture_reference (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) lists = mend_test_fixture_manifest (1, 2, mend_time_today_at (9, 0, 0));
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *hash = mend_pin_hash ("2468", &error);
  g_autofree char *dir = g_dir_make_tmp ("mend-hq-reference-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  JsonArray *supervisors = json_object_get_array_member (lists, "supervisors");

  g_assert_no_error (error);
  for (guint i = 0; i < json_array_get_length (supervisors); i++)
    json_object_set_string_member (json_array_get_object_element (supervisors, i), "pin_hash",
                                   hash);
  json_node_set_object (node, lists);
  text = json_to_string (node, FALSE);
  path = g_build_filename (dir, "reference.json", NULL);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  {
    const char *const args[] = { "reference", "import", path, "--team", team, NULL };

    g_free (mend_test_hq_admin (hq, args));
  }
  mend_test_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  const char *const add[] = { "team", "add", "North Kettering", NULL };
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  curl_global_init (CURL_GLOBAL_DEFAULT);
  hq = mend_test_hq_start ();
  team = mend_test_hq_admin (hq, add);
  load_fixture_reference ();

  g_test_add_func ("/hq/healthz", test_healthz);
  g_test_add_func ("/hq/routes", test_routes);
  g_test_add_func ("/hq/enrol", test_enrol);
  g_test_add ("/hq/events/push", Fixture, NULL, fixture_set_up, test_push, fixture_tear_down);
  g_test_add ("/hq/events/tampered", Fixture, NULL, fixture_set_up, test_tampered,
              fixture_tear_down);
  g_test_add ("/hq/events/conflict", Fixture, NULL, fixture_set_up, test_conflict,
              fixture_tear_down);
  g_test_add ("/hq/events/gap", Fixture, NULL, fixture_set_up, test_gap, fixture_tear_down);
  g_test_add ("/hq/events/race", Fixture, NULL, fixture_set_up, test_race, fixture_tear_down);
  g_test_add ("/hq/auth", Fixture, NULL, fixture_set_up, test_auth, fixture_tear_down);
  g_test_add ("/hq/too-large", Fixture, NULL, fixture_set_up, test_too_large, fixture_tear_down);
  status = g_test_run ();

  mend_test_hq_stop (hq);
  g_free (team);
  curl_global_cleanup ();
  return status;
}
