/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-photo"

#include "config.h"

#include "mend-photo-processor-private.h"

#include <gexiv2/gexiv2.h>
#include <math.h>

/* Each photo gets a fresh EXIF block, built with gexiv2: nothing of the camera's own metadata
 * survives but what the processor turned into pixels (orientation) or keeps beside them (the
 * colour profile). Times are the device's clock in local time with its offset, and the
 * satellites' in UTC; the position is written to about a millionth of an arc second. */

static void
init_gexiv2_once (void)
{
  static gsize done = 0;

  /* exiv2's XMP toolkit must be set up once before threads use it. */
  if (g_once_init_enter (&done))
    {
      gexiv2_initialize ();
      g_once_init_leave (&done, 1);
    }
}

static gboolean
set_tag (GExiv2Metadata *exif, const char *tag, const char *value, GError **error)
{
  g_autoptr (GError) local_error = NULL;

  if (!gexiv2_metadata_try_set_tag_string (exif, tag, value, &local_error))
    {
      g_set_error (error, MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_WRITE,
                   "The photo’s EXIF data could not be written (%s): %s", tag,
                   local_error ? local_error->message : "unknown error");
      return FALSE;
    }
  return TRUE;
}

static GDateTime *
utc_from_ms (gint64 ms)
{
  g_autoptr (GDateTime) epoch = g_date_time_new_from_unix_utc (0);

  return g_date_time_add (epoch, ms * 1000);
}

/* A non-negative quantity in metres as an EXIF rational in millimetres; FALSE when it does not
 * fit an unsigned 32-bit numerator. */
static gboolean
format_millis_rational (double value, char *buf, gsize size)
{
  double millis = round (fabs (value) * 1000.0);

  if (isnan (value) || millis > (double)G_MAXUINT32)
    return FALSE;
  g_snprintf (buf, size, "%u/1000", (guint)millis);
  return TRUE;
}

/* Degrees as EXIF's degrees, minutes and seconds. The split is done on a whole number of
 * millionths of an arc second (about 30 µm on the ground), so the parts cannot round up to 60
 * the way they do when each is taken from a double, and the position comes back within 1e-9°. */
static void
format_dms (double degrees, char *buf, gsize size)
{
  const gint64 units_per_degree = G_GINT64_CONSTANT (3600000000);
  const gint64 units_per_minute = 60000000;
  gint64 total = llround (fabs (degrees) * (double)units_per_degree);
  gint64 deg = total / units_per_degree;
  gint64 min = (total % units_per_degree) / units_per_minute;
  gint64 micro_sec = total % units_per_minute;

  g_snprintf (buf, size,
              "%" G_GINT64_FORMAT "/1 %" G_GINT64_FORMAT "/1 %" G_GINT64_FORMAT "/1000000", deg,
              min, micro_sec);
}

static gboolean
set_time_tags (GExiv2Metadata *exif, gint64 taken_at_ms, GError **error)
{
  g_autoptr (GDateTime) utc = utc_from_ms (taken_at_ms);
  g_autoptr (GDateTime) local = g_date_time_to_local (utc);
  g_autofree char *stamp = g_date_time_format (local, "%Y:%m:%d %H:%M:%S");
  GTimeSpan offset = g_date_time_get_utc_offset (local);
  gint64 offset_min = ABS (offset) / G_TIME_SPAN_MINUTE;
  char offset_text[16];
  char subsec[8];

  g_snprintf (offset_text, sizeof offset_text, "%c%02d:%02d", offset < 0 ? '-' : '+',
              (int)(offset_min / 60), (int)(offset_min % 60));
  g_snprintf (subsec, sizeof subsec, "%03d", g_date_time_get_microsecond (local) / 1000);

  return set_tag (exif, "Exif.Photo.DateTimeOriginal", stamp, error)
         && set_tag (exif, "Exif.Photo.OffsetTimeOriginal", offset_text, error)
         && set_tag (exif, "Exif.Photo.SubSecTimeOriginal", subsec, error);
}

