/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-store"

#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "mend-demo.h"
#include "mend-pin.h"
#include "mend-rules.h"
#include "mend-store.h"
#include "mend-test-util.h"

typedef MendTestFixture Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  mend_test_fixture_open (f, 3, 4);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  mend_test_fixture_close (f);
}

typedef struct
{
  GMainLoop *loop;
  char *event_id;
  GError *error;
} AsyncResult;

static void
record_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AsyncResult *r = user_data;

  /* Results come back on the caller's main context, never on the worker thread. */
  g_assert_true (g_main_context_is_owner (g_main_context_default ()));
  r->event_id = mend_store_record_finish (MEND_STORE (source), result, &r->error);
  g_main_loop_quit (r->loop);
}

static void
record_async_and_wait (MendStore *store, MendCommand *command, AsyncResult *r)
{
  r->loop = g_main_loop_new (NULL, FALSE);
  mend_store_record_async (store, command, NULL, record_done_cb, r);
  g_main_loop_run (r->loop);
  g_main_loop_unref (r->loop);
}

static void
test_async_record (Fixture *f, gconstpointer data)
{
  g_autoptr (MendCommand) start = mend_command_start_session ("s00000");
  g_autoptr (MendCommand) again = mend_command_start_session ("s00000");
  g_autoptr (GPtrArray) events = NULL;
  g_autoptr (GError) error = NULL;
  AsyncResult ok = { 0 }, refused = { 0 };

  record_async_and_wait (f->store, start, &ok);
  g_assert_no_error (ok.error);
  g_assert_true (g_uuid_string_is_valid (ok.event_id));

  /* The reader connection sees the commit as soon as the callback runs. */
  events = mend_store_list_events (f->store, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, 1);
  g_assert_cmpstr (((MendEventRow *)events->pdata[0])->id, ==, ok.event_id);

  record_async_and_wait (f->store, again, &refused);
  g_assert_null (refused.event_id);
  g_assert_error (refused.error, MEND_RULE_ERROR, MEND_RULE_SESSION_ALREADY_STARTED);

  g_free (ok.event_id);
  g_clear_error (&refused.error);
}

static void
test_async_cancelled (Fixture *f, gconstpointer data)
{
  g_autoptr (MendCommand) start = mend_command_start_session ("s00000");
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (MendStatus) status = NULL;
  AsyncResult r = { 0 };

  /* Cancelled before the worker reaches it: nothing is recorded. */
  g_cancellable_cancel (cancellable);
  r.loop = g_main_loop_new (NULL, FALSE);
  mend_store_record_async (f->store, start, cancellable, record_done_cb, &r);
  g_main_loop_run (r.loop);
  g_main_loop_unref (r.loop);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&r.error);
  status = mend_store_get_status (f->store, NULL);
  g_assert_cmpint (status->n_events, ==, 0);
}

typedef struct
{
  MendStore *store;
  const char *session;
  int first;
} WriterData;

static gpointer
tally_writer (gpointer user_data)
{
  WriterData *w = user_data;

  for (int i = 0; i < 40; i++)
    g_free (mend_test_record_ok (w->store, mend_command_tally (w->session, "bags", 1)));
  return NULL;
}

