/* SPDX-License-Identifier: GPL-3.0-or-later */
/* When the device syncs (DESIGN.md section 6, sync/README.md "Scheduler"): a pass at start, a
 * few seconds after new events, when the network comes back, periodically while anything
 * waits, and on Sync now; exponential backoff with jitter while HQ cannot be reached; photos
 * only on an unmetered network unless allowed; the retention purge after a good pass. */
#pragma once

#include <gio/gio.h>

#include "mend-store-retention.h"
#include "mend-sync-engine.h"

G_BEGIN_DECLS

typedef enum
{
  MEND_SYNC_SCHEDULER_IDLE,         /* nothing waits that a pass could send now */
  MEND_SYNC_SCHEDULER_SCHEDULED,    /* a pass is due (new events, periodic, start) */
  MEND_SYNC_SCHEDULER_RUNNING,      /* a pass is running */
  MEND_SYNC_SCHEDULER_BACKOFF,      /* HQ could not be reached: trying again later */
  MEND_SYNC_SCHEDULER_OFFLINE,      /* no network: waiting for one */
  MEND_SYNC_SCHEDULER_REENROL,      /* HQ refused the token: stopped until enrolled again */
  MEND_SYNC_SCHEDULER_NOT_ENROLLED, /* never enrolled, or the token file is gone */
  MEND_SYNC_SCHEDULER_STOPPED,      /* not started, or stopped */
} MendSyncSchedulerState;

/* The wall clock, UTC ms: injectable so tests can move it (retention's cut-off). */
typedef gint64 (*MendSyncClockFunc) (gpointer user_data);

#define MEND_SYNC_DEBOUNCE_MS       (3 * 1000)
#define MEND_SYNC_PERIODIC_MS       (5 * 60 * 1000)
#define MEND_SYNC_NETWORK_SETTLE_MS 1000

#define MEND_TYPE_SYNC_SCHEDULER (mend_sync_scheduler_get_type ())

G_DECLARE_FINAL_TYPE (MendSyncScheduler, mend_sync_scheduler, MEND, SYNC_SCHEDULER, GObject)

MendSyncScheduler *mend_sync_scheduler_new (MendSyncEngine *engine, GNetworkMonitor *monitor);

MendSyncEngine *mend_sync_scheduler_get_engine (MendSyncScheduler *self);
void mend_sync_scheduler_set_clock (MendSyncScheduler *self,
                                    MendSyncClockFunc clock,
                                    gpointer user_data);
void mend_sync_scheduler_set_seed (MendSyncScheduler *self, guint32 seed);
void mend_sync_scheduler_set_timing (MendSyncScheduler *self,
                                     guint debounce_ms,
                                     guint periodic_ms,
                                     guint network_settle_ms,
                                     guint64 backoff_base_ms,
                                     guint64 backoff_cap_ms);
void mend_sync_scheduler_set_photos_on_metered (MendSyncScheduler *self, gboolean allowed);
gboolean mend_sync_scheduler_get_photos_on_metered (MendSyncScheduler *self);
void mend_sync_scheduler_set_retention_days (MendSyncScheduler *self, guint days);
guint mend_sync_scheduler_get_retention_days (MendSyncScheduler *self);

void mend_sync_scheduler_start (MendSyncScheduler *self);
void mend_sync_scheduler_stop (MendSyncScheduler *self);
void mend_sync_scheduler_notify_new_events (MendSyncScheduler *self);
void mend_sync_scheduler_sync_now (MendSyncScheduler *self);

MendSyncSchedulerState mend_sync_scheduler_get_state (MendSyncScheduler *self);
guint mend_sync_scheduler_get_failures (MendSyncScheduler *self);
guint64 mend_sync_scheduler_get_next_delay_ms (MendSyncScheduler *self);
gint64 mend_sync_scheduler_get_last_success (MendSyncScheduler *self);
gboolean mend_sync_scheduler_get_clock_warning (MendSyncScheduler *self);
const char *mend_sync_scheduler_get_last_error (MendSyncScheduler *self);
const MendSyncCounts *mend_sync_scheduler_get_counts (MendSyncScheduler *self);
gboolean mend_sync_scheduler_get_photos_held (MendSyncScheduler *self);

const char *mend_sync_scheduler_state_to_string (MendSyncSchedulerState state);

G_END_DECLS
