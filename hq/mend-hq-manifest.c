/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-hq"

#include "config.h"

#include "mend-hq-private.h"

#include <string.h>

#include "mend-hq-credit.h"
#include "mend-names.h"
#include "mend-time.h"

/* GET /api/v1/manifest?since=CURSOR (PROTOCOL.md section 12): the device's team's reference
 * data, whole or what changed since a cursor, encoded by the shared codec.
 *
 * The cursor is "c1-EPOCH-XMIN-DAY". XMIN is the oldest transaction still running when the
 * manifest was read (pg_snapshot_xmin): everything before it was in that manifest, so the next
 * delta sends every row written by a transaction from XMIN on (migration 0002). A row may come
 * twice; none is missed, whatever order writers commit in. EPOCH names this database's history
 * (reference_epoch), so another database's cursor is unknown. DAY is the local date the
 * manifest was made: display names depend on the day (a person's name goes only to devices on
 * the day before and the day of their session), so on a new day every person is sent again.
 *
 * A person's minutes_credited is told per device: what was credited before or outside Mend,
 * plus what HQ's stored events from the team's other devices credit, by the dashboard's fold
 * (mend-hq-credit.c). The asking device's own events never count in it: the device counts them
 * itself, acknowledged or not, so none is counted twice whenever the pass pulled. Another
 * device's check-out, absence or void stored since the cursor (events.stored_xid, migration
 * 0006) sends the person again. */

#define CURSOR_VERSION "c1"

typedef struct
{
  gboolean full;
  char *since_xid; /* "0" for a full manifest */
  gboolean new_day;
} Cursor;

/* Reads @text; an unknown, damaged, future or foreign cursor leaves @cursor asking for
 * everything. Never a 4xx: a device with an old cursor simply starts again. */
static void
read_cursor (const char *text,
             const char *epoch,
             guint64 current_xmin,
             const char *today,
             Cursor *cursor)
{
  g_auto (GStrv) parts = text != NULL ? g_strsplit (text, "-", 0) : NULL;
  guint64 since = 0;

  cursor->full = TRUE;
  cursor->since_xid = g_strdup ("0");
  cursor->new_day = TRUE;
  if (parts == NULL || g_strv_length (parts) != 4 || strcmp (parts[0], CURSOR_VERSION) != 0
      || strcmp (parts[1], epoch) != 0
      || !g_ascii_string_to_unsigned (parts[2], 10, 1, current_xmin, &since, NULL)
      || strlen (parts[3]) != 8)
    return;
  cursor->full = FALSE;
  g_free (cursor->since_xid);
  cursor->since_xid = g_strdup_printf ("%" G_GUINT64_FORMAT, since);
  cursor->new_day = strcmp (parts[3], today) != 0;
}

/* The lists, each one query that PostgreSQL turns into a JSON array. $1 team, $2 the cursor's
 * xid, $3 whether everything is asked for, $4 and $5 the window (UTC ms) in which a session
 * lets its people's names go to devices, $6 whether every person is to be sent again, $7 each
 * person's minutes credited as this device is to be told (a JSON object by id), $8 the device. */
