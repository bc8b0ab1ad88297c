/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-wire-hostile"

#include "config.h"

#include <string.h>

#include "mend-test-reliability.h"
#include "mend-test-wire.h"

/* What no decoder of the wire codec (sync/PROTOCOL.md) may take: malformed, truncated,
 * randomly damaged, oversized, too deeply nested and non-UTF-8 bodies of events, results,
 * refusals, enrolment and manifests are refused with an error, never a crash, and what is not
 * refused has been fully checked. */

static void
assert_refused_text (MendWireBatch *(*decode) (const char *, GError **),
                     const char *body,
                     gint code)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MendWireBatch) batch = decode (body, &error);

  g_assert_null (batch);
  g_assert_error (error, MEND_WIRE_ERROR, code);
}

static void
test_malformed_batches (void)
{
  static const char *const bodies[] = {
    "",
    "null",
    "[]",
    "\"events\"",
    "{",
    "{\"device_id\":\"" DEVICE "\"}",
    "{\"device_id\":\"" DEVICE "\",\"events\":{}}",
    "{\"device_id\":\"" DEVICE "\",\"events\":[]}",
    "{\"device_id\":7,\"events\":[{}]}",
    "{\"device_id\":\"not-a-uuid\",\"events\":[{}]}",
    "<html><body>Sign in to the Wi-Fi</body></html>",
    "{\"device_id\":\"" DEVICE "\",\"events\":[{}]} trailing",
  };
  g_autoptr (GString) deep = g_string_new ("{\"device_id\":\"" DEVICE "\",\"events\":[");
  g_autoptr (GString) many = g_string_new ("{\"device_id\":\"" DEVICE "\",\"events\":[{}");
  g_autofree char *huge = NULL;
  g_autoptr (GError) error = NULL;
  const char not_utf8[] = "{\"device_id\":\"\xff\xfe\",\"events\":[{}]}";
  const char with_nul[] = "{\"device_id\":\"" DEVICE "\",\0\"events\":[{}]}";

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    assert_refused_text (decode_text, bodies[i], MEND_WIRE_ERROR_MALFORMED);

  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  assert_refused_text (decode_text, deep->str, MEND_WIRE_ERROR_TOO_LARGE);

  for (guint i = 0; i < MEND_WIRE_MAX_EVENTS; i++)
    g_string_append (many, ",{}");
  g_string_append (many, "]}");
  assert_refused_text (decode_text, many->str, MEND_WIRE_ERROR_TOO_LARGE);

  huge = g_strnfill (MEND_WIRE_MAX_REQUEST_BYTES + 1, ' ');
  g_assert_null (mend_wire_decode_events (huge, MEND_WIRE_MAX_REQUEST_BYTES + 1, &error));
  g_assert_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_TOO_LARGE);
  g_clear_error (&error);

  g_assert_null (mend_wire_decode_events (not_utf8, sizeof not_utf8 - 1, &error));
  g_assert_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED);
  g_clear_error (&error);
  g_assert_null (mend_wire_decode_events (with_nul, sizeof with_nul - 1, &error));
  g_assert_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED);
  /* The listed bodies, the deep one, the long one, the huge one, bad UTF-8, a NUL. */
  mend_test_reliability_row ("malformed event batches (HTML, wrong types, deep, huge)",
                             G_N_ELEMENTS (bodies) + 5, MEND_RELIABILITY_REFUSED);
}

/* A body cut anywhere is refused (or, cut inside trailing space, still whole). The decoder
 * reads only @length bytes, so the cut copy needs no terminator of its own. */
static void
test_truncated (Fixture *f, gconstpointer data)
{
  gsize length;
  const char *body = g_bytes_get_data (f->body, &length);

  for (gsize cut = 0; cut < length; cut++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *copy = g_memdup2 (body, cut);
      g_autoptr (MendWireBatch) batch = mend_wire_decode_events (copy, cut, &error);

      g_assert_null (batch);
      g_assert_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED);
    }
  mend_test_reliability_row ("an event batch cut at every byte", length, MEND_RELIABILITY_REFUSED);
}

/* Random damage never crashes a decoder; what it does not refuse, it has fully checked. */
static void
test_random_damage (Fixture *f, gconstpointer data)
{
  gsize length;
  const char *body = g_bytes_get_data (f->body, &length);

  for (guint round = 0; round < 3000; round++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *copy = g_memdup2 (body, length);
      g_autoptr (MendWireBatch) batch = NULL;
      guint n_flips = g_test_rand_int_range (1, 4);

      for (guint i = 0; i < n_flips; i++)
        copy[g_test_rand_int_range (0, length)] = (char)g_test_rand_int_range (1, 256);
      batch = mend_wire_decode_events (copy, length, &error);
      if (batch == NULL)
        {
          g_assert_nonnull (error);
          continue;
        }
      for (guint i = 0; i < batch->events->len; i++)
        {
          const MendWireEvent *event = g_ptr_array_index (batch->events, i);
          MendEventFields fields;
          g_autofree char *hash = NULL;

          if (event->invalid != NULL)
            continue;
          mend_wire_event_get_fields (event, &fields);
          hash = mend_event_hash (event->prev_hash, &fields);
          g_assert_cmpstr (hash, ==, event->hash);
        }
    }
  mend_test_reliability_row ("an event batch with random bytes damaged", 3000,
                             MEND_RELIABILITY_REFUSED);
}

