/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-store-salvage"

#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "mend-salvage.h"
#include "mend-test-photo-store.h"
#include "mend-test-reliability.h"

/* A real store with records and photos, damaged the ways storage and people damage files:
 * cut short, pages overwritten with garbage, its header zeroed, its write-ahead log garbled, a
 * record edited behind the app's back. For each: what the store does when opened, and what
 * mend_salvage_export() gets out of it compared with what was there. The damaged files are
 * compared byte for byte before and after, since the export must never change them. */

#define N_TALLIES 300
#define N_PHOTOS  3
#define FAULT     "a corrupted store file (every record still readable exported)"

typedef struct
{
  char *dir;
  char *path;
  MendStore *store;
  /* What was there: seq → hash, and the photos. */
  GHashTable *hashes;
  gint64 n_events;
  GPtrArray *photos;
  char *out;
} Salvage;

static void
set_up (Salvage *f, gconstpointer data)
{
  g_autoptr (GPtrArray) events = NULL;
  g_autoptr (GError) error = NULL;

  f->dir = mend_test_temp_dir ();
  f->path = g_build_filename (f->dir, "mend.db", NULL);
  f->out = g_build_filename (f->dir, "export", NULL);
  f->store = mend_test_store_new (f->dir, 2, 2, MEND_STORE_OPEN_UNSAFE_NO_SYNC);
  f->photos = g_ptr_array_new_with_free_func (g_free);
  g_free (mend_test_record_ok (f->store, mend_command_start_session ("s00000")));
  for (int i = 0; i < N_PHOTOS; i++)
    {
      g_autoptr (GBytes) jpeg = fake_jpeg (100 + i, 20000);
      char *sha256 = store_photo (f->store, jpeg);

      g_free (
          mend_test_record_ok (f->store, photo_command ("s00000", NULL, MEND_PHOTO_ROLE_BEFORE,
                                                        sha256, (gint64)g_bytes_get_size (jpeg))));
      g_ptr_array_add (f->photos, sha256);
    }
  for (int i = 0; i < N_TALLIES; i++)
    g_free (mend_test_record_ok (f->store, mend_command_tally ("s00000", "bags", 1)));

  events = mend_store_list_events (f->store, NULL, &error);
  g_assert_no_error (error);
  f->hashes = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  for (guint i = 0; i < events->len; i++)
    {
      MendEventRow *row = g_ptr_array_index (events, i);

      g_hash_table_insert (f->hashes, g_memdup2 (&row->seq, sizeof row->seq), g_strdup (row->hash));
    }
  f->n_events = events->len;
  g_assert_cmpint (f->n_events, ==, 1 + N_PHOTOS + N_TALLIES);
}

static void
tear_down (Salvage *f, gconstpointer data)
{
  g_clear_object (&f->store);
  mend_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->path);
  g_free (f->out);
  g_hash_table_unref (f->hashes);
  g_ptr_array_unref (f->photos);
}

/* Closing the last connection copies the log into the file and removes it. */
static void
close_store (Salvage *f)
{
  g_autofree char *wal = g_strconcat (f->path, "-wal", NULL);

  g_clear_object (&f->store);
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));
}

static gsize
file_size (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return (gsize)st.st_size;
}

static void
overwrite (const char *path, gsize offset, gsize length, gboolean zeros)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed ((guint32)offset);
  g_autofree guint8 *bytes = g_malloc0 (length);
  FILE *file = g_fopen (path, "r+b");

  g_assert_nonnull (file);
  for (gsize i = 0; !zeros && i < length; i++)
    bytes[i] = (guint8)g_rand_int_range (rand, 0, 256);
  g_assert_cmpint (fseek (file, (long)offset, SEEK_SET), ==, 0);
  g_assert_cmpuint (fwrite (bytes, 1, length, file), ==, length);
  g_assert_cmpint (fclose (file), ==, 0);
}

static char *
checksum_of (const char *path)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &contents, &length, NULL))
    return g_strdup ("absent");
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *)contents, length);
}

/* The store refuses to open, or opens and its check says it is damaged: either way the device
 * knows, and says so with MEND_STORE_ERROR_CORRUPT. */
static void
assert_noticed (Salvage *f, gboolean must_refuse_open)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MendStore) store = mend_store_open (f->path, MEND_STORE_OPEN_DEFAULT, &error);

  if (store == NULL)
    {
      g_assert_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_CORRUPT);
      return;
    }
  g_assert_false (must_refuse_open);
  g_assert_false (mend_store_verify (store, NULL, &error));
  g_assert_true (g_error_matches (error, MEND_STORE_ERROR, MEND_STORE_ERROR_CORRUPT)
                 || g_error_matches (error, MEND_STORE_ERROR, MEND_STORE_ERROR_CHAIN_BROKEN));
}

