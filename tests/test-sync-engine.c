/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-test"

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "mend-demo.h"
#include "mend-sync-token.h"
#include "mend-time.h"
#include "test-sync-util.h"

/* The sync engine against a real mend-hq on a real PostgreSQL, over HTTP on loopback: enrolment,
 * a day's work end to end, refusals parked while the rest goes, a revoked device, photos resumed
 * after a cut, photos that cannot go, and the manifest. The network's failures are in
 * test-sync-network.c. */

/* Whether @needle occurs anywhere in the file at @path (the store or its log). */
static gboolean
file_contains (const char *path, const char *needle)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  gsize n = strlen (needle);

  if (!g_file_get_contents (path, &contents, &length, NULL))
    return FALSE;
  for (gsize i = 0; i + n <= length; i++)
    if (memcmp (contents + i, needle, n) == 0)
      return TRUE;
  return FALSE;
}

static void
test_enrol (SyncDevice *d, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *url = sync_test_url ();
  g_autofree char *code = sync_test_code ();
  g_autofree char *token_path = mend_sync_token_path (d->path);
  g_autofree char *token = NULL;
  g_autofree char *wal = g_strconcat (d->path, "-wal", NULL);
  g_autoptr (MendSyncEnrolment) enrolment = NULL;
  g_autoptr (MendSyncEnrolment) stored = NULL;
  GStatBuf st;

  enrolment = sync_device_enrol (d, url, code, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (enrolment->hq_url, ==, url);
  g_assert_cmpstr (enrolment->team_id, ==, sync_test_team);
  g_assert_cmpstr (enrolment->team_name, ==, "North Kettering");
  g_assert_false (enrolment->reenrol_needed);
  g_assert_null (enrolment->manifest_cursor);

  stored = mend_store_sync_get_enrolment (d->store, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (stored->team_id, ==, sync_test_team);

  /* The token: a private file beside the store, and nowhere in the store itself. */
  g_assert_cmpint (g_stat (token_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  token = mend_sync_token_load (token_path, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (token, "mnd_"));
  g_assert_false (file_contains (d->path, token));
  g_assert_false (file_contains (wal, token));
  g_assert_false (file_contains (d->path, token + 4));

  /* The code is used up at HQ. */
  g_assert_cmpint (mend_test_hq_count (sync_test_hq,
                                       "SELECT count(*) FROM enrolment_codes WHERE used_by = $1",
                                       mend_store_get_device_id (d->store)),
                   ==, 1);

  /* A token file others can read is not used. */
  g_assert_cmpint (g_chmod (token_path, 0644), ==, 0);
  {
    g_autoptr (MendSyncReport) report = sync_device_run (d, &error);

    g_assert_null (report);
    g_assert_error (error, MEND_SYNC_ERROR, MEND_SYNC_ERROR_TOKEN_FILE);
    g_assert_nonnull (strstr (error->message, "chmod 600"));
    g_clear_error (&error);
  }
  /* Nor is a missing one guessed at: the device must be enrolled again. */
  g_assert_cmpint (g_remove (token_path), ==, 0);
  {
    g_autoptr (MendSyncReport) report = sync_device_run (d, &error);

    g_assert_null (report);
    g_assert_error (error, MEND_SYNC_ERROR, MEND_SYNC_ERROR_NOT_ENROLLED);
    g_assert_nonnull (strstr (error->message, "has no token"));
    g_clear_error (&error);
  }
}

static void
test_enrol_wrong_code (SyncDevice *d, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *url = sync_test_url ();
  g_autofree char *token_path = mend_sync_token_path (d->path);
  g_autoptr (MendSyncEnrolment) enrolment = NULL;
  g_autoptr (MendSyncEnrolment) stored = NULL;

  enrolment = sync_device_enrol (d, url, "WRONGCODE0000", NULL, &error);
  g_assert_null (enrolment);
  g_assert_error (error, MEND_SYNC_ERROR, MEND_SYNC_ERROR_REFUSED);
  g_assert_nonnull (strstr (error->message, "wrong, expired or used"));
  g_clear_error (&error);
  g_assert_false (g_file_test (token_path, G_FILE_TEST_EXISTS));
  stored = mend_store_sync_get_enrolment (d->store, &error);
  g_assert_no_error (error);
  g_assert_null (stored);

  /* Not enrolled: a pass refuses at once and says how to enrol. */
  {
    g_autoptr (MendSyncReport) report = sync_device_run (d, &error);

    g_assert_null (report);
    g_assert_error (error, MEND_SYNC_ERROR, MEND_SYNC_ERROR_NOT_ENROLLED);
    g_assert_nonnull (strstr (error->message, "mendctl enrol"));
  }
}

static void
test_enrol_demo (SyncDevice *d, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *url = sync_test_url ();
  g_autofree char *code = sync_test_code ();
  g_autofree char *token_path = mend_sync_token_path (d->path);
  g_autoptr (MendSyncEnrolment) enrolment = NULL;

  g_assert_true (mend_store_load_demo (d->store, &error));
  g_assert_no_error (error);
  enrolment = sync_device_enrol (d, url, code, NULL, &error);
  g_assert_null (enrolment);
  g_assert_error (error, MEND_SYNC_ERROR, MEND_SYNC_ERROR_DEMO_STORE);
  g_assert_nonnull (strstr (error->message, "fresh store"));
  g_clear_error (&error);
  g_assert_false (g_file_test (token_path, G_FILE_TEST_EXISTS));
  /* HQ was not asked: the code is still good. */
  g_assert_cmpint (mend_test_hq_count (sync_test_hq,
                                       "SELECT count(*) FROM enrolment_codes WHERE used_at IS NULL"
                                       " AND code_sha256 = sha256(convert_to($1, 'UTF8'))",
                                       code),
                   ==, 1);
  /* The store refuses it too, whoever asks. */
  g_assert_false (mend_store_sync_set_enrolment (d->store, url, NULL, "t", "T", NULL, &error));
  g_assert_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_INVALID);
}

static void
progress_cb (MendSyncEngine *engine, gpointer user_data)
{
  guint *n = user_data;
  const MendSyncProgress *p = mend_sync_engine_get_progress (engine);

  g_assert_cmpint (p->events_done, <=, p->events_total);
  g_assert_cmpint (p->photos_done, <=, p->photos_total);
  g_assert_cmpint (p->bytes_done, <=, p->bytes_total);
  (*n)++;
}

static void
test_day (SyncDevice *d, gconstpointer data)
{
  const char *device_id = mend_store_get_device_id (d->store);
  g_autoptr (GPtrArray) photos = NULL;
  g_autoptr (MendSyncReport) first = NULL;
  g_autoptr (MendSyncReport) again = NULL;
  g_autofree char *at_hq = NULL;
  g_autofree char *on_device = NULL;
  g_autofree char *at_hq_again = NULL;
  const MendSyncProgress *progress;
  guint n_progress = 0;
  gint64 n_events;

  sync_device_enrol_ok (d);
  photos = sync_device_record_day (d, 0, 3, 1200 * 1024);
  n_events = sync_device_count (d, "pending");
  g_assert_cmpint (n_events, ==, 1 + 2 * SYNC_TEST_PEOPLE + 2 + 3 + SYNC_TEST_PEOPLE - 1);

  /* Small batches, so the day takes several requests. */
  mend_sync_engine_set_batch_size (d->engine, 4);
  g_signal_connect (d->engine, "progress", G_CALLBACK (progress_cb), &n_progress);
  first = sync_device_run_ok (d);
  g_assert_cmpstr (first->stopped, ==, NULL);
  g_assert_cmpint (first->state, ==, MEND_SYNC_STATE_COMPLETE);
  g_assert_cmpint (first->events_acknowledged, ==, n_events);
  g_assert_cmpint (first->events_parked, ==, 0);
  g_assert_cmpint (first->photos_uploaded, ==, 3);
  g_assert_true (first->manifest_applied);
  g_assert_true (first->has_clock_skew);
  g_assert_false (first->clock_warning);
  g_assert_cmpint (first->counts->events_pending, ==, 0);
  g_assert_cmpint (first->counts->photos_waiting, ==, 0);
  g_assert_cmpint (first->counts->photos_uploaded, ==, 3);
  g_assert_cmpint (first->counts->bytes_waiting, ==, 0);
  /* Each 1.2 MB photo went in three chunks of at most 512 KiB. */
  g_assert_cmpuint (first->bytes_sent, >, 3 * 1200 * 1024);
  progress = mend_sync_engine_get_progress (d->engine);
  g_assert_cmpint (progress->events_done, ==, n_events);
  g_assert_cmpint (progress->photos_done, ==, 3);
  g_assert_cmpint (progress->bytes_done, ==, 3 * 1200 * 1024);
  g_assert_cmpuint (n_progress, >=, 4 + 9);

  /* HQ holds exactly the device's events, hashes and all, and every photo's bytes. */
  at_hq = sync_test_hq_events (device_id);
  on_device = sync_device_acknowledged (d);
  g_assert_cmpstr (at_hq, ==, on_device);
  g_assert_cmpint (
      mend_test_hq_count (sync_test_hq, "SELECT count(*) FROM events WHERE device = $1", device_id),
      ==, n_events);
  for (guint i = 0; i < photos->len; i++)
    g_assert_true (sync_test_hq_has_blob (g_ptr_array_index (photos, i)));
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (MendSyncEnrolment) e = mend_store_sync_get_enrolment (d->store, &error);

    g_assert_no_error (error);
    g_assert_nonnull (e->manifest_cursor);
    g_assert_cmpint (e->last_success_ms, >, 0);
    g_assert_null (e->last_error);
    g_assert_true (e->has_clock_skew);
  }

  /* Idempotent: a second pass sends nothing new and HQ holds nothing twice. */
  again = sync_device_run_ok (d);
  g_assert_cmpint (again->state, ==, MEND_SYNC_STATE_COMPLETE);
  g_assert_cmpint (again->events_acknowledged, ==, 0);
  g_assert_cmpint (again->photos_uploaded, ==, 0);
  at_hq_again = sync_test_hq_events (device_id);
  g_assert_cmpstr (at_hq_again, ==, at_hq);

  /* The rest of the day: one more check-out goes in the next pass. */
  {
    g_autofree char *person = mend_test_participant_id (0, SYNC_TEST_PEOPLE - 1);
    g_autofree char *session_id = mend_test_session_id (0);
    g_autoptr (MendSyncReport) last = NULL;
    g_autofree char *at_hq_last = NULL;
    g_autofree char *on_device_last = NULL;
    MendCheckOut out = { .outcome = "ATTC" };

    g_free (mend_test_record_ok (d->store, mend_command_check_out (session_id, person, &out)));
    g_free (mend_test_record_ok (d->store, mend_command_end_session (session_id)));
    last = sync_device_run_ok (d);
    g_assert_cmpint (last->state, ==, MEND_SYNC_STATE_COMPLETE);
    g_assert_cmpint (last->events_acknowledged, ==, 2);
    at_hq_last = sync_test_hq_events (device_id);
    on_device_last = sync_device_acknowledged (d);
    g_assert_cmpstr (at_hq_last, ==, on_device_last);
  }
}

/* A session HQ does not know: the device's own reference row, as if HQ had never sent it. */
static void
add_local_session (SyncDevice *d, const char *session_id)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text = g_strdup_printf (
      "{\"sessions\":[{\"id\":\"%s\",\"site\":\"site-1\",\"supervisor\":\"sup-1\","
      "\"starts_at\":%" G_GINT64_FORMAT ",\"ends_at\":%" G_GINT64_FORMAT "}]}",
      session_id, mend_time_today_at (9, 0, 0), mend_time_today_at (13, 0, 0));
  g_autoptr (JsonNode) node = json_from_string (text, &error);

  g_assert_no_error (error);
  g_assert_true (mend_store_apply_reference (d->store, json_node_get_object (node), &error));
  g_assert_no_error (error);
}

static void
test_invalid_parked (SyncDevice *d, gconstpointer data)
{
  const char *device_id = mend_store_get_device_id (d->store);
  g_autofree char *session_id = mend_test_session_id (1);
  g_autofree char *person = mend_test_participant_id (1, 0);
  g_autofree char *refused = NULL;
  g_autoptr (MendSyncReport) report = NULL;
  g_autoptr (MendSyncReport) again = NULL;
  g_autofree char *at_hq = NULL;
  g_autofree char *on_device = NULL;
  const MendSyncParked *parked;

  sync_device_enrol_ok (d);
  add_local_session (d, "s-not-at-hq");
  g_free (mend_test_record_ok (d->store, mend_command_start_session (session_id)));
  refused = mend_test_record_ok (d->store, mend_command_start_session ("s-not-at-hq"));
  g_free (mend_test_record_ok (d->store, mend_command_check_in (session_id, person)));
  g_free (mend_test_record_ok (d->store, mend_command_tally (session_id, "bags", 2)));

  report = sync_device_run_ok (d);
  g_assert_cmpint (report->state, ==, MEND_SYNC_STATE_PARKED);
  g_assert_cmpint (report->events_acknowledged, ==, 3);
  g_assert_cmpint (report->events_parked, ==, 1);
  g_assert_cmpint (report->counts->events_parked, ==, 1);
  g_assert_cmpint (report->counts->events_pending, ==, 0);
  parked = g_ptr_array_index (report->counts->parked, 0);
  g_assert_cmpstr (parked->event_id, ==, refused);
  g_assert_cmpint (parked->seq, ==, 2);
  g_assert_cmpstr (parked->kind, ==, "session.started");
  /* HQ's own words, kept. */
  g_assert_nonnull (strstr (parked->message, "s-not-at-hq"));

  at_hq = sync_test_hq_events (device_id);
  on_device = sync_device_acknowledged (d);
  g_assert_cmpstr (at_hq, ==, on_device);

  /* Parked stays parked: the next pass sends nothing again. */
  again = sync_device_run_ok (d);
  g_assert_cmpint (again->state, ==, MEND_SYNC_STATE_PARKED);
  g_assert_cmpint (again->events_acknowledged + again->events_parked, ==, 0);
}

static void
copy_file (const char *from, const char *to)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GFile) source = g_file_new_for_path (from);
  g_autoptr (GFile) target = g_file_new_for_path (to);

  g_file_copy (source, target, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
}

