/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-hq-http-fuzz"

#include "config.h"

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "mend-test-hq.h"
#include "mend-test-reliability.h"
#include "mend-wire.h"

/* HQ's request handling fed raw, damaged HTTP: not libFuzzer (the server is a separate process
 * with its own PostgreSQL), but the same idea over a socket. Real requests of every endpoint
 * (enrolment, an events batch of a real store's log, the manifest, blob HEAD and PATCH, the
 * dashboard's login, health and metrics) are mutated at random: bytes flipped, inserted, cut,
 * repeated, and headers that confuse parsers spliced in. Each goes over its own connection to
 * the real mend-hq on loopback. Every answer must be HTTP and neither 500 nor 503, and the
 * server must stay up and answer /healthz. Bounded by MEND_HQ_FUZZ_REQUESTS (default 400) and
 * MEND_HQ_FUZZ_SECONDS (default 60); a failing request is written to the build folder as
 * hq-http-fuzz-failure.txt, and --seed replays the run. */

static MendTestHq *hq;
static char *token;
static char *device_id;
static GPtrArray *seeds; /* (element-type GBytes) whole requests */

static const char *const splices[] = {
  "\r\n",
  "\r\n\r\n",
  ":",
  " ",
  "\0",
  "%00",
  "%2e%2e/",
  "Content-Length: 99999999999999999999\r\n",
  "Content-Length: -1\r\n",
  "Content-Length: 0\r\n",
  "Transfer-Encoding: chunked\r\n",
  "Expect: 100-continue\r\n",
  "Authorization: Bearer mnd_\r\n",
  "Upload-Offset: 18446744073709551615\r\n",
  "Upload-Length: 33554433\r\n",
  "Upload-Complete: ?1\r\n",
  "Content-Type: application/json; charset=\"\r\n",
  "{",
  "}",
  "[",
  "\"",
  "\\u0000",
  "\\ud800",
  "1e999",
  "\xff\xfe",
};

static void
add_seed (const char *method,
          const char *path,
          const char *headers,
          const char *content_type,
          const char *body,
          gsize length)
{
  GString *request = g_string_new (NULL);

  g_string_append_printf (request, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n", method, path);
  if (headers != NULL)
    g_string_append (request, headers);
  if (content_type != NULL)
    g_string_append_printf (request, "Content-Type: %s\r\n", content_type);
  if (body != NULL)
    g_string_append_printf (request, "Content-Length: %" G_GSIZE_FORMAT "\r\n", length);
  g_string_append (request, "\r\n");
  if (body != NULL)
    g_string_append_len (request, body, (gssize)length);
  g_ptr_array_add (seeds, g_string_free_to_bytes (request));
}

static char *
read_corpus (const char *target, const char *name, gsize *out_length)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "fuzz", "corpus", target, name, NULL);
  g_autoptr (GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, out_length, &error);
  g_assert_no_error (error);
  return contents;
}

