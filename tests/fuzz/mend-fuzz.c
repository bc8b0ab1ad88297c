/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-fuzz"

#include "config.h"

#include "mend-fuzz.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>

/* Errors and criticals are printed and end the program with abort(). GLib's own writer would
 * end it with a breakpoint trap (SIGTRAP), which libFuzzer does not catch, so the input would
 * not be kept. Everything else is what hostile input is expected to cause, and printing it
 * would only slow the fuzzer down. */
static GLogWriterOutput
writer_cb (GLogLevelFlags log_level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  if (log_level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    {
      g_autofree char *line = g_log_writer_format_fields (log_level, fields, n_fields, FALSE);

      fprintf (stderr, "%s\n", line);
      fflush (stderr);
      abort ();
    }
  return G_LOG_WRITER_HANDLED;
}

void
mend_fuzz_init_logging (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR);
      g_log_set_writer_func (writer_cb, NULL, NULL);
      g_once_init_leave (&once, 1);
    }
}

static char *exit_folder;

static void
remove_tree (const char *path)
{
  g_autoptr (GDir) dir = NULL;
  const char *name;

  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      dir = g_dir_open (path, 0, NULL);
      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_tree (child);
        }
    }
  g_remove (path);
}

static void
remove_exit_folder (void)
{
  remove_tree (exit_folder);
}

void
mend_fuzz_remove_at_exit (const char *folder)
{
  g_return_if_fail (exit_folder == NULL);

  exit_folder = g_strdup (folder);
  atexit (remove_exit_folder);
}
