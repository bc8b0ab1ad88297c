/* SPDX-License-Identifier: GPL-3.0-or-later */
/* MendSyncStatus from the store alone: what waits, counted on a thread once the window has
 * drawn its first frame and again shortly after records land. It cannot send anything, and
 * says so. */
#pragma once

#include "mend-recorder.h"
#include "mend-sync-status.h"

G_BEGIN_DECLS

#define MEND_TYPE_STORE_SYNC_STATUS (mend_store_sync_status_get_type ())

G_DECLARE_FINAL_TYPE (MendStoreSyncStatus, mend_store_sync_status, MEND, STORE_SYNC_STATUS, GObject)

MendSyncStatus *mend_store_sync_status_new (MendRecorder *recorder);

G_END_DECLS