static void
make_seeds (const char *team)
{
  const char *const code_args[] = { "enrolment-code", team, NULL };
  g_autofree char *code = NULL;
  g_autofree char *batch = NULL;
  g_autofree char *auth = NULL;
  g_autofree char *blob_path = NULL;
  g_autoptr (MendWireBatch) decoded = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) request = NULL;
  g_autoptr (MendTestHttp) http = NULL;
  g_autoptr (MendWireEnrolment) enrolment = NULL;
  gsize length = 0;
  const char *sha = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

  /* The device of a real store's batch (the wire-events seed) is the one enrolled, so its
   * events reach the chain check and HQ's rules. */
  batch = read_corpus ("wire-events", "store-batch.json", &length);
  decoded = mend_wire_decode_events (batch, length, &error);
  g_assert_no_error (error);
  device_id = g_strdup (decoded->device_id);
  code = mend_test_hq_admin (hq, code_args);
  g_strstrip (code);
  request = mend_wire_encode_enrol_request (code, device_id, "Fuzzed tablet");
  http = mend_test_hq_request (hq, "POST", "/api/v1/devices/enrol", NULL, "application/json",
                               g_bytes_get_data (request, NULL), g_bytes_get_size (request));
  g_assert_cmpint (http->status, ==, 201);
  enrolment = mend_wire_decode_enrolment (http->body->str, http->body->len, &error);
  g_assert_no_error (error);
  token = g_strdup (enrolment->token);
  auth = g_strdup_printf ("Authorization: Bearer %s\r\n", token);

  seeds = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  add_seed ("GET", "/healthz", NULL, NULL, NULL, 0);
  add_seed ("GET", "/metrics", NULL, NULL, NULL, 0);
  add_seed ("POST", "/api/v1/events", auth, "application/json", batch, length);
  add_seed ("GET", "/api/v1/manifest", auth, NULL, NULL, 0);
  add_seed ("GET", "/api/v1/manifest?since=c2-000000000001f3a9", auth, NULL, NULL, 0);
  add_seed ("POST", "/api/v1/devices/enrol", NULL, "application/json",
            g_bytes_get_data (request, NULL), g_bytes_get_size (request));
  blob_path = g_strdup_printf ("/api/v1/blobs/%s", sha);
  add_seed ("HEAD", blob_path, auth, NULL, NULL, 0);
  {
    g_autofree char *headers = g_strdup_printf ("%sUpload-Offset: 0\r\nUpload-Length: 5\r\n", auth);

    add_seed ("PATCH", blob_path, headers, "application/offset+octet-stream", "hello", 5);
  }
  add_seed ("GET", "/", NULL, NULL, NULL, 0);
  add_seed ("POST", "/login", NULL, "application/x-www-form-urlencoded",
            "username=admin&password=wrong", strlen ("username=admin&password=wrong"));
  {
    const char *chunked = "5\r\n{\"dev\r\n0\r\n\r\n";
    g_autofree char *headers = g_strdup_printf ("%sTransfer-Encoding: chunked\r\n", auth);
    GString *text = g_string_new ("POST /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n");

    g_string_append (text, headers);
    g_string_append (text, "Content-Type: application/json\r\n\r\n");
    g_string_append (text, chunked);
    g_ptr_array_add (seeds, g_string_free_to_bytes (text));
  }
}

static void
insert_at (GByteArray *array, guint at, const guint8 *data, guint len)
{
  g_autoptr (GByteArray) tail = g_byte_array_new ();

  g_byte_array_append (tail, array->data + at, array->len - at);
  g_byte_array_set_size (array, at);
  g_byte_array_append (array, data, len);
  g_byte_array_append (array, tail->data, tail->len);
}

static GByteArray *
mutate (GBytes *seed)
{
  GByteArray *out = g_byte_array_new ();
  int n_ops = g_test_rand_int_range (1, 5);

  g_byte_array_append (out, g_bytes_get_data (seed, NULL), g_bytes_get_size (seed));
  for (int op = 0; op < n_ops; op++)
    {
      guint at = out->len > 0 ? (guint)g_test_rand_int_range (0, (gint32)out->len) : 0;

      switch (g_test_rand_int_range (0, 6))
        {
        case 0: /* flip a byte */
          if (out->len > 0)
            out->data[at] ^= (guint8)g_test_rand_int_range (1, 256);
          break;
        case 1: /* splice in something parsers trip on */
          {
            const char *text = splices[g_test_rand_int_range (0, G_N_ELEMENTS (splices))];

            insert_at (out, at, (const guint8 *)text, text[0] == '\0' ? 1 : strlen (text));
          }
          break;
        case 2: /* cut a range */
          if (out->len > 0)
            g_byte_array_remove_range (
                out, at, (guint)g_test_rand_int_range (0, (gint32)(out->len - at)) + 1);
          break;
        case 3: /* end early */
          g_byte_array_set_size (out, at);
          break;
        case 4: /* repeat a range (a header twice, a body twice) */
          if (out->len > 0 && out->len < 32768)
            {
              guint wanted = (guint)g_test_rand_int_range (1, 200);
              guint len = MIN (wanted, out->len - at);
              g_autoptr (GByteArray) copy = g_byte_array_new ();

              g_byte_array_append (copy, out->data + at, len);
              insert_at (out, at, copy->data, copy->len);
            }
          break;
        default: /* a random byte */
          {
            guint8 byte = (guint8)g_test_rand_int_range (0, 256);

            insert_at (out, at, &byte, 1);
          }
          break;
        }
    }
  return out;
}

/* Sends @request on a connection of its own, closes the sending side so the server sees the
 * end, and returns what came back (empty when it closed without a word). */
