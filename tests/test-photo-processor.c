/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-photo-processor"

#include "config.h"

#include <errno.h>
#include <gexiv2/gexiv2.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <sys/mount.h>
#include <stdlib.h>

#include "mend-photo-processor.h"
#include "mend-test-util.h"

/* The photo processor on real files: EXIF read back by exiftool, sizes, orientation, the
 * memory bound, and bad inputs and outputs, each of which must leave no output file. Test
 * images are made here with gdk-pixbuf; a few are cached for the run in one folder. */

/* A fixed zone with summer time, so DateTimeOriginal and its offset can be checked exactly:
 * +01:00 in January, +02:00 in July. */
#define TEST_TZ "CET-1CEST,M3.5.0,M10.5.0/3"

/* 2026-01-15 12:14:15.250 UTC, 13:14:15 in TEST_TZ. */
#define WINTER_MS G_GINT64_CONSTANT (1768479255250)
/* 2026-07-15 10:00:00.000 UTC, 12:00:00 in TEST_TZ. */
#define SUMMER_MS G_GINT64_CONSTANT (1784109600000)

static char *cache_dir;

/* Quadrant colours of the test pattern, as 0xRRGGBB. */
#define TOP_LEFT     0xd02020 /* red */
#define TOP_RIGHT    0x20d020 /* green */
#define BOTTOM_LEFT  0x2020d0 /* blue */
#define BOTTOM_RIGHT 0xe0e0e0 /* light grey */

/* --- Making test images -------------------------------------------------------------- */

/* Four coloured quadrants with a little noise, so a large JPEG has a realistic size and
 * decoding costs what it does for a real photo. */
static GdkPixbuf *
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

static void
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
static char *
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

static void
set_orientation (const char *path, int orientation)
{
  g_autoptr (GExiv2Metadata) exif = gexiv2_metadata_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *value = g_strdup_printf ("%d", orientation);

  gexiv2_metadata_open_path (exif, path, &error);
  g_assert_no_error (error);
  gexiv2_metadata_try_set_tag_string (exif, "Exif.Image.Orientation", value, &error);
  g_assert_no_error (error);
  gexiv2_metadata_save_file (exif, path, &error);
  g_assert_no_error (error);
}

/* Runs jpegtran (libjpeg-turbo-progs) to make a progressive copy; FALSE if it is missing. */
static gboolean
make_progressive (const char *in, const char *out)
{
  g_autofree char *jpegtran = g_find_program_in_path ("jpegtran");
  g_autoptr (GError) error = NULL;
  int status = 0;
  const char *argv[] = { jpegtran, "-progressive", "-outfile", out, in, NULL };

  if (jpegtran == NULL)
    return FALSE;
  g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, &status,
                &error);
  g_assert_no_error (error);
  g_spawn_check_wait_status (status, &error);
  g_assert_no_error (error);
  return TRUE;
}

static void
write_bytes (const char *path, const void *data, gsize len)
{
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, data, len, &error);
  g_assert_no_error (error);
}

static void
put_be32 (guint8 *p, guint32 v)
{
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

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

/* --- Reading results back ------------------------------------------------------------- */

/* Returns: (transfer full): what `exiftool -n -j` says about @path. */
static JsonObject *
exiftool_read (const char *path)
{
  g_autofree char *exiftool = g_find_program_in_path ("exiftool");
  g_autofree char *out = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  int status = 0;
  const char *argv[] = { exiftool, "-n", "-j", path, NULL };
  JsonArray *array;

  g_assert_nonnull (exiftool);
  g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL,
                &status, &error);
  g_assert_no_error (error);
  g_spawn_check_wait_status (status, &error);
  g_assert_no_error (error);
  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);
  array = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  return json_object_ref (json_array_get_object_element (array, 0));
}

static gboolean
have_exiftool (void)
{
  g_autofree char *exiftool = g_find_program_in_path ("exiftool");

  if (exiftool == NULL)
    g_test_skip ("exiftool (libimage-exiftool-perl) is not installed");
  return exiftool != NULL;
}

