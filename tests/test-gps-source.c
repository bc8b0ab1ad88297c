/* SPDX-License-Identifier: GPL-3.0-or-later */
/* MendGpsSource against a real gpsd fed by gpsfake: what the source publishes, and what the
 * store keeps when a session start or a check-in is recorded with that fix. */
#define G_LOG_DOMAIN "mend-test"

#include "config.h"

#include <math.h>
#include <string.h>

#include "mend-gps-source.h"
#include "mend-rules.h"
#include "mend-store.h"
#include "mend-test-gpsd.h"
#include "mend-test-util.h"
#include "mend-time.h"

/* gpsfake waits this long after each sentence; five sentences an epoch make ten fixes a
 * second, so a scenario needs little more than gpsd's own start-up. */
#define FAST_CYCLE_S 0.02
/* No single wait in these tests should take more than a few seconds; this only stops a broken
 * source from hanging the run. */
#define WAIT_MS 30000

/* The Spring Rise Park outline from data/mend-demo.c, so the store's geofence sees the walk
 * inside its site. */
static const char park_boundary[]
    = "{\"type\":\"Polygon\",\"coordinates\":[[[-0.7081,52.4048],[-0.7046,52.4053],"
      "[-0.7032,52.4071],[-0.7049,52.4082],[-0.7079,52.4077],[-0.7090,52.4060],"
      "[-0.7081,52.4048]]]}";

static const MendTestPoint park_centre = {
  MEND_TEST_PARK_LATITUDE,
  MEND_TEST_PARK_LONGITUDE,
  75.0,
};

/* A name of our own for the rows we keep, so their cleanup cannot clash with one data/ may
 * declare for MendEventRow. */
typedef MendEventRow StoredEvent;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (StoredEvent, mend_event_row_free)

typedef struct _Fixture Fixture;
typedef gboolean (*Condition) (Fixture *f);

struct _Fixture
{
  char *dir;
  MendStore *store;
  MendTestGpsd *gpsd;
  MendGpsSource *source;
  GMainLoop *loop;

  /* What the log holds, to check every fix against. */
  const MendTestPoint *points;
  guint n_points;
  MendTestNmeaOptions options;

  /* What the source said. */
  GString *states; /* the transitions, "disconnected -> no fix -> fix" */
  MendGpsState last_state;
  guint n_fix_signals;
  gint64 last_fix_us;
  gint64 state_changed_us;
  GString *bad_fixes;

  Condition condition;
  gboolean timed_out;
};

static void
setup (Fixture *f, gconstpointer data)
{
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) manifest = NULL;
  JsonObject *site;

  f->dir = mend_test_temp_dir ();
  f->loop = g_main_loop_new (NULL, FALSE);
  f->states = g_string_new (NULL);
  f->bad_fixes = g_string_new (NULL);
  mend_test_nmea_options_init (&f->options);

  /* The test fixture's store, with the demo park as its site. */
  path = g_build_filename (f->dir, "mend.db", NULL);
  f->store = mend_store_open (path, MEND_STORE_OPEN_UNSAFE_NO_SYNC, &error);
  g_assert_no_error (error);
  manifest = mend_test_fixture_manifest (1, 2, mend_time_today_at (9, 0, 0));
  site = json_array_get_object_element (json_object_get_array_member (manifest, "sites"), 0);
  json_object_set_member (site, "boundary", json_from_string (park_boundary, NULL));
  mend_store_apply_reference (f->store, manifest, &error);
  g_assert_no_error (error);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  if (f->source != NULL)
    {
      MendGpsSource *source = f->source;
      gint64 deadline = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;

      g_signal_handlers_disconnect_by_data (source, f);
      mend_gps_source_stop (source);
      g_object_add_weak_pointer (G_OBJECT (source), (gpointer *)&f->source);
      g_object_unref (source);
      /* A connection attempt still under way holds a reference until its answer is back on
       * the main loop; anything longer is a leak. */
      while (f->source != NULL && g_get_monotonic_time () < deadline)
        g_main_context_iteration (NULL, FALSE);
      if (f->source != NULL)
        g_test_fail_printf ("MendGpsSource still alive 2 s after its last unref");
    }
  g_clear_pointer (&f->gpsd, mend_test_gpsd_free);
  g_clear_object (&f->store);
  mend_test_remove_tree (f->dir);
  g_clear_pointer (&f->dir, g_free);
  g_clear_pointer (&f->loop, g_main_loop_unref);
  g_string_free (f->states, TRUE);
  g_string_free (f->bad_fixes, TRUE);
}

