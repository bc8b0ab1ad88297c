/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-fuzz"

#include "config.h"

#include "mend-fuzz.h"

#include "mend-hq-admin-private.h"

/* The CSV reader behind `mend-hq admin person import` (hq/mend-hq-admin-csv.c), which needs no
 * database. Every record it returns starts on a line that exists, and holds at least one
 * field. The rest of the import (header, cells, the store) runs inside a PostgreSQL
 * transaction and is not reached here. */

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  mend_fuzz_init_logging ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) records = mend_hq_csv_parse ((const char *)data, size, &error);
  guint lines = 1;

  if (records == NULL)
    {
      g_assert (error != NULL && error->domain == MEND_HQ_ERROR);
      return 0;
    }
  for (gsize i = 0; i < size; i++)
    lines += data[i] == '\n';
  for (guint r = 0; r < records->len; r++)
    {
      const MendHqCsvRecord *record = g_ptr_array_index (records, r);

      g_assert_cmpuint (record->line, >=, 1);
      g_assert_cmpuint (record->line, <=, lines);
      g_assert_cmpuint (record->fields->len, >=, 1);
      for (guint f = 0; f < record->fields->len; f++)
        g_assert (g_utf8_validate (g_ptr_array_index (record->fields, f), -1, NULL));
    }
  return 0;
}
