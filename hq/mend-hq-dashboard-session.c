/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-hq"

#include "config.h"

#include "mend-hq-dashboard-private.h"

#include <string.h>

/* GET /session?id=ID: one session — who came and what they were credited, the before and after
 * photos side by side, the tallies, and every position the device recorded with any reason the
 * supervisor gave for being outside the site's boundary. */

static void
unavailable (MendHqPage *page, const GError *error)
{
  g_message ("request_id=%s event=dashboard_failed error=\"%s\"", page->request->request_id,
             error->message);
  mend_hq_html_message_page (page, MHD_HTTP_SERVICE_UNAVAILABLE, "Unavailable",
                             "HQ's database cannot be read. Try again in a minute.");
}

static PGresult *
query (PGconn *conn, const char *sql, const char *id, GError **error)
{
  const char *params[] = { id };
  PGresult *result = PQexecParams (conn, sql, 1, NULL, params, NULL, NULL, 0);

  if (!mend_hq_db_check (result, PGRES_TUPLES_OK, error))
    {
      PQclear (result);
      return NULL;
    }
  return result;
}

static void
person_cell (GString *html, MendHqLedger *ledger, const char *participant_id)
{
  MendHqPerson *person
      = participant_id != NULL ? g_hash_table_lookup (ledger->people, participant_id) : NULL;

  if (person == NULL)
    mend_hq_html (html, "<td>%s</td>", participant_id != NULL ? participant_id : "—");
  else
    mend_hq_html (html, "<td>%s<br><span class=\"muted\">%s</span></td>", person->case_ref,
                  person->display_name);
}

static void
attendance_table (GString *html, MendHqLedger *ledger, const char *session_id)
{
  GPtrArray *visits = mend_hq_ledger_session_visits (ledger, session_id);
  gboolean any = FALSE;

  mend_hq_html (html, "<h2>Attendance</h2>\n");
  for (guint i = 0; visits != NULL && i < visits->len; i++)
    {
      MendHqVisit *visit = g_ptr_array_index (visits, i);
      g_autofree char *arrived = NULL;
      g_autofree char *finished = NULL;
      g_autofree char *credited = NULL;

      if (!any)
        mend_hq_html (html, "<table class=\"attendance\">\n<thead><tr><th>Person</th>"
                            "<th>State</th><th>Arrived</th><th>Finished</th><th>Penalty</th>"
                            "<th>Outcome</th><th>Hours credited</th><th>Check-in position</th>"
                            "</tr></thead>\n<tbody>\n");
      any = TRUE;
      arrived = visit->arrived_ms != 0 ? mend_hq_format_time (visit->arrived_ms) : NULL;
      finished = visit->finished_ms != 0 ? mend_hq_format_time (visit->finished_ms) : NULL;
      credited = mend_hq_format_minutes (visit->minutes_credited);
      mend_hq_html (html, "<tr>");
      person_cell (html, ledger, visit->participant_id);
      mend_hq_html (html,
                    "<td>%s</td><td>%s</td><td>%s</td><td class=\"number\">%d min</td>"
                    "<td>%s</td><td class=\"number\">%s</td><td>%s%r%s</td></tr>\n",
                    mend_hq_attendance_label (visit->state), arrived, finished,
                    visit->penalty_minutes, visit->outcome_label, credited, visit->verdict,
                    visit->reason != NULL ? ": " : "", visit->reason);
    }
  if (any)
    mend_hq_html (html, "</tbody>\n</table>\n");
  else
    mend_hq_html (html, "<p class=\"muted\">Nobody is assigned to this session.</p>\n");
}

static void
photo_figure (GString *html, const MendHqPage *page, PGresult *photos, int row)
{
  const char *sha256 = PQgetvalue (photos, row, 0);
  g_autofree char *path = page->blobs != NULL && mend_hq_is_sha256 (sha256)
                              ? mend_hq_blob_path (page->blobs, sha256)
                              : NULL;
  g_autofree char *taken = mend_hq_format_time (mend_hq_result_ms (photos, row, 2));

  mend_hq_html (html, "<figure>");
  if (path != NULL && g_file_test (path, G_FILE_TEST_IS_REGULAR))
    mend_hq_html (html, "<img src=\"/photos/%s\" alt=\"%s photo taken %s\">", sha256,
                  PQgetvalue (photos, row, 1), taken);
  else
    mend_hq_html (html, "<p class=\"muted\">Not uploaded yet.</p>");
  mend_hq_html (html, "<figcaption>%s, %s UTC</figcaption></figure>", PQgetvalue (photos, row, 1),
                taken);
}

