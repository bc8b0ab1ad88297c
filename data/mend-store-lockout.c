/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-store"

#include "config.h"

#include "mend-store-lockout.h"

#include "mend-store-private.h"

/**
 * mend_lockout_wait_ms:
 * @failures: wrong PINs in a row, the newest included
 *
 * The rule: the first %MEND_LOCKOUT_FREE_TRIES wrong PINs cost nothing; the next one makes the
 * keypad wait %MEND_LOCKOUT_WAIT_BASE_MS, and each one after doubles the wait, up to
 * %MEND_LOCKOUT_WAIT_MAX_MS. Guessing a four-digit PIN then takes weeks rather than minutes,
 * while a supervisor with cold fingers loses a few seconds.
 *
 * Returns: the wait that follows the @failures-th wrong PIN, in ms.
 */
gint64
mend_lockout_wait_ms (guint failures)
{
  guint over;

  if (failures <= MEND_LOCKOUT_FREE_TRIES)
    return 0;
  /* 2^6 × 5 s is past the maximum already; stopping the shift there keeps it defined. */
  over = MIN (failures - MEND_LOCKOUT_FREE_TRIES - 1, 16);
  return MIN ((gint64)MEND_LOCKOUT_WAIT_BASE_MS << over, (gint64)MEND_LOCKOUT_WAIT_MAX_MS);
}

/**
 * mend_lockout_wait_left_ms:
 * @failures: wrong PINs in a row
 * @last_failure_ms: UTC ms of the newest
 * @now_ms: UTC ms now
 *
 * Returns: how long the keypad still waits, in ms; 0 when it takes a PIN now. A clock set back
 *   since the failure never makes the wait longer than the rule gives.
 */
gint64
mend_lockout_wait_left_ms (guint failures, gint64 last_failure_ms, gint64 now_ms)
{
  gint64 wait = mend_lockout_wait_ms (failures);

  return CLAMP (last_failure_ms + wait - now_ms, 0, wait);
}

static gboolean
read_state (MendDb *db, gint64 now_ms, MendLockout *out, GError **error)
{
  g_autoptr (MendStmt) stmt = NULL;

  stmt = mend_db_prepare (db,
                          "SELECT count(*), coalesce(max(failed_at), 0) FROM pin_failures "
                          "WHERE cleared_at IS NULL",
                          error);
  if (stmt == NULL)
    return FALSE;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return mend_db_set_error (db, sqlite3_errcode (db->handle), error,
                              "Could not read the wrong PINs recorded");
  out->failures = (guint)sqlite3_column_int64 (stmt, 0);
  out->last_failure_ms = sqlite3_column_int64 (stmt, 1);
  out->wait_left_ms = mend_lockout_wait_left_ms (out->failures, out->last_failure_ms, now_ms);
  return TRUE;
}

/**
 * mend_store_lockout_get:
 * @now_ms: UTC ms (mend_time_now_ms() in the app)
 * @out: (out): the wrong PINs since the last right one, and the wait left
 *
 * Reads on the read-only connection, on the caller's thread, like the store's other reads.
 */
gboolean
mend_store_lockout_get (MendStore *self, gint64 now_ms, MendLockout *out, GError **error)
{
  g_return_val_if_fail (MEND_IS_STORE (self), FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  return read_state (self->reader, now_ms, out, error);
}

/**
 * mend_store_lockout_record_failure:
 * @supervisor_id: (nullable): whose name was chosen
 * @now_ms: UTC ms of the wrong PIN
 * @out: (out) (optional): the state with this failure counted
 *
 * Records a wrong PIN on the writer connection (synchronous=FULL: once this returns, a pulled
 * battery does not undo it). Blocks on the store's write lock: call it off the main thread.
 */
gboolean
mend_store_lockout_record_failure (MendStore *self,
                                   const char *supervisor_id,
                                   gint64 now_ms,
                                   MendLockout *out,
                                   GError **error)
{
  g_autoptr (GMutexLocker) locker = NULL;
  g_autoptr (MendStmt) insert = NULL;
  MendLockout state;

  g_return_val_if_fail (MEND_IS_STORE (self), FALSE);

  locker = g_mutex_locker_new (&self->write_lock);
  if (!mend_store_begin (self->writer, error))
    return FALSE;
  insert = mend_db_prepare (
      self->writer, "INSERT INTO pin_failures (failed_at, supervisor_id) VALUES (?1, ?2)", error);
  if (insert == NULL)
    goto fail;
  sqlite3_bind_int64 (insert, 1, now_ms);
  mend_stmt_bind_text (insert, 2, supervisor_id);
  if (!mend_db_step_done (self->writer, insert, error)
      || !read_state (self->writer, now_ms, &state, error)
      || !mend_store_commit (self->writer, error))
    goto fail;
  if (out != NULL)
    *out = state;
  return TRUE;

fail:
  mend_store_rollback (self->writer);
  g_prefix_error (error, "Could not record a wrong PIN: ");
  return FALSE;
}

/**
 * mend_store_lockout_clear:
 * @now_ms: UTC ms of the right PIN
 *
 * Ends the run of wrong PINs: they are marked cleared and kept, with their times, for HQ.
 * Blocks on the store's write lock: call it off the main thread.
 */
gboolean
mend_store_lockout_clear (MendStore *self, gint64 now_ms, GError **error)
{
  g_autoptr (GMutexLocker) locker = NULL;
  g_autoptr (MendStmt) update = NULL;

  g_return_val_if_fail (MEND_IS_STORE (self), FALSE);

  locker = g_mutex_locker_new (&self->write_lock);
  update = mend_db_prepare (
      self->writer, "UPDATE pin_failures SET cleared_at = ?1 WHERE cleared_at IS NULL", error);
  if (update == NULL)
    return FALSE;
  sqlite3_bind_int64 (update, 1, now_ms);
  if (!mend_db_step_done (self->writer, update, error))
    {
      g_prefix_error (error, "Could not clear the wrong PINs recorded: ");
      return FALSE;
    }
  return TRUE;
}
