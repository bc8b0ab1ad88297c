/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-hq"

#include "config.h"

#include "mend-hq-dashboard-private.h"

#include <string.h>

/* The bodies of the dashboard's forms, application/x-www-form-urlencoded, and the dates of
 * its filters. The forms are HQ's own and small, so anything unusual is refused outright
 * rather than guessed at. */

#define FORM_MAX_BYTES  (64 * 1024)
#define FORM_MAX_FIELDS 32

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* One name or value: '+' is a space, %XX a byte; the result must be UTF-8 without NUL or
 * other control characters than tab, newline and carriage return. */
static char *
decode_part (const char *start, gsize length, GError **error)
{
  g_autoptr (GString) out = g_string_sized_new (length);

  for (gsize i = 0; i < length; i++)
    {
      char c = start[i];

      if (c == '+')
        g_string_append_c (out, ' ');
      else if (c == '%')
        {
          int high = i + 2 < length ? hex_value (start[i + 1]) : -1;
          int low = i + 2 < length ? hex_value (start[i + 2]) : -1;

          if (high >= 0 && low >= 0)
            {
              g_string_append_c (out, (char)(high * 16 + low));
              i += 2;
              continue;
            }
          g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE,
                       "the form has a %% not followed by two hex digits");
          return NULL;
        }
      else if ((unsigned char)c < 0x20 || c == 0x7f)
        {
          g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE,
                       "the form has a control character that was not encoded");
          return NULL;
        }
      else
        g_string_append_c (out, c);
    }
  if (!g_utf8_validate_len (out->str, out->len, NULL))
    {
      g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE, "the form is not UTF-8");
      return NULL;
    }
  for (gsize i = 0; i < out->len; i++)
    {
      unsigned char c = (unsigned char)out->str[i];

      if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
        {
          g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE,
                       "the form holds a control character");
          return NULL;
        }
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/**
 * mend_hq_form_decode:
 * @body: the request body, not NUL-terminated
 *
 * Decodes `name=value&name=value`. Refused: more than 64 KiB or 32 fields, a field without
 * `=`, an empty name, a name given twice, a bad %-escape, anything that decodes to bytes that
 * are not UTF-8 or to control characters. An empty body is an empty form.
 *
 * Returns: (transfer full) (nullable): name → value, both decoded.
 */
GHashTable *
mend_hq_form_decode (const char *body, gsize length, GError **error)
{
  g_autoptr (GHashTable) fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  gsize start = 0;

  if (length > FORM_MAX_BYTES)
    {
      g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE, "the form is larger than 64 KiB");
      return NULL;
    }
  while (start < length)
    {
      const char *field = body + start;
      const char *amp = memchr (field, '&', length - start);
      gsize field_length = amp != NULL ? (gsize)(amp - field) : length - start;
      const char *equals = memchr (field, '=', field_length);
      g_autofree char *name = NULL;
      g_autofree char *value = NULL;

      start += field_length + 1;
      if (field_length == 0 && amp != NULL && start >= length)
        break; /* one trailing '&' is harmless */
      if (equals == NULL || equals == field)
        {
          g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE,
                       "each field of the form needs a name and '='");
          return NULL;
        }
      name = decode_part (field, equals - field, error);
      if (name == NULL)
        return NULL;
      value = decode_part (equals + 1, field_length - (equals - field) - 1, error);
      if (value == NULL)
        return NULL;
      if (g_hash_table_contains (fields, name))
        {
          g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE, "the form gives a field twice");
          return NULL;
        }
      if (g_hash_table_size (fields) >= FORM_MAX_FIELDS)
        {
          g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE,
                       "the form has more than 32 fields");
          return NULL;
        }
      g_hash_table_insert (fields, g_steal_pointer (&name), g_steal_pointer (&value));
    }
  return g_steal_pointer (&fields);
}

/* YYYY-MM-DD and nothing else, as an <input type="date"> sends it. */
gboolean
mend_hq_parse_date (const char *text, GDate *out_date)
{
  guint64 year, month, day;
  char digits[5];

  if (text == NULL || strlen (text) != 10 || text[4] != '-' || text[7] != '-')
    return FALSE;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && !g_ascii_isdigit (text[i]))
      return FALSE;
  memcpy (digits, text, 4);
  digits[4] = '\0';
  year = g_ascii_strtoull (digits, NULL, 10);
  month = (guint64)((text[5] - '0') * 10 + (text[6] - '0'));
  day = (guint64)((text[8] - '0') * 10 + (text[9] - '0'));
  if (year < 2000 || year > 2200
      || !g_date_valid_dmy ((GDateDay)day, (GDateMonth)month, (GDateYear)year))
    return FALSE;
  g_date_clear (out_date, 1);
  g_date_set_dmy (out_date, (GDateDay)day, (GDateMonth)month, (GDateYear)year);
  return TRUE;
}