/* Waiting ------------------------------------------------------------------------------- */

static void
check_condition (Fixture *f)
{
  if (f->condition != NULL && f->condition (f))
    g_main_loop_quit (f->loop);
}

static gboolean
timed_out_cb (gpointer user_data)
{
  Fixture *f = user_data;

  f->timed_out = TRUE;
  g_main_loop_quit (f->loop);
  return G_SOURCE_REMOVE;
}

/* Conditions that no signal announces, such as a count of connection attempts, are looked at
 * twenty times a second. */
static gboolean
poll_cb (gpointer user_data)
{
  check_condition (user_data);
  return G_SOURCE_CONTINUE;
}

static gboolean
never (Fixture *f)
{
  return FALSE;
}

/* Runs the main loop until @condition holds; after @timeout_ms the test fails, saying what it
 * waited for and where the source stood. */
static gboolean
run_until (Fixture *f, Condition condition, guint timeout_ms, const char *what)
{
  guint timeout_id, poll_id;
  MendFix fix;

  if (condition (f))
    return TRUE;
  f->condition = condition;
  f->timed_out = FALSE;
  timeout_id = g_timeout_add (timeout_ms, timed_out_cb, f);
  poll_id = g_timeout_add (50, poll_cb, f);
  g_main_loop_run (f->loop);
  g_source_remove (poll_id);
  if (!f->timed_out)
    g_source_remove (timeout_id);
  f->condition = NULL;
  if (!f->timed_out || condition == never)
    return TRUE;

  mend_gps_source_get_fix (f->source, &fix);
  g_test_fail_printf ("Timed out after %u ms waiting for %s. States: %s; fix: %s (“%s”); "
                      "%u fixes, %" G_GUINT64_FORMAT " messages, %u connection attempts",
                      timeout_ms, what, f->states->str, mend_fix_state_to_string (fix.state),
                      fix.note, f->n_fix_signals, mend_gps_source_get_n_messages (f->source),
                      mend_gps_source_get_n_connects (f->source));
  return FALSE;
}

static void
run_for (Fixture *f, guint ms)
{
  run_until (f, never, ms, "nothing");
}

/* What the source says --------------------------------------------------------------------- */

/* The point of the log that @fix stands on, or -1. gpsd gets five decimals of minutes, so it
 * reports what the log was asked to say to within 1e-7 degrees. */
static int
find_point (Fixture *f, const MendFix *fix)
{
  for (guint i = 0; i < f->n_points; i++)
    if (fabs (fix->latitude - f->points[i].latitude) < 1e-6
        && fabs (fix->longitude - f->points[i].longitude) < 1e-6)
      return i;
  return -1;
}

static void
fix_cb (MendGpsSource *source, Fixture *f)
{
  MendFix fix;
  gboolean has = mend_gps_source_get_fix (source, &fix);
  int i = -1;

  f->n_fix_signals++;
  f->last_fix_us = g_get_monotonic_time ();
  if (!has || fix.state != MEND_FIX_STATE_FIX || !mend_fix_has_position (&fix))
    g_string_append_printf (f->bad_fixes, "\"fix\" #%u without a current position (%s, “%s”); ",
                            f->n_fix_signals, mend_fix_state_to_string (fix.state), fix.note);
  else if (f->points != NULL && (i = find_point (f, &fix)) < 0)
    g_string_append_printf (f->bad_fixes, "\"fix\" #%u at %.7f, %.7f is not in the log; ",
                            f->n_fix_signals, fix.latitude, fix.longitude);
  else if (f->points != NULL && fix.gnss_time_ms != 0
           && fix.gnss_time_ms != f->options.start_ms + i * 1000)
    g_string_append_printf (f->bad_fixes,
                            "\"fix\" #%u at point %d has time %" G_GINT64_FORMAT
                            ", the log says %" G_GINT64_FORMAT "; ",
                            f->n_fix_signals, i, fix.gnss_time_ms, f->options.start_ms + i * 1000);
  check_condition (f);
}

static void
state_cb (MendGpsSource *source, GParamSpec *pspec, Fixture *f)
{
  MendGpsState state = mend_gps_source_get_state (source);

  if (state != f->last_state)
    {
      g_string_append_printf (f->states, " -> %s", mend_gps_state_to_string (state));
      f->last_state = state;
      f->state_changed_us = g_get_monotonic_time ();
    }
  check_condition (f);
}

