/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-ui"

#include "config.h"

#include "mend-sync-status.h"

G_DEFINE_INTERFACE (MendSyncStatus, mend_sync_status, G_TYPE_OBJECT)

static void
mend_sync_status_default_init (MendSyncStatusInterface *iface)
{
  /* Emitted when anything the getters return may have changed. */
  g_signal_new ("changed", G_TYPE_FROM_INTERFACE (iface), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                G_TYPE_NONE, 0);
}

gboolean
mend_sync_status_get_backlog (MendSyncStatus *self, MendBacklog *out_backlog, GError **error)
{
  g_return_val_if_fail (MEND_IS_SYNC_STATUS (self), FALSE);
  return MEND_SYNC_STATUS_GET_IFACE (self)->get_backlog (self, out_backlog, error);
}

gboolean
mend_sync_status_has_backlog (MendSyncStatus *self)
{
  MendSyncStatusInterface *iface;

  g_return_val_if_fail (MEND_IS_SYNC_STATUS (self), FALSE);
  iface = MEND_SYNC_STATUS_GET_IFACE (self);
  return iface->has_backlog ? iface->has_backlog (self) : TRUE;
}

gboolean
mend_sync_status_get_busy (MendSyncStatus *self)
{
  MendSyncStatusInterface *iface;

  g_return_val_if_fail (MEND_IS_SYNC_STATUS (self), FALSE);
  iface = MEND_SYNC_STATUS_GET_IFACE (self);
  return iface->get_busy ? iface->get_busy (self) : FALSE;
}

void
mend_sync_status_refresh (MendSyncStatus *self)
{
  MendSyncStatusInterface *iface;

  g_return_if_fail (MEND_IS_SYNC_STATUS (self));
  iface = MEND_SYNC_STATUS_GET_IFACE (self);
  if (iface->refresh != NULL)
    iface->refresh (self);
}

gint64
mend_sync_status_get_last_success (MendSyncStatus *self)
{
  MendSyncStatusInterface *iface;

  g_return_val_if_fail (MEND_IS_SYNC_STATUS (self), 0);
  iface = MEND_SYNC_STATUS_GET_IFACE (self);
  return iface->get_last_success ? iface->get_last_success (self) : 0;
}

gboolean
mend_sync_status_get_can_sync (MendSyncStatus *self)
{
  MendSyncStatusInterface *iface;

  g_return_val_if_fail (MEND_IS_SYNC_STATUS (self), FALSE);
  iface = MEND_SYNC_STATUS_GET_IFACE (self);
  return iface->get_can_sync ? iface->get_can_sync (self) : FALSE;
}

void
mend_sync_status_emit_changed (MendSyncStatus *self)
{
  g_return_if_fail (MEND_IS_SYNC_STATUS (self));
  g_signal_emit_by_name (self, "changed");
}
