/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Rows for docs/RELIABILITY.md: what a test tried, how often, and what came of it. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The two results a row may claim. A fault may not lose anything the supervisor recorded; a
 * hostile input may not get through or crash anything. */
#define MEND_RELIABILITY_NOTHING_LOST "nothing lost"
#define MEND_RELIABILITY_REFUSED      "refused with a message"

/*
 * Appends one row to the file named by $MEND_RELIABILITY_LOG, when it is set; does nothing
 * otherwise, so the suite runs the same with or without it. `fault` names the fault or hostile
 * input in a reader's words ("full disk during a check-in"); `tries` is how many times it was
 * made; `outcome` is one of the two results above and is only written when the test saw it
 * hold, so a failing test writes no row. tests/reliability/make-reliability.py adds rows of the
 * same fault together and names the test that reproduces them.
 */
void mend_test_reliability_row (const char *fault, guint tries, const char *outcome);

G_END_DECLS
