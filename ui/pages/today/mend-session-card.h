/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One session on the Today page: site, time, and how many people are expected, on site and
 * done. The whole card is one button that opens the session. */
#pragma once

#include <gtk/gtk.h>

#include "mend-rows.h"

G_BEGIN_DECLS

#define MEND_TYPE_SESSION_CARD (mend_session_card_get_type ())

G_DECLARE_FINAL_TYPE (MendSessionCard, mend_session_card, MEND, SESSION_CARD, GtkWidget)

GtkWidget *mend_session_card_new (const MendSessionRow *session);

G_END_DECLS
