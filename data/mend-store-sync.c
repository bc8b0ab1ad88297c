/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-store"

#include "config.h"

#include "mend-store-sync.h"

#include "mend-demo.h"
#include "mend-photo.h"
#include "mend-store-private.h"

#include <string.h>

/* The store's side of sync (sync/README.md). Reads that decide what to send run on the reader
 * connection; every change that follows an answer from HQ is one transaction on the writer,
 * so a crash leaves each event and photo either as it was or as HQ said. */

static gboolean
fail_locked (MendDb *db, GError **error)
{
  mend_store_rollback (db);
  return FALSE;
}

/**
 * mend_store_sync_get_enrolment:
 *
 * Returns: (transfer full) (nullable): where the device is enrolled, or %NULL without an
 *   error when it is not.
 */
MendSyncEnrolment *
mend_store_sync_get_enrolment (MendStore *self, GError **error)
{
  g_autoptr (MendStmt) stmt = NULL;
  MendSyncEnrolment *e;
  int rc;

  g_return_val_if_fail (MEND_IS_STORE (self), NULL);

  stmt = mend_db_prepare (self->reader,
                          "SELECT hq_url, ca_file, team_id, team_name, hq_public_key, enrolled_at, "
                          "  manifest_cursor, manifest_at, last_attempt_at, last_success_at, "
                          "  last_error, clock_skew_ms, clock_checked_at, reenrol_needed "
                          "FROM sync_enrolment",
                          error);
  if (stmt == NULL)
    return NULL;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    return NULL;
  if (rc != SQLITE_ROW)
    {
      mend_db_set_error (self->reader, rc, error, "Could not read the enrolment");
      return NULL;
    }
  e = g_new0 (MendSyncEnrolment, 1);
  e->hq_url = mend_stmt_dup_text (stmt, 0);
  e->ca_file = mend_stmt_dup_text (stmt, 1);
  e->team_id = mend_stmt_dup_text (stmt, 2);
  e->team_name = mend_stmt_dup_text (stmt, 3);
  e->hq_public_key = mend_stmt_dup_text (stmt, 4);
  e->enrolled_at_ms = sqlite3_column_int64 (stmt, 5);
  e->manifest_cursor = mend_stmt_dup_text (stmt, 6);
  e->manifest_at_ms = sqlite3_column_int64 (stmt, 7);
  e->last_attempt_ms = sqlite3_column_int64 (stmt, 8);
  e->last_success_ms = sqlite3_column_int64 (stmt, 9);
  e->last_error = mend_stmt_dup_text (stmt, 10);
  e->has_clock_skew = sqlite3_column_type (stmt, 11) != SQLITE_NULL;
  e->clock_skew_ms = sqlite3_column_int64 (stmt, 11);
  e->clock_checked_ms = sqlite3_column_int64 (stmt, 12);
  e->reenrol_needed = sqlite3_column_int (stmt, 13) != 0;
  return e;
}

/**
 * mend_store_sync_set_enrolment:
 *
 * Records where the device is now enrolled. A new enrolment starts the manifest afresh (the
 * team may have changed), and clears a pending request to re-enrol. A store holding demo
 * data is refused: an enrolled device takes all its reference data from HQ.
 */
