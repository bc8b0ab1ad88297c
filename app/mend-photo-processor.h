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
} MendPhotoError;

#define MEND_PHOTO_DEFAULT_LONG_EDGE 2048
#define MEND_PHOTO_DEFAULT_QUALITY   85

typedef struct
{
  guint long_edge; /* never upscaled; 0: MEND_PHOTO_DEFAULT_LONG_EDGE */
  int quality;     /* JPEG quality 1–100; 0: MEND_PHOTO_DEFAULT_QUALITY */
} MendPhotoOptions;

/* What the EXIF says about the photo. */
typedef struct
{
  gint64 taken_at_ms;     /* device clock, UTC ms: DateTimeOriginal with the local offset */
  const MendFix *fix;     /* GPS tags when it holds a position; GNSS date/time when known */
  const char *role;       /* "before", "after", "evidence" */
  const char *session_id; /* with the role, in ImageDescription */
} MendPhotoMeta;

GQuark mend_photo_error_quark (void);

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
