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
  g_autoptr (PGresult) sessions = NULL;
  g_autofree char *title = NULL;
  const char *last_sync;
  int names = 0;
  GString *html;

  if (id == NULL || id[0] == '\0' || strlen (id) > 128)
    {
      mend_hq_html_message_page (page, MHD_HTTP_BAD_REQUEST, "No device",
                                 "Pick a device from the list of devices.");
      return;
    }
  if (!mend_hq_breach_query (page->conn, id, &device, &people, &sessions, &error))
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
  last_sync = PQgetvalue (device, 0, 4);

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
                          "<th>Records</th><th>Last record</th><th>On the device</th></tr>"
                          "</thead>\n<tbody>\n");
      for (int i = 0; i < PQntuples (people); i++)
        {
          gboolean restricted = strcmp (PQgetvalue (people, i, 3), "t") == 0;
          g_autofree char *held
              = mend_hq_breach_held (PQgetvalue (people, i, 10), PQgetvalue (people, i, 12),
                                     PQgetvalue (people, i, 13), last_sync);

          mend_hq_html (html,
                        "<tr><td>%s<br><span class=\"muted\">%s</span></td><td>%s</td><td>%s</td>"
                        "<td>%s</td><td>%s%r%s</td><td>%s</td><td>%s</td>"
                        "<td class=\"number\">%s</td><td>%s</td><td>%s</td></tr>\n",
                        or_dash (PQgetvalue (people, i, 1)), PQgetvalue (people, i, 0),
                        restricted ? "restricted" : or_dash (PQgetvalue (people, i, 2)),
                        or_dash (PQgetvalue (people, i, 4)), or_dash (PQgetvalue (people, i, 5)),
                        or_dash (PQgetvalue (people, i, 6)),
                        PQgetvalue (people, i, 6)[0] != '\0' ? " to " : "",
                        PQgetvalue (people, i, 7), or_dash (PQgetvalue (people, i, 8)),
                        or_dash (PQgetvalue (people, i, 9)), PQgetvalue (people, i, 10),
                        or_dash (PQgetvalue (people, i, 11)), held);
        }
      mend_hq_html (html, "</tbody>\n</table>\n");
    }
  mend_hq_html (html,
                "<h2>Sessions it recorded</h2>\n<p>%d sessions. After its retention days the "
                "device purges the notes, positions and photos of records HQ holds, and reports "
                "each purge at its next sync.</p>\n",
                PQntuples (sessions));
  if (PQntuples (sessions) > 0)
    {
      mend_hq_html (html, "<table class=\"report\">\n<thead><tr><th>Session</th><th>Planned "
                          "start</th><th>First record</th><th>Records</th><th>Photos</th>"
                          "<th>On the device</th></tr></thead>\n<tbody>\n");
      for (int i = 0; i < PQntuples (sessions); i++)
        {
          g_autofree char *held
              = mend_hq_breach_held (PQgetvalue (sessions, i, 4), PQgetvalue (sessions, i, 5),
                                     PQgetvalue (sessions, i, 6), last_sync);

          mend_hq_html (html,
                        "<tr><td>%s<br><span class=\"muted\">%s</span></td><td>%s</td>"
                        "<td>%s</td><td class=\"number\">%s</td><td class=\"number\">%s</td>"
                        "<td>%s</td></tr>\n",
                        or_dash (PQgetvalue (sessions, i, 1)), PQgetvalue (sessions, i, 0),
                        or_dash (PQgetvalue (sessions, i, 2)),
                        or_dash (PQgetvalue (sessions, i, 3)), PQgetvalue (sessions, i, 4),
                        PQgetvalue (sessions, i, 7), held);
        }
      mend_hq_html (html, "</tbody>\n</table>\n");
    }
  mend_hq_html (html,
                "<h2>What HQ cannot know</h2>\n<p>Purges are known only as far as the device "
                "reported them by its last sync: one made since is not known here. A person's "
                "case reference, and any name sent, stay on the device until a manifest removes "
                "them. Notes and referrer details it recorded are sealed to HQ's key and cannot be "
                "read from the device. Whether its storage was encrypted is not reported.</p>\n");
  mend_hq_html_finish (page, html, MHD_HTTP_OK);
}
