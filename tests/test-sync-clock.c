/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-test"

#include "config.h"

#include <curl/curl.h>
#include <sqlite3.h>
#include <string.h>

#include "mend-test-reliability.h"
#include "mend-time.h"
#include "test-sync-util.h"

/* A device whose clock is set years wrong, as the real mendctl under libfaketime sees it,
 * against a real mend-hq on the real clock: records are kept and sent (the chain orders them
 * by seq, not time), mendctl status says the clock is off HQ's, HQ stores every record and its
 * dashboard says the device's clock was off, and a clock that jumped between a check-in and a
 * check-out credits nothing rather than years, on the device and at HQ alike. */

#define STAFF    "Clock Checker"
#define PASSWORD "a long enough passphrase"

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

/* mendctl on @db, under faketime starting at @when (UTC), or on the real clock when NULL. */
static Run
mendctl_at (const char *when, const char *db, const char *const *args)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GSubprocessLauncher) launcher
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  Run run = { 0 };
  const char *command = args[0];

  if (when != NULL)
    {
      g_ptr_array_add (argv, "faketime");
      g_ptr_array_add (argv, (char *)when);
    }
  g_ptr_array_add (argv, (char *)g_getenv ("MENDCTL"));
  g_ptr_array_add (argv, "--db");
  g_ptr_array_add (argv, (char *)db);
  g_ptr_array_add (argv, "--no-gps");
  for (; *args != NULL; args++)
    g_ptr_array_add (argv, (char *)*args);
  g_ptr_array_add (argv, NULL);
  g_subprocess_launcher_setenv (launcher, "TZ", "UTC", TRUE);
  /* faketime preloads its library ahead of everything, which a mendctl built with
   * AddressSanitizer refuses unless told that the order is expected. */
  {
    const char *asan = g_getenv ("ASAN_OPTIONS");
    g_autofree char *options
        = g_strconcat (asan != NULL && *asan != '\0' ? asan : "",
                       asan != NULL && *asan != '\0' ? ":" : "", "verify_asan_link_order=0", NULL);

    g_subprocess_launcher_setenv (launcher, "ASAN_OPTIONS", options, TRUE);
  }
  process = g_subprocess_launcher_spawnv (launcher, (const char *const *)argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &run.out, &run.err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  run.status = g_subprocess_get_exit_status (process);
  g_test_message ("%s mendctl %s: %d %s", when ? when : "now", command, run.status, run.err);
  return run;
}

#define MENDCTL_OK(when, db, ...)                                                                  \
  G_STMT_START                                                                                     \
  {                                                                                                \
    const char *const argv_[] = { __VA_ARGS__, NULL };                                             \
    Run r_ = mendctl_at (when, db, argv_);                                                         \
    if (r_.status != 0)                                                                            \
      g_error ("mendctl %s: %s", argv_[0], r_.err);                                                \
    run_clear (&r_);                                                                               \
  }                                                                                                \
  G_STMT_END