static const struct
{
  const char *list;
  const char *sql;
} lists[] = {
  { "supervisors",
    "SELECT coalesce(json_agg(json_build_object('id', id, 'name', name, 'pin_hash', pin_hash)"
    " ORDER BY id), '[]') FROM supervisors"
    " WHERE team = $1 AND ($3 OR changed_xid >= $2::xid8)" },
  { "sites",
    "SELECT coalesce(json_agg(json_build_object('id', id, 'name', name, 'address', address,"
    " 'boundary', boundary, 'centre_lat', centre_lat, 'centre_lon', centre_lon, 'demo', demo)"
    " ORDER BY id), '[]') FROM sites WHERE team = $1 AND ($3 OR changed_xid >= $2::xid8)" },
  { "participants",
    "SELECT coalesce(json_agg(json_build_object('id', p.id, 'case_ref', p.case_ref,"
    " 'display_name', CASE WHEN NOT p.restricted AND EXISTS (SELECT 1 FROM assignments a"
    "   JOIN sessions s ON s.id = a.session WHERE a.participant = p.id"
    "   AND s.starts_at < 'epoch'::timestamptz + $5::bigint * interval '1 millisecond'"
    "   AND s.ends_at > 'epoch'::timestamptz + $4::bigint * interval '1 millisecond')"
    "   THEN p.display_name END,"
    " 'restricted', p.restricted, 'minutes_ordered', p.minutes_ordered,"
    " 'minutes_credited', coalesce(($7::jsonb ->> p.id)::integer, p.minutes_credited),"
    " 'disposal_type', p.disposal_type,"
    " 'disposal_at', (extract(epoch FROM p.disposal_at) * 1000)::bigint) ORDER BY p.id), '[]')"
    " FROM participants p WHERE p.team = $1 AND ($3 OR $6 OR p.changed_xid >= $2::xid8"
    /* A session or assignment that changed can show or hide a name without the person's row
     * changing. */
    "   OR EXISTS (SELECT 1 FROM assignments a JOIN sessions s ON s.id = a.session"
    "     WHERE a.participant = p.id AND (a.changed_xid >= $2::xid8 OR s.changed_xid >= $2::xid8))"
    "   OR EXISTS (SELECT 1 FROM reference_deletions d WHERE d.list = 'assignments'"
    "     AND d.participant = p.id AND d.deleted_xid >= $2::xid8)"
    /* Another device's check-out, absence or void (of the person's check-out or absence) stored
     * since the cursor changes what this device is told was credited. A void names its
     * target's person (data/mend-store-record.c); the target is asked too, for a void that does
     * not. */
    "   OR p.id IN (SELECT coalesce(convert_from (e.canonical, 'UTF8')::jsonb ->> 'participant',"
    "       (SELECT convert_from (t.canonical, 'UTF8')::jsonb ->> 'participant' FROM events t"
    "        WHERE t.id = e.payload ->> 'target'))"
    "     FROM events e WHERE e.stored_xid >= $2::xid8 AND e.device <> $8"
    "     AND e.status = 'stored'"
    "     AND (e.kind IN ('attendance.checked_out', 'attendance.absent')"
    "       OR e.kind = 'event.voided' AND e.payload ->> 'target_kind'"
    "         IN ('attendance.checked_out', 'attendance.absent')))"
    /* An outcome code that changed can change whether a check-out credits time. */
    "   OR EXISTS (SELECT 1 FROM outcome_codes o WHERE o.changed_xid >= $2::xid8)"
    "   OR EXISTS (SELECT 1 FROM reference_deletions d WHERE d.list = 'outcome_codes'"
    "     AND d.deleted_xid >= $2::xid8))" },
  { "sessions",
    "SELECT coalesce(json_agg(json_build_object('id', id, 'site', site, 'supervisor', supervisor,"
    " 'starts_at', (extract(epoch FROM starts_at) * 1000)::bigint,"
    " 'ends_at', (extract(epoch FROM ends_at) * 1000)::bigint) ORDER BY starts_at, id), '[]')"
    " FROM sessions WHERE team = $1 AND ($3 OR changed_xid >= $2::xid8)" },
  { "assignments",
    "SELECT coalesce(json_agg(json_build_object('session', session, 'participant', participant)"
    " ORDER BY session, participant), '[]') FROM assignments"
    " WHERE team = $1 AND ($3 OR changed_xid >= $2::xid8)" },
  { "outcome_codes",
    "SELECT coalesce(json_agg(json_build_object('code', code, 'label', label, 'hint', hint,"
    " 'attended', attended, 'credits_time', credits_time, 'alerts_referrer', alerts_referrer)"
    " ORDER BY code), '[]') FROM outcome_codes WHERE ($3 OR changed_xid >= $2::xid8)" },
  { "tally_categories",
    "SELECT coalesce(json_agg(json_build_object('id', id, 'label', label, 'unit', unit,"
    " 'position', position) ORDER BY position NULLS LAST, id), '[]') FROM tally_categories"
    " WHERE ($3 OR changed_xid >= $2::xid8)" },
};

/* Tombstones since the cursor: the team's, and the scheme-wide lists' (team NULL). */
static const char deleted_sql[] = "SELECT list, id, participant FROM reference_deletions"
                                  " WHERE (team = $1 OR team IS NULL) AND deleted_xid >= $2::xid8"
                                  " ORDER BY list, id, participant";

static JsonNode *
parse_json (const char *text, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();

  if (!json_parser_load_from_data (parser, text, -1, error))
    return NULL;
  return json_node_copy (json_parser_get_root (parser));
}

