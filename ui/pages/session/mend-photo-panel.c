/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-ui"

#include "config.h"

#include "mend-photo-panel.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "mend-camera-worker.h"
#include "mend-photo-processor.h"
#include "mend-photo.h"
#include "mend-ui-util.h"

#define THUMBNAIL_SIZE 96

struct _MendPhotoPanel
{
  GtkWidget parent_instance;

  MendRecorder *recorder;
  GSettings *settings;
  MendCameraWorker *camera;
  gboolean starting;
  GCancellable *cancellable;
  char *session_id;
  gboolean running;
  guint n_thumbnails;
  guint n_busy;
  guint thumbnail_generation;
  /* What the last capture's toast said when it failed; cleared by the next capture. */
  char *message;

  GtkToggleButton *camera_button;
  GtkPicture *preview;
  GtkFlowBox *thumbnails;
};

G_DEFINE_FINAL_TYPE (MendPhotoPanel, mend_photo_panel, GTK_TYPE_WIDGET)

static void
update_actions (MendPhotoPanel *self)
{
  gboolean on = self->camera != NULL && mend_camera_worker_get_running (self->camera);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "photos.camera",
                                 self->session_id != NULL && !self->starting);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "photos.capture", on && self->running);
  gtk_toggle_button_set_active (self->camera_button, on);
  gtk_widget_set_visible (GTK_WIDGET (self->preview), on);
}

/* Thumbnails are decoded off the main thread: a JPEG of a few megapixels takes tens of
 * milliseconds, too long for a frame. */
typedef struct
{
  GdkPixbuf *pixbuf;
  gboolean has_position;
  MendPhotoRole role;
  gint64 occurred_at_ms;
} Thumbnail;

static void
thumbnail_free (Thumbnail *t)
{
  g_clear_object (&t->pixbuf);
  g_free (t);
}

static void
thumbnails_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GPtrArray *photos = task_data;
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify)thumbnail_free);

  for (guint i = 0; i < photos->len && !g_cancellable_is_cancelled (cancellable); i++)
    {
      const MendPhotoRow *row = g_ptr_array_index (photos, i);
      Thumbnail *t;

      if (row->voided)
        continue;
      t = g_new0 (Thumbnail, 1);
      t->pixbuf = gdk_pixbuf_new_from_file_at_scale (row->path, THUMBNAIL_SIZE, THUMBNAIL_SIZE,
                                                     TRUE, NULL);
      t->has_position = mend_fix_has_position (&row->fix);
      t->role = row->role;
      t->occurred_at_ms = row->occurred_at_ms;
      g_ptr_array_add (out, t);
    }
  g_task_return_pointer (task, g_steal_pointer (&out), (GDestroyNotify)g_ptr_array_unref);
}

static const char *
role_label (MendPhotoRole role)
{
  switch (role)
    {
    case MEND_PHOTO_ROLE_BEFORE:
      return _ ("Before");
    case MEND_PHOTO_ROLE_AFTER:
      return _ ("After");
    case MEND_PHOTO_ROLE_EVIDENCE:
    default:
      return _ ("Evidence");
    }
}

static GtkWidget *
thumbnail_widget (const Thumbnail *t)
{
  GtkWidget *overlay = gtk_overlay_new ();
  GtkWidget *picture;
  GtkWidget *badge = gtk_label_new (t->has_position ? _ ("GPS") : _ ("No GPS"));
  GtkWidget *role = gtk_label_new (role_label (t->role));
  g_autofree char *when = mend_ui_format_clock (t->occurred_at_ms);
  g_autofree char *name = NULL;

  if (t->pixbuf != NULL)
    {
      g_autoptr (GdkTexture) texture = gdk_texture_new_for_pixbuf (t->pixbuf);
      picture = gtk_picture_new_for_paintable (GDK_PAINTABLE (texture));
    }
  else
    picture = gtk_picture_new ();
  gtk_widget_set_size_request (picture, THUMBNAIL_SIZE, THUMBNAIL_SIZE);
  gtk_overlay_set_child (GTK_OVERLAY (overlay), picture);
  gtk_widget_set_halign (badge, GTK_ALIGN_END);
  gtk_widget_set_valign (badge, GTK_ALIGN_START);
  gtk_widget_add_css_class (badge, t->has_position ? "mend-badge-gps" : "mend-badge-no-gps");
  gtk_overlay_add_overlay (GTK_OVERLAY (overlay), badge);
  gtk_widget_set_halign (role, GTK_ALIGN_START);
  gtk_widget_set_valign (role, GTK_ALIGN_END);
  gtk_widget_add_css_class (role, "mend-badge-role");
  gtk_overlay_add_overlay (GTK_OVERLAY (overlay), role);

  /* Translators: a thumbnail's accessible name, such as “Before photo 10:12, with GPS”. */
  name = g_strdup_printf (t->has_position ? _ ("%s photo %s, with GPS")
                                          : _ ("%s photo %s, without GPS"),
                          role_label (t->role), when);
  gtk_accessible_update_property (GTK_ACCESSIBLE (picture), GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                  -1);
  return overlay;
}

