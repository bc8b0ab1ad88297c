/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-store"

#include "config.h"

#include "mend-photo.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mend-rules.h"
#include "mend-store-private.h"

/* Photos live beside the store as photos/<aa>/<sha256>.jpg. A photo is written to a temp file
 * in photos/ (the same filesystem, so a rename puts it in place at once), synced, renamed to
 * its name and the folder synced; only then may an event name it. A crash before the rename
 * leaves a temp file, removed at the next open; after it, a complete file. */

#define TEMP_PREFIX   ".tmp-"
#define MARKER_PREFIX ".adopting-"
#define TEMP_TEMPLATE TEMP_PREFIX "XXXXXX.jpg"
#define READ_CHUNK    (64 * 1024)

/* Indexed by MendPhotoRole; these are the names in payloads and on the wire. */
static const char *const role_names[] = {
  [MEND_PHOTO_ROLE_BEFORE] = "before",
  [MEND_PHOTO_ROLE_AFTER] = "after",
  [MEND_PHOTO_ROLE_EVIDENCE] = "evidence",
};

/**
 * mend_photo_role_to_string:
 *
 * Returns: (nullable): "before", "after" or "evidence"; %NULL for a value that is not a role.
 */
const char *
mend_photo_role_to_string (MendPhotoRole role)
{
  if ((guint)role >= G_N_ELEMENTS (role_names))
    return NULL;
  return role_names[role];
}

/**
 * mend_photo_role_from_string:
 * @out_role: (out): set only when @text names a role
 *
 * Returns: whether @text is "before", "after" or "evidence".
 */
gboolean
mend_photo_role_from_string (const char *text, MendPhotoRole *out_role)
{
  for (guint i = 0; i < G_N_ELEMENTS (role_names); i++)
    if (g_strcmp0 (role_names[i], text) == 0)
      {
        *out_role = i;
        return TRUE;
      }
  return FALSE;
}

/**
 * mend_photo_sha256_is_valid:
 *
 * Returns: whether @sha256 is 64 lowercase hex digits, the only form a photo's name takes.
 *   Anything else must never reach a path.
 */
gboolean
mend_photo_sha256_is_valid (const char *sha256)
{
  if (sha256 == NULL || strlen (sha256) != MEND_PHOTO_SHA256_LENGTH)
    return FALSE;
  for (const char *c = sha256; *c != '\0'; c++)
    if (!g_ascii_isdigit (*c) && !(*c >= 'a' && *c <= 'f'))
      return FALSE;
  return TRUE;
}

/* A full disk and a folder that cannot be written each get a code and a plain sentence of
 * their own: they are the failures a supervisor can do something about. @doing ends with the
 * word that introduces @folder ("store the photo in"). */
static gboolean
set_file_error (GError **error, int saved_errno, const char *doing, const char *folder)
{
  MendStoreError code;
  const char *explanation;

  switch (saved_errno)
    {
    case ENOSPC:
    case EDQUOT:
      code = MEND_STORE_ERROR_FULL;
      explanation = "the disk is full; free some space, nothing was recorded";
      break;
    case EACCES:
    case EPERM:
    case EROFS:
      code = MEND_STORE_ERROR_UNWRITABLE;
      explanation = "the folder cannot be written to; check its permissions, nothing was "
                    "recorded";
      break;
    case ENOTDIR:
      code = MEND_STORE_ERROR_UNWRITABLE;
      explanation = "a file is in the way of the folder; move it, nothing was recorded";
      break;
    default:
      code = MEND_STORE_ERROR_IO;
      explanation = "the storage reported an error, nothing was recorded";
      break;
    }
  g_set_error (error, MEND_STORE_ERROR, code, "Could not %s “%s”: %s (%s)", doing, folder,
               explanation, g_strerror (saved_errno));
  return FALSE;
}

