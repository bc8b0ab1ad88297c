/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-ui-damaged"

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "mend-application.h"
#include "mend-damaged-window.h"
#include "mend-test-reliability.h"
#include "mend-test-ui.h"
#include "mend-test-util.h"

/* The app's own start path (MendApplication, as `mend --db PATH` runs it) on a store whose
 * header was zeroed: instead of its usual window it says the store is damaged, and pressing
 * "Export what can be read" writes every record into a folder beside the store, which is left
 * byte for byte as it was. And on a store that opens but has a page of garbage: the check of
 * every page at start finds it, and the damaged-store window replaces the usual one. */

#define N_TALLIES 40

typedef struct
{
  MendApplication *app;
  char *dir;
  char *path;
  gint64 n_events;
  gboolean checked;
} Run;

static GtkWidget *
find_button (GtkWidget *widget, const char *label)
{
  if (GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_button (child, label);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Every label's text under @widget, for what the supervisor reads. */
static void
collect_text (GtkWidget *widget, GString *out)
{
  if (GTK_IS_LABEL (widget))
    g_string_append_printf (out, "%s\n", gtk_label_get_text (GTK_LABEL (widget)));
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_text (child, out);
}

static gboolean
has_active_window (gpointer data)
{
  return gtk_application_get_active_window (data) != NULL;
}

static gboolean
export_finished (gpointer data)
{
  return mend_damaged_window_get_export_folder (data) != NULL
         && !mend_damaged_window_get_exporting (data);
}

static gint64
count_lines (const char *path)
{
  g_autofree char *contents = NULL;
  gint64 lines = 0;

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  for (const char *c = contents; *c != '\0'; c++)
    lines += *c == '\n';
  return lines;
}

/* Runs inside the application's main loop, once it has started. */
static gboolean
drive (gpointer data)
{
  Run *run = data;
  GtkWindow *window;
  GtkWidget *button;
  g_autoptr (GString) text = g_string_new (NULL);
  g_autofree char *events = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *folder = NULL;

  mend_test_ui_wait_for (has_active_window, run->app, 5000);
  window = gtk_application_get_active_window (GTK_APPLICATION (run->app));
  g_assert_true (MEND_IS_DAMAGED_WINDOW (window));
  mend_test_ui_wait_for ((MendTestUiCondition)gtk_widget_get_mapped, window, 5000);

  /* It says so plainly, and names the one thing to do. */
  collect_text (GTK_WIDGET (window), text);
  g_test_message ("The window says: %s", text->str);
  g_assert_nonnull (strstr (text->str, "This device's store is damaged"));
  g_assert_nonnull (strstr (text->str, "nothing more can be recorded here"));
  g_assert_nonnull (strstr (text->str, "give it to HQ"));
  button = find_button (GTK_WIDGET (window), "Export what can be read");
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_get_sensitive (button));

  g_signal_emit_by_name (button, "clicked");
  mend_test_ui_wait_for (export_finished, window, 20000);

  folder = g_strdup (mend_damaged_window_get_export_folder (MEND_DAMAGED_WINDOW (window)));
  g_assert_true (g_str_has_prefix (folder, run->dir));
  events = g_build_filename (folder, "events.jsonl", NULL);
  summary = g_build_filename (folder, "SUMMARY.txt", NULL);
  g_assert_cmpint (count_lines (events), ==, run->n_events);
  g_assert_true (g_file_test (summary, G_FILE_TEST_IS_REGULAR));
  g_assert_nonnull (
      strstr (mend_damaged_window_get_status_text (MEND_DAMAGED_WINDOW (window)), folder));
  g_assert_nonnull (strstr (mend_damaged_window_get_status_text (MEND_DAMAGED_WINDOW (window)),
                            "verify as an unbroken chain"));

  /* A second press writes a second folder; the first is never overwritten. */
  g_signal_emit_by_name (button, "clicked");
  mend_test_ui_wait_for (export_finished, window, 20000);
  g_assert_cmpstr (mend_damaged_window_get_export_folder (MEND_DAMAGED_WINDOW (window)), !=,
                   folder);

  run->checked = TRUE;
  g_application_quit (G_APPLICATION (run->app));
  return G_SOURCE_REMOVE;
}

static void
test_damaged_store (void)
{
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;
  Run run = { 0 };
  int status;

  run.dir = mend_test_temp_dir ();
  run.path = g_build_filename (run.dir, "mend.db", NULL);
  {
    g_autoptr (MendStore) store = mend_test_store_new (run.dir, 1, 2, MEND_STORE_OPEN_DEFAULT);
    g_autofree char *session = mend_test_session_id (0);

    g_free (mend_test_record_ok (store, mend_command_start_session (session)));
    for (int i = 0; i < N_TALLIES; i++)
      g_free (mend_test_record_ok (store, mend_command_tally (session, "bags", 1)));
    run.n_events = 1 + N_TALLIES;
  }
  /* Its first 100 bytes zeroed, as a failing card returns them. */
  {
    FILE *file = g_fopen (run.path, "r+b");
    guint8 zeros[100] = { 0 };

    g_assert_nonnull (file);
    g_assert_cmpuint (fwrite (zeros, 1, sizeof zeros, file), ==, sizeof zeros);
    g_assert_cmpint (fclose (file), ==, 0);
  }
  g_assert_true (g_file_get_contents (run.path, &contents, &length, NULL));
  before = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (guchar *)contents, length);
  g_clear_pointer (&contents, g_free);

  run.app = mend_application_new ();
  g_idle_add (drive, &run);
  {
    char *argv[] = { "mend", "--db", run.path, "--no-gps", NULL };

    status = g_application_run (G_APPLICATION (run.app), 4, argv);
  }
  g_assert_cmpint (status, ==, 0);
  g_assert_true (run.checked);
  g_clear_object (&run.app);

  g_assert_true (g_file_get_contents (run.path, &contents, &length, NULL));
  after = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (guchar *)contents, length);
  g_assert_cmpstr (before, ==, after);
  mend_test_reliability_row ("a corrupted store file (every record still readable exported)", 1,
                             MEND_RELIABILITY_NOTHING_LOST);

  mend_test_remove_tree (run.dir);
  g_free (run.dir);
  g_free (run.path);
}

