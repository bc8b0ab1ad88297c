/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-rules"

#include "config.h"

#include <string.h>

#include "mend-rules.h"

#define MINUTE (G_GINT64_CONSTANT (60000))

static MendAttendanceFacts
facts (MendSessionState session, MendAttendanceState state)
{
  return (MendAttendanceFacts){ .assigned = TRUE, .session = session, .state = state };
}

/* Takes the GError's address: the refusal is read after the call has set it. */
static void
assert_refused (gboolean ok, GError **error, MendRule rule)
{
  g_assert_false (ok);
  g_assert_error (*error, MEND_RULE_ERROR, (int)rule);
  /* Every refusal names its rule. */
  g_assert_nonnull (strstr ((*error)->message, mend_rule_name (rule)));
}

static void
test_rule_names_are_unique (void)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (int rule = 0; rule < MEND_RULE_N_RULES; rule++)
    {
      const char *name = mend_rule_name (rule);

      g_assert_nonnull (name);
      g_assert_nonnull (strchr (name, '.'));
      g_assert_false (g_hash_table_contains (seen, name));
      g_hash_table_add (seen, (gpointer)name);
    }
}

static void
test_check_in (void)
{
  MendAttendanceFacts f = facts (MEND_SESSION_RUNNING, MEND_ATTENDANCE_EXPECTED);
  GError *error = NULL;

  g_assert_true (mend_rules_check_in (&f, &error));
  g_assert_no_error (error);

  f.state = MEND_ATTENDANCE_ON_SITE;
  assert_refused (mend_rules_check_in (&f, &error), &error, MEND_RULE_ALREADY_CHECKED_IN);
  g_clear_error (&error);

  f.state = MEND_ATTENDANCE_DONE;
  assert_refused (mend_rules_check_in (&f, &error), &error, MEND_RULE_ALREADY_CHECKED_IN);
  g_clear_error (&error);

  f.state = MEND_ATTENDANCE_ABSENT;
  assert_refused (mend_rules_check_in (&f, &error), &error, MEND_RULE_MARKED_ABSENT);
  g_clear_error (&error);

  f = facts (MEND_SESSION_RUNNING, MEND_ATTENDANCE_EXPECTED);
  f.assigned = FALSE;
  assert_refused (mend_rules_check_in (&f, &error), &error, MEND_RULE_NOT_ASSIGNED);
  g_clear_error (&error);

  f = facts (MEND_SESSION_NOT_STARTED, MEND_ATTENDANCE_EXPECTED);
  assert_refused (mend_rules_check_in (&f, &error), &error, MEND_RULE_SESSION_NOT_STARTED);
  g_clear_error (&error);

  f = facts (MEND_SESSION_ENDED, MEND_ATTENDANCE_EXPECTED);
  assert_refused (mend_rules_check_in (&f, &error), &error, MEND_RULE_SESSION_ENDED);
  g_clear_error (&error);
}

static void
test_brief (void)
{
  MendAttendanceFacts f = facts (MEND_SESSION_RUNNING, MEND_ATTENDANCE_ON_SITE);
  GError *error = NULL;

  g_assert_true (mend_rules_brief (&f, &error));
  f.briefed = TRUE;
  assert_refused (mend_rules_brief (&f, &error), &error, MEND_RULE_ALREADY_BRIEFED);
  g_clear_error (&error);
  f = facts (MEND_SESSION_RUNNING, MEND_ATTENDANCE_EXPECTED);
  assert_refused (mend_rules_brief (&f, &error), &error, MEND_RULE_NOT_CHECKED_IN);
  g_clear_error (&error);
}

static MendCheckOutFacts
good_check_out (void)
{
  return (MendCheckOutFacts){
    .outcome_known = TRUE,
    .arrived_at_ms = 1000 * MINUTE,
    .finished_at_ms = 1240 * MINUTE,
    .penalty_minutes = 0,
    .quality = "good",
    .behaviour = "not_applicable",
    .notes = NULL,
  };
}

