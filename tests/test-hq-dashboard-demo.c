/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-test"

#include "config.h"

#include "test-hq-dashboard.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "mend-hq-private.h"
#include "mend-photo.h"
#include "mend-time.h"
#include "mend-wire.h"

/* The dashboard tests' demo data: HQ's reference data for one team, with hostile names, written
 * straight into PostgreSQL; then a real device store with the same reference data records a
 * session (photos, check-ins inside and outside the boundary, check-outs, an absence, tallies
 * and a void), enrols, pushes its log through POST /api/v1/events and uploads one photo
 * through PATCH /api/v1/blobs. */

static void
insert (PGconn *conn, const char *sql, int n, const char *const *params)
{
  g_autoptr (PGresult) result = PQexecParams (conn, sql, n, NULL, params, NULL, NULL, 0);

  if (PQresultStatus (result) != PGRES_COMMAND_OK)
    g_error ("%s: %s", sql, PQresultErrorMessage (result));
}

static const char *
member (JsonObject *object, const char *name)
{
  return json_object_get_string_member_with_default (object, name, NULL);
}

/* The device fixture's reference data, for HQ, with hostile names. */
static void
load_reference (MendTestDemo *demo, JsonObject *manifest)
{
  g_autoptr (PGconn) conn = mend_test_hq_connect (demo->hq);
  JsonArray *list;
  g_autofree char *long_name = g_strnfill (200, 'W');

  list = json_object_get_array_member (manifest, "supervisors");
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonObject *o = json_array_get_object_element (list, i);

      insert (conn,
              "INSERT INTO supervisors (id, team, name, pin_hash) VALUES ($1, $2, $3,"
              " '$argon2id$v=19$m=65536,t=2,p=1$not-a-real-hash')",
              3, (const char *const[]){ member (o, "id"), demo->team, HOSTILE_SUP });
    }
  list = json_object_get_array_member (manifest, "sites");
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonObject *o = json_array_get_object_element (list, i);
      g_autofree char *boundary = json_to_string (json_object_get_member (o, "boundary"), FALSE);

      insert (conn,
              "INSERT INTO sites (id, team, name, address, boundary) VALUES ($1, $2, $3,"
              " $4, $5::jsonb)",
              5,
              (const char *const[]){ member (o, "id"), demo->team, HOSTILE_SITE, "1 <Main> St & Co",
                                     boundary });
    }
  list = json_object_get_array_member (manifest, "participants");
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonObject *o = json_array_get_object_element (list, i);
      const char *id = member (o, "id");
      gboolean first = i == 0;

      insert (conn,
              "INSERT INTO participants (id, team, case_ref, display_name,"
              " minutes_ordered, disposal_type) VALUES ($1, $2, $3, $4, 6000, $5)",
              5,
              (const char *const[]){ id, demo->team, first ? HOSTILE_CASE : member (o, "case_ref"),
                                     first    ? HOSTILE_NAME
                                     : i == 1 ? long_name
                                              : member (o, "display_name"),
                                     "community resolution" });
    }
  list = json_object_get_array_member (manifest, "sessions");
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonObject *o = json_array_get_object_element (list, i);
      g_autofree char *starts
          = g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (o, "starts_at"));
      g_autofree char *ends
          = g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (o, "ends_at"));

      insert (conn,
              "INSERT INTO sessions (id, team, site, supervisor, starts_at, ends_at)"
              " VALUES ($1, $2, $3, $4, to_timestamp($5::bigint / 1000.0),"
              " to_timestamp($6::bigint / 1000.0))",
              6,
              (const char *const[]){ member (o, "id"), demo->team, member (o, "site"),
                                     member (o, "supervisor"), starts, ends });
    }
  list = json_object_get_array_member (manifest, "assignments");
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonObject *o = json_array_get_object_element (list, i);

      insert (
          conn, "INSERT INTO assignments (session, participant, team) VALUES ($1, $2, $3)", 3,
          (const char *const[]){ member (o, "session"), member (o, "participant"), demo->team });
    }
  list = json_object_get_array_member (manifest, "outcome_codes");
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonObject *o = json_array_get_object_element (list, i);
      const char *code = member (o, "code");

      insert (conn,
              "INSERT INTO outcome_codes (code, label, attended, credits_time,"
              " alerts_referrer) VALUES ($1, $2, $3::boolean, $4::boolean, $5::boolean)",
              5,
              (const char *const[]){
                  code, strcmp (code, "ATTC") == 0 ? HOSTILE_OUTCOME : code,
                  json_object_get_boolean_member (o, "attended") ? "true" : "false",
                  json_object_get_boolean_member (o, "credits_time") ? "true" : "false",
                  json_object_get_boolean_member (o, "alerts_referrer") ? "true" : "false" });
    }
  list = json_object_get_array_member (manifest, "tally_categories");
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonObject *o = json_array_get_object_element (list, i);
      const char *id = member (o, "id");
      g_autofree char *position = g_strdup_printf ("%u", i + 1);

      insert (conn,
              "INSERT INTO tally_categories (id, label, unit, position)"
              " VALUES ($1, $2, $3, $4::int)",
              4,
              (const char *const[]){ id, strcmp (id, "bags") == 0 ? HOSTILE_TALLY : id,
                                     member (o, "unit"), position });
    }
}

