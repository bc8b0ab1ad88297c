/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-ui"

#include "config.h"

#include "mend-window.h"

#include <glib/gi18n.h>

#include "mend-storage-check.h"
#include "pages/check-out/mend-check-out-page.h"
#include "pages/correct/mend-correct-page.h"
#include "pages/enrol/mend-enrol-page.h"
#include "pages/session/mend-person-row.h"
#include "pages/session/mend-session-page.h"
#include "pages/settings/mend-settings-page.h"
#include "pages/sync/mend-sync-page.h"
#include "pages/today/mend-today-page.h"
#include "pages/unlock/mend-unlock-page.h"

/* How often the idle lock looks at the clock; the lock comes at most this late. */
#define IDLE_CHECK_SECONDS 15

struct _MendWindow
{
  AdwApplicationWindow parent_instance;

  MendRecorder *recorder;
  MendSyncStatus *sync_status;
  MendSyncScheduler *scheduler;
  GSettings *settings;
  gint64 last_input_us;
  guint idle_source;
  char *session_id;
  GCancellable *storage_cancellable;

  AdwToastOverlay *toasts;
  GtkStack *lock_stack;
  AdwLeaflet *leaflet;
  GtkStack *content_stack;
  AdwWindowTitle *content_title;
  AdwWindowTitle *today_title;
  MendUnlockPage *unlock_page;
  MendTodayPage *today_page;
  MendSessionPage *session_page;
  MendCheckOutPage *check_out_page;
  MendCorrectPage *correct_page;
  MendSyncPage *sync_page;
  MendEnrolPage *enrol_page;
  MendEnrolPage *first_enrol_page;
  GtkWidget *first_enrol_box;
  MendSettingsPage *settings_page;
  GtkLabel *today_sync_badge;
  GtkLabel *content_sync_badge;
  GtkWidget *today_sync_button;
  GtkWidget *content_sync_button;
};

G_DEFINE_FINAL_TYPE (MendWindow, mend_window, ADW_TYPE_APPLICATION_WINDOW)

static const char *const unlocked_actions[] = {
  "win.lock",    "win.back",      "win.open-session",  "win.check-out",
  "win.correct", "win.show-sync", "win.show-settings", "win.show-enrol",
};

static void
set_unlocked_actions (MendWindow *self, gboolean enabled)
{
  for (guint i = 0; i < G_N_ELEMENTS (unlocked_actions); i++)
    gtk_widget_action_set_enabled (GTK_WIDGET (self), unlocked_actions[i], enabled);
}

static void
show_content (MendWindow *self, const char *name)
{
  GtkStackPage *page;

  gtk_stack_set_visible_child_name (self->content_stack, name);
  page
      = gtk_stack_get_page (self->content_stack, gtk_stack_get_visible_child (self->content_stack));
  adw_window_title_set_title (self->content_title, gtk_stack_page_get_title (page));
  adw_leaflet_set_visible_child_name (self->leaflet, "content");
}

/* Unlock, or the first-run Enrol page (visible only while it is shown, see the template). */
static void
show_lock_page (MendWindow *self, const char *name)
{
  gboolean enrol = g_str_equal (name, "first-enrol");

  if (enrol)
    gtk_widget_set_visible (self->first_enrol_box, TRUE);
  gtk_stack_set_visible_child_name (self->lock_stack, name);
  if (!enrol)
    gtk_widget_set_visible (self->first_enrol_box, FALSE);
}

void
mend_window_lock (MendWindow *self)
{
  g_return_if_fail (MEND_IS_WINDOW (self));

  mend_recorder_set_supervisor (self->recorder, NULL, NULL);
  /* Nothing personal stays on a locked device's screen, nor in its accessibility tree: the
   * pages behind the lock are hidden, and the header's "Unlocked by" goes. */
  adw_window_title_set_subtitle (self->today_title, NULL);
  mend_unlock_page_reset (self->unlock_page);
  /* The lock takes effect at once: a cross-fade would leave the last page, names and all, on
   * screen for as long as it runs (longer on a slow device). Unlocking still fades. */
  gtk_stack_set_transition_type (self->lock_stack, GTK_STACK_TRANSITION_TYPE_NONE);
  show_lock_page (self, "unlock");
  gtk_stack_set_transition_type (self->lock_stack, GTK_STACK_TRANSITION_TYPE_CROSSFADE);
  set_unlocked_actions (self, FALSE);
}