static gboolean
set_gps_tags (GExiv2Metadata *exif, const MendFix *fix, GError **error)
{
  char buf[96];

  /* A position outside these ranges has no EXIF form; writing none is more honest. */
  if (fabs (fix->latitude) > 90.0 || fabs (fix->longitude) > 180.0)
    {
      g_debug ("Position %f, %f out of range; no GPS tags", fix->latitude, fix->longitude);
      return TRUE;
    }

  if (!set_tag (exif, "Exif.GPSInfo.GPSVersionID", "2 3 0 0", error)
      || !set_tag (exif, "Exif.GPSInfo.GPSMapDatum", "WGS-84", error)
      || !set_tag (exif, "Exif.GPSInfo.GPSLatitudeRef", fix->latitude < 0 ? "S" : "N", error)
      || !set_tag (exif, "Exif.GPSInfo.GPSLongitudeRef", fix->longitude < 0 ? "W" : "E", error))
    return FALSE;
  format_dms (fix->latitude, buf, sizeof buf);
  if (!set_tag (exif, "Exif.GPSInfo.GPSLatitude", buf, error))
    return FALSE;
  format_dms (fix->longitude, buf, sizeof buf);
  if (!set_tag (exif, "Exif.GPSInfo.GPSLongitude", buf, error))
    return FALSE;

  if (fix->mode == 2 || fix->mode == 3)
    {
      g_snprintf (buf, sizeof buf, "%d", fix->mode);
      if (!set_tag (exif, "Exif.GPSInfo.GPSMeasureMode", buf, error))
        return FALSE;
    }
  if (fix->satellites >= 0)
    {
      g_snprintf (buf, sizeof buf, "%d", fix->satellites);
      if (!set_tag (exif, "Exif.GPSInfo.GPSSatellites", buf, error))
        return FALSE;
    }
  if (format_millis_rational (fix->altitude, buf, sizeof buf))
    {
      if (!set_tag (exif, "Exif.GPSInfo.GPSAltitudeRef", fix->altitude < 0 ? "1" : "0", error)
          || !set_tag (exif, "Exif.GPSInfo.GPSAltitude", buf, error))
        return FALSE;
    }
  if (fix->horizontal_error >= 0 && format_millis_rational (fix->horizontal_error, buf, sizeof buf))
    {
      if (!set_tag (exif, "Exif.GPSInfo.GPSHPositioningError", buf, error))
        return FALSE;
    }

  if (fix->gnss_time_ms != 0)
    {
      g_autoptr (GDateTime) utc = utc_from_ms (fix->gnss_time_ms);
      g_autofree char *date = g_date_time_format (utc, "%Y:%m:%d");
      int millis = g_date_time_get_microsecond (utc) / 1000;

      g_snprintf (buf, sizeof buf, "%d/1 %d/1 %d/1000", g_date_time_get_hour (utc),
                  g_date_time_get_minute (utc), g_date_time_get_second (utc) * 1000 + millis);
      if (!set_tag (exif, "Exif.GPSInfo.GPSDateStamp", date, error)
          || !set_tag (exif, "Exif.GPSInfo.GPSTimeStamp", buf, error))
        return FALSE;
    }
  return TRUE;
}

/* Tags every photo has the same: those Exif 2.32 requires of a JPEG, and ours. */
static const struct
{
  const char *tag;
  const char *value;
} fixed_tags[] = {
  { "Exif.Image.Software", "Mend " PACKAGE_VERSION },
  /* The pixels are upright; a stale tag from the camera must not turn them again. */
  { "Exif.Image.Orientation", "1" },
  { "Exif.Image.XResolution", "72/1" },
  { "Exif.Image.YResolution", "72/1" },
  { "Exif.Image.ResolutionUnit", "2" },
  { "Exif.Image.YCbCrPositioning", "1" },
  /* "0232": the offset-time tags are Exif 2.31 and later. */
  { "Exif.Photo.ExifVersion", "48 50 51 50" },
  { "Exif.Photo.FlashpixVersion", "48 49 48 48" },
  { "Exif.Photo.ComponentsConfiguration", "1 2 3 0" },
};

/**
 * mend_photo_exif_build:
 * @jpeg: the encoded photo, without metadata
 * @width: its width
 * @height: its height
 * @has_icc_profile: whether it carries a colour profile
 * @meta: what the tags say
 *
 * Returns: (transfer full): the EXIF block (TIFF structure, without the "Exif\0\0" of the
 *   APP1 segment) for the photo.
 */
