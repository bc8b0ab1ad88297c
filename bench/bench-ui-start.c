/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Cold start and memory of the real `mend` binary on a year of heavy use, against a bare
 * libadwaita window (bare-adw-window) started the same way.
 *
 * Each run is a new process: the clock starts just before it is spawned and stops at the first
 * "after-paint" of its window's frame clock, which bench-ui-first-frame.so (loaded with
 * LD_PRELOAD, the binaries unchanged) reports through a pipe. mend's first frame is its Unlock
 * page, with the Today page already built behind it from the store (today's sessions and
 * what waits to sync): reaching Today itself needs a PIN, whose check is slow on purpose.
 * The CPU time the process used up to then (all threads, /proc/PID/stat) is printed beside
 * the wall time, since other work on a shared machine stretches the wall time. One second
 * after the first frame the process's VmRSS and Pss are read from /proc, then it is stopped.
 * The same mend on the small demo store is measured too, to tell the store's share from the
 * window's. Runs rotate between the three; medians are compared.
 *
 * Needs a display (run under xvfb-run and dbus-run-session like the tests); without one it
 * says so and exits 77 (skipped). */
#define G_LOG_DOMAIN "mend-bench"

#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mend-bench-util.h"
#include "mend-demo.h"
#include "mend-test-util.h"

#define DEFAULT_RUNS      9
#define FIRST_FRAME_LIMIT 60000 /* ms */
#define SETTLE_MS         1000
#define TARGET_RATIO      1.5
#define TARGET_EXTRA_MIB  30.0

typedef struct
{
  const char *label;
  char **argv;
  GArray *start_ms;
  GArray *cpu_ms;
  GArray *rss_kib;
  GArray *pss_kib;
} Program;

/* A field of /proc/PID/status or smaps_rollup, in kB. */
static double
proc_kib (int pid, const char *file, const char *field)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/%s", pid, file);
  g_autofree char *contents = NULL;
  g_autofree char *key = g_strconcat ("\n", field, ":", NULL);
  const char *at;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    g_error ("cannot read %s", path);
  at = g_str_has_prefix (contents, key + 1) ? contents : strstr (contents, key);
  if (at == NULL)
    g_error ("%s has no %s", path, field);
  at = strchr (at + 1, ':') + 1;
  return g_ascii_strtod (at, NULL);
}

/* CPU time (user + system, all threads) the process has used so far, from /proc/PID/stat:
 * what the start cost without the time spent waiting for the two cores, which other work on
 * the machine may hold. Clock ticks, so 10 ms steps. */
static double
proc_cpu_ms (int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *contents = NULL;
  g_auto (GStrv) fields = NULL;
  const char *after_name;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    g_error ("cannot read %s", path);
  /* The command name is in parentheses and may hold spaces: count fields after it. */
  after_name = strrchr (contents, ')');
  if (after_name == NULL)
    g_error ("%s: unexpected contents", path);
  fields = g_strsplit (after_name + 2, " ", -1);
  if (g_strv_length (fields) < 13)
    g_error ("%s: too few fields", path);
  /* utime and stime are fields 14 and 15 of the line, 12 and 13 after the name. */
  return (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL)) * 1000.0
         / sysconf (_SC_CLK_TCK);
}

static void
run_once (Program *program, const char *hook)
{
  g_autoptr (GSubprocessLauncher) launcher
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr (GSubprocess) child = NULL;
  g_autoptr (GError) error = NULL;
  int fds[2];
  struct pollfd waiting;
  char line[64] = { 0 };
  gint64 spawned_us, frame_us;
  int pid;
  double ms;

  if (pipe (fds) != 0)
    g_error ("pipe: %s", g_strerror (errno));
  g_subprocess_launcher_setenv (launcher, "LD_PRELOAD", hook, TRUE);
  g_subprocess_launcher_setenv (launcher, "MEND_BENCH_FRAME_FD", "3", TRUE);
  g_subprocess_launcher_take_fd (launcher, fds[1], 3);

  spawned_us = g_get_monotonic_time ();
  child = g_subprocess_launcher_spawnv (launcher, (const char *const *)program->argv, &error);
  if (child == NULL)
    g_error ("%s: %s", program->argv[0], error->message);
  pid = atoi (g_subprocess_get_identifier (child));

  waiting = (struct pollfd){ .fd = fds[0], .events = POLLIN };
  if (poll (&waiting, 1, FIRST_FRAME_LIMIT) != 1 || read (fds[0], line, sizeof line - 1) <= 0)
    {
      g_subprocess_force_exit (child);
      g_error ("%s drew no frame within %d s (or exited)", program->label,
               FIRST_FRAME_LIMIT / 1000);
    }
  {
    double cpu = proc_cpu_ms (pid);

    g_array_append_val (program->cpu_ms, cpu);
  }
  close (fds[0]);
  frame_us = g_ascii_strtoll (line, NULL, 10);
  ms = (frame_us - spawned_us) / 1000.0;
  g_array_append_val (program->start_ms, ms);

  g_usleep (SETTLE_MS * 1000);
  {
    double rss = proc_kib (pid, "status", "VmRSS");
    double pss = proc_kib (pid, "smaps_rollup", "Pss");

    g_array_append_val (program->rss_kib, rss);
    g_array_append_val (program->pss_kib, pss);
  }
  g_subprocess_send_signal (child, SIGTERM);
  if (!g_subprocess_wait (child, NULL, &error))
    g_error ("%s", error->message);
}

