/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-test"

#include "config.h"

#include "test-sync-util.h"

#include <string.h>

#include "mend-pin.h"
#include "mend-time.h"

/* One HQ for the whole test program; each test has devices of its own (every store has a new
 * device id), so tests do not see each other's events. */

MendTestHq *sync_test_hq;
char *sync_test_team;

/* The device fixture's reference data (mend_test_store_new()) imported into HQ for the team, so
 * the events devices record name HQ's own sessions, people and supervisor. */
static void
import_reference (void)
{
  sync_test_import_reference (SYNC_TEST_SESSIONS, SYNC_TEST_PEOPLE, mend_time_today_at (9, 0, 0));
}

/* Imports mend_test_fixture_manifest(@n_sessions, @people_per_session, @first_start_ms) into
 * HQ for the team, replacing what it held; the supervisor's PIN is 2468. */
void
sync_test_import_reference (int n_sessions, int people_per_session, gint64 first_start_ms)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) lists
      = mend_test_fixture_manifest (n_sessions, people_per_session, first_start_ms);
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *pin_hash = mend_pin_hash ("2468", &error);
  g_autofree char *text = NULL;
  g_autofree char *path = NULL;
  JsonArray *supervisors = json_object_get_array_member (lists, "supervisors");

  g_assert_no_error (error);
  json_object_set_string_member (json_array_get_object_element (supervisors, 0), "pin_hash",
                                 pin_hash);
  json_node_set_object (node, lists);
  text = json_to_string (node, FALSE);
  path = g_build_filename (g_get_tmp_dir (), "reference.json", NULL);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  {
    const char *const args[] = { "reference", "import", path, "--team", sync_test_team, NULL };
    g_free (mend_test_hq_admin (sync_test_hq, args));
  }
}

void
sync_test_hq_start (void)
{
  const char *const add[] = { "team", "add", "North Kettering", NULL };

  sync_test_hq = mend_test_hq_start ();
  sync_test_team = mend_test_hq_admin (sync_test_hq, add);
  import_reference ();
}

void
sync_test_hq_stop (void)
{
  mend_test_hq_stop (sync_test_hq);
  g_clear_pointer (&sync_test_team, g_free);
}

char *
sync_test_url (void)
{
  return g_strdup_printf ("http://127.0.0.1:%u", sync_test_hq->port);
}

char *
sync_test_code (void)
{
  const char *const args[] = { "enrolment-code", sync_test_team, NULL };

  return mend_test_hq_admin (sync_test_hq, args);
}

void
sync_test_revoke (const char *device_id)
{
  const char *const args[] = { "revoke", device_id, NULL };

  g_free (mend_test_hq_admin (sync_test_hq, args));
}

void
sync_device_open (SyncDevice *d, gconstpointer data)
{
  d->dir = mend_test_temp_dir ();
  d->path = g_build_filename (d->dir, "mend.db", NULL);
  d->store
      = mend_test_store_new (d->dir, SYNC_TEST_SESSIONS, SYNC_TEST_PEOPLE, MEND_STORE_OPEN_DEFAULT);
  d->engine = mend_sync_engine_new (d->store);
}

void
sync_device_close (SyncDevice *d, gconstpointer data)
{
  sync_device_close_store (d);
  mend_test_remove_tree (d->dir);
  g_clear_pointer (&d->dir, g_free);
  g_clear_pointer (&d->path, g_free);
}

/* Drops the engine and closes the store for real, so its files may be copied or another
 * process may take it. */