/* Makes a rename or a new entry in @folder survive a power cut. */
static gboolean
sync_folder (const char *folder, const char *doing, GError **error)
{
  int fd = open (folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int saved;

  if (fd < 0)
    return set_file_error (error, errno, doing, folder);
  /* Some filesystems cannot sync a folder and say EINVAL; nothing more can be done there. */
  if (fsync (fd) != 0 && errno != EINVAL)
    {
      saved = errno;
      close (fd);
      return set_file_error (error, saved, doing, folder);
    }
  close (fd);
  return TRUE;
}

static void
close_fd (gpointer data)
{
  close (GPOINTER_TO_INT (data));
}

static gboolean
is_temp_path (MendStore *self, const char *path)
{
  g_autofree char *folder = g_path_get_dirname (path);
  g_autofree char *name = g_path_get_basename (path);

  return g_strcmp0 (folder, self->photos_dir) == 0 && g_str_has_prefix (name, TEMP_PREFIX);
}

/* Removes @path if it is a temp file that nobody is filling: a store that made a temp holds a
 * lock on it until it is adopted, and a crash drops the lock with the process. */
static void
remove_if_abandoned (const char *path)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  struct stat st;

  if (fd < 0)
    {
      if (errno == ELOOP)
        g_unlink (path);
      else if (errno != ENOENT)
        g_warning ("Could not check the leftover photo file “%s”: %s", path, g_strerror (errno));
      return;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      return;
    }
  if (flock (fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK)
    g_debug ("Photo temp “%s” is in use by another store", path);
  else if (g_unlink (path) != 0 && errno != ENOENT)
    g_warning ("Could not remove the leftover photo file “%s”: %s", path, g_strerror (errno));
  else
    g_debug ("Removed “%s”, left by an interrupted photo", path);
  close (fd);
}

/* Whether a photos row names @sha256. Called with the write lock held: it uses the writer. */
static gboolean
photo_row_exists (MendStore *self, const char *sha256)
{
  g_autoptr (MendStmt) stmt
      = mend_db_prepare (self->writer, "SELECT 1 FROM photos WHERE sha256 = ?1", NULL);

  /* When in doubt, keep the file: a photo without an event is only bytes on disk. */
  if (stmt == NULL)
    return TRUE;
  mend_stmt_bind_text (stmt, 1, sha256);
  return sqlite3_step (stmt) != SQLITE_DONE;
}

static void
remove_unrecorded_photo (MendStore *self, const char *sha256, const char *marker)
{
  g_autofree char *final = mend_store_photo_path (self, sha256);

  if (!photo_row_exists (self, sha256) && g_unlink (final) == 0)
    g_debug ("Removed photo %s: it was stored but never recorded", sha256);
  g_unlink (marker);
}

/* A marker left by a crash between moving a photo into place and recording it: the photo
 * goes unless its row made it into the store. A marker still locked belongs to another store
 * that is recording right now. */
static void
settle_leftover_marker (MendStore *self, const char *name)
{
  const char *sha256 = name + strlen (MARKER_PREFIX);
  g_autofree char *marker = g_build_filename (self->photos_dir, name, NULL);
  int fd = open (marker, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);

  if (fd < 0)
    return;
  if (flock (fd, LOCK_EX | LOCK_NB) == 0 || errno != EWOULDBLOCK)
    {
      if (mend_photo_sha256_is_valid (sha256))
        remove_unrecorded_photo (self, sha256, marker);
      else
        g_unlink (marker);
    }
  close (fd);
}

/* A photo moved into place and waiting for its event: the locked marker file, and how many
 * adoptions in this store wait on it (the same image may be stored twice before either is
 * recorded). */
typedef struct
{
  int fd;
  guint waiting;
} Marker;

static void
marker_free (gpointer data)
{
  Marker *marker = data;

  close (marker->fd);
  g_free (marker);
}

static gboolean
join_waiting (MendStore *self, const char *sha256)
{
  Marker *marker;

  g_mutex_lock (&self->photo_lock);
  marker = g_hash_table_lookup (self->photo_markers, sha256);
  if (marker != NULL)
    marker->waiting++;
  g_mutex_unlock (&self->photo_lock);
  return marker != NULL;
}

/* Before a photo is moved into place: a locked marker, on disk before the photo is, says the
 * photo waits for its event. The lock is taken without holding the photo lock: another
 * process recording the same image holds it for as long as its record takes. */
static gboolean
mark_adopting (MendStore *self, const char *sha256, GError **error)
{
  g_autofree char *path = NULL;
  Marker *marker;
  int fd;

  if (join_waiting (self, sha256))
    return TRUE;
  path = g_strconcat (self->photos_dir, G_DIR_SEPARATOR_S, MARKER_PREFIX, sha256, NULL);
  fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    return set_file_error (error, errno, "store the photo in", self->photos_dir);
  if (flock (fd, LOCK_EX) != 0 && errno != ENOLCK && errno != EOPNOTSUPP)
    {
      int saved = errno;
      close (fd);
      return set_file_error (error, saved, "store the photo in", self->photos_dir);
    }
  g_mutex_lock (&self->photo_lock);
  marker = g_new0 (Marker, 1);
  marker->fd = fd;
  marker->waiting = 1;
  g_hash_table_insert (self->photo_markers, g_strdup (sha256), marker);
  g_mutex_unlock (&self->photo_lock);
  return sync_folder (self->photos_dir, "store the photo in", error);
}

/**
 * mend_store_settle_photo:
 * @sha256: a photo moved into place by mend_store_adopt_photo_temp()
 * @recorded: whether its `photo.taken` event was committed
 *
 * Ends the wait for a photo's event. A photo that no event names is removed, so a refused or
 * failed record leaves nothing behind. Called with the write lock held.
 */
void
mend_store_settle_photo (MendStore *self, const char *sha256, gboolean recorded)
{
  g_autofree char *path = NULL;
  Marker *marker;

  g_mutex_lock (&self->photo_lock);
  marker = g_hash_table_lookup (self->photo_markers, sha256);
  if (marker != NULL && --marker->waiting == 0)
    {
      path = g_strconcat (self->photos_dir, G_DIR_SEPARATOR_S, MARKER_PREFIX, sha256, NULL);
      /* Unrecorded this time, the photo may still be named by an earlier event. */
      if (recorded)
        g_unlink (path);
      else
        remove_unrecorded_photo (self, sha256, path);
      g_hash_table_remove (self->photo_markers, sha256);
    }
  g_mutex_unlock (&self->photo_lock);
}

/**
 * mend_store_close_photos:
 *
 * At finalize: photos adopted and never recorded are removed.
 */
void
mend_store_close_photos (MendStore *self)
{
  g_autoptr (GPtrArray) waiting = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, self->photo_markers);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (waiting, g_strdup (key));
  g_mutex_lock (&self->write_lock);
  for (guint i = 0; i < waiting->len; i++)
    {
      const char *sha256 = g_ptr_array_index (waiting, i);
      Marker *marker;

      /* However many adoptions still wait, none will record now. */
      g_mutex_lock (&self->photo_lock);
      marker = g_hash_table_lookup (self->photo_markers, sha256);
      if (marker != NULL)
        marker->waiting = 1;
      g_mutex_unlock (&self->photo_lock);
      mend_store_settle_photo (self, sha256, FALSE);
    }
  g_mutex_unlock (&self->write_lock);
  g_clear_pointer (&self->photo_markers, g_hash_table_unref);
}

