/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-hq"

#include "config.h"

#include "mend-hq-private.h"

#include <sodium.h>
#include <string.h>

#include "mend-wire.h"

/* POST /api/v1/devices/enrol (PROTOCOL.md section 9): a one-time code for a device id and a
 * bearer token. The code is used up and the device created in one transaction. */

static void
fail_internal (PGconn *conn,
               const MendHqRequest *request,
               MendHqAnswer *answer,
               const GError *error)
{
  PQclear (PQexec (conn, "ROLLBACK"));
  g_message ("request_id=%s event=enrol_failed error=\"%s\"", request->request_id, error->message);
  mend_hq_answer_error (answer, request, "internal", "the enrolment could not be stored");
}

void
mend_hq_handle_enrol (PGconn *conn, const MendHqRequest *request, MendHqAnswer *answer)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MendWireEnrolRequest) enrol = NULL;
  g_autoptr (PGresult) code_row = NULL;
  g_autoptr (PGresult) inserted = NULL;
  g_autoptr (PGresult) used = NULL;
  g_autofree char *token = NULL;
  g_autofree char *public_key = NULL;
  MendWireEnrolment enrolment = { 0 };
  guint8 code_digest[32];
  guint8 token_digest[32];

  enrol = mend_wire_decode_enrol_request ((const char *)request->body->data, request->body->len,
                                          &error);
  if (enrol == NULL)
    {
      mend_hq_answer_body_refused (answer, request, error);
      return;
    }

  mend_hq_sha256 (enrol->code, code_digest);
  if (!mend_hq_db_exec (conn, "BEGIN", &error))
    {
      fail_internal (conn, request, answer, error);
      return;
    }
  {
    const char *params[] = { (const char *)code_digest };
    const int lengths[] = { sizeof code_digest };
    const int formats[] = { 1 };

    /* FOR UPDATE: two devices racing for one code wait for each other, and the second then
     * sees it used. */
    code_row = PQexecParams (conn,
                             "SELECT t.id, t.name FROM enrolment_codes c"
                             " JOIN teams t ON t.id = c.team"
                             " WHERE c.code_sha256 = $1 AND c.used_at IS NULL"
                             " AND c.expires_at > now() FOR UPDATE OF c",
                             1, NULL, params, lengths, formats, 0);
  }
  if (!mend_hq_db_check (code_row, PGRES_TUPLES_OK, &error))
    {
      fail_internal (conn, request, answer, error);
      return;
    }
  if (PQntuples (code_row) != 1)
    {
      PQclear (PQexec (conn, "ROLLBACK"));
      /* One message for wrong, expired and used codes, so codes cannot be probed. */
      mend_hq_answer_error (answer, request, "forbidden",
                            "the enrolment code is wrong, expired or used");
      return;
    }

  token = mend_hq_random_token ();
  mend_hq_sha256 (token, token_digest);
  {
    const char *params[] = { enrol->device_id, PQgetvalue (code_row, 0, 0), enrol->name,
                             (const char *)token_digest };
    const int lengths[] = { 0, 0, 0, sizeof token_digest };
    const int formats[] = { 0, 0, 0, 1 };

    inserted = PQexecParams (conn,
                             "INSERT INTO devices (id, team, name, token_sha256)"
                             " VALUES ($1, $2, $3, $4)"
                             /* A revoked device enrols again into the same team with a new
                              * token; its chain at HQ goes on from where it stopped. */
                             " ON CONFLICT (id) DO UPDATE"
                             " SET token_sha256 = EXCLUDED.token_sha256,"
                             " name = COALESCE (EXCLUDED.name, devices.name),"
                             " enrolled_at = now (), revoked_at = NULL"
                             " WHERE devices.revoked_at IS NOT NULL"
                             " AND devices.team = EXCLUDED.team",
                             4, NULL, params, lengths, formats, 0);
  }
  if (!mend_hq_db_check (inserted, PGRES_COMMAND_OK, &error))
    {
      fail_internal (conn, request, answer, error);
      return;
    }
  if (strcmp (PQcmdTuples (inserted), "1") != 0)
    {
      /* The code stays unused: the administrator revokes the old enrolment and the same
       * code still works within its lifetime. */
      PQclear (PQexec (conn, "ROLLBACK"));
      mend_hq_answer_error (
          answer, request, "conflict",
          "this device is enrolled already (revoke it first), or it belonged to another team");
      return;
    }
  {
    const char *params[] = { (const char *)code_digest, enrol->device_id };
    const int lengths[] = { sizeof code_digest, 0 };
    const int formats[] = { 1, 0 };

    used = PQexecParams (conn,
                         "UPDATE enrolment_codes SET used_at = now(), used_by = $2"
                         " WHERE code_sha256 = $1",
                         2, NULL, params, lengths, formats, 0);
  }
  /* The key comes from the same transaction, so an HQ without one (admin init never ran to
   * the end) enrols nobody rather than sending a device off without it. */
  if (!mend_hq_db_check (used, PGRES_COMMAND_OK, &error)
      || (public_key = mend_hq_keys_dup_public (conn, &error)) == NULL
      || !mend_hq_db_exec (conn, "COMMIT", &error))
    {
      fail_internal (conn, request, answer, error);
      return;
    }

  enrolment.device_id = enrol->device_id;
  enrolment.team_id = PQgetvalue (code_row, 0, 0);
  enrolment.team_name = PQgetvalue (code_row, 0, 1);
  enrolment.token = token;
  enrolment.hq_public_key = public_key;
  mend_hq_answer_json (answer, MHD_HTTP_CREATED, mend_wire_encode_enrolment (&enrolment));
  sodium_memzero (token, strlen (token));
  g_message ("request_id=%s event=enrolled device=%s team=%s", request->request_id,
             enrol->device_id, enrolment.team_id);
}
