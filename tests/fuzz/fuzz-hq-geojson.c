/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-fuzz"

#include "config.h"

#include "mend-fuzz.h"

#include <string.h>

#include "mend-geofence.h"
#include "mend-hq-geojson.h"
#include "mend-hq-private.h"

/* The GeoJSON site files of `mend-hq admin site import`, read by mend_hq_geojson_parse_sites()
 * (hq/mend-hq-geojson.c) as the import reads them, before any database is touched. A refusal
 * must be a usage error that names the file; what is taken must be at least one site, each
 * with an id and a name, ids not repeated, a boundary the device's geofence parser takes, and
 * a centre on the globe. */

#define NAME "fuzz.geojson"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  mend_fuzz_init_logging ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonArray) sites
      = mend_hq_geojson_parse_sites (NAME, (const char *)data, size, &error);
  g_autoptr (GHashTable) ids = NULL;

  if (sites == NULL)
    {
      g_assert (error != NULL);
      g_assert (error->domain == MEND_HQ_ERROR && error->code == MEND_HQ_ERROR_USAGE);
      g_assert (g_str_has_prefix (error->message, NAME));
      return 0;
    }
  g_assert (error == NULL);
  g_assert_cmpuint (json_array_get_length (sites), >=, 1);
  ids = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < json_array_get_length (sites); i++)
    {
      JsonObject *site = json_array_get_object_element (sites, i);
      const char *id = json_object_get_string_member (site, "id");
      g_autofree char *boundary = json_to_string (json_object_get_member (site, "boundary"), FALSE);
      g_autoptr (GError) fence_error = NULL;
      g_autoptr (MendGeofence) fence = mend_geofence_new_from_geojson (boundary, &fence_error);

      g_assert (id != NULL);
      g_assert (json_object_get_string_member (site, "name") != NULL);
      g_assert (g_hash_table_add (ids, (gpointer)id));
      g_assert_no_error (fence_error);
      g_assert (fence != NULL);
      g_assert (json_object_has_member (site, "centre_lat")
                == json_object_has_member (site, "centre_lon"));
      if (json_object_has_member (site, "centre_lat"))
        {
          double lat = json_object_get_double_member (site, "centre_lat");
          double lon = json_object_get_double_member (site, "centre_lon");

          g_assert (lat >= -90 && lat <= 90);
          g_assert (lon >= -180 && lon <= 180);
        }
    }
  return 0;
}
