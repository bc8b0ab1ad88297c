/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Turns a camera frame or an imported file into the JPEG Mend keeps: decoded within a memory
 * bound, turned upright, downscaled to a long edge, encoded, and tagged in EXIF with the time,
 * the position and what it shows. GLib + gdk-pixbuf + gexiv2; no GTK. */
#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>

#include "mend-fix.h"

G_BEGIN_DECLS

#define MEND_PHOTO_ERROR (mend_photo_error_quark ())

typedef enum
{
  MEND_PHOTO_ERROR_NOT_AN_IMAGE, /* garbage, empty, truncated, or a format we do not take */
  MEND_PHOTO_ERROR_TOO_LARGE,    /* cannot be decoded within the memory bound */
  MEND_PHOTO_ERROR_WRITE,        /* the output could not be written (disk full, permissions) */
  MEND_PHOTO_ERROR_CAMERA,       /* the camera is missing or failed */
  MEND_PHOTO_ERROR_READ,         /* the input file could not be opened or read */
} MendPhotoError;

/* The most a decode may hold: the decoded pixels at four bytes each (after libjpeg's 1/2, 1/4,
 * 1/8 scaling; a PNG always decodes at full size), plus the full-size coefficient buffer that
 * libjpeg keeps for a progressive JPEG. A 48-megapixel baseline JPEG decodes at 1/2 for a long
 * edge of 2048 (46 MiB); a 12-megapixel progressive one takes about 80 MiB; a PNG fits up to
 * about 25 megapixels. */
#define MEND_PHOTO_MAX_DECODE_BYTES ((guint64)96 * 1024 * 1024)

#define MEND_PHOTO_DEFAULT_LONG_EDGE 2048
#define MEND_PHOTO_DEFAULT_QUALITY   85

/* NULL options mean all defaults. */
typedef struct
{
  guint long_edge; /* never upscaled; 0: MEND_PHOTO_DEFAULT_LONG_EDGE */
  int quality;     /* JPEG quality 1–100; 0: MEND_PHOTO_DEFAULT_QUALITY */
} MendPhotoOptions;

/* What the EXIF says about the photo. Every field may be 0 or NULL; that tag is then left
 * out. */
typedef struct
{
  gint64 taken_at_ms;     /* device clock, UTC ms: DateTimeOriginal with the local offset */
  const MendFix *fix;     /* GPS tags when it holds a position; GNSS date/time when known */
  const char *role;       /* "before", "after", "evidence" */
  const char *session_id; /* with the role, in ImageDescription */
} MendPhotoMeta;

GQuark mend_photo_error_quark (void);

/* Both block (call them from a worker thread), write only output_path (no fsync, no rename:
 * the store adopts the file), and remove output_path on failure. The output is upright, its
 * EXIF Orientation is 1, and out_width/out_height are its final size. */
gboolean mend_photo_process_file (const char *input_path,
                                  const char *output_path,
                                  const MendPhotoOptions *options,
                                  const MendPhotoMeta *meta,
                                  int *out_width,
                                  int *out_height,
                                  GError **error);
gboolean mend_photo_process_pixbuf (GdkPixbuf *frame,
                                    const char *output_path,
                                    const MendPhotoOptions *options,
                                    const MendPhotoMeta *meta,
                                    int *out_width,
                                    int *out_height,
                                    GError **error);

G_END_DECLS
