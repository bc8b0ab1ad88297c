/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-test"

#include "config.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mend-test-hq-device.h"
#include "mend-test-reliability.h"

/* Photos at HQ (PROTOCOL.md section 11) against a real PostgreSQL and the real server: the
 * resumable upload, connections cut at many offsets, a wrong hash, hostile ids, blobs no event
 * of the team names, two devices racing with one photo, abandoned partials, and the server
 * killed half way through a chunk. The server runs with a 3-second time to live for partial
 * uploads and no request rate, so the tests stay fast. */

#define OCTETS "application/offset+octet-stream"

static MendTestHq *hq;
static char *team;
static char *other_team;

static void
assert_status (MendTestHttp *http, long status)
{
  if (http->status != status)
    g_error ("expected %ld, got %ld %s", status, http->status, http->body->str);
  g_assert_cmpint (http->n_date, ==, 1);
}

static gint64
offset_of (MendTestHttp *http)
{
  const char *value = mend_test_http_header (http, "Upload-Offset");

  g_assert_nonnull (value);
  return g_ascii_strtoll (value, NULL, 10);
}

static const char *
complete_of (MendTestHttp *http)
{
  return mend_test_http_header (http, "Upload-Complete");
}

/* A device of @in_team whose photo.taken event naming @photo HQ has stored. */
static MendTestDevice *
device_with_photo (const char *in_team, GBytes *photo)
{
  MendTestDevice *device = mend_test_device_enrol (hq, in_team);
  g_autoptr (MendWireResults) results = NULL;
  const MendWireResult *result;
  long status = 0;

  mend_test_device_add_photo (device, photo);
  results = mend_test_device_push (device, 0, device->rows->len, &status);
  g_assert_cmpint (status, ==, 200);
  result = g_ptr_array_index (results->results, 0);
  if (result->status != MEND_WIRE_STATUS_STORED)
    g_error ("photo.taken not stored: %s", result->message);
  return device;
}

static MendTestHttp *
head (MendTestDevice *device, const char *sha256)
{
  g_autofree char *path = g_strconcat ("/api/v1/blobs/", sha256, NULL);

  return mend_test_hq_request (hq, "HEAD", path, device->token, NULL, NULL, 0);
}

static char *
whole_path (const char *sha256)
{
  char prefix[3] = { sha256[0], sha256[1], '\0' };

  return g_build_filename (hq->blobs, prefix, sha256, NULL);
}

static char *
part_path (const char *sha256, const char *suffix)
{
  g_autofree char *name = g_strconcat (sha256, suffix, NULL);

  return g_build_filename (hq->blobs, "partial", name, NULL);
}

/* The stored blob is exactly @photo, and nothing of its upload is left behind. */
static void
assert_stored (const char *sha256, GBytes *photo)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = whole_path (sha256);
  g_autofree char *part = part_path (sha256, "");
  g_autofree char *length = part_path (sha256, ".length");
  g_autofree char *contents = NULL;
  gsize size = 0;

  g_file_get_contents (path, &contents, &size, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (contents, size, g_bytes_get_data (photo, NULL), g_bytes_get_size (photo));
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (length, G_FILE_TEST_EXISTS));
}

