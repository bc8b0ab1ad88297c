/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-store"

#include "config.h"

#include <stdlib.h>

#include "mend-data-resources.h"
#include "mend-store-private.h"

#define MIGRATIONS_PATH "/org/mendapp/Mend/data/migrations"

static void
register_resources (void)
{
  static gsize once = 0;

  /* Registered by hand: a static library's resource constructor can be dropped by the
   * linker when nothing else refers to its object file. */
  if (g_once_init_enter (&once))
    {
      mend_data_register_resource ();
      g_once_init_leave (&once, 1);
    }
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *)a, *(const char *const *)b);
}

static gboolean
read_user_version (MendDb *db, int *out_version, GError **error)
{
  g_autoptr (MendStmt) stmt = mend_db_prepare (db, "PRAGMA user_version", error);

  if (stmt == NULL)
    return FALSE;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return mend_db_set_error (db, sqlite3_errcode (db->handle), error,
                              "Could not read the store's schema version");
  *out_version = sqlite3_column_int (stmt, 0);
  return TRUE;
}

static gboolean
apply_one (MendDb *db, const char *name, int version, GError **error)
{
  g_autofree char *resource = g_build_path ("/", MIGRATIONS_PATH, name, NULL);
  g_autoptr (GBytes) bytes = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *set_version = NULL;

  bytes = g_resources_lookup_data (resource, G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  if (bytes == NULL)
    return FALSE;
  sql = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  set_version = g_strdup_printf ("PRAGMA user_version = %d", version);

  /* One transaction per migration, version included: a crash leaves the store at the
   * previous version, never between two. */
  if (!mend_store_begin (db, error))
    return FALSE;
  if (!mend_db_exec (db, sql, error) || !mend_db_exec (db, set_version, error)
      || !mend_store_commit (db, error))
    {
      mend_store_rollback (db);
      g_prefix_error (error, "Migration %s failed: ", name);
      return FALSE;
    }
  g_debug ("Applied migration %s", name);
  return TRUE;
}

/**
 * mend_store_migrate:
 * @db: the writer connection
 *
 * Applies, in order, every migration in the GResource numbered above the store's
 * `PRAGMA user_version`. Refuses a store whose version is newer than this code.
 */
gboolean
mend_store_migrate (MendDb *db, const char *path, GError **error)
{
  g_auto (GStrv) names = NULL;
  g_autoptr (GPtrArray) sorted = g_ptr_array_new ();
  int current = 0;

  register_resources ();
  if (!read_user_version (db, &current, error))
    return FALSE;
  if (current > MEND_STORE_SCHEMA_VERSION)
    {
      g_set_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_NEWER,
                   "This store was written by a newer Mend (schema version %d; this Mend knows "
                   "up to %d). Update Mend; the store was left as it was",
                   current, MEND_STORE_SCHEMA_VERSION);
      return FALSE;
    }
  if (current == MEND_STORE_SCHEMA_VERSION)
    return TRUE;

  names = g_resources_enumerate_children (MIGRATIONS_PATH, G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  if (names == NULL)
    return FALSE;
  for (guint i = 0; names[i] != NULL; i++)
    g_ptr_array_add (sorted, names[i]);
  g_ptr_array_sort (sorted, compare_names);

  for (guint i = 0; i < sorted->len; i++)
    {
      const char *name = g_ptr_array_index (sorted, i);
      int version = atoi (name);

      /* Files are numbered 0001, 0002, …; each number is the version it leaves behind. */
      g_assert (version == (int)i + 1);
      if (version <= current)
        continue;
      if (!apply_one (db, name, version, error))
        return FALSE;
    }
  return TRUE;
}
