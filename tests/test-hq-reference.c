/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-test"

#include "config.h"

#include <curl/curl.h>
#include <glib/gstdio.h>
#include <string.h>

#include "mend-demo.h"
#include "mend-pin.h"
#include "mend-test-hq-admin.h"
#include "mend-test-util.h"

/* `mend-hq admin` for a team's reference data, against a real PostgreSQL: supervisors with
 * their PIN hash, GeoJSON sites, CSV people, sessions, assignments, devices and the demo team.
 * Every import is given garbage too, and hostile text in every field: what is refused names
 * the feature or the line and column, and leaves the database as it was. */

static MendTestHq *hq;
static char *dir; /* files to import */

static const char *const north = "team-north";
static const char *const south = "team-south";

static gint64
count (const char *sql, const char *param)
{
  return mend_test_hq_count (hq, sql, param);
}

/* The text of one column of the one row @sql selects with @param. */
static char *
select_text (const char *sql, const char *param)
{
  PGconn *conn = mend_test_hq_connect (hq);
  const char *params[] = { param };
  PGresult *result = PQexecParams (conn, sql, 1, NULL, params, NULL, NULL, 0);
  char *text;

  g_assert_cmpint (PQresultStatus (result), ==, PGRES_TUPLES_OK);
  g_assert_cmpint (PQntuples (result), ==, 1);
  text = PQgetisnull (result, 0, 0) ? NULL : g_strdup (PQgetvalue (result, 0, 0));
  PQclear (result);
  PQfinish (conn);
  return text;
}

static void
assert_refused (MendTestAdmin *admin, const char *part)
{
  if (admin->status == 0 || strstr (admin->err, part) == NULL)
    g_error ("expected a refusal saying \"%s\"; got status %d: %s", part, admin->status,
             admin->err);
}

static MendTestAdmin *
import_text (const char *kind, const char *name, const char *contents, gssize length)
{
  g_autofree char *path = mend_test_hq_write_file (dir, name, contents, length);
  const char *const args[] = { kind, "import", path, "--team", north, NULL };

  return mend_test_hq_admin_run (hq, NULL, args);
}

static void
test_supervisor (void)
{
  const char *const add[]
      = { "supervisor",  "add", "--team", "North Kettering", "--name", "Ana O'Neil \\ \"Quotes\"",
          "--pin-stdin", NULL };
  const char *const add_script[]
      = { "supervisor", "add", "--team", north, "--name", "Joe Bloggs", "--pin", "97531", NULL };
  const char *const bad_pin[]
      = { "supervisor", "add", "--team", north, "--name", "Kim", "--pin-stdin", NULL };
  const char *const no_pin[] = { "supervisor", "add", "--team", north, "--name", "Kim", NULL };
  const char *const no_team[]
      = { "supervisor", "add", "--team", "Nowhere", "--name", "Kim", "--pin", "1234", NULL };
  g_autoptr (MendTestAdmin) added = mend_test_hq_admin_run (hq, "2468\n", add);
  g_autoptr (MendTestAdmin) scripted = mend_test_hq_admin_run (hq, NULL, add_script);
  g_autoptr (MendTestAdmin) letters = mend_test_hq_admin_run (hq, "12ab\n", bad_pin);
  g_autoptr (MendTestAdmin) empty = mend_test_hq_admin_run (hq, "", bad_pin);
  g_autoptr (MendTestAdmin) neither = mend_test_hq_admin_run (hq, NULL, no_pin);
  g_autoptr (MendTestAdmin) nowhere = mend_test_hq_admin_run (hq, NULL, no_team);
  g_autofree char *hash = NULL;
  g_autofree char *name = NULL;

  g_assert_cmpint (added->status, ==, 0);
  g_assert_cmpstr (added->out, ==, "sup-ana-o-neil-quotes");
  hash = select_text ("SELECT pin_hash FROM supervisors WHERE id = $1", added->out);
  name = select_text ("SELECT name FROM supervisors WHERE id = $1", added->out);
  g_assert_cmpstr (name, ==, "Ana O'Neil \\ \"Quotes\"");
  /* Only the Argon2id hash is kept, and it is the one the device checks PINs with. */
  g_assert_true (g_str_has_prefix (hash, "$argon2id$"));
  g_assert_true (mend_pin_verify (hash, "2468"));
  g_assert_false (mend_pin_verify (hash, "2469"));
  g_assert_cmpint (count ("SELECT count(*) FROM supervisors WHERE pin_hash LIKE '%2468%'", NULL),
                   ==, 0);

  g_assert_cmpint (scripted->status, ==, 0);
  g_assert_cmpstr (scripted->out, ==, "sup-joe-bloggs");
  /* The same name in another team: ids are HQ-wide, so it needs one of its own. */
  {
    const char *const twin[]
        = { "supervisor", "add", "--team", south, "--name", "Joe Bloggs", "--pin", "1111", NULL };
    const char *const twin_id[]
        = { "supervisor", "add",           "--team", south,  "--name", "Joe Bloggs",
            "--id",       "sup-joe-south", "--pin",  "1111", NULL };
    g_autoptr (MendTestAdmin) refused = mend_test_hq_admin_run (hq, NULL, twin);
    g_autoptr (MendTestAdmin) with_id = NULL;
    g_autofree char *kept = NULL;

    assert_refused (refused, "belongs to another team; give this supervisor another with --id");
    kept = select_text ("SELECT team FROM supervisors WHERE id = $1", "sup-joe-bloggs");
    g_assert_cmpstr (kept, ==, north);
    with_id = mend_test_hq_admin_run (hq, NULL, twin_id);
    g_assert_cmpint (with_id->status, ==, 0);
    g_assert_cmpstr (with_id->out, ==, "sup-joe-south");
  }

  {
    g_autofree char *long_name = g_strnfill (201, 'k');
    const char *const too_long[]
        = { "supervisor", "add", "--team", north, "--name", long_name, "--pin", "1234", NULL };
    g_autoptr (MendTestAdmin) refused = mend_test_hq_admin_run (hq, NULL, too_long);

    assert_refused (refused, "supervisors[0].name must be a non-empty line of text of at most 200");
  }
  assert_refused (letters, "4 to 12 digits");
  assert_refused (empty, "standard input");
  assert_refused (neither, "usage");
  assert_refused (nowhere, "no team Nowhere");
  g_assert_cmpint (count ("SELECT count(*) FROM supervisors WHERE name = 'Kim'", NULL), ==, 0);
}

