/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-test"

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sqlite3.h>

#include "mend-cutting-proxy.h"
#include "mend-test-reliability.h"
#include "mend-time.h"
#include "test-sync-util.h"

/* Sync through faults, against a real mend-hq and PostgreSQL: a proxy of our own that cuts
 * connections at random byte counts (mend-cutting-proxy.c), HQ killed part way through a batch
 * and through a photo, mendctl killed part way, no network at all (`unshare -rn`), a metered
 * network, two devices of one team, and a manifest that deletes a site. Every test ends by
 * checking that HQ holds exactly the device's events (hashes re-checked in PostgreSQL) and
 * photos (hashed again from HQ's blob folder): nothing lost, nothing twice. */

static MendSyncReport *
run (SyncDevice *d)
{
  return sync_device_run_ok (d);
}

/* Passes until one leaves nothing waiting; returns how many it took. */
static guint
converge (SyncDevice *d, guint max_passes)
{
  for (guint pass = 1; pass <= max_passes; pass++)
    {
      g_autoptr (MendSyncReport) report = run (d);

      for (guint i = 0; report->counts->problems != NULL && i < report->counts->problems->len; i++)
        g_test_message ("photo problem: %s",
                        (const char *)g_ptr_array_index (report->counts->problems, i));
      for (guint i = 0; report->counts->parked != NULL && i < report->counts->parked->len; i++)
        g_test_message ("parked: %s",
                        ((MendSyncParked *)g_ptr_array_index (report->counts->parked, i))->message);
      g_assert_cmpint (report->state, !=, MEND_SYNC_STATE_REENROL);
      g_assert_cmpint (report->state, !=, MEND_SYNC_STATE_PARKED);
      if (report->state == MEND_SYNC_STATE_COMPLETE)
        return pass;
    }
  g_error ("no convergence in %u passes", max_passes);
}

static MendCuttingProxy *
proxy_for (SyncDevice *d, guint32 seed)
{
  MendCuttingProxy *proxy = mend_cutting_proxy_new (sync_test_hq->port, seed);
  g_autofree char *url = mend_cutting_proxy_get_url (proxy);

  sync_device_point_at (d, url);
  return proxy;
}

/* A day's work through a proxy that cuts up to 40 connections at random points: repeated passes
 * converge on exactly the device's events and photos. */
static void
test_cut_day (SyncDevice *d, gconstpointer data)
{
  g_autoptr (GPtrArray) photos = NULL;
  g_autoptr (GPtrArray) more = NULL;
  g_autoptr (MendCuttingProxy) proxy = NULL;
  guint passes;

  sync_device_enrol_ok (d);
  photos = sync_device_record_day (d, 0, 4, 700 * 1024);
  more = sync_device_record_day (d, 1, 2, 300 * 1024);
  g_ptr_array_extend_and_steal (photos, g_steal_pointer (&more));
  proxy = proxy_for (d, 20261126);
  mend_cutting_proxy_set_cuts (proxy, 40, 200, 300 * 1024);
  mend_sync_engine_set_batch_size (d->engine, 8);
  mend_sync_engine_set_chunk_size (d->engine, 256 * 1024);

  passes = converge (d, 200);
  g_test_message ("%u passes, %u connections, %u cut, %" G_GUINT64_FORMAT " bytes up", passes,
                  mend_cutting_proxy_get_connections (proxy), mend_cutting_proxy_get_cuts (proxy),
                  mend_cutting_proxy_get_bytes_up (proxy));
  /* Connections are kept alive across requests, so one cut can fall in any request. */
  g_assert_cmpuint (mend_cutting_proxy_get_cuts (proxy), >=, 20);
  g_assert_cmpuint (passes, >, 1);
  sync_test_assert_converged (d, photos);
  mend_cutting_proxy_set_cuts (proxy, 0, 0, 0);

  /* One more pass, now without cuts, sends nothing. */
  {
    g_autoptr (MendSyncReport) again = run (d);

    g_assert_cmpint (again->state, ==, MEND_SYNC_STATE_COMPLETE);
    g_assert_cmpint (again->events_acknowledged, ==, 0);
    g_assert_cmpint (again->photos_uploaded, ==, 0);
  }
  sync_test_assert_converged (d, photos);
  mend_test_reliability_row ("connection cut mid-request during a day's sync",
                             mend_cutting_proxy_get_cuts (proxy), MEND_RELIABILITY_NOTHING_LOST);
}

