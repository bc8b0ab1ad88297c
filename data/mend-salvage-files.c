/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-salvage"

#include "config.h"

#include "mend-salvage-private.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "mend-photo.h"
#include "mend-time.h"

/* The files of a salvage beyond the rows: the photos beside the store, the store file's header
 * when it is unreadable, and the summary written for HQ. */

#define SQLITE_MAGIC "SQLite format 3"

/* The SHA-256 of a file, or NULL when it cannot be read. */
static char *
file_sha256 (const char *path)
{
  g_autoptr (GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 buffer[65536];
  FILE *file = g_fopen (path, "rbe");
  size_t n;
  gboolean failed;

  if (file == NULL)
    return NULL;
  while ((n = fread (buffer, 1, sizeof buffer, file)) > 0)
    g_checksum_update (checksum, buffer, n);
  failed = ferror (file) != 0;
  fclose (file);
  return failed ? NULL : g_strdup (g_checksum_get_string (checksum));
}

gboolean
mend_salvage_copy_file (const char *from, const char *to, GError **error)
{
  g_autoptr (GFile) source = g_file_new_for_path (from);
  g_autoptr (GFile) target = g_file_new_for_path (to);
  g_autoptr (GFile) parent = g_file_get_parent (target);
  g_autofree char *parent_path = g_file_get_path (parent);

  if (g_mkdir_with_parents (parent_path, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "Could not create %s: %s",
                   parent_path, g_strerror (saved));
      return FALSE;
    }
  return g_file_copy (source, target, G_FILE_COPY_NONE, NULL, NULL, NULL, error);
}

/* Every photos/<aa>/<sha256>.jpg beside the store: copied when its bytes still hash to its
 * name, set apart in photos-altered/ when they do not. */
gboolean
mend_salvage_photos (MendSalvage *s, const char *store_path, GError **error)
{
  g_autofree char *folder = g_path_get_dirname (store_path);
  g_autofree char *photos = g_build_filename (folder, "photos", NULL);
  g_autoptr (GHashTable) present = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GDir) top = g_dir_open (photos, 0, NULL);
  const char *bucket;
  GHashTableIter iter;
  gpointer key;

  while (top != NULL && (bucket = g_dir_read_name (top)) != NULL)
    {
      g_autofree char *bucket_path = g_build_filename (photos, bucket, NULL);
      g_autoptr (GDir) dir = NULL;
      const char *name;

      if (strlen (bucket) != 2 || (dir = g_dir_open (bucket_path, 0, NULL)) == NULL)
        continue;
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *sha256 = NULL;
          g_autofree char *path = g_build_filename (bucket_path, name, NULL);
          g_autofree char *actual = NULL;
          g_autofree char *target = NULL;
          gboolean sound;

          if (!g_str_has_suffix (name, ".jpg"))
            continue;
          sha256 = g_strndup (name, strlen (name) - strlen (".jpg"));
          if (!mend_photo_sha256_is_valid (sha256))
            continue;
          actual = file_sha256 (path);
          sound = g_strcmp0 (actual, sha256) == 0;
          target = sound ? g_build_filename (s->out_dir, "photos", bucket, name, NULL)
                         : g_build_filename (s->out_dir, "photos-altered", name, NULL);
          if (actual != NULL && !mend_salvage_copy_file (path, target, error))
            return FALSE;
          if (sound)
            {
              s->report->photos_copied++;
              g_hash_table_add (present, g_steal_pointer (&sha256));
            }
          else
            {
              s->report->photos_altered++;
              g_hash_table_add (present, g_steal_pointer (&sha256));
              mend_salvage_problem (s,
                                    actual != NULL
                                        ? "The photo %s no longer matches its hash: it was copied "
                                          "to photos-altered/ and cannot count as evidence."
                                        : "The photo %s could not be read.",
                                    name);
            }
        }
    }

  g_hash_table_iter_init (&iter, s->named_photos);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (present, key) && !g_hash_table_contains (s->purged_photos, key))
      {
        s->report->photos_missing++;
        mend_salvage_problem (s, "The photo %s.jpg is named by a record but its file is missing.",
                              (const char *)key);
      }
  return TRUE;
}

/* A zeroed or garbled first 100 bytes make SQLite refuse the whole file, though every page
 * after them is intact. The copy gets a plain header again: page size found by trying each
 * one, UTF-8, the log used only when one was copied beside it. */
