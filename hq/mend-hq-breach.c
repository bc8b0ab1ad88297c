/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-hq"

#include "config.h"

#include "mend-hq-private.h"

#include <string.h>

/* What a lost device could have held (hq/README.md, "Breach report"). Every manifest HQ sends
 * is recorded per device and person before it leaves: the case reference, whether a display
 * name went with it, and when a later manifest took the name or the person away again. With
 * the events the device itself sent, that is whose personal data it could hold, with dates. */

#define ISO(column)                                                                                \
  "coalesce(to_char(" column " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '')"

/**
 * mend_hq_breach_record_manifest:
 * @participants: (nullable): the manifest's "participants" list, as sent
 * @deleted: (nullable): the manifest's tombstones
 * @full: the manifest is everything: a person it leaves out is removed from the device
 *
 * Records, before the manifest is sent, which people it gives @device_id and which it takes
 * away. A failure here means the manifest must not be sent.
 */
gboolean
mend_hq_breach_record_manifest (PGconn *conn,
                                const char *device_id,
                                JsonArray *participants,
                                JsonObject *deleted,
                                gboolean full,
                                GError **error)
{
  g_autoptr (JsonNode) sent = json_node_init_array (
      json_node_alloc (), participants != NULL ? participants : json_array_new ());
  g_autoptr (JsonNode) removed = NULL;
  g_autofree char *sent_json = NULL;
  g_autofree char *removed_json = NULL;
  g_autoptr (PGresult) upsert = NULL;
  g_autoptr (PGresult) gone = NULL;
  JsonArray *removed_ids = NULL;

  if (participants == NULL)
    json_array_unref (json_node_get_array (sent));
  if (deleted != NULL && json_object_has_member (deleted, "participants"))
    removed_ids = json_object_get_array_member (deleted, "participants");
  removed = json_node_init_array (json_node_alloc (),
                                  removed_ids != NULL ? removed_ids : json_array_new ());
  if (removed_ids == NULL)
    json_array_unref (json_node_get_array (removed));
  sent_json = json_to_string (sent, FALSE);
  removed_json = json_to_string (removed, FALSE);

  if (!mend_hq_db_exec (conn, "BEGIN", error))
    return FALSE;
  {
    const char *params[] = { device_id, sent_json };

    upsert = PQexecParams (
        conn,
        "INSERT INTO device_disclosures AS d (device, participant, case_ref,"
        "  name_first_sent_at, name_last_sent_at)"
        " SELECT $1, p ->> 'id', p ->> 'case_ref',"
        "  CASE WHEN p ->> 'display_name' IS NOT NULL THEN now() END,"
        "  CASE WHEN p ->> 'display_name' IS NOT NULL THEN now() END"
        " FROM jsonb_array_elements($2::jsonb) p"
        " ON CONFLICT (device, participant) DO UPDATE SET case_ref = excluded.case_ref,"
        "  last_sent_at = now(), removed_at = NULL,"
        "  name_first_sent_at = coalesce(d.name_first_sent_at, excluded.name_first_sent_at),"
        "  name_last_sent_at = coalesce(excluded.name_last_sent_at, d.name_last_sent_at),"
        "  name_withdrawn_at = CASE WHEN excluded.name_last_sent_at IS NOT NULL THEN NULL"
        "   WHEN d.name_last_sent_at IS NOT NULL THEN coalesce(d.name_withdrawn_at, now())"
        "   ELSE d.name_withdrawn_at END",
        2, NULL, params, NULL, NULL, 0);
  }
  if (mend_hq_db_check (upsert, PGRES_COMMAND_OK, error))
    {
      const char *params[] = { device_id, full ? sent_json : removed_json, full ? "t" : "f" };

      /* A full manifest removes whoever it leaves out; a delta, whoever its tombstones name. */
      gone = PQexecParams (
          conn,
          "UPDATE device_disclosures SET removed_at = coalesce(removed_at, now())"
          " WHERE device = $1 AND CASE WHEN $3::boolean"
          "  THEN participant NOT IN (SELECT p ->> 'id' FROM jsonb_array_elements($2::jsonb) p)"
          "  ELSE participant IN (SELECT jsonb_array_elements_text($2::jsonb)) END",
          3, NULL, params, NULL, NULL, 0);
    }
  if (gone == NULL || !mend_hq_db_check (gone, PGRES_COMMAND_OK, error)
      || !mend_hq_db_exec (conn, "COMMIT", error))
    {
      PQclear (PQexec (conn, "ROLLBACK"));
      return FALSE;
    }
  return TRUE;
}

