/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-projection"

#include "config.h"

#include "mend-rules.h"
#include "mend-store-private.h"

/* The projections are a fold over the live events in seq order. mend_projection_apply() is the
 * fold's one step, used both for each new event and when rebuilding; it checks no rules (the
 * rules were checked when the event was recorded) so that replay always succeeds. */

static gboolean
run (MendDb *db, MendStmt *stmt, GError **error)
{
  return mend_db_step_done (db, stmt, error);
}

static gboolean
apply_session (MendDb *db, const MendProjectedEvent *event, gboolean started, GError **error)
{
  g_autoptr (MendStmt) stmt = NULL;

  if (started)
    stmt = mend_db_prepare (db,
                            "INSERT INTO session_progress (session_id, started_at, started_event) "
                            "VALUES (?1, ?2, ?3) ON CONFLICT (session_id) DO UPDATE SET "
                            "started_at = ?2, started_event = ?3",
                            error);
  else
    stmt = mend_db_prepare (db,
                            "INSERT INTO session_progress (session_id, ended_at, ended_event) "
                            "VALUES (?1, ?2, ?3) ON CONFLICT (session_id) DO UPDATE SET "
                            "ended_at = ?2, ended_event = ?3",
                            error);
  if (stmt == NULL)
    return FALSE;
  mend_stmt_bind_text (stmt, 1, event->session_id);
  sqlite3_bind_int64 (stmt, 2, event->occurred_at_ms);
  mend_stmt_bind_text (stmt, 3, event->id);
  return run (db, stmt, error);
}

static gboolean
apply_checked_in (MendDb *db, const MendProjectedEvent *event, GError **error)
{
  g_autoptr (MendStmt) stmt = mend_db_prepare (
      db,
      "INSERT OR REPLACE INTO attendance (session_id, participant_id, state, checked_in_event, "
      "arrived_at) VALUES (?1, ?2, 'on_site', ?3, ?4)",
      error);

  if (stmt == NULL)
    return FALSE;
  mend_stmt_bind_text (stmt, 1, event->session_id);
  mend_stmt_bind_text (stmt, 2, event->participant_id);
  mend_stmt_bind_text (stmt, 3, event->id);
  sqlite3_bind_int64 (stmt, 4, event->occurred_at_ms);
  return run (db, stmt, error);
}

static gboolean
apply_briefed (MendDb *db, const MendProjectedEvent *event, GError **error)
{
  g_autoptr (MendStmt) stmt = mend_db_prepare (
      db, "UPDATE attendance SET briefed_at = ?3 WHERE session_id = ?1 AND participant_id = ?2",
      error);

  if (stmt == NULL)
    return FALSE;
  mend_stmt_bind_text (stmt, 1, event->session_id);
  mend_stmt_bind_text (stmt, 2, event->participant_id);
  sqlite3_bind_int64 (stmt, 3, event->occurred_at_ms);
  return run (db, stmt, error);
}

/* Minutes still owed by a person before this session: what HQ said, less what this store
 * has credited in their other sessions. */
static gboolean
minutes_owed_before (MendDb *db,
                     const char *session_id,
                     const char *participant_id,
                     int *out_owed,
                     GError **error)
{
  g_autoptr (MendStmt) stmt
      = mend_db_prepare (db,
                         "SELECT p.minutes_ordered, p.minutes_credited_hq, "
                         "  (SELECT coalesce(sum(a.minutes_credited), 0) FROM attendance a "
                         "   WHERE a.participant_id = p.id AND a.session_id != ?1) "
                         "FROM participants p WHERE p.id = ?2",
                         error);

  if (stmt == NULL)
    return FALSE;
  mend_stmt_bind_text (stmt, 1, session_id);
  mend_stmt_bind_text (stmt, 2, participant_id);
  switch (sqlite3_step (stmt))
    {
    case SQLITE_ROW:
      *out_owed = mend_rules_minutes_owed (
          sqlite3_column_int (stmt, 0), sqlite3_column_int (stmt, 1), sqlite3_column_int (stmt, 2));
      return TRUE;
    case SQLITE_DONE:
      /* The person has left the reference data since; nothing more can be credited. */
      *out_owed = 0;
      return TRUE;
    default:
      return mend_db_set_error (db, sqlite3_errcode (db->handle), error,
                                "Could not read the minutes owed");
    }
}