static char *
exif_raw (const char *path, const char *tag)
{
  g_autoptr (GExiv2Metadata) exif = gexiv2_metadata_new ();
  g_autoptr (GError) error = NULL;
  char *value;

  gexiv2_metadata_open_path (exif, path, &error);
  g_assert_no_error (error);
  value = gexiv2_metadata_try_get_tag_string (exif, tag, &error);
  g_assert_no_error (error);
  return value;
}

static guint32
pixel_at (GdkPixbuf *pixbuf, int x, int y)
{
  const guint8 *p = gdk_pixbuf_read_pixels (pixbuf) + (gsize)y * gdk_pixbuf_get_rowstride (pixbuf)
                    + (gsize)x * gdk_pixbuf_get_n_channels (pixbuf);

  return (guint32)p[0] << 16 | (guint32)p[1] << 8 | p[2];
}

static void
assert_colour_near (guint32 got, guint32 want)
{
  for (int shift = 0; shift <= 16; shift += 8)
    {
      int a = (got >> shift) & 0xff;
      int b = (want >> shift) & 0xff;

      if (ABS (a - b) > 40)
        g_error ("colour %06x is not near %06x", got, want);
    }
}

/* Decodes a JPEG with the loader named, not sniffed: gdk-pixbuf sniffs through
 * shared-mime-info, which G_TEST_OPTION_ISOLATE_DIRS hides. */
static GdkPixbuf *
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

/* The colour near a corner of @path, well inside the quadrant. */
static guint32
corner_colour (const char *path, gboolean right, gboolean bottom)
{
  g_autoptr (GdkPixbuf) pixbuf = decode_jpeg (path);
  int w, h;

  w = gdk_pixbuf_get_width (pixbuf);
  h = gdk_pixbuf_get_height (pixbuf);
  return pixel_at (pixbuf, right ? w - 1 - w / 8 : w / 8, bottom ? h - 1 - h / 8 : h / 8);
}

/* --- Fixture -------------------------------------------------------------------------- */

typedef struct
{
  char *dir;
  char *out; /* an empty file, as the store's temp file is when we are called */
  MendFix fix;
  MendPhotoMeta meta;
} Fixture;

static void
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

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  mend_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->out);
}

static void
process_ok (Fixture *f, const char *input, int *out_width, int *out_height)
{
  g_autoptr (GError) error = NULL;
  gboolean ok
      = mend_photo_process_file (input, f->out, NULL, &f->meta, out_width, out_height, &error);

  g_assert_no_error (error);
  g_assert_true (ok);
}

/* --- EXIF ----------------------------------------------------------------------------- */

static void
assert_position (JsonObject *tags, const MendFix *fix)
{
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (tags, "GPSLatitude"),
                                  fix->latitude, 1e-6);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (tags, "GPSLongitude"),
                                  fix->longitude, 1e-6);
}

