/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-ui"

#include "config.h"

#include "mend-damaged-window.h"

#include <glib/gi18n.h>

#include "mend-salvage.h"
#include "mend-time.h"

/* A damaged store is never opened for recording: SQLite would refuse some reads and, for a
 * damaged log, overwrite what it could not read with the next record. So instead of the usual
 * window `mend` shows this one. It says what is wrong, that nothing more can be recorded on
 * this device, and offers one thing: to export what can still be read into a new folder
 * beside the store, for the supervisor to hand to HQ. The damaged file stays as it is. */

struct _MendDamagedWindow
{
  AdwApplicationWindow parent_instance;

  char *store_path;
  char *export_folder;
  gboolean exporting;
  GtkLabel *status;
  GtkButton *export_button;
  GtkSpinner *spinner;
  GCancellable *cancellable;
};

G_DEFINE_FINAL_TYPE (MendDamagedWindow, mend_damaged_window, ADW_TYPE_APPLICATION_WINDOW)

enum
{
  PROP_0,
  PROP_EXPORTING,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

typedef struct
{
  char *store_path;
  char *folder;
} ExportJob;

static void
export_job_free (ExportJob *job)
{
  g_free (job->store_path);
  g_free (job->folder);
  g_free (job);
}

static void
export_in_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  ExportJob *job = data;
  GError *error = NULL;
  MendSalvageReport *report = mend_salvage_export (job->store_path, job->folder, &error);

  if (report == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, report, (GDestroyNotify)mend_salvage_report_free);
}

static void
set_exporting (MendDamagedWindow *self, gboolean exporting)
{
  self->exporting = exporting;
  gtk_widget_set_sensitive (GTK_WIDGET (self->export_button), !exporting);
  gtk_spinner_set_spinning (self->spinner, exporting);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), exporting);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EXPORTING]);
}

static void
export_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (MendDamagedWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (MendSalvageReport) report = g_task_propagate_pointer (G_TASK (result), &error);
  ExportJob *job = g_task_get_task_data (G_TASK (result));
  g_autofree char *text = NULL;

  if (report == NULL)
    text = g_strdup_printf (_ ("Nothing could be exported: %s"), error->message);
  else
    {
      g_autofree char *described = mend_salvage_report_describe (report);

      g_free (self->export_folder);
      self->export_folder = g_strdup (job->folder);
      text = g_strdup_printf (_ ("%s\n\nThe folder %s holds them and SUMMARY.txt, which says "
                                 "what could not be read. Give the folder to HQ."),
                              described, job->folder);
    }
  gtk_label_set_text (self->status, text);
  set_exporting (self, FALSE);
}

/* "damaged.export": into a new folder beside the store, named by the time, so a second export
 * never overwrites the first. */
static void
export_action (GtkWidget *widget, const char *action, GVariant *param)
{
  MendDamagedWindow *self = MEND_DAMAGED_WINDOW (widget);
  g_autoptr (GTask) task = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%dT%H%M%SZ");
  g_autofree char *parent = g_path_get_dirname (self->store_path);
  g_autofree char *name = g_strconcat ("mend-export-", stamp, NULL);
  ExportJob *job;

  if (self->exporting)
    return;
  job = g_new0 (ExportJob, 1);
  job->store_path = g_strdup (self->store_path);
  job->folder = g_build_filename (parent, name, NULL);
  for (int n = 2; g_file_test (job->folder, G_FILE_TEST_EXISTS); n++)
    {
      g_autofree char *numbered = g_strdup_printf ("%s-%d", name, n);

      g_free (job->folder);
      job->folder = g_build_filename (parent, numbered, NULL);
    }
  gtk_label_set_text (self->status, _ ("Exporting what can be read…"));
  set_exporting (self, TRUE);
  task = g_task_new (self, self->cancellable, export_done, g_object_ref (self));
  g_task_set_task_data (task, job, (GDestroyNotify)export_job_free);
  g_task_run_in_thread (task, export_in_thread);
}

