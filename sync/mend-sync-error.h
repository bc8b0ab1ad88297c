/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The sync engine's error domain: what went wrong talking to HQ, said for a person. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MEND_SYNC_ERROR (mend_sync_error_quark ())

typedef enum
{
  MEND_SYNC_ERROR_FAILED,
  MEND_SYNC_ERROR_BAD_URL,      /* not https (or http on loopback), or not a URL at all */
  MEND_SYNC_ERROR_NETWORK,      /* no answer: DNS, connect, TLS, timeout, cut connection */
  MEND_SYNC_ERROR_NOT_PROTOCOL, /* an answer that is not HQ's (captive portal, proxy) */
  MEND_SYNC_ERROR_UNAVAILABLE,  /* HQ answered 5xx or 429: try again later */
  MEND_SYNC_ERROR_REFUSED,      /* HQ refused the request itself (4xx), with its message */
  MEND_SYNC_ERROR_UNAUTHORIZED, /* HQ no longer knows the token: enrol again */
  MEND_SYNC_ERROR_NOT_ENROLLED, /* the store is not enrolled, or its token file is missing */
  MEND_SYNC_ERROR_DEMO_STORE,   /* a store with demo data cannot be enrolled */
  MEND_SYNC_ERROR_TOKEN_FILE,   /* the token file cannot be written or is readable by others */
} MendSyncError;

GQuark mend_sync_error_quark (void);

G_END_DECLS
