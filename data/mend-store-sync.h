/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the sync engine (sync/) reads from and writes to the store: where the device is
 * enrolled, the events and photos waiting for HQ, HQ's answers about them, and the manifest
 * pulled from HQ. Every change HQ's answer makes is one transaction. */
#pragma once

#include "mend-store.h"

G_BEGIN_DECLS

typedef struct
{
  char *hq_url;
  char *ca_file; /* nullable */
  char *team_id;
  char *team_name;
  char *hq_public_key; /* nullable */
  gint64 enrolled_at_ms;
  char *manifest_cursor; /* nullable: nothing pulled yet */
  gint64 manifest_at_ms; /* 0 when never */
  gint64 last_attempt_ms;
  gint64 last_success_ms;
  char *last_error; /* nullable */
  gboolean has_clock_skew;
  gint64 clock_skew_ms; /* device minus HQ */
  gint64 clock_checked_ms;
  gboolean reenrol_needed;
} MendSyncEnrolment;

/* HQ's verdict on one event it was sent. */
typedef struct
{
  const char *event_id;
  gboolean parked;     /* FALSE: acknowledged */
  const char *message; /* HQ's reason when parked */
} MendSyncOutcome;

/* A photo whose event HQ holds, and whose bytes it does not yet hold in full. */
typedef struct
{
  char *sha256;
  char *path;
  gint64 bytes;
  gint64 uploaded_offset;
} MendSyncPhoto;

typedef struct
{
  gint64 seq;
  char *event_id;
  char *kind;
  char *message;
} MendSyncParked;

typedef struct
{
  gint64 events_pending;
  gint64 events_parked;
  gint64 events_acknowledged;
  gint64 photos_waiting;  /* their event not yet acknowledged, or their bytes not all sent */
  gint64 photos_held;     /* HQ refused every event naming them: they go no further */
  gint64 photos_uploaded; /* HQ holds them whole */
  gint64 photos_problem;  /* cannot be sent as they are: see problems */
  gint64 bytes_waiting;   /* photo bytes HQ does not hold yet */
  GPtrArray *parked;      /* (element-type MendSyncParked) oldest first */
  GPtrArray *problems;    /* (element-type utf8) "sha256: why", one per photo */
} MendSyncCounts;

/* Enrolment. */
MendSyncEnrolment *mend_store_sync_get_enrolment (MendStore *self, GError **error);
gboolean mend_store_sync_set_enrolment (MendStore *self,
                                        const char *hq_url,
                                        const char *ca_file,
                                        const char *team_id,
                                        const char *team_name,
                                        const char *hq_public_key,
                                        GError **error);
gboolean mend_store_sync_set_reenrol_needed (MendStore *self, GError **error);
gboolean mend_store_sync_record_pass (MendStore *self,
                                      gint64 attempt_ms,
                                      gboolean success,
                                      const char *last_error,
                                      gboolean has_clock_skew,
                                      gint64 clock_skew_ms,
                                      gint64 clock_checked_ms,
                                      GError **error);

/* Events. */
GPtrArray *mend_store_sync_pending_events (MendStore *self, guint limit, GError **error);
gboolean mend_store_sync_settle_events (MendStore *self,
                                        const MendSyncOutcome *outcomes,
                                        guint n_outcomes,
                                        GError **error);

/* Photos. */
GPtrArray *mend_store_sync_photos_waiting (MendStore *self, GError **error);
gboolean mend_store_sync_set_photo_offset (MendStore *self,
                                           const char *sha256,
                                           gint64 offset,
                                           gboolean complete,
                                           GError **error);
gboolean mend_store_sync_set_photo_problem (MendStore *self,
                                            const char *sha256,
                                            const char *problem,
                                            GError **error);

/* Reference data from HQ. */
gboolean mend_store_sync_apply_manifest (MendStore *self,
                                         JsonObject *reference,
                                         JsonObject *deleted,
                                         gboolean full,
                                         const char *cursor,
                                         const char *hq_public_key,
                                         const char *team_name,
                                         GError **error);

MendSyncCounts *mend_store_sync_get_counts (MendStore *self, GError **error);

void mend_sync_enrolment_free (MendSyncEnrolment *enrolment);
void mend_sync_photo_free (MendSyncPhoto *photo);
void mend_sync_parked_free (MendSyncParked *parked);
void mend_sync_counts_free (MendSyncCounts *counts);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MendSyncEnrolment, mend_sync_enrolment_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MendSyncPhoto, mend_sync_photo_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MendSyncCounts, mend_sync_counts_free)

G_END_DECLS
