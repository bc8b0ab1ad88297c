/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers the wire decoders share: bounded parsing, and reading members with their type
 * checked, each failure a MEND_WIRE_ERROR_MALFORMED that names where it happened
 * ("events[3].fix.lat must be a number"). */
#pragma once

#include "mend-wire.h"

G_BEGIN_DECLS

JsonNode *
mend_wire_parse (const char *body, gsize length, gsize max_bytes, const char *what, GError **error);

gboolean mend_wire_get_string (JsonObject *object,
                               const char *where,
                               const char *member,
                               gboolean nullable,
                               gsize max_bytes,
                               char **out,
                               GError **error);
gboolean mend_wire_get_int (JsonObject *object,
                            const char *where,
                            const char *member,
                            gboolean nullable,
                            gboolean *out_present,
                            gint64 *out,
                            GError **error);
gboolean mend_wire_get_number (JsonObject *object,
                               const char *where,
                               const char *member,
                               gboolean nullable,
                               double *out,
                               GError **error);
gboolean mend_wire_get_bool (JsonObject *object,
                             const char *where,
                             const char *member,
                             gboolean optional,
                             gboolean *out,
                             GError **error);
JsonObject *mend_wire_get_object (JsonObject *object,
                                  const char *where,
                                  const char *member,
                                  gboolean optional,
                                  GError **error);
JsonArray *mend_wire_get_array (JsonObject *object,
                                const char *where,
                                const char *member,
                                gboolean optional,
                                GError **error);

gboolean mend_wire_is_uuid (const char *text);
gboolean mend_wire_is_hash (const char *text);
gboolean mend_wire_is_public_key (const char *text);
GBytes *mend_wire_node_to_bytes (JsonNode *root);

G_END_DECLS
