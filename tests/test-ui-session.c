/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-ui-session"

#include "config.h"

#include <string.h>

#include "mend-photo.h"
#include "mend-test-ui.h"
#include "pages/correct/mend-correct-page.h"
#include "pages/session/mend-person-row.h"
#include "pages/session/mend-photo-panel.h"
#include "pages/session/mend-session-page.h"
#include "pages/settings/mend-settings-page.h"
#include "pages/sync/mend-sync-page.h"

typedef MendTestUi Fixture;

static void
fixture_set_up (Fixture *t, gconstpointer data)
{
  mend_test_ui_open (t);
  mend_test_ui_unlock (t, "sup-ana", "2468");
}

static void
fixture_tear_down (Fixture *t, gconstpointer data)
{
  mend_test_ui_close (t);
}

static GtkWidget *
session_page (Fixture *t)
{
  return mend_window_get_page (t->window, "session");
}

static void
test_check_in (Fixture *t, gconstpointer data)
{
  g_autoptr (MendTestRosterRow) row = NULL;
  g_autoptr (MendTestEventRow) event = NULL;
  MendPersonRow *widget;

  /* Nothing can be recorded about people before the session starts. */
  mend_test_ui_activate (GTK_WIDGET (t->window), "win.open-session", "s", t->session_id);
  mend_test_ui_try_activate (session_page (t), "session.check-in", "s", "demo-p-hart");
  g_assert_cmpuint (mend_recorder_get_n_pending (t->recorder), ==, 0);
  g_assert_cmpuint (mend_test_ui_count_events (t, "attendance.checked_in"), ==, 0);

  mend_test_ui_start_session (t);
  event = mend_test_ui_last_event (t);
  g_assert_cmpstr (event->kind, ==, "session.started");
  g_assert_cmpstr (event->supervisor_id, ==, "sup-ana");
  /* GPS is off in these tests, and the record says so. */
  g_assert_cmpint (event->fix.state, ==, MEND_FIX_STATE_OFF);
  g_clear_pointer (&event, mend_event_row_free);

  mend_test_ui_check_in (t, "demo-p-hart");
  event = mend_test_ui_last_event (t);
  g_assert_cmpstr (event->kind, ==, "attendance.checked_in");
  g_assert_cmpstr (event->participant_id, ==, "demo-p-hart");

  /* The row shows the new state from the store, with time on site. */
  widget = MEND_PERSON_ROW (
      mend_session_page_get_person_row (MEND_SESSION_PAGE (session_page (t)), "demo-p-hart"));
  g_assert_cmpint (mend_person_row_get_state (widget), ==, MEND_ATTENDANCE_ON_SITE);
  g_assert_true (g_str_has_prefix (mend_person_row_get_time_text (widget), "On site since"));

  /* The safety briefing after check-in. */
  mend_test_ui_activate (session_page (t), "session.brief", "s", "demo-p-hart");
  mend_test_ui_wait_idle (t);
  row = mend_test_ui_roster_row (t, "demo-p-hart");
  g_assert_true (row->briefed);
  g_assert_cmpuint (mend_test_ui_count_events (t, "attendance.briefed"), ==, 1);

  /* A second check-in of the same person is refused by its rule, named on the page. */
  mend_test_ui_activate (session_page (t), "session.check-in", "s", "demo-p-hart");
  mend_test_ui_wait_idle (t);
  g_assert_nonnull (strstr (mend_session_page_get_message (MEND_SESSION_PAGE (session_page (t))),
                            "check-in.already-checked-in"));
  g_assert_cmpuint (mend_test_ui_count_events (t, "attendance.checked_in"), ==, 1);
}

static void
test_did_not_attend (Fixture *t, gconstpointer data)
{
  g_autoptr (MendTestRosterRow) row = NULL;
  MendPersonRow *widget;

  mend_test_ui_start_session (t);
  mend_test_ui_activate (session_page (t), "session.absent", "s", "demo-p-cole");
  mend_test_ui_wait_idle (t);
  row = mend_test_ui_roster_row (t, "demo-p-cole");
  g_assert_cmpint (row->state, ==, MEND_ATTENDANCE_ABSENT);
  g_assert_cmpint (row->minutes_credited, ==, 0);
  g_assert_cmpuint (mend_test_ui_count_events (t, "attendance.absent"), ==, 1);
  widget = MEND_PERSON_ROW (
      mend_session_page_get_person_row (MEND_SESSION_PAGE (session_page (t)), "demo-p-cole"));
  g_assert_cmpint (mend_person_row_get_state (widget), ==, MEND_ATTENDANCE_ABSENT);

  /* Someone marked absent cannot then be checked in. */
  mend_test_ui_activate (session_page (t), "session.check-in", "s", "demo-p-cole");
  mend_test_ui_wait_idle (t);
  g_clear_pointer (&row, mend_roster_row_free);
  row = mend_test_ui_roster_row (t, "demo-p-cole");
  g_assert_cmpint (row->state, ==, MEND_ATTENDANCE_ABSENT);
  g_assert_cmpuint (mend_test_ui_count_events (t, "attendance.checked_in"), ==, 0);
}

