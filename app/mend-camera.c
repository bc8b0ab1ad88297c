/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-camera"

#include "config.h"

#include "mend-camera.h"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <string.h>

#include "mend-photo-processor.h"

/* The pipeline is the source description followed by a tee with two branches (our element
 * names start with "mend_" so they do not clash with names in the source's description):
 *
 *   preview: scaled first and converted after, so the colour conversion only ever touches a
 *            small frame; a leaky queue so a slow preview never holds the camera back.
 *   still:   behind a valve (the "shutter") that is closed until a capture asks for a frame,
 *            so the full-resolution conversion to RGB costs nothing between captures.
 *
 * Neither sink waits on the clock (a camera paces itself, and a preview is best shown at once)
 * nor prerolls (the still branch, shut, never would).
 *
 * The appsinks call us on streaming threads. There the frame is copied into a GdkPixbuf and
 * parked in a slot; one idle source on the camera's main context takes what the slots hold.
 * A busy main loop therefore skips preview frames instead of queueing them. */
#define PIPELINE_FORMAT                                                                            \
  "%s ! tee name=mend_tee "                                                                        \
  "mend_tee. ! queue leaky=downstream max-size-buffers=1 max-size-bytes=0 max-size-time=0 "        \
  "! videoscale ! videoconvert "                                                                   \
  "! video/x-raw,format=RGB,width=[1,%d],height=[1,%d],pixel-aspect-ratio=1/1 "                    \
  "! appsink name=mend_preview max-buffers=1 drop=true async=false sync=false "                    \
  "enable-last-sample=false "                                                                      \
  "mend_tee. ! valve name=mend_shutter drop=true drop-mode=forward-sticky-events "                 \
  "! queue leaky=downstream max-size-buffers=1 max-size-bytes=0 max-size-time=0 "                  \
  "! videoconvert ! video/x-raw,format=RGB "                                                       \
  "! appsink name=mend_still max-buffers=1 drop=true async=false sync=false "                      \
  "enable-last-sample=false"

struct _MendCamera
{
  GObject parent_instance;

  char *source;

  /* Set while running. */
  GMainContext *context;
  GstElement *pipeline;
  GstElement *shutter;
  GSource *bus_watch;
  GdkPixbuf *preview;
  GQueue captures; /* GTask *, oldest first */

  /* Filled on streaming threads, emptied on the main context by deliver_cb(). */
  GMutex lock;
  GdkPixbuf *pending_preview;
  GdkPixbuf *pending_still;
  GSource *deliver_source;
};

G_DEFINE_FINAL_TYPE (MendCamera, mend_camera, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_SOURCE,
  PROP_RUNNING,
  N_PROPS,
};

enum
{
  SIGNAL_PREVIEW,
  SIGNAL_ERROR,
  N_SIGNALS,
};

static GParamSpec *props[N_PROPS];
static guint signals[N_SIGNALS];

/* A capture waiting for its frame. */
typedef struct
{
  GSource *timeout;
  GSource *cancelled;
} Capture;

static void
destroy_source (GSource *source)
{
  g_source_destroy (source);
  g_source_unref (source);
}

static void
capture_free (Capture *capture)
{
  g_clear_pointer (&capture->timeout, destroy_source);
  g_clear_pointer (&capture->cancelled, destroy_source);
  g_free (capture);
}

/* GStreamer is initialised once per process; a failure (a broken registry, say) is kept and
 * reported by every start, since there is no camera without it. */
static gboolean
ensure_gstreamer (GError **error)
{
  static gsize initialised;
  static char *failure;

  if (g_once_init_enter (&initialised))
    {
      g_autoptr (GError) local = NULL;

      if (!gst_init_check (NULL, NULL, &local))
        failure = g_strdup (local != NULL ? local->message : "unknown error");
      g_once_init_leave (&initialised, 1);
    }
  if (failure != NULL)
    {
      g_set_error (error, MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_CAMERA,
                   "GStreamer could not be initialised: %s", failure);
      return FALSE;
    }
  return TRUE;
}

