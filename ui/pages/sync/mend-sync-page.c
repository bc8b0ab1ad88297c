/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-ui"

#include "config.h"

#include "mend-sync-page.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "mend-ui-util.h"

struct _MendSyncPage
{
  GtkWidget parent_instance;

  MendSyncStatus *status;

  AdwActionRow *events_row;
  AdwActionRow *photos_row;
  AdwActionRow *parked_row;
  AdwActionRow *last_row;
  GtkLabel *engine_label;
};

G_DEFINE_FINAL_TYPE (MendSyncPage, mend_sync_page, GTK_TYPE_WIDGET)

void
mend_sync_page_refresh (MendSyncPage *self)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *events = NULL;
  g_autofree char *photos = NULL;
  g_autofree char *parked = NULL;
  g_autofree char *event_size = NULL;
  g_autofree char *photo_size = NULL;
  g_autofree char *last = NULL;
  MendBacklog backlog = { 0 };
  gint64 last_ms;

  g_return_if_fail (MEND_IS_SYNC_PAGE (self));
  if (self->status == NULL)
    return;

  if (!mend_sync_status_get_backlog (self->status, &backlog, &error))
    {
      g_autofree char *message = mend_ui_error_message (error);
      adw_action_row_set_subtitle (self->events_row, message);
      return;
    }
  event_size = g_format_size ((guint64)backlog.event_bytes_pending);
  photo_size = g_format_size ((guint64)backlog.photo_bytes_pending);
  /* Translators: records waiting to sync and their size, such as “12 (4.1 kB)”. */
  events = g_strdup_printf (_ ("%d (%s)"), (int)backlog.events_pending, event_size);
  photos = g_strdup_printf (_ ("%d (%s)"), (int)backlog.photos_pending, photo_size);
  parked = g_strdup_printf ("%d", (int)backlog.events_parked);
  adw_action_row_set_subtitle (self->events_row, events);
  adw_action_row_set_subtitle (self->photos_row, photos);
  adw_action_row_set_subtitle (self->parked_row, parked);
  last_ms = mend_sync_status_get_last_success (self->status);
  last = last_ms > 0 ? mend_ui_format_clock (last_ms) : g_strdup (_ ("Never"));
  adw_action_row_set_subtitle (self->last_row, last);
  gtk_label_set_label (self->engine_label,
                       mend_sync_status_get_can_sync (self->status)
                           ? _ ("Sync runs by itself whenever there is a network.")
                           : _ ("This device does not sync yet: enrol it with HQ at the depot. "
                                "Everything stays safely on the device until then."));
}

void
mend_sync_page_set_sync_status (MendSyncPage *self, MendSyncStatus *status)
{
  g_return_if_fail (MEND_IS_SYNC_PAGE (self));

  if (self->status != NULL)
    g_signal_handlers_disconnect_by_data (self->status, self);
  g_set_object (&self->status, status);
  if (status != NULL)
    g_signal_connect_object (status, "changed", G_CALLBACK (mend_sync_page_refresh), self,
                             G_CONNECT_SWAPPED);
  mend_sync_page_refresh (self);
}

const char *
mend_sync_page_get_events_text (MendSyncPage *self)
{
  g_return_val_if_fail (MEND_IS_SYNC_PAGE (self), NULL);
  return adw_action_row_get_subtitle (self->events_row);
}

const char *
mend_sync_page_get_photos_text (MendSyncPage *self)
{
  g_return_val_if_fail (MEND_IS_SYNC_PAGE (self), NULL);
  return adw_action_row_get_subtitle (self->photos_row);
}

static void
mend_sync_page_dispose (GObject *object)
{
  MendSyncPage *self = MEND_SYNC_PAGE (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), MEND_TYPE_SYNC_PAGE);
  mend_ui_unparent_children (GTK_WIDGET (self));
  g_clear_object (&self->status);
  G_OBJECT_CLASS (mend_sync_page_parent_class)->dispose (object);
}

static void
mend_sync_page_class_init (MendSyncPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = mend_sync_page_dispose;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/mendapp/Mend/pages/sync/mend-sync-page.ui");
  gtk_widget_class_bind_template_child (widget_class, MendSyncPage, events_row);
  gtk_widget_class_bind_template_child (widget_class, MendSyncPage, photos_row);
  gtk_widget_class_bind_template_child (widget_class, MendSyncPage, parked_row);
  gtk_widget_class_bind_template_child (widget_class, MendSyncPage, last_row);
  gtk_widget_class_bind_template_child (widget_class, MendSyncPage, engine_label);
}

static void
mend_sync_page_init (MendSyncPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
