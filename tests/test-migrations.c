/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-migrations"

#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "mend-store.h"
#include "mend-test-reliability.h"
#include "mend-test-util.h"

static char *
read_migration (const char *name)
{
  g_autofree char *path
      = g_test_build_filename (G_TEST_DIST, "..", "data", "migrations", name, NULL);
  g_autoptr (GError) error = NULL;
  char *sql = NULL;

  g_file_get_contents (path, &sql, NULL, &error);
  g_assert_no_error (error);
  return sql;
}

static void
exec_sql (sqlite3 *db, const char *sql)
{
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("SQL failed: %s", message);
}

static int
query_int (const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  int value;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

static void
test_fresh (void)
{
  g_autofree char *dir = mend_test_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "sub", "folder", "mend.db", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (MendStore) store = mend_store_open (path, MEND_STORE_OPEN_DEFAULT, &error);
  g_autoptr (MendStatus) status = NULL;
  sqlite3 *db = NULL;

  g_assert_no_error (error);
  status = mend_store_get_status (store, &error);
  g_assert_no_error (error);
  g_assert_cmpint (status->schema_version, ==, MEND_STORE_SCHEMA_VERSION);
  g_assert_true (g_uuid_string_is_valid (status->device_id));
  g_assert_cmpint (status->n_events, ==, 0);

  /* The folder was made private, and the file uses write-ahead logging. */
  g_assert_cmpint (query_int (path, "SELECT count(*) FROM pragma_journal_mode "
                                    "WHERE journal_mode = 'wal'"),
                   ==, 1);
  g_assert_cmpint (query_int (path, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' "
                                    "AND sql LIKE '%STRICT%'"),
                   ==, query_int (path, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'"));

  /* STRICT tables refuse a value of the wrong type. */
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db,
                                 "INSERT INTO tally_categories (id, label, unit, position) "
                                 "VALUES ('x', 'x', 'x', 'first')",
                                 NULL, NULL, NULL),
                   ==, SQLITE_CONSTRAINT);
  sqlite3_close (db);

  /* Opening again keeps the device's identity. */
  g_clear_object (&store);
  store = mend_store_open (path, MEND_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (mend_store_get_device_id (store), ==, status->device_id);

  g_clear_object (&store);
  mend_test_remove_tree (dir);
}

static void
test_upgrade_from_version_1 (void)
{
  g_autofree char *dir = mend_test_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "mend.db", NULL);
  g_autofree char *first = read_migration ("0001-reference.sql");
  g_autoptr (GError) error = NULL;
  g_autoptr (MendStore) store = NULL;
  g_autoptr (GPtrArray) sessions = NULL;
  g_autoptr (GPtrArray) roster = NULL;
  g_autofree char *event_id = NULL;
  g_autoptr (MendCommand) start = NULL;
  sqlite3 *db = NULL;

  /* A store as the first release left it: reference data, no event log. */
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  exec_sql (db, "PRAGMA journal_mode = WAL");
  exec_sql (db, "BEGIN");
  exec_sql (db, first);
  exec_sql (db, "PRAGMA user_version = 1");
  exec_sql (db, "INSERT INTO device (singleton, device_id, created_at) "
                "VALUES (1, '11111111-2222-4333-8444-555555555555', 0);"
                "INSERT INTO sites (id, name, boundary) VALUES ('site', 'Old Park', "
                "'{\"type\":\"Polygon\",\"coordinates\":[]}');"
                "INSERT INTO participants (id, case_ref, display_name, minutes_ordered, "
                "  disposal_type) VALUES ('p1', 'OLD/1', 'Old Person', 240, 'community "
                "resolution');"
                "INSERT INTO sessions (id, site_id, starts_at, ends_at) "
                "  VALUES ('old', 'site', 1000, 2000);"
                "INSERT INTO assignments VALUES ('old', 'p1');");
  exec_sql (db, "COMMIT");
  sqlite3_close (db);

  store = mend_store_open (path, MEND_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_cmpint (query_int (path, "PRAGMA user_version"), ==, MEND_STORE_SCHEMA_VERSION);
  g_assert_cmpstr (mend_store_get_device_id (store), ==, "11111111-2222-4333-8444-555555555555");

  sessions = mend_store_list_sessions (store, 0, 5000, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sessions->len, ==, 1);
  roster = mend_store_list_roster (store, "old", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (roster->len, ==, 1);
  g_assert_cmpstr (((MendRosterRow *)roster->pdata[0])->name, ==, "Old Person");

  /* The upgraded store records and verifies like a new one. */
  start = mend_command_start_session ("old");
  event_id = mend_store_record (store, start, &error);
  g_assert_no_error (error);
  g_assert_true (mend_store_verify (store, NULL, &error));
  g_assert_no_error (error);

  g_clear_object (&store);
  mend_test_remove_tree (dir);
}

static void
test_newer_refused (void)
{
  g_autofree char *dir = mend_test_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "mend.db", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (MendStore) store = mend_store_open (path, MEND_STORE_OPEN_DEFAULT, &error);
  sqlite3 *db = NULL;

  g_assert_no_error (error);
  g_clear_object (&store);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  exec_sql (db, "PRAGMA user_version = 99");
  sqlite3_close (db);

  store = mend_store_open (path, MEND_STORE_OPEN_DEFAULT, &error);
  g_assert_null (store);
  g_assert_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_NEWER);
  g_assert_nonnull (strstr (error->message, "newer"));
  /* Left exactly as it was. */
  g_assert_cmpint (query_int (path, "PRAGMA user_version"), ==, 99);
  mend_test_remove_tree (dir);
  mend_test_reliability_row ("a store written by a newer Mend", 1, MEND_RELIABILITY_REFUSED);
}

static void
test_garbage_refused (void)
{
  g_autofree char *dir = mend_test_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "mend.db", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (MendStore) store = NULL;
  g_autofree char *after = NULL;
  char garbage[8192];
  gsize length = 0;

  for (guint i = 0; i < sizeof garbage; i++)
    garbage[i] = (char)g_test_rand_int_range (0, 256);
  g_file_set_contents (path, garbage, sizeof garbage, &error);
  g_assert_no_error (error);

  store = mend_store_open (path, MEND_STORE_OPEN_DEFAULT, &error);
  g_assert_null (store);
  g_assert_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_CORRUPT);
  g_test_message ("garbage store: %s", error->message);

  /* The file is not "repaired" over. */
  g_file_get_contents (path, &after, &length, NULL);
  g_assert_cmpmem (after, length, garbage, sizeof garbage);
  mend_test_remove_tree (dir);
  mend_test_reliability_row ("a store file of random bytes", 1, MEND_RELIABILITY_REFUSED);
}

static void
test_unwritable_folder (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MendStore) store
      = mend_store_open ("/dev/null/mend/mend.db", MEND_STORE_OPEN_DEFAULT, &error);

  g_assert_null (store);
  g_assert_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_UNWRITABLE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/migrations/fresh", test_fresh);
  g_test_add_func ("/migrations/upgrade-from-1", test_upgrade_from_version_1);
  g_test_add_func ("/migrations/newer-refused", test_newer_refused);
  g_test_add_func ("/migrations/garbage-refused", test_garbage_refused);
  g_test_add_func ("/migrations/unwritable-folder", test_unwritable_folder);

  return g_test_run ();
}
