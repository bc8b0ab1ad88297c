/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-store"

#include "config.h"

#include "mend-names.h"

#include "mend-store-private.h"

/**
 * mend_names_window:
 * @now_ms: UTC ms
 * @out_from_ms: (out): local midnight that began today, UTC ms
 * @out_to_ms: (out): local midnight that ends tomorrow, UTC ms
 *
 * The window in which a session lets its people's names be on a device: a session that
 * overlaps it, today's or tomorrow's in local time.
 */
void
mend_names_window (gint64 now_ms, gint64 *out_from_ms, gint64 *out_to_ms)
{
  g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (now_ms / 1000);
  g_autoptr (GDateTime) now = g_date_time_to_local (utc);
  g_autoptr (GDateTime) midnight = NULL;
  g_autoptr (GDateTime) after_tomorrow = NULL;
  int year, month, day;

  g_date_time_get_ymd (now, &year, &month, &day);
  midnight = g_date_time_new_local (year, month, day, 0, 0, 0);
  after_tomorrow = g_date_time_add_days (midnight, 2);
  *out_from_ms = g_date_time_to_unix (midnight) * 1000;
  *out_to_ms = g_date_time_to_unix (after_tomorrow) * 1000;
}

/* Inside the caller's write transaction. */
gboolean
mend_store_drop_names_in (MendDb *db, gint64 now_ms, guint *out_dropped, GError **error)
{
  g_autoptr (MendStmt) stmt = NULL;
  gint64 from_ms, to_ms;

  mend_names_window (now_ms, &from_ms, &to_ms);
  stmt = mend_db_prepare (db,
                          "UPDATE participants SET display_name = NULL "
                          "WHERE display_name IS NOT NULL AND (restricted != 0 OR NOT EXISTS "
                          "(SELECT 1 FROM assignments a JOIN sessions s ON s.id = a.session_id "
                          "WHERE a.participant_id = participants.id AND s.starts_at < ?2 "
                          "AND s.ends_at > ?1))",
                          error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, from_ms);
  sqlite3_bind_int64 (stmt, 2, to_ms);
  if (!mend_db_step_done (db, stmt, error))
    return FALSE;
  if (out_dropped != NULL)
    *out_dropped = (guint)sqlite3_changes (db->handle);
  return TRUE;
}

/**
 * mend_store_drop_names:
 * @now_ms: UTC ms (mend_time_now_ms() in the app)
 * @out_dropped: (out) (optional): names dropped
 *
 * Drops the display names of people with no session today or tomorrow, and of restricted
 * people, then rewrites the file so the names are in no free page or log frame. The app calls
 * it at start; applying a manifest drops them too (the file is rewritten by the next call
 * here or by the retention purge). Case references stay: records name people by them.
 */
gboolean
mend_store_drop_names (MendStore *self, gint64 now_ms, guint *out_dropped, GError **error)
{
  g_autoptr (GMutexLocker) locker = NULL;
  guint dropped = 0;

  g_return_val_if_fail (MEND_IS_STORE (self), FALSE);

  locker = g_mutex_locker_new (&self->write_lock);
  if (!mend_store_begin (self->writer, error))
    return FALSE;
  if (!mend_store_drop_names_in (self->writer, now_ms, &dropped, error)
      || !mend_store_commit (self->writer, error))
    {
      mend_store_rollback (self->writer);
      return FALSE;
    }
  /* The names go from the file too, not only from the table: no free page or old log frame
   * keeps them. */
  if (dropped > 0 && !mend_store_scrub (self->writer, NULL, error))
    return FALSE;
  if (out_dropped != NULL)
    *out_dropped = dropped;
  return TRUE;
}