/* Before and after photos in rows of two, in the order they were taken, then the evidence. */
static void
photo_pairs (GString *html, const MendHqPage *page, PGresult *photos)
{
  g_autoptr (GArray) before = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr (GArray) after = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr (GArray) evidence = g_array_new (FALSE, FALSE, sizeof (int));

  mend_hq_html (html, "<h2>Photos</h2>\n");
  for (int i = 0; i < PQntuples (photos); i++)
    {
      const char *role = PQgetvalue (photos, i, 1);

      g_array_append_val (strcmp (role, "before") == 0  ? before
                          : strcmp (role, "after") == 0 ? after
                                                        : evidence,
                          i);
    }
  if (PQntuples (photos) == 0)
    {
      mend_hq_html (html, "<p class=\"muted\">No photos.</p>\n");
      return;
    }
  for (guint i = 0; i < MAX (before->len, after->len); i++)
    {
      mend_hq_html (html, "<div class=\"pairs\">");
      if (i < before->len)
        photo_figure (html, page, photos, g_array_index (before, int, i));
      else
        mend_hq_html (html, "<figure><p class=\"muted\">No before photo.</p></figure>");
      if (i < after->len)
        photo_figure (html, page, photos, g_array_index (after, int, i));
      else
        mend_hq_html (html, "<figure><p class=\"muted\">No after photo.</p></figure>");
      mend_hq_html (html, "</div>\n");
    }
  for (guint i = 0; i < evidence->len; i += 2)
    {
      mend_hq_html (html, "<div class=\"pairs\">");
      photo_figure (html, page, photos, g_array_index (evidence, int, i));
      if (i + 1 < evidence->len)
        photo_figure (html, page, photos, g_array_index (evidence, int, i + 1));
      mend_hq_html (html, "</div>\n");
    }
}

static void
tally_table (GString *html, PGresult *tallies)
{
  mend_hq_html (html, "<h2>Tallies</h2>\n");
  if (PQntuples (tallies) == 0)
    {
      mend_hq_html (html, "<p class=\"muted\">Nothing counted.</p>\n");
      return;
    }
  mend_hq_html (html, "<table class=\"tallies\">\n<thead><tr><th>Category</th><th>Total</th>"
                      "<th>Unit</th></tr></thead>\n<tbody>\n");
  for (int i = 0; i < PQntuples (tallies); i++)
    mend_hq_html (html, "<tr><td>%s</td><td class=\"number\">%s</td><td>%s</td></tr>\n",
                  PQgetvalue (tallies, i, 1), PQgetvalue (tallies, i, 3),
                  PQgetvalue (tallies, i, 2));
  mend_hq_html (html, "</tbody>\n</table>\n");
}

