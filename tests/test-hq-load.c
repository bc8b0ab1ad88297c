/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-test"

#include "config.h"

#include <curl/curl.h>
#include <string.h>

#include "mend-test-hq-device.h"

/* HQ under load and through crashes: fifty enrolled devices push their own hash-chained logs
 * at once over HTTP, and the server is killed with SIGKILL while a batch is in flight. Every
 * event must end up stored exactly once. */

#define N_DEVICES 50
#define N_EVENTS  200
#define BATCH     25

static MendTestHq *hq;
static char *team;

static void
add_events (MendTestDevice *device, guint n)
{
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GBytes) photo = mend_test_random_bytes (32);

      mend_test_device_add_photo (device, photo);
    }
}

static gpointer
device_thread (gpointer data)
{
  MendTestDevice *device = data;
  guint stored = 0;

  for (guint from = 0; from < N_EVENTS; from += BATCH)
    {
      long status = 0;
      g_autoptr (MendWireResults) results = mend_test_device_push (device, from, BATCH, &status);

      if (status != 200)
        g_error ("device %s: batch at %u got %ld", device->device_id, from, status);
      g_assert_true (results->chain_ok);
      g_assert_cmpint (results->head_seq, ==, from + BATCH);
      for (guint i = 0; i < results->results->len; i++)
        {
          const MendWireResult *result = g_ptr_array_index (results->results, i);

          if (result->status != MEND_WIRE_STATUS_STORED)
            g_error ("event %s: %s %s", result->id, mend_wire_status_to_string (result->status),
                     result->message);
          stored++;
        }
    }
  /* An answer lost on the way: the device sends its middle batch again. */
  {
    long status = 0;
    g_autoptr (MendWireResults) results
        = mend_test_device_push (device, N_EVENTS / 2, BATCH, &status);

    g_assert_cmpint (status, ==, 200);
    for (guint i = 0; i < results->results->len; i++)
      g_assert_cmpint (((MendWireResult *)g_ptr_array_index (results->results, i))->status, ==,
                       MEND_WIRE_STATUS_DUPLICATE);
  }
  return GUINT_TO_POINTER (stored);
}

static void
test_fifty_devices (void)
{
  MendTestDevice *devices[N_DEVICES];
  GThread *threads[N_DEVICES];
  double before = mend_test_hq_metric (hq, "mend_events_total{result=\"stored\"}");
  guint stored = 0;
  g_autoptr (GString) ids = g_string_new (NULL);

  for (guint i = 0; i < N_DEVICES; i++)
    {
      devices[i] = mend_test_device_enrol (hq, team);
      add_events (devices[i], N_EVENTS);
      g_string_append_printf (ids, "%s%s", i > 0 ? "," : "", devices[i]->device_id);
    }
  for (guint i = 0; i < N_DEVICES; i++)
    threads[i] = g_thread_new ("device", device_thread, devices[i]);
  for (guint i = 0; i < N_DEVICES; i++)
    stored += GPOINTER_TO_UINT (g_thread_join (threads[i]));

  g_assert_cmpuint (stored, ==, N_DEVICES * N_EVENTS);
  g_assert_cmpint (mend_test_hq_count (hq,
                                       "SELECT count(*) FROM events"
                                       " WHERE device = ANY (string_to_array($1, ','))",
                                       ids->str),
                   ==, N_DEVICES * N_EVENTS);
  g_assert_cmpint (mend_test_hq_count (hq,
                                       "SELECT count(DISTINCT id) FROM events"
                                       " WHERE device = ANY (string_to_array($1, ','))",
                                       ids->str),
                   ==, N_DEVICES * N_EVENTS);
  g_assert_cmpint (mend_test_hq_count (hq,
                                       "SELECT count(*) FROM devices"
                                       " WHERE id = ANY (string_to_array($1, ','))"
                                       " AND head_seq = " G_STRINGIFY (N_EVENTS),
                                       ids->str),
                   ==, N_DEVICES);
  /* Each device's stored chain is the one it sent, hash for hash. */
  for (guint i = 0; i < N_DEVICES; i++)
    {
      const MendEventRow *last = g_ptr_array_index (devices[i]->rows, N_EVENTS - 1);

      g_assert_cmpint (mend_test_hq_count (hq,
                                           "SELECT count(*) FROM events WHERE hash = $1"
                                           " AND seq = " G_STRINGIFY (N_EVENTS),
                                           last->hash),
                       ==, 1);
      mend_test_device_free (devices[i]);
    }
  g_assert_cmpfloat (mend_test_hq_metric (hq, "mend_events_total{result=\"stored\"}"), ==,
                     before + N_DEVICES * N_EVENTS);
}

typedef struct
{
  guint16 port;
  const char *token;
  GBytes *body;
  CURLcode code;
  long status;
} Attempt;

