/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-hq"

#include "config.h"

#include "mend-hq-admin-private.h"

#include <string.h>

/* `device list` and `device revoke`: what an administrator needs to see and stop a device. A
 * revoked device gets 401 at its very next request (the token check reads revoked_at). */

/* One tab-separated line per device, with a header, so `column -t` or a script can read it;
 * times in UTC ISO 8601, "-" when there is none. A tab or line end in a device's name (it is
 * the device's own word) is shown as a space so it cannot break the columns. */
gboolean
mend_hq_admin_device_list (PGconn *conn, GError **error)
{
  g_autoptr (PGresult) result = NULL;

  result = PQexec (conn,
                   "SELECT d.id, d.team, coalesce(translate(d.name, E'\\t\\n\\r', '   '), '-'),"
                   " to_char(d.enrolled_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
                   " coalesce(to_char(d.last_seen AT TIME ZONE 'UTC',"
                   "                  'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '-'),"
                   " coalesce(to_char(d.revoked_at AT TIME ZONE 'UTC',"
                   "                  'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '-')"
                   " FROM devices d ORDER BY d.team, d.enrolled_at, d.id");
  if (!mend_hq_db_check (result, PGRES_TUPLES_OK, error))
    return FALSE;
  g_print ("id\tteam\tname\tenrolled\tlast_seen\trevoked\n");
  for (int row = 0; row < PQntuples (result); row++)
    g_print ("%s\t%s\t%s\t%s\t%s\t%s\n", PQgetvalue (result, row, 0), PQgetvalue (result, row, 1),
             PQgetvalue (result, row, 2), PQgetvalue (result, row, 3), PQgetvalue (result, row, 4),
             PQgetvalue (result, row, 5));
  return TRUE;
}

/* Revoking twice keeps the first time. */
gboolean
mend_hq_admin_device_revoke (PGconn *conn, const char *device, GError **error)
{
  const char *params[] = { device };
  g_autoptr (PGresult) result = NULL;

  result = PQexecParams (conn,
                         "UPDATE devices SET revoked_at = coalesce(revoked_at, now())"
                         " WHERE id = $1",
                         1, NULL, params, NULL, NULL, 0);
  if (!mend_hq_db_check (result, PGRES_COMMAND_OK, error))
    return FALSE;
  if (strcmp (PQcmdTuples (result), "1") != 0)
    {
      g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_NOT_FOUND, "no device %s", device);
      return FALSE;
    }
  return TRUE;
}
