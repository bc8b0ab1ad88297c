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

/* Bump when the generated history changes shape, so an old cached store is not reused. */
#define CACHE_VERSION "v1"
#define CACHE_PREFIX  "mend-roster-"

#define HISTORY_DAYS       2500
#define PEOPLE_PER_SESSION 8
/* Start + 8 × (check-in, brief, check-out) + 34 tallies + end = 60 events a session. */
#define TALLIES_PER_SESSION 34
#define EVENTS_PER_SESSION  (2 + 3 * PEOPLE_PER_SESSION + TALLIES_PER_SESSION)
#define HISTORY_EVENTS      ((gint64)HISTORY_DAYS * EVENTS_PER_SESSION)

#define DEFAULT_REPETITIONS 200
#define N_WARM_UP           5
#define TARGET_MEDIAN_MS    5.0
#define TARGET_RATIO        2.0

static void
record (MendStore *store, MendCommand *command_owned)
{
  g_autoptr (MendCommand) command = command_owned;
  g_autoptr (GError) error = NULL;
  g_autofree char *event_id = mend_store_record (store, command, &error);

  if (event_id == NULL)
    g_error ("Generating the history failed: %s", error->message);
}

/* One day's session as a supervisor records it: everyone arrives and is briefed, the crew's
 * counts go up through the day, everyone leaves, the session ends. */
static void
record_session (MendStore *store, int session)
{
  static const char *const categories[] = { "bags", "bulky", "sharps", "graffiti" };
  static const char *const outcomes[] = { "ATTC", "ATTC", "ATSS", "AFTC" };
  g_autofree char *session_id = mend_test_session_id (session);
  char *people[PEOPLE_PER_SESSION];

  for (int p = 0; p < PEOPLE_PER_SESSION; p++)
    people[p] = mend_test_participant_id (session, p);

  record (store, mend_command_start_session (session_id));
  for (int p = 0; p < PEOPLE_PER_SESSION; p++)
    record (store, mend_command_check_in (session_id, people[p]));
  for (int p = 0; p < PEOPLE_PER_SESSION; p++)
    record (store, mend_command_brief (session_id, people[p]));
  for (int t = 0; t < TALLIES_PER_SESSION; t++)
    record (store,
            mend_command_tally (session_id, categories[t % G_N_ELEMENTS (categories)], 1 + t % 3));
  for (int p = 0; p < PEOPLE_PER_SESSION; p++)
    {
      MendCheckOut details = {
        .outcome = outcomes[(session + p) % G_N_ELEMENTS (outcomes)],
        .quality = "good",
        .behaviour = "good",
      };
      record (store, mend_command_check_out (session_id, people[p], &details));
    }
  record (store, mend_command_end_session (session_id));

  for (int p = 0; p < PEOPLE_PER_SESSION; p++)
    g_free (people[p]);
}

static void
remove_store_files (const char *path)
{
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);

  g_remove (path);
  g_remove (wal);
  g_remove (shm);
}

/* Old caches are a few tens of megabytes each; keep only the one this run uses. */
static void
remove_stale_caches (const char *dir, const char *keep_name)
{
  g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;

  if (listing == NULL)
    return;
  while ((name = g_dir_read_name (listing)) != NULL)
    {
      if (g_str_has_prefix (name, CACHE_PREFIX) && !g_str_has_prefix (name, keep_name))
        {
          g_autofree char *path = g_build_filename (dir, name, NULL);
          g_remove (path);
        }
    }
}

/* The history goes through mend_store_record, the path every real event takes, so the
 * indexes, projections and hash chain look as a year of use leaves them. Only durability is
 * skipped (UNSAFE_NO_SYNC), which changes nothing in the file's contents. */