/* Copies an RGB sample into a pixbuf of its own, so no GStreamer buffer outlives the
 * streaming thread's call; GStreamer's rows are padded differently from gdk-pixbuf's. */
static GdkPixbuf *
pixbuf_from_sample (GstSample *sample)
{
  GstBuffer *buffer = gst_sample_get_buffer (sample);
  GstCaps *caps = gst_sample_get_caps (sample);
  g_autoptr (GdkPixbuf) pixbuf = NULL;
  GstVideoInfo info;
  GstVideoFrame frame;

  if (buffer == NULL || caps == NULL || !gst_video_info_from_caps (&info, caps)
      || GST_VIDEO_INFO_FORMAT (&info) != GST_VIDEO_FORMAT_RGB)
    return NULL;
  if (!gst_video_frame_map (&frame, &info, buffer, GST_MAP_READ))
    return NULL;

  pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, GST_VIDEO_FRAME_WIDTH (&frame),
                           GST_VIDEO_FRAME_HEIGHT (&frame));
  if (pixbuf != NULL)
    {
      const guint8 *src = GST_VIDEO_FRAME_PLANE_DATA (&frame, 0);
      int src_stride = GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);
      gsize row_bytes = (gsize)GST_VIDEO_FRAME_WIDTH (&frame) * 3;
      guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
      int rowstride = gdk_pixbuf_get_rowstride (pixbuf);

      for (int y = 0; y < GST_VIDEO_FRAME_HEIGHT (&frame); y++)
        memcpy (pixels + (gsize)y * rowstride, src + (gsize)y * src_stride, row_bytes);
    }
  gst_video_frame_unmap (&frame);
  return g_steal_pointer (&pixbuf);
}

static gboolean deliver_cb (gpointer user_data);

/* Called with self->lock held. */
static void
schedule_delivery (MendCamera *self)
{
  if (self->deliver_source != NULL)
    return;
  self->deliver_source = g_idle_source_new ();
  g_source_set_priority (self->deliver_source, G_PRIORITY_DEFAULT);
  g_source_set_callback (self->deliver_source, deliver_cb, self, NULL);
  g_source_set_static_name (self->deliver_source, "[mend] camera frames");
  g_source_attach (self->deliver_source, self->context);
}

/* Streaming thread of the preview branch. */
static GstFlowReturn
preview_sample_cb (GstAppSink *sink, gpointer user_data)
{
  MendCamera *self = user_data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);
  g_autoptr (GdkPixbuf) pixbuf = NULL;

  if (sample == NULL)
    return GST_FLOW_EOS;
  pixbuf = pixbuf_from_sample (sample);
  if (pixbuf == NULL)
    return GST_FLOW_OK;

  g_mutex_lock (&self->lock);
  g_set_object (&self->pending_preview, pixbuf);
  schedule_delivery (self);
  g_mutex_unlock (&self->lock);
  return GST_FLOW_OK;
}

/* Streaming thread of the still branch: the shutter closes at once, so the frames after this
 * one are not converted for nothing. */
static GstFlowReturn
still_sample_cb (GstAppSink *sink, gpointer user_data)
{
  MendCamera *self = user_data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);
  g_autoptr (GdkPixbuf) pixbuf = NULL;

  if (sample == NULL)
    return GST_FLOW_EOS;
  g_object_set (self->shutter, "drop", TRUE, NULL);
  pixbuf = pixbuf_from_sample (sample);
  if (pixbuf == NULL)
    return GST_FLOW_OK;

  g_mutex_lock (&self->lock);
  g_set_object (&self->pending_still, pixbuf);
  schedule_delivery (self);
  g_mutex_unlock (&self->lock);
  return GST_FLOW_OK;
}

/* Takes @task out of the waiting captures; the caller owns it then. */
static GTask *
take_capture (MendCamera *self, GTask *task)
{
  Capture *capture = g_task_get_task_data (task);

  g_queue_remove (&self->captures, task);
  g_clear_pointer (&capture->timeout, destroy_source);
  g_clear_pointer (&capture->cancelled, destroy_source);
  if (g_queue_is_empty (&self->captures) && self->shutter != NULL)
    g_object_set (self->shutter, "drop", TRUE, NULL);
  return task;
}