static void
start_source (Fixture *f, const char *port, guint stale_after)
{
  f->source = mend_gps_source_new ("127.0.0.1", port);
  if (stale_after != 0)
    mend_gps_source_set_stale_after (f->source, stale_after);
  f->last_state = mend_gps_source_get_state (f->source);
  g_assert_cmpint (f->last_state, ==, MEND_GPS_STATE_DISCONNECTED);
  g_string_assign (f->states, mend_gps_state_to_string (f->last_state));
  g_signal_connect (f->source, "fix", G_CALLBACK (fix_cb), f);
  g_signal_connect (f->source, "notify::state", G_CALLBACK (state_cb), f);
  mend_gps_source_start (f->source);
}

static void
start_gpsd (Fixture *f,
            const MendTestPoint *points,
            guint n_points,
            gboolean with_fix,
            double cycle_s)
{
  g_autofree char *log = g_build_filename (f->dir, "walk.nmea", NULL);
  g_autoptr (GError) error = NULL;

  f->points = with_fix ? points : NULL;
  f->n_points = with_fix ? n_points : 0;
  mend_test_nmea_write_walk (log, points, n_points, with_fix, &f->options, &error);
  g_assert_no_error (error);
  if (f->gpsd == NULL)
    f->gpsd = mend_test_gpsd_new (f->dir, 0);
  mend_test_gpsd_start (f->gpsd, log, cycle_s, &error);
  g_assert_no_error (error);
}

static gboolean
is_fix (Fixture *f)
{
  return mend_gps_source_get_state (f->source) == MEND_GPS_STATE_FIX;
}

static gboolean
is_stale (Fixture *f)
{
  return mend_gps_source_get_state (f->source) == MEND_GPS_STATE_STALE;
}

static gboolean
is_disconnected (Fixture *f)
{
  return mend_gps_source_get_state (f->source) == MEND_GPS_STATE_DISCONNECTED;
}

/* The first reports after gpsd opens the device may lack the time (no RMC seen yet), the
 * satellites (no GSV yet), or even the position or altitude (gpsd says "3D" from a GSA before
 * any GGA; seen mostly on a loaded machine, where sentences of one cycle arrive apart). */
static gboolean
has_complete_fix (Fixture *f)
{
  MendFix fix;

  return mend_gps_source_get_fix (f->source, &fix) && fix.state == MEND_FIX_STATE_FIX
         && fix.mode == 3 && fix.gnss_time_ms != 0 && fix.satellites >= 0
         && !isnan (fix.horizontal_error) && !isnan (fix.altitude);
}

static gboolean
two_attempts (Fixture *f)
{
  return mend_gps_source_get_n_connects (f->source) >= 2;
}

static gboolean
three_attempts (Fixture *f)
{
  return mend_gps_source_get_n_connects (f->source) >= 3;
}

/* Checks a fix with a position against the log: the point it stands on, its time, and the
 * receiver's quality. Returns the point's index. */
static int
assert_fix_matches_log (Fixture *f, const MendFix *fix)
{
  int i = find_point (f, fix);

  g_assert_cmpint (i, >=, 0);
  g_assert_cmpfloat_with_epsilon (fix->latitude, f->points[i].latitude, 1e-6);
  g_assert_cmpfloat_with_epsilon (fix->longitude, f->points[i].longitude, 1e-6);
  g_assert_cmpint (fix->mode, ==, 3);
  g_assert_cmpint (fix->gnss_time_ms, ==, f->options.start_ms + (gint64)i * 1000);
  g_assert_cmpint (fix->satellites, ==, f->options.satellites);
  /* gpsd 3.22 estimates the horizontal error from HDOP alone (times 19 m for a GPS fix). */
  g_assert_false (isnan (fix->horizontal_error));
  g_assert_cmpfloat (fix->horizontal_error, >, 10.0 * f->options.hdop);
  g_assert_cmpfloat (fix->horizontal_error, <, 30.0 * f->options.hdop);
  /* Above mean sea level as in GGA, or above the ellipsoid (plus the geoid separation). */
  g_assert_false (isnan (fix->altitude));
  if (fabs (fix->altitude - f->points[i].altitude) > 0.05)
    g_assert_cmpfloat_with_epsilon (fix->altitude,
                                    f->points[i].altitude + f->options.geoid_separation, 0.05);
  g_assert_cmpint (fix->age_ms, >=, 0);
  return i;
}

/* What the store keeps ------------------------------------------------------------------- */

