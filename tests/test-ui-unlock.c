/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-ui-unlock"

#include "config.h"

#include <string.h>

#include "mend-store-lockout.h"
#include "mend-test-reliability.h"
#include "mend-test-ui.h"
#include "mend-time.h"
#include "pages/session/mend-session-page.h"
#include "pages/today/mend-today-page.h"
#include "pages/unlock/mend-unlock-page.h"

typedef MendTestUi Fixture;

static void
fixture_set_up (Fixture *t, gconstpointer data)
{
  mend_test_ui_open (t);
}

static void
fixture_tear_down (Fixture *t, gconstpointer data)
{
  mend_test_ui_close (t);
}

static void
test_right_pin (Fixture *t, gconstpointer data)
{
  MendTodayPage *today = MEND_TODAY_PAGE (mend_window_get_page (t->window, "today"));

  g_assert_true (mend_window_get_locked (t->window));
  g_assert_cmpstr (mend_window_get_visible_page (t->window), ==, "unlock");
  /* Nothing past the lock can be reached while locked. */
  mend_test_ui_try_activate (GTK_WIDGET (t->window), "win.open-session", "s", t->session_id);
  g_assert_cmpstr (mend_window_get_visible_page (t->window), ==, "unlock");

  mend_test_ui_unlock (t, "sup-ana", "2468");
  g_assert_false (mend_window_get_locked (t->window));
  g_assert_cmpstr (mend_recorder_get_supervisor_id (t->recorder), ==, "sup-ana");
  g_assert_cmpuint (
      mend_unlock_page_get_failures (MEND_UNLOCK_PAGE (mend_window_get_page (t->window, "unlock"))),
      ==, 0);
  /* Today's two demo sessions, and a status line that says GPS is off and nothing waits. */
  g_assert_cmpuint (mend_today_page_get_n_cards (today), ==, 2);
  mend_test_ui_wait_sync_counts (t);
  g_assert_nonnull (strstr (mend_today_page_get_status_text (today), "GPS off"));
  g_assert_nonnull (strstr (mend_today_page_get_status_text (today), "nothing waits"));
}

static gboolean
wait_over (gpointer data)
{
  return mend_unlock_page_get_wait_seconds (data) == 0;
}

static void
test_wrong_pin (Fixture *t, gconstpointer data)
{
  MendUnlockPage *page = MEND_UNLOCK_PAGE (mend_window_get_page (t->window, "unlock"));

  for (guint i = 1; i <= MEND_LOCKOUT_FREE_TRIES; i++)
    {
      mend_test_ui_unlock (t, "sup-joe", "0000");
      g_assert_true (mend_window_get_locked (t->window));
      g_assert_cmpuint (mend_unlock_page_get_failures (page), ==, i);
      g_assert_cmpuint (mend_unlock_page_get_wait_seconds (page), ==, 0);
    }

  /* The next wrong PIN makes the keypad wait, and while it waits no PIN is taken at all. */
  mend_test_ui_unlock (t, "sup-joe", "1111");
  g_assert_true (mend_window_get_locked (t->window));
  g_assert_cmpuint (mend_unlock_page_get_failures (page), ==, MEND_LOCKOUT_FREE_TRIES + 1);
  g_assert_cmpuint (mend_unlock_page_get_wait_seconds (page), >, 0);
  g_assert_cmpuint (mend_unlock_page_get_wait_seconds (page), <=, MEND_LOCKOUT_WAIT_BASE_MS / 1000);
  mend_test_ui_try_activate (GTK_WIDGET (page), "unlock.key", "s", "1");
  g_assert_cmpuint (mend_unlock_page_get_pin_length (page), ==, 0);
  mend_test_ui_try_activate (GTK_WIDGET (page), "unlock.submit", NULL);
  g_assert_false (mend_unlock_page_get_busy (page));

  /* The right PIN after the wait unlocks, and the count starts again. */
  mend_test_ui_wait_for (wait_over, page, MEND_LOCKOUT_WAIT_BASE_MS + 2000);
  mend_test_ui_unlock (t, "sup-joe", "1357");
  g_assert_false (mend_window_get_locked (t->window));
  g_assert_cmpstr (mend_recorder_get_supervisor_id (t->recorder), ==, "sup-joe");
  g_assert_cmpuint (mend_unlock_page_get_failures (page), ==, 0);
}

/* The wrong PINs are in the store: the app started again on it (as after a pulled battery)
 * still waits, and the next wrong PIN doubles the wait from where it was. */
