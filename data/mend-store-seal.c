/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-store"

#include "config.h"

#include "mend-store-seal.h"

#include "mend-seal.h"
#include "mend-store-private.h"

/* Notes in the store (data/README.md, "Sealed notes"). A device that knows HQ's key seals each
 * note before the event is made. A device never enrolled has no key, so it keeps its notes
 * plainly, and at enrolment they are sealed in place and the chain is written again from the
 * first such event on. That is sound only because nobody outside the device holds any of those
 * hashes yet: a device that was never enrolled has sent nothing, and the rewrite is refused if
 * HQ has acknowledged or refused any event. */

static gboolean
read_public_key (MendDb *db, char **out_key, GError **error)
{
  g_autoptr (MendStmt) stmt
      = mend_db_prepare (db, "SELECT hq_public_key FROM sync_enrolment", error);
  int rc;

  *out_key = NULL;
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return mend_db_set_error (db, rc, error, "Could not read HQ's key");
  if (rc == SQLITE_ROW)
    *out_key = mend_stmt_dup_text (stmt, 0);
  return TRUE;
}

/**
 * mend_store_sync_ever_enrolled:
 *
 * Whether the store holds an enrolment (of any HQ, revoked or not). A store that cannot be
 * read counts as enrolled, so nothing is rewritten on a guess.
 */
gboolean
mend_store_sync_ever_enrolled (MendDb *db)
{
  g_autoptr (MendStmt) stmt = mend_db_prepare (db, "SELECT count(*) FROM sync_enrolment", NULL);

  return stmt == NULL || sqlite3_step (stmt) != SQLITE_ROW || sqlite3_column_int (stmt, 0) > 0;
}

/**
 * mend_store_put_notes:
 * @notes: (nullable): the supervisor's text, already allowed by the rules
 *
 * Sets the notes of the payload being recorded, sealed when the store knows HQ's key (inside
 * the caller's write transaction, so a key that arrives with a manifest counts from the next
 * record on).
 */
gboolean
mend_store_put_notes (MendDb *db, JsonObject *payload, const char *notes, GError **error)
{
  g_autofree char *key = NULL;

  if (notes != NULL && !read_public_key (db, &key, error))
    return FALSE;
  return mend_seal_payload_notes (payload, notes, key, error);
}

/**
 * mend_store_put_alert_details:
 * @details: (nullable): what the referrer must know, already allowed by the rules
 *
 * As mend_store_put_notes(), for a check-out's referrer alert details.
 */
gboolean
mend_store_put_alert_details (MendDb *db, JsonObject *payload, const char *details, GError **error)
{
  g_autofree char *key = NULL;

  if (details != NULL && !read_public_key (db, &key, error))
    return FALSE;
  return mend_seal_payload_alert_details (payload, details, key, error);
}

static gboolean
refuse_if_sent (MendDb *db, gint64 from_seq, GError **error)
{
  g_autoptr (MendStmt) stmt = mend_db_prepare (
      db, "SELECT count(*) FROM events WHERE seq >= ?1 AND sync_state != 'pending'", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, from_seq);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return mend_db_set_error (db, sqlite3_errcode (db->handle), error, "Could not read the log");
  if (sqlite3_column_int64 (stmt, 0) > 0)
    {
      g_set_error_literal (error, MEND_STORE_ERROR, MEND_STORE_ERROR_INVALID,
                           "This store has plain notes in events HQ already answered for; they "
                           "cannot be sealed without breaking the chain HQ holds");
      return FALSE;
    }
  return TRUE;
}

/**
 * mend_store_seal_plain_notes:
 * @public_key_base64: HQ's key, just received with the enrolment
 * @out_n_sealed: (out) (optional): texts sealed (notes and referrer alert details)
 *
 * Inside the caller's write transaction: seals every plain note in the log and writes the
 * chain again from the first changed event, moving the head to the new last hash. Nothing is
 * changed when there is no plain note.
 */
