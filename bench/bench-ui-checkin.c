/* SPDX-License-Identifier: GPL-3.0-or-later */
/* From tapping Check in to the row showing the new state, on the real Session page (the
 * ui library's MendSessionPage and its rows) in a phone-sized window, over 100 people.
 *
 * The commit runs on the store's worker thread and is left out, as the target says: each tap
 * is timed as the main thread sees it, in two parts:
 *   tap:    from activating "session.check-in" (what the button's click does) until the
 *           action returns, the command handed to the store;
 *   update: from the recorder's "recorded" signal (the commit is done, back on the main
 *           thread) until the first frame painted ("after-paint" of the window's frame clock)
 *           with the row in its new state; this includes waiting for the frame clock's tick.
 * The commit itself (tap returned → recorded), the whole (tap → painted) and the main thread's
 * CPU time over the whole (its work, without its waits) are printed too.
 *
 * Needs a display (run under xvfb-run and dbus-run-session like the tests); without one it
 * says so and exits 77 (skipped). */
#define G_LOG_DOMAIN "mend-bench"

#include "config.h"

#include <adwaita.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>

#include "mend-bench-util.h"
#include "mend-person-row.h"
#include "mend-recorder.h"
#include "mend-session-page.h"
#include "mend-test-util.h"

#define N_TAPS         100
#define PAINT_LIMIT_MS 5000
#define TARGET_P99_MS  16.0

typedef struct
{
  GtkWidget *row;
  gint64 recorded_us;
  gint64 painted_us;
  double painted_cpu_ms;
} Waiting;

/* CPU time of the calling (main) thread: what it spent working, without the time it slept
 * waiting for the commit or for the frame clock's next tick. */
static double
thread_cpu_ms (void)
{
  struct timespec now;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &now);
  return now.tv_sec * 1000.0 + now.tv_nsec / 1e6;
}

static Waiting waiting;

static gboolean
recorded_hook (GSignalInvocationHint *hint, guint n_values, const GValue *values, gpointer data)
{
  if (waiting.recorded_us == 0)
    waiting.recorded_us = g_get_monotonic_time ();
  return TRUE;
}