static void
test_upload (void)
{
  g_autoptr (GBytes) photo = mend_test_random_bytes (1024 * 1024 + 17);
  g_autoptr (MendTestDevice) device = device_with_photo (team, photo);
  g_autofree char *sha256 = mend_test_sha256_hex (photo);
  gsize length = g_bytes_get_size (photo);
  g_autofree char *length_text = g_strdup_printf ("%" G_GSIZE_FORMAT, length);
  g_autofree char *wrong_length = g_strdup_printf ("Upload-Length: %" G_GSIZE_FORMAT, length + 1);
  g_autofree char *path = g_strconcat ("/api/v1/blobs/", sha256, NULL);
  const char *mismatched[] = { "Upload-Offset: 300000", wrong_length, NULL };
  MendTestHttp *http;

  http = head (device, sha256);
  g_assert_cmpint (http->status, ==, 404);
  g_assert_cmpint (http->n_date, ==, 1);
  mend_test_http_free (http);

  /* The first chunk must say how long the blob is. */
  http = mend_test_device_patch (device, photo, sha256, 0, 1000, FALSE);
  mend_test_http_assert_refused (http, 400, "bad_request");
  mend_test_http_free (http);

  http = mend_test_device_patch (device, photo, sha256, 0, 300000, TRUE);
  assert_status (http, 204);
  g_assert_cmpint (offset_of (http), ==, 300000);
  g_assert_cmpstr (complete_of (http), ==, "?0");
  mend_test_http_free (http);

  http = head (device, sha256);
  assert_status (http, 200);
  g_assert_cmpint (offset_of (http), ==, 300000);
  g_assert_cmpstr (mend_test_http_header (http, "Upload-Length"), ==, length_text);
  g_assert_cmpstr (complete_of (http), ==, "?0");
  g_assert_cmpstr (mend_test_http_header (http, "Cache-Control"), ==, "no-store");
  mend_test_http_free (http);

  /* A resend of the first chunk: nothing is written, and HQ says where it is. */
  http = mend_test_device_patch (device, photo, sha256, 0, 300000, TRUE);
  mend_test_http_assert_refused (http, 409, "offset_mismatch");
  g_assert_cmpint (offset_of (http), ==, 300000);
  mend_test_http_free (http);

  http = mend_test_hq_request_full (hq, "PATCH", path, device->token, OCTETS, "x", 1, mismatched);
  mend_test_http_assert_refused (http, 400, "bad_request");
  mend_test_http_free (http);

  http = mend_test_device_patch (device, photo, sha256, 300000, length - 300000, FALSE);
  assert_status (http, 204);
  g_assert_cmpint (offset_of (http), ==, length);
  g_assert_cmpstr (complete_of (http), ==, "?1");
  mend_test_http_free (http);
  assert_stored (sha256, photo);

  http = head (device, sha256);
  assert_status (http, 200);
  g_assert_cmpint (offset_of (http), ==, length);
  g_assert_cmpstr (complete_of (http), ==, "?1");
  mend_test_http_free (http);

  /* The last answer was lost: the empty PATCH at the end is told again. */
  http = mend_test_device_patch (device, photo, sha256, length, 0, FALSE);
  assert_status (http, 204);
  g_assert_cmpstr (complete_of (http), ==, "?1");
  mend_test_http_free (http);

  http = mend_test_device_patch (device, photo, sha256, 0, 10, TRUE);
  mend_test_http_assert_refused (http, 409, "offset_mismatch");
  g_assert_cmpint (offset_of (http), ==, length);
  mend_test_http_free (http);
  assert_stored (sha256, photo);
}

/* The bytes of the partial upload on disk are a prefix of @photo; returns their count. */
static gsize
assert_partial_prefix (const char *sha256, GBytes *photo)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *part = part_path (sha256, "");
  g_autofree char *contents = NULL;
  gsize size = 0;

  g_file_get_contents (part, &contents, &size, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (size, <=, g_bytes_get_size (photo));
  g_assert_cmpmem (contents, size, g_bytes_get_data (photo, NULL), size);
  return size;
}

/* HEAD until the offset holds still: the server notices a closed connection on its own. */
static gint64
settled_offset (MendTestDevice *device, const char *sha256)
{
  gint64 last = -2;

  for (int i = 0; i < 100; i++)
    {
      g_autoptr (MendTestHttp) http = head (device, sha256);
      gint64 offset = http->status == 404 ? 0 : offset_of (http);

      if (offset == last)
        return offset;
      last = offset;
      g_usleep (50000);
    }
  g_error ("the offset never settled");
}

/* Sends a PATCH from @offset declaring the rest of @photo but only up to @cut, then hangs up. */
static void
cut_patch (const char *token, GBytes *photo, const char *sha256, gsize offset, gsize cut)
{
  gsize length = g_bytes_get_size (photo);
  g_autofree char *request = g_strdup_printf (
      "PATCH /api/v1/blobs/%s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
      "Content-Type: " OCTETS "\r\nUpload-Offset: %" G_GSIZE_FORMAT "\r\n"
      "Upload-Length: %" G_GSIZE_FORMAT "\r\nContent-Length: %" G_GSIZE_FORMAT "\r\n\r\n",
      sha256, token, offset, length, length - offset);
  int fd = mend_test_hq_socket (hq);

  mend_test_send_all (fd, request, strlen (request));
  if (cut > offset)
    mend_test_send_all (fd, (const char *)g_bytes_get_data (photo, NULL) + offset, cut - offset);
  close (fd);
}

