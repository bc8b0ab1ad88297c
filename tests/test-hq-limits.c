/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-test"

#include "config.h"

#include <curl/curl.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mend-test-hq-device.h"
#include "mend-test-reliability.h"

/* Limits (PROTOCOL.md section 8) and /metrics (section 13) of the real server. The harness's
 * server has no rate limits; each scenario starts a second server on the same database with
 * the limits it tests, set low so the test stays fast. */

static MendTestHq *hq;
static char *team;

/* A view of the harness aimed at another server's port. */
static MendTestHq
at_port (guint16 port)
{
  MendTestHq view = *hq;

  view.port = port;
  return view;
}

static GSubprocess *
spawn (const char *const *extra, guint16 *out_port)
{
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  GSubprocess *server;

  g_ptr_array_add (args, "--database");
  g_ptr_array_add (args, hq->conninfo);
  g_ptr_array_add (args, "--listen");
  g_ptr_array_add (args, "127.0.0.1:0");
  g_ptr_array_add (args, "--blobs");
  g_ptr_array_add (args, hq->blobs);
  for (; *extra != NULL; extra++)
    g_ptr_array_add (args, (char *)*extra);
  g_ptr_array_add (args, NULL);
  server = mend_test_hq_spawn (hq, (const char *const *)args->pdata, out_port);
  g_assert_nonnull (server);
  return server;
}

static size_t
append_cb (char *data, size_t size, size_t n, void *user_data)
{
  g_string_append_len (user_data, data, size * n);
  return size * n;
}

/* One request from a chosen loopback source address, which the harness cannot do. */
static long
request_from (guint16 port,
              const char *source,
              const char *method,
              const char *path,
              const char *json,
              GString *out_body)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u%s", port, path);
  g_autofree char *interface = g_strconcat ("host!", source, NULL);
  struct curl_slist *headers = NULL;
  CURL *curl = curl_easy_init ();
  long status = 0;

  headers = curl_slist_append (headers, "Content-Type: application/json");
  headers = curl_slist_append (headers, "Expect:");
  curl_easy_setopt (curl, CURLOPT_URL, url);
  curl_easy_setopt (curl, CURLOPT_INTERFACE, interface);
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_TIMEOUT, 30L);
  curl_easy_setopt (curl, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
  if (json != NULL)
    curl_easy_setopt (curl, CURLOPT_POSTFIELDS, json);
  curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, append_cb);
  curl_easy_setopt (curl, CURLOPT_WRITEDATA, out_body);
  g_assert_cmpint (curl_easy_perform (curl), ==, CURLE_OK);
  curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all (headers);
  curl_easy_cleanup (curl);
  return status;
}

/* An event HQ's rules accept from any team: a photo of no session. */
static void
add_event (MendTestDevice *device)
{
  g_autoptr (GBytes) photo = mend_test_random_bytes (64);

  mend_test_device_add_photo (device, photo);
}

static MendTestHttp *
head_unknown_blob (MendTestHq *server, MendTestDevice *device)
{
  g_autoptr (GBytes) bytes = mend_test_random_bytes (16);
  g_autofree char *sha256 = mend_test_sha256_hex (bytes);
  g_autofree char *path = g_strconcat ("/api/v1/blobs/", sha256, NULL);

  return mend_test_hq_request (server, "HEAD", path, device->token, NULL, NULL, 0);
}

