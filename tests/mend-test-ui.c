/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-test"

#include "config.h"

#include "mend-test-ui.h"

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>
#include <stdlib.h>

#include "mend-demo.h"
#include "mend-store-sync-status.h"
#include "mend-test-util.h"
#include "pages/unlock/mend-unlock-page.h"

void
mend_test_ui_init (int *argc, char ***argv)
{
  /* Without a display GTK cannot start: say so in TAP rather than abort. The suite runs
   * under one Xvfb (README, Tests). */
  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_print ("1..0 # SKIP no display: run the tests under xvfb-run\n");
      exit (0);
    }
  /* GTK's test accessibility backend: accessible names are checked in process, and no test
   * depends on an AT-SPI bus (whose socket another session on the machine may replace). */
  g_setenv ("GTK_A11Y", "test", FALSE);
  gtk_test_init (argc, argv, NULL);
  adw_init ();
}

static gboolean
window_drawn (gpointer data)
{
  return gtk_widget_get_mapped (data);
}

/**
 * mend_test_ui_open:
 *
 * A new demo store in its own folder, GPS off, in-memory settings, and the window at phone
 * size, shown and locked.
 */
void
mend_test_ui_open (MendTestUi *t)
{
  mend_test_ui_open_with_gps (t, NULL);
}

/**
 * mend_test_ui_open_with_gps:
 * @gps: (nullable): the GPS the records are stamped from
 */
void
mend_test_ui_open_with_gps (MendTestUi *t, MendGpsSource *gps)
{
  static gboolean css_loaded = FALSE;
  g_autoptr (GError) error = NULL;
  g_autoptr (GSettingsBackend) backend = g_memory_settings_backend_new ();
  g_autofree char *path = NULL;

  /* A caller may have chosen the folder (a small filesystem, say). */
  if (t->dir == NULL)
    t->dir = mend_test_temp_dir ();
  /* A caller may bring a store of its own (and its session id) instead of the demo. */
  if (t->store == NULL)
    {
      path = g_build_filename (t->dir, "mend.db", NULL);
      t->store = mend_store_open (path, MEND_STORE_OPEN_DEFAULT, &error);
      g_assert_no_error (error);
      mend_store_load_demo (t->store, &error);
      g_assert_no_error (error);
      t->session_id = mend_demo_session_id ("spring-rise", 0);
    }

  /* The app's own style, as AdwApplication loads it for `mend`: sizes in the tests are the
   * sizes on the device. */
  if (!css_loaded)
    {
      GtkCssProvider *css = gtk_css_provider_new ();

      gtk_css_provider_load_from_resource (css, "/org/mendapp/Mend/style.css");
      gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                                  GTK_STYLE_PROVIDER (css),
                                                  GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
      g_object_unref (css);
      css_loaded = TRUE;
    }
  t->settings = g_settings_new_with_backend (MEND_APPLICATION_ID, backend);
  t->recorder = mend_recorder_new (t->store, gps);
  t->sync_status = mend_store_sync_status_new (t->recorder);
  t->window = g_object_ref_sink (mend_window_new (NULL, t->recorder, t->sync_status, t->settings));
  gtk_window_set_default_size (GTK_WINDOW (t->window), 360, 720);
  gtk_window_present (GTK_WINDOW (t->window));
  mend_test_ui_wait_for (window_drawn, t->window, 5000);
}

void
mend_test_ui_close (MendTestUi *t)
{
  mend_test_ui_wait_idle (t);
  gtk_window_destroy (GTK_WINDOW (t->window));
  /* Let cancelled callbacks and the last frames run before the store goes. */
  mend_test_ui_spin (50);
  g_assert_finalize_object (t->window);
  t->window = NULL;
  g_clear_object (&t->sync_status);
  g_assert_finalize_object (t->recorder);
  t->recorder = NULL;
  g_clear_object (&t->settings);
  g_clear_object (&t->store);
  mend_test_remove_tree (t->dir);
  g_clear_pointer (&t->dir, g_free);
  g_clear_pointer (&t->session_id, g_free);
}

void
mend_test_ui_reopen (MendTestUi *t)
{
  g_autofree char *path = g_strdup (mend_store_get_path (t->store));
  g_autoptr (GError) error = NULL;

  mend_test_ui_wait_idle (t);
  gtk_window_destroy (GTK_WINDOW (t->window));
  mend_test_ui_spin (50);
  g_assert_finalize_object (t->window);
  t->window = NULL;
  g_clear_object (&t->sync_status);
  g_assert_finalize_object (t->recorder);
  t->recorder = NULL;
  g_clear_object (&t->settings);
  g_clear_object (&t->store);
  /* The folder and the session stay: mend_test_ui_open() takes the store given. */
  t->store = mend_store_open (path, MEND_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  mend_test_ui_open (t);
}

static gboolean
sync_counted (gpointer data)
{
  return !mend_sync_status_get_busy (data) && mend_sync_status_has_backlog (data);
}

/* The window counts what waits to sync on a thread, shortly after records land. */
void
mend_test_ui_wait_sync_counts (MendTestUi *t)
{
  mend_test_ui_wait_idle (t);
  mend_test_ui_wait_for (sync_counted, t->sync_status, 10000);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *)data = TRUE;
  return G_SOURCE_REMOVE;
}

