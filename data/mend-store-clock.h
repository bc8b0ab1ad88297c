/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The device's clock against satellite time, as its records saw it (data/README.md, "A clock
 * set wrong"). HQ's Date is the other witness: MendSyncEnrolment.clock_skew_ms. */
#pragma once

#include "mend-store.h"

G_BEGIN_DECLS

typedef struct
{
  gboolean known; /* some record had a satellite fix */
  gint64 seq;     /* the newest such record */
  gint64 skew_ms; /* device minus satellite time when over MEND_CLOCK_SKEW_LIMIT_MS, else 0 */
} MendGpsClock;

gboolean mend_store_get_gps_clock (MendStore *self, MendGpsClock *out, GError **error);

/* "4 years 212 days fast", "3 minutes slow": how far @skew_ms (device minus the other clock)
 * puts the device's clock off. */
char *mend_clock_describe_skew (gint64 skew_ms);

G_END_DECLS