static const char polygon[]
    = "{\"type\":\"Polygon\",\"coordinates\":[[[-0.70,52.40],[-0.69,52.40],[-0.69,52.41],"
      "[-0.70,52.41],[-0.70,52.40]]]}";

static void
test_sites (void)
{
  g_autofree char *good = g_strdup_printf (
      "{\"type\":\"FeatureCollection\",\"features\":["
      "{\"type\":\"Feature\",\"properties\":{\"id\":\"north-park\",\"name\":\"Park \\\"One\\\"';"
      " DROP TABLE sites; --\",\"address\":\"1 High St \\\\ back\"},\"geometry\":%s},"
      "{\"type\":\"Feature\",\"properties\":{\"id\":\"'; DROP TABLE sites; --\","
      "\"name\":\"back\\\\u0000slash\"},\"geometry\":%s},"
      "{\"type\":\"Feature\",\"id\":7,\"properties\":{\"name\":\"Multi\"},\"geometry\":"
      "{\"type\":\"MultiPolygon\",\"coordinates\":[[[[-0.7,52.4],[-0.69,52.4],[-0.69,52.41],"
      "[-0.7,52.4]]],[[[-0.6,52.4],[-0.59,52.4],[-0.59,52.41],[-0.6,52.4]]]]}}]}",
      polygon, polygon);
  static const struct
  {
    const char *file;
    const char *says;
  } garbage[] = {
    { "not json at all", "is not JSON" },
    { "[1,2,3]", "is not a GeoJSON FeatureCollection" },
    { "{\"type\":\"FeatureCollection\",\"features\":[]}", "holds no features" },
    { "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":"
      "{\"id\":\"fine\",\"name\":\"Fine\"},\"geometry\":" /* a good one first */
      "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[0,1],[1,1],[0,0]]]}},"
      "{\"type\":\"Feature\",\"properties\":{\"id\":\"pt\",\"name\":\"A point\"},"
      "\"geometry\":{\"type\":\"Point\",\"coordinates\":[0,0]}}]}",
      "feature 2 (id \"pt\"): boundary is not a usable boundary" },
    { "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":"
      "{\"id\":\"two\",\"name\":\"Two\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
      "[[[0,0],[0,1]]]}}]}",
      "feature 1 (id \"two\")" },
    { "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":"
      "{\"id\":\"lat\",\"name\":\"Lat\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
      "[[[0,0],[0,200],[1,1],[0,0]]]}}]}",
      "latitude 200" },
    { "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":"
      "{\"name\":\"No id\"},\"geometry\":null}]}",
      "feature 1 (\"No id\") needs an \"id\"" },
    { "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":"
      "{\"id\":\"nogeo\",\"name\":\"No geometry\"}}]}",
      "feature 1 (id \"nogeo\") has no geometry" },
    { "{\"type\":\"FeatureCollection\",\"features\":[42]}", "feature 1 is not a GeoJSON Feature" },
    /* json-glib would cut the name short at the NUL: the file is refused instead. */
    { "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":"
      "{\"id\":\"nul\",\"name\":\"a\\u0000b\"},\"geometry\":{\"type\":\"Polygon\","
      "\"coordinates\":[[[0,0],[0,1],[1,1],[0,0]]]}}]}",
      "holds a NUL character" },
  };
  g_autoptr (MendTestAdmin) imported = import_text ("site", "sites.geojson", good, -1);
  g_autofree char *name = NULL;
  g_autofree char *address = NULL;
  gint64 before;

  g_assert_cmpint (imported->status, ==, 0);
  g_assert_cmpstr (imported->out, ==, "3 sites");
  name = select_text ("SELECT name FROM sites WHERE id = $1", "north-park");
  address = select_text ("SELECT address FROM sites WHERE id = $1", "north-park");
  g_assert_cmpstr (name, ==, "Park \"One\"'; DROP TABLE sites; --");
  g_assert_cmpstr (address, ==, "1 High St \\ back");
  {
    /* An escaped backslash before "u0000" is only text. */
    g_autofree char *odd
        = select_text ("SELECT name FROM sites WHERE id = $1", "'; DROP TABLE sites; --");

    g_assert_cmpstr (odd, ==, "back\\u0000slash");
  }
  /* A numeric feature id is an id too; the centre is the middle of the boundary's box. */
  g_assert_cmpint (count ("SELECT count(*) FROM sites WHERE id = $1 AND team = 'team-north'"
                          " AND boundary->>'type' = 'MultiPolygon'"
                          " AND abs(centre_lat - 52.405) < 1e-9 AND abs(centre_lon + 0.645) < 1e-9",
                          "7"),
                   ==, 1);

  before = count ("SELECT count(*) FROM sites", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (garbage); i++)
    {
      g_autoptr (MendTestAdmin) refused = import_text ("site", "bad.geojson", garbage[i].file, -1);

      assert_refused (refused, garbage[i].says);
      g_assert_true (g_str_has_prefix (refused->err, "mend-hq admin: "));
    }
  {
    g_autofree char *long_name = g_strnfill (201, 'n');
    g_autofree char *file = g_strdup_printf (
        "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":"
        "{\"id\":\"long\",\"name\":\"%s\"},\"geometry\":%s}]}",
        long_name, polygon);
    g_autoptr (MendTestAdmin) refused = import_text ("site", "long.geojson", file, -1);

    assert_refused (refused, "feature 1 (id \"long\"): name must be a non-empty line of text of"
                             " at most 200 characters");
  }
  /* All or nothing: the good feature before the bad one was not kept either. */
  g_assert_cmpint (count ("SELECT count(*) FROM sites", NULL), ==, before);
  g_assert_cmpint (count ("SELECT count(*) FROM sites WHERE id = 'fine'", NULL), ==, 0);
}

