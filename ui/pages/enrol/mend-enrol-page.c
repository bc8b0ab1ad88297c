/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-ui"

#include "config.h"

#include "mend-enrol-page.h"

#include <glib/gi18n.h>

#include "mend-store-sync.h"
#include "mend-ui-util.h"

struct _MendEnrolPage
{
  GtkWidget parent_instance;

  MendSyncScheduler *scheduler;
  GSettings *settings;
  GCancellable *cancellable;
  gboolean busy;

  GtkLabel *current_label;
  GtkEntry *hq_entry;
  GtkEntry *code_entry;
  GtkLabel *message_label;
  GtkSpinner *spinner;
};

G_DEFINE_FINAL_TYPE (MendEnrolPage, mend_enrol_page, GTK_TYPE_WIDGET)

enum
{
  ENROLLED,
  N_SIGNALS,
};

static guint signals[N_SIGNALS];

static void
set_message (MendEnrolPage *self, const char *message)
{
  mend_ui_set_named_label (self->message_label, message ? message : "", _ ("Enrolment message"));
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), message != NULL && *message);
}

static void
set_busy (MendEnrolPage *self, gboolean busy)
{
  self->busy = busy;
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "enrol.submit",
                                 !busy && self->scheduler != NULL);
  gtk_editable_set_editable (GTK_EDITABLE (self->hq_entry), !busy);
  gtk_editable_set_editable (GTK_EDITABLE (self->code_entry), !busy);
}

/**
 * mend_enrol_page_load:
 *
 * Shows where the device is enrolled (the store's enrolment is the one record of HQ's
 * address) and fills the address field from it, or from the "hq-address" setting, which is
 * only the default this page offers before the first enrolment.
 */
void
mend_enrol_page_load (MendEnrolPage *self)
{
  g_autoptr (MendSyncEnrolment) enrolment = NULL;
  g_autofree char *fallback = NULL;
  const char *address = NULL;

  g_return_if_fail (MEND_IS_ENROL_PAGE (self));
  if (self->scheduler == NULL)
    return;

  enrolment = mend_store_sync_get_enrolment (
      mend_sync_engine_get_store (mend_sync_scheduler_get_engine (self->scheduler)), NULL);
  if (enrolment != NULL)
    {
      g_autofree char *when = mend_ui_format_clock (enrolment->enrolled_at_ms);
      g_autofree char *text = NULL;

      /* Translators: the current enrolment: team, HQ address, time of enrolment. */
      text = g_strdup_printf (_ ("Enrolled with %s (team %s) at %s."), enrolment->hq_url,
                              enrolment->team_name ? enrolment->team_name : enrolment->team_id,
                              when);
      if (enrolment->reenrol_needed)
        {
          g_autofree char *more = g_strconcat (
              text, " ", _ ("HQ no longer accepts this device: enrol it again with a new code."),
              NULL);
          g_free (text);
          text = g_steal_pointer (&more);
        }
      mend_ui_set_named_label (self->current_label, text, _ ("Current enrolment"));
      address = enrolment->hq_url;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->current_label), enrolment != NULL);
  if (address == NULL && self->settings != NULL)
    address = fallback = g_settings_get_string (self->settings, "hq-address");
  if (*gtk_editable_get_text (GTK_EDITABLE (self->hq_entry)) == '\0' && address != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->hq_entry), address);
}