/* A store put back from an old copy records new events at seqs HQ already holds: HQ calls the
 * first a conflict and the ones after it invalid (the chain is broken); both are parked with
 * HQ's words while the events HQ already had are acknowledged. */
static void
test_conflict_parked (SyncDevice *d, gconstpointer data)
{
  g_autofree char *session_id = mend_test_session_id (2);
  g_autofree char *backup = g_build_filename (d->dir, "backup.db", NULL);
  g_autofree char *wal = g_strconcat (d->path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (d->path, "-shm", NULL);
  g_autoptr (MendSyncReport) first = NULL;
  g_autoptr (MendSyncReport) report = NULL;
  const MendSyncParked *conflict;
  const MendSyncParked *after;

  sync_device_enrol_ok (d);
  g_free (mend_test_record_ok (d->store, mend_command_start_session (session_id)));
  g_free (mend_test_record_ok (d->store, mend_command_tally (session_id, "bags", 1)));

  /* The old copy, taken with the store closed. */
  sync_device_close_store (d);
  copy_file (d->path, backup);
  sync_device_reopen (d);

  g_free (mend_test_record_ok (d->store, mend_command_tally (session_id, "bags", 2)));
  first = sync_device_run_ok (d);
  g_assert_cmpint (first->state, ==, MEND_SYNC_STATE_COMPLETE);
  g_assert_cmpint (first->events_acknowledged, ==, 3);

  /* Put back; the token file and enrolment came along. */
  sync_device_close_store (d);
  g_remove (wal);
  g_remove (shm);
  copy_file (backup, d->path);
  sync_device_reopen (d);
  g_free (mend_test_record_ok (d->store, mend_command_tally (session_id, "bulky", 5)));
  g_free (mend_test_record_ok (d->store, mend_command_tally (session_id, "sharps", 1)));

  report = sync_device_run_ok (d);
  g_assert_cmpint (report->state, ==, MEND_SYNC_STATE_PARKED);
  g_assert_cmpint (report->events_acknowledged, ==, 2); /* duplicates of what HQ had */
  g_assert_cmpint (report->events_parked, ==, 2);
  conflict = g_ptr_array_index (report->counts->parked, 0);
  after = g_ptr_array_index (report->counts->parked, 1);
  g_assert_cmpint (conflict->seq, ==, 3);
  g_assert_nonnull (strstr (conflict->message, "seq 3 is already"));
  g_assert_cmpint (after->seq, ==, 4);
  g_assert_nonnull (strstr (after->message, "chain is broken"));
}

static void
test_revoked (SyncDevice *d, gconstpointer data)
{
  const char *device_id = mend_store_get_device_id (d->store);
  g_autofree char *session_id = mend_test_session_id (0);
  g_autoptr (MendSyncReport) report = NULL;
  g_autoptr (MendSyncReport) again = NULL;
  g_autoptr (MendSyncEnrolment) e = NULL;

  sync_device_enrol_ok (d);
  g_free (mend_test_record_ok (d->store, mend_command_start_session (session_id)));
  g_free (mend_test_record_ok (d->store, mend_command_tally (session_id, "bags", 1)));
  sync_test_revoke (device_id);

  report = sync_device_run_ok (d);
  g_assert_cmpint (report->state, ==, MEND_SYNC_STATE_REENROL);
  g_assert_cmpint (report->events_acknowledged, ==, 0);
  g_assert_nonnull (strstr (report->stopped, "enrol it again"));
  g_assert_cmpint (sync_device_count (d, "pending"), ==, 2);
  g_assert_cmpint (sync_device_count (d, "acknowledged"), ==, 0);
  g_assert_cmpint (
      mend_test_hq_count (sync_test_hq, "SELECT count(*) FROM events WHERE device = $1", device_id),
      ==, 0);
  e = mend_store_sync_get_enrolment (d->store, NULL);
  g_assert_true (e->reenrol_needed);

  /* It stays that way until enrolled again, without asking HQ. */
  again = sync_device_run_ok (d);
  g_assert_cmpint (again->state, ==, MEND_SYNC_STATE_REENROL);
  g_assert_cmpuint (again->bytes_sent, ==, 0);
}

typedef struct
{
  GCancellable *cancellable;
  gint64 cut_at;
} Cutter;

static void
cut_cb (MendSyncEngine *engine, gpointer user_data)
{
  Cutter *cutter = user_data;

  if (mend_sync_engine_get_progress (engine)->bytes_done >= cutter->cut_at)
    g_cancellable_cancel (cutter->cancellable);
}

static void
run_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GError **error = user_data;
  g_autoptr (MendSyncReport) report = NULL;

  report = mend_sync_engine_run_finish (MEND_SYNC_ENGINE (source), result, error);
  g_assert_null (report);
}

