/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Event ingest at HQ: fifty devices push their own hash-chained logs at once over HTTP to the
 * real mend-hq (each batch checked against the chain, one transaction per batch), against a
 * floor measured in the same run on the same PostgreSQL: the same rows written by fifty libpq
 * connections as plain multi-row INSERTs, one transaction per batch, into a table of the same
 * columns, constraints and indexes. The ratio shows what HQ's checks and HTTP add.
 *
 *   bench-hq-ingest [-d DEVICES] [-e EVENTS_PER_DEVICE] [-b BATCH] [-t SERVER_THREADS]
 *
 * The throwaway cluster runs with fsync=off (as every HQ test does), for both sides alike. */
#define G_LOG_DOMAIN "mend-bench"

#include "config.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "mend-bench-util.h"
#include "mend-canonical.h"
#include "mend-test-hq-device.h"

#define TARGET_RATIO 0.5

static int n_devices = 50;
static int n_events = 400;
static int batch = 50;
static int n_threads = 4;

static MendTestHq *hq;

typedef struct
{
  MendTestDevice *device;
  GPtrArray *bodies; /* GBytes, one per batch */
  GArray *latencies_ms;
  gboolean failed;
} Pusher;

static size_t
discard_cb (char *data, size_t size, size_t n, void *user_data)
{
  g_string_append_len (user_data, data, size * n);
  return size * n;
}

/* One device: its batches one after the other on one kept-alive connection, as the device's
 * sync engine sends them. */
static gpointer
push_thread (gpointer data)
{
  Pusher *pusher = data;
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/api/v1/events", hq->port);
  g_autofree char *authorization
      = g_strconcat ("Authorization: Bearer ", pusher->device->token, NULL);
  g_autoptr (GString) answer = g_string_new (NULL);
  struct curl_slist *headers = NULL;
  CURL *curl = curl_easy_init ();

  headers = curl_slist_append (headers, "Content-Type: application/json");
  headers = curl_slist_append (headers, "Expect:");
  headers = curl_slist_append (headers, authorization);
  curl_easy_setopt (curl, CURLOPT_URL, url);
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_TIMEOUT, 120L);
  curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, discard_cb);
  curl_easy_setopt (curl, CURLOPT_WRITEDATA, answer);
  for (guint i = 0; i < pusher->bodies->len; i++)
    {
      GBytes *body = g_ptr_array_index (pusher->bodies, i);
      double started = mend_bench_now_ms ();
      long status = 0;

      g_string_truncate (answer, 0);
      curl_easy_setopt (curl, CURLOPT_POSTFIELDS, g_bytes_get_data (body, NULL));
      curl_easy_setopt (curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)g_bytes_get_size (body));
      if (curl_easy_perform (curl) != CURLE_OK)
        pusher->failed = TRUE;
      curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
      /* Every event of the batch must have been stored, or the figure means nothing. */
      if (status != 200 || strstr (answer->str, "\"ok\":true") == NULL
          || strstr (answer->str, "\"invalid\"") != NULL)
        pusher->failed = TRUE;
      {
        double elapsed = mend_bench_now_ms () - started;

        g_array_append_val (pusher->latencies_ms, elapsed);
      }
    }
  curl_slist_free_all (headers);
  curl_easy_cleanup (curl);
  return NULL;
}

typedef struct
{
  MendTestDevice *device;
  GArray *latencies_ms;
  gboolean failed;
} Inserter;

