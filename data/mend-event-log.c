/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-event-log"

#include "config.h"

#include <math.h>

#include "mend-store-private.h"

/* The fix columns are written and read in one place, so what is stored is exactly what the
 * canonical bytes cover: the position only when there is one, the note only when it says
 * something. */
static void
bind_fix (MendStmt *stmt, int first, const MendEventFields *fields)
{
  const MendFix *fix = fields->fix;
  gboolean position = mend_fix_has_position (fix);

  mend_stmt_bind_text (stmt, first, mend_fix_state_to_string (fix->state));
  mend_stmt_bind_text (stmt, first + 1, fix->note[0] != '\0' ? fix->note : NULL);
  mend_stmt_bind_int64_or_null (stmt, first + 2, position && fix->gnss_time_ms > 0,
                                fix->gnss_time_ms);
  mend_stmt_bind_double_or_null (stmt, first + 3, position ? fix->latitude : NAN);
  mend_stmt_bind_double_or_null (stmt, first + 4, position ? fix->longitude : NAN);
  mend_stmt_bind_double_or_null (stmt, first + 5, position ? fix->altitude : NAN);
  mend_stmt_bind_double_or_null (stmt, first + 6, position ? fix->horizontal_error : NAN);
  sqlite3_bind_int (stmt, first + 7, position ? fix->mode : 0);
  mend_stmt_bind_int64_or_null (stmt, first + 8, position && fix->satellites >= 0, fix->satellites);
  mend_stmt_bind_int64_or_null (stmt, first + 9, position && fix->age_ms >= 0, fix->age_ms);
  mend_stmt_bind_int64_or_null (stmt, first + 10, fields->has_clock_skew, fields->clock_skew_ms);
}

/**
 * mend_event_log_read_fix:
 * @first: the column where MEND_FIX_COLUMNS start
 *
 * Reads back what bind_fix() stored.
 */
void
mend_event_log_read_fix (MendStmt *stmt,
                         int first,
                         MendFix *out_fix,
                         gboolean *out_has_skew,
                         gint64 *out_skew_ms)
{
  MendFixState state = MEND_FIX_STATE_OFF;

  mend_fix_state_from_string (mend_stmt_text (stmt, first), &state);
  mend_fix_init (out_fix, state, mend_stmt_text (stmt, first + 1));
  out_fix->gnss_time_ms = sqlite3_column_int64 (stmt, first + 2);
  out_fix->latitude = mend_stmt_double_or_nan (stmt, first + 3);
  out_fix->longitude = mend_stmt_double_or_nan (stmt, first + 4);
  out_fix->altitude = mend_stmt_double_or_nan (stmt, first + 5);
  out_fix->horizontal_error = mend_stmt_double_or_nan (stmt, first + 6);
  out_fix->mode = sqlite3_column_int (stmt, first + 7);
  if (sqlite3_column_type (stmt, first + 8) != SQLITE_NULL)
    out_fix->satellites = sqlite3_column_int (stmt, first + 8);
  if (sqlite3_column_type (stmt, first + 9) != SQLITE_NULL)
    out_fix->age_ms = sqlite3_column_int64 (stmt, first + 9);
  *out_has_skew = sqlite3_column_type (stmt, first + 10) != SQLITE_NULL;
  *out_skew_ms = sqlite3_column_int64 (stmt, first + 10);
}

/**
 * mend_event_log_read_fields:
 * @stmt: a row whose first columns are MEND_HASHED_COLUMNS
 * @fix_first: the column where MEND_FIX_COLUMNS start
 * @device_id: the device the log belongs to
 * @out_fields: (out): the fields the hash covers; its strings point into @stmt's row
 * @out_fix: (out): the fix @out_fields points to
 *
 * Reads an event back as mend_event_hash() takes it. The log's verifier and the sealer that
 * rewrites the chain both read through here, so they agree on which columns the hash covers.
 */
void
mend_event_log_read_fields (MendStmt *stmt,
                            int fix_first,
                            const char *device_id,
                            MendEventFields *out_fields,
                            MendFix *out_fix)
{
  *out_fields = (MendEventFields){
    .device_id = device_id,
    .seq = sqlite3_column_int64 (stmt, 0),
    .id = mend_stmt_text (stmt, 1),
    .kind = mend_stmt_text (stmt, 2),
    .session_id = mend_stmt_text (stmt, 3),
    .participant_id = mend_stmt_text (stmt, 4),
    .supervisor_id = mend_stmt_text (stmt, 5),
    .recorded_at_ms = sqlite3_column_int64 (stmt, 6),
    .occurred_at_ms = sqlite3_column_int64 (stmt, 7),
    .fix = out_fix,
    .payload_json = mend_stmt_text (stmt, 8),
  };
  mend_event_log_read_fix (stmt, fix_first, out_fix, &out_fields->has_clock_skew,
                           &out_fields->clock_skew_ms);
}