/* Records @command (freed here) with @fix and returns the stored row. */
static MendEventRow *
record_with_fix (Fixture *f, MendCommand *command, const MendFix *fix, const char *reason)
{
  g_autoptr (GPtrArray) events = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *id = NULL;

  mend_command_set_fix (command, fix);
  if (reason != NULL)
    mend_command_set_geofence_reason (command, reason);
  id = mend_test_record_ok (f->store, command);
  events = mend_store_list_events (f->store, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < events->len; i++)
    {
      MendEventRow *row = g_ptr_array_index (events, i);

      if (g_strcmp0 (row->id, id) == 0)
        return g_ptr_array_steal_index (events, i);
    }
  g_assert_not_reached ();
}

/* Unknown (NaN) stays unknown; known values are kept to the centimetre. */
static void
assert_same_metres (double stored, double taken)
{
  if (isnan (taken))
    g_assert_true (isnan (stored));
  else
    g_assert_cmpfloat_with_epsilon (stored, taken, 0.006);
}

static void
assert_stored_fix (const MendEventRow *row, const MendFix *taken)
{
  const MendFix *stored = &row->fix;

  g_assert_cmpstr (mend_fix_state_to_string (stored->state), ==,
                   mend_fix_state_to_string (taken->state));
  g_assert_cmpstr (stored->note, ==, taken->note);
  if (mend_fix_has_position (taken))
    {
      /* Kept at the canonical precision: 1e-7 degrees, centimetres. */
      g_assert_cmpfloat_with_epsilon (stored->latitude, taken->latitude, 0.6e-7);
      g_assert_cmpfloat_with_epsilon (stored->longitude, taken->longitude, 0.6e-7);
      assert_same_metres (stored->altitude, taken->altitude);
      assert_same_metres (stored->horizontal_error, taken->horizontal_error);
      g_assert_cmpint (stored->mode, ==, taken->mode);
      g_assert_cmpint (stored->gnss_time_ms, ==, taken->gnss_time_ms);
      g_assert_cmpint (stored->satellites, ==, taken->satellites);
      g_assert_cmpint (stored->age_ms, ==, taken->age_ms);
    }
  else
    {
      g_assert_true (isnan (stored->latitude));
      g_assert_true (isnan (stored->longitude));
      g_assert_cmpint (stored->mode, ==, 0);
      g_assert_cmpint (stored->gnss_time_ms, ==, 0);
      g_assert_cmpint (stored->satellites, ==, -1);
      g_assert_cmpint (stored->age_ms, ==, -1);
    }
}

/* The geofence verdict the store wrote into the event's payload. */
static char *
stored_verdict (const MendEventRow *row, gint64 *out_distance_m)
{
  g_autoptr (JsonNode) node = json_from_string (row->payload, NULL);
  JsonObject *payload, *geofence;

  g_assert_nonnull (node);
  payload = json_node_get_object (node);
  g_assert_true (json_object_has_member (payload, "geofence"));
  geofence = json_object_get_object_member (payload, "geofence");
  if (out_distance_m != NULL)
    *out_distance_m = json_object_get_int_member_with_default (geofence, "distance_m", -1);
  return g_strdup (json_object_get_string_member_with_default (geofence, "verdict", ""));
}

static void
assert_verdict (const MendEventRow *row, const char *expected)
{
  g_autofree char *verdict = stored_verdict (row, NULL);

  g_assert_cmpstr (verdict, ==, expected);
}

/* a. A walk inside the park ------------------------------------------------------------ */

