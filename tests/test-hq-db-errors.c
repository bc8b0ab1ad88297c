/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-test"

#include "config.h"

#include <string.h>

#include "mend-hq-private.h"
#include "mend-test-hq.h"
#include "mend-test-reliability.h"

/* HQ's database errors against a real PostgreSQL: what mend_hq_db_check() puts in a GError (and
 * so in mend-hq's log, admin's standard error and answers to devices) names the failure, its
 * code and its constraint, but never quotes the refused row, as PostgreSQL's own detail does.
 * The people are the demo's (data/mend-demo.c); the cluster logs tersely, as hq/README.md asks
 * of HQ's own, so its log holds none of them either (tests/check-logs-private.sh). */

#define CASE_REF "KTG/26/0417"
#define NAME     "Daniel Hart"

static MendTestHq *hq;

static PGresult *
run (PGconn *conn, const char *sql, int n, const char *const *values)
{
  return PQexecParams (conn, sql, n, NULL, values, NULL, NULL, 0);
}

/* The refused row's case reference and name are nowhere in the error. */
static void
assert_private (const GError *error)
{
  g_assert_nonnull (error);
  g_assert_null (strstr (error->message, CASE_REF));
  g_assert_null (strstr (error->message, NAME));
  g_assert_null (strstr (error->message, "Failing row"));
  g_assert_null (strstr (error->message, "DETAIL"));
}

static void
test_check_violation (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PGconn) conn = mend_test_hq_connect (hq);
  g_autoptr (PGresult) team = NULL;
  g_autoptr (PGresult) result = NULL;
  const char *const values[] = { "p-check", CASE_REF, NAME };

  team = run (conn, "INSERT INTO teams (id, name) VALUES ('team-errors', 'Errors')", 0, NULL);
  g_assert_true (mend_hq_db_check (team, PGRES_COMMAND_OK, &error));
  /* Negative minutes break a CHECK: PostgreSQL's detail would be "Failing row contains (p-check,
   * team-errors, KTG/26/0417, Daniel Hart, …)". */
  result = run (conn,
                "INSERT INTO participants (id, team, case_ref, display_name, minutes_ordered,"
                " disposal_type) VALUES ($1, 'team-errors', $2, $3, -1, 'community resolution')",
                3, values);
  g_assert_nonnull (strstr (PQresultErrorMessage (result), CASE_REF));
  g_assert_false (mend_hq_db_check (result, PGRES_COMMAND_OK, &error));
  assert_private (error);
  g_assert_true (g_error_matches (error, MEND_HQ_ERROR, MEND_HQ_ERROR_DATABASE));
  g_assert_nonnull (strstr (error->message, "violates check constraint"));
  g_assert_nonnull (strstr (error->message, "SQLSTATE 23514"));
  g_assert_nonnull (strstr (error->message, "table participants"));
  g_assert_nonnull (strstr (error->message, "constraint participants_minutes_ordered_check"));
  mend_test_reliability_row ("a database refusal quoting a person's row", 1,
                             MEND_RELIABILITY_REFUSED);
}

static void
test_unique_violation (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PGconn) conn = mend_test_hq_connect (hq);
  g_autoptr (PGresult) first = NULL;
  g_autoptr (PGresult) second = NULL;
  const char *const values[] = { NAME };

  /* Team names are unique; the detail would be "Key (name)=(Daniel Hart) already exists". */
  first = run (conn, "INSERT INTO teams (id, name) VALUES ('team-u1', $1)", 1, values);
  g_assert_true (mend_hq_db_check (first, PGRES_COMMAND_OK, &error));
  second = run (conn, "INSERT INTO teams (id, name) VALUES ('team-u2', $1)", 1, values);
  g_assert_nonnull (strstr (PQresultErrorMessage (second), NAME));
  g_assert_false (mend_hq_db_check (second, PGRES_COMMAND_OK, &error));
  assert_private (error);
  g_assert_nonnull (strstr (error->message, "duplicate key value violates unique constraint"));
  g_assert_nonnull (strstr (error->message, "SQLSTATE 23505"));
  g_assert_nonnull (strstr (error->message, "constraint teams_name_key"));
}

static void
test_data_exception (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PGconn) conn = mend_test_hq_connect (hq);
  g_autoptr (PGresult) result = NULL;
  /* Not a listed name: a data exception's primary message is in PostgreSQL's own log whatever
   * its verbosity, and the point here is only that HQ's text cuts the quoted input. */
  const char *const values[] = { "Not A Number" };

  result = run (conn, "SELECT $1::integer", 1, values);
  g_assert_nonnull (strstr (PQresultErrorMessage (result), "Not A Number"));
  g_assert_false (mend_hq_db_check (result, PGRES_TUPLES_OK, &error));
  g_assert_null (strstr (error->message, "Not A Number"));
  g_assert_cmpstr (error->message, ==, "invalid input syntax for type integer (SQLSTATE 22P02)");
}

static void
test_no_result (void)
{
  g_autoptr (GError) error = NULL;

  g_assert_false (mend_hq_db_check (NULL, PGRES_COMMAND_OK, &error));
  g_assert_cmpstr (error->message, ==, "out of memory");
}

int
main (int argc, char **argv)
{
  int result;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  hq = mend_test_hq_start ();
  g_test_add_func ("/hq-db-errors/check-violation", test_check_violation);
  g_test_add_func ("/hq-db-errors/unique-violation", test_unique_violation);
  g_test_add_func ("/hq-db-errors/data-exception", test_data_exception);
  g_test_add_func ("/hq-db-errors/no-result", test_no_result);
  result = g_test_run ();
  mend_test_hq_stop (hq);
  return result;
}
