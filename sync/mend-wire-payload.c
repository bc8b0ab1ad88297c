/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-sync"

#include "config.h"

#include "mend-wire-payload.h"

#include <string.h>

#include "mend-command.h"
#include "mend-rules.h"
#include "mend-seal.h"
#include "mend-wire-private.h"

/* Section 5 says which members each kind's payload holds and what they may be. The decoder
 * (mend-wire-events.c) has already made sure the payload is a canonical object no larger than
 * the limit; here each kind's members are read with the codec's own typed readers, and the
 * domain's own rules (a check-out's values, notes, a reason outside the boundary) are asked
 * rather than written again. Members a newer device adds are ignored, as section 6 says. */

static gboolean fail (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
fail (GError **error, const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED, message);
  return FALSE;
}

/* A string that may be empty, or null when @nullable; at most @max_chars characters. */
static gboolean
get_text (JsonObject *payload,
          const char *member,
          gboolean nullable,
          glong max_chars,
          const char **out,
          GError **error)
{
  JsonNode *node = json_object_get_member (payload, member);

  *out = NULL;
  if (node != NULL && nullable && JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return fail (error, "payload.%s must be a string%s", member, nullable ? " or null" : "");
  *out = json_node_get_string (node);
  if (g_utf8_strlen (*out, -1) > max_chars)
    return fail (error, "payload.%s is longer than %ld characters", member, max_chars);
  return TRUE;
}

/* A person's notes come plain ("notes", a string or null: only from a device that held no
 * key of HQ's when it recorded them) or sealed to HQ's key ("notes_sealed" and "notes_key",
 * and then no "notes"). The 4,000-character limit is the plaintext's: the device's rule checks
 * it before sealing, and here the ciphertext may be no longer than that note sealed. */
static gboolean
check_notes (JsonObject *payload, const char **out_plain, GError **error)
{
  g_autofree char *sealed = NULL;
  g_autofree char *key_id = NULL;
  g_autoptr (GError) seal_error = NULL;

  *out_plain = NULL;
  if (!json_object_has_member (payload, MEND_SEAL_MEMBER))
    return get_text (payload, "notes", TRUE, MEND_NOTES_MAX_CHARS, out_plain, error);
  if (json_object_has_member (payload, "notes"))
    return fail (error, "payload.notes must be absent when the notes are sealed");
  if (!mend_wire_get_string (payload, "payload", MEND_SEAL_MEMBER, FALSE,
                             (MEND_SEAL_MAX_CIPHERTEXT_BYTES + 2) / 3 * 4, &sealed, error)
      || !mend_wire_get_string (payload, "payload", MEND_SEAL_KEY_MEMBER, FALSE, 16, &key_id,
                                error))
    return FALSE;
  if (!mend_seal_check_ciphertext (sealed, &seal_error))
    return fail (error, "payload.%s: %s", MEND_SEAL_MEMBER, seal_error->message);
  if (strlen (key_id) != 16 || strspn (key_id, "0123456789abcdef") != 16)
    return fail (error, "payload.%s must be 16 lowercase hex digits", MEND_SEAL_KEY_MEMBER);
  return TRUE;
}

/* A referrer alert's details take the notes' forms (mend-seal.h): absent or null when there are
 * none, plain "alert_details" only from a device that held no key of HQ's, or sealed
 * ("alert_details_sealed" and "alert_details_key", and then no "alert_details"). The plaintext
 * limit is the rule's, checked there; the ciphertext may be no longer than the longest details
 * sealed. */
#define ALERT_MAX_SEALED_BASE64 (((MEND_ALERT_DETAILS_MAX_CHARS * 4 + 48) + 2) / 3 * 4)

static gboolean
check_alert_details (JsonObject *payload, const char **out_plain, GError **error)
{
  g_autofree char *sealed = NULL;
  g_autofree char *key_id = NULL;
  g_autoptr (GError) seal_error = NULL;

  *out_plain = NULL;
  if (!json_object_has_member (payload, MEND_SEAL_ALERT_MEMBER))
    {
      if (json_object_has_member (payload, MEND_SEAL_ALERT_KEY_MEMBER))
        return fail (error, "payload.%s needs payload.%s", MEND_SEAL_ALERT_KEY_MEMBER,
                     MEND_SEAL_ALERT_MEMBER);
      if (!json_object_has_member (payload, MEND_SEAL_ALERT_PLAIN_MEMBER))
        return TRUE;
      return get_text (payload, MEND_SEAL_ALERT_PLAIN_MEMBER, TRUE, MEND_ALERT_DETAILS_MAX_CHARS,
                       out_plain, error);
    }
  if (json_object_has_member (payload, MEND_SEAL_ALERT_PLAIN_MEMBER))
    return fail (error, "payload.%s must be absent when the details are sealed",
                 MEND_SEAL_ALERT_PLAIN_MEMBER);
  if (!mend_wire_get_string (payload, "payload", MEND_SEAL_ALERT_MEMBER, FALSE,
                             ALERT_MAX_SEALED_BASE64, &sealed, error)
      || !mend_wire_get_string (payload, "payload", MEND_SEAL_ALERT_KEY_MEMBER, FALSE, 16, &key_id,
                                error))
    return FALSE;
  if (!mend_seal_check_ciphertext (sealed, &seal_error))
    return fail (error, "payload.%s: %s", MEND_SEAL_ALERT_MEMBER, seal_error->message);
  if (strlen (key_id) != 16 || strspn (key_id, "0123456789abcdef") != 16)
    return fail (error, "payload.%s must be 16 lowercase hex digits", MEND_SEAL_ALERT_KEY_MEMBER);
  /* Sealed details are details, even though their text cannot be read here. */
  *out_plain = "";
  return TRUE;
}

static gboolean
rule_refused (GError **error, GError *rule_error)
{
  g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED, "payload: %s",
               rule_error->message);
  g_error_free (rule_error);
  return FALSE;
}

