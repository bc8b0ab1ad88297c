/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-hq"

#include "config.h"

#include "mend-hq-private.h"

#include <string.h>

#include "mend-wire-payload.h"

/* HQ's rules at step 6 of PROTOCOL.md section 10, for an event that has joined the device's
 * chain: a kind and payload of section 5 (the codec's check), and only the device's own team's
 * session, person and supervisor. The device's own rules (check-in before check-out, and so on)
 * ran when the event was recorded and are not run again: HQ does not hold the device's view of
 * the day, and a fact the device recorded is kept. */

/**
 * mend_hq_rules_check:
 * @team: the device's team
 * @out_refusal: (out) (transfer full): the `invalid` message, or %NULL when the event may be
 *   stored
 *
 * Returns: %FALSE only when the database could not answer; the batch then fails whole.
 */
gboolean
mend_hq_rules_check (PGconn *conn,
                     const char *team,
                     const MendWireEvent *event,
                     char **out_refusal,
                     GError **error)
{
  g_autoptr (GError) payload_error = NULL;
  g_autoptr (PGresult) result = NULL;
  const struct
  {
    const char *id;
    const char *noun;
  } names[] = {
    { event->session_id, "session" },
    { event->participant_id, "person" },
    { event->supervisor_id, "supervisor" },
  };

  *out_refusal = NULL;
  if (!mend_wire_check_payload (event->kind, event->session_id, event->participant_id,
                                event->payload_json, &payload_error))
    {
      *out_refusal = g_strdup (payload_error->message);
      return TRUE;
    }
  /* A device reads and writes only its own team's data; an id HQ does not know at all gets the
   * same answer, so a device cannot learn what other teams hold. One round trip asks about all
   * three. */
  if (event->session_id == NULL && event->participant_id == NULL && event->supervisor_id == NULL)
    return TRUE;
  {
    const char *params[] = { team, event->session_id, event->participant_id, event->supervisor_id };

    result = PQexecParams (conn,
                           "SELECT $2::text IS NULL OR EXISTS (SELECT 1 FROM sessions"
                           "   WHERE id = $2 AND team = $1),"
                           " $3::text IS NULL OR EXISTS (SELECT 1 FROM participants"
                           "   WHERE id = $3 AND team = $1),"
                           " $4::text IS NULL OR EXISTS (SELECT 1 FROM supervisors"
                           "   WHERE id = $4 AND team = $1)",
                           4, NULL, params, NULL, NULL, 0);
  }
  if (!mend_hq_db_check (result, PGRES_TUPLES_OK, error))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (strcmp (PQgetvalue (result, 0, (int)i), "t") != 0)
      {
        *out_refusal = g_strdup_printf ("%s %s is not a %s of your team", names[i].noun,
                                        names[i].id, names[i].noun);
        return TRUE;
      }
  return TRUE;
}