static void
test_exif_round_trip (Fixture *f, gconstpointer data)
{
  g_autofree char *input = NULL;
  g_autofree char *latitude = NULL;
  g_autoptr (JsonObject) tags = NULL;

  if (!have_exiftool ())
    return;
  input = cached_image (1200, 900, "jpeg");
  process_ok (f, input, NULL, NULL);
  tags = exiftool_read (f->out);

  assert_position (tags, &f->fix);
  g_assert_cmpstr (json_object_get_string_member (tags, "GPSLatitudeRef"), ==, "N");
  g_assert_cmpstr (json_object_get_string_member (tags, "GPSLongitudeRef"), ==, "W");
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (tags, "GPSAltitude"), 71.5, 1e-3);
  g_assert_cmpint (json_object_get_int_member (tags, "GPSAltitudeRef"), ==, 0);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (tags, "GPSHPositioningError"), 4.2,
                                  1e-3);
  g_assert_cmpstr (json_object_get_string_member (tags, "GPSDateStamp"), ==, "2026:01:15");
  /* 12:14:14.850 UTC: the fix was 400 ms older than the photo. */
  g_assert_cmpstr (json_object_get_string_member (tags, "GPSTimeStamp"), ==, "12:14:14.85");
  g_assert_cmpstr (json_object_get_string_member (tags, "GPSMapDatum"), ==, "WGS-84");
  g_assert_cmpstr (json_object_get_string_member (tags, "DateTimeOriginal"), ==,
                   "2026:01:15 13:14:15");
  g_assert_cmpstr (json_object_get_string_member (tags, "OffsetTimeOriginal"), ==, "+01:00");
  g_assert_cmpint (json_object_get_int_member (tags, "SubSecTimeOriginal"), ==, 250);
  g_assert_cmpstr (json_object_get_string_member (tags, "ImageDescription"), ==,
                   "Mend photo: role before, session s00001");
  g_assert_cmpint (json_object_get_int_member (tags, "Orientation"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (tags, "ImageWidth"), ==, 1200);
  g_assert_cmpint (json_object_get_int_member (tags, "ImageHeight"), ==, 900);

  /* 52.40° is 52° 24' 0", not 52° 23' 60". */
  latitude = exif_raw (f->out, "Exif.GPSInfo.GPSLatitude");
  g_assert_cmpstr (latitude, ==, "52/1 24/1 0/1000000");
}

/* Positions that catch rounding: minute and degree boundaries from both sides, both
 * hemispheres, the poles and the antimeridian, and a height below sea level. */
static void
test_exif_positions (Fixture *f, gconstpointer data)
{
  static const double positions[][2] = {
    { 52.40, 13.0 },
    { 52.3999999999, 13.9999999999 },
    { -33.8567844, 151.2152967 },
    { 40.6892494, -74.0445004 },
    { -0.0000004, -0.0000004 },
    { 0.0, 0.0 },
    { 89.9999999, 179.9999999 },
    { -90.0, -180.0 },
    { 51.0166666666, 0.0166666666 },
  };
  g_autofree char *input = NULL;

  if (!have_exiftool ())
    return;
  input = cached_image (320, 240, "jpeg");
  f->fix.altitude = -12.25;
  f->fix.horizontal_error = NAN;
  f->fix.gnss_time_ms = 0;

  for (gsize i = 0; i < G_N_ELEMENTS (positions); i++)
    {
      g_autoptr (JsonObject) tags = NULL;

      f->fix.latitude = positions[i][0];
      f->fix.longitude = positions[i][1];
      process_ok (f, input, NULL, NULL);
      tags = exiftool_read (f->out);
      assert_position (tags, &f->fix);
      g_assert_cmpfloat_with_epsilon (json_object_get_double_member (tags, "GPSAltitude"), -12.25,
                                      1e-3);
      g_assert_cmpint (json_object_get_int_member (tags, "GPSAltitudeRef"), ==, 1);
      g_assert_false (json_object_has_member (tags, "GPSHPositioningError"));
      g_assert_false (json_object_has_member (tags, "GPSDateStamp"));
      g_assert_false (json_object_has_member (tags, "GPSTimeStamp"));
    }
}

