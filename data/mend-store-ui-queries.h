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

/* Whether a record carries notes, and in which form; the text itself is never listed. */
typedef enum
{
  MEND_HISTORY_NOTE_NONE,
  MEND_HISTORY_NOTE_PLAIN,  /* kept as text: the device was never enrolled (demo, training) */
  MEND_HISTORY_NOTE_SEALED, /* sealed to HQ's key: only HQ can read it */
} MendHistoryNote;

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
  MendHistoryNote note;
  MendHistoryNote alert_details; /* a check-out's details for the referrer, in the same forms */
} MendHistoryRow;

/* What waits to go to HQ. */
typedef struct
{
  gint64 events_pending;
  gint64 events_parked;
  gint64 photos_pending;
  gint64 photo_bytes_pending; /* bytes HQ has not confirmed yet, over the photos waiting */
  /* Payload bytes of the events waiting: an estimate, the newest MEND_BACKLOG_SAMPLE pending
   * events' average times their number, so that a year of unsent history is not read whole. */
  gint64 event_bytes_pending;
} MendBacklog;

#define MEND_BACKLOG_SAMPLE 256

GPtrArray *mend_store_list_supervisors (MendStore *self, GError **error);
GPtrArray *
mend_store_list_person_history (MendStore *self, const char *participant_id, GError **error);
gboolean mend_store_get_backlog (MendStore *self, MendBacklog *out_backlog, GError **error);
void mend_store_get_backlog_async (MendStore *self,
                                   GCancellable *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data);
gboolean mend_store_get_backlog_finish (MendStore *self,
                                        GAsyncResult *result,
                                        MendBacklog *out_backlog,
                                        GError **error);

void mend_supervisor_row_free (MendSupervisorRow *row);
void mend_history_row_free (MendHistoryRow *row);

G_END_DECLS