static JsonObject *
read_deleted (PGconn *conn, const char *team, const char *since, GError **error)
{
  const char *params[] = { team, since };
  g_autoptr (PGresult) result = NULL;
  g_autoptr (JsonObject) deleted = json_object_new ();

  result = PQexecParams (conn, deleted_sql, 2, NULL, params, NULL, NULL, 0);
  if (!mend_hq_db_check (result, PGRES_TUPLES_OK, error))
    return NULL;
  for (int row = 0; row < PQntuples (result); row++)
    {
      const char *list = PQgetvalue (result, row, 0);
      JsonArray *array;

      if (!json_object_has_member (deleted, list))
        json_object_set_array_member (deleted, list, json_array_new ());
      array = json_object_get_array_member (deleted, list);
      if (strcmp (list, "assignments") == 0)
        {
          JsonObject *pair = json_object_new ();

          json_object_set_string_member (pair, "session", PQgetvalue (result, row, 1));
          json_object_set_string_member (pair, "participant", PQgetvalue (result, row, 2));
          json_array_add_object_element (array, pair);
        }
      else
        json_array_add_string_element (array, PQgetvalue (result, row, 1));
    }
  return g_steal_pointer (&deleted);
}

/* Each of @team's people's minutes credited as @device_id is to be told: before or outside Mend
 * and by the other devices' events, as a JSON object by id. Read in the manifest's snapshot. */
static char *
credited_for_device (PGconn *conn, const char *team, const char *device_id, GError **error)
{
  g_autoptr (MendHqLedger) ledger = mend_hq_ledger_read (conn, team, device_id, error);
  g_autoptr (JsonObject) credited = json_object_new ();
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  if (ledger == NULL)
    return NULL;
  for (guint i = 0; i < ledger->by_name->len; i++)
    {
      const MendHqPerson *person = g_ptr_array_index (ledger->by_name, i);

      json_object_set_int_member (credited, person->id, person->minutes_credited);
    }
  json_node_set_object (node, credited);
  return json_to_string (node, FALSE);
}

/* One list's query, its JSON array parsed. */
static JsonNode *
read_list (PGconn *conn,
           const char *sql,
           const char *const *params,
           const Oid *types,
           int n_params,
           GError **error)
{
  g_autoptr (PGresult) result = PQexecParams (conn, sql, n_params, types, params, NULL, NULL, 0);

  if (!mend_hq_db_check (result, PGRES_TUPLES_OK, error))
    return NULL;
  return parse_json (PQgetvalue (result, 0, 0), error);
}

/* The names window (mend_names_window(), shared with the device) and today's date. */
static void
names_window (gint64 *out_from_ms, gint64 *out_to_ms, char **out_day)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();

  mend_names_window (g_date_time_to_unix (now) * 1000, out_from_ms, out_to_ms);
  *out_day = g_date_time_format (now, "%Y%m%d");
}

/* Builds the manifest inside one read-only snapshot, so the lists agree with each other and
 * with the cursor. */
