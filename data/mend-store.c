/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-store"

#include "config.h"

#include "mend-store.h"

#include <glib/gstdio.h>

#include "mend-photo.h"
#include "mend-salvage.h"
#include "mend-store-private.h"
#include "mend-time.h"

G_DEFINE_QUARK (mend_store_error, mend_store_error)

G_DEFINE_FINAL_TYPE (MendStore, mend_store, G_TYPE_OBJECT)

static void
mend_store_finalize (GObject *object)
{
  MendStore *self = MEND_STORE (object);

  /* Tasks hold a reference to the store, so no task is waiting. The last reference may be
   * dropped by the worker itself, as it releases its finished task: then it must not wait for
   * its own thread to end. */
  if (self->worker != NULL)
    g_thread_pool_free (self->worker, FALSE, g_thread_self () != self->worker_thread);
  if (self->photo_markers != NULL)
    mend_store_close_photos (self);
  g_clear_pointer (&self->reader, mend_db_close);
  g_clear_pointer (&self->writer, mend_db_close);
  g_mutex_clear (&self->write_lock);
  /* Closing the temps' descriptors drops their locks: a temp never adopted is a leftover now,
   * for the next open to remove. */
  g_clear_pointer (&self->photo_temps, g_hash_table_unref);
  g_mutex_clear (&self->photo_lock);
  g_free (self->photos_dir);
  g_free (self->path);
  g_free (self->device_id);

  G_OBJECT_CLASS (mend_store_parent_class)->finalize (object);
}

static void
mend_store_class_init (MendStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = mend_store_finalize;
}

static void
mend_store_init (MendStore *self)
{
  g_mutex_init (&self->write_lock);
  g_mutex_init (&self->photo_lock);
}

/**
 * mend_store_default_path:
 *
 * Returns: (transfer full): `$XDG_DATA_HOME/mend/mend.db`.
 */
char *
mend_store_default_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "mend", "mend.db", NULL);
}

gboolean
mend_store_begin (MendDb *db, GError **error)
{
  /* IMMEDIATE takes the write lock now, so a busy store fails here, before any work. */
  return mend_db_exec (db, "BEGIN IMMEDIATE", error);
}

gboolean
mend_store_commit (MendDb *db, GError **error)
{
  return mend_db_exec (db, "COMMIT", error);
}

void
mend_store_rollback (MendDb *db)
{
  if (!sqlite3_get_autocommit (db->handle))
    sqlite3_exec (db->handle, "ROLLBACK", NULL, NULL, NULL);
}

static gboolean
configure_writer (MendDb *db, MendStoreOpenFlags flags, GError **error)
{
  g_autoptr (MendStmt) stmt = NULL;
  const char *mode;

  /* The first write of an open: a full disk or a read-only folder shows here, and it is the
   * opening that failed, not a read. */
  stmt = mend_db_prepare (db, "PRAGMA journal_mode = WAL", NULL);
  if (stmt == NULL)
    return mend_db_set_error (db, sqlite3_errcode (db->handle), error,
                              "Could not open the store for writing");
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return mend_db_set_error (db, sqlite3_errcode (db->handle), error,
                              "Could not switch the store to write-ahead logging");
  mode = mend_stmt_text (stmt, 0);
  if (g_strcmp0 (mode, "wal") != 0)
    {
      g_set_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_UNWRITABLE,
                   "The store could not use write-ahead logging (journal mode “%s”); it needs "
                   "a local, writable folder",
                   mode ? mode : "");
      return FALSE;
    }

  /* FULL: a check-in the supervisor has seen confirmed survives a pulled battery. */
  if (flags & MEND_STORE_OPEN_UNSAFE_NO_SYNC)
    return mend_db_exec (db, "PRAGMA synchronous = OFF", error);
  return mend_db_exec (db, "PRAGMA synchronous = FULL", error);
}