/**
 * mend_hq_breach_query:
 * @out_device: (out): one row: id, team, name, enrolled, last seen, revoked (ISO, or empty)
 * @out_people: (out): one row per person: participant, case reference, display name now
 *   (or empty), restricted ("t"/"f"), first sent, last sent, name first sent, name last
 *   sent, name withdrawn, removed, events the device recorded about them, the last one's time,
 *   how many of those events the device reports purged, its last reported purge
 * @out_sessions: (out) (optional): one row per session the device recorded events of: session,
 *   site name (or empty), planned start, first record, events recorded, events purged, last
 *   purge, photos recorded, photos purged
 *
 * Returns: %FALSE with MEND_HQ_ERROR_NOT_FOUND when HQ has no such device.
 */
gboolean
mend_hq_breach_query (PGconn *conn,
                      const char *device_id,
                      PGresult **out_device,
                      PGresult **out_people,
                      PGresult **out_sessions,
                      GError **error)
{
  const char *params[] = { device_id };
  g_autoptr (PGresult) device = NULL;
  g_autoptr (PGresult) people = NULL;
  g_autoptr (PGresult) sessions = NULL;

  device = PQexecParams (conn,
                         "SELECT id, team, coalesce(name, ''), " ISO ("enrolled_at") ", " ISO (
                             "last_seen") ", " ISO ("revoked_at") " FROM devices WHERE id = $1",
                         1, NULL, params, NULL, NULL, 0);
  if (!mend_hq_db_check (device, PGRES_TUPLES_OK, error))
    return FALSE;
  if (PQntuples (device) != 1)
    {
      g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_NOT_FOUND, "no device %s", device_id);
      return FALSE;
    }
  /* The device's events with what it reported purging of them (migration 0007). The query is
   * kept as written: the formatter would break its string pieces around each ISO(). */
  /* clang-format off */
  people = PQexecParams (
      conn,
      "WITH recorded AS ("
      "  SELECT convert_from(e.canonical, 'UTF8')::jsonb ->> 'participant' AS id,"
      "   count(*) AS n,"
      "   max((convert_from(e.canonical, 'UTF8')::jsonb ->> 'occurred_at')::bigint) AS last_ms,"
      "   count(dp.seq) AS purged, max(dp.purged_at) AS last_purged"
      "  FROM events e LEFT JOIN device_purges dp ON dp.device = e.device AND dp.seq = e.seq"
      "  WHERE e.device = $1 GROUP BY 1)"
      " SELECT coalesce(d.participant, r.id), coalesce(d.case_ref, p.case_ref, ''),"
      "  coalesce(p.display_name, ''), coalesce(p.restricted, false),"
      "  " ISO ("d.first_sent_at") ", " ISO ("d.last_sent_at") ","
      "  " ISO ("d.name_first_sent_at") ", " ISO ("d.name_last_sent_at") ","
      "  " ISO ("d.name_withdrawn_at") ", " ISO ("d.removed_at") ","
      "  coalesce(r.n, 0),"
      "  " ISO ("('epoch'::timestamptz + r.last_ms * interval '1 millisecond')") ","
      "  coalesce(r.purged, 0), " ISO ("r.last_purged")
      " FROM (SELECT * FROM device_disclosures WHERE device = $1) d"
      " FULL JOIN recorded r ON r.id = d.participant"
      " LEFT JOIN participants p ON p.id = coalesce(d.participant, r.id)"
      " WHERE coalesce(d.participant, r.id) IS NOT NULL ORDER BY 2, 1",
      1, NULL, params, NULL, NULL, 0);
  /* clang-format on */
  if (!mend_hq_db_check (people, PGRES_TUPLES_OK, error))
    return FALSE;
  if (out_sessions != NULL)
    {
      /* clang-format off */
      sessions = PQexecParams (
          conn,
          "SELECT r.session, coalesce(st.name, ''), " ISO ("s.starts_at") ","
          "  " ISO ("('epoch'::timestamptz + r.first_ms * interval '1 millisecond')") ","
          "  r.n, r.purged, " ISO ("r.last_purged") ", r.photos, r.photos_purged"
          " FROM (SELECT convert_from(e.canonical, 'UTF8')::jsonb ->> 'session' AS session,"
          "   min((convert_from(e.canonical, 'UTF8')::jsonb ->> 'occurred_at')::bigint)"
          "    AS first_ms,"
          "   count(*) AS n, count(dp.seq) AS purged, max(dp.purged_at) AS last_purged,"
          "   count(*) FILTER (WHERE e.kind = 'photo.taken') AS photos,"
          "   count(dp.seq) FILTER (WHERE e.kind = 'photo.taken') AS photos_purged"
          "  FROM events e LEFT JOIN device_purges dp ON dp.device = e.device AND dp.seq = e.seq"
          "  WHERE e.device = $1 GROUP BY 1) r"
          " LEFT JOIN sessions s ON s.id = r.session LEFT JOIN sites st ON st.id = s.site"
          " WHERE r.session IS NOT NULL ORDER BY 4, 1",
          1, NULL, params, NULL, NULL, 0);
      /* clang-format on */
      if (!mend_hq_db_check (sessions, PGRES_TUPLES_OK, error))
        return FALSE;
      *out_sessions = g_steal_pointer (&sessions);
    }
  *out_device = g_steal_pointer (&device);
  *out_people = g_steal_pointer (&people);
  return TRUE;
}