static void
show_unlock_action (GtkWidget *widget, const char *name, GVariant *param)
{
  MendWindow *self = MEND_WINDOW (widget);

  if (!mend_window_get_locked (self))
    return;
  mend_unlock_page_reset (self->unlock_page);
  show_lock_page (self, "unlock");
}

/* The Unlock page offers enrolment only on a store that has no supervisors and was never
 * enrolled; the page behind it is the Enrol page alone, so nothing else opens while locked. */
static void
first_enrol_cb (MendWindow *self)
{
  if (!mend_window_get_locked (self))
    return;
  mend_enrol_page_load (self->first_enrol_page);
  show_lock_page (self, "first-enrol");
}

/* The enrol page has asked the scheduler for a pass; the supervisors it brings appear on the
 * Unlock page when it ends (pass_finished_cb). */
static void
first_enrolled_cb (MendWindow *self)
{
  if (!mend_window_get_locked (self))
    return;
  mend_unlock_page_reset (self->unlock_page);
  show_lock_page (self, "unlock");
}

/* A pass may have brought supervisors (the first one after enrolment always does, and later
 * ones may add or remove some): a locked window lists them again. */
static void
pass_finished_cb (MendWindow *self)
{
  if (mend_window_get_locked (self))
    mend_unlock_page_refresh (self->unlock_page);
}

gboolean
mend_window_get_locked (MendWindow *self)
{
  g_return_val_if_fail (MEND_IS_WINDOW (self), TRUE);
  return mend_recorder_get_supervisor_id (self->recorder) == NULL;
}

const char *
mend_window_get_visible_page (MendWindow *self)
{
  g_return_val_if_fail (MEND_IS_WINDOW (self), NULL);

  if (mend_window_get_locked (self))
    return gtk_stack_get_visible_child_name (self->lock_stack);
  if (g_strcmp0 (adw_leaflet_get_visible_child_name (self->leaflet), "today") == 0
      && adw_leaflet_get_folded (self->leaflet))
    return "today";
  return gtk_stack_get_visible_child_name (self->content_stack);
}

/**
 * mend_window_get_page:
 *
 * Returns: (transfer none) (nullable): the page of that name, for tests.
 */
GtkWidget *
mend_window_get_page (MendWindow *self, const char *name)
{
  g_return_val_if_fail (MEND_IS_WINDOW (self), NULL);

  if (g_str_equal (name, "unlock"))
    return GTK_WIDGET (self->unlock_page);
  if (g_str_equal (name, "today"))
    return GTK_WIDGET (self->today_page);
  if (g_str_equal (name, "first-enrol"))
    return GTK_WIDGET (self->first_enrol_page);
  return gtk_stack_get_child_by_name (self->content_stack, name);
}

static void
unlocked_cb (MendWindow *self, const char *supervisor_id, const char *name)
{
  g_autofree char *subtitle = NULL;

  mend_recorder_set_supervisor (self->recorder, supervisor_id, name);
  self->last_input_us = g_get_monotonic_time ();
  set_unlocked_actions (self, TRUE);
  /* Translators: under “Today”, who unlocked the device. */
  subtitle = g_strdup_printf (_ ("Unlocked by %s"), name);
  adw_window_title_set_subtitle (self->today_title, subtitle);
  mend_today_page_refresh (self->today_page);
  show_lock_page (self, "main");
}

static void
check_out_finished_cb (MendWindow *self)
{
  show_content (self, "session");
}

static void
lock_action (GtkWidget *widget, const char *name, GVariant *param)
{
  mend_window_lock (MEND_WINDOW (widget));
}

