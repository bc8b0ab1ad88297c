/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-sync"

#include "config.h"

#include "mend-http-client.h"

#include <curl/curl.h>
#include <glib-unix.h>
#include <string.h>

#include "mend-sync-error.h"
#include "mend-wire.h"

/* One curl multi handle per client. curl tells us which sockets to watch (socket callback →
 * one g_unix_fd_source per socket) and when to call it back without any socket ready (timer
 * callback → one one-shot timeout, replaced each time). Finished transfers are collected after
 * curl returns, then their tasks complete, so a task's callback may start the next request
 * without re-entering curl. Cancellation may come from any thread: it is handed to an idle on
 * the client's own context, which takes the transfer out of the multi handle there. */

#define DEFAULT_CONNECT_TIMEOUT_S 20
#define DEFAULT_LOW_SPEED_TIME_S  30
/* Below this many bytes a second for the low-speed time, a transfer is given up. */
#define LOW_SPEED_LIMIT 16

struct _MendHttpClient
{
  GObject parent_instance;

  char *base_url;
  char *ca_file;
  guint connect_timeout_s;
  guint low_speed_time_s;

  GMainContext *context;
  CURLM *multi;
  GSource *timer;
  GHashTable *sockets; /* curl_socket_t → GSource, destroyed with the client */
  guint64 bytes_sent;  /* request bodies, whole or cut, over the client's life */
};

G_DEFINE_FINAL_TYPE (MendHttpClient, mend_http_client, G_TYPE_OBJECT)

typedef struct
{
  MendHttpClient *client; /* not a reference: the task holds one */
  GTask *task;            /* not a reference: the transfer is the task's data */
  CURL *easy;
  struct curl_slist *headers;
  GBytes *body;
  GByteArray *received;
  gsize max_body;
  gboolean too_large;
  gboolean in_multi;
  gboolean done;
  GHashTable *response_headers;
  GCancellable *cancellable;
  gulong cancelled_id;
  char error_text[CURL_ERROR_SIZE];
} Transfer;

static void
transfer_free (Transfer *t)
{
  g_assert (!t->in_multi);
  if (t->cancelled_id != 0)
    g_cancellable_disconnect (t->cancellable, t->cancelled_id);
  g_clear_pointer (&t->easy, curl_easy_cleanup);
  g_clear_pointer (&t->headers, curl_slist_free_all);
  g_clear_pointer (&t->body, g_bytes_unref);
  g_clear_pointer (&t->received, g_byte_array_unref);
  g_clear_pointer (&t->response_headers, g_hash_table_unref);
  g_clear_object (&t->cancellable);
  g_free (t);
}

static gboolean
host_is_loopback (const char *host)
{
  g_autoptr (GInetAddress) address = NULL;
  g_autofree char *bare = NULL;

  if (host == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  /* GUri keeps an IPv6 literal's brackets off already; be lenient if they are there. */
  bare = g_strdup (host);
  if (bare[0] == '[' && bare[strlen (bare) - 1] == ']')
    {
      memmove (bare, bare + 1, strlen (bare));
      bare[strlen (bare) - 1] = '\0';
    }
  address = g_inet_address_new_from_string (bare);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

/**
 * mend_http_check_url:
 *
 * An HQ address must be https://, or http:// on loopback only (tests, a proxy on the same
 * host): anywhere else the token and every record would cross the network in clear.
 */
gboolean
mend_http_check_url (const char *url, GError **error)
{
  g_autoptr (GUri) uri = NULL;
  const char *scheme;

  g_return_val_if_fail (url != NULL, FALSE);

  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, MEND_SYNC_ERROR, MEND_SYNC_ERROR_BAD_URL,
                   "“%s” is not an HQ address; give one like https://hq.example.org", url);
      return FALSE;
    }
  if (g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL
      || g_uri_get_userinfo (uri) != NULL)
    {
      g_set_error (error, MEND_SYNC_ERROR, MEND_SYNC_ERROR_BAD_URL,
                   "“%s”: an HQ address has no user, query or fragment", url);
      return FALSE;
    }
  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "https") == 0)
    return TRUE;
  if (g_ascii_strcasecmp (scheme, "http") == 0)
    {
      if (host_is_loopback (g_uri_get_host (uri)))
        return TRUE;
      g_set_error (error, MEND_SYNC_ERROR, MEND_SYNC_ERROR_BAD_URL,
                   "HQ at “%s” must be reached over HTTPS: plain http:// is allowed on this "
                   "device's loopback only",
                   url);
      return FALSE;
    }
  g_set_error (error, MEND_SYNC_ERROR, MEND_SYNC_ERROR_BAD_URL, "“%s” is not an https:// address",
               url);
  return FALSE;
}