/* Another team cannot take a site over by importing its id. */
static void
test_sites_other_team (void)
{
  g_autofree char *file = g_strdup_printf (
      "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":"
      "{\"id\":\"north-park\",\"name\":\"Stolen\"},\"geometry\":%s}]}",
      polygon);
  g_autofree char *path = mend_test_hq_write_file (dir, "steal.geojson", file, -1);
  const char *const args[] = { "site", "import", path, "--team", south, NULL };
  g_autoptr (MendTestAdmin) refused = mend_test_hq_admin_run (hq, NULL, args);
  g_autofree char *name = NULL;

  assert_refused (refused, "belongs to another team");
  name = select_text ("SELECT name FROM sites WHERE id = $1", "north-park");
  g_assert_cmpstr (name, ==, "Park \"One\"'; DROP TABLE sites; --");
}

/* Every text field of a person: quotes, SQL, backslashes, format directives, markup, right to
 * left text and emoji, commas and quotes the CSV must carry. */
static const char *const hostile[] = {
  "'; DROP TABLE participants; --",
  "Robert\"); DELETE FROM teams; --",
  "C:\\new\\table \\\\ \\'",
  "%s%n%x $1 $$ :name ?",
  "<script>alert(1)</script>",
  "O'Brien, \"Danny\"",
  "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d \xf0\x9f\x98\x80 caf\xc3\xa9",
};

static char *
csv_quote (const char *text)
{
  GString *out = g_string_new ("\"");

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
  return g_string_free (out, FALSE);
}