static void
back_action (GtkWidget *widget, const char *name, GVariant *param)
{
  MendWindow *self = MEND_WINDOW (widget);
  const char *page = gtk_stack_get_visible_child_name (self->content_stack);

  /* Check-out and corrections are steps inside a session: back returns to it. */
  if (self->session_id != NULL
      && (g_strcmp0 (page, "check-out") == 0 || g_strcmp0 (page, "correct") == 0))
    {
      show_content (self, "session");
      return;
    }
  adw_leaflet_set_visible_child_name (self->leaflet, "today");
}

static void
open_session_action (GtkWidget *widget, const char *name, GVariant *param)
{
  MendWindow *self = MEND_WINDOW (widget);

  g_free (self->session_id);
  self->session_id = g_variant_dup_string (param, NULL);
  mend_session_page_set_session (self->session_page, self->session_id);
  show_content (self, "session");
}

static void
check_out_action (GtkWidget *widget, const char *name, GVariant *param)
{
  MendWindow *self = MEND_WINDOW (widget);

  if (self->session_id == NULL)
    return;
  mend_check_out_page_load (self->check_out_page, self->session_id,
                            g_variant_get_string (param, NULL));
  show_content (self, "check-out");
}

static void
correct_action (GtkWidget *widget, const char *name, GVariant *param)
{
  MendWindow *self = MEND_WINDOW (widget);
  const char *person = g_variant_get_string (param, NULL);
  GtkWidget *row = mend_session_page_get_person_row (self->session_page, person);

  mend_correct_page_load (self->correct_page, person,
                          row ? mend_person_row_get_label (MEND_PERSON_ROW (row)) : person);
  show_content (self, "correct");
}

static void
show_sync_action (GtkWidget *widget, const char *name, GVariant *param)
{
  MendWindow *self = MEND_WINDOW (widget);

  mend_sync_page_refresh (self->sync_page);
  show_content (self, "sync");
}

static void
show_enrol_action (GtkWidget *widget, const char *name, GVariant *param)
{
  MendWindow *self = MEND_WINDOW (widget);

  mend_enrol_page_load (self->enrol_page);
  show_content (self, "enrol");
}

static void
enrolled_cb (MendWindow *self)
{
  mend_sync_page_refresh (self->sync_page);
  show_content (self, "sync");
}

/* The header's badge, on every page: how many records and photos wait, or “!” when HQ
 * refused something or the device must be enrolled again. The count is the one the status
 * object keeps (counted off the main thread), so drawing it costs nothing. */
static void
update_badge (MendWindow *self)
{
  g_autofree char *text = NULL;
  g_autofree char *description = NULL;
  MendBacklog backlog = { 0 };
  gboolean alarm = FALSE;
  gint64 waiting = 0;

  if (self->sync_status != NULL && mend_sync_status_has_backlog (self->sync_status)
      && mend_sync_status_get_backlog (self->sync_status, &backlog, NULL))
    waiting = backlog.events_pending + backlog.photos_pending;
  alarm = backlog.events_parked > 0
          || (self->scheduler != NULL
              && mend_sync_scheduler_get_state (self->scheduler) == MEND_SYNC_SCHEDULER_REENROL);
  if (alarm)
    text = g_strdup ("!");
  else if (waiting > 0)
    text = waiting > 999 ? g_strdup ("999+") : g_strdup_printf ("%" G_GINT64_FORMAT, waiting);
  if (alarm)
    description = g_strdup (_ ("Something needs attention on the Sync page"));
  else
    /* Translators: the Sync button's description: records and photos waiting. */
    description = g_strdup_printf (
        g_dngettext (GETTEXT_PACKAGE, "%d waits to sync", "%d wait to sync", (gulong)waiting),
        (int)waiting);
  for (guint i = 0; i < 2; i++)
    {
      GtkLabel *badge = i == 0 ? self->today_sync_badge : self->content_sync_badge;
      GtkWidget *button = i == 0 ? self->today_sync_button : self->content_sync_button;

      gtk_label_set_label (badge, text ? text : "");
      gtk_widget_set_visible (GTK_WIDGET (badge), text != NULL);
      if (alarm)
        gtk_widget_add_css_class (GTK_WIDGET (badge), "error");
      else
        gtk_widget_remove_css_class (GTK_WIDGET (badge), "error");
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                      description, -1);
    }
}

