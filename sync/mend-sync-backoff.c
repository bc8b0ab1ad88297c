/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-sync"

#include "config.h"

#include "mend-sync-backoff.h"

/**
 * mend_sync_backoff_delay_ms:
 * @failures: passes in a row that could not reach HQ, counting the one just ended (1 or more)
 * @base_ms: the wait after the first failure, before jitter
 * @cap_ms: the longest wait, before jitter
 * @jitter: a random number in [0, 1)
 * @retry_after_s: HQ's Retry-After, or 0
 *
 * The ceiling doubles with each failure (@base_ms, 2 × @base_ms, 4 × …) up to @cap_ms, and the
 * wait is drawn from the upper half of it ("equal jitter"): at least half the ceiling, so a
 * failing HQ is not hammered, and spread over the other half, so a team's devices that lost
 * the network together do not all come back in the same second. A Retry-After from HQ is a
 * floor: the wait is never shorter than what HQ asked for, even above the cap.
 *
 * Returns: the wait in milliseconds
 */
guint64
mend_sync_backoff_delay_ms (guint failures,
                            guint64 base_ms,
                            guint64 cap_ms,
                            double jitter,
                            guint retry_after_s)
{
  guint64 ceiling = base_ms;
  guint64 delay;

  if (cap_ms < base_ms)
    cap_ms = base_ms;
  jitter = CLAMP (jitter, 0.0, 1.0);
  /* Doubling stops at the cap, so a long outage cannot overflow the ceiling. */
  for (guint i = 1; i < failures && ceiling < cap_ms; i++)
    ceiling *= 2;
  ceiling = MIN (ceiling, cap_ms);
  delay = ceiling / 2 + (guint64)(jitter * (double)(ceiling - ceiling / 2));
  delay = MIN (delay, ceiling);
  return MAX (delay, (guint64)retry_after_s * 1000);
}
