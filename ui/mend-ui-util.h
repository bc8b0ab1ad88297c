/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Small helpers the pages share: times and durations as a supervisor reads them, errors in
 * plain words, toasts. */
#pragma once

#include <gtk/gtk.h>

#include "mend-rows.h"

G_BEGIN_DECLS

char *mend_ui_format_clock (gint64 utc_ms);
char *mend_ui_format_minutes (gint64 minutes);
const char *mend_ui_person_label (const MendRosterRow *row);
const char *mend_ui_event_kind_label (MendEventKind kind);
const char *mend_ui_attendance_label (MendAttendanceState state);
char *mend_ui_error_message (const GError *error);
void mend_ui_unparent_children (GtkWidget *widget);
void mend_ui_toast (GtkWidget *widget, const char *message);
void mend_ui_set_named_label (GtkLabel *label, const char *text, const char *name);

G_END_DECLS
