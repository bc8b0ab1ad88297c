/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-test"

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>

#include "mend-demo.h"
#include "mend-sync-token.h"
#include "mend-test-logs.h"
#include "mend-test-reliability.h"
#include "mend-time.h"
#include "test-sync-util.h"

/* mendctl enrol, sync and status as a depot script runs them, against a real mend-hq: their
 * messages and exit codes (0 done, 1 refused, 2 usage, 5 waiting, 6 parked, 7 enrol again),
 * and a sync killed again and again half way that still ends with HQ holding exactly the
 * device's events and photos. */

typedef struct
{
  int status;
  char *out;
  char *err;
} Run;

static void
run_clear (Run *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

static GSubprocess *
spawn (const char *db, const char *const *args)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  GSubprocess *process;

  g_ptr_array_add (argv, (char *)g_getenv ("MENDCTL"));
  g_ptr_array_add (argv, "--db");
  g_ptr_array_add (argv, (char *)db);
  for (; *args != NULL; args++)
    g_ptr_array_add (argv, (char *)*args);
  g_ptr_array_add (argv, NULL);
  process
      = g_subprocess_newv ((const char *const *)argv->pdata,
                           G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  return process;
}

static Run
mendctl (const char *db, const char *const *args)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) process = spawn (db, args);
  Run run = { 0 };

  g_subprocess_communicate_utf8 (process, NULL, NULL, &run.out, &run.err, &error);
  g_assert_no_error (error);
  mend_test_log_keep ("mendctl", run.err, -1);
  g_assert_true (g_subprocess_get_if_exited (process));
  run.status = g_subprocess_get_exit_status (process);
  return run;
}

/* The device's store closed, so only mendctl has it open, as at a depot. */
static void
close_store (SyncDevice *d)
{
  sync_device_close_store (d);
}

static void
enrol_with_mendctl (SyncDevice *d)
{
  g_autofree char *url = sync_test_url ();
  g_autofree char *code = sync_test_code ();
  const char *const args[]
      = { "enrol", "--hq", url, "--code", code, "--name", "Depot tablet", NULL };
  Run run = mendctl (d->path, args);

  if (run.status != 0)
    g_error ("mendctl enrol: %s", run.err);
  g_assert_nonnull (strstr (run.out, "North Kettering"));
  run_clear (&run);
}

static JsonObject *
status_json (SyncDevice *d)
{
  g_autoptr (GError) error = NULL;
  const char *const args[] = { "status", "--json", NULL };
  Run run = mendctl (d->path, args);
  g_autoptr (JsonNode) node = NULL;
  JsonObject *object;

  g_assert_cmpint (run.status, ==, 0);
  node = json_from_string (run.out, &error);
  g_assert_no_error (error);
  object = json_object_ref (json_node_get_object (node));
  run_clear (&run);
  return object;
}

static void
test_enrol (SyncDevice *d, gconstpointer data)
{
  g_autofree char *token_path = mend_sync_token_path (d->path);
  g_autoptr (JsonObject) status = NULL;
  JsonObject *sync;
  GStatBuf st;

  close_store (d);
  {
    const char *const args[] = { "enrol", "--hq", "http://hq.example.org", "--code", "X", NULL };
    Run run = mendctl (d->path, args);

    g_assert_cmpint (run.status, ==, 2);
    g_assert_nonnull (strstr (run.err, "HTTPS"));
    run_clear (&run);
  }
  {
    g_autofree char *url = sync_test_url ();
    const char *const args[] = { "enrol", "--hq", url, "--code", "NOTACODE0000", NULL };
    Run run = mendctl (d->path, args);

    g_assert_cmpint (run.status, ==, 1);
    g_assert_nonnull (strstr (run.err, "wrong, expired or used"));
    run_clear (&run);
  }
  {
    const char *const args[] = { "enrol", "--code", "X", NULL };
    Run run = mendctl (d->path, args);

    g_assert_cmpint (run.status, ==, 2);
    run_clear (&run);
  }
  g_assert_false (g_file_test (token_path, G_FILE_TEST_EXISTS));

  enrol_with_mendctl (d);
  g_assert_cmpint (g_stat (token_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  status = status_json (d);
  sync = json_object_get_object_member (status, "sync");
  g_assert_true (json_object_get_boolean_member (sync, "enrolled"));
  g_assert_cmpstr (json_object_get_string_member (sync, "team_id"), ==, sync_test_team);
  g_assert_false (json_object_get_boolean_member (sync, "reenrol_needed"));
  g_assert_cmpint (json_object_get_int_member (sync, "events_pending"), ==, 0);
}

static void
test_enrol_demo (SyncDevice *d, gconstpointer data)
{
  g_autofree char *path = g_build_filename (d->dir, "demo.db", NULL);
  g_autofree char *url = sync_test_url ();
  g_autofree char *code = sync_test_code ();
  const char *const demo[] = { "demo", NULL };
  const char *const enrol[] = { "enrol", "--hq", url, "--code", code, NULL };
  Run run = mendctl (path, demo);

  g_assert_cmpint (run.status, ==, 0);
  run_clear (&run);
  run = mendctl (path, enrol);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "demo data"));
  g_assert_nonnull (strstr (run.err, "fresh store"));
  run_clear (&run);
}