static gint64
tally_total (Fixture *t, const char *category)
{
  g_autoptr (GPtrArray) tallies = mend_store_list_tallies (t->store, t->session_id, NULL);

  for (guint i = 0; tallies != NULL && i < tallies->len; i++)
    {
      const MendTallyRow *row = g_ptr_array_index (tallies, i);

      if (g_str_equal (row->id, category))
        return row->total;
    }
  g_assert_not_reached ();
}

static void
test_tally (Fixture *t, gconstpointer data)
{
  mend_test_ui_start_session (t);
  for (int i = 0; i < 3; i++)
    {
      mend_test_ui_activate (session_page (t), "session.tally", "(si)", "bags", 1);
      mend_test_ui_wait_idle (t);
    }
  g_assert_cmpint (tally_total (t, "bags"), ==, 3);
  mend_test_ui_activate (session_page (t), "session.tally", "(si)", "bags", -1);
  mend_test_ui_wait_idle (t);
  g_assert_cmpint (tally_total (t, "bags"), ==, 2);
  mend_test_ui_activate (session_page (t), "session.tally", "(si)", "graffiti", 1);
  mend_test_ui_wait_idle (t);
  g_assert_cmpint (tally_total (t, "graffiti"), ==, 1);
  g_assert_cmpint (tally_total (t, "bulky"), ==, 0);
  g_assert_cmpuint (mend_test_ui_count_events (t, "tally.adjusted"), ==, 5);
  mend_test_ui_snapshot (t, "session");

  /* Below zero is refused by the rule, and the total stays. */
  mend_test_ui_activate (session_page (t), "session.tally", "(si)", "bulky", -1);
  mend_test_ui_wait_idle (t);
  g_assert_cmpint (tally_total (t, "bulky"), ==, 0);
  g_assert_cmpuint (mend_test_ui_count_events (t, "tally.adjusted"), ==, 5);
}

static gboolean
on_page (gpointer data)
{
  Fixture *t = data;
  return g_str_equal (mend_window_get_visible_page (t->window), "session");
}

static void
test_end_refused (Fixture *t, gconstpointer data)
{
  MendSessionPage *page;
  g_autoptr (MendSessionRow) session = NULL;
  GtkWidget *check_out;

  mend_test_ui_start_session (t);
  page = MEND_SESSION_PAGE (session_page (t));
  mend_test_ui_check_in (t, "demo-p-hart");
  mend_test_ui_activate (GTK_WIDGET (page), "session.absent", "s", "demo-p-cole");
  mend_test_ui_wait_idle (t);

  /* Someone is on site: End shows the refusal, by rule name, and who is still there, and the
   * end cannot be confirmed. */
  mend_test_ui_activate (GTK_WIDGET (page), "session.end", NULL);
  g_assert_nonnull (strstr (mend_session_page_get_message (page), "session.people-on-site"));
  g_assert_nonnull (strstr (mend_session_page_get_message (page), "Daniel Hart"));
  mend_test_ui_snapshot (t, "end-refused");
  mend_test_ui_try_activate (GTK_WIDGET (page), "session.end-confirm", NULL);
  g_assert_cmpuint (mend_recorder_get_n_pending (t->recorder), ==, 0);
  mend_test_ui_wait_idle (t);
  g_assert_cmpuint (mend_test_ui_count_events (t, "session.ended"), ==, 0);

  /* Checked out, the session can end: the summary first, then the confirmation. */
  mend_test_ui_activate (GTK_WIDGET (t->window), "win.check-out", "s", "demo-p-hart");
  check_out = mend_window_get_page (t->window, "check-out");
  mend_test_ui_activate (check_out, "check-out.outcome", "s", "ATTC");
  mend_test_ui_activate (check_out, "check-out.review", NULL);
  mend_test_ui_activate (check_out, "check-out.save", NULL);
  mend_test_ui_wait_idle (t);
  mend_test_ui_wait_for (on_page, t, 2000);

  mend_test_ui_activate (GTK_WIDGET (page), "session.end", NULL);
  g_assert_cmpstr (mend_session_page_get_message (page), ==, "");
  mend_test_ui_activate (GTK_WIDGET (page), "session.end-confirm", NULL);
  mend_test_ui_wait_idle (t);
  g_assert_cmpuint (mend_test_ui_count_events (t, "session.ended"), ==, 1);
  session = mend_store_get_session (t->store, t->session_id, NULL);
  g_assert_cmpint (session->state, ==, MEND_SESSION_ENDED);
  /* Nothing more can be recorded about people once it has ended. */
  mend_test_ui_try_activate (GTK_WIDGET (page), "session.tally", "(si)", "bags", 1);
  g_assert_cmpuint (mend_recorder_get_n_pending (t->recorder), ==, 0);
  g_assert_cmpuint (mend_test_ui_count_events (t, "tally.adjusted"), ==, 0);
}