/**
 * mend_store_open_photos:
 *
 * Called once by mend_store_open(): finds the photos folder and removes the temp files a
 * crash left there. A temp never becomes a photo except through
 * mend_store_adopt_photo_temp(), so nothing that was recorded is lost.
 */
void
mend_store_open_photos (MendStore *self)
{
  g_autofree char *absolute = g_canonicalize_filename (self->path, NULL);
  g_autofree char *folder = g_path_get_dirname (absolute);
  g_autoptr (GDir) dir = NULL;
  g_autoptr (GError) error = NULL;
  const char *name;

  self->photos_dir = g_build_filename (folder, "photos", NULL);
  self->photo_temps = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, close_fd);
  self->photo_markers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, marker_free);

  /* Read-only storage: leftovers cannot be removed now; the next writable open does it. */
  if (self->read_only)
    return;
  dir = g_dir_open (self->photos_dir, 0, &error);
  if (dir == NULL)
    {
      /* No folder yet is normal; one that is not a folder is reported when a photo is taken. */
      if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT)
          && !g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOTDIR))
        g_warning ("Could not look for leftover photo files: %s", error->message);
      return;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, TEMP_PREFIX))
      {
        g_autofree char *path = g_build_filename (self->photos_dir, name, NULL);
        remove_if_abandoned (path);
      }
    else if (g_str_has_prefix (name, MARKER_PREFIX))
      settle_leftover_marker (self, name);
}