/* Curl driving. */

static void complete_finished (MendHttpClient *self);

static gboolean
socket_ready_cb (int fd, GIOCondition condition, gpointer user_data)
{
  MendHttpClient *self = user_data;
  int action = 0;
  int running;

  if (condition & (G_IO_IN | G_IO_HUP))
    action |= CURL_CSELECT_IN;
  if (condition & G_IO_OUT)
    action |= CURL_CSELECT_OUT;
  if (condition & G_IO_ERR)
    action |= CURL_CSELECT_ERR;
  curl_multi_socket_action (self->multi, fd, action, &running);
  complete_finished (self);
  return G_SOURCE_CONTINUE;
}

static int
socket_cb (CURL *easy, curl_socket_t fd, int what, void *user_data, void *socket_data)
{
  MendHttpClient *self = user_data;
  GIOCondition condition = 0;
  GSource *source;

  g_hash_table_remove (self->sockets, GINT_TO_POINTER (fd));
  if (what == CURL_POLL_REMOVE)
    return 0;

  if (what & CURL_POLL_IN)
    condition |= G_IO_IN;
  if (what & CURL_POLL_OUT)
    condition |= G_IO_OUT;
  source = g_unix_fd_source_new (fd, condition | G_IO_ERR | G_IO_HUP);
  g_source_set_callback (source, G_SOURCE_FUNC (socket_ready_cb), self, NULL);
  g_source_set_static_name (source, "[mend] curl socket");
  g_source_attach (source, self->context);
  g_hash_table_insert (self->sockets, GINT_TO_POINTER (fd), source);
  return 0;
}

static gboolean
timeout_cb (gpointer user_data)
{
  MendHttpClient *self = user_data;
  int running;

  /* This source is over; curl may set a new timer from inside the call below. */
  g_clear_pointer (&self->timer, g_source_unref);
  curl_multi_socket_action (self->multi, CURL_SOCKET_TIMEOUT, 0, &running);
  complete_finished (self);
  return G_SOURCE_REMOVE;
}

static int
timer_cb (CURLM *multi, long timeout_ms, void *user_data)
{
  MendHttpClient *self = user_data;

  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }
  if (timeout_ms < 0)
    return 0;
  self->timer = g_timeout_source_new ((guint)timeout_ms);
  g_source_set_callback (self->timer, timeout_cb, self, NULL);
  g_source_set_static_name (self->timer, "[mend] curl timer");
  g_source_attach (self->timer, self->context);
  return 0;
}

static GError *
transfer_error (Transfer *t, CURLcode code)
{
  const char *detail = t->error_text[0] ? t->error_text : curl_easy_strerror (code);

  if (t->too_large)
    return g_error_new (MEND_SYNC_ERROR, MEND_SYNC_ERROR_NOT_PROTOCOL,
                        "the answer was larger than %" G_GSIZE_FORMAT
                        " bytes, which HQ never sends: not HQ's answer",
                        t->max_body);
  switch (code)
    {
    case CURLE_OPERATION_TIMEDOUT:
      return g_error_new (MEND_SYNC_ERROR, MEND_SYNC_ERROR_NETWORK,
                          "HQ did not answer in time (%s)", detail);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CONNECT_ERROR:
      return g_error_new (MEND_SYNC_ERROR, MEND_SYNC_ERROR_NETWORK,
                          "no trusted HTTPS connection to HQ (%s)", detail);
    default:
      return g_error_new (MEND_SYNC_ERROR, MEND_SYNC_ERROR_NETWORK, "could not reach HQ (%s)",
                          detail);
    }
}