static void
test_correct (Fixture *t, gconstpointer data)
{
  MendCorrectPage *page;
  g_autoptr (MendTestRosterRow) row = NULL;

  mend_test_ui_start_session (t);
  mend_test_ui_activate (session_page (t), "session.absent", "s", "demo-p-cole");
  mend_test_ui_wait_idle (t);

  mend_test_ui_activate (GTK_WIDGET (t->window), "win.correct", "s", "demo-p-cole");
  g_assert_cmpstr (mend_window_get_visible_page (t->window), ==, "correct");
  page = MEND_CORRECT_PAGE (mend_window_get_page (t->window, "correct"));
  g_assert_cmpuint (mend_correct_page_get_n_records (page), ==, 1);

  {
    g_autoptr (MendTestEventRow) absent = mend_test_ui_last_event (t);

    /* Without a reason the store's rule refuses, by name. */
    mend_test_ui_activate (GTK_WIDGET (page), "correct.void", "s", absent->id);
    mend_test_ui_wait_idle (t);
    g_assert_nonnull (strstr (mend_correct_page_get_message (page), "void."));
    g_assert_cmpuint (mend_test_ui_count_events (t, "event.voided"), ==, 0);

    mend_correct_page_set_reason (page, "He came, late: marked absent by mistake");
    mend_test_ui_activate (GTK_WIDGET (page), "correct.void", "s", absent->id);
    mend_test_ui_wait_idle (t);
  }
  g_assert_cmpuint (mend_test_ui_count_events (t, "event.voided"), ==, 1);
  row = mend_test_ui_roster_row (t, "demo-p-cole");
  g_assert_cmpint (row->state, ==, MEND_ATTENDANCE_EXPECTED);
}

static void
test_sync_counts (Fixture *t, gconstpointer data)
{
  MendSyncPage *page = MEND_SYNC_PAGE (mend_window_get_page (t->window, "sync"));

  mend_test_ui_activate (GTK_WIDGET (t->window), "win.show-sync", NULL);
  mend_test_ui_wait_sync_counts (t);
  g_assert_true (g_str_has_prefix (mend_sync_page_get_events_text (page), "0 "));
  mend_test_ui_start_session (t);
  mend_test_ui_check_in (t, "demo-p-hart");
  /* The page follows the store after records, counted off the main thread. */
  mend_test_ui_wait_sync_counts (t);
  g_assert_true (g_str_has_prefix (mend_sync_page_get_events_text (page), "2 "));
  g_assert_true (g_str_has_prefix (mend_sync_page_get_photos_text (page), "0 "));
}

static gboolean
camera_settled (gpointer data)
{
  return !mend_photo_panel_get_camera_starting (data);
}

static gboolean
capture_done (gpointer data)
{
  MendPhotoPanel *panel = data;

  return mend_photo_panel_get_n_busy (panel) == 0 && mend_photo_panel_get_n_thumbnails (panel) > 0;
}