gboolean
mend_store_seal_plain_notes (MendDb *db,
                             const char *device_id,
                             const char *public_key_base64,
                             guint *out_n_sealed,
                             GError **error)
{
  g_autoptr (MendStmt) first = NULL;
  g_autoptr (MendStmt) walk = NULL;
  g_autoptr (MendStmt) update = NULL;
  g_autoptr (MendStmt) head = NULL;
  g_autofree char *prev_hash = NULL;
  gint64 from_seq;
  guint n_sealed = 0;
  int rc;

  if (out_n_sealed != NULL)
    *out_n_sealed = 0;
  first = mend_db_prepare (db,
                           "SELECT min(seq) FROM events WHERE kind IN ('attendance.checked_out', "
                           "'attendance.absent') AND (json_type(payload, '$.notes') = 'text' "
                           "OR json_type(payload, '$." MEND_SEAL_ALERT_PLAIN_MEMBER "') = 'text')",
                           error);
  if (first == NULL)
    return FALSE;
  if (sqlite3_step (first) != SQLITE_ROW)
    return mend_db_set_error (db, sqlite3_errcode (db->handle), error, "Could not read the log");
  if (sqlite3_column_type (first, 0) == SQLITE_NULL)
    return TRUE;
  from_seq = sqlite3_column_int64 (first, 0);
  if (!refuse_if_sent (db, from_seq, error))
    return FALSE;

  {
    g_autoptr (MendStmt) prev
        = mend_db_prepare (db, "SELECT hash FROM events WHERE seq = ?1", error);

    if (prev == NULL)
      return FALSE;
    sqlite3_bind_int64 (prev, 1, from_seq - 1);
    rc = sqlite3_step (prev);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
      return mend_db_set_error (db, rc, error, "Could not read the log");
    prev_hash = rc == SQLITE_ROW ? mend_stmt_dup_text (prev, 0) : g_strdup (MEND_HASH_GENESIS);
  }

  walk = mend_db_prepare (db,
                          "SELECT " MEND_HASHED_COLUMNS ", " MEND_FIX_COLUMNS
                          " FROM events WHERE seq >= ?1 ORDER BY seq",
                          error);
  update = mend_db_prepare (db,
                            "UPDATE events SET payload = ?2, prev_hash = ?3, hash = ?4 "
                            "WHERE seq = ?1",
                            error);
  if (walk == NULL || update == NULL)
    return FALSE;
  sqlite3_bind_int64 (walk, 1, from_seq);
  while ((rc = sqlite3_step (walk)) == SQLITE_ROW)
    {
      MendFix fix;
      MendEventFields fields;
      g_autoptr (JsonParser) parser = json_parser_new ();
      g_autofree char *payload_json = NULL;
      g_autofree char *hash = NULL;
      JsonObject *payload;
      JsonNode *notes;
      JsonNode *details;
      gboolean changed = FALSE;

      mend_event_log_read_fields (walk, 9, device_id, &fields, &fix);
      if (fields.payload_json == NULL
          || !json_parser_load_from_data (parser, fields.payload_json, -1, NULL)
          || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        {
          g_set_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_CORRUPT,
                       "Event seq %" G_GINT64_FORMAT " has a damaged payload; run mendctl verify",
                       fields.seq);
          return FALSE;
        }
      payload = json_node_get_object (json_parser_get_root (parser));
      notes = json_object_get_member (payload, "notes");
      if (notes != NULL && JSON_NODE_HOLDS_VALUE (notes)
          && json_node_get_value_type (notes) == G_TYPE_STRING)
        {
          g_autofree char *text = g_strdup (json_node_get_string (notes));

          if (!mend_seal_payload_notes (payload, text, public_key_base64, error))
            return FALSE;
          changed = TRUE;
          n_sealed++;
        }
      /* A referrer alert's details are sealed the same way, in the same pass. */
      details = json_object_get_member (payload, MEND_SEAL_ALERT_PLAIN_MEMBER);
      if (details != NULL && JSON_NODE_HOLDS_VALUE (details)
          && json_node_get_value_type (details) == G_TYPE_STRING)
        {
          g_autofree char *text = g_strdup (json_node_get_string (details));

          if (!mend_seal_payload_alert_details (payload, text, public_key_base64, error))
            return FALSE;
          changed = TRUE;
          n_sealed++;
        }
      if (changed)
        {
          payload_json = mend_canonical_json (json_parser_get_root (parser), NULL);
          fields.payload_json = payload_json;
        }
      hash = mend_event_hash (prev_hash, &fields);
      sqlite3_bind_int64 (update, 1, fields.seq);
      mend_stmt_bind_text (update, 2, fields.payload_json);
      mend_stmt_bind_text (update, 3, prev_hash);
      mend_stmt_bind_text (update, 4, hash);
      if (!mend_db_step_done (db, update, error))
        return FALSE;
      sqlite3_reset (update);
      g_free (prev_hash);
      prev_hash = g_steal_pointer (&hash);
    }
  if (rc != SQLITE_DONE)
    return mend_db_set_error (db, rc, error, "Could not read the log");

  head = mend_db_prepare (db, "UPDATE device SET head_hash = ?1", error);
  if (head == NULL)
    return FALSE;
  mend_stmt_bind_text (head, 1, prev_hash);
  if (!mend_db_step_done (db, head, error))
    return FALSE;
  if (out_n_sealed != NULL)
    *out_n_sealed = n_sealed;
  return TRUE;
}

