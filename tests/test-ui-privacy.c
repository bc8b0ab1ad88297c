/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the app does at start for the data a lost device holds: it checks whether its data
 * folder is on an encrypted disk and warns on Today and in Settings when it is not (the real
 * folder here, then sysfs trees of our own for an encrypted disk and one the kernel does not
 * list), and the real `mend` binary drops the names of people with no session today or
 * tomorrow from the store's bytes. */
#define G_LOG_DOMAIN "test-ui-privacy"

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mend-storage-check.h"
#include "mend-test-ui.h"
#include "mend-test-util.h"
#include "pages/settings/mend-settings-page.h"
#include "pages/today/mend-today-page.h"

typedef MendTestUi Fixture;

static void
fixture_set_up (Fixture *t, gconstpointer data)
{
  mend_test_ui_open (t);
}

static void
fixture_tear_down (Fixture *t, gconstpointer data)
{
  mend_test_ui_close (t);
}

static gboolean
storage_checked (gpointer data)
{
  return !mend_window_get_storage_checking (data);
}

static MendTodayPage *
today_page (Fixture *t)
{
  return MEND_TODAY_PAGE (mend_window_get_page (t->window, "today"));
}

static MendSettingsPage *
settings_page (Fixture *t)
{
  return MEND_SETTINGS_PAGE (mend_window_get_page (t->window, "settings"));
}

/* The first visible widget under @widget whose accessible label is @name (README, ui/README.md
 * "Accessible names"). */
static GtkWidget *
find_named (GtkWidget *widget, const char *name)
{
  char *mismatch;

  if (!gtk_widget_get_visible (widget))
    return NULL;
  mismatch = gtk_test_accessible_check_property (GTK_ACCESSIBLE (widget),
                                                 GTK_ACCESSIBLE_PROPERTY_LABEL, name);
  if (mismatch == NULL)
    return widget;
  g_free (mismatch);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_named (child, name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The test's own folder, on this machine's real disk: the pages say what the check says. On
 * the machines the suite runs on it is not on dm-crypt, so the warning shows. */
static void
test_real_folder (Fixture *t, gconstpointer data)
{
  g_autofree char *detail = NULL;
  MendStorageVerdict verdict = mend_storage_check_folder (t->dir, NULL, &detail);
  const char *warning;

  g_test_message ("%s: %s (%s)", t->dir, mend_storage_verdict_to_string (verdict), detail);
  mend_test_ui_wait_for (storage_checked, t->window, 5000);
  mend_test_ui_unlock (t, "sup-ana", "2468");
  warning = mend_today_page_get_storage_warning (today_page (t));
  if (verdict == MEND_STORAGE_ENCRYPTED)
    {
      g_test_message ("this machine's folder is encrypted: no warning expected");
      g_assert_null (warning);
      g_assert_false (mend_settings_page_get_storage_warns (settings_page (t)));
      return;
    }
  g_assert_nonnull (warning);
  g_assert_nonnull (
      strstr (warning, verdict == MEND_STORAGE_NOT_ENCRYPTED ? "not encrypted" : "cannot tell"));
  mend_test_ui_snapshot (t, "today-storage-warning");
  /* Found by the names the README lists: the warning, its title, and its button. */
  {
    GtkWidget *box = find_named (GTK_WIDGET (today_page (t)), "Storage warning");
    GtkWidget *button = find_named (GTK_WIDGET (today_page (t)), "Storage warning: what to do");

    g_assert_true (GTK_IS_BOX (box));
    g_assert_nonnull (find_named (gtk_widget_get_first_child (box), "Storage warning"));
    g_assert_true (GTK_IS_BUTTON (button));
    g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (button)), ==,
                     "win.show-settings");
  }
  /* What to do leads to Settings, which says it again with the way out and the check's
   * detail. */
  mend_test_ui_activate (GTK_WIDGET (t->window), "win.show-settings", NULL);
  g_assert_cmpstr (mend_window_get_visible_page (t->window), ==, "settings");
  g_assert_true (mend_settings_page_get_storage_warns (settings_page (t)));
  g_assert_nonnull (strstr (mend_settings_page_get_storage_text (settings_page (t)), "LUKS"));
  g_assert_nonnull (strstr (mend_settings_page_get_storage_text (settings_page (t)), detail));
  mend_test_ui_snapshot (t, "settings-storage-warning");
}

