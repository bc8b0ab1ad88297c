/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-photo"

#include "config.h"

#include "mend-photo-processor.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "mend-photo-processor-private.h"

/* A photo goes through here once, on a worker thread: the input is read in chunks and decoded
 * straight to about the size we keep (libjpeg decodes a JPEG at 1/2, 1/4 or 1/8 scale when
 * asked for a smaller image, so a 48-megapixel photo never exists as a full-size bitmap), turned
 * upright, encoded as JPEG in memory, given a fresh EXIF block built with gexiv2, and written to
 * the output path in one go. The output is the store's temp file: the store hashes, fsyncs and
 * renames it, so nothing here does. Whatever fails, the output path is removed, so the store
 * never adopts half a photo. */

G_DEFINE_QUARK (mend_photo_error, mend_photo_error)

#define READ_CHUNK_BYTES (64 * 1024)

/* --- Sizes and the memory bound ------------------------------------------------------- */

/* The size that fits @long_edge, keeping the aspect ratio; never larger than the image. */
static void
fit_long_edge (int width, int height, guint long_edge, int *out_width, int *out_height)
{
  int longer = MAX (width, height);
  int shorter = MIN (width, height);
  int scaled;

  if (longer <= 0 || (guint)longer <= long_edge)
    {
      *out_width = width;
      *out_height = height;
      return;
    }
  scaled = (int)MAX (((gint64)shorter * long_edge + longer / 2) / longer, 1);
  *out_width = width >= height ? (int)long_edge : scaled;
  *out_height = width >= height ? scaled : (int)long_edge;
}

/* What decoding an image of @width × @height to @target_width × @target_height takes, in bytes.
 * gdk-pixbuf's JPEG loader asks libjpeg for the smallest of 1/1, 1/2, 1/4 and 1/8 scale that is
 * still at least the target (io-jpeg.c does exactly this loop), then scales the rest of the
 * way; a PNG is always decoded at full size. Pixels are counted at four bytes, the most a
 * decoded pixbuf takes (RGBA, or CMYK JPEGs). @walker, which has seen the JPEG's headers, adds
 * the coefficient buffer of progressive and multi-scan JPEGs. */
static guint64
decode_bytes (gboolean jpeg,
              int width,
              int height,
              int target_width,
              int target_height,
              const MendPhotoWalker *walker)
{
  guint64 out_width = (guint64)width;
  guint64 out_height = (guint64)height;
  guint64 bytes;

  if (jpeg)
    {
      for (guint denom = 2; denom <= 8; denom *= 2)
        {
          guint64 w = mend_photo_div_round_up (width, denom);
          guint64 h = mend_photo_div_round_up (height, denom);

          if (w < (guint64)target_width || h < (guint64)target_height)
            break;
          out_width = w;
          out_height = h;
        }
    }
  bytes = out_width * out_height * 4;
  if (jpeg)
    bytes += mend_photo_walker_coefficient_bytes (walker, width, height);
  return bytes;
}

/* --- Decoding a file ------------------------------------------------------------------ */

typedef struct
{
  gboolean jpeg;
  guint long_edge;
  MendPhotoWalker *walker;
  gboolean too_large;
  int width;
  int height;
} Decode;

static void
size_prepared_cb (GdkPixbufLoader *loader, int width, int height, gpointer user_data)
{
  Decode *decode = user_data;
  int target_width, target_height;

  decode->width = width;
  decode->height = height;
  fit_long_edge (width, height, decode->long_edge, &target_width, &target_height);

  /* The loader reports the size as soon as it has parsed the header, before it allocates
   * anything, so this is where a file too large to decode is refused, at the cost of reading
   * its header. Asking for a 0×0 image makes the loader stop there. */
  if (decode_bytes (decode->jpeg, width, height, target_width, target_height, decode->walker)
      > MEND_PHOTO_MAX_DECODE_BYTES)
    {
      decode->too_large = TRUE;
      gdk_pixbuf_loader_set_size (loader, 0, 0);
      return;
    }
  if (target_width != width || target_height != height)
    gdk_pixbuf_loader_set_size (loader, target_width, target_height);
}

static void
set_damaged (GError **error, const GError *detail)
{
  if (detail != NULL)
    g_debug ("Decoder: %s", detail->message);
  g_set_error_literal (error, MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_NOT_AN_IMAGE,
                       "The photo file is damaged and cannot be read.");
}

/* Feeds the image in @stream to @loader, chunk by chunk, up to its end marker. @chunk holds
 * the first @len bytes, already read. */
