/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Sync: what waits to go to HQ (records, photos, bytes), a pass's progress with an estimate,
 * the last success, records HQ refused with its reasons, a clock warning, and Sync now. The
 * counts come through MendSyncStatus (off the main thread); the rest from the scheduler,
 * when the app has one. */
#pragma once

#include <gtk/gtk.h>

#include "mend-sync-scheduler.h"
#include "mend-sync-status.h"

G_BEGIN_DECLS

#define MEND_TYPE_SYNC_PAGE (mend_sync_page_get_type ())

G_DECLARE_FINAL_TYPE (MendSyncPage, mend_sync_page, MEND, SYNC_PAGE, GtkWidget)

void mend_sync_page_set_sync_status (MendSyncPage *self, MendSyncStatus *status);
void mend_sync_page_set_scheduler (MendSyncPage *self, MendSyncScheduler *scheduler);
void mend_sync_page_refresh (MendSyncPage *self);
const char *mend_sync_page_get_events_text (MendSyncPage *self);
const char *mend_sync_page_get_photos_text (MendSyncPage *self);
const char *mend_sync_page_get_state_text (MendSyncPage *self);
const char *mend_sync_page_get_last_text (MendSyncPage *self);
char *mend_sync_page_dup_parked_text (MendSyncPage *self);
gboolean mend_sync_page_get_clock_warning_shown (MendSyncPage *self);

G_END_DECLS
