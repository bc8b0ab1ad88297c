/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-photo"

#include "config.h"

#include "mend-photo-processor-private.h"

#include <string.h>

/* gdk-pixbuf quietly finishes a truncated JPEG or PNG with grey or missing rows, which would
 * let a half-copied file into the record as if it were the photo. So the bytes also go through
 * this small walker, which follows the file's structure to its end marker (a JPEG's EOI, a
 * PNG's IEND): a file that stops before it is incomplete. It skips marker segments by their
 * length (an EXIF thumbnail holds an EOI of its own) and also tells where the image ends, so
 * data appended after it (motion photos carry a video there) is never decoded. On the way it
 * notes what libjpeg will need memory for: a progressive or multi-scan JPEG keeps every DCT
 * coefficient of the full-size image, whatever the output scale. */

static const guint8 png_signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

/**
 * mend_photo_walker_init:
 * @format: %MEND_PHOTO_FORMAT_JPEG or %MEND_PHOTO_FORMAT_PNG
 *
 * Sets @walker at the start of a file.
 */
void
mend_photo_walker_init (MendPhotoWalker *walker, MendPhotoFormat format)
{
  gboolean png = format == MEND_PHOTO_FORMAT_PNG;

  g_assert (format != MEND_PHOTO_FORMAT_OTHER);
  memset (walker, 0, sizeof *walker);
  walker->state = png ? MEND_PHOTO_WALK_PNG_SIGNATURE : MEND_PHOTO_WALK_JPEG_SOI;
  walker->left = png ? sizeof png_signature : 0;
}

static gboolean
jpeg_marker_is_sof (guint8 marker)
{
  return marker >= MEND_JPEG_SOF0 && marker <= MEND_JPEG_SOF15 && marker != MEND_JPEG_DHT
         && marker != MEND_JPEG_JPG && marker != MEND_JPEG_DAC;
}

static void
walker_end_jpeg_segment (MendPhotoWalker *walker)
{
  const guint8 *h = walker->head;

  if (jpeg_marker_is_sof (walker->marker) && !walker->seen_sof && walker->n_head >= 6)
    {
      walker->seen_sof = TRUE;
      /* SOF2, SOF6, SOF10 and SOF14 are the progressive processes. */
      walker->progressive = (walker->marker & 0x03) == 0x02;
      walker->n_components = MIN (h[5], (int)G_N_ELEMENTS (walker->h_samp));
      /* A header cut short names components it does not describe: those count as 1×1, so
       * the sums below never divide by zero (libjpeg refuses such a file anyway). */
      for (int i = 0; i < walker->n_components; i++)
        {
          gboolean read = 6 + 3 * i + 1 < (int)walker->n_head;

          walker->h_samp[i] = read ? MAX (h[6 + 3 * i + 1] >> 4, 1) : 1;
          walker->v_samp[i] = read ? MAX (h[6 + 3 * i + 1] & 0x0f, 1) : 1;
        }
    }
  else if (walker->marker == MEND_JPEG_SOS && walker->first_scan_components == 0
           && walker->n_head >= 1)
    walker->first_scan_components = h[0];

  walker->state = walker->marker == MEND_JPEG_SOS ? MEND_PHOTO_WALK_JPEG_ENTROPY
                                                  : MEND_PHOTO_WALK_JPEG_BETWEEN;
}

/* A marker byte has been read: either a marker on its own, the end, or a segment with a
 * length. */
static void
walker_jpeg_marker (MendPhotoWalker *walker, guint8 marker)
{
  if (marker == MEND_JPEG_EOI)
    walker->state = MEND_PHOTO_WALK_DONE;
  else if (marker == 0xff)
    walker->state = MEND_PHOTO_WALK_JPEG_MARKER; /* fill byte */
  else if (marker == MEND_JPEG_SOI)
    walker->state = MEND_PHOTO_WALK_BROKEN;
  /* FF 00 outside a scan is stray data, which libjpeg skips. */
  else if (marker == 0x00 || marker == MEND_JPEG_TEM
           || (marker >= MEND_JPEG_RST0 && marker <= MEND_JPEG_RST7))
    walker->state = MEND_PHOTO_WALK_JPEG_BETWEEN;
  else
    {
      walker->marker = marker;
      walker->state = MEND_PHOTO_WALK_JPEG_LENGTH_HI;
    }
}

/* Copies what is wanted of a segment's start into head, and skips the rest. */
static gsize
walker_take (MendPhotoWalker *walker, const guint8 *data, gsize len)
{
  gsize n = (gsize)MIN ((guint64)len, walker->left);

  if (walker->n_head < sizeof walker->head)
    {
      gsize keep = MIN (n, sizeof walker->head - walker->n_head);
      memcpy (walker->head + walker->n_head, data, keep);
      walker->n_head += keep;
    }
  walker->left -= n;
  return n;
}