static void
transfer_complete (Transfer *t, CURLcode code)
{
  GTask *task = t->task;
  MendHttpResponse *response;
  const char *date;
  curl_off_t sent = 0;

  t->done = TRUE;
  curl_easy_getinfo (t->easy, CURLINFO_SIZE_UPLOAD_T, &sent);
  t->client->bytes_sent += (guint64)sent;
  if (t->cancelled_id != 0)
    {
      /* Safe here: this runs on the client's context, never inside the cancelled handler. */
      g_cancellable_disconnect (t->cancellable, t->cancelled_id);
      t->cancelled_id = 0;
    }
  if (code != CURLE_OK)
    {
      g_task_return_error (task, transfer_error (t, code));
      g_object_unref (task);
      return;
    }

  response = g_new0 (MendHttpResponse, 1);
  curl_easy_getinfo (t->easy, CURLINFO_RESPONSE_CODE, &response->status);
  response->bytes_sent = (guint64)sent;
  response->body = g_byte_array_free_to_bytes (g_steal_pointer (&t->received));
  response->headers = g_steal_pointer (&t->response_headers);
  response->received_ms = g_get_real_time () / 1000;
  date = g_hash_table_lookup (response->headers, "date");
  response->has_date = date != NULL && mend_wire_parse_http_date (date, &response->date_ms, NULL);
  g_task_return_pointer (task, response, (GDestroyNotify)mend_http_response_free);
  g_object_unref (task);
}

static void
complete_finished (MendHttpClient *self)
{
  g_autoptr (GPtrArray) finished = g_ptr_array_new ();
  g_autoptr (GArray) codes = g_array_new (FALSE, FALSE, sizeof (CURLcode));
  CURLMsg *message;
  int left;

  while ((message = curl_multi_info_read (self->multi, &left)) != NULL)
    {
      Transfer *t = NULL;

      if (message->msg != CURLMSG_DONE)
        continue;
      curl_easy_getinfo (message->easy_handle, CURLINFO_PRIVATE, (char **)&t);
      g_array_append_val (codes, message->data.result);
      curl_multi_remove_handle (self->multi, t->easy);
      t->in_multi = FALSE;
      g_ptr_array_add (finished, t);
    }
  /* Outside curl now, so a callback may start another request. */
  for (guint i = 0; i < finished->len; i++)
    transfer_complete (g_ptr_array_index (finished, i), g_array_index (codes, CURLcode, i));
}

static gboolean
cancel_idle_cb (gpointer user_data)
{
  GTask *task = user_data;
  Transfer *t = g_task_get_task_data (task);

  if (!t->done)
    {
      t->done = TRUE;
      if (t->in_multi)
        {
          curl_off_t sent = 0;

          curl_easy_getinfo (t->easy, CURLINFO_SIZE_UPLOAD_T, &sent);
          t->client->bytes_sent += (guint64)sent;
          curl_multi_remove_handle (t->client->multi, t->easy);
          t->in_multi = FALSE;
        }
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "The request was cancelled");
      g_object_unref (task); /* the transfer's own reference */
    }
  return G_SOURCE_REMOVE;
}

static void
cancelled_cb (GCancellable *cancellable, gpointer user_data)
{
  GTask *task = user_data;
  Transfer *t = g_task_get_task_data (task);
  g_autoptr (GSource) idle = g_idle_source_new ();

  /* Any thread, maybe inside curl: only hand it over. */
  g_source_set_callback (idle, cancel_idle_cb, g_object_ref (task), g_object_unref);
  g_source_set_static_name (idle, "[mend] cancel transfer");
  g_source_attach (idle, t->client->context);
}

