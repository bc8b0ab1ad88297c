/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-salvage"

#include "config.h"

#include "mend-salvage.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mend-canonical.h"
#include "mend-db.h"
#include "mend-photo.h"
#include "mend-salvage-private.h"
#include "mend-store-private.h"
#include "mend-time.h"

/* Exporting what a damaged store still holds. The store file (and its log) is copied into the
 * export folder and only the copy is opened, so nothing here can change the damaged file: not
 * SQLite's recovery of the log, not the header rebuilt below. Rows are then read one at a time
 * by their rowid, so a page SQLite cannot read costs the rows on it and nothing more: a table
 * scan stops at the first bad page, a lookup by rowid only fails for the rows under it. Events
 * are checked against the hash chain as they are read, so HQ can tell which ones are exactly
 * what the device recorded. Photo files are found by walking the folder, not by the rows, so a
 * photo whose row was lost is still exported when its bytes still hash to its name. */

/* When a table's largest rowid cannot be read, how far past the last row read to look. */
#define PROBE_SPAN 10000

#define SQLITE_MAGIC "SQLite format 3"

typedef MendSalvage Salvage;

void
mend_salvage_report_free (MendSalvageReport *report)
{
  if (report == NULL)
    return;
  g_free (report->device_id);
  g_clear_pointer (&report->problems, g_ptr_array_unref);
  g_free (report);
}

void
mend_salvage_problem (MendSalvage *s, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_ptr_array_add (s->report->problems, g_strdup_vprintf (format, args));
  va_end (args);
}

/* A file in the export folder, written whole and synced: the folder is what HQ gets. */
typedef struct
{
  FILE *file;
  char *path;
  int error_number;
} OutFile;

static OutFile *
out_file_open (const char *path, GError **error)
{
  OutFile *out = g_new0 (OutFile, 1);

  out->path = g_strdup (path);
  out->file = g_fopen (path, "we");
  if (out->file == NULL)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "Could not create %s: %s",
                   path, g_strerror (saved));
      g_free (out->path);
      g_free (out);
      return NULL;
    }
  return out;
}

static void
out_file_line (OutFile *out, JsonNode *node)
{
  g_autofree char *text = json_to_string (node, FALSE);

  if (out->error_number == 0 && fprintf (out->file, "%s\n", text) < 0)
    out->error_number = errno;
}

static gboolean
out_file_close (OutFile *out, GError **error)
{
  int saved = out->error_number;

  if (saved == 0 && (fflush (out->file) != 0 || fsync (fileno (out->file)) != 0))
    saved = errno;
  if (fclose (out->file) != 0 && saved == 0)
    saved = errno;
  if (saved != 0)
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "Could not write %s: %s",
                 out->path, g_strerror (saved));
  g_free (out->path);
  g_free (out);
  return saved == 0;
}

gboolean
mend_salvage_write_text (const char *path, const char *text, GError **error)
{
  OutFile *out = out_file_open (path, error);

  if (out == NULL)
    return FALSE;
  if (fputs (text, out->file) < 0)
    out->error_number = errno;
  return out_file_close (out, error);
}

/* One column of a row as JSON, exactly as stored; text that is not UTF-8 (a damaged cell) is
 * made valid so the line stays readable. */
static JsonNode *
column_node (sqlite3_stmt *stmt, int i)
{
  JsonNode *node = json_node_alloc ();

  switch (sqlite3_column_type (stmt, i))
    {
    case SQLITE_INTEGER:
      return json_node_init_int (node, sqlite3_column_int64 (stmt, i));
    case SQLITE_FLOAT:
      return json_node_init_double (node, sqlite3_column_double (stmt, i));
    case SQLITE_TEXT:
      {
        const char *text = (const char *)sqlite3_column_text (stmt, i);
        int n = sqlite3_column_bytes (stmt, i);
        g_autofree char *valid = g_utf8_make_valid (text, n);

        return json_node_init_string (node, valid);
      }
    case SQLITE_BLOB:
      {
        g_autofree char *b64
            = g_base64_encode (sqlite3_column_blob (stmt, i), sqlite3_column_bytes (stmt, i));
        g_autofree char *tagged = g_strconcat ("base64:", b64, NULL);

        return json_node_init_string (node, tagged);
      }
    case SQLITE_NULL:
    default:
      return json_node_init_null (node);
    }
}

