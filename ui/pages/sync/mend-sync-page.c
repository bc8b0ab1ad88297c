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
  MendSyncScheduler *scheduler;
  gint64 pass_started_us;
  gint64 clock_skew_ms;

  GtkLabel *engine_label;
  GtkLabel *clock_label;
  GtkProgressBar *progress_bar;
  GtkButton *enrol_button;
  AdwActionRow *events_row;
  AdwActionRow *photos_row;
  AdwActionRow *parked_row;
  AdwActionRow *last_row;
  AdwPreferencesGroup *parked_group;
  GtkListBox *parked_list;
};

G_DEFINE_FINAL_TYPE (MendSyncPage, mend_sync_page, GTK_TYPE_WIDGET)

/* What the scheduler is doing, in words for the supervisor. */
static char *
state_text (MendSyncPage *self)
{
  const char *error;

  if (self->scheduler == NULL)
    return g_strdup (_ ("This device does not sync yet: enrol it with HQ at the depot. "
                        "Everything stays safely on the device until then."));
  error = mend_sync_scheduler_get_last_error (self->scheduler);
  switch (mend_sync_scheduler_get_state (self->scheduler))
    {
    case MEND_SYNC_SCHEDULER_RUNNING:
      return g_strdup (_ ("Syncing with HQ…"));
    case MEND_SYNC_SCHEDULER_SCHEDULED:
      return g_strdup (_ ("Syncing with HQ in a moment."));
    case MEND_SYNC_SCHEDULER_BACKOFF:
      {
        g_autofree char *wait = mend_ui_format_minutes (
            (gint64)(mend_sync_scheduler_get_next_delay_ms (self->scheduler) + 59999) / 60000);

        /* Translators: HQ could not be reached; why, then how long until the next try. */
        return g_strdup_printf (_ ("HQ cannot be reached just now (%s). Everything waits safely "
                                   "on the device; the next try is within %s, or tap Sync now."),
                                error ? error : _ ("no answer"), wait);
      }
    case MEND_SYNC_SCHEDULER_OFFLINE:
      return g_strdup (_ ("No network. Everything waits safely on the device and goes when a "
                          "network is back."));
    case MEND_SYNC_SCHEDULER_REENROL:
      return g_strdup (_ ("HQ no longer accepts this device: this device must be enrolled again. "
                          "Nothing is lost; it all goes once the device is enrolled."));
    case MEND_SYNC_SCHEDULER_NOT_ENROLLED:
    case MEND_SYNC_SCHEDULER_STOPPED:
      return g_strdup (_ ("This device does not sync yet: enrol it with HQ at the depot. "
                          "Everything stays safely on the device until then."));
    case MEND_SYNC_SCHEDULER_IDLE:
    default:
      if (mend_sync_scheduler_get_photos_held (self->scheduler))
        return g_strdup (_ ("Records are with HQ. Photos wait for an unmetered network (the "
                            "depot’s Wi-Fi), unless Settings allow metered networks."));
      if (error != NULL)
        return g_strdup_printf (_ ("The last sync did not finish: %s"), error);
      return g_strdup (_ ("Sync runs by itself whenever there is a network."));
    }
}

/* The pass's progress: records count for a little, photo bytes for the rest; the estimate
 * is the time so far stretched over what is left. */
static void
update_progress (MendSyncPage *self)
{
  MendSyncEngine *engine;
  const MendSyncProgress *progress;
  double fraction = 0;
  double events = 1, bytes = 1;
  g_autofree char *text = NULL;

  if (self->scheduler == NULL
      || mend_sync_scheduler_get_state (self->scheduler) != MEND_SYNC_SCHEDULER_RUNNING)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), FALSE);
      return;
    }
  engine = mend_sync_scheduler_get_engine (self->scheduler);
  progress = mend_sync_engine_get_progress (engine);
  if (progress->events_total > 0)
    events = (double)progress->events_done / progress->events_total;
  if (progress->bytes_total > 0)
    bytes = (double)progress->bytes_done / progress->bytes_total;
  fraction = progress->bytes_total > 0 ? 0.2 * events + 0.8 * bytes : events;
  fraction = CLAMP (fraction, 0, 1);
  gtk_progress_bar_set_fraction (self->progress_bar, fraction);
  if (fraction > 0.02 && fraction < 1 && self->pass_started_us > 0)
    {
      double elapsed_s = (g_get_monotonic_time () - self->pass_started_us) / 1e6;
      int left_s = (int)(elapsed_s / fraction * (1 - fraction) + 0.5);

      /* Translators: progress of a sync pass, such as “40 % · about 12 s left”. */
      text = left_s < 90 ? g_strdup_printf (_ ("%d %% · about %d s left"), (int)(fraction * 100),
                                            MAX (left_s, 1))
                         : g_strdup_printf (_ ("%d %% · about %d min left"), (int)(fraction * 100),
                                            (left_s + 30) / 60);
    }
  else
    text = g_strdup_printf (_ ("%d %%"), (int)(fraction * 100));
  gtk_progress_bar_set_text (self->progress_bar, text);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), TRUE);
}

