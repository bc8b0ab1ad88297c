/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-test"

#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "mend-rows.h"
#include "mend-store-retention.h"
#include "mend-sync-token.h"
#include "mend-time.h"
#include "mend-wire.h"
#include "test-sync-util.h"

/* Hours credited across devices (DESIGN.md section 4, PROTOCOL.md section 12): a person works a
 * session supervised on one device and the next day another on a second device of the team.
 * Against a real mend-hq on a real PostgreSQL, with real stores synced by the real engine: the
 * second device is told what the first credited and caps its own credit by what is left; no
 * device is told its own hours, so none counts them twice; a void on one device reaches the
 * other in a delta; and a delta re-sends a person exactly when another device's crediting
 * event came after the cursor. */

#define HOUR_MS (3600 * G_GINT64_CONSTANT (1000))

/* One person of HQ's reference data with two sessions, yesterday's and today's. */
typedef struct
{
  char *person;
  char *yesterday; /* session ids */
  char *today;
} Person;

static void
person_clear (Person *p)
{
  g_clear_pointer (&p->person, g_free);
  g_clear_pointer (&p->yesterday, g_free);
  g_clear_pointer (&p->today, g_free);
}

/* Imports @id into the team at HQ, @ordered minutes ordered and @outside credited before Mend,
 * assigned to a session yesterday and one today, both 09:00 to 13:00 at the fixture's site. */
static void
person_add (Person *p, const char *id, int ordered, int outside)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *path = NULL;

  p->person = g_strdup (id);
  p->yesterday = g_strconcat (id, "-yesterday", NULL);
  p->today = g_strconcat (id, "-today", NULL);
  text = g_strdup_printf (
      "{\"participants\":[{\"id\":\"%s\",\"case_ref\":\"CR/%s\",\"display_name\":\"Credit Test\","
      "\"minutes_ordered\":%d,\"minutes_credited\":%d,\"disposal_type\":\"cr\"}],"
      "\"sessions\":[{\"id\":\"%s\",\"site\":\"site-1\",\"supervisor\":\"sup-1\","
      "\"starts_at\":%" G_GINT64_FORMAT ",\"ends_at\":%" G_GINT64_FORMAT "},"
      "{\"id\":\"%s\",\"site\":\"site-1\",\"supervisor\":\"sup-1\","
      "\"starts_at\":%" G_GINT64_FORMAT ",\"ends_at\":%" G_GINT64_FORMAT "}],"
      "\"assignments\":[{\"session\":\"%s\",\"participant\":\"%s\"},"
      "{\"session\":\"%s\",\"participant\":\"%s\"}]}",
      id, id, ordered, outside, p->yesterday, mend_time_today_at (9, 0, -1),
      mend_time_today_at (13, 0, -1), p->today, mend_time_today_at (9, 0, 0),
      mend_time_today_at (13, 0, 0), p->yesterday, id, p->today, id);
  path = g_build_filename (sync_test_hq->dir, "person.json", NULL);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  {
    const char *const args[] = { "reference", "import", path, "--team", sync_test_team, NULL };

    g_free (mend_test_hq_admin (sync_test_hq, args));
  }
}

/* Starts @session if need be, checks @p in and out from @from_ms to @to_ms with ATTC (which
 * credits time), and returns the check-out's event id. */
static char *
work (SyncDevice *d, const char *session, const char *person, gint64 from_ms, gint64 to_ms)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MendSessionRow) row = mend_store_get_session (d->store, session, &error);
  MendCheckOut out = { .outcome = "ATTC", .arrived_at_ms = from_ms, .finished_at_ms = to_ms };
  MendCommand *check_in;

  g_assert_no_error (error);
  if (row->state == MEND_SESSION_NOT_STARTED)
    g_free (mend_test_record_ok (d->store, mend_command_start_session (session)));
  check_in = mend_command_check_in (session, person);
  mend_command_set_occurred_at (check_in, from_ms);
  g_free (mend_test_record_ok (d->store, check_in));
  return mend_test_record_ok (d->store, mend_command_check_out (session, person, &out));
}

