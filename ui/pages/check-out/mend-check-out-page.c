/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-ui"

#include "config.h"

#include "mend-check-out-page.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "mend-rules.h"
#include "mend-ui-util.h"

struct _MendCheckOutPage
{
  GtkWidget parent_instance;

  MendRecorder *recorder;
  GCancellable *cancellable;
  char *session_id;
  char *participant_id;
  GPtrArray *outcome_rows; /* MendOutcomeRow */
  int minutes_owed;
  gint64 arrived_at_ms;
  gint64 finished_at_ms;
  int penalty_minutes;
  int review_minutes;
  gboolean saving;

  char *outcome;
  char *quality;
  char *behaviour;
  gboolean notes_sensitive;
  gboolean alert_referrer;

  GtkStack *stack;
  GtkLabel *person_label;
  GtkListBox *outcomes;
  GtkLabel *arrival_label;
  GtkLabel *finish_label;
  GtkLabel *penalty_label;
  GtkFlowBox *quality_box;
  GtkFlowBox *behaviour_box;
  GtkTextView *notes_view;
  GtkWidget *alert_details_box;
  GtkTextView *alert_details_view;
  GtkLabel *form_message;
  GtkLabel *credit_label;
  GtkLabel *review_label;
  GtkLabel *review_message;
};

G_DEFINE_FINAL_TYPE (MendCheckOutPage, mend_check_out_page, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_OUTCOME,
  PROP_QUALITY,
  PROP_BEHAVIOUR,
  PROP_NOTES_SENSITIVE,
  PROP_ALERT_REFERRER,
  N_PROPS,
};

enum
{
  FINISHED,
  N_SIGNALS,
};

static GParamSpec *props[N_PROPS];
static guint signals[N_SIGNALS];

static const MendOutcomeRow *
find_outcome (MendCheckOutPage *self, const char *code)
{
  for (guint i = 0; self->outcome_rows != NULL && i < self->outcome_rows->len; i++)
    {
      const MendOutcomeRow *row = g_ptr_array_index (self->outcome_rows, i);

      if (g_strcmp0 (row->code, code) == 0)
        return row;
    }
  return NULL;
}

static void
set_label (GtkLabel *label, const char *message)
{
  gtk_label_set_label (label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (label), message != NULL && *message);
}

static void
update_form (MendCheckOutPage *self)
{
  g_autofree char *arrival = mend_ui_format_clock (self->arrived_at_ms);
  g_autofree char *finish = mend_ui_format_clock (self->finished_at_ms);
  g_autofree char *penalty = g_strdup_printf ("%d", self->penalty_minutes);
  gboolean ready = self->participant_id != NULL && !self->saving;

  gtk_label_set_label (self->arrival_label, arrival);
  gtk_label_set_label (self->finish_label, finish);
  gtk_label_set_label (self->penalty_label, penalty);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "check-out.review",
                                 ready && find_outcome (self, self->outcome) != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "check-out.save",
                                 ready && self->review_minutes >= 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "check-out.penalty-step", ready);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "check-out.arrival-step", ready);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "check-out.finish-step", ready);
}

/* Property actions turn these strings into action states, which cannot be NULL. */
static void
set_string (MendCheckOutPage *self, char **field, const char *value, GParamSpec *pspec)
{
  if (value == NULL)
    value = "";
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), pspec);
}

static void
set_boolean (MendCheckOutPage *self, gboolean *field, gboolean value, GParamSpec *pspec)
{
  if (*field == !!value)
    return;
  *field = !!value;
  g_object_notify_by_pspec (G_OBJECT (self), pspec);
}

static void
set_outcome (MendCheckOutPage *self, const char *code)
{
  const MendOutcomeRow *row;

  set_string (self, &self->outcome, code, props[PROP_OUTCOME]);
  /* Each outcome says whether the referrer is usually told; the switch starts there and the
   * supervisor can change it. */
  row = find_outcome (self, code);
  if (row != NULL)
    set_boolean (self, &self->alert_referrer, row->alerts_referrer, props[PROP_ALERT_REFERRER]);
  update_form (self);
}