typedef struct
{
  gint64 lines;
  gint64 matching; /* lines whose hash still matches */
  gint64 max_seq;
  gint64 first_missing; /* the first seq up to max_seq with no line, or 0 */
  GHashTable *seqs;
} Exported;

/* Reads events.jsonl back: every line whose hash matches must be exactly the original event
 * of that seq; nothing may be made up. */
static Exported
read_export (Salvage *f)
{
  g_autofree char *path = g_build_filename (f->out, "events.jsonl", NULL);
  g_autofree char *contents = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GError) error = NULL;
  Exported e = { 0 };

  e.seqs = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  g_assert_no_error (error);
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++)
    {
      g_autoptr (JsonParser) parser = json_parser_new ();
      JsonObject *line, *check;
      gint64 seq;

      g_assert_true (json_parser_load_from_data (parser, lines[i], -1, &error));
      g_assert_no_error (error);
      line = json_node_get_object (json_parser_get_root (parser));
      seq = json_object_get_int_member (line, "seq");
      check = json_object_get_object_member (line, "salvage");
      g_assert_false (g_hash_table_contains (e.seqs, &seq));
      g_hash_table_add (e.seqs, g_memdup2 (&seq, sizeof seq));
      e.lines++;
      e.max_seq = MAX (e.max_seq, seq);
      if (json_object_get_boolean_member (check, "hash_matches"))
        {
          e.matching++;
          g_assert_cmpstr (json_object_get_string_member (line, "hash"), ==,
                           g_hash_table_lookup (f->hashes, &seq));
        }
    }
  for (gint64 seq = 1; seq <= e.max_seq && e.first_missing == 0; seq++)
    if (!g_hash_table_contains (e.seqs, &seq))
      e.first_missing = seq;
  return e;
}

