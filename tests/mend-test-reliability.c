/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-test"

#include "config.h"

#include "mend-test-reliability.h"

#include <errno.h>
#include <fcntl.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <unistd.h>

void
mend_test_reliability_row (const char *fault, guint tries, const char *outcome)
{
  const char *log_path = g_getenv ("MEND_RELIABILITY_LOG");
  if (log_path == NULL || *log_path == '\0')
    return;

  g_autoptr (JsonBuilder) builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "fault");
  json_builder_add_string_value (builder, fault);
  json_builder_set_member_name (builder, "tries");
  json_builder_add_int_value (builder, tries);
  json_builder_set_member_name (builder, "outcome");
  json_builder_add_string_value (builder, outcome);
  /* The test program, so the report can say which command reproduces the row. */
  json_builder_set_member_name (builder, "test");
  g_autofree char *program = g_path_get_basename (g_get_prgname ());
  json_builder_add_string_value (builder, program);
  json_builder_end_object (builder);

  g_autoptr (JsonNode) root = json_builder_get_root (builder);
  g_autofree char *line = json_to_string (root, FALSE);
  g_autofree char *with_newline = g_strconcat (line, "\n", NULL);

  /* O_APPEND keeps lines whole when tests run in parallel: each row is one short write. */
  int fd = open (log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      g_printerr ("could not open %s to add a reliability row: %s\n", log_path, g_strerror (errno));
      return;
    }
  gsize length = strlen (with_newline);
  if (write (fd, with_newline, length) != (gssize)length)
    g_printerr ("could not add a reliability row to %s\n", log_path);
  close (fd);
}
