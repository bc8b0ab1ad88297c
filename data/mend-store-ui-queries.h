/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Reads the touch interface needs beyond mend-store.h: who may unlock the device, one person's
 * history for corrections, and what waits to be sent to HQ. On the reader connection. */
#pragma once

#include "mend-store.h"

G_BEGIN_DECLS

typedef struct
{
  char *id;
  char *name;
  gboolean has_pin;
} MendSupervisorRow;

/* One live or voided record about a person, newest first, as the Correct page lists it. */
typedef struct
{
  char *event_id;
  MendEventKind kind;
  char *session_id;
  char *site_name;
  gint64 occurred_at_ms;
  char *outcome;   /* check-outs only, else NULL */
  char *voided_by; /* the void's id, or NULL while the record stands */
} MendHistoryRow;

/* What waits to go to HQ. */
typedef struct
{
  gint64 events_pending;
  gint64 events_parked;
  gint64 photos_pending;
  gint64 photo_bytes_pending; /* bytes HQ has not confirmed yet, over the photos waiting */
  gint64 event_bytes_pending; /* canonical payload bytes of the events waiting */
} MendBacklog;

GPtrArray *mend_store_list_supervisors (MendStore *self, GError **error);
GPtrArray *
mend_store_list_person_history (MendStore *self, const char *participant_id, GError **error);
gboolean mend_store_get_backlog (MendStore *self, MendBacklog *out_backlog, GError **error);

void mend_supervisor_row_free (MendSupervisorRow *row);
void mend_history_row_free (MendHistoryRow *row);

G_END_DECLS