/* The offset follows summer time; a stale fix still has a position. */
static void
test_exif_summer (Fixture *f, gconstpointer data)
{
  g_autofree char *input = NULL;
  g_autoptr (JsonObject) tags = NULL;

  if (!have_exiftool ())
    return;
  input = cached_image (320, 240, "jpeg");
  f->meta.taken_at_ms = SUMMER_MS;
  f->fix.state = MEND_FIX_STATE_STALE;
  f->fix.gnss_time_ms = SUMMER_MS - 61000;
  f->meta.role = "after";
  process_ok (f, input, NULL, NULL);
  tags = exiftool_read (f->out);
  g_assert_cmpstr (json_object_get_string_member (tags, "DateTimeOriginal"), ==,
                   "2026:07:15 12:00:00");
  g_assert_cmpstr (json_object_get_string_member (tags, "OffsetTimeOriginal"), ==, "+02:00");
  g_assert_cmpstr (json_object_get_string_member (tags, "GPSDateStamp"), ==, "2026:07:15");
  g_assert_cmpstr (json_object_get_string_member (tags, "GPSTimeStamp"), ==, "09:58:59");
  g_assert_cmpstr (json_object_get_string_member (tags, "ImageDescription"), ==,
                   "Mend photo: role after, session s00001");
  assert_position (tags, &f->fix);
}

static void
assert_no_gps (JsonObject *tags)
{
  g_autoptr (GList) names = json_object_get_members (tags);

  for (GList *l = names; l != NULL; l = l->next)
    if (g_str_has_prefix (l->data, "GPS"))
      g_error ("unexpected tag %s", (const char *)l->data);
}

static void
test_exif_no_position (Fixture *f, gconstpointer data)
{
  g_autofree char *input = NULL;

  if (!have_exiftool ())
    return;
  input = cached_image (320, 240, "jpeg");

  /* No fix, then no fix object at all. */
  mend_fix_init (&f->fix, MEND_FIX_STATE_NO_FIX, "no satellites in view");
  for (int round = 0; round < 2; round++)
    {
      g_autoptr (JsonObject) tags = NULL;

      if (round == 1)
        f->meta.fix = NULL;
      process_ok (f, input, NULL, NULL);
      tags = exiftool_read (f->out);
      assert_no_gps (tags);
      g_assert_cmpstr (json_object_get_string_member (tags, "DateTimeOriginal"), ==,
                       "2026:01:15 13:14:15");
      g_assert_cmpstr (json_object_get_string_member (tags, "ImageDescription"), ==,
                       "Mend photo: role before, session s00001");
    }
}

/* --- Size and orientation ------------------------------------------------------------- */

static void
assert_file_size (const char *path, int width, int height)
{
  g_autoptr (GdkPixbuf) pixbuf = decode_jpeg (path);

  g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, width);
  g_assert_cmpint (gdk_pixbuf_get_height (pixbuf), ==, height);
}

static void
test_long_edge (Fixture *f, gconstpointer data)
{
  g_autofree char *input = cached_image (4000, 3000, "jpeg");
  g_autofree char *portrait = g_build_filename (f->dir, "portrait.png", NULL);
  g_autoptr (GdkPixbuf) tall = pattern_new (1000, 2500, FALSE);
  g_autoptr (GError) error = NULL;
  MendPhotoOptions options = { .long_edge = 1000, .quality = 70 };
  int width = 0, height = 0;
  gint64 start = g_get_monotonic_time ();

  process_ok (f, input, &width, &height);
  g_test_message ("12 MP JPEG processed in %.2f s", (g_get_monotonic_time () - start) / 1e6);
  g_assert_cmpint (width, ==, 2048);
  g_assert_cmpint (height, ==, 1536);
  assert_file_size (f->out, 2048, 1536);
  assert_colour_near (corner_colour (f->out, FALSE, FALSE), TOP_LEFT);
  assert_colour_near (corner_colour (f->out, TRUE, TRUE), BOTTOM_RIGHT);

  /* A PNG in portrait, to a long edge of our own. */
  save_or_die (tall, portrait, "png");
  g_assert_true (
      mend_photo_process_file (portrait, f->out, &options, &f->meta, &width, &height, &error));
  g_assert_no_error (error);
  g_assert_cmpint (width, ==, 400);
  g_assert_cmpint (height, ==, 1000);
  assert_file_size (f->out, 400, 1000);
}

