/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-command"

#include "config.h"

#include "mend-command-private.h"

#include <math.h>
#include <string.h>

G_DEFINE_BOXED_TYPE (MendCommand, mend_command, mend_command_copy, mend_command_free)

/* The names on the wire and in the store, indexed by MendEventKind. */
static const char *const kind_names[MEND_EVENT_N_KINDS] = {
  [MEND_EVENT_SESSION_STARTED] = "session.started",
  [MEND_EVENT_SESSION_ENDED] = "session.ended",
  [MEND_EVENT_CHECKED_IN] = "attendance.checked_in",
  [MEND_EVENT_BRIEFED] = "attendance.briefed",
  [MEND_EVENT_CHECKED_OUT] = "attendance.checked_out",
  [MEND_EVENT_ABSENT] = "attendance.absent",
  [MEND_EVENT_TALLY_ADJUSTED] = "tally.adjusted",
  [MEND_EVENT_PHOTO_TAKEN] = "photo.taken",
  [MEND_EVENT_NOTE_ADDED] = "note.added",
  [MEND_EVENT_INCIDENT_REPORTED] = "incident.reported",
  [MEND_EVENT_VOIDED] = "event.voided",
};

const char *
mend_event_kind_to_string (MendEventKind kind)
{
  g_return_val_if_fail (kind < MEND_EVENT_N_KINDS, NULL);
  return kind_names[kind];
}

gboolean
mend_event_kind_from_string (const char *text, MendEventKind *out_kind)
{
  for (guint i = 0; i < MEND_EVENT_N_KINDS; i++)
    if (g_strcmp0 (kind_names[i], text) == 0)
      {
        *out_kind = i;
        return TRUE;
      }
  return FALSE;
}

MendCommand *
mend_command_new (MendEventKind kind, const char *session_id, const char *participant_id)
{
  MendCommand *self = g_new0 (MendCommand, 1);

  self->kind = kind;
  self->session_id = g_strdup (session_id);
  self->participant_id = g_strdup (participant_id);
  mend_fix_init (&self->fix, MEND_FIX_STATE_OFF, NULL);
  return self;
}

MendCommand *
mend_command_start_session (const char *session_id)
{
  g_return_val_if_fail (session_id != NULL, NULL);
  return mend_command_new (MEND_EVENT_SESSION_STARTED, session_id, NULL);
}

MendCommand *
mend_command_end_session (const char *session_id)
{
  g_return_val_if_fail (session_id != NULL, NULL);
  return mend_command_new (MEND_EVENT_SESSION_ENDED, session_id, NULL);
}

MendCommand *
mend_command_check_in (const char *session_id, const char *participant_id)
{
  g_return_val_if_fail (session_id != NULL && participant_id != NULL, NULL);
  return mend_command_new (MEND_EVENT_CHECKED_IN, session_id, participant_id);
}

MendCommand *
mend_command_brief (const char *session_id, const char *participant_id)
{
  g_return_val_if_fail (session_id != NULL && participant_id != NULL, NULL);
  return mend_command_new (MEND_EVENT_BRIEFED, session_id, participant_id);
}

/**
 * mend_command_check_out:
 * @details: the check-out form; strings are copied
 */
MendCommand *
mend_command_check_out (const char *session_id,
                        const char *participant_id,
                        const MendCheckOut *details)
{
  MendCommand *self;

  g_return_val_if_fail (session_id != NULL && participant_id != NULL, NULL);
  g_return_val_if_fail (details != NULL, NULL);

  self = mend_command_new (MEND_EVENT_CHECKED_OUT, session_id, participant_id);
  self->outcome = g_strdup (details->outcome);
  self->arrived_at_ms = details->arrived_at_ms;
  self->finished_at_ms = details->finished_at_ms;
  self->penalty_minutes = details->penalty_minutes;
  self->quality = g_strdup (details->quality ? details->quality : "not_applicable");
  self->behaviour = g_strdup (details->behaviour ? details->behaviour : "not_applicable");
  self->notes = g_strdup (details->notes);
  self->sensitive = details->sensitive;
  self->alert_referrer = details->alert_referrer;
  self->alert_details = g_strdup (details->alert_details);
  return self;
}

