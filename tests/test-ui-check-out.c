/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-ui-check-out"

#include "config.h"

#include <sodium.h>
#include <sqlite3.h>
#include <string.h>

#include "mend-rules.h"
#include "mend-seal.h"
#include "mend-store-seal.h"
#include "mend-store-ui-queries.h"
#include "mend-test-ui.h"
#include "pages/check-out/mend-check-out-page.h"

typedef MendTestUi Fixture;

/* One case per kind of outcome in the demo's codes: time credited, time credited less a
 * penalty (and the referrer told), no time (sent home for behaviour), time credited though
 * sent home early (service issues). */
typedef struct
{
  const char *outcome;
  gboolean credits_time;
  int penalty;
  gboolean alerts_referrer;
  int expected_minutes; /* with an hour on site */
} Case;

static const Case cases[] = {
  { "ATTC", TRUE, 0, FALSE, 60 },
  { "AFTC", TRUE, 15, TRUE, 45 },
  { "ATSH", FALSE, 0, TRUE, 0 },
  { "ATSS", TRUE, 0, FALSE, 60 },
};

static void
fixture_set_up (Fixture *t, gconstpointer data)
{
  mend_test_ui_open (t);
  mend_test_ui_unlock (t, "sup-ana", "2468");
  mend_test_ui_start_session (t);
  mend_test_ui_check_in (t, "demo-p-hart");
}

static void
fixture_tear_down (Fixture *t, gconstpointer data)
{
  mend_test_ui_close (t);
}

static gboolean
back_on_session (gpointer data)
{
  Fixture *t = data;
  return g_str_equal (mend_window_get_visible_page (t->window), "session");
}

static MendCheckOutPage *
open_check_out (Fixture *t)
{
  mend_test_ui_activate (GTK_WIDGET (t->window), "win.check-out", "s", "demo-p-hart");
  g_assert_cmpstr (mend_window_get_visible_page (t->window), ==, "check-out");
  return MEND_CHECK_OUT_PAGE (mend_window_get_page (t->window, "check-out"));
}

static void
test_outcome (Fixture *t, gconstpointer data)
{
  const Case *c = data;
  MendCheckOutPage *page = open_check_out (t);
  GtkWidget *widget = GTK_WIDGET (page);
  g_autoptr (MendTestRosterRow) before = mend_test_ui_roster_row (t, "demo-p-hart");
  g_autoptr (MendTestRosterRow) row = NULL;
  g_autoptr (MendTestEventRow) event = NULL;
  gboolean alert = FALSE;
  int expected;

  /* Prefilled: arrival at the check-in, finish now. Nothing can be reviewed before an outcome
   * is chosen. */
  g_assert_cmpint (mend_check_out_page_get_arrived_at (page), ==, before->arrived_at_ms);
  g_assert_cmpint (ABS (mend_check_out_page_get_finished_at (page) - g_get_real_time () / 1000), <,
                   61000);
  mend_test_ui_try_activate (widget, "check-out.review", NULL);
  g_assert_cmpint (mend_check_out_page_get_review_minutes (page), ==, -1);

  /* An hour on site, by the arrival stepper. */
  for (int i = 0; i < 12; i++)
    mend_test_ui_activate (widget, "check-out.arrival-step", "i", -MEND_CHECK_OUT_STEP_MINUTES);
  for (int i = 0; i < c->penalty / MEND_CHECK_OUT_STEP_MINUTES; i++)
    mend_test_ui_activate (widget, "check-out.penalty-step", "i", MEND_CHECK_OUT_STEP_MINUTES);
  mend_test_ui_activate (widget, "check-out.outcome", "s", c->outcome);
  /* The outcome sets the tell-the-referrer switch to its usual answer. */
  g_object_get (page, "alert-referrer", &alert, NULL);
  g_assert_cmpint (alert, ==, c->alerts_referrer);
  /* The field for what the referrer must know shows only with the alert; what is typed in it
   * while the alert is off is not recorded. */
  g_assert_cmpint (mend_check_out_page_get_alert_details_shown (page), ==, c->alerts_referrer);
  mend_check_out_page_set_alert_details (page, "Asked for a new start time.");
  mend_test_ui_activate (widget, "check-out.quality", "s", "good");
  mend_test_ui_activate (widget, "check-out.behaviour", "s", "excellent");
  mend_check_out_page_set_notes (page, "Worked well on the north path.");
  mend_test_ui_activate (widget, "check-out.notes-sensitive", NULL);
  g_object_get (page, "notes-sensitive", &alert, NULL);
  g_assert_true (alert);
  mend_test_ui_try_activate (widget, "check-out.save", NULL);
  g_assert_false (mend_check_out_page_get_saving (page));
  mend_test_ui_snapshot (t, "check-out");

  /* The review shows the minutes the shared rule credits, before anything is saved. */
  mend_test_ui_activate (widget, "check-out.review", NULL);
  expected = mend_rules_minutes_credited (mend_check_out_page_get_arrived_at (page),
                                          mend_check_out_page_get_finished_at (page), c->penalty,
                                          c->credits_time, before->minutes_owed);
  g_assert_cmpint (mend_check_out_page_get_review_minutes (page), ==, expected);
  /* An hour, give or take the minute the test may straddle. */
  g_assert_cmpint (expected, >=, c->expected_minutes);
  g_assert_cmpint (expected, <=, c->expected_minutes + (c->credits_time ? 1 : 0));
  g_assert_cmpuint (mend_test_ui_count_events (t, "attendance.checked_out"), ==, 0);
  mend_test_ui_snapshot (t, "check-out-review");

  mend_test_ui_activate (widget, "check-out.save", NULL);
  mend_test_ui_wait_idle (t);
  mend_test_ui_wait_for (back_on_session, t, 2000);

  row = mend_test_ui_roster_row (t, "demo-p-hart");
  g_assert_cmpint (row->state, ==, MEND_ATTENDANCE_DONE);
  g_assert_cmpstr (row->outcome, ==, c->outcome);
  g_assert_cmpint (row->minutes_credited, ==, expected);
  g_assert_cmpint (row->penalty_minutes, ==, c->penalty);
  g_assert_cmpstr (row->quality, ==, "good");
  g_assert_cmpstr (row->behaviour, ==, "excellent");
  g_assert_cmpint (row->minutes_owed, ==, before->minutes_owed - expected);
  event = mend_test_ui_last_event (t);
  g_assert_cmpstr (event->kind, ==, "attendance.checked_out");
  g_assert_cmpstr (event->supervisor_id, ==, "sup-ana");
  /* Sensitive notes never appear in the clear on the device's reads. */
  g_assert_null (strstr (event->payload, "north path"));
  g_assert_null (strstr (event->payload, "new start time"));
  g_assert_cmpint (strstr (event->payload, "\"alert_details\"") != NULL, ==, c->alerts_referrer);
}