static void
mend_damaged_window_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  MendDamagedWindow *self = MEND_DAMAGED_WINDOW (object);

  switch (id)
    {
    case PROP_EXPORTING:
      g_value_set_boolean (value, self->exporting);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
mend_damaged_window_dispose (GObject *object)
{
  MendDamagedWindow *self = MEND_DAMAGED_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  G_OBJECT_CLASS (mend_damaged_window_parent_class)->dispose (object);
}

static void
mend_damaged_window_finalize (GObject *object)
{
  MendDamagedWindow *self = MEND_DAMAGED_WINDOW (object);

  g_free (self->store_path);
  g_free (self->export_folder);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (mend_damaged_window_parent_class)->finalize (object);
}

static void
mend_damaged_window_class_init (MendDamagedWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = mend_damaged_window_get_property;
  object_class->dispose = mend_damaged_window_dispose;
  object_class->finalize = mend_damaged_window_finalize;
  properties[PROP_EXPORTING] = g_param_spec_boolean ("exporting", NULL, NULL, FALSE,
                                                     G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  gtk_widget_class_install_action (GTK_WIDGET_CLASS (klass), "damaged.export", NULL, export_action);
}

static void
mend_damaged_window_init (MendDamagedWindow *self)
{
  self->cancellable = g_cancellable_new ();
}

/**
 * mend_damaged_window_new:
 * @problem: why the store could not be opened
 */
MendDamagedWindow *
mend_damaged_window_new (GtkApplication *app, const char *store_path, const GError *problem)
{
  MendDamagedWindow *self
      = g_object_new (MEND_TYPE_DAMAGED_WINDOW, "application", app, "title", _ ("Mend"),
                      "default-width", 720, "default-height", 900, NULL);
  GtkWidget *page = adw_status_page_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 18);
  GtkWidget *toolbar = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  g_autofree char *description = NULL;

  self->store_path = g_strdup (store_path);
  description = g_markup_printf_escaped (
      _ ("The records on this device could not be read safely, so nothing more can be "
         "recorded here. Export what can still be read and give it to HQ; the damaged file is "
         "kept as it is.\n\n<small>%s</small>"),
      problem->message);
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (page), "dialog-warning-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (page), _ ("This device's store is damaged"));
  adw_status_page_set_description (ADW_STATUS_PAGE (page), description);

  self->export_button = GTK_BUTTON (gtk_button_new_with_label (_ ("Export what can be read")));
  gtk_widget_add_css_class (GTK_WIDGET (self->export_button), "suggested-action");
  gtk_widget_add_css_class (GTK_WIDGET (self->export_button), "pill");
  gtk_widget_set_halign (GTK_WIDGET (self->export_button), GTK_ALIGN_CENTER);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->export_button), "damaged.export");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->export_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _ ("Export what can be read"), -1);
  self->spinner = GTK_SPINNER (gtk_spinner_new ());
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), FALSE);
  self->status = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->status, TRUE);
  gtk_label_set_selectable (self->status, TRUE);
  gtk_label_set_justify (self->status, GTK_JUSTIFY_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->status), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("Export result"), -1);

  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->export_button));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->spinner));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->status));
  adw_status_page_set_child (ADW_STATUS_PAGE (page), box);
  gtk_box_append (GTK_BOX (toolbar), adw_header_bar_new ());
  gtk_widget_set_vexpand (page, TRUE);
  gtk_box_append (GTK_BOX (toolbar), page);
  adw_application_window_set_content (ADW_APPLICATION_WINDOW (self), toolbar);
  return self;
}

const char *
mend_damaged_window_get_export_folder (MendDamagedWindow *self)
{
  g_return_val_if_fail (MEND_IS_DAMAGED_WINDOW (self), NULL);
  return self->export_folder;
}

gboolean
mend_damaged_window_get_exporting (MendDamagedWindow *self)
{
  g_return_val_if_fail (MEND_IS_DAMAGED_WINDOW (self), FALSE);
  return self->exporting;
}

const char *
mend_damaged_window_get_status_text (MendDamagedWindow *self)
{
  g_return_val_if_fail (MEND_IS_DAMAGED_WINDOW (self), NULL);
  return gtk_label_get_text (self->status);
}
