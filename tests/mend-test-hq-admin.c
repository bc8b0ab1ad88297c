/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-test"

#include "config.h"

#include "mend-test-hq-admin.h"

#include <string.h>

#include "mend-test-logs.h"

/**
 * mend_test_hq_admin_run:
 * @input: (nullable): what the command reads on standard input
 * @args: the words after `mend-hq admin --database CONNINFO`
 *
 * Returns: (transfer full): how the command ended and what it printed.
 */
MendTestAdmin *
mend_test_hq_admin_run (MendTestHq *hq, const char *input, const char *const *args)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) process = NULL;
  MendTestAdmin *admin = g_new0 (MendTestAdmin, 1);

  g_ptr_array_add (argv, (char *)g_getenv ("MEND_HQ"));
  g_ptr_array_add (argv, "admin");
  g_ptr_array_add (argv, "--database");
  g_ptr_array_add (argv, hq->conninfo);
  for (; *args != NULL; args++)
    g_ptr_array_add (argv, (char *)*args);
  g_ptr_array_add (argv, NULL);
  launcher
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                   | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  /* Messages in UTF-8 whatever the machine's locale. */
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  process = g_subprocess_launcher_spawnv (launcher, (const char *const *)argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, input != NULL ? input : "", NULL, &admin->out,
                                 &admin->err, &error);
  g_assert_no_error (error);
  mend_test_log_keep ("mend-hq-admin", admin->err, -1);
  g_assert_true (g_subprocess_get_if_exited (process));
  admin->status = g_subprocess_get_exit_status (process);
  g_strchomp (admin->out);
  g_strchomp (admin->err);
  return admin;
}

void
mend_test_admin_free (MendTestAdmin *admin)
{
  g_free (admin->out);
  g_free (admin->err);
  g_free (admin);
}

/* Writes @contents (@length bytes, or up to its NUL when -1) to @dir/@name. */
char *
mend_test_hq_write_file (const char *dir, const char *name, const char *contents, gssize length)
{
  g_autoptr (GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);

  g_file_set_contents (path, contents, length, &error);
  g_assert_no_error (error);
  return path;
}

/* Enrols @device_id in @team with a code from `enrol-code`; asserts it worked. */
MendWireEnrolment *
mend_test_hq_enrol (MendTestHq *hq, const char *team, const char *device_id)
{
  g_autoptr (GError) error = NULL;
  const char *const args[] = { "enrol-code", "--team", team, NULL };
  g_autofree char *code = mend_test_hq_admin (hq, args);
  g_autoptr (GBytes) body = mend_wire_encode_enrol_request (code, device_id, "Tablet");
  g_autoptr (MendTestHttp) http = NULL;
  MendWireEnrolment *enrolment;

  http = mend_test_hq_request (hq, "POST", "/api/v1/devices/enrol", NULL, "application/json",
                               g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_assert_cmpint (http->status, ==, 201);
  enrolment = mend_wire_decode_enrolment (http->body->str, http->body->len, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (enrolment->team_id, ==, team);
  return enrolment;
}