static void
test_concurrent_writers (Fixture *f, gconstpointer data)
{
  WriterData w = { f->store, "s00001", 0 };
  g_autoptr (GPtrArray) tallies = NULL;
  g_autoptr (GError) error = NULL;
  GThread *thread;
  gint64 n = 0;
  int pending = 40;

  g_free (mend_test_record_ok (f->store, mend_command_start_session ("s00001")));

  /* The synchronous path on a second thread and the async path on the worker interleave;
   * the write lock keeps the chain whole. */
  thread = g_thread_new ("writer", tally_writer, &w);
  for (int i = 0; i < 40; i++)
    {
      g_autoptr (MendCommand) tally = mend_command_tally ("s00001", "bulky", 1);
      AsyncResult r = { 0 };

      record_async_and_wait (f->store, tally, &r);
      g_assert_no_error (r.error);
      g_free (r.event_id);
      pending--;
    }
  g_thread_join (thread);
  g_assert_cmpint (pending, ==, 0);

  g_assert_true (mend_store_verify (f->store, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 81);
  tallies = mend_store_list_tallies (f->store, "s00001", &error);
  g_assert_no_error (error);
  g_assert_cmpint (((MendTallyRow *)tallies->pdata[0])->total, ==, 40);
  g_assert_cmpint (((MendTallyRow *)tallies->pdata[1])->total, ==, 40);
}

static void
tamper (const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  char *message = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("tampering failed: %s", message);
  sqlite3_close (db);
}

static void
assert_verify_fails_at (Fixture *f, const char *sql, const char *first_bad)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *copy_dir = mend_test_temp_dir ();
  g_autofree char *copy = g_build_filename (copy_dir, "mend.db", NULL);
  g_autofree char *contents = NULL;
  g_autoptr (MendStore) store = NULL;
  gsize length;

  /* Work on a copy taken after a checkpoint, so each case starts from the same log. */
  tamper (f->path, "PRAGMA wal_checkpoint(TRUNCATE)");
  g_file_get_contents (f->path, &contents, &length, &error);
  g_assert_no_error (error);
  g_file_set_contents (copy, contents, length, &error);
  g_assert_no_error (error);
  tamper (copy, sql);

  store = mend_store_open (copy, MEND_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_false (mend_store_verify (store, NULL, &error));
  g_assert_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_CHAIN_BROKEN);
  g_test_message ("%s → %s", sql, error->message);
  g_assert_nonnull (strstr (error->message, first_bad));
  g_clear_object (&store);
  mend_test_remove_tree (copy_dir);
}

static void
test_verify_detects_tampering (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  gint64 n = 0;

  g_free (mend_test_record_ok (f->store, mend_command_start_session ("s00000")));
  for (int i = 0; i < 4; i++)
    {
      g_autofree char *p = mend_test_participant_id (0, i);
      g_free (mend_test_record_ok (f->store, mend_command_check_in ("s00000", p)));
    }
  g_free (mend_test_record_ok (f->store, mend_command_tally ("s00000", "bags", 2)));
  g_assert_true (mend_store_verify (f->store, &n, &error));
  g_assert_cmpint (n, ==, 6);

  assert_verify_fails_at (f,
                          "UPDATE events SET payload = '{\"category\":\"bags\",\"delta\":9}' "
                          "WHERE seq = 6",
                          "seq 6");
  assert_verify_fails_at (f, "UPDATE events SET occurred_at = occurred_at + 60000 WHERE seq = 3",
                          "seq 3");
  assert_verify_fails_at (f, "DELETE FROM events WHERE seq = 4", "seq 5");
  assert_verify_fails_at (f, "DELETE FROM events WHERE seq = 6", "seq 6");
  assert_verify_fails_at (f,
                          "UPDATE events SET seq = 100 WHERE seq = 2;"
                          "UPDATE events SET seq = 2 WHERE seq = 3;"
                          "UPDATE events SET seq = 3 WHERE seq = 100;",
                          "seq 2");
}