static void
fail_captures (MendCamera *self, const char *message)
{
  GTask *task;

  while ((task = g_queue_peek_head (&self->captures)) != NULL)
    {
      g_autoptr (GTask) taken = take_capture (self, task);

      g_task_return_new_error (taken, MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_CAMERA, "%s", message);
    }
}

static gboolean
deliver_cb (gpointer user_data)
{
  g_autoptr (MendCamera) self = g_object_ref (MEND_CAMERA (user_data));
  g_autoptr (GdkPixbuf) preview = NULL;
  g_autoptr (GdkPixbuf) still = NULL;

  g_mutex_lock (&self->lock);
  preview = g_steal_pointer (&self->pending_preview);
  still = g_steal_pointer (&self->pending_still);
  g_clear_pointer (&self->deliver_source, g_source_unref);
  g_mutex_unlock (&self->lock);

  /* Every capture waiting now gets this frame. They are taken out first because their
   * callbacks run right here and may ask for the next capture. */
  if (still != NULL)
    {
      GQueue waiting = G_QUEUE_INIT;
      GTask *task;

      while ((task = g_queue_peek_head (&self->captures)) != NULL)
        g_queue_push_tail (&waiting, take_capture (self, task));
      while ((task = g_queue_pop_head (&waiting)) != NULL)
        {
          g_task_return_pointer (task, g_object_ref (still), g_object_unref);
          g_object_unref (task);
        }
    }

  if (preview != NULL && self->pipeline != NULL)
    {
      g_set_object (&self->preview, preview);
      g_signal_emit (self, signals[SIGNAL_PREVIEW], 0, preview);
    }
  return G_SOURCE_REMOVE;
}

/* Drops the pipeline and everything that came from it. Setting the state to NULL joins the
 * streaming threads, so after it nothing fills the slots or schedules a delivery again. */
static void
teardown (MendCamera *self)
{
  g_autoptr (GstElement) pipeline = g_steal_pointer (&self->pipeline);

  if (pipeline != NULL)
    gst_element_set_state (pipeline, GST_STATE_NULL);
  g_clear_pointer (&self->bus_watch, destroy_source);

  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->deliver_source, destroy_source);
  g_clear_object (&self->pending_preview);
  g_clear_object (&self->pending_still);
  g_mutex_unlock (&self->lock);

  g_clear_object (&self->shutter);
  g_clear_object (&pipeline);
  g_clear_object (&self->preview);
  g_clear_pointer (&self->context, g_main_context_unref);

  /* Last, when the camera is stopped for all to see: their callbacks may run right here, and a
   * capture asked for from one of them fails at once instead of joining this queue. */
  fail_captures (self, "The camera stopped before a picture was taken");
}

/* Turns a GStreamer error message into ours, with the element's own words. */
static GError *
error_from_message (MendCamera *self, GstMessage *message)
{
  g_autoptr (GError) gst_error = NULL;
  g_autofree char *debug = NULL;

  gst_message_parse_error (message, &gst_error, &debug);
  g_debug ("camera “%s”: error from %s: %s (%s)", self->source,
           GST_OBJECT_NAME (GST_MESSAGE_SRC (message)), gst_error->message,
           debug != NULL ? debug : "no details");
  return g_error_new (MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_CAMERA, "Camera “%s”: %s", self->source,
                      gst_error->message);
}

/* The running camera failed: it stops first, so a handler of "error" finds it stopped and may
 * start it again. */
static void
fail_running (MendCamera *self, GError *error)
{
  g_autoptr (MendCamera) hold = g_object_ref (self);

  g_debug ("camera “%s” failed: %s", self->source, error->message);
  mend_camera_stop (self);
  g_signal_emit (self, signals[SIGNAL_ERROR], 0, error);
}

