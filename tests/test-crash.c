/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Crash consistency: crash-writer records in a loop and is killed with SIGKILL at random
 * moments, many times over. Afterwards the store must verify (SQLite integrity and the hash
 * chain), hold every event whose id the writer printed, and have projections that equal a
 * rebuild from the log. The store is opened as the app opens it, synchronous=FULL. */
#define G_LOG_DOMAIN "mend-test-crash"

#include "config.h"

#include <signal.h>
#include <string.h>

#include <gio/gio.h>

#include "mend-test-reliability.h"
#include "mend-test-util.h"

#define N_KILLS    60
#define N_SESSIONS 2000
#define N_PEOPLE   6
#define MIN_RUN_MS 5
#define MAX_RUN_MS 150
#define MIN_EVENTS 100

/* One run of the writer: the child, what it printed, and the timer that kills it. */
typedef struct
{
  GSubprocess *child;
  GBytes *output;
  GError *error;
  guint kill_id;
  gboolean finished;
} Run;

static void
communicate_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Run *run = user_data;

  g_subprocess_communicate_finish (G_SUBPROCESS (source), result, &run->output, NULL, &run->error);
  run->finished = TRUE;
  g_main_context_wakeup (NULL);
}

static gboolean
kill_cb (gpointer user_data)
{
  Run *run = user_data;

  g_subprocess_send_signal (run->child, SIGKILL);
  run->kill_id = 0;
  return G_SOURCE_REMOVE;
}

static const char *
writer_path (void)
{
  static char *path = NULL;

  if (path == NULL)
    {
      const char *from_env = g_getenv ("CRASH_WRITER");

      path = from_env != NULL ? g_strdup (from_env)
                              : g_test_build_filename (G_TEST_BUILT, "crash-writer", NULL);
    }
  return path;
}

/* Adds each complete line of @output to @ids. A line cut short by the kill has no newline
 * and is not a printed id; it is left out. Returns how many ids were new. */
static guint
collect_ids (GBytes *output, GHashTable *ids)
{
  gsize size = 0;
  const char *data = g_bytes_get_data (output, &size);
  const char *end = data + size;
  const char *line = data;
  guint n_new = 0;

  while (line < end)
    {
      const char *newline = memchr (line, '\n', (size_t)(end - line));
      g_autofree char *id = NULL;

      if (newline == NULL)
        break;
      id = g_strndup (line, (gsize)(newline - line));
      if (!g_uuid_string_is_valid (id))
        g_error ("crash-writer printed “%s”, which is not an event id", id);
      if (!g_hash_table_add (ids, g_steal_pointer (&id)))
        g_error ("crash-writer printed the same event id twice");
      n_new++;
      line = newline + 1;
    }
  return n_new;
}

/* A sanitizer build starts and writes several times slower; .ci/run sets MEND_TEST_TIME_SCALE
 * there, so the kills still land while the writer is writing. */
static guint
time_scale (void)
{
  guint64 scale = 1;

  if (!g_ascii_string_to_unsigned (g_getenv ("MEND_TEST_TIME_SCALE") ?: "1", 10, 1, 100, &scale,
                                   NULL))
    scale = 1;
  return (guint)scale;
}

/**
 * run_writer_once:
 * @ids: printed ids are added here
 * @out_killed: (out): whether the kill ended the child; %FALSE when it ran out of work
 *
 * Starts crash-writer, kills it after a random 5–150 ms, reads everything it printed and
 * waits for it. Returns how many ids it printed.
 */
static guint
run_writer_once (const char *store_path, GHashTable *ids, gboolean *out_killed)
{
  g_autoptr (GError) error = NULL;
  Run run = { 0 };
  guint run_ms = (guint)g_test_rand_int_range (MIN_RUN_MS, MAX_RUN_MS + 1) * time_scale ();
  guint n_printed;

  run.child
      = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, writer_path (), store_path, NULL);
  g_assert_no_error (error);

  /* Read while the child runs, so a full pipe never stalls it before the kill. */
  g_subprocess_communicate_async (run.child, NULL, NULL, communicate_cb, &run);
  run.kill_id = g_timeout_add (run_ms, kill_cb, &run);
  while (!run.finished)
    g_main_context_iteration (NULL, TRUE);
  /* Still pending when the writer stopped on its own. */
  g_clear_handle_id (&run.kill_id, g_source_remove);

  g_assert_no_error (run.error);
  n_printed = collect_ids (run.output, ids);

  /* Anything but our SIGKILL or a clean "nothing left" exit is the writer failing: a store
   * error, an abort from a warning, or a crash of its own. Its stderr says which. */
  if (g_subprocess_get_if_signaled (run.child))
    {
      g_assert_cmpint (g_subprocess_get_term_sig (run.child), ==, SIGKILL);
      *out_killed = TRUE;
    }
  else
    {
      g_assert_cmpint (g_subprocess_get_exit_status (run.child), ==, 0);
      *out_killed = FALSE;
    }

  g_clear_pointer (&run.output, g_bytes_unref);
  g_clear_object (&run.child);
  return n_printed;
}

