/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One person on the session's roster: who (case reference only when restricted), hours still
 * owed, state, time on site, and the one action that fits the state. (MendRosterRow is the
 * store's row for the same person, hence the widget's name.) */
#pragma once

#include <gtk/gtk.h>

#include "mend-rows.h"

G_BEGIN_DECLS

#define MEND_TYPE_PERSON_ROW (mend_person_row_get_type ())

G_DECLARE_FINAL_TYPE (MendPersonRow, mend_person_row, MEND, PERSON_ROW, GtkWidget)

GtkWidget *mend_person_row_new (const char *participant_id);
/* @running: whether the session is running, so records can be made. @busy: a record about
 * this person is being saved; the buttons wait for it. */
void mend_person_row_update (MendPersonRow *self,
                             const MendRosterRow *data,
                             gboolean running,
                             gboolean busy);
/* Time on site, from the arrival to @now_ms; called once a minute. */
void mend_person_row_set_busy (MendPersonRow *self, gboolean busy);
void mend_person_row_tick (MendPersonRow *self, gint64 now_ms);
const char *mend_person_row_get_participant_id (MendPersonRow *self);
MendAttendanceState mend_person_row_get_state (MendPersonRow *self);
const char *mend_person_row_get_label (MendPersonRow *self);
const char *mend_person_row_get_time_text (MendPersonRow *self);

G_END_DECLS
