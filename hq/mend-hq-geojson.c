/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-hq"

#include "config.h"

#include "mend-hq-geojson.h"

#include <math.h>
#include <string.h>

#include "mend-geofence.h"
#include "mend-hq-private.h"
#include "mend-wire.h"

/* A site file is checked whole before anything is written, so a bad feature is reported with
 * its place in the file and no database is needed to find it. The boundary is checked by the
 * device's own geofence parser (data/mend-geofence.c), the one rule for what a boundary is;
 * the row's other members (lengths, characters) are checked where every way in writes them,
 * mend_hq_reference_apply(). */

/* At most @max characters of @text, cut between characters, for quoting in a message. */
static char *
clip (const char *text, glong max)
{
  return g_utf8_substring (text, 0, MIN (max, g_utf8_strlen (text, -1)));
}

/**
 * mend_hq_geojson_feature_label:
 * @index: the feature's place in the file, from 0
 * @id: (nullable): its id
 * @name: (nullable): its name
 *
 * Returns: (transfer full): the feature named the way a person finds it in the file: its
 *   place, and its id or name ("feature 3 (id \"north-park\")").
 */
char *
mend_hq_geojson_feature_label (guint index, const char *id, const char *name)
{
  if (id != NULL)
    {
      g_autofree char *short_id = clip (id, 60);

      return g_strdup_printf ("feature %u (id \"%s\")", index + 1, short_id);
    }
  if (name != NULL)
    {
      g_autofree char *short_name = clip (name, 60);

      return g_strdup_printf ("feature %u (\"%s\")", index + 1, short_name);
    }
  return g_strdup_printf ("feature %u", index + 1);
}

/* Sets a usage error and returns NULL, so a refusal is one statement. */
static gpointer refuse (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gpointer
refuse (GError **error, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE, message);
  return NULL;
}

/* A million "[" would exhaust json-glib's stack before any rule saw it: the wire codec's depth
 * count runs first. */
static gboolean
check_depth (const char *name, const char *text, gsize length, GError **error)
{
  if (mend_wire_json_depth_is_bounded (text, length, MEND_HQ_GEOJSON_MAX_DEPTH))
    return TRUE;
  refuse (error, "%s nests arrays and objects more than %d deep, which no site file does", name,
          MEND_HQ_GEOJSON_MAX_DEPTH);
  return FALSE;
}

/* Whether @object's "type" is the string @type. json-glib's own getters complain, rather
 * than answer no, when the member is there but of another kind ("type": {}). */
static gboolean
type_is (JsonObject *object, const char *type)
{
  JsonNode *node = json_object_get_member (object, "type");

  return node != NULL && JSON_NODE_HOLDS_VALUE (node)
         && json_node_get_value_type (node) == G_TYPE_STRING
         && g_strcmp0 (json_node_get_string (node), type) == 0;
}

/* A property as text: strings as they are, whole numbers written out (GeoJSON files often
 * number their features). */
