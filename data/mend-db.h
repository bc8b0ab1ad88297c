/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A thin wrapper over one SQLite connection: a cache of prepared statements and SQLite result
 * codes turned into MEND_STORE_ERROR. Internal to data/. */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

typedef struct
{
  sqlite3 *handle;
  GHashTable *statements; /* static SQL text → sqlite3_stmt */
} MendDb;

/* A cached statement borrowed for one use; the cleanup resets it so it can be used again. */
typedef sqlite3_stmt MendStmt;

MendDb *mend_db_open (const char *path, gboolean read_only, GError **error);
gboolean mend_db_path_is_read_only (const char *path);
void mend_db_close (MendDb *db);

MendStmt *mend_db_prepare (MendDb *db, const char *sql, GError **error);
void mend_stmt_release (MendStmt *stmt);
gboolean mend_db_exec (MendDb *db, const char *sql, GError **error);
gboolean mend_db_set_error (MendDb *db, int rc, GError **error, const char *format, ...)
    G_GNUC_PRINTF (4, 5);
gboolean mend_db_step_done (MendDb *db, MendStmt *stmt, GError **error);

void mend_stmt_bind_text (MendStmt *stmt, int index, const char *text);
void mend_stmt_bind_int64_or_null (MendStmt *stmt, int index, gboolean present, gint64 value);
void mend_stmt_bind_double_or_null (MendStmt *stmt, int index, double value);
const char *mend_stmt_text (MendStmt *stmt, int column);
char *mend_stmt_dup_text (MendStmt *stmt, int column);
double mend_stmt_double_or_nan (MendStmt *stmt, int column);
GPtrArray *mend_db_collect (MendDb *db,
                            MendStmt *stmt,
                            gpointer (*row_from) (MendStmt *stmt),
                            GDestroyNotify free_row,
                            GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MendStmt, mend_stmt_release)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MendDb, mend_db_close)

G_END_DECLS
