/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-ui"

#include "config.h"

#include "mend-store-sync-status.h"

struct _MendStoreSyncStatus
{
  GObject parent_instance;

  MendRecorder *recorder;
};

static void sync_status_iface_init (MendSyncStatusInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (MendStoreSyncStatus,
                               mend_store_sync_status,
                               G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (MEND_TYPE_SYNC_STATUS,
                                                      sync_status_iface_init))

static gboolean
get_backlog (MendSyncStatus *status, MendBacklog *out_backlog, GError **error)
{
  MendStoreSyncStatus *self = MEND_STORE_SYNC_STATUS (status);

  return mend_store_get_backlog (mend_recorder_get_store (self->recorder), out_backlog, error);
}

static void
sync_status_iface_init (MendSyncStatusInterface *iface)
{
  iface->get_backlog = get_backlog;
}

static void
mend_store_sync_status_dispose (GObject *object)
{
  MendStoreSyncStatus *self = MEND_STORE_SYNC_STATUS (object);

  g_clear_object (&self->recorder);
  G_OBJECT_CLASS (mend_store_sync_status_parent_class)->dispose (object);
}

static void
mend_store_sync_status_class_init (MendStoreSyncStatusClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = mend_store_sync_status_dispose;
}

static void
mend_store_sync_status_init (MendStoreSyncStatus *self)
{
}

static void
recorder_changed_cb (MendStoreSyncStatus *self, MendRecorder *recorder)
{
  mend_sync_status_emit_changed (MEND_SYNC_STATUS (self));
}

MendSyncStatus *
mend_store_sync_status_new (MendRecorder *recorder)
{
  MendStoreSyncStatus *self;

  g_return_val_if_fail (MEND_IS_RECORDER (recorder), NULL);

  self = g_object_new (MEND_TYPE_STORE_SYNC_STATUS, NULL);
  self->recorder = g_object_ref (recorder);
  g_signal_connect_object (recorder, "changed", G_CALLBACK (recorder_changed_cb), self,
                           G_CONNECT_SWAPPED);
  return MEND_SYNC_STATUS (self);
}