/* After a fault: every event the device calls acknowledged is stored at HQ with its hash. */
static void
assert_claims_only_what_hq_holds (SyncDevice *d)
{
  g_autofree char *at_hq = sync_test_hq_events (mend_store_get_device_id (d->store));
  g_autofree char *on_device = sync_device_acknowledged (d);
  g_auto (GStrv) lines = g_strsplit (on_device, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (lines[i][0] != '\0')
      {
        g_autofree char *line = g_strconcat (lines[i], "\n", NULL);

        g_assert_nonnull (strstr (at_hq, line));
      }
}

/* Kills HQ (SIGKILL, then a restart on the same port) when the proxy has relayed @threshold
 * bytes up, from a timer on the pass's own main loop. */
typedef struct
{
  MendCuttingProxy *proxy;
  guint64 threshold;
  gboolean done;
  guint source;
} Killer;

static gboolean
killer_cb (gpointer user_data)
{
  Killer *k = user_data;

  if (mend_cutting_proxy_get_bytes_up (k->proxy) < k->threshold)
    return G_SOURCE_CONTINUE;
  mend_test_hq_restart (sync_test_hq, TRUE);
  k->done = TRUE;
  k->source = 0;
  return G_SOURCE_REMOVE;
}

/* HQ killed while a batch of events is on its way, then while a photo is; throttled so the
 * kill lands inside a request. */
static void
test_hq_killed (SyncDevice *d, gconstpointer data)
{
  g_autoptr (GPtrArray) photos = NULL;
  g_autoptr (MendCuttingProxy) proxy = NULL;
  g_autoptr (MendSyncReport) first = NULL;
  g_autoptr (MendSyncReport) second = NULL;
  Killer killer = { 0 };
  guint64 events_bytes;

  sync_device_enrol_ok (d);
  photos = sync_device_record_day (d, 2, 2, 1024 * 1024);
  proxy = proxy_for (d, 7);
  mend_cutting_proxy_set_throttle (proxy, 2 * 1024 * 1024);
  mend_sync_engine_set_batch_size (d->engine, 6);
  killer.proxy = proxy;

  /* Mid-batch: the first batch is about 5 KB of events. Photos wait for the second part. */
  mend_sync_engine_set_send_photos (d->engine, FALSE);
  killer.threshold = 2500;
  killer.source = g_timeout_add (1, killer_cb, &killer);
  first = run (d);
  g_assert_true (killer.done);
  g_test_message ("HQ killed mid-batch: the pass ended %s",
                  mend_sync_state_to_string (first->state));
  assert_claims_only_what_hq_holds (d);
  g_clear_handle_id (&killer.source, g_source_remove);

  /* Mid-photo: half a megabyte into the photos, once every event is at HQ. */
  g_clear_pointer (&second, mend_sync_report_free);
  second = run (d);
  g_assert_cmpint (sync_device_count (d, "pending"), ==, 0);
  for (guint i = 0; i < photos->len; i++)
    g_assert_false (sync_test_hq_has_blob (g_ptr_array_index (photos, i)));
  mend_sync_engine_set_send_photos (d->engine, TRUE);
  events_bytes = mend_cutting_proxy_get_bytes_up (proxy);
  killer.done = FALSE;
  killer.threshold = events_bytes + 512 * 1024;
  killer.source = g_timeout_add (1, killer_cb, &killer);
  g_clear_pointer (&second, mend_sync_report_free);
  second = run (d);
  g_assert_true (killer.done);
  /* The engine may resume on the restarted HQ within the same pass. */
  g_test_message ("HQ killed mid-photo: the pass ended %s, %" G_GINT64_FORMAT " photos uploaded",
                  mend_sync_state_to_string (second->state), second->photos_uploaded);
  g_assert_cmpint (second->state, !=, MEND_SYNC_STATE_PARKED);
  g_clear_handle_id (&killer.source, g_source_remove);

  mend_cutting_proxy_set_throttle (proxy, 0);
  converge (d, 20);
  sync_test_assert_converged (d, photos);
  /* Once mid-batch, once mid-photo. */
  mend_test_reliability_row ("mend-hq killed (SIGKILL) mid-sync", 2, MEND_RELIABILITY_NOTHING_LOST);
}

static void
exited_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(gboolean *)user_data = TRUE;
}

