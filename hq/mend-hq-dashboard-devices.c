/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-hq"

#include "config.h"

#include "mend-hq-dashboard-private.h"

#include <string.h>

/* GET /devices: each enrolled device's health as HQ sees it — when it last synced, what it
 * still owes HQ (photos its records name that have not arrived whole, records HQ refused), and
 * how far its clock is from satellite time — with a revoke button (POST /devices/revoke,
 * behind the session's CSRF token). */

static void
unavailable (MendHqPage *page, const GError *error)
{
  g_message ("request_id=%s event=dashboard_failed error=\"%s\"", page->request->request_id,
             error->message);
  mend_hq_html_message_page (page, MHD_HTTP_SERVICE_UNAVAILABLE, "Unavailable",
                             "HQ's database cannot be read. Try again in a minute.");
}

/* device id → number of photos its stored events name that the blob folder lacks. */
static GHashTable *
photos_waiting (const MendHqPage *page, GError **error)
{
  g_autoptr (PGresult) photos
      = PQexec (page->conn, "SELECT DISTINCT device, payload ->> 'sha256' FROM events"
                            " WHERE kind = 'photo.taken' AND status = 'stored'");
  GHashTable *waiting = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  if (!mend_hq_db_check (photos, PGRES_TUPLES_OK, error))
    {
      g_hash_table_unref (waiting);
      return NULL;
    }
  for (int i = 0; i < PQntuples (photos); i++)
    {
      const char *sha256 = PQgetvalue (photos, i, 1);
      g_autofree char *path = page->blobs != NULL && mend_hq_is_sha256 (sha256)
                                  ? mend_hq_blob_path (page->blobs, sha256)
                                  : NULL;

      if (path == NULL || !g_file_test (path, G_FILE_TEST_IS_REGULAR))
        {
          const char *device = PQgetvalue (photos, i, 0);
          guint count = GPOINTER_TO_UINT (g_hash_table_lookup (waiting, device));

          g_hash_table_insert (waiting, g_strdup (device), GUINT_TO_POINTER (count + 1));
        }
    }
  return waiting;
}

/* A long span as a coordinator reads it: "4 y 212 d", "3 d 4 h", "17 min". */
static char *
span_text (gint64 ms)
{
  gint64 minutes = ms / 60000, days = minutes / (24 * 60);

  if (days >= 365)
    return g_strdup_printf ("%" G_GINT64_FORMAT " y %" G_GINT64_FORMAT " d", days / 365,
                            days % 365);
  if (days >= 1)
    return g_strdup_printf ("%" G_GINT64_FORMAT " d %" G_GINT64_FORMAT " h", days,
                            minutes / 60 % 24);
  if (minutes >= 60)
    return g_strdup_printf ("%" G_GINT64_FORMAT " h %" G_GINT64_FORMAT " min", minutes / 60,
                            minutes % 60);
  return g_strdup_printf ("%" G_GINT64_FORMAT " min", minutes);
}

/* What the times of the device's recent records say about its clock, compared with when they
 * reached HQ. A record dated after HQ received it can only come from a clock that is ahead; one
 * dated more than a year before it arrived, from a clock that is behind (no device stays
 * offline that long). A clock off by less is left to the satellite comparison. Empty when
 * neither. */
static char *
receipt_text (PGresult *devices, int row)
{
  if (!PQgetisnull (devices, row, 10)
      && mend_hq_result_ms (devices, row, 10) > MEND_CLOCK_SKEW_LIMIT_MS)
    {
      g_autofree char *span = span_text (mend_hq_result_ms (devices, row, 10));

      return g_strdup_printf ("<br><span class=\"flag\">clock ahead: records dated up to %s "
                              "after HQ received them</span>",
                              span);
    }
  if (!PQgetisnull (devices, row, 11)
      && mend_hq_result_ms (devices, row, 11) < -365 * 24 * 3600 * G_GINT64_CONSTANT (1000))
    {
      g_autofree char *span = span_text (-mend_hq_result_ms (devices, row, 11));

      return g_strdup_printf ("<br><span class=\"flag\">clock behind: records dated up to %s "
                              "before HQ received them</span>",
                              span);
    }
  return g_strdup ("");
}

static char *
skew_text (PGresult *devices, int row)
{
  gint64 skew_ms;

  if (PQgetisnull (devices, row, 9))
    return g_strdup ("unknown (no fix yet)");
  if (PQgetisnull (devices, row, 8))
    return g_strdup ("within 2 min");
  skew_ms = mend_hq_result_ms (devices, row, 8);
  return g_strdup_printf ("%s%.1f min", skew_ms > 0 ? "+" : "", skew_ms / 60000.0);
}

