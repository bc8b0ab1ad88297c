/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-hq"

#include "config.h"

#include "mend-hq-dashboard-private.h"

#include <string.h>

/* GET /devices/report?id=DEVICE: the breach report for a lost or stolen device — whose personal
 * data it could have held, from the manifests HQ sent it and the records it sent back, with
 * dates — and the one button that revokes it (hq/README.md, "Breach report"). */

static const char *
or_dash (const char *text)
{
  return text[0] != '\0' ? text : "—";
}

void
mend_hq_handle_device_report (MendHqPage *page)
{
  const char *id = MHD_lookup_connection_value (page->connection, MHD_GET_ARGUMENT_KIND, "id");
  g_autoptr (GError) error = NULL;
  g_autoptr (PGresult) device = NULL;
  g_autoptr (PGresult) people = NULL;
  g_autofree char *title = NULL;
  int names = 0;
  GString *html;

  if (id == NULL || id[0] == '\0' || strlen (id) > 128)
    {
      mend_hq_html_message_page (page, MHD_HTTP_BAD_REQUEST, "No device",
                                 "Pick a device from the list of devices.");
      return;
    }
  if (!mend_hq_breach_query (page->conn, id, &device, &people, &error))
    {
      if (g_error_matches (error, MEND_HQ_ERROR, MEND_HQ_ERROR_NOT_FOUND))
        {
          mend_hq_html_message_page (page, MHD_HTTP_NOT_FOUND, "No such device",
                                     "HQ has no device of that id.");
          return;
        }
      g_message ("request_id=%s event=dashboard_failed error=\"%s\"", page->request->request_id,
                 error->message);
      mend_hq_html_message_page (page, MHD_HTTP_SERVICE_UNAVAILABLE, "Unavailable",
                                 "HQ's database cannot be read. Try again in a minute.");
      return;
    }
  for (int i = 0; i < PQntuples (people); i++)
    names += PQgetvalue (people, i, 6)[0] != '\0';

  title = g_strdup_printf ("Breach report: %s", PQgetvalue (device, 0, 0));
  html = mend_hq_html_begin (page, title);
  mend_hq_html (html,
                "<table class=\"facts\"><tr><th>Device</th><td>%s<br><span class=\"muted\">%s"
                "</span></td></tr><tr><th>Team</th><td>%s</td></tr>"
                "<tr><th>Enrolled (UTC)</th><td>%s</td></tr>"
                "<tr><th>Last sync (UTC)</th><td>%s</td></tr>"
                "<tr><th>Access</th><td>",
                or_dash (PQgetvalue (device, 0, 2)), PQgetvalue (device, 0, 0),
                PQgetvalue (device, 0, 1), PQgetvalue (device, 0, 3),
                or_dash (PQgetvalue (device, 0, 4)));
  if (PQgetvalue (device, 0, 5)[0] != '\0')
    mend_hq_html (html, "revoked %s", PQgetvalue (device, 0, 5));
  else
    {
      mend_hq_html (html,
                    "<form method=\"post\" action=\"/devices/revoke\" class=\"inline\">"
                    "<input type=\"hidden\" name=\"device\" value=\"%s\">"
                    "<input type=\"hidden\" name=\"back\" value=\"report\">",
                    PQgetvalue (device, 0, 0));
      mend_hq_html_csrf_field (html, page);
      mend_hq_html (html, "<button type=\"submit\">Revoke this device now</button></form>");
    }
  mend_hq_html (html, "</td></tr></table>\n");

  mend_hq_html (html,
                "<h2>People whose data it could hold</h2>\n<p>%d people; display names of %d "
                "were sent to it at some time. Case references and names come from the "
                "manifests HQ sent; records are those the device sent back.</p>\n",
                PQntuples (people), names);
  if (PQntuples (people) > 0)
    {
      mend_hq_html (html, "<table class=\"report\">\n<thead><tr><th>Case reference</th>"
                          "<th>Name (now at HQ)</th><th>First sent</th><th>Last sent</th>"
                          "<th>Name sent</th><th>Name withdrawn</th><th>Removed</th>"
                          "<th>Records</th><th>Last record</th></tr></thead>\n<tbody>\n");
      for (int i = 0; i < PQntuples (people); i++)
        {
          gboolean restricted = strcmp (PQgetvalue (people, i, 3), "t") == 0;

          mend_hq_html (html,
                        "<tr><td>%s<br><span class=\"muted\">%s</span></td><td>%s</td><td>%s</td>"
                        "<td>%s</td><td>%s%r%s</td><td>%s</td><td>%s</td>"
                        "<td class=\"number\">%s</td><td>%s</td></tr>\n",
                        or_dash (PQgetvalue (people, i, 1)), PQgetvalue (people, i, 0),
                        restricted ? "restricted" : or_dash (PQgetvalue (people, i, 2)),
                        or_dash (PQgetvalue (people, i, 4)), or_dash (PQgetvalue (people, i, 5)),
                        or_dash (PQgetvalue (people, i, 6)),
                        PQgetvalue (people, i, 6)[0] != '\0' ? " to " : "",
                        PQgetvalue (people, i, 7), or_dash (PQgetvalue (people, i, 8)),
                        or_dash (PQgetvalue (people, i, 9)), PQgetvalue (people, i, 10),
                        or_dash (PQgetvalue (people, i, 11)));
        }
      mend_hq_html (html, "</tbody>\n</table>\n");
    }
  mend_hq_html (html,
                "<h2>What HQ cannot know</h2>\n<p>The device does not report its purges: what it "
                "removed after its retention days is not known here, so everyone above counts as "
                "possibly held. Notes it recorded are sealed to HQ's key and cannot be read from "
                "the device. Whether its storage was encrypted is not reported either.</p>\n");
  mend_hq_html_finish (page, html, MHD_HTTP_OK);
}