/* A pass cut half way through a photo (the app closed): the offset HQ confirmed is kept, and
 * the next pass, in a new engine, goes on from where HQ stands. */
static void
test_photo_resume (SyncDevice *d, gconstpointer data)
{
  g_autofree char *session_id = mend_test_session_id (0);
  g_autofree char *sha256 = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) waiting = NULL;
  g_autoptr (MendSyncReport) report = NULL;
  Cutter cutter = { g_cancellable_new (), 300 * 1024 };
  const MendSyncPhoto *photo;

  sync_device_enrol_ok (d);
  g_free (mend_test_record_ok (d->store, mend_command_start_session (session_id)));
  sha256 = sync_device_add_photo (d, session_id, 7, 1000 * 1000);

  /* Photos held back (a metered network): the event goes, the photo waits. */
  mend_sync_engine_set_send_photos (d->engine, FALSE);
  {
    g_autoptr (MendSyncReport) held = sync_device_run_ok (d);

    g_assert_cmpint (held->state, ==, MEND_SYNC_STATE_WAITING);
    g_assert_cmpint (held->events_acknowledged, ==, 2);
    g_assert_cmpint (held->photos_uploaded, ==, 0);
    g_assert_cmpint (held->counts->photos_waiting, ==, 1);
    g_assert_cmpint (held->counts->bytes_waiting, ==, 1000 * 1000);
    g_assert_null (held->stopped);
  }
  mend_sync_engine_set_send_photos (d->engine, TRUE);

  mend_sync_engine_set_chunk_size (d->engine, 100 * 1024);
  g_signal_connect (d->engine, "progress", G_CALLBACK (cut_cb), &cutter);
  mend_sync_engine_run_async (d->engine, cutter.cancellable, run_done_cb, &error);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_object (&cutter.cancellable);
  g_assert_false (mend_sync_engine_is_running (d->engine));

  waiting = mend_store_sync_photos_waiting (d->store, NULL);
  g_assert_cmpuint (waiting->len, ==, 1);
  photo = g_ptr_array_index (waiting, 0);
  g_assert_cmpint (photo->uploaded_offset, >=, 300 * 1024);
  g_assert_cmpint (photo->uploaded_offset, <, 1000 * 1000);
  g_assert_cmpint (photo->uploaded_offset % (100 * 1024), ==, 0);
  g_assert_false (sync_test_hq_has_blob (sha256));

  sync_device_reopen (d);
  report = sync_device_run_ok (d);
  g_assert_cmpint (report->state, ==, MEND_SYNC_STATE_COMPLETE);
  g_assert_cmpint (report->photos_uploaded, ==, 1);
  /* Only the rest was sent again (plus the requests' own bytes). */
  g_assert_cmpuint (report->bytes_sent, <, 1000 * 1000 - photo->uploaded_offset + 64 * 1024);
  g_assert_true (sync_test_hq_has_blob (sha256));
}