static void
test_cut_at_many_offsets (void)
{
  g_autoptr (GBytes) photo = mend_test_random_bytes (600 * 1000);
  g_autoptr (MendTestDevice) device = device_with_photo (team, photo);
  g_autofree char *sha256 = mend_test_sha256_hex (photo);
  const gsize cuts[] = { 0, 1, 1000, 65535, 65536, 200001, 350000, 599999 };
  gint64 offset = 0;

  for (guint i = 0; i < G_N_ELEMENTS (cuts); i++)
    {
      gsize cut = MAX (cuts[i], (gsize)offset);
      gint64 held;

      cut_patch (device->token, photo, sha256, offset, cut);
      held = settled_offset (device, sha256);
      /* Whatever arrived before the cut may be kept, never more, and never other bytes. */
      g_assert_cmpint (held, >=, offset);
      g_assert_cmpint (held, <=, (gint64)cut);
      if (held > 0)
        g_assert_cmpuint (assert_partial_prefix (sha256, photo), ==, held);
      offset = held;
    }
  g_assert_true (mend_test_device_upload (device, photo, 100000));
  assert_stored (sha256, photo);
  mend_test_reliability_row ("a photo upload cut part way", G_N_ELEMENTS (cuts),
                             MEND_RELIABILITY_NOTHING_LOST);
}

static void
test_hash_mismatch (void)
{
  g_autoptr (GBytes) photo = mend_test_random_bytes (100 * 1024);
  g_autoptr (GBytes) impostor = mend_test_random_bytes (100 * 1024);
  g_autoptr (MendTestDevice) device = device_with_photo (team, photo);
  g_autofree char *sha256 = mend_test_sha256_hex (photo);
  g_autofree char *part = part_path (sha256, "");
  g_autofree char *length = part_path (sha256, ".length");
  g_autofree char *whole = whole_path (sha256);
  double mismatches = mend_test_hq_metric (hq, "mend_blob_hash_mismatches_total");
  double completed = mend_test_hq_metric (hq, "mend_blobs_completed_total");
  MendTestHttp *http;

  http = mend_test_device_patch (device, impostor, sha256, 0, 60 * 1024, TRUE);
  assert_status (http, 204);
  mend_test_http_free (http);
  http = mend_test_device_patch (device, impostor, sha256, 60 * 1024, 40 * 1024, FALSE);
  mend_test_http_assert_refused (http, 422, "hash_mismatch");
  mend_test_http_free (http);

  /* The partial data is dropped: the next HEAD starts the device again from 0. */
  http = head (device, sha256);
  g_assert_cmpint (http->status, ==, 404);
  mend_test_http_free (http);
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (length, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (whole, G_FILE_TEST_EXISTS));
  g_assert_cmpfloat (mend_test_hq_metric (hq, "mend_blob_hash_mismatches_total"), ==,
                     mismatches + 1);

  g_assert_true (mend_test_device_upload (device, photo, 64 * 1024));
  assert_stored (sha256, photo);
  g_assert_cmpfloat (mend_test_hq_metric (hq, "mend_blobs_completed_total"), ==, completed + 1);
  mend_test_reliability_row ("photo bytes that do not match the photo's hash", 1,
                             MEND_RELIABILITY_REFUSED);
}

/* Every file under the blob folder: the two-digit folders, partial/ and what they hold. */
static void
assert_blob_folder_clean (void)
{
  g_autoptr (GDir) dir = g_dir_open (hq->blobs, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_assert_true (
        strcmp (name, "partial") == 0
        || (strlen (name) == 2 && g_ascii_isxdigit (name[0]) && g_ascii_isxdigit (name[1])));
}

static void
test_bad_ids (void)
{
  g_autoptr (GBytes) photo = mend_test_random_bytes (1000);
  g_autoptr (MendTestDevice) device = device_with_photo (team, photo);
  g_autofree char *sha256 = mend_test_sha256_hex (photo);
  g_autofree char *upper = g_ascii_strup (sha256, -1);
  g_autofree char *short_id = g_strndup (sha256, 63);
  g_autofree char *long_id = g_strconcat (sha256, "0", NULL);
  g_autofree char *slash = g_strconcat (sha256, "/x", NULL);
  g_autofree char *dots = g_strconcat (sha256, "/../", sha256, NULL);
  const char *ids[] = {
    "../../etc/passwd",
    "..%2f..%2fetc%2fpasswd",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "%2e%2e",
    "..",
    upper,
    short_id,
    long_id,
    slash,
    dots,
    "",
    "partial",
  };
  const char *headers[] = { "Upload-Offset: 0", "Upload-Length: 4", NULL };

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autofree char *path = g_strconcat ("/api/v1/blobs/", ids[i], NULL);
      g_autoptr (MendTestHttp) patch = NULL;
      g_autoptr (MendTestHttp) probe = NULL;

      patch = mend_test_hq_request_full (hq, "PATCH", path, device->token, OCTETS, "root", 4,
                                         headers);
      if (patch->status != 400)
        g_error ("PATCH %s: %ld %s", path, patch->status, patch->body->str);
      mend_test_http_assert_refused (patch, 400, "bad_request");
      probe = mend_test_hq_request (hq, "HEAD", path, device->token, NULL, NULL, 0);
      g_assert_cmpint (probe->status, ==, 400);
    }
  assert_blob_folder_clean ();
  g_assert_false (g_file_test (upper, G_FILE_TEST_EXISTS));
}

