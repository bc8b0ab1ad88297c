/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-hq"

#include "config.h"

#include "mend-hq-credit.h"

#include <string.h>

#include "mend-credit.h"
#include "mend-hq-private.h"
#include "mend-rules.h"

/* Attendance and hours as HQ reports them, folded from the events devices pushed: only events
 * HQ stored, and none an `event.voided` names. Each (session, person) takes its latest
 * check-in, check-out or absence by the time it happened; each person's check-outs are then
 * credited oldest first by the same rule the device uses (data/mend-credit.c), so HQ and the
 * device never disagree about a minute. The dashboard folds every device's events; the
 * manifest folds a team's events but the asking device's own, which the device counts itself
 * (PROTOCOL.md section 12). */

static void
visit_free (gpointer data)
{
  MendHqVisit *visit = data;

  g_free (visit->session_id);
  g_free (visit->participant_id);
  g_free (visit->outcome);
  g_free (visit->outcome_label);
  g_free (visit->verdict);
  g_free (visit->reason);
  g_free (visit);
}

static void
person_free (gpointer data)
{
  MendHqPerson *person = data;

  g_free (person->id);
  g_free (person->team);
  g_free (person->case_ref);
  g_free (person->display_name);
  g_free (person->disposal_type);
  g_ptr_array_unref (person->visits);
  g_free (person);
}

void
mend_hq_ledger_free (MendHqLedger *ledger)
{
  g_ptr_array_unref (ledger->by_name);
  g_hash_table_unref (ledger->sessions);
  g_hash_table_unref (ledger->people);
  g_ptr_array_unref (ledger->visits);
  g_free (ledger);
}

/* A bigint column, or 0 when it is NULL. */
gint64
mend_hq_result_ms (PGresult *result, int row, int column)
{
  if (PQgetisnull (result, row, column))
    return 0;
  return g_ascii_strtoll (PQgetvalue (result, row, column), NULL, 10);
}

static char *
dup_or_null (PGresult *result, int row, int column)
{
  return PQgetisnull (result, row, column) ? NULL : g_strdup (PQgetvalue (result, row, column));
}

static gboolean
is_true (PGresult *result, int row, int column)
{
  return !PQgetisnull (result, row, column) && PQgetvalue (result, row, column)[0] == 't';
}

typedef struct
{
  char *label;
  gboolean attended;
  gboolean credits_time;
} Outcome;

static void
outcome_free (gpointer data)
{
  Outcome *outcome = data;

  g_free (outcome->label);
  g_free (outcome);
}

/* One query with the ledger's scope as its parameters ($1 team, $2 device left out). */
static PGresult *
select_scoped (PGconn *conn,
               const char *sql,
               const char *team,
               const char *other_than_device,
               GError **error)
{
  /* Declared, so a query that does not use both parameters still accepts them: text, text. */
  const Oid types[] = { 25, 25 };
  const char *params[] = { team, other_than_device };
  PGresult *result = PQexecParams (conn, sql, 2, types, params, NULL, NULL, 0);

  if (!mend_hq_db_check (result, PGRES_TUPLES_OK, error))
    {
      PQclear (result);
      return NULL;
    }
  return result;
}

static MendHqVisit *
visit_lookup (MendHqLedger *ledger,
              GHashTable *by_key,
              const char *session_id,
              const char *participant_id,
              GHashTable *session_starts)
{
  g_autofree char *key = g_strconcat (session_id, "\x1f", participant_id, NULL);
  MendHqVisit *visit = g_hash_table_lookup (by_key, key);
  gint64 *starts;

  if (visit != NULL)
    return visit;
  visit = g_new0 (MendHqVisit, 1);
  visit->session_id = g_strdup (session_id);
  visit->participant_id = g_strdup (participant_id);
  visit->state = MEND_ATTENDANCE_EXPECTED;
  starts = g_hash_table_lookup (session_starts, session_id);
  visit->session_starts_ms = starts != NULL ? *starts : 0;
  g_ptr_array_add (ledger->visits, visit);
  g_hash_table_insert (by_key, g_steal_pointer (&key), visit);
  return visit;
}

/* The attendance events, oldest first, with what the fold needs of each: $1 a team (its
 * devices' events) or NULL for every team, $2 a device whose events are left out, or NULL. HQ
 * stores only events that name the device's own team's people (mend-hq-rules.c), so a team's
 * devices' events are all its people's. */
#define ATTENDANCE_SQL                                                                             \
  "SELECT c ->> 'session', c ->> 'participant', kind, (c ->> 'occurred_at')::bigint,"              \
  " payload ->> 'arrived_at', payload ->> 'finished_at', payload ->> 'penalty_minutes',"           \
  " payload ->> 'outcome', payload -> 'geofence' ->> 'verdict',"                                   \
  " payload -> 'geofence' ->> 'reason'"                                                            \
  " FROM " MEND_HQ_LIVE_EVENTS " live"                                                             \
  " WHERE kind IN ('attendance.checked_in', 'attendance.checked_out', 'attendance.absent')"        \
  " AND c ->> 'session' IS NOT NULL AND c ->> 'participant' IS NOT NULL"                           \
  " AND ($1::text IS NULL OR device IN (SELECT id FROM devices WHERE team = $1))"                  \
  " AND ($2::text IS NULL OR device <> $2)"                                                        \
  " ORDER BY (c ->> 'occurred_at')::bigint, device, seq"

