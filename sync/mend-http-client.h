/* SPDX-License-Identifier: GPL-3.0-or-later */
/* HTTP to one HQ: libcurl's multi interface driven by the GLib main loop of the thread that
 * made the client, so a transfer never blocks that loop. Results come back through GTask. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The answer to one request. */
typedef struct
{
  long status;
  GBytes *body;
  GHashTable *headers; /* lowercase name → value (the last one when repeated) */
  gboolean has_date;
  gint64 date_ms;     /* HQ's Date header */
  gint64 received_ms; /* the device's clock when the answer arrived */
  guint64 bytes_sent;
} MendHttpResponse;

#define MEND_TYPE_HTTP_CLIENT (mend_http_client_get_type ())

G_DECLARE_FINAL_TYPE (MendHttpClient, mend_http_client, MEND, HTTP_CLIENT, GObject)

gboolean mend_http_check_url (const char *url, GError **error);

MendHttpClient *mend_http_client_new (const char *base_url, const char *ca_file, GError **error);
const char *mend_http_client_get_base_url (MendHttpClient *self);
guint64 mend_http_client_get_bytes_sent (MendHttpClient *self);
void mend_http_client_set_timeouts (MendHttpClient *self,
                                    guint connect_timeout_s,
                                    guint low_speed_time_s);

void mend_http_client_request_async (MendHttpClient *self,
                                     const char *method,
                                     const char *path,
                                     const char *token,
                                     const char *content_type,
                                     GBytes *body,
                                     const char *const *headers,
                                     gsize max_body,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data);
MendHttpResponse *
mend_http_client_request_finish (MendHttpClient *self, GAsyncResult *result, GError **error);

const char *mend_http_response_header (const MendHttpResponse *response, const char *name);
gboolean mend_http_response_is_json (const MendHttpResponse *response);
void mend_http_response_free (MendHttpResponse *response);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MendHttpResponse, mend_http_response_free)

G_END_DECLS