/**
 * mend_event_log_read_row:
 * @stmt: a row laid out as MEND_EVENT_ROW_COLUMNS describes
 * @redact: whether to pass the payload through mend_payload_redact()
 *
 * The one reader of a whole event row: listings read it redacted; only sending to HQ reads it
 * unredacted, because HQ needs the canonical event as it was hashed.
 *
 * Returns: (transfer full): the row, for mend_event_row_free()
 */
MendEventRow *
mend_event_log_read_row (MendStmt *stmt, gboolean redact)
{
  MendEventRow *row = g_new0 (MendEventRow, 1);

  row->seq = sqlite3_column_int64 (stmt, 0);
  row->id = mend_stmt_dup_text (stmt, 1);
  row->kind = mend_stmt_dup_text (stmt, 2);
  row->session_id = mend_stmt_dup_text (stmt, 3);
  row->participant_id = mend_stmt_dup_text (stmt, 4);
  row->supervisor_id = mend_stmt_dup_text (stmt, 5);
  row->recorded_at_ms = sqlite3_column_int64 (stmt, 6);
  row->occurred_at_ms = sqlite3_column_int64 (stmt, 7);
  if (redact)
    row->payload = mend_payload_redact (mend_stmt_text (stmt, 8));
  else
    row->payload = mend_stmt_dup_text (stmt, 8);
  row->prev_hash = mend_stmt_dup_text (stmt, 9);
  row->hash = mend_stmt_dup_text (stmt, 10);
  row->sync_state = mend_stmt_dup_text (stmt, 11);
  row->voided_by = mend_stmt_dup_text (stmt, 12);
  mend_event_log_read_fix (stmt, 13, &row->fix, &row->has_clock_skew, &row->clock_skew_ms);
  return row;
}

/**
 * mend_event_log_append:
 * @fields: the event; its seq is set here, the next after the chain's head
 * @out_hash: (out) (optional): the event's hash
 *
 * Appends one event to the log and moves the chain's head, inside the caller's write
 * transaction.
 */
gboolean
mend_event_log_append (MendDb *db, MendEventFields *fields, char **out_hash, GError **error)
{
  g_autoptr (MendStmt) head = NULL;
  g_autoptr (MendStmt) insert = NULL;
  g_autoptr (MendStmt) move_head = NULL;
  g_autofree char *prev_hash = NULL;
  g_autofree char *hash = NULL;

  head = mend_db_prepare (db, "SELECT head_seq, head_hash FROM device", error);
  if (head == NULL)
    return FALSE;
  if (sqlite3_step (head) != SQLITE_ROW)
    return mend_db_set_error (db, sqlite3_errcode (db->handle), error,
                              "Could not read the head of the event log");
  fields->seq = sqlite3_column_int64 (head, 0) + 1;
  prev_hash = mend_stmt_dup_text (head, 1);
  hash = mend_event_hash (prev_hash, fields);

  insert = mend_db_prepare (
      db,
      "INSERT INTO events (seq, id, kind, session_id, participant_id, "
      "supervisor_id, recorded_at, occurred_at, payload, prev_hash, hash, " MEND_FIX_COLUMNS
      ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
      "?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)",
      error);
  if (insert == NULL)
    return FALSE;
  sqlite3_bind_int64 (insert, 1, fields->seq);
  mend_stmt_bind_text (insert, 2, fields->id);
  mend_stmt_bind_text (insert, 3, fields->kind);
  mend_stmt_bind_text (insert, 4, fields->session_id);
  mend_stmt_bind_text (insert, 5, fields->participant_id);
  mend_stmt_bind_text (insert, 6, fields->supervisor_id);
  sqlite3_bind_int64 (insert, 7, fields->recorded_at_ms);
  sqlite3_bind_int64 (insert, 8, fields->occurred_at_ms);
  mend_stmt_bind_text (insert, 9, fields->payload_json);
  mend_stmt_bind_text (insert, 10, prev_hash);
  mend_stmt_bind_text (insert, 11, hash);
  bind_fix (insert, 12, fields);
  if (!mend_db_step_done (db, insert, error))
    return FALSE;

  move_head = mend_db_prepare (db, "UPDATE device SET head_seq = ?1, head_hash = ?2", error);
  if (move_head == NULL)
    return FALSE;
  sqlite3_bind_int64 (move_head, 1, fields->seq);
  mend_stmt_bind_text (move_head, 2, hash);
  if (!mend_db_step_done (db, move_head, error))
    return FALSE;

  if (out_hash != NULL)
    *out_hash = g_steal_pointer (&hash);
  return TRUE;
}

static gboolean
chain_broken (GError **error, gint64 seq, const char *id, const char *what)
{
  g_set_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_CHAIN_BROKEN,
               "The event log was tampered with: first bad event is seq %" G_GINT64_FORMAT
               " (id %s): %s",
               seq, id ? id : "unknown", what);
  return FALSE;
}

/**
 * mend_event_log_verify:
 * @out_n_events: (out) (optional): events checked
 *
 * Walks the log in seq order and recomputes every hash. Sequence numbers must run 1, 2, 3 …
 * without a gap, each prev_hash must be the previous hash, each hash must match the event's
 * canonical bytes, and the last event must be the head that the device row remembers.
 */
