/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A session: start it (GPS against the boundary), the roster, tallies, photos, and the end. */
#pragma once

#include <gtk/gtk.h>

#include "mend-recorder.h"

G_BEGIN_DECLS

#define MEND_TYPE_SESSION_PAGE (mend_session_page_get_type ())

G_DECLARE_FINAL_TYPE (MendSessionPage, mend_session_page, MEND, SESSION_PAGE, GtkWidget)

void mend_session_page_setup (MendSessionPage *self, MendRecorder *recorder, GSettings *settings);
void mend_session_page_set_session (MendSessionPage *self, const char *session_id);
const char *mend_session_page_get_session (MendSessionPage *self);
void mend_session_page_refresh (MendSessionPage *self);
/* The inline message under the session's header: a refusal, the GPS verdict, the summary. */
void mend_session_page_set_reason (MendSessionPage *self, const char *reason);
gboolean mend_session_page_get_reason_shown (MendSessionPage *self);
const char *mend_session_page_get_message (MendSessionPage *self);
GtkWidget *mend_session_page_get_person_row (MendSessionPage *self, const char *participant_id);
GtkWidget *mend_session_page_get_photo_panel (MendSessionPage *self);

G_END_DECLS
