/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-photo-processor"

#include "config.h"

#include <gexiv2/gexiv2.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <stdlib.h>

#include "mend-photo-processor.h"
#include "mend-test-photo-processor.h"
#include "mend-test-util.h"

/* The photo processor on real files: EXIF read back by exiftool, sizes, orientation, colour,
 * camera frames and the memory bound. Bad inputs and outputs are in
 * test-photo-processor-bad-input.c. Test images are made with gdk-pixbuf; a few are cached for
 * the run in one folder (mend-test-photo-processor.c). */

/* --- Making test images -------------------------------------------------------------- */

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

int
main (int argc, char *argv[])
{
  photo_test_init (&argc, &argv);

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
#undef ADD
  g_test_add_func ("/photo/large/child", test_large_child);

  return photo_test_run ();
}