static gboolean
check_geofence (JsonObject *payload, GError **error)
{
  JsonObject *geofence = mend_wire_get_object (payload, "payload", "geofence", FALSE, error);
  g_autofree char *verdict = NULL;
  const char *reason = NULL;
  GError *rule_error = NULL;
  gboolean present = FALSE;
  gint64 distance = 0;

  if (geofence == NULL
      || !mend_wire_get_string (geofence, "payload.geofence", "verdict", FALSE, 16, &verdict, error)
      || !mend_wire_get_int (geofence, "payload.geofence", "distance_m", TRUE, &present, &distance,
                             error))
    return FALSE;
  if (!g_str_equal (verdict, "inside") && !g_str_equal (verdict, "near")
      && !g_str_equal (verdict, "outside") && !g_str_equal (verdict, "unknown"))
    return fail (error, "payload.geofence.verdict must be inside, near, outside or unknown");
  if (present && distance < 0)
    return fail (error, "payload.geofence.distance_m must not be negative");
  if (!present && !g_str_equal (verdict, "unknown"))
    return fail (error, "payload.geofence.distance_m is needed with a verdict of %s", verdict);
  if (!get_text (geofence, "reason", TRUE, MEND_NOTES_MAX_CHARS, &reason, error))
    {
      g_prefix_error (error, "geofence: ");
      return FALSE;
    }
  if (!mend_rules_geofence (g_str_equal (verdict, "outside"), (double)distance, reason,
                            &rule_error))
    return rule_refused (error, rule_error);
  return TRUE;
}

static gboolean
check_checked_out (JsonObject *payload, GError **error)
{
  g_autofree char *outcome = NULL;
  g_autofree char *quality = NULL;
  g_autofree char *behaviour = NULL;
  const char *notes = NULL;
  const char *details = NULL;
  gint64 arrived = 0, finished = 0, penalty = 0;
  gboolean flag;
  gboolean alert = FALSE;

  if (!mend_wire_get_string (payload, "payload", "outcome", FALSE, MEND_WIRE_MAX_ID_BYTES, &outcome,
                             error)
      || !mend_wire_get_int (payload, "payload", "arrived_at", FALSE, NULL, &arrived, error)
      || !mend_wire_get_int (payload, "payload", "finished_at", FALSE, NULL, &finished, error)
      || !mend_wire_get_int (payload, "payload", "penalty_minutes", FALSE, NULL, &penalty, error)
      || !mend_wire_get_string (payload, "payload", "quality", FALSE, 32, &quality, error)
      || !mend_wire_get_string (payload, "payload", "behaviour", FALSE, 32, &behaviour, error)
      || !check_notes (payload, &notes, error)
      || !mend_wire_get_bool (payload, "payload", "sensitive", FALSE, &flag, error)
      || !mend_wire_get_bool (payload, "payload", "alert_referrer", FALSE, &alert, error)
      || !check_alert_details (payload, &details, error))
    return FALSE;
  if (penalty < G_MININT || penalty > G_MAXINT)
    return fail (error, "payload.penalty_minutes is out of range");
  /* The device's own check-out rule judges the values (arrival before finish, the penalty,
   * the ratings, the notes). What it asks about the day (a check-in first, a known outcome)
   * the device answered when it recorded the event, so those facts are given as met. */
  {
    const MendAttendanceFacts facts = { TRUE, MEND_SESSION_RUNNING, MEND_ATTENDANCE_ON_SITE, TRUE };
    const MendCheckOutFacts check_out
        = { TRUE, arrived, finished, (int)penalty, quality, behaviour, notes, alert, details };
    GError *rule_error = NULL;

    if (!mend_rules_check_out (&facts, &check_out, &rule_error))
      return rule_refused (error, rule_error);
  }
  return TRUE;
}