static void
enrolled_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (MendEnrolPage) self = user_data;
  g_autoptr (MendSyncEnrolment) enrolment = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *done = NULL;

  enrolment = mend_sync_engine_enrol_finish (MEND_SYNC_ENGINE (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  set_busy (self, FALSE);
  if (enrolment == NULL)
    {
      g_autofree char *message = mend_ui_error_message (error);

      /* The fields keep what was typed, so a typo is fixed rather than typed again. */
      set_message (self, message);
      mend_ui_toast (GTK_WIDGET (self), message);
      return;
    }
  gtk_editable_set_text (GTK_EDITABLE (self->code_entry), "");
  /* The next enrolment page offers the same HQ. */
  if (self->settings != NULL)
    g_settings_set_string (self->settings, "hq-address", enrolment->hq_url);
  /* Translators: after enrolling; the team's name. */
  done = g_strdup_printf (_ ("Enrolled with HQ for team %s. Syncing now."),
                          enrolment->team_name ? enrolment->team_name : enrolment->team_id);
  set_message (self, done);
  mend_ui_toast (GTK_WIDGET (self), done);
  mend_enrol_page_load (self);
  mend_sync_scheduler_sync_now (self->scheduler);
  g_signal_emit (self, signals[ENROLLED], 0);
}

static void
submit_action (GtkWidget *widget, const char *name, GVariant *param)
{
  MendEnrolPage *self = MEND_ENROL_PAGE (widget);
  g_autofree char *hq
      = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->hq_entry))));
  g_autofree char *code
      = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->code_entry))));

  if (self->busy || self->scheduler == NULL)
    return;
  if (*hq == '\0' || *code == '\0')
    {
      set_message (self, *hq == '\0'
                             ? _ ("Type HQ’s address first, such as https://hq.example.org.")
                             : _ ("Type the enrolment code HQ gave you."));
      return;
    }
  set_message (self, _ ("Asking HQ…"));
  set_busy (self, TRUE);
  mend_sync_engine_enrol_async (mend_sync_scheduler_get_engine (self->scheduler), hq, code,
                                g_get_host_name (), NULL, self->cancellable, enrolled_cb,
                                g_object_ref (self));
}

static void
code_activate_cb (MendEnrolPage *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "enrol.submit", NULL);
}

void
mend_enrol_page_setup (MendEnrolPage *self, MendSyncScheduler *scheduler, GSettings *settings)
{
  g_return_if_fail (MEND_IS_ENROL_PAGE (self));
  g_return_if_fail (scheduler == NULL || MEND_IS_SYNC_SCHEDULER (scheduler));

  g_set_object (&self->scheduler, scheduler);
  g_set_object (&self->settings, settings);
  set_busy (self, FALSE);
  mend_enrol_page_load (self);
}

/* For tests: what a supervisor types. */
void
mend_enrol_page_set_text (MendEnrolPage *self, const char *hq_url, const char *code)
{
  g_return_if_fail (MEND_IS_ENROL_PAGE (self));
  gtk_editable_set_text (GTK_EDITABLE (self->hq_entry), hq_url);
  gtk_editable_set_text (GTK_EDITABLE (self->code_entry), code);
}

const char *
mend_enrol_page_get_message (MendEnrolPage *self)
{
  g_return_val_if_fail (MEND_IS_ENROL_PAGE (self), NULL);
  return gtk_label_get_label (self->message_label);
}

gboolean
mend_enrol_page_get_busy (MendEnrolPage *self)
{
  g_return_val_if_fail (MEND_IS_ENROL_PAGE (self), FALSE);
  return self->busy;
}

static void
mend_enrol_page_dispose (GObject *object)
{
  MendEnrolPage *self = MEND_ENROL_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), MEND_TYPE_ENROL_PAGE);
  mend_ui_unparent_children (GTK_WIDGET (self));
  g_clear_object (&self->scheduler);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (mend_enrol_page_parent_class)->dispose (object);
}

static void
mend_enrol_page_class_init (MendEnrolPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = mend_enrol_page_dispose;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/mendapp/Mend/pages/enrol/mend-enrol-page.ui");
  gtk_widget_class_bind_template_child (widget_class, MendEnrolPage, current_label);
  gtk_widget_class_bind_template_child (widget_class, MendEnrolPage, hq_entry);
  gtk_widget_class_bind_template_child (widget_class, MendEnrolPage, code_entry);
  gtk_widget_class_bind_template_child (widget_class, MendEnrolPage, message_label);
  gtk_widget_class_bind_template_child (widget_class, MendEnrolPage, spinner);
  gtk_widget_class_install_action (widget_class, "enrol.submit", NULL, submit_action);

  /**
   * MendEnrolPage::enrolled:
   *
   * The store holds a new enrolment and a first sync has been asked for.
   */
  signals[ENROLLED] = g_signal_new ("enrolled", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                    NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
mend_enrol_page_init (MendEnrolPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  g_signal_connect_swapped (self->code_entry, "activate", G_CALLBACK (code_activate_cb), self);
  set_busy (self, FALSE);
}
