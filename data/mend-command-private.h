/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "mend-command.h"

G_BEGIN_DECLS

struct _MendCommand
{
  MendEventKind kind;
  char *session_id;
  char *participant_id;
  char *supervisor_id;
  gint64 occurred_at_ms; /* 0: the moment of commit */
  MendFix fix;

  /* check-out */
  char *outcome;
  gint64 arrived_at_ms;
  gint64 finished_at_ms;
  int penalty_minutes;
  char *quality;
  char *behaviour;
  gboolean sensitive;
  gboolean alert_referrer;
  char *alert_details;

  /* check-out, absent */
  char *notes;

  /* tally */
  char *category_id;
  int delta;

  /* session start, check-in: why the record was made outside the site's boundary */
  char *geofence_reason;

  /* void */
  char *target_event_id;
  char *reason;

  /* photo */
  MendPhotoRole photo_role;
  char *photo_sha256;
  gint64 photo_bytes;
  int photo_width;
  int photo_height;
};

/* A command of @kind with nothing else set; the fix says GPS was not asked. */
MendCommand *
mend_command_new (MendEventKind kind, const char *session_id, const char *participant_id);

G_END_DECLS
