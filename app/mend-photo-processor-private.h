/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the photo processor's files share: telling JPEG and PNG from their first bytes, walking
 * such a file to the end of its image (mend-photo-walker.c), and building and placing the EXIF
 * block (mend-photo-exif.c). For app/ only. */
#pragma once

#include "mend-photo-processor.h"

G_BEGIN_DECLS

/* JPEG markers we look at. */
enum
{
  MEND_JPEG_TEM = 0x01,
  MEND_JPEG_SOF0 = 0xc0,
  MEND_JPEG_DHT = 0xc4,
  MEND_JPEG_JPG = 0xc8,
  MEND_JPEG_DAC = 0xcc,
  MEND_JPEG_SOF15 = 0xcf,
  MEND_JPEG_RST0 = 0xd0,
  MEND_JPEG_RST7 = 0xd7,
  MEND_JPEG_SOI = 0xd8,
  MEND_JPEG_EOI = 0xd9,
  MEND_JPEG_SOS = 0xda,
  MEND_JPEG_APP0 = 0xe0,
  MEND_JPEG_APP1 = 0xe1,
};

static inline guint64
mend_photo_div_round_up (guint64 a, guint64 b)
{
  return (a + b - 1) / b;
}

typedef enum
{
  MEND_PHOTO_FORMAT_JPEG,
  MEND_PHOTO_FORMAT_PNG,
  MEND_PHOTO_FORMAT_OTHER,
} MendPhotoFormat;

/* @out_other_name: the name of a format we recognise but do not take ("HEIC"), or NULL. */
MendPhotoFormat mend_photo_sniff (const guint8 *data, gsize len, const char **out_other_name);

typedef enum
{
  MEND_PHOTO_WALK_JPEG_SOI,
  MEND_PHOTO_WALK_JPEG_SOI_D8,
  MEND_PHOTO_WALK_JPEG_BETWEEN,
  MEND_PHOTO_WALK_JPEG_MARKER,
  MEND_PHOTO_WALK_JPEG_LENGTH_HI,
  MEND_PHOTO_WALK_JPEG_LENGTH_LO,
  MEND_PHOTO_WALK_JPEG_SEGMENT,
  MEND_PHOTO_WALK_JPEG_ENTROPY,
  MEND_PHOTO_WALK_JPEG_ENTROPY_FF,
  MEND_PHOTO_WALK_PNG_SIGNATURE,
  MEND_PHOTO_WALK_PNG_CHUNK_HEADER,
  MEND_PHOTO_WALK_PNG_CHUNK_BODY,
  MEND_PHOTO_WALK_DONE,
  MEND_PHOTO_WALK_BROKEN,
} MendPhotoWalkState;

typedef struct
{
  MendPhotoWalkState state;
  guint8 marker;
  guint64 left;    /* bytes left in the current segment, chunk or header */
  guint8 head[40]; /* a SOF header has 6 bytes, then 3 per component (libjpeg allows 10) */
  guint n_head;
  gboolean png_iend;

  /* From the JPEG frame header (SOFn) and the first scan header (SOS). */
  gboolean seen_sof;
  gboolean progressive;
  int n_components;
  int h_samp[10];
  int v_samp[10];
  int first_scan_components;
} MendPhotoWalker;

void mend_photo_walker_init (MendPhotoWalker *walker, MendPhotoFormat format);
gsize mend_photo_walker_feed (MendPhotoWalker *walker, const guint8 *data, gsize len);
guint64 mend_photo_walker_coefficient_bytes (const MendPhotoWalker *walker, int width, int height);

GBytes *mend_photo_exif_build (const guint8 *jpeg,
                               gsize jpeg_len,
                               int width,
                               int height,
                               gboolean has_icc_profile,
                               const MendPhotoMeta *meta,
                               GError **error);
GByteArray *
mend_photo_exif_splice (const guint8 *jpeg, gsize jpeg_len, GBytes *exif, GError **error);

G_END_DECLS
