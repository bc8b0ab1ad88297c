/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-ui"

#include "config.h"

#include "mend-unlock-page.h"

#include <glib/gi18n.h>
#include <string.h>

#include "mend-demo.h"
#include "mend-pin.h"
#include "mend-store-lockout.h"
#include "mend-store-sync.h"
#include "mend-store-ui-queries.h"
#include "mend-time.h"
#include "mend-ui-util.h"

struct _MendUnlockPage
{
  GtkWidget parent_instance;

  MendRecorder *recorder;
  GCancellable *cancellable;
  char *supervisor_id;
  char *supervisor_name;
  GString *pin;
  /* Wrong PINs since the last right one, as the store counts them (the keypad's wait follows
   * the store's count, so a restart does not reset it). */
  guint failures;
  gint64 wait_until_us;
  guint wait_source;
  gboolean busy;
  gboolean can_enrol;
  gboolean offers_enrol;

  GtkStack *stack;
  GtkBox *people_box;
  GtkLabel *people_message;
  GtkWidget *enrol_button;
  GtkLabel *who_label;
  GtkLabel *dots_label;
  GtkLabel *message_label;
  GtkGrid *keypad;
};

G_DEFINE_FINAL_TYPE (MendUnlockPage, mend_unlock_page, GTK_TYPE_WIDGET)

enum
{
  UNLOCKED,
  ENROL,
  N_SIGNALS,
};

static guint signals[N_SIGNALS];

static void load_lockout (MendUnlockPage *self);

static void
update_actions (MendUnlockPage *self)
{
  gboolean can_type = !self->busy && self->wait_source == 0;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "unlock.key",
                                 can_type && self->pin->len < MEND_UNLOCK_PIN_MAX);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "unlock.erase", can_type && self->pin->len > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "unlock.submit",
                                 can_type && self->pin->len > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "unlock.change", !self->busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "unlock.enrol",
                                 self->offers_enrol && self->can_enrol);
}

static void
update_dots (MendUnlockPage *self)
{
  g_autoptr (GString) dots = g_string_new (NULL);
  g_autofree char *description = NULL;

  for (gsize i = 0; i < self->pin->len; i++)
    g_string_append (dots, "● ");
  mend_ui_set_named_label (self->dots_label, self->pin->len ? dots->str : " ", _ ("PIN entered"));
  description = g_strdup_printf (
      g_dngettext (GETTEXT_PACKAGE, "%u digit entered", "%u digits entered", self->pin->len),
      (guint)self->pin->len);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->dots_label),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description, -1);
  update_actions (self);
}

static void
set_message (MendUnlockPage *self, const char *message)
{
  mend_ui_set_named_label (self->message_label, message ? message : " ", _ ("Unlock message"));
}

static void
clear_pin (MendUnlockPage *self)
{
  /* Overwritten before it is dropped, so the PIN does not linger in freed memory. */
  memset (self->pin->str, 0, self->pin->len);
  g_string_truncate (self->pin, 0);
  update_dots (self);
}

static void
people_clear (MendUnlockPage *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->people_box))) != NULL)
    gtk_box_remove (self->people_box, child);
}

static void
show_people_message (MendUnlockPage *self, const char *message)
{
  gtk_label_set_label (self->people_message, message);
  gtk_widget_set_visible (GTK_WIDGET (self->people_message), TRUE);
}

/* Nobody to choose. A store never enrolled (and not the demo, which the engine will not enrol)
 * can only get supervisors from HQ, so the page offers to enrol it; an enrolled store gets
 * them with its next sync pass. */
static void
explain_no_people (MendUnlockPage *self)
{
  MendStore *store = mend_recorder_get_store (self->recorder);
  g_autoptr (MendSyncEnrolment) enrolment = NULL;
  g_autoptr (GError) error = NULL;

  if (mend_store_is_demo (store))
    {
      show_people_message (self, _ ("No supervisors are on this device yet. Load the demo "
                                    "again with “mendctl demo”."));
      return;
    }
  enrolment = mend_store_sync_get_enrolment (store, &error);
  if (enrolment == NULL && error != NULL)
    {
      g_autofree char *message = mend_ui_error_message (error);

      show_people_message (self, message);
      return;
    }
  if (enrolment != NULL)
    {
      show_people_message (self, _ ("No supervisors on this device yet. The device is enrolled "
                                    "with HQ: they arrive with the next sync."));
      return;
    }
  show_people_message (self, _ ("No supervisors on this device yet: enrol it with HQ to "
                                "receive them."));
  self->offers_enrol = TRUE;
}