static MendFix
fix_at (double lat, double lon)
{
  MendFix fix;

  mend_fix_init (&fix, MEND_FIX_STATE_FIX, NULL);
  fix.mode = 3;
  fix.latitude = lat;
  fix.longitude = lon;
  fix.altitude = 71.5;
  fix.horizontal_error = 4.2;
  fix.gnss_time_ms = mend_time_now_ms () - 400;
  fix.satellites = 9;
  fix.age_ms = 400;
  return fix;
}

static char *
record (MendTestDemo *demo, MendCommand *command, const MendFix *fix, gint64 occurred_at_ms)
{
  if (fix != NULL)
    mend_command_set_fix (command, fix);
  if (occurred_at_ms != 0)
    mend_command_set_occurred_at (command, occurred_at_ms);
  return mend_test_record_ok (demo->device.store, command);
}

static GBytes *
jpeg (guint32 seed, gsize size)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  guint8 *data = g_malloc (size);

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8)g_rand_int_range (rand, 0, 256);
  data[0] = 0xff;
  data[1] = 0xd8;
  data[2] = 0xff;
  data[size - 2] = 0xff;
  data[size - 1] = 0xd9;
  return g_bytes_new_take (data, size);
}

/* A photo as the camera page stores it, then its photo.taken record. */
static char *
take_photo (MendTestDemo *demo, GBytes *bytes, MendPhotoRole role, const MendFix *fix)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *temp = mend_store_new_photo_temp (demo->device.store, &error);
  char *sha256 = NULL;
  gint64 length = 0;
  FILE *file;

  g_assert_no_error (error);
  /* Into the temp file itself, as the processor does, not a new file renamed over it. */
  file = fopen (temp, "wb");
  g_assert_nonnull (file);
  g_assert_cmpuint (fwrite (g_bytes_get_data (bytes, NULL), 1, g_bytes_get_size (bytes), file), ==,
                    g_bytes_get_size (bytes));
  g_assert_cmpint (fclose (file), ==, 0);
  g_assert_true (mend_store_adopt_photo_temp (demo->device.store, temp, &sha256, &length, &error));
  g_assert_no_error (error);
  g_free (
      record (demo, mend_command_photo ("s00000", NULL, role, sha256, length, 640, 480), fix, 0));
  return sha256;
}

