/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-hq"

#include "config.h"

#include "mend-hq-dashboard-private.h"

#include <string.h>

/* The dashboard's routing: every path outside /api/ that the API does not answer. Each
 * request passes the same gates in the same order — method, body, login, CSRF — before any
 * page sees it, so no page can forget one. */

/**
 * mend_hq_dashboard_owns:
 *
 * Returns: whether @path is the dashboard's (everything but /api/…).
 */
gboolean
mend_hq_dashboard_owns (const char *path)
{
  return !g_str_has_prefix (path, "/api/") && strcmp (path, "/api") != 0;
}

static void
serve_css (MendHqPage *page)
{
  g_autoptr (GBytes) css = g_resources_lookup_data ("/org/mendapp/hq/dashboard/dashboard.css",
                                                    G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);

  g_assert (css != NULL);
  page->answer->status = MHD_HTTP_OK;
  page->answer->body = g_bytes_ref (css);
  page->answer->content_type = "text/css; charset=utf-8";
  mend_hq_page_add_header (page, "X-Content-Type-Options", "nosniff");
}

static gboolean
is_form (struct MHD_Connection *connection)
{
  const char *type
      = MHD_lookup_connection_value (connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
  size_t n = strlen ("application/x-www-form-urlencoded");

  return type != NULL && g_ascii_strncasecmp (type, "application/x-www-form-urlencoded", n) == 0
         && (type[n] == '\0' || type[n] == ';' || type[n] == ' ');
}

static void
method_not_allowed (MendHqPage *page, const char *allow)
{
  mend_hq_page_add_header (page, "Allow", allow);
  mend_hq_html_message_page (page, MHD_HTTP_METHOD_NOT_ALLOWED, "Method not allowed",
                             "This page does not take that method.");
}

/* Pages for a logged-in member of staff; @is_post says the CSRF token was checked. */
static void
route (MendHqPage *page, gboolean is_post)
{
  const char *path = page->request->path;

  if (strcmp (path, "/") == 0)
    {
      if (is_post)
        method_not_allowed (page, "GET, HEAD");
      else
        mend_hq_page_redirect (page, "/sessions");
      return;
    }
  if (strcmp (path, "/logout") == 0)
    {
      if (is_post)
        mend_hq_handle_logout (page);
      else
        method_not_allowed (page, "POST");
      return;
    }
  if (strcmp (path, "/devices/revoke") == 0)
    {
      if (is_post)
        mend_hq_handle_device_revoke (page);
      else
        method_not_allowed (page, "POST");
      return;
    }

  /* Everything else is read only. */
  if (is_post)
    {
      if (strcmp (path, "/sessions") == 0 || strcmp (path, "/session") == 0
          || strcmp (path, "/people") == 0 || strcmp (path, "/devices") == 0
          || strcmp (path, "/devices/report") == 0 || strcmp (path, "/exports") == 0
          || g_str_has_prefix (path, "/export/") || g_str_has_prefix (path, "/photos/"))
        method_not_allowed (page, "GET, HEAD");
      else
        mend_hq_html_message_page (page, MHD_HTTP_NOT_FOUND, "Not found", "There is no such page.");
      return;
    }
  if (strcmp (path, "/sessions") == 0)
    mend_hq_handle_sessions (page);
  else if (strcmp (path, "/session") == 0)
    mend_hq_handle_session (page);
  else if (strcmp (path, "/people") == 0)
    mend_hq_handle_people (page);
  else if (strcmp (path, "/devices") == 0)
    mend_hq_handle_devices (page);
  else if (strcmp (path, "/devices/report") == 0)
    mend_hq_handle_device_report (page);
  else if (strcmp (path, "/exports") == 0)
    mend_hq_handle_exports (page);
  else if (g_str_has_prefix (path, "/export/"))
    mend_hq_handle_export (page, path + strlen ("/export/"));
  else if (g_str_has_prefix (path, "/photos/"))
    mend_hq_handle_photo (page, path + strlen ("/photos/"));
  else
    mend_hq_html_message_page (page, MHD_HTTP_NOT_FOUND, "Not found", "There is no such page.");
}

/**
 * mend_hq_dashboard_handle:
 * @conn: (nullable): this thread's database connection, %NULL when it is unreachable
 * @blobs: (nullable): the blob folder, for photos
 *
 * Answers one complete dashboard request.
 */
void
mend_hq_dashboard_handle (PGconn *conn,
                          struct MHD_Connection *connection,
                          const MendHqRequest *request,
                          const char *blobs,
                          MendHqAnswer *answer)
{
  g_autoptr (GError) error = NULL;
  MendHqPage page = { conn, connection, request, answer, { NULL, NULL, NULL }, FALSE, NULL, blobs };
  gboolean is_get = strcmp (request->method, "GET") == 0 || strcmp (request->method, "HEAD") == 0;
  gboolean is_post = strcmp (request->method, "POST") == 0;

  page.tls = request->tls;
  if (strcmp (request->path, "/static/dashboard.css") == 0)
    {
      if (is_get)
        serve_css (&page);
      else
        method_not_allowed (&page, "GET, HEAD");
      return;
    }
  if (!is_get && !is_post)
    {
      method_not_allowed (&page, "GET, HEAD, POST");
      return;
    }
  if (conn == NULL)
    {
      mend_hq_html_message_page (&page, MHD_HTTP_SERVICE_UNAVAILABLE, "Unavailable",
                                 "HQ's database is unreachable. Try again in a minute.");
      return;
    }
  if (is_post)
    {
      if (!is_form (connection))
        {
          mend_hq_html_message_page (&page, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "Unsupported form",
                                     "This page takes only a web form.");
          return;
        }
      page.form
          = mend_hq_form_decode ((const char *)request->body->data, request->body->len, &error);
      if (page.form == NULL)
        {
          mend_hq_html_message_page (&page, MHD_HTTP_BAD_REQUEST, "Bad form", error->message);
          return;
        }
    }

  if (strcmp (request->path, "/login") == 0)
    {
      if (mend_hq_staff_from_cookie (&page) && is_get)
        mend_hq_page_redirect (&page, "/sessions");
      else if (is_post)
        mend_hq_handle_login (&page);
      else
        mend_hq_handle_login_form (&page, NULL, MHD_HTTP_OK);
      goto out;
    }

  if (!mend_hq_staff_from_cookie (&page))
    {
      /* A page asked for without a session goes to the login; a form posted without one is
       * refused, since what it asked for cannot be done on anyone's behalf. */
      if (is_get)
        mend_hq_page_redirect (&page, "/login");
      else
        mend_hq_html_message_page (&page, MHD_HTTP_FORBIDDEN, "Forbidden",
                                   "You are not logged in, or your session has ended."
                                   " Log in again.");
      goto out;
    }
  if (is_post && !mend_hq_csrf_ok (&page))
    {
      g_message ("request_id=%s event=csrf_refused path=%s", request->request_id, request->path);
      mend_hq_html_message_page (&page, MHD_HTTP_FORBIDDEN, "Forbidden",
                                 "This form is out of date or did not come from this site."
                                 " Go back, reload the page and try again.");
      goto out;
    }
  route (&page, is_post);

out:
  mend_hq_staff_clear (&page.staff);
  g_clear_pointer (&page.form, g_hash_table_unref);
}