static gboolean
ensure_device (MendStore *self, GError **error)
{
  MendDb *db = self->writer;
  g_autofree char *new_id = g_uuid_string_random ();
  g_autoptr (MendStmt) insert = NULL;
  g_autoptr (MendStmt) select = NULL;

  insert = mend_db_prepare (db,
                            "INSERT OR IGNORE INTO device (singleton, device_id, created_at) "
                            "VALUES (1, ?1, ?2)",
                            error);
  if (insert == NULL)
    return FALSE;
  mend_stmt_bind_text (insert, 1, new_id);
  sqlite3_bind_int64 (insert, 2, mend_time_now_ms ());
  if (!mend_db_step_done (db, insert, error))
    return FALSE;

  select = mend_db_prepare (db, "SELECT device_id FROM device", error);
  if (select == NULL)
    return FALSE;
  if (sqlite3_step (select) != SQLITE_ROW)
    return mend_db_set_error (db, sqlite3_errcode (db->handle), error,
                              "Could not read the device's identity");
  self->device_id = mend_stmt_dup_text (select, 0);
  return TRUE;
}

/* The second half of mend_store_open() for a store that cannot be written: both connections
 * read, the schema must already be current, and the device keeps the identity it has. */
static MendStore *
open_read_only (MendStore *self_owned, GError **error)
{
  g_autoptr (MendStore) self = self_owned;
  g_autoptr (MendStmt) select = NULL;
  int rc;

  self->read_only = TRUE;
  self->writer = mend_db_open (self->path, TRUE, error);
  if (self->writer == NULL || !mend_store_migrate (self->writer, self->path, error))
    {
      g_prefix_error (error, "%s (read-only): ", self->path);
      return NULL;
    }
  select = mend_db_prepare (self->writer, "SELECT device_id FROM device", error);
  if (select == NULL)
    {
      g_prefix_error (error, "%s (read-only): ", self->path);
      return NULL;
    }
  rc = sqlite3_step (select);
  if (rc != SQLITE_ROW)
    {
      mend_db_set_error (self->writer, rc, error,
                         "%s (read-only): Could not read the device's identity", self->path);
      return NULL;
    }
  self->device_id = mend_stmt_dup_text (select, 0);
  g_clear_pointer (&select, mend_stmt_release);
  self->reader = mend_db_open (self->path, TRUE, error);
  if (self->reader == NULL)
    return NULL;
  mend_store_open_photos (self);
  g_debug ("The store %s is on read-only storage: it can be read, nothing can be recorded",
           self->path);
  return g_steal_pointer (&self);
}

/**
 * mend_store_is_read_only:
 *
 * Returns: %TRUE when the store was opened from storage that cannot be written (see
 *   mend_store_open()): reads work, every write fails with #MEND_STORE_ERROR_UNWRITABLE.
 */
gboolean
mend_store_is_read_only (MendStore *self)
{
  g_return_val_if_fail (MEND_IS_STORE (self), FALSE);
  return self->read_only;
}

/**
 * mend_store_open:
 * @path: the store file; created with its folder when missing
 * @flags: #MendStoreOpenFlags
 *
 * Opens or creates a store and brings its schema up to date. A store written by a newer
 * Mend is refused and left untouched.
 *
 * Returns: (transfer full) (nullable): the store, or %NULL with @error set.
 */
MendStore *
mend_store_open (const char *path, MendStoreOpenFlags flags, GError **error)
{
  g_autoptr (MendStore) self = NULL;
  g_autofree char *folder = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  folder = g_path_get_dirname (path);
  if (g_mkdir_with_parents (folder, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_UNWRITABLE,
                   "Could not create the store's folder “%s”: %s", folder, g_strerror (saved));
      return NULL;
    }

  /* SQLite would take a damaged log for an empty one and overwrite it with the next record;
   * refuse instead, so what it holds can still be exported (mend_salvage_export()). */
  if (!mend_salvage_check_wal (path, error))
    return NULL;

  self = g_object_new (MEND_TYPE_STORE, NULL);
  self->path = g_strdup (path);
  /* A store on storage that has become read-only (a worn SD card remounts itself so, or
   * someone made the file immutable) still holds the supervisor's records: it opens for
   * reading, so the app and mendctl can show and export them, and every write is refused
   * with a message that says why (MEND_STORE_ERROR_UNWRITABLE). */
  if (mend_db_path_is_read_only (path))
    return open_read_only (g_steal_pointer (&self), error);
  self->writer = mend_db_open (path, FALSE, error);
  if (self->writer == NULL || !configure_writer (self->writer, flags, error)
      || !mend_store_migrate (self->writer, path, error) || !ensure_device (self, error))
    {
      g_prefix_error (error, "%s: ", path);
      return NULL;
    }

  self->reader = mend_db_open (path, TRUE, error);
  if (self->reader == NULL)
    return NULL;
  mend_store_open_photos (self);
  return g_steal_pointer (&self);
}

