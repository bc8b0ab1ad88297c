/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What every page records through: the store, the unlocked supervisor and the GPS. GLib only,
 * so that the pages' tests and the window share one way of recording. */
#pragma once

#include <gio/gio.h>

#include "mend-gps-source.h"
#include "mend-store.h"

G_BEGIN_DECLS

#define MEND_TYPE_RECORDER (mend_recorder_get_type ())

G_DECLARE_FINAL_TYPE (MendRecorder, mend_recorder, MEND, RECORDER, GObject)

/* @gps: (nullable): the GPS to stamp records with; %NULL records "GPS is off". */
MendRecorder *mend_recorder_new (MendStore *store, MendGpsSource *gps);
MendStore *mend_recorder_get_store (MendRecorder *self);
MendGpsSource *mend_recorder_get_gps (MendRecorder *self);
void mend_recorder_take_fix (MendRecorder *self, MendFix *out_fix);

const char *mend_recorder_get_supervisor_id (MendRecorder *self);
const char *mend_recorder_get_supervisor_name (MendRecorder *self);
void mend_recorder_set_supervisor (MendRecorder *self, const char *id, const char *name);

/* Stamps @command with the supervisor and the current fix, then records it on the store's
 * worker thread. "recorded" (kind, event id) is emitted on success, before @callback. */
void mend_recorder_record_async (MendRecorder *self,
                                 MendCommand *command,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data);
char *mend_recorder_record_finish (MendRecorder *self, GAsyncResult *result, GError **error);

/* Records in flight; tests wait for zero. */
guint mend_recorder_get_n_pending (MendRecorder *self);
/* Tells the pages that something changed without a record of ours (a photo, a sync). */
void mend_recorder_notify_changed (MendRecorder *self);

G_END_DECLS
