/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A loopback TCP proxy for fault tests and benchmarks: it relays each connection to HQ and
 * cuts it (a reset, both ways) after a random number of bytes drawn from a seeded generator,
 * until it has made the cuts it was asked for; it can throttle, and it counts what it relays.
 * It runs on threads of its own, so a test's main loop and a child process can both use it. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _MendCuttingProxy MendCuttingProxy;

MendCuttingProxy *mend_cutting_proxy_new (guint16 target_port, guint32 seed);
guint16 mend_cutting_proxy_get_port (MendCuttingProxy *proxy);
char *mend_cutting_proxy_get_url (MendCuttingProxy *proxy);
void mend_cutting_proxy_set_target (MendCuttingProxy *proxy, guint16 target_port);
void mend_cutting_proxy_set_cuts (MendCuttingProxy *proxy,
                                  guint max_cuts,
                                  guint64 min_bytes,
                                  guint64 max_bytes);
void mend_cutting_proxy_set_throttle (MendCuttingProxy *proxy, guint64 bytes_per_second);
guint64 mend_cutting_proxy_get_bytes_up (MendCuttingProxy *proxy);
guint64 mend_cutting_proxy_get_bytes_down (MendCuttingProxy *proxy);
guint mend_cutting_proxy_get_cuts (MendCuttingProxy *proxy);
guint mend_cutting_proxy_get_connections (MendCuttingProxy *proxy);
void mend_cutting_proxy_free (MendCuttingProxy *proxy);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MendCuttingProxy, mend_cutting_proxy_free)

G_END_DECLS