static void
after_paint_cb (GdkFrameClock *clock, gpointer user_data)
{
  if (waiting.row != NULL && waiting.recorded_us != 0 && waiting.painted_us == 0
      && mend_person_row_get_state (MEND_PERSON_ROW (waiting.row)) == MEND_ATTENDANCE_ON_SITE)
    {
      waiting.painted_us = g_get_monotonic_time ();
      waiting.painted_cpu_ms = thread_cpu_ms ();
    }
}

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *)data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
spin_until (gboolean (*done) (void), guint limit_ms, const char *what)
{
  gboolean timed_out = FALSE;
  guint source = g_timeout_add (limit_ms, timeout_cb, &timed_out);

  while (!done () && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    g_error ("no %s within %u ms", what, limit_ms);
  g_source_remove (source);
}

static void
spin_ms (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, timeout_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static gboolean
painted (void)
{
  return waiting.painted_us != 0;
}

static MendRecorder *idle_recorder;

static gboolean
recorder_idle (void)
{
  return mend_recorder_get_n_pending (idle_recorder) == 0;
}

static void
print_row (const char *label, GArray *samples)
{
  printf ("  %-40s %8.3f %8.3f %8.3f %8.3f\n", label, mend_bench_percentile (samples, 50),
          mend_bench_percentile (samples, 99), mend_bench_percentile (samples, 0),
          mend_bench_percentile (samples, 100));
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MendBenchFolder) folder = NULL;
  g_autoptr (GSettingsBackend) backend = NULL;
  g_autoptr (GSettings) settings = NULL;
  g_autoptr (MendStore) store = NULL;
  g_autoptr (MendRecorder) recorder = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *session_id = NULL;
  g_autoptr (GArray) tap_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) update_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) main_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) commit_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) whole_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) cpu_ms = g_array_new (FALSE, FALSE, sizeof (double));
  GtkWidget *window;
  GtkWidget *page;
  double p99;

  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      printf ("bench-ui-checkin: no display; run it under xvfb-run (and dbus-run-session), as "
              "the tests run\n");
      return 77;
    }
  folder = mend_bench_folder_choose (argc > 1 ? argv[1] : NULL, &error);
  if (folder == NULL)
    g_error ("%s", error->message);
  gtk_init ();
  adw_init ();

  printf ("bench-ui-checkin: tap Check in → row painted in its new state, %d people, real "
          "Session page\n",
          N_TAPS);
  mend_bench_folder_print (folder);
  printf ("renderer:   GSK_RENDERER=%s\n",
          g_getenv ("GSK_RENDERER") ? g_getenv ("GSK_RENDERER") : "(GTK's choice)");

  /* One session today with N_TAPS people, on the disk being measured (commits are real). */
  dir = g_build_filename (folder->dir, "ui-checkin-XXXXXX", NULL);
  if (g_mkdtemp (dir) == NULL)
    g_error ("Could not create a folder in %s: %s", folder->dir, g_strerror (errno));
  store = mend_test_store_new (dir, 1, N_TAPS, MEND_STORE_OPEN_DEFAULT);
  session_id = mend_test_session_id (0);

  backend = g_memory_settings_backend_new ();
  settings = g_settings_new_with_backend (MEND_APPLICATION_ID, backend);
  recorder = mend_recorder_new (store, NULL);
  /* The fixture's supervisor has no PIN: unlocking is not what is measured here. */
  mend_recorder_set_supervisor (recorder, "sup-1", "Test Supervisor");
  idle_recorder = recorder;

  page = g_object_new (MEND_TYPE_SESSION_PAGE, NULL);
  mend_session_page_setup (MEND_SESSION_PAGE (page), recorder, settings);
  mend_session_page_set_session (MEND_SESSION_PAGE (page), session_id);
  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 360, 720);
  gtk_window_set_child (GTK_WINDOW (window), page);
  gtk_window_present (GTK_WINDOW (window));
  spin_ms (500);

  gtk_widget_activate_action (page, "session.start", NULL);
  spin_until (recorder_idle, 10000, "session start");
  spin_ms (200);

  g_signal_add_emission_hook (g_signal_lookup ("recorded", MEND_TYPE_RECORDER), 0, recorded_hook,
                              NULL, NULL);
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint", G_CALLBACK (after_paint_cb),
                    NULL);

  for (int p = 0; p < N_TAPS; p++)
    {
      g_autofree char *person = mend_test_participant_id (0, p);
      GtkWidget *row = mend_session_page_get_person_row (MEND_SESSION_PAGE (page), person);
      gint64 tap_us, returned_us;
      double value, tap_cpu_ms;

      if (row == NULL)
        g_error ("no row for %s", person);
      waiting = (Waiting){ .row = row };
      tap_cpu_ms = thread_cpu_ms ();
      tap_us = g_get_monotonic_time ();
      gtk_widget_activate_action (page, "session.check-in", "s", person);
      returned_us = g_get_monotonic_time ();
      spin_until (painted, PAINT_LIMIT_MS, "frame with the row checked in");

      value = (returned_us - tap_us) / 1000.0;
      g_array_append_val (tap_ms, value);
      value = (waiting.painted_us - waiting.recorded_us) / 1000.0;
      g_array_append_val (update_ms, value);
      value = (returned_us - tap_us + waiting.painted_us - waiting.recorded_us) / 1000.0;
      g_array_append_val (main_ms, value);
      value = (waiting.recorded_us - returned_us) / 1000.0;
      g_array_append_val (commit_ms, value);
      value = (waiting.painted_us - tap_us) / 1000.0;
      g_array_append_val (whole_ms, value);
      value = waiting.painted_cpu_ms - tap_cpu_ms;
      g_array_append_val (cpu_ms, value);

      /* Quiet between taps, as between two people arriving. */
      spin_until (recorder_idle, 10000, "idle recorder");
      spin_ms (30);
    }
  waiting = (Waiting){ 0 };

  printf ("samples:    %d taps, one per person\n\n", N_TAPS);
  printf ("  %-40s %8s %8s %8s %8s\n", "", "p50 ms", "p99 ms", "min ms", "max ms");
  print_row ("tap (action → command handed over)", tap_ms);
  print_row ("update (recorded → row painted)", update_ms);
  print_row ("main thread: tap + update", main_ms);
  print_row ("commit on the worker (not counted)", commit_ms);
  print_row ("whole: tap → row painted", whole_ms);
  print_row ("main-thread CPU time, tap → painted", cpu_ms);
  p99 = mend_bench_percentile (main_ms, 99);
  printf ("\nmain-thread p99 %.3f ms  (target < %.0f ms, one frame: %s)\n", p99, TARGET_P99_MS,
          p99 < TARGET_P99_MS ? "met" : "NOT met");

  gtk_window_destroy (GTK_WINDOW (window));
  spin_ms (100);
  g_clear_object (&recorder);
  g_clear_object (&store);
  mend_test_remove_tree (dir);
  return 0;
}
