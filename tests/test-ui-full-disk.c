/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-ui-full-disk"
/* unshare() and CLONE_NEWNS. */
#define _GNU_SOURCE

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <linux/fs.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "mend-demo.h"
#include "mend-photo.h"
#include "mend-test-reliability.h"
#include "mend-test-ui.h"
#include "mend-test-util.h"
#include "pages/check-out/mend-check-out-page.h"
#include "pages/session/mend-photo-panel.h"
#include "pages/session/mend-session-page.h"

/* A full disk under the store, on a small tmpfs (root only): the check-out and a check-in are
 * refused in plain words, the check-out keeps what was typed, and both save once there is room
 * again. A store that becomes read-only (its WAL made immutable while the app runs, or the disk
 * remounted read-only before it starts): the app still shows what is recorded, and each tap
 * that would record is refused saying why. */

typedef struct
{
  MendTestUi ui;
  char *parent;
  char *mount_dir;
  char *filler;
  gboolean mounted;
  gboolean read_only; /* the tmpfs is remounted read-only */
  char *immutable;    /* a file made immutable */
} Fixture;

static void set_immutable (const char *path, gboolean immutable);

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
  if (f->immutable != NULL)
    set_immutable (f->immutable, FALSE);
  g_free (f->immutable);
  if (f->read_only)
    g_assert_cmpint (mount (NULL, f->mount_dir, NULL, MS_REMOUNT, NULL), ==, 0);
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

static const char *
session_message (MendTestUi *t)
{
  return mend_session_page_get_message (
      MEND_SESSION_PAGE (mend_window_get_page (t->window, "session")));
}

static gint64
verified_events (MendTestUi *t)
{
  g_autoptr (GError) error = NULL;
  gint64 n = 0;

  g_assert_true (mend_store_verify (t->store, &n, &error));
  g_assert_no_error (error);
  return n;
}

static void
assert_state (MendTestUi *t, const char *participant_id, MendAttendanceState state)
{
  g_autoptr (MendTestRosterRow) row = mend_test_ui_roster_row (t, participant_id);
  g_assert_cmpint (row->state, ==, state);
}

/* A check-in tapped on the roster while the disk is full: refused with the words the
 * supervisor sees for a full device, nothing recorded, and the same tap works with room. */
static void
test_check_in_full (Fixture *f, gconstpointer data)
{
  MendTestUi *t = &f->ui;
  gint64 before;

  if (!f->mounted)
    {
      g_test_skip ("cannot mount a small tmpfs here (needs root)");
      return;
    }
  before = verified_events (t);
  fill (f->filler);
  mend_test_ui_activate (mend_window_get_page (t->window, "session"), "session.check-in", "s",
                         "demo-p-cole");
  mend_test_ui_wait_idle (t);
  g_assert_nonnull (strstr (session_message (t), "The device is full"));
  assert_state (t, "demo-p-cole", MEND_ATTENDANCE_EXPECTED);
  g_assert_cmpint (verified_events (t), ==, before);

  g_assert_cmpint (g_unlink (f->filler), ==, 0);
  mend_test_ui_check_in (t, "demo-p-cole");
  g_assert_cmpstr (session_message (t), ==, "");
  g_assert_cmpint (verified_events (t), ==, before + 1);
  assert_state (t, "demo-p-hart", MEND_ATTENDANCE_ON_SITE);
  mend_test_reliability_row ("full disk during a check-in (app)", 1, MEND_RELIABILITY_NOTHING_LOST);
}

static gboolean
camera_settled (gpointer data)
{
  return !mend_photo_panel_get_camera_starting (data);
}

static gboolean
captures_done (gpointer data)
{
  return mend_photo_panel_get_n_busy (data) == 0;
}

/* Files in the photos folder that are not a stored photo: a temp or an adoption marker. */
static guint
photo_leftovers (MendTestUi *t)
{
  const char *photos = mend_store_get_photos_dir (t->store);
  g_autoptr (GDir) dir = g_dir_open (photos, 0, NULL);
  const char *name;
  guint n = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    n += g_str_has_prefix (name, ".tmp-") || g_str_has_prefix (name, ".adopting-");
  return n;
}

/* How many photos the store holds, each checked to hash to its name (mend_store_verify()). */
static gint64
verified_photos (MendTestUi *t)
{
  g_autoptr (GError) error = NULL;
  gint64 n = 0;

  g_assert_true (mend_store_verify_photos (t->store, &n, &error));
  g_assert_no_error (error);
  return n;
}

