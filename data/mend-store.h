/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The device's local store: one SQLite file holding reference data from HQ, the append-only
 * event log with its hash chain, and the projections derived from it. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "mend-command.h"
#include "mend-rows.h"
#include "mend-types.h"

G_BEGIN_DECLS

#define MEND_STORE_ERROR (mend_store_error_quark ())

typedef enum
{
  MEND_STORE_ERROR_FAILED,
  MEND_STORE_ERROR_CORRUPT,
  MEND_STORE_ERROR_NEWER,
  MEND_STORE_ERROR_FULL,
  MEND_STORE_ERROR_UNWRITABLE,
  MEND_STORE_ERROR_BUSY,
  MEND_STORE_ERROR_IO,
  MEND_STORE_ERROR_INVALID,
  MEND_STORE_ERROR_CHAIN_BROKEN,
} MendStoreError;

typedef enum
{
  MEND_STORE_OPEN_DEFAULT = 0,
  /* synchronous=OFF: only for building large fixtures in tests and benchmarks. A pulled
   * battery can lose confirmed records with it; the app and mendctl never set it. */
  MEND_STORE_OPEN_UNSAFE_NO_SYNC = 1 << 0,
} MendStoreOpenFlags;

/* The newest schema this code knows; the number of the last file in data/migrations/. */
#define MEND_STORE_SCHEMA_VERSION 7

#define MEND_TYPE_STORE (mend_store_get_type ())

G_DECLARE_FINAL_TYPE (MendStore, mend_store, MEND, STORE, GObject)

GQuark mend_store_error_quark (void);

char *mend_store_default_path (void);
MendStore *mend_store_open (const char *path, MendStoreOpenFlags flags, GError **error);
const char *mend_store_get_path (MendStore *self);
const char *mend_store_get_device_id (MendStore *self);
gboolean mend_store_is_read_only (MendStore *self);

/* Recording: the synchronous call and the async facade run the same code on the one writer
 * connection. The returned string is the new event's id, known only after the commit. */
char *mend_store_record (MendStore *self, const MendCommand *command, GError **error);
void mend_store_record_async (MendStore *self,
                              const MendCommand *command,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer user_data);
char *mend_store_record_finish (MendStore *self, GAsyncResult *result, GError **error);

/* Reference data, applied from a manifest in one transaction (see data/README.md). */
gboolean mend_store_apply_reference (MendStore *self, JsonObject *manifest, GError **error);
char *mend_store_dup_pin_hash (MendStore *self, const char *supervisor_id, GError **error);

gboolean mend_store_rebuild_projections (MendStore *self, GError **error);
gboolean mend_store_verify (MendStore *self, gint64 *out_n_events, GError **error);

/* Reads, on the reader connection. */
GPtrArray *mend_store_list_sites (MendStore *self, GError **error);
GPtrArray *mend_store_list_sessions (MendStore *self, gint64 from_ms, gint64 to_ms, GError **error);
MendSessionRow *mend_store_get_session (MendStore *self, const char *session_id, GError **error);
GPtrArray *mend_store_list_roster (MendStore *self, const char *session_id, GError **error);
GPtrArray *mend_store_list_tallies (MendStore *self, const char *session_id, GError **error);
GPtrArray *mend_store_list_events (MendStore *self, const char *session_id, GError **error);
GPtrArray *mend_store_list_outcomes (MendStore *self, GError **error);
MendStatus *mend_store_get_status (MendStore *self, GError **error);

G_END_DECLS