static void
test_people (void)
{
  g_autoptr (GString) csv
      = g_string_new ("\xef\xbb\xbfid,case_ref,display_name,restricted,minutes_ordered,"
                      "minutes_credited,disposal_type,disposal_at\r\n");
  g_autoptr (MendTestAdmin) imported = NULL;
  g_autofree char *long_name = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (hostile); i++)
    {
      g_autofree char *id = g_strdup_printf ("%s #%u", hostile[i], i);
      g_autofree char *qid = csv_quote (id);
      g_autofree char *qtext = csv_quote (hostile[i]);

      g_string_append_printf (csv, "%s,%s,%s,%s,%u,,%s,2026-11-25T16:30:00Z\r\n", qid, qtext, qtext,
                              i % 2 ? "yes" : "no", 60 * i, qtext);
    }
  /* 200 characters is the limit for a name, whatever their bytes. */
  long_name = g_strnfill (199, 'x');
  g_string_append_printf (csv, "long,L/1,%s\xc3\xa9,,240,30,community resolution,\n", long_name);

  imported = import_text ("person", "people.csv", csv->str, -1);
  g_assert_cmpint (imported->status, ==, 0);
  g_assert_cmpstr (imported->out, ==, "8 people");
  for (guint i = 0; i < G_N_ELEMENTS (hostile); i++)
    {
      g_autofree char *id = g_strdup_printf ("%s #%u", hostile[i], i);
      g_autofree char *case_ref
          = select_text ("SELECT case_ref FROM participants WHERE id = $1", id);
      g_autofree char *name
          = select_text ("SELECT display_name FROM participants WHERE id = $1", id);
      g_autofree char *disposal
          = select_text ("SELECT disposal_type FROM participants WHERE id = $1", id);

      g_assert_cmpstr (case_ref, ==, hostile[i]);
      g_assert_cmpstr (name, ==, hostile[i]);
      g_assert_cmpstr (disposal, ==, hostile[i]);
      g_assert_cmpint (count ("SELECT count(*) FROM participants WHERE id = $1"
                              " AND team = 'team-north' AND minutes_credited = 0"
                              " AND disposal_at = '2026-11-25T16:30:00Z'",
                              id),
                       ==, 1);
    }
  g_assert_cmpint (count ("SELECT count(*) FROM participants WHERE restricted", NULL), ==, 3);
  g_assert_cmpint (count ("SELECT length(display_name) FROM participants WHERE id = $1", "long"),
                   ==, 200);
  g_assert_cmpint (count ("SELECT minutes_credited FROM participants WHERE id = $1", "long"), ==,
                   30);
  g_assert_cmpint (
      count ("SELECT count(*) FROM participants WHERE id = $1 AND disposal_at IS NULL", "long"), ==,
      1);
  /* The statements in the text were only text. */
  g_assert_cmpint (count ("SELECT count(*) FROM teams", NULL), >=, 2);
}

static void
test_people_garbage (void)
{
  static const char header[] = "id,case_ref,display_name,minutes_ordered,disposal_type\n";
  static const char nul_csv[] = "id,case_ref,minutes_ordered,disposal_type\np1,K/1,60,cr\n"
                                "p2,K\0/2,60,cr\n";
  g_autofree char *too_long = g_strnfill (201, 'y');
  g_autofree char *long_line = g_strdup_printf ("%sp1,K/1,%s,60,cr\n", header, too_long);
  const struct
  {
    const char *file;
    gssize length;
    const char *says;
  } garbage[] = {
    { "id,case_ref\np1,K/1\n", -1, "line 1: the header has no column minutes_ordered" },
    { "id,case_ref,minutes_ordered,disposal_type,shoe_size\n", -1, "unknown column \"shoe_size\"" },
    { "id,id,case_ref,minutes_ordered,disposal_type\n", -1, "line 1, column id: appears twice" },
    { "id,case_ref,minutes_ordered,disposal_type\n", -1, "needs a header line and at least one" },
    /* A quoted field over two lines, then a bad line: it is line 4. */
    { "id,case_ref,display_name,minutes_ordered,disposal_type\np1,K/1,\"two\nlines\",60,cr\n"
      "p2,K\"2,ok,60,cr\n",
      -1, "line 4: a quote inside an unquoted field" },
    { "id,case_ref,display_name,minutes_ordered,disposal_type\np1,K/1,\"a,b\",60,cr\n"
      "p2,K/2,\"x\ny\",60,cr\n",
      -1, "line 3, column display_name" },
    { "id,case_ref,minutes_ordered,disposal_type\np1,K/1,60,cr\np2,K/2,-5,cr\n", -1,
      "line 3, column minutes_ordered: \"-5\" is not a whole number" },
    { "id,case_ref,minutes_ordered,disposal_type,restricted\np1,K/1,60,cr,maybe\n", -1,
      "line 2, column restricted: \"maybe\" is not true or false" },
    { "id,case_ref,minutes_ordered,disposal_type,disposal_at\np1,K/1,60,cr,yesterday\n", -1,
      "line 2, column disposal_at: \"yesterday\" is not an ISO 8601 time" },
    { "id,case_ref,minutes_ordered,disposal_type\np1,K/1,60\n", -1,
      "line 2: 3 fields where the header has 4" },
    { "id,case_ref,minutes_ordered,disposal_type\np1,\"K/1,60,cr\n", -1,
      "line 2: a quoted field is never closed" },
    { "id,case_ref,minutes_ordered,disposal_type\np1,K\"1,60,cr\n", -1,
      "line 2: a quote inside an unquoted field" },
    { "id,case_ref,minutes_ordered,disposal_type\np1,\"K/1\"x,60,cr\n", -1,
      "line 2: only a comma or a line end may follow a closing quote" },
    { nul_csv, sizeof nul_csv - 1, "line 3: holds a NUL byte" },
    { "id,case_ref,minutes_ordered,disposal_type\np1,K\xff/1,60,cr\n", -1,
      "line 2: is not UTF-8 text" },
    { "id,case_ref,minutes_ordered,disposal_type\np1,K/1,60,cr\np1,K/2,60,cr\n", -1,
      "line 3, column id: \"p1\" is already on line 2" },
    { "id,case_ref,minutes_ordered,disposal_type\np1,,60,cr\n", -1,
      "line 2, column case_ref: must be a non-empty line" },
    { "id,case_ref,minutes_ordered,disposal_type\np1,K/1,60,\"c\tr\"\n", -1,
      "line 2, column disposal_type" },
    { long_line, -1,
      "line 2, column display_name: must be a non-empty line of text of at most 200" },
    /* An id another team holds is not taken over (the south team imports one of north's). */
  };
  gint64 before = count ("SELECT count(*) FROM participants", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (garbage); i++)
    {
      g_autoptr (MendTestAdmin) refused
          = import_text ("person", "bad.csv", garbage[i].file, garbage[i].length);

      assert_refused (refused, garbage[i].says);
      /* The message names the file first. */
      g_assert_nonnull (strstr (refused->err, "bad.csv"));
    }
  g_assert_cmpint (count ("SELECT count(*) FROM participants", NULL), ==, before);
  g_assert_cmpint (count ("SELECT count(*) FROM participants WHERE id = 'p1'", NULL), ==, 0);

  /* A reference file with no JSON in it at all has no root to look at. */
  {
    g_autoptr (MendTestAdmin) empty = import_text ("reference", "empty.json", "", 0);
    g_autoptr (MendTestAdmin) blank = import_text ("reference", "blank.json", " \n\t\n", -1);

    assert_refused (empty, "not a JSON object of manifest lists");
    assert_refused (blank, "not a JSON object of manifest lists");
  }

  {
    g_autofree char *path = mend_test_hq_write_file (
        dir, "south.csv", "id,case_ref,minutes_ordered,disposal_type\nlong,S/1,60,cr\n", -1);
    const char *const args[] = { "person", "import", path, "--team", south, NULL };
    g_autoptr (MendTestAdmin) refused = mend_test_hq_admin_run (hq, NULL, args);

    assert_refused (refused, "line 2: id long belongs to another team");
    g_assert_cmpint (count ("SELECT count(*) FROM participants WHERE id = 'long'"
                            " AND team = 'team-north' AND case_ref = 'L/1'",
                            NULL),
                     ==, 1);
  }
}