GBytes *
mend_photo_exif_build (const guint8 *jpeg,
                       gsize jpeg_len,
                       int width,
                       int height,
                       gboolean has_icc_profile,
                       const MendPhotoMeta *meta,
                       GError **error)
{
  g_autoptr (GExiv2Metadata) exif = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GString) description = g_string_new ("Mend photo");
  GBytes *bytes;
  char number[16];

  init_gexiv2_once ();
  exif = gexiv2_metadata_new ();
  /* gexiv2 only sets tags on an opened image; ours is the JPEG just encoded, which has no
   * metadata of its own. */
  if (!gexiv2_metadata_open_buf (exif, jpeg, (glong)jpeg_len, &local_error))
    {
      g_set_error (error, MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_WRITE,
                   "The photo’s EXIF data could not be prepared: %s", local_error->message);
      return NULL;
    }

  if (meta->role != NULL || meta->session_id != NULL)
    g_string_append_c (description, ':');
  if (meta->role != NULL)
    g_string_append_printf (description, " role %s", meta->role);
  if (meta->role != NULL && meta->session_id != NULL)
    g_string_append_c (description, ',');
  if (meta->session_id != NULL)
    g_string_append_printf (description, " session %s", meta->session_id);

  for (gsize i = 0; i < G_N_ELEMENTS (fixed_tags); i++)
    if (!set_tag (exif, fixed_tags[i].tag, fixed_tags[i].value, error))
      return NULL;
  if (!set_tag (exif, "Exif.Image.ImageDescription", description->str, error)
      /* Without a profile the pixels are sRGB; with one, EXIF calls them uncalibrated. */
      || !set_tag (exif, "Exif.Photo.ColorSpace", has_icc_profile ? "65535" : "1", error))
    return NULL;
  g_snprintf (number, sizeof number, "%d", width);
  if (!set_tag (exif, "Exif.Photo.PixelXDimension", number, error))
    return NULL;
  g_snprintf (number, sizeof number, "%d", height);
  if (!set_tag (exif, "Exif.Photo.PixelYDimension", number, error))
    return NULL;

  if (meta->taken_at_ms > 0 && !set_time_tags (exif, meta->taken_at_ms, error))
    return NULL;
  if (mend_fix_has_position (meta->fix) && !set_gps_tags (exif, meta->fix, error))
    return NULL;

  bytes = gexiv2_metadata_get_exif_data (exif, GEXIV2_BYTE_ORDER_LITTLE, &local_error);
  if (bytes == NULL)
    {
      g_set_error (error, MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_WRITE,
                   "The photo’s EXIF data could not be encoded: %s",
                   local_error ? local_error->message : "empty");
      return NULL;
    }
  return bytes;
}

/**
 * mend_photo_exif_splice:
 * @jpeg: the encoded photo, as gdk-pixbuf wrote it
 * @exif: from mend_photo_exif_build()
 *
 * Putting the segment in ourselves, rather than letting exiv2 rewrite the file, means one write
 * of one file, whose every failure we see.
 *
 * Returns: (transfer full): the JPEG as it is written: SOI, the encoder's JFIF APP0 if any, the
 *   EXIF APP1, then the rest of the encoded image.
 */
GByteArray *
mend_photo_exif_splice (const guint8 *jpeg, gsize jpeg_len, GBytes *exif, GError **error)
{
  static const guint8 exif_header[] = { 'E', 'x', 'i', 'f', 0, 0 };
  gsize exif_len = g_bytes_get_size (exif);
  gsize segment_len = 2 + sizeof exif_header + exif_len;
  gsize head = 2; /* SOI */
  GByteArray *out;
  guint8 marker[4];

  g_assert (jpeg_len >= 4 && jpeg[0] == 0xff && jpeg[1] == MEND_JPEG_SOI);
  if (segment_len > G_MAXUINT16)
    {
      g_set_error (error, MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_WRITE,
                   "The photo’s EXIF data is too large (%" G_GSIZE_FORMAT " bytes).", exif_len);
      return NULL;
    }
  if (jpeg[2] == 0xff && jpeg[3] == MEND_JPEG_APP0 && jpeg_len >= 6)
    head += 2 + ((gsize)jpeg[4] << 8 | jpeg[5]);
  g_assert (head <= jpeg_len);

  out = g_byte_array_sized_new (jpeg_len + 2 + segment_len);
  g_byte_array_append (out, jpeg, head);
  marker[0] = 0xff;
  marker[1] = MEND_JPEG_APP1;
  marker[2] = segment_len >> 8;
  marker[3] = segment_len & 0xff;
  g_byte_array_append (out, marker, sizeof marker);
  g_byte_array_append (out, exif_header, sizeof exif_header);
  g_byte_array_append (out, g_bytes_get_data (exif, NULL), exif_len);
  g_byte_array_append (out, jpeg + head, jpeg_len - head);
  return out;
}