static gboolean
store_file_holds (Fixture *t, const char *text)
{
  const char *const suffixes[] = { "", "-wal" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *path = g_strconcat (t->dir, "/mend.db", suffixes[i], NULL);
      g_autofree char *bytes = NULL;
      gsize length = 0;

      if (!g_file_get_contents (path, &bytes, &length, NULL))
        continue;
      for (gsize at = 0, n = strlen (text); at + n <= length; at++)
        if (memcmp (bytes + at, text, n) == 0)
          return TRUE;
    }
  return FALSE;
}

/* On a device that holds HQ's key: the supervisor switches on telling the referrer, the field
 * appears, the details are sealed when saved, and the device then says only that sealed
 * details exist. */
static void
test_alert_details (Fixture *t, gconstpointer data)
{
  MendCheckOutPage *page = NULL;
  GtkWidget *widget;
  g_autoptr (GError) error = NULL;
  g_autoptr (MendTestEventRow) event = NULL;
  g_autoptr (GPtrArray) history = NULL;
  guint8 pk[32], sk[32];
  char pk64[64];
  gboolean alert = TRUE;
  gboolean sealed = FALSE;
  const char *details = "Referrer must call: new <address> from Monday";

  g_assert_cmpint (sodium_init (), >=, 0);
  crypto_box_keypair (pk, sk);
  sodium_bin2base64 (pk64, sizeof pk64, pk, 32, sodium_base64_VARIANT_ORIGINAL);
  /* A demo store cannot be enrolled (HQ would replace its reference data), so HQ's key is put
   * where enrolment keeps it, through a connection of the test's own. */
  {
    g_autofree char *path = g_build_filename (t->dir, "mend.db", NULL);
    g_autofree char *sql = g_strdup_printf (
        "INSERT INTO sync_enrolment (singleton, hq_url, team_id, team_name, hq_public_key, "
        "enrolled_at) VALUES (1, 'http://127.0.0.1:9', 'team-north', 'North', '%s', 0)",
        pk64);
    sqlite3 *db = NULL;

    g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
    sqlite3_busy_timeout (db, 5000);
    g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
    sqlite3_close (db);
  }

  page = open_check_out (t);
  widget = GTK_WIDGET (page);
  mend_test_ui_activate (widget, "check-out.outcome", "s", "ATTC");
  g_object_get (page, "alert-referrer", &alert, NULL);
  g_assert_false (alert);
  g_assert_false (mend_check_out_page_get_alert_details_shown (page));
  mend_test_ui_activate (widget, "check-out.alert-referrer", NULL);
  g_assert_true (mend_check_out_page_get_alert_details_shown (page));
  mend_check_out_page_set_alert_details (page, details);
  mend_test_ui_snapshot (t, "check-out-alert");
  /* Off and on again: the field hides and comes back with what was typed. */
  mend_test_ui_activate (widget, "check-out.alert-referrer", NULL);
  g_assert_false (mend_check_out_page_get_alert_details_shown (page));
  mend_test_ui_activate (widget, "check-out.alert-referrer", NULL);
  g_assert_true (mend_check_out_page_get_alert_details_shown (page));
  mend_test_ui_activate (widget, "check-out.review", NULL);
  mend_test_ui_activate (widget, "check-out.save", NULL);
  mend_test_ui_wait_idle (t);
  mend_test_ui_wait_for (back_on_session, t, 2000);

  event = mend_test_ui_last_event (t);
  g_assert_cmpstr (event->kind, ==, "attendance.checked_out");
  g_assert_true (mend_store_event_has_sealed_alert_details (t->store, event->id, &sealed, &error));
  g_assert_no_error (error);
  g_assert_true (sealed);
  g_assert_nonnull (strstr (event->payload, MEND_SEAL_ALERT_PLACEHOLDER));
  g_assert_null (strstr (event->payload, "address"));
  g_assert_false (store_file_holds (t, "new <address>"));
  history = mend_store_list_person_history (t->store, "demo-p-hart", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (history->len, >, 0);
  g_assert_cmpint (((MendHistoryRow *)g_ptr_array_index (history, 0))->alert_details, ==,
                   MEND_HISTORY_NOTE_SEALED);
}

static void
test_refused_keeps_form (Fixture *t, gconstpointer data)
{
  MendCheckOutPage *page = open_check_out (t);
  GtkWidget *widget = GTK_WIDGET (page);
  g_autoptr (MendTestRosterRow) row = NULL;

  /* A penalty longer than the time on site: the review shows it, the store's rule refuses
   * it by name, and the form keeps everything. */
  for (int i = 0; i < 2; i++)
    mend_test_ui_activate (widget, "check-out.arrival-step", "i", -MEND_CHECK_OUT_STEP_MINUTES);
  for (int i = 0; i < 12; i++)
    mend_test_ui_activate (widget, "check-out.penalty-step", "i", MEND_CHECK_OUT_STEP_MINUTES);
  mend_test_ui_activate (widget, "check-out.outcome", "s", "AFTC");
  mend_check_out_page_set_notes (page, "Left twice without asking.");
  mend_test_ui_activate (widget, "check-out.review", NULL);
  g_assert_cmpint (mend_check_out_page_get_review_minutes (page), ==, 0);
  mend_test_ui_activate (widget, "check-out.save", NULL);
  mend_test_ui_wait_idle (t);

  g_assert_nonnull (
      strstr (mend_check_out_page_get_message (page), "check-out.penalty-exceeds-time-on-site"));
  g_assert_cmpstr (mend_window_get_visible_page (t->window), ==, "check-out");
  row = mend_test_ui_roster_row (t, "demo-p-hart");
  g_assert_cmpint (row->state, ==, MEND_ATTENDANCE_ON_SITE);
  g_assert_cmpuint (mend_test_ui_count_events (t, "attendance.checked_out"), ==, 0);

  /* Back to the form, fixed, saved: the notes typed before the refusal are still there. */
  mend_test_ui_activate (widget, "check-out.edit", NULL);
  for (int i = 0; i < 11; i++)
    mend_test_ui_activate (widget, "check-out.penalty-step", "i", -MEND_CHECK_OUT_STEP_MINUTES);
  mend_test_ui_activate (widget, "check-out.review", NULL);
  mend_test_ui_activate (widget, "check-out.save", NULL);
  mend_test_ui_wait_idle (t);
  g_clear_pointer (&row, mend_roster_row_free);
  row = mend_test_ui_roster_row (t, "demo-p-hart");
  g_assert_cmpint (row->state, ==, MEND_ATTENDANCE_DONE);
  g_assert_cmpint (row->penalty_minutes, ==, 5);
  {
    g_autoptr (MendTestEventRow) event = mend_test_ui_last_event (t);
    g_assert_nonnull (strstr (event->payload, "Left twice without asking."));
  }
}

int
main (int argc, char **argv)
{
  mend_test_ui_init (&argc, &argv);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/ui/check-out/%s", cases[i].outcome);
      g_test_add (path, Fixture, &cases[i], fixture_set_up, test_outcome, fixture_tear_down);
    }
  g_test_add ("/ui/check-out/refused-keeps-form", Fixture, NULL, fixture_set_up,
              test_refused_keeps_form, fixture_tear_down);
  g_test_add ("/ui/check-out/alert-details", Fixture, NULL, fixture_set_up, test_alert_details,
              fixture_tear_down);
  return g_test_run ();
}
