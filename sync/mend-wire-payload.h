/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The event payloads of sync/PROTOCOL.md section 5, checked member by member: what HQ applies
 * at step 6 of section 10 before an event may change a team's data. */
#pragma once

#include "mend-wire.h"

G_BEGIN_DECLS

gboolean mend_wire_check_payload (const char *kind,
                                  const char *session_id,
                                  const char *participant_id,
                                  const char *payload_json,
                                  GError **error);

G_END_DECLS
