/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Correct: a person's records, newest first; any live one can be voided with a reason. */
#pragma once

#include <gtk/gtk.h>

#include "mend-recorder.h"

G_BEGIN_DECLS

#define MEND_TYPE_CORRECT_PAGE (mend_correct_page_get_type ())

G_DECLARE_FINAL_TYPE (MendCorrectPage, mend_correct_page, MEND, CORRECT_PAGE, GtkWidget)

void mend_correct_page_set_recorder (MendCorrectPage *self, MendRecorder *recorder);
/* @label: the name the roster shows (the case reference for restricted people). */
void mend_correct_page_load (MendCorrectPage *self, const char *participant_id, const char *label);
void mend_correct_page_set_reason (MendCorrectPage *self, const char *reason);
const char *mend_correct_page_get_message (MendCorrectPage *self);
char *mend_correct_page_dup_history_text (MendCorrectPage *self);
guint mend_correct_page_get_n_records (MendCorrectPage *self);
gboolean mend_correct_page_get_busy (MendCorrectPage *self);

G_END_DECLS
