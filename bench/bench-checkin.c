/* SPDX-License-Identifier: GPL-3.0-or-later */
/* How long a check-in takes to be committed, through the path the UI uses
 * (mend_store_record_async, the hop to the store's worker thread and back to the main loop),
 * against two floors measured in the same run, in the same folder: a raw 4 KiB append with
 * fsync, and a bare one-row SQLite commit in WAL mode with synchronous=FULL. The floors say
 * what the disk costs, so the ratio shows what Mend adds on top. */
#define G_LOG_DOMAIN "mend-bench"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mend-bench-util.h"
#include "mend-test-util.h"

/* One round per session. In each round the three measurements run one after the other, so a
 * disk that slows down or speeds up during the run weighs on all three alike. */
#define N_SESSIONS             20
#define N_MEASURED_PER_SESSION 25
/* Person 0 of each session checks in during the warm-up; people 1 to 25 are measured. */
#define PEOPLE_PER_SESSION (N_MEASURED_PER_SESSION + 1)
#define N_WARM_UP          N_SESSIONS
#define N_MEASURED         (N_SESSIONS * N_MEASURED_PER_SESSION)
#define RAW_BLOCK_SIZE     4096
#define TARGET_RATIO       1.25

/* Floor (a): what one durable write costs on this filesystem with nothing above it. */
typedef struct
{
  int fd;
  char block[RAW_BLOCK_SIZE];
} RawLog;

static void
raw_log_open (RawLog *raw, const char *path)
{
  raw->fd = open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (raw->fd < 0)
    g_error ("Could not open %s: %s", path, g_strerror (errno));
  memset (raw->block, 'm', sizeof raw->block);
}

static double
raw_log_append (RawLog *raw)
{
  double start = mend_bench_now_ms ();

  if (write (raw->fd, raw->block, sizeof raw->block) != (ssize_t)sizeof raw->block)
    g_error ("Could not append to the raw log: %s", g_strerror (errno));
  if (fsync (raw->fd) != 0)
    g_error ("Could not fsync the raw log: %s", g_strerror (errno));
  return mend_bench_now_ms () - start;
}

/* Floor (b): SQLite's own cost for one durable commit, with the journal settings the store
 * uses, on a database of its own. */
typedef struct
{
  sqlite3 *db;
  sqlite3_stmt *begin;
  sqlite3_stmt *insert;
  sqlite3_stmt *commit;
} BareDb;