MendCommand *
mend_command_absent (const char *session_id, const char *participant_id, const char *notes)
{
  MendCommand *self;

  g_return_val_if_fail (session_id != NULL && participant_id != NULL, NULL);

  self = mend_command_new (MEND_EVENT_ABSENT, session_id, participant_id);
  self->notes = g_strdup (notes);
  return self;
}

MendCommand *
mend_command_tally (const char *session_id, const char *category_id, int delta)
{
  MendCommand *self;

  g_return_val_if_fail (session_id != NULL && category_id != NULL, NULL);

  self = mend_command_new (MEND_EVENT_TALLY_ADJUSTED, session_id, NULL);
  self->category_id = g_strdup (category_id);
  self->delta = delta;
  return self;
}

MendCommand *
mend_command_void (const char *event_id, const char *reason)
{
  MendCommand *self;

  g_return_val_if_fail (event_id != NULL, NULL);

  self = mend_command_new (MEND_EVENT_VOIDED, NULL, NULL);
  self->target_event_id = g_strdup (event_id);
  self->reason = g_strdup (reason);
  return self;
}

/**
 * mend_command_set_occurred_at:
 * @occurred_at_ms: when the supervisor says it happened; 0 for the moment of commit
 */
void
mend_command_set_occurred_at (MendCommand *self, gint64 occurred_at_ms)
{
  g_return_if_fail (self != NULL);
  self->occurred_at_ms = occurred_at_ms;
}

/**
 * mend_command_set_supervisor:
 * @supervisor_id: (nullable): who records it; %NULL for the session's supervisor
 */
void
mend_command_set_supervisor (MendCommand *self, const char *supervisor_id)
{
  g_return_if_fail (self != NULL);
  g_free (self->supervisor_id);
  self->supervisor_id = g_strdup (supervisor_id);
}

/**
 * mend_command_set_fix:
 * @fix: (nullable): the fix in effect, or why there was none; %NULL when GPS was not asked
 */
void
mend_command_set_fix (MendCommand *self, const MendFix *fix)
{
  g_return_if_fail (self != NULL);

  if (fix == NULL)
    mend_fix_init (&self->fix, MEND_FIX_STATE_OFF, NULL);
  else
    self->fix = *fix;
}

/**
 * mend_command_set_geofence_reason:
 * @reason: (nullable): why a session start or check-in happens outside the site's boundary
 */
void
mend_command_set_geofence_reason (MendCommand *self, const char *reason)
{
  g_return_if_fail (self != NULL);
  g_free (self->geofence_reason);
  self->geofence_reason = g_strdup (reason);
}

MendEventKind
mend_command_get_kind (const MendCommand *self)
{
  g_return_val_if_fail (self != NULL, MEND_EVENT_N_KINDS);
  return self->kind;
}

MendCommand *
mend_command_copy (const MendCommand *self)
{
  MendCommand *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_memdup2 (self, sizeof *self);
  copy->session_id = g_strdup (self->session_id);
  copy->participant_id = g_strdup (self->participant_id);
  copy->supervisor_id = g_strdup (self->supervisor_id);
  copy->outcome = g_strdup (self->outcome);
  copy->quality = g_strdup (self->quality);
  copy->behaviour = g_strdup (self->behaviour);
  copy->notes = g_strdup (self->notes);
  copy->alert_details = g_strdup (self->alert_details);
  copy->category_id = g_strdup (self->category_id);
  copy->target_event_id = g_strdup (self->target_event_id);
  copy->reason = g_strdup (self->reason);
  copy->geofence_reason = g_strdup (self->geofence_reason);
  copy->photo_sha256 = g_strdup (self->photo_sha256);
  return copy;
}

void
mend_command_free (MendCommand *self)
{
  if (self == NULL)
    return;
  g_free (self->session_id);
  g_free (self->participant_id);
  g_free (self->supervisor_id);
  g_free (self->outcome);
  g_free (self->quality);
  g_free (self->behaviour);
  g_free (self->notes);
  g_free (self->alert_details);
  g_free (self->category_id);
  g_free (self->target_event_id);
  g_free (self->reason);
  g_free (self->geofence_reason);
  g_free (self->photo_sha256);
  g_free (self);
}
