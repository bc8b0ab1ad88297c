/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-ui-full-disk"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "mend-test-ui.h"
#include "mend-test-util.h"
#include "pages/check-out/mend-check-out-page.h"
#include "pages/session/mend-session-page.h"

/* A full disk under the store, on a small tmpfs (root only): the check-out is refused in plain
 * words, keeps what was typed, and saves once there is room again. */

typedef struct
{
  MendTestUi ui;
  char *parent;
  char *mount_dir;
  char *filler;
  gboolean mounted;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->parent = mend_test_temp_dir ();
  f->mount_dir = g_build_filename (f->parent, "small", NULL);
  g_assert_cmpint (g_mkdir (f->mount_dir, 0700), ==, 0);
  if (mount ("tmpfs", f->mount_dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=16m") != 0)
    return;
  f->mounted = TRUE;
  f->filler = g_build_filename (f->mount_dir, "filler", NULL);
  f->ui.dir = g_strdup (f->mount_dir);
  mend_test_ui_open (&f->ui);
  mend_test_ui_unlock (&f->ui, "sup-ana", "2468");
  mend_test_ui_start_session (&f->ui);
  mend_test_ui_check_in (&f->ui, "demo-p-hart");
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  if (f->mounted)
    {
      /* mend_test_ui_close() removes what is in the folder; the mount itself goes here. */
      mend_test_ui_close (&f->ui);
      g_assert_cmpint (umount2 (f->mount_dir, MNT_DETACH), ==, 0);
    }
  mend_test_remove_tree (f->parent);
  g_free (f->parent);
  g_free (f->mount_dir);
  g_free (f->filler);
}

/* Writes until the filesystem refuses. */
static void
fill (const char *path)
{
  static char block[4096];
  int fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

  g_assert_cmpint (fd, >=, 0);
  memset (block, 'x', sizeof block);
  while (write (fd, block, sizeof block) > 0)
    ;
  g_assert_cmpint (errno, ==, ENOSPC);
  close (fd);
}

static gboolean
back_on_session (gpointer data)
{
  MendTestUi *t = data;
  return g_str_equal (mend_window_get_visible_page (t->window), "session");
}

static void
test_full_disk (Fixture *f, gconstpointer data)
{
  MendTestUi *t = &f->ui;
  MendCheckOutPage *page;
  g_autoptr (MendTestRosterRow) row = NULL;

  if (!f->mounted)
    {
      g_test_skip ("cannot mount a small tmpfs here (needs root)");
      return;
    }
  mend_test_ui_activate (GTK_WIDGET (t->window), "win.check-out", "s", "demo-p-hart");
  page = MEND_CHECK_OUT_PAGE (mend_window_get_page (t->window, "check-out"));
  mend_test_ui_activate (GTK_WIDGET (page), "check-out.outcome", "s", "ATTC");
  mend_check_out_page_set_notes (page, "Cleared the brook path.");
  mend_test_ui_activate (GTK_WIDGET (page), "check-out.review", NULL);

  fill (f->filler);
  mend_test_ui_activate (GTK_WIDGET (page), "check-out.save", NULL);
  mend_test_ui_wait_idle (t);
  g_assert_nonnull (strstr (mend_check_out_page_get_message (page), "The device is full"));
  g_assert_cmpstr (mend_window_get_visible_page (t->window), ==, "check-out");
  row = mend_test_ui_roster_row (t, "demo-p-hart");
  g_assert_cmpint (row->state, ==, MEND_ATTENDANCE_ON_SITE);

  /* Room again: the same form, untouched, saves. */
  g_assert_cmpint (g_unlink (f->filler), ==, 0);
  mend_test_ui_activate (GTK_WIDGET (page), "check-out.save", NULL);
  mend_test_ui_wait_idle (t);
  mend_test_ui_wait_for (back_on_session, t, 2000);
  g_clear_pointer (&row, mend_roster_row_free);
  row = mend_test_ui_roster_row (t, "demo-p-hart");
  g_assert_cmpint (row->state, ==, MEND_ATTENDANCE_DONE);
  {
    g_autoptr (MendTestEventRow) event = mend_test_ui_last_event (t);
    g_assert_nonnull (strstr (event->payload, "Cleared the brook path."));
  }
}

int
main (int argc, char **argv)
{
  mend_test_ui_init (&argc, &argv);

  g_test_add ("/ui/full-disk/check-out-kept", Fixture, NULL, fixture_set_up, test_full_disk,
              fixture_tear_down);
  return g_test_run ();
}
