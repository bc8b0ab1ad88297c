/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Attendance and hours as HQ folds them from the events devices pushed: the one fold the
 * dashboard shows and the manifest tells devices (PROTOCOL.md section 12, minutes_credited). */
#pragma once

#include <glib.h>
#include <libpq-fe.h>

#include "mend-types.h"

G_BEGIN_DECLS

/* The events that count, as a subquery: stored (not refused by a rule), not a void and not
 * voided; `c` is the canonical event (session, participant, occurred_at, fix). */
#define MEND_HQ_LIVE_EVENTS                                                                        \
  "(SELECT e.id, e.kind, e.device, e.seq, e.payload,"                                              \
  " convert_from (e.canonical, 'UTF8')::jsonb AS c FROM events e"                                  \
  " WHERE e.status = 'stored' AND e.kind <> 'event.voided' AND NOT EXISTS"                         \
  " (SELECT 1 FROM events v WHERE v.status = 'stored' AND v.kind = 'event.voided'"                 \
  " AND v.payload ->> 'target' = e.id))"

typedef struct
{
  char *session_id;
  char *participant_id;
  gint64 session_starts_ms; /* 0 when the session is no longer in the reference data */
  MendAttendanceState state;
  gint64 arrived_ms;  /* check-out's arrival, else the check-in's time; 0 when neither */
  gint64 finished_ms; /* 0 until checked out */
  int penalty_minutes;
  char *outcome;
  char *outcome_label;
  gboolean attended; /* the outcome code says the person attended */
  int minutes_credited;
  char *verdict; /* the check-in's geofence verdict and reason, or NULL */
  char *reason;
} MendHqVisit;

typedef struct
{
  char *id;
  char *team;
  char *case_ref;
  char *display_name;
  gboolean restricted;
  char *disposal_type;
  gint64 disposal_ms; /* 0 when unknown */
  int minutes_ordered;
  int minutes_credited_before;
  int minutes_credited; /* before Mend and through it */
  int minutes_owed;
  gint64 first_attended_ms; /* 0 until the person first attended */
  GPtrArray *visits;        /* of MendHqVisit, borrowed from the ledger, oldest first */
} MendHqPerson;

typedef struct
{
  GPtrArray *visits;    /* of MendHqVisit */
  GHashTable *sessions; /* session id → GPtrArray of its visits, borrowed */
  GHashTable *people;   /* id → MendHqPerson */
  GPtrArray *by_name;   /* of MendHqPerson, by case reference */
} MendHqLedger;

MendHqLedger *
mend_hq_ledger_read (PGconn *conn, const char *team, const char *other_than_device, GError **error);
void mend_hq_ledger_free (MendHqLedger *ledger);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MendHqLedger, mend_hq_ledger_free)
GPtrArray *mend_hq_ledger_session_visits (MendHqLedger *ledger, const char *session_id);
gint64 mend_hq_result_ms (PGresult *result, int row, int column);

G_END_DECLS