static void
bare_db_exec (BareDb *bare, const char *sql)
{
  if (sqlite3_exec (bare->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    g_error ("Bare SQLite: “%s” failed: %s", sql, sqlite3_errmsg (bare->db));
}

static sqlite3_stmt *
bare_db_prepare (BareDb *bare, const char *sql)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v3 (bare->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
    g_error ("Bare SQLite: could not prepare “%s”: %s", sql, sqlite3_errmsg (bare->db));
  return stmt;
}

static void
bare_db_open (BareDb *bare, const char *path)
{
  sqlite3_stmt *journal;

  if (sqlite3_open_v2 (path, &bare->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL)
      != SQLITE_OK)
    g_error ("Bare SQLite: could not open %s: %s", path, sqlite3_errmsg (bare->db));

  /* The pragma answers with the mode it got; a folder that cannot hold WAL's shared memory
   * file falls back silently, and then this floor would not be the store's. */
  journal = bare_db_prepare (bare, "PRAGMA journal_mode = WAL");
  if (sqlite3_step (journal) != SQLITE_ROW
      || g_strcmp0 ((const char *)sqlite3_column_text (journal, 0), "wal") != 0)
    g_error ("Bare SQLite: could not switch %s to WAL", path);
  sqlite3_finalize (journal);

  bare_db_exec (bare, "PRAGMA synchronous = FULL");
  bare_db_exec (bare, "CREATE TABLE rows (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, "
                      "payload TEXT NOT NULL)");
  bare->begin = bare_db_prepare (bare, "BEGIN");
  bare->insert = bare_db_prepare (bare, "INSERT INTO rows (id, payload) VALUES (?1, ?2)");
  bare->commit = bare_db_prepare (bare, "COMMIT");
}

static void
bare_db_step (BareDb *bare, sqlite3_stmt *stmt)
{
  if (sqlite3_step (stmt) != SQLITE_DONE)
    g_error ("Bare SQLite: “%s” failed: %s", sqlite3_sql (stmt), sqlite3_errmsg (bare->db));
  sqlite3_reset (stmt);
}

static double
bare_db_commit (BareDb *bare)
{
  /* About the size of a check-in's payload, made before the clock starts: the floor is the
   * commit, not the making of a UUID. */
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *payload = g_strdup_printf (
      "{\"id\":\"%s\",\"kind\":\"attendance.checked_in\",\"session\":\"s00000\"}", id);
  double start = mend_bench_now_ms ();

  bare_db_step (bare, bare->begin);
  sqlite3_bind_text (bare->insert, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_text (bare->insert, 2, payload, -1, SQLITE_STATIC);
  bare_db_step (bare, bare->insert);
  sqlite3_clear_bindings (bare->insert);
  bare_db_step (bare, bare->commit);
  return mend_bench_now_ms () - start;
}

static void
bare_db_close (BareDb *bare)
{
  sqlite3_finalize (bare->begin);
  sqlite3_finalize (bare->insert);
  sqlite3_finalize (bare->commit);
  sqlite3_close (bare->db);
}

/* The measurement: one check-in, from the call the UI makes to the callback it gets. */
typedef struct
{
  GMainLoop *loop;
  double done_ms;
  char *event_id;
  GError *error;
} Pending;

static void
check_in_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Pending *pending = user_data;

  pending->event_id = mend_store_record_finish (MEND_STORE (source), result, &pending->error);
  pending->done_ms = mend_bench_now_ms ();
  g_main_loop_quit (pending->loop);
}

static double
check_in (MendStore *store, GMainLoop *loop, int session, int person)
{
  g_autofree char *session_id = mend_test_session_id (session);
  g_autofree char *participant_id = mend_test_participant_id (session, person);
  g_autoptr (MendCommand) command = mend_command_check_in (session_id, participant_id);
  Pending pending = { .loop = loop };
  double start = mend_bench_now_ms ();

  mend_store_record_async (store, command, NULL, check_in_done_cb, &pending);
  g_main_loop_run (loop);
  if (pending.event_id == NULL)
    g_error ("Check-in of %s to %s failed: %s", participant_id, session_id, pending.error->message);
  g_free (pending.event_id);
  return pending.done_ms - start;
}

static void
start_sessions (MendStore *store)
{
  for (int s = 0; s < N_SESSIONS; s++)
    {
      g_autofree char *session_id = mend_test_session_id (s);
      g_autoptr (MendCommand) command = mend_command_start_session (session_id);
      g_autoptr (GError) error = NULL;
      g_autofree char *event_id = mend_store_record (store, command, &error);

      if (event_id == NULL)
        g_error ("Could not start %s: %s", session_id, error->message);
    }
}

static void
print_row (const char *label, GArray *samples, double *out_p50)
{
  double p50 = mend_bench_percentile (samples, 50);
  double p90 = mend_bench_percentile (samples, 90);
  double p99 = mend_bench_percentile (samples, 99);
  double max = mend_bench_percentile (samples, 100);

  printf ("  %-40s %8.3f %8.3f %8.3f %8.3f\n", label, p50, p90, p99, max);
  *out_p50 = p50;
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) remaining = NULL;
  const GOptionEntry entries[] = {
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &remaining, NULL, "[FOLDER]" },
    { NULL },
  };
  g_autoptr (MendBenchFolder) folder = NULL;
  g_autofree char *run_dir = NULL;
  g_autofree char *raw_path = NULL;
  g_autofree char *bare_path = NULL;
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr (GArray) raw_ms = g_array_sized_new (FALSE, FALSE, sizeof (double), N_MEASURED);
  g_autoptr (GArray) bare_ms = g_array_sized_new (FALSE, FALSE, sizeof (double), N_MEASURED);
  g_autoptr (GArray) check_in_ms = g_array_sized_new (FALSE, FALSE, sizeof (double), N_MEASURED);
  MendStore *store;
  RawLog raw = { .fd = -1 };
  BareDb bare = { NULL };
  double run_start = mend_bench_now_ms ();
  double raw_p50, bare_p50, check_in_p50, ratio;

  g_option_context_set_summary (
      context, "Check-in commit latency against raw fsync and a bare SQLite commit.\n"
               "FOLDER (or $" MEND_BENCH_DIR_ENV ") holds the files; the default is in the "
               "build folder.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }

  folder = mend_bench_folder_choose (remaining ? remaining[0] : NULL, &error);
  if (folder == NULL)
    g_error ("%s", error->message);
  run_dir = g_build_filename (folder->dir, "checkin-XXXXXX", NULL);
  if (g_mkdtemp (run_dir) == NULL)
    g_error ("Could not create a folder in %s: %s", folder->dir, g_strerror (errno));
  raw_path = g_build_filename (run_dir, "raw.log", NULL);
  bare_path = g_build_filename (run_dir, "bare.db", NULL);

  printf ("bench-checkin: check-in commit latency (SQLite %s)\n", sqlite3_libversion ());
  mend_bench_folder_print (folder);
  printf ("files:      %s/{raw.log, bare.db, mend.db}, removed afterwards\n", run_dir);

  raw_log_open (&raw, raw_path);
  bare_db_open (&bare, bare_path);
  store = mend_test_store_new (run_dir, N_SESSIONS, PEOPLE_PER_SESSION, MEND_STORE_OPEN_DEFAULT);
  start_sessions (store);

  /* The warm-up starts the store's worker thread, fills SQLite's caches and makes each file's
   * first allocation, none of which a supervisor meets twice. */
  for (int i = 0; i < N_WARM_UP; i++)
    {
      raw_log_append (&raw);
      bare_db_commit (&bare);
      check_in (store, loop, i, 0);
    }

  for (int s = 0; s < N_SESSIONS; s++)
    {
      for (int i = 0; i < N_MEASURED_PER_SESSION; i++)
        {
          double ms = raw_log_append (&raw);
          g_array_append_val (raw_ms, ms);
        }
      for (int i = 0; i < N_MEASURED_PER_SESSION; i++)
        {
          double ms = bare_db_commit (&bare);
          g_array_append_val (bare_ms, ms);
        }
      for (int p = 1; p <= N_MEASURED_PER_SESSION; p++)
        {
          double ms = check_in (store, loop, s, p);
          g_array_append_val (check_in_ms, ms);
        }
    }

  printf ("samples:    %d of each after %d warm-ups of each, in %d interleaved rounds; "
          "%d sessions × %d people checked in\n\n",
          N_MEASURED, N_WARM_UP, N_SESSIONS, N_SESSIONS, PEOPLE_PER_SESSION);
  printf ("  %-40s %8s %8s %8s %8s\n", "", "p50 ms", "p90 ms", "p99 ms", "max ms");
  print_row ("(a) raw 4 KiB append + fsync", raw_ms, &raw_p50);
  print_row ("(b) bare SQLite commit, WAL, sync=FULL", bare_ms, &bare_p50);
  print_row ("check-in (record_async + main loop)", check_in_ms, &check_in_p50);
  printf ("\n");

  ratio = check_in_p50 / bare_p50;
  printf ("ratio check-in p50 / bare SQLite p50: %.2f×  (target ≤ %.2f×: %s)\n", ratio,
          TARGET_RATIO, ratio <= TARGET_RATIO ? "met" : "NOT met");
  /* SQLite on Linux syncs with fdatasync, the floor with fsync as asked for; on a file that
   * grows both must write the new size, so they cost about the same. */
  printf ("ratio bare SQLite p50 / raw fsync p50: %.2f×  (SQLite syncs with fdatasync, the raw "
          "floor with fsync)\n",
          bare_p50 / raw_p50);
  printf ("ratio check-in p99 / bare SQLite p99: %.2f×\n",
          mend_bench_percentile (check_in_ms, 99) / mend_bench_percentile (bare_ms, 99));

  close (raw.fd);
  bare_db_close (&bare);
  g_object_unref (store);
  mend_test_remove_tree (run_dir);
  printf ("run time:   %.1f s\n", (mend_bench_now_ms () - run_start) / 1000.0);
  return 0;
}
