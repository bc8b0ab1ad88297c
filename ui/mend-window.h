/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "mend-recorder.h"
#include "mend-sync-scheduler.h"
#include "mend-sync-status.h"

G_BEGIN_DECLS

#define MEND_TYPE_WINDOW (mend_window_get_type ())

G_DECLARE_FINAL_TYPE (MendWindow, mend_window, MEND, WINDOW, AdwApplicationWindow)

/* @app: (nullable): tests make windows without an application. */
MendWindow *mend_window_new (GtkApplication *app,
                             MendRecorder *recorder,
                             MendSyncStatus *sync_status,
                             GSettings *settings);
gboolean mend_window_get_locked (MendWindow *self);
void mend_window_lock (MendWindow *self);
void mend_window_set_scheduler (MendWindow *self, MendSyncScheduler *scheduler);
void mend_window_check_idle (MendWindow *self, gint64 now_us);
/* The page shown in the main area: "today", "session", "check-out", "correct", "sync",
 * "enrol", "settings"; while locked "unlock", or "first-enrol" when a device with no
 * supervisors is being enrolled from the Unlock page. */
const char *mend_window_get_visible_page (MendWindow *self);
GtkWidget *mend_window_get_page (MendWindow *self, const char *name);
/* Whether the store's folder is on an encrypted disk, checked off the main thread; the Today
 * and Settings pages warn when it is not. mend_window_new() starts it on the real sysfs; a test
 * may run it again on a sysfs tree of its own (@sys_root). */
void mend_window_check_storage (MendWindow *self, const char *sys_root);
gboolean mend_window_get_storage_checking (MendWindow *self);

G_END_DECLS