static void
write_file (const char *root, const char *relative, const char *text)
{
  g_autofree char *path = g_build_filename (root, relative, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

/* A sysfs tree as the kernel lays it out, in which the device the test folder is on is a
 * partition opened by dm-crypt and carrying LVM: dev/block/MAJ:MIN is the LVM volume (dm-1),
 * built on the LUKS mapping (dm-0). */
static char *
encrypted_sysfs (const char *folder)
{
  char *root = mend_test_temp_dir ();
  g_autofree char *id = NULL;
  g_autofree char *dm1 = g_build_filename (root, "devices", "virtual", "block", "dm-1", NULL);
  g_autofree char *link = NULL;
  g_autofree char *slaves = NULL;
  g_autofree char *slave = NULL;
  g_autofree char *blocks = NULL;
  struct stat st;

  g_assert_cmpint (stat (folder, &st), ==, 0);
  id = g_strdup_printf ("%u:%u", major (st.st_dev), minor (st.st_dev));
  write_file (root, "devices/virtual/block/dm-0/dm/uuid", "CRYPT-LUKS2-5d2c0f3e-cryptdata\n");
  write_file (root, "devices/virtual/block/dm-0/dm/name", "cryptdata\n");
  write_file (root, "devices/virtual/block/dm-1/dm/uuid", "LVM-0123456789abcdef\n");
  write_file (root, "devices/virtual/block/dm-1/dm/name", "vg-home\n");
  slaves = g_build_filename (dm1, "slaves", NULL);
  g_assert_cmpint (g_mkdir_with_parents (slaves, 0755), ==, 0);
  slave = g_build_filename (slaves, "dm-0", NULL);
  g_assert_cmpint (symlink ("../../dm-0", slave), ==, 0);
  blocks = g_build_filename (root, "dev", "block", NULL);
  g_assert_cmpint (g_mkdir_with_parents (blocks, 0755), ==, 0);
  link = g_build_filename (blocks, id, NULL);
  g_assert_cmpint (symlink ("../../devices/virtual/block/dm-1", link), ==, 0);
  return root;
}

/* The same check, pointed at a tree where the folder's device is encrypted: no warning, and
 * Settings says what protects the data. Then a tree that does not list the device at all
 * (a RAM or network file system): the app cannot tell, so it warns. */
static void
test_fixture_sysfs (Fixture *t, gconstpointer data)
{
  g_autofree char *encrypted = encrypted_sysfs (t->dir);
  g_autofree char *empty = mend_test_temp_dir ();
  const char *text;

  mend_test_ui_wait_for (storage_checked, t->window, 5000);
  mend_window_check_storage (t->window, encrypted);
  g_assert_true (mend_window_get_storage_checking (t->window));
  mend_test_ui_wait_for (storage_checked, t->window, 5000);
  g_assert_null (mend_today_page_get_storage_warning (today_page (t)));
  g_assert_false (mend_settings_page_get_storage_warns (settings_page (t)));
  text = mend_settings_page_get_storage_text (settings_page (t));
  g_assert_nonnull (strstr (text, "Encrypted"));
  g_assert_nonnull (strstr (text, "cryptdata"));

  mend_window_check_storage (t->window, empty);
  mend_test_ui_wait_for (storage_checked, t->window, 5000);
  g_assert_nonnull (strstr (mend_today_page_get_storage_warning (today_page (t)), "cannot tell"));
  g_assert_true (mend_settings_page_get_storage_warns (settings_page (t)));
  g_assert_nonnull (
      strstr (mend_settings_page_get_storage_text (settings_page (t)), "not a block device"));

  /* A check started again before the last one ended: the newer one is what the pages show. */
  mend_window_check_storage (t->window, empty);
  mend_window_check_storage (t->window, encrypted);
  mend_test_ui_wait_for (storage_checked, t->window, 5000);
  g_assert_null (mend_today_page_get_storage_warning (today_page (t)));
  mend_test_remove_tree (encrypted);
  mend_test_remove_tree (empty);
}

/* The store, its write-ahead log and shared memory, searched byte by byte. */
static gboolean
store_holds (const char *path, const char *text)
{
  const char *const suffixes[] = { "", "-wal", "-shm" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);
      g_autofree char *bytes = NULL;
      gsize length = 0;

      if (!g_file_get_contents (file, &bytes, &length, NULL))
        continue;
      /* The file is binary: searched byte by byte, past any NUL. */
      for (gsize at = 0, n = strlen (text); at + n <= length; at++)
        if (memcmp (bytes + at, text, n) == 0)
          return TRUE;
    }
  return FALSE;
}

/* The real `mend` on a store whose third session is two days on: once it has started, its
 * people's names are gone from the file, while today's stay. */
static void
test_names_dropped_at_start (void)
{
  const char *mend = g_getenv ("MEND");
  g_autofree char *dir = mend_test_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "mend.db", NULL);
  g_autoptr (MendStore) store = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) envp = g_get_environ ();
  const char *argv[] = { mend, "--db", path, "--no-gps", NULL };
  GPid pid;
  gint64 deadline;
  int status = 0;

  if (mend == NULL)
    {
      g_test_skip ("MEND (the mend binary) is not set");
      return;
    }
  store = mend_test_store_new (dir, 3, 2, MEND_STORE_OPEN_DEFAULT);
  g_clear_object (&store);
  g_assert_true (store_holds (path, "Person 2-0"));
  g_assert_true (store_holds (path, "Person 0-0"));

  /* No accessibility bus is needed for this. */
  envp = g_environ_setenv (envp, "GTK_A11Y", "none", TRUE);
  g_spawn_async (NULL, (char **)argv, envp, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, &error);
  g_assert_no_error (error);
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (store_holds (path, "Person 2-0") && g_get_monotonic_time () < deadline)
    {
      g_assert_cmpint (waitpid (pid, &status, WNOHANG), ==, 0);
      g_usleep (50 * 1000);
    }
  kill (pid, SIGTERM);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_spawn_close_pid (pid);

  g_assert_false (store_holds (path, "Person 2-0"));
  g_assert_false (store_holds (path, "Person 2-1"));
  g_assert_true (store_holds (path, "Person 0-0"));
  g_assert_true (store_holds (path, "Person 1-1"));
  /* The store is whole after the app was stopped. */
  store = mend_store_open (path, MEND_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (mend_store_verify (store, NULL, &error));
  g_assert_no_error (error);
  g_clear_object (&store);
  mend_test_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  mend_test_ui_init (&argc, &argv);

  g_test_add ("/ui/privacy/storage-warning", Fixture, NULL, fixture_set_up, test_real_folder,
              fixture_tear_down);
  g_test_add ("/ui/privacy/storage-fixture-sysfs", Fixture, NULL, fixture_set_up,
              test_fixture_sysfs, fixture_tear_down);
  g_test_add_func ("/ui/privacy/names-dropped-at-start", test_names_dropped_at_start);
  return g_test_run ();
}
