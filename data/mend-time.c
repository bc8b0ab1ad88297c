/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-time"

#include "config.h"

#include "mend-time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every stored time is UTC milliseconds since the epoch; only display and parsing use the
 * local zone, because that is what the supervisor reads on the handheld's clock. */

/**
 * mend_time_now_ms:
 *
 * Returns: the device clock as UTC milliseconds since the epoch.
 */
gint64
mend_time_now_ms (void)
{
  return g_get_real_time () / 1000;
}

static GDateTime *
local_from_ms (gint64 ms)
{
  g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (0);
  g_autoptr (GDateTime) at = g_date_time_add (utc, ms * 1000);

  return g_date_time_to_local (at);
}

/**
 * mend_time_format_ms:
 * @ms: UTC milliseconds since the epoch
 *
 * Returns: (transfer full): ISO 8601 in local time with its offset, to the second.
 */
char *
mend_time_format_ms (gint64 ms)
{
  g_autoptr (GDateTime) local = local_from_ms (ms);

  return g_date_time_format (local, "%Y-%m-%dT%H:%M:%S%:z");
}

/**
 * mend_time_format_hh_mm:
 * @ms: UTC milliseconds since the epoch
 *
 * Returns: (transfer full): local "HH:MM".
 */
char *
mend_time_format_hh_mm (gint64 ms)
{
  g_autoptr (GDateTime) local = local_from_ms (ms);

  return g_date_time_format (local, "%H:%M");
}

/**
 * mend_time_parse:
 * @text: "HH:MM" (local, on the day of @day_ms) or a full ISO 8601 date-time
 * @day_ms: any moment of the day that "HH:MM" refers to
 * @out_ms: (out): the parsed time
 *
 * Returns: %TRUE on success; otherwise @error says what was expected.
 */
gboolean
mend_time_parse (const char *text, gint64 day_ms, gint64 *out_ms, GError **error)
{
  g_return_val_if_fail (text != NULL, FALSE);

  if (strlen (text) == 5 && text[2] == ':' && g_ascii_isdigit (text[0]) && g_ascii_isdigit (text[1])
      && g_ascii_isdigit (text[3]) && g_ascii_isdigit (text[4]))
    {
      int hour = atoi (text);
      int minute = atoi (text + 3);
      g_autoptr (GDateTime) day = local_from_ms (day_ms);
      g_autoptr (GDateTime) at = NULL;

      if (hour > 23 || minute > 59)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "“%s” is not a time of day (expected HH:MM, 00:00 to 23:59)", text);
          return FALSE;
        }
      at = g_date_time_new_local (g_date_time_get_year (day), g_date_time_get_month (day),
                                  g_date_time_get_day_of_month (day), hour, minute, 0);
      *out_ms = g_date_time_to_unix (at) * 1000;
      return TRUE;
    }
  else
    {
      g_autoptr (GTimeZone) local = g_time_zone_new_local ();
      g_autoptr (GDateTime) at = g_date_time_new_from_iso8601 (text, local);

      if (at == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "“%s” is not a time (expected HH:MM or an ISO 8601 date and time)", text);
          return FALSE;
        }
      *out_ms = g_date_time_to_unix (at) * 1000 + g_date_time_get_microsecond (at) / 1000;
      return TRUE;
    }
}

/**
 * mend_time_local_day_bounds:
 * @date: "YYYY-MM-DD", "today", "tomorrow" or "yesterday"
 * @out_start_ms: (out): local midnight that starts the day
 * @out_end_ms: (out): local midnight that ends it
 *
 * Returns: %TRUE on success.
 */
gboolean
mend_time_local_day_bounds (const char *date,
                            gint64 *out_start_ms,
                            gint64 *out_end_ms,
                            GError **error)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autoptr (GDateTime) start = NULL;
  g_autoptr (GDateTime) end = NULL;
  int year, month, day;
  int offset = 0;

  if (g_strcmp0 (date, "today") == 0 || g_strcmp0 (date, "tomorrow") == 0
      || g_strcmp0 (date, "yesterday") == 0)
    {
      offset = date[0] == 't' ? (date[2] == 'd' ? 0 : 1) : -1;
      g_date_time_get_ymd (now, &year, &month, &day);
    }
  else if (date == NULL || sscanf (date, "%4d-%2d-%2d", &year, &month, &day) != 3
           || !g_date_valid_dmy (day, month, year))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "“%s” is not a date (expected YYYY-MM-DD, today, tomorrow or yesterday)",
                   date ? date : "");
      return FALSE;
    }

  start = g_date_time_new_local (year, month, day, 0, 0, 0);
  if (offset != 0)
    {
      GDateTime *shifted = g_date_time_add_days (start, offset);
      g_date_time_unref (start);
      start = shifted;
    }
  end = g_date_time_add_days (start, 1);
  *out_start_ms = g_date_time_to_unix (start) * 1000;
  *out_end_ms = g_date_time_to_unix (end) * 1000;
  return TRUE;
}

/**
 * mend_time_today_at:
 * @hour: local hour
 * @minute: local minute
 * @day_offset: days from today (0 today, 1 tomorrow)
 *
 * Returns: that local time as UTC milliseconds.
 */
gint64
mend_time_today_at (int hour, int minute, int day_offset)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autoptr (GDateTime) day = NULL;
  g_autoptr (GDateTime) at = NULL;
  int year, month, dom;

  g_date_time_get_ymd (now, &year, &month, &dom);
  day = g_date_time_new_local (year, month, dom, 12, 0, 0);
  at = g_date_time_add_days (day, day_offset);
  g_date_time_get_ymd (at, &year, &month, &dom);
  g_clear_pointer (&at, g_date_time_unref);
  at = g_date_time_new_local (year, month, dom, hour, minute, 0);
  return g_date_time_to_unix (at) * 1000;
}
