/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-lockout"

#include "config.h"

#include <sqlite3.h>

#include "mend-store-lockout.h"
#include "mend-test-reliability.h"
#include "mend-test-util.h"
#include "mend-time.h"

/* The PIN lockout (data/mend-store-lockout.c): the rule as a table, then the store's record of
 * wrong PINs across a close and open, kept with their times after a right PIN. */

static void
test_rule (void)
{
  const struct
  {
    guint failures;
    gint64 wait_ms;
  } cases[] = {
    { 0, 0 },       { 1, 0 },       { 2, 0 },       { 3, 5000 },    { 4, 10000 },
    { 5, 20000 },   { 6, 40000 },   { 7, 80000 },   { 8, 160000 },  { 9, 300000 },
    { 10, 300000 }, { 19, 300000 }, { 20, 300000 }, { 64, 300000 }, { G_MAXUINT, 300000 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpint (mend_lockout_wait_ms (cases[i].failures), ==, cases[i].wait_ms);
  g_assert_cmpint (mend_lockout_wait_ms (MEND_LOCKOUT_FREE_TRIES + 1), ==,
                   MEND_LOCKOUT_WAIT_BASE_MS);

  /* What is left of a wait: counted from the newest failure. */
  g_assert_cmpint (mend_lockout_wait_left_ms (2, 1000000, 1000000), ==, 0);
  g_assert_cmpint (mend_lockout_wait_left_ms (3, 1000000, 1000000), ==, 5000);
  g_assert_cmpint (mend_lockout_wait_left_ms (3, 1000000, 1003000), ==, 2000);
  g_assert_cmpint (mend_lockout_wait_left_ms (3, 1000000, 1005000), ==, 0);
  g_assert_cmpint (mend_lockout_wait_left_ms (3, 1000000, 9000000), ==, 0);
  g_assert_cmpint (mend_lockout_wait_left_ms (4, 1000000, 1004000), ==, 6000);
  /* A clock set back a day never makes the wait longer than the rule gives. */
  g_assert_cmpint (mend_lockout_wait_left_ms (4, 90000000, 3600000), ==, 10000);
}

static gint64
count_rows (const char *path, const char *where)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM pin_failures WHERE %s", where);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 n;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return n;
}

static void
test_store (void)
{
  g_autofree char *dir = mend_test_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "mend.db", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (MendStore) store = mend_store_open (path, MEND_STORE_OPEN_DEFAULT, &error);
  gint64 t0 = mend_time_now_ms ();
  MendLockout lockout = { 0 };

  g_assert_no_error (error);
  g_assert_true (mend_store_lockout_get (store, t0, &lockout, &error));
  g_assert_cmpuint (lockout.failures, ==, 0);
  g_assert_cmpint (lockout.last_failure_ms, ==, 0);
  g_assert_cmpint (lockout.wait_left_ms, ==, 0);

  /* Three wrong PINs a second apart: the third brings the first wait, counted from it. */
  for (guint i = 1; i <= 3; i++)
    {
      g_assert_true (
          mend_store_lockout_record_failure (store, "sup-joe", t0 + i * 1000, &lockout, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (lockout.failures, ==, i);
      g_assert_cmpint (lockout.last_failure_ms, ==, t0 + i * 1000);
      g_assert_cmpint (lockout.wait_left_ms, ==, mend_lockout_wait_ms (i));
    }

  /* Closed and opened again, as after a pulled battery: the same count and the same wait,
   * less the time gone by. */
  g_clear_object (&store);
  store = mend_store_open (path, MEND_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (mend_store_lockout_get (store, t0 + 3000 + 1500, &lockout, &error));
  g_assert_cmpuint (lockout.failures, ==, 3);
  g_assert_cmpint (lockout.wait_left_ms, ==, MEND_LOCKOUT_WAIT_BASE_MS - 1500);
  g_assert_true (
      mend_store_lockout_get (store, t0 + 3000 + MEND_LOCKOUT_WAIT_BASE_MS, &lockout, &error));
  g_assert_cmpint (lockout.wait_left_ms, ==, 0);
  /* The count goes on from where it was: the fourth doubles the wait. */
  g_assert_true (mend_store_lockout_record_failure (store, NULL, t0 + 9000, &lockout, &error));
  g_assert_cmpuint (lockout.failures, ==, 4);
  g_assert_cmpint (lockout.wait_left_ms, ==, 2 * MEND_LOCKOUT_WAIT_BASE_MS);
  mend_test_reliability_row ("the store closed and opened again during a PIN lockout", 1,
                             MEND_RELIABILITY_NOTHING_LOST);

  /* A right PIN ends the run; the failures stay, each with its time, for HQ. */
  g_assert_true (mend_store_lockout_clear (store, t0 + 60000, &error));
  g_assert_no_error (error);
  g_assert_true (mend_store_lockout_get (store, t0 + 60000, &lockout, &error));
  g_assert_cmpuint (lockout.failures, ==, 0);
  g_assert_cmpint (lockout.wait_left_ms, ==, 0);
  g_clear_object (&store);
  g_assert_cmpint (count_rows (path, "cleared_at IS NOT NULL"), ==, 4);
  g_assert_cmpint (count_rows (path, "cleared_at IS NULL"), ==, 0);
  g_assert_cmpint (count_rows (path, "supervisor_id = 'sup-joe'"), ==, 3);
  {
    g_autofree char *where
        = g_strdup_printf ("failed_at = %" G_GINT64_FORMAT " AND cleared_at = %" G_GINT64_FORMAT,
                           t0 + 9000, t0 + 60000);

    g_assert_cmpint (count_rows (path, where), ==, 1);
  }

  /* A new run starts from nothing. */
  store = mend_store_open (path, MEND_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (
      mend_store_lockout_record_failure (store, "sup-ana", t0 + 70000, &lockout, &error));
  g_assert_cmpuint (lockout.failures, ==, 1);
  g_assert_cmpint (lockout.wait_left_ms, ==, 0);
  g_clear_object (&store);
  mend_test_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/lockout/rule", test_rule);
  g_test_add_func ("/lockout/store", test_store);
  return g_test_run ();
}