typedef struct
{
  MendPhotoPanel *self;
  guint generation;
} ThumbnailsRequest;

static void
thumbnails_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  ThumbnailsRequest *request = user_data;
  MendPhotoPanel *self = request->self;
  g_autoptr (GPtrArray) thumbnails = g_task_propagate_pointer (G_TASK (result), NULL);
  GtkWidget *child;

  /* A newer load replaced this one while it ran. */
  if (thumbnails != NULL && request->generation == self->thumbnail_generation)
    {
      while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->thumbnails))) != NULL)
        gtk_flow_box_remove (self->thumbnails, child);
      for (guint i = 0; i < thumbnails->len; i++)
        gtk_flow_box_append (self->thumbnails,
                             thumbnail_widget (g_ptr_array_index (thumbnails, i)));
      self->n_thumbnails = thumbnails->len;
    }
  g_object_unref (request->self);
  g_free (request);
}

static void
load_thumbnails (MendPhotoPanel *self)
{
  g_autoptr (GTask) task = NULL;
  GPtrArray *photos;
  ThumbnailsRequest *request;

  if (self->recorder == NULL || self->session_id == NULL)
    return;
  photos
      = mend_store_list_photos (mend_recorder_get_store (self->recorder), self->session_id, NULL);
  if (photos == NULL)
    return;
  request = g_new0 (ThumbnailsRequest, 1);
  request->self = g_object_ref (self);
  request->generation = ++self->thumbnail_generation;
  task = g_task_new (NULL, self->cancellable, thumbnails_cb, request);
  g_task_set_source_tag (task, load_thumbnails);
  g_task_set_task_data (task, photos, (GDestroyNotify)g_ptr_array_unref);
  g_task_run_in_thread (task, thumbnails_thread);
}

void
mend_photo_panel_set_session (MendPhotoPanel *self, const char *session_id, gboolean running)
{
  g_return_if_fail (MEND_IS_PHOTO_PANEL (self));

  self->running = running;
  if (g_strcmp0 (self->session_id, session_id) != 0)
    {
      g_free (self->session_id);
      self->session_id = g_strdup (session_id);
      load_thumbnails (self);
    }
  update_actions (self);
}

gboolean
mend_photo_panel_get_camera_on (MendPhotoPanel *self)
{
  g_return_val_if_fail (MEND_IS_PHOTO_PANEL (self), FALSE);
  return self->camera != NULL && mend_camera_worker_get_running (self->camera);
}

gboolean
mend_photo_panel_get_camera_starting (MendPhotoPanel *self)
{
  g_return_val_if_fail (MEND_IS_PHOTO_PANEL (self), FALSE);
  return self->starting;
}

guint
mend_photo_panel_get_n_thumbnails (MendPhotoPanel *self)
{
  g_return_val_if_fail (MEND_IS_PHOTO_PANEL (self), 0);
  return self->n_thumbnails;
}

guint
mend_photo_panel_get_n_busy (MendPhotoPanel *self)
{
  g_return_val_if_fail (MEND_IS_PHOTO_PANEL (self), 0);
  return self->n_busy;
}

const char *
mend_photo_panel_get_message (MendPhotoPanel *self)
{
  g_return_val_if_fail (MEND_IS_PHOTO_PANEL (self), NULL);
  return self->message != NULL ? self->message : "";
}

static void
preview_cb (MendPhotoPanel *self, GdkPixbuf *frame, MendCameraWorker *camera)
{
  g_autoptr (GdkTexture) texture = gdk_texture_new_for_pixbuf (frame);

  gtk_picture_set_paintable (self->preview, GDK_PAINTABLE (texture));
}