static char *
store_text (const char *db, const char *sql)
{
  sqlite3 *handle = NULL;
  sqlite3_stmt *stmt = NULL;
  char *value = NULL;

  g_assert_cmpint (sqlite3_open_v2 (db, &handle, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (handle, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = g_strdup ((const char *)sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (handle);
  return value;
}

static gint64
roster_credited (const char *db, const char *session, const char *person)
{
  const char *const args[] = { "roster", session, "--json", NULL };
  Run run = mendctl_at (NULL, db, args);
  g_autoptr (JsonNode) node = json_from_string (run.out, NULL);
  JsonArray *rows = json_node_get_array (node);
  gint64 credited = -1;

  g_assert_cmpint (run.status, ==, 0);
  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonObject *row = json_array_get_object_element (rows, i);

      if (g_strcmp0 (json_object_get_string_member (row, "participant_id"), person) == 0)
        credited = json_object_get_int_member (row, "minutes_credited");
    }
  run_clear (&run);
  return credited;
}

static size_t
collect (char *data, size_t size, size_t n, void *user_data)
{
  g_string_append_len (user_data, data, size * n);
  return size * n;
}

static GString *
fetch (CURL *curl, const char *path, const char *form)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u%s", sync_test_hq->port, path);
  GString *body = g_string_new (NULL);

  curl_easy_setopt (curl, CURLOPT_URL, url);
  curl_easy_setopt (curl, CURLOPT_COOKIEFILE, "");
  curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt (curl, CURLOPT_WRITEDATA, body);
  curl_easy_setopt (curl, CURLOPT_POSTFIELDS, form);
  if (form == NULL)
    curl_easy_setopt (curl, CURLOPT_HTTPGET, 1L);
  g_assert_cmpint (curl_easy_perform (curl), ==, CURLE_OK);
  return body;
}

/* The dashboard's Devices page, logged in as a staff user made for it. */
static char *
devices_page (void)
{
  static gboolean added;
  CURL *curl = curl_easy_init ();
  GString *login = fetch (curl, "/login", NULL);
  const char *marker = strstr (login->str, "name=\"csrf\" value=\"");
  g_autofree char *csrf = NULL;
  g_autofree char *csrf_q = NULL;
  g_autofree char *staff_q = g_uri_escape_string (STAFF, NULL, FALSE);
  g_autofree char *password_q = g_uri_escape_string (PASSWORD, NULL, FALSE);
  g_autofree char *form = NULL;
  GString *page;

  if (!added)
    {
      const char *const add[] = { "user", "add", STAFF, "--password", PASSWORD, NULL };

      g_free (mend_test_hq_admin (sync_test_hq, add));
      added = TRUE;
    }
  g_assert_nonnull (marker);
  marker += strlen ("name=\"csrf\" value=\"");
  csrf = g_strndup (marker, strchr (marker, '"') - marker);
  csrf_q = g_uri_escape_string (csrf, NULL, FALSE);
  form = g_strdup_printf ("csrf=%s&name=%s&password=%s", csrf_q, staff_q, password_q);
  g_string_free (fetch (curl, "/login", form), TRUE);
  g_string_free (login, TRUE);
  page = fetch (curl, "/devices", NULL);
  curl_easy_cleanup (curl);
  return g_string_free (page, FALSE);
}

static void
enrol (SyncDevice *d)
{
  g_autofree char *url = sync_test_url ();
  g_autofree char *code = sync_test_code ();

  sync_device_close_store (d);
  MENDCTL_OK (NULL, d->path, "enrol", "--hq", url, "--code", code, "--name", "Clock tablet");
}

/* The clock set years ahead (a bad fix or a typo in the year): records at that time, a
 * check-out after the clock jumped forward, a sync. */
static void
test_years_ahead (SyncDevice *d, gconstpointer data)
{
  g_autofree char *session = mend_test_session_id (0);
  g_autofree char *steady = mend_test_participant_id (0, 0);
  g_autofree char *jumped = mend_test_participant_id (0, 1);
  g_autofree char *device_id = NULL;
  g_autofree char *page = NULL;
  gint64 n_events;

  enrol (d);
  device_id = store_text (d->path, "SELECT device_id FROM device");
  /* In 2031 all along: 4 h on site by that clock. */
  MENDCTL_OK ("2031-06-02 09:00:00", d->path, "start", session);
  MENDCTL_OK ("2031-06-02 09:01:00", d->path, "check-in", session, steady);
  /* Checked in on the right clock, checked out after it jumped to 2031. */
  MENDCTL_OK (NULL, d->path, "check-in", session, jumped);
  MENDCTL_OK ("2031-06-02 13:01:00", d->path, "check-out", session, steady, "--outcome", "ATTC");
  MENDCTL_OK ("2031-06-02 13:02:00", d->path, "check-out", session, jumped, "--outcome", "ATTC");

  /* The device credits the consistent 4 h, and nothing for years. */
  g_assert_cmpint (roster_credited (d->path, session, steady), ==, 240);
  g_assert_cmpint (roster_credited (d->path, session, jumped), ==, 0);

  /* The sync goes through, and the device notes how far off HQ's clock it is. */
  MENDCTL_OK ("2031-06-02 13:05:00", d->path, "sync");
  {
    const char *const args[] = { "status", NULL };
    Run run = mendctl_at ("2031-06-02 13:06:00", d->path, args);

    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "Clock:"));
    g_assert_nonnull (strstr (run.out, "years"));
    g_assert_nonnull (strstr (run.out, "fast against HQ's"));
    run_clear (&run);
  }
  {
    g_autofree char *skew
        = store_text (d->path, "SELECT clock_skew_ms FROM sync_enrolment WHERE singleton = 1");

    g_assert_nonnull (skew);
    g_assert_cmpint (g_ascii_strtoll (skew, NULL, 10), >, 4 * G_GINT64_CONSTANT (31536000000));
  }

  /* HQ holds every record, none refused, the 2031 ones dated years after they arrived. */
  n_events = mend_test_hq_count (sync_test_hq, "SELECT count(*) FROM events WHERE device = $1",
                                 device_id);
  g_assert_cmpint (n_events, ==, 5);
  g_assert_cmpint (mend_test_hq_count (sync_test_hq,
                                       "SELECT count(*) FROM events WHERE device = $1"
                                       " AND status = 'stored'",
                                       device_id),
                   ==, 5);
  g_assert_cmpint (
      mend_test_hq_count (sync_test_hq,
                          "SELECT count(*) FROM events WHERE device = $1 AND"
                          " (convert_from (canonical, 'UTF8')::jsonb ->> 'recorded_at')::bigint"
                          " > (extract(epoch FROM received_at) * 1000)::bigint + 3 * 31536000000",
                          device_id),
      ==, 4);
  {
    g_autofree char *acknowledged
        = store_text (d->path, "SELECT count(*) FROM events WHERE sync_state = 'acknowledged'");

    g_assert_cmpstr (acknowledged, ==, "5");
  }

  /* HQ's fold credits the same, so a second device is told 4 h were credited, not the order. */
  {
    SyncDevice other = { 0 };
    g_autofree char *sql
        = g_strdup_printf ("SELECT minutes_credited_hq FROM participants WHERE id = '%s'", steady);
    g_autofree char *sql_jumped
        = g_strdup_printf ("SELECT minutes_credited_hq FROM participants WHERE id = '%s'", jumped);
    g_autofree char *credited = NULL;
    g_autofree char *credited_jumped = NULL;

    sync_device_open (&other, NULL);
    sync_device_enrol_ok (&other);
    mend_sync_report_free (sync_device_run_ok (&other));
    sync_device_close_store (&other);
    credited = store_text (other.path, sql);
    credited_jumped = store_text (other.path, sql_jumped);
    g_assert_cmpstr (credited, ==, "240");
    g_assert_cmpstr (credited_jumped, ==, "0");
    sync_device_close (&other, NULL);
  }

  /* The dashboard says the device's clock was ahead. */
  page = devices_page ();
  g_assert_nonnull (strstr (page, "Clock tablet"));
  g_assert_nonnull (strstr (page, "clock ahead: records dated up to 4 y"));
  mend_test_reliability_row ("device clock years wrong", 1, MEND_RELIABILITY_NOTHING_LOST);
}