static void
test_walk_in_park (Fixture *f, gconstpointer data)
{
  MendTestPoint points[20];
  g_autoptr (StoredEvent) start = NULL;
  g_autoptr (StoredEvent) check_in = NULL;
  MendFix fix;
  int i;

  mend_test_walk_circle (&park_centre, 40.0, points, G_N_ELEMENTS (points));
  start_gpsd (f, points, G_N_ELEMENTS (points), TRUE, FAST_CYCLE_S);
  start_source (f, mend_test_gpsd_get_port_string (f->gpsd), 0);

  if (!run_until (f, has_complete_fix, WAIT_MS, "a 3D fix with time and satellites"))
    return;
  g_assert_true (mend_gps_source_get_fix (f->source, &fix));
  g_assert_cmpint (fix.state, ==, MEND_FIX_STATE_FIX);
  g_assert_cmpstr (fix.note, ==, "");
  i = assert_fix_matches_log (f, &fix);
  g_assert_cmpint (fix.age_ms, <, 2000);
  g_test_message ("fix at point %d: eph %.1f m from HDOP %.1f, altitude %.2f m, %d satellites; "
                  "states: %s",
                  i, fix.horizontal_error, f->options.hdop, fix.altitude, fix.satellites,
                  f->states->str);

  g_assert_cmpint (mend_gps_source_get_state (f->source), ==, MEND_GPS_STATE_FIX);
  g_assert_cmpuint (mend_gps_source_get_n_connects (f->source), ==, 1);
  g_assert_cmpuint (mend_gps_source_get_n_messages (f->source), >, f->n_fix_signals);
  g_assert_null (strstr (f->states->str, "-> disconnected"));
  g_assert_cmpstr (f->bad_fixes->str, ==, "");

  start = record_with_fix (f, mend_command_start_session ("s00000"), &fix, NULL);
  assert_stored_fix (start, &fix);
  assert_verdict (start, "inside");

  run_for (f, 300);
  g_assert_true (mend_gps_source_get_fix (f->source, &fix));
  check_in = record_with_fix (f, mend_command_check_in ("s00000", "p00000-00"), &fix, NULL);
  assert_stored_fix (check_in, &fix);
  assert_verdict (check_in, "inside");
  g_assert_cmpstr (f->bad_fixes->str, ==, "");
}

/* b. A kilometre south of the park ----------------------------------------------------- */

static void
test_outside (Fixture *f, gconstpointer data)
{
  MendTestPoint south = mend_test_point_offset (&park_centre, -1000.0, 0.0);
  MendTestPoint points[5];
  g_autoptr (MendCommand) refused = mend_command_start_session ("s00000");
  g_autoptr (StoredEvent) start = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *verdict = NULL;
  gint64 distance_m;
  MendFix fix;

  mend_test_walk_circle (&south, 5.0, points, G_N_ELEMENTS (points));
  start_gpsd (f, points, G_N_ELEMENTS (points), TRUE, FAST_CYCLE_S);
  start_source (f, mend_test_gpsd_get_port_string (f->gpsd), 0);

  if (!run_until (f, has_complete_fix, WAIT_MS, "a 3D fix with time and satellites"))
    return;
  g_assert_true (mend_gps_source_get_fix (f->source, &fix));
  g_assert_cmpint (fix.state, ==, MEND_FIX_STATE_FIX);
  assert_fix_matches_log (f, &fix);
  g_assert_cmpfloat (mend_test_distance_m (fix.latitude, fix.longitude, park_centre.latitude,
                                           park_centre.longitude),
                     >, 990.0);
  g_assert_cmpstr (f->bad_fixes->str, ==, "");

  /* Outside the boundary, a start needs the supervisor's reason. */
  mend_command_set_fix (refused, &fix);
  g_assert_null (mend_store_record (f->store, refused, &error));
  g_assert_error (error, MEND_RULE_ERROR, MEND_RULE_OUTSIDE_NEEDS_REASON);

  start = record_with_fix (f, mend_command_start_session ("s00000"), &fix, "Gate locked");
  assert_stored_fix (start, &fix);
  verdict = stored_verdict (start, &distance_m);
  g_assert_cmpstr (verdict, ==, "outside");
  g_test_message ("stored %" G_GINT64_FORMAT " m outside the boundary", distance_m);
  g_assert_cmpint (distance_m, >, 700);
  g_assert_cmpint (distance_m, <, 1000);
}

/* c. A receiver without a fix ----------------------------------------------------------- */

static gboolean
no_fix_reported (Fixture *f)
{
  /* VERSION, DEVICES, WATCH and DEVICE come first; then the receiver's reports. */
  return mend_gps_source_get_state (f->source) == MEND_GPS_STATE_NO_FIX
         && mend_gps_source_get_n_messages (f->source) >= 8;
}

