/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-store-device-faults"
/* unshare() and CLONE_NEWNS. */
#define _GNU_SOURCE

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <linux/fs.h>
#include <sched.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "mend-rows.h"
#include "mend-test-reliability.h"
#include "mend-test-util.h"

/* The store on a device whose storage fails under it: a disk that fills up at any point of a
 * check-in (before the write, while the WAL grows, while a checkpoint copies it back), and a
 * store that becomes read-only (the disk remounted read-only, as a worn SD card does, or the
 * file, its WAL or its folder made immutable). Each must refuse in words a supervisor
 * understands, keep every record already made, and take the same record once the fault is
 * gone. The faults are real: a small tmpfs and chattr-style inode flags, so root only. */

#define PEOPLE 64

typedef struct
{
  char *dir; /* a small tmpfs */
  char *path;
  char *filler;
  MendStore *store;
  gboolean mounted;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->dir = mend_test_temp_dir ();
  if (mount ("tmpfs", f->dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=3m") != 0)
    return;
  f->mounted = TRUE;
  f->path = g_build_filename (f->dir, "mend.db", NULL);
  f->filler = g_build_filename (f->dir, "filler", NULL);
  f->store = mend_test_store_new (f->dir, 1, PEOPLE, MEND_STORE_OPEN_DEFAULT);
  g_free (mend_test_record_ok (f->store, mend_command_start_session ("s00000")));
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->store);
  if (f->mounted)
    g_assert_cmpint (umount2 (f->dir, MNT_DETACH), ==, 0);
  mend_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->path);
  g_free (f->filler);
}

static gboolean
skip_unless_mounted (Fixture *f)
{
  if (!f->mounted)
    g_test_skip ("a full or read-only disk is made with a small tmpfs, which needs root");
  return f->mounted;
}

static void
make_room (Fixture *f)
{
  g_assert_cmpint (g_unlink (f->filler), ==, 0);
}

/* What the projection shows of the session, one line a person, and how many events the chain
 * holds (verified). */
static char *
snapshot (MendStore *store)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) roster = mend_store_list_roster (store, "s00000", &error);
  GString *out = g_string_new (NULL);
  gint64 n = 0;

  g_assert_no_error (error);
  g_assert_true (mend_store_verify (store, &n, &error));
  g_assert_no_error (error);
  g_string_append_printf (out, "events %" G_GINT64_FORMAT "\n", n);
  for (guint i = 0; i < roster->len; i++)
    {
      MendRosterRow *row = g_ptr_array_index (roster, i);
      g_string_append_printf (out, "%s %d %" G_GINT64_FORMAT "\n", row->participant_id, row->state,
                              row->arrived_at_ms);
    }
  return g_string_free (out, FALSE);
}

/* The projection is what the events say: rebuilt from the log, it reads the same. */
static void
assert_projection_matches_log (MendStore *store)
{
  g_autofree char *before = snapshot (store);
  g_autofree char *after = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (mend_store_rebuild_projections (store, &error));
  g_assert_no_error (error);
  after = snapshot (store);
  g_assert_cmpstr (after, ==, before);
}