static void
load_people (MendUnlockPage *self)
{
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (GError) error = NULL;

  people_clear (self);
  gtk_widget_set_visible (GTK_WIDGET (self->people_message), FALSE);
  self->offers_enrol = FALSE;
  gtk_widget_set_visible (self->enrol_button, FALSE);
  update_actions (self);
  if (self->recorder == NULL)
    return;

  rows = mend_store_list_supervisors (mend_recorder_get_store (self->recorder), &error);
  if (rows == NULL)
    {
      g_autofree char *message = mend_ui_error_message (error);

      gtk_label_set_label (self->people_message, message);
      gtk_widget_set_visible (GTK_WIDGET (self->people_message), TRUE);
      return;
    }
  if (rows->len == 0)
    {
      explain_no_people (self);
      gtk_widget_set_visible (self->enrol_button, self->offers_enrol);
      update_actions (self);
      return;
    }
  for (guint i = 0; i < rows->len; i++)
    {
      const MendSupervisorRow *row = g_ptr_array_index (rows, i);
      GtkWidget *button = gtk_button_new_with_label (row->name);

      gtk_widget_add_css_class (button, "pill");
      gtk_widget_add_css_class (button, "mend-big");
      gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "unlock.pick");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", row->id);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      row->name, -1);
      gtk_widget_set_sensitive (button, row->has_pin);
      gtk_box_append (self->people_box, button);
    }
}

void
mend_unlock_page_reset (MendUnlockPage *self)
{
  g_return_if_fail (MEND_IS_UNLOCK_PAGE (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->busy = FALSE;
  g_clear_pointer (&self->supervisor_id, g_free);
  g_clear_pointer (&self->supervisor_name, g_free);
  clear_pin (self);
  set_message (self, NULL);
  load_people (self);
  gtk_stack_set_visible_child_name (self->stack, "people");
}

/**
 * mend_unlock_page_refresh:
 *
 * Lists the supervisors again (a sync pass may have brought some), unless someone is typing a
 * PIN: the list then refreshes when they go back to it.
 */
void
mend_unlock_page_refresh (MendUnlockPage *self)
{
  g_return_if_fail (MEND_IS_UNLOCK_PAGE (self));

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "people") == 0)
    load_people (self);
}

/**
 * mend_unlock_page_set_can_enrol:
 *
 * Whether enrolment can run (the app's sync engine is up); the page offers it only then.
 */
void
mend_unlock_page_set_can_enrol (MendUnlockPage *self, gboolean can_enrol)
{
  g_return_if_fail (MEND_IS_UNLOCK_PAGE (self));

  self->can_enrol = can_enrol;
  update_actions (self);
}

gboolean
mend_unlock_page_get_offers_enrol (MendUnlockPage *self)
{
  g_return_val_if_fail (MEND_IS_UNLOCK_PAGE (self), FALSE);
  return self->offers_enrol;
}

const char *
mend_unlock_page_get_people_message (MendUnlockPage *self)
{
  g_return_val_if_fail (MEND_IS_UNLOCK_PAGE (self), NULL);
  if (!gtk_widget_get_visible (GTK_WIDGET (self->people_message)))
    return NULL;
  return gtk_label_get_label (self->people_message);
}

/**
 * mend_unlock_page_dup_supervisor_names:
 *
 * Returns: (transfer full): the names listed, in order, for tests.
 */
GStrv
mend_unlock_page_dup_supervisor_names (MendUnlockPage *self)
{
  g_autoptr (GStrvBuilder) names = g_strv_builder_new ();

  g_return_val_if_fail (MEND_IS_UNLOCK_PAGE (self), NULL);
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->people_box)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    g_strv_builder_add (names, gtk_button_get_label (GTK_BUTTON (child)));
  return g_strv_builder_end (names);
}

void
mend_unlock_page_set_recorder (MendUnlockPage *self, MendRecorder *recorder)
{
  g_return_if_fail (MEND_IS_UNLOCK_PAGE (self));

  g_set_object (&self->recorder, recorder);
  mend_unlock_page_reset (self);
  load_lockout (self);
}

guint
mend_unlock_page_get_failures (MendUnlockPage *self)
{
  g_return_val_if_fail (MEND_IS_UNLOCK_PAGE (self), 0);
  return self->failures;
}

