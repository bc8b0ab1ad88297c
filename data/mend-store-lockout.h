/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PIN lockout: wrong PINs are recorded in the store with their time, so the wait that grows
 * with them survives a restart (or a pulled battery), and they stay on record for HQ. The wait
 * itself is one pure function, mend_lockout_wait_ms(), which the store and the Unlock page both
 * use. No GTK here: mendctl can read the same state. */
#pragma once

#include "mend-store.h"

G_BEGIN_DECLS

/* Wrong PINs in a row allowed before a wait; from the next one the wait starts at BASE and
 * doubles with each further failure, up to MAX. */
#define MEND_LOCKOUT_FREE_TRIES   2
#define MEND_LOCKOUT_WAIT_BASE_MS (5 * 1000)
#define MEND_LOCKOUT_WAIT_MAX_MS  (5 * 60 * 1000)

typedef struct
{
  guint failures;         /* wrong PINs since the last right one */
  gint64 last_failure_ms; /* UTC ms of the newest of them; 0 when there is none */
  gint64 wait_left_ms;    /* how long until the next PIN may be tried; 0: now */
} MendLockout;

gint64 mend_lockout_wait_ms (guint failures);
gint64 mend_lockout_wait_left_ms (guint failures, gint64 last_failure_ms, gint64 now_ms);

gboolean mend_store_lockout_get (MendStore *self, gint64 now_ms, MendLockout *out, GError **error);
gboolean mend_store_lockout_record_failure (MendStore *self,
                                            const char *supervisor_id,
                                            gint64 now_ms,
                                            MendLockout *out,
                                            GError **error);
gboolean mend_store_lockout_clear (MendStore *self, gint64 now_ms, GError **error);

G_END_DECLS
