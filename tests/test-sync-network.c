/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-test"

#include "config.h"

#include <signal.h>
#include <string.h>

#include "mend-http-client.h"
#include "mend-test-reliability.h"
#include "mend-wire.h"
#include "test-sync-util.h"

/* The sync engine when the network is not simply there: addresses it refuses, a captive portal
 * answering 200 with its own page, an HQ that is down or silent, HQ rate-limiting the device,
 * and HTTPS with a certificate only a given CA vouches for. Against a real mend-hq on a real
 * PostgreSQL; the portal and the silent server are small loopback servers of the test's own. */

static void
test_url (void)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (mend_http_check_url ("https://hq.example.org", NULL));
  g_assert_true (mend_http_check_url ("https://hq.example.org:8443/mend/", NULL));
  g_assert_true (mend_http_check_url ("http://127.0.0.1:8080", NULL));
  g_assert_true (mend_http_check_url ("http://127.3.4.5", NULL));
  g_assert_true (mend_http_check_url ("http://[::1]:80", NULL));
  g_assert_true (mend_http_check_url ("http://localhost:1", NULL));

  g_assert_false (mend_http_check_url ("http://hq.example.org", &error));
  g_assert_error (error, MEND_SYNC_ERROR, MEND_SYNC_ERROR_BAD_URL);
  g_assert_nonnull (strstr (error->message, "HTTPS"));
  g_clear_error (&error);
  g_assert_false (mend_http_check_url ("http://10.0.0.1", &error));
  g_assert_error (error, MEND_SYNC_ERROR, MEND_SYNC_ERROR_BAD_URL);
  g_clear_error (&error);
  g_assert_false (mend_http_check_url ("ftp://127.0.0.1", &error));
  g_assert_error (error, MEND_SYNC_ERROR, MEND_SYNC_ERROR_BAD_URL);
  g_clear_error (&error);
  g_assert_false (mend_http_check_url ("hq.example.org", &error));
  g_assert_error (error, MEND_SYNC_ERROR, MEND_SYNC_ERROR_BAD_URL);
  g_clear_error (&error);
  g_assert_false (mend_http_check_url ("https://user:pw@hq.example.org", &error));
  g_assert_error (error, MEND_SYNC_ERROR, MEND_SYNC_ERROR_BAD_URL);
}

/* A captive portal: answers every request 200 with its login page, after reading it whole. */
typedef struct
{
  GSocketListener *listener;
  guint16 port;
  const char *content_type;
  const char *body;
  guint n_requests;
  GThread *thread;
  GCancellable *stop;
} Portal;

static gboolean
read_request (GSocketConnection *connection)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  g_autoptr (GString) head = g_string_new (NULL);
  gsize length = 0;
  char c;
  const char *field;

  while (!g_str_has_suffix (head->str, "\r\n\r\n"))
    {
      if (g_input_stream_read (in, &c, 1, NULL, NULL) != 1)
        return FALSE;
      g_string_append_c (head, c);
    }
  field = strstr (head->str, "Content-Length: ");
  if (field != NULL)
    length = g_ascii_strtoull (field + strlen ("Content-Length: "), NULL, 10);
  while (length > 0)
    {
      char buffer[4096];
      gssize n = g_input_stream_read (in, buffer, MIN (length, sizeof buffer), NULL, NULL);

      if (n <= 0)
        return FALSE;
      length -= n;
    }
  return TRUE;
}