/* The first program to open the store after the last kill recovers its write-ahead log, so
 * this runs the real mendctl before the test opens the store itself. */
static void
assert_mendctl_verifies (const char *store_path)
{
  const char *mendctl = g_getenv ("MENDCTL");
  const char *argv[] = { mendctl, "--db", store_path, "verify", NULL };
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int wait_status = 0;

  /* tests/meson.build sets it; without it this is not the test that meson runs. */
  g_assert_nonnull (mendctl);

  g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &wait_status,
                &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (wait_status, &error))
    g_error ("mendctl verify failed (%s): %s%s", error->message, out, err);
  g_assert_true (g_str_has_prefix (out, "OK:"));
  g_test_message ("mendctl: %s", g_strchomp (out));
}

static void
append_roster (GString *snapshot, GPtrArray *roster)
{
  for (guint i = 0; i < roster->len; i++)
    {
      const MendRosterRow *row = g_ptr_array_index (roster, i);

      g_string_append_printf (
          snapshot,
          " [%s %s briefed=%d arrived=%" G_GINT64_FORMAT " finished=%" G_GINT64_FORMAT
          " penalty=%d outcome=%s quality=%s "
          "behaviour=%s credited=%d owed=%d]",
          row->participant_id, mend_attendance_state_to_string (row->state), row->briefed,
          row->arrived_at_ms, row->finished_at_ms, row->penalty_minutes,
          row->outcome ? row->outcome : "-", row->quality ? row->quality : "-",
          row->behaviour ? row->behaviour : "-", row->minutes_credited, row->minutes_owed);
    }
}

static void
append_tallies (GString *snapshot, GPtrArray *tallies)
{
  for (guint i = 0; i < tallies->len; i++)
    {
      const MendTallyRow *row = g_ptr_array_index (tallies, i);

      g_string_append_printf (snapshot, " [%s=%" G_GINT64_FORMAT "]", row->id, row->total);
    }
}

/* Everything the projections say, one line per session, so a difference names its
 * session. */
static GPtrArray *
snapshot_projections (MendStore *store)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) sessions = mend_store_list_sessions (store, G_MININT64, G_MAXINT64, &error);
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);

  g_assert_no_error (error);
  g_assert_cmpuint (sessions->len, ==, N_SESSIONS);
  for (guint i = 0; i < sessions->len; i++)
    {
      const MendSessionRow *session = g_ptr_array_index (sessions, i);
      g_autoptr (GPtrArray) roster = mend_store_list_roster (store, session->id, &error);
      g_autoptr (GPtrArray) tallies = NULL;
      GString *line = g_string_new (NULL);

      g_assert_no_error (error);
      tallies = mend_store_list_tallies (store, session->id, &error);
      g_assert_no_error (error);

      g_string_append_printf (line, "%s %s expected=%d on_site=%d done=%d absent=%d:", session->id,
                              mend_session_state_to_string (session->state), session->expected,
                              session->on_site, session->done, session->absent);
      append_roster (line, roster);
      append_tallies (line, tallies);
      g_ptr_array_add (lines, g_string_free (line, FALSE));
    }
  return lines;
}

/* The bags total of each session, summed straight from the tally events' payloads: a check
 * of the fold that does not go through the projection code a rebuild shares. */
static void
assert_bags_match_events (MendStore *store, GPtrArray *events)
{
  g_autoptr (GHashTable) bags = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) sessions = NULL;

  for (guint i = 0; i < events->len; i++)
    {
      const MendEventRow *event = g_ptr_array_index (events, i);
      g_autoptr (JsonNode) payload = NULL;
      JsonObject *object;
      gint64 *total;

      if (g_strcmp0 (event->kind, mend_event_kind_to_string (MEND_EVENT_TALLY_ADJUSTED)) != 0)
        continue;
      g_assert_null (event->voided_by);
      payload = json_from_string (event->payload, &error);
      g_assert_no_error (error);
      object = json_node_get_object (payload);
      g_assert_cmpstr (json_object_get_string_member (object, "category"), ==, "bags");

      total = g_hash_table_lookup (bags, event->session_id);
      if (total == NULL)
        {
          total = g_new0 (gint64, 1);
          g_hash_table_insert (bags, event->session_id, total);
        }
      *total += json_object_get_int_member (object, "delta");
      g_assert_cmpint (*total, >=, 0);
    }

  sessions = mend_store_list_sessions (store, G_MININT64, G_MAXINT64, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < sessions->len; i++)
    {
      const MendSessionRow *session = g_ptr_array_index (sessions, i);
      g_autoptr (GPtrArray) tallies = mend_store_list_tallies (store, session->id, &error);
      const gint64 *expected = g_hash_table_lookup (bags, session->id);

      g_assert_no_error (error);
      for (guint j = 0; j < tallies->len; j++)
        {
          const MendTallyRow *row = g_ptr_array_index (tallies, j);

          if (g_strcmp0 (row->id, "bags") == 0)
            g_assert_cmpint (row->total, ==, expected != NULL ? *expected : 0);
          else
            g_assert_cmpint (row->total, ==, 0);
        }
    }
}

