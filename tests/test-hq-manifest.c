/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-test"

#include "config.h"

#include <curl/curl.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "mend-demo.h"
#include "mend-pin.h"
#include "mend-store-sync.h"
#include "mend-test-hq-admin.h"
#include "mend-test-util.h"
#include "mend-time.h"

/* GET /api/v1/manifest and HQ's rules at step 6 of section 10, against a real PostgreSQL and
 * the real server: full pulls, deltas and deletions by cursor, unknown cursors, another team's
 * data never sent, display names only around a session, the key enrolment gave; a real device
 * store applying what HQ sent; and events naming another team's session refused one by one
 * while the rest of the batch is stored. */

static MendTestHq *hq;
static char *dir;

static const char *const north = "team-north";
static const char *const south = "team-south";

static gint64
count (const char *sql, const char *param)
{
  return mend_test_hq_count (hq, sql, param);
}

static void
admin_ok (const char *const *args)
{
  g_autoptr (MendTestAdmin) admin = mend_test_hq_admin_run (hq, NULL, args);

  if (admin->status != 0)
    g_error ("mend-hq admin %s failed: %s", args[0], admin->err);
}

/* Loads @lists into @team with `reference import`. */
static void
load (const char *team, JsonObject *lists)
{
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *text = NULL;
  g_autofree char *path = NULL;
  static guint n;
  g_autofree char *name = g_strdup_printf ("lists-%u.json", n++);

  json_node_set_object (node, lists);
  text = json_to_string (node, FALSE);
  path = mend_test_hq_write_file (dir, name, text, -1);
  {
    const char *const args[] = { "reference", "import", path, "--team", team, NULL };

    admin_ok (args);
  }
}

static JsonObject *
parse_object (const char *text)
{
  g_autoptr (GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);
  JsonObject *object;

  g_assert_no_error (error);
  object = json_object_ref (json_node_get_object (node));
  json_node_unref (node);
  return object;
}

static MendWireManifest *
pull (const char *token, const char *cursor, GString **out_body)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MendTestHttp) http = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *path = NULL;
  MendWireManifest *manifest;

  if (cursor != NULL)
    escaped = g_uri_escape_string (cursor, NULL, FALSE);
  path = cursor != NULL ? g_strconcat ("/api/v1/manifest?since=", escaped, NULL)
                        : g_strdup ("/api/v1/manifest");
  http = mend_test_hq_request (hq, "GET", path, token, NULL, NULL, 0);
  g_assert_cmpint (http->status, ==, 200);
  g_assert_cmpint (http->n_date, ==, 1);
  manifest = mend_wire_decode_manifest (http->body->str, http->body->len, &error);
  g_assert_no_error (error);
  if (out_body != NULL)
    *out_body = g_string_new (http->body->str);
  return manifest;
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(char *const *)a, *(char *const *)b);
}

/* The ids (or codes) in one list of a manifest, sorted and joined by spaces. */
static char *
ids_of (MendWireManifest *manifest, const char *list)
{
  g_autoptr (GPtrArray) ids = g_ptr_array_new ();
  JsonArray *rows;

  if (!json_object_has_member (manifest->reference, list))
    return g_strdup ("");
  rows = json_object_get_array_member (manifest->reference, list);
  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonObject *row = json_array_get_object_element (rows, i);
      const char *key = json_object_has_member (row, "id")     ? "id"
                        : json_object_has_member (row, "code") ? "code"
                                                               : "session";

      g_ptr_array_add (ids, (char *)json_object_get_string_member (row, key));
    }
  g_ptr_array_sort (ids, compare_strings);
  g_ptr_array_add (ids, NULL);
  return g_strjoinv (" ", (char **)ids->pdata);
}

static char *
deleted_of (MendWireManifest *manifest, const char *list)
{
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  JsonArray *rows = json_object_get_array_member (manifest->deleted, list);

  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonNode *node = json_array_get_element (rows, i);

      if (JSON_NODE_HOLDS_OBJECT (node))
        g_ptr_array_add (
            ids,
            g_strdup_printf (
                "%s/%s", json_object_get_string_member (json_node_get_object (node), "session"),
                json_object_get_string_member (json_node_get_object (node), "participant")));
      else
        g_ptr_array_add (ids, g_strdup (json_node_get_string (node)));
    }
  g_ptr_array_sort (ids, compare_strings);
  g_ptr_array_add (ids, NULL);
  return g_strjoinv (" ", (char **)ids->pdata);
}

static JsonObject *
row_of (MendWireManifest *manifest, const char *list, const char *id)
{
  JsonArray *rows = json_object_get_array_member (manifest->reference, list);

  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonObject *row = json_array_get_object_element (rows, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (row, "id", NULL), id) == 0)
        return row;
    }
  g_error ("%s has no %s", list, id);
}

static char *token_north;
static char *key_north;
static char *token_south;

