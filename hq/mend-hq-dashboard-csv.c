/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-hq"

#include "config.h"

#include "mend-hq-dashboard-private.h"

#include <string.h>

/* CSV as RFC 4180 writes it, for spreadsheets: CRLF line ends, a field quoted when it holds a
 * comma, a quote, a line break or leading or trailing spaces, quotes doubled inside. */

/**
 * mend_hq_csv_field:
 * @value: (nullable): the field's text; %NULL is an empty field
 *
 * A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage
 * return before one) as a formula, so a name typed as `=HYPERLINK(…)` could act when a
 * coordinator opens the export. Such a field gets a leading `'`, which spreadsheets show as
 * text and do not run. The exports' numbers are never negative, so no number is marked.
 */
void
mend_hq_csv_field (GString *out, const char *value)
{
  g_autofree char *valid = NULL;
  gboolean quote;

  if (value == NULL)
    return;
  if (!g_utf8_validate (value, -1, NULL))
    value = valid = g_utf8_make_valid (value, -1);
  quote = strpbrk (value, ",\"\r\n") != NULL || value[0] == ' ' || value[0] == '\t'
          || (value[0] != '\0' && (value[strlen (value) - 1] == ' '));
  if (value[0] == '=' || value[0] == '+' || value[0] == '-' || value[0] == '@' || value[0] == '\t'
      || value[0] == '\r')
    {
      /* The quote keeps the field's text exactly after the mark. */
      quote = TRUE;
      g_string_append (out, "\"'");
    }
  else if (quote)
    g_string_append_c (out, '"');
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  if (quote)
    g_string_append_c (out, '"');
}

/* One record of @n_values text fields, ended by CRLF. */
void
mend_hq_csv_row (GString *out, const char *const *values, int n_values)
{
  for (int i = 0; i < n_values; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      mend_hq_csv_field (out, values[i]);
    }
  g_string_append (out, "\r\n");
}