static GBytes *
build (PGconn *conn,
       const char *team,
       const char *device_id,
       const char *since,
       gboolean *out_full,
       JsonObject **out_reference,
       JsonObject **out_deleted,
       GError **error)
{
  g_autoptr (PGresult) head = NULL;
  g_autoptr (JsonObject) reference = json_object_new ();
  g_autoptr (JsonObject) deleted = NULL;
  g_autofree char *public_key = NULL;
  g_autofree char *day = NULL;
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  g_autofree char *cursor_text = NULL;
  g_autofree char *credited = NULL;
  Cursor cursor = { 0 };
  MendWireManifest manifest = { 0 };
  gint64 from_ms, to_ms;
  guint64 xmin;
  GBytes *body = NULL;

  names_window (&from_ms, &to_ms, &day);
  from = g_strdup_printf ("%" G_GINT64_FORMAT, from_ms);
  to = g_strdup_printf ("%" G_GINT64_FORMAT, to_ms);

  if (!mend_hq_db_exec (conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", error))
    return NULL;
  {
    const char *params[] = { team };

    head = PQexecParams (conn,
                         "SELECT (SELECT epoch FROM reference_epoch),"
                         " pg_snapshot_xmin(pg_current_snapshot())::text,"
                         " (SELECT name FROM teams WHERE id = $1)",
                         1, NULL, params, NULL, NULL, 0);
  }
  if (!mend_hq_db_check (head, PGRES_TUPLES_OK, error))
    goto out;
  if (PQgetisnull (head, 0, 0) || PQgetisnull (head, 0, 2))
    {
      g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_DATABASE,
                   "the reference tables or the device's team are missing");
      goto out;
    }
  public_key = mend_hq_keys_dup_public (conn, error);
  if (public_key == NULL)
    goto out;
  xmin = g_ascii_strtoull (PQgetvalue (head, 0, 1), NULL, 10);
  read_cursor (since, PQgetvalue (head, 0, 0), xmin, day, &cursor);
  for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
    {
      /* Declared, so a query that does not use every parameter still accepts them all: text,
       * text, bool, int8, int8, bool, jsonb, text. */
      const Oid types[] = { 25, 25, 16, 20, 20, 16, 3802, 25 };
      const char *params[] = { team,
                               cursor.since_xid,
                               cursor.full ? "true" : "false",
                               from,
                               to,
                               cursor.new_day ? "true" : "false",
                               "{}",
                               device_id };
      JsonNode *list;

      list = read_list (conn, lists[i].sql, params, types, G_N_ELEMENTS (params), error);
      if (list == NULL)
        goto out;
      /* Each person's minutes_credited is folded from the team's events (mend-hq-credit.c), a
       * cost paid only when someone is sent: most deltas send nobody. The list is read again,
       * in the same snapshot, so it holds the same people. */
      if (g_str_equal (lists[i].list, "participants")
          && json_array_get_length (json_node_get_array (list)) > 0)
        {
          json_node_unref (list);
          credited = credited_for_device (conn, team, device_id, error);
          if (credited == NULL)
            goto out;
          params[6] = credited;
          list = read_list (conn, lists[i].sql, params, types, G_N_ELEMENTS (params), error);
          if (list == NULL)
            goto out;
        }
      /* A delta leaves out the lists where nothing changed ("absent = nothing changed"). */
      if (cursor.full || json_array_get_length (json_node_get_array (list)) > 0)
        json_object_set_member (reference, lists[i].list, list);
      else
        json_node_unref (list);
    }
  if (!cursor.full)
    {
      deleted = read_deleted (conn, team, cursor.since_xid, error);
      if (deleted == NULL)
        goto out;
    }

  cursor_text = g_strdup_printf (CURSOR_VERSION "-%s-%" G_GUINT64_FORMAT "-%s",
                                 PQgetvalue (head, 0, 0), xmin, day);
  manifest.cursor = cursor_text;
  manifest.full = cursor.full;
  manifest.generated_at_ms = mend_time_now_ms ();
  manifest.hq_public_key = public_key;
  manifest.team_id = (char *)team;
  manifest.team_name = PQgetvalue (head, 0, 2);
  manifest.reference = reference;
  manifest.deleted = deleted != NULL && json_object_get_size (deleted) > 0 ? deleted : NULL;
  body = mend_wire_encode_manifest (&manifest);
  *out_full = cursor.full;
  *out_reference = json_object_ref (reference);
  *out_deleted = deleted != NULL ? json_object_ref (deleted) : NULL;

out:
  PQclear (PQexec (conn, body != NULL ? "COMMIT" : "ROLLBACK"));
  g_free (cursor.since_xid);
  return body;
}

void
mend_hq_handle_manifest (PGconn *conn,
                         const MendHqDevice *device,
                         const MendHqRequest *request,
                         const char *since,
                         MendHqAnswer *answer)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) reference = NULL;
  g_autoptr (JsonObject) deleted = NULL;
  GBytes *body;
  gboolean full = FALSE;

  if (since != NULL && strlen (since) > MEND_WIRE_MAX_CURSOR_BYTES)
    {
      mend_hq_answer_error (answer, request, "bad_request", "the cursor is over 256 characters");
      return;
    }
  body = build (conn, device->team_id, device->device_id, since, &full, &reference, &deleted,
                &error);
  /* Whose data goes to the device is recorded before it goes (mend-hq-breach.c). */
  if (body != NULL
      && !mend_hq_breach_record_manifest (
          conn, device->device_id,
          json_object_has_member (reference, "participants")
              ? json_object_get_array_member (reference, "participants")
              : NULL,
          deleted, full, &error))
    g_clear_pointer (&body, g_bytes_unref);
  if (body == NULL)
    {
      g_message ("request_id=%s event=manifest_failed error=\"%s\"", request->request_id,
                 error->message);
      mend_hq_answer_error (answer, request, "internal", "the manifest could not be read");
      return;
    }
  g_message ("request_id=%s event=manifest device=%s full=%s bytes=%" G_GSIZE_FORMAT,
             request->request_id, device->device_id, full ? "true" : "false",
             g_bytes_get_size (body));
  mend_hq_answer_json (answer, MHD_HTTP_OK, body);
}
