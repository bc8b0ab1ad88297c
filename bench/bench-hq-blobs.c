/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Photo upload at HQ: a device sends photos by PATCH in chunks (512 KiB, as the device does),
 * each chunk appended and fsynced by mend-hq, the whole file hashed and renamed into the
 * content-addressed folder. The floor, measured in the same run in the same folder on the
 * same disk: the same bytes written with write() in the same chunks, fsync after each chunk,
 * then rename and fsync of the folder, i.e. the same durability with no HTTP, no hashing, no
 * database. A second floor fsyncs once per file, to show what per-chunk durability costs.
 *
 *   bench-hq-blobs [-n PHOTOS] [-s MIB_PER_PHOTO] [-c CHUNK_KIB] [-j DEVICES]
 */
#define G_LOG_DOMAIN "mend-bench"

#include "config.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mend-bench-util.h"
#include "mend-test-hq-device.h"

#define TARGET_RATIO 0.7

static int n_photos = 24;
static int photo_mib = 3;
static int chunk_kib = 512;
static int n_devices = 1;

static MendTestHq *hq;

typedef struct
{
  MendTestDevice *device;
  GPtrArray *photos; /* GBytes */
  GPtrArray *names;  /* their SHA-256, computed before the clock starts */
  gboolean failed;
} Uploader;

static size_t
header_cb (char *data, size_t size, size_t n, void *user_data)
{
  if (size * n >= 19 && g_ascii_strncasecmp (data, "Upload-Complete: ?1", 19) == 0)
    *(gboolean *)user_data = TRUE;
  return size * n;
}

/* Each photo from offset 0 in chunks on one kept-alive connection; HQ's answers are checked. */
static gpointer
upload_thread (gpointer data)
{
  Uploader *uploader = data;
  g_autofree char *authorization
      = g_strconcat ("Authorization: Bearer ", uploader->device->token, NULL);
  CURL *curl = curl_easy_init ();
  gsize chunk = (gsize)chunk_kib * 1024;

  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_TIMEOUT, 120L);
  curl_easy_setopt (curl, CURLOPT_CUSTOMREQUEST, "PATCH");
  curl_easy_setopt (curl, CURLOPT_HEADERFUNCTION, header_cb);
  for (guint p = 0; p < uploader->photos->len; p++)
    {
      GBytes *photo = g_ptr_array_index (uploader->photos, p);
      const char *sha256 = g_ptr_array_index (uploader->names, p);
      g_autofree char *url
          = g_strdup_printf ("http://127.0.0.1:%u/api/v1/blobs/%s", hq->port, sha256);
      gsize length = g_bytes_get_size (photo);
      gboolean complete = FALSE;

      curl_easy_setopt (curl, CURLOPT_URL, url);
      curl_easy_setopt (curl, CURLOPT_HEADERDATA, &complete);
      for (gsize offset = 0; offset < length; offset += chunk)
        {
          gsize n = MIN (chunk, length - offset);
          g_autofree char *offset_header
              = g_strdup_printf ("Upload-Offset: %" G_GSIZE_FORMAT, offset);
          g_autofree char *length_header
              = g_strdup_printf ("Upload-Length: %" G_GSIZE_FORMAT, length);
          struct curl_slist *headers = NULL;
          long status = 0;

          headers = curl_slist_append (headers, "Content-Type: application/offset+octet-stream");
          headers = curl_slist_append (headers, "Expect:");
          headers = curl_slist_append (headers, authorization);
          headers = curl_slist_append (headers, offset_header);
          headers = curl_slist_append (headers, length_header);
          curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
          curl_easy_setopt (curl, CURLOPT_POSTFIELDS,
                            (const char *)g_bytes_get_data (photo, NULL) + offset);
          curl_easy_setopt (curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)n);
          if (curl_easy_perform (curl) != CURLE_OK)
            uploader->failed = TRUE;
          curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
          if (status != 204)
            uploader->failed = TRUE;
          curl_slist_free_all (headers);
        }
      if (!complete)
        uploader->failed = TRUE;
    }
  curl_easy_cleanup (curl);
  return NULL;
}

static void
write_all (int fd, const char *data, gsize length)
{
  while (length > 0)
    {
      ssize_t n = write (fd, data, length);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        g_error ("write: %s", g_strerror (errno));
      data += n;
      length -= (gsize)n;
    }
}