static void
fold_event (MendHqVisit *visit, PGresult *events, int row, GHashTable *outcomes)
{
  const char *kind = PQgetvalue (events, row, 2);
  gint64 occurred = mend_hq_result_ms (events, row, 3);

  if (strcmp (kind, "attendance.checked_in") == 0)
    {
      if (visit->state == MEND_ATTENDANCE_DONE)
        return; /* a late copy of the check-in changes nothing that was checked out */
      visit->state = MEND_ATTENDANCE_ON_SITE;
      visit->arrived_ms = occurred;
      g_free (visit->verdict);
      visit->verdict = dup_or_null (events, row, 8);
      g_free (visit->reason);
      visit->reason = dup_or_null (events, row, 9);
    }
  else if (strcmp (kind, "attendance.checked_out") == 0)
    {
      Outcome *outcome;

      visit->state = MEND_ATTENDANCE_DONE;
      visit->arrived_ms = mend_hq_result_ms (events, row, 4);
      visit->finished_ms = mend_hq_result_ms (events, row, 5);
      visit->penalty_minutes = (int)mend_hq_result_ms (events, row, 6);
      g_free (visit->outcome);
      visit->outcome = dup_or_null (events, row, 7);
      outcome = visit->outcome != NULL ? g_hash_table_lookup (outcomes, visit->outcome) : NULL;
      g_free (visit->outcome_label);
      visit->outcome_label = g_strdup (outcome != NULL ? outcome->label : visit->outcome);
      visit->attended = outcome != NULL && outcome->attended;
    }
  else
    visit->state = MEND_ATTENDANCE_ABSENT;
}

static int
visit_compare (gconstpointer a, gconstpointer b)
{
  const MendHqVisit *x = *(MendHqVisit *const *)a;
  const MendHqVisit *y = *(MendHqVisit *const *)b;
  gint64 tx = x->arrived_ms != 0 ? x->arrived_ms : x->session_starts_ms;
  gint64 ty = y->arrived_ms != 0 ? y->arrived_ms : y->session_starts_ms;

  if (tx != ty)
    return tx < ty ? -1 : 1;
  return strcmp (x->session_id, y->session_id);
}

/* Credits one person's check-outs, oldest first, and finds their first attendance. */
static void
credit_person (MendHqPerson *person, GHashTable *outcomes)
{
  g_autofree MendCreditVisit *credit = g_new0 (MendCreditVisit, MAX (person->visits->len, 1));
  g_autofree MendHqVisit **done = g_new0 (MendHqVisit *, MAX (person->visits->len, 1));
  guint n = 0;
  int credited;

  g_ptr_array_sort (person->visits, visit_compare);
  for (guint i = 0; i < person->visits->len; i++)
    {
      MendHqVisit *visit = g_ptr_array_index (person->visits, i);
      Outcome *outcome
          = visit->outcome != NULL ? g_hash_table_lookup (outcomes, visit->outcome) : NULL;

      if ((visit->state == MEND_ATTENDANCE_ON_SITE
           || (visit->state == MEND_ATTENDANCE_DONE && visit->attended))
          && visit->arrived_ms != 0
          && (person->first_attended_ms == 0 || visit->arrived_ms < person->first_attended_ms))
        person->first_attended_ms = visit->arrived_ms;
      if (visit->state != MEND_ATTENDANCE_DONE)
        continue;
      credit[n].arrived_at_ms = visit->arrived_ms;
      credit[n].finished_at_ms = visit->finished_ms;
      credit[n].penalty_minutes = visit->penalty_minutes;
      credit[n].outcome_credits_time = outcome != NULL && outcome->credits_time;
      done[n++] = visit;
    }
  credited
      = mend_credit_visits (person->minutes_ordered, person->minutes_credited_before, credit, n);
  for (guint i = 0; i < n; i++)
    done[i]->minutes_credited = credit[i].minutes_credited;
  person->minutes_credited = person->minutes_credited_before + credited;
  person->minutes_owed = mend_rules_minutes_owed (person->minutes_ordered,
                                                  person->minutes_credited_before, credited);
}

/**
 * mend_hq_ledger_read:
 * @team: (nullable): only this team's people, sessions and devices' events; %NULL for all
 * @other_than_device: (nullable): leave this device's events out; %NULL to fold every device's
 *
 * Reads the reference data and the live attendance events in scope, and folds them. It runs
 * no transaction of its own: the caller reads it in one snapshot (REPEATABLE READ), so a batch
 * stored half way through the reads is seen whole or not at all, and what it says agrees with
 * anything else read in that snapshot (the manifest's cursor).
 *
 * Returns: (transfer full) (nullable): every person's visits and hours.
 */
