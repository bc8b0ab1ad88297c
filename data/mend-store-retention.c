/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-store"

#include "config.h"

#include "mend-store-retention.h"

#include <errno.h>
#include <glib/gstdio.h>

#include "mend-photo.h"
#include "mend-store-private.h"

/* Which events may be purged: HQ acknowledged them, they were recorded before the cut-off,
 * and a photo.taken event's photo is uploaded whole. Pending and parked events never qualify:
 * HQ does not hold them. */
#define PURGEABLE_EVENT                                                                            \
  "e.sync_state = 'acknowledged' AND e.purged_at IS NULL AND e.recorded_at < ?1 AND "              \
  "(e.kind != 'photo.taken' OR EXISTS (SELECT 1 FROM photos p WHERE "                              \
  "p.sha256 = json_extract(e.payload, '$.sha256') AND p.uploaded = 1))"

/* Which photos may lose their file: uploaded whole, and every event naming it is purged
 * already or purgeable now (the same image taken twice is one file and two events). */
#define PURGEABLE_PHOTO                                                                            \
  "p.uploaded = 1 AND p.purged_at IS NULL AND NOT EXISTS (SELECT 1 FROM events e WHERE "           \
  "e.kind = 'photo.taken' AND json_extract(e.payload, '$.sha256') = p.sha256 AND "                 \
  "e.purged_at IS NULL AND NOT (" PURGEABLE_EVENT "))"

/**
 * mend_store_retention_cutoff:
 * @now_ms: the time now, UTC ms
 * @days: how long HQ's copy must have been acknowledged, in days
 *
 * Returns: the cut-off for mend_store_retention_purge(): records before it may go.
 */
gint64
mend_store_retention_cutoff (gint64 now_ms, guint days)
{
  return now_ms - (gint64)days * 24 * 60 * 60 * 1000;
}

static gint64
count (MendDb *db, const char *sql, gint64 cutoff_ms, GError **error)
{
  g_autoptr (MendStmt) stmt = mend_db_prepare (db, sql, error);
  int rc;

  if (stmt == NULL)
    return -1;
  sqlite3_bind_int64 (stmt, 1, cutoff_ms);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      mend_db_set_error (db, rc, error, "Could not count what retention may purge");
      return -1;
    }
  return sqlite3_column_int64 (stmt, 0);
}

static gboolean
tally (MendDb *db, gint64 cutoff_ms, MendRetentionResult *result, GError **error)
{
  result->events
      = count (db, "SELECT count(*) FROM events e WHERE " PURGEABLE_EVENT, cutoff_ms, error);
  if (result->events < 0)
    return FALSE;
  result->photos
      = count (db, "SELECT count(*) FROM photos p WHERE " PURGEABLE_PHOTO, cutoff_ms, error);
  if (result->photos < 0)
    return FALSE;
  result->photo_bytes = count (
      db, "SELECT coalesce(sum(bytes), 0) FROM photos p WHERE " PURGEABLE_PHOTO, cutoff_ms, error);
  if (result->photo_bytes < 0)
    return FALSE;
  result->unsent_kept = count (db,
                               "SELECT count(*) FROM events WHERE sync_state != 'acknowledged' "
                               "AND recorded_at < ?1",
                               cutoff_ms, error);
  return result->unsent_kept >= 0;
}

static gboolean
exec_cutoff (MendDb *db, const char *sql, gint64 cutoff_ms, gint64 now_ms, GError **error)
{
  g_autoptr (MendStmt) stmt = mend_db_prepare (db, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, cutoff_ms);
  sqlite3_bind_int64 (stmt, 2, now_ms);
  return mend_db_step_done (db, stmt, error);
}

/* Files of purged photos. Also those a crash left behind after the commit that marked them,
 * so a purge interrupted there finishes on the next run. */
static gboolean
remove_files (MendStore *self, GError **error)
{
  g_autoptr (MendStmt) stmt = NULL;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  int rc;

  stmt = mend_db_prepare (self->writer, "SELECT sha256 FROM photos WHERE purged_at IS NOT NULL",
                          error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (names, mend_stmt_dup_text (stmt, 0));
  if (rc != SQLITE_DONE)
    return mend_db_set_error (self->writer, rc, error, "Could not list purged photos");
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = mend_store_photo_path (self, g_ptr_array_index (names, i));

      if (g_unlink (path) != 0 && errno != ENOENT)
        {
          int saved = errno;

          g_set_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_UNWRITABLE,
                       "Could not remove the purged photo %s: %s", path, g_strerror (saved));
          return FALSE;
        }
    }
  return TRUE;
}

/**
 * mend_store_retention_purge:
 * @cutoff_ms: records HQ acknowledged and that were recorded before this may go (see
 *   mend_store_retention_cutoff())
 * @dry_run: only count what would go
 * @out_result: (out): what went (or would go)
 *
 * Purges, in one transaction, the personal fields of every event HQ holds that was recorded
 * before @cutoff_ms (free text: notes, reasons, referrer alert details; the position), and marks
 * the photos whose every event is purged; then removes those photos' files and vacuums the file.
 * The rows stay as tombstones: their ids, hashes and sync state keep the chain walkable and stop
 * anything being sent again or brought back. What the projections need (outcomes, times, tallies)
 * is kept, so a rebuild gives the same projections.
 */