gboolean
mend_salvage_rebuild_header (MendSalvage *s, const char *copy, gboolean with_wal)
{
  static const guint32 page_sizes[] = { 4096, 1024, 2048, 8192, 16384, 32768, 65536, 512 };
  GStatBuf st;

  if (g_stat (copy, &st) != 0)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (page_sizes); i++)
    {
      guint32 page_size = page_sizes[i];
      guint32 pages = (guint32)(st.st_size / page_size);
      guint8 header[100] = { 0 };
      FILE *file;
      sqlite3 *probe = NULL;
      gboolean readable;

      if (pages == 0)
        continue;
      memcpy (header, SQLITE_MAGIC, sizeof SQLITE_MAGIC);
      header[16] = page_size == 65536 ? 0 : (page_size >> 8) & 0xff;
      header[17] = page_size == 65536 ? 1 : page_size & 0xff;
      header[18] = header[19] = with_wal ? 2 : 1;
      header[21] = 64;
      header[22] = 32;
      header[23] = 32;
      header[27] = 1; /* change counter */
      header[28] = (pages >> 24) & 0xff;
      header[29] = (pages >> 16) & 0xff;
      header[30] = (pages >> 8) & 0xff;
      header[31] = pages & 0xff;
      header[43] = 1; /* schema cookie */
      header[47] = 4; /* schema format */
      header[59] = 1; /* UTF-8 */
      header[95] = 1; /* version-valid-for, equal to the change counter */
      file = g_fopen (copy, "r+be");
      if (file == NULL)
        return FALSE;
      fwrite (header, 1, sizeof header, file);
      fclose (file);

      readable = sqlite3_open_v2 (copy, &probe, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK
                 && sqlite3_exec (probe, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL)
                        == SQLITE_OK;
      sqlite3_close (probe);
      if (readable)
        {
          s->report->header_rebuilt = TRUE;
          mend_salvage_problem (
              s,
              "The store file's header was unreadable; it was rebuilt in the copy read "
              "for this export (page size %u).",
              page_size);
          return TRUE;
        }
    }
  mend_salvage_problem (
      s, "The store file's header is unreadable and no page size made it readable again.");
  return FALSE;
}

static JsonNode *
report_json (const MendSalvageReport *report, const char *store_path)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autofree char *now = mend_time_format_ms (mend_time_now_ms ());

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "store");
  json_builder_add_string_value (b, store_path);
  json_builder_set_member_name (b, "exported_at");
  json_builder_add_string_value (b, now);
  json_builder_set_member_name (b, "device_id");
  if (report->device_id != NULL)
    json_builder_add_string_value (b, report->device_id);
  else
    json_builder_add_null_value (b);
#define INT_MEMBER(name)                                                                           \
  json_builder_set_member_name (b, #name);                                                         \
  json_builder_add_int_value (b, report->name)
  INT_MEMBER (events_read);
  INT_MEMBER (events_expected);
  INT_MEMBER (events_unreadable);
  INT_MEMBER (chain_sound_through);
  INT_MEMBER (events_bad_hash);
  INT_MEMBER (other_rows_read);
  INT_MEMBER (tables_damaged);
  INT_MEMBER (photos_copied);
  INT_MEMBER (photos_altered);
  INT_MEMBER (photos_missing);
#undef INT_MEMBER
  json_builder_set_member_name (b, "header_rebuilt");
  json_builder_add_boolean_value (b, report->header_rebuilt);
  json_builder_set_member_name (b, "wal_damaged");
  json_builder_add_boolean_value (b, report->wal_damaged);
  json_builder_set_member_name (b, "problems");
  json_builder_begin_array (b);
  for (guint i = 0; i < report->problems->len; i++)
    json_builder_add_string_value (b, g_ptr_array_index (report->problems, i));
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/**
 * mend_salvage_report_describe:
 *
 * Returns: (transfer full): what the export holds, for a person.
 */
char *
mend_salvage_report_describe (const MendSalvageReport *report)
{
  GString *text = g_string_new (NULL);

  g_string_append_printf (
      text,
      "Exported %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " records (%" G_GINT64_FORMAT
      " unreadable; the first %" G_GINT64_FORMAT " verify as an unbroken chain), %" G_GINT64_FORMAT
      " other rows and %u photos.",
      report->events_read, report->events_expected, report->events_unreadable,
      report->chain_sound_through, report->other_rows_read, report->photos_copied);
  if (report->photos_altered + report->photos_missing > 0)
    g_string_append_printf (text, " %u photos are altered and %u missing.", report->photos_altered,
                            report->photos_missing);
  return g_string_free (text, FALSE);
}

/* summary.json and SUMMARY.txt: what was read, and each thing that was not. */
gboolean
mend_salvage_write_summary (MendSalvage *s, const char *store_path, GError **error)
{
  {
    g_autoptr (JsonNode) summary = report_json (s->report, store_path);
    g_autofree char *json = json_to_string (summary, TRUE);
    g_autofree char *json_path = g_build_filename (s->out_dir, "summary.json", NULL);
    g_autofree char *text_path = g_build_filename (s->out_dir, "SUMMARY.txt", NULL);
    g_autofree char *described = mend_salvage_report_describe (s->report);
    GString *text = g_string_new (NULL);
    g_autofree char *text_str = NULL;

    g_string_append_printf (text, "Mend: what could be read from the damaged store %s\n\n%s\n",
                            store_path, described);
    if (s->report->problems->len > 0)
      g_string_append (text, "\nWhat could not be read:\n");
    for (guint i = 0; i < s->report->problems->len; i++)
      g_string_append_printf (text, "- %s\n",
                              (const char *)g_ptr_array_index (s->report->problems, i));
    g_string_append (text, "\nevents.jsonl holds one record a line as stored, with its hash and "
                           "whether it still matches it;\ntables/ the other rows; photos/ the "
                           "photo files that still match their names.\n");
    text_str = g_string_free (text, FALSE);
    if (!mend_salvage_write_text (json_path, json, error)
        || !mend_salvage_write_text (text_path, text_str, error))
      return FALSE;
  }
  return TRUE;
}