static void
test_check_out (void)
{
  MendAttendanceFacts f = facts (MEND_SESSION_RUNNING, MEND_ATTENDANCE_ON_SITE);
  MendCheckOutFacts c = good_check_out ();
  g_autofree char *long_notes = g_strnfill (MEND_NOTES_MAX_CHARS + 1, 'x');
  g_autoptr (GString) wide_notes = g_string_new (NULL);
  GError *error = NULL;

  g_assert_true (mend_rules_check_out (&f, &c, &error));
  g_assert_no_error (error);

  /* Penalty may use up the whole time on site, but no more. */
  c.penalty_minutes = 240;
  g_assert_true (mend_rules_check_out (&f, &c, &error));
  c.penalty_minutes = 241;
  assert_refused (mend_rules_check_out (&f, &c, &error), &error, MEND_RULE_PENALTY_TOO_LONG);
  g_clear_error (&error);
  c.penalty_minutes = -1;
  assert_refused (mend_rules_check_out (&f, &c, &error), &error, MEND_RULE_PENALTY_NEGATIVE);
  g_clear_error (&error);

  c = good_check_out ();
  c.finished_at_ms = c.arrived_at_ms - 1;
  assert_refused (mend_rules_check_out (&f, &c, &error), &error, MEND_RULE_FINISH_BEFORE_ARRIVAL);
  g_clear_error (&error);

  /* Arrival equal to finish is allowed: sent home at once. */
  c.finished_at_ms = c.arrived_at_ms;
  g_assert_true (mend_rules_check_out (&f, &c, &error));

  c = good_check_out ();
  c.outcome_known = FALSE;
  assert_refused (mend_rules_check_out (&f, &c, &error), &error, MEND_RULE_UNKNOWN_OUTCOME);
  g_clear_error (&error);

  c = good_check_out ();
  c.quality = "superb";
  assert_refused (mend_rules_check_out (&f, &c, &error), &error, MEND_RULE_BAD_RATING);
  g_clear_error (&error);
  c = good_check_out ();
  c.behaviour = NULL;
  assert_refused (mend_rules_check_out (&f, &c, &error), &error, MEND_RULE_BAD_RATING);
  g_clear_error (&error);

  c = good_check_out ();
  c.notes = long_notes;
  assert_refused (mend_rules_check_out (&f, &c, &error), &error, MEND_RULE_NOTES_TOO_LONG);
  g_clear_error (&error);
  long_notes[MEND_NOTES_MAX_CHARS] = '\0';
  g_assert_true (mend_rules_check_out (&f, &c, &error));

  /* The limit counts characters, not bytes: 4,000 "é" are 8,000 bytes and allowed. */
  for (int i = 0; i < MEND_NOTES_MAX_CHARS; i++)
    g_string_append (wide_notes, "é");
  c.notes = wide_notes->str;
  g_assert_true (mend_rules_check_out (&f, &c, &error));

  c = good_check_out ();
  f.state = MEND_ATTENDANCE_EXPECTED;
  assert_refused (mend_rules_check_out (&f, &c, &error), &error, MEND_RULE_NOT_CHECKED_IN);
  g_clear_error (&error);
  f.state = MEND_ATTENDANCE_ABSENT;
  assert_refused (mend_rules_check_out (&f, &c, &error), &error, MEND_RULE_NOT_CHECKED_IN);
  g_clear_error (&error);
  f.state = MEND_ATTENDANCE_DONE;
  assert_refused (mend_rules_check_out (&f, &c, &error), &error, MEND_RULE_ALREADY_CHECKED_OUT);
  g_clear_error (&error);
}

static void
test_ratings (void)
{
  const char *const *scale = mend_rules_ratings ();

  g_assert_cmpuint (g_strv_length ((char **)scale), ==, 6);
  for (guint i = 0; scale[i] != NULL; i++)
    g_assert_true (mend_rules_rating_is_valid (scale[i]));
  g_assert_false (mend_rules_rating_is_valid ("Good"));
  g_assert_false (mend_rules_rating_is_valid (""));
  g_assert_false (mend_rules_rating_is_valid (NULL));
}