static void
test_full (void)
{
  g_autoptr (GString) body = NULL;
  g_autoptr (MendWireManifest) manifest = pull (token_north, NULL, &body);
  g_autofree char *sessions = ids_of (manifest, "sessions");
  g_autofree char *people = ids_of (manifest, "participants");
  g_autofree char *supervisors = ids_of (manifest, "supervisors");
  g_autofree char *sites = ids_of (manifest, "sites");
  g_autofree char *codes = ids_of (manifest, "outcome_codes");
  g_autoptr (GString) hq_key = NULL;

  g_assert_true (manifest->full);
  g_assert_cmpstr (manifest->team_id, ==, north);
  g_assert_cmpstr (manifest->team_name, ==, "North Kettering");
  g_assert_cmpstr (manifest->hq_public_key, ==, key_north);
  g_assert_true (g_str_has_prefix (manifest->cursor, "c1-"));
  g_assert_cmpint (ABS (manifest->generated_at_ms - mend_time_now_ms ()), <, 60000);
  for (guint i = 0; i < G_N_ELEMENTS (mend_wire_manifest_lists); i++)
    g_assert_true (json_object_has_member (manifest->reference, mend_wire_manifest_lists[i]));
  g_assert_cmpstr (sessions, ==, "s00000 s00001");
  g_assert_cmpstr (people, ==, "p00000-00 p00000-01 p00001-00 p00001-01");
  g_assert_cmpstr (supervisors, ==, "sup-1");
  g_assert_cmpstr (sites, ==, "site-1");
  g_assert_cmpstr (codes, ==, "AAAB AFTC ATSH ATSS ATTC UAAB");
  /* Nothing of the south team, anywhere in the body. */
  g_assert_null (strstr (body->str, "south"));
  g_assert_null (strstr (body->str, "Secret"));
  /* Times are UTC milliseconds, as the device stores them. */
  g_assert_cmpint (
      json_object_get_int_member (row_of (manifest, "sessions", "s00000"), "starts_at"), ==,
      mend_time_today_at (9, 0, 0));

  /* The south device sees its own and nothing of north's. */
  {
    g_autoptr (GString) south_body = NULL;
    g_autoptr (MendWireManifest) other = pull (token_south, NULL, &south_body);
    g_autofree char *south_sessions = ids_of (other, "sessions");

    g_assert_cmpstr (other->team_id, ==, south);
    g_assert_cmpstr (south_sessions, ==, "south-s");
    g_assert_null (strstr (south_body->str, "p00000"));
    g_assert_null (strstr (south_body->str, "site-1"));
  }

  /* The key is the one in hq_keys, and enrolment gave the same. */
  hq_key = g_string_new (NULL);
  {
    PGconn *conn = mend_test_hq_connect (hq);
    PGresult *result = PQexec (conn, "SELECT encode(public_key, 'base64') FROM hq_keys");

    g_assert_cmpint (PQntuples (result), ==, 1);
    g_string_append (hq_key, PQgetvalue (result, 0, 0));
    PQclear (result);
    PQfinish (conn);
  }
  g_assert_cmpstr (hq_key->str, ==, manifest->hq_public_key);
}

static void
test_delta (void)
{
  g_autoptr (MendWireManifest) full = pull (token_north, NULL, NULL);
  g_autoptr (MendWireManifest) nothing = pull (token_north, full->cursor, NULL);
  g_autoptr (MendWireManifest) changed = NULL;
  g_autoptr (MendWireManifest) after = NULL;
  const char *const add[] = { "session", "add",    "--team",   north,
                              "--site",  "site-1", "--starts", "2026-12-01T09:00:00Z",
                              "--ends",  "12:00",  "--id",     "s-new",
                              NULL };
  const char *const unassign[]
      = { "assign", "--session", "s00001", "--person", "p00001-01", "--remove", NULL };
  g_autofree char *sessions = NULL;
  g_autofree char *people = NULL;
  g_autofree char *gone_assignments = NULL;
  g_autofree char *gone_people = NULL;
  g_autofree char *gone_categories = NULL;
  g_autofree char *gone_supervisors = NULL;

  g_assert_false (nothing->full);
  g_assert_cmpuint (json_object_get_size (nothing->reference), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (mend_wire_manifest_lists); i++)
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                          nothing->deleted, mend_wire_manifest_lists[i])),
                      ==, 0);

  /* North: a person edited, a session added, an assignment and a person removed, a scheme-wide
   * tally category removed. South: its own edits and deletions, which north never hears of. */
  mend_test_hq_exec (hq, "UPDATE participants SET case_ref = 'T/EDITED' WHERE id = $1",
                     "p00000-00");
  admin_ok (add);
  admin_ok (unassign);
  {
    const char *const removal[] = { "person", "remove", "p00001-01", NULL };

    admin_ok (removal);
  }
  mend_test_hq_exec (hq, "DELETE FROM tally_categories WHERE id = $1", "graffiti");
  mend_test_hq_exec (hq, "UPDATE participants SET case_ref = 'S/EDITED' WHERE id = $1", "south-p");
  mend_test_hq_exec (hq, "DELETE FROM supervisors WHERE id = $1", "south-sup-spare");

  changed = pull (token_north, full->cursor, NULL);
  g_assert_false (changed->full);
  sessions = ids_of (changed, "sessions");
  people = ids_of (changed, "participants");
  gone_assignments = deleted_of (changed, "assignments");
  gone_people = deleted_of (changed, "participants");
  gone_categories = deleted_of (changed, "tally_categories");
  gone_supervisors = deleted_of (changed, "supervisors");
  g_assert_cmpstr (sessions, ==, "s-new");
  /* The edited person, and no one else of north's: the removed person is deleted instead. */
  g_assert_cmpstr (people, ==, "p00000-00");
  g_assert_cmpstr (
      json_object_get_string_member (row_of (changed, "participants", "p00000-00"), "case_ref"), ==,
      "T/EDITED");
  g_assert_cmpstr (gone_assignments, ==, "s00001/p00001-01");
  g_assert_cmpstr (gone_people, ==, "p00001-01");
  g_assert_cmpstr (gone_categories, ==, "graffiti");
  g_assert_cmpstr (gone_supervisors, ==, "");
  g_assert_false (json_object_has_member (changed->reference, "sites"));
  g_assert_false (json_object_has_member (changed->reference, "supervisors"));

  /* From the new cursor on, nothing again. */
  after = pull (token_north, changed->cursor, NULL);
  g_assert_false (after->full);
  g_assert_cmpuint (json_object_get_size (after->reference), ==, 0);
  g_assert_cmpuint (
      json_array_get_length (json_object_get_array_member (after->deleted, "participants")), ==, 0);

  /* A row written again after its deletion comes back as a row, not a deletion. */
  {
    const char *const again[]
        = { "assign", "--session", "s00001", "--person", "p00001-00", "--remove", NULL };
    const char *const back[] = { "assign", "--session", "s00001", "--person", "p00001-00", NULL };
    g_autoptr (MendWireManifest) last = NULL;
    g_autofree char *pairs = NULL;
    g_autofree char *gone = NULL;

    admin_ok (again);
    admin_ok (back);
    last = pull (token_north, after->cursor, NULL);
    pairs = ids_of (last, "assignments");
    gone = deleted_of (last, "assignments");
    g_assert_cmpstr (pairs, ==, "s00001");
    g_assert_cmpstr (gone, ==, "");
  }
}