/* The clock reset to 2001 (a flat clock battery): the records still go, HQ says the clock was
 * behind; a check-out whose time would fall before the check-in is refused with a message,
 * and recorded once the real time is given. */
static void
test_years_behind (SyncDevice *d, gconstpointer data)
{
  g_autofree char *session = mend_test_session_id (1);
  g_autofree char *person = mend_test_participant_id (1, 0);
  g_autofree char *device_id = NULL;
  g_autofree char *page = NULL;
  g_autofree char *finish = NULL;

  enrol (d);
  device_id = store_text (d->path, "SELECT device_id FROM device");
  MENDCTL_OK ("2001-01-01 09:00:00", d->path, "start", session);
  /* Three hours and half a minute after the check-in: 180 whole minutes. */
  finish = mend_time_format_ms (mend_time_now_ms () + 3 * 3600 * 1000 + 30000);
  MENDCTL_OK (NULL, d->path, "check-in", session, person);
  {
    const char *const args[] = { "check-out", session, person, "--outcome", "ATTC", NULL };
    Run run = mendctl_at ("2001-01-01 13:00:00", d->path, args);

    g_assert_cmpint (run.status, ==, 1);
    g_assert_nonnull (strstr (run.err, "before the arrival time"));
    run_clear (&run);
  }
  MENDCTL_OK ("2001-01-01 13:00:00", d->path, "check-out", session, person, "--outcome", "ATTC",
              "--finished", finish);
  g_assert_cmpint (roster_credited (d->path, session, person), ==, 180);
  MENDCTL_OK ("2001-01-01 13:05:00", d->path, "sync");
  {
    const char *const args[] = { "status", NULL };
    Run run = mendctl_at ("2001-01-01 13:06:00", d->path, args);

    g_assert_nonnull (strstr (run.out, "slow against HQ's"));
    run_clear (&run);
  }
  g_assert_cmpint (mend_test_hq_count (sync_test_hq,
                                       "SELECT count(*) FROM events WHERE device = $1"
                                       " AND status = 'stored'",
                                       device_id),
                   ==, 3);
  page = devices_page ();
  g_assert_nonnull (strstr (page, "clock behind: records dated up to 2"));
  mend_test_reliability_row ("device clock years wrong", 1, MEND_RELIABILITY_NOTHING_LOST);
}

int
main (int argc, char **argv)
{
  int status;
  g_autofree char *faketime = g_find_program_in_path ("faketime");

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  if (faketime == NULL)
    {
      g_print ("1..0 # SKIP faketime is not installed (Debian package faketime)\n");
      return 0;
    }
  g_assert_nonnull (g_getenv ("MENDCTL"));
  curl_global_init (CURL_GLOBAL_DEFAULT);
  sync_test_hq_start ();

#define ADD(path, func)                                                                            \
  g_test_add (path, SyncDevice, NULL, sync_device_open, func, sync_device_close)
  ADD ("/sync-clock/years-ahead", test_years_ahead);
  ADD ("/sync-clock/years-behind", test_years_behind);
#undef ADD
  status = g_test_run ();

  sync_test_hq_stop ();
  curl_global_cleanup ();
  return status;
}
