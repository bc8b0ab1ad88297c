/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A session's photos: a live camera preview, capture as Before, After or Evidence, and the
 * session's thumbnails, each with a badge saying whether it carries a GPS position. */
#pragma once

#include <gtk/gtk.h>

#include "mend-recorder.h"

G_BEGIN_DECLS

#define MEND_TYPE_PHOTO_PANEL (mend_photo_panel_get_type ())

G_DECLARE_FINAL_TYPE (MendPhotoPanel, mend_photo_panel, MEND, PHOTO_PANEL, GtkWidget)

void mend_photo_panel_setup (MendPhotoPanel *self, MendRecorder *recorder, GSettings *settings);
void mend_photo_panel_set_session (MendPhotoPanel *self, const char *session_id, gboolean running);
gboolean mend_photo_panel_get_camera_on (MendPhotoPanel *self);
gboolean mend_photo_panel_get_camera_starting (MendPhotoPanel *self);
guint mend_photo_panel_get_n_thumbnails (MendPhotoPanel *self);
/* Captures in progress, from the tap to the record; tests wait for zero. */
guint mend_photo_panel_get_n_busy (MendPhotoPanel *self);
/* What the last capture's toast said when it failed, or "". */
const char *mend_photo_panel_get_message (MendPhotoPanel *self);

G_END_DECLS
