/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-hq"

#include "config.h"

#include "mend-hq-private.h"

#include <arpa/inet.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "mend-time.h"
#include "mend-wire.h"

/* `mend-hq serve`: libmicrohttpd with a pool of worker threads. Handlers run on those threads:
 * each has its own PostgreSQL connection (mend_hq_db_thread_conn()), touches no GLib main
 * loop, and keeps its per-request state in *con_cls, freed in request_completed_cb(). */

typedef struct
{
  char *conninfo;
  gboolean tls;
  const char *blobs; /* nullable */
} MendHqServer;

static void
request_free (MendHqRequest *request)
{
  g_clear_pointer (&request->upload, mend_hq_blob_upload_free);
  g_free (request->method);
  g_free (request->path);
  g_clear_pointer (&request->body, g_byte_array_unref);
  g_free (request);
}

void
mend_hq_answer_json (MendHqAnswer *answer, unsigned int status, GBytes *body)
{
  answer->status = status;
  g_clear_pointer (&answer->body, g_bytes_unref);
  answer->body = body;
}

/* Adds a header to the answer, such as Upload-Offset; both strings are copied. */
void
mend_hq_answer_header (MendHqAnswer *answer, const char *name, const char *value)
{
  if (answer->headers == NULL)
    answer->headers = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (answer->headers, g_strdup (name));
  g_ptr_array_add (answer->headers, g_strdup (value));
}

void
mend_hq_answer_error (MendHqAnswer *answer,
                      const MendHqRequest *request,
                      const char *code,
                      const char *message)
{
  mend_hq_answer_json (answer, mend_wire_error_code_status (code),
                       mend_wire_encode_error (code, message, request->request_id));
}

/**
 * mend_hq_answer_body_refused:
 * @error: why the shared codec refused the request body
 *
 * 413 for a body past the codec's limits, 400 for anything else it could not read.
 */
void
mend_hq_answer_body_refused (MendHqAnswer *answer,
                             const MendHqRequest *request,
                             const GError *error)
{
  mend_hq_answer_error (answer, request,
                        g_error_matches (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_TOO_LARGE)
                            ? "payload_too_large"
                            : "bad_request",
                        error->message);
}

void
mend_hq_device_clear (MendHqDevice *device)
{
  g_clear_pointer (&device->device_id, g_free);
  g_clear_pointer (&device->team_id, g_free);
}

