/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-test"

#include "config.h"

#include "mend-test-hq-device.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sodium.h>
#include <string.h>
#include <sys/socket.h>

#include "mend-canonical.h"
#include "mend-rows.h"

/* A code from `mend-hq admin enrolment-code TEAM`. */
char *
mend_test_hq_new_code (MendTestHq *hq, const char *team)
{
  const char *const args[] = { "enrolment-code", team, NULL };

  return mend_test_hq_admin (hq, args);
}

MendTestDevice *
mend_test_device_new (MendTestHq *hq, const char *device_id, const char *token)
{
  MendTestDevice *device = g_new0 (MendTestDevice, 1);

  device->hq = hq;
  device->device_id = g_strdup (device_id);
  device->token = g_strdup (token);
  device->rows = g_ptr_array_new_with_free_func ((GDestroyNotify)mend_event_row_free);
  return device;
}

/**
 * mend_test_device_enrol:
 *
 * Returns: (transfer full): a new device of @team, enrolled over HTTP with a fresh code.
 */
MendTestDevice *
mend_test_device_enrol (MendTestHq *hq, const char *team)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *code = mend_test_hq_new_code (hq, team);
  g_autofree char *device_id = g_uuid_string_random ();
  g_autoptr (GBytes) body = mend_wire_encode_enrol_request (code, device_id, NULL);
  g_autoptr (MendTestHttp) http = NULL;
  g_autoptr (MendWireEnrolment) enrolment = NULL;

  http = mend_test_hq_request (hq, "POST", "/api/v1/devices/enrol", NULL, "application/json",
                               g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  if (http->status != 201)
    g_error ("enrolment: %ld %s", http->status, http->body->str);
  enrolment = mend_wire_decode_enrolment (http->body->str, http->body->len, &error);
  g_assert_no_error (error);
  return mend_test_device_new (hq, device_id, enrolment->token);
}

void
mend_test_device_free (MendTestDevice *device)
{
  g_free (device->device_id);
  g_free (device->token);
  g_ptr_array_unref (device->rows);
  g_free (device);
}

/**
 * mend_test_device_add:
 * @payload_json: the payload, any JSON object text
 *
 * Appends an event to the device's chain, hashed by data/'s own code.
 */
const MendEventRow *
mend_test_device_add (MendTestDevice *device, const char *kind, const char *payload_json)
{
  g_autoptr (GError) error = NULL;
  MendEventRow *row = g_new0 (MendEventRow, 1);
  const MendEventRow *last
      = device->rows->len > 0 ? g_ptr_array_index (device->rows, device->rows->len - 1) : NULL;
  gint64 now = g_get_real_time () / 1000;
  MendEventFields fields;

  row->seq = device->rows->len + 1;
  row->id = g_uuid_string_random ();
  row->kind = g_strdup (kind);
  row->recorded_at_ms = now;
  row->occurred_at_ms = now;
  mend_fix_init (&row->fix, MEND_FIX_STATE_OFF, "GPS was not asked");
  row->payload = mend_canonical_json_text (payload_json, &error);
  g_assert_no_error (error);
  row->prev_hash = g_strdup (last != NULL ? last->hash : MEND_HASH_GENESIS);
  mend_event_row_get_fields (row, device->device_id, &fields);
  row->hash = mend_event_hash (row->prev_hash, &fields);
  row->sync_state = g_strdup ("pending");
  g_ptr_array_add (device->rows, row);
  return row;
}

char *
mend_test_sha256_hex (GBytes *bytes)
{
  return g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
}

GBytes *
mend_test_random_bytes (gsize length)
{
  guint8 *data = g_malloc (length);

  randombytes_buf (data, length);
  return g_bytes_new_take (data, length);
}

/* A photo.taken event naming @photo, as data/mend-store-record.c writes one. */
const MendEventRow *
mend_test_device_add_photo (MendTestDevice *device, GBytes *photo)
{
  g_autofree char *sha256 = mend_test_sha256_hex (photo);
  g_autofree char *payload = g_strdup_printf (
      "{\"bytes\":%" G_GSIZE_FORMAT ",\"height\":3000,\"role\":\"evidence\",\"sha256\":\"%s\","
      "\"width\":4000}",
      g_bytes_get_size (photo), sha256);

  return mend_test_device_add (device, "photo.taken", payload);
}

GBytes *
mend_test_device_batch (MendTestDevice *device, guint from, guint n)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = g_ptr_array_new ();
  GBytes *body;

  for (guint i = from; i < from + n && i < device->rows->len; i++)
    g_ptr_array_add (rows, g_ptr_array_index (device->rows, i));
  body = mend_wire_encode_events (device->device_id, rows, &error);
  g_assert_no_error (error);
  return body;
}

/**
 * mend_test_device_push:
 * @out_status: (out): the HTTP status
 *
 * Returns: (transfer full) (nullable): the results of a 200, checked against the rows sent.
 */
MendWireResults *
mend_test_device_push (MendTestDevice *device, guint from, guint n, long *out_status)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) body = mend_test_device_batch (device, from, n);
  g_autoptr (MendTestHttp) http = NULL;
  g_autoptr (GPtrArray) rows = g_ptr_array_new ();
  MendWireResults *results;

  http = mend_test_hq_request (device->hq, "POST", "/api/v1/events", device->token,
                               "application/json", g_bytes_get_data (body, NULL),
                               g_bytes_get_size (body));
  *out_status = http->status;
  if (http->status != 200)
    return NULL;
  results = mend_wire_decode_results (http->body->str, http->body->len, &error);
  g_assert_no_error (error);
  for (guint i = from; i < from + n && i < device->rows->len; i++)
    g_ptr_array_add (rows, g_ptr_array_index (device->rows, i));
  g_assert_true (mend_wire_results_check (results, rows, &error));
  g_assert_no_error (error);
  return results;
}

