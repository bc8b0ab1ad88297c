/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Check out: outcome, times, penalty, ratings, notes, then a review of the hours credited
 * (the shared rule in data/) before it is saved. */
#pragma once

#include <gtk/gtk.h>

#include "mend-recorder.h"

G_BEGIN_DECLS

/* How far one tap on a time or penalty stepper moves it, in minutes. */
#define MEND_CHECK_OUT_STEP_MINUTES 5

#define MEND_TYPE_CHECK_OUT_PAGE (mend_check_out_page_get_type ())

G_DECLARE_FINAL_TYPE (MendCheckOutPage, mend_check_out_page, MEND, CHECK_OUT_PAGE, GtkWidget)

void mend_check_out_page_set_recorder (MendCheckOutPage *self, MendRecorder *recorder);
/* Prefills the form for this person: arrival at the check-in, finish now. A form already
 * filled in for the same person is kept as it was. */
void mend_check_out_page_load (MendCheckOutPage *self,
                               const char *session_id,
                               const char *participant_id);
gint64 mend_check_out_page_get_arrived_at (MendCheckOutPage *self);
gint64 mend_check_out_page_get_finished_at (MendCheckOutPage *self);
/* The minutes the review shows, from mend_rules_minutes_credited(); -1 before a review. */
int mend_check_out_page_get_review_minutes (MendCheckOutPage *self);
const char *mend_check_out_page_get_message (MendCheckOutPage *self);
void mend_check_out_page_set_notes (MendCheckOutPage *self, const char *notes);
void mend_check_out_page_set_alert_details (MendCheckOutPage *self, const char *details);
gboolean mend_check_out_page_get_alert_details_shown (MendCheckOutPage *self);
gboolean mend_check_out_page_get_saving (MendCheckOutPage *self);

G_END_DECLS