void
mend_hq_handle_devices (MendHqPage *page)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PGresult) devices = NULL;
  g_autoptr (GHashTable) waiting = NULL;
  GString *html;

  devices = PQexec (page->conn,
                    "SELECT d.id, d.name, t.name,"
                    " (extract(epoch FROM d.enrolled_at) * 1000)::bigint,"
                    " (extract(epoch FROM d.revoked_at) * 1000)::bigint,"
                    " (extract(epoch FROM d.last_seen) * 1000)::bigint, d.head_seq,"
                    " (SELECT count(*) FROM events e WHERE e.device = d.id"
                    "  AND e.status = 'invalid'),"
                    " lf.skew, lf.found, ck.ahead, ck.behind"
                    " FROM devices d JOIN teams t ON t.id = d.team"
                    " LEFT JOIN LATERAL (SELECT f ->> 'skew_ms' AS skew, true AS found"
                    "  FROM (SELECT e.seq, convert_from (e.canonical, 'UTF8')::jsonb -> 'fix' AS f"
                    "   FROM events e WHERE e.device = d.id) x"
                    "  WHERE f ->> 'state' IN ('fix', 'stale') ORDER BY x.seq DESC LIMIT 1) lf"
                    " ON true"
                    /* The device's clock against HQ's: each recent record's time against when
                     * it arrived. */
                    " LEFT JOIN LATERAL (SELECT max (g.gap) AS ahead, min (g.gap) AS behind"
                    "  FROM (SELECT (convert_from (e.canonical, 'UTF8')::jsonb ->> 'recorded_at')"
                    "   ::bigint - (extract(epoch FROM e.received_at) * 1000)::bigint AS gap"
                    "   FROM events e WHERE e.device = d.id ORDER BY e.seq DESC LIMIT 500) g) ck"
                    " ON true ORDER BY t.name, d.name NULLS LAST, d.id");
  if (!mend_hq_db_check (devices, PGRES_TUPLES_OK, &error)
      || (waiting = photos_waiting (page, &error)) == NULL)
    {
      unavailable (page, error);
      return;
    }

  html = mend_hq_html_begin (page, "Devices");
  if (PQntuples (devices) == 0)
    {
      mend_hq_html (html, "<p class=\"muted\">No device is enrolled.</p>\n");
      mend_hq_html_finish (page, html, MHD_HTTP_OK);
      return;
    }
  mend_hq_html (html, "<table class=\"devices\">\n<thead><tr><th>Device</th><th>Team</th>"
                      "<th>Enrolled (UTC)</th><th>Last sync (UTC)</th><th>Records held</th>"
                      "<th>Records refused</th><th>Photos waiting</th><th>Clock skew</th>"
                      "<th>Access</th></tr></thead>\n<tbody>\n");
  for (int i = 0; i < PQntuples (devices); i++)
    {
      const char *id = PQgetvalue (devices, i, 0);
      g_autofree char *enrolled = mend_hq_format_time (mend_hq_result_ms (devices, i, 3));
      g_autofree char *last = PQgetisnull (devices, i, 5)
                                  ? g_strdup ("never")
                                  : mend_hq_format_time (mend_hq_result_ms (devices, i, 5));
      g_autofree char *skew = skew_text (devices, i);
      g_autofree char *receipt = receipt_text (devices, i);
      guint photos = GPOINTER_TO_UINT (g_hash_table_lookup (waiting, id));

      mend_hq_html (html,
                    "<tr><td>%s<br><span class=\"muted\">%s</span></td><td>%s</td><td>%s</td>"
                    "<td>%s</td><td class=\"number\">%s</td><td class=\"number\">%s</td>"
                    "<td class=\"number\">%d</td><td>%s%r</td><td>",
                    PQgetvalue (devices, i, 1), id, PQgetvalue (devices, i, 2), enrolled, last,
                    PQgetvalue (devices, i, 6), PQgetvalue (devices, i, 7), (int)photos, skew,
                    receipt);
      if (!PQgetisnull (devices, i, 4))
        {
          g_autofree char *revoked = mend_hq_format_time (mend_hq_result_ms (devices, i, 4));

          mend_hq_html (html, "revoked %s", revoked);
        }
      else
        {
          mend_hq_html (html,
                        "<form method=\"post\" action=\"/devices/revoke\" class=\"inline\">"
                        "<input type=\"hidden\" name=\"device\" value=\"%s\">",
                        id);
          mend_hq_html_csrf_field (html, page);
          mend_hq_html (html, "<button type=\"submit\">Revoke</button></form>");
        }
      mend_hq_html (html, "<br><a href=\"/devices/report?id=%s\">Breach report</a></td></tr>\n",
                    id);
    }
  mend_hq_html (html, "</tbody>\n</table>\n");
  mend_hq_html_finish (page, html, MHD_HTTP_OK);
}

/* POST /devices/revoke: the device's token stops working at once (the API answers 401). */
void
mend_hq_handle_device_revoke (MendHqPage *page)
{
  const char *device = g_hash_table_lookup (page->form, "device");
  g_autoptr (PGresult) result = NULL;
  g_autoptr (GError) error = NULL;

  if (device == NULL || device[0] == '\0')
    {
      mend_hq_html_message_page (page, MHD_HTTP_BAD_REQUEST, "No device",
                                 "Pick a device to revoke from the list of devices.");
      return;
    }
  {
    const char *params[] = { device };

    result = PQexecParams (page->conn,
                           "UPDATE devices SET revoked_at = coalesce (revoked_at, now())"
                           " WHERE id = $1",
                           1, NULL, params, NULL, NULL, 0);
  }
  if (!mend_hq_db_check (result, PGRES_COMMAND_OK, &error))
    {
      unavailable (page, error);
      return;
    }
  if (strcmp (PQcmdTuples (result), "1") != 0)
    {
      mend_hq_html_message_page (page, MHD_HTTP_NOT_FOUND, "No such device",
                                 "HQ has no device of that id.");
      return;
    }
  g_message ("request_id=%s event=device_revoked device=%s by_user=%s", page->request->request_id,
             device, page->staff.user_id);
  /* Revoked from its breach report, the device's report is shown again, now saying so. */
  if (g_strcmp0 (g_hash_table_lookup (page->form, "back"), "report") == 0)
    {
      g_autofree char *escaped = g_uri_escape_string (device, NULL, FALSE);
      g_autofree char *location = g_strconcat ("/devices/report?id=", escaped, NULL);

      mend_hq_page_redirect (page, location);
      return;
    }
  mend_hq_page_redirect (page, "/devices");
}
