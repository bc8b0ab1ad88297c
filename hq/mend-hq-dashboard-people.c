/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-hq"

#include "config.h"

#include "mend-hq-dashboard-private.h"

#include <math.h>

/* GET /people: each person's progress — minutes ordered, credited and still owed — and the
 * scheme's 48-hour measure: hours from the disposal to the first attendance, flagged when it
 * is over 48 (or when 48 hours have passed and the person has not attended yet). */

#define FIRST_ATTENDANCE_TARGET_HOURS 48.0

void
mend_hq_handle_people (MendHqPage *page)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MendHqLedger) ledger = mend_hq_ledger_load (page->conn, &error);
  gint64 now_ms = g_get_real_time () / 1000;
  GString *html;

  if (ledger == NULL)
    {
      g_message ("request_id=%s event=dashboard_failed error=\"%s\"", page->request->request_id,
                 error->message);
      mend_hq_html_message_page (page, MHD_HTTP_SERVICE_UNAVAILABLE, "Unavailable",
                                 "HQ's database cannot be read. Try again in a minute.");
      return;
    }
  html = mend_hq_html_begin (page, "People");
  if (ledger->by_name->len == 0)
    {
      mend_hq_html (html, "<p class=\"muted\">No people have been referred yet.</p>\n");
      mend_hq_html_finish (page, html, MHD_HTTP_OK);
      return;
    }
  mend_hq_html (html,
                "<table class=\"people\">\n<thead><tr><th>Case</th><th>Name</th><th>Team</th>"
                "<th>Disposal</th><th>Ordered</th><th>Credited</th><th>Owed</th>"
                "<th>First attended (UTC)</th><th>Hours to first attendance</th></tr></thead>\n"
                "<tbody>\n");
  for (guint i = 0; i < ledger->by_name->len; i++)
    {
      MendHqPerson *person = g_ptr_array_index (ledger->by_name, i);
      g_autofree char *ordered = mend_hq_format_minutes (person->minutes_ordered);
      g_autofree char *credited = mend_hq_format_minutes (person->minutes_credited);
      g_autofree char *owed = mend_hq_format_minutes (person->minutes_owed);
      g_autofree char *disposal
          = person->disposal_ms != 0 ? mend_hq_format_time (person->disposal_ms) : NULL;
      g_autofree char *first = person->first_attended_ms != 0
                                   ? mend_hq_format_time (person->first_attended_ms)
                                   : g_strdup ("not yet");
      double hours = mend_hq_person_hours_to_first (person, now_ms);
      gboolean over = !isnan (hours) && hours > FIRST_ATTENDANCE_TARGET_HOURS;
      g_autofree char *hours_text
          = isnan (hours) ? g_strdup ("unknown")
                          : g_strdup_printf ("%.1f%s", hours,
                                             person->first_attended_ms == 0 ? " so far" : "");

      mend_hq_html (html,
                    "<tr><td>%s</td><td>%s%r</td><td>%s</td><td>%s<br>"
                    "<span class=\"muted\">%s</span></td><td class=\"number\">%s</td>"
                    "<td class=\"number\">%s</td><td class=\"number\">%s</td><td>%s</td>"
                    "<td class=\"number%r\">%s%r</td></tr>\n",
                    person->case_ref, person->display_name,
                    person->restricted ? " <span class=\"muted\">(restricted)</span>" : "",
                    person->team, person->disposal_type, disposal, ordered, credited, owed, first,
                    over ? " flag" : "", hours_text, over ? " — over 48" : "");
    }
  mend_hq_html (html, "</tbody>\n</table>\n");
  mend_hq_html_finish (page, html, MHD_HTTP_OK);
}
