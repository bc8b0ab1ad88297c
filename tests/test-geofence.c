/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-geofence"

#include "config.h"

#include <gio/gio.h>
#include <math.h>
#include <string.h>

#include "mend-geofence.h"

#define EARTH_RADIUS_M 6371008.8

/* A square of 0.01° near Kettering: longitudes −0.7100 to −0.7000, latitudes 52.4000 to
 * 52.4100, about 680 m east to west and 1.1 km south to north. */
static const char square[]
    = "{\"type\":\"Polygon\",\"coordinates\":[[[-0.7100,52.4000],[-0.7000,52.4000],"
      "[-0.7000,52.4100],[-0.7100,52.4100],[-0.7100,52.4000]]]}";

/* The same square with a hole of 0.002° in the middle. */
static const char square_with_hole[]
    = "{\"type\":\"Polygon\",\"coordinates\":["
      "[[-0.7100,52.4000],[-0.7000,52.4000],[-0.7000,52.4100],[-0.7100,52.4100],[-0.7100,52.4000]],"
      "[[-0.7060,52.4040],[-0.7040,52.4040],[-0.7040,52.4060],[-0.7060,52.4060],[-0.7060,52.4040]]"
      "]}";

/* The demo outline of Spring Rise Park, as data/mend-demo.c loads it. */
static const char spring_rise[]
    = "{\"type\":\"Polygon\",\"coordinates\":[[[-0.7081,52.4048],[-0.7046,52.4053],"
      "[-0.7032,52.4071],[-0.7049,52.4082],[-0.7079,52.4077],[-0.7090,52.4060],"
      "[-0.7081,52.4048]]]}";

/* Great-circle distance, an independent check on the geofence's flat projection. */
static double
haversine_m (double lat1, double lon1, double lat2, double lon2)
{
  double phi1 = lat1 * G_PI / 180.0;
  double phi2 = lat2 * G_PI / 180.0;
  double dphi = phi2 - phi1;
  double dlambda = (lon2 - lon1) * G_PI / 180.0;
  double a = sin (dphi / 2) * sin (dphi / 2)
             + cos (phi1) * cos (phi2) * sin (dlambda / 2) * sin (dlambda / 2);

  return 2 * EARTH_RADIUS_M * asin (sqrt (a));
}

static MendGeofence *
parse_ok (const char *geojson)
{
  g_autoptr (GError) error = NULL;
  MendGeofence *fence = mend_geofence_new_from_geojson (geojson, &error);

  g_assert_no_error (error);
  g_assert_nonnull (fence);
  return fence;
}

/* Within 0.5 % of what was expected. */
static void
assert_close (double actual, double expected)
{
  g_assert_cmpfloat_with_epsilon (actual, expected, fabs (expected) * 0.005);
}

static void
test_inside_and_outside (void)
{
  g_autoptr (MendGeofence) fence = parse_ok (square);
  double distance = -1;

  g_assert_true (mend_geofence_contains (fence, 52.4050, -0.7050));
  g_assert_true (mend_geofence_contains (fence, 52.4001, -0.7099));
  g_assert_false (mend_geofence_contains (fence, 52.4101, -0.7050));
  g_assert_false (mend_geofence_contains (fence, 52.4050, -0.6999));
  g_assert_false (mend_geofence_contains (fence, 52.3999, -0.7101));
  g_assert_false (mend_geofence_contains (fence, -52.4050, 0.7050));

  g_assert_cmpint (mend_geofence_verdict (fence, 52.4050, -0.7050, 5, &distance), ==,
                   MEND_GEOFENCE_INSIDE);
  /* From the centre the nearest edges are the east and west ones, 0.005° of longitude away. */
  assert_close (distance, haversine_m (52.4050, -0.7050, 52.4050, -0.7000));
  g_assert_cmpint (mend_geofence_verdict (fence, 52.5, -0.7050, 5, &distance), ==,
                   MEND_GEOFENCE_OUTSIDE);
  assert_close (distance, haversine_m (52.5, -0.7050, 52.4100, -0.7050));
}

