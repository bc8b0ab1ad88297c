/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-rows"

#include "config.h"

#include "mend-rows.h"

#include <json-glib/json-glib.h>

#include "mend-canonical.h"
#include "mend-seal.h"

const char *
mend_attendance_state_to_string (MendAttendanceState state)
{
  switch (state)
    {
    case MEND_ATTENDANCE_EXPECTED:
      return "expected";
    case MEND_ATTENDANCE_ON_SITE:
      return "on_site";
    case MEND_ATTENDANCE_DONE:
      return "done";
    case MEND_ATTENDANCE_ABSENT:
      return "absent";
    default:
      g_return_val_if_reached ("unknown");
    }
}

/**
 * mend_attendance_state_from_string:
 * @state: (nullable): the projection's state column; %NULL when there is no row yet
 *
 * Returns: the state; anything unknown, and no row at all, is "expected".
 */
MendAttendanceState
mend_attendance_state_from_string (const char *state)
{
  if (g_strcmp0 (state, "on_site") == 0)
    return MEND_ATTENDANCE_ON_SITE;
  if (g_strcmp0 (state, "done") == 0)
    return MEND_ATTENDANCE_DONE;
  if (g_strcmp0 (state, "absent") == 0)
    return MEND_ATTENDANCE_ABSENT;
  return MEND_ATTENDANCE_EXPECTED;
}

const char *
mend_session_state_to_string (MendSessionState state)
{
  switch (state)
    {
    case MEND_SESSION_NOT_STARTED:
      return "not_started";
    case MEND_SESSION_RUNNING:
      return "running";
    case MEND_SESSION_ENDED:
      return "ended";
    default:
      g_return_val_if_reached ("unknown");
    }
}

void
mend_site_free (MendSite *row)
{
  g_free (row->id);
  g_free (row->name);
  g_free (row->address);
  g_free (row->boundary);
  g_free (row);
}

void
mend_session_row_free (MendSessionRow *row)
{
  g_free (row->id);
  g_free (row->site_id);
  g_free (row->site_name);
  g_free (row->supervisor_id);
  g_free (row->supervisor_name);
  g_free (row);
}

void
mend_roster_row_free (MendRosterRow *row)
{
  g_free (row->participant_id);
  g_free (row->case_ref);
  g_free (row->name);
  g_free (row->outcome);
  g_free (row->quality);
  g_free (row->behaviour);
  g_free (row);
}

void
mend_outcome_row_free (MendOutcomeRow *row)
{
  g_free (row->code);
  g_free (row->label);
  g_free (row->hint);
  g_free (row);
}

void
mend_tally_row_free (MendTallyRow *row)
{
  g_free (row->id);
  g_free (row->label);
  g_free (row->unit);
  g_free (row);
}

void
mend_event_row_free (MendEventRow *row)
{
  g_free (row->id);
  g_free (row->kind);
  g_free (row->session_id);
  g_free (row->participant_id);
  g_free (row->supervisor_id);
  g_free (row->payload);
  g_free (row->prev_hash);
  g_free (row->hash);
  g_free (row->sync_state);
  g_free (row->voided_by);
  g_free (row);
}

void
mend_status_free (MendStatus *status)
{
  g_free (status->path);
  g_free (status->device_id);
  g_free (status->head_hash);
  g_free (status);
}

/**
 * mend_payload_redact:
 * @payload_json: an event's payload
 *
 * A payload marked `"sensitive": true` keeps that mark for ever, and its free text ("notes",
 * "reason") is never shown in listings or exports: only HQ's case workers read it.
 *
 * A sealed note (mend-seal.h) is shown as `"notes": "[sealed note]"`, never as its ciphertext,
 * and sealed details for the referrer as `"alert_details": "[sealed details]"`.
 *
 * Returns: (transfer full): the payload with sensitive text replaced by "[sensitive]".
 */
char *
mend_payload_redact (const char *payload_json)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *object;
  static const char *const free_text[] = { "notes", "reason", MEND_SEAL_ALERT_PLAIN_MEMBER };
  gboolean sealed;
  gboolean alert_sealed;

  if (!json_parser_load_from_data (parser, payload_json, -1, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return g_strdup (payload_json);
  object = json_node_get_object (json_parser_get_root (parser));
  /* A sealed note is ciphertext only HQ can open: listings say one exists, not its bytes. */
  sealed = json_object_has_member (object, MEND_SEAL_MEMBER);
  if (sealed)
    {
      json_object_remove_member (object, MEND_SEAL_MEMBER);
      json_object_remove_member (object, MEND_SEAL_KEY_MEMBER);
      json_object_set_string_member (object, "notes", MEND_SEAL_PLACEHOLDER);
    }
  alert_sealed = json_object_has_member (object, MEND_SEAL_ALERT_MEMBER);
  if (alert_sealed)
    {
      json_object_remove_member (object, MEND_SEAL_ALERT_MEMBER);
      json_object_remove_member (object, MEND_SEAL_ALERT_KEY_MEMBER);
      json_object_set_string_member (object, MEND_SEAL_ALERT_PLAIN_MEMBER,
                                     MEND_SEAL_ALERT_PLACEHOLDER);
    }
  if (!json_object_get_boolean_member_with_default (object, "sensitive", FALSE))
    return sealed || alert_sealed ? mend_canonical_json (json_parser_get_root (parser), NULL)
                                  : g_strdup (payload_json);
  /* Sensitive free text becomes "[sensitive]"; what was sealed goes on saying only that. */
  for (guint i = 0; i < G_N_ELEMENTS (free_text); i++)
    {
      const char *member = free_text[i];
      gboolean was_sealed = (sealed && g_str_equal (member, "notes"))
                            || (alert_sealed && g_str_equal (member, MEND_SEAL_ALERT_PLAIN_MEMBER));

      if (!was_sealed && json_object_has_member (object, member)
          && !json_object_get_null_member (object, member))
        json_object_set_string_member (object, member, "[sensitive]");
    }
  return mend_canonical_json (json_parser_get_root (parser), NULL);
}