static void
camera_error_cb (MendPhotoPanel *self, GError *error, MendCameraWorker *camera)
{
  g_autofree char *message = mend_ui_error_message (error);

  mend_ui_toast (GTK_WIDGET (self), message);
  update_actions (self);
}

static void
stop_camera (MendPhotoPanel *self)
{
  if (self->camera == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->camera, self);
  mend_camera_worker_stop (self->camera);
  g_clear_object (&self->camera);
  self->starting = FALSE;
  gtk_picture_set_paintable (self->preview, NULL);
}

static void
camera_started_cb (GObject *object, GAsyncResult *result, gpointer data)
{
  g_autoptr (MendPhotoPanel) self = data;
  g_autoptr (GError) error = NULL;
  gboolean ok = mend_camera_worker_start_finish (MEND_CAMERA_WORKER (object), result, &error);

  /* A camera turned off, or replaced, while it started. */
  if (MEND_CAMERA_WORKER (object) != self->camera)
    return;
  self->starting = FALSE;
  if (!ok)
    {
      g_autofree char *message = mend_ui_error_message (error);

      stop_camera (self);
      mend_ui_toast (GTK_WIDGET (self), message);
    }
  update_actions (self);
}

static void
camera_action (GtkWidget *widget, const char *name, GVariant *param)
{
  MendPhotoPanel *self = MEND_PHOTO_PANEL (widget);
  g_autofree char *source = NULL;

  if (self->camera != NULL)
    {
      stop_camera (self);
      update_actions (self);
      return;
    }
  source = self->settings ? g_settings_get_string (self->settings, "camera-source") : NULL;
  /* The camera starts on a thread of its own: a camera that does not answer keeps the button
   * waiting, not the window. */
  self->camera = mend_camera_worker_new (source && *source ? source : NULL);
  g_signal_connect_object (self->camera, "preview", G_CALLBACK (preview_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->camera, "error", G_CALLBACK (camera_error_cb), self,
                           G_CONNECT_SWAPPED);
  self->starting = TRUE;
  mend_camera_worker_start_async (self->camera, self->cancellable, camera_started_cb,
                                  g_object_ref (self));
  update_actions (self);
}

typedef struct
{
  MendPhotoPanel *self;
  MendPhotoRole role;
  char *session_id;
  MendFix fix;
  gint64 taken_at_ms;
  guint long_edge;
  GdkPixbuf *frame;
  /* Results of the worker. */
  char *sha256;
  gint64 bytes;
  int width;
  int height;
} Capture;

static void
capture_free (Capture *c)
{
  g_object_unref (c->self);
  g_free (c->session_id);
  g_clear_object (&c->frame);
  g_free (c->sha256);
  g_free (c);
}

static void
capture_done (Capture *c, const GError *error)
{
  MendPhotoPanel *self = c->self;

  self->n_busy--;
  if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_free (self->message);
      /* The general words say "what you entered is still here"; a photo refused is gone. */
      if (g_error_matches (error, MEND_STORE_ERROR, MEND_STORE_ERROR_FULL))
        self->message = g_strdup (_ ("The device is full, so this photo was not saved. Free "
                                     "some space (sync and purge old photos), then take it "
                                     "again. The photos taken before are kept."));
      else
        self->message = mend_ui_error_message (error);
      mend_ui_toast (GTK_WIDGET (self), self->message);
    }
  capture_free (c);
}

static void
photo_recorded_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Capture *c = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *event_id = mend_recorder_record_finish (MEND_RECORDER (object), result, &error);

  if (event_id != NULL)
    load_thumbnails (c->self);
  capture_done (c, error);
}

/* On a worker: encode the frame with its EXIF into a temp file in the store's photos folder,
 * then move it into place under its hash. */