static gboolean
bus_cb (GstBus *bus, GstMessage *message, gpointer user_data)
{
  MendCamera *self = user_data;
  g_autoptr (GError) error = NULL;

  switch (GST_MESSAGE_TYPE (message))
    {
    case GST_MESSAGE_ERROR:
      error = error_from_message (self, message);
      break;

    case GST_MESSAGE_EOS:
      error = g_error_new (MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_CAMERA,
                           "Camera “%s”: the camera stopped sending pictures", self->source);
      break;

    case GST_MESSAGE_WARNING:
      {
        g_autoptr (GError) warning = NULL;
        g_autofree char *debug = NULL;

        gst_message_parse_warning (message, &warning, &debug);
        g_debug ("camera “%s”: warning from %s: %s", self->source,
                 GST_OBJECT_NAME (GST_MESSAGE_SRC (message)), warning->message);
      }
      break;

    default:
      break;
    }

  if (error == NULL)
    return G_SOURCE_CONTINUE;
  /* Stopping destroys this watch; returning G_SOURCE_REMOVE agrees with that. */
  fail_running (self, error);
  return G_SOURCE_REMOVE;
}

static GstElement *
build_pipeline (MendCamera *self, GError **error)
{
  g_autofree char *description = g_strdup_printf (
      PIPELINE_FORMAT, self->source, MEND_CAMERA_PREVIEW_SIZE, MEND_CAMERA_PREVIEW_SIZE);
  g_autoptr (GError) local = NULL;
  g_autoptr (GstElement) pipeline = NULL;
  g_autoptr (GstElement) preview = NULL;
  g_autoptr (GstElement) still = NULL;
  GstAppSinkCallbacks preview_callbacks = { .new_sample = preview_sample_cb };
  GstAppSinkCallbacks still_callbacks = { .new_sample = still_sample_cb };

  /* Without GST_PARSE_FLAG_FATAL_ERRORS a source with a typo would give a half-built
   * pipeline and a warning in @local. */
  pipeline = gst_parse_launch_full (description, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &local);
  if (pipeline == NULL)
    {
      g_set_error (error, MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_CAMERA, "Camera “%s”: %s",
                   self->source,
                   local != NULL ? local->message : "not a GStreamer source description");
      return NULL;
    }
  gst_object_ref_sink (pipeline);
  /* Several elements always parse into a pipeline. */
  g_assert (GST_IS_PIPELINE (pipeline));

  preview = gst_bin_get_by_name (GST_BIN (pipeline), "mend_preview");
  still = gst_bin_get_by_name (GST_BIN (pipeline), "mend_still");
  self->shutter = gst_bin_get_by_name (GST_BIN (pipeline), "mend_shutter");
  if (preview == NULL || still == NULL || self->shutter == NULL)
    {
      /* The source description named elements of its own like ours. */
      g_set_error (error, MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_CAMERA,
                   "Camera “%s”: element names starting with “mend_” are reserved", self->source);
      return NULL;
    }
  gst_app_sink_set_callbacks (GST_APP_SINK (preview), &preview_callbacks, self, NULL);
  gst_app_sink_set_callbacks (GST_APP_SINK (still), &still_callbacks, self, NULL);
  return g_steal_pointer (&pipeline);
}

/**
 * mend_camera_start:
 * @self: a camera
 * @error: where a failure goes: MEND_PHOTO_ERROR_CAMERA with the element's message
 *
 * Builds the pipeline and sets it playing on the thread-default main context, waiting at
 * most MEND_CAMERA_TIMEOUT_S. Failures later on come through the "error" signal.
 *
 * Returns: %TRUE when the camera runs.
 */