static void
test_device_rate (void)
{
  const char *const args[] = { "--device-rate", "60", "--device-burst", "5", NULL };
  g_autoptr (MendTestDevice) device = mend_test_device_enrol (hq, team);
  g_autoptr (MendTestDevice) other = mend_test_device_enrol (hq, team);
  guint16 port;
  GSubprocess *server = spawn (args, &port);
  MendTestHq limited = at_port (port);
  MendTestHttp *http;
  const char *retry_after;
  guint64 seconds = 0;

  /* A burst of five, then the sixth request waits for the bucket to refill (1 a second). */
  for (int i = 0; i < 5; i++)
    {
      http = head_unknown_blob (&limited, device);
      g_assert_cmpint (http->status, ==, 404);
      mend_test_http_free (http);
    }
  add_event (device);
  {
    g_autoptr (GBytes) body = mend_test_device_batch (device, 0, 1);

    http = mend_test_hq_request (&limited, "POST", "/api/v1/events", device->token,
                                 "application/json", g_bytes_get_data (body, NULL),
                                 g_bytes_get_size (body));
  }
  mend_test_http_assert_refused (http, 429, "rate_limited");
  retry_after = mend_test_http_header (http, "Retry-After");
  g_assert_nonnull (retry_after);
  g_assert_true (g_ascii_string_to_unsigned (retry_after, 10, 1, 60, &seconds, NULL));
  mend_test_http_free (http);
  g_assert_cmpint (
      mend_test_hq_count (hq, "SELECT count(*) FROM events WHERE device = $1", device->device_id),
      ==, 0);

  /* Another device has a bucket of its own. */
  http = head_unknown_blob (&limited, other);
  g_assert_cmpint (http->status, ==, 404);
  mend_test_http_free (http);

  g_usleep (seconds * G_USEC_PER_SEC + 100000);
  http = head_unknown_blob (&limited, device);
  g_assert_cmpint (http->status, ==, 404);
  mend_test_http_free (http);

  g_assert_cmpfloat (mend_test_hq_metric (&limited, "mend_rate_limited_total{endpoint=\"events\"}"),
                     ==, 1);
  mend_test_hq_server_stop (server);
  mend_test_reliability_row ("a device sending faster than its allowance", 1,
                             MEND_RELIABILITY_REFUSED);
}