static void
test_photo (Fixture *t, gconstpointer data)
{
  MendPhotoPanel *panel;
  g_autoptr (GPtrArray) photos = NULL;
  const MendPhotoRow *photo;

  g_settings_set_string (t->settings, "camera-source",
                         "videotestsrc is-live=true ! video/x-raw,width=640,height=480");
  g_settings_set_uint (t->settings, "photo-long-edge", 640);
  mend_test_ui_start_session (t);
  panel
      = MEND_PHOTO_PANEL (mend_session_page_get_photo_panel (MEND_SESSION_PAGE (session_page (t))));

  mend_test_ui_activate (GTK_WIDGET (panel), "photos.camera", NULL);
  /* The camera starts on its own thread; the window goes on meanwhile. */
  g_assert_true (mend_photo_panel_get_camera_starting (panel));
  mend_test_ui_wait_for (camera_settled, panel, 10000);
  g_assert_true (mend_photo_panel_get_camera_on (panel));
  mend_test_ui_activate (GTK_WIDGET (panel), "photos.capture", "s", "before");
  mend_test_ui_wait_for (capture_done, panel, 15000);
  mend_test_ui_wait_idle (t);

  photos = mend_store_list_photos (t->store, t->session_id, NULL);
  g_assert_cmpuint (photos->len, ==, 1);
  photo = g_ptr_array_index (photos, 0);
  g_assert_cmpint (photo->role, ==, MEND_PHOTO_ROLE_BEFORE);
  g_assert_cmpint (photo->width, ==, 640);
  g_assert_cmpint (photo->height, ==, 480);
  g_assert_true (g_file_test (photo->path, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpuint (mend_photo_panel_get_n_thumbnails (panel), ==, 1);

  mend_test_ui_activate (GTK_WIDGET (panel), "photos.camera", NULL);
  g_assert_false (mend_photo_panel_get_camera_on (panel));
}

static void
test_no_camera (Fixture *t, gconstpointer data)
{
  MendPhotoPanel *panel;

  /* A camera that is not there: an error in words, and nothing recorded. */
  g_settings_set_string (t->settings, "camera-source", "v4l2src device=/dev/mend-no-such-camera");
  mend_test_ui_start_session (t);
  panel
      = MEND_PHOTO_PANEL (mend_session_page_get_photo_panel (MEND_SESSION_PAGE (session_page (t))));
  mend_test_ui_activate (GTK_WIDGET (panel), "photos.camera", NULL);
  mend_test_ui_wait_for (camera_settled, panel, 10000);
  g_assert_false (mend_photo_panel_get_camera_on (panel));
  mend_test_ui_try_activate (GTK_WIDGET (panel), "photos.capture", "s", "before");
  g_assert_cmpuint (mend_photo_panel_get_n_busy (panel), ==, 0);
  g_assert_cmpuint (mend_test_ui_count_events (t, "photo.taken"), ==, 0);
}

/* Every control can be found by its name: a button's label or an accessible label, an entry's
 * accessible label. The end-to-end tests and screen readers rely on it. */
static void
check_names (GtkWidget *widget, guint *n_checked)
{
  GtkWidget *child;

  /* Hidden widgets are skipped: libadwaita keeps a hidden, unnamed apply button in each
   * AdwEntryRow, and a screen reader never meets it. */
  if (!gtk_widget_get_visible (widget))
    return;
  if (GTK_IS_BUTTON (widget) || GTK_IS_MENU_BUTTON (widget) || GTK_IS_CHECK_BUTTON (widget)
      || GTK_IS_SWITCH (widget) || GTK_IS_ENTRY (widget) || GTK_IS_TEXT_VIEW (widget)
      || GTK_IS_SPIN_BUTTON (widget))
    {
      const char *label = NULL;

      if (GTK_IS_BUTTON (widget))
        label = gtk_button_get_label (GTK_BUTTON (widget));
      else if (GTK_IS_CHECK_BUTTON (widget))
        label = gtk_check_button_get_label (GTK_CHECK_BUTTON (widget));
      if ((label == NULL || *label == '\0')
          && !gtk_test_accessible_has_property (GTK_ACCESSIBLE (widget),
                                                GTK_ACCESSIBLE_PROPERTY_LABEL))
        {
          g_autoptr (GString) path = g_string_new (G_OBJECT_TYPE_NAME (widget));

          for (GtkWidget *w = gtk_widget_get_parent (widget); w; w = gtk_widget_get_parent (w))
            g_string_append_printf (path, " < %s", G_OBJECT_TYPE_NAME (w));
          g_error ("%s has no accessible name", path->str);
        }
      (*n_checked)++;
    }
  for (child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    check_names (child, n_checked);
}

static void
test_accessible_names (Fixture *t, gconstpointer data)
{
  guint n_checked = 0;

  mend_test_ui_start_session (t);
  mend_test_ui_check_in (t, "demo-p-hart");
  mend_test_ui_activate (GTK_WIDGET (t->window), "win.check-out", "s", "demo-p-hart");
  mend_test_ui_activate (GTK_WIDGET (t->window), "win.correct", "s", "demo-p-hart");
  check_names (GTK_WIDGET (t->window), &n_checked);
  /* Keypad, roster, tallies, photos, check-out, correct and settings: 87 when written. */
  g_assert_cmpuint (n_checked, >, 80);
}

static void
test_settings (Fixture *t, gconstpointer data)
{
  GtkWidget *page = mend_window_get_page (t->window, "settings");
  MendSettingsPage *settings = MEND_SETTINGS_PAGE (page);
  g_autofree char *gpsd = NULL;

  mend_test_ui_activate (GTK_WIDGET (t->window), "win.show-settings", NULL);
  g_assert_cmpstr (mend_window_get_visible_page (t->window), ==, "settings");

  /* Photos on metered networks: the switch is the setting the scheduler follows. */
  g_assert_false (g_settings_get_boolean (t->settings, "sync-photos-on-metered"));
  gtk_switch_set_active (GTK_SWITCH (mend_settings_page_get_metered_switch (settings)), TRUE);
  g_assert_true (g_settings_get_boolean (t->settings, "sync-photos-on-metered"));

  mend_test_ui_activate (page, "settings.photo-step", "i", 256);
  g_assert_cmpuint (g_settings_get_uint (t->settings, "photo-long-edge"), ==, 2048 + 256);
  /* The lock time stops at 0 (never), the bottom of its range. */
  for (int i = 0; i < 12; i++)
    mend_test_ui_activate (page, "settings.lock-step", "i", -1);
  g_assert_cmpuint (g_settings_get_uint (t->settings, "lock-minutes"), ==, 0);

  /* A bad address is refused in words and not saved; a good one is. */
  mend_settings_page_set_text (settings, "gpsd-address", "gps host with spaces:port");
  mend_test_ui_activate (page, "settings.save-gpsd", NULL);
  g_assert_cmpstr (mend_settings_page_get_message (settings), !=, "");
  gpsd = g_settings_get_string (t->settings, "gpsd-address");
  g_assert_cmpstr (gpsd, ==, "localhost:2947");
  g_clear_pointer (&gpsd, g_free);
  mend_settings_page_set_text (settings, "gpsd-address", "127.0.0.1:2948");
  mend_test_ui_activate (page, "settings.save-gpsd", NULL);
  gpsd = g_settings_get_string (t->settings, "gpsd-address");
  g_assert_cmpstr (gpsd, ==, "127.0.0.1:2948");
}

static void
report_wide (GtkWidget *widget, int depth)
{
  int minimum = 0;

  gtk_widget_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, NULL, NULL, NULL);
  if (minimum > 330)
    g_test_message ("%*s%s %d", depth, "", G_OBJECT_TYPE_NAME (widget), minimum);
  if (minimum > 330)
    for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
      report_wide (c, depth + 1);
}

/* Large text (the desktop's text scale at 150 %) still fits the 360-pixel phone width: every
 * page's minimum width stays within it. */
static void
test_large_text (Fixture *t, gconstpointer data)
{
  static const char *const pages[]
      = { "unlock", "today", "session", "check-out", "correct", "sync", "settings" };
  GtkSettings *settings = gtk_settings_get_default ();
  int dpi = 0;

  /* At normal text the window's content, header bars included, fits the phone (the window
   * adds only its frame). */
  {
    GtkWidget *content = adw_application_window_get_content (ADW_APPLICATION_WINDOW (t->window));
    int minimum = 0;

    mend_test_ui_start_session (t);
    gtk_widget_measure (content, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, NULL, NULL, NULL);
    if (minimum > 360)
      report_wide (content, 0);
    g_assert_cmpint (minimum, <=, 360);
  }

  g_object_get (settings, "gtk-xft-dpi", &dpi, NULL);
  g_object_set (settings, "gtk-xft-dpi", 96 * 1024 * 3 / 2, NULL);
  mend_test_ui_check_in (t, "demo-p-hart");
  mend_test_ui_activate (GTK_WIDGET (t->window), "win.check-out", "s", "demo-p-hart");
  mend_test_ui_spin (100);
  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      int minimum = 0;

      gtk_widget_measure (mend_window_get_page (t->window, pages[i]), GTK_ORIENTATION_HORIZONTAL,
                          -1, &minimum, NULL, NULL, NULL);
      g_test_message ("%s: %d px at 150 %% text", pages[i], minimum);
      /* Which widgets are too wide, for whoever has to fix it. */
      if (minimum > 360)
        report_wide (mend_window_get_page (t->window, pages[i]), 0);
      g_assert_cmpint (minimum, <=, 360);
    }
  g_object_set (settings, "gtk-xft-dpi", dpi, NULL);
}

/* Every label on screen (mapped) whose text holds @needle, for the locked-screen check. */
static void
find_shown_text (GtkWidget *widget, const char *needle, GPtrArray *found)
{
  if (!gtk_widget_get_mapped (widget))
    return;
  if (GTK_IS_LABEL (widget) && strstr (gtk_label_get_label (GTK_LABEL (widget)), needle) != NULL)
    g_ptr_array_add (found, g_strdup (gtk_label_get_label (GTK_LABEL (widget))));
  if (GTK_IS_EDITABLE (widget) && strstr (gtk_editable_get_text (GTK_EDITABLE (widget)), needle))
    g_ptr_array_add (found, g_strdup (gtk_editable_get_text (GTK_EDITABLE (widget))));
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    find_shown_text (child, needle, found);
}

/* A locked device left on a bench shows no one's name, and no one's record, title included. */
static void
test_locked_shows_nothing (Fixture *t, gconstpointer data)
{
  const char *const personal[] = { "Daniel Hart", "Hart", "Unlocked by", "Spring Rise" };

  mend_test_ui_start_session (t);
  mend_test_ui_check_in (t, "demo-p-hart");
  mend_test_ui_activate (GTK_WIDGET (t->window), "win.check-out", "s", "demo-p-hart");
  mend_window_lock (t->window);
  /* The lock does not fade: what is checked is the very next frame. */
  mend_test_ui_spin (50);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (t->window)), ==, "Mend");
  for (guint i = 0; i < G_N_ELEMENTS (personal); i++)
    {
      g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func (g_free);

      find_shown_text (GTK_WIDGET (t->window), personal[i], found);
      for (guint j = 0; j < found->len; j++)
        g_test_message ("shown while locked: %s", (char *)g_ptr_array_index (found, j));
      g_assert_cmpuint (found->len, ==, 0);
    }
}