gboolean
mend_camera_start (MendCamera *self, GError **error)
{
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstMessage) message = NULL;
  GstStateChangeReturn ret;

  g_return_val_if_fail (MEND_IS_CAMERA (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->pipeline != NULL)
    return TRUE;
  if (!ensure_gstreamer (error))
    return FALSE;

  /* The context is set before the pipeline exists: frames may come as soon as it plays. */
  self->context = g_main_context_ref_thread_default ();
  self->pipeline = build_pipeline (self, error);
  if (self->pipeline == NULL)
    {
      teardown (self);
      return FALSE;
    }

  bus = gst_element_get_bus (self->pipeline);
  ret = gst_element_set_state (self->pipeline, GST_STATE_PLAYING);
  if (ret == GST_STATE_CHANGE_ASYNC)
    ret = gst_element_get_state (self->pipeline, NULL, NULL, MEND_CAMERA_TIMEOUT_S * GST_SECOND);

  if (ret == GST_STATE_CHANGE_FAILURE || ret == GST_STATE_CHANGE_ASYNC)
    {
      /* A missing device fails the state change at once, with the reason on the bus. */
      message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
      if (message != NULL)
        g_propagate_error (error, error_from_message (self, message));
      else if (ret == GST_STATE_CHANGE_FAILURE)
        g_set_error (error, MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_CAMERA,
                     "Camera “%s”: the camera could not be started", self->source);
      else
        g_set_error (error, MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_CAMERA,
                     "Camera “%s”: the camera did not start within %d s", self->source,
                     MEND_CAMERA_TIMEOUT_S);
      teardown (self);
      return FALSE;
    }

  /* Whatever the pipeline posted meanwhile, an error among it, waits on the bus for this
   * watch: a failure right after the start comes through "error" like any later one. */
  self->bus_watch = gst_bus_create_watch (bus);
  g_source_set_callback (self->bus_watch, G_SOURCE_FUNC (bus_cb), self, NULL);
  g_source_set_static_name (self->bus_watch, "[mend] camera bus");
  g_source_attach (self->bus_watch, self->context);

  g_debug ("camera “%s” started", self->source);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_RUNNING]);
  return TRUE;
}

/**
 * mend_camera_stop:
 * @self: a camera
 *
 * Stops the pipeline and drops the preview; captures still waiting fail with
 * MEND_PHOTO_ERROR_CAMERA. Stopping a stopped camera does nothing.
 */
void
mend_camera_stop (MendCamera *self)
{
  g_return_if_fail (MEND_IS_CAMERA (self));

  if (self->pipeline == NULL)
    return;
  teardown (self);
  g_debug ("camera “%s” stopped", self->source);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_RUNNING]);
}

gboolean
mend_camera_is_running (MendCamera *self)
{
  g_return_val_if_fail (MEND_IS_CAMERA (self), FALSE);

  return self->pipeline != NULL;
}

/**
 * mend_camera_get_preview:
 * @self: a camera
 *
 * Returns: (transfer none) (nullable): the newest preview frame, or %NULL before the first
 *   one since the camera started.
 */
GdkPixbuf *
mend_camera_get_preview (MendCamera *self)
{
  g_return_val_if_fail (MEND_IS_CAMERA (self), NULL);

  return self->preview;
}

static gboolean
capture_timeout_cb (gpointer user_data)
{
  GTask *task = user_data;
  MendCamera *self = g_task_get_source_object (task);
  g_autoptr (GTask) taken = take_capture (self, task);

  g_task_return_new_error (taken, MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_CAMERA,
                           "Camera “%s”: no picture came within %d s", self->source,
                           MEND_CAMERA_TIMEOUT_S);
  return G_SOURCE_REMOVE;
}

static gboolean
capture_cancelled_cb (GCancellable *cancellable, gpointer user_data)
{
  GTask *task = user_data;
  MendCamera *self = g_task_get_source_object (task);
  g_autoptr (GTask) taken = take_capture (self, task);

  g_task_return_error_if_cancelled (taken);
  return G_SOURCE_REMOVE;
}

/**
 * mend_camera_capture_async:
 * @self: a running camera
 * @cancellable: (nullable): to give up waiting
 * @callback: called on the camera's main context with the still
 * @user_data: for @callback
 *
 * Opens the shutter for the next full-resolution frame. Never blocks.
 */