void
sync_device_close_store (SyncDevice *d)
{
  GWeakRef store;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  g_clear_object (&d->engine);
  if (d->store == NULL)
    return;
  /* The pass's last store write runs on a worker thread, whose task may hold the store a moment
   * longer than the pass: wait until the store is really closed before its files are touched. */
  g_weak_ref_init (&store, d->store);
  g_clear_object (&d->store);
  for (;;)
    {
      g_autoptr (GObject) still = g_weak_ref_get (&store);

      if (still == NULL)
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_weak_ref_clear (&store);
}

/* As after a restart of the app: the same store and folder, a new engine. */
void
sync_device_reopen (SyncDevice *d)
{
  g_autoptr (GError) error = NULL;

  sync_device_close_store (d);
  d->store = mend_store_open (d->path, MEND_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  d->engine = mend_sync_engine_new (d->store);
}

typedef struct
{
  GMainLoop *loop;
  GAsyncResult *result;
} Waiter;

static void
done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Waiter *waiter = user_data;

  waiter->result = g_object_ref (result);
  g_main_loop_quit (waiter->loop);
}

MendSyncEnrolment *
sync_device_enrol (SyncDevice *d,
                   const char *url,
                   const char *code,
                   const char *ca_file,
                   GError **error)
{
  Waiter waiter = { g_main_loop_new (NULL, FALSE), NULL };
  MendSyncEnrolment *enrolment;

  mend_sync_engine_enrol_async (d->engine, url, code, "Test tablet", ca_file, NULL, done_cb,
                                &waiter);
  g_main_loop_run (waiter.loop);
  enrolment = mend_sync_engine_enrol_finish (d->engine, waiter.result, error);
  g_object_unref (waiter.result);
  g_main_loop_unref (waiter.loop);
  return enrolment;
}

void
sync_device_enrol_ok (SyncDevice *d)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *url = sync_test_url ();
  g_autofree char *code = sync_test_code ();
  g_autoptr (MendSyncEnrolment) enrolment = sync_device_enrol (d, url, code, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (enrolment->team_id, ==, sync_test_team);
}

GSubprocess *
sync_device_enrol_rate_limited (SyncDevice *d, const char *blobs, const char *session_id)
{
  const char *const args[]
      = { "--database", sync_test_hq->conninfo, "--listen", "127.0.0.1:0",    "--blobs",
          blobs,        "--device-rate",        "1",        "--device-burst", "3",
          NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (MendSyncEnrolment) enrolment = NULL;
  g_autofree char *url = NULL;
  g_autofree char *code = sync_test_code ();
  GSubprocess *server;
  guint16 port = 0;

  server = mend_test_hq_spawn (sync_test_hq, args, &port);
  g_assert_nonnull (server);
  url = g_strdup_printf ("http://127.0.0.1:%u", port);
  enrolment = sync_device_enrol (d, url, code, NULL, &error);
  g_assert_no_error (error);
  g_free (mend_test_record_ok (d->store, mend_command_start_session (session_id)));
  for (int i = 0; i < 5; i++)
    g_free (mend_test_record_ok (d->store, mend_command_tally (session_id, "bags", 1)));
  mend_sync_engine_set_batch_size (d->engine, 1);
  return server;
}

MendSyncReport *
sync_device_run (SyncDevice *d, GError **error)
{
  Waiter waiter = { g_main_loop_new (NULL, FALSE), NULL };
  MendSyncReport *report;

  mend_sync_engine_run_async (d->engine, NULL, done_cb, &waiter);
  g_main_loop_run (waiter.loop);
  report = mend_sync_engine_run_finish (d->engine, waiter.result, error);
  g_object_unref (waiter.result);
  g_main_loop_unref (waiter.loop);
  return report;
}

MendSyncReport *
sync_device_run_ok (SyncDevice *d)
{
  g_autoptr (GError) error = NULL;
  MendSyncReport *report = sync_device_run (d, &error);

  g_assert_no_error (error);
  g_assert_nonnull (report);
  return report;
}

/* Keeps the enrolment and token, and sends the next passes to @url. */
void
sync_device_point_at (SyncDevice *d, const char *url)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MendSyncEnrolment) e = mend_store_sync_get_enrolment (d->store, &error);

  g_assert_no_error (error);
  g_assert_nonnull (e);
  mend_store_sync_set_enrolment (d->store, url, e->ca_file, e->team_id, e->team_name,
                                 e->hq_public_key, &error);
  g_assert_no_error (error);
}