static gboolean
outcome_credits_time (MendDb *db, const char *outcome, gboolean *out_credits, GError **error)
{
  g_autoptr (MendStmt) stmt
      = mend_db_prepare (db, "SELECT credits_time FROM outcome_codes WHERE code = ?1", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  mend_stmt_bind_text (stmt, 1, outcome);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return mend_db_set_error (db, rc, error, "Could not read the outcome codes");
  *out_credits = rc == SQLITE_ROW && sqlite3_column_int (stmt, 0) != 0;
  return TRUE;
}

static gboolean
apply_checked_out (MendDb *db, const MendProjectedEvent *event, GError **error)
{
  g_autoptr (MendStmt) stmt = NULL;
  JsonObject *payload = event->payload;
  const char *outcome = json_object_get_string_member_with_default (payload, "outcome", "");
  gint64 arrived = json_object_get_int_member_with_default (payload, "arrived_at", 0);
  gint64 finished = json_object_get_int_member_with_default (payload, "finished_at", 0);
  int penalty = json_object_get_int_member_with_default (payload, "penalty_minutes", 0);
  gboolean credits = FALSE;
  int owed = 0;

  if (!outcome_credits_time (db, outcome, &credits, error)
      || !minutes_owed_before (db, event->session_id, event->participant_id, &owed, error))
    return FALSE;

  stmt = mend_db_prepare (
      db,
      "INSERT INTO attendance (session_id, participant_id, state, arrived_at, checked_out_event, "
      "finished_at, penalty_minutes, outcome, quality, behaviour, minutes_credited) "
      "VALUES (?1, ?2, 'done', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
      "ON CONFLICT (session_id, participant_id) DO UPDATE SET state = 'done', arrived_at = ?3, "
      "checked_out_event = ?4, finished_at = ?5, penalty_minutes = ?6, outcome = ?7, "
      "quality = ?8, behaviour = ?9, minutes_credited = ?10",
      error);
  if (stmt == NULL)
    return FALSE;
  mend_stmt_bind_text (stmt, 1, event->session_id);
  mend_stmt_bind_text (stmt, 2, event->participant_id);
  sqlite3_bind_int64 (stmt, 3, arrived);
  mend_stmt_bind_text (stmt, 4, event->id);
  sqlite3_bind_int64 (stmt, 5, finished);
  sqlite3_bind_int (stmt, 6, penalty);
  mend_stmt_bind_text (stmt, 7, outcome);
  mend_stmt_bind_text (
      stmt, 8, json_object_get_string_member_with_default (payload, "quality", "not_applicable"));
  mend_stmt_bind_text (
      stmt, 9, json_object_get_string_member_with_default (payload, "behaviour", "not_applicable"));
  sqlite3_bind_int (stmt, 10,
                    mend_rules_minutes_credited (arrived, finished, penalty, credits, owed));
  return run (db, stmt, error);
}

static gboolean
apply_absent (MendDb *db, const MendProjectedEvent *event, GError **error)
{
  g_autoptr (MendStmt) stmt = mend_db_prepare (
      db,
      "INSERT OR REPLACE INTO attendance (session_id, participant_id, state, absent_event) "
      "VALUES (?1, ?2, 'absent', ?3)",
      error);

  if (stmt == NULL)
    return FALSE;
  mend_stmt_bind_text (stmt, 1, event->session_id);
  mend_stmt_bind_text (stmt, 2, event->participant_id);
  mend_stmt_bind_text (stmt, 3, event->id);
  return run (db, stmt, error);
}

static gboolean
apply_tally (MendDb *db, const MendProjectedEvent *event, GError **error)
{
  g_autoptr (MendStmt) stmt = mend_db_prepare (
      db,
      "INSERT INTO tally_totals (session_id, category_id, total) VALUES (?1, ?2, ?3) "
      "ON CONFLICT (session_id, category_id) DO UPDATE SET total = total + ?3",
      error);

  if (stmt == NULL)
    return FALSE;
  mend_stmt_bind_text (stmt, 1, event->session_id);
  mend_stmt_bind_text (stmt, 2,
                       json_object_get_string_member_with_default (event->payload, "category", ""));
  sqlite3_bind_int64 (stmt, 3,
                      json_object_get_int_member_with_default (event->payload, "delta", 0));
  return run (db, stmt, error);
}

static gboolean
apply_void (MendDb *db, const MendProjectedEvent *event, GError **error)
{
  g_autoptr (MendStmt) mark = NULL;
  g_autoptr (MendStmt) target = NULL;
  const char *target_id
      = json_object_get_string_member_with_default (event->payload, "target", NULL);
  g_autofree char *session_id = NULL;
  g_autofree char *participant_id = NULL;
  int rc;

  mark = mend_db_prepare (db,
                          "INSERT OR IGNORE INTO voided_events (event_id, voided_by) "
                          "VALUES (?1, ?2)",
                          error);
  if (mark == NULL)
    return FALSE;
  mend_stmt_bind_text (mark, 1, target_id);
  mend_stmt_bind_text (mark, 2, event->id);
  if (!run (db, mark, error))
    return FALSE;

  target
      = mend_db_prepare (db, "SELECT session_id, participant_id FROM events WHERE id = ?1", error);
  if (target == NULL)
    return FALSE;
  mend_stmt_bind_text (target, 1, target_id);
  rc = sqlite3_step (target);
  if (rc == SQLITE_DONE)
    return TRUE; /* a target this device never had: nothing of it was projected */
  if (rc != SQLITE_ROW)
    return mend_db_set_error (db, rc, error, "Could not read the voided event");
  session_id = mend_stmt_dup_text (target, 0);
  participant_id = mend_stmt_dup_text (target, 1);
  g_clear_pointer (&target, mend_stmt_release);

  /* What the target touched is derived again without it. */
  return mend_projection_rebuild (db, session_id, participant_id, error);
}

/**
 * mend_projection_apply:
 *
 * Folds one event into the projections, inside the caller's transaction.
 */
gboolean
mend_projection_apply (MendDb *db, const MendProjectedEvent *event, GError **error)
{
  switch (event->kind)
    {
    case MEND_EVENT_SESSION_STARTED:
      return apply_session (db, event, TRUE, error);
    case MEND_EVENT_SESSION_ENDED:
      return apply_session (db, event, FALSE, error);
    case MEND_EVENT_CHECKED_IN:
      return apply_checked_in (db, event, error);
    case MEND_EVENT_BRIEFED:
      return apply_briefed (db, event, error);
    case MEND_EVENT_CHECKED_OUT:
      return apply_checked_out (db, event, error);
    case MEND_EVENT_ABSENT:
      return apply_absent (db, event, error);
    case MEND_EVENT_TALLY_ADJUSTED:
      return apply_tally (db, event, error);
    case MEND_EVENT_VOIDED:
      return apply_void (db, event, error);
    case MEND_EVENT_PHOTO_TAKEN:
    case MEND_EVENT_NOTE_ADDED:
    case MEND_EVENT_INCIDENT_REPORTED:
      /* Nothing projected from these yet. */
      return TRUE;
    case MEND_EVENT_N_KINDS:
    default:
      g_assert_not_reached ();
    }
}

static gboolean
exec_scoped (MendDb *db,
             const char *sql,
             const char *session_id,
             const char *participant_id,
             GError **error)
{
  g_autoptr (MendStmt) stmt = mend_db_prepare (db, sql, error);

  if (stmt == NULL)
    return FALSE;
  mend_stmt_bind_text (stmt, 1, session_id);
  mend_stmt_bind_text (stmt, 2, participant_id);
  return run (db, stmt, error);
}

static gboolean
replay (MendDb *db, MendStmt *events, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GPtrArray) batch = g_ptr_array_new_with_free_func (g_free);
  int rc;

  /* Read the whole scope first: the statement must not stay open while the fold writes to
   * the tables it would be reading. */
  while ((rc = sqlite3_step (events)) == SQLITE_ROW)
    for (int column = 0; column < 6; column++)
      g_ptr_array_add (batch, mend_stmt_dup_text (events, column));
  if (rc != SQLITE_DONE)
    return mend_db_set_error (db, rc, error, "Could not read the event log");
  mend_stmt_release (events);

  for (guint i = 0; i < batch->len; i += 6)
    {
      MendProjectedEvent event = {
        .id = g_ptr_array_index (batch, i),
        .session_id = g_ptr_array_index (batch, i + 2),
        .participant_id = g_ptr_array_index (batch, i + 3),
        .occurred_at_ms = g_ascii_strtoll (g_ptr_array_index (batch, i + 4), NULL, 10),
      };

      if (!mend_event_kind_from_string (g_ptr_array_index (batch, i + 1), &event.kind))
        continue; /* a kind from a newer Mend: it projects nothing here */
      if (!json_parser_load_from_data (parser, g_ptr_array_index (batch, i + 5), -1, error))
        {
          g_prefix_error (error, "Event %s has a damaged payload: ", event.id);
          return FALSE;
        }
      event.payload = json_node_get_object (json_parser_get_root (parser));
      if (!mend_projection_apply (db, &event, error))
        return FALSE;
    }
  return TRUE;
}

