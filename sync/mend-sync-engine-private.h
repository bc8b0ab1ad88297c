/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the engine's files share: one pass's state, and the steps each file provides. */
#pragma once

#include "mend-http-client.h"
#include "mend-sync-engine.h"

G_BEGIN_DECLS

struct _MendSyncEngine
{
  GObject parent_instance;

  MendStore *store;
  guint batch_size;
  gsize chunk_size;
  guint connect_timeout_s;
  guint low_speed_time_s;
  gboolean send_photos;
  gboolean running;
  MendSyncProgress progress;
};

/* One pass, the data of its GTask. */
typedef struct
{
  MendSyncEngine *engine; /* the task's source object holds the reference */
  MendHttpClient *client;
  char *token;
  char *team_id; /* the team the device is enrolled in */
  MendSyncReport *report;
  guint batch_size;
  GPtrArray *batch; /* (element-type MendEventRow): the events in flight */

  /* Photos (mend-sync-engine-photos.c). */
  GPtrArray *photos; /* (element-type MendSyncPhoto) */
  guint photo_index;
  GFileInputStream *stream;
  gint64 offset;
  gsize chunk_size;
  guint offset_mismatches; /* 409s in a row for the current photo */
  gboolean restarted;      /* the current photo was sent again from 0 after a 422 */

  /* Purge reports (mend-sync-engine-purges.c). */
  GArray *purge_ranges; /* (element-type MendPurgeRange) */
  guint purge_index;    /* the first run not yet sent in this pass */
} MendSyncPass;

/* A write to the store, run on a thread of its own so that its fsync never holds up the
 * calling (UI) thread; the pass goes on in @callback, back on the pass's main context. */
typedef gboolean (*MendSyncWriteFunc) (MendStore *store, gpointer data, GError **error);

/* mend-sync-engine.c */
void mend_sync_pass_write (GTask *task,
                           MendSyncWriteFunc func,
                           gpointer data,
                           GDestroyNotify free_data,
                           GAsyncReadyCallback callback);
gboolean mend_sync_pass_write_finish (GAsyncResult *result, gpointer *out_data, GError **error);
void mend_sync_pass_note_response (MendSyncPass *pass, const MendHttpResponse *response);
void mend_sync_pass_stop (GTask *task, MendSyncState state, const char *format, ...)
    G_GNUC_PRINTF (3, 4);
void mend_sync_pass_fail (GTask *task, GError *error);
void mend_sync_pass_transfer_failed (GTask *task, GError *error, const char *what);
void mend_sync_pass_token_refused (GTask *task, const char *what);
void mend_sync_pass_pull (GTask *task);
void mend_sync_pass_progress (MendSyncPass *pass);
char *mend_sync_refusal_text (const MendHttpResponse *response);
gboolean
mend_sync_pass_common_refusal (GTask *task, const MendHttpResponse *response, const char *what);

/* mend-sync-engine-photos.c */
void mend_sync_pass_photos (GTask *task);

/* mend-sync-engine-purges.c */
void mend_sync_pass_purges (GTask *task);

G_END_DECLS
