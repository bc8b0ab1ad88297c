/* SPDX-License-Identifier: GPL-3.0-or-later */
/* MendCamera on a thread of its own, so the window never waits for a camera. MendCamera runs
 * on the main context of the thread that starts it and waits there (up to
 * MEND_CAMERA_TIMEOUT_S) for the pipeline to play; this runs that thread, and brings preview
 * frames, stills and errors back to the main context. */
#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gio/gio.h>

G_BEGIN_DECLS

#define MEND_TYPE_CAMERA_WORKER (mend_camera_worker_get_type ())

G_DECLARE_FINAL_TYPE (MendCameraWorker, mend_camera_worker, MEND, CAMERA_WORKER, GObject)

/* Signals, on the main context: "preview" (GdkPixbuf *frame), "error" (GError *error: the
 * camera stopped). */
MendCameraWorker *mend_camera_worker_new (const char *source);
void mend_camera_worker_start_async (MendCameraWorker *self,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data);
gboolean
mend_camera_worker_start_finish (MendCameraWorker *self, GAsyncResult *result, GError **error);
void mend_camera_worker_capture_async (MendCameraWorker *self,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer user_data);
GdkPixbuf *
mend_camera_worker_capture_finish (MendCameraWorker *self, GAsyncResult *result, GError **error);
/* Stops the camera on its thread; returns at once. */
void mend_camera_worker_stop (MendCameraWorker *self);
gboolean mend_camera_worker_get_running (MendCameraWorker *self);

G_END_DECLS