/* The floor: the same rows, the same batches, as one multi-row INSERT per transaction. */
static gpointer
insert_thread (gpointer data)
{
  Inserter *inserter = data;
  PGconn *conn = mend_test_hq_connect (hq);

  for (int from = 0; from < n_events; from += batch)
    {
      g_autoptr (GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
      g_autoptr (GArray) lengths = g_array_new (FALSE, FALSE, sizeof (int));
      g_autoptr (GArray) formats = g_array_new (FALSE, FALSE, sizeof (int));
      g_autoptr (GPtrArray) canonicals
          = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
      g_autoptr (GString) sql = g_string_new (
          "INSERT INTO bench_events (device, seq, id, kind, prev_hash, hash, canonical, payload,"
          " status) VALUES ");
      g_autoptr (GPtrArray) params = g_ptr_array_new ();
      double started = mend_bench_now_ms ();
      PGresult *result;
      int n = 0;

      for (int i = from; i < from + batch && i < n_events; i++, n++)
        {
          const MendEventRow *row = g_ptr_array_index (inserter->device->rows, i);
          MendEventFields fields;
          GBytes *canonical;

          const char *texts[] = { inserter->device->device_id,
                                  NULL,
                                  row->id,
                                  row->kind,
                                  row->prev_hash,
                                  row->hash,
                                  NULL,
                                  row->payload };
          int base = n * 8;

          mend_event_row_get_fields (row, inserter->device->device_id, &fields);
          canonical = mend_canonical_event_bytes (&fields);
          g_ptr_array_add (canonicals, canonical);
          g_string_append_printf (sql,
                                  "%s($%d, $%d::bigint, $%d, $%d, $%d, $%d, $%d, $%d::jsonb,"
                                  " 'stored')",
                                  n > 0 ? ", " : "", base + 1, base + 2, base + 3, base + 4,
                                  base + 5, base + 6, base + 7, base + 8);
          for (int k = 0; k < 8; k++)
            {
              char *value;
              int length = 0, format = 0;

              if (k == 1)
                value = g_strdup_printf ("%" G_GINT64_FORMAT, row->seq);
              else if (k == 6)
                {
                  gsize size;
                  const void *bytes = g_bytes_get_data (canonical, &size);

                  value = g_memdup2 (bytes, size);
                  length = (int)size;
                  format = 1;
                }
              else
                value = g_strdup (texts[k]);
              g_ptr_array_add (values, value);
              g_array_append_val (lengths, length);
              g_array_append_val (formats, format);
            }
        }
      PQclear (PQexec (conn, "BEGIN"));
      result = PQexecParams (conn, sql->str, (int)values->len, NULL,
                             (const char *const *)values->pdata, (int *)lengths->data,
                             (int *)formats->data, 0);
      if (PQresultStatus (result) != PGRES_COMMAND_OK)
        {
          g_printerr ("baseline insert: %s", PQresultErrorMessage (result));
          inserter->failed = TRUE;
        }
      PQclear (result);
      PQclear (PQexec (conn, "COMMIT"));
      {
        double elapsed = mend_bench_now_ms () - started;

        g_array_append_val (inserter->latencies_ms, elapsed);
      }
    }
  PQfinish (conn);
  return NULL;
}

static void
add_events (MendTestDevice *device)
{
  for (int i = 0; i < n_events; i++)
    {
      g_autoptr (GBytes) photo = mend_test_random_bytes (32);

      mend_test_device_add_photo (device, photo);
    }
}

typedef struct
{
  double seconds;
  double events_per_second;
  double p50_ms, p99_ms;
} Figures;

static void
print_figures (const char *what, const Figures *figures)
{
  printf ("%-34s %9.0f events/s   %6.2f s   batch p50 %7.1f ms   p99 %7.1f ms\n", what,
          figures->events_per_second, figures->seconds, figures->p50_ms, figures->p99_ms);
}

static Figures
run_hq (const char *team)
{
  Pusher *pushers = g_new0 (Pusher, n_devices);
  GThread **threads = g_new (GThread *, n_devices);
  g_autoptr (GArray) all = g_array_new (FALSE, FALSE, sizeof (double));
  Figures figures = { 0 };
  double started;

  for (int d = 0; d < n_devices; d++)
    {
      pushers[d].device = mend_test_device_enrol (hq, team);
      add_events (pushers[d].device);
      pushers[d].bodies = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
      for (int from = 0; from < n_events; from += batch)
        g_ptr_array_add (pushers[d].bodies,
                         mend_test_device_batch (pushers[d].device, from, batch));
      pushers[d].latencies_ms = g_array_new (FALSE, FALSE, sizeof (double));
    }
  started = mend_bench_now_ms ();
  for (int d = 0; d < n_devices; d++)
    threads[d] = g_thread_new ("push", push_thread, &pushers[d]);
  for (int d = 0; d < n_devices; d++)
    g_thread_join (threads[d]);
  figures.seconds = (mend_bench_now_ms () - started) / 1000;
  for (int d = 0; d < n_devices; d++)
    {
      if (pushers[d].failed)
        g_error ("a device's push failed; see the server's log");
      g_array_append_vals (all, pushers[d].latencies_ms->data, pushers[d].latencies_ms->len);
    }
  figures.events_per_second = n_devices * n_events / figures.seconds;
  figures.p50_ms = mend_bench_percentile (all, 50);
  figures.p99_ms = mend_bench_percentile (all, 99);

  /* The same rows again, as the floor, on the same database. */
  {
    Inserter *inserters = g_new0 (Inserter, n_devices);
    g_autoptr (GArray) floor_all = g_array_new (FALSE, FALSE, sizeof (double));
    Figures floor_figures = { 0 };

    mend_test_hq_exec (hq, "TRUNCATE bench_events", NULL);
    for (int d = 0; d < n_devices; d++)
      {
        inserters[d].device = pushers[d].device;
        inserters[d].latencies_ms = g_array_new (FALSE, FALSE, sizeof (double));
      }
    started = mend_bench_now_ms ();
    for (int d = 0; d < n_devices; d++)
      threads[d] = g_thread_new ("insert", insert_thread, &inserters[d]);
    for (int d = 0; d < n_devices; d++)
      g_thread_join (threads[d]);
    floor_figures.seconds = (mend_bench_now_ms () - started) / 1000;
    for (int d = 0; d < n_devices; d++)
      {
        if (inserters[d].failed)
          g_error ("the baseline insert failed");
        g_array_append_vals (floor_all, inserters[d].latencies_ms->data,
                             inserters[d].latencies_ms->len);
        g_array_unref (inserters[d].latencies_ms);
      }
    floor_figures.events_per_second = n_devices * n_events / floor_figures.seconds;
    floor_figures.p50_ms = mend_bench_percentile (floor_all, 50);
    floor_figures.p99_ms = mend_bench_percentile (floor_all, 99);
    print_figures ("mend-hq POST /api/v1/events", &figures);
    print_figures ("libpq multi-row INSERT (floor)", &floor_figures);
    printf ("ratio (mend-hq / floor)            %.2fx   (target >= %.1fx)\n",
            figures.events_per_second / floor_figures.events_per_second, TARGET_RATIO);
    g_free (inserters);
  }

  for (int d = 0; d < n_devices; d++)
    {
      mend_test_device_free (pushers[d].device);
      g_ptr_array_unref (pushers[d].bodies);
      g_array_unref (pushers[d].latencies_ms);
    }
  g_free (pushers);
  g_free (threads);
  return figures;
}

int
main (int argc, char **argv)
{
  const char *const add[] = { "team", "add", "Bench", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (GOptionContext) context = g_option_context_new ("— HQ event ingest");
  const GOptionEntry entries[] = {
    { "devices", 'd', 0, G_OPTION_ARG_INT, &n_devices, "Devices pushing at once", "N" },
    { "events", 'e', 0, G_OPTION_ARG_INT, &n_events, "Events per device", "N" },
    { "batch", 'b', 0, G_OPTION_ARG_INT, &batch, "Events per batch (1–500)", "N" },
    { "threads", 't', 0, G_OPTION_ARG_INT, &n_threads, "mend-hq worker threads", "N" },
    { NULL },
  };
  g_autofree char *team = NULL;
  g_autofree char *threads_text = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  n_devices = CLAMP (n_devices, 1, 500);
  batch = CLAMP (batch, 1, 500);
  n_events = MAX (n_events, batch);
  curl_global_init (CURL_GLOBAL_DEFAULT);
  n_threads = CLAMP (n_threads, 1, 64);
  threads_text = g_strdup_printf ("%d", n_threads);
  {
    const char *const serve_args[] = { "--threads", threads_text, NULL };

    hq = mend_test_hq_start_with (serve_args);
  }
  team = mend_test_hq_admin (hq, add);
  /* The floor's table: the events table's columns, checks, uniqueness and indexes. LIKE does
   * not copy a foreign key, so the one to devices is added: without it the floor would skip
   * the check PostgreSQL makes for every row HQ inserts. */
  mend_test_hq_exec (hq,
                     "CREATE TABLE bench_events (LIKE events INCLUDING DEFAULTS"
                     " INCLUDING CONSTRAINTS INCLUDING INDEXES)",
                     NULL);
  mend_test_hq_exec (
      hq, "ALTER TABLE bench_events ADD FOREIGN KEY (device) REFERENCES devices (id)", NULL);

  printf ("# %d devices x %d events, batches of %d; mend-hq with %d worker threads; PostgreSQL"
          " 15 with fsync=off for both sides\n",
          n_devices, n_events, batch, n_threads);
  /* A first round warms both sides (connections, caches, plans); the second is the figure. */
  printf ("# warm-up round\n");
  run_hq (team);
  printf ("# measured round\n");
  run_hq (team);

  mend_test_hq_stop (hq);
  curl_global_cleanup ();
  return 0;
}