static void
test_sessions (void)
{
  g_autofree char *south_file = g_strdup_printf (
      "{\"sites\":[{\"id\":\"south-park\",\"name\":\"South Park\",\"boundary\":%s}],"
      "\"participants\":[{\"id\":\"south-p\",\"case_ref\":\"S/9\",\"minutes_ordered\":60,"
      "\"minutes_credited\":0,\"disposal_type\":\"cr\"}]}",
      polygon);
  g_autofree char *south_path = mend_test_hq_write_file (dir, "south.json", south_file, -1);
  const char *const south_site[] = { "reference", "import", south_path, "--team", south, NULL };
  const char *const add[] = { "session",
                              "add",
                              "--team",
                              north,
                              "--site",
                              "north-park",
                              "--supervisor",
                              "sup-joe-bloggs",
                              "--starts",
                              "2026-12-01T09:00:00Z",
                              "--ends",
                              "13:30",
                              NULL };
  const char *const add_id[] = { "session",  "add",
                                 "--team",   north,
                                 "--site",   "north-park",
                                 "--starts", "2026-12-02T09:00:00+01:00",
                                 "--ends",   "2026-12-02T12:00:00+01:00",
                                 "--id",     "s-'; DROP",
                                 NULL };
  const char *const backwards[] = { "session",  "add",
                                    "--team",   north,
                                    "--site",   "north-park",
                                    "--starts", "2026-12-01T09:00:00Z",
                                    "--ends",   "2026-12-01T08:00:00Z",
                                    NULL };
  const char *const foreign_site[] = { "session",  "add",
                                       "--team",   north,
                                       "--site",   "south-park",
                                       "--starts", "2026-12-01T09:00:00Z",
                                       "--ends",   "2026-12-01T10:00:00Z",
                                       NULL };
  const char *const bad_time[]
      = { "session",  "add",          "--team", north,   "--site", "north-park",
          "--starts", "tomorrow-ish", "--ends", "10:00", NULL };
  g_autoptr (MendTestAdmin) added = NULL;
  g_autoptr (MendTestAdmin) with_id = NULL;
  g_autoptr (MendTestAdmin) reversed = NULL;
  g_autoptr (MendTestAdmin) foreign = NULL;
  g_autoptr (MendTestAdmin) garbled = NULL;
  g_autoptr (MendTestAdmin) loaded = NULL;
  g_autofree char *id = NULL;

  loaded = mend_test_hq_admin_run (hq, NULL, south_site);
  g_assert_cmpint (loaded->status, ==, 0);

  added = mend_test_hq_admin_run (hq, NULL, add);
  g_assert_cmpint (added->status, ==, 0);
  id = g_strdup (added->out);
  g_assert_cmpint (
      count ("SELECT count(*) FROM sessions WHERE id = $1 AND team = 'team-north'"
             " AND supervisor = 'sup-joe-bloggs' AND starts_at = '2026-12-01T09:00:00Z'"
             " AND ends_at > starts_at",
             id),
      ==, 1);
  with_id = mend_test_hq_admin_run (hq, NULL, add_id);
  g_assert_cmpint (with_id->status, ==, 0);
  g_assert_cmpstr (with_id->out, ==, "s-'; DROP");
  g_assert_cmpint (count ("SELECT count(*) FROM sessions WHERE id = $1"
                          " AND starts_at = '2026-12-02T08:00:00Z'",
                          "s-'; DROP"),
                   ==, 1);

  reversed = mend_test_hq_admin_run (hq, NULL, backwards);
  assert_refused (reversed, "--ends must be after --starts");
  foreign = mend_test_hq_admin_run (hq, NULL, foreign_site);
  assert_refused (foreign, "not of this team");
  garbled = mend_test_hq_admin_run (hq, NULL, bad_time);
  assert_refused (garbled, "--starts");

  {
    const char *const ok[] = { "assign", "--session", id, "--person", "long", NULL };
    const char *const again[] = { "assign", "--session", id, "--person", "long", NULL };
    const char *const foreign_person[] = { "assign", "--session", id, "--person", "south-p", NULL };
    const char *const nobody[] = { "assign", "--session", "no-such", "--person", "long", NULL };
    const char *const unassign[]
        = { "assign", "--session", id, "--person", "long", "--remove", NULL };
    g_autoptr (MendTestAdmin) assigned = mend_test_hq_admin_run (hq, NULL, ok);
    g_autoptr (MendTestAdmin) twice = mend_test_hq_admin_run (hq, NULL, again);
    g_autoptr (MendTestAdmin) refused = mend_test_hq_admin_run (hq, NULL, foreign_person);
    g_autoptr (MendTestAdmin) missing = mend_test_hq_admin_run (hq, NULL, nobody);
    g_autoptr (MendTestAdmin) removed = NULL;
    g_autoptr (MendTestAdmin) removed_again = NULL;

    g_assert_cmpint (assigned->status, ==, 0);
    g_assert_cmpint (twice->status, ==, 0);
    assert_refused (refused, "not of this team");
    assert_refused (missing, "no session no-such");
    g_assert_cmpint (count ("SELECT count(*) FROM assignments WHERE session = $1", id), ==, 1);

    removed = mend_test_hq_admin_run (hq, NULL, unassign);
    g_assert_cmpint (removed->status, ==, 0);
    g_assert_cmpint (count ("SELECT count(*) FROM assignments WHERE session = $1", id), ==, 0);
    /* The removal leaves a tombstone for the manifest's deleted list. */
    g_assert_cmpint (count ("SELECT count(*) FROM reference_deletions WHERE list = 'assignments'"
                            " AND id = $1 AND participant = 'long' AND team = 'team-north'",
                            id),
                     ==, 1);
    removed_again = mend_test_hq_admin_run (hq, NULL, unassign);
    assert_refused (removed_again, "is not assigned");
  }

  /* Removing rows: what sessions still name stays; the rest leaves a tombstone. */
  {
    const char *const site[] = { "site", "remove", "north-park", NULL };
    const char *const supervisor[] = { "supervisor", "remove", "sup-joe-bloggs", NULL };
    const char *const session[] = { "session", "remove", "s-'; DROP", NULL };
    const char *const nothing[] = { "session", "remove", "no-such", NULL };
    g_autoptr (MendTestAdmin) site_refused = mend_test_hq_admin_run (hq, NULL, site);
    g_autoptr (MendTestAdmin) supervisor_refused = mend_test_hq_admin_run (hq, NULL, supervisor);
    g_autoptr (MendTestAdmin) session_removed = mend_test_hq_admin_run (hq, NULL, session);
    g_autoptr (MendTestAdmin) missing = mend_test_hq_admin_run (hq, NULL, nothing);

    assert_refused (site_refused, "site north-park: sessions are still at this site");
    assert_refused (supervisor_refused, "sessions still name this supervisor");
    g_assert_cmpint (count ("SELECT count(*) FROM sites WHERE id = 'north-park'", NULL), ==, 1);
    g_assert_cmpint (session_removed->status, ==, 0);
    g_assert_cmpint (count ("SELECT count(*) FROM sessions WHERE id = $1", "s-'; DROP"), ==, 0);
    g_assert_cmpint (count ("SELECT count(*) FROM reference_deletions WHERE list = 'sessions'"
                            " AND id = $1 AND team = 'team-north'",
                            "s-'; DROP"),
                     ==, 1);
    assert_refused (missing, "no session no-such");
  }
}

