/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-ui-clock"

#include "config.h"

#include <string.h>

#include "mend-gps-source.h"
#include "mend-store-clock.h"
#include "mend-test-gpsd.h"
#include "mend-test-reliability.h"
#include "mend-test-ui.h"
#include "mend-test-util.h"
#include "pages/today/mend-today-page.h"

/* A device whose clock is three years ahead of the satellites, as a real gpsd (played by
 * gpsfake) reports their time: the Today page's status line says so, and a check-in is
 * recorded all the same, carrying how far off the clock was. */

#define THREE_YEARS_MS (3 * 365 * 24 * 3600 * G_GINT64_CONSTANT (1000))

typedef struct
{
  MendTestUi ui;
  char *gps_dir;
  MendTestGpsd *gpsd;
  MendGpsSource *gps;
} Fixture;

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
  MendTestPoint points[] = { park, park, park };
  MendTestNmeaOptions options;
  g_autofree char *log = NULL;
  g_autoptr (GError) error = NULL;

  f->gps_dir = mend_test_temp_dir ();
  log = g_build_filename (f->gps_dir, "years-ago.nmea", NULL);
  mend_test_nmea_options_init (&options);
  /* The satellites' time three years before the device's clock. */
  options.start_ms = (g_get_real_time () / 1000 - THREE_YEARS_MS) / 1000 * 1000;
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

static gboolean
status_mentions_clock (gpointer data)
{
  const char *text = mend_today_page_get_status_text (data);

  return text != NULL && strstr (text, "clock ") != NULL;
}

static void
test_clock_ahead (Fixture *f, gconstpointer data)
{
  MendTestUi *t = &f->ui;
  MendTodayPage *today = MEND_TODAY_PAGE (mend_window_get_page (t->window, "today"));
  g_autoptr (MendTestEventRow) event = NULL;
  g_autoptr (GError) error = NULL;
  MendGpsClock clock;
  const char *text;

  /* The status line is refreshed every few seconds and on every record. */
  mend_test_ui_wait_for (status_mentions_clock, today, 20000);
  text = mend_today_page_get_status_text (today);
  g_test_message ("Today says: %s", text);
  g_assert_nonnull (strstr (text, "clock 3 years"));
  g_assert_nonnull (strstr (text, "fast: set the date and time"));

  /* Records are taken all the same, each saying how far off the clock was. */
  mend_test_ui_start_session (t);
  mend_test_ui_check_in (t, "demo-p-hart");
  event = mend_test_ui_last_event (t);
  g_assert_cmpstr (event->kind, ==, "attendance.checked_in");
  g_assert_true (event->has_clock_skew);
  g_assert_cmpint (event->clock_skew_ms, >, THREE_YEARS_MS - 60000);
  g_assert_cmpint (event->clock_skew_ms, <, THREE_YEARS_MS + 60000);
  g_assert_true (mend_store_get_gps_clock (t->store, &clock, &error));
  g_assert_no_error (error);
  g_assert_true (clock.known);
  g_assert_cmpint (clock.skew_ms, ==, event->clock_skew_ms);
  mend_test_reliability_row ("device clock years wrong", 1, MEND_RELIABILITY_NOTHING_LOST);
}

int
main (int argc, char **argv)
{
  mend_test_ui_init (&argc, &argv);

  g_test_add ("/ui/clock/ahead-of-satellites", Fixture, NULL, fixture_set_up, test_clock_ahead,
              fixture_tear_down);
  return g_test_run ();
}
