/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The camera: a GStreamer pipeline from a configurable source, giving preview frames for the
 * UI to paint and a full-resolution still on request. GLib + GStreamer; no GTK.
 *
 * Everything happens on the thread-default main context that was current when
 * mend_camera_start() was called: call the camera from that thread, and its signals come
 * there. Signals:
 *
 * - "preview" (GdkPixbuf *frame): a new preview frame, at most MEND_CAMERA_PREVIEW_SIZE pixels
 *   on either side, RGB. Frames the main loop is too busy to take are skipped, not queued.
 * - "error" (GError *error): the running camera failed (unplugged, its stream ended); the
 *   camera has already stopped, so a handler may start it again. MEND_PHOTO_ERROR_CAMERA.
 *
 * Sources should be live, as cameras are: a source that is not (such as videotestsrc without
 * is-live=true) runs as fast as the CPU allows. */
#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gio/gio.h>

G_BEGIN_DECLS

#define MEND_CAMERA_DEFAULT_SOURCE "v4l2src"
#define MEND_CAMERA_PREVIEW_SIZE   320 /* the preview's longest side at most, in pixels */
#define MEND_CAMERA_TIMEOUT_S      5   /* for the pipeline to start, and for a still to come */

#define MEND_TYPE_CAMERA (mend_camera_get_type ())

G_DECLARE_FINAL_TYPE (MendCamera, mend_camera, MEND, CAMERA, GObject)

/* @source: a GStreamer source description such as "v4l2src", "libcamerasrc",
 * "pipewiresrc" or "videotestsrc pattern=ball"; NULL for MEND_CAMERA_DEFAULT_SOURCE. It may be
 * a chain ending in raw video, such as "v4l2src ! image/jpeg,width=1920 ! jpegdec" or
 * "videotestsrc is-live=true ! video/x-raw,width=1280,height=720". */
MendCamera *mend_camera_new (const char *source);
const char *mend_camera_get_source (MendCamera *self);

/* Starts the pipeline on the thread-default main context, waiting at most
 * MEND_CAMERA_TIMEOUT_S for it to play. Errors (a missing or failing camera, a source
 * description that does not parse) come back as MEND_PHOTO_ERROR_CAMERA, here or later
 * through the "error" signal. Starting a running camera does nothing. */
gboolean mend_camera_start (MendCamera *self, GError **error);
/* Stops the pipeline, drops the preview, and fails the captures still waiting. */
void mend_camera_stop (MendCamera *self);
gboolean mend_camera_is_running (MendCamera *self);

/* The newest preview frame (small, RGB), or NULL before the first one. The "preview" signal
 * says a new one is there. (transfer none) */
GdkPixbuf *mend_camera_get_preview (MendCamera *self);

/* The next full-resolution frame as a still (RGB, the source's own size). Fails with
 * MEND_PHOTO_ERROR_CAMERA when the camera is not running, stops before a frame comes, or no
 * frame comes within MEND_CAMERA_TIMEOUT_S; with G_IO_ERROR_CANCELLED when cancelled.
 * Captures asked for together may get the same frame. */
void mend_camera_capture_async (MendCamera *self,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data);
GdkPixbuf *mend_camera_capture_finish (MendCamera *self, GAsyncResult *result, GError **error);

G_END_DECLS