static void
mend_check_out_page_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  MendCheckOutPage *self = MEND_CHECK_OUT_PAGE (object);

  switch (prop_id)
    {
    case PROP_OUTCOME:
      g_value_set_string (value, self->outcome);
      break;
    case PROP_QUALITY:
      g_value_set_string (value, self->quality);
      break;
    case PROP_BEHAVIOUR:
      g_value_set_string (value, self->behaviour);
      break;
    case PROP_NOTES_SENSITIVE:
      g_value_set_boolean (value, self->notes_sensitive);
      break;
    case PROP_ALERT_REFERRER:
      g_value_set_boolean (value, self->alert_referrer);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mend_check_out_page_set_property (GObject *object,
                                  guint prop_id,
                                  const GValue *value,
                                  GParamSpec *pspec)
{
  MendCheckOutPage *self = MEND_CHECK_OUT_PAGE (object);

  switch (prop_id)
    {
    case PROP_OUTCOME:
      set_outcome (self, g_value_get_string (value));
      break;
    case PROP_QUALITY:
      set_string (self, &self->quality, g_value_get_string (value), pspec);
      break;
    case PROP_BEHAVIOUR:
      set_string (self, &self->behaviour, g_value_get_string (value), pspec);
      break;
    case PROP_NOTES_SENSITIVE:
      set_boolean (self, &self->notes_sensitive, g_value_get_boolean (value), pspec);
      break;
    case PROP_ALERT_REFERRER:
      set_boolean (self, &self->alert_referrer, g_value_get_boolean (value), pspec);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static const char *
rating_label (const char *rating)
{
  if (g_str_equal (rating, "excellent"))
    return _ ("Excellent");
  if (g_str_equal (rating, "good"))
    return _ ("Good");
  if (g_str_equal (rating, "satisfactory"))
    return _ ("Satisfactory");
  if (g_str_equal (rating, "unsatisfactory"))
    return _ ("Unsatisfactory");
  if (g_str_equal (rating, "poor"))
    return _ ("Poor");
  return _ ("Not applicable");
}

static void
build_ratings (MendCheckOutPage *self, GtkFlowBox *box, const char *action, const char *what)
{
  const char *const *ratings = mend_rules_ratings ();

  for (guint i = 0; ratings[i] != NULL; i++)
    {
      GtkWidget *button = gtk_toggle_button_new_with_label (rating_label (ratings[i]));
      /* Translators: a rating button's accessible name, such as “Work quality: Good”. */
      g_autofree char *name = g_strdup_printf (_ ("%s: %s"), what, rating_label (ratings[i]));

      gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
      gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", ratings[i]);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                      -1);
      gtk_widget_add_css_class (button, "mend-choice");
      gtk_flow_box_append (box, button);
    }
}

static void
build_outcomes (MendCheckOutPage *self)
{
  g_autoptr (GError) error = NULL;
  GtkWidget *child;
  GPtrArray *all;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->outcomes))) != NULL)
    gtk_list_box_remove (self->outcomes, child);
  g_clear_pointer (&self->outcome_rows, g_ptr_array_unref);

  all = mend_store_list_outcomes (mend_recorder_get_store (self->recorder), &error);
  if (all == NULL)
    {
      g_autofree char *message = mend_ui_error_message (error);
      set_label (self->form_message, message);
      return;
    }
  self->outcome_rows = all;
  for (guint i = 0; i < all->len; i++)
    {
      const MendOutcomeRow *outcome = g_ptr_array_index (all, i);
      GtkWidget *row;
      GtkWidget *button;
      GtkWidget *box;
      GtkWidget *title;
      GtkWidget *hint;

      /* Absences are recorded from the roster (Did not attend), not at check-out. */
      if (!outcome->attended)
        continue;
      /* One big toggle button per outcome, its hint under its name: a target for a gloved
       * finger, and (unlike a GTK 4.8 check button) pressable through the accessibility
       * interface. The stateful action makes the set behave as one choice. */
      button = gtk_toggle_button_new ();
      box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
      title = gtk_label_new (outcome->label);
      hint = gtk_label_new (outcome->hint);
      gtk_label_set_xalign (GTK_LABEL (title), 0);
      gtk_label_set_wrap (GTK_LABEL (title), TRUE);
      gtk_widget_add_css_class (title, "heading");
      gtk_label_set_xalign (GTK_LABEL (hint), 0);
      gtk_label_set_wrap (GTK_LABEL (hint), TRUE);
      gtk_widget_add_css_class (hint, "mend-outcome-hint");
      gtk_box_append (GTK_BOX (box), title);
      gtk_box_append (GTK_BOX (box), hint);
      gtk_button_set_child (GTK_BUTTON (button), box);
      gtk_widget_add_css_class (button, "mend-outcome");
      gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "check-out.outcome");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", outcome->code);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      outcome->label, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                      outcome->hint, -1);
      row = gtk_list_box_row_new ();
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
      gtk_list_box_row_set_selectable (GTK_LIST_BOX_ROW (row), FALSE);
      gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), button);
      gtk_list_box_append (self->outcomes, row);
    }
}