int
main (int argc, char **argv)
{
  mend_test_ui_init (&argc, &argv);
  g_test_add ("/ui/session/locked-shows-nothing", Fixture, NULL, fixture_set_up,
              test_locked_shows_nothing, fixture_tear_down);

  g_test_add ("/ui/session/check-in", Fixture, NULL, fixture_set_up, test_check_in,
              fixture_tear_down);
  g_test_add ("/ui/session/did-not-attend", Fixture, NULL, fixture_set_up, test_did_not_attend,
              fixture_tear_down);
  g_test_add ("/ui/session/tally", Fixture, NULL, fixture_set_up, test_tally, fixture_tear_down);
  g_test_add ("/ui/session/end-refused-while-on-site", Fixture, NULL, fixture_set_up,
              test_end_refused, fixture_tear_down);
  g_test_add ("/ui/session/correct", Fixture, NULL, fixture_set_up, test_correct,
              fixture_tear_down);
  g_test_add ("/ui/session/sync-counts", Fixture, NULL, fixture_set_up, test_sync_counts,
              fixture_tear_down);
  g_test_add ("/ui/session/photo", Fixture, NULL, fixture_set_up, test_photo, fixture_tear_down);
  g_test_add ("/ui/session/no-camera", Fixture, NULL, fixture_set_up, test_no_camera,
              fixture_tear_down);
  g_test_add ("/ui/session/accessible-names", Fixture, NULL, fixture_set_up, test_accessible_names,
              fixture_tear_down);
  g_test_add ("/ui/session/settings", Fixture, NULL, fixture_set_up, test_settings,
              fixture_tear_down);
  g_test_add ("/ui/session/large-text", Fixture, NULL, fixture_set_up, test_large_text,
              fixture_tear_down);
  return g_test_run ();
}
