/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-test"

#include "config.h"

#include <string.h>

#include "mend-credit.h"
#include "mend-hq-dashboard-private.h"
#include "mend-rules.h"

/* The dashboard's pure parts on their own: the HTML escaper and formatter, the form decoder,
 * the date filter, the CSV writer (read back by a small RFC 4180 reader of this file's own, so
 * the writer is not checked against itself), and the crediting fold of data/mend-credit.c that
 * HQ's ledger uses. */

static char *
escape (const char *text)
{
  GString *out = g_string_new (NULL);

  mend_hq_html_escape (out, text);
  return g_string_free (out, FALSE);
}

static void
test_escape (void)
{
  g_autofree char *a = escape ("<script>alert(\"x\")</script>");
  g_autofree char *b = escape ("Tom & Jerry's \"bar\"");
  g_autofree char *c = escape ("plain text, ünïcode");
  g_autofree char *d = escape ("bad \xff\xfe bytes <");
  g_autofree char *e = escape (NULL);
  GString *out = g_string_new (NULL);

  g_assert_cmpstr (a, ==, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
  g_assert_cmpstr (b, ==, "Tom &amp; Jerry&#39;s &quot;bar&quot;");
  g_assert_cmpstr (c, ==, "plain text, ünïcode");
  g_assert_true (g_utf8_validate (d, -1, NULL));
  g_assert_nonnull (strstr (d, "\xef\xbf\xbd"));
  g_assert_true (g_str_has_suffix (d, "&lt;"));
  g_assert_cmpstr (e, ==, "");

  /* The formatter escapes %s, percent-encodes and escapes %u, writes %r as it is. */
  mend_hq_html (out, "<a href=\"/session?id=%u\" title=\"%s\">%r %d %l %%</a>", "a&b c/\"d",
                "\"'<>&", "<b>ok</b>", -3, (gint64)1764147900000);
  g_assert_cmpstr (out->str, ==,
                   "<a href=\"/session?id=a%26b%20c%2F%22d\" title=\"&quot;&#39;&lt;&gt;&amp;\">"
                   "<b>ok</b> -3 1764147900000 %</a>");
  g_string_free (out, TRUE);
}

static GHashTable *
decode (const char *body, GError **error)
{
  return mend_hq_form_decode (body, strlen (body), error);
}

static void
assert_form_refused (const char *body)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) form = decode (body, &error);

  if (form != NULL)
    g_error ("form %s was accepted", body);
  g_assert_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE);
}

static void
test_form (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) form = NULL;
  g_autoptr (GString) many = g_string_new (NULL);
  g_autoptr (GString) large = g_string_new ("a=");

  form = decode ("name=Ada+Lovelace&password=p%40ss%3D%26w%C3%B6rd&empty=&csrf=abc", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (form), ==, 4);
  g_assert_cmpstr (g_hash_table_lookup (form, "name"), ==, "Ada Lovelace");
  g_assert_cmpstr (g_hash_table_lookup (form, "password"), ==, "p@ss=&wörd");
  g_assert_cmpstr (g_hash_table_lookup (form, "empty"), ==, "");
  g_clear_pointer (&form, g_hash_table_unref);

  /* A value may hold '=' and an encoded '+'; a trailing '&' is harmless; empty is empty. */
  form = decode ("a=b=c&plus=%2B&", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_hash_table_lookup (form, "a"), ==, "b=c");
  g_assert_cmpstr (g_hash_table_lookup (form, "plus"), ==, "+");
  g_clear_pointer (&form, g_hash_table_unref);
  form = decode ("", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (form), ==, 0);
  g_clear_pointer (&form, g_hash_table_unref);
  form = decode ("note=line%0D%0Anext%09tab", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_hash_table_lookup (form, "note"), ==, "line\r\nnext\ttab");
  g_clear_pointer (&form, g_hash_table_unref);

  assert_form_refused ("a=%");
  assert_form_refused ("a=%4");
  assert_form_refused ("a=%zz");
  assert_form_refused ("a=%4g");
  assert_form_refused ("novalue");
  assert_form_refused ("=nameless");
  assert_form_refused ("a=1&&b=2");
  assert_form_refused ("a=1&a=2");
  assert_form_refused ("a=%00");
  assert_form_refused ("a=%ff%fe");
  assert_form_refused ("a=%C3");
  assert_form_refused ("a=%1b[31m");
  assert_form_refused ("a=raw\x01"
                       "byte");
  assert_form_refused ("a=raw\nline");
  assert_form_refused ("na%00me=x");
  for (int i = 0; i < 33; i++)
    g_string_append_printf (many, "%sf%d=v", i > 0 ? "&" : "", i);
  assert_form_refused (many->str);
  g_string_set_size (many, 0);
  for (int i = 0; i < 32; i++)
    g_string_append_printf (many, "%sf%d=v", i > 0 ? "&" : "", i);
  form = decode (many->str, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (form), ==, 32);
  while (large->len <= 64 * 1024)
    g_string_append (large, "xxxxxxxx");
  assert_form_refused (large->str);

  /* Not NUL-terminated: the length is what counts. */
  g_clear_pointer (&form, g_hash_table_unref);
  form = mend_hq_form_decode ("a=1&b=2", 3, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (form), ==, 1);
}