static size_t
write_cb (char *data, size_t size, size_t n, void *user_data)
{
  Transfer *t = user_data;
  size_t length = size * n;

  if (t->received->len + length > t->max_body)
    {
      t->too_large = TRUE;
      return 0;
    }
  g_byte_array_append (t->received, (const guint8 *)data, length);
  return length;
}

static size_t
header_cb (char *data, size_t size, size_t n, void *user_data)
{
  Transfer *t = user_data;
  size_t length = size * n;
  g_autofree char *line = g_strndup (data, length);
  char *colon;

  g_strchomp (line);
  /* A new status line (after "100 Continue") starts a new set of headers. */
  if (g_str_has_prefix (line, "HTTP/"))
    {
      g_hash_table_remove_all (t->response_headers);
      return length;
    }
  colon = strchr (line, ':');
  if (colon != NULL && colon != line)
    {
      *colon = '\0';
      g_hash_table_insert (t->response_headers, g_ascii_strdown (line, -1),
                           g_strdup (g_strstrip (colon + 1)));
    }
  return length;
}

/**
 * mend_http_client_request_async:
 * @path: under the base URL, starting with "/"
 * @token: (nullable): sent as a bearer token
 * @content_type: (nullable): of @body
 * @body: (nullable): the request body
 * @headers: (nullable): more "Name: value" lines
 * @max_body: an answer longer than this is refused as not HQ's
 *
 * Any answer HQ gives, whatever its status, is a response; only a failed exchange (no
 * connection, timeout, cut, too long) is an error, MEND_SYNC_ERROR_NETWORK or
 * MEND_SYNC_ERROR_NOT_PROTOCOL.
 */