static int
mendctl_sync (SyncDevice *d, gboolean offline)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) process = NULL;

  if (offline)
    process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, "unshare", "-rn",
                                g_getenv ("MENDCTL"), "--db", d->path, "sync", NULL);
  else
    process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, g_getenv ("MENDCTL"),
                                "--db", d->path, "sync", NULL);
  g_assert_no_error (error);
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  return g_subprocess_get_exit_status (process);
}

/* mendctl sync killed (SIGKILL) at points the proxy's byte count chooses, through events and
 * photos; the next runs finish the work. */
static void
test_mendctl_killed (SyncDevice *d, gconstpointer data)
{
  g_autoptr (GPtrArray) photos = NULL;
  g_autoptr (MendCuttingProxy) proxy = NULL;
  const guint64 points[] = { 3000, 200 * 1024, 400 * 1024, 300 * 1024 };
  guint kills = 0;

  sync_device_enrol_ok (d);
  photos = sync_device_record_day (d, 0, 2, 1024 * 1024);
  proxy = proxy_for (d, 11);
  mend_cutting_proxy_set_throttle (proxy, 1024 * 1024);
  /* mendctl owns the store while it runs, as on a depot's dock. */
  sync_device_close_store (d);

  /* A run may also end by itself with 5 (HQ still held the killed run's upload open, say):
   * that is "try later", and the next run goes on. */
  for (guint i = 0, run = 0; kills < G_N_ELEMENTS (points) - 1 && run < 12; run++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GSubprocess) process
          = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, g_getenv ("MENDCTL"),
                              "--db", d->path, "sync", NULL);
      gboolean exited = FALSE;
      guint64 start = mend_cutting_proxy_get_bytes_up (proxy);
      gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

      g_assert_no_error (error);
      g_subprocess_wait_async (process, NULL, exited_cb, &exited);
      while (!exited && mend_cutting_proxy_get_bytes_up (proxy) < start + points[i]
             && g_get_monotonic_time () < deadline)
        {
          g_main_context_iteration (NULL, FALSE);
          g_usleep (1000);
        }
      g_subprocess_send_signal (process, SIGKILL);
      while (!exited)
        g_main_context_iteration (NULL, TRUE);
      if (g_subprocess_get_if_signaled (process))
        {
          kills++;
          i = MIN (i + 1, G_N_ELEMENTS (points) - 1);
          continue;
        }
      g_test_message ("run %u ended by itself with %d after %" G_GUINT64_FORMAT " bytes", run,
                      g_subprocess_get_exit_status (process),
                      mend_cutting_proxy_get_bytes_up (proxy) - start);
      g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 5);
    }
  g_test_message ("%u runs killed part way", kills);
  g_assert_cmpuint (kills, >=, 3);

  mend_cutting_proxy_set_throttle (proxy, 0);
  /* HQ may not yet have seen the last killed run's connection drop and still hold its photo
   * upload, which a new run is told to try later (5); the run after that finishes. */
  {
    int status = 5;

    for (guint run = 0; run < 3 && status == 5; run++)
      {
        status = mendctl_sync (d, FALSE);
        if (status != 0)
          g_test_message ("a run after the kills ended with %d", status);
      }
    g_assert_cmpint (status, ==, 0);
  }
  sync_device_reopen (d);
  {
    g_autoptr (GError) error = NULL;

    g_assert_true (mend_store_verify (d->store, NULL, &error));
    g_assert_no_error (error);
  }
  sync_test_assert_converged (d, photos);
  mend_test_reliability_row ("mendctl sync killed (SIGKILL) part way", kills,
                             MEND_RELIABILITY_NOTHING_LOST);
}

