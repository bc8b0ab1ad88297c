/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-sync"

#include "config.h"

#include "mend-wire-private.h"

#include <string.h>

/* The header values the protocol gives a meaning to: HQ's Date (the device's clock check) and
 * the resumable upload's Upload-Offset, Upload-Length and Upload-Complete. Header values come
 * from the network like bodies do, and are read as strictly. */

static const char *const weekdays[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
static const char *const months[]
    = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

static gboolean
read_digits (const char *text, guint n, int *out)
{
  *out = 0;
  for (guint i = 0; i < n; i++)
    {
      if (!g_ascii_isdigit (text[i]))
        return FALSE;
      *out = *out * 10 + (text[i] - '0');
    }
  return TRUE;
}

static int
name_index (const char *text, const char *const *names, guint n_names)
{
  for (guint i = 0; i < n_names; i++)
    if (strncmp (text, names[i], 3) == 0)
      return (int)i;
  return -1;
}

/**
 * mend_wire_parse_http_date:
 * @value: a Date header, IMF-fixdate ("Wed, 26 Nov 2025 09:05:00 GMT")
 * @out_ms: (out): the time, UTC milliseconds since 1970
 *
 * Only the one format RFC 9110 says senders use; HQ sends nothing else.
 */
gboolean
mend_wire_parse_http_date (const char *value, gint64 *out_ms, GError **error)
{
  g_autoptr (GDateTime) time = NULL;
  int weekday, day, month, year, hour, minute, second;

  g_return_val_if_fail (out_ms != NULL, FALSE);

  if (value == NULL || strlen (value) != 29 || value[3] != ',' || value[4] != ' ' || value[7] != ' '
      || value[11] != ' ' || value[16] != ' ' || value[19] != ':' || value[22] != ':'
      || value[25] != ' ' || strcmp (value + 26, "GMT") != 0
      || (weekday = name_index (value, weekdays, G_N_ELEMENTS (weekdays))) < 0
      || (month = name_index (value + 8, months, G_N_ELEMENTS (months))) < 0
      || !read_digits (value + 5, 2, &day) || !read_digits (value + 12, 4, &year)
      || !read_digits (value + 17, 2, &hour) || !read_digits (value + 20, 2, &minute)
      || !read_digits (value + 23, 2, &second)
      || (time = g_date_time_new_utc (year, month + 1, day, hour, minute, second)) == NULL
      || g_date_time_get_day_of_week (time) != weekday + 1)
    {
      g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED,
                   "Date \"%.40s\" is not an HTTP date", value != NULL ? value : "");
      return FALSE;
    }
  *out_ms = g_date_time_to_unix (time) * 1000;
  return TRUE;
}

/**
 * mend_wire_format_http_date:
 *
 * Returns: (transfer full): @unix_ms as an IMF-fixdate, for a Date header.
 */
char *
mend_wire_format_http_date (gint64 unix_ms)
{
  g_autoptr (GDateTime) time = g_date_time_new_from_unix_utc (unix_ms / 1000);

  g_return_val_if_fail (time != NULL, NULL);

  /* Not g_date_time_format(): its %a and %b follow the locale, and HTTP's do not. */
  return g_strdup_printf (
      "%s, %02d %s %04d %02d:%02d:%02d GMT", weekdays[g_date_time_get_day_of_week (time) - 1],
      g_date_time_get_day_of_month (time), months[g_date_time_get_month (time) - 1],
      g_date_time_get_year (time), g_date_time_get_hour (time), g_date_time_get_minute (time),
      g_date_time_get_second (time));
}

/**
 * mend_wire_clock_skew_ms:
 * @hq_ms: HQ's Date
 * @device_ms: the device's clock when the answer arrived
 * @out_skew_ms: (out) (optional): device minus HQ
 *
 * A Date has whole seconds and the answer took a moment to arrive, both far below the limit.
 *
 * Returns: %TRUE when the clocks are more than %MEND_CLOCK_SKEW_LIMIT_MS apart, which the
 *   device warns about.
 */
gboolean
mend_wire_clock_skew_ms (gint64 hq_ms, gint64 device_ms, gint64 *out_skew_ms)
{
  gint64 skew = device_ms - hq_ms;

  if (out_skew_ms != NULL)
    *out_skew_ms = skew;
  return ABS (skew) > MEND_CLOCK_SKEW_LIMIT_MS;
}

/**
 * mend_wire_parse_upload_offset:
 * @value: an Upload-Offset or Upload-Length header
 *
 * Plain decimal digits, as the tus protocol has them: no sign, no space, no leading zero.
 */
gboolean
mend_wire_parse_upload_offset (const char *value, gint64 *out_offset, GError **error)
{
  gsize length = value != NULL ? strlen (value) : 0;
  gint64 offset = 0;

  g_return_val_if_fail (out_offset != NULL, FALSE);

  /* 15 digits are far beyond any photo and cannot overflow. */
  if (length == 0 || length > 15 || (length > 1 && value[0] == '0'))
    goto refused;
  for (gsize i = 0; i < length; i++)
    {
      if (!g_ascii_isdigit (value[i]))
        goto refused;
      offset = offset * 10 + (value[i] - '0');
    }
  *out_offset = offset;
  return TRUE;

refused:
  g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED, "\"%.20s\" is not a byte offset",
               value != NULL ? value : "");
  return FALSE;
}

/**
 * mend_wire_parse_upload_complete:
 * @value: an Upload-Complete header: "?1" or "?0"
 */
gboolean
mend_wire_parse_upload_complete (const char *value, gboolean *out_complete, GError **error)
{
  g_return_val_if_fail (out_complete != NULL, FALSE);

  if (g_strcmp0 (value, "?1") == 0 || g_strcmp0 (value, "?0") == 0)
    {
      *out_complete = value[1] == '1';
      return TRUE;
    }
  g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED,
               "Upload-Complete \"%.20s\" is neither ?1 nor ?0", value != NULL ? value : "");
  return FALSE;
}

/**
 * mend_wire_blob_path:
 * @sha256: a photo's name
 *
 * Returns: (transfer full) (nullable): "/api/v1/blobs/SHA256", or %NULL when @sha256 is not
 *   64 lowercase hex digits (so nothing else can reach a URL).
 */
char *
mend_wire_blob_path (const char *sha256)
{
  if (!mend_wire_is_hash (sha256))
    return NULL;
  return g_strconcat ("/api/v1/blobs/", sha256, NULL);
}