static void
test_demo_idempotent (void)
{
  g_autofree char *dir = mend_test_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "mend.db", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (MendStore) store = mend_store_open (path, MEND_STORE_OPEN_DEFAULT, &error);
  g_autoptr (MendStatus) before = NULL;
  g_autoptr (MendStatus) after = NULL;
  g_autofree char *session = mend_demo_session_id ("spring-rise", 0);
  g_autofree char *hash_before = NULL;
  g_autofree char *hash_after = NULL;
  g_autoptr (GPtrArray) roster = NULL;
  const MendDemoSupervisor *supervisors;
  guint n;

  g_assert_no_error (error);
  g_assert_false (mend_store_is_demo (store));
  mend_store_load_demo (store, &error);
  g_assert_no_error (error);
  g_assert_true (mend_store_is_demo (store));
  g_free (mend_test_record_ok (store, mend_command_start_session (session)));
  before = mend_store_get_status (store, &error);
  hash_before = mend_store_dup_pin_hash (store, "sup-ana", &error);

  mend_store_load_demo (store, &error);
  g_assert_no_error (error);
  after = mend_store_get_status (store, &error);
  hash_after = mend_store_dup_pin_hash (store, "sup-ana", &error);
  g_assert_cmpint (after->n_sessions, ==, before->n_sessions);
  g_assert_cmpint (after->n_participants, ==, before->n_participants);
  g_assert_cmpint (after->n_events, ==, 1);
  g_assert_cmpstr (hash_after, ==, hash_before);

  /* The two men of the first case, each owing four hours. */
  roster = mend_store_list_roster (store, session, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (roster->len, ==, 2);
  for (guint i = 0; i < roster->len; i++)
    g_assert_cmpint (((MendRosterRow *)roster->pdata[i])->minutes_owed, ==, 240);

  /* PINs are stored only as slow salted hashes that verify. */
  supervisors = mend_demo_supervisors (&n);
  g_assert_cmpuint (n, ==, 2);
  g_assert_null (strstr (hash_before, supervisors[0].pin));
  g_assert_true (g_str_has_prefix (hash_before, "$argon2id$"));
  g_assert_true (mend_pin_verify (hash_before, supervisors[0].pin));
  g_assert_false (mend_pin_verify (hash_before, "0000"));
  g_assert_false (mend_pin_verify ("garbage", supervisors[0].pin));

  g_clear_object (&store);
  mend_test_remove_tree (dir);
}

static void
test_bad_reference_changes_nothing (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (MendStatus) before = mend_store_get_status (f->store, NULL);
  g_autoptr (MendStatus) after = NULL;
  g_autoptr (GError) error = NULL;
  static const char *const bad[] = {
    /* A good row first, then a bad one: neither lands. */
    "{\"participants\":[{\"id\":\"new\",\"case_ref\":\"N/1\",\"minutes_ordered\":60,"
    "\"minutes_credited\":0,\"disposal_type\":\"x\"},{\"id\":\"bad\",\"case_ref\":\"N/2\","
    "\"minutes_ordered\":\"sixty\",\"minutes_credited\":0,\"disposal_type\":\"x\"}]}",
    "{\"sessions\":[{\"id\":\"orphan\",\"site\":\"nowhere\",\"starts_at\":1,\"ends_at\":2}]}",
    "{\"sites\":[{\"id\":\"flat\",\"name\":\"Flat\",\"boundary\":{\"type\":\"Point\","
    "\"coordinates\":[0,0]}}]}",
    "{\"sessions\":[{\"id\":\"backwards\",\"site\":\"site-1\",\"starts_at\":2,\"ends_at\":1}]}",
    "{\"tally_categories\":{\"id\":\"not-a-list\"}}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      json_parser_load_from_data (parser, bad[i], -1, &error);
      g_assert_no_error (error);
      g_assert_false (mend_store_apply_reference (
          f->store, json_node_get_object (json_parser_get_root (parser)), &error));
      g_assert_error (error, MEND_STORE_ERROR, error->code);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, "refused"));
      g_clear_error (&error);
    }
  after = mend_store_get_status (f->store, NULL);
  g_assert_cmpint (after->n_participants, ==, before->n_participants);
  g_assert_cmpint (after->n_sessions, ==, before->n_sessions);
}

static void
test_sensitive_notes_redacted (Fixture *f, gconstpointer data)
{
  g_autofree char *p = mend_test_participant_id (0, 0);
  g_autofree char *check_out = NULL;
  g_autoptr (GPtrArray) events = NULL;
  g_autoptr (GError) error = NULL;
  MendCheckOut details = {
    .outcome = "AFTC",
    .notes = "Disclosed a family matter",
    .sensitive = TRUE,
    .alert_referrer = TRUE,
  };

  g_free (mend_test_record_ok (f->store, mend_command_start_session ("s00000")));
  g_free (mend_test_record_ok (f->store, mend_command_check_in ("s00000", p)));
  check_out = mend_test_record_ok (f->store, mend_command_check_out ("s00000", p, &details));
  g_free (
      mend_test_record_ok (f->store, mend_command_void (check_out, "Notes belong to someone else: "
                                                                   "a family matter")));

  events = mend_store_list_events (f->store, "s00000", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, 4);
  for (guint i = 0; i < events->len; i++)
    {
      MendEventRow *row = g_ptr_array_index (events, i);
      g_assert_null (strstr (row->payload, "family"));
    }
  /* The void of a sensitive record is itself sensitive. */
  g_assert_nonnull (strstr (((MendEventRow *)events->pdata[3])->payload, "\"sensitive\":true"));
  g_assert_cmpstr (((MendEventRow *)events->pdata[2])->voided_by, ==,
                   ((MendEventRow *)events->pdata[3])->id);
}

