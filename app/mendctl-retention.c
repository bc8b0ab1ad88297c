/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mendctl"

#include "config.h"

#include <stdio.h>

#include "mend-store-retention.h"
#include "mendctl-private.h"

/* mendctl purge: the retention purge the app's scheduler runs after a good pass, by hand or
 * from a timer (data/README.md, "Retention"). Only what HQ holds whole is ever purged. */

int
mendctl_purge (MendctlContext *ctx, int argc, char **argv)
{
  int days = MEND_RETENTION_DEFAULT_DAYS;
  gboolean dry_run = FALSE;
  gboolean json = FALSE;
  MendRetentionResult result = { 0 };
  GError *error = NULL;
  int status;
  GOptionEntry entries[] = {
    { "days", 0, 0, G_OPTION_ARG_INT, &days,
      "Keep what HQ holds for this many days (default 7; 0 purges all HQ holds)", "N" },
    { "dry-run", 0, 0, G_OPTION_ARG_NONE, &dry_run, "Only count what would be purged", NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    { NULL },
  };

  if (!mendctl_parse_options ("purge", "[--days N] [--dry-run]", entries, NULL, &argc, &argv, 0, 0,
                              &status))
    return status;
  if (days < 0 || days > 3650)
    return mendctl_usage_error ("purge", "--days must be between 0 and 3650, not %d", days);
  if (mendctl_open_store (ctx, &error) == NULL
      || !mend_store_retention_purge (
          ctx->store, mend_store_retention_cutoff (g_get_real_time () / 1000, (guint)days), dry_run,
          &result, &error))
    return mendctl_fail (error);

  if (json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      g_autoptr (JsonNode) node = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "dry_run");
      json_builder_add_boolean_value (b, dry_run);
      mendctl_builder_add_int (b, "days", days);
      mendctl_builder_add_int (b, "events", result.events);
      mendctl_builder_add_int (b, "photos", result.photos);
      mendctl_builder_add_int (b, "photo_bytes", result.photo_bytes);
      mendctl_builder_add_int (b, "unsent_kept", result.unsent_kept);
      json_builder_end_object (b);
      node = json_builder_get_root (b);
      mendctl_print_json (node);
      return MENDCTL_EXIT_OK;
    }
  printf ("%s %" G_GINT64_FORMAT " events and %" G_GINT64_FORMAT " photos (%" G_GINT64_FORMAT
          " bytes) that HQ has held for over %d days.\n",
          dry_run ? "Would purge" : "Purged", result.events, result.photos, result.photo_bytes,
          days);
  if (result.unsent_kept > 0)
    printf ("Kept %" G_GINT64_FORMAT " older events HQ does not hold yet.\n", result.unsent_kept);
  return MENDCTL_EXIT_OK;
}
