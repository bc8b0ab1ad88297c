/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-ui"

#include "config.h"

#include "mend-camera-worker.h"

#include "mend-camera.h"
#include "mend-photo-processor.h"

/* What the camera's thread owns. The worker keeps a reference for posting work to it; the
 * thread keeps one while it runs. The camera itself is only touched on the thread. */
typedef struct
{
  gatomicrefcount refs;
  char *source;
  GMainContext *context;
  GMainLoop *loop;
  MendCamera *camera;
  GWeakRef worker;
} CameraThread;

struct _MendCameraWorker
{
  GObject parent_instance;

  char *source;
  CameraThread *current;
  GPtrArray *threads; /* GThread: joined in dispose, so none outlives the worker's owner */
  gboolean running;
};

G_DEFINE_FINAL_TYPE (MendCameraWorker, mend_camera_worker, G_TYPE_OBJECT)

enum
{
  PREVIEW,
  ERROR,
  N_SIGNALS,
};

static guint signals[N_SIGNALS];

static CameraThread *
camera_thread_ref (CameraThread *t)
{
  g_atomic_ref_count_inc (&t->refs);
  return t;
}

static void
camera_thread_unref (CameraThread *t)
{
  if (!g_atomic_ref_count_dec (&t->refs))
    return;
  g_assert (t->camera == NULL);
  g_free (t->source);
  g_main_loop_unref (t->loop);
  g_main_context_unref (t->context);
  g_weak_ref_clear (&t->worker);
  g_free (t);
}

static gpointer
thread_main (gpointer data)
{
  CameraThread *t = data;

  g_main_context_push_thread_default (t->context);
  g_main_loop_run (t->loop);
  /* Anything posted after the quit runs here, so that every task gets its answer. */
  while (g_main_context_iteration (t->context, FALSE))
    ;
  g_main_context_pop_thread_default (t->context);
  camera_thread_unref (t);
  return NULL;
}

/* Frames and errors cross to the main context with the worker looked up there, so a worker
 * finalized meanwhile is simply not told. */
typedef struct
{
  CameraThread *thread;
  GdkPixbuf *frame;
  GError *error;
} Delivery;

static gboolean
deliver_cb (gpointer data)
{
  Delivery *d = data;
  g_autoptr (MendCameraWorker) self = g_weak_ref_get (&d->thread->worker);

  if (self != NULL && self->current == d->thread)
    {
      if (d->frame != NULL)
        g_signal_emit (self, signals[PREVIEW], 0, d->frame);
      if (d->error != NULL)
        {
          self->running = FALSE;
          g_signal_emit (self, signals[ERROR], 0, d->error);
        }
    }
  g_clear_object (&d->frame);
  g_clear_error (&d->error);
  camera_thread_unref (d->thread);
  g_free (d);
  return G_SOURCE_REMOVE;
}

static void
deliver (CameraThread *t, GdkPixbuf *frame, const GError *error)
{
  Delivery *d = g_new0 (Delivery, 1);

  d->thread = camera_thread_ref (t);
  d->frame = frame ? g_object_ref (frame) : NULL;
  d->error = error ? g_error_copy (error) : NULL;
  g_main_context_invoke (NULL, deliver_cb, d);
}

static void
preview_cb (MendCamera *camera, GdkPixbuf *frame, gpointer data)
{
  deliver (data, frame, NULL);
}

static void
error_cb (MendCamera *camera, GError *error, gpointer data)
{
  deliver (data, NULL, error);
}

/* On the camera's thread. */
static gboolean
start_cb (gpointer data)
{
  GTask *task = data;
  CameraThread *t = g_task_get_task_data (task);
  GError *error = NULL;

  t->camera = mend_camera_new (t->source);
  g_signal_connect (t->camera, "preview", G_CALLBACK (preview_cb), t);
  g_signal_connect (t->camera, "error", G_CALLBACK (error_cb), t);
  if (mend_camera_start (t->camera, &error))
    g_task_return_boolean (task, TRUE);
  else
    {
      g_clear_object (&t->camera);
      g_task_return_error (task, error);
    }
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

/* On the camera's thread. */
static gboolean
stop_cb (gpointer data)
{
  CameraThread *t = data;

  if (t->camera != NULL)
    {
      g_signal_handlers_disconnect_by_data (t->camera, t);
      mend_camera_stop (t->camera);
      g_clear_object (&t->camera);
    }
  g_main_loop_quit (t->loop);
  return G_SOURCE_REMOVE;
}

static void
captured_cb (GObject *object, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  GError *error = NULL;
  GdkPixbuf *frame = mend_camera_capture_finish (MEND_CAMERA (object), result, &error);

  if (frame == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, frame, g_object_unref);
}

/* On the camera's thread. */
static gboolean
capture_cb (gpointer data)
{
  GTask *task = data;
  CameraThread *t = g_task_get_task_data (task);

  if (t->camera == NULL)
    {
      g_task_return_new_error (task, MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_CAMERA,
                               "The camera is not running");
      g_object_unref (task);
      return G_SOURCE_REMOVE;
    }
  mend_camera_capture_async (t->camera, g_task_get_cancellable (task), captured_cb, task);
  return G_SOURCE_REMOVE;
}

MendCameraWorker *
mend_camera_worker_new (const char *source)
{
  MendCameraWorker *self = g_object_new (MEND_TYPE_CAMERA_WORKER, NULL);

  self->source = g_strdup (source);
  return self;
}

static void
start_done_cb (GObject *object, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) outer = data;
  MendCameraWorker *self = g_task_get_source_object (outer);
  GError *error = NULL;

  if (g_task_propagate_boolean (G_TASK (result), &error))
    {
      self->running = self->current == g_task_get_task_data (G_TASK (result));
      g_task_return_boolean (outer, TRUE);
    }
  else
    g_task_return_error (outer, error);
}

