/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Today: a card per session of the day, a status line for GPS and what waits to sync, and a
 * warning when the data folder is not on an encrypted disk. */
#pragma once

#include <gtk/gtk.h>

#include "mend-recorder.h"
#include "mend-storage-check.h"
#include "mend-sync-status.h"

G_BEGIN_DECLS

#define MEND_TYPE_TODAY_PAGE (mend_today_page_get_type ())

G_DECLARE_FINAL_TYPE (MendTodayPage, mend_today_page, MEND, TODAY_PAGE, GtkWidget)

void mend_today_page_setup (MendTodayPage *self, MendRecorder *recorder, MendSyncStatus *status);
void mend_today_page_refresh (MendTodayPage *self);
guint mend_today_page_get_n_cards (MendTodayPage *self);
const char *mend_today_page_get_status_text (MendTodayPage *self);
/* The storage check's verdict: a warning unless the data is encrypted. */
void mend_today_page_set_storage (MendTodayPage *self, MendStorageVerdict verdict);
/* The warning's title while it is shown, or NULL. */
const char *mend_today_page_get_storage_warning (MendTodayPage *self);

G_END_DECLS
