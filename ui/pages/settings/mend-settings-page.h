/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Settings: gpsd address, camera source, photo size, lock time and storage encryption, HQ
 * address; and About. */
#pragma once

#include <gtk/gtk.h>

#include "mend-storage-check.h"

G_BEGIN_DECLS

#define MEND_TYPE_SETTINGS_PAGE (mend_settings_page_get_type ())

G_DECLARE_FINAL_TYPE (MendSettingsPage, mend_settings_page, MEND, SETTINGS_PAGE, GtkWidget)

void mend_settings_page_set_settings (MendSettingsPage *self, GSettings *settings);
/* For tests: type into the field of a key ("gpsd-address", "camera-source"). */
void mend_settings_page_set_text (MendSettingsPage *self, const char *key, const char *text);
const char *mend_settings_page_get_message (MendSettingsPage *self);

GtkWidget *mend_settings_page_get_metered_switch (MendSettingsPage *self);
/* The storage check's verdict and its detail: what protects the data, or a warning. */
void mend_settings_page_set_storage (MendSettingsPage *self,
                                     MendStorageVerdict verdict,
                                     const char *detail);
const char *mend_settings_page_get_storage_text (MendSettingsPage *self);
gboolean mend_settings_page_get_storage_warns (MendSettingsPage *self);

G_END_DECLS
