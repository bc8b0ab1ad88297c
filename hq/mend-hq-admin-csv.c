/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-hq"

#include "config.h"

#include "mend-hq-admin-private.h"

#include <string.h>

/* CSV as RFC 4180 writes it, which is what spreadsheets export: fields separated by commas,
 * records by CRLF or LF, a field in double quotes may hold commas, line ends and doubled quotes.
 * Refused with the line it happened on: a NUL byte, text that is not UTF-8, a quote inside an
 * unquoted field, anything after a closing quote but a comma or line end, a quote never
 * closed. */

static void
record_free (gpointer data)
{
  MendHqCsvRecord *record = data;

  g_ptr_array_unref (record->fields);
  g_free (record);
}

static gboolean
fail (GError **error, guint line, const char *what)
{
  g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE, "line %u: %s", line, what);
  return FALSE;
}

/**
 * mend_hq_csv_parse:
 *
 * Returns: (transfer full) (nullable) (element-type MendHqCsvRecord): every record, blank lines
 *   left out.
 */
GPtrArray *
mend_hq_csv_parse (const char *text, gsize length, GError **error)
{
  g_autoptr (GPtrArray) records = g_ptr_array_new_with_free_func (record_free);
  g_autoptr (GString) field = g_string_new (NULL);
  g_autoptr (GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  const char *end = text + length;
  const char *p = text;
  guint line = 1;
  guint record_line = 1;
  gboolean quoted = FALSE;     /* inside a quoted field */
  gboolean was_quoted = FALSE; /* the current field was quoted and is closed */
  gboolean any = FALSE;        /* the current record has begun */

  if (memchr (text, '\0', length) != NULL)
    {
      const char *nul = memchr (text, '\0', length);
      guint at = 1;

      for (const char *q = text; q < nul; q++)
        at += *q == '\n';
      fail (error, at, "holds a NUL byte");
      return NULL;
    }
  if (!g_utf8_validate (text, (gssize)length, NULL))
    {
      const char *bad;
      guint at = 1;

      g_utf8_validate (text, (gssize)length, &bad);
      for (const char *q = text; q < bad; q++)
        at += *q == '\n';
      fail (error, at, "is not UTF-8 text");
      return NULL;
    }
  /* A byte order mark some spreadsheets write first is not part of the first name. */
  if (length >= 3 && memcmp (text, "\xef\xbb\xbf", 3) == 0)
    p += 3;

  for (; p <= end; p++)
    {
      char c = p < end ? *p : '\n';
      gboolean at_end = p == end;

      if (quoted)
        {
          if (at_end)
            {
              fail (error, record_line, "a quoted field is never closed");
              return NULL;
            }
          if (c == '"')
            {
              if (p + 1 < end && p[1] == '"')
                {
                  g_string_append_c (field, '"');
                  p++;
                }
              else
                {
                  quoted = FALSE;
                  was_quoted = TRUE;
                }
            }
          else
            {
              line += c == '\n';
              g_string_append_c (field, c);
            }
          continue;
        }
      if (c == ',' || c == '\n' || c == '\r')
        {
          if (c == '\r' && !(p + 1 < end && p[1] == '\n') && !at_end)
            {
              fail (error, line, "a carriage return is not followed by a line feed");
              return NULL;
            }
          if (c == '\r')
            continue;
          if (c == ',' || any || field->len > 0 || was_quoted)
            {
              g_ptr_array_add (fields, g_strdup (field->str));
              g_string_truncate (field, 0);
              any = TRUE;
            }
          was_quoted = FALSE;
          if (c == '\n')
            {
              if (any)
                {
                  MendHqCsvRecord *record = g_new0 (MendHqCsvRecord, 1);

                  record->line = record_line;
                  record->fields = g_steal_pointer (&fields);
                  fields = g_ptr_array_new_with_free_func (g_free);
                  g_ptr_array_add (records, record);
                }
              any = FALSE;
              if (at_end)
                break;
              line++;
              record_line = line;
            }
          continue;
        }
      if (was_quoted)
        {
          fail (error, line, "only a comma or a line end may follow a closing quote");
          return NULL;
        }
      if (c == '"')
        {
          if (field->len > 0)
            {
              fail (error, line, "a quote inside an unquoted field (quote the whole field)");
              return NULL;
            }
          quoted = TRUE;
          any = TRUE;
          continue;
        }
      g_string_append_c (field, c);
      any = TRUE;
    }
  return g_steal_pointer (&records);
}
