/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-hq"

#include "config.h"

#include "mend-hq-dashboard-private.h"

#include <math.h>
#include <string.h>

/* GET /exports and /export/NAME.csv?from=…&to=…: attendance, tallies and the 48-hour measure
 * for a range of days, as CSV for the scheme's quarterly returns. The numbers are the ones the
 * pages show: the same ledger, the same rule. */

void
mend_hq_handle_exports (MendHqPage *page)
{
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  gint64 from_ms, until_ms;
  GString *html;

  if (!mend_hq_page_date_range (page, &from_ms, &until_ms, &from, &to))
    return;
  html = mend_hq_html_begin (page, "Exports");
  mend_hq_html_range_form (html, "/exports", from, to);
  mend_hq_html (html,
                "<ul>\n"
                "<li><a href=\"/export/attendance.csv?from=%u&amp;to=%u\">Attendance</a>:"
                " one row per person per session in the range, with hours credited</li>\n"
                "<li><a href=\"/export/tallies.csv?from=%u&amp;to=%u\">Tallies</a>:"
                " totals per session and category</li>\n"
                "<li><a href=\"/export/first-attendance.csv?from=%u&amp;to=%u\">48-hour"
                " measure</a>: people whose disposal falls in the range, and the hours to their"
                " first attendance</li>\n</ul>\n",
                from, to, from, to, from, to);
  mend_hq_html_finish (page, html, MHD_HTTP_OK);
}

static char *
time_or_empty (gint64 ms)
{
  return ms != 0 ? mend_hq_format_time (ms) : g_strdup ("");
}

static void
export_attendance (GString *csv, MendHqLedger *ledger, PGresult *sessions)
{
  static const char *const header[] = {
    "session_id",
    "session_start_utc",
    "site",
    "team",
    "case_ref",
    "name",
    "state",
    "arrived_utc",
    "finished_utc",
    "penalty_minutes",
    "outcome",
    "minutes_credited",
    "checkin_boundary",
    "checkin_reason",
  };

  mend_hq_csv_row (csv, header, G_N_ELEMENTS (header));
  for (int s = 0; s < PQntuples (sessions); s++)
    {
      const char *session_id = PQgetvalue (sessions, s, 0);
      g_autofree char *starts = mend_hq_format_time (mend_hq_result_ms (sessions, s, 4));
      GPtrArray *visits = mend_hq_ledger_session_visits (ledger, session_id);

      for (guint v = 0; visits != NULL && v < visits->len; v++)
        {
          MendHqVisit *visit = g_ptr_array_index (visits, v);
          MendHqPerson *person = g_hash_table_lookup (ledger->people, visit->participant_id);
          g_autofree char *arrived = time_or_empty (visit->arrived_ms);
          g_autofree char *finished = time_or_empty (visit->finished_ms);
          g_autofree char *penalty = g_strdup_printf ("%d", visit->penalty_minutes);
          g_autofree char *credited = g_strdup_printf ("%d", visit->minutes_credited);
          const char *row[] = {
            session_id,
            starts,
            PQgetvalue (sessions, s, 2),
            PQgetvalue (sessions, s, 1),
            person != NULL ? person->case_ref : visit->participant_id,
            person != NULL ? person->display_name : NULL,
            mend_hq_attendance_label (visit->state),
            arrived,
            finished,
            penalty,
            visit->outcome,
            credited,
            visit->verdict,
            visit->reason,
          };

          mend_hq_csv_row (csv, row, G_N_ELEMENTS (row));
        }
    }
}

static gboolean
export_tallies (GString *csv, PGconn *conn, gint64 from_ms, gint64 until_ms, GError **error)
{
  static const char *const header[] = {
    "session_id", "session_start_utc", "site", "team", "category", "label", "unit", "total",
  };
  g_autofree char *from = g_strdup_printf ("%" G_GINT64_FORMAT, from_ms);
  g_autofree char *until = g_strdup_printf ("%" G_GINT64_FORMAT, until_ms);
  const char *params[] = { from, until };
  g_autoptr (PGresult) totals = NULL;

  totals = PQexecParams (
      conn,
      "SELECT s.id, (extract(epoch FROM s.starts_at) * 1000)::bigint, st.name, t.name,"
      " l.category, coalesce (tc.label, l.category), coalesce (tc.unit, ''), l.total"
      " FROM (SELECT c ->> 'session' AS session, payload ->> 'category' AS category,"
      "  sum ((payload ->> 'delta')::bigint) AS total FROM " MEND_HQ_LIVE_EVENTS " live"
      "  WHERE kind = 'tally.adjusted' GROUP BY 1, 2) l"
      " JOIN sessions s ON s.id = l.session JOIN teams t ON t.id = s.team"
      " LEFT JOIN sites st ON st.id = s.site"
      " LEFT JOIN tally_categories tc ON tc.id = l.category"
      " WHERE s.starts_at >= to_timestamp ($1::bigint / 1000.0)"
      " AND s.starts_at < to_timestamp ($2::bigint / 1000.0)"
      " ORDER BY s.starts_at, s.id, tc.position NULLS LAST, l.category",
      2, NULL, params, NULL, NULL, 0);
  if (!mend_hq_db_check (totals, PGRES_TUPLES_OK, error))
    return FALSE;
  mend_hq_csv_row (csv, header, G_N_ELEMENTS (header));
  for (int i = 0; i < PQntuples (totals); i++)
    {
      g_autofree char *starts = mend_hq_format_time (mend_hq_result_ms (totals, i, 1));
      const char *row[] = {
        PQgetvalue (totals, i, 0), starts,
        PQgetvalue (totals, i, 2), PQgetvalue (totals, i, 3),
        PQgetvalue (totals, i, 4), PQgetvalue (totals, i, 5),
        PQgetvalue (totals, i, 6), PQgetvalue (totals, i, 7),
      };

      mend_hq_csv_row (csv, row, G_N_ELEMENTS (row));
    }
  return TRUE;
}

