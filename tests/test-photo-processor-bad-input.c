/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-photo-processor-bad-input"

#include "config.h"

#include <errno.h>
#include <gexiv2/gexiv2.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/mount.h>

#include "mend-photo-processor.h"
#include "mend-test-photo-processor.h"
#include "mend-test-reliability.h"
#include "mend-test-util.h"

/* The photo processor on bad inputs and outputs, each of which must leave no output file:
 * files that are not images or are cut short, images too large to decode, and outputs that
 * cannot be written or do not fit. Test images are made with gdk-pixbuf; a few are cached for
 * the run in one folder (mend-test-photo-processor.c). */

/* --- Making test images -------------------------------------------------------------- */

static guint32
crc32_of (const guint8 *data, gsize len)
{
  guint32 crc = 0xffffffffu;

  for (gsize i = 0; i < len; i++)
    {
      crc ^= data[i];
      for (int k = 0; k < 8; k++)
        crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
    }
  return crc ^ 0xffffffffu;
}

/* Appends a PNG chunk with its length and CRC. */
static void
append_png_chunk (GByteArray *png, const char *type, const guint8 *data, guint32 len)
{
  gsize start = png->len;
  guint8 be[4];

  put_be32 (be, len);
  g_byte_array_append (png, be, 4);
  g_byte_array_append (png, (const guint8 *)type, 4);
  if (len > 0)
    g_byte_array_append (png, data, len);
  put_be32 (be, crc32_of (png->data + start + 4, len + 4));
  g_byte_array_append (png, be, 4);
}

/* A PNG claiming @width × @height that is a few dozen bytes long: a valid IHDR, a token IDAT
 * (the decoder reports the size when it reaches the first IDAT) and IEND. */
static void
write_png_claiming (const char *path, guint32 width, guint32 height)
{
  static const guint8 png_signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  static const guint8 zlib_start[2] = { 0x78, 0x9c };
  g_autoptr (GByteArray) png = g_byte_array_new ();
  guint8 ihdr[13] = { 0 };

  put_be32 (ihdr, width);
  put_be32 (ihdr + 4, height);
  ihdr[8] = 8; /* bit depth */
  ihdr[9] = 6; /* RGBA */
  g_byte_array_append (png, png_signature, sizeof png_signature);
  append_png_chunk (png, "IHDR", ihdr, sizeof ihdr);
  append_png_chunk (png, "IDAT", zlib_start, sizeof zlib_start);
  append_png_chunk (png, "IEND", NULL, 0);
  write_bytes (path, png->data, png->len);
}

/* --- Bad input and output ------------------------------------------------------------- */

/* Processes @input, expecting @code (and @words in the message, if given), and checks that
 * the output is gone. */
static void
assert_refused_saying (Fixture *f, const char *input, int code, const char *words)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *name = g_path_get_basename (input);
  g_autofree char *parent = g_path_get_dirname (f->out);
  int width = -1, height = -1;

  /* The output exists (empty) beforehand, as the store's temp file does, where it can. */
  if (g_file_test (parent, G_FILE_TEST_IS_DIR) && !g_file_test (f->out, G_FILE_TEST_EXISTS))
    write_bytes (f->out, "", 0);
  g_assert_false (mend_photo_process_file (input, f->out, NULL, &f->meta, &width, &height, &error));
  g_assert_error (error, MEND_PHOTO_ERROR, code);
  g_test_message ("%s: %s", name, error->message);
  if (words != NULL)
    g_assert_nonnull (strstr (error->message, words));
  g_assert_false (g_file_test (f->out, G_FILE_TEST_EXISTS));
  g_assert_cmpint (width, ==, -1);
}

static void
assert_refused (Fixture *f, const char *input, int code)
{
  assert_refused_saying (f, input, code, NULL);
}

static char *
fixture_file (Fixture *f, const char *name, const void *data, gssize len)
{
  char *path = g_build_filename (f->dir, name, NULL);

  write_bytes (path, data, len < 0 ? strlen (data) : (gsize)len);
  return path;
}

