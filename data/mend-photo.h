/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Photo files in the store: content-addressed JPEGs beside the database, written so that a
 * crash leaves either nothing or a complete file, and a `photo.taken` event for each time a
 * photo is taken. */
#pragma once

#include "mend-store.h"

G_BEGIN_DECLS

/* MendPhotoRole is in mend-types.h, so that commands can hold one. */

/* The length of a SHA-256 in lowercase hex: a photo's name without ".jpg". */
#define MEND_PHOTO_SHA256_LENGTH 64

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
gboolean mend_photo_sha256_is_valid (const char *sha256);

/* <folder of the store>/photos, absolute; created when the first temp file is made. */
const char *mend_store_get_photos_dir (MendStore *self);
char *mend_store_photo_path (MendStore *self, const char *sha256);

/* A new empty temp file in the photos folder (same filesystem, so it can be renamed into
 * place): the image processor writes the final JPEG there, in place. Blocking file I/O: call
 * it, and mend_store_adopt_photo_temp(), off the main thread. */
char *mend_store_new_photo_temp (MendStore *self, GError **error);

/* Hashes the finished temp file, fsyncs it, renames it to photos/<aa>/<sha256>.jpg and fsyncs
 * the folder. The same bytes stored twice are one file. The temp file is gone afterwards,
 * whatever happens. Then record mend_command_photo() with the hash and size. */
gboolean mend_store_adopt_photo_temp (MendStore *self,
                                      const char *temp_path,
                                      char **out_sha256,
                                      gint64 *out_bytes,
                                      GError **error);

/* @participant_id: (nullable): whom the photo is about; must be assigned to the session. */
MendCommand *mend_command_photo (const char *session_id,
                                 const char *participant_id,
                                 MendPhotoRole role,
                                 const char *sha256,
                                 gint64 bytes,
                                 int width,
                                 int height);

/* @session_id: (nullable): only this session's photos; %NULL for all. */
GPtrArray *mend_store_list_photos (MendStore *self, const char *session_id, GError **error);
void mend_photo_row_free (MendPhotoRow *row);

/* Every photo the store holds has its file, and the file hashes to its name. Also run by
 * mend_store_verify(), after the event log. */
gboolean mend_store_verify_photos (MendStore *self, gint64 *out_n_photos, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MendPhotoRow, mend_photo_row_free)

G_END_DECLS
