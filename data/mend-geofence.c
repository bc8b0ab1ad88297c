/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-geofence"

#include "config.h"

#include "mend-geofence.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>

/* Mean Earth radius (IUGG). At park scale the sphere is far closer to the ellipsoid than a
 * GPS fix is to the truth. */
#define EARTH_RADIUS_M 6371008.8

/* A point this close to an edge is on the boundary, and the boundary counts as inside. Far
 * below a fix's error and the 1e-7 degrees (about 1 cm) positions are stored to, but enough to
 * absorb the rounding when a point was computed from the edge's own vertices. */
#define ON_EDGE_M 1e-3

/* Outlines are kept in degrees as GeoJSON gives them, and projected around each query point.
 *
 * Longitudes are plain signed differences, so a site that crosses the prime meridian (longitudes
 * of both signs, as around Greenwich) needs nothing special. A site crossing the antimeridian
 * (±180°) is out of scope: its edges would be taken the long way round the globe. So are the
 * poles, where the projection degenerates. */
typedef struct
{
  double lon;
  double lat;
} Position;

/* A ring's positions, without the closing copy of the first: the last edge is implied. */
typedef struct
{
  guint first;
  guint n;
} Ring;

/* A polygon's rings: the first is the outer ring, the others are holes. */
typedef struct
{
  guint first;
  guint n;
} Polygon;

struct _MendGeofence
{
  GArray *positions; /* Position */
  GArray *rings;     /* Ring */
  GArray *polygons;  /* Polygon */
};

/* Metres east and north of the query point. */
typedef struct
{
  double x;
  double y;
} Plane;

/* A local equirectangular projection centred on the query point, so the query point is the
 * origin. Over a park (a kilometre or two) the scale changes by well under 1 %. */
typedef struct
{
  double lat0;
  double lon0;
  double metres_per_degree_lat;
  double metres_per_degree_lon;
} Projection;

static void
projection_init (Projection *p, double lat, double lon)
{
  p->lat0 = lat;
  p->lon0 = lon;
  p->metres_per_degree_lat = EARTH_RADIUS_M * G_PI / 180.0;
  p->metres_per_degree_lon = p->metres_per_degree_lat * cos (lat * G_PI / 180.0);
}

static Plane
project (const Projection *p, const Position *position)
{
  return (Plane){ (position->lon - p->lon0) * p->metres_per_degree_lon,
                  (position->lat - p->lat0) * p->metres_per_degree_lat };
}

static const Position *
ring_position (const MendGeofence *self, const Ring *ring, guint i)
{
  return &g_array_index (self->positions, Position, ring->first + i);
}

/* Even-odd ray casting along the positive x axis from the origin (the query point). Points on
 * an edge may land either way here; the callers settle them with the distance. */
static gboolean
ring_contains_origin (const MendGeofence *self, const Ring *ring, const Projection *p)
{
  gboolean inside = FALSE;

  for (guint i = 0, j = ring->n - 1; i < ring->n; j = i++)
    {
      Plane a = project (p, ring_position (self, ring, i));
      Plane b = project (p, ring_position (self, ring, j));

      if ((a.y > 0) != (b.y > 0))
        {
          /* a.y and b.y differ, so the division is safe. */
          double x = a.x - a.y * (b.x - a.x) / (b.y - a.y);

          if (x > 0)
            inside = !inside;
        }
    }
  return inside;
}

static double
segment_distance_to_origin (Plane a, Plane b)
{
  double dx = b.x - a.x;
  double dy = b.y - a.y;
  double length2 = dx * dx + dy * dy;
  double t = 0.0;

  /* A repeated vertex makes a zero-length edge: its distance is the vertex's. */
  if (length2 > 0.0)
    t = CLAMP (-(a.x * dx + a.y * dy) / length2, 0.0, 1.0);
  return hypot (a.x + t * dx, a.y + t * dy);
}

static double
ring_distance_to_origin (const MendGeofence *self, const Ring *ring, const Projection *p)
{
  double best = INFINITY;

  for (guint i = 0, j = ring->n - 1; i < ring->n; j = i++)
    {
      Plane a = project (p, ring_position (self, ring, i));
      Plane b = project (p, ring_position (self, ring, j));

      best = MIN (best, segment_distance_to_origin (a, b));
    }
  return best;
}

