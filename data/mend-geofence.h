/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A site's geofence: its GeoJSON boundary, parsed once, asked whether a GPS fix is on site and
 * how far it is from the boundary. Pure functions over GLib and json-glib. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _MendGeofence MendGeofence;

/* Where a fix stands against a site, its horizontal error taken into account. */
typedef enum
{
  MEND_GEOFENCE_INSIDE,
  MEND_GEOFENCE_NEAR,
  MEND_GEOFENCE_OUTSIDE,
} MendGeofenceVerdict;

MendGeofence *mend_geofence_new_from_geojson (const char *geojson, GError **error);
void mend_geofence_free (MendGeofence *self);

gboolean mend_geofence_contains (const MendGeofence *self, double lat, double lon);
double mend_geofence_distance_m (const MendGeofence *self, double lat, double lon);
MendGeofenceVerdict mend_geofence_verdict (const MendGeofence *self,
                                           double lat,
                                           double lon,
                                           double accuracy_m,
                                           double *out_distance_m);
const char *mend_geofence_verdict_to_string (MendGeofenceVerdict verdict);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MendGeofence, mend_geofence_free)

G_END_DECLS
