/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-test"

#include "config.h"

#include "mend-test-wire.h"

#include <math.h>
#include <string.h>

#include "mend-time.h"

/* The store, batches and manifests the wire tests decode. */

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

static void
record_with_fix (MendStore *store, MendCommand *command, const MendFix *fix)
{
  mend_command_set_fix (command, fix);
  g_free (mend_test_record_ok (store, command));
}

/* A real store's log: a position, no gpsd, a stale fix, a clock off by ten minutes, a void. */
void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *p0 = mend_test_participant_id (0, 0);
  g_autofree char *p1 = mend_test_participant_id (0, 1);
  g_autofree char *tally_id = NULL;
  MendFix fix = fix_at (0.5, 0.5);
  MendFix none;
  MendFix stale = fix_at (0.25, 0.75);
  MendFix skewed = fix_at (0.5, 0.25);
  const char *device_id;

  mend_test_fixture_open (&f->store, 1, 2);
  mend_fix_init (&none, MEND_FIX_STATE_NO_GPSD, "gpsd is not reachable at localhost:2947");
  stale.state = MEND_FIX_STATE_STALE;
  stale.age_ms = 42000;
  stale.altitude = NAN;
  skewed.gnss_time_ms = mend_time_now_ms () - 10 * 60 * 1000;

  record_with_fix (f->store.store, mend_command_start_session ("s00000"), &fix);
  record_with_fix (f->store.store, mend_command_check_in ("s00000", p0), &none);
  record_with_fix (f->store.store, mend_command_check_in ("s00000", p1), &stale);
  tally_id = mend_test_record_ok (f->store.store, mend_command_tally ("s00000", "bags", 3));
  record_with_fix (f->store.store, mend_command_tally ("s00000", "bulky", 1), &skewed);
  g_free (mend_test_record_ok (f->store.store, mend_command_void (tally_id, "counted twice")));

  f->rows = mend_store_list_events (f->store.store, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (f->rows->len, ==, 6);
  device_id = mend_store_get_device_id (f->store.store);
  f->body = mend_wire_encode_events (device_id, f->rows, &error);
  g_assert_no_error (error);
}

void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->body, g_bytes_unref);
  g_clear_pointer (&f->rows, g_ptr_array_unref);
  mend_test_fixture_close (&f->store);
}

MendWireBatch *
decode_text (const char *body, GError **error)
{
  return mend_wire_decode_events (body, strlen (body), error);
}

char *
manifest_text (const char *extra)
{
  g_autoptr (JsonObject) lists = mend_test_fixture_manifest (2, 3, mend_time_today_at (9, 0, 0));
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *text = NULL;

  json_node_set_object (node, lists);
  text = json_to_string (node, FALSE);
  /* The lists, then the envelope members spliced in before the closing brace. */
  text[strlen (text) - 1] = '\0';
  return g_strdup_printf ("%s,\"cursor\":\"c2-000000000001f3a9\",\"full\":false,"
                          "\"generated_at\":1764147600000,\"hq_public_key\":\"" KEY "\","
                          "\"team\":{\"id\":\"team-north\",\"name\":\"North Kettering\"}%s}",
                          text, extra);
}
