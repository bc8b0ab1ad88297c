/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Retention: once HQ holds an event and every photo it names, and the configured days have
 * passed, the photo files and the event's personal fields are removed from the device and a
 * tombstone stays (data/README.md, "Retention"). Nothing HQ does not hold is ever purged. */
#pragma once

#include "mend-store.h"

G_BEGIN_DECLS

#define MEND_RETENTION_DEFAULT_DAYS 7

typedef struct
{
  gint64 events;      /* events purged now (or that would be, for a dry run) */
  gint64 photos;      /* photo files removed (or that would be) */
  gint64 photo_bytes; /* their size */
  gint64 unsent_kept; /* events older than the cut-off that HQ does not hold: kept */
  gboolean vacuumed;  /* the file was rewritten, so purged bytes are gone from it */
} MendRetentionResult;

gint64 mend_store_retention_cutoff (gint64 now_ms, guint days);
gboolean mend_store_retention_purge (MendStore *self,
                                     gint64 cutoff_ms,
                                     gboolean dry_run,
                                     MendRetentionResult *out_result,
                                     GError **error);

G_END_DECLS
