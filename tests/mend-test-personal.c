/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-test"

#include "config.h"

#include <stdio.h>

#include "mend-demo.h"
#include "mend-test-util.h"

/* Prints the personal data the test suite puts on devices and HQs, one "KIND<TAB>TEXT" a line,
 * for tests/check-logs-private.sh, which searches every log a test run wrote for each TEXT.
 * The list comes from the same code the tests load their data from, so it cannot drift:
 *
 * - the demo's people (mend_demo_reference()), by display name and case reference, and its
 *   supervisors by name: the story `mendctl demo`, `mend-hq admin demo` and many tests tell;
 * - the generated people of the shared fixture (mend_test_fixture_manifest()), which stand in
 *   for real people in most store, sync and HQ tests, for as many sessions and people as any
 *   test asks for.
 *
 * Left out on purpose: ids (demo-p-hart and the like are keys that logs may name, as a real
 * HQ's opaque ids are), PINs (short digit strings any log's numbers would match) and the few
 * names single unit tests make up to test a parser, which never reach a store. */

/* More than any test uses (mend_test_fixture_open() and mend_test_store_new() callers). */
#define FIXTURE_SESSIONS 8
#define FIXTURE_PEOPLE   8

static char *
no_pin_hash (const MendDemoSupervisor *supervisor, gpointer user_data, GError **error)
{
  /* Only names are printed: the slow Argon2id hash of each PIN is not needed. */
  return g_strdup ("$argon2id$unused");
}

static void
print_people (JsonObject *manifest, const char *source)
{
  JsonArray *people = json_object_get_array_member (manifest, "participants");

  for (guint i = 0; i < json_array_get_length (people); i++)
    {
      JsonObject *person = json_array_get_object_element (people, i);
      const char *name = json_object_get_string_member_with_default (person, "display_name", NULL);

      printf ("%s case reference\t%s\n", source,
              json_object_get_string_member (person, "case_ref"));
      /* A restricted person has no name on any device. */
      if (name != NULL)
        printf ("%s name\t%s\n", source, name);
    }
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) demo = NULL;
  g_autoptr (JsonObject) fixture = NULL;
  const MendDemoSupervisor *supervisors;
  guint n_supervisors = 0;

  if (argc != 1)
    {
      fprintf (stderr, "Usage: %s\nPrints the test suite's personal data, one a line.\n", argv[0]);
      return 2;
    }
  demo = mend_demo_reference (no_pin_hash, NULL, &error);
  if (demo == NULL)
    {
      fprintf (stderr, "mend-test-personal: %s\n", error->message);
      return 1;
    }
  print_people (demo, "demo");
  supervisors = mend_demo_supervisors (&n_supervisors);
  for (guint i = 0; i < n_supervisors; i++)
    printf ("demo supervisor name\t%s\n", supervisors[i].name);

  fixture = mend_test_fixture_manifest (FIXTURE_SESSIONS, FIXTURE_PEOPLE, 0);
  print_people (fixture, "fixture");
  return fflush (stdout) == 0 ? 0 : 1;
}
