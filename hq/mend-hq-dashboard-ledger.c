/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-hq"

#include "config.h"

#include "mend-hq-dashboard-private.h"

#include <math.h>

/* Attendance and hours as the dashboard shows them: every team's, from every device's events,
 * folded by mend-hq-credit.c (the fold the manifest uses too). */

const char *
mend_hq_attendance_label (MendAttendanceState state)
{
  switch (state)
    {
    case MEND_ATTENDANCE_EXPECTED:
      return "expected";
    case MEND_ATTENDANCE_ON_SITE:
      return "on site";
    case MEND_ATTENDANCE_DONE:
      return "checked out";
    case MEND_ATTENDANCE_ABSENT:
      return "did not attend";
    default:
      g_assert_not_reached ();
    }
}

/**
 * mend_hq_ledger_load:
 *
 * Reads the reference data and every live attendance event, in one snapshot.
 *
 * Returns: (transfer full) (nullable): every person's visits and hours.
 */
MendHqLedger *
mend_hq_ledger_load (PGconn *conn, GError **error)
{
  MendHqLedger *ledger;

  /* One snapshot, so a batch stored half way through the reads is seen whole or not at all. */
  if (!mend_hq_db_exec (conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", error))
    return NULL;
  ledger = mend_hq_ledger_read (conn, NULL, NULL, error);
  PQclear (PQexec (conn, ledger != NULL ? "COMMIT" : "ROLLBACK"));
  return ledger;
}

/* Hours from disposal to first attendance, or to @now_ms when the person has not attended
 * yet; NAN when the disposal time is unknown. */
double
mend_hq_person_hours_to_first (const MendHqPerson *person, gint64 now_ms)
{
  gint64 until = person->first_attended_ms != 0 ? person->first_attended_ms : now_ms;

  if (person->disposal_ms == 0)
    return NAN;
  return (until - person->disposal_ms) / 3600000.0;
}