static void
process_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Capture *c = task_data;
  MendStore *store = mend_recorder_get_store (c->self->recorder);
  MendPhotoOptions options = { .long_edge = c->long_edge };
  MendPhotoMeta meta = {
    .taken_at_ms = c->taken_at_ms,
    .fix = &c->fix,
    .role = mend_photo_role_to_string (c->role),
    .session_id = c->session_id,
  };
  g_autofree char *temp = NULL;
  GError *error = NULL;

  temp = mend_store_new_photo_temp (store, &error);
  if (temp == NULL
      || !mend_photo_process_pixbuf (c->frame, temp, &options, &meta, &c->width, &c->height, &error)
      || !mend_store_adopt_photo_temp (store, temp, &c->sha256, &c->bytes, &error))
    {
      /* The store forgets a temp file it made when the file is gone; adopt removes it
       * itself, and the processor removes its output on failure. */
      if (temp != NULL && g_file_test (temp, G_FILE_TEST_EXISTS))
        g_unlink (temp);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
processed_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Capture *c = user_data;
  g_autoptr (GError) error = NULL;
  MendCommand *command;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      capture_done (c, error);
      return;
    }
  command
      = mend_command_photo (c->session_id, NULL, c->role, c->sha256, c->bytes, c->width, c->height);
  mend_recorder_record_async (c->self->recorder, command, c->self->cancellable, photo_recorded_cb,
                              c);
}

static void
captured_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Capture *c = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GTask) task = NULL;

  c->frame = mend_camera_worker_capture_finish (MEND_CAMERA_WORKER (object), result, &error);
  if (c->frame == NULL)
    {
      capture_done (c, error);
      return;
    }
  task = g_task_new (NULL, c->self->cancellable, processed_cb, c);
  g_task_set_source_tag (task, captured_cb);
  g_task_set_task_data (task, c, NULL);
  g_task_run_in_thread (task, process_thread);
}

static void
capture_action (GtkWidget *widget, const char *name, GVariant *param)
{
  MendPhotoPanel *self = MEND_PHOTO_PANEL (widget);
  Capture *c;
  MendPhotoRole role;

  if (self->camera == NULL
      || !mend_photo_role_from_string (g_variant_get_string (param, NULL), &role))
    return;
  c = g_new0 (Capture, 1);
  c->self = g_object_ref (self);
  c->role = role;
  c->session_id = g_strdup (self->session_id);
  c->taken_at_ms = g_get_real_time () / 1000;
  c->long_edge = self->settings ? g_settings_get_uint (self->settings, "photo-long-edge") : 0;
  mend_recorder_take_fix (self->recorder, &c->fix);
  g_clear_pointer (&self->message, g_free);
  self->n_busy++;
  mend_camera_worker_capture_async (self->camera, self->cancellable, captured_cb, c);
}

void
mend_photo_panel_setup (MendPhotoPanel *self, MendRecorder *recorder, GSettings *settings)
{
  g_return_if_fail (MEND_IS_PHOTO_PANEL (self));

  g_set_object (&self->recorder, recorder);
  g_set_object (&self->settings, settings);
}

static void
mend_photo_panel_unmap (GtkWidget *widget)
{
  MendPhotoPanel *self = MEND_PHOTO_PANEL (widget);

  /* The camera runs only while its preview can be seen. */
  stop_camera (self);
  update_actions (self);
  GTK_WIDGET_CLASS (mend_photo_panel_parent_class)->unmap (widget);
}

static void
mend_photo_panel_dispose (GObject *object)
{
  MendPhotoPanel *self = MEND_PHOTO_PANEL (object);

  g_cancellable_cancel (self->cancellable);
  stop_camera (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), MEND_TYPE_PHOTO_PANEL);
  mend_ui_unparent_children (GTK_WIDGET (self));
  g_clear_object (&self->cancellable);
  g_clear_object (&self->recorder);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (mend_photo_panel_parent_class)->dispose (object);
}

static void
mend_photo_panel_finalize (GObject *object)
{
  g_free (MEND_PHOTO_PANEL (object)->session_id);
  g_free (MEND_PHOTO_PANEL (object)->message);
  G_OBJECT_CLASS (mend_photo_panel_parent_class)->finalize (object);
}

static void
mend_photo_panel_class_init (MendPhotoPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mend_photo_panel_dispose;
  object_class->finalize = mend_photo_panel_finalize;
  widget_class->unmap = mend_photo_panel_unmap;

  gtk_widget_class_set_template_from_resource (
      widget_class, "/org/mendapp/Mend/pages/session/mend-photo-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, MendPhotoPanel, camera_button);
  gtk_widget_class_bind_template_child (widget_class, MendPhotoPanel, preview);
  gtk_widget_class_bind_template_child (widget_class, MendPhotoPanel, thumbnails);
  gtk_widget_class_install_action (widget_class, "photos.camera", NULL, camera_action);
  gtk_widget_class_install_action (widget_class, "photos.capture", "s", capture_action);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
mend_photo_panel_init (MendPhotoPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  update_actions (self);
}