gboolean
mend_store_sync_set_enrolment (MendStore *self,
                               const char *hq_url,
                               const char *ca_file,
                               const char *team_id,
                               const char *team_name,
                               const char *hq_public_key,
                               GError **error)
{
  g_autoptr (GMutexLocker) locker = NULL;
  g_autoptr (MendStmt) stmt = NULL;
  g_autoptr (GError) scrub_error = NULL;
  guint n_sealed = 0;

  g_return_val_if_fail (MEND_IS_STORE (self), FALSE);
  g_return_val_if_fail (hq_url != NULL && team_id != NULL && team_name != NULL, FALSE);

  if (mend_store_is_demo (self))
    {
      g_set_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_INVALID,
                   "This store holds demo data; an enrolled device takes all its reference data "
                   "from HQ. Start from a fresh store (a new --db path) to enrol");
      return FALSE;
    }

  locker = g_mutex_locker_new (&self->write_lock);
  stmt = mend_db_prepare (self->writer,
                          "INSERT INTO sync_enrolment (singleton, hq_url, ca_file, team_id, "
                          "  team_name, hq_public_key, enrolled_at) "
                          "VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6) "
                          "ON CONFLICT (singleton) DO UPDATE SET hq_url = excluded.hq_url, "
                          "  ca_file = excluded.ca_file, team_id = excluded.team_id, "
                          "  team_name = excluded.team_name, "
                          "  hq_public_key = excluded.hq_public_key, "
                          "  enrolled_at = excluded.enrolled_at, manifest_cursor = NULL, "
                          "  manifest_at = NULL, last_error = NULL, reenrol_needed = 0",
                          error);
  if (stmt == NULL)
    return FALSE;
  mend_stmt_bind_text (stmt, 1, hq_url);
  mend_stmt_bind_text (stmt, 2, ca_file);
  mend_stmt_bind_text (stmt, 3, team_id);
  mend_stmt_bind_text (stmt, 4, team_name);
  mend_stmt_bind_text (stmt, 5, hq_public_key);
  sqlite3_bind_int64 (stmt, 6, g_get_real_time () / 1000);
  /* The notes kept plainly before the device was first enrolled are sealed in the same
   * transaction as the enrolment, then the file is rewritten so their text is gone from it.
   * An enrolled device already sealed its notes; one enrolled by a version that did not keeps
   * what HQ already holds as it is. */
  if (!mend_store_begin (self->writer, error))
    return FALSE;
  if ((hq_public_key != NULL && !mend_store_sync_ever_enrolled (self->writer)
       && !mend_store_seal_plain_notes (self->writer, self->device_id, hq_public_key, &n_sealed,
                                        error))
      || !mend_db_step_done (self->writer, stmt, error))
    {
      g_clear_pointer (&stmt, mend_stmt_release);
      mend_store_rollback (self->writer);
      return FALSE;
    }
  g_clear_pointer (&stmt, mend_stmt_release);
  if (!mend_store_commit (self->writer, error))
    {
      mend_store_rollback (self->writer);
      return FALSE;
    }
  if (n_sealed > 0 && !mend_store_scrub (self->writer, NULL, &scrub_error))
    g_warning ("Sealed %u notes at enrolment, but the store file could not be rewritten: %s",
               n_sealed, scrub_error->message);
  return TRUE;
}

/**
 * mend_store_sync_set_reenrol_needed:
 *
 * HQ refused the device's token: nothing is sent again until it is enrolled anew.
 */
gboolean
mend_store_sync_set_reenrol_needed (MendStore *self, GError **error)
{
  g_autoptr (GMutexLocker) locker = NULL;

  g_return_val_if_fail (MEND_IS_STORE (self), FALSE);

  locker = g_mutex_locker_new (&self->write_lock);
  return mend_db_exec (self->writer, "UPDATE sync_enrolment SET reenrol_needed = 1", error);
}

/**
 * mend_store_sync_record_pass:
 * @success: the pass left nothing waiting that the network could still deliver
 * @last_error: (nullable): why the pass stopped early
 * @has_clock_skew: whether any answer carried a Date; then @clock_skew_ms is device minus HQ
 */
gboolean
mend_store_sync_record_pass (MendStore *self,
                             gint64 attempt_ms,
                             gboolean success,
                             const char *last_error,
                             gboolean has_clock_skew,
                             gint64 clock_skew_ms,
                             gint64 clock_checked_ms,
                             GError **error)
{
  g_autoptr (GMutexLocker) locker = NULL;
  g_autoptr (MendStmt) stmt = NULL;

  g_return_val_if_fail (MEND_IS_STORE (self), FALSE);

  locker = g_mutex_locker_new (&self->write_lock);
  stmt = mend_db_prepare (self->writer,
                          "UPDATE sync_enrolment SET last_attempt_at = ?1, "
                          "  last_success_at = CASE WHEN ?2 THEN ?1 ELSE last_success_at END, "
                          "  last_error = ?3, "
                          "  clock_skew_ms = CASE WHEN ?4 THEN ?5 ELSE clock_skew_ms END, "
                          "  clock_checked_at = CASE WHEN ?4 THEN ?6 ELSE clock_checked_at END",
                          error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, attempt_ms);
  sqlite3_bind_int (stmt, 2, success);
  mend_stmt_bind_text (stmt, 3, last_error);
  sqlite3_bind_int (stmt, 4, has_clock_skew);
  sqlite3_bind_int64 (stmt, 5, clock_skew_ms);
  sqlite3_bind_int64 (stmt, 6, clock_checked_ms);
  return mend_db_step_done (self->writer, stmt, error);
}