/* HQ took chunks whose answers never reached the device (it still says 0): the first PATCH from
 * 0 gets a 409 naming HQ's offset, and the upload goes on from there without sending again
 * what HQ holds. */
static void
test_photo_lost_answer (SyncDevice *d, gconstpointer data)
{
  g_autofree char *session_id = mend_test_session_id (0);
  g_autofree char *sha256 = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) waiting = NULL;
  g_autoptr (MendSyncReport) report = NULL;
  Cutter cutter = { g_cancellable_new (), 400 * 1024 };
  gint64 held;

  sync_device_enrol_ok (d);
  g_free (mend_test_record_ok (d->store, mend_command_start_session (session_id)));
  sha256 = sync_device_add_photo (d, session_id, 9, 1000 * 1000);
  mend_sync_engine_set_chunk_size (d->engine, 100 * 1024);
  g_signal_connect (d->engine, "progress", G_CALLBACK (cut_cb), &cutter);
  mend_sync_engine_run_async (d->engine, cutter.cancellable, run_done_cb, &error);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_clear_object (&cutter.cancellable);

  waiting = mend_store_sync_photos_waiting (d->store, NULL);
  held = ((const MendSyncPhoto *)g_ptr_array_index (waiting, 0))->uploaded_offset;
  g_assert_cmpint (held, >=, 400 * 1024);
  g_assert_true (mend_store_sync_set_photo_offset (d->store, sha256, 0, FALSE, &error));
  g_assert_no_error (error);

  sync_device_reopen (d);
  report = sync_device_run_ok (d);
  g_assert_cmpint (report->state, ==, MEND_SYNC_STATE_COMPLETE);
  g_assert_true (sync_test_hq_has_blob (sha256));
  /* The refused first chunk (512 KiB at most) and the rest: not the whole photo again. */
  g_assert_cmpuint (report->bytes_sent, <, 1000 * 1000 - held + 512 * 1024 + 4096);
}

