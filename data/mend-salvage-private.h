/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the salvage files share: records read straight off a store file's pages. */
#pragma once

#include <sqlite3.h>

#include "mend-db.h"
#include "mend-salvage.h"

G_BEGIN_DECLS

typedef enum
{
  MEND_SALVAGE_NULL,
  MEND_SALVAGE_INTEGER,
  MEND_SALVAGE_FLOAT,
  MEND_SALVAGE_TEXT,
  MEND_SALVAGE_BLOB,
} MendSalvageType;

/* One value of a record; text and blobs point into the page read, valid during the call. */
typedef struct
{
  MendSalvageType type;
  gint64 integer;
  double real;
  const guint8 *bytes;
  gsize length;
} MendSalvageValue;

typedef void (*MendSalvageRecordFunc) (gint64 rowid,
                                       const MendSalvageValue *values,
                                       guint n_values,
                                       guint32 page,
                                       gpointer user_data);

/* One export under way (mend-salvage.c). */
typedef struct
{
  sqlite3 *db; /* the copy of the store, when SQLite can open it */
  const char *out_dir;
  MendSalvageReport *report;
  /* sha256s of photos a readable row or event names. */
  GHashTable *named_photos;
  /* sha256s of photo rows purged by retention: their files are gone on purpose. */
  GHashTable *purged_photos;
  /* A fresh store made by the migrations in the export folder: where events and the device
   * row are gathered. */
  MendDb *known;
  GHashTable *known_inserts;
  int device_columns;
  int event_columns;
  gint64 events_from_pages;
} MendSalvage;

/* mend-salvage.c */
void mend_salvage_problem (MendSalvage *s, const char *format, ...) G_GNUC_PRINTF (2, 3);
gboolean mend_salvage_write_text (const char *path, const char *text, GError **error);

/* mend-salvage-files.c */
gboolean mend_salvage_copy_file (const char *from, const char *to, GError **error);
gboolean mend_salvage_photos (MendSalvage *s, const char *store_path, GError **error);
gboolean mend_salvage_rebuild_header (MendSalvage *s, const char *copy, gboolean with_wal);
gboolean mend_salvage_write_summary (MendSalvage *s, const char *store_path, GError **error);

/* mend-salvage-pages.c */
guint mend_salvage_read_pages (const char *path,
                               guint32 page_size,
                               guint32 reserved,
                               MendSalvageRecordFunc func,
                               gpointer user_data);

G_END_DECLS
