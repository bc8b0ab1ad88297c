/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the store's files share: the struct, and the pieces each file provides to the others. */
#pragma once

#include "mend-canonical.h"
#include "mend-command-private.h"
#include "mend-db.h"
#include "mend-rules.h"
#include "mend-store.h"

G_BEGIN_DECLS

struct _MendStore
{
  GObject parent_instance;

  char *path;
  char *device_id;

  /* The one writer connection. The worker thread uses it for async writes and mendctl's
   * synchronous path uses it on its own thread; the lock keeps them to one at a time. */
  GMutex write_lock;
  MendDb *writer;
  GThreadPool *worker;
  /* Set by the worker when it first runs: the store can be finalized there, when a task's
   * reference was the last one, and must not wait for itself. */
  GThread *worker_thread;

  /* Reads run on the caller's thread through their own read-only connection, so a read
   * never waits for a write. */
  MendDb *reader;
  /* Opened from read-only storage: the writer connection reads only (mend_store_open()). */
  gboolean read_only;

  /* Photos (mend-photo.c): the folder beside the store, and the temp files this store made
   * and has not yet adopted, each path mapped to a descriptor that holds a lock on the file
   * so that a store opened meanwhile does not take it for a crash's leftover. */
  char *photos_dir;
  GMutex photo_lock;
  GHashTable *photo_temps;
  /* sha256 → locked descriptor of photos/.adopting-<sha256>: photos moved into place and not
   * yet recorded (see mend_store_settle_photo()). */
  GHashTable *photo_markers;
};

/* An event as the projections read it. */
typedef struct
{
  const char *id;
  MendEventKind kind;
  const char *session_id;
  const char *participant_id;
  gint64 occurred_at_ms;
  JsonObject *payload;
} MendProjectedEvent;

/* mend-store-migrate.c */
gboolean mend_store_migrate (MendDb *db, const char *path, GError **error);

/* mend-event-log.c: the fix columns of `events`, in the order the functions below use. */
#define MEND_FIX_COLUMNS                                                                           \
  "fix_state, fix_note, gnss_time, lat, lon, alt, h_accuracy, fix_mode, satellites, "              \
  "fix_age_ms, clock_skew_ms"
void mend_event_log_read_fix (MendStmt *stmt,
                              int first,
                              MendFix *out_fix,
                              gboolean *out_has_skew,
                              gint64 *out_skew_ms);
/* The columns an event's hash covers, in the order mend_event_log_read_fields() reads them. */
#define MEND_HASHED_COLUMNS                                                                        \
  "seq, id, kind, session_id, participant_id, supervisor_id, recorded_at, occurred_at, payload"
void mend_event_log_read_fields (MendStmt *stmt,
                                 int fix_first,
                                 const char *device_id,
                                 MendEventFields *out_fields,
                                 MendFix *out_fix);
/* What mend_event_log_read_row() reads: MEND_HASHED_COLUMNS, then prev_hash, hash,
 * sync_state, voided_by (or NULL), then MEND_FIX_COLUMNS. */
MendEventRow *mend_event_log_read_row (MendStmt *stmt, gboolean redact);
gboolean
mend_event_log_append (MendDb *db, MendEventFields *fields, char **out_hash, GError **error);
gboolean
mend_event_log_verify (MendDb *db, const char *device_id, gint64 *out_n_events, GError **error);

/* mend-projection.c */
gboolean mend_projection_apply (MendDb *db, const MendProjectedEvent *event, GError **error);
gboolean mend_projection_rebuild (MendDb *db,
                                  const char *session_id,
                                  const char *participant_id,
                                  GError **error);

/* mend-photo.c */
void mend_store_open_photos (MendStore *self);
void mend_store_settle_photo (MendStore *self, const char *sha256, gboolean recorded);
void mend_store_close_photos (MendStore *self);

/* mend-store-reference.c */
gboolean mend_store_apply_lists (MendDb *db, JsonObject *manifest, GError **error);

/* mend-store-seal.c: notes sealed to HQ's key (data/README.md, "Sealed notes"). */
gboolean mend_store_put_notes (MendDb *db, JsonObject *payload, const char *notes, GError **error);
gboolean
mend_store_put_alert_details (MendDb *db, JsonObject *payload, const char *details, GError **error);
gboolean mend_store_seal_plain_notes (MendDb *db,
                                      const char *device_id,
                                      const char *public_key_base64,
                                      guint *out_n_sealed,
                                      GError **error);
gboolean mend_store_scrub (MendDb *db, gboolean *out_truncated, GError **error);
gboolean mend_store_sync_ever_enrolled (MendDb *db);

/* mend-names.c */
gboolean mend_store_drop_names_in (MendDb *db, gint64 now_ms, guint *out_dropped, GError **error);

/* mend-store.c */
gboolean mend_store_begin (MendDb *db, GError **error);
gboolean mend_store_commit (MendDb *db, GError **error);
void mend_store_rollback (MendDb *db);

/* mend-store-facts.c: what the rules need to know, read inside the write transaction. */
gboolean mend_store_session_state (MendDb *db,
                                   const char *session_id,
                                   MendSessionState *out_state,
                                   char **out_supervisor_id,
                                   GError **error);
gboolean mend_store_attendance_facts (MendDb *db,
                                      const char *session_id,
                                      const char *participant_id,
                                      MendAttendanceFacts *out_facts,
                                      gint64 *out_arrived_at_ms,
                                      GError **error);

G_END_DECLS
