/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-test"

#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "mend-store-retention.h"
#include "mend-store-sync.h"
#include "mend-test-photo-store.h"

/* Retention (data/README.md): what HQ holds whole and is old enough loses its personal fields
 * and photo files, a tombstone stays, and nothing HQ does not hold is touched. HQ's answers
 * are written through the same store calls the sync engine uses. */

#define SECRET_NOTE "Disclosed a personal matter zq-7781"
#define PLAIN_NOTE  "Worked well; asked about hours zq-7782"

typedef struct
{
  char *photo; /* sha256 */
  char *photo_event;
  char *secret_out; /* the check-out with SECRET_NOTE */
  char *plain_out;
  GPtrArray *ids; /* every event, in order */
} Day;

static void
day_clear (Day *day)
{
  g_free (day->photo);
  g_free (day->photo_event);
  g_free (day->secret_out);
  g_free (day->plain_out);
  g_ptr_array_unref (day->ids);
}

static char *
record (Fixture *f, Day *day, MendCommand *command)
{
  char *id = mend_test_record_ok (f->store, command);

  g_ptr_array_add (day->ids, g_strdup (id));
  return id;
}

/* Session 0: start, two people in, a photo, both out with notes. */
static void
record_day (Fixture *f, Day *day, guint32 seed)
{
  g_autofree char *session = mend_test_session_id (0);
  g_autofree char *p0 = mend_test_participant_id (0, 0);
  g_autofree char *p1 = mend_test_participant_id (0, 1);
  g_autoptr (GBytes) jpeg = fake_jpeg (seed, 40000);
  MendCheckOut out = { .outcome = "ATTC", .quality = "good", .behaviour = "good" };

  day->ids = g_ptr_array_new_with_free_func (g_free);
  g_free (record (f, day, mend_command_start_session (session)));
  g_free (record (f, day, mend_command_check_in (session, p0)));
  g_free (record (f, day, mend_command_check_in (session, p1)));
  day->photo = store_photo (f->store, jpeg);
  day->photo_event
      = record (f, day, photo_command (session, NULL, MEND_PHOTO_ROLE_EVIDENCE, day->photo, 40000));
  /* Long enough to spill onto an overflow page, which a purge frees rather than rewrites:
   * only the vacuum takes its bytes out of the file. */
  {
    g_autofree char *padding = g_strnfill (3800, 'x');
    g_autofree char *long_note = g_strdup_printf ("%s %s", SECRET_NOTE, padding);

    out.notes = long_note;
    out.sensitive = TRUE;
    day->secret_out = record (f, day, mend_command_check_out (session, p0, &out));
  }
  out.notes = PLAIN_NOTE;
  out.sensitive = FALSE;
  day->plain_out = record (f, day, mend_command_check_out (session, p1, &out));
}

/* HQ's verdict, as the engine writes it: the first @n events acknowledged. */
static void
acknowledge (Fixture *f, Day *day, guint n)
{
  g_autoptr (GError) error = NULL;
  g_autofree MendSyncOutcome *outcomes = g_new0 (MendSyncOutcome, n);

  for (guint i = 0; i < n; i++)
    outcomes[i].event_id = g_ptr_array_index (day->ids, i);
  g_assert_true (mend_store_sync_settle_events (f->store, outcomes, n, &error));
  g_assert_no_error (error);
}

static void
upload (Fixture *f, const char *sha256, gint64 bytes)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (mend_store_sync_set_photo_offset (f->store, sha256, bytes, TRUE, &error));
  g_assert_no_error (error);
}

static MendRetentionResult
purge (Fixture *f, gint64 cutoff, gboolean dry_run)
{
  g_autoptr (GError) error = NULL;
  MendRetentionResult result = { 0 };

  g_assert_true (mend_store_retention_purge (f->store, cutoff, dry_run, &result, &error));
  g_assert_no_error (error);
  return result;
}

static gint64
tomorrow (void)
{
  return g_get_real_time () / 1000 + 24 * 3600 * 1000LL;
}

