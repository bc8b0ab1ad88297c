/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The position a record was taken with, or plainly why there was none. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  MEND_FIX_STATE_OFF,     /* GPS was not asked (mendctl --no-gps) */
  MEND_FIX_STATE_NO_GPSD, /* gpsd could not be reached */
  MEND_FIX_STATE_NO_FIX,  /* gpsd answers, the receiver has no fix */
  MEND_FIX_STATE_FIX,     /* a current fix */
  MEND_FIX_STATE_STALE,   /* the last fix is older than the limit */
} MendFixState;

/* Clocks further apart than this are recorded as clock skew. */
#define MEND_CLOCK_SKEW_LIMIT_MS (2 * 60 * 1000)

#define MEND_FIX_NOTE_MAX 160

typedef struct _MendFix MendFix;

struct _MendFix
{
  MendFixState state;
  int mode;        /* 0 none, 2 for 2D, 3 for 3D */
  double latitude; /* degrees, WGS 84 */
  double longitude;
  double altitude;              /* metres; NAN when unknown */
  double horizontal_error;      /* metres; NAN when unknown */
  gint64 gnss_time_ms;          /* satellite time of the fix, UTC ms; 0 when unknown */
  int satellites;               /* satellites used; -1 when unknown */
  gint64 age_ms;                /* how old the fix was when taken; -1 when unknown */
  char note[MEND_FIX_NOTE_MAX]; /* why there is no fix, or why it is stale; "" when current */
};

void mend_fix_init (MendFix *fix, MendFixState state, const char *note);
gboolean mend_fix_has_position (const MendFix *fix);
const char *mend_fix_state_to_string (MendFixState state);
gboolean mend_fix_state_from_string (const char *text, MendFixState *out_state);
gboolean mend_fix_clock_skew_ms (const MendFix *fix, gint64 device_time_ms, gint64 *out_skew_ms);

G_END_DECLS