static void
checkpoint (Fixture *f, const char *mode)
{
  sqlite3 *db = NULL;
  g_autofree char *sql = g_strdup_printf ("PRAGMA wal_checkpoint(%s)", mode);

  g_assert_cmpint (sqlite3_open_v2 (f->path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  /* On a full disk the checkpoint itself may fail; that is one of the points tried. */
  sqlite3_exec (db, sql, NULL, NULL, NULL);
  sqlite3_close (db);
}

/* One check-in on a disk that has @room bytes left: refused saying the disk is full with
 * nothing changed, or recorded whole. Then, with room again, the same check-in is recorded
 * (when it had been refused). Returns whether it was refused. */
static gboolean
check_in_on_full_disk (Fixture *f, int person, gsize room, gboolean checkpoint_when_full)
{
  g_autofree char *p = mend_test_participant_id (0, person);
  g_autoptr (MendCommand) command = mend_command_check_in ("s00000", p);
  g_autofree char *before = snapshot (f->store);
  g_autofree char *after = NULL;
  g_autofree char *id = NULL;
  g_autoptr (GError) error = NULL;
  gboolean refused;

  mend_test_fill_leaving (f->filler, room);
  if (checkpoint_when_full)
    checkpoint (f, "PASSIVE");
  id = mend_store_record (f->store, command, &error);
  refused = id == NULL;
  if (refused)
    {
      g_assert_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_FULL);
      g_assert_nonnull (strstr (error->message, "disk is full"));
      g_assert_nonnull (strstr (error->message, "nothing was recorded"));
      after = snapshot (f->store);
      g_assert_cmpstr (after, ==, before);
    }
  make_room (f);
  if (refused)
    g_free (mend_test_record_ok (f->store, mend_command_copy (command)));
  g_clear_pointer (&after, g_free);
  after = snapshot (f->store);
  g_assert_cmpstr (after, !=, before);
  g_assert_nonnull (strstr (after, p));
  return refused;
}

static void
test_full_disk_check_in (Fixture *f, gconstpointer data)
{
  /* From no byte left to more than a check-in needs, in steps finer than a WAL frame (4 KiB
   * and a header) around the sizes one commit takes. */
  static const gsize rooms[] = { 0,     1024,  4096,  8192,  12288, 16384, 20480, 24576,
                                 28672, 32768, 40960, 49152, 65536, 98304, 131072 };
  guint tries = 0;
  guint refused = 0;
  int person = 0;

  if (!skip_unless_mounted (f))
    return;

  /* Before the write: the WAL has just been emptied, so the check-in must grow it. */
  for (guint i = 0; i < G_N_ELEMENTS (rooms); i++)
    {
      checkpoint (f, "TRUNCATE");
      refused += check_in_on_full_disk (f, person++, rooms[i], FALSE);
      tries++;
    }
  /* While the WAL grows: it already holds the commits above and grows past them. */
  for (guint i = 0; i < G_N_ELEMENTS (rooms); i += 2)
    {
      refused += check_in_on_full_disk (f, person++, rooms[i], FALSE);
      tries++;
    }
  /* During a checkpoint: the WAL is copied back into a store file that has no room to grow,
   * then the check-in comes. */
  for (guint i = 0; i < G_N_ELEMENTS (rooms); i += 2)
    {
      refused += check_in_on_full_disk (f, person++, rooms[i], TRUE);
      tries++;
    }
  g_assert_cmpint (person, <=, PEOPLE);
  g_test_message ("%u of %u check-ins on a full disk refused, all kept after room", refused, tries);
  /* Both outcomes were met: the disk was full enough to refuse, and roomy enough not to. */
  g_assert_cmpuint (refused, >, 0);
  g_assert_cmpuint (refused, <, tries);
  assert_projection_matches_log (f->store);

  /* Closed and opened again, as after a restart: everything is there. */
  {
    g_autofree char *before = snapshot (f->store);
    g_autofree char *after = NULL;
    g_autoptr (GError) error = NULL;

    g_clear_object (&f->store);
    f->store = mend_store_open (f->path, MEND_STORE_OPEN_DEFAULT, &error);
    g_assert_no_error (error);
    after = snapshot (f->store);
    g_assert_cmpstr (after, ==, before);
  }
  mend_test_reliability_row ("full disk during a check-in", tries, MEND_RELIABILITY_NOTHING_LOST);
}

/* The store closed while the disk is full: its last checkpoint cannot complete, so the WAL
 * stays; opened again on the full disk, it shows everything and refuses a new check-in; with
 * room, it takes it. */
static void
test_full_disk_close_and_reopen (Fixture *f, gconstpointer data)
{
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *p = mend_test_participant_id (0, 1);
  g_autoptr (GError) error = NULL;
  g_autofree char *id = NULL;

  if (!skip_unless_mounted (f))
    return;
  for (int i = 2; i < 12; i++)
    {
      g_autofree char *q = mend_test_participant_id (0, i);
      g_free (mend_test_record_ok (f->store, mend_command_check_in ("s00000", q)));
    }
  before = snapshot (f->store);

  mend_test_fill_leaving (f->filler, 0);
  g_clear_object (&f->store);
  f->store = mend_store_open (f->path, MEND_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  after = snapshot (f->store);
  g_assert_cmpstr (after, ==, before);
  {
    g_autoptr (MendCommand) command = mend_command_check_in ("s00000", p);

    id = mend_store_record (f->store, command, &error);
    g_assert_null (id);
    g_assert_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_FULL);
    g_clear_error (&error);
  }
  make_room (f);
  g_free (mend_test_record_ok (f->store, mend_command_check_in ("s00000", p)));
  assert_projection_matches_log (f->store);
  mend_test_reliability_row ("full disk while the store closes and opens", 1,
                             MEND_RELIABILITY_NOTHING_LOST);
}

/* Sets or clears the immutable flag (what chattr +i does): not even root may write the file
 * or, for a folder, add or remove a name in it. */
static void
set_immutable (const char *path, gboolean immutable)
{
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  int flags = 0;

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ioctl (fd, FS_IOC_GETFLAGS, &flags), ==, 0);
  if (immutable)
    flags |= FS_IMMUTABLE_FL;
  else
    flags &= ~FS_IMMUTABLE_FL;
  g_assert_cmpint (ioctl (fd, FS_IOC_SETFLAGS, &flags), ==, 0);
  close (fd);
}