static gpointer
pending_row_from (MendStmt *stmt)
{
  /* Unredacted: HQ is the one reader that needs the canonical event as it was hashed. */
  return mend_event_log_read_row (stmt, FALSE);
}

/**
 * mend_store_sync_pending_events:
 * @limit: at most this many
 *
 * Returns: (transfer full) (element-type MendEventRow): the oldest events HQ has not answered
 *   for, in seq order, exactly as they were hashed (nothing redacted). Only for sending.
 */
GPtrArray *
mend_store_sync_pending_events (MendStore *self, guint limit, GError **error)
{
  g_autoptr (MendStmt) stmt = NULL;

  g_return_val_if_fail (MEND_IS_STORE (self), NULL);

  stmt = mend_db_prepare (self->reader,
                          "SELECT " MEND_HASHED_COLUMNS ", prev_hash, hash, sync_state, NULL, "
                          "  " MEND_FIX_COLUMNS " "
                          "FROM events WHERE sync_state = 'pending' ORDER BY seq LIMIT ?1",
                          error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, limit);
  return mend_db_collect (self->reader, stmt, pending_row_from, (GDestroyNotify)mend_event_row_free,
                          error);
}

/**
 * mend_store_sync_settle_events:
 * @outcomes: (array length=n_outcomes): HQ's verdicts, from one answer
 *
 * Moves each event HQ answered for from pending to acknowledged, or to parked with HQ's
 * message, all in one transaction. An event that is no longer pending is left as it is.
 */
gboolean
mend_store_sync_settle_events (MendStore *self,
                               const MendSyncOutcome *outcomes,
                               guint n_outcomes,
                               GError **error)
{
  g_autoptr (GMutexLocker) locker = NULL;
  MendDb *db;

  g_return_val_if_fail (MEND_IS_STORE (self), FALSE);
  g_return_val_if_fail (outcomes != NULL || n_outcomes == 0, FALSE);

  locker = g_mutex_locker_new (&self->write_lock);
  db = self->writer;
  if (!mend_store_begin (db, error))
    return FALSE;
  for (guint i = 0; i < n_outcomes; i++)
    {
      g_autoptr (MendStmt) stmt = NULL;

      stmt = mend_db_prepare (db,
                              "UPDATE events SET sync_state = ?2, sync_message = ?3 "
                              "WHERE id = ?1 AND sync_state = 'pending'",
                              error);
      if (stmt == NULL)
        return fail_locked (db, error);
      mend_stmt_bind_text (stmt, 1, outcomes[i].event_id);
      mend_stmt_bind_text (stmt, 2, outcomes[i].parked ? "parked" : "acknowledged");
      mend_stmt_bind_text (stmt, 3, outcomes[i].parked ? outcomes[i].message : NULL);
      if (!mend_db_step_done (db, stmt, error))
        return fail_locked (db, error);
    }
  if (!mend_store_commit (db, error))
    return fail_locked (db, error);
  return TRUE;
}

/**
 * mend_store_sync_photos_waiting:
 *
 * Returns: (transfer full) (element-type MendSyncPhoto): photos HQ does not hold whole yet,
 *   whose photo.taken event HQ has acknowledged (HQ refuses a blob no stored event names),
 *   and that have no reported problem; oldest first.
 */