/* Every event of the session with its position, or what the GPS said instead. */
static void
position_table (GString *html, MendHqLedger *ledger, PGresult *events)
{
  mend_hq_html (html, "<h2>Positions</h2>\n");
  if (PQntuples (events) == 0)
    {
      mend_hq_html (html, "<p class=\"muted\">Nothing recorded yet.</p>\n");
      return;
    }
  mend_hq_html (html, "<table class=\"positions\">\n<thead><tr><th>Time (UTC)</th><th>Record</th>"
                      "<th>Person</th><th>Position</th><th>Error</th><th>Boundary</th>"
                      "<th>Reason given</th></tr></thead>\n<tbody>\n");
  for (int i = 0; i < PQntuples (events); i++)
    {
      g_autofree char *time = mend_hq_format_time (mend_hq_result_ms (events, i, 2));
      const char *verdict = PQgetvalue (events, i, 8);
      gboolean outside = strcmp (verdict, "outside") == 0 || strcmp (verdict, "near") == 0;

      mend_hq_html (html, "<tr><td>%s</td><td>%s</td>", time, PQgetvalue (events, i, 0));
      person_cell (html, ledger, PQgetisnull (events, i, 1) ? NULL : PQgetvalue (events, i, 1));
      if (PQgetisnull (events, i, 4))
        mend_hq_html (html, "<td colspan=\"2\" class=\"muted\">no position (GPS %s)%r%s</td>",
                      PQgetvalue (events, i, 3), PQgetisnull (events, i, 7) ? "" : ": ",
                      PQgetvalue (events, i, 7));
      else
        mend_hq_html (html, "<td>%s, %s</td><td>%s m</td>", PQgetvalue (events, i, 4),
                      PQgetvalue (events, i, 5), PQgetvalue (events, i, 6));
      mend_hq_html (html, "<td%r>%s%r%s%r</td><td>%s</td></tr>\n", outside ? " class=\"flag\"" : "",
                    verdict, PQgetisnull (events, i, 9) ? "" : ", ", PQgetvalue (events, i, 9),
                    PQgetisnull (events, i, 9) ? "" : " m from the boundary",
                    PQgetvalue (events, i, 10));
    }
  mend_hq_html (html, "</tbody>\n</table>\n");
}

/* Notes of the session's check-outs and absences, opened with HQ's keys for the member of staff
 * looking (sealed on the device; PROTOCOL.md section 5). They are shown, never logged. */
static void
notes_table (GString *html, const MendHqPage *page, MendHqLedger *ledger, PGresult *notes)
{
  g_autoptr (GHashTable) ring = NULL;
  g_autoptr (GError) ring_error = NULL;

  mend_hq_html (html, "<h2>Notes</h2>\n");
  if (PQntuples (notes) == 0)
    {
      mend_hq_html (html, "<p class=\"muted\">No notes.</p>\n");
      return;
    }
  ring = mend_hq_keys_load (page->conn, &ring_error);
  mend_hq_html (html, "<table class=\"notes\">\n<thead><tr><th>Time (UTC)</th><th>Record</th>"
                      "<th>Person</th><th>Note</th></tr></thead>\n<tbody>\n");
  for (int i = 0; i < PQntuples (notes); i++)
    {
      g_autofree char *time = mend_hq_format_time (mend_hq_result_ms (notes, i, 2));
      g_autofree char *opened = NULL;
      g_autoptr (GError) error = NULL;
      gboolean sensitive = strcmp (PQgetvalue (notes, i, 6), "t") == 0;

      if (!PQgetisnull (notes, i, 4))
        {
          if (ring == NULL)
            error = g_error_copy (ring_error);
          else
            opened = mend_hq_keys_open (ring, PQgetvalue (notes, i, 5), PQgetvalue (notes, i, 4),
                                        &error);
        }
      else
        opened = g_strdup (PQgetvalue (notes, i, 3));
      mend_hq_html (html, "<tr><td>%s</td><td>%s</td>", time, PQgetvalue (notes, i, 0));
      person_cell (html, ledger, PQgetisnull (notes, i, 1) ? NULL : PQgetvalue (notes, i, 1));
      if (opened != NULL)
        mend_hq_html (html, "<td class=\"note\">%r%s</td></tr>\n",
                      sensitive ? "<strong>Sensitive.</strong> " : "", opened);
      else
        mend_hq_html (html,
                      "<td class=\"muted\">A sealed note that cannot be opened: %s</td></tr>\n",
                      error->message);
    }
  mend_hq_html (html, "</tbody>\n</table>\n");
}

/* Check-outs that asked HQ to tell the referrer, with what the supervisor said the referrer
 * must know: opened here for logged-in staff only, like the notes (sync/PROTOCOL.md section
 * 5). A check-out from a device that sent no details still appears, so no alert is missed. */