static gboolean
feed_loader (GInputStream *stream,
             GdkPixbufLoader *loader,
             Decode *decode,
             guint8 *chunk,
             gssize len,
             GError **error)
{
  MendPhotoWalker *walker = decode->walker;

  while (len > 0)
    {
      g_autoptr (GError) local_error = NULL;
      /* The walker sees each chunk before the loader does, so by the time the loader reports
       * the size, the walker has seen the headers it parsed. */
      gsize used = mend_photo_walker_feed (walker, chunk, len);

      if (walker->state == MEND_PHOTO_WALK_BROKEN)
        {
          set_damaged (error, NULL);
          return FALSE;
        }
      if (used > 0 && !gdk_pixbuf_loader_write (loader, chunk, used, &local_error)
          && !decode->too_large)
        {
          set_damaged (error, local_error);
          return FALSE;
        }
      /* The PNG loader only fails on the write after the one that gave the size. */
      if (decode->too_large)
        {
          g_set_error (error, MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_TOO_LARGE,
                       "The image is too large to open (%d × %d pixels).", decode->width,
                       decode->height);
          return FALSE;
        }
      if (walker->state == MEND_PHOTO_WALK_DONE)
        return TRUE;

      len = g_input_stream_read (stream, chunk, READ_CHUNK_BYTES, NULL, &local_error);
      if (len < 0)
        {
          g_set_error (error, MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_READ,
                       "The photo file could not be read: %s", local_error->message);
          return FALSE;
        }
    }

  g_set_error_literal (error, MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_NOT_AN_IMAGE,
                       "The photo file is incomplete: it may not have finished copying.");
  return FALSE;
}

/* Returns: (transfer full): the image scaled to fit @long_edge, still carrying its
 * "orientation" option. */
static GdkPixbuf *
decode_file (const char *path, guint long_edge, GError **error)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFileInputStream) stream = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GdkPixbufLoader) loader = NULL;
  g_autofree guint8 *chunk = g_malloc (READ_CHUNK_BYTES);
  const char *other_name = NULL;
  GdkPixbuf *pixbuf;
  MendPhotoWalker walker;
  Decode decode = { 0 };
  gssize len = -1;
  gboolean fed, closed;

  stream = g_file_read (file, NULL, &local_error);
  if (stream != NULL)
    len = g_input_stream_read (G_INPUT_STREAM (stream), chunk, READ_CHUNK_BYTES, NULL,
                               &local_error);
  if (stream == NULL || len < 0)
    {
      g_set_error (error, MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_READ,
                   "The photo file could not be read: %s", local_error->message);
      return NULL;
    }
  if (len == 0)
    {
      g_set_error_literal (error, MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_NOT_AN_IMAGE,
                           "The file is empty.");
      return NULL;
    }

  switch (mend_photo_sniff (chunk, len, &other_name))
    {
    case MEND_PHOTO_FORMAT_JPEG:
      decode.jpeg = TRUE;
      break;
    case MEND_PHOTO_FORMAT_PNG:
      decode.jpeg = FALSE;
      break;
    case MEND_PHOTO_FORMAT_OTHER:
    default:
      if (other_name != NULL)
        g_set_error (error, MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_NOT_AN_IMAGE,
                     "The file is a %s image: only JPEG and PNG photos can be used.", other_name);
      else
        g_set_error_literal (error, MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_NOT_AN_IMAGE,
                             "The file is not a photo: only JPEG and PNG photos can be used.");
      return NULL;
    }
  decode.long_edge = long_edge;
  decode.walker = &walker;
  mend_photo_walker_init (&walker, decode.jpeg ? MEND_PHOTO_FORMAT_JPEG : MEND_PHOTO_FORMAT_PNG);

  loader = gdk_pixbuf_loader_new_with_type (decode.jpeg ? "jpeg" : "png", &local_error);
  if (loader == NULL)
    {
      set_damaged (error, local_error);
      return NULL;
    }
  g_signal_connect (loader, "size-prepared", G_CALLBACK (size_prepared_cb), &decode);

  fed = feed_loader (G_INPUT_STREAM (stream), loader, &decode, chunk, len, error);
  /* A loader must be closed before it is dropped, even after a failure. */
  closed = gdk_pixbuf_loader_close (loader, fed ? &local_error : NULL);
  if (!fed)
    return NULL;
  if (!closed)
    {
      set_damaged (error, local_error);
      return NULL;
    }

  pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);
  if (pixbuf == NULL)
    {
      set_damaged (error, NULL);
      return NULL;
    }
  /* Taking a reference keeps the scaled image; the full decode goes with the loader. */
  return g_object_ref (pixbuf);
}

