/* SPDX-License-Identifier: GPL-3.0-or-later */
/* How long the first screen takes on a device that has been used hard for a year: open the
 * store, list today's sessions and today's roster, close. Measured on a store holding about
 * 150,000 events over 2,500 past sessions, against the same on a store holding only today's
 * session, so the ratio shows what the history costs. */
#define G_LOG_DOMAIN "mend-bench"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "mend-bench-util.h"
#include "mend-test-util.h"
#include "mend-time.h"

/* The year of history comes from mend_bench_history_store() (mend-bench-util.c). */
#define PEOPLE_PER_SESSION MEND_BENCH_HISTORY_PEOPLE

#define DEFAULT_REPETITIONS 200
#define N_WARM_UP           5
#define TARGET_MEDIAN_MS    5.0
#define TARGET_RATIO        2.0

static double
open_and_list_today (const char *path, gint64 today_from, gint64 today_to)
{
  g_autoptr (GError) error = NULL;
  double start = mend_bench_now_ms ();
  MendStore *store = mend_store_open (path, MEND_STORE_OPEN_DEFAULT, &error);
  GPtrArray *sessions = NULL;
  GPtrArray *roster = NULL;
  guint n_people;
  double elapsed;

  if (store == NULL)
    g_error ("%s", error->message);
  sessions = mend_store_list_sessions (store, today_from, today_to, &error);
  if (sessions == NULL || sessions->len != 1)
    g_error ("%s: expected one session today: %s", path, error ? error->message : "none");
  roster = mend_store_list_roster (store, ((MendSessionRow *)g_ptr_array_index (sessions, 0))->id,
                                   &error);
  if (roster == NULL)
    g_error ("%s: %s", path, error->message);
  n_people = roster->len;
  g_ptr_array_unref (roster);
  g_ptr_array_unref (sessions);
  g_object_unref (store);
  elapsed = mend_bench_now_ms () - start;

  /* Checked after the clock stops; a wrong roster would make the figure meaningless. */
  if (n_people != PEOPLE_PER_SESSION)
    g_error ("%s: today's roster has %u people, expected %d", path, n_people, PEOPLE_PER_SESSION);
  return elapsed;
}

static double
print_row (const char *label, GArray *samples)
{
  double median = mend_bench_percentile (samples, 50);

  printf ("  %-34s %9.3f %9.3f %9.3f %9.3f\n", label, median, mend_bench_percentile (samples, 99),
          mend_bench_percentile (samples, 0), mend_bench_percentile (samples, 100));
  return median;
}

static gint64
file_size (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (gint64)st.st_size : -1;
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) remaining = NULL;
  int repetitions = DEFAULT_REPETITIONS;
  gboolean regenerate = FALSE;
  const GOptionEntry entries[] = {
    { "repetitions", 'n', 0, G_OPTION_ARG_INT, &repetitions,
      "Timed open+query+close cycles of each store (default 200)", "N" },
    { "regenerate", 0, 0, G_OPTION_ARG_NONE, &regenerate,
      "Generate the year of history again even if it is cached", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &remaining, NULL, "[FOLDER]" },
    { NULL },
  };
  g_autoptr (MendBenchFolder) folder = NULL;
  g_autofree char *big_path = NULL;
  g_autofree char *empty_dir = NULL;
  g_autofree char *empty_path = NULL;
  g_autoptr (GArray) big_ms = NULL;
  g_autoptr (GArray) empty_ms = NULL;
  gint64 today_from, today_to;
  double run_start = mend_bench_now_ms ();
  double big_median, empty_median, ratio;

  g_option_context_set_summary (
      context, "Open + today's sessions + today's roster + close, on a year of history and on "
               "an empty store.\nFOLDER (or $" MEND_BENCH_DIR_ENV ") holds the stores and the "
               "cached history; the default is in the build folder.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (repetitions < 1)
    {
      g_printerr ("--repetitions must be at least 1\n");
      return 2;
    }
  big_ms = g_array_sized_new (FALSE, FALSE, sizeof (double), repetitions);
  empty_ms = g_array_sized_new (FALSE, FALSE, sizeof (double), repetitions);

  folder = mend_bench_folder_choose (remaining ? remaining[0] : NULL, &error);
  if (folder == NULL)
    g_error ("%s", error->message);
  if (!mend_time_local_day_bounds ("today", &today_from, &today_to, &error))
    g_error ("%s", error->message);

  printf ("bench-roster: open + today's sessions + today's roster + close\n");
  mend_bench_folder_print (folder);

  big_path = mend_bench_history_store (folder->dir, regenerate);
  empty_dir = g_build_filename (folder->dir, "roster-empty-XXXXXX", NULL);
  if (g_mkdtemp (empty_dir) == NULL)
    g_error ("Could not create a folder in %s: %s", folder->dir, g_strerror (errno));
  g_object_unref (mend_test_store_new (empty_dir, 1, PEOPLE_PER_SESSION, MEND_STORE_OPEN_DEFAULT));
  empty_path = g_build_filename (empty_dir, "mend.db", NULL);
  printf ("empty:      %s (today's session only, no events)\n", empty_path);
  printf ("sizes:      history %.1f MiB, empty %.1f KiB\n",
          file_size (big_path) / (1024.0 * 1024.0), file_size (empty_path) / 1024.0);
  printf ("page cache: not dropped; both files are warm in memory, as on a device that opened "
          "the store recently\n");

  for (int i = 0; i < N_WARM_UP; i++)
    {
      open_and_list_today (big_path, today_from, today_to);
      open_and_list_today (empty_path, today_from, today_to);
    }
  /* Interleaved, and in alternating order, so neither store always follows the other. */
  for (int i = 0; i < repetitions; i++)
    {
      double big, empty;

      if (i % 2 == 0)
        {
          big = open_and_list_today (big_path, today_from, today_to);
          empty = open_and_list_today (empty_path, today_from, today_to);
        }
      else
        {
          empty = open_and_list_today (empty_path, today_from, today_to);
          big = open_and_list_today (big_path, today_from, today_to);
        }
      g_array_append_val (big_ms, big);
      g_array_append_val (empty_ms, empty);
    }

  printf ("samples:    %d of each after %d warm-ups of each, interleaved\n\n", repetitions,
          N_WARM_UP);
  printf ("  %-34s %9s %9s %9s %9s\n", "", "median ms", "p99 ms", "min ms", "max ms");
  empty_median = print_row ("empty store (today only)", empty_ms);
  big_median = print_row ("year of history (150k events)", big_ms);
  ratio = big_median / empty_median;
  printf ("\nratio history / empty (median): %.2f×  (target ≤ %.0f×: %s)\n", ratio, TARGET_RATIO,
          ratio <= TARGET_RATIO ? "met" : "NOT met");
  printf ("ratio history / empty (p99):    %.2f×\n",
          mend_bench_percentile (big_ms, 99) / mend_bench_percentile (empty_ms, 99));
  printf ("history median %.3f ms  (target < %.0f ms: %s)\n", big_median, TARGET_MEDIAN_MS,
          big_median < TARGET_MEDIAN_MS ? "met" : "NOT met");

  mend_test_remove_tree (empty_dir);
  printf ("run time:   %.1f s\n", (mend_bench_now_ms () - run_start) / 1000.0);
  return 0;
}