/* The floor: the same bytes into the same folder, durable in the same way. */
static double
write_floor (GPtrArray *photos, const char *folder, gboolean fsync_each_chunk)
{
  gsize chunk = (gsize)chunk_kib * 1024;
  double started = mend_bench_now_ms ();
  int dir_fd = open (folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  g_assert_cmpint (dir_fd, >=, 0);
  for (guint p = 0; p < photos->len; p++)
    {
      GBytes *photo = g_ptr_array_index (photos, p);
      g_autofree char *name = g_strdup_printf ("floor-%u", p);
      g_autofree char *temp = g_build_filename (folder, "floor-temp", NULL);
      g_autofree char *path = g_build_filename (folder, name, NULL);
      const char *data = g_bytes_get_data (photo, NULL);
      gsize length = g_bytes_get_size (photo);
      int fd = open (temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

      g_assert_cmpint (fd, >=, 0);
      for (gsize offset = 0; offset < length; offset += chunk)
        {
          write_all (fd, data + offset, MIN (chunk, length - offset));
          if (fsync_each_chunk && fsync (fd) != 0)
            g_error ("fsync: %s", g_strerror (errno));
        }
      if (!fsync_each_chunk && fsync (fd) != 0)
        g_error ("fsync: %s", g_strerror (errno));
      close (fd);
      g_assert_cmpint (rename (temp, path), ==, 0);
      g_assert_cmpint (fsync (dir_fd), ==, 0);
    }
  close (dir_fd);
  return mend_bench_now_ms () - started;
}

static void
remove_floor (GPtrArray *photos, const char *folder)
{
  for (guint p = 0; p < photos->len; p++)
    {
      g_autofree char *name = g_strdup_printf ("floor-%u", p);
      g_autofree char *path = g_build_filename (folder, name, NULL);

      unlink (path);
    }
}

int
main (int argc, char **argv)
{
  const char *const add[] = { "team", "add", "Bench", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (GOptionContext) context = g_option_context_new ("— HQ blob upload");
  const GOptionEntry entries[] = {
    { "photos", 'n', 0, G_OPTION_ARG_INT, &n_photos, "Photos per device", "N" },
    { "size", 's', 0, G_OPTION_ARG_INT, &photo_mib, "MiB per photo (1–32)", "MIB" },
    { "chunk", 'c', 0, G_OPTION_ARG_INT, &chunk_kib, "KiB per PATCH (4–4096)", "KIB" },
    { "devices", 'j', 0, G_OPTION_ARG_INT, &n_devices, "Devices uploading at once", "N" },
    { NULL },
  };
  g_autofree char *team = NULL;
  g_autoptr (MendBenchFolder) where = NULL;
  g_autoptr (GPtrArray) all_photos = g_ptr_array_new ();
  g_autofree char *floor_folder = NULL;
  Uploader *uploaders;
  GThread **threads;
  double hq_ms = 0, floor_ms = 0, floor_once_ms = 0, mib;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  photo_mib = CLAMP (photo_mib, 1, 32);
  chunk_kib = CLAMP (chunk_kib, 4, 4096);
  n_devices = CLAMP (n_devices, 1, 50);
  n_photos = MAX (n_photos, 1);
  curl_global_init (CURL_GLOBAL_DEFAULT);
  hq = mend_test_hq_start ();
  team = mend_test_hq_admin (hq, add);
  where = mend_bench_folder_choose (hq->blobs, &error);
  g_assert_no_error (error);
  mend_bench_folder_print (where);
  floor_folder = g_build_filename (hq->blobs, "floor", NULL);
  g_assert_cmpint (g_mkdir_with_parents (floor_folder, 0755), ==, 0);

  uploaders = g_new0 (Uploader, n_devices);
  threads = g_new (GThread *, n_devices);
  for (int d = 0; d < n_devices; d++)
    {
      long status = 0;
      g_autoptr (MendWireResults) results = NULL;

      uploaders[d].device = mend_test_device_enrol (hq, team);
      uploaders[d].photos = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
      uploaders[d].names = g_ptr_array_new_with_free_func (g_free);
      for (int p = 0; p < n_photos; p++)
        {
          GBytes *photo = mend_test_random_bytes ((gsize)photo_mib * 1024 * 1024 + p);

          g_ptr_array_add (uploaders[d].photos, photo);
          g_ptr_array_add (uploaders[d].names, mend_test_sha256_hex (photo));
          g_ptr_array_add (all_photos, photo);
          mend_test_device_add_photo (uploaders[d].device, photo);
        }
      results = mend_test_device_push (uploaders[d].device, 0, n_photos, &status);
      g_assert_cmpint (status, ==, 200);
      g_assert_true (results->chain_ok);
    }
  mib = (double)all_photos->len * photo_mib;
  printf ("# %d device(s) x %d photos of %d MiB in %d KiB chunks (%.0f MiB)\n", n_devices, n_photos,
          photo_mib, chunk_kib, mib);

  /* Floor, HQ, floor: the two floor runs bracket HQ's, so a disk that drifts weighs on both. */
  floor_ms += write_floor (all_photos, floor_folder, TRUE);
  remove_floor (all_photos, floor_folder);
  {
    double started = mend_bench_now_ms ();

    for (int d = 0; d < n_devices; d++)
      threads[d] = g_thread_new ("upload", upload_thread, &uploaders[d]);
    for (int d = 0; d < n_devices; d++)
      g_thread_join (threads[d]);
    hq_ms = mend_bench_now_ms () - started;
  }
  for (int d = 0; d < n_devices; d++)
    if (uploaders[d].failed)
      g_error ("an upload failed; see the server's log");
  floor_ms += write_floor (all_photos, floor_folder, TRUE);
  remove_floor (all_photos, floor_folder);
  floor_ms /= 2;
  floor_once_ms = write_floor (all_photos, floor_folder, FALSE);
  remove_floor (all_photos, floor_folder);

  printf ("%-46s %8.1f MiB/s   %7.2f s\n", "mend-hq PATCH (append+fsync per chunk, hash)",
          mib / (hq_ms / 1000), hq_ms / 1000);
  printf ("%-46s %8.1f MiB/s   %7.2f s\n", "floor: write+fsync per chunk, rename",
          mib / (floor_ms / 1000), floor_ms / 1000);
  printf ("%-46s %8.1f MiB/s   %7.2f s\n", "floor: write, one fsync per file, rename",
          mib / (floor_once_ms / 1000), floor_once_ms / 1000);
  printf ("ratio (mend-hq / floor, fsync per chunk)      %.2fx   (target >= %.1fx)\n",
          floor_ms / hq_ms, TARGET_RATIO);
  printf ("ratio (mend-hq / floor, one fsync per file)   %.2fx\n", floor_once_ms / hq_ms);

  g_rmdir (floor_folder);
  for (int d = 0; d < n_devices; d++)
    {
      mend_test_device_free (uploaders[d].device);
      g_ptr_array_unref (uploaders[d].photos);
      g_ptr_array_unref (uploaders[d].names);
    }
  g_free (uploaders);
  g_free (threads);
  mend_test_hq_stop (hq);
  curl_global_cleanup ();
  return 0;
}
