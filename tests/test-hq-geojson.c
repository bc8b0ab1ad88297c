/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-hq-geojson"

#include "config.h"

#include <string.h>

#include "mend-hq-geojson.h"
#include "mend-hq-private.h"
#include "mend-test-reliability.h"

/* The GeoJSON site files of `mend-hq admin site import`, read by mend_hq_geojson_parse_sites()
 * without a database (hq/mend-hq-geojson.c): what it takes, and every way it refuses a file,
 * with the message a person fixing the file reads. Writing the sites to PostgreSQL is tested
 * through the real command in test-hq-reference.c. */

#define POLYGON                                                                                    \
  "{\"type\":\"Polygon\",\"coordinates\":[[[-0.7061,52.4064],[-0.7050,52.4064],"                   \
  "[-0.7050,52.4072],[-0.7061,52.4072],[-0.7061,52.4064]]]}"
#define COLLECTION(features) "{\"type\":\"FeatureCollection\",\"features\":[" features "]}"
#define FEATURE(properties, geometry)                                                              \
  "{\"type\":\"Feature\",\"properties\":" properties ",\"geometry\":" geometry "}"

static JsonArray *
parse (const char *text, gsize length, GError **error)
{
  return mend_hq_geojson_parse_sites ("sites.geojson", text, length, error);
}

static void
test_good (void)
{
  const char *text = COLLECTION (
      FEATURE ("{\"id\":\"north-park\",\"name\":\"North Park\",\"address\":\"1 High St\"}",
               POLYGON) "," FEATURE ("{\"id\":\"fields\",\"name\":\"Two fields\"}",
                                     "{\"type\":\"MultiPolygon\",\"coordinates\":[[[[-0.7,52.4],"
                                     "[-0.69,52.4],[-0.69,52.41],[-0.7,52.4]]],[[[-0.6,52.4],"
                                     "[-0.59,52.4],[-0.59,52.41]]]]}") /* open ring */
      "," FEATURE ("{\"id\":\"[[[[\",\"name\":\"{{{{ brackets in text are only text\"}", POLYGON));
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonArray) sites = NULL;
  JsonObject *site;
  g_autofree char *with_number_id = NULL;

  sites = parse (text, strlen (text), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (sites), ==, 3);

  site = json_array_get_object_element (sites, 0);
  g_assert_cmpstr (json_object_get_string_member (site, "id"), ==, "north-park");
  g_assert_cmpstr (json_object_get_string_member (site, "name"), ==, "North Park");
  g_assert_cmpstr (json_object_get_string_member (site, "address"), ==, "1 High St");
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (site, "centre_lat"), 52.4068,
                                  1e-9);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (site, "centre_lon"), -0.70555,
                                  1e-9);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_object_get_member (site, "boundary")));

  /* The centre is the middle of the whole MultiPolygon's box. */
  site = json_array_get_object_element (sites, 1);
  g_assert_cmpstr (json_object_get_string_member (site, "id"), ==, "fields");
  g_assert_false (json_object_has_member (site, "address"));
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (site, "centre_lat"), 52.405, 1e-9);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (site, "centre_lon"), -0.645, 1e-9);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (sites, 2), "id"),
                   ==, "[[[[");
  g_clear_pointer (&sites, json_array_unref);

  /* The feature's own id, a number here, stands in for a missing "id" property. */
  with_number_id = g_strdup (COLLECTION ("{\"type\":\"Feature\",\"id\":7,\"properties\":"
                                         "{\"name\":\"Seven\"},\"geometry\":" POLYGON "}"));
  sites = parse (with_number_id, strlen (with_number_id), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (sites, 0), "id"),
                   ==, "7");
}

