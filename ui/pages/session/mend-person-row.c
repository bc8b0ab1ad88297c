/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-ui"

#include "config.h"

#include "mend-person-row.h"

#include <glib/gi18n.h>

#include "mend-ui-util.h"

struct _MendPersonRow
{
  GtkWidget parent_instance;

  char *participant_id;
  char *label;
  MendAttendanceState state;
  gint64 arrived_at_ms;
  char *time_text;
  /* What the controls show now, so an update that changes nothing touches no widget. */
  gboolean shown;
  gboolean briefed;
  gboolean running;
  gboolean busy;
  gint64 minutes_owed;

  GtkLabel *name_label;
  GtkLabel *detail_label;
  GtkLabel *state_label;
  GtkButton *primary_button;
  GtkToggleButton *brief_check;
  GtkButton *absent_button;
  GtkButton *correct_button;
};

G_DEFINE_FINAL_TYPE (MendPersonRow, mend_person_row, GTK_TYPE_WIDGET)

static void
mend_person_row_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), MEND_TYPE_PERSON_ROW);
  mend_ui_unparent_children (GTK_WIDGET (object));
  G_OBJECT_CLASS (mend_person_row_parent_class)->dispose (object);
}

static void
mend_person_row_finalize (GObject *object)
{
  MendPersonRow *self = MEND_PERSON_ROW (object);

  g_free (self->participant_id);
  g_free (self->label);
  g_free (self->time_text);
  G_OBJECT_CLASS (mend_person_row_parent_class)->finalize (object);
}

static void
mend_person_row_class_init (MendPersonRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mend_person_row_dispose;
  object_class->finalize = mend_person_row_finalize;
  gtk_widget_class_set_template_from_resource (
      widget_class, "/org/mendapp/Mend/pages/session/mend-person-row.ui");
  gtk_widget_class_bind_template_child (widget_class, MendPersonRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, MendPersonRow, detail_label);
  gtk_widget_class_bind_template_child (widget_class, MendPersonRow, state_label);
  gtk_widget_class_bind_template_child (widget_class, MendPersonRow, primary_button);
  gtk_widget_class_bind_template_child (widget_class, MendPersonRow, brief_check);
  gtk_widget_class_bind_template_child (widget_class, MendPersonRow, absent_button);
  gtk_widget_class_bind_template_child (widget_class, MendPersonRow, correct_button);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
mend_person_row_init (MendPersonRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
mend_person_row_new (const char *participant_id)
{
  MendPersonRow *self = g_object_new (MEND_TYPE_PERSON_ROW, NULL);

  self->participant_id = g_strdup (participant_id);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->primary_button), "s", participant_id);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->brief_check), "s", participant_id);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->absent_button), "s", participant_id);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->correct_button), "s", participant_id);
  return GTK_WIDGET (self);
}

/* Each control's accessible name ends with the person, so "Check in Daniel Hart" is one
 * button among many with a name a screen reader, and a test, can tell apart. */
static void
name_control (GtkWidget *widget, const char *verb, const char *person)
{
  /* Translators: an action and whom it is for, such as “Check in Daniel Hart”. */
  g_autofree char *label = g_strdup_printf (C_ ("accessible", "%s %s"), verb, person);

  gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
}

void
mend_person_row_tick (MendPersonRow *self, gint64 now_ms)
{
  g_autofree char *duration = NULL;
  g_autofree char *since = NULL;
  g_autofree char *text = NULL;

  g_return_if_fail (MEND_IS_PERSON_ROW (self));

  if (self->state != MEND_ATTENDANCE_ON_SITE)
    text = g_strdup (mend_ui_attendance_label (self->state));
  else
    {
      duration = mend_ui_format_minutes ((now_ms - self->arrived_at_ms) / 60000);
      since = mend_ui_format_clock (self->arrived_at_ms);
      /* Translators: “On site since 09:12 · 1 h 05 min”. */
      text = g_strdup_printf (_ ("On site since %s · %s"), since, duration);
    }
  if (g_strcmp0 (text, self->time_text) == 0)
    return;
  g_free (self->time_text);
  self->time_text = g_steal_pointer (&text);
  gtk_label_set_label (self->state_label, self->time_text);
}