/* The device's roster row of @person at @session. */
static MendRosterRow *
roster_row (SyncDevice *d, const char *session, const char *person)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) roster = mend_store_list_roster (d->store, session, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < roster->len; i++)
    {
      MendRosterRow *row = g_ptr_array_index (roster, i);

      if (g_str_equal (row->participant_id, person))
        return g_ptr_array_steal_index (roster, i);
    }
  g_error ("%s is not on the roster of %s", person, session);
}

static void
assert_roster (SyncDevice *d, const char *session, const char *person, int credited, int owed)
{
  MendRosterRow *row = roster_row (d, session, person);

  g_assert_cmpint (row->minutes_credited, ==, credited);
  g_assert_cmpint (row->minutes_owed, ==, owed);
  mend_roster_row_free (row);
}

/* What `mendctl roster --json` says @person still owes, read from the device's store by the real
 * mendctl. */
static gint64
mendctl_owed (SyncDevice *d, const char *session, const char *person)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) process = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr (JsonNode) root = NULL;
  JsonArray *rows;

  process
      = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                          g_getenv ("MENDCTL"), "--db", d->path, "roster", "--json", session, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_successful (process))
    g_error ("mendctl roster failed: %s", err);
  root = json_from_string (out, &error);
  g_assert_no_error (error);
  rows = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonObject *row = json_array_get_object_element (rows, i);

      if (g_str_equal (json_object_get_string_member (row, "participant_id"), person))
        return json_object_get_int_member (row, "minutes_owed");
    }
  g_error ("mendctl roster has no %s", person);
}