static void
generate_history (const char *path)
{
  g_autofree char *partial = g_strconcat (path, ".partial", NULL);
  g_autofree char *partial_wal = g_strconcat (partial, "-wal", NULL);
  g_autoptr (MendStore) store = NULL;
  g_autoptr (JsonObject) manifest = NULL;
  g_autoptr (GError) error = NULL;
  double start = mend_bench_now_ms ();

  remove_store_files (partial);
  store = mend_store_open (partial, MEND_STORE_OPEN_UNSAFE_NO_SYNC, &error);
  if (store == NULL)
    g_error ("%s", error->message);

  /* Session i starts i days after the first, so the last one is today at about 09:00. */
  manifest = mend_test_fixture_manifest (HISTORY_DAYS + 1, PEOPLE_PER_SESSION,
                                         mend_time_today_at (9, 0, -HISTORY_DAYS));
  if (!mend_store_apply_reference (store, manifest, &error))
    g_error ("Could not load the reference data: %s", error->message);
  printf ("            reference data (%d sessions, %d people) loaded in %.1f s\n",
          HISTORY_DAYS + 1, (HISTORY_DAYS + 1) * PEOPLE_PER_SESSION,
          (mend_bench_now_ms () - start) / 1000.0);

  for (int s = 0; s < HISTORY_DAYS; s++)
    {
      record_session (store, s);
      if ((s + 1) % 500 == 0)
        {
          double elapsed_s = (mend_bench_now_ms () - start) / 1000.0;
          printf ("            %5d sessions, %6d events, %.1f s\n", s + 1,
                  (s + 1) * EVENTS_PER_SESSION, elapsed_s);
          fflush (stdout);
        }
    }

  /* Closing the last connection checkpoints the log into the file and removes it; only then
   * is the file complete on its own and safe to rename into place. */
  g_clear_object (&store);
  if (g_file_test (partial_wal, G_FILE_TEST_EXISTS))
    g_error ("%s was not checkpointed on close", partial);
  if (g_rename (partial, path) != 0)
    g_error ("Could not rename %s: %s", partial, g_strerror (errno));
}

/* A cached store is used only if it holds what this version generates; an interrupted or
 * damaged one is made again. */
static gboolean
cached_store_is_complete (const char *path, gint64 today_from, gint64 today_to)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MendStore) store = NULL;
  g_autoptr (MendStatus) status = NULL;
  g_autoptr (GPtrArray) today = NULL;

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return FALSE;
  store = mend_store_open (path, MEND_STORE_OPEN_DEFAULT, &error);
  if (store != NULL)
    status = mend_store_get_status (store, &error);
  if (status != NULL)
    today = mend_store_list_sessions (store, today_from, today_to, &error);
  if (today == NULL)
    {
      printf ("            cached store unusable (%s)\n", error->message);
      return FALSE;
    }
  return status->n_events == HISTORY_EVENTS && status->n_sessions == HISTORY_DAYS + 1
         && today->len == 1;
}

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
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *today = g_date_time_format (now, "%Y%m%d");
  g_autofree char *cache_name = NULL;
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

  /* Keyed by today's date too: the history ends with a session today, which tomorrow's
   * roster query would not find. */
  cache_name = g_strdup_printf (CACHE_PREFIX "%s-schema%d-%dx%d-%s.db", CACHE_VERSION,
                                MEND_STORE_SCHEMA_VERSION, HISTORY_DAYS, PEOPLE_PER_SESSION, today);
  big_path = g_build_filename (folder->dir, cache_name, NULL);
  printf ("history:    %s\n", big_path);
  printf ("            %" G_GINT64_FORMAT " events over %d past sessions (%d a session) + "
          "today's session, %d people each\n",
          HISTORY_EVENTS, HISTORY_DAYS, EVENTS_PER_SESSION, PEOPLE_PER_SESSION);
  if (!regenerate && cached_store_is_complete (big_path, today_from, today_to))
    printf ("            reused from the cache (not generated in this run)\n");
  else
    {
      double start = mend_bench_now_ms ();
      double seconds;

      printf ("            generating through mend_store_record (UNSAFE_NO_SYNC)…\n");
      fflush (stdout);
      remove_stale_caches (folder->dir, cache_name);
      remove_store_files (big_path);
      generate_history (big_path);
      seconds = (mend_bench_now_ms () - start) / 1000.0;
      printf ("            generated in %.1f s (%.0f events/s through the record path)\n", seconds,
              HISTORY_EVENTS / seconds);
      if (!cached_store_is_complete (big_path, today_from, today_to))
        g_error ("The generated store %s does not hold what was recorded", big_path);
    }

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
