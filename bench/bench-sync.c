/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The device's sync engine against the floor of plain HTTP, on loopback to a real mend-hq and
 * PostgreSQL started for the run (tests/mend-test-hq.c):
 *
 * (a) A day's work — 300 events, 30 of them photo.taken naming 3 MB photos (random bytes in
 *     JPEG markers, named by their SHA-256) — sent by one engine pass, against libcurl's easy
 *     interface sending the same bytes to the same server in the same run: the same event
 *     batches (encoded by the same codec, 200 a batch), the manifest GET, and each photo PATCHed
 *     in the same 512 KiB chunks. Each side gets its own device, recorded the same way, so HQ
 *     stores the same amount for both. Target: engine ≤ 1.25 × curl.
 * (b) The same day through the cutting proxy (tests/mend-cutting-proxy.c) cutting 20
 *     connections at random: passes until HQ holds everything; request-body bytes sent against
 *     the payload. Target: ≤ 1.05 ×.
 *
 *   bench-sync [-r ROUNDS] [-n EVENTS] [-p PHOTOS] [-s MIB_PER_PHOTO] [-c CUTS] [-k CHUNK_KIB]
 */
#define G_LOG_DOMAIN "mend-bench"

#include "config.h"

#include <curl/curl.h>
#include <stdio.h>

#include "mend-bench-util.h"
#include "mend-cutting-proxy.h"
#include "mend-sync-token.h"
#include "mend-wire.h"
#include "test-sync-util.h"

#define TARGET_TIME_RATIO  1.25
#define TARGET_BYTES_RATIO 1.05

static int rounds = 3;
static int n_events = 300;
static int n_photos = 30;
static int photo_mib = 3;
static int n_cuts = 20;
static int chunk_kib = MEND_SYNC_CHUNK_BYTES / 1024;

typedef struct
{
  SyncDevice d;
  GPtrArray *photos;  /* sha256 */
  GPtrArray *batches; /* GBytes: the event batches as the engine encodes them */
  guint64 payload;    /* batch bodies + photo bytes */
} Day;

/* A day of @n_events events on a new, enrolled device, @n_photos of them photos. */
static void
day_record (Day *day)
{
  g_autofree char *session_id = mend_test_session_id (0);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  gint64 recorded;

  sync_device_open (&day->d, NULL);
  sync_device_enrol_ok (&day->d);
  day->photos = sync_device_record_day (&day->d, 0, n_photos, (gsize)photo_mib * 1024 * 1024);
  recorded = sync_device_count (&day->d, "pending");
  for (gint64 i = recorded; i < n_events; i++)
    g_free (mend_test_record_ok (day->d.store,
                                 mend_command_tally (session_id, "bags", i % 2 ? -1 : 1)));
  g_assert_cmpint (sync_device_count (&day->d, "pending"), ==, MAX (n_events, recorded));

  rows = mend_store_sync_pending_events (day->d.store, G_MAXINT, &error);
  g_assert_no_error (error);
  day->batches = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  day->payload = 0;
  for (guint at = 0; at < rows->len; at += MEND_SYNC_DEFAULT_BATCH)
    {
      g_autoptr (GPtrArray) batch = g_ptr_array_new ();
      GBytes *body;

      for (guint i = at; i < MIN (rows->len, at + MEND_SYNC_DEFAULT_BATCH); i++)
        g_ptr_array_add (batch, g_ptr_array_index (rows, i));
      body = mend_wire_encode_events (mend_store_get_device_id (day->d.store), batch, &error);
      g_assert_no_error (error);
      day->payload += g_bytes_get_size (body);
      g_ptr_array_add (day->batches, body);
    }
  day->payload += (guint64)day->photos->len * photo_mib * 1024 * 1024;
}

static void
day_clear (Day *day)
{
  g_clear_pointer (&day->photos, g_ptr_array_unref);
  g_clear_pointer (&day->batches, g_ptr_array_unref);
  sync_device_close (&day->d, NULL);
}

static size_t
discard_cb (char *data, size_t size, size_t n, void *user_data)
{
  return size * n;
}

