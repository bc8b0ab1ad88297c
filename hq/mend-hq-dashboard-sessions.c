/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-hq"

#include "config.h"

#include "mend-hq-dashboard-private.h"

#include <string.h>

/* GET /sessions?from=YYYY-MM-DD&to=YYYY-MM-DD: the sessions of a range of days (today by
 * default), with who attended and the minutes credited. Days are UTC days, as HQ stores
 * times. */

static gint64
date_to_ms (const GDate *date)
{
  g_autoptr (GDateTime) time = g_date_time_new_utc (g_date_get_year (date), g_date_get_month (date),
                                                    g_date_get_day (date), 0, 0, 0);

  return g_date_time_to_unix (time) * 1000;
}

/**
 * mend_hq_page_date_range:
 * @out_from: (out): the first day, as YYYY-MM-DD
 * @out_to: (out): the last day, as YYYY-MM-DD
 *
 * Reads the query's `from` and `to` (both days included; today when absent).
 *
 * Returns: FALSE, with a 400 page as the answer, when either is not a date or `to` comes
 *   before `from`.
 */
gboolean
mend_hq_page_date_range (MendHqPage *page,
                         gint64 *out_from_ms,
                         gint64 *out_until_ms,
                         char **out_from,
                         char **out_to)
{
  const char *from = MHD_lookup_connection_value (page->connection, MHD_GET_ARGUMENT_KIND, "from");
  const char *to = MHD_lookup_connection_value (page->connection, MHD_GET_ARGUMENT_KIND, "to");
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  GDate today, from_date, to_date;

  g_date_clear (&today, 1);
  g_date_set_dmy (&today, (GDateDay)g_date_time_get_day_of_month (now),
                  (GDateMonth)g_date_time_get_month (now), (GDateYear)g_date_time_get_year (now));
  from_date = today;
  to_date = today;
  if ((from != NULL && from[0] != '\0' && !mend_hq_parse_date (from, &from_date))
      || (to != NULL && to[0] != '\0' && !mend_hq_parse_date (to, &to_date)))
    {
      mend_hq_html_message_page (page, MHD_HTTP_BAD_REQUEST, "Bad date",
                                 "Dates are written YYYY-MM-DD, between the years 2000 and 2200.");
      return FALSE;
    }
  if (g_date_compare (&to_date, &from_date) < 0)
    {
      mend_hq_html_message_page (page, MHD_HTTP_BAD_REQUEST, "Bad dates",
                                 "The last day comes before the first.");
      return FALSE;
    }
  *out_from_ms = date_to_ms (&from_date);
  *out_until_ms = date_to_ms (&to_date) + 24 * 3600 * 1000;
  *out_from = g_strdup_printf ("%04d-%02d-%02d", g_date_get_year (&from_date),
                               g_date_get_month (&from_date), g_date_get_day (&from_date));
  *out_to = g_strdup_printf ("%04d-%02d-%02d", g_date_get_year (&to_date),
                             g_date_get_month (&to_date), g_date_get_day (&to_date));
  return TRUE;
}

static char *
day_text (int days_ago)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (GDateTime) day = g_date_time_add_days (now, -days_ago);

  return g_date_time_format (day, "%Y-%m-%d");
}

/* The filter form — a GET, so it changes nothing and needs no CSRF token — and the usual
 * ranges as links. */
void
mend_hq_html_range_form (GString *html, const char *action, const char *from, const char *to)
{
  g_autofree char *today = day_text (0);
  g_autofree char *yesterday = day_text (1);
  g_autofree char *week = day_text (6);
  g_autofree char *month = day_text (29);

  mend_hq_html (html,
                "<form method=\"get\" action=\"%s\" class=\"filter\">"
                "<label>From <input type=\"date\" name=\"from\" value=\"%s\"></label> "
                "<label>To <input type=\"date\" name=\"to\" value=\"%s\"></label> "
                "<button type=\"submit\">Show</button></form>\n"
                "<p class=\"ranges\"><a href=\"%s?from=%u&amp;to=%u\">Today</a> · "
                "<a href=\"%s?from=%u&amp;to=%u\">Yesterday</a> · "
                "<a href=\"%s?from=%u&amp;to=%u\">Last 7 days</a> · "
                "<a href=\"%s?from=%u&amp;to=%u\">Last 30 days</a></p>\n",
                action, from, to, action, today, today, action, yesterday, yesterday, action, week,
                today, action, month, today);
}