/* The device's stored minutes_credited_hq of @person, as the last manifest it applied said. */
static gint64
store_credited_hq (SyncDevice *d, const char *person)
{
  g_autofree char *sql
      = g_strdup_printf ("SELECT minutes_credited_hq FROM participants WHERE id = '%s'", person);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 n;

  g_assert_cmpint (sqlite3_open_v2 (d->path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return n;
}

/* GET /api/v1/manifest with @d's own token, as its engine would ask. */
static MendWireManifest *
pull_as (SyncDevice *d, const char *cursor)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *token_path = mend_sync_token_path (d->path);
  g_autofree char *token = mend_sync_token_load (token_path, &error);
  g_autofree char *escaped = NULL;
  g_autofree char *path = NULL;
  g_autoptr (MendTestHttp) http = NULL;
  MendWireManifest *manifest;

  g_assert_no_error (error);
  if (cursor != NULL)
    escaped = g_uri_escape_string (cursor, NULL, FALSE);
  path = cursor != NULL ? g_strconcat ("/api/v1/manifest?since=", escaped, NULL)
                        : g_strdup ("/api/v1/manifest");
  http = mend_test_hq_request (sync_test_hq, "GET", path, token, NULL, NULL, 0);
  g_assert_cmpint (http->status, ==, 200);
  manifest = mend_wire_decode_manifest (http->body->str, http->body->len, &error);
  g_assert_no_error (error);
  return manifest;
}

/* One whole pass of @d's engine: its events to HQ, then HQ's manifest applied. */
static void
sync_ok (SyncDevice *d)
{
  g_autoptr (MendSyncReport) report = sync_device_run_ok (d);

  g_assert_null (report->stopped);
  g_assert_true (report->manifest_applied);
  g_assert_cmpint (sync_device_count (d, "pending"), ==, 0);
}

static void
devices_open (SyncDevice *a, SyncDevice *b)
{
  sync_device_open (a, NULL);
  sync_device_open (b, NULL);
  sync_device_enrol_ok (a);
  sync_device_enrol_ok (b);
}

static void
devices_close (SyncDevice *a, SyncDevice *b)
{
  sync_device_close (a, NULL);
  sync_device_close (b, NULL);
}

/* The day of the problem: 3 h of a 4 h order on device A, then 2 h on site on device B, which
 * credits only the hour left; A still counts its own session once; a void on A gives B the
 * hours back in B's next delta. */
static void
test_two_devices (void)
{
  SyncDevice a = { 0 }, b = { 0 };
  Person p = { 0 };
  g_autofree char *a_check_out = NULL;
  g_autofree char *b_check_out = NULL;
  g_autoptr (MendWireManifest) a_told = NULL;
  g_autoptr (MendWireManifest) b_told = NULL;
  g_autoptr (MendWireManifest) b_delta = NULL;
  g_autoptr (GError) error = NULL;
  gint64 yesterday_9 = mend_time_today_at (9, 0, -1);
  gint64 today_9 = mend_time_today_at (9, 0, 0);

  devices_open (&a, &b);
  person_add (&p, "cr-ana", 240, 0);
  sync_ok (&a);
  sync_ok (&b);
  assert_roster (&a, p.yesterday, p.person, 0, 240);
  assert_roster (&b, p.today, p.person, 0, 240);

  /* Yesterday on A: 3 h, all credited; A tells HQ. */
  a_check_out = work (&a, p.yesterday, p.person, yesterday_9, yesterday_9 + 3 * HOUR_MS);
  assert_roster (&a, p.yesterday, p.person, 180, 60);
  sync_ok (&a);
  /* A's own session is not in what HQ tells A, so A counts it once: still 1 h owed. */
  g_assert_cmpint (store_credited_hq (&a, p.person), ==, 0);
  assert_roster (&a, p.yesterday, p.person, 180, 60);
  a_told = pull_as (&a, NULL);
  g_assert_cmpint (mend_test_reference_credited (a_told->reference, p.person), ==, 0);
  /* Purged by retention, and its projections rebuilt from the tombstones, A's own session
   * still counts, once. */
  {
    MendRetentionResult purged = { 0 };

    g_assert_true (
        mend_store_retention_purge (a.store, mend_time_now_ms () + 1000, FALSE, &purged, &error));
    g_assert_no_error (error);
    g_assert_cmpint (purged.events, >, 0);
    assert_roster (&a, p.yesterday, p.person, 180, 60);
    g_assert_true (mend_store_rebuild_projections (a.store, &error));
    g_assert_no_error (error);
    assert_roster (&a, p.yesterday, p.person, 180, 60);
  }

  /* B pulls: HQ tells B what A credited, so B shows 1 h owed, in its store and in mendctl. */
  sync_ok (&b);
  g_assert_cmpint (store_credited_hq (&b, p.person), ==, 180);
  assert_roster (&b, p.today, p.person, 0, 60);
  g_assert_cmpint (mendctl_owed (&b, p.today, p.person), ==, 60);
  b_told = pull_as (&b, NULL);
  g_assert_cmpint (mend_test_reference_credited (b_told->reference, p.person), ==, 180);

  /* Today on B: 2 h on site, 1 h credited (all that was owed), not 2. */
  b_check_out = work (&b, p.today, p.person, today_9, today_9 + 2 * HOUR_MS);
  assert_roster (&b, p.today, p.person, 60, 0);
  g_assert_cmpint (mendctl_owed (&b, p.today, p.person), ==, 0);
  sync_ok (&b);
  assert_roster (&b, p.today, p.person, 60, 0);

  /* A pulls B's session: A is told what B's events credit folded without A's (B's 2 h), and
   * A's own 3 h stay counted once, by A; nothing is owed. */
  sync_ok (&a);
  g_assert_cmpint (store_credited_hq (&a, p.person), ==, 120);
  assert_roster (&a, p.yesterday, p.person, 180, 0);

  /* A voids its check-out: B's next delta sends the person again, with A's hours gone. */
  g_free (mend_test_record_ok (a.store, mend_command_void (a_check_out, "Wrong person")));
  assert_roster (&a, p.yesterday, p.person, 0, 120);
  sync_ok (&a);
  {
    g_autoptr (MendSyncEnrolment) enrolment = mend_store_sync_get_enrolment (b.store, &error);

    g_assert_no_error (error);
    b_delta = pull_as (&b, enrolment->manifest_cursor);
  }
  g_assert_false (b_delta->full);
  g_assert_cmpint (mend_test_reference_credited (b_delta->reference, p.person), ==, 0);
  sync_ok (&b);
  g_assert_cmpint (store_credited_hq (&b, p.person), ==, 0);
  /* B's own hour stays counted once, by B. */
  assert_roster (&b, p.today, p.person, 60, 180);
  g_assert_cmpint (mendctl_owed (&b, p.today, p.person), ==, 180);

  person_clear (&p);
  devices_close (&a, &b);
}

/* Which deltas send a person again: another device's check-out and absence do; its check-in
 * does not; the asking device's own events never do, and never count in what it is told. */
static void
test_delta (void)
{
  SyncDevice a = { 0 }, b = { 0 };
  Person p = { 0 };
  g_autoptr (GError) error = NULL;
  g_autofree char *a_cursor = NULL;
  g_autofree char *b_cursor = NULL;
  gint64 yesterday_9 = mend_time_today_at (9, 0, -1);
  MendCheckOut out = { .outcome = "ATTC",
                       .arrived_at_ms = yesterday_9,
                       .finished_at_ms = yesterday_9 + HOUR_MS };
  MendCommand *check_in;

  devices_open (&a, &b);
  /* 30 minutes were credited before Mend. */
  person_add (&p, "cr-ben", 240, 30);
  sync_ok (&a);
  sync_ok (&b);
  {
    g_autoptr (MendSyncEnrolment) ea = mend_store_sync_get_enrolment (a.store, &error);
    g_autoptr (MendSyncEnrolment) eb = mend_store_sync_get_enrolment (b.store, &error);

    g_assert_no_error (error);
    a_cursor = g_strdup (ea->manifest_cursor);
    b_cursor = g_strdup (eb->manifest_cursor);
  }
  g_assert_cmpint (store_credited_hq (&b, p.person), ==, 30);
  assert_roster (&b, p.today, p.person, 0, 210);

  /* A check-in on A credits nothing: no delta sends the person for it. */
  g_free (mend_test_record_ok (a.store, mend_command_start_session (p.yesterday)));
  check_in = mend_command_check_in (p.yesterday, p.person);
  mend_command_set_occurred_at (check_in, yesterday_9);
  g_free (mend_test_record_ok (a.store, check_in));
  sync_ok (&a);
  {
    g_autoptr (MendWireManifest) to_b = pull_as (&b, b_cursor);

    g_assert_false (to_b->full);
    g_assert_cmpint (mend_test_reference_credited (to_b->reference, p.person), ==, -1);
  }

  /* A's check-out: B's delta from its old cursor sends the person with A's hour; A's own delta
   * from its old cursor does not, and A's full manifest says only what came before Mend. */
  g_free (mend_test_record_ok (a.store, mend_command_check_out (p.yesterday, p.person, &out)));
  sync_ok (&a);
  {
    g_autoptr (MendWireManifest) to_b = pull_as (&b, b_cursor);
    g_autoptr (MendWireManifest) to_a = pull_as (&a, a_cursor);
    g_autoptr (MendWireManifest) a_full = pull_as (&a, NULL);

    g_assert_false (to_b->full);
    g_assert_cmpint (mend_test_reference_credited (to_b->reference, p.person), ==, 30 + 60);
    g_assert_false (to_a->full);
    g_assert_cmpint (mend_test_reference_credited (to_a->reference, p.person), ==, -1);
    g_assert_true (a_full->full);
    g_assert_cmpint (mend_test_reference_credited (a_full->reference, p.person), ==, 30);
    /* From the cursor B's delta itself gave, nothing more. */
    {
      g_autoptr (MendWireManifest) again = pull_as (&b, to_b->cursor);

      g_assert_cmpint (mend_test_reference_credited (again->reference, p.person), ==, -1);
    }
  }
  assert_roster (&a, p.yesterday, p.person, 60, 150);
  sync_ok (&b);
  g_assert_cmpint (store_credited_hq (&b, p.person), ==, 90);
  assert_roster (&b, p.today, p.person, 0, 150);

  /* B marks the person absent today: A's next delta sends them again (nothing more credited). */
  {
    g_autoptr (MendSyncEnrolment) ea = mend_store_sync_get_enrolment (a.store, &error);
    g_autoptr (MendWireManifest) to_a = NULL;

    g_assert_no_error (error);
    g_free (mend_test_record_ok (b.store, mend_command_start_session (p.today)));
    g_free (mend_test_record_ok (b.store, mend_command_absent (p.today, p.person, NULL)));
    sync_ok (&b);
    to_a = pull_as (&a, ea->manifest_cursor);
    g_assert_cmpint (mend_test_reference_credited (to_a->reference, p.person), ==, 30);
  }

  person_clear (&p);
  devices_close (&a, &b);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  sync_test_hq_start ();
  g_test_add_func ("/sync-credit/two-devices", test_two_devices);
  g_test_add_func ("/sync-credit/delta", test_delta);
  status = g_test_run ();
  sync_test_hq_stop ();
  return status;
}
