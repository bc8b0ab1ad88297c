/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-gps-settings"

#include "config.h"

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>

#include "mend-gps-source.h"

/* The app's GPS settings: the gpsd address and the staleness limit (org.mendapp.Mend). */

static GSettings *
new_settings (void)
{
  g_autoptr (GSettingsBackend) backend = g_memory_settings_backend_new ();

  return g_settings_new_with_backend ("org.mendapp.Mend", backend);
}

static void
test_defaults (void)
{
  g_autoptr (GSettings) settings = new_settings ();
  g_autoptr (GError) error = NULL;
  g_autoptr (MendGpsSource) source = mend_gps_source_new_for_settings (settings, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (mend_gps_source_get_host (source), ==, "localhost");
  g_assert_cmpstr (mend_gps_source_get_port (source), ==, "2947");
  g_assert_cmpuint (mend_gps_source_get_stale_after (source), ==, MEND_GPS_DEFAULT_STALE_AFTER);
  g_assert_cmpint (mend_gps_source_get_state (source), ==, MEND_GPS_STATE_DISCONNECTED);
}

static void
test_follows_settings (void)
{
  g_autoptr (GSettings) settings = new_settings ();
  g_autoptr (GError) error = NULL;
  g_autoptr (MendGpsSource) source = NULL;

  g_settings_set_string (settings, "gpsd-address", "[::1]:4000");
  g_settings_set_uint (settings, "gps-stale-seconds", 3);
  source = mend_gps_source_new_for_settings (settings, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (mend_gps_source_get_host (source), ==, "::1");
  g_assert_cmpstr (mend_gps_source_get_port (source), ==, "4000");
  g_assert_cmpuint (mend_gps_source_get_stale_after (source), ==, 3);

  /* The staleness limit follows the setting while the source lives. */
  g_settings_set_uint (settings, "gps-stale-seconds", 30);
  g_assert_cmpuint (mend_gps_source_get_stale_after (source), ==, 30);
}

static void
test_bad_address (void)
{
  g_autoptr (GSettings) settings = new_settings ();
  g_autoptr (GError) error = NULL;
  g_autoptr (MendGpsSource) source = NULL;

  g_settings_set_string (settings, "gpsd-address", "localhost:99999");
  source = mend_gps_source_new_for_settings (settings, &error);
  g_assert_null (source);
  g_assert_error (error, MEND_GPS_ERROR, MEND_GPS_ERROR_BAD_ADDRESS);
}

static void
test_parse_address (void)
{
  static const struct
  {
    const char *address;
    const char *host;
    const char *port;
  } good[] = {
    { "localhost:2947", "localhost", "2947" },
    { "gps.depot", "gps.depot", "2947" },
    { "127.0.0.1:1", "127.0.0.1", "1" },
    { "[fe80::1]:2948", "fe80::1", "2948" },
    { "[::1]", "::1", "2947" },
  };
  static const char *const bad[] = {
    "", ":2947", "host:", "host:0", "host:65536", "host:12ab", "[::1", "[]:1", "[::1]x",
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autofree char *host = NULL;
      g_autofree char *port = NULL;
      g_autoptr (GError) error = NULL;

      g_assert_true (mend_gps_parse_address (good[i].address, &host, &port, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (host, ==, good[i].host);
      g_assert_cmpstr (port, ==, good[i].port);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *host = NULL;
      g_autofree char *port = NULL;
      g_autoptr (GError) error = NULL;

      g_assert_false (mend_gps_parse_address (bad[i], &host, &port, &error));
      g_assert_error (error, MEND_GPS_ERROR, MEND_GPS_ERROR_BAD_ADDRESS);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/gps-settings/defaults", test_defaults);
  g_test_add_func ("/gps-settings/follows-settings", test_follows_settings);
  g_test_add_func ("/gps-settings/bad-address", test_bad_address);
  g_test_add_func ("/gps-settings/parse-address", test_parse_address);

  return g_test_run ();
}