/* The row's columns from @first on, by name. */
static JsonObject *
row_object (sqlite3_stmt *stmt, int first)
{
  JsonObject *object = json_object_new ();

  for (int i = first; i < sqlite3_column_count (stmt); i++)
    json_object_set_member (object, sqlite3_column_name (stmt, i), column_node (stmt, i));
  return object;
}

static char *
quote_identifier (const char *name)
{
  GString *quoted = g_string_new ("\"");

  for (const char *c = name; *c != '\0'; c++)
    {
      if (*c == '"')
        g_string_append_c (quoted, '"');
      g_string_append_c (quoted, *c);
    }
  g_string_append_c (quoted, '"');
  return g_string_free (quoted, FALSE);
}

static gint64
query_int (Salvage *s, const char *sql, gint64 fallback)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value = fallback;

  if (sqlite3_prepare_v2 (s->db, sql, -1, &stmt, NULL) == SQLITE_OK
      && sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

/* Called for each row read; the statement is `SELECT rowid, * …`. */
typedef void (*RowFunc) (Salvage *s, sqlite3_stmt *row, gpointer data);

typedef struct
{
  gint64 read;
  gint64 unreadable; /* lookups SQLite answered with an error */
  gboolean damaged;
} TableRead;

/* Reads every row of a rowid table in rowid order, going round pages that cannot be read:
 * after a scan fails, each rowid after the last one read is looked up on its own until one
 * is found again, up to the table's largest rowid (or @bound_hint, or PROBE_SPAN past the
 * last row when neither is known). */
static TableRead
read_rowid_table (Salvage *s, const char *table, gint64 bound_hint, RowFunc func, gpointer data)
{
  g_autofree char *quoted = quote_identifier (table);
  g_autofree char *max_sql = g_strdup_printf ("SELECT max(rowid) FROM %s", quoted);
  g_autofree char *scan_sql
      = g_strdup_printf ("SELECT rowid, * FROM %s WHERE rowid > ?1 ORDER BY rowid", quoted);
  g_autofree char *probe_sql = g_strdup_printf ("SELECT rowid, * FROM %s WHERE rowid = ?1", quoted);
  sqlite3_stmt *scan = NULL, *probe = NULL;
  TableRead result = { 0 };
  gint64 bound = MAX (query_int (s, max_sql, -1), bound_hint);
  gint64 last = 0;
  gboolean more = TRUE;

  if (sqlite3_prepare_v2 (s->db, scan_sql, -1, &scan, NULL) != SQLITE_OK
      || sqlite3_prepare_v2 (s->db, probe_sql, -1, &probe, NULL) != SQLITE_OK)
    {
      result.damaged = TRUE;
      goto out;
    }
  while (more)
    {
      int rc;
      gint64 limit;
      gboolean found = FALSE;

      sqlite3_reset (scan);
      sqlite3_bind_int64 (scan, 1, last);
      while ((rc = sqlite3_step (scan)) == SQLITE_ROW)
        {
          last = sqlite3_column_int64 (scan, 0);
          func (s, scan, data);
          result.read++;
        }
      if (rc == SQLITE_DONE && last >= bound)
        break;
      if (rc != SQLITE_DONE)
        result.damaged = TRUE;

      /* The scan stopped at a page it could not read, or before the largest rowid the table
       * or the chain's head names: look past it one rowid at a time. */
      limit = bound > last ? bound : last + PROBE_SPAN;
      more = FALSE;
      for (gint64 rowid = last + 1; rowid <= limit && !found; rowid++)
        {
          sqlite3_reset (probe);
          sqlite3_bind_int64 (probe, 1, rowid);
          rc = sqlite3_step (probe);
          if (rc == SQLITE_ROW)
            {
              last = rowid;
              func (s, probe, data);
              result.read++;
              found = TRUE;
              more = TRUE;
            }
          else if (rc != SQLITE_DONE)
            {
              result.unreadable++;
              result.damaged = TRUE;
            }
        }
    }
out:
  sqlite3_finalize (scan);
  sqlite3_finalize (probe);
  return result;
}

/* A table without rowids can only be scanned: a bad page ends it. */
static TableRead
read_plain_table (Salvage *s, const char *table, RowFunc func, gpointer data)
{
  g_autofree char *quoted = quote_identifier (table);
  g_autofree char *sql = g_strdup_printf ("SELECT NULL, * FROM %s", quoted);
  sqlite3_stmt *stmt = NULL;
  TableRead result = { 0 };
  int rc = SQLITE_ERROR;

  if (sqlite3_prepare_v2 (s->db, sql, -1, &stmt, NULL) == SQLITE_OK)
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
      {
        func (s, stmt, data);
        result.read++;
      }
  result.damaged = rc != SQLITE_DONE;
  sqlite3_finalize (stmt);
  return result;
}

static void
note_photo (Salvage *s, const char *sha256)
{
  if (sha256 != NULL && mend_photo_sha256_is_valid (sha256))
    g_hash_table_add (s->named_photos, g_strdup (sha256));
}

typedef struct
{
  OutFile *out;
  const char *table;
} DumpData;

static void
dump_row (Salvage *s, sqlite3_stmt *row, gpointer data)
{
  DumpData *dump = data;
  g_autoptr (JsonObject) columns = row_object (row, 1);
  g_autoptr (JsonNode) node = json_node_init_object (json_node_alloc (), columns);

  out_file_line (dump->out, node);
  if (g_str_equal (dump->table, "photos"))
    {
      JsonObject *object = json_node_get_object (node);
      const char *sha256 = json_object_get_string_member_with_default (object, "sha256", NULL);

      note_photo (s, sha256);
      if (sha256 != NULL && json_object_has_member (object, "purged_at")
          && !json_object_get_null_member (object, "purged_at"))
        g_hash_table_add (s->purged_photos, g_strdup (sha256));
    }
}

/* Rows of the two tables whose records the salvage must not lose, `device` and `events`, are
 * gathered into a fresh store made by the same migrations, from wherever they can be
 * read: SQLite's lookups on the copy first, then the pages themselves. The fresh store's
 * constraints (STRICT types, checks, unique seq, id and hash) refuse a damaged or duplicate
 * record, and the events are then read back from it in seq order. */
static sqlite3_stmt *
known_insert (Salvage *s, const char *table, guint n_columns)
{
  g_autofree char *key = g_strdup_printf ("%s/%u", table, n_columns);
  sqlite3_stmt *insert = g_hash_table_lookup (s->known_inserts, key);
  g_autoptr (GString) sql = NULL;
  g_autofree char *info_sql = g_strdup_printf ("PRAGMA table_info(%s)", table);
  sqlite3_stmt *info = NULL;
  guint n = 0;

  if (insert != NULL)
    return insert;
  sql = g_string_new (NULL);
  g_string_append_printf (sql, "INSERT OR IGNORE INTO %s (", table);
  if (sqlite3_prepare_v2 (s->known->handle, info_sql, -1, &info, NULL) == SQLITE_OK)
    while (n < n_columns && sqlite3_step (info) == SQLITE_ROW)
      g_string_append_printf (sql, "%s\"%s\"", n++ > 0 ? ", " : "", sqlite3_column_text (info, 1));
  sqlite3_finalize (info);
  if (n != n_columns)
    return NULL;
  g_string_append (sql, ") VALUES (");
  for (guint i = 0; i < n_columns; i++)
    g_string_append_printf (sql, "%s?%u", i > 0 ? ", " : "", i + 1);
  g_string_append (sql, ")");
  if (sqlite3_prepare_v2 (s->known->handle, sql->str, -1, &insert, NULL) != SQLITE_OK)
    {
      sqlite3_finalize (insert);
      return NULL;
    }
  g_hash_table_insert (s->known_inserts, g_steal_pointer (&key), insert);
  return insert;
}

static int
known_columns (Salvage *s, const char *table)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM pragma_table_info('%s')", table);
  sqlite3_stmt *stmt = NULL;
  int n = 0;

  if (sqlite3_prepare_v2 (s->known->handle, sql, -1, &stmt, NULL) == SQLITE_OK
      && sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  return n;
}

/* A row read by SQLite from the copy (`SELECT rowid, * …`), into the fresh store. */
static void
keep_row (Salvage *s, sqlite3_stmt *row, gpointer data)
{
  const char *table = data;
  sqlite3_stmt *insert = known_insert (s, table, (guint)sqlite3_column_count (row) - 1);

  if (insert == NULL)
    return;
  sqlite3_reset (insert);
  for (int i = 1; i < sqlite3_column_count (row); i++)
    sqlite3_bind_value (insert, i, sqlite3_column_value (row, i));
  sqlite3_step (insert);
  sqlite3_reset (insert);
}

/* The events and device rows SQLite could reach through the copy's tables. */
static TableRead
keep_table (Salvage *s, const char *table, gint64 bound_hint)
{
  return read_rowid_table (s, table, bound_hint, keep_row, (gpointer)table);
}

/* A record found on a page. The device row and event rows have shapes no other table has:
 * the rowid stored as NULL in the first column, then a 36-character UUID (device) or an id
 * and a kind (events). What the fresh store's constraints refuse is not theirs. */
static void
page_record (gint64 rowid,
             const MendSalvageValue *values,
             guint n_values,
             guint32 page,
             gpointer user_data)
{
  Salvage *s = user_data;
  const char *table;
  sqlite3_stmt *insert;

  if (rowid < 1 || n_values < 3 || values[0].type != MEND_SALVAGE_NULL
      || values[1].type != MEND_SALVAGE_TEXT)
    return;
  if (rowid == 1 && values[1].length == 36 && (int)n_values == s->device_columns)
    table = "device";
  else if (values[2].type == MEND_SALVAGE_TEXT && n_values >= 12
           && (int)n_values <= s->event_columns)
    table = "events";
  else
    return;
  insert = known_insert (s, table, n_values);
  if (insert == NULL)
    return;
  sqlite3_reset (insert);
  sqlite3_bind_int64 (insert, 1, rowid);
  for (guint i = 1; i < n_values; i++)
    {
      const MendSalvageValue *v = &values[i];

      switch (v->type)
        {
        case MEND_SALVAGE_INTEGER:
          sqlite3_bind_int64 (insert, (int)i + 1, v->integer);
          break;
        case MEND_SALVAGE_FLOAT:
          sqlite3_bind_double (insert, (int)i + 1, v->real);
          break;
        case MEND_SALVAGE_TEXT:
          sqlite3_bind_text (insert, (int)i + 1, (const char *)v->bytes, (int)v->length,
                             SQLITE_TRANSIENT);
          break;
        case MEND_SALVAGE_BLOB:
          sqlite3_bind_blob (insert, (int)i + 1, v->bytes, (int)v->length, SQLITE_TRANSIENT);
          break;
        case MEND_SALVAGE_NULL:
        default:
          sqlite3_bind_null (insert, (int)i + 1);
          break;
        }
    }
  if (sqlite3_step (insert) == SQLITE_DONE && sqlite3_changes (s->known->handle) == 1)
    {
      if (g_str_equal (table, "events"))
        s->events_from_pages++;
      g_debug ("Recovered a %s row (rowid %" G_GINT64_FORMAT ") from page %u", table, rowid, page);
    }
  sqlite3_reset (insert);
}

/* The chain as the events are read, in seq order: which ones are exactly what was recorded. */
typedef struct
{
  OutFile *out;
  sqlite3_stmt *hashed; /* the hashed columns of one seq, as mend_event_log_verify() reads */
  gint64 previous_seq;
  char *previous_hash;
  gboolean chain_sound;
  gint64 max_seq;
} EventsData;

static void
event_row (Salvage *s, sqlite3_stmt *row, gpointer data)
{
  EventsData *events = data;
  g_autoptr (JsonObject) object = row_object (row, 1);
  g_autoptr (JsonObject) check = json_object_new ();
  g_autoptr (JsonNode) node = NULL;
  gint64 seq = sqlite3_column_int64 (row, 0);
  const char *stored_prev = json_object_get_string_member_with_default (object, "prev_hash", NULL);
  const char *stored_hash = json_object_get_string_member_with_default (object, "hash", NULL);
  const char *kind = json_object_get_string_member_with_default (object, "kind", NULL);
  gboolean hash_ok = FALSE, links;

  /* Recompute the hash from the same columns the chain covers. */
  sqlite3_reset (events->hashed);
  sqlite3_bind_int64 (events->hashed, 1, seq);
  if (stored_prev != NULL && stored_hash != NULL && sqlite3_step (events->hashed) == SQLITE_ROW)
    {
      MendFix fix;
      MendEventFields fields;

      mend_event_log_read_fields (events->hashed, 9, s->report->device_id, &fields, &fix);
      /* A purged event no longer holds the bytes its hash covers (mend_event_log_verify()). */
      if (sqlite3_column_int (events->hashed, 20))
        hash_ok = TRUE;
      else if (fields.id != NULL && fields.kind != NULL && fields.payload_json != NULL
               && s->report->device_id != NULL)
        {
          g_autofree char *recomputed = mend_event_hash (stored_prev, &fields);

          hash_ok = g_strcmp0 (recomputed, stored_hash) == 0;
        }
    }
  sqlite3_reset (events->hashed);
  links = events->previous_seq == seq - 1
          && g_strcmp0 (stored_prev, seq == 1 ? MEND_HASH_GENESIS : events->previous_hash) == 0;

  if (!hash_ok)
    s->report->events_bad_hash++;
  events->chain_sound = events->chain_sound && hash_ok && links;
  if (events->chain_sound)
    s->report->chain_sound_through = seq;
  events->previous_seq = seq;
  g_free (events->previous_hash);
  events->previous_hash = g_strdup (stored_hash);
  events->max_seq = MAX (events->max_seq, seq);

  if (g_strcmp0 (kind, "photo.taken") == 0)
    {
      const char *payload = json_object_get_string_member_with_default (object, "payload", NULL);
      g_autoptr (JsonParser) parser = json_parser_new ();

      if (payload != NULL && json_parser_load_from_data (parser, payload, -1, NULL)
          && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        note_photo (s, json_object_get_string_member_with_default (
                           json_node_get_object (json_parser_get_root (parser)), "sha256", NULL));
    }

  json_object_set_boolean_member (check, "hash_matches", hash_ok);
  json_object_set_boolean_member (check, "links_to_previous", links);
  json_object_set_object_member (object, "salvage", g_steal_pointer (&check));
  node = json_node_init_object (json_node_alloc (), object);
  out_file_line (events->out, node);
  s->report->events_read++;
}

/* The store's own identity and the chain's head, from the `device` row gathered. */
static gint64
read_device (Salvage *s)
{
  sqlite3_stmt *stmt = NULL;
  gint64 head_seq = 0;

  if (sqlite3_prepare_v2 (s->known->handle, "SELECT device_id, head_seq FROM device", -1, &stmt,
                          NULL)
          == SQLITE_OK
      && sqlite3_step (stmt) == SQLITE_ROW)
    {
      s->report->device_id = g_strdup ((const char *)sqlite3_column_text (stmt, 0));
      head_seq = sqlite3_column_int64 (stmt, 1);
    }
  else
    mend_salvage_problem (
        s, "The device's identity and the chain's head could not be read, so records "
           "lost from the end of the log cannot be counted and no hash can be checked.");
  sqlite3_finalize (stmt);
  return head_seq;
}

/* events.jsonl from the events gathered, each checked against the chain. */
static gboolean
write_events (Salvage *s, GError **error)
{
  g_autofree char *path = g_build_filename (s->out_dir, "events.jsonl", NULL);
  EventsData events = { .chain_sound = TRUE };
  sqlite3_stmt *scan = NULL;
  gint64 head_seq = read_device (s);
  gboolean ok;

  events.out = out_file_open (path, error);
  if (events.out == NULL)
    return FALSE;
  if (sqlite3_prepare_v2 (s->known->handle,
                          "SELECT " MEND_HASHED_COLUMNS ", " MEND_FIX_COLUMNS
                          ", purged_at IS NOT NULL FROM events WHERE seq = ?1",
                          -1, &events.hashed, NULL)
          == SQLITE_OK
      && sqlite3_prepare_v2 (s->known->handle, "SELECT rowid, * FROM events ORDER BY seq", -1,
                             &scan, NULL)
             == SQLITE_OK)
    while (sqlite3_step (scan) == SQLITE_ROW)
      event_row (s, scan, &events);
  sqlite3_finalize (scan);
  sqlite3_finalize (events.hashed);
  g_free (events.previous_hash);
  ok = out_file_close (events.out, error);

  s->report->events_expected = MAX (head_seq, events.max_seq);
  s->report->events_unreadable = s->report->events_expected - s->report->events_read;
  if (s->report->events_unreadable > 0)
    mend_salvage_problem (s,
                          "%" G_GINT64_FORMAT " of the %" G_GINT64_FORMAT
                          " records the store names could "
                          "not be read.",
                          s->report->events_unreadable, s->report->events_expected);
  if (s->events_from_pages > 0)
    mend_salvage_problem (s,
                          "%" G_GINT64_FORMAT
                          " records were read straight from the file's pages, past the "
                          "damage SQLite could not read through.",
                          s->events_from_pages);
  if (s->report->events_bad_hash > 0)
    mend_salvage_problem (s,
                          "%" G_GINT64_FORMAT
                          " records were read but no longer match their hash: they were "
                          "altered or damaged, and are marked so in events.jsonl.",
                          s->report->events_bad_hash);
  return ok;
}

static gboolean
salvage_table (Salvage *s, const char *table, gboolean without_rowid, GError **error)
{
  g_autofree char *file = g_strconcat (table, ".jsonl", NULL);
  g_autofree char *path = g_build_filename (s->out_dir, "tables", file, NULL);
  DumpData dump = { .table = table };
  TableRead read;

  dump.out = out_file_open (path, error);
  if (dump.out == NULL)
    return FALSE;
  if (without_rowid)
    read = read_plain_table (s, table, dump_row, &dump);
  else
    read = read_rowid_table (s, table, 0, dump_row, &dump);
  s->report->other_rows_read += read.read;
  if (read.damaged)
    {
      s->report->tables_damaged++;
      mend_salvage_problem (
          s, "The table %s is damaged: %" G_GINT64_FORMAT " rows were read, the rest were not.",
          table, read.read);
    }
  return out_file_close (dump.out, error);
}

/* Every table SQLite can still list: events and device into the fresh store, the others
 * straight to tables/. */
static gboolean
salvage_tables (Salvage *s, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  g_autoptr (GPtrArray) tables = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GArray) without_rowid = g_array_new (FALSE, FALSE, sizeof (gboolean));
  g_autofree char *tables_dir = g_build_filename (s->out_dir, "tables", NULL);
  int rc;

  if (sqlite3_prepare_v2 (s->db,
                          "SELECT name, sql LIKE '%WITHOUT ROWID%' FROM sqlite_schema"
                          " WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
                          -1, &stmt, NULL)
      == SQLITE_OK)
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
      {
        gboolean plain = sqlite3_column_int (stmt, 1) != 0;

        g_ptr_array_add (tables, g_strdup ((const char *)sqlite3_column_text (stmt, 0)));
        g_array_append_val (without_rowid, plain);
      }
  sqlite3_finalize (stmt);
  if (tables->len == 0)
    {
      mend_salvage_problem (
          s, "The store's list of tables could not be read: only the records and photos "
             "found on its pages were exported, not its reference rows (HQ has those).");
      return TRUE;
    }

  if (g_mkdir_with_parents (tables_dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "Could not create %s: %s",
                   tables_dir, g_strerror (saved));
      return FALSE;
    }
  /* Damage where no row is read from (an index, a free page) still means the file is not
   * sound: say so, so the summary never calls a damaged store whole. */
  if (sqlite3_prepare_v2 (s->db, "PRAGMA quick_check(3)", -1, &stmt, NULL) == SQLITE_OK)
    {
      g_autoptr (GString) verdict = g_string_new (NULL);

      while (sqlite3_step (stmt) == SQLITE_ROW)
        g_string_append_printf (verdict, "%s%s", verdict->len > 0 ? "; " : "",
                                (const char *)sqlite3_column_text (stmt, 0));
      if (g_strcmp0 (verdict->str, "ok") != 0)
        mend_salvage_problem (s, "SQLite's check of the file found damage: %s",
                              verdict->len > 0 ? verdict->str : "it could not finish");
    }
  sqlite3_finalize (stmt);
  keep_table (s, "device", 1);
  keep_table (s, "events", query_int (s, "SELECT head_seq FROM device", 0));
  for (guint i = 0; i < tables->len; i++)
    {
      const char *table = g_ptr_array_index (tables, i);

      if (!g_str_equal (table, "events")
          && !salvage_table (s, table, g_array_index (without_rowid, gboolean, i), error))
        return FALSE;
    }
  return TRUE;
}

static void
finalize_statement (gpointer statement)
{
  sqlite3_finalize (statement);
}

static gboolean
folder_is_empty_or_absent (const char *path, GError **error)
{
  g_autoptr (GDir) dir = NULL;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;
  dir = g_dir_open (path, 0, error);
  if (dir == NULL)
    return FALSE;
  if (g_dir_read_name (dir) != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                   "%s is not empty: export into a new folder so nothing is overwritten", path);
      return FALSE;
    }
  return TRUE;
}