static const struct
{
  const char *what;
  const char *file;
  const char *says;
} refused[] = {
  { "not JSON", "{\"type\":\"FeatureCollection\",\"features\":[", "sites.geojson is not JSON: " },
  { "an empty file", "",
    "sites.geojson is not a GeoJSON FeatureCollection with a \"features\" list" },
  { "white space only", " \n\t", "sites.geojson is not a GeoJSON FeatureCollection" },
  { "a list", "[1,2,3]", "sites.geojson is not a GeoJSON FeatureCollection" },
  { "a type that is not text", "{\"type\":{},\"features\":[]}",
    "sites.geojson is not a GeoJSON FeatureCollection" },
  { "features that are not a list", "{\"type\":\"FeatureCollection\",\"features\":{}}",
    "sites.geojson is not a GeoJSON FeatureCollection with a \"features\" list" },
  { "no features", COLLECTION (""), "sites.geojson holds no features" },
  { "a number for a feature", COLLECTION ("42"),
    "sites.geojson: feature 1 is not a GeoJSON Feature" },
  { "a feature whose type is a list",
    COLLECTION ("{\"type\":[\"Feature\"],\"properties\":{\"id\":\"a\",\"name\":\"A\"}}"),
    "sites.geojson: feature 1 is not a GeoJSON Feature" },
  { "no name", COLLECTION (FEATURE ("{\"id\":\"x\"}", POLYGON)),
    "sites.geojson: feature 1 (id \"x\") needs an \"id\" and a \"name\" property (text)" },
  { "a name that is not text", COLLECTION (FEATURE ("{\"id\":\"x\",\"name\":true}", POLYGON)),
    "sites.geojson: feature 1 (id \"x\") needs an \"id\" and a \"name\" property (text)" },
  { "no id", COLLECTION (FEATURE ("{\"name\":\"No id\"}", "null")),
    "sites.geojson: feature 1 (\"No id\") needs an \"id\"" },
  { "properties that are not an object", COLLECTION (FEATURE ("[\"x\",\"X\"]", POLYGON)),
    "sites.geojson: feature 1 needs an \"id\" and a \"name\" property (text)" },
  { "no geometry",
    COLLECTION ("{\"type\":\"Feature\",\"properties\":{\"id\":\"g\",\"name\":\"G\"}}"),
    "sites.geojson: feature 1 (id \"g\") has no geometry: a site needs a Polygon or MultiPolygon" },
  { "a point",
    COLLECTION (
        FEATURE ("{\"id\":\"pt\",\"name\":\"P\"}", "{\"type\":\"Point\",\"coordinates\":[0,0]}")),
    "sites.geojson: feature 1 (id \"pt\"): boundary is not a usable boundary: Invalid site"
    " boundary: a GeoJSON “Point”, not a Polygon or MultiPolygon" },
  { "too few points",
    COLLECTION (FEATURE ("{\"id\":\"two\",\"name\":\"T\"}",
                         "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[0,1],[0,0]]]}")),
    "feature 1 (id \"two\"): boundary is not a usable boundary: Invalid site boundary: ring 1 of"
    " polygon 1 has 2 distinct positions; a ring needs at least 3" },
  { "latitude and longitude swapped",
    COLLECTION (FEATURE ("{\"id\":\"lat\",\"name\":\"L\"}",
                         "{\"type\":\"Polygon\",\"coordinates\":[[[52,-0.7],[52,200],[53,1]]]}")),
    "position 2 of ring 1 of polygon 1 has latitude 200, outside -90 to 90" },
  { "a coordinate that is text",
    COLLECTION (FEATURE ("{\"id\":\"s\",\"name\":\"S\"}",
                         "{\"type\":\"Polygon\",\"coordinates\":[[[0,\"0\"],[0,1],[1,1]]]}")),
    "position 1 of ring 1 of polygon 1 has a coordinate that is not a number" },
  { "an empty MultiPolygon",
    COLLECTION (FEATURE ("{\"id\":\"m\",\"name\":\"M\"}",
                         "{\"type\":\"MultiPolygon\",\"coordinates\":[]}")),
    "feature 1 (id \"m\"): boundary is not a usable boundary: Invalid site boundary: the"
    " MultiPolygon has no polygons" },
  { "a bad second feature after a good one",
    COLLECTION (FEATURE ("{\"id\":\"a\",\"name\":\"A\"}", POLYGON) "," FEATURE (
        "{\"id\":\"b\",\"name\":\"B\"}",
        "{\"type\":\"LineString\",\"coordinates\":[[0,0],[1,1]]}")),
    "sites.geojson: feature 2 (id \"b\"): boundary is not a usable boundary" },
  { "two features with one id",
    COLLECTION (FEATURE ("{\"id\":\"same\",\"name\":\"One\"}",
                         POLYGON) "," FEATURE ("{\"id\":\"same\",\"name\":\"Two\"}", POLYGON)),
    "sites.geojson: feature 2 (id \"same\") has the id of feature 1; each site needs its own" },
  { "an escaped NUL in a name",
    COLLECTION (FEATURE ("{\"id\":\"nul\",\"name\":\"a\\u0000b\"}", POLYGON)),
    "sites.geojson holds a NUL character, which no text may hold" },
};