/* No network at all: mendctl says "try later" (5) and nothing is acknowledged; back on the
 * network, one run sends everything. */
static void
test_offline (SyncDevice *d, gconstpointer data)
{
  g_autoptr (GPtrArray) photos = NULL;
  const char *device;
  gint64 total;
  g_autofree char *unshare = g_find_program_in_path ("unshare");

  if (unshare == NULL)
    {
      g_test_skip ("unshare (util-linux) is not installed");
      return;
    }
  sync_device_enrol_ok (d);
  photos = sync_device_record_day (d, 1, 1, 100 * 1024);
  device = mend_store_get_device_id (d->store);
  total = sync_device_count (d, "pending");
  g_assert_cmpint (mendctl_sync (d, TRUE), ==, 5);
  g_assert_cmpint (sync_device_count (d, "pending"), ==, total);
  g_assert_cmpint (
      mend_test_hq_count (sync_test_hq, "SELECT count(*) FROM events WHERE device = $1", device),
      ==, 0);
  g_assert_cmpint (mendctl_sync (d, FALSE), ==, 0);
  sync_test_assert_converged (d, photos);
  mend_test_reliability_row ("no network at all during a sync", 1, MEND_RELIABILITY_NOTHING_LOST);
}

/* Metered: the engine told to hold photos sends the events and the manifest only. */
static void
test_metered (SyncDevice *d, gconstpointer data)
{
  g_autoptr (GPtrArray) photos = NULL;
  g_autoptr (MendSyncReport) held = NULL;
  g_autoptr (MendCuttingProxy) proxy = NULL;
  guint64 up;

  sync_device_enrol_ok (d);
  photos = sync_device_record_day (d, 2, 2, 400 * 1024);
  proxy = proxy_for (d, 3);
  mend_sync_engine_set_send_photos (d->engine, FALSE);
  held = run (d);
  up = mend_cutting_proxy_get_bytes_up (proxy);
  g_assert_cmpint (held->state, ==, MEND_SYNC_STATE_WAITING);
  g_assert_true (held->manifest_applied);
  g_assert_cmpint (held->photos_uploaded, ==, 0);
  g_assert_cmpint (sync_device_count (d, "pending"), ==, 0);
  g_assert_cmpuint (up, <, 400 * 1024);
  for (guint i = 0; i < photos->len; i++)
    g_assert_false (sync_test_hq_has_blob (g_ptr_array_index (photos, i)));
  mend_sync_engine_set_send_photos (d->engine, TRUE);
  converge (d, 3);
  sync_test_assert_converged (d, photos);
}

typedef struct
{
  int pending;
  MendSyncState states[2];
  GMainLoop *loop;
} Both;

typedef struct
{
  Both *both;
  int index;
} OneOf;

static void
one_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  OneOf *one = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (MendSyncReport) report
      = mend_sync_engine_run_finish (MEND_SYNC_ENGINE (source), result, &error);

  g_assert_no_error (error);
  one->both->states[one->index] = report->state;
  if (--one->both->pending == 0)
    g_main_loop_quit (one->both->loop);
}

/* Two devices of one team, each through its own cutting proxy, their passes at the same time
 * on one main loop: HQ ends with each one's work, once. */
