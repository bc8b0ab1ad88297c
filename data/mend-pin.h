/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Supervisor PINs are kept only as salted hashes from a deliberately slow KDF (Argon2id). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *mend_pin_hash (const char *pin, GError **error);
gboolean mend_pin_verify (const char *hash, const char *pin);

G_END_DECLS