GPtrArray *
mend_store_sync_photos_waiting (MendStore *self, GError **error)
{
  g_autoptr (MendStmt) stmt = NULL;
  g_autoptr (GPtrArray) photos
      = g_ptr_array_new_with_free_func ((GDestroyNotify)mend_sync_photo_free);
  int rc;

  g_return_val_if_fail (MEND_IS_STORE (self), NULL);

  stmt = mend_db_prepare (self->reader,
                          "SELECT p.sha256, p.bytes, p.uploaded_offset FROM photos p "
                          "WHERE p.uploaded = 0 AND p.upload_problem IS NULL AND EXISTS ("
                          "  SELECT 1 FROM events e WHERE e.kind = 'photo.taken' "
                          "  AND e.sync_state = 'acknowledged' "
                          "  AND json_extract(e.payload, '$.sha256') = p.sha256) "
                          "ORDER BY p.stored_at, p.sha256",
                          error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      MendSyncPhoto *photo = g_new0 (MendSyncPhoto, 1);

      photo->sha256 = mend_stmt_dup_text (stmt, 0);
      photo->bytes = sqlite3_column_int64 (stmt, 1);
      photo->uploaded_offset = sqlite3_column_int64 (stmt, 2);
      photo->path = mend_store_photo_path (self, photo->sha256);
      g_ptr_array_add (photos, photo);
    }
  if (rc != SQLITE_DONE)
    {
      mend_db_set_error (self->reader, rc, error, "Could not list the photos to send");
      return NULL;
    }
  return g_steal_pointer (&photos);
}

/*
 * Runs @stmt with synchronous=NORMAL instead of FULL: in WAL mode the commit is not fsynced
 * until the next FULL commit or checkpoint. Only for hints whose loss costs a little time, never
 * data: a photo's upload offset is one (after a power cut HQ's HEAD answers the true offset and
 * the chunk is sent again), and fsyncing it after every 512 KiB chunk was most of what the
 * device's sync spent above a bare upload. A store opened without syncing stays that way.
 */
static gboolean
step_without_fsync (MendDb *db, MendStmt *stmt, GError **error)
{
  g_autoptr (MendStmt) query = mend_db_prepare (db, "PRAGMA synchronous", error);
  gboolean full;
  gboolean ok;

  if (query == NULL)
    return FALSE;
  full = sqlite3_step (query) == SQLITE_ROW && sqlite3_column_int (query, 0) >= 2;
  g_clear_pointer (&query, mend_stmt_release);
  if (full && !mend_db_exec (db, "PRAGMA synchronous = NORMAL", error))
    return FALSE;
  ok = mend_db_step_done (db, stmt, error);
  if (full && !mend_db_exec (db, "PRAGMA synchronous = FULL", ok ? error : NULL))
    return FALSE;
  return ok;
}

/**
 * mend_store_sync_set_photo_offset:
 * @offset: the Upload-Offset HQ answered
 * @complete: HQ answered Upload-Complete: ?1
 */
gboolean
mend_store_sync_set_photo_offset (MendStore *self,
                                  const char *sha256,
                                  gint64 offset,
                                  gboolean complete,
                                  GError **error)
{
  g_autoptr (GMutexLocker) locker = NULL;
  g_autoptr (MendStmt) stmt = NULL;

  g_return_val_if_fail (MEND_IS_STORE (self), FALSE);
  g_return_val_if_fail (offset >= 0, FALSE);

  locker = g_mutex_locker_new (&self->write_lock);
  /* HQ never takes back a whole, verified blob: a late answer from a second pass running at
   * the same time (the app and a timer) cannot unmark it. */
  stmt = mend_db_prepare (self->writer,
                          "UPDATE photos SET uploaded_offset = ?2, uploaded = ?3 "
                          "WHERE sha256 = ?1 AND uploaded = 0",
                          error);
  if (stmt == NULL)
    return FALSE;
  mend_stmt_bind_text (stmt, 1, sha256);
  sqlite3_bind_int64 (stmt, 2, offset);
  sqlite3_bind_int (stmt, 3, complete);
  if (complete)
    return mend_db_step_done (self->writer, stmt, error);
  return step_without_fsync (self->writer, stmt, error);
}