static double
distance_to_origin (const MendGeofence *self, const Projection *p)
{
  double best = INFINITY;

  for (guint i = 0; i < self->rings->len; i++)
    best = MIN (best, ring_distance_to_origin (self, &g_array_index (self->rings, Ring, i), p));
  return best;
}

/* Strictly inside by ray casting: inside some polygon's outer ring and none of its holes. */
static gboolean
polygons_contain_origin (const MendGeofence *self, const Projection *p)
{
  for (guint i = 0; i < self->polygons->len; i++)
    {
      const Polygon *polygon = &g_array_index (self->polygons, Polygon, i);
      const Ring *rings = &g_array_index (self->rings, Ring, polygon->first);
      gboolean in_hole = FALSE;

      if (!ring_contains_origin (self, &rings[0], p))
        continue;
      for (guint h = 1; h < polygon->n && !in_hole; h++)
        in_hole = ring_contains_origin (self, &rings[h], p);
      if (!in_hole)
        return TRUE;
    }
  return FALSE;
}

/* Parsing. */

static gboolean invalid (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
invalid (GError **error, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "Invalid site boundary: %s", message);
  return FALSE;
}

static gboolean
is_number (JsonNode *node)
{
  GType type;

  if (!JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  return type == G_TYPE_DOUBLE || type == G_TYPE_INT64;
}

/* Polygon and ring numbers in messages count from 1, as a person reading the GeoJSON would. */
static gboolean
parse_position (JsonNode *node,
                guint polygon_no,
                guint ring_no,
                guint position_no,
                Position *out,
                GError **error)
{
  JsonArray *array = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;

  /* [lon, lat], perhaps with an altitude, which a geofence ignores. */
  if (array == NULL || json_array_get_length (array) < 2)
    return invalid (error,
                    "position %u of ring %u of polygon %u is not a [longitude, latitude] pair",
                    position_no, ring_no, polygon_no);
  for (guint i = 0; i < json_array_get_length (array); i++)
    if (!is_number (json_array_get_element (array, i)))
      return invalid (error,
                      "position %u of ring %u of polygon %u has a coordinate that is not a number",
                      position_no, ring_no, polygon_no);

  out->lon = json_array_get_double_element (array, 0);
  out->lat = json_array_get_double_element (array, 1);
  /* The comparisons are written so that a NaN or an infinity fails them. */
  if (!(out->lon >= -180.0 && out->lon <= 180.0))
    return invalid (error,
                    "position %u of ring %u of polygon %u has longitude %g, outside -180 to 180 "
                    "(GeoJSON puts the longitude first)",
                    position_no, ring_no, polygon_no, out->lon);
  if (!(out->lat >= -90.0 && out->lat <= 90.0))
    return invalid (error,
                    "position %u of ring %u of polygon %u has latitude %g, outside -90 to 90 "
                    "(GeoJSON puts the longitude first)",
                    position_no, ring_no, polygon_no, out->lat);
  return TRUE;
}

static int
compare_positions (gconstpointer a, gconstpointer b)
{
  const Position *pa = a;
  const Position *pb = b;

  if (pa->lon != pb->lon)
    return pa->lon < pb->lon ? -1 : 1;
  if (pa->lat != pb->lat)
    return pa->lat < pb->lat ? -1 : 1;
  return 0;
}

static guint
count_distinct (const Position *positions, guint n)
{
  g_autofree Position *sorted = NULL;
  guint distinct = 1;

  if (n == 0)
    return 0;
  sorted = g_memdup2 (positions, n * sizeof (Position));
  qsort (sorted, n, sizeof (Position), compare_positions);
  for (guint i = 1; i < n; i++)
    if (compare_positions (&sorted[i - 1], &sorted[i]) != 0)
      distinct++;
  return distinct;
}

static gboolean
parse_ring (MendGeofence *self, JsonNode *node, guint polygon_no, guint ring_no, GError **error)
{
  JsonArray *array = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
  Ring ring = { self->positions->len, 0 };
  guint distinct;

  if (array == NULL)
    return invalid (error, "ring %u of polygon %u is not an array of positions", ring_no,
                    polygon_no);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      Position position;

      if (!parse_position (json_array_get_element (array, i), polygon_no, ring_no, i + 1, &position,
                           error))
        return FALSE;
      g_array_append_val (self->positions, position);
    }
  ring.n = self->positions->len - ring.first;

  /* GeoJSON closes rings by repeating the first position; many hand-drawn outlines don't.
   * Either way the last edge back to the first position is implied from here on. */
  if (ring.n >= 2
      && compare_positions (ring_position (self, &ring, 0), ring_position (self, &ring, ring.n - 1))
             == 0)
    {
      ring.n--;
      g_array_set_size (self->positions, ring.first + ring.n);
    }

  /* An empty ring has no first position to point at (the array may hold none at all). */
  distinct = ring.n > 0 ? count_distinct (ring_position (self, &ring, 0), ring.n) : 0;
  if (distinct < 3)
    return invalid (error,
                    "ring %u of polygon %u has %u distinct positions; a ring needs at least 3",
                    ring_no, polygon_no, distinct);
  g_array_append_val (self->rings, ring);
  return TRUE;
}