static void
print_row (const char *label, GArray *samples, const char *unit, double scale)
{
  printf ("  %-42s %9.1f %9.1f %9.1f  %s\n", label, mend_bench_percentile (samples, 50) / scale,
          mend_bench_percentile (samples, 0) / scale, mend_bench_percentile (samples, 100) / scale,
          unit);
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new ("[FOLDER]");
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) remaining = NULL;
  int runs = DEFAULT_RUNS;
  const GOptionEntry entries[] = {
    { "runs", 'n', 0, G_OPTION_ARG_INT, &runs, "Starts of each program (default 9)", "N" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &remaining, NULL, "[FOLDER]" },
    { NULL },
  };
  g_autoptr (MendBenchFolder) folder = NULL;
  g_autofree char *history = NULL;
  const char *build = MEND_BENCH_BUILD_DIR;
  g_autofree char *hook = g_build_filename (build, "bench-ui-first-frame.so", NULL);
  g_autofree char *bare_path = g_build_filename (build, "bare-adw-window", NULL);
  g_autofree char *mend_path = g_build_filename (build, "..", "ui", "mend", NULL);
  g_autofree char *schema_dir = g_build_filename (build, "..", "app", NULL);
  g_autofree char *demo_dir = NULL;
  g_autofree char *demo_path = NULL;
  char *mend_argv[] = { mend_path, "--db", NULL, "--no-gps", NULL };
  char *demo_argv[] = { mend_path, "--db", NULL, "--no-gps", NULL };
  char *bare_argv[] = { bare_path, NULL };
  Program mend = { "mend (year of history)", mend_argv };
  Program demo = { "mend (demo store)", demo_argv };
  Program bare = { "bare libadwaita window", bare_argv };
  Program *programs[] = { &mend, &demo, &bare };
  double ratio, extra_rss, extra_pss;

  g_option_context_set_summary (context, "Cold start to first frame and memory of mend on a year "
                                         "of history, against a bare libadwaita window.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || runs < 1)
    {
      g_printerr ("%s\n", error ? error->message : "--runs must be at least 1");
      return 2;
    }
  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      printf ("bench-ui-start: no display; run it under xvfb-run (and dbus-run-session), as "
              "the tests run\n");
      return 77;
    }

  folder = mend_bench_folder_choose (remaining ? remaining[0] : NULL, &error);
  if (folder == NULL)
    g_error ("%s", error->message);
  printf ("bench-ui-start: cold start to first frame, and memory, of mend against a bare "
          "libadwaita window\n");
  mend_bench_folder_print (folder);
  history = mend_bench_history_store (folder->dir, FALSE);
  mend_argv[2] = history;

  /* The same binary on the small demo store tells the store's share from the window's. */
  demo_dir = g_build_filename (folder->dir, "ui-start-demo-XXXXXX", NULL);
  if (g_mkdtemp (demo_dir) == NULL)
    g_error ("Could not create a folder in %s: %s", folder->dir, g_strerror (errno));
  demo_path = g_build_filename (demo_dir, "mend.db", NULL);
  {
    g_autoptr (MendStore) store = mend_store_open (demo_path, MEND_STORE_OPEN_DEFAULT, &error);

    if (store == NULL || !mend_store_load_demo (store, &error))
      g_error ("demo store: %s", error->message);
  }
  demo_argv[2] = demo_path;

  /* Both programs get the same environment: the suite's renderer and in-memory settings. */
  g_setenv ("GSK_RENDERER", g_getenv ("GSK_RENDERER") ? g_getenv ("GSK_RENDERER") : "cairo", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GSETTINGS_SCHEMA_DIR", schema_dir, TRUE);
  printf ("renderer:   GSK_RENDERER=%s; accessibility %s\n", g_getenv ("GSK_RENDERER"),
          g_getenv ("DBUS_SESSION_BUS_ADDRESS") ? "on (session bus)" : "without a session bus");
  printf ("first frame: the first after-paint of the window's frame clock, reported by "
          "LD_PRELOAD=bench-ui-first-frame.so\n");
  printf ("page cache: warm (the store was opened just before); each run is a new process\n");

  for (guint p = 0; p < G_N_ELEMENTS (programs); p++)
    {
      programs[p]->start_ms = g_array_new (FALSE, FALSE, sizeof (double));
      programs[p]->cpu_ms = g_array_new (FALSE, FALSE, sizeof (double));
      programs[p]->rss_kib = g_array_new (FALSE, FALSE, sizeof (double));
      programs[p]->pss_kib = g_array_new (FALSE, FALSE, sizeof (double));
    }
  /* One warm-up of each, not counted: shared libraries into the page cache. */
  for (guint p = 0; p < G_N_ELEMENTS (programs); p++)
    run_once (programs[p], hook);
  for (guint p = 0; p < G_N_ELEMENTS (programs); p++)
    {
      g_array_set_size (programs[p]->start_ms, 0);
      g_array_set_size (programs[p]->cpu_ms, 0);
      g_array_set_size (programs[p]->rss_kib, 0);
      g_array_set_size (programs[p]->pss_kib, 0);
    }
  for (int i = 0; i < runs; i++)
    {
      /* Rotating order, so none always follows another. */
      for (guint p = 0; p < G_N_ELEMENTS (programs); p++)
        run_once (programs[(p + i) % G_N_ELEMENTS (programs)], hook);
    }

  printf ("samples:    %d starts of each after one warm-up of each, in rotating order\n\n", runs);
  printf ("  %-42s %9s %9s %9s\n", "", "median", "min", "max");
  print_row ("bare window: first frame", bare.start_ms, "ms", 1);
  print_row ("mend: first frame", mend.start_ms, "ms", 1);
  print_row ("mend on the demo store: first frame", demo.start_ms, "ms", 1);
  print_row ("bare window: CPU to first frame", bare.cpu_ms, "ms", 1);
  print_row ("mend: CPU to first frame", mend.cpu_ms, "ms", 1);
  print_row ("mend on the demo store: CPU to first frame", demo.cpu_ms, "ms", 1);
  print_row ("bare window: VmRSS", bare.rss_kib, "MiB", 1024);
  print_row ("mend: VmRSS", mend.rss_kib, "MiB", 1024);
  print_row ("mend on the demo store: VmRSS", demo.rss_kib, "MiB", 1024);
  print_row ("bare window: Pss", bare.pss_kib, "MiB", 1024);
  print_row ("mend: Pss", mend.pss_kib, "MiB", 1024);
  print_row ("mend on the demo store: Pss", demo.pss_kib, "MiB", 1024);

  ratio = mend_bench_percentile (mend.start_ms, 50) / mend_bench_percentile (bare.start_ms, 50);
  extra_rss = (mend_bench_percentile (mend.rss_kib, 50) - mend_bench_percentile (bare.rss_kib, 50))
              / 1024;
  extra_pss = (mend_bench_percentile (mend.pss_kib, 50) - mend_bench_percentile (bare.pss_kib, 50))
              / 1024;
  printf ("\nratio mend / bare window, first frame (median): %.2f×  (target ≤ %.1f×: %s)\n", ratio,
          TARGET_RATIO, ratio <= TARGET_RATIO ? "met" : "NOT met");
  printf ("mend above the bare window, VmRSS (median): %+.1f MiB  (target ≤ %.0f MiB: %s)\n",
          extra_rss, TARGET_EXTRA_MIB, extra_rss <= TARGET_EXTRA_MIB ? "met" : "NOT met");
  printf ("mend above the bare window, Pss (median):   %+.1f MiB\n", extra_pss);
  printf ("ratio mend on the demo store / bare window, first frame (median): %.2f×\n",
          mend_bench_percentile (demo.start_ms, 50) / mend_bench_percentile (bare.start_ms, 50));
  printf ("ratio mend / bare window, CPU to first frame (median): %.2f×\n",
          mend_bench_percentile (mend.cpu_ms, 50) / mend_bench_percentile (bare.cpu_ms, 50));
  mend_test_remove_tree (demo_dir);

  for (guint p = 0; p < G_N_ELEMENTS (programs); p++)
    {
      g_array_unref (programs[p]->start_ms);
      g_array_unref (programs[p]->cpu_ms);
      g_array_unref (programs[p]->rss_kib);
      g_array_unref (programs[p]->pss_kib);
    }
  return 0;
}