/**
 * mend_store_sync_set_photo_problem:
 * @problem: (nullable): why the photo cannot be sent, for a person; %NULL to try it again
 */
gboolean
mend_store_sync_set_photo_problem (MendStore *self,
                                   const char *sha256,
                                   const char *problem,
                                   GError **error)
{
  g_autoptr (GMutexLocker) locker = NULL;
  g_autoptr (MendStmt) stmt = NULL;

  g_return_val_if_fail (MEND_IS_STORE (self), FALSE);

  locker = g_mutex_locker_new (&self->write_lock);
  stmt = mend_db_prepare (self->writer, "UPDATE photos SET upload_problem = ?2 WHERE sha256 = ?1",
                          error);
  if (stmt == NULL)
    return FALSE;
  mend_stmt_bind_text (stmt, 1, sha256);
  mend_stmt_bind_text (stmt, 2, problem);
  return mend_db_step_done (self->writer, stmt, error);
}

/* How the manifest's lists name their rows. Deletion runs in this order, the reverse of the
 * order rows are applied in, so nothing is removed while a row still names it. */
typedef struct
{
  const char *list;
  const char *table;
  const char *key;
  /* Rows that stay whatever HQ says: people on site stay under their supervisor until they
   * are checked out, with their session, its site and its supervisor. */
  const char *keep;
} DeleteSpec;

#define ON_SITE "SELECT participant_id FROM attendance WHERE state = 'on_site'"
#define SESSIONS_IN_USE                                                                            \
  "SELECT session_id FROM attendance WHERE state = 'on_site' UNION "                               \
  "SELECT session_id FROM session_progress WHERE started_at IS NOT NULL AND ended_at IS NULL"

static const DeleteSpec delete_specs[] = {
  { "assignments", "assignments", NULL,
    "EXISTS (SELECT 1 FROM attendance a WHERE a.state = 'on_site' "
    "AND a.session_id = assignments.session_id AND a.participant_id = "
    "assignments.participant_id)" },
  { "sessions", "sessions", "id", "id IN (" SESSIONS_IN_USE ")" },
  { "participants", "participants", "id", "id IN (" ON_SITE ")" },
  { "supervisors", "supervisors", "id",
    "EXISTS (SELECT 1 FROM sessions s WHERE s.supervisor_id = supervisors.id)" },
  { "sites", "sites", "id", "EXISTS (SELECT 1 FROM sessions s WHERE s.site_id = sites.id)" },
  { "outcome_codes", "outcome_codes", "code", NULL },
  { "tally_categories", "tally_categories", "id", NULL },
};

static char *
pair_key (const char *session_id, const char *participant_id)
{
  return g_strconcat (session_id, "\n", participant_id, NULL);
}

/* The keys @list names: ids, or for assignments "session\nparticipant". */
static GHashTable *
keys_of (const DeleteSpec *spec, JsonArray *list, gboolean from_manifest)
{
  GHashTable *keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint n = list != NULL ? json_array_get_length (list) : 0;

  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (list, i);

      if (spec->key == NULL)
        {
          JsonObject *pair;

          if (!JSON_NODE_HOLDS_OBJECT (node))
            continue;
          pair = json_node_get_object (node);
          /* A manifest's assignment rows and its deletions both name the pair this way. */
          g_hash_table_add (
              keys,
              pair_key (json_object_get_string_member_with_default (pair, "session", ""),
                        json_object_get_string_member_with_default (pair, "participant", "")));
        }
      else if (!from_manifest && JSON_NODE_HOLDS_VALUE (node)
               && json_node_get_value_type (node) == G_TYPE_STRING)
        g_hash_table_add (keys, g_strdup (json_node_get_string (node)));
      else if (from_manifest && JSON_NODE_HOLDS_OBJECT (node))
        {
          const char *id = json_object_get_string_member_with_default (json_node_get_object (node),
                                                                       spec->key, NULL);

          if (id != NULL)
            g_hash_table_add (keys, g_strdup (id));
        }
    }
  return keys;
}

