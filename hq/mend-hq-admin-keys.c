/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-hq"

#include "config.h"

#include "mend-hq-private.h"

#include <string.h>

/* `mend-hq admin keys list` shows HQ's key pairs (never a secret); `keys rotate` makes a new
 * current pair and keeps the old ones, whose notes still open (hq/README.md, "Keys"). */
gboolean
mend_hq_admin_keys (PGconn *conn, const char *command, GError **error)
{
  g_autofree char *key_id = NULL;

  if (strcmp (command, "list") == 0)
    return mend_hq_keys_list (conn, error);
  if (strcmp (command, "rotate") != 0)
    {
      g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE,
                   "usage: mend-hq admin keys (list | rotate)");
      return FALSE;
    }
  if (!mend_hq_keys_rotate (conn, &key_id, error))
    return FALSE;
  g_print ("%s\n", key_id);
  return TRUE;
}
