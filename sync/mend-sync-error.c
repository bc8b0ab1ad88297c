/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-sync"

#include "config.h"

#include "mend-sync-error.h"

G_DEFINE_QUARK (mend - sync - error - quark, mend_sync_error)
