/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-ui"

#include "config.h"

#include "mend-store-sync-status.h"

/* Records that land close together are counted once, this long after the last. */
#define RECOUNT_DELAY_MS 300

struct _MendStoreSyncStatus
{
  GObject parent_instance;

  MendRecorder *recorder;
  GCancellable *cancellable;
  MendBacklog backlog;
  GError *error;
  gboolean loaded;
  gboolean counting;
  gboolean count_again;
  guint recount_source;
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

  if (self->error != NULL)
    {
      g_propagate_error (error, g_error_copy (self->error));
      return FALSE;
    }
  *out_backlog = self->backlog;
  return TRUE;
}

static gboolean
has_backlog (MendSyncStatus *status)
{
  return MEND_STORE_SYNC_STATUS (status)->loaded;
}

static gboolean
get_busy (MendSyncStatus *status)
{
  MendStoreSyncStatus *self = MEND_STORE_SYNC_STATUS (status);

  return self->counting || self->recount_source != 0;
}

static void schedule_count (MendStoreSyncStatus *self, guint delay_ms);

static void
refresh (MendSyncStatus *status)
{
  schedule_count (MEND_STORE_SYNC_STATUS (status), 0);
}

static void
sync_status_iface_init (MendSyncStatusInterface *iface)
{
  iface->refresh = refresh;
  iface->get_backlog = get_backlog;
  iface->has_backlog = has_backlog;
  iface->get_busy = get_busy;
}

static void start_count (MendStoreSyncStatus *self);

static void
counted_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (MendStoreSyncStatus) self = user_data;
  g_autoptr (GError) error = NULL;
  MendBacklog backlog = { 0 };

  if (!mend_store_get_backlog_finish (MEND_STORE (object), result, &backlog, &error)
      && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->counting = FALSE;
  g_clear_error (&self->error);
  if (error != NULL)
    self->error = g_steal_pointer (&error);
  else
    self->backlog = backlog;
  self->loaded = TRUE;
  if (self->count_again)
    start_count (self);
  mend_sync_status_emit_changed (MEND_SYNC_STATUS (self));
}

static void
start_count (MendStoreSyncStatus *self)
{
  self->count_again = FALSE;
  self->counting = TRUE;
  mend_store_get_backlog_async (mend_recorder_get_store (self->recorder), self->cancellable,
                                counted_cb, g_object_ref (self));
}

static gboolean
recount_cb (gpointer user_data)
{
  MendStoreSyncStatus *self = user_data;

  self->recount_source = 0;
  if (self->counting)
    self->count_again = TRUE;
  else
    start_count (self);
  return G_SOURCE_REMOVE;
}

/* Counts again a little later, on a thread: a tap's update never waits for the count. */
static void
schedule_count (MendStoreSyncStatus *self, guint delay_ms)
{
  if (self->recount_source != 0)
    return;
  /* The first count waits for an idle main loop, that is after the window's first frame. */
  if (delay_ms == 0)
    self->recount_source = g_idle_add_full (G_PRIORITY_LOW, recount_cb, self, NULL);
  else
    self->recount_source = g_timeout_add (delay_ms, recount_cb, self);
}

static void
mend_store_sync_status_dispose (GObject *object)
{
  MendStoreSyncStatus *self = MEND_STORE_SYNC_STATUS (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->recount_source, g_source_remove);
  g_clear_object (&self->recorder);
  G_OBJECT_CLASS (mend_store_sync_status_parent_class)->dispose (object);
}

static void
mend_store_sync_status_finalize (GObject *object)
{
  MendStoreSyncStatus *self = MEND_STORE_SYNC_STATUS (object);

  g_clear_object (&self->cancellable);
  g_clear_error (&self->error);
  G_OBJECT_CLASS (mend_store_sync_status_parent_class)->finalize (object);
}

static void
mend_store_sync_status_class_init (MendStoreSyncStatusClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = mend_store_sync_status_dispose;
  G_OBJECT_CLASS (klass)->finalize = mend_store_sync_status_finalize;
}

static void
mend_store_sync_status_init (MendStoreSyncStatus *self)
{
  self->cancellable = g_cancellable_new ();
}

static void
recorder_changed_cb (MendStoreSyncStatus *self, MendRecorder *recorder)
{
  schedule_count (self, RECOUNT_DELAY_MS);
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
  schedule_count (self, 0);
  return MEND_SYNC_STATUS (self);
}
