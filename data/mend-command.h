/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A command is what the supervisor asked to record; the store checks it against the rules
 * and, if they allow it, turns it into one event. */
#pragma once

#include <glib-object.h>

#include "mend-fix.h"
#include "mend-types.h"

G_BEGIN_DECLS

struct _MendCheckOut
{
  const char *outcome;
  gint64 arrived_at_ms;  /* 0: the check-in time */
  gint64 finished_at_ms; /* 0: now */
  int penalty_minutes;
  const char *quality;   /* NULL: "not_applicable" */
  const char *behaviour; /* NULL: "not_applicable" */
  const char *notes;
  gboolean sensitive;
  gboolean alert_referrer;
  const char *alert_details; /* what the referrer must know; only with alert_referrer */
};

#define MEND_TYPE_COMMAND (mend_command_get_type ())

GType mend_command_get_type (void) G_GNUC_CONST;

MendCommand *mend_command_start_session (const char *session_id);
MendCommand *mend_command_end_session (const char *session_id);
MendCommand *mend_command_check_in (const char *session_id, const char *participant_id);
MendCommand *mend_command_brief (const char *session_id, const char *participant_id);
MendCommand *mend_command_check_out (const char *session_id,
                                     const char *participant_id,
                                     const MendCheckOut *details);
MendCommand *
mend_command_absent (const char *session_id, const char *participant_id, const char *notes);
MendCommand *mend_command_tally (const char *session_id, const char *category_id, int delta);
MendCommand *mend_command_void (const char *event_id, const char *reason);

void mend_command_set_occurred_at (MendCommand *self, gint64 occurred_at_ms);
void mend_command_set_supervisor (MendCommand *self, const char *supervisor_id);
void mend_command_set_fix (MendCommand *self, const MendFix *fix);
void mend_command_set_geofence_reason (MendCommand *self, const char *reason);

MendEventKind mend_command_get_kind (const MendCommand *self);

MendCommand *mend_command_copy (const MendCommand *self);
void mend_command_free (MendCommand *self);

const char *mend_event_kind_to_string (MendEventKind kind);
gboolean mend_event_kind_from_string (const char *text, MendEventKind *out_kind);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MendCommand, mend_command_free)

G_END_DECLS
