/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mendctl"

#include "config.h"

#include <stdio.h>

#include "mend-salvage.h"
#include "mendctl-private.h"

/* `mendctl export --salvage OUT`: what a damaged store still holds, written to a folder for
 * HQ (data/mend-salvage.c). The store is never opened as a store here, so an open that would
 * fail, or would let SQLite rewrite a damaged log, never happens. */

/**
 * mendctl_export_salvage:
 * @out_dir: a new or empty folder
 *
 * Returns: 0 when everything the store names was read, 3 when some of it could not be (the
 *   folder holds the rest and SUMMARY.txt says what is missing), 2 when @out_dir is not
 *   usable.
 */
int
mendctl_export_salvage (MendctlContext *ctx, const char *out_dir)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MendSalvageReport) report = NULL;
  g_autofree char *described = NULL;

  if (!g_file_test (ctx->db_path, G_FILE_TEST_IS_REGULAR))
    {
      fprintf (stderr, "mendctl: there is no store at %s\n", ctx->db_path);
      return MENDCTL_EXIT_STORE;
    }
  report = mend_salvage_export (ctx->db_path, out_dir, &error);
  if (report == NULL)
    {
      fprintf (stderr, "mendctl export: %s\n", error->message);
      return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS) ? MENDCTL_EXIT_USAGE
                                                                    : MENDCTL_EXIT_STORE;
    }
  described = mend_salvage_report_describe (report);
  printf ("%s\n", described);
  for (guint i = 0; i < report->problems->len; i++)
    printf ("- %s\n", (const char *)g_ptr_array_index (report->problems, i));
  printf ("Written to %s (see SUMMARY.txt there).\n", out_dir);
  return report->problems->len == 0 ? MENDCTL_EXIT_OK : MENDCTL_EXIT_STORE;
}