/* The blob upload of sync/PROTOCOL.md section 11, in one PATCH. */
static void
upload (MendTestDemo *demo, const char *sha256, GBytes *bytes)
{
  g_autofree char *url
      = g_strdup_printf ("http://127.0.0.1:%u/api/v1/blobs/%s", demo->hq->port, sha256);
  g_autofree char *authorization = g_strconcat ("Authorization: Bearer ", demo->device_token, NULL);
  g_autofree char *length
      = g_strdup_printf ("Upload-Length: %" G_GSIZE_FORMAT, g_bytes_get_size (bytes));
  struct curl_slist *list = NULL;
  CURL *curl = curl_easy_init ();
  long status = 0;

  list = curl_slist_append (list, "Expect:");
  list = curl_slist_append (list, authorization);
  list = curl_slist_append (list, "Upload-Offset: 0");
  list = curl_slist_append (list, length);
  list = curl_slist_append (list, "Content-Type: application/offset+octet-stream");
  curl_easy_setopt (curl, CURLOPT_URL, url);
  curl_easy_setopt (curl, CURLOPT_CUSTOMREQUEST, "PATCH");
  curl_easy_setopt (curl, CURLOPT_POSTFIELDS, g_bytes_get_data (bytes, NULL));
  curl_easy_setopt (curl, CURLOPT_POSTFIELDSIZE, (long)g_bytes_get_size (bytes));
  curl_easy_setopt (curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_TIMEOUT, 60L);
  g_assert_cmpint (curl_easy_perform (curl), ==, CURLE_OK);
  curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
  g_assert_cmpint (status, ==, 204);
  curl_easy_cleanup (curl);
  curl_slist_free_all (list);
}

/**
 * mend_test_demo_set_up:
 * @demo: with its HQ and team set
 *
 * A day at Test Park recorded by a real device store and pushed to HQ as it would sync.
 */