static void
test_distances (void)
{
  g_autoptr (MendGeofence) fence = parse_ok (square);
  double metres_per_degree = EARTH_RADIUS_M * G_PI / 180.0;

  /* 0.001° of latitude north of the northern (east-west) edge: about 111.2 m. */
  assert_close (mend_geofence_distance_m (fence, 52.4110, -0.7050), 111.195);
  assert_close (mend_geofence_distance_m (fence, 52.4110, -0.7050), 0.001 * metres_per_degree);
  /* The same inside, under the edge. */
  assert_close (mend_geofence_distance_m (fence, 52.4090, -0.7050), 111.195);
  /* 0.001° of longitude east of the eastern edge shrinks with the cosine of the latitude. */
  assert_close (mend_geofence_distance_m (fence, 52.4050, -0.6990),
                haversine_m (52.4050, -0.6990, 52.4050, -0.7000));
  assert_close (mend_geofence_distance_m (fence, 52.4050, -0.6990), 67.83);
  /* Off a corner the nearest point of the boundary is the vertex. */
  assert_close (mend_geofence_distance_m (fence, 52.4110, -0.6990),
                haversine_m (52.4110, -0.6990, 52.4100, -0.7000));
  /* A kilometre or so away the flat projection is still well within 0.5 %. */
  assert_close (mend_geofence_distance_m (fence, 52.4200, -0.7050),
                haversine_m (52.4200, -0.7050, 52.4100, -0.7050));
  assert_close (mend_geofence_distance_m (fence, 52.4050, -0.6850),
                haversine_m (52.4050, -0.6850, 52.4050, -0.7000));
}

static void
test_on_edge_and_vertex (void)
{
  g_autoptr (MendGeofence) fence = parse_ok (square);
  /* A triangle with a slanted edge, whose midpoint is not exactly representable on it. */
  g_autoptr (MendGeofence) triangle
      = parse_ok ("{\"type\":\"Polygon\",\"coordinates\":[[[-0.7100,52.4000],"
                  "[-0.7000,52.4000],[-0.7033,52.4077]]]}");
  double mid_lat = (52.4000 + 52.4077) / 2;
  double mid_lon = (-0.7000 + -0.7033) / 2;
  double distance = -1;

  /* On each of the four edges. */
  g_assert_true (mend_geofence_contains (fence, 52.4100, -0.7050));
  g_assert_true (mend_geofence_contains (fence, 52.4000, -0.7050));
  g_assert_true (mend_geofence_contains (fence, 52.4050, -0.7000));
  g_assert_true (mend_geofence_contains (fence, 52.4050, -0.7100));
  /* On each vertex. */
  g_assert_true (mend_geofence_contains (fence, 52.4000, -0.7100));
  g_assert_true (mend_geofence_contains (fence, 52.4000, -0.7000));
  g_assert_true (mend_geofence_contains (fence, 52.4100, -0.7000));
  g_assert_true (mend_geofence_contains (fence, 52.4100, -0.7100));

  /* "On" means within a millimetre: half a millimetre north of the northern edge is on it,
   * two millimetres is outside. */
  g_assert_true (mend_geofence_contains (fence, 52.4100 + 0.0005 / 111195.0, -0.7050));
  g_assert_false (mend_geofence_contains (fence, 52.4100 + 0.002 / 111195.0, -0.7050));

  g_assert_cmpint (mend_geofence_verdict (fence, 52.4100, -0.7050, NAN, &distance), ==,
                   MEND_GEOFENCE_INSIDE);
  g_assert_cmpfloat_with_epsilon (distance, 0.0, 1e-6);
  g_assert_cmpint (mend_geofence_verdict (fence, 52.4100, -0.7100, 0, &distance), ==,
                   MEND_GEOFENCE_INSIDE);
  g_assert_cmpfloat_with_epsilon (distance, 0.0, 1e-6);

  g_assert_true (mend_geofence_contains (triangle, mid_lat, mid_lon));
  g_assert_true (mend_geofence_contains (triangle, 52.4077, -0.7033));
  g_assert_cmpfloat (mend_geofence_distance_m (triangle, mid_lat, mid_lon), <, 1e-3);
  /* A metre outside the slanted edge is outside. */
  g_assert_false (mend_geofence_contains (triangle, mid_lat, mid_lon + 0.00002));
}