/**
 * mend_store_get_photos_dir:
 *
 * Returns: the absolute path of the photos folder beside the store; it may not exist yet.
 */
const char *
mend_store_get_photos_dir (MendStore *self)
{
  g_return_val_if_fail (MEND_IS_STORE (self), NULL);
  return self->photos_dir;
}

/**
 * mend_store_photo_path:
 * @sha256: a photo's name (see mend_photo_sha256_is_valid())
 *
 * Returns: (transfer full): photos/<first two hex digits>/<sha256>.jpg, absolute; the file
 *   may not exist.
 */
char *
mend_store_photo_path (MendStore *self, const char *sha256)
{
  g_autofree char *file = NULL;
  char prefix[3];

  g_return_val_if_fail (MEND_IS_STORE (self), NULL);
  g_return_val_if_fail (mend_photo_sha256_is_valid (sha256), NULL);

  g_strlcpy (prefix, sha256, sizeof prefix);
  file = g_strconcat (sha256, ".jpg", NULL);
  return g_build_filename (self->photos_dir, prefix, file, NULL);
}

static gboolean
ensure_photos_dir (MendStore *self, GError **error)
{
  g_autofree char *parent = NULL;
  int saved;

  if (g_mkdir (self->photos_dir, 0700) == 0)
    {
      parent = g_path_get_dirname (self->photos_dir);
      return sync_folder (parent, "make the photos folder in", error);
    }
  saved = errno;
  if (saved == EEXIST)
    {
      if (g_file_test (self->photos_dir, G_FILE_TEST_IS_DIR))
        return TRUE;
      saved = ENOTDIR;
    }
  return set_file_error (error, saved, "make the photos folder", self->photos_dir);
}

/* A new temp file in @folder with a lock on it, or -1 with errno set. */
static int
create_locked_temp (const char *folder, char **out_path)
{
  for (int attempt = 0; attempt < 8; attempt++)
    {
      g_autofree char *path = g_build_filename (folder, TEMP_TEMPLATE, NULL);
      int fd = g_mkstemp_full (path, O_RDWR | O_CLOEXEC, 0600);
      struct stat by_fd, by_path;

      if (fd < 0)
        return -1;
      if (flock (fd, LOCK_EX | LOCK_NB) != 0)
        {
          /* A filesystem without locks still gets photos: only a store opened at the same
           * moment could take the temp for a leftover there. */
          if (errno != EWOULDBLOCK)
            {
              *out_path = g_steal_pointer (&path);
              return fd;
            }
          /* A store being opened holds it, and is about to remove it. */
          close (fd);
          continue;
        }
      /* A store opened at this very moment may have removed the file before the lock was on
       * it; then the path no longer names it, and another name is tried. */
      if (fstat (fd, &by_fd) == 0 && stat (path, &by_path) == 0 && by_fd.st_dev == by_path.st_dev
          && by_fd.st_ino == by_path.st_ino)
        {
          *out_path = g_steal_pointer (&path);
          return fd;
        }
      close (fd);
    }
  errno = EAGAIN;
  return -1;
}

