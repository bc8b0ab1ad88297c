/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-test"

#include "config.h"

#include <curl/curl.h>
#include <glib/gstdio.h>
#include <string.h>

#include "mend-test-hq-device.h"

/* How mend-hq is set up: TLS with a throwaway certificate (libcurl trusting only it), the
 * config file and the command line over it, and an IPv6 listen address. */

static MendTestHq *hq;
static char *team;
static char *folder;
static char *cert;
static char *key;

static void
make_certificate (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) openssl = NULL;
  g_autofree char *out = NULL;

  folder = g_dir_make_tmp ("mend-tls-XXXXXX", &error);
  g_assert_no_error (error);
  cert = g_build_filename (folder, "cert.pem", NULL);
  key = g_build_filename (folder, "key.pem", NULL);
  openssl = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE,
                              &error, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                              "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out",
                              cert, "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
                              "subjectAltName=IP:127.0.0.1,IP:::1", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (openssl, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_successful (openssl))
    g_error ("openssl: %s", out);
}

static size_t
append_cb (char *data, size_t size, size_t n, void *user_data)
{
  g_string_append_len (user_data, data, size * n);
  return size * n;
}

/* GET @url; the transfer's result, and the status when it worked. */
static CURLcode
get (const char *url, const char *cafile, const char *source, long *out_status, GString *body)
{
  g_autofree char *interface = source != NULL ? g_strconcat ("host!", source, NULL) : NULL;
  CURL *curl = curl_easy_init ();
  CURLcode code;

  *out_status = 0;
  curl_easy_setopt (curl, CURLOPT_URL, url);
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_TIMEOUT, 30L);
  if (cafile != NULL)
    curl_easy_setopt (curl, CURLOPT_CAINFO, cafile);
  if (interface != NULL)
    curl_easy_setopt (curl, CURLOPT_INTERFACE, interface);
  curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, append_cb);
  curl_easy_setopt (curl, CURLOPT_WRITEDATA, body);
  code = curl_easy_perform (curl);
  if (code == CURLE_OK)
    curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, out_status);
  curl_easy_cleanup (curl);
  return code;
}

static void
test_tls_api (void)
{
  g_autoptr (MendTestDevice) device = mend_test_device_enrol (hq, team);
  g_autoptr (GBytes) photo = mend_test_random_bytes (300 * 1000);
  g_autoptr (MendWireResults) results = NULL;
  g_autoptr (MendTestHttp) health = NULL;
  const MendWireResult *result;
  long status = 0;

  health = mend_test_hq_request (hq, "GET", "/healthz", NULL, NULL, NULL, 0);
  g_assert_cmpint (health->status, ==, 200);
  g_assert_cmpint (health->n_date, ==, 1);

  mend_test_device_add_photo (device, photo);
  results = mend_test_device_push (device, 0, 1, &status);
  g_assert_cmpint (status, ==, 200);
  result = g_ptr_array_index (results->results, 0);
  g_assert_cmpint (result->status, ==, MEND_WIRE_STATUS_STORED);
  g_assert_true (mend_test_device_upload (device, photo, 100 * 1000));
}

static void
test_tls_refused (void)
{
  g_autofree char *https = g_strdup_printf ("https://127.0.0.1:%u/healthz", hq->port);
  g_autofree char *http = g_strdup_printf ("http://127.0.0.1:%u/healthz", hq->port);
  g_autoptr (GString) body = g_string_new (NULL);
  g_autofree char *empty_ca = g_build_filename (folder, "empty.pem", NULL);
  g_autoptr (GError) error = NULL;
  long status;

  /* Trusting nothing, or only some other certificate, the client refuses HQ's. */
  g_file_set_contents (empty_ca, "", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (get (https, key, NULL, &status, body), !=, CURLE_OK);
  g_assert_cmpint (get (https, empty_ca, NULL, &status, body), !=, CURLE_OK);
  /* Plain HTTP to the TLS port gets no answer. */
  g_assert_cmpint (get (http, NULL, NULL, &status, body), !=, CURLE_OK);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpint (get (https, cert, NULL, &status, body), ==, CURLE_OK);
  g_assert_cmpint (status, ==, 200);
}

static char *
write_config (const char *name, const char *extra)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text = g_strdup_printf ("# mend-hq test\n[mend-hq]\ndatabase=%s\n"
                                           "listen=127.0.0.1:0\nblobs=%s\n%s",
                                           hq->conninfo, hq->blobs, extra);
  char *path = g_build_filename (folder, name, NULL);

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  return path;
}

