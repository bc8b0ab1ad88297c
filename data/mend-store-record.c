/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-store"

#include "config.h"

#include <math.h>
#include <sys/stat.h>

#include "mend-geofence.h"
#include "mend-photo.h"
#include "mend-rules.h"
#include "mend-store-private.h"
#include "mend-time.h"

/* One command becomes one event: gather the facts, ask the rules, append to the log and fold
 * into the projections, all in one write transaction. A refusal records nothing. */

typedef struct
{
  MendStore *store;
  MendDb *db;
  const MendCommand *command;
  gint64 now_ms;
  MendSessionState session;
  char *supervisor_id;
  /* The event's own session and person; a void takes its target's. */
  char *session_id;
  char *participant_id;
  JsonObject *payload;
} Recording;

static void
recording_clear (Recording *r)
{
  g_free (r->supervisor_id);
  g_free (r->session_id);
  g_free (r->participant_id);
  g_clear_pointer (&r->payload, json_object_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Recording, recording_clear)

static void
set_nullable_string (JsonObject *payload, const char *name, const char *value)
{
  if (value == NULL)
    json_object_set_null_member (payload, name);
  else
    json_object_set_string_member (payload, name, value);
}

static gboolean
count_on_site (MendDb *db, const char *session_id, int *out_count, GError **error)
{
  g_autoptr (MendStmt) stmt = mend_db_prepare (
      db, "SELECT count(*) FROM attendance WHERE session_id = ?1 AND state = 'on_site'", error);

  if (stmt == NULL)
    return FALSE;
  mend_stmt_bind_text (stmt, 1, session_id);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return mend_db_set_error (db, sqlite3_errcode (db->handle), error, "Could not count people");
  *out_count = sqlite3_column_int (stmt, 0);
  return TRUE;
}

static gboolean
lookup_exists (MendDb *db, const char *sql, const char *key, gboolean *out_exists, GError **error)
{
  g_autoptr (MendStmt) stmt = mend_db_prepare (db, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  mend_stmt_bind_text (stmt, 1, key);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return mend_db_set_error (db, rc, error, "Could not read the reference data");
  *out_exists = rc == SQLITE_ROW;
  return TRUE;
}

static gboolean
tally_total (MendDb *db,
             const char *session_id,
             const char *category_id,
             gint64 *out_total,
             GError **error)
{
  g_autoptr (MendStmt) stmt = mend_db_prepare (
      db, "SELECT total FROM tally_totals WHERE session_id = ?1 AND category_id = ?2", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  mend_stmt_bind_text (stmt, 1, session_id);
  mend_stmt_bind_text (stmt, 2, category_id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return mend_db_set_error (db, rc, error, "Could not read the tally");
  *out_total = rc == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : 0;
  return TRUE;
}

static gboolean
prepare_check_out (Recording *r, GError **error)
{
  const MendCommand *c = r->command;
  MendAttendanceFacts facts = { 0 };
  gint64 checked_in_at = 0;
  gboolean outcome_known = FALSE;
  MendCheckOutFacts check_out;

  if (!mend_store_attendance_facts (r->db, c->session_id, c->participant_id, &facts, &checked_in_at,
                                    error)
      || !lookup_exists (r->db, "SELECT 1 FROM outcome_codes WHERE code = ?1", c->outcome,
                         &outcome_known, error))
    return FALSE;

  check_out = (MendCheckOutFacts){
    .outcome_known = outcome_known,
    .arrived_at_ms = c->arrived_at_ms != 0 ? c->arrived_at_ms : checked_in_at,
    .finished_at_ms = c->finished_at_ms != 0 ? c->finished_at_ms : r->now_ms,
    .penalty_minutes = c->penalty_minutes,
    .quality = c->quality,
    .behaviour = c->behaviour,
    .notes = c->notes,
    .alert_referrer = c->alert_referrer,
    .alert_details = c->alert_details,
  };
  if (!mend_rules_check_out (&facts, &check_out, error))
    return FALSE;

  json_object_set_string_member (r->payload, "outcome", c->outcome);
  json_object_set_int_member (r->payload, "arrived_at", check_out.arrived_at_ms);
  json_object_set_int_member (r->payload, "finished_at", check_out.finished_at_ms);
  json_object_set_int_member (r->payload, "penalty_minutes", c->penalty_minutes);
  json_object_set_string_member (r->payload, "quality", c->quality);
  json_object_set_string_member (r->payload, "behaviour", c->behaviour);
  if (!mend_store_put_notes (r->db, r->payload, c->notes, error))
    return FALSE;
  json_object_set_boolean_member (r->payload, "sensitive", c->sensitive);
  json_object_set_boolean_member (r->payload, "alert_referrer", c->alert_referrer);
  return mend_store_put_alert_details (r->db, r->payload, c->alert_details, error);
}

static gboolean
prepare_tally (Recording *r, GError **error)
{
  const MendCommand *c = r->command;
  gboolean known = FALSE;
  gint64 total = 0;

  if (!lookup_exists (r->db, "SELECT 1 FROM tally_categories WHERE id = ?1", c->category_id, &known,
                      error)
      || !tally_total (r->db, c->session_id, c->category_id, &total, error)
      || !mend_rules_tally (r->session, known, total, c->delta, error))
    return FALSE;
  json_object_set_string_member (r->payload, "category", c->category_id);
  json_object_set_int_member (r->payload, "delta", c->delta);
  return TRUE;
}

/* Which later live records rest on @target, so must be voided before it. */
static gboolean
find_blocking_record (Recording *r,
                      MendEventKind kind,
                      JsonObject *target_payload,
                      const char **out_blocking,
                      GError **error)
{
  MendAttendanceFacts facts = { 0 };
  gint64 total = 0;
  gboolean busy = FALSE;

  *out_blocking = NULL;
  switch (kind)
    {
    case MEND_EVENT_CHECKED_IN:
      if (!mend_store_attendance_facts (r->db, r->session_id, r->participant_id, &facts, NULL,
                                        error))
        return FALSE;
      if (facts.state == MEND_ATTENDANCE_DONE)
        *out_blocking = "the check-out";
      else if (facts.briefed)
        *out_blocking = "the safety briefing";
      return TRUE;

    case MEND_EVENT_SESSION_STARTED:
      if (!lookup_exists (r->db,
                          "SELECT 1 FROM session_progress WHERE session_id = ?1 AND ended_at "
                          "IS NOT NULL UNION ALL SELECT 1 FROM attendance WHERE session_id = ?1 "
                          "UNION ALL SELECT 1 FROM tally_totals WHERE session_id = ?1 AND "
                          "total != 0",
                          r->session_id, &busy, error))
        return FALSE;
      if (busy)
        *out_blocking = "the session's later records (attendance, tallies, end)";
      return TRUE;

    case MEND_EVENT_TALLY_ADJUSTED:
      if (!tally_total (r->db, r->session_id,
                        json_object_get_string_member_with_default (target_payload, "category", ""),
                        &total, error))
        return FALSE;
      /* Not a blocking record but a rule of its own: the total stays at zero or above. */
      return mend_rules_total_not_negative (
          total - json_object_get_int_member_with_default (target_payload, "delta", 0), error);

    case MEND_EVENT_SESSION_ENDED:
    case MEND_EVENT_BRIEFED:
    case MEND_EVENT_CHECKED_OUT:
    case MEND_EVENT_ABSENT:
    case MEND_EVENT_PHOTO_TAKEN:
    case MEND_EVENT_NOTE_ADDED:
    case MEND_EVENT_INCIDENT_REPORTED:
    case MEND_EVENT_VOIDED:
    case MEND_EVENT_N_KINDS:
    default:
      return TRUE;
    }
}

static gboolean
prepare_void (Recording *r, GError **error)
{
  const MendCommand *c = r->command;
  g_autoptr (MendStmt) stmt
      = mend_db_prepare (r->db,
                         "SELECT e.kind, e.session_id, e.participant_id, e.payload, "
                         "  EXISTS (SELECT 1 FROM voided_events v WHERE v.event_id = e.id) "
                         "FROM events e WHERE e.id = ?1",
                         error);
  g_autoptr (JsonParser) parser = json_parser_new ();
  MendVoidFacts facts = { .reason = c->reason };
  JsonObject *target_payload = NULL;
  int rc;

  if (stmt == NULL)
    return FALSE;
  mend_stmt_bind_text (stmt, 1, c->target_event_id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return mend_db_set_error (r->db, rc, error, "Could not read the event to void");

  facts.target_known
      = rc == SQLITE_ROW
        && mend_event_kind_from_string (mend_stmt_text (stmt, 0), &facts.target_kind);
  if (facts.target_known)
    {
      r->session_id = mend_stmt_dup_text (stmt, 1);
      r->participant_id = mend_stmt_dup_text (stmt, 2);
      if (!json_parser_load_from_data (parser, mend_stmt_text (stmt, 3), -1, NULL))
        {
          g_set_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_CORRUPT,
                       "The event to void (%s) has a damaged payload; run mendctl verify",
                       c->target_event_id);
          return FALSE;
        }
      target_payload = json_node_get_object (json_parser_get_root (parser));
      facts.already_voided = sqlite3_column_int (stmt, 4) != 0;
    }
  g_clear_pointer (&stmt, mend_stmt_release);

  /* Unknown, void-of-void, already-voided and missing reasons are refused before looking for
   * the records that rest on the target. */
  if (!mend_rules_void (&facts, error))
    return FALSE;
  if (!find_blocking_record (r, facts.target_kind, target_payload, &facts.blocking_record, error)
      || !mend_rules_void (&facts, error))
    return FALSE;

  if (r->session_id != NULL
      && !mend_store_session_state (r->db, r->session_id, &r->session, &r->supervisor_id, NULL))
    g_clear_pointer (&r->supervisor_id, g_free);

  json_object_set_string_member (r->payload, "target", c->target_event_id);
  json_object_set_string_member (r->payload, "target_kind",
                                 mend_event_kind_to_string (facts.target_kind));
  json_object_set_string_member (r->payload, "reason", c->reason);
  /* A void of a sensitive record is itself sensitive: its reason may repeat the note. */
  if (json_object_get_boolean_member_with_default (target_payload, "sensitive", FALSE))
    json_object_set_boolean_member (r->payload, "sensitive", TRUE);
  return TRUE;
}

/* A photo may be taken whatever the session's state, of the site or of a person assigned to
 * it. Its file must already be in place (mend_store_adopt_photo_temp()), so an event never
 * names a photo that is not on disk; its row joins the event in this transaction, once per
 * image however many events name it. */
static gboolean
prepare_photo (Recording *r, GError **error)
{
  const MendCommand *c = r->command;
  const char *role = mend_photo_role_to_string (c->photo_role);
  MendAttendanceFacts facts = { 0 };
  g_autofree char *path = NULL;
  g_autoptr (MendStmt) insert = NULL;
  struct stat st;

  if (c->participant_id != NULL
      && !mend_store_attendance_facts (r->db, c->session_id, c->participant_id, &facts, NULL,
                                       error))
    return FALSE;
  if (!mend_rules_photo (c->participant_id != NULL ? &facts : NULL, error))
    return FALSE;

  if (role == NULL)
    {
      g_set_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_INVALID,
                   "%d is not a photo role (before, after or evidence)", (int)c->photo_role);
      return FALSE;
    }
  if (!mend_photo_sha256_is_valid (c->photo_sha256) || c->photo_bytes <= 0 || c->photo_width <= 0
      || c->photo_height <= 0)
    {
      g_set_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_INVALID,
                   "The photo “%s” (%" G_GINT64_FORMAT " bytes, %d × %d pixels) is not a "
                   "stored photo: its name must be a SHA-256 and its size and dimensions "
                   "positive",
                   c->photo_sha256, c->photo_bytes, c->photo_width, c->photo_height);
      return FALSE;
    }

  path = mend_store_photo_path (r->store, c->photo_sha256);
  if (stat (path, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_set_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_INVALID,
                   "The photo file “%s” is missing: store the photo before recording it; "
                   "nothing was recorded",
                   path);
      return FALSE;
    }
  if (st.st_size != c->photo_bytes)
    {
      g_set_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_INVALID,
                   "The photo file “%s” has %" G_GINT64_FORMAT " bytes, not %" G_GINT64_FORMAT
                   ": nothing was recorded",
                   path, (gint64)st.st_size, c->photo_bytes);
      return FALSE;
    }

  /* ON CONFLICT rather than OR IGNORE: only the same image stored again may be skipped, never
   * a row that breaks a CHECK. */
  insert = mend_db_prepare (r->db,
                            "INSERT INTO photos (sha256, bytes, width, height, stored_at) "
                            "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (sha256) DO NOTHING",
                            error);
  if (insert == NULL)
    return FALSE;
  mend_stmt_bind_text (insert, 1, c->photo_sha256);
  sqlite3_bind_int64 (insert, 2, c->photo_bytes);
  sqlite3_bind_int (insert, 3, c->photo_width);
  sqlite3_bind_int (insert, 4, c->photo_height);
  sqlite3_bind_int64 (insert, 5, r->now_ms);
  if (!mend_db_step_done (r->db, insert, error))
    return FALSE;

  json_object_set_string_member (r->payload, "sha256", c->photo_sha256);
  json_object_set_string_member (r->payload, "role", role);
  json_object_set_int_member (r->payload, "bytes", c->photo_bytes);
  json_object_set_int_member (r->payload, "width", c->photo_width);
  json_object_set_int_member (r->payload, "height", c->photo_height);
  return TRUE;
}

/* Session starts and check-ins say where they happened relative to the site: the verdict and
 * distance with a current fix, "unknown" without one (the fix says why), and the supervisor's
 * reason, which is required when the device is outside. */
static gboolean
add_geofence (Recording *r, GError **error)
{
  const MendFix *fix = &r->command->fix;
  const char *reason = r->command->geofence_reason;
  g_autoptr (MendStmt) stmt = NULL;
  g_autoptr (MendGeofence) fence = NULL;
  g_autoptr (GError) fence_error = NULL;
  MendGeofenceVerdict verdict;
  JsonObject *geofence = json_object_new ();
  double distance = NAN;
  int rc;

  json_object_set_object_member (r->payload, "geofence", geofence);
  set_nullable_string (geofence, "reason", reason && *reason ? reason : NULL);
  json_object_set_string_member (geofence, "verdict", "unknown");
  json_object_set_null_member (geofence, "distance_m");
  if (fix->state != MEND_FIX_STATE_FIX || !mend_fix_has_position (fix))
    return mend_rules_geofence (FALSE, 0, reason, error);

  stmt = mend_db_prepare (r->db,
                          "SELECT t.boundary FROM sessions s JOIN sites t ON t.id = s.site_id "
                          "WHERE s.id = ?1",
                          error);
  if (stmt == NULL)
    return FALSE;
  mend_stmt_bind_text (stmt, 1, r->session_id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return mend_db_set_error (r->db, rc, error, "Could not read the site's boundary");
  if (rc == SQLITE_ROW)
    fence = mend_geofence_new_from_geojson (mend_stmt_text (stmt, 0), &fence_error);
  if (fence == NULL)
    {
      /* A damaged boundary from HQ must not stop the work; the record says so. */
      g_warning ("Session %s: no usable site boundary: %s", r->session_id,
                 fence_error ? fence_error->message : "the site is missing");
      return mend_rules_geofence (FALSE, 0, reason, error);
    }

  verdict = mend_geofence_verdict (fence, fix->latitude, fix->longitude, fix->horizontal_error,
                                   &distance);
  json_object_set_string_member (geofence, "verdict", mend_geofence_verdict_to_string (verdict));
  json_object_set_int_member (geofence, "distance_m", (gint64)lround (distance));
  return mend_rules_geofence (verdict == MEND_GEOFENCE_OUTSIDE, distance, reason, error);
}

static gboolean
prepare (Recording *r, GError **error)
{
  const MendCommand *c = r->command;
  MendAttendanceFacts facts = { 0 };
  int on_site = 0;

  if (c->session_id != NULL
      && !mend_store_session_state (r->db, c->session_id, &r->session, &r->supervisor_id, error))
    return FALSE;
  r->session_id = g_strdup (c->session_id);
  r->participant_id = g_strdup (c->participant_id);

  switch (c->kind)
    {
    case MEND_EVENT_SESSION_STARTED:
      return mend_rules_start_session (r->session, error) && add_geofence (r, error);
    case MEND_EVENT_SESSION_ENDED:
      return count_on_site (r->db, c->session_id, &on_site, error)
             && mend_rules_end_session (r->session, on_site, error);
    case MEND_EVENT_CHECKED_IN:
      return mend_store_attendance_facts (r->db, c->session_id, c->participant_id, &facts, NULL,
                                          error)
             && mend_rules_check_in (&facts, error) && add_geofence (r, error);
    case MEND_EVENT_BRIEFED:
      return mend_store_attendance_facts (r->db, c->session_id, c->participant_id, &facts, NULL,
                                          error)
             && mend_rules_brief (&facts, error);
    case MEND_EVENT_CHECKED_OUT:
      return prepare_check_out (r, error);
    case MEND_EVENT_ABSENT:
      if (!mend_store_attendance_facts (r->db, c->session_id, c->participant_id, &facts, NULL,
                                        error)
          || !mend_rules_absent (&facts, c->notes, error))
        return FALSE;
      return mend_store_put_notes (r->db, r->payload, c->notes, error);
    case MEND_EVENT_TALLY_ADJUSTED:
      return prepare_tally (r, error);
    case MEND_EVENT_VOIDED:
      return prepare_void (r, error);
    case MEND_EVENT_PHOTO_TAKEN:
      return prepare_photo (r, error);
    case MEND_EVENT_NOTE_ADDED:
    case MEND_EVENT_INCIDENT_REPORTED:
    case MEND_EVENT_N_KINDS:
    default:
      g_set_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_INVALID,
                   "Recording “%s” is not supported by this store yet",
                   mend_event_kind_to_string (c->kind));
      return FALSE;
    }
}

static char *
record_in_transaction (MendStore *self, const MendCommand *command, GError **error)
{
  g_auto (Recording) r = {
    .store = self,
    .db = self->writer,
    .command = command,
    .now_ms = mend_time_now_ms (),
    .payload = json_object_new (),
  };
  g_autofree char *event_id = g_uuid_string_random ();
  g_autofree char *payload_json = NULL;
  g_autoptr (JsonNode) payload_node = NULL;
  MendFix fix = command->fix;
  MendEventFields fields;
  MendProjectedEvent projected;

  if (!prepare (&r, error))
    return NULL;

  payload_node = json_node_init_object (json_node_alloc (), r.payload);
  payload_json = mend_canonical_json (payload_node, NULL);
  if (payload_json == NULL)
    {
      g_set_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_INVALID,
                   "The record could not be written in canonical form; nothing was recorded");
      return NULL;
    }

  /* Stored at the precision the canonical form prints, so the hash covers exactly what is
   * kept. */
  fix.latitude = mend_canonical_round_degrees (fix.latitude);
  fix.longitude = mend_canonical_round_degrees (fix.longitude);
  fix.altitude = mend_canonical_round_metres (fix.altitude);
  fix.horizontal_error = mend_canonical_round_metres (fix.horizontal_error);

  fields = (MendEventFields){
    .device_id = self->device_id,
    .id = event_id,
    .kind = mend_event_kind_to_string (command->kind),
    .session_id = r.session_id,
    .participant_id = r.participant_id,
    .supervisor_id = command->supervisor_id ? command->supervisor_id : r.supervisor_id,
    .recorded_at_ms = r.now_ms,
    .occurred_at_ms = command->occurred_at_ms != 0 ? command->occurred_at_ms : r.now_ms,
    .fix = &fix,
    .payload_json = payload_json,
  };
  fields.has_clock_skew = mend_fix_clock_skew_ms (&fix, r.now_ms, &fields.clock_skew_ms);
  if (!mend_event_log_append (r.db, &fields, NULL, error))
    return NULL;

  projected = (MendProjectedEvent){
    .id = event_id,
    .kind = command->kind,
    .session_id = r.session_id,
    .participant_id = r.participant_id,
    .occurred_at_ms = fields.occurred_at_ms,
    .payload = r.payload,
  };
  if (!mend_projection_apply (r.db, &projected, error))
    return NULL;
  return g_steal_pointer (&event_id);
}