static void
test_devices (void)
{
  const char *device = "6b7c6a52-7d7e-4c1e-9b1a-3f4e5d6c7b8a";
  const char *other = "7b7c6a52-7d7e-4c1e-9b1a-3f4e5d6c7b8a";
  g_autoptr (MendWireEnrolment) first = mend_test_hq_enrol (hq, north, device);
  g_autoptr (MendWireEnrolment) second = mend_test_hq_enrol (hq, south, other);
  const char *const list[] = { "device", "list", NULL };
  const char *const revoke[] = { "device", "revoke", device, NULL };
  const char *const alias[] = { "revoke", other, NULL };
  const char *const unknown[] = { "device", "revoke", "no-such-device", NULL };
  g_autoptr (MendTestAdmin) listed = NULL;
  g_autoptr (MendTestAdmin) revoked = NULL;
  g_autoptr (MendTestAdmin) aliased = NULL;
  g_autoptr (MendTestAdmin) missing = NULL;
  g_autoptr (MendTestAdmin) after = NULL;
  g_autoptr (MendTestHttp) refused = NULL;
  g_auto (GStrv) lines = NULL;
  g_auto (GStrv) columns = NULL;

  /* A device names itself: a tab or line end in its name must not break the columns. */
  {
    g_autofree char *code = NULL;
    const char *const code_args[] = { "enrol-code", "--team", south, NULL };
    g_autoptr (GBytes) body = NULL;
    g_autoptr (MendTestHttp) enrolled = NULL;

    code = mend_test_hq_admin (hq, code_args);
    body = mend_wire_encode_enrol_request (code, "db7c6a52-7d7e-4c1e-9b1a-3f4e5d6c7b8a",
                                           "Tab\there\nand 'quotes'");
    enrolled = mend_test_hq_request (hq, "POST", "/api/v1/devices/enrol", NULL, "application/json",
                                     g_bytes_get_data (body, NULL), g_bytes_get_size (body));
    g_assert_cmpint (enrolled->status, ==, 201);
  }
  listed = mend_test_hq_admin_run (hq, NULL, list);
  g_assert_cmpint (listed->status, ==, 0);
  lines = g_strsplit (listed->out, "\n", 0);
  g_assert_cmpstr (lines[0], ==, "id\tteam\tname\tenrolled\tlast_seen\trevoked");
  g_assert_cmpuint (g_strv_length (lines), ==, 4);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) cells = g_strsplit (lines[i], "\t", 0);

      g_assert_cmpuint (g_strv_length (cells), ==, 6);
    }
  g_assert_nonnull (strstr (listed->out, "\tTab here and 'quotes'\t"));
  columns = g_strsplit (lines[1], "\t", 0);
  g_assert_cmpuint (g_strv_length (columns), ==, 6);
  g_assert_cmpstr (columns[0], ==, device);
  g_assert_cmpstr (columns[1], ==, north);
  g_assert_cmpstr (columns[2], ==, "Tablet");
  g_assert_true (g_str_has_suffix (columns[3], "Z"));
  g_assert_cmpstr (columns[5], ==, "-");

  revoked = mend_test_hq_admin_run (hq, NULL, revoke);
  g_assert_cmpint (revoked->status, ==, 0);
  aliased = mend_test_hq_admin_run (hq, NULL, alias);
  g_assert_cmpint (aliased->status, ==, 0);
  missing = mend_test_hq_admin_run (hq, NULL, unknown);
  assert_refused (missing, "no device no-such-device");

  after = mend_test_hq_admin_run (hq, NULL, list);
  g_assert_cmpint (after->status, ==, 0);
  {
    g_auto (GStrv) rows = g_strsplit (after->out, "\n", 0);
    guint revoked_rows = 0;

    for (guint i = 1; rows[i] != NULL; i++)
      {
        g_auto (GStrv) cells = g_strsplit (rows[i], "\t", 0);
        gboolean was_revoked = g_str_equal (cells[0], device) || g_str_equal (cells[0], other);

        g_assert_cmpint (g_str_equal (cells[5], "-"), ==, !was_revoked);
        revoked_rows += was_revoked;
      }
    g_assert_cmpuint (revoked_rows, ==, 2);
  }
  refused = mend_test_hq_request (hq, "GET", "/api/v1/manifest", first->token, NULL, NULL, 0);
  g_assert_cmpint (refused->status, ==, 401);
}

