/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define MEND_TYPE_DAMAGED_WINDOW (mend_damaged_window_get_type ())

G_DECLARE_FINAL_TYPE (MendDamagedWindow,
                      mend_damaged_window,
                      MEND,
                      DAMAGED_WINDOW,
                      AdwApplicationWindow)

/* What `mend` shows instead of its window when the store is damaged: the problem in plain
 * words and "Export what can be read" (mend_salvage_export()), into a new folder beside the
 * store. @app: (nullable): tests make windows without an application. */
MendDamagedWindow *
mend_damaged_window_new (GtkApplication *app, const char *store_path, const GError *problem);
/* The folder the last export wrote, or NULL while none has finished. */
const char *mend_damaged_window_get_export_folder (MendDamagedWindow *self);
gboolean mend_damaged_window_get_exporting (MendDamagedWindow *self);
const char *mend_damaged_window_get_status_text (MendDamagedWindow *self);

G_END_DECLS