static void
update_parked (MendSyncPage *self)
{
  const MendSyncCounts *counts
      = self->scheduler ? mend_sync_scheduler_get_counts (self->scheduler) : NULL;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->parked_list))) != NULL)
    gtk_list_box_remove (self->parked_list, child);
  gtk_widget_set_visible (GTK_WIDGET (self->parked_group),
                          counts != NULL && counts->parked != NULL && counts->parked->len > 0);
  if (counts == NULL || counts->parked == NULL)
    return;
  for (guint i = 0; i < counts->parked->len; i++)
    {
      const MendSyncParked *parked = g_ptr_array_index (counts->parked, i);
      GtkWidget *row = adw_action_row_new ();
      MendEventKind kind = MEND_EVENT_N_KINDS;
      g_autofree char *title = NULL;

      mend_event_kind_from_string (parked->kind, &kind);
      /* Translators: a refused record: what it was and its number on this device. */
      title = g_strdup_printf (
          _ ("%s (record %" G_GINT64_FORMAT ")"),
          kind < MEND_EVENT_N_KINDS ? mend_ui_event_kind_label (kind) : parked->kind, parked->seq);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                                   parked->message ? parked->message : _ ("HQ gave no reason"));
      gtk_list_box_append (self->parked_list, row);
    }
}

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
  g_autofree char *state = NULL;
  MendBacklog backlog = { 0 };
  gint64 last_ms = 0;
  gboolean enrolled;

  g_return_if_fail (MEND_IS_SYNC_PAGE (self));

  state = state_text (self);
  mend_ui_set_named_label (self->engine_label, state, _ ("Sync state"));
  enrolled = self->scheduler != NULL
             && mend_sync_scheduler_get_state (self->scheduler) != MEND_SYNC_SCHEDULER_NOT_ENROLLED
             && mend_sync_scheduler_get_state (self->scheduler) != MEND_SYNC_SCHEDULER_REENROL;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sync.now", self->scheduler != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->enrol_button), !enrolled);
  update_progress (self);
  update_parked (self);

  if (self->scheduler != NULL && mend_sync_scheduler_get_clock_warning (self->scheduler))
    {
      g_autofree char *off = mend_ui_format_minutes (ABS (self->clock_skew_ms) / 60000);
      g_autofree char *text = NULL;

      /* Translators: the device clock against HQ's; “3 min” and “ahead”/“behind”. */
      text = g_strdup_printf (_ ("This device’s clock is %s %s of HQ’s. Records keep the device’s "
                                 "time: set the clock right."),
                              off, self->clock_skew_ms > 0 ? _ ("ahead") : _ ("behind"));
      mend_ui_set_named_label (self->clock_label, text, _ ("Clock warning"));
      gtk_widget_set_visible (GTK_WIDGET (self->clock_label), TRUE);
    }
  else
    gtk_widget_set_visible (GTK_WIDGET (self->clock_label), FALSE);

  if (self->scheduler != NULL)
    last_ms = mend_sync_scheduler_get_last_success (self->scheduler);
  if (last_ms <= 0 && self->status != NULL)
    last_ms = mend_sync_status_get_last_success (self->status);
  last = last_ms > 0 ? mend_ui_format_clock (last_ms) : g_strdup (_ ("Never"));
  adw_action_row_set_subtitle (self->last_row, last);

  if (self->status == NULL)
    return;
  if (!mend_sync_status_has_backlog (self->status))
    {
      adw_action_row_set_subtitle (self->events_row, _ ("Counting…"));
      return;
    }
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

static void
pass_started_cb (MendSyncPage *self)
{
  self->pass_started_us = g_get_monotonic_time ();
}

static void
pass_finished_cb (MendSyncPage *self, gpointer report_pointer)
{
  const MendSyncReport *report = report_pointer;

  if (report != NULL && report->has_clock_skew)
    self->clock_skew_ms = report->clock_skew_ms;
  mend_sync_page_refresh (self);
}