static void
test_no_upscale (Fixture *f, gconstpointer data)
{
  g_autofree char *input = cached_image (800, 600, "jpeg");
  g_autofree char *png = cached_image (800, 600, "png");
  int width = 0, height = 0;

  process_ok (f, input, &width, &height);
  g_assert_cmpint (width, ==, 800);
  g_assert_cmpint (height, ==, 600);
  assert_file_size (f->out, 800, 600);

  process_ok (f, png, &width, &height);
  g_assert_cmpint (width, ==, 800);
  g_assert_cmpint (height, ==, 600);
  assert_file_size (f->out, 800, 600);
}

/* Orientation 6 means the camera was turned clockwise: shown upright, the stored image's
 * bottom-left corner is at the top left, and its top-left corner at the top right. */
static void
test_orientation (Fixture *f, gconstpointer data)
{
  g_autofree char *input = g_build_filename (f->dir, "rotated.jpg", NULL);
  g_autoptr (GdkPixbuf) pixbuf = pattern_new (600, 400, FALSE);
  g_autofree char *orientation = NULL;
  int width = 0, height = 0;

  save_or_die (pixbuf, input, "jpeg");
  set_orientation (input, 6);
  process_ok (f, input, &width, &height);

  g_assert_cmpint (width, ==, 400);
  g_assert_cmpint (height, ==, 600);
  assert_file_size (f->out, 400, 600);
  assert_colour_near (corner_colour (f->out, FALSE, FALSE), BOTTOM_LEFT);
  assert_colour_near (corner_colour (f->out, TRUE, FALSE), TOP_LEFT);
  assert_colour_near (corner_colour (f->out, FALSE, TRUE), BOTTOM_RIGHT);
  orientation = exif_raw (f->out, "Exif.Image.Orientation");
  g_assert_cmpstr (orientation, ==, "1");

  /* Scaled as well as turned. */
  {
    g_autoptr (GdkPixbuf) big = pattern_new (3000, 2000, FALSE);
    save_or_die (big, input, "jpeg");
    set_orientation (input, 8);
    process_ok (f, input, &width, &height);
    g_assert_cmpint (width, ==, 1365);
    g_assert_cmpint (height, ==, 2048);
    /* Orientation 8: the stored top-right corner is shown at the top left. */
    assert_colour_near (corner_colour (f->out, FALSE, FALSE), TOP_RIGHT);
  }
}

/* A wide-gamut photo keeps its colour profile, and says so in ColorSpace. The profile here
 * is only a plausible header: nothing between the two files interprets it. */
static void
test_icc_profile (Fixture *f, gconstpointer data)
{
  g_autofree char *input = g_build_filename (f->dir, "p3.jpg", NULL);
  g_autofree char *plain = cached_image (320, 240, "jpeg");
  g_autoptr (GdkPixbuf) pixbuf = pattern_new (640, 480, FALSE);
  g_autoptr (GdkPixbuf) output = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *profile64 = NULL;
  g_autofree char *colour_space = NULL;
  guint8 profile[256] = { 0 };

  put_be32 (profile, sizeof profile);
  memcpy (profile + 12, "mntrRGB XYZ ", 12);
  memcpy (profile + 36, "acsp", 4);
  profile64 = g_base64_encode (profile, sizeof profile);
  gdk_pixbuf_save (pixbuf, input, "jpeg", &error, "icc-profile", profile64, NULL);
  g_assert_no_error (error);

  process_ok (f, input, NULL, NULL);
  output = decode_jpeg (f->out);
  g_assert_cmpstr (gdk_pixbuf_get_option (output, "icc-profile"), ==, profile64);
  colour_space = exif_raw (f->out, "Exif.Photo.ColorSpace");
  g_assert_cmpstr (colour_space, ==, "65535");

  /* Without one, the photo is sRGB. */
  g_clear_object (&output);
  g_clear_pointer (&colour_space, g_free);
  process_ok (f, plain, NULL, NULL);
  output = decode_jpeg (f->out);
  g_assert_null (gdk_pixbuf_get_option (output, "icc-profile"));
  colour_space = exif_raw (f->out, "Exif.Photo.ColorSpace");
  g_assert_cmpstr (colour_space, ==, "1");
}

