/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-hq"

#include "config.h"

#include "mend-hq-dashboard-private.h"

#include <string.h>

/* The frame of every dashboard page, its headers, and the answers that are not pages (a
 * redirect, a message). The values in them are written by mend-hq-dashboard-escape.c. */

void
mend_hq_page_add_header (MendHqPage *page, const char *name, const char *value)
{
  mend_hq_answer_header (page->answer, name, value);
}

/* Headers every HTML answer carries: no script may run at all, styles and images come only
 * from HQ itself, forms post only to HQ, and no other site may frame the dashboard. */
static void
add_html_headers (MendHqPage *page)
{
  mend_hq_page_add_header (page, "Content-Security-Policy",
                           "default-src 'none'; style-src 'self'; img-src 'self';"
                           " form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
  mend_hq_page_add_header (page, "X-Content-Type-Options", "nosniff");
  mend_hq_page_add_header (page, "X-Frame-Options", "DENY");
  mend_hq_page_add_header (page, "Referrer-Policy", "same-origin");
}

/* 303 See Other: after a POST the browser follows with a GET, so reloading the page it lands
 * on never posts the form again. */
void
mend_hq_page_redirect (MendHqPage *page, const char *location)
{
  static const char body[] = "<!DOCTYPE html><title>See other</title>";

  page->answer->status = MHD_HTTP_SEE_OTHER;
  g_clear_pointer (&page->answer->body, g_bytes_unref);
  page->answer->body = g_bytes_new_static (body, sizeof body - 1);
  page->answer->content_type = "text/html; charset=utf-8";
  mend_hq_page_add_header (page, "Location", location);
  add_html_headers (page);
}

void
mend_hq_html_csrf_field (GString *out, const MendHqPage *page)
{
  mend_hq_html (out, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">", page->staff.csrf_token);
}

/**
 * mend_hq_html_begin:
 * @title: the page's title, as text
 *
 * Returns: (transfer full): the start of a page: head, and the navigation with the logout
 *   form when someone is logged in.
 */
GString *
mend_hq_html_begin (const MendHqPage *page, const char *title)
{
  GString *html = g_string_new (NULL);

  mend_hq_html (html,
                "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                "<title>%s · Mend HQ</title>\n"
                "<link rel=\"stylesheet\" href=\"/static/dashboard.css\">\n</head>\n<body>\n",
                title);
  if (page->staff.user_id != NULL)
    {
      mend_hq_html (html, "<header><nav><strong>Mend HQ</strong> <a href=\"/sessions\">Sessions</a>"
                          " <a href=\"/people\">People</a> <a href=\"/devices\">Devices</a>"
                          " <a href=\"/exports\">Exports</a></nav>"
                          "<form method=\"post\" action=\"/logout\" class=\"logout\">");
      mend_hq_html_csrf_field (html, page);
      mend_hq_html (html,
                    "<span>%s</span> <button type=\"submit\">Log out</button></form>"
                    "</header>\n",
                    page->staff.name);
    }
  mend_hq_html (html, "<main>\n<h1>%s</h1>\n", title);
  return html;
}

/* Ends @html and makes it the answer. */
void
mend_hq_html_finish (MendHqPage *page, GString *html, unsigned int status)
{
  gsize length;

  g_string_append (html, "</main>\n</body>\n</html>\n");
  length = html->len;
  page->answer->status = status;
  g_clear_pointer (&page->answer->body, g_bytes_unref);
  page->answer->body = g_bytes_new_take (g_string_free (html, FALSE), length);
  page->answer->content_type = "text/html; charset=utf-8";
  add_html_headers (page);
}

void
mend_hq_html_message_page (MendHqPage *page,
                           unsigned int status,
                           const char *title,
                           const char *message)
{
  GString *html = mend_hq_html_begin (page, title);

  mend_hq_html (html, "<p class=\"message\">%s</p>\n", message);
  mend_hq_html_finish (page, html, status);
}

/* "3 h 05 min" from minutes; a minus sign for a negative amount. */
char *
mend_hq_format_minutes (gint64 minutes)
{
  gint64 magnitude = ABS (minutes);

  return g_strdup_printf ("%s%" G_GINT64_FORMAT " h %02d min", minutes < 0 ? "−" : "",
                          magnitude / 60, (int)(magnitude % 60));
}

/* UTC, to the minute, as HQ stores and the scheme reports it. */
char *
mend_hq_format_time (gint64 utc_ms)
{
  g_autoptr (GDateTime) time = g_date_time_new_from_unix_utc (utc_ms / 1000);

  if (time == NULL)
    return g_strdup ("?");
  return g_date_time_format (time, "%Y-%m-%d %H:%M");
}