static int
sync_status (SyncDevice *d, JsonObject **out_report)
{
  const char *const args[] = { "sync", "--json", "--timeout", "10", NULL };
  Run run = mendctl (d->path, args);
  int status = run.status;

  if (out_report != NULL)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonNode) node = json_from_string (run.out, &error);

      if (error != NULL)
        g_error ("mendctl sync printed no JSON (%s): %s", error->message, run.err);
      *out_report = json_object_ref (json_node_get_object (node));
    }
  run_clear (&run);
  return status;
}

static void
test_exit_codes (SyncDevice *d, gconstpointer data)
{
  g_autofree char *session_id = mend_test_session_id (1);
  g_autoptr (JsonObject) done = NULL;
  g_autoptr (JsonObject) parked = NULL;
  g_autoptr (JsonObject) down = NULL;
  g_autoptr (JsonObject) revoked = NULL;
  g_autoptr (JsonObject) status = NULL;
  g_autofree char *device_id = g_strdup (mend_store_get_device_id (d->store));

  /* 0: everything acknowledged. */
  g_free (mend_test_record_ok (d->store, mend_command_start_session (session_id)));
  g_free (mend_test_record_ok (d->store, mend_command_tally (session_id, "bags", 4)));
  close_store (d);
  enrol_with_mendctl (d);
  g_assert_cmpint (sync_status (d, &done), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (done, "state"), ==, "complete");
  g_assert_cmpint (json_object_get_int_member (done, "acknowledged_now"), ==, 2);
  g_assert_true (json_object_get_boolean_member (done, "manifest_applied"));

  /* 6: HQ refused one (a session it does not know); the rest went. */
  sync_device_reopen (d);
  {
    g_autoptr (GError) error = NULL;
    g_autofree char *text
        = g_strdup_printf ("{\"sessions\":[{\"id\":\"s-local-only\",\"site\":\"site-1\",\"starts_"
                           "at\":%" G_GINT64_FORMAT ",\"ends_at\":%" G_GINT64_FORMAT "}]}",
                           mend_time_today_at (9, 0, 0), mend_time_today_at (12, 0, 0));
    g_autoptr (JsonNode) node = json_from_string (text, &error);

    g_assert_no_error (error);
    mend_store_apply_reference (d->store, json_node_get_object (node), &error);
    g_assert_no_error (error);
  }
  g_free (mend_test_record_ok (d->store, mend_command_start_session ("s-local-only")));
  g_free (mend_test_record_ok (d->store, mend_command_tally (session_id, "bags", 1)));
  close_store (d);
  g_assert_cmpint (sync_status (d, &parked), ==, 6);
  g_assert_cmpstr (json_object_get_string_member (parked, "state"), ==, "parked");
  g_assert_cmpint (json_object_get_int_member (parked, "acknowledged_now"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (parked, "parked_now"), ==, 1);
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (parked, "parked")), ==, 1);
  {
    const char *const args[] = { "sync", NULL };
    Run run = mendctl (d->path, args);

    g_assert_cmpint (run.status, ==, 6);
    g_assert_nonnull (strstr (run.out, "s-local-only"));
    run_clear (&run);
  }

  /* 5: HQ cannot be reached; nothing changes. */
  sync_device_reopen (d);
  g_free (mend_test_record_ok (d->store, mend_command_tally (session_id, "bulky", 1)));
  sync_device_point_at (d, "http://127.0.0.1:9");
  close_store (d);
  g_assert_cmpint (sync_status (d, &down), ==, 5);
  g_assert_cmpstr (json_object_get_string_member (down, "state"), ==, "waiting");
  g_assert_cmpint (json_object_get_int_member (down, "events_pending"), ==, 1);
  g_assert_nonnull (strstr (json_object_get_string_member (down, "stopped"), "could not reach"));

  /* 7: revoked; still nothing acknowledged, and status says so. */
  sync_device_reopen (d);
  {
    g_autofree char *url = sync_test_url ();
    sync_device_point_at (d, url);
  }
  close_store (d);
  sync_test_revoke (device_id);
  g_assert_cmpint (sync_status (d, &revoked), ==, 7);
  g_assert_cmpstr (json_object_get_string_member (revoked, "state"), ==, "reenrol");
  g_assert_cmpint (json_object_get_int_member (revoked, "events_pending"), ==, 1);
  status = status_json (d);
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (status, "sync"),
                                                 "reenrol_needed"));
  {
    const char *const args[] = { "status", NULL };
    Run run = mendctl (d->path, args);

    g_assert_nonnull (strstr (run.out, "must enrol again"));
    run_clear (&run);
  }
}