static void
test_no_fix (Fixture *f, gconstpointer data)
{
  g_autoptr (StoredEvent) start = NULL;
  guint64 n_messages;
  MendFix fix;

  start_gpsd (f, NULL, 10, FALSE, FAST_CYCLE_S);
  start_source (f, mend_test_gpsd_get_port_string (f->gpsd), 0);

  if (!run_until (f, no_fix_reported, WAIT_MS, "gpsd's no-fix reports"))
    return;
  n_messages = mend_gps_source_get_n_messages (f->source);
  run_for (f, 1000);
  /* gpsd keeps reporting "no fix" (mode 1), and none of it is a position. */
  g_assert_cmpuint (mend_gps_source_get_n_messages (f->source), >, n_messages + 3);
  g_assert_cmpuint (f->n_fix_signals, ==, 0);
  g_assert_cmpint (mend_gps_source_get_state (f->source), ==, MEND_GPS_STATE_NO_FIX);
  g_assert_cmpstr (f->states->str, ==, "disconnected -> no fix");

  g_assert_false (mend_gps_source_get_fix (f->source, &fix));
  g_assert_cmpint (fix.state, ==, MEND_FIX_STATE_NO_FIX);
  g_assert_cmpstr (fix.note, !=, "");
  g_assert_false (mend_fix_has_position (&fix));
  g_assert_true (isnan (fix.latitude));
  g_assert_cmpint (fix.mode, ==, 0);
  g_test_message ("no fix: “%s”", fix.note);

  start = record_with_fix (f, mend_command_start_session ("s00000"), &fix, NULL);
  assert_stored_fix (start, &fix);
  assert_verdict (start, "unknown");
}

/* d. A log that stops ------------------------------------------------------------------- */

static void
test_stale (Fixture *f, gconstpointer data)
{
  MendTestPoint points[10];
  g_autoptr (StoredEvent) start = NULL;
  gint64 stale_after_ms;
  MendFix fix;

  /* A second of fixes, then four of silence, over and over: gpsd and the connection stay up
   * through the silence and gpsd sends nothing, as when a receiver stops reporting. */
  mend_test_walk_circle (&park_centre, 20.0, points, G_N_ELEMENTS (points));
  f->options.pause_after_s = 4;
  start_gpsd (f, points, G_N_ELEMENTS (points), TRUE, FAST_CYCLE_S);
  start_source (f, mend_test_gpsd_get_port_string (f->gpsd), 1);

  /* Joined in the middle of a round, gpsd may first say "2D" from a lone RMC; a complete fix
   * means a whole round is being followed, whose last point goes stale. */
  if (!run_until (f, has_complete_fix, WAIT_MS, "a 3D fix with time and satellites"))
    return;
  if (!run_until (f, is_stale, 8000, "the fix to go stale"))
    return;
  stale_after_ms = (f->state_changed_us - f->last_fix_us) / 1000;
  g_test_message ("stale %" G_GINT64_FORMAT " ms after the last fix; states: %s", stale_after_ms,
                  f->states->str);
  g_assert_cmpint (stale_after_ms, >=, 1000);
  g_assert_cmpint (stale_after_ms, <, 1500);

  g_assert_true (mend_gps_source_get_fix (f->source, &fix));
  g_assert_cmpint (fix.state, ==, MEND_FIX_STATE_STALE);
  g_assert_cmpint (fix.age_ms, >=, 1000);
  g_assert_cmpstr (fix.note, !=, "");
  g_test_message ("stale: “%s”", fix.note);
  /* The last position before the silence, still whole. */
  g_assert_cmpint (assert_fix_matches_log (f, &fix), ==, G_N_ELEMENTS (points) - 1);
  g_assert_true (mend_test_gpsd_is_running (f->gpsd));
  g_assert_cmpint (mend_gps_source_get_state (f->source), ==, MEND_GPS_STATE_STALE);

  start = record_with_fix (f, mend_command_start_session ("s00000"), &fix, NULL);
  assert_stored_fix (start, &fix);
  assert_verdict (start, "unknown");

  /* The next round of the log brings the fix back. */
  if (!run_until (f, is_fix, 8000, "the fix to come back"))
    return;
  g_assert_cmpstr (f->bad_fixes->str, ==, "");
}

/* e. gpsd goes away and comes back -------------------------------------------------------- */

