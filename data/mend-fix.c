/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-fix"

#include "config.h"

#include "mend-fix.h"

#include <math.h>
#include <string.h>

static const char *const state_names[] = {
  [MEND_FIX_STATE_OFF] = "off",       [MEND_FIX_STATE_NO_GPSD] = "no_gpsd",
  [MEND_FIX_STATE_NO_FIX] = "no_fix", [MEND_FIX_STATE_FIX] = "fix",
  [MEND_FIX_STATE_STALE] = "stale",
};

/**
 * mend_fix_init:
 * @state: what the GPS said
 * @note: (nullable): why, in words a supervisor understands
 *
 * Resets @fix to no position, with @state and @note.
 */
void
mend_fix_init (MendFix *fix, MendFixState state, const char *note)
{
  g_return_if_fail (fix != NULL);

  memset (fix, 0, sizeof *fix);
  fix->state = state;
  fix->latitude = NAN;
  fix->longitude = NAN;
  fix->altitude = NAN;
  fix->horizontal_error = NAN;
  fix->satellites = -1;
  fix->age_ms = -1;
  g_strlcpy (fix->note, note ? note : "", sizeof fix->note);
}

/**
 * mend_fix_has_position:
 *
 * Returns: whether @fix holds a position (current or stale).
 */
gboolean
mend_fix_has_position (const MendFix *fix)
{
  return fix != NULL && (fix->state == MEND_FIX_STATE_FIX || fix->state == MEND_FIX_STATE_STALE)
         && fix->mode >= 2 && !isnan (fix->latitude) && !isnan (fix->longitude);
}

const char *
mend_fix_state_to_string (MendFixState state)
{
  g_return_val_if_fail (state <= MEND_FIX_STATE_STALE, "off");
  return state_names[state];
}

gboolean
mend_fix_state_from_string (const char *text, MendFixState *out_state)
{
  for (guint i = 0; i < G_N_ELEMENTS (state_names); i++)
    if (g_strcmp0 (state_names[i], text) == 0)
      {
        *out_state = i;
        return TRUE;
      }
  return FALSE;
}

/**
 * mend_fix_clock_skew_ms:
 * @device_time_ms: the device clock when the record was made
 * @out_skew_ms: (out): device clock minus satellite time
 *
 * The satellite clock is right; the device clock may not be. The satellite time "now" is the
 * fix's GNSS time plus the fix's age.
 *
 * Returns: %TRUE when the clocks differ by more than %MEND_CLOCK_SKEW_LIMIT_MS.
 */
gboolean
mend_fix_clock_skew_ms (const MendFix *fix, gint64 device_time_ms, gint64 *out_skew_ms)
{
  gint64 skew;

  if (!mend_fix_has_position (fix) || fix->gnss_time_ms <= 0)
    return FALSE;
  skew = device_time_ms - (fix->gnss_time_ms + MAX (fix->age_ms, 0));
  if (ABS (skew) <= MEND_CLOCK_SKEW_LIMIT_MS)
    return FALSE;
  *out_skew_ms = skew;
  return TRUE;
}