guint
mend_unlock_page_get_wait_seconds (MendUnlockPage *self)
{
  gint64 left;

  g_return_val_if_fail (MEND_IS_UNLOCK_PAGE (self), 0);
  if (self->wait_source == 0)
    return 0;
  left = self->wait_until_us - g_get_monotonic_time ();
  return left > 0 ? (guint)((left + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC) : 1;
}

gboolean
mend_unlock_page_get_busy (MendUnlockPage *self)
{
  g_return_val_if_fail (MEND_IS_UNLOCK_PAGE (self), FALSE);
  return self->busy;
}

guint
mend_unlock_page_get_pin_length (MendUnlockPage *self)
{
  g_return_val_if_fail (MEND_IS_UNLOCK_PAGE (self), 0);
  return (guint)self->pin->len;
}

static void
show_wait (MendUnlockPage *self)
{
  g_autofree char *message = NULL;
  guint seconds = mend_unlock_page_get_wait_seconds (self);

  message
      = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Wrong PIN. Too many tries: wait %u second.",
                                      "Wrong PIN. Too many tries: wait %u seconds.", seconds),
                         seconds);
  set_message (self, message);
}

static gboolean
wait_tick_cb (gpointer user_data)
{
  MendUnlockPage *self = user_data;

  if (g_get_monotonic_time () < self->wait_until_us)
    {
      show_wait (self);
      return G_SOURCE_CONTINUE;
    }
  self->wait_source = 0;
  set_message (self, _ ("Type your PIN again."));
  update_actions (self);
  return G_SOURCE_REMOVE;
}

/* Makes the keypad wait @wait_ms (0: not at all), counted on the monotonic clock from now. */
static void
start_wait (MendUnlockPage *self, gint64 wait_ms)
{
  g_clear_handle_id (&self->wait_source, g_source_remove);
  if (wait_ms <= 0)
    return;
  self->wait_until_us = g_get_monotonic_time () + wait_ms * 1000;
  self->wait_source = g_timeout_add_seconds (1, wait_tick_cb, self);
  show_wait (self);
}

/* The wrong PINs the store holds from before this page (an earlier run of the app, perhaps
 * ended by a pulled battery): a wait still running goes on where it was. */
static void
load_lockout (MendUnlockPage *self)
{
  g_autoptr (GError) error = NULL;
  MendLockout lockout = { 0 };

  if (self->recorder == NULL)
    return;
  if (!mend_store_lockout_get (mend_recorder_get_store (self->recorder), mend_time_now_ms (),
                               &lockout, &error))
    {
      /* The keypad still works; the count then starts from this run. */
      g_message ("Could not read the wrong PINs recorded: %s", error->message);
      return;
    }
  self->failures = lockout.failures;
  start_wait (self, lockout.wait_left_ms);
  update_actions (self);
}

/* The store has counted a wrong PIN (or could not, and @lockout is this page's own count);
 * the wait is the shared rule's (mend_lockout_wait_ms()). */
static void
count_failure (MendUnlockPage *self, const MendLockout *lockout)
{
  self->failures = lockout->failures;
  if (lockout->wait_left_ms <= 0)
    {
      set_message (self, _ ("Wrong PIN. Try again."));
      return;
    }
  start_wait (self, lockout->wait_left_ms);
}

typedef struct
{
  MendStore *store;
  char *supervisor_id;
  char *hash;
  char *pin;
  /* Filled by the thread: the store's count after a wrong PIN, or why it could not count. */
  gboolean recorded;
  MendLockout lockout;
  GError *record_error;
} VerifyData;

static void
verify_data_free (VerifyData *data)
{
  g_clear_object (&data->store);
  g_free (data->supervisor_id);
  g_clear_error (&data->record_error);
  g_free (data->hash);
  if (data->pin != NULL)
    memset (data->pin, 0, strlen (data->pin));
  g_free (data->pin);
  g_free (data);
}

static void
verify_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  VerifyData *data = task_data;
  gboolean right = mend_pin_verify (data->hash, data->pin);
  gint64 now_ms = mend_time_now_ms ();

  /* The failure is committed before the page learns the PIN was wrong: pulling the battery
   * to skip the wait loses nothing but the attempt. */
  if (!right)
    data->recorded = mend_store_lockout_record_failure (data->store, data->supervisor_id, now_ms,
                                                        &data->lockout, &data->record_error);
  else if (!mend_store_lockout_clear (data->store, now_ms, &data->record_error))
    g_message ("%s", data->record_error->message);
  g_task_return_boolean (task, right);
}

