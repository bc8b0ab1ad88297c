/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The device's bearer token: in a file beside the store that only its owner can read, never in
 * the store itself (a copied store enrols nobody) and never in a log. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *mend_sync_token_path (const char *store_path);
gboolean mend_sync_token_save (const char *path, const char *token, GError **error);
char *mend_sync_token_load (const char *path, GError **error);

G_END_DECLS
