/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-ui"

#include "config.h"

#include "mend-application.h"

#include <glib/gi18n.h>

#include "mend-damaged-window.h"
#include "mend-gps-source.h"
#include "mend-names.h"
#include "mend-recorder.h"
#include "mend-salvage.h"
#include "mend-store-sync-status.h"
#include "mend-store.h"
#include "mend-sync-scheduler.h"
#include "mend-time.h"
#include "mend-window.h"

struct _MendApplication
{
  AdwApplication parent_instance;

  char *db_path;
  gboolean no_gps;
  MendStore *store;
  GSettings *settings;
  MendRecorder *recorder;
  MendSyncStatus *sync_status;
  MendSyncEngine *engine;
  MendSyncScheduler *scheduler;
  /* Why the store could not be opened, when it is damaged: the app then shows only
   * MendDamagedWindow, which offers to export what can be read. */
  GError *damaged;
  char *damaged_path;
};

G_DEFINE_FINAL_TYPE (MendApplication, mend_application, ADW_TYPE_APPLICATION)

static const GOptionEntry option_entries[] = {
  { "db", 0, 0, G_OPTION_ARG_FILENAME, NULL, N_ ("The store to open (default: the user's own)"),
    N_ ("PATH") },
  { "no-gps", 0, 0, G_OPTION_ARG_NONE, NULL, N_ ("Do not ask gpsd; records say GPS was off"),
    NULL },
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_ ("Print the version and exit"), NULL },
  { NULL },
};

static int
mend_application_handle_local_options (GApplication *app, GVariantDict *options)
{
  MendApplication *self = MEND_APPLICATION (app);
  g_autofree char *db = NULL;

  /* Before the store: asking the version opens nothing and needs no display. */
  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("mend %s\n", PACKAGE_VERSION);
      return 0;
    }
  /* Without its schema GSettings aborts at startup; say what to do instead. With no schema
   * folder at all there is no default source either. */
  {
    GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
    g_autoptr (GSettingsSchema) schema
        = source ? g_settings_schema_source_lookup (source, MEND_APPLICATION_ID, TRUE) : NULL;

    if (schema == NULL)
      {
        g_printerr (_ ("mend: the settings schema %s is not installed. Install Mend, or run it "
                       "from the build folder with GSETTINGS_SCHEMA_DIR=BUILD/app.\n"),
                    MEND_APPLICATION_ID);
        return 1;
      }
  }
  if (g_variant_dict_lookup (options, "db", "^ay", &db))
    {
      /* Relative to where mend was started, not to wherever the primary instance runs. */
      g_free (self->db_path);
      self->db_path = g_canonicalize_filename (db, NULL);
    }
  self->no_gps = g_variant_dict_contains (options, "no-gps");

  /* The store opens here, before any window, so a store that cannot be opened ends `mend`
   * with a message and a failing exit status. */
  {
    g_autoptr (GError) error = NULL;
    g_autofree char *path = self->db_path ? g_strdup (self->db_path) : mend_store_default_path ();

    self->store = mend_store_open (path, MEND_STORE_OPEN_DEFAULT, &error);
    /* A damaged store is said so on screen, with a way to export what can be read; it is not
     * an exit with a message a supervisor never sees. */
    if (self->store == NULL && g_error_matches (error, MEND_STORE_ERROR, MEND_STORE_ERROR_CORRUPT))
      {
        g_printerr (_ ("mend: the store %s is damaged: %s\n"), path, error->message);
        self->damaged = g_steal_pointer (&error);
        self->damaged_path = g_steal_pointer (&path);
        return -1;
      }
    if (self->store == NULL)
      {
        g_printerr (_ ("mend: could not open the store %s: %s\n"), path, error->message);
        return 1;
      }
  }
  return -1;
}

/* The sync engine and its scheduler: passes at start, after records, when the network comes
 * back, periodically while anything waits, and on Sync now. The photo policy and retention
 * follow the settings. An unenrolled store only waits (the Sync page offers to enrol). All of
 * it (libcurl, the network monitor) is set up once the main loop is idle, after the window's
 * first frame, which needs none of it. */
