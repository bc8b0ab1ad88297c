/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Less personal data on the device (DESIGN.md section 9): display names only for people with a
 * session today or tomorrow, and never for restricted people, who are known on the device by
 * their case reference alone. HQ sends names by the same window (hq/mend-hq-manifest.c). */
#pragma once

#include "mend-store.h"

G_BEGIN_DECLS

void mend_names_window (gint64 now_ms, gint64 *out_from_ms, gint64 *out_to_ms);
gboolean mend_store_drop_names (MendStore *self, gint64 now_ms, guint *out_dropped, GError **error);

G_END_DECLS