/* The content header's badge leads to the Sync page; on the Sync page itself it says nothing
 * new, so it hides there. */
static void
content_page_changed_cb (MendWindow *self)
{
  gtk_widget_set_visible (self->content_sync_button,
                          g_strcmp0 (gtk_stack_get_visible_child_name (self->content_stack), "sync")
                              != 0);
}

static void
recorded_cb (MendWindow *self)
{
  if (self->scheduler != NULL)
    mend_sync_scheduler_notify_new_events (self->scheduler);
}

/**
 * mend_window_set_scheduler:
 * @scheduler: (nullable): the app's sync scheduler
 *
 * Makes the Sync page live (progress, Sync now, HQ's reasons) and the Enrol page usable.
 */
void
mend_window_set_scheduler (MendWindow *self, MendSyncScheduler *scheduler)
{
  g_return_if_fail (MEND_IS_WINDOW (self));

  g_signal_handlers_disconnect_by_func (self->recorder, recorded_cb, self);
  if (self->scheduler != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->scheduler, self);
      g_signal_handlers_disconnect_by_data (self->scheduler, self->sync_status);
    }
  g_set_object (&self->scheduler, scheduler);
  if (scheduler != NULL)
    {
      g_signal_connect_object (scheduler, "notify::state", G_CALLBACK (update_badge), self,
                               G_CONNECT_SWAPPED);
      /* Each record tells the scheduler, which waits a few seconds after the last one, so a
       * burst of taps makes one pass. */
      g_signal_connect_object (self->recorder, "recorded", G_CALLBACK (recorded_cb), self,
                               G_CONNECT_SWAPPED);
      /* A pass moved records and photos: count what still waits (off the main thread). */
      g_signal_connect_object (scheduler, "pass-finished", G_CALLBACK (mend_sync_status_refresh),
                               self->sync_status, G_CONNECT_SWAPPED);
      g_signal_connect_object (scheduler, "pass-finished", G_CALLBACK (pass_finished_cb), self,
                               G_CONNECT_SWAPPED);
    }
  mend_sync_page_set_scheduler (self->sync_page, scheduler);
  mend_enrol_page_setup (self->enrol_page, scheduler, self->settings);
  mend_enrol_page_setup (self->first_enrol_page, scheduler, self->settings);
  mend_unlock_page_set_can_enrol (self->unlock_page, scheduler != NULL);
  update_badge (self);
}

static void
storage_checked_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (MendWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *detail = NULL;
  MendStorageVerdict verdict = mend_storage_check_folder_finish (result, &detail, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->storage_cancellable);
  /* The detail names a device, nothing personal: it may go to the log. */
  g_debug ("Storage: %s (%s)", mend_storage_verdict_to_string (verdict), detail);
  mend_today_page_set_storage (self->today_page, verdict);
  mend_settings_page_set_storage (self->settings_page, verdict, detail);
}

/**
 * mend_window_check_storage:
 * @sys_root: (nullable): where sysfs is; %NULL for "/sys"
 *
 * Checks, on a worker thread, whether the store's folder is on an encrypted block device
 * (mend_storage_check_folder()), and shows the verdict on the Today and Settings pages.
 */
void
mend_window_check_storage (MendWindow *self, const char *sys_root)
{
  g_autofree char *folder = NULL;

  g_return_if_fail (MEND_IS_WINDOW (self));

  g_cancellable_cancel (self->storage_cancellable);
  g_clear_object (&self->storage_cancellable);
  self->storage_cancellable = g_cancellable_new ();
  folder = g_path_get_dirname (mend_store_get_path (mend_recorder_get_store (self->recorder)));
  mend_storage_check_folder_async (folder, sys_root, self->storage_cancellable, storage_checked_cb,
                                   g_object_ref (self));
}

gboolean
mend_window_get_storage_checking (MendWindow *self)
{
  g_return_val_if_fail (MEND_IS_WINDOW (self), FALSE);
  return self->storage_cancellable != NULL;
}

