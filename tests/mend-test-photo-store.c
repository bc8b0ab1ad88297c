/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-test"

#include "config.h"

#include "mend-test-photo-store.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

/* Photos made, adopted, recorded and listed for the photo store tests. */

void
fixture_set_up (Fixture *f, gconstpointer data)
{
  mend_test_fixture_open (f, 2, 2);
}

void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  mend_test_fixture_close (f);
}

/* Bytes shaped like a JPEG; the store does not look inside, so random filling will do. */
GBytes *
fake_jpeg (guint32 seed, gsize size)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  guchar *data = g_malloc (size);

  for (gsize i = 0; i < size; i++)
    data[i] = (guchar)g_rand_int_range (rand, 0, 256);
  data[0] = 0xff;
  data[1] = 0xd8;
  data[size - 2] = 0xff;
  data[size - 1] = 0xd9;
  return g_bytes_new_take (data, size);
}

char *
sha256_of (GBytes *bytes)
{
  return g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
}

/* As the processor must: into the temp file itself, not a new file renamed over it. */
int
write_in_place (const char *path, GBytes *bytes)
{
  gsize size = 0;
  const guchar *data = g_bytes_get_data (bytes, &size);
  int fd = g_open (path, O_WRONLY | O_TRUNC | O_CLOEXEC, 0);
  int saved = 0;

  g_assert_cmpint (fd, >=, 0);
  while (size > 0)
    {
      gssize n = write (fd, data, size);

      if (n < 0)
        {
          saved = errno;
          break;
        }
      data += n;
      size -= n;
    }
  close (fd);
  return saved;
}

/* What the camera page will do: a temp, the JPEG written into it, adopted. */
char *
store_photo (MendStore *store, GBytes *jpeg)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *temp = mend_store_new_photo_temp (store, &error);
  char *sha256 = NULL;
  gint64 bytes = 0;

  g_assert_no_error (error);
  g_assert_cmpint (write_in_place (temp, jpeg), ==, 0);
  g_assert_true (mend_store_adopt_photo_temp (store, temp, &sha256, &bytes, &error));
  g_assert_no_error (error);
  g_assert_cmpint (bytes, ==, g_bytes_get_size (jpeg));
  g_assert_false (g_file_test (temp, G_FILE_TEST_EXISTS));
  return sha256;
}

MendCommand *
photo_command (const char *session_id,
               const char *participant_id,
               MendPhotoRole role,
               const char *sha256,
               gint64 bytes)
{
  return mend_command_photo (session_id, participant_id, role, sha256, bytes, 2048, 1536);
}

guint
count_events (MendStore *store)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) events = mend_store_list_events (store, NULL, &error);

  g_assert_no_error (error);
  return events->len;
}

static void
collect_files (const char *root, const char *relative, GPtrArray *out)
{
  g_autofree char *path = g_build_filename (root, relative, NULL);
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (relative, name, NULL);
      g_autofree char *child_path = g_build_filename (root, child, NULL);

      /* Markers of photos waiting for their event come and go with the records. */
      if (g_str_has_prefix (name, ".adopting-"))
        continue;
      if (g_file_test (child_path, G_FILE_TEST_IS_DIR))
        collect_files (root, child, out);
      else
        g_ptr_array_add (out, g_steal_pointer (&child));
    }
}

static int
compare_paths (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *)a, *(const char *const *)b);
}

/* Every file under photos/, temps included and adoption markers not, relative to it and
 * sorted, joined by spaces. */
char *
photo_files (MendStore *store)
{
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_free);

  collect_files (mend_store_get_photos_dir (store), "", files);
  g_ptr_array_sort (files, compare_paths);
  g_ptr_array_add (files, NULL);
  return g_strjoinv (" ", (char **)files->pdata);
}