static GString *
exchange (const guint8 *request, gsize length)
{
  struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = g_htons (hq->port) };
  struct timeval timeout = { .tv_sec = 10 };
  GString *answer = g_string_new (NULL);
  char buffer[8192];
  gssize got;
  gsize sent = 0;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (fd, >=, 0);
  address.sin_addr.s_addr = g_htonl (INADDR_LOOPBACK);
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  g_assert_cmpint (connect (fd, (struct sockaddr *)&address, sizeof address), ==, 0);
  /* A request the server stops reading halfway (it answered already) is not an error. */
  while (sent < length && (got = send (fd, request + sent, length - sent, MSG_NOSIGNAL)) > 0)
    sent += (gsize)got;
  shutdown (fd, SHUT_WR);
  while ((got = recv (fd, buffer, sizeof buffer, 0)) > 0)
    g_string_append_len (answer, buffer, got);
  close (fd);
  return answer;
}

static void
save_failure (const guint8 *request, gsize length)
{
  g_autofree char *path = g_test_build_filename (G_TEST_BUILT, "hq-http-fuzz-failure.txt", NULL);

  g_file_set_contents (path, (const char *)request, (gssize)length, NULL);
  g_test_message ("the request is in %s", path);
}

static void
assert_alive (void)
{
  g_autoptr (MendTestHttp) http = mend_test_hq_request (hq, "GET", "/healthz", NULL, NULL, NULL, 0);

  g_assert_cmpint (http->status, ==, 200);
}

static void
test_mutated_requests (void)
{
  const char *requests_env = g_getenv ("MEND_HQ_FUZZ_REQUESTS");
  const char *seconds_env = g_getenv ("MEND_HQ_FUZZ_SECONDS");
  guint max_requests = requests_env ? (guint)g_ascii_strtoull (requests_env, NULL, 10) : 400;
  gint64 deadline = g_get_monotonic_time ()
                    + (seconds_env ? g_ascii_strtoll (seconds_env, NULL, 10) : 60) * G_USEC_PER_SEC;
  guint sent = 0;
  guint by_class[6] = { 0 };
  guint silent = 0;

  for (; sent < max_requests && g_get_monotonic_time () < deadline; sent++)
    {
      GBytes *seed = g_ptr_array_index (seeds, g_test_rand_int_range (0, seeds->len));
      g_autoptr (GByteArray) request = mutate (seed);
      g_autoptr (GString) answer = exchange (request->data, request->len);
      int status = 0;

      if (answer->len == 0)
        {
          silent++;
          continue;
        }
      if (answer->len < 12
          || !(g_str_has_prefix (answer->str, "HTTP/1.1 ")
               || g_str_has_prefix (answer->str, "HTTP/1.0 "))
          || (status = (int)g_ascii_strtoll (answer->str + 9, NULL, 10)) < 100 || status > 599)
        {
          save_failure (request->data, request->len);
          g_error ("request %u: the answer is not HTTP: %.40s", sent, answer->str);
        }
      by_class[status / 100]++;
      /* 505 (an HTTP version it does not speak) and 501 (a method it does not know) are
       * libmicrohttpd's refusals; 500 and 503 would be Mend's own failure. */
      if (status == 500 || status == 503)
        {
          save_failure (request->data, request->len);
          g_error ("request %u was answered %d: %s", sent, status, answer->str);
        }
      if (sent % 50 == 49)
        assert_alive ();
    }
  assert_alive ();
  g_test_message ("%u requests: %u answered 1xx, %u 2xx, %u 3xx, %u 4xx, %u 5xx; %u closed "
                  "unanswered",
                  sent, by_class[1], by_class[2], by_class[3], by_class[4], by_class[5], silent);
  g_assert_cmpuint (sent, >, 0);
  mend_test_reliability_row ("hostile input: mutated HTTP requests to a running mend-hq", sent,
                             MEND_RELIABILITY_REFUSED);
}

int
main (int argc, char **argv)
{
  const char *const add[] = { "team", "add", "North Kettering", NULL };
  const char *const serve_args[] = { "--device-rate",
                                     "1000000",
                                     "--device-burst",
                                     "1000000",
                                     "--enrol-rate",
                                     "1000000",
                                     "--timeout",
                                     "5",
                                     NULL };
  g_autofree char *team = NULL;
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  hq = mend_test_hq_start_with (serve_args);
  team = mend_test_hq_admin (hq, add);
  g_strstrip (team);
  make_seeds (team);

  g_test_add_func ("/hq-http-fuzz/mutated-requests", test_mutated_requests);
  status = g_test_run ();

  mend_test_hq_stop (hq);
  g_ptr_array_unref (seeds);
  g_free (token);
  g_free (device_id);
  return status;
}