/**
 * mend_projection_rebuild:
 * @session_id: (nullable): with @participant_id, the scope to rebuild; both %NULL for all
 * @participant_id: (nullable): a person whose attendance is rebuilt in every session
 *
 * Derives projections again from the live events. A person's attendance is rebuilt across
 * all their sessions because minutes credited in one session cap those of later ones.
 */
gboolean
mend_projection_rebuild (MendDb *db,
                         const char *session_id,
                         const char *participant_id,
                         GError **error)
{
  g_autoptr (MendStmt) events = NULL;

  if (session_id == NULL && participant_id == NULL)
    {
      if (!mend_db_exec (db,
                         "DELETE FROM session_progress; DELETE FROM attendance; "
                         "DELETE FROM tally_totals; DELETE FROM voided_events; "
                         "INSERT INTO voided_events (event_id, voided_by) "
                         "  SELECT json_extract(payload, '$.target'), id FROM events "
                         "  WHERE kind = 'event.voided';",
                         error))
        return FALSE;
      events = mend_db_prepare (db,
                                "SELECT id, kind, session_id, participant_id, occurred_at, "
                                "payload FROM events e WHERE kind != 'event.voided' AND NOT "
                                "EXISTS (SELECT 1 FROM voided_events v WHERE v.event_id = e.id) "
                                "ORDER BY seq",
                                error);
      return events != NULL && replay (db, events, error);
    }

  if (!exec_scoped (db, "DELETE FROM session_progress WHERE session_id = ?1", session_id,
                    participant_id, error)
      || !exec_scoped (db, "DELETE FROM tally_totals WHERE session_id = ?1", session_id,
                       participant_id, error)
      || !exec_scoped (db, "DELETE FROM attendance WHERE session_id = ?1 OR participant_id = ?2",
                       session_id, participant_id, error))
    return FALSE;
  events = mend_db_prepare (db,
                            "SELECT id, kind, session_id, participant_id, occurred_at, payload "
                            "FROM events e WHERE (session_id = ?1 OR participant_id = ?2) AND "
                            "kind != 'event.voided' AND NOT EXISTS (SELECT 1 FROM voided_events "
                            "v WHERE v.event_id = e.id) ORDER BY seq",
                            error);
  if (events == NULL)
    return FALSE;
  mend_stmt_bind_text (events, 1, session_id);
  mend_stmt_bind_text (events, 2, participant_id);
  return replay (db, events, error);
}