void
mend_check_out_page_set_recorder (MendCheckOutPage *self, MendRecorder *recorder)
{
  g_return_if_fail (MEND_IS_CHECK_OUT_PAGE (self));
  g_set_object (&self->recorder, recorder);
}

static gint64
round_to_minute (gint64 ms)
{
  return ms - ms % 60000;
}

void
mend_check_out_page_load (MendCheckOutPage *self,
                          const char *session_id,
                          const char *participant_id)
{
  g_autoptr (GPtrArray) roster = NULL;
  g_autoptr (GError) error = NULL;
  const MendRosterRow *person = NULL;
  g_autofree char *title = NULL;

  g_return_if_fail (MEND_IS_CHECK_OUT_PAGE (self));
  g_return_if_fail (self->recorder != NULL);

  /* Coming back to the same person keeps what was typed, even after an error or a lock. */
  if (g_strcmp0 (self->session_id, session_id) == 0
      && g_strcmp0 (self->participant_id, participant_id) == 0)
    return;

  roster = mend_store_list_roster (mend_recorder_get_store (self->recorder), session_id, &error);
  for (guint i = 0; roster != NULL && i < roster->len; i++)
    if (g_str_equal (((MendRosterRow *)g_ptr_array_index (roster, i))->participant_id,
                     participant_id))
      person = g_ptr_array_index (roster, i);

  g_free (self->session_id);
  g_free (self->participant_id);
  self->session_id = g_strdup (session_id);
  self->participant_id = g_strdup (participant_id);
  self->review_minutes = -1;
  self->penalty_minutes = 0;
  self->saving = FALSE;
  /* Finish is now, to the millisecond: rounded down, it could fall before a check-in made a
   * few seconds ago, and the rule would refuse the check-out. */
  self->finished_at_ms = g_get_real_time () / 1000;
  self->arrived_at_ms
      = person && person->arrived_at_ms ? person->arrived_at_ms : self->finished_at_ms;
  self->minutes_owed = person ? person->minutes_owed : 0;
  set_string (self, &self->quality, "not_applicable", props[PROP_QUALITY]);
  set_string (self, &self->behaviour, "not_applicable", props[PROP_BEHAVIOUR]);
  set_boolean (self, &self->notes_sensitive, FALSE, props[PROP_NOTES_SENSITIVE]);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->notes_view), "", -1);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->alert_details_view), "", -1);
  build_outcomes (self);
  set_outcome (self, NULL);
  set_boolean (self, &self->alert_referrer, FALSE, props[PROP_ALERT_REFERRER]);

  /* Translators: the check-out page's heading. */
  title = g_strdup_printf (_ ("Check out %s"), person ? mend_ui_person_label (person) : "");
  gtk_label_set_label (self->person_label, title);
  set_label (self->form_message, person ? NULL : mend_ui_error_message (error));
  set_label (self->review_message, NULL);
  gtk_stack_set_visible_child_name (self->stack, "form");
  update_form (self);
}

static void
arrival_step_action (GtkWidget *widget, const char *name, GVariant *param)
{
  MendCheckOutPage *self = MEND_CHECK_OUT_PAGE (widget);

  self->arrived_at_ms = round_to_minute (self->arrived_at_ms) + g_variant_get_int32 (param) * 60000;
  update_form (self);
}

static void
finish_step_action (GtkWidget *widget, const char *name, GVariant *param)
{
  MendCheckOutPage *self = MEND_CHECK_OUT_PAGE (widget);

  self->finished_at_ms += (gint64)g_variant_get_int32 (param) * 60000;
  update_form (self);
}