static void
test_two_devices (SyncDevice *d, gconstpointer data)
{
  SyncDevice other = { 0 };
  SyncDevice *devices[2] = { d, &other };
  GPtrArray *photos[2] = { NULL, NULL };
  MendCuttingProxy *proxies[2] = { NULL, NULL };
  gboolean complete[2] = { FALSE, FALSE };
  Both both = { .loop = g_main_loop_new (NULL, FALSE) };
  OneOf ones[2] = { { &both, 0 }, { &both, 1 } };
  guint round = 0;

  sync_device_open (&other, NULL);
  for (int i = 0; i < 2; i++)
    {
      sync_device_enrol_ok (devices[i]);
      photos[i] = sync_device_record_day (devices[i], i, 2, 300 * 1024);
      proxies[i] = proxy_for (devices[i], 100 + i);
      mend_cutting_proxy_set_cuts (proxies[i], 10, 500, 300 * 1024);
      mend_sync_engine_set_batch_size (devices[i]->engine, 5);
    }
  while (!complete[0] || !complete[1])
    {
      g_assert_cmpuint (++round, <=, 100);
      both.pending = 0;
      for (int i = 0; i < 2; i++)
        if (!complete[i])
          {
            both.pending++;
            mend_sync_engine_run_async (devices[i]->engine, NULL, one_done_cb, &ones[i]);
          }
      g_main_loop_run (both.loop);
      for (int i = 0; i < 2; i++)
        complete[i] = complete[i] || both.states[i] == MEND_SYNC_STATE_COMPLETE;
    }
  g_test_message ("%u rounds", round);
  guint cuts = 0;
  for (int i = 0; i < 2; i++)
    {
      sync_test_assert_converged (devices[i], photos[i]);
      cuts += mend_cutting_proxy_get_cuts (proxies[i]);
      g_ptr_array_unref (photos[i]);
      mend_cutting_proxy_free (proxies[i]);
    }
  mend_test_reliability_row ("two devices of one team syncing through cut connections", cuts,
                             MEND_RELIABILITY_NOTHING_LOST);
  g_main_loop_unref (both.loop);
  sync_device_close (&other, NULL);
}

