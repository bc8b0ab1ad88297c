/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What following gpsd costs the device: CPU time and wake-ups of the main loop while
 * MendGpsSource follows a 1 Hz gpsfake stream, against an idle main loop measured in the same
 * run for the same time, and while gpsd is connected but sends nothing (a receiver gone
 * quiet). A battery-powered tablet spends its day here, so the target for the quiet case is
 * no wake-ups at all beyond the idle loop's, and for the stream one wake-up per gpsd message
 * at most. */
#define G_LOG_DOMAIN "mend-bench"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "mend-gps-source.h"
#include "mend-test-gpsd.h"
#include "mend-test-util.h"

#define DEFAULT_SECONDS 60
#define WALK_POINTS     60
/* gpsfake sleeps this long after each sentence: one epoch, so one fix, a second. */
#define CYCLE_1HZ (1.0 / MEND_TEST_NMEA_SENTENCES_PER_EPOCH)
#define SETTLE_MS 20000

typedef struct
{
  double cpu_ms;
  gint64 wake_ups;
  gint64 voluntary_switches;
  guint64 messages;
  guint fixes;
  double seconds;
} Sample;

typedef struct
{
  GMainLoop *loop;
  MendGpsSource *source;
  guint n_fixes;
} Bench;

/* Every return from poll() is one wake-up of the main thread. */
static gint64 n_polls;

static int
counting_poll (GPollFD *fds, guint nfds, int timeout)
{
  int result = g_poll (fds, nfds, timeout);

  n_polls++;
  return result;
}

static double
cpu_ms (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000.0
         + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000.0;
}

/* The main thread's own count: /proc/self/status describes the thread group leader. */
static gint64
voluntary_switches (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "\nvoluntary_ctxt_switches:");
  return line != NULL ? g_ascii_strtoll (line + strlen ("\nvoluntary_ctxt_switches:"), NULL, 10)
                      : -1;
}

static void
fix_cb (MendGpsSource *source, Bench *b)
{
  b->n_fixes++;
}

static gboolean
quit_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

/* Runs the main loop for @seconds and says what that cost. The timer that ends the period is
 * itself one wake-up, in every period alike. */
static Sample
measure (Bench *b, guint seconds)
{
  Sample start;
  gint64 started;

  /* Quitting a main loop signals the context's wake-up fd; left pending, it would show up as
   * one wake-up at the start of this period and not of the first one. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  start = (Sample){
    .cpu_ms = cpu_ms (),
    .wake_ups = n_polls,
    .voluntary_switches = voluntary_switches (),
    .messages = b->source ? mend_gps_source_get_n_messages (b->source) : 0,
    .fixes = b->n_fixes,
  };
  started = g_get_monotonic_time ();

  g_timeout_add (seconds * 1000, quit_cb, b->loop);
  g_main_loop_run (b->loop);
  return (Sample){
    .cpu_ms = cpu_ms () - start.cpu_ms,
    .wake_ups = n_polls - start.wake_ups,
    .voluntary_switches = voluntary_switches () - start.voluntary_switches,
    .messages = (b->source ? mend_gps_source_get_n_messages (b->source) : 0) - start.messages,
    .fixes = b->n_fixes - start.fixes,
    .seconds = (g_get_monotonic_time () - started) / (double)G_USEC_PER_SEC,
  };
}

/* Spins the loop until the source is in @state, or gives up after @timeout_ms. */
static gboolean
settle (Bench *b, MendGpsState state, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64)timeout_ms * 1000;

  while (mend_gps_source_get_state (b->source) != state)
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_timeout_add (100, quit_cb, b->loop);
      g_main_loop_run (b->loop);
    }
  return TRUE;
}

static MendGpsSource *
follow (Bench *b, MendTestGpsd *gpsd, guint stale_after)
{
  b->source = mend_gps_source_new ("127.0.0.1", mend_test_gpsd_get_port_string (gpsd));
  mend_gps_source_set_stale_after (b->source, stale_after);
  g_signal_connect (b->source, "fix", G_CALLBACK (fix_cb), b);
  mend_gps_source_start (b->source);
  return b->source;
}