/**
 * mend_photo_walker_feed:
 *
 * Walks @len more bytes.
 *
 * Returns: how many of them belong to the image: all of them, or fewer when the end marker came
 *   within them. The state says whether the end was seen (%MEND_PHOTO_WALK_DONE) or the bytes
 *   make no sense as the format (%MEND_PHOTO_WALK_BROKEN).
 */
gsize
mend_photo_walker_feed (MendPhotoWalker *walker, const guint8 *data, gsize len)
{
  gsize i = 0;

  while (i < len && walker->state != MEND_PHOTO_WALK_DONE
         && walker->state != MEND_PHOTO_WALK_BROKEN)
    {
      guint8 byte = data[i];

      switch (walker->state)
        {
        case MEND_PHOTO_WALK_JPEG_SOI:
          walker->state = byte == 0xff ? MEND_PHOTO_WALK_JPEG_SOI_D8 : MEND_PHOTO_WALK_BROKEN;
          i++;
          break;
        case MEND_PHOTO_WALK_JPEG_SOI_D8:
          walker->state
              = byte == MEND_JPEG_SOI ? MEND_PHOTO_WALK_JPEG_BETWEEN : MEND_PHOTO_WALK_BROKEN;
          i++;
          break;
        case MEND_PHOTO_WALK_JPEG_BETWEEN:
          /* libjpeg skips stray bytes before a marker (with a warning), so we do too. */
          if (byte == 0xff)
            walker->state = MEND_PHOTO_WALK_JPEG_MARKER;
          i++;
          break;
        case MEND_PHOTO_WALK_JPEG_MARKER:
          walker_jpeg_marker (walker, byte);
          i++;
          break;
        case MEND_PHOTO_WALK_JPEG_LENGTH_HI:
          walker->left = (guint64)byte << 8;
          walker->state = MEND_PHOTO_WALK_JPEG_LENGTH_LO;
          i++;
          break;
        case MEND_PHOTO_WALK_JPEG_LENGTH_LO:
          walker->left |= byte;
          i++;
          if (walker->left < 2)
            {
              walker->state = MEND_PHOTO_WALK_BROKEN;
              break;
            }
          walker->left -= 2;
          walker->n_head = 0;
          walker->state = MEND_PHOTO_WALK_JPEG_SEGMENT;
          if (walker->left == 0)
            walker_end_jpeg_segment (walker);
          break;
        case MEND_PHOTO_WALK_JPEG_SEGMENT:
          i += walker_take (walker, data + i, len - i);
          if (walker->left == 0)
            walker_end_jpeg_segment (walker);
          break;
        case MEND_PHOTO_WALK_JPEG_ENTROPY:
          {
            /* Entropy-coded data: only a 0xFF can start a marker, so jump from one to the
             * next. */
            const guint8 *ff = memchr (data + i, 0xff, len - i);
            if (ff == NULL)
              i = len;
            else
              {
                i = (gsize)(ff - data) + 1;
                walker->state = MEND_PHOTO_WALK_JPEG_ENTROPY_FF;
              }
          }
          break;
        case MEND_PHOTO_WALK_JPEG_ENTROPY_FF:
          i++;
          /* A stuffed zero or a restart marker stays inside the scan; anything else ends it. */
          if (byte == 0x00 || (byte >= MEND_JPEG_RST0 && byte <= MEND_JPEG_RST7))
            walker->state = MEND_PHOTO_WALK_JPEG_ENTROPY;
          else if (byte != 0xff)
            walker_jpeg_marker (walker, byte);
          break;
        case MEND_PHOTO_WALK_PNG_SIGNATURE:
          if (byte != png_signature[sizeof png_signature - walker->left])
            {
              walker->state = MEND_PHOTO_WALK_BROKEN;
              break;
            }
          i++;
          if (--walker->left == 0)
            {
              walker->state = MEND_PHOTO_WALK_PNG_CHUNK_HEADER;
              walker->left = 8;
              walker->n_head = 0;
            }
          break;
        case MEND_PHOTO_WALK_PNG_CHUNK_HEADER:
          i += walker_take (walker, data + i, len - i);
          if (walker->left == 0)
            {
              guint32 length = (guint32)walker->head[0] << 24 | (guint32)walker->head[1] << 16
                               | (guint32)walker->head[2] << 8 | walker->head[3];
              if (length > G_MAXINT32)
                {
                  walker->state = MEND_PHOTO_WALK_BROKEN;
                  break;
                }
              walker->png_iend = memcmp (walker->head + 4, "IEND", 4) == 0;
              walker->left = (guint64)length + 4; /* the data, then its CRC */
              walker->state = MEND_PHOTO_WALK_PNG_CHUNK_BODY;
            }
          break;
        case MEND_PHOTO_WALK_PNG_CHUNK_BODY:
          {
            gsize n = (gsize)MIN ((guint64)(len - i), walker->left);
            i += n;
            walker->left -= n;
            if (walker->left == 0)
              {
                walker->state
                    = walker->png_iend ? MEND_PHOTO_WALK_DONE : MEND_PHOTO_WALK_PNG_CHUNK_HEADER;
                walker->left = 8;
                walker->n_head = 0;
              }
          }
          break;
        case MEND_PHOTO_WALK_DONE:
        case MEND_PHOTO_WALK_BROKEN:
        default:
          g_assert_not_reached ();
        }
    }
  return i;
}

