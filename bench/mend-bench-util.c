/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-bench"

#include "config.h"

#include "mend-bench-util.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "mend-store.h"
#include "mend-test-util.h"
#include "mend-time.h"

/* Not every libc exposes <linux/magic.h>; these two values are fixed kernel ABI. */
#define BENCH_TMPFS_MAGIC 0x01021994
#define BENCH_RAMFS_MAGIC 0x858458f6

void
mend_bench_folder_free (MendBenchFolder *folder)
{
  if (folder == NULL)
    return;
  g_free (folder->dir);
  g_free (folder->fs_type);
  g_free (folder->mount_point);
  g_free (folder->source);
  g_free (folder);
}

/* mountinfo escapes spaces and a few other bytes in paths as three octal digits. */
static char *
unescape_mount_field (const char *field)
{
  GString *out = g_string_new (NULL);

  for (const char *p = field; *p != '\0'; p++)
    {
      if (p[0] == '\\' && g_ascii_isdigit (p[1]) && g_ascii_isdigit (p[2])
          && g_ascii_isdigit (p[3]))
        {
          g_string_append_c (out, (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0')));
          p += 3;
        }
      else
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

static gboolean
is_path_prefix (const char *prefix, const char *path)
{
  gsize len = strlen (prefix);

  if (strcmp (prefix, "/") == 0)
    return TRUE;
  return strncmp (prefix, path, len) == 0 && (path[len] == '\0' || path[len] == '/');
}

/* Names the mount holding @dir: the entry with the same device number, and among bind
 * mounts of that device the one whose mount point is the longest prefix of @dir. */
static void
describe_mount (MendBenchFolder *folder, dev_t device)
{
  g_autofree char *contents = NULL;
  g_auto (GStrv) lines = NULL;
  g_autofree char *wanted = g_strdup_printf ("%u:%u", major (device), minor (device));
  gsize best_len = 0;

  if (!g_file_get_contents ("/proc/self/mountinfo", &contents, NULL, NULL))
    return;
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) fields = g_strsplit (lines[i], " ", -1);
      g_autofree char *mount_point = NULL;
      guint n = g_strv_length (fields);
      guint dash = 0;

      if (n < 10 || strcmp (fields[2], wanted) != 0)
        continue;
      /* Optional fields come between the mount options and a lone "-". */
      for (guint f = 6; f < n; f++)
        if (strcmp (fields[f], "-") == 0)
          {
            dash = f;
            break;
          }
      if (dash == 0 || dash + 2 >= n)
        continue;

      mount_point = unescape_mount_field (fields[4]);
      if (folder->mount_point != NULL
          && (!is_path_prefix (mount_point, folder->dir) || strlen (mount_point) <= best_len))
        continue;
      g_free (folder->mount_point);
      g_free (folder->fs_type);
      g_free (folder->source);
      best_len = is_path_prefix (mount_point, folder->dir) ? strlen (mount_point) : 0;
      folder->mount_point = g_steal_pointer (&mount_point);
      folder->fs_type = g_strdup (fields[dash + 1]);
      folder->source = unescape_mount_field (fields[dash + 2]);
    }
}

/**
 * mend_bench_folder_choose:
 * @argument: (nullable): the folder named on the command line
 *
 * Picks the folder for a benchmark's files: @argument, else $MEND_BENCH_DIR, else
 * `bench-data` in the build folder. The build folder is the default rather than the system's
 * temporary folder because /tmp is often tmpfs, where fsync returns at once and every figure
 * here would be meaningless.
 *
 * Returns: (transfer full) (nullable): the folder, created, with what it is mounted on.
 */
MendBenchFolder *
mend_bench_folder_choose (const char *argument, GError **error)
{
  g_autoptr (MendBenchFolder) folder = g_new0 (MendBenchFolder, 1);
  const char *from_env = g_getenv (MEND_BENCH_DIR_ENV);
  const char *requested;
  g_autofree char *real = NULL;
  struct statfs fs;
  GStatBuf st;

  if (argument != NULL && argument[0] != '\0')
    {
      requested = argument;
      folder->chosen_by = "argument";
    }
  else if (from_env != NULL && from_env[0] != '\0')
    {
      requested = from_env;
      folder->chosen_by = "$" MEND_BENCH_DIR_ENV;
    }
  else
    {
      requested = MEND_BENCH_BUILD_DIR G_DIR_SEPARATOR_S "bench-data";
      folder->chosen_by = "default (build dir)";
    }

  if (g_mkdir_with_parents (requested, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Could not create the benchmark folder “%s”: %s", requested, g_strerror (saved));
      return NULL;
    }
  real = realpath (requested, NULL);
  folder->dir = g_strdup (real != NULL ? real : requested);

  if (g_stat (folder->dir, &st) == 0)
    describe_mount (folder, st.st_dev);
  if (statfs (folder->dir, &fs) == 0)
    folder->volatile_fs = (unsigned long)fs.f_type == BENCH_TMPFS_MAGIC
                          || (unsigned long)fs.f_type == BENCH_RAMFS_MAGIC;
  if (folder->fs_type == NULL)
    folder->fs_type = g_strdup (folder->volatile_fs ? "tmpfs or ramfs" : "unknown");
  return g_steal_pointer (&folder);
}

void
mend_bench_folder_print (const MendBenchFolder *folder)
{
  printf ("folder:     %s  [%s]\n", folder->dir, folder->chosen_by);
  printf ("filesystem: %s", folder->fs_type);
  if (folder->source != NULL && folder->mount_point != NULL)
    printf (" (%s mounted at %s)", folder->source, folder->mount_point);
  printf ("\n");
  if (folder->volatile_fs)
    printf ("WARNING:    this folder is in memory (tmpfs/ramfs): fsync costs nothing here, so "
            "the figures say nothing about a real disk. Pass a folder on the device's disk.\n");
}

/**
 * mend_bench_now_ms:
 *
 * Returns: a monotonic time in milliseconds with sub-microsecond resolution; only
 *   differences mean anything.
 */
double
mend_bench_now_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
  double x = *(const double *)a;
  double y = *(const double *)b;

  return (x > y) - (x < y);
}

/**
 * mend_bench_percentile:
 * @samples_ms: (element-type double): the samples; sorted in place
 * @percent: 0 to 100; 0 gives the minimum and 100 the maximum
 *
 * Nearest rank, so the figure is always one that was measured: with 500 samples the p99 is
 * the 495th smallest, which five slower samples sit above.
 */
double
mend_bench_percentile (GArray *samples_ms, double percent)
{
  gsize rank;

  g_return_val_if_fail (samples_ms != NULL && samples_ms->len > 0, 0.0);

  g_array_sort (samples_ms, compare_doubles);
  if (percent <= 0.0)
    return g_array_index (samples_ms, double, 0);
  rank = (gsize)MIN ((double)samples_ms->len, ceil (percent / 100.0 * samples_ms->len));
  return g_array_index (samples_ms, double, MAX (rank, 1) - 1);
}

/* The year of heavy use that bench-roster and the UI benchmarks open (moved here from
 * bench-roster.c so both use one generator). */

/* Bump when the generated history changes shape, so an old cached store is not reused. */
#define HISTORY_CACHE_VERSION "v1"
#define HISTORY_CACHE_PREFIX  "mend-roster-"

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
  char *people[MEND_BENCH_HISTORY_PEOPLE];

  for (int p = 0; p < MEND_BENCH_HISTORY_PEOPLE; p++)
    people[p] = mend_test_participant_id (session, p);

  record (store, mend_command_start_session (session_id));
  for (int p = 0; p < MEND_BENCH_HISTORY_PEOPLE; p++)
    record (store, mend_command_check_in (session_id, people[p]));
  for (int p = 0; p < MEND_BENCH_HISTORY_PEOPLE; p++)
    record (store, mend_command_brief (session_id, people[p]));
  for (int t = 0; t < MEND_BENCH_HISTORY_TALLIES; t++)
    record (store,
            mend_command_tally (session_id, categories[t % G_N_ELEMENTS (categories)], 1 + t % 3));
  for (int p = 0; p < MEND_BENCH_HISTORY_PEOPLE; p++)
    {
      MendCheckOut details = {
        .outcome = outcomes[(session + p) % G_N_ELEMENTS (outcomes)],
        .quality = "good",
        .behaviour = "good",
      };
      record (store, mend_command_check_out (session_id, people[p], &details));
    }
  record (store, mend_command_end_session (session_id));

  for (int p = 0; p < MEND_BENCH_HISTORY_PEOPLE; p++)
    g_free (people[p]);
}

void
mend_bench_remove_store_files (const char *path)
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
      if (g_str_has_prefix (name, HISTORY_CACHE_PREFIX) && !g_str_has_prefix (name, keep_name))
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

  mend_bench_remove_store_files (partial);
  store = mend_store_open (partial, MEND_STORE_OPEN_UNSAFE_NO_SYNC, &error);
  if (store == NULL)
    g_error ("%s", error->message);

  /* Session i starts i days after the first, so the last one is today at about 09:00. */
  manifest = mend_test_fixture_manifest (MEND_BENCH_HISTORY_DAYS + 1, MEND_BENCH_HISTORY_PEOPLE,
                                         mend_time_today_at (9, 0, -MEND_BENCH_HISTORY_DAYS));
  if (!mend_store_apply_reference (store, manifest, &error))
    g_error ("Could not load the reference data: %s", error->message);
  printf ("            reference data (%d sessions, %d people) loaded in %.1f s\n",
          MEND_BENCH_HISTORY_DAYS + 1, (MEND_BENCH_HISTORY_DAYS + 1) * MEND_BENCH_HISTORY_PEOPLE,
          (mend_bench_now_ms () - start) / 1000.0);

  for (int s = 0; s < MEND_BENCH_HISTORY_DAYS; s++)
    {
      record_session (store, s);
      if ((s + 1) % 500 == 0)
        {
          double elapsed_s = (mend_bench_now_ms () - start) / 1000.0;
          printf ("            %5d sessions, %6d events, %.1f s\n", s + 1,
                  (s + 1) * MEND_BENCH_HISTORY_EVENTS_PER_SESSION, elapsed_s);
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
  return status->n_events == MEND_BENCH_HISTORY_EVENTS
         && status->n_sessions == MEND_BENCH_HISTORY_DAYS + 1 && today->len == 1;
}

/**
 * mend_bench_history_store:
 * @dir: the benchmark folder, which keeps the generated store between runs
 * @regenerate: make it again even if a complete one is cached
 *
 * A store holding MEND_BENCH_HISTORY_EVENTS events over MEND_BENCH_HISTORY_DAYS past
 * sessions and one session today at 09:00, recorded through mend_store_record, cached in
 * @dir under a name keyed by the schema and today's date. Prints what it does. Its one
 * supervisor is "sup-1".
 *
 * Returns: (transfer full): the store's path
 */
char *
mend_bench_history_store (const char *dir, gboolean regenerate)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *today = g_date_time_format (now, "%Y%m%d");
  g_autofree char *cache_name = NULL;
  g_autoptr (GError) error = NULL;
  char *big_path;
  gint64 today_from, today_to;

  if (!mend_time_local_day_bounds ("today", &today_from, &today_to, &error))
    g_error ("%s", error->message);
  /* Keyed by today's date too: the history ends with a session today, which tomorrow's
   * roster query would not find. */
  cache_name = g_strdup_printf (HISTORY_CACHE_PREFIX "%s-schema%d-%dx%d-%s.db",
                                HISTORY_CACHE_VERSION, MEND_STORE_SCHEMA_VERSION,
                                MEND_BENCH_HISTORY_DAYS, MEND_BENCH_HISTORY_PEOPLE, today);
  big_path = g_build_filename (dir, cache_name, NULL);
  printf ("history:    %s\n", big_path);
  printf ("            %" G_GINT64_FORMAT " events over %d past sessions (%d a session) + "
          "today's session, %d people each\n",
          MEND_BENCH_HISTORY_EVENTS, MEND_BENCH_HISTORY_DAYS, MEND_BENCH_HISTORY_EVENTS_PER_SESSION,
          MEND_BENCH_HISTORY_PEOPLE);
  if (!regenerate && cached_store_is_complete (big_path, today_from, today_to))
    printf ("            reused from the cache (not generated in this run)\n");
  else
    {
      double start = mend_bench_now_ms ();
      double seconds;

      printf ("            generating through mend_store_record (UNSAFE_NO_SYNC)…\n");
      fflush (stdout);
      remove_stale_caches (dir, cache_name);
      mend_bench_remove_store_files (big_path);
      generate_history (big_path);
      seconds = (mend_bench_now_ms () - start) / 1000.0;
      printf ("            generated in %.1f s (%.0f events/s through the record path)\n", seconds,
              MEND_BENCH_HISTORY_EVENTS / seconds);
      if (!cached_store_is_complete (big_path, today_from, today_to))
        g_error ("The generated store %s does not hold what was recorded", big_path);
    }

  return big_path;
}
