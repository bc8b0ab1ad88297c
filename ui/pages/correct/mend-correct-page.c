/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-ui"

#include "config.h"

#include "mend-correct-page.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "mend-store-ui-queries.h"
#include "mend-ui-util.h"

struct _MendCorrectPage
{
  GtkWidget parent_instance;

  MendRecorder *recorder;
  GCancellable *cancellable;
  char *participant_id;
  guint n_records;
  gboolean busy;

  GtkLabel *person_label;
  GtkEntry *reason_entry;
  GtkLabel *message_label;
  GtkListBox *history;
};

G_DEFINE_FINAL_TYPE (MendCorrectPage, mend_correct_page, GTK_TYPE_WIDGET)

static void
set_message (MendCorrectPage *self, const char *message)
{
  gtk_label_set_label (self->message_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), message != NULL && *message);
}

static void
reload (MendCorrectPage *self)
{
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (GError) error = NULL;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->history))) != NULL)
    gtk_list_box_remove (self->history, child);
  self->n_records = 0;
  if (self->recorder == NULL || self->participant_id == NULL)
    return;

  rows = mend_store_list_person_history (mend_recorder_get_store (self->recorder),
                                         self->participant_id, &error);
  if (rows == NULL)
    {
      g_autofree char *message = mend_ui_error_message (error);
      set_message (self, message);
      return;
    }
  for (guint i = 0; i < rows->len; i++)
    {
      const MendHistoryRow *h = g_ptr_array_index (rows, i);
      GtkWidget *row = adw_action_row_new ();
      g_autofree char *when = mend_ui_format_clock (h->occurred_at_ms);
      g_autofree char *title = NULL;
      g_autofree char *subtitle = NULL;
      g_autofree char *name = NULL;

      title = h->outcome
                  ? g_strdup_printf ("%s (%s)", mend_ui_event_kind_label (h->kind), h->outcome)
                  : g_strdup (mend_ui_event_kind_label (h->kind));
      /* Translators: under a record: when and where, and whether it was voided. */
      subtitle = g_strdup_printf (h->voided_by ? _ ("%s at %s · voided") : _ ("%s at %s"), when,
                                  h->site_name ? h->site_name : "");
      /* Notes are never shown here: a sealed one only HQ can read, and even a plain one (on a
       * device never enrolled) is not for a list anyone holding the device can open. */
      if (h->note != MEND_HISTORY_NOTE_NONE)
        {
          g_autofree char *with_note
              = g_strconcat (subtitle, " · ",
                             h->note == MEND_HISTORY_NOTE_SEALED ? _ ("sealed note")
                                                                 : _ ("note kept on the device"),
                             NULL);

          g_free (subtitle);
          subtitle = g_steal_pointer (&with_note);
        }
      /* Nor what the referrer is to be told: only that it exists, and in which form. */
      if (h->alert_details != MEND_HISTORY_NOTE_NONE)
        {
          g_autofree char *with_details
              = g_strconcat (subtitle, " · ",
                             h->alert_details == MEND_HISTORY_NOTE_SEALED
                                 ? _ ("sealed details for the referrer")
                                 : _ ("details for the referrer kept on the device"),
                             NULL);

          g_free (subtitle);
          subtitle = g_steal_pointer (&with_details);
        }
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      if (h->voided_by == NULL)
        {
          GtkWidget *button = gtk_button_new_with_label (_ ("Void"));

          gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
          gtk_widget_add_css_class (button, "destructive-action");
          gtk_widget_add_css_class (button, "mend-big");
          gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "correct.void");
          gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", h->event_id);
          /* Translators: accessible name, such as “Void Checked in 09:12”. */
          name = g_strdup_printf (_ ("Void %s %s"), title, when);
          gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                          name, -1);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
        }
      gtk_list_box_append (self->history, row);
      self->n_records++;
    }
  if (rows->len == 0)
    set_message (self, _ ("Nothing recorded about this person yet."));
}

void
mend_correct_page_set_recorder (MendCorrectPage *self, MendRecorder *recorder)
{
  g_return_if_fail (MEND_IS_CORRECT_PAGE (self));
  g_set_object (&self->recorder, recorder);
}

