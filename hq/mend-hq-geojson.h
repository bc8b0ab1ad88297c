/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The GeoJSON site files of `mend-hq admin site import`, read and checked without a database:
 * a FeatureCollection in, manifest-shaped sites out (data/README.md, "Manifest"). The import
 * writes what this returns; the fuzz target tests/fuzz/fuzz-hq-geojson.c feeds it anything. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The largest site file read, and the deepest nesting of arrays and objects in it: a
 * MultiPolygon inside a FeatureCollection is nine deep, so anything near the bound is not a
 * site file, and json-glib's parser recurses once per level. */
#define MEND_HQ_GEOJSON_MAX_BYTES (64 * 1024 * 1024)
#define MEND_HQ_GEOJSON_MAX_DEPTH 64

JsonArray *
mend_hq_geojson_parse_sites (const char *name, const char *text, gsize length, GError **error);
char *mend_hq_geojson_feature_label (guint index, const char *id, const char *name);

G_END_DECLS