static void
test_status_counts (Fixture *f, gconstpointer data)
{
  g_autoptr (MendStatus) status = NULL;
  g_autoptr (GError) error = NULL;

  g_free (mend_test_record_ok (f->store, mend_command_start_session ("s00002")));
  g_free (mend_test_record_ok (f->store, mend_command_tally ("s00002", "sharps", 1)));
  status = mend_store_get_status (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpint (status->n_events, ==, 2);
  g_assert_cmpint (status->n_pending, ==, 2);
  g_assert_cmpint (status->head_seq, ==, 2);
  g_assert_cmpint (status->n_sessions, ==, 3);
  g_assert_cmpint (status->n_participants, ==, 12);
  g_assert_cmpuint (strlen (status->head_hash), ==, 64);
}

static GThread *main_thread;
static int finalized_elsewhere;

static void
set_flag (gpointer data)
{
  if (g_thread_self () != main_thread)
    g_atomic_int_inc (&finalized_elsewhere);
  g_atomic_int_set ((int *)data, 1);
}

static int burning;

static gpointer
burn_cpu (gpointer data)
{
  volatile guint64 x = 0;

  while (g_atomic_int_get (&burning))
    x++;
  return NULL;
}

static void
test_release_after_async (void)
{
  GThread *burners[3];

  /* The worker may drop the last reference to the store as it releases its finished task;
   * finalizing there must neither hang nor leave the connections open. */
  /* Busy threads on every core make the worker lose its core now and then between returning
   * the result and releasing the task, which is when it ends up holding the last reference. */
  g_atomic_int_set (&burning, 1);
  for (guint i = 0; i < G_N_ELEMENTS (burners); i++)
    burners[i] = g_thread_new ("burner", burn_cpu, NULL);
  main_thread = g_thread_self ();
  for (int round = 0; round < 100; round++)
    {
      g_autofree char *dir = mend_test_temp_dir ();
      MendStore *store = mend_test_store_new (dir, 1, 1, MEND_STORE_OPEN_UNSAFE_NO_SYNC);
      g_autoptr (MendCommand) start = mend_command_start_session ("s00000");
      AsyncResult r = { 0 };
      int finalized = 0;
      gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

      g_object_set_data_full (G_OBJECT (store), "finalized", &finalized, set_flag);
      /* Only the task holds the store while it runs: whichever thread drops the task last
       * finalizes the store. */
      r.loop = g_main_loop_new (NULL, FALSE);
      mend_store_record_async (store, start, NULL, record_done_cb, &r);
      g_object_unref (store);
      g_main_loop_run (r.loop);
      g_main_loop_unref (r.loop);
      g_assert_no_error (r.error);
      g_free (r.event_id);
      while (!g_atomic_int_get (&finalized) && g_get_monotonic_time () < deadline)
        g_usleep (1000);
      g_assert_true (g_atomic_int_get (&finalized));
      mend_test_remove_tree (dir);
    }
  g_atomic_int_set (&burning, 0);
  for (guint i = 0; i < G_N_ELEMENTS (burners); i++)
    g_thread_join (burners[i]);
  g_test_message ("%d of 100 stores were finalized on the worker", finalized_elsewhere);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/store/async-record", test_async_record);
  ADD ("/store/async-cancelled", test_async_cancelled);
  ADD ("/store/concurrent-writers", test_concurrent_writers);
  ADD ("/store/verify-detects-tampering", test_verify_detects_tampering);
  ADD ("/store/bad-reference-changes-nothing", test_bad_reference_changes_nothing);
  ADD ("/store/sensitive-notes-redacted", test_sensitive_notes_redacted);
  ADD ("/store/status-counts", test_status_counts);
#undef ADD
  g_test_add_func ("/store/demo-idempotent", test_demo_idempotent);
  g_test_add_func ("/store/release-after-async", test_release_after_async);

  return g_test_run ();
}