static void
test_enrol_rate (void)
{
  const char *const args[] = { "--enrol-rate", "3", NULL };
  g_autofree char *code = mend_test_hq_new_code (hq, team);
  g_autofree char *device_id = g_uuid_string_random ();
  g_autoptr (GBytes) good = mend_wire_encode_enrol_request (code, device_id, NULL);
  const char *wrong = "{\"code\":\"WRONGCODE123\",\"device_id\":"
                      "\"3b7c6a52-7d7e-4c1e-9b1a-3f4e5d6c7b8a\"}";
  g_autoptr (GString) body = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (MendWireRefusal) refusal = NULL;
  guint16 port;
  GSubprocess *server = spawn (args, &port);

  for (int i = 0; i < 3; i++)
    g_assert_cmpint (request_from (port, "127.0.0.1", "POST", "/api/v1/devices/enrol", wrong, body),
                     ==, 403);
  /* The fourth attempt is refused before the code is looked at, so it is not used up. */
  g_string_truncate (body, 0);
  g_assert_cmpint (request_from (port, "127.0.0.1", "POST", "/api/v1/devices/enrol",
                                 g_bytes_get_data (good, NULL), body),
                   ==, 429);
  refusal = mend_wire_decode_error (body->str, body->len, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (refusal->code, ==, "rate_limited");
  g_assert_cmpint (mend_test_hq_count (hq,
                                       "SELECT count(*) FROM enrolment_codes WHERE used_at IS NULL"
                                       " AND code_sha256 = sha256(convert_to($1, 'UTF8'))",
                                       code),
                   ==, 1);

  /* Another address has its own allowance. */
  g_assert_cmpint (request_from (port, "127.0.0.2", "POST", "/api/v1/devices/enrol",
                                 g_bytes_get_data (good, NULL), body),
                   ==, 201);
  mend_test_hq_server_stop (server);
  mend_test_reliability_row ("enrolment codes guessed from one address", 1,
                             MEND_RELIABILITY_REFUSED);
}

/* Reads until the server closes the connection; returns the seconds that took, or -1. */
static double
seconds_until_closed (int fd, gint64 since_us)
{
  struct timeval limit = { 10, 0 };
  char buffer[4096];

  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  for (;;)
    {
      ssize_t n = recv (fd, buffer, sizeof buffer, 0);

      if (n == 0 || (n < 0 && errno == ECONNRESET))
        return (g_get_monotonic_time () - since_us) / 1e6;
      if (n < 0)
        return -1;
    }
}

/* Clients that send half a request and stall hold no worker: others are answered at once,
 * and the stalled connections are closed after the timeout. */
static void
test_stalled_clients (void)
{
  const char *const args[] = { "--timeout", "2", "--threads", "2", NULL };
  guint16 port;
  GSubprocess *server = spawn (args, &port);
  MendTestHq fast = at_port (port);
  g_autoptr (MendTestDevice) device = mend_test_device_enrol (hq, team);
  const char *halves[] = {
    "GET /healthz HTTP/1.1\r\nHost: 127.0",
    "POST /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    "Content-Length: 100\r\n\r\n{\"device_id\":",
    "PATCH /api/v1/blobs/",
  };
  int fds[9];
  gint64 opened = g_get_monotonic_time ();

  for (guint i = 0; i < G_N_ELEMENTS (fds); i++)
    {
      const char *half = halves[i % G_N_ELEMENTS (halves)];

      fds[i] = mend_test_hq_socket (&fast);
      mend_test_send_all (fds[i], half, strlen (half));
    }
  for (int i = 0; i < 20; i++)
    {
      gint64 started = g_get_monotonic_time ();
      g_autoptr (MendTestHttp) http
          = mend_test_hq_request (&fast, "GET", "/healthz", NULL, NULL, NULL, 0);

      g_assert_cmpint (http->status, ==, 200);
      g_assert_cmpint (g_get_monotonic_time () - started, <, G_USEC_PER_SEC / 2);
    }
  {
    g_autoptr (MendTestHttp) http = head_unknown_blob (&fast, device);

    g_assert_cmpint (http->status, ==, 404);
  }
  for (guint i = 0; i < G_N_ELEMENTS (fds); i++)
    {
      double seconds = seconds_until_closed (fds[i], opened);

      g_assert_cmpfloat (seconds, >=, 1.5);
      g_assert_cmpfloat (seconds, <, 8);
      close (fds[i]);
    }
  mend_test_hq_server_stop (server);
  mend_test_reliability_row ("clients that connect and stall (slowloris)", G_N_ELEMENTS (fds),
                             MEND_RELIABILITY_REFUSED);
}

static gboolean
is_sample_line (const char *line)
{
  static GRegex *sample = NULL;

  if (sample == NULL)
    sample = g_regex_new ("^[a-z_]+(\\{[a-z_]+=\"[^\"]*\"(,[a-z_]+=\"[^\"]*\")*\\})? "
                          "([0-9]+(\\.[0-9]+)?(e[+-]?[0-9]+)?|\\+Inf)$",
                          0, 0, NULL);
  return g_regex_match (sample, line, 0, NULL);
}

static void
test_metrics (void)
{
  static const char *const names[] = {
    "# TYPE mend_http_requests_total counter",
    "# TYPE mend_http_request_duration_seconds histogram",
    "# TYPE mend_events_total counter",
    "# TYPE mend_chain_breaks_total counter",
    "# TYPE mend_blob_bytes_received_total counter",
    "# TYPE mend_blobs_completed_total counter",
    "# TYPE mend_blob_hash_mismatches_total counter",
    "# TYPE mend_blob_partials_expired_total counter",
    "# TYPE mend_rate_limited_total counter",
    "# TYPE mend_devices gauge",
    "# TYPE mend_database_up gauge",
  };
  g_autoptr (MendTestDevice) device = mend_test_device_enrol (hq, team);
  g_autoptr (MendTestDevice) doomed = mend_test_device_enrol (hq, team);
  const char *const revoke[] = { "revoke", doomed->device_id, NULL };
  g_autoptr (MendWireResults) first = NULL;
  g_autoptr (MendWireResults) again = NULL;
  g_autoptr (MendWireResults) broken = NULL;
  g_autoptr (MendTestHttp) http = NULL;
  g_auto (GStrv) lines = NULL;
  double stored = mend_test_hq_metric (hq, "mend_events_total{result=\"stored\"}");
  double duplicate = mend_test_hq_metric (hq, "mend_events_total{result=\"duplicate\"}");
  double invalid = mend_test_hq_metric (hq, "mend_events_total{result=\"invalid\"}");
  double breaks = mend_test_hq_metric (hq, "mend_chain_breaks_total");
  double revoked = mend_test_hq_metric (hq, "mend_devices{state=\"revoked\"}");
  double previous = -1, inf = -1, count = -1;
  long status;

  for (int i = 0; i < 5; i++)
    add_event (device);
  first = mend_test_device_push (device, 0, 5, &status);
  again = mend_test_device_push (device, 0, 5, &status);
  /* A gap: the seventh event without the sixth breaks the chain. */
  add_event (device);
  add_event (device);
  broken = mend_test_device_push (device, 6, 1, &status);
  g_assert_false (broken->chain_ok);
  g_free (mend_test_hq_admin (hq, revoke));

  http = mend_test_hq_request (hq, "GET", "/metrics", NULL, NULL, NULL, 0);
  g_assert_cmpint (http->status, ==, 200);
  g_assert_cmpint (http->n_date, ==, 1);
  g_assert_true (
      g_str_has_prefix (mend_test_http_header (http, "Content-Type"), "text/plain; version=0.0.4"));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (strstr (http->body->str, names[i]) == NULL)
      g_error ("no \"%s\" in\n%s", names[i], http->body->str);
  /* No label holds a device id or a token. */
  g_assert_null (strstr (http->body->str, device->device_id));
  g_assert_null (strstr (http->body->str, device->token));

  lines = g_strsplit (http->body->str, "\n", -1);
  for (char **line = lines; *line != NULL; line++)
    {
      if (**line == '\0' || g_str_has_prefix (*line, "# HELP ")
          || g_str_has_prefix (*line, "# TYPE "))
        continue;
      if (!is_sample_line (*line))
        g_error ("not a sample: %s", *line);
      /* The events endpoint's histogram: cumulative buckets ending in +Inf = _count. */
      if (g_str_has_prefix (*line, "mend_http_request_duration_seconds_bucket{endpoint=\"events\""))
        {
          double value = g_ascii_strtod (strrchr (*line, ' ') + 1, NULL);

          g_assert_cmpfloat (value, >=, previous);
          previous = value;
          if (strstr (*line, "le=\"+Inf\"") != NULL)
            inf = value;
        }
      if (g_str_has_prefix (*line, "mend_http_request_duration_seconds_count{endpoint=\"events\"}"))
        count = g_ascii_strtod (strrchr (*line, ' ') + 1, NULL);
    }
  g_assert_cmpfloat (inf, >=, 3);
  g_assert_cmpfloat (inf, ==, count);

  g_assert_cmpfloat (mend_test_hq_metric (hq, "mend_events_total{result=\"stored\"}"), ==,
                     stored + 5);
  g_assert_cmpfloat (mend_test_hq_metric (hq, "mend_events_total{result=\"duplicate\"}"), ==,
                     duplicate + 5);
  g_assert_cmpfloat (mend_test_hq_metric (hq, "mend_events_total{result=\"invalid\"}"), ==,
                     invalid + 1);
  g_assert_cmpfloat (mend_test_hq_metric (hq, "mend_chain_breaks_total"), ==, breaks + 1);
  g_assert_cmpfloat (mend_test_hq_metric (hq, "mend_devices{state=\"revoked\"}"), ==, revoked + 1);
  g_assert_cmpfloat (
      mend_test_hq_metric (hq, "mend_devices{state=\"active\"}"), ==,
      mend_test_hq_count (hq, "SELECT count(*) FROM devices WHERE revoked_at IS NULL", NULL));
  g_assert_cmpfloat (mend_test_hq_metric (hq, "mend_database_up"), ==, 1);
  g_assert_cmpfloat (
      mend_test_hq_metric (hq, "mend_http_requests_total{endpoint=\"events\",status=\"200\"}"), >=,
      3);
}

static void
test_metrics_allow (void)
{
  const char *const only_two[] = { "--metrics-allow", "127.0.0.2", NULL };
  const char *const elsewhere[] = { "--metrics-allow", "10.0.0.0/8, ::1", NULL };
  const char *const bad[] = { "--metrics-allow", "127.0.0.300", NULL };
  g_autoptr (GString) body = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (MendWireRefusal) refusal = NULL;
  guint16 port;
  GSubprocess *server = spawn (only_two, &port);

  g_assert_cmpint (request_from (port, "127.0.0.1", "GET", "/metrics", NULL, body), ==, 403);
  refusal = mend_wire_decode_error (body->str, body->len, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (refusal->code, ==, "forbidden");
  g_string_truncate (body, 0);
  g_assert_cmpint (request_from (port, "127.0.0.2", "GET", "/metrics", NULL, body), ==, 200);
  g_assert_nonnull (strstr (body->str, "mend_database_up 1"));
  mend_test_hq_server_stop (server);

  server = spawn (elsewhere, &port);
  g_assert_cmpint (request_from (port, "127.0.0.1", "GET", "/metrics", NULL, body), ==, 403);
  /* /healthz stays open to everyone. */
  g_assert_cmpint (request_from (port, "127.0.0.1", "GET", "/healthz", NULL, body), ==, 200);
  mend_test_hq_server_stop (server);

  /* A mask that does not parse stops the server before it listens. */
  {
    g_autoptr (GPtrArray) args = g_ptr_array_new ();
    GSubprocess *refused;

    g_ptr_array_add (args, "--database");
    g_ptr_array_add (args, hq->conninfo);
    g_ptr_array_add (args, "--listen");
    g_ptr_array_add (args, "127.0.0.1:0");
    g_ptr_array_add (args, (char *)bad[0]);
    g_ptr_array_add (args, (char *)bad[1]);
    g_ptr_array_add (args, NULL);
    refused = mend_test_hq_spawn (hq, (const char *const *)args->pdata, &port);
    g_assert_null (refused);
  }
}

/* A server whose database goes away: /metrics says so, and /healthz answers 503. */
static void
test_metrics_database_down (void)
{
  g_autofree char *conninfo = g_strdup_printf ("%s dbname=doomed", hq->conninfo);
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) init = NULL;
  g_autoptr (GString) body = g_string_new (NULL);
  const char *args[] = { "--database", conninfo, "--listen", "127.0.0.1:0", NULL };
  guint16 port;
  GSubprocess *server;

  mend_test_hq_exec (hq, "CREATE DATABASE doomed", NULL);
  init = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, g_getenv ("MEND_HQ"), "admin",
                           "--database", conninfo, "init", NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (init, NULL, &error));
  g_assert_no_error (error);
  server = mend_test_hq_spawn (hq, args, &port);
  g_assert_nonnull (server);

  g_assert_cmpint (request_from (port, "127.0.0.1", "GET", "/metrics", NULL, body), ==, 200);
  g_assert_nonnull (strstr (body->str, "\nmend_database_up 1\n"));
  g_assert_nonnull (strstr (body->str, "mend_devices{state=\"active\"} 0\n"));

  mend_test_hq_exec (hq, "DROP DATABASE doomed WITH (FORCE)", NULL);
  g_string_truncate (body, 0);
  g_assert_cmpint (request_from (port, "127.0.0.1", "GET", "/metrics", NULL, body), ==, 200);
  g_assert_nonnull (strstr (body->str, "\nmend_database_up 0\n"));
  g_assert_null (strstr (body->str, "mend_devices{"));
  g_string_truncate (body, 0);
  g_assert_cmpint (request_from (port, "127.0.0.1", "GET", "/healthz", NULL, body), ==, 503);
  g_assert_nonnull (strstr (body->str, "\"database\":\"unavailable\""));
  mend_test_hq_server_stop (server);
  mend_test_reliability_row ("HQ's database gone while HQ runs", 1, MEND_RELIABILITY_REFUSED);
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

  g_test_add_func ("/hq/limits/device-rate", test_device_rate);
  g_test_add_func ("/hq/limits/enrol-rate", test_enrol_rate);
  g_test_add_func ("/hq/limits/stalled-clients", test_stalled_clients);
  g_test_add_func ("/hq/metrics/exposition", test_metrics);
  g_test_add_func ("/hq/metrics/allow", test_metrics_allow);
  g_test_add_func ("/hq/metrics/database-down", test_metrics_database_down);
  status = g_test_run ();

  mend_test_hq_stop (hq);
  g_free (team);
  curl_global_cleanup ();
  return status;
}
