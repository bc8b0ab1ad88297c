/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Renders the main screens of the real window to PNG for the README: Unlock, Today, Session
 * (people checked in, tallies counted), the check-out review, Sync and Settings at phone size
 * (360×720), and the session at tablet size (1280×800). The window runs on a fresh demo store
 * and is driven through its actions, as the widget tests drive it, so every picture shows what
 * a supervisor would see after the same taps. Run through docs/render-screenshots.sh. */
#define G_LOG_DOMAIN "mend-docs"

#include "config.h"

#include <adwaita.h>
#include <stdio.h>
#include <stdlib.h>

#include "mend-test-ui.h"
#include "mend-window.h"

#define PHONE_WIDTH   360
#define PHONE_HEIGHT  720
#define TABLET_WIDTH  1280
#define TABLET_HEIGHT 800

/* Asks for a size and waits for the window to settle. The window may end up a little off
 * (its minimum width, client-side decorations); the picture is what the window is, and the
 * size is printed beside its name. */
static void
resize (MendTestUi *t, int width, int height)
{
  GtkWidget *widget = GTK_WIDGET (t->window);
  int last_width = -1;
  int last_height = -1;

  gtk_window_set_default_size (GTK_WINDOW (t->window), width, height);
  for (int i = 0; i < 100; i++)
    {
      mend_test_ui_spin (30);
      if (gtk_widget_get_width (widget) == last_width
          && gtk_widget_get_height (widget) == last_height && i > 5)
        break;
      last_width = gtk_widget_get_width (widget);
      last_height = gtk_widget_get_height (widget);
    }
}

static GtkScrolledWindow *
find_scrolled (GtkWidget *widget)
{
  if (GTK_IS_SCROLLED_WINDOW (widget))
    return GTK_SCROLLED_WINDOW (widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkScrolledWindow *found = find_scrolled (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The session page is taller than a phone: a second picture shows its lower half (tallies,
 * photos, End session), scrolled as a thumb would. */
static void
scroll_to (GtkWidget *page, gboolean end)
{
  GtkScrolledWindow *scrolled = find_scrolled (page);
  GtkAdjustment *adjustment;

  if (scrolled == NULL)
    g_error ("the session page has no scrolled window");
  adjustment = gtk_scrolled_window_get_vadjustment (scrolled);
  gtk_adjustment_set_value (adjustment, end ? gtk_adjustment_get_upper (adjustment)
                                                  - gtk_adjustment_get_page_size (adjustment)
                                            : gtk_adjustment_get_lower (adjustment));
}

static void
scroll_to_end (GtkWidget *page)
{
  scroll_to (page, TRUE);
}

static void
scroll_to_start (GtkWidget *page)
{
  scroll_to (page, FALSE);
}

static void
shoot (MendTestUi *t, const char *name)
{
  mend_test_ui_wait_idle (t);
  mend_test_ui_snapshot (t, name);
  printf ("  %s.png (%d×%d)\n", name, gtk_widget_get_width (GTK_WIDGET (t->window)),
          gtk_widget_get_height (GTK_WIDGET (t->window)));
}

int
main (int argc, char **argv)
{
  MendTestUi t = { 0 };
  GtkWidget *unlock;
  GtkWidget *session;
  GtkWidget *check_out;
  GtkWidget *window;

  if (argc != 2)
    {
      fprintf (stderr, "usage: %s OUTPUT-FOLDER\n", argv[0]);
      return 2;
    }
  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      fprintf (stderr, "render-screens: no display; run it through docs/render-screenshots.sh, "
                       "which starts a virtual one\n");
      return 1;
    }
  if (g_mkdir_with_parents (argv[1], 0755) != 0)
    {
      fprintf (stderr, "render-screens: cannot create %s\n", argv[1]);
      return 1;
    }
  /* The snapshot helper writes into this folder; the pictures should not depend on a bus. */
  g_setenv ("MEND_TEST_SNAPSHOT_DIR", argv[1], TRUE);
  g_setenv ("GTK_A11Y", "none", FALSE);
  gtk_init ();
  adw_init ();

  printf ("render-screens: into %s\n", argv[1]);
  mend_test_ui_open (&t);
  resize (&t, PHONE_WIDTH, PHONE_HEIGHT);
  window = GTK_WIDGET (t.window);
  unlock = mend_window_get_page (t.window, "unlock");
  session = mend_window_get_page (t.window, "session");
  check_out = mend_window_get_page (t.window, "check-out");

  /* Unlock: Ana picked, two digits of her PIN typed. */
  mend_test_ui_activate (unlock, "unlock.pick", "s", "sup-ana");
  mend_test_ui_activate (unlock, "unlock.key", "s", "2");
  mend_test_ui_activate (unlock, "unlock.key", "s", "4");
  shoot (&t, "unlock");
  mend_test_ui_activate (unlock, "unlock.change", NULL);
  mend_test_ui_unlock (&t, "sup-ana", "2468");

  /* Session: started, both people on site (one briefed), counts. */
  mend_test_ui_start_session (&t);
  mend_test_ui_check_in (&t, "demo-p-hart");
  mend_test_ui_check_in (&t, "demo-p-cole");
  mend_test_ui_activate (session, "session.brief", "s", "demo-p-hart");
  /* A counter waits for its commit before it takes the next tap, as on the device. */
  for (int i = 0; i < 4; i++)
    {
      mend_test_ui_activate (session, "session.tally", "(si)", "bags", 1);
      mend_test_ui_wait_idle (&t);
    }
  mend_test_ui_activate (session, "session.tally", "(si)", "sharps", 1);
  shoot (&t, "session");
  scroll_to_end (session);
  shoot (&t, "session-tallies");
  scroll_to_start (session);

  /* Check-out review: arrival moved back three and a half hours so it credits time. */
  mend_test_ui_activate (window, "win.check-out", "s", "demo-p-hart");
  mend_test_ui_activate (check_out, "check-out.outcome", "s", "ATTC");
  mend_test_ui_activate (check_out, "check-out.quality", "s", "good");
  mend_test_ui_activate (check_out, "check-out.behaviour", "s", "good");
  for (int i = 0; i < 42; i++)
    mend_test_ui_activate (check_out, "check-out.arrival-step", "i", -5);
  mend_test_ui_activate (check_out, "check-out.review", NULL);
  shoot (&t, "check-out-review");
  mend_test_ui_activate (check_out, "check-out.save", NULL);
  mend_test_ui_wait_idle (&t);
  /* Let the "Checked out" toast time out; it would cover the next screens. */
  mend_test_ui_spin (6000);

  /* Today, with the session's counts after one check-out. */
  mend_test_ui_activate (window, "win.back", NULL);
  shoot (&t, "today");

  mend_test_ui_activate (window, "win.show-sync", NULL);
  shoot (&t, "sync");
  mend_test_ui_activate (window, "win.show-settings", NULL);
  shoot (&t, "settings");

  /* A 10-inch tablet in landscape: Today and the session side by side. */
  mend_test_ui_activate (window, "win.open-session", "s", t.session_id);
  resize (&t, TABLET_WIDTH, TABLET_HEIGHT);
  shoot (&t, "tablet-session");

  mend_test_ui_close (&t);
  return 0;
}