static gpointer
portal_thread (gpointer data)
{
  Portal *portal = data;

  for (;;)
    {
      g_autoptr (GSocketConnection) connection = NULL;
      g_autofree char *answer = NULL;
      g_autofree char *date = NULL;
      GOutputStream *out;

      connection = g_socket_listener_accept (portal->listener, NULL, portal->stop, NULL);
      if (connection == NULL)
        return NULL;
      if (!read_request (connection))
        continue;
      portal->n_requests++;
      if (portal->body == NULL)
        {
          /* Silent: holds the connection open and answers nothing until stopped. */
          while (!g_cancellable_is_cancelled (portal->stop))
            g_usleep (20 * 1000);
          return NULL;
        }
      /* Its clock is ten minutes behind: the device notes the skew from any answer. */
      date = mend_wire_format_http_date (g_get_real_time () / 1000 - 10 * 60 * 1000);
      answer = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                                "Date: %s\r\nConnection: close\r\n\r\n%s",
                                portal->content_type, strlen (portal->body), date, portal->body);
      out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
      g_output_stream_write_all (out, answer, strlen (answer), NULL, NULL, NULL);
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
    }
}

static void
portal_start (Portal *portal, const char *content_type, const char *body)
{
  g_autoptr (GError) error = NULL;

  portal->listener = g_socket_listener_new ();
  portal->port = g_socket_listener_add_any_inet_port (portal->listener, NULL, &error);
  g_assert_no_error (error);
  portal->content_type = content_type;
  portal->body = body;
  portal->stop = g_cancellable_new ();
  portal->thread = g_thread_new ("portal", portal_thread, portal);
}

static void
portal_stop (Portal *portal)
{
  g_cancellable_cancel (portal->stop);
  g_thread_join (portal->thread);
  g_socket_listener_close (portal->listener);
  g_clear_object (&portal->listener);
  g_clear_object (&portal->stop);
}

static void
test_captive_portal (SyncDevice *d, gconstpointer data)
{
  static const struct
  {
    const char *type;
    const char *body;
  } pages[] = {
    { "text/html", "<html><body>Welcome to Depot Wi-Fi. Log in to continue.</body></html>" },
    { "application/json", "{\"status\":\"ok\"}" },
    { "application/json", "{\"results\":[],\"chain\":{\"ok\":true,\"head_seq\":0}}" },
  };
  g_autofree char *session_id = mend_test_session_id (0);

  sync_device_enrol_ok (d);
  g_free (mend_test_record_ok (d->store, mend_command_start_session (session_id)));
  g_free (mend_test_record_ok (d->store, mend_command_tally (session_id, "bags", 1)));

  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      Portal portal = { 0 };
      g_autofree char *url = NULL;
      g_autoptr (MendSyncReport) report = NULL;

      portal_start (&portal, pages[i].type, pages[i].body);
      url = g_strdup_printf ("http://127.0.0.1:%u", portal.port);
      sync_device_point_at (d, url);
      report = sync_device_run_ok (d);
      portal_stop (&portal);

      g_assert_cmpuint (portal.n_requests, ==, 1);
      g_assert_cmpint (report->state, ==, MEND_SYNC_STATE_WAITING);
      g_assert_cmpint (report->events_acknowledged + report->events_parked, ==, 0);
      g_assert_nonnull (strstr (report->stopped, "nothing was acknowledged"));
      g_assert_cmpint (sync_device_count (d, "pending"), ==, 2);
      g_assert_true (report->has_clock_skew);
      g_assert_true (report->clock_warning);
      g_assert_cmpint (report->clock_skew_ms, >=, 10 * 60 * 1000 - 2000);
      g_assert_cmpint (report->clock_skew_ms, <=, 10 * 60 * 1000 + 2000);
    }

  /* Back on a real network, the same events go. */
  {
    g_autofree char *url = sync_test_url ();
    g_autoptr (MendSyncReport) report = NULL;

    sync_device_point_at (d, url);
    report = sync_device_run_ok (d);
    g_assert_cmpint (report->state, ==, MEND_SYNC_STATE_COMPLETE);
    g_assert_cmpint (report->events_acknowledged, ==, 2);
  }
  mend_test_reliability_row ("a captive portal or a stranger answering in HQ's place",
                             G_N_ELEMENTS (pages), MEND_RELIABILITY_NOTHING_LOST);
}

/* An HQ that takes the request and never answers: the low-speed limit gives up on it, and
 * nothing is acknowledged. */