/* Drops the locks of temps that were deleted without being adopted (a failed conversion), so
 * a long-running app does not collect descriptors. Called with the photo lock held. */
static void
forget_abandoned_temps (MendStore *self)
{
  GHashTableIter iter;
  gpointer fd;
  struct stat st;

  g_hash_table_iter_init (&iter, self->photo_temps);
  while (g_hash_table_iter_next (&iter, NULL, &fd))
    if (fstat (GPOINTER_TO_INT (fd), &st) == 0 && st.st_nlink == 0)
      g_hash_table_iter_remove (&iter);
}

/**
 * mend_store_new_photo_temp:
 *
 * Makes the photos folder (mode 0700) when needed and a new empty file in it, named
 * `.tmp-XXXXXX.jpg`, for the image processor to write the final JPEG into. Write it in place:
 * the store holds a lock on this file until it is adopted, and a file renamed over it would
 * not be locked. Pass the path to mend_store_adopt_photo_temp() once it is complete, or
 * delete it. A temp that is never adopted is removed when a store is next opened.
 *
 * Returns: (transfer full) (nullable): the temp file's absolute path, or %NULL with @error in
 *   #MEND_STORE_ERROR (#MEND_STORE_ERROR_UNWRITABLE, #MEND_STORE_ERROR_FULL, …).
 */
char *
mend_store_new_photo_temp (MendStore *self, GError **error)
{
  g_autoptr (GMutexLocker) locker = NULL;
  char *path = NULL;
  int fd;

  g_return_val_if_fail (MEND_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!ensure_photos_dir (self, error))
    return NULL;
  fd = create_locked_temp (self->photos_dir, &path);
  if (fd < 0)
    {
      set_file_error (error, errno, "make a file for the new photo in", self->photos_dir);
      return NULL;
    }

  locker = g_mutex_locker_new (&self->photo_lock);
  forget_abandoned_temps (self);
  g_hash_table_insert (self->photo_temps, g_strdup (path), GINT_TO_POINTER (fd));
  return path;
}

static gboolean
hash_fd (int fd, char **out_sha256, gint64 *out_bytes)
{
  g_autoptr (GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guchar *buffer = g_malloc (READ_CHUNK);
  gint64 total = 0;

  for (;;)
    {
      gssize n = read (fd, buffer, READ_CHUNK);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return FALSE;
      if (n == 0)
        break;
      g_checksum_update (checksum, buffer, n);
      total += n;
    }
  *out_sha256 = g_strdup (g_checksum_get_string (checksum));
  *out_bytes = total;
  return TRUE;
}

static gboolean
file_has_hash (const char *path, const char *sha256)
{
  g_autofree char *actual = NULL;
  gint64 bytes = 0;
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  gboolean read_all;

  if (fd < 0)
    return FALSE;
  read_all = hash_fd (fd, &actual, &bytes);
  close (fd);
  return read_all && g_strcmp0 (actual, sha256) == 0;
}

/* The temp file's bytes, hashed and on disk; the temp itself stays where it is. */
static gboolean
hash_and_sync_temp (MendStore *self,
                    const char *temp_path,
                    char **out_sha256,
                    gint64 *out_bytes,
                    GError **error)
{
  int fd = open (temp_path, O_RDONLY | O_CLOEXEC);
  int saved;

  if (fd < 0)
    return set_file_error (error, errno, "read the new photo in", self->photos_dir);
  /* fsync works on a descriptor opened for reading: it flushes the file, not the descriptor. */
  if (!hash_fd (fd, out_sha256, out_bytes) || fsync (fd) != 0)
    {
      saved = errno;
      close (fd);
      return set_file_error (error, saved, "read the new photo in", self->photos_dir);
    }
  close (fd);
  if (*out_bytes == 0)
    {
      g_set_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_INVALID,
                   "The new photo “%s” is empty: nothing was stored", temp_path);
      return FALSE;
    }
  return TRUE;
}

