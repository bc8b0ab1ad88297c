/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-hq"

#include "config.h"

#include "mend-hq-dashboard-private.h"

#include <string.h>

/* GET /photos/SHA256: a complete photo from the blob folder, for a logged-in member of staff.
 * The name must be 64 lowercase hex digits before it comes near a path, the photo must be
 * named by a stored event, and only a complete, verified blob (DIR/aa/SHA256) is served — a
 * partial upload lives elsewhere and is never shown. */

gboolean
mend_hq_is_sha256 (const char *text)
{
  if (text == NULL || strlen (text) != 64)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p) && !(*p >= 'a' && *p <= 'f'))
      return FALSE;
  return TRUE;
}

/* @sha256 must have passed mend_hq_is_sha256(). */
char *
mend_hq_blob_path (const char *blobs, const char *sha256)
{
  char prefix[3] = { sha256[0], sha256[1], '\0' };

  g_assert (mend_hq_is_sha256 (sha256));
  return g_build_filename (blobs, prefix, sha256, NULL);
}

void
mend_hq_handle_photo (MendHqPage *page, const char *sha256)
{
  const char *params[] = { sha256 };
  g_autoptr (PGresult) named = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GMappedFile) file = NULL;
  g_autofree char *path = NULL;
  const guint8 *bytes;
  gsize length;

  if (!mend_hq_is_sha256 (sha256))
    {
      mend_hq_html_message_page (page, MHD_HTTP_BAD_REQUEST, "Bad photo name",
                                 "A photo is named by 64 lowercase hexadecimal digits.");
      return;
    }
  named = PQexecParams (page->conn,
                        "SELECT 1 FROM events WHERE kind = 'photo.taken' AND status = 'stored'"
                        " AND payload ->> 'sha256' = $1 LIMIT 1",
                        1, NULL, params, NULL, NULL, 0);
  if (PQresultStatus (named) != PGRES_TUPLES_OK)
    {
      mend_hq_html_message_page (page, MHD_HTTP_SERVICE_UNAVAILABLE, "Unavailable",
                                 "HQ's database cannot be read. Try again in a minute.");
      return;
    }
  if (PQntuples (named) != 1 || page->blobs == NULL)
    {
      mend_hq_html_message_page (page, MHD_HTTP_NOT_FOUND, "No such photo",
                                 "No record names a photo of that name.");
      return;
    }
  path = mend_hq_blob_path (page->blobs, sha256);
  file = g_mapped_file_new (path, FALSE, &error);
  if (file == NULL)
    {
      mend_hq_html_message_page (page, MHD_HTTP_NOT_FOUND, "Not uploaded yet",
                                 "The device has not finished uploading this photo.");
      return;
    }
  bytes = (const guint8 *)g_mapped_file_get_contents (file);
  length = g_mapped_file_get_length (file);
  /* Devices send JPEG only; anything else is not served as an image a browser would sniff. */
  if (length < 3 || bytes[0] != 0xff || bytes[1] != 0xd8 || bytes[2] != 0xff)
    {
      mend_hq_html_message_page (page, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "Not a photo",
                                 "This file is not a JPEG image.");
      return;
    }
  page->answer->status = MHD_HTTP_OK;
  page->answer->body = g_mapped_file_get_bytes (file);
  page->answer->content_type = "image/jpeg";
  mend_hq_page_add_header (page, "X-Content-Type-Options", "nosniff");
  mend_hq_page_add_header (page, "Content-Security-Policy", "default-src 'none'; sandbox");
  mend_hq_page_add_header (page, "Content-Disposition", "inline");
}
