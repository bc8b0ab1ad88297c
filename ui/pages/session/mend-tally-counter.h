/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One tally category of a session: its total between big − and + buttons. (MendTallyRow is
 * the store's row for the same category, hence the widget's name.) */
#pragma once

#include <gtk/gtk.h>

#include "mend-rows.h"

G_BEGIN_DECLS

#define MEND_TYPE_TALLY_COUNTER (mend_tally_counter_get_type ())

G_DECLARE_FINAL_TYPE (MendTallyCounter, mend_tally_counter, MEND, TALLY_COUNTER, GtkWidget)

GtkWidget *mend_tally_counter_new (const MendTallyRow *row);
void mend_tally_counter_update (MendTallyCounter *self, gint64 total, gboolean running);
const char *mend_tally_counter_get_category (MendTallyCounter *self);
gint64 mend_tally_counter_get_total (MendTallyCounter *self);

G_END_DECLS