MendHqLedger *
mend_hq_ledger_read (PGconn *conn, const char *team, const char *other_than_device, GError **error)
{
  g_autoptr (MendHqLedger) ledger = g_new0 (MendHqLedger, 1);
  g_autoptr (GHashTable) outcomes
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, outcome_free);
  g_autoptr (GHashTable) starts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (GHashTable) by_key = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (PGresult) codes = NULL;
  g_autoptr (PGresult) sessions = NULL;
  g_autoptr (PGresult) people = NULL;
  g_autoptr (PGresult) events = NULL;
  g_autoptr (PGresult) assignments = NULL;

  ledger->visits = g_ptr_array_new_with_free_func (visit_free);
  ledger->people = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, person_free);
  ledger->by_name = g_ptr_array_new ();
  ledger->sessions
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify)g_ptr_array_unref);

  if ((codes = select_scoped (conn, "SELECT code, label, attended, credits_time FROM outcome_codes",
                              team, other_than_device, error))
          == NULL
      || (sessions = select_scoped (conn,
                                    "SELECT id, (extract(epoch FROM starts_at) * 1000)::bigint"
                                    " FROM sessions WHERE $1::text IS NULL OR team = $1",
                                    team, other_than_device, error))
             == NULL
      || (people
          = select_scoped (conn,
                           "SELECT id, team, case_ref, display_name, restricted,"
                           " disposal_type, (extract(epoch FROM disposal_at) * 1000)::bigint,"
                           " minutes_ordered, minutes_credited FROM participants"
                           " WHERE $1::text IS NULL OR team = $1 ORDER BY case_ref, id",
                           team, other_than_device, error))
             == NULL
      || (events = select_scoped (conn, ATTENDANCE_SQL, team, other_than_device, error)) == NULL
      || (assignments = select_scoped (conn,
                                       "SELECT session, participant FROM assignments"
                                       " WHERE $1::text IS NULL OR team = $1",
                                       team, other_than_device, error))
             == NULL)
    return NULL;

  for (int i = 0; i < PQntuples (codes); i++)
    {
      Outcome *outcome = g_new0 (Outcome, 1);

      outcome->label = g_strdup (PQgetvalue (codes, i, 1));
      outcome->attended = is_true (codes, i, 2);
      outcome->credits_time = is_true (codes, i, 3);
      g_hash_table_insert (outcomes, g_strdup (PQgetvalue (codes, i, 0)), outcome);
    }
  for (int i = 0; i < PQntuples (sessions); i++)
    g_hash_table_insert (
        starts, g_strdup (PQgetvalue (sessions, i, 0)),
        g_memdup2 (&(gint64){ mend_hq_result_ms (sessions, i, 1) }, sizeof (gint64)));
  for (int i = 0; i < PQntuples (people); i++)
    {
      MendHqPerson *person = g_new0 (MendHqPerson, 1);

      person->id = g_strdup (PQgetvalue (people, i, 0));
      person->team = g_strdup (PQgetvalue (people, i, 1));
      person->case_ref = g_strdup (PQgetvalue (people, i, 2));
      person->display_name = dup_or_null (people, i, 3);
      person->restricted = is_true (people, i, 4);
      person->disposal_type = g_strdup (PQgetvalue (people, i, 5));
      person->disposal_ms = mend_hq_result_ms (people, i, 6);
      person->minutes_ordered = atoi (PQgetvalue (people, i, 7));
      person->minutes_credited_before = atoi (PQgetvalue (people, i, 8));
      person->visits = g_ptr_array_new ();
      g_hash_table_insert (ledger->people, person->id, person);
      g_ptr_array_add (ledger->by_name, person);
    }

  for (int i = 0; i < PQntuples (events); i++)
    fold_event (
        visit_lookup (ledger, by_key, PQgetvalue (events, i, 0), PQgetvalue (events, i, 1), starts),
        events, i, outcomes);
  /* People expected and not yet seen. */
  for (int i = 0; i < PQntuples (assignments); i++)
    visit_lookup (ledger, by_key, PQgetvalue (assignments, i, 0), PQgetvalue (assignments, i, 1),
                  starts);

  for (guint i = 0; i < ledger->visits->len; i++)
    {
      MendHqVisit *visit = g_ptr_array_index (ledger->visits, i);
      MendHqPerson *person = g_hash_table_lookup (ledger->people, visit->participant_id);
      GPtrArray *of_session = g_hash_table_lookup (ledger->sessions, visit->session_id);

      if (person != NULL)
        g_ptr_array_add (person->visits, visit);
      if (of_session == NULL)
        {
          of_session = g_ptr_array_new ();
          g_hash_table_insert (ledger->sessions, visit->session_id, of_session);
        }
      g_ptr_array_add (of_session, visit);
    }
  for (guint i = 0; i < ledger->by_name->len; i++)
    credit_person (g_ptr_array_index (ledger->by_name, i), outcomes);
  return g_steal_pointer (&ledger);
}

/**
 * mend_hq_ledger_session_visits:
 *
 * Returns: (transfer none) (nullable): the visits of one session, in the order HQ first saw
 *   each person there; %NULL when nobody is assigned and nothing was recorded.
 */
GPtrArray *
mend_hq_ledger_session_visits (MendHqLedger *ledger, const char *session_id)
{
  return g_hash_table_lookup (ledger->sessions, session_id);
}
