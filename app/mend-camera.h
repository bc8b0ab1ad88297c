/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The camera: a GStreamer pipeline from a configurable source, giving preview frames for the
 * UI to paint and a full-resolution still on request. GLib + GStreamer; no GTK. */
#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gio/gio.h>

G_BEGIN_DECLS

#define MEND_CAMERA_DEFAULT_SOURCE "v4l2src"

#define MEND_TYPE_CAMERA (mend_camera_get_type ())

G_DECLARE_FINAL_TYPE (MendCamera, mend_camera, MEND, CAMERA, GObject)

/* @source: a GStreamer source description such as "v4l2src", "libcamerasrc",
 * "pipewiresrc" or "videotestsrc pattern=ball"; NULL for MEND_CAMERA_DEFAULT_SOURCE. */
MendCamera *mend_camera_new (const char *source);
const char *mend_camera_get_source (MendCamera *self);

/* Starts the pipeline on the thread-default main context. Errors (a missing or failing
 * camera) come back as MEND_PHOTO_ERROR_CAMERA, here or later through the "error" signal. */
gboolean mend_camera_start (MendCamera *self, GError **error);
void mend_camera_stop (MendCamera *self);
gboolean mend_camera_is_running (MendCamera *self);

/* The newest preview frame (small, RGB), or NULL before the first one. The "preview" signal
 * says a new one is there. */
GdkPixbuf *mend_camera_get_preview (MendCamera *self);

/* The next full-resolution frame as a still. */
void mend_camera_capture_async (MendCamera *self,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data);
GdkPixbuf *mend_camera_capture_finish (MendCamera *self, GAsyncResult *result, GError **error);

G_END_DECLS