void
mend_http_client_request_async (MendHttpClient *self,
                                const char *method,
                                const char *path,
                                const char *token,
                                const char *content_type,
                                GBytes *body,
                                const char *const *headers,
                                gsize max_body,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autofree char *url = NULL;
  g_autofree char *request_id = NULL;
  g_autofree char *user_agent = NULL;
  Transfer *t;
  CURLMcode code;

  g_return_if_fail (MEND_IS_HTTP_CLIENT (self));
  g_return_if_fail (method != NULL && path != NULL && path[0] == '/');

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mend_http_client_request_async);

  t = g_new0 (Transfer, 1);
  t->client = self;
  t->task = task;
  t->max_body = max_body;
  t->received = g_byte_array_new ();
  t->response_headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  t->body = body != NULL ? g_bytes_ref (body) : NULL;
  g_task_set_task_data (task, t, (GDestroyNotify)transfer_free);

  url = g_strconcat (self->base_url, path, NULL);
  request_id = g_uuid_string_random ();
  t->headers = curl_slist_append (t->headers, "Expect:");
  t->headers = curl_slist_append (t->headers, "Accept: application/json");
  {
    g_autofree char *line = g_strconcat ("X-Request-Id: ", request_id, NULL);
    t->headers = curl_slist_append (t->headers, line);
  }
  if (token != NULL)
    {
      g_autofree char *line = g_strconcat ("Authorization: Bearer ", token, NULL);
      t->headers = curl_slist_append (t->headers, line);
    }
  if (content_type != NULL)
    {
      g_autofree char *line = g_strconcat ("Content-Type: ", content_type, NULL);
      t->headers = curl_slist_append (t->headers, line);
    }
  for (; headers != NULL && *headers != NULL; headers++)
    t->headers = curl_slist_append (t->headers, *headers);

  t->easy = curl_easy_init ();
  g_assert (t->easy != NULL);
  user_agent = g_strdup_printf ("mend/%s", PACKAGE_VERSION);
  curl_easy_setopt (t->easy, CURLOPT_URL, url);
  curl_easy_setopt (t->easy, CURLOPT_PRIVATE, t);
  curl_easy_setopt (t->easy, CURLOPT_ERRORBUFFER, t->error_text);
  curl_easy_setopt (t->easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (t->easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt (t->easy, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt (t->easy, CURLOPT_CONNECTTIMEOUT, (long)self->connect_timeout_s);
  curl_easy_setopt (t->easy, CURLOPT_LOW_SPEED_LIMIT, (long)LOW_SPEED_LIMIT);
  curl_easy_setopt (t->easy, CURLOPT_LOW_SPEED_TIME, (long)self->low_speed_time_s);
  curl_easy_setopt (t->easy, CURLOPT_USERAGENT, user_agent);
  /* Certificate checks stay at curl's defaults (on); only the trusted CAs may change. */
  if (self->ca_file != NULL)
    curl_easy_setopt (t->easy, CURLOPT_CAINFO, self->ca_file);
  curl_easy_setopt (t->easy, CURLOPT_HTTPHEADER, t->headers);
  curl_easy_setopt (t->easy, CURLOPT_WRITEFUNCTION, write_cb);
  curl_easy_setopt (t->easy, CURLOPT_WRITEDATA, t);
  curl_easy_setopt (t->easy, CURLOPT_HEADERFUNCTION, header_cb);
  curl_easy_setopt (t->easy, CURLOPT_HEADERDATA, t);

  if (g_str_equal (method, "HEAD"))
    curl_easy_setopt (t->easy, CURLOPT_NOBODY, 1L);
  else if (g_str_equal (method, "GET"))
    curl_easy_setopt (t->easy, CURLOPT_HTTPGET, 1L);
  else
    {
      gsize length = 0;
      const void *data = t->body != NULL ? g_bytes_get_data (t->body, &length) : NULL;

      curl_easy_setopt (t->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)length);
      curl_easy_setopt (t->easy, CURLOPT_POSTFIELDS, data != NULL ? data : "");
      if (!g_str_equal (method, "POST"))
        curl_easy_setopt (t->easy, CURLOPT_CUSTOMREQUEST, method);
    }

  /* The transfer owns one reference to the task until it completes. */
  g_object_ref (task);
  if (cancellable != NULL)
    {
      t->cancellable = g_object_ref (cancellable);
      t->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (cancelled_cb), task, NULL);
    }
  code = curl_multi_add_handle (self->multi, t->easy);
  if (code != CURLM_OK)
    {
      t->done = TRUE;
      g_task_return_new_error (task, MEND_SYNC_ERROR, MEND_SYNC_ERROR_FAILED,
                               "could not start a request: %s", curl_multi_strerror (code));
      g_object_unref (task);
      return;
    }
  t->in_multi = TRUE;
}

/**
 * mend_http_client_request_finish:
 *
 * Returns: (transfer full): HQ's answer, whatever its status.
 */
MendHttpResponse *
mend_http_client_request_finish (MendHttpClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

const char *
mend_http_response_header (const MendHttpResponse *response, const char *name)
{
  g_autofree char *key = g_ascii_strdown (name, -1);

  return g_hash_table_lookup (response->headers, key);
}

/* PROTOCOL.md section 6: JSON is application/json, maybe with a charset parameter. */
gboolean
mend_http_response_is_json (const MendHttpResponse *response)
{
  const char *type = mend_http_response_header (response, "content-type");
  gsize length = strlen ("application/json");

  return type != NULL && g_ascii_strncasecmp (type, "application/json", length) == 0
         && (type[length] == '\0' || type[length] == ';' || type[length] == ' ');
}

void
mend_http_response_free (MendHttpResponse *response)
{
  if (response == NULL)
    return;
  g_clear_pointer (&response->body, g_bytes_unref);
  g_clear_pointer (&response->headers, g_hash_table_unref);
  g_free (response);
}

static void
destroy_source (gpointer source)
{
  g_source_destroy (source);
  g_source_unref (source);
}

static void
mend_http_client_finalize (GObject *object)
{
  MendHttpClient *self = MEND_HTTP_CLIENT (object);

  /* Every transfer holds a reference through its task, so none is left here. */
  g_clear_pointer (&self->multi, curl_multi_cleanup);
  g_clear_pointer (&self->sockets, g_hash_table_unref);
  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->base_url);
  g_free (self->ca_file);

  G_OBJECT_CLASS (mend_http_client_parent_class)->finalize (object);
}