void
mend_sync_page_set_scheduler (MendSyncPage *self, MendSyncScheduler *scheduler)
{
  g_return_if_fail (MEND_IS_SYNC_PAGE (self));
  g_return_if_fail (scheduler == NULL || MEND_IS_SYNC_SCHEDULER (scheduler));

  if (self->scheduler != NULL)
    g_signal_handlers_disconnect_by_data (self->scheduler, self);
  g_set_object (&self->scheduler, scheduler);
  if (scheduler != NULL)
    {
      g_autoptr (MendSyncEnrolment) enrolment = mend_store_sync_get_enrolment (
          mend_sync_engine_get_store (mend_sync_scheduler_get_engine (scheduler)), NULL);

      if (enrolment != NULL && enrolment->has_clock_skew)
        self->clock_skew_ms = enrolment->clock_skew_ms;
      g_signal_connect_object (scheduler, "changed", G_CALLBACK (mend_sync_page_refresh), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (scheduler, "notify::state", G_CALLBACK (mend_sync_page_refresh),
                               self, G_CONNECT_SWAPPED);
      g_signal_connect_object (scheduler, "progress", G_CALLBACK (update_progress), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (scheduler, "pass-started", G_CALLBACK (pass_started_cb), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (scheduler, "pass-finished", G_CALLBACK (pass_finished_cb), self,
                               G_CONNECT_SWAPPED);
    }
  mend_sync_page_refresh (self);
}

static void
sync_now_action (GtkWidget *widget, const char *name, GVariant *param)
{
  MendSyncPage *self = MEND_SYNC_PAGE (widget);

  if (self->scheduler == NULL)
    return;
  mend_sync_scheduler_sync_now (self->scheduler);
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

const char *
mend_sync_page_get_state_text (MendSyncPage *self)
{
  g_return_val_if_fail (MEND_IS_SYNC_PAGE (self), NULL);
  return gtk_label_get_label (self->engine_label);
}

const char *
mend_sync_page_get_last_text (MendSyncPage *self)
{
  g_return_val_if_fail (MEND_IS_SYNC_PAGE (self), NULL);
  return adw_action_row_get_subtitle (self->last_row);
}

/* Every refused record as its row shows it, one a line: “title: HQ's reason”. */
char *
mend_sync_page_dup_parked_text (MendSyncPage *self)
{
  g_autoptr (GString) text = g_string_new (NULL);

  g_return_val_if_fail (MEND_IS_SYNC_PAGE (self), NULL);
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->parked_list)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (ADW_IS_ACTION_ROW (row))
      g_string_append_printf (text, "%s: %s\n",
                              adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)),
                              adw_action_row_get_subtitle (ADW_ACTION_ROW (row)));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

gboolean
mend_sync_page_get_clock_warning_shown (MendSyncPage *self)
{
  g_return_val_if_fail (MEND_IS_SYNC_PAGE (self), FALSE);
  return gtk_widget_get_visible (GTK_WIDGET (self->clock_label));
}

static void
mend_sync_page_dispose (GObject *object)
{
  MendSyncPage *self = MEND_SYNC_PAGE (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), MEND_TYPE_SYNC_PAGE);
  mend_ui_unparent_children (GTK_WIDGET (self));
  g_clear_object (&self->status);
  g_clear_object (&self->scheduler);
  G_OBJECT_CLASS (mend_sync_page_parent_class)->dispose (object);
}

static void
mend_sync_page_class_init (MendSyncPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = mend_sync_page_dispose;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/mendapp/Mend/pages/sync/mend-sync-page.ui");
  gtk_widget_class_bind_template_child (widget_class, MendSyncPage, engine_label);
  gtk_widget_class_bind_template_child (widget_class, MendSyncPage, clock_label);
  gtk_widget_class_bind_template_child (widget_class, MendSyncPage, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, MendSyncPage, enrol_button);
  gtk_widget_class_bind_template_child (widget_class, MendSyncPage, events_row);
  gtk_widget_class_bind_template_child (widget_class, MendSyncPage, photos_row);
  gtk_widget_class_bind_template_child (widget_class, MendSyncPage, parked_row);
  gtk_widget_class_bind_template_child (widget_class, MendSyncPage, last_row);
  gtk_widget_class_bind_template_child (widget_class, MendSyncPage, parked_group);
  gtk_widget_class_bind_template_child (widget_class, MendSyncPage, parked_list);
  gtk_widget_class_install_action (widget_class, "sync.now", NULL, sync_now_action);
}

static void
mend_sync_page_init (MendSyncPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sync.now", FALSE);
}