void
mend_correct_page_load (MendCorrectPage *self, const char *participant_id, const char *label)
{
  g_autofree char *title = NULL;

  g_return_if_fail (MEND_IS_CORRECT_PAGE (self));

  if (g_strcmp0 (self->participant_id, participant_id) != 0)
    gtk_editable_set_text (GTK_EDITABLE (self->reason_entry), "");
  g_free (self->participant_id);
  self->participant_id = g_strdup (participant_id);
  /* Translators: the Correct page's heading, with the person's name or case reference. */
  title = g_strdup_printf (_ ("Records of %s"), label);
  gtk_label_set_label (self->person_label, title);
  set_message (self, NULL);
  reload (self);
}

static void
voided_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (MendCorrectPage) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *event_id = NULL;

  event_id = mend_recorder_record_finish (MEND_RECORDER (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->busy = FALSE;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "correct.void", TRUE);
  if (event_id == NULL)
    {
      g_autofree char *message = mend_ui_error_message (error);
      set_message (self, message);
      return;
    }
  gtk_editable_set_text (GTK_EDITABLE (self->reason_entry), "");
  set_message (self, _ ("Voided. The correction will go to HQ with the next sync."));
  reload (self);
}

static void
void_action (GtkWidget *widget, const char *name, GVariant *param)
{
  MendCorrectPage *self = MEND_CORRECT_PAGE (widget);
  const char *reason = gtk_editable_get_text (GTK_EDITABLE (self->reason_entry));

  if (self->busy)
    return;
  /* An empty reason goes to the store too: its rule refuses it, by name, and nothing is lost. */
  self->busy = TRUE;
  gtk_widget_action_set_enabled (widget, "correct.void", FALSE);
  mend_recorder_record_async (self->recorder,
                              mend_command_void (g_variant_get_string (param, NULL), reason),
                              self->cancellable, voided_cb, g_object_ref (self));
}

void
mend_correct_page_set_reason (MendCorrectPage *self, const char *reason)
{
  g_return_if_fail (MEND_IS_CORRECT_PAGE (self));
  gtk_editable_set_text (GTK_EDITABLE (self->reason_entry), reason);
}

/* Every record's subtitle, one a line, for tests. */
char *
mend_correct_page_dup_history_text (MendCorrectPage *self)
{
  g_autoptr (GString) text = g_string_new (NULL);

  g_return_val_if_fail (MEND_IS_CORRECT_PAGE (self), NULL);
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->history)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (ADW_IS_ACTION_ROW (row))
      g_string_append_printf (text, "%s: %s\n",
                              adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)),
                              adw_action_row_get_subtitle (ADW_ACTION_ROW (row)));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

const char *
mend_correct_page_get_message (MendCorrectPage *self)
{
  g_return_val_if_fail (MEND_IS_CORRECT_PAGE (self), NULL);
  return gtk_widget_get_visible (GTK_WIDGET (self->message_label))
             ? gtk_label_get_label (self->message_label)
             : "";
}

guint
mend_correct_page_get_n_records (MendCorrectPage *self)
{
  g_return_val_if_fail (MEND_IS_CORRECT_PAGE (self), 0);
  return self->n_records;
}

gboolean
mend_correct_page_get_busy (MendCorrectPage *self)
{
  g_return_val_if_fail (MEND_IS_CORRECT_PAGE (self), FALSE);
  return self->busy;
}

static void
mend_correct_page_dispose (GObject *object)
{
  MendCorrectPage *self = MEND_CORRECT_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), MEND_TYPE_CORRECT_PAGE);
  mend_ui_unparent_children (GTK_WIDGET (self));
  g_clear_object (&self->cancellable);
  g_clear_object (&self->recorder);
  G_OBJECT_CLASS (mend_correct_page_parent_class)->dispose (object);
}

static void
mend_correct_page_finalize (GObject *object)
{
  g_free (MEND_CORRECT_PAGE (object)->participant_id);
  G_OBJECT_CLASS (mend_correct_page_parent_class)->finalize (object);
}

static void
mend_correct_page_class_init (MendCorrectPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mend_correct_page_dispose;
  object_class->finalize = mend_correct_page_finalize;
  gtk_widget_class_set_template_from_resource (
      widget_class, "/org/mendapp/Mend/pages/correct/mend-correct-page.ui");
  gtk_widget_class_bind_template_child (widget_class, MendCorrectPage, person_label);
  gtk_widget_class_bind_template_child (widget_class, MendCorrectPage, reason_entry);
  gtk_widget_class_bind_template_child (widget_class, MendCorrectPage, message_label);
  gtk_widget_class_bind_template_child (widget_class, MendCorrectPage, history);
  gtk_widget_class_install_action (widget_class, "correct.void", "s", void_action);
}

static void
mend_correct_page_init (MendCorrectPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
}
