/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Enrol: the HQ address and the one-time code from HQ, typed in large fields; the sync
 * engine exchanges the code for the device's token (HTTPS unless HQ is on loopback; refused
 * on a demo store) and the store keeps the enrolment, the one record of where HQ is. */
#pragma once

#include <gtk/gtk.h>

#include "mend-sync-scheduler.h"

G_BEGIN_DECLS

#define MEND_TYPE_ENROL_PAGE (mend_enrol_page_get_type ())

G_DECLARE_FINAL_TYPE (MendEnrolPage, mend_enrol_page, MEND, ENROL_PAGE, GtkWidget)

void mend_enrol_page_setup (MendEnrolPage *self, MendSyncScheduler *scheduler, GSettings *settings);
void mend_enrol_page_load (MendEnrolPage *self);
void mend_enrol_page_set_text (MendEnrolPage *self, const char *hq_url, const char *code);
const char *mend_enrol_page_get_message (MendEnrolPage *self);
gboolean mend_enrol_page_get_busy (MendEnrolPage *self);

G_END_DECLS
