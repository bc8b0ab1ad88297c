/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-salvage"

#include "config.h"

#include "mend-salvage.h"

#include <errno.h>
#include <sqlite3.h>
#include <string.h>

#include "mend-store.h"

/* SQLite's write-ahead log, read by hand: a 32-byte header, then frames of a 24-byte header
 * and one page each, every frame carrying a running checksum that starts from the header's.
 * SQLite itself stops reading at the first frame whose checksum fails and silently treats a
 * log with a bad header as empty, then overwrites it on the next write: committed records that
 * were only in the log would vanish without a word. This reader tells that apart from the one
 * harmless case, a crash's torn last transaction. The format is SQLite's documented file
 * format ("The WAL File Format"). */

#define WAL_HEADER_BYTES       32
#define WAL_FRAME_HEADER_BYTES 24
#define WAL_MAGIC              0x377f0682u
#define WAL_VERSION            3007000u

static guint32
read_be32 (const guint8 *p)
{
  return ((guint32)p[0] << 24) | ((guint32)p[1] << 16) | ((guint32)p[2] << 8) | p[3];
}

/* The running checksum over @n bytes (a multiple of 8), in the log's own byte order. */
static void
wal_checksum (gboolean big_endian, const guint8 *data, gsize n, guint32 *s0, guint32 *s1)
{
  for (gsize i = 0; i + 8 <= n; i += 8)
    {
      guint32 x0, x1;

      if (big_endian)
        {
          x0 = read_be32 (data + i);
          x1 = read_be32 (data + i + 4);
        }
      else
        {
          x0 = (guint32)data[i] | ((guint32)data[i + 1] << 8) | ((guint32)data[i + 2] << 16)
               | ((guint32)data[i + 3] << 24);
          x1 = (guint32)data[i + 4] | ((guint32)data[i + 5] << 8) | ((guint32)data[i + 6] << 16)
               | ((guint32)data[i + 7] << 24);
        }
      *s0 += x0 + *s1;
      *s1 += x1 + *s0;
    }
}

static gboolean
damaged (GError **error, const char *wal_path, const char *what)
{
  g_set_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_CORRUPT,
               "The store's write-ahead log %s is damaged (%s): recent records in it cannot be "
               "read",
               wal_path, what);
  return FALSE;
}

static gboolean
all_zero (const guint8 *data, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (data[i] != 0)
      return FALSE;
  return TRUE;
}

/**
 * mend_salvage_check_wal:
 * @store_path: the store file; its log is `@store_path-wal`
 *
 * Returns: %TRUE when the log is absent, empty or sound; %FALSE with
 *   #MEND_STORE_ERROR_CORRUPT when it holds committed records SQLite would skip.
 */
gboolean
mend_salvage_check_wal (const char *store_path, GError **error)
{
  g_autofree char *wal_path = g_strconcat (store_path, "-wal", NULL);
  g_autofree char *contents = NULL;
  g_autoptr (GError) read_error = NULL;
  const guint8 *data;
  gsize length = 0;
  guint32 magic, page_size, salt1, salt2, s0 = 0, s1 = 0;
  gboolean big_endian;
  gsize frame_bytes, offset;

  if (!g_file_get_contents (wal_path, &contents, &length, &read_error))
    {
      /* No log is the usual state of a closed store. */
      if (g_error_matches (read_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_set_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_IO,
                   "Could not read the store's write-ahead log: %s", read_error->message);
      return FALSE;
    }
  data = (const guint8 *)contents;
  /* A log shorter than its header never held a committed frame. */
  if (length < WAL_HEADER_BYTES)
    return TRUE;

  magic = read_be32 (data);
  page_size = read_be32 (data + 8);
  if ((magic & ~1u) != WAL_MAGIC || read_be32 (data + 4) != WAL_VERSION || page_size < 512
      || page_size > 65536 || (page_size & (page_size - 1)) != 0)
    {
      if (all_zero (data, length))
        return TRUE;
      return damaged (error, wal_path, "its header is not a write-ahead log header");
    }
  big_endian = (magic & 1u) != 0;
  wal_checksum (big_endian, data, 24, &s0, &s1);
  if (s0 != read_be32 (data + 24) || s1 != read_be32 (data + 28))
    return damaged (error, wal_path, "its header fails its checksum");

  salt1 = read_be32 (data + 16);
  salt2 = read_be32 (data + 20);
  frame_bytes = WAL_FRAME_HEADER_BYTES + page_size;
  for (offset = WAL_HEADER_BYTES; offset + frame_bytes <= length; offset += frame_bytes)
    {
      const guint8 *frame = data + offset;

      /* Frames of an earlier generation, already copied into the store, end this one. */
      if (read_be32 (frame + 8) != salt1 || read_be32 (frame + 12) != salt2)
        return TRUE;
      wal_checksum (big_endian, frame, 8, &s0, &s1);
      wal_checksum (big_endian, frame + WAL_FRAME_HEADER_BYTES, page_size, &s0, &s1);
      if (s0 == read_be32 (frame + 16) && s1 == read_be32 (frame + 20))
        continue;

      /* The first bad frame. A crash tears only the transaction it interrupted, which was
       * never confirmed; a commit frame of this generation after it is a confirmed record
       * SQLite would drop. */
      for (gsize later = offset + frame_bytes; later + frame_bytes <= length; later += frame_bytes)
        {
          const guint8 *next = data + later;

          if (read_be32 (next + 8) != salt1 || read_be32 (next + 12) != salt2)
            break;
          if (read_be32 (next + 4) != 0)
            {
              g_autofree char *what = g_strdup_printf (
                  "frame %" G_GSIZE_FORMAT " fails its checksum, and committed frames follow it",
                  (offset - WAL_HEADER_BYTES) / frame_bytes + 1);
              return damaged (error, wal_path, what);
            }
        }
      return TRUE;
    }
  return TRUE;
}

/**
 * mend_salvage_quick_check:
 * @store_path: the store file, open elsewhere or not
 *
 * Damage in the middle of the file does not stop mend_store_open(), which reads only the
 * schema and the device row; this reads every page, as `PRAGMA quick_check` does, so a device
 * can say so before a record fails on it. Only reads.
 *
 * Returns: %TRUE when SQLite finds the file sound.
 */
gboolean
mend_salvage_quick_check (const char *store_path, GError **error)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  g_autofree char *verdict = NULL;
  int rc;

  rc = sqlite3_open_v2 (store_path, &db, SQLITE_OPEN_READONLY, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_busy_timeout (db, 5000);
      rc = sqlite3_prepare_v2 (db, "PRAGMA quick_check(1)", -1, &stmt, NULL);
    }
  if (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    verdict = g_strdup ((const char *)sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  /* Only damage is damage: a store another program holds, or that cannot be opened at all,
   * is for mend_store_open() to report. */
  if (verdict == NULL && (rc & 0xff) != SQLITE_CORRUPT && (rc & 0xff) != SQLITE_NOTADB)
    {
      sqlite3_close (db);
      return TRUE;
    }
  if (verdict == NULL)
    verdict = g_strdup (sqlite3_errmsg (db));
  sqlite3_close (db);
  if (g_strcmp0 (verdict, "ok") == 0)
    return TRUE;
  g_set_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_CORRUPT,
               "The store file %s is damaged: %s", store_path, verdict);
  return FALSE;
}