static void
test_config_file (void)
{
  g_autofree char *extra = g_strdup_printf ("metrics-allow=127.0.0.2\ntls-cert=%s\ntls-key=%s\n"
                                            "threads=2\n",
                                            cert, key);
  g_autofree char *path = write_config ("hq.conf", extra);
  g_autofree char *misspelt = write_config ("bad.conf", "metrics_allow=127.0.0.1\n");
  g_autofree char *bad_number = write_config ("number.conf", "threads=many\n");
  const char *const from_file[] = { "--config", path, NULL };
  const char *const overridden[] = { "--config", path, "--metrics-allow", "127.0.0.1", NULL };
  const char *const with_misspelt[] = { "--config", misspelt, NULL };
  const char *const with_bad_number[] = { "--config", bad_number, NULL };
  const char *const admin_args[] = { "team", "add", "Config Team", NULL };
  g_autoptr (GString) body = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) admin = NULL;
  g_autofree char *admin_out = NULL;
  GSubprocess *server;
  guint16 port;
  long status;

  /* Every setting from the file: TLS on, /metrics only for 127.0.0.2. */
  server = mend_test_hq_spawn (hq, from_file, &port);
  g_assert_nonnull (server);
  {
    g_autofree char *url = g_strdup_printf ("https://127.0.0.1:%u/metrics", port);

    g_assert_cmpint (get (url, cert, "127.0.0.1", &status, body), ==, CURLE_OK);
    g_assert_cmpint (status, ==, 403);
    g_assert_cmpint (get (url, cert, "127.0.0.2", &status, body), ==, CURLE_OK);
    g_assert_cmpint (status, ==, 200);
  }
  mend_test_hq_server_stop (server);

  /* The command line wins over the file. */
  server = mend_test_hq_spawn (hq, overridden, &port);
  g_assert_nonnull (server);
  {
    g_autofree char *url = g_strdup_printf ("https://127.0.0.1:%u/metrics", port);

    g_assert_cmpint (get (url, cert, "127.0.0.1", &status, body), ==, CURLE_OK);
    g_assert_cmpint (status, ==, 200);
  }
  mend_test_hq_server_stop (server);

  /* A key the server does not know, or a value it cannot read, stops it before it listens. */
  g_assert_null (mend_test_hq_spawn (hq, with_misspelt, &port));
  g_assert_null (mend_test_hq_spawn (hq, with_bad_number, &port));

  /* admin reads the database from the same file. */
  admin = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, g_getenv ("MEND_HQ"), "admin",
                            "--config", path, admin_args[0], admin_args[1], admin_args[2], NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (admin, NULL, NULL, &admin_out, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_successful (admin));
  g_assert_cmpint (
      mend_test_hq_count (hq, "SELECT count(*) FROM teams WHERE id = $1", g_strchomp (admin_out)),
      ==, 1);
}

static void
test_ipv6 (void)
{
  const char *const args[] = { "--database", hq->conninfo, "--listen", "[::1]:0", NULL };
  g_autoptr (GString) body = g_string_new (NULL);
  g_autofree char *url = NULL;
  GSubprocess *server;
  guint16 port;
  long status;

  server = mend_test_hq_spawn (hq, args, &port);
  g_assert_nonnull (server);
  url = g_strdup_printf ("http://[::1]:%u/healthz", port);
  g_assert_cmpint (get (url, NULL, NULL, &status, body), ==, CURLE_OK);
  g_assert_cmpint (status, ==, 200);
  /* ::1 is loopback, allowed /metrics by default. */
  g_free (url);
  url = g_strdup_printf ("http://[::1]:%u/metrics", port);
  g_assert_cmpint (get (url, NULL, NULL, &status, body), ==, CURLE_OK);
  g_assert_cmpint (status, ==, 200);
  mend_test_hq_server_stop (server);
}

int
main (int argc, char **argv)
{
  const char *const add[] = { "team", "add", "North Kettering", NULL };
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  curl_global_init (CURL_GLOBAL_DEFAULT);
  make_certificate ();
  {
    const char *const serve_args[] = { "--tls-cert", cert, "--tls-key", key, NULL };

    hq = mend_test_hq_start_with (serve_args);
  }
  hq->cafile = g_strdup (cert);
  team = mend_test_hq_admin (hq, add);

  g_test_add_func ("/hq/tls/api", test_tls_api);
  g_test_add_func ("/hq/tls/refused", test_tls_refused);
  g_test_add_func ("/hq/config/file", test_config_file);
  g_test_add_func ("/hq/listen/ipv6", test_ipv6);
  status = g_test_run ();

  mend_test_hq_stop (hq);
  g_free (team);
  g_unlink (cert);
  g_unlink (key);
  {
    const char *const names[] = { "empty.pem", "hq.conf", "bad.conf", "number.conf" };

    for (guint i = 0; i < G_N_ELEMENTS (names); i++)
      {
        g_autofree char *path = g_build_filename (folder, names[i], NULL);

        g_unlink (path);
      }
  }
  g_rmdir (folder);
  curl_global_cleanup ();
  return status;
}
