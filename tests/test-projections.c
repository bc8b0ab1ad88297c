/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-projections"

#include "config.h"

#include <sqlite3.h>

#include "mend-rules.h"
#include "mend-store.h"
#include "mend-test-util.h"
#include "mend-time.h"

#define N_SESSIONS 6
#define PEOPLE     4

typedef MendTestFixture Fixture;

/* One person, "p00000-00", is assigned to every session and owes only 300 minutes, so the
 * cap on minutes credited carries from one session to the next. */
static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonObject) extra = json_object_new ();
  JsonArray *assignments = json_array_new ();
  JsonArray *participants = json_array_new ();
  JsonObject *person = json_object_new ();
  g_autoptr (GError) error = NULL;

  mend_test_fixture_open (f, N_SESSIONS, PEOPLE);

  json_object_set_string_member (person, "id", "p00000-00");
  json_object_set_string_member (person, "case_ref", "T/00000/00");
  json_object_set_string_member (person, "display_name", "Person 0-0");
  json_object_set_int_member (person, "minutes_ordered", 300);
  json_object_set_int_member (person, "minutes_credited", 0);
  json_object_set_string_member (person, "disposal_type", "community resolution");
  json_array_add_object_element (participants, person);
  for (int s = 1; s < N_SESSIONS; s++)
    {
      JsonObject *a = json_object_new ();
      g_autofree char *session_id = mend_test_session_id (s);

      json_object_set_string_member (a, "session", session_id);
      json_object_set_string_member (a, "participant", "p00000-00");
      json_array_add_object_element (assignments, a);
    }
  json_object_set_array_member (extra, "participants", participants);
  json_object_set_array_member (extra, "assignments", assignments);
  mend_store_apply_reference (f->store, extra, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  mend_test_fixture_close (f);
}

/* Every projection table, dumped in key order, as one string to compare. */
static char *
snapshot (const char *path)
{
  static const char *const queries[] = {
    "SELECT * FROM session_progress ORDER BY session_id",
    "SELECT * FROM attendance ORDER BY session_id, participant_id",
    "SELECT * FROM tally_totals WHERE total != 0 ORDER BY session_id, category_id",
    "SELECT * FROM voided_events ORDER BY event_id",
  };
  GString *out = g_string_new (NULL);
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  for (guint q = 0; q < G_N_ELEMENTS (queries); q++)
    {
      sqlite3_stmt *stmt = NULL;

      g_assert_cmpint (sqlite3_prepare_v2 (db, queries[q], -1, &stmt, NULL), ==, SQLITE_OK);
      g_string_append_printf (out, "# %s\n", queries[q]);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          for (int c = 0; c < sqlite3_column_count (stmt); c++)
            {
              const char *text = (const char *)sqlite3_column_text (stmt, c);
              g_string_append_printf (out, "%s|", text ? text : "NULL");
            }
          g_string_append_c (out, '\n');
        }
      sqlite3_finalize (stmt);
    }
  sqlite3_close (db);
  return g_string_free (out, FALSE);
}

static void
assert_rebuild_matches (Fixture *f)
{
  g_autofree char *incremental = snapshot (f->path);
  g_autofree char *rebuilt = NULL;
  g_autoptr (GError) error = NULL;

  mend_store_rebuild_projections (f->store, &error);
  g_assert_no_error (error);
  rebuilt = snapshot (f->path);
  g_assert_cmpstr (rebuilt, ==, incremental);
}

static char *
record_ok (Fixture *f, MendCommand *command)
{
  return mend_test_record_ok (f->store, command);
}

static MendCommand *
check_out_cmd (const char *session, const char *person, gint64 arrived, int minutes, int penalty)
{
  MendCheckOut details = {
    .outcome = "ATTC",
    .arrived_at_ms = arrived,
    .finished_at_ms = arrived + (gint64)minutes * 60000,
    .penalty_minutes = penalty,
  };
  return mend_command_check_out (session, person, &details);
}

static int
credited (Fixture *f, const char *session, const char *person)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) roster = mend_store_list_roster (f->store, session, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < roster->len; i++)
    {
      MendRosterRow *row = g_ptr_array_index (roster, i);
      if (g_str_equal (row->participant_id, person))
        return row->minutes_credited;
    }
  g_assert_not_reached ();
}

static void
test_void_moves_the_cap (Fixture *f, gconstpointer data)
{
  g_autofree char *s0 = mend_test_session_id (0);
  g_autofree char *s1 = mend_test_session_id (1);
  g_autofree char *first_check_out = NULL;
  gint64 nine = mend_time_today_at (9, 0, 0);
  const char *p = "p00000-00";

  g_free (record_ok (f, mend_command_start_session (s0)));
  g_free (record_ok (f, mend_command_start_session (s1)));
  g_free (record_ok (f, mend_command_check_in (s0, p)));
  first_check_out = record_ok (f, check_out_cmd (s0, p, nine, 240, 0));
  g_free (record_ok (f, mend_command_check_in (s1, p)));
  g_free (record_ok (f, check_out_cmd (s1, p, nine + 86400000, 240, 0)));

  /* 300 owed: 240 in the first session leaves 60 for the second. */
  g_assert_cmpint (credited (f, s0, p), ==, 240);
  g_assert_cmpint (credited (f, s1, p), ==, 60);

  /* Voiding the first check-out frees the cap for the second. */
  g_free (record_ok (f, mend_command_void (first_check_out, "entered on the wrong day")));
  g_assert_cmpint (credited (f, s0, p), ==, 0);
  g_assert_cmpint (credited (f, s1, p), ==, 240);
  assert_rebuild_matches (f);
}