static char *
property_text (JsonObject *properties, const char *name)
{
  JsonNode *node = properties != NULL ? json_object_get_member (properties, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  return NULL;
}

/* The middle of the boundary's bounding box is where the app centres its map, nothing more.
 * Called only on a boundary the geofence parser took, so every position is an array of at
 * least two numbers and the nesting is the Polygon's or the MultiPolygon's. */
static void
grow_box_polygon (JsonArray *polygon, double box[4])
{
  for (guint r = 0; r < json_array_get_length (polygon); r++)
    {
      JsonArray *ring = json_array_get_array_element (polygon, r);

      for (guint p = 0; p < json_array_get_length (ring); p++)
        {
          JsonArray *position = json_array_get_array_element (ring, p);
          double lon = json_array_get_double_element (position, 0);
          double lat = json_array_get_double_element (position, 1);

          box[0] = MIN (box[0], lat);
          box[1] = MAX (box[1], lat);
          box[2] = MIN (box[2], lon);
          box[3] = MAX (box[3], lon);
        }
    }
}

static void
boundary_box (JsonObject *geometry, double box[4])
{
  JsonArray *coordinates = json_object_get_array_member (geometry, "coordinates");

  if (g_str_equal (json_object_get_string_member (geometry, "type"), "Polygon"))
    {
      grow_box_polygon (coordinates, box);
      return;
    }
  for (guint i = 0; i < json_array_get_length (coordinates); i++)
    grow_box_polygon (json_array_get_array_element (coordinates, i), box);
}

static JsonObject *
site_from_feature (JsonNode *node, guint index, GError **error)
{
  g_autoptr (JsonObject) site = json_object_new ();
  g_autoptr (MendGeofence) fence = NULL;
  g_autoptr (GError) fence_error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *name = NULL;
  g_autofree char *address = NULL;
  g_autofree char *label = NULL;
  g_autofree char *geometry_text = NULL;
  JsonObject *feature;
  JsonObject *properties = NULL;
  JsonNode *geometry;
  double box[4] = { INFINITY, -INFINITY, INFINITY, -INFINITY };

  if (!JSON_NODE_HOLDS_OBJECT (node) || !type_is (json_node_get_object (node), "Feature"))
    {
      label = mend_hq_geojson_feature_label (index, NULL, NULL);
      return refuse (error, "%s is not a GeoJSON Feature", label);
    }
  feature = json_node_get_object (node);
  if (json_object_has_member (feature, "properties")
      && JSON_NODE_HOLDS_OBJECT (json_object_get_member (feature, "properties")))
    properties = json_object_get_object_member (feature, "properties");
  id = property_text (properties, "id");
  if (id == NULL)
    id = property_text (feature, "id");
  name = property_text (properties, "name");
  address = property_text (properties, "address");
  label = mend_hq_geojson_feature_label (index, id, name);
  if (id == NULL || name == NULL)
    return refuse (error, "%s needs an \"id\" and a \"name\" property (text)", label);
  geometry = json_object_get_member (feature, "geometry");
  if (geometry == NULL || !JSON_NODE_HOLDS_OBJECT (geometry))
    return refuse (error, "%s has no geometry: a site needs a Polygon or MultiPolygon", label);
  geometry_text = json_to_string (geometry, FALSE);
  fence = mend_geofence_new_from_geojson (geometry_text, &fence_error);
  if (fence == NULL)
    return refuse (error, "%s: boundary is not a usable boundary: %s", label, fence_error->message);
  boundary_box (json_node_get_object (geometry), box);

  json_object_set_string_member (site, "id", id);
  json_object_set_string_member (site, "name", name);
  if (address != NULL)
    json_object_set_string_member (site, "address", address);
  json_object_set_member (site, "boundary", json_node_copy (geometry));
  if (isfinite (box[0]) && isfinite (box[2]))
    {
      json_object_set_double_member (site, "centre_lat", (box[0] + box[1]) / 2);
      json_object_set_double_member (site, "centre_lon", (box[2] + box[3]) / 2);
    }
  return g_steal_pointer (&site);
}

/**
 * mend_hq_geojson_parse_sites:
 * @name: how the file is named in messages (its path)
 * @text: the file's bytes, not necessarily NUL-terminated
 *
 * Reads a GeoJSON FeatureCollection of sites: each Feature needs an "id" and a "name"
 * property (an "address" is optional) and a Polygon or MultiPolygon the device's geofence
 * parser accepts; two features may not share an id, since the second would quietly replace
 * the first. Anything else is refused whole, and the message names the file, the feature and
 * what is wrong with it.
 *
 * Returns: (transfer full) (nullable): the sites as the manifest carries them (id, name,
 *   address, boundary, centre_lat, centre_lon), at least one; or %NULL with a
 *   %MEND_HQ_ERROR_USAGE error
 */
JsonArray *
mend_hq_geojson_parse_sites (const char *name, const char *text, gsize length, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) parse_error = NULL;
  g_autoptr (JsonArray) sites = json_array_new ();
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  JsonObject *root;
  JsonArray *features;

  if (length > MEND_HQ_GEOJSON_MAX_BYTES)
    return refuse (error, "%s is larger than 64 MiB", name);
  if (!mend_hq_reference_check_text (name, text, length, error)
      || !check_depth (name, text, length, error))
    return NULL;
  if (!json_parser_load_from_data (parser, text, (gssize)length, &parse_error))
    return refuse (error, "%s is not JSON: %s", name, parse_error->message);
  /* An empty file (or only white space) parses, to no root at all. */
  root = json_parser_get_root (parser) != NULL
                 && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))
             ? json_node_get_object (json_parser_get_root (parser))
             : NULL;
  if (root == NULL || !type_is (root, "FeatureCollection")
      || !json_object_has_member (root, "features")
      || !JSON_NODE_HOLDS_ARRAY (json_object_get_member (root, "features")))
    return refuse (error, "%s is not a GeoJSON FeatureCollection with a \"features\" list", name);
  features = json_object_get_array_member (root, "features");
  if (json_array_get_length (features) == 0)
    return refuse (error, "%s holds no features", name);
  for (guint i = 0; i < json_array_get_length (features); i++)
    {
      JsonObject *site = site_from_feature (json_array_get_element (features, i), i, error);
      const char *id;
      gpointer first;

      if (site == NULL)
        {
          g_prefix_error (error, "%s: ", name);
          return NULL;
        }
      json_array_add_object_element (sites, site);
      id = json_object_get_string_member (site, "id");
      if (g_hash_table_lookup_extended (seen, id, NULL, &first))
        {
          g_autofree char *label = mend_hq_geojson_feature_label (i, id, NULL);

          return refuse (error, "%s: %s has the id of feature %u; each site needs its own", name,
                         label, GPOINTER_TO_UINT (first) + 1);
        }
      g_hash_table_insert (seen, (gpointer)id, GUINT_TO_POINTER (i));
    }
  return g_steal_pointer (&sites);
}