/* Points interpolated along slanted edges are off them by rounding; they still count. */
static void
test_along_edges (void)
{
  static const double outline[][2] = {
    { -0.7081, 52.4048 }, { -0.7046, 52.4053 }, { -0.7032, 52.4071 },
    { -0.7049, 52.4082 }, { -0.7079, 52.4077 }, { -0.7090, 52.4060 },
  };
  g_autoptr (MendGeofence) fence = NULL;
  g_autoptr (GString) geojson = g_string_new ("{\"type\":\"Polygon\",\"coordinates\":[[");

  for (guint i = 0; i < G_N_ELEMENTS (outline); i++)
    g_string_append_printf (geojson, "%s[%.4f,%.4f]", i ? "," : "", outline[i][0], outline[i][1]);
  g_string_append (geojson, "]]}");
  fence = parse_ok (geojson->str);

  for (guint i = 0; i < G_N_ELEMENTS (outline); i++)
    {
      const double *a = outline[i];
      const double *b = outline[(i + 1) % G_N_ELEMENTS (outline)];

      for (int k = 0; k <= 30; k++)
        {
          double t = k / 30.0;
          double lon = a[0] + t * (b[0] - a[0]);
          double lat = a[1] + t * (b[1] - a[1]);

          if (!mend_geofence_contains (fence, lat, lon))
            g_error ("%.12f, %.12f on edge %u is not inside", lat, lon, i + 1);
          g_assert_cmpfloat (mend_geofence_distance_m (fence, lat, lon), <, 1e-3);
        }
    }
}