static void
unfollow (Bench *b)
{
  g_signal_handlers_disconnect_by_data (b->source, b);
  mend_gps_source_stop (b->source);
  g_clear_object (&b->source);
}

/* @signed_ shows a plus sign, for differences. */
static void
print_row (const char *label,
           int decimals,
           gboolean signed_,
           double idle,
           double following,
           double quiet)
{
  printf (signed_ ? "  %-44s %+12.*f %+12.*f %+12.*f\n" : "  %-44s %12.*f %12.*f %12.*f\n", label,
          decimals, idle, decimals, following, decimals, quiet);
}

static double
per_second (double value, const Sample *s)
{
  return value / s->seconds;
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_autoptr (GError) error = NULL;
  int seconds = DEFAULT_SECONDS;
  const GOptionEntry entries[] = {
    { "seconds", 's', 0, G_OPTION_ARG_INT, &seconds, "Length of each measured period (default 60)",
      "SECONDS" },
    { NULL },
  };
  g_autofree char *dir = NULL;
  g_autofree char *walk_log = NULL;
  g_autofree char *quiet_log = NULL;
  g_autoptr (MendTestGpsd) stream = NULL;
  g_autoptr (MendTestGpsd) quiet = NULL;
  MendTestPoint centre = { MEND_TEST_PARK_LATITUDE, MEND_TEST_PARK_LONGITUDE, 75.0 };
  MendTestPoint points[WALK_POINTS];
  MendTestNmeaOptions options;
  Bench b = { 0 };
  Sample idle, following, silent;
  double idle_wake_rate;
  gboolean quiet_settled;

  g_option_context_set_summary (context,
                                "Follows a 1 Hz gpsfake stream with MendGpsSource and measures "
                                "CPU time and main-loop wake-ups against an idle main loop.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (seconds < 5)
    {
      g_printerr ("--seconds must be at least 5\n");
      return 2;
    }

  dir = mend_test_temp_dir ();
  b.loop = g_main_loop_new (NULL, FALSE);
  g_main_context_set_poll_func (NULL, counting_poll);

  /* A minute's walk round the park, looped by gpsfake; and for the quiet period, a few fixes
   * and then an hour of silence with gpsd still up. */
  mend_test_walk_circle (&centre, 40.0, points, WALK_POINTS);
  mend_test_nmea_options_init (&options);
  walk_log = g_build_filename (dir, "walk.nmea", NULL);
  if (!mend_test_nmea_write_walk (walk_log, points, WALK_POINTS, TRUE, &options, &error))
    g_error ("%s", error->message);
  options.lead_in_s = 2;
  options.pause_after_s = 3600;
  quiet_log = g_build_filename (dir, "quiet.nmea", NULL);
  if (!mend_test_nmea_write_walk (quiet_log, points, 3, TRUE, &options, &error))
    g_error ("%s", error->message);

  printf ("bench-gps: MendGpsSource following gpsd (gpsfake -c %.1f, one fix a second), %d s "
          "per period\n",
          CYCLE_1HZ, seconds);

  /* 1. The same main loop with nothing attached: what the process costs anyway. */
  idle = measure (&b, seconds);

  /* 2. Following the stream, once the source has its first fix. */
  stream = mend_test_gpsd_new (dir, 0);
  mend_test_gpsd_set_lifetime (stream, seconds + 120);
  if (!mend_test_gpsd_start (stream, walk_log, CYCLE_1HZ, &error))
    g_error ("%s", error->message);
  follow (&b, stream, MEND_GPS_DEFAULT_STALE_AFTER);
  if (!settle (&b, MEND_GPS_STATE_FIX, SETTLE_MS))
    g_error ("No fix from gpsfake within %d s", SETTLE_MS / 1000);
  following = measure (&b, seconds);
  unfollow (&b);
  mend_test_gpsd_stop (stream);

  /* 3. Connected to a gpsd that sends nothing. The staleness watchdog is set to one second
   * and allowed to fire before measuring, so what is left is the cost of merely waiting. */
  quiet = mend_test_gpsd_new (dir, 0);
  mend_test_gpsd_set_lifetime (quiet, seconds + 120);
  if (!mend_test_gpsd_start (quiet, quiet_log, CYCLE_1HZ, &error))
    g_error ("%s", error->message);
  follow (&b, quiet, 1);
  quiet_settled = settle (&b, MEND_GPS_STATE_STALE, SETTLE_MS);
  silent = measure (&b, seconds);
  printf ("  quiet period: gpsd connected, %s\n",
          quiet_settled ? "the last fix gone stale before measuring"
                        : "no fix seen before measuring (joined during the silence)");
  unfollow (&b);
  mend_test_gpsd_stop (quiet);

  printf ("\n  %-44s %12s %12s %12s\n", "", "idle", "following", "quiet");
  print_row ("period (s)", 1, FALSE, idle.seconds, following.seconds, silent.seconds);
  print_row ("CPU ms per hour", 0, FALSE, per_second (idle.cpu_ms, &idle) * 3600,
             per_second (following.cpu_ms, &following) * 3600,
             per_second (silent.cpu_ms, &silent) * 3600);
  print_row ("main-loop wake-ups per second", 3, FALSE, per_second (idle.wake_ups, &idle),
             per_second (following.wake_ups, &following), per_second (silent.wake_ups, &silent));
  print_row ("voluntary context switches per second", 3, FALSE,
             per_second (idle.voluntary_switches, &idle),
             per_second (following.voluntary_switches, &following),
             per_second (silent.voluntary_switches, &silent));
  print_row ("gpsd messages per second", 3, FALSE, 0.0, per_second (following.messages, &following),
             per_second (silent.messages, &silent));
  print_row ("fixes per second", 3, FALSE, 0.0, per_second (following.fixes, &following),
             per_second (silent.fixes, &silent));

  /* Beyond the idle loop's own, one wake-up per gpsd message is the floor when each message
   * comes in its own packet; more means timers or polling of our own. */
  idle_wake_rate = per_second (idle.wake_ups, &idle);
  print_row ("wake-ups beyond one per gpsd message, /s", 3, TRUE, 0.0,
             per_second (following.wake_ups, &following) - idle_wake_rate
                 - per_second (following.messages, &following),
             per_second (silent.wake_ups, &silent) - idle_wake_rate
                 - per_second (silent.messages, &silent));

  /* A wake-up that finds work already waiting returns without sleeping: the main loop woke
   * itself (GLib's own wake-up fd), not the kernel for new data. */
  print_row ("wake-ups that did not sleep, /s", 3, FALSE,
             per_second (idle.wake_ups - idle.voluntary_switches, &idle),
             per_second (following.wake_ups - following.voluntary_switches, &following),
             per_second (silent.wake_ups - silent.voluntary_switches, &silent));

  printf ("\n  following costs %.0f CPU ms per hour over idle (%.2f ms per fix); target for the "
          "quiet column: +0.000 wake-ups\n",
          per_second (following.cpu_ms - following.seconds / idle.seconds * idle.cpu_ms, &following)
              * 3600,
          following.fixes > 0 ? (following.cpu_ms - following.seconds / idle.seconds * idle.cpu_ms)
                                    / following.fixes
                              : 0.0);

  g_main_context_set_poll_func (NULL, NULL);
  g_clear_pointer (&b.loop, g_main_loop_unref);
  g_clear_pointer (&stream, mend_test_gpsd_free);
  g_clear_pointer (&quiet, mend_test_gpsd_free);
  mend_test_remove_tree (dir);
  return 0;
}
