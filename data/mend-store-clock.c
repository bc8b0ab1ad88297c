/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-store"

#include "config.h"

#include "mend-store-clock.h"

#include "mend-store-private.h"

/**
 * mend_store_get_gps_clock:
 *
 * Reads the newest record taken with a satellite fix (fresh or stale) among the last hundred,
 * so a long log without fixes is not read whole: its clock_skew_ms says
 * whether the device's clock then disagreed with satellite time by more than
 * %MEND_CLOCK_SKEW_LIMIT_MS. A record without a fix says nothing about the clock.
 */
gboolean
mend_store_get_gps_clock (MendStore *self, MendGpsClock *out, GError **error)
{
  g_autoptr (MendStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (MEND_IS_STORE (self), FALSE);

  *out = (MendGpsClock){ 0 };
  stmt = mend_db_prepare (self->reader,
                          "SELECT seq, clock_skew_ms FROM"
                          " (SELECT seq, clock_skew_ms, fix_state FROM events"
                          "  ORDER BY seq DESC LIMIT 100)"
                          " WHERE fix_state IN ('fix', 'stale') ORDER BY seq DESC LIMIT 1",
                          error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      out->known = TRUE;
      out->seq = sqlite3_column_int64 (stmt, 0);
      out->skew_ms = sqlite3_column_int64 (stmt, 1);
      return TRUE;
    }
  if (rc == SQLITE_DONE)
    return TRUE;
  return mend_db_set_error (self->reader, rc, error, "Could not read the records' fixes");
}

/**
 * mend_clock_describe_skew:
 *
 * Returns: (transfer full): the offset in the largest two units that matter.
 */
char *
mend_clock_describe_skew (gint64 skew_ms)
{
  gint64 minutes = ABS (skew_ms) / 60000;
  gint64 days = minutes / (24 * 60);
  const char *way = skew_ms > 0 ? "fast" : "slow";

  if (days >= 365)
    return g_strdup_printf ("%" G_GINT64_FORMAT " years %" G_GINT64_FORMAT " days %s", days / 365,
                            days % 365, way);
  if (days >= 1)
    return g_strdup_printf ("%" G_GINT64_FORMAT " days %" G_GINT64_FORMAT " hours %s", days,
                            minutes / 60 % 24, way);
  if (minutes >= 60)
    return g_strdup_printf ("%" G_GINT64_FORMAT " hours %" G_GINT64_FORMAT " minutes %s",
                            minutes / 60, minutes % 60, way);
  return g_strdup_printf ("%" G_GINT64_FORMAT " minutes %s", minutes, way);
}
