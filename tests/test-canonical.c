/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-canonical"

#include "config.h"

#include <math.h>
#include <string.h>

#include "mend-canonical.h"
#include "mend-command.h"

/* The vectors below are the worked example in sync/PROTOCOL.md; their hashes were computed
 * with an independent SHA-256 (Python's hashlib), so this test checks the C code against the
 * written specification, not against itself. */

#define DEVICE  "0b7c6a52-7d7e-4c1e-9b1a-3f4e5d6c7b8a"
#define SESSION "demo-20251126-spring-rise"

#define EVENT_1_BYTES                                                                              \
  "{\"device\":\"" DEVICE "\",\"fix\":{\"age_ms\":350,\"alt\":71.50,\"eph\":4.20,"                 \
  "\"gnss_time\":1764147900000,\"lat\":52.4064000,\"lon\":-0.7061000,\"mode\":3,\"note\":null,"    \
  "\"satellites\":9,\"skew_ms\":null,\"state\":\"fix\"},\"id\":\"5f0c2c3e-8a41-4d52-9c7e-"         \
  "2b6f1d0e9a13\",\"kind\":\"attendance.checked_in\",\"occurred_at\":1764147900000,"               \
  "\"participant\":\"demo-p-hart\",\"payload\":{\"geofence\":{\"distance_m\":61,\"reason\":null,"  \
  "\"verdict\":\"inside\"}},\"recorded_at\":1764147901234,\"seq\":1,\"session\":\"" SESSION        \
  "\",\"supervisor\":\"sup-ana\"}"
#define EVENT_1_HASH "ce2894341eeafb847fae51cf67bfa0b9e3c01ca7474632494537ae65a3353023"
#define EVENT_2_HASH "08a0486c0520f5acfeb000e6b349707b9d1f65cbb95b4fbcb62a0d024a51df2d"

static void
assert_canonical (const char *input, const char *expected)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *canonical = mend_canonical_json_text (input, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (canonical, ==, expected);
}

static void
test_json_sorted_compact (void)
{
  assert_canonical ("{ \"b\": 1, \"a\": [true, false, null], \"c\": {\"z\": \"x\", \"y\": -2} }",
                    "{\"a\":[true,false,null],\"b\":1,\"c\":{\"y\":-2,\"z\":\"x\"}}");
  /* Byte order, not locale order: upper case sorts before lower case. */
  assert_canonical ("{\"b\":1,\"B\":2,\"a\":3}", "{\"B\":2,\"a\":3,\"b\":1}");
  assert_canonical ("{}", "{}");
}

static void
test_json_escapes (void)
{
  /* Only quote, backslash and control characters are escaped; UTF-8 passes through. */
  assert_canonical ("{\"n\":\"a\\\"b\\\\c\\n\\u0001é/\"}",
                    "{\"n\":\"a\\\"b\\\\c\\u000a\\u0001é/\"}");
}

static void
test_json_refuses_fractions (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *canonical = mend_canonical_json_text ("{\"x\":1.5}", &error);

  g_assert_null (canonical);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
}

static MendEventFields
event_1 (MendFix *fix)
{
  mend_fix_init (fix, MEND_FIX_STATE_FIX, NULL);
  fix->mode = 3;
  fix->latitude = 52.4064;
  fix->longitude = -0.7061;
  fix->altitude = 71.5;
  fix->horizontal_error = 4.2;
  fix->gnss_time_ms = 1764147900000;
  fix->satellites = 9;
  fix->age_ms = 350;
  return (MendEventFields){
    .device_id = DEVICE,
    .seq = 1,
    .id = "5f0c2c3e-8a41-4d52-9c7e-2b6f1d0e9a13",
    .kind = "attendance.checked_in",
    .session_id = SESSION,
    .participant_id = "demo-p-hart",
    .supervisor_id = "sup-ana",
    .recorded_at_ms = 1764147901234,
    .occurred_at_ms = 1764147900000,
    .fix = fix,
    .payload_json = "{\"geofence\":{\"distance_m\":61,\"reason\":null,\"verdict\":\"inside\"}}",
  };
}

static void
test_event_bytes (void)
{
  MendFix fix;
  MendEventFields fields = event_1 (&fix);
  g_autoptr (GBytes) bytes = mend_canonical_event_bytes (&fields);
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  g_assert_cmpmem (data, len, EVENT_1_BYTES, strlen (EVENT_1_BYTES));
}

