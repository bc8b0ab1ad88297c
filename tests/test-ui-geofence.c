/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-ui-geofence"

#include "config.h"

#include <string.h>

#include "mend-gps-source.h"
#include "mend-test-gpsd.h"
#include "mend-test-ui.h"
#include "mend-test-util.h"
#include "pages/session/mend-session-page.h"

/* The session page against a real gpsd played by gpsfake: a fix 800 m north of Spring Rise
 * Park, outside its boundary, so starting and checking in ask for a reason. */

typedef struct
{
  MendTestUi ui;
  char *gps_dir;
  MendTestGpsd *gpsd;
  MendGpsSource *gps;
} Fixture;

/* The first reports from gpsd can be partial ("3D" before any position): wait for a fix with
 * a position in it. */
static gboolean
has_fix (gpointer data)
{
  MendFix fix;

  return mend_gps_source_get_state (data) == MEND_GPS_STATE_FIX
         && mend_gps_source_get_fix (data, &fix) && mend_fix_has_position (&fix);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  MendTestPoint park = { MEND_TEST_PARK_LATITUDE, MEND_TEST_PARK_LONGITUDE, 80.0 };
  MendTestPoint points[3];
  MendTestNmeaOptions options;
  g_autofree char *log = NULL;
  g_autoptr (GError) error = NULL;

  f->gps_dir = mend_test_temp_dir ();
  log = g_build_filename (f->gps_dir, "outside.nmea", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (points); i++)
    points[i] = mend_test_point_offset (&park, 800.0, 0.0);
  mend_test_nmea_options_init (&options);
  options.start_ms = (g_get_real_time () / 1000) / 1000 * 1000;
  mend_test_nmea_write_walk (log, points, G_N_ELEMENTS (points), TRUE, &options, &error);
  g_assert_no_error (error);
  f->gpsd = mend_test_gpsd_new (f->gps_dir, 0);
  mend_test_gpsd_start (f->gpsd, log, 1.0 / MEND_TEST_NMEA_SENTENCES_PER_EPOCH, &error);
  g_assert_no_error (error);

  f->gps = mend_gps_source_new ("127.0.0.1", mend_test_gpsd_get_port_string (f->gpsd));
  mend_gps_source_start (f->gps);
  mend_test_ui_wait_for (has_fix, f->gps, 20000);

  mend_test_ui_open_with_gps (&f->ui, f->gps);
  mend_test_ui_unlock (&f->ui, "sup-ana", "2468");
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  mend_test_ui_close (&f->ui);
  mend_gps_source_stop (f->gps);
  g_clear_object (&f->gps);
  mend_test_gpsd_free (f->gpsd);
  mend_test_remove_tree (f->gps_dir);
  g_free (f->gps_dir);
}

static void
test_outside_needs_reason (Fixture *f, gconstpointer data)
{
  MendTestUi *t = &f->ui;
  MendSessionPage *page = MEND_SESSION_PAGE (mend_window_get_page (t->window, "session"));
  g_autoptr (MendTestEventRow) event = NULL;
  g_autoptr (MendTestRosterRow) row = NULL;

  mend_test_ui_activate (GTK_WIDGET (t->window), "win.open-session", "s", t->session_id);
  /* The verdict is on screen before anything is recorded, with a place for the reason. */
  g_assert_true (mend_session_page_get_reason_shown (page));

  /* Without a reason the start is refused by the shared rule, by name; nothing is recorded. */
  mend_test_ui_activate (GTK_WIDGET (page), "session.start", NULL);
  mend_test_ui_wait_idle (t);
  g_assert_nonnull (strstr (mend_session_page_get_message (page), "geofence.outside-needs-reason"));
  g_assert_cmpuint (mend_test_ui_count_events (t, "session.started"), ==, 0);

  mend_session_page_set_reason (page, "Park gate locked; briefing at the car park");
  mend_test_ui_activate (GTK_WIDGET (page), "session.start", NULL);
  mend_test_ui_wait_idle (t);
  event = mend_test_ui_last_event (t);
  g_assert_cmpstr (event->kind, ==, "session.started");
  g_assert_cmpint (event->fix.state, ==, MEND_FIX_STATE_FIX);
  g_assert_nonnull (strstr (event->payload, "\"verdict\":\"outside\""));
  g_assert_nonnull (strstr (event->payload, "Park gate locked"));
  g_clear_pointer (&event, mend_event_row_free);

  /* Check-in outside takes the same reason. */
  mend_test_ui_check_in (t, "demo-p-hart");
  event = mend_test_ui_last_event (t);
  g_assert_cmpstr (event->kind, ==, "attendance.checked_in");
  g_assert_cmpint (event->fix.state, ==, MEND_FIX_STATE_FIX);
  g_assert_cmpfloat_with_epsilon (event->fix.latitude, MEND_TEST_PARK_LATITUDE + 0.0072, 0.001);

  /* With the reason cleared, the store refuses the next check-in and the page says why. */
  mend_session_page_set_reason (page, "");
  mend_test_ui_activate (GTK_WIDGET (page), "session.check-in", "s", "demo-p-cole");
  mend_test_ui_wait_idle (t);
  g_assert_nonnull (strstr (mend_session_page_get_message (page), "geofence.outside-needs-reason"));
  row = mend_test_ui_roster_row (t, "demo-p-cole");
  g_assert_cmpint (row->state, ==, MEND_ATTENDANCE_EXPECTED);
}

int
main (int argc, char **argv)
{
  mend_test_ui_init (&argc, &argv);

  g_test_add ("/ui/geofence/outside-needs-reason", Fixture, NULL, fixture_set_up,
              test_outside_needs_reason, fixture_tear_down);
  return g_test_run ();
}