void
mend_camera_worker_start_async (MendCameraWorker *self,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data)
{
  g_autoptr (GTask) outer = NULL;
  GTask *inner;
  CameraThread *t;

  g_return_if_fail (MEND_IS_CAMERA_WORKER (self));

  outer = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (outer, mend_camera_worker_start_async);
  mend_camera_worker_stop (self);

  t = g_new0 (CameraThread, 1);
  g_atomic_ref_count_init (&t->refs);
  t->source = g_strdup (self->source);
  t->context = g_main_context_new ();
  t->loop = g_main_loop_new (t->context, FALSE);
  g_weak_ref_init (&t->worker, self);
  self->current = t;
  g_ptr_array_add (self->threads, g_thread_new ("mend-camera", thread_main, camera_thread_ref (t)));

  /* The inner task answers on this (the main) context; its work runs on the camera's. */
  inner = g_task_new (NULL, NULL, start_done_cb, g_steal_pointer (&outer));
  g_task_set_task_data (inner, camera_thread_ref (t), (GDestroyNotify)camera_thread_unref);
  g_main_context_invoke (t->context, start_cb, inner);
}

gboolean
mend_camera_worker_start_finish (MendCameraWorker *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
mend_camera_worker_capture_async (MendCameraWorker *self,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  GTask *task;

  g_return_if_fail (MEND_IS_CAMERA_WORKER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mend_camera_worker_capture_async);
  if (self->current == NULL || !self->running)
    {
      g_task_return_new_error (task, MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_CAMERA,
                               "The camera is not running");
      g_object_unref (task);
      return;
    }
  g_task_set_task_data (task, camera_thread_ref (self->current),
                        (GDestroyNotify)camera_thread_unref);
  g_main_context_invoke (self->current->context, capture_cb, task);
}

GdkPixbuf *
mend_camera_worker_capture_finish (MendCameraWorker *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
mend_camera_worker_stop (MendCameraWorker *self)
{
  g_return_if_fail (MEND_IS_CAMERA_WORKER (self));

  self->running = FALSE;
  if (self->current == NULL)
    return;
  g_main_context_invoke_full (self->current->context, G_PRIORITY_DEFAULT, stop_cb,
                              camera_thread_ref (self->current),
                              (GDestroyNotify)camera_thread_unref);
  /* The worker's own reference, taken when the thread was made. */
  g_clear_pointer (&self->current, camera_thread_unref);
}

gboolean
mend_camera_worker_get_running (MendCameraWorker *self)
{
  g_return_val_if_fail (MEND_IS_CAMERA_WORKER (self), FALSE);
  return self->running;
}

static void
mend_camera_worker_dispose (GObject *object)
{
  MendCameraWorker *self = MEND_CAMERA_WORKER (object);

  mend_camera_worker_stop (self);
  /* Closing is the one time to wait: the pipeline is torn down before its owner goes. */
  for (guint i = 0; i < self->threads->len; i++)
    g_thread_join (g_ptr_array_index (self->threads, i));
  g_ptr_array_set_size (self->threads, 0);
  G_OBJECT_CLASS (mend_camera_worker_parent_class)->dispose (object);
}

static void
mend_camera_worker_finalize (GObject *object)
{
  MendCameraWorker *self = MEND_CAMERA_WORKER (object);

  g_free (self->source);
  g_ptr_array_unref (self->threads);
  G_OBJECT_CLASS (mend_camera_worker_parent_class)->finalize (object);
}

static void
mend_camera_worker_class_init (MendCameraWorkerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = mend_camera_worker_dispose;
  object_class->finalize = mend_camera_worker_finalize;

  signals[PREVIEW] = g_signal_new ("preview", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                   NULL, NULL, G_TYPE_NONE, 1, GDK_TYPE_PIXBUF);
  signals[ERROR] = g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                 NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
mend_camera_worker_init (MendCameraWorker *self)
{
  self->threads = g_ptr_array_new ();
}