/**
 * mend_store_record:
 * @command: what to record
 *
 * Checks @command against the rules and, if they allow it, appends its event and updates the
 * projections in one transaction. The same path serves the UI (through
 * mend_store_record_async()) and mendctl.
 *
 * Returns: (transfer full) (nullable): the new event's id once committed; %NULL with
 *   @error in #MEND_RULE_ERROR (refused, nothing recorded) or #MEND_STORE_ERROR.
 */
char *
mend_store_record (MendStore *self, const MendCommand *command, GError **error)
{
  g_autoptr (GMutexLocker) locker = NULL;
  g_autofree char *event_id = NULL;

  g_return_val_if_fail (MEND_IS_STORE (self), NULL);
  g_return_val_if_fail (command != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  locker = g_mutex_locker_new (&self->write_lock);
  if (mend_store_begin (self->writer, error))
    {
      event_id = record_in_transaction (self, command, error);
      if (event_id == NULL || !mend_store_commit (self->writer, error))
        {
          mend_store_rollback (self->writer);
          g_clear_pointer (&event_id, g_free);
        }
    }
  /* A photo moved into place for this event is kept only if the event was recorded. */
  if (command->kind == MEND_EVENT_PHOTO_TAKEN && command->photo_sha256 != NULL)
    mend_store_settle_photo (self, command->photo_sha256, event_id != NULL);
  return g_steal_pointer (&event_id);
}