static long
perform (CURL *curl,
         const char *method,
         const char *url,
         struct curl_slist *headers,
         const void *body,
         gsize length)
{
  long status = 0;

  curl_easy_setopt (curl, CURLOPT_URL, url);
  curl_easy_setopt (curl, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt (curl, CURLOPT_NOBODY, 0L);
  curl_easy_setopt (curl, CURLOPT_HTTPGET, body == NULL ? 1L : 0L);
  if (body != NULL)
    {
      curl_easy_setopt (curl, CURLOPT_POSTFIELDS, body);
      curl_easy_setopt (curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)length);
    }
  g_assert_cmpint (curl_easy_perform (curl), ==, CURLE_OK);
  curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
  return status;
}

/* The floor: the same requests from libcurl's easy interface on one kept-alive connection,
 * photos read from the same files in the same chunks. Returns milliseconds. */
static double
send_with_curl (Day *day)
{
  g_autofree char *base = sync_test_url ();
  g_autofree char *token_path = mend_sync_token_path (day->d.path);
  g_autoptr (GError) error = NULL;
  g_autofree char *token = mend_sync_token_load (token_path, &error);
  g_autofree char *authorization = g_strconcat ("Authorization: Bearer ", token, NULL);
  gsize chunk = (gsize)chunk_kib * 1024;
  CURL *curl = curl_easy_init ();
  struct curl_slist *json = NULL;
  double start;

  g_assert_no_error (error);
  json = curl_slist_append (json, authorization);
  json = curl_slist_append (json, "Content-Type: application/json");
  json = curl_slist_append (json, "Expect:");
  curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, discard_cb);
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);

  start = mend_bench_now_ms ();
  for (guint i = 0; i < day->batches->len; i++)
    {
      g_autofree char *url = g_strconcat (base, "/api/v1/events", NULL);
      gsize length = 0;
      const void *body = g_bytes_get_data (g_ptr_array_index (day->batches, i), &length);

      g_assert_cmpint (perform (curl, "POST", url, json, body, length), ==, 200);
    }
  for (guint p = 0; p < day->photos->len; p++)
    {
      const char *sha256 = g_ptr_array_index (day->photos, p);
      g_autofree char *path = mend_store_photo_path (day->d.store, sha256);
      g_autofree char *blob_path = mend_wire_blob_path (sha256);
      g_autofree char *url = g_strconcat (base, blob_path, NULL);
      g_autofree char *data = NULL;
      gsize size = 0;

      g_assert_true (g_file_get_contents (path, &data, &size, &error));
      for (gsize offset = 0; offset < size; offset += chunk)
        {
          g_autofree char *offset_header
              = g_strdup_printf ("Upload-Offset: %" G_GSIZE_FORMAT, offset);
          g_autofree char *length_header
              = g_strdup_printf ("Upload-Length: %" G_GSIZE_FORMAT, size);
          struct curl_slist *patch = NULL;

          patch = curl_slist_append (patch, authorization);
          patch = curl_slist_append (patch, "Content-Type: application/offset+octet-stream");
          patch = curl_slist_append (patch, "Expect:");
          patch = curl_slist_append (patch, offset_header);
          patch = curl_slist_append (patch, length_header);
          g_assert_cmpint (
              perform (curl, "PATCH", url, patch, data + offset, MIN (chunk, size - offset)), ==,
              204);
          curl_slist_free_all (patch);
        }
    }
  {
    g_autofree char *url = g_strconcat (base, "/api/v1/manifest", NULL);

    g_assert_cmpint (perform (curl, "GET", url, json, NULL, 0), ==, 200);
  }
  start = mend_bench_now_ms () - start;
  curl_slist_free_all (json);
  curl_easy_cleanup (curl);
  return start;
}

static double
send_with_engine (Day *day)
{
  double start;
  g_autoptr (MendSyncReport) report = NULL;

  mend_sync_engine_set_chunk_size (day->d.engine, (gsize)chunk_kib * 1024);
  start = mend_bench_now_ms ();
  report = sync_device_run_ok (&day->d);

  start = mend_bench_now_ms () - start;
  g_assert_cmpint (report->state, ==, MEND_SYNC_STATE_COMPLETE);
  g_assert_cmpint (report->events_acknowledged, ==, n_events);
  g_assert_cmpint (report->photos_uploaded, ==, n_photos);
  return start;
}

static int
compare_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *)a, y = *(const double *)b;

  return (x > y) - (x < y);
}