static gboolean
delete_row (MendDb *db, const DeleteSpec *spec, const char *key, GError **error)
{
  g_autofree char *sql = NULL;
  g_autofree char *first = NULL;
  const char *second = NULL;
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (spec->key == NULL)
    {
      const char *newline = strchr (key, '\n');

      if (newline == NULL)
        return TRUE;
      first = g_strndup (key, newline - key);
      second = newline + 1;
      sql = g_strdup_printf ("DELETE FROM assignments WHERE session_id = ?1 AND "
                             "participant_id = ?2 AND NOT (%s)",
                             spec->keep);
    }
  else
    {
      first = g_strdup (key);
      sql = g_strdup_printf ("DELETE FROM %s WHERE %s = ?1%s%s%s", spec->table, spec->key,
                             spec->keep ? " AND NOT (" : "", spec->keep ? spec->keep : "",
                             spec->keep ? ")" : "");
    }
  rc = sqlite3_prepare_v2 (db->handle, sql, -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return mend_db_set_error (db, rc, error, "Could not apply HQ's deletions");
  sqlite3_bind_text (stmt, 1, first, -1, SQLITE_TRANSIENT);
  if (second != NULL)
    sqlite3_bind_text (stmt, 2, second, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return mend_db_set_error (db, rc, error, "Could not delete %s “%s” as HQ asked", spec->list,
                              key);
  return TRUE;
}

/* Every key the table holds now. */
static GPtrArray *
keys_held (MendDb *db, const DeleteSpec *spec, GError **error)
{
  g_autofree char *sql = NULL;
  g_autoptr (GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (spec->key == NULL)
    sql = g_strdup ("SELECT session_id, participant_id FROM assignments");
  else
    sql = g_strdup_printf ("SELECT %s, NULL FROM %s", spec->key, spec->table);
  rc = sqlite3_prepare_v2 (db->handle, sql, -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      mend_db_set_error (db, rc, error, "Could not read the reference data");
      return NULL;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *a = (const char *)sqlite3_column_text (stmt, 0);
      const char *b = (const char *)sqlite3_column_text (stmt, 1);

      g_ptr_array_add (keys, spec->key == NULL ? pair_key (a, b) : g_strdup (a));
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      mend_db_set_error (db, rc, error, "Could not read the reference data");
      return NULL;
    }
  return g_steal_pointer (&keys);
}

static gboolean
apply_deletions (MendDb *db,
                 JsonObject *reference,
                 JsonObject *deleted,
                 gboolean full,
                 GError **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (delete_specs); i++)
    {
      const DeleteSpec *spec = &delete_specs[i];
      g_autoptr (GHashTable) doomed = NULL;

      if (full)
        {
          JsonNode *list
              = reference != NULL ? json_object_get_member (reference, spec->list) : NULL;
          g_autoptr (GHashTable) present = keys_of (
              spec,
              list != NULL && JSON_NODE_HOLDS_ARRAY (list) ? json_node_get_array (list) : NULL,
              TRUE);
          g_autoptr (GPtrArray) held = keys_held (db, spec, error);

          if (held == NULL)
            return FALSE;
          doomed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
          for (guint k = 0; k < held->len; k++)
            if (!g_hash_table_contains (present, g_ptr_array_index (held, k)))
              g_hash_table_add (doomed, g_strdup (g_ptr_array_index (held, k)));
        }
      else
        {
          JsonNode *list = deleted != NULL ? json_object_get_member (deleted, spec->list) : NULL;

          doomed = keys_of (
              spec,
              list != NULL && JSON_NODE_HOLDS_ARRAY (list) ? json_node_get_array (list) : NULL,
              FALSE);
        }

      {
        GHashTableIter iter;
        gpointer key;

        g_hash_table_iter_init (&iter, doomed);
        while (g_hash_table_iter_next (&iter, &key, NULL))
          if (!delete_row (db, spec, key, error))
            return FALSE;
      }
    }
  return TRUE;
}

/**
 * mend_store_sync_apply_manifest:
 * @reference: the manifest's lists (upserts)
 * @deleted: (nullable): ids to remove, by list (PROTOCOL.md section 12)
 * @full: the manifest is everything: rows it does not hold are dropped
 * @cursor: stored with the data, in the same transaction
 *
 * Applies HQ's manifest in one transaction: upserts, then deletions. Events are never
 * touched. People on site, with their session, its site and its supervisor, stay until they
 * are checked out, whatever the manifest says; the next manifest removes them.
 */
gboolean
mend_store_sync_apply_manifest (MendStore *self,
                                JsonObject *reference,
                                JsonObject *deleted,
                                gboolean full,
                                const char *cursor,
                                const char *hq_public_key,
                                const char *team_name,
                                GError **error)
{
  g_autoptr (GMutexLocker) locker = NULL;
  g_autoptr (MendStmt) stmt = NULL;
  MendDb *db;

  g_return_val_if_fail (MEND_IS_STORE (self), FALSE);
  g_return_val_if_fail (reference != NULL && cursor != NULL, FALSE);

  locker = g_mutex_locker_new (&self->write_lock);
  db = self->writer;
  if (!mend_store_begin (db, error))
    return FALSE;
  /* Deletions first, so an id deleted and then re-added by the same manifest comes back. */
  if (!full && !apply_deletions (db, reference, deleted, FALSE, error))
    return fail_locked (db, error);
  if (!mend_store_apply_lists (db, reference, error))
    return fail_locked (db, error);
  if (full && !apply_deletions (db, reference, NULL, TRUE, error))
    return fail_locked (db, error);
  /* HQ sends names by the same window; a person whose session has passed since is dropped. */
  if (!mend_store_drop_names_in (db, g_get_real_time () / 1000, NULL, error))
    return fail_locked (db, error);

  stmt = mend_db_prepare (db,
                          "UPDATE sync_enrolment SET manifest_cursor = ?1, manifest_at = ?2, "
                          "  hq_public_key = coalesce(?3, hq_public_key), "
                          "  team_name = coalesce(?4, team_name)",
                          error);
  if (stmt == NULL)
    return fail_locked (db, error);
  mend_stmt_bind_text (stmt, 1, cursor);
  sqlite3_bind_int64 (stmt, 2, g_get_real_time () / 1000);
  mend_stmt_bind_text (stmt, 3, hq_public_key);
  mend_stmt_bind_text (stmt, 4, team_name);
  if (!mend_db_step_done (db, stmt, error) || !mend_store_commit (db, error))
    return fail_locked (db, error);
  return TRUE;
}

/* A photo waits while HQ may still take it: not whole at HQ, no problem found, and named by a
 * photo.taken event that is acknowledged or still pending. One whose events HQ all refused is
 * held back with them. */
#define PHOTO_WAITS                                                                                \
  "uploaded = 0 AND upload_problem IS NULL AND EXISTS (SELECT 1 FROM events e "                    \
  "WHERE e.kind = 'photo.taken' AND e.sync_state IN ('pending', 'acknowledged') "                  \
  "AND json_extract(e.payload, '$.sha256') = photos.sha256)"

/**
 * mend_store_sync_get_counts:
 *
 * Returns: (transfer full) (nullable): what waits, what HQ holds and what it refused.
 */
MendSyncCounts *
mend_store_sync_get_counts (MendStore *self, GError **error)
{
  g_autoptr (MendStmt) stmt = NULL;
  g_autoptr (MendStmt) parked = NULL;
  g_autoptr (MendStmt) problems = NULL;
  g_autoptr (MendSyncCounts) counts = NULL;
  int rc;

  g_return_val_if_fail (MEND_IS_STORE (self), NULL);

  stmt = mend_db_prepare (
      self->reader,
      "SELECT (SELECT count(*) FROM events WHERE sync_state = 'pending'), "
      "  (SELECT count(*) FROM events WHERE sync_state = 'parked'), "
      "  (SELECT count(*) FROM events WHERE sync_state = 'acknowledged'), "
      "  (SELECT count(*) FROM photos WHERE " PHOTO_WAITS "), "
      "  (SELECT count(*) FROM photos WHERE uploaded = 1), "
      "  (SELECT count(*) FROM photos WHERE uploaded = 0 AND upload_problem IS NOT NULL), "
      "  (SELECT coalesce(sum(bytes - uploaded_offset), 0) FROM photos WHERE " PHOTO_WAITS "), "
      "  (SELECT count(*) FROM photos WHERE uploaded = 0 AND upload_problem IS NULL "
      "   AND NOT (" PHOTO_WAITS "))",
      error);
  if (stmt == NULL)
    return NULL;
  if ((rc = sqlite3_step (stmt)) != SQLITE_ROW)
    {
      mend_db_set_error (self->reader, rc, error, "Could not count what waits to sync");
      return NULL;
    }
  counts = g_new0 (MendSyncCounts, 1);
  counts->events_pending = sqlite3_column_int64 (stmt, 0);
  counts->events_parked = sqlite3_column_int64 (stmt, 1);
  counts->events_acknowledged = sqlite3_column_int64 (stmt, 2);
  counts->photos_waiting = sqlite3_column_int64 (stmt, 3);
  counts->photos_uploaded = sqlite3_column_int64 (stmt, 4);
  counts->photos_problem = sqlite3_column_int64 (stmt, 5);
  counts->bytes_waiting = sqlite3_column_int64 (stmt, 6);
  counts->photos_held = sqlite3_column_int64 (stmt, 7);
  counts->parked = g_ptr_array_new_with_free_func ((GDestroyNotify)mend_sync_parked_free);
  counts->problems = g_ptr_array_new_with_free_func (g_free);

  parked = mend_db_prepare (self->reader,
                            "SELECT seq, id, kind, coalesce(sync_message, '') FROM events "
                            "WHERE sync_state = 'parked' ORDER BY seq",
                            error);
  if (parked == NULL)
    return NULL;
  while ((rc = sqlite3_step (parked)) == SQLITE_ROW)
    {
      MendSyncParked *p = g_new0 (MendSyncParked, 1);

      p->seq = sqlite3_column_int64 (parked, 0);
      p->event_id = mend_stmt_dup_text (parked, 1);
      p->kind = mend_stmt_dup_text (parked, 2);
      p->message = mend_stmt_dup_text (parked, 3);
      g_ptr_array_add (counts->parked, p);
    }
  if (rc != SQLITE_DONE)
    {
      mend_db_set_error (self->reader, rc, error, "Could not list the parked events");
      return NULL;
    }

  problems
      = mend_db_prepare (self->reader,
                         "SELECT sha256, upload_problem FROM photos "
                         "WHERE uploaded = 0 AND upload_problem IS NOT NULL ORDER BY stored_at",
                         error);
  if (problems == NULL)
    return NULL;
  while ((rc = sqlite3_step (problems)) == SQLITE_ROW)
    g_ptr_array_add (counts->problems, g_strdup_printf ("%s: %s", mend_stmt_text (problems, 0),
                                                        mend_stmt_text (problems, 1)));
  if (rc != SQLITE_DONE)
    {
      mend_db_set_error (self->reader, rc, error, "Could not list the photos that cannot be sent");
      return NULL;
    }
  return g_steal_pointer (&counts);
}

void
mend_sync_enrolment_free (MendSyncEnrolment *e)
{
  if (e == NULL)
    return;
  g_free (e->hq_url);
  g_free (e->ca_file);
  g_free (e->team_id);
  g_free (e->team_name);
  g_free (e->hq_public_key);
  g_free (e->manifest_cursor);
  g_free (e->last_error);
  g_free (e);
}

void
mend_sync_photo_free (MendSyncPhoto *photo)
{
  if (photo == NULL)
    return;
  g_free (photo->sha256);
  g_free (photo->path);
  g_free (photo);
}

void
mend_sync_parked_free (MendSyncParked *parked)
{
  if (parked == NULL)
    return;
  g_free (parked->event_id);
  g_free (parked->kind);
  g_free (parked->message);
  g_free (parked);
}

void
mend_sync_counts_free (MendSyncCounts *counts)
{
  if (counts == NULL)
    return;
  g_clear_pointer (&counts->parked, g_ptr_array_unref);
  g_clear_pointer (&counts->problems, g_ptr_array_unref);
  g_free (counts);
}