static char *
known_hash (const MendDemoSupervisor *supervisor, gpointer user_data, GError **error)
{
  return g_strdup ("$argon2id$not-a-real-hash");
}

/* The demo team tells the story mendctl demo tells: the same rows, from the same function. */
static void
test_demo (void)
{
  const char *const demo[] = { "demo", NULL };
  g_autoptr (MendTestAdmin) first = mend_test_hq_admin_run (hq, NULL, demo);
  g_autoptr (MendTestAdmin) second = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) story = mend_demo_reference (known_hash, NULL, &error);
  const MendDemoSupervisor *supervisors;
  guint n_supervisors;
  g_autofree char *hash = NULL;

  g_assert_no_error (error);
  if (first->status != 0)
    g_error ("demo: %s", first->err);
  g_assert_cmpstr (first->out, ==, "team-demo");
  for (guint i = 0; i < G_N_ELEMENTS (mend_wire_manifest_lists); i++)
    {
      const char *list = mend_wire_manifest_lists[i];
      JsonArray *rows = json_object_get_array_member (story, list);
      g_autofree char *sql = NULL;

      if (g_str_equal (list, "assignments"))
        sql = g_strdup ("SELECT count(*) FROM assignments WHERE team = 'team-demo'");
      else if (g_str_equal (list, "outcome_codes") || g_str_equal (list, "tally_categories"))
        sql = g_strdup_printf ("SELECT count(*) FROM %s", list);
      else
        sql = g_strdup_printf ("SELECT count(*) FROM %s WHERE team = 'team-demo'", list);
      g_assert_cmpint (count (sql, NULL), ==, json_array_get_length (rows));
    }
  {
    JsonObject *site
        = json_array_get_object_element (json_object_get_array_member (story, "sites"), 0);
    g_autofree char *name = select_text ("SELECT name FROM sites WHERE id = $1",
                                         json_object_get_string_member (site, "id"));

    g_assert_cmpstr (name, ==, json_object_get_string_member (site, "name"));
    g_assert_cmpint (count ("SELECT count(*) FROM sites WHERE id = $1 AND demo",
                            json_object_get_string_member (site, "id")),
                     ==, 1);
  }
  /* Today's sessions, named by date as on the device. */
  {
    g_autofree char *today = mend_demo_session_id ("spring-rise", 0);

    g_assert_cmpint (count ("SELECT count(*) FROM sessions WHERE id = $1"
                            " AND starts_at BETWEEN now() - interval '1 day'"
                            " AND now() + interval '1 day'",
                            today),
                     ==, 1);
  }
  /* The same PINs unlock the same supervisors. */
  supervisors = mend_demo_supervisors (&n_supervisors);
  for (guint i = 0; i < n_supervisors; i++)
    {
      g_autofree char *pin_hash
          = select_text ("SELECT pin_hash FROM supervisors WHERE id = $1", supervisors[i].id);

      g_assert_true (mend_pin_verify (pin_hash, supervisors[i].pin));
    }

  /* Running it again changes nothing and keeps the hashes it made. */
  hash = select_text ("SELECT pin_hash FROM supervisors WHERE id = $1", "sup-ana");
  second = mend_test_hq_admin_run (hq, NULL, demo);
  g_assert_cmpint (second->status, ==, 0);
  {
    g_autofree char *again
        = select_text ("SELECT pin_hash FROM supervisors WHERE id = $1", "sup-ana");

    g_assert_cmpstr (again, ==, hash);
  }
  g_assert_cmpint (count ("SELECT count(*) FROM sessions WHERE team = 'team-demo'", NULL), ==, 3);
}