static void
alerts_table (GString *html, const MendHqPage *page, MendHqLedger *ledger, PGresult *alerts)
{
  g_autoptr (GHashTable) ring = NULL;
  g_autoptr (GError) ring_error = NULL;

  mend_hq_html (html, "<h2>Referrer alerts</h2>\n");
  if (PQntuples (alerts) == 0)
    {
      mend_hq_html (html, "<p class=\"muted\">No one is to be reported to their referrer.</p>\n");
      return;
    }
  ring = mend_hq_keys_load (page->conn, &ring_error);
  mend_hq_html (html, "<table class=\"alerts\">\n<thead><tr><th>Time (UTC)</th><th>Person</th>"
                      "<th>What the referrer must know</th></tr></thead>\n<tbody>\n");
  for (int i = 0; i < PQntuples (alerts); i++)
    {
      g_autofree char *time = mend_hq_format_time (mend_hq_result_ms (alerts, i, 1));
      g_autofree char *opened = NULL;
      g_autoptr (GError) error = NULL;

      if (!PQgetisnull (alerts, i, 3))
        {
          if (ring == NULL)
            error = g_error_copy (ring_error);
          else
            opened = mend_hq_keys_open (ring, PQgetvalue (alerts, i, 4), PQgetvalue (alerts, i, 3),
                                        &error);
        }
      else if (!PQgetisnull (alerts, i, 2))
        opened = g_strdup (PQgetvalue (alerts, i, 2));
      mend_hq_html (html, "<tr><td>%s</td>", time);
      person_cell (html, ledger, PQgetisnull (alerts, i, 0) ? NULL : PQgetvalue (alerts, i, 0));
      if (opened != NULL)
        mend_hq_html (html, "<td class=\"note\">%s</td></tr>\n", opened);
      else if (error != NULL)
        mend_hq_html (html,
                      "<td class=\"muted\">Sealed details that cannot be opened: %s</td></tr>\n",
                      error->message);
      else
        mend_hq_html (html, "<td class=\"muted\">No details were given.</td></tr>\n");
    }
  mend_hq_html (html, "</tbody>\n</table>\n");
}