static void
test_bad_inputs (Fixture *f, gconstpointer data)
{
  g_autofree char *jpeg = NULL;
  g_autofree char *png = NULL;
  g_autofree char *empty = fixture_file (f, "empty.jpg", "", 0);
  g_autofree char *text
      = fixture_file (f, "notes.jpg", "Bench 4 repainted, bins emptied by 11:30.\n", -1);
  g_autofree char *garbage_path = NULL;
  g_autofree char *truncated = NULL;
  g_autofree char *truncated_png = NULL;
  g_autofree char *bmp = g_build_filename (f->dir, "image.bmp", NULL);
  g_autofree char *missing = g_build_filename (f->dir, "missing.jpg", NULL);
  g_autofree char *contents = NULL;
  g_autoptr (GdkPixbuf) small = pattern_new (64, 48, FALSE);
  g_autoptr (GError) error = NULL;
  guint8 garbage[4096];
  gsize len = 0;

  for (gsize i = 0; i < sizeof garbage; i++)
    garbage[i] = g_test_rand_int_range (0, 256);
  garbage_path = fixture_file (f, "garbage.jpg", garbage, sizeof garbage);

  jpeg = cached_image (1200, 900, "jpeg");
  g_file_get_contents (jpeg, &contents, &len, &error);
  g_assert_no_error (error);
  truncated = fixture_file (f, "half.jpg", contents, len / 2);
  g_clear_pointer (&contents, g_free);

  png = cached_image (800, 600, "png");
  g_file_get_contents (png, &contents, &len, &error);
  g_assert_no_error (error);
  truncated_png = fixture_file (f, "half.png", contents, len / 2);

  save_or_die (small, bmp, "bmp");

  assert_refused (f, empty, MEND_PHOTO_ERROR_NOT_AN_IMAGE);
  assert_refused (f, garbage_path, MEND_PHOTO_ERROR_NOT_AN_IMAGE);
  assert_refused (f, text, MEND_PHOTO_ERROR_NOT_AN_IMAGE);
  assert_refused (f, truncated, MEND_PHOTO_ERROR_NOT_AN_IMAGE);
  assert_refused (f, truncated_png, MEND_PHOTO_ERROR_NOT_AN_IMAGE);
  assert_refused (f, bmp, MEND_PHOTO_ERROR_NOT_AN_IMAGE);
  assert_refused (f, missing, MEND_PHOTO_ERROR_READ);
  assert_refused (f, f->dir, MEND_PHOTO_ERROR_READ);
  mend_test_reliability_row ("photo files that are not photos (empty, text, garbage, half, BMP)", 8,
                             MEND_RELIABILITY_REFUSED);
}

/* A JPEG cut anywhere, even just before its last byte, is incomplete; with bytes appended
 * after its end (as motion photos have) it is still whole. */
static void
test_truncated_anywhere (Fixture *f, gconstpointer data)
{
  g_autofree char *jpeg = cached_image (320, 240, "jpeg");
  g_autofree char *contents = NULL;
  g_autoptr (GError) error = NULL;
  gsize len = 0;
  const double cuts[] = { 0.01, 0.1, 0.5, 0.9 };

  g_file_get_contents (jpeg, &contents, &len, &error);
  g_assert_no_error (error);
  for (gsize i = 0; i <= G_N_ELEMENTS (cuts); i++)
    {
      gsize cut = i < G_N_ELEMENTS (cuts) ? (gsize)(len * cuts[i]) : len - 1;
      g_autofree char *path = fixture_file (f, "cut.jpg", contents, cut);
      assert_refused (f, path, MEND_PHOTO_ERROR_NOT_AN_IMAGE);
    }

  /* An EXIF thumbnail is a whole JPEG inside the APP1 segment, with an end marker of its own:
   * a file cut just after the thumbnail is still incomplete, and the whole file is fine. */
  {
    g_autofree char *with_thumb = g_build_filename (f->dir, "thumbnail.jpg", NULL);
    g_autofree char *thumb = cached_image (160, 120, "jpeg");
    g_autofree char *bytes = NULL;
    g_autoptr (GExiv2Metadata) exif = gexiv2_metadata_new ();
    gsize thumb_len = 0, with_len = 0;
    const char *thumb_end = NULL;

    g_file_get_contents (thumb, &bytes, &thumb_len, &error);
    g_assert_no_error (error);
    write_bytes (with_thumb, contents, len);
    gexiv2_metadata_open_path (exif, with_thumb, &error);
    g_assert_no_error (error);
    gexiv2_metadata_try_set_exif_thumbnail_from_buffer (exif, (const guint8 *)bytes, thumb_len,
                                                        &error);
    g_assert_no_error (error);
    gexiv2_metadata_save_file (exif, with_thumb, &error);
    g_assert_no_error (error);
    g_clear_pointer (&bytes, g_free);
    g_file_get_contents (with_thumb, &bytes, &with_len, &error);
    g_assert_no_error (error);

    /* The first end marker in the file is the thumbnail's. */
    for (gsize i = 0; i + 1 < with_len && thumb_end == NULL; i++)
      if ((guint8)bytes[i] == 0xff && (guint8)bytes[i + 1] == 0xd9)
        thumb_end = bytes + i + 2;
    g_assert_nonnull (thumb_end);
    g_assert_cmpuint (thumb_end - bytes, <, with_len / 2);
    {
      g_autofree char *cut = fixture_file (f, "cut-after-thumbnail.jpg", bytes, thumb_end - bytes);
      assert_refused (f, cut, MEND_PHOTO_ERROR_NOT_AN_IMAGE);
    }
    write_bytes (f->out, "", 0);
    process_ok (f, with_thumb, NULL, NULL);
    assert_file_size (f->out, 320, 240);
  }

  {
    g_autoptr (GByteArray) longer = g_byte_array_new ();
    g_autofree char *path = NULL;
    int width = 0, height = 0;

    g_byte_array_append (longer, (const guint8 *)contents, len);
    for (int i = 0; i < 100000; i++)
      g_byte_array_append (longer, (const guint8 *)"\xff\x00junk", 6);
    path = fixture_file (f, "appended.jpg", longer->data, longer->len);
    write_bytes (f->out, "", 0);
    process_ok (f, path, &width, &height);
    g_assert_cmpint (width, ==, 320);
  }
  mend_test_reliability_row ("a JPEG cut short", G_N_ELEMENTS (cuts) + 2, MEND_RELIABILITY_REFUSED);
}