/* --- Camera frames -------------------------------------------------------------------- */

static void
test_frame (Fixture *f, gconstpointer data)
{
  g_autoptr (GdkPixbuf) frame = pattern_new (3000, 2000, TRUE);
  g_autoptr (GdkPixbuf) small = pattern_new (64, 48, TRUE);
  g_autoptr (GError) error = NULL;
  int width = 0, height = 0;

  g_assert_true (
      mend_photo_process_pixbuf (frame, f->out, NULL, &f->meta, &width, &height, &error));
  g_assert_no_error (error);
  g_assert_cmpint (width, ==, 2048);
  g_assert_cmpint (height, ==, 1365);
  assert_file_size (f->out, 2048, 1365);
  assert_colour_near (corner_colour (f->out, TRUE, FALSE), TOP_RIGHT);

  /* A frame with transparency: a JPEG has none, so it goes on white. */
  gdk_pixbuf_fill (small, 0x00000000);
  g_assert_true (
      mend_photo_process_pixbuf (small, f->out, NULL, &f->meta, &width, &height, &error));
  g_assert_no_error (error);
  g_assert_cmpint (width, ==, 64);
  assert_colour_near (corner_colour (f->out, FALSE, FALSE), 0xffffff);

  if (have_exiftool ())
    {
      g_autoptr (JsonObject) tags = exiftool_read (f->out);
      assert_position (tags, &f->fix);
      g_assert_cmpstr (json_object_get_string_member (tags, "OffsetTimeOriginal"), ==, "+01:00");
    }
}

/* --- Large images and the memory bound ------------------------------------------------ */

/* The peak resident size of this process in KiB. Not getrusage()'s ru_maxrss: Linux carries
 * that across exec, so a subprocess would start with the test's own peak. VmHWM belongs to
 * the address space, which exec replaces. */
static glong
peak_rss_kib (void)
{
  g_autofree char *status = NULL;
  g_autoptr (GError) error = NULL;
  const char *line;

  g_file_get_contents ("/proc/self/status", &status, NULL, &error);
  g_assert_no_error (error);
  line = strstr (status, "VmHWM:");
  g_assert_nonnull (line);
  return strtol (line + strlen ("VmHWM:"), NULL, 10);
}

/* Runs in a fresh process, so its peak RSS is this photo's, not the test's own 8000×6000
 * pattern. Reports through a file named in the environment. */
static void
process_in_child (void)
{
  const char *input = g_getenv ("MEND_TEST_INPUT");
  const char *output = g_getenv ("MEND_TEST_OUTPUT");
  const char *report = g_getenv ("MEND_TEST_REPORT");
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  glong before = peak_rss_kib ();
  gint64 start = g_get_monotonic_time ();
  int width = 0, height = 0;
  MendPhotoMeta meta = { .taken_at_ms = WINTER_MS, .role = "evidence", .session_id = "s1" };

  g_assert_true (mend_photo_process_file (input, output, NULL, &meta, &width, &height, &error));
  g_assert_no_error (error);
  text = g_strdup_printf ("%d %d %ld %ld %" G_GINT64_FORMAT, width, height, before, peak_rss_kib (),
                          g_get_monotonic_time () - start);
  write_bytes (report, text, -1);
}

