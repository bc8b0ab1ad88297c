/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mendctl"

#include "config.h"

#include <math.h>
#include <stdio.h>

#include "mend-geofence.h"
#include "mend-rows.h"
#include "mendctl-private.h"

/* `mendctl geofence`: where a point stands against a site's boundary, to try the geofence
 * from a depot or a script without a GPS. */

/* Parses all of @text as a number; a trailing "m" or a comma decimal is not one. */
static gboolean
parse_number (const char *text, double *out)
{
  char *end = NULL;

  if (text == NULL || text[0] == '\0')
    return FALSE;
  *out = g_ascii_strtod (text, &end);
  return end != text && *end == '\0';
}

static const MendSite *
find_site (GPtrArray *sites, const char *id)
{
  for (guint i = 0; i < sites->len; i++)
    {
      const MendSite *site = g_ptr_array_index (sites, i);

      if (g_strcmp0 (site->id, id) == 0)
        return site;
    }
  return NULL;
}

/* Printed by hand rather than through JsonGenerator: json-glib 1.6 writes doubles with 17
 * significant digits, so a distance rounded to 812.3 would come out as 812.29999999999995. */
static void
print_json (const char *site_id, MendGeofenceVerdict verdict, double distance_m)
{
  g_autoptr (JsonNode) id = json_node_init_string (json_node_alloc (), site_id);
  g_autofree char *quoted_id = json_to_string (id, FALSE);
  char distance[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_formatd (distance, sizeof distance, "%.1f", round (distance_m * 10.0) / 10.0);
  printf ("{\n"
          "  \"site\" : %s,\n"
          "  \"verdict\" : \"%s\",\n"
          "  \"distance_m\" : %s\n"
          "}\n",
          quoted_id, mend_geofence_verdict_to_string (verdict), distance);
}

int
mendctl_geofence (MendctlContext *ctx, int argc, char **argv)
{
  g_autofree char *lat_text = NULL;
  g_autofree char *lon_text = NULL;
  g_autofree char *accuracy_text = NULL;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "lat", 0, 0, G_OPTION_ARG_STRING, &lat_text, "Latitude in degrees (WGS 84)", "LAT" },
    { "lon", 0, 0, G_OPTION_ARG_STRING, &lon_text, "Longitude in degrees, negative west", "LON" },
    { "accuracy", 0, 0, G_OPTION_ARG_STRING, &accuracy_text,
      "The fix's horizontal error in metres (default 0)", "M" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    { NULL },
  };
  g_autoptr (GPtrArray) sites = NULL;
  g_autoptr (MendGeofence) fence = NULL;
  GError *error = NULL;
  const MendSite *site;
  MendGeofenceVerdict verdict;
  double lat = NAN;
  double lon = NAN;
  double accuracy = 0.0;
  double distance = NAN;
  char distance_text[G_ASCII_DTOSTR_BUF_SIZE];
  int status;

  if (!mendctl_parse_options ("geofence", "SITE --lat LAT --lon LON", entries, NULL, &argc, &argv,
                              1, 1, &status))
    return status;

  /* The ranges are written so that "nan" and "inf", which g_ascii_strtod accepts, fail them. */
  if (lat_text == NULL || lon_text == NULL)
    return mendctl_usage_error ("geofence", "--lat and --lon are both required");
  if (!parse_number (lat_text, &lat) || !(lat >= -90.0 && lat <= 90.0))
    return mendctl_usage_error ("geofence", "--lat “%s” is not a latitude from -90 to 90",
                                lat_text);
  if (!parse_number (lon_text, &lon) || !(lon >= -180.0 && lon <= 180.0))
    return mendctl_usage_error ("geofence", "--lon “%s” is not a longitude from -180 to 180",
                                lon_text);
  if (accuracy_text != NULL
      && (!parse_number (accuracy_text, &accuracy) || !(accuracy >= 0.0 && isfinite (accuracy))))
    return mendctl_usage_error ("geofence", "--accuracy “%s” is not a distance in metres",
                                accuracy_text);

  if (mendctl_open_store (ctx, &error) == NULL
      || (sites = mend_store_list_sites (ctx->store, &error)) == NULL)
    return mendctl_fail (error);

  /* There is no site rule in mend-rules.h (sites are reference data, not records), but the
   * refusal reads like one so that scripts can match it the same way. */
  site = find_site (sites, argv[1]);
  if (site == NULL)
    {
      fprintf (stderr, "mendctl: Refused by rule site.unknown: there is no site “%s”\n", argv[1]);
      return MENDCTL_EXIT_REFUSED;
    }

  /* A boundary the store holds but cannot be read is a problem with the store's data. */
  fence = mend_geofence_new_from_geojson (site->boundary, &error);
  if (fence == NULL)
    {
      g_prefix_error (&error, "Site “%s”: ", site->id);
      return mendctl_fail (error);
    }

  verdict = mend_geofence_verdict (fence, lat, lon, accuracy, &distance);
  if (json)
    {
      print_json (site->id, verdict, distance);
      return MENDCTL_EXIT_OK;
    }

  g_ascii_formatd (distance_text, sizeof distance_text, "%.1f", distance);
  printf ("%s, %s m from the boundary of %s\n", mend_geofence_verdict_to_string (verdict),
          distance_text, site->name);
  return MENDCTL_EXIT_OK;
}