static double
median (GArray *samples)
{
  g_array_sort (samples, compare_double);
  return g_array_index (samples, double, samples->len / 2);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_autoptr (GArray) engine_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) curl_ms = g_array_new (FALSE, FALSE, sizeof (double));
  GOptionEntry entries[] = {
    { "rounds", 'r', 0, G_OPTION_ARG_INT, &rounds, "Rounds of (a), each side once", "N" },
    { "events", 'n', 0, G_OPTION_ARG_INT, &n_events, "Events in the day (300)", "N" },
    { "photos", 'p', 0, G_OPTION_ARG_INT, &n_photos, "Photos in the day (30)", "N" },
    { "size", 's', 0, G_OPTION_ARG_INT, &photo_mib, "MiB per photo (3)", "MIB" },
    { "cuts", 'c', 0, G_OPTION_ARG_INT, &n_cuts, "Connections cut in (b) (20)", "N" },
    { "chunk", 'k', 0, G_OPTION_ARG_INT, &chunk_kib, "Photo chunk, both sides (512)", "KIB" },
    { NULL },
  };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  curl_global_init (CURL_GLOBAL_DEFAULT);
  sync_test_hq_start ();
  printf ("A day: %d events, %d photos of %d MiB; mend-hq and PostgreSQL on loopback.\n", n_events,
          n_photos, photo_mib);

  /* (a) Alternating, so neither side always meets a fresher database. */
  for (int r = 0; r < rounds; r++)
    for (int side = 0; side < 2; side++)
      {
        Day day = { 0 };
        double ms;
        gboolean curl_side = (r + side) % 2 == 0;

        day_record (&day);
        ms = curl_side ? send_with_curl (&day) : send_with_engine (&day);
        g_array_append_val (curl_side ? curl_ms : engine_ms, ms);
        printf ("  round %d %-6s %8.1f ms  (%.1f MB/s)\n", r + 1, curl_side ? "curl" : "engine", ms,
                (double)day.payload / 1e6 / (ms / 1000));
        day_clear (&day);
      }
  {
    double e = median (engine_ms), c = median (curl_ms);
    double e_min = g_array_index (engine_ms, double, 0), c_min = g_array_index (curl_ms, double, 0);

    /* median() sorted them: the first is the fastest, the least disturbed by other load. */
    printf ("(a) engine pass %.1f ms, curl %.1f ms (medians of %d): ratio %.3f (target <= %.2f); "
            "fastest runs %.1f / %.1f ms: ratio %.3f\n",
            e, c, rounds, e / c, TARGET_TIME_RATIO, e_min, c_min, e_min / c_min);
  }

  /* (b) Through the cutting proxy. */
  {
    Day day = { 0 };
    g_autoptr (MendCuttingProxy) proxy = NULL;
    g_autofree char *url = NULL;
    guint64 sent = 0;
    guint passes = 0;
    double start;

    day_record (&day);
    proxy = mend_cutting_proxy_new (sync_test_hq->port, 2026);
    /* Budgets up to a tenth of the day, so the cuts fall all through it. */
    mend_cutting_proxy_set_cuts (proxy, (guint)n_cuts, 1024, day.payload / 10);
    url = mend_cutting_proxy_get_url (proxy);
    sync_device_point_at (&day.d, url);
    start = mend_bench_now_ms ();
    for (;;)
      {
        g_autoptr (MendSyncReport) report = sync_device_run_ok (&day.d);

        passes++;
        sent += report->bytes_sent;
        if (report->state == MEND_SYNC_STATE_COMPLETE)
          break;
        g_assert_cmpint (report->state, ==, MEND_SYNC_STATE_WAITING);
        g_assert_cmpuint (passes, <, 500);
      }
    start = mend_bench_now_ms () - start;
    printf ("(b) %u cuts in %u connections, %u passes, %.1f ms: request bodies %" G_GUINT64_FORMAT
            " bytes for a payload of %" G_GUINT64_FORMAT
            ": ratio %.4f (target <= %.2f); with headers, through the proxy: %.4f\n",
            mend_cutting_proxy_get_cuts (proxy), mend_cutting_proxy_get_connections (proxy), passes,
            start, sent, day.payload, (double)sent / (double)day.payload, TARGET_BYTES_RATIO,
            (double)mend_cutting_proxy_get_bytes_up (proxy) / (double)day.payload);
    day_clear (&day);
  }

  sync_test_hq_stop ();
  curl_global_cleanup ();
  return 0;
}