const char *
mend_store_get_path (MendStore *self)
{
  g_return_val_if_fail (MEND_IS_STORE (self), NULL);
  return self->path;
}

/**
 * mend_store_get_device_id:
 *
 * Returns: the UUID this store made for its device when it was created.
 */
const char *
mend_store_get_device_id (MendStore *self)
{
  g_return_val_if_fail (MEND_IS_STORE (self), NULL);
  return self->device_id;
}

static void
run_record_in_worker (gpointer data, gpointer user_data)
{
  g_autoptr (GTask) task = data;
  MendStore *self = g_task_get_source_object (task);
  const MendCommand *command = g_task_get_task_data (task);
  GError *error = NULL;
  char *event_id;

  self->worker_thread = g_thread_self ();
  if (g_task_return_error_if_cancelled (task))
    return;
  event_id = mend_store_record (self, command, &error);
  if (event_id == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, event_id, g_free);
}

/**
 * mend_store_record_async:
 * @command: what to record; copied
 *
 * Records @command on the store's worker thread, the one thread that writes for the UI, and
 * calls @callback on the caller's main context once it is committed or refused. Cancelling
 * before the worker reaches it records nothing; after that the commit runs to its end.
 */
void
mend_store_record_async (MendStore *self,
                         const MendCommand *command,
                         GCancellable *cancellable,
                         GAsyncReadyCallback callback,
                         gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GError) error = NULL;

  g_return_if_fail (MEND_IS_STORE (self));
  g_return_if_fail (command != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mend_store_record_async);
  g_task_set_task_data (task, mend_command_copy (command), (GDestroyNotify)mend_command_free);

  if (self->worker == NULL)
    {
      self->worker = g_thread_pool_new (run_record_in_worker, NULL, 1, FALSE, &error);
      if (self->worker == NULL)
        {
          g_task_return_new_error (task, MEND_STORE_ERROR, MEND_STORE_ERROR_FAILED,
                                   "Could not start the store's worker: %s", error->message);
          return;
        }
    }
  g_thread_pool_push (self->worker, g_steal_pointer (&task), NULL);
}

/**
 * mend_store_record_finish:
 *
 * Returns: (transfer full) (nullable): the new event's id, or %NULL with @error set.
 */
char *
mend_store_record_finish (MendStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == mend_store_record_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * mend_store_rebuild_projections:
 *
 * Throws the projections away and derives them again from the event log, in one
 * transaction. The result equals what the incremental updates produced.
 */
gboolean
mend_store_rebuild_projections (MendStore *self, GError **error)
{
  g_autoptr (GMutexLocker) locker = NULL;

  g_return_val_if_fail (MEND_IS_STORE (self), FALSE);

  locker = g_mutex_locker_new (&self->write_lock);
  if (!mend_store_begin (self->writer, error))
    return FALSE;
  if (!mend_projection_rebuild (self->writer, NULL, NULL, error)
      || !mend_store_commit (self->writer, error))
    {
      mend_store_rollback (self->writer);
      return FALSE;
    }
  return TRUE;
}

/**
 * mend_store_verify:
 * @out_n_events: (out) (optional): how many events were checked
 *
 * Checks SQLite's integrity, the whole hash chain, and every photo file (see
 * mend_store_verify_photos()). On failure @error names the first event that was altered,
 * removed or reordered, or the first photo file that is missing or altered.
 */
gboolean
mend_store_verify (MendStore *self, gint64 *out_n_events, GError **error)
{
  g_autoptr (MendStmt) stmt = NULL;
  const char *verdict;

  g_return_val_if_fail (MEND_IS_STORE (self), FALSE);

  stmt = mend_db_prepare (self->reader, "PRAGMA integrity_check(1)", error);
  if (stmt == NULL)
    return FALSE;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return mend_db_set_error (self->reader, sqlite3_errcode (self->reader->handle), error,
                              "Could not check the store's integrity");
  verdict = mend_stmt_text (stmt, 0);
  if (g_strcmp0 (verdict, "ok") != 0)
    {
      g_set_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_CORRUPT,
                   "The store file is damaged: %s", verdict ? verdict : "unknown damage");
      return FALSE;
    }
  return mend_event_log_verify (self->reader, self->device_id, out_n_events, error)
         && mend_store_verify_photos (self, NULL, error);
}