/**
 * mend_hq_breach_held:
 * @recorded: the device's records about a person or session, as a decimal
 * @purged: how many of them it reported purged
 * @last_purged: its last reported purge (ISO), or empty
 * @last_sync: the device's last sync (ISO), or empty
 *
 * The one sentence the command-line report and the dashboard both give for whether the device
 * still holds the personal fields of those records.
 *
 * Returns: (transfer full): "purged from the device on DATE", "N of M records still held as of
 *   the last sync on DATE", or "no records".
 */
char *
mend_hq_breach_held (const char *recorded,
                     const char *purged,
                     const char *last_purged,
                     const char *last_sync)
{
  gint64 n = g_ascii_strtoll (recorded, NULL, 10);
  gint64 gone = g_ascii_strtoll (purged, NULL, 10);

  if (n == 0)
    return g_strdup ("no records");
  if (gone >= n)
    return g_strdup_printf ("purged from the device on %s", last_purged);
  return g_strdup_printf ("%" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
                          " records still held as of the last sync on %s",
                          n - gone, n, last_sync[0] != '\0' ? last_sync : "(never synced)");
}

/* `mend-hq admin device report DEVICE`: the same facts as the dashboard's page, as
 * tab-separated lines after a short heading. */
gboolean
mend_hq_admin_device_report (PGconn *conn, const char *device_id, GError **error)
{
  g_autoptr (PGresult) device = NULL;
  g_autoptr (PGresult) people = NULL;
  g_autoptr (PGresult) sessions = NULL;
  const char *last_sync;

  if (!mend_hq_breach_query (conn, device_id, &device, &people, &sessions, error))
    return FALSE;
  last_sync = PQgetvalue (device, 0, 4);
  g_print ("device\t%s\nteam\t%s\nname\t%s\nenrolled\t%s\nlast_sync\t%s\nrevoked\t%s\n",
           PQgetvalue (device, 0, 0), PQgetvalue (device, 0, 1), PQgetvalue (device, 0, 2),
           PQgetvalue (device, 0, 3), last_sync, PQgetvalue (device, 0, 5));
  g_print ("people\t%d\n", PQntuples (people));
  g_print ("participant\tcase_ref\tname_held\tfirst_sent\tlast_sent\tname_first_sent"
           "\tname_last_sent\tname_withdrawn\tremoved\tevents_recorded\tlast_event"
           "\tevents_purged\tlast_purged\trecords\n");
  for (int i = 0; i < PQntuples (people); i++)
    {
      gboolean name_held = PQgetvalue (people, i, 6)[0] != '\0'
                           && PQgetvalue (people, i, 8)[0] == '\0'
                           && PQgetvalue (people, i, 9)[0] == '\0';
      g_autofree char *held
          = mend_hq_breach_held (PQgetvalue (people, i, 10), PQgetvalue (people, i, 12),
                                 PQgetvalue (people, i, 13), last_sync);

      g_print ("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
               PQgetvalue (people, i, 0), PQgetvalue (people, i, 1), name_held ? "yes" : "no",
               PQgetvalue (people, i, 4), PQgetvalue (people, i, 5), PQgetvalue (people, i, 6),
               PQgetvalue (people, i, 7), PQgetvalue (people, i, 8), PQgetvalue (people, i, 9),
               PQgetvalue (people, i, 10), PQgetvalue (people, i, 11), PQgetvalue (people, i, 12),
               PQgetvalue (people, i, 13), held);
    }
  g_print ("sessions\t%d\n", PQntuples (sessions));
  g_print ("session\tsite\tstarts\tfirst_record\tevents_recorded\tevents_purged\tlast_purged"
           "\tphotos\tphotos_purged\trecords\n");
  for (int i = 0; i < PQntuples (sessions); i++)
    {
      g_autofree char *held
          = mend_hq_breach_held (PQgetvalue (sessions, i, 4), PQgetvalue (sessions, i, 5),
                                 PQgetvalue (sessions, i, 6), last_sync);

      g_print ("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", PQgetvalue (sessions, i, 0),
               PQgetvalue (sessions, i, 1), PQgetvalue (sessions, i, 2),
               PQgetvalue (sessions, i, 3), PQgetvalue (sessions, i, 4),
               PQgetvalue (sessions, i, 5), PQgetvalue (sessions, i, 6),
               PQgetvalue (sessions, i, 7), PQgetvalue (sessions, i, 8), held);
    }
  g_print ("note\tHQ knows what it sent and when, what the device sent back, and what the device "
           "reported purging by its last sync (its notes, positions and photos; the tombstones "
           "stay). A person's case reference, and any name sent, stay on the device until a "
           "manifest removes them (the removed and name_withdrawn columns).\n");
  return TRUE;
}