static gboolean
damaged_window_shown (gpointer data)
{
  return MEND_IS_DAMAGED_WINDOW (gtk_application_get_active_window (data));
}

/* The normal window first, then the damaged-store window once the check of every page finds
 * the garbage; its export still gets what can be read. */
static gboolean
drive_found_later (gpointer data)
{
  Run *run = data;
  GtkWindow *window;
  GtkWidget *button;
  g_autofree char *summary = NULL;

  mend_test_ui_wait_for (has_active_window, run->app, 5000);
  mend_test_ui_wait_for (damaged_window_shown, run->app, 20000);
  window = gtk_application_get_active_window (GTK_APPLICATION (run->app));
  mend_test_ui_wait_for ((MendTestUiCondition)gtk_widget_get_mapped, window, 5000);
  button = find_button (GTK_WIDGET (window), "Export what can be read");
  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
  mend_test_ui_wait_for (export_finished, window, 20000);
  summary = g_build_filename (mend_damaged_window_get_export_folder (MEND_DAMAGED_WINDOW (window)),
                              "summary.json", NULL);
  g_assert_true (g_file_test (summary, G_FILE_TEST_IS_REGULAR));
  g_test_message ("%s", mend_damaged_window_get_status_text (MEND_DAMAGED_WINDOW (window)));
  run->checked = TRUE;
  g_application_quit (G_APPLICATION (run->app));
  return G_SOURCE_REMOVE;
}

static void
test_damage_found_later (void)
{
  Run run = { 0 };
  gsize size;
  int status;

  run.dir = mend_test_temp_dir ();
  run.path = g_build_filename (run.dir, "mend.db", NULL);
  {
    g_autoptr (MendStore) store = mend_test_store_new (run.dir, 1, 2, MEND_STORE_OPEN_DEFAULT);
    g_autofree char *session = mend_test_session_id (0);

    g_free (mend_test_record_ok (store, mend_command_start_session (session)));
    for (int i = 0; i < 4 * N_TALLIES; i++)
      g_free (mend_test_record_ok (store, mend_command_tally (session, "bags", 1)));
  }
  /* Garbage over the second-to-last page: records and their indexes, not the schema or the
   * device row, so the store still opens. */
  {
    g_autofree char *contents = NULL;
    FILE *file;
    guint8 garbage[4096];

    g_assert_true (g_file_get_contents (run.path, &contents, &size, NULL));
    for (guint i = 0; i < sizeof garbage; i++)
      garbage[i] = (guint8)g_random_int_range (0, 256);
    file = g_fopen (run.path, "r+b");
    g_assert_nonnull (file);
    g_assert_cmpint (fseek (file, (long)(size - 2 * sizeof garbage), SEEK_SET), ==, 0);
    g_assert_cmpuint (fwrite (garbage, 1, sizeof garbage, file), ==, sizeof garbage);
    g_assert_cmpint (fclose (file), ==, 0);
  }
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (MendStore) store = mend_store_open (run.path, MEND_STORE_OPEN_DEFAULT, &error);

    g_assert_no_error (error);
  }

  run.app = mend_application_new ();
  g_idle_add (drive_found_later, &run);
  {
    char *argv[] = { "mend", "--db", run.path, "--no-gps", NULL };

    status = g_application_run (G_APPLICATION (run.app), 4, argv);
  }
  g_assert_cmpint (status, ==, 0);
  g_assert_true (run.checked);
  g_clear_object (&run.app);
  mend_test_reliability_row ("a corrupted store file (every record still readable exported)", 1,
                             MEND_RELIABILITY_NOTHING_LOST);
  mend_test_remove_tree (run.dir);
  g_free (run.dir);
  g_free (run.path);
}

int
main (int argc, char **argv)
{
  mend_test_ui_init (&argc, &argv);
  g_test_add_func ("/ui-damaged/start-export", test_damaged_store);
  g_test_add_func ("/ui-damaged/found-later", test_damage_found_later);
  return g_test_run ();
}