static char *
acknowledged_subset_check (SyncDevice *d, const char *device_id)
{
  g_autofree char *at_hq = sync_test_hq_events (device_id);
  g_autofree char *on_device = sync_device_acknowledged (d);
  g_auto (GStrv) lines = g_strsplit (on_device, "\n", -1);

  /* Every event the device calls acknowledged, HQ holds with the same hash. */
  for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++)
    {
      g_autofree char *line = g_strconcat (lines[i], "\n", NULL);

      g_assert_nonnull (strstr (at_hq, line));
    }
  return g_steal_pointer (&on_device);
}

/* What the store says HQ holds: acknowledged events and photo bytes HQ confirmed. */
static gint64
progress_mark (MendStore *store)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MendSyncCounts) counts = mend_store_sync_get_counts (store, &error);

  g_assert_no_error (error);
  return counts->events_acknowledged * 1024 * 1024 - counts->bytes_waiting
         + counts->photos_uploaded;
}

static void
exited_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  gboolean *exited = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *exited = TRUE;
}

/* mendctl sync killed with SIGKILL again and again, each time just after the store shows it got
 * somewhere (a batch acknowledged, a chunk confirmed), then run again: every restart goes on
 * where HQ stands, the store never claims what HQ does not hold, and the end is the same as one
 * clean pass. */
static void
test_killed (SyncDevice *d, gconstpointer data)
{
  g_autofree char *device_id = g_strdup (mend_store_get_device_id (d->store));
  g_autofree char *session_id = mend_test_session_id (2);
  g_autoptr (GPtrArray) photos = g_ptr_array_new_with_free_func (g_free);
  const char *const args[] = { "sync", "--batch", "5", NULL };
  guint kills = 0;

  g_free (mend_test_record_ok (d->store, mend_command_start_session (session_id)));
  for (int i = 0; i < 250; i++)
    g_free (mend_test_record_ok (d->store, mend_command_tally (session_id, "bags", 1 + i % 3)));
  for (guint i = 0; i < 5; i++)
    g_ptr_array_add (photos, sync_device_add_photo (d, session_id, 100 + i, 3 * 1024 * 1024));
  close_store (d);
  enrol_with_mendctl (d);
  sync_device_reopen (d);

  for (guint run = 0; run < 12; run++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GSubprocess) process = spawn (d->path, args);
      g_autofree char *seen = NULL;
      gint64 start = progress_mark (d->store);
      gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
      gboolean exited = FALSE;
      gint64 verified = 0;

      /* Watch the store from here, as a second reader, and kill on the first progress. */
      g_subprocess_wait_async (process, NULL, exited_cb, &exited);
      while (!exited && progress_mark (d->store) == start && g_get_monotonic_time () < deadline)
        {
          g_main_context_iteration (NULL, FALSE);
          g_usleep (1000);
        }
      g_subprocess_force_exit (process);
      while (!exited)
        g_main_context_iteration (NULL, TRUE);
      if (g_subprocess_get_if_signaled (process))
        kills++;
      else
        {
          g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
          break;
        }

      /* After each kill: the store is whole, and claims nothing HQ does not hold. */
      g_assert_true (mend_store_verify (d->store, &verified, &error));
      g_assert_no_error (error);
      seen = acknowledged_subset_check (d, device_id);
    }
  g_test_message ("%u runs were killed part way", kills);
  g_assert_cmpuint (kills, >=, 5);
  close_store (d);

  {
    g_autoptr (JsonObject) report = NULL;
    g_autofree char *at_hq = NULL;
    g_autofree char *on_device = NULL;

    g_assert_cmpint (sync_status (d, &report), ==, 0);
    sync_device_reopen (d);
    at_hq = sync_test_hq_events (device_id);
    on_device = sync_device_acknowledged (d);
    g_assert_cmpstr (at_hq, ==, on_device);
    g_assert_cmpint (sync_device_count (d, "acknowledged"), ==, 1 + 250 + 5);
    g_assert_cmpint (mend_test_hq_count (
                         sync_test_hq, "SELECT count(*) FROM events WHERE device = $1", device_id),
                     ==, 1 + 250 + 5);
    for (guint i = 0; i < photos->len; i++)
      g_assert_true (sync_test_hq_has_blob (g_ptr_array_index (photos, i)));
  }
  mend_test_reliability_row ("mendctl sync killed (SIGKILL) part way", kills,
                             MEND_RELIABILITY_NOTHING_LOST);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_assert_nonnull (g_getenv ("MENDCTL"));
  sync_test_hq_start ();

#define ADD(path, func)                                                                            \
  g_test_add (path, SyncDevice, NULL, sync_device_open, func, sync_device_close)
  ADD ("/mendctl-sync/enrol", test_enrol);
  ADD ("/mendctl-sync/enrol-demo", test_enrol_demo);
  ADD ("/mendctl-sync/exit-codes", test_exit_codes);
  ADD ("/mendctl-sync/killed", test_killed);
#undef ADD
  status = g_test_run ();

  sync_test_hq_stop ();
  return status;
}
