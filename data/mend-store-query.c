/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-store"

#include "config.h"

#include "mend-rules.h"
#include "mend-store-private.h"

/* Reads for the UI and mendctl, on the read-only connection. Each list is one statement and
 * one function that turns its current result into a row; mend_db_collect() does the rest. */

static gpointer
site_from (MendStmt *stmt)
{
  MendSite *site = g_new0 (MendSite, 1);

  site->id = mend_stmt_dup_text (stmt, 0);
  site->name = mend_stmt_dup_text (stmt, 1);
  site->address = mend_stmt_dup_text (stmt, 2);
  site->boundary = mend_stmt_dup_text (stmt, 3);
  site->centre_lat = mend_stmt_double_or_nan (stmt, 4);
  site->centre_lon = mend_stmt_double_or_nan (stmt, 5);
  site->demo = sqlite3_column_int (stmt, 6) != 0;
  return site;
}

/**
 * mend_store_list_sites:
 *
 * Returns: (transfer full) (element-type MendSite): every site, by name.
 */
GPtrArray *
mend_store_list_sites (MendStore *self, GError **error)
{
  g_autoptr (MendStmt) stmt = NULL;

  g_return_val_if_fail (MEND_IS_STORE (self), NULL);

  stmt = mend_db_prepare (self->reader,
                          "SELECT id, name, address, boundary, centre_lat, centre_lon, demo "
                          "FROM sites ORDER BY name",
                          error);
  if (stmt == NULL)
    return NULL;
  return mend_db_collect (self->reader, stmt, site_from, (GDestroyNotify)mend_site_free, error);
}

#define SESSION_COLUMNS                                                                            \
  "SELECT s.id, s.site_id, t.name, s.supervisor_id, v.name, s.starts_at, s.ends_at, "              \
  "  p.started_at IS NOT NULL, p.ended_at IS NOT NULL, "                                           \
  "  (SELECT count(*) FROM assignments x WHERE x.session_id = s.id), "                             \
  "  (SELECT count(*) FROM attendance a WHERE a.session_id = s.id AND a.state = 'on_site'), "      \
  "  (SELECT count(*) FROM attendance a WHERE a.session_id = s.id AND a.state = 'done'), "         \
  "  (SELECT count(*) FROM attendance a WHERE a.session_id = s.id AND a.state = 'absent') "        \
  "FROM sessions s JOIN sites t ON t.id = s.site_id "                                              \
  "LEFT JOIN supervisors v ON v.id = s.supervisor_id "                                             \
  "LEFT JOIN session_progress p ON p.session_id = s.id "

static gpointer
session_from (MendStmt *stmt)
{
  MendSessionRow *row = g_new0 (MendSessionRow, 1);

  row->id = mend_stmt_dup_text (stmt, 0);
  row->site_id = mend_stmt_dup_text (stmt, 1);
  row->site_name = mend_stmt_dup_text (stmt, 2);
  row->supervisor_id = mend_stmt_dup_text (stmt, 3);
  row->supervisor_name = mend_stmt_dup_text (stmt, 4);
  row->starts_at_ms = sqlite3_column_int64 (stmt, 5);
  row->ends_at_ms = sqlite3_column_int64 (stmt, 6);
  row->state = sqlite3_column_int (stmt, 8)   ? MEND_SESSION_ENDED
               : sqlite3_column_int (stmt, 7) ? MEND_SESSION_RUNNING
                                              : MEND_SESSION_NOT_STARTED;
  row->expected = sqlite3_column_int (stmt, 9);
  row->on_site = sqlite3_column_int (stmt, 10);
  row->done = sqlite3_column_int (stmt, 11);
  row->absent = sqlite3_column_int (stmt, 12);
  return row;
}

/**
 * mend_store_list_sessions:
 * @from_ms: sessions starting at or after this time
 * @to_ms: and before this one
 *
 * Returns: (transfer full) (element-type MendSessionRow): sessions in start order.
 */
GPtrArray *
mend_store_list_sessions (MendStore *self, gint64 from_ms, gint64 to_ms, GError **error)
{
  g_autoptr (MendStmt) stmt = NULL;

  g_return_val_if_fail (MEND_IS_STORE (self), NULL);

  stmt = mend_db_prepare (self->reader,
                          SESSION_COLUMNS "WHERE s.starts_at >= ?1 AND s.starts_at < ?2 "
                                          "ORDER BY s.starts_at, s.id",
                          error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, from_ms);
  sqlite3_bind_int64 (stmt, 2, to_ms);
  return mend_db_collect (self->reader, stmt, session_from, (GDestroyNotify)mend_session_row_free,
                          error);
}

/**
 * mend_store_get_session:
 *
 * Returns: (transfer full) (nullable): the session, or %NULL with rule session.unknown.
 */
