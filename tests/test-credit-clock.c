/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-credit-clock"

#include "config.h"

#include "mend-credit.h"
#include "mend-rules.h"

/* The one crediting rule (mend_rules_minutes_credited(), folded by mend_credit_visits() on the
 * device and at HQ) when the device's clock jumped between a check-in and a check-out: years
 * forward, years back, and the edge of the longest visit credited. */

#define MINUTE G_GINT64_CONSTANT (60000)
#define DAY    (24 * 60 * MINUTE)
#define YEAR   (365 * DAY)

/* 2026-03-02 09:00 UTC */
static const gint64 nine = G_GINT64_CONSTANT (1772442000000);

static void
test_rule (void)
{
  /* A clock that jumped years forward before the check-out: nothing, not the whole order. */
  g_assert_cmpint (mend_rules_minutes_credited (nine, nine + 5 * YEAR, 0, TRUE, 6000), ==, 0);
  /* Years back: the visit ends before it began. */
  g_assert_cmpint (mend_rules_minutes_credited (nine, nine - 5 * YEAR, 0, TRUE, 6000), ==, 0);
  /* A whole day is the longest visit credited; a millisecond more is a clock problem. */
  g_assert_cmpint (mend_rules_minutes_credited (nine, nine + DAY, 0, TRUE, 6000), ==,
                   MEND_RULES_MAX_VISIT_MINUTES);
  g_assert_cmpint (mend_rules_minutes_credited (nine, nine + DAY + 1, 0, TRUE, 6000), ==, 0);
  /* A clock wrong by years at both ends still credits the real time on site. */
  g_assert_cmpint (
      mend_rules_minutes_credited (nine + 5 * YEAR, nine + 5 * YEAR + 240 * MINUTE, 0, TRUE, 6000),
      ==, 240);
  g_assert_cmpint (mend_rules_minutes_credited (nine - 26 * YEAR, nine - 26 * YEAR + 240 * MINUTE,
                                                30, TRUE, 6000),
                   ==, 210);
}

static void
test_fold (void)
{
  /* Three visits of one person, the middle one across a clock jump: the others are credited
   * as usual and the jump adds nothing, where before it would have filled the order. */
  MendCreditVisit visits[] = {
    { nine, nine + 240 * MINUTE, 0, TRUE, -1 },
    { nine + DAY, nine + DAY + 4 * YEAR, 0, TRUE, -1 },
    { nine + 2 * DAY, nine + 2 * DAY + 180 * MINUTE, 15, TRUE, -1 },
  };
  int total = mend_credit_visits (100 * 60, 0, visits, G_N_ELEMENTS (visits));

  g_assert_cmpint (visits[0].minutes_credited, ==, 240);
  g_assert_cmpint (visits[1].minutes_credited, ==, 0);
  g_assert_cmpint (visits[2].minutes_credited, ==, 165);
  g_assert_cmpint (total, ==, 405);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/credit-clock/rule", test_rule);
  g_test_add_func ("/credit-clock/fold", test_fold);
  return g_test_run ();
}