static void
test_absent (void)
{
  MendAttendanceFacts f = facts (MEND_SESSION_RUNNING, MEND_ATTENDANCE_EXPECTED);
  GError *error = NULL;

  g_assert_true (mend_rules_absent (&f, "phoned in sick", &error));
  /* Marking absent after the end is allowed: that is when no-shows are certain. */
  f.session = MEND_SESSION_ENDED;
  g_assert_true (mend_rules_absent (&f, NULL, &error));

  f.state = MEND_ATTENDANCE_ON_SITE;
  assert_refused (mend_rules_absent (&f, NULL, &error), &error, MEND_RULE_ABSENT_AFTER_CHECK_IN);
  g_clear_error (&error);
  f.state = MEND_ATTENDANCE_DONE;
  assert_refused (mend_rules_absent (&f, NULL, &error), &error, MEND_RULE_ABSENT_AFTER_CHECK_IN);
  g_clear_error (&error);
  f.state = MEND_ATTENDANCE_ABSENT;
  assert_refused (mend_rules_absent (&f, NULL, &error), &error, MEND_RULE_ALREADY_ABSENT);
  g_clear_error (&error);
  f = facts (MEND_SESSION_NOT_STARTED, MEND_ATTENDANCE_EXPECTED);
  assert_refused (mend_rules_absent (&f, NULL, &error), &error, MEND_RULE_SESSION_NOT_STARTED);
  g_clear_error (&error);
}

static void
test_sessions (void)
{
  GError *error = NULL;

  g_assert_true (mend_rules_start_session (MEND_SESSION_NOT_STARTED, &error));
  assert_refused (mend_rules_start_session (MEND_SESSION_RUNNING, &error), &error,
                  MEND_RULE_SESSION_ALREADY_STARTED);
  g_clear_error (&error);
  assert_refused (mend_rules_start_session (MEND_SESSION_ENDED, &error), &error,
                  MEND_RULE_SESSION_ENDED);
  g_clear_error (&error);

  g_assert_true (mend_rules_end_session (MEND_SESSION_RUNNING, 0, &error));
  assert_refused (mend_rules_end_session (MEND_SESSION_RUNNING, 1, &error), &error,
                  MEND_RULE_SESSION_PEOPLE_ON_SITE);
  g_clear_error (&error);
  assert_refused (mend_rules_end_session (MEND_SESSION_NOT_STARTED, 0, &error), &error,
                  MEND_RULE_SESSION_NOT_STARTED);
  g_clear_error (&error);
  assert_refused (mend_rules_end_session (MEND_SESSION_ENDED, 0, &error), &error,
                  MEND_RULE_SESSION_ENDED);
  g_clear_error (&error);
}

static void
test_tally (void)
{
  GError *error = NULL;

  g_assert_true (mend_rules_tally (MEND_SESSION_RUNNING, TRUE, 0, 3, &error));
  g_assert_true (mend_rules_tally (MEND_SESSION_RUNNING, TRUE, 3, -3, &error));
  assert_refused (mend_rules_tally (MEND_SESSION_RUNNING, TRUE, 3, -4, &error), &error,
                  MEND_RULE_TALLY_BELOW_ZERO);
  g_clear_error (&error);
  assert_refused (mend_rules_tally (MEND_SESSION_RUNNING, TRUE, 3, 0, &error), &error,
                  MEND_RULE_TALLY_ZERO_DELTA);
  g_clear_error (&error);
  assert_refused (mend_rules_tally (MEND_SESSION_RUNNING, FALSE, 0, 1, &error), &error,
                  MEND_RULE_UNKNOWN_CATEGORY);
  g_clear_error (&error);
  assert_refused (mend_rules_tally (MEND_SESSION_NOT_STARTED, TRUE, 0, 1, &error), &error,
                  MEND_RULE_SESSION_NOT_STARTED);
  g_clear_error (&error);
  assert_refused (mend_rules_tally (MEND_SESSION_ENDED, TRUE, 0, 1, &error), &error,
                  MEND_RULE_SESSION_ENDED);
  g_clear_error (&error);
}

