/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Crediting a person's sessions in order: the fold over mend_rules_minutes_credited() that
 * needs no store, so HQ credits the sessions devices report by the same rule they use. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One checked-out session of one person, as the rule sees it. */
typedef struct
{
  gint64 arrived_at_ms;
  gint64 finished_at_ms;
  int penalty_minutes;
  gboolean outcome_credits_time;
  int minutes_credited; /* out */
} MendCreditVisit;

int mend_credit_visits (int minutes_ordered,
                        int minutes_credited_before,
                        MendCreditVisit *visits,
                        guint n_visits);

G_END_DECLS