static void
penalty_step_action (GtkWidget *widget, const char *name, GVariant *param)
{
  MendCheckOutPage *self = MEND_CHECK_OUT_PAGE (widget);

  self->penalty_minutes = MAX (0, self->penalty_minutes + g_variant_get_int32 (param));
  update_form (self);
}

static char *
dup_text (GtkTextView *view)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkTextIter start;
  GtkTextIter end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static char *
dup_notes (MendCheckOutPage *self)
{
  return dup_text (self->notes_view);
}

/* What the referrer must know: only while "tell the referrer" is on (the field is hidden
 * otherwise, and what was typed before switching it off is not sent), and only when there is
 * more than blank space. */
static char *
dup_alert_details (MendCheckOutPage *self)
{
  g_autofree char *text = NULL;
  g_autofree char *stripped = NULL;

  if (!self->alert_referrer)
    return NULL;
  text = dup_text (self->alert_details_view);
  stripped = g_strstrip (g_strdup (text));
  if (stripped[0] == '\0')
    return NULL;
  return g_steal_pointer (&text);
}

static void
review_action (GtkWidget *widget, const char *name, GVariant *param)
{
  MendCheckOutPage *self = MEND_CHECK_OUT_PAGE (widget);
  const MendOutcomeRow *outcome = find_outcome (self, self->outcome);
  g_autofree char *credit = NULL;
  g_autofree char *credited = NULL;
  g_autofree char *owed = NULL;
  g_autofree char *arrival = mend_ui_format_clock (self->arrived_at_ms);
  g_autofree char *finish = mend_ui_format_clock (self->finished_at_ms);
  g_autofree char *notes = dup_notes (self);
  g_autofree char *details = dup_alert_details (self);
  g_autofree char *summary = NULL;

  if (outcome == NULL)
    return;
  /* The same rule the store applies when it records the check-out. */
  self->review_minutes = mend_rules_minutes_credited (self->arrived_at_ms, self->finished_at_ms,
                                                      self->penalty_minutes, outcome->credits_time,
                                                      self->minutes_owed);
  credited = mend_ui_format_minutes (self->review_minutes);
  owed = mend_ui_format_minutes (self->minutes_owed);
  /* Translators: the review's heading, such as “3 h 30 min credited”. */
  credit = g_strdup_printf (_ ("%s credited"), credited);
  summary = g_strdup_printf (_ ("%s\n%s to %s, %d minutes penalty\nWork quality: %s · Behaviour: "
                                "%s\nNotes: %s%s\nTell the referrer: %s\n%s still owed before "
                                "this session"),
                             outcome->label, arrival, finish, self->penalty_minutes,
                             rating_label (self->quality), rating_label (self->behaviour),
                             *notes ? notes : _ ("none"),
                             self->notes_sensitive ? _ (" (sensitive)") : "",
                             !self->alert_referrer ? _ ("no")
                             : details != NULL     ? _ ("yes, with details for HQ")
                                                   : _ ("yes"),
                             owed);
  mend_ui_set_named_label (self->credit_label, credit, _ ("Hours credited"));
  gtk_label_set_label (self->review_label, summary);
  set_label (self->review_message, NULL);
  gtk_stack_set_visible_child_name (self->stack, "review");
  update_form (self);
}

static void
edit_action (GtkWidget *widget, const char *name, GVariant *param)
{
  MendCheckOutPage *self = MEND_CHECK_OUT_PAGE (widget);

  self->review_minutes = -1;
  gtk_stack_set_visible_child_name (self->stack, "form");
  update_form (self);
}

