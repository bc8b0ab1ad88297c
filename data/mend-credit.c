/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-credit"

#include "config.h"

#include "mend-credit.h"

#include "mend-rules.h"

/**
 * mend_credit_visits:
 * @minutes_ordered: the hours ordered, in minutes
 * @minutes_credited_before: minutes credited outside these visits (before Mend, or by HQ)
 * @visits: (array length=n_visits): a person's checked-out sessions, in the order they are to
 *   be credited (oldest first)
 *
 * Sets each visit's minutes_credited by mend_rules_minutes_credited(), each one capped by
 * what is still owed after the visits before it (mend_rules_minutes_owed()), exactly as the
 * device's projection credits check-outs one after another.
 *
 * Returns: the minutes the visits credit together.
 */
int
mend_credit_visits (int minutes_ordered,
                    int minutes_credited_before,
                    MendCreditVisit *visits,
                    guint n_visits)
{
  int credited = 0;

  g_return_val_if_fail (visits != NULL || n_visits == 0, 0);

  for (guint i = 0; i < n_visits; i++)
    {
      int owed = mend_rules_minutes_owed (minutes_ordered, minutes_credited_before, credited);

      visits[i].minutes_credited = mend_rules_minutes_credited (
          visits[i].arrived_at_ms, visits[i].finished_at_ms, visits[i].penalty_minutes,
          visits[i].outcome_credits_time, owed);
      credited += visits[i].minutes_credited;
    }
  return credited;
}