MendSessionRow *
mend_store_get_session (MendStore *self, const char *session_id, GError **error)
{
  g_autoptr (MendStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (MEND_IS_STORE (self), NULL);

  stmt = mend_db_prepare (self->reader, SESSION_COLUMNS "WHERE s.id = ?1", error);
  if (stmt == NULL)
    return NULL;
  mend_stmt_bind_text (stmt, 1, session_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return session_from (stmt);
  if (rc == SQLITE_DONE)
    g_set_error (error, MEND_RULE_ERROR, MEND_RULE_UNKNOWN_SESSION,
                 "Refused by rule %s: there is no session “%s”",
                 mend_rule_name (MEND_RULE_UNKNOWN_SESSION), session_id);
  else
    mend_db_set_error (self->reader, rc, error, "Could not read the session");
  return NULL;
}

static gpointer
roster_row_from (MendStmt *stmt)
{
  MendRosterRow *row = g_new0 (MendRosterRow, 1);

  row->participant_id = mend_stmt_dup_text (stmt, 0);
  row->case_ref = mend_stmt_dup_text (stmt, 1);
  row->name = mend_stmt_dup_text (stmt, 2);
  row->restricted = sqlite3_column_int (stmt, 3) != 0;
  row->state = mend_attendance_state_from_string (mend_stmt_text (stmt, 4));
  row->briefed = sqlite3_column_int (stmt, 5) != 0;
  row->arrived_at_ms = sqlite3_column_int64 (stmt, 6);
  row->finished_at_ms = sqlite3_column_int64 (stmt, 7);
  row->penalty_minutes = sqlite3_column_int (stmt, 8);
  row->outcome = mend_stmt_dup_text (stmt, 9);
  row->quality = mend_stmt_dup_text (stmt, 10);
  row->behaviour = mend_stmt_dup_text (stmt, 11);
  row->minutes_credited = sqlite3_column_int (stmt, 12);
  row->minutes_owed = mend_rules_minutes_owed (
      sqlite3_column_int (stmt, 13), sqlite3_column_int (stmt, 14), sqlite3_column_int (stmt, 15));
  return row;
}

/**
 * mend_store_list_roster:
 *
 * Returns: (transfer full) (element-type MendRosterRow): everyone assigned to the session,
 *   restricted people without a name, ordered by name or case reference.
 */
GPtrArray *
mend_store_list_roster (MendStore *self, const char *session_id, GError **error)
{
  g_autoptr (MendStmt) stmt = NULL;
  g_autoptr (MendSessionRow) session = NULL;

  g_return_val_if_fail (MEND_IS_STORE (self), NULL);

  session = mend_store_get_session (self, session_id, error);
  if (session == NULL)
    return NULL;

  stmt = mend_db_prepare (
      self->reader,
      "SELECT p.id, p.case_ref, CASE WHEN p.restricted THEN NULL ELSE p.display_name END, "
      "  p.restricted, a.state, a.briefed_at IS NOT NULL, a.arrived_at, a.finished_at, "
      "  a.penalty_minutes, a.outcome, a.quality, a.behaviour, "
      "  coalesce(a.minutes_credited, 0), p.minutes_ordered, p.minutes_credited_hq, "
      "  (SELECT coalesce(sum(b.minutes_credited), 0) FROM attendance b "
      "   WHERE b.participant_id = p.id) "
      "FROM assignments x JOIN participants p ON p.id = x.participant_id "
      "LEFT JOIN attendance a ON a.session_id = x.session_id AND a.participant_id = p.id "
      "WHERE x.session_id = ?1 "
      "ORDER BY p.restricted, coalesce(p.display_name, p.case_ref), p.case_ref",
      error);
  if (stmt == NULL)
    return NULL;
  mend_stmt_bind_text (stmt, 1, session_id);
  return mend_db_collect (self->reader, stmt, roster_row_from, (GDestroyNotify)mend_roster_row_free,
                          error);
}

static gpointer
tally_row_from (MendStmt *stmt)
{
  MendTallyRow *row = g_new0 (MendTallyRow, 1);

  row->id = mend_stmt_dup_text (stmt, 0);
  row->label = mend_stmt_dup_text (stmt, 1);
  row->unit = mend_stmt_dup_text (stmt, 2);
  row->total = sqlite3_column_int64 (stmt, 3);
  return row;
}

/**
 * mend_store_list_tallies:
 *
 * Returns: (transfer full) (element-type MendTallyRow): every category with the session's
 *   total, zero where nothing was counted.
 */
GPtrArray *
mend_store_list_tallies (MendStore *self, const char *session_id, GError **error)
{
  g_autoptr (MendStmt) stmt = NULL;
  g_autoptr (MendSessionRow) session = NULL;

  g_return_val_if_fail (MEND_IS_STORE (self), NULL);

  session = mend_store_get_session (self, session_id, error);
  if (session == NULL)
    return NULL;

  stmt = mend_db_prepare (self->reader,
                          "SELECT c.id, c.label, c.unit, coalesce(t.total, 0) "
                          "FROM tally_categories c LEFT JOIN tally_totals t "
                          "  ON t.category_id = c.id AND t.session_id = ?1 "
                          "ORDER BY c.position IS NULL, c.position, c.id",
                          error);
  if (stmt == NULL)
    return NULL;
  mend_stmt_bind_text (stmt, 1, session_id);
  return mend_db_collect (self->reader, stmt, tally_row_from, (GDestroyNotify)mend_tally_row_free,
                          error);
}

static gpointer
outcome_row_from (MendStmt *stmt)
{
  MendOutcomeRow *row = g_new0 (MendOutcomeRow, 1);

  row->code = mend_stmt_dup_text (stmt, 0);
  row->label = mend_stmt_dup_text (stmt, 1);
  row->hint = mend_stmt_dup_text (stmt, 2);
  row->attended = sqlite3_column_int (stmt, 3) != 0;
  row->credits_time = sqlite3_column_int (stmt, 4) != 0;
  row->alerts_referrer = sqlite3_column_int (stmt, 5) != 0;
  return row;
}

/**
 * mend_store_list_outcomes:
 *
 * Returns: (transfer full) (element-type MendOutcomeRow): the outcome codes.
 */
GPtrArray *
mend_store_list_outcomes (MendStore *self, GError **error)
{
  g_autoptr (MendStmt) stmt = NULL;

  g_return_val_if_fail (MEND_IS_STORE (self), NULL);

  stmt = mend_db_prepare (self->reader,
                          "SELECT code, label, hint, attended, credits_time, alerts_referrer "
                          "FROM outcome_codes ORDER BY attended DESC, code",
                          error);
  if (stmt == NULL)
    return NULL;
  return mend_db_collect (self->reader, stmt, outcome_row_from,
                          (GDestroyNotify)mend_outcome_row_free, error);
}

static gpointer
event_row_from (MendStmt *stmt)
{
  return mend_event_log_read_row (stmt, TRUE);
}

/**
 * mend_store_list_events:
 * @session_id: (nullable): only this session's events
 *
 * Returns: (transfer full) (element-type MendEventRow): events in seq order, with sensitive
 *   text redacted (see mend_payload_redact()).
 */
GPtrArray *
mend_store_list_events (MendStore *self, const char *session_id, GError **error)
{
  g_autoptr (MendStmt) stmt = NULL;

  g_return_val_if_fail (MEND_IS_STORE (self), NULL);

  stmt = mend_db_prepare (self->reader,
                          "SELECT e.seq, e.id, e.kind, e.session_id, e.participant_id, "
                          "  e.supervisor_id, e.recorded_at, e.occurred_at, e.payload, "
                          "  e.prev_hash, e.hash, e.sync_state, v.voided_by, " MEND_FIX_COLUMNS " "
                          "FROM events e LEFT JOIN voided_events v ON v.event_id = e.id "
                          "WHERE ?1 IS NULL OR e.session_id = ?1 ORDER BY e.seq",
                          error);
  if (stmt == NULL)
    return NULL;
  mend_stmt_bind_text (stmt, 1, session_id);
  return mend_db_collect (self->reader, stmt, event_row_from, (GDestroyNotify)mend_event_row_free,
                          error);
}

/**
 * mend_store_get_status:
 *
 * Returns: (transfer full) (nullable): counts and identity for `mendctl status`.
 */
MendStatus *
mend_store_get_status (MendStore *self, GError **error)
{
  g_autoptr (MendStmt) stmt = NULL;
  MendStatus *status;

  g_return_val_if_fail (MEND_IS_STORE (self), NULL);

  stmt = mend_db_prepare (self->reader,
                          "SELECT d.demo, d.head_seq, d.head_hash, "
                          "  (SELECT count(*) FROM events), "
                          "  (SELECT count(*) FROM events WHERE sync_state = 'pending'), "
                          "  (SELECT count(*) FROM events WHERE sync_state = 'parked'), "
                          "  (SELECT count(*) FROM events WHERE sync_state = 'acknowledged'), "
                          "  (SELECT count(*) FROM sessions), (SELECT count(*) FROM participants), "
                          "  (SELECT user_version FROM pragma_user_version) "
                          "FROM device d",
                          error);
  if (stmt == NULL)
    return NULL;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      mend_db_set_error (self->reader, sqlite3_errcode (self->reader->handle), error,
                         "Could not read the store's status");
      return NULL;
    }
  status = g_new0 (MendStatus, 1);
  status->path = g_strdup (self->path);
  status->device_id = g_strdup (self->device_id);
  status->demo = sqlite3_column_int (stmt, 0) != 0;
  status->head_seq = sqlite3_column_int64 (stmt, 1);
  status->head_hash = mend_stmt_dup_text (stmt, 2);
  status->n_events = sqlite3_column_int64 (stmt, 3);
  status->n_pending = sqlite3_column_int64 (stmt, 4);
  status->n_parked = sqlite3_column_int64 (stmt, 5);
  status->n_acknowledged = sqlite3_column_int64 (stmt, 6);
  status->n_sessions = sqlite3_column_int64 (stmt, 7);
  status->n_participants = sqlite3_column_int64 (stmt, 8);
  status->schema_version = sqlite3_column_int (stmt, 9);
  return status;
}