static void
test_wrong_pin_after_restart (Fixture *t, gconstpointer data)
{
  MendUnlockPage *page = MEND_UNLOCK_PAGE (mend_window_get_page (t->window, "unlock"));
  g_autoptr (GError) error = NULL;
  MendLockout lockout = { 0 };

  for (guint i = 0; i <= MEND_LOCKOUT_FREE_TRIES; i++)
    mend_test_ui_unlock (t, "sup-joe", "0000");
  g_assert_cmpuint (mend_unlock_page_get_wait_seconds (page), >, 0);

  mend_test_ui_reopen (t);
  page = MEND_UNLOCK_PAGE (mend_window_get_page (t->window, "unlock"));
  g_assert_cmpuint (mend_unlock_page_get_failures (page), ==, MEND_LOCKOUT_FREE_TRIES + 1);
  g_assert_cmpuint (mend_unlock_page_get_wait_seconds (page), >, 0);
  g_assert_cmpuint (mend_unlock_page_get_wait_seconds (page), <=, MEND_LOCKOUT_WAIT_BASE_MS / 1000);
  /* The new window's keypad takes nothing while it waits, not even the right PIN. */
  mend_test_ui_activate (GTK_WIDGET (page), "unlock.pick", "s", "sup-joe");
  mend_test_ui_try_activate (GTK_WIDGET (page), "unlock.key", "s", "1");
  g_assert_cmpuint (mend_unlock_page_get_pin_length (page), ==, 0);
  mend_test_ui_try_activate (GTK_WIDGET (page), "unlock.submit", NULL);
  g_assert_false (mend_unlock_page_get_busy (page));
  g_assert_true (mend_window_get_locked (t->window));

  /* After the wait, one more wrong PIN: the fourth in a row, so twice the first wait. */
  mend_test_ui_wait_for (wait_over, page, MEND_LOCKOUT_WAIT_BASE_MS + 2000);
  mend_test_ui_unlock (t, "sup-joe", "9999");
  g_assert_cmpuint (mend_unlock_page_get_failures (page), ==, MEND_LOCKOUT_FREE_TRIES + 2);
  g_assert_cmpuint (mend_unlock_page_get_wait_seconds (page), >, MEND_LOCKOUT_WAIT_BASE_MS / 1000);
  g_assert_cmpuint (mend_unlock_page_get_wait_seconds (page), <=,
                    2 * MEND_LOCKOUT_WAIT_BASE_MS / 1000);
  g_assert_true (mend_store_lockout_get (t->store, mend_time_now_ms (), &lockout, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (lockout.failures, ==, MEND_LOCKOUT_FREE_TRIES + 2);
  g_assert_cmpint (lockout.wait_left_ms, >, MEND_LOCKOUT_WAIT_BASE_MS);
  mend_test_reliability_row ("the app restarted during a PIN lockout", 1,
                             MEND_RELIABILITY_NOTHING_LOST);
}

static gboolean
waiting (gpointer data)
{
  return mend_unlock_page_get_wait_seconds (data) > 0;
}

/* A wrong PIN whose check is cut short by a reset of the page (a lock, Back to Unlock) is
 * recorded all the same, and its wait applies once the check ends. */
static void
test_wrong_pin_reset_while_checking (Fixture *t, gconstpointer data)
{
  MendUnlockPage *page = MEND_UNLOCK_PAGE (mend_window_get_page (t->window, "unlock"));
  g_autoptr (GError) error = NULL;
  MendLockout lockout = { 0 };

  for (guint i = 0; i < MEND_LOCKOUT_FREE_TRIES; i++)
    mend_test_ui_unlock (t, "sup-ana", "0000");
  mend_test_ui_activate (GTK_WIDGET (page), "unlock.pick", "s", "sup-ana");
  for (guint i = 0; i < 4; i++)
    mend_test_ui_activate (GTK_WIDGET (page), "unlock.key", "s", "7");
  mend_test_ui_activate (GTK_WIDGET (page), "unlock.submit", NULL);
  g_assert_true (mend_unlock_page_get_busy (page));
  mend_unlock_page_reset (page);
  g_assert_false (mend_unlock_page_get_busy (page));
  mend_test_ui_wait_for (waiting, page, 20000);
  g_assert_cmpuint (mend_unlock_page_get_failures (page), ==, MEND_LOCKOUT_FREE_TRIES + 1);
  g_assert_true (mend_store_lockout_get (t->store, mend_time_now_ms (), &lockout, &error));
  g_assert_cmpuint (lockout.failures, ==, MEND_LOCKOUT_FREE_TRIES + 1);
}

static void
test_lock_and_unlock (Fixture *t, gconstpointer data)
{
  GtkWidget *session;
  g_autoptr (MendTestEventRow) event = NULL;
  g_autoptr (MendTestRosterRow) row = NULL;

  mend_test_ui_unlock (t, "sup-ana", "2468");
  mend_test_ui_start_session (t);
  event = mend_test_ui_last_event (t);
  g_assert_cmpstr (event->kind, ==, "session.started");
  g_assert_cmpstr (event->supervisor_id, ==, "sup-ana");
  g_clear_pointer (&event, mend_event_row_free);

  /* Locking on demand forgets who was unlocked; a record tried now is refused, not made. */
  mend_test_ui_activate (GTK_WIDGET (t->window), "win.lock", NULL);
  g_assert_true (mend_window_get_locked (t->window));
  g_assert_cmpstr (mend_window_get_visible_page (t->window), ==, "unlock");
  g_assert_null (mend_recorder_get_supervisor_id (t->recorder));
  session = mend_window_get_page (t->window, "session");
  mend_test_ui_activate (session, "session.check-in", "s", "demo-p-hart");
  mend_test_ui_wait_idle (t);
  row = mend_test_ui_roster_row (t, "demo-p-hart");
  g_assert_cmpint (row->state, ==, MEND_ATTENDANCE_EXPECTED);
  g_assert_nonnull (strstr (mend_session_page_get_message (MEND_SESSION_PAGE (session)), "locked"));
  g_clear_pointer (&row, mend_roster_row_free);

  /* Whoever unlocks next is who the records name. */
  mend_test_ui_unlock (t, "sup-joe", "1357");
  mend_test_ui_check_in (t, "demo-p-hart");
  event = mend_test_ui_last_event (t);
  g_assert_cmpstr (event->kind, ==, "attendance.checked_in");
  g_assert_cmpstr (event->supervisor_id, ==, "sup-joe");
}

static void
test_idle_lock (Fixture *t, gconstpointer data)
{
  gint64 unlocked_at;

  g_assert_cmpuint (g_settings_get_uint (t->settings, "lock-minutes"), ==, 10);
  mend_test_ui_unlock (t, "sup-ana", "2468");
  unlocked_at = g_get_monotonic_time ();

  /* Nine idle minutes keep it open; ten lock it. */
  mend_window_check_idle (t->window, unlocked_at + (gint64)9 * 60 * G_USEC_PER_SEC);
  g_assert_false (mend_window_get_locked (t->window));
  mend_window_check_idle (t->window, unlocked_at + (gint64)10 * 60 * G_USEC_PER_SEC);
  g_assert_true (mend_window_get_locked (t->window));
  g_assert_cmpstr (mend_window_get_visible_page (t->window), ==, "unlock");
  g_assert_null (mend_recorder_get_supervisor_id (t->recorder));

  /* Zero never locks by itself. */
  g_settings_set_uint (t->settings, "lock-minutes", 0);
  mend_test_ui_unlock (t, "sup-ana", "2468");
  mend_window_check_idle (t->window, g_get_monotonic_time () + (gint64)24 * 3600 * G_USEC_PER_SEC);
  g_assert_false (mend_window_get_locked (t->window));
}

int
main (int argc, char **argv)
{
  mend_test_ui_init (&argc, &argv);

  g_test_add ("/ui/unlock/right-pin", Fixture, NULL, fixture_set_up, test_right_pin,
              fixture_tear_down);
  g_test_add ("/ui/unlock/wrong-pin", Fixture, NULL, fixture_set_up, test_wrong_pin,
              fixture_tear_down);
  g_test_add ("/ui/unlock/wrong-pin-after-restart", Fixture, NULL, fixture_set_up,
              test_wrong_pin_after_restart, fixture_tear_down);
  g_test_add ("/ui/unlock/wrong-pin-reset-while-checking", Fixture, NULL, fixture_set_up,
              test_wrong_pin_reset_while_checking, fixture_tear_down);
  g_test_add ("/ui/unlock/lock-and-unlock", Fixture, NULL, fixture_set_up, test_lock_and_unlock,
              fixture_tear_down);
  g_test_add ("/ui/unlock/idle-lock", Fixture, NULL, fixture_set_up, test_idle_lock,
              fixture_tear_down);
  return g_test_run ();
}