static void
saved_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (MendCheckOutPage) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *event_id = NULL;

  event_id = mend_recorder_record_finish (MEND_RECORDER (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->saving = FALSE;
  if (event_id == NULL)
    {
      /* Nothing typed is lost: the form stays as it was, with the reason above Save. */
      g_autofree char *message = mend_ui_error_message (error);

      set_label (self->review_message, message);
      update_form (self);
      return;
    }
  g_clear_pointer (&self->participant_id, g_free);
  g_clear_pointer (&self->session_id, g_free);
  update_form (self);
  mend_ui_toast (GTK_WIDGET (self), _ ("Checked out"));
  g_signal_emit (self, signals[FINISHED], 0);
}

static void
save_action (GtkWidget *widget, const char *name, GVariant *param)
{
  MendCheckOutPage *self = MEND_CHECK_OUT_PAGE (widget);
  g_autofree char *notes = dup_notes (self);
  g_autofree char *alert_details = dup_alert_details (self);
  MendCheckOut details = {
    .outcome = self->outcome,
    .arrived_at_ms = self->arrived_at_ms,
    .finished_at_ms = self->finished_at_ms,
    .penalty_minutes = self->penalty_minutes,
    .quality = self->quality,
    .behaviour = self->behaviour,
    .notes = *notes ? notes : NULL,
    .sensitive = self->notes_sensitive,
    .alert_referrer = self->alert_referrer,
    .alert_details = alert_details,
  };

  if (self->saving || self->participant_id == NULL)
    return;
  self->saving = TRUE;
  set_label (self->review_message, _ ("Saving…"));
  update_form (self);
  mend_recorder_record_async (
      self->recorder, mend_command_check_out (self->session_id, self->participant_id, &details),
      self->cancellable, saved_cb, g_object_ref (self));
}

gint64
mend_check_out_page_get_arrived_at (MendCheckOutPage *self)
{
  g_return_val_if_fail (MEND_IS_CHECK_OUT_PAGE (self), 0);
  return self->arrived_at_ms;
}

gint64
mend_check_out_page_get_finished_at (MendCheckOutPage *self)
{
  g_return_val_if_fail (MEND_IS_CHECK_OUT_PAGE (self), 0);
  return self->finished_at_ms;
}

int
mend_check_out_page_get_review_minutes (MendCheckOutPage *self)
{
  g_return_val_if_fail (MEND_IS_CHECK_OUT_PAGE (self), -1);
  return self->review_minutes;
}

const char *
mend_check_out_page_get_message (MendCheckOutPage *self)
{
  g_return_val_if_fail (MEND_IS_CHECK_OUT_PAGE (self), NULL);
  if (gtk_widget_get_visible (GTK_WIDGET (self->review_message)))
    return gtk_label_get_label (self->review_message);
  if (gtk_widget_get_visible (GTK_WIDGET (self->form_message)))
    return gtk_label_get_label (self->form_message);
  return "";
}

void
mend_check_out_page_set_notes (MendCheckOutPage *self, const char *notes)
{
  g_return_if_fail (MEND_IS_CHECK_OUT_PAGE (self));
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->notes_view), notes, -1);
}

/* What the referrer must know, as typed; for tests and a form restored after a refusal. */
void
mend_check_out_page_set_alert_details (MendCheckOutPage *self, const char *details)
{
  g_return_if_fail (MEND_IS_CHECK_OUT_PAGE (self));
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->alert_details_view), details, -1);
}

/* Whether the field for the referrer's details is shown: only with "tell the referrer" on. */
gboolean
mend_check_out_page_get_alert_details_shown (MendCheckOutPage *self)
{
  g_return_val_if_fail (MEND_IS_CHECK_OUT_PAGE (self), FALSE);
  return gtk_widget_get_visible (self->alert_details_box);
}

gboolean
mend_check_out_page_get_saving (MendCheckOutPage *self)
{
  g_return_val_if_fail (MEND_IS_CHECK_OUT_PAGE (self), FALSE);
  return self->saving;
}

static void
mend_check_out_page_dispose (GObject *object)
{
  MendCheckOutPage *self = MEND_CHECK_OUT_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), MEND_TYPE_CHECK_OUT_PAGE);
  mend_ui_unparent_children (GTK_WIDGET (self));
  g_clear_object (&self->cancellable);
  g_clear_object (&self->recorder);
  g_clear_pointer (&self->outcome_rows, g_ptr_array_unref);
  G_OBJECT_CLASS (mend_check_out_page_parent_class)->dispose (object);
}

static void
mend_check_out_page_finalize (GObject *object)
{
  MendCheckOutPage *self = MEND_CHECK_OUT_PAGE (object);

  g_free (self->session_id);
  g_free (self->participant_id);
  g_free (self->outcome);
  g_free (self->quality);
  g_free (self->behaviour);
  G_OBJECT_CLASS (mend_check_out_page_parent_class)->finalize (object);
}