static void
test_unknown_cursor (void)
{
  g_autoptr (MendWireManifest) full = pull (token_north, NULL, NULL);
  g_auto (GStrv) parts = g_strsplit (full->cursor, "-", 0);
  g_autofree char *other_epoch = g_strdup_printf ("c1-0123456789abcdef-%s-%s", parts[2], parts[3]);
  g_autofree char *future = g_strdup_printf ("c1-%s-999999999999-%s", parts[1], parts[3]);
  g_autofree char *too_long = g_strnfill (257, 'c');
  const char *const cursors[] = { "", "garbage", "c2-1-2-3", other_epoch, future, "c1-----" };
  g_autofree char *path = g_strconcat ("/api/v1/manifest?since=", too_long, NULL);
  g_autoptr (MendTestHttp) refused = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cursors); i++)
    {
      g_autoptr (MendWireManifest) manifest = pull (token_north, cursors[i], NULL);
      g_autofree char *sessions = ids_of (manifest, "sessions");

      g_assert_true (manifest->full);
      g_assert_nonnull (strstr (sessions, "s00000"));
    }
  /* Longer than any cursor HQ gives is a bad request, not a cursor. */
  refused = mend_test_hq_request (hq, "GET", path, token_north, NULL, NULL, 0);
  g_assert_cmpint (refused->status, ==, 400);
}

/* A name goes to devices only for a person with a session today or tomorrow, never for a
 * restricted person; the cursor's day sends every person again on a new day. */
static void
test_display_names (void)
{
  static const struct
  {
    const char *id;
    int day; /* of their session; 99 for none */
    gboolean restricted;
    gboolean named;
  } people[] = {
    { "dn-yesterday", -1, FALSE, FALSE }, { "dn-today", 0, FALSE, TRUE },
    { "dn-tomorrow", 1, FALSE, TRUE },    { "dn-later", 3, FALSE, FALSE },
    { "dn-none", 99, FALSE, FALSE },      { "dn-restricted", 0, TRUE, FALSE },
  };
  g_autoptr (JsonObject) lists = json_object_new ();
  JsonArray *participants = json_array_new ();
  JsonArray *sessions = json_array_new ();
  JsonArray *assignments = json_array_new ();
  g_autoptr (MendWireManifest) manifest = NULL;
  g_autoptr (MendWireManifest) next_day = NULL;

  json_object_set_array_member (lists, "participants", participants);
  json_object_set_array_member (lists, "sessions", sessions);
  json_object_set_array_member (lists, "assignments", assignments);
  for (guint i = 0; i < G_N_ELEMENTS (people); i++)
    {
      g_autofree char *session = g_strdup_printf ("dn-session-%u", i);
      JsonObject *person = json_object_new ();

      json_object_set_string_member (person, "id", people[i].id);
      json_object_set_string_member (person, "case_ref", "DN/1");
      json_object_set_string_member (person, "display_name", people[i].id);
      json_object_set_boolean_member (person, "restricted", people[i].restricted);
      json_object_set_int_member (person, "minutes_ordered", 60);
      json_object_set_int_member (person, "minutes_credited", 0);
      json_object_set_string_member (person, "disposal_type", "cr");
      json_array_add_object_element (participants, person);
      if (people[i].day == 99)
        continue;
      {
        JsonObject *row = json_object_new ();
        JsonObject *pair = json_object_new ();

        json_object_set_string_member (row, "id", session);
        json_object_set_string_member (row, "site", "site-1");
        json_object_set_int_member (row, "starts_at", mend_time_today_at (10, 0, people[i].day));
        json_object_set_int_member (row, "ends_at", mend_time_today_at (12, 0, people[i].day));
        json_array_add_object_element (sessions, row);
        json_object_set_string_member (pair, "session", session);
        json_object_set_string_member (pair, "participant", people[i].id);
        json_array_add_object_element (assignments, pair);
      }
    }
  load (north, lists);

  manifest = pull (token_north, NULL, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (people); i++)
    {
      JsonObject *row = row_of (manifest, "participants", people[i].id);

      if (people[i].named)
        g_assert_cmpstr (json_object_get_string_member (row, "display_name"), ==, people[i].id);
      else if (!json_object_get_null_member (row, "display_name"))
        g_error ("%s's name was sent", people[i].id);
    }
  /* HQ keeps every name. */
  g_assert_cmpint (count ("SELECT count(*) FROM participants WHERE id LIKE 'dn-%'"
                          " AND display_name = id",
                          NULL),
                   ==, G_N_ELEMENTS (people));

  /* A cursor made on another day: every person again, though no row changed. */
  {
    g_auto (GStrv) parts = g_strsplit (manifest->cursor, "-", 0);
    g_autofree char *yesterday
        = g_strdup_printf ("%s-%s-%s-%s", parts[0], parts[1], parts[2], "20000101");
    g_autofree char *people_sent = NULL;

    next_day = pull (token_north, yesterday, NULL);
    g_assert_false (next_day->full);
    people_sent = ids_of (next_day, "participants");
    g_assert_nonnull (strstr (people_sent, "dn-later"));
    g_assert_nonnull (strstr (people_sent, "p00000-00"));
    g_assert_false (json_object_has_member (next_day->reference, "sessions"));
  }

  /* An assignment made for tomorrow sends that person again, with the name. */
  {
    const char *const assign[]
        = { "assign", "--session", "dn-session-2", "--person", "dn-later", NULL };
    g_autoptr (MendWireManifest) delta = NULL;

    admin_ok (assign);
    delta = pull (token_north, manifest->cursor, NULL);
    g_assert_cmpstr (
        json_object_get_string_member (row_of (delta, "participants", "dn-later"), "display_name"),
        ==, "dn-later");
  }
}