static void
test_restart (Fixture *f, gconstpointer data)
{
  MendTestPoint points[10];
  g_autoptr (StoredEvent) start = NULL;
  g_autoptr (StoredEvent) check_in = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *address = NULL;
  g_autofree char *log = g_build_filename (f->dir, "walk.nmea", NULL);
  gint64 restarted_us, back_ms;
  MendFix fix;

  mend_test_walk_circle (&park_centre, 20.0, points, G_N_ELEMENTS (points));
  start_gpsd (f, points, G_N_ELEMENTS (points), TRUE, FAST_CYCLE_S);
  start_source (f, mend_test_gpsd_get_port_string (f->gpsd), 0);
  address = g_strdup_printf ("127.0.0.1:%s", mend_test_gpsd_get_port_string (f->gpsd));

  if (!run_until (f, is_fix, WAIT_MS, "a fix"))
    return;

  /* gpsd dies without a word. */
  mend_test_gpsd_kill (f->gpsd);
  if (!run_until (f, is_disconnected, 5000, "the source to notice gpsd has gone"))
    return;
  g_assert_false (mend_gps_source_get_fix (f->source, &fix));
  g_assert_cmpint (fix.state, ==, MEND_FIX_STATE_NO_GPSD);
  g_assert_false (mend_fix_has_position (&fix));
  g_assert_nonnull (strstr (fix.note, address));
  g_test_message ("gpsd gone: “%s”", fix.note);

  start = record_with_fix (f, mend_command_start_session ("s00000"), &fix, NULL);
  assert_stored_fix (start, &fix);
  assert_verdict (start, "unknown");

  /* One attempt finds nobody. The backoff's first second is a whole-second GLib timer, so
   * it comes after one to two seconds. */
  if (!run_until (f, two_attempts, 4000, "a second connection attempt"))
    return;
  run_for (f, 200);
  g_assert_cmpint (mend_gps_source_get_state (f->source), ==, MEND_GPS_STATE_DISCONNECTED);
  g_assert_cmpuint (mend_gps_source_get_n_connects (f->source), >=, 2);
  g_assert_false (mend_gps_source_get_fix (f->source, &fix));
  g_assert_cmpint (fix.state, ==, MEND_FIX_STATE_NO_GPSD);
  g_assert_nonnull (strstr (fix.note, address));

  /* The same gpsd address again. */
  mend_test_gpsd_start (f->gpsd, log, FAST_CYCLE_S, &error);
  g_assert_no_error (error);
  restarted_us = g_get_monotonic_time ();
  if (!run_until (f, is_fix, WAIT_MS, "the fix after gpsd came back"))
    return;
  back_ms = (g_get_monotonic_time () - restarted_us) / 1000;
  g_test_message ("fix again %" G_GINT64_FORMAT " ms after gpsd restarted, %u connection "
                  "attempts; states: %s",
                  back_ms, mend_gps_source_get_n_connects (f->source), f->states->str);
  g_assert_cmpint (back_ms, <, 5000);
  g_assert_cmpuint (mend_gps_source_get_n_connects (f->source), >=, 3);

  g_assert_true (mend_gps_source_get_fix (f->source, &fix));
  g_assert_cmpint (fix.state, ==, MEND_FIX_STATE_FIX);
  g_assert_cmpint (find_point (f, &fix), >=, 0);
  check_in = record_with_fix (f, mend_command_check_in ("s00000", "p00000-00"), &fix, NULL);
  assert_stored_fix (check_in, &fix);
  g_assert_cmpstr (f->bad_fixes->str, ==, "");
}

/* f. No gpsd at all ------------------------------------------------------------------------ */

static void
test_no_gpsd (Fixture *f, gconstpointer data)
{
  g_autofree char *port = g_strdup_printf ("%u", mend_test_free_port ());
  g_autofree char *address = g_strdup_printf ("127.0.0.1:%s", port);
  g_autoptr (StoredEvent) start = NULL;
  gint64 started_us, third_ms;
  guint n_connects;
  MendFix fix;

  start_source (f, port, 0);
  started_us = g_get_monotonic_time ();
  g_assert_false (mend_gps_source_get_fix (f->source, &fix));
  g_assert_cmpint (fix.state, ==, MEND_FIX_STATE_NO_GPSD);
  g_assert_nonnull (strstr (fix.note, address));

  /* Attempts at 0, 1 and 3 s: backing off, not hammering, and not giving up. The backoff
   * uses whole-second GLib timers, which round to a second boundary and may fire up to a
   * quarter of a second early or three quarters late. */
  if (!run_until (f, three_attempts, 6000, "three connection attempts"))
    return;
  third_ms = (g_get_monotonic_time () - started_us) / 1000;
  g_test_message ("third attempt after %" G_GINT64_FORMAT " ms", third_ms);
  g_assert_cmpint (third_ms, >=, 2500);
  g_assert_cmpint (third_ms, <, 5000);
  g_assert_cmpstr (f->states->str, ==, "disconnected");
  g_assert_cmpuint (f->n_fix_signals, ==, 0);

  g_assert_false (mend_gps_source_get_fix (f->source, &fix));
  g_assert_cmpint (fix.state, ==, MEND_FIX_STATE_NO_GPSD);
  g_assert_nonnull (strstr (fix.note, address));
  g_test_message ("no gpsd: “%s”", fix.note);

  start = record_with_fix (f, mend_command_start_session ("s00000"), &fix, NULL);
  assert_stored_fix (start, &fix);
  assert_verdict (start, "unknown");

  /* Stopped, it stops trying. */
  mend_gps_source_stop (f->source);
  n_connects = mend_gps_source_get_n_connects (f->source);
  run_for (f, 1500);
  g_assert_cmpuint (mend_gps_source_get_n_connects (f->source), ==, n_connects);
  g_assert_cmpint (mend_gps_source_get_state (f->source), ==, MEND_GPS_STATE_DISCONNECTED);
}