void
mend_camera_capture_async (MendCamera *self,
                           GCancellable *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  Capture *capture;

  g_return_if_fail (MEND_IS_CAMERA (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mend_camera_capture_async);
  if (g_task_return_error_if_cancelled (task))
    return;
  if (self->pipeline == NULL)
    {
      g_task_return_new_error (task, MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_CAMERA,
                               "Camera “%s”: the camera is not running", self->source);
      return;
    }

  capture = g_new0 (Capture, 1);
  g_task_set_task_data (task, capture, (GDestroyNotify)capture_free);
  capture->timeout = g_timeout_source_new_seconds (MEND_CAMERA_TIMEOUT_S);
  g_source_set_callback (capture->timeout, capture_timeout_cb, task, NULL);
  g_source_set_static_name (capture->timeout, "[mend] camera capture timeout");
  g_source_attach (capture->timeout, self->context);
  if (cancellable != NULL)
    {
      capture->cancelled = g_cancellable_source_new (cancellable);
      g_source_set_callback (capture->cancelled, G_SOURCE_FUNC (capture_cancelled_cb), task, NULL);
      g_source_attach (capture->cancelled, self->context);
    }

  g_queue_push_tail (&self->captures, g_steal_pointer (&task));
  g_object_set (self->shutter, "drop", FALSE, NULL);
}

/**
 * mend_camera_capture_finish:
 * @self: a camera
 * @result: what the callback got
 * @error: MEND_PHOTO_ERROR_CAMERA or G_IO_ERROR_CANCELLED
 *
 * Returns: (transfer full) (nullable): the still, RGB at the source's full size.
 */
GdkPixbuf *
mend_camera_capture_finish (MendCamera *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (MEND_IS_CAMERA (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == mend_camera_capture_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

MendCamera *
mend_camera_new (const char *source)
{
  return g_object_new (MEND_TYPE_CAMERA, "source", source, NULL);
}

const char *
mend_camera_get_source (MendCamera *self)
{
  g_return_val_if_fail (MEND_IS_CAMERA (self), NULL);

  return self->source;
}

static void
mend_camera_dispose (GObject *object)
{
  MendCamera *self = MEND_CAMERA (object);

  /* Not mend_camera_stop(): no notifications from an object going away. */
  teardown (self);

  G_OBJECT_CLASS (mend_camera_parent_class)->dispose (object);
}

static void
mend_camera_finalize (GObject *object)
{
  MendCamera *self = MEND_CAMERA (object);

  g_free (self->source);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (mend_camera_parent_class)->finalize (object);
}

static void
mend_camera_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  MendCamera *self = MEND_CAMERA (object);

  switch (prop_id)
    {
    case PROP_SOURCE:
      g_value_set_string (value, self->source);
      break;

    case PROP_RUNNING:
      g_value_set_boolean (value, mend_camera_is_running (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mend_camera_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  MendCamera *self = MEND_CAMERA (object);

  switch (prop_id)
    {
    case PROP_SOURCE:
      {
        const char *source = g_value_get_string (value);

        g_free (self->source);
        self->source
            = g_strdup (source != NULL && *source != '\0' ? source : MEND_CAMERA_DEFAULT_SOURCE);
      }
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mend_camera_class_init (MendCameraClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = mend_camera_dispose;
  object_class->finalize = mend_camera_finalize;
  object_class->get_property = mend_camera_get_property;
  object_class->set_property = mend_camera_set_property;

  props[PROP_SOURCE]
      = g_param_spec_string ("source", NULL, NULL, MEND_CAMERA_DEFAULT_SOURCE,
                             G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  props[PROP_RUNNING] = g_param_spec_boolean ("running", NULL, NULL, FALSE,
                                              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  /**
   * MendCamera::preview:
   * @frame: the new preview frame, RGB, at most MEND_CAMERA_PREVIEW_SIZE on either side
   */
  signals[SIGNAL_PREVIEW] = g_signal_new ("preview", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 1, GDK_TYPE_PIXBUF);

  /**
   * MendCamera::error:
   * @error: MEND_PHOTO_ERROR_CAMERA, with the element's message
   *
   * The running camera failed and has stopped.
   */
  signals[SIGNAL_ERROR] = g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
mend_camera_init (MendCamera *self)
{
  g_mutex_init (&self->lock);
  g_queue_init (&self->captures);
}
