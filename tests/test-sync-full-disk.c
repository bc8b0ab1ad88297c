/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-sync-full-disk"
/* unshare() and CLONE_NEWNS. */
#define _GNU_SOURCE

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sched.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "mend-test-reliability.h"
#include "mend-time.h"
#include "test-sync-util.h"

/* A full disk while the real sync engine pulls HQ's manifest from a real mend-hq. HQ's reference
 * data changes before every pass (one more session, every start moved), so each pass has a
 * manifest to apply; the device's disk is filled to leave a little room each time. The apply is
 * all or nothing: refused, the device keeps its previous reference data and cursor and the pass
 * says why; with room, the next pass takes the manifest whole. The device's store is on a small
 * tmpfs, so this needs root. */

#define PEOPLE 20

typedef struct
{
  SyncDevice d;
  char *filler;
  gboolean mounted;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->d.dir = mend_test_temp_dir ();
  if (mount ("tmpfs", f->d.dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=4m") != 0)
    return;
  f->mounted = TRUE;
  f->d.path = g_build_filename (f->d.dir, "mend.db", NULL);
  f->filler = g_build_filename (f->d.dir, "filler", NULL);
  f->d.store = mend_test_store_new (f->d.dir, SYNC_TEST_SESSIONS, SYNC_TEST_PEOPLE,
                                    MEND_STORE_OPEN_DEFAULT);
  f->d.engine = mend_sync_engine_new (f->d.store);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  sync_device_close_store (&f->d);
  if (f->mounted)
    g_assert_cmpint (umount2 (f->d.dir, MNT_DETACH), ==, 0);
  mend_test_remove_tree (f->d.dir);
  g_clear_pointer (&f->d.dir, g_free);
  g_clear_pointer (&f->d.path, g_free);
  g_free (f->filler);
}

/* What the device holds from HQ: the cursor, then every session with its start and its people,
 * read straight from the store file by a connection of our own. */
static char *
reference_of (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MendSyncEnrolment) enrolment = mend_store_sync_get_enrolment (f->d.store, &error);
  g_autoptr (GPtrArray) sessions = NULL;
  GString *out = g_string_new (NULL);

  g_assert_no_error (error);
  g_string_append_printf (out, "cursor %s\n", enrolment ? enrolment->manifest_cursor : "-");
  sessions = mend_store_list_sessions (f->d.store, 0, G_MAXINT64, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < sessions->len; i++)
    {
      MendSessionRow *session = g_ptr_array_index (sessions, i);
      g_autoptr (GPtrArray) roster = mend_store_list_roster (f->d.store, session->id, &error);

      g_assert_no_error (error);
      g_string_append_printf (out, "%s %" G_GINT64_FORMAT " %u\n", session->id,
                              session->starts_at_ms, roster->len);
    }
  return g_string_free (out, FALSE);
}

/* The device holds HQ's reference data whole: every session, each with all its people, the
 * first starting at @first_start_ms, and a new cursor. */
static void
assert_complete (Fixture *f, const char *before, int n_sessions, gint64 first_start_ms)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) sessions = mend_store_list_sessions (f->d.store, 0, G_MAXINT64, &error);
  g_autofree char *now = reference_of (f);
  g_autofree char *old_cursor = g_strndup (before, strcspn (before, "\n"));

  g_assert_no_error (error);
  g_assert_cmpuint (sessions->len, ==, (guint)n_sessions);
  g_assert_false (g_str_has_prefix (now, old_cursor) && now[strlen (old_cursor)] == '\n');
  for (guint k = 0; k < sessions->len; k++)
    {
      MendSessionRow *session = g_ptr_array_index (sessions, k);
      g_autoptr (GPtrArray) roster = mend_store_list_roster (f->d.store, session->id, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (roster->len, ==, PEOPLE);
      if (g_str_equal (session->id, "s00000"))
        g_assert_cmpint (session->starts_at_ms, ==, first_start_ms);
    }
}

static void
test_manifest_full_disk (Fixture *f, gconstpointer data)
{
  /* From no byte left to more than a manifest of this size takes. */
  static const gsize rooms[]
      = { 0, 4096, 8192, 16384, 24576, 32768, 49152, 65536, 98304, 131072, 262144, 524288 };
  gint64 start = mend_time_today_at (9, 0, 0);
  guint refused = 0;
  guint tries = 0;

  if (!f->mounted)
    {
      g_test_skip ("a full disk is made with a small tmpfs, which needs root");
      return;
    }
  sync_device_enrol_ok (&f->d);
  mend_sync_report_free (sync_device_run_ok (&f->d));

  for (guint i = 0; i < G_N_ELEMENTS (rooms); i++)
    {
      int n_sessions = SYNC_TEST_SESSIONS + 4 + (int)i;
      g_autofree char *before = NULL;
      g_autofree char *after = NULL;
      g_autoptr (GError) error = NULL;
      MendSyncReport *report;
      gboolean applied;

      /* HQ changes: one more session, and every start a minute later. */
      sync_test_import_reference (n_sessions, PEOPLE, start + (gint64)(i + 1) * 60000);
      before = reference_of (f);
      mend_test_fill_leaving (f->filler, rooms[i]);
      report = sync_device_run (&f->d, &error);
      tries++;
      applied = report != NULL && report->manifest_applied;
      after = reference_of (f);
      if (!applied)
        {
          /* The engine says why: the pass failed on the store, or stopped applying the
           * manifest; either way in words that say the disk is full. */
          const char *why = report != NULL ? report->stopped : error->message;

          g_test_message ("room %zu: %s", rooms[i], why ? why : "(nothing said)");
          g_assert_nonnull (why);
          g_assert_nonnull (strstr (why, "disk is full"));
          if (g_strcmp0 (after, before) == 0)
            refused++;
        }
      /* All or nothing: whatever the pass said, the device holds the old data untouched or the
       * new whole (a pass can fail on a write of its own after its manifest was applied). */
      if (g_strcmp0 (after, before) != 0)
        assert_complete (f, before, n_sessions, start + (gint64)(i + 1) * 60000);
      if (report != NULL)
        mend_sync_report_free (report);
      g_assert_cmpint (g_unlink (f->filler), ==, 0);

      /* With room, the next pass completes, and the device holds HQ's data whole. */
      mend_sync_report_free (sync_device_run_ok (&f->d));
      assert_complete (f, before, n_sessions, start + (gint64)(i + 1) * 60000);
    }
  g_test_message ("%u of %u manifest applies refused on a full disk", refused, tries);
  g_assert_cmpuint (refused, >, 0);
  g_assert_cmpuint (refused, <, tries);
  {
    g_autoptr (GError) error = NULL;
    g_assert_true (mend_store_verify (f->d.store, NULL, &error));
    g_assert_no_error (error);
  }
  mend_test_reliability_row ("full disk during a manifest apply", tries,
                             MEND_RELIABILITY_NOTHING_LOST);
}

int
main (int argc, char **argv)
{
  int status;

  mend_test_private_mounts ();
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add ("/sync/full-disk/manifest", Fixture, NULL, fixture_set_up, test_manifest_full_disk,
              fixture_tear_down);
  if (getuid () == 0)
    sync_test_hq_start ();
  status = g_test_run ();
  if (sync_test_hq != NULL)
    sync_test_hq_stop ();
  return status;
}
