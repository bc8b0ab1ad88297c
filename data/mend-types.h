/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Forward declarations for the data layer, so its headers never include each other in circles. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _MendStore MendStore;
typedef struct _MendCommand MendCommand;
typedef struct _MendCheckOut MendCheckOut;
typedef struct _MendFix MendFix;
typedef struct _MendSite MendSite;
typedef struct _MendSessionRow MendSessionRow;
typedef struct _MendRosterRow MendRosterRow;
typedef struct _MendTallyRow MendTallyRow;
typedef struct _MendEventRow MendEventRow;
typedef struct _MendStatus MendStatus;

/* What a person's attendance at one session looks like, as the projection sees it. */
typedef enum
{
  MEND_ATTENDANCE_EXPECTED,
  MEND_ATTENDANCE_ON_SITE,
  MEND_ATTENDANCE_DONE,
  MEND_ATTENDANCE_ABSENT,
} MendAttendanceState;

typedef enum
{
  MEND_SESSION_NOT_STARTED,
  MEND_SESSION_RUNNING,
  MEND_SESSION_ENDED,
} MendSessionState;

typedef enum
{
  MEND_EVENT_SESSION_STARTED,
  MEND_EVENT_SESSION_ENDED,
  MEND_EVENT_CHECKED_IN,
  MEND_EVENT_BRIEFED,
  MEND_EVENT_CHECKED_OUT,
  MEND_EVENT_ABSENT,
  MEND_EVENT_TALLY_ADJUSTED,
  MEND_EVENT_PHOTO_TAKEN,
  MEND_EVENT_NOTE_ADDED,
  MEND_EVENT_INCIDENT_REPORTED,
  MEND_EVENT_VOIDED,
  MEND_EVENT_N_KINDS,
} MendEventKind;

/* What a photo shows: the site before the work, after it, or evidence of something. */
typedef enum
{
  MEND_PHOTO_ROLE_BEFORE,
  MEND_PHOTO_ROLE_AFTER,
  MEND_PHOTO_ROLE_EVIDENCE,
} MendPhotoRole;

G_END_DECLS