static MendSalvageReport *export(Salvage *f)
{
  g_autofree char *db_before = checksum_of (f->path);
  g_autofree char *wal = g_strconcat (f->path, "-wal", NULL);
  g_autofree char *wal_before = checksum_of (wal);
  g_autofree char *db_after = NULL;
  g_autofree char *wal_after = NULL;
  g_autofree char *summary = g_build_filename (f->out, "SUMMARY.txt", NULL);
  g_autoptr (GError) error = NULL;
  MendSalvageReport *report = mend_salvage_export (f->path, f->out, &error);

  g_assert_no_error (error);
  g_assert_nonnull (report);
  db_after = checksum_of (f->path);
  wal_after = checksum_of (wal);
  g_assert_cmpstr (db_before, ==, db_after);
  g_assert_cmpstr (wal_before, ==, wal_after);
  g_assert_true (g_file_test (summary, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpint (report->events_read + report->events_unreadable, ==, report->events_expected);
  return report;
}

static void
assert_photos_exported (Salvage *f, const MendSalvageReport *report)
{
  g_assert_cmpuint (report->photos_copied, ==, N_PHOTOS);
  for (guint i = 0; i < f->photos->len; i++)
    {
      const char *sha256 = g_ptr_array_index (f->photos, i);
      g_autofree char *name = g_strconcat (sha256, ".jpg", NULL);
      g_autofree char *bucket = g_strndup (sha256, 2);
      g_autofree char *path = g_build_filename (f->out, "photos", bucket, name, NULL);
      g_autofree char *sum = checksum_of (path);

      g_assert_cmpstr (sum, ==, sha256);
    }
}

static void
test_sound (Salvage *f, gconstpointer data)
{
  g_autoptr (MendSalvageReport) report = NULL;
  Exported e;

  close_store (f);
  report = export(f);
  e = read_export (f);
  g_assert_cmpint (e.lines, ==, f->n_events);
  g_assert_cmpint (e.matching, ==, f->n_events);
  g_assert_cmpint (report->chain_sound_through, ==, f->n_events);
  g_assert_cmpint (report->events_unreadable, ==, 0);
  g_assert_cmpuint (report->problems->len, ==, 0);
  g_assert_cmpint (report->other_rows_read, >, 0);
  assert_photos_exported (f, report);
  g_hash_table_unref (e.seqs);

  /* An export never overwrites: a folder with anything in it is refused. */
  {
    g_autoptr (GError) error = NULL;

    g_assert_null (mend_salvage_export (f->path, f->out, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  }
}

static void
test_zeroed_header (Salvage *f, gconstpointer data)
{
  g_autoptr (MendSalvageReport) report = NULL;
  Exported e;

  close_store (f);
  overwrite (f->path, 0, 100, TRUE);
  assert_noticed (f, TRUE);
  report = export(f);
  e = read_export (f);

  /* Only the header was lost: everything else comes back, and the chain verifies whole. */
  g_assert_true (report->header_rebuilt);
  g_assert_cmpint (e.lines, ==, f->n_events);
  g_assert_cmpint (e.matching, ==, f->n_events);
  g_assert_cmpint (report->chain_sound_through, ==, f->n_events);
  g_assert_cmpint (report->other_rows_read, >, 0);
  assert_photos_exported (f, report);
  g_hash_table_unref (e.seqs);
  mend_test_reliability_row (FAULT, 1, MEND_RELIABILITY_NOTHING_LOST);
}

static void
test_truncated (Salvage *f, gconstpointer data)
{
  g_autoptr (MendSalvageReport) report = NULL;
  gsize size;
  Exported e;

  close_store (f);
  size = file_size (f->path);
  g_assert_cmpint (truncate (f->path, (off_t)(size * 8 / 10 / 4096 * 4096)), ==, 0);
  assert_noticed (f, FALSE);
  report = export(f);
  e = read_export (f);

  /* The pages cut off are gone; every record on the pages left is exported and verified. */
  g_assert_cmpint (report->events_expected, ==, f->n_events);
  g_assert_cmpint (report->events_unreadable, >, 0);
  g_assert_cmpint (e.lines, >, 0);
  g_assert_cmpint (e.matching, ==, e.lines);
  g_assert_cmpint (e.lines, ==, report->events_read);
  g_assert_cmpuint (report->problems->len, >, 0);
  assert_photos_exported (f, report);
  g_test_message ("truncated to 80%%: %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " exported",
                  e.lines, f->n_events);
  g_hash_table_unref (e.seqs);
  mend_test_reliability_row (FAULT, 1, MEND_RELIABILITY_NOTHING_LOST);
}

static void
test_garbage_pages (Salvage *f, gconstpointer data)
{
  g_autoptr (MendSalvageReport) report = NULL;
  gsize pages;
  Exported e;

  close_store (f);
  pages = file_size (f->path) / 4096;
  /* Three pages in the middle, and one photo file altered on disk. */
  overwrite (f->path, pages / 2 * 4096, 3 * 4096, FALSE);
  {
    const char *sha256 = g_ptr_array_index (f->photos, 0);
    g_autofree char *name = g_strconcat (sha256, ".jpg", NULL);
    g_autofree char *bucket = g_strndup (sha256, 2);
    g_autofree char *photo = g_build_filename (f->dir, "photos", bucket, name, NULL);

    overwrite (photo, 5000, 16, FALSE);
  }
  assert_noticed (f, FALSE);
  report = export(f);
  e = read_export (f);

  /* Records on the damaged pages are lost; those after them are still read. */
  g_assert_cmpint (report->events_expected, ==, f->n_events);
  g_assert_cmpint (e.lines, ==, report->events_read);
  g_assert_cmpint (e.matching, ==, e.lines);
  g_assert_cmpint (e.lines, >=, f->n_events - 3 * 4096 / 200);
  if (e.lines < f->n_events)
    {
      g_assert_cmpint (e.first_missing, >, 0);
      g_assert_cmpint (e.max_seq, >, e.first_missing);
    }
  g_assert_cmpuint (report->photos_copied, ==, N_PHOTOS - 1);
  g_assert_cmpuint (report->photos_altered, ==, 1);
  g_test_message ("3 garbage pages of %" G_GSIZE_FORMAT ": %" G_GINT64_FORMAT
                  " of %" G_GINT64_FORMAT " exported",
                  pages, e.lines, f->n_events);
  g_hash_table_unref (e.seqs);
  mend_test_reliability_row (FAULT, 1, MEND_RELIABILITY_NOTHING_LOST);
}

/* The store as another process would see it mid-use: its file and its log copied while it is
 * open, the log holding the newest records. */
static char *
copy_open_store (Salvage *f)
{
  g_autofree char *wal = g_strconcat (f->path, "-wal", NULL);
  g_autofree char *copy_dir = g_build_filename (f->dir, "copy", NULL);
  char *copy = g_build_filename (copy_dir, "mend.db", NULL);
  g_autofree char *copy_wal = g_strconcat (copy, "-wal", NULL);
  g_autofree char *contents = NULL;
  gsize length = 0;

  g_assert_cmpint (g_mkdir (copy_dir, 0700), ==, 0);
  g_assert_true (g_file_get_contents (f->path, &contents, &length, NULL));
  g_assert_true (g_file_set_contents (copy, contents, (gssize)length, NULL));
  g_clear_pointer (&contents, g_free);
  g_assert_true (g_file_get_contents (wal, &contents, &length, NULL));
  g_assert_cmpuint (length, >, 32 + 4096);
  g_assert_true (g_file_set_contents (copy_wal, contents, (gssize)length, NULL));
  return copy;
}

static void
test_garbage_wal_header (Salvage *f, gconstpointer data)
{
  g_autoptr (MendSalvageReport) report = NULL;
  g_autofree char *copy = copy_open_store (f);
  g_autofree char *wal = g_strconcat (copy, "-wal", NULL);
  Exported e;

  /* A sound copy opens; the same with its log's header garbled is refused, not emptied. */
  {
    g_autoptr (GError) error = NULL;

    g_assert_true (mend_salvage_check_wal (copy, &error));
    g_assert_no_error (error);
  }
  overwrite (wal, 0, 32, FALSE);
  g_clear_object (&f->store);
  g_free (f->path);
  f->path = g_strdup (copy);
  assert_noticed (f, TRUE);
  report = export(f);
  e = read_export (f);

  g_assert_true (report->wal_damaged);
  g_assert_cmpint (e.matching, ==, e.lines);
  g_assert_cmpint (report->chain_sound_through, ==, e.lines);
  g_assert_cmpuint (report->problems->len, >, 0);
  g_test_message ("garbled log header: %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " exported",
                  e.lines, f->n_events);
  g_hash_table_unref (e.seqs);
  mend_test_reliability_row (FAULT, 1, MEND_RELIABILITY_NOTHING_LOST);
}

static void
test_garbage_wal_frames (Salvage *f, gconstpointer data)
{
  g_autoptr (MendSalvageReport) report = NULL;
  g_autofree char *copy = copy_open_store (f);
  g_autofree char *wal = g_strconcat (copy, "-wal", NULL);
  gsize frames;
  Exported e;

  /* Garbage inside the log's first frames, with committed frames after them. */
  frames = (file_size (wal) - 32) / (24 + 4096);
  g_assert_cmpuint (frames, >, 4);
  overwrite (wal, 32 + 24 + 100, 2000, FALSE);
  g_clear_object (&f->store);
  g_free (f->path);
  f->path = g_strdup (copy);
  assert_noticed (f, TRUE);
  report = export(f);
  e = read_export (f);

  g_assert_true (report->wal_damaged);
  g_assert_cmpint (e.matching, ==, e.lines);
  g_assert_cmpint (e.lines, >, 0);
  g_hash_table_unref (e.seqs);
  mend_test_reliability_row (FAULT, 1, MEND_RELIABILITY_NOTHING_LOST);
}

static void
test_edited_row (Salvage *f, gconstpointer data)
{
  g_autoptr (MendSalvageReport) report = NULL;
  sqlite3 *db = NULL;
  Exported e;

  close_store (f);
  /* Someone with sqlite3 changes a tally's delta from 1 to 5. */
  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db,
                                 "UPDATE events SET payload = replace (payload, '\"delta\":1',"
                                 " '\"delta\":5') WHERE seq = 100",
                                 NULL, NULL, NULL),
                   ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_changes (db), ==, 1);
  sqlite3_close (db);
  assert_noticed (f, FALSE);
  report = export(f);
  e = read_export (f);

  /* Every record is exported; the edited one is marked, and the chain is sound up to it. */
  g_assert_cmpint (e.lines, ==, f->n_events);
  g_assert_cmpint (e.matching, ==, f->n_events - 1);
  g_assert_cmpint (report->events_bad_hash, ==, 1);
  g_assert_cmpint (report->chain_sound_through, ==, 99);
  assert_photos_exported (f, report);
  g_hash_table_unref (e.seqs);
  mend_test_reliability_row (FAULT, 1, MEND_RELIABILITY_NOTHING_LOST);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Salvage, NULL, set_up, func, tear_down)
  ADD ("/store-salvage/sound", test_sound);
  ADD ("/store-salvage/zeroed-header", test_zeroed_header);
  ADD ("/store-salvage/truncated", test_truncated);
  ADD ("/store-salvage/garbage-pages", test_garbage_pages);
  ADD ("/store-salvage/garbage-wal-header", test_garbage_wal_header);
  ADD ("/store-salvage/garbage-wal-frames", test_garbage_wal_frames);
  ADD ("/store-salvage/edited-row", test_edited_row);
#undef ADD
  return g_test_run ();
}