void
mend_test_ui_wait_for (MendTestUiCondition condition, gpointer data, guint timeout_ms)
{
  gboolean timed_out = FALSE;
  guint source = g_timeout_add (timeout_ms, timeout_cb, &timed_out);

  while (!condition (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (source);
  g_assert_false (timed_out);
}

void
mend_test_ui_spin (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, timeout_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static gboolean
recorder_idle (gpointer data)
{
  return mend_recorder_get_n_pending (data) == 0;
}

void
mend_test_ui_wait_idle (MendTestUi *t)
{
  mend_test_ui_wait_for (recorder_idle, t->recorder, 10000);
  /* The pages refresh from the completion; let that idle work run. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static gboolean
activate_valist (GtkWidget *widget, const char *action, const char *format, va_list *args)
{
  GVariant *param = format ? g_variant_new_va (format, NULL, args) : NULL;

  if (param != NULL)
    g_variant_ref_sink (param);
  {
    gboolean ok = gtk_widget_activate_action_variant (widget, action, param);

    g_clear_pointer (&param, g_variant_unref);
    return ok;
  }
}

gboolean
mend_test_ui_try_activate (GtkWidget *widget, const char *action, const char *format, ...)
{
  va_list args;
  gboolean ok;

  va_start (args, format);
  ok = activate_valist (widget, action, format, &args);
  va_end (args);
  return ok;
}

void
mend_test_ui_activate (GtkWidget *widget, const char *action, const char *format, ...)
{
  va_list args;
  gboolean ok;

  va_start (args, format);
  ok = activate_valist (widget, action, format, &args);
  va_end (args);
  if (!ok)
    g_error ("action %s could not be activated on %s", action, G_OBJECT_TYPE_NAME (widget));
}

static gboolean
unlock_settled (gpointer data)
{
  return !mend_unlock_page_get_busy (data);
}

void
mend_test_ui_unlock (MendTestUi *t, const char *supervisor_id, const char *pin)
{
  GtkWidget *page = mend_window_get_page (t->window, "unlock");

  mend_test_ui_activate (page, "unlock.pick", "s", supervisor_id);
  for (const char *c = pin; *c; c++)
    {
      char digit[2] = { *c, '\0' };
      mend_test_ui_activate (page, "unlock.key", "s", digit);
    }
  mend_test_ui_activate (page, "unlock.submit", NULL);
  g_assert_true (mend_unlock_page_get_busy (MEND_UNLOCK_PAGE (page)));
  mend_test_ui_wait_for (unlock_settled, page, 20000);
}

void
mend_test_ui_start_session (MendTestUi *t)
{
  GtkWidget *session = mend_window_get_page (t->window, "session");

  mend_test_ui_activate (GTK_WIDGET (t->window), "win.open-session", "s", t->session_id);
  g_assert_cmpstr (mend_window_get_visible_page (t->window), ==, "session");
  mend_test_ui_activate (session, "session.start", NULL);
  mend_test_ui_wait_idle (t);
}

void
mend_test_ui_check_in (MendTestUi *t, const char *participant_id)
{
  g_autoptr (MendTestRosterRow) row = NULL;

  mend_test_ui_activate (mend_window_get_page (t->window, "session"), "session.check-in", "s",
                         participant_id);
  mend_test_ui_wait_idle (t);
  row = mend_test_ui_roster_row (t, participant_id);
  g_assert_cmpint (row->state, ==, MEND_ATTENDANCE_ON_SITE);
}

/**
 * mend_test_ui_roster_row:
 *
 * Returns: (transfer full): the person's roster row, read from the store.
 */
MendRosterRow *
mend_test_ui_roster_row (MendTestUi *t, const char *participant_id)
{
  g_autoptr (GPtrArray) roster = NULL;
  g_autoptr (GError) error = NULL;

  roster = mend_store_list_roster (t->store, t->session_id, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < roster->len; i++)
    {
      MendRosterRow *row = g_ptr_array_index (roster, i);

      if (g_str_equal (row->participant_id, participant_id))
        return g_ptr_array_steal_index (roster, i);
    }
  g_error ("%s is not on the roster", participant_id);
}

guint
mend_test_ui_count_events (MendTestUi *t, const char *kind)
{
  g_autoptr (GPtrArray) events = NULL;
  g_autoptr (GError) error = NULL;
  guint n = 0;

  events = mend_store_list_events (t->store, t->session_id, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < events->len; i++)
    if (g_str_equal (((MendEventRow *)g_ptr_array_index (events, i))->kind, kind))
      n++;
  return n;
}

MendEventRow *
mend_test_ui_last_event (MendTestUi *t)
{
  g_autoptr (GPtrArray) events = NULL;
  g_autoptr (GError) error = NULL;

  events = mend_store_list_events (t->store, t->session_id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, >, 0);
  return g_ptr_array_steal_index (events, events->len - 1);
}

/**
 * mend_test_ui_snapshot:
 * @name: the PNG's name, without ".png"
 *
 * With MEND_TEST_SNAPSHOT_DIR set, renders the window to a PNG there, to look at a test's
 * screens; otherwise does nothing.
 */
void
mend_test_ui_snapshot (MendTestUi *t, const char *name)
{
  const char *dir = g_getenv ("MEND_TEST_SNAPSHOT_DIR");
  g_autoptr (GdkPaintable) paintable = NULL;
  g_autoptr (GtkSnapshot) snapshot = NULL;
  g_autoptr (GskRenderNode) node = NULL;
  g_autoptr (GdkTexture) texture = NULL;
  g_autofree char *file = NULL;
  g_autofree char *path = NULL;
  GskRenderer *renderer;
  int width;
  int height;

  if (dir == NULL)
    return;
  /* Past the lock screen's crossfade. */
  mend_test_ui_spin (400);
  paintable = gtk_widget_paintable_new (GTK_WIDGET (t->window));
  width = gdk_paintable_get_intrinsic_width (paintable);
  height = gdk_paintable_get_intrinsic_height (paintable);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  renderer = gtk_native_get_renderer (GTK_NATIVE (t->window));
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  file = g_strconcat (name, ".png", NULL);
  path = g_build_filename (dir, file, NULL);
  gdk_texture_save_to_png (texture, path);
}