static void
test_not_named (void)
{
  g_autoptr (GBytes) photo = mend_test_random_bytes (2000);
  g_autoptr (GBytes) unnamed = mend_test_random_bytes (2000);
  g_autoptr (MendTestDevice) stranger = device_with_photo (other_team, photo);
  g_autoptr (MendTestDevice) device = mend_test_device_enrol (hq, team);
  g_autofree char *sha256 = mend_test_sha256_hex (photo);
  g_autofree char *unnamed_sha256 = mend_test_sha256_hex (unnamed);
  g_autofree char *path = g_strconcat ("/api/v1/blobs/", sha256, NULL);
  MendTestHttp *http;

  /* Another team's event names this photo; this device's team has none. */
  http = head (device, sha256);
  g_assert_cmpint (http->status, ==, 404);
  mend_test_http_free (http);
  http = mend_test_device_patch (device, photo, sha256, 0, 2000, TRUE);
  mend_test_http_assert_refused (http, 403, "forbidden");
  mend_test_http_free (http);

  http = head (device, unnamed_sha256);
  g_assert_cmpint (http->status, ==, 404);
  mend_test_http_free (http);
  http = mend_test_device_patch (device, unnamed, unnamed_sha256, 0, 2000, TRUE);
  mend_test_http_assert_refused (http, 403, "forbidden");
  mend_test_http_free (http);

  http = mend_test_hq_request (hq, "HEAD", path, NULL, NULL, NULL, 0);
  g_assert_cmpint (http->status, ==, 401);
  g_assert_true (http->www_authenticate);
  mend_test_http_free (http);
  http = mend_test_hq_request (hq, "PUT", path, stranger->token, OCTETS, "x", 1);
  mend_test_http_assert_refused (http, 405, "method_not_allowed");
  g_assert_cmpstr (http->allow, ==, "HEAD, PATCH");
  mend_test_http_free (http);

  {
    g_autofree char *part = part_path (sha256, "");

    g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
  }
  g_assert_true (mend_test_device_upload (stranger, photo, 1000));
  assert_stored (sha256, photo);
}

