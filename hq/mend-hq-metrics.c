/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-hq"

#include "config.h"

#include "mend-hq-private.h"

#include <string.h>

/* GET /metrics (PROTOCOL.md section 13): counters kept in this process, the device and
 * database gauges read from PostgreSQL when scraped. Labels come from fixed lists only
 * (endpoints, statuses, results), never from a device id, a person or a token, so the number
 * of series stays small whatever the clients send. */

static const char *const endpoints[] = {
  "enrol", "events", "blobs", "manifest", "healthz", "metrics", "dashboard", "other",
};
#define N_ENDPOINTS G_N_ELEMENTS (endpoints)

/* Upper bounds in seconds; the last bucket is +Inf. */
static const double buckets[] = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };
#define N_BUCKETS G_N_ELEMENTS (buckets)

static const char *const event_results[] = { "stored", "duplicate", "conflict", "invalid" };

typedef struct
{
  guint64 counts[N_BUCKETS + 1]; /* not cumulative; summed when rendered */
  double sum;
  guint64 n;
} Histogram;

static GMutex lock;
/* endpoint index × status (100–599): requests; the histograms by endpoint. */
static guint64 requests[N_ENDPOINTS][500];
static Histogram durations[N_ENDPOINTS];
static guint64 rate_limited[N_ENDPOINTS];
static guint64 events[G_N_ELEMENTS (event_results)];
static guint64 chain_breaks;
static guint64 blob_bytes;
static guint64 blobs_completed;
static guint64 blob_mismatches;
static guint64 partials_expired;
static GPtrArray *allowed; /* GInetAddressMask */

static guint
endpoint_index (const char *endpoint)
{
  for (guint i = 0; i < N_ENDPOINTS; i++)
    if (g_strcmp0 (endpoints[i], endpoint) == 0)
      return i;
  return N_ENDPOINTS - 1;
}

/**
 * mend_hq_metrics_endpoint:
 * @path: a request's path
 *
 * Returns: the `endpoint` label of @path: one of a fixed list, "other" for anything unknown.
 */
const char *
mend_hq_metrics_endpoint (const char *path)
{
  if (strcmp (path, "/api/v1/devices/enrol") == 0)
    return "enrol";
  if (strcmp (path, "/api/v1/events") == 0)
    return "events";
  if (g_str_has_prefix (path, "/api/v1/blobs/"))
    return "blobs";
  if (strcmp (path, "/api/v1/manifest") == 0)
    return "manifest";
  if (strcmp (path, "/healthz") == 0)
    return "healthz";
  if (strcmp (path, "/metrics") == 0)
    return "metrics";
  if (!g_str_has_prefix (path, "/api/"))
    return "dashboard";
  return "other";
}

void
mend_hq_metrics_request (const char *endpoint, unsigned int status, double seconds)
{
  guint e = endpoint_index (endpoint);
  guint b = 0;

  while (b < N_BUCKETS && seconds > buckets[b])
    b++;
  g_mutex_lock (&lock);
  if (status >= 100 && status < 600)
    requests[e][status - 100]++;
  durations[e].counts[b]++;
  durations[e].sum += seconds;
  durations[e].n++;
  g_mutex_unlock (&lock);
}

void
mend_hq_metrics_event (const char *result)
{
  for (guint i = 0; i < G_N_ELEMENTS (event_results); i++)
    if (g_strcmp0 (event_results[i], result) == 0)
      __atomic_add_fetch (&events[i], 1, __ATOMIC_RELAXED);
}

/* The counters below are only ever added to; 64-bit atomics keep them exact without the lock. */
void
mend_hq_metrics_chain_break (void)
{
  __atomic_add_fetch (&chain_breaks, 1, __ATOMIC_RELAXED);
}

void
mend_hq_metrics_blob_bytes (guint64 n)
{
  __atomic_add_fetch (&blob_bytes, n, __ATOMIC_RELAXED);
}