void
mend_person_row_update (MendPersonRow *self,
                        const MendRosterRow *data,
                        gboolean running,
                        gboolean busy)
{
  g_autofree char *owed = NULL;
  g_autofree char *detail = NULL;
  const char *person = mend_ui_person_label (data);
  const char *action = NULL;
  const char *verb = NULL;

  g_return_if_fail (MEND_IS_PERSON_ROW (self));

  /* A press toggles the button at once; it shows what the store holds, whatever the answer. */
  gtk_toggle_button_set_active (self->brief_check, data->briefed);
  if (self->shown && self->state == data->state && self->arrived_at_ms == data->arrived_at_ms
      && self->briefed == data->briefed && self->running == running && self->busy == busy
      && self->minutes_owed == data->minutes_owed && g_strcmp0 (self->label, person) == 0)
    return;
  self->shown = TRUE;
  self->state = data->state;
  self->arrived_at_ms = data->arrived_at_ms;
  self->briefed = data->briefed;
  self->running = running;
  self->busy = busy;
  self->minutes_owed = data->minutes_owed;
  g_free (self->label);
  self->label = g_strdup (person);

  gtk_label_set_label (self->name_label, person);
  owed = mend_ui_format_minutes (data->minutes_owed);
  /* Translators: under a person's name: their case reference and the hours they still owe. */
  detail = data->restricted ? g_strdup_printf (_ ("Restricted · %s still owed"), owed)
                            : g_strdup_printf (_ ("%s · %s still owed"), data->case_ref, owed);
  gtk_label_set_label (self->detail_label, detail);
  mend_person_row_tick (self, g_get_real_time () / 1000);

  switch (data->state)
    {
    case MEND_ATTENDANCE_EXPECTED:
      action = "session.check-in";
      verb = _ ("Check in");
      break;
    case MEND_ATTENDANCE_ON_SITE:
      action = "win.check-out";
      verb = _ ("Check out");
      break;
    case MEND_ATTENDANCE_DONE:
    case MEND_ATTENDANCE_ABSENT:
    default:
      break;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->primary_button), action != NULL);
  if (action != NULL)
    {
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->primary_button), action);
      gtk_button_set_label (self->primary_button, verb);
      name_control (GTK_WIDGET (self->primary_button), verb, person);
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->primary_button), running && !busy);

  gtk_widget_set_visible (GTK_WIDGET (self->absent_button),
                          data->state == MEND_ATTENDANCE_EXPECTED);
  gtk_widget_set_sensitive (GTK_WIDGET (self->absent_button), running && !busy);
  name_control (GTK_WIDGET (self->absent_button), _ ("Did not attend"), person);

  /* The briefing tick appears once the person is on site; once given it stays ticked. */
  gtk_widget_set_visible (GTK_WIDGET (self->brief_check),
                          data->state == MEND_ATTENDANCE_ON_SITE || data->briefed);
  gtk_widget_set_sensitive (GTK_WIDGET (self->brief_check),
                            running && !busy && !data->briefed
                                && data->state == MEND_ATTENDANCE_ON_SITE);
  name_control (GTK_WIDGET (self->brief_check), _ ("Safety briefing"), person);

  gtk_widget_set_visible (GTK_WIDGET (self->correct_button),
                          data->state != MEND_ATTENDANCE_EXPECTED);
  name_control (GTK_WIDGET (self->correct_button), _ ("Correct"), person);
}

/* While a record about the person is on its way, their buttons wait. */
void
mend_person_row_set_busy (MendPersonRow *self, gboolean busy)
{
  g_return_if_fail (MEND_IS_PERSON_ROW (self));

  if (!self->shown || self->busy == busy)
    return;
  self->busy = busy;
  gtk_widget_set_sensitive (GTK_WIDGET (self->primary_button), self->running && !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->absent_button), self->running && !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->brief_check),
                            self->running && !busy && !self->briefed
                                && self->state == MEND_ATTENDANCE_ON_SITE);
}

const char *
mend_person_row_get_participant_id (MendPersonRow *self)
{
  g_return_val_if_fail (MEND_IS_PERSON_ROW (self), NULL);
  return self->participant_id;
}

MendAttendanceState
mend_person_row_get_state (MendPersonRow *self)
{
  g_return_val_if_fail (MEND_IS_PERSON_ROW (self), MEND_ATTENDANCE_EXPECTED);
  return self->state;
}

const char *
mend_person_row_get_time_text (MendPersonRow *self)
{
  g_return_val_if_fail (MEND_IS_PERSON_ROW (self), NULL);
  return self->time_text;
}

const char *
mend_person_row_get_label (MendPersonRow *self)
{
  g_return_val_if_fail (MEND_IS_PERSON_ROW (self), NULL);
  return self->label;
}
