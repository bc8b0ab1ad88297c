/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the Sync page and the Today page's status line show about syncing, behind a small
 * interface: today the store's own counts (MendStoreSyncStatus); later the sync engine, which
 * knows progress, the last success and HQ's refusals, can implement it too. */
#pragma once

#include <glib-object.h>

#include "mend-store-ui-queries.h"

G_BEGIN_DECLS

#define MEND_TYPE_SYNC_STATUS (mend_sync_status_get_type ())

G_DECLARE_INTERFACE (MendSyncStatus, mend_sync_status, MEND, SYNC_STATUS, GObject)

struct _MendSyncStatusInterface
{
  GTypeInterface parent_iface;

  /* The last counts, without asking the store: implementations count off the main thread and
   * emit "changed" when new counts arrive. */
  gboolean (*get_backlog) (MendSyncStatus *self, MendBacklog *out_backlog, GError **error);
  /* Whether any counts have arrived yet (or failed to). */
  gboolean (*has_backlog) (MendSyncStatus *self);
  /* Whether counting is under way, for tests that wait for it. */
  gboolean (*get_busy) (MendSyncStatus *self);
  /* Count again soon (after a sync pass, say); "changed" follows. */
  void (*refresh) (MendSyncStatus *self);
  /* UTC ms of the last exchange HQ answered in full, or 0 for never. */
  gint64 (*get_last_success) (MendSyncStatus *self);
  /* Whether anything can send what waits (an engine with an HQ to send to). */
  gboolean (*get_can_sync) (MendSyncStatus *self);
};

gboolean
mend_sync_status_get_backlog (MendSyncStatus *self, MendBacklog *out_backlog, GError **error);
gboolean mend_sync_status_has_backlog (MendSyncStatus *self);
gboolean mend_sync_status_get_busy (MendSyncStatus *self);
void mend_sync_status_refresh (MendSyncStatus *self);
gint64 mend_sync_status_get_last_success (MendSyncStatus *self);
gboolean mend_sync_status_get_can_sync (MendSyncStatus *self);
void mend_sync_status_emit_changed (MendSyncStatus *self);

G_END_DECLS