static size_t
discard_cb (char *data, size_t size, size_t n, void *user_data)
{
  return size * n;
}

/* One push that may be cut off by the server dying: its outcome, never a test failure. */
static gpointer
attempt_thread (gpointer data)
{
  Attempt *attempt = data;
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/api/v1/events", attempt->port);
  g_autofree char *authorization = g_strconcat ("Authorization: Bearer ", attempt->token, NULL);
  struct curl_slist *headers = NULL;
  CURL *curl = curl_easy_init ();

  headers = curl_slist_append (headers, "Content-Type: application/json");
  headers = curl_slist_append (headers, "Expect:");
  headers = curl_slist_append (headers, authorization);
  curl_easy_setopt (curl, CURLOPT_URL, url);
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_TIMEOUT, 30L);
  curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, discard_cb);
  curl_easy_setopt (curl, CURLOPT_POSTFIELDS, g_bytes_get_data (attempt->body, NULL));
  curl_easy_setopt (curl, CURLOPT_POSTFIELDSIZE_LARGE,
                    (curl_off_t)g_bytes_get_size (attempt->body));
  attempt->code = curl_easy_perform (curl);
  if (attempt->code == CURLE_OK)
    curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &attempt->status);
  curl_slist_free_all (headers);
  curl_easy_cleanup (curl);
  return NULL;
}

/* Batches of 500 events, each sent while the server is killed a little later each time; the
 * batch is kept whole or not at all, and sending it again after the restart stores the rest. */
static void
test_restart_during_batch (void)
{
  const guint delays_ms[] = { 0, 3, 10, 25, 60, 150 };
  g_autoptr (MendTestDevice) device = mend_test_device_enrol (hq, team);
  guint cut_off = 0;

  add_events (device, 500 * G_N_ELEMENTS (delays_ms));
  for (guint round = 0; round < G_N_ELEMENTS (delays_ms); round++)
    {
      g_autoptr (GBytes) body = mend_test_device_batch (device, round * 500, 500);
      Attempt attempt = { hq->port, device->token, body, CURLE_OK, 0 };
      g_autoptr (MendWireResults) results = NULL;
      GThread *thread;
      gint64 held;
      long status = 0;
      guint acknowledged = 0;

      thread = g_thread_new ("attempt", attempt_thread, &attempt);
      g_usleep (delays_ms[round] * 1000);
      mend_test_hq_restart (hq, TRUE);
      g_thread_join (thread);
      cut_off += attempt.code != CURLE_OK;

      /* One transaction per batch: all of it or none of it survived the crash. */
      held = mend_test_hq_count (hq, "SELECT count(*) FROM events WHERE device = $1",
                                 device->device_id);
      if (held != round * 500 && held != (round + 1) * 500)
        g_error ("round %u: %" G_GINT64_FORMAT " events held", round, held);
      /* In one statement, so one snapshot: the killed server's backend may still be finishing
       * a COMMIT it was sent, and two separate reads could straddle it. */
      g_assert_cmpint (mend_test_hq_count (hq,
                                           "SELECT count(*) - (SELECT head_seq FROM devices"
                                           " WHERE id = $1) FROM events WHERE device = $1",
                                           device->device_id),
                       ==, 0);

      results = mend_test_device_push (device, round * 500, 500, &status);
      g_assert_cmpint (status, ==, 200);
      g_assert_true (results->chain_ok);
      g_assert_cmpint (results->head_seq, ==, (round + 1) * 500);
      for (guint i = 0; i < results->results->len; i++)
        acknowledged += mend_wire_status_acknowledges (
            ((MendWireResult *)g_ptr_array_index (results->results, i))->status);
      g_assert_cmpuint (acknowledged, ==, 500);
      g_assert_cmpint (mend_test_hq_count (hq, "SELECT count(*) FROM events WHERE device = $1",
                                           device->device_id),
                       ==, (round + 1) * 500);
    }
  /* Not a test of luck: at least one push must really have been cut off by the kill. */
  g_test_message ("%u of %" G_GSIZE_FORMAT " pushes were cut off by the kill", cut_off,
                  G_N_ELEMENTS (delays_ms));
  g_assert_cmpuint (cut_off, >=, 1);
}

int
main (int argc, char **argv)
{
  const char *const add[] = { "team", "add", "North Kettering", NULL };
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  curl_global_init (CURL_GLOBAL_DEFAULT);
  hq = mend_test_hq_start ();
  team = mend_test_hq_admin (hq, add);

  g_test_add_func ("/hq/load/fifty-devices", test_fifty_devices);
  g_test_add_func ("/hq/load/restart-during-batch", test_restart_during_batch);
  status = g_test_run ();

  mend_test_hq_stop (hq);
  g_free (team);
  curl_global_cleanup ();
  return status;
}
