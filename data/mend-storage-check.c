/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-storage"

#include "config.h"

#include "mend-storage-check.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

/* The kernel describes each block device under /sys/dev/block/MAJOR:MINOR. A device-mapper
 * device has dm/uuid, which starts with "CRYPT-" for dm-crypt (LUKS or plain), and slaves/
 * naming the devices it is built on: a file system on LVM on LUKS is dm-1 (LVM-…) on dm-0
 * (CRYPT-LUKS2-…). The folder is encrypted when any device on the way down is dm-crypt. */

/* Deeper stacks than this are not made in practice; it also stops a loop in a damaged tree. */
#define MAX_DEPTH 16

static char *
read_line (const char *path)
{
  g_autofree char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  return g_strstrip (g_steal_pointer (&text));
}

static gboolean
is_crypt (const char *dir, int depth, char **out_name)
{
  g_autofree char *uuid_path = g_build_filename (dir, "dm", "uuid", NULL);
  g_autofree char *uuid = read_line (uuid_path);
  g_autofree char *slaves_path = NULL;
  g_autoptr (GDir) slaves = NULL;
  const char *name;

  if (uuid != NULL && g_str_has_prefix (uuid, "CRYPT-"))
    {
      g_autofree char *name_path = g_build_filename (dir, "dm", "name", NULL);

      *out_name = read_line (name_path);
      if (*out_name == NULL)
        {
          /* No name: the kernel's own (dm-N), from where the link points. */
          g_autofree char *real = realpath (dir, NULL);

          *out_name = g_path_get_basename (real != NULL ? real : dir);
        }
      return TRUE;
    }
  if (depth >= MAX_DEPTH)
    return FALSE;
  slaves_path = g_build_filename (dir, "slaves", NULL);
  slaves = g_dir_open (slaves_path, 0, NULL);
  while (slaves != NULL && (name = g_dir_read_name (slaves)) != NULL)
    {
      g_autofree char *slave = g_build_filename (slaves_path, name, NULL);

      if (is_crypt (slave, depth + 1, out_name))
        return TRUE;
    }
  return FALSE;
}

/**
 * mend_storage_check_device:
 * @sys_root: where sysfs is ("/sys"; a test passes a tree of its own)
 * @out_detail: (out) (optional): a sentence for a person
 *
 * Returns: whether the block device MAJOR:MINOR is, or is built on, a dm-crypt device.
 */
MendStorageVerdict
mend_storage_check_device (const char *sys_root, guint major, guint minor, char **out_detail)
{
  g_autofree char *id = g_strdup_printf ("%u:%u", major, minor);
  g_autofree char *dir = g_build_filename (sys_root, "dev", "block", id, NULL);
  g_autofree char *crypt_name = NULL;
  g_autofree char *detail = NULL;
  MendStorageVerdict verdict;

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      verdict = MEND_STORAGE_UNKNOWN;
      detail = g_strdup_printf ("device %s is not a block device the kernel lists (a RAM or "
                                "network file system?): it cannot be shown to be encrypted",
                                id);
    }
  else if (is_crypt (dir, 0, &crypt_name))
    {
      verdict = MEND_STORAGE_ENCRYPTED;
      detail
          = g_strdup_printf ("device %s is on the encrypted device %s (dm-crypt)", id, crypt_name);
    }
  else
    {
      verdict = MEND_STORAGE_NOT_ENCRYPTED;
      detail = g_strdup_printf ("device %s is not on an encrypted device: anyone holding the "
                                "switched-off device can read the store",
                                id);
    }
  if (out_detail != NULL)
    *out_detail = g_steal_pointer (&detail);
  return verdict;
}

/**
 * mend_storage_check_folder:
 * @folder: the store's folder
 * @sys_root: (nullable): where sysfs is; %NULL for "/sys"
 *
 * Returns: whether @folder's file system is on an encrypted block device.
 */
MendStorageVerdict
mend_storage_check_folder (const char *folder, const char *sys_root, char **out_detail)
{
  struct stat st;

  g_return_val_if_fail (folder != NULL, MEND_STORAGE_UNKNOWN);

  if (stat (folder, &st) != 0)
    {
      int saved = errno;

      if (out_detail != NULL)
        *out_detail = g_strdup_printf ("%s cannot be examined: %s", folder, g_strerror (saved));
      return MEND_STORAGE_UNKNOWN;
    }
  return mend_storage_check_device (sys_root != NULL ? sys_root : "/sys", major (st.st_dev),
                                    minor (st.st_dev), out_detail);
}

const char *
mend_storage_verdict_to_string (MendStorageVerdict verdict)
{
  switch (verdict)
    {
    case MEND_STORAGE_ENCRYPTED:
      return "encrypted";
    case MEND_STORAGE_NOT_ENCRYPTED:
      return "not encrypted";
    case MEND_STORAGE_UNKNOWN:
    default:
      return "unknown";
    }
}

typedef struct
{
  char *folder;
  char *sys_root;
  char *detail;
} CheckData;

static void
check_data_free (CheckData *data)
{
  g_free (data->folder);
  g_free (data->sys_root);
  g_free (data->detail);
  g_free (data);
}

static void
check_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  CheckData *data = task_data;

  g_task_return_int (task, mend_storage_check_folder (data->folder, data->sys_root, &data->detail));
}

/**
 * mend_storage_check_folder_async:
 * @folder: the store's folder
 * @sys_root: (nullable): where sysfs is; %NULL for "/sys"
 *
 * Runs mend_storage_check_folder() on a worker thread and calls @callback on the caller's main
 * context.
 */
void
mend_storage_check_folder_async (const char *folder,
                                 const char *sys_root,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  CheckData *data;

  g_return_if_fail (folder != NULL);

  data = g_new0 (CheckData, 1);
  data->folder = g_strdup (folder);
  data->sys_root = g_strdup (sys_root);
  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, mend_storage_check_folder_async);
  g_task_set_task_data (task, data, (GDestroyNotify)check_data_free);
  g_task_run_in_thread (task, check_thread);
}

/**
 * mend_storage_check_folder_finish:
 * @out_detail: (out) (optional): a sentence for a person
 *
 * Returns: the verdict; %MEND_STORAGE_UNKNOWN with @error set only when the check was
 *   cancelled.
 */
MendStorageVerdict
mend_storage_check_folder_finish (GAsyncResult *result, char **out_detail, GError **error)
{
  GTask *task = G_TASK (result);
  gssize verdict;

  g_return_val_if_fail (g_task_is_valid (result, NULL), MEND_STORAGE_UNKNOWN);
  g_return_val_if_fail (g_task_get_source_tag (task) == mend_storage_check_folder_async,
                        MEND_STORAGE_UNKNOWN);

  verdict = g_task_propagate_int (task, error);
  if (verdict < 0)
    return MEND_STORAGE_UNKNOWN;
  if (out_detail != NULL)
    *out_detail = g_strdup (((CheckData *)g_task_get_task_data (task))->detail);
  return (MendStorageVerdict)verdict;
}