static void
verify_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  MendUnlockPage *self = MEND_UNLOCK_PAGE (object);
  g_autoptr (GError) error = NULL;
  gboolean ok = g_task_propagate_boolean (G_TASK (result), &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* The page was reset while the PIN was checked: a wrong one was recorded all the same,
       * and its wait applies. A disposed page has no recorder any more and does nothing. */
      if (self->recorder != NULL)
        load_lockout (self);
      return;
    }
  self->busy = FALSE;
  clear_pin (self);
  if (!ok)
    {
      VerifyData *data = g_task_get_task_data (G_TASK (result));
      MendLockout lockout = data->lockout;

      if (!data->recorded)
        {
          /* A store that cannot be written (read-only storage) still gets the wait, from
           * this page's own count. */
          g_message ("%s", data->record_error->message);
          lockout.failures = self->failures + 1;
          lockout.wait_left_ms = mend_lockout_wait_ms (lockout.failures);
        }
      count_failure (self, &lockout);
      update_actions (self);
      return;
    }
  self->failures = 0;
  set_message (self, NULL);
  g_signal_emit (self, signals[UNLOCKED], 0, self->supervisor_id, self->supervisor_name);
}

static void
pick_action (GtkWidget *widget, const char *name, GVariant *param)
{
  MendUnlockPage *self = MEND_UNLOCK_PAGE (widget);
  g_autoptr (GPtrArray) rows = NULL;
  const char *id = g_variant_get_string (param, NULL);
  g_autofree char *who = NULL;

  rows = mend_store_list_supervisors (mend_recorder_get_store (self->recorder), NULL);
  for (guint i = 0; rows != NULL && i < rows->len; i++)
    {
      const MendSupervisorRow *row = g_ptr_array_index (rows, i);

      if (g_str_equal (row->id, id))
        {
          g_free (self->supervisor_id);
          g_free (self->supervisor_name);
          self->supervisor_id = g_strdup (row->id);
          self->supervisor_name = g_strdup (row->name);
        }
    }
  if (self->supervisor_id == NULL || !g_str_equal (self->supervisor_id, id))
    return;
  /* Translators: above the PIN keypad. */
  who = g_strdup_printf (_ ("PIN for %s"), self->supervisor_name);
  gtk_label_set_label (self->who_label, who);
  clear_pin (self);
  if (self->wait_source != 0)
    show_wait (self);
  else
    set_message (self, NULL);
  gtk_stack_set_visible_child_name (self->stack, "pin");
}

static void
key_action (GtkWidget *widget, const char *name, GVariant *param)
{
  MendUnlockPage *self = MEND_UNLOCK_PAGE (widget);
  const char *digit = g_variant_get_string (param, NULL);

  if (strlen (digit) != 1 || !g_ascii_isdigit (digit[0]) || self->pin->len >= MEND_UNLOCK_PIN_MAX)
    return;
  g_string_append_c (self->pin, digit[0]);
  update_dots (self);
}

static void
erase_action (GtkWidget *widget, const char *name, GVariant *param)
{
  MendUnlockPage *self = MEND_UNLOCK_PAGE (widget);

  if (self->pin->len > 0)
    {
      self->pin->str[self->pin->len - 1] = '\0';
      g_string_truncate (self->pin, self->pin->len - 1);
    }
  update_dots (self);
}

static void
submit_action (GtkWidget *widget, const char *name, GVariant *param)
{
  MendUnlockPage *self = MEND_UNLOCK_PAGE (widget);
  g_autoptr (GTask) task = NULL;
  g_autoptr (GError) error = NULL;
  VerifyData *data;
  char *hash;

  if (self->supervisor_id == NULL || self->pin->len == 0 || self->busy || self->wait_source != 0)
    return;
  hash = mend_store_dup_pin_hash (mend_recorder_get_store (self->recorder), self->supervisor_id,
                                  &error);
  if (hash == NULL)
    {
      g_autofree char *message = mend_ui_error_message (error);
      set_message (self, message);
      return;
    }
  data = g_new0 (VerifyData, 1);
  data->store = g_object_ref (mend_recorder_get_store (self->recorder));
  data->supervisor_id = g_strdup (self->supervisor_id);
  data->hash = hash;
  data->pin = g_strndup (self->pin->str, self->pin->len);
  self->busy = TRUE;
  set_message (self, _ ("Checking…"));
  update_actions (self);

  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  task = g_task_new (self, self->cancellable, verify_cb, NULL);
  g_task_set_source_tag (task, submit_action);
  g_task_set_task_data (task, data, (GDestroyNotify)verify_data_free);
  g_task_run_in_thread (task, verify_thread);
}