static void
test_bad_headers (void)
{
  g_autoptr (GBytes) photo = mend_test_random_bytes (5 * 1024 * 1024);
  g_autoptr (MendTestDevice) device = device_with_photo (team, photo);
  g_autofree char *sha256 = mend_test_sha256_hex (photo);
  g_autofree char *path = g_strconcat ("/api/v1/blobs/", sha256, NULL);
  const char *data = g_bytes_get_data (photo, NULL);
  const char *huge[] = { "Upload-Offset: 0", "Upload-Length: 33554433", NULL };
  const char *negative[] = { "Upload-Offset: -1", "Upload-Length: 5242880", NULL };
  const char *zero_padded[] = { "Upload-Offset: 00", "Upload-Length: 5242880", NULL };
  const char *words[] = { "Upload-Offset: zero", "Upload-Length: 5242880", NULL };
  const char *no_offset[] = { "Upload-Length: 5242880", NULL };
  const char *short_length[] = { "Upload-Offset: 0", "Upload-Length: 10", NULL };
  const char *good[] = { "Upload-Offset: 0", "Upload-Length: 5242880", NULL };
  MendTestHttp *http;

  http = mend_test_hq_request_full (hq, "PATCH", path, device->token, OCTETS, data, 10, huge);
  mend_test_http_assert_refused (http, 413, "payload_too_large");
  mend_test_http_free (http);
  http = mend_test_hq_request_full (hq, "PATCH", path, device->token, "application/json", data, 10,
                                    good);
  mend_test_http_assert_refused (http, 415, "unsupported_media_type");
  mend_test_http_free (http);
  http = mend_test_hq_request_full (hq, "PATCH", path, device->token, OCTETS, data, 10, negative);
  mend_test_http_assert_refused (http, 400, "bad_request");
  mend_test_http_free (http);
  http
      = mend_test_hq_request_full (hq, "PATCH", path, device->token, OCTETS, data, 10, zero_padded);
  mend_test_http_assert_refused (http, 400, "bad_request");
  mend_test_http_free (http);
  http = mend_test_hq_request_full (hq, "PATCH", path, device->token, OCTETS, data, 10, words);
  mend_test_http_assert_refused (http, 400, "bad_request");
  mend_test_http_free (http);
  http = mend_test_hq_request_full (hq, "PATCH", path, device->token, OCTETS, data, 10, no_offset);
  mend_test_http_assert_refused (http, 400, "bad_request");
  mend_test_http_free (http);
  /* A chunk larger than 4 MiB is refused before it is read. */
  http = mend_test_hq_request_full (hq, "PATCH", path, device->token, OCTETS, data,
                                    4 * 1024 * 1024 + 1, good);
  mend_test_http_assert_refused (http, 413, "payload_too_large");
  mend_test_http_free (http);
  http = head (device, sha256);
  g_assert_cmpint (http->status, ==, 404);
  mend_test_http_free (http);

  /* A chunk that passes its own Upload-Length commits nothing, not even that length: the
   * corrected first chunk is taken. */
  http = mend_test_hq_request_full (hq, "PATCH", path, device->token, OCTETS, data, 20,
                                    short_length);
  mend_test_http_assert_refused (http, 400, "bad_request");
  mend_test_http_free (http);
  http = mend_test_hq_request_full (hq, "PATCH", path, device->token, OCTETS, data, 10, good);
  assert_status (http, 204);
  g_assert_cmpint (offset_of (http), ==, 10);
  mend_test_http_free (http);
  g_assert_cmpuint (assert_partial_prefix (sha256, photo), ==, 10);

  /* Once bytes are held, the length may not change, and a chunk passing it is refused whole. */
  http = mend_test_hq_request_full (
      hq, "PATCH", path, device->token, OCTETS, data + 10, 10,
      (const char *[]){ "Upload-Offset: 10", "Upload-Length: 30", NULL });
  mend_test_http_assert_refused (http, 400, "bad_request");
  mend_test_http_free (http);
  http = head (device, sha256);
  assert_status (http, 200);
  g_assert_cmpint (offset_of (http), ==, 10);
  g_assert_cmpstr (mend_test_http_header (http, "Upload-Length"), ==, "5242880");
  mend_test_http_free (http);
  g_assert_true (mend_test_device_upload (device, photo, 4 * 1024 * 1024));
  assert_stored (sha256, photo);
}

/* A PATCH with a chunked body (no Content-Length), so HQ learns its size only as it streams;
 * returns the status line's code. */
static int
chunked_patch (MendTestDevice *device,
               const char *sha256,
               gsize offset,
               gsize length,
               const char *data,
               gsize n)
{
  g_autofree char *head = g_strdup_printf (
      "PATCH /api/v1/blobs/%s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
      "Content-Type: " OCTETS "\r\nUpload-Offset: %" G_GSIZE_FORMAT "\r\n"
      "Upload-Length: %" G_GSIZE_FORMAT "\r\nTransfer-Encoding: chunked\r\n"
      "Connection: close\r\n\r\n",
      sha256, device->token, offset, length);
  g_autofree char *size = g_strdup_printf ("%" G_GSIZE_MODIFIER "x\r\n", n);
  g_autoptr (GString) answer = g_string_new (NULL);
  int fd = mend_test_hq_socket (hq);
  char buffer[4096];
  ssize_t got;

  mend_test_send_all (fd, head, strlen (head));
  mend_test_send_all (fd, size, strlen (size));
  mend_test_send_all (fd, data, n);
  mend_test_send_all (fd, "\r\n0\r\n\r\n", 7);
  while ((got = recv (fd, buffer, sizeof buffer, 0)) > 0)
    g_string_append_len (answer, buffer, got);
  close (fd);
  g_assert_true (g_str_has_prefix (answer->str, "HTTP/1.1 "));
  return atoi (answer->str + 9);
}

