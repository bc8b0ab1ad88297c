/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-db"

#include "config.h"

#include "mend-db.h"

#include <errno.h>
#include <math.h>
#include <unistd.h>

#include "mend-store.h"

static void
finalize_statement (gpointer data)
{
  sqlite3_finalize (data);
}

static MendStoreError
error_code_for (MendDb *db, int rc)
{
  /* A full disk can surface as an I/O error, for example when the WAL index (-shm) cannot
   * grow, and a file made read-only (chattr +i, a disk remounted read-only) as an I/O or
   * open error; the errno behind it tells the truth. Only an error from the storage is asked:
   * the errno of an earlier, unrelated failure stays on the connection. */
  switch (rc & 0xff)
    {
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      if (db != NULL && db->handle != NULL)
        switch (sqlite3_system_errno (db->handle))
          {
          case ENOSPC:
          case EDQUOT:
            return MEND_STORE_ERROR_FULL;
          case EROFS:
          case EPERM:
          case EACCES:
            return MEND_STORE_ERROR_UNWRITABLE;
          default:
            break;
          }
      break;
    default:
      break;
    }

  switch (rc & 0xff)
    {
    case SQLITE_FULL:
      return MEND_STORE_ERROR_FULL;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return MEND_STORE_ERROR_CORRUPT;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN:
    case SQLITE_AUTH:
      return MEND_STORE_ERROR_UNWRITABLE;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return MEND_STORE_ERROR_BUSY;
    case SQLITE_IOERR:
      return MEND_STORE_ERROR_IO;
    default:
      return MEND_STORE_ERROR_FAILED;
    }
}

/* SQLite's own words are precise but terse; say what they mean for the supervisor's data. */
static const char *
explanation_for (MendStoreError code)
{
  switch (code)
    {
    case MEND_STORE_ERROR_FULL:
      return "the disk is full; free some space, nothing was recorded";
    case MEND_STORE_ERROR_CORRUPT:
      return "the store file is damaged or is not a Mend store";
    case MEND_STORE_ERROR_UNWRITABLE:
      return "the store cannot be written: its file, its folder or the disk is read-only, or "
             "this user may not write there; nothing was changed";
    case MEND_STORE_ERROR_BUSY:
      return "another program holds the store; try again";
    case MEND_STORE_ERROR_IO:
      return "the storage reported an input/output error";
    case MEND_STORE_ERROR_FAILED:
    case MEND_STORE_ERROR_NEWER:
    default:
      return NULL;
    }
}

/**
 * mend_db_set_error:
 * @rc: an SQLite result code
 * @format: what was being done, such as "Could not record the check-in"
 *
 * Returns: %FALSE, always, so callers can `return mend_db_set_error (…)`.
 */
gboolean
mend_db_set_error (MendDb *db, int rc, GError **error, const char *format, ...)
{
  g_autofree char *context = NULL;
  const char *detail = db && db->handle ? sqlite3_errmsg (db->handle) : sqlite3_errstr (rc);
  MendStoreError code = error_code_for (db, rc);
  const char *explanation = explanation_for (code);
  va_list args;

  va_start (args, format);
  context = g_strdup_vprintf (format, args);
  va_end (args);

  if (explanation != NULL)
    g_set_error (error, MEND_STORE_ERROR, code, "%s: %s (%s)", context, explanation, detail);
  else
    g_set_error (error, MEND_STORE_ERROR, code, "%s: %s", context, detail);
  return FALSE;
}

static gboolean
refuses_writing (const char *path)
{
  return access (path, W_OK) != 0 && (errno == EROFS || errno == EPERM || errno == EACCES);
}

/**
 * mend_db_path_is_read_only:
 * @path: a store file
 *
 * Whether the storage refuses to let anyone, root included, write the existing store at
 * @path: the disk is mounted read-only, or the file, its WAL, its WAL index or its folder is
 * immutable (or not writable by this user). access() answers for the file system's and the
 * inode's flags too, which permission bits alone would not.
 */
gboolean
mend_db_path_is_read_only (const char *path)
{
  g_autofree char *folder = g_path_get_dirname (path);
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return FALSE;
  /* The WAL and its index, when there, are written as much as the store file. */
  return refuses_writing (path) || refuses_writing (folder)
         || (g_file_test (wal, G_FILE_TEST_EXISTS) && refuses_writing (wal))
         || (g_file_test (shm, G_FILE_TEST_EXISTS) && refuses_writing (shm));
}

/* file: URI of @path with immutable=1; the characters a URI gives a meaning are escaped. */
static char *
uri_for_immutable (const char *path)
{
  g_autofree char *absolute = g_canonicalize_filename (path, NULL);
  GString *uri = g_string_new ("file:");

  for (const char *p = absolute; *p != '\0'; p++)
    if (*p == '%' || *p == '?' || *p == '#')
      g_string_append_printf (uri, "%%%02X", (unsigned char)*p);
    else
      g_string_append_c (uri, *p);
  g_string_append (uri, "?immutable=1");
  return g_string_free (uri, FALSE);
}