MendTestHttp *
mend_test_device_patch (MendTestDevice *device,
                        GBytes *photo,
                        const char *sha256,
                        gint64 offset,
                        gsize n,
                        gboolean with_length)
{
  g_autofree char *path = g_strconcat ("/api/v1/blobs/", sha256, NULL);
  g_autofree char *offset_header = g_strdup_printf ("Upload-Offset: %" G_GINT64_FORMAT, offset);
  g_autofree char *length_header
      = g_strdup_printf ("Upload-Length: %" G_GSIZE_FORMAT, g_bytes_get_size (photo));
  const char *headers[] = { offset_header, with_length ? length_header : NULL, NULL };
  const char *data = g_bytes_get_data (photo, NULL);

  return mend_test_hq_request_full (device->hq, "PATCH", path, device->token,
                                    "application/offset+octet-stream", n > 0 ? data + offset : "",
                                    n, headers);
}

static gint64
header_offset (MendTestHttp *http)
{
  const char *value = mend_test_http_header (http, "Upload-Offset");

  return value != NULL ? g_ascii_strtoll (value, NULL, 10) : -1;
}

gboolean
mend_test_device_upload (MendTestDevice *device, GBytes *photo, gsize chunk)
{
  g_autofree char *sha256 = mend_test_sha256_hex (photo);
  g_autofree char *path = g_strconcat ("/api/v1/blobs/", sha256, NULL);
  gsize length = g_bytes_get_size (photo);
  gint64 offset = 0;

  {
    g_autoptr (MendTestHttp) head
        = mend_test_hq_request (device->hq, "HEAD", path, device->token, NULL, NULL, 0);

    if (head->status == 200)
      {
        if (g_strcmp0 (mend_test_http_header (head, "Upload-Complete"), "?1") == 0)
          return TRUE;
        offset = header_offset (head);
      }
    else if (head->status != 404)
      return FALSE;
  }
  for (int attempts = 0; attempts < 10000; attempts++)
    {
      gsize n = MIN (chunk, length - (gsize)offset);
      g_autoptr (MendTestHttp) http
          = mend_test_device_patch (device, photo, sha256, offset, n, offset == 0);

      if (http->status == 204
          && g_strcmp0 (mend_test_http_header (http, "Upload-Complete"), "?1") == 0)
        return TRUE;
      if (http->status != 204 && http->status != 409)
        {
          g_message ("upload: %ld %s", http->status, http->body->str);
          return FALSE;
        }
      /* 409: another upload of the same blob is writing or HQ holds another offset. */
      if (http->status == 409)
        g_usleep (2000);
      offset = header_offset (http);
      if (offset < 0 || offset > (gint64)length)
        return FALSE;
    }
  return FALSE;
}

/* A plain TCP connection to the server, for requests libcurl will not send: cut off half
 * way, or stalled. */
int
mend_test_hq_socket (MendTestHq *hq)
{
  struct sockaddr_in address = { 0 };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (fd, >=, 0);
  address.sin_family = AF_INET;
  address.sin_port = htons (hq->port);
  address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  g_assert_cmpint (connect (fd, (struct sockaddr *)&address, sizeof address), ==, 0);
  return fd;
}

void
mend_test_send_all (int fd, const void *data, gsize length)
{
  const char *p = data;

  while (length > 0)
    {
      ssize_t n = send (fd, p, length, MSG_NOSIGNAL);

      g_assert_cmpint (n, >, 0);
      p += n;
      length -= (gsize)n;
    }
}

/**
 * mend_test_hq_metric:
 * @series: a series as /metrics writes it, labels included: `mend_events_total{result="stored"}`
 *
 * Returns: its value in a fresh scrape, or -1 when it is not there.
 */
double
mend_test_hq_metric (MendTestHq *hq, const char *series)
{
  g_autoptr (MendTestHttp) http = mend_test_hq_request (hq, "GET", "/metrics", NULL, NULL, NULL, 0);
  g_auto (GStrv) lines = NULL;
  gsize n = strlen (series);

  g_assert_cmpint (http->status, ==, 200);
  lines = g_strsplit (http->body->str, "\n", -1);
  for (char **line = lines; *line != NULL; line++)
    if (strncmp (*line, series, n) == 0 && (*line)[n] == ' ')
      return g_ascii_strtod (*line + n + 1, NULL);
  return -1;
}

/**
 * mend_test_hq_server_stop:
 * @server: (transfer full): a mend-hq from mend_test_hq_spawn()
 *
 * Stops a server a test started with SIGTERM and checks it shut down cleanly (exit 0).
 */
void
mend_test_hq_server_stop (GSubprocess *server)
{
  g_autoptr (GError) error = NULL;

  g_subprocess_send_signal (server, SIGTERM);
  g_subprocess_wait (server, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (server), ==, 0);
  g_object_unref (server);
}

/**
 * mend_test_http_assert_refused:
 * @status: the HTTP status expected
 * @code: the error code expected in HQ's error body (PROTOCOL.md)
 *
 * Checks that HQ refused @http with @status and an error body carrying @code, and one Date
 * header; on another status, fails with the body so the log shows what HQ said.
 */
void
mend_test_http_assert_refused (MendTestHttp *http, long status, const char *code)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MendWireRefusal) refusal = NULL;

  if (http->status != status)
    g_error ("expected %ld %s, got %ld %s", status, code, http->status, http->body->str);
  g_assert_cmpint (http->n_date, ==, 1);
  refusal = mend_wire_decode_error (http->body->str, http->body->len, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (refusal->code, ==, code);
}