gboolean
mend_event_log_verify (MendDb *db, const char *device_id, gint64 *out_n_events, GError **error)
{
  g_autoptr (MendStmt) stmt = NULL;
  g_autoptr (MendStmt) head = NULL;
  g_autofree char *expected_prev = g_strdup (MEND_HASH_GENESIS);
  gint64 expected_seq = 1;
  gint64 head_seq;
  int rc;

  /* One read transaction for the walk and the head, so a concurrent append cannot make a
   * sound log look broken. */
  if (!mend_db_exec (db, "BEGIN", error))
    return FALSE;

  stmt = mend_db_prepare (db,
                          "SELECT " MEND_HASHED_COLUMNS ", prev_hash, hash, " MEND_FIX_COLUMNS
                          ", purged_at IS NOT NULL, sync_state FROM events ORDER BY seq",
                          error);
  if (stmt == NULL)
    goto failed;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      MendFix fix;
      MendEventFields fields;
      const char *prev_hash = mend_stmt_text (stmt, 9);
      const char *hash = mend_stmt_text (stmt, 10);
      g_autofree char *recomputed = NULL;

      mend_event_log_read_fields (stmt, 11, device_id, &fields, &fix);
      if (fields.id == NULL || fields.kind == NULL || fields.payload_json == NULL)
        {
          chain_broken (error, fields.seq, fields.id, "a required field is empty");
          goto failed;
        }
      if (fields.seq != expected_seq)
        {
          g_autofree char *what = g_strdup_printf ("expected seq %" G_GINT64_FORMAT
                                                   ": events before it were removed or reordered",
                                                   expected_seq);
          chain_broken (error, fields.seq, fields.id, what);
          goto failed;
        }
      if (g_strcmp0 (prev_hash, expected_prev) != 0)
        {
          chain_broken (error, fields.seq, fields.id,
                        "its prev_hash is not the previous event's hash");
          goto failed;
        }
      /* A purged event (mend-store-retention.c) no longer has the bytes its hash covers: it
       * is taken by its stored hash, which the next event's prev_hash still pins. Only an
       * event HQ acknowledged can have been purged. */
      if (sqlite3_column_int (stmt, 22)
          && g_strcmp0 (mend_stmt_text (stmt, 23), "acknowledged") != 0)
        {
          chain_broken (error, fields.seq, fields.id, "it is marked purged but HQ never had it");
          goto failed;
        }
      if (sqlite3_column_int (stmt, 22))
        recomputed = g_strdup (hash);
      else
        recomputed = mend_event_hash (expected_prev, &fields);
      if (hash == NULL || g_strcmp0 (recomputed, hash) != 0)
        {
          chain_broken (error, fields.seq, fields.id,
                        "its contents do not match its hash (it was altered)");
          goto failed;
        }
      g_free (expected_prev);
      expected_prev = g_steal_pointer (&recomputed);
      expected_seq++;
    }
  if (rc != SQLITE_DONE)
    {
      mend_db_set_error (db, rc, error, "Could not read the event log");
      goto failed;
    }

  head = mend_db_prepare (db, "SELECT head_seq, head_hash FROM device", error);
  if (head == NULL)
    goto failed;
  if (sqlite3_step (head) != SQLITE_ROW)
    {
      mend_db_set_error (db, sqlite3_errcode (db->handle), error, "Could not read the head");
      goto failed;
    }
  head_seq = sqlite3_column_int64 (head, 0);
  if (head_seq > expected_seq - 1)
    {
      g_set_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_CHAIN_BROKEN,
                   "The event log was tampered with: first bad event is seq %" G_GINT64_FORMAT
                   ": the log ends at seq %" G_GINT64_FORMAT
                   " but the device recorded events up to seq %" G_GINT64_FORMAT
                   " (the newest events were removed)",
                   expected_seq, expected_seq - 1, head_seq);
      goto failed;
    }
  if (head_seq < expected_seq - 1 || g_strcmp0 (mend_stmt_text (head, 1), expected_prev) != 0)
    {
      g_set_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_CHAIN_BROKEN,
                   "The event log was tampered with: first bad event is seq %" G_GINT64_FORMAT
                   ": the device's record of its newest event (seq %" G_GINT64_FORMAT
                   ") does not match the log (events were added or replaced behind its back)",
                   MIN (head_seq + 1, expected_seq - 1), head_seq);
      goto failed;
    }

  g_clear_pointer (&stmt, mend_stmt_release);
  g_clear_pointer (&head, mend_stmt_release);
  mend_db_exec (db, "COMMIT", NULL);
  if (out_n_events != NULL)
    *out_n_events = expected_seq - 1;
  return TRUE;

failed:
  g_clear_pointer (&stmt, mend_stmt_release);
  g_clear_pointer (&head, mend_stmt_release);
  mend_db_exec (db, "ROLLBACK", NULL);
  return FALSE;
}