static void
test_hq_silent (SyncDevice *d, gconstpointer data)
{
  g_autofree char *session_id = mend_test_session_id (0);
  g_autofree char *url = NULL;
  g_autoptr (MendSyncReport) report = NULL;
  Portal silent = { 0 };
  gint64 started;

  sync_device_enrol_ok (d);
  g_free (mend_test_record_ok (d->store, mend_command_start_session (session_id)));
  portal_start (&silent, "application/json", NULL);
  url = g_strdup_printf ("http://127.0.0.1:%u", silent.port);
  sync_device_point_at (d, url);
  mend_sync_engine_set_timeouts (d->engine, 2, 2);

  started = g_get_monotonic_time ();
  report = sync_device_run_ok (d);
  portal_stop (&silent);
  /* curl averages the speed over its last five seconds, so a stall is seen after the low-speed
   * time plus up to five seconds of the request's own bytes. */
  g_assert_cmpint (g_get_monotonic_time () - started, <, 15 * G_USEC_PER_SEC);
  g_assert_cmpuint (silent.n_requests, ==, 1);
  g_assert_cmpint (report->state, ==, MEND_SYNC_STATE_WAITING);
  g_assert_nonnull (strstr (report->stopped, "did not answer in time"));
  g_assert_cmpint (sync_device_count (d, "pending"), ==, 1);
  mend_test_reliability_row ("HQ takes the request and never answers", 1,
                             MEND_RELIABILITY_NOTHING_LOST);
}

