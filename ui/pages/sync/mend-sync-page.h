/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Sync: what waits to go to HQ (records, photos, bytes), the last success, and refusals, read
 * through MendSyncStatus so the sync engine can stand behind it. */
#pragma once

#include <gtk/gtk.h>

#include "mend-sync-status.h"

G_BEGIN_DECLS

#define MEND_TYPE_SYNC_PAGE (mend_sync_page_get_type ())

G_DECLARE_FINAL_TYPE (MendSyncPage, mend_sync_page, MEND, SYNC_PAGE, GtkWidget)

void mend_sync_page_set_sync_status (MendSyncPage *self, MendSyncStatus *status);
void mend_sync_page_refresh (MendSyncPage *self);
const char *mend_sync_page_get_events_text (MendSyncPage *self);
const char *mend_sync_page_get_photos_text (MendSyncPage *self);

G_END_DECLS
