/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Logs the tests' helpers would otherwise throw away with their temporary folders (a
 * cluster's PostgreSQL log, gpsfake's messages, the standard error of mendctl and mend-hq
 * admin) are kept in the folder named by MEND_TEST_LOG_DIR, which tests/meson.build sets, so
 * tests/check-logs-private.sh can search every log a test run wrote for personal data.
 *
 * Header only: the harnesses that keep logs are linked into different sets of programs (tests
 * and benchmarks), and this way each of them has it without a build change. */
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

G_BEGIN_DECLS

/* Appends @length bytes of @text (up to its NUL when -1) to MEND_TEST_LOG_DIR/PROGRAM-@what.log,
 * PROGRAM being this test program's name. Nothing happens when the variable is not set. A log
 * that cannot be kept is a warning, not a failure of the test that wrote it. */
static inline void
mend_test_log_keep (const char *what, const char *text, gssize length)
{
  const char *dir = g_getenv ("MEND_TEST_LOG_DIR");
  g_autofree char *program = NULL;
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;
  gsize left;
  int fd;

  if (dir == NULL || *dir == '\0' || text == NULL)
    return;
  left = length < 0 ? strlen (text) : (gsize)length;
  program = g_path_get_basename (g_get_prgname () != NULL ? g_get_prgname () : "test");
  name = g_strdup_printf ("%s-%s.log", program, what);
  path = g_build_filename (dir, name, NULL);
  if (g_mkdir_with_parents (dir, 0755) != 0
      || (fd = g_open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) < 0)
    {
      g_printerr ("could not keep a log in %s: %s\n", path, g_strerror (errno));
      return;
    }
  /* One write per call where the kernel allows, so parallel writers' lines stay whole. */
  while (left > 0)
    {
      ssize_t n = write (fd, text, left);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      text += n;
      left -= (gsize)n;
    }
  close (fd);
}

/* Appends the file at @path, if it exists, as mend_test_log_keep() does. */
static inline void
mend_test_log_keep_file (const char *what, const char *path)
{
  g_autofree char *text = NULL;
  gsize length = 0;

  if (g_getenv ("MEND_TEST_LOG_DIR") != NULL && g_file_get_contents (path, &text, &length, NULL))
    mend_test_log_keep (what, text, (gssize)length);
}

G_END_DECLS