static void
test_chunked (void)
{
  g_autoptr (GBytes) photo = mend_test_random_bytes (100 * 1000);
  g_autoptr (MendTestDevice) device = device_with_photo (team, photo);
  g_autofree char *sha256 = mend_test_sha256_hex (photo);
  const char *data = g_bytes_get_data (photo, NULL);
  g_autoptr (GBytes) too_much = mend_test_random_bytes (4 * 1024 * 1024 + 1);
  MendTestHttp *http;

  g_assert_cmpint (chunked_patch (device, sha256, 0, 100000, data, 60000), ==, 204);
  /* Past Upload-Length, found only while streaming: refused, and nothing of it is kept. The
   * bytes come from the larger buffer: the photo has only 40,000 left after the offset. */
  g_assert_cmpint (
      chunked_patch (device, sha256, 60000, 100000, g_bytes_get_data (too_much, NULL), 50000), ==,
      400);
  http = head (device, sha256);
  assert_status (http, 200);
  g_assert_cmpint (offset_of (http), ==, 60000);
  mend_test_http_free (http);
  g_assert_cmpuint (assert_partial_prefix (sha256, photo), ==, 60000);

  /* More than 4 MiB in one chunk, again found while streaming (the blob is 32 MiB long). */
  {
    g_autoptr (GBytes) big = mend_test_random_bytes (8 * 1024 * 1024);
    g_autoptr (MendTestDevice) other = device_with_photo (team, big);
    g_autofree char *big_sha256 = mend_test_sha256_hex (big);

    g_assert_cmpint (chunked_patch (other, big_sha256, 0, 8 * 1024 * 1024,
                                    g_bytes_get_data (too_much, NULL), g_bytes_get_size (too_much)),
                     ==, 413);
    http = head (other, big_sha256);
    g_assert_true (http->status == 404 || offset_of (http) == 0);
    mend_test_http_free (http);
  }

  g_assert_cmpint (chunked_patch (device, sha256, 60000, 100000, data + 60000, 40000), ==, 204);
  assert_stored (sha256, photo);
}

typedef struct
{
  MendTestDevice *device;
  GBytes *photo;
} Uploader;

static gpointer
upload_thread (gpointer data)
{
  Uploader *uploader = data;

  return GINT_TO_POINTER (mend_test_device_upload (uploader->device, uploader->photo, 128 * 1024));
}

/* Two devices (of two teams whose events both name the photo) upload it at once. */
static void
test_concurrent (void)
{
  for (int round = 0; round < 3; round++)
    {
      g_autoptr (GBytes) photo = mend_test_random_bytes (3 * 1024 * 1024 + round);
      g_autoptr (MendTestDevice) first = device_with_photo (team, photo);
      g_autoptr (MendTestDevice) second = device_with_photo (other_team, photo);
      g_autofree char *sha256 = mend_test_sha256_hex (photo);
      Uploader uploaders[] = { { first, photo }, { second, photo } };
      GThread *threads[2];

      for (guint i = 0; i < 2; i++)
        threads[i] = g_thread_new ("upload", upload_thread, &uploaders[i]);
      for (guint i = 0; i < 2; i++)
        g_assert_true (GPOINTER_TO_INT (g_thread_join (threads[i])));
      assert_stored (sha256, photo);
    }
  mend_test_reliability_row ("one photo uploaded by two devices at once", 3,
                             MEND_RELIABILITY_NOTHING_LOST);
}

