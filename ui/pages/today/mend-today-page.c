/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-ui"

#include "config.h"

#include "mend-today-page.h"

#include <glib/gi18n.h>

#include "mend-session-card.h"
#include "mend-store-clock.h"
#include "mend-store-sync.h"
#include "mend-time.h"
#include "mend-ui-util.h"

/* The status line follows the GPS by itself; this is how often it looks. */
#define STATUS_SECONDS 5

struct _MendTodayPage
{
  GtkWidget parent_instance;

  MendRecorder *recorder;
  MendSyncStatus *sync_status;
  guint status_source;
  guint n_cards;
  gboolean stale;

  GtkBox *cards;
  GtkLabel *empty_label;
  GtkLabel *status_label;
  GtkWidget *storage_box;
  GtkLabel *storage_title;
};

G_DEFINE_FINAL_TYPE (MendTodayPage, mend_today_page, GTK_TYPE_WIDGET)

static const char *
gps_text (MendRecorder *recorder)
{
  MendFix fix;

  mend_recorder_take_fix (recorder, &fix);
  switch (fix.state)
    {
    case MEND_FIX_STATE_OFF:
      return _ ("GPS off");
    case MEND_FIX_STATE_NO_GPSD:
      return _ ("No GPS service");
    case MEND_FIX_STATE_NO_FIX:
      return _ ("GPS: no fix yet");
    case MEND_FIX_STATE_FIX:
      return _ ("GPS fix");
    case MEND_FIX_STATE_STALE:
      return _ ("GPS fix is old");
    default:
      return "";
    }
}

/* The device's clock against satellite time now, or else against HQ's at the last sync, when
 * they disagree by more than two minutes: records keep their order whatever the clock says,
 * but their times are wrong until someone sets it (data/README.md, "A clock set wrong"). */
static char *
clock_text (MendRecorder *recorder)
{
  g_autoptr (MendSyncEnrolment) enrolment = NULL;
  g_autofree char *off = NULL;
  MendFix fix;
  gint64 skew_ms = 0;

  mend_recorder_take_fix (recorder, &fix);
  if (!mend_fix_clock_skew_ms (&fix, mend_time_now_ms (), &skew_ms))
    {
      enrolment = mend_store_sync_get_enrolment (mend_recorder_get_store (recorder), NULL);
      if (enrolment == NULL || !enrolment->has_clock_skew
          || ABS (enrolment->clock_skew_ms) <= MEND_CLOCK_SKEW_LIMIT_MS)
        return NULL;
      skew_ms = enrolment->clock_skew_ms;
    }
  off = mend_clock_describe_skew (skew_ms);
  /* Translators: how far the clock is off, such as “4 years 212 days fast”. */
  return g_strdup_printf (_ ("clock %s: set the date and time"), off);
}

static void
update_status (MendTodayPage *self)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *sync = NULL;
  g_autofree char *line = NULL;
  MendBacklog backlog = { 0 };

  if (self->recorder == NULL || self->sync_status == NULL)
    return;
  /* The counts arrive from a thread after the first frame; until then the line says so. */
  if (!mend_sync_status_has_backlog (self->sync_status))
    sync = g_strdup (_ ("counting what waits to sync…"));
  else if (mend_sync_status_get_backlog (self->sync_status, &backlog, &error))
    {
      g_autofree char *size = g_format_size ((guint64)backlog.photo_bytes_pending);

      if (backlog.events_pending == 0 && backlog.photos_pending == 0)
        sync = g_strdup (_ ("nothing waits to sync"));
      else
        /* Translators: records and photos waiting, then the photos' size, such as “2 MB”. */
        sync = g_strdup_printf (_ ("%d records and %d photos (%s) wait to sync"),
                                (int)backlog.events_pending, (int)backlog.photos_pending, size);
    }
  else
    sync = mend_ui_error_message (error);
  line = g_strdup_printf ("%s · %s", gps_text (self->recorder), sync);
  {
    g_autofree char *clock = clock_text (self->recorder);

    if (clock != NULL)
      {
        g_autofree char *with_clock = g_strdup_printf ("%s · %s", line, clock);

        g_free (line);
        line = g_steal_pointer (&with_clock);
      }
  }
  gtk_label_set_label (self->status_label, line);
}

static gboolean
status_tick_cb (gpointer user_data)
{
  update_status (user_data);
  return G_SOURCE_CONTINUE;
}