static void
test_void (void)
{
  MendVoidFacts f = {
    .target_known = TRUE,
    .target_kind = MEND_EVENT_CHECKED_IN,
    .reason = "wrong person",
  };
  GError *error = NULL;

  g_assert_true (mend_rules_void (&f, &error));

  f.reason = "   ";
  assert_refused (mend_rules_void (&f, &error), &error, MEND_RULE_VOID_NEEDS_REASON);
  g_clear_error (&error);
  f.reason = NULL;
  assert_refused (mend_rules_void (&f, &error), &error, MEND_RULE_VOID_NEEDS_REASON);
  g_clear_error (&error);

  f.reason = "wrong person";
  f.already_voided = TRUE;
  assert_refused (mend_rules_void (&f, &error), &error, MEND_RULE_ALREADY_VOIDED);
  g_clear_error (&error);

  f.already_voided = FALSE;
  f.blocking_record = "the check-out";
  assert_refused (mend_rules_void (&f, &error), &error, MEND_RULE_VOID_LATER_RECORDS);
  g_assert_nonnull (strstr (error->message, "the check-out"));
  g_clear_error (&error);

  f.blocking_record = NULL;
  f.target_kind = MEND_EVENT_VOIDED;
  assert_refused (mend_rules_void (&f, &error), &error, MEND_RULE_VOID_OF_VOID);
  g_clear_error (&error);

  f.target_known = FALSE;
  assert_refused (mend_rules_void (&f, &error), &error, MEND_RULE_UNKNOWN_EVENT);
  g_clear_error (&error);
}

static void
test_minutes_credited (void)
{
  gint64 nine = 540 * MINUTE;

  /* The demo case: 09:00 to 13:00 with nothing deducted credits the four hours owed. */
  g_assert_cmpint (mend_rules_minutes_credited (nine, nine + 240 * MINUTE, 0, TRUE, 240), ==, 240);
  /* Finish − arrival − penalty. */
  g_assert_cmpint (mend_rules_minutes_credited (nine, nine + 180 * MINUTE, 15, TRUE, 240), ==, 165);
  /* Never more than what is still owed. */
  g_assert_cmpint (mend_rules_minutes_credited (nine, nine + 300 * MINUTE, 0, TRUE, 240), ==, 240);
  g_assert_cmpint (mend_rules_minutes_credited (nine, nine + 300 * MINUTE, 0, TRUE, 0), ==, 0);
  /* Only outcomes that credit time. */
  g_assert_cmpint (mend_rules_minutes_credited (nine, nine + 180 * MINUTE, 0, FALSE, 240), ==, 0);
  /* Part minutes are not credited. */
  g_assert_cmpint (mend_rules_minutes_credited (nine, nine + 90 * MINUTE + 59999, 0, TRUE, 240), ==,
                   90);
  /* Nonsense never gives a negative credit. */
  g_assert_cmpint (mend_rules_minutes_credited (nine, nine - MINUTE, 0, TRUE, 240), ==, 0);
  g_assert_cmpint (mend_rules_minutes_credited (nine, nine + 10 * MINUTE, 30, TRUE, 240), ==, 0);
  g_assert_cmpint (mend_rules_minutes_credited (nine, nine + 10 * MINUTE, 0, TRUE, -5), ==, 0);

  g_assert_cmpint (mend_rules_minutes_owed (240, 0, 0), ==, 240);
  g_assert_cmpint (mend_rules_minutes_owed (600, 120, 200), ==, 280);
  g_assert_cmpint (mend_rules_minutes_owed (240, 200, 100), ==, 0);
}

static void
test_geofence (void)
{
  GError *error = NULL;

  g_assert_true (mend_rules_geofence (FALSE, 0, NULL, &error));
  g_assert_true (mend_rules_geofence (TRUE, 250, "Met at the gate", &error));
  assert_refused (mend_rules_geofence (TRUE, 250, NULL, &error), &error,
                  MEND_RULE_OUTSIDE_NEEDS_REASON);
  g_assert_nonnull (strstr (error->message, "250 m"));
  g_clear_error (&error);
  assert_refused (mend_rules_geofence (TRUE, 250, " \t", &error), &error,
                  MEND_RULE_OUTSIDE_NEEDS_REASON);
  g_clear_error (&error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/rules/names-unique", test_rule_names_are_unique);
  g_test_add_func ("/rules/check-in", test_check_in);
  g_test_add_func ("/rules/brief", test_brief);
  g_test_add_func ("/rules/check-out", test_check_out);
  g_test_add_func ("/rules/ratings", test_ratings);
  g_test_add_func ("/rules/absent", test_absent);
  g_test_add_func ("/rules/sessions", test_sessions);
  g_test_add_func ("/rules/tally", test_tally);
  g_test_add_func ("/rules/void", test_void);
  g_test_add_func ("/rules/minutes-credited", test_minutes_credited);
  g_test_add_func ("/rules/geofence", test_geofence);

  return g_test_run ();
}