/**
 * mend_db_open:
 * @path: the store file
 * @read_only: open a reader connection
 *
 * Opens one connection with the pragmas every Mend connection needs.
 */
MendDb *
mend_db_open (const char *path, gboolean read_only, GError **error)
{
  g_autoptr (MendDb) db = g_new0 (MendDb, 1);
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *uri = NULL;
  int flags = read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  int rc;

  /* A reader of a store on read-only storage cannot make the WAL index (-shm) SQLite wants
   * beside a WAL-mode file. With no WAL file there, everything is in the store file and
   * nobody can add a WAL: read it as it is. A WAL left there is read the usual way. */
  if (read_only && mend_db_path_is_read_only (path) && !g_file_test (wal, G_FILE_TEST_EXISTS))
    {
      uri = uri_for_immutable (path);
      flags |= SQLITE_OPEN_URI;
    }

  db->statements = g_hash_table_new_full (NULL, NULL, NULL, finalize_statement);
  rc = sqlite3_open_v2 (uri != NULL ? uri : path, &db->handle, flags | SQLITE_OPEN_FULLMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      mend_db_set_error (db, rc, error, "Could not open the store “%s”", path);
      return NULL;
    }
  sqlite3_extended_result_codes (db->handle, 1);
  /* A write may wait briefly for a checkpoint or for mendctl on the same file. */
  sqlite3_busy_timeout (db->handle, 5000);
  if (!mend_db_exec (db, "PRAGMA foreign_keys = ON", error))
    return NULL;
  return g_steal_pointer (&db);
}

void
mend_db_close (MendDb *db)
{
  if (db == NULL)
    return;
  g_clear_pointer (&db->statements, g_hash_table_unref);
  if (db->handle != NULL)
    sqlite3_close (db->handle);
  g_free (db);
}

/**
 * mend_db_prepare:
 * @sql: static SQL text; its address is the cache key
 *
 * Returns: (transfer none): a statement prepared once per connection. Hold it in a
 *   g_autoptr(MendStmt) so that it is reset after use.
 */
MendStmt *
mend_db_prepare (MendDb *db, const char *sql, GError **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (db->statements, sql);
  int rc;

  if (stmt != NULL)
    return stmt;
  rc = sqlite3_prepare_v3 (db->handle, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      mend_db_set_error (db, rc, error, "Could not read the store");
      return NULL;
    }
  g_hash_table_insert (db->statements, (gpointer)sql, stmt);
  return stmt;
}

void
mend_stmt_release (MendStmt *stmt)
{
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

gboolean
mend_db_exec (MendDb *db, const char *sql, GError **error)
{
  char *message = NULL;
  int rc = sqlite3_exec (db->handle, sql, NULL, NULL, &message);

  sqlite3_free (message);
  if (rc != SQLITE_OK)
    return mend_db_set_error (db, rc, error, "Could not update the store");
  return TRUE;
}

/**
 * mend_db_step_done:
 *
 * Steps a statement that returns no rows.
 */
gboolean
mend_db_step_done (MendDb *db, MendStmt *stmt, GError **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_DONE)
    return mend_db_set_error (db, rc, error, "Could not update the store");
  return TRUE;
}

void
mend_stmt_bind_text (MendStmt *stmt, int index, const char *text)
{
  if (text == NULL)
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
}

void
mend_stmt_bind_int64_or_null (MendStmt *stmt, int index, gboolean present, gint64 value)
{
  if (present)
    sqlite3_bind_int64 (stmt, index, value);
  else
    sqlite3_bind_null (stmt, index);
}

void
mend_stmt_bind_double_or_null (MendStmt *stmt, int index, double value)
{
  if (isnan (value))
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_double (stmt, index, value);
}

const char *
mend_stmt_text (MendStmt *stmt, int column)
{
  return (const char *)sqlite3_column_text (stmt, column);
}

char *
mend_stmt_dup_text (MendStmt *stmt, int column)
{
  return g_strdup ((const char *)sqlite3_column_text (stmt, column));
}

double
mend_stmt_double_or_nan (MendStmt *stmt, int column)
{
  return sqlite3_column_type (stmt, column) == SQLITE_NULL ? NAN
                                                           : sqlite3_column_double (stmt, column);
}

/**
 * mend_db_collect:
 * @stmt: a prepared, bound statement
 * @row_from: makes one row from the statement's current result
 * @free_row: frees such a row
 *
 * Steps @stmt to the end and collects its rows.
 *
 * Returns: (transfer full) (nullable): the rows, or %NULL with @error set.
 */
GPtrArray *
mend_db_collect (MendDb *db,
                 MendStmt *stmt,
                 gpointer (*row_from) (MendStmt *stmt),
                 GDestroyNotify free_row,
                 GError **error)
{
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func (free_row);
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (rows, row_from (stmt));
  if (rc != SQLITE_DONE)
    {
      mend_db_set_error (db, rc, error, "Could not read the store");
      return NULL;
    }
  return g_steal_pointer (&rows);
}