static gboolean
move_into_place (MendStore *self,
                 const char *temp_path,
                 const char *sha256,
                 gint64 bytes,
                 GError **error)
{
  g_autofree char *final = mend_store_photo_path (self, sha256);
  g_autofree char *subdir = g_path_get_dirname (final);
  struct stat st;

  if (g_mkdir (subdir, 0700) == 0)
    {
      if (!sync_folder (self->photos_dir, "store the photo in", error))
        return FALSE;
    }
  else if (errno != EEXIST)
    return set_file_error (error, errno, "store the photo in", self->photos_dir);

  /* The same image stored again: one file serves both events, and it is already on disk.
   * Only a rename ever puts a file here, so it is complete; it is still hashed, because a file
   * damaged since (mend_store_verify() says so) is then replaced by the good bytes. */
  if (stat (final, &st) == 0 && S_ISREG (st.st_mode) && st.st_size == bytes
      && file_has_hash (final, sha256))
    {
      g_unlink (temp_path);
      return TRUE;
    }
  if (rename (temp_path, final) != 0)
    return set_file_error (error, errno, "store the photo in", subdir);
  return sync_folder (subdir, "store the photo in", error);
}

/**
 * mend_store_adopt_photo_temp:
 * @temp_path: a file from mend_store_new_photo_temp() holding the finished JPEG
 * @out_sha256: (out) (optional): the photo's name, for mend_command_photo()
 * @out_bytes: (out) (optional): its size
 *
 * Hashes the file (SHA-256), syncs it, and renames it to photos/<aa>/<sha256>.jpg, syncing
 * the folders it changed. When that file is already there, the temp is removed instead: the
 * same image stored twice is one file. The temp is gone afterwards whatever happens. Record
 * the photo next with mend_command_photo(): a photo whose record is refused or fails, or
 * is never made before the store closes or the program dies, is removed again (at the latest
 * when the store is next opened), so the photos folder holds only recorded photos.
 *
 * Returns: %TRUE once the photo is on disk under its name; %FALSE with @error in
 *   #MEND_STORE_ERROR: #MEND_STORE_ERROR_FULL, #MEND_STORE_ERROR_UNWRITABLE,
 *   #MEND_STORE_ERROR_IO, or #MEND_STORE_ERROR_INVALID for an empty file.
 */
