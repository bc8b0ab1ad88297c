/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Photo files in the store: content-addressed JPEGs beside the database, written so that a
 * crash leaves either nothing or a complete file, and a `photo.taken` event for each time a
 * photo is taken. */
#pragma once

#include "mend-store.h"

G_BEGIN_DECLS

typedef enum
{
  MEND_PHOTO_ROLE_BEFORE,
  MEND_PHOTO_ROLE_AFTER,
  MEND_PHOTO_ROLE_EVIDENCE,
} MendPhotoRole;

typedef struct
{
  char *event_id;
  char *sha256;
  char *path; /* absolute */
  MendPhotoRole role;
  char *session_id;
  char *participant_id; /* nullable */
  int width;
  int height;
  gint64 bytes;
  gint64 occurred_at_ms;
  MendFix fix;
  gboolean voided;
} MendPhotoRow;

const char *mend_photo_role_to_string (MendPhotoRole role);
gboolean mend_photo_role_from_string (const char *text, MendPhotoRole *out_role);

/* <folder of the store>/photos */
const char *mend_store_get_photos_dir (MendStore *self);
char *mend_store_photo_path (MendStore *self, const char *sha256);

/* A new empty temp file in the photos folder (same filesystem, so it can be renamed into
 * place): the image processor writes the final JPEG there. */
char *mend_store_new_photo_temp (MendStore *self, GError **error);

/* Hashes the finished temp file, fsyncs it, renames it to photos/<aa>/<sha256>.jpg and fsyncs
 * the folder. The same bytes stored twice are one file. The temp file is gone afterwards,
 * whatever happens. */
gboolean mend_store_adopt_photo_temp (MendStore *self,
                                      const char *temp_path,
                                      char **out_sha256,
                                      gint64 *out_bytes,
                                      GError **error);

MendCommand *mend_command_photo (const char *session_id,
                                 const char *participant_id,
                                 MendPhotoRole role,
                                 const char *sha256,
                                 gint64 bytes,
                                 int width,
                                 int height);

GPtrArray *mend_store_list_photos (MendStore *self, const char *session_id, GError **error);
void mend_photo_row_free (MendPhotoRow *row);

G_END_DECLS
