/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-hq"

#include "config.h"

#include "mend-hq-dashboard-private.h"

#include <stdarg.h>

/* The dashboard's HTML escaping: one function that every shown value goes through, and a tiny
 * formatter that escapes its %s arguments unless a page asks, visibly, for raw markup. */

/**
 * mend_hq_html_escape:
 * @text: (nullable): any bytes; %NULL writes nothing
 *
 * Appends @text escaped for HTML text and for attribute values in double or single quotes.
 * Bytes that are not UTF-8 become U+FFFD, so a damaged value cannot swallow the markup after
 * it in a lenient browser.
 */
void
mend_hq_html_escape (GString *out, const char *text)
{
  g_autofree char *valid = NULL;

  if (text == NULL)
    return;
  if (!g_utf8_validate (text, -1, NULL))
    text = valid = g_utf8_make_valid (text, -1);
  for (const char *p = text; *p != '\0'; p++)
    {
      switch (*p)
        {
        case '&':
          g_string_append (out, "&amp;");
          break;
        case '<':
          g_string_append (out, "&lt;");
          break;
        case '>':
          g_string_append (out, "&gt;");
          break;
        case '"':
          g_string_append (out, "&quot;");
          break;
        case '\'':
          g_string_append (out, "&#39;");
          break;
        default:
          g_string_append_c (out, *p);
          break;
        }
    }
}

/**
 * mend_hq_html:
 * @format: markup, written as it is, with directives: `%s` a string escaped by
 *   mend_hq_html_escape() (%NULL writes nothing), `%u` a string percent-encoded for a URL
 *   query value and then escaped, `%r` trusted markup written raw (only literals and what
 *   this file built), `%d` an int, `%l` a gint64, `%%` a percent sign
 *
 * The directive that does the safe thing is the short one, so a value is escaped unless a
 * page asks, visibly, for it not to be.
 */
void
mend_hq_html (GString *out, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  for (const char *p = format; *p != '\0'; p++)
    {
      if (*p != '%')
        {
          g_string_append_c (out, *p);
          continue;
        }
      p++;
      switch (*p)
        {
        case 's':
          mend_hq_html_escape (out, va_arg (args, const char *));
          break;
        case 'u':
          {
            const char *value = va_arg (args, const char *);
            g_autofree char *escaped
                = value != NULL ? g_uri_escape_string (value, NULL, FALSE) : NULL;

            mend_hq_html_escape (out, escaped);
            break;
          }
        case 'r':
          g_string_append (out, va_arg (args, const char *));
          break;
        case 'd':
          g_string_append_printf (out, "%d", va_arg (args, int));
          break;
        case 'l':
          g_string_append_printf (out, "%" G_GINT64_FORMAT, va_arg (args, gint64));
          break;
        case '%':
          g_string_append_c (out, '%');
          break;
        default:
          g_assert_not_reached ();
        }
    }
  va_end (args);
}