void
mend_hq_handle_session (MendHqPage *page)
{
  const char *id = MHD_lookup_connection_value (page->connection, MHD_GET_ARGUMENT_KIND, "id");
  g_autoptr (GError) error = NULL;
  g_autoptr (PGresult) session = NULL;
  g_autoptr (PGresult) events = NULL;
  g_autoptr (PGresult) tallies = NULL;
  g_autoptr (PGresult) photos = NULL;
  g_autoptr (PGresult) notes = NULL;
  g_autoptr (PGresult) alerts = NULL;
  g_autoptr (MendHqLedger) ledger = NULL;
  g_autofree char *title = NULL;
  g_autofree char *starts = NULL;
  g_autofree char *ends = NULL;
  GString *html;

  if (id == NULL || id[0] == '\0' || strlen (id) > 128)
    {
      mend_hq_html_message_page (page, MHD_HTTP_BAD_REQUEST, "No session",
                                 "Pick a session from the list of sessions.");
      return;
    }
  session = query (page->conn,
                   "SELECT s.id, t.name, st.name, st.address, su.name,"
                   " (extract(epoch FROM s.starts_at) * 1000)::bigint,"
                   " (extract(epoch FROM s.ends_at) * 1000)::bigint"
                   " FROM sessions s JOIN teams t ON t.id = s.team"
                   " LEFT JOIN sites st ON st.id = s.site"
                   " LEFT JOIN supervisors su ON su.id = s.supervisor WHERE s.id = $1",
                   id, &error);
  if (session == NULL)
    {
      unavailable (page, error);
      return;
    }
  if (PQntuples (session) != 1)
    {
      mend_hq_html_message_page (page, MHD_HTTP_NOT_FOUND, "No such session",
                                 "HQ has no session of that id.");
      return;
    }
  events = query (page->conn,
                  "SELECT kind, c ->> 'participant', (c ->> 'occurred_at')::bigint,"
                  " c -> 'fix' ->> 'state', c -> 'fix' ->> 'lat', c -> 'fix' ->> 'lon',"
                  " c -> 'fix' ->> 'eph', c -> 'fix' ->> 'note',"
                  " coalesce (payload -> 'geofence' ->> 'verdict', ''),"
                  " payload -> 'geofence' ->> 'distance_m', payload -> 'geofence' ->> 'reason'"
                  " FROM " MEND_HQ_LIVE_EVENTS " live WHERE c ->> 'session' = $1"
                  " ORDER BY (c ->> 'occurred_at')::bigint, device, seq",
                  id, &error);
  if (events != NULL)
    tallies = query (page->conn,
                     "SELECT l.category, coalesce (tc.label, l.category), coalesce (tc.unit, ''),"
                     " l.total FROM (SELECT payload ->> 'category' AS category,"
                     " sum ((payload ->> 'delta')::bigint) AS total"
                     " FROM " MEND_HQ_LIVE_EVENTS " live"
                     " WHERE kind = 'tally.adjusted' AND c ->> 'session' = $1 GROUP BY 1) l"
                     " LEFT JOIN tally_categories tc ON tc.id = l.category"
                     " ORDER BY tc.position NULLS LAST, l.category",
                     id, &error);
  if (tallies != NULL)
    photos = query (page->conn,
                    "SELECT payload ->> 'sha256', payload ->> 'role',"
                    " (c ->> 'occurred_at')::bigint FROM " MEND_HQ_LIVE_EVENTS " live"
                    " WHERE kind = 'photo.taken' AND c ->> 'session' = $1"
                    " ORDER BY (c ->> 'occurred_at')::bigint, device, seq",
                    id, &error);
  if (photos != NULL)
    notes = query (page->conn,
                   "SELECT kind, c ->> 'participant', (c ->> 'occurred_at')::bigint,"
                   " payload ->> 'notes', payload ->> 'notes_sealed', payload ->> 'notes_key',"
                   " coalesce ((payload ->> 'sensitive')::boolean, false)"
                   " FROM " MEND_HQ_LIVE_EVENTS " live WHERE c ->> 'session' = $1"
                   " AND (payload ? 'notes_sealed' OR payload ->> 'notes' IS NOT NULL)"
                   " ORDER BY (c ->> 'occurred_at')::bigint, device, seq",
                   id, &error);
  if (notes != NULL)
    alerts = query (page->conn,
                    "SELECT c ->> 'participant', (c ->> 'occurred_at')::bigint,"
                    " payload ->> 'alert_details', payload ->> 'alert_details_sealed',"
                    " payload ->> 'alert_details_key'"
                    " FROM " MEND_HQ_LIVE_EVENTS " live WHERE c ->> 'session' = $1"
                    " AND kind = 'attendance.checked_out'"
                    " AND coalesce ((payload ->> 'alert_referrer')::boolean, false)"
                    " ORDER BY (c ->> 'occurred_at')::bigint, device, seq",
                    id, &error);
  if (alerts != NULL)
    ledger = mend_hq_ledger_load (page->conn, &error);
  if (ledger == NULL)
    {
      unavailable (page, error);
      return;
    }

  starts = mend_hq_format_time (mend_hq_result_ms (session, 0, 5));
  ends = mend_hq_format_time (mend_hq_result_ms (session, 0, 6));
  title = g_strdup_printf ("%s, %s", PQgetvalue (session, 0, 2), starts);
  html = mend_hq_html_begin (page, title);
  mend_hq_html (html,
                "<table class=\"facts\"><tr><th>Site</th><td>%s<br><span class=\"muted\">%s"
                "</span></td></tr><tr><th>Team</th><td>%s</td></tr><tr><th>Supervisor</th>"
                "<td>%s</td></tr><tr><th>Planned (UTC)</th><td>%s to %s</td></tr>"
                "<tr><th>Session id</th><td>%s</td></tr></table>\n",
                PQgetvalue (session, 0, 2), PQgetvalue (session, 0, 3), PQgetvalue (session, 0, 1),
                PQgetvalue (session, 0, 4), starts, ends, id);
  attendance_table (html, ledger, id);
  photo_pairs (html, page, photos);
  tally_table (html, tallies);
  notes_table (html, page, ledger, notes);
  alerts_table (html, page, ledger, alerts);
  position_table (html, ledger, events);
  mend_hq_html_finish (page, html, MHD_HTTP_OK);
}