/* --- Encoding and writing ------------------------------------------------------------- */

static void
set_write_error (GError **error, int saved_errno)
{
  switch (saved_errno)
    {
    case ENOSPC:
    case EDQUOT:
      g_set_error_literal (error, MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_WRITE,
                           "There is not enough free space to save the photo.");
      break;
    case EACCES:
    case EPERM:
    case EROFS:
      g_set_error (error, MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_WRITE,
                   "The photo could not be saved: the folder cannot be written to (%s).",
                   g_strerror (saved_errno));
      break;
    case ENOENT:
    case ENOTDIR:
      g_set_error (error, MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_WRITE,
                   "The photo could not be saved: its folder does not exist (%s).",
                   g_strerror (saved_errno));
      break;
    default:
      g_set_error (error, MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_WRITE,
                   "The photo could not be saved: %s.", g_strerror (saved_errno));
      break;
    }
}

static gboolean
write_file (const char *path, const guint8 *data, gsize len, GError **error)
{
  int fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  gsize done = 0;

  if (fd < 0)
    {
      set_write_error (error, errno);
      return FALSE;
    }
  while (done < len)
    {
      gssize n = write (fd, data + done, len - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;
          close (fd);
          set_write_error (error, saved_errno);
          return FALSE;
        }
      done += n;
    }
  /* Some filesystems (NFS, quotas) only report a full disk at close. */
  if (close (fd) < 0)
    {
      set_write_error (error, errno);
      return FALSE;
    }
  return TRUE;
}

/* Returns: (transfer full): @image without transparency, on white, as a JPEG has none. */
static GdkPixbuf *
flatten (GdkPixbuf *image)
{
  int width = gdk_pixbuf_get_width (image);
  int height = gdk_pixbuf_get_height (image);
  GdkPixbuf *opaque;

  if (!gdk_pixbuf_get_has_alpha (image))
    return g_object_ref (image);
  opaque = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  gdk_pixbuf_fill (opaque, 0xffffffff);
  gdk_pixbuf_composite (image, opaque, 0, 0, width, height, 0, 0, 1.0, 1.0, GDK_INTERP_NEAREST,
                        255);
  return opaque;
}

static guint
resolve_long_edge (const MendPhotoOptions *options)
{
  return options != NULL && options->long_edge > 0 ? options->long_edge
                                                   : MEND_PHOTO_DEFAULT_LONG_EDGE;
}

static gboolean
options_are_valid (const MendPhotoOptions *options)
{
  return options == NULL || (options->quality >= 0 && options->quality <= 100);
}

/* Everything after decoding, for files and camera frames alike. */
static gboolean
finish (GdkPixbuf *image,
        const char *output_path,
        const MendPhotoOptions *options,
        const MendPhotoMeta *meta,
        int *out_width,
        int *out_height,
        GError **error)
{
  g_autoptr (GdkPixbuf) scaled = NULL;
  g_autoptr (GdkPixbuf) upright = NULL;
  g_autoptr (GdkPixbuf) opaque = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GBytes) exif = NULL;
  g_autoptr (GByteArray) out = NULL;
  g_autofree char *jpeg = NULL;
  g_autofree char *icc_profile = NULL;
  gsize jpeg_len = 0;
  int quality
      = options != NULL && options->quality > 0 ? options->quality : MEND_PHOTO_DEFAULT_QUALITY;
  char quality_text[8];
  int width, height;
  gboolean encoded;

  fit_long_edge (gdk_pixbuf_get_width (image), gdk_pixbuf_get_height (image),
                 resolve_long_edge (options), &width, &height);
  if (width == gdk_pixbuf_get_width (image) && height == gdk_pixbuf_get_height (image))
    scaled = g_object_ref (image);
  else
    {
      /* Scaling before turning is cheaper, and scaling drops options: carry the orientation
       * and colour profile across. */
      scaled = gdk_pixbuf_scale_simple (image, width, height, GDK_INTERP_BILINEAR);
      if (scaled == NULL)
        {
          g_set_error_literal (error, MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_TOO_LARGE,
                               "There is not enough memory to scale the photo.");
          return FALSE;
        }
      gdk_pixbuf_copy_options (image, scaled);
    }
  upright = gdk_pixbuf_apply_embedded_orientation (scaled);
  opaque = flatten (upright);
  width = gdk_pixbuf_get_width (opaque);
  height = gdk_pixbuf_get_height (opaque);

  /* Phones shoot in wide-gamut colour spaces; without its profile the photo looks dull. */
  icc_profile = g_strdup (gdk_pixbuf_get_option (scaled, "icc-profile"));
  g_snprintf (quality_text, sizeof quality_text, "%d", quality);
  if (icc_profile != NULL)
    encoded = gdk_pixbuf_save_to_buffer (opaque, &jpeg, &jpeg_len, "jpeg", &local_error, "quality",
                                         quality_text, "icc-profile", icc_profile, NULL);
  else
    encoded = gdk_pixbuf_save_to_buffer (opaque, &jpeg, &jpeg_len, "jpeg", &local_error, "quality",
                                         quality_text, NULL);
  if (!encoded)
    {
      g_set_error (error, MEND_PHOTO_ERROR, MEND_PHOTO_ERROR_WRITE,
                   "The photo could not be encoded: %s", local_error->message);
      return FALSE;
    }

  exif = mend_photo_exif_build ((const guint8 *)jpeg, jpeg_len, width, height, icc_profile != NULL,
                                meta, error);
  if (exif == NULL)
    return FALSE;
  out = mend_photo_exif_splice ((const guint8 *)jpeg, jpeg_len, exif, error);
  if (out == NULL || !write_file (output_path, out->data, out->len, error))
    return FALSE;

  if (out_width != NULL)
    *out_width = width;
  if (out_height != NULL)
    *out_height = height;
  return TRUE;
}