/* Every event and device record on the copy's pages, past whatever SQLite could not read. */
static void
read_pages (Salvage *s, const char *copy)
{
  guint8 header[100] = { 0 };
  FILE *file = g_fopen (copy, "rbe");
  guint32 page_size = 4096, reserved = 0;

  if (file != NULL)
    {
      if (fread (header, 1, sizeof header, file) == sizeof header
          && memcmp (header, SQLITE_MAGIC, sizeof SQLITE_MAGIC) == 0)
        {
          page_size = ((guint32)header[16] << 8) | header[17];
          page_size = page_size == 1 ? 65536 : page_size;
          reserved = header[20];
        }
      fclose (file);
    }
  if (mend_salvage_read_pages (copy, page_size, reserved, page_record, s) == 0)
    mend_salvage_problem (s, "No page of the store file could be read as a page of rows.");
}

static void
remove_copy (const char *work)
{
  static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *path = g_strconcat (work, "/store.db", suffixes[i], NULL);

      g_unlink (path);
    }
  g_rmdir (work);
}

/* Everything read from the store file: the copy, SQLite's rows, the pages, events.jsonl. */
static gboolean
gather (Salvage *s, const char *store_path, const char *work, GError **error)
{
  g_autofree char *copy = g_build_filename (work, "store.db", NULL);
  g_autofree char *copy_wal = g_strconcat (copy, "-wal", NULL);
  g_autofree char *wal = g_strconcat (store_path, "-wal", NULL);
  g_autoptr (GError) local = NULL;
  gboolean have_wal, ok;
  char magic[sizeof SQLITE_MAGIC] = { 0 };

  if (!mend_salvage_check_wal (store_path, &local))
    {
      s->report->wal_damaged = TRUE;
      mend_salvage_problem (s, "%s SQLite reads the log up to its first damaged frame only.",
                            local->message);
      g_clear_error (&local);
    }
  have_wal = g_file_test (wal, G_FILE_TEST_IS_REGULAR);
  if (!mend_salvage_copy_file (store_path, copy, &local))
    {
      mend_salvage_problem (
          s, "The store file could not be copied, so none of its rows could be read: %s",
          local->message);
      g_clear_error (&local);
    }
  else
    {
      FILE *file = g_fopen (copy, "rbe");

      if (have_wal && !mend_salvage_copy_file (wal, copy_wal, &local))
        {
          s->report->wal_damaged = TRUE;
          mend_salvage_problem (s, "The write-ahead log could not be copied: %s", local->message);
          have_wal = FALSE;
          g_clear_error (&local);
        }
      if (file != NULL)
        {
          if (fread (magic, 1, sizeof magic, file) != sizeof magic)
            memset (magic, 0, sizeof magic);
          fclose (file);
        }
      ok = memcmp (magic, SQLITE_MAGIC, sizeof magic) == 0
           || mend_salvage_rebuild_header (s, copy, have_wal);
      if (ok && sqlite3_open_v2 (copy, &s->db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK)
        {
          /* Checks every cell's bounds as it is read, so garbage reads as an error, not as
           * rows; and the copy is never written by a query. */
          sqlite3_exec (s->db, "PRAGMA cell_size_check = ON; PRAGMA query_only = ON", NULL, NULL,
                        NULL);
          if (!salvage_tables (s, error))
            {
              sqlite3_close (s->db);
              s->db = NULL;
              remove_copy (work);
              return FALSE;
            }
        }
      else if (ok)
        mend_salvage_problem (s, "SQLite could not open the copy of the store: %s",
                              sqlite3_errmsg (s->db));
      /* Closing the copy moves what its log held into it, for the page reader. */
      sqlite3_close (s->db);
      s->db = NULL;
      read_pages (s, copy);
    }
  remove_copy (work);
  return write_events (s, error);
}

/**
 * mend_salvage_export:
 * @store_path: the damaged store; only read
 * @out_dir: a new or empty folder for the export
 *
 * Returns: (transfer full) (nullable): what was read and what was not; %NULL with @error when
 *   the export folder cannot be written.
 */
MendSalvageReport *
mend_salvage_export (const char *store_path, const char *out_dir, GError **error)
{
  g_autoptr (MendSalvageReport) report = g_new0 (MendSalvageReport, 1);
  g_autofree char *work = g_build_filename (out_dir, ".store-copy", NULL);
  g_autofree char *gathered = g_build_filename (work, "gathered.db", NULL);
  g_autoptr (GHashTable) named = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) purged = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) inserts
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, finalize_statement);
  Salvage s = { .out_dir = out_dir, .named_photos = named, .purged_photos = purged };
  gboolean ok;

  g_return_val_if_fail (store_path != NULL && out_dir != NULL, NULL);

  report->problems = g_ptr_array_new_with_free_func (g_free);
  s.report = report;
  s.known_inserts = inserts;
  if (!folder_is_empty_or_absent (out_dir, error))
    return NULL;
  if (g_mkdir_with_parents (work, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "Could not create %s: %s",
                   work, g_strerror (saved));
      return NULL;
    }

  /* The fresh store lives in the export folder, not in memory: a year of records is a
   * hundred megabytes. It needs no journal: it is thrown away whatever happens. */
  s.known = mend_db_open (gathered, FALSE, error);
  ok = s.known != NULL
       && mend_db_exec (s.known, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF", error)
       && mend_store_migrate (s.known, gathered, error);
  if (ok)
    {
      s.device_columns = known_columns (&s, "device");
      s.event_columns = known_columns (&s, "events");
      ok = gather (&s, store_path, work, error);
    }
  /* Statements before their connection, or SQLite will not close it. */
  g_hash_table_remove_all (inserts);
  g_clear_pointer (&s.known, mend_db_close);
  g_unlink (gathered);
  g_rmdir (work);
  if (!ok)
    return NULL;

  if (!mend_salvage_photos (&s, store_path, error))
    return NULL;
  if (!mend_salvage_write_summary (&s, store_path, error))
    return NULL;
  return g_steal_pointer (&report);
}