static void
test_dates (void)
{
  GDate date;

  g_assert_true (mend_hq_parse_date ("2026-11-26", &date));
  g_assert_cmpint (g_date_get_day (&date), ==, 26);
  g_assert_true (mend_hq_parse_date ("2028-02-29", &date));
  g_assert_false (mend_hq_parse_date ("2026-02-29", &date));
  g_assert_false (mend_hq_parse_date ("2026-13-01", &date));
  g_assert_false (mend_hq_parse_date ("2026-1-01", &date));
  g_assert_false (mend_hq_parse_date ("26-11-2026", &date));
  g_assert_false (mend_hq_parse_date ("2026-11-26'", &date));
  g_assert_false (mend_hq_parse_date ("1999-12-31", &date));
  g_assert_false (mend_hq_parse_date ("", &date));
  g_assert_false (mend_hq_parse_date (NULL, &date));
}

/* A small RFC 4180 reader, to check the writer without trusting it. */
static GPtrArray *
csv_parse (const char *text)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify)g_ptr_array_unref);
  GPtrArray *row = g_ptr_array_new_with_free_func (g_free);
  GString *field = g_string_new (NULL);
  const char *p = text;

  while (*p != '\0')
    {
      if (*p == '"')
        {
          for (p++; *p != '\0'; p++)
            {
              if (*p == '"' && p[1] == '"')
                g_string_append_c (field, *p++);
              else if (*p == '"')
                break;
              else
                g_string_append_c (field, *p);
            }
          g_assert_cmpint (*p, ==, '"');
          p++;
          g_assert_true (*p == ',' || *p == '\r');
        }
      else if (*p == ',')
        {
          g_ptr_array_add (row, g_string_free (field, FALSE));
          field = g_string_new (NULL);
          p++;
        }
      else if (*p == '\r')
        {
          g_assert_cmpint (p[1], ==, '\n');
          g_ptr_array_add (row, g_string_free (field, FALSE));
          field = g_string_new (NULL);
          g_ptr_array_add (rows, row);
          row = g_ptr_array_new_with_free_func (g_free);
          p += 2;
        }
      else
        {
          g_assert_cmpint (*p, !=, '\n');
          g_string_append_c (field, *p++);
        }
    }
  g_assert_cmpuint (field->len, ==, 0);
  g_assert_cmpuint (row->len, ==, 0);
  g_string_free (field, TRUE);
  g_ptr_array_unref (row);
  return rows;
}

static void
test_csv (void)
{
  const char *const values[] = {
    "plain", "with, comma", "with \"quotes\"", "two\r\nlines", "=1+2", "+44 20",
    "-3",    "@SUM(A1)",    "\t=tab",          " padded ",     "",     NULL,
    "ünï",
  };
  const char *const expected[] = {
    "plain", "with, comma", "with \"quotes\"", "two\r\nlines", "'=1+2", "'+44 20",
    "'-3",   "'@SUM(A1)",   "'\t=tab",         " padded ",     "",      "",
    "ünï",
  };
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (GPtrArray) rows = NULL;
  GPtrArray *row;

  mend_hq_csv_row (out, values, G_N_ELEMENTS (values));
  mend_hq_csv_row (out, values, 1);
  g_assert_true (g_str_has_suffix (out->str, "plain\r\n"));
  g_assert_nonnull (strstr (out->str, "\"with \"\"quotes\"\"\""));
  rows = csv_parse (out->str);
  g_assert_cmpuint (rows->len, ==, 2);
  row = g_ptr_array_index (rows, 0);
  g_assert_cmpuint (row->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmpstr (g_ptr_array_index (row, i), ==, expected[i]);
}

/* HQ's fold over the shared rule: each visit capped by what the visits before it left owed. */
static void
test_credit (void)
{
  gint64 hour = 3600 * 1000;
  MendCreditVisit visits[] = {
    { 0, 4 * hour, 20, TRUE, -1 },          /* 240 - 20 = 220, but only 240 - 60 = 180 owed */
    { 10 * hour, 11 * hour, 0, FALSE, -1 }, /* an outcome that credits nothing */
    { 20 * hour, 22 * hour, 0, TRUE, -1 },  /* 120, and nothing is owed any more */
    { 30 * hour, 29 * hour, 0, TRUE, -1 },  /* finish before arrival */
  };

  g_assert_cmpint (mend_credit_visits (240, 60, visits, G_N_ELEMENTS (visits)), ==, 180);
  g_assert_cmpint (visits[0].minutes_credited, ==, 180);
  g_assert_cmpint (visits[1].minutes_credited, ==, 0);
  g_assert_cmpint (visits[2].minutes_credited, ==, 0);
  g_assert_cmpint (visits[3].minutes_credited, ==, 0);
  /* The same visits with plenty owed: each as the rule says on its own. */
  g_assert_cmpint (mend_credit_visits (6000, 0, visits, G_N_ELEMENTS (visits)), ==, 220 + 120);
  g_assert_cmpint (visits[0].minutes_credited, ==,
                   mend_rules_minutes_credited (0, 4 * hour, 20, TRUE, 6000));
  g_assert_cmpint (visits[2].minutes_credited, ==, 120);
  g_assert_cmpint (mend_credit_visits (6000, 0, NULL, 0), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/dashboard/unit/escape", test_escape);
  g_test_add_func ("/dashboard/unit/form", test_form);
  g_test_add_func ("/dashboard/unit/dates", test_dates);
  g_test_add_func ("/dashboard/unit/csv", test_csv);
  g_test_add_func ("/dashboard/unit/credit", test_credit);
  return g_test_run ();
}