static void
restart_cb (MendSyncEngine *engine, gpointer user_data)
{
  gboolean *restarted = user_data;

  if (!*restarted && mend_sync_engine_get_progress (engine)->bytes_done >= 300 * 1024)
    {
      /* HQ killed and started again between two chunks; its partial copy is on disk. */
      mend_test_hq_restart (sync_test_hq, TRUE);
      *restarted = TRUE;
    }
}

/* HQ crashes half way through a photo: the device goes on from where HQ's copy stands, in
 * this pass or the next, and HQ ends with the right bytes. */
static void
test_photo_hq_restart (SyncDevice *d, gconstpointer data)
{
  g_autofree char *session_id = mend_test_session_id (0);
  g_autofree char *sha256 = NULL;
  g_autoptr (MendSyncReport) report = NULL;
  gboolean restarted = FALSE;

  sync_device_enrol_ok (d);
  g_free (mend_test_record_ok (d->store, mend_command_start_session (session_id)));
  sha256 = sync_device_add_photo (d, session_id, 21, 900 * 1000);
  mend_sync_engine_set_chunk_size (d->engine, 100 * 1024);
  g_signal_connect (d->engine, "progress", G_CALLBACK (restart_cb), &restarted);

  report = sync_device_run_ok (d);
  g_assert_true (restarted);
  if (report->state != MEND_SYNC_STATE_COMPLETE)
    {
      g_autoptr (MendSyncReport) again = NULL;

      g_test_message ("the first pass stopped: %s", report->stopped);
      again = sync_device_run_ok (d);
      g_assert_cmpint (again->state, ==, MEND_SYNC_STATE_COMPLETE);
    }
  g_assert_true (sync_test_hq_has_blob (sha256));
  /* Nothing was sent twice beyond the chunk in flight: under 1.2 times the photo. */
  g_assert_cmpuint (report->bytes_sent, <, 900 * 1000 * 12 / 10);
}