static void
capture (MendTestUi *t, MendPhotoPanel *panel, const char *role)
{
  mend_test_ui_activate (GTK_WIDGET (panel), "photos.capture", "s", role);
  mend_test_ui_wait_for (captures_done, panel, 15000);
  mend_test_ui_wait_idle (t);
}

/* Photos taken with the camera while the disk fills: each is refused with a message that says
 * the device is full and leaves no file, temp or record behind, or it is stored whole; the
 * photos taken before stay and hash to their names; with room, the next tap stores it. */
static void
test_photo_full (Fixture *f, gconstpointer data)
{
  static const gsize rooms[] = { 0, 8192, 24576, 49152, 98304, 196608 };
  MendTestUi *t = &f->ui;
  MendPhotoPanel *panel;
  guint refused = 0;

  if (!f->mounted)
    {
      g_test_skip ("cannot mount a small tmpfs here (needs root)");
      return;
    }
  g_settings_set_string (
      t->settings, "camera-source",
      "videotestsrc is-live=true pattern=smpte ! video/x-raw,width=640,height=480");
  g_settings_set_uint (t->settings, "photo-long-edge", 640);
  panel = MEND_PHOTO_PANEL (mend_session_page_get_photo_panel (
      MEND_SESSION_PAGE (mend_window_get_page (t->window, "session"))));
  mend_test_ui_activate (GTK_WIDGET (panel), "photos.camera", NULL);
  mend_test_ui_wait_for (camera_settled, panel, 10000);
  g_assert_true (mend_photo_panel_get_camera_on (panel));
  capture (t, panel, "before");
  g_assert_cmpstr (mend_photo_panel_get_message (panel), ==, "");
  g_assert_cmpint (verified_photos (t), ==, 1);

  for (guint i = 0; i < G_N_ELEMENTS (rooms); i++)
    {
      gint64 photos = verified_photos (t);
      gint64 events = verified_events (t);

      mend_test_fill_leaving (f->filler, rooms[i]);
      capture (t, panel, "evidence");
      if (mend_photo_panel_get_message (panel)[0] != '\0')
        {
          refused++;
          g_test_message ("room %zu: %s", rooms[i], mend_photo_panel_get_message (panel));
          g_assert_nonnull (strstr (mend_photo_panel_get_message (panel), "full"));
          g_assert_cmpuint (photo_leftovers (t), ==, 0);
          g_assert_cmpint (verified_photos (t), ==, photos);
          g_assert_cmpint (verified_events (t), ==, events);
          g_assert_cmpint (g_unlink (f->filler), ==, 0);
          capture (t, panel, "evidence");
          g_assert_cmpstr (mend_photo_panel_get_message (panel), ==, "");
        }
      else
        g_assert_cmpint (g_unlink (f->filler), ==, 0);
      g_assert_cmpint (verified_photos (t), ==, photos + 1);
      g_assert_cmpint (verified_events (t), ==, events + 1);
      g_assert_cmpuint (photo_leftovers (t), ==, 0);
    }
  g_test_message ("%u of %zu photos refused on a full disk", refused, G_N_ELEMENTS (rooms));
  g_assert_cmpuint (refused, >, 0);
  g_assert_cmpuint (refused, <, G_N_ELEMENTS (rooms));
  mend_test_ui_activate (GTK_WIDGET (panel), "photos.camera", NULL);
  mend_test_reliability_row ("full disk during a photo (app)", G_N_ELEMENTS (rooms),
                             MEND_RELIABILITY_NOTHING_LOST);
}

/* Sets or clears the immutable flag, as chattr +i does: not even root may open it to write. */
static void
set_immutable (const char *path, gboolean immutable)
{
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  int flags = 0;

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ioctl (fd, FS_IOC_GETFLAGS, &flags), ==, 0);
  flags = immutable ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
  g_assert_cmpint (ioctl (fd, FS_IOC_SETFLAGS, &flags), ==, 0);
  close (fd);
}

/* The store made read-only before the app started: the disk remounted read-only (a worn SD
 * card does this) or the store file made immutable (chattr +i). The supervisor can still
 * unlock, open the session and see who is on site, which is what they need to finish the day on
 * paper; a check-in is refused saying the store cannot be written. A file made read-only while
 * the app has it open is not tried here: Linux checks the flag when a file is opened, so the
 * app's open store keeps writing (test-store-device-faults checks that nothing is lost then). */
