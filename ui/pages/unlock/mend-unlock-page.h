/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unlock: choose your name, type your PIN. Wrong PINs are recorded in the store, and from the
 * third on each one makes the keypad wait longer before the next try, across restarts. */
#pragma once

#include <gtk/gtk.h>

#include "mend-recorder.h"

G_BEGIN_DECLS

/* How many wrong PINs are free and how the wait grows is the store's rule
 * (data/mend-store-lockout.h), which also records them. */
#define MEND_UNLOCK_PIN_MAX 12

#define MEND_TYPE_UNLOCK_PAGE (mend_unlock_page_get_type ())

G_DECLARE_FINAL_TYPE (MendUnlockPage, mend_unlock_page, MEND, UNLOCK_PAGE, GtkWidget)

void mend_unlock_page_set_recorder (MendUnlockPage *self, MendRecorder *recorder);
/* Back to the list of names, the PIN cleared; wrong tries stay counted. */
void mend_unlock_page_reset (MendUnlockPage *self);
guint mend_unlock_page_get_failures (MendUnlockPage *self);
/* Seconds until the keypad takes another PIN; 0 when it takes one now. */
guint mend_unlock_page_get_wait_seconds (MendUnlockPage *self);
/* Whether a PIN is being checked (the check is slow on purpose, so it runs off the main
 * thread). */
gboolean mend_unlock_page_get_busy (MendUnlockPage *self);
guint mend_unlock_page_get_pin_length (MendUnlockPage *self);
void mend_unlock_page_refresh (MendUnlockPage *self);
void mend_unlock_page_set_can_enrol (MendUnlockPage *self, gboolean can_enrol);
/* Whether the page offers Enrol this device: no supervisors, never enrolled, not the demo. */
gboolean mend_unlock_page_get_offers_enrol (MendUnlockPage *self);
/* The line under the list when there is nobody to choose, or NULL. */
const char *mend_unlock_page_get_people_message (MendUnlockPage *self);
GStrv mend_unlock_page_dup_supervisor_names (MendUnlockPage *self);

G_END_DECLS