static void
show_settings_action (GtkWidget *widget, const char *name, GVariant *param)
{
  show_content (MEND_WINDOW (widget), "settings");
}

/* Any input keeps the device unlocked; the controller only watches and never claims. */
static gboolean
input_cb (GtkEventControllerLegacy *controller, GdkEvent *event, MendWindow *self)
{
  self->last_input_us = g_get_monotonic_time ();
  return GDK_EVENT_PROPAGATE;
}

/**
 * mend_window_check_idle:
 * @now_us: the monotonic clock, as g_get_monotonic_time() gives it
 *
 * Locks the window when nothing was touched for the "lock-minutes" setting (0: never). Run
 * by a timer; tests call it with a clock of their own.
 */
void
mend_window_check_idle (MendWindow *self, gint64 now_us)
{
  guint minutes;

  g_return_if_fail (MEND_IS_WINDOW (self));

  minutes = g_settings_get_uint (self->settings, "lock-minutes");
  if (minutes > 0 && !mend_window_get_locked (self)
      && now_us - self->last_input_us >= (gint64)minutes * 60 * G_USEC_PER_SEC)
    mend_window_lock (self);
}

static gboolean
idle_check_cb (gpointer user_data)
{
  mend_window_check_idle (user_data, g_get_monotonic_time ());
  return G_SOURCE_CONTINUE;
}

static void
mend_window_dispose (GObject *object)
{
  MendWindow *self = MEND_WINDOW (object);

  g_clear_handle_id (&self->idle_source, g_source_remove);
  g_cancellable_cancel (self->storage_cancellable);
  g_clear_object (&self->storage_cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), MEND_TYPE_WINDOW);
  g_clear_object (&self->recorder);
  g_clear_object (&self->sync_status);
  g_clear_object (&self->scheduler);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (mend_window_parent_class)->dispose (object);
}

static void
mend_window_finalize (GObject *object)
{
  g_free (MEND_WINDOW (object)->session_id);
  G_OBJECT_CLASS (mend_window_parent_class)->finalize (object);
}

