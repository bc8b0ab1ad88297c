/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Plain rows the store's reads return. Each comes in a GPtrArray that frees it. */
#pragma once

#include <glib.h>

#include "mend-command.h"
#include "mend-types.h"

G_BEGIN_DECLS

struct _MendSite
{
  char *id;
  char *name;
  char *address;
  char *boundary; /* GeoJSON */
  double centre_lat;
  double centre_lon;
  gboolean demo;
};

struct _MendSessionRow
{
  char *id;
  char *site_id;
  char *site_name;
  char *supervisor_id;
  char *supervisor_name;
  gint64 starts_at_ms;
  gint64 ends_at_ms;
  MendSessionState state;
  int expected; /* assigned, whatever their state */
  int on_site;
  int done;
  int absent;
};

struct _MendRosterRow
{
  char *participant_id;
  char *case_ref;
  char *name; /* NULL for restricted people: show the case reference only */
  gboolean restricted;
  MendAttendanceState state;
  gboolean briefed;
  gint64 arrived_at_ms;  /* 0 until checked in */
  gint64 finished_at_ms; /* 0 until checked out */
  int penalty_minutes;
  char *outcome;
  char *quality;
  char *behaviour;
  int minutes_credited; /* in this session */
  int minutes_owed;     /* still owed after everything recorded here */
};

typedef struct
{
  char *code;
  char *label;
  char *hint;
  gboolean attended;
  gboolean credits_time;
  gboolean alerts_referrer;
} MendOutcomeRow;

struct _MendTallyRow
{
  char *id;
  char *label;
  char *unit;
  gint64 total;
};

struct _MendEventRow
{
  gint64 seq;
  char *id;
  char *kind;
  char *session_id;
  char *participant_id;
  char *supervisor_id;
  gint64 recorded_at_ms;
  gint64 occurred_at_ms;
  MendFix fix;
  gboolean has_clock_skew;
  gint64 clock_skew_ms; /* device clock minus satellite time, when over 2 minutes */
  char *payload;        /* canonical JSON, sensitive text already redacted */
  char *prev_hash;
  char *hash;
  char *sync_state;
  char *voided_by; /* the void event's id, or NULL */
};

struct _MendStatus
{
  char *path;
  char *device_id;
  int schema_version;
  gboolean demo;
  gint64 n_events;
  gint64 n_pending;
  gint64 n_parked;
  gint64 n_acknowledged;
  gint64 head_seq;
  char *head_hash;
  gint64 n_sessions;
  gint64 n_participants;
};

const char *mend_attendance_state_to_string (MendAttendanceState state);
MendAttendanceState mend_attendance_state_from_string (const char *state);
const char *mend_session_state_to_string (MendSessionState state);

void mend_site_free (MendSite *row);
void mend_session_row_free (MendSessionRow *row);
void mend_roster_row_free (MendRosterRow *row);
void mend_outcome_row_free (MendOutcomeRow *row);
void mend_tally_row_free (MendTallyRow *row);
void mend_event_row_free (MendEventRow *row);
void mend_status_free (MendStatus *status);

char *mend_payload_redact (const char *payload_json);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MendSessionRow, mend_session_row_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MendStatus, mend_status_free)

G_END_DECLS