void
mend_hq_metrics_blob_completed (void)
{
  __atomic_add_fetch (&blobs_completed, 1, __ATOMIC_RELAXED);
}

void
mend_hq_metrics_blob_mismatch (void)
{
  __atomic_add_fetch (&blob_mismatches, 1, __ATOMIC_RELAXED);
}

void
mend_hq_metrics_partial_expired (void)
{
  __atomic_add_fetch (&partials_expired, 1, __ATOMIC_RELAXED);
}

void
mend_hq_metrics_rate_limited (const char *endpoint)
{
  __atomic_add_fetch (&rate_limited[endpoint_index (endpoint)], 1, __ATOMIC_RELAXED);
}

static guint64
load (const guint64 *counter)
{
  return __atomic_load_n (counter, __ATOMIC_RELAXED);
}

/**
 * mend_hq_metrics_allow:
 * @list: addresses or CIDR masks, separated by commas
 *
 * Sets who may read /metrics; called once before the daemon starts.
 */
gboolean
mend_hq_metrics_allow (const char *list, GError **error)
{
  g_auto (GStrv) items = g_strsplit (list, ",", -1);

  allowed = g_ptr_array_new_with_free_func (g_object_unref);
  for (char **item = items; *item != NULL; item++)
    {
      GInetAddressMask *mask;

      g_strstrip (*item);
      if (**item == '\0')
        continue;
      mask = g_inet_address_mask_new_from_string (*item, error);
      if (mask == NULL)
        {
          g_prefix_error (error, "metrics-allow: ");
          return FALSE;
        }
      g_ptr_array_add (allowed, mask);
    }
  return TRUE;
}

static gboolean
is_allowed (const char *client_address)
{
  g_autoptr (GInetAddress) address = g_inet_address_new_from_string (client_address);

  if (address == NULL || allowed == NULL)
    return FALSE;
  for (guint i = 0; i < allowed->len; i++)
    {
      GInetAddressMask *mask = g_ptr_array_index (allowed, i);

      if (g_inet_address_get_family (address) == g_inet_address_mask_get_family (mask)
          && g_inet_address_mask_matches (mask, address))
        return TRUE;
    }
  return FALSE;
}

static void
render_devices (GString *text, PGconn *conn)
{
  g_autoptr (PGresult) result = NULL;
  gboolean up;

  if (conn != NULL)
    result = PQexec (conn, "SELECT count(*) FILTER (WHERE revoked_at IS NULL),"
                           " count(*) FILTER (WHERE revoked_at IS NOT NULL) FROM devices");
  up = PQresultStatus (result) == PGRES_TUPLES_OK;
  /* Without a database there is no honest device count: the gauge is left out rather than
   * reported as zero. */
  if (up)
    g_string_append_printf (text,
                            "# HELP mend_devices Enrolled devices.\n"
                            "# TYPE mend_devices gauge\n"
                            "mend_devices{state=\"active\"} %s\n"
                            "mend_devices{state=\"revoked\"} %s\n",
                            PQgetvalue (result, 0, 0), PQgetvalue (result, 0, 1));
  g_string_append_printf (text,
                          "# HELP mend_database_up Whether PostgreSQL answered this scrape.\n"
                          "# TYPE mend_database_up gauge\n"
                          "mend_database_up %d\n",
                          up ? 1 : 0);
}

static void
render_counter (GString *text, const char *name, const char *help, const guint64 *counter)
{
  g_string_append_printf (text, "# HELP %s %s\n# TYPE %s counter\n%s %" G_GUINT64_FORMAT "\n", name,
                          help, name, name, load (counter));
}