static void
assert_refused_read_only (const GError *error)
{
  g_assert_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_UNWRITABLE);
  g_assert_nonnull (strstr (error->message, "read-only"));
  g_assert_nonnull (strstr (error->message, "nothing was changed"));
  g_test_message ("%s", error->message);
}

/* The disk remounted read-only while the app was closed. A supervisor expects to still see
 * what was recorded (and export it for the returns) while the storage is replaced, and to be
 * told plainly that nothing new can be saved: the store opens read-only, reads work, every
 * write is refused saying why, and nothing is lost. */
static void
test_read_only_disk (Fixture *f, gconstpointer data)
{
  /* Round 0: the store was closed cleanly, all in the store file. Round 1: the app died with
   * records only in the WAL (its last connection did not checkpoint), then the disk went
   * read-only: those records must be shown too. */
  for (int round = 0; round < 2; round++)
    {
      g_autofree char *before = NULL;
      g_autofree char *after = NULL;
      g_autofree char *wal = g_strconcat (f->path, "-wal", NULL);
      g_autofree char *p = mend_test_participant_id (0, 2 * round);
      g_autofree char *q = mend_test_participant_id (0, 2 * round + 1);
      g_autoptr (MendCommand) command = NULL;
      g_autoptr (GError) error = NULL;
      g_autofree char *id = NULL;
      sqlite3 *held = NULL;

      if (!skip_unless_mounted (f))
        return;
      if (round == 1)
        {
          /* A second connection that closes without a checkpoint keeps the WAL as it is. */
          g_assert_cmpint (sqlite3_open_v2 (f->path, &held, SQLITE_OPEN_READWRITE, NULL), ==,
                           SQLITE_OK);
          g_assert_cmpint (sqlite3_db_config (held, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL), ==,
                           SQLITE_OK);
          g_assert_cmpint (sqlite3_exec (held, "SELECT count(*) FROM events", NULL, NULL, NULL), ==,
                           SQLITE_OK);
        }
      g_free (mend_test_record_ok (f->store, mend_command_check_in ("s00000", p)));
      before = snapshot (f->store);
      g_clear_object (&f->store);
      g_clear_pointer (&held, sqlite3_close);
      g_assert_true (g_file_test (wal, G_FILE_TEST_EXISTS) == (round == 1));
      g_assert_cmpint (mount (NULL, f->dir, NULL, MS_REMOUNT | MS_RDONLY, NULL), ==, 0);

      f->store = mend_store_open (f->path, MEND_STORE_OPEN_DEFAULT, &error);
      g_assert_no_error (error);
      g_assert_true (mend_store_is_read_only (f->store));
      after = snapshot (f->store);
      g_assert_cmpstr (after, ==, before);
      command = mend_command_check_in ("s00000", q);
      id = mend_store_record (f->store, command, &error);
      g_assert_null (id);
      assert_refused_read_only (error);
      g_clear_error (&error);
      g_clear_pointer (&after, g_free);
      after = snapshot (f->store);
      g_assert_cmpstr (after, ==, before);

      /* Writable again: the same check-in is taken. */
      g_clear_object (&f->store);
      g_assert_cmpint (mount (NULL, f->dir, NULL, MS_REMOUNT, NULL), ==, 0);
      f->store = mend_store_open (f->path, MEND_STORE_OPEN_DEFAULT, &error);
      g_assert_no_error (error);
      g_assert_false (mend_store_is_read_only (f->store));
      g_free (mend_test_record_ok (f->store, mend_command_copy (command)));
      assert_projection_matches_log (f->store);
    }
  mend_test_reliability_row ("a store on a disk remounted read-only", 2,
                             MEND_RELIABILITY_NOTHING_LOST);
}