char *
sync_device_add_photo (SyncDevice *d, const char *session_id, guint32 seed, gsize bytes)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  g_autofree char *temp = mend_store_new_photo_temp (d->store, &error);
  g_autofree guchar *data = g_malloc (bytes);
  char *sha256 = NULL;
  gint64 stored = 0;

  g_assert_no_error (error);
  for (gsize i = 0; i < bytes; i++)
    data[i] = (guchar)g_rand_int_range (rand, 0, 256);
  data[0] = 0xff;
  data[1] = 0xd8;
  data[bytes - 2] = 0xff;
  data[bytes - 1] = 0xd9;
  /* Into the temp file itself, as the photo processor writes it. */
  {
    g_autoptr (GFile) file = g_file_new_for_path (temp);
    g_autoptr (GFileOutputStream) out
        = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, &error);
    g_assert_no_error (error);
    g_output_stream_write_all (G_OUTPUT_STREAM (out), data, bytes, NULL, NULL, &error);
    g_assert_no_error (error);
    g_output_stream_close (G_OUTPUT_STREAM (out), NULL, &error);
    g_assert_no_error (error);
  }
  g_assert_true (mend_store_adopt_photo_temp (d->store, temp, &sha256, &stored, &error));
  g_assert_no_error (error);
  g_free (
      mend_test_record_ok (d->store, mend_command_photo (session_id, NULL, MEND_PHOTO_ROLE_EVIDENCE,
                                                         sha256, stored, 2048, 1536)));
  return sha256;
}

GPtrArray *
sync_device_record_day (SyncDevice *d, int session, guint n_photos, gsize photo_bytes)
{
  g_autofree char *session_id = mend_test_session_id (session);
  GPtrArray *photos = g_ptr_array_new_with_free_func (g_free);
  MendCheckOut out = { .outcome = "ATTC", .quality = "good", .behaviour = "good" };

  g_free (mend_test_record_ok (d->store, mend_command_start_session (session_id)));
  for (int p = 0; p < SYNC_TEST_PEOPLE; p++)
    {
      g_autofree char *person = mend_test_participant_id (session, p);

      g_free (mend_test_record_ok (d->store, mend_command_check_in (session_id, person)));
      g_free (mend_test_record_ok (d->store, mend_command_brief (session_id, person)));
    }
  g_free (mend_test_record_ok (d->store, mend_command_tally (session_id, "bags", 7)));
  for (guint i = 0; i < n_photos; i++)
    g_ptr_array_add (photos, sync_device_add_photo (d, session_id, g_random_int (), photo_bytes));
  g_free (mend_test_record_ok (d->store, mend_command_tally (session_id, "bulky", 2)));
  /* The last person stays on site. */
  for (int p = 0; p < SYNC_TEST_PEOPLE - 1; p++)
    {
      g_autofree char *person = mend_test_participant_id (session, p);

      out.notes = p == 0 ? "Worked well; asked about more hours" : NULL;
      out.sensitive = p == 1;
      out.notes = p == 1 ? "Disclosed a personal matter" : out.notes;
      g_free (mend_test_record_ok (d->store, mend_command_check_out (session_id, person, &out)));
    }
  return photos;
}

static char *
hq_lines (const char *sql, const char *param)
{
  PGconn *conn = mend_test_hq_connect (sync_test_hq);
  const char *params[] = { param };
  PGresult *result = PQexecParams (conn, sql, 1, NULL, params, NULL, NULL, 0);
  GString *out = g_string_new (NULL);

  if (PQresultStatus (result) != PGRES_TUPLES_OK)
    g_error ("%s: %s", sql, PQresultErrorMessage (result));
  for (int i = 0; i < PQntuples (result); i++)
    {
      for (int c = 0; c < PQnfields (result); c++)
        g_string_append_printf (out, "%s%s", c ? " " : "", PQgetvalue (result, i, c));
      g_string_append_c (out, '\n');
    }
  PQclear (result);
  PQfinish (conn);
  return g_string_free (out, FALSE);
}

char *
sync_test_hq_events (const char *device_id)
{
  return hq_lines ("SELECT seq, id, hash FROM events WHERE device = $1 AND status = 'stored' "
                   "ORDER BY seq",
                   device_id);
}