static char *
query (Fixture *f, const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  GString *out = g_string_new (NULL);
  int rc;

  g_assert_cmpint (sqlite3_open_v2 (f->path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      for (int c = 0; c < sqlite3_column_count (stmt); c++)
        g_string_append_printf (out, "%s%s", c ? "|" : "",
                                (const char *)sqlite3_column_text (stmt, c) ?: "NULL");
      g_string_append_c (out, '\n');
    }
  g_assert_cmpint (rc, ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return g_string_free (out, FALSE);
}

static void
exec (Fixture *f, const char *sql)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
}

/* Whether @needle is anywhere in the store's raw bytes (the file and its write-ahead log). */
static gboolean
raw_contains (Fixture *f, const char *needle)
{
  const char *suffixes[] = { "", "-wal" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *path = g_strconcat (f->path, suffixes[i], NULL);
      g_autofree char *contents = NULL;
      gsize length = 0;

      if (!g_file_get_contents (path, &contents, &length, NULL))
        continue;
      for (gsize at = 0; at + strlen (needle) <= length; at++)
        if (memcmp (contents + at, needle, strlen (needle)) == 0)
          return TRUE;
    }
  return FALSE;
}

static void
assert_verifies (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  gint64 n = 0;

  g_assert_true (mend_store_verify (f->store, &n, &error));
  g_assert_no_error (error);
}

/* Everything HQ holds, a day old: purged, tombstoned, the bytes gone; the chain still
 * verifies and a rebuild gives the same projections. */
static void
test_purge (Fixture *f, gconstpointer data)
{
  Day day = { 0 };
  g_autofree char *photo_path = NULL;
  g_autofree char *attendance_before = NULL;
  g_autofree char *attendance_after = NULL;
  g_autofree char *payload = NULL;
  g_autofree char *tombstone = NULL;
  g_autoptr (GError) error = NULL;
  MendRetentionResult r;

  record_day (f, &day, 1);
  acknowledge (f, &day, day.ids->len);
  upload (f, day.photo, 40000);
  photo_path = mend_store_photo_path (f->store, day.photo);
  g_assert_true (g_file_test (photo_path, G_FILE_TEST_EXISTS));
  /* The note is in the raw file before. */
  exec (f, "PRAGMA wal_checkpoint(TRUNCATE)");
  g_assert_true (raw_contains (f, "zq-7781"));
  attendance_before = query (f, "SELECT * FROM attendance ORDER BY 1, 2");

  r = purge (f, tomorrow (), FALSE);
  g_assert_cmpint (r.events, ==, day.ids->len);
  g_assert_cmpint (r.photos, ==, 1);
  g_assert_cmpint (r.photo_bytes, ==, 40000);
  g_assert_cmpint (r.unsent_kept, ==, 0);
  g_assert_true (r.vacuumed);

  g_assert_false (g_file_test (photo_path, G_FILE_TEST_EXISTS));
  g_assert_false (raw_contains (f, "zq-7781"));
  g_assert_false (raw_contains (f, "zq-7782"));
  payload = query (f, "SELECT count(*) FROM events WHERE payload LIKE '%notes%' OR lat IS NOT "
                      "NULL OR purged_at IS NULL");
  g_assert_cmpstr (payload, ==, "0\n");
  /* The tombstones: ids, hashes and HQ's acknowledgement stay; the photo row too. */
  tombstone = query (f, "SELECT count(*), count(DISTINCT hash) FROM events WHERE sync_state = "
                        "'acknowledged'");
  {
    g_autofree char *expected = g_strdup_printf ("%u|%u\n", day.ids->len, day.ids->len);

    g_assert_cmpstr (tombstone, ==, expected);
  }
  {
    g_autofree char *photo = query (f, "SELECT uploaded, purged_at IS NOT NULL FROM photos");

    g_assert_cmpstr (photo, ==, "1|1\n");
  }
  assert_verifies (f);
  /* Nothing to send: neither the events nor the photo. */
  {
    g_autoptr (GPtrArray) pending = mend_store_sync_pending_events (f->store, 100, &error);
    g_autoptr (GPtrArray) photos = mend_store_sync_photos_waiting (f->store, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (pending->len, ==, 0);
    g_assert_cmpuint (photos->len, ==, 0);
  }
  /* A rebuild brings nothing back and loses nothing the projections held. */
  g_assert_true (mend_store_rebuild_projections (f->store, &error));
  g_assert_no_error (error);
  attendance_after = query (f, "SELECT * FROM attendance ORDER BY 1, 2");
  g_assert_cmpstr (attendance_after, ==, attendance_before);
  g_assert_false (g_file_test (photo_path, G_FILE_TEST_EXISTS));

  /* A second purge finds nothing more. */
  r = purge (f, tomorrow (), FALSE);
  g_assert_cmpint (r.events, ==, 0);
  g_assert_cmpint (r.photos, ==, 0);
  day_clear (&day);
}

/* Pending and parked events, and a photo HQ does not hold whole, are never purged, however
 * old; nor is anything younger than the cut-off. */
static void
test_unsent_kept (Fixture *f, gconstpointer data)
{
  Day day = { 0 };
  g_autoptr (GError) error = NULL;
  g_autofree char *photo_path = NULL;
  g_autofree char *left = NULL;
  MendRetentionResult r;

  record_day (f, &day, 2);
  /* HQ holds the first three events (start, two check-ins) and the photo's event, but only
   * part of the photo; the secret check-out is parked; the last is pending. */
  acknowledge (f, &day, 4);
  {
    MendSyncOutcome parked = { .event_id = day.secret_out, .parked = TRUE, .message = "invalid" };

    g_assert_true (mend_store_sync_settle_events (f->store, &parked, 1, &error));
    g_assert_no_error (error);
  }
  g_assert_true (mend_store_sync_set_photo_offset (f->store, day.photo, 20000, FALSE, &error));
  g_assert_no_error (error);
  photo_path = mend_store_photo_path (f->store, day.photo);

  /* Too young: nothing. */
  r = purge (f, g_get_real_time () / 1000 - 24 * 3600 * 1000LL, FALSE);
  g_assert_cmpint (r.events, ==, 0);
  g_assert_cmpint (r.unsent_kept, ==, 0);

  r = purge (f, tomorrow (), FALSE);
  /* The three acknowledged events that name no photo; the photo's event waits for its bytes. */
  g_assert_cmpint (r.events, ==, 3);
  g_assert_cmpint (r.photos, ==, 0);
  g_assert_cmpint (r.unsent_kept, ==, 2);
  g_assert_true (g_file_test (photo_path, G_FILE_TEST_EXISTS));
  left = query (f, "SELECT id, sync_state FROM events WHERE purged_at IS NULL ORDER BY seq");
  {
    g_autofree char *expected = g_strdup_printf ("%s|acknowledged\n%s|parked\n%s|pending\n",
                                                 day.photo_event, day.secret_out, day.plain_out);

    g_assert_cmpstr (left, ==, expected);
  }
  g_assert_true (raw_contains (f, "zq-7781"));
  g_assert_true (raw_contains (f, "zq-7782"));
  assert_verifies (f);

  /* The photo completes: its event and file go; the parked and pending ones still stay. */
  upload (f, day.photo, 40000);
  r = purge (f, tomorrow (), FALSE);
  g_assert_cmpint (r.events, ==, 1);
  g_assert_cmpint (r.photos, ==, 1);
  g_assert_false (g_file_test (photo_path, G_FILE_TEST_EXISTS));
  g_assert_true (raw_contains (f, "zq-7781"));
  assert_verifies (f);
  day_clear (&day);
}

/* The same image in two events: its file stays until both may go. */
static void
test_shared_photo (Fixture *f, gconstpointer data)
{
  Day day = { 0 };
  g_autofree char *session = mend_test_session_id (0);
  g_autoptr (GBytes) jpeg = fake_jpeg (2, 40000);
  g_autofree char *again = NULL;
  g_autofree char *photo_path = NULL;
  MendRetentionResult r;

  record_day (f, &day, 2);
  /* The same bytes again: one file, a second event. */
  g_free (store_photo (f->store, jpeg));
  again
      = record (f, &day, photo_command (session, NULL, MEND_PHOTO_ROLE_EVIDENCE, day.photo, 40000));
  acknowledge (f, &day, day.ids->len - 1);
  upload (f, day.photo, 40000);
  photo_path = mend_store_photo_path (f->store, day.photo);
  r = purge (f, tomorrow (), FALSE);
  g_assert_cmpint (r.photos, ==, 0);
  g_assert_cmpint (r.events, ==, day.ids->len - 1);
  g_assert_true (g_file_test (photo_path, G_FILE_TEST_EXISTS));
  assert_verifies (f);
  acknowledge (f, &day, day.ids->len);
  r = purge (f, tomorrow (), FALSE);
  g_assert_cmpint (r.photos, ==, 1);
  g_assert_cmpint (r.events, ==, 1);
  g_assert_false (g_file_test (photo_path, G_FILE_TEST_EXISTS));
  assert_verifies (f);
  day_clear (&day);
}

/* A dry run counts exactly what the purge then does, and changes nothing. */
static void
test_dry_run (Fixture *f, gconstpointer data)
{
  Day day = { 0 };
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  MendRetentionResult dry, real;

  record_day (f, &day, 3);
  acknowledge (f, &day, day.ids->len);
  upload (f, day.photo, 40000);
  before = query (f, "SELECT * FROM events ORDER BY seq");
  dry = purge (f, tomorrow (), TRUE);
  after = query (f, "SELECT * FROM events ORDER BY seq");
  g_assert_cmpstr (before, ==, after);
  real = purge (f, tomorrow (), FALSE);
  g_assert_cmpint (dry.events, ==, real.events);
  g_assert_cmpint (dry.photos, ==, real.photos);
  g_assert_cmpint (dry.photo_bytes, ==, real.photo_bytes);
  g_assert_false (dry.vacuumed);
  day_clear (&day);
}

static void
assert_broken (Fixture *f, const char *why)
{
  g_autoptr (GError) error = NULL;

  g_assert_false (mend_store_verify (f->store, NULL, &error));
  g_assert_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_CHAIN_BROKEN);
  g_test_message ("%s: %s", why, error->message);
}

/* After a purge the chain still catches tampering: of a whole event, of a tombstone's hash,
 * and of an event passed off as purged. */
static void
test_tamper_after_purge (Fixture *f, gconstpointer data)
{
  Day day = { 0 };
  g_autofree char *sql = NULL;

  record_day (f, &day, 4);
  acknowledge (f, &day, 3);
  purge (f, tomorrow (), FALSE);
  assert_verifies (f);

  /* A whole event altered. */
  sql = g_strdup_printf ("UPDATE events SET payload = replace(payload, 'zq-7782', 'zq-0000') "
                         "WHERE id = '%s'",
                         day.plain_out);
  exec (f, sql);
  assert_broken (f, "whole event altered");
  g_free (sql);
  sql = g_strdup_printf ("UPDATE events SET payload = replace(payload, 'zq-0000', 'zq-7782') "
                         "WHERE id = '%s'",
                         day.plain_out);
  exec (f, sql);
  assert_verifies (f);

  /* A tombstone's hash replaced: the next event's prev_hash no longer matches. */
  exec (f, "UPDATE events SET hash = substr(hash, 2) || substr(hash, 1, 1) WHERE seq = 2");
  assert_broken (f, "tombstone's hash replaced");
  g_free (sql);
  sql = g_strdup_printf (
      "UPDATE events SET hash = (SELECT prev_hash FROM events WHERE seq = 3) WHERE seq = 2");
  exec (f, sql);
  assert_verifies (f);

  /* A pending event marked purged, to hide an alteration. */
  g_free (sql);
  sql = g_strdup_printf ("UPDATE events SET purged_at = 1, payload = '{}' WHERE id = '%s'",
                         day.secret_out);
  exec (f, sql);
  assert_broken (f, "pending event passed off as purged");
  day_clear (&day);
}

/* mendctl purge: --dry-run counts, the real run purges, --days keeps what is younger. */
static void
test_mendctl (Fixture *f, gconstpointer data)
{
  Day day = { 0 };
  g_autofree char *photo_path = NULL;

  record_day (f, &day, 5);
  acknowledge (f, &day, day.ids->len);
  upload (f, day.photo, 40000);
  photo_path = mend_store_photo_path (f->store, day.photo);
  {
    const char *argv[] = { g_getenv ("MENDCTL"), "--db", f->path, "purge", "--days", "abc", NULL };
    int status = 0;

    g_spawn_sync (NULL, (char **)argv, NULL,
                  G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL,
                  &status, NULL);
    g_assert_true (WIFEXITED (status));
    g_assert_cmpint (WEXITSTATUS (status), ==, 2);
  }
  for (int step = 0; step < 3; step++)
    {
      /* The default keeps a day's records; --dry-run counts; --days 0 purges. */
      const char *dry[] = { g_getenv ("MENDCTL"), "--db",   f->path, "purge", "--days", "0",
                            "--dry-run",          "--json", NULL };
      const char *keep[] = { g_getenv ("MENDCTL"), "--db", f->path, "purge", "--json", NULL };
      const char *now[]
          = { g_getenv ("MENDCTL"), "--db", f->path, "purge", "--days", "0", "--json", NULL };
      const char **argv = step == 0 ? keep : step == 1 ? dry : now;
      g_autofree char *out = NULL;
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonParser) parser = json_parser_new ();
      JsonObject *o;
      int status = 0;

      g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL, &status,
                    &error);
      g_assert_no_error (error);
      g_assert_true (g_spawn_check_wait_status (status, NULL));
      g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
      o = json_node_get_object (json_parser_get_root (parser));
      g_assert_cmpint (json_object_get_int_member (o, "events"), ==, step == 0 ? 0 : day.ids->len);
      g_assert_cmpint (json_object_get_int_member (o, "photos"), ==, step == 0 ? 0 : 1);
      g_assert_cmpint (json_object_get_boolean_member (o, "dry_run"), ==, step == 1);
      g_assert_cmpint (g_file_test (photo_path, G_FILE_TEST_EXISTS), ==, step < 2);
    }
  g_assert_false (raw_contains (f, "zq-7781"));
  assert_verifies (f);
  day_clear (&day);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/retention/purge", test_purge);
  ADD ("/retention/unsent-kept", test_unsent_kept);
  ADD ("/retention/shared-photo", test_shared_photo);
  ADD ("/retention/dry-run", test_dry_run);
  ADD ("/retention/tamper-after-purge", test_tamper_after_purge);
  ADD ("/retention/mendctl", test_mendctl);
#undef ADD
  return g_test_run ();
}
