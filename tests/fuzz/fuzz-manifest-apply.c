/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-fuzz"

#include "config.h"

#include "mend-fuzz.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <sqlite3.h>

#include "mend-demo.h"
#include "mend-store-sync.h"
#include "mend-wire.h"

/* A manifest from HQ, decoded and applied the way the device's sync engine does it
 * (mend_wire_decode_manifest, then mend_store_sync_apply_manifest in one transaction), to a
 * fresh copy of a store holding the demo's reference data. Either it applies, or it is refused
 * and the store is byte for byte what it was: every table's rows are hashed before and after.
 * Events are never touched either way. */

static char *folder;
static char *template_path;
static char *store_path;

static void
copy_file (const char *from, const char *to)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (from, &contents, &length, &error)
      || !g_file_set_contents (to, contents, (gssize)length, &error))
    g_error ("Could not copy the template store: %s", error->message);
}

/* One hash per table, over every row in the order SQLite returns them. */
static GHashTable *
digest_tables (const char *path)
{
  GHashTable *digests = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  sqlite3 *db = NULL;
  sqlite3_stmt *tables = NULL;

  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK
      || sqlite3_prepare_v2 (db,
                             "SELECT name FROM sqlite_schema WHERE type = 'table' "
                             "AND name NOT LIKE 'sqlite_%' ORDER BY name",
                             -1, &tables, NULL)
             != SQLITE_OK)
    g_error ("Could not read the store back: %s", sqlite3_errmsg (db));
  while (sqlite3_step (tables) == SQLITE_ROW)
    {
      const char *name = (const char *)sqlite3_column_text (tables, 0);
      g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
      g_autofree char *sql = g_strdup_printf ("SELECT * FROM \"%s\"", name);
      sqlite3_stmt *rows = NULL;

      if (sqlite3_prepare_v2 (db, sql, -1, &rows, NULL) != SQLITE_OK)
        g_error ("Could not read %s back: %s", name, sqlite3_errmsg (db));
      while (sqlite3_step (rows) == SQLITE_ROW)
        for (int c = 0; c < sqlite3_column_count (rows); c++)
          {
            const void *blob = sqlite3_column_blob (rows, c);
            int bytes = sqlite3_column_bytes (rows, c);
            char type = (char)sqlite3_column_type (rows, c);

            g_checksum_update (sum, (const guchar *)&type, 1);
            g_checksum_update (sum, (const guchar *)&bytes, sizeof bytes);
            if (blob != NULL)
              g_checksum_update (sum, blob, bytes);
          }
      sqlite3_finalize (rows);
      g_hash_table_insert (digests, g_strdup (name), g_strdup (g_checksum_get_string (sum)));
    }
  sqlite3_finalize (tables);
  sqlite3_close (db);
  return digests;
}

static void
remove_store (const char *path)
{
  static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *name = g_strconcat (path, suffixes[i], NULL);

      g_remove (name);
    }
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MendStore) store = NULL;

  mend_fuzz_init_logging ();
  folder = g_dir_make_tmp ("mend-fuzz-manifest-XXXXXX", &error);
  if (folder == NULL)
    g_error ("%s", error->message);
  template_path = g_build_filename (folder, "template.db", NULL);
  store_path = g_build_filename (folder, "store.db", NULL);
  mend_fuzz_remove_at_exit (folder);
  store = mend_store_open (template_path, MEND_STORE_OPEN_UNSAFE_NO_SYNC, &error);
  if (store == NULL || !mend_store_load_demo (store, &error))
    g_error ("Could not make the template store: %s", error->message);
  g_clear_object (&store);
  /* Closing the last connection folds the write-ahead log into the file, so the file alone
   * is the whole store. */
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MendWireManifest) manifest = NULL;
  g_autoptr (MendStore) store = NULL;
  g_autoptr (GHashTable) before = NULL;
  g_autoptr (GHashTable) after = NULL;
  GHashTableIter iter;
  gpointer name;
  gpointer digest;
  gboolean applied;

  manifest = mend_wire_decode_manifest ((const char *)data, size, &error);
  if (manifest == NULL)
    return 0;

  remove_store (store_path);
  copy_file (template_path, store_path);
  store = mend_store_open (store_path, MEND_STORE_OPEN_UNSAFE_NO_SYNC, &error);
  if (store == NULL)
    g_error ("Could not open the copy of the template: %s", error->message);
  before = digest_tables (store_path);

  applied = mend_store_sync_apply_manifest (store, manifest->reference, manifest->deleted,
                                            manifest->full, manifest->cursor,
                                            manifest->hq_public_key, manifest->team_name, &error);
  g_assert (applied == (error == NULL));
  /* MEND_FUZZ_VERBOSE=1 says what became of each input, to check that seeds reach the store. */
  if (g_getenv ("MEND_FUZZ_VERBOSE") != NULL)
    fprintf (stderr, "# %s\n", applied ? "applied" : error->message);
  g_clear_object (&store);
  after = digest_tables (store_path);

  g_assert_cmpuint (g_hash_table_size (before), ==, g_hash_table_size (after));
  g_hash_table_iter_init (&iter, before);
  while (g_hash_table_iter_next (&iter, &name, &digest))
    {
      const char *now = g_hash_table_lookup (after, name);

      /* Reference data may change only when the manifest applied; events never. */
      if (!applied || g_str_equal (name, "events"))
        {
          if (g_strcmp0 (now, digest) != 0)
            g_error ("%s changed although %s", (const char *)name,
                     applied ? "events are never touched" : "the manifest was refused");
        }
    }
  remove_store (store_path);
  return 0;
}
