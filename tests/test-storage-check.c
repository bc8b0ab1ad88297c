/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-test"

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "mend-storage-check.h"
#include "mend-test-util.h"

/* The storage check (mend-storage-check.c) on sysfs trees built as the kernel lays them out,
 * in a temp folder passed as the root, then once on this machine's real /sys. */

static void
write_file (const char *root, const char *relative, const char *text)
{
  g_autofree char *path = g_build_filename (root, relative, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

static void
link_to (const char *root, const char *relative, const char *target)
{
  g_autofree char *path = g_build_filename (root, relative, NULL);
  g_autofree char *dir = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_cmpint (symlink (target, path), ==, 0);
}

/* vda (254:0) with a plain partition vda1 (254:1) and a LUKS partition vda2 (254:2); dm-0
 * (253:0) opens vda2, dm-1 (253:1) is an LVM volume on dm-0; dm-2 (253:2) is LVM straight on
 * vda1; dm-3 (253:3) is a plain dm-crypt mapping with no "name" file. */
static char *
fake_sysfs (void)
{
  char *root = mend_test_temp_dir ();
  const char *const devices[][2] = {
    { "254:0", "../../devices/pci0000:00/virtio1/block/vda" },
    { "254:1", "../../devices/pci0000:00/virtio1/block/vda/vda1" },
    { "254:2", "../../devices/pci0000:00/virtio1/block/vda/vda2" },
    { "253:0", "../../devices/virtual/block/dm-0" },
    { "253:1", "../../devices/virtual/block/dm-1" },
    { "253:2", "../../devices/virtual/block/dm-2" },
    { "253:3", "../../devices/virtual/block/dm-3" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (devices); i++)
    {
      g_autofree char *link = g_build_filename ("dev", "block", devices[i][0], NULL);
      g_autofree char *dir = g_build_filename (root, "dev", "block", devices[i][1], NULL);
      g_autofree char *dev = g_build_filename (link, "dev", NULL);

      /* The device's folder first, then the link to it and a file read through the link. */
      g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
      link_to (root, link, devices[i][1]);
      write_file (root, dev, devices[i][0]);
    }
  write_file (root, "devices/virtual/block/dm-0/dm/uuid", "CRYPT-LUKS2-0a1b2c3d-dm_crypt-0\n");
  write_file (root, "devices/virtual/block/dm-0/dm/name", "cryptroot\n");
  link_to (root, "devices/virtual/block/dm-0/slaves/vda2",
           "../../../../pci0000:00/virtio1/block/vda/vda2");
  write_file (root, "devices/virtual/block/dm-1/dm/uuid", "LVM-abcdefabcdef\n");
  write_file (root, "devices/virtual/block/dm-1/dm/name", "vg-home\n");
  link_to (root, "devices/virtual/block/dm-1/slaves/dm-0", "../../dm-0");
  write_file (root, "devices/virtual/block/dm-2/dm/uuid", "LVM-fedcbafedcba\n");
  link_to (root, "devices/virtual/block/dm-2/slaves/vda1",
           "../../../../pci0000:00/virtio1/block/vda/vda1");
  write_file (root, "devices/virtual/block/dm-3/dm/uuid", "CRYPT-PLAIN-swap\n");
  return root;
}

static void
test_fake_layouts (void)
{
  g_autofree char *root = fake_sysfs ();
  const struct
  {
    guint major, minor;
    MendStorageVerdict verdict;
    const char *detail;
  } cases[] = {
    { 254, 0, MEND_STORAGE_NOT_ENCRYPTED, "not on an encrypted device" },
    { 254, 1, MEND_STORAGE_NOT_ENCRYPTED, "not on an encrypted device" },
    { 254, 2, MEND_STORAGE_NOT_ENCRYPTED, "not on an encrypted device" },
    { 253, 0, MEND_STORAGE_ENCRYPTED, "cryptroot" },
    { 253, 1, MEND_STORAGE_ENCRYPTED, "cryptroot" },
    { 253, 2, MEND_STORAGE_NOT_ENCRYPTED, "not on an encrypted device" },
    { 253, 3, MEND_STORAGE_ENCRYPTED, "dm-3" },
    { 0, 42, MEND_STORAGE_UNKNOWN, "not a block device" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *detail = NULL;
      MendStorageVerdict verdict
          = mend_storage_check_device (root, cases[i].major, cases[i].minor, &detail);

      g_test_message ("%u:%u -> %s (%s)", cases[i].major, cases[i].minor,
                      mend_storage_verdict_to_string (verdict), detail);
      g_assert_cmpint (verdict, ==, cases[i].verdict);
      g_assert_nonnull (strstr (detail, cases[i].detail));
    }
  mend_test_remove_tree (root);
}

/* A damaged tree whose slaves point back at themselves still ends. */
static void
test_loop (void)
{
  g_autofree char *root = mend_test_temp_dir ();
  g_autofree char *detail = NULL;

  write_file (root, "devices/virtual/block/dm-9/dm/uuid", "LVM-loop\n");
  link_to (root, "dev/block/253:9", "../../devices/virtual/block/dm-9");
  link_to (root, "devices/virtual/block/dm-9/slaves/dm-9", "../../dm-9");
  g_assert_cmpint (mend_storage_check_device (root, 253, 9, &detail), ==,
                   MEND_STORAGE_NOT_ENCRYPTED);
  mend_test_remove_tree (root);
}

/* This machine's own layout, read the same way; the answer is compared with what its sysfs
 * says directly about the folder's device. */
static void
test_real_machine (void)
{
  g_autofree char *dir = mend_test_temp_dir ();
  g_autofree char *detail = NULL;
  g_autofree char *missing = g_build_filename (dir, "not-here", NULL);
  MendStorageVerdict verdict = mend_storage_check_folder (dir, NULL, &detail);
  struct stat st;

  g_assert_cmpint (stat (dir, &st), ==, 0);
  g_test_message ("%s: %s (%s)", dir, mend_storage_verdict_to_string (verdict), detail);
  {
    g_autofree char *id = g_strdup_printf ("%u:%u", major (st.st_dev), minor (st.st_dev));
    g_autofree char *uuid = g_build_filename ("/sys/dev/block", id, "dm", "uuid", NULL);
    g_autofree char *slaves = g_build_filename ("/sys/dev/block", id, "slaves", NULL);
    g_autofree char *block = g_build_filename ("/sys/dev/block", id, NULL);
    g_autoptr (GDir) list = g_dir_open (slaves, 0, NULL);

    if (!g_file_test (block, G_FILE_TEST_IS_DIR))
      g_assert_cmpint (verdict, ==, MEND_STORAGE_UNKNOWN);
    else if (!g_file_test (uuid, G_FILE_TEST_EXISTS)
             && (list == NULL || g_dir_read_name (list) == NULL))
      g_assert_cmpint (verdict, ==, MEND_STORAGE_NOT_ENCRYPTED);
    else
      g_test_message ("a device-mapper device here: the verdict is not cross-checked");
  }
  g_clear_pointer (&detail, g_free);
  g_assert_cmpint (mend_storage_check_folder (missing, NULL, &detail), ==, MEND_STORAGE_UNKNOWN);
  g_assert_nonnull (strstr (detail, "cannot be examined"));
  mend_test_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/storage-check/fake-layouts", test_fake_layouts);
  g_test_add_func ("/storage-check/loop", test_loop);
  g_test_add_func ("/storage-check/real-machine", test_real_machine);
  return g_test_run ();
}