static void
test_hq_down (SyncDevice *d, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autofree char *session_id = mend_test_session_id (0);
  g_autofree char *url = NULL;
  g_autoptr (MendSyncReport) report = NULL;
  g_autoptr (MendSyncEnrolment) e = NULL;

  sync_device_enrol_ok (d);
  g_free (mend_test_record_ok (d->store, mend_command_start_session (session_id)));

  /* A port that was free a moment ago and has nobody listening now. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (socket, any, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  url = g_strdup_printf ("http://127.0.0.1:%u",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  g_socket_close (socket, NULL);
  sync_device_point_at (d, url);

  report = sync_device_run_ok (d);
  g_assert_cmpint (report->state, ==, MEND_SYNC_STATE_WAITING);
  g_assert_nonnull (strstr (report->stopped, "could not reach HQ"));
  g_assert_cmpint (sync_device_count (d, "pending"), ==, 1);
  g_assert_false (report->has_clock_skew);
  e = mend_store_sync_get_enrolment (d->store, NULL);
  g_assert_cmpstr (e->last_error, ==, report->stopped);
  g_assert_cmpint (e->last_success_ms, ==, 0);
  mend_test_reliability_row ("HQ down (nothing listening)", 1, MEND_RELIABILITY_NOTHING_LOST);
}

/* HQ over HTTPS with a certificate no system CA signed: refused until its CA is given, never
 * accepted by switching the checks off. */
static void
test_tls (SyncDevice *d, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) openssl = NULL;
  g_autoptr (GSubprocess) server = NULL;
  g_autofree char *folder = g_dir_make_tmp ("mend-sync-tls-XXXXXX", &error);
  g_autofree char *cert = g_build_filename (folder, "cert.pem", NULL);
  g_autofree char *key = g_build_filename (folder, "key.pem", NULL);
  g_autofree char *blobs = g_build_filename (folder, "blobs", NULL);
  g_autofree char *out = NULL;
  g_autofree char *url = NULL;
  g_autofree char *code = sync_test_code ();
  g_autofree char *session_id = mend_test_session_id (0);
  g_autoptr (MendSyncEnrolment) refused = NULL;
  g_autoptr (MendSyncEnrolment) enrolment = NULL;
  g_autoptr (MendSyncReport) report = NULL;
  guint16 port = 0;

  g_assert_no_error (error);
  openssl = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE,
                              &error, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                              "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out",
                              cert, "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
                              "subjectAltName=IP:127.0.0.1", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (openssl, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_successful (openssl));
  {
    const char *const args[]
        = { "--database", sync_test_hq->conninfo, "--listen", "127.0.0.1:0", "--blobs",
            blobs,        "--tls-cert",           cert,       "--tls-key",   key,
            NULL };

    server = mend_test_hq_spawn (sync_test_hq, args, &port);
    g_assert_nonnull (server);
  }
  url = g_strdup_printf ("https://127.0.0.1:%u", port);

  refused = sync_device_enrol (d, url, code, NULL, &error);
  g_assert_null (refused);
  g_assert_error (error, MEND_SYNC_ERROR, MEND_SYNC_ERROR_NETWORK);
  g_assert_nonnull (strstr (error->message, "no trusted HTTPS connection"));
  g_clear_error (&error);
  mend_test_reliability_row ("HQ with a certificate nobody trusts", 1, MEND_RELIABILITY_REFUSED);

  enrolment = sync_device_enrol (d, url, code, cert, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (enrolment->ca_file, ==, cert);
  g_free (mend_test_record_ok (d->store, mend_command_start_session (session_id)));
  report = sync_device_run_ok (d);
  g_assert_cmpint (report->state, ==, MEND_SYNC_STATE_COMPLETE);
  g_assert_cmpint (report->events_acknowledged, ==, 1);

  g_subprocess_send_signal (server, SIGTERM);
  g_subprocess_wait (server, NULL, NULL);
  mend_test_remove_tree (folder);
}

/* HQ limiting the device's requests: a 429 ends the pass with HQ's Retry-After and leaves the
 * rest pending; what was answered before it stays answered. */
static void
test_rate_limited (SyncDevice *d, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) server = NULL;
  g_autofree char *folder = g_dir_make_tmp ("mend-sync-rate-XXXXXX", &error);
  g_autofree char *blobs = g_build_filename (folder, "blobs", NULL);
  g_autofree char *session_id = mend_test_session_id (0);
  g_autoptr (MendSyncReport) limited = NULL;
  g_autoptr (MendSyncReport) later = NULL;

  g_assert_no_error (error);
  server = sync_device_enrol_rate_limited (d, blobs, session_id);

  limited = sync_device_run_ok (d);
  g_assert_cmpint (limited->state, ==, MEND_SYNC_STATE_WAITING);
  g_assert_cmpint (limited->events_acknowledged, ==, 3);
  g_assert_cmpint (limited->counts->events_pending, ==, 3);
  g_assert_nonnull (strstr (limited->stopped, "429 rate_limited"));
  g_assert_cmpuint (limited->retry_after_s, >, 0);
  g_assert_cmpuint (limited->retry_after_s, <=, 60);

  /* The same device through the main HQ (no limit) finishes the day. */
  {
    g_autofree char *main_url = sync_test_url ();

    sync_device_point_at (d, main_url);
  }
  mend_sync_engine_set_batch_size (d->engine, 200);
  later = sync_device_run_ok (d);
  g_assert_cmpint (later->state, ==, MEND_SYNC_STATE_COMPLETE);
  g_assert_cmpint (later->events_acknowledged, ==, 3);
  mend_test_reliability_row ("HQ limiting a device's requests (429)", 1,
                             MEND_RELIABILITY_NOTHING_LOST);

  g_subprocess_send_signal (server, SIGTERM);
  g_subprocess_wait (server, NULL, NULL);
  mend_test_remove_tree (folder);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  sync_test_hq_start ();

  g_test_add_func ("/sync-network/url", test_url);
#define ADD(path, func)                                                                            \
  g_test_add (path, SyncDevice, NULL, sync_device_open, func, sync_device_close)
  ADD ("/sync-network/captive-portal", test_captive_portal);
  ADD ("/sync-network/hq-down", test_hq_down);
  ADD ("/sync-network/hq-silent", test_hq_silent);
  ADD ("/sync-network/tls", test_tls);
  ADD ("/sync-network/rate-limited", test_rate_limited);
#undef ADD
  status = g_test_run ();

  sync_test_hq_stop ();
  return status;
}