static gboolean
open_sync_cb (gpointer user_data)
{
  MendApplication *self = user_data;
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (self->scheduler != NULL || self->store == NULL)
    return G_SOURCE_REMOVE;
  self->engine = mend_sync_engine_new (self->store);
  self->scheduler = mend_sync_scheduler_new (self->engine, g_network_monitor_get_default ());
  g_settings_bind (self->settings, "sync-photos-on-metered", self->scheduler, "photos-on-metered",
                   G_SETTINGS_BIND_GET);
  g_settings_bind (self->settings, "retention-days", self->scheduler, "retention-days",
                   G_SETTINGS_BIND_GET);
  if (MEND_IS_WINDOW (window))
    mend_window_set_scheduler (MEND_WINDOW (window), self->scheduler);
  mend_sync_scheduler_start (self->scheduler);
  return G_SOURCE_REMOVE;
}

static void
drop_names_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;
  guint dropped = 0;

  if (!mend_store_drop_names (task_data, mend_time_now_ms (), &dropped, &error))
    g_task_return_error (task, error);
  else
    g_task_return_int (task, dropped);
}

static void
names_dropped_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  gssize dropped = g_task_propagate_int (G_TASK (result), &error);

  /* A count and the store's own message only: never a name. */
  if (dropped < 0)
    g_message ("Could not drop the names of people with no session today or tomorrow: %s",
               error->message);
  else
    g_debug ("Dropped %" G_GSSIZE_FORMAT " names of people with no session today or tomorrow",
             dropped);
}

/* Names of people with no session today or tomorrow leave the device at every start (a
 * manifest drops them too, but a device may go days without one), and the file is rewritten so
 * they are in no free page. On a thread: the rewrite takes the store's write lock, which the
 * window never waits for. */
static void
drop_names (MendApplication *self)
{
  g_autoptr (GTask) task = g_task_new (NULL, NULL, names_dropped_cb, NULL);

  g_task_set_source_tag (task, drop_names);
  g_task_set_task_data (task, g_object_ref (self->store), g_object_unref);
  g_task_run_in_thread (task, drop_names_thread);
}

static void
open_services (MendApplication *self)
{
  g_autoptr (MendGpsSource) gps = NULL;

  if (!self->no_gps)
    {
      g_autoptr (GError) gps_error = NULL;

      gps = mend_gps_source_new_for_settings (self->settings, &gps_error);
      /* A bad gpsd address is not a reason to refuse to start: records then say why there
       * was no fix, and the address can be fixed in Settings. */
      if (gps == NULL)
        g_warning ("GPS is off: %s", gps_error->message);
      else
        mend_gps_source_start (gps);
    }
  drop_names (self);
  self->recorder = mend_recorder_new (self->store, gps);
  self->sync_status = mend_store_sync_status_new (self->recorder);
  g_idle_add_full (G_PRIORITY_LOW, open_sync_cb, g_object_ref (self), g_object_unref);
}

static void
quick_check_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;

  if (mend_salvage_quick_check (task_data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* Damage found after the window opened: the damaged-store window takes its place, and sync
 * stops, so nothing more is read from or written to the damaged file than the export needs. */
static void
quick_check_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MendApplication *self = MEND_APPLICATION (source);
  g_autoptr (GError) error = NULL;
  GtkWindow *window;
  MendDamagedWindow *damaged;

  if (g_task_propagate_boolean (G_TASK (result), &error)
      || !g_error_matches (error, MEND_STORE_ERROR, MEND_STORE_ERROR_CORRUPT)
      || self->damaged != NULL)
    return;
  g_printerr (_ ("mend: the store %s is damaged: %s\n"), mend_store_get_path (self->store),
              error->message);
  if (self->scheduler != NULL)
    mend_sync_scheduler_stop (self->scheduler);
  self->damaged_path = g_strdup (mend_store_get_path (self->store));
  self->damaged = g_steal_pointer (&error);
  window = gtk_application_get_active_window (GTK_APPLICATION (self));
  damaged = mend_damaged_window_new (GTK_APPLICATION (self), self->damaged_path, self->damaged);
  gtk_window_present (GTK_WINDOW (damaged));
  if (window != NULL)
    gtk_window_destroy (window);
}

/* mend_store_open() reads only the schema and the device row; damage in the middle of the file
 * would show only when a record or a read reaches it. Every page is checked once per start, on
 * a thread while the window opens. */
static void
start_quick_check (MendApplication *self)
{
  g_autoptr (GTask) task = g_task_new (self, NULL, quick_check_done_cb, NULL);

  g_task_set_source_tag (task, start_quick_check);
  g_task_set_task_data (task, g_strdup (mend_store_get_path (self->store)), g_free);
  g_task_run_in_thread (task, quick_check_thread);
}

static void
mend_application_activate (GApplication *app)
{
  MendApplication *self = MEND_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL && self->damaged != NULL)
    window = GTK_WINDOW (
        mend_damaged_window_new (GTK_APPLICATION (app), self->damaged_path, self->damaged));
  if (window == NULL)
    {
      if (self->recorder == NULL)
        {
          open_services (self);
          start_quick_check (self);
        }
      window = GTK_WINDOW (mend_window_new (GTK_APPLICATION (app), self->recorder,
                                            self->sync_status, self->settings));
      if (self->scheduler != NULL)
        mend_window_set_scheduler (MEND_WINDOW (window), self->scheduler);
    }
  gtk_window_present (window);
}