static GBytes *
render (PGconn *conn)
{
  GString *text = g_string_new (NULL);

  g_mutex_lock (&lock);
  g_string_append (text, "# HELP mend_http_requests_total HTTP requests answered.\n"
                         "# TYPE mend_http_requests_total counter\n");
  for (guint e = 0; e < N_ENDPOINTS; e++)
    for (guint s = 0; s < 500; s++)
      if (requests[e][s] > 0)
        g_string_append_printf (text,
                                "mend_http_requests_total{endpoint=\"%s\",status=\"%u\"} "
                                "%" G_GUINT64_FORMAT "\n",
                                endpoints[e], s + 100, requests[e][s]);
  g_string_append (text, "# HELP mend_http_request_duration_seconds Time to answer a request.\n"
                         "# TYPE mend_http_request_duration_seconds histogram\n");
  for (guint e = 0; e < N_ENDPOINTS; e++)
    {
      guint64 cumulative = 0;

      if (durations[e].n == 0)
        continue;
      for (guint b = 0; b <= N_BUCKETS; b++)
        {
          char le[G_ASCII_DTOSTR_BUF_SIZE];

          cumulative += durations[e].counts[b];
          if (b < N_BUCKETS)
            g_ascii_formatd (le, sizeof le, "%g", buckets[b]);
          else
            g_strlcpy (le, "+Inf", sizeof le);
          g_string_append_printf (text,
                                  "mend_http_request_duration_seconds_bucket{endpoint=\"%s\","
                                  "le=\"%s\"} %" G_GUINT64_FORMAT "\n",
                                  endpoints[e], le, cumulative);
        }
      {
        char sum[G_ASCII_DTOSTR_BUF_SIZE];

        g_ascii_formatd (sum, sizeof sum, "%.6f", durations[e].sum);
        g_string_append_printf (text,
                                "mend_http_request_duration_seconds_sum{endpoint=\"%s\"} %s\n"
                                "mend_http_request_duration_seconds_count{endpoint=\"%s\"} "
                                "%" G_GUINT64_FORMAT "\n",
                                endpoints[e], sum, endpoints[e], durations[e].n);
      }
    }
  g_mutex_unlock (&lock);

  g_string_append (text, "# HELP mend_events_total Events of pushed batches, by result.\n"
                         "# TYPE mend_events_total counter\n");
  for (guint i = 0; i < G_N_ELEMENTS (event_results); i++)
    g_string_append_printf (text, "mend_events_total{result=\"%s\"} %" G_GUINT64_FORMAT "\n",
                            event_results[i], load (&events[i]));
  render_counter (text, "mend_chain_breaks_total", "Batches that broke a device's chain.",
                  &chain_breaks);
  render_counter (text, "mend_blob_bytes_received_total", "Blob bytes written to disk.",
                  &blob_bytes);
  render_counter (text, "mend_blobs_completed_total", "Blobs verified and stored.",
                  &blobs_completed);
  render_counter (text, "mend_blob_hash_mismatches_total",
                  "Finished blobs whose SHA-256 was not their name.", &blob_mismatches);
  render_counter (text, "mend_blob_partials_expired_total",
                  "Partial uploads deleted after lying untouched.", &partials_expired);
  g_string_append (text, "# HELP mend_rate_limited_total Requests refused with 429.\n"
                         "# TYPE mend_rate_limited_total counter\n");
  for (guint e = 0; e < N_ENDPOINTS; e++)
    g_string_append_printf (text,
                            "mend_rate_limited_total{endpoint=\"%s\"} %" G_GUINT64_FORMAT "\n",
                            endpoints[e], load (&rate_limited[e]));
  render_devices (text, conn);
  return g_string_free_to_bytes (text);
}

void
mend_hq_handle_metrics (PGconn *conn, const MendHqRequest *request, MendHqAnswer *answer)
{
  if (!is_allowed (request->client_address))
    {
      mend_hq_answer_error (answer, request, "forbidden", "this address may not read the metrics");
      return;
    }
  mend_hq_answer_json (answer, 200, render (conn));
  answer->content_type = "text/plain; version=0.0.4; charset=utf-8";
}