static void
mend_check_out_page_class_init (MendCheckOutPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mend_check_out_page_dispose;
  object_class->finalize = mend_check_out_page_finalize;
  object_class->get_property = mend_check_out_page_get_property;
  object_class->set_property = mend_check_out_page_set_property;

  props[PROP_OUTCOME]
      = g_param_spec_string ("outcome", NULL, NULL, NULL,
                             G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  props[PROP_QUALITY]
      = g_param_spec_string ("quality", NULL, NULL, NULL,
                             G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  props[PROP_BEHAVIOUR]
      = g_param_spec_string ("behaviour", NULL, NULL, NULL,
                             G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  props[PROP_NOTES_SENSITIVE]
      = g_param_spec_boolean ("notes-sensitive", NULL, NULL, FALSE,
                              G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  props[PROP_ALERT_REFERRER]
      = g_param_spec_boolean ("alert-referrer", NULL, NULL, FALSE,
                              G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  /* The person is checked out: the window goes back to the session. */
  signals[FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                    NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (
      widget_class, "/org/mendapp/Mend/pages/check-out/mend-check-out-page.ui");
  gtk_widget_class_bind_template_child (widget_class, MendCheckOutPage, stack);
  gtk_widget_class_bind_template_child (widget_class, MendCheckOutPage, person_label);
  gtk_widget_class_bind_template_child (widget_class, MendCheckOutPage, outcomes);
  gtk_widget_class_bind_template_child (widget_class, MendCheckOutPage, arrival_label);
  gtk_widget_class_bind_template_child (widget_class, MendCheckOutPage, finish_label);
  gtk_widget_class_bind_template_child (widget_class, MendCheckOutPage, penalty_label);
  gtk_widget_class_bind_template_child (widget_class, MendCheckOutPage, quality_box);
  gtk_widget_class_bind_template_child (widget_class, MendCheckOutPage, behaviour_box);
  gtk_widget_class_bind_template_child (widget_class, MendCheckOutPage, notes_view);
  gtk_widget_class_bind_template_child (widget_class, MendCheckOutPage, alert_details_box);
  gtk_widget_class_bind_template_child (widget_class, MendCheckOutPage, alert_details_view);
  gtk_widget_class_bind_template_child (widget_class, MendCheckOutPage, form_message);
  gtk_widget_class_bind_template_child (widget_class, MendCheckOutPage, credit_label);
  gtk_widget_class_bind_template_child (widget_class, MendCheckOutPage, review_label);
  gtk_widget_class_bind_template_child (widget_class, MendCheckOutPage, review_message);

  gtk_widget_class_install_property_action (widget_class, "check-out.outcome", "outcome");
  gtk_widget_class_install_property_action (widget_class, "check-out.quality", "quality");
  gtk_widget_class_install_property_action (widget_class, "check-out.behaviour", "behaviour");
  gtk_widget_class_install_property_action (widget_class, "check-out.notes-sensitive",
                                            "notes-sensitive");
  gtk_widget_class_install_property_action (widget_class, "check-out.alert-referrer",
                                            "alert-referrer");
  gtk_widget_class_install_action (widget_class, "check-out.arrival-step", "i",
                                   arrival_step_action);
  gtk_widget_class_install_action (widget_class, "check-out.finish-step", "i", finish_step_action);
  gtk_widget_class_install_action (widget_class, "check-out.penalty-step", "i",
                                   penalty_step_action);
  gtk_widget_class_install_action (widget_class, "check-out.review", NULL, review_action);
  gtk_widget_class_install_action (widget_class, "check-out.edit", NULL, edit_action);
  gtk_widget_class_install_action (widget_class, "check-out.save", NULL, save_action);
}

static void
mend_check_out_page_init (MendCheckOutPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->review_minutes = -1;
  self->outcome = g_strdup ("");
  self->quality = g_strdup ("not_applicable");
  self->behaviour = g_strdup ("not_applicable");
  build_ratings (self, self->quality_box, "check-out.quality", _ ("Work quality"));
  build_ratings (self, self->behaviour_box, "check-out.behaviour", _ ("Behaviour"));
  update_form (self);
}