static void
about_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  GtkApplication *app = user_data;
  static const char *developers[] = { "The Mend contributors", NULL };

  adw_show_about_window (gtk_application_get_active_window (app), "application-name", _ ("Mend"),
                         "application-icon", MEND_APPLICATION_ID, "version", PACKAGE_VERSION,
                         "comments", _ ("Supervising reparative work on site, offline first."),
                         "license-type", GTK_LICENSE_GPL_3_0, "developers", developers, NULL);
}

static void
lock_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (user_data));

  if (MEND_IS_WINDOW (window))
    mend_window_lock (MEND_WINDOW (window));
}

static void
quit_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static const GActionEntry app_actions[] = {
  { "about", about_action, NULL, NULL, NULL },
  { "lock", lock_action, NULL, NULL, NULL },
  { "quit", quit_action, NULL, NULL, NULL },
};

static void
mend_application_startup (GApplication *app)
{
  static const char *lock_accels[] = { "<Control>l", NULL };
  static const char *quit_accels[] = { "<Control>q", NULL };

  G_APPLICATION_CLASS (mend_application_parent_class)->startup (app);
  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions),
                                   app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.lock", lock_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  MEND_APPLICATION (app)->settings = g_settings_new (MEND_APPLICATION_ID);
}

static void
mend_application_shutdown (GApplication *app)
{
  MendApplication *self = MEND_APPLICATION (app);

  G_APPLICATION_CLASS (mend_application_parent_class)->shutdown (app);
  /* The store closes here, after the window: pending writes finish on its worker first. */
  if (self->scheduler != NULL)
    mend_sync_scheduler_stop (self->scheduler);
  g_clear_object (&self->scheduler);
  g_clear_object (&self->engine);
  g_clear_object (&self->sync_status);
  g_clear_object (&self->recorder);
  g_clear_object (&self->settings);
  g_clear_object (&self->store);
}

static void
mend_application_finalize (GObject *object)
{
  MendApplication *self = MEND_APPLICATION (object);

  g_free (self->db_path);
  g_clear_error (&self->damaged);
  g_free (self->damaged_path);
  g_clear_object (&self->scheduler);
  g_clear_object (&self->engine);
  g_clear_object (&self->sync_status);
  g_clear_object (&self->recorder);
  g_clear_object (&self->settings);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (mend_application_parent_class)->finalize (object);
}

static void
mend_application_class_init (MendApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = mend_application_finalize;
  app_class->handle_local_options = mend_application_handle_local_options;
  app_class->activate = mend_application_activate;
  app_class->startup = mend_application_startup;
  app_class->shutdown = mend_application_shutdown;
}

static void
mend_application_init (MendApplication *self)
{
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
}

MendApplication *
mend_application_new (void)
{
  /* NON_UNIQUE: each `mend --db PATH` is its own instance on its own store (tests and
   * benchmarks start several); a second window on the same store would be a second writer. */
  return g_object_new (MEND_TYPE_APPLICATION, "application-id", MEND_APPLICATION_ID, "flags",
                       G_APPLICATION_NON_UNIQUE, "resource-base-path", "/org/mendapp/Mend", NULL);
}