static void
mend_window_class_init (MendWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mend_window_dispose;
  object_class->finalize = mend_window_finalize;

  g_type_ensure (MEND_TYPE_UNLOCK_PAGE);
  g_type_ensure (MEND_TYPE_TODAY_PAGE);
  g_type_ensure (MEND_TYPE_SESSION_PAGE);
  g_type_ensure (MEND_TYPE_CHECK_OUT_PAGE);
  g_type_ensure (MEND_TYPE_CORRECT_PAGE);
  g_type_ensure (MEND_TYPE_SYNC_PAGE);
  g_type_ensure (MEND_TYPE_SETTINGS_PAGE);
  g_type_ensure (MEND_TYPE_ENROL_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/mendapp/Mend/mend-window.ui");
  gtk_widget_class_bind_template_child (widget_class, MendWindow, toasts);
  gtk_widget_class_bind_template_child (widget_class, MendWindow, lock_stack);
  gtk_widget_class_bind_template_child (widget_class, MendWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, MendWindow, content_stack);
  gtk_widget_class_bind_template_child (widget_class, MendWindow, content_title);
  gtk_widget_class_bind_template_child (widget_class, MendWindow, today_title);
  gtk_widget_class_bind_template_child (widget_class, MendWindow, unlock_page);
  gtk_widget_class_bind_template_child (widget_class, MendWindow, today_page);
  gtk_widget_class_bind_template_child (widget_class, MendWindow, session_page);
  gtk_widget_class_bind_template_child (widget_class, MendWindow, check_out_page);
  gtk_widget_class_bind_template_child (widget_class, MendWindow, correct_page);
  gtk_widget_class_bind_template_child (widget_class, MendWindow, sync_page);
  gtk_widget_class_bind_template_child (widget_class, MendWindow, settings_page);
  gtk_widget_class_bind_template_child (widget_class, MendWindow, enrol_page);
  gtk_widget_class_bind_template_child (widget_class, MendWindow, first_enrol_page);
  gtk_widget_class_bind_template_child (widget_class, MendWindow, first_enrol_box);
  gtk_widget_class_bind_template_child (widget_class, MendWindow, today_sync_badge);
  gtk_widget_class_bind_template_child (widget_class, MendWindow, content_sync_badge);
  gtk_widget_class_bind_template_child (widget_class, MendWindow, today_sync_button);
  gtk_widget_class_bind_template_child (widget_class, MendWindow, content_sync_button);
  gtk_widget_class_bind_template_callback (widget_class, unlocked_cb);
  gtk_widget_class_bind_template_callback (widget_class, check_out_finished_cb);
  gtk_widget_class_bind_template_callback (widget_class, enrolled_cb);
  gtk_widget_class_bind_template_callback (widget_class, first_enrol_cb);
  gtk_widget_class_bind_template_callback (widget_class, first_enrolled_cb);

  gtk_widget_class_install_action (widget_class, "win.lock", NULL, lock_action);
  gtk_widget_class_install_action (widget_class, "win.back", NULL, back_action);
  gtk_widget_class_install_action (widget_class, "win.open-session", "s", open_session_action);
  gtk_widget_class_install_action (widget_class, "win.check-out", "s", check_out_action);
  gtk_widget_class_install_action (widget_class, "win.correct", "s", correct_action);
  gtk_widget_class_install_action (widget_class, "win.show-sync", NULL, show_sync_action);
  gtk_widget_class_install_action (widget_class, "win.show-settings", NULL, show_settings_action);
  gtk_widget_class_install_action (widget_class, "win.show-enrol", NULL, show_enrol_action);
  gtk_widget_class_install_action (widget_class, "win.show-unlock", NULL, show_unlock_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, GDK_CONTROL_MASK, "win.lock", NULL);
}

static void
mend_window_init (MendWindow *self)
{
  GtkEventController *legacy;

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_add_css_class (GTK_WIDGET (self), "mend");

  legacy = gtk_event_controller_legacy_new ();
  gtk_event_controller_set_propagation_phase (legacy, GTK_PHASE_CAPTURE);
  g_signal_connect (legacy, "event", G_CALLBACK (input_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), legacy);
  self->last_input_us = g_get_monotonic_time ();
}

MendWindow *
mend_window_new (GtkApplication *app,
                 MendRecorder *recorder,
                 MendSyncStatus *sync_status,
                 GSettings *settings)
{
  MendWindow *self;

  g_return_val_if_fail (app == NULL || GTK_IS_APPLICATION (app), NULL);
  g_return_val_if_fail (MEND_IS_RECORDER (recorder), NULL);
  g_return_val_if_fail (MEND_IS_SYNC_STATUS (sync_status), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (MEND_TYPE_WINDOW, "application", app, NULL);
  self->recorder = g_object_ref (recorder);
  self->sync_status = g_object_ref (sync_status);
  self->settings = g_object_ref (settings);

  mend_unlock_page_set_recorder (self->unlock_page, recorder);
  mend_today_page_setup (self->today_page, recorder, sync_status);
  mend_session_page_setup (self->session_page, recorder, settings);
  mend_check_out_page_set_recorder (self->check_out_page, recorder);
  mend_correct_page_set_recorder (self->correct_page, recorder);
  mend_sync_page_set_sync_status (self->sync_page, sync_status);
  mend_settings_page_set_settings (self->settings_page, settings);
  mend_enrol_page_setup (self->enrol_page, NULL, settings);
  mend_enrol_page_setup (self->first_enrol_page, NULL, settings);
  g_signal_connect_object (sync_status, "changed", G_CALLBACK (update_badge), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->content_stack, "notify::visible-child",
                           G_CALLBACK (content_page_changed_cb), self, G_CONNECT_SWAPPED);
  update_badge (self);

  self->idle_source = g_timeout_add_seconds (IDLE_CHECK_SECONDS, idle_check_cb, self);
  /* On a thread: sysfs is read while the first frame is drawn, never before it. */
  mend_window_check_storage (self, NULL);
  mend_window_lock (self);
  return self;
}