static void
test_void_tally_and_check_in (Fixture *f, gconstpointer data)
{
  g_autofree char *s0 = mend_test_session_id (0);
  g_autofree char *plus = NULL;
  g_autofree char *check_in = NULL;
  g_autofree char *p = mend_test_participant_id (0, 1);
  g_autoptr (GPtrArray) tallies = NULL;
  g_autoptr (GPtrArray) roster = NULL;
  g_autoptr (GError) error = NULL;

  g_free (record_ok (f, mend_command_start_session (s0)));
  plus = record_ok (f, mend_command_tally (s0, "bags", 5));
  g_free (record_ok (f, mend_command_tally (s0, "bags", -3)));

  /* Voiding the +5 would leave −3 bags: refused, nothing recorded. */
  {
    g_autoptr (MendCommand) bad = mend_command_void (plus, "miscounted");
    g_autofree char *id = mend_store_record (f->store, bad, &error);
    g_assert_null (id);
    g_assert_error (error, MEND_RULE_ERROR, MEND_RULE_TALLY_BELOW_ZERO);
    g_clear_error (&error);
  }

  check_in = record_ok (f, mend_command_check_in (s0, p));
  g_free (record_ok (f, mend_command_void (check_in, "wrong person tapped")));
  roster = mend_store_list_roster (f->store, s0, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < roster->len; i++)
    {
      MendRosterRow *row = g_ptr_array_index (roster, i);
      if (g_str_equal (row->participant_id, p))
        g_assert_cmpint (row->state, ==, MEND_ATTENDANCE_EXPECTED);
    }
  /* Once voided, the person can be checked in again. */
  g_free (record_ok (f, mend_command_check_in (s0, p)));

  tallies = mend_store_list_tallies (f->store, s0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (((MendTallyRow *)tallies->pdata[0])->total, ==, 2);
  assert_rebuild_matches (f);
}

/* A long random day: every command the rules allow, voids of random earlier events, and the
 * projections compared with a full rebuild along the way. */
static void
test_random_walk (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) recorded = g_ptr_array_new_with_free_func (g_free);
  static const char *const categories[] = { "bags", "bulky", "sharps", "nothere" };
  static const char *const outcomes[] = { "ATTC", "AFTC", "ATSH", "ATSS", "XXXX" };
  gint64 base = mend_time_today_at (9, 0, 0);
  int accepted = 0, refused = 0;

  for (int step = 0; step < 1200; step++)
    {
      int s = g_test_rand_int_range (0, N_SESSIONS);
      int p = g_test_rand_int_range (0, PEOPLE + 1);
      g_autofree char *session = mend_test_session_id (s);
      g_autofree char *person
          = p == PEOPLE ? g_strdup ("p00000-00") : mend_test_participant_id (s, p);
      g_autoptr (MendCommand) command = NULL;
      g_autoptr (GError) error = NULL;
      g_autofree char *id = NULL;

      switch (g_test_rand_int_range (0, 10))
        {
        case 0:
          command = mend_command_start_session (session);
          break;
        case 1:
          command = mend_command_end_session (session);
          break;
        case 2:
        case 3:
          command = mend_command_check_in (session, person);
          break;
        case 4:
          {
            MendCheckOut details = {
              .outcome = outcomes[g_test_rand_int_range (0, G_N_ELEMENTS (outcomes))],
              .arrived_at_ms = base + s * 86400000LL,
              .finished_at_ms = base + s * 86400000LL + g_test_rand_int_range (0, 300) * 60000LL,
              .penalty_minutes = g_test_rand_int_range (0, 30),
            };
            command = mend_command_check_out (session, person, &details);
          }
          break;
        case 5:
          command = mend_command_absent (session, person, NULL);
          break;
        case 6:
          command = mend_command_brief (session, person);
          break;
        case 7:
          command = mend_command_tally (
              session, categories[g_test_rand_int_range (0, G_N_ELEMENTS (categories))],
              g_test_rand_int_range (-3, 6));
          break;
        default:
          if (recorded->len == 0)
            continue;
          command = mend_command_void (
              g_ptr_array_index (recorded, g_test_rand_int_range (0, recorded->len)), "test");
          break;
        }

      id = mend_store_record (f->store, command, &error);
      if (id != NULL)
        {
          accepted++;
          g_ptr_array_add (recorded, g_steal_pointer (&id));
        }
      else
        {
          /* Refusals are expected; anything else is a bug. */
          g_assert_error (error, MEND_RULE_ERROR, error->code);
          refused++;
        }
      if (step % 200 == 199)
        assert_rebuild_matches (f);
    }
  g_test_message ("%d commands recorded, %d refused by rules", accepted, refused);
  g_assert_cmpint (accepted, >, 100);
  assert_rebuild_matches (f);

  {
    g_autoptr (GError) error = NULL;
    g_assert_true (mend_store_verify (f->store, NULL, &error));
    g_assert_no_error (error);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/projections/void-moves-the-cap", Fixture, NULL, fixture_set_up,
              test_void_moves_the_cap, fixture_tear_down);
  g_test_add ("/projections/void-tally-and-check-in", Fixture, NULL, fixture_set_up,
              test_void_tally_and_check_in, fixture_tear_down);
  g_test_add ("/projections/random-walk-rebuild-equals-incremental", Fixture, NULL, fixture_set_up,
              test_random_walk, fixture_tear_down);

  return g_test_run ();
}