void
mend_test_demo_set_up (MendTestDemo *demo)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) manifest = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (GBytes) batch = NULL;
  g_autoptr (GBytes) enrol_body = NULL;
  g_autoptr (MendTestHttp) enrolled = NULL;
  g_autoptr (MendTestHttp) pushed = NULL;
  g_autoptr (MendWireEnrolment) enrolment = NULL;
  g_autoptr (MendWireResults) results = NULL;
  g_autoptr (GBytes) after_jpeg = jpeg (2, 30000);
  g_autofree char *p0 = mend_test_participant_id (0, 0);
  g_autofree char *p1 = mend_test_participant_id (0, 1);
  g_autofree char *p2 = mend_test_participant_id (0, 2);
  g_autofree char *sharps = NULL;
  g_autofree char *wrong_check_out = NULL;
  g_autofree char *code = NULL;
  g_autoptr (GDateTime) start = NULL;
  gint64 now = mend_time_now_ms ();
  MendFix inside = fix_at (0.5, 0.5);
  MendFix outside = fix_at (2.0, 2.0);
  MendCommand *command;

  /* The same reference data on both sides, as a manifest would carry it. */
  mend_test_fixture_open (&demo->device, 1, 3);
  manifest = mend_test_fixture_manifest (1, 3, mend_time_today_at (9, 0, 0));
  load_reference (demo, manifest);
  start = g_date_time_new_from_unix_utc (mend_time_today_at (9, 0, 0) / 1000);
  demo->session_day = g_date_time_format (start, "%Y-%m-%d");
  {
    g_autofree char *p0_disposal = g_strdup_printf ("%" G_GINT64_FORMAT, now - 72 * 3600000);
    g_autofree char *p1_disposal = g_strdup_printf ("%" G_GINT64_FORMAT, now - 10 * 3600000);
    g_autofree char *p2_disposal = g_strdup_printf ("%" G_GINT64_FORMAT, now - 1 * 3600000);
    g_autofree char *sql_p0 = g_strdup_printf (
        "UPDATE participants SET disposal_at = to_timestamp(%s / 1000.0) WHERE id = $1",
        p0_disposal);
    g_autofree char *sql_p1 = g_strdup_printf (
        "UPDATE participants SET disposal_at = to_timestamp(%s / 1000.0) WHERE id = $1",
        p1_disposal);
    g_autofree char *sql_p2 = g_strdup_printf (
        "UPDATE participants SET disposal_at = to_timestamp(%s / 1000.0) WHERE id = $1",
        p2_disposal);

    mend_test_hq_exec (demo->hq, sql_p0, p0);
    mend_test_hq_exec (demo->hq, sql_p1, p1);
    mend_test_hq_exec (demo->hq, sql_p2, p2);
  }

  g_free (record (demo, mend_command_start_session ("s00000"), &inside, 0));
  demo->before_jpeg = jpeg (1, 20000);
  demo->before_sha256 = take_photo (demo, demo->before_jpeg, MEND_PHOTO_ROLE_BEFORE, &inside);
  g_free (record (demo, mend_command_check_in ("s00000", p0), &inside, now - 4 * 3600000));
  command = mend_command_check_in ("s00000", p1);
  mend_command_set_geofence_reason (command, HOSTILE_REASON);
  g_free (record (demo, command, &outside, now - 3 * 3600000));
  g_free (record (demo, mend_command_absent ("s00000", p2, "<no show>"), NULL, 0));
  g_free (record (demo, mend_command_tally ("s00000", "bags", 3), NULL, 0));
  g_free (record (demo, mend_command_tally ("s00000", "bulky", 1), NULL, 0));
  sharps = record (demo, mend_command_tally ("s00000", "sharps", 2), NULL, 0);
  g_free (record (demo, mend_command_void (sharps, "counted on the wrong sheet"), NULL, 0));
  g_free (record (demo,
                  mend_command_check_out ("s00000", p0,
                                          &(MendCheckOut){ .outcome = "ATTC",
                                                           .arrived_at_ms = now - 4 * 3600000,
                                                           .finished_at_ms = now - 30 * 60000,
                                                           .penalty_minutes = 15 }),
                  &inside, 0));
  /* A check-out with the wrong outcome (it would credit 120 minutes), voided and done again:
   * HQ must count only the second. */
  wrong_check_out
      = record (demo,
                mend_command_check_out ("s00000", p1,
                                        &(MendCheckOut){ .outcome = "ATTC",
                                                         .arrived_at_ms = now - 3 * 3600000,
                                                         .finished_at_ms = now - 3600000 }),
                &inside, 0);
  g_free (record (demo, mend_command_void (wrong_check_out, "wrong outcome"), NULL, 0));
  g_free (record (demo,
                  mend_command_check_out ("s00000", p1,
                                          &(MendCheckOut){ .outcome = "ATSH",
                                                           .arrived_at_ms = now - 3 * 3600000,
                                                           .finished_at_ms = now - 3600000 }),
                  &inside, 0));
  demo->after_sha256 = take_photo (demo, after_jpeg, MEND_PHOTO_ROLE_AFTER, &inside);

  /* Enrol, push the whole log, upload only the "before" photo. */
  code = mend_test_hq_admin (demo->hq, (const char *const[]){ "enrolment-code", demo->team, NULL });
  enrol_body = mend_wire_encode_enrol_request (code, mend_store_get_device_id (demo->device.store),
                                               HOSTILE_DEVICE);
  enrolled
      = mend_test_hq_request (demo->hq, "POST", "/api/v1/devices/enrol", NULL, "application/json",
                              g_bytes_get_data (enrol_body, NULL), g_bytes_get_size (enrol_body));
  g_assert_cmpint (enrolled->status, ==, 201);
  enrolment = mend_wire_decode_enrolment (enrolled->body->str, enrolled->body->len, &error);
  g_assert_no_error (error);
  demo->device_token = g_strdup (enrolment->token);

  rows = mend_store_list_events (demo->device.store, NULL, &error);
  g_assert_no_error (error);
  batch = mend_wire_encode_events (mend_store_get_device_id (demo->device.store), rows, &error);
  g_assert_no_error (error);
  pushed = mend_test_hq_request (demo->hq, "POST", "/api/v1/events", demo->device_token,
                                 "application/json", g_bytes_get_data (batch, NULL),
                                 g_bytes_get_size (batch));
  g_assert_cmpint (pushed->status, ==, 200);
  results = mend_wire_decode_results (pushed->body->str, pushed->body->len, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < results->results->len; i++)
    {
      const MendWireResult *result = g_ptr_array_index (results->results, i);

      if (result->status != MEND_WIRE_STATUS_STORED)
        g_error ("event %u was not stored: %s", i, result->message);
    }
  upload (demo, demo->before_sha256, demo->before_jpeg);
}

void
mend_test_demo_clear (MendTestDemo *demo)
{
  if (demo->device.store != NULL)
    mend_test_fixture_close (&demo->device);
  g_clear_pointer (&demo->team, g_free);
  g_clear_pointer (&demo->device_token, g_free);
  g_clear_pointer (&demo->before_sha256, g_free);
  g_clear_pointer (&demo->after_sha256, g_free);
  g_clear_pointer (&demo->session_day, g_free);
  g_clear_pointer (&demo->before_jpeg, g_bytes_unref);
}
