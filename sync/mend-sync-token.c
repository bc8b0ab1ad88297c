/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-sync"

#include "config.h"

#include "mend-sync-token.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mend-sync-error.h"

/* The longest token this code accepts from a file: far more than HQ's 47 characters, far
 * less than anything that could be a mistake's whole file. */
#define MAX_TOKEN_BYTES 1024

/**
 * mend_sync_token_path:
 *
 * Returns: (transfer full): "<store>.token", beside the store it belongs to.
 */
char *
mend_sync_token_path (const char *store_path)
{
  g_return_val_if_fail (store_path != NULL, NULL);

  return g_strconcat (store_path, ".token", NULL);
}

static gboolean
token_error (GError **error, const char *path, const char *what, int saved_errno)
{
  g_set_error (error, MEND_SYNC_ERROR, MEND_SYNC_ERROR_TOKEN_FILE,
               "Could not %s the token file %s: %s", what, path, g_strerror (saved_errno));
  return FALSE;
}

/**
 * mend_sync_token_save:
 *
 * Writes the token to a new file of mode 0600, fsyncs it and renames it over @path, so a
 * crash leaves the old token or the new one, never half of one, and never a moment when
 * others could read it.
 */
gboolean
mend_sync_token_save (const char *path, const char *token, GError **error)
{
  g_autofree char *temp = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *line = NULL;
  gsize length;
  int fd;
  int dir_fd;

  g_return_val_if_fail (path != NULL && token != NULL, FALSE);

  temp = g_strconcat (path, ".new", NULL);
  line = g_strconcat (token, "\n", NULL);
  length = strlen (line);
  g_unlink (temp);
  fd = g_open (temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return token_error (error, temp, "create", errno);
  /* The umask can only take bits away; this makes sure of the mode whatever it is. */
  if (fchmod (fd, 0600) != 0 || write (fd, line, length) != (gssize)length || fsync (fd) != 0)
    {
      int saved = errno;

      close (fd);
      g_unlink (temp);
      return token_error (error, temp, "write", saved);
    }
  close (fd);
  if (g_rename (temp, path) != 0)
    {
      int saved = errno;

      g_unlink (temp);
      return token_error (error, path, "replace", saved);
    }
  dir = g_path_get_dirname (path);
  dir_fd = g_open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  if (dir_fd >= 0)
    {
      fsync (dir_fd);
      close (dir_fd);
    }
  return TRUE;
}

/**
 * mend_sync_token_load:
 *
 * Returns: (transfer full) (nullable): the token; MEND_SYNC_ERROR_NOT_ENROLLED when there is no
 *   file, MEND_SYNC_ERROR_TOKEN_FILE when others could read it (it is not used then).
 */
char *
mend_sync_token_load (const char *path, GError **error)
{
  g_autofree char *contents = NULL;
  GStatBuf st;
  gsize length;

  g_return_val_if_fail (path != NULL, NULL);

  if (g_lstat (path, &st) != 0)
    {
      if (errno == ENOENT)
        g_set_error (error, MEND_SYNC_ERROR, MEND_SYNC_ERROR_NOT_ENROLLED,
                     "This device has no token (%s is missing): enrol it with “mendctl enrol”",
                     path);
      else
        token_error (error, path, "read", errno);
      return NULL;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, MEND_SYNC_ERROR, MEND_SYNC_ERROR_TOKEN_FILE,
                   "The token file %s is not a regular file", path);
      return NULL;
    }
  if ((st.st_mode & 077) != 0)
    {
      g_set_error (error, MEND_SYNC_ERROR, MEND_SYNC_ERROR_TOKEN_FILE,
                   "The token file %s can be read by others (mode %03o); it was not used. "
                   "Make it private (chmod 600) or enrol again",
                   path, (unsigned)(st.st_mode & 0777));
      return NULL;
    }
  if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;
  g_strstrip (contents);
  if (contents[0] == '\0' || strlen (contents) > MAX_TOKEN_BYTES || strchr (contents, '\n') != NULL
      || !g_str_is_ascii (contents))
    {
      g_set_error (error, MEND_SYNC_ERROR, MEND_SYNC_ERROR_TOKEN_FILE,
                   "The token file %s does not hold a token: enrol again", path);
      return NULL;
    }
  return g_steal_pointer (&contents);
}
