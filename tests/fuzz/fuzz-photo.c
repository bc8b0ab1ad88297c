/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-fuzz"

#include "config.h"

#include "mend-fuzz.h"

#include <glib/gstdio.h>

#include "mend-photo-processor-private.h"

/* The photo import path (app/mend-photo-processor.h) given arbitrary bytes as a file: format
 * sniffing, the walker that bounds a decode's memory before libjpeg or libpng allocate it, the
 * decode, the EXIF orientation, the downscale and the fresh EXIF block. It either writes an
 * upright JPEG no larger than the long edge, or refuses with an error and leaves no output.
 * run-fuzzers.sh runs it with a malloc limit above MEND_PHOTO_MAX_DECODE_BYTES, so a decode
 * that slips past the bound is reported. */

static char *folder;
static char *input_path;
static char *output_path;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_autoptr (GError) error = NULL;

  mend_fuzz_init_logging ();
  folder = g_dir_make_tmp ("mend-fuzz-photo-XXXXXX", &error);
  if (folder == NULL)
    g_error ("%s", error->message);
  input_path = g_build_filename (folder, "input", NULL);
  output_path = g_build_filename (folder, "output.jpg", NULL);
  mend_fuzz_remove_at_exit (folder);
  return 0;
}

static void
walk (const uint8_t *data, size_t size)
{
  const char *other = NULL;
  MendPhotoFormat format = mend_photo_sniff (data, size, &other);
  MendPhotoWalker walker;
  gsize fed = 0;

  if (format == MEND_PHOTO_FORMAT_OTHER)
    return;
  /* In uneven pieces, as a file is read. */
  mend_photo_walker_init (&walker, format);
  while (fed < size && walker.state != MEND_PHOTO_WALK_DONE
         && walker.state != MEND_PHOTO_WALK_BROKEN)
    {
      gsize piece = MIN (size - fed, 1 + fed % 7);
      gsize used = mend_photo_walker_feed (&walker, data + fed, piece);

      g_assert_cmpuint (used, <=, piece);
      if (used == 0)
        break;
      fed += used;
    }
  if (walker.seen_sof)
    mend_photo_walker_coefficient_bytes (&walker, 65535, 65535);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  MendFix fix;
  MendPhotoMeta meta = {
    .taken_at_ms = 1764084600000,
    .fix = &fix,
    .role = "evidence",
    .session_id = "demo-session",
  };
  int width = 0;
  int height = 0;

  mend_fix_init (&fix, MEND_FIX_STATE_FIX, NULL);
  fix.mode = 3;
  fix.latitude = 52.4064;
  fix.longitude = -0.7061;
  fix.horizontal_error = 4.5;
  walk (data, size);

  if (!g_file_set_contents (input_path, (const char *)data, (gssize)size, &error))
    g_error ("%s", error->message);
  if (mend_photo_process_file (input_path, output_path, NULL, &meta, &width, &height, &error))
    {
      g_assert_no_error (error);
      g_assert (width > 0 && height > 0);
      g_assert (MAX (width, height) <= MEND_PHOTO_DEFAULT_LONG_EDGE);
      g_assert (g_file_test (output_path, G_FILE_TEST_IS_REGULAR));
    }
  else
    {
      g_assert (error != NULL && error->domain == MEND_PHOTO_ERROR);
      g_assert (!g_file_test (output_path, G_FILE_TEST_EXISTS));
    }
  g_remove (output_path);
  return 0;
}