/* Two devices of one team sync side by side; HQ keeps each one's chain apart. */
static void
test_two_devices (SyncDevice *d, gconstpointer data)
{
  SyncDevice other = { 0 };
  g_autofree char *at_hq = NULL;
  g_autofree char *on_device = NULL;
  g_autofree char *at_hq_other = NULL;
  g_autofree char *on_other = NULL;
  g_autoptr (GPtrArray) photos = NULL;
  g_autoptr (GPtrArray) other_photos = NULL;

  sync_device_open (&other, NULL);
  sync_device_enrol_ok (d);
  sync_device_enrol_ok (&other);
  photos = sync_device_record_day (d, 1, 1, 64 * 1024);
  other_photos = sync_device_record_day (&other, 2, 1, 64 * 1024);
  {
    g_autoptr (MendSyncReport) a = sync_device_run_ok (d);
    g_autoptr (MendSyncReport) b = sync_device_run_ok (&other);

    g_assert_cmpint (a->state, ==, MEND_SYNC_STATE_COMPLETE);
    g_assert_cmpint (b->state, ==, MEND_SYNC_STATE_COMPLETE);
  }
  at_hq = sync_test_hq_events (mend_store_get_device_id (d->store));
  on_device = sync_device_acknowledged (d);
  at_hq_other = sync_test_hq_events (mend_store_get_device_id (other.store));
  on_other = sync_device_acknowledged (&other);
  g_assert_cmpstr (at_hq, ==, on_device);
  g_assert_cmpstr (at_hq_other, ==, on_other);
  g_assert_cmpstr (at_hq, !=, at_hq_other);
  g_assert_true (sync_test_hq_has_blob (g_ptr_array_index (photos, 0)));
  g_assert_true (sync_test_hq_has_blob (g_ptr_array_index (other_photos, 0)));
  sync_device_close (&other, NULL);
}

