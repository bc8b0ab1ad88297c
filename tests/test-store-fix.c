/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-store-fix"

#include "config.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "mend-rules.h"
#include "mend-store.h"
#include "mend-test-util.h"
#include "mend-time.h"

/* What a record keeps of its fix: the position, the state and why, clock skew, and for
 * session starts and check-ins the geofence verdict. The fixture's site is the square from
 * 0° to 1° of latitude and longitude. */

typedef MendTestFixture Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  mend_test_fixture_open (f, 1, 3);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  mend_test_fixture_close (f);
}

static MendFix
fix_at (double lat, double lon, double error_m)
{
  MendFix fix;

  mend_fix_init (&fix, MEND_FIX_STATE_FIX, NULL);
  fix.mode = 3;
  fix.latitude = lat;
  fix.longitude = lon;
  fix.altitude = 71.5;
  fix.horizontal_error = error_m;
  fix.gnss_time_ms = mend_time_now_ms () - 400;
  fix.satellites = 9;
  fix.age_ms = 400;
  return fix;
}

static MendEventRow *
last_event (Fixture *f, GPtrArray **out_events)
{
  g_autoptr (GError) error = NULL;

  *out_events = mend_store_list_events (f->store, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint ((*out_events)->len, >, 0);
  return g_ptr_array_index (*out_events, (*out_events)->len - 1);
}

static JsonObject *
geofence_of (MendEventRow *row, JsonParser *parser)
{
  g_autoptr (GError) error = NULL;

  json_parser_load_from_data (parser, row->payload, -1, &error);
  g_assert_no_error (error);
  return json_object_get_object_member (json_node_get_object (json_parser_get_root (parser)),
                                        "geofence");
}

static char *
record (Fixture *f, MendCommand *command, const MendFix *fix, const char *reason, GError **error)
{
  g_autoptr (MendCommand) owned = command;

  mend_command_set_fix (command, fix);
  mend_command_set_geofence_reason (command, reason);
  return mend_store_record (f->store, command, error);
}

static void
test_inside (Fixture *f, gconstpointer data)
{
  MendFix fix = fix_at (0.5, 0.5, 5);
  g_autoptr (GPtrArray) events = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *id = record (f, mend_command_start_session ("s00000"), &fix, NULL, &error);
  MendEventRow *row;
  JsonObject *geofence;

  g_assert_no_error (error);
  row = last_event (f, &events);
  g_assert_cmpint (row->fix.state, ==, MEND_FIX_STATE_FIX);
  g_assert_cmpfloat_with_epsilon (row->fix.latitude, 0.5, 1e-9);
  g_assert_cmpint (row->fix.satellites, ==, 9);
  g_assert_cmpint (row->fix.age_ms, ==, 400);
  g_assert_false (row->has_clock_skew);
  geofence = geofence_of (row, parser);
  g_assert_cmpstr (json_object_get_string_member (geofence, "verdict"), ==, "inside");
  /* Half a degree of latitude from the nearest edge: about 55.6 km. */
  g_assert_cmpint (json_object_get_int_member (geofence, "distance_m"), >, 55000);
}

static void
test_outside_needs_reason (Fixture *f, gconstpointer data)
{
  MendFix inside = fix_at (0.5, 0.5, 5);
  MendFix outside = fix_at (-0.01, 0.5, 20); /* about 1.1 km south of the edge */
  MendFix near = fix_at (-0.0001, 0.5, 20);  /* about 11 m south, within the 20 m error */
  g_autofree char *p0 = mend_test_participant_id (0, 0);
  g_autofree char *p1 = mend_test_participant_id (0, 1);
  g_autoptr (GPtrArray) events = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *start = record (f, mend_command_start_session ("s00000"), &inside, NULL, &error);
  g_autofree char *refused = NULL;
  g_autofree char *kept = NULL;
  g_autofree char *near_id = NULL;
  JsonObject *geofence;

  g_assert_no_error (error);
  refused = record (f, mend_command_check_in ("s00000", p0), &outside, "  ", &error);
  g_assert_null (refused);
  g_assert_error (error, MEND_RULE_ERROR, MEND_RULE_OUTSIDE_NEEDS_REASON);
  g_clear_error (&error);

  kept = record (f, mend_command_check_in ("s00000", p0), &outside, "Met at the gate", &error);
  g_assert_no_error (error);
  geofence = geofence_of (last_event (f, &events), parser);
  g_assert_cmpstr (json_object_get_string_member (geofence, "verdict"), ==, "outside");
  g_assert_cmpint (json_object_get_int_member (geofence, "distance_m"), >, 1000);
  g_assert_cmpstr (json_object_get_string_member (geofence, "reason"), ==, "Met at the gate");
  g_clear_pointer (&events, g_ptr_array_unref);

  /* Near: outside by less than the fix's error, so no reason is asked. */
  near_id = record (f, mend_command_check_in ("s00000", p1), &near, NULL, &error);
  g_assert_no_error (error);
  geofence = geofence_of (last_event (f, &events), parser);
  g_assert_cmpstr (json_object_get_string_member (geofence, "verdict"), ==, "near");
}

static void
test_no_fix_asks_nothing (Fixture *f, gconstpointer data)
{
  MendFix none;
  MendFix stale = fix_at (-0.5, 0.5, 5); /* far outside, but stale */
  g_autofree char *p0 = mend_test_participant_id (0, 0);
  g_autoptr (GPtrArray) events = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *start = NULL;
  g_autofree char *check_in = NULL;
  MendEventRow *row;
  JsonObject *geofence;

  mend_fix_init (&none, MEND_FIX_STATE_NO_GPSD, "gpsd is not reachable at localhost:2947");
  start = record (f, mend_command_start_session ("s00000"), &none, NULL, &error);
  g_assert_no_error (error);
  row = last_event (f, &events);
  g_assert_cmpint (row->fix.state, ==, MEND_FIX_STATE_NO_GPSD);
  g_assert_cmpstr (row->fix.note, ==, "gpsd is not reachable at localhost:2947");
  g_assert_true (isnan (row->fix.latitude));
  geofence = geofence_of (row, parser);
  g_assert_cmpstr (json_object_get_string_member (geofence, "verdict"), ==, "unknown");
  g_clear_pointer (&events, g_ptr_array_unref);

  stale.state = MEND_FIX_STATE_STALE;
  stale.age_ms = 42000;
  g_strlcpy (stale.note, "the last fix is 42 s old (limit 10 s)", sizeof stale.note);
  check_in = record (f, mend_command_check_in ("s00000", p0), &stale, NULL, &error);
  g_assert_no_error (error);
  row = last_event (f, &events);
  g_assert_cmpint (row->fix.state, ==, MEND_FIX_STATE_STALE);
  g_assert_cmpint (row->fix.age_ms, ==, 42000);
  g_assert_cmpfloat_with_epsilon (row->fix.latitude, -0.5, 1e-9);
  g_assert_cmpstr (json_object_get_string_member (geofence_of (row, parser), "verdict"), ==,
                   "unknown");
}

static void
test_clock_skew (Fixture *f, gconstpointer data)
{
  MendFix fix = fix_at (0.5, 0.5, 5);
  g_autoptr (GPtrArray) events = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *id = NULL;
  MendEventRow *row;

  /* The satellites say it is ten minutes earlier than the device thinks. */
  fix.gnss_time_ms = mend_time_now_ms () - 10 * 60 * 1000;
  fix.age_ms = 0;
  id = record (f, mend_command_start_session ("s00000"), &fix, NULL, &error);
  g_assert_no_error (error);
  row = last_event (f, &events);
  g_assert_true (row->has_clock_skew);
  g_assert_cmpint (row->clock_skew_ms, >=, 10 * 60 * 1000);
  g_assert_cmpint (row->clock_skew_ms, <, 10 * 60 * 1000 + 5000);
  g_assert_true (mend_store_verify (f->store, NULL, &error));
}

/* At sea level, on the equator or on the prime meridian, values round to a zero that must
 * read back exactly as it was hashed. */
static void
test_signed_zero_verifies (Fixture *f, gconstpointer data)
{
  MendFix fix = fix_at (0.5, 0.5, 5);
  g_autoptr (GError) error = NULL;
  g_autofree char *start = NULL;
  g_autofree char *tally = NULL;

  fix.altitude = -0.004;
  fix.horizontal_error = -0.001;
  start = record (f, mend_command_start_session ("s00000"), &fix, NULL, &error);
  g_assert_no_error (error);
  fix.latitude = -0.00000004;
  fix.longitude = -0.00000001;
  tally = record (f, mend_command_tally ("s00000", "bags", 1), &fix, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (mend_store_verify (f->store, NULL, &error));
  g_assert_no_error (error);
}

static void
test_skew_rule (void)
{
  MendFix fix;
  gint64 skew = 0;

  mend_fix_init (&fix, MEND_FIX_STATE_FIX, NULL);
  fix.mode = 2;
  fix.latitude = 1;
  fix.longitude = 1;
  fix.gnss_time_ms = 1000000;
  fix.age_ms = 500;
  g_assert_false (mend_fix_clock_skew_ms (&fix, 1000500 + MEND_CLOCK_SKEW_LIMIT_MS, &skew));
  g_assert_true (mend_fix_clock_skew_ms (&fix, 1000501 + MEND_CLOCK_SKEW_LIMIT_MS, &skew));
  g_assert_cmpint (skew, ==, MEND_CLOCK_SKEW_LIMIT_MS + 1);
  g_assert_true (mend_fix_clock_skew_ms (&fix, 1000500 - MEND_CLOCK_SKEW_LIMIT_MS - 1, &skew));
  g_assert_cmpint (skew, ==, -MEND_CLOCK_SKEW_LIMIT_MS - 1);
  fix.gnss_time_ms = 0;
  g_assert_false (mend_fix_clock_skew_ms (&fix, 0, &skew));
  mend_fix_init (&fix, MEND_FIX_STATE_NO_FIX, NULL);
  g_assert_false (mend_fix_clock_skew_ms (&fix, 0, &skew));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/store-fix/inside", test_inside);
  ADD ("/store-fix/outside-needs-reason", test_outside_needs_reason);
  ADD ("/store-fix/no-fix-asks-nothing", test_no_fix_asks_nothing);
  ADD ("/store-fix/clock-skew", test_clock_skew);
  ADD ("/store-fix/signed-zero-verifies", test_signed_zero_verifies);
#undef ADD
  g_test_add_func ("/store-fix/skew-rule", test_skew_rule);

  return g_test_run ();
}