static gboolean
device_has (SyncDevice *d, const char *table, const char *id)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM %s WHERE id = ?1", table);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gboolean found;

  g_assert_cmpint (sqlite3_open_v2 (d->path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  found = sqlite3_column_int (stmt, 0) > 0;
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return found;
}

static void
admin (const char *const *args)
{
  g_free (mend_test_hq_admin (sync_test_hq, args));
}

/* HQ deletes a site: its future session goes from the device with it; a session running now
 * with a person on site stays, with its site, until the person is checked out. */
static void
test_manifest_deletes_site (SyncDevice *d, gconstpointer data)
{
  g_autofree char *person = mend_test_participant_id (0, 0);
  g_autofree char *file = g_build_filename (d->dir, "site-gone.json", NULL);
  g_autoptr (JsonObject) fixture = mend_test_fixture_manifest (1, 1, mend_time_now_ms ());
  g_autoptr (JsonObject) lists = json_object_new ();
  g_autoptr (GError) error = NULL;
  gint64 now = mend_time_now_ms ();
  const gint64 hour = 3600 * 1000;
  JsonObject *site;
  JsonArray *sessions = json_array_new ();
  JsonArray *assignments = json_array_new ();

  /* A new site with a session now and one tomorrow, both with the same person. */
  site = json_object_ref (
      json_array_get_object_element (json_object_get_array_member (fixture, "sites"), 0));
  json_object_set_string_member (site, "id", "site-gone");
  json_object_set_string_member (site, "name", "Gone Recreation Ground");
  {
    JsonArray *sites = json_array_new ();

    json_array_add_object_element (sites, site);
    json_object_set_array_member (lists, "sites", sites);
  }
  for (int i = 0; i < 2; i++)
    {
      JsonObject *session = json_object_new ();
      JsonObject *assignment = json_object_new ();
      const char *id = i == 0 ? "s-gone-now" : "s-gone-later";

      json_object_set_string_member (session, "id", id);
      json_object_set_string_member (session, "site", "site-gone");
      json_object_set_string_member (session, "supervisor", "sup-1");
      json_object_set_int_member (session, "starts_at", now - hour + i * 24 * hour);
      json_object_set_int_member (session, "ends_at", now + 3 * hour + i * 24 * hour);
      json_array_add_object_element (sessions, session);
      json_object_set_string_member (assignment, "session", id);
      json_object_set_string_member (assignment, "participant", person);
      json_array_add_object_element (assignments, assignment);
    }
  json_object_set_array_member (lists, "sessions", sessions);
  json_object_set_array_member (lists, "assignments", assignments);
  {
    g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
    g_autofree char *text = NULL;
    const char *const args[] = { "reference", "import", file, "--team", sync_test_team, NULL };

    json_node_set_object (node, lists);
    text = json_to_string (node, FALSE);
    g_file_set_contents (file, text, -1, &error);
    g_assert_no_error (error);
    admin (args);
  }

  sync_device_enrol_ok (d);
  converge (d, 3);
  g_assert_true (device_has (d, "sites", "site-gone"));
  g_assert_true (device_has (d, "sessions", "s-gone-now"));
  g_assert_true (device_has (d, "sessions", "s-gone-later"));
  g_free (mend_test_record_ok (d->store, mend_command_start_session ("s-gone-now")));
  g_free (mend_test_record_ok (d->store, mend_command_check_in ("s-gone-now", person)));
  /* HQ has the check-in before it deletes anything. */
  converge (d, 3);

  /* HQ removes the sessions, then the site. */
  {
    const char *const later[] = { "session", "remove", "s-gone-later", NULL };
    const char *const current[] = { "session", "remove", "s-gone-now", NULL };
    const char *const gone[] = { "site", "remove", "site-gone", NULL };

    admin (later);
    admin (current);
    admin (gone);
  }
  converge (d, 3);
  /* The future session went; the session running now, its site and the person on site stay
   * under the supervisor until checked out. */
  g_assert_false (device_has (d, "sessions", "s-gone-later"));
  g_assert_true (device_has (d, "sessions", "s-gone-now"));
  g_assert_true (device_has (d, "sites", "site-gone"));
  {
    g_autoptr (GPtrArray) roster = mend_store_list_roster (d->store, "s-gone-now", &error);
    gboolean on_site = FALSE;

    g_assert_no_error (error);
    for (guint i = 0; i < roster->len; i++)
      {
        const MendRosterRow *row = g_ptr_array_index (roster, i);

        on_site
            |= g_str_equal (row->participant_id, person) && row->state == MEND_ATTENDANCE_ON_SITE;
      }
    g_assert_true (on_site);
  }
  /* Events are never touched: the check-in went to HQ like any other. */
  sync_test_assert_converged (d, NULL);

  /* Checked out. HQ no longer has the session, so what it says of the check-out is reported,
   * not asserted: see sync/README.md, "Scheduler" (a deleted session's last events). */
  {
    MendCheckOut out = { .outcome = "ATTC" };
    g_autoptr (MendSyncReport) last = NULL;

    g_free (mend_test_record_ok (d->store, mend_command_check_out ("s-gone-now", person, &out)));
    last = run (d);
    g_assert_cmpint (last->state, !=, MEND_SYNC_STATE_REENROL);
    g_assert_cmpint (sync_device_count (d, "pending"), ==, 0);
    g_test_message ("after the check-out: pass %s, %" G_GINT64_FORMAT
                    " parked; site %s, session %s",
                    mend_sync_state_to_string (last->state), last->counts->events_parked,
                    device_has (d, "sites", "site-gone") ? "kept" : "gone",
                    device_has (d, "sessions", "s-gone-now") ? "kept" : "gone");
  }
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
#define ADD(path, func)                                                                            \
  g_test_add (path, SyncDevice, NULL, sync_device_open, func, sync_device_close)
  ADD ("/sync-faults/cut-day", test_cut_day);
  ADD ("/sync-faults/hq-killed", test_hq_killed);
  ADD ("/sync-faults/mendctl-killed", test_mendctl_killed);
  ADD ("/sync-faults/offline", test_offline);
  ADD ("/sync-faults/metered", test_metered);
  ADD ("/sync-faults/two-devices", test_two_devices);
  ADD ("/sync-faults/manifest-deletes-site", test_manifest_deletes_site);
#undef ADD
  sync_test_hq_start ();
  status = g_test_run ();
  sync_test_hq_stop ();
  return status;
}
