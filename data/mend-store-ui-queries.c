/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-store"

#include "config.h"

#include "mend-store-ui-queries.h"

#include "mend-store-private.h"

/* The reads behind the touch interface's Unlock, Correct and Sync pages. Like the rest of
 * mend-store-query.c, each is one statement on the reader connection, so none waits for a
 * write in progress. */

void
mend_supervisor_row_free (MendSupervisorRow *row)
{
  if (row == NULL)
    return;
  g_free (row->id);
  g_free (row->name);
  g_free (row);
}

void
mend_history_row_free (MendHistoryRow *row)
{
  if (row == NULL)
    return;
  g_free (row->event_id);
  g_free (row->session_id);
  g_free (row->site_name);
  g_free (row->outcome);
  g_free (row->voided_by);
  g_free (row);
}

static gpointer
supervisor_from (MendStmt *stmt)
{
  MendSupervisorRow *row = g_new0 (MendSupervisorRow, 1);

  row->id = mend_stmt_dup_text (stmt, 0);
  row->name = mend_stmt_dup_text (stmt, 1);
  row->has_pin = sqlite3_column_int (stmt, 2) != 0;
  return row;
}

/**
 * mend_store_list_supervisors:
 *
 * Returns: (transfer full) (element-type MendSupervisorRow): every supervisor, by name. The
 *   PIN hash itself stays in the store (mend_store_dup_pin_hash()).
 */
GPtrArray *
mend_store_list_supervisors (MendStore *self, GError **error)
{
  g_autoptr (MendStmt) stmt = NULL;

  g_return_val_if_fail (MEND_IS_STORE (self), NULL);

  stmt = mend_db_prepare (self->reader,
                          "SELECT id, name, pin_hash IS NOT NULL FROM supervisors "
                          "ORDER BY name, id",
                          error);
  if (stmt == NULL)
    return NULL;
  return mend_db_collect (self->reader, stmt, supervisor_from,
                          (GDestroyNotify)mend_supervisor_row_free, error);
}

static gpointer
history_from (MendStmt *stmt)
{
  MendHistoryRow *row = g_new0 (MendHistoryRow, 1);
  MendEventKind kind = MEND_EVENT_N_KINDS;

  row->event_id = mend_stmt_dup_text (stmt, 0);
  mend_event_kind_from_string (mend_stmt_text (stmt, 1), &kind);
  row->kind = kind;
  row->session_id = mend_stmt_dup_text (stmt, 2);
  row->site_name = mend_stmt_dup_text (stmt, 3);
  row->occurred_at_ms = sqlite3_column_int64 (stmt, 4);
  row->outcome = mend_stmt_dup_text (stmt, 5);
  row->voided_by = mend_stmt_dup_text (stmt, 6);
  row->note = sqlite3_column_int (stmt, 7);
  row->alert_details = sqlite3_column_int (stmt, 8);
  return row;
}

/**
 * mend_store_list_person_history:
 * @participant_id: whose records
 *
 * Voids themselves are left out: a void names its target, which is listed as voided.
 *
 * Returns: (transfer full) (element-type MendHistoryRow): the person's records, newest first.
 */
GPtrArray *
mend_store_list_person_history (MendStore *self, const char *participant_id, GError **error)
{
  g_autoptr (MendStmt) stmt = NULL;

  g_return_val_if_fail (MEND_IS_STORE (self), NULL);
  g_return_val_if_fail (participant_id != NULL, NULL);

  stmt = mend_db_prepare (self->reader,
                          "SELECT e.id, e.kind, e.session_id, t.name, e.occurred_at, "
                          "  CASE WHEN e.kind = 'attendance.checked_out' "
                          "    THEN json_extract(e.payload, '$.outcome') END, v.voided_by, "
                          /* The form of the notes (data/README.md, "Sealed notes"), never
                           * their text. */
                          "  CASE WHEN json_type(e.payload, '$.notes_sealed') IS NOT NULL THEN 2 "
                          "    WHEN json_type(e.payload, '$.notes') = 'text' THEN 1 ELSE 0 END, "
                          "  CASE WHEN json_type(e.payload, '$.alert_details_sealed') IS NOT NULL "
                          "    THEN 2 WHEN json_type(e.payload, '$.alert_details') = 'text' THEN 1 "
                          "    ELSE 0 END "
                          "FROM events e LEFT JOIN sessions s ON s.id = e.session_id "
                          "LEFT JOIN sites t ON t.id = s.site_id "
                          "LEFT JOIN voided_events v ON v.event_id = e.id "
                          "WHERE e.participant_id = ?1 AND e.kind != 'event.voided' "
                          "ORDER BY e.seq DESC",
                          error);
  if (stmt == NULL)
    return NULL;
  mend_stmt_bind_text (stmt, 1, participant_id);
  return mend_db_collect (self->reader, stmt, history_from, (GDestroyNotify)mend_history_row_free,
                          error);
}

