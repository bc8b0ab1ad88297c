/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Demo reference data: the scheme's first case, so the app and mendctl can be tried without
 * an HQ. Marked as demo data in the store. */
#pragma once

#include "mend-store.h"

G_BEGIN_DECLS

typedef struct
{
  const char *id;
  const char *name;
  const char *pin;
} MendDemoSupervisor;

const MendDemoSupervisor *mend_demo_supervisors (guint *out_n);

/* Returns the Argon2id hash of @supervisor's PIN, made now or found again. */
typedef char *(*MendDemoPinHashFunc) (const MendDemoSupervisor *supervisor,
                                      gpointer user_data,
                                      GError **error);
JsonObject *mend_demo_reference (MendDemoPinHashFunc hash_pin, gpointer user_data, GError **error);
char *mend_demo_session_id (const char *site_key, int day_offset);
gboolean mend_store_load_demo (MendStore *self, GError **error);
gboolean mend_store_is_demo (MendStore *self);

G_END_DECLS
