/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-test"

#include "config.h"

#include "mend-test-photo-processor.h"

#include <gexiv2/gexiv2.h>

#include "mend-test-util.h"

static char *cache_dir;

/* --- main() -------------------------------------------------------------------------- */

/* What main() does before adding its tests. */
void
photo_test_init (int *argc, char ***argv)
{
  /* Before anything reads the local time zone. */
  g_setenv ("TZ", TEST_TZ, TRUE);
  g_test_init (argc, argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  gexiv2_initialize ();
  cache_dir = mend_test_temp_dir ();
}

/* What main() does after: runs the tests, then removes the cached images. */
int
photo_test_run (void)
{
  int status;

  status = g_test_run ();
  mend_test_remove_tree (cache_dir);
  g_free (cache_dir);
  return status;
}

/* --- Making test images -------------------------------------------------------------- */

/* Four coloured quadrants with a little noise, so a large JPEG has a realistic size and
 * decoding costs what it does for a real photo. */
GdkPixbuf *
pattern_new (int width, int height, gboolean alpha)
{
  GdkPixbuf *pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, alpha, 8, width, height);
  int n_channels = gdk_pixbuf_get_n_channels (pixbuf);
  int rowstride = gdk_pixbuf_get_rowstride (pixbuf);
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  guint32 state = 2463534242u;

  for (int y = 0; y < height; y++)
    {
      guint8 *p = pixels + (gsize)y * rowstride;

      for (int x = 0; x < width; x++, p += n_channels)
        {
          guint32 colour = y < height / 2 ? (x < width / 2 ? TOP_LEFT : TOP_RIGHT)
                                          : (x < width / 2 ? BOTTOM_LEFT : BOTTOM_RIGHT);
          int noise;

          state ^= state << 13;
          state ^= state >> 17;
          state ^= state << 5;
          noise = (int)(state & 31) - 16;
          p[0] = CLAMP ((int)(colour >> 16) + noise, 0, 255);
          p[1] = CLAMP ((int)((colour >> 8) & 0xff) + noise, 0, 255);
          p[2] = CLAMP ((int)(colour & 0xff) + noise, 0, 255);
          if (alpha)
            p[3] = 255;
        }
    }
  return pixbuf;
}

void
save_or_die (GdkPixbuf *pixbuf, const char *path, const char *type)
{
  g_autoptr (GError) error = NULL;

  if (g_str_equal (type, "jpeg"))
    gdk_pixbuf_save (pixbuf, path, type, &error, "quality", "90", NULL);
  else
    gdk_pixbuf_save (pixbuf, path, type, &error, NULL);
  g_assert_no_error (error);
}

/* Returns: (transfer full): the path of a cached test image, made on first use. */
char *
cached_image (int width, int height, const char *type)
{
  g_autofree char *name = g_strdup_printf ("%dx%d.%s", width, height, type);
  char *path = g_build_filename (cache_dir, name, NULL);

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      gint64 start = g_get_monotonic_time ();
      g_autoptr (GdkPixbuf) pixbuf = pattern_new (width, height, FALSE);

      save_or_die (pixbuf, path, type);
      g_test_message ("made %s in %.2f s", name, (g_get_monotonic_time () - start) / 1e6);
    }
  return path;
}

void
write_bytes (const char *path, const void *data, gsize len)
{
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, data, len, &error);
  g_assert_no_error (error);
}

void
put_be32 (guint8 *p, guint32 v)
{
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

/* --- Reading results back ------------------------------------------------------------- */

/* Decodes a JPEG with the loader named, not sniffed: gdk-pixbuf sniffs through
 * shared-mime-info, which G_TEST_OPTION_ISOLATE_DIRS hides. */
GdkPixbuf *
decode_jpeg (const char *path)
{
  g_autoptr (GdkPixbufLoader) loader = gdk_pixbuf_loader_new_with_type ("jpeg", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize len = 0;

  g_file_get_contents (path, &contents, &len, &error);
  g_assert_no_error (error);
  gdk_pixbuf_loader_write (loader, (const guint8 *)contents, len, &error);
  g_assert_no_error (error);
  gdk_pixbuf_loader_close (loader, &error);
  g_assert_no_error (error);
  return g_object_ref (gdk_pixbuf_loader_get_pixbuf (loader));
}

void
assert_file_size (const char *path, int width, int height)
{
  g_autoptr (GdkPixbuf) pixbuf = decode_jpeg (path);

  g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, width);
  g_assert_cmpint (gdk_pixbuf_get_height (pixbuf), ==, height);
}

/* --- Fixture -------------------------------------------------------------------------- */

void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->dir = mend_test_temp_dir ();
  f->out = g_build_filename (f->dir, "photo-temp.jpg", NULL);
  write_bytes (f->out, "", 0);

  mend_fix_init (&f->fix, MEND_FIX_STATE_FIX, NULL);
  f->fix.mode = 3;
  f->fix.latitude = 52.40;
  f->fix.longitude = -1.987654321;
  f->fix.altitude = 71.5;
  f->fix.horizontal_error = 4.2;
  f->fix.gnss_time_ms = WINTER_MS - 400;
  f->fix.satellites = 9;
  f->fix.age_ms = 400;

  f->meta.taken_at_ms = WINTER_MS;
  f->meta.fix = &f->fix;
  f->meta.role = "before";
  f->meta.session_id = "s00001";
}

void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  mend_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->out);
}

void
process_ok (Fixture *f, const char *input, int *out_width, int *out_height)
{
  g_autoptr (GError) error = NULL;
  gboolean ok
      = mend_photo_process_file (input, f->out, NULL, &f->meta, out_width, out_height, &error);

  g_assert_no_error (error);
  g_assert_true (ok);
}
