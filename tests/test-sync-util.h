/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the sync tests share: one real HQ (PostgreSQL and mend-hq) holding one team's reference
 * data, devices whose stores hold the same reference data, a day's work recorded on them, and
 * checks of what HQ ends up holding. */
#pragma once

#include "mend-photo.h"
#include "mend-store-sync.h"
#include "mend-sync-engine.h"
#include "mend-test-hq.h"
#include "mend-test-util.h"

G_BEGIN_DECLS

/* Sessions and people in the team's reference data, on HQ and on every device. */
#define SYNC_TEST_SESSIONS 3
#define SYNC_TEST_PEOPLE   4

extern MendTestHq *sync_test_hq;
extern char *sync_test_team;

void sync_test_hq_start (void);
void sync_test_hq_stop (void);
char *sync_test_url (void);
char *sync_test_code (void);
void sync_test_revoke (const char *device_id);
void sync_test_import_reference (int n_sessions, int people_per_session, gint64 first_start_ms);

typedef struct
{
  char *dir;
  char *path;
  MendStore *store;
  MendSyncEngine *engine;
} SyncDevice;

void sync_device_open (SyncDevice *d, gconstpointer data);
void sync_device_close (SyncDevice *d, gconstpointer data);
void sync_device_close_store (SyncDevice *d);
void sync_device_reopen (SyncDevice *d);

MendSyncEnrolment *sync_device_enrol (SyncDevice *d,
                                      const char *url,
                                      const char *code,
                                      const char *ca_file,
                                      GError **error);
void sync_device_enrol_ok (SyncDevice *d);
MendSyncReport *sync_device_run (SyncDevice *d, GError **error);
MendSyncReport *sync_device_run_ok (SyncDevice *d);
void sync_device_point_at (SyncDevice *d, const char *url);
/* Starts a second mend-hq on the same database that allows a device one request a minute after
 * a burst of three (enrolment is limited apart), enrols @d with it, and records on @d session
 * @session_id started with five tallies, sent one event a request: the fourth request is
 * refused with 429. @blobs is the new server's blob folder. */
GSubprocess *
sync_device_enrol_rate_limited (SyncDevice *d, const char *blobs, const char *session_id);

/* Records a session's work on @d: start, everyone checked in and briefed, tallies, @n_photos
 * photos of @photo_bytes each, everyone but one checked out, the end. Returns the photos'
 * hashes. */
GPtrArray *sync_device_record_day (SyncDevice *d, int session, guint n_photos, gsize photo_bytes);
char *sync_device_add_photo (SyncDevice *d, const char *session_id, guint32 seed, gsize bytes);

/* What HQ holds of a device: "seq id hash" lines in seq order. */
char *sync_test_hq_events (const char *device_id);
/* The same for the device's acknowledged events. */
char *sync_device_acknowledged (SyncDevice *d);
gint64 sync_device_count (SyncDevice *d, const char *sync_state);
gboolean sync_test_hq_has_blob (const char *sha256);
/* HQ holds exactly the events the device acknowledged, none pending or parked, each once, each
 * hash recomputed by PostgreSQL and chained; and each of @photos (sha256 strings, nullable)
 * whole in HQ's blob folder, named by one photo.taken event. */
void sync_test_assert_converged (SyncDevice *d, GPtrArray *photos);

G_END_DECLS
