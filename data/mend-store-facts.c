/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-store"

#include "config.h"

#include "mend-rules.h"
#include "mend-store-private.h"

/* Reads that gather the facts a rule needs, on the connection that is about to write. */

/* @id is quoted back when given; NULL when it may be personal data. */
static gboolean
refuse_unknown (GError **error, MendRule rule, const char *what, const char *id)
{
  if (id == NULL)
    g_set_error (error, MEND_RULE_ERROR, rule, "Refused by rule %s: there is no such %s",
                 mend_rule_name (rule), what);
  else
    g_set_error (error, MEND_RULE_ERROR, rule, "Refused by rule %s: there is no %s “%s”",
                 mend_rule_name (rule), what, id);
  return FALSE;
}

/**
 * mend_store_session_state:
 * @out_supervisor_id: (out) (optional): the session's supervisor
 *
 * Fails with rule session.unknown when the session is not in the reference data.
 */
gboolean
mend_store_session_state (MendDb *db,
                          const char *session_id,
                          MendSessionState *out_state,
                          char **out_supervisor_id,
                          GError **error)
{
  g_autoptr (MendStmt) stmt = mend_db_prepare (
      db,
      "SELECT s.supervisor_id, p.started_at IS NOT NULL, p.ended_at IS NOT NULL "
      "FROM sessions s LEFT JOIN session_progress p ON p.session_id = s.id WHERE s.id = ?1",
      error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  mend_stmt_bind_text (stmt, 1, session_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    return refuse_unknown (error, MEND_RULE_UNKNOWN_SESSION, "session", session_id);
  if (rc != SQLITE_ROW)
    return mend_db_set_error (db, rc, error, "Could not read the session");

  if (sqlite3_column_int (stmt, 2))
    *out_state = MEND_SESSION_ENDED;
  else if (sqlite3_column_int (stmt, 1))
    *out_state = MEND_SESSION_RUNNING;
  else
    *out_state = MEND_SESSION_NOT_STARTED;
  if (out_supervisor_id != NULL)
    *out_supervisor_id = mend_stmt_dup_text (stmt, 0);
  return TRUE;
}

/**
 * mend_store_attendance_facts:
 * @out_arrived_at_ms: (out) (optional): the check-in time, 0 if none
 *
 * Fails with participant.unknown when the person is not in the reference data; the session
 * must already be known (see mend_store_session_state()).
 */
gboolean
mend_store_attendance_facts (MendDb *db,
                             const char *session_id,
                             const char *participant_id,
                             MendAttendanceFacts *out_facts,
                             gint64 *out_arrived_at_ms,
                             GError **error)
{
  g_autoptr (MendStmt) stmt = mend_db_prepare (
      db,
      "SELECT EXISTS (SELECT 1 FROM assignments x WHERE x.session_id = ?1 AND "
      "  x.participant_id = p.id), a.state, a.briefed_at IS NOT NULL, a.arrived_at "
      "FROM participants p LEFT JOIN attendance a ON a.session_id = ?1 AND "
      "  a.participant_id = p.id WHERE p.id = ?2",
      error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  if (!mend_store_session_state (db, session_id, &out_facts->session, NULL, error))
    return FALSE;

  mend_stmt_bind_text (stmt, 1, session_id);
  mend_stmt_bind_text (stmt, 2, participant_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    /* Not quoted: mendctl passes on what was typed when it names nobody on the roster, which
     * may be the case reference of someone on another session's, and refusals reach logs. */
    return refuse_unknown (error, MEND_RULE_UNKNOWN_PARTICIPANT, "person", NULL);
  if (rc != SQLITE_ROW)
    return mend_db_set_error (db, rc, error, "Could not read the attendance");

  out_facts->assigned = sqlite3_column_int (stmt, 0) != 0;
  out_facts->state = mend_attendance_state_from_string (mend_stmt_text (stmt, 1));
  out_facts->briefed = sqlite3_column_int (stmt, 2) != 0;
  if (out_arrived_at_ms != NULL)
    *out_arrived_at_ms = sqlite3_column_int64 (stmt, 3);
  return TRUE;
}