gboolean
mend_hq_authenticate (PGconn *conn,
                      struct MHD_Connection *connection,
                      const MendHqRequest *request,
                      MendHqDevice *out_device,
                      MendHqAnswer *answer)
{
  const char *header
      = MHD_lookup_connection_value (connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
  guint8 digest[32];
  const char *params[] = { (const char *)digest };
  const int lengths[] = { sizeof digest };
  const int formats[] = { 1 };
  g_autoptr (PGresult) result = NULL;
  g_autoptr (GError) error = NULL;
  size_t stored_length = 0;
  g_autofree guint8 *stored = NULL;

  answer->www_authenticate = TRUE;
  if (header == NULL || g_ascii_strncasecmp (header, "Bearer ", 7) != 0 || header[7] == '\0')
    {
      mend_hq_answer_error (answer, request, "unauthorized", "a bearer token is needed");
      return FALSE;
    }
  mend_hq_sha256 (header + 7, digest);
  result = PQexecParams (conn,
                         "SELECT id, team, revoked_at IS NOT NULL, token_sha256 FROM devices"
                         " WHERE token_sha256 = $1",
                         1, NULL, params, lengths, formats, 1);
  if (!mend_hq_db_check (result, PGRES_TUPLES_OK, &error))
    {
      g_message ("request_id=%s event=auth_failed error=\"%s\"", request->request_id,
                 error->message);
      answer->www_authenticate = FALSE;
      mend_hq_answer_error (answer, request, "unavailable", "the database cannot be read");
      return FALSE;
    }
  /* The index finds the row; the digests are compared again in constant time, as the
   * protocol promises, so no timing tells how much of a token was right. */
  if (PQntuples (result) == 1)
    {
      stored_length = (size_t)PQgetlength (result, 0, 3);
      stored = g_memdup2 (PQgetvalue (result, 0, 3), stored_length);
    }
  if (stored_length != sizeof digest || sodium_memcmp (stored, digest, sizeof digest) != 0)
    {
      mend_hq_answer_error (answer, request, "unauthorized", "the token is not known");
      return FALSE;
    }
  /* Binary results: the boolean is one byte. */
  if (PQgetvalue (result, 0, 2)[0] != 0)
    {
      mend_hq_answer_error (answer, request, "unauthorized", "this device has been revoked");
      return FALSE;
    }
  answer->www_authenticate = FALSE;
  out_device->device_id = g_strndup (PQgetvalue (result, 0, 0), PQgetlength (result, 0, 0));
  out_device->team_id = g_strndup (PQgetvalue (result, 0, 1), PQgetlength (result, 0, 1));
  if (mend_hq_limits_refuse_device (out_device->device_id, request, answer))
    {
      mend_hq_device_clear (out_device);
      return FALSE;
    }
  return TRUE;
}

static void
handle_healthz (PGconn *conn, MendHqAnswer *answer)
{
  g_autoptr (PGresult) result = conn != NULL ? PQexec (conn, "SELECT 1") : NULL;
  gboolean up = PQresultStatus (result) == PGRES_TUPLES_OK;
  g_autofree char *text
      = g_strdup_printf ("{\"database\":\"%s\",\"status\":\"%s\",\"version\":\"%s\"}",
                         up ? "ok" : "unavailable", up ? "ok" : "unavailable", PACKAGE_VERSION);

  /* The length first: C leaves the order of argument evaluation open, and a compiler that
   * steals the pointer before strlen() reads it would pass NULL. */
  gsize length = strlen (text);

  mend_hq_answer_json (answer, up ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE,
                       g_bytes_new_take (g_steal_pointer (&text), length));
}

static gboolean
is_json (struct MHD_Connection *connection)
{
  const char *type
      = MHD_lookup_connection_value (connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
  size_t n = strlen ("application/json");

  return type != NULL && g_ascii_strncasecmp (type, "application/json", n) == 0
         && (type[n] == '\0' || type[n] == ';' || type[n] == ' ');
}

/* Routes a complete request to its handler. */
static void
dispatch (MendHqServer *server,
          struct MHD_Connection *connection,
          MendHqRequest *request,
          MendHqAnswer *answer)
{
  g_autoptr (GError) error = NULL;
  const char *allow = NULL;
  gboolean is_get = strcmp (request->method, "GET") == 0 || strcmp (request->method, "HEAD") == 0;
  gboolean is_post = strcmp (request->method, "POST") == 0;
  PGconn *conn;
  MendHqDevice device = { NULL, NULL };

  gboolean is_blob = g_str_has_prefix (request->path, "/api/v1/blobs/");

  if (strcmp (request->path, "/healthz") == 0 || strcmp (request->path, "/metrics") == 0)
    allow = is_get ? NULL : "GET, HEAD";
  else if (is_blob)
    allow = strcmp (request->method, "HEAD") == 0 || strcmp (request->method, "PATCH") == 0
                ? NULL
                : "HEAD, PATCH";
  else if (strcmp (request->path, "/api/v1/devices/enrol") == 0
           || strcmp (request->path, "/api/v1/events") == 0)
    allow = is_post ? NULL : "POST";
  else if (strcmp (request->path, "/api/v1/manifest") == 0)
    allow = is_get ? NULL : "GET, HEAD";
  else if (strcmp (request->path, "/api/v1/purges") == 0)
    allow = is_get || is_post ? NULL : "GET, HEAD, POST";
  else if (mend_hq_dashboard_owns (request->path))
    allow = NULL; /* the dashboard answers its own methods, with HTML */
  else
    {
      mend_hq_answer_error (answer, request, "not_found", "there is no such endpoint");
      return;
    }
  if (allow != NULL)
    {
      answer->allow = allow;
      mend_hq_answer_error (answer, request, "method_not_allowed",
                            "this endpoint does not take that method");
      return;
    }
  if (request->too_large)
    {
      mend_hq_answer_error (answer, request, "payload_too_large", "the body is larger than 4 MiB");
      return;
    }

  conn = mend_hq_db_thread_conn (server->conninfo, &error);
  if (strcmp (request->path, "/healthz") == 0)
    {
      handle_healthz (conn, answer);
      return;
    }
  if (strcmp (request->path, "/metrics") == 0)
    {
      mend_hq_handle_metrics (conn, request, answer);
      return;
    }
  if (mend_hq_dashboard_owns (request->path))
    {
      mend_hq_dashboard_handle (conn, connection, request, server->blobs, answer);
      return;
    }
  /* A PATCH was checked and its body streamed to disk before this point (access_cb). */
  if (is_blob && request->upload != NULL)
    {
      mend_hq_blob_patch_finish (request->upload, request, answer);
      /* Closing the upload releases its lock before the answer goes out, so the client's next
       * PATCH cannot arrive while this one still holds it and be refused as a rival upload. */
      g_clear_pointer (&request->upload, mend_hq_blob_upload_free);
      return;
    }
  if (is_blob)
    {
      mend_hq_handle_blob_head (conn, connection, request, answer);
      return;
    }
  /* Every attempt counts, readable or not, so codes cannot be guessed at speed. */
  if (strcmp (request->path, "/api/v1/devices/enrol") == 0
      && mend_hq_limits_refuse_enrol (request, answer))
    return;
  if (conn == NULL)
    {
      g_message ("request_id=%s event=database_unavailable error=\"%s\"", request->request_id,
                 error->message);
      mend_hq_answer_error (answer, request, "unavailable", "the database is unreachable");
      return;
    }
  /* A GET has no body, so no Content-Type to check. */
  if (strcmp (request->path, "/api/v1/manifest") == 0)
    {
      if (mend_hq_authenticate (conn, connection, request, &device, answer))
        mend_hq_handle_manifest (
            conn, &device, request,
            MHD_lookup_connection_value (connection, MHD_GET_ARGUMENT_KIND, "since"), answer);
      mend_hq_device_clear (&device);
      return;
    }
  if (strcmp (request->path, "/api/v1/purges") == 0 && is_get)
    {
      if (mend_hq_authenticate (conn, connection, request, &device, answer))
        mend_hq_handle_purges (conn, &device, request, FALSE, answer);
      mend_hq_device_clear (&device);
      return;
    }
  if (!is_json (connection))
    {
      mend_hq_answer_error (answer, request, "unsupported_media_type",
                            "the body must be application/json");
      return;
    }
  if (strcmp (request->path, "/api/v1/devices/enrol") == 0)
    {
      mend_hq_handle_enrol (conn, request, answer);
      return;
    }
  if (!mend_hq_authenticate (conn, connection, request, &device, answer))
    return;
  if (strcmp (request->path, "/api/v1/purges") == 0)
    mend_hq_handle_purges (conn, &device, request, TRUE, answer);
  else
    mend_hq_handle_events (conn, &device, request, answer);
  mend_hq_device_clear (&device);
}

static enum MHD_Result
queue_answer (struct MHD_Connection *connection, MendHqRequest *request, MendHqAnswer *answer)
{
  g_autofree char *date = mend_wire_format_http_date (mend_time_now_ms ());
  gsize length = answer->body != NULL ? g_bytes_get_size (answer->body) : 0;
  const void *data = answer->body != NULL ? g_bytes_get_data (answer->body, NULL) : "";
  struct MHD_Response *response;
  enum MHD_Result ret;

  response = MHD_create_response_from_buffer (length, (void *)data, MHD_RESPMEM_MUST_COPY);
  /* Our own Date, so every answer carries one even on a machine whose libmicrohttpd was built
   * to leave it out; libmicrohttpd adds none when one is set. */
  MHD_add_response_header (response, MHD_HTTP_HEADER_DATE, date);
  if (answer->status != MHD_HTTP_NO_CONTENT)
    MHD_add_response_header (response, MHD_HTTP_HEADER_CONTENT_TYPE,
                             answer->content_type != NULL ? answer->content_type
                                                          : "application/json");
  MHD_add_response_header (response, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
  MHD_add_response_header (response, "X-Request-Id", request->request_id);
  if (answer->allow != NULL)
    MHD_add_response_header (response, MHD_HTTP_HEADER_ALLOW, answer->allow);
  if (answer->www_authenticate)
    MHD_add_response_header (response, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
  if (answer->retry_after_s > 0)
    {
      char seconds[16];

      g_snprintf (seconds, sizeof seconds, "%d", answer->retry_after_s);
      MHD_add_response_header (response, MHD_HTTP_HEADER_RETRY_AFTER, seconds);
    }
  for (guint i = 0; answer->headers != NULL && i + 1 < answer->headers->len; i += 2)
    MHD_add_response_header (response, g_ptr_array_index (answer->headers, i),
                             g_ptr_array_index (answer->headers, i + 1));
  g_clear_pointer (&answer->headers, g_ptr_array_unref);
  request->status = answer->status;
  ret = MHD_queue_response (connection, answer->status, response);
  MHD_destroy_response (response);
  g_clear_pointer (&answer->body, g_bytes_unref);
  return ret;
}

static gboolean
is_request_id (const char *value)
{
  size_t length = value != NULL ? strlen (value) : 0;

  if (length < 1 || length > 64)
    return FALSE;
  for (size_t i = 0; i < length; i++)
    if (!g_ascii_isalnum (value[i]) && value[i] != '-')
      return FALSE;
  return TRUE;
}

/* The peer's address as text; an IPv4 client of an IPv6 socket is written as IPv4. */
static void
client_address (struct MHD_Connection *connection, char *out_text, size_t size)
{
  const union MHD_ConnectionInfo *info
      = MHD_get_connection_info (connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  const struct sockaddr *address = info != NULL ? info->client_addr : NULL;

  g_strlcpy (out_text, "unknown", size);
  if (address != NULL && address->sa_family == AF_INET)
    inet_ntop (AF_INET, &((const struct sockaddr_in *)address)->sin_addr, out_text, size);
  else if (address != NULL && address->sa_family == AF_INET6)
    {
      const struct in6_addr *in6 = &((const struct sockaddr_in6 *)address)->sin6_addr;

      if (IN6_IS_ADDR_V4MAPPED (in6))
        inet_ntop (AF_INET, &in6->s6_addr[12], out_text, size);
      else
        inet_ntop (AF_INET6, in6, out_text, size);
    }
}

static MendHqRequest *
request_new (MendHqServer *server,
             struct MHD_Connection *connection,
             const char *url,
             const char *method)
{
  MendHqRequest *request = g_new0 (MendHqRequest, 1);
  const char *id = MHD_lookup_connection_value (connection, MHD_HEADER_KIND, "X-Request-Id");

  request->conninfo = server->conninfo;
  request->method = g_strdup (method);
  request->path = g_strdup (url);
  request->endpoint = mend_hq_metrics_endpoint (url);
  request->tls = server->tls;
  client_address (connection, request->client_address, sizeof request->client_address);
  request->body = g_byte_array_new ();
  request->started_us = g_get_monotonic_time ();
  if (is_request_id (id))
    g_strlcpy (request->request_id, id, sizeof request->request_id);
  else
    {
      g_autofree char *uuid = g_uuid_string_random ();

      g_strlcpy (request->request_id, uuid, sizeof request->request_id);
    }
  return request;
}

static enum MHD_Result
access_cb (void *cls,
           struct MHD_Connection *connection,
           const char *url,
           const char *method,
           const char *version,
           const char *upload_data,
           size_t *upload_data_size,
           void **con_cls)
{
  MendHqServer *server = cls;
  MendHqRequest *request = *con_cls;
  MendHqAnswer answer = { 0 };

  if (request == NULL)
    {
      const char *length = MHD_lookup_connection_value (connection, MHD_HEADER_KIND,
                                                        MHD_HTTP_HEADER_CONTENT_LENGTH);
      guint64 declared = 0;

      request = request_new (server, connection, url, method);
      *con_cls = request;
      /* A body declared too large is refused before it is read (and before curl's
       * "Expect: 100-continue" is answered), so HQ never buffers it. */
      if (length != NULL && g_ascii_string_to_unsigned (length, 10, 0, G_MAXUINT64, &declared, NULL)
          && declared > MEND_WIRE_MAX_REQUEST_BYTES)
        {
          request->too_large = TRUE;
          mend_hq_answer_error (&answer, request, "payload_too_large",
                                "the body is larger than 4 MiB");
          return queue_answer (connection, request, &answer);
        }
      /* A blob chunk is checked before its body is read and then streamed to disk, so HQ
       * never holds a 4 MiB chunk in memory and refuses a wrong offset without reading it. */
      if (strcmp (method, "PATCH") == 0 && g_str_has_prefix (url, "/api/v1/blobs/"))
        {
          g_autoptr (GError) error = NULL;
          PGconn *conn = mend_hq_db_thread_conn (server->conninfo, &error);

          if (!mend_hq_blob_patch_begin (conn, connection, request, &answer))
            return queue_answer (connection, request, &answer);
        }
      return MHD_YES;
    }

  if (*upload_data_size > 0 && request->upload != NULL)
    {
      mend_hq_blob_patch_write (request->upload, upload_data, *upload_data_size);
      *upload_data_size = 0;
      return MHD_YES;
    }
  if (*upload_data_size > 0)
    {
      /* A chunked body has no declared length: it is counted as it comes and dropped once it
       * passes the limit. */
      if (!request->too_large
          && request->body->len + *upload_data_size <= MEND_WIRE_MAX_REQUEST_BYTES)
        g_byte_array_append (request->body, (const guint8 *)upload_data, *upload_data_size);
      else
        {
          request->too_large = TRUE;
          g_byte_array_set_size (request->body, 0);
        }
      *upload_data_size = 0;
      return MHD_YES;
    }

  if (request->status != 0)
    return MHD_YES;
  dispatch (server, connection, request, &answer);
  return queue_answer (connection, request, &answer);
}

static void
request_completed_cb (void *cls,
                      struct MHD_Connection *connection,
                      void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
  MendHqRequest *request = *con_cls;

  if (request == NULL)
    return;
  mend_hq_metrics_request (request->endpoint, request->status,
                           (g_get_monotonic_time () - request->started_us) / 1e6);
  /* One line per request, as key=value pairs a log collector can split without a parser. */
  g_message ("request_id=%s method=%s path=%s status=%u bytes_in=%u duration_ms=%.1f%s",
             request->request_id, request->method, request->path, request->status,
             request->body->len, (g_get_monotonic_time () - request->started_us) / 1000.0,
             toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted=true");
  request_free (request);
  *con_cls = NULL;
}

/* ADDR:PORT, an IPv6 address in brackets ([::1]:8080). */
static gboolean
parse_listen (const char *listen, struct sockaddr_storage *out_addr, GError **error)
{
  const char *colon = strrchr (listen, ':');
  g_autofree char *host = NULL;
  guint64 port;

  memset (out_addr, 0, sizeof *out_addr);
  if (colon == NULL || !g_ascii_string_to_unsigned (colon + 1, 10, 0, 65535, &port, NULL))
    goto bad;
  host = g_strndup (listen, colon - listen);
  if (host[0] == '[' && colon > listen + 1 && colon[-1] == ']')
    {
      struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)out_addr;

      host[strlen (host) - 1] = '\0';
      in6->sin6_family = AF_INET6;
      in6->sin6_port = htons ((guint16)port);
      if (inet_pton (AF_INET6, host + 1, &in6->sin6_addr) != 1)
        goto bad;
      return TRUE;
    }
  {
    struct sockaddr_in *in = (struct sockaddr_in *)out_addr;

    in->sin_family = AF_INET;
    in->sin_port = htons ((guint16)port);
    if (inet_pton (AF_INET, host, &in->sin_addr) != 1)
      goto bad;
  }
  return TRUE;

bad:
  g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE,
               "--listen takes an address and a port, like 127.0.0.1:8080 or [::1]:8080, not %s",
               listen);
  return FALSE;
}

/* The daemon's options; the strings stay owned by the caller until the daemon stops. */
static struct MHD_Daemon *
start_daemon (const MendHqServeOptions *options,
              MendHqServer *server,
              struct sockaddr_storage *addr,
              const char *tls_cert,
              const char *tls_key)
{
  struct MHD_OptionItem items[10];
  unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
  int n = 0;

  if (addr->ss_family == AF_INET6)
    flags |= MHD_USE_IPv6;
  if (tls_cert != NULL)
    {
      flags |= MHD_USE_TLS;
      items[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)tls_cert };
      items[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)tls_key };
    }
  items[n++] = (struct MHD_OptionItem){ MHD_OPTION_SOCK_ADDR, 0, addr };
  items[n++] = (struct MHD_OptionItem){ MHD_OPTION_THREAD_POOL_SIZE, options->threads, NULL };
  items[n++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)request_completed_cb,
                                        server };
  /* A client that stops sending (or reading) is cut off after this long, so a slow or stuck
   * client holds a connection slot, never a worker: the pool's threads poll many
   * connections each and only run a handler once a request's bytes have arrived. */
  items[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT, options->timeout_s, NULL };
  /* Each connection's buffer, which bounds how much of a body one call of the handler gets:
   * 256 KiB lets a 512 KiB blob chunk reach the disk in a few writes rather than dozens. */
  items[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_MEMORY_LIMIT, 256 * 1024, NULL };
  items[n++] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
  return MHD_start_daemon (flags, 0, NULL, NULL, access_cb, server, MHD_OPTION_ARRAY, items,
                           MHD_OPTION_END);
}

int
mend_hq_serve_main (const MendHqServeOptions *options)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PGconn) conn = NULL;
  g_autofree char *tls_cert = NULL;
  g_autofree char *tls_key = NULL;
  MendHqServer server = { options->database, options->tls_cert != NULL, options->blobs };
  struct sockaddr_storage addr;
  struct MHD_Daemon *daemon;
  const union MHD_DaemonInfo *info;
  char host[INET6_ADDRSTRLEN];
  gboolean v6;
  sigset_t signals;
  int signal_number = 0;

  if (!parse_listen (options->listen, &addr, &error)
      || !mend_hq_metrics_allow (options->metrics_allow, &error))
    {
      g_printerr ("mend-hq serve: %s\n", error->message);
      return 2;
    }
  if (options->tls_cert != NULL
      && (!g_file_get_contents (options->tls_cert, &tls_cert, NULL, &error)
          || !g_file_get_contents (options->tls_key, &tls_key, NULL, &error)))
    {
      g_printerr ("mend-hq serve: %s\n", error->message);
      return 1;
    }
  if (tls_cert != NULL && MHD_is_feature_supported (MHD_FEATURE_TLS) != MHD_YES)
    {
      g_printerr ("mend-hq serve: this libmicrohttpd was built without TLS\n");
      return 1;
    }
  /* The schema must be there and current before the first request; serve never migrates. */
  conn = mend_hq_db_connect (options->database, &error);
  if (conn == NULL)
    {
      g_printerr ("mend-hq serve: %s\n", error->message);
      return 1;
    }
  if (mend_hq_db_schema_version (conn, &error) != mend_hq_db_latest_version ())
    {
      g_printerr ("mend-hq serve: the database is not initialised or is of another version%s%s;"
                  " run mend-hq admin init\n",
                  error != NULL ? ": " : "", error != NULL ? error->message : "");
      return 1;
    }
  g_clear_pointer (&conn, PQfinish);

  /* The worker threads inherit this mask, so SIGINT and SIGTERM reach only sigwait() below
   * and a request is never interrupted half way through a transaction. */
  sigemptyset (&signals);
  sigaddset (&signals, SIGINT);
  sigaddset (&signals, SIGTERM);
  pthread_sigmask (SIG_BLOCK, &signals, NULL);
  signal (SIGPIPE, SIG_IGN);

  mend_hq_limits_init (options->device_rate, options->device_burst, options->enrol_rate);
  if (options->blobs != NULL
      && !mend_hq_blobs_start (options->blobs, options->partial_ttl_s, &error))
    {
      g_printerr ("mend-hq serve: %s\n", error->message);
      return 1;
    }
  daemon = start_daemon (options, &server, &addr, tls_cert, tls_key);
  if (daemon == NULL)
    {
      g_printerr ("mend-hq serve: cannot listen on %s\n", options->listen);
      mend_hq_blobs_stop ();
      return 1;
    }
  info = MHD_get_daemon_info (daemon, MHD_DAEMON_INFO_BIND_PORT);
  v6 = addr.ss_family == AF_INET6;
  inet_ntop (addr.ss_family,
             v6 ? (void *)&((struct sockaddr_in6 *)&addr)->sin6_addr
                : (void *)&((struct sockaddr_in *)&addr)->sin_addr,
             host, sizeof host);
  /* Tests read this line to learn the port the kernel picked for port 0. */
  printf ("listening on %s%s%s:%u\n", v6 ? "[" : "", host, v6 ? "]" : "", (unsigned int)info->port);
  fflush (stdout);
  g_message ("event=started listen=%s%s%s:%u threads=%d tls=%s blobs=%s", v6 ? "[" : "", host,
             v6 ? "]" : "", (unsigned int)info->port, options->threads,
             tls_cert != NULL ? "yes" : "no", options->blobs != NULL ? options->blobs : "none");

  sigwait (&signals, &signal_number);
  g_message ("event=stopping signal=%d", signal_number);
  MHD_stop_daemon (daemon);
  mend_hq_blobs_stop ();
  return 0;
}
