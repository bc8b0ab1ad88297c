/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-ui"

#include "config.h"

#include "mend-today-page.h"

#include <glib/gi18n.h>

#include "mend-session-card.h"
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
}

static void
mend_today_page_init (MendTodayPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (self, "map", G_CALLBACK (map_cb), NULL);
}