static void
mend_http_client_class_init (MendHttpClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = mend_http_client_finalize;
}

static void
mend_http_client_init (MendHttpClient *self)
{
  static gsize curl_ready = 0;

  if (g_once_init_enter (&curl_ready))
    {
      curl_global_init (CURL_GLOBAL_DEFAULT);
      g_once_init_leave (&curl_ready, 1);
    }
  self->connect_timeout_s = DEFAULT_CONNECT_TIMEOUT_S;
  self->low_speed_time_s = DEFAULT_LOW_SPEED_TIME_S;
  self->context = g_main_context_ref_thread_default ();
  self->sockets = g_hash_table_new_full (NULL, NULL, NULL, destroy_source);
  self->multi = curl_multi_init ();
  curl_multi_setopt (self->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
  curl_multi_setopt (self->multi, CURLMOPT_SOCKETDATA, self);
  curl_multi_setopt (self->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
  curl_multi_setopt (self->multi, CURLMOPT_TIMERDATA, self);
}

/**
 * mend_http_client_new:
 * @base_url: HQ's address; see mend_http_check_url()
 * @ca_file: (nullable): a PEM bundle of the CAs to trust for HQ instead of the system's
 *
 * The client runs its transfers on the thread-default main context of the calling thread.
 */
MendHttpClient *
mend_http_client_new (const char *base_url, const char *ca_file, GError **error)
{
  MendHttpClient *self;
  gsize length;

  g_return_val_if_fail (base_url != NULL, NULL);

  if (!mend_http_check_url (base_url, error))
    return NULL;
  if (ca_file != NULL && !g_file_test (ca_file, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, MEND_SYNC_ERROR, MEND_SYNC_ERROR_BAD_URL,
                   "the CA file “%s” does not exist", ca_file);
      return NULL;
    }
  self = g_object_new (MEND_TYPE_HTTP_CLIENT, NULL);
  length = strlen (base_url);
  while (length > 0 && base_url[length - 1] == '/')
    length--;
  self->base_url = g_strndup (base_url, length);
  self->ca_file = g_strdup (ca_file);
  return self;
}

/**
 * mend_http_client_get_bytes_sent:
 *
 * Returns: the request body bytes this client has sent, including those of requests that were
 *   cut or cancelled: what a byte-counting network would see, less headers.
 */
guint64
mend_http_client_get_bytes_sent (MendHttpClient *self)
{
  g_return_val_if_fail (MEND_IS_HTTP_CLIENT (self), 0);

  return self->bytes_sent;
}

const char *
mend_http_client_get_base_url (MendHttpClient *self)
{
  g_return_val_if_fail (MEND_IS_HTTP_CLIENT (self), NULL);

  return self->base_url;
}

/**
 * mend_http_client_set_timeouts:
 * @connect_timeout_s: give up connecting after this long
 * @low_speed_time_s: give up a transfer that moves almost nothing for this long
 */
void
mend_http_client_set_timeouts (MendHttpClient *self,
                               guint connect_timeout_s,
                               guint low_speed_time_s)
{
  g_return_if_fail (MEND_IS_HTTP_CLIENT (self));
  g_return_if_fail (connect_timeout_s > 0 && low_speed_time_s > 0);

  self->connect_timeout_s = connect_timeout_s;
  self->low_speed_time_s = low_speed_time_s;
}