gboolean
mend_store_retention_purge (MendStore *self,
                            gint64 cutoff_ms,
                            gboolean dry_run,
                            MendRetentionResult *out_result,
                            GError **error)
{
  g_autoptr (GMutexLocker) locker = NULL;
  MendRetentionResult result = { 0 };
  gint64 now_ms = g_get_real_time () / 1000;
  MendDb *db;

  g_return_val_if_fail (MEND_IS_STORE (self), FALSE);
  g_return_val_if_fail (out_result != NULL, FALSE);

  locker = g_mutex_locker_new (&self->write_lock);
  db = self->writer;
  /* Freed pages are zeroed, whatever this SQLite was built with (Debian's zeroes them by
   * default; upstream's does not). */
  if (!dry_run && !mend_db_exec (db, "PRAGMA secure_delete = ON", error))
    return FALSE;
  if (!mend_store_begin (db, error))
    return FALSE;
  if (!tally (db, cutoff_ms, &result, error))
    goto failed;
  if (dry_run)
    {
      mend_store_rollback (db);
      *out_result = result;
      return TRUE;
    }
  /* Photos first: their test reads the events' state before those are marked. */
  if (!exec_cutoff (db, "UPDATE photos AS p SET purged_at = ?2 WHERE " PURGEABLE_PHOTO, cutoff_ms,
                    now_ms, error)
      || !exec_cutoff (db,
                       "UPDATE events AS e SET "
                       "payload = json_remove(payload, '$.notes', '$.notes_sealed', '$.notes_key', "
                       "'$.alert_details', '$.alert_details_sealed', '$.alert_details_key', "
                       "'$.reason', "
                       "'$.geofence.reason', '$.geofence.distance_m'), "
                       "fix_state = 'off', fix_note = NULL, gnss_time = NULL, lat = NULL, "
                       "lon = NULL, alt = NULL, h_accuracy = NULL, fix_mode = 0, "
                       "satellites = NULL, fix_age_ms = NULL, clock_skew_ms = NULL, "
                       "sync_message = NULL, purged_at = ?2 WHERE " PURGEABLE_EVENT,
                       cutoff_ms, now_ms, error)
      || !mend_store_commit (db, error))
    goto failed;
  if (!remove_files (self, error))
    return FALSE;
  /* A reader open at that moment keeps the log from being truncated: then the purged bytes go
   * at the next purge, and result.vacuumed says so. */
  if ((result.events > 0 || result.photos > 0) && !mend_store_scrub (db, &result.vacuumed, error))
    return FALSE;
  *out_result = result;
  return TRUE;

failed:
  mend_store_rollback (db);
  return FALSE;
}

/**
 * mend_store_retention_count_purged:
 * @out_events: (out): how many events of the log are purged tombstones
 *
 * What the sync engine compares with the count HQ says it holds, to know whether it has a
 * purge to report. Reads on the read-only connection.
 */
gboolean
mend_store_retention_count_purged (MendStore *self, gint64 *out_events, GError **error)
{
  g_autoptr (MendStmt) stmt = NULL;

  g_return_val_if_fail (MEND_IS_STORE (self), FALSE);
  g_return_val_if_fail (out_events != NULL, FALSE);

  stmt = mend_db_prepare (self->reader, "SELECT count(*) FROM events WHERE purged_at IS NOT NULL",
                          error);
  if (stmt == NULL)
    return FALSE;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return mend_db_set_error (self->reader, sqlite3_errcode (self->reader->handle), error,
                              "Could not count the purged records");
  *out_events = sqlite3_column_int64 (stmt, 0);
  return TRUE;
}

/**
 * mend_store_retention_purged_ranges:
 *
 * Every purged event of the log, as runs of consecutive seqs purged at the same moment, in seq
 * order. A purge usually takes one stretch of old records, so a year of daily purges is a few
 * hundred runs, small enough to send whole whenever HQ's count differs from the device's.
 *
 * Returns: (transfer full) (element-type MendPurgeRange): the runs, or %NULL with @error.
 */
GArray *
mend_store_retention_purged_ranges (MendStore *self, GError **error)
{
  g_autoptr (MendStmt) stmt = NULL;
  g_autoptr (GArray) ranges = g_array_new (FALSE, FALSE, sizeof (MendPurgeRange));
  int rc;

  g_return_val_if_fail (MEND_IS_STORE (self), NULL);

  /* Consecutive seqs of one purge share seq minus their rank within it (gaps and islands). */
  stmt = mend_db_prepare (self->reader,
                          "SELECT min(seq), max(seq), purged_at FROM (SELECT seq, purged_at, "
                          "seq - row_number() OVER (PARTITION BY purged_at ORDER BY seq) AS run "
                          "FROM events WHERE purged_at IS NOT NULL) "
                          "GROUP BY purged_at, run ORDER BY 1",
                          error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      MendPurgeRange range = {
        sqlite3_column_int64 (stmt, 0),
        sqlite3_column_int64 (stmt, 1),
        sqlite3_column_int64 (stmt, 2),
      };

      g_array_append_val (ranges, range);
    }
  if (rc != SQLITE_DONE)
    {
      mend_db_set_error (self->reader, rc, error, "Could not read the purged records");
      return NULL;
    }
  return g_steal_pointer (&ranges);
}