/**
 * mend_store_scrub:
 * @out_truncated: (out) (optional): whether the write-ahead log was truncated; another
 *   connection reading at that moment keeps it from being
 *
 * Rewrites the file and folds the write-ahead log in and truncates it, so text that was
 * replaced (plain notes just sealed, personal fields purged) is in no free page and no old
 * frame. Called without a transaction open.
 */
gboolean
mend_store_scrub (MendDb *db, gboolean *out_truncated, GError **error)
{
  g_autoptr (MendStmt) stmt = NULL;

  if (out_truncated != NULL)
    *out_truncated = FALSE;
  if (!mend_db_exec (db, "VACUUM", error))
    return FALSE;
  stmt = mend_db_prepare (db, "PRAGMA wal_checkpoint(TRUNCATE)", error);
  if (stmt == NULL)
    return FALSE;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return mend_db_set_error (db, sqlite3_errcode (db->handle), error,
                              "Could not fold the write-ahead log into the store");
  if (out_truncated != NULL)
    *out_truncated = sqlite3_column_int (stmt, 0) == 0;
  return TRUE;
}

static gboolean
event_has_member (MendStore *self,
                  const char *event_id,
                  const char *member,
                  gboolean *out_sealed,
                  GError **error)
{
  g_autoptr (MendStmt) stmt = NULL;
  g_autofree char *sql = g_strdup_printf (
      "SELECT json_type(payload, '$.%s') IS NOT NULL FROM events WHERE id = ?1", member);
  int rc;

  stmt = mend_db_prepare (self->reader, sql, error);
  if (stmt == NULL)
    return FALSE;
  mend_stmt_bind_text (stmt, 1, event_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_INVALID, "No event %s", event_id);
      return FALSE;
    }
  if (rc != SQLITE_ROW)
    return mend_db_set_error (self->reader, rc, error, "Could not read the event");
  *out_sealed = sqlite3_column_int (stmt, 0) != 0;
  return TRUE;
}

/**
 * mend_store_event_has_sealed_note:
 * @event_id: an event's id, as mend_store_record() returned it
 * @out_sealed: (out): whether its notes are sealed to HQ's key
 *
 * What the check-out page says after saving: that a sealed note was kept for HQ, never its
 * text (listings show `"[sealed note]"`, see mend_payload_redact()). Reads on the read-only
 * connection.
 *
 * Returns: %FALSE with @error when the store cannot be read or has no such event.
 */
gboolean
mend_store_event_has_sealed_note (MendStore *self,
                                  const char *event_id,
                                  gboolean *out_sealed,
                                  GError **error)
{
  g_return_val_if_fail (MEND_IS_STORE (self), FALSE);
  g_return_val_if_fail (event_id != NULL && out_sealed != NULL, FALSE);

  return event_has_member (self, event_id, MEND_SEAL_MEMBER, out_sealed, error);
}

/**
 * mend_store_event_has_sealed_alert_details:
 * @event_id: a check-out's id
 * @out_sealed: (out): whether it carries details for the referrer sealed to HQ's key
 *
 * As mend_store_event_has_sealed_note(), for a referrer alert's details.
 */
gboolean
mend_store_event_has_sealed_alert_details (MendStore *self,
                                           const char *event_id,
                                           gboolean *out_sealed,
                                           GError **error)
{
  g_return_val_if_fail (MEND_IS_STORE (self), FALSE);
  g_return_val_if_fail (event_id != NULL && out_sealed != NULL, FALSE);

  return event_has_member (self, event_id, MEND_SEAL_ALERT_MEMBER, out_sealed, error);
}