static void
test_photo_problems (SyncDevice *d, gconstpointer data)
{
  g_autofree char *session_id = mend_test_session_id (1);
  g_autofree char *gone = NULL;
  g_autofree char *changed = NULL;
  g_autofree char *fine = NULL;
  g_autofree char *gone_path = NULL;
  g_autofree char *changed_path = NULL;
  g_autoptr (MendSyncReport) report = NULL;
  g_autoptr (MendSyncReport) again = NULL;
  g_autoptr (GError) error = NULL;

  sync_device_enrol_ok (d);
  g_free (mend_test_record_ok (d->store, mend_command_start_session (session_id)));
  gone = sync_device_add_photo (d, session_id, 11, 200 * 1024);
  changed = sync_device_add_photo (d, session_id, 12, 200 * 1024);
  fine = sync_device_add_photo (d, session_id, 13, 200 * 1024);

  gone_path = mend_store_photo_path (d->store, gone);
  g_assert_cmpint (g_remove (gone_path), ==, 0);
  /* The same size, other bytes: only a hash can tell. */
  changed_path = mend_store_photo_path (d->store, changed);
  g_chmod (changed_path, 0644);
  {
    g_autofree char *contents = NULL;
    gsize length;

    g_file_get_contents (changed_path, &contents, &length, &error);
    g_assert_no_error (error);
    contents[length / 2] ^= 0x5a;
    g_file_set_contents (changed_path, contents, length, &error);
    g_assert_no_error (error);
  }

  report = sync_device_run_ok (d);
  g_assert_cmpint (report->state, ==, MEND_SYNC_STATE_PARKED);
  g_assert_cmpint (report->photos_uploaded, ==, 1);
  g_assert_cmpint (report->counts->photos_problem, ==, 2);
  g_assert_cmpint (report->counts->photos_waiting, ==, 0);
  g_assert_cmpuint (report->counts->problems->len, ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      const char *problem = g_ptr_array_index (report->counts->problems, i);

      if (g_str_has_prefix (problem, gone))
        g_assert_nonnull (strstr (problem, "is gone"));
      else
        {
          g_assert_true (g_str_has_prefix (problem, changed));
          g_assert_nonnull (strstr (problem, "no longer matches its hash"));
        }
    }
  g_assert_true (sync_test_hq_has_blob (fine));
  g_assert_false (sync_test_hq_has_blob (changed));

  /* Reported, not retried: the next pass sends nothing. */
  again = sync_device_run_ok (d);
  g_assert_cmpint (again->state, ==, MEND_SYNC_STATE_PARKED);
  g_assert_cmpint (again->photos_uploaded, ==, 0);
  g_assert_cmpuint (again->bytes_sent, <, 4096);
}

static gboolean
has_assignment (SyncDevice *d, const char *session_id, const char *participant_id)
{
  g_autoptr (GPtrArray) roster = mend_store_list_roster (d->store, session_id, NULL);

  for (guint i = 0; roster != NULL && i < roster->len; i++)
    if (g_str_equal (((MendRosterRow *)g_ptr_array_index (roster, i))->participant_id,
                     participant_id))
      return TRUE;
  return FALSE;
}

/* The manifest: the first pull is full and drops what HQ does not have; HQ removing two people from
 * a session removes them on the device too, except the one already on site, who stays under the
 * supervisor. */