static void
assert_refused (const char *what, const char *text, gsize length, const char *says)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonArray) sites = parse (text, length, &error);

  g_test_message ("%s", what);
  g_assert_null (sites);
  g_assert_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE);
  g_assert_true (g_str_has_prefix (error->message, "sites.geojson"));
  if (strstr (error->message, says) == NULL)
    g_error ("%s: \"%s\" does not say \"%s\"", what, error->message, says);
}

static void
test_refused (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    assert_refused (refused[i].what, refused[i].file, strlen (refused[i].file), refused[i].says);
  mend_test_reliability_row ("hostile input: broken GeoJSON site files", G_N_ELEMENTS (refused),
                             MEND_RELIABILITY_REFUSED);
}

/* A raw NUL would cut every string after it short; the file is refused instead. */
static void
test_raw_nul (void)
{
  const char text[] = COLLECTION (FEATURE ("{\"id\":\"a\",\"name\":\"A\0B\"}", POLYGON));

  assert_refused ("a raw NUL", text, sizeof text - 1, "holds a NUL character");
}

/* Huge inputs: a file past the size bound is refused before it is read, and nesting deep
 * enough to exhaust json-glib's stack is refused before it is parsed. */
static void
test_huge (void)
{
  gsize length = MEND_HQ_GEOJSON_MAX_BYTES + 1;
  g_autofree char *big = g_malloc (length);
  g_autoptr (GString) deep = g_string_new ("{\"type\":\"FeatureCollection\",\"features\":");
  g_autoptr (GString) fine = g_string_new (NULL);

  memset (big, ' ', length);
  assert_refused ("64 MiB and one byte", big, length, "sites.geojson is larger than 64 MiB");

  for (guint i = 0; i < 1000000; i++)
    g_string_append_c (deep, '[');
  assert_refused ("a million brackets", deep->str, deep->len,
                  "sites.geojson nests arrays and objects more than 64 deep");

  /* Brackets in text do not count, and the nesting of a real file is far from the bound. */
  g_string_append (fine,
                   COLLECTION (FEATURE ("{\"id\":\"x\",\"name\":\"\\\"[[[[[[[[[[[[[[[[[[[["
                                        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"}",
                                        POLYGON)));
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (JsonArray) sites = parse (fine->str, fine->len, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (json_array_get_length (sites), ==, 1);
  }
  mend_test_reliability_row ("hostile input: oversized or deeply nested GeoJSON site files", 2,
                             MEND_RELIABILITY_REFUSED);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hq-geojson/good", test_good);
  g_test_add_func ("/hq-geojson/refused", test_refused);
  g_test_add_func ("/hq-geojson/raw-nul", test_raw_nul);
  g_test_add_func ("/hq-geojson/huge", test_huge);
  return g_test_run ();
}