static void
discard_output (const char *output_path)
{
  if (g_unlink (output_path) < 0 && errno != ENOENT && errno != ENOTDIR)
    g_debug ("Could not remove %s: %s", output_path, g_strerror (errno));
}

/**
 * mend_photo_process_file:
 * @input_path: a JPEG or PNG file, such as a photo imported from the gallery
 * @output_path: where the finished JPEG goes (normally the store's temp file); replaced
 * @options: (nullable): long edge and quality; %NULL for the defaults
 * @meta: what goes into EXIF
 * @out_width: (out) (optional): the width of the finished photo
 * @out_height: (out) (optional): its height
 * @error: a #MEND_PHOTO_ERROR
 *
 * Decodes @input_path within %MEND_PHOTO_MAX_DECODE_BYTES, turns it upright, scales it down to
 * the long edge, and writes it as a JPEG with EXIF from @meta. Blocks: call it from a worker
 * thread. On failure @output_path does not exist afterwards.
 *
 * Returns: whether the photo was written.
 */
gboolean
mend_photo_process_file (const char *input_path,
                         const char *output_path,
                         const MendPhotoOptions *options,
                         const MendPhotoMeta *meta,
                         int *out_width,
                         int *out_height,
                         GError **error)
{
  g_autoptr (GdkPixbuf) image = NULL;

  g_return_val_if_fail (input_path != NULL, FALSE);
  g_return_val_if_fail (output_path != NULL, FALSE);
  g_return_val_if_fail (options_are_valid (options), FALSE);
  g_return_val_if_fail (meta != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  image = decode_file (input_path, resolve_long_edge (options), error);
  if (image == NULL || !finish (image, output_path, options, meta, out_width, out_height, error))
    {
      discard_output (output_path);
      return FALSE;
    }
  return TRUE;
}

/**
 * mend_photo_process_pixbuf:
 * @frame: a still from the camera; its "orientation" option, if any, is applied
 * @output_path: where the finished JPEG goes (normally the store's temp file); replaced
 * @options: (nullable): long edge and quality; %NULL for the defaults
 * @meta: what goes into EXIF
 * @out_width: (out) (optional): the width of the finished photo
 * @out_height: (out) (optional): its height
 * @error: a #MEND_PHOTO_ERROR
 *
 * Like mend_photo_process_file() for a frame already in memory. Blocks: call it from a worker
 * thread. On failure @output_path does not exist afterwards.
 *
 * Returns: whether the photo was written.
 */
gboolean
mend_photo_process_pixbuf (GdkPixbuf *frame,
                           const char *output_path,
                           const MendPhotoOptions *options,
                           const MendPhotoMeta *meta,
                           int *out_width,
                           int *out_height,
                           GError **error)
{
  g_return_val_if_fail (GDK_IS_PIXBUF (frame), FALSE);
  g_return_val_if_fail (output_path != NULL, FALSE);
  g_return_val_if_fail (options_are_valid (options), FALSE);
  g_return_val_if_fail (meta != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!finish (frame, output_path, options, meta, out_width, out_height, error))
    {
      discard_output (output_path);
      return FALSE;
    }
  return TRUE;
}