static void
test_hash_chain_vectors (void)
{
  MendFix fix, no_fix;
  MendEventFields first = event_1 (&fix);
  MendEventFields second;

  mend_fix_init (&no_fix, MEND_FIX_STATE_NO_GPSD, "gpsd is not reachable at localhost:2947");
  second = (MendEventFields){
    .device_id = DEVICE,
    .seq = 2,
    .id = "9d1e7f20-3b4c-4a5d-8e6f-7a8b9c0d1e2f",
    .kind = "tally.adjusted",
    .session_id = SESSION,
    .participant_id = NULL,
    .supervisor_id = "sup-ana",
    .recorded_at_ms = 1764148200456,
    .occurred_at_ms = 1764148200000,
    .fix = &no_fix,
    .payload_json = "{\"category\":\"bags\",\"delta\":3}",
  };
  g_autofree char *hash_1 = mend_event_hash (MEND_HASH_GENESIS, &first);
  g_autofree char *hash_2 = mend_event_hash (hash_1, &second);

  g_assert_cmpstr (hash_1, ==, EVENT_1_HASH);
  g_assert_cmpstr (hash_2, ==, EVENT_2_HASH);
}

static void
test_hash_covers_every_field (void)
{
  MendFix fix;
  MendEventFields fields = event_1 (&fix);
  g_autofree char *original = mend_event_hash (MEND_HASH_GENESIS, &fields);
  g_autofree char *other_prev = NULL;

  /* Each change of a covered field changes the hash. */
#define ASSERT_CHANGES(statement)                                                                  \
  G_STMT_START                                                                                     \
  {                                                                                                \
    MendFix f2;                                                                                    \
    MendEventFields changed = event_1 (&f2);                                                       \
    g_autofree char *h = NULL;                                                                     \
    statement;                                                                                     \
    h = mend_event_hash (MEND_HASH_GENESIS, &changed);                                             \
    g_assert_cmpstr (h, !=, original);                                                             \
  }                                                                                                \
  G_STMT_END

  ASSERT_CHANGES (changed.seq = 2);
  ASSERT_CHANGES (changed.device_id = "other");
  ASSERT_CHANGES (changed.kind = "attendance.absent");
  ASSERT_CHANGES (changed.session_id = NULL);
  ASSERT_CHANGES (changed.participant_id = "demo-p-cole");
  ASSERT_CHANGES (changed.supervisor_id = NULL);
  ASSERT_CHANGES (changed.recorded_at_ms += 1);
  ASSERT_CHANGES (changed.occurred_at_ms += 1);
  ASSERT_CHANGES (f2.latitude += 1e-7);
  ASSERT_CHANGES (f2.horizontal_error = NAN);
  ASSERT_CHANGES (f2.mode = 0);
  ASSERT_CHANGES (f2.state = MEND_FIX_STATE_STALE);
  ASSERT_CHANGES (f2.satellites = 8);
  ASSERT_CHANGES (f2.age_ms = 351);
  ASSERT_CHANGES (g_strlcpy (f2.note, "x", sizeof f2.note));
  ASSERT_CHANGES ((changed.has_clock_skew = TRUE, changed.clock_skew_ms = 200000));
  ASSERT_CHANGES (changed.payload_json = "{\"x\":1}");
#undef ASSERT_CHANGES

  other_prev = mend_event_hash ("0000000000000000000000000000000000000000000000000000000000000001",
                                &fields);
  g_assert_cmpstr (other_prev, !=, original);
}

static void
test_rounding (void)
{
  g_assert_cmpfloat (mend_canonical_round_degrees (52.40640004), ==, 52.4064);
  g_assert_cmpfloat (mend_canonical_round_metres (4.199), ==, 4.2);
  g_assert_true (isnan (mend_canonical_round_metres (NAN)));
  /* Zero never carries a sign: SQLite gives -0.0 back as 0, and the text must not change. */
  g_assert_false (signbit (mend_canonical_round_metres (-0.004)));
  g_assert_false (signbit (mend_canonical_round_degrees (-0.00000004)));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/canonical/json/sorted-compact", test_json_sorted_compact);
  g_test_add_func ("/canonical/json/escapes", test_json_escapes);
  g_test_add_func ("/canonical/json/refuses-fractions", test_json_refuses_fractions);
  g_test_add_func ("/canonical/event-bytes", test_event_bytes);
  g_test_add_func ("/canonical/hash-chain-vectors", test_hash_chain_vectors);
  g_test_add_func ("/canonical/hash-covers-every-field", test_hash_covers_every_field);
  g_test_add_func ("/canonical/rounding", test_rounding);

  return g_test_run ();
}
