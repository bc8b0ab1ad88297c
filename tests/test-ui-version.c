/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The real `mend` binary's command line, before any window: `--version` prints the version and
 * exits 0 without a display, a settings schema or a store; a store that cannot be opened and a
 * missing settings schema each end `mend` with a message and status 1. */
#define G_LOG_DOMAIN "mend-test"

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>

#include "mend-test-util.h"

static const char *mend_path;

typedef struct
{
  char *out;
  char *err;
  int status;
} Run;

static void
run_clear (Run *run)
{
  g_free (run->out);
  g_free (run->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

/* Runs mend with @args and no display, in the environment @env adds to this one. */
static void
run_mend (Run *run, const char *const *env, const char *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_auto (GStrv) envp = g_get_environ ();
  g_autoptr (GError) error = NULL;

  envp = g_environ_unsetenv (envp, "DISPLAY");
  envp = g_environ_unsetenv (envp, "WAYLAND_DISPLAY");
  for (guint i = 0; env != NULL && env[i] != NULL; i += 2)
    envp = env[i + 1] ? g_environ_setenv (envp, env[i], env[i + 1], TRUE)
                      : g_environ_unsetenv (envp, env[i]);
  g_ptr_array_add (argv, (char *)mend_path);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *)args[i]);
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (NULL, (char **)argv->pdata, envp, G_SPAWN_DEFAULT, NULL, NULL, &run->out, &run->err,
                &run->status, &error);
  g_assert_no_error (error);
  g_test_message ("mend: status %d, out: %s, err: %s", run->status, run->out, run->err);
}

static void
test_version (void)
{
  g_autofree char *dir = mend_test_temp_dir ();
  g_autofree char *db = g_build_filename (dir, "new", "mend.db", NULL);
  g_autofree char *empty = g_build_filename (dir, "empty", NULL);
  /* No schema anywhere it could be found: --version needs none. */
  const char *const env[]
      = { "GSETTINGS_SCHEMA_DIR", NULL, "XDG_DATA_DIRS", empty, "XDG_DATA_HOME", empty, NULL };
  const char *const args[] = { "--db", db, "--version", NULL };
  g_auto (Run) run = { 0 };

  g_assert_cmpint (g_mkdir_with_parents (empty, 0700), ==, 0);
  run_mend (&run, env, args);
  g_assert_true (g_spawn_check_wait_status (run.status, NULL));
  g_assert_cmpstr (run.out, ==, "mend " PACKAGE_VERSION "\n");
  g_assert_cmpstr (run.err, ==, "");
  /* Nothing was opened or created. */
  g_assert_false (g_file_test (db, G_FILE_TEST_EXISTS));
  mend_test_remove_tree (dir);
}

static void
test_no_schema (void)
{
  g_autofree char *dir = mend_test_temp_dir ();
  g_autofree char *db = g_build_filename (dir, "mend.db", NULL);
  const char *const env[]
      = { "GSETTINGS_SCHEMA_DIR", NULL, "XDG_DATA_DIRS", dir, "XDG_DATA_HOME", dir, NULL };
  const char *const args[] = { "--db", db, NULL };
  g_auto (Run) run = { 0 };

  run_mend (&run, env, args);
  g_assert_true (WIFEXITED (run.status));
  g_assert_cmpint (WEXITSTATUS (run.status), ==, 1);
  g_assert_nonnull (strstr (run.err, "settings schema org.mendapp.Mend is not installed"));
  mend_test_remove_tree (dir);
}

static void
test_bad_store (void)
{
  g_autofree char *dir = mend_test_temp_dir ();
  /* A folder where the store should be: SQLite cannot open it. */
  const char *const args[] = { "--db", dir, NULL };
  g_auto (Run) run = { 0 };

  run_mend (&run, NULL, args);
  g_assert_true (WIFEXITED (run.status));
  g_assert_cmpint (WEXITSTATUS (run.status), ==, 1);
  g_assert_nonnull (strstr (run.err, "could not open the store"));
  mend_test_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  mend_path = g_getenv ("MEND");
  if (mend_path == NULL)
    {
      g_print ("1..0 # SKIP MEND (the mend binary) is not set\n");
      return 0;
    }
  g_test_add_func ("/ui/version/version", test_version);
  g_test_add_func ("/ui/version/no-schema", test_no_schema);
  g_test_add_func ("/ui/version/bad-store", test_bad_store);
  return g_test_run ();
}