typedef gpointer (*DecodeFunc) (const char *body, gsize length, GError **error);

/* Random damage to each kind of answer: refused with an error, or decoded, never a crash. */
static void
damage (const char *body, gsize length, DecodeFunc decode, GDestroyNotify free_func)
{
  for (guint round = 0; round < 1000; round++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *copy = g_memdup2 (body, length);
      gpointer decoded;

      for (guint i = 0, n = g_test_rand_int_range (1, 4); i < n; i++)
        copy[g_test_rand_int_range (0, length)] = (char)g_test_rand_int_range (1, 256);
      decoded = decode (
          copy, g_test_rand_bit () ? length : (gsize)g_test_rand_int_range (0, length), &error);
      g_assert_true ((decoded == NULL) == (error != NULL));
      g_clear_pointer (&decoded, free_func);
    }
}

static void
test_random_damage_answers (Fixture *f, gconstpointer data)
{
  g_autoptr (MendWireResults) results = mend_wire_results_new ();
  g_autoptr (GBytes) results_body = NULL;
  g_autoptr (GBytes) error_body = mend_wire_encode_error ("rate_limited", "slow down", "r-1");
  g_autoptr (GBytes) request_body = mend_wire_encode_enrol_request ("K7Q2M9X4TD", DEVICE, "T3");
  g_autofree char *manifest = manifest_text (",\"deleted\":{\"assignments\":[{\"session\":\"s\","
                                             "\"participant\":\"p\"}],\"sites\":[\"x\"]}");
  const char *enrolment = "{\"device_id\":\"" DEVICE "\",\"team\":{\"id\":\"t\",\"name\":\"T\"},"
                          "\"token\":\"mnd_abc\",\"hq_public_key\":\"" KEY "\"}";
  const char *data_bytes;
  gsize length;

  for (guint i = 0; i < f->rows->len; i++)
    mend_wire_results_add (results, ((MendEventRow *)g_ptr_array_index (f->rows, i))->id,
                           i % 2 ? MEND_WIRE_STATUS_STORED : MEND_WIRE_STATUS_INVALID, "why");
  results_body = mend_wire_encode_results (results);

  data_bytes = g_bytes_get_data (results_body, &length);
  damage (data_bytes, length, (DecodeFunc)mend_wire_decode_results,
          (GDestroyNotify)mend_wire_results_free);
  data_bytes = g_bytes_get_data (error_body, &length);
  damage (data_bytes, length, (DecodeFunc)mend_wire_decode_error,
          (GDestroyNotify)mend_wire_refusal_free);
  data_bytes = g_bytes_get_data (request_body, &length);
  damage (data_bytes, length, (DecodeFunc)mend_wire_decode_enrol_request,
          (GDestroyNotify)mend_wire_enrol_request_free);
  damage (enrolment, strlen (enrolment), (DecodeFunc)mend_wire_decode_enrolment,
          (GDestroyNotify)mend_wire_enrolment_free);
  damage (manifest, strlen (manifest), (DecodeFunc)mend_wire_decode_manifest,
          (GDestroyNotify)mend_wire_manifest_free);
  mend_test_reliability_row ("HQ's answers with random bytes damaged", 5 * 1000,
                             MEND_RELIABILITY_REFUSED);
}