/* enrol-code --team is enrolment-code with the team named as the other commands name it. */
static void
test_enrol_code (void)
{
  const char *const by_name[] = { "enrol-code", "--team", "South Kettering", "--ttl", "5", NULL };
  const char *const nowhere[] = { "enrol-code", "--team", "Nowhere", NULL };
  g_autoptr (MendTestAdmin) code = mend_test_hq_admin_run (hq, NULL, by_name);
  g_autoptr (MendTestAdmin) refused = mend_test_hq_admin_run (hq, NULL, nowhere);

  g_assert_cmpint (code->status, ==, 0);
  g_assert_cmpuint (strlen (code->out), ==, 12);
  g_assert_cmpint (count ("SELECT count(*) FROM enrolment_codes"
                          " WHERE code_sha256 = sha256(convert_to($1, 'UTF8'))"
                          " AND team = 'team-south' AND expires_at < now() + interval '6 minutes'",
                          code->out),
                   ==, 1);
  assert_refused (refused, "no team Nowhere");
}

int
main (int argc, char **argv)
{
  const char *const add_north[] = { "team", "add", "North", NULL };
  const char *const add_south[] = { "team", "add", "South", NULL };
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  curl_global_init (CURL_GLOBAL_DEFAULT);
  hq = mend_test_hq_start ();
  g_free (mend_test_hq_admin (hq, add_north));
  g_free (mend_test_hq_admin (hq, add_south));
  mend_test_hq_exec (hq, "UPDATE teams SET name = 'North Kettering' WHERE id = $1", north);
  mend_test_hq_exec (hq, "UPDATE teams SET name = 'South Kettering' WHERE id = $1", south);
  /* Inside the harness's folder, which its reaper removes even when a test aborts. */
  dir = g_build_filename (hq->dir, "files", NULL);
  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);

  /* In order: later tests use what earlier ones made. */
  g_test_add_func ("/hq-reference/supervisor", test_supervisor);
  g_test_add_func ("/hq-reference/sites", test_sites);
  g_test_add_func ("/hq-reference/sites-other-team", test_sites_other_team);
  g_test_add_func ("/hq-reference/people", test_people);
  g_test_add_func ("/hq-reference/people-garbage", test_people_garbage);
  g_test_add_func ("/hq-reference/sessions", test_sessions);
  g_test_add_func ("/hq-reference/devices", test_devices);
  g_test_add_func ("/hq-reference/demo", test_demo);
  g_test_add_func ("/hq-reference/enrol-code", test_enrol_code);
  status = g_test_run ();

  mend_test_remove_tree (dir);
  mend_test_hq_stop (hq);
  g_free (dir);
  curl_global_cleanup ();
  return status;
}