static void
export_first_attendance (GString *csv, MendHqLedger *ledger, gint64 from_ms, gint64 until_ms)
{
  static const char *const header[] = {
    "case_ref",
    "name",
    "team",
    "disposal_type",
    "disposal_utc",
    "first_attended_utc",
    "hours_to_first_attendance",
    "over_48_hours",
  };
  gint64 now_ms = g_get_real_time () / 1000;

  mend_hq_csv_row (csv, header, G_N_ELEMENTS (header));
  for (guint i = 0; i < ledger->by_name->len; i++)
    {
      MendHqPerson *person = g_ptr_array_index (ledger->by_name, i);
      double hours = mend_hq_person_hours_to_first (person, now_ms);
      g_autofree char *disposal = time_or_empty (person->disposal_ms);
      g_autofree char *first = time_or_empty (person->first_attended_ms);
      g_autofree char *hours_text = NULL;
      const char *over;

      if (person->disposal_ms < from_ms || person->disposal_ms >= until_ms)
        continue;
      /* Without a first attendance the hours run on: "not yet" until 48 have passed. */
      if (person->first_attended_ms != 0)
        {
          hours_text = g_strdup_printf ("%.1f", hours);
          over = hours > 48.0 ? "yes" : "no";
        }
      else
        {
          hours_text = g_strdup ("");
          over = hours > 48.0 ? "yes" : "not yet";
        }
      {
        const char *row[] = {
          person->case_ref, person->display_name,
          person->team,     person->disposal_type,
          disposal,         first,
          hours_text,       over,
        };

        mend_hq_csv_row (csv, row, G_N_ELEMENTS (row));
      }
    }
}

void
mend_hq_handle_export (MendHqPage *page, const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MendHqLedger) ledger = NULL;
  g_autoptr (PGresult) sessions = NULL;
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  g_autofree char *disposition = NULL;
  GString *csv;
  gint64 from_ms, until_ms;
  gboolean ok = TRUE;
  gsize length;

  if (strcmp (name, "attendance.csv") != 0 && strcmp (name, "tallies.csv") != 0
      && strcmp (name, "first-attendance.csv") != 0)
    {
      mend_hq_html_message_page (page, MHD_HTTP_NOT_FOUND, "Not found", "There is no such export.");
      return;
    }
  if (!mend_hq_page_date_range (page, &from_ms, &until_ms, &from, &to))
    return;

  csv = g_string_new (NULL);
  if (strcmp (name, "tallies.csv") == 0)
    ok = export_tallies (csv, page->conn, from_ms, until_ms, &error);
  else
    {
      ledger = mend_hq_ledger_load (page->conn, &error);
      if (ledger != NULL && strcmp (name, "attendance.csv") == 0)
        sessions = mend_hq_sessions_in_range (page->conn, from_ms, until_ms, &error);
      ok = ledger != NULL && (sessions != NULL || strcmp (name, "attendance.csv") != 0);
      if (ok && sessions != NULL)
        export_attendance (csv, ledger, sessions);
      else if (ok)
        export_first_attendance (csv, ledger, from_ms, until_ms);
    }
  if (!ok)
    {
      g_string_free (csv, TRUE);
      g_message ("request_id=%s event=dashboard_failed error=\"%s\"", page->request->request_id,
                 error->message);
      mend_hq_html_message_page (page, MHD_HTTP_SERVICE_UNAVAILABLE, "Unavailable",
                                 "HQ's database cannot be read. Try again in a minute.");
      return;
    }

  /* The name is one of three literals and the dates are checked digits, so the header is
   * safe as it is. */
  disposition = g_strdup_printf ("attachment; filename=\"%.*s-%s-%s.csv\"",
                                 (int)(strlen (name) - 4), name, from, to);
  length = csv->len;
  page->answer->status = MHD_HTTP_OK;
  page->answer->body = g_bytes_new_take (g_string_free (csv, FALSE), length);
  page->answer->content_type = "text/csv; charset=utf-8; header=present";
  mend_hq_page_add_header (page, "Content-Disposition", disposition);
  mend_hq_page_add_header (page, "X-Content-Type-Options", "nosniff");
}
