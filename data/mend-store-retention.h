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

/* A run of events purged together: seqs @first_seq to @last_seq, all purged at @purged_at_ms.
 * What the device tells HQ about its purges (sync/PROTOCOL.md section 14). */
typedef struct
{
  gint64 first_seq;
  gint64 last_seq;
  gint64 purged_at_ms;
} MendPurgeRange;

gint64 mend_store_retention_cutoff (gint64 now_ms, guint days);
gboolean mend_store_retention_purge (MendStore *self,
                                     gint64 cutoff_ms,
                                     gboolean dry_run,
                                     MendRetentionResult *out_result,
                                     GError **error);
gboolean mend_store_retention_count_purged (MendStore *self, gint64 *out_events, GError **error);
GArray *mend_store_retention_purged_ranges (MendStore *self, GError **error);

G_END_DECLS