static gboolean
parse_polygon (MendGeofence *self, JsonNode *node, guint polygon_no, GError **error)
{
  JsonArray *array = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
  Polygon polygon = { self->rings->len, 0 };

  if (array == NULL || json_array_get_length (array) == 0)
    return invalid (error, "polygon %u is not a non-empty array of rings", polygon_no);
  for (guint i = 0; i < json_array_get_length (array); i++)
    if (!parse_ring (self, json_array_get_element (array, i), polygon_no, i + 1, error))
      return FALSE;
  polygon.n = self->rings->len - polygon.first;
  g_array_append_val (self->polygons, polygon);
  return TRUE;
}

static gboolean
parse_geometry (MendGeofence *self, JsonNode *root, GError **error)
{
  JsonObject *object = JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  JsonNode *type_node = object ? json_object_get_member (object, "type") : NULL;
  JsonNode *coordinates = object ? json_object_get_member (object, "coordinates") : NULL;
  const char *type;

  if (object == NULL)
    return invalid (error, "not a GeoJSON object");
  if (type_node == NULL || !JSON_NODE_HOLDS_VALUE (type_node)
      || json_node_get_value_type (type_node) != G_TYPE_STRING)
    return invalid (error, "no GeoJSON “type”");
  type = json_node_get_string (type_node);
  if (!g_str_equal (type, "Polygon") && !g_str_equal (type, "MultiPolygon"))
    return invalid (error, "a GeoJSON “%s”, not a Polygon or MultiPolygon", type);
  if (coordinates == NULL || !JSON_NODE_HOLDS_ARRAY (coordinates))
    return invalid (error, "the %s has no “coordinates” array", type);

  if (g_str_equal (type, "Polygon"))
    return parse_polygon (self, coordinates, 1, error);

  if (json_array_get_length (json_node_get_array (coordinates)) == 0)
    return invalid (error, "the MultiPolygon has no polygons");
  for (guint i = 0; i < json_array_get_length (json_node_get_array (coordinates)); i++)
    if (!parse_polygon (self, json_array_get_element (json_node_get_array (coordinates), i), i + 1,
                        error))
      return FALSE;
  return TRUE;
}

/**
 * mend_geofence_new_from_geojson:
 * @geojson: (nullable): a GeoJSON Polygon or MultiPolygon in WGS 84, [lon, lat] order
 * @error: return location for a #G_IO_ERROR_INVALID_DATA error
 *
 * Parses a site boundary. Rings may be closed or not; in each polygon the first ring is the
 * outer one and any others are holes. Anything else (not JSON, another geometry, a ring with
 * fewer than 3 distinct positions, coordinates that are not numbers or out of range) is
 * refused with a message that says where.
 *
 * Returns: (transfer full) (nullable): the geofence, or %NULL with @error set
 */
MendGeofence *
mend_geofence_new_from_geojson (const char *geojson, GError **error)
{
  g_autoptr (MendGeofence) self = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GError) local_error = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* A site without a boundary is a data problem to report, not a programming error. */
  if (geojson == NULL || geojson[0] == '\0')
    {
      invalid (error, "empty");
      return NULL;
    }
  root = json_from_string (geojson, &local_error);
  if (root == NULL)
    {
      invalid (error, "not JSON (%s)", local_error ? local_error->message : "no value");
      return NULL;
    }

  self = g_new0 (MendGeofence, 1);
  self->positions = g_array_new (FALSE, FALSE, sizeof (Position));
  self->rings = g_array_new (FALSE, FALSE, sizeof (Ring));
  self->polygons = g_array_new (FALSE, FALSE, sizeof (Polygon));
  if (!parse_geometry (self, root, error))
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * mend_geofence_free:
 * @self: (nullable) (transfer full): a geofence
 */