static void
test_too_large (Fixture *f, gconstpointer data)
{
  g_autofree char *png = g_build_filename (f->dir, "huge.png", NULL);
  g_autofree char *jpeg = cached_image (320, 240, "jpeg");
  g_autofree char *contents = NULL;
  g_autofree char *huge_jpeg = NULL;
  g_autoptr (GError) error = NULL;
  gsize len = 0;
  gboolean patched = FALSE;

  write_png_claiming (png, 30000, 30000);
  assert_refused (f, png, MEND_PHOTO_ERROR_TOO_LARGE);

  /* A JPEG claiming 65000 × 65000: even at 1/8 scale that is 264 MB of pixels. */
  g_file_get_contents (jpeg, &contents, &len, &error);
  g_assert_no_error (error);
  for (gsize i = 2; i + 9 < len; i++)
    if ((guint8)contents[i] == 0xff && (guint8)contents[i + 1] == 0xc0)
      {
        put_be32 ((guint8 *)contents + i + 5, 65000u << 16 | 65000u);
        patched = TRUE;
        break;
      }
  g_assert_true (patched);
  huge_jpeg = fixture_file (f, "huge.jpg", contents, len);
  assert_refused (f, huge_jpeg, MEND_PHOTO_ERROR_TOO_LARGE);
  mend_test_reliability_row ("an image claiming 30,000 px or more a side", 2,
                             MEND_RELIABILITY_REFUSED);
}

static void
test_unwritable (Fixture *f, gconstpointer data)
{
  g_autofree char *input = cached_image (320, 240, "jpeg");
  g_autofree char *not_a_dir = g_build_filename (f->dir, "plain-file", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GdkPixbuf) frame = pattern_new (64, 48, FALSE);
  g_autofree char *contents = NULL;

  write_bytes (not_a_dir, "x", 1);
  g_free (f->out);
  /* Under a regular file, so it fails even for root. */
  f->out = g_build_filename (not_a_dir, "photo.jpg", NULL);
  assert_refused (f, input, MEND_PHOTO_ERROR_WRITE);

  g_assert_false (mend_photo_process_pixbuf (frame, f->out, NULL, &f->meta, NULL, NULL, &error));
  g_assert_error (error, MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_WRITE);
  g_file_get_contents (not_a_dir, &contents, NULL, NULL);
  g_assert_cmpstr (contents, ==, "x");
}

static void
test_disk_full (Fixture *f, gconstpointer data)
{
  g_autofree char *input = cached_image (1200, 900, "jpeg");
  g_autofree char *mount_dir = g_build_filename (f->dir, "full", NULL);
  g_autoptr (GDir) dir = NULL;
  g_autoptr (GdkPixbuf) frame = pattern_new (1200, 900, FALSE);
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (g_mkdir (mount_dir, 0755), ==, 0);
  /* 64 KiB holds the empty temp file but not the photo. */
  if (mount ("tmpfs", mount_dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k") != 0)
    {
      g_autofree char *why = g_strdup_printf ("cannot mount a small tmpfs: %s", g_strerror (errno));
      g_test_skip (why);
      return;
    }
  g_free (f->out);
  f->out = g_build_filename (mount_dir, "photo-temp.jpg", NULL);

  assert_refused_saying (f, input, MEND_PHOTO_ERROR_WRITE, "space");

  write_bytes (f->out, "", 0);
  g_assert_false (mend_photo_process_pixbuf (frame, f->out, NULL, &f->meta, NULL, NULL, &error));
  g_assert_error (error, MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_WRITE);
  g_assert_nonnull (strstr (error->message, "space"));
  g_assert_false (g_file_test (f->out, G_FILE_TEST_EXISTS));

  dir = g_dir_open (mount_dir, 0, NULL);
  g_assert_nonnull (dir);
  g_assert_null (g_dir_read_name (dir));
  g_clear_pointer (&dir, g_dir_close);
  g_assert_cmpint (umount2 (mount_dir, MNT_DETACH), ==, 0);
  mend_test_reliability_row ("full disk while a photo is processed", 2, MEND_RELIABILITY_REFUSED);
}

int
main (int argc, char *argv[])
{
  photo_test_init (&argc, &argv);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/photo/bad/inputs", test_bad_inputs);
  ADD ("/photo/bad/truncated-anywhere", test_truncated_anywhere);
  ADD ("/photo/bad/too-large", test_too_large);
  ADD ("/photo/bad/unwritable", test_unwritable);
  ADD ("/photo/bad/disk-full", test_disk_full);
#undef ADD

  return photo_test_run ();
}