static void
test_malformed_results (void)
{
  static const char *const bodies[] = {
    "<html><head><title>Hotel Wi-Fi</title></head></html>",
    "{}",
    "{\"results\": \"stored\", \"chain\": {}}",
    "{\"results\": [{\"id\": \"a\", \"status\": \"stored\"}]}",
    "{\"results\": [{\"id\": \"a\", \"status\": \"accepted\"}], \"chain\": {\"ok\": true, "
    "\"head_seq\": 1, \"head_hash\": \"" MEND_HASH_GENESIS "\"}}",
    "{\"results\": [{\"id\": \"a\", \"status\": \"invalid\"}], \"chain\": {\"ok\": true, "
    "\"head_seq\": 1, \"head_hash\": \"" MEND_HASH_GENESIS "\"}}",
    "{\"results\": [{\"id\": 5, \"status\": \"stored\"}], \"chain\": {\"ok\": true, "
    "\"head_seq\": 1, \"head_hash\": \"" MEND_HASH_GENESIS "\"}}",
    "{\"results\": [], \"chain\": {\"ok\": true, \"head_seq\": -1, \"head_hash\": "
    "\"" MEND_HASH_GENESIS "\"}}",
    "{\"results\": [], \"chain\": {\"ok\": false, \"head_seq\": 1, \"head_hash\": "
    "\"" MEND_HASH_GENESIS "\"}}",
    "{\"results\": [], \"chain\": {\"ok\": true, \"head_seq\": 0, \"head_hash\": \"00\"}}",
  };
  const char *good
      = "{\"results\": [{\"id\": \"a\", \"status\": \"duplicate\", \"extra\": 1}], "
        "\"chain\": {\"ok\": true, \"head_seq\": 0, \"head_hash\": \"" MEND_HASH_GENESIS
        "\"}, \"server\": \"newer\"}";
  g_autoptr (GError) error = NULL;
  g_autoptr (MendWireResults) results = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr (MendWireResults) refused
          = mend_wire_decode_results (bodies[i], strlen (bodies[i]), &error);

      g_assert_null (refused);
      g_assert_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED);
      g_clear_error (&error);
    }
  for (gsize cut = 0; cut < strlen (good); cut++)
    {
      g_autoptr (MendWireResults) refused = mend_wire_decode_results (good, cut, &error);

      g_assert_null (refused);
      g_assert_nonnull (error);
      g_clear_error (&error);
    }
  results = mend_wire_decode_results (good, strlen (good), &error);
  g_assert_no_error (error);
  g_assert_cmpint (((MendWireResult *)g_ptr_array_index (results->results, 0))->status, ==,
                   MEND_WIRE_STATUS_DUPLICATE);
  mend_test_reliability_row ("malformed or cut answers to a push (a hotel portal, wrong types)",
                             G_N_ELEMENTS (bodies) + strlen (good), MEND_RELIABILITY_REFUSED);
}

static void
test_malformed_manifests (void)
{
  static const char *const extras[] = {
    ",\"sites\":{}",
    ",\"sessions\":[1]",
    ",\"deleted\":[]",
    ",\"deleted\":{\"sessions\":[7]}",
    ",\"deleted\":{\"sessions\":[\"\"]}",
    ",\"deleted\":{\"assignments\":[\"s-3\"]}",
    ",\"deleted\":{\"assignments\":[{\"session\":\"s-3\"}]}",
    ",\"full\":\"yes\"",
  };
  static const char *const whole[] = {
    "{}",
    "{\"cursor\":\"c\",\"hq_public_key\":\"short\"}",
    "{\"cursor\":\"c\",\"hq_public_key\":\"n1L6yS3l5mXbLw2kQ8d0xY7pTqZc4VfJhG9eRtUo*1s=\"}",
    "{\"cursor\":\"\",\"hq_public_key\":\"" KEY "\"}",
    "{\"cursor\":7,\"hq_public_key\":\"" KEY "\"}",
    "{\"cursor\":\"c\",\"hq_public_key\":\"" KEY "\",\"team\":\"north\"}",
  };
  g_autoptr (GError) error = NULL;
  g_autofree char *good = manifest_text ("");
  g_autoptr (MendWireManifest) minimal = NULL;
  const char *minimal_text = "{\"cursor\":\"c\",\"hq_public_key\":\"" KEY "\"}";

  for (guint i = 0; i < G_N_ELEMENTS (extras); i++)
    {
      g_autofree char *text = manifest_text (extras[i]);
      g_autoptr (MendWireManifest) refused
          = mend_wire_decode_manifest (text, strlen (text), &error);

      g_test_message ("%s: %s", extras[i], error != NULL ? error->message : "accepted");
      g_assert_null (refused);
      g_assert_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED);
      g_clear_error (&error);
    }
  for (guint i = 0; i < G_N_ELEMENTS (whole); i++)
    {
      g_autoptr (MendWireManifest) refused
          = mend_wire_decode_manifest (whole[i], strlen (whole[i]), &error);

      g_assert_null (refused);
      g_assert_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED);
      g_clear_error (&error);
    }
  /* Cut anywhere, and cut every 97 bytes to keep the test quick on a long body. */
  for (gsize cut = 0; cut < strlen (good); cut += 97)
    {
      g_autoptr (MendWireManifest) refused = mend_wire_decode_manifest (good, cut, &error);

      g_assert_null (refused);
      g_assert_nonnull (error);
      g_clear_error (&error);
    }

  minimal = mend_wire_decode_manifest (minimal_text, strlen (minimal_text), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_object_get_size (minimal->reference), ==, 0);
  g_assert_null (minimal->team_id);
  mend_test_reliability_row ("malformed or cut manifests from HQ",
                             G_N_ELEMENTS (extras) + G_N_ELEMENTS (whole) + strlen (good) / 97 + 1,
                             MEND_RELIABILITY_REFUSED);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  g_test_add_func ("/wire/events/malformed", test_malformed_batches);
  ADD ("/wire/events/truncated", test_truncated);
  ADD ("/wire/events/random-damage", test_random_damage);
  ADD ("/wire/random-damage-answers", test_random_damage_answers);
  g_test_add_func ("/wire/results/malformed", test_malformed_results);
  g_test_add_func ("/wire/manifest/malformed", test_malformed_manifests);
#undef ADD

  return g_test_run ();
}
