/* SPDX-License-Identifier: GPL-3.0-or-later */
/* How long the sync scheduler waits before trying again after a pass that could not reach HQ:
 * exponential backoff with jitter, as a pure function so it can be tested on its own. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MEND_SYNC_BACKOFF_BASE_MS (5 * 1000)
#define MEND_SYNC_BACKOFF_CAP_MS  (15 * 60 * 1000)

guint64 mend_sync_backoff_delay_ms (guint failures,
                                    guint64 base_ms,
                                    guint64 cap_ms,
                                    double jitter,
                                    guint retry_after_s);

G_END_DECLS
