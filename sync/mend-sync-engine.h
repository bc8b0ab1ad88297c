/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The device's side of sync (DESIGN.md section 6, sync/PROTOCOL.md): enrolment, then passes
 * that push events, then photos, then pull the manifest. A pass is one call; a scheduler
 * decides when to make it and watches its progress. */
#pragma once

#include <gio/gio.h>

#include "mend-store-sync.h"
#include "mend-store.h"
#include "mend-sync-error.h"

G_BEGIN_DECLS

/* Where a pass left things, from the most to the least urgent. */
typedef enum
{
  MEND_SYNC_STATE_COMPLETE, /* HQ holds everything; nothing was refused */
  MEND_SYNC_STATE_PARKED,   /* everything that can go went; HQ refused some, or photos cannot go */
  MEND_SYNC_STATE_WAITING,  /* something still waits: try again when the network allows */
  MEND_SYNC_STATE_REENROL,  /* HQ no longer accepts this device's token */
} MendSyncState;

/* What a pass has done and has still to do; counts of this pass only. */
typedef struct
{
  gint64 events_done;
  gint64 events_total;
  gint64 photos_done;
  gint64 photos_total;
  gint64 bytes_done; /* photo bytes HQ confirmed in this pass */
  gint64 bytes_total;
} MendSyncProgress;

typedef struct
{
  MendSyncState state;
  gint64 events_acknowledged; /* in this pass */
  gint64 events_parked;       /* in this pass */
  gint64 photos_uploaded;     /* in this pass */
  guint64 bytes_sent;         /* request bodies sent, whole or cut (headers not counted) */
  gboolean manifest_applied;
  gint64 purge_runs_sent; /* runs of purged records reported to HQ in this pass */
  char *stopped;          /* nullable: why the pass stopped before the end */
  guint retry_after_s;
  gboolean has_clock_skew;
  gint64 clock_skew_ms; /* device clock minus HQ's Date at the last exchange */
  gboolean clock_warning;
  MendSyncCounts *counts; /* the store after the pass */
} MendSyncReport;

#define MEND_SYNC_DEFAULT_BATCH 200
#define MEND_SYNC_CHUNK_BYTES   (512 * 1024)

#define MEND_TYPE_SYNC_ENGINE (mend_sync_engine_get_type ())

G_DECLARE_FINAL_TYPE (MendSyncEngine, mend_sync_engine, MEND, SYNC_ENGINE, GObject)

MendSyncEngine *mend_sync_engine_new (MendStore *store);
MendStore *mend_sync_engine_get_store (MendSyncEngine *self);
void mend_sync_engine_set_batch_size (MendSyncEngine *self, guint batch_size);
void mend_sync_engine_set_chunk_size (MendSyncEngine *self, gsize chunk_size);
void mend_sync_engine_set_timeouts (MendSyncEngine *self,
                                    guint connect_timeout_s,
                                    guint low_speed_time_s);
void mend_sync_engine_set_send_photos (MendSyncEngine *self, gboolean send_photos);
gboolean mend_sync_engine_is_running (MendSyncEngine *self);
const MendSyncProgress *mend_sync_engine_get_progress (MendSyncEngine *self);

void mend_sync_engine_enrol_async (MendSyncEngine *self,
                                   const char *hq_url,
                                   const char *code,
                                   const char *name,
                                   const char *ca_file,
                                   GCancellable *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data);
MendSyncEnrolment *
mend_sync_engine_enrol_finish (MendSyncEngine *self, GAsyncResult *result, GError **error);

void mend_sync_engine_run_async (MendSyncEngine *self,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data);
MendSyncReport *
mend_sync_engine_run_finish (MendSyncEngine *self, GAsyncResult *result, GError **error);

const char *mend_sync_state_to_string (MendSyncState state);
void mend_sync_report_free (MendSyncReport *report);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MendSyncReport, mend_sync_report_free)

G_END_DECLS
