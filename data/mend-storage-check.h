/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Whether the store's folder is on an encrypted block device (dm-crypt, LUKS): what protects a
 * device that is lost switched off. The app warns in Settings and on the Today page when it is
 * not; `mendctl status` says so too. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  MEND_STORAGE_ENCRYPTED,
  MEND_STORAGE_NOT_ENCRYPTED,
  /* Not on a block device the kernel describes (a RAM or network file system), or sysfs
   * could not be read. */
  MEND_STORAGE_UNKNOWN,
} MendStorageVerdict;

MendStorageVerdict
mend_storage_check_device (const char *sys_root, guint major, guint minor, char **out_detail);
MendStorageVerdict
mend_storage_check_folder (const char *folder, const char *sys_root, char **out_detail);
const char *mend_storage_verdict_to_string (MendStorageVerdict verdict);

/* The same check on a worker thread (it reads sysfs, which may be slow on a busy device). */
void mend_storage_check_folder_async (const char *folder,
                                      const char *sys_root,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data);
MendStorageVerdict
mend_storage_check_folder_finish (GAsyncResult *result, char **out_detail, GError **error);

G_END_DECLS