void
mend_today_page_refresh (MendTodayPage *self)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autoptr (GDateTime) midnight = NULL;
  g_autoptr (GPtrArray) sessions = NULL;
  g_autoptr (GError) error = NULL;
  GtkWidget *child;
  gint64 from_ms;

  g_return_if_fail (MEND_IS_TODAY_PAGE (self));

  self->stale = FALSE;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->cards))) != NULL)
    gtk_box_remove (self->cards, child);
  self->n_cards = 0;
  if (self->recorder == NULL)
    return;

  midnight = g_date_time_new_local (g_date_time_get_year (now), g_date_time_get_month (now),
                                    g_date_time_get_day_of_month (now), 0, 0, 0);
  from_ms = g_date_time_to_unix (midnight) * 1000;
  sessions = mend_store_list_sessions (mend_recorder_get_store (self->recorder), from_ms,
                                       from_ms + 24 * 3600 * 1000, &error);
  if (sessions == NULL)
    {
      g_autofree char *message = mend_ui_error_message (error);
      mend_ui_toast (GTK_WIDGET (self), message);
      return;
    }
  for (guint i = 0; i < sessions->len; i++)
    gtk_box_append (self->cards, mend_session_card_new (g_ptr_array_index (sessions, i)));
  self->n_cards = sessions->len;
  gtk_widget_set_visible (GTK_WIDGET (self->empty_label), sessions->len == 0);
  update_status (self);
}

guint
mend_today_page_get_n_cards (MendTodayPage *self)
{
  g_return_val_if_fail (MEND_IS_TODAY_PAGE (self), 0);
  return self->n_cards;
}

const char *
mend_today_page_get_status_text (MendTodayPage *self)
{
  g_return_val_if_fail (MEND_IS_TODAY_PAGE (self), NULL);
  return gtk_label_get_label (self->status_label);
}

/**
 * mend_today_page_set_storage:
 * @verdict: the check of the store's folder
 *
 * Shows the warning at the top of the page unless the folder is on an encrypted disk; a folder
 * that cannot be shown to be encrypted gets it too.
 */
void
mend_today_page_set_storage (MendTodayPage *self, MendStorageVerdict verdict)
{
  g_return_if_fail (MEND_IS_TODAY_PAGE (self));

  if (verdict == MEND_STORAGE_ENCRYPTED)
    {
      gtk_widget_set_visible (self->storage_box, FALSE);
      return;
    }
  mend_ui_set_named_label (self->storage_title,
                           verdict == MEND_STORAGE_NOT_ENCRYPTED
                               ? _ ("This device's data is not encrypted")
                               : _ ("Mend cannot tell whether this device's data is encrypted"),
                           _ ("Storage warning"));
  gtk_widget_set_visible (self->storage_box, TRUE);
}

const char *
mend_today_page_get_storage_warning (MendTodayPage *self)
{
  g_return_val_if_fail (MEND_IS_TODAY_PAGE (self), NULL);
  if (!gtk_widget_get_visible (self->storage_box))
    return NULL;
  return gtk_label_get_label (self->storage_title);
}

/* Records made on other pages change the cards' counts; a hidden Today page catches up when
 * it is shown again rather than rebuilding its cards on every tap elsewhere. */
static void
changed_cb (MendTodayPage *self)
{
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    mend_today_page_refresh (self);
  else
    self->stale = TRUE;
}

static void
map_cb (MendTodayPage *self)
{
  if (self->stale)
    mend_today_page_refresh (self);
}

void
mend_today_page_setup (MendTodayPage *self, MendRecorder *recorder, MendSyncStatus *status)
{
  g_return_if_fail (MEND_IS_TODAY_PAGE (self));
  g_return_if_fail (self->recorder == NULL);

  self->recorder = g_object_ref (recorder);
  self->sync_status = g_object_ref (status);
  g_signal_connect_object (recorder, "changed", G_CALLBACK (changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (status, "changed", G_CALLBACK (update_status), self, G_CONNECT_SWAPPED);
  self->status_source = g_timeout_add_seconds (STATUS_SECONDS, status_tick_cb, self);
  mend_today_page_refresh (self);
}

static void
mend_today_page_dispose (GObject *object)
{
  MendTodayPage *self = MEND_TODAY_PAGE (object);

  g_clear_handle_id (&self->status_source, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), MEND_TYPE_TODAY_PAGE);
  mend_ui_unparent_children (GTK_WIDGET (self));
  g_clear_object (&self->recorder);
  g_clear_object (&self->sync_status);
  G_OBJECT_CLASS (mend_today_page_parent_class)->dispose (object);
}

static void
mend_today_page_class_init (MendTodayPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = mend_today_page_dispose;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/mendapp/Mend/pages/today/mend-today-page.ui");
  gtk_widget_class_bind_template_child (widget_class, MendTodayPage, cards);
  gtk_widget_class_bind_template_child (widget_class, MendTodayPage, empty_label);
  gtk_widget_class_bind_template_child (widget_class, MendTodayPage, status_label);
  gtk_widget_class_bind_template_child (widget_class, MendTodayPage, storage_box);
  gtk_widget_class_bind_template_child (widget_class, MendTodayPage, storage_title);
}

static void
mend_today_page_init (MendTodayPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (self, "map", G_CALLBACK (map_cb), NULL);
}
