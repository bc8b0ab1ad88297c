/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A damaged store: noticing it before SQLite quietly drops what it cannot read, and exporting
 * whatever can still be read to a folder HQ can take in (data/README.md, "A damaged store").
 * Never writes to the damaged store. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What an export read and what it could not. */
typedef struct
{
  char *device_id;            /* NULL when the device row could not be read */
  gint64 events_read;         /* event rows written to events.jsonl */
  gint64 events_expected;     /* the highest seq the store names (head or last row) */
  gint64 events_unreadable;   /* seqs up to events_expected with no readable row */
  gint64 chain_sound_through; /* events 1 … N read, and each hash and link verified */
  gint64 events_bad_hash;     /* rows read whose contents no longer match their hash */
  gint64 other_rows_read;     /* rows of every other table, in tables/ */
  guint tables_damaged;       /* tables where some rows could not be read */
  guint photos_copied;        /* files whose bytes still hash to their name */
  guint photos_altered;       /* files that no longer hash to their name (not copied) */
  guint photos_missing;       /* photos a readable row or event names with no file */
  gboolean header_rebuilt;    /* the file's first 100 bytes were unreadable */
  gboolean wal_damaged;       /* the write-ahead log could not be read (wholly or in part) */
  GPtrArray *problems;        /* sentences, one per thing that could not be read */
} MendSalvageReport;

void mend_salvage_report_free (MendSalvageReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MendSalvageReport, mend_salvage_report_free)

/* Whether @store_path's write-ahead log holds committed records SQLite would skip (a garbled
 * header or frame): %FALSE with MEND_STORE_ERROR_CORRUPT then. A missing or empty log, or a
 * crash's torn last transaction, is sound. */
gboolean mend_salvage_check_wal (const char *store_path, GError **error);

/* SQLite's quick check of every page of the store, on a read-only connection of its own: %FALSE
 * with MEND_STORE_ERROR_CORRUPT naming the damage. Reads the whole file; call it off the main
 * thread. */
gboolean mend_salvage_quick_check (const char *store_path, GError **error);

/* Writes what can be read of the store at @store_path into @out_dir (created; it must not
 * exist or be empty): events.jsonl, tables/<table>.jsonl, photos/<aa>/<sha256>.jpg,
 * summary.json and SUMMARY.txt. Returns the report, or %NULL only when @out_dir cannot be
 * written. The store and its files are only read. */
MendSalvageReport *
mend_salvage_export (const char *store_path, const char *out_dir, GError **error);

/* One or two sentences for a person: what the export holds and what it lacks. */
char *mend_salvage_report_describe (const MendSalvageReport *report);

G_END_DECLS
