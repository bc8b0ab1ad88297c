/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-hq"

#include "config.h"

#include "mend-hq-private.h"

#include <string.h>

/* GET and POST /api/v1/purges (sync/PROTOCOL.md section 14): what a device says it has purged.
 * HQ keeps one row per purged event (migration 0007) so the breach report can say, per person
 * and session, when the device stopped holding their records. */

static gboolean
read_state (PGconn *conn,
            const char *device_id,
            gint64 *out_events,
            gint64 *out_last_ms,
            GError **error)
{
  const char *params[] = { device_id };
  g_autoptr (PGresult) result = PQexecParams (
      conn,
      "SELECT count(*), coalesce((extract(epoch FROM max(purged_at)) * 1000)::bigint, 0)"
      " FROM device_purges WHERE device = $1",
      1, NULL, params, NULL, NULL, 0);

  if (!mend_hq_db_check (result, PGRES_TUPLES_OK, error))
    return FALSE;
  *out_events = g_ascii_strtoll (PQgetvalue (result, 0, 0), NULL, 10);
  *out_last_ms = g_ascii_strtoll (PQgetvalue (result, 0, 1), NULL, 10);
  return TRUE;
}

static void
answer_state (PGconn *conn,
              const MendHqDevice *device,
              const MendHqRequest *request,
              MendHqAnswer *answer)
{
  g_autoptr (GError) error = NULL;
  gint64 events = 0, last_ms = 0;

  if (!read_state (conn, device->device_id, &events, &last_ms, &error))
    {
      g_message ("request_id=%s event=purges_failed error=\"%s\"", request->request_id,
                 error->message);
      mend_hq_answer_error (answer, request, "internal", "the purge state could not be read");
      return;
    }
  mend_hq_answer_json (answer, MHD_HTTP_OK, mend_wire_encode_purge_state (events, last_ms));
}

/* The runs as JSON for one INSERT, each seq of a run one row. */
static char *
ranges_json (GArray *ranges)
{
  GString *out = g_string_new ("[");

  for (guint i = 0; i < ranges->len; i++)
    {
      const MendPurgeRange *range = &g_array_index (ranges, MendPurgeRange, i);

      g_string_append_printf (out,
                              "%s{\"first_seq\":%" G_GINT64_FORMAT ",\"last_seq\":%" G_GINT64_FORMAT
                              ",\"purged_at\":%" G_GINT64_FORMAT "}",
                              i > 0 ? "," : "", range->first_seq, range->last_seq,
                              range->purged_at_ms);
    }
  g_string_append_c (out, ']');
  return g_string_free (out, FALSE);
}

/* Inside a transaction: refuses a run that names an event HQ does not hold (a device purges
 * only what HQ acknowledged, so such a report is wrong and nothing of it is kept). */
static gboolean
store_ranges (PGconn *conn,
              const char *device_id,
              GArray *ranges,
              gint64 *out_unknown_seq,
              GError **error)
{
  g_autofree char *json = ranges_json (ranges);
  const char *params[] = { device_id, json };
  g_autoptr (PGresult) missing = NULL;
  g_autoptr (PGresult) insert = NULL;

  *out_unknown_seq = 0;
  missing = PQexecParams (conn,
                          "SELECT min(s) FROM jsonb_to_recordset($2::jsonb)"
                          "  AS r(first_seq bigint, last_seq bigint, purged_at bigint),"
                          "  generate_series(r.first_seq, r.last_seq) s"
                          " WHERE NOT EXISTS (SELECT 1 FROM events e"
                          "  WHERE e.device = $1 AND e.seq = s)",
                          2, NULL, params, NULL, NULL, 0);
  if (!mend_hq_db_check (missing, PGRES_TUPLES_OK, error))
    return FALSE;
  if (!PQgetisnull (missing, 0, 0))
    {
      *out_unknown_seq = g_ascii_strtoll (PQgetvalue (missing, 0, 0), NULL, 10);
      return TRUE;
    }
  insert = PQexecParams (conn,
                         "INSERT INTO device_purges (device, seq, purged_at)"
                         " SELECT $1, s, to_timestamp(r.purged_at / 1000.0)"
                         " FROM jsonb_to_recordset($2::jsonb)"
                         "  AS r(first_seq bigint, last_seq bigint, purged_at bigint),"
                         "  generate_series(r.first_seq, r.last_seq) s"
                         " ON CONFLICT (device, seq) DO NOTHING",
                         2, NULL, params, NULL, NULL, 0);
  return mend_hq_db_check (insert, PGRES_COMMAND_OK, error);
}

/**
 * mend_hq_handle_purges:
 * @is_post: a report (else `GET`, which only asks what HQ holds)
 *
 * Answers both with the device's purge state as HQ holds it after the request. A report is
 * idempotent: runs HQ already holds change nothing.
 */
void
mend_hq_handle_purges (PGconn *conn,
                       const MendHqDevice *device,
                       const MendHqRequest *request,
                       gboolean is_post,
                       MendHqAnswer *answer)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MendWirePurges) purges = NULL;
  gint64 unknown_seq = 0;

  if (!is_post)
    {
      answer_state (conn, device, request, answer);
      return;
    }
  purges = mend_wire_decode_purges ((const char *)request->body->data, request->body->len, &error);
  if (purges == NULL)
    {
      mend_hq_answer_body_refused (answer, request, error);
      return;
    }
  if (strcmp (purges->device_id, device->device_id) != 0)
    {
      mend_hq_answer_error (answer, request, "forbidden",
                            "device_id is not the device this token was given to");
      return;
    }
  if (!mend_hq_db_exec (conn, "BEGIN", &error)
      || !store_ranges (conn, device->device_id, purges->ranges, &unknown_seq, &error)
      || (unknown_seq == 0 && !mend_hq_db_exec (conn, "COMMIT", &error)))
    {
      PQclear (PQexec (conn, "ROLLBACK"));
      g_message ("request_id=%s event=purges_failed error=\"%s\"", request->request_id,
                 error->message);
      mend_hq_answer_error (answer, request, "internal", "the purge report could not be stored");
      return;
    }
  if (unknown_seq != 0)
    {
      g_autofree char *message = g_strdup_printf ("HQ holds no event seq %" G_GINT64_FORMAT
                                                  " of this device; a device purges only events "
                                                  "HQ acknowledged",
                                                  unknown_seq);

      PQclear (PQexec (conn, "ROLLBACK"));
      mend_hq_answer_error (answer, request, "bad_request", message);
      return;
    }
  g_message ("request_id=%s event=purges_reported device=%s runs=%u", request->request_id,
             device->device_id, purges->ranges->len);
  answer_state (conn, device, request, answer);
}