gboolean
mend_store_adopt_photo_temp (MendStore *self,
                             const char *temp_path,
                             char **out_sha256,
                             gint64 *out_bytes,
                             GError **error)
{
  g_autofree char *sha256 = NULL;
  gint64 bytes = 0;
  gboolean stored;

  g_return_val_if_fail (MEND_IS_STORE (self), FALSE);
  g_return_val_if_fail (temp_path != NULL && is_temp_path (self, temp_path), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  stored = hash_and_sync_temp (self, temp_path, &sha256, &bytes, error);
  if (stored)
    stored = mark_adopting (self, sha256, error);
  if (stored && !move_into_place (self, temp_path, sha256, bytes, error))
    {
      g_mutex_lock (&self->write_lock);
      mend_store_settle_photo (self, sha256, FALSE);
      g_mutex_unlock (&self->write_lock);
      stored = FALSE;
    }
  if (!stored && g_unlink (temp_path) != 0 && errno != ENOENT)
    g_debug ("Could not remove the photo temp “%s”: %s", temp_path, g_strerror (errno));

  /* Its name is gone now, renamed or removed, so the lock has nothing left to guard. */
  g_mutex_lock (&self->photo_lock);
  g_hash_table_remove (self->photo_temps, temp_path);
  g_mutex_unlock (&self->photo_lock);

  if (!stored)
    return FALSE;
  if (out_sha256 != NULL)
    *out_sha256 = g_steal_pointer (&sha256);
  if (out_bytes != NULL)
    *out_bytes = bytes;
  return TRUE;
}

/**
 * mend_command_photo:
 * @participant_id: (nullable): whom the photo is about; %NULL for a photo of the site
 * @sha256: the name mend_store_adopt_photo_temp() gave the file
 * @bytes: the file's size
 * @width: (in pixels)
 * @height: (in pixels)
 *
 * A `photo.taken` event. The store refuses it unless the file is already in place with this
 * size, so an event never names a photo that is not on disk.
 */
MendCommand *
mend_command_photo (const char *session_id,
                    const char *participant_id,
                    MendPhotoRole role,
                    const char *sha256,
                    gint64 bytes,
                    int width,
                    int height)
{
  MendCommand *self;

  g_return_val_if_fail (session_id != NULL, NULL);
  g_return_val_if_fail (sha256 != NULL, NULL);

  self = mend_command_new (MEND_EVENT_PHOTO_TAKEN, session_id, participant_id);
  self->photo_role = role;
  self->photo_sha256 = g_strdup (sha256);
  self->photo_bytes = bytes;
  self->photo_width = width;
  self->photo_height = height;
  return self;
}

static gpointer
photo_row_from (MendStmt *stmt)
{
  MendPhotoRow *row = g_new0 (MendPhotoRow, 1);
  gboolean has_skew;
  gint64 skew_ms;

  row->event_id = mend_stmt_dup_text (stmt, 0);
  if (!mend_photo_role_from_string (mend_stmt_text (stmt, 1), &row->role))
    row->role = MEND_PHOTO_ROLE_EVIDENCE;
  row->session_id = mend_stmt_dup_text (stmt, 2);
  row->participant_id = mend_stmt_dup_text (stmt, 3);
  row->occurred_at_ms = sqlite3_column_int64 (stmt, 4);
  row->sha256 = mend_stmt_dup_text (stmt, 5);
  row->bytes = sqlite3_column_int64 (stmt, 6);
  row->width = sqlite3_column_int (stmt, 7);
  row->height = sqlite3_column_int (stmt, 8);
  row->voided = sqlite3_column_int (stmt, 9) != 0;
  mend_event_log_read_fix (stmt, 10, &row->fix, &has_skew, &skew_ms);
  return row;
}

/**
 * mend_store_list_photos:
 * @session_id: (nullable): only this session's photos; %NULL for every photo
 *
 * Returns: (transfer full) (element-type MendPhotoRow): one row per `photo.taken` event, in
 *   the order they were recorded, voided ones included and marked.
 */
GPtrArray *
mend_store_list_photos (MendStore *self, const char *session_id, GError **error)
{
  g_autoptr (MendStmt) stmt = NULL;
  g_autoptr (GPtrArray) rows = NULL;

  g_return_val_if_fail (MEND_IS_STORE (self), NULL);

  stmt = mend_db_prepare (self->reader,
                          "SELECT e.id, json_extract (e.payload, '$.role'), e.session_id, "
                          "  e.participant_id, e.occurred_at, p.sha256, p.bytes, p.width, "
                          "  p.height, "
                          "  EXISTS (SELECT 1 FROM voided_events v WHERE v.event_id = e.id), "
                          "  " MEND_FIX_COLUMNS " "
                          "FROM events e "
                          "JOIN photos p ON p.sha256 = json_extract (e.payload, '$.sha256') "
                          "WHERE e.kind = 'photo.taken' AND (?1 IS NULL OR e.session_id = ?1) "
                          "ORDER BY e.seq",
                          error);
  if (stmt == NULL)
    return NULL;
  mend_stmt_bind_text (stmt, 1, session_id);
  rows = mend_db_collect (self->reader, stmt, photo_row_from, (GDestroyNotify)mend_photo_row_free,
                          error);
  if (rows == NULL)
    return NULL;
  for (guint i = 0; i < rows->len; i++)
    {
      MendPhotoRow *row = g_ptr_array_index (rows, i);
      row->path = mend_store_photo_path (self, row->sha256);
    }
  return g_steal_pointer (&rows);
}

void
mend_photo_row_free (MendPhotoRow *row)
{
  if (row == NULL)
    return;
  g_free (row->event_id);
  g_free (row->sha256);
  g_free (row->path);
  g_free (row->session_id);
  g_free (row->participant_id);
  g_free (row);
}

typedef struct
{
  char *sha256;
  gint64 bytes;
} StoredPhoto;

static gpointer
stored_photo_from (MendStmt *stmt)
{
  StoredPhoto *photo = g_new0 (StoredPhoto, 1);

  photo->sha256 = mend_stmt_dup_text (stmt, 0);
  photo->bytes = sqlite3_column_int64 (stmt, 1);
  return photo;
}

static void
stored_photo_free (StoredPhoto *photo)
{
  g_free (photo->sha256);
  g_free (photo);
}

static gboolean
verify_one (MendStore *self, const StoredPhoto *photo, GError **error)
{
  g_autofree char *path = NULL;
  g_autofree char *actual = NULL;
  gint64 bytes = 0;
  int fd;
  int saved;

  /* The CHECK on the table keeps bad names out; a row edited around it is damage too. */
  if (!mend_photo_sha256_is_valid (photo->sha256))
    {
      g_set_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_CORRUPT,
                   "The store names a photo “%s” that is not a SHA-256", photo->sha256);
      return FALSE;
    }
  path = mend_store_photo_path (self, photo->sha256);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT)
    {
      g_set_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_CORRUPT,
                   "The photo file “%s” is missing", path);
      return FALSE;
    }
  if (fd < 0 || !hash_fd (fd, &actual, &bytes))
    {
      saved = errno;
      if (fd >= 0)
        close (fd);
      g_set_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_IO,
                   "Could not read the photo file “%s”: %s", path, g_strerror (saved));
      return FALSE;
    }
  close (fd);
  if (g_strcmp0 (actual, photo->sha256) != 0)
    {
      g_set_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_CORRUPT,
                   "The photo file “%s” was altered: its contents no longer match its name", path);
      return FALSE;
    }
  if (bytes != photo->bytes)
    {
      g_set_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_CORRUPT,
                   "The photo file “%s” has %" G_GINT64_FORMAT
                   " bytes but the store recorded %" G_GINT64_FORMAT,
                   path, bytes, photo->bytes);
      return FALSE;
    }
  return TRUE;
}