/* A source started on a thread-default context of its own keeps every source there: its
 * reconnect timer fires on that context, and stop() removes what it attached. */
static void
test_own_context (void)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autofree char *port = g_strdup_printf ("%u", mend_test_free_port ());
  g_autoptr (MendGpsSource) source = NULL;
  gint64 deadline;

  g_main_context_push_thread_default (context);
  source = mend_gps_source_new ("127.0.0.1", port);
  mend_gps_source_start (source);
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (mend_gps_source_get_n_connects (source) < 2 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (context, TRUE);
  g_assert_cmpuint (mend_gps_source_get_n_connects (source), >=, 2);

  /* Nothing of it waits on the global default context. */
  g_assert_false (g_main_context_pending (NULL));

  mend_gps_source_stop (source);
  g_assert_cmpint (mend_gps_source_get_state (source), ==, MEND_GPS_STATE_DISCONNECTED);

  /* A connection attempt still on its thread holds the source until it answers here. */
  {
    MendGpsSource *weak = g_steal_pointer (&source);

    g_object_add_weak_pointer (G_OBJECT (weak), (gpointer *)&weak);
    g_object_unref (weak);
    deadline = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
    while (weak != NULL && g_get_monotonic_time () < deadline)
      if (!g_main_context_iteration (context, FALSE))
        g_usleep (10000);
    g_assert_null (weak);
  }
  g_main_context_pop_thread_default (context);
}

/* The harness itself ------------------------------------------------------------------------ */

static void
test_nmea (void)
{
  /* The textbook GGA sentence and its checksum. */
  const char *textbook = "GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,";
  g_autofree char *sentence = mend_test_nmea_sentence (textbook);
  g_autoptr (GString) out = g_string_new (NULL);
  MendTestPoint west = { 52.4064, -0.7061, 75.3 };
  MendTestPoint south_east = { -33.8688, 151.2093, 3.0 };

  g_assert_cmpuint (mend_test_nmea_checksum (textbook), ==, 0x47);
  g_assert_cmpstr (sentence, ==,
                   "$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47\r\n");

  /* 2026-11-26 12:33:46.50 UTC. */
  mend_test_nmea_append_gga (out, G_GINT64_CONSTANT (1795696426500), &west, 1, 8, 0.9, 47.0);
  g_assert_cmpstr (out->str, ==,
                   "$GPGGA,123346.50,5224.38400,N,00042.36600,W,1,08,0.9,75.3,M,47.0,M,,*42\r\n");
  g_string_truncate (out, 0);
  mend_test_nmea_append_rmc (out, G_GINT64_CONSTANT (1795696426500), &south_east);
  g_assert_true (g_str_has_prefix (out->str, "$GPRMC,123346.50,A,3352.12800,S,15112.55800,E,"));
  g_assert_nonnull (strstr (out->str, ",261126,,,A*"));
  g_string_truncate (out, 0);
  mend_test_nmea_append_rmc (out, G_GINT64_CONSTANT (1795696426500), NULL);
  g_assert_true (g_str_has_prefix (out->str, "$GPRMC,123346.50,V,,,,,,,261126,,,N*"));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/gps-source/nmea", test_nmea);
  g_test_add ("/gps-source/walk-in-park", Fixture, NULL, setup, test_walk_in_park, teardown);
  g_test_add ("/gps-source/outside", Fixture, NULL, setup, test_outside, teardown);
  g_test_add ("/gps-source/no-fix", Fixture, NULL, setup, test_no_fix, teardown);
  g_test_add ("/gps-source/stale", Fixture, NULL, setup, test_stale, teardown);
  g_test_add ("/gps-source/gpsd-restart", Fixture, NULL, setup, test_restart, teardown);
  g_test_add ("/gps-source/no-gpsd", Fixture, NULL, setup, test_no_gpsd, teardown);
  g_test_add_func ("/gps-source/own-context", test_own_context);
  return g_test_run ();
}