/* The store file, its WAL or its folder made immutable, while the store is open and before it
 * is opened. While open, the check-in is recorded: Linux checks the flag when a file is opened,
 * and the store writes through the files it holds (its last checkpoint on closing fails, and the
 * WAL it leaves is read at the next open). Before opening, the store opens read-only and the
 * check-in is refused saying the store cannot be written. Either way, once the flag is cleared
 * and the store opened again, everything recorded is there and the refused check-in is taken. */
static void
test_immutable_files (Fixture *f, gconstpointer data)
{
  const char *const suffixes[] = { "", "-wal", "/.." };
  guint tries = 0;
  guint refused = 0;
  int person = 0;

  if (!skip_unless_mounted (f))
    return;
  for (guint s = 0; s < G_N_ELEMENTS (suffixes); s++)
    for (int reopen = 0; reopen < 2; reopen++)
      {
        g_autofree char *target = NULL;
        g_autofree char *p = mend_test_participant_id (0, person++);
        g_autoptr (MendCommand) command = mend_command_check_in ("s00000", p);
        g_autofree char *before = snapshot (f->store);
        g_autofree char *after = NULL;
        g_autofree char *id = NULL;
        g_autoptr (GError) error = NULL;

        if (g_str_equal (suffixes[s], "/.."))
          target = g_strdup (f->dir);
        else
          target = g_strconcat (f->path, suffixes[s], NULL);
        /* The WAL is there while the store is open. */
        g_assert_true (g_file_test (target, G_FILE_TEST_EXISTS));
        set_immutable (target, TRUE);
        if (reopen)
          {
            g_clear_object (&f->store);
            f->store = mend_store_open (f->path, MEND_STORE_OPEN_DEFAULT, &error);
            g_assert_no_error (error);
            g_assert_true (mend_store_is_read_only (f->store));
            after = snapshot (f->store);
            g_assert_cmpstr (after, ==, before);
            g_clear_pointer (&after, g_free);
          }
        id = mend_store_record (f->store, command, &error);
        tries++;
        g_test_message ("%s made immutable%s: the check-in is %s",
                        *suffixes[s] == '\0'    ? "the store file"
                        : suffixes[s][1] == 'w' ? "the WAL"
                                                : "the folder",
                        reopen ? " before opening" : " while open", id ? "recorded" : "refused");
        g_assert_true ((id == NULL) == reopen);
        if (id == NULL)
          {
            refused++;
            assert_refused_read_only (error);
            g_clear_error (&error);
            after = snapshot (f->store);
            g_assert_cmpstr (after, ==, before);
            g_clear_pointer (&after, g_free);
          }
        set_immutable (target, FALSE);
        /* A store opened read-only stays so until it is opened again (the app restarted). */
        if (mend_store_is_read_only (f->store))
          {
            g_clear_object (&f->store);
            f->store = mend_store_open (f->path, MEND_STORE_OPEN_DEFAULT, &error);
            g_assert_no_error (error);
          }
        if (id == NULL)
          g_free (mend_test_record_ok (f->store, mend_command_copy (command)));
        after = snapshot (f->store);
        g_assert_nonnull (strstr (after, p));
        g_assert_cmpstr (after, !=, before);

        /* A restart finds it all. */
        g_clear_object (&f->store);
        f->store = mend_store_open (f->path, MEND_STORE_OPEN_DEFAULT, &error);
        g_assert_no_error (error);
        {
          g_autofree char *reopened = snapshot (f->store);
          g_assert_cmpstr (reopened, ==, after);
        }
      }
  g_test_message ("%u of %u check-ins on an immutable store, WAL or folder refused", refused,
                  tries);
  g_assert_cmpuint (refused, >, 0);
  assert_projection_matches_log (f->store);
  mend_test_reliability_row ("a store file made read-only", tries, MEND_RELIABILITY_NOTHING_LOST);
}

int
main (int argc, char **argv)
{
  mend_test_private_mounts ();
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/store-faults/full-disk/check-in", test_full_disk_check_in);
  ADD ("/store-faults/full-disk/close-and-reopen", test_full_disk_close_and_reopen);
  ADD ("/store-faults/read-only/disk", test_read_only_disk);
  ADD ("/store-faults/read-only/immutable", test_immutable_files);
#undef ADD

  return g_test_run ();
}