/* The counts behind MendBacklog, on @db. Everything here stays cheap on a store with a year of
 * unsent history: the pending events are counted on the partial index events_pending (no row
 * is read), their bytes are estimated from the newest few instead of reading every payload,
 * and the photos table holds one row per picture. Only the parked count reads the table; it
 * is the reason the window asks through mend_store_get_backlog_async(). */
static gboolean
read_backlog (MendDb *db, MendBacklog *out_backlog, GError **error)
{
  g_autoptr (MendStmt) stmt = NULL;
  double average_bytes;

  stmt = mend_db_prepare (
      db,
      "SELECT (SELECT count(*) FROM events WHERE sync_state = 'pending'), "
      "  (SELECT count(*) FROM events WHERE sync_state = 'parked'), "
      "  (SELECT coalesce(avg(length(CAST(payload AS BLOB))), 0) FROM "
      "    (SELECT payload FROM events WHERE sync_state = 'pending' ORDER BY seq DESC "
      "     LIMIT " G_STRINGIFY (
          MEND_BACKLOG_SAMPLE) ")), "
                               "  (SELECT count(*) FROM photos WHERE uploaded = 0), "
                               "  (SELECT coalesce(sum(bytes - min(uploaded_offset, bytes)), 0) "
                               "FROM photos "
                               "   WHERE uploaded = 0)",
      error);
  if (stmt == NULL)
    return FALSE;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return mend_db_set_error (db, sqlite3_errcode (db->handle), error,
                              "Could not count what waits to sync");
  out_backlog->events_pending = sqlite3_column_int64 (stmt, 0);
  out_backlog->events_parked = sqlite3_column_int64 (stmt, 1);
  average_bytes = sqlite3_column_double (stmt, 2);
  out_backlog->event_bytes_pending = (gint64)(average_bytes * out_backlog->events_pending + 0.5);
  out_backlog->photos_pending = sqlite3_column_int64 (stmt, 3);
  out_backlog->photo_bytes_pending = sqlite3_column_int64 (stmt, 4);
  return TRUE;
}

/**
 * mend_store_get_backlog:
 * @out_backlog: (out): what waits to go
 *
 * On the reader connection, on the calling thread. The window uses
 * mend_store_get_backlog_async() instead, so that nothing is counted on its main thread.
 *
 * Returns: whether the counts could be read.
 */
gboolean
mend_store_get_backlog (MendStore *self, MendBacklog *out_backlog, GError **error)
{
  g_return_val_if_fail (MEND_IS_STORE (self), FALSE);
  g_return_val_if_fail (out_backlog != NULL, FALSE);

  return read_backlog (self->reader, out_backlog, error);
}

static void
backlog_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  MendStore *self = source;
  g_autoptr (MendDb) db = NULL;
  g_autofree MendBacklog *backlog = g_new0 (MendBacklog, 1);
  GError *error = NULL;

  /* A connection of its own: the reader belongs to the main thread, which must not wait on
   * its mutex while this counts. Opening one costs about as much as one small read. */
  db = mend_db_open (self->path, TRUE, &error);
  if (db == NULL || !read_backlog (db, backlog, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&backlog), g_free);
}

/**
 * mend_store_get_backlog_async:
 *
 * Counts what waits to go on a thread of its own, through a read-only connection of its own.
 */
void
mend_store_get_backlog_async (MendStore *self,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (MEND_IS_STORE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mend_store_get_backlog_async);
  g_task_run_in_thread (task, backlog_in_thread);
}

gboolean
mend_store_get_backlog_finish (MendStore *self,
                               GAsyncResult *result,
                               MendBacklog *out_backlog,
                               GError **error)
{
  g_autofree MendBacklog *backlog = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (out_backlog != NULL, FALSE);

  backlog = g_task_propagate_pointer (G_TASK (result), error);
  if (backlog == NULL)
    return FALSE;
  *out_backlog = *backlog;
  return TRUE;
}