static guint
count_kind (GPtrArray *events, MendEventKind kind)
{
  const char *name = mend_event_kind_to_string (kind);
  guint n = 0;

  for (guint i = 0; i < events->len; i++)
    {
      const MendEventRow *event = g_ptr_array_index (events, i);

      if (g_strcmp0 (event->kind, name) == 0)
        n++;
    }
  return n;
}

static void
test_crash_kill_loop (void)
{
  g_autofree char *dir = mend_test_temp_dir ();
  g_autofree char *store_path = g_build_filename (dir, "mend.db", NULL);
  g_autoptr (GHashTable) printed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) stored = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (MendStore) store = NULL;
  g_autoptr (GPtrArray) events = NULL;
  g_autoptr (GPtrArray) before = NULL;
  g_autoptr (GPtrArray) after = NULL;
  g_autoptr (GError) error = NULL;
  GHashTableIter iter;
  gpointer id;
  gint64 n_verified = 0;
  guint n_runs = 0;
  guint n_kills = 0;
  guint n_silent = 0;
  guint n_missing = 0;
  gint64 started = g_get_monotonic_time ();

  /* A failed run leaves the folder behind, to look into. */
  g_test_message ("store: %s", store_path);
  /* Closed again at once, so that each writer opens the store as the app does after a
   * crash. Durability stays on: the real synchronous=FULL path. */
  store = mend_test_store_new (dir, N_SESSIONS, N_PEOPLE, MEND_STORE_OPEN_DEFAULT);
  g_clear_object (&store);

  while (n_kills < N_KILLS)
    {
      gboolean killed = FALSE;
      guint n_printed = run_writer_once (store_path, printed, &killed);

      n_runs++;
      if (!killed)
        {
          g_test_message ("crash-writer recorded all %d sessions; stopping after %u kills",
                          N_SESSIONS, n_kills);
          break;
        }
      n_kills++;
      if (n_printed == 0)
        n_silent++;
    }

  assert_mendctl_verifies (store_path);

  store = mend_store_open (store_path, MEND_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  mend_store_verify (store, &n_verified, &error);
  g_assert_no_error (error);

  events = mend_store_list_events (store, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (events->len, ==, n_verified);
  for (guint i = 0; i < events->len; i++)
    {
      const MendEventRow *event = g_ptr_array_index (events, i);

      g_hash_table_add (stored, event->id);
    }

  g_hash_table_iter_init (&iter, printed);
  while (g_hash_table_iter_next (&iter, &id, NULL))
    {
      if (g_hash_table_contains (stored, id))
        continue;
      if (n_missing++ < 10)
        g_test_message ("event %s was confirmed to the writer but is not in the store",
                        (const char *)id);
    }
  g_assert_cmpuint (n_missing, ==, 0);

  /* The other way round: a run can commit at most one event it did not live to print, the
   * one it was killed just after. More would mean records nobody asked for. */
  g_assert_cmpint (n_verified, >=, g_hash_table_size (printed));
  g_assert_cmpint (n_verified - g_hash_table_size (printed), <=, n_runs);

  /* A run that recorded next to nothing would pass every check above. */
  g_assert_cmpuint (g_hash_table_size (printed), >, MIN_EVENTS);
  g_assert_cmpuint (count_kind (events, MEND_EVENT_CHECKED_IN), >, 0);
  g_assert_cmpuint (count_kind (events, MEND_EVENT_TALLY_ADJUSTED), >, 0);
  g_assert_cmpuint (count_kind (events, MEND_EVENT_CHECKED_OUT), >, 0);
  g_assert_cmpuint (count_kind (events, MEND_EVENT_SESSION_ENDED), >, 0);

  assert_bags_match_events (store, events);

  before = snapshot_projections (store);
  mend_store_rebuild_projections (store, &error);
  g_assert_no_error (error);
  after = snapshot_projections (store);
  g_assert_cmpuint (before->len, ==, after->len);
  for (guint i = 0; i < before->len; i++)
    g_assert_cmpstr (g_ptr_array_index (before, i), ==, g_ptr_array_index (after, i));

  g_test_message ("%u kills (%u before a first record), %" G_GINT64_FORMAT
                  " events in the store, %u printed ids checked, %u sessions ended, "
                  "%.1f s",
                  n_kills, n_silent, n_verified, g_hash_table_size (printed),
                  count_kind (events, MEND_EVENT_SESSION_ENDED),
                  (double)(g_get_monotonic_time () - started) / G_USEC_PER_SEC);
  mend_test_reliability_row ("power cut (SIGKILL) while recording", n_kills,
                             MEND_RELIABILITY_NOTHING_LOST);

  g_clear_pointer (&events, g_ptr_array_unref);
  g_clear_object (&store);
  mend_test_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/crash/kill-loop", test_crash_kill_loop);

  return g_test_run ();
}