/**
 * mend_photo_walker_coefficient_bytes:
 * @walker: a walker that has passed the first scan header of a @width × @height JPEG
 *
 * libjpeg decodes a progressive JPEG, or one whose first scan does not hold every component,
 * through a buffer of all the image's DCT coefficients: every 8×8 block of every component at
 * full resolution, 64 two-byte coefficients each, padded to whole MCUs. That buffer does not
 * shrink with the output scale.
 *
 * Returns: the size of that buffer, or 0 when the JPEG is decoded without one.
 */
guint64
mend_photo_walker_coefficient_bytes (const MendPhotoWalker *walker, int width, int height)
{
  int max_h = 1, max_v = 1;
  guint64 bytes = 0;

  if (!walker->seen_sof
      || !(walker->progressive
           || (walker->first_scan_components > 0
               && walker->first_scan_components < walker->n_components)))
    return 0;

  for (int i = 0; i < walker->n_components; i++)
    {
      max_h = MAX (max_h, walker->h_samp[i]);
      max_v = MAX (max_v, walker->v_samp[i]);
    }
  for (int i = 0; i < walker->n_components; i++)
    {
      guint64 blocks_w
          = mend_photo_div_round_up ((guint64)width * walker->h_samp[i], (guint64)max_h * 8);
      guint64 blocks_h
          = mend_photo_div_round_up ((guint64)height * walker->v_samp[i], (guint64)max_v * 8);

      blocks_w = mend_photo_div_round_up (blocks_w, walker->h_samp[i]) * walker->h_samp[i];
      blocks_h = mend_photo_div_round_up (blocks_h, walker->v_samp[i]) * walker->v_samp[i];
      bytes += blocks_w * blocks_h * 64 * 2;
    }
  return bytes;
}

/**
 * mend_photo_sniff:
 * @out_other_name: (out): the name of a format we know but do not take, or %NULL
 *
 * Tells JPEG and PNG from the first bytes of a file. Not gdk_pixbuf_get_file_info(): that
 * sniffs through shared-mime-info (so it finds nothing where the MIME database is missing, as
 * in tests with isolated XDG folders), and it runs every installed loader's header parser (TGA,
 * ICO, XPM…) on whatever file it is given. This way only the JPEG and PNG decoders ever see
 * our input.
 */
MendPhotoFormat
mend_photo_sniff (const guint8 *data, gsize len, const char **out_other_name)
{
  /* Only to say what the file is when it is not what we take; HEIC is what an iPhone
   * shoots. */
  static const struct
  {
    gsize offset;
    const char *magic;
    gsize magic_len;
    const char *name;
  } others[] = {
#define MAGIC(offset, magic, name) { offset, magic, sizeof magic - 1, name }
    MAGIC (0, "GIF8", "GIF"),      MAGIC (0, "II*\0", "TIFF"),    MAGIC (0, "MM\0*", "TIFF"),
    MAGIC (8, "WEBP", "WebP"),     MAGIC (4, "ftypheic", "HEIC"), MAGIC (4, "ftypheix", "HEIC"),
    MAGIC (4, "ftypmif1", "HEIF"), MAGIC (4, "ftypavif", "AVIF"), MAGIC (0, "%PDF", "PDF"),
#undef MAGIC
  };

  *out_other_name = NULL;
  if (len >= 3 && data[0] == 0xff && data[1] == MEND_JPEG_SOI && data[2] == 0xff)
    return MEND_PHOTO_FORMAT_JPEG;
  if (len >= sizeof png_signature && memcmp (data, png_signature, sizeof png_signature) == 0)
    return MEND_PHOTO_FORMAT_PNG;
  for (gsize i = 0; i < G_N_ELEMENTS (others); i++)
    if (len >= others[i].offset + others[i].magic_len
        && memcmp (data + others[i].offset, others[i].magic, others[i].magic_len) == 0)
      {
        *out_other_name = others[i].name;
        break;
      }
  return MEND_PHOTO_FORMAT_OTHER;
}