/* The sessions starting in [from, until), with their site, team and supervisor. */
PGresult *
mend_hq_sessions_in_range (PGconn *conn, gint64 from_ms, gint64 until_ms, GError **error)
{
  g_autofree char *from = g_strdup_printf ("%" G_GINT64_FORMAT, from_ms);
  g_autofree char *until = g_strdup_printf ("%" G_GINT64_FORMAT, until_ms);
  const char *params[] = { from, until };
  PGresult *result;

  result = PQexecParams (conn,
                         "SELECT s.id, t.name, st.name, su.name,"
                         " (extract(epoch FROM s.starts_at) * 1000)::bigint,"
                         " (extract(epoch FROM s.ends_at) * 1000)::bigint"
                         " FROM sessions s JOIN teams t ON t.id = s.team"
                         " LEFT JOIN sites st ON st.id = s.site"
                         " LEFT JOIN supervisors su ON su.id = s.supervisor"
                         " WHERE s.starts_at >= to_timestamp($1::bigint / 1000.0)"
                         " AND s.starts_at < to_timestamp($2::bigint / 1000.0)"
                         " ORDER BY s.starts_at, s.id",
                         2, NULL, params, NULL, NULL, 0);
  if (!mend_hq_db_check (result, PGRES_TUPLES_OK, error))
    {
      PQclear (result);
      return NULL;
    }
  return result;
}

void
mend_hq_handle_sessions (MendHqPage *page)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MendHqLedger) ledger = NULL;
  g_autoptr (PGresult) sessions = NULL;
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  g_autofree char *title = NULL;
  gint64 from_ms, until_ms;
  GString *html;

  if (!mend_hq_page_date_range (page, &from_ms, &until_ms, &from, &to))
    return;
  ledger = mend_hq_ledger_load (page->conn, &error);
  if (ledger != NULL)
    sessions = mend_hq_sessions_in_range (page->conn, from_ms, until_ms, &error);
  if (sessions == NULL)
    {
      g_message ("request_id=%s event=dashboard_failed error=\"%s\"", page->request->request_id,
                 error->message);
      mend_hq_html_message_page (page, MHD_HTTP_SERVICE_UNAVAILABLE, "Unavailable",
                                 "HQ's database cannot be read. Try again in a minute.");
      return;
    }

  title = strcmp (from, to) == 0 ? g_strdup_printf ("Sessions on %s", from)
                                 : g_strdup_printf ("Sessions from %s to %s", from, to);
  html = mend_hq_html_begin (page, title);
  mend_hq_html_range_form (html, "/sessions", from, to);
  if (PQntuples (sessions) == 0)
    {
      mend_hq_html (html, "<p class=\"muted\">No sessions on these days.</p>\n");
      mend_hq_html_finish (page, html, MHD_HTTP_OK);
      return;
    }
  mend_hq_html (html, "<table class=\"sessions\">\n<thead><tr><th>Starts (UTC)</th><th>Site</th>"
                      "<th>Team</th><th>Supervisor</th><th>Expected</th><th>Attended</th>"
                      "<th>Did not attend</th><th>Hours credited</th></tr></thead>\n<tbody>\n");
  for (int i = 0; i < PQntuples (sessions); i++)
    {
      const char *id = PQgetvalue (sessions, i, 0);
      g_autofree char *starts = mend_hq_format_time (mend_hq_result_ms (sessions, i, 4));
      g_autofree char *credited = NULL;
      GPtrArray *visits = mend_hq_ledger_session_visits (ledger, id);
      int expected = 0, attended = 0, absent = 0, minutes = 0;

      for (guint v = 0; visits != NULL && v < visits->len; v++)
        {
          MendHqVisit *visit = g_ptr_array_index (visits, v);

          expected++;
          if (visit->state == MEND_ATTENDANCE_ON_SITE
              || (visit->state == MEND_ATTENDANCE_DONE && visit->attended))
            attended++;
          else if (visit->state == MEND_ATTENDANCE_ABSENT)
            absent++;
          minutes += visit->minutes_credited;
        }
      credited = mend_hq_format_minutes (minutes);
      mend_hq_html (html,
                    "<tr><td><a href=\"/session?id=%u\">%s</a></td><td>%s</td><td>%s</td>"
                    "<td>%s</td><td class=\"number\">%d</td><td class=\"number\">%d</td>"
                    "<td class=\"number\">%d</td><td class=\"number\">%s</td></tr>\n",
                    id, starts, PQgetvalue (sessions, i, 2), PQgetvalue (sessions, i, 1),
                    PQgetvalue (sessions, i, 3), expected, attended, absent, credited);
    }
  mend_hq_html (html, "</tbody>\n</table>\n");
  mend_hq_html_finish (page, html, MHD_HTTP_OK);
}