static void
test_unclosed_ring (void)
{
  g_autoptr (MendGeofence) closed = parse_ok (square);
  g_autoptr (MendGeofence) open
      = parse_ok ("{\"type\":\"Polygon\",\"coordinates\":[[[-0.7100,52.4000],[-0.7000,52.4000],"
                  "[-0.7000,52.4100],[-0.7100,52.4100]]]}");
  const double points[][2] = {
    { 52.4050, -0.7050 }, { 52.4110, -0.7050 }, { 52.4050, -0.7110 },
    { 52.4000, -0.7100 }, { 52.4050, -0.7099 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (points); i++)
    {
      g_assert_cmpint (mend_geofence_contains (open, points[i][0], points[i][1]), ==,
                       mend_geofence_contains (closed, points[i][0], points[i][1]));
      g_assert_cmpfloat (mend_geofence_distance_m (open, points[i][0], points[i][1]), ==,
                         mend_geofence_distance_m (closed, points[i][0], points[i][1]));
    }
  /* The implied closing edge (west) is there. */
  assert_close (mend_geofence_distance_m (open, 52.4050, -0.7110),
                haversine_m (52.4050, -0.7110, 52.4050, -0.7100));
}

static void
test_hole (void)
{
  g_autoptr (MendGeofence) fence = parse_ok (square_with_hole);
  double distance = -1;

  /* In the middle of the hole: outside, and the distance is to the hole's edge (its east and
   * west edges are 0.001° of longitude away), not to the outer ring. */
  g_assert_false (mend_geofence_contains (fence, 52.4050, -0.7050));
  g_assert_cmpint (mend_geofence_verdict (fence, 52.4050, -0.7050, 0, &distance), ==,
                   MEND_GEOFENCE_OUTSIDE);
  assert_close (distance, haversine_m (52.4050, -0.7050, 52.4050, -0.7060));
  /* Near the hole's northern edge, 0.0002° of latitude (22 m) inside the hole. */
  assert_close (mend_geofence_distance_m (fence, 52.4058, -0.7050),
                0.0002 * EARTH_RADIUS_M * G_PI / 180.0);
  g_assert_cmpint (mend_geofence_verdict (fence, 52.4058, -0.7050, 30, NULL), ==,
                   MEND_GEOFENCE_NEAR);

  /* Between the hole and the outer ring: inside, nearest to the hole. */
  g_assert_true (mend_geofence_contains (fence, 52.4050, -0.7070));
  assert_close (mend_geofence_distance_m (fence, 52.4050, -0.7070),
                haversine_m (52.4050, -0.7070, 52.4050, -0.7060));
  /* The hole's edge is the site's boundary, so on it counts as inside. */
  g_assert_true (mend_geofence_contains (fence, 52.4040, -0.7050));
  g_assert_true (mend_geofence_contains (fence, 52.4060, -0.7060));
  /* Outside the outer ring still outside. */
  g_assert_false (mend_geofence_contains (fence, 52.4150, -0.7050));
}

static void
test_multipolygon (void)
{
  /* Two squares a kilometre apart, the second with a hole. */
  g_autoptr (MendGeofence) fence
      = parse_ok ("{\"type\":\"MultiPolygon\",\"coordinates\":["
                  "[[[-0.7100,52.4000],[-0.7000,52.4000],[-0.7000,52.4100],[-0.7100,52.4100]]],"
                  "[[[-0.6850,52.4000],[-0.6750,52.4000],[-0.6750,52.4100],[-0.6850,52.4100]],"
                  "[[-0.6810,52.4040],[-0.6790,52.4040],[-0.6790,52.4060],[-0.6810,52.4060]]]"
                  "]}");

  g_assert_true (mend_geofence_contains (fence, 52.4050, -0.7050));
  g_assert_true (mend_geofence_contains (fence, 52.4050, -0.6825));
  g_assert_false (mend_geofence_contains (fence, 52.4050, -0.6800));
  g_assert_false (mend_geofence_contains (fence, 52.4050, -0.6925));
  /* Between the two, the nearest boundary is the closer square's edge. */
  assert_close (mend_geofence_distance_m (fence, 52.4050, -0.6960),
                haversine_m (52.4050, -0.6960, 52.4050, -0.7000));
  assert_close (mend_geofence_distance_m (fence, 52.4050, -0.6890),
                haversine_m (52.4050, -0.6890, 52.4050, -0.6850));
  g_assert_cmpint (mend_geofence_verdict (fence, 52.4050, -0.6800, 0, NULL), ==,
                   MEND_GEOFENCE_OUTSIDE);
}

static void
test_prime_meridian (void)
{
  /* A square over the Greenwich meridian, from 0.001° W to 0.001° E. */
  g_autoptr (MendGeofence) fence
      = parse_ok ("{\"type\":\"Polygon\",\"coordinates\":[[[-0.001,51.477],[0.001,51.477],"
                  "[0.001,51.479],[-0.001,51.479],[-0.001,51.477]]]}");
  double east = haversine_m (51.478, 0.002, 51.478, 0.001);

  g_assert_true (mend_geofence_contains (fence, 51.478, 0.0));
  g_assert_true (mend_geofence_contains (fence, 51.478, -0.0005));
  g_assert_true (mend_geofence_contains (fence, 51.478, 0.0005));
  g_assert_true (mend_geofence_contains (fence, 51.478, -0.001));
  g_assert_false (mend_geofence_contains (fence, 51.478, 0.002));
  g_assert_false (mend_geofence_contains (fence, 51.478, -0.002));

  /* Symmetric about the meridian, east and west. */
  assert_close (mend_geofence_distance_m (fence, 51.478, 0.002), east);
  assert_close (mend_geofence_distance_m (fence, 51.478, -0.002), east);
  assert_close (mend_geofence_distance_m (fence, 51.478, 0.0),
                haversine_m (51.478, 0.0, 51.478, 0.001));
  assert_close (mend_geofence_distance_m (fence, 51.478, 0.0), 69.2);
}

static void
test_near (void)
{
  g_autoptr (MendGeofence) fence = parse_ok (square);
  /* 40 m north of the northern edge. */
  double lat = 52.4100 + 40.0 / (EARTH_RADIUS_M * G_PI / 180.0);
  double distance = -1;

  g_assert_false (mend_geofence_contains (fence, lat, -0.7050));
  g_assert_cmpint (mend_geofence_verdict (fence, lat, -0.7050, 50, &distance), ==,
                   MEND_GEOFENCE_NEAR);
  assert_close (distance, 40.0);
  g_assert_cmpint (mend_geofence_verdict (fence, lat, -0.7050, 10, &distance), ==,
                   MEND_GEOFENCE_OUTSIDE);
  assert_close (distance, 40.0);
  /* No usable error estimate counts as none. */
  g_assert_cmpint (mend_geofence_verdict (fence, lat, -0.7050, NAN, NULL), ==,
                   MEND_GEOFENCE_OUTSIDE);
  g_assert_cmpint (mend_geofence_verdict (fence, lat, -0.7050, -100, NULL), ==,
                   MEND_GEOFENCE_OUTSIDE);
  g_assert_cmpint (mend_geofence_verdict (fence, lat, -0.7050, INFINITY, NULL), ==,
                   MEND_GEOFENCE_NEAR);
  /* A large error never turns an inside fix into "near". */
  g_assert_cmpint (mend_geofence_verdict (fence, 52.4050, -0.7050, 5000, NULL), ==,
                   MEND_GEOFENCE_INSIDE);

  g_assert_cmpstr (mend_geofence_verdict_to_string (MEND_GEOFENCE_INSIDE), ==, "inside");
  g_assert_cmpstr (mend_geofence_verdict_to_string (MEND_GEOFENCE_NEAR), ==, "near");
  g_assert_cmpstr (mend_geofence_verdict_to_string (MEND_GEOFENCE_OUTSIDE), ==, "outside");
}

static void
test_spring_rise (void)
{
  g_autoptr (MendGeofence) fence = parse_ok (spring_rise);
  double metres_per_degree = EARTH_RADIUS_M * G_PI / 180.0;
  double km_north = 52.4064 + 1000.0 / metres_per_degree;
  double km_east = -0.7061 + 1000.0 / (metres_per_degree * cos (52.4064 * G_PI / 180.0));
  double distance = -1;

  g_assert_true (mend_geofence_contains (fence, 52.4064, -0.7061));
  g_assert_cmpint (mend_geofence_verdict (fence, 52.4064, -0.7061, 10, &distance), ==,
                   MEND_GEOFENCE_INSIDE);
  g_assert_cmpfloat (distance, >, 50);
  g_assert_cmpfloat (distance, <, 300);

  /* A kilometre north of the centre: the outline's northernmost vertex is about 200 m north
   * of the centre, so this is some 800 m out. */
  g_assert_false (mend_geofence_contains (fence, km_north, -0.7061));
  g_assert_cmpint (mend_geofence_verdict (fence, km_north, -0.7061, 50, &distance), ==,
                   MEND_GEOFENCE_OUTSIDE);
  g_assert_cmpfloat (distance, >, 700);
  g_assert_cmpfloat (distance, <, 1000);
  g_assert_cmpfloat (distance, <=, haversine_m (km_north, -0.7061, 52.4082, -0.7049) * 1.005);

  g_assert_false (mend_geofence_contains (fence, 52.4064, km_east));
  g_assert_cmpfloat (mend_geofence_distance_m (fence, 52.4064, km_east), >, 700);
}

static void
test_accepts_variants (void)
{
  /* Integer coordinates, an altitude, extra members and a closed triangle: all fine. */
  g_autoptr (MendGeofence) integers
      = parse_ok ("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,1]]]}");
  g_autoptr (MendGeofence) altitude
      = parse_ok ("{\"type\":\"Polygon\",\"bbox\":[0,0,1,1],\"coordinates\":"
                  "[[[0,0,10.5],[1,0,11],[1,1,12],[0,1,13],[0,0,10.5]]]}");
  g_autoptr (MendGeofence) triangle
      = parse_ok ("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[0,1],[0,0]]]}");

  g_assert_true (mend_geofence_contains (integers, 0.5, 0.5));
  g_assert_false (mend_geofence_contains (integers, 1.5, 0.5));
  g_assert_true (mend_geofence_contains (altitude, 0.5, 0.5));
  g_assert_true (mend_geofence_contains (triangle, 0.2, 0.2));
  g_assert_false (mend_geofence_contains (triangle, 0.8, 0.8));
}

static void
test_refuses_garbage (void)
{
  static const char *const garbage[] = {
    "",
    "   ",
    "not json",
    "{",
    "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1]]]",
    "null",
    "42",
    "\"Polygon\"",
    "[]",
    "{}",
    "{\"coordinates\":[[[0,0],[1,0],[1,1]]]}",
    "{\"type\":7,\"coordinates\":[[[0,0],[1,0],[1,1]]]}",
    "{\"type\":\"polygon\",\"coordinates\":[[[0,0],[1,0],[1,1]]]}",
    "{\"type\":\"Point\",\"coordinates\":[0,0]}",
    "{\"type\":\"LineString\",\"coordinates\":[[0,0],[1,0],[1,1]]}",
    "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
    "[[[0,0],[1,0],[1,1]]]},\"properties\":{}}",
    "{\"type\":\"FeatureCollection\",\"features\":[]}",
    "{\"type\":\"Polygon\"}",
    "{\"type\":\"Polygon\",\"coordinates\":null}",
    "{\"type\":\"Polygon\",\"coordinates\":{}}",
    "{\"type\":\"Polygon\",\"coordinates\":[]}",
    "{\"type\":\"Polygon\",\"coordinates\":[[]]}",
    "{\"type\":\"Polygon\",\"coordinates\":[\"ring\"]}",
    "{\"type\":\"Polygon\",\"coordinates\":[[0,0],[1,0],[1,1]]}",
    "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0]]]}",
    "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[0,0]]]}",
    "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,1],[1,1],[0,0],[1,1]]]}",
    "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1]],[[0.2,0.2],[0.3,0.2]]]}",
    "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1]]]}",
    "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],5]]}",
    "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[\"1\",\"1\"]]]}",
    "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[true,1]]]}",
    "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,null]]]}",
    "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1,\"high\"]]]}",
    "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,[1]]]]}",
    "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[200,0],[1,1]]]}",
    "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[-180.5,0],[1,1]]]}",
    "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,95],[1,1]]]}",
    "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,-90.01],[1,1]]]}",
    /* Latitude and longitude swapped: 52° east is fine, but -0.7 then 152 is not. */
    "{\"type\":\"Polygon\",\"coordinates\":[[[52.40,-0.71],[52.40,-0.70],[52.41,-0.70]],"
    "[[0,0],[0,1],[1,152]]]}",
    "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1e999]]]}",
    "{\"type\":\"MultiPolygon\",\"coordinates\":[]}",
    "{\"type\":\"MultiPolygon\",\"coordinates\":[[]]}",
    "{\"type\":\"MultiPolygon\",\"coordinates\":[[[0,0],[1,0],[1,1]]]}",
    "{\"type\":\"MultiPolygon\",\"coordinates\":[[[[0,0],[1,0],[1,1]]],[[[5,5],[6,6]]]]}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (garbage); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (MendGeofence) fence = mend_geofence_new_from_geojson (garbage[i], &error);

      if (fence != NULL || error == NULL)
        g_error ("accepted garbage %u: %s", i, garbage[i]);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
      g_assert_true (g_str_has_prefix (error->message, "Invalid site boundary: "));
      g_assert_cmpuint (strlen (error->message), >, strlen ("Invalid site boundary: ") + 3);
      g_test_message ("%s → %s", garbage[i], error->message);
    }

  {
    g_autoptr (GError) error = NULL;

    g_assert_null (mend_geofence_new_from_geojson (NULL, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  }
}

static void
test_messages_say_where (void)
{
  struct
  {
    const char *geojson;
    const char *fragment;
  } cases[] = {
    { "{\"type\":\"Point\",\"coordinates\":[0,0]}", "Point" },
    { "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1]],[[0.2,0.2],[0.3,0.2]]]}",
      "ring 2 of polygon 1" },
    { "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[200,1]]]}", "longitude 200" },
    { "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,95]]]}", "latitude 95" },
    { "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[\"1\",1]]]}",
      "position 3 of ring 1 of polygon 1" },
    { "{\"type\":\"MultiPolygon\",\"coordinates\":[[[[0,0],[1,0],[1,1]]],[[[5,5],[6,6]]]]}",
      "polygon 2" },
    { "not json", "not JSON" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;

      g_assert_null (mend_geofence_new_from_geojson (cases[i].geojson, &error));
      g_assert_nonnull (error);
      if (strstr (error->message, cases[i].fragment) == NULL)
        g_error ("“%s” does not mention “%s”", error->message, cases[i].fragment);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/geofence/inside-and-outside", test_inside_and_outside);
  g_test_add_func ("/geofence/distances", test_distances);
  g_test_add_func ("/geofence/on-edge-and-vertex", test_on_edge_and_vertex);
  g_test_add_func ("/geofence/along-edges", test_along_edges);
  g_test_add_func ("/geofence/unclosed-ring", test_unclosed_ring);
  g_test_add_func ("/geofence/hole", test_hole);
  g_test_add_func ("/geofence/multipolygon", test_multipolygon);
  g_test_add_func ("/geofence/prime-meridian", test_prime_meridian);
  g_test_add_func ("/geofence/near", test_near);
  g_test_add_func ("/geofence/spring-rise", test_spring_rise);
  g_test_add_func ("/geofence/accepts-variants", test_accepts_variants);
  g_test_add_func ("/geofence/refuses-garbage", test_refuses_garbage);
  g_test_add_func ("/geofence/messages-say-where", test_messages_say_where);

  return g_test_run ();
}
