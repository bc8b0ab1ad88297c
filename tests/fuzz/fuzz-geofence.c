/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-fuzz"

#include "config.h"

#include "mend-fuzz.h"

#include <math.h>

#include "mend-geofence.h"

/* A site boundary as the device parses it (data/mend-geofence.h): what the manifest and HQ's
 * site import carry. A boundary that parses is asked about a few fixed positions (on the demo
 * site, at the poles, across the antimeridian) and must answer with a distance that is a
 * number, never negative. */

static const double positions[][2] = {
  { 52.4064, -0.7061 }, { 0.0, 0.0 },    { 90.0, 180.0 },
  { -90.0, -180.0 },    { 45.0, 179.9 }, { -33.9, 151.2 },
};

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  mend_fuzz_init_logging ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = g_strndup ((const char *)data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (MendGeofence) fence = mend_geofence_new_from_geojson (text, &error);

  if (fence == NULL)
    {
      g_assert (error != NULL);
      return 0;
    }
  for (guint i = 0; i < G_N_ELEMENTS (positions); i++)
    {
      double lat = positions[i][0];
      double lon = positions[i][1];
      double distance = -1;
      gboolean inside = mend_geofence_contains (fence, lat, lon);
      MendGeofenceVerdict verdict = mend_geofence_verdict (fence, lat, lon, 10.0, &distance);

      g_assert (!isnan (mend_geofence_distance_m (fence, lat, lon)));
      g_assert (!isnan (distance) && distance >= 0);
      g_assert (!inside || verdict == MEND_GEOFENCE_INSIDE);
      g_assert (mend_geofence_verdict_to_string (verdict) != NULL);
    }
  return 0;
}