static void
fixture_set_up_read_only (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *session_id = mend_demo_session_id ("spring-rise", 0);

  f->parent = mend_test_temp_dir ();
  f->mount_dir = g_build_filename (f->parent, "small", NULL);
  g_assert_cmpint (g_mkdir (f->mount_dir, 0700), ==, 0);
  if (mount ("tmpfs", f->mount_dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=16m") != 0)
    return;
  f->mounted = TRUE;
  f->filler = g_build_filename (f->mount_dir, "filler", NULL);
  path = g_build_filename (f->mount_dir, "mend.db", NULL);
  {
    g_autoptr (MendStore) store = mend_store_open (path, MEND_STORE_OPEN_DEFAULT, &error);

    g_assert_no_error (error);
    mend_store_load_demo (store, &error);
    g_assert_no_error (error);
    g_free (mend_test_record_ok (store, mend_command_start_session (session_id)));
    g_free (mend_test_record_ok (store, mend_command_check_in (session_id, "demo-p-hart")));
  }
  if (g_str_equal (data, "remount"))
    {
      g_assert_cmpint (mount (NULL, f->mount_dir, NULL, MS_REMOUNT | MS_RDONLY, NULL), ==, 0);
      f->read_only = TRUE;
    }
  else
    {
      f->immutable = g_strdup (path);
      set_immutable (f->immutable, TRUE);
    }

  f->ui.dir = g_strdup (f->mount_dir);
  f->ui.store = mend_store_open (path, MEND_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (mend_store_is_read_only (f->ui.store));
  f->ui.session_id = g_strdup (session_id);
  mend_test_ui_open (&f->ui);
  mend_test_ui_unlock (&f->ui, "sup-ana", "2468");
  mend_test_ui_activate (GTK_WIDGET (f->ui.window), "win.open-session", "s", session_id);
  g_assert_cmpstr (mend_window_get_visible_page (f->ui.window), ==, "session");
}

static void
test_read_only_disk (Fixture *f, gconstpointer data)
{
  MendTestUi *t = &f->ui;
  gint64 before;

  if (!f->mounted)
    {
      g_test_skip ("cannot mount a small tmpfs here (needs root)");
      return;
    }
  before = verified_events (t);
  g_assert_cmpint (before, ==, 2);
  assert_state (t, "demo-p-hart", MEND_ATTENDANCE_ON_SITE);
  g_assert_cmpstr (session_message (t), ==, "");

  mend_test_ui_activate (mend_window_get_page (t->window, "session"), "session.check-in", "s",
                         "demo-p-cole");
  mend_test_ui_wait_idle (t);
  g_test_message ("%s", session_message (t));
  g_assert_nonnull (strstr (session_message (t), "cannot be written"));
  g_assert_nonnull (strstr (session_message (t), "read-only"));
  assert_state (t, "demo-p-cole", MEND_ATTENDANCE_EXPECTED);
  assert_state (t, "demo-p-hart", MEND_ATTENDANCE_ON_SITE);
  g_assert_cmpint (verified_events (t), ==, before);
  mend_test_reliability_row (g_str_equal (data, "remount")
                                 ? "a store on a disk remounted read-only (app)"
                                 : "a store file made read-only (app)",
                             1, MEND_RELIABILITY_REFUSED);
}

int
main (int argc, char **argv)
{
  mend_test_private_mounts ();
  mend_test_ui_init (&argc, &argv);

  g_test_add ("/ui/full-disk/check-out-kept", Fixture, NULL, fixture_set_up, test_full_disk,
              fixture_tear_down);
  g_test_add ("/ui/full-disk/check-in-refused", Fixture, NULL, fixture_set_up, test_check_in_full,
              fixture_tear_down);
  g_test_add ("/ui/full-disk/photo-refused", Fixture, NULL, fixture_set_up, test_photo_full,
              fixture_tear_down);
  g_test_add ("/ui/read-only/disk-at-start", Fixture, "remount", fixture_set_up_read_only,
              test_read_only_disk, fixture_tear_down);
  g_test_add ("/ui/read-only/file-at-start", Fixture, "immutable", fixture_set_up_read_only,
              test_read_only_disk, fixture_tear_down);
  return g_test_run ();
}