static void
test_manifest (SyncDevice *d, gconstpointer data)
{
  g_autofree char *session_id = mend_test_session_id (2);
  g_autofree char *on_site = mend_test_participant_id (2, 0);
  g_autofree char *not_yet = mend_test_participant_id (2, 1);
  g_autofree char *cursor = NULL;
  g_autoptr (MendSyncReport) first = NULL;
  g_autoptr (MendSyncReport) second = NULL;
  g_autoptr (MendSyncEnrolment) e = NULL;
  g_autoptr (MendSyncEnrolment) e2 = NULL;

  sync_device_enrol_ok (d);
  /* A session only the device has: the first, full manifest drops it. */
  add_local_session (d, "s-stale");
  first = sync_device_run_ok (d);
  g_assert_cmpint (first->state, ==, MEND_SYNC_STATE_COMPLETE);
  g_assert_true (first->manifest_applied);
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (MendSessionRow) stale = mend_store_get_session (d->store, "s-stale", &error);

    g_assert_null (stale);
    g_assert_nonnull (error);
  }
  e = mend_store_sync_get_enrolment (d->store, NULL);
  g_assert_nonnull (e->manifest_cursor);
  g_assert_nonnull (e->hq_public_key);
  g_assert_true (has_assignment (d, session_id, on_site));
  g_assert_true (has_assignment (d, session_id, not_yet));

  g_free (mend_test_record_ok (d->store, mend_command_start_session (session_id)));
  g_free (mend_test_record_ok (d->store, mend_command_check_in (session_id, on_site)));
  {
    const char *const remove_on_site[]
        = { "assign", "--session", session_id, "--person", on_site, "--remove", NULL };
    const char *const remove_not_yet[]
        = { "assign", "--session", session_id, "--person", not_yet, "--remove", NULL };

    g_free (mend_test_hq_admin (sync_test_hq, remove_on_site));
    g_free (mend_test_hq_admin (sync_test_hq, remove_not_yet));
  }

  second = sync_device_run_ok (d);
  g_assert_cmpint (second->state, ==, MEND_SYNC_STATE_COMPLETE);
  g_assert_true (second->manifest_applied);
  g_assert_false (has_assignment (d, session_id, not_yet));
  g_assert_true (has_assignment (d, session_id, on_site));
  e2 = mend_store_sync_get_enrolment (d->store, NULL);
  g_assert_cmpstr (e2->manifest_cursor, !=, e->manifest_cursor);

  /* Put back for the other tests, which share the team. */
  {
    const char *const add_on_site[]
        = { "assign", "--session", session_id, "--person", on_site, NULL };
    const char *const add_not_yet[]
        = { "assign", "--session", session_id, "--person", not_yet, NULL };

    g_free (mend_test_hq_admin (sync_test_hq, add_on_site));
    g_free (mend_test_hq_admin (sync_test_hq, add_not_yet));
  }
}

/* A manifest for another team than the device's is not applied at all. */
static void
test_manifest_other_team (SyncDevice *d, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *url = sync_test_url ();
  g_autoptr (MendSyncReport) report = NULL;
  g_autoptr (MendSyncEnrolment) e = NULL;

  sync_device_enrol_ok (d);
  mend_store_sync_set_enrolment (d->store, url, NULL, "team-elsewhere", "Elsewhere", NULL, &error);
  g_assert_no_error (error);
  add_local_session (d, "s-kept");

  report = sync_device_run_ok (d);
  g_assert_cmpint (report->state, ==, MEND_SYNC_STATE_WAITING);
  g_assert_false (report->manifest_applied);
  g_assert_nonnull (strstr (report->stopped, "nothing was applied"));
  e = mend_store_sync_get_enrolment (d->store, NULL);
  g_assert_null (e->manifest_cursor);
  {
    g_autoptr (MendSessionRow) kept = mend_store_get_session (d->store, "s-kept", &error);

    g_assert_no_error (error);
    g_assert_nonnull (kept);
  }
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  sync_test_hq_start ();

#define ADD(path, func)                                                                            \
  g_test_add (path, SyncDevice, NULL, sync_device_open, func, sync_device_close)
  ADD ("/sync/enrol/ok", test_enrol);
  ADD ("/sync/enrol/wrong-code", test_enrol_wrong_code);
  ADD ("/sync/enrol/demo-store", test_enrol_demo);
  ADD ("/sync/day", test_day);
  ADD ("/sync/parked/invalid", test_invalid_parked);
  ADD ("/sync/parked/conflict", test_conflict_parked);
  ADD ("/sync/revoked", test_revoked);
  ADD ("/sync/photos/resume", test_photo_resume);
  ADD ("/sync/photos/problems", test_photo_problems);
  ADD ("/sync/photos/hq-restart", test_photo_hq_restart);
  ADD ("/sync/photos/lost-answer", test_photo_lost_answer);
  ADD ("/sync/two-devices", test_two_devices);
  ADD ("/sync/manifest", test_manifest);
  ADD ("/sync/manifest/other-team", test_manifest_other_team);
#undef ADD
  status = g_test_run ();

  sync_test_hq_stop ();
  return status;
}
