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