static void
test_methods (void)
{
  g_autoptr (MendTestHttp) post = mend_test_hq_request (hq, "POST", "/api/v1/manifest", token_north,
                                                        "application/json", "{}", 2);
  g_autoptr (MendTestHttp) anonymous
      = mend_test_hq_request (hq, "GET", "/api/v1/manifest", NULL, NULL, NULL, 0);
  g_autoptr (MendTestHttp) wrong
      = mend_test_hq_request (hq, "GET", "/api/v1/manifest", "mnd_nothing", NULL, NULL, 0);

  g_assert_cmpint (post->status, ==, 405);
  g_assert_cmpstr (post->allow, ==, "GET, HEAD");
  g_assert_cmpint (anonymous->status, ==, 401);
  g_assert_true (anonymous->www_authenticate);
  g_assert_cmpint (wrong->status, ==, 401);
}

/* `admin init` again keeps the key devices already hold. */
static void
test_key_kept (void)
{
  const char *const init[] = { "init", NULL };
  g_autoptr (MendWireManifest) manifest = NULL;

  admin_ok (init);
  manifest = pull (token_north, NULL, NULL);
  g_assert_cmpstr (manifest->hq_public_key, ==, key_north);
  g_assert_cmpint (count ("SELECT count(*) FROM hq_keys", NULL), ==, 1);
}

static gint64
store_count (const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 n;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return n;
}

/* What HQ sends, a device applies: the demo team's manifest into a fresh store with the
 * device's own applier, then a delta on top. */