static void
change_action (GtkWidget *widget, const char *name, GVariant *param)
{
  mend_unlock_page_reset (MEND_UNLOCK_PAGE (widget));
}

static void
enrol_action (GtkWidget *widget, const char *name, GVariant *param)
{
  MendUnlockPage *self = MEND_UNLOCK_PAGE (widget);

  if (self->offers_enrol && self->can_enrol)
    g_signal_emit (self, signals[ENROL], 0);
}

static GtkWidget *
key_button (const char *label, const char *accessible, const char *action, const char *target)
{
  GtkWidget *button = gtk_button_new_with_label (label);

  gtk_widget_add_css_class (button, "mend-key");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  if (target != NULL)
    gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", target);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible, -1);
  return button;
}

static void
build_keypad (MendUnlockPage *self)
{
  GtkWidget *button;

  for (int i = 1; i <= 9; i++)
    {
      char digit[2] = { (char)('0' + i), '\0' };

      gtk_grid_attach (self->keypad, key_button (digit, digit, "unlock.key", digit), (i - 1) % 3,
                       (i - 1) / 3, 1, 1);
    }
  button = key_button ("⌫", _ ("Delete last digit"), "unlock.erase", NULL);
  gtk_grid_attach (self->keypad, button, 0, 3, 1, 1);
  gtk_grid_attach (self->keypad, key_button ("0", "0", "unlock.key", "0"), 1, 3, 1, 1);
  button = key_button (_ ("OK"), _ ("Unlock"), "unlock.submit", NULL);
  gtk_widget_add_css_class (button, "suggested-action");
  gtk_grid_attach (self->keypad, button, 2, 3, 1, 1);
}

static void
mend_unlock_page_dispose (GObject *object)
{
  MendUnlockPage *self = MEND_UNLOCK_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->wait_source, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), MEND_TYPE_UNLOCK_PAGE);
  mend_ui_unparent_children (GTK_WIDGET (self));
  g_clear_object (&self->recorder);
  G_OBJECT_CLASS (mend_unlock_page_parent_class)->dispose (object);
}

static void
mend_unlock_page_finalize (GObject *object)
{
  MendUnlockPage *self = MEND_UNLOCK_PAGE (object);

  memset (self->pin->str, 0, self->pin->len);
  g_string_free (self->pin, TRUE);
  g_free (self->supervisor_id);
  g_free (self->supervisor_name);
  G_OBJECT_CLASS (mend_unlock_page_parent_class)->finalize (object);
}

static void
mend_unlock_page_class_init (MendUnlockPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mend_unlock_page_dispose;
  object_class->finalize = mend_unlock_page_finalize;

  /* (const char *supervisor_id, const char *name): the PIN was right. */
  signals[UNLOCKED] = g_signal_new ("unlocked", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                    NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  /* Enrol this device was pressed: no supervisors, never enrolled, not the demo. */
  signals[ENROL] = g_signal_new ("enrol", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                 NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (
      widget_class, "/org/mendapp/Mend/pages/unlock/mend-unlock-page.ui");
  gtk_widget_class_bind_template_child (widget_class, MendUnlockPage, stack);
  gtk_widget_class_bind_template_child (widget_class, MendUnlockPage, people_box);
  gtk_widget_class_bind_template_child (widget_class, MendUnlockPage, people_message);
  gtk_widget_class_bind_template_child (widget_class, MendUnlockPage, enrol_button);
  gtk_widget_class_bind_template_child (widget_class, MendUnlockPage, who_label);
  gtk_widget_class_bind_template_child (widget_class, MendUnlockPage, dots_label);
  gtk_widget_class_bind_template_child (widget_class, MendUnlockPage, message_label);
  gtk_widget_class_bind_template_child (widget_class, MendUnlockPage, keypad);

  gtk_widget_class_install_action (widget_class, "unlock.pick", "s", pick_action);
  gtk_widget_class_install_action (widget_class, "unlock.key", "s", key_action);
  gtk_widget_class_install_action (widget_class, "unlock.erase", NULL, erase_action);
  gtk_widget_class_install_action (widget_class, "unlock.submit", NULL, submit_action);
  gtk_widget_class_install_action (widget_class, "unlock.change", NULL, change_action);
  gtk_widget_class_install_action (widget_class, "unlock.enrol", NULL, enrol_action);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
mend_unlock_page_init (MendUnlockPage *self)
{
  self->pin = g_string_new (NULL);
  gtk_widget_init_template (GTK_WIDGET (self));
  build_keypad (self);
  update_dots (self);
}
