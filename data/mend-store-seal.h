/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the app asks the store about sealed notes (data/README.md, "Sealed notes"). */
#pragma once

#include "mend-store.h"

G_BEGIN_DECLS

gboolean mend_store_event_has_sealed_note (MendStore *self,
                                           const char *event_id,
                                           gboolean *out_sealed,
                                           GError **error);
gboolean mend_store_event_has_sealed_alert_details (MendStore *self,
                                                    const char *event_id,
                                                    gboolean *out_sealed,
                                                    GError **error);

G_END_DECLS