/**
 * mend_store_verify_photos:
 * @out_n_photos: (out) (optional): how many photo files were checked
 *
 * Checks that every photo the store holds has its file and that the file's SHA-256 is its
 * name. Reads every photo, through the reader connection: call it where the store's other
 * reads happen (the reader belongs to one thread).
 *
 * Returns: %TRUE when all are sound; otherwise %FALSE with #MEND_STORE_ERROR_CORRUPT naming
 *   the first file that is missing or altered.
 */
gboolean
mend_store_verify_photos (MendStore *self, gint64 *out_n_photos, GError **error)
{
  g_autoptr (MendStmt) stmt = NULL;
  g_autoptr (GPtrArray) photos = NULL;

  g_return_val_if_fail (MEND_IS_STORE (self), FALSE);

  /* The list is read first, so the read transaction does not stay open while files are
   * hashed. */
  stmt = mend_db_prepare (
      self->reader, "SELECT sha256, bytes FROM photos WHERE purged_at IS NULL ORDER BY sha256",
      error);
  if (stmt == NULL)
    return FALSE;
  photos = mend_db_collect (self->reader, stmt, stored_photo_from,
                            (GDestroyNotify)stored_photo_free, error);
  g_clear_pointer (&stmt, mend_stmt_release);
  if (photos == NULL)
    return FALSE;

  for (guint i = 0; i < photos->len; i++)
    if (!verify_one (self, g_ptr_array_index (photos, i), error))
      return FALSE;
  if (out_n_photos != NULL)
    *out_n_photos = photos->len;
  return TRUE;
}