static void
test_expiry (void)
{
  g_autoptr (GBytes) photo = mend_test_random_bytes (200 * 1000);
  g_autoptr (MendTestDevice) device = device_with_photo (team, photo);
  g_autofree char *sha256 = mend_test_sha256_hex (photo);
  g_autofree char *part = part_path (sha256, "");
  g_autofree char *length = part_path (sha256, ".length");
  double expired = mend_test_hq_metric (hq, "mend_blob_partials_expired_total");
  gint64 started = g_get_monotonic_time ();
  MendTestHttp *http;

  http = mend_test_device_patch (device, photo, sha256, 0, 50000, TRUE);
  assert_status (http, 204);
  mend_test_http_free (http);
  for (;;)
    {
      http = head (device, sha256);
      if (http->status == 404)
        break;
      g_assert_cmpint (http->status, ==, 200);
      g_assert_cmpint (offset_of (http), ==, 50000);
      mend_test_http_free (http);
      g_assert_cmpint (g_get_monotonic_time () - started, <, 15 * G_USEC_PER_SEC);
      g_usleep (200000);
    }
  mend_test_http_free (http);
  /* Not before its time (3 s, measured in whole seconds of mtime). */
  g_assert_cmpint (g_get_monotonic_time () - started, >=, 2 * G_USEC_PER_SEC);
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (length, G_FILE_TEST_EXISTS));
  g_assert_cmpfloat (mend_test_hq_metric (hq, "mend_blob_partials_expired_total"), >=, expired + 1);
  g_assert_true (mend_test_device_upload (device, photo, 64 * 1024));
  assert_stored (sha256, photo);
}

/* SIGKILL while a chunk is half sent: what the server wrote is a prefix of the photo, the
 * upload resumes from the offset the restarted server reports, and the blob is whole. */
static void
test_restart_during_patch (void)
{
  g_autoptr (GBytes) photo = mend_test_random_bytes (4 * 1024 * 1024);
  g_autoptr (MendTestDevice) device = device_with_photo (team, photo);
  g_autofree char *sha256 = mend_test_sha256_hex (photo);
  const char *data = g_bytes_get_data (photo, NULL);
  g_autofree char *request = NULL;
  MendTestHttp *http;
  gint64 held;
  int fd;

  http = mend_test_device_patch (device, photo, sha256, 0, 1024 * 1024, TRUE);
  assert_status (http, 204);
  mend_test_http_free (http);

  request = g_strdup_printf ("PATCH /api/v1/blobs/%s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                             "Authorization: Bearer %s\r\nContent-Type: " OCTETS "\r\n"
                             "Upload-Offset: 1048576\r\nContent-Length: 3145728\r\n\r\n",
                             sha256, device->token);
  fd = mend_test_hq_socket (hq);
  mend_test_send_all (fd, request, strlen (request));
  mend_test_send_all (fd, data + 1024 * 1024, 1536 * 1024);
  g_usleep (200000);
  mend_test_hq_restart (hq, TRUE);
  close (fd);

  held = settled_offset (device, sha256);
  g_assert_cmpint (held, >=, 1024 * 1024);
  g_assert_cmpint (held, <=, 2560 * 1024);
  g_assert_cmpuint (assert_partial_prefix (sha256, photo), ==, held);
  g_assert_true (mend_test_device_upload (device, photo, 512 * 1024));
  assert_stored (sha256, photo);
  mend_test_reliability_row ("mend-hq killed (SIGKILL) mid-photo-upload", 1,
                             MEND_RELIABILITY_NOTHING_LOST);
}

int
main (int argc, char **argv)
{
  const char *const serve_args[] = { "--blob-partial-ttl", "3", "--device-rate", "0", NULL };
  const char *const add[] = { "team", "add", "North Kettering", NULL };
  const char *const add_other[] = { "team", "add", "South Kettering", NULL };
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  curl_global_init (CURL_GLOBAL_DEFAULT);
  hq = mend_test_hq_start_with (serve_args);
  team = mend_test_hq_admin (hq, add);
  other_team = mend_test_hq_admin (hq, add_other);

  g_test_add_func ("/hq/blobs/upload", test_upload);
  g_test_add_func ("/hq/blobs/cut-at-many-offsets", test_cut_at_many_offsets);
  g_test_add_func ("/hq/blobs/hash-mismatch", test_hash_mismatch);
  g_test_add_func ("/hq/blobs/bad-ids", test_bad_ids);
  g_test_add_func ("/hq/blobs/not-named", test_not_named);
  g_test_add_func ("/hq/blobs/bad-headers", test_bad_headers);
  g_test_add_func ("/hq/blobs/chunked", test_chunked);
  g_test_add_func ("/hq/blobs/concurrent", test_concurrent);
  g_test_add_func ("/hq/blobs/expiry", test_expiry);
  g_test_add_func ("/hq/blobs/restart-during-patch", test_restart_during_patch);
  status = g_test_run ();

  mend_test_hq_stop (hq);
  g_free (team);
  g_free (other_team);
  curl_global_cleanup ();
  return status;
}