static gboolean
check_photo (JsonObject *payload, GError **error)
{
  g_autofree char *sha256 = NULL;
  g_autofree char *role = NULL;
  const char *const sizes[] = { "bytes", "width", "height" };

  if (!mend_wire_get_string (payload, "payload", "sha256", FALSE, 64, &sha256, error)
      || !mend_wire_get_string (payload, "payload", "role", FALSE, 16, &role, error))
    return FALSE;
  if (!mend_wire_is_hash (sha256))
    return fail (error, "payload.sha256 must be 64 lowercase hex digits");
  if (!g_str_equal (role, "before") && !g_str_equal (role, "after")
      && !g_str_equal (role, "evidence"))
    return fail (error, "payload.role must be before, after or evidence");
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      gint64 value = 0;

      if (!mend_wire_get_int (payload, "payload", sizes[i], FALSE, NULL, &value, error))
        return FALSE;
      if (value <= 0)
        return fail (error, "payload.%s must be 1 or more", sizes[i]);
    }
  return TRUE;
}

static gboolean
check_voided (JsonObject *payload, GError **error)
{
  g_autofree char *target = NULL;
  g_autofree char *target_kind = NULL;
  const char *reason = NULL;
  MendEventKind kind;
  gboolean sensitive;

  if (!mend_wire_get_string (payload, "payload", "target", FALSE, 36, &target, error)
      || !mend_wire_get_string (payload, "payload", "target_kind", FALSE, 64, &target_kind, error)
      || !get_text (payload, "reason", FALSE, MEND_NOTES_MAX_CHARS, &reason, error))
    return FALSE;
  if (!mend_wire_is_uuid (target))
    return fail (error, "payload.target must be an event id (a lowercase UUID)");
  if (!mend_event_kind_from_string (target_kind, &kind))
    return fail (error, "payload.target_kind %s is not a kind of event", target_kind);
  {
    g_autofree char *stripped = g_strstrip (g_strdup (reason));

    if (stripped[0] == '\0')
      return fail (error, "payload.reason must say why the record is voided");
  }
  if (json_object_has_member (payload, "sensitive")
      && !mend_wire_get_bool (payload, "payload", "sensitive", TRUE, &sensitive, error))
    return FALSE;
  return TRUE;
}

/**
 * mend_wire_check_payload:
 * @kind: the event's kind
 * @session_id: (nullable): the event's session
 * @participant_id: (nullable): the event's participant
 * @payload_json: the canonical payload, as the decoder left it
 *
 * Returns: whether the event is a kind of section 5 with the members that kind needs; else
 *   @error (MEND_WIRE_ERROR_MALFORMED) says what is wrong, in a sentence for the device's
 *   "refused" list.
 */
gboolean
mend_wire_check_payload (const char *kind,
                         const char *session_id,
                         const char *participant_id,
                         const char *payload_json,
                         GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) parse_error = NULL;
  MendEventKind known;
  JsonObject *payload;
  gboolean needs_participant;

  g_return_val_if_fail (kind != NULL && payload_json != NULL, FALSE);

  if (!mend_event_kind_from_string (kind, &known) || known == MEND_EVENT_NOTE_ADDED
      || known == MEND_EVENT_INCIDENT_REPORTED)
    return fail (error, "%.64s is not a kind of event HQ accepts", kind);
  if (!json_parser_load_from_data (parser, payload_json, -1, &parse_error)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return fail (error, "the payload is not a JSON object");
  payload = json_node_get_object (json_parser_get_root (parser));

  needs_participant = known == MEND_EVENT_CHECKED_IN || known == MEND_EVENT_BRIEFED
                      || known == MEND_EVENT_CHECKED_OUT || known == MEND_EVENT_ABSENT;
  if (known != MEND_EVENT_VOIDED && known != MEND_EVENT_PHOTO_TAKEN && session_id == NULL)
    return fail (error, "an event of kind %s must name its session", kind);
  if (needs_participant && participant_id == NULL)
    return fail (error, "an event of kind %s must name its participant", kind);

  switch (known)
    {
    case MEND_EVENT_SESSION_STARTED:
    case MEND_EVENT_CHECKED_IN:
      return check_geofence (payload, error);
    case MEND_EVENT_SESSION_ENDED:
    case MEND_EVENT_BRIEFED:
      return TRUE;
    case MEND_EVENT_CHECKED_OUT:
      return check_checked_out (payload, error);
    case MEND_EVENT_ABSENT:
      {
        const char *notes = NULL;

        return check_notes (payload, &notes, error);
      }
    case MEND_EVENT_TALLY_ADJUSTED:
      {
        g_autofree char *category = NULL;
        gint64 delta = 0;

        if (!mend_wire_get_string (payload, "payload", "category", FALSE, MEND_WIRE_MAX_ID_BYTES,
                                   &category, error)
            || !mend_wire_get_int (payload, "payload", "delta", FALSE, NULL, &delta, error))
          return FALSE;
        if (delta == 0)
          return fail (error, "payload.delta must not be zero");
        return TRUE;
      }
    case MEND_EVENT_PHOTO_TAKEN:
      return check_photo (payload, error);
    case MEND_EVENT_VOIDED:
      return check_voided (payload, error);
    case MEND_EVENT_NOTE_ADDED:
    case MEND_EVENT_INCIDENT_REPORTED:
    case MEND_EVENT_N_KINDS:
    default:
      g_assert_not_reached ();
    }
}