char *
sync_device_acknowledged (SyncDevice *d)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) events = mend_store_list_events (d->store, NULL, &error);
  GString *out = g_string_new (NULL);

  g_assert_no_error (error);
  for (guint i = 0; i < events->len; i++)
    {
      const MendEventRow *row = g_ptr_array_index (events, i);

      if (g_str_equal (row->sync_state, "acknowledged"))
        g_string_append_printf (out, "%" G_GINT64_FORMAT " %s %s\n", row->seq, row->id, row->hash);
    }
  return g_string_free (out, FALSE);
}

gint64
sync_device_count (SyncDevice *d, const char *sync_state)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) events = mend_store_list_events (d->store, NULL, &error);
  gint64 n = 0;

  g_assert_no_error (error);
  for (guint i = 0; i < events->len; i++)
    n += g_str_equal (((const MendEventRow *)g_ptr_array_index (events, i))->sync_state,
                      sync_state);
  return n;
}

/* Whether HQ's blob folder holds @sha256 whole, with bytes that hash to its name. */
gboolean
sync_test_hq_has_blob (const char *sha256)
{
  char prefix[3] = { sha256[0], sha256[1], '\0' };
  g_autofree char *path = g_build_filename (sync_test_hq->blobs, prefix, sha256, NULL);
  g_autofree char *contents = NULL;
  g_autofree char *hash = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &contents, &length, NULL))
    return FALSE;
  hash = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *)contents, length);
  return g_str_equal (hash, sha256);
}

/* HQ holds exactly what the device says it acknowledged, each event once, each hash right
 * (recomputed by PostgreSQL from the canonical bytes HQ stored) and chained; and every photo
 * whole in the blob folder. */
void
sync_test_assert_converged (SyncDevice *d, GPtrArray *photos)
{
  const char *device = mend_store_get_device_id (d->store);
  g_autofree char *at_hq = sync_test_hq_events (device);
  g_autofree char *on_device = sync_device_acknowledged (d);
  gint64 total;

  g_assert_cmpint (sync_device_count (d, "pending"), ==, 0);
  g_assert_cmpint (sync_device_count (d, "parked"), ==, 0);
  g_assert_cmpstr (at_hq, ==, on_device);
  total = sync_device_count (d, "acknowledged");
  g_assert_cmpint (
      mend_test_hq_count (sync_test_hq, "SELECT count(*) FROM events WHERE device = $1", device),
      ==, total);
  g_assert_cmpint (mend_test_hq_count (sync_test_hq,
                                       "SELECT count(DISTINCT id) FROM events WHERE device = $1",
                                       device),
                   ==, total);
  g_assert_cmpint (mend_test_hq_count (sync_test_hq,
                                       "SELECT count(*) FROM events WHERE device = $1 AND hash = "
                                       "encode(sha256(decode(prev_hash, 'hex') || canonical), "
                                       "'hex')",
                                       device),
                   ==, total);
  g_assert_cmpint (mend_test_hq_count (sync_test_hq,
                                       "SELECT count(*) FROM events e JOIN events p ON p.device "
                                       "= e.device AND p.seq = e.seq - 1 WHERE e.device = $1 AND "
                                       "e.prev_hash = p.hash",
                                       device),
                   ==, total - 1);
  for (guint i = 0; photos != NULL && i < photos->len; i++)
    {
      const char *sha256 = g_ptr_array_index (photos, i);

      g_assert_true (sync_test_hq_has_blob (sha256));
      g_assert_cmpint (mend_test_hq_count (sync_test_hq,
                                           "SELECT count(*) FROM events WHERE kind = "
                                           "'photo.taken' AND payload ->> 'sha256' = $1",
                                           sha256),
                       ==, 1);
    }
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (MendSyncCounts) counts = mend_store_sync_get_counts (d->store, &error);

    g_assert_no_error (error);
    g_assert_cmpint (counts->photos_waiting, ==, 0);
    g_assert_cmpint (counts->bytes_waiting, ==, 0);
    g_assert_cmpint (counts->photos_problem, ==, 0);
  }
}