static void
test_device_applies (void)
{
  const char *const demo[] = { "demo", NULL };
  const char *device = "8b7c6a52-7d7e-4c1e-9b1a-3f4e5d6c7b8a";
  g_autoptr (MendWireEnrolment) enrolment = NULL;
  g_autoptr (MendWireManifest) full = NULL;
  g_autoptr (MendWireManifest) delta = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *store_dir = mend_test_temp_dir ();
  g_autofree char *path = g_build_filename (store_dir, "mend.db", NULL);
  g_autoptr (MendStore) store = NULL;
  const MendDemoSupervisor *supervisors;
  guint n_supervisors;
  g_autofree char *today = mend_demo_session_id ("spring-rise", 0);
  g_autofree char *sql = NULL;

  admin_ok (demo);
  enrolment = mend_test_hq_enrol (hq, "team-demo", device);
  full = pull (enrolment->token, NULL, NULL);
  store = mend_store_open (path, MEND_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (mend_store_apply_reference (store, full->reference, &error));
  g_assert_no_error (error);

  /* The demo's PINs unlock the supervisors HQ sent. */
  supervisors = mend_demo_supervisors (&n_supervisors);
  for (guint i = 0; i < n_supervisors; i++)
    {
      g_autofree char *hash = mend_store_dup_pin_hash (store, supervisors[i].id, &error);

      g_assert_no_error (error);
      g_assert_true (mend_pin_verify (hash, supervisors[i].pin));
    }
  g_clear_object (&store);
  sql = g_strdup_printf ("SELECT count(*) FROM sessions s JOIN sites t ON t.id = s.site_id"
                         " WHERE s.id = '%s' AND t.demo = 1 AND s.supervisor_id = 'sup-ana'"
                         " AND s.starts_at = %" G_GINT64_FORMAT,
                         today, mend_time_today_at (9, 0, 0));
  g_assert_cmpint (store_count (path, sql), ==, 1);
  g_assert_cmpint (store_count (path, "SELECT count(*) FROM assignments"), ==, 6);
  g_assert_cmpint (store_count (path, "SELECT count(*) FROM participants WHERE id = 'demo-p-0391'"
                                      " AND display_name IS NULL AND restricted = 1"),
                   ==, 1);
  g_assert_cmpint (store_count (path, "SELECT count(*) FROM participants WHERE id = 'demo-p-hart'"
                                      " AND display_name = 'Daniel Hart' AND minutes_ordered = 240"
                                      " AND disposal_at IS NOT NULL"),
                   ==, 1);
  g_assert_cmpint (store_count (path, "SELECT count(*) FROM outcome_codes WHERE code = 'ATTC'"
                                      " AND attended = 1 AND credits_time = 1"),
                   ==, 1);
  g_assert_cmpint (store_count (path, "SELECT count(*) FROM sites WHERE boundary LIKE"
                                      " '{\"type\":\"Polygon\"%' AND centre_lat > 52"),
                   ==, 2);

  /* A delta applies on top, its deletions too, through the sync engine's applier. */
  mend_test_hq_exec (hq, "UPDATE participants SET minutes_credited = 90 WHERE id = $1",
                     "demo-p-cole");
  {
    const char *const unassign[]
        = { "assign", "--session", today, "--person", "demo-p-cole", "--remove", NULL };

    admin_ok (unassign);
  }
  delta = pull (enrolment->token, full->cursor, NULL);
  g_assert_false (delta->full);
  store = mend_store_open (path, MEND_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (mend_store_sync_apply_manifest (store, delta->reference, delta->deleted, FALSE,
                                                 delta->cursor, delta->hq_public_key,
                                                 delta->team_name, &error));
  g_assert_no_error (error);
  g_clear_object (&store);
  g_assert_cmpint (store_count (path, "SELECT minutes_credited_hq FROM participants"
                                      " WHERE id = 'demo-p-cole'"),
                   ==, 90);
  g_assert_cmpint (store_count (path, "SELECT count(*) FROM assignments"), ==, 5);
  g_assert_cmpint (store_count (path, "SELECT count(*) FROM participants WHERE id = 'demo-p-cole'"
                                      " AND display_name IS NULL"),
                   ==, 1);
  mend_test_remove_tree (store_dir);
}

/* Events naming another team's session are `invalid` one by one; the rest are stored, and
 * every one of them joins the chain. Then a kind HQ does not know and a payload that breaks
 * section 5. */
static void
test_rules (void)
{
  MendTestFixture f = { 0 };
  g_autofree char *p0 = mend_test_participant_id (0, 0);
  g_autofree char *p1 = mend_test_participant_id (1, 0);
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (GBytes) body = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (MendWireEnrolment) enrolment = NULL;
  g_autoptr (MendTestHttp) http = NULL;
  g_autoptr (MendWireResults) results = NULL;
  const char *device;
  guint stored = 0, refused = 0;

  /* The device knows s00000 and s00001; at HQ s00001 is the south team's. */
  mend_test_fixture_open (&f, 2, 1);
  mend_test_hq_exec (hq, "DELETE FROM assignments WHERE session = $1", "s00001");
  mend_test_hq_exec (hq,
                     "UPDATE sessions SET site = 'south-site', team = 'team-south',"
                     " supervisor = NULL WHERE id = $1",
                     "s00001");
  g_assert_cmpint (count ("SELECT count(*) FROM sessions WHERE id = 's00001'"
                          " AND team = 'team-south'",
                          NULL),
                   ==, 1);
  g_free (mend_test_record_ok (f.store, mend_command_start_session ("s00000")));
  g_free (mend_test_record_ok (f.store, mend_command_check_in ("s00000", p0)));
  g_free (mend_test_record_ok (f.store, mend_command_start_session ("s00001")));
  g_free (mend_test_record_ok (f.store, mend_command_tally ("s00000", "bags", 2)));
  g_free (mend_test_record_ok (f.store, mend_command_tally ("s00001", "bags", 1)));
  rows = mend_store_list_events (f.store, NULL, &error);
  g_assert_no_error (error);
  device = mend_store_get_device_id (f.store);
  enrolment = mend_test_hq_enrol (hq, north, device);
  body = mend_wire_encode_events (device, rows, &error);
  g_assert_no_error (error);

  http = mend_test_hq_request (hq, "POST", "/api/v1/events", enrolment->token, "application/json",
                               g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_assert_cmpint (http->status, ==, 200);
  results = mend_wire_decode_results (http->body->str, http->body->len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->results->len, ==, rows->len);
  for (guint i = 0; i < rows->len; i++)
    {
      const MendEventRow *row = g_ptr_array_index (rows, i);
      const MendWireResult *result = g_ptr_array_index (results->results, i);

      g_assert_cmpstr (result->id, ==, row->id);
      if (g_strcmp0 (row->session_id, "s00001") == 0)
        {
          g_assert_cmpint (result->status, ==, MEND_WIRE_STATUS_INVALID);
          g_assert_cmpstr (result->message, ==, "session s00001 is not a session of your team");
          refused++;
        }
      else
        {
          g_assert_cmpint (result->status, ==, MEND_WIRE_STATUS_STORED);
          stored++;
        }
    }
  g_assert_cmpuint (stored, ==, 3);
  g_assert_cmpuint (refused, ==, 2);
  /* Refused events stay in the chain at HQ, for audit; the chain is whole. */
  g_assert_true (results->chain_ok);
  g_assert_cmpint (results->head_seq, ==, rows->len);
  g_assert_cmpint (
      count ("SELECT count(*) FROM events WHERE device = $1 AND status = 'invalid'", device), ==,
      2);

  /* Sent again: the same answers (duplicate, and the first refusal). */
  {
    g_autoptr (MendTestHttp) again = NULL;
    g_autoptr (MendWireResults) second = NULL;

    again
        = mend_test_hq_request (hq, "POST", "/api/v1/events", enrolment->token, "application/json",
                                g_bytes_get_data (body, NULL), g_bytes_get_size (body));
    second = mend_wire_decode_results (again->body->str, again->body->len, &error);
    g_assert_no_error (error);
    for (guint i = 0; i < rows->len; i++)
      {
        const MendEventRow *row = g_ptr_array_index (rows, i);
        const MendWireResult *result = g_ptr_array_index (second->results, i);

        g_assert_cmpint (result->status, ==,
                         g_strcmp0 (row->session_id, "s00001") == 0 ? MEND_WIRE_STATUS_INVALID
                                                                    : MEND_WIRE_STATUS_DUPLICATE);
      }
  }

  /* Hand-made events that continue the chain: an unknown kind, a zero tally, a check-in of
   * a person of another team, a check-in with no person, then a good tally. */
  {
    const MendEventRow *last = g_ptr_array_index (rows, rows->len - 1);
    const MendEventRow *tally = g_ptr_array_index (rows, 3);
    static const struct
    {
      const char *kind;
      const char *participant;
      const char *payload;
      const char *says;
    } crafted[] = {
      { "attendance.teleported", NULL, "{}", "is not a kind of event HQ accepts" },
      { "tally.adjusted", NULL, "{\"category\":\"bags\",\"delta\":0}", "delta must not be zero" },
      { "attendance.briefed", "south-p", "{}", "person south-p is not a person of your team" },
      { "attendance.briefed", NULL, "{}", "must name its participant" },
      { "tally.adjusted", NULL, "{\"category\":\"bags\",\"delta\":1}", NULL },
    };
    g_autoptr (GPtrArray) more = g_ptr_array_new ();
    g_autoptr (GPtrArray) hashes = g_ptr_array_new_with_free_func (g_free);
    g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
    MendEventRow made[G_N_ELEMENTS (crafted)];
    g_autoptr (GBytes) crafted_body = NULL;
    g_autoptr (MendTestHttp) answer = NULL;
    g_autoptr (MendWireResults) crafted_results = NULL;
    const char *prev = last->hash;

    for (guint i = 0; i < G_N_ELEMENTS (crafted); i++)
      {
        MendEventFields fields;
        char *id = g_uuid_string_random ();
        char *hash;

        made[i] = *tally;
        made[i].seq = last->seq + 1 + i;
        made[i].id = id;
        made[i].kind = (char *)crafted[i].kind;
        made[i].participant_id = (char *)crafted[i].participant;
        made[i].payload = (char *)crafted[i].payload;
        made[i].prev_hash = (char *)prev;
        mend_event_row_get_fields (&made[i], device, &fields);
        hash = mend_event_hash (prev, &fields);
        made[i].hash = hash;
        g_ptr_array_add (ids, id);
        g_ptr_array_add (hashes, hash);
        g_ptr_array_add (more, &made[i]);
        prev = hash;
      }
    crafted_body = mend_wire_encode_events (device, more, &error);
    g_assert_no_error (error);
    answer = mend_test_hq_request (hq, "POST", "/api/v1/events", enrolment->token,
                                   "application/json", g_bytes_get_data (crafted_body, NULL),
                                   g_bytes_get_size (crafted_body));
    g_assert_cmpint (answer->status, ==, 200);
    crafted_results = mend_wire_decode_results (answer->body->str, answer->body->len, &error);
    g_assert_no_error (error);
    for (guint i = 0; i < G_N_ELEMENTS (crafted); i++)
      {
        const MendWireResult *result = g_ptr_array_index (crafted_results->results, i);

        if (crafted[i].says == NULL)
          g_assert_cmpint (result->status, ==, MEND_WIRE_STATUS_STORED);
        else
          {
            g_assert_cmpint (result->status, ==, MEND_WIRE_STATUS_INVALID);
            if (strstr (result->message, crafted[i].says) == NULL)
              g_error ("event %u: \"%s\" does not say \"%s\"", i, result->message, crafted[i].says);
          }
      }
    g_assert_true (crafted_results->chain_ok);
    g_assert_cmpint (crafted_results->head_seq, ==, last->seq + G_N_ELEMENTS (crafted));
  }
  mend_test_fixture_close (&f);
}

/* Pushes @rows (from @from on) of @device with @token; every one must be stored. */
static void
push_stored (const char *device, const char *token, GPtrArray *rows)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) body = mend_wire_encode_events (device, rows, &error);
  g_autoptr (MendTestHttp) http = NULL;
  g_autoptr (MendWireResults) results = NULL;

  g_assert_no_error (error);
  http = mend_test_hq_request (hq, "POST", "/api/v1/events", token, "application/json",
                               g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_assert_cmpint (http->status, ==, 200);
  results = mend_wire_decode_results (http->body->str, http->body->len, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < results->results->len; i++)
    {
      const MendWireResult *result = g_ptr_array_index (results->results, i);

      if (result->status != MEND_WIRE_STATUS_STORED)
        g_error ("event %u was not stored: %s", i, result->message);
    }
}

/* minutes_credited is told per device (section 12): the other devices' check-outs count, the
 * asking device's own never do; a delta re-sends the person when another device's check-out or
 * void arrives after the cursor, also for a void that names only its target. */
static void
test_credited_per_device (void)
{
  MendTestFixture f = { 0 };
  g_autofree char *person = mend_test_participant_id (0, 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (MendWireEnrolment) x = NULL;
  g_autoptr (MendWireEnrolment) y = NULL;
  g_autoptr (MendWireManifest) x_before = NULL;
  g_autoptr (MendWireManifest) y_before = NULL;
  g_autoptr (MendWireManifest) y_after = NULL;
  g_autoptr (MendWireManifest) x_after = NULL;
  g_autoptr (MendWireManifest) x_full = NULL;
  g_autoptr (MendWireManifest) y_voided = NULL;
  g_autofree char *check_out = NULL;
  gint64 start = mend_time_today_at (9, 0, 0);
  MendCheckOut out
      = { .outcome = "ATTC", .arrived_at_ms = start, .finished_at_ms = start + 2 * 3600 * 1000 };
  MendCommand *check_in;
  const char *device;
  guint n_pushed;

  mend_test_fixture_open (&f, 1, 2);
  device = mend_store_get_device_id (f.store);
  x = mend_test_hq_enrol (hq, north, device);
  y = mend_test_hq_enrol (hq, north, "cb7c6a52-7d7e-4c1e-9b1a-3f4e5d6c7b8a");
  mend_test_hq_exec (hq, "UPDATE participants SET minutes_credited = 15 WHERE id = $1", person);
  x_before = pull (x->token, NULL, NULL);
  y_before = pull (y->token, NULL, NULL);
  g_assert_cmpint (mend_test_reference_credited (x_before->reference, person), ==, 15);
  g_assert_cmpint (mend_test_reference_credited (y_before->reference, person), ==, 15);

  /* Device X: 2 h on site, pushed. */
  g_free (mend_test_record_ok (f.store, mend_command_start_session ("s00000")));
  check_in = mend_command_check_in ("s00000", person);
  mend_command_set_occurred_at (check_in, start);
  g_free (mend_test_record_ok (f.store, check_in));
  check_out = mend_test_record_ok (f.store, mend_command_check_out ("s00000", person, &out));
  rows = mend_store_list_events (f.store, NULL, &error);
  g_assert_no_error (error);
  push_stored (device, x->token, rows);
  n_pushed = rows->len;
  g_assert_cmpint (count ("SELECT count(*) FROM events WHERE device = $1"
                          " AND stored_xid IS NOT NULL",
                          device),
                   ==, n_pushed);

  /* Y is told X's 2 h in its delta; X is told nothing new, and its full manifest leaves its own
   * events out. */
  y_after = pull (y->token, y_before->cursor, NULL);
  x_after = pull (x->token, x_before->cursor, NULL);
  x_full = pull (x->token, NULL, NULL);
  g_assert_false (y_after->full);
  g_assert_cmpint (mend_test_reference_credited (y_after->reference, person), ==, 15 + 120);
  g_assert_cmpint (mend_test_reference_credited (x_after->reference, person), ==, -1);
  g_assert_cmpint (mend_test_reference_credited (x_full->reference, person), ==, 15);

  /* X voids the check-out with a void that names only its target (no session, no person): Y's
   * next delta sends the person again with X's hours gone. */
  g_free (mend_test_record_ok (f.store, mend_command_void (check_out, "Recorded by mistake")));
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = mend_store_list_events (f.store, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, n_pushed + 1);
  {
    const MendEventRow *recorded = g_ptr_array_index (rows, n_pushed);
    MendEventRow bare = *recorded;
    g_autoptr (GPtrArray) batch = g_ptr_array_new ();
    g_autofree char *hash = NULL;
    MendEventFields fields;

    g_assert_cmpstr (recorded->kind, ==, "event.voided");
    g_assert_cmpstr (recorded->participant_id, ==, person);
    bare.session_id = NULL;
    bare.participant_id = NULL;
    mend_event_row_get_fields (&bare, device, &fields);
    hash = mend_event_hash (bare.prev_hash, &fields);
    bare.hash = hash;
    g_ptr_array_add (batch, &bare);
    push_stored (device, x->token, batch);
  }
  y_voided = pull (y->token, y_after->cursor, NULL);
  g_assert_cmpint (mend_test_reference_credited (y_voided->reference, person), ==, 15);
  mend_test_fixture_close (&f);
}

typedef struct
{
  const char *device;
  const char *token;
  GPtrArray *rows;
} Push;

static gpointer
push_thread (gpointer data)
{
  Push *push = data;

  push_stored (push->device, push->token, push->rows);
  return NULL;
}

/* No race: a batch of another device still being stored while a manifest is read is not in that
 * manifest, and the next delta from its cursor sends the person with the batch's hours. The
 * batch is held in flight by a lock that lets it begin but not write its events. */
static void
test_credited_race (void)
{
  MendTestFixture f = { 0 };
  g_autofree char *person = mend_test_participant_id (0, 0);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (MendWireEnrolment) x = NULL;
  g_autoptr (MendWireEnrolment) y = NULL;
  g_autoptr (MendWireManifest) before = NULL;
  g_autoptr (MendWireManifest) during = NULL;
  g_autoptr (MendWireManifest) after = NULL;
  gint64 start = mend_time_today_at (9, 0, 0);
  MendCheckOut out
      = { .outcome = "ATTC", .arrived_at_ms = start, .finished_at_ms = start + 2 * 3600 * 1000 };
  MendCommand *check_in;
  PGconn *conn;
  PGresult *locked;
  GThread *thread;
  Push push;
  gint64 credited_before;
  int waited_ms = 0;

  mend_test_fixture_open (&f, 1, 2);
  push.device = mend_store_get_device_id (f.store);
  x = mend_test_hq_enrol (hq, north, push.device);
  y = mend_test_hq_enrol (hq, north, "db7c6a52-7d7e-4c1e-9b1a-3f4e5d6c7b8a");
  before = pull (y->token, NULL, NULL);
  credited_before = mend_test_reference_credited (before->reference, person);
  g_assert_cmpint (credited_before, >=, 0);

  g_free (mend_test_record_ok (f.store, mend_command_start_session ("s00000")));
  check_in = mend_command_check_in ("s00000", person);
  mend_command_set_occurred_at (check_in, start);
  g_free (mend_test_record_ok (f.store, check_in));
  g_free (mend_test_record_ok (f.store, mend_command_check_out ("s00000", person, &out)));
  rows = mend_store_list_events (f.store, NULL, &error);
  g_assert_no_error (error);
  push.token = x->token;
  push.rows = rows;

  conn = mend_test_hq_connect (hq);
  locked = PQexec (conn, "BEGIN; LOCK TABLE events IN SHARE MODE");
  g_assert_cmpint (PQresultStatus (locked), ==, PGRES_COMMAND_OK);
  PQclear (locked);
  thread = g_thread_new ("push", push_thread, &push);
  /* Until the batch's transaction waits to write its events. */
  while (count ("SELECT count(*) FROM pg_locks WHERE relation = 'events'::regclass"
                " AND NOT granted",
                NULL)
         == 0)
    {
      g_assert_cmpint (waited_ms, <, 20000);
      g_usleep (10000);
      waited_ms += 10;
    }
  during = pull (y->token, before->cursor, NULL);
  g_assert_true (mend_test_reference_credited (during->reference, person) == -1
                 || mend_test_reference_credited (during->reference, person) == credited_before);
  locked = PQexec (conn, "COMMIT");
  g_assert_cmpint (PQresultStatus (locked), ==, PGRES_COMMAND_OK);
  PQclear (locked);
  PQfinish (conn);
  g_thread_join (thread);

  after = pull (y->token, during->cursor, NULL);
  g_assert_cmpint (mend_test_reference_credited (after->reference, person), ==,
                   credited_before + 120);
  mend_test_fixture_close (&f);
}

static void
set_up_teams (void)
{
  const char *const add_north[] = { "team", "add", "North", NULL };
  const char *const add_south[] = { "team", "add", "South", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) fixture = mend_test_fixture_manifest (2, 2, mend_time_today_at (9, 0, 0));
  g_autofree char *hash = mend_pin_hash ("1234", &error);
  g_autoptr (JsonObject) south_lists = NULL;
  g_autofree char *south_text = NULL;
  JsonArray *supervisors = json_object_get_array_member (fixture, "supervisors");

  g_assert_no_error (error);
  g_free (mend_test_hq_admin (hq, add_north));
  g_free (mend_test_hq_admin (hq, add_south));
  mend_test_hq_exec (hq, "UPDATE teams SET name = 'North Kettering' WHERE id = $1", north);
  /* The device fixture's own reference data, with a PIN hash HQ requires. */
  for (guint i = 0; i < json_array_get_length (supervisors); i++)
    json_object_set_string_member (json_array_get_object_element (supervisors, i), "pin_hash",
                                   hash);
  load (north, fixture);

  south_text = g_strdup_printf (
      "{\"supervisors\":[{\"id\":\"south-sup\",\"name\":\"South Secret Sup\",\"pin_hash\":\"%s\"},"
      "{\"id\":\"south-sup-spare\",\"name\":\"Spare\",\"pin_hash\":\"%s\"}],"
      "\"sites\":[{\"id\":\"south-site\",\"name\":\"South Secret Site\",\"boundary\":"
      "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[0,1],[1,1],[0,0]]]}}],"
      "\"participants\":[{\"id\":\"south-p\",\"case_ref\":\"S/1\",\"display_name\":\"Secret\","
      "\"minutes_ordered\":60,\"minutes_credited\":0,\"disposal_type\":\"cr\"}],"
      "\"sessions\":[{\"id\":\"south-s\",\"site\":\"south-site\",\"supervisor\":\"south-sup\","
      "\"starts_at\":%" G_GINT64_FORMAT ",\"ends_at\":%" G_GINT64_FORMAT "}],"
      "\"assignments\":[{\"session\":\"south-s\",\"participant\":\"south-p\"}]}",
      hash, hash, mend_time_today_at (9, 0, 0), mend_time_today_at (12, 0, 0));
  south_lists = parse_object (south_text);
  load (south, south_lists);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  curl_global_init (CURL_GLOBAL_DEFAULT);
  hq = mend_test_hq_start ();
  /* Inside the harness's folder, which its reaper removes even when a test aborts. */
  dir = g_build_filename (hq->dir, "files", NULL);
  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  set_up_teams ();
  {
    g_autoptr (MendWireEnrolment) a
        = mend_test_hq_enrol (hq, north, "9b7c6a52-7d7e-4c1e-9b1a-3f4e5d6c7b8a");
    g_autoptr (MendWireEnrolment) b
        = mend_test_hq_enrol (hq, south, "ab7c6a52-7d7e-4c1e-9b1a-3f4e5d6c7b8a");

    g_assert_nonnull (a->hq_public_key);
    g_assert_cmpstr (a->hq_public_key, ==, b->hq_public_key);
    token_north = g_strdup (a->token);
    key_north = g_strdup (a->hq_public_key);
    token_south = g_strdup (b->token);
  }

  /* In order: later tests change what earlier ones read. */
  g_test_add_func ("/hq-manifest/full", test_full);
  g_test_add_func ("/hq-manifest/delta", test_delta);
  g_test_add_func ("/hq-manifest/unknown-cursor", test_unknown_cursor);
  g_test_add_func ("/hq-manifest/display-names", test_display_names);
  g_test_add_func ("/hq-manifest/methods", test_methods);
  g_test_add_func ("/hq-manifest/key-kept", test_key_kept);
  g_test_add_func ("/hq-manifest/device-applies", test_device_applies);
  g_test_add_func ("/hq-rules/other-team", test_rules);
  g_test_add_func ("/hq-manifest/credited-per-device", test_credited_per_device);
  g_test_add_func ("/hq-manifest/credited-race", test_credited_race);
  status = g_test_run ();

  mend_test_remove_tree (dir);
  mend_test_hq_stop (hq);
  g_free (dir);
  g_free (token_north);
  g_free (key_north);
  g_free (token_south);
  curl_global_cleanup ();
  return status;
}