void
mend_geofence_free (MendGeofence *self)
{
  if (self == NULL)
    return;
  g_array_unref (self->positions);
  g_array_unref (self->rings);
  g_array_unref (self->polygons);
  g_free (self);
}

/**
 * mend_geofence_contains:
 * @self: a geofence
 * @lat: latitude in degrees (WGS 84)
 * @lon: longitude in degrees (WGS 84)
 *
 * Returns: whether the point is inside some polygon's outer ring and none of its holes. A
 *   point on an edge (within a millimetre) counts as inside.
 */
gboolean
mend_geofence_contains (const MendGeofence *self, double lat, double lon)
{
  Projection p;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (isfinite (lat) && isfinite (lon), FALSE);

  projection_init (&p, lat, lon);
  return polygons_contain_origin (self, &p) || distance_to_origin (self, &p) <= ON_EDGE_M;
}

/**
 * mend_geofence_distance_m:
 * @self: a geofence
 * @lat: latitude in degrees (WGS 84)
 * @lon: longitude in degrees (WGS 84)
 *
 * The distance from the point to the nearest edge of any ring, holes included, for points
 * inside and outside alike. Computed in a local equirectangular projection around the point:
 * within well under 1 % at park scale. Tens of kilometres away the figure is only rough, but
 * such a point is plainly outside.
 *
 * Returns: the distance in metres, ≥ 0
 */
double
mend_geofence_distance_m (const MendGeofence *self, double lat, double lon)
{
  Projection p;

  g_return_val_if_fail (self != NULL, NAN);
  g_return_val_if_fail (isfinite (lat) && isfinite (lon), NAN);

  projection_init (&p, lat, lon);
  return distance_to_origin (self, &p);
}

/**
 * mend_geofence_verdict:
 * @self: a geofence
 * @lat: latitude of the fix in degrees (WGS 84)
 * @lon: longitude of the fix in degrees (WGS 84)
 * @accuracy_m: the fix's horizontal error in metres; NAN or negative counts as 0
 * @out_distance_m: (out) (optional): the distance to the boundary, as
 *   mend_geofence_distance_m() gives it
 *
 * Inside when the site contains the fix; near when the fix is outside by no more than its own
 * error, so the person may well be on site; outside otherwise.
 *
 * Returns: the verdict
 */
MendGeofenceVerdict
mend_geofence_verdict (const MendGeofence *self,
                       double lat,
                       double lon,
                       double accuracy_m,
                       double *out_distance_m)
{
  Projection p;
  double distance;

  g_return_val_if_fail (self != NULL, MEND_GEOFENCE_OUTSIDE);
  g_return_val_if_fail (isfinite (lat) && isfinite (lon), MEND_GEOFENCE_OUTSIDE);

  projection_init (&p, lat, lon);
  distance = distance_to_origin (self, &p);
  if (out_distance_m != NULL)
    *out_distance_m = distance;

  if (distance <= ON_EDGE_M || polygons_contain_origin (self, &p))
    return MEND_GEOFENCE_INSIDE;
  /* Written so that NAN fails the comparison too: a fix without an error estimate gets no
   * benefit of the doubt. */
  if (!(accuracy_m > 0.0))
    accuracy_m = 0.0;
  return distance <= accuracy_m ? MEND_GEOFENCE_NEAR : MEND_GEOFENCE_OUTSIDE;
}

/**
 * mend_geofence_verdict_to_string:
 * @verdict: a #MendGeofenceVerdict
 *
 * Returns: "inside", "near" or "outside", stable names for logs and JSON
 */
const char *
mend_geofence_verdict_to_string (MendGeofenceVerdict verdict)
{
  switch (verdict)
    {
    case MEND_GEOFENCE_INSIDE:
      return "inside";
    case MEND_GEOFENCE_NEAR:
      return "near";
    case MEND_GEOFENCE_OUTSIDE:
      return "outside";
    default:
      g_return_val_if_reached ("unknown");
    }
}