static void
measure_in_child (Fixture *f, const char *input, const char *label, int want_w, int want_h)
{
  g_autofree char *report = g_build_filename (f->dir, "report.txt", NULL);
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;
  int width, height;
  long before, after;
  gint64 elapsed_us;

  g_setenv ("MEND_TEST_INPUT", input, TRUE);
  g_setenv ("MEND_TEST_OUTPUT", f->out, TRUE);
  g_setenv ("MEND_TEST_REPORT", report, TRUE);
  g_test_trap_subprocess ("/photo/large/child", 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();

  g_file_get_contents (report, &text, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sscanf (text, "%d %d %ld %ld %" G_GINT64_FORMAT, &width, &height, &before,
                           &after, &elapsed_us),
                   ==, 5);
  g_assert_cmpint (width, ==, want_w);
  g_assert_cmpint (height, ==, want_h);
  assert_file_size (f->out, want_w, want_h);
  g_test_message ("%s: %.2f s; peak RSS %.1f MiB (%.1f MiB before processing, so +%.1f MiB)", label,
                  elapsed_us / 1e6, after / 1024.0, before / 1024.0, (after - before) / 1024.0);
}

static void
test_large_child (void)
{
  if (g_test_subprocess ())
    process_in_child ();
  else
    g_test_skip ("only run as a subprocess of /photo/large/*");
}

static void
test_48mp (Fixture *f, gconstpointer data)
{
  g_autofree char *input = cached_image (8000, 6000, "jpeg");
  struct stat st;

  g_assert_cmpint (g_stat (input, &st), ==, 0);
  g_test_message ("48 MP JPEG: %.1f MB", st.st_size / 1e6);
  measure_in_child (f, input, "48 MP baseline JPEG", 2048, 1536);
}

/* A progressive JPEG keeps all its coefficients while decoding: 12 MP still fits the bound,
 * 48 MP does not. */
static void
test_progressive (Fixture *f, gconstpointer data)
{
  g_autofree char *input12 = cached_image (4000, 3000, "jpeg");
  g_autofree char *input48 = cached_image (8000, 6000, "jpeg");
  g_autofree char *progressive12 = g_build_filename (f->dir, "p12.jpg", NULL);
  g_autofree char *progressive48 = g_build_filename (f->dir, "p48.jpg", NULL);
  g_autoptr (GError) error = NULL;

  if (!make_progressive (input12, progressive12) || !make_progressive (input48, progressive48))
    {
      g_test_skip ("jpegtran (libjpeg-turbo-progs) is not installed");
      return;
    }
  measure_in_child (f, progressive12, "12 MP progressive JPEG", 2048, 1536);

  g_assert_false (
      mend_photo_process_file (progressive48, f->out, NULL, &f->meta, NULL, NULL, &error));
  g_assert_error (error, MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_TOO_LARGE);
  g_test_message ("%s", error->message);
  g_assert_false (g_file_test (f->out, G_FILE_TEST_EXISTS));
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
}

int
main (int argc, char *argv[])
{
  int status;

  /* Before anything reads the local time zone. */
  g_setenv ("TZ", TEST_TZ, TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  gexiv2_initialize ();
  cache_dir = mend_test_temp_dir ();

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/photo/exif/round-trip", test_exif_round_trip);
  ADD ("/photo/exif/positions", test_exif_positions);
  ADD ("/photo/exif/summer-time", test_exif_summer);
  ADD ("/photo/exif/no-position", test_exif_no_position);
  ADD ("/photo/size/long-edge", test_long_edge);
  ADD ("/photo/size/no-upscale", test_no_upscale);
  ADD ("/photo/orientation", test_orientation);
  ADD ("/photo/icc-profile", test_icc_profile);
  ADD ("/photo/frame", test_frame);
  ADD ("/photo/large/48mp", test_48mp);
  ADD ("/photo/large/progressive", test_progressive);
  ADD ("/photo/bad/inputs", test_bad_inputs);
  ADD ("/photo/bad/truncated-anywhere", test_truncated_anywhere);
  ADD ("/photo/bad/too-large", test_too_large);
  ADD ("/photo/bad/unwritable", test_unwritable);
  ADD ("/photo/bad/disk-full", test_disk_full);
#undef ADD
  g_test_add_func ("/photo/large/child", test_large_child);

  status = g_test_run ();
  mend_test_remove_tree (cache_dir);
  g_free (cache_dir);
  return status;
}
